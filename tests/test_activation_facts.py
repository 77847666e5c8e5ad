"""Each activation's facts (range, largest slope, saturation, dying) agree with g itself,
and leaky_relu, added as one definition, runs through every part."""

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest

import neurograph as ng
from neurograph.model.activations import get_activation, known_activations

Z = np.linspace(-60.0, 60.0, 240001)


@pytest.mark.parametrize("name", [n for n in known_activations() if n != "softmax"])
def test_facts_agree_with_g_sampled(name):
    act = get_activation(name)
    a = act.g(Z)
    # g' by central differences of g, never the library's own dg
    h = 1e-6
    num = (act.g(Z + h) - act.g(Z - h)) / (2 * h)
    smooth = np.abs(Z) > 1e-3          # away from the kinks at 0
    lo, hi = act.range
    assert np.all(a >= lo) and np.all(a <= hi)
    if act.max_slope is not None:
        assert np.max(num[smooth]) == pytest.approx(act.max_slope, rel=1e-3, abs=1e-9)
    tails = num[np.abs(Z) > 50]
    assert act.saturates == bool(np.all(np.abs(tails) < 1e-9) and act.max_slope)
    half = (np.all(num[Z < -1] == 0) or np.all(num[Z > 1] == 0)) and np.max(num[smooth]) > 0
    assert act.can_die == bool(half)


def test_leaky_relu_matches_pytorch_autograd():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    net = ng.Network.from_architecture([3, 4, 2], activation="leaky_relu",
                                      output_activation="sigmoid", seed=1)
    X, y = rng.normal(size=(7, 3)), rng.integers(0, 2, size=(7, 2)).astype(float)
    T1, T2 = (torch.tensor(t.copy(), requires_grad=True) for t in net.thetas)
    Xt = torch.tensor(X)
    a2 = torch.nn.functional.leaky_relu(Xt @ T1[:, 1:].T + T1[:, 0], 0.01)
    z3 = a2 @ T2[:, 1:].T + T2[:, 0]
    J = torch.nn.functional.binary_cross_entropy_with_logits(z3, torch.tensor(y),
                                                             reduction="sum") / 7
    J.backward()
    assert net.cost(X, y) == pytest.approx(J.item(), rel=1e-12)
    D1, D2 = net.gradients(X, y)
    np.testing.assert_allclose(D1, T1.grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(D2, T2.grad.numpy(), rtol=1e-10, atol=1e-13)


def test_leaky_relu_saves_loads_and_gradchecks(tmp_path):
    net = ng.Network.from_architecture([2, 3, 1], activation="leaky_relu", seed=0)
    X = np.array([[0.5, -1.0], [-2.0, 0.3], [1.5, 1.5]])
    y = np.array([1, 0, 1])
    assert ng.gradcheck(net, X, y).ok
    ng.save(net, tmp_path / "l.ngz")
    back = ng.load(tmp_path / "l.ngz")
    assert [u.activation.name for u in back.layers[1].nodes] == ["leaky_relu"] * 3
    np.testing.assert_array_equal(back.forward(X), net.forward(X))


def test_leaky_relu_round_trips_through_pytorch():
    pytest.importorskip("torch")
    net = ng.Network.from_architecture([2, 3, 1], activation="leaky_relu", seed=0)
    X = np.array([[0.5, -1.0], [-2.0, 0.3]])
    back = ng.from_torch(ng.to_torch(net))
    np.testing.assert_allclose(back.forward(X), net.forward(X), rtol=1e-12)
    import torch
    with pytest.raises(ng.ConfigError, match="slope 0.2"):
        ng.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.LeakyReLU(0.2)))


def test_explain_writes_leaky_relus_derivative_from_its_definition():
    net = ng.Network.from_thetas([[[0.0, -2.0], [0.5, 1.0]], [[0.1, 1.0, -1.0]]],
                                 activation="leaky_relu", output_activation="sigmoid")
    text = ng.explain(net, [1.0], [1]).to_text()
    # z(2)_1 = −2 (g' = 0.01), z(2)_2 = 1.5 (g' = 1), written as the definition says
    assert "1 if z" in text and "else 0.01" in text
    rows = [ln for ln in text.splitlines() if "g'(z(2)_" in ln.split("=")[0]]
    assert [r.rsplit("=", 1)[1].strip() for r in rows] == ["0.01", "1"]


def test_dead_relu_units_are_advised_leaky_relu_and_leaky_units_never_die():
    X = np.array([[0.5, 1.0], [1.0, 0.2], [0.1, 0.9]])
    y = np.array([1, 0, 1])
    for act, dies in (("relu", True), ("leaky_relu", False)):
        net = ng.Network.from_architecture([2, 3, 1], activation=act, seed=0)
        for u in net.layers[1]:
            net.set_bias(u, -10.0)
        d = ng.diagnose(net.backward(X, y), net=net)
        assert ("dead" in d.kinds()) == dies
        if dies:
            dead = next(f for f in d if f.kind == "dead")
            assert "leaky_relu" in dead.advice


def test_the_explorer_page_of_a_leaky_relu_network_carries_its_g_prime(tmp_path):
    net = ng.Network.from_architecture([2, 3, 1], activation="leaky_relu", seed=0)
    X, y = ng.data.truth_table("XOR")
    steps = list(ng.Trainer(net, alpha=0.5).steps(X, y, epochs=3))
    page = ng.player(steps, tmp_path / "p.html", net=net, X=X, y=y)
    text = Path(page).read_text(encoding="utf-8")
    data = json.loads(re.search(r"const DATA = (\{.*?\});</script>", text).group(1))
    flat = np.frombuffer(base64.b64decode(data["packed"]["b64"]), dtype=np.float32)
    tr, start = steps[0].trace, data["offsets"]["frame"][0]
    p = start + 2 * tr.theta.size + 4 * 2  # after θ, D and the inputs (frame 0 only)
    z2, dg2 = flat[p:p + 12].reshape(4, 3), flat[p + 36:p + 48].reshape(4, 3)
    np.testing.assert_allclose(z2, tr.z[1], rtol=1e-6)
    # g'(z) of leaky ReLU by hand: 1 above 0, its slope 0.01 below
    np.testing.assert_allclose(dg2, np.where(tr.z[1] > 0, 1.0, 0.01), rtol=1e-6)
    assert (tr.z[1] < 0).any() and (tr.z[1] > 0).any()  # both branches are on the page
