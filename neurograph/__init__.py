"""neurograph: an object-graph neuron simulator.

Build networks from explicit nodes and links as the lecture draws them, run
them forward and backward on the object graph or compiled to Θ matrices, and
see every z, a, δ and share of blame.

>>> import neurograph as ng
>>> net = ng.Network.from_architecture([2, 2, 1], seed=0)
>>> net.forward([0.0, 1.0]).shape
(1, 1)
"""

from . import data
from .checkpoint import load, save
from .data import one_hot
from .diagnose import Diagnosis, diagnose, when  # ng.diagnose: the function
from .engines import Trace, cost_and_gradients
from .engines.gradcheck import GradCheckReport, gradcheck
from .errors import (
    ActivationError,
    CompileError,
    ConfigError,
    CycleError,
    EmptyNetworkError,
    FileFormatError,
    InputValueError,
    LabelError,
    MissingExtraError,
    NeurographError,
    NonFiniteError,
    ShapeError,
    StaleTraceError,
    TopologyError,
)
from .explain import check_by_hand, explain, textbook  # ng.explain: the function
from .interop import from_graphml, from_torch, to_graphml, to_torch
from .model import (
    Activation,
    Layer,
    Link,
    Network,
    Node,
    get_activation,
    known_activations,
    register_activation,
)
from .render import RenderError, diagram, hidden_unit_grid, player
from .train import History, PerceptronResult, Step, Trainer, perceptron

__version__ = "0.1.0"

__all__ = [
    "from_graphml", "from_torch", "to_graphml", "to_torch",
    "Activation", "ActivationError", "CompileError", "ConfigError", "CycleError",
    "EmptyNetworkError", "FileFormatError", "GradCheckReport", "History", "InputValueError",
    "LabelError", "Layer", "Link", "MissingExtraError", "Network", "NeurographError", "Node",
    "NonFiniteError", "StaleTraceError",
    "PerceptronResult", "RenderError", "ShapeError", "Step", "TopologyError", "Trace", "Trainer",
    "check_by_hand", "cost_and_gradients", "data", "diagram", "explain", "get_activation",
    "gradcheck", "hidden_unit_grid", "textbook",
    "Diagnosis", "diagnose", "when",
    "known_activations", "load", "one_hot", "perceptron", "player", "register_activation", "save",
]
