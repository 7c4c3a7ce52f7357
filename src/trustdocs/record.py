"""The build record: what the last written build read and wrote, so an unchanged site is not rebuilt.

A build that finds every input as the record has it (the config, theme and trustdocs itself, every
discovered file, every page file's bytes, every file a directive read, every copied file) and its
output folder exactly as it left it, has nothing to do: it reports the recorded problems again and
leaves the output alone. Anything else, however small, is a normal build.
"""

from __future__ import annotations

import dataclasses
import os
import stat
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from trustdocs.cache import (
    HASHED,
    BuildCache,
    FileRead,
    KnownDigest,
    file_digest,
    fingerprint,
    known_digests,
    learn_digests,
    load,
    reads_fingerprint,
    reads_now,
    remember_digests,
    store,
)
from trustdocs.config import SiteConfig
from trustdocs.diagnostics import Diagnostic, has_errors
from trustdocs.files import SiteSources, SourceFiles, discover, source_key
from trustdocs.output_folder import (
    FileSignature,
    content_digest,
    file_signature,
    output_signatures,
    racy_files,
)

if TYPE_CHECKING:  # pages.py loads the Markdown extensions and highlighting: a build that
    from trustdocs.pages import PageFacts  # finds nothing changed never needs them


@dataclass(frozen=True)
class BuildRecord:
    """The inputs a written build read, the files it wrote, and what it reported."""

    inputs: str
    reads: tuple[FileRead, ...]  # files directives read, each with the digest of what was read
    outputs: dict[str, FileSignature]  # output rel path -> the file as written
    diagnostics: tuple[Diagnostic, ...]
    pages: int
    skipped: int
    # Output rel path of a file written as text or bytes -> the SHA-256 of its bytes (of a page,
    # the digest of its HTML): the next build links it when it would write the same.
    pages_written: dict[str, str]
    page_keys: dict[str, str]  # page file -> the key of its bytes
    # Page files and files read for pages, each with its stamp when it was hashed: the next build
    # reads only the files whose stamps differ (`file_digest`).
    digests: dict[str, KnownDigest]
    everywhere: dict[str, str]  # the titles every sidebar showed (`titles_everywhere`)
    # What only writing found (a print template that fails); None: the problems before it
    # failed the build, and writing was not tried.
    late: tuple[Diagnostic, ...] | None = ()
    # The output files written too shortly before the record for their signatures to tell a
    # change in place (`racy_files`), with their digests: their bytes are checked, not trusted.
    racy: dict[str, str] = dataclasses.field(default_factory=dict)

    def problems(self, warnings: list[Diagnostic], strict: bool) -> list[Diagnostic] | None:
        """What a build reports again, with these WARNINGS of the configuration now, STRICT or
        not; None when that depends on writing, which this build did not try."""
        found = [*self.diagnostics, *warnings]
        if has_errors(found, strict):  # it fails before writing, which never shows
            return found
        return None if self.late is None else found + list(self.late)

    def previous_pages(self) -> dict[str, tuple[FileSignature, str]]:
        """Each page file (and other file of text or bytes) this build wrote: as it left it, and
        the digest of its HTML (its bytes)."""
        return {
            rel: (self.outputs[rel], digest)
            for rel, digest in self.pages_written.items()
            if rel in self.outputs and rel not in self.racy  # racy: compared byte for byte
        }

    def racy_pages(self) -> dict[str, tuple[str, int]]:
        """Each page file this build wrote too shortly before the record for its signature to
        tell (`racy`), with the digest of its HTML and its size: linked again only once its bytes
        are checked."""
        return {
            rel: (d, self.outputs[rel][1])
            for rel, d in self.racy.items()
            if self.pages_written.get(rel) == d and rel in self.outputs
        }

    def racy_hold(self, output_dir: Path) -> bool:
        """Whether the racy files (`racy`) in OUTPUT_DIR still hold what this build wrote."""
        return all(content_digest(output_dir / rel) == d for rel, d in self.racy.items())

    def settled(self) -> BuildRecord | None:
        """This record with the racy files that have settled since, their bytes checked
        (`racy_hold`) and their signatures still the recorded ones (`unchanged_since`), trusted
        by those from now on; None when none has."""
        if not self.racy:
            return None
        young = set(racy_files(self.outputs, time.time_ns()))
        still = {rel: digest for rel, digest in self.racy.items() if rel in young}
        return None if still.keys() == self.racy.keys() else dataclasses.replace(self, racy=still)


def _record_key(site_key: str, output_dir: Path | None, failed: bool = False) -> str:
    # A failed build's record is kept beside the last written one's, which the next build still
    # needs (the files that build wrote are linked, not written again).
    what = "failed build" if failed else "record"
    return fingerprint(what, site_key, str(output_dir) if output_dir else None, os.getcwd())


def inputs_key(
    config: SiteConfig,
    site_key: str,
    files: SourceFiles,
    page_keys: list[str],
    reads: Iterable[FileRead],
    copied: Mapping[str, CopySignature] | None = None,
) -> str:
    """One key for everything a build reads: a change to any input changes it.

    READS: the files directives read, each with the digest of what was read (a build) or of what
    is on disk now (the check of the next one). COPIED: the files to copy as they were before a
    build copied them (`copy_signatures`); without it, as they are now.
    """
    signatures = copy_signatures(files) if copied is None else copied
    copies = sorted((rel, str(path), signatures.get(rel)) for rel, path in files.copies.items())
    return fingerprint(
        site_key,
        [str(path) for path in files.pages],
        page_keys,
        copies,
        files.skipped,
        [d.format() for d in files.problems],
        reads_fingerprint(reads),
    )


def build_record(
    site_key: str,
    read: SiteSources,
    facts: Mapping[str, PageFacts],
    diagnostics: list[Diagnostic],
    written: dict[str, FileSignature],
    pages_written: dict[str, str],
    everywhere: dict[str, str],
    copied: Mapping[str, CopySignature],
    late: list[Diagnostic] | None = None,
    racy: dict[str, str] | None = None,
    refused_reads: frozenset[FileRead] = frozenset(),
) -> BuildRecord:
    """What a build READ and reported, with the files it has WRITTEN, for the next build; with
    the titles EVERYWHERE, which every sidebar showed, the files it COPIED as they were before
    it copied them (`copy_signatures`), what only writing found (LATE; None: not tried), and
    the RACY files written with their digests (`racy_digests`), and the REFUSED_READS of the
    files that make no page (their problems are reported, so what they read is followed too)."""
    files = read.files
    reads = {pair for page in facts.values() for pair in page.read_digests} | refused_reads
    page_keys = [read.keys.get(path, "") for path in files.pages]
    inputs = inputs_key(read.config, site_key, files, page_keys, reads, copied)
    # Each file as it is now: one saved since it was read is read again by the next build. A
    # file too large to include is known by its size alone, never hashed whole (`file_digest`).
    learn_digests(files.pages)
    learn_digests((path for path, _ in reads), read.config.max_include_bytes)
    return BuildRecord(
        inputs,
        tuple(reads),
        written,
        tuple(diagnostics),
        len(facts),
        files.skipped,
        {rel: digest for rel, digest in pages_written.items() if rel in written},
        {str(path): key for path, key in read.keys.items() if key},
        known_digests(_hashed(files, reads)),
        everywhere,
        None if late is None else tuple(late),
        racy or {},
    )


def racy_digests(
    output_dir: Path, written: Mapping[str, FileSignature], pages: Mapping[str, str]
) -> dict[str, str]:
    """The digests of the files WRITTEN into OUTPUT_DIR that are racy now (`racy_files`): for
    a page, that of the HTML it was written with (PAGES), so that a change made since is told;
    for another file, of its bytes now. A file that cannot be read gets none, which no file has."""
    digests = {}
    for rel in racy_files(written, time.time_ns()):
        digests[rel] = pages.get(rel) or content_digest(output_dir / rel) or "unreadable"
    return digests


def _hashed(files: SourceFiles, reads: Iterable[FileRead]) -> list[str]:
    """The files whose digests a record keeps: the page files, the files pages read, and those
    copied whose digests the build worked out (the next build knows them by their stamps)."""
    return [*map(str, files.pages), *(path for path, _ in reads), *map(str, files.copies.values())]


CopySignature = tuple[FileSignature | None, ...]  # `_signature`


def copy_signatures(files: SourceFiles) -> dict[str, CopySignature]:
    """Each file FILES copies, as it is now: taken before the build copies them, so that a file
    saved after it was copied is not recorded as copied (the next build copies it again)."""
    return {rel: _signature(path) for rel, path in files.copies.items()}


def _signature(path: Path | str) -> CopySignature:
    """A file to copy as it is now: the link itself and, for a link, the file it leads to, whose
    bytes the copy holds."""
    try:
        own = os.stat(path, follow_symlinks=False)
    except OSError:
        return (None,)
    if not stat.S_ISLNK(own.st_mode):
        return (file_signature(own),)
    try:
        return (file_signature(own), file_signature(os.stat(path)))
    except OSError:
        return (file_signature(own), None)


def last_record(
    cache: BuildCache, site_key: str, output_dir: Path | None, failed: bool = False
) -> BuildRecord | None:
    """The record of the last build of this site into OUTPUT_DIR (None: the last check), or of
    the last that FAILED, writing nothing; the digests it kept are known from now on."""
    if not cache.enabled:
        return None
    record = load(cache, "record", _record_key(site_key, output_dir, failed), BuildRecord)
    if record is not None:
        remember_digests(record.digests)
    return record


def sources_now(config: SiteConfig) -> tuple[SourceFiles, dict[Path, str]]:
    """The site's files as discovered now, and the key of each page file's bytes (a file that
    cannot be read, or is no longer a regular file, has none)."""
    files = discover(config)
    keys = {}
    for path in files.pages:
        digest = file_digest(path)
        if digest is not None and digest.startswith(HASHED):
            keys[path] = source_key(config, path, digest)
    return files, keys


def edited_since(record: BuildRecord, now: tuple[SourceFiles, dict[Path, str]]) -> int | None:
    """How many page files were edited, added or removed since RECORD's build (NOW:
    `sources_now`); None when one cannot be read."""
    files, keys = now
    if len(keys) != len(files.pages):
        return None
    current = {str(path): key for path, key in keys.items()}
    changed = sum(record.page_keys.get(path) != key for path, key in current.items())  # or new
    return changed + len(record.page_keys.keys() - current.keys())


def unchanged_since(
    record: BuildRecord,
    config: SiteConfig,
    site_key: str,
    output_dir: Path,
    now: tuple[SourceFiles, dict[Path, str]],
    written: bool = True,
    seen: dict[str, str | None] | None = None,
) -> bool:
    """Whether nothing RECORD's build read has changed since (NOW: `sources_now`), and (when it
    was WRITTEN) its output is still exactly as it wrote it into OUTPUT_DIR. SEEN: see
    `reads_now`."""
    files, keys = now
    if len(keys) != len(files.pages):  # a page file that cannot be read: build to report it
        return False
    page_keys = [keys[path] for path in files.pages]
    if (
        inputs_key(
            config,
            site_key,
            files,
            page_keys,
            reads_now(record.reads, config.max_include_bytes, seen),
        )
        != record.inputs
    ):
        return False
    if written:
        try:
            same = output_signatures(output_dir) == record.outputs
        except OSError:
            return False
        return same and record.racy_hold(output_dir)
    return True


def with_digests_learned(record: BuildRecord, files: SourceFiles) -> BuildRecord | None:
    """RECORD with the digests this process has kept of its files (FILES: its page files), when
    it kept more than the record has: a file saved shortly before a build is hashed every time
    until it settles, and a build that finds nothing changed would never record it otherwise."""
    known = known_digests(_hashed(files, record.reads))
    if known.items() <= record.digests.items():
        return None
    return dataclasses.replace(record, digests={**record.digests, **known})


def keep_record(
    cache: BuildCache,
    site_key: str,
    output_dir: Path | None,
    record: BuildRecord,
    replacing: BuildRecord | None = None,
    failed: bool = False,
) -> None:
    """Remember a written build (or, without OUTPUT_DIR, a check; or one that FAILED, writing
    nothing) for the next one; as an update of the record REPLACING, only while that is still
    the last one kept."""
    key = _record_key(site_key, output_dir, failed)
    # Another build may have kept its own while this one looked: an older record put back over it
    # would make the next build start again from the whole site.
    if replacing is not None and load(cache, "record", key, BuildRecord) != replacing:
        return
    store(cache, "record", key, record)
