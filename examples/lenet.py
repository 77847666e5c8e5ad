"""A LeNet-style network on the 8×8 digits: conv 3×3 → max pool → dense → 10.

Every unit and link is explicit: the conv layer's 8 maps of 6×6 units each read
a 3×3 window of the image through the map's one shared kernel (9 weights and a
bias shared by 36 units), a max-pooling unit takes the largest of a 2×2 window,
and a dense hidden layer of 32 units feeds the 10 softmax outputs. The matrix
engine runs the conv layer as one product over the gathered windows and the
pooling by index, so training takes seconds. Afterwards the kernels are drawn
(each with its values) and, for a few held-out digits, the feature maps the
kernels make and what pooling keeps of them.

Run:  python examples/lenet.py [out_dir]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import neurograph as ng


def build(maps: int = 8, hidden: int = 32, seed: int = 0) -> ng.Network:
    """The network: 8×8 input grid, conv 3×3 (ReLU), max pool 2×2, dense, 10 outputs."""
    net = ng.Network(seed=seed)
    x = net.add_inputs((1, 8, 8), name="x")
    c = net.add_conv(x, maps=maps, kernel=3, activation="relu", name="c1")
    s = net.add_pool(c, size=2, kind="max", name="s1")
    h = net.add_layer(hidden, activation="relu")
    net.connect_layers(s, h)
    out = net.add_layer(10, activation="softmax")
    net.connect_layers(h, out)
    return net


def main(out_dir: str | None = "out/examples", epochs: int = 15) -> dict:
    X, y = ng.data.load_digits()
    Xtr, Xte, ytr, yte = ng.data.train_test_split(X, y, 0.25, seed=0)  # a held-out quarter
    net = build()
    history = ng.Trainer(net, alpha=0.05, momentum=0.9, batch_size=32, seed=0).fit(
        Xtr, ytr, epochs=epochs, validation=(Xte, yte))
    acc = float((net.predict(Xte) == yte).mean())
    print(f"{net.n_params} parameters on {net.n_links} links; {history.epochs} epochs: "
          f"J = {history.cost[-1]:.4f}, held-out accuracy {acc:.3f}")
    files = []
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        files = [draw_kernels(net, out / "lenet_kernels.png"),
                 draw_feature_maps(net, Xte[:4], yte[:4], out / "lenet_feature_maps.png")]
        for f in files:
            print("wrote", f)
    return {"net": net, "accuracy": acc, "history": history, "files": files}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: no window
    import matplotlib.pyplot as plt

    return plt


def draw_kernels(net: ng.Network, path: Path) -> Path:
    """Each map's 3×3 kernel as a picture with its values, and its bias."""
    plt = _pyplot()
    K = net.parameters["c1.kernels"].value[:, 0]  # (maps, 3, 3): one input map
    b = net.parameters["c1.biases"].value
    lim = float(np.abs(K).max())
    fig, axes = plt.subplots(1, len(K), figsize=(1.6 * len(K), 2.0))
    for m, ax in enumerate(axes):
        ax.imshow(K[m], cmap="RdBu_r", vmin=-lim, vmax=lim)
        for (i, j), v in np.ndenumerate(K[m]):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7)
        ax.set_title(f"map {m}\nbias {b[m]:.2f}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("c1 kernels (red +, blue −): each is shared by the 36 units of its map",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def draw_feature_maps(net: ng.Network, X: np.ndarray, y: np.ndarray, path: Path) -> Path:
    """Per digit: the image, each map's 6×6 activations a(2) and the 3×3 maxima a(3)."""
    plt = _pyplot()
    trace = net.backward(X, y)
    maps = net.parameters["c1.kernels"].shape[0]
    conv = trace.a[1].reshape(len(X), maps, 6, 6)
    pooled = trace.a[2].reshape(len(X), maps, 3, 3)
    fig, axes = plt.subplots(2 * len(X), maps + 1, figsize=(1.3 * (maps + 1), 2.6 * len(X)))
    for i in range(len(X)):
        top, bottom = axes[2 * i], axes[2 * i + 1]
        top[0].imshow(X[i].reshape(8, 8), cmap="gray_r")
        top[0].set_title(f"digit {y[i]}", fontsize=8)
        bottom[0].axis("off")
        hi = float(conv[i].max()) or 1.0  # one scale per digit: maps compare
        for m in range(maps):
            top[m + 1].imshow(conv[i, m], cmap="magma", vmin=0, vmax=hi)
            bottom[m + 1].imshow(pooled[i, m], cmap="magma", vmin=0, vmax=hi)
            if i == 0:
                top[m + 1].set_title(f"c1 map {m}", fontsize=8)
                bottom[m + 1].set_title(f"s1 map {m}", fontsize=8)
        for ax in (*top, *bottom):
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle("feature maps (6×6) and their 2×2 maxima (3×3), held-out digits", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out/examples")
