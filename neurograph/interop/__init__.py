"""Interop: PyTorch (``to_torch``/``from_torch``), scikit-learn (``NeuroGraphClassifier``)
and GraphML. Optional dependencies are imported only when used; a missing one
raises MissingExtraError naming the pip extra."""

from .graphml import from_graphml, to_graphml
from .torch import from_torch, to_torch


def __getattr__(name):
    if name == "NeuroGraphClassifier":
        try:
            from .sklearn import NeuroGraphClassifier
        except ImportError:  # pragma: no cover
            from ..errors import MissingExtraError

            raise MissingExtraError("scikit-learn is not installed: pip install "
                                    "'neurograph[sklearn]'") from None
        return NeuroGraphClassifier
    raise AttributeError(name)


__all__ = ["NeuroGraphClassifier", "from_graphml", "from_torch", "to_graphml", "to_torch"]
