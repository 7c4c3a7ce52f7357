"""Every CommonMark 0.31.2 spec example, through the same stages a page body goes through.

The examples are read from `../shared/conformance/commonmark.json` beside the repository (see the
SOURCES.md there for where they come from and their licence). They run twice: with no page names,
and with the spec's reference labels (`foo`, `bar`, `baz`, …) defined as pages, where a `[foo]`
that CommonMark leaves as text becomes a cross-link, as the format says. Outputs are compared after
the markup trustdocs adds on purpose is taken away (highlighting spans, a code block's tabindex,
heading ids, lazy images).
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from page_body import render_body

SPEC = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "commonmark.json"
EXAMPLES = json.loads(SPEC.read_text(encoding="utf-8")) if SPEC.is_file() else []
needs_spec = pytest.mark.skipif(not EXAMPLES, reason=f"CommonMark examples not found at {SPEC}")

# Intentional differences with no page names, by example number. The syntax trustdocs enables on
# top of CommonMark (tables, strikethrough, footnotes, definition lists, task lists) changes no
# spec example. Raw HTML an example leaves open (a `<div>`, an `<a>`) is closed where the text
# ends, or it would take the theme's markup after the page's text into it: end tags after all of
# the example's own HTML, which change nothing of it (`same_but_closed`). 173 ends inside a
# `<style>` it never closes, whose text the spec's HTML, unended, shows none of as it is read.
EXTENSIONS: frozenset[int] = frozenset({173})

# More differences when the spec's labels are page names: a bracketed page name that CommonMark
# leaves as text (no reference definition applies) is a cross-link, as FORMAT.md §4 says. `[foo]`
# after a line that only looks like a definition (197, 199, 201, 209, 213) or after a definition
# inside code (211, 212); beside a reference link (542, 543, 569, 571); inside brackets that make
# no link (545, 546, 547, 548, 590).
CROSS_LINKS: frozenset[int] = frozenset(
    {197, 199, 201, 209, 211, 212, 213, 542, 543, 545, 546, 547, 548, 569, 571, 590}
)

_BLOCKS = "p|h1|h2|h3|h4|h5|h6|ul|ol|li|blockquote|pre|table|thead|tbody|tr|th|td|hr|div"


class _Canonical(HTMLParser):
    """HTML as comparable text: attributes sorted, entities decoded then escaped one way."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.spans: list[bool] = []  # per open <span>: was it kept
        self.in_pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kept = dict(attrs)
        if tag == "span" and self.in_pre:  # Pygments' highlighting
            self.spans.append(False)
            return
        if tag == "span":
            self.spans.append(True)
        if tag == "pre":
            self.in_pre += 1
            if kept.get("class") == "highlight":
                del kept["class"]
                kept.pop("tabindex", None)  # a block that scrolls, focused to scroll by keyboard
        if re.fullmatch(r"h[1-6]", tag):
            kept.pop("id", None)
        if tag == "img" and kept.get("loading") == "lazy":
            del kept["loading"]
        rendered = "".join(
            f' {k}="{html.escape(v or "", quote=True)}"' for k, v in sorted(kept.items())
        )
        self.parts.append(f"<{tag}{rendered}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self.spans and not self.spans.pop():
            return
        if tag == "pre":
            self.in_pre -= 1
        self.parts.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.parts.append(html.escape(data, quote=False))

    def handle_comment(self, data: str) -> None:
        self.parts.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.parts.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.parts.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.parts.append(f"<![{data}]>")


def canonical(markup: str) -> str:
    """MARKUP with trustdocs' deliberate additions removed and insignificant differences evened."""
    parser = _Canonical()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    return re.sub(rf"\s*(</?(?:{_BLOCKS})\b[^>]*>)\s*", r"\1", text).strip()


def spec_labels() -> dict[str, str]:
    """The one-word reference labels the spec defines, as page names with a title each."""
    labels = set()
    for example in EXAMPLES:
        labels.update(re.findall(r"^ {0,3}\[([A-Za-z]+)\]:", example["markdown"], re.MULTILINE))
    return {label: f"Page {label}" for label in sorted(labels)}


_CLOSINGS = re.compile(r"(?:\s*</[a-z][^\s/>]*>)+\s*")


def same_but_closed(written: str, spec: str) -> bool:
    """Whether WRITTEN is SPEC (both `canonical`), or SPEC followed by end tags alone: those that
    close what it left open, where the text ends."""
    return written == spec or (
        written.startswith(spec) and _CLOSINGS.fullmatch(written[len(spec) :]) is not None
    )


def mismatches(pages: dict[str, str]) -> dict[int, str]:
    """Example number → what trustdocs wrote, for each example whose HTML differs from the spec's."""
    found = {}
    for example in EXAMPLES:
        written = render_body(example["markdown"], pages).html
        if not same_but_closed(canonical(written), canonical(example["html"])):
            found[example["example"]] = written
    return found


@needs_spec
def test_every_example_renders_as_the_spec_says_without_page_names():
    differ = mismatches({})
    unexpected = {n: html for n, html in differ.items() if n not in EXTENSIONS}
    assert unexpected == {}
    assert set(differ) == set(EXTENSIONS), "an intentional difference no longer differs"


@needs_spec
def test_with_the_spec_labels_as_pages_only_cross_links_differ():
    differ = mismatches(spec_labels())
    allowed = EXTENSIONS | CROSS_LINKS
    unexpected = {n: html for n, html in differ.items() if n not in allowed}
    assert unexpected == {}
    assert set(differ) == set(allowed), "an intentional difference no longer differs"
