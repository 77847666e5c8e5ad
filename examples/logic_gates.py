"""The lecture's logic units, built node by node, and XNOR as a two-layer network.

AND  = g(−30 + 20·x1 + 20·x2)     OR  = g(−10 + 20·x1 + 20·x2)
NOT  = g(+10 − 20·x1)             NOR = (NOT x1) AND (NOT x2) = g(10 − 20·x1 − 20·x2)
XNOR = OR(AND(x1, x2), NOR(x1, x2))

Run:  python examples/logic_gates.py
"""

from __future__ import annotations

import numpy as np

import neurograph as ng

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)

# name: (bias θ0, input weights)
UNITS = {
    "AND": (-30.0, [20.0, 20.0]),
    "OR": (-10.0, [20.0, 20.0]),
    "NOT": (10.0, [-20.0]),
    "NOR": (10.0, [-20.0, -20.0]),
}


def unit(name: str) -> ng.Network:
    """One logistic unit with the slide's weights."""
    bias, weights = UNITS[name]
    net = ng.Network()
    xs = [net.add_input(f"x{i}") for i in range(1, len(weights) + 1)]
    h = net.add_node(name, activation="sigmoid")
    for x, w in zip(xs, weights):
        net.connect(x, h, weight=w)
    net.set_bias(h, bias)
    return net


def xnor() -> ng.Network:
    """XNOR = OR(AND, NOR): Layer 2 computes AND and NOR, Layer 3 ORs them."""
    net = ng.Network()
    x1, x2 = net.add_input("x1"), net.add_input("x2")
    a = net.add_node("AND")
    b = net.add_node("NOR")
    out = net.add_node("XNOR")
    for src, dst, w in [(x1, a, 20), (x2, a, 20), (x1, b, -20), (x2, b, -20),
                        (a, out, 20), (b, out, 20)]:
        net.connect(src, dst, weight=w)
    net.set_bias(a, -30)
    net.set_bias(b, 10)
    net.set_bias(out, -10)
    return net


def main() -> dict[str, np.ndarray]:
    tables = {}
    for name in UNITS:
        net = unit(name)
        X = INPUTS if name != "NOT" else np.array([[0.0], [1.0]])
        h = net.forward(X, show=True)[:, 0]  # show: the units show this pass's z and a
        tables[name] = h
        node = net.outputs[0]
        print(f"{name}: {node!r}")
        for x, z, v in zip(X, node.z, h):
            print(f"  x={x.astype(int).tolist()}  g({z:+.0f}) = {v:.6f} ≈ {round(v)}")
    net = xnor()
    h = net.forward(INPUTS)[:, 0]
    tables["XNOR"] = h
    print(f"XNOR = OR(AND, NOR): {net!r}")
    for x, v in zip(INPUTS, h):
        print(f"  x={x.astype(int).tolist()}  h={v:.6f} ≈ {round(v)}")
    net.summary()
    return tables


if __name__ == "__main__":
    main()
