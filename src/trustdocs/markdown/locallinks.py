"""Relative links and images (FORMAT.md §6): rewritten to reach their target from the output page.

Those of raw HTML too (`<img src>`, `<a href>`: bit-docs lessons are full of them), with the rest of
the HTML left byte for byte as the author wrote it.
"""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

from jinja2 import Environment, TemplateError
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import OptionsDict

from trustdocs.diagnostics import warning
from trustdocs.markdown.crosslinks import missing_anchor, raw_html_cross_link
from trustdocs.markdown.positions import report
from trustdocs.markdown.printpage import link_in_print, own_anchor, print_css
from trustdocs.markdown.rawhtml import attribute_values, read_html
from trustdocs.snapshot import PageSummary, RenderContext


def local_link_plugin(md: MarkdownIt) -> None:
    """Remember each link's line; at render time rewrite and check relative URLs."""

    def remember_lines(state: StateCore) -> None:
        for token in state.tokens:
            if token.type != "inline" or not token.children:
                continue
            offset = 0
            for child in token.children:
                if child.type in ("softbreak", "hardbreak"):
                    offset += 1
                elif child.type in ("link_open", "image") and "line" not in child.meta:
                    url = str(child.attrGet("href") or child.attrGet("src") or "")
                    child.meta["line"] = (token.map[0] if token.map else 0) + offset
                    child.meta["needle"] = url
                elif child.type == "html_inline":
                    child.meta["line"] = (token.map[0] if token.map else 0) + offset
                    offset += child.content.count("\n")

    md.core.ruler.push("local_link_lines", remember_lines)
    md.add_render_rule("link_open", render_link_open)
    md.add_render_rule("image", render_image)
    md.add_render_rule("html_block", render_raw_html)
    md.add_render_rule("html_inline", render_raw_html)


def _written_url(url: str, env: dict[str, Any], line: int, needle: str, lead: str = "") -> str:
    """URL, of a link or image on Markdown line LINE (at NEEDLE), as the output page writes it;
    a target missing is a warning there."""
    context: RenderContext = env["context"]
    if url.startswith("#") and len(url) > 1:
        _check_anchor(env, (line, needle, lead), context.page, url[1:])
        return "#" + own_anchor(context, url[1:])  # a link within the page, or its chapter
    link = context.resolve_local(url)
    if link.problem:
        report(env, line, needle, warning, link.problem, link.hint, lead)
    if link.page and link.fragment:
        _check_anchor(env, (line, needle, lead), context.show(link.page, "anchors"), link.fragment)
    inside = link_in_print(context, link.page, link.fragment) if link.page else None
    return inside or link.url


def _check_anchor(
    env: dict[str, Any], where: tuple[int, str, str], target: PageSummary, fragment: str
) -> None:
    """A warning at WHERE (line, needle, lead) when page TARGET has no id FRAGMENT names; a
    text fragment (`#:~:text=…`) is the browser's, not the page's."""
    anchor = unquote(fragment)
    if anchor in target.anchors or anchor.startswith(":~:") or anchor == "top":  # HTML's own
        return
    if anchor in _theme_ids(env["context"].templates):
        return  # an id of the page around the lesson
    line, needle, lead = where
    report(env, line, needle, warning, *missing_anchor(target, anchor), lead)


_THEME_IDS: dict[int, tuple[Environment, frozenset[str]]] = {}  # by the id of the templates held


def _theme_ids(templates: Environment) -> frozenset[str]:
    """The ids the theme's templates write as they are (`id="content"`): on every page."""
    held = _THEME_IDS.get(id(templates))
    if held is None or held[0] is not templates:
        ids: set[str] = set()
        for name in templates.list_templates(extensions=["html"]):
            with contextlib.suppress(TemplateError, OSError, TypeError, AttributeError):
                source = templates.loader.get_source(templates, name)[0]  # type: ignore[union-attr]
                ids.update(_LITERAL_ID.findall(source))
        if len(_THEME_IDS) >= 4:  # a preview's theme edits make new ones
            _THEME_IDS.clear()
        held = _THEME_IDS[id(templates)] = (templates, frozenset(ids))
    return held[1]


_LITERAL_ID = re.compile(r"""\bid=["']([^"'{}]+)["']""")


def _rewrite(token: Token, attr: str, env: dict[str, Any]) -> Token:
    url = str(token.attrGet(attr) or "")
    if not url:
        return token
    meta = token.meta
    written = _written_url(url, env, meta.get("line", 0), meta.get("needle", ""), lead="](")
    if written == url:
        return token
    copy = token.copy(attrs=dict(token.attrs))
    copy.attrSet(attr, written)
    return copy


def render_link_open(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """A Markdown link, with a relative URL rewritten to reach its target from the output page."""
    return self.renderToken([_rewrite(tokens[idx], "href", env)], 0, options, env)


def render_image(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """An image, its path resolved like a link's."""
    token = _rewrite(tokens[idx], "src", env)
    alt = self.renderInlineAsText(token.children or [], options, env)
    attrs = dict(token.attrs)
    attrs["alt"] = alt
    attrs.setdefault("loading", "lazy")
    rendered = "".join(f' {k}="{escapeHtml(str(v))}"' for k, v in attrs.items())
    return f"<img{rendered}>"


# Attributes that hold one address a page loads or links to (a video's poster image), and those
# that do on one element only (an object's file, a PDF of slides): elsewhere `data` is any data.
_ADDRESSES = ("src", "href", "poster", "xlink:href", "usemap")  # SVG's `<use xlink:href="#s">`
_ADDRESSES_OF = {"object": ("data",)}
_IDS = ("id", "name")  # `name`: an old-style anchor
# Attributes that name ids of the page, space-separated: in the print page they name the ids
# as prefixed (a label's `for`, ARIA's references, a cell's `headers`, an input's `list`).
_ID_LISTS = frozenset(
    {"for", "headers", "list", "form", "aria-labelledby", "aria-describedby", "aria-controls"}
    | {"aria-owns", "aria-activedescendant", "aria-details", "aria-errormessage", "aria-flowto"}
)
# `url(#gradient)` in an SVG paint, a clip path, a mask, a filter, or a style.
_URL_OF_ID = re.compile(r"""url\(\s*(['"]?)#([^)'"\s]+)\1\s*\)""")
_NOT_REWRITTEN = ("base",)  # its href is where the page's own addresses start: as written
_STYLE = re.compile(r"<style(?=[\s/>])[^>]*>(.*?)(?:</style\s*>|$)", re.S | re.I)  # what one holds


class _StartTags(HTMLParser):
    """The start tags of a piece of raw HTML: where each begins (line from 1, column) and its text.
    Comments, and what script, style and textarea elements hold, have none."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.found: list[tuple[tuple[int, int], str]] = []
        self.in_textarea = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        text = self.get_starttag_text()
        if text is not None and not self.in_textarea and tag not in _NOT_REWRITTEN:
            self.found.append((self.getpos(), text))
        self.in_textarea = self.in_textarea or tag == "textarea"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.in_textarea = self.in_textarea and tag != "textarea"

    def handle_endtag(self, tag: str) -> None:
        self.in_textarea = self.in_textarea and tag != "textarea"


def render_raw_html(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """Raw HTML as written, each relative address in it (`src`, `href`, `poster`, each `srcset`
    image…) rewritten as a Markdown image's or link's is, and checked alike; in the print page,
    each id prefixed as a heading's is."""
    token = tokens[idx]
    content = token.content
    context = env.get("context")
    styled = (
        context is not None and context.print_chapter is not None and "<style" in content.lower()
    )
    if ("=" not in content and "cross_links" not in token.meta and not styled) or context is None:
        return content
    # Each piece of the block written anew, in order: an address, an id, a cross-link, a style.
    replaced = _attributes_replaced(content, token, env)
    replaced += [
        (found[0], found[1], raw_html_cross_link(self, options, env, found))
        for found in token.meta.get("cross_links", ())
    ]
    if styled:  # its selectors of the page's ids, as the print page prefixes them
        for style in _STYLE.finditer(content):
            written = print_css(style[1], context)
            if written != style[1]:
                replaced.append((style.start(1), style.end(1), written))
    pieces, done = [], 0
    for start, end, written in sorted(replaced):
        pieces += [content[done:start], written]
        done = end
    return "".join([*pieces, content[done:]])


def _attributes_replaced(
    content: str, token: Token, env: dict[str, Any]
) -> list[tuple[int, int, str]]:
    """Where each relative address and id of the raw HTML CONTENT stands, and how it is written."""
    if "=" not in content:
        return []
    tags = read_html(_StartTags, content)
    starts = [0, *(found.end() for found in re.finditer("\n", content))]
    first = token.map[0] if token.map else token.meta.get("line", 0)
    replaced = []
    for (line, column), text in tags.found:
        at = starts[line - 1] + column
        for kind, name, start, end in _rewritable(text):
            raw = text[start:end]
            url = html.unescape(raw).strip()  # as a browser reads it
            if not url:
                continue
            if kind == "id":
                written = own_anchor(env["context"], url)
            elif kind == "ids":
                written = " ".join(own_anchor(env["context"], ref) for ref in url.split())
            elif kind == "paint":  # `fill="url(#g)"`, `style="…url(#g)…"`
                written = _URL_OF_ID.sub(
                    lambda m: f"url({m[1]}#{own_anchor(env['context'], m[2])}{m[1]})", url
                )
            else:
                where = first + line - 1 + text.count("\n", 0, start)
                written = _written_url(url, env, where, raw.strip())
            if written != url:
                value = html.escape(written, quote=True)
                quoted = text[start - 1 : start] in ("'", '"') or name == "srcset"
                if not quoted and re.search("[\\s\"'=<>`]", value):
                    value = f'"{value}"'
                replaced.append((at + start, at + end, value))
    return replaced


def _rewritable(text: str) -> Iterator[tuple[str, str, int, int]]:
    """Each address and id of the start tag TEXT, and each reference to an id: what it is
    ("address", "id", "ids" or "paint"), its attribute's name, and where it stands (each image of
    a `srcset` on its own)."""
    tag = text[1:].split(None, 1)[0].rstrip("/>").lower() if len(text) > 1 else ""
    for name, start, end in attribute_values(text):
        if name in _ADDRESSES or name in _ADDRESSES_OF.get(tag, ()):
            yield "address", name, start, end
        elif name in _IDS:
            yield "id", name, start, end
        elif name in _ID_LISTS:
            yield "ids", name, start, end
        elif name == "srcset":
            urls = _srcset_urls(text[start:end])
            yield from (("address", name, start + a, start + b) for a, b in urls)
        elif "url(" in text[start:end]:
            yield "paint", name, start, end


def _srcset_urls(value: str) -> Iterator[tuple[int, int]]:
    """Where each image's URL stands in a `srcset` VALUE: candidates are split as HTML splits
    them, at commas after a URL or after its descriptors (`2x`, `640w`)."""
    at = 0
    while at < len(value):
        while at < len(value) and (value[at].isspace() or value[at] == ","):
            at += 1
        start = at
        while at < len(value) and not value[at].isspace():
            at += 1
        end = at
        while end > start and value[end - 1] == ",":
            end -= 1
        if end > start:
            yield start, end
        if end == at:  # descriptors follow, up to the next comma outside parentheses
            depth = 0
            while at < len(value) and (value[at] != "," or depth):
                depth += (value[at] == "(") - (value[at] == ")")
                at += 1
