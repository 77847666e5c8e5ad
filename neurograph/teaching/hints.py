"""Refusals that name what to change: Python arguments from Python, flags from the CLI.

A refusal carries its template and how each parameter it names is spelled in
each front end; ``str()`` is the Python spelling, :func:`for_cli` the command
line's, so neither front end rewrites the other's words.

>>> from neurograph.errors import ConfigError
>>> exc = refusal(ConfigError, "pick a sub-network with {units}",
...               units=Spelling("units=['a3_1']", "--units a3_1"))
>>> str(exc)
"pick a sub-network with units=['a3_1']"
>>> str(for_cli(exc))
'pick a sub-network with --units a3_1'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Spelling:
    """One parameter as a Python argument and as a command-line flag."""

    python: str
    cli: str


# the parameters of ng.explain and their flags in `neurograph explain`
ALPHA = Spelling("alpha", "--alpha")
LAM = Spelling("lam (λ)", "--lam")  # spelled as check_lam spells it
DIGITS = Spelling("digits", "--digits")
UNITS = Spelling("units", "--units")
MAX_LINKS_ARG = Spelling("max_links", "--max-links")
UNITS_ARG = Spelling("units=[names]", "--units NAME,NAME")
ONE_INSTANCE = Spelling("X[:1], y[:1]", "one instance in --x and --y")


def units_example(names: list[str]) -> Spelling:
    """units=['a3_1', 'a3_2'] in Python, --units a3_1,a3_2 on the command line."""
    return Spelling(f"units={list(names)!r}", "--units " + ",".join(names))


def literal(text: str) -> str:
    """A value to put into a template as it is (its braces are not placeholders)."""
    return text.replace("{", "{{").replace("}", "}}")


def refusal(kind: type, template: str, **params: Spelling) -> Exception:
    """An error of ``kind`` whose message spells ``params`` as Python arguments."""
    exc = kind(template.format(**{k: p.python for k, p in params.items()}))
    exc.template, exc.params = template, params
    return exc


def for_cli(exc: Exception) -> Exception:
    """The same refusal worded for the command line (other errors are returned as they are)."""
    template = getattr(exc, "template", None)
    if template is None:
        return exc
    return type(exc)(template.format(**{k: p.cli for k, p in exc.params.items()}))
