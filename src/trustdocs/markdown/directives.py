"""Body directives (FORMAT.md §3): `@sourceref`, `@diff` make code blocks; `@highlight`, `@codepen`
mark the code block above them.

Directive lines become `directive` tokens while parsing blocks (source.py's block rule, shared with
the fence scanner); a core rule then replaces each by its code block or attaches it to the block above.
Files are read at parse time, so a render reads nothing; only regular files inside the site folder,
up to a size limit, are read.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from trustdocs.cache import (
    CHANGED_WHILE_READ,
    bytes_digest,
    file_digest,
    kind_digest,
    leading,
    read_digest,
    size_digest,
)
from trustdocs.config import in_repository_folder, may_read
from trustdocs.diagnostics import did_you_mean, error, first_bad_byte, warning
from trustdocs.markdown.positions import report

if TYPE_CHECKING:
    from trustdocs.markdown import ParseContext

SOURCEREF_LANGUAGES = {"stache": "html", "mustache": "html", "component": "html"}
CODEPEN_VARIANTS = ("react",)


def directive_plugin(md: MarkdownIt) -> None:
    """Turn directive tokens (source.py's block rule makes them) into, or onto, code blocks."""
    md.core.ruler.after("block", "apply_directives", apply_directives)


def _code_block_above(result: list[Token]) -> Token | None:
    """The code block a directive follows, even when a list or quote holding it closed in between."""
    for token in reversed(result):
        if token.type in ("fence", "code_block"):
            return token
        if token.nesting != -1:
            return None
    return None


def apply_directives(state: StateCore) -> None:
    """Replace each directive token by its code block, or attach it to the code block above."""
    env = state.env
    result: list[Token] = []
    failed = -1  # where the block of a @sourceref or @diff that failed (and said so) would be
    for token in state.tokens:
        if token.type != "directive":
            result.append(token)
            continue
        name, args = token.meta["name"], token.meta["args"]
        line = token.map[0] if token.map else 0
        needle = f"@{name}"
        if name in ("sourceref", "diff"):
            fence = (_sourceref if name == "sourceref" else _diff)(args, token, env, line, needle)
            if fence is not None:
                result.append(fence)
            else:
                failed = len(result)
            continue
        if failed == len(result):  # its block is missing, for the error said: nothing to mark
            continue
        above = _code_block_above(result)
        if above is None:
            report(env, line, needle, warning, f"@{name} must come right after a code block")
        elif name == "highlight" and "highlighted" in above.meta:
            message = "@highlight: the code block above has its marks already (the first stay)"
            report(env, line, needle, warning, message, "give one @highlight all the lines")
        elif name == "highlight":
            lines = above.content.count("\n") + (not above.content.endswith("\n"))
            marked, only = parse_highlight(args, env, line, needle, lines)
            above.meta = {**above.meta, "marked": marked, "fold": only, "highlighted": True}
        elif "codepen" in above.meta:
            message = "@codepen: the code block above has its button already (the first stays)"
            report(env, line, needle, warning, message, "remove one of the two lines")
        else:
            above.meta = {**above.meta, "codepen": _codepen_variant(args, env, line, needle)}
    state.tokens = result


def _codepen_variant(args: str, env: dict[str, Any], line: int, needle: str) -> str:
    variant = args.split()[0].lower() if args.split() else ""
    if variant and variant not in CODEPEN_VARIANTS:
        hint = did_you_mean(variant, CODEPEN_VARIANTS) or "write @codepen, or @codepen react"
        report(env, line, needle, warning, f"@codepen: unknown variant '{variant}'", hint)
        return ""
    return variant


def _refuse(env: dict[str, Any], line: int, needle: str, message: str, hint: str = "") -> None:
    report(env, line, needle, error, message, hint)


def _read_referenced(relative: str, env: dict[str, Any], line: int, needle: str) -> str | None:
    """The text of a file a directive names: a regular file, inside the site, not too large.

    The page's facts keep the file with the digest of the very bytes read: a file saved after
    this read and before the build ends is seen as changed by the next build.
    """
    parse: ParseContext = env["parse"]
    if parse.source_dir is None:
        return None
    what = f"{needle} file '{relative}'"
    try:
        path = (parse.source_dir / relative).resolve()
    except (RuntimeError, OSError):  # Python raises RuntimeError for a symlink loop before 3.13
        _refuse(env, line, needle, f"{what} is a symlink loop")
        return None
    site = parse.real_site_dir
    if site is not None and not may_read(path, site, parse.allow_outside_files):
        text, digest = None, file_digest(path, parse.max_include_bytes)  # where it is counts
        if in_repository_folder(path):  # `.git/config`: never read, whatever the site allows
            reason, hint = "is in a repository's own folder", "show a copy of it instead"
        else:
            reason = "is outside the site folder"
            hint = f"it resolves to {path}; " + (  # package.json has no such setting
                "copy the file into the site"
                if parse.bitdocs
                else f"to read files outside {site}, set 'sourceref_outside: true' in site.yaml"
            )
        _refuse(env, line, needle, f"{what} {reason}", hint)
    else:
        text, digest = _read_file(path, what, env, line, needle)
    parse.files_read.add(str(path))
    parse.read_digests.add((str(path), digest))
    # The path as written too, with where it leads: pointing a link elsewhere changes what is read.
    # With its `..` parts gone, and kept: after a link to a folder (the page's own), `..` leads up
    # from where the link leads, and only the path that keeps them names that link.
    joined = str(Path(os.path.abspath(parse.source_dir)) / relative)
    for written in dict.fromkeys((os.path.abspath(joined), joined)):
        # The path as joined leads where the path resolved above does (each link followed).
        real = str(path) if written == joined else os.path.realpath(written)
        if real == str(path):
            as_written = leading(written, real, digest)
        else:
            as_written = read_digest(written, parse.max_include_bytes)
        parse.files_read.add(written)
        parse.read_digests.add((written, as_written))
    return text


def _read_file(
    path: Path, what: str, env: dict[str, Any], line: int, needle: str
) -> tuple[str | None, str | None]:
    """The text of the file at PATH (None: refused), and the digest of what was read of it."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            reason = "does not exist"
        elif exc.errno == errno.ELOOP:
            reason = "is a symlink loop"
        else:
            reason = f"cannot be read: {exc.strerror}"
        _refuse(env, line, needle, f"{what} {reason}", f"looked for {path}")
        return None, None
    limit = env["parse"].max_include_bytes
    info = os.fstat(handle)
    if not stat.S_ISREG(info.st_mode):  # a folder too: a file object refuses to hold one
        os.close(handle)
        _refuse(env, line, needle, f"{what} is not a regular file", f"{path}")
        return None, kind_digest(info.st_mode)
    with os.fdopen(handle, "rb") as file:
        data = _read_at_most(file, limit + 1, info.st_size) if info.st_size <= limit else b""
        if info.st_size <= limit and len(data) <= limit:
            digest = bytes_digest(data)
        else:  # refused whatever it holds: known by its size, never read whole (it may be huge)
            grew = info.st_size <= limit  # while it was read
            digest = CHANGED_WHILE_READ if grew else size_digest(info.st_size)
            size = max(info.st_size, len(data))
            _refuse(
                env,
                line,
                needle,
                f"{what} is larger than {limit:,} bytes ({size:,} bytes or more)",
                "raise max_include_bytes in site.yaml to include it",
            )
            return None, digest
    text = data.removeprefix(codecs.BOM_UTF8)
    try:
        return text.decode("utf-8").replace("\r\n", "\n"), digest
    except UnicodeDecodeError as exc:
        bad_line, col, byte = first_bad_byte(text, exc)
        problem = f"{what} is not UTF-8 text (byte 0x{byte:02x})"
        _refuse(env, line, needle, problem, f"at {path}:{bad_line}:{col}")
        return None, digest


def _read_at_most(file: BinaryIO, most: int, size: int) -> bytes:
    """Up to MOST bytes of FILE, which held SIZE bytes: read in a buffer of its size, not of MOST
    (the largest file allowed is far larger than most)."""
    data = file.read(min(most, size + 1))
    if size < len(data) < most:  # it grew since: read on
        data += file.read(most - len(data))
    return data


def _fence_for(path: str, content: str, like: Token) -> Token:
    extension = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    fence = Token("fence", "code", 0, level=like.level, block=True, map=like.map)
    fence.info = SOURCEREF_LANGUAGES.get(extension, extension)
    fence.content = content if content.endswith("\n") or not content else content + "\n"
    fence.markup = "```"
    return fence


def _sourceref(
    args: str, token: Token, env: dict[str, Any], line: int, needle: str
) -> Token | None:
    path = args.strip()  # the rest of the line, as bit-docs read it: a name may hold spaces
    if not path:
        report(env, line, needle, error, "@sourceref needs a file path")
        return None
    content = _read_referenced(path, env, line, needle)
    return None if content is None else _fence_for(path, content, token)


def _diff(args: str, token: Token, env: dict[str, Any], line: int, needle: str) -> Token | None:
    words = args.split()
    if len(words) < 2:
        report(env, line, needle, error, "@diff needs two file paths: @diff OLD NEW [only]")
        return None
    old = _read_referenced(words[0], env, line, needle)
    new = _read_referenced(words[1], env, line, needle)
    if old is None or new is None:
        return None
    extra = [word for word in words[2:] if word != "only"]
    if extra:
        message = f"'{' '.join(extra)}' after @diff OLD NEW is ignored"
        report(env, line, needle, warning, message, "@diff takes two paths and, after them, only")
    fence = _fence_for(words[1], new, token)
    marked = changed_lines(old, new)  # a @highlight after it would replace them: it is told
    fence.meta = {"marked": marked, "fold": "only" in words[2:], "highlighted": True}
    return fence


def changed_lines(old: str, new: str) -> frozenset[int]:
    """1-based numbers of NEW's lines that are new or changed against OLD (FORMAT.md §3 @diff).

    Matched in order, as a line diff matches them: a block added among lines like `}` is marked
    where it stands, not wherever the old file's `}` ran out, and a line moved is marked.
    """

    def norm(line: str) -> str:
        return line.strip().removesuffix(";").rstrip()

    before = [key for key in map(norm, old.split("\n")) if key]
    numbered = [(n, norm(line)) for n, line in enumerate(new.rstrip("\n").split("\n"), start=1)]
    numbered = [(n, key) for n, key in numbered if key]
    after = [key for _, key in numbered]
    start = 0  # the lines both start and end with are matched at once: often nearly all of them
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0
    while end < min(len(before), len(after)) - start and before[-1 - end] == after[-1 - end]:
        end += 1
    middle = after[start : len(after) - end]
    matched = _matched_lines(before[start : len(before) - end], middle)
    return frozenset(numbered[start + i][0] for i in range(len(middle)) if i not in matched)


DIFF_PAIRS_MOST = 250_000  # OLD × NEW lines left to match at most: a tenth of a second or so


def _matched_lines(old: list[str], new: list[str]) -> set[int]:
    """The indexes of NEW's lines in a longest run of lines both have in the same order, each
    OLD line matched at most once; of lines alike, the last ones matched (an added block keeps
    its own closing line). Past DIFF_PAIRS_MOST, each OLD line matches once, wherever it is."""
    if len(old) * len(new) > DIFF_PAIRS_MOST:
        available = Counter(old)
        found = set()
        for index, key in enumerate(new):
            if available[key] > 0:
                available[key] -= 1
                found.add(index)
        return found
    # longest[i][j]: how many lines OLD's first i and NEW's first j lines have in common, in order.
    longest = [[0] * (len(new) + 1)]
    for line in old:
        above, row = longest[-1], [0]
        for j, other in enumerate(new):
            row.append(above[j] + 1 if line == other else max(above[j + 1], row[j]))
        longest.append(row)
    found, i, j = set(), len(old), len(new)
    while i and j:  # from the end: two lines alike are always matched, and as late as they can be
        if old[i - 1] == new[j - 1]:
            found.add(j - 1)
            i, j = i - 1, j - 1
        elif longest[i - 1][j] >= longest[i][j - 1]:
            i -= 1
        else:
            j -= 1
    return found


def parse_highlight(
    spec: str, env: dict[str, Any], line: int, needle: str, lines: int | None = None
) -> tuple[frozenset[int], bool]:
    """The line numbers `@highlight SPEC` marks, and whether it asks to fold (`only`).

    LINES: how many lines the code block has; marks past it mark nothing, so a range as wide as
    `1-999999999999` costs no more than the block.
    """
    last = lines if lines is not None else 1 << 20
    marked: set[int] = set()
    only = False
    past: list[str] = []  # parts that mark nothing: the block is shorter (its file changed?)
    for part in re.split(r"[,\s]+", re.sub(r"\s*-\s*", "-", spec.strip())):
        if not part:
            continue
        if part.lower() == "only":
            only = True
        elif re.fullmatch(r"0*[1-9]\d*(-0*[1-9]\d*)?", part):  # numbers from 1
            first, _, end = part.partition("-")
            low, high = sorted((int(first), int(end or first)))
            marked.update(range(low, min(high, last) + 1))
            if low > last:  # marks nothing (one that starts in the block runs to its end)
                past.append(part)
            if low != int(first):
                report(
                    env,
                    line,
                    needle,
                    warning,
                    f"@highlight {part}: a range runs from its first line to its last",
                    f"write {low}-{high}",
                )
        else:
            zero = re.fullmatch(r"\d+(-\d+)?", part) is not None  # a line 0: no such line
            report(
                env,
                line,
                needle,
                warning,
                f"@highlight: {'no line ' if zero else 'cannot read '}'{part}'",
                "lines are numbered from 1"
                if zero
                else "write line numbers and ranges, e.g. @highlight 1,3-5 only",
            )
    if past:
        lines_text = f"{last} line{'s' * (last != 1)}"
        shown = ", ".join(past)
        message = f"@highlight {shown}: past the end of the code block above ({lines_text})"
        hint = f"mark lines 1 to {last}: the file may have changed since the lesson was written"
        report(env, line, needle, warning, message, hint)
    return frozenset(marked), only
