"""Every worked line of one backward pass, in the lecture's order, from the Trace.

Forward (z = Σ Θ·a with the bias unit, a = g(z)), the cost J term by term,
δ(L), each hidden δ with its blame shares, Δ(l) and D(l), the updated Θ.
The numbers are the Trace's own (z, a, δ, blame, ∂J/∂w); the few in between
(g'(z), a cost term, Δ) are computed from them, by the library's own rules:
each cost term is the loss's element cost and the λ term the engine's ``L2``
(:mod:`neurograph.engines.losses`), the update the trainer's ``descend``
(frozen weights stay), a silenced unit's a and δ are 0 as the engines make
them. Only public names of the network and the Trace are read, so node-by-node
networks (graph engine) are written out from their links just like compiled
ones from Θ.
"""

from __future__ import annotations

import re

import numpy as np

from ..engines.losses import loss_of
from ..engines.sweep import make_engine
from ..errors import ConfigError
from ..train.trainer import descend
from . import hints
from .hints import refusal
from .notation import Eq, Num, Op, Section, Sym, Txt

PLUS, TIMES = Op(" + "), Op("·")


class Builder:
    """Collects the sections of one worked example (see :func:`neurograph.explain`)."""

    def __init__(self, net, trace, X, Y, shown, alpha, lam):
        self.net, self.trace, self.X, self.Y = net, trace, X, Y
        self.shown, self.alpha, self.lam = shown, alpha, lam
        self.n = X.shape[0]
        self.layered = net.is_layered
        self.layers = net.layers
        self.values = {n: trace.node(n) for lay in self.layers for n in lay.nodes}
        off = {k: set(np.asarray(v).tolist()) for k, v in net.silenced.items()}
        self.silenced = {u for lay in self.layers for u in lay.nodes
                         if u.kind != "bias" and u.position in off.get(u.layer - 1, ())}

    # --- symbols ----------------------------------------------------------------------
    def _t(self, t):
        return t + 1 if self.n > 1 else None

    def unit(self, base: str, node, t) -> Sym:
        if node.kind == "bias":
            return Sym(base, node.layer, "0", self._t(t))
        return Sym(base, node.layer, str(node.position + 1), self._t(t))

    def weight(self, link, base: str = "Θ") -> Sym:
        tgt = link.target
        if self.layered:
            i = 0 if link.is_bias else link.source.position + 1
            return Sym(base, tgt.layer - 1, f"{tgt.position + 1},{i}")
        return Sym("w" if base == "Θ" else base, None, "", link=(link.source.name, tgt.name))

    def wsym(self, link):
        """A link's weight in a formula: the lecture's Θ entry, or, when the link shares a
        parameter, that parameter's name (a conv unit's kernel entries and its map's bias)."""
        p = link.parameter
        return self.weight(link) if p is None else Txt(p.name)

    def a_of(self, node, t) -> float:
        return 1.0 if node.kind == "bias" else float(self.values[node]["a"][t])

    def gprime(self, node, t):
        """(g'(z) value, the Eq writing it out) of a unit for instance t."""
        v = self.values[node]
        z, a = v["z"][t:t + 1], v["a"][t:t + 1]
        act = node.activation
        gp = float(np.asarray(act.dg(z, a)).reshape(-1)[0])
        zs, as_ = self.unit("z", node, t), self.unit("a", node, t)
        segs = [[Op("g'("), zs, Op(")")]]
        if act.dg_formula is not None:  # the activation's own g', e.g. {a}·(1 − {a})
            sym = {"a": as_, "z": zs}
            num = {"a": Num(float(a[0]), True), "z": Num(float(z[0]), True)}
            segs += [_fill(act.dg_formula, sym), _fill(act.dg_formula, num)]
        else:
            segs += [[Txt(act.name), Op("'("), Num(float(z[0])), Op(")")]]
        return gp, Eq("gprime", node.name, segs + [[Num(gp)]], gp)

    # --- sections ---------------------------------------------------------------------
    def forward(self, t: int) -> Section:
        x = ", ".join(f"{v:.{9}g}" for v in self.X[t])
        note = "z = Σ_i Θ_ji·a_i over the links into the unit, the bias unit a_0 = 1 first"
        if any(k.parameter is not None for u in self.shown for k in u.incoming):
            note += ("; a shared weight is written by its parameter's name (a conv unit: its "
                     "kernel entries × its window's inputs + its map's bias)")
        sec = Section(f"Forward pass{self._inst(t)}: x = ({x})", note=note + "; a = g(z)")
        for k, u in enumerate(self.layers[0].nodes):
            if u in self.silenced:
                as_ = self.unit("a", u, t)
                sec.lines.append(Eq("a", u.name, [[as_], [Num(0.0)]], 0.0, as_.key(),
                                    note=f"silenced by the lesion (x_{k + 1} = "
                                         f"{self.X[t, k]:.9g} is not passed on)"))
        for lay in self.layers[1:]:
            for u in lay.nodes:
                if u not in self.shown:
                    continue
                links = u.incoming
                sym = [PLUS] * (2 * len(links) - 1)
                num = [PLUS] * (2 * len(links) - 1)
                sym[::2] = [[self.wsym(k), TIMES, self.unit("a", k.source, t)] for k in links]
                num[::2] = [[Num(k.weight), TIMES, Num(self.a_of(k.source, t), True)]
                            for k in links]
                z = float(self.values[u]["z"][t])
                a = float(self.values[u]["a"][t])
                zs = self.unit("z", u, t)
                sec.lines.append(Eq("z", u.name, [[zs], _flat(sym), _flat(num), [Num(z)]], z,
                                    zs.key()))
                as_ = self.unit("a", u, t)
                if u in self.silenced:
                    sec.lines.append(Eq("a", u.name, [[as_], [Num(a)]], a, as_.key(),
                                        note="silenced by the lesion: its output is held at 0"))
                    continue
                # an activation's name is data (users register their own): a Txt token
                g = Op("g") if u.activation.name == "sigmoid" else Txt(u.activation.name)
                sec.lines.append(Eq("a", u.name, [[as_], [g, Op("("), zs, Op(")")],
                                                  [g, Op("("), Num(z), Op(")")], [Num(a)]],
                                    a, as_.key()))
        return sec

    def _inst(self, t: int) -> str:
        return f", instance {t + 1}" if self.n > 1 else ""

    def cost(self) -> Section:
        tr, n = self.trace, self.n
        loss = tr.loss
        out = self.layers[-1].nodes
        what = {"mse": "squared error: each term ½(a − y)², J = (1/n)·Σ terms",
                "cross_entropy": "cross-entropy: each term −[y·log(a) + (1 − y)·log(1 − a)], "
                                 "J = (1/n)·Σ terms"}[loss]
        if self.lam:
            what += " + λ/(2n)·Σ Θ² over the non-bias weights"
        sec = Section("Cost J", note=what)
        terms = []
        for t in range(n):
            zL = np.array([[float(self.values[u]["z"][t]) for u in out]])
            aL = np.array([[float(self.values[u]["a"][t]) for u in out]])
            for k, u in enumerate(out):
                a, y = float(self.values[u]["a"][t]), float(self.Y[t, k])
                As, ys = self.unit("a", u, t), Sym("y", None, str(k + 1), self._t(t))
                # the library's own term (finite forms; inf, never OverflowError, when
                # a diverged network's outputs are astronomically large)
                v = loss_of(loss, u.activation).element(zL, aL, self.Y[t:t + 1])[0, k]
                if loss == "mse":
                    segs = [[Op("½("), As, Op(" − "), ys, Op(")²")],
                            [Op("½("), Num(a), Op(" − "), Num(y, True), Op(")²")]]
                elif u.activation.layerwise:  # softmax
                    segs = [[Op("−"), ys, Op("·log("), As, Op(")")],
                            [Op("−"), Num(y, True), Op("·log("), Num(a), Op(")")]]
                else:
                    segs = [[Op("−["), ys, Op("·log("), As, Op(") + (1 − "), ys,
                             Op(")·log(1 − "), As, Op(")]")],
                            [Op("−["), Num(y), Op("·log("), Num(a), Op(") + (1 − "), Num(y),
                             Op(")·log(1 − "), Num(a), Op(")]")]]
                terms.append(float(v))
                cs = Sym("J", None, str(k + 1), self._t(t))
                sec.lines.append(Eq("cost", u.name, [[cs], *segs, [Num(float(v))]], float(v)))
        num = [Op("(")] + _flat(_join([[Num(v, True)] for v in terms])) + [Op(")/"), Num(n)]
        if self.lam:
            # the λ term's own weights, as the pass that made J read them
            reg = make_engine(self.net, tr.lam, loss, tr.engine, shared=True).reg
            sq = reg.squares(tr.theta)  # inf for a diverged network, as in J
            num += [PLUS, Num(self.lam), Op("/(2·"), Num(n), Op(")·"), Num(sq)]
        lhs = [Txt("J")]
        sec.lines.append(Eq("J", "all", [lhs, num, [Num(tr.cost)]], float(tr.cost), "J"))
        return sec

    def deltas(self, t: int) -> Section:
        loss = self.trace.loss
        head = ("δ(L) = a − y" if loss == "cross_entropy" else "δ(L) = (a − y)·g'(z)")
        sec = Section(f"Backward pass{self._inst(t)}",
                      note=f"{head}; hidden δ_i = g'(z_i)·Σ_j Θ_ji·δ_j, each Θ_ji·δ_j the "
                           "share of unit j's error passed back to unit i (its blame)")
        out = self.layers[-1].nodes
        for k, u in enumerate(out):
            if u not in self.shown:
                continue
            d = float(self.values[u]["delta"][t])
            a, y = float(self.values[u]["a"][t]), float(self.Y[t, k])
            ds, As = self.unit("δ", u, t), self.unit("a", u, t)
            ys = Sym("y", None, str(k + 1), self._t(t))
            if loss == "cross_entropy":
                segs = [[As, Op(" − "), ys], [Num(a), Op(" − "), Num(y, True)]]
            else:
                gp, line = self.gprime(u, t)
                sec.lines.append(line)
                segs = [[Op("("), As, Op(" − "), ys, Op(")·g'("), self.unit("z", u, t), Op(")")],
                        [Op("("), Num(a), Op(" − "), Num(y, True), Op(")·"), Num(gp, True)]]
            sec.lines.append(Eq("delta", u.name, [[ds], *segs, [Num(d)]], d, ds.key()))
        for lay in reversed(self.layers[1:-1]):
            for u in lay.nodes:
                if u not in self.shown:
                    continue
                self._hidden_delta(sec, u, t)
        return sec

    def _hidden_delta(self, sec: Section, u, t: int) -> None:
        if u in self.silenced:
            ds = self.unit("δ", u, t)
            d = float(self.values[u]["delta"][t])
            sec.lines.append(Eq("delta", u.name, [[ds], [Num(d)]], d, ds.key(),
                                note="silenced by the lesion: it passes no error back"))
            return
        blame = self.values[u]["blame"]
        shares, sym = [], []
        for link in u.outgoing:
            tgt = link.target
            s = float(blame[tgt.name][t])
            dj = float(self.values[tgt]["delta"][t])
            w_s, d_s = self.weight(link), self.unit("δ", tgt, t)
            sec.lines.append(Eq("blame", f"{u.name}←{tgt.name}",
                                [[Txt(f"share from {tgt.name}")], [w_s, TIMES, d_s],
                                 [Num(link.weight), TIMES, Num(dj, True)], [Num(s)]], s))
            shares.append(s)
            sym.append([w_s, TIMES, d_s])
        gp, line = self.gprime(u, t)
        sec.lines.append(line)
        d = float(self.values[u]["delta"][t])
        ds, zs = self.unit("δ", u, t), self.unit("z", u, t)
        segs = [[Op("g'("), zs, Op(")·(")] + _flat(_join(sym)) + [Op(")")],
                [Num(gp), Op("·(")] + _flat(_join([[Num(s, True)] for s in shares])) + [Op(")")]]
        sec.lines.append(Eq("delta", u.name, [[ds], *segs, [Num(d)]], d, ds.key()))

    def gradients(self) -> Section:
        tr, n, lam = self.trace, self.n, self.lam
        sec = Section("Gradients: Δ = Σ over instances of δ_j·a_i, D = Δ/n + (λ/n)·Θ",
                      note="the bias column (i = 0) is not regularized")
        upd = None
        if self.alpha is not None:
            upd = Section(f"Update: Θ := Θ − α·D with α = {self.alpha:g}",
                          note="written out only: the network's weights are not changed; "
                               "frozen weights stay, as in training")
            frozen = self.net.weights.frozen_mask()
            new_theta = self.net.weights.theta.copy()
            descend(new_theta, tr.grad, self.alpha, frozen)  # the trainer's own step
        shared: dict = {}  # θ index → Parameter, in the order their links are met
        for lay in self.layers[1:]:
            for u in lay.nodes:
                if u not in self.shown:
                    continue
                dj = self.values[u]["delta"]
                for link in u.incoming:
                    src = link.source
                    ai = [self.a_of(src, t) for t in range(n)]
                    Delta = float(sum(float(dj[t]) * ai[t] for t in range(n)))
                    Ds, dDs, ws = self.weight(link, "Δ"), self.weight(link, "D"), self.weight(link)
                    sym = _join([[self.unit("δ", u, t), TIMES, self.unit("a", src, t)]
                                 for t in range(n)])
                    num = _join([[Num(float(dj[t]), True), TIMES, Num(ai[t], True)]
                                 for t in range(n)])
                    who = f"{'+1' if link.is_bias else src.name}→{u.name}"
                    sec.lines.append(Eq("Delta", who, [[Ds], _flat(sym), _flat(num),
                                                       [Num(Delta)]], Delta, Ds.key()))
                    g = tr.link_grad(link)
                    if link.parameter is not None:  # its own term; λ comes once, in ∂J/∂p
                        shared.setdefault(link.parameter.index, link.parameter)
                        ts = Sym("D", None, "", link=(_src(link), u.name))
                        sec.lines.append(Eq("D", who, [[ts], [Ds, Op("/n")],
                                                       [Num(Delta, True), Op("/"), Num(n)],
                                                       [Num(g)]], g, ts.key(),
                                            note=f"this link's term of {link.parameter.name}"))
                        continue
                    dsym, dnum = [Ds, Op("/n")], [Num(Delta, True), Op("/"), Num(n)]
                    if lam and not link.is_bias:
                        dsym += [Op(" + (λ/n)·"), ws]
                        dnum += [Op(" + ("), Num(lam), Op("/"), Num(n), Op(")·"),
                                 Num(link.weight, True)]
                    sec.lines.append(Eq("D", who, [[dDs], dsym, dnum, [Num(g)]], g, dDs.key()))
                    if upd is not None:
                        new = float(new_theta[link.index])
                        if frozen is not None and frozen[link.index]:
                            segs = [[ws], [Num(new)]]
                            note = "frozen: training leaves it as it is"
                        else:
                            segs = [[ws], [ws, Op(" − α·"), dDs], [Num(link.weight), Op(" − "),
                                    Num(self.alpha), TIMES, Num(g, True)], [Num(new)]]
                            note = ""
                        upd.lines.append(Eq("update", who, segs, new, ws.key(), assign=True,
                                            note=note))
        secs = [sec]
        if shared:
            secs.append(self.shared(list(shared.values())))
            if upd is not None:
                upd.lines += [self._shared_update(p, new_theta, frozen) for p in shared.values()]
        return secs if upd is None else secs + [upd]

    def shared(self, params) -> Section:
        """Each shared weight's ∂J/∂p: the sum of the terms of all its links (those into
        units not written out too), each named by its link, + (λ/n)·p once."""
        tr, n, lam = self.trace, self.n, self.lam
        sec = Section("Shared weights: ∂J/∂p = Σ over its links of their terms D = Σ_t a·δ/n",
                      note="a parameter moves once, by the sum of its links' terms; λ counts "
                           "it once (bias parameters not at all)")
        for p in params:
            links = p.links
            sym = _join([[Sym("D", None, "", link=(_src(k), k.target.name))] for k in links])
            terms = [float(tr.link_grad(k)) for k in links]
            if n == 1:  # one instance: each term is its link's a·δ
                num = _join([[Num(self.a_of(k.source, 0) if not k.is_bias else 1.0, True),
                              TIMES, Num(float(self.values[k.target]["delta"][0]), True)]
                             for k in links])
            else:
                num = _join([[Num(v, True)] for v in terms])
            total = float(sum(terms))
            if lam and not p.is_bias:
                sym += [Op(" + (λ/n)·"), Txt(p.name)]
                num += [Op(" + ("), Num(lam), Op("/"), Num(n), Op(")·"), Num(p.value, True)]
                total += lam / n * p.value
            lhs = [Op("∂J/∂"), Txt(p.name)]
            sec.lines.append(Eq("shared", p.name, [lhs, _flat(sym), _flat(num), [Num(total)]],
                                total, f"dJ/d{p.name}",
                                note=f"{len(links)} link(s)" if len(links) > 1 else ""))
        return sec

    def _shared_update(self, p, new_theta, frozen) -> Eq:
        new = float(new_theta[p.index])
        if frozen is not None and frozen[p.index]:
            return Eq("update", p.name, [[Txt(p.name)], [Num(new)]], new, p.name, assign=True,
                      note="frozen: training leaves it as it is")
        g = float(self.trace.grad(p))
        return Eq("update", p.name, [[Txt(p.name)], [Txt(p.name), Op(" − α·∂J/∂"), Txt(p.name)],
                                     [Num(p.value), Op(" − "), Num(self.alpha), TIMES,
                                      Num(g, True)], [Num(new)]], new, p.name, assign=True)


def _src(link) -> str:
    return "+1" if link.is_bias else link.source.name


def _join(parts: list) -> list:
    """[p1, " + ", p2, …] from token lists."""
    out = []
    for k, p in enumerate(parts):
        if k:
            out.append(PLUS)
        out.append(p)
    return out


def _flat(parts: list) -> list:
    flat = []
    for p in parts:
        flat.extend(p if isinstance(p, list) else [p])
    return flat


def check_writable(net, shown, max_links: int) -> None:
    """Refuse what cannot be written out as weighted sums, or is too big to read."""
    for u in shown:
        fn = u.input_function
        if fn is not None and fn.name != "weighted_sum":
            raise ConfigError(f"explain writes out weighted sums; unit {u.name!r} uses the "
                              f"{fn.name!r} input function")
        if u.kind == "hidden" and u.activation.layerwise:
            raise ConfigError(f"explain writes out elementwise activations; hidden unit "
                              f"{u.name!r} uses {u.activation.name!r}")
    params = {k.parameter.index: k.parameter for u in shown for k in u.incoming
              if k.parameter is not None}
    # a shared weight's line writes the terms of all its links
    own = sum(len(u.incoming) for u in shown)
    count = own + sum(len(p.links) for p in params.values())
    if count <= max_links:
        return
    if len(shown) < sum(len(lay.nodes) for lay in net.layers[1:]) and count > own:
        # units= was given already: what is long is the shared weights' sums
        raise refusal(
            ConfigError, f"these units read shared weights: writing them out takes {count} "
            f"links ({own} incoming, {count - own} terms of the shared weights' sums, each "
            f"∂J/∂p written link by link), more than {{max_links}} = {max_links}; pass "
            f"{{max_links}} = {count} to write them all", max_links=hints.MAX_LINKS_ARG)
    raise refusal(
        ConfigError, f"this network has {count} links to write out, more than {max_links}: "
        "too many to read. Pick a sub-network with {units} (e.g. {example} writes the "
        "lines of that unit and its links only), explain one instance ({one}), or build a "
        "small network of the part you want to see", units=hints.UNITS_ARG,
        example=hints.units_example([shown[-1].name]), one=hints.ONE_INSTANCE)


def _fill(formula: str, parts: dict) -> list:
    """A formula such as ``{a}·(1 − {a})`` as tokens: text as operators, each ``{a}``
    or ``{z}`` as the token given for it."""
    out = []
    for k, piece in enumerate(re.split(r"\{(a|z)\}", formula)):
        if k % 2:
            out.append(parts[piece])
        elif piece:
            out.append(Op(piece))
    return out
