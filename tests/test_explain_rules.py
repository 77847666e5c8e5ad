"""ng.explain follows the trainer's rules: frozen links, silenced units, diverged networks.

Issue 19, items 5 and 10 (explain's α).
"""

import re

import numpy as np
import pytest

import neurograph as ng
from neurograph.cli import main
from neurograph.teaching.textbook import mazur_network

MAZUR = ([[0.35, 0.15, 0.20], [0.35, 0.25, 0.30]], [[0.60, 0.40, 0.45], [0.60, 0.50, 0.55]])
X, Y = [0.05, 0.10], [0.01, 0.99]


def mazur():
    return mazur_network()  # Θ = MAZUR, units i1, i2, h1, h2, o1, o2


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def trained_once(net, alpha):
    """Θ after the Trainer's own single full-batch step on (X, Y), mse."""
    copy = net.copy()
    ng.Trainer(copy, alpha=alpha, loss="mse", seed=0).fit([X], [Y], epochs=1)
    return [t.copy() for t in copy.thetas]


def updated(we, L=3):
    """The updated Θ(l) read back from the worked example's values."""
    out = []
    for l, T in enumerate(MAZUR, 1):
        T = np.array(T)
        out.append(np.array([[we.values[f"Theta({l})_{j + 1},{i}"] for i in range(T.shape[1])]
                             for j in range(T.shape[0])]))
    return out


@pytest.mark.parametrize("freeze", ["bias", "link"])
def test_frozen_weights_stay_as_the_trainer_leaves_them(freeze):
    net = mazur()
    if freeze == "bias":
        net.freeze("bias")
    else:
        net.link("h1", "o1").frozen = True
    we = ng.explain(net, X, Y, alpha=0.5, loss="mse")
    for ours, trainer in zip(updated(we), trained_once(net, 0.5)):
        np.testing.assert_array_equal(ours, trainer)
    key = "Theta(1)_1,0" if freeze == "bias" else "Theta(2)_1,1"
    start = 0.35 if freeze == "bias" else 0.40
    assert we.values[key] == start and "frozen" in we.line(key)
    assert "frozen" not in we.line("Theta(1)_1,1" if freeze == "bias" else "Theta(2)_1,0")
    # the student who leaves the frozen weight alone is right
    chk = ng.check_by_hand(net, X, Y, {key: str(start)}, alpha=0.5, loss="mse")
    assert chk.ok, str(chk)


def test_the_unfrozen_update_is_the_trainers():
    net = mazur()
    we = ng.explain(net, X, Y, alpha=0.5, loss="mse")
    for ours, trainer in zip(updated(we), trained_once(net, 0.5)):
        np.testing.assert_allclose(ours, trainer, rtol=0, atol=1e-15)
    assert we.values["Theta(2)_1,1"] == pytest.approx(0.35891648, abs=1e-8)  # Mazur's post


def test_a_silenced_unit_shows_as_silenced():
    net = mazur()
    with net.lesion(units=["h1"]):
        we = ng.explain(net, X, Y, alpha=0.5, loss="mse")
    a_line, d_line = we.line("a(2)_1"), we.line("delta(2)_1")
    assert "silenced" in a_line and "g(0.3775)" not in a_line and we.values["a(2)_1"] == 0
    assert "silenced" in d_line and "g'" not in d_line and we.values["delta(2)_1"] == 0
    assert not any(eq.kind == "gprime" and eq.who == "h1" for eq in we.equations)
    # the rest is the network without h1's output, computed independently
    a22 = sigmoid(0.35 + 0.25 * 0.05 + 0.30 * 0.10)
    assert we.values["a(3)_1"] == pytest.approx(sigmoid(0.60 + 0.45 * a22), abs=1e-15)
    for text in (we.to_text(), we.to_markdown(), we.to_latex(), we.to_html()):
        assert "silenced" in text


def test_a_silenced_input_shows_as_silenced():
    net = mazur()
    with net.lesion(units=["i1"]):
        we = ng.explain(net, X, Y, loss="mse")
    assert "silenced" in we.line("a(1)_1") and we.values["a(1)_1"] == 0
    assert we.values["z(2)_1"] == pytest.approx(0.35 + 0.20 * 0.10, abs=1e-15)


def diverged():
    # a linear 2-2-1 network with weights a diverged run leaves (~1e200): a(3) ~ 1e200,
    # ½(a − y)² overflows to inf
    net = ng.Network.from_thetas([np.full((2, 3), 1e100), np.full((1, 3), 1e100)],
                                 activation="linear")
    return net


def test_a_diverged_network_is_written_with_inf():
    net = diverged()
    with np.errstate(over="ignore", invalid="ignore"):
        J = net.cost([[1.0, 1.0]], [[0.0]], loss="mse", lam=1.0)
    assert np.isposinf(J)
    we = ng.explain(net, [1.0, 1.0], [0.0], loss="mse", lam=1.0, alpha=0.1)
    assert np.isposinf(we.values["J"])
    assert re.search(r"= inf$", we.line("J"))
    for text in (we.to_text(), we.to_markdown(), we.to_latex(), we.to_html()):
        assert "inf" in text
    assert r"\infty" in we.to_latex()


def test_a_diverged_network_on_the_command_line(tmp_path, capsys):
    p = tmp_path / "diverged.ngz"
    ng.save(diverged(), p)
    code = main(["explain", str(p), "--x", "1,1", "--y", "0", "--loss", "mse", "--lam", "1"])
    out, err = capsys.readouterr()
    assert code == 0 and err == "" and re.search(r"J = .* = inf$", out, re.M)


@pytest.mark.parametrize("alpha", [True, np.bool_(True), float("nan"), float("inf"), -0.5, 0,
                                   "0.5", [0.5]])
def test_alpha_must_be_a_learning_rate(alpha):
    with pytest.raises(ng.ConfigError, match=r"alpha must be a finite number > 0, got"):
        ng.explain(mazur(), X, Y, alpha=alpha, loss="mse")


@pytest.mark.parametrize("lam", [True, float("nan"), -1, "1"])
def test_lam_must_be_a_number(lam):
    with pytest.raises(ng.ConfigError, match=r"lam \(λ\) must be a finite number ≥ 0, got"):
        ng.explain(mazur(), X, Y, lam=lam, loss="mse")
