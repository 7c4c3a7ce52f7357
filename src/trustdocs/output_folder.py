"""The output folder: refused unless trustdocs wrote it, written fresh beside it, swapped in atomically.

The output folder is only ever replaced when trustdocs wrote it (it carries `MARKER`) or when it is
missing or empty: anything else is refused, so no option can turn a build into a deletion. Nothing
here renders: a build that finds nothing changed checks and keeps its output without loading the
renderer.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from trustdocs.cache import CACHE_DIR, HASHED, file_digest, still_as_hashed, unusable_folder
from trustdocs.config import THEMES_DIR, SiteConfig, theme_folders
from trustdocs.diagnostics import Diagnostic, display_path, error


@dataclass(frozen=True)
class Streamed:
    """Text made piece by piece as it is written: a large course's print page is never whole in
    memory. PIECES may raise `TemplateFailed`."""

    pieces: Callable[[], Iterator[str]]


STREAM_BATCH = 1 << 16  # characters of streamed text encoded and written at once

OutputContent = str | bytes | Path | Streamed  # text, raw bytes, a file to copy, or text made
MARKER = ".trustdocs-output"
MARKER_TEXT = "This folder is written by trustdocs build and replaced by the next build.\n"
STARTING_SECONDS = 60  # a temporary folder this young without its marker may be just starting


# --- where the output may go ------------------------------------------------------------------------


# What a build adds to the output folder's name for the folders it writes beside it, at most:
# `.NAME.new-` or `.NAME.old-` and the 8 random characters `tempfile` adds.
TEMPORARY_NAME_ROOM = len("..new-") + 8
MAX_NAME_BYTES = 255  # of one file name, on the file systems in use


def output_location_problem(config: SiteConfig, output_dir: Path) -> Diagnostic | None:
    """Refuse an output that is, holds or would delete anything trustdocs did not write."""
    shown = display_path(config.config_path)
    target = Path(os.path.abspath(output_dir))
    # At the line that names it, when the config does (not `--output`).
    line = config.output_line if target == Path(os.path.abspath(config.output_dir)) else 1
    where = (shown, line)
    if len(os.fsencode(target.name)) + TEMPORARY_NAME_ROOM > MAX_NAME_BYTES:
        room = MAX_NAME_BYTES - TEMPORARY_NAME_ROOM
        reason = f"has a name too long: a build writes it beside itself, under a name {room} bytes at most"
        return error(*where, 1, f"output folder {output_dir} {reason}")
    try:
        return _location_problem(config, output_dir, target, where)
    except (OSError, RuntimeError) as exc:  # a name the system refuses, a link loop
        return error(*where, 1, f"output folder {output_dir} cannot be used: {exc}")


def _location_problem(
    config: SiteConfig, output_dir: Path, target: Path, where: tuple[str, int]
) -> Diagnostic | None:
    resolved = target.resolve()

    def refuse(reason: str) -> Diagnostic:
        return error(
            *where,
            1,
            f"output folder {output_dir} {reason}; refusing to replace it",
            "choose an output folder of its own, such as 'site'",
        )

    for precious in (config.root_dir, config.content_dir, config.config_path.parent):
        if precious.resolve().is_relative_to(resolved):
            return refuse("contains the site's sources")
    # Folders every build reads whole: an output in one would be read back as its files.
    for folder, what in _read_whole(config):
        if resolved.is_relative_to(folder.resolve()):
            return refuse(f"is inside {display_path(folder)}, {what} every build reads")
    cache = config.root_dir / CACHE_DIR  # unless a link builds do not follow (`unusable_folder`)
    if unusable_folder(cache) is None and resolved.is_relative_to(cache.resolve()):
        return refuse("is in the build cache's folder")
    if target.is_symlink():  # a link in a parent folder is harmless: the swap happens beyond it
        return refuse(f"is a link (to {resolved})")
    if resolved.exists() and not resolved.is_dir():
        return refuse("is a file, not a folder")
    if os.path.ismount(resolved):
        return error(
            *where,
            1,
            f"output folder {output_dir} is a mount point, which cannot be replaced as a whole",
            f"build into a folder inside it, such as {target / 'site'}",
        )
    if resolved.is_dir() and not _written_by_trustdocs(resolved):
        return refuse(f"already holds files that trustdocs did not write (no {MARKER} in it)")
    return _foreign_problem(config, output_dir, resolved, where)


def _foreign_problem(
    config: SiteConfig, output_dir: Path, resolved: Path, where: tuple[str, int]
) -> Diagnostic | None:
    """The error for an output folder that holds what its last build did not write, or whose
    list of what it wrote is damaged; None when it holds only that build's files."""
    foreign = foreign_entries(resolved) if resolved.is_dir() else []
    if foreign is None:
        return error(
            *where,
            1,
            f"output folder {output_dir}: its {MARKER} is damaged, so what the last build wrote "
            "there is not known; refusing to replace it",
            "move out of it anything of yours, then delete the folder",
        )
    if foreign:
        shown = _shown(foreign)
        return error(
            *where,
            1,
            f"output folder {output_dir} holds what the last build did not write ({shown}): "
            "a build replaces the whole folder; refusing to replace it",
            "move them out of it (a file every build should publish goes in the "
            + (
                "static folder)"
                if config.layout == "bitdocs"
                else "content folder, a host's .well-known/ too)"
            ),
        )
    return None


FOREIGN_SHOWN = 3  # files of the user's in the output named in the message, at most


def _shown(foreign: list[str]) -> str:
    """The first FOREIGN_SHOWN of FOREIGN, for a message; "…" for the others."""
    return ", ".join(foreign[:FOREIGN_SHOWN]) + (", …" if len(foreign) > FOREIGN_SHOWN else "")


# The marker lists what the build that wrote the folder left in it, after this line: one
# path a line as JSON (folders end with "/"), then their count (`_listed`), so that the next
# build finds what others added.
LISTING_LINE = "What that build wrote, then how many:\n"


# Files a system writes into any folder it shows (its view settings, thumbnails): nobody's work.
SYSTEM_FILES = frozenset({".DS_Store", "Thumbs.db", "ehthumbs.db", "desktop.ini"})


def foreign_entries(folder: Path) -> list[str] | None:
    """What FOLDER (an output trustdocs wrote) holds that the build which wrote it did not: a
    git checkout of the published branch, notes, a file a page reads, a folder of files where
    the build wrote a file; not folders that hold no file, nor a system's own files (`.DS_Store`).
    A marker without a list, as an earlier version wrote it, vouches for anything but a git
    repository; None when it is damaged (cut short, edited): what the build wrote is not known."""
    try:
        with open(folder / MARKER, "rb") as handle:
            data = handle.read(MARKER_MOST)
    except OSError:
        return []
    text = data.decode("utf-8", "replace")
    if text == MARKER_TEXT:  # an earlier version's, which wrote nothing else
        return [".git"] if os.path.lexists(folder / ".git") else []
    _, listed, listing = text.partition(LISTING_LINE)
    if not listed or not text.startswith(MARKER_TEXT):
        return None
    written = _listed(listing) if len(data) < MARKER_MOST else None
    if written is None:
        return None
    foreign: list[str] = []
    stack = [(str(folder), "")]
    while stack:
        here, prefix = stack.pop()
        with os.scandir(here) as entries:
            for entry in entries:
                rel, name = prefix + entry.name, entry.name
                if not prefix and name == MARKER:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if rel + "/" in written:
                        stack.append((entry.path, rel + "/"))
                    elif _holds_files(entry.path):  # an empty one: nothing is lost with it
                        foreign.append(rel + "/")
                elif entry.is_file(follow_symlinks=False):
                    if rel not in written and name not in SYSTEM_FILES:  # nor where a folder was
                        foreign.append(rel)
                elif rel not in written and rel + "/" not in written:
                    foreign.append(rel)  # a link, a FIFO: nothing is lost where the build wrote
    return sorted(foreign)


def _listed(listing: str) -> set[str] | None:
    """The paths a marker's LISTING names, each a JSON string a line, then its count
    (`{"files": N}`); None when it is not so (cut short, edited by hand)."""
    lines = listing.split("\n")
    if len(lines) < 2 or lines[-1] != "":
        return None
    try:
        *paths, end = map(json.loads, lines[:-1])
    except ValueError:
        return None
    if not isinstance(end, dict) or end != {"files": len(paths)} or type(end["files"]) is not int:
        return None
    if not all(isinstance(path, str) for path in paths):
        return None
    return set(paths)


def _holds_files(folder: str) -> bool:
    """Whether FOLDER holds anything but folders and a system's own files, at any depth (links
    not followed)."""
    stack = [folder]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif not (entry.name in SYSTEM_FILES and entry.is_file(follow_symlinks=False)):
                    return True
    return False


MARKER_MOST = 64 << 20  # bytes of a marker read at most: a listing of 100,000s of files


def _read_whole(config: SiteConfig) -> list[tuple[Path, str]]:
    """The folders a build reads whole, and what each is: the themes, the static folder."""
    folders = [(config.root_dir / THEMES_DIR, "the themes' folder, which")]
    folders += [(folder, "the theme, which") for folder in theme_folders(config.site_theme_dir)]
    if config.static_dir is not None:
        folders.append((config.static_dir, "the static folder, which"))
    return folders


def _written_by_trustdocs(folder: Path) -> bool:
    # The marker, or nothing: a folder that holds a site's files without its marker (copied
    # there with `cp -r site/*`, which leaves dot files out) may hold the user's own beside them.
    if (folder / MARKER).is_file():
        return True
    return not any(folder.iterdir())


# --- writing --------------------------------------------------------------------------------------


def write_file(target: Path, content: OutputContent) -> str | None:
    """Write one output file: text as UTF-8, bytes as they are, a Path by copying it; the SHA-256
    (hex) of the bytes of streamed text, hashed as they are written (None for anything else)."""
    if isinstance(content, Path):
        shutil.copyfile(content, target)
    elif isinstance(content, Streamed):
        digest = hashlib.sha256()
        with open(target, "wb") as out:
            batch: list[str] = []
            size = 0
            for piece in content.pieces():
                batch.append(piece)
                size += len(piece)
                if size >= STREAM_BATCH:
                    data = "".join(batch).encode("utf-8")
                    digest.update(data)
                    out.write(data)
                    batch, size = [], 0
            data = "".join(batch).encode("utf-8")
            digest.update(data)
            out.write(data)
        return digest.hexdigest()
    elif isinstance(content, str):
        target.write_bytes(content.encode("utf-8"))
    else:
        target.write_bytes(content)


FileSignature = tuple[int, int, int, int]  # inode, size, modification and change times (ns)
# A file written this recently may be written again within one tick of the file system's clock
# (a second on ext2 and HFS+, two on FAT) and keep its signature: "racy", as git calls it.
RACY_NS = 2_000_000_000


def racy_files(signatures: Mapping[str, FileSignature], now_ns: int) -> list[str]:
    """The files of SIGNATURES (not folders) changed too shortly before NOW_NS for their
    signature alone to tell a later change in place."""
    # Not one dated in the future (a clock set back, `touch -d`): it would stay racy, read at
    # every build, until its date came; its next change in place moves its change time anyway.
    return [
        rel
        for rel, signature in signatures.items()
        if rel and not rel.endswith("/") and now_ns - RACY_NS <= signature[2] <= now_ns + RACY_NS
    ]


def content_digest(path: Path) -> str | None:
    """The SHA-256 (hex) of the regular file at PATH, links not followed, never waiting on a
    FIFO; None for anything else, or when it cannot be read."""
    try:
        with open(path, "rb", opener=_no_follow) as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                return None
            return hashlib.file_digest(file, "sha256").hexdigest()
    except OSError:
        return None


def settled_signatures(
    output_dir: Path, written: dict[str, FileSignature]
) -> dict[str, FileSignature] | None:
    """The files of OUTPUT_DIR once the previous site is gone (linking to its files and deleting
    them moves their change times), if they are still the files WRITTEN (another build may have
    swapped its own in since); else None."""
    try:
        settled = output_signatures(output_dir)
    except OSError:
        return None
    same = settled.keys() == written.keys() and all(
        settled[rel][:3] == signature[:3] for rel, signature in written.items()
    )
    return settled if same else None


def file_signature(info: os.stat_result) -> FileSignature:
    """What tells one version of a file from another without reading it."""
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def output_signatures(folder: Path) -> dict[str, FileSignature]:
    """Every file under FOLDER (links not followed), by its path relative to FOLDER; and every
    folder, FOLDER's own too, by that path and a slash (`learn/`; `` for FOLDER): a folder added
    by hand, or one whose mode was changed, is a change to the output as a file's is."""
    found: dict[str, FileSignature] = {"": file_signature(os.lstat(folder))}
    stack = [(str(folder), "")]
    while stack:
        here, prefix = stack.pop()
        with os.scandir(here) as entries:
            for entry in entries:
                rel = prefix + entry.name
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(info.st_mode):
                    stack.append((entry.path, rel + "/"))
                    found[rel + "/"] = file_signature(info)
                else:
                    found[rel] = file_signature(info)
    return found


def _link_if_same(old: Path, target: Path, data: OutputContent) -> bool:
    """Link TARGET to the previous site's file when that holds these very bytes, as this build
    would write them: an unchanged page costs a comparison instead of a write (the previous site
    is deleted after the swap anyway)."""
    if not isinstance(data, bytes):
        return False
    return _link_if(old, target, len(data), lambda file: file.read() == data)


def _link_if_holding(old: str, target: str, digest: str, size: int) -> bool:
    """`_link_if_same`, for a file known by the SHA-256 (hex) DIGEST of its bytes and its SIZE."""
    return _link_if(
        old, target, size, lambda file: hashlib.file_digest(file, "sha256").hexdigest() == digest
    )


def _link_if(
    old: str | Path, target: str | Path, size: int, holds: Callable[[BinaryIO], bool]
) -> bool:
    """Link TARGET to the file OLD when it is of SIZE and HOLDS what this build would write (a
    file of another size, however large, is not read). Not a file whose mode or owner was
    changed since, nor one linked from elsewhere too (`chmod 600`, a hard link to a copy outside
    the site): a file written anew has neither."""
    try:
        with open(old, "rb", opener=_no_follow) as file:
            info = os.fstat(file.fileno())
            if not _as_written(info) or info.st_size != size or _has_acl(file.fileno()):
                return False
            if not holds(file):
                return False
        os.link(old, target, follow_symlinks=False)
    except OSError:
        return False
    return True


def _as_written(info: os.stat_result) -> bool:
    """Whether INFO is of a regular file as this process writes one: its owner's, linked from
    nowhere else, with the mode a new file gets."""
    return (
        stat.S_ISREG(info.st_mode)
        and info.st_nlink == 1
        and info.st_uid == os.geteuid()
        and stat.S_IMODE(info.st_mode) == _new_file_mode()
    )


def _has_acl(descriptor: int) -> bool:
    """Whether the open file DESCRIPTOR has an access list of its own (`setfacl`), which a file
    written anew has not: one keeping the web server out would stay so."""
    try:
        os.getxattr(descriptor, "system.posix_acl_access")
    except (OSError, AttributeError):  # none, none possible there, or no such call (macOS)
        return False
    return True


@functools.cache
def _new_file_mode() -> int:
    """The mode of a file this process creates (0o666 less its umask)."""
    mask = os.umask(0o022)  # read by setting it: at once set back
    os.umask(mask)
    return 0o666 & ~mask


def _no_follow(path: str, flags: int) -> int:
    # Nor wait for a writer: a FIFO put in a page's place would never answer.
    return os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK)


class FreshOutput:
    """A fresh folder beside the output, written (by this process or its build workers) while it
    is locked, then swapped in for the old output as a whole; removed if anything fails first."""

    def __init__(
        self,
        output_dir: Path,
        previous: Mapping[str, tuple[FileSignature, str]] | None = None,
        racy: Mapping[str, tuple[str, int]] | None = None,
        copies_known: bool = False,
    ) -> None:
        self.output_dir = Path(os.path.abspath(output_dir))
        # Whether the digests of copied files are worked out, for the next build to link them
        # (a build that keeps no record never needs them).
        self.copies_known = copies_known
        # File the last build wrote as text or bytes -> as it left it, and the SHA-256 (hex) of
        # its bytes (of a page, its HTML's digest).
        self.previous = previous or {}
        # Page files the last build wrote too shortly before its record for their signatures to
        # tell a change (`racy_files`) -> their HTML's digest and their size: linked once their
        # bytes show it.
        self.racy = racy or {}
        # File written (as text or bytes, or copied when COPIES_KNOWN) -> its SHA-256 (hex).
        self.digests: dict[str, str] = {}
        self.output_dir.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(self.output_dir)
        self.folder: Path | None = None  # made as it is entered
        self._lock = contextlib.ExitStack()
        self._folders: set[str] = set()  # folders made in it (as text: thousands of pages)
        self._old_folders: dict[str, bool] = {}  # the previous site's, by `_own_folders`

    def __enter__(self) -> FreshOutput:
        from trustdocs.launch import interrupts_deferred

        prefix = f".{self.output_dir.name}.new-"
        try:
            # Ctrl-C or SIGTERM between making the folder and locking it left it behind.
            with interrupts_deferred():
                self.folder = Path(tempfile.mkdtemp(prefix=prefix, dir=self.output_dir.parent))
                self._lock.enter_context(_locked(self.folder))
        except BaseException:
            self._lock.close()
            if self.folder is not None:
                _remove_temporary(self.folder)
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._lock.close()
        # After an exchange the fresh folder's name holds the previous site: delete it either way.
        if self.folder is not None:
            _remove_temporary(self.folder)

    def write(self, rel: str, content: OutputContent, digest: str = "") -> None:
        """Write one file; link it to the previous site's file when that holds the same bytes
        (DIGEST: their SHA-256, when already known).

        Text UTF-8 cannot encode (a lone surrogate the stages before let through) raises OSError
        EILSEQ ("illegal byte sequence"), which the build reports as it does any failed write.
        """
        target = Path(self._target(rel))
        try:
            if isinstance(content, str):
                content = content.encode("utf-8")
            if isinstance(content, bytes):
                digest = digest or hashlib.sha256(content).hexdigest()
                self.digests[rel] = digest
                # The last build's very file, known by its digest: linked without being read.
                if rel in self.previous or rel in self.racy:
                    if not self.link_previous(rel, digest):
                        write_file(target, content)
                    return
            if isinstance(content, Path) and self.copies_known:
                digest = _copied(self, rel, content, target)
                if digest is not None:
                    self.digests[rel] = digest
                return
            old = self.output_dir / rel
            if not (self._own_folders(rel) and _link_if_same(old, target, content)):
                streamed = write_file(target, content)
                if streamed is not None:  # the print page: known without being read again
                    self.digests[rel] = streamed
        except UnicodeEncodeError as exc:
            surrogate = f"lone surrogate U+{ord(exc.object[exc.start]):04X}"
            raise OSError(errno.EILSEQ, f"text UTF-8 cannot encode ({surrogate})", rel) from None

    def _target(self, rel: str) -> str:
        """Where REL goes in the fresh folder, its folder made."""
        folder, _, _ = rel.rpartition("/")
        if folder not in self._folders:
            os.makedirs(os.path.join(self.folder, folder), exist_ok=True)
            self._folders.add(folder)
        return os.path.join(self.folder, rel)

    def _own_folders(self, rel: str) -> bool:
        """Whether the folders on the way to REL in the previous site are folders, not links
        (one put in a folder's place would lead a link of its files out of the site)."""
        folder = rel.rpartition("/")[0]
        return not folder or self._own_folder(folder)

    def _own_folder(self, folder: str) -> bool:
        known = self._old_folders.get(folder)
        if known is None:
            above = folder.rpartition("/")[0]
            try:
                here = stat.S_ISDIR(os.lstat(os.path.join(self.output_dir, folder)).st_mode)
            except OSError:
                here = False
            known = here and (not above or self._own_folder(above))
            self._old_folders[folder] = known
        return known

    def may_link(self, rel: str) -> bool:
        """Whether the last build left a page file REL that `link_previous` may link (without
        its HTML): otherwise its HTML is needed to write it."""
        signature, known = self.previous.get(rel, (None, ""))
        return (bool(known) and signature is not None) or rel in self.racy

    def link_previous(self, rel: str, digest: str) -> bool:
        """Link the page file REL to the previous site's when that is still the file the last
        build wrote with HTML of this DIGEST: the page is not even read. One written too shortly
        before the last build's record is read, and linked only when it holds that HTML."""
        signature, known = self.previous.get(rel, (None, ""))
        old = os.path.join(self.output_dir, rel)
        racy = self.racy.get(rel)
        if racy is not None and racy[0] == digest:
            return self._own_folders(rel) and _link_if_holding(old, self._target(rel), *racy)
        if known != digest or signature is None:
            return False
        try:
            info = os.lstat(old)
            if not stat.S_ISREG(info.st_mode) or file_signature(info) != tuple(signature):
                return False
            if not self._own_folders(rel):
                return False
            os.link(old, self._target(rel), follow_symlinks=False)
        except OSError:
            return False
        return True

    def swap_in(self) -> dict[str, FileSignature]:
        """Put the fresh folder in the output's place, listing what it holds; their signatures."""
        self.folder.chmod(0o755)
        written = output_signatures(self.folder)
        _list_in_marker(self.folder, written)
        _swap(self.folder, self.output_dir, self._lock)
        return written


def _swap(fresh: Path, output_dir: Path, hold: contextlib.ExitStack) -> None:
    """Put FRESH in OUTPUT_DIR's place; OSError, and the old site left in place, when a file
    of the user's was put into it while the build ran. The old site's marker is locked (held
    in HOLD) from before the exchange: another build never takes it for a leftover to remove
    while this one looks at it."""
    if not os.path.lexists(output_dir):
        os.replace(fresh, output_dir)  # a folder of files made there meanwhile: OSError
        return
    _refuse_if_foreign(output_dir)
    hold.enter_context(_holding(output_dir / MARKER))
    if not _exchange(fresh, output_dir):
        _swap_in_two_steps(fresh, output_dir)
        return
    try:  # the old site, where FRESH was: one put there just before the exchange
        _refuse_if_foreign(fresh)
    except OSError:
        _exchange(fresh, output_dir)  # the old site back in place
        raise


@contextlib.contextmanager
def _holding(marker: Path) -> Iterator[None]:
    """Hold a lock on MARKER, when there is one."""
    try:
        descriptor = os.open(marker, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        yield
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _refuse_if_foreign(folder: Path) -> None:
    """OSError when FOLDER holds what no build of trustdocs wrote: a link in its place, files
    without a marker, what its last build did not write (or a damaged marker). Put there while
    this build ran, it is not deleted."""
    if folder.is_symlink():
        foreign: list[str] | None = [f"{folder.name} is a link"]
    elif not (folder / MARKER).is_file():
        foreign = sorted(os.listdir(folder))
    else:
        foreign = foreign_entries(folder)
    if foreign is None or foreign:
        shown = _shown(foreign) if foreign else f"its {MARKER} damaged"
        reason = f"what no build wrote was put there during this build ({shown})"
        raise OSError(
            errno.ENOTEMPTY, f"{reason}; the previous site is left as it was", str(folder)
        )


def _list_in_marker(folder: Path, written: dict[str, FileSignature]) -> None:
    """Write in FOLDER's marker what it holds (WRITTEN), and update the marker's signature."""
    listing = [json.dumps(rel) for rel in sorted(written) if rel not in ("", MARKER)]
    listing.append(json.dumps({"files": len(listing)}))  # the end: a list cut short is known
    with open(folder / MARKER, "w", encoding="utf-8") as marker:
        marker.write(MARKER_TEXT + LISTING_LINE + "".join(f"{line}\n" for line in listing))
    written[MARKER] = file_signature(os.lstat(folder / MARKER))


def _copied(fresh: FreshOutput, rel: str, source: Path, target: Path) -> str | None:
    """Copy SOURCE to REL in FRESH, or link the last build's copy when that holds the very bytes
    SOURCE holds now (known by its stamp once hashed: a course's images are not copied at every
    build); the digest of what REL holds (None: not known), for the next build."""
    known = file_digest(source)  # kept by the record: the next build reads no source again
    hashed = known[len(HASHED) :] if known is not None and known.startswith(HASHED) else None
    listed = rel in fresh.previous or rel in fresh.racy
    if hashed is not None and listed and fresh.link_previous(rel, hashed):
        return hashed
    write_file(target, source)
    # The source's digest when it had settled and is still as it was hashed; else what was
    # copied, read back from the fresh folder (which nothing else writes).
    if hashed is not None and still_as_hashed(source):
        return hashed
    return content_digest(target)


def write_output(output_dir: Path, files: dict[str, OutputContent]) -> dict[str, FileSignature]:
    """Write FILES into a fresh folder beside OUTPUT_DIR, then swap it in for the old one.

    At every instant OUTPUT_DIR is the old site or the new one: the swap is one atomic exchange where
    the system has it (Linux), and the fresh folder is locked while it is written, so a later build
    removes only temporaries that nobody is writing. Returns the signatures of the files written,
    taken before the swap, so that they describe this build's files and no other's.
    """
    with FreshOutput(output_dir) as fresh:
        for rel in sorted(files):
            fresh.write(rel, files[rel])
        return fresh.swap_in()


def _swap_in_two_steps(fresh: Path, output_dir: Path) -> None:
    """Where there is no atomic exchange: move the old site aside, then the new one in."""
    aside = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.old-", dir=output_dir.parent))
    try:
        os.replace(output_dir, aside / "site")
        try:
            os.replace(fresh, output_dir)
        except BaseException:
            os.replace(aside / "site", output_dir)
            raise
    finally:
        _remove_temporary(aside / "site")
        _remove_temporary(aside)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold a lock on FOLDER's marker while it is being written."""
    descriptor = os.open(folder / MARKER, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, MARKER_TEXT.encode())
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def remove_stale_temporaries(output_dir: Path) -> None:
    """Delete what an interrupted build left beside OUTPUT_DIR: only our own, unlocked, folders."""
    # Named exactly as `tempfile.mkdtemp` names them: `.site.old-spring2024`, a copy a user
    # made and named alike, is theirs.
    named = re.compile(rf"\.{re.escape(output_dir.name)}\.(new|old)-[a-z0-9_]{{8}}", re.ASCII)
    for pattern in (f".{output_dir.name}.new-*", f".{output_dir.name}.old-*"):
        for folder in output_dir.parent.glob(pattern):
            if not named.fullmatch(folder.name) or folder.is_symlink() or not folder.is_dir():
                continue
            # A new site (or the old one it was exchanged with) carries its marker on top; an
            # old site moved aside is alone in its folder, as `site/` (a user's copy of a site,
            # `cp -a site .site.old-fall2024`, has its marker on top: theirs).
            marker: Path | None = folder / MARKER
            if ".old-" in folder.name:
                alone = os.listdir(folder) == ["site"]
                marker = folder / "site" / MARKER if alone else None
            if marker is None or not marker.is_file():
                _remove_if_long_empty(folder)
                continue
            try:
                descriptor = os.open(marker, os.O_RDONLY)
            except OSError:
                continue
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # another build is writing it
            finally:
                os.close(descriptor)
            if foreign_entries(marker.parent):  # a user's copy of a site, with files of theirs
                continue  # (a list cut short, by a build killed as it wrote it: a leftover)
            if marker.parent != folder:
                _remove_temporary(marker.parent)
            _remove_temporary(folder)


def _remove_temporary(folder: Path) -> None:
    """Delete one of our temporary folders, its marker last: if this is interrupted too, what is
    left still carries the marker, so the next build knows it for ours and deletes it. Folders of
    it made read-only by hand (the previous site's, `chmod 555`) are made writable first."""
    if not _emptied(folder):
        _make_removable(str(folder))
        if not _emptied(folder):
            return  # kept with its marker: the next build tries again
    with contextlib.suppress(OSError):
        os.unlink(folder / MARKER)
    with contextlib.suppress(OSError):
        os.rmdir(folder)


def _emptied(folder: Path) -> bool:
    """Delete what FOLDER holds but its marker; whether that is all it holds now."""
    try:
        children = [child for child in os.scandir(folder) if child.name != MARKER]
    except OSError:
        return not os.path.isdir(folder)
    for child in children:
        if child.is_dir(follow_symlinks=False):
            shutil.rmtree(child.path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(child.path)
    with contextlib.suppress(OSError):
        return not any(entry.name != MARKER for entry in os.scandir(folder))
    return False


def _make_removable(top: str) -> None:
    """Give this user the right to empty each folder under TOP (its own, links not followed):
    the previous site's, where a folder was made read-only by hand (`chmod 555`)."""
    stack = [top]
    while stack:
        folder = stack.pop()
        with contextlib.suppress(OSError):
            info = os.lstat(folder)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
                continue
            os.chmod(folder, stat.S_IMODE(info.st_mode) | stat.S_IRWXU)
            with os.scandir(folder) as entries:
                stack.extend(e.path for e in entries if e.is_dir(follow_symlinks=False))


def _remove_if_long_empty(folder: Path) -> None:
    """An empty folder by our temporaries' name is what a build killed before writing its marker
    (or after deleting it) leaves; a young one may be another build's that is just starting."""
    with contextlib.suppress(OSError):
        if folder.stat().st_mtime < time.time() - STARTING_SECONDS:
            os.rmdir(folder)  # fails, deleting nothing, unless the folder is empty


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders (Linux renameat2); False where the system cannot."""
    try:
        # The process's own symbols, the C library's among them: finding it by name would run
        # `ldconfig` in a process of its own.
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0
