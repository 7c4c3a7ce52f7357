"""Render a page body the way a build does (source.py, then parse, then render), for Markdown tests."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from trustdocs.config import SiteConfig
from trustdocs.diagnostics import Diagnostic
from trustdocs.markdown import ParsedMarkdown, parse_markdown, render_markdown
from trustdocs.render import Theme
from trustdocs.snapshot import PageSummary, RenderContext, SiteSnapshot
from trustdocs.source import parse_page_source
from trustdocs.tree import CourseTree

HEADER = "@page here Here\n@body\n"
HEADER_LINES = HEADER.count("\n")


@dataclass
class RenderedBody:
    """The body's HTML, every diagnostic from reading it to rendering it, and its parse."""

    html: str
    diagnostics: list[Diagnostic]
    parsed: ParsedMarkdown


def render_body(
    markdown: str,
    pages: dict[str, str] | None = None,
    bitdocs: bool = False,
    source_dir: Path | None = None,
) -> RenderedBody:
    """MARKDOWN as the body of page `here` (file line = body line + 2), next to PAGES (name → title)."""
    pages = dict(pages or {})
    source, problems = parse_page_source("p.md", "p.md", HEADER + markdown, bitdocs=bitdocs)
    assert source is not None
    names = frozenset(pages) | {"here"}
    folder = source_dir or Path.cwd()
    config = SiteConfig(folder, folder / "site.yaml", "Site", folder, folder / "site")
    if bitdocs:
        config = dataclasses.replace(config, layout="bitdocs")
    parsed, parse_problems = parse_markdown(
        source.body, "p.md", source.body_lines, names, source_dir, config=config, page_titles=pages
    )
    summaries = {
        name: PageSummary(name, title, "", f"{name}.html", f"{name}.md", frozenset())
        for name, title in {**pages, "here": "Here"}.items()
    }
    tree = CourseTree("here", {}, {}, frozenset(), ("here",))
    snapshot = SiteSnapshot("Site", summaries, tree, frozenset(), frozenset({"here.html"}))
    context = RenderContext(
        snapshot,
        summaries["here"],
        "p.md",
        source.body.split("\n"),
        source.body_lines,
        Theme().environment,
    )
    html = render_markdown(parsed, context)
    return RenderedBody(html, problems + parse_problems + context.diagnostics, parsed)
