"""matplotlib pictures for reports: training curves, decision boundaries, hidden units.

matplotlib is the optional extra ``plot`` (``pip install 'neurograph[plot]'``).
Each function returns its Axes or Figure and never calls ``show()``; figures
are made without pyplot, so nothing opens a window or piles up.
"""

from __future__ import annotations

import math

import numpy as np

from ..data.values import count_number as count_arg
from ..data.values import real_array
from ..errors import ConfigError, LabelError, MissingExtraError, NonFiniteError, ShapeError
from .pictures import _check_shape, incoming_weights


def _figure():
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingExtraError("matplotlib is not installed: pip install 'neurograph[plot]' "
                                "(the plot extra)") from None
    return Figure


def _axes(ax, figsize=(6, 4)):
    Figure = _figure()
    return ax if ax is not None else Figure(figsize=figsize, layout="constrained").add_subplot()


def history_plot(history, ax=None):
    """J (and validation J) per epoch, accuracy on a second axis; returns the Axes of J.

    Each series is drawn against its own epochs (element k is epoch k+1): a
    History whose lists differ in length draws each where it was recorded,
    and NaN or None (an epoch without a record) leaves a gap.

    >>> import neurograph as ng
    >>> ax = ng.History(cost=[0.7, 0.4, 0.2], accuracy=[0.5, 0.75, 1.0]).plot()
    >>> ax.lines[0].get_ydata().tolist(), ax.get_xlabel()
    ([0.7, 0.4, 0.2], 'epoch')
    """
    series = {name: _series(history, name) for name in
              ("cost", "val_cost", "accuracy", "val_accuracy")}
    if not series["cost"].size:
        raise ConfigError("this History has no epochs to plot (cost is empty)")
    ax = _axes(ax)
    lines = [(ax, "cost", "J(Θ)", "-"), (ax, "val_cost", "validation J", "--")]
    acc = None
    if series["accuracy"].size or series["val_accuracy"].size:
        acc = ax.twinx()
        acc.set_ylabel("accuracy")
        acc.set_ylim(0, 1.02)
        lines += [(acc, "accuracy", "accuracy", "-"),
                  (acc, "val_accuracy", "validation accuracy", "--")]
    colour = {"cost": "#2171b5", "val_cost": "#e6550d"}
    for axes, name, label, style in lines:
        y = series[name]
        if y.size:
            axes.plot(np.arange(1, y.size + 1), y, color=colour.get(name, "#31a354"),
                      linestyle=style, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("J(Θ)")
    handles, labels = ax.get_legend_handles_labels()
    if acc is not None:
        more = acc.get_legend_handles_labels()
        handles, labels = handles + more[0], labels + more[1]
    ax.legend(handles, labels, loc="center right")
    return ax


def _series(history, name: str) -> np.ndarray:
    """One of a History's lists as floats, None as NaN; InputValueError for non-numbers."""
    values = [math.nan if v is None else v for v in getattr(history, name)]
    arr = real_array(values, f"history.{name}", finite=False)
    if arr.ndim != 1:
        raise ShapeError(f"history.{name} must be a list of numbers, one per epoch, "
                         f"got shape {arr.shape}")
    return arr


def point_classes(y, n: int) -> np.ndarray:
    """The class of each of ``n`` points: labels (n,) or (n, 1), or one-hot rows (n, K).

    >>> point_classes([[0, 1], [1, 0]], 2).tolist()
    [1.0, 0.0]
    >>> point_classes([0, 1, 1], 2)
    Traceback (most recent call last):
    ...
    neurograph.errors.LabelError: y must hold one label per point of X (2), got shape (3,)
    """
    lab = real_array(y, "y (the points' labels)")
    if lab.ndim not in (1, 2) or lab.shape[0] != n:
        raise LabelError(f"y must hold one label per point of X ({n}), got shape {lab.shape}")
    return lab.argmax(axis=1).astype(float) if lab.ndim == 2 and lab.shape[1] > 1 \
        else lab.reshape(n)


def decision_boundary(g1, g2, values, X, y, ax=None, title=None):
    """Draw output values over a grid (computed by the caller) with the points X coloured by y.

    ``values`` has shape (len(g2), len(g1)); the 0.5 contour is the boundary
    (where ``predict`` changes for one output). The colour scale covers 0..1
    and any value beyond (a linear or tanh output), white at 0.5; when no
    point of the grid reaches 0.5 the picture says which class it predicts.

    >>> import numpy as np
    >>> g = np.linspace(0, 1, 3)
    >>> ax = decision_boundary(g, g, np.add.outer(g, g) / 2, [[0, 0], [1, 1]], [0, 1])
    >>> ax.collections[-1].get_offsets().tolist()
    [[0.0, 0.0], [1.0, 1.0]]
    """
    values = np.asarray(values, float)
    bad = ~np.isfinite(values)
    if bad.any():
        raise NonFiniteError(f"the output is NaN or inf at {int(bad.sum())} of the "
                             f"{values.size} grid points (diverged weights?): no boundary "
                             f"to draw")
    X = np.asarray(X, float)
    lab = point_classes(y, len(X))
    ax = _axes(ax, (5, 5))
    from matplotlib.colors import TwoSlopeNorm

    lo, hi = min(0.0, values.min()), max(1.0, values.max())
    # 0.5 is a level and white, so the colours split where predict's decision does
    levels = np.r_[np.linspace(lo, 0.5, 6), np.linspace(0.5, hi, 6)[1:]]
    mesh = ax.contourf(g1, g2, values, levels=levels, cmap="RdBu_r", alpha=0.8,
                       norm=TwoSlopeNorm(0.5, lo, hi))
    if values.min() < 0.5 < values.max():
        ax.contour(g1, g2, values, levels=[0.5], colors="k", linewidths=1.5)
    else:
        ax.text(0.5, 0.02, f"a {'≥' if values.min() >= 0.5 else '<'} 0.5 everywhere: "
                f"predicts {int(values.min() >= 0.5)}",
                transform=ax.transAxes, ha="center", va="bottom", fontsize=9,
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
    bar = ax.figure.colorbar(mesh, ax=ax, label="output a (boundary a = 0.5)")
    bar.set_ticks([lo, 0.5, hi])
    ax.scatter(X[:, 0], X[:, 1], c=lab, cmap="bwr", vmin=0, vmax=1, edgecolors="k", s=50)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    if title:
        ax.set_title(title)
    return ax


def plot_hidden_units(net, shape=(8, 8), layer: int = 2, cols: int | None = None):
    """The slide's "visualization of hidden layer" as a Figure: one image per unit of ``layer``.

    Each image is the unit's incoming weights (pixel k from input k), grey
    from its most inhibitory (black) to its most excitatory (white) weight.

    >>> import neurograph as ng
    >>> fig = ng.plot_hidden_units(ng.Network.from_architecture([4, 3, 1], seed=0), (2, 2))
    >>> len(fig.axes), fig.axes[0].images[0].get_array().shape
    (3, (2, 2))
    """
    h, w = _check_shape(net, shape, layer, "shape")
    units = net.layers[layer - 1].nodes
    below = net.layers[layer - 2]
    cols = max(1, int(np.ceil(np.sqrt(len(units))))) if cols is None \
        else count_arg("cols", cols, "an int ≥ 1 (pictures per row) or None")
    rows = -(-len(units) // cols)
    fig = _figure()(figsize=(1.3 * cols, 1.3 * rows), layout="constrained")
    from matplotlib import colormaps

    gray = colormaps["gray"].with_extremes(bad="#808080")  # NaN mid-grey, ±inf at the ends
    for k, unit in enumerate(units):
        ax = fig.add_subplot(rows, cols, k + 1)
        img = incoming_weights(unit, below).reshape(h, w)
        fin = img[np.isfinite(img)]  # the scale of the finite weights, as in the PNGs
        lo, hi = (fin.min(), fin.max()) if fin.size else (0.0, 1.0)
        ax.imshow(img, cmap=gray, vmin=lo, vmax=hi, interpolation="nearest")
        ax.set_title(unit.name, fontsize=8)
        ax.set_axis_off()
    return fig


hidden_units_figure = plot_hidden_units
