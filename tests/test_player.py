"""The training player in a real headless browser (Debian's chromium + chromedriver)."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

import neurograph as ng

ARTIFACTS = Path(__file__).resolve().parents[1] / "out" / "test-artifacts"


def xor_steps(alpha: float, epochs: int, keep_every: int):
    """A 2-2-1 XOR run (seed 3): every ``keep_every``-th epoch's Step, the net, X, y."""
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=3)
    steps = [s for s in ng.Trainer(net, alpha=alpha).steps(X, y, every="epoch", epochs=epochs)
             if s.epoch % keep_every == 0]
    return steps, net, X, y


@pytest.fixture(scope="module")
def player_file(tmp_path_factory):
    steps, net, _, _ = xor_steps(2.0, 200, 10)
    path = ng.player(steps, tmp_path_factory.mktemp("player") / "xor.html", net=net)
    return path, steps


def test_player_file_is_self_contained(player_file):
    path, steps = player_file
    text = Path(path).read_text(encoding="utf-8")
    assert text.count('class="frame"') == len(steps) == 20
    assert "http://" not in text.replace("http://www.w3.org", "")  # nothing fetched
    assert "https://" not in text and "<script src" not in text
    assert "J on the training data, before each step&#x27;s update" in text
    assert "epoch 190" in text


def test_player_in_headless_chromium(player_file, browser):
    path, _ = player_file
    d = browser
    d.get(Path(path).resolve().as_uri())
    assert d.execute_script("return document.body.dataset.frame") == "0"
    visible = d.execute_script(
        "return Array.from(document.querySelectorAll('.frame'))"
        ".filter(f => f.style.display !== 'none').length")
    assert visible == 1
    first = d.find_element("id", "info").text
    d.execute_script("const s = document.getElementById('slider'); s.value = 12;"
                     "s.dispatchEvent(new Event('input'));")
    assert d.execute_script("return document.body.dataset.frame") == "12"
    assert d.find_element("id", "info").text != first
    assert "epoch 120" in d.find_element("id", "info").text
    d.find_element("id", "next").click()
    assert d.execute_script("return document.body.dataset.frame") == "13"
    shown = d.execute_script(
        "return document.querySelectorAll('.frame')[13].style.display")
    assert shown == "block"
    severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    d.save_screenshot(str(ARTIFACTS / "player.png"))
    assert (ARTIFACTS / "player.png").stat().st_size > 10_000


def test_player_from_a_history(tmp_path):
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=3)
    history = ng.Trainer(net, alpha=2.0).fit(X, y, epochs=50)
    text = Path(ng.player(history, tmp_path / "h.html", net=net)).read_text(encoding="utf-8")
    assert text.count('class="frame"') == 1 and "after 50 epochs" in text


# --- bad input: a clear NeurographError naming what was expected and what came ---

@pytest.fixture(scope="module")
def small_run():
    steps, net, X, y = xor_steps(2.0, 3, 1)
    return steps, net, X, y


@pytest.mark.parametrize("kw, error, says", [
    ({"max_frames": -1}, ng.ConfigError, r"max_frames must be a whole number ≥ 1, got -1"),
    ({"max_frames": 2.5}, ng.ConfigError, r"max_frames .* got 2\.5 \(float\)"),
    ({"max_frames": "3"}, ng.ConfigError, r"max_frames .* got '3' \(str\)"),
    ({"max_frames": True}, ng.ConfigError, r"max_frames .* got True \(bool\)"),
    ({"res": -2, "X": "X"}, ng.ConfigError, r"res .* whole number ≥ 2, got -2"),
    ({"res": 2.5, "X": "X"}, ng.ConfigError, r"res .* got 2\.5"),
    ({"res": 0, "X": "X"}, ng.ConfigError, r"res .* got 0"),  # was a 0×0 map
    ({"X": "X3", "y": "y"}, ng.ShapeError, r"one row per instance .* \(4\), got 3 rows"),
    ({"X": "Xwide", "y": "y"}, ng.ShapeError, r"expected 2 input values per instance, got 3"),
    ({"X": "X", "y": "y3"}, ng.LabelError, r"y must have one row per instance .* got 3 rows"),
    ({"y": "y3"}, ng.LabelError, r"y must have one row per instance .* got 3 rows"),
    ({"y": "ywide"}, ng.ShapeError, r"expected K=1 target columns .* got 2"),
    ({"colour": "red"}, ng.ConfigError, r"unknown option 'colour' for ng.player"),
    ({"colour": "red", "static": False}, ng.ConfigError, r"unknown option 'colour'"),
    ({"instances": [1.7]}, ng.InputValueError, r"whole number ≥ 0, got 1\.7"),  # was row 1
    ({"instances": "03"}, ng.InputValueError, r"list of 0-based rows .* got '03'"),  # was 0, 3
    ({"instances": 2}, ng.InputValueError, r"list of 0-based rows .* got 2 \(int\)"),
])
def test_player_refuses_bad_input(tmp_path, small_run, kw, error, says):
    steps, net, X, y = small_run
    arrays = {"X": X, "X3": X[:3], "Xwide": np.ones((4, 3)), "y": y, "y3": y[:3],
              "ywide": np.ones((4, 2))}
    kw = {k: arrays.get(v, v) if isinstance(v, str) and k in ("X", "y") else v
          for k, v in kw.items()}
    with pytest.raises(error, match=says):
        ng.player(steps, tmp_path / "p.html", net=net, **kw)
    assert not any(tmp_path.iterdir())  # nothing written


def test_player_refuses_a_folder_or_a_path_under_a_file(tmp_path, small_run):
    steps, net, _, _ = small_run
    (tmp_path / "f").write_text("")
    with pytest.raises(ng.ConfigError, match="a folder"):
        ng.player(steps, tmp_path, net=net)
    with pytest.raises(ng.ConfigError, match=r"'.*f' is a file, not a folder"):
        ng.player(steps, tmp_path / "f" / "p.html", net=net)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


def test_player_shows_labels_as_one_hot_targets(tmp_path):
    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    net = ng.Network.from_architecture([2, 3], seed=0)
    tr = net.backward(X, [2, 0, 1])
    page = ng.player(tr, tmp_path / "p.html", net=net, y=[2, 0, 1])
    data = json.loads(re.search(r"const DATA = (\{.*?\});</script>",
                                page.read_text(encoding="utf-8")).group(1))
    assert data["y"] == np.eye(3)[[2, 0, 1]].tolist()  # was [[2], [0], [1]]: δ(L) = a − y wrong


def test_changes_between_networks_of_another_structure_are_refused():
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    wider = ng.Network.from_architecture([2, 3, 1], seed=0)
    with pytest.raises(ng.ConfigError, match=r"only in b: a2_3"):
        ng.diagram(net, show="changes", between=(net, wider))
    # drawn on a network a and b lack a unit of: its links would be drawn as unchanged
    with pytest.raises(ng.ConfigError, match=r"s = \[2, 3, 1\].*missing from a and b: a2_3 → a3_1"):
        ng.diagram(wider, show="changes", between=(net, net.copy()))
    with pytest.raises(ng.ConfigError, match=r"missing from a and b: a2_3"):
        ng.diagram(wider, show="changes", between=(net.backward(X, y), net.backward(X, y)))
    same = net.copy()
    same.link("x1", "a2_1").weight += 1.0
    assert "Δw" in ng.diagram(net, show="changes", between=(net, same)).source
