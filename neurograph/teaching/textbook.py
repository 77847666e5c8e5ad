"""The textbook kit: published worked examples reproduced by neurograph.

For every quantity: the published value, ours, and whether they agree to the
published digits (ours rounds to the value printed). ``run()`` prints the
table with its sources and returns a :class:`TextbookReport`;
``neurograph textbook`` exits 0 when every value agrees.

>>> import neurograph as ng
>>> report = ng.textbook.run(quiet=True)
>>> report.ok, len(report.checks) > 60
(True, True)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np

from ..data import truth_table
from ..engines import cost_and_gradients
from ..model import Network, get_activation
from ..train import perceptron
from .byhand import agrees


@dataclass(frozen=True)
class Source:
    title: str
    where: str


MAZUR = Source('Matt Mazur, "A Step by Step Backpropagation Example"',
               "blog post, mattmazur.com (2015): a 2-2-2 sigmoid network, squared error, "
               "α = 0.5, one instance")
EX4 = Source("Andrew Ng, Machine Learning (Coursera/Stanford), programming exercise 4, "
             "neural network learning",
             "the nnCostFunction test case: 2-2-4, θ = (1:18)/10 unrolled column-major, "
             "X = cos([1 2; 3 4; 5 6]), y = [4; 2; 3]; and sigmoidGradient")
UNITS = Source("Andrew Ng, Machine Learning (Coursera/Stanford), lecture "
               '"Neural Networks: Representation", examples and intuitions',
               "the units AND (−30, 20, 20), OR (−10, 20, 20), NOT (10, −20), "
               "(NOT x1) AND (NOT x2) (10, −20, −20), XNOR built from them")
PERCEPTRON = Source("M. T. Hagan, H. B. Demuth, M. H. Beale, O. De Jesús, Neural Network "
                    "Design, 2nd ed. (2014), ch. 4 \"Perceptron Learning Rule\"",
                    "the rule w ← w + e·p, b ← b + e (e = t − a, a = 1 when wᵀp + b ≥ 0) "
                    "on the AND truth table from zero weights, α = 1 (fixed increment); "
                    "the epoch-by-epoch trace below is worked by hand in neurograph's tests")


@dataclass
class Check:
    source: Source
    quantity: str
    published: str
    ours: object  # a float, or a string for the perceptron's epochs
    agree: bool = field(init=False)

    def __post_init__(self):
        self.agree = (agrees(float(self.ours), self.published)
                      if isinstance(self.ours, (float, int, np.floating)) else
                      self.ours == self.published)

    def ours_text(self) -> str:
        return f"{float(self.ours):.10g}" if not isinstance(self.ours, str) else self.ours


@dataclass
class Erratum:
    source: Source
    quantity: str
    printed: str
    correct: str
    ours: float
    explanation: str

    @property
    def agree(self) -> bool:
        return agrees(self.ours, self.correct)


@dataclass
class TextbookReport:
    checks: list
    errata: list

    @property
    def ok(self) -> bool:
        return all(c.agree for c in self.checks) and all(e.agree for e in self.errata)

    def to_text(self) -> str:
        out = ["neurograph textbook: published worked examples, reproduced", ""]
        sources = list(dict.fromkeys(c.source for c in self.checks))
        for k, src in enumerate(sources, start=1):
            rows = [c for c in self.checks if c.source is src]
            out += [f"[{k}] {src.title}", f"    {src.where}"]
            wq = max(len(c.quantity) for c in rows)
            wp = max(len(c.published) for c in rows)
            wo = max(len(c.ours_text()) for c in rows)
            out.append(f"    {'quantity':<{wq}}  {'published':<{wp}}  {'ours':<{wo}}  agree")
            for c in rows:
                out.append(f"    {c.quantity:<{wq}}  {c.published:<{wp}}  {c.ours_text():<{wo}}  "
                           + ("yes" if c.agree else "NO"))
            out.append("")
        if self.errata:
            out.append("Known errata (reproducing them would be a bug):")
            for e in self.errata:
                k = sources.index(e.source) + 1 if e.source in sources else "?"
                out += [f"  [{k}] {e.quantity}: printed {e.printed}, correct {e.correct}, "
                        f"ours {e.ours:.10g} ({'agrees' if e.agree else 'DISAGREES'} "
                        "with the correct value)", f"      {e.explanation}"]
            out.append("")
        n_ok = sum(c.agree for c in self.checks)
        out.append(f"{n_ok} of {len(self.checks)} published values agree"
                   + ("." if n_ok == len(self.checks) else "; see the rows marked NO."))
        if self.errata:
            n_e = sum(e.agree for e in self.errata)
            out.append(f"{n_e} of {len(self.errata)} errata: ours agree with the correct value.")
        return "\n".join(out) + "\n"

    __str__ = to_text


# --- Mazur ---------------------------------------------------------------------------------
MAZUR_T1 = [[0.35, 0.15, 0.20], [0.35, 0.25, 0.30]]  # b1, w1, w2 / b1, w3, w4
MAZUR_T2 = [[0.60, 0.40, 0.45], [0.60, 0.50, 0.55]]  # b2, w5, w6 / b2, w7, w8
MAZUR_X, MAZUR_Y, MAZUR_ALPHA = [[0.05, 0.10]], [[0.01, 0.99]], 0.5
MAZUR_W = {"w1": ("i1", "h1"), "w2": ("i2", "h1"), "w3": ("i1", "h2"), "w4": ("i2", "h2"),
           "w5": ("h1", "o1"), "w6": ("h2", "o1"), "w7": ("h1", "o2"), "w8": ("h2", "o2")}
MAZUR_PUBLISHED = [
    ("net_h1", "0.3775"), ("out_h1", "0.593269992"), ("out_h2", "0.596884378"),
    ("out_o1", "0.75136507"), ("out_o2", "0.772928465"), ("E_total", "0.298371109"),
    ("∂E_total/∂w5", "0.082167041"),
    ("∂E_o1/∂out_h1 (blame share of h1 from o1)", "0.055399425"),
    ("∂E_total/∂out_h1 (sum of the shares)", "0.036350306"),
    ("w5 after the step", "0.35891648"), ("w6 after the step", "0.408666186"),
    ("w7 after the step", "0.511301270"), ("w8 after the step", "0.561370121"),
    ("w1 after the step", "0.149780716"), ("w2 after the step", "0.19956143"),
    ("w3 after the step", "0.24975114"), ("w4 after the step", "0.29950229"),
]


def mazur_network():
    """Mazur's 2-2-2 network with his unit names i1, i2, h1, h2, o1, o2."""
    net = Network()
    l1 = net.add_layer(2, names=["i1", "i2"])
    l2 = net.add_layer(2, activation="sigmoid", names=["h1", "h2"])
    l3 = net.add_layer(2, activation="sigmoid", names=["o1", "o2"])
    net.connect_layers(l1, l2, init=np.array(MAZUR_T1))
    net.connect_layers(l2, l3, init=np.array(MAZUR_T2))
    return net


def _mazur_error_after(net, stale_hidden: bool) -> float:
    """E_total after one step on the eight weights, biases held fixed (as in the post).

    ``stale_hidden`` recomputes the hidden δ through the already-updated output
    weights, the post's slip, to show where its printed figure comes from.
    """
    tr = net.backward(MAZUR_X, MAZUR_Y, loss="mse")
    T1, T2 = (np.array(t, dtype=float) for t in (MAZUR_T1, MAZUR_T2))
    d3 = tr.delta[2][0]
    T2n = T2.copy()
    T2n[:, 1:] -= MAZUR_ALPHA * np.outer(d3, tr.a[1][0])
    W = T2n if stale_hidden else T2
    a2 = tr.a[1][0]
    d2 = (W[:, 1:].T @ d3) * a2 * (1 - a2)
    T1n = T1.copy()
    T1n[:, 1:] -= MAZUR_ALPHA * np.outer(d2, tr.a[0][0])
    return Network.from_thetas([T1n, T2n]).cost(MAZUR_X, MAZUR_Y, loss="mse")


def mazur_checks():
    net = mazur_network()
    tr = net.backward(MAZUR_X, MAZUR_Y, loss="mse")
    h1 = net["h1"]
    blame = tr.blame(h1)
    d_o2 = float(tr.node(net["o2"])["delta"][0])
    ours = [float(tr.node(h1)["z"][0]), float(tr.node(h1)["a"][0]),
            float(tr.node(net["h2"])["a"][0]), float(tr.node(net["o1"])["a"][0]),
            float(tr.node(net["o2"])["a"][0]), float(tr.cost),
            tr.link_grad(net.link("h1", "o1")), float(blame["o1"][0]),
            float(blame["o1"][0] + blame["o2"][0])]
    for name in ["w5", "w6", "w7", "w8", "w1", "w2", "w3", "w4"]:
        link = net.link(*MAZUR_W[name])
        ours.append(link.weight - MAZUR_ALPHA * tr.link_grad(link))
    checks = [Check(MAZUR, q, p, v) for (q, p), v in zip(MAZUR_PUBLISHED, ours)]
    errata = [Erratum(
        MAZUR, "E_total after the first step", "0.291027924", "0.291027774",
        _mazur_error_after(net, stale_hidden=False),
        "the post computes the hidden δ through the already-updated w5..w8; with the "
        "weights of the forward pass (its own method) the error is 0.291027774. "
        f"Its slip reproduced: {_mazur_error_after(net, stale_hidden=True):.9f}."),
        Erratum(
        MAZUR, "∂E_o2/∂out_h1 (blame share of h1 from o2)", "-0.019049119", "-0.019049118",
        float(blame["o2"][0]),
        "a double rounding: the post rounds ∂E_o2/∂net_o2 to 9 decimals, −0.038098237 (it is "
        f"{d_o2:.12f}), before multiplying by w7 = 0.5; the product "
        f"{0.5 * round(d_o2, 9):.10f} then rounds up to −0.019049119. The exact share "
        "rounds to −0.019049118; the sum of the shares, 0.036350306, agrees.")]
    return checks, errata


# --- the course's test case -------------------------------------------------------------------
EX4_J = {0.0: "7.4070", 4.0: "19.474"}
EX4_GRAD = {
    0.0: "0.766138 0.979897 -0.027540 -0.035844 -0.024929 -0.053862 0.883417 0.568762 "
         "0.584668 0.598139 0.459314 0.344618 0.256313 0.311885 0.478337 0.368920 "
         "0.259771 0.322331",
    4.0: "0.76614 0.97990 0.37246 0.49749 0.64174 0.74614 0.88342 0.56876 0.58467 0.59814 "
         "1.92598 1.94462 1.98965 2.17855 2.47834 2.50225 2.52644 2.72233",
}
SIGMOID_GRADIENT = {-1.0: "0.196612", -0.5: "0.235004", 0.0: "0.250000", 0.5: "0.235004",
                    1.0: "0.196612"}


def ex4_problem():
    """(net, X, y) of the test case: Θ(1) = reshape(θ(1:6), 2, 3), Θ(2) = reshape(θ(7:18), 4, 3)."""
    theta = np.arange(1, 19) / 10
    T1 = theta[:6].reshape(2, 3, order="F")  # Octave's reshape fills columns first
    T2 = theta[6:].reshape(4, 3, order="F")
    X = np.cos(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    y = np.array([4, 2, 3]) - 1  # 1-based labels → 0-based classes
    return Network.from_thetas([T1, T2]), X, y


def ex4_checks():
    net, X, y = ex4_problem()
    checks = []
    for lam, pub in EX4_J.items():
        J, D = cost_and_gradients(net, X, y, lam=lam)
        checks.append(Check(EX4, f"J at λ = {lam:g}", pub, J))
        flat = np.concatenate([d.ravel(order="F") for d in D])  # unrolled as in Octave
        for k, (g, p) in enumerate(zip(flat, EX4_GRAD[lam].split()), start=1):
            checks.append(Check(EX4, f"grad({k}) at λ = {lam:g}", p, float(g)))
    sig = get_activation("sigmoid")
    for z, p in SIGMOID_GRADIENT.items():
        zz = np.array([z])
        checks.append(Check(EX4, f"sigmoidGradient({z:g})", p, float(sig.dg(zz, sig.g(zz))[0])))
    return checks


# --- the lecture's units ------------------------------------------------------------------------
UNIT_TABLES = {
    "AND": ([[-30.0, 20.0, 20.0]], "0 0 0 1"),
    "OR": ([[-10.0, 20.0, 20.0]], "0 1 1 1"),
    "(NOT x1) AND (NOT x2)": ([[10.0, -20.0, -20.0]], "1 0 0 0"),
}
G_VALUES = {-30.0: "9.36e-14", -10.0: "4.54e-05", 10.0: "0.99995"}


def unit_checks():
    X, _ = truth_table("AND")
    checks = []
    rows = ["(0,0)", "(0,1)", "(1,0)", "(1,1)"]
    nets = {k: Network.from_thetas([t]) for k, (t, _) in UNIT_TABLES.items()}
    tables = {k: tab for k, (_, tab) in UNIT_TABLES.items()}
    nets["XNOR = OR(AND, (NOT x1) AND (NOT x2))"] = Network.from_thetas(
        [[UNIT_TABLES["AND"][0][0], UNIT_TABLES["(NOT x1) AND (NOT x2)"][0][0]],
         UNIT_TABLES["OR"][0]])
    tables["XNOR = OR(AND, (NOT x1) AND (NOT x2))"] = "1 0 0 1"
    for name, net in nets.items():
        out = net.forward(X)[:, 0]
        for r, v, p in zip(rows, out, tables[name].split()):
            checks.append(Check(UNITS, f"{name} {r}", p, float(v)))
    notu = Network.from_thetas([[[10.0, -20.0]]])
    for x, p in ((0.0, "1"), (1.0, "0")):
        checks.append(Check(UNITS, f"NOT ({x:g})", p, float(notu.forward([[x]])[0, 0])))
    sig = get_activation("sigmoid")
    for z, p in G_VALUES.items():
        approx = "1" if z > 0 else "0"
        checks.append(Check(UNITS, f"g({z:g}) (slide: ≈ {approx})", p,
                            float(sig.g(np.array([z]))[0])))
    return checks


# --- a perceptron, fixed increment ----------------------------------------------------------------
# θ = (b, w1, w2) after each epoch of the online rule over (0,0), (0,1), (1,0), (1,1),
# and the mistakes in that epoch; worked by hand in tests/test_explain_textbook.py.
PERCEPTRON_EPOCHS = [((0, 1, 1), 2), ((-1, 2, 1), 3), ((-2, 2, 1), 3), ((-2, 2, 2), 2),
                     ((-3, 2, 1), 1), ((-3, 2, 1), 0)]


def _theta_text(theta, mistakes) -> str:
    s = "" if mistakes == 1 else "s"
    return f"θ = ({', '.join(f'{float(v):g}' for v in theta)}), {mistakes} mistake{s}"


def perceptron_checks():
    X, y = truth_table("AND")
    checks = []
    for k, (theta, mistakes) in enumerate(PERCEPTRON_EPOCHS, start=1):
        net = Network.from_thetas([[[0.0, 0.0, 0.0]]], activation="step")
        result = perceptron(net, X, y, rule="online", alpha=1.0, max_epochs=k)
        ours = _theta_text(net.theta(1)[0], result.errors[-1])
        checks.append(Check(PERCEPTRON, f"after epoch {k}", _theta_text(theta, mistakes), ours))
    net = Network.from_thetas([[[0.0, 0.0, 0.0]]], activation="step")
    result = perceptron(net, X, y, rule="online", alpha=1.0, max_epochs=50)
    checks.append(Check(PERCEPTRON, "converged (epoch with no mistake)",
                        f"epoch {len(PERCEPTRON_EPOCHS)}",
                        f"epoch {result.epochs}" if result.converged else "never"))
    return checks


def run(file=None, quiet: bool = False) -> TextbookReport:
    """Reproduce every published example; print the table (unless ``quiet``) and return it.

    Examples
    --------
    >>> import neurograph as ng
    >>> r = ng.textbook.run(quiet=True)
    >>> [c.published for c in r.checks if c.quantity == "E_total"], r.ok
    (['0.298371109'], True)
    """
    m_checks, errata = mazur_checks()
    report = TextbookReport(m_checks + ex4_checks() + unit_checks() + perceptron_checks(),
                            errata)
    if not quiet:
        (file or sys.stdout).write(report.to_text())
    return report


__all__ = ["Check", "Erratum", "Source", "TextbookReport", "ex4_problem", "mazur_network",
           "run"]
