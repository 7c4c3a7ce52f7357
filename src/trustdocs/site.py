"""A site loaded and rendered in memory: the stages run in order, in workers, or from a rebuild plan.

`build.py` writes what a `Site` holds once; `serve.py` keeps one up to date as files change.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Mapping
from pathlib import Path

from trustdocs.cache import BuildCache, cache_warnings, site_fingerprint
from trustdocs.changes import RebuildPlan, frame_unchanged, pages_to_render, showing_retitled
from trustdocs.config import SiteConfig
from trustdocs.diagnostics import NOT_UTF8, Diagnostic, sort_diagnostics
from trustdocs.files import SiteSources, SourceFiles, no_pages_problem
from trustdocs.output_folder import FreshOutput, OutputContent
from trustdocs.outputs import SiteOutputs, generated_files, is_on_request, replaced_copies
from trustdocs.pages import (
    DescriptionTexts,
    FilesRead,
    ParsedPage,
    ParsedPages,
    carried_over,
    choose_sources,
    parse_refused,
)
from trustdocs.render import PageOutputs, refused_page_problems, site_theme, with_html
from trustdocs.snapshot import SiteSnapshot, resolve_snapshot
from trustdocs.source import PageSource
from trustdocs.workers import (
    PARALLEL_MINIMUM,
    ParseOrder,
    Reads,
    RenderOrder,
    build_in_workers,
    can_fork,
    facts_received,
    make_site_pages,
    out_of_collection,
    parse_orders,
)


class Site:
    """The site's sources, parsed pages, snapshot and outputs; what a build writes."""

    long_lived = False  # what it loads lives as long as the process: see `out_of_collection`

    def __init__(self, config: SiteConfig, cache: BuildCache | None = None) -> None:
        self.config = config
        self.cache = cache or BuildCache(None)
        self.theme = site_theme(config, self.cache)
        site_key = site_fingerprint(config, self.theme.keyed) if self.cache.enabled else ""
        self.pages = ParsedPages(config, cache=self.cache, site_key=site_key)
        self.read = SiteSources(config, self.cache, self.pages.known_source)
        self.descriptions = DescriptionTexts()
        self.snapshot: SiteSnapshot | None = None
        self.site_problems: list[Diagnostic] = []
        self.choice_problems: list[Diagnostic] = []
        self.made = SiteOutputs(config, self.theme, self.cache)
        self.workers_used = 0  # forked workers of the last full build (0: built in this process)
        self.on_request = False  # pages are rendered when asked for (a large site's preview)
        self.chosen: dict[str, PageSource] = {}  # the source that makes each page
        self.refused: list[ParsedPage] = []  # files that make no page, parsed to check them
        self.keeps_bodies = False  # pages parsed in workers are never parsed here again

    def build(
        self,
        workers: int = 1,
        minimum: int | None = None,
        into: FreshOutput | None = None,
        on_request_from: int | None = None,
        found: tuple[SourceFiles, dict[Path, str]] | None = None,
        load_here: bool = False,
        everywhere: Mapping[str, str] | None = None,
    ) -> None:
        """Load and render everything, reusing what the cache holds; in forked WORKERS when the
        site has at least MINIMUM (default PARALLEL_MINIMUM) page files, unless LOAD_HERE (most
        pages' facts and outputs are in the cache: held out of the collector's walks; EVERYWHERE:
        see `make_site_pages`), writing pages INTO the output being made. ON_REQUEST_FROM: with
        this many page files, pages are rendered when asked for. FOUND: `sources_now`'s."""
        self.workers_used = 0
        minimum = max(PARALLEL_MINIMUM if minimum is None else minimum, workers)
        self.read.discover(*(found or ()))
        self.on_request = on_request_from is not None and len(self.files.pages) >= on_request_from
        load_here = load_here and into is not None
        held = out_of_collection if load_here or self.long_lived else contextlib.nullcontext
        if not load_here and workers > 1 and can_fork() and len(self.files.pages) >= minimum:
            with held():
                self._build_in_workers(workers, into)
            return
        with held():
            for path in self.files.pages:
                self.read.read(path)
            snapshot = self._load()
        if self.on_request:
            self.made.add([], snapshot)
        elif into is not None and load_here:
            self.workers_used = _make_loaded(self, snapshot, into, (workers, minimum, everywhere))
        else:
            self._render(snapshot)

    def _render(self, snapshot: SiteSnapshot) -> None:
        """Render every page here, or take its outputs from the cache."""
        self.made.render(self.pages, self.made.reuse(self.pages, snapshot), snapshot)

    def _load(self) -> SiteSnapshot:
        """Choose the pages, take their facts from the cache or parse them; resolve the site."""
        folders: dict[str, str] = {}  # see `reuse`
        for source in self._choose():
            if not self.pages.reuse(source, folders):
                self.pages.parse(source)
        return self._resolve()

    def _build_in_workers(self, workers: int, into: FreshOutput | None) -> None:
        shares = [list(self.files.pages[i::workers]) for i in range(workers)]
        owned: list[set[str]] = []

        def plan_parse(reads: list[Reads]) -> list[ParseOrder]:
            for share in reads:
                self.read.take(share)
            orders, names = parse_orders(shares, self.read, self._choose(), self.pages.titles)
            owned.extend(names)
            return orders

        def plan_render(messages: list[bytes]) -> list[RenderOrder]:
            for facts, problems in facts_received(messages, self.chosen):
                self.pages.hold(facts, problems)
            snapshot = self._resolve()
            if self.on_request:
                return []  # the workers stop here: pages are rendered when asked for
            keys = self.made.kept.keys(self.pages)
            return [RenderOrder(snapshot, frozenset(mine), keys) for mine in owned]

        self.pages.bodies_elsewhere = not self.keeps_bodies  # sources come back without bodies
        site, plan = (self.theme, self.cache, self.site_key), (plan_parse, plan_render)
        given = (into, self.read.hints, self.keeps_bodies)
        made = build_in_workers(self.config, shares, site, plan, *given, not self.on_request)
        assert self.snapshot is not None  # resolved by plan_render
        self.made.add(made[0], self.snapshot, *made[1:])
        self.workers_used = len(shares)

    def _choose(self) -> list[PageSource]:
        """The sources that make pages; names are fixed here for the parse that follows."""
        chosen, self.choice_problems = choose_sources(self.sources)
        self.pages.choose(chosen, *self.read.of_chosen(chosen))
        self.chosen = {source.name: source for source in chosen}
        self.refused, problems = parse_refused(self.pages, self.read, chosen)
        self.choice_problems += problems  # of the files refused: see `parse_refused`
        return chosen

    def _resolve(self) -> SiteSnapshot:
        facts, copies = self.pages.facts, self.files.copies
        generated = generated_files(self.config, self.made.theme_files)
        descriptions = self.descriptions.of_all(facts)
        self.snapshot, problems = resolve_snapshot(
            self.config, facts, descriptions, copies, generated
        )
        self.site_problems = _site_problems(self, problems, generated)
        # Outputs made from now on are kept under this snapshot's frame (its tree, its addresses).
        self.made.kept.start(self.snapshot)
        return self.snapshot

    @property
    def files(self) -> SourceFiles:
        """What discovery found."""
        return self.read.files

    @property
    def sources(self) -> dict[Path, PageSource | None]:
        """Each page file's tags (None: not a page)."""
        return self.read.sources

    @property
    def site_key(self) -> str:
        """The key of the config, theme and trustdocs itself ("" without a cache)."""
        return self.pages.site_key

    def diagnostics(self) -> list[Diagnostic]:
        """Every problem of the site, sorted by file and line."""
        # Walked in C: the preview asks after every save, and 10,000 pages have 20,000 lists.
        found = cache_warnings(self.cache, self.config.config_path)  # a new list each time
        found += itertools.chain(*self.read.problems.values(), *self.pages.problems.values())
        return sort_diagnostics(_without_garbled(self, found + self.site_problems))

    def output_files(self, on_request: bool = True) -> dict[str, OutputContent]:
        """Every output file: rel path → its text, its bytes, or the source file to copy."""
        assert self.snapshot is not None
        return self.made.files(self.files.copies, self.snapshot, on_request)

    def on_request_file(self, path: str) -> str | None:
        """A file that reads every page, made when asked for (the preview makes it on request)."""
        return None if self.snapshot is None else self.made.on_request_file(path, self.snapshot)


def _site_problems(
    site: Site, found: list[Diagnostic], generated: Mapping[str, str]
) -> list[Diagnostic]:
    """The problems of SITE beyond its pages' own: those of choosing its pages (and of the files
    refused), FOUND resolving it, a site without pages, copies that GENERATED files replace,
    what the links of the files refused lead to, and those of discovery."""
    assert site.snapshot is not None  # resolved
    problems = site.choice_problems + found
    if not site.pages.facts:
        problems.append(no_pages_problem(site.config))
    problems += replaced_copies(site.files.copies, generated)
    for page in site.refused:
        problems += refused_page_problems(page, site.snapshot, site.theme)
    return problems + list(site.files.problems)


def _without_garbled(site: Site, found: list[Diagnostic]) -> list[Diagnostic]:
    """FOUND and what SITE's outputs found, a page with bytes that are not UTF-8 saying that
    alone: what its replaced bytes made of it (a name, an anchor, a file to read that no page
    has) is not said."""
    found += site.made.diagnostics()
    read = site.read.problems.values()
    garbled = {d.path for problems in read for d in problems if d.message.startswith(NOT_UTF8)}
    if not garbled:
        return found
    return [d for d in found if d.path not in garbled or d.message.startswith(NOT_UTF8)]


def _make_loaded(
    site: Site,
    snapshot: SiteSnapshot,
    into: FreshOutput,
    given: tuple[int, int, Mapping[str, str] | None],
) -> int:
    """Make the pages of SITE loaded here into INTO (GIVEN: workers, minimum and the titles
    shown everywhere: see `make_site_pages`); how many workers did."""
    keys = site.made.kept.keys(site.pages)
    order = RenderOrder(snapshot, frozenset(site.pages.facts), keys)
    workers, minimum, everywhere = given
    made, used = make_site_pages(
        order,
        site.pages,
        (site.theme, site.cache),
        into,
        workers,
        minimum,
        site.keeps_bodies,
        everywhere,
    )
    site.made.add(made[0], snapshot, *made[1:])
    return used


class LiveSite(Site):
    """A site kept up to date as its files are edited, as the preview serves it; a large one
    renders each page when it is first asked for (see `Site.build`)."""

    long_lived = True  # a preview's: its site lives until a full rebuild replaces it

    def __init__(self, config: SiteConfig, cache: BuildCache | None = None) -> None:
        super().__init__(config, cache)
        self.keeps_bodies = True  # an edit renders other pages again: their bodies are parsed here
        # Pages loaded again after an edit (rendering on request), with their last problems:
        # reported until they are loaded, so that an edit does not hide them meanwhile.
        self.reloading: dict[str, PageOutputs] = {}
        self._reads = FilesRead(self.pages.facts)

    @property
    def reads(self) -> FilesRead:
        """Which pages read each file with their directives, as their facts stand."""
        if self._reads.facts is not self.pages.facts:  # the pages were parsed anew
            self._reads = FilesRead(self.pages.facts)
        return self._reads

    @property
    def outputs(self) -> dict[str, PageOutputs]:
        """Each page's outputs, by name."""
        return self.made.pages

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
        names_before, names_key = self.pages.names, self.pages.names_key
        titles = dict(self.pages.titles)  # as the facts held were made: choosing changes them
        if plan.rediscover or not self._choose_again(reread, old_sources):
            self._choose()
        chosen = self.chosen
        if self.pages.names != names_before:
            # Cross-links depend on which pages exist: load everything again, keeping the facts
            # of the pages whose parse asked nothing of the names that came or went.
            self.pages = carried_over(self.pages, names_key, titles)
            self.made.pages.clear()
            self.made.unfinished.clear()  # their pages are loaded again
            self.reloading.clear()
            snapshot = self._load()
            return self.made.add([], snapshot) if self.on_request else self._render(snapshot)
        touched = reread | plan.reread  # a deleted file's page is edited too
        edited = {s.name for p in touched for s in (old_sources.get(p), self.sources.get(p)) if s}
        # Without new or deleted files, only the files read again may have changed a title.
        was = old_sources.values() if plan.rediscover else [old_sources.get(p) for p in reread]
        retitled = showing_retitled(was, self.pages.titles, self.pages.facts)
        reparse = (edited | plan.reparse | retitled) & set(chosen)
        before = {name: self.pages.facts.get(name) for name in reparse}
        for name in sorted(reparse):
            self.pages.parse(chosen[name])
        old = self.snapshot
        unchanged = not plan.rediscover and frame_unchanged(before, self.pages.facts)
        new = old if unchanged and self.choice_problems == choice_problems else self._resolve()
        outputs = {} if new is old else self.outputs
        shown = {n: (out.rendered.uses, out.rendered.titles) for n, out in outputs.items()}
        names = pages_to_render(old, new, reparse, shown)
        if self.on_request:  # a page not asked for yet is rendered when it is
            names = self._opened(names & self.outputs.keys(), reparse, new)
        self.made.render(self.pages, names, new, later)

    def _opened(self, names: set[str], edited: set[str], snapshot: SiteSnapshot) -> set[str]:
        """Of the held pages NAMES an edit changed, those opened (held with their HTML): the
        others were loaded without it and load again with the pages not loaded yet, but the EDITED
        ones (loading again or not) now: their problems are the edit's."""
        unopened = {name for name in names if self.outputs[name].rendered.html is None}
        for name in sorted(unopened):
            self.reloading[name] = self.outputs.pop(name)
        for name in sorted(edited & self.reloading.keys() - self.outputs.keys()):
            made = self.made.full_page(self.pages, name, snapshot)
            self.outputs[name] = with_html(made, None)
            self.pages.release(name)
        return names - unopened

    def diagnostics(self) -> list[Diagnostic]:
        """Every problem of the site; a page loading again after an edit gives its last ones."""
        if self.outputs.keys() >= self.reloading.keys():
            self.reloading.clear()
        waiting = [
            d
            for name, outputs in self.reloading.items()
            if name not in self.outputs and name in self.pages.facts
            for d in outputs.rendered.diagnostics
        ]
        return sort_diagnostics(super().diagnostics() + waiting)

    def _choose_again(self, reread: set[Path], old_sources: dict[Path, PageSource | None]) -> bool:
        """After edits to the page files REREAD that each still make the page they made, take
        their new sources without choosing among every file again; False: that is needed."""
        if self.choice_problems:  # duplicates: the edits may decide which file wins
            return False
        for path in reread:
            old, new = old_sources.get(path), self.sources.get(path)
            if old is None or new is None or new.name != old.name:
                return False
            if self.chosen.get(old.name) is not old:
                return False
        for path in reread:
            new = self.sources[path]
            assert new is not None  # checked above
            self.chosen[new.name] = new
            self.pages.choose_again(new, self.read.keys[path], self.read.problems[path])
        return True

    def on_request_file(self, path: str) -> str | None:
        """A file that reads every page, made when asked for; pages not rendered yet give their
        print chapters and search records first."""
        if self.snapshot is not None and self.on_request and is_on_request(path):
            self.made.complete(self.pages, self.snapshot)
        return super().on_request_file(path)

    @property
    def loaded(self) -> bool:
        """Whether every page's outputs are held (always, unless pages are rendered on request)."""
        return not self.on_request or not self.pages.facts.keys() - self.outputs.keys()

    def load_more(self, seconds: float) -> bool:
        """Load for about SECONDS the outputs of pages not held yet (see `SiteOutputs.complete`);
        True once every page's are held."""
        if self.loaded or self.snapshot is None:
            return True
        return self.made.complete(self.pages, self.snapshot, seconds)

    def page_output(self, url_path: str) -> str | None:
        """The output path of the page the preview serves at URL_PATH, if one is served there."""
        rel = "/".join(part for part in url_path.split("/") if part not in ("", "."))
        # As resolve_request_path reads addresses, slash or not (the other form is redirected to
        # the page's): a folder's index page first, then the file itself, then NAME.html.
        for output in [f"{rel}/index.html".lstrip("/"), rel, f"{rel}.html"]:
            if self.snapshot is not None and self.snapshot.page_at(output) is not None:
                return output
        return None

    def page_on_request(self, output: str) -> PageOutputs | None:
        """The outputs of the page written to OUTPUT, rendered now if need be; None: no page is."""
        name = None if self.snapshot is None else self.snapshot.page_at(output)
        if name is None or self.snapshot is None:
            return None
        return self.made.full_page(self.pages, name, self.snapshot)
