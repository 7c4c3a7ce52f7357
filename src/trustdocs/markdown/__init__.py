"""The one configured MarkdownIt: cross-links, heading ids, highlighting, directives, checks, callouts.

Each extension lives in its own module as a small plugin function over markdown-it's state, as
markdown-it-py's own rules do. Parsing reads a `ParseContext` from `env["parse"]` (the page names, where
the text sits); rendering reads the typed `RenderContext` from `env["context"]` and records into it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.tasklists import tasklists_plugin

from trustdocs.cache import FileRead
from trustdocs.config import DEFAULT_MAX_INCLUDE_BYTES, SiteConfig
from trustdocs.diagnostics import Diagnostic, warning
from trustdocs.markdown.checks import (
    answers_apart,
    check_anchors,
    knowledge_check_plugin,
    printed_checks,
)
from trustdocs.markdown.codeblocks import code_block, render_fence
from trustdocs.markdown.crosslinks import cross_link_plugin, looks_like_page_reference
from trustdocs.markdown.directives import changed_lines, directive_plugin
from trustdocs.markdown.headings import (
    Heading,
    collect_headings,
    heading_id,
    heading_ids_plugin,
)
from trustdocs.markdown.highlight import CodeBlock, given_highlights, highlighted_lines
from trustdocs.markdown.locallinks import local_link_plugin
from trustdocs.markdown.openhtml import open_html_plugin
from trustdocs.markdown.positions import file_position, line_numbers_plugin
from trustdocs.markdown.printpage import print_chapter_id, print_page_plugin
from trustdocs.markdown.tables import table_plugin
from trustdocs.markdown.unapplied import unapplied_plugin
from trustdocs.markdown.unshownhtml import unshown_html_plugin
from trustdocs.snapshot import RenderContext
from trustdocs.source import body_blocks_plugin

__all__ = [
    "CodeBlock",
    "Heading",
    "ParseContext",
    "ParsedMarkdown",
    "PlainText",
    "changed_lines",
    "code_blocks",
    "given_highlights",
    "heading_id",
    "highlighted_lines",
    "looks_like_page_reference",
    "markdown_parser",
    "parse_markdown",
    "plain_parts",
    "print_chapter_id",
    "render_markdown",
    "render_print_markdown",
]


@dataclass(frozen=True)
class ParsedMarkdown:
    """Markdown parsed once, ready to render against any snapshot of the site."""

    tokens: tuple[Token, ...]
    headings: tuple[Heading, ...]
    anchors: frozenset[str]
    files_read: frozenset[str]  # absolute paths read by directives, for incremental rebuilds
    read_digests: frozenset[FileRead]  # each of them with the digest of the bytes read
    titles_shown: frozenset[str] = frozenset()  # pages whose titles are in heading ids and text
    names_asked: frozenset[str] = frozenset()  # names it asked whether a page has
    names_near: frozenset[tuple[str, float]] = frozenset()  # words it sought page names near


@dataclass
class ParseContext:
    """One parse of Markdown: what it needs to know and what it finds."""

    path: str  # the source file, as diagnostics show it
    lines: list[str]
    line_map: tuple[int, ...]  # file line of each Markdown line
    page_names: frozenset[str]
    source_dir: Path | None = None  # where directives read files from; None: they read nothing
    page_titles: Mapping[str, str] = field(default_factory=dict)  # for `[NAME]` in headings
    bitdocs: bool = False  # a package.json site: read as bit-docs did where CommonMark loses text
    site_dir: Path | None = None  # directives read only below it, unless allow_outside_files
    allow_outside_files: bool = False
    max_include_bytes: int = DEFAULT_MAX_INCLUDE_BYTES
    reserved_ids: frozenset[str] = frozenset()  # ids the page has already: no heading takes one
    # Of those, the theme's: raw HTML that repeats one is told.
    theme_ids: frozenset[str] = frozenset()
    # Ids the page's other shown part has whatever this text holds (its raw HTML's, its checks'):
    # raw HTML here that repeats one is told, as one repeated within the text is.
    fixed_ids: frozenset[str] = frozenset()
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_read: set[str] = field(default_factory=set)
    read_digests: set[FileRead] = field(default_factory=set)
    titles_shown: set[str] = field(default_factory=set)
    names_asked: set[str] = field(default_factory=set)
    names_near: set[tuple[str, float]] = field(default_factory=set)  # (word, closeness)

    # where the inline text being parsed sits (markdown-it tracks block lines only)
    inline_line: int = 0
    inline_opens_list_item: bool = False
    images_open: int = 0

    @functools.cached_property
    def real_site_dir(self) -> Path | None:
        """SITE_DIR, its links followed: worked out once for all of a page's directives."""
        return self.site_dir.resolve() if self.site_dir is not None else None


@functools.cache
def markdown_parser(bitdocs: bool = False) -> MarkdownIt:
    """The configured parser: CommonMark, GFM tables and more, and trustdocs' own rules.

    BITDOCS: read a package.json site's bodies as bit-docs did (a fence right after an HTML line).
    """
    # alerts: `> [!NOTE]` and its kin become GitHub's callouts, `<div class="markdown-alert …">`
    # strikethrough_single_tilde: its default, given: strikethrough asks for it at every inline
    # run, and an option not set costs a KeyError each time (a few times the asking).
    options = {"html": True, "typographer": False, "alerts": True}
    md = MarkdownIt("commonmark", {**options, "strikethrough_single_tilde": False})
    md.use(body_blocks_plugin, bitdocs)
    md.enable(["strikethrough"])
    # A checkbox needs an accessible name: the label wraps it with its item text.
    md.use(tasklists_plugin, label=True)
    md.use(line_numbers_plugin)
    md.use(knowledge_check_plugin)
    md.use(heading_ids_plugin)
    md.use(cross_link_plugin)
    md.use(directive_plugin)
    md.use(local_link_plugin)
    md.use(table_plugin)
    md.use(print_page_plugin)
    md.use(unapplied_plugin)
    md.use(open_html_plugin)
    md.use(unshown_html_plugin)
    md.add_render_rule("fence", render_fence)
    md.add_render_rule("code_block", render_fence)
    return md


def _footnote_ids(tokens: list[Token], env: dict[str, Any], part: str = "") -> set[str]:
    """The ids the footnotes plugin writes: `fn1` for a note, `fnref1` (`fnref1:1`, …) for each
    reference to it; in a PART of the page written apart (the description), `fn-PART-1`."""
    if not env.get("footnotes"):
        return set()
    ids = set()
    apart = f"-{part}-" if part else ""
    for token in tokens:
        if token.type == "footnote_open":
            ids.add(f"fn{apart}{token.meta['id'] + 1}")
        for child in token.children or ():
            if child.type == "footnote_ref":
                sub = child.meta.get("subId", -1)
                ids.add(f"fnref{apart}{child.meta['id'] + 1}" + (f":{sub}" if sub > 0 else ""))
    return ids


def parse_markdown(
    text: str,
    path: str,
    line_map: tuple[int, ...],
    page_names: frozenset[str],
    source_dir: Path | None = None,
    *,
    config: SiteConfig | None = None,
    page_titles: Mapping[str, str] | None = None,
    first_column: int = 1,
    reserved_ids: frozenset[str] = frozenset(),
    theme_ids: frozenset[str] = frozenset(),
    footnotes: str = "",
    fixed_ids: frozenset[str] = frozenset(),
) -> tuple[ParsedMarkdown, list[Diagnostic]]:
    """Parse TEXT (a page body or description) whose line i sits at line line_map[i] of PATH,
    its first line at FIRST_COLUMN (a description after its tag). CONFIG says how the site reads
    (bit-docs or not) and which files directives may read: without it, only files below
    SOURCE_DIR. PAGE_TITLES give `[NAME]` in a heading its visible text. RESERVED_IDS: ids the
    page has without this text (the theme's, the description's), which no heading of it takes;
    of them, THEME_IDS are the theme's, which the text's raw HTML should not repeat. FOOTNOTES:
    the part of the page whose footnotes are written apart (`RenderContext.footnotes`).
    FIXED_IDS: see `ParseContext.fixed_ids`."""
    lines = text.split("\n")
    lines[0] = " " * (first_column - 1) + lines[0]
    context = ParseContext(
        path,
        lines,
        line_map,
        page_names,
        source_dir,
        page_titles=page_titles or {},
        bitdocs=config is not None and config.layout == "bitdocs",
        site_dir=config.root_dir if config is not None else source_dir,
        allow_outside_files=config is not None and config.allow_outside_files,
        max_include_bytes=(
            config.max_include_bytes if config is not None else DEFAULT_MAX_INCLUDE_BYTES
        ),
        reserved_ids=reserved_ids,
        theme_ids=theme_ids,
        fixed_ids=fixed_ids,
    )
    swallowed: list[int] = []  # lines opening a fence that an HTML block above shows as text
    env: dict[str, Any] = {"parse": context, "fences_in_html": swallowed}
    tokens = markdown_parser(context.bitdocs).parse(text, env)
    _warn_swallowed_fences(context, swallowed)
    headings = tuple(collect_headings(tokens))
    anchors = {h.id for h in headings} | env["raw_html_ids"] | check_anchors(tokens)
    anchors |= _footnote_ids(tokens, env, footnotes)
    parsed = ParsedMarkdown(
        tuple(tokens),
        headings,
        frozenset(anchors),
        frozenset(context.files_read),
        frozenset(context.read_digests),
        frozenset(context.titles_shown),
        frozenset(context.names_asked),
        frozenset(context.names_near),
    )
    return parsed, context.diagnostics


def _warn_swallowed_fences(context: ParseContext, swallowed: list[int]) -> None:
    """A warning at each fence (by Markdown line) that an HTML block above it shows as text."""
    for index in swallowed:
        line, _ = file_position(context, index, "")
        context.diagnostics.append(
            warning(
                context.path,
                line,
                1,
                "this code fence is inside the HTML block above it, so it shows as raw text",
                "add a blank line before the fence",
            )
        )


def render_markdown(parsed: ParsedMarkdown, context: RenderContext) -> str:
    """Render parsed Markdown to HTML against the snapshot in CONTEXT, recording into it."""
    md = markdown_parser()
    env: dict[str, object] = {"context": context}
    if context.print_chapter is not None or context.footnotes:
        # footnote ids, prefixed like the chapter's others, and the description's apart ("--":
        # in no chapter's id, so no other page's chapter ends so)
        parts = [part for part in (context.print_chapter, context.footnotes) if part]
        env["docId"] = "--".join(parts)
    return md.renderer.render(list(parsed.tokens), md.options, env)


def render_print_markdown(
    parsed: ParsedMarkdown, context: RenderContext
) -> tuple[str, list[dict[str, object]]]:
    """Render parsed Markdown into its chapter of the print page (CONTEXT.print_chapter is set):
    the HTML without the checks' feedback and model answers, and the checks with their answers."""
    md = markdown_parser()
    env: dict[str, object] = {"context": context, "docId": context.print_chapter}
    if context.footnotes:  # the description's, apart from the body's (see `render_markdown`)
        env["docId"] = f"{context.print_chapter}--{context.footnotes}"
    tokens, checks = answers_apart(list(parsed.tokens))
    html = md.renderer.render(tokens, md.options, env)
    return html, printed_checks(checks, md.renderer, md.options, env)


def code_blocks(*parts: ParsedMarkdown) -> list[CodeBlock]:
    """The code blocks PARTS highlight, each once, in a stable order."""
    return sorted({code_block(t) for part in parts for t in part.tokens if t.type == "fence"})


@dataclass(frozen=True, slots=True)
class PlainText:
    """The text a reader sees of parsed Markdown, without markup, each `[NAME]` link's place left
    for the title it shows: all a page's summary needs of its tokens (which are 10 times larger)."""

    parts: tuple[str, ...]  # text and page names in turn: the names are parts[1::2]

    @property
    def names(self) -> tuple[str, ...]:
        """The page names of its `[NAME]` links, in order."""
        return self.parts[1::2]

    def read(self, titles: Mapping[str, str] | None) -> str:
        """The text, `[NAME]` links read as TITLES[NAME], or not at all."""
        words = [
            part if i % 2 == 0 else ("" if titles is None else titles.get(part, part))
            for i, part in enumerate(self.parts)
        ]
        return " ".join("".join(words).split())  # runs of whitespace as one space


def plain_parts(parsed: ParsedMarkdown) -> PlainText:
    """PARSED's visible text, its `[NAME]` links left open (`PlainText`)."""
    parts: list[str] = []
    words: list[str] = []
    for token in parsed.tokens:
        for child in token.children or ():
            if child.type in ("text", "code_inline"):
                words.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                words.append(" ")
            elif child.type == "cross_link_title":
                parts += ("".join(words), child.meta["name"])
                words = []
        if token.type.endswith("_close") and token.block:
            words.append(" ")
    parts.append("".join(words))
    return PlainText(tuple(parts))
