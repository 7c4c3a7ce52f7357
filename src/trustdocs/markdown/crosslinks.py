"""Cross-links (FORMAT.md §4): `[NAME]`, `[NAME text]`, `[NAME#ANCHOR text]`, `[https://… text]`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, normalizeReference
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.image import image
from markdown_it.token import Token
from markdown_it.utils import OptionsDict

from trustdocs.diagnostics import closest, did_you_mean, error, warning
from trustdocs.markdown.positions import inline_column, inline_line, report
from trustdocs.markdown.printpage import link_in_print
from trustdocs.markdown.rawhtml import start_tag_end
from trustdocs.snapshot import PageSummary, RenderContext
from trustdocs.urls import relative_url

if TYPE_CHECKING:
    from trustdocs.markdown import ParseContext


NEAR_MISS = 0.85  # how close a bracketed word must come to a page name to be taken for one
HINTED = 0.75  # how close a page name must come to an unknown one to be suggested


def looks_like_page_reference(
    word: str, names: frozenset[str], asked: set[tuple[str, float]] | None = None
) -> bool:
    """A bracketed word that was probably meant as a cross-link: a path, an anchor or a near miss
    (ASKED: where to remember that the answer depends on the names near WORD)."""
    if "/" in word or "#" in word:
        return not word.startswith(("http:", "https:", "mailto:"))
    if len(word) < 4:
        return False
    if asked is not None:
        asked.add((word, NEAR_MISS))
    return bool(closest(word, names, cutoff=NEAR_MISS))


def _is_page(context: ParseContext, name: str) -> bool:
    """Whether NAME is a page's, remembered: the parse holds only while the answer does."""
    context.names_asked.add(name)
    return name in context.page_names


def _unknown_page_hint(context: ParseContext, word: str, name: str) -> str | None:
    """The hint for WORD, a bracketed reference to no page (NAME: its page part), when it looks
    like one; None when it does not. Both depend on the page names close to it: remembered."""
    if not looks_like_page_reference(word, context.page_names, context.names_near):
        return None
    if not name:
        return ""
    context.names_near.add((name, HINTED))
    return did_you_mean(name, context.page_names, cutoff=HINTED)


TASK_MARKER = re.compile(r"\[[ xX]\]\s")  # what the task-list plugin turns into a checkbox


def cross_link_plugin(md: MarkdownIt) -> None:
    """Add the bracket cross-link rule and its renderers; an image's alt text holds no links."""
    md.inline.ruler.before("link", "cross_link_plain", plain_cross_link_rule)
    md.inline.ruler.push("cross_link", cross_link_rule)
    md.core.ruler.after("inline", "raw_html_cross_links", find_raw_html_cross_links)
    md.inline.ruler.at("image", image_without_cross_links)
    md.add_render_rule("cross_link_open", render_cross_link_open)
    md.add_render_rule("cross_link_title", render_cross_link_title)
    md.add_render_rule("cross_link_close", lambda self, tokens, idx, options, env: "</a>")


def image_without_cross_links(state: StateInline, silent: bool) -> bool:
    """markdown-it's image rule, telling the cross-link rule that it is reading alt text."""
    context: ParseContext = state.env["parse"]
    context.images_open += 1
    try:
        return image(state, silent)
    finally:
        context.images_open -= 1


def cross_link_rule(state: StateInline, silent: bool) -> bool:
    """`[NAME …]` where NAME is a page (or an http(s) URL) becomes a link; anything else stays text.

    Links never nest, and a Markdown link or image wins over a cross-link: inside their text (and
    when a link's label is being measured, which is the only time this rule runs silently) a
    bracket stays text. A task-list marker `[x] ` opening a list item is never a cross-link.
    """
    start = state.pos
    context: ParseContext = state.env["parse"]
    if state.src[start] != "[" or silent or state.linkLevel > 0 or context.images_open:
        return False
    if start == 0 and context.inline_opens_list_item and TASK_MARKER.match(state.src):
        return False
    if _in_verbatim(state):
        return False
    end = state.md.helpers.parseLinkLabel(state, start, True)
    return end >= 0 and _cross_link(state, start, end)


# A label whose end no inline rule can move: no brackets, code spans, escapes, autolinks or raw
# HTML, no footnote mark. The first `]` ends it, as markdown-it's label reader would find.
_PLAIN_LABEL = re.compile(r"\[(?!\^)([^\[\]\\`<\n]*)\]")


def plain_cross_link_rule(state: StateInline, silent: bool) -> bool:
    """`[NAME …]` of a page, with a plain label and nothing after it that makes it a Markdown
    link, read before markdown-it's link rule: that rule would measure the label, find it is no
    link, and leave `cross_link_rule` to measure it again (a quarter of a page's parse, in a
    course of many cross-links). Anything else is left to those two, as if this rule were not."""
    start = state.pos
    context: ParseContext = state.env["parse"]
    if state.src[start] != "[" or silent or state.linkLevel > 0 or context.images_open:
        return False
    plain = _PLAIN_LABEL.match(state.src, start, state.posMax)
    if plain is None or state.src[plain.end() : plain.end() + 1] in ("(", "["):
        return False
    words = plain.group(1).split(None, 1)
    if not words or (
        start == 0 and context.inline_opens_list_item and TASK_MARKER.match(state.src)
    ):
        return False
    if _in_verbatim(state):
        return False
    first = words[0]
    if not first.startswith(("http://", "https://")) and not _is_page(
        context, first.partition("#")[0]
    ):
        return False  # the other rules say whether it is a link or text, and warn
    references = state.env.get("references")
    if references and normalizeReference(plain.group(1)) in references:
        return False  # a shortcut reference link: markdown-it's link rule makes it
    return _cross_link(state, start, plain.end() - 1)


# Raw HTML elements whose text is code or script, or a link already: no cross-link inside them,
# written inline (a tag opening or ending one) or in a block (`_VERBATIM`).
_VERBATIM_NAMES = "script|style|textarea|pre|code|a"
_VERBATIM_TAG = re.compile(rf"<(/?)({_VERBATIM_NAMES})(?=[\s/>])", re.IGNORECASE)
_READ = "trustdocs_verbatim"  # on the inline state: (tokens read, elements open)


def _in_verbatim(state: StateInline) -> bool:
    """Whether the text being read is inside such an element (`<code>[a/b]</code>`), by the raw
    HTML tags read before it in the same text; each tag looked at once."""
    tokens = state.tokens
    read, depth = getattr(state, _READ, (0, 0))
    if read > len(tokens):  # tokens taken back since: read again
        read, depth = 0, 0
    for token in tokens[read:]:
        if token.type == "html_inline" and (tag := _VERBATIM_TAG.match(token.content)):
            depth = max(0, depth - 1) if tag.group(1) else depth + 1
    setattr(state, _READ, (len(tokens), depth))
    return depth > 0


def _cross_link(state: StateInline, start: int, end: int) -> bool:
    """The cross-link (or bracketed text) whose label ends at END."""
    context: ParseContext = state.env["parse"]
    label = state.src[start + 1 : end]
    words = label.split(None, 1)
    if not words:
        return False
    first = words[0]
    text = words[1] if len(words) > 1 else ""
    raw = state.src[start : end + 1]
    followed_by = state.src[end + 1 : end + 2]

    if followed_by == "(":
        _check_spaced_destination(state, start, end, raw)
        return False
    is_url = first.startswith(("http://", "https://"))
    name, _, anchor = first.partition("#")
    if not is_url and not _is_page(context, name):
        hint = _unknown_page_hint(context, first, name) if followed_by != "[" else None
        if hint is not None:
            line, after = inline_line(state, start), inline_column(state, start)
            message = f"unknown page '{name or first}'"
            report(state.env, line, raw, warning, message, hint, after=after)
        return False
    line = inline_line(state, start)
    if is_url:
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": first}
        token.meta = {"line": line, "needle": raw}
    else:
        token = state.push("cross_link_open", "a", 1)
        token.meta = {"name": name, "anchor": anchor, "line": line, "needle": raw}
    if text:
        text_start = start + 1 + label.index(text)
        old_pos, old_max = state.pos, state.posMax
        state.pos, state.posMax = text_start, end
        state.linkLevel += 1
        state.md.inline.tokenize(state)
        state.linkLevel -= 1
        state.pos, state.posMax = old_pos, old_max
    elif is_url:
        state.push("text", "", 0).content = first
    else:
        state.push("cross_link_title", "", 0).meta = {"name": name}
    state.push("link_close" if is_url else "cross_link_close", "a", -1)
    state.pos = end + 1
    return True


def _check_spaced_destination(state: StateInline, start: int, end: int, raw: str) -> None:
    """`[text](my page.html)` is not a link in Markdown; say so rather than print it literally."""
    close = state.src.find(")", end)
    destination = state.src[end + 2 : close] if close > 0 else ""
    if (
        close > 0
        and " " in destination.strip()
        and "\n" not in destination
        and '"' not in destination
    ):
        line = inline_line(state, start)
        report(
            state.env,
            line,
            raw,
            warning,
            f"link destination '{destination}' contains a space",
            f"write <{destination}> or {destination.replace(' ', '%20')}",
        )


def render_cross_link_open(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """`<a href=… title=…>` for a cross-link, with the anchor checked against the target."""
    meta = tokens[idx].meta
    context: RenderContext = env["context"]
    target = context.show(meta["name"], "description")
    anchor = meta["anchor"]
    if anchor:
        context.uses.add((target.name, "anchors"))
    if anchor and anchor not in target.anchors:
        report(env, meta["line"], meta["needle"], error, *missing_anchor(target, anchor))
    inside = link_in_print(context, target.name, anchor)
    href = escapeHtml(inside or relative_url(context.page.output, target.output, anchor))
    title = f' title="{escapeHtml(target.description_text)}"' if target.description_text else ""
    return f'<a href="{href}"{title}>'


def missing_anchor(target: PageSummary, anchor: str) -> tuple[str, str]:
    """The message and hint for a link to ANCHOR, which page TARGET does not have."""
    close = closest(anchor, target.anchors, limit=3)
    hint = f"closest: {', '.join(close)}" if close else _anchor_listing(target.anchors)
    return f"page '{target.name}' has no anchor '#{anchor}'", hint


def _anchor_listing(anchors: frozenset[str], limit: int = 8) -> str:
    """Name the anchors a page has, for a missing anchor with no close match."""
    if not anchors:
        return "that page has no headings or ids"
    names = sorted(anchors)
    more = ", …" if len(names) > limit else ""
    return f"anchors on that page: {', '.join(names[:limit])}{more}"


def render_cross_link_title(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """The target page's title, as the text of `[NAME]`."""
    context: RenderContext = env["context"]
    return escapeHtml(context.show(tokens[idx].meta["name"], "title").title)


# --- cross-links in the text of raw HTML blocks ------------------------------------------------------

# Raw HTML whose text is code or script, or a link already: no cross-link there.
_VERBATIM = re.compile(rf"<({_VERBATIM_NAMES})(?=[\s/>])", re.IGNORECASE)
_MARKUP_START = re.compile(r"<(?:!--|[A-Za-z/!?])")
_RAW_LABEL = re.compile(r"\[([^\[\]\n]+)\](?![(\[])")


def find_raw_html_cross_links(state: StateCore) -> None:
    """`[NAME …]` in the text of a raw HTML block (`<details>` with the text right after its
    `<summary>`, as bit-docs academies write them): linked as in Markdown, as bit-docs did; kept
    in the block's meta for its render (`raw_html_cross_link`). Not in tags, comments or code."""
    context: ParseContext = state.env["parse"]
    for token in state.tokens:
        if token.type != "html_block" or token.map is None or "[" not in token.content:
            continue
        found = []
        for start, end in _html_text_spans(token.content):
            for label in _RAW_LABEL.finditer(token.content, start, end):
                first, _, text = label.group(1).strip().partition(" ")
                line = token.map[0] + token.content.count("\n", 0, label.start())
                name = first.partition("#")[0]
                is_url = first.startswith(("http://", "https://"))
                if is_url or _is_page(context, name):
                    found.append((label.start(), label.end(), first, text.strip(), line))
                elif (hint := _unknown_page_hint(context, first, name)) is not None:
                    message = f"unknown page '{name or first}'"
                    report(state.env, line, label.group(0), warning, message, hint)
        if found:
            token.meta = {**token.meta, "cross_links": tuple(found)}


def _html_text_spans(content: str) -> Iterator[tuple[int, int]]:
    """Where raw HTML CONTENT has text: not in a tag, a comment, nor what code, script, style and
    textarea elements hold."""
    at = 0
    while (markup := _MARKUP_START.search(content, at)) is not None:
        if markup.start() > at:
            yield at, markup.start()
        start = markup.start()
        if content.startswith("<!--", start):
            close = content.find("-->", start + 4)
            at = len(content) if close < 0 else close + 3
            continue
        verbatim = _VERBATIM.match(content, start)
        if verbatim is not None:
            close = re.compile(rf"</{verbatim.group(1)}\s*>", re.IGNORECASE).search(content, start)
            at = len(content) if close is None else close.end()
            continue
        end = start_tag_end(content, start) if content[start + 1].isalpha() else -1
        if end < 0:
            close = content.find(">", start)
            end = len(content) if close < 0 else close + 1
        at = end
    if at < len(content):
        yield at, len(content)


def raw_html_cross_link(
    self: RendererHTML, options: OptionsDict, env: dict[str, Any], found: tuple[Any, ...]
) -> str:
    """The link a cross-link FOUND in raw HTML (`find_raw_html_cross_links`) is written as; its
    text is the block's own HTML, or the page's title."""
    _, _, first, text, line = found
    if first.startswith(("http://", "https://")):
        return f'<a href="{escapeHtml(first)}">{text or escapeHtml(first)}</a>'
    name, _, anchor = first.partition("#")
    token = Token("cross_link_open", "a", 1)
    needle = f"[{first}" + (f" {text}]" if text else "]")
    token.meta = {"name": name, "anchor": anchor, "line": line, "needle": needle}
    opening = render_cross_link_open(self, [token], 0, options, env)
    context: RenderContext = env["context"]
    return f"{opening}{text or escapeHtml(context.show(name, 'title').title)}</a>"
