"""Build or check a site: run its stages once, write the output atomically, remember the build."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import errno
import functools
import gc
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trustdocs.cache import BuildCache, cache_folder, fingerprint, site_fingerprint
from trustdocs.config import SiteConfig, base_url_warnings, keep_site_document
from trustdocs.diagnostics import Diagnostic, display_path, error, has_errors, sort_diagnostics
from trustdocs.files import SourceFiles
from trustdocs.launch import interrupted, interrupts_held
from trustdocs.output_folder import (
    FileSignature,
    FreshOutput,
    output_location_problem,
    remove_stale_temporaries,
    settled_signatures,
)
from trustdocs.record import (
    BuildRecord,
    CopySignature,
    build_record,
    copy_signatures,
    edited_since,
    keep_record,
    last_record,
    racy_digests,
    sources_now,
    unchanged_since,
    with_digests_learned,
)
from trustdocs.urls import PRINT_PAGE

if TYPE_CHECKING:
    from trustdocs.site import Site
    from trustdocs.snapshot import SiteSnapshot

FEW_EDITED = 20  # page files edited, added or removed since the last build: with fewer, loaded here


@dataclass(frozen=True)
class BuildResult:
    """The outcome of a build or a check."""

    diagnostics: list[Diagnostic]
    pages: int
    seconds: float
    skipped: int
    written: bool
    usage_problem: Diagnostic | None = None  # the output folder may not be used
    unwritable: bool = False  # the output folder could not be written (the system's refusal)
    unchanged: bool = False  # nothing changed since the last build: its output was left as it was


def build_site(
    config: SiteConfig,
    output_dir: Path | None = None,
    *,
    write: bool = True,
    strict: bool = False,
    use_cache: bool = True,
    keep: list[object] | None = None,
) -> BuildResult:
    """Build the site; write it (atomically) only when there is no error (or warning, if strict).
    KEEP: where the site built is put, for a caller that ends its process at once, sparing it the
    freeing of every page's objects (20 ms of a build after one edit at 1,000 lessons)."""
    frozen = gc.get_freeze_count()
    try:
        kept = keep if keep is not None else []  # freed as it returns
        return _build_site(
            config, output_dir, write=write, strict=strict, use_cache=use_cache, keep=kept
        )
    finally:
        # A few-edit build froze what it loaded (`out_of_collection`), and with it whatever
        # garbage cycles were left then: given back to the collector once the build is done, or
        # a process that builds again keeps them for good.
        if gc.get_freeze_count() > frozen:
            gc.unfreeze()


def _build_site(
    config: SiteConfig,
    output_dir: Path | None,
    *,
    write: bool,
    strict: bool,
    use_cache: bool,
    keep: list[object],
) -> BuildResult:
    started = time.perf_counter()
    config = _aimed(config, output_dir)
    target = config.output_dir
    # Checked without writing too: a check in CI passes no configuration a build refuses.
    problem = output_location_problem(config, target)
    if problem is not None:
        return BuildResult([problem], 0, time.perf_counter() - started, 0, False, problem)
    cache = cache_folder(config, use_cache)
    site_key = site_fingerprint(config) if cache.enabled else ""
    recorded, now, left = _last_builds(cache, site_key, config, write, strict)
    if left is not None:
        return _left_alone(*left, target if write else None, strict, started)
    # Only now is what renders loaded: a build that finds nothing changed never needs it.
    from trustdocs.site import Site
    from trustdocs.workers import worker_count

    site = Site(config, cache)
    keep.append(site)
    diagnostics, written, signatures, unwritable = [], False, {}, None
    late: list[Diagnostic] | None = None  # what writing found (a site-wide template that failed)
    finishing = contextlib.ExitStack()  # from the swap on, Ctrl-C waits for the build's end
    with finishing:
        try:
            with contextlib.ExitStack() as stack:
                fresh = (
                    stack.enter_context(_fresh_output(recorded, target, cache)) if write else None
                )
                here = _loaded_here(recorded, now, cache, site_key, target) if write else False
                shown = recorded.everywhere if recorded is not None else None
                site.build(worker_count(), into=fresh, found=now, load_here=here, everywhere=shown)
                copied = copy_signatures(site.files)  # before they are copied: see the record
                diagnostics = sort_diagnostics(site.diagnostics() + base_url_warnings(config))
                if not has_errors(diagnostics, strict):
                    late = _write_outputs(site, fresh)  # not tried when the site failed before
                    diagnostics = sort_diagnostics(diagnostics + late)
                    if fresh is not None and not late:
                        if interrupted():  # Ctrl-C that something caught: the old site stays
                            raise KeyboardInterrupt
                        # Once begun, the swap, the old site's removal and the record are done.
                        finishing.enter_context(interrupts_held(SITE_IN_PLACE))
                        signatures, written = fresh.swap_in(), True
            settled = settled_signatures(target, signatures) if written else {}
            made = (site.diagnostics(), late, copied)
            wrote = (write, written, settled, target)
            _remember(site, cache, made, wrote, fresh, has_errors(diagnostics, strict))
        except OSError as exc:
            unwritable = _not_written(config, target, exc, diagnostics)
        cache.prune()
        cache.close_pack()
    facts = (len(site.pages.facts), time.perf_counter() - started, site.files.skipped)
    return BuildResult(diagnostics, *facts, written, unwritable=unwritable is not None)


SITE_IN_PLACE = "the new site is in place"  # said when Ctrl-C came after the swap


def _remember(
    site: Site,
    cache: BuildCache,
    made: Made,
    wrote: tuple[bool, bool, dict[str, FileSignature] | None, Path],
    fresh: FreshOutput | None,
    failed: bool,
) -> None:
    """Keep the build's record (`_keep_record`; WROTE: whether it was to write, whether it did,
    the files' settled signatures, where): of a site written or checked, or of one that FAILED
    and wrote nothing, as it will again."""
    write, written, settled, target = wrote
    if cache.enabled and ((written and settled is not None) or not write):
        digests = {**(fresh.digests if fresh is not None else {}), **site.made.digests}
        _keep_record(site, made, settled or {}, target if write else None, digests)
    elif cache.enabled and failed:
        _keep_record(site, made, {}, target, {}, failed=True)


def _in_output(path: Path, target: Path) -> bool:
    """Whether PATH is in the output folder TARGET, in a folder a build writes beside it, or on
    the way to it (a file where a folder of its path should be)."""
    path, target = Path(os.path.abspath(path)), Path(os.path.abspath(target))
    if target.is_relative_to(path):
        return True
    try:
        first = path.relative_to(target.parent).parts[0]
    except (ValueError, IndexError):
        return False
    return first == target.name or first.startswith(f".{target.name}.")


def _not_written(
    config: SiteConfig, target: Path, exc: OSError, diagnostics: list[Diagnostic]
) -> Diagnostic | None:
    """Add to DIAGNOSTICS the error of an output folder that could not be written (EXC: why);
    it, when the system refused it, not text the content holds that UTF-8 cannot encode."""
    reason = f"{exc.strerror}: {exc.filename}" if exc.filename else str(exc)
    shown = display_path(config.config_path)
    if exc.filename and not _in_output(Path(os.fsdecode(exc.filename)), target):
        # A source that went away or turned unreadable while it was read: no output's fault.
        where = display_path(Path(os.fsdecode(exc.filename)))
        diagnostics.append(error(where, 1, 1, f"cannot read it: {exc.strerror}"))
        return None
    diagnostics.append(error(shown, 1, 1, f"cannot write the output folder {target}: {reason}"))
    return None if exc.errno == errno.EILSEQ else diagnostics[-1]


Found = tuple[SourceFiles, dict[Path, str]]  # `sources_now`'s
Again = tuple[BuildRecord, list[Diagnostic]]  # a build's record, and what it reports now


def _last_builds(
    cache: BuildCache, site_key: str, config: SiteConfig, write: bool, strict: bool
) -> tuple[BuildRecord | None, Found | None, Again | None]:
    """The record of the last build of CONFIG's site into its output (without WRITE, of the
    last check), what is there now (read once, for the record and the build), and the record
    to report again when nothing changed since, with what it reports now (with STRICT or not):
    that build's, or that of the last build that failed and wrote nothing, whose failure
    stands. Not one whose problems now depend on writing, which it did not try."""
    target = config.output_dir if write else None
    recorded = last_record(cache, site_key, target)
    now = sources_now(config) if recorded is not None else None
    warnings = base_url_warnings(config)
    found = recorded.problems(warnings, strict) if recorded else None
    output = config.output_dir
    known = found is not None and now is not None  # a record whose problems stand as they were
    if known and unchanged_since(recorded, config, site_key, output, now, write, cache.reads_seen):
        # Files (sources, outputs) that had not yet settled when it was made.
        learned = with_digests_learned(recorded, now[0])
        learned = ((learned or recorded).settled() if write else None) or learned
        if learned is not None:
            keep_record(cache, site_key, target, learned, recorded)
        keep_site_document(cache)
        return recorded, now, (recorded, found)
    # Read only now: a warm build of a site that builds never needs it.
    failed = last_record(cache, site_key, target, failed=True) if write else None
    if failed is None:
        return recorded, now, None
    now = now or sources_now(config)
    found = failed.problems(warnings, strict)
    stands = found is not None and has_errors(found, strict)
    if stands and unchanged_since(failed, config, site_key, output, now, False):
        return recorded, now, (failed, found)
    return recorded, now, None


def _fresh_output(recorded: BuildRecord | None, target: Path, cache: BuildCache) -> FreshOutput:
    """The fresh folder a build writes TARGET's next site into, knowing the files the last
    build (RECORDED) wrote there, which it may link; with a CACHE, the build keeps a record (the
    digests of its copies too)."""
    previous = recorded.previous_pages() if recorded is not None else {}
    racy = recorded.racy_pages() if recorded is not None else {}
    return FreshOutput(target, previous, racy, copies_known=cache.enabled)


def _loaded_here(
    recorded: BuildRecord | None, now: Found | None, cache: BuildCache, site_key: str, target: Path
) -> bool:
    """Whether a build writing TARGET loads the pages in this process, the others from the cache
    (few page files edited, added or removed since RECORDED, NOW: `sources_now`'s); the pack it
    then reads (and the one its workers make otherwise), named in CACHE."""
    cache.pack_name = fingerprint("pack", site_key, str(target))
    edited = edited_since(recorded, now) if recorded is not None and now is not None else None
    here = edited is not None and edited <= FEW_EDITED
    if here:
        cache.open_pack(cache.pack_name)
    return here


def _aimed(config: SiteConfig, output_dir: Path | None) -> SiteConfig:
    """CONFIG writing into OUTPUT_DIR (None: the folder it names), an absolute path; and the one
    it names when that is elsewhere. Discovery leaves both out."""
    target = Path(os.path.abspath(output_dir or config.output_dir))
    named = config.output_dir if Path(os.path.abspath(config.output_dir)) != target else None
    return dataclasses.replace(config, output_dir=target, named_output=named)


Made = tuple[list[Diagnostic], list[Diagnostic] | None, dict[str, CopySignature]]


def _keep_record(
    site: Site,
    made: Made,
    settled: dict[str, FileSignature],
    target: Path | None,
    digests: dict[str, str],
    failed: bool = False,
) -> None:
    """Keep the record of SITE's build, which MADE (the problems it found, those only writing
    found, None when not tried, and the files it copied as they were before it copied them),
    and wrote the SETTLED files into TARGET (None: a check), those written as text or bytes
    with these DIGESTS (SHA-256); or, when it FAILED, nothing."""
    from trustdocs.snapshot import titles_everywhere  # loaded with the site

    # A theme's file saved while the site was built: its assets were copied as they are now,
    # not as the site's key has them. Unrecorded, the next build builds again.
    if site_fingerprint(site.config) != site.site_key:
        return
    everywhere = titles_everywhere(site.snapshot) if site.snapshot else {}
    found, late, copied = made
    racy = racy_digests(target, settled, digests) if target is not None else {}
    wrote = (settled, digests, everywhere, copied, late, racy)
    refused = frozenset().union(*(page.read_digests for page in site.refused))
    record = build_record(
        site.site_key, site.read, site.pages.facts, found, *wrote, refused_reads=refused
    )
    keep_record(site.cache, site.site_key, target, record, failed=failed)
    if not failed:
        keep_site_document(site.cache)  # site.yaml as this build read it anew


def _left_alone(
    recorded: BuildRecord,
    found: list[Diagnostic],
    target: Path | None,
    strict: bool,
    started: float,
) -> BuildResult:
    """A build that found nothing changed since the last one: its problems again (FOUND), and
    the output (TARGET; None for a check) left as it is."""
    found = sort_diagnostics(found)
    if target is not None:
        remove_stale_temporaries(target)
    written = target is not None and not has_errors(found, strict)
    seconds = time.perf_counter() - started
    return BuildResult(found, recorded.pages, seconds, recorded.skipped, written, unchanged=True)


def _write_outputs(site: Site, fresh: FreshOutput | None) -> list[Diagnostic]:
    """Write every output file into FRESH; without it (a check), make the print page only, to see
    whether its template works. What failed."""
    from trustdocs.render import TemplateFailed  # loaded with the site

    try:
        if fresh is None:
            assert site.snapshot is not None
            collections.deque(site.made.print_page(site.snapshot).pieces(), maxlen=0)
            return []
        with _print_page_aside(site, fresh) as printing:
            for rel, content in sorted(site.output_files().items()):
                if printing is None or rel != PRINT_PAGE:
                    fresh.write(rel, content)
            problem = None
            if printing is not None:
                problem, digest = printing.result()
                if digest is not None:  # the worker's own record of what it wrote
                    fresh.digests[PRINT_PAGE] = digest
    except TemplateFailed as failed:
        return [failed.diagnostic]
    return [] if problem is None else [problem]


def _print_page_aside(site: Site, fresh: FreshOutput) -> contextlib.AbstractContextManager[Any]:
    """The print page written into FRESH by a forked worker while this process makes the search
    index and writes the rest (the two took a build's last half second in turn), its result
    the print template's problem or None; None (written here, in turn) on one core, for a small
    site, where the fork costs more than it saves, or a large one, whose every page the worker
    would count as its own memory."""
    from trustdocs.workers import PARALLEL_MINIMUM, SPOOLED_FROM, Aside, can_fork, worker_count

    pages = len(site.pages.facts)
    if worker_count() < 2 or not PARALLEL_MINIMUM <= pages <= SPOOLED_FROM or not can_fork():
        return contextlib.nullcontext()
    site.made.finish()  # what the preview left for later: made here, once
    assert site.snapshot is not None
    return Aside(functools.partial(_print_page_written, site, site.snapshot, fresh))


def _print_page_written(
    site: Site, snapshot: SiteSnapshot, fresh: FreshOutput
) -> tuple[Diagnostic | None, str | None]:
    """Write the print page into FRESH (in a worker); the problem of its template, or None, and
    the digest of what it wrote (None: nothing), which the record keeps."""
    from trustdocs.render import TemplateFailed  # loaded with the site

    try:
        fresh.write(PRINT_PAGE, site.made.print_page(snapshot))
    except TemplateFailed as failed:
        return failed.diagnostic, None
    return None, fresh.digests.get(PRINT_PAGE)
