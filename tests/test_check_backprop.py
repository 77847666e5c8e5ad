"""ng.check_backprop: students' own backprop, each classic mistake caught and named.

The student functions are written here as a student would write them (plain numpy);
the reference is this file's own central differences of J, not neurograph's.
"""

from __future__ import annotations

import numpy as np
import pytest

import neurograph as ng

ARCH = [3, 4, 4, 4]  # s_2 = s_3 = s_4, so "Θ not transposed" runs instead of failing on shapes
LAM = 1.0


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(thetas, X):
    """The student's forward pass: a(l) with the bias unit first, z(l)."""
    ones = np.ones((len(X), 1))
    a, z = [np.hstack([ones, X])], [None]
    for T in thetas:
        z.append(a[-1] @ T.T)
        a.append(np.hstack([ones, sigmoid(z[-1])]))
    return a, z


def cost(thetas, X, Y, lam):
    n = len(X)
    h = forward(thetas, X)[0][-1][:, 1:]
    J = -np.sum(Y * np.log(h) + (1 - Y) * np.log(1 - h)) / n
    return J + lam / (2 * n) * sum(np.sum(T[:, 1:] ** 2) for T in thetas)


def numerical(thetas, X, Y, lam, c=1e-4):
    out = []
    for T in thetas:
        D = np.zeros_like(T)
        for idx in np.ndindex(T.shape):
            old = T[idx]
            T[idx] = old + c
            jp = cost(thetas, X, Y, lam)
            T[idx] = old - c
            jm = cost(thetas, X, Y, lam)
            T[idx] = old
            D[idx] = (jp - jm) / (2 * c)
        out.append(D)
    return out


def reg(T, lam, n):
    return lam / n * np.hstack([np.zeros((T.shape[0], 1)), T[:, 1:]])


# --- students ----------------------------------------------------------------------------
def right_loop(thetas, X, Y, lam):
    """The slide's loop over instances."""
    n = len(X)
    Delta = [np.zeros_like(T) for T in thetas]
    for t in range(n):
        a = [np.concatenate([[1.0], X[t]])]
        for T in thetas:
            a.append(np.concatenate([[1.0], sigmoid(T @ a[-1])]))
        delta = a[-1][1:] - Y[t]
        for l in range(len(thetas) - 1, -1, -1):
            Delta[l] += np.outer(delta, a[l])
            if l > 0:
                delta = (thetas[l].T @ delta)[1:] * a[l][1:] * (1 - a[l][1:])
    return [Delta[l] / n + reg(T, lam, n) for l, T in enumerate(thetas)]


def right_with_cost(thetas, X, Y, lam):
    return cost(thetas, X, Y, lam), right_loop(thetas, X, Y, lam)


def no_gprime(thetas, X, Y, lam):
    n = len(X)
    a, _ = forward(thetas, X)
    delta = a[-1][:, 1:] - Y
    D = [None] * len(thetas)
    for l in reversed(range(len(thetas))):
        D[l] = delta.T @ a[l] / n + reg(thetas[l], lam, n)
        delta = (delta @ thetas[l])[:, 1:]
    return D


def bias_row_kept(thetas, X, Y, lam):
    """Written before regularization was added; the bias entry is dropped too late."""
    n = len(X)
    a, z = forward(thetas, X)
    delta = a[-1][:, 1:] - Y
    D = [None] * len(thetas)
    for l in reversed(range(len(thetas))):
        D[l] = delta.T @ a[l] / n
        if l > 0:
            d = delta if l == len(thetas) - 1 else delta[:, 1:]
            zb = np.hstack([np.ones((n, 1)), z[l]])
            delta = (d @ thetas[l]) * sigmoid(zb) * (1 - sigmoid(zb))
    return D


def bias_column_regularized(thetas, X, Y, lam):
    n = len(X)
    a, _ = forward(thetas, X)
    delta = a[-1][:, 1:] - Y
    D = [None] * len(thetas)
    for l in reversed(range(len(thetas))):
        D[l] = delta.T @ a[l] / n + lam / n * thetas[l]
        delta = (delta @ thetas[l])[:, 1:] * a[l][:, 1:] * (1 - a[l][:, 1:])
    return D


def lambda_not_over_n(thetas, X, Y, lam):
    n = len(X)
    a, _ = forward(thetas, X)
    delta = a[-1][:, 1:] - Y
    D = [None] * len(thetas)
    for l in reversed(range(len(thetas))):
        T = thetas[l]
        D[l] = delta.T @ a[l] / n + lam * np.hstack([np.zeros((len(T), 1)), T[:, 1:]])  # λΘ
        delta = (delta @ thetas[l])[:, 1:] * a[l][:, 1:] * (1 - a[l][:, 1:])
    return D


def Delta_not_divided(thetas, X, Y, lam):
    n = len(X)
    a, _ = forward(thetas, X)
    delta = a[-1][:, 1:] - Y
    D = [None] * len(thetas)
    for l in reversed(range(len(thetas))):
        D[l] = delta.T @ a[l] + reg(thetas[l], lam, n)
        delta = (delta @ thetas[l])[:, 1:] * a[l][:, 1:] * (1 - a[l][:, 1:])
    return D


def theta_not_transposed(thetas, X, Y, lam):
    n = len(X)
    a, _ = forward(thetas, X)
    D = [None] * len(thetas)
    delta = (a[-1][:, 1:] - Y).T  # columns are instances, as on the slide
    for l in reversed(range(len(thetas))):
        D[l] = delta @ a[l] / n + reg(thetas[l], lam, n)
        if l > 0:
            delta = (thetas[l][:, 1:] @ delta) * (a[l][:, 1:] * (1 - a[l][:, 1:])).T
    return D


def sign_flipped(thetas, X, Y, lam):
    n = len(X)
    a, _ = forward(thetas, X)
    delta = Y - a[-1][:, 1:]
    D = [None] * len(thetas)
    for l in reversed(range(len(thetas))):
        D[l] = delta.T @ a[l] / n + reg(thetas[l], lam, n)
        delta = (delta @ thetas[l])[:, 1:] * a[l][:, 1:] * (1 - a[l][:, 1:])
    return D


def no_bias_unit(thetas, X, Y, lam):
    n = len(X)
    a, _ = forward(thetas, X)
    delta = a[-1][:, 1:] - Y
    D = [None] * len(thetas)
    for l in reversed(range(len(thetas))):
        D[l] = delta.T @ a[l][:, 1:] / n + lam / n * thetas[l][:, 1:]
        delta = (delta @ thetas[l])[:, 1:] * a[l][:, 1:] * (1 - a[l][:, 1:])
    return D


def sign_flipped_and_lambda(thetas, X, Y, lam):
    n = len(X)
    a, _ = forward(thetas, X)
    delta = Y - a[-1][:, 1:]
    D = [None] * len(thetas)
    for l in reversed(range(len(thetas))):
        T = thetas[l]
        D[l] = delta.T @ a[l] / n + lam * np.hstack([np.zeros((len(T), 1)), T[:, 1:]])
        delta = (delta @ T)[:, 1:] * a[l][:, 1:] * (1 - a[l][:, 1:])
    return D


# --- the tests ---------------------------------------------------------------------------
def problem(arch=ARCH, seed=0, n=5):
    net = ng.Network.from_architecture(arch, seed=seed)
    rng = np.random.default_rng(seed + 100)
    X = rng.normal(size=(n, arch[0]))
    y = rng.integers(0, arch[-1], size=n) if arch[-1] > 1 else rng.integers(0, 2, size=n)
    Y = np.eye(arch[-1])[y] if arch[-1] > 1 else y[:, None].astype(float)
    return net, X, Y


def entries_wrong(student):
    """{(l, j, i)} where the student's D(l) differs from this file's numerical gradient."""
    net, X, Y = problem()
    thetas = [T.copy() for T in net.thetas]
    got = student([T.copy() for T in thetas], X, Y, LAM)
    want = numerical(thetas, X, Y, LAM)
    return {(l + 1, j + 1, i) for l, (g, w) in enumerate(zip(got, want))
            if g.shape == w.shape
            for j, i in zip(*np.nonzero(~np.isclose(g, w, rtol=1e-5, atol=1e-7)))}


ALL = {(l, j, i) for l, (r, c) in enumerate([(4, 4), (4, 5), (4, 5)], 1)
       for j in range(1, r + 1) for i in range(c)}


@pytest.mark.parametrize("student, key, where", [
    (no_gprime, "no_gprime", {e for e in ALL if e[0] < 3}),
    (bias_column_regularized, "bias_column_regularized", {e for e in ALL if e[2] == 0}),
    (lambda_not_over_n, "lambda_not_over_n", {e for e in ALL if e[2] > 0}),
    (Delta_not_divided, "Delta_not_divided", ALL),
    (theta_not_transposed, "theta_not_transposed", {e for e in ALL if e[0] < 3}),
    (sign_flipped, "delta_sign_flipped", ALL),
])
def test_each_mistake_is_caught_named_with_exactly_its_entries(student, key, where):
    net, X, Y = problem()
    r = ng.check_backprop(student, net, X, Y, lam=LAM)
    flagged = {(w.layer, w.j, w.i) for w in r.wrong}
    assert not r.ok
    assert flagged == entries_wrong(student) == where
    assert [m.key for m in r.mistakes] == [key]
    assert r.first_wrong_layer == max(e[0] for e in where)
    assert "the lecture's" in str(r.mistakes[0]) and r.mistakes[0].words in str(r)


def test_bias_row_kept_shows_as_a_row_too_many_below_the_top_layer():
    net, X, Y = problem()
    r = ng.check_backprop(bias_row_kept, net, X, Y, lam=0.0)
    assert not r.ok and r.wrong == [] and r.counts[3] == (0, 20)
    assert r.first_wrong_layer == 2
    assert [m.key for m in r.mistakes] == ["bias_row_kept"]
    assert "D(2) has shape (5, 5); Θ(2) is (4, 5)" in r.problems[0]
    assert "D(1) has shape (5, 4); Θ(1) is (4, 4)" in r.problems[1]


def test_a_without_the_bias_unit_shows_as_a_missing_column():
    net, X, Y = problem()
    r = ng.check_backprop(no_bias_unit, net, X, Y, lam=LAM)
    assert [m.key for m in r.mistakes] == ["no_bias_unit"]
    assert r.first_wrong_layer == 3 and "D(3) has shape (4, 4); Θ(3) is (4, 5)" in r.problems[0]


def test_two_mistakes_at_once_are_both_named():
    net, X, Y = problem()
    r = ng.check_backprop(sign_flipped_and_lambda, net, X, Y, lam=LAM)
    assert sorted(m.key for m in r.mistakes) == ["delta_sign_flipped", "lambda_not_over_n"]
    assert {(w.layer, w.j, w.i) for w in r.wrong} == entries_wrong(sign_flipped_and_lambda)


@pytest.mark.parametrize("arch", [[2, 1], [3, 5, 3], [4, 3, 5, 2], [2, 6, 1]])
@pytest.mark.parametrize("seed", [0, 1])
def test_a_right_backprop_passes_on_random_networks(arch, seed):
    net, X, Y = problem(arch, seed, n=4)
    thetas = [T.copy() for T in net.thetas]
    for D, N in zip(right_loop(thetas, X, Y, 0.7), numerical(thetas, X, Y, 0.7)):
        np.testing.assert_allclose(D, N, atol=1e-8)  # the student's function is right
    r = ng.check_backprop(right_loop, net, X, Y, lam=0.7)
    assert r.ok and r.wrong == [] and r.mistakes == [] and r.first_wrong_layer is None
    assert ng.check_backprop(right_with_cost, net, X, Y, lam=0.7).ok


def test_a_wrong_cost_is_reported():
    net, X, Y = problem()
    r = ng.check_backprop(lambda T, X, Y, lam: (1.0 + cost(T, X, Y, lam), right_loop(T, X, Y, lam)),
                          net, X, Y, lam=LAM)
    assert not r.ok and r.wrong == [] and "is not the course's J" in r.problems[0]


def test_a_wrong_entry_is_named_by_its_place_and_its_link():
    net, X, Y = problem()

    def one_entry_off(thetas, X, Y, lam):
        D = right_loop(thetas, X, Y, lam)
        D[1][0, 3] += 0.5  # Θ(2)_1,3: from a2_3 to a3_1
        return D

    r = ng.check_backprop(one_entry_off, net, X, Y, lam=LAM)
    (w,) = r.wrong
    assert str(w) == "Θ(2)_1,3: a2_3 → a3_1" and w.link is net.link("a2_3", "a3_1")
    right = right_loop([T.copy() for T in net.thetas], X, Y, LAM)[1][0, 3]
    assert w.got == pytest.approx(right + 0.5) and w.want == pytest.approx(right, abs=1e-8)
    assert w.backprop == pytest.approx(right, abs=1e-12) and r.first_wrong_layer == 2
    for text in (str(r), r.to_markdown(), r._repr_html_()):
        assert "a2_3" in text and "1 of 20 entries wrong" in text


def test_a_function_that_raises_is_reported_with_its_traceback():
    net, X, Y = problem()

    def crashes(thetas, X, Y, lam):
        return [thetas[1] @ thetas[0]]  # shapes that do not multiply

    r = ng.check_backprop(crashes, net, X, Y, lam=LAM)
    assert not r.ok and r.first_wrong_layer is None
    assert r.problems[0].startswith("your function raised ValueError")
    assert "in crashes" in r.error and "thetas[1] @ thetas[0]" in r.error
    assert "check.py" not in r.error  # the checker's own frame is left out
    assert "traceback" in str(r) and "crashes" in r.to_markdown()


def test_wrong_shapes_and_nan_are_reported():
    net, X, Y = problem()
    r = ng.check_backprop(lambda T, X, Y, lam: [D.T for D in right_loop(T, X, Y, lam)],
                          net, X, Y, lam=LAM)
    assert "D(1) has shape (4, 4)" not in " ".join(r.problems)  # square: compared, wrong
    assert "D(2) has shape (5, 4); Θ(2) is (4, 5)" in " ".join(r.problems)
    r = ng.check_backprop(lambda T, X, Y, lam: right_loop(T, X, Y, lam)[:2], net, X, Y)
    assert r.problems == ["expected a list of 3 arrays [D(1), …, D(3)] (or (J, [D(1), …])), "
                          "got 2 items"]

    def nan_at_the_top(thetas, X, Y, lam):
        D = right_loop(thetas, X, Y, lam)
        D[2][1, 0] = np.nan
        return D

    r = ng.check_backprop(nan_at_the_top, net, X, Y, lam=LAM)
    assert [(w.layer, w.j, w.i) for w in r.wrong] == [(3, 2, 0)]
    assert "D(3) has 1 NaN or infinite entries" in r.problems


def test_bad_input_names_what_was_expected():
    net, X, Y = problem()
    with pytest.raises(ng.ConfigError, match="fn must be a function"):
        ng.check_backprop("backprop", net, X, Y)
    with pytest.raises(ng.ShapeError):
        ng.check_backprop(right_loop, net, X[:, :2], Y)
    with pytest.raises(ng.LabelError):
        ng.check_backprop(right_loop, net, X, Y[:3])
    with pytest.raises(ng.ConfigError, match="λ"):
        ng.check_backprop(right_loop, net, X, Y, lam=-1)


# --- gradient checking seen failing: a wrong g' on purpose --------------------------------
@pytest.fixture(autouse=True)
def registry(monkeypatch):
    """The activations registered here are forgotten after each test."""
    from neurograph.model import activations

    monkeypatch.setattr(activations, "_REGISTRY", dict(activations._REGISTRY))


def test_a_wrong_derivative_is_refused_unless_check_is_false_and_then_it_warns():
    def g(z):
        return 1 / (1 + np.exp(-z))

    def dg(z, a):
        return a  # the (1 − a) forgotten

    with pytest.raises(ng.ActivationError, match="does not match the finite difference"):
        ng.register_activation(ng.Activation("bad_refused", g, dg))
    bad = ng.Activation("bad_sigmoid", g, dg, check=False)
    with pytest.warns(UserWarning, match="'bad_sigmoid': g'\\(z\\) does not match"):
        ng.register_activation(bad, replace=True)


def test_gradcheck_names_the_links_where_a_wrong_derivative_shows_worst_first():
    def dg(z, a):
        return a  # the (1 − a) forgotten

    bad = ng.Activation("bad_hidden", lambda z: 1 / (1 + np.exp(-z)), dg, check=False)
    with pytest.warns(UserWarning, match="bad_hidden"):
        net = ng.Network.from_architecture([2, 3, 1], activation=bad,
                                           output_activation="sigmoid", seed=0)
    X = np.array([[0.5, -1.0], [1.0, 2.0], [-0.3, 0.1]])
    y = np.array([1.0, 0.0, 1.0])
    r = ng.gradcheck(net, X, y)
    # this file's own numbers: the hidden layer's links take g' in their gradient, the
    # output unit's links do not, so exactly Θ(1)'s links disagree
    thetas = [T.copy() for T in net.thetas]
    num = numerical(thetas, X, y[:, None], 0.0)
    bp = net.gradients(X, y)
    diff = {}
    for link, n_, b_, d in r.disagree():
        assert link.target.layer == 2 and d == pytest.approx(abs(n_ - b_))
        j, i = link.target.position, (0 if link.is_bias else link.source.position + 1)
        assert n_ == pytest.approx(num[0][j, i], abs=1e-8) and b_ == pytest.approx(bp[0][j, i])
        diff[link] = d
    assert len(diff) == 9 and list(diff.values()) == sorted(diff.values(), reverse=True)
    text = str(r)
    assert "disagree on 9 links, worst first" in text
    worst = r.disagree()[0][0]
    assert f"{worst.source.name} → {worst.target.name}" in text.splitlines()[3]


# --- the command line --------------------------------------------------------------------
STUDENT = '''
import numpy as np


def backprop(thetas, X, Y, lam):
    n = len(X)
    a = [np.hstack([np.ones((n, 1)), X])]
    for T in thetas:
        a.append(np.hstack([np.ones((n, 1)), 1 / (1 + np.exp(-a[-1] @ T.T))]))
    delta = a[-1][:, 1:] - Y
    D = [None] * len(thetas)
    for l in reversed(range(len(thetas))):
        R = lam / n * thetas[l]
        R[:, 0] = 0
        D[l] = delta.T @ a[l] / n + R
        delta = (delta @ thetas[l])[:, 1:]{gprime}
    return D
'''


def run_cli(capsys, *args):
    from neurograph.cli import main

    code = main(["check-backprop", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_check_backprop_exits_0_for_a_right_function_and_1_naming_the_mistake(
        tmp_path, capsys):
    right = tmp_path / "right.py"
    right.write_text(STUDENT.format(gprime=" * a[l][:, 1:] * (1 - a[l][:, 1:])"))
    code, out, _ = run_cli(capsys, right, "--arch", "3-5-3", "--lam", "1")
    assert code == 0 and out.rstrip().endswith("OK: every entry agrees with the numerical gradient")
    wrong = tmp_path / "wrong.py"
    wrong.write_text(STUDENT.format(gprime=""))
    code, out, _ = run_cli(capsys, wrong, "--arch", "3-5-3", "--lam", "1")
    assert code == 1 and "g'(z) left out of δ(l)" in out and "D(1): 20 of 20 entries wrong" in out
    code, out, _ = run_cli(capsys, wrong, "--arch", "3-5-3", "--format", "md")
    assert code == 1 and out.startswith("**check_backprop**")


def test_cli_check_backprop_reports_a_broken_file_and_refuses_a_missing_function(
        tmp_path, capsys):
    broken = tmp_path / "broken.py"
    broken.write_text("def backprop(thetas, X, Y, lam):\n    return [\n")
    code, out, _ = run_cli(capsys, broken)
    assert code == 1 and "broken.py failed to load" in out and "SyntaxError" in out
    other = tmp_path / "other.py"
    other.write_text("def grads(thetas, X, Y, lam):\n    return []\n")
    code, _, err = run_cli(capsys, other)
    assert code == 2 and "must define a function backprop(thetas, X, Y, lam)" in err
    assert "it defines: grads" in err
    code, _, err = run_cli(capsys, tmp_path / "none.py")
    assert code == 2 and "none.py" in err
    code, _, err = run_cli(capsys, other, "--instances", "0")
    assert code == 2 and "--instances: expected a whole number ≥ 1, got '0'" in err
