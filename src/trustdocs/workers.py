"""A pool of forked workers that read, parse and render shares of the page files, returning typed results.

Parsed pages never cross a process boundary (pickling tokens costs more than parsing). Each worker
reads its share of page files and sends back their tags (for a build, without their bodies, which
only workers parse); the main process chooses the site's pages and sends every page's title; each
worker takes its pages' facts from the cache or parses them, and sends the facts back (each page's
source by name: the main process has it); the main process resolves the snapshot and sends it;
each worker renders the pages of its share that need it and sends back their outputs, BATCH pages
at a time, their print chapters and search records in its spool. A worker with more than ALL_HELD
pages keeps the tokens of HELD_PAGES of them from parse to render and parses the others again:
memory stays bounded however large the site.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import gc
import io
import os
import pickle
import signal
import sys
import tempfile
import traceback
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trustdocs.cache import BuildCache, keep_pack, make_pack, pack_made, pack_served
from trustdocs.config import SiteConfig
from trustdocs.diagnostics import Diagnostic
from trustdocs.files import ReadPage, SiteSources, read_page
from trustdocs.markdown import markdown_parser
from trustdocs.output_folder import FreshOutput
from trustdocs.pages import PageFacts, ParsedPages, reread_problems
from trustdocs.render import (
    TEMPLATE_FAILURES,
    PageOutputs,
    Theme,
    all_shown_known,
    cached_html,
    cached_parts,
    html_digest,
    keep_outputs,
    render_outputs,
    with_html,
    without_what_it_shows,
)
from trustdocs.search import SearchRecord
from trustdocs.snapshot import SiteSnapshot, everywhere_changed
from trustdocs.source import PageSource, without_body

if TYPE_CHECKING:  # loaded when workers are started: a build after an edit starts none
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

MAX_WORKERS = 4
PARALLEL_MINIMUM = 100  # below this many pages, starting workers costs more than it saves
POLL_SECONDS = 0.2
# A worker holds the tokens of its pages from parse to render (about 60 KB each) when it has at most
# ALL_HELD of them; with more, it holds HELD_PAGES and parses the others again to render them:
# memory stays bounded on large sites, and a smaller one parses each page once.
ALL_HELD = 1000
HELD_PAGES = 250
BATCH = 200  # pages whose outputs a worker sends at once
# Pages made in one process after a few edits: with more than SPOOLED_FROM of them (about 23 KB
# each), their print chapters and search records go to a spool rather than memory. Below it, the
# spool costs more time (0.1 s at 1,000 pages) than the memory it saves is worth.
SPOOLED_FROM = 2500
FEW_RENDERED = 20  # pages rendered in this process, which loads the lexers they need for them


def worker_count() -> int:
    """How many workers a full build uses: one per core, up to MAX_WORKERS."""
    return min(os.cpu_count() or 1, MAX_WORKERS)


def can_fork() -> bool:
    """Workers are forked: they start from the main process's memory, with nothing to pickle."""
    from multiprocessing import get_all_start_methods

    return "fork" in get_all_start_methods()


class WorkerFailed(Exception):
    """A build worker died or raised: the build cannot finish."""


Parsed = tuple[PageFacts, list[Diagnostic]]
Reads = dict[Path, ReadPage]
Made = tuple[list[PageOutputs], int, dict[str, str]]  # outputs, how many rendered, HTML digests


@dataclass(frozen=True)
class ParseOrder:
    """What one worker parses once the site's pages are chosen."""

    titles: dict[str, str]  # every page's title, by name: cross-links and the cache depend on them
    source_keys: dict[str, str]  # page -> the key of its file, for this worker's pages
    read_problems: dict[str, list[Diagnostic]]  # page -> what reading its file found
    paths: tuple[Path, ...]  # the files of this worker's share that make pages


@dataclass(frozen=True)
class RenderOrder:
    """What one worker makes once the snapshot is made: each page's outputs, from the cache when
    it holds them under the page's key (KEYS), else rendered."""

    snapshot: SiteSnapshot
    pages: frozenset[str]  # pages of the worker's share
    keys: dict[str, str]  # page -> the cache key of its outputs ("" : render it)


class Spool:
    """An unnamed temporary file where a worker puts its pages' print chapters and search records,
    made before it is forked. The main process reads them back when it writes the print page and
    the search index, after the workers have ended: nobody holds them all while pages are made. It
    vanishes with the last process that has it open, however the build ends."""

    def __init__(self, folder: Path | None = None) -> None:
        # In FOLDER (the output being made), unnamed: on the output's disk, where a temporary
        # folder in memory (tmpfs) would hold it all in memory again. It lives as long as the spool.
        self.file = tempfile.TemporaryFile(buffering=0, dir=folder)  # noqa: SIM115
        self.owner = os.getpid()  # the main process: where chapters are read back
        self._held: tuple[int, dict[str, Any]] | None = None  # see `record_at`
        _SPOOLS[id(self)] = self

    def spooled(self, chapter: dict[str, object]) -> Mapping[str, object]:
        """CHAPTER with its body in this spool; as it was when the spool cannot take it."""
        body = chapter.get("body_html")
        if not isinstance(body, str):
            return chapter
        data = body.encode("utf-8", "surrogatepass")
        try:
            offset = self._write(data)
        except OSError:  # a full temporary folder: the chapter stays in memory
            return chapter
        fields = {k: None if k == "body_html" else v for k, v in chapter.items()}  # in order
        return SpooledChapter(fields, self, offset, len(data))

    def spooled_record(self, record: SearchRecord) -> SearchRecord:
        """RECORD, read back from this spool when it is first used; as it was when the spool
        cannot take it."""
        data = pickle.dumps(record, pickle.HIGHEST_PROTOCOL)
        try:
            offset = self._write(data)
        except OSError:
            return record
        return SpooledRecord(self, offset, len(data), record["url"])  # type: ignore[return-value]

    def _write(self, data: bytes) -> int:
        offset = self.file.seek(0, os.SEEK_END)
        written = 0
        while written < len(data):
            written += self.file.write(memoryview(data)[written:]) or 0
        return offset

    def read(self, offset: int, size: int) -> bytes:
        """The SIZE bytes written at OFFSET."""
        return os.pread(self.file.fileno(), size, offset)

    def record_at(self, offset: int, size: int) -> dict[str, Any]:
        """The search record written at OFFSET (SIZE bytes): the last one read is held, so that
        reading one record's fields in turn reads it once, and no more than it stays in memory."""
        held = self._held
        if held is None or held[0] != offset:
            held = self._held = (offset, pickle.loads(self.read(offset, size)))
        return held[1]


_SPOOLS: weakref.WeakValueDictionary[int, Spool] = weakref.WeakValueDictionary()


def new_spool(into: FreshOutput | None, cache: BuildCache) -> Spool | None:
    """A spool for a worker's print chapters and search records, in the output being made INTO,
    else (a check) in the CACHE's folder when there is one, else in the system's temporary folder;
    None when no temporary file can be made (they are sent back whole)."""
    folder = into.folder if into is not None else cache.folder if cache.enabled else None
    try:
        return Spool(folder if folder is None or folder.is_dir() else None)
    except OSError:
        return None


class SpooledChapter(Mapping[str, object]):
    """A print chapter whose body is read from its spool each time it is asked for."""

    def __init__(self, fields: dict[str, object], spool: Spool, offset: int, size: int) -> None:
        self.fields, self.spool, self.offset, self.size = fields, spool, offset, size

    def __getitem__(self, key: str) -> object:
        if key == "body_html":
            return self.spool.read(self.offset, self.size).decode("utf-8", "surrogatepass")
        return self.fields[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields)  # body_html among them, where the chapter had it

    def __len__(self) -> int:
        return len(self.fields)

    def __reduce__(self) -> tuple[Any, ...]:
        if os.getpid() == self.spool.owner:  # kept elsewhere (the cache): whole
            return dict, (dict(self),)
        # Sent from a worker to the main process, where the spool of the same id is.
        return _spooled_chapter, (self.fields, id(self.spool), self.offset, self.size)


def _spooled_chapter(fields: dict[str, object], spool: int, offset: int, size: int) -> object:
    return SpooledChapter(fields, _SPOOLS[spool], offset, size)


class SpooledRecord(Mapping[str, Any]):
    """A search record read back from its spool each time it is used, never held: a large site's
    records would fill memory when its search index is made. Its page's address is held (pages
    are sorted by it); the spool holds the last record read (`Spool.record_at`)."""

    def __init__(self, spool: Spool, offset: int, size: int, url: str) -> None:
        self.spool, self.offset, self.size, self.url = spool, offset, size, url

    def _loaded(self) -> dict[str, Any]:
        return self.spool.record_at(self.offset, self.size)

    def __getitem__(self, key: str) -> Any:
        return self.url if key == "url" else self._loaded()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())

    def __bool__(self) -> bool:
        return True  # without reading it: a record is never empty

    def __reduce__(self) -> tuple[Any, ...]:
        if os.getpid() == self.spool.owner:  # kept elsewhere (the cache): whole
            return dict, (self._loaded(),)
        return _spooled_record, (id(self.spool), self.offset, self.size, self.url)


def _spooled_record(spool: int, offset: int, size: int, url: str) -> object:
    return SpooledRecord(_SPOOLS[spool], offset, size, url)


def parse_orders(
    shares: list[list[Path]], read: SiteSources, chosen: list[PageSource], titles: dict[str, str]
) -> tuple[list[ParseOrder], list[set[str]]]:
    """What each worker parses (the files of its SHARE that make the CHOSEN pages); the names of
    the pages each worker owns."""
    names_of = {id(source): source.name for source in chosen}
    orders, owned = [], []
    for share in shares:
        made = [p for p in share if id(read.sources.get(p)) in names_of]
        mine = {names_of[id(read.sources.get(p))]: p for p in made}
        keys = {name: read.keys[p] for name, p in mine.items()}
        problems = {name: read.problems[p] for name, p in mine.items()}
        orders.append(ParseOrder(titles, keys, problems, tuple(made)))
        owned.append(set(mine))
    return orders, owned


Plan = tuple[Callable[[list[Reads]], list[ParseOrder]], Callable[[list[bytes]], list[RenderOrder]]]


class _FactsPickler(pickle.Pickler):
    """Pickles pages' facts with each page's source as its name only."""

    def persistent_id(self, obj: Any) -> str | None:
        return obj.name if type(obj) is PageSource else None


class _FactsUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, sources: dict[str, PageSource]) -> None:
        super().__init__(io.BytesIO(data))
        self.sources = sources

    def persistent_load(self, pid: Any) -> PageSource:
        return self.sources[pid]


def facts_message(parsed: list[Parsed]) -> bytes:
    """What a worker sends of its pages' facts: each source by name, as the main process chose it
    from the same reads (a page's facts are only made or reused from the source it was sent)."""
    data = io.BytesIO()
    _FactsPickler(data, pickle.HIGHEST_PROTOCOL).dump(parsed)
    return data.getvalue()


def facts_received(messages: list[bytes], sources: dict[str, PageSource]) -> list[Parsed]:
    """The facts of each `facts_message`, each holding its source of SOURCES (the chosen ones)."""
    with _unpickling():
        return [parsed for m in messages for parsed in _FactsUnpickler(m, sources).load()]


@contextlib.contextmanager
def _unpickling() -> Iterator[None]:
    """Without garbage collection: unpickling thousands of pages' facts or outputs would trigger
    collection after collection."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@contextlib.contextmanager
def out_of_collection() -> Iterator[None]:
    """Run with the cycle collector off, then take what was made out of its sight.

    A worker holds its pages' tokens from parse to render, and a build after a few edits every
    page's facts from the cache: hundreds of thousands of objects (millions at 10,000 lessons)
    that every full collection would walk again, and parsing or reading entries makes no reference
    cycles to collect. Objects frozen this way are still freed when no longer used (`gc.unfreeze`
    gives them back to the collector); rendering, whose templates make short-lived cycles, runs
    with the collector on.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()  # before the collector is on again: its next run would walk them all
        if collecting:
            gc.enable()


def build_in_workers(
    config: SiteConfig,
    shares: list[list[Path]],
    site: tuple[Theme, BuildCache, str],
    plan: Plan,
    into: FreshOutput | None = None,
    hints: dict[Path, str] | None = None,
    bodies: bool = True,
    renders: bool = True,
) -> Made:
    """Read, parse and render the page files SHARES in one forked worker each; every page's
    outputs and how many were rendered (the others came from the cache).

    SITE: the theme, the cache and the site's cache key. PLAN: what the main process makes of all
    the reads (what each worker parses) and of all the facts (what each renders; no orders: the
    workers stop there). With INTO, the workers write the pages there and send back their
    outputs without the page HTML. HINTS: see `read_page`. BODIES: whether the pages' sources
    sent back hold their bodies (the main process parses none of them unless it previews).
    Unless RENDERS, no render order follows (pages are rendered when asked for).
    """
    plan_parse, plan_render = plan
    markdown_parser()  # once, before forking, rather than in every worker
    _compile_page_template(site[0])
    spools = [new_spool(into, site[1]) for _ in shares]  # held: the outputs read from them later
    jobs = [
        (config, share, site, into, hints or {}, bodies, spool)
        for share, spool in zip(shares, spools, strict=True)
    ]
    workers = _fork(_work, jobs)
    try:
        reads = [_receive(connection, process) for connection, process in workers]
        for (connection, _), parse_order in zip(workers, plan_parse(reads), strict=True):
            connection.send(parse_order)
        parsed = [_receive(connection, process) for connection, process in workers]
        if not renders:  # their work is done: they end, and give their memory back, meanwhile
            _tell_to_end(workers)
        render_orders = plan_render(parsed)
        assert renders or not render_orders  # told to end, they could not render
        if not render_orders:  # nothing to render now: the workers end, if not told yet
            if renders:
                _tell_to_end(workers)
            return [], 0, {}
        for (connection, _), render_order in zip(workers, render_orders, strict=True):
            connection.send(render_order)
        return _collect_made(workers, site[1])
    finally:
        _end(workers)


def make_site_pages(
    order: RenderOrder,
    pages: ParsedPages,
    site: tuple[Theme, BuildCache],
    into: FreshOutput,
    workers: int,
    minimum: int,
    previewed: bool = True,
    everywhere: Mapping[str, str] | None = None,
) -> tuple[Made, int]:
    """`make_pages` for the pages loaded here (ORDER): in this process, or shared among WORKERS
    forked workers when at least MINIMUM of them have no outputs in the cache, or every page's
    sidebar changed (EVERYWHERE: what every sidebar showed when their outputs were made, the
    course's title and chapters, `titles_everywhere`); with the number of workers used. Made
    here, the print chapters and search records of more than SPOOLED_FROM pages go to a spool,
    as workers' do: nobody holds them all. PREVIEWED: see `make_pages`."""
    retitled = everywhere is not None and everywhere_changed(order.snapshot, everywhere)
    stale = (
        sorted(order.pages)
        if retitled
        else [name for name in sorted(order.pages) if not site[1].has("page", order.keys[name])]
    )
    if len(stale) < minimum or workers <= 1 or not can_fork():
        spool = new_spool(into, site[1]) if len(order.pages) > SPOOLED_FROM else None
        few = len(stale) <= FEW_RENDERED
        # Every other page's outputs are read from the cache: no cycles, as for loading facts;
        # the few renders' template cycles wait for the end of the build (`build_site`).
        with out_of_collection() if few else contextlib.nullcontext():
            return make_pages(order, pages, site, into, spool, previewed, few), 0
    kept = sorted(order.pages - set(stale))
    shares = [stale[i::workers] + kept[i::workers] for i in range(workers)]
    orders = [dataclasses.replace(order, pages=frozenset(share)) for share in shares]
    return _make_pages_in_workers(orders, pages, site, into, previewed), workers


def _make_pages_in_workers(
    orders: list[RenderOrder],
    pages: ParsedPages,
    site: tuple[Theme, BuildCache],
    into: FreshOutput | None,
    previewed: bool,
) -> Made:
    """`make_pages` for each of ORDERS in a forked worker of its own."""
    # The entries the pack gave this process (the pages' facts) stay listed, in its chunks, in
    # the pack the workers make of what they read and write: the next build reads it whole.
    served = pack_served(site[1])
    site[1].close_pack(left=True)  # workers write what it would hold as it was: made anew
    _compile_page_template(site[0])
    spools = [new_spool(into, site[1]) for _ in orders]  # held: the outputs read from them later
    jobs = [
        (order, pages, site, into, spool, previewed)
        for order, spool in zip(orders, spools, strict=True)
    ]
    workers = _fork(_make_pages_work, jobs)
    try:
        return _collect_made(workers, site[1], served)
    finally:
        _end(workers)


Worker = tuple["Connection", "BaseProcess"]


class Aside:
    """A task started in a forked worker, run while this process goes on: its result is taken
    with `result`; leaving the `with` block without it stops the worker at once."""

    def __init__(self, task: Callable[[], Any]) -> None:
        self._workers = _fork(_aside_work, [(task,)])
        self._done = False

    def result(self) -> Any:
        """What the task returned (picklable); its OSError or Ctrl-C raised here, as the
        workers' are; `WorkerFailed` when it failed otherwise."""
        connection, process = self._workers[0]
        found = _receive(connection, process)  # Ctrl-C while waiting: stopped at once on exit
        self._done = True
        return found

    def __enter__(self) -> Aside:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self._done:  # given up (an error here, Ctrl-C): it writes nothing more
            for _, process in self._workers:
                process.kill()
        _end(self._workers)


def _aside_work(connection: Connection, task: Callable[[], Any]) -> None:
    with _reporting(connection):
        connection.send(("ok", task()))


def _compile_page_template(theme: Theme) -> None:
    """Compile the page template once, before forking, rather than in every worker."""
    with contextlib.suppress(*TEMPLATE_FAILURES):  # a broken one is each page's problem
        theme.environment.get_template("page.html")


def _fork(target: Callable[..., None], jobs: list[tuple[Any, ...]]) -> list[Worker]:
    """Fork one worker per job: TARGET(its end of a pipe to the main process, *job)."""
    from multiprocessing import get_context

    context = get_context("fork")
    workers: list[Worker] = []
    gc.freeze()  # keep inherited objects out of the workers' collections: no copy-on-write storms
    try:
        for job in jobs:
            here, there = context.Pipe()
            process = context.Process(
                target=_in_worker, args=(target, os.getpid(), there, *job), daemon=True
            )
            process.start()
            there.close()
            workers.append((here, process))
    finally:
        gc.unfreeze()
    return workers


def _tell_to_end(workers: list[Worker]) -> None:
    """Send each worker, waiting for an order, the order to end."""
    for connection, _ in workers:
        connection.send(None)


def _in_worker(target: Callable[..., None], parent: int, *args: Any) -> None:
    """Run TARGET(*ARGS) in a forked worker, with the cycle collector on whatever the main
    process's was when it forked (a preview loads with it off): the worker says when it is off.
    It ends with the main process (PARENT), however that ends."""
    _ended_with_parent(parent)
    gc.enable()
    target(*args)


_PR_SET_PDEATHSIG = 1  # Linux's prctl option: a signal for this process when its parent ends


def _ended_with_parent(parent: int) -> None:
    """Have the system kill this worker when the process that forked it (PARENT) ends: a main
    process killed (SIGTERM) while a worker runs a theme template that never ends would leave
    that worker running, orphaned, holding the unfinished output's lock. Linux only; elsewhere
    a worker ends when it next hears from the main process."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it ended before the request was made
        os._exit(1)


def _collect_made(
    workers: list[Worker], cache: BuildCache, served: tuple[object, ...] = ()
) -> Made:
    """Every worker's pages (`_make_and_send`), joined, taken as each worker sends them; the
    pack they made of the entries they used, kept in CACHE once every one has sent its part,
    with the chunks of an earlier pack that gave the main process entries (SERVED)."""
    outputs: list[PageOutputs] = []
    rendered, digests = 0, {}
    packed: list[tuple[object, ...]] = []
    sending = list(workers)
    while sending:
        for worker in [w for w in sending if w[0].poll(POLL_SECONDS / len(sending))]:
            status, (made, count, written, listing) = _message(*worker, ("more", "ok"))
            outputs += made
            rendered += count
            digests.update(written)
            if status == "ok":
                sending.remove(worker)
                packed.append(listing)
        for connection, process in sending:
            if not process.is_alive() and not connection.poll(0):
                raise _stopped(process)
    if all(packed):  # a worker that made none (it read a pack, say): none is kept
        keep_pack(cache, [served, *packed])
    return outputs, rendered, digests


def _end(workers: list[Worker]) -> None:
    """Close every pipe (a worker still waiting for an order ends on EOF) and reap the workers."""
    for connection, process in workers:
        connection.close()
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join()


def _make_pages_work(
    connection: Connection,
    order: RenderOrder,
    pages: ParsedPages,
    site: tuple[Theme, BuildCache],
    into: FreshOutput | None,
    spool: Spool | None,
    previewed: bool,
) -> None:
    """In a worker: make the pages of ORDER, and send them back."""
    with _reporting(connection):
        make_pack(site[1])  # of what it reads and writes: the next build reads its pages there
        _make_and_send(connection, order, pages, (site, into, spool), previewed)


def _make_and_send(
    connection: Connection,
    order: RenderOrder,
    pages: ParsedPages,
    where: tuple[tuple[Theme, BuildCache], FreshOutput | None, Spool | None],
    previewed: bool = True,
) -> None:
    """In a worker: make the pages of ORDER and send their outputs BATCH pages at a time, so
    that neither the worker nor a message ever holds them all; then the end. Unless the site is
    PREVIEWED, without what each page showed of others (only the preview's edits need it)."""
    names = sorted(order.pages)
    for start in range(0, len(names), BATCH):
        batch = dataclasses.replace(order, pages=frozenset(names[start : start + BATCH]))
        outputs, rendered, digests = make_pages(batch, pages, *where, previewed)
        connection.send(("more", (outputs, rendered, digests, ())))
    connection.send(("ok", ([], 0, {}, pack_made(where[0][1]))))


@contextlib.contextmanager
def _reporting(connection: Connection) -> Iterator[None]:
    """In a worker: send back what failed (a problem of the output folder, or a bug), and close
    the pipe either way."""
    try:
        yield
    except OSError as exc:
        with contextlib.suppress(OSError):
            connection.send(("oserror", (exc.errno, exc.strerror, exc.filename)))
    except KeyboardInterrupt:  # Ctrl-C, which reached this worker (alone, or with the others)
        with contextlib.suppress(OSError):
            connection.send(("interrupted", None))
    except BaseException:
        with contextlib.suppress(OSError):
            connection.send(("error", traceback.format_exc()))
    finally:
        connection.close()


def _receive(connection: Connection, process: BaseProcess) -> Any:
    """The next message of a worker; a dead or failed worker is an error, never a hang."""
    return _message(connection, process)[1]


def _message(
    connection: Connection, process: BaseProcess, accepted: tuple[str, ...] = ("ok",)
) -> tuple[str, Any]:
    """The next message of a worker, of one of the ACCEPTED kinds: (kind, payload)."""
    while not connection.poll(POLL_SECONDS):
        if not process.is_alive() and not connection.poll(0):
            raise _stopped(process)
    try:
        with _unpickling():
            status, payload = connection.recv()
    except (EOFError, OSError):
        raise _stopped(process) from None
    if status == "oserror":  # writing the output failed: a problem of the output folder, not a bug
        raise OSError(*payload)
    if status == "interrupted":  # the build is interrupted, as if Ctrl-C had reached it here
        raise KeyboardInterrupt
    if status not in accepted:
        raise WorkerFailed(f"a build worker failed:\n{payload}")
    return status, payload


def _stopped(process: BaseProcess) -> WorkerFailed:
    """The error for a worker that ended without its answer: how it ended, once it has."""
    process.join(timeout=5)
    code = process.exitcode
    if code is None or code >= 0:
        return WorkerFailed(f"a build worker stopped unexpectedly (exit code {code})")
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    hint = " (the system may have run out of memory)" if -code == signal.SIGKILL else ""
    return WorkerFailed(f"a build worker was killed by {name}{hint}")


def _work(
    connection: Connection,
    config: SiteConfig,
    share: list[Path],
    site: tuple[Theme, BuildCache, str],
    into: FreshOutput | None,
    hints: dict[Path, str],
    bodies: bool,
    spool: Spool | None,
) -> None:
    """In a worker: read the share, parse the chosen pages of it, render what the order says."""
    theme, cache, site_key = site
    with _reporting(connection):
        make_pack(cache)  # of what it reads and writes: the next build reads its pages there
        pages = ParsedPages(config, cache=cache, site_key=site_key)
        known = pages.known_source
        with out_of_collection():  # every page's tags, or its cached facts: no cycles
            reads = {p: read_page(config, p, cache, known, hints.get(p, "")) for p in share}
        connection.send(("ok", reads if bodies else {p: _bodiless(r) for p, r in reads.items()}))
        parse_order: ParseOrder | None = _next_order(connection)
        if parse_order is None:
            return
        pages.choose_titles(parse_order.titles, parse_order.source_keys, parse_order.read_problems)
        names: list[str] = []
        held = len(parse_order.paths) if len(parse_order.paths) <= ALL_HELD else HELD_PAGES
        folders: dict[str, str] = {}  # see `ParsedPages.reuse`
        with out_of_collection():
            for path in parse_order.paths:
                source = reads[path].source
                assert source is not None  # the main process chose it
                if not pages.reuse(source, folders):
                    pages.parse(source)
                    if len(names) >= held:
                        pages.release(source.name)  # parsed again to render it
                names.append(source.name)
        parsed = [(pages.facts[n], pages.problems[n]) for n in names]
        connection.send(("ok", facts_message(parsed)))
        render_order: RenderOrder | None = _next_order(connection)
        if render_order is None:
            return
        _make_and_send(connection, render_order, pages, ((theme, cache), into, spool), bodies)


def make_pages(
    order: RenderOrder,
    pages: ParsedPages,
    site: tuple[Theme, BuildCache],
    into: FreshOutput | None,
    spool: Spool | None = None,
    previewed: bool = True,
    few: bool = False,
) -> Made:
    """Each page's outputs, from the cache or rendered; with INTO, written there, without HTML;
    with SPOOL, their print chapters and search records there. Unless the site is PREVIEWED,
    without what each page showed of others (only the preview's edits need it). FEW: few pages
    are rendered, here: each keeps its code (see `render.KEPT_CODE_FROM`)."""
    theme, cache = site
    outputs: list[PageOutputs] = []
    rendered, digests = 0, {}
    if cache.enabled and order.keys:
        all_shown_known(order.snapshot)

    def keep(made: PageOutputs) -> None:
        made = made if previewed else without_what_it_shows(made)
        outputs.append(made if spool is None else _spooled(made, spool))

    for name in sorted(order.pages):
        key = order.keys.get(name, "")
        # Written into a folder, a page is often the previous site's very file: linked, its
        # HTML is never read.
        output = order.snapshot.pages[name].output
        whole = into is None or not into.may_link(output)
        parts = cached_parts(cache, key, order.snapshot, previewed, whole) if key else None
        made = None
        if parts is not None:
            made, digest = parts
            digests[made.rendered.output] = digest
            if into is not None and into.link_previous(made.rendered.output, digest):
                keep(made)  # the previous site's very file: not written again
                continue
            html = made.rendered.html if whole else cached_html(cache, key, digest)
            made = None if html is None else with_html(made, html)
        if made is None:
            page = pages.full(name)
            made = render_outputs(page, order.snapshot, theme, cache, few)
            pages.release(name)  # its outputs are made: its tokens are not needed any more
            reread = reread_problems(pages, page)
            if reread:  # not what its key says it was made from: said, and not kept
                problems = made.rendered.diagnostics + tuple(reread)
                page_html = dataclasses.replace(made.rendered, diagnostics=problems)
                made = dataclasses.replace(made, rendered=page_html)
            elif key:
                keep_outputs(cache, key, made, order.snapshot)
            rendered += 1
            assert made.rendered.html is not None
            digests[made.rendered.output] = html_digest(made.rendered.html)
        keep(made if into is None else _written(made, into, digests[made.rendered.output]))
    return outputs, rendered, digests


def _spooled(made: PageOutputs, spool: Spool) -> PageOutputs:
    if made.chapter is None or made.search_record is None:  # a hidden page: neither
        return made
    chapter, record = spool.spooled(made.chapter), spool.spooled_record(made.search_record)
    return dataclasses.replace(made, chapter=chapter, search_record=record)


def _written(made: PageOutputs, into: FreshOutput, digest: str) -> PageOutputs:
    """Write a page (its HTML of DIGEST) into the output being made; its outputs without the
    HTML, which is there now."""
    assert made.rendered.html is not None
    into.write(made.rendered.output, made.rendered.html, digest)
    return with_html(made, None)


def _bodiless(read: ReadPage) -> ReadPage:
    """READ without its page's body: what the main process needs of a page it never parses."""
    if read.source is None:
        return read
    return dataclasses.replace(read, source=without_body(read.source))


def _next_order(connection: Connection) -> Any:
    """The main process's next order; None when it gave up on this build. An order (a snapshot
    of the whole site, every page's title) lives as long as the worker: unpickled with the cycle
    collector off and frozen (`out_of_collection`), not walked by each collection after."""
    try:
        with out_of_collection():
            return connection.recv()
    except EOFError:
        return None
