"""Collection rules for the whole tree (tests and the package's doctests).

The doctests of a module that needs an optional extra (scikit-learn, PyTorch)
are skipped when that extra is not installed, the way networkx skips its
pygraphviz modules. ``--without torch`` (repeatable) makes pytest act as if a
package were missing, to check exactly that.

On CI (the environment variable CI set, as `.ci/run` and every hosted CI do)
nothing may be skipped: CI installs every extra and system tool, so a skip
there means a test silently did not run, and it is reported as a failure. The
one exception is hardware no install can bring: a test marked
``@pytest.mark.hardware`` (a GPU) may skip, with its one-line reason.
"""

import importlib.util
import os
import sys

import pytest

# module (relative to this folder) -> the optional package its doctests need
EXTRAS = {
    "neurograph/interop/sklearn.py": "sklearn",
    "neurograph/interop/torch.py": "torch",
    "neurograph/engines/torch_backend.py": "torch",
}

collect_ignore: list[str] = []


def pytest_addoption(parser):
    parser.addoption("--without", action="append", default=[], metavar="PACKAGE",
                     help="act as if PACKAGE (an optional extra: torch, sklearn) were not "
                          "installed")


def _missing(package: str) -> bool:
    if package in sys.modules:
        return sys.modules[package] is None  # None: an import of it raises ImportError
    return importlib.util.find_spec(package) is None


def pytest_configure(config):
    config.addinivalue_line("markers", "hardware: needs hardware CI may lack (a GPU); "
                                       "its skip is allowed on CI")
    for package in config.getoption("without"):
        sys.modules[package] = None
    collect_ignore[:] = [path for path, package in EXTRAS.items() if _missing(package)]


def on_ci() -> bool:
    """CI=true (GitHub, GitLab, `.ci/run`); unset, empty, 0 or false locally."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _fail_skip(report) -> None:
    # longrepr of a skip is (file, line, "Skipped: reason"); a failure's is text
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
    report.outcome = "failed"
    report.longrepr = f"skipped on CI, where every dependency is installed: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail") and on_ci() \
            and item.get_closest_marker("hardware") is None:
        _fail_skip(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and on_ci():  # a module-level skip: every test in it did not run
        _fail_skip(report)
