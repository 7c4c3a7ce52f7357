"""Relative links and images (FORMAT.md §6): rewritten to reach their target from the output page."""

from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import OptionsDict

from trustdocs.diagnostics import warning
from trustdocs.markdown.positions import report
from trustdocs.markdown.printpage import link_in_print, own_anchor
from trustdocs.snapshot import RenderContext


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

    md.core.ruler.push("local_link_lines", remember_lines)
    md.add_render_rule("link_open", render_link_open)
    md.add_render_rule("image", render_image)


def _rewrite(token: Token, attr: str, env: dict[str, Any]) -> Token:
    url = str(token.attrGet(attr) or "")
    if not url:
        return token
    context: RenderContext = env["context"]
    if url.startswith("#") and len(url) > 1:
        written = "#" + own_anchor(context, url[1:])  # a link within the page, or its chapter
    else:
        link = context.resolve_local(url)
        if link.problem:
            line, needle = token.meta.get("line", 0), token.meta.get("needle", "")
            report(env, line, needle, warning, link.problem)
        inside = link_in_print(context, link.page, link.fragment) if link.page else None
        written = inside or link.url
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
