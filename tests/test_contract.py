"""DESIGN.md's "public face", run as written: these names are a contract."""

import numpy as np

import neurograph as ng


def test_public_face_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    net = ng.Network()
    x1, x2 = net.add_input("x1"), net.add_input("x2")
    h = net.add_node("h", activation="sigmoid")          # bias unit handled for you
    net.connect(x1, h, weight=20); net.connect(x2, h, weight=20)  # noqa: E702
    net.set_bias(h, -30)                                  # the seed's AND unit
    out = net.forward([[1, 1]])                           # -> array([[~1.0]])
    assert out.shape == (1, 1) and abs(out[0, 0] - 1.0) < 1e-4

    rng = np.random.default_rng(0)
    Theta1, Theta2 = rng.normal(size=(25, 401)), rng.normal(size=(10, 26))
    net = ng.Network.from_architecture([400, 25, 10], seed=0)   # s = [...], random init
    net = ng.Network.from_thetas([Theta1, Theta2])              # course layout, bias column first
    assert [t.shape for t in net.thetas] == [(25, 401), (10, 26)]
    np.testing.assert_array_equal(net.theta(1), Theta1)           # 1-based: Θ(1) is thetas[0]
    np.testing.assert_array_equal(net.theta(2), Theta2)
    assert np.shares_memory(net.theta(1), net.thetas[0])
    X, y = rng.random((30, 400)), rng.integers(0, 10, 30)
    Y = ng.one_hot(y, 10)
    assert net.forward(X).shape == (30, 10)
    assert net.predict(X).shape == (30,)
    assert np.isfinite(net.cost(X, Y, lam=0.0))
    assert [d.shape for d in net.gradients(X, Y, lam=0.0)] == [(25, 401), (10, 26)]
    trace = net.backward(X, Y)
    assert trace.layer(2)["delta"].shape == (30, 25)
    small = ng.Network.from_architecture([3, 5, 3], seed=0)
    assert ng.gradcheck(small, X[:5, :3], y[:5] % 3, lam=0.0).rel_diff < 1e-9

    trainer = ng.Trainer(small, alpha=1.0, lam=0.0, batch_size=None, seed=0)
    history = trainer.fit(X[:, :3], y % 3, epochs=5)
    assert len(history.cost) == 5
    for step in trainer.steps(X[:, :3], y % 3, every="layer", epochs=1):
        step.epoch, step.phase, step.trace, step.cost  # noqa: B018
    assert step.phase == "update"

    assert ng.diagram(small, show="errors", trace=small.backward(X[:, :3], y % 3)).source
    small.render("xor.svg", show="weights")
    ng.save(small, "xor.ngz")
    net2 = ng.load("xor.ngz")
    np.testing.assert_array_equal(net2.theta_flat, small.theta_flat)
    assert (tmp_path / "xor.svg").exists()


def test_readme_example_runs(tmp_path, monkeypatch):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 — our own README
    assert scope["xor"].predict(scope["X"]).tolist() == [0, 1, 1, 0]
    assert "blame share" in (tmp_path / "xor.svg").read_text(encoding="utf-8")
