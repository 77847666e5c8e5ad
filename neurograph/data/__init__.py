"""Data: label encoding, input checks, truth tables, data sets, loaders."""

from .datasets import four_classes, load_digits, train_test_split, truth_table
from .labels import as_targets, check_inputs, one_hot

__all__ = ["as_targets", "check_inputs", "four_classes", "load_digits", "one_hot",
           "train_test_split", "truth_table"]
