"""A pool of forked workers that read, parse and render shares of the page files, returning typed results.

Parsed pages never cross a process boundary (pickling tokens costs more than parsing). Each worker
reads its share of page files and sends back their tags; the main process chooses the site's pages
and sends every page's title; each worker takes its pages' facts from the cache or parses them, and
sends the facts back; the main process resolves the snapshot and sends it; each worker renders the
pages of its share that need it and sends back their outputs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import signal
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from trustdocs.cache import BuildCache
from trustdocs.config import SiteConfig
from trustdocs.diagnostics import Diagnostic
from trustdocs.files import ReadPage, SiteSources, read_page
from trustdocs.markdown import markdown_parser
from trustdocs.outputs import FreshOutput
from trustdocs.pages import PageFacts, ParsedPages
from trustdocs.render import (
    TEMPLATE_FAILURES,
    PageOutputs,
    Theme,
    cached_html,
    cached_parts,
    html_digest,
    keep_outputs,
    render_outputs,
    with_html,
)
from trustdocs.snapshot import SiteSnapshot
from trustdocs.source import PageSource

MAX_WORKERS = 4
PARALLEL_MINIMUM = 100  # below this many pages, starting workers costs more than it saves
POLL_SECONDS = 0.2


def worker_count() -> int:
    """How many workers a full build uses: one per core, up to MAX_WORKERS."""
    return min(os.cpu_count() or 1, MAX_WORKERS)


def can_fork() -> bool:
    """Workers are forked: they start from the main process's memory, with nothing to pickle."""
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


Plan = tuple[Callable[[list[Reads]], list[ParseOrder]], Callable[[list[Parsed]], list[RenderOrder]]]


def build_in_workers(
    config: SiteConfig,
    shares: list[list[Path]],
    site: tuple[Theme, BuildCache, str],
    plan: Plan,
    into: FreshOutput | None = None,
    hints: dict[Path, str] | None = None,
) -> Made:
    """Read, parse and render the page files SHARES in one forked worker each; every page's
    outputs and how many were rendered (the others came from the cache).

    SITE: the theme, the cache and the site's cache key. PLAN: what the main process makes of all
    the reads (what each worker parses) and of all the facts (what each renders; no orders: the
    workers stop there). With INTO, the workers write the pages there and send back their
    outputs without the page HTML. HINTS: see `read_page`.
    """
    plan_parse, plan_render = plan
    markdown_parser()  # once, before forking, rather than in every worker
    _compile_page_template(site[0])
    workers = _fork(_work, [(config, share, site, into, hints or {}) for share in shares])
    try:
        reads = [_receive(connection, process) for connection, process in workers]
        for (connection, _), parse_order in zip(workers, plan_parse(reads), strict=True):
            connection.send(parse_order)
        parsed: list[Parsed] = []
        for connection, process in workers:
            parsed += _receive(connection, process)
        render_orders = plan_render(parsed)
        if not render_orders:  # nothing to render now: tell the workers to end
            for connection, _ in workers:
                connection.send(None)
            return [], 0, {}
        for (connection, _), render_order in zip(workers, render_orders, strict=True):
            connection.send(render_order)
        return _collect_made(workers)
    finally:
        _end(workers)


def make_site_pages(
    order: RenderOrder,
    pages: ParsedPages,
    site: tuple[Theme, BuildCache],
    into: FreshOutput,
    workers: int,
    minimum: int,
) -> tuple[Made, int]:
    """`make_pages` for the pages loaded here (ORDER): in this process, or shared among WORKERS
    forked workers when at least MINIMUM of them have no outputs in the cache (a title that every
    sidebar shows was edited); with the number of workers used."""
    stale = [name for name in sorted(order.pages) if not site[1].has("page", order.keys[name])]
    if workers <= 1 or not can_fork() or len(stale) < minimum:
        return make_pages(order, pages, site, into), 0
    kept = sorted(order.pages - set(stale))
    shares = [stale[i::workers] + kept[i::workers] for i in range(workers)]
    orders = [dataclasses.replace(order, pages=frozenset(share)) for share in shares]
    return _make_pages_in_workers(orders, pages, site, into), workers


def _make_pages_in_workers(
    orders: list[RenderOrder],
    pages: ParsedPages,
    site: tuple[Theme, BuildCache],
    into: FreshOutput | None,
) -> Made:
    """`make_pages` for each of ORDERS in a forked worker of its own."""
    _compile_page_template(site[0])
    workers = _fork(_make_pages_work, [(order, pages, site, into) for order in orders])
    try:
        return _collect_made(workers)
    finally:
        _end(workers)


Worker = tuple[Connection, BaseProcess]


def _compile_page_template(theme: Theme) -> None:
    """Compile the page template once, before forking, rather than in every worker."""
    with contextlib.suppress(*TEMPLATE_FAILURES):  # a broken one is each page's problem
        theme.environment.get_template("page.html")


def _fork(target: Callable[..., None], jobs: list[tuple[Any, ...]]) -> list[Worker]:
    """Fork one worker per job: TARGET(its end of a pipe to the main process, *job)."""
    context = get_context("fork")
    workers: list[Worker] = []
    gc.freeze()  # keep inherited objects out of the workers' collections: no copy-on-write storms
    try:
        for job in jobs:
            here, there = context.Pipe()
            process = context.Process(target=target, args=(there, *job), daemon=True)
            process.start()
            there.close()
            workers.append((here, process))
    finally:
        gc.unfreeze()
    return workers


def _collect_made(workers: list[Worker]) -> Made:
    """Every worker's pages (`make_pages`), joined."""
    outputs: list[PageOutputs] = []
    rendered, digests = 0, {}
    for connection, process in workers:
        made, count, written = _receive(connection, process)
        outputs += made
        rendered += count
        digests.update(written)
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
) -> None:
    """In a worker: make the pages of ORDER, and send them back."""
    with _reporting(connection):
        connection.send(("ok", make_pages(order, pages, site, into)))


@contextlib.contextmanager
def _reporting(connection: Connection) -> Iterator[None]:
    """In a worker: send back what failed (a problem of the output folder, or a bug), and close
    the pipe either way."""
    try:
        yield
    except OSError as exc:
        with contextlib.suppress(OSError):
            connection.send(("oserror", (exc.errno, exc.strerror, exc.filename)))
    except BaseException:
        with contextlib.suppress(OSError):
            connection.send(("error", traceback.format_exc()))
    finally:
        connection.close()


def _receive(connection: Connection, process: BaseProcess) -> Any:
    """The next message of a worker; a dead or failed worker is an error, never a hang."""
    while not connection.poll(POLL_SECONDS):
        if not process.is_alive() and not connection.poll(0):
            raise _stopped(process)
    collecting = gc.isenabled()
    gc.disable()  # unpickling thousands of pages' facts would trigger collection after collection
    try:
        status, payload = connection.recv()
    except (EOFError, OSError):
        raise _stopped(process) from None
    finally:
        if collecting:
            gc.enable()
    if status == "oserror":  # writing the output failed: a problem of the output folder, not a bug
        raise OSError(*payload)
    if status != "ok":
        raise WorkerFailed(f"a build worker failed:\n{payload}")
    return payload


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
) -> None:
    """In a worker: read the share, parse the chosen pages of it, render what the order says."""
    theme, cache, site_key = site
    with _reporting(connection):
        pages = ParsedPages(config, cache=cache, site_key=site_key)
        known = pages.known_source
        reads = {p: read_page(config, p, cache, known, hints.get(p, "")) for p in share}
        connection.send(("ok", reads))
        parse_order: ParseOrder | None = _next_order(connection)
        if parse_order is None:
            return
        pages.choose_titles(parse_order.titles, parse_order.source_keys, parse_order.read_problems)
        names = []
        for path in parse_order.paths:
            source = reads[path].source
            assert source is not None  # the main process chose it
            if not pages.reuse(source):
                pages.parse(source)
            names.append(source.name)
        connection.send(("ok", [(pages.facts[n], pages.problems[n]) for n in names]))
        render_order: RenderOrder | None = _next_order(connection)
        if render_order is None:
            return
        made = make_pages(render_order, pages, (theme, cache), into)
        connection.send(("ok", made))


def make_pages(
    order: RenderOrder,
    pages: ParsedPages,
    site: tuple[Theme, BuildCache],
    into: FreshOutput | None,
) -> Made:
    """Each page's outputs, from the cache or rendered; with INTO, written there, without HTML."""
    theme, cache = site
    outputs, rendered, digests = [], 0, {}
    for name in sorted(order.pages):
        key = order.keys.get(name, "")
        parts = cached_parts(cache, key, order.snapshot) if key else None
        made = None
        if parts is not None:
            made, digest = parts
            digests[made.rendered.output] = digest
            if into is not None and into.link_previous(made.rendered.output, digest):
                outputs.append(made)  # the previous site's very file: not even read
                continue
            html = cached_html(cache, digest)  # checked against its digest
            made = with_html(made, html) if html is not None else None
        if made is None:
            made = render_outputs(pages.full(name), order.snapshot, theme)
            if key:
                keep_outputs(cache, key, made, order.snapshot)
            rendered += 1
            assert made.rendered.html is not None
            digests[made.rendered.output] = html_digest(made.rendered.html)
        outputs.append(made if into is None else _written(made, into))
    return outputs, rendered, digests


def _written(made: PageOutputs, into: FreshOutput) -> PageOutputs:
    """Write a page into the output being made; its outputs without the HTML, which is there now."""
    into.write(made.rendered.output, made.rendered.html)
    return with_html(made, None)


def _next_order(connection: Connection) -> Any:
    """The main process's next order; None when it gave up on this build."""
    try:
        return connection.recv()
    except EOFError:
        return None
