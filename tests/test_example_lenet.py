"""examples/lenet.py (issue 22, item 6): a LeNet-style network on the bundled 8×8 digits
reaches ≥ 0.95 on held-out digits, on the matrix engine, and draws its kernels and maps."""

import importlib.util
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def load():
    spec = importlib.util.spec_from_file_location("lenet", ROOT / "examples" / "lenet.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_lenet_example_learns_the_digits_and_draws_kernels_and_feature_maps(tmp_path):
    r = load().main(str(tmp_path))
    assert r["accuracy"] >= 0.95
    net = r["net"]
    assert net.backward(np.zeros((1, 64)), [0]).engine == "matrix"
    # conv 3×3 → max pool → dense → 10, as built from units and links
    assert [lay.size for lay in net.layers] == [64, 8 * 6 * 6, 8 * 3 * 3, 32, 10]
    for name in ("lenet_kernels.png", "lenet_feature_maps.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")
    assert [Path(f).name for f in r["files"]] == ["lenet_kernels.png", "lenet_feature_maps.png"]
