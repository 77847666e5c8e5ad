"""Drive examples/step_through.py under pdb with scripted commands."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import neurograph as ng

ROOT = Path(__file__).resolve().parents[1]


def test_pdb_session_prints_deltas():
    cmds = "continue\np step.phase\np net['a3_1'].delta.tolist()\np net['a2_1'].delta\ncontinue\n"
    env = {**os.environ, "PYTHONBREAKPOINT": "pdb.set_trace"}
    env.pop("NO_BREAK", None)
    out = subprocess.run([sys.executable, "-m", "pdb", str(ROOT / "examples" / "step_through.py")],
                         input=cmds, capture_output=True, text=True, timeout=120, env=env,
                         cwd=ROOT).stdout
    # δ(3) = a(3) − y at the initial weights, computed here independently
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=3)
    expect = (net.forward(X)[:, 0] - y).tolist()
    assert "'backward layer 3'" in out
    line = next(ln for ln in out.splitlines() if ln.lstrip("(Pdb) ").startswith("[")
                and "," in ln)
    got = [float(v) for v in line.split("[", 1)[1].rstrip("]").split(",")]
    np.testing.assert_allclose(got, expect, rtol=1e-12)
    assert "(Pdb) None" in out  # δ(2) does not exist yet
    assert "update" in out and "The program finished" in out


def test_step_through_runs_plainly():
    env = {**os.environ, "NO_BREAK": "1"}
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "step_through.py")],
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("phase='update'") == 2


def test_step_through_runs_plainly_with_no_one_at_the_keyboard():
    # as the README runs it, from a script: no terminal, no NO_BREAK — no BdbQuit traceback
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "step_through.py")],
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                       env={k: v for k, v in os.environ.items() if k != "NO_BREAK"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("phase='update'") == 2
