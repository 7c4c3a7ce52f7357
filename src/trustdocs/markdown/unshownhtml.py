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
from markdown_it.common.html_re import HTML_TAG_RE
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.html_inline import html_inline
from markdown_it.token import Token

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
# SVG's and MathML's own elements, known only inside `<svg>` and `<math>`: `<path>` or `<text>`
# in prose is an element no browser knows (React Native's `<Text>`, `List<Path>`).
FOREIGN_ELEMENTS = {"svg": SVG_ELEMENTS, "math": MATHML_ELEMENTS}
# HTML elements that show nothing where they are written: `<Link href="/about" />` on a line
# of its own is a component's name, not HTML's `<link>`, even in a raw HTML block.
_NOTHING_SHOWN = frozenset({"link", "meta", "base", "head", "template", "slot", "source", "track"})
# Elements whose text a browser reads as text up to their end tag: no tag inside them.
_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp", "plaintext"})

# A tag as CommonMark reads one: `<name`, `</name`; a custom element's name holds a hyphen.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
SHOWN_MOST = 40  # characters of the markup quoted in a warning
_HINT = "write it as code, in backticks, or as \\< to show it as text"


def unshown_html_plugin(md: MarkdownIt) -> None:
    """Warn at raw HTML that shows nothing of itself (see the module's text)."""
    md.inline.ruler.at("html_inline", html_inline_noted)
    # After heading ids: a heading of tags alone is said there (or, in a bit-docs site, shown).
    md.core.ruler.after("heading_ids", "unshown_html", warn_unshown_html)


def unshown(markup: str, inside: str | None = None, block: bool = False) -> str | None:
    """The message for the raw HTML MARKUP (one tag, comment or the like) when a browser shows
    nothing of it that its author meant to be seen; else None. INSIDE: the foreign element
    (`svg`, `math`) it is written in. In a BLOCK of raw HTML, a declaration (`<!DOCTYPE svg …>`)
    or an `<?xml …?>` is pasted markup, meant to show nothing."""
    if markup.startswith("<?"):
        if block and markup[2:5].lower() == "xml":
            return None
        kind = "a processing instruction"
    elif markup.startswith("<![CDATA["):
        if inside is not None:
            return None  # text, in SVG and MathML
        kind = "a CDATA section"
    elif markup.startswith("<!--") or markup.startswith("<!>"):
        return None
    elif markup.startswith("<!"):
        if block:
            return None
        kind = "a declaration"
    else:
        found = _TAG.match(markup)
        name = found.group(2) if found else "-"
        if "-" in name:  # a custom element, or no tag
            return None
        lower = name.lower()
        if lower not in HTML_ELEMENTS and (inside is None or lower not in FOREIGN_ELEMENTS[inside]):
            return f"is read as an HTML tag, and no browser knows <{name}>: it is not shown"
        # A component's name (`<Link />`, `<Button>`): HTML's element, not its word; in a raw
        # HTML block, HTML written with a capital, unless its element shows nothing anyway.
        if name[0].isupper() and not name.isupper() and (not block or lower in _NOTHING_SHOWN):
            return f"is read as the HTML tag <{lower}>: the name {name} is not shown"
        return None
    return f"is read as raw HTML ({kind}): a browser shows nothing of it"


def html_inline_noted(state: StateInline, silent: bool) -> bool:
    """markdown-it's raw HTML rule; a tag that shows nothing is noted on its token, with its
    place, for `warn_unshown_html` (a heading of tags alone is said otherwise)."""
    start = state.pos
    if not html_inline(state, silent):
        return False
    if not silent:
        token = state.tokens[-1]
        inside = _foreign_open(state.tokens[:-1])
        message = unshown(token.content, inside)
        if message is not None:
            token.meta["unshown"] = (
                inline_line(state, start),
                inline_column(state, start),
                message,
            )
    return True


def _foreign_open(before: list[Token]) -> str | None:
    """The foreign element (`svg`, `math`) the raw HTML tags BEFORE leave open, if any."""
    depth = {"svg": 0, "math": 0}
    for token in before:
        if token.type == "html_inline":
            found = _TAG.match(token.content)
            name = found.group(2).lower() if found else ""
            if name in depth and not token.content.endswith("/>"):
                depth[name] += -1 if found.group(1) else 1
    return next((name for name, open_ in depth.items() if open_ > 0), None)


def warn_unshown_html(state: StateCore) -> None:
    """A warning at each raw HTML tag noted by `html_inline_noted` that is still raw HTML, and
    at each tag of a raw HTML block that shows nothing."""
    depth = {"svg": 0, "math": 0}  # SVG left open by a block goes on in the next one
    for token in state.tokens:
        if token.type == "html_block" and token.map is not None:
            _warn_in_block(state.env, token.content, token.map[0], depth)
            continue
        if token.nesting >= 0 and token.level == 0:  # Markdown's own block ends what was open
            depth = {"svg": 0, "math": 0}
        if token.type == "inline":
            for child in token.children or ():
                noted = child.meta.get("unshown") if child.type == "html_inline" else None
                if noted is not None:
                    line, column, message = noted
                    _warn(state.env, line, child.content, message, column)


def _warn_in_block(env: dict[str, Any], html: str, first_line: int, depth: dict[str, int]) -> None:
    """The warnings for the tags of the raw HTML block HTML, which starts on FIRST_LINE, inside
    the foreign elements DEPTH counts open (updated)."""
    if "<" not in html:
        return
    at = 0
    while (found := HTML_TAG_RE.search(html, at)) is not None:
        markup, at = found.group(0), found.end()
        tag = _TAG.match(markup)
        name = tag.group(2).lower() if tag else ""
        inside = next((n for n, open_ in depth.items() if open_ > 0), None)
        message = unshown(markup, inside, block=True)
        if message is not None:
            line = html.count("\n", 0, found.start())
            column = found.start() - (html.rfind("\n", 0, found.start()) + 1)
            _warn(env, first_line + line, markup, message, column)
        if tag is None:
            continue
        if name in depth and not markup.endswith("/>"):
            depth[name] = max(0, depth[name] + (-1 if tag.group(1) else 1))
        elif name in _RAW_TEXT and not tag.group(1):  # its text is no tag: to its end tag
            end = re.compile(rf"</{name}[\s/>]", re.IGNORECASE).search(html, at)
            at = end.end() if end else len(html)


def _warn(env: dict[str, Any], line: int, markup: str, message: str, after: int = 0) -> None:
    shown = markup.split("\n", 1)[0]
    said = shown if len(shown) <= SHOWN_MOST else shown[: SHOWN_MOST - 1] + "…"
    report(env, line, shown, warning, f"{said} {message}", _HINT, after=after)
