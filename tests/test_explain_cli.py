"""neurograph explain CKPT … and neurograph textbook on the command line."""

import re

import pytest

import neurograph as ng
from neurograph.cli import main
from neurograph.teaching.textbook import mazur_network


@pytest.fixture
def ckpt(tmp_path):
    p = tmp_path / "mazur.ngz"
    ng.save(mazur_network(), p)
    return p


def run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def joined(text):
    """Wrapped worked lines joined back into one line each."""
    return re.sub(r"\n +(=|:=) ", r" \1 ", text)


def test_explain_text(ckpt, capsys):
    code, out, err = run(capsys, "explain", ckpt, "--x", "0.05,0.10", "--y", "0.01,0.99",
                         "--alpha", "0.5", "--loss", "mse")
    assert code == 0 and err == ""
    assert re.search(r"^  h1\s+a\(2\)_1 = g\(z\(2\)_1\) = g\(0\.3775\) = 0\.593269992$", out, re.M)
    assert re.search(r"^  all\s+J = .* = 0\.298371109$", out, re.M)
    assert re.search(r"^  h1→o1\s+Θ\(2\)_1,1 := .* = 0\.35891648$", out, re.M)
    # the same numbers as ng.explain on the loaded checkpoint
    we = ng.explain(ng.load(ckpt), [0.05, 0.10], [0.01, 0.99], alpha=0.5, loss="mse")
    assert out == we.to_text()


@pytest.mark.parametrize("fmt, mark", [("md", r"\Theta^{(2)}_{1,1}"), ("html", "<table>")])
def test_explain_formats(ckpt, capsys, fmt, mark):
    code, out, _ = run(capsys, "explain", ckpt, "--x", "0.05,0.10", "--y", "0.01,0.99",
                       "--format", fmt, "--loss", "mse")
    assert code == 0 and mark in out and "0.593269992" in out


def test_explain_labels_and_batches(tmp_path, capsys):
    p = tmp_path / "n.ngz"
    net = ng.Network.from_architecture([2, 2, 3], seed=0)
    ng.save(net, p)
    code, out, _ = run(capsys, "explain", p, "--x=-1,2;0.5,0.5", "--y", "2,0", "--lam", "1")
    assert code == 0 and "z(2)_1^(2)" in out
    J = ng.load(p).cost([[-1, 2], [0.5, 0.5]], [2, 0], lam=1.0)
    assert re.search(rf"J = .* = {J:.9g}$", joined(out), re.M)


def test_explain_user_errors_exit_2(ckpt, capsys):
    code, out, err = run(capsys, "explain", ckpt, "--x", "0.05,0.10", "--y", "0.01,0.5,0.99")
    assert code == 2 and out == ""
    assert err.strip() == ("neurograph explain: error: --y needs 2 target values "
                           "(1 instance(s) × 2 outputs) or 1 class label(s), got 3")
    code, _, err = run(capsys, "explain", ckpt, "--x", "a,b", "--y", "1")
    assert code == 2 and "--x must be numbers like 0.05,0.10" in err
    code, _, err = run(capsys, "explain", ckpt.with_name("missing.ngz"), "--x", "1,2", "--y", "1")
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_textbook_command(capsys):
    code, out, _ = run(capsys, "textbook")
    assert code == 0 and "88 of 88 published values agree." in out


def test_textbook_exit_1_on_disagreement(capsys, monkeypatch):
    from neurograph.teaching import textbook

    monkeypatch.setitem(textbook.EX4_J, 0.0, "7.4071")  # a value ours does not round to
    code, out, _ = run(capsys, "textbook")
    assert code == 1 and re.search(r"J at λ = 0\s+7\.4071\s+7\.406969856\s+NO", out)


def test_refusals_name_the_flags(tmp_path, capsys):
    """From the command line a hint names --units, never the Python argument units=[…]."""
    p = tmp_path / "big.ngz"
    ng.save(ng.Network.from_architecture([20, 10, 3], seed=0), p)  # 243 links
    code, out, err = run(capsys, "explain", p, "--x", ",".join(["0"] * 20), "--y", "1")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "--units a3_3" in err and "units=" not in err and "X[:1]" not in err
    code, _, err = run(capsys, "explain", p, "--x", ",".join(["0"] * 20), "--y", "1",
                       "--units", "nope")
    assert code == 2 and "--units must name hidden or output units" in err
    for flag, value in [("--alpha", "nan"), ("--alpha", "-1"), ("--lam", "inf")]:
        code, _, err = run(capsys, "explain", p, "--x", ",".join(["0"] * 20), "--y", "1",
                           "--units", "a3_1", flag, value)
        assert code == 2 and f"{flag}: expected a finite number" in err, err
    # from Python the same refusal names the argument
    with pytest.raises(ng.ConfigError, match=r"units=\['a3_3'\]"):
        ng.explain(ng.load(p), [0] * 20, [1])


def test_a_conv_unit_is_explained_from_python_and_the_command_line(tmp_path, capsys):
    """Given units=[a conv unit], the refusal told the user to pass units=[that unit]
    (its shared weights' sums were what was long) and gave no way out on the command
    line; --units split 'c1[0, 1, 1]' at its own commas into three unknown names."""
    net = ng.Network(seed=0)
    c = net.add_conv(net.add_inputs((1, 5, 5), name="x"), maps=2, kernel=3, padding=1,
                     name="c1")
    net.connect_layers(net.add_pool(c, size=2, kind="max"), net.add_layer(3))
    x, y = [0.1 * k for k in range(25)], [0.0, 1.0, 0.0]
    unit = c[0, 1, 1]
    # its 9 + 1 incoming links, plus every link of the 9 kernel entries and the bias it reads
    params = {k.parameter.index: k.parameter for k in unit.incoming}
    count = len(unit.incoming) + sum(len(p.links) for p in params.values())
    with pytest.raises(ng.ConfigError, match=rf"shared weights: writing them out takes {count} "
                                             rf"links .*; pass max_links = {count}"):
        ng.explain(net, x, y, units=["c1[0, 1, 1]"])
    text = ng.explain(net, x, y, units=["c1[0, 1, 1]"], max_links=count).to_text()
    assert "c1[0, 1, 1]" in text
    p = tmp_path / "conv.ngz"
    ng.save(net, p)
    args = ("explain", p, "--x", ",".join(map(str, x)), "--y", "0,1,0",
            "--units", "c1[0, 1, 1], c1[1, 0, 0]")
    code, _, err = run(capsys, *args)
    assert code == 2 and "--max-links" in err and "max_links" not in err, err
    code, out, err = run(capsys, *args, "--max-links", "2000")
    assert code == 0 and "c1[0, 1, 1]" in out and "c1[1, 0, 0]" in out, err
