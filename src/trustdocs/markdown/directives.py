"""Body directives (FORMAT.md §3): `@sourceref`, `@diff` make code blocks; `@highlight`, `@codepen`
mark the code block above them.

Directive lines become `directive` tokens while parsing blocks; a core rule then replaces each by its
code block or attaches it to the block above. Files are read at parse time, so a render reads nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from trustdocs.diagnostics import error, warning
from trustdocs.markdown.positions import report

if TYPE_CHECKING:
    from trustdocs.markdown import ParseContext

SOURCEREF_LANGUAGES = {"stache": "html", "mustache": "html", "component": "html"}
DIRECTIVE_LINE = re.compile(r"^@(sourceref|highlight|diff|codepen)\b[ \t]*(.*?)\s*$", re.IGNORECASE)


def directive_plugin(md: MarkdownIt) -> None:
    """Directive lines become tokens; a core rule then turns them into (or onto) code blocks."""
    md.block.ruler.before(
        "paragraph",
        "directive",
        directive_block_rule,
        {"alt": ["paragraph", "reference", "blockquote"]},
    )
    md.core.ruler.after("block", "apply_directives", apply_directives)


def directive_block_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A line holding only a directive, at any indentation a block may have."""
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    match = DIRECTIVE_LINE.match(state.src[begin : state.eMarks[start_line]])
    if not match:
        return False
    if silent:
        return True
    token = state.push("directive", "", 0)
    token.meta = {"name": match.group(1).lower(), "args": match.group(2)}
    token.map = [start_line, start_line + 1]
    state.line = start_line + 1
    return True


def apply_directives(state: StateCore) -> None:
    """Replace each directive token by its code block, or attach it to the code block above."""
    env = state.env
    result: list[Token] = []
    for token in state.tokens:
        if token.type != "directive":
            result.append(token)
            continue
        name, args = token.meta["name"], token.meta["args"]
        line = token.map[0] if token.map else 0
        needle = f"@{name}"
        if name == "sourceref":
            fence = _sourceref(args, token, env, line, needle)
            if fence is not None:
                result.append(fence)
        elif name == "diff":
            fence = _diff(args, token, env, line, needle)
            if fence is not None:
                result.append(fence)
        else:
            above = result[-1] if result and result[-1].type == "fence" else None
            if above is None:
                report(env, line, needle, warning, f"@{name} must come right after a code block")
            elif name == "highlight":
                marked, only = parse_highlight(args, env, line, needle)
                above.meta = {**above.meta, "marked": marked, "fold": only}
            else:
                above.meta = {**above.meta, "codepen": True}
    state.tokens = result


def _read_referenced(relative: str, env: dict[str, Any], line: int, needle: str) -> str | None:
    parse: ParseContext = env["parse"]
    if parse.source_dir is None:
        return None
    path = (parse.source_dir / relative).resolve()
    parse.files_read.add(str(path))
    try:
        return path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    except FileNotFoundError:
        report(
            env,
            line,
            needle,
            error,
            f"{needle} file '{relative}' does not exist",
            f"looked for {path}",
        )
        return None
    except (OSError, UnicodeDecodeError):
        report(env, line, needle, error, f"cannot read '{relative}'", f"looked for {path}")
        return None


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
    path = args.split()[0] if args.split() else ""
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
    fence = _fence_for(words[1], new, token)
    fence.meta = {"marked": changed_lines(old, new), "fold": "only" in words[2:]}
    return fence


def changed_lines(old: str, new: str) -> frozenset[int]:
    """1-based numbers of NEW's lines that are new or changed against OLD (FORMAT.md §3 @diff)."""

    def norm(line: str) -> str:
        return line.strip().removesuffix(";").rstrip()

    available = Counter(norm(line) for line in old.split("\n") if line.strip())
    marked = set()
    for number, line in enumerate(new.rstrip("\n").split("\n"), start=1):
        key = norm(line)
        if not key:
            continue
        if available[key] > 0:
            available[key] -= 1
        else:
            marked.add(number)
    return frozenset(marked)


def parse_highlight(
    spec: str, env: dict[str, Any], line: int, needle: str
) -> tuple[frozenset[int], bool]:
    """The line numbers `@highlight SPEC` marks, and whether it asks to fold (`only`)."""
    marked: set[int] = set()
    only = False
    for part in re.split(r"[,\s]+", re.sub(r"\s*-\s*", "-", spec.strip())):
        if not part:
            continue
        if part.lower() == "only":
            only = True
        elif re.fullmatch(r"\d+", part):
            marked.add(int(part))
        elif re.fullmatch(r"\d+-\d+", part):
            low, high = (int(n) for n in part.split("-"))
            marked.update(range(min(low, high), max(low, high) + 1))
        else:
            report(
                env,
                line,
                needle,
                warning,
                f"@highlight: cannot read '{part}'",
                "write line numbers and ranges, e.g. @highlight 1,3-5 only",
            )
    return frozenset(marked), only
