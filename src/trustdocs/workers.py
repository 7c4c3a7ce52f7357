"""A pool of forked workers that parse and render shares of the pages and return typed results.

Parsed pages never cross a process boundary (pickling tokens costs more than parsing): each worker
parses its share and sends back the pages' facts; the main process resolves the snapshot from all of
them and sends it back; each worker renders its share and sends back the outputs.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from trustdocs.cache import BuildCache
from trustdocs.config import SiteConfig
from trustdocs.diagnostics import Diagnostic
from trustdocs.markdown import highlighted_lines, markdown_parser
from trustdocs.pages import PageFacts, parse_page
from trustdocs.render import PageOutputs, Theme, keep_outputs, render_outputs
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


@dataclass(frozen=True)
class RenderOrder:
    """What one worker renders once the snapshot is made."""

    snapshot: SiteSnapshot
    render: frozenset[str]  # pages of the worker's share to render
    extra: tuple[PageSource, ...]  # pages to parse and render besides (their facts were cached)
    keys: dict[str, str]  # page -> the cache key of its outputs


def render_orders(
    snapshot: SiteSnapshot,
    shares: list[list[PageSource]],
    pending: dict[str, PageSource],
    keys: dict[str, str],
) -> list[RenderOrder]:
    """What each worker renders: the PENDING pages of its share, and a share of the others."""
    owned = [{source.name for source in share} for share in shares]
    rest = sorted(pending.keys() - set().union(*owned))
    return [
        RenderOrder(
            snapshot,
            frozenset(pending.keys() & mine),
            tuple(pending[name] for name in rest[i :: len(shares)]),
            keys,
        )
        for i, mine in enumerate(owned)
    ]


def build_in_workers(
    config: SiteConfig,
    shares: list[list[PageSource]],
    titles: dict[str, str],
    theme: Theme,
    cache: BuildCache,
    order: Callable[[list[Parsed]], list[RenderOrder]],
) -> list[PageOutputs]:
    """Parse SHARES in one forked worker each; ORDER makes the snapshot and says what each renders."""
    _warm_up(theme, [source for share in shares for source in share])
    context = get_context("fork")
    workers: list[tuple[Connection, BaseProcess]] = []
    gc.freeze()  # keep inherited objects out of the workers' collections: no copy-on-write storms
    try:
        for share in shares:
            here, there = context.Pipe()
            process = context.Process(
                target=_work, args=(there, config, share, titles, theme, cache), daemon=True
            )
            process.start()
            there.close()
            workers.append((here, process))
    finally:
        gc.unfreeze()
    try:
        parsed: list[Parsed] = []
        for connection, process in workers:
            parsed += _receive(connection, process)
        for (connection, _), worker_order in zip(workers, order(parsed), strict=True):
            connection.send(worker_order)
        outputs: list[PageOutputs] = []
        for connection, process in workers:
            outputs += _receive(connection, process)
        return outputs
    finally:
        for connection, process in workers:
            connection.close()  # a worker still waiting for the snapshot ends on EOF
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()


def _receive(connection: Connection, process: BaseProcess) -> Any:
    """The next message of a worker; a dead or failed worker is an error, never a hang."""
    while not connection.poll(POLL_SECONDS):
        if not process.is_alive() and not connection.poll(0):
            raise _stopped(process)
    try:
        status, payload = connection.recv()
    except (EOFError, OSError):
        raise _stopped(process) from None
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
    share: list[PageSource],
    titles: dict[str, str],
    theme: Theme,
    cache: BuildCache,
) -> None:
    """In a worker: parse the share, send its facts, await the order, render, send the outputs."""
    try:
        parsed = {source.name: parse_page(config, source, titles) for source in share}
        connection.send(("ok", [(page.facts, problems) for page, problems in parsed.values()]))
        try:
            order: RenderOrder = connection.recv()
        except EOFError:
            return  # the main process gave up on this build
        pages = [page for name, (page, _) in parsed.items() if name in order.render]
        pages += [parse_page(config, source, titles)[0] for source in order.extra]
        outputs = []
        for page in pages:
            made = render_outputs(page, order.snapshot, theme)
            keep_outputs(cache, order.keys[page.source.name], made, order.snapshot)
            outputs.append(made)
        connection.send(("ok", outputs))
    except BaseException:
        with contextlib.suppress(OSError):
            connection.send(("error", traceback.format_exc()))
    finally:
        connection.close()


def _warm_up(theme: Theme, sources: list[PageSource]) -> None:
    """Do once, before forking, what every worker would otherwise do on its own."""
    markdown_parser()
    theme.environment.get_template("page.html")
    for fence in {
        line.strip().lstrip("`~").split()[0].lower()
        for source in sources
        for line in source.body.split("\n")
        if line.strip().startswith(("```", "~~~")) and line.strip().lstrip("`~").strip()
    }:
        highlighted_lines("", fence)
