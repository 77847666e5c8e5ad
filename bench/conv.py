"""Issue 22's cases: shared weights at speed.

- an epoch of examples/lenet.py's network (conv 3×3 → max pool → dense → 10, the 8×8
  digits, mini-batches of 32, momentum 0.9): the matrix engine against PyTorch eager
  (conv2d, max_pool2d, linear, the same shapes, weights and batches) and the graph
  engine against the matrix engine;
- one BPTT step of an RNN, T = 20, H = 32, on 1000 sequences (full batch): ours (the
  unrolled graph) against PyTorch eager's nn.RNN with autograd;
- building ``Network.lenet5()``: seconds, and the bytes Python allocates at the peak
  (tracemalloc) against the budgets.

The cases themselves are in cases.py (``CASES``), with the others.
"""

from __future__ import annotations

import gc
import time

import numpy as np

LENET = dict(maps=8, hidden=32, alpha=0.05, momentum=0.9, batch=32)
RNN = dict(T=20, H=32, D=4, n=1000, alpha=0.1)


def digits():
    import neurograph as ng

    X, y = ng.data.load_digits()
    Xtr, _, ytr, _ = ng.data.train_test_split(X, y, 0.25, seed=0)
    return Xtr, ytr


def lenet_net():
    """examples/lenet.py's network (built here: the bench does not import examples)."""
    import neurograph as ng

    net = ng.Network(seed=0)
    x = net.add_inputs((1, 8, 8))
    c = net.add_conv(x, maps=LENET["maps"], kernel=3, activation="relu", name="c1")
    s = net.add_pool(c, size=2, kind="max", name="s1")
    h = net.add_layer(LENET["hidden"], activation="relu")
    net.connect_layers(s, h)
    out = net.add_layer(10, activation="softmax")
    net.connect_layers(h, out)
    return net, s, h, out


def make_lenet(case, contender: str, k: int):
    from cases import timer

    import neurograph as ng

    X, y = digits()
    net, s, h, out = lenet_net()
    if contender in ("matrix", "graph"):
        trainer = ng.Trainer(net, alpha=LENET["alpha"], momentum=LENET["momentum"],
                             batch_size=LENET["batch"], seed=0, engine=contender)
        return timer(lambda: trainer.fit(X, y, epochs=k), k)
    return timer(torch_lenet(net, s, h, out, X, y, k), k)


def torch_lenet(net, s, h, out, X, y, k: int):
    """k epochs of the same network in PyTorch eager: float64, the same initial weights,
    mini-batches of 32 in a shuffled order, SGD with momentum."""
    import torch

    F = torch.nn.functional
    th = torch.float64
    K = torch.tensor(net.parameters["c1.kernels"].value, requires_grad=True)
    b = torch.tensor(net.parameters["c1.biases"].value, requires_grad=True)
    dense = [np.array([[v.bias, *[net.link(u, v).weight for u in src]] for v in dst])
             for src, dst in ((s, h), (h, out))]
    Ws = [torch.tensor(T[:, 1:], dtype=th, requires_grad=True) for T in dense]
    bs = [torch.tensor(T[:, 0], dtype=th, requires_grad=True) for T in dense]
    params = [K, b, *Ws, *bs]
    opt = torch.optim.SGD(params, lr=LENET["alpha"], momentum=LENET["momentum"])
    Xt, yt = torch.tensor(X).reshape(-1, 1, 8, 8), torch.tensor(y)
    rng = np.random.default_rng(0)
    bs_ = LENET["batch"]

    def epochs():
        for _ in range(k):
            order = torch.from_numpy(rng.permutation(len(X)))
            for i in range(0, len(X), bs_):
                rows = order[i : i + bs_]
                a = F.max_pool2d(F.relu(F.conv2d(Xt[rows], K, b)), 2).flatten(1)
                a = F.relu(F.linear(a, Ws[0], bs[0]))
                J = F.cross_entropy(F.linear(a, Ws[1], bs[1]), yt[rows])
                opt.zero_grad(set_to_none=True)
                J.backward()
                opt.step()
    return epochs


def make_rnn(case, contender: str, k: int):
    from cases import timer

    import neurograph as ng

    T, H, D, n = RNN["T"], RNN["H"], RNN["D"], RNN["n"]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, T * D))
    y = (X[:, ::D].sum(axis=1) > 0).astype(int)  # the sign of x1 summed over time
    net = ng.Network.recurrent(inputs=D, hidden=H, steps=T, outputs=1, activation="tanh",
                               output_activation="sigmoid", seed=0)
    if contender == "ours":
        trainer = ng.Trainer(net, alpha=RNN["alpha"], seed=0)  # full batch: one BPTT step
        return timer(lambda: trainer.fit(X, y, epochs=k), k)
    return timer(torch_rnn(net, X, y, k), k)


def torch_rnn(net, X, y, k: int):
    """k BPTT steps of nn.RNN (tanh) + a logistic output, float64, the same weights."""
    import torch

    T, H, D = RNN["T"], RNN["H"], RNN["D"]
    rnn = torch.nn.RNN(D, H, batch_first=True, dtype=torch.float64)
    lin = torch.nn.Linear(H, 1, dtype=torch.float64)
    p = net.parameters
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(p["W_x"].value))
        rnn.weight_hh_l0.copy_(torch.tensor(p["W_h"].value))
        rnn.bias_ih_l0.copy_(torch.tensor(p["b"].value))
        rnn.bias_hh_l0.zero_()
        lin.weight.copy_(torch.tensor(p["W_y"].value))
        lin.bias.copy_(torch.tensor(p["c"].value))
    opt = torch.optim.SGD([*rnn.parameters(), *lin.parameters()], lr=RNN["alpha"])
    Xt = torch.tensor(X).reshape(-1, T, D)
    yt = torch.tensor(y, dtype=torch.float64)[:, None]
    bce = torch.nn.functional.binary_cross_entropy_with_logits

    def steps():
        for _ in range(k):
            hT = rnn(Xt)[1][0]
            J = bce(lin(hT), yt)
            opt.zero_grad(set_to_none=True)
            J.backward()
            opt.step()
    return steps


def make_lenet5(case, contender: str, k: int):
    import tracemalloc

    import neurograph as ng

    def seconds():
        gc.collect()
        t = time.perf_counter()
        ng.Network.lenet5()
        return time.perf_counter() - t

    def peak_bytes():
        gc.collect()
        tracemalloc.start()
        try:
            ng.Network.lenet5()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    return seconds if contender == "time" else peak_bytes


MAKERS = {"lenet": make_lenet, "rnn": make_rnn, "lenet5": make_lenet5}
