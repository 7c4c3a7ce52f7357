"""Raw HTML left open: a comment, or an element a browser reads as text up to its end tag.

Markdown passes raw HTML through as written. An HTML comment that is never closed, or a `<script>`,
`<style>` or `<textarea>` without its end tag, would take the rest of the page as its content: the
theme's navigation and scripts after the body, and on the print page every later chapter. This
rule, run over the parsed text, follows raw HTML in reading order as a browser's tokenizer does,
says where such a thing opened, and closes it at the end of the text it was written in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from trustdocs.diagnostics import warning
from trustdocs.markdown.positions import report
from trustdocs.markdown.rawhtml import start_tag_end

# Elements whose content a browser reads as text up to their own end tag (raw text and RCDATA).
TEXT_ELEMENTS = frozenset(
    {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"}
)
_MARKUP = re.compile(r"<(!--|[A-Za-z][^\s/>]*)")
_COMMENT_END = re.compile(r"--!?>")


@dataclass
class _Open:
    """What a page's raw HTML left open: the closing text it needs, and where it opened."""

    closer: str  # "-->", or an end tag's name
    what: str  # for the message: "HTML comment", "<script>"
    line: int  # Markdown line
    needle: str


def open_html_plugin(md: MarkdownIt) -> None:
    """Say where raw HTML opens a comment or a text element it never closes, and close it."""
    md.core.ruler.after("inline", "open_html", close_open_html)


def close_open_html(state: StateCore) -> None:
    """Follow the raw HTML of the text in order; close what is left open at its end, with a
    warning at the place it opened."""
    left: _Open | None = None
    for token in state.tokens:
        if token.type == "html_block" and token.map is not None:
            left = _follow(token.content, token.map[0], left)
        elif token.type == "inline" and token.map is not None and "<" in token.content:
            # Where the children read so far end in the text (a code span may hold what a later
            # tag says), and its lines up to there, counted once (a paragraph of 40,000 tags).
            at, counted, line = 0, 0, token.map[0]
            for child in token.children or ():
                found = token.content.find(child.content, at) if child.content else -1
                if child.type == "html_inline":
                    line += token.content.count("\n", counted, max(found, at))
                    counted = max(found, at)
                    left = _follow(child.content, line, left)
                if found >= 0:
                    at = found + len(child.content)
    if left is None:
        return
    report(
        state.env,
        left.line,
        left.needle,
        warning,
        f"{left.what} is never closed: a browser would take the rest of the page into it",
        f"close it with {_closing(left.closer)}; until then, it is closed where the page's text ends",
    )
    closing = Token("html_block", "", 0)
    closing.content = _closing(left.closer) + "\n"
    state.tokens.append(closing)


def _closing(closer: str) -> str:
    return closer if closer == "-->" else f"</{closer}>"


def _follow(html: str, line: int, left: _Open | None) -> _Open | None:
    """What is still open after HTML (on Markdown line LINE on), given what was open before it."""
    at = 0
    while True:
        if left is not None:  # inside a comment or a text element: only its end counts
            end = _end_of(left.closer, html, at)
            if end < 0:
                return left
            at, left = end, None
            continue
        found = _MARKUP.search(html, at)
        if found is None:
            return None
        name = found.group(1)
        opened_at = line + html.count("\n", 0, found.start())
        if name == "!--":
            # `<!-->` and `<!--->` are whole (empty) comments to a browser.
            if html.startswith((">", "->"), found.end()):
                at = html.index(">", found.end()) + 1
                continue
            left = _Open("-->", "HTML comment", opened_at, "<!--")
            at = found.end()
            continue
        end = start_tag_end(html, found.start())
        if end < 0:
            return None  # a `<` that opens no tag: text
        at = end
        if name.lower() in TEXT_ELEMENTS:
            left = _Open(name.lower(), f"<{name.lower()}>", opened_at, found.group(0))


def _end_of(closer: str, html: str, at: int) -> int:
    """Where the comment or text element being read in HTML from AT ends; -1: not in HTML."""
    if closer == "-->":
        found = _COMMENT_END.search(html, at)
    else:
        found = re.compile(rf"</{closer}(?=[\s/>])", re.IGNORECASE).search(html, at)
    return -1 if found is None else found.end()
