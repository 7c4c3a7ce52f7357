"""Problems found in the sources, as data: every stage returns them instead of raising."""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]

# What a run's diagnostics mean for the process: the command's exit codes, in one place.
EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2
EXIT_INTERNAL = 70  # sysexits.h EX_SOFTWARE: a bug in trustdocs, not in the site
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what shells report when a pipe's reader went away
ReportFormat = Literal["text", "github", "json"]
REPORT_FORMATS: tuple[ReportFormat, ...] = ("text", "github", "json")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at a place in a source file."""

    path: str
    line: int
    col: int
    severity: Severity
    message: str
    hint: str = ""

    def __post_init__(self) -> None:
        # A lone surrogate (from a YAML or JSON escape, a template) cannot be printed as UTF-8, nor
        # read back from JSON by strict readers: the problem shows it as its escape instead.
        for name in ("path", "message", "hint"):
            text = getattr(self, name)
            if unencodable(text) is not None:
                object.__setattr__(self, name, text.encode("utf-8", "backslashreplace").decode())

    def format(self) -> str:
        """Render as `path:line:col: severity: message (hint)`, the compiler convention."""
        text = f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"
        text = f"{text} ({self.hint})" if self.hint else text
        # A control character (a NUL or a terminal's escape sequence from a link's `#%00`, a
        # newline) would garble the terminal or split the one line an editor reads: escaped.
        return _CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


def display_path(path: Path) -> str:
    """A path as diagnostics show it: relative to the working folder when inside it; the bytes of
    a name that are not UTF-8 show as escapes, such as `caf\\xff`."""
    # What `path.relative_to(Path.cwd())` gives, as text: builds show thousands of paths.
    text, cwd = str(path), os.getcwd()
    prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep
    shown = "." if text == cwd else text[len(prefix) :] if text.startswith(prefix) else text
    if unencodable(shown) is None:
        return shown
    try:
        return os.fsencode(shown).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # not a name read from the file system: the Diagnostic escapes it
        return shown


def unencodable(text: str) -> str | None:
    """Why TEXT cannot be written as UTF-8 (it holds a lone surrogate), or None when it can."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"is not valid Unicode text (lone surrogate U+{ord(text[exc.start]):04X})"
    return None


def error(path: str, line: int, col: int, message: str, hint: str = "") -> Diagnostic:
    """Make an error diagnostic."""
    return Diagnostic(path, line, col, "error", message, hint)


def warning(path: str, line: int, col: int, message: str, hint: str = "") -> Diagnostic:
    """Make a warning diagnostic."""
    return Diagnostic(path, line, col, "warning", message, hint)


def closest(
    word: str, candidates: Iterable[str], limit: int = 1, cutoff: float = 0.75
) -> list[str]:
    """The candidates closest to WORD, best first: the one fuzzy match every suggestion uses,
    and the cache's test of which names a hint depends on. Case is ignored (`[Home/A]` is near
    `home/a`), and so is how an accent is encoded (`é`, or `e` and a combining accent); of
    candidates alike but for these, the first in order stands for them."""
    folded = _folded(candidates) if isinstance(candidates, frozenset) else _fold(candidates)
    found = difflib.get_close_matches(_folded_word(word), list(folded), n=limit, cutoff=cutoff)
    return [folded[match] for match in found]


def _folded_word(word: str) -> str:
    """WORD as `closest` compares it: composed (NFC), then case-folded."""
    return unicodedata.normalize("NFC", word).casefold()


def _fold(candidates: Iterable[str]) -> dict[str, str]:
    """Each candidate's folded form (`_folded_word`) → the first candidate, in order, with it."""
    folded: dict[str, str] = {}
    for candidate in sorted(candidates):
        folded.setdefault(_folded_word(candidate), candidate)
    return folded


@functools.lru_cache(maxsize=8)
def _folded(candidates: frozenset[str]) -> dict[str, str]:
    """`_fold` of a site's page names, made once for every word sought near them."""
    return _fold(candidates)


def undecodable_utf8(path: str, data: bytes, exc: UnicodeDecodeError) -> Diagnostic:
    """The error for a file that is not UTF-8, at the line and column of its first bad byte."""
    line, col, byte = first_bad_byte(data, exc)
    return error(path, line, col, f"{NOT_UTF8} (byte 0x{byte:02x})")


NOT_UTF8 = "not UTF-8 text"  # what `undecodable_utf8` says, first


def first_bad_byte(data: bytes, exc: UnicodeDecodeError) -> tuple[int, int, int]:
    """The line, column and value of the first byte of DATA that is not UTF-8 (EXC, from decoding
    DATA as UTF-8)."""
    before = data[: exc.start]
    line_start = before.rfind(b"\n") + 1
    col = len(before[line_start:].decode("utf-8", errors="replace")) + 1
    return before.count(b"\n") + 1, col, data[exc.start]


def did_you_mean(word: str, candidates: Iterable[str], cutoff: float = 0.75) -> str:
    """Return a "did you mean 'x'?" hint for the closest candidate, or an empty string."""
    close = closest(word, candidates, cutoff=cutoff)
    if close and close[0] != word and same_but_encoding(close[0], word):
        return (
            f"'{close[0]}' is the same name with its accent encoded another way: "
            "save the files as NFC"
        )
    return f"did you mean '{close[0]}'?" if close else ""


def same_but_encoding(one: str, other: str) -> bool:
    """Whether ONE and OTHER are the same text in different Unicode forms (NFC, NFD)."""
    return unicodedata.normalize("NFC", one) == unicodedata.normalize("NFC", other)


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


@dataclass(frozen=True)
class Report:
    """What a run tells its reader: every problem found, and how the run went."""

    diagnostics: Sequence[Diagnostic]
    summary: str  # `checked 10 pages in 0.05 s, 1 error`, for people
    pages: int = 0
    failed: bool = False
    strict: bool = False  # warnings fail the run: GitHub shows each as an error

    def render(self, report_format: ReportFormat) -> tuple[str, str]:
        """The text for standard output and for standard error, in one of REPORT_FORMATS."""
        if report_format == "json":
            return self.json() + "\n", ""
        summary = self.summary + "\n" if self.summary else ""
        if report_format == "github":
            annotations = (github_annotation(d, self.strict) + "\n" for d in self.diagnostics)
            return "".join(annotations), summary
        return "", "".join(d.format() + "\n" for d in self.diagnostics) + summary

    def json(self) -> str:
        """One JSON document: the diagnostics as objects, then counts, for editors and tools."""
        document = {
            "diagnostics": [dataclasses.asdict(d) for d in self.diagnostics],
            "summary": {
                "pages": self.pages,
                "errors": count(self.diagnostics, "error"),
                "warnings": count(self.diagnostics, "warning"),
                "failed": self.failed,
                "strict": self.strict,  # its warnings failed it as its errors do
            },
        }
        return json.dumps(document, indent=2)


def github_annotation(diagnostic: Diagnostic, strict: bool = False) -> str:
    """A GitHub Actions workflow command that shows the problem on its file and line (on the
    run, for one in no file); an error for a warning of a STRICT run, which fails for it."""
    properties = ",".join(
        f"{key}={_escape_property(str(value))}"
        for key, value in (
            ("file", checkout_path(diagnostic.path)),
            ("line", diagnostic.line),
            ("col", diagnostic.col),
        )
    )
    message = f"{diagnostic.message} ({diagnostic.hint})" if diagnostic.hint else diagnostic.message
    severity = "error" if strict else diagnostic.severity
    where = f" {properties}" if diagnostic.path else ""
    return f"::{severity}{where}::{_escape_data(message)}"


def checkout_path(path: str) -> str:
    """PATH (a diagnostic's: from the working folder) from the root of the repository GitHub
    Actions checked out (GITHUB_WORKSPACE), when it is in there: GitHub shows an annotation on a
    pull request's line only by that name, and a workflow may run trustdocs in a subfolder."""
    workspace = os.environ.get("GITHUB_WORKSPACE", "")
    if not workspace or not path:
        return path
    full, root = os.path.abspath(path), os.path.abspath(workspace)
    if not full.startswith(root.rstrip(os.sep) + os.sep):
        return path
    return Path(os.path.relpath(full, root)).as_posix()


def _escape_data(text: str) -> str:
    # The escapes of GitHub's own toolkit (@actions/core, command.ts): the runner decodes these.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
