"""The benchmark harness's logic: parsing, spread, load, refusal, the report and its write.

Nothing heavy is timed here; the references are checked on tiny problems.
"""

from __future__ import annotations

import doctest
import json
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import cases  # noqa: E402
import harness  # noqa: E402
import inputs  # noqa: E402
import references  # noqa: E402
import run  # noqa: E402
import worker  # noqa: E402
from harness import BEGIN, END, BenchError, CaseResult, Summary  # noqa: E402


@pytest.mark.parametrize("module", [harness, inputs, worker])
def test_bench_doctests(module):
    failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert attempted > 0 and failed == 0


# --- parsing a worker's output ------------------------------------------------------------
def test_parse_worker_takes_the_last_json_line_after_library_noise():
    out = 'some library warning\n{"samples": [0.25, 0.5], "unit": "s", "blas": "x"}\n'
    assert harness.parse_worker(out)["samples"] == [0.25, 0.5]


@pytest.mark.parametrize("stdout, says", [
    ("no result at all\n", "expected a JSON result line"),
    ('{"samples": [0.1, \n', "broken JSON"),
    ('{"samples": []}\n', "non-empty list of positive samples"),
    ('{"samples": [0.1, -2.0]}\n', "non-empty list of positive samples"),
    ('{"unit": "s"}\n', "non-empty list of positive samples"),
])
def test_parse_worker_refuses_what_is_not_a_result(stdout, says):
    with pytest.raises(BenchError, match=says):
        harness.parse_worker(stdout)


# --- spread, load, order -------------------------------------------------------------------
def test_spread_and_summary_figures():
    s = Summary([0.0104, 0.0100, 0.0120])
    assert s.value == pytest.approx(0.0104)
    assert s.spread == pytest.approx(0.2)  # (12 − 10) / 10
    assert harness.spread([3.0, 3.0]) == 0.0


def test_foreign_load_is_machine_cpu_minus_ours_per_second():
    # the machine was busy 10 s of CPU over 4 s; ours took 6 s of that: 1 core of others
    assert harness.foreign_load((50.0, 60.0), (1.0, 7.0), 4.0) == pytest.approx(1.0)
    # accounting jitter never makes the others' load negative
    assert harness.foreign_load((50.0, 55.0), (1.0, 7.0), 4.0) == 0.0


def test_busy_seconds_read_from_proc_stat_grow():
    a = harness.machine_busy_seconds()
    if a is None:
        pytest.skip("no /proc/stat here")
    sum(i * i for i in range(200_000))
    assert harness.machine_busy_seconds() >= a > 0


def test_processes_alternate_a_b_a_b():
    assert harness.order(("ours", "torch", "products"), 2) == \
        ["ours", "torch", "products", "ours", "torch", "products"]


# --- refusal -----------------------------------------------------------------------------
def result(runs=None, foreign=0.1, load_after=0.5, case=None):
    case = case or cases.CASES["xor-f64"]
    runs = runs or {"ours": [1.00e-4, 1.02e-4], "numpy": [0.60e-4, 0.61e-4]}
    return CaseResult(case, {c: Summary(v) for c, v in runs.items()}, 0.2, load_after,
                      foreign, {"ours": "openblas, 2 threads", "numpy": "openblas, 2 threads"},
                      {"numpy": "2.0"})


def test_quiet_steady_run_has_no_problems():
    assert harness.problems([result()], 0.3, 1.0, 0.10) == []


def test_spread_exactly_at_the_bound_passes_and_above_it_is_refused():
    at = result({"ours": [1.0, 1.1], "numpy": [1.0, 1.0]})
    assert harness.problems([at], 0.3, 1.0, 0.10 + 1e-12) == []
    above = result({"ours": [1.0, 1.12], "numpy": [1.0, 1.0]})
    (why,) = harness.problems([above], 0.3, 1.0, 0.10)
    assert why.startswith("xor-f64 ours: its runs differ by 12%") and "at most 10%" in why


def test_busy_machine_is_refused_with_the_load_it_had():
    why = harness.problems([result(foreign=1.4)], 1.7, 1.0, 0.10)
    assert why == ["the load average was 1.70 before the first case (at most 1 expected)",
                   "xor-f64: other processes kept 1.40 cores busy during the case "
                   "(at most 1 expected)"]


def test_without_proc_stat_the_load_after_the_case_decides():
    assert harness.problems([result(foreign=None, load_after=0.8)], 0.3, 1.0, 0.1) == []
    (why,) = harness.problems([result(foreign=None, load_after=1.3)], 0.3, 1.0, 0.1)
    assert "load average was 1.30 after the case" in why


def test_write_is_refused_with_exit_3_and_the_file_untouched(tmp_path, monkeypatch, capsys):
    target = tmp_path / "BENCHMARKS.md"
    target.write_text("# Benchmarks\nold figures\n")
    monkeypatch.setattr(run, "run_case", lambda *a, **k: result(foreign=1.5))
    monkeypatch.setattr(run.os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    monkeypatch.setattr(run, "RESULTS", tmp_path / "results.json")
    code = run.main(["--case", "xor-f64", "--write", str(target)])
    assert code == 3
    assert target.read_text() == "# Benchmarks\nold figures\n"
    err = capsys.readouterr().err
    assert "refusing to write" in err and "busy" in err


def test_quiet_run_writes_the_block_between_markers(tmp_path, monkeypatch):
    target = tmp_path / "BENCHMARKS.md"
    target.write_text("# Benchmarks\n\nprose stays\n")
    monkeypatch.setattr(run, "run_case", lambda *a, **k: result())
    monkeypatch.setattr(run.os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    monkeypatch.setattr(run, "RESULTS", tmp_path / "results.json")
    assert run.main(["--case", "xor-f64", "--write", str(target)]) == 0
    text = target.read_text()
    assert text.startswith("# Benchmarks\n\nprose stays\n")
    block = text.split(BEGIN)[1].split(END)[0]
    assert "`python bench/run.py --case xor-f64 --write " in block
    # 1.01e-4 / 0.605e-4 = 1.669 ≤ 2: met
    assert "| XOR 2-2-1 step, n=4, float64: ours | 0.101 ms | bare numpy: 0.060 ms | " \
           "1.669 (ours/ref) | ≤ 2 | yes |" in block
    assert "| xor-f64 | 0.20 | 0.50 | 0.10 |" in block
    assert "Threads: 2 for every contender" in block and "openblas, 2 threads" in block
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["cases"]["xor-f64"]["ours"] == [1.00e-4, 1.02e-4] and saved["problems"] == []


@pytest.mark.parametrize("argv, says", [
    (["--quick", "--write", "B.md"], "smoke test"),
    (["--runs", "1"], "at least 2"),
    (["--max-spread", "10"], "--max-spread"),
])
def test_options_that_would_give_untrustworthy_figures_are_refused(argv, says, capsys):
    with pytest.raises(SystemExit) as e:
        run.main(argv)
    assert e.value.code == 2 and says in capsys.readouterr().err


def test_target_rows_for_a_budget_and_a_greater_than_target():
    budget = CaseResult(cases.CASES["render"], {"ours": Summary([0.5, 0.5])}, 0, 0, 0)
    ((_, ours, ref, ratio, target, ok),) = harness.target_rows(budget)
    assert (ours, ref, ratio, target, ok) == ("500.000 ms", "budget: 2.000 s",
                                              "0.250 (ours/ref)", "≤ 1", True)
    mg = CaseResult(cases.CASES["micrograd"], {
        "graph_forward": Summary([0.002]), "graph_backward": Summary([0.004]),
        "mg_forward": Summary([0.1]), "mg_backward": Summary([0.8])}, 0, 0, 0)
    rows = harness.target_rows(mg)
    assert [(r[3], r[5]) for r in rows] == [("50.000 (ref/ours)", False),
                                            ("200.000 (ref/ours)", True)]


# --- writing BENCHMARKS.md -------------------------------------------------------------
def test_merge_replaces_the_marked_block_and_keeps_the_prose():
    text = f"# B\nintro\n{BEGIN}\nold table\n{END}\nwhy it falls short\n"
    out = harness.merge(text, "new table\n")
    assert out == f"# B\nintro\n{BEGIN}\nnew table\n{END}\nwhy it falls short\n"
    assert harness.merge(out, "new table\n") == out


def test_merge_replaces_an_old_unmarked_table_once():
    text = ("# B\nintro\n\n| case | ours |\n|---|---|\n| x | 1 ms |\n\n"
            "Machine: x86_64\n\n## Why\nprose\n")
    out = harness.merge(text, "fresh\n")
    assert out == f"# B\nintro\n\n{BEGIN}\nfresh\n{END}\n\n## Why\nprose\n"
    assert "1 ms" not in out
    assert harness.merge("", "t\n") == f"{BEGIN}\nt\n{END}\n"


def test_write_atomic_leaves_no_temporary_and_keeps_the_old_file_on_failure(tmp_path):
    p = tmp_path / "B.md"
    harness.write_atomic(p, "one\n")
    assert p.read_text() == "one\n"
    with pytest.raises(TypeError):
        harness.write_atomic(p, None)
    assert p.read_text() == "one\n" and [f.name for f in tmp_path.iterdir()] == ["B.md"]


# --- the contenders do the same step from the same start ----------------------------------
def test_worker_refuses_unknown_case_and_thread_mismatch(monkeypatch, capsys):
    assert worker.main(["no-such-case", "ours"]) == 2
    assert "no case/contender no-such-case ours" in capsys.readouterr().err
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    assert worker.main(["xor-f64", "ours", "--threads", "2"]) == 2
    assert "OMP_NUM_THREADS=4 but --threads 2" in capsys.readouterr().err


@pytest.mark.parametrize("s, count", [([5, 4, 3], 5), ([6, 5, 4, 3], 8)])
def test_products_are_the_steps_own_matrix_products(s, count):
    X, _, _, thetas = inputs.problem(s, 7)
    prod = references.make_products(thetas, X)
    assert prod.count == count
    prod()


def one_step_of_each(s, n, alpha=0.3):
    import neurograph as ng

    X, y, Y, thetas = inputs.problem(s, n, seed=3)
    net = ng.Network.from_thetas(thetas)
    ng.Trainer(net, alpha=alpha, lam=0).fit(X, Y, epochs=1)
    bare = references.make_numpy_step(thetas, X, Y, alpha)
    bare()
    return X, Y, thetas, [np.array(T) for T in net.thetas], bare.thetas


def test_bare_numpy_step_and_ours_agree_after_one_step():
    X, Y, thetas, ours, bare = one_step_of_each([6, 5, 4, 3], 20)
    for T0, T, B in zip(thetas, ours, bare):
        assert not np.allclose(T, T0)  # a step was taken
        np.testing.assert_allclose(T, B, rtol=0, atol=1e-12)


def test_torch_step_agrees_with_ours():
    pytest.importorskip("torch")
    X, Y, thetas, ours, _ = one_step_of_each([6, 5, 3], 20)
    step = references.make_torch_step(thetas, X, Y, 0.3)
    step()
    Ws, bs = step.params
    for T, W, b in zip(ours, Ws, bs):
        np.testing.assert_allclose(T[:, 1:], W.detach().numpy(), rtol=0, atol=1e-12)
        np.testing.assert_allclose(T[:, 0], b.detach().numpy(), rtol=0, atol=1e-12)


def test_sklearn_epoch_starts_from_the_same_weights_and_agrees_with_ours():
    pytest.importorskip("sklearn")
    X, Y, thetas, ours, _ = one_step_of_each([6, 5, 3], 20)
    epoch = references.make_sklearn_epoch((5,), X, Y, thetas, 0.3)
    clf = epoch.clf
    for T0, W, b in zip(thetas, clf.coefs_, clf.intercepts_):
        np.testing.assert_array_equal(W, T0[:, 1:].T)
        np.testing.assert_array_equal(b, T0[:, 0])
    epoch()
    for T, W, b in zip(ours, clf.coefs_, clf.intercepts_):
        np.testing.assert_allclose(T[:, 1:], W.T, rtol=0, atol=1e-12)
        np.testing.assert_allclose(T[:, 0], b, rtol=0, atol=1e-12)
