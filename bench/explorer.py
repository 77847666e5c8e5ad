"""The explorer page's size and speed: 60 frames of 64-25-10 with 50 instances.

    python bench/explorer.py [--out DIR] [--rounds N]

The lecture's run: the first 500 digits, 64-25-10 trained with mini-batches of
32, one frame per epoch for 60 epochs; the page offers x(1) … x(50), rows of the
data, whose numbers the explorer computes at each frame's weights. Prints the
build time (``ng.player``), the page's size, its open time (navigation start to
the first frame drawn, in headless Chromium) and the redraw time of switching
instance and frame (``performance.now()`` around the page's redraw, read from
the page), with the load average around the run. ``make bench`` measures the
same as the case "explorer-64-25-10" (cases.py), each figure in its own process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the checkout this file is in, not an installed copy

import neurograph as ng  # noqa: E402

N, INSTANCES, EPOCHS, BATCH = 500, 50, 60, 32
CASE = "explorer-64-25-10"


def budgets() -> dict:
    """{figure: budget} (seconds; bytes for the size): the case's targets in cases.py."""
    from cases import CASES

    return {t.ours: t.budget for t in CASES[CASE].targets}


def train():
    """(net, X, y, steps): the run the page shows (not timed: it is training)."""
    X, y = ng.data.load_digits()
    X, y = X[:N], y[:N]
    net = ng.Network.from_architecture([64, 25, 10], seed=0)
    steps = list(ng.Trainer(net, alpha=1.0, batch_size=BATCH, seed=0).steps(
        X, y, every="epoch", epochs=EPOCHS))
    return net, X, y, steps


def build(out: Path, run) -> tuple[Path, float]:
    """Write the page into ``out``; (its path, seconds ng.player took)."""
    net, X, y, steps = run
    t0 = time.perf_counter()
    page = ng.player(steps, out / "digits.html", net=net, X=X, y=y,
                     instances=range(INSTANCES))
    return Path(page), time.perf_counter() - t0


class Browser:
    """Headless Debian Chromium driven by selenium; times read from the page itself."""

    def __init__(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        chrome = shutil.which("chromium") or "/usr/bin/chromium"
        driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
        opts = webdriver.ChromeOptions()
        opts.binary_location = chrome
        self.profile = tempfile.mkdtemp(prefix="chromium-")
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run",
                     "--window-size=1200,900", f"--user-data-dir={self.profile}"):
            opts.add_argument(flag)
        self.d = webdriver.Chrome(service=Service(driver), options=opts)

    def open(self, page: Path) -> float:
        """Seconds from navigation start to the first frame drawn."""
        self.d.get(page.resolve().as_uri())
        return float(self.d.execute_script("return document.body.dataset.openMs")) / 1e3

    def _redraw(self, script: str) -> float:
        self.d.execute_script(script)
        return float(self.d.execute_script("return document.body.dataset.redrawMs")) / 1e3

    def instance(self, k: int) -> float:
        """Seconds the page took to redraw for instance x(k + 1)."""
        return self._redraw("const s = document.getElementById('instance'); "
                            f"s.value = '{k}'; s.dispatchEvent(new Event('change'));")

    def frame(self, k: int) -> float:
        """Seconds the page took to redraw frame k."""
        return self._redraw("const s = document.getElementById('slider'); "
                            f"s.value = {k}; s.dispatchEvent(new Event('input'));")

    def quit(self) -> None:
        self.d.quit()
        shutil.rmtree(self.profile, ignore_errors=True)


def switches(b: Browser, what: str, k: int = 10) -> float:
    """Median seconds of ``k`` redraws switching instance (x(1)…x(k)) or frame."""
    if what == "instance":
        return statistics.median(b.instance((i * 7) % INSTANCES) for i in range(1, k + 1))
    return statistics.median(b.frame((i * 7) % EPOCHS) for i in range(1, k + 1))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=None, help="folder for the page (default: a temporary one)")
    p.add_argument("--rounds", type=int, default=5, help="page opens (each with its redraws)")
    args = p.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="explorer-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    load0 = os.getloadavg()[0]
    run = train()
    page, secs = build(out, run)
    b = Browser()
    try:
        opens, inst, frame = [], [], []
        for _ in range(args.rounds):
            opens.append(b.open(page))
            inst.append(switches(b, "instance"))
            frame.append(switches(b, "frame"))
    finally:
        b.quit()
    budget = budgets()
    got = {"build": secs, "size": page.stat().st_size, "open": statistics.median(opens),
           "redraw_instance": statistics.median(inst), "redraw_frame": statistics.median(frame)}
    what = {"build": "build (ng.player)", "size": "size",
            "open": "open (navigation start to first frame drawn)",
            "redraw_instance": "redraw on switching instance",
            "redraw_frame": "redraw on switching frame"}
    print(f"| explorer page, {EPOCHS} frames of 64-25-10 (mini-batches of {BATCH}), "
          f"{INSTANCES} instances | figure | budget |")
    print("|---|---|---|")
    for k, v in got.items():
        fig = (f"{v / 1e6:.2f} MB", f"≤ {budget[k] / 1e6:g} MB") if k == "size" else \
            (f"{v * 1e3:.1f} ms", f"≤ {budget[k] * 1e3:g} ms") if budget[k] < 1 else \
            (f"{v:.2f} s", f"≤ {budget[k]:g} s")
        print(f"| {what[k]} | {fig[0]} | {fig[1]}{'' if v <= budget[k] else ' **over**'} |")
    print(f"\nload average {load0:.2f} before, {os.getloadavg()[0]:.2f} after "
          f"({os.cpu_count()} cores); page: {page}")


if __name__ == "__main__":
    main()
