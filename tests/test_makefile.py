"""`make demo`/`make test`: what each installs, and waiting for the package manager's lock."""

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


def _pip_installs(target: str) -> list[str]:
    """The `pip install` lines `make TARGET` would run in a fresh clone (no .venv yet)."""
    r = subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True,
                       text=True, check=True)
    return [line for line in r.stdout.splitlines()
            if "pip install" in line and "--upgrade pip" not in line]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_demo_installs_the_plot_extra_and_not_the_test_extras():
    # PyTorch and the test tools took most of a fresh `make demo`'s 71 s; the lecture needs
    # neither (the package and matplotlib install in about 18 s)
    installs = _pip_installs("demo")
    assert installs, "make demo installs nothing"
    extras = {e for line in installs for m in re.finditer(r"\.\[([^\]]*)\]", line)
              for e in m.group(1).split(",")}
    assert extras == {"plot"}, installs
    assert not any("torch" in line for line in installs), installs


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_test_still_installs_every_extra_by_itself():
    installs = " ".join(_pip_installs("test"))
    extras = {e for m in re.finditer(r"\.\[([^\]]*)\]", installs) for e in m.group(1).split(",")}
    assert "test" in extras, installs  # the test extra pulls torch, scikit-learn, matplotlib
