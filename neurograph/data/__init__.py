"""Data: label encoding, input checks, truth tables, data sets, loaders."""

from .datasets import four_classes, load_digits, train_test_split, truth_table
from .labels import as_targets, check_inputs, one_hot
from .loaders import atomic_write, load_dataset, save_dataset

__all__ = ["as_targets", "atomic_write", "check_inputs", "four_classes", "load_dataset",
           "load_digits", "one_hot", "save_dataset", "train_test_split", "truth_table"]
