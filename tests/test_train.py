"""Training: gradient descent, stepping, callbacks, perceptron rules, checkpoints."""

import os
import zipfile

import numpy as np
import pytest

import neurograph as ng

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_y = np.array([0, 1, 1, 0])


def blobs(seed=0, n=60):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, 2)) * 0.4 + np.array([[0, 0], [2, 0], [0, 2]])[y]
    return X, y


# --- gradient descent ---------------------------------------------------------------
def test_fit_equals_the_slide_loop_by_hand():
    """fit (full batch) = J, D by backprop; Θ ← Θ − αD, epoch after epoch."""
    X, y = blobs()
    a = ng.Network.from_architecture([2, 4, 3], seed=1)
    b = ng.Network.from_architecture([2, 4, 3], seed=1)
    h = ng.Trainer(a, alpha=0.5, lam=0.1).fit(X, y, epochs=20)
    costs = []
    for _ in range(20):
        J, D = ng.cost_and_gradients(b, X, y, lam=0.1)
        costs.append(J)
        for T, Dl in zip(b.thetas, D):
            T -= 0.5 * Dl
    np.testing.assert_array_equal(a.theta_flat, b.theta_flat)
    assert h.cost == costs
    assert h.stopped == "max_epochs" and h.epochs == 20


def _accuracy_by_hand(thetas, X, y):
    """Share of argmax(h_Θ(x)) == y, a sigmoid forward pass in numpy."""
    a = X
    for T in thetas:
        a = 1 / (1 + np.exp(-(a @ T[:, 1:].T + T[:, 0])))
    return float(np.mean(a.argmax(axis=1) == y))


def test_cost_decreases_every_epoch_full_batch_small_alpha():
    X, y = blobs(1)
    net = ng.Network.from_architecture([2, 5, 3], seed=0)
    first = _accuracy_by_hand([T.copy() for T in net.thetas], X, y)
    h = ng.Trainer(net, alpha=0.1).fit(X, y, epochs=200)
    assert all(b < a for a, b in zip(h.cost, h.cost[1:]))
    # full batch: epoch e's accuracy is the network's before that epoch's update
    before_last = ng.Network.from_architecture([2, 5, 3], seed=0)
    ng.Trainer(before_last, alpha=0.1).fit(X, y, epochs=199)
    assert len(h.accuracy) == 200 and h.accuracy[0] == first
    assert h.accuracy[-1] == _accuracy_by_hand(before_last.thetas, X, y)
    assert h.accuracy[-1] > first  # it learned something: the blobs separate


@pytest.mark.parametrize("s, seed, bound", [([2, 2, 1], 3, 5000), ([2, 3, 1], 0, 3000)])
def test_xor_learned_from_random_init(s, seed, bound):
    net = ng.Network.from_architecture(s, seed=seed)
    tr = ng.Trainer(net, alpha=2.0, seed=0)
    def done(trainer, history):
        return bool(np.all(net.predict(XOR_X) == XOR_y) and history.cost[-1] < 0.1)

    h = tr.fit(XOR_X, XOR_y, epochs=bound, on_epoch_end=done)
    assert h.stopped == "callback", f"XOR not learned by {s} in {bound} epochs"
    assert net.predict(XOR_X).tolist() == XOR_y.tolist()
    # learned, not solved from the start: J fell from chance (≈ log 2) below 0.1
    assert h.cost[0] > 0.6 and h.cost[-1] < 0.1


def test_same_seed_same_run_minibatch():
    X, y = blobs(2)
    runs = []
    for _ in range(2):
        net = ng.Network.from_architecture([2, 4, 3], seed=5)
        ng.Trainer(net, alpha=0.3, batch_size=7, momentum=0.5, seed=11).fit(X, y, epochs=5)
        runs.append(net.theta_flat.copy())
    np.testing.assert_array_equal(*runs)
    net = ng.Network.from_architecture([2, 4, 3], seed=5)
    ng.Trainer(net, alpha=0.3, batch_size=7, momentum=0.5, seed=12).fit(X, y, epochs=5)
    assert not np.array_equal(net.theta_flat, runs[0])


def test_graph_engine_training_equals_matrix_engine():
    X, y = blobs(3)
    a = ng.Network.from_architecture([2, 3, 3], seed=2)
    b = ng.Network.from_architecture([2, 3, 3], seed=2)
    ng.Trainer(a, alpha=0.5, batch_size=10, seed=1).fit(X, y, epochs=3)
    ng.Trainer(b, alpha=0.5, batch_size=10, seed=1, engine="graph").fit(X, y, epochs=3)
    np.testing.assert_allclose(a.theta_flat, b.theta_flat, rtol=0, atol=1e-12)


def test_skip_connection_network_trains_on_graph_engine():
    net = ng.Network(seed=0)
    x1, x2 = net.add_input("x1"), net.add_input("x2")
    h = net.add_node("h")
    o = net.add_node("o")
    for s_, t_ in [(x1, h), (x2, h), (h, o), (x1, o), (x2, o)]:
        net.connect(s_, t_, weight=net.rng.uniform(-1, 1))
    hist = ng.Trainer(net, alpha=2.0).fit(XOR_X, XOR_y, epochs=3000)
    assert hist.cost[-1] < hist.cost[0]
    assert net.predict(XOR_X).tolist() == XOR_y.tolist()  # one hidden unit + skips solve XOR


def test_stopping_rules():
    X, y = blobs(4)
    net = ng.Network.from_architecture([2, 4, 3], seed=0)
    h = ng.Trainer(net, alpha=0.5, tol_grad=0.05).fit(X, y, epochs=5000)
    assert h.stopped == "grad_tol" and h.grad_norm[-1] < 0.05 and h.epochs < 5000
    net = ng.Network.from_architecture([2, 4, 3], seed=0)
    h = ng.Trainer(net, alpha=0.5, tol_cost=1e-4).fit(X, y, epochs=5000)
    assert h.stopped == "cost_tol" and abs(h.cost[-1] - h.cost[-2]) < 1e-4


def test_validation_and_early_stopping_restore_best():
    X, y = blobs(5, n=80)
    net = ng.Network.from_architecture([2, 12, 3], seed=0)
    tr = ng.Trainer(net, alpha=3.0, batch_size=4, seed=0)
    h = tr.fit(X[:40], y[:40], epochs=300, validation=(X[40:], y[40:]), patience=5)
    assert h.stopped == "early_stopping"
    assert len(h.val_cost) == h.epochs and len(h.val_accuracy) == h.epochs
    best = min(h.val_cost)
    assert h.val_cost[h.best_epoch] == best
    assert net.cost(X[40:], y[40:]) == pytest.approx(best, rel=1e-12)


def test_callback_stops_and_bad_settings():
    X, y = blobs(6)
    net = ng.Network.from_architecture([2, 3, 3], seed=0)
    seen = []
    h = ng.Trainer(net).fit(X, y, epochs=50, on_epoch_end=lambda t, hist: len(hist.cost) == 3,
                            on_step=lambda step: seen.append(step.phase) and False)
    assert h.epochs == 3 and h.stopped == "callback" and seen == ["update"] * 3
    with pytest.raises(ng.ConfigError, match="alpha"):
        ng.Trainer(net, alpha=-1)
    with pytest.raises(ng.ConfigError, match="batch_size"):
        ng.Trainer(net, batch_size=0)
    with pytest.raises(ng.ConfigError, match="every"):
        next(ng.Trainer(net).steps(X, y, every="week"))


# --- stepping -----------------------------------------------------------------------
@pytest.mark.parametrize("every", ["epoch", "batch", "instance", "layer"])
@pytest.mark.parametrize("batch_size", [None, 8])
@pytest.mark.parametrize("engine", ["matrix", "graph"])
def test_stepping_to_the_end_is_bit_identical_to_fit(every, batch_size, engine):
    X, y = blobs(7, n=30)
    a = ng.Network.from_architecture([2, 4, 3, 3], seed=3)
    b = ng.Network.from_architecture([2, 4, 3, 3], seed=3)
    kw = dict(alpha=0.7, batch_size=batch_size, momentum=0.3, seed=2, engine=engine)
    ha = ng.Trainer(a, **kw).fit(X, y, epochs=4)
    tb = ng.Trainer(b, **kw)
    steps = list(tb.steps(X, y, every=every, epochs=4))
    np.testing.assert_array_equal(a.theta_flat, b.theta_flat)
    assert ha.cost == tb.history.cost
    n_batches = 1 if batch_size is None else 4
    per_batch = {"epoch": 0, "batch": 1, "instance": None, "layer": 3 + 3 + 1}[every]
    if every == "epoch":
        assert len(steps) == 4 and steps[-1].phase == "epoch end"
    elif every == "instance":
        assert len(steps) == 4 * (30 + n_batches)
        # Step.instance is the row of X as given, whatever the shuffled order:
        # each epoch shows every x(i) once, and the trace's a(1) is that row
        first = [s for s in steps[: 30 + n_batches] if s.phase == "instance"]
        assert sorted(s.instance for s in first) == list(range(30))
        for s in first:
            np.testing.assert_array_equal(s.trace.a[0][0], X[s.instance])
    else:
        assert len(steps) == 4 * n_batches * per_batch


@pytest.mark.parametrize("engine", ["matrix", "graph"])
def test_layer_steps_show_delta_L_before_delta_L_minus_1(engine):
    X, y = blobs(8, n=10)
    net = ng.Network.from_architecture([2, 4, 3, 3], seed=0)
    thetas0 = [T.copy() for T in net.thetas]
    gen = ng.Trainer(net, alpha=0.5, engine=engine).steps(X, y, every="layer", epochs=1)
    phases = []
    for step in gen:
        phases.append(step.phase)
        if step.phase == "backward layer 4":
            # δ(4) = a(4) − y and J of the initial Θ, each computed here in numpy
            a, Y = X, np.eye(3)[y]
            for T in thetas0:
                z = a @ T[:, 1:].T + T[:, 0]
                a = 1 / (1 + np.exp(-z))
            np.testing.assert_allclose(step.trace.layer(4)["delta"], a - Y, rtol=1e-12)
            assert step.trace.layer(3)["delta"] is None
            J = np.mean(np.sum(np.logaddexp(0, -z) * Y + np.logaddexp(0, z) * (1 - Y), axis=1))
            assert step.cost == pytest.approx(J, rel=1e-12)
        if step.phase == "forward layer 2":
            assert step.trace.layer(3)["a"] is None and step.cost is None
        if step.phase == "update":
            assert not np.array_equal(step.theta_before, step.theta_after)
            np.testing.assert_allclose(step.theta_before - step.theta_after,
                                       0.5 * step.trace.grad, rtol=1e-12)
    assert phases == ["forward layer 2", "forward layer 3", "forward layer 4",
                      "backward layer 4", "backward layer 3", "backward layer 2", "update"]


def test_steps_resume_exactly_where_training_stopped():
    X, y = blobs(9, n=24)
    a = ng.Network.from_architecture([2, 4, 3], seed=1)
    b = ng.Network.from_architecture([2, 4, 3], seed=1)
    ng.Trainer(a, alpha=0.5, batch_size=5, seed=0).fit(X, y, epochs=3)
    tb = ng.Trainer(b, alpha=0.5, batch_size=5, seed=0)
    gen = tb.steps(X, y, every="batch", epochs=3)
    for _ in range(7):  # stop in the middle of epoch 2
        next(gen)
    gen.close()
    rest = tb.steps(X, y, every="batch", epochs=2)
    first = next(rest)
    assert (first.epoch, first.batch) == (1, 2)
    for _ in rest:
        pass
    np.testing.assert_array_equal(a.theta_flat, b.theta_flat)


# --- perceptron ----------------------------------------------------------------------
def test_perceptron_rules_converge_on_separable_data():
    for name in ("AND", "OR", "NOR"):
        X, y = ng.data.truth_table(name)
        for rule in ("online", "batch"):
            net = ng.Network.from_architecture([2, 1], activation="step", seed=0)
            res = ng.perceptron(net, X, y, rule=rule, max_epochs=200)
            assert res.converged, (name, rule)
            assert net.predict(X).tolist() == y.tolist()
            assert res.errors[-1] == 0 and res.epochs == len(res.errors)


def test_fixed_increment_perceptron_on_points():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X @ [1.0, -2.0] + 0.3 > 0).astype(int)
    net = ng.Network.from_architecture([2, 1], activation="step", seed=1)
    res = ng.perceptron(net, X, y, rule="batch", alpha=1.0, normalize=False, max_epochs=2000)
    assert res.converged and (net.predict(X) == y).all()


def test_perceptron_reports_non_convergence_on_xor():
    X, y = ng.data.truth_table("XOR")
    for rule in ("online", "batch"):
        net = ng.Network.from_architecture([2, 1], activation="step", seed=0)
        res = ng.perceptron(net, X, y, rule=rule, max_epochs=50)
        assert not res.converged and res.epochs == 50 and min(res.errors) > 0
        assert "NOT converge" in repr(res)


@pytest.mark.parametrize("labels, match", [
    (["no", "no", "no", "yes"], r"must be numbers, 0/1 or the slide's ±1; got \['no' 'yes'\]"),
    ([-1, 0, 0, 1], r"must be 0/1 or the slide's ±1 \(not a mix\), got \[-1\]"),
    ([0, 0, 0.5, 1], r"must be 0/1 or the slide's ±1 \(not a mix\), got \[0.5\]"),
    ([0, 0, np.nan, 1], r"must be 0/1 or the slide's ±1 \(not a mix\), got \[nan\]"),
    ([0, 0, 0], r"expected 4 labels"),
])
def test_perceptron_refuses_labels_naming_what_came(labels, match):
    X, _ = ng.data.truth_table("AND")
    net = ng.Network.from_architecture([2, 1], activation="step", seed=0)
    before = net.theta_flat.copy()
    with pytest.raises(ng.LabelError, match=match):
        ng.perceptron(net, X, labels)
    np.testing.assert_array_equal(net.theta_flat, before)


@pytest.mark.parametrize("kw", [{"eps": float("nan")}, {"eps": "1e-9"}, {"eps": -1.0},
                                {"normalize": "no"}])
def test_perceptron_refuses_options_that_are_not_numbers(kw):
    X, y = ng.data.truth_table("AND")
    net = ng.Network.from_architecture([2, 1], activation="step", seed=0)
    with pytest.raises(ng.ConfigError, match=f"{next(iter(kw))} must be"):
        ng.perceptron(net, X, y, rule="batch", **kw)


# --- checkpoints ---------------------------------------------------------------------
def test_save_load_round_trip_node_by_node(tmp_path):
    net = ng.Network(seed=0)
    x1, x2 = net.add_input("x1"), net.add_input("x2")
    h = net.add_node("h", activation="tanh")
    o = net.add_node("o")
    for s_, t_ in [(x1, h), (x2, h), (h, o), (x1, o)]:
        net.connect(s_, t_)
    net.set_bias(h, 0.25)
    ng.save(net, tmp_path / "n.ngz")
    net2 = ng.load(tmp_path / "n.ngz")
    assert net2.s == net.s and [u.name for u in net2.nodes] == [u.name for u in net.nodes]
    assert net2["h"].activation.name == "tanh" and net2["h"].bias == 0.25
    np.testing.assert_array_equal(net2.forward(XOR_X), net.forward(XOR_X))
    assert sorted(net2.graph.edges) == sorted(net.graph.edges)


def test_resumed_run_is_bit_identical(tmp_path):
    X, y = blobs(10, n=30)
    a = ng.Network.from_architecture([2, 5, 3], seed=4)
    ng.Trainer(a, alpha=0.4, batch_size=7, momentum=0.6, seed=3).fit(X, y, epochs=6)
    b = ng.Network.from_architecture([2, 5, 3], seed=4)
    tb = ng.Trainer(b, alpha=0.4, batch_size=7, momentum=0.6, seed=3)
    gen = tb.steps(X, y, every="batch", epochs=6)
    for _ in range(10):  # mid-epoch: 5 batches per epoch
        next(gen)
    gen.close()
    ng.save(b, tmp_path / "ck.ngz", trainer=tb)
    c, tc = ng.load(tmp_path / "ck.ngz", trainer=True)
    # the 10th update ended epoch 2 (index 1) but its epoch-end bookkeeping is still due
    assert (tc.epoch, tc.state.next_batch) == (1, 5)
    hc = tc.fit(X, y, epochs=6 - tc.epoch)
    np.testing.assert_array_equal(a.theta_flat, c.theta_flat)
    assert hc.epochs == 6


@pytest.mark.parametrize("damage", ["truncate", "garbage", "version", "hand_edit", "weights"])
def test_damaged_checkpoints_raise_and_change_nothing(tmp_path, damage):
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    path = tmp_path / "x.ngz"
    ng.save(net, path)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"not a zip at all" * 10)
    else:
        with zipfile.ZipFile(path) as z:
            members = {n: z.read(n) for n in z.namelist()}
        text = members["network.json"].decode()
        if damage == "version":
            text = text.replace('"version": 1', '"version": 99')
        elif damage == "hand_edit":
            text = text.replace('"sigmoid"', '"tanh"', 1)
        else:
            members["weights.npy"] = members["weights.npy"][:-8] + b"\x00" * 8
        members["network.json"] = text.encode()
        with zipfile.ZipFile(path, "w") as z:
            for n, b in members.items():
                z.writestr(n, b)
    before = path.read_bytes()
    listing = sorted(os.listdir(tmp_path))
    match = {"truncate": "truncated or corrupt", "garbage": "truncated or corrupt",
             "version": "version 99", "hand_edit": "checksum", "weights": "checksum"}[damage]
    with pytest.raises(ng.FileFormatError, match=match):
        ng.load(path)
    assert path.read_bytes() == before and sorted(os.listdir(tmp_path)) == listing


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path):
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    ng.save(net, tmp_path / "a.ngz")
    ng.save(net, tmp_path / "a.ngz")  # overwrite in place
    assert os.listdir(tmp_path) == ["a.ngz"]
    with pytest.raises(FileNotFoundError):
        ng.load(tmp_path / "missing.ngz")
    with pytest.raises(ng.FileFormatError, match="no trainer state"):
        ng.load(tmp_path / "a.ngz", trainer=True)


@pytest.mark.parametrize("every", ["epoch", "batch"])
def test_step_traces_hold_the_weights_of_their_pass(every):
    X, y = blobs(12, n=10)
    net = ng.Network.from_architecture([2, 3, 3], seed=0)
    before = net.theta_flat.copy()
    step = next(ng.Trainer(net, alpha=0.5).steps(X, y, every=every, epochs=1))
    np.testing.assert_array_equal(step.trace.theta, before)  # not the updated θ
    u = net["a2_1"]
    share = sum(step.trace.blame(u).values())
    np.testing.assert_allclose(step.trace.node(u)["delta"], u.activation.dg(
        step.trace.node(u)["z"], step.trace.node(u)["a"]) * share, rtol=1e-13)


def test_kept_step_traces_are_never_overwritten():
    """Steps share their pass's arrays; a later pass must not write into a kept one."""
    X, y = blobs(11, n=12)
    net = ng.Network.from_architecture([2, 3, 3], seed=0)
    gen = ng.Trainer(net, alpha=0.5).steps(X, y, every="epoch", epochs=4)
    first = next(gen)
    a2 = first.trace.layer(2)["a"].copy()
    d3 = first.trace.layer(3)["delta"].copy()
    rest = list(gen)
    np.testing.assert_array_equal(first.trace.layer(2)["a"], a2)
    np.testing.assert_array_equal(first.trace.layer(3)["delta"], d3)
    assert not np.array_equal(rest[-1].trace.layer(2)["a"], a2)
    # and a dropped trace frees its workspace: stepping on reuses one of two
    t = ng.Trainer(net, alpha=0.5)
    for _ in t.steps(X, y, every="epoch", epochs=6):
        pass
    runner_pools = list(t.state.engine.pool.counts().values())
    assert runner_pools == [2]
