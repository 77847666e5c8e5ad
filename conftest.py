"""Collection rules for the whole tree (tests and the package's doctests).

The doctests of a module that needs an optional extra (scikit-learn, PyTorch)
are skipped when that extra is not installed, the way networkx skips its
pygraphviz modules. ``--without torch`` (repeatable) makes pytest act as if a
package were missing, to check exactly that.
"""

import importlib.util
import sys

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
    for package in config.getoption("without"):
        sys.modules[package] = None
    collect_ignore[:] = [path for path, package in EXTRAS.items() if _missing(package)]
