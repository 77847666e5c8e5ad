"""Matt Mazur's "A Step by Step Backpropagation Example", with its biases held fixed.

A 2-2-2 sigmoid network, inputs 0.05 and 0.10, targets 0.01 and 0.99,
weights w1 … w8 = 0.15 … 0.55, biases b1 = 0.35 and b2 = 0.60, half-squared
error (loss="mse": J = ½Σ(a − y)² for one instance), α = 0.5. The post keeps
its biases fixed, so they are frozen here: one step gives the post's eight new
weights, and training goes on with the biases unchanged.

Run:  python examples/mazur.py
"""

from __future__ import annotations

import numpy as np

import neurograph as ng

# (source, target) of w1 … w8 as the post numbers them
NAMES = {"w1": ("i1", "h1"), "w2": ("i2", "h1"), "w3": ("i1", "h2"), "w4": ("i2", "h2"),
         "w5": ("h1", "o1"), "w6": ("h2", "o1"), "w7": ("h1", "o2"), "w8": ("h2", "o2")}
# the post's weights after the first step, as printed there
POST = {"w5": 0.35891648, "w6": 0.408666186, "w7": 0.511301270, "w8": 0.561370121,
        "w1": 0.149780716, "w2": 0.19956143, "w3": 0.24975114, "w4": 0.29950229}


def network() -> ng.Network:
    """The post's network, built unit by unit as it draws it."""
    net = ng.Network()
    for name in ("i1", "i2"):
        net.add_input(name)
    for name, bias in (("h1", 0.35), ("h2", 0.35), ("o1", 0.60), ("o2", 0.60)):
        net.add_node(name, activation="sigmoid", bias=bias)
    for k, w in zip(sorted(NAMES), (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55)):
        net.connect(*NAMES[k], weight=w)
    return net


def main(epochs: int = 10000) -> dict:
    net = network()
    X, Y = np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])
    net.freeze("bias")
    print(f"E_total before: {net.cost(X, Y, loss='mse'):.9f}   (the post: 0.298371109)")
    trainer = ng.Trainer(net, alpha=0.5, loss="mse")
    trainer.fit(X, Y, epochs=1)
    new = {k: net.link(*NAMES[k]).weight for k in POST}
    for k in sorted(new):
        print(f"{k}: {new[k]:.9f}   (the post: {POST[k]})")
    trainer.fit(X, Y, epochs=epochs - 1)
    J = net.cost(X, Y, loss="mse")
    print(f"after {epochs} steps: E_total = {J:.9g}   (the post: 0.0000351085)")
    print("biases:", [u.bias for u in net.nodes if u.bias is not None])
    return {"after_one": new, "cost": J, "biases": [u.bias for u in net.nodes
                                                    if u.bias is not None]}


if __name__ == "__main__":
    main()
