"""A network the matrices cannot hold: a skip connection, run by the graph engine.

x1, x2 feed a single hidden unit h *and* the output o directly. Layers are
inferred (longest path from the inputs); compiling to Θ refuses the skip link
and names it, and the graph engine runs forward, backward and training.

Run:  python examples/custom_topology.py
"""

from __future__ import annotations

import neurograph as ng


def build(seed: int = 0) -> ng.Network:
    net = ng.Network(seed=seed)
    x1, x2 = net.add_input("x1"), net.add_input("x2")
    h = net.add_node("h", activation="sigmoid")
    o = net.add_node("o", activation="sigmoid")
    for src, dst in [(x1, h), (x2, h), (h, o), (x1, o), (x2, o)]:
        net.connect(src, dst, weight=net.rng.uniform(-1, 1))
    return net


def main() -> dict:
    X, y = ng.data.truth_table("XOR")
    net = build()
    print(net)
    net.summary()
    try:
        net.compile()
    except ng.CompileError as exc:
        print("compile:", exc)
    history = ng.Trainer(net, alpha=2.0).fit(X, y, epochs=3000)
    print("predictions:", net.predict(X).tolist(), "targets:", y.tolist())
    trace = net.backward(X, y)  # a backward pass is what nodes and links show
    print(f"engine: {trace.engine}; J: {history.cost[0]:.4f} → {history.cost[-1]:.4f}")
    for link in net["o"].incoming:
        print(f"  {link!r}  ∂J/∂w = {link.grad:+.2e}")
    return {"net": net, "history": history, "trace": trace}


if __name__ == "__main__":
    main()
