"""ng.exercise / ng.exercises: seeded exercises, their answers, grading, sheets and a key.

The answers are checked against this file's own forward and backward pass, written
the way a student works one instance by hand (with and without rounding each step).
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

import neurograph as ng


def by_hand(thetas, x, y, alpha=None, places=None):
    """Every quantity of one instance, each step rounded to ``places`` (None: exact)."""
    def r(v):
        return float(v) if places is None else round(float(v), places)

    out, a, z = {}, [[float(v) for v in x]], [None]
    for l, T in enumerate(thetas, 2):
        zl = [r(T[j] @ np.concatenate([[1.0], a[-1]])) for j in range(len(T))]
        al = [r(1 / (1 + np.exp(-v))) for v in zl]
        for j in range(len(T)):
            out[f"z({l})_{j + 1}"], out[f"a({l})_{j + 1}"] = zl[j], al[j]
        z.append(zl)
        a.append(al)
    h = np.array(a[-1])
    out["J"] = r(-np.sum(y * np.log(h) + (1 - y) * np.log(1 - h)))
    L = len(thetas) + 1
    delta = {L: [r(h[k] - y[k]) for k in range(len(h))]}
    for l in range(L - 1, 1, -1):
        back = thetas[l - 1][:, 1:].T @ np.array(delta[l + 1])
        delta[l] = [r(r(a[l - 1][i] * (1 - a[l - 1][i])) * back[i]) if places else
                    a[l - 1][i] * (1 - a[l - 1][i]) * back[i] for i in range(len(back))]
    for l in range(L, 1, -1):
        out.update({f"δ({l})_{j + 1}": v for j, v in enumerate(delta[l])})
    for l, T in enumerate(thetas, 1):
        a1 = [1.0] + a[l - 1]
        for j, i in np.ndindex(T.shape):
            out[f"D({l})_{j + 1},{i}"] = r(delta[l + 1][j] * a1[i])
    if alpha is not None:
        for l, T in enumerate(thetas, 1):
            for j, i in np.ndindex(T.shape):
                out[f"Θ({l})_{j + 1},{i}"] = r(T[j, i] - alpha * out[f"D({l})_{j + 1},{i}"])
    return out


def four(values: dict) -> dict:
    return {k: f"{v:.4f}" for k, v in values.items()}


@pytest.mark.parametrize("kind", ["forward", "backprop", "update"])
@pytest.mark.parametrize("seed", [0, 11, 12345])
def test_answers_are_the_lecture_numbers_and_pass_their_own_check(kind, seed):
    ex = ng.exercise(kind, seed=seed)
    thetas = [T.copy() for T in ex.net.thetas]
    assert all(np.array_equal(T, np.round(T, 1)) for T in thetas)  # workable by hand
    assert np.array_equal(ex.x, np.round(ex.x, 1)) and 2 <= ex.s[0] <= 3
    mine = by_hand(thetas, ex.x, ex.y, ex.alpha)
    asked = {"forward": ("z", "a", "J"), "backprop": ("z", "a", "J", "δ", "D"),
             "update": ("z", "a", "J", "δ", "D", "Θ")}[kind]
    want = {k: v for k, v in mine.items() if k.split("(")[0] in asked}
    got = ex.answers()
    assert set(got) == set(want)
    for k in want:
        assert got[k] == pytest.approx(want[k], abs=1e-12), k
    assert ex.check(got).ok and ex.check(four(got)).ok
    assert ex.hand(places=None) == pytest.approx(got, abs=1e-12)


def test_the_same_seed_gives_the_same_exercise():
    a, b, c = (ng.exercise("update", seed=s) for s in (7, 7, 8))
    assert a.answers() == b.answers() and a.alpha == b.alpha and a.to_markdown() == b.to_markdown()
    assert a.to_markdown() != c.to_markdown()
    assert ng.exercise("backprop", seed=np.int64(7)).s == ng.exercise("backprop", seed=7).s


def test_a_rounded_hand_calculation_passes_in_hand_mode_and_says_it_is_rounding():
    ex = ng.exercise("update", seed=0)
    hand = four(by_hand([T.copy() for T in ex.net.thetas], ex.x, ex.y, ex.alpha, places=4))
    exact = ex.check(hand)
    assert not exact.ok and "δ(3)_1" in exact.wrong  # rounding shows up to full precision
    chk = ex.check(hand, hand=True)
    assert chk.ok and chk.wrong == [] and chk.rounding == exact.wrong
    assert "the difference is rounding, not a mistake" in str(chk)
    # the sheet's own hand values are the same numbers
    assert four(ex.hand()) == hand


def test_a_wrong_hand_calculation_fails_named():
    ex = ng.exercise("backprop", seed=0)
    hand = four(by_hand([T.copy() for T in ex.net.thetas], ex.x, ex.y, places=4))
    hand["δ(2)_1"] = f"{float(hand['δ(2)_1']) + 0.01:.4f}"
    chk = ex.check(hand, hand=True)
    assert not chk.ok and chk.wrong == ["δ(2)_1"] and "δ(2)_1" in str(chk)


def test_missing_answers_are_named_and_names_may_be_spelled_as_check_by_hand_takes_them():
    ex = ng.exercise("forward", seed=3)
    got = ex.answers()
    chk = ex.check({"z(2)_1": got["z(2)_1"], "a (2)_1": got["a(2)_1"]})
    assert not chk.ok and chk.wrong == [] and chk.missing == list(got)[2:]
    assert ng.exercise("backprop", seed=3).check({"delta(3)_1": "0.5"}).wrong == ["δ(3)_1"]


def test_count_exercises_match_the_network_built_from_them():
    for seed in range(5):
        ex = ng.exercise("count", seed=seed)
        net = ng.Network.from_architecture(ex.s, seed=0)
        got = ex.answers()
        assert got["parameters"] == len(net.links) == net.theta_flat.size
        assert got["connections"] == sum(1 for li in net.links if not li.is_bias)
        for l, T in enumerate(net.thetas, 1):
            assert (got[f"rows Θ({l})"], got[f"columns Θ({l})"]) == T.shape
        assert ex.check({k: str(v) for k, v in got.items()}).ok
        assert ex.check({**got, "parameters": got["parameters"] - 1}).wrong == ["parameters"]


def test_bad_input_names_what_was_expected():
    with pytest.raises(ng.ConfigError, match="unknown exercise kind 'quiz'; known: forward"):
        ng.exercise("quiz", seed=1)
    for seed in ("1", 1.5, True, None):
        with pytest.raises(ng.ConfigError, match="seed must be a whole number"):
            ng.exercise("backprop", seed=seed)
    ex = ng.exercise("forward", seed=1)
    with pytest.raises(ng.LabelError, match=r"has no 'δ\(3\)_1'; it asks for: z\(2\)_1"):
        ex.check({"δ(3)_1": 0.1})  # a forward exercise asks for no δ
    with pytest.raises(ng.ConfigError, match="answers must be a dict"):
        ex.check([0.1])
    with pytest.raises(ng.ConfigError, match="n must be a whole number"):
        ng.exercises(0, seed=1)


def test_sheets_one_per_student_and_one_answer_key(tmp_path):
    out = tmp_path / "sheets"
    sheets = ng.exercises(30, seed=1, kind="backprop", out=out)
    assert len({ex.seed for ex in sheets}) == 30
    assert sorted(p.name for p in out.glob("sheet_*.md")) == [f"sheet_{k:02d}.md"
                                                            for k in range(1, 31)]
    assert len(list(out.glob("sheet_*.html"))) == 30
    with open(out / "answer_key.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for k, ex in enumerate(sheets, 1):
        mine = [r for r in rows if r["sheet"] == f"sheet_{k:02d}"]
        assert {r["name"]: float(r["value"]) for r in mine} == ex.answers()
        assert all(int(r["seed"]) == ex.seed for r in mine)
        sheet = (out / f"sheet_{k:02d}.md").read_text(encoding="utf-8")
        assert sheet == ex.to_markdown() and f"{ex.answers()['J']:.4f}" not in sheet
        assert f"{ex.answers()['J']:.4f}" in ex.to_markdown(key=True)
    first = (out / "sheet_01.md").read_bytes()
    ng.exercises(30, seed=1, kind="backprop", out=tmp_path / "again")
    assert (tmp_path / "again" / "sheet_01.md").read_bytes() == first
    html = (out / "sheet_01.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<table>" in html and "Θ(1)" in html
    (tmp_path / "file").write_text("x")
    with pytest.raises(ng.ConfigError, match="out must be a folder"):
        ng.exercises(2, out=tmp_path / "file")


@pytest.mark.parametrize("seed", range(10))
def test_hand_arithmetic_of_this_file_passes_in_hand_mode(seed):
    ex = ng.exercise("update", seed=seed)
    hand = four(by_hand([T.copy() for T in ex.net.thetas], ex.x, ex.y, ex.alpha, places=4))
    chk = ex.check(hand, hand=True)
    assert chk.ok, str(chk)
    assert set(chk.rounding) == set(ex.check(hand).wrong)
