"""Heading ids (FORMAT.md §5) from each heading's visible text, and the ids written in raw HTML."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from trustdocs.diagnostics import warning
from trustdocs.markdown.positions import report
from trustdocs.markdown.rawhtml import attribute_values, read_html

if TYPE_CHECKING:
    from trustdocs.markdown import ParseContext


# The ids the footnotes plugin writes (`fn1`, `fnref1`, `fnref1:2`): never a heading's.
_FOOTNOTE_ID = re.compile(r"fn(?:ref)?\d+(?::\d+)?")
# An id a theme's template writes as it is (`id="sidebar"`), not made by an expression.
_TEMPLATE_ID = re.compile(
    r"""\sid\s*=\s*(?:"([^"{}<>]*)"|'([^'{}<>]*)'|([^\s"'=<>`{}]+))""", re.IGNORECASE
)


def theme_ids(folders: Sequence[Path]) -> frozenset[str]:
    """The ids the templates of a theme (its FOLDERS, as `theme_folders` gives them) write on
    every page: a heading that took one would not be the element its id reaches."""
    found: set[str] = set()
    for folder in folders:
        for template in sorted(folder.rglob("*.html")):
            try:
                text = template.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):  # the theme's loader reports it
                continue
            found.update(a or b or c for a, b, c in _TEMPLATE_ID.findall(text))
    found.discard("")
    return frozenset(found)


def heading_id(text: str) -> str:
    """The id of a heading (FORMAT.md §5): lowercase, whitespace to '-', keep letters, digits, _ and -."""
    return re.sub(r"[^\w-]", "", re.sub(r"\s", "-", text.lower()))


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading of a page, for outlines and anchor checks."""

    level: int
    id: str
    text: str


def heading_ids_plugin(md: MarkdownIt) -> None:
    """Give every heading an id made from its whole visible text (FORMAT.md §5), never an empty one."""
    md.core.ruler.after("inline", "heading_ids", assign_heading_ids)


def visible_text(children: list[Token], context: ParseContext) -> str:
    """What a reader sees of inline tokens: text, code, link text, a cross-link's title, alt text."""
    words: list[str] = []
    for child in children:
        if child.type in ("text", "text_special", "code_inline"):  # special: an entity, an escape
            words.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            words.append("\n")
        elif child.type == "cross_link_title":
            name = child.meta["name"]
            context.titles_shown.add(name)
            words.append(context.page_titles.get(name, name))
        elif child.type == "image":
            words.append(visible_text(child.children or [], context))
    return "".join(words)


def assign_heading_ids(state: StateCore) -> None:
    """Set each heading's id and text; a heading that shows nothing is told apart by its source."""
    from trustdocs.markdown.checks import check_anchors  # checks.py imports this module's kin

    context: ParseContext = state.env["parse"]
    tokens = state.tokens
    taken = check_anchors(tokens)  # `## Check 1` leaves `#check-1` to the first check
    # `<a id="setup">` keeps its id to itself; the raw HTML's ids are read once, for the page's
    # anchors too (`parse_markdown`).
    ids, targets, twice = raw_html_ids(tokens)
    state.env["raw_html_ids"] = ids
    fixed = taken | context.fixed_ids
    if (theme := ids & context.theme_ids) or twice or targets & fixed:
        _warn_shared_ids(state, theme, fixed)  # one walk for both
    taken |= targets
    taken |= context.reserved_ids  # the theme's own, and those of the page's description
    next_number: dict[str, int] = {}  # per slug, where to go on counting: no rescan per repeat
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[index + 1]
        children = inline.children or []
        text = visible_text(children, context).strip()
        if not text and any(child.type == "html_inline" for child in children):
            text = _heading_of_tags(inline, state.env)
        slug = heading_id(text) or heading_id(inline.content) or "section"
        unique, number = slug, next_number.get(slug, 0)
        while unique in taken or _FOOTNOTE_ID.fullmatch(unique):
            number += 1
            unique = f"{slug}-{number}"
        next_number[slug] = number
        taken.add(unique)
        token.attrSet("id", unique)
        token.meta["text"] = text or inline.content.strip()


def _warn_shared_ids(state: StateCore, theme: set[str], checks: set[str]) -> None:
    """Warnings where the page's raw HTML first writes an id of THEME (those the theme writes on
    every page, `<div id="content">`), and where it gives an element an id (or a link a name)
    that an element before it has, in its raw HTML, as a knowledge check's or in the page's
    other part (CHECKS): two elements would share it, and a link to it reaches the first."""
    seen, told_theme, told = set(checks), set(), set()
    for token in state.tokens:
        if token.map is None or not (token.type == "html_block" or token.type == "inline"):
            continue
        found = _ids_of([token])
        # Where a block's tags are: its own lines (an inline token's pieces are joined apart
        # from their places, and told at its first line).
        placed = token.type == "html_block"
        for theme_id in sorted((found.ids & theme) - told_theme):
            told_theme.add(theme_id)
            _report_at(
                state.env,
                token.map[0],
                found.first.get(theme_id) if placed else None,
                theme_id,
                f"id '{theme_id}' is one the theme gives an element of every page: two elements "
                "would share it, and a link to it would reach the theme's",
                "give this element another id",
            )
        for value in sorted(((found.targets & seen) | found.twice) - told):
            told.add(value)
            place = found.repeated.get(value) or found.first.get(value)
            _report_at(
                state.env,
                token.map[0],
                place if placed else None,
                value,
                f"id '{value}' is another element's on this page too: a link to "
                f"'#{value}' reaches the first of them",
                "give each element an id of its own",
            )
        seen |= found.targets


# Where an attribute's value is in a block's text: its line (0-based), its column on that line
# (0-based; the block's own indentation taken off) and the value as written.
_Place = tuple[int, int, str]


def _report_at(
    env: dict[str, Any], first_line: int, place: _Place | None, value: str, *told: str
) -> None:
    """A warning at the attribute value PLACE of a block starting on Markdown line FIRST_LINE,
    or at VALUE's first match on that line when its place is not known."""
    if place is None:
        report(env, first_line, value, warning, *told)
    else:
        line, column, written = place
        report(env, first_line + line, written, warning, *told, after=column)


def _heading_of_tags(inline: Token, env: dict[str, Any]) -> str:
    """`## <base-href>`: bit-docs showed the tag-like word; CommonMark reads it as an HTML tag."""
    if env["parse"].bitdocs:
        for child in inline.children or []:
            if child.type == "html_inline":
                child.type = "text"
        return inline.content.strip()
    for child in inline.children or []:  # said here, for the whole heading, not tag by tag
        child.meta.pop("unshown", None)
    report(
        env,
        inline.map[0] if inline.map else 0,
        inline.content.strip(),
        warning,
        f"heading '{inline.content.strip()}' shows no text: its words read as HTML tags",
        f"write `{inline.content.strip()}` in backticks to show it",
    )
    return ""


def collect_headings(tokens: list[Token]) -> list[Heading]:
    """Every heading, in page order, with the id and text the heading ids rule gave it."""
    return [
        Heading(int(token.tag[1]), str(token.attrGet("id")), token.meta.get("text", ""))
        for token in tokens
        if token.type == "heading_open" and token.attrGet("id")
    ]


class _IdCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.targets: set[str] = set()  # what a `#fragment` reaches: ids, and names of links
        self.twice: set[str] = set()  # targets two elements have
        self.first: dict[str, _Place] = {}  # where each id or name is first written
        self.repeated: dict[str, _Place] = {}  # where each of TWICE is first written again

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {value for key, value in attrs if key in ("id", "name") and value}
        if not found:
            return
        places = self._places()
        for value in found - self.ids:
            self.first[value] = places.get(value) or (0, 0, value)
        self.ids |= found
        named = ("id", "name") if tag == "a" else ("id",)
        here = {value for key, value in attrs if key in named and value}  # `<a id=x name=x>`
        for value in here & self.targets - self.twice:
            self.repeated[value] = places.get(value) or (0, 0, value)
        self.twice |= here & self.targets
        self.targets |= here

    def _places(self) -> dict[str, _Place]:
        """Where the `id` and `name` values of the start tag just read are written."""
        line, column = self.getpos()  # of the tag: line from 1
        text = self.get_starttag_text() or ""
        places: dict[str, _Place] = {}
        for name, start, end in attribute_values(text):
            if name in ("id", "name"):
                written = text[start:end]
                before = text.rfind("\n", 0, start)
                at = (
                    (line - 1, column + start)
                    if before < 0
                    else (line - 1 + text.count("\n", 0, start), start - before - 1)
                )
                places.setdefault(html.unescape(written), (*at, written))
        return places


def _ids_of(tokens: list[Token]) -> _IdCollector:
    """The raw HTML of TOKENS, read for its ids (`raw_html_ids`)."""
    pieces = []
    for token in tokens:
        if token.type == "html_block":
            pieces.append(token.content)
        pieces += (child.content for child in token.children or () if child.type == "html_inline")
    return read_html(_IdCollector, "".join(pieces))


def raw_html_ids(tokens: list[Token]) -> tuple[set[str], set[str], set[str]]:
    """The `id` and `name` attributes written in the page's raw HTML, of them those a link's
    fragment reaches (no form field's name), and of those the ones two elements have."""
    found = _ids_of(tokens)
    return found.ids, found.targets, found.twice
