"""Heading ids (FORMAT.md §5) and the ids written in raw HTML, which are anchors too."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from markdown_it.token import Token


def heading_id(text: str) -> str:
    """The id of a heading (FORMAT.md §5): lowercase, whitespace to '-', keep letters, digits, _ and -."""
    return re.sub(r"[^\w-]", "", re.sub(r"\s", "-", text.lower()))


@dataclass(frozen=True)
class Heading:
    """A heading of a page, for outlines and anchor checks."""

    level: int
    id: str
    text: str


def collect_headings(tokens: list[Token]) -> list[Heading]:
    """Every heading that carries an id, in page order."""
    found = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.attrGet("id"):
            inline = tokens[i + 1]
            text = "".join(
                c.content for c in inline.children or () if c.type in ("text", "code_inline")
            )
            found.append(Heading(int(token.tag[1]), str(token.attrGet("id")), text.strip()))
    return found


class _IdCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.update(value for key, value in attrs if key in ("id", "name") and value)


def raw_html_ids(tokens: list[Token]) -> set[str]:
    """The `id` and `name` attributes written in the page's raw HTML."""
    collector = _IdCollector()
    for token in tokens:
        if token.type == "html_block":
            collector.feed(token.content)
        for child in token.children or ():
            if child.type == "html_inline":
                collector.feed(child.content)
    collector.close()
    return collector.ids
