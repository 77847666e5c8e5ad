"""neurograph: an object-graph neuron simulator.

Build networks from explicit nodes and links as the lecture draws them, run
them forward and backward on the object graph or compiled to Θ matrices, and
see every z, a, δ and share of blame.

>>> import neurograph as ng
>>> net = ng.Network.from_architecture([2, 2, 1], seed=0)
>>> net.forward([0.0, 1.0]).shape
(1, 1)

The top-level names are loaded on first use (PEP 562), so ``import
neurograph.model`` alone does not pull in the engines, training, rendering,
interop or the command line.
"""

import importlib as _importlib

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
    PositionError,
    ShapeError,
    StaleTraceError,
    TopologyError,
    UnknownNameError,
)

__version__ = "0.1.0"

# name -> submodule that defines it; a name equal to its submodule is the module itself
_WHERE = {
    "data": "data", "one_hot": "data",
    "Activation": "model", "Layer": "model", "Link": "model", "Network": "model",
    "Node": "model", "get_activation": "model", "known_activations": "model",
    "register_activation": "model",
    "Trace": "engines", "cost_and_gradients": "engines",
    "GradCheckReport": "engines.gradcheck", "gradcheck": "engines.gradcheck",
    "History": "train", "PerceptronResult": "train", "Step": "train", "Trainer": "train",
    "perceptron": "train",
    "load": "checkpoint", "save": "checkpoint",
    "RenderError": "render", "diagram": "lab", "hidden_unit_grid": "render",
    "player": "explorer", "plot_decision_boundary": "explorer", "explore": "explorer.live",
    "plot_hidden_units": "render.plots",
    "check_by_hand": "teaching", "explain": "teaching.worked", "textbook": "teaching",
    "check_backprop": "teaching.check", "exercise": "teaching.exercises",
    "exercises": "teaching.sheets",
    "from_graphml": "interop", "from_torch": "interop", "to_graphml": "interop",
    "to_torch": "interop",
    "Comparison": "lab", "LesionStudy": "lab", "compare": "lab", "lesion_study": "lab",
    "Diagnosis": "diagnosis", "diagnose": "diagnosis.api", "when": "diagnosis",
    # the parts themselves, as ``import neurograph`` used to bind them
    "model": "model", "engines": "engines", "train": "train", "checkpoint": "checkpoint",
    "render": "render", "interop": "interop", "notation": "notation",
    "diagnosis": "diagnosis", "teaching": "teaching", "explorer": "explorer", "lab": "lab",
}


def _load(name: str):
    where = _WHERE[name]
    module = _importlib.import_module(f"{__name__}.{where}")
    return module if where == name else getattr(module, name)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = _load(name)
    globals()[name] = value  # later look-ups are plain attribute reads
    return value


def __dir__():
    own = {n for n in globals() if n.startswith("__") or not n.startswith("_")}
    return sorted((own - {"__dir__", "__getattr__"}) | set(__all__) | set(_WHERE))


__all__ = [
    "from_graphml", "from_torch", "to_graphml", "to_torch",
    "Activation", "ActivationError", "CompileError", "ConfigError", "CycleError",
    "EmptyNetworkError", "FileFormatError", "GradCheckReport", "History", "InputValueError",
    "LabelError", "Layer", "Link", "MissingExtraError", "Network", "NeurographError", "Node",
    "NonFiniteError", "PositionError", "StaleTraceError", "UnknownNameError",
    "PerceptronResult", "RenderError", "ShapeError", "Step", "TopologyError", "Trace", "Trainer",
    "Comparison", "LesionStudy", "compare", "lesion_study",
    "check_backprop", "check_by_hand", "cost_and_gradients", "data", "diagram", "exercise",
    "exercises", "explain", "explore",
    "get_activation", "gradcheck", "hidden_unit_grid", "textbook",
    "Diagnosis", "diagnose", "when",
    "known_activations", "load", "one_hot", "perceptron", "player", "plot_decision_boundary",
    "plot_hidden_units", "register_activation", "save",
]
