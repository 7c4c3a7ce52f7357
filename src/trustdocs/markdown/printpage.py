"""The print page holds every chapter at once: each chapter's ids get its prefix so that none repeats,
and links to pages of the course point at their chapter inside the print page.

`chapter-course_agreements--try-it` is the heading `#try-it` of page `course/agreements`; footnotes take the
chapter as markdown-it's `docId`. Ids written in raw HTML take the prefix too, as links to them do.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import OptionsDict

from trustdocs.markdown.headings import heading_id
from trustdocs.snapshot import RenderContext

# A name whose every folder and file part is lowercase words joined by single hyphens is its
# chapter's id as it is, parts joined by "_" (which no such part holds), and holds no "--" (which
# starts an anchor: `chapter_anchor`). Any other name may look like another once made an id
# (`a/b` and `a-b`, `A` and `a`, `a.b` and `ab`): its id ends with a digest of the name.
_PLAIN_PART = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def print_chapter_id(name: str) -> str:
    """The id of page NAME's chapter in the print page: a different one for each name."""
    parts = name.split("/")
    if all(_PLAIN_PART.fullmatch(part) for part in parts):
        return "chapter-" + "_".join(parts)
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]
    readable = "_".join(heading_id(part) for part in parts).strip("-_")
    return f"chapter-{readable}-{digest}" if readable else f"chapter-{digest}"


# What the print template writes after a chapter's id, or a check's (`--Title`, `--Answers`,
# `--check-1--Answer`), and any number of "~" after it: an anchor of the page that reads so
# takes one more "~" (and so stays apart from every other anchor, which keeps its own).
_TEMPLATE_ANCHOR = re.compile(r"(?:Title|Answers|check-\d+--(?:Answer|Hint|Question))~*")


def chapter_anchor(chapter: str, anchor: str) -> str:
    """ANCHOR of a page as it is written inside that page's CHAPTER of the print page."""
    if not anchor:
        return chapter
    if _TEMPLATE_ANCHOR.fullmatch(anchor):  # `<span id="Title">`: not the chapter's title
        anchor += "~"
    return f"{chapter}--{anchor}"


def own_anchor(context: RenderContext, anchor: str) -> str:
    """An id the page being rendered writes: prefixed by its chapter in the print page."""
    if context.print_chapter is None:
        return anchor
    return chapter_anchor(context.print_chapter, anchor)


def link_in_print(context: RenderContext, name: str, anchor: str) -> str | None:
    """`#chapter-…` for a link to page NAME from the print page when NAME is one of its chapters."""
    if context.print_chapter is None or not context.ask("reading", name):
        return None
    return "#" + chapter_anchor(print_chapter_id(name), anchor)


def print_page_plugin(md: MarkdownIt) -> None:
    """Write heading ids with their chapter's prefix when rendering into the print page."""
    md.add_render_rule("heading_open", render_heading_open)


def render_heading_open(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """`<hN id=…>`, the id prefixed by the chapter in the print page."""
    token = tokens[idx]
    context: RenderContext = env["context"]
    anchor = token.attrGet("id")
    if context.print_chapter is None or not anchor:
        return self.renderToken(tokens, idx, options, env)
    prefixed = token.copy(attrs={**token.attrs, "id": own_anchor(context, str(anchor))})
    # The next token decides the line break after the tag, so it comes along.
    return self.renderToken([prefixed, *tokens[idx + 1 : idx + 2]], 0, options, env)


# --- a lesson's own `<style>` in the print page ---------------------------------------------------

# CSS as a browser splits it, enough to tell selectors from what follows them: comments, strings,
# the block and statement marks, and the rest.
_CSS_TOKEN = re.compile(
    r"""/\*.*?(?:\*/|$)|"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?|[{};]|[^{};/"']+|/""", re.S
)
_CSS_ID = re.compile(r"#(-?(?:[_a-zA-Z]|[^\x00-\x7f])(?:[-\w]|[^\x00-\x7f])*)")
# At-rules whose block holds rules (with selectors); any other's holds what no selector is.
_RULES_WITHIN = ("@media", "@supports", "@layer", "@container", "@document", "@scope")


def print_css(css: str, context: RenderContext) -> str:
    """A lesson's own CSS (a `<style>` of its raw HTML) as its chapter of the print page needs
    it: each id of the page that a selector names, prefixed as the chapter's ids are. Values
    (`color: #fff`), strings (`[href="#top"]`) and comments are left as written."""
    if context.print_chapter is None or "#" not in css:
        return css
    out: list[str] = []
    prelude: list[str] = []
    blocks: list[bool] = []  # for each block open: whether it holds rules

    def selectors() -> str:  # the prelude so far, its page ids renamed outside strings
        text = "".join(
            token
            if token[:1] in ("'", '"') or token.startswith("/*")
            else _CSS_ID.sub(
                lambda m: "#" + own_anchor(context, m[1]) if m[1] in context.page.anchors else m[0],
                token,
            )
            for token in prelude
        )
        prelude.clear()
        return text

    for token in _CSS_TOKEN.findall(css):
        if blocks and not blocks[-1]:  # declarations, or what an at-rule holds
            out.append(token)
            blocks += [False] if token == "{" else []
            if token == "}":
                blocks.pop()
        elif token == "{":
            head = "".join(prelude).lstrip().lower()
            at_rule = head.startswith("@")
            out += ["".join(prelude) if at_rule else selectors(), token]
            prelude.clear()
            blocks.append(at_rule and head.startswith(_RULES_WITHIN))
        elif token in (";", "}"):
            out += ["".join(prelude), token]
            prelude.clear()
            if token == "}" and blocks:
                blocks.pop()
        else:
            prelude.append(token)
    return "".join([*out, *prelude])
