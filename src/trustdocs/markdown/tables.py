"""Tables a keyboard can scroll: each sits in a focusable, named region, and no header cell is empty.

A wide table scrolls sideways inside its column; the region takes focus so keyboard users can scroll
it too (axe: scrollable-region-focusable). An empty header cell (the corner of a grid) names nothing,
so it is written as a data cell (axe: empty-table-header). A row with more cells than the header
loses the last ones, as GFM says: each such row is a warning.
"""

from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.table import escapedSplit, getLine, mdTrim, table
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import OptionsDict

from trustdocs.diagnostics import warning
from trustdocs.markdown.positions import report
from trustdocs.snapshot import RenderContext


def table_plugin(md: MarkdownIt) -> None:
    """Number each table, make empty header cells data cells, and wrap tables in a scroll region;
    say where a row has more cells than the header."""
    md.block.ruler.at("table", table_counting_cells, {"alt": ["paragraph", "reference"]})
    md.core.ruler.push("table_regions", number_tables)
    md.add_render_rule("table_open", render_table_open)
    md.add_render_rule("table_close", render_table_close)


def number_tables(state: StateCore) -> None:
    """Give each table its number on the page (regions need distinct names) and fill no header."""
    number = 0
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type == "table_open":
            number += 1
            token.meta["number"] = number
        elif token.type == "th_open" and not tokens[index + 1].content.strip():
            token.tag = "td"
            tokens[index + 2].tag = "td"


def table_label(context: RenderContext, number: int) -> str:
    """The name of a table's scroll region: its number, and its page in the print page."""
    if context.print_chapter is not None:
        return f"{context.page.title}, table {number}"
    return f"Table {number}"


def render_table_open(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """`<table>` inside a focusable region named after the table's number."""
    label = escapeHtml(table_label(env["context"], tokens[idx].meta.get("number", 1)))
    region = f'<div class="table-wrap" role="region" tabindex="0" aria-label="{label}">\n'
    return region + self.renderToken(tokens, idx, options, env)


def render_table_close(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """`</table>` and the end of its region."""
    return self.renderToken(tokens, idx, options, env) + "</div>\n"


def table_counting_cells(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """markdown-it's table rule, then a warning for each row that has cells past the header's,
    which are dropped (a `|` in a cell's code splits it too: it is written `\\|`)."""
    first = len(state.tokens)
    if not table(state, start_line, end_line, silent):
        return False
    if not silent:
        _warn_dropped_cells(state, state.tokens[first:], start_line)
    return True


def _warn_dropped_cells(state: StateBlock, made: list[Token], start_line: int) -> None:
    columns = sum(1 for token in made if token.type == "th_open")
    for token in made:
        if token.type != "tr_open" or token.map is None or token.map[0] < start_line + 2:
            continue  # a header row: the delimiter row has as many cells, or there is no table
        line = token.map[0]
        text = mdTrim(getLine(state, line))
        cells = escapedSplit(text)  # as markdown-it splits a row
        lead = bool(cells) and cells[0] == ""
        if lead:
            cells.pop(0)
        if cells and cells[-1] == "":
            cells.pop()
        if len(cells) > columns and any(cell.strip() for cell in cells[columns:]):
            lost = len(cells) - columns
            report(
                state.env,
                line,
                _raw_cell(text, columns + lead) or "|",
                warning,
                f"this row has {len(cells)} cells and the header {columns}: "
                f"the last {lost} {'is' if lost == 1 else 'are'} not shown",
                "add a column to the header; a | inside a cell is written \\|",
            )


def _raw_cell(text: str, index: int) -> str:
    """Cell INDEX of the row TEXT as written (escapes kept), trimmed: where a warning points."""
    bounds, escaped = [-1], False
    for at, char in enumerate(text):
        if char == "|" and not escaped:
            bounds.append(at)
        escaped = char == "\\"
    bounds.append(len(text))
    return text[bounds[index] + 1 : bounds[index + 1]].strip() if index + 1 < len(bounds) else ""
