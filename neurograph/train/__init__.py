"""Training: gradient descent with backprop (Trainer), stepping, perceptron rules."""

from .perceptron import PerceptronResult, perceptron
from .records import History, Step
from .trainer import EVERY, Trainer

__all__ = ["EVERY", "History", "PerceptronResult", "Step", "Trainer", "perceptron"]
