"""Data: labels, inputs, truth tables, digits, splits, CSV/NPZ files."""

import os

import numpy as np
import pytest

import neurograph as ng
from neurograph.data import as_targets, check_inputs, load_dataset, save_dataset


def test_one_hot_and_label_errors():
    np.testing.assert_array_equal(ng.one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(ng.one_hot(np.array([1.0, 0.0])), [[0, 1], [1, 0]])
    with pytest.raises(ng.LabelError, match="got -1 at index 0"):
        ng.one_hot([-1, 0], 2)
    with pytest.raises(ng.LabelError, match="whole numbers, got 0.5"):
        ng.one_hot([0.5], 2)
    with pytest.raises(ng.LabelError, match="1-D"):
        ng.one_hot([[0, 1]], 2)


def test_targets_and_inputs():
    assert as_targets([1, 0, 1], 1, 3).tolist() == [[1.0], [0.0], [1.0]]
    with pytest.raises(ng.LabelError, match="labels 0 or 1, got 2"):
        as_targets([0, 2], 1, 2)
    with pytest.raises(ng.LabelError, match="X has 3 instances, Y has 2"):
        as_targets([0, 1], 2, 3)
    with pytest.raises(ng.ShapeError, match="K=2 target columns.*got 3"):
        as_targets(np.zeros((2, 3)), 2, 2)
    X = np.zeros((4, 3))
    assert check_inputs(X, 3)[0] is X  # no copy at the boundary when nothing to fix
    with pytest.raises(ng.InputValueError, match="instance 1, input 2"):
        check_inputs([[0, 0, 0], [0, 0, np.nan]], 3)
    with pytest.raises(ng.ShapeError, match="shape"):
        check_inputs(np.zeros((2, 2, 2)), 2)
    with pytest.raises(ng.InputValueError, match="numbers"):
        check_inputs([["a", "b"]], 2)


def test_truth_tables_digits_and_split():
    X, y = ng.data.truth_table("xnor")
    assert y.tolist() == [1, 0, 0, 1]
    with pytest.raises(ng.ConfigError, match="known: NOT, AND"):
        ng.data.truth_table("IMPLIES")
    X, y = ng.data.load_digits()
    assert X.shape == (1797, 64) and X.max() == 1.0 and X.min() == 0.0
    assert np.bincount(y).tolist()[:3] == [178, 182, 177] and np.bincount(y).sum() == 1797
    Xtr, Xte, ytr, yte = ng.data.train_test_split(X, y, 0.25, seed=0)
    assert len(yte) + len(ytr) == 1797
    np.testing.assert_allclose(np.bincount(yte) / len(yte), np.bincount(y) / 1797, atol=0.01)
    again = ng.data.train_test_split(X, y, 0.25, seed=0)
    np.testing.assert_array_equal(again[3], yte)


@pytest.mark.parametrize("ext", [".csv", ".npz"])
def test_dataset_round_trip(tmp_path, ext):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(7, 3)), rng.integers(0, 4, 7)
    save_dataset(tmp_path / f"d{ext}", X, y)
    X2, y2 = load_dataset(tmp_path / f"d{ext}")
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)
    assert os.listdir(tmp_path) == [f"d{ext}"]


@pytest.mark.parametrize("content, match", [
    ("", "empty"),
    ("a,b,y\n1,2\n", "line 2: expected 3 cells, got 2"),
    ("a,b,y\n1,x,0\n", "line 2, column 'b': expected a number, got 'x'"),
])
def test_bad_csv(tmp_path, content, match):
    p = tmp_path / "bad.csv"
    p.write_text(content)
    with pytest.raises(ng.FileFormatError, match=match):
        load_dataset(p)


def test_bad_npz_and_missing(tmp_path):
    np.savez(tmp_path / "noX.npz", Z=np.zeros(3))
    with pytest.raises(ng.FileFormatError, match="no array 'X'"):
        load_dataset(tmp_path / "noX.npz")
    np.savez(tmp_path / "len.npz", X=np.zeros((3, 2)), y=np.zeros(2))
    with pytest.raises(ng.FileFormatError, match="3 rows, y has 2"):
        load_dataset(tmp_path / "len.npz")
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(ng.FileFormatError, match="not a readable"):
        load_dataset(tmp_path / "junk.npz")
    with pytest.raises(FileNotFoundError):
        load_dataset(tmp_path / "nope.csv")


def test_atomic_writes_honour_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        save_dataset(tmp_path / "d.csv", np.zeros((1, 1)), np.zeros(1, dtype=int))
        ng.save(ng.Network.from_architecture([1, 1]), tmp_path / "n.ngz")
    finally:
        os.umask(old)
    for name in ("d.csv", "n.ngz"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o644
