"""On CI (the environment variable CI set) a skipped test is a failure: CI installs
everything, so a skip there means a test silently did not run."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SKIPPING = '''
import pytest

def test_skips_itself():
    pytest.skip("needs a thing")

@pytest.mark.skipif(True, reason="needs another thing")
def test_marked():
    pass

@pytest.mark.xfail(reason="a known bug: not a skip")
def test_expected_to_fail():
    assert False

def test_runs():
    pass
'''

MODULE_SKIP = '''
import pytest
pytest.importorskip("no_such_package_for_neurograph")

def test_never_collected():
    pass
'''


def _run(tmp_path, ci: str | None, test: str) -> str:
    """pytest's summary line for one test file run with this repository's conftest."""
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_it.py").write_text(test, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(tmp_path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    # warnings from installed plugins (outside this test's say) are left out of the line
    return re.sub(r", \d+ warnings?", "", done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("ci", ["true", "1"])
def test_on_ci_every_skip_is_a_failure(tmp_path, ci):
    # a skip in the test's body fails it; a skipif mark (the setup phase) is an error
    assert _run(tmp_path, ci, SKIPPING).startswith("1 failed, 1 passed, 1 xfailed, 1 error in ")
    # a whole module skipped is a collection error: nothing of it ran
    assert _run(tmp_path, ci, MODULE_SKIP).startswith("1 error in ")


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_off_ci_a_skip_stays_a_skip(tmp_path, ci):
    assert _run(tmp_path, ci, SKIPPING).startswith("1 passed, 2 skipped, 1 xfailed in ")
    assert _run(tmp_path, ci, MODULE_SKIP).startswith("1 skipped in ")


def test_the_ci_script_runs_make_test_with_CI_set(tmp_path):
    # a stand-in `make` first on PATH reports what the script ran it with
    fake = tmp_path / "make"
    fake.write_text('#!/bin/sh\necho "CI=$CI make $*"\n', encoding="utf-8")
    fake.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PATH"] = f"{tmp_path}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(["bash", str(ROOT / ".ci" / "run")], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "CI=true make test"


def test_a_missing_extra_skips_only_the_tests_that_use_it():
    # --without hides an installed package; the rest of each file still runs
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "no:randomly", "-rs", "--without", "torch", "--without",
                           "sklearn", "--without", "selenium", "tests/test_engines.py",
                           "tests/test_interop.py", "tests/test_player.py"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
    skipped = sorted(line.split(": could not import ")[1].split(":")[0]
                     for line in done.stdout.splitlines() if line.startswith("SKIPPED"))
    # one line per test that skipped (parametrized cases counted in brackets)
    assert skipped == ["'selenium.webdriver'", "'sklearn'"] + ["'torch'"] * 4, done.stdout
    passed = int(done.stdout.strip().splitlines()[-1].split(" passed")[0])
    assert passed >= 30, done.stdout[-2000:]


HARDWARE = '''
import pytest

@pytest.mark.hardware
@pytest.mark.skipif(True, reason="no CUDA GPU visible to PyTorch here")
def test_on_a_gpu():
    pass

@pytest.mark.skipif(True, reason="a missing package")
def test_not_hardware():
    pass
'''


def test_on_ci_only_a_hardware_skip_stays_a_skip(tmp_path):
    # a GPU cannot be installed: its test may skip on CI; any other skip still fails
    assert _run(tmp_path, "true", HARDWARE).startswith("1 skipped, 1 error in ")
