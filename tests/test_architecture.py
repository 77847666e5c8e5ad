"""The house's layout as a test: parts in order, arrows pointing down, no cycles, small modules.

The order of the parts is written here once (and drawn in docs/ARCHITECTURE.md,
which this test reads back). A module may import its own part and the parts
below it. The only arrows that point up are model/views.py's thin pass and
drawing methods, which import engines and render when called, never at import.
"""

from __future__ import annotations

import ast
import hashlib
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "neurograph"

# bottom to top; a part is the first name under neurograph (a module or a subpackage)
LAYERS = [
    ("errors", "notation", "io"),
    ("data",),
    ("model",),
    ("engines",),
    ("train",),
    ("diagnosis",),
    ("render",),
    ("lab", "explorer", "teaching"),
    ("checkpoint", "interop"),
    ("cli", "demo", "__main__", "__init__"),
]
LEVEL = {part: k for k, layer in enumerate(LAYERS) for part in layer}
# (importing module, part it may reach above itself): the documented one-line delegates,
# imported when called, never at import
CALL_TIME_UP = {("neurograph.model.views", "engines"), ("neurograph.model.views", "render"),
                ("neurograph.train.records", "render")}
# imports that stay inside a function for a reason the order does not cover: an optional
# extra's module is loaded only when asked for (a missing one raises MissingExtraError)
OPTIONAL = {("neurograph.interop", "neurograph.interop.sklearn"),
            ("neurograph.interop", "neurograph.errors")}
MAX_LINES = 450
REPEAT = 6


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def part_of(module: str) -> str:
    bits = module.split(".")
    return "__init__" if len(bits) == 1 else bits[1]


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PKG.rglob("*.py"))}


class Import:
    def __init__(self, source, target, module_level, type_only, line):
        self.source, self.target = source, target
        self.module_level, self.type_only, self.line = module_level, type_only, line


def _is_type_checking(test) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(name: str, path: Path, known: set) -> list[Import]:
    """Every neurograph import in a module, relative ones resolved, with where it runs."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []

    def add(target, node, module_level, type_only):
        if target.split(".")[0] == "neurograph":
            out.append(Import(name, target, module_level, type_only, node.lineno))

    def visit(node, module_level, type_only):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            module_level = False
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, module_level, True)
            for child in node.orelse:
                visit(child, module_level, type_only)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node, module_level, type_only)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:
                sub = f"{origin}.{alias.name}"
                # `from pkg import mod` imports the submodule; `from pkg import name` runs pkg
                add(sub if sub in known else origin, node, module_level, type_only)
        for child in ast.iter_child_nodes(node):
            visit(child, module_level, type_only)

    visit(tree, True, False)
    return out


def all_imports() -> list[Import]:
    mods = modules()
    known = set(mods)
    return [imp for name, path in mods.items() for imp in imports_of(name, path, known)]


def test_every_part_has_a_place_in_the_order():
    parts = {part_of(m) for m in modules()}
    assert parts - set(LEVEL) == set(), "a new part needs its place in LAYERS (and the docs)"


def test_importing_the_model_alone_imports_nothing_above_it():
    above = [p for p in LEVEL if LEVEL[p] > LEVEL["model"] and p != "__init__"]
    code = ("import sys, neurograph.model; "
            "print('\\n'.join(m for m in sys.modules if m.startswith('neurograph.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    loaded = done.stdout.split()
    assert "neurograph.model.network" in loaded  # the probe saw the model itself
    assert [m for m in loaded if part_of(m) in above] == []


def test_no_part_imports_a_part_above_it():
    wrong = []
    for imp in all_imports():
        src, dst = part_of(imp.source), part_of(imp.target)
        if LEVEL[dst] <= LEVEL[src]:
            continue
        if (imp.source, dst) in CALL_TIME_UP and not imp.module_level:
            continue
        where = "module level" if imp.module_level else "call time"
        wrong.append(f"{imp.source}:{imp.line} imports {imp.target} ({src} -> {dst}, {where})")
    assert wrong == []


def test_the_upward_exception_is_call_time_only_and_still_used():
    """The allowance is for thin methods: if it ever became a module-level import, or were
    no longer needed, this test says so."""
    ups = [(i.source, part_of(i.target), i.module_level) for i in all_imports()
           if (i.source, part_of(i.target)) in CALL_TIME_UP]
    assert {(s, d) for s, d, _ in ups} == CALL_TIME_UP
    assert not any(level for _, _, level in ups)


def test_imports_inside_functions_are_only_the_upward_delegates():
    """An import inside a function hides an edge from a reader: one that the order allows
    belongs at the top of the module, where the cycle test sees it."""
    hidden = [f"{i.source}:{i.line} imports {i.target}" for i in all_imports()
              if not i.module_level and not i.type_only
              and (i.source, part_of(i.target)) not in CALL_TIME_UP
              and (i.source, i.target) not in OPTIONAL
              ]
    assert hidden == []


def test_no_import_cycle_between_modules():
    g = nx.DiGraph()
    for imp in all_imports():
        if imp.module_level and not imp.type_only and imp.source != imp.target:
            g.add_edge(imp.source, imp.target)
    cycles = sorted(" -> ".join(c) for c in nx.simple_cycles(g))
    assert cycles == []


def test_no_module_is_longer_than_the_limit():
    long = {m: n for m, p in modules().items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def _normalized(path: Path) -> list[tuple[int, str]]:
    """(line number, text) of the lines that carry code: blank lines, comment lines and
    lone closing brackets dropped, whitespace collapsed, so re-indented copies still match."""
    out = []
    for k, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = " ".join(line.split())
        if text and not text.startswith("#") and not re.fullmatch(r"[\])}\"',:]*", text):
            out.append((k, text))
    return out


def repeated_blocks(paths) -> dict[str, list[str]]:
    """Windows of ``REPEAT`` consecutive code lines that occur more than once."""
    seen = defaultdict(list)
    for path in paths:
        lines = _normalized(path)
        for i in range(len(lines) - REPEAT + 1):
            window = lines[i:i + REPEAT]
            key = hashlib.sha1("\n".join(t for _, t in window).encode()).hexdigest()
            seen[key].append(f"{path.relative_to(ROOT)}:{window[0][0]}")
    return {k: v for k, v in seen.items() if len(v) > 1}


def test_the_repeat_finder_finds_a_copied_block(tmp_path):
    block = "\n".join(f"    x{k} = f(y{k})" for k in range(REPEAT))
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text(f"def f():\n{block}\n    return 1\n")
    b.write_text(f"class C:\n    # a comment\n\n{block.replace('    ', '        ')}\n")
    global ROOT
    old, ROOT = ROOT, tmp_path
    try:
        found = repeated_blocks([a, b])
    finally:
        ROOT = old
    assert sorted(found.values()) == [["a.py:2", "b.py:4"]]


def test_no_block_of_lines_is_repeated_inside_the_package():
    found = repeated_blocks(sorted(PKG.rglob("*.py")))
    assert sorted(" = ".join(places) for places in found.values()) == []


def test_the_documented_order_is_the_tested_order():
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    block = doc.split("## Parts and arrows", 1)[1].split("```", 2)[1]
    drawn = [tuple(w.strip() for w in line.split("  ")[0].split(","))
             for line in block.strip().splitlines()]
    listed = [tuple(p for p in layer if p not in ("__main__", "__init__")) for layer in LAYERS]
    assert drawn[::-1] == listed


def test_lazy_top_level_names_behave_like_eager_ones():
    code = """
import neurograph.teaching.textbook  # the subpackage loaded first changes nothing
import neurograph as ng
assert callable(ng.explain) and ng.explain.__module__ == "neurograph.teaching.worked"
assert set(ng.__all__) <= set(dir(ng))
ns = {}
exec("from neurograph import *", ns)
missing = [n for n in ng.__all__ if n not in ns]
assert missing == [], missing
assert ns["Network"] is ng.model.Network and ns["diagram"] is ng.lab.diagram
try:
    ng.no_such_name
except AttributeError as exc:
    assert "no_such_name" in str(exc)
else:
    raise SystemExit("no AttributeError")
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.stdout.strip() == "ok", done.stderr


def test_render_draws_what_it_is_handed():
    """Render stands below train, diagnosis and lab: it never runs, diagnoses or compares."""
    reach = [f"{i.source}:{i.line} imports {i.target}" for i in all_imports()
             if part_of(i.source) == "render"
             and part_of(i.target) in ("train", "diagnosis", "lab")]
    assert reach == []
