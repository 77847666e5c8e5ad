"""Hidden-unit pictures drawn by every renderer (issue 21, item 9): PNG, SVG, the demo's grid.

A picture's region in dot's PNG is found from the SVG of the same diagram (the
same layout; dot's PNG is its SVG's points at 96 dpi), and its pixels are
compared with the picture's own: a blank square is white with no variance.
"""

import io
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest

import neurograph as ng

PIL = pytest.importorskip("PIL.Image")


def checker_net():
    """4-2-1 whose two hidden units' pictures are checkerboards: half black, half white."""
    return ng.Network.from_thetas([[[0, 1, -1, -1, 1], [0, -1, 1, 1, -1]], [[0, 1, 1]]])


def _gray(data: bytes) -> np.ndarray:
    return np.asarray(PIL.open(io.BytesIO(data)).convert("L"), dtype=float)


def _regions(dot) -> list[tuple[slice, slice]]:
    """Pixel rows and columns of each picture in dot's PNG, read off the SVG's <image>s."""
    svg = dot.pipe(format="svg").decode()
    tx, ty = map(float, re.search(r'class="graph" transform="[^"]*translate\(([-\d.]+) '
                                  r'([-\d.]+)\)', svg).groups())
    out = []
    for tag in re.findall(r"<image[^>]*>", svg):
        f = {k: float(v) for k, v in re.findall(r'\b(width|height|x|y)="([-\d.]+)(?:px)?"', tag)}
        k = 96 / 72  # dot's PNG: 96 pixels per inch, the SVG's unit is the point
        x0, y0 = (f["x"] + tx) * k, (f["y"] + ty) * k
        # a margin of 2 px keeps the box's border and anti-aliasing out
        out.append((slice(int(y0) + 2, int(y0 + f["height"] * k) - 2),
                    slice(int(x0) + 2, int(x0 + f["width"] * k) - 2)))
    return out


def _assert_pictures_drawn(png: bytes, dot) -> None:
    img = _gray(png)
    regions = _regions(dot)
    assert len(regions) == len(dot.images) == 2
    for (rows, cols), data in zip(regions, [dot.images[n] for n in sorted(dot.images)]):
        own = _gray(data)  # the checkerboard: mean 127.5, std 127.5
        drawn = img[rows, cols]
        assert drawn.size > 100
        assert abs(drawn.mean() - own.mean()) < 25, (drawn.mean(), own.mean())
        assert drawn.std() > 0.7 * own.std(), (drawn.std(), own.std())


def test_png_from_diagram_render_draws_the_pictures(tmp_path, capfd, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    dot = ng.diagram(checker_net(), hidden_images=(2, 2))
    out = dot.render(tmp_path / "d", format="png", cleanup=True)
    _assert_pictures_drawn((tmp_path / "d.png").read_bytes(), dot)
    assert os.path.basename(out) == "d.png"
    assert sorted(os.listdir(tmp_path)) == ["d.png", "tmp"]  # no pictures left beside it
    assert os.listdir(tmp_path / "tmp") == []  # the run's folder is gone
    assert "Warning" not in capfd.readouterr().err


def test_net_render_png_draws_the_pictures_and_leaves_no_folder(tmp_path, capfd):
    net = checker_net()
    net.render(tmp_path / "h.png", hidden_images=(2, 2))
    _assert_pictures_drawn((tmp_path / "h.png").read_bytes(),
                           ng.diagram(net, hidden_images=(2, 2)))
    net.render(tmp_path / "h.svg", hidden_images=(2, 2))
    assert (tmp_path / "h.svg").read_text().count("data:image/png;base64,") == 2
    net.render(tmp_path / "h.pdf", hidden_images=(2, 2))
    assert sorted(os.listdir(tmp_path)) == ["h.pdf", "h.png", "h.svg"]
    assert "Warning" not in capfd.readouterr().err


def test_render_with_image_dir_keeps_the_pictures_and_dot_finds_them(tmp_path, capfd,
                                                                     monkeypatch):
    """A relative image_dir: render runs dot in the source's folder, not ours."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    dot = ng.diagram(checker_net(), hidden_images=(2, 2), image_dir="pics")
    dot.render("sub/d", format="png")
    _assert_pictures_drawn((tmp_path / "sub" / "d.png").read_bytes(), dot)
    assert sorted(os.listdir(tmp_path / "pics")) == ["a2_1.png", "a2_2.png"]
    kept = (tmp_path / "sub" / "d").read_text()  # the source names the folder as given
    assert "imagepath=pics" in kept and str(tmp_path) not in kept
    assert "Warning" not in capfd.readouterr().err


def test_svg_from_diagram_render_embeds_the_pictures(tmp_path, capfd):
    dot = ng.diagram(checker_net(), hidden_images=(2, 2))
    out = dot.render(tmp_path / "d", format="svg")
    svg = Path(out).read_text()
    assert svg.count("data:image/png;base64,") == 2 and 'href="a2_' not in svg
    assert "imagepath" not in (tmp_path / "d").read_text()  # no folder of a finished run
    assert "Warning" not in capfd.readouterr().err


def _find(img: np.ndarray, tile: np.ndarray) -> list[tuple[int, int]]:
    """Top-left corners where ``tile`` sits in ``img`` pixel for pixel."""
    th, tw = tile.shape
    rows = np.lib.stride_tricks.sliding_window_view(img, tw, axis=1)  # (H, W - tw + 1, tw)
    ys, xs = np.nonzero((rows == tile[0]).all(axis=2))
    return [(y, x) for y, x in zip(ys, xs) if y + th <= img.shape[0]
            and (img[y:y + th, x:x + tw] == tile).all()]


def test_demo_grid_is_labelled_big_and_leaves_no_folder(tmp_path, capsys):
    from neurograph import demo

    demo.run(tmp_path, quick=True)
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == []  # no *_images folder
    img = _gray((tmp_path / "digits_hidden_units.png").read_bytes())
    assert img.shape[1] >= 600  # projectable
    net = ng.load(tmp_path / "digits.ngz")
    T1 = np.asarray(net.theta(1))
    for j in (0, 17, 24):  # a2_1, a2_18, a2_25: each unit's weights, min black, max white
        w = T1[j, 1:].reshape(8, 8)
        want = np.round((w - w.min()) / (w.max() - w.min()) * 255)
        tile = np.kron(want, np.ones((14, 14)))
        where = _find(img, tile)
        assert len(where) == 1, f"a2_{j + 1}'s picture found {len(where)} times"
        y, x = where[0]
        under = img[y + 112: y + 112 + 30, x: x + 112]
        assert under.min() < 80 and (under < 128).mean() > 0.02  # its name is written there
    assert (img[:40] < 128).any()  # a title above
    bar = img[-80:]  # the grey scale, black to white, at the foot
    assert (bar == 0).any() and (bar == 255).any()


def test_a_units_name_is_written_below_its_picture_not_over_it():
    dot = ng.diagram(checker_net(), hidden_images=(2, 2))
    svg = dot.pipe(format="svg").decode()
    for name in ("a2_1", "a2_2"):
        node = re.search(rf"<title>{name}</title>(.*?)</g>", svg, flags=re.S).group(1)
        img = {k: float(v) for k, v in re.findall(r'\b(height|y)="([-\d.]+)(?:px)?"',
                                                   re.search(r"<image[^>]*>", node).group(0))}
        text = re.search(r'<text[^>]*\by="([-\d.]+)"[^>]*font-size="([\d.]+)"[^>]*>'
                         rf"{name}</text>", node)
        baseline, size = float(text.group(1)), float(text.group(2))
        # the text's top (its baseline less the font's ascent, ≤ its size) under the picture
        assert baseline - size >= img["y"] + img["height"] - 0.5, (name, baseline, img)
