"""Every function and class of trustdocs stays short enough to read as one piece."""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "trustdocs"
MAX_FUNCTION_LINES = 60
MAX_CLASS_LINES = 150

# Definitions allowed to be longer for now: (file under src/trustdocs, qualified name) -> the most
# lines allowed. Split a definition, then remove its entry: a stale entry fails the test below.
LONG_DEFINITIONS_ALLOWED: dict[tuple[str, str], int] = {}


def measured_definitions() -> dict[tuple[str, str], tuple[int, int]]:
    """(file, qualified name) -> (lines, limit) for every function, method and class."""
    measured: dict[tuple[str, str], tuple[int, int]] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        rel = path.relative_to(SOURCE).as_posix()
        pending: list[tuple[ast.AST, str]] = [(ast.parse(path.read_text(encoding="utf-8")), "")]
        while pending:
            node, prefix = pending.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    name = f"{prefix}{child.name}"
                    is_class = isinstance(child, ast.ClassDef)
                    limit = MAX_CLASS_LINES if is_class else MAX_FUNCTION_LINES
                    lines = (child.end_lineno or child.lineno) - child.lineno + 1
                    measured[rel, name] = (lines, limit)
                    pending.append((child, f"{name}." if is_class else f"{name}.<locals>."))
                else:
                    pending.append((child, prefix))
    return measured


def over_limit(lines: int, limit: int) -> bool:
    """Whether a definition of LINES lines is longer than LIMIT allows."""
    return lines > limit


def test_no_function_is_over_60_lines_and_no_class_over_150():
    measured = measured_definitions()
    assert ("source.py", "parse_page_source") in measured  # the walk reached the sources
    assert ("serve.py", "Preview.rebuild") in measured  # and the methods of classes
    too_long = []
    for (rel, name), (lines, limit) in sorted(measured.items()):
        allowed = LONG_DEFINITIONS_ALLOWED.get((rel, name), limit)
        if over_limit(lines, allowed):
            too_long.append(f"{rel}: {name} has {lines} lines (at most {allowed})")
    stale = [
        f"{rel}: {name} is no longer over its limit: remove it from LONG_DEFINITIONS_ALLOWED"
        for rel, name in LONG_DEFINITIONS_ALLOWED
        if not over_limit(*measured.get((rel, name), (0, 0)))
    ]
    assert not too_long + stale, "\n".join(too_long + stale)
