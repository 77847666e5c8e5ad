"""Training: gradient descent with backprop (Trainer), stepping, perceptron rules."""

from .perceptron import PerceptronResult, perceptron
from .trainer import EVERY, History, Step, Trainer

__all__ = ["EVERY", "History", "PerceptronResult", "Step", "Trainer", "perceptron"]
