"""Runs cases contender by contender in fresh processes and judges whether the figures stand.

Pure logic (parsing, spread, load, refusal, the report, the write) is kept in
plain functions so it is tested without timing anything.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from worker import thread_env

WORKER = Path(__file__).resolve().with_name("worker.py")
BEGIN, END = "<!-- bench: begin (made by bench/run.py) -->", "<!-- bench: end -->"


class BenchError(Exception):
    """A worker failed or printed something that is not its result."""


def parse_worker(stdout: str) -> dict:
    """The worker's result: the last stdout line that is a JSON object with samples.

    Libraries may print before it; anything else is refused.

    >>> parse_worker('a warning\\n{"samples": [0.5], "unit": "s"}\\n')["samples"]
    [0.5]
    """
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                out = json.loads(line)
            except json.JSONDecodeError as e:
                raise BenchError(f"worker printed a broken JSON line ({e}): {line[:80]!r}") \
                    from None
            samples = out.get("samples")
            if not (isinstance(samples, list) and samples
                    and all(isinstance(v, (int, float)) and v > 0 for v in samples)):
                raise BenchError(f"expected a non-empty list of positive samples, got "
                                 f"{samples!r}")
            return out
    raise BenchError(f"expected a JSON result line from the worker, got {stdout[-200:]!r}")


def spread(values) -> float:
    """(largest − smallest) / smallest of the runs' figures.

    >>> round(spread([1.0, 1.1, 1.05]), 3)
    0.1
    """
    lo, hi = min(values), max(values)
    return (hi - lo) / lo


@dataclass
class Summary:
    """One contender of a case: each run's median sample, and their median."""

    runs: list
    unit: str = "s"

    @property
    def value(self) -> float:
        return statistics.median(self.runs)

    @property
    def spread(self) -> float:
        return spread(self.runs)


@dataclass
class CaseResult:
    case: object
    summaries: dict
    load_before: float
    load_after: float
    foreign: float | None  # cores kept busy by other processes during the case
    blas: dict = field(default_factory=dict)  # contender -> BLAS/threads line
    versions: dict = field(default_factory=dict)


def foreign_load(busy: tuple, own: tuple, wall: float) -> float:
    """Cores that other processes kept busy: machine CPU time minus ours, per wall second.

    The load average cannot say this: after a case it counts our own threads.

    >>> foreign_load((100.0, 103.0), (10.0, 12.5), 2.0)
    0.25
    """
    return max(0.0, ((busy[1] - busy[0]) - (own[1] - own[0])) / wall)


def machine_busy_seconds() -> float | None:
    """CPU seconds the whole machine spent not idle since boot (Linux), else None."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return None
    ticks = [int(v) for v in fields[1:9]]  # user nice system idle iowait irq softirq steal
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def own_seconds() -> float:
    """CPU seconds of this process and its finished workers."""
    t = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        t += r.ru_utime + r.ru_stime
    return t


def order(contenders, runs: int) -> list:
    """A B A B: every contender once per round, ``runs`` rounds.

    >>> order(["ours", "torch"], 2)
    ['ours', 'torch', 'ours', 'torch']
    """
    return [c for _ in range(runs) for c in contenders]


def settle(max_load: float, seconds: float, poll: float = 2.0) -> float:
    """Wait (at most ``seconds``) for the 1-minute load to fall to ``max_load``; return it.

    Our own previous case leaves its mark on the load average; this lets it fade.
    """
    end = time.monotonic() + seconds
    load = os.getloadavg()[0]
    while load > max_load and time.monotonic() < end:
        time.sleep(poll)
        load = os.getloadavg()[0]
    return load


def run_case(case, runs: int, repeats: int, threads: int, quick: bool,
             python: str = sys.executable, settle_s: float = 0.0,
             max_load: float = 1.0) -> CaseResult:
    """Time every contender of ``case``, each run in a fresh process, rounds alternating."""
    env = {**os.environ, **thread_env(threads)}
    load_before = settle(max_load, settle_s)
    busy0, own0, t0 = machine_busy_seconds(), own_seconds(), time.perf_counter()
    samples: dict = {c: [] for c in case.contenders}
    blas, versions, units = {}, {}, {}
    for contender in order(case.contenders, runs):
        cmd = [python, str(WORKER), case.name, contender, "--repeats", str(repeats),
               "--threads", str(threads)] + (["--quick"] if quick else [])
        p = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if p.returncode != 0:
            raise BenchError(f"{case.name} {contender}: worker exited {p.returncode}: "
                             f"{p.stderr.strip()[-600:]}")
        out = parse_worker(p.stdout)
        samples[contender].append(statistics.median(out["samples"]))
        blas[contender], units[contender] = out["blas"], out["unit"]
        versions.update(out["versions"])
    wall = time.perf_counter() - t0
    busy1, own1 = machine_busy_seconds(), own_seconds()
    foreign = None if busy0 is None else foreign_load((busy0, busy1), (own0, own1), wall)
    return CaseResult(case, {c: Summary(samples[c], units[c]) for c in case.contenders},
                      load_before, os.getloadavg()[0], foreign, blas, versions)


def problems(results, start_load: float, max_load: float, max_spread: float) -> list[str]:
    """Why these figures must not be published (empty: they may).

    The machine was busy if the load average was above ``max_load`` when we
    began, or other processes kept more than ``max_load`` cores busy during a
    case (without /proc/stat: the load average after it); a contender is
    unsteady if its runs differ by more than ``max_spread``.
    """
    out = []
    if start_load > max_load:
        out.append(f"the load average was {start_load:.2f} before the first case "
                   f"(at most {max_load:g} expected)")
    for r in results:
        name = r.case.name
        if r.foreign is not None and r.foreign > max_load:
            out.append(f"{name}: other processes kept {r.foreign:.2f} cores busy during the "
                       f"case (at most {max_load:g} expected)")
        elif r.foreign is None and r.load_after > max_load:
            out.append(f"{name}: the load average was {r.load_after:.2f} after the case "
                       f"(at most {max_load:g} expected)")
        for c, s in r.summaries.items():
            if len(s.runs) > 1 and s.spread > max_spread:
                out.append(f"{name} {c}: its runs differ by {s.spread:.0%} "
                           f"({fmt(min(s.runs), s.unit)} to {fmt(max(s.runs), s.unit)}; "
                           f"at most {max_spread:.0%} expected)")
    return out


def fmt(v: float, unit: str = "s") -> str:
    """A figure with its unit: ms below a second.

    >>> fmt(0.0123), fmt(2.5), fmt(347.2, "B")
    ('12.300 ms', '2.500 s', '347 B')
    """
    if unit == "B":
        return f"{v:.0f} B"
    return f"{v * 1e3:.3f} ms" if v < 1 else f"{v:.3f} s"


def target_rows(r: CaseResult) -> list:
    """(what, ours, reference, ratio, target text, met) for each target of a case."""
    rows = []
    for t in r.case.targets:
        ours = r.summaries[t.ours]
        ref = t.budget if t.ref is None else r.summaries[t.ref].value
        ratio = t.ratio(ours.value, ref)
        sense = "ours/ref" if t.sense == "≤" else "ref/ours"
        rows.append((f"{r.case.title}: {t.ours}", fmt(ours.value, ours.unit),
                     f"{t.what}: {fmt(ref, ours.unit)}", f"{ratio:.3f} ({sense})",
                     f"{t.sense} {t.target:g}", t.met(ratio)))
    return rows


def report(results, meta: dict) -> str:
    """The Markdown block: how it was run, the targets, every contender, the load."""
    pools = {}
    for r in results:
        for c, line in r.blas.items():
            pools.setdefault(line, set()).add(c)
    versions = {}
    for r in results:
        versions.update(r.versions)
    lines = [f"Run {meta['date']}: `{meta['command']}`", "",
             f"- Machine: {meta['machine']}, {os.cpu_count()} cores; "
             + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())),
             f"- Threads: {meta['threads']} for every contender (OMP_NUM_THREADS, "
             "OPENBLAS_NUM_THREADS, MKL_NUM_THREADS set before the process starts; "
             "torch.set_num_threads)",
             *(f"- BLAS: {line} ({', '.join(sorted(cs))})" for line, cs in pools.items()),
             f"- Method: each contender alone in its own process, processes alternating "
             f"(A B A B), {meta['runs']} runs of {meta['repeats']} samples after a warm-up; "
             "a figure is the median of its runs' medians; ours is `Trainer.fit`, per epoch",
             f"- Load average at the start: {meta['start_load']:.2f}", "",
             "| case | ours | reference | ratio | target | met |", "|---|---|---|---|---|---|"]
    met = 0
    for r in results:
        for what, ours, ref, ratio, target, ok in target_rows(r):
            met += ok
            lines.append(f"| {what} | {ours} | {ref} | {ratio} | {target} | "
                         f"{'yes' if ok else '**no**'} |")
    total = sum(len(r.case.targets) for r in results)
    lines += ["", f"{met} of {total} targets met.", "",
              "| case | contender | figure | runs | spread |", "|---|---|---|---|---|"]
    for r in results:
        for c, s in r.summaries.items():
            runs = " / ".join(fmt(v, s.unit) for v in s.runs)
            lines.append(f"| {r.case.name} | {c} | {fmt(s.value, s.unit)} | {runs} | "
                         f"{s.spread:.1%} |")
    lines += ["", "| case | load before | load after | other processes' cores during |",
              "|---|---|---|---|"]
    for r in results:
        other = "n/a" if r.foreign is None else f"{r.foreign:.2f}"
        lines.append(f"| {r.case.name} | {r.load_before:.2f} | {r.load_after:.2f} | "
                     f"{other} |")
    return "\n".join(lines) + "\n"


def merge(text: str, block: str) -> str:
    """``text`` with the generated block replaced (or, the first time, put in).

    Between the markers if they are there; else in place of an old generated
    table (from its "| case |" header to the "Machine:" line); else appended.

    >>> merge(f"# B\\n{BEGIN}\\nold\\n{END}\\nprose\\n", "new\\n").split("\\n")[2]
    'new'
    """
    marked = f"{BEGIN}\n{block.rstrip()}\n{END}\n"
    if BEGIN in text and END in text and text.index(BEGIN) < text.index(END):
        head, rest = text.split(BEGIN, 1)
        return head + marked + rest.split(END, 1)[1].lstrip("\n")
    lines = text.splitlines(keepends=True)
    start = next((i for i, ln in enumerate(lines) if ln.startswith("| case |")), None)
    stop = next((i for i, ln in enumerate(lines) if start is not None and i > start
                 and ln.startswith("Machine:")), None)
    if start is not None and stop is not None:
        return "".join(lines[:start]) + marked + "".join(lines[stop + 1:])
    return text + ("\n" if text and not text.endswith("\n") else "") + marked


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
