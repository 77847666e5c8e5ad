"""The explorer page's size and speed: 60 frames of 64-25-10 with 50 instances.

    python bench/explorer.py [--out DIR]

Prints the build time, the page's size, its open time (navigation start to the
first frame drawn, in headless chromium) and the redraw time of switching
instance and frame (``performance.now()`` around the page's redraw).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import neurograph as ng  # noqa: E402


def build(out: Path) -> tuple[Path, float]:
    X, y = ng.data.load_digits()
    X, y = X[:500], y[:500]
    net = ng.Network.from_architecture([64, 25, 10], seed=0)
    steps = list(ng.Trainer(net, alpha=1.0).steps(X, ng.one_hot(y, 10), every="epoch",
                                                   epochs=60))
    t0 = time.perf_counter()
    page = ng.player(steps, out / "digits.html", net=net, instances=range(50))
    return page, time.perf_counter() - t0


def browse(page: Path, rounds: int = 5) -> tuple[float, float, float]:
    from test_player import _driver

    d = _driver()
    try:
        opens, inst, frame = [], [], []
        for _ in range(rounds):
            d.get(page.resolve().as_uri())
            opens.append(float(d.execute_script("return document.body.dataset.openMs")))
            for k in range(1, 6):
                d.execute_script("const s = document.getElementById('instance'); "
                                 f"s.value = '{k}'; s.dispatchEvent(new Event('change'));")
                inst.append(float(d.execute_script("return document.body.dataset.redrawMs")))
                d.execute_script("const s = document.getElementById('slider'); "
                                 f"s.value = {k * 7}; s.dispatchEvent(new Event('input'));")
                frame.append(float(d.execute_script("return document.body.dataset.redrawMs")))
        return statistics.median(opens), statistics.median(inst), statistics.median(frame)
    finally:
        d.quit()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=None)
    args = p.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="explorer-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    page, secs = build(out)
    size = page.stat().st_size
    opened, inst, frame = browse(page)
    print("| explorer page, 60 frames of 64-25-10, 50 instances | figure | budget |")
    print("|---|---|---|")
    print(f"| build (ng.player) | {secs:.2f} s | ≤ 10 s |")
    print(f"| size | {size / 1e6:.2f} MB | ≤ 5 MB |")
    print(f"| open (navigation start to first frame drawn) | {opened:.0f} ms | ≤ 2000 ms |")
    print(f"| redraw on switching instance | {inst:.1f} ms | ≤ 100 ms |")
    print(f"| redraw on switching frame | {frame:.1f} ms | ≤ 100 ms |")


if __name__ == "__main__":
    main()
