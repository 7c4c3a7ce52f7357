"""Run the stages in order (discover, parse, tree, resolve, render) and write the output atomically."""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from pygments.formatters import HtmlFormatter

from trustdocs.config import SiteConfig
from trustdocs.diagnostics import Diagnostic, error, has_errors, sort_diagnostics
from trustdocs.markdown import (
    ParsedMarkdown,
    highlighted_lines,
    markdown_parser,
    parse_markdown,
    plain_text,
)
from trustdocs.render import (
    PRINT_PAGE,
    ParsedPage,
    RenderedPage,
    Theme,
    render_page,
    render_print_chapter,
    render_print_page,
    render_special,
)
from trustdocs.search import INDEX_FILE, search_entry, search_index_script
from trustdocs.snapshot import PageSummary, SiteSnapshot
from trustdocs.source import PageSource, parse_page_source
from trustdocs.tree import CourseTree, build_course_tree
from trustdocs.urls import ASSETS_DIR, output_path

OutputContent = str | bytes | Path  # text, raw bytes, or a file to copy
ON_REQUEST_FILES = (INDEX_FILE, PRINT_PAGE)  # outputs that read every page

MAX_WORKERS = 4
PARALLEL_MINIMUM = 100  # below this many pages, starting workers costs more than it saves
SKIPPED_FOLDERS = frozenset({"node_modules", "__pycache__"})
CODE_STYLE_LIGHT = "friendly"
CODE_STYLE_DARK = "github-dark"


def display_path(path: Path) -> str:
    """A path as diagnostics show it: relative to the working folder when inside it."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class SourceFiles:
    """What the content folder holds: page candidates, files to copy, and ignored glob matches."""

    pages: tuple[Path, ...]
    copies: dict[str, Path]  # output rel path -> file
    skipped: int = 0


def discover(config: SiteConfig) -> SourceFiles:
    """Find the page files and the other files a site copies to its output."""
    excluded = {config.output_dir, config.output_dir.resolve()}
    if config.layout == "bitdocs":
        # A bit-docs site: pages by glob; only the static folder is copied.
        pages: set[Path] = set()
        skipped = 0
        for pattern in config.page_glob:
            for path in config.content_dir.glob(pattern):
                if not path.is_file() or _excluded(path, config.content_dir, excluded):
                    continue
                if path.suffix.lower() == ".md":
                    pages.add(path)
                else:
                    skipped += 1
        copies: dict[str, Path] = {}
        if config.static_dir is not None and config.static_dir.is_dir():
            for path in sorted(config.static_dir.rglob("*")):
                if path.is_file() and not _excluded(path, config.static_dir, excluded):
                    copies["static/" + path.relative_to(config.static_dir).as_posix()] = path
        return SourceFiles(tuple(sorted(pages)), copies, skipped)

    found_pages: list[Path] = []
    found_copies: dict[str, Path] = {}
    for path in sorted(config.content_dir.rglob("*")):
        if not path.is_file() or _excluded(path, config.content_dir, excluded):
            continue
        if path.suffix.lower() == ".md":
            found_pages.append(path)
        else:
            found_copies[path.relative_to(config.content_dir).as_posix()] = path
    return SourceFiles(tuple(found_pages), found_copies)


def _excluded(path: Path, base: Path, outputs: set[Path]) -> bool:
    parts = path.relative_to(base).parts
    if any(part.startswith(".") or part in SKIPPED_FOLDERS for part in parts):
        return True
    return any(path.is_relative_to(out) for out in outputs)


def read_page(config: SiteConfig, path: Path) -> tuple[PageSource | None, list[Diagnostic]]:
    """Read one page file from disk and parse its tags."""
    shown = display_path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [error(shown, 1, 1, f"not UTF-8 text (byte {exc.start})")]
    except OSError as exc:
        return None, [error(shown, 1, 1, f"cannot read: {exc.strerror}")]
    return parse_page_source(shown, path.relative_to(config.content_dir).as_posix(), text)


def parse_page(
    config: SiteConfig, source: PageSource, names: frozenset[str]
) -> tuple[ParsedPage, list[Diagnostic]]:
    """Parse a page's body and description Markdown."""
    folder = config.content_dir / source.source_dir
    body, body_problems = parse_markdown(source.body, source.path, source.body_lines, names, folder)
    description, description_problems = parse_markdown(
        source.description, source.path, source.description_lines, names, folder
    )
    return ParsedPage(source, body, description), body_problems + description_problems


def pygments_css() -> str:
    """Code highlighting colours: a light style, and a dark one under prefers-color-scheme."""
    light = HtmlFormatter(style=CODE_STYLE_LIGHT).get_style_defs(".highlight")
    dark = HtmlFormatter(style=CODE_STYLE_DARK).get_style_defs(".highlight")
    dark = "\n".join("  " + line for line in dark.splitlines())
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"


@dataclass
class SiteBuild:
    """A site loaded and rendered in memory: the state a full build writes and serve keeps up to date."""

    config: SiteConfig
    theme: Theme = field(init=False)
    files: SourceFiles = field(init=False)
    sources: dict[Path, PageSource | None] = field(default_factory=dict)
    source_problems: dict[Path, list[Diagnostic]] = field(default_factory=dict)
    pages: dict[str, ParsedPage] = field(default_factory=dict)
    parse_problems: dict[str, list[Diagnostic]] = field(default_factory=dict)
    site_problems: list[Diagnostic] = field(default_factory=list)
    tree: CourseTree | None = None
    snapshot: SiteSnapshot | None = None
    rendered: dict[str, RenderedPage] = field(default_factory=dict)
    extras: dict[str, str] = field(default_factory=dict)  # 404.html, sitemap.xml
    extra_problems: list[Diagnostic] = field(default_factory=list)
    # Caches for incremental rebuilds, each entry valid while the objects it was made from stand.
    description_cache: dict[str, tuple[ParsedPage, tuple[str | None, ...], str]] = field(
        default_factory=dict, repr=False
    )
    search_cache: dict[str, tuple[ParsedPage, PageSummary, str]] = field(
        default_factory=dict, repr=False
    )
    search_text: tuple[list[str], str] | None = field(default=None, repr=False)
    theme_files: dict[str, OutputContent] | None = field(default=None, repr=False)
    print_chapters: dict[str, dict[str, object]] = field(default_factory=dict, repr=False)
    # Pages parsed by build workers: the main process holds their headings, not their bodies.
    light: set[str] = field(default_factory=set, repr=False)

    def __post_init__(self) -> None:
        self.theme = Theme(self.config.site_theme_dir)

    # --- stages ---------------------------------------------------------------------------------

    def load(self) -> None:
        """Discover, read and parse every page, then build the tree and the snapshot."""
        self.read_all()
        self.parse_all()

    def read_all(self) -> None:
        """Discover the site's files and read every page's tags."""
        self.files = discover(self.config)
        self.sources, self.source_problems = {}, {}
        for path in self.files.pages:
            self.sources[path], self.source_problems[path] = read_page(self.config, path)

    def parse_all(self) -> None:
        """Parse every page's Markdown against the current set of page names."""
        names = self.page_names()
        self.pages, self.parse_problems, self.light = {}, {}, set()
        for source in self._unique_sources():
            self.pages[source.name], self.parse_problems[source.name] = parse_page(
                self.config, source, names
            )
        self.resolve()

    def page_names(self) -> frozenset[str]:
        """Names of all pages found."""
        return frozenset(s.name for s in self.sources.values() if s is not None)

    def _unique_sources(self) -> list[PageSource]:
        seen: dict[str, PageSource] = {}
        for path in sorted(self.sources):
            source = self.sources[path]
            if source is not None and source.name not in seen:
                seen[source.name] = source
        return list(seen.values())

    def resolve(self) -> None:
        """Build the course tree and the read-only site snapshot from the parsed pages."""
        problems = self._duplicate_names()
        config_shown = display_path(self.config.config_path)
        self.tree, tree_problems = build_course_tree(
            (p.source for p in self.pages.values()), self.config.root, config_shown
        )
        problems += tree_problems
        root = self.tree.root
        titles = {name: page.source.title for name, page in self.pages.items()}
        summaries: dict[str, PageSummary] = {}
        outputs: dict[str, str] = {}
        for name, page in sorted(self.pages.items()):
            out = output_path(name, root)
            if out in outputs:
                problems.append(
                    error(
                        page.source.path,
                        page.source.tag_lines.get("page", 1),
                        1,
                        f"page '{name}' would be written to {out}, like page '{outputs[out]}'",
                    )
                )
            outputs[out] = name
            summaries[name] = PageSummary(
                name=name,
                title=page.source.title,
                description_text=self._description_text(page, titles),
                output=out,
                source=page.source.rel_path,
                anchors=page.body.anchors | page.description.anchors,
            )
        assets = {f"{ASSETS_DIR}/{name}" for name in self.theme.asset_files()} | {
            f"{ASSETS_DIR}/pygments.css",
            INDEX_FILE,
        }
        extra_outputs = {"404.html", PRINT_PAGE} | (
            {"sitemap.xml"} if self.config.base_url else set()
        )
        title = self.config.title
        if self.config.layout == "bitdocs" and root in summaries:
            title = summaries[root].title
        self.snapshot = SiteSnapshot(
            title=title,
            pages=summaries,
            tree=self.tree,
            content_files=frozenset(self.files.copies),
            output_files=frozenset(outputs) | frozenset(self.files.copies) | assets | extra_outputs,
            base_url=self.config.base_url,
            codepen_replacements=self.config.codepen_replacements,
            page_sources={s.source: s.name for s in summaries.values()},
        )
        self.site_problems = problems

    def _description_text(self, page: ParsedPage, titles: dict[str, str]) -> str:
        """A page's summary as plain text; recomputed only when it or a title it shows changes."""
        cache = self.description_cache
        key = tuple(
            titles.get(child.meta["name"])
            for token in page.description.tokens
            for child in token.children or ()
            if child.type == "cross_link_title"
        )
        cached = cache.get(page.source.name)
        if cached is None or cached[0] is not page or cached[1] != key:
            cached = (page, key, plain_text(page.description, titles))
            cache[page.source.name] = cached
        return cached[2]

    def _duplicate_names(self) -> list[Diagnostic]:
        first: dict[str, PageSource] = {}
        problems = []
        for path in sorted(self.sources):
            source = self.sources[path]
            if source is None:
                continue
            if source.name in first:
                other = first[source.name]
                line = source.tag_lines.get("page", 1)
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
        return problems

    def _parse_light(self, names: Iterable[str]) -> None:
        """Parse again, here, pages whose bodies stayed in a build worker."""
        page_names = self.page_names()
        for name in sorted(self.light.intersection(names)):
            source = self.pages[name].source
            self.pages[name], self.parse_problems[name] = parse_page(
                self.config, source, page_names
            )
            self.light.discard(name)

    def render_all(self) -> None:
        """Render every page and the site-wide files."""
        assert self.snapshot is not None
        self._parse_light(list(self.pages))
        self.rendered = {
            name: render_page(self.pages[name], self.snapshot, self.theme)
            for name in sorted(self.pages)
        }
        self.render_extras()

    def build_all(self, workers: int = 1, minimum: int = PARALLEL_MINIMUM) -> None:
        """Load and render everything; with WORKERS > 1 and enough pages, in forked processes."""
        self.read_all()
        fork = "fork" in get_all_start_methods()
        if workers > 1 and fork and len(self._unique_sources()) >= max(minimum, workers):
            _build_in_processes(self, workers)
        else:
            self.parse_all()
            self.render_all()

    def render_extras(self) -> None:
        """Render 404.html and, with a base_url, sitemap.xml."""
        assert self.snapshot is not None
        self.extras, self.extra_problems = {}, []
        specials = [("404.html", "404.html")]
        if self.config.base_url:
            specials.append(("sitemap.xml", "sitemap.xml"))
        for template, output in specials:
            html, problems = render_special(template, output, self.snapshot, self.theme)
            self.extras[output] = html
            self.extra_problems += problems

    # --- results --------------------------------------------------------------------------------

    def diagnostics(self) -> list[Diagnostic]:
        """Every problem of the site, sorted by file and line."""
        found: list[Diagnostic] = []
        for problems in self.source_problems.values():
            found += problems
        for problems in self.parse_problems.values():
            found += problems
        found += self.site_problems
        for page in self.rendered.values():
            found += page.diagnostics
        found += self.extra_problems
        return sort_diagnostics(found)

    def output_files(self, on_request: bool = True) -> dict[str, OutputContent]:
        """Every output file: rel path → its text, its bytes, or the source file to copy."""
        out: dict[str, OutputContent] = dict(self.files.copies)
        out.update(self._theme_outputs())
        for page in self.rendered.values():
            out[page.output] = page.html
        out.update(self.extras)
        if on_request:  # files a preview makes only when they are asked for
            out.update({name: make() for name, make in self.on_request_files().items()})
        return out

    def on_request_files(self) -> dict[str, Callable[[], str]]:
        """Files that read every page: the search index and the print page."""
        makers = {INDEX_FILE: self.search_index, PRINT_PAGE: self.print_page}
        return {name: makers[name] for name in ON_REQUEST_FILES}

    def print_page(self) -> str:
        """The whole visible course on one page (chapters made by build workers are reused)."""
        assert self.snapshot is not None and self.tree is not None
        self._parse_light(n for n in self.tree.reading_order if n not in self.print_chapters)
        chapters = [
            self.print_chapters.get(name) or render_print_chapter(self.pages[name], self.snapshot)
            for name in self.tree.reading_order
        ]
        html, _ = render_print_page(chapters, self.snapshot, self.theme)
        return html

    def search_index(self) -> str:
        """Entries of every page in the course tree, each cached while its page and summary stand."""
        assert self.snapshot is not None and self.tree is not None
        cache = self.search_cache
        entries = []
        for name in sorted(self.pages):
            if name in self.tree.hidden:
                continue
            page, summary = self.pages[name], self.snapshot.pages[name]
            cached = cache.get(name)
            if cached is None or cached[0] is not page or cached[1] != summary:
                cached = (page, summary, search_entry(page, summary))
                cache[name] = cached
            entries.append(cached[2])
        previous = self.search_text
        if (
            previous is None
            or len(previous[0]) != len(entries)
            or any(a is not b for a, b in zip(previous[0], entries, strict=True))
        ):
            previous = (entries, search_index_script(entries))
            self.search_text = previous
        return previous[1]

    def _theme_outputs(self) -> dict[str, OutputContent]:
        cached = self.theme_files
        if cached is None:
            cached = {
                f"{ASSETS_DIR}/{name}": path for name, path in self.theme.asset_files().items()
            }
            cached[f"{ASSETS_DIR}/pygments.css"] = pygments_css()
            self.theme_files = cached
        return cached

    # --- incremental rebuilds -------------------------------------------------------------------

    def update(self, paths: set[Path]) -> None:
        """Take edits to content files into account, re-rendering only pages whose HTML can change.

        The result equals a fresh full build; the tests hold it to that, byte for byte.
        """
        assert self.snapshot is not None and self.tree is not None
        self.print_chapters.clear()  # made by build workers for one full build only
        reread: set[Path] = set()
        reparse: set[str] = set()
        rediscover = False
        copies_by_source = {source: rel for rel, source in self.files.copies.items()}
        for path in paths:
            if path in self.sources:
                reread.add(path)
                rediscover |= not path.exists()
            elif path in copies_by_source:
                rediscover |= not path.exists()
            elif path.exists() and self._could_be_discovered(path):
                rediscover = (
                    True  # a new file (an editor's short-lived temporary one is gone by now)
                )
            reparse |= {
                name for name, page in self.pages.items() if str(path) in page.body.files_read
            }

        old_copies = set(self.files.copies)
        names_before = self.page_names()
        gone: set[Path] = set()
        if rediscover:
            self.files = discover(self.config)
            known = set(self.files.pages)
            gone = set(self.sources) - known
            reread = (reread & known) | (known - set(self.sources))
        old_sources = {path: self.sources.get(path) for path in reread | gone}
        for path in gone:
            del self.sources[path]
            self.source_problems.pop(path, None)
        for path in reread:
            self.sources[path], self.source_problems[path] = read_page(self.config, path)
        if self.page_names() != names_before or set(self.files.copies) != old_copies:
            # Cross-links and link checks depend on which pages and files exist: start over.
            self.parse_all()
            self.render_all()
            return

        for path, old in old_sources.items():
            new = self.sources.get(path)
            reparse |= {s.name for s in (old, new) if s is not None}
        winners = {source.name: source for source in self._unique_sources()}
        names = self.page_names()
        for name in reparse & set(winners):
            self.pages[name], self.parse_problems[name] = parse_page(
                self.config, winners[name], names
            )
            self.light.discard(name)

        old_tree, old_pages = self.tree, self.snapshot.pages
        self.resolve()
        assert self.snapshot is not None and self.tree is not None
        if _tree_shape(old_tree) != _tree_shape(self.tree):
            self.render_all()
            return
        affected = set(reparse)
        changed_summaries = {
            name for name in reparse if old_pages.get(name) != self.snapshot.pages.get(name)
        }
        if changed_summaries:
            affected |= {
                name
                for name, rendered in self.rendered.items()
                if {name for name, _ in rendered.uses} & changed_summaries
            }
        self._parse_light(affected)
        for name in sorted(affected & set(self.pages)):
            self.rendered[name] = render_page(self.pages[name], self.snapshot, self.theme)
        if changed_summaries:
            self.render_extras()

    def _could_be_discovered(self, path: Path) -> bool:
        """Whether a file the site does not know yet may belong to it (a new page or file)."""
        roots = [self.config.content_dir] + (
            [self.config.static_dir] if self.config.static_dir else []
        )
        for root in roots:
            if path.is_relative_to(root):
                return not _excluded(path, root, {self.config.output_dir.resolve()})
        return False


_FORKED_SITE: SiteBuild | None = None  # what forked workers start from; set only while forking


def _build_in_processes(site: SiteBuild, workers: int) -> None:
    """Parse and render with forked workers, each owning a share of the pages.

    Parsed pages never cross a process boundary (pickling them costs more than parsing): workers
    send back what the snapshot needs, receive the snapshot, and send back HTML.
    """
    global _FORKED_SITE
    names = site.page_names()
    shares = [[s.name for s in site._unique_sources()[i::workers]] for i in range(workers)]
    context = get_context("fork")
    connections, processes = [], []
    _warm_up(site)
    gc.freeze()  # keep inherited objects out of the workers' collections: no copy-on-write storms
    _FORKED_SITE = site
    try:
        for share in shares:
            here, there = context.Pipe()
            process = context.Process(target=_share_worker, args=(there, share, names), daemon=True)
            process.start()
            there.close()
            connections.append(here)
            processes.append(process)
    finally:
        _FORKED_SITE = None
        gc.unfreeze()
    try:
        site.pages, site.parse_problems = {}, {}
        for connection in connections:
            for name, page, problems in _receive(connection):
                site.pages[name], site.parse_problems[name] = page, problems
        site.light = set(site.pages)
        site.resolve()
        for connection in connections:
            connection.send(site.snapshot)
        rendered: dict[str, RenderedPage] = {}
        search_cache = site.search_cache
        for connection in connections:
            pages, entries, chapters = _receive(connection)
            rendered.update((page.name, page) for page in pages)
            site.print_chapters.update(chapters)
            for name, entry in entries.items():
                search_cache[name] = (site.pages[name], site.snapshot.pages[name], entry)
    finally:
        for process in processes:
            process.join()
    site.rendered = {name: rendered[name] for name in sorted(rendered)}
    site.render_extras()


def _warm_up(site: SiteBuild) -> None:
    """Do once, before forking, what every worker would otherwise do on its own."""
    markdown_parser()
    site.theme.environment.get_template("page.html")
    for fence in {
        line.strip().lstrip("`~").split()[0].lower()
        for source in site.sources.values()
        if source is not None
        for line in source.body.split("\n")
        if line.strip().startswith(("```", "~~~")) and line.strip().lstrip("`~").strip()
    }:
        highlighted_lines("", fence)


def _receive(connection: Connection) -> Any:
    status, payload = connection.recv()
    if status != "ok":
        raise RuntimeError(f"a build worker failed:\n{payload}")
    return payload


def _share_worker(connection: Connection, share: list[str], names: frozenset[str]) -> None:
    site = _FORKED_SITE
    try:
        assert site is not None
        sources = {source.name: source for source in site._unique_sources()}
        parsed = {name: parse_page(site.config, sources[name], names) for name in share}
        connection.send(
            (
                "ok",
                [
                    (name, _without_body_tokens(page), problems)
                    for name, (page, problems) in parsed.items()
                ],
            )
        )
        snapshot: SiteSnapshot = connection.recv()
        pages = [render_page(parsed[name][0], snapshot, site.theme) for name in share]
        visible = [name for name in share if name not in snapshot.tree.hidden]
        entries = {name: search_entry(parsed[name][0], snapshot.pages[name]) for name in visible}
        chapters = {name: render_print_chapter(parsed[name][0], snapshot) for name in visible}
        connection.send(("ok", (pages, entries, chapters)))
    except BaseException:
        connection.send(("error", traceback.format_exc()))
    finally:
        connection.close()


def _without_body_tokens(page: ParsedPage) -> ParsedPage:
    """What the main process needs of a parsed page: its source, description, headings, anchors."""
    body = page.body
    return ParsedPage(
        page.source,
        ParsedMarkdown((), body.headings, body.anchors, body.files_read),
        page.description,
    )


def _tree_shape(tree: CourseTree) -> tuple[object, ...]:
    return (tree.root, tree.children, tree.hidden, tree.reading_order)


@dataclass(frozen=True)
class BuildResult:
    """The outcome of a build or a check."""

    diagnostics: list[Diagnostic]
    pages: int
    seconds: float
    skipped: int
    written: bool


def check_output_location(config: SiteConfig, output_dir: Path) -> Diagnostic | None:
    """Refuse an output folder that holds the sources: swapping it in would delete them."""
    output = output_dir.resolve()
    for precious in (config.root_dir, config.content_dir, config.config_path.parent):
        if precious.resolve().is_relative_to(output):
            return error(
                display_path(config.config_path),
                1,
                1,
                f"output folder {output} contains the site's sources",
                "choose an output folder of its own, such as 'site'",
            )
    return None


def build_site(
    config: SiteConfig,
    output_dir: Path | None = None,
    *,
    write: bool = True,
    strict: bool = False,
) -> BuildResult:
    """Build the site; write it (atomically) only when there is no error (or warning, if strict)."""
    started = time.perf_counter()
    site = SiteBuild(config)
    site.build_all(workers=min(os.cpu_count() or 1, MAX_WORKERS))
    diagnostics = site.diagnostics()
    failed = has_errors(diagnostics, strict)
    written = False
    if write and not failed:
        target = output_dir or config.output_dir
        problem = check_output_location(config, target)
        if problem is None:
            try:
                write_output(target, site.output_files())
                written = True
            except OSError as exc:
                reason = f"{exc.strerror}: {exc.filename}" if exc.filename else str(exc)
                problem = error(
                    display_path(config.config_path),
                    1,
                    1,
                    f"cannot write the output folder {target}: {reason}",
                )
        if problem is not None:
            diagnostics.append(problem)
    return BuildResult(
        diagnostics, len(site.pages), time.perf_counter() - started, site.files.skipped, written
    )


def write_file(target: Path, content: OutputContent) -> None:
    """Write one output file: text as UTF-8, bytes as they are, a Path by copying it."""
    if isinstance(content, Path):
        shutil.copyfile(content, target)
    elif isinstance(content, str):
        target.write_bytes(content.encode("utf-8"))
    else:
        target.write_bytes(content)


def write_output(output_dir: Path, files: dict[str, OutputContent]) -> None:
    """Write FILES into a fresh folder beside OUTPUT_DIR, then swap it in for the old one."""
    output_dir = output_dir.resolve()
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.new-", dir=output_dir.parent))
    try:
        for rel in sorted(files):
            target = fresh / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            write_file(target, files[rel])
        fresh.chmod(0o755)
        if output_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.old-", dir=output_dir.parent))
            os.replace(output_dir, old / "site")
            os.replace(fresh, output_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(fresh, output_dir)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
