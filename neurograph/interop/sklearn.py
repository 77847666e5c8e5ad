"""A scikit-learn classifier backed by a neurograph network.

Works with ``cross_val_score``, ``GridSearchCV`` and pipelines. Binary
problems get one sigmoid output; K > 2 classes get K one-vs-rest sigmoid
outputs, and ``predict_proba`` normalises them to sum to 1 per row.
"""

from __future__ import annotations

import numpy as np

# Imported through neurograph.interop, which turns a missing scikit-learn into a
# MissingExtraError naming the extra.
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..model import Network
from ..train import Trainer


class NeuroGraphClassifier(ClassifierMixin, BaseEstimator):
    """Gradient-descent-trained feed-forward network as a scikit-learn estimator.

    Parameters
    ----------
    hidden : units per hidden layer, e.g. (25,).
    activation : hidden activation ("sigmoid", "tanh", "relu").
    alpha, lam, epochs, batch_size, momentum, seed : as for ``ng.Trainer``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import cross_val_score
    >>> X, y = np.random.default_rng(0).normal(size=(80, 2)), np.repeat([0, 1], 40)
    >>> X[y == 1] += 3
    >>> clf = NeuroGraphClassifier(hidden=(4,), epochs=100, batch_size=8)
    >>> float(cross_val_score(clf, X, y, cv=4).mean()) > 0.9
    True
    """

    def __init__(self, hidden=(25,), activation="sigmoid", alpha=1.0, lam=0.0, epochs=200,
                 batch_size=None, momentum=0.0, seed=0):
        self.hidden = hidden
        self.activation = activation
        self.alpha = alpha
        self.lam = lam
        self.epochs = epochs
        self.batch_size = batch_size
        self.momentum = momentum
        self.seed = seed

    def fit(self, X, y):
        """Train a fresh network on (X, y); returns self."""
        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        K = len(self.classes_)
        if K < 2:
            raise ValueError(f"need at least 2 classes, got {K} class")
        s = [X.shape[1], *self.hidden, 1 if K == 2 else K]
        self.net_ = Network.from_architecture(s, activation=self.activation,
                                              output_activation="sigmoid", seed=self.seed)
        bs = None if self.batch_size is None else min(self.batch_size, X.shape[0])
        trainer = Trainer(self.net_, alpha=self.alpha, lam=self.lam, batch_size=bs,
                          momentum=self.momentum, seed=self.seed)
        self.history_ = trainer.fit(X.astype(np.float64), codes, epochs=self.epochs,
                                    progress=False)
        return self

    def predict_proba(self, X):
        """Class probabilities: [1−h, h] for two classes; normalised h_Θ(x) for K."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        h = self.net_.forward(X.astype(np.float64))
        if h.shape[1] == 1:
            return np.hstack([1.0 - h, h])
        total = h.sum(axis=1, keepdims=True)
        return np.divide(h, total, out=np.full_like(h, 1.0 / h.shape[1]), where=total > 0)

    def predict(self, X):
        """The class with the highest probability."""
        proba = self.predict_proba(X)  # checks fitted first
        return self.classes_[np.argmax(proba, axis=1)]
