"""Engines: run passes over a network and fill a Trace.

``graph`` runs any feed-forward DAG unit by unit; ``matrix`` runs the compiled
Θ(l). Both implement one :class:`~neurograph.engines.base.Engine` interface,
and one driver, :class:`~neurograph.engines.sweep.Pass`, sweeps either layer
by layer. ``engine="auto"`` uses the matrix engine when the network compiles
and the graph engine otherwise; on layered networks both give the same numbers.
"""

from .base import Engine, Phase
from .passes import (
    Gradients,
    cost_and_gradients,
    cross_entropy_outputs,
    run_backward,
    run_forward,
)
from .sweep import ENGINES, Pass, choose, make_engine
from .trace import Trace

__all__ = ["ENGINES", "Engine", "Gradients", "Pass", "Phase", "Trace", "choose",
           "cost_and_gradients", "cross_entropy_outputs", "make_engine", "run_backward",
           "run_forward"]
