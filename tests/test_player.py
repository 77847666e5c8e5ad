"""The training player in a real headless browser (Debian's chromium + chromedriver)."""

import os
import shutil
import tempfile
from pathlib import Path

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
    assert "J(Θ) over training" in text and "epoch 190" in text


def _driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chrome, driver = shutil.which("chromium") or "/usr/bin/chromium", \
        shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (os.path.exists(chrome) and os.path.exists(driver)):
        if os.environ.get("CI"):
            pytest.fail("chromium/chromedriver missing on CI: `make test` installs them as root")
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chrome
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--window-size=1200,900",
                 f"--user-data-dir={tempfile.mkdtemp(prefix='chromium-')}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=opts)


def test_player_in_headless_chromium(player_file):
    path, _ = player_file
    d = _driver()
    try:
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
    finally:
        d.quit()


def test_player_from_a_history(tmp_path):
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=3)
    history = ng.Trainer(net, alpha=2.0).fit(X, y, epochs=50)
    text = Path(ng.player(history, tmp_path / "h.html", net=net)).read_text(encoding="utf-8")
    assert text.count('class="frame"') == 1 and "after 50 epochs" in text
