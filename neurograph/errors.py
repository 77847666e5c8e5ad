"""One base error, one subclass per kind of mistake.

Every message says what was expected and what came, so a user at a prompt can
fix the call without reading the source.

>>> import neurograph as ng
>>> issubclass(ng.CycleError, ng.NeurographError)
True
"""

import functools
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


class PositionError(NeurographError, IndexError):
    """A unit asked for by a position its layer or grid does not have."""


class UnknownNameError(NeurographError, KeyError):
    """A name looked up where no such name is (still a KeyError for ``in``-style code)."""

    def __str__(self) -> str:  # KeyError's own would show the message in quotes
        return str(self.args[0]) if self.args else ""


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


def renamed_keywords(where: str, **renames: str):
    """Decorate a public function whose keyword ``old`` is now ``new`` (``old="new"``):
    a call with the old keyword warns (as :func:`renamed`, at the caller's line) and
    passes it on under the new one; a call with both is a ConfigError. Each door users
    call is decorated, so the warning points at their line and never at the package's.

    >>> @renamed_keywords("f", instance="row")
    ... def f(row=None):
    ...     return row
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     f(instance=2)
    2
    >>> str(caught[0].message)
    'f(instance=) is renamed f(row=); use f(row=) (f(instance=) will be removed)'
    >>> f(row=1, instance=2)
    Traceback (most recent call last):
    ...
    neurograph.errors.ConfigError: f got row=1 and its former name instance=2: pass row= only
    """
    def decorate(fn):
        @functools.wraps(fn)
        def call(*args, **kwargs):
            for old, new in renames.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise ConfigError(f"{where} got {new}={kwargs[new]!r} and its former name "
                                      f"{old}={kwargs[old]!r}: pass {new}= only")
                renamed(f"{where}({old}=)", f"{where}({new}=)")
                kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        return call

    return decorate


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
