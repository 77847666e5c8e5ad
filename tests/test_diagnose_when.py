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
    cmds = "continue\np step.phase\np (step.epoch, step.batch)\np step.cost\ncontinue\n"
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
