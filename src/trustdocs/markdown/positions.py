"""Where things are: the file line and column of a token, for diagnostics.

markdown-it tracks block lines only; `line_numbers_plugin` tells inline rules which line their text
starts on, and `report` turns a Markdown line and a needle into a `path:line:col` diagnostic.
"""

from __future__ import annotations

import re
import string
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

from trustdocs.snapshot import RenderContext

if TYPE_CHECKING:
    from trustdocs.markdown import ParseContext


def where(env: dict[str, Any]) -> ParseContext | RenderContext:
    """The context of this parse or render: the file, its lines and where diagnostics go."""
    return env["context"] if "context" in env else env["parse"]


def file_position(
    where: ParseContext | RenderContext, body_line: int, needle: str
) -> tuple[int, int]:
    """File line and column of NEEDLE on Markdown line BODY_LINE, or on one of the few lines
    after it (column 1 when not found). Inline rules see a code span or an image's text that
    runs over two lines as one: what follows them is on a later line than they were told."""
    found = _occurrence(where, body_line, needle, 0)
    if found is not None:
        return found
    if not where.line_map:
        return 1, 1
    return where.line_map[min(max(body_line, 0), len(where.line_map) - 1)], 1


def _occurrence(
    where: ParseContext | RenderContext, body_line: int, needle: str, skip: int
) -> tuple[int, int] | None:
    """File line and column of NEEDLE's occurrence after SKIP others, from Markdown line
    BODY_LINE on (see `file_position`); None when there is no such one."""
    line_map, lines = where.line_map, where.lines
    if not line_map or not needle:
        return None
    index = min(max(body_line, 0), len(line_map) - 1)
    # As written, a needle Markdown unescaped may hold backslashes (`my\_file.png`): each ASCII
    # punctuation character of it may follow one.
    written = re.compile(
        "".join(f"\\\\?{re.escape(c)}" if c in _PUNCTUATION else re.escape(c) for c in needle)
    )
    for later in range(index, min(index + LINES_AHEAD + 1, len(lines), len(line_map))):
        for found in written.finditer(lines[later]):
            if not skip:
                return line_map[later], found.start() + 1
            skip -= 1
    return None


_PUNCTUATION = frozenset(string.punctuation)


LINES_AHEAD = 4  # how far past its line `file_position` looks for a needle


def report(
    env: dict[str, Any],
    body_line: int,
    needle: str,
    make: Any,
    message: str,
    hint: str = "",
    lead: str = "",
) -> None:
    """Add a diagnostic made by MAKE (error or warning) at NEEDLE on Markdown line BODY_LINE;
    at NEEDLE after LEAD where there is one (a link's `](` before its address, which its text
    may repeat)."""
    context = where(env)
    shift = len(lead) if lead and _occurrence(context, body_line, lead + needle, 0) else 0
    needle = lead + needle if shift else needle
    line, col = file_position(context, body_line, needle)
    # The same problem twice on a line (two links to one missing file): each at its own place,
    # not twice at the first one's, which would count as one.
    taken = {(d.line, d.col - shift) for d in context.diagnostics if d.message == message}
    skip = 0
    while (line, col) in taken:
        skip += 1
        found = _occurrence(context, body_line, needle, skip)
        if found is None:
            break
        line, col = found
    col += shift
    context.diagnostics.append(make(context.path, line, col, message, hint))


def line_numbers_plugin(md: MarkdownIt) -> None:
    """Tell inline rules where their text sits: its first line, and whether it opens a list item."""

    def inline_with_lines(state: StateCore) -> None:
        context: ParseContext = state.env["parse"]
        for index, token in enumerate(state.tokens):
            if token.type == "inline":
                if token.map:
                    context.inline_line = token.map[0]
                context.inline_opens_list_item = (
                    index >= 2
                    and state.tokens[index - 1].type == "paragraph_open"
                    and state.tokens[index - 2].type == "list_item_open"
                )
                if token.children is None:
                    token.children = []
                state.md.inline.parse(token.content, state.md, state.env, token.children)
        context.inline_opens_list_item = False

    md.core.ruler.at("inline", inline_with_lines)


def inline_line(state: StateInline, pos: int) -> int:
    """The Markdown line of position POS of the inline text being parsed."""
    context: ParseContext = state.env["parse"]
    return context.inline_line + state.src.count("\n", 0, pos)
