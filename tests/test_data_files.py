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


# --- CSV files as people make them (issue 9, item 5) -----------------------------------------
def test_csv_with_a_utf8_byte_order_mark_keeps_its_label_column(tmp_path):
    p = tmp_path / "excel.csv"
    p.write_bytes("y,a,b\r\n1,0.5,0.25\r\n0,0.125,2\r\n".encode("utf-8-sig"))
    X, y = load_dataset(p)
    assert y.tolist() == [1, 0]
    assert X.tolist() == [[0.5, 0.25], [0.125, 2.0]]


def test_headerless_csv_keeps_its_first_row(tmp_path):
    p = tmp_path / "plain.csv"
    p.write_text("0.5,0.25,1\n0.125,2,0\n3,4,1\n")
    X, y = load_dataset(p)
    assert X.tolist() == [[0.5, 0.25], [0.125, 2.0], [3.0, 4.0]] and y.tolist() == [1, 0, 1]
    p.write_text("0.5,0.25,dog\n0.125,2,cat\n")  # names in the label column, still no header
    X, y, names = load_dataset(p, classes=True)
    assert X.shape == (2, 2) and y.tolist() == [1, 0] and names == ("cat", "dog")
    p.write_text("1,2,3\n")  # one row of numbers is one instance, not a header
    X, y = load_dataset(p)
    assert X.tolist() == [[1.0, 2.0]] and y.tolist() == [3]


def test_class_name_labels_are_sorted_codes_with_their_names(tmp_path):
    p = tmp_path / "pets.csv"
    p.write_text("w,h,label\n1,2,fish\n3,4,cat\n5,6,dog\n7,8,cat\n")
    X, y = load_dataset(p)  # the 2-tuple stays for existing callers
    assert y.tolist() == [2, 0, 1, 0] and X[:, 0].tolist() == [1, 3, 5, 7]
    X, y, names = load_dataset(p, classes=True)
    assert names == ("cat", "dog", "fish") and y.tolist() == [2, 0, 1, 0]
    assert [names[k] for k in y] == ["fish", "cat", "dog", "cat"]  # the file's own labels
    save_dataset(tmp_path / "numbers.csv", X, y)
    assert load_dataset(tmp_path / "numbers.csv", classes=True)[2] is None
    save_dataset(tmp_path / "again.csv", X, y, classes=names)
    X2, y2, names2 = load_dataset(tmp_path / "again.csv", classes=True)
    np.testing.assert_array_equal(X2, X)
    assert y2.tolist() == y.tolist() and names2 == names
    np.savez(tmp_path / "pets.npz", X=X, y=np.array(["fish", "cat", "dog", "cat"]))
    assert load_dataset(tmp_path / "pets.npz", classes=True)[2] == names


def test_empty_label_cell_is_named(tmp_path):
    p = tmp_path / "gap.csv"
    p.write_text("a,y\n1,cat\n2,\n")
    with pytest.raises(ng.FileFormatError, match="line 3: the label cell .'y'. is empty"):
        load_dataset(p)


def test_save_dataset_refuses_lengths_that_differ(tmp_path):
    with pytest.raises(ng.LabelError, match="X has 3 instances, y has 2"):
        save_dataset(tmp_path / "d.csv", np.zeros((3, 2)), np.array([0, 1]))
    with pytest.raises(ng.LabelError, match="X has 3 instances, y has 4"):
        save_dataset(tmp_path / "d.npz", np.zeros((3, 2)), np.array([0, 1, 0, 1]))
    with pytest.raises(ng.ShapeError, match="2-D"):
        save_dataset(tmp_path / "d.csv", np.zeros(3), np.array([0, 1, 0]))
    assert os.listdir(tmp_path) == []


def test_unreadable_csv_files_are_file_format_errors(tmp_path):
    p = tmp_path / "latin1.csv"
    p.write_bytes("a,y\n1,caf\xe9\n".encode("latin-1"))
    with pytest.raises(ng.FileFormatError, match="not UTF-8 text .byte 0xe9"):
        load_dataset(p)
    p = tmp_path / "long.csv"
    p.write_text("a,y\n" + "1" * 140_000 + ",0\n")
    with pytest.raises(ng.FileFormatError, match="line 2: field larger than field limit"):
        load_dataset(p)


@pytest.mark.parametrize("X, y, match", [
    (np.zeros((3, 2)), np.array(1), r"y must be labels \(n,\) or targets \(n, K\), got a 0-d"),
    (np.array([["a", "b"]]), np.array([0]), "X must hold numbers, got dtype <U1"),
])
def test_npz_with_arrays_of_the_wrong_kind(tmp_path, X, y, match):
    np.savez(tmp_path / "odd.npz", X=X, y=y)
    with pytest.raises(ng.FileFormatError, match=match):
        load_dataset(tmp_path / "odd.npz")


def test_atomic_write_lives_in_one_io_module_and_leaves_no_half_file(tmp_path, monkeypatch):
    from neurograph import io as ngio

    target = tmp_path / "deep" / "f.bin"
    ngio.atomic_write(target, b"old")  # a Path, and a folder that does not exist yet
    assert target.read_bytes() == b"old"
    assert ng.data.atomic_write is ngio.atomic_write  # the public name is the same writer

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(ngio.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        ngio.atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in target.parent.iterdir()) == ["f.bin"]
