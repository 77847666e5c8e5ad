"""One base error, one subclass per kind of mistake.

Every message says what was expected and what came, so a user at a prompt can
fix the call without reading the source.

>>> import neurograph as ng
>>> issubclass(ng.CycleError, ng.NeurographError)
True
"""

import warnings


class NeurographError(Exception):
    """Base of every error neurograph raises on purpose."""


class TopologyError(NeurographError, ValueError):
    """A link or node that the network cannot take (duplicate, foreign, into an input)."""


class CycleError(TopologyError):
    """A link that would close a cycle; feed-forward networks have none."""


class ActivationError(NeurographError, ValueError):
    """An unknown activation name, or a user-supplied one that fails validation."""


class ShapeError(NeurographError, ValueError):
    """An array of the wrong shape or width."""


class InputValueError(NeurographError, ValueError):
    """NaN or inf where finite numbers were expected."""


class LabelError(NeurographError, ValueError):
    """Labels out of range, of the wrong kind, or not matching the instances."""


class EmptyNetworkError(NeurographError, ValueError):
    """A pass asked of a network with no inputs or no outputs."""


class CompileError(NeurographError, ValueError):
    """A graph that cannot be compiled to Θ matrices (not layered, skip links)."""


class FileFormatError(NeurographError, ValueError):
    """A checkpoint or data file that is truncated, corrupt, hand-edited or of another version."""


class ConfigError(NeurographError, ValueError):
    """An option or combination of options that does not make sense."""


class NonFiniteError(NeurographError, FloatingPointError):
    """A NaN or inf appeared in J, D(l) or a weight during training (it diverged)."""


class StaleTraceError(ConfigError):
    """A Trace (or plan) of another network, or recorded before this one's topology
    changed or it was compiled: its columns no longer mean the same units."""


class MissingExtraError(NeurographError, ImportError):
    """An optional dependency is not installed; the message names the extra."""


def renamed(old: str, new: str) -> None:
    """Warn that ``old`` is a former name of ``new``: the old name still works, and the
    warning points at the caller's line (the old name's own code is one frame up).

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     renamed("trace.w", "trace.theta")
    >>> str(caught[0].message)
    'trace.w is renamed trace.theta; use trace.theta (trace.w will be removed)'
    """
    warnings.warn(f"{old} is renamed {new}; use {new} ({old} will be removed)",
                  DeprecationWarning, stacklevel=3)


__all__ = [
    "NeurographError",
    "TopologyError",
    "CycleError",
    "ActivationError",
    "ShapeError",
    "InputValueError",
    "LabelError",
    "EmptyNetworkError",
    "CompileError",
    "FileFormatError",
    "ConfigError",
    "NonFiniteError",
    "StaleTraceError",
    "MissingExtraError",
]
