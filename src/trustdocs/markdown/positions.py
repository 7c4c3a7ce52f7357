"""Where things are: the file line and column of a token, for diagnostics.

markdown-it tracks block lines only; `line_numbers_plugin` tells inline rules which line their text
starts on, and `report` turns a Markdown line and a needle into a `path:line:col` diagnostic.
"""

from __future__ import annotations

import collections
import functools
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
    found = _occurrences(where, body_line, needle)
    if found:
        return found[0]
    if not where.line_map:
        return 1, 1
    return where.line_map[min(max(body_line, 0), len(where.line_map) - 1)], 1


def _occurrences(
    where: ParseContext | RenderContext, body_line: int, needle: str, after: int = 0
) -> list[tuple[int, int]]:
    """File line and column of each occurrence of NEEDLE, from Markdown line BODY_LINE on (see
    `file_position`), in order; on that line, from its column AFTER (0-based) on."""
    line_map, lines = where.line_map, where.lines
    if not line_map or not needle:
        return []
    index = min(max(body_line, 0), len(line_map) - 1)
    written = _as_written(needle)
    return [
        (line_map[later], found.start() + 1)
        for later in range(index, min(index + LINES_AHEAD + 1, len(lines), len(line_map)))
        for found in written.finditer(lines[later], after if later == index else 0)
    ]


@functools.lru_cache(maxsize=1 << 10)
def _as_written(needle: str) -> re.Pattern[str]:
    """NEEDLE as it may be written: Markdown unescaped it (`my\\_file.png`), so each ASCII
    punctuation character of it may follow a backslash."""
    return re.compile(
        "".join(f"\\\\?{re.escape(c)}" if c in _PUNCTUATION else re.escape(c) for c in needle)
    )


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
    after: int = 0,
) -> None:
    """Add a diagnostic made by MAKE (error or warning) at NEEDLE on Markdown line BODY_LINE;
    at NEEDLE after LEAD where there is one (a link's `](` before its address, which its text
    may repeat); on that line, not before column AFTER (0-based: where the inline rule read it,
    which the line's indentation or quote marks can only move right)."""
    context = where(env)
    found: dict[tuple[int, str], list[tuple[int, int]]] = env.setdefault("found_at", {})
    if (body_line, needle) not in found:
        first = _occurrences(context, body_line, lead + needle, after) if lead else []
        at = [(line, col + len(lead)) for line, col in first]
        found[body_line, needle] = at or _occurrences(context, body_line, needle, after)
    # The same problem twice on a line (two links to one missing file): each at its own place,
    # the next one along, not twice at the first one's, which would count as one.
    told: collections.Counter[tuple[int, str, str]] = env.setdefault(
        "told_at", collections.Counter()
    )
    places, count = found[body_line, needle], told[body_line, needle, message]
    told[body_line, needle, message] += 1
    line, col = places[count] if count < len(places) else file_position(context, body_line, needle)
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


def inline_column(state: StateInline, pos: int) -> int:
    """The column (0-based) of position POS on its line of the inline text being parsed: on its
    Markdown line, the same or later (the line's indentation, a quote's `>` come before it)."""
    return pos - (state.src.rfind("\n", 0, pos) + 1)
