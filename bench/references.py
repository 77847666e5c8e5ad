"""Independent reference implementations the benchmarks measure against.

Each takes plain numpy arrays in the course layout (Θ(l): s_{l+1} × (s_l + 1),
bias column first; sigmoid units; J = cross-entropy summed over outputs,
averaged over n, + λ/(2n)ΣΘ² off the bias column) and returns a closure that
performs one step, so the harness times only the step.
"""

from __future__ import annotations

import numpy as np


def make_numpy_step(thetas, X, Y, alpha: float, lam: float = 0.0):
    """One full-batch GD step in bare numpy, written lean (the overhead reference)."""
    Ts = [T.copy() for T in thetas]
    n = X.shape[0]

    def step():
        acts = [X]
        a = X
        for T in Ts:
            z = a @ T[:, 1:].T
            z += T[:, 0]
            a = 1.0 / (1.0 + np.exp(-z))
            acts.append(a)
        J = -(Y * np.log(a) + (1 - Y) * np.log(1 - a)).sum() / n
        d = a - Y
        for l in range(len(Ts) - 1, -1, -1):
            T = Ts[l]
            D = np.empty_like(T)
            D[:, 1:] = d.T @ acts[l]
            D[:, 0] = d.sum(axis=0)
            D /= n
            if lam:
                D[:, 1:] += lam / n * T[:, 1:]
            if l:
                a_prev = acts[l]
                d = (d @ T[:, 1:]) * a_prev * (1 - a_prev)
            T -= alpha * D
        return J

    step.thetas = Ts
    return step


def make_torch_step(thetas, X, Y, alpha: float, lam: float = 0.0, dtype="float64"):
    """The same step with PyTorch eager autograd on the CPU."""
    import torch

    dt = getattr(torch, dtype)
    Ws = [torch.tensor(T[:, 1:], dtype=dt, requires_grad=True) for T in thetas]
    bs = [torch.tensor(T[:, 0], dtype=dt, requires_grad=True) for T in thetas]
    Xt = torch.tensor(X, dtype=dt)
    Yt = torch.tensor(Y, dtype=dt)
    n = X.shape[0]
    bce = torch.nn.functional.binary_cross_entropy_with_logits

    def step():
        a = Xt
        for i, (W, b) in enumerate(zip(Ws, bs)):
            z = torch.addmm(b, a, W.T)
            a = torch.sigmoid(z) if i < len(Ws) - 1 else z
        J = bce(a, Yt, reduction="sum") / n
        if lam:
            J = J + lam / (2 * n) * sum((W * W).sum() for W in Ws)
        J.backward()
        with torch.no_grad():
            for p in (*Ws, *bs):
                p -= alpha * p.grad
                p.grad = None
        return J

    step.params = (Ws, bs)
    return step


def make_sklearn_epoch(hidden: tuple, X, Y, thetas, alpha: float):
    """One epoch of scikit-learn's MLPClassifier: logistic, sgd, full batch, momentum 0.

    Y is one-hot, so scikit-learn treats it as multilabel: sigmoid outputs and
    the cross-entropy J of the course. After its own initialisation its weights
    are set in place (its optimizer holds those very arrays) to ``thetas``.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=hidden, activation="logistic", solver="sgd",
                        batch_size=X.shape[0], momentum=0.0, nesterovs_momentum=False,
                        learning_rate_init=alpha, alpha=0.0, shuffle=False, random_state=0)

    def epoch():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.partial_fit(X, Y, classes=classes)

    classes = np.arange(Y.shape[1])
    epoch()
    for W, b, T in zip(clf.coefs_, clf.intercepts_, thetas):
        W[...] = T[:, 1:].T
        b[...] = T[:, 0]
    epoch.clf = clf
    return epoch


def make_products(thetas, X):
    """The matrix products of one full-batch step alone, into preallocated outputs.

    Forward a(l) Θ(l)ᵀ for every layer, Δ(l) = δ(l+1)ᵀ a(l) for every layer and
    δ(l) = δ(l+1) Θ(l) for every hidden layer: 3(L−1) − 1 products (8 for
    784-256-256-10, 5 for 400-25-10), on the same shapes and the same BLAS
    as numpy gives the step, and nothing else.
    """
    Ws = [T[:, 1:] for T in thetas]
    acts = [X]
    for W in Ws:
        acts.append(1.0 / (1.0 + np.exp(-(acts[-1] @ W.T))))
    deltas = [a - a.mean() for a in acts]  # realistic magnitudes; values do not matter
    z_out = [np.empty_like(a) for a in acts[1:]]
    D_out = [np.empty((W.shape[0], W.shape[1]), dtype=X.dtype) for W in Ws]
    d_out = [np.empty_like(a) for a in acts[1:-1]]
    calls = []
    for l, W in enumerate(Ws):
        calls.append((acts[l], W.T, z_out[l]))
        calls.append((deltas[l + 1].T, acts[l], D_out[l]))
        if l:
            calls.append((deltas[l + 1], W, d_out[l - 1]))

    def products():
        for a, b, out in calls:
            np.matmul(a, b, out=out)

    products.count, products.calls = len(calls), calls
    return products


def make_torch_products(thetas, X):
    """:func:`make_products` on PyTorch's kernels: the same products, the same shapes,
    into preallocated tensors (the bound for ``backend="torch"``)."""
    import torch

    products = make_products(thetas, X)  # numpy builds the operands; torch only multiplies
    calls = [tuple(map(torch.from_numpy, call)) for call in products.calls]  # zero copy

    def run():
        for a, b, out in calls:
            torch.mm(a, b, out=out)

    run.count = len(calls)
    return run


def make_floor(thetas, X):
    """The step's matrix products plus numpy's ``exp`` of every z(l): the least any
    numpy sigmoid step must do (one exp per unit and instance, each its own pass).

    The ratio floor / products bounds what "ours / products" can reach with numpy:
    on a CPU without AVX-512, numpy's float64 exp is a scalar loop, several ns an
    element, and it runs single-threaded.
    """
    products = make_products(thetas, X)
    zs = [np.empty((X.shape[0], T.shape[0]), dtype=X.dtype) for T in thetas]
    es = [np.empty_like(z) for z in zs]
    for z in zs:
        z[...] = 0.5  # values do not matter for exp's speed; no overflow

    def floor():
        products()
        for z, e in zip(zs, es):
            np.exp(z, out=e)

    return floor


def make_micrograd(s, X, y, backward: bool):
    """micrograd's MLP (relu hidden, linear output) over n instances, scalar by scalar."""
    from micrograd.nn import MLP

    model = MLP(s[0], list(s[1:]))
    rows = [list(map(float, r)) for r in X]
    targets = list(map(float, y))

    def run():
        outs = [model(r) for r in rows]
        if backward:
            loss = sum((o - t) ** 2 for o, t in zip(outs, targets))
            model.zero_grad()
            loss.backward()
        return outs

    return run
