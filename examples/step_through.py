"""Step through backprop on XOR, layer by layer, and stop in the debugger.

Run it under pdb, or from a terminal (it stops at the breakpoint); with no one to
type at it (input from a pipe or a file, or NO_BREAK=1) it just prints the steps:

    python -m pdb examples/step_through.py
    (Pdb) continue                 # runs to the breakpoint() below
    (Pdb) p step                   # Step(epoch=0, batch=0, phase='backward layer 3', J=…)
    (Pdb) p net["a3_1"].delta      # δ(3) = a(3) − y, one value per instance
    (Pdb) p net["a2_1"].delta      # None: δ(2) is not computed yet
    (Pdb) continue

Each ``next`` of the generator resumes exactly where training paused.
"""

from __future__ import annotations

import os
import sys

import neurograph as ng

# stop only where someone can type: under pdb (which reads its commands from any
# stdin), or at a terminal; a plain run from a script or CI just prints
stop = ("pdb" in sys.modules or sys.stdin.isatty()) and not os.environ.get("NO_BREAK")

X, y = ng.data.truth_table("XOR")
net = ng.Network.from_architecture([2, 2, 1], seed=3)
trainer = ng.Trainer(net, alpha=2.0)

for step in trainer.steps(X, y, every="layer", epochs=2):
    print(step)
    if stop and step.epoch == 0 and step.phase == "backward layer 3":
        breakpoint()  # δ(3) exists here, δ(2) does not yet
    if step.phase == "update":
        print("   Θ(2) after the update:", net.theta(2).round(4).tolist())
