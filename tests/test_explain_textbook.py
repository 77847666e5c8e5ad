"""The textbook kit: each published value checked against an independent computation here."""

import subprocess
import sys

import numpy as np
import pytest

import neurograph as ng
from neurograph.teaching import textbook
from neurograph.teaching.byhand import agrees


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


@pytest.fixture(scope="module")
def report():
    return ng.textbook.run(quiet=True)


def test_every_published_value_agrees(report):
    assert report.ok
    assert [c.quantity for c in report.checks if not c.agree] == []
    assert len(report.checks) == 17 + 2 + 36 + 5 + 21 + 7


def test_mazur_independently(report):
    """Mazur's network in plain numpy, his notation: i, h, o; w1..w8; biases fixed."""
    i, t = np.array([0.05, 0.10]), np.array([0.01, 0.99])
    W1, W2 = np.array([[0.15, 0.20], [0.25, 0.30]]), np.array([[0.40, 0.45], [0.50, 0.55]])
    b1, b2, alpha = 0.35, 0.60, 0.5
    net_h = W1 @ i + b1
    h = sig(net_h)
    o = sig(W2 @ h + b2)
    E = 0.5 * ((t - o) ** 2).sum()
    d_o = (o - t) * o * (1 - o)
    shares = W2[:, 0] * d_o                      # ∂E_o1/∂out_h1, ∂E_o2/∂out_h1
    d_h = (W2.T @ d_o) * h * (1 - h)
    W2n, W1n = W2 - alpha * np.outer(d_o, h), W1 - alpha * np.outer(d_h, i)
    ours = {"net_h1": net_h[0], "out_h1": h[0], "out_h2": h[1], "out_o1": o[0], "out_o2": o[1],
            "E_total": E, "∂E_total/∂w5": d_o[0] * h[0],
            "∂E_o1/∂out_h1 (blame share of h1 from o1)": shares[0],
            "∂E_total/∂out_h1 (sum of the shares)": shares.sum(),
            "w5 after the step": W2n[0, 0], "w6 after the step": W2n[0, 1],
            "w7 after the step": W2n[1, 0], "w8 after the step": W2n[1, 1],
            "w1 after the step": W1n[0, 0], "w2 after the step": W1n[0, 1],
            "w3 after the step": W1n[1, 0], "w4 after the step": W1n[1, 1]}
    rows = {c.quantity: c for c in report.checks if c.source is textbook.MAZUR}
    assert set(rows) == set(ours)
    for q, v in ours.items():
        assert agrees(v, rows[q].published), q          # the published value is right …
        assert rows[q].ours == pytest.approx(v, rel=1e-12, abs=1e-15), q   # … and ours is it
    # errata: the error after one step, by the post's own method, is 0.291027774
    E1 = 0.5 * ((t - sig(W2n @ sig(W1n @ i + b1) + b2)) ** 2).sum()
    assert f"{E1:.9f}" == "0.291027774"
    d_h_stale = (W2n.T @ d_o) * h * (1 - h)              # the post's slip
    E1_stale = 0.5 * ((t - sig(W2n @ sig((W1 - alpha * np.outer(d_h_stale, i)) @ i + b1)
                                + b2)) ** 2).sum()
    assert f"{E1_stale:.9f}" == "0.291027924"
    # the share from o2: exactly −0.01904911826…, the post's −0.019049119 is a double rounding
    assert f"{shares[1]:.9f}" == "-0.019049118"
    assert f"{0.5 * round(d_o[1], 9):.10f}" == "-0.0190491185"
    errata = {e.quantity: e for e in report.errata}
    assert errata["E_total after the first step"].ours == pytest.approx(E1, rel=1e-12)
    assert errata["∂E_o2/∂out_h1 (blame share of h1 from o2)"].ours == \
        pytest.approx(shares[1], rel=1e-12)
    assert all(e.agree for e in report.errata)


def test_ex4_independently(report):
    """The course's nnCostFunction in plain numpy, instances as rows, 1-based labels."""
    theta = np.arange(1, 19) / 10
    T1, T2 = theta[:6].reshape(2, 3, order="F"), theta[6:].reshape(4, 3, order="F")
    X = np.cos(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    Y = np.eye(4)[np.array([4, 2, 3]) - 1]
    n = 3
    a1 = np.hstack([np.ones((n, 1)), X])
    z2 = a1 @ T1.T
    a2 = np.hstack([np.ones((n, 1)), sig(z2)])
    h = sig(a2 @ T2.T)
    d3 = h - Y
    d2 = (d3 @ T2)[:, 1:] * sig(z2) * (1 - sig(z2))
    rows = {c.quantity: c for c in report.checks if c.source is textbook.EX4}
    for lam in (0.0, 4.0):
        J = -(Y * np.log(h) + (1 - Y) * np.log(1 - h)).sum() / n \
            + lam / (2 * n) * ((T1[:, 1:] ** 2).sum() + (T2[:, 1:] ** 2).sum())
        G1, G2 = d2.T @ a1 / n, d3.T @ a2 / n
        G1[:, 1:] += lam / n * T1[:, 1:]
        G2[:, 1:] += lam / n * T2[:, 1:]
        grad = np.concatenate([G1.ravel(order="F"), G2.ravel(order="F")])
        c = rows[f"J at λ = {lam:g}"]
        assert agrees(J, c.published) and c.ours == pytest.approx(J, rel=1e-12)
        for k, g in enumerate(grad, start=1):
            c = rows[f"grad({k}) at λ = {lam:g}"]
            assert agrees(g, c.published), (lam, k, g, c.published)
            assert c.ours == pytest.approx(g, rel=1e-12, abs=1e-15)
    for z in (-1.0, -0.5, 0.0, 0.5, 1.0):
        c = rows[f"sigmoidGradient({z:g})"]
        assert agrees(sig(z) * (1 - sig(z)), c.published) and c.agree


def test_lecture_units(report):
    rows = {c.quantity: c for c in report.checks if c.source is textbook.UNITS}
    assert rows["AND (1,1)"].ours == pytest.approx(sig(10.0))
    assert rows["XNOR = OR(AND, (NOT x1) AND (NOT x2)) (0,0)"].ours == \
        pytest.approx(sig(-10 + 20 * sig(-30.0) + 20 * sig(10.0)))
    assert rows["g(-30) (slide: ≈ 0)"].ours == pytest.approx(9.357622968840175e-14)
    tables = {"AND": "0001", "OR": "0111", "(NOT x1) AND (NOT x2)": "1000",
              "XNOR = OR(AND, (NOT x1) AND (NOT x2))": "1001"}
    for name, tab in tables.items():
        for r, bit in zip(["(0,0)", "(0,1)", "(1,0)", "(1,1)"], tab):
            assert round(rows[f"{name} {r}"].ours) == int(bit)


def test_perceptron_trace_worked_by_hand(report):
    """Online rule θ ← θ + (y − h)·x, x = (1, x1, x2), h = 1 when θᵀx ≥ 0, from θ = 0.

    epoch 1: (0,0) θᵀx=0 → h=1, y=0: θ=(−1,0,0); (0,1) −1 → 0 ok; (1,0) −1 → 0 ok;
             (1,1) −1 → 0, y=1: θ=(0,1,1)                                    2 mistakes
    epoch 2: (0,0) 0 → 1 wrong: θ=(−1,1,1); (0,1) 0 → 1 wrong: θ=(−2,1,0);
             (1,0) −1 ok; (1,1) −1 → 0 wrong: θ=(−1,2,1)                     3 mistakes
    epoch 3: (0,0) −1 ok; (0,1) 0 → 1 wrong: θ=(−2,2,0); (1,0) 0 → 1 wrong: θ=(−3,1,0);
             (1,1) −2 → 0 wrong: θ=(−2,2,1)                                  3 mistakes
    epoch 4: (0,0) −2 ok; (0,1) −1 ok; (1,0) 0 → 1 wrong: θ=(−3,1,1);
             (1,1) −1 → 0 wrong: θ=(−2,2,2)                                  2 mistakes
    epoch 5: (0,0) −2 ok; (0,1) 0 → 1 wrong: θ=(−3,2,1); (1,0) −1 ok; (1,1) 0 → 1 ok
                                                                             1 mistake
    epoch 6: −3, −2, −1, 0 → 0, 0, 0, 1: all right                          0 mistakes
    """
    by_hand = [((0, 1, 1), 2), ((-1, 2, 1), 3), ((-2, 2, 1), 3), ((-2, 2, 2), 2),
               ((-3, 2, 1), 1), ((-3, 2, 1), 0)]
    assert by_hand == textbook.PERCEPTRON_EPOCHS
    rows = [c for c in report.checks if c.source is textbook.PERCEPTRON]
    for k, (theta, m) in enumerate(by_hand, start=1):
        s = "" if m == 1 else "s"
        assert rows[k - 1].quantity == f"after epoch {k}"
        assert rows[k - 1].ours == f"θ = ({theta[0]}, {theta[1]}, {theta[2]}), {m} mistake{s}"
    assert rows[-1].ours == "epoch 6"


def test_report_text_cites_sources_and_errata(report):
    text = report.to_text()
    assert 'Matt Mazur, "A Step by Step Backpropagation Example"' in text
    assert "programming exercise 4" in text and "Neural Network Design" in text
    assert "printed 0.291027924, correct 0.291027774" in text
    assert "88 of 88 published values agree." in text


def test_a_disagreement_is_reported_and_fails():
    c = textbook.Check(textbook.MAZUR, "E_total", "0.298371110", 0.2983711087600027)
    assert not c.agree
    r = textbook.TextbookReport([c], [])
    assert not r.ok and "NO" in r.to_text()


def test_cli_textbook_exit_code():
    r = subprocess.run([sys.executable, "-m", "neurograph", "textbook"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "E_total" in r.stdout and "88 of 88" in r.stdout
