"""Checkpoints and NPZ data files that lie: hostile sizes and headers are refused
before anything is allocated; trainer state is checked; diverged networks and
class names survive a save and load."""

import hashlib
import io
import json
import tracemalloc
import zipfile

import numpy as np
import pytest

import neurograph as ng
from neurograph.checkpoint import _canonical
from neurograph.data import load_dataset

MiB = 2**20
BOMB = 400 * MiB  # the member: 400 MiB of zeros, about 400 KiB compressed
SMALL_BOMB = 128 * MiB  # still far past PEAK_LIMIT, quicker to write
PEAK_LIMIT = 50 * MiB


def npy_header(shape, descr="<f8") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False,
                                               "shape": tuple(shape)})
    return buf.getvalue()


def npy(arr) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


def write_zip(path, members: dict, bomb: tuple | None = None, size: int = SMALL_BOMB):
    """Members as given; ``bomb`` = (name, header): that header, then ``size`` zero
    bytes, streamed so the test itself never holds them."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
        if bomb is not None:
            with z.open(bomb[0], "w", force_zip64=True) as f:
                f.write(bomb[1])
                chunk = bytes(MiB)
                for _ in range(size // MiB):
                    f.write(chunk)


def saved(tmp_path, net=None, trainer=None):
    net = net or ng.Network.from_architecture([2, 3, 2], seed=0)
    path = tmp_path / "n.ngz"
    ng.save(net, path, trainer=trainer)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    return path, json.loads(members["network.json"]), members


def resign(struct: dict, members: dict) -> dict:
    """Recompute every checksum, as someone crafting a file would."""
    struct["checksums"] = {k: hashlib.sha256(v).hexdigest() for k, v in members.items()
                           if k != "network.json"}
    struct["checksums"]["network.json"] = hashlib.sha256(_canonical(struct)).hexdigest()
    return {**members, "network.json": json.dumps(struct).encode()}


def peak_while(fn):
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def refused(fn, exc, match):
    def run():
        with pytest.raises(exc, match=match):
            fn()
    return peak_while(run)


# --- item 10: decompress only what the structure declares --------------------------------
@pytest.mark.parametrize("name", ["weights.npy", "evil.bin"])
def test_checkpoint_member_bomb_refused_without_memory(tmp_path, name):
    path, struct, members = saved(tmp_path)
    members = resign(struct, members)
    if name == "weights.npy":
        del members["weights.npy"]  # header says 17 weights; 400 MiB of data follow
        match = r"weights.npy: the header declares shape \(17,\).*holds 419430400 bytes"
    else:
        match = r"unexpected members \['evil.bin'\]"
    write_zip(path, members, bomb=(name, npy_header((17,))),
              size=BOMB if name == "weights.npy" else SMALL_BOMB)
    assert path.stat().st_size < 2 * MiB
    assert refused(lambda: ng.load(path), ng.FileFormatError, match) < PEAK_LIMIT


def test_checkpoint_giant_npy_header_refused(tmp_path):
    path, struct, members = saved(tmp_path)
    # a signed file whose weights.npy claims 4e10 float64 (320 GB) and holds 8 bytes
    members["weights.npy"] = npy_header((40_000_000_000,)) + bytes(8)
    write_zip(path, resign(struct, members))
    peak = refused(lambda: ng.load(path), ng.FileFormatError,
                   r"weights.npy: the header declares shape \(40000000000,\)")
    assert peak < PEAK_LIMIT
    # consistent with its own size but not with network.json: refused by shape
    members["weights.npy"] = npy(np.zeros(18))  # 12 links and 5 biases
    write_zip(path, resign(struct, members))
    with pytest.raises(ng.FileFormatError, match=r"weights.npy: expected shape \(17,\).*"
                                                 r"got \(18,\)"):
        ng.load(path)


def test_checkpoint_json_bomb_refused(tmp_path):
    path = tmp_path / "j.ngz"
    write_zip(path, {}, bomb=("network.json", b"{"))
    peak = refused(lambda: ng.load(path), ng.FileFormatError,
                   r"network.json declares 134217729 bytes")
    assert peak < PEAK_LIMIT


@pytest.mark.parametrize("case", ["bomb", "giant_header"])
def test_npz_hostile_sizes_refused_without_memory(tmp_path, case):
    path = tmp_path / "d.npz"
    y = npy(np.array([0, 1]))
    if case == "bomb":
        write_zip(path, {"y.npy": y}, bomb=("X.npy", npy_header((2, 3))))
        match = r"X: the header declares shape \(2, 3\).*holds 134217728 bytes"
    else:
        write_zip(path, {"X.npy": npy_header((200_000, 200_000)) + bytes(64), "y.npy": y})
        match = r"X: the header declares shape \(200000, 200000\)"
    assert refused(lambda: load_dataset(path), ng.FileFormatError, match) < PEAK_LIMIT


def test_npz_refuses_strings_objects_and_scalar_labels(tmp_path):
    cases = {
        "str": ({"X": np.array([["a", "b"]]), "y": np.array([0])}, "X must hold numbers.*<U1"),
        "scalar_y": ({"X": np.zeros((1, 2)), "y": np.array(3)}, "y must be labels.*0-d"),
    }
    for name, (arrays, match) in cases.items():
        np.savez(tmp_path / f"{name}.npz", **arrays)
        with pytest.raises(ng.FileFormatError, match=match):
            load_dataset(tmp_path / f"{name}.npz")
    # an object array can only be read with pickle: refused from its header
    np.savez(tmp_path / "obj.npz", X=np.array([[1, None]], dtype=object), y=np.array([0]))
    with pytest.raises(ng.FileFormatError, match="X.*dtype object.*pickle"):
        load_dataset(tmp_path / "obj.npz")
    # the plain case still reads, Fortran order included
    np.savez(tmp_path / "ok.npz", X=np.asfortranarray(np.arange(6.0).reshape(2, 3)),
             y=np.array([1.0, 0.0]))
    X, y = load_dataset(tmp_path / "ok.npz")
    np.testing.assert_array_equal(X, np.arange(6.0).reshape(2, 3))
    assert y.tolist() == [1, 0] and y.dtype.kind == "i"


# --- item 9: the trainer state is checked --------------------------------------------
def trained(tmp_path):
    X = np.random.default_rng(0).normal(size=(12, 2))
    y = (X[:, 0] > 0).astype(int)
    net = ng.Network.from_architecture([2, 3, 2], seed=0)
    t = ng.Trainer(net, alpha=0.5, momentum=0.5, batch_size=5, seed=1)
    gen = t.steps(X, y, every="batch", epochs=2)
    next(gen)
    gen.close()
    return saved(tmp_path, net, t)


@pytest.mark.parametrize("bad, match", [
    ("perm_repeats", r"perm.npy is not an order of the instances \(a permutation of 0..11\)"),
    ("perm_length", r"perm.npy: expected shape \(12,\).*got \(13,\)"),
    ("velocity_shape", r"velocity.npy: expected shape \(\d+,\).*got \(3,\)"),
    ("velocity_nan", "velocity.npy holds NaN or inf"),
])
def test_load_checks_trainer_state(tmp_path, bad, match):
    path, struct, members = trained(tmp_path)
    perm = np.load(io.BytesIO(members["perm.npy"]))
    v = np.load(io.BytesIO(members["velocity.npy"]))
    assert sorted(perm.tolist()) == list(range(12)) and v.shape == (17,)
    if bad == "perm_repeats":
        perm[0] = perm[1]
        members["perm.npy"] = npy(perm)
    elif bad == "perm_length":
        members["perm.npy"] = npy(np.arange(13))
    elif bad == "velocity_shape":
        members["velocity.npy"] = npy(np.zeros(3))
    else:
        v[4] = np.nan
        members["velocity.npy"] = npy(v)
    write_zip(path, resign(struct, members))
    with pytest.raises(ng.FileFormatError, match=match):
        ng.load(path, trainer=True)


def test_graph_engine_momentum_resumes_bit_identical(tmp_path):
    # a skip link: no Θ, the store's own layout, which loading rebuilds in another order
    def make():
        net = ng.Network.from_architecture([2, 3, 1], seed=4)
        net.connect("x1", "a3_1", 0.3)
        return net

    X = np.random.default_rng(1).normal(size=(10, 2))
    y = (X.sum(axis=1) > 0).astype(int)
    a = make()
    ng.Trainer(a, alpha=0.5, momentum=0.8, batch_size=4, seed=2).fit(X, y, epochs=5)
    b = make()
    tb = ng.Trainer(b, alpha=0.5, momentum=0.8, batch_size=4, seed=2)
    gen = tb.steps(X, y, every="batch", epochs=5)
    for _ in range(7):
        next(gen)
    gen.close()
    ng.save(b, tmp_path / "ck.ngz", trainer=tb)
    c, tc = ng.load(tmp_path / "ck.ngz", trainer=True)
    tc.fit(X, y, epochs=5 - tc.epoch)
    for link in a.links:
        assert c.link(link.source.name, link.target.name).weight == link.weight


# --- item 3 and classes: what save writes, load reads -------------------------------------
def test_diverged_network_saves_and_loads(tmp_path):
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    net.theta(1)[0, 1] = np.nan
    net.theta(2)[0, 0] = np.inf
    net.theta(2)[0, 2] = -np.inf
    ng.save(net, tmp_path / "d.ngz")
    back = ng.load(tmp_path / "d.ngz")
    for a, b in zip(back.thetas, net.thetas):
        np.testing.assert_array_equal(a, b)  # NaN in the same places
    assert np.isnan(back.theta(1)[0, 1]) and back.theta(2)[0, 0] == np.inf


def test_classes_saved_and_old_files_without_them(tmp_path):
    net = ng.Network.from_architecture([2, 3, 3], seed=0)
    net.classes = ["cat", "dog", "fish"]
    path, struct, members = saved(tmp_path, net)
    back = ng.load(path)
    assert back.classes == ("cat", "dog", "fish")
    X = np.random.default_rng(0).normal(size=(4, 2))
    np.testing.assert_array_equal(back.predict(X, names=True), net.predict(X, names=True))
    del struct["classes"]  # a file written before classes existed
    write_zip(path, resign(struct, members))
    assert ng.load(path).classes is None


@pytest.mark.parametrize("depth", [20, 100_000])  # past the checker's bound; past Python's stack
def test_checkpoint_deeply_nested_json_is_not_a_checkpoint(tmp_path, depth):
    path, struct, members = saved(tmp_path)
    if depth < 1000:  # a signed file that merely nests too deep
        struct["extra"] = json.loads("[" * depth + "]" * depth)
        members = resign(struct, members)
    else:  # the decoder itself would recurse out of the stack
        members["network.json"] = ("[" * depth + "]" * depth).encode()
    write_zip(path, members)
    with pytest.raises(ng.FileFormatError, match="not a neurograph checkpoint.*nests"):
        ng.load(path)


def test_save_to_a_folder_or_under_a_file_is_refused_and_writes_nothing(tmp_path):
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    (tmp_path / "file").write_bytes(b"keep")
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(ng.ConfigError, match="expected a file path.*a folder"):
        ng.save(net, tmp_path)
    with pytest.raises(ng.ConfigError, match="expected a file path.*a folder"):
        ng.save(net, str(tmp_path / "new") + "/")
    for under in (tmp_path / "file" / "n.ngz", tmp_path / "file" / "deeper" / "n.ngz"):
        with pytest.raises(ng.ConfigError, match=r"file', not a folder|is a file, not a folder"):
            ng.save(net, under)
    with pytest.raises(ng.ConfigError, match="expected a file path"):
        ng.save(net, None)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no temporary file left
    assert (tmp_path / "file").read_bytes() == b"keep"
    with pytest.raises(ng.FileFormatError, match="is a folder"):
        ng.load(tmp_path)
    ng.save(net, tmp_path / "sub" / "n.ngz")  # a folder that does not exist yet is made
    back = ng.load(tmp_path / "sub" / "n.ngz")
    np.testing.assert_array_equal(back.theta_flat, net.theta_flat)
