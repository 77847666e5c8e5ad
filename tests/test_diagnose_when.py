"""Breakpoints on conditions: ng.when, trainer.steps(until=…), fit(break_on=…) under pdb."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neurograph as ng

ROOT = Path(__file__).resolve().parents[1]
X, y = ng.data.truth_table("XOR")
rng = np.random.default_rng(0)
XR = rng.normal(size=(12, 3)) * 3
YR = (XR @ np.array([1.0, 2.0, 3.0]))[:, None]


@pytest.mark.parametrize("engine", ["matrix", "graph"])
@pytest.mark.parametrize("every", ["epoch", "batch", "instance", "layer"])
def test_until_nonfinite_yields_the_first_bad_step(engine, every):
    net = ng.Network.from_architecture([3, 4, 3, 1], activation="linear",
                                       output_activation="linear", seed=1)
    ref = ng.Trainer(ng.Network.from_architecture([3, 4, 3, 1], activation="linear",
                                                  output_activation="linear", seed=1),
                     alpha=0.5, engine=engine)
    ref.fit(XR, YR, epochs=300)
    t = ng.Trainer(net, alpha=0.5, engine=engine)
    got = list(t.steps(XR, YR, every=every, epochs=300, until=ng.when.nonfinite))
    assert len(got) == 1
    step = got[0]
    assert (step.epoch, step.batch) == ref.history.diverged_at
    assert ng.when.nonfinite(step)
    if every != "layer":  # per layer it stops at the first layer that went bad
        assert step.phase == "diverged"


def test_conditions_compose_and_read():
    net = ng.Network.from_architecture([2, 2, 1], seed=3)
    t = ng.Trainer(net, alpha=2.0)
    c = ng.when.cost_above(0.6) & ng.when.unit("a2_1", lambda u: u["a"] is not None)
    assert repr(c) == "(when.cost_above(0.6) & when.unit('a2_1', …))"
    # J of XOR starts near 0.70 and falls: the first epoch's J is above 0.6 and is yielded
    step = next(t.steps(X, y, every="epoch", epochs=100, until=c))
    assert step.cost > 0.6 and step.epoch == 0
    never = ng.when.cost_above(10) | ng.when.dead
    t2 = ng.Trainer(ng.Network.from_architecture([2, 2, 1], seed=3), alpha=2.0)
    assert list(t2.steps(X, y, every="epoch", epochs=20, until=never)) == []
    assert t2.epoch == 20  # ran to the end
    with pytest.raises(ng.ConfigError, match="no unit named 'h9'"):
        next(t.steps(X, y, every="epoch", until=ng.when.unit("h9", lambda u: True)))
    with pytest.raises(ng.ConfigError):
        ng.when.nonfinite | (lambda s: True)


def test_saturated_and_dead_conditions():
    net = ng.Network.from_architecture([2, 4, 1], seed=0)
    net.weights.theta[:] *= 50
    step = next(ng.Trainer(net).steps(X, y, every="batch", epochs=1))
    assert ng.when.saturated(0.5)(step) and not ng.when.dead(step)
    relu = ng.Network.from_architecture([2, 2, 1], activation="relu",
                                        output_activation="sigmoid", seed=0)
    relu.set_bias(relu["a2_1"], -10)
    step = next(ng.Trainer(relu).steps(X, y, every="batch", epochs=1))
    assert ng.when.dead(step) and not ng.when.saturated(0.5)(step)


SCRIPT = """
import numpy as np, neurograph as ng
rng = np.random.default_rng(0)
X = rng.normal(size=(12, 3)) * 3
Y = (X @ np.array([1.0, 2.0, 3.0]))[:, None]
net = ng.Network.from_architecture([3, 4, 3, 1], activation="linear",
                                   output_activation="linear", seed=1)
h = ng.Trainer(net, alpha=0.5).fit(X, Y, epochs=300, break_on=ng.when.nonfinite)
print("after", h)
"""


def test_fit_break_on_drops_into_pdb_with_the_step(tmp_path):
    script = tmp_path / "diverge.py"
    script.write_text(SCRIPT)
    cmds = ("continue\np step.phase\np (step.epoch, step.batch)\np step.cost\n"
            "p ng.diagnose(step).kinds()[0]\np type(net).__name__\ncontinue\n")
    env = {**os.environ, "PYTHONBREAKPOINT": "pdb.set_trace",
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-m", "pdb", str(script)], input=cmds,
                         capture_output=True, text=True, timeout=120, env=env,
                         cwd=tmp_path).stdout
    ref = ng.Trainer(ng.Network.from_architecture([3, 4, 3, 1], activation="linear",
                                                  output_activation="linear", seed=1),
                     alpha=0.5)
    ref.fit(XR, YR, epochs=300)
    assert "break_on: Step(" in out
    assert "(Pdb) 'diverged'" in out
    assert f"(Pdb) {tuple(ref.history.diverged_at)}" in out
    assert "stopped='diverged'" in out and "The program finished" in out
    # the prompt is in the script's frame, where its own names are (not in the library)
    assert "(Pdb) 'nonfinite'" in out and "(Pdb) 'Network'" in out


# --- refusals and records (issue 19) --------------------------------------------------------
@pytest.mark.parametrize("bad", ["nonfinite", 3, lambda s: True, ng.when])
def test_a_non_condition_is_refused_at_the_call(bad):
    t = ng.Trainer(ng.Network.from_architecture([2, 2, 1], seed=3))
    with pytest.raises(ng.ConfigError, match="condition"):
        t.steps(X, y, until=bad)
    with pytest.raises(ng.ConfigError, match="condition"):
        t.fit(X, y, epochs=2, break_on=bad)
    assert t.epoch == 0  # refused before any training


@pytest.mark.parametrize("make", [
    lambda: ng.when.cost_above(float("nan")), lambda: ng.when.cost_above("5"),
    lambda: ng.when.cost_above(None), lambda: ng.when.saturated("a"),
    lambda: ng.when.saturated(0.5, gprime=-1), lambda: ng.when.saturated(0.5, gprime="x"),
    lambda: ng.when.unit(3, lambda u: True),
])
def test_when_refuses_what_is_not_a_condition_argument(make):
    with pytest.raises(ng.ConfigError):
        make()


def test_stuck_epochs_must_be_whole():
    from neurograph.diagnosis import Thresholds

    with pytest.raises(ng.ConfigError, match="whole"):
        Thresholds(stuck_epochs=0.5)
    assert Thresholds(stuck_epochs=4.0).stuck_epochs == 4


def test_until_records_the_condition_that_stopped_the_run():
    t = ng.Trainer(ng.Network.from_architecture([2, 2, 1], seed=3), alpha=2.0)
    step = next(t.steps(X, y, every="epoch", epochs=50, until=ng.when.cost_above(0.6)))
    h = t.history
    assert h.stopped == "until" and "when.cost_above(0.6)" in h.reason
    assert f"epoch={step.epoch}" in h.reason


def test_a_run_left_by_its_consumer_says_so():
    t = ng.Trainer(ng.Network.from_architecture([2, 2, 1], seed=3))
    gen = t.steps(X, y, every="batch", epochs=5)
    next(gen)
    gen.close()
    assert t.history.stopped == "interrupted"


def _caller_frame_fit(monkeypatch, break_on, progress=None):
    import neurograph.train.stepping as stepping

    seen = []

    def debugger(frame):  # stands in for pdb: what would a person at the prompt see?
        seen.append((dict(frame.f_locals), frame.f_code.co_name))

    monkeypatch.setattr(stepping, "_debugger", debugger)
    monkeypatch.setenv("PYTHONBREAKPOINT", "")
    my_own_name = "the caller's"  # noqa: F841  (looked up in the debugger's frame)
    net = ng.Network.from_architecture([3, 4, 3, 1], activation="linear",
                                       output_activation="linear", seed=1)
    t = ng.Trainer(net, alpha=0.5)
    t.fit(XR, YR, epochs=300, break_on=break_on, progress=progress)
    return t, seen


def test_fit_break_on_stops_in_the_callers_frame(monkeypatch, capsys):
    t, seen = _caller_frame_fit(monkeypatch, ng.when.nonfinite)
    assert len(seen) == 1
    names, code = seen[0]
    assert code == "_caller_frame_fit"
    assert names["my_own_name"] == "the caller's" and names["net"] is t.net
    assert names["step"].phase == "diverged"  # the step is in scope there too
    assert ng.diagnose(names["step"]).kinds()[0] == "nonfinite"
    assert t.history.stopped == "diverged"


def test_fit_break_on_closes_the_progress_bar_first(monkeypatch, capsys):
    import neurograph.train.trainer as trainer_mod

    bars = []

    class Bar:
        closed = False

        def update(self, k):
            pass

        def set_postfix(self, **kw):
            pass

        def close(self):
            self.closed = True

    def fake_bar(epochs, progress):
        bars.append(Bar())
        return bars[-1]

    monkeypatch.setattr(trainer_mod, "progress_bar", fake_bar)
    import neurograph.train.stepping as stepping

    closed_at_break = []
    monkeypatch.setattr(stepping, "_debugger", lambda frame: closed_at_break.append(
        bars[0].closed))
    monkeypatch.setenv("PYTHONBREAKPOINT", "")
    net = ng.Network.from_architecture([2, 2, 1], seed=3)
    ng.Trainer(net, alpha=2.0).fit(X, y, epochs=5, break_on=ng.when.cost_above(0),
                                   progress=True)
    assert closed_at_break == [True]


def test_quitting_the_debugger_at_a_divergence_keeps_the_record(monkeypatch, capsys):
    import bdb

    import neurograph.train.stepping as stepping

    def quit_(frame):
        raise bdb.BdbQuit

    monkeypatch.setattr(stepping, "_debugger", quit_)
    monkeypatch.setenv("PYTHONBREAKPOINT", "")
    t = ng.Trainer(ng.Network.from_architecture([3, 4, 3, 1], activation="linear",
                                                output_activation="linear", seed=1),
                   alpha=0.5)
    with pytest.raises(bdb.BdbQuit):
        t.fit(XR, YR, epochs=300, break_on=ng.when.nonfinite)
    assert t.history.stopped == "diverged" and t.history.diverged_at is not None


def test_saturated_judges_the_units_diagnose_judges():
    # hidden units near z = 0 (g' ≈ 0.25), the output at z ≈ 20 (g' ≈ 2e-9): under
    # cross-entropy δ(L) = a − y whatever g' is, so diagnose calls nothing saturated, and
    # the breakpoint must not either (before, it counted the output: 1 of 3 units)
    net = ng.Network.from_thetas([[[0.0, 0.1, -0.1], [0.0, -0.1, 0.1]], [[20.0, 1.0, 1.0]]])
    step = next(ng.Trainer(net).steps(X, y, every="batch", epochs=1))
    a2, a3 = step.trace.a[1], step.trace.a[2]
    assert np.all(a2 * (1 - a2) > 0.2) and np.all(a3 * (1 - a3) < 0.05 * 0.25)
    assert ng.diagnose(step).of("saturated") == []
    assert not ng.when.saturated(0.3)(step)
