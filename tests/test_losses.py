"""The cost written once: each loss's element cost, J and D(l) against numbers computed
here without the library (plain numpy, PyTorch autograd), with λ > 0, on the whole
training set and on batches of it (m < n: the λ term uses n)."""

import numpy as np
import pytest

import neurograph as ng
from neurograph.engines import Pass, Phase, make_engine, matrix
from neurograph.engines.losses import L2, loss_of

LAM = 0.7

# (loss, output activation): the three losses, mse on a squashing and on a linear output
CASES = [("cross_entropy", "sigmoid"), ("cross_entropy", "softmax"),
         ("mse", "sigmoid"), ("mse", "linear")]


def _problem(out, seed=0, n=8, s=(3, 4, 3)):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, s[0]))
    if out == "linear":
        Y = rng.normal(size=(n, s[-1]))
    else:
        Y = np.eye(s[-1])[rng.integers(0, s[-1], size=n)]
    net = ng.Network.from_architecture(list(s), output_activation=out, seed=seed + 1)
    return net, X, Y


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _out(out, z):
    if out == "sigmoid":
        return _sigmoid(z)
    if out == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return z


def numpy_J_D(thetas, X, Y, lam, n, loss, out):
    """The lecture's J and D(l) for sigmoid hidden units, written out here."""
    m = X.shape[0]
    a, acts, zs = X, [X], []
    for l, T in enumerate(thetas):
        z = a @ T[:, 1:].T + T[:, 0]
        a = _out(out, z) if l == len(thetas) - 1 else _sigmoid(z)
        zs.append(z)
        acts.append(a)
    h = acts[-1]
    if loss == "mse":
        terms = 0.5 * (h - Y) ** 2
        gp = {"sigmoid": h * (1 - h), "linear": np.ones_like(h)}[out]
        delta = (h - Y) * gp
    elif out == "softmax":
        terms = -Y * np.log(h)
        delta = h - Y
    else:
        terms = -(Y * np.log(h) + (1 - Y) * np.log(1 - h))
        delta = h - Y
    J = terms.sum() / m + lam / (2 * n) * sum((T[:, 1:] ** 2).sum() for T in thetas)
    D = [None] * len(thetas)
    for l in range(len(thetas) - 1, -1, -1):
        a_prev = acts[l]
        Dl = np.hstack([delta.sum(axis=0)[:, None], delta.T @ a_prev]) / m
        Dl[:, 1:] += lam / n * thetas[l][:, 1:]
        D[l] = Dl
        if l:
            delta = (delta @ thetas[l][:, 1:]) * a_prev * (1 - a_prev)
    return J, D


def torch_J_D(thetas, X, Y, lam, n, loss, out):
    """J by PyTorch's own losses, D(l) by autograd, in float64."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    T = [torch.tensor(t, dtype=torch.float64, requires_grad=True) for t in thetas]
    a, Yt = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)
    for l, Tl in enumerate(T):
        z = a @ Tl[:, 1:].T + Tl[:, 0]
        a = torch.sigmoid(z) if l < len(T) - 1 else z
    if loss == "mse":
        h = {"sigmoid": torch.sigmoid, "linear": lambda v: v}[out](a)
        total = 0.5 * F.mse_loss(h, Yt, reduction="sum")
    elif out == "softmax":
        total = -(Yt * F.log_softmax(a, dim=1)).sum()
    else:
        total = F.binary_cross_entropy_with_logits(a, Yt, reduction="sum")
    J = total / X.shape[0] + lam / (2 * n) * sum((Tl[:, 1:] ** 2).sum() for Tl in T)
    J.backward()
    return J.item(), [Tl.grad.numpy() for Tl in T]


def _pass(net, kind, X, Y, lam, n, loss, shapes):
    """(J, [D(l)]) of one pass of the library's engine ``kind`` over the batch X."""
    p = Pass(net, make_engine(net, lam, loss, engine=kind), X, Y, n=n)
    J = p.complete()
    grad = p.trace(Phase("backward"), with_grad=True).grad
    D = [np.zeros(s) for s in shapes]
    for link in net.links:  # by position: the graph engine keeps the links' own layout
        tgt = link.target
        col = 0 if link.is_bias else link.source.position + 1
        D[tgt.layer - 2][tgt.position, col] = grad[link.index]
    return J, D


@pytest.mark.parametrize("reference", [numpy_J_D, torch_J_D])
@pytest.mark.parametrize("kind", ["matrix", "graph"])
@pytest.mark.parametrize("loss,out", CASES)
def test_J_and_D_of_each_loss_full_batch_and_mini_batches(loss, out, kind, reference):
    net, X, Y = _problem(out)
    if kind == "graph":
        thetas = [np.array(t) for t in ng.Network.from_architecture(
            [3, 4, 3], output_activation=out, seed=1).thetas]
    else:
        thetas = [np.array(t) for t in net.thetas]
    n = X.shape[0]
    for rows in (slice(None), slice(0, 3), slice(3, 8)):  # the whole set; batches of 3 and 5
        Xb, Yb = X[rows], Y[rows]
        cost, D = _pass(net, kind, Xb, Yb, LAM, n, loss, [t.shape for t in thetas])
        cost_ref, D_ref = reference(thetas, Xb, Yb, LAM, n, loss, out)
        assert cost == pytest.approx(cost_ref, rel=1e-12, abs=1e-12)
        for got, want in zip(D, D_ref):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        if kind == "graph":
            assert net.weights.current() is None  # the graph engine did not compile


def test_the_lambda_term_of_a_batch_uses_the_training_sets_n():
    net, X, Y = _problem("sigmoid")
    thetas = [np.array(t) for t in net.thetas]
    sq = sum((T[:, 1:] ** 2).sum() for T in thetas)
    shapes = [t.shape for t in thetas]
    J_n, _ = _pass(net, "matrix", X[:2], Y[:2], LAM, 8, "cross_entropy", shapes)
    J_m, _ = _pass(net, "matrix", X[:2], Y[:2], LAM, 2, "cross_entropy", shapes)
    # the same data term; only λ/(2n) differs: n = 8, or the batch's m = 2 alone
    assert J_m - J_n == pytest.approx(LAM * sq * (1 / 4 - 1 / 16), rel=1e-12)


@pytest.mark.parametrize("loss,out", CASES)
def test_element_cost_is_each_outputs_term(loss, out):
    rng = np.random.default_rng(3)
    z = rng.normal(scale=3.0, size=(5, 3))
    y = np.eye(3)[rng.integers(0, 3, size=5)]
    a = _out(out, z)
    act = ng.get_activation(out)
    if loss == "mse":
        want = 0.5 * (a - y) ** 2
    elif out == "softmax":
        want = -y * np.log(a)
    else:
        want = -(y * np.log(a) + (1 - y) * np.log(1 - a))
    L = loss_of(loss, act)
    np.testing.assert_allclose(L.element(z, a, y), want, rtol=1e-12, atol=1e-15)
    assert L.total(z, a, y) == pytest.approx(want.sum(), rel=1e-12)
    assert L.name == loss


def test_cross_entropy_element_cost_is_finite_when_outputs_saturate():
    z = np.array([[800.0, -800.0, 800.0, -800.0]])
    y = np.array([[0.0, 1.0, 1.0, 0.0]])
    a = ng.get_activation("sigmoid").g(z)  # exactly 1.0 and 0.0: log would give −inf
    got = loss_of("cross_entropy", ng.get_activation("sigmoid")).element(z, a, y)
    np.testing.assert_array_equal(got, [[800.0, 800.0, 0.0, 0.0]])


def test_l2_covers_the_non_bias_weights_with_views_or_indices():
    theta = np.arange(1.0, 13.0)  # Θ(1) 2×3 at 0, Θ(2) 2×3 at 6
    reg_blocks = L2(0.5, [(0, 2, 3), (6, 2, 3)])
    reg_index = L2(0.5, [np.array([1, 2, 4, 5, 7, 8, 10, 11])])
    sq = sum(v * v for k, v in enumerate(theta) if k % 3)  # column 0 of each row: bias
    for reg in (reg_blocks, reg_index):
        assert reg.squares(theta) == sq
        assert reg.cost(theta, 4) == pytest.approx(0.5 / 8 * sq, rel=1e-15)
        grad = np.ones(12)
        reg.add_grad(theta, grad, 4)
        np.testing.assert_array_equal(grad, [1.0 if k % 3 == 0 else 1.0 + theta[k] / 8
                                             for k in range(12)])


@pytest.mark.parametrize("lam", [-1.0, float("nan"), "1", True])
def test_every_lambda_goes_through_the_one_check(lam):
    net, X, Y = _problem("sigmoid")
    with pytest.raises(ng.ConfigError, match=r"lam \(λ\) must be a finite number ≥ 0"):
        L2(lam, [])
    # the reference loop took any λ unchecked (a negative one gave a D of another J)
    with pytest.raises(ng.ConfigError, match=r"lam \(λ\) must be a finite number ≥ 0"):
        matrix.gradients_loop(net.compile(), X, Y, lam=lam)


@pytest.mark.parametrize("out", ["sigmoid", "linear"])
def test_reference_loop_uses_the_losss_delta(out):
    # the loop wrote δ(L) = a − y whatever the loss: for squared error D(l) was another J's
    net, X, Y = _problem(out)
    _, D_ref = numpy_J_D([np.array(t) for t in net.thetas], X, Y, LAM, 8, "mse", out)
    D_loop = matrix.gradients_loop(net.compile(), X, Y, lam=LAM, loss="mse")
    for got, want in zip(D_loop, D_ref):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
