"""The preview server: watch the sources, rebuild what changed, tell open pages to reload."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import itertools
import json
import os
import queue
import shutil
import signal
import sys
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import IO

import jinja2
from markupsafe import Markup
from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import ObservedWatch

from trustdocs.cache import cache_folder
from trustdocs.changes import as_discovered, plan_rebuild
from trustdocs.config import (
    SERVE_HOST,
    SERVE_PORT,
    THEMES_DIR,
    ConfigError,
    SiteConfig,
    default_theme_dir,
    leads_above,
    load_config,
    may_read,
    within,
)
from trustdocs.diagnostics import EXIT_USAGE, Diagnostic, count, display_path, plural
from trustdocs.files import skipped_name
from trustdocs.output_folder import FreshOutput, OutputContent, Streamed, write_file
from trustdocs.outputs import is_on_request
from trustdocs.preview_http import (  # noqa: F401  (re-exported: the preview's public names)
    ListenError,
    PreviewHandler,
    PreviewServer,
    bind_server,
    check_port,
    resolve_request_path,
)
from trustdocs.render import TemplateFailed
from trustdocs.site import LiveSite
from trustdocs.urls import PREVIEW_PREFIX
from trustdocs.workers import PARALLEL_MINIMUM, worker_count

RELOAD_SCRIPT = f'<script src="{PREVIEW_PREFIX}livereload.js" defer></script>\n'


def reload_script(served: str) -> str:
    """The reload script of a page served as SERVED (`ServedFolder`): the event stream tells the
    page at once when that is no longer the page's HTML (saved again while it was loading)."""
    return RELOAD_SCRIPT.replace(" defer>", f' data-served="{served}" defer>', 1)


QUIET_SECONDS = 0.03  # a burst of file events ends after this much silence
# From this many page files the preview starts without rendering: each page is rendered when it is
# first asked for, so a large course is served in seconds rather than after a full build.
ON_REQUEST_MINIMUM = 500
ON_REQUEST_SAID = (
    "each is rendered when first opened; the others load meanwhile, and show their problems once "
    "loaded"
)
COMPLETING_SECONDS = 0.01  # the lock is held this long at a time while pages not opened load
STOP_WAIT_SECONDS = 5.0  # how long stopping waits for a rebuild or a page being rendered
# Above this many folders of files read with @sourceref/@diff under one folder of the site, that
# folder is watched whole: a watch per folder costs a thread each.
WATCHED_APART = 16
# Only writes matter. Asking the kernel for these alone also keeps reads (ours, and watchdog's own
# walk of thousands of folders) from flooding the inotify queue on large courses.
WRITE_EVENTS = frozenset({"created", "modified", "deleted", "moved", "closed"})
WRITE_EVENT_TYPES: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    FileClosedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]


@dataclass(frozen=True)
class RebuildReport:
    """What one rebuild did: for the terminal and for open pages."""

    version: int
    changed: tuple[str, ...]  # URL paths whose content changed, e.g. /lesson/a.html
    errors: tuple[str, ...]  # `file:line:col: message` lines while the sources have errors
    seconds: float
    kept: bool = True  # a good build is served (while there are errors: an earlier one)

    def as_json(self, stale: bool = False) -> str:
        """The SSE payload; STALE: the page listening is no longer the one served."""
        report = {"version": self.version, "changed": self.changed, "errors": self.errors}
        report["kept"] = self.kept
        return json.dumps({**report, "stale": True} if stale else report)


class Preview:
    """The site as served: an output folder kept equal to the last good build."""

    def __init__(
        self,
        config: SiteConfig,
        output_dir: Path,
        use_cache: bool = False,
        on_request_from: int | None = ON_REQUEST_MINIMUM,
    ) -> None:
        self.config, self.use_cache, self.on_request_from = config, use_cache, on_request_from
        self.output_dir = output_dir
        self.folder = ServedFolder(output_dir)
        self.lock = threading.Lock()
        self.site: LiveSite | None = None
        self.version = 0
        self.last = RebuildReport(0, (), (), 0.0)
        self.subscribers: set[queue.Queue[RebuildReport]] = set()
        self.printed: list[Diagnostic] = []
        self.incomplete = threading.Event()  # set while pages not opened yet are to be loaded
        self.loading_all = False  # every page loads (the terminal is told when all are)
        self.stopped = False  # the loading thread ends
        self.config_failed = False  # the configuration did not load: the site is not its
        self.good_made = _KeptFiles()  # files made on request since the last good build
        self.served = False  # a build without errors was made (and is served) since it started

    def full_build(self, workers: int = 1, minimum: int = PARALLEL_MINIMUM) -> RebuildReport:
        """(Re)load the configuration and build everything (in WORKERS processes: before any thread)."""
        started = time.perf_counter()
        try:
            config = load_config(self.config.config_path)
        except ConfigError as exc:
            self.config_failed = True  # a page saved meanwhile builds everything, and fails so
            return self._publish(exc.diagnostics, {}, started)
        self.config, self.config_failed = config, False
        # Served at the root of its own address, not where it is published: no base_url.
        cache = cache_folder(config, self.use_cache)
        site = LiveSite(dataclasses.replace(config, base_url=None), cache)
        site.build(workers=workers, minimum=minimum, on_request_from=self.on_request_from)
        if not site.on_request:  # else the pages' entries are not used yet, and must stay
            cache.prune()
        if loading := site.on_request and site.snapshot is not None:  # set before it is seen
            self.incomplete.set()
            self.loading_all = True
        self.site = site
        if self.version:  # a site was built before: replaced now
            _free_replaced_sites()
        report = self._publish(site.diagnostics(), site.output_files(on_request=False), started)
        if loading:
            _say(f"{plural(len(site.pages.facts), 'page')}: {ON_REQUEST_SAID}", report.version == 1)
        return report

    def rebuild(self, paths: set[Path], watch: Callable[[], None] = lambda: None) -> RebuildReport:
        """Rebuild after edits to PATHS (WATCH: called once the pages read their files anew)."""
        started = time.perf_counter()
        with self.lock:
            site = self.site
            try:
                plan = None
                if site is not None and not self.config_failed:
                    plan = plan_rebuild(paths, site.config, site.files, site.sources, site.reads)
                if site is None or plan is None or plan.full:
                    report = self.full_build()
                    watch()  # a content folder or theme of a new configuration, files read anew
                    return report
                if plan.empty and not paths & site.files.copied:
                    return self.last  # nothing the site is made of (a log written beside it)
                names = site.pages.names
                site.apply(plan, later=True)
                watch()  # the folders of files the pages read now: a save from now on is seen
                if not site.loaded:  # pages that the edit changed and are not opened load again
                    self.incomplete.set()  # all of them when the set of pages changed (not a title)
                    self.loading_all = self.loading_all or site.pages.names != names
                files = site.output_files(on_request=False)
                self.folder.recopy(paths & site.files.copied)  # not a link out
                report = self._publish(site.diagnostics(), files, started)
                site.made.finish()  # after the browser is told: print page and search read it
                return report
            except Exception:
                # The site may hold half of these edits: the next rebuild starts from the sources.
                self.site = None
                raise

    def _publish(
        self, diagnostics: list[Diagnostic], files: dict[str, OutputContent], started: float
    ) -> RebuildReport:
        errors = [d for d in diagnostics if d.severity == "error"]
        changed: list[str] = []
        if not errors:
            changed = self.folder.sync(files)
            self.good_made.clear()  # made again from this build when asked for
            if self.site is not None and not self.site.on_request:
                self.incomplete.set()  # the loading thread keeps them once saves pause
        self.version += 1
        self.served = self.served or not errors
        report = RebuildReport(
            self.version,
            tuple(changed),
            tuple(d.format() for d in errors),
            time.perf_counter() - started,
            self.served,
        )
        self.last = report
        for subscriber in list(self.subscribers):
            subscriber.put(report)
        # The terminal lists the problems when they change, not again on every save.
        shown = diagnostics if diagnostics != self.printed else []
        self.printed = diagnostics
        _print_report(report, diagnostics, shown)
        return report

    def complete_pages(self, seconds: float = COMPLETING_SECONDS) -> None:
        """Load for about SECONDS what the pages not opened yet hold (their problems, print
        chapters and search records); once all are, report their problems as a rebuild does.
        Of a course served whole, keep what the last good build makes on request."""
        with self.lock:
            _complete_step(self, seconds)

    def page_on_request(self, url_path: str) -> bytes | None:
        """Write the page at URL_PATH into the folder if it is rendered when asked for and not yet;
        None, or the page to show instead while the site has errors."""
        return _page_on_request(self, url_path)

    def made_on_request(self, rel: str) -> tuple[bytes, HTTPStatus] | None:
        """A file that reads every page (search index, print page), made when asked for, not on
        every save; while the sources have errors, as the last good build made it (the pages
        served are that build's too), or the page that shows the errors."""
        return _made_or_last_good(self, rel) if is_on_request(rel) else None

    def serves(self, mark: str) -> bool:
        """Whether the page marked MARK is still served as it was when it was marked."""
        return self.folder.serves(mark)

    def missing_page(self) -> bytes | None:
        """What to show for a page the site does not have while its sources have errors (it may
        be one they keep from being built); None when they have none."""
        errors = self.last.errors
        return _waiting_page(errors) if errors else None

    @contextlib.contextmanager
    def subscription(self) -> Iterator[queue.Queue[RebuildReport]]:
        """A queue receiving every rebuild report while the caller listens."""
        inbox: queue.Queue[RebuildReport] = queue.Queue()
        self.subscribers.add(inbox)
        try:
            yield inbox
        finally:
            self.subscribers.discard(inbox)


class ServedFolder:
    """The preview's output folder, kept equal to the files of the last good build."""

    def __init__(self, output_dir: Path) -> None:
        self.output_dir = output_dir
        self.files: dict[str, OutputContent] = {}  # what the folder holds, as served
        self.injected: dict[str, tuple[str, str, str]] = {}  # page -> as built, as served, mark
        self.marks: set[str] = set()  # of the pages the folder holds now
        self._made = itertools.count(1)

    def _served_form(self, rel: str, content: OutputContent) -> OutputContent:
        """A page as the preview serves it: with the reload script, marked (`reload_script`)."""
        if not rel.endswith(".html") or not isinstance(content, str):
            return content
        known = self.injected.get(rel)
        if known is not None and (known[0] is content or known[0] == content):
            return known[1]  # the same page: the same mark, so that open tabs stay
        mark = str(next(self._made))
        served = content.replace("</body>", reload_script(mark) + "</body>", 1)
        self._forget(rel)
        self.injected[rel] = (content, served, mark)
        self.marks.add(mark)
        return served

    def _forget(self, rel: str) -> None:
        """REL is no longer served as it was: its mark is no longer current."""
        known = self.injected.pop(rel, None)
        if known is not None:
            self.marks.discard(known[2])

    def serves(self, mark: str) -> bool:
        """Whether a page marked MARK is still served as it was (`reload_script`)."""
        return mark in self.marks

    def sync(self, files: dict[str, OutputContent]) -> list[str]:
        """Make the output folder hold FILES, touching only what differs; return changed URLs."""
        files = {rel: self._served_form(rel, content) for rel, content in files.items()}
        if not self.files:
            with FreshOutput(self.output_dir) as fresh:
                for rel in sorted(files):
                    if not _copied(fresh.write, rel, files[rel]):
                        del files[rel]
                fresh.swap_in()
            self.files = dict(files)
            return sorted("/" + rel for rel in files)
        changed, gone = [], []
        # Deletions first, with the folders they empty: a file may be replaced by a folder of its
        # name (content/notes becoming content/notes/), or a folder by a file.
        for rel in set(self.files) - set(files):
            self._forget(rel)
            target = self._inside(rel)
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
            self._remove_empty_folders(target.parent)
            changed.append("/" + rel)
        for rel, content in files.items():
            old = self.files.get(rel)
            if old is content or (old == content and not isinstance(content, Path)):
                continue
            if not _copied(self._write, rel, content):
                gone.append(rel)  # not held: the watcher's event for it rebuilds
                if old is not None:  # nor served as it was
                    with contextlib.suppress(FileNotFoundError):
                        self._inside(rel).unlink()
                    changed.append("/" + rel)
                continue
            changed.append("/" + rel)
        self.files = {rel: content for rel, content in files.items() if rel not in gone}
        return sorted(changed)

    def add(self, rel: str, content: OutputContent) -> None:
        """Write one more file of the last good build (a page rendered when asked for)."""
        served = self._served_form(rel, content)
        self._write(rel, served)
        self.files[rel] = served

    def _write(self, rel: str, content: OutputContent) -> None:
        target = self._inside(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        write_file(temporary, content)
        os.replace(temporary, target)

    def _remove_empty_folders(self, folder: Path) -> None:
        """Remove FOLDER and the folders above it that are left empty, up to the preview folder."""
        top = self.output_dir.resolve()
        while folder != top and folder.is_relative_to(top):
            try:
                folder.rmdir()
            except OSError:  # not empty (or gone): the folders above are not empty either
                return
            folder = folder.parent

    def _inside(self, rel: str) -> Path:
        """The preview file of REL; never a path outside the preview folder."""
        target = (self.output_dir / rel).resolve()
        if not target.is_relative_to(self.output_dir.resolve()):
            raise ValueError(f"output path outside the preview folder: {rel}")
        return target

    def recopy(self, paths: set[Path]) -> None:
        """Files copied as they are (images, downloads) may change in place: copy them again."""
        for rel, content in self.files.items():
            if isinstance(content, Path) and content in paths and content.is_file():
                _copied(self._write, rel, content)


def _copied(write: Callable[[str, OutputContent], None], rel: str, content: OutputContent) -> bool:
    """WRITE the file REL; False when it is a copy of a file deleted meanwhile (a checkout or an
    editor at work while the preview starts): the watcher sees it gone and rebuilds."""
    try:
        write(rel, content)
    except FileNotFoundError:
        if isinstance(content, Path) and not content.exists():
            return False
        raise
    return True


def _free_replaced_sites() -> None:
    """Free the reference cycles of the sites a full build replaced: a site's pages are held out
    of the collector's walks (`out_of_collection`), and so was what they left behind. One walk of
    every object (0.4 s at 10,000 lessons), on a full build only, rather than a leak on each."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _complete_step(preview: Preview, seconds: float) -> None:
    """`Preview.complete_pages`, its lock held."""
    site = preview.site
    if site is not None and not site.load_more(seconds):
        return
    if site is not None and site.on_request:
        _say(f"all {plural(len(site.pages.facts), 'page')} loaded", preview.loading_all)
        preview.loading_all = False
        if (diagnostics := site.diagnostics()) != preview.printed:
            files = site.output_files(on_request=False)
            preview._publish(diagnostics, files, time.perf_counter())
    elif site is not None and not preview.last.errors:
        _keep_made_on_request(preview, site)
    preview.incomplete.clear()  # once their problems are out, not before


def _keep_made_on_request(preview: Preview, site: LiveSite) -> None:
    """Of a course served whole, once saves pause after a good build: keep its print page
    and search index as that build made them, which a build with errors then serves (the
    files are made when asked for, and that build could not make them)."""
    made = site.output_files(on_request=True)
    for rel, content in made.items():
        if not is_on_request(rel) or preview.good_made.holds(rel):
            continue
        try:
            text = "".join(content.pieces()) if isinstance(content, Streamed) else content
        except TemplateFailed:
            continue  # made, and its problem told, when asked for
        preview.good_made.keep(rel, text.encode() if isinstance(text, str) else text)


def _page_on_request(preview: Preview, url_path: str) -> bytes | None:
    """`Preview.page_on_request`."""
    if url_path.lstrip("/") in preview.folder.files:  # written already: no need to wait
        return None
    with preview.lock:
        site = None if preview.stopped else preview.site
        output = site.page_output(url_path) if site is not None and site.on_request else None
        if site is None or output is None or output in preview.folder.files:
            return None
        if preview.last.errors:  # the page would show sources that do not build
            return _waiting_page(preview.last.errors)
        made = site.page_on_request(output)
        assert made is not None and made.rendered.html is not None
        if any(d.severity == "error" for d in made.rendered.diagnostics):  # as a rebuild's
            files = site.output_files(on_request=False)
            report = preview._publish(site.diagnostics(), files, time.perf_counter())
            return _waiting_page(report.errors)
        for diagnostic in made.rendered.diagnostics:
            _say(diagnostic.format())
        preview.folder.add(output, made.rendered.html)
        return None


def _made_or_last_good(preview: Preview, rel: str) -> tuple[bytes, HTTPStatus] | None:
    """`Preview.made_on_request` for a file made on request."""
    with preview.lock:
        errors, good, version = preview.last.errors, preview.good_made.get(rel), preview.version
    if errors:
        if good is not None:
            return good, HTTPStatus.OK
        return _waiting_page(errors), HTTPStatus.SERVICE_UNAVAILABLE
    made = _made_when_loaded(preview, rel)
    with preview.lock:  # kept only if no rebuild came between
        if made is not None and made[1] == HTTPStatus.OK and preview.version == version:
            preview.good_made.keep(rel, made[0])
    return made


class _KeptFiles:
    """Files made on request since the last good build, by path, each in a temporary file of
    its own: a large course's print page is tens of megabytes, and the preview may run for days."""

    def __init__(self) -> None:
        self._files: dict[str, IO[bytes]] = {}

    def holds(self, rel: str) -> bool:
        """Whether a file is kept as REL."""
        return rel in self._files

    def get(self, rel: str) -> bytes | None:
        """The file kept as REL, if any."""
        kept = self._files.get(rel)
        if kept is None:
            return None
        kept.seek(0)
        return kept.read()

    def keep(self, rel: str, data: bytes) -> None:
        """Keep DATA as REL (not kept when the disk refuses it: made again when asked for)."""
        self._forget(rel)
        try:
            kept = tempfile.TemporaryFile()  # noqa: SIM115  (open until forgotten)
        except OSError:
            return
        try:
            kept.write(data)
        except OSError:
            kept.close()
            return
        self._files[rel] = kept

    def clear(self) -> None:
        """Forget every file kept."""
        for rel in list(self._files):
            self._forget(rel)

    def _forget(self, rel: str) -> None:
        kept = self._files.pop(rel, None)
        if kept is not None:
            kept.close()


def _made_when_loaded(preview: Preview, rel: str) -> tuple[bytes, HTTPStatus] | None:
    """`_when_loaded`, as bytes; when its template fails, its problem (also told the terminal)
    as a server error."""
    try:
        made = _when_loaded(preview, rel)
    except TemplateFailed as failed:
        _say(failed.diagnostic.format())
        return _failed_page(failed.diagnostic.format()), HTTPStatus.INTERNAL_SERVER_ERROR
    return None if made is None else (made.encode("utf-8"), HTTPStatus.OK)


def _when_loaded(preview: Preview, rel: str) -> str | None:
    """The file REL that reads every page (print page, search index), once every page is loaded:
    in steps that hold the preview's lock as briefly as the loading thread's, so that the pages
    and files asked for meanwhile are not kept waiting."""
    while True:
        with preview.lock:
            site = None if preview.stopped else preview.site
            if site is None:
                return None
            if site.load_more(COMPLETING_SECONDS):
                return site.on_request_file(rel)
        time.sleep(COMPLETING_SECONDS / 2)  # let a request or a rebuild take the lock


def _say(line: str, now: bool = True) -> None:
    """Tell the terminal LINE (if NOW)."""
    if now:
        print(line, file=sys.stderr, flush=True)


def _complete_pages(preview: Preview, collector: ChangeCollector) -> None:
    """The preview's loading thread: after a start that renders pages only when asked for, load
    what every page holds, a little at a time, so that its problems are reported. It waits while
    an edit is pending or being rebuilt: showing an edit comes first."""
    site = preview.site
    if site is not None:  # what the first edit asks of the files found: 40 ms at 10,000 lessons
        site.files.prepare()
    while not preview.stopped:
        if not preview.incomplete.wait(timeout=0.5) or preview.stopped:
            continue  # the stop is seen even if it came while a step cleared the event
        if collector.busy:
            time.sleep(QUIET_SECONDS)
            continue
        try:
            preview.complete_pages()
        except Exception as exc:  # a bug must not kill the preview; say so, and stop loading
            print(f"trustdocs: internal error while loading pages: {exc!r}", file=sys.stderr)
            return
        time.sleep(COMPLETING_SECONDS / 2)  # let a request or a rebuild take the lock


@functools.cache
def _preview_templates() -> jinja2.Environment:
    """The preview's own pages, from the default theme alone: the site's theme may be what is
    broken."""
    folder = default_theme_dir() / "preview"
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=True)


def _waiting_page(errors: Iterable[str]) -> bytes:
    """What the preview shows for a page it cannot build while the site has ERRORS: the errors,
    and the reload script, which reloads the page once they are fixed."""
    template = _preview_templates().get_template("waiting.html")
    return template.render(errors=list(errors), reload_script=Markup(RELOAD_SCRIPT)).encode()


def _failed_page(problem: str) -> bytes:
    """What the preview shows for a file whose template failed: the PROBLEM, and the reload
    script, which reloads the page after the next rebuild."""
    template = _preview_templates().get_template("failed.html")
    return template.render(problem=problem, reload_script=Markup(RELOAD_SCRIPT)).encode()


def _print_report(
    report: RebuildReport, diagnostics: list[Diagnostic], shown: list[Diagnostic]
) -> None:
    for diagnostic in shown:
        print(diagnostic.format(), file=sys.stderr)
    errors, warnings = count(diagnostics, "error"), count(diagnostics, "warning")
    pages = [url for url in report.changed if url.endswith(".html")]
    summary = f"rebuilt in {report.seconds * 1000:.0f} ms: {plural(len(pages), 'page')} changed"
    if report.version == 1:
        summary = f"built in {report.seconds * 1000:.0f} ms"
    if errors:
        kept = "still serving the last good build" if report.kept else "nothing built to serve yet"
        summary = f"not updated, {plural(errors, 'error')} ({kept})"
    if warnings:
        summary += f", {plural(warnings, 'warning')}"
    print(summary, file=sys.stderr, flush=True)


# --- watching ------------------------------------------------------------------------------------


class ChangeCollector(FileSystemEventHandler):
    """Collects changed paths; a worker rebuilds once a burst of events has gone quiet."""

    def __init__(self, on_batch: callable) -> None:  # type: ignore[valid-type]
        self.on_batch = on_batch
        self.pending: set[Path] = set()
        self.condition = threading.Condition()
        self.last_event = 0.0
        self.stopped = False
        self.rebuilding = False
        self.worker = threading.Thread(target=self._run, name="trustdocs-rebuild", daemon=True)
        self.worker.start()

    def on_any_event(self, event: FileSystemEvent) -> None:
        """Record the paths an event touched (both ends of a move)."""
        if event.event_type not in WRITE_EVENTS or (
            event.is_directory and event.event_type == "modified"
        ):
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        with self.condition:
            # Nothing is dropped by its name: an editor's temporary file is gone by the time
            # the batch is planned (an empty plan), and one that stays is a file a build copies.
            self.pending.update(Path(os.fsdecode(raw)).absolute() for raw in paths if raw)
            self.last_event = time.monotonic()
            self.condition.notify()

    def _run(self) -> None:
        while True:
            with self.condition:
                while not self.pending and not self.stopped:
                    self.condition.wait()
                if self.stopped:
                    return
                while (quiet := time.monotonic() - self.last_event) < QUIET_SECONDS:
                    self.condition.wait(QUIET_SECONDS - quiet)
                batch, self.pending = self.pending, set()
                self.rebuilding = True
            try:
                self.on_batch(batch)
            except Exception as exc:  # a bug must not kill the preview; say so and go on
                print(f"trustdocs: internal error during rebuild: {exc!r}", file=sys.stderr)
            finally:
                self.rebuilding = False

    @property
    def busy(self) -> bool:
        """Whether edits are waiting for their rebuild, or being rebuilt."""
        return bool(self.pending) or self.rebuilding

    def stop(self) -> None:
        """Let the worker finish."""
        with self.condition:
            self.stopped = True
            self.condition.notify()


def watch_roots(
    config: SiteConfig, files_read: Iterable[str] = (), linked: Iterable[Path] = ()
) -> list[tuple[Path, bool]]:
    """Folders to watch (and whether recursively): content, theme, the config file's folder, the
    folders of FILES_READ (by @sourceref and @diff, which may live anywhere in the site), and
    where the site's links lead (LINKED: folders, and the folders of files)."""
    roots: list[tuple[Path, bool]] = [(path.parent, False) for path in config.config_files]
    roots += [(real, True) if real.is_dir() else (real.parent, False) for real in linked]
    if config.layout == "site":
        roots.append((config.content_dir, True))
    else:
        # A bit-docs site keeps pages under the repository: watch the folders its globs start in.
        for pattern in config.page_glob:
            prefix = pattern.split("*")[0].rsplit("/", 1)[0]
            roots.append((config.root_dir / prefix if prefix else config.root_dir, True))
        for child in sorted(config.root_dir.iterdir()):
            if child.is_dir() and not child.name.startswith(".") and child.name != "node_modules":
                roots.append((child, True))
    if config.static_dir is not None:
        roots.append((config.static_dir, True))
    for theme in (config.root_dir / "themes", default_theme_dir()):
        roots.append((theme, True))
    recursive_roots = [str(folder.resolve()) for folder, recursive in roots if recursive]
    site, output = str(config.root_dir.resolve()), str(config.output_dir.resolve())
    apart: dict[str | None, list[str]] = {}  # by the top folder under the site's that holds them
    # Files read are real paths (links followed): compared as strings, not as thousands of Paths.
    for folder in sorted({os.path.dirname(path) for path in files_read}):
        if not any(within(folder, root) for root in recursive_roots):
            apart.setdefault(_top_folder(folder, site, output), []).append(folder)
    for top, folders in apart.items():
        if top is not None and len(folders) > WATCHED_APART:
            roots.append((Path(top), True))  # one watch of the whole folder, not one per exercise
        else:
            roots += [(Path(above), False) for f in folders for above in _watched_for(f, site)]
    unique: dict[Path, bool] = {}
    for folder, recursive in roots:
        real = folder.resolve()
        if folder.is_dir() and not within(str(real), output):
            unique[real] = unique.get(real, False) or recursive
    return sorted(unique.items())


def site_links(config: SiteConfig) -> dict[Path, Path]:
    """Where each link in the site's content, static and theme folders leads -> the link, named
    as discovery names it (through the links before it; the folders themselves may be links). A
    file there is one of the site's, yet the watch of the folder holding the link does not see it."""
    output, site = str(config.output_dir.resolve()), config.root_dir.resolve()
    links: dict[Path, Path] = {}
    walked: set[str] = set()

    def published(real: str) -> bool:
        # A link out of the site is refused, unless allowed, in a theme as elsewhere: not watched
        # (a link to / would have the preview walk the whole disk).
        return may_read(real, site, config.allow_outside_files)

    roots = [config.content_dir, config.static_dir, config.root_dir / THEMES_DIR]
    given = [str(root) for root in roots if root is not None]
    tops = [os.path.realpath(root) for root in given]  # a link above one: not walked
    # Each folder to walk: as discovery names it, where it really is, whether it may be walked
    # (the site's own folders are, wherever they are), and whether it is a link. A folder that is
    # not a link is where its parent really is, and published if its parent is (a repository's
    # own folder is hidden, never walked): only links are followed one by one.
    stack = [
        (root, real, True, _is_link(root, real)) for root, real in zip(given, tops, strict=True)
    ]
    while stack:
        folder, real, walk, linked = stack.pop()
        if real in walked or within(real, output) or not walk:
            continue
        walked.add(real)
        if linked:
            links[Path(real)] = Path(folder)
        inherited = published(real)
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            for entry in entries:
                if skipped_name(entry.name):
                    continue
                if not entry.is_symlink():
                    if entry.is_dir():
                        stack.append((entry.path, os.path.join(real, entry.name), inherited, False))
                    continue
                target = os.path.realpath(entry.path)
                if entry.is_dir():
                    # Only a link can lead above a folder walked: its target alone is looked at.
                    if not any(leads_above(target, top) for top in tops):
                        stack.append((entry.path, target, published(target), True))
                elif published(target):
                    links[Path(target)] = Path(entry.path)
    return links


def _is_link(folder: str, real: str) -> bool:
    """Whether FOLDER, which really is REAL, is itself a link (not only below one)."""
    return real != os.path.abspath(folder) and os.path.islink(folder)


def _watched_for(folder: str, site: str) -> list[str]:
    """The folders to watch for files read in FOLDER (a real path): it and those above it, up to
    the SITE's (a real path, watched already) when it is in it; else its parent, and up to the
    first that exists.
    A folder's own watch does not see it renamed, nor come again once deleted: its parent's does.
    The ones missing are left out by `watch_roots`, their nearest existing folder watched."""
    inside, chain = within(folder, site), [folder]
    while (parent := os.path.dirname(chain[-1])) != chain[-1]:
        if inside and (parent == site or not within(parent, site)):
            break
        if not inside and len(chain) > 1 and os.path.isdir(chain[-1]):
            break
        chain.append(parent)
    return chain


def _top_folder(folder: str, site: str, output: str) -> str | None:
    """The folder right under the SITE's (a real path) that holds FOLDER, if it may be watched
    whole (the OUTPUT, a real path, is not in it)."""
    if folder == site or not within(folder, site):
        return None
    name = folder[len(site.rstrip(os.sep)) + 1 :].split(os.sep, 1)[0]
    top = os.path.join(site, name)
    if name.startswith(".") or name == "node_modules":
        return None
    if within(output, top):
        return None  # a build writing there must not look like an edit
    return top


@dataclass
class RunningPreview:
    """A started preview: the server, the watcher and the folder they share."""

    preview: Preview
    server: PreviewServer
    observer: Observer
    collector: ChangeCollector
    thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The address to open."""
        host, port = self.server.server_address[:2]
        shown = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
        return f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"

    def stop(self) -> None:
        """Stop watching and serving, and delete the preview folder."""
        self.server.stopping = True
        self.preview.stopped = True
        self.preview.incomplete.set()  # wakes the loading thread, which sees the stop
        try:
            self.observer.stop()
            self.collector.stop()
            if self.thread is not None and self.thread.is_alive():
                self.server.shutdown()  # waits for serve_forever, so only while it runs
            self.server.server_close()
            self.observer.join(timeout=5)
        finally:
            # After a page being rendered on request is written: none is written after this.
            held = self.preview.lock.acquire(timeout=STOP_WAIT_SECONDS)
            try:
                shutil.rmtree(self.preview.output_dir.parent, ignore_errors=True)
            finally:
                if held:
                    self.preview.lock.release()
            # Its site was held out of the collector's walks (`out_of_collection`): given back,
            # a process that goes on (a program that previews, tests) frees it once unused.
            gc.unfreeze()


def start_preview(
    config: SiteConfig,
    host: str = SERVE_HOST,
    port: int = SERVE_PORT,
    parallel_minimum: int = PARALLEL_MINIMUM,
    workers: int | None = None,
    use_cache: bool = False,
    on_request_from: int | None = ON_REQUEST_MINIMUM,
) -> RunningPreview:
    """Build the site, start serving it in a background thread, and watch its sources.
    ON_REQUEST_FROM: from this many page files, pages are rendered when first asked for."""
    workdir = Path(tempfile.mkdtemp(prefix="trustdocs-serve-"))
    try:
        preview = Preview(config, workdir / "site", use_cache, on_request_from)
        return _start_preview_in(preview, host, port, parallel_minimum, workers or worker_count())
    except BaseException:
        # A start that fails (address, port, Ctrl-C during the first build) leaves no folder behind.
        shutil.rmtree(workdir, ignore_errors=True)
        raise


def _start_preview_in(
    preview: Preview, host: str, port: int, parallel_minimum: int, workers: int
) -> RunningPreview:
    # Forking is safe only here, before the server and the watcher start their threads.
    preview.full_build(workers=workers, minimum=parallel_minimum)
    if not preview.folder.files:
        preview.output_dir.mkdir(parents=True, exist_ok=True)

    handler = type("Handler", (PreviewHandler,), {"preview": preview})
    server = bind_server(host, port, handler)

    watched: dict[Path, ObservedWatch] = {}
    read_before: list[tuple[frozenset[str], SiteConfig]] = []
    links: dict[Path, Path] = {}  # see `site_links`

    def watch_new_roots(touched: set[Path], linked: bool = False) -> None:
        # A watched folder that was deleted or replaced (moved back, restored from git) must be
        # watched again: the kernel's watch went with the old folder.
        gone = touched & watched.keys()
        for folder in gone:
            with contextlib.suppress(KeyError, OSError):
                observer.unschedule(watched[folder])
            del watched[folder]
        # The same set while the pages read the same files: compared at once.
        read = preview.site.reads.files() if preview.site else frozenset()
        # Looking for roots stats every folder files are read from: only when something may have
        # changed them (a folder or a link came or went, the pages read other files, the
        # configuration, which names the content folder and the theme, was loaded again).
        now = (read, preview.config)
        if read_before == [now] and not (gone or linked or any(p.is_dir() for p in touched)):
            return
        read_before[:] = [now]
        links.clear()
        links.update(site_links(preview.config))
        # Folders such as the site's themes/ may appear while serving: watch them once they exist.
        for folder, recursive in watch_roots(preview.config, read, links):
            if folder not in watched:
                watched[folder] = observer.schedule(
                    collector, str(folder), recursive=recursive, event_filter=WRITE_EVENT_TYPES
                )

    def on_batch(paths: set[Path]) -> None:
        watch_new_roots({path.resolve() for path in paths}, any(p.is_symlink() for p in paths))
        preview.rebuild(as_discovered(paths, links), lambda: watch_new_roots(set()))

    collector = ChangeCollector(on_batch)
    observer = Observer()
    watch_new_roots(set())
    observer.start()
    thread = threading.Thread(target=server.serve_forever, name="trustdocs-http", daemon=True)
    thread.start()
    loading = threading.Thread(
        target=_complete_pages, args=(preview, collector), name="trustdocs-loading", daemon=True
    )
    loading.start()
    return RunningPreview(preview, server, observer, collector, thread)


_STOPPING = threading.Event()  # Ctrl-C or SIGTERM came, even where it could not stop anything


def _interrupt(signum: int, frame: object) -> None:
    # Raised where Python is: in a finalizer (an object's __del__), it is only printed as ignored
    # (launch.py keeps even that quiet); the wait for the server sees the event instead.
    _STOPPING.set()
    raise KeyboardInterrupt


def serve(
    config: SiteConfig,
    host: str = SERVE_HOST,
    port: int = SERVE_PORT,
    open_browser: bool = False,
    use_cache: bool = True,
) -> int:
    """`trustdocs serve`: run until Ctrl-C (or SIGTERM), then remove the preview folder."""
    try:
        check_port(port)
    except ListenError as exc:
        print(f"trustdocs: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    # Ctrl-C and SIGTERM are how a preview is stopped: handled here, not left for the command
    # to report as an interruption (launch.py).
    _STOPPING.clear()
    previous_sigterm = signal.signal(signal.SIGTERM, _interrupt)
    previous_sigint = signal.signal(signal.SIGINT, _interrupt)
    running: RunningPreview | None = None
    try:
        running = start_preview(config, host, port, use_cache=use_cache)
        actual_port = running.server.server_address[1]
        if port and actual_port != port:
            print(f"port {port} is in use; using {actual_port} instead", file=sys.stderr)
        print(
            f"serving {display_path(config.root_dir) or '.'} at {running.url} (Ctrl-C to stop)",
            file=sys.stderr,
            flush=True,
        )
        if running.server.is_public:
            where = "every network interface" if host.strip("[]") in ("", "0.0.0.0", "::") else host
            print(
                f"warning: listening on {where}: anyone on your network can read the preview",
                file=sys.stderr,
                flush=True,
            )
        if open_browser:
            webbrowser.open(running.url)
        while running.thread is not None and running.thread.is_alive():
            running.thread.join(timeout=0.5)
            if _STOPPING.is_set():
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
    except ListenError as exc:
        print(f"trustdocs: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        # A second Ctrl-C, or a SIGTERM, while stopping must not leave the preview folder behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            if running is not None:
                running.stop()
        finally:
            signal.signal(signal.SIGINT, previous_sigint)
            signal.signal(signal.SIGTERM, previous_sigterm)
    return 0
