"""Parse: a `PageSource` and the set of page names → a `ParsedPage` (body and description Markdown)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from trustdocs.config import SiteConfig
from trustdocs.diagnostics import Diagnostic, error
from trustdocs.markdown import Heading, ParsedMarkdown, parse_markdown, plain_text
from trustdocs.source import PageSource
from trustdocs.urls import page_name_problem


@dataclass(frozen=True)
class PageFacts:
    """What the rest of the site needs of a parsed page: no body tokens, so it is cheap to pass on."""

    source: PageSource
    description: ParsedMarkdown
    headings: tuple[Heading, ...]
    anchors: frozenset[str]  # of the body and the description
    files_read: frozenset[str]  # files the body's directives read


@dataclass(frozen=True)
class ParsedPage:
    """A page with its body and description parsed, ready to render."""

    source: PageSource
    body: ParsedMarkdown
    description: ParsedMarkdown

    @property
    def facts(self) -> PageFacts:
        """This page as the rest of the site sees it."""
        return PageFacts(
            self.source,
            self.description,
            self.body.headings,
            self.body.anchors | self.description.anchors,
            self.body.files_read,
        )


def parse_page(
    config: SiteConfig, source: PageSource, names: frozenset[str]
) -> tuple[ParsedPage, list[Diagnostic]]:
    """Parse a page's body and description Markdown."""
    folder = config.content_dir / source.source_dir
    body, body_problems = parse_markdown(
        source.body, source.path, source.body_lines, names, folder, config=config
    )
    description, description_problems = parse_markdown(
        source.description, source.path, source.description_lines, names, folder, config=config
    )
    return ParsedPage(source, body, description), body_problems + description_problems


@dataclass
class ParsedPages:
    """Every page's facts, and the full parses this process holds.

    Pages parsed in a build worker have facts here but no body: `full()` parses them again when an
    edit needs them, so "the body is elsewhere" cannot be forgotten.
    """

    config: SiteConfig
    names: frozenset[str] = frozenset()
    facts: dict[str, PageFacts] = field(default_factory=dict)
    problems: dict[str, list[Diagnostic]] = field(default_factory=dict)
    _full: dict[str, ParsedPage] = field(default_factory=dict, repr=False)

    def parse(self, source: PageSource) -> None:
        """Parse SOURCE here, replacing what was known of its page."""
        page, problems = parse_page(self.config, source, self.names)
        self.keep(page, problems)

    def keep(self, page: ParsedPage, problems: list[Diagnostic]) -> None:
        """Hold a full parse made here."""
        name = page.source.name
        self._full[name] = page
        self.facts[name] = page.facts
        self.problems[name] = problems

    def keep_facts(self, facts: PageFacts, problems: list[Diagnostic]) -> None:
        """Hold what a worker sent of a page it parsed (its body stays there)."""
        name = facts.source.name
        self._full.pop(name, None)
        self.facts[name] = facts
        self.problems[name] = problems

    def full(self, name: str) -> ParsedPage:
        """The page with its body, parsed again here if its body stayed in a worker."""
        page = self._full.get(name)
        if page is None:
            self.parse(self.facts[name].source)
            page = self._full[name]
        return page

    def remove(self, name: str) -> None:
        """Forget a page that no longer exists."""
        for store in (self.facts, self.problems, self._full):
            store.pop(name, None)


def choose_sources(
    sources: dict[Path, PageSource | None],
) -> tuple[list[PageSource], list[Diagnostic]]:
    """The page sources that make the site, by path order: duplicates and unusable names are errors."""
    first: dict[str, PageSource] = {}
    problems: list[Diagnostic] = []
    for path in sorted(sources):
        source = sources[path]
        if source is None:
            continue
        line = source.tag_lines.get("page", 1)
        reason = page_name_problem(source.name)
        if reason:
            shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in source.name)
            problems.append(error(source.path, line, 1, f"page name '{shown}' {reason}"))
        elif source.name in first:
            other = first[source.name]
            problems.append(
                error(
                    source.path,
                    line,
                    1,
                    f"duplicate page name '{source.name}'",
                    f"also defined in {other.path}:{other.tag_lines.get('page', 1)}",
                )
            )
        else:
            first[source.name] = source
    return list(first.values()), problems


@dataclass
class DescriptionTexts:
    """Each page's summary as plain text, made again only when it or a title shown in it changes."""

    _known: dict[str, tuple[ParsedMarkdown, tuple[str | None, ...], str]] = field(
        default_factory=dict
    )

    def of_all(self, facts: dict[str, PageFacts]) -> dict[str, str]:
        """The summary text of every page, its `[NAME]` links read as the pages' current titles."""
        titles = {name: page.source.title for name, page in facts.items()}
        texts = {name: self._text(page.description, name, titles) for name, page in facts.items()}
        for gone in self._known.keys() - facts.keys():
            del self._known[gone]
        return texts

    def _text(self, description: ParsedMarkdown, name: str, titles: dict[str, str]) -> str:
        key = tuple(
            titles.get(child.meta["name"])
            for token in description.tokens
            for child in token.children or ()
            if child.type == "cross_link_title"
        )
        known = self._known.get(name)
        if known is None or known[0] is not description or known[1] != key:
            known = (description, key, plain_text(description, titles))
            self._known[name] = known
        return known[2]
