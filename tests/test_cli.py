"""The command line: user errors exit 2 with one line, divergence exits 1, J and report
are of the saved network, class names reach the outputs, the README's lines run."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neurograph as ng
from neurograph import cli

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def neurograph(*args, cwd):
    """The command as a user runs it, from a folder of their own (this checkout's code)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "neurograph", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def run(capsys, *args):
    try:
        code = cli.main([str(a) for a in args])
    except SystemExit as exc:  # argparse's own exit on usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_user_error(code, err, message):
    assert code == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert re.search(message, err), err


@pytest.fixture
def cars(tmp_path):
    X, y, _, _ = ng.data.four_classes(40, seed=1)
    ng.data.save_dataset(tmp_path / "cars.csv", X, y)
    return tmp_path / "cars.csv"


# --- item 11: every user error is exit 2, one line, no traceback ------------------------------
@pytest.mark.parametrize("epochs", ["0", "-1"])
def test_epochs_below_one(capsys, cars, epochs):
    code, _, err = run(capsys, "train", "4-3-4", cars, "--epochs", epochs)
    assert_user_error(code, err, f"--epochs: expected a whole number ≥ 1, got '{epochs}'")


def test_non_utf8_csv(capsys, tmp_path):
    (tmp_path / "l1.csv").write_bytes("a,b,y\n1,2,caf\xe9\n".encode("latin-1"))
    code, _, err = run(capsys, "train", "2-2-1", tmp_path / "l1.csv")
    assert_user_error(code, err, "not UTF-8 text")


def test_csv_cell_over_the_field_limit(capsys, tmp_path):
    (tmp_path / "long.csv").write_text("a,y\n" + "1" * 131073 + ",0\n")
    code, _, err = run(capsys, "train", "1-1", tmp_path / "long.csv")
    assert_user_error(code, err, "line 2: field larger than field limit")


def test_npz_with_0d_y(capsys, tmp_path):
    np.savez(tmp_path / "d.npz", X=np.zeros((3, 2)), y=np.array(1))
    code, _, err = run(capsys, "train", "2-1", tmp_path / "d.npz")
    assert_user_error(code, err, r"y must be labels \(n,\)")


def test_npz_with_string_x(capsys, tmp_path):
    np.savez(tmp_path / "d.npz", X=np.array([["a", "b"]]), y=np.array([0]))
    code, _, err = run(capsys, "train", "2-1", tmp_path / "d.npz")
    assert_user_error(code, err, "X must hold numbers")


def test_train_out_under_an_existing_file(capsys, cars, tmp_path):
    (tmp_path / "afile").write_text("x")
    code, _, err = run(capsys, "train", "4-3-4", cars, "--epochs", 1,
                       "--out", tmp_path / "afile" / "m.ngz")
    assert_user_error(code, err, "is a file, expected a folder there")


def test_demo_out_under_a_file(capsys, tmp_path):
    (tmp_path / "afile").write_text("x")
    code, _, err = run(capsys, "demo", "--quick", "--out", tmp_path / "afile" / "demo")
    assert_user_error(code, err, "is a file, expected a folder there")
    code, _, err = run(capsys, "demo", "--quick", "--out", tmp_path / "afile")
    assert_user_error(code, err, "is a file, expected a folder")


def test_architecture_too_big_for_memory_says_how_many_gib(capsys, cars):
    code, _, err = run(capsys, "train", "4-1000000-1000000-4", cars)
    # Θ(1) 10^6×5, Θ(2) 10^6×(10^6+1), Θ(3) 4×(10^6+1): 10^12 + 10^7 + 4 parameters;
    # 600 B each plus 32 B per unit and instance (40 instances) = 558,801.5 GiB
    params = 10**6 * 5 + 10**6 * (10**6 + 1) + 4 * (10**6 + 1)
    gib = (600 * params + 32 * 40 * (4 + 2 * 10**6 + 4)) / 2**30
    assert f"{params:,}" == "1,000,010,000,004" and f"{gib:,.1f}" == "558,801.5"
    assert_user_error(code, err, "1,000,010,000,004 parameters and needs about 558,801.5 GiB")


def test_gradcheck_max_instances_below_one(capsys, cars, tmp_path):
    ng.save(ng.Network.from_architecture([4, 3, 4], seed=0), tmp_path / "m.ngz")
    code, _, err = run(capsys, "gradcheck", tmp_path / "m.ngz", cars, "--max-instances", "-1")
    assert_user_error(code, err, "--max-instances: expected a whole number ≥ 1, got '-1'")


def test_user_errors_through_a_subprocess(tmp_path):
    (tmp_path / "l1.csv").write_bytes("a,b,y\n1,2,caf\xe9\n".encode("latin-1"))
    for args, message in [(["--epochs", "0"], "--epochs"), ([], "not UTF-8")]:
        r = neurograph("train", "2-2-1", "l1.csv", *args, cwd=tmp_path)
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and message in r.stderr


# --- item 1: the printed J is J(Θ) of the saved network ---------------------------------------
def test_printed_final_J_is_the_saved_networks_cost(capsys, cars, tmp_path):
    code, out, err = run(capsys, "train", "4-5-4", cars, "--epochs", 5, "--alpha", 1.0,
                         "--batch-size", 7, "--lam", 2.0, "--out", tmp_path / "m.ngz")
    assert code == 0, err
    printed = float(re.search(r"→ (\S+?),", out).group(1))
    net = ng.load(tmp_path / "m.ngz")
    X, y = ng.data.load_dataset(cars)
    assert printed == pytest.approx(net.cost(X, y, lam=2.0), rel=1e-9)
    report = json.loads((tmp_path / "m.report.json").read_text())
    assert report["J_final"] == pytest.approx(net.cost(X, y, lam=2.0), rel=1e-12)


# --- item 3: divergence is exit 1 in one line; report.json stays JSON; inspect flags it --------
def _diverging_fit(self, X, Y, epochs=1, **kw):
    h = ng.train.trainer.History(cost=[1.0, float("nan")], stopped="diverged")
    h.diverged_at = (1, 2)
    self.net.theta(1)[0, 1] = np.nan  # what a diverged run leaves behind
    self.history = h
    return h


def _reject_nan(name):
    raise ValueError(f"bare {name} in JSON")


def test_diverged_training_exits_1_with_one_line_and_valid_json(capsys, cars, tmp_path,
                                                                  monkeypatch):
    monkeypatch.setattr(ng.Trainer, "fit", _diverging_fit)
    code, _, err = run(capsys, "train", "4-3-4", cars, "--out", tmp_path / "m.ngz")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "training diverged at epoch 1, batch 2" in err
    report = json.loads((tmp_path / "m.report.json").read_text(), parse_constant=_reject_nan)
    assert report["stopped"] == "diverged" and report["diverged_at"] == [1, 2]
    assert report["J_final"] is None and report["J_first"] == 1.0


def test_trainer_raising_nonfinite_is_exit_1(capsys, cars, monkeypatch):
    def fit(self, *a, **kw):
        raise ng.NonFiniteError("J became NaN at epoch 4")
    monkeypatch.setattr(ng.Trainer, "fit", fit)
    code, _, err = run(capsys, "train", "4-3-4", cars)
    assert code == 1 and err.strip() == ("neurograph train: training diverged: "
                                         "J became NaN at epoch 4")


def test_inspect_flags_non_finite_weights(capsys, tmp_path):
    net = ng.Network.from_architecture([2, 3, 2], seed=0)
    net.theta(2)[1, 0] = np.inf
    net.theta(2)[0, 2] = np.nan
    net.theta(1)[2, 1] = np.nan
    ng.save(net, tmp_path / "bad.ngz")
    code, out, _ = run(capsys, "inspect", tmp_path / "bad.ngz")
    assert code == 1
    assert "NON-FINITE WEIGHTS: 3 of 17 are NaN or inf (1 in Θ(1), 2 in Θ(2))" in out
    dag = ng.Network()
    x = dag.add_input("x")
    h = dag.add_node("h")
    o = dag.add_node("o")
    dag.connect(x, h, weight=1.0)
    dag.connect(h, o, weight=1.0)
    dag.connect(x, o, weight=1.0)  # a skip link: no Θ, so links are named
    dag.weights.theta[dag.link("x", "o")._i] = np.nan  # the setter refuses NaN
    ng.save(dag, tmp_path / "dag.ngz")
    code, out, _ = run(capsys, "inspect", tmp_path / "dag.ngz")
    assert code == 1 and "1 of 5 are NaN or inf (x→o)" in out
    ng.save(ng.Network.from_architecture([2, 1], seed=0), tmp_path / "ok.ngz")
    assert run(capsys, "inspect", tmp_path / "ok.ngz")[0] == 0


# --- item 5: class names in the data reach the network ------------------------------------------
def test_train_sets_the_class_names_on_the_saved_network(capsys, tmp_path, monkeypatch):
    X, y, _, names = ng.data.four_classes(40, seed=2)
    ng.data.save_dataset(tmp_path / "cars.csv", X, y, classes=names)
    saved = []
    real_save = ng.save
    monkeypatch.setattr(ng, "save", lambda net, *a, **kw: (saved.append(net),
                                                           real_save(net, *a, **kw))[1])
    code, _, err = run(capsys, "train", "4-6-4", tmp_path / "cars.csv", "--epochs", 2,
                       "--out", tmp_path / "m.ngz")
    assert code == 0, err
    assert saved[0].classes == ("car", "motorcycle", "pedestrian", "truck")  # sorted
    # the output units carry the names, so diagrams and summaries show them
    assert [u.name for u in saved[0].outputs] == list(saved[0].classes)
    report = json.loads((tmp_path / "m.report.json").read_text())
    assert report["classes"] == ["car", "motorcycle", "pedestrian", "truck"]
    code, _, err = run(capsys, "train", "4-6-3", tmp_path / "cars.csv")
    assert_user_error(code, err, "the data have 4 classes .car, motorcycle, pedestrian, truck"
                                 "., the architecture 3 output unit")


def test_render_and_gradcheck_map_names_to_the_networks_classes(tmp_path):
    (tmp_path / "pets.csv").write_text("w,y\n1,fish\n2,cat\n3,dog\n")
    net = ng.Network.from_architecture([1, 3], seed=0)
    net.classes = ["dog", "fish", "cat"]  # not the sorted order
    X, y = cli.common.load_for(net, tmp_path / "pets.csv")
    assert y.tolist() == [1, 2, 0]
    net.classes = ["dog", "fish", "bird"]
    with pytest.raises(ng.LabelError, match="class 'cat' is not one of"):
        cli.common.load_for(net, tmp_path / "pets.csv")


# --- the README's command lines run as written on a fresh folder --------------------------------
def test_data_command_writes_the_built_in_sets(capsys, tmp_path):
    code, out, _ = run(capsys, "data", "xor", "--out", tmp_path / "xor.csv")
    assert code == 0 and "4 instances, 2 features" in out
    X, y = ng.data.load_dataset(tmp_path / "xor.csv")
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and y.tolist() == [0, 1, 1, 0]
    code, _, _ = run(capsys, "data", "digits", "--out", tmp_path / "digits.npz")
    X, y = ng.data.load_dataset(tmp_path / "digits.npz")
    Xd, yd = ng.data.load_digits()
    np.testing.assert_array_equal(X, Xd)
    np.testing.assert_array_equal(y, yd)
    code, _, err = run(capsys, "data", "iris")
    assert_user_error(code, err, "unknown truth table 'iris'")


def _readme_command_lines():
    text = README.read_text()
    block = text.split("## Command line", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line.split("#")[0].split() for line in block.splitlines() if line.strip()]


def test_readme_command_lines_run_as_written(tmp_path):
    lines = _readme_command_lines()
    assert lines[0][:2] == ["neurograph", "data"]  # the data file is made, not assumed
    for words in lines:
        assert words[0] == "neurograph"
        r = neurograph(*words[1:], cwd=tmp_path)
        assert r.returncode == 0, (words, r.stderr)


# --- issue 19, item 12: one language for formats, flags in hints, every command listed -------
@pytest.fixture
def xor_checkpoint(tmp_path):
    X, y = ng.data.truth_table("XOR")
    ng.data.save_dataset(tmp_path / "xor.csv", X, y)
    net = ng.Network.from_architecture([2, 2, 1], seed=3)
    ng.save(net, tmp_path / "xor.ngz")
    return tmp_path / "xor.ngz", tmp_path / "xor.csv"


def _subparsers():
    import argparse

    parser = cli.build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return parser, action


def test_every_format_choice_is_one_flag_with_text_md_html():
    _, action = _subparsers()
    formats = {}
    for name, sub in action.choices.items():
        flags = {o: a for a in sub._actions for o in a.option_strings}
        if "--format" in flags:
            formats[name] = tuple(flags["--format"].choices)
    # the commands that print a report each choose its format the same way
    assert formats == {c: ("text", "md", "html") for c in ("diagnose", "lesion", "explain",
                                                              "check-backprop")}


@pytest.mark.parametrize("command", ["diagnose", "lesion"])
def test_format_md_is_the_markdown_and_the_old_flag_still_works(capsys, xor_checkpoint,
                                                                 command):
    ckpt, data = xor_checkpoint
    net = ng.load(ckpt)
    X, y = ng.data.truth_table("XOR")
    report = ng.diagnose(net, X, y) if command == "diagnose" else ng.lesion_study(net, X, y)
    code, out, err = run(capsys, command, ckpt, data, "--format", "md")
    assert code in (0, 1) and err == "", err
    assert out.strip() == report.to_markdown().strip()
    code, old, err = run(capsys, command, ckpt, data, "--markdown")
    assert old == out and "--markdown is deprecated; use --format md" in err
    code, text, _ = run(capsys, command, ckpt, data, "--format", "text")
    assert text.strip() == str(report).strip()


def test_format_html_is_a_page_whose_text_is_escaped(capsys, tmp_path):
    from html.parser import HTMLParser

    net = ng.Network()
    x1, x2 = net.add_input("x1"), net.add_input("x2")
    hidden = [net.add_node("<b>h1"), net.add_node("h2")]
    o = net.add_node("o")
    for k, h in enumerate(hidden):
        net.connect(x1, h, weight=1.0 + k)
        net.connect(x2, h, weight=-2.0)
        net.connect(h, o, weight=3.0 - 4 * k)
    ng.save(net, tmp_path / "m.ngz")
    X, y = ng.data.truth_table("XOR")
    ng.data.save_dataset(tmp_path / "d.csv", X, y)
    code, out, err = run(capsys, "lesion", tmp_path / "m.ngz", tmp_path / "d.csv",
                         "--format", "html")
    assert code == 0, err

    class Cells(HTMLParser):
        tags, cells, inside = [], [], False

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            self.inside = tag in ("td", "th")

        def handle_endtag(self, tag):
            self.inside = False

        def handle_data(self, data):
            if self.inside:
                self.cells.append(data)

    page = Cells()
    page.feed(out)
    assert out.startswith("<!doctype html>") and "b" not in page.tags
    study = ng.lesion_study(net, X, y)
    # every row of the study is a table row, its unit first and its ΔJ third
    assert page.cells[5::5] == [r.unit for r in study.rows] and "<b>h1" in page.cells
    assert [float(v) for v in page.cells[7::5]] == pytest.approx([r.dJ for r in study.rows],
                                                                 rel=1e-5)


def test_markdown_to_html_keeps_names_as_text():
    from neurograph.cli.options import to_html

    page = to_html("## a <script>alert(1)</script>\n\n- `x</code><img src=x>`\n"
                   "| u | v |\n|---|---|\n| a\\|b | <i> |\n#not a heading", "t<")
    assert "<script>" not in page and "<img" not in page and "<i>" not in page
    assert "<td>a|b</td>" in page and "<title>t&lt;</title>" in page
    assert "<p>#not a heading</p>" in page


def test_help_lists_every_command_with_a_one_line_description():
    parser, action = _subparsers()
    env = {**os.environ, "COLUMNS": "80"}
    r = subprocess.run([sys.executable, "-m", "neurograph", "--help"], capture_output=True,
                       text=True, env={**env, "PYTHONPATH": str(ROOT)}, check=True)
    listed = {}
    for line in r.stdout.splitlines():
        m = re.match(r"    (\S+)\s{2,}(\S.*)$", line)
        if m:
            listed[m.group(1)] = m.group(2)
    assert set(listed) == set(action.choices), r.stdout
    helps = {a.dest: a.help for a in action._choices_actions}
    assert all(listed[c] == helps[c] for c in listed), r.stdout  # not wrapped
    head = parser.description
    assert "demo, data, train, render, gradcheck, inspect" not in head  # a partial list


def test_render_row_draws_that_row_of_the_data(capsys, xor_checkpoint, tmp_path):
    ckpt, data = xor_checkpoint
    code, _, err = run(capsys, "render", ckpt, "--show", "errors", "--data", data, "--row", 2,
                       "--out", tmp_path / "r.dot")
    assert code == 0, err
    src = (tmp_path / "r.dot").read_text(encoding="utf-8")
    assert "instance x(3) of 4" in src
    # δ(3) = a(3) − y of row 2, x = (1, 0), by hand from the checkpoint's Θ(1), Θ(2)
    net = ng.load(ckpt)
    g = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    a2 = g(np.asarray(net.theta(1)) @ [1.0, 1.0, 0.0])
    want = g(np.asarray(net.theta(2)) @ np.r_[1.0, a2])[0] - 1.0
    shown = float(re.search(r'a3_1 \[label="a3_1\\nδ=([^"]+)"', src).group(1))
    assert shown == pytest.approx(want, rel=1e-3)


@pytest.mark.parametrize("args, flag", [
    (["train", "2-2-1", "{data}", "--seed", "-1"], "--seed"),
    (["data", "four_classes", "--seed", "-1"], "--seed"),
    (["train", "2-2-1", "{data}", "--lam", "-1"], "--lam"),
    (["train", "2-2-1", "{data}", "--alpha", "nan"], "--alpha"),
    (["train", "2-2-1", "{data}", "--momentum", "1"], "--momentum"),
    (["gradcheck", "{ckpt}", "{data}", "--tol", "nan"], "--tol"),
    (["gradcheck", "{ckpt}", "{data}", "--c", "0"], "--c"),
    (["lesion", "{ckpt}", "{data}", "--lam", "-1"], "--lam"),
    (["lesion", "{ckpt}", "{data}", "--lam", "nan"], "--lam"),
    (["diagnose", "{ckpt}", "{data}", "--format", "pdf"], "--format"),
    (["render", "{ckpt}", "--show", "errors"], "--data"),
    (["render", "{ckpt}", "--show", "errors", "--data", "{data}", "--row", "4"], "--row"),
    (["render", "{ckpt}", "--show", "errors", "--data", "{data}", "--row", "-1"], "--row"),
    (["render", "{ckpt}", "--row", "1"], "--row"),
    (["diagnose", "{ckpt}", "{data}", "--bogus"], "--bogus"),
])
def test_bad_values_are_one_line_naming_the_flag(capsys, xor_checkpoint, tmp_path, args, flag):
    ckpt, data = xor_checkpoint
    argv = [a.format(ckpt=ckpt, data=data) for a in args]
    if argv[0] == "data":
        argv += ["--out", str(tmp_path / "f.csv")]
    code, _, err = run(capsys, *argv)
    assert_user_error(code, err, re.escape(flag))
    assert not re.search(r"\b(lam|alpha|seed|tol|trace)=", err), err  # no Python argument
