"""Recurrent networks unrolled in time (issue 22, item 3).

Numbers come from PyTorch's nn.RNN (+ nn.Linear) with autograd in float64, from
the same network built by hand with parameter/connect, and from finite
differences of J; the per-step split of a gradient is checked against a numpy
loop of backpropagation through time written here.
"""

import numpy as np
import pytest

import neurograph as ng
from neurograph.engines.passes import run_backward


def weights(D, H, K, seed):
    rng = np.random.default_rng(seed)
    return dict(W_x=rng.normal(size=(H, D)), W_h=rng.normal(size=(H, H)) * 0.5,
                b=rng.normal(size=H), W_y=rng.normal(size=(K, H)), c=rng.normal(size=K))


def by_hand(D, H, T, K, w, h0):
    """The same network from parameter/connect, unit by unit."""
    net = ng.Network()
    P = {k: net.parameter_array(v, name=k) for k, v in w.items()}
    prev = [net.add_input(f"s0_{j}") for j in range(H)] if h0 == "input" else None
    xs = [[net.add_input(f"x{t}_{i}") for i in range(D)] for t in range(T)]
    for t in range(T):
        lay = net.new_layer("tanh")
        hs = [net.add_node(f"h{t + 1}_{j}", layer=lay) for j in range(H)]
        for j, v in enumerate(hs):
            net.set_bias(v, P["b"][j])
            for i, u in enumerate(xs[t]):
                net.connect(u, v, P["W_x"][j, i])
            for k, u in enumerate(prev or []):
                net.connect(u, v, P["W_h"][j, k])
        prev = hs
    lay = net.new_layer("linear")
    for k in range(K):
        v = net.add_node(f"y{k}", layer=lay)
        net.set_bias(v, P["c"][k])
        for j, u in enumerate(prev):
            net.connect(u, v, P["W_y"][k, j])
    return net


@pytest.mark.parametrize("h0", ["zeros", "input"])
def test_equal_to_the_network_built_by_hand(h0):
    D, H, T, K = 2, 3, 4, 2
    w = weights(D, H, K, 0)
    rnn = ng.Network.recurrent(inputs=D, hidden=H, steps=T, outputs=K, h0=h0, **w)
    hand = by_hand(D, H, T, K, w, h0)
    assert (rnn.n_params, rnn.n_links) == (hand.n_params, hand.n_links)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(5, (H if h0 == "input" else 0) + T * D))
    Y = rng.normal(size=(5, K))
    a = rnn.backward(X, Y, lam=0.3)
    b = hand.backward(X, Y, lam=0.3)
    assert a.cost == b.cost
    for name in w:
        np.testing.assert_array_equal(a.grad(rnn.parameters[name]), b.grad(hand.parameters[name]))


@pytest.mark.parametrize("h0,T,D,H,K", [("zeros", 5, 3, 4, 2), ("input", 3, 1, 2, 3),
                                         ("zeros", 1, 2, 3, 1)])
def test_outputs_and_every_gradient_match_pytorch_rnn(h0, T, D, H, K):
    torch = pytest.importorskip("torch")
    torch.manual_seed(T)
    rnn_t = torch.nn.RNN(D, H, nonlinearity="tanh", batch_first=True, dtype=torch.float64)
    lin = torch.nn.Linear(H, K, dtype=torch.float64)
    with torch.no_grad():  # the lecture's one b is PyTorch's b_ih + b_hh
        rnn_t.bias_hh_l0.normal_()
    n = 6
    rng = np.random.default_rng(T)
    xs = rng.normal(size=(n, T, D))
    hs0 = rng.normal(size=(n, H)) if h0 == "input" else np.zeros((n, H))
    Y = rng.normal(size=(n, K))
    x_t = torch.tensor(xs, requires_grad=False)
    out, _ = rnn_t(x_t, torch.tensor(hs0)[None])
    y_t = lin(out[:, -1])
    J_t = 0.5 * ((y_t - torch.tensor(Y)) ** 2).sum() / n   # neurograph's squared error
    J_t.backward()

    def t2n(p):
        return p.detach().numpy().copy()

    net = ng.Network.recurrent(
        inputs=D, hidden=H, steps=T, outputs=K, h0=h0, W_x=t2n(rnn_t.weight_ih_l0),
        W_h=t2n(rnn_t.weight_hh_l0), b=t2n(rnn_t.bias_ih_l0) + t2n(rnn_t.bias_hh_l0),
        W_y=t2n(lin.weight), c=t2n(lin.bias))
    X = np.hstack(([hs0] if h0 == "input" else []) + [xs.reshape(n, T * D)])
    tr = net.backward(X, Y)
    np.testing.assert_allclose(net.forward(X), t2n(y_t), rtol=0, atol=1e-12)
    assert tr.cost == pytest.approx(float(J_t.detach()), abs=1e-12)
    P = net.parameters
    pairs = [("W_x", rnn_t.weight_ih_l0), ("W_h", rnn_t.weight_hh_l0), ("b", rnn_t.bias_ih_l0),
             ("b", rnn_t.bias_hh_l0), ("W_y", lin.weight), ("c", lin.bias)]
    for name, p in pairs:
        np.testing.assert_allclose(tr.grad(P[name]), p.grad.numpy(), rtol=0, atol=1e-12)


def test_every_parameter_against_finite_differences():
    D, H, T, K = 2, 2, 3, 2
    net = ng.Network.recurrent(inputs=D, hidden=H, steps=T, outputs=K,
                               output_activation="sigmoid", seed=4)
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(4, T * D)), (rng.random((4, K)) > 0.5).astype(float)
    lam, c = 0.2, 1e-6
    tr = run_backward(net, X, Y, lam, "auto", "auto")
    for P in net.parameters.values():
        for p in P:
            v = p.value
            p.value = v + c
            jp = net.cost(X, Y, lam=lam)
            p.value = v - c
            jm = net.cost(X, Y, lam=lam)
            p.value = v
            assert tr.grad(p) == pytest.approx((jp - jm) / (2 * c), abs=1e-8), p.name
    assert ng.gradcheck(net, X, Y, lam=lam).rel_diff < 1e-8


def test_the_gradient_per_step_is_bptt_step_by_step():
    D, H, T = 2, 3, 4
    w = weights(D, H, 1, 5)
    del w["W_y"], w["c"]
    net = ng.Network.recurrent(inputs=D, hidden=H, steps=T, outputs=None, **w)
    rng = np.random.default_rng(3)
    n = 5
    X, Y = rng.normal(size=(n, T * D)), rng.normal(size=(n, H))
    tr = net.backward(X, Y)  # tanh outputs: squared error
    # BPTT by a numpy loop: h(t) = tanh(W_x x(t) + W_h h(t−1) + b), J = ½Σ(h(T) − y)²/n
    xs = X.reshape(n, T, D)
    hs = [np.zeros((n, H))]
    for t in range(T):
        hs.append(np.tanh(xs[:, t] @ w["W_x"].T + hs[-1] @ w["W_h"].T + w["b"]))
    delta = (hs[-1] - Y) * (1 - hs[-1] ** 2) / n
    per_Wh, per_Wx = {}, {}
    for t in range(T, 0, -1):
        per_Wx[t] = delta.T @ xs[:, t - 1]
        per_Wh[t] = delta.T @ hs[t - 1]
        delta = (delta @ w["W_h"]) * (1 - hs[t - 1] ** 2)
    got_h = tr.grad_by_layer(net.parameters["W_h"])
    got_x = tr.grad_by_layer(net.parameters["W_x"])
    assert sorted(got_h) == [3, 4, 5] and sorted(got_x) == [2, 3, 4, 5]  # h(1) has no W_h
    for t in range(1, T + 1):
        np.testing.assert_allclose(got_x[t + 1], per_Wx[t], rtol=0, atol=1e-14)
        if t > 1:
            np.testing.assert_allclose(got_h[t + 1], per_Wh[t], rtol=0, atol=1e-14)
    np.testing.assert_allclose(sum(got_h.values()), tr.grad(net.parameters["W_h"]),
                               rtol=0, atol=1e-14)


def test_bad_input_names_what_was_expected():
    with pytest.raises(ng.ConfigError, match="steps must be a whole number ≥ 1, got 0"):
        ng.Network.recurrent(inputs=1, hidden=2, steps=0)
    with pytest.raises(ng.ShapeError, match=r"W_h must have shape \(2, 2\).*got \(2, 3\)"):
        ng.Network.recurrent(inputs=1, hidden=2, steps=3, W_h=np.zeros((2, 3)))
    with pytest.raises(ng.ShapeError, match=r"W_y must have shape \(1, 2\)"):
        ng.Network.recurrent(inputs=1, hidden=2, steps=3, outputs=1, W_y=np.zeros(2))
    with pytest.raises(ng.ConfigError, match="h0 must be one of"):
        ng.Network.recurrent(inputs=1, hidden=2, steps=3, h0="ones")
    with pytest.raises(ng.ConfigError, match="outputs=K"):
        ng.Network.recurrent(inputs=1, hidden=2, steps=3, c=[0.0])
    with pytest.raises(ng.ConfigError, match="hidden must be"):
        ng.Network.recurrent(inputs=1, hidden=1.5, steps=3)
