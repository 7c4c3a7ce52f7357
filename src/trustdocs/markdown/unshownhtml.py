"""Raw HTML that shows nothing of itself: a tag no browser knows, and markup it never shows.

Markdown passes `<…>` through as raw HTML when it reads as a tag, so prose about code loses words
without a sign: `Array<string>`, `Promise<void>`, `<T>`, `<Component />` become elements no
browser knows, shown as nothing, and a processing instruction (`<?php echo $x; ?>`), a `<!DOCTYPE>`
or a `<![CDATA[…]]>` in the body is hidden whole. Each such tag is a warning at its line and column;
what the page shows is unchanged (bit-docs sites build as they did). Known HTML, SVG and MathML
elements, comments, and custom elements (a name with a hyphen: `<my-widget>`) are taken as meant.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.html_inline import html_inline

from trustdocs.diagnostics import warning
from trustdocs.markdown.positions import inline_column, inline_line, report

# Elements a browser knows, current and obsolete, as HTML parses them (lower case).
HTML_ELEMENTS = frozenset(
    [
        "a",
        "abbr",
        "acronym",
        "address",
        "applet",
        "area",
        "article",
        "aside",
        "audio",
        "b",
        "base",
        "basefont",
        "bdi",
        "bdo",
        "bgsound",
        "big",
        "blink",
        "blockquote",
        "body",
        "br",
        "button",
        "canvas",
        "caption",
        "center",
        "cite",
        "code",
        "col",
        "colgroup",
        "data",
        "datalist",
        "dd",
        "del",
        "details",
        "dfn",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "em",
        "embed",
        "fencedframe",
        "fieldset",
        "figcaption",
        "figure",
        "font",
        "footer",
        "form",
        "frame",
        "frameset",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hgroup",
        "hr",
        "html",
        "i",
        "iframe",
        "image",
        "img",
        "input",
        "ins",
        "isindex",
        "kbd",
        "keygen",
        "label",
        "legend",
        "li",
        "link",
        "listing",
        "main",
        "map",
        "mark",
        "marquee",
        "math",
        "menu",
        "menuitem",
        "meta",
        "meter",
        "multicol",
        "nav",
        "nextid",
        "nobr",
        "noembed",
        "noframes",
        "noscript",
        "object",
        "ol",
        "optgroup",
        "option",
        "output",
        "p",
        "param",
        "picture",
        "plaintext",
        "portal",
        "pre",
        "progress",
        "q",
        "rb",
        "rp",
        "rt",
        "rtc",
        "ruby",
        "s",
        "samp",
        "script",
        "search",
        "section",
        "select",
        "selectedcontent",
        "slot",
        "small",
        "source",
        "spacer",
        "span",
        "strike",
        "strong",
        "style",
        "sub",
        "summary",
        "sup",
        "svg",
        "table",
        "tbody",
        "td",
        "template",
        "textarea",
        "tfoot",
        "th",
        "thead",
        "time",
        "title",
        "tr",
        "track",
        "tt",
        "u",
        "ul",
        "var",
        "video",
        "wbr",
        "xmp",
    ]
)
SVG_ELEMENTS = frozenset(
    [
        "animate",
        "animatemotion",
        "animatetransform",
        "circle",
        "clippath",
        "defs",
        "desc",
        "discard",
        "ellipse",
        "feblend",
        "fecolormatrix",
        "fecomponenttransfer",
        "fecomposite",
        "feconvolvematrix",
        "fediffuselighting",
        "fedisplacementmap",
        "fedistantlight",
        "fedropshadow",
        "feflood",
        "fefunca",
        "fefuncb",
        "fefuncg",
        "fefuncr",
        "fegaussianblur",
        "feimage",
        "femerge",
        "femergenode",
        "femorphology",
        "feoffset",
        "fepointlight",
        "fespecularlighting",
        "fespotlight",
        "fetile",
        "feturbulence",
        "filter",
        "foreignobject",
        "g",
        "line",
        "lineargradient",
        "marker",
        "mask",
        "metadata",
        "mpath",
        "path",
        "pattern",
        "polygon",
        "polyline",
        "radialgradient",
        "rect",
        "set",
        "stop",
        "switch",
        "symbol",
        "text",
        "textpath",
        "tspan",
        "use",
        "view",
    ]
)
MATHML_ELEMENTS = frozenset(
    [
        "annotation",
        "maction",
        "maligngroup",
        "malignmark",
        "menclose",
        "merror",
        "mfenced",
        "mfrac",
        "mglyph",
        "mi",
        "mlabeledtr",
        "mlongdiv",
        "mmultiscripts",
        "mn",
        "mo",
        "mover",
        "mpadded",
        "mphantom",
        "mprescripts",
        "mroot",
        "mrow",
        "ms",
        "mscarries",
        "mscarry",
        "msgroup",
        "msline",
        "mspace",
        "msqrt",
        "msrow",
        "mstack",
        "mstyle",
        "msub",
        "msubsup",
        "msup",
        "mtable",
        "mtd",
        "mtext",
        "mtr",
        "munder",
        "munderover",
        "none",
        "semantics",
    ]
)
KNOWN_ELEMENTS = HTML_ELEMENTS | SVG_ELEMENTS | MATHML_ELEMENTS

# A tag as CommonMark reads one: `<name`, `</name`; a custom element's name holds a hyphen.
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")
SHOWN_MOST = 40  # characters of the markup quoted in a warning
_HINT = "write it as code, in backticks, or as \\< to show it as text"


def unshown_html_plugin(md: MarkdownIt) -> None:
    """Warn at raw HTML that shows nothing of itself (see the module's text)."""
    md.inline.ruler.at("html_inline", html_inline_told)
    md.core.ruler.after("block", "unshown_html_blocks", warn_unshown_html_blocks)


def unshown(markup: str) -> str | None:
    """The message for the raw HTML MARKUP (one tag, or a block's start) when a browser shows
    nothing of it that its author meant to be seen; else None."""
    if markup.startswith("<?"):
        kind = "a processing instruction"
    elif markup.startswith("<![CDATA["):
        kind = "a CDATA section"
    elif markup.startswith("<!") and markup[2:3].isalpha():
        kind = "a declaration"
    else:
        found = _TAG.match(markup)
        if found is None or found.group(1).lower() in KNOWN_ELEMENTS or "-" in found.group(1):
            return None
        return f"is read as an HTML tag, and no browser knows <{found.group(1)}>: it is not shown"
    return f"is read as raw HTML ({kind}): a browser shows nothing of it"


def html_inline_told(state: StateInline, silent: bool) -> bool:
    """markdown-it's raw HTML rule, then a warning when the tag it read shows nothing."""
    start = state.pos
    if not html_inline(state, silent):
        return False
    if not silent:
        markup = state.tokens[-1].content
        message = unshown(markup)
        if message is not None:
            line, column = inline_line(state, start), inline_column(state, start)
            _warn(state.env, line, markup, message, column)
    return True


def warn_unshown_html_blocks(state: StateCore) -> None:
    """A warning at each raw HTML block that starts with markup a browser shows nothing of."""
    for token in state.tokens:
        if token.type != "html_block" or token.map is None:
            continue
        markup = token.content.lstrip()
        message = unshown(markup)
        if message is not None:
            _warn(state.env, token.map[0], markup, message)


def _warn(env: dict[str, Any], line: int, markup: str, message: str, after: int = 0) -> None:
    shown = markup.split("\n", 1)[0]
    said = shown if len(shown) <= SHOWN_MOST else shown[: SHOWN_MOST - 1] + "…"
    report(env, line, shown, warning, f"{said} {message}", _HINT, after=after)
