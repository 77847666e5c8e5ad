"""The object model: Node, Link, Layer, Network and activation functions.

Imports no engine, compiler, renderer or trainer.
"""

from .activations import Activation, get_activation, known_activations, register_activation
from .initialization import epsilon, initial_weights
from .layer import Layer
from .network import Network
from .node import Link, Node

__all__ = ["Activation", "Layer", "Link", "Network", "Node", "epsilon", "get_activation",
           "initial_weights", "known_activations", "register_activation"]
