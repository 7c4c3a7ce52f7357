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
import html
import itertools
import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from trustdocs.diagnostics import warning
from trustdocs.markdown.positions import report
from trustdocs.markdown.rawhtml import start_tag_end, tag_attributes

# Elements whose content a browser reads as text up to their own end tag (raw text and RCDATA;
# `<noscript>` where scripts run, as they do in every browser a course is read in).
TEXT_ELEMENTS = frozenset(
    {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"}
)
# Elements a browser shows nothing of what they hold (or only part: a closed `<details>`, its
# summary; a `<video>`, nothing where it plays), and SVG and MathML, which show no HTML text.
HIDING_ELEMENTS = frozenset(
    {"template", "select", "datalist", "dialog", "details", "video", "audio", "canvas"}
    | {"progress", "meter", "svg", "math"}
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
# Elements a browser closes when the next of their kind starts (`<li>a<li>b`).
_SIBLINGS = frozenset({"li", "dd", "dt"})
# Table parts whose end a browser infers: a cell ends where the next cell or row starts, a row
# where the next row starts (`<td hidden>a<td>b`: b is shown). Followed only to see one hidden.
# A caption or a row group ends where any other part of the table starts.
_PARTS = ("td", "th", "tr", "caption", "thead", "tbody", "tfoot")
_CELL_ENDS = {
    "td": ("td", "th"),
    "th": ("td", "th"),
    "tr": ("td", "th", "tr", "caption"),
    **dict.fromkeys(("caption", "thead", "tbody", "tfoot"), _PARTS),
    **dict.fromkeys(("col", "colgroup"), ("caption",)),  # hold no text: never followed
}
# A style that hides what the element holds, once read as a browser reads it: not displayed,
# invisible, fully transparent (a negative opacity is 0) or with text of size 0. Each property's
# declaration that wins counts: the last one, unless an earlier one is `!important`.
_ZERO = r"\+?(?:0+\.?0*|\.0+)(?![\d.])"
_ZERO_SIZE = re.compile(rf"{_ZERO}[a-z%]*", re.IGNORECASE)
_HIDING_VALUES = {
    "display": re.compile(r"none", re.IGNORECASE),
    "visibility": re.compile(r"hidden|collapse", re.IGNORECASE),
    "content-visibility": re.compile(r"hidden", re.IGNORECASE),
    "opacity": re.compile(rf"-.*|{_ZERO}%?", re.IGNORECASE),
    "font-size": _ZERO_SIZE,
    "scale": re.compile(rf"(?:\S+\s+)*{_ZERO}%?(?:\s+\S+)*", re.IGNORECASE),  # one axis at 0
    # a 2D scale with a factor of 0, among the transforms
    "transform": re.compile(
        rf".*\bscale[xy]?\(\s*(?:[^,)]*,\s*)?{_ZERO}%?\s*[,)].*", re.IGNORECASE | re.DOTALL
    ),
}
# A box of no height (or width) whose overflow is not shown beside it (hidden, clipped, or
# scrolled within the box, as the other axis is once one is not visible, unless clipped).
_CLIPS = re.compile(r"(?:\S+\s+)?(?:hidden|clip|auto|scroll)(?:\s+\S+)?", re.IGNORECASE)
_BOUNDS = re.compile(r"hidden|auto|scroll", re.IGNORECASE)  # the other axis: clip leaves it
_VERTICAL = {"overflow": _CLIPS, "overflow-y": _CLIPS, "overflow-x": _BOUNDS}
_HORIZONTAL = {"overflow": _CLIPS, "overflow-x": _CLIPS, "overflow-y": _BOUNDS}
_CLIPPED = {
    **dict.fromkeys(("height", "max-height"), _VERTICAL),
    **dict.fromkeys(("width", "max-width"), _HORIZONTAL),
}
_DECLARATION = re.compile(
    rf"(?<![\w-])({'|'.join(map(re.escape, [*_HIDING_VALUES, *_CLIPPED]))}|overflow(?:-[xy])?)"
    r"\s*:\s*([^;]*)",
    re.IGNORECASE,
)
_IMPORTANT = re.compile(r"!\s*important\s*$", re.IGNORECASE)
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.DOTALL)
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})\s?|(.))")
# Markdown's own blocks: their end tags close the raw elements opened inside them (a `<details>`
# in a list item ends with it), and their start tags end SVG and MathML written before them.
_BLOCKS = frozenset({"p", "li", "ul", "ol", "blockquote", "table", "thead", "tbody", "tr"})
_BLOCKS |= frozenset({"td", "th", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6"})
_BREAKING_OUT = _BLOCKS | {"pre", "hr"}
_BLOCK_NOUNS = {  # what a message calls each block of Markdown's own
    "p": "paragraph",
    "li": "list item",
    **dict.fromkeys(("ul", "ol"), "list"),
    **dict.fromkeys(("td", "th"), "table cell"),
    "tr": "table row",
    **dict.fromkeys(("table", "thead", "tbody"), "table"),
    **dict.fromkeys(("dl", "dd", "dt"), "definition list"),
    "blockquote": "quote",
    **dict.fromkeys(("h1", "h2", "h3", "h4", "h5", "h6"), "heading"),
}
# Elements whose end tags reach no further in: an end tag of an element opened before one of
# them is ignored while it is open (a browser's "scope": `</p>` does not end a `<template>`
# written in the paragraph, nor a `<select>`, whose content is read apart).
_DEFAULT_SCOPE = frozenset({"template", "object", "select", "applet", "marquee", "caption"})
_DEFAULT_SCOPE |= frozenset({"table", "td", "th"})
_SCOPE_OF = {  # the end tags whose reach is bounded otherwise (a browser's "button scope"…)
    "p": _DEFAULT_SCOPE | {"button"},
    "li": _DEFAULT_SCOPE | {"ol", "ul"},
    **dict.fromkeys(_PARTS, frozenset({"table", "template"})),
    "table": frozenset({"table", "template"}),  # a table's end closes the cell it is written in
}
_SCOPES = frozenset().union(_DEFAULT_SCOPE, *_SCOPE_OF.values())
_SCOPES_LOOKED_AT = 256  # past this many open above an element, an end tag is taken as bounded
# Elements whose end ends the formatting opened in them: a browser opens none of it again after
# (a table: its cells are, and are not followed unless hidden).
_MARKERS = frozenset({"td", "th", "caption", "template", "object", "marquee", "applet", "table"})
# Elements a browser opens again in each block after the one that closed them (`<b>` across
# paragraphs): one that hides what it holds goes on hiding.
_FORMATTING = frozenset({"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small"})
_FORMATTING |= frozenset({"strike", "strong", "tt", "u"})
_PLAINTEXT = re.compile(r"<plaintext(?=[\s/>]|$)", re.IGNORECASE)
# Start tags that end the paragraph they are written in.
_P_CLOSERS = frozenset(
    {"address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div"}
    | {"dl", "fieldset", "figcaption", "figure", "footer", "header", "hgroup", "main", "menu"}
    | {"nav", "ol", "search", "section", "summary", "ul", "h1", "h2", "h3", "h4", "h5", "h6"}
    | {"pre", "listing", "form", "table"}
)
_MARKUP = re.compile(r"<(!--|/?[A-Za-z][^\s/>]*)")
_COMMENT_END = re.compile(r"--!?>")


@dataclass(eq=False)  # each element is itself: two `<li>` are two
class _Open:
    """What a page's raw HTML left open: the closing text it needs, and where it opened."""

    closer: str  # "-->", or an end tag's name
    what: str  # for the message: "HTML comment", "<script>"
    line: int  # Markdown line
    needle: str
    hides: bool = False  # an element that hides what it holds (not one read as text)
    markdown: bool = False  # a block of Markdown's own (a list item), not raw HTML
    held: _Held | None = None  # it kept open a block whose end a browser ignored for it
    # Of a table cell (`_MARKERS`), the formatting left open before it (`_Reading.formatting`).
    formatting: tuple[collections.Counter[str], tuple[int, str] | None] | None = None


@dataclass(eq=False)
class _Held:
    """A block of Markdown whose end a browser ignores, for raw HTML opened in it that bounds
    that end's reach (`<ul hidden>` in a list item): the later blocks go into that HTML."""

    at: int  # the block's closing token
    closed_at: int  # the token of Markdown's own that closed the HTML (-1: none yet)
    block: _Open
    inside: list[_Open]  # the raw elements open in the block then, outermost first


@dataclass
class _Reading:
    """Where the raw HTML of a text stands, read so far."""

    left: _Open | None = None  # a comment or text element being read: only its end counts
    elements: list[_Open] = field(default_factory=list)  # elements open, outermost first
    # Where those of each name are in it, in order (an end tag finds its element at once), and
    # those that bound what an end tag outside them reaches (`_SCOPES`).
    named: dict[str, list[int]] = field(default_factory=lambda: collections.defaultdict(list))
    scopes: list[int] = field(default_factory=list)
    # Blocks held open by hiding raw HTML which a later end of Markdown's own closed: that HTML
    # hid the blocks written after the one it was opened in.
    held: list[_Held] = field(default_factory=list)
    # Formatting elements opened and not ended by their own end tag, by name: a browser opens
    # them again in each later block, the theme's markup after the text too.
    formatting: collections.Counter[str] = field(default_factory=collections.Counter)
    link: tuple[int, str] | None = None  # where the last `<a>`, a link (`href`), opened


def open_html_plugin(md: MarkdownIt) -> None:
    """Say where raw HTML opens a comment or an element it never closes, and close it."""
    md.core.ruler.after("inline", "open_html", close_open_html)


def close_open_html(state: StateCore) -> None:
    """Follow the raw HTML of the text in order; close what is left open at its end, with a
    warning at the place it opened."""
    if not any(
        t.type == "html_block" or (t.type == "inline" and "<" in t.content) for t in state.tokens
    ):
        return  # no raw HTML: nothing to follow (most pages)
    reading = _Reading()
    for at, token in enumerate(state.tokens):
        if token.type in ("fence", "code_block") or (
            token.tag in _BREAKING_OUT and token.nesting >= 0 and token.type != "html_block"
        ):
            _break_out(reading)
        # A tight list's paragraphs are written without tags: they close nothing.
        if token.tag in _BLOCKS and token.nesting == 1 and not token.hidden:
            _push(reading, _Open(token.tag, f"<{token.tag}>", 0, "", markdown=True))
        elif token.tag in _BLOCKS and token.nesting == -1 and not token.hidden:
            _end_block(reading, token.tag, at)
        _escape_plaintext(state, token)
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
    _close_left_open(state, reading)
    if reading.held:
        _close_where_held(state, reading.held)


# Elements left open that take the theme's controls after the text into them: told.
_INTERACTIVE = frozenset({"a", "button", "label"})


def _close_left_open(state: StateCore, reading: _Reading) -> None:
    """Close, where the text ends, what its raw HTML left open, so that none of it takes the
    theme's markup after the text into it: a warning at each one that hides what it holds,
    or would take the theme's controls (a link, a button); formatting, silently."""
    left = [] if reading.left is None else [reading.left]
    counted = {id(e) for e in reading.elements if e.closer in _FORMATTING and not e.hides}
    left += reversed([e for e in reading.elements if not e.markdown and id(e) not in counted])
    if reading.formatting["a"] and reading.link is not None:
        left.append(_Open("a", "<a>", *reading.link))  # a link left open: told
    elif reading.formatting["a"]:
        reading.formatting["a"] += 1  # an anchor (`<a name>`): ended with the formatting
    for opened in left:  # innermost first, as they are closed
        if opened.hides or opened.closer in _INTERACTIVE or opened is reading.left:
            harm = (
                "hide the rest of the page in" if opened.hides else "take the rest of the page into"
            )
            report(
                state.env,
                opened.line,
                opened.needle,
                warning,
                f"{opened.what} is never closed: a browser would {harm} it",
                f"close it with {_closing(opened.closer)}; until then, it is closed where the "
                "page's text ends",
            )
        _append_html(state, _closing(opened.closer))
    formatting = reading.formatting
    formatted = [f"</{n}>" * count for n, count in sorted(formatting.items()) if n != "a"]
    formatted += ["</a>"] if formatting["a"] > 1 else []
    if any(formatted):  # each one that a browser would open again after the text, ended
        _append_html(state, "".join(formatted))


def _append_html(state: StateCore, html: str) -> None:
    closing = Token("html_block", "", 0)
    closing.content = html + "\n"
    state.tokens.append(closing)


def _close_where_held(state: StateCore, held: list[_Held]) -> None:
    """Close the raw HTML that HELD blocks open where each block ends, when Markdown written
    after it was hidden in it (`_end_block`)."""
    # Tokens that open or show something, before each index: the Markdown written between a held
    # block's end and the end that closed its HTML was hidden; none, nothing was.
    shown = list(itertools.accumulate((t.nesting != -1 for t in state.tokens), initial=0))
    hid = [h for h in held if shown[h.closed_at] > shown[h.at + 1]]
    closings = {h.at: _closed_where_held(state, h) for h in hid}
    # In one pass: inserted one at a time, thousands of them would each move every token.
    state.tokens = [
        t for at, token in enumerate(state.tokens) for t in (closings.get(at), token) if t
    ]


def _closed_where_held(state: StateCore, held: _Held) -> Token:
    """The raw HTML that HELD its block open, closed: to go before the block's end; with a
    warning at each element of it that hides what it holds."""
    noun = _BLOCK_NOUNS.get(held.block.closer, "block")
    for opened in held.inside:
        if opened.hides:
            report(
                state.env,
                opened.line,
                opened.needle,
                warning,
                f"{opened.what} is not closed in the {noun} it is written in: a browser would "
                f"hide what follows that {noun} in it",
                f"close it with {_closing(opened.closer)} before the {noun} ends; until then, it "
                f"is closed where the {noun} ends",
            )
    closing = Token("html_block", "", 0)
    closing.content = "".join(_closing(e.closer) for e in reversed(held.inside)) + "\n"
    return closing


def _closing(closer: str) -> str:
    return closer if closer == "-->" else f"</{closer}>"


def _follow(html: str, line: int, reading: _Reading) -> None:
    """Read HTML (on Markdown line LINE on) into READING."""
    at = counted = 0  # where lines were counted to: once, in a block of 80,000 tags
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
        line += html.count("\n", counted, found.start())
        counted = found.start()
        opened_at = line
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
            continue
        last = reading.elements[-1] if reading.elements else None
        if name in _SIBLINGS and last and last.closer in _SIBLINGS and not last.markdown:
            _end_tag(reading, last.closer)  # `<li hidden>a<li>b`: a ends where b starts
        if name in _CELL_ENDS and not reading.named["table"]:
            continue  # a cell or row outside a table: a browser ignores the tag
        for ended in _CELL_ENDS.get(name, ()):
            _end_tag(reading, ended)
        if name in _NEVER_OPEN and name not in _SIBLINGS and name not in _PARTS:
            continue
        tag = html[found.start() : end]
        attributes = tag_attributes(tag)
        hidden = _hidden_as(name, attributes)
        if (name in _NEVER_OPEN and hidden is None) or _whole(reading, name, tag):
            continue
        shown = name == "details" and "open" in attributes
        # An <object> shows what it holds only when its file cannot be shown.
        hiding = name in HIDING_ELEMENTS or (name == "object" and "data" in attributes)
        hides = hidden is not None or (hiding and not shown)
        what = hidden if hidden and name not in HIDING_ELEMENTS else f"<{name}>"
        if name in _FORMATTING and not hides:
            _formatting_opened(reading, name, attributes, (opened_at, found.group(0)))
        _push(reading, _Open(name, what, opened_at, found.group(0), hides))


def _formatting_opened(
    reading: _Reading, name: str, attributes: dict[str, str | None], where: tuple[int, str]
) -> None:
    """A formatting element opens, at WHERE (line, needle): counted until its end tag. A new
    `<a>` ends the one before; the last link (`<a href>`) is where one left open is told."""
    if name == "a":
        reading.formatting["a"] = 1
        reading.link = where if "href" in attributes else None
    else:
        reading.formatting[name] += 1


def _hidden_as(name: str, attributes: dict[str, str | None]) -> str | None:
    """How the start tag of element NAME with ATTRIBUTES hides what it holds, as the author wrote
    it (`<div hidden>`, a popover not shown: `<div popover>`, `<div style="display:none">`)."""
    for attribute in ("hidden", "popover"):
        if attribute in attributes:
            return f"<{name} {attribute}>"
    style = _hiding_style(attributes.get("style") or "")
    return None if style is None else f'<{name} style="{style}">'


def _push(reading: _Reading, element: _Open) -> None:
    if element.closer in _P_CLOSERS:  # `<div>` in a paragraph: the paragraph ends before it
        _close_paragraph(reading)
    reading.named[element.closer].append(len(reading.elements))
    if element.closer in _SCOPES:
        reading.scopes.append(len(reading.elements))
    if element.closer in _MARKERS:
        element.formatting = (collections.Counter(reading.formatting), reading.link)
    reading.elements.append(element)


def _pop_to(reading: _Reading, index: int) -> None:
    """Close the element at INDEX of the open ones, and all opened inside it."""
    for closed in reversed(reading.elements[index:]):
        reading.named[closed.closer].pop()
        if closed.closer in _SCOPES:
            reading.scopes.pop()
        if closed.formatting is not None:  # what was opened in it is not opened again after it
            reading.formatting, reading.link = closed.formatting
    del reading.elements[index:]


def _close_paragraph(reading: _Reading) -> None:
    """A block's start tag ends the paragraph it is written in (unless a scope is in between)."""
    found = reading.named["p"]
    if found and not _bounded(reading, "p", found[-1]):
        _pop_to(reading, found[-1])


def _bounded(reading: _Reading, name: str, index: int) -> bool:
    """Whether an end tag NAME cannot reach the element at INDEX: an element that bounds its
    reach (`_SCOPE_OF`) is open inside it."""
    bounds = _SCOPE_OF.get(name, _DEFAULT_SCOPE)
    above = [i for i in reading.scopes[-_SCOPES_LOOKED_AT:] if i > index]
    if len(above) == _SCOPES_LOOKED_AT:
        return True
    return any(reading.elements[i].closer in bounds for i in above)


def _end_block(reading: _Reading, tag: str, at: int) -> None:
    """The end of a block of Markdown (`</p>`, `</li>`), token AT: it closes what was opened in
    it, but for the hidden formatting a browser opens again in the next block.

    A browser ignores it when raw HTML opened in the block bounds its reach (`<ul hidden>` in a
    list item), and puts the blocks that follow into that HTML. When one of Markdown's own ends
    closes that HTML later (the list's `</ul>`), what it hid is closed where its block ended
    (`_close_where_held`), and this end reaches the block it was written for.
    """
    while True:
        found = reading.named.get(tag)
        if not found:
            return
        if _bounded(reading, tag, found[-1]):
            _hold(reading, found[-1], at)
            return
        hiding = next(
            (
                (index, e.held)
                for index, e in enumerate(reading.elements[found[-1] :], found[-1])
                if e.held is not None and any(h.hides for h in e.held.inside)
            ),
            None,
        )
        at_block = None if hiding is None else _index_of(reading, hiding[1].block, hiding[0])
        if hiding is None or at_block is None:
            break
        hiding[1].closed_at = at
        reading.held.append(hiding[1])
        _pop_to(reading, at_block)
    kept = [e for e in reading.elements[found[-1] + 1 :] if e.hides and e.closer in _FORMATTING]
    _pop_to(reading, found[-1])
    for element in kept:
        _push(reading, element)


def _index_of(reading: _Reading, block: _Open, below: int) -> int | None:
    """Where BLOCK is among the open elements, looked for from BELOW (an element it holds open)
    down: it is found at once, right under the raw HTML it holds; None when it is closed."""
    for index in range(below, -1, -1):
        if reading.elements[index] is block:
            return index
    return None


def _hold(reading: _Reading, index: int, at: int) -> None:
    """The end of the Markdown block at INDEX, token AT, is ignored: the raw elements open in
    it (none of Markdown's own) are marked as holding it open, unless they already hold one."""
    inside = reading.elements[index + 1 :]
    if not inside or any(e.markdown for e in inside) or inside[0].held is not None:
        return
    held = _Held(at, -1, reading.elements[index], inside)
    for element in inside:
        element.held = element.held or held


def _hiding_style(style: str) -> str | None:
    """The declaration of STYLE (an attribute's value, as written) that hides the element:
    `display: none`, `visibility: hidden`, `opacity: 0`, `font-size: 0`, a scale of 0, a height
    of 0 with its overflow hidden…, read as a browser reads it (entities, comments, CSS escapes,
    the declaration of a property that wins); or None."""
    text = _CSS_COMMENT.sub("", html.unescape(style))
    text = _CSS_ESCAPE.sub(_css_unescaped, text)
    winning: dict[str, tuple[bool, str, str]] = {}  # property → (important, value, declaration)
    for found in _DECLARATION.finditer(text):
        prop, value = found.group(1).lower(), found.group(2).strip()
        important = _IMPORTANT.search(value)
        if prop in winning and winning[prop][0] and not important:
            continue  # an earlier `!important` one wins
        value = value[: important.start()].strip() if important else value
        winning[prop] = (important is not None, value, " ".join(found.group(0).split()))
    for prop, (_, value, declaration) in winning.items():
        if prop in _HIDING_VALUES and _HIDING_VALUES[prop].fullmatch(value):
            return declaration
        clipping = _CLIPPED.get(prop, {}) if _ZERO_SIZE.fullmatch(value) else {}
        for overflow, values in clipping.items():
            if overflow in winning and values.fullmatch(winning[overflow][1]):
                return f"{declaration}; {winning[overflow][2]}"
    return None


def _css_unescaped(match: re.Match[str]) -> str:
    if match.group(1) is None:
        return match.group(2)
    code = int(match.group(1), 16)
    return chr(code) if 0 < code <= 0x10FFFF else "\ufffd"  # as CSS reads one out of range


def _escape_plaintext(state: StateCore, token: Token) -> None:
    """`<plaintext>` shows the rest of the page as text, and nothing can end it: it is written
    as text, with a warning."""
    pieces = [token] if token.type == "html_block" else []
    pieces += [c for c in token.children or () if c.type == "html_inline"]
    for piece in pieces:
        if _PLAINTEXT.search(piece.content) and token.map is not None:
            report(
                state.env,
                token.map[0],
                _PLAINTEXT.search(piece.content).group(0),  # type: ignore[union-attr]
                warning,
                "<plaintext> would show the rest of the page as text, and nothing ends it: it "
                "is shown as written",
                "write it in backticks to show the tag",
            )
            piece.content = _PLAINTEXT.sub(lambda m: "&lt;" + m.group(0)[1:], piece.content)


def _break_out(reading: _Reading) -> None:
    """A block of Markdown starts: SVG or MathML open before it ends there, as a browser ends
    it at such a start tag, with all that was opened inside it."""
    foreign = reading.named["svg"] + reading.named["math"]
    if foreign:
        _pop_to(reading, min(foreign))


def _whole(reading: _Reading, name: str, tag: str) -> bool:
    """Whether the start tag TAG is a whole element: `<x/>` in SVG or MathML (in HTML, a
    browser reads `<div/>` as `<div>`)."""
    foreign = name in _FOREIGN or bool(reading.named["svg"] or reading.named["math"])
    return foreign and tag[:-1].rstrip().endswith("/")


def _end_tag(reading: _Reading, name: str) -> None:
    """An end tag: it closes the innermost element of its name, and those opened inside it;
    without one, or with it outside a scope open since (a `<template>`, a table cell), a
    browser ignores it."""
    found = reading.named.get(name)
    if found and not _bounded(reading, name, found[-1]):
        _pop_to(reading, found[-1])
    if reading.formatting[name] > 0:  # one of those left open, ended (a stray one: ignored)
        reading.formatting[name] -= 1


def _end_of(closer: str, html: str, at: int) -> int:
    """Where the comment or text element being read in HTML from AT ends; -1: not in HTML."""
    if closer == "-->":
        found = _COMMENT_END.search(html, at)
    else:
        found = re.compile(rf"</{closer}(?=[\s/>])", re.IGNORECASE).search(html, at)
    return -1 if found is None else found.end()
