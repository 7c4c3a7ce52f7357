"""Raw HTML left open: a comment, an element a browser reads as text up to its end tag, or one
that hides what it holds.

Markdown passes raw HTML through as written. An HTML comment that is never closed, or a `<script>`,
`<style>` or `<textarea>` without its end tag, would take the rest of the page as its content: the
theme's navigation and scripts after the body, and on the print page every later chapter. So would
a `<template>`, `<details>`, `<dialog>` or `<video>`, or any element marked `hidden`, left open:
a browser shows nothing of what it holds (a closed `<details>`, its summary). This rule, run over
the parsed text, follows raw HTML in reading order as a browser does (an end tag closes the
elements opened inside its own), says where such a thing opened, and closes it at the end of the
text it was written in.
"""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from trustdocs.diagnostics import warning
from trustdocs.markdown.positions import report
from trustdocs.markdown.rawhtml import start_tag_end

# Elements whose content a browser reads as text up to their own end tag (raw text and RCDATA;
# `<noscript>` where scripts run, as they do in every browser a course is read in).
TEXT_ELEMENTS = frozenset(
    {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"}
)
# Elements a browser shows nothing of what they hold (or only part: a closed `<details>`, its
# summary; a `<video>`, nothing where it plays), and SVG and MathML, which show no HTML text.
HIDING_ELEMENTS = frozenset(
    {"template", "select", "datalist", "dialog", "details", "video", "audio", "object", "canvas"}
    | {"svg", "math"}
)
# Elements never left open: void ones, and those whose end tag a browser infers (a paragraph
# ends where the next block starts).
_NEVER_OPEN = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    | {"track", "wbr", "param", "keygen", "frame", "basefont", "bgsound", "image"}
    | {"p", "li", "dt", "dd", "option", "optgroup", "rb", "rt", "rtc", "rp", "tr", "td", "th"}
    | {"thead", "tbody", "tfoot", "colgroup", "caption", "html", "head", "body"}
)
_FOREIGN = frozenset({"svg", "math"})  # inside them, `<x/>` is whole, as in XML
# `hidden`, or a style with `display: none`, among a start tag's attributes (roughly: a false
# match only matters for an element left open, which is reported anyway).
_HIDDEN = re.compile(r"""[\s/"']hidden(?=[\s/>=])|display\s*:\s*none""", re.IGNORECASE)
_OPEN = re.compile(r"""[\s/"']open(?=[\s/>=])""", re.IGNORECASE)  # `<details open>`
_MARKUP = re.compile(r"<(!--|/?[A-Za-z][^\s/>]*)")
_COMMENT_END = re.compile(r"--!?>")


@dataclass
class _Open:
    """What a page's raw HTML left open: the closing text it needs, and where it opened."""

    closer: str  # "-->", or an end tag's name
    what: str  # for the message: "HTML comment", "<script>"
    line: int  # Markdown line
    needle: str
    hides: bool = False  # an element that hides what it holds (not one read as text)


@dataclass
class _Reading:
    """Where the raw HTML of a text stands, read so far."""

    left: _Open | None = None  # a comment or text element being read: only its end counts
    elements: list[_Open] = field(default_factory=list)  # elements open, outermost first
    # How many of those have each name (an end tag of none closes nothing: not looked for).
    named: collections.Counter[str] = field(default_factory=collections.Counter)


def open_html_plugin(md: MarkdownIt) -> None:
    """Say where raw HTML opens a comment or an element it never closes, and close it."""
    md.core.ruler.after("inline", "open_html", close_open_html)


def close_open_html(state: StateCore) -> None:
    """Follow the raw HTML of the text in order; close what is left open at its end, with a
    warning at the place it opened."""
    reading = _Reading()
    for token in state.tokens:
        if token.type == "html_block" and token.map is not None:
            _follow(token.content, token.map[0], reading)
        elif token.type == "inline" and token.map is not None and "<" in token.content:
            # Where the children read so far end in the text (a code span may hold what a later
            # tag says), and its lines up to there, counted once (a paragraph of 40,000 tags).
            at, counted, line = 0, 0, token.map[0]
            for child in token.children or ():
                found = token.content.find(child.content, at) if child.content else -1
                if child.type == "html_inline":
                    line += token.content.count("\n", counted, max(found, at))
                    counted = max(found, at)
                    _follow(child.content, line, reading)
                if found >= 0:
                    at = found + len(child.content)
    left = [] if reading.left is None else [reading.left]
    left += reversed([element for element in reading.elements if element.hides])
    for opened in left:  # innermost first, as they are closed
        harm = (
            "hide the rest of the page in it"
            if opened.hides
            else "take the rest of the page into it"
        )
        report(
            state.env,
            opened.line,
            opened.needle,
            warning,
            f"{opened.what} is never closed: a browser would {harm}",
            f"close it with {_closing(opened.closer)}; until then, it is closed where the page's "
            "text ends",
        )
        closing = Token("html_block", "", 0)
        closing.content = _closing(opened.closer) + "\n"
        state.tokens.append(closing)


def _closing(closer: str) -> str:
    return closer if closer == "-->" else f"</{closer}>"


def _follow(html: str, line: int, reading: _Reading) -> None:
    """Read HTML (on Markdown line LINE on) into READING."""
    at = 0
    while True:
        left = reading.left
        if left is not None:  # inside a comment or a text element: only its end counts
            end = _end_of(left.closer, html, at)
            if end < 0:
                return
            at, reading.left = end, None
            continue
        found = _MARKUP.search(html, at)
        if found is None:
            return
        name = found.group(1)
        opened_at = line + html.count("\n", 0, found.start())
        if name == "!--":
            # `<!-->` and `<!--->` are whole (empty) comments to a browser.
            if html.startswith((">", "->"), found.end()):
                at = html.index(">", found.end()) + 1
                continue
            reading.left = _Open("-->", "HTML comment", opened_at, "<!--")
            at = found.end()
            continue
        end = start_tag_end(html, found.start())
        if end < 0:
            return  # a `<` that opens no tag: text
        at = end
        if name.startswith("/"):
            _end_tag(reading, name[1:].lower())
            continue
        name = name.lower()
        if name in TEXT_ELEMENTS:
            reading.left = _Open(name, f"<{name}>", opened_at, found.group(0))
        elif name not in _NEVER_OPEN and not _whole(reading, name, html[found.end() : end]):
            hidden = _HIDDEN.search(html, found.end(), end) is not None
            shown = name == "details" and _OPEN.search(html, found.end(), end) is not None
            hides = hidden or (name in HIDING_ELEMENTS and not shown)
            what = f"<{name} hidden>" if hidden and name not in HIDING_ELEMENTS else f"<{name}>"
            reading.elements.append(_Open(name, what, opened_at, found.group(0), hides))
            reading.named[name] += 1


def _whole(reading: _Reading, name: str, tag: str) -> bool:
    """Whether the start tag that ends with TAG is a whole element: `<x/>` in SVG or MathML (in
    HTML, a browser reads `<div/>` as `<div>`)."""
    foreign = name in _FOREIGN or any(reading.named[other] for other in _FOREIGN)
    return foreign and tag[:-1].rstrip().endswith("/")


def _end_tag(reading: _Reading, name: str) -> None:
    """An end tag: it closes the innermost element of its name, and those opened inside it;
    without one, a browser ignores it."""
    if not reading.named[name]:
        return
    elements = reading.elements
    index = len(elements) - 1
    while elements[index].closer != name:  # each passed over is closed: looked at once
        index -= 1
    for closed in elements[index:]:
        reading.named[closed.closer] -= 1
    del elements[index:]


def _end_of(closer: str, html: str, at: int) -> int:
    """Where the comment or text element being read in HTML from AT ends; -1: not in HTML."""
    if closer == "-->":
        found = _COMMENT_END.search(html, at)
    else:
        found = re.compile(rf"</{closer}(?=[\s/>])", re.IGNORECASE).search(html, at)
    return -1 if found is None else found.end()
