"""Every example runs (in seconds), the tour notebook executes, and the CLI behaves."""

import html
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

import neurograph as ng

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_xor_example():
    r = load("xor").main()
    assert r["predictions"].tolist() == [0, 1, 1, 0] and r["history"].cost[-1] < 0.05


def test_one_vs_rest_example(tmp_path):
    r = load("one_vs_rest").main(str(tmp_path))
    assert r["accuracy"] >= 0.95
    assert (tmp_path / "one_vs_rest_errors.svg").read_bytes().startswith(b"<?xml")


def test_digits_example(tmp_path):
    r = load("digits").main(str(tmp_path), epochs=20)
    assert r["accuracy"] >= 0.93
    assert (tmp_path / "digits_hidden_units.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "digits_hidden.svg").read_text().count("data:image/png;base64,") == 3
    assert not (tmp_path / "digits_hidden_images").exists()  # the pictures are in the SVG


def test_perceptron_example():
    r = load("perceptron").main()
    assert r[("AND", "online")].converged and r[("OR", "batch")].converged
    assert not r[("XOR", "online")].converged and not r[("XOR", "batch")].converged


def test_gradient_checking_example():
    reports = load("gradient_checking").main()
    assert all(rep.rel_diff < 1e-9 for rep in reports.values())


def test_custom_topology_example():
    r = load("custom_topology").main()
    assert r["trace"].engine == "graph" and r["history"].cost[-1] < r["history"].cost[0]


def test_tour_notebook_executes():
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    nb = nbformat.read(EXAMPLES / "tour.ipynb", as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
        "commit the notebook without outputs"
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={
        "metadata": {"path": str(EXAMPLES)}}).execute()
    outs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outs if o.output_type == "error"]
    assert any("image/svg+xml" in o.get("data", {}) for o in outs)  # diagrams inline
    # the live explorer: the widget, and its page for wherever no kernel runs
    live = [o["data"] for o in outs if "application/vnd.jupyter.widget-view+json"
            in o.get("data", {})]
    assert live and "neurographExplorer(document, DATA)" in html.unescape(live[0]["text/html"])


# --- command line ---------------------------------------------------------------------------
def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "neurograph", *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=cwd)


@pytest.mark.parametrize("cmd", ["demo", "train", "render", "gradcheck", "inspect", "data",
                                 "explain", "textbook"])
def test_cli_help(cmd):
    r = cli(cmd, "--help")
    assert r.returncode == 0 and "usage: neurograph" in r.stdout


def test_cli_train_render_gradcheck_inspect(tmp_path):
    X, y, _, _ = ng.data.four_classes(120, seed=1)
    ng.data.save_dataset(tmp_path / "cars.csv", X, y)
    r = cli("train", "4-5-4", tmp_path / "cars.csv", "--epochs", 60, "--alpha", 1.0,
            "--batch-size", 10, "--out", tmp_path / "m.ngz")
    assert r.returncode == 0, r.stderr
    assert "training accuracy" in r.stdout and (tmp_path / "m.report.json").exists()
    net = ng.load(tmp_path / "m.ngz")
    assert net.s == [4, 5, 4] and (net.predict(X) == y).mean() > 0.9
    r = cli("render", tmp_path / "m.ngz", "--show", "errors", "--data", tmp_path / "cars.csv",
            "--out", tmp_path / "m.svg")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "m.svg").read_text().count("δ=") == 9
    r = cli("gradcheck", tmp_path / "m.ngz", tmp_path / "cars.csv", "--lam", 0.5)
    assert r.returncode == 0 and "OK" in r.stdout
    r = cli("inspect", tmp_path / "m.ngz")
    assert r.returncode == 0 and "4      output  sigmoid" in r.stdout
    assert "epochs recorded" in r.stdout


@pytest.mark.parametrize("args, message", [
    (["train", "4-5-4", "missing.csv"], "no data file"),
    (["train", "3-5-4", "DATA"], "3 inputs, the data 4 features"),
    (["inspect", "DATA"], "not a neurograph checkpoint"),
    (["render", "missing.ngz"], "no checkpoint"),
])
def test_cli_user_errors_exit_2_with_one_line(tmp_path, args, message):
    X, y, _, _ = ng.data.four_classes(20, seed=1)
    ng.data.save_dataset(tmp_path / "d.csv", X, y)
    args = [str(tmp_path / "d.csv") if a == "DATA" else a for a in args]
    r = cli(*args, cwd=tmp_path)
    assert r.returncode == 2
    assert message in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_cli_bad_architecture_is_a_usage_error():
    r = cli("train", "4-x-4", "d.csv")
    assert r.returncode == 2 and "64-25-10" in r.stderr


def test_demo_quick(tmp_path):
    r = cli("demo", "--out", tmp_path / "demo", "--quick")
    assert r.returncode == 0, r.stderr
    for name in ("xnor_weights.svg", "xor_errors.svg", "xor_blame.svg", "xor_player.html",
                 "digits_hidden_units.png", "one_vs_rest_weights.svg", "xor.ngz"):
        assert (tmp_path / "demo" / name).exists(), name
        assert str(tmp_path / "demo" / name) in r.stdout
    assert "test accuracy" in r.stdout
    rel = float(r.stdout.split("‖num − bp‖/‖num + bp‖ = ")[1].split()[0])
    assert rel < 1e-9
