"""The worked-example script and the tour notebook's worked-example section."""

import importlib.util
import os
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_worked_example_script(capsys):
    spec = importlib.util.spec_from_file_location("worked_example",
                                                  EXAMPLES / "worked_example.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    r = mod.main()
    out = capsys.readouterr().out
    assert r["worked"].values["J"] == pytest.approx(0.2983711087600027, rel=1e-12)
    assert r["check"].first_wrong == "delta(3)_1" and r["check"].agreed == ["a(2)_1", "a(3)_1",
                                                                             "J"]
    assert "o1  δ(3)_1 = (a(3)_1 − y_1)·g'(z(3)_1)" in out and "DIFFERS" in out


def test_tour_notebook_worked_example_renders_as_formulas(monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    nb = nbformat.read(EXAMPLES / "tour.ipynb", as_version=4)
    k = next(i for i, c in enumerate(nb.cells) if "ng.explain(" in c.source)
    assert nb.cells[k - 1].cell_type == "markdown" and "worked example" in nb.cells[k - 1].source
    nb.cells = [nb.cells[1], nb.cells[k]]          # the imports, then the section's cell
    root = str(EXAMPLES.parent)
    # the kernel imports this checkout's neurograph
    monkeypatch.setenv("PYTHONPATH",
                       os.pathsep.join(p for p in [root, os.environ.get("PYTHONPATH")] if p))
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outs = nb.cells[1].outputs
    assert not [o for o in outs if o.output_type == "error"]
    md = next(o for o in outs if "text/markdown" in o.get("data", {}))["data"]["text/markdown"]
    assert r"$$ \begin{aligned}z^{(2)}_{1} &= \Theta^{(1)}_{1,0}\cdot a^{(1)}_{0}" in md
    assert "&= 0.298371109" in md
