"""A site loaded and rendered in memory: the stages run in order, in workers, or from a rebuild plan.

`build.py` writes what a `Site` holds once; `serve.py` keeps one up to date as files change.
"""

from __future__ import annotations

from pathlib import Path

from trustdocs.cache import BuildCache, config_fingerprint
from trustdocs.changes import RebuildPlan, frame_unchanged, pages_to_render, showing_retitled
from trustdocs.config import SiteConfig
from trustdocs.diagnostics import Diagnostic, sort_diagnostics
from trustdocs.files import SiteSources, SourceFiles, no_pages_problem
from trustdocs.outputs import (
    FreshOutput,
    OutputContent,
    SiteOutputs,
    generated_files,
    replaced_copies,
)
from trustdocs.pages import DescriptionTexts, PageFacts, ParsedPages, choose_sources
from trustdocs.render import PageOutputs, Theme
from trustdocs.snapshot import SiteSnapshot, resolve_snapshot
from trustdocs.source import PageSource
from trustdocs.workers import (
    PARALLEL_MINIMUM,
    ParseOrder,
    Reads,
    RenderOrder,
    build_in_workers,
    can_fork,
    parse_orders,
)


class Site:
    """The site's sources, parsed pages, snapshot and outputs; what a build writes."""

    def __init__(self, config: SiteConfig, cache: BuildCache | None = None) -> None:
        self.config = config
        self.theme = Theme(config.site_theme_dir)
        self.cache = cache or BuildCache(None)
        site_key = config_fingerprint(config, self.theme.folders) if self.cache.enabled else ""
        self.pages = ParsedPages(config, cache=self.cache, site_key=site_key)
        self.read = SiteSources(config, self.cache, self.pages.known_source)
        self.descriptions = DescriptionTexts()
        self.snapshot: SiteSnapshot | None = None
        self.site_problems: list[Diagnostic] = []
        self.choice_problems: list[Diagnostic] = []
        self.made = SiteOutputs(config, self.theme, self.cache)
        self.workers_used = 0  # forked workers of the last full build (0: built in this process)

    def build(
        self, workers: int = 1, minimum: int = PARALLEL_MINIMUM, into: FreshOutput | None = None
    ) -> None:
        """Load and render everything, reusing what the cache holds; in forked workers when the
        site has many page files (WORKERS > 1, at least MINIMUM), which write the pages they
        render INTO the output being made instead of sending them back."""
        self.workers_used = 0
        self.read.discover()
        if workers > 1 and can_fork() and len(self.files.pages) >= max(minimum, workers):
            self._build_in_workers(workers, into)
            return
        for path in self.files.pages:
            self.read.read(path)
        self._parse_and_render()

    def _parse_and_render(self) -> None:
        for source in self._choose():
            if not self.pages.reuse(source):
                self.pages.parse(source)
        snapshot = self._resolve()
        self.made.render(self.pages, self.made.reuse(self.pages, snapshot), snapshot)

    def _build_in_workers(self, workers: int, into: FreshOutput | None) -> None:
        shares = [list(self.files.pages[i::workers]) for i in range(workers)]
        owned: list[set[str]] = []

        def plan_parse(reads: list[Reads]) -> list[ParseOrder]:
            for share in reads:
                self.read.take(share)
            orders, names = parse_orders(shares, self.read, self._choose(), self.pages.titles)
            owned.extend(names)
            return orders

        def plan_render(parsed: list[tuple[PageFacts, list[Diagnostic]]]) -> list[RenderOrder]:
            for facts, problems in parsed:
                self.pages.hold(facts, problems)
            snapshot = self._resolve()
            keys = {name: self.made.kept.key_of(self.pages, name) for name in self.pages.facts}
            return [RenderOrder(snapshot, frozenset(mine), keys) for mine in owned]

        plan = (plan_parse, plan_render)
        made, rendered, digests = build_in_workers(
            self.config, shares, (self.theme, self.cache, self.site_key), plan, into
        )
        assert self.snapshot is not None  # resolved by plan_render
        self.made.add(made, self.snapshot, rendered, digests)
        self.workers_used = len(shares)

    def _choose(self) -> list[PageSource]:
        """The sources that make pages; names are fixed here for the parse that follows."""
        chosen, self.choice_problems = choose_sources(self.sources)
        self.pages.choose(chosen, *self.read.of_chosen(chosen))
        return chosen

    def _resolve(self) -> SiteSnapshot:
        facts, copies = self.pages.facts, self.files.copies
        generated = generated_files(self.config, self.made.theme_files)
        descriptions = self.descriptions.of_all(facts)
        self.snapshot, problems = resolve_snapshot(
            self.config, facts, descriptions, copies, generated
        )
        if not facts:
            problems.append(no_pages_problem(self.config))
        problems += replaced_copies(copies, generated)
        self.site_problems = self.choice_problems + problems + list(self.files.problems)
        # Outputs rendered from now on are kept under this snapshot's frame, also in serve, where
        # an edit may change the frame (a title in every sidebar).
        self.made.kept.start(self.snapshot)
        return self.snapshot

    def apply(self, plan: RebuildPlan, later: bool = False) -> None:
        """Take a plan's edits into account; the result equals a fresh full build (tests hold it).
        LATER: see `SiteOutputs.render`."""
        assert self.snapshot is not None and not plan.full
        reread, old_sources = set(plan.reread), dict(self.sources)
        choice_problems = self.choice_problems
        if plan.rediscover:
            reread = self.read.rediscover(reread)
        for path in reread:
            self.read.read(path)
        names_before = self.pages.names
        chosen = {source.name: source for source in self._choose()}
        if self.pages.names != names_before:
            # Cross-links depend on which pages exist: parse everything again.
            self.pages = ParsedPages(self.config, cache=self.cache, site_key=self.pages.site_key)
            self.made.pages.clear()
            return self._parse_and_render()
        edited = {s.name for p in reread for s in (old_sources.get(p), self.sources.get(p)) if s}
        retitled = showing_retitled(old_sources.values(), self.pages.titles, self.pages.facts)
        reparse = (edited | plan.reparse | retitled) & set(chosen)
        before = {name: self.pages.facts.get(name) for name in reparse}
        for name in sorted(reparse):
            self.pages.parse(chosen[name])
        old = self.snapshot
        unchanged = not plan.rediscover and frame_unchanged(before, self.pages.facts)
        new = old if unchanged and self.choice_problems == choice_problems else self._resolve()
        uses = {} if new is old else {n: out.rendered.uses for n, out in self.outputs.items()}
        self.made.render(self.pages, pages_to_render(old, new, reparse, uses), new, later)

    @property
    def files(self) -> SourceFiles:
        """What discovery found."""
        return self.read.files

    @property
    def sources(self) -> dict[Path, PageSource | None]:
        """Each page file's tags (None: not a page)."""
        return self.read.sources

    @property
    def outputs(self) -> dict[str, PageOutputs]:
        """Each page's outputs, by name."""
        return self.made.pages

    @property
    def site_key(self) -> str:
        """The key of the config, theme and trustdocs itself ("" without a cache)."""
        return self.pages.site_key

    def diagnostics(self) -> list[Diagnostic]:
        """Every problem of the site, sorted by file and line."""
        found = [d for problems in self.read.problems.values() for d in problems]
        found += [d for problems in self.pages.problems.values() for d in problems]
        return sort_diagnostics(found + self.site_problems + self.made.diagnostics())

    def output_files(self, on_request: bool = True) -> dict[str, OutputContent]:
        """Every output file: rel path → its text, its bytes, or the source file to copy."""
        assert self.snapshot is not None
        return self.made.files(self.files.copies, self.snapshot, on_request)

    def on_request_file(self, path: str) -> str | None:
        """A file that reads every page, made when asked for (the preview makes it on request)."""
        return None if self.snapshot is None else self.made.on_request_file(path, self.snapshot)
