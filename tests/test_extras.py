"""The package's doctests collect and pass without the optional extras (scikit-learn, torch)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HIDDEN_RUN = """
import sys
import pytest
sys.modules["sklearn"] = None  # an import of a None entry raises ImportError: "not installed"
sys.modules["torch"] = None
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "neurograph/interop"]))
"""


def test_doctests_of_modules_needing_a_missing_extra_are_skipped_not_failed():
    done = subprocess.run([sys.executable, "-c", HIDDEN_RUN], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "error" not in done.stdout.lower()
    assert " passed" in done.stdout  # graphml's doctests still ran


def test_the_without_option_hides_installed_extras():
    # both at once: scipy (under scikit-learn) trips over a torch entry of None in sys.modules
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--without", "torch", "--without", "sklearn", "--collect-only",
                           "neurograph/interop"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "interop/graphml.py" in done.stdout
    assert "interop/torch.py" not in done.stdout and "interop/sklearn.py" not in done.stdout
