"""Problems found in the sources, as data: every stage returns them instead of raising."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at a place in a source file."""

    path: str
    line: int
    col: int
    severity: Severity
    message: str
    hint: str = ""

    def format(self) -> str:
        """Render as `path:line:col: severity: message (hint)`, the compiler convention."""
        text = f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


def error(path: str, line: int, col: int, message: str, hint: str = "") -> Diagnostic:
    """Make an error diagnostic."""
    return Diagnostic(path, line, col, "error", message, hint)


def warning(path: str, line: int, col: int, message: str, hint: str = "") -> Diagnostic:
    """Make a warning diagnostic."""
    return Diagnostic(path, line, col, "warning", message, hint)


def closest(
    word: str, candidates: Iterable[str], limit: int = 1, cutoff: float = 0.75
) -> list[str]:
    """The candidates closest to WORD, best first: the one fuzzy match every suggestion uses."""
    return difflib.get_close_matches(word, list(candidates), n=limit, cutoff=cutoff)


def did_you_mean(word: str, candidates: Iterable[str], cutoff: float = 0.75) -> str:
    """Return a "did you mean 'x'?" hint for the closest candidate, or an empty string."""
    close = closest(word, candidates, cutoff=cutoff)
    return f"did you mean '{close[0]}'?" if close else ""


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sort by file, line and column, dropping exact repeats."""
    return sorted(set(diagnostics))


def count(diagnostics: Iterable[Diagnostic], severity: Severity) -> int:
    """Count the diagnostics of one severity."""
    return sum(1 for d in diagnostics if d.severity == severity)


def has_errors(diagnostics: Iterable[Diagnostic], strict: bool = False) -> bool:
    """True when the run must fail: any error, or any warning in strict mode."""
    return any(d.severity == "error" or strict for d in diagnostics)


def plural(n: int, word: str) -> str:
    """`1 warning`, `2 warnings`."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
