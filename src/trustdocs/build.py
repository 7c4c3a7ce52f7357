"""Run the stages in order (discover, read, parse, resolve, render) and write the output atomically."""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass
from pathlib import Path

from trustdocs.cache import (
    BuildCache,
    cache_folder,
    config_fingerprint,
)
from trustdocs.changes import RebuildPlan, pages_to_render, showing_retitled
from trustdocs.config import SiteConfig, base_url_warnings
from trustdocs.diagnostics import Diagnostic, display_path, error, has_errors, sort_diagnostics
from trustdocs.files import SiteSources, SourceFiles, no_pages_problem
from trustdocs.outputs import (
    FileSignature,
    OutputContent,
    generated_files,
    make_on_request,
    on_request_outputs,
    output_location_problem,
    remove_stale_temporaries,
    render_templated_files,
    theme_outputs,
    write_output,
)
from trustdocs.pages import DescriptionTexts, PageFacts, ParsedPages, choose_sources
from trustdocs.record import BuildRecord, inputs_key, keep_record, unchanged_build
from trustdocs.render import OutputsCache, PageOutputs, Theme, render_outputs
from trustdocs.search import SearchIndex
from trustdocs.snapshot import SiteSnapshot, resolve_snapshot
from trustdocs.source import PageSource
from trustdocs.workers import (
    PARALLEL_MINIMUM,
    RenderOrder,
    build_in_workers,
    can_fork,
    render_orders,
    worker_count,
)


class Site:
    """A site loaded and rendered in memory: what a build writes and what serve keeps up to date."""

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
        self.outputs: dict[str, PageOutputs] = {}
        self.extras: dict[str, str] = {}
        self.extra_problems: list[Diagnostic] = []
        self._theme_outputs = theme_outputs(self.theme.asset_files())
        self.kept = OutputsCache(self.cache)
        self.render_count = 0  # pages rendered since loading: tests hold rebuilds to their plan
        self.workers_used = 0  # forked workers of the last full build (0: built in this process)
        self.search = SearchIndex()

    # --- stages -----------------------------------------------------------------------------------

    def build(self, workers: int = 1, minimum: int = PARALLEL_MINIMUM) -> None:
        """Load and render everything, reusing what the cache holds; in forked workers when many
        pages need work (WORKERS > 1, at least MINIMUM pages)."""
        self.read.read_all()
        chosen = self._choose()
        missing = [source for source in chosen if not self.pages.reuse(source)]
        enough = max(minimum, workers)
        parallel = workers > 1 and can_fork()
        self.workers_used = 0
        if parallel and len(missing) >= enough:
            shares = [missing[i::workers] for i in range(workers)]
            self._build_in_workers(shares)
            return
        for source in missing:
            self.pages.parse(source)
        self._resolve()
        todo = self._reuse_outputs()
        if parallel and len(todo) >= enough:
            self._build_in_workers([[] for _ in range(workers)], todo)
        else:
            self._render(todo)

    def _build_in_workers(
        self, shares: list[list[PageSource]], todo: set[str] | None = None
    ) -> None:
        def order(parsed: list[tuple[PageFacts, list[Diagnostic]]]) -> list[RenderOrder]:
            for facts, problems in parsed:
                self.pages.keep_facts(facts, problems)
            snapshot = self._resolve()
            pending = self._reuse_outputs() if todo is None else todo
            keys = {name: self._outputs_key(name) for name in pending}
            sources = {name: self.pages.facts[name].source for name in pending}
            return render_orders(snapshot, shares, sources, keys)

        titles = self.pages.titles
        outputs = build_in_workers(self.config, shares, titles, self.theme, self.cache, order)
        self.outputs.update((o.rendered.name, o) for o in outputs)
        self.workers_used = len(shares)
        self.render_count += len(outputs)
        self._render_extras()

    def _reuse_outputs(self) -> set[str]:
        """Take every page's outputs the cache still holds; return the pages left to render."""
        assert self.snapshot is not None
        todo = set()
        for name in self.pages.facts:
            known = self.kept.find(self._outputs_key(name), self.snapshot)
            if known is None:
                todo.add(name)
            else:
                self.outputs[name] = known
        return todo

    def _outputs_key(self, name: str) -> str:
        return self.kept.key(self.pages.keys.get(name, ""), self.pages.facts[name].files_read)

    @property
    def files(self) -> SourceFiles:
        """What discovery found."""
        return self.read.files

    @property
    def sources(self) -> dict[Path, PageSource | None]:
        """Each page file's tags (None: not a page)."""
        return self.read.sources

    def _choose(self) -> list[PageSource]:
        """The sources that make pages; names are fixed here for the parse that follows."""
        chosen, self.choice_problems = choose_sources(self.sources)
        keys, read_problems = {}, {}
        used = {id(source) for source in chosen}
        for path, source in self.sources.items():
            # Only the file that makes the page: a second file claiming its name must not have its
            # key hold the first file's facts in the cache.
            if source is not None and id(source) in used:
                keys[source.name] = self.read.keys[path]
                read_problems[source.name] = self.read.problems[path]
        self.pages.choose(chosen, keys, read_problems)
        return chosen

    def _resolve(self) -> SiteSnapshot:
        facts = self.pages.facts
        generated = generated_files(self.config, self._theme_outputs)
        descriptions = self.descriptions.of_all(facts)
        self.snapshot, problems = resolve_snapshot(
            self.config, facts, descriptions, self.files.copies, generated
        )
        if not facts:
            problems.append(no_pages_problem(self.config))
        problems += [  # a copied file the site's own file would silently replace
            error(display_path(path), 1, 1, f"{rel} would be replaced by {generated[rel]}")
            for rel, path in self.files.copies.items()
            if rel in generated
        ]
        self.site_problems = self.choice_problems + problems + list(self.files.problems)
        # Outputs rendered from now on are kept under this snapshot's frame, also in serve, where
        # an edit may change the frame (a title in every sidebar).
        self.kept.start(self.snapshot)
        return self.snapshot

    def _render(self, names: set[str]) -> None:
        assert self.snapshot is not None
        for name in sorted(names):
            page = self.pages.full(name)
            self.outputs[name] = render_outputs(page, self.snapshot, self.theme)
            self.kept.keep(self._outputs_key(name), self.outputs[name], self.snapshot)
        self.render_count += len(names)
        self._render_extras()

    def _render_extras(self) -> None:
        assert self.snapshot is not None
        self.extras, self.extra_problems = render_templated_files(
            self.config, self.snapshot, self.theme
        )

    # --- incremental rebuilds ---------------------------------------------------------------------

    def apply(self, plan: RebuildPlan) -> None:
        """Take a plan's edits into account; the result equals a fresh full build (tests hold it)."""
        assert self.snapshot is not None and not plan.full
        reread, old_sources = set(plan.reread), dict(self.sources)
        if plan.rediscover:
            reread = self.read.rediscover(reread)
        for path in reread:
            self.read.read(path)
        names_before = self.pages.names
        chosen = {source.name: source for source in self._choose()}
        if self.pages.names != names_before:
            # Cross-links depend on which pages exist: parse everything again.
            self.pages = ParsedPages(self.config, cache=self.cache, site_key=self.pages.site_key)
            chosen = {source.name: source for source in self._choose()}
            self.outputs = {}
            for source in chosen.values():
                self.pages.parse(source)
            self._resolve()
            self._render(set(chosen))
            return
        edited = {s.name for p in reread for s in (old_sources.get(p), self.sources.get(p)) if s}
        retitled = showing_retitled(old_sources.values(), self.pages.titles, self.pages.facts)
        reparse = (edited | plan.reparse | retitled) & set(chosen)
        for name in sorted(reparse):
            self.pages.parse(chosen[name])
        old = self.snapshot
        new = self._resolve()
        uses = {name: out.rendered.uses for name, out in self.outputs.items()}
        self._render(pages_to_render(old, new, reparse, uses))

    # --- results ------------------------------------------------------------------------------------

    @property
    def site_key(self) -> str:
        """The key of the config, theme and trustdocs itself ("" without a cache)."""
        return self.pages.site_key

    def record(self, written: dict[str, FileSignature]) -> BuildRecord:
        """What this build read and reported, with the files it WROTE, for the next build."""
        files, keys = self.files, self.read.keys
        read = sorted({path for facts in self.pages.facts.values() for path in facts.files_read})
        page_keys = [keys.get(path, "") for path in files.pages]
        inputs = inputs_key(self.config, self.site_key, files, page_keys, read)
        diagnostics = tuple(self.diagnostics())
        return BuildRecord(
            inputs, tuple(read), written, diagnostics, len(self.pages.facts), files.skipped
        )

    def diagnostics(self) -> list[Diagnostic]:
        """Every problem of the site, sorted by file and line."""
        found: list[Diagnostic] = []
        for problems in [*self.read.problems.values(), *self.pages.problems.values()]:
            found += problems
        found += self.site_problems
        for output in self.outputs.values():
            found += output.rendered.diagnostics
        found += self.extra_problems
        return sort_diagnostics(found)

    def output_files(self, on_request: bool = True) -> dict[str, OutputContent]:
        """Every output file: rel path → its text, its bytes, or the source file to copy."""
        out: dict[str, OutputContent] = dict(self.files.copies)
        out.update(self._theme_outputs)
        out.update((o.rendered.output, o.rendered.html) for o in self.outputs.values())
        out.update(self.extras)
        if on_request:  # files a preview makes only when they are asked for
            assert self.snapshot is not None
            out.update(on_request_outputs(self.snapshot, self.outputs, self.theme, self.search))
        return out

    def on_request_file(self, path: str) -> str | None:
        """A file that reads every page, made when asked for (the preview makes it on request)."""
        if self.snapshot is None:
            return None
        return make_on_request(path, self.snapshot, self.outputs, self.theme, self.search)


@dataclass(frozen=True)
class BuildResult:
    """The outcome of a build or a check."""

    diagnostics: list[Diagnostic]
    pages: int
    seconds: float
    skipped: int
    written: bool
    usage_problem: Diagnostic | None = None  # the output folder may not be used
    unchanged: bool = False  # nothing changed since the last build: its output was left as it was


def build_site(
    config: SiteConfig,
    output_dir: Path | None = None,
    *,
    write: bool = True,
    strict: bool = False,
    use_cache: bool = True,
) -> BuildResult:
    """Build the site; write it (atomically) only when there is no error (or warning, if strict)."""
    started = time.perf_counter()
    target = Path(os.path.abspath(output_dir or config.output_dir))
    config = dataclasses.replace(config, output_dir=target)  # discovery leaves it out
    if write:
        problem = output_location_problem(config, target)
        if problem is not None:
            return BuildResult([problem], 0, time.perf_counter() - started, 0, False, problem)
    cache = cache_folder(config, use_cache)
    site = Site(config, cache)
    recorded = unchanged_build(config, cache, site.site_key, target if write else None)
    if recorded is not None:  # the output is this very build's already: leave it as it is
        found = sort_diagnostics([*recorded.diagnostics, *base_url_warnings(config)])
        if write:
            remove_stale_temporaries(target)
        written = write and not has_errors(found, strict)
        seconds = time.perf_counter() - started
        return BuildResult(
            found, recorded.pages, seconds, recorded.skipped, written, unchanged=True
        )
    site.build(workers=worker_count())
    diagnostics = sort_diagnostics(site.diagnostics() + base_url_warnings(config))
    written = False
    if not write or not has_errors(diagnostics, strict):
        try:
            signatures = write_output(target, site.output_files()) if write else {}
            written = write
            keep_record(cache, site.site_key, target if write else None, site.record(signatures))
        except OSError as exc:
            reason = f"{exc.strerror}: {exc.filename}" if exc.filename else str(exc)
            shown = display_path(config.config_path)
            diagnostics.append(
                error(shown, 1, 1, f"cannot write the output folder {target}: {reason}")
            )
    cache.prune()
    seconds = time.perf_counter() - started
    return BuildResult(diagnostics, len(site.pages.facts), seconds, site.files.skipped, written)
