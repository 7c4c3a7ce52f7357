"""Tables a keyboard can scroll: each sits in a focusable, named region, and no header cell is empty.

A wide table scrolls sideways inside its column; the region takes focus so keyboard users can scroll
it too (axe: scrollable-region-focusable). An empty header cell (the corner of a grid) names nothing,
so it is written as a data cell (axe: empty-table-header).
"""

from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import OptionsDict

from trustdocs.snapshot import RenderContext


def table_plugin(md: MarkdownIt) -> None:
    """Number each table, make empty header cells data cells, and wrap tables in a scroll region."""
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
