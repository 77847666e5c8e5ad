"""What a built network offers: θ as Θ(1), Θ(2), …, passes, class names,
pictures and a summary. ``Network`` inherits these methods; they read the
network through its public face.

The passes are thin: each imports the engines when called and hands the work
to a plain function of ``neurograph.engines.passes`` (as networkx's graph
methods call ``nx.`` functions), so importing ``neurograph.model`` alone
imports no engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..data.values import real_array
from ..errors import ConfigError, ShapeError, TopologyError, renamed_keywords
from . import spec
from .weights import compile_network

if TYPE_CHECKING:  # pragma: no cover
    from .node import Node


class NetworkViews:
    """The methods of :class:`~neurograph.model.network.Network` that use a built network."""

    # --- the architecture ------------------------------------------------------------
    @property
    def L(self) -> int:
        """Number of layers (input and output included)."""
        return len(self.layers)

    @property
    def s(self) -> list[int]:
        """The architecture s = [s_1, …, s_L], bias units not counted."""
        return [lay.size for lay in self.layers]

    @property
    def outputs(self) -> list[Node]:
        """The units of the last layer, in order (the columns of ``forward``)."""
        lays = self.layers
        return list(lays[-1].nodes) if len(lays) > 1 else []

    @property
    def nodes(self) -> list[Node]:
        """Every unit but the bias units, layer by layer."""
        return [u for lay in self.layers for u in lay.nodes]

    @property
    def bias_units(self) -> list[Node]:
        return [lay.bias for lay in self.layers if lay.bias is not None]

    @property
    def n_links(self) -> int:
        """Number of links, bias links included (= number of parameters)."""
        return self.graph.number_of_edges()

    @property
    def is_layered(self) -> bool:
        """True when every link goes from layer l to l+1 (compilable to Θ)."""
        index = {u.name: lay.index for lay in self.layers for u in [*lay.nodes, lay.bias] if u}
        return all(index[a] + 1 == index[b] for a, b in self.graph.edges)

    # --- weights as Θ, and passes (the engines do the math) -------------------------
    def compile(self):
        """Lay θ out as Θ(1), Θ(2), … (a no-op when already so); see model.weights."""
        return compile_network(self)

    @property
    def thetas(self) -> list[np.ndarray]:
        """[Θ(1), …, Θ(L−1)]: live views of one buffer (compiles on first use).

        Assigning a list of matrices copies them in (shapes and values checked;
        a position without a link must stay 0).

        Examples
        --------
        >>> import neurograph as ng
        >>> net = ng.Network.from_architecture([2, 1], seed=0)
        >>> net.thetas = [[[-30, 20, 20]]]
        >>> net.forward([1, 1]).round(3)
        array([[1.]])
        """
        return self.compile().public()[1:]

    @thetas.setter
    def thetas(self, values) -> None:
        c = self.compile()
        if c.tied:
            raise TopologyError("Θ(l) has links that share parameters: expected writes through "
                                "the parameters (net.parameters[name].value = …) or θ "
                                "(net.theta_flat = …), not whole Θ matrices")
        values = list(values)
        if len(values) != len(c.thetas):
            raise ShapeError(f"expected {len(c.thetas)} Θ matrices, got {len(values)}")
        new = [real_array(v, f"Θ({k})", self.dtype) for k, v in enumerate(values, start=1)]
        for k, (T, v) in enumerate(zip(c.thetas, new), start=1):
            if v.shape != T.shape:
                raise ShapeError(f"Θ({k}) must have shape {T.shape}, got {v.shape}")
        flat = c.theta.copy()  # laid out as θ: a hollow block has no room, constants last
        for k, v in enumerate(new):
            held = c.held[k] if c.held else None
            if held is not None:
                want = c.full(k)
                if not np.array_equal(v.ravel()[held.pos], want.ravel()[held.pos]) or \
                        c.hollow[k] and not np.array_equal(v, want):
                    raise TopologyError(f"Θ({k + 1}) is a pooling layer's, whose links carry no "
                                        "weight: expected it as it is (1 where a link is, the "
                                        "bias column 0)")
                if c.hollow[k]:
                    continue
                v = v.copy()
                v.ravel()[held.pos] = 0.0  # their places are holes of the block
            flat[c.offsets[k]: c.offsets[k + 1]] = v.ravel()
        self.theta_flat = flat

    @property
    def theta_flat(self) -> np.ndarray:
        """θ: Θ(1), Θ(2), … unrolled into one vector (a view: writes go to Θ).

        Assigning a vector of the same length copies it in (checked)."""
        return self.compile().public()[0]

    @theta_flat.setter
    def theta_flat(self, values) -> None:
        c = self.compile()
        v = real_array(values, "θ", self.dtype)
        if v.shape != c.theta.shape:
            raise ShapeError(f"θ must have shape {c.theta.shape}, got {v.shape}")
        for k, (T, m, hollow) in enumerate(zip(c.views(v), c.masks, c.hollow), start=1):
            if m is not None and not hollow and np.any(T[~m]):
                j, i = np.argwhere((T != 0) & ~m)[0]
                raise TopologyError(f"Θ({k})[{j}, {i}] = {T[j, i]:g} but there is no link "
                                    "there: positions without a link stay 0")
        for value, i in self.weights.fixed.items():
            if v[i] != value:
                raise TopologyError(f"θ[{i}] = {v[i]:g}, but it is the {value:g} that pooling "
                                    "units' links read (they carry no weight): expected "
                                    f"{value:g} there")
        c.theta[...] = v

    def theta(self, l: int) -> np.ndarray:
        """Θ(l), 1-based as on the slides: Θ(1) maps Layer 1 to Layer 2."""
        ths = self.compile().public()[1:]
        if isinstance(l, (bool, np.bool_)) or not isinstance(l, (int, np.integer)) \
                or not 1 <= l <= len(ths):
            raise ConfigError(f"Θ(l) exists for l = 1..{len(ths)}, got {l!r}")
        return ths[l - 1]


    def forward(self, X, engine: str = "auto", show: bool = False, backend: str = "numpy",
                device=None) -> np.ndarray:
        """h_Θ(x) for each instance: (n, s_L); a single instance (1-D) gives (1, s_L).

        ``engine`` is "auto" (the compiled matrix engine when the network is
        layered, else the graph engine), "matrix" or "graph". ``backend`` is
        "numpy" or "torch" (the matrix engine on PyTorch's kernels, on ``device``
        "cpu" or "cuda"); every pass method takes both. What nodes show is left as
        it was (``backward`` changes it) unless asked: ``show=True`` makes this pass
        the one nodes show, to read its z and a unit by unit.
        """
        from ..engines import passes

        return passes.forward(self, X, engine=engine, show=show, backend=backend,
                              device=device)

    def predict(self, X, engine: str = "auto", names: bool = False, backend: str = "numpy",
                device=None) -> np.ndarray:
        """Class per instance: argmax over outputs, or 0/1 (a ≥ 0.5) for one output.

        With ``names=True`` the class names of :attr:`classes` instead of indices.
        What nodes show is left as it was.
        """
        from ..engines import passes

        k = passes.predict(self, X, engine=engine, backend=backend, device=device)
        if not names:
            return k
        if self.classes is None:
            raise ConfigError("predict(names=True) needs class names: set net.classes first")
        return np.asarray(self.classes)[k]

    def cost(self, X, Y, lam: float = 0.0, loss: str = "auto", engine: str = "auto",
             backend: str = "numpy", device=None) -> float:
        """J(Θ) as on the slides: cross-entropy over outputs, mean over n, + λ/(2n)ΣΘ².
        What nodes show is left as it was."""
        from ..engines import passes

        return passes.cost(self, X, Y, lam=lam, loss=loss, engine=engine, backend=backend,
                           device=device)

    def gradients(self, X, Y, lam: float = 0.0, loss: str = "auto", engine: str = "auto",
                  backend: str = "numpy", device=None):
        """[D(1), …, D(L−1)] by backprop (graph engine: per link, see backward).
        What nodes show is left as it was."""
        from ..engines import passes

        return passes.gradients(self, X, Y, lam=lam, loss=loss, engine=engine, backend=backend,
                                device=device)

    def backward(self, X, Y, lam: float = 0.0, loss: str = "auto", engine: str = "auto",
                 backend: str = "numpy", device=None):
        """Forward and backward pass; returns the Trace (per node z, a, δ, blame) and
        makes it the one nodes show (``node.z``, ``link.grad`` …: ``net.last_trace``)."""
        from ..engines import passes

        return passes.backward(self, X, Y, lam=lam, loss=loss, engine=engine, backend=backend,
                               device=device)

    @renamed_keywords("net.render", instance="row")
    def render(self, path, show: str = "structure", trace=None, **options):
        """Write a diagram to ``path``: .svg, .png, .pdf or .dot by extension.

        See :func:`neurograph.diagram` for ``show`` and the options (``row=k``: the
        trace's row k). Returns the path.
        """
        from ..render.publish import render

        return render(self, path, show=show, trace=trace, **options)

    @renamed_keywords("net.diagram", instance="row")
    def diagram(self, show: str = "structure", trace=None, **options):
        """The ``graphviz.Digraph`` of :func:`neurograph.diagram` for this network."""
        from ..render.diagrams import diagram

        return diagram(self, show=show, trace=trace, **options)

    def _repr_mimebundle_(self, include=None, exclude=None):
        # Jupyter shows the network's diagram inline (weights once it has any).
        from ..render.publish import mimebundle

        return mimebundle(self)

    # --- looking at it ---------------------------------------------------------------
    def to_spec(self) -> dict:
        """The network as plain data (lists, strings, numbers and two arrays): the
        layout is described in :mod:`neurograph.model.spec`; ``from_spec`` rebuilds it.

        Examples
        --------
        >>> import neurograph as ng
        >>> spec = ng.Network.from_architecture([2, 1], seed=0).to_spec()
        >>> [d["name"] for d in spec["nodes"]], spec["weights"].shape, spec["compiled"]
        (['x1', 'x2', 'a2_1'], (2,), False)
        """
        return spec.to_spec(self)

    def spec_theta_index(self) -> np.ndarray:
        """Indices into θ such that ``from_spec(to_spec())`` holds ``θ[index]``: a
        vector laid out like θ (a trainer's velocity) is carried over with it.

        Examples
        --------
        >>> import neurograph as ng
        >>> net = ng.Network(); x = net.add_input("x")
        >>> h1, h2 = net.add_node("h1"), net.add_node("h2")   # biases: θ[0], θ[1]
        >>> _ = net.connect(x, h2, 0.5); _ = net.connect(x, h1, 0.25)   # θ[2], θ[3]
        >>> net.spec_theta_index().tolist()   # biases, then links target by target
        [0, 1, 3, 2]
        """
        return spec.theta_index(self)

    def summary_text(self) -> str:
        """The table printed by :meth:`summary`."""
        lays = self.layers
        rows = [("layer", "units", "kind", "activation", "parameters")]
        total = 0
        for lay in lays:
            if lay.index == 1:
                rows.append(("1", str(lay.size), "input", "-", "0"))
                continue
            params = sum(len(self.in_links(u)) for u in lay.nodes)  # bias link included
            total += params
            kind = "output" if lay is lays[-1] else "hidden"
            rows.append((str(lay.index), str(lay.size), kind,
                         "/".join(lay.activations), str(params)))
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        form = "layered" if self.is_layered else "DAG (graph engine)"
        fixed = sum(li.frozen for li in self.links) if self.weights.n_frozen else 0
        split = f"; {total - fixed} trainable, {fixed} fixed" if fixed else ""
        lines.append(f"s = {self.s}, {total} parameters (bias included{split}), {form}, "
                     f"{self.dtype.name}")
        return "\n".join(lines)

    def summary(self) -> None:
        """Print a table of the layers: units, activation, parameters.

        Examples
        --------
        >>> import neurograph as ng
        >>> ng.Network.from_architecture([400, 25, 10], seed=0).summary()
        layer  units  kind    activation  parameters
        -----  -----  ------  ----------  ----------
        1      400    input   -           0
        2      25     hidden  sigmoid     10025
        3      10     output  sigmoid     260
        s = [400, 25, 10], 10285 parameters (bias included), layered, float64

        Frozen weights are counted apart:

        >>> net = ng.Network.from_architecture([2, 2, 1], seed=0); net.freeze("bias")
        >>> net.summary_text().splitlines()[-1]
        's = [2, 2, 1], 9 parameters (bias included; 6 trainable, 3 fixed), layered, float64'
        """
        print(self.summary_text())

    def __repr__(self) -> str:
        acts: list[str] = []
        for lay in self.layers[1:]:
            for a in lay.activations:
                if a not in acts:
                    acts.append(a)
        extra = ", compiled" if self.weights.current() is not None else ""
        return (f"Network(s={self.s}, nodes={len(self.nodes)}, links={self.n_links}, "
                f"activations={'/'.join(acts) or '-'}{extra})")

