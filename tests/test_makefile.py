"""`make demo`/`make test` wait for the package manager's lock instead of failing."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_every_apt_get_call_waits_for_the_lock():
    # make -n prints the recipes as the shell would get them, variables expanded
    r = subprocess.run(["make", "-n", "-B", "system-deps", "browser-deps"], cwd=ROOT,
                       capture_output=True, text=True, check=True)
    calls = [m for m in re.finditer(r"(?<!sudo )apt-get(?P<opts>[^;&|]*)", r.stdout)]
    assert len(calls) == 4  # update and install, for graphviz and for chromium
    for m in calls:
        assert m.group("opts").startswith(" -o DPkg::Lock::Timeout=600 "), m.group(0)
