"""PyTorch export/import, the scikit-learn estimator, GraphML."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import neurograph as ng

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("s, act, out", [([3, 5, 2], "sigmoid", "sigmoid"),
                                         ([4, 6, 5, 3], "tanh", "softmax"),
                                         ([2, 7, 1], "relu", "linear")])
def test_to_torch_equal_outputs_and_gradients(torch, s, act, out):
    rng = np.random.default_rng(0)
    net = ng.Network.from_architecture(s, activation=act, output_activation=out, seed=1)
    X = rng.normal(size=(9, s[0]))
    module = to = ng.to_torch(net)
    np.testing.assert_allclose(to(torch.tensor(X)).detach().numpy(), net.forward(X),
                               rtol=0, atol=1e-12)
    # J and its gradient through the exported module equal neurograph's D(l)
    y = rng.integers(0, s[-1], 9) if s[-1] > 1 else rng.normal(size=9)
    Y = ng.one_hot(y, s[-1]) if s[-1] > 1 else y[:, None]
    h = module(torch.tensor(X))
    if out == "linear":
        J = 0.5 * ((h - torch.tensor(Y)) ** 2).sum() / 9
    elif out == "softmax":
        J = -(torch.tensor(Y) * torch.log(h)).sum() / 9
    else:
        J = torch.nn.functional.binary_cross_entropy(h, torch.tensor(Y), reduction="sum") / 9
    J.backward()
    D = net.gradients(X, Y)
    lin = [m for m in module if isinstance(m, torch.nn.Linear)]
    for Dl, m in zip(D, lin):
        np.testing.assert_allclose(Dl[:, 1:], m.weight.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(Dl[:, 0], m.bias.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_from_torch_round_trip_and_errors(torch):
    net = ng.Network.from_architecture([3, 4, 2], activation="tanh", seed=2)
    back = ng.from_torch(ng.to_torch(net))
    for a, b in zip(back.thetas, net.thetas):
        np.testing.assert_array_equal(a, b)
    assert back.layers[1].activations == ["tanh"]
    with pytest.raises(ng.ConfigError, match="Conv1d"):
        ng.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Conv1d(1, 1, 1)))
    skip = ng.Network.from_architecture([2, 2, 1], seed=0)
    skip.connect("x1", "a3_1", 1.0)
    with pytest.raises(ng.CompileError, match="graph engine"):
        ng.to_torch(skip)
    step = ng.Network.from_architecture([2, 1], activation="step")
    with pytest.raises(ng.ConfigError, match="step"):
        ng.to_torch(step)


def test_missing_torch_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ng.MissingExtraError, match=r"neurograph\[torch\]"):
        ng.to_torch(ng.Network.from_architecture([2, 1]))


def test_missing_sklearn_names_the_extra(monkeypatch):
    import neurograph.interop as interop

    monkeypatch.delitem(sys.modules, "neurograph.interop.sklearn", raising=False)
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.base", None)
    with pytest.raises(ng.MissingExtraError, match=r"neurograph\[sklearn\]"):
        interop.NeuroGraphClassifier  # noqa: B018


def test_sklearn_estimator():
    pytest.importorskip("sklearn")
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.utils.estimator_checks import check_estimator

    from neurograph.interop import NeuroGraphClassifier

    X, y, _, classes = ng.data.four_classes(200, seed=0)
    names = np.array(classes)[y]  # string labels
    clf = NeuroGraphClassifier(hidden=(6,), epochs=60, batch_size=16)
    assert cross_val_score(clf, X, names, cv=3).mean() > 0.9
    grid = GridSearchCV(clf, {"alpha": [0.1, 1.0]}, cv=3).fit(X, names)
    assert grid.best_params_ == {"alpha": 1.0} and grid.best_score_ > 0.9
    p = grid.best_estimator_.predict_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert set(grid.best_estimator_.predict(X)) <= set(classes)
    # the applicable parts of sklearn's estimator checks
    results = check_estimator(NeuroGraphClassifier(epochs=20, batch_size=8), on_fail=None)
    failed = {r["check_name"]: repr(r["exception"])[:200] for r in results
              if r["status"] == "failed"}
    passed = [r for r in results if r["status"] == "passed"]
    assert failed == {} and len(passed) >= 50  # all applicable checks; 2 are skipped by sklearn


def test_graphml_round_trip(tmp_path):
    net = ng.Network.from_architecture([3, 4, 2], seed=0)
    ng.to_graphml(net, tmp_path / "n.graphml")
    back = ng.from_graphml(tmp_path / "n.graphml")
    X = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_array_equal(back.forward(X), net.forward(X))
    for a, b in zip(back.thetas, net.thetas):
        np.testing.assert_array_equal(a, b)
    (tmp_path / "bad.graphml").write_text("<graphml><oops")
    with pytest.raises(ng.FileFormatError, match="GraphML"):
        ng.from_graphml(tmp_path / "bad.graphml")


def test_pytorch_roundtrip_example(tmp_path, torch):  # the example needs PyTorch
    spec = importlib.util.spec_from_file_location("rt", ROOT / "examples" / "pytorch_roundtrip.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    r = mod.main(str(tmp_path), torch_steps=200)
    assert r["diff"] < 1e-12 and r["agree"] == 1.0
    assert r["accuracy_after"] >= r["accuracy_before"] and r["accuracy_after"] > 0.9
    assert Path(r["files"][0]).exists()
