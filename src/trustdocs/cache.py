"""The persistent build cache beside site.yaml: content-addressed entries, written atomically.

Layout (no other module knows it): `.trustdocs-cache/<kind>/<key[:2]>/<key>.entry`, one entry per
file: a header line (format, kind, key, the size of the value's first part, and keyed hashes of
these and of each part, keyed with this user's own secret), then the value, pickled, and its
second part if it has one (a page's HTML: a build that links the previous site's file reads only
the first). Only a part whose hash checks out is used: a corrupt, truncated or foreign entry (made
elsewhere, planted, or one of ours moved to another's name) is ignored (then rewritten), never
trusted.
Each entry is written to a temporary file and renamed into place, so concurrent builds sharing a
cache only ever see whole entries. A full build prunes entries it did not use that are older than
its start, so the cache holds about one build's worth.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import hmac
import importlib.util
import itertools
import json
import os
import pickle
import secrets
import stat
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from trustdocs.config import (
    SiteConfig,
    default_theme_dir,
    in_repository_folder,
    leads_above,
    theme_folders,
    within_site,
)
from trustdocs.diagnostics import Diagnostic, display_path, warning

CACHE_DIR = ".trustdocs-cache"
ENTRY_SUFFIX = ".entry"
FORMAT = 3  # 3: a value and a second part, read apart (2: a value; 1: JSON)
PRUNE_GRACE_SECONDS = 600
_README = "Build cache of trustdocs: safe to delete at any time; keep it out of version control.\n"


def fingerprint(*parts: object) -> str:
    """A stable key for PARTS (strings, bytes, numbers, None, and lists, tuples, sets, dicts of them)."""
    data = _key_text(_canonical(parts))
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()


# Made once: `json.dumps` with options makes an encoder at each call, which cost a build after
# one edit at 1,000 lessons more than the hashing (5,000 keys); `JSONEncoder.encode` still makes
# its C encoder at each call, half the cost of encoding a key: the same encoder, made once.
_KEY_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _key_text(value: object) -> str:
    """VALUE (made of plain values) as JSON, as `_KEY_ENCODER.encode` writes it."""
    if _KEY_C is None or isinstance(value, str):
        return _KEY_ENCODER.encode(value)
    return "".join(_KEY_C(value, 0))


_KEY_C = (
    None  # where Python's json has no C accelerator
    if json.encoder.c_make_encoder is None
    else json.encoder.c_make_encoder(
        None,  # no check for cycles: keys are made of plain values (`_canonical`)
        _KEY_ENCODER.default,
        json.encoder.encode_basestring,
        None,
        ":",
        ",",
        False,
        False,
        True,
    )
)


_PLAIN = {str, int, float, bool, type(None)}
HASHED = "sha256:"  # bytes in a key, and a regular file's digest, are their SHA-256 after this


def _canonical(value: object) -> object:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, bytes):
        return HASHED + hashlib.sha256(value).hexdigest()
    if isinstance(value, tuple | list):
        if set(map(type, value)) <= _PLAIN:
            return list(value)
        return [_canonical(item) for item in value]
    if isinstance(value, dict):
        return [
            [str(k), _canonical(v)] for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))
        ]
    if isinstance(value, frozenset | set):
        return sorted((_canonical(item) for item in value), key=repr)
    return repr(value)


class BuildCache:
    """Entries of one site's cache; a disabled cache (`--no-cache`) finds nothing and keeps nothing."""

    def __init__(self, folder: Path | None) -> None:
        # Why a cache folder asked for is not used (see `unusable_folder`), for a warning.
        self.refused = None if folder is None else unusable_folder(folder)
        self.folder = None if self.refused else folder
        self.started = time.time()
        self.hits = 0
        self.misses = 0
        self._own: set[str] = set()  # entry folders known to be the cache's own, not links
        self._described = False  # the cache's README written, if it was missing
        self._written = 0
        self._touched: set[tuple[str, str]] = set()  # shared entries touched by this build
        self._pack: _Pack | None = None  # see `open_pack`
        self.pack_name = ""  # the pack a build writing its output reads or makes (`open_pack`)
        # What each file pages read held when this build began (`reads_now`): asked again of
        # every page whose facts the build takes from the cache (`ParsedPages.reuse`).
        self.reads_seen: dict[str, str | None] = {}

    @property
    def enabled(self) -> bool:
        """Whether entries are read and written."""
        return self.folder is not None

    def _path(self, kind: str, key: str) -> str:
        # Text, not a Path: a build looks up thousands of entries, and Path objects cost more
        # to make than the lookup.
        assert self.folder is not None
        return os.path.join(self.folder, kind, key[:2], key + ENTRY_SUFFIX)

    def has(self, kind: str, key: str) -> bool:
        """Whether an entry is stored under (KIND, KEY); `get` tells whether it can be trusted."""
        if self._pack is not None and self._pack.holds(kind, key):
            return True
        return self.folder is not None and bool(key) and _regular_entry(self, self._path(kind, key))

    def _own_entry_folder(self, path: str) -> bool:
        """Whether the entry PATH is in folders of the cache's own: a link put in place of a kind's
        or an entry folder leads elsewhere, where a build must not even set times."""
        folder = os.path.dirname(path)
        if folder not in self._own:
            try:
                if not all(
                    stat.S_ISDIR(os.lstat(f).st_mode) for f in (folder, Path(folder).parent)
                ):
                    return False
            except OSError:
                return False
            self._own.add(folder)
        return True

    def touch(self, kind: str, key: str, once: bool = False) -> bool:
        """Whether an entry is stored under (KIND, KEY), which counts as used by this build
        (pruning keeps it) as an entry read does. ONCE: an entry many pages share, touched once."""
        if self.folder is None or not key:
            return False
        if once and (kind, key) in self._touched:
            return True
        path = self._path(kind, key)
        try:
            if not _regular_entry(self, path):
                return False
            os.utime(path, follow_symlinks=False)
        except OSError:
            return False
        if once:
            self._touched.add((kind, key))
        return True

    def get(self, kind: str, key: str) -> bytes | None:
        """The payload stored under (KIND, KEY) in its own file, or None when missing or not to be
        trusted; of an entry in two parts (`put`'s TAIL), the first, read alone."""
        pack = self._pack
        found = _read_entry(self, kind, key, whole=False)
        if pack is not None and kind in PACKED_KINDS:
            pack.read_outside(self, kind, key, None if found is None else found[0])
        return None if found is None else found[0]

    def get_both(self, kind: str, key: str) -> tuple[bytes, bytes] | None:
        """The payload stored under (KIND, KEY) and its second part (`put`'s TAIL), or None."""
        found = _read_entry(self, kind, key, whole=True)
        pack = self._pack
        if pack is not None and kind in PACKED_KINDS and not pack.bypassed(kind, key):
            pack.read_outside(self, kind, key, None if found is None else found[0])
        return found

    def put(self, kind: str, key: str, payload: bytes, tail: bytes = b"") -> None:
        """Store PAYLOAD under (KIND, KEY), atomically, with TAIL after it: `get` reads PAYLOAD
        without reading TAIL, `get_both` both; a full disk only loses the entry."""
        if self.folder is None:
            return
        if self._pack is not None and kind in PACKED_KINDS:
            self._pack.written(self, kind, key, payload)
        path = Path(self._path(kind, key))
        try:
            if str(path.parent) not in self._own:
                # A link put in place of the kind's folder or the entry folder: not written through.
                if not (_own_folder(path.parent.parent) and _own_folder(path.parent)):
                    return
                self._own.add(str(path.parent))
            if not self._described:
                self._describe()
                self._described = True
            # A name of this process's own, created exclusively: no other writer can share it.
            self._written += 1
            temporary = path.parent / f".entry-{os.getpid()}-{self._written}-{secrets.token_hex(4)}"
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(_header(kind, key, payload, tail) + b"\n" + payload + tail)
                os.replace(temporary, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError:
            return

    def _describe(self) -> None:
        assert self.folder is not None
        readme = self.folder / "README.txt"
        if not os.path.lexists(readme):
            with contextlib.suppress(OSError):
                _create(readme, _README.encode("utf-8"))

    def prune(self) -> int:
        """Delete entries neither this build nor any in the last minutes used; return how many.

        The grace keeps a preview and a build of the same site (which differ in a setting or two)
        from deleting each other's entries; the cache stays about a build or two in size.
        """
        return _pruned(self)

    def open_pack(self, name: str) -> None:
        """Read the entries of PACKED_KINDS from the pack NAME (`_Pack`) as far as it holds them;
        when there is none, make it of the entries this build uses, kept by `close_pack`."""
        if self.folder is not None and name:
            self._pack = _pack_of(self, name)

    def close_pack(self, left: bool = False) -> None:
        """Keep the pack this build made, or drop the one it read if stale (`_Pack.close`). LEFT:
        pages are about to be made in forked workers, which must neither write chunks of their
        own nor be read from a pack as they were: the next build makes it anew."""
        pack, self._pack = self._pack, None
        if pack is not None:
            pack.close(self, left)


def _prune_due(cache: BuildCache) -> bool:
    """Whether CACHE is to be pruned now: looking at every entry costs more than a warm build, so
    it is done once per grace period (a stamp dated in the future, by a clock set back or by
    hand, is no reason to wait)."""
    if cache.folder is None or not cache.folder.is_dir():
        return False
    with contextlib.suppress(OSError):
        stamped = (cache.folder / "last-pruned").lstat().st_mtime
        if time.time() - PRUNE_GRACE_SECONDS < stamped <= time.time() + 1:
            return False
    return True


def _pruned(cache: BuildCache) -> int:
    """`BuildCache.prune`: the number of entries deleted."""
    if cache.folder is None or not _prune_due(cache):
        return 0
    stamp = cache.folder / "last-pruned"
    try:
        os.utime(stamp, follow_symlinks=False)  # a link put in its place: never followed
    except FileNotFoundError:
        with contextlib.suppress(OSError):
            _create(stamp, b"")
    except OSError:
        pass
    removed = 0
    oldest = min(cache.started, time.time() - PRUNE_GRACE_SECONDS) - 1
    files = _entry_folder_files(cache.folder)
    packed = _packed_since(cache, files, oldest)
    for path in files:
        try:
            if path.name.endswith((ENTRY_SUFFIX, ".json")):  # ".json": entries of format 1
                if path.stem in packed:
                    continue
                if path.lstat().st_mtime < oldest and _is_entry(path):
                    path.unlink()
                    removed += 1
            elif _is_leftover(path) and path.lstat().st_mtime < cache.started - 60:
                path.unlink()  # of a write cut short
        except OSError:
            continue
    return removed


def _packed_since(cache: BuildCache, files: list[Path], oldest: float) -> set[str]:
    """The keys of the entries that packs read or made since OLDEST list (FILES: the cache's):
    a build that read them from a pack used them as surely as one that read their files."""
    keys: set[str] = set()
    folder = os.path.join(str(cache.folder), PACK_KIND)
    for path in files:
        with contextlib.suppress(OSError):
            if str(path.parent.parent) != folder:
                continue
            info = path.lstat()
            if info.st_mtime < oldest or info.st_size > PACK_INDEX_MOST:  # no index is that large
                continue
            found = _read_entry(cache, PACK_KIND, path.stem, whole=False, used=False)
            listed = _unpickled(cache, None if found is None else found[0], tuple)
            with contextlib.suppress(TypeError, ValueError):
                for chunk, entries in listed or ():
                    keys.add(chunk)
                    keys.update(key for _, key in entries)
    return keys


def _forget(cache: BuildCache, kind: str, key: str) -> None:
    """Delete the entry (KIND, KEY) of CACHE, if it is a file of the cache's own."""
    if cache.folder is None or not key:
        return
    path = cache._path(kind, key)
    with contextlib.suppress(OSError):
        if _regular_entry(cache, path) and _starts_as(path, _ENTRY_START):
            os.unlink(path)


def _read_entry(
    cache: BuildCache, kind: str, key: str, whole: bool, used: bool = True
) -> tuple[bytes, bytes] | None:
    """The entry (KIND, KEY) of CACHE, its second part too when WHOLE; counted as a hit or a miss,
    and as used by this build (pruning keeps it), unless not USED (looked at by pruning)."""
    if cache.folder is None:
        return None
    path = cache._path(kind, key)
    value = None
    named = f"trustdocs-cache {FORMAT} {kind} {key}"
    found = _entry_parts(path, f"{named} ".encode(), whole)
    if found is not None:
        fields, head, tail = found
        if _parts_check_out(named, fields, head, tail if whole else None):
            value = head, tail
    if value is None:
        cache.misses += 1
        return None
    cache.hits += 1
    with contextlib.suppress(OSError):
        if used and cache._own_entry_folder(path):  # the entry read is a regular file
            os.utime(path, follow_symlinks=False)  # used by this build: pruning keeps it
    return value


_HEX = frozenset("0123456789abcdef")


def _create(path: Path, data: bytes) -> None:
    """Write a new file of the cache's own at PATH; never through a link put in its place."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with os.fdopen(os.open(path, flags, 0o600), "wb") as out:
        out.write(data)


def _regular_entry(cache: BuildCache, path: str) -> bool:
    """Whether PATH is a regular file in entry folders of CACHE's own."""
    try:
        return cache._own_entry_folder(path) and stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def unusable_folder(folder: Path) -> str | None:
    """Why FOLDER cannot be a site's cache folder, or None when it can: a folder, or one to be
    made, or a link to a folder that is empty or holds a cache already (a user's choice: the
    cache on a faster disk). A link to any other folder, as a hostile repository may hold
    (`.trustdocs-cache -> /etc`), would lead the cache's writes there: not followed."""
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISDIR(info.st_mode):
        return None
    if not stat.S_ISLNK(info.st_mode):
        return "is not a folder"
    target = os.path.realpath(folder)
    try:
        with os.scandir(folder) as found:
            empty = next(found, None) is None
    except OSError:
        return f"is a link to {target}, which is no folder"
    if empty or _small_file_bytes(folder / "README.txt", len(_README) * 4) == _README.encode():
        return None
    return f"is a link to {target}, a folder that holds no build cache"


def cache_warnings(cache: BuildCache, config_path: Path) -> list[Diagnostic]:
    """A warning when the cache folder asked for is not used (`unusable_folder`), at CONFIG_PATH."""
    if cache.refused is None:
        return []
    return [
        warning(
            display_path(config_path),
            1,
            1,
            f"the build cache {CACHE_DIR} {cache.refused}: builds of this site are not cached",
            f"remove {CACHE_DIR}, or pass --no-cache (a link there is followed only to an empty "
            "folder or to a build cache)",
        )
    ]


def _own_folder(folder: Path) -> bool:
    """Make FOLDER (and the folders above it) if need be; whether it is a folder rather than a
    link to one elsewhere (the cache folder itself may be a link: see `unusable_folder`)."""
    folder.mkdir(parents=True, exist_ok=True)
    return stat.S_ISDIR(os.lstat(folder).st_mode)


def _entry_folder_files(folder: Path) -> list[Path]:
    """The files in FOLDER's entry folders (`<kind>/<key[:2]>/`) reached by folders of its own:
    a link put in place of one leads elsewhere, where pruning must delete nothing."""
    files: list[Path] = []
    for kind in _subfolders(folder):
        for entries in _subfolders(kind):
            with contextlib.suppress(OSError), os.scandir(entries) as found:
                files += [Path(entry.path) for entry in found]
    return files


def _subfolders(folder: str | Path) -> list[str]:
    """The folders in FOLDER, links to folders left out; none if it cannot be listed."""
    with contextlib.suppress(OSError), os.scandir(folder) as found:
        return [entry.path for entry in found if entry.is_dir(follow_symlinks=False)]
    return []


def _is_leftover(path: Path) -> bool:
    """Whether PATH is named as a temporary file of an entry being written (`BuildCache.put`)."""
    folder = path.parent.name
    return path.name.startswith(".entry-") and len(folder) == 2 and set(folder) <= _HEX


def _is_entry(path: Path) -> bool:
    """Whether PATH is an entry this cache wrote: pruning deletes nothing else, even where the cache
    folder is a link to somewhere that holds other files."""
    key = path.stem
    if len(key) != 64 or not set(key) <= _HEX or path.parent.name != key[:2]:
        return False
    return _starts_as(str(path), _ENTRY_START)


# No entry this cache writes comes near this size (the build record of 10,000 pages: a few MB).
MAX_ENTRY_BYTES = 1 << 28
_OPEN_ENTRY = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def _starts_as(path: str, start: bytes) -> bool:
    """Whether PATH is a regular file this cache could have written that starts with START."""
    return _entry_parts(path, start, whole=False, header=False) is not None


# The header after its kind and key: the first part's size, then two hashes of 64 digits.
_HEADER_ROOM = 24 + 2 * 65


def _entry_parts(
    path: str, start: bytes, whole: bool, header: bool = True
) -> tuple[list[bytes], bytes, bytes] | None:
    """The header fields after START of the entry at PATH, its first part, and its second part
    when WHOLE (else empty); None unless it is a regular file this cache could have written,
    starting with START (and, unless HEADER is false, a header line after it). The cache may come
    from elsewhere (restored in CI, or committed with a repository): an entry that is a link (to
    /dev/zero, say) or a FIFO would never end or never answer, and a huge file would fill memory;
    each is only a miss, and is written anew. A file that does not start as it must is not read
    further, and nothing is read beyond the part asked for."""
    try:
        handle = os.open(path, _OPEN_ENTRY)
    except OSError:
        return None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
            return None
        first = _read_up_to(handle, len(start) + (_HEADER_ROOM if header else 0))
        if not first.startswith(start):
            return None
        if not header:
            return [], b"", b""
        line, newline, rest = first[len(start) :].partition(b"\n")
        fields = line.split(b" ")
        if not newline or len(fields) != 3 or not fields[0].isdigit():
            return None
        head_size, size = int(fields[0]), info.st_size - len(start) - len(line) - 1
        if head_size > size:
            return None
        wanted = size if whole else head_size
        # Read again from where it starts, in one piece: not joined to what the header's read
        # took of it (a chunk is megabytes: joining copied them all once more).
        offset = len(start) + len(line) + 1
        body = rest[:wanted] if len(rest) >= wanted else _read_at(handle, wanted, offset)
        if len(body) != wanted:
            return None
        return fields, body[:head_size], body[head_size:]
    except OSError:
        return None
    finally:
        os.close(handle)


def _read_at(handle: int, size: int, offset: int) -> bytes:
    """SIZE bytes of HANDLE from OFFSET on (fewer at its end), in one piece when the system
    gives them at once, as it does for a regular file."""
    first = os.pread(handle, size, offset)
    if len(first) == size or not first:
        return first
    return first + _read_up_to(handle, size - len(first))  # the file position is after them


def _read_up_to(handle: int, size: int) -> bytes:
    """SIZE bytes from HANDLE, fewer at its end. As many as asked for: asking the system for the
    largest entry allowed would reserve that much memory."""
    parts, left = [], size
    while left > 0:
        part = os.read(handle, left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


_ENTRY_START = b"trustdocs-cache "  # of any format: older ones are pruned too


def _hashes(named: str, head: bytes, tail: bytes | None) -> tuple[str, str | None]:
    """The keyed hashes (HMAC-SHA-256) of an entry's first part and, unless TAIL is None, of its
    second: each covers the format, kind and key (NAMED), the first covers its size too, and the
    second the first's hash, so that no part of one entry stands for another's."""
    head_hash = _keyed(f"{named} {len(head)}\n", head)
    return head_hash, None if tail is None else _keyed(f"{named} {head_hash}\n", tail)


def _keyed(line: str, data: bytes) -> str:
    """The HMAC-SHA-256, with this user's secret, of LINE's bytes followed by DATA: fed in turn,
    never joined (a chunk is megabytes)."""
    keyed = hmac.new(_secret(), line.encode(), hashlib.sha256)
    keyed.update(data)
    return keyed.hexdigest()


def _header(kind: str, key: str, payload: bytes, tail: bytes = b"") -> bytes:
    """The first line of an entry: format, kind, key, the size of PAYLOAD, and keyed hashes of
    these and of PAYLOAD, and of TAIL after it (`_hashes`).

    The hashes are keyed with this user's own secret, so an entry made elsewhere (a cache committed
    to a repository, a planted file with the right name) never checks out, however well it is
    formed; nor does an entry made here, moved to another entry's name with its header saying so.
    """
    named = f"trustdocs-cache {FORMAT} {kind} {key}"
    head_hash, tail_hash = _hashes(named, payload, tail)
    return f"{named} {len(payload)} {head_hash} {tail_hash}".encode()


def _parts_check_out(named: str, fields: list[bytes], head: bytes, tail: bytes | None) -> bool:
    """Whether an entry's header FIELDS (after NAMED) hold the keyed hashes of HEAD, and of TAIL
    unless it is None (not read)."""
    head_hash, tail_hash = _hashes(named, head, tail)
    if not hmac.compare_digest(fields[1], head_hash.encode()):
        return False
    return tail_hash is None or hmac.compare_digest(fields[2], tail_hash.encode())


@functools.cache
def _secret() -> bytes:
    """This user's cache secret, made once; a fresh one per process if it cannot be kept."""
    home = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(home):  # a relative one is ignored, as the XDG spec has it: it would
        home = os.path.join(os.path.expanduser("~"), ".cache")  # name a folder of the site
    path = Path(home) / "trustdocs" / "cache-secret"
    data = _secret_bytes(path)
    if data is not None and len(data) >= SECRET_BYTES:
        return data
    secret = secrets.token_bytes(SECRET_BYTES)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        _keep_secret(path, secret)
    data = _secret_bytes(path)  # another build made it first: use theirs
    if data is not None and len(data) >= SECRET_BYTES:
        return data
    return secret


SECRET_BYTES = 32
SECRET_MOST = 4 * SECRET_BYTES  # a secret file larger than this is none this cache made


def _secret_bytes(path: Path) -> bytes | None:
    """The secret file at PATH; None when it is missing, too large, or no regular file (a FIFO
    would never answer, a link to /dev/zero never end): each means a secret of this process's
    own, and is left where it is."""
    return _small_file_bytes(path, SECRET_MOST)


def _keep_secret(path: Path, secret: bytes) -> None:
    """Put SECRET at PATH, written whole first under a name of its own: a build killed while
    writing it, or a full disk, never leaves one too short to use (each build after would make
    its own, and none would share another's entries). One left so by an older trustdocs is
    replaced; a whole one another build put there first is kept, and so is anything that is no
    regular file."""
    temporary = path.with_name(f".cache-secret-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        _create(temporary, secret)
        try:
            os.link(temporary, path)
        except OSError:  # one is there already, or the file system has no hard links
            if os.path.lexists(path):
                existing = _secret_bytes(path)
                if existing is None or len(existing) >= SECRET_BYTES:
                    return
            os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


# What a page read of a file: (path, digest) where the digest is `file_digest`'s form. A file can
# be read twice in a build and changed in between: both reads count.
FileRead = tuple[str, str | None]
CHANGED_WHILE_READ = "changed while it was read"  # no file on disk has this digest


def reads_fingerprint(reads: Iterable[FileRead]) -> str:
    """A key for files as they were read; for the same files as they are now (`reads_now`), the
    same key only when none has changed since."""
    return fingerprint(*sorted(set(reads), key=lambda read: (read[0], read[1] or "")))


def reads_now(
    reads: Iterable[FileRead], most: int, seen: dict[str, str | None] | None = None
) -> list[FileRead]:
    """The files of READS as they are on disk now, to compare with `reads_fingerprint` (MOST: see
    `file_digest`); each one's digest is kept in SEEN too."""
    folders: dict[str, str] = {}  # where each folder leads: many files share one
    now = [(path, read_digest(path, most, folders)) for path, _ in reads]
    if seen is not None:
        seen.update(now)
    return now


def read_digest(path: str, most: int, folders: dict[str, str] | None = None) -> str | None:
    """The digest of a file a page read (`FileRead`): its `file_digest`, with where PATH leads
    when a link (its own or a folder's on the way) takes it elsewhere. Pointing a link at another
    file, even one with the same bytes, changes what was read: it may lead out of the site.
    FOLDERS: where folders lead, found so far."""
    before = time.time_ns()
    try:
        info: os.stat_result | None = os.lstat(path)
    except OSError:
        info = None
    linked = info is not None and stat.S_ISLNK(info.st_mode)
    if folders is None or linked:
        real = os.path.realpath(path)
    else:
        folder, name = os.path.split(path)
        real = os.path.join(real_folder(folder, folders), name)
    # Of a file that is no link, what `lstat` found is what `stat` would: not asked twice.
    seen = None if info is None or linked else (before, info)
    return leading(path, real, file_digest(path, most, seen))


def real_folder(folder: str, folders: dict[str, str]) -> str:
    """`os.path.realpath(FOLDER)`, from the real paths of the folders above it found so far
    (FOLDERS, which gains FOLDER's and those on the way): lessons reading `../exercises/…` each
    name a folder of their own, and resolving each from the root looked at every folder on the
    way again. A step at a time, however deep the path (a page may name one thousands deep)."""
    real = folders.get(folder)
    if real is not None:
        return real
    steps: list[tuple[str, str]] = []  # (folder, its last name), from FOLDER up
    above = folder
    while real is None:
        parent, name = os.path.split(above)
        if not name or parent == above:  # the root, or the working folder
            real = folders[above] = os.path.realpath(above)
            break
        steps.append((above, name))
        above = parent
        real = folders.get(above)
    for path, name in reversed(steps):
        if name == "..":  # what the folder above leads to, and up from there
            real = os.path.dirname(real)
        elif name != ".":  # a real path is a folder's name too: found once for every way to it
            joined = os.path.join(real, name)
            real = folders.get(joined)
            if real is None:
                real = os.path.realpath(joined) if os.path.islink(joined) else joined
                folders[joined] = real
        folders[path] = real
    return real


def leading(path: str, real: str, digest: str | None) -> str | None:
    """`read_digest` of PATH, which leads to REAL, when the file there has DIGEST."""
    return digest if real == path else f"{digest} at {real}"


def bytes_digest(data: bytes) -> str:
    """The digest of a regular file that holds DATA, as `file_digest` gives it."""
    return HASHED + hashlib.sha256(data).hexdigest()


def size_digest(size: int) -> str:
    """What `file_digest` gives for a regular file of SIZE bytes, more than it may read."""
    return f"larger than allowed ({size} bytes)"


def kind_digest(mode: int) -> str:
    """What `file_digest` gives for a file of MODE that is not a regular file."""
    return f"not a regular file ({stat.S_IFMT(mode):o})"


Stamp = tuple[int, int, int, int, int]  # device, inode, size, modification and change times (ns)
KnownDigest = tuple[Stamp, str]  # a file as it was when hashed, and its digest

# Digests of the site's files by path, with the file's stamp when it was hashed: a build asks for
# each several times (its page's facts, its outputs, the build record), a preview after every
# edit, and the build record hands them to the next build, which then reads only changed files.
_DIGESTS: dict[str, KnownDigest] = {}
_DIGESTS_KEPT = 1 << 16
_SETTLED_NS = 2_000_000_000  # a file changed this recently may change again within one time tick


def _stamp(info: os.stat_result) -> Stamp:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def file_digest(
    path: Path | str, most: int | None = None, seen: tuple[int, os.stat_result] | None = None
) -> str | None:
    """The SHA-256 of a regular file, read in pieces; for anything else only what kind it is: a
    FIFO without a writer would block, a device such as /dev/zero never ends. None: missing, or
    it cannot be opened. A regular file of more than MOST bytes is known by its size alone: it is
    refused whatever it holds, and it may be huge. A file whose stamp is the one it had when it
    was last hashed (here, or by the build that left the record) is not read again. SEEN: the
    time just before PATH was looked at, and what `os.stat` found then, when that was done."""
    if seen is not None:
        before, info = seen
    else:
        before = time.time_ns()
        try:
            info = os.stat(path)
        except OSError:
            return None
    known = _DIGESTS.get(str(path))
    if known is not None and known[0] == _stamp(info) and (most is None or info.st_size <= most):
        return known[1]
    opened = _opened(path)
    if opened is None:
        return None
    handle, info = opened
    if not stat.S_ISREG(info.st_mode):  # a folder too: a file object refuses to hold one
        os.close(handle)
        return kind_digest(info.st_mode)
    if most is not None and info.st_size > most:
        os.close(handle)
        return size_digest(info.st_size)
    with os.fdopen(handle, "rb") as file:
        try:
            digest = HASHED + hashlib.file_digest(file, "sha256").hexdigest()
        except OSError:
            return None
    # Kept only for a file that had not changed for a while before it was looked at: two writes
    # within one tick of the file system's clock can leave the same size and times ("racy"
    # files, as git calls them). Any later write gives it other times: the change time cannot
    # be set back.
    if before - max(info.st_mtime_ns, info.st_ctime_ns) > _SETTLED_NS:
        if len(_DIGESTS) >= _DIGESTS_KEPT:
            _DIGESTS.clear()
        _DIGESTS[str(path)] = (_stamp(info), digest)
    return digest


def still_as_hashed(path: Path | str) -> bool:
    """Whether the file at PATH is as `file_digest` found it settled: the digest it kept still
    holds (any write since moved the file's times)."""
    known = _DIGESTS.get(str(path))
    try:
        return known is not None and known[0] == _stamp(os.stat(path))
    except OSError:
        return False


def _opened(path: str | Path) -> tuple[int, os.stat_result] | None:
    """PATH opened for reading without waiting (a FIFO never answers a blocking open), and what
    it is; None when it cannot be opened."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        return handle, os.fstat(handle)
    except OSError:
        os.close(handle)
        return None


def known_digests(paths: Iterable[str]) -> dict[str, KnownDigest]:
    """What `file_digest` keeps of PATHS (each hashed when it had settled), for the build record."""
    return {path: _DIGESTS[path] for path in paths if path in _DIGESTS}


def learn_digests(paths: Iterable[Path | str], most: int | None = None) -> None:
    """Hash each of PATHS this process knows no digest of (`file_digest`, MOST: see there), for
    the build record; one it knows is not even looked at: the record's digests are only known
    with the stamp a file had, and a file changed since is hashed again by the build that finds
    it so (a build after an edit looked at every page file and every file they read already)."""
    for path in paths:
        if str(path) not in _DIGESTS:
            file_digest(path, most)


def remember_digests(known: dict[str, KnownDigest]) -> None:
    """Take the digests an earlier build kept (`known_digests`) as if the files were hashed here."""
    if len(_DIGESTS) + len(known) > _DIGESTS_KEPT:
        _DIGESTS.clear()
    _DIGESTS.update(itertools.islice(known.items(), _DIGESTS_KEPT))


@functools.cache
def code_fingerprint() -> str:
    """trustdocs' own code and the versions of what renders: a change to either invalidates all."""
    import sys

    package = Path(__file__).parent
    sources = sorted(package.rglob("*.py"))
    return fingerprint(
        FORMAT,
        [(p.relative_to(package).as_posix(), p.read_bytes()) for p in sources],
        [package_code(name, ("__init__.py",)) for name in _RENDERING_PACKAGES],  # versions
        stemmer_code(),  # cached search records hold its stems
        sys.version,  # heading ids and words follow its Unicode tables
        installed_distributions(),
    )


def installed_distributions() -> list[str]:
    """The name and version of each distribution on Python's path, as the names of their metadata
    folders hold them (`Pygments-2.18.0.dist-info`): installing a Pygments plugin (a lexer for a
    language that was plain text) or upgrading anything a page's HTML passes through changes it.
    Listing these folders costs a fraction of a millisecond; reading the metadata, far more."""
    import sys

    names: list[str] = []
    for entry in sys.path:
        if not isinstance(entry, str):  # passed over by imports too
            continue
        with contextlib.suppress(OSError), os.scandir(entry or ".") as found:
            names += sorted(e.name for e in found if e.name.endswith(_METADATA_FOLDERS))
    return names


_METADATA_FOLDERS = (".dist-info", ".egg-info")


_RENDERING_PACKAGES = ("jinja2", "markdown_it", "mdit_py_plugins", "pygments")
_STEMMER_FILES = ("__init__.py", "among.py", "basestemmer.py", "english_stemmer.py")


def package_code(name: str, files: Iterable[str]) -> list[tuple[str, bytes | None]]:
    """FILES of the installed package NAME, found without importing it (a build that finds
    nothing changed never loads what renders): its `__init__.py` holds its version."""
    spec = importlib.util.find_spec(name)
    folder = Path(spec.origin).parent if spec is not None and spec.origin else None
    code: list[tuple[str, bytes | None]] = []
    for file in files:
        try:
            code.append((file, (folder / file).read_bytes() if folder else None))
        except OSError:
            code.append((file, None))
    if any(text is None for _, text in code):  # installed without its sources: ask its version
        code.append(("version", _installed_version(name)))
    return code


def _installed_version(name: str) -> bytes | None:
    """The version the package NAME says it is (importing it), else its distribution's."""
    import importlib
    import importlib.metadata

    try:
        version = getattr(importlib.import_module(name), "__version__", None)
        return str(version or importlib.metadata.version(name)).encode()
    except (ImportError, importlib.metadata.PackageNotFoundError):
        return None


def stemmer_code() -> list[tuple[str, bytes | None]]:
    """The code of the English stemmer search uses (it has no version of its own to ask for
    but its package's metadata, whose import costs a warm build more than reading these). When
    snowballstemmer hands stemming to PyStemmer's compiled build, that one's version is in
    `installed_distributions`."""
    return package_code("snowballstemmer", _STEMMER_FILES)


@dataclasses.dataclass
class KeyedTheme:
    """A theme's files as a site's key was made of them: each file's digest, and each template's
    bytes (not an asset's: it may be large). Pages are rendered from these, so that a template
    saved while a build runs is never rendered under the key of the one before."""

    digests: dict[str, str | None] = dataclasses.field(default_factory=dict)
    templates: dict[str, bytes] = dataclasses.field(default_factory=dict)

    def digest(self, folder: Path, path: Path) -> str | None:
        """PATH's digest, a file of the theme FOLDER; a template's bytes kept with it."""
        data = None
        if path.relative_to(folder).parts[0] != "assets":
            data = _small_file_bytes(path, TEMPLATE_MOST)
        if data is not None:
            self.templates[str(path)] = data
        digest = file_digest(path) if data is None else bytes_digest(data)
        self.digests[str(path)] = digest
        return digest


TEMPLATE_MOST = 1 << 20  # a template larger than this is read when it is rendered, as before


def _small_file_bytes(path: Path, most: int) -> bytes | None:
    """The bytes of PATH, a regular file of at most MOST bytes; None for anything else (read
    without waiting: a theme's file may be a FIFO)."""
    opened = _opened(path)
    if opened is None:
        return None
    handle, info = opened
    try:
        if not stat.S_ISREG(info.st_mode) or info.st_size > most:
            return None
        with os.fdopen(os.dup(handle), "rb") as file:
            data = file.read(most + 1)
        return data if len(data) <= most else None
    except OSError:
        return None
    finally:
        os.close(handle)


def config_fingerprint(
    config: SiteConfig, folders: Iterable[Path], keyed: KeyedTheme | None = None
) -> str:
    """Everything of the site's configuration and theme that a page's output may depend on;
    the theme's files as hashed are kept in KEYED."""
    settings = {
        f.name: str(getattr(config, f.name))
        for f in dataclasses.fields(config)
        if f.name not in ("output_dir", "named_output")  # where the site goes changes nothing
    }
    # Each file as a template error names it too: relative to the working folder inside it. Read
    # in pieces and never waiting: a theme may link to anything, a huge file or one of /proc.
    homes = theme_homes(config)
    # Where its links lead, too: one pointed out of the site (the same text there) is refused,
    # and not even read (it may be a file of any size).
    theme_files = [
        (
            str(path),
            display_path(path),
            os.path.realpath(path),
            None
            if leads_out(path, homes)
            else (file_digest(path) if keyed is None else keyed.digest(folder, path)),
        )
        for folder in folders
        for path in files_under(folder, homes)
    ]
    return fingerprint(code_fingerprint(), settings, theme_files)


def files_under(folder: Path, homes: list[str] | None = None) -> list[Path]:
    """Every file under FOLDER, sorted, through linked folders too: a template in a folder the
    theme links to (partials shared by several courses) renders pages as any other. Each folder
    is walked once: a link back up ends there, and another name for a folder walked already lists
    the files found there under that name too (fonts linked from two places). A linked folder
    that leads out of HOMES (`leads_out`), or above FOLDER (`leads_above`), is
    listed itself, not walked: a link to `/` would have every build read the whole disk."""
    top = os.path.realpath(folder)
    found: list[str] = []
    first: dict[str, str] = {}  # real folder -> the name it was walked under
    aliases: list[tuple[str, str]] = []  # another name of a folder walked -> that folder
    for here, folders, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(here)
        if real in first:
            folders.clear()
            if not here.startswith(first[real] + os.sep):  # not a link back up: another name
                aliases.append((here, real))
            continue
        first[real] = here
        for name in [n for n in folders if os.path.islink(os.path.join(here, n))]:
            link = os.path.join(here, name)
            if leads_out(link, homes) or leads_above(os.path.realpath(link), top):
                folders.remove(name)
                found.append(link)
        found += [path for name in files if os.path.isfile(path := os.path.join(here, name))]
    walked = list(found)  # the names of names are not listed again: the list stays bounded
    for alias, real in aliases:
        named = first[real] + os.sep
        found += [alias + path[len(named) - 1 :] for path in walked if path.startswith(named)]
    return sorted(map(Path, found))


def theme_homes(config: SiteConfig) -> list[str] | None:
    """Where a theme's files may really be, links followed: in the site's folder or the default
    theme's (None: anywhere, for a site with `sourceref_outside`). The site's theme folder is no
    home of its own: it is in the site, unless it is itself a link out."""
    if config.allow_outside_files:
        return None
    return [os.path.realpath(home) for home in (config.root_dir, default_theme_dir())]


def leads_out(path: str | Path, homes: list[str] | None) -> bool:
    """Whether PATH really lies out of every one of HOMES (real paths; None: never)."""
    real = os.path.realpath(path)
    if homes is None:
        return in_repository_folder(real)  # a repository's own folder is never a theme's
    return not any(within_site(real, home) for home in homes)


def site_fingerprint(config: SiteConfig, keyed: KeyedTheme | None = None) -> str:
    """The key of CONFIG's site: its settings, its theme's files and trustdocs itself; the
    theme's files as hashed are kept in KEYED."""
    return config_fingerprint(config, theme_folders(config.site_theme_dir), keyed)


def cache_folder(config: SiteConfig, enabled: bool = True) -> BuildCache:
    """The cache of CONFIG's site (beside its config file), or a disabled one."""
    return BuildCache(config.root_dir / CACHE_DIR if enabled else None)


# Entries a build after a few edits reads for every page (its facts, its outputs): read from a
# pack of large entries rather than a file each. Opening, checking and touching two small files a
# page took a tenth of such a build at 1,000 lessons.
PACKED_KINDS = frozenset({"facts", "page"})
PACK_KIND = "pack"  # a pack's index
PACK_INDEX_MOST = 1 << 26  # an index of 10,000 pages is under 2 MB: a larger file is none
CHUNK_KIND = "chunk"  # a pack's chunk
PACK_CHUNK_ENTRIES = 64  # entries to a chunk, at most,
PACK_CHUNK_BYTES = 1 << 22  # and about this many bytes: pages of any size make chunks of a size
PACK_LIVE_BYTES = 1 << 26  # chunks held at once, at most: an older one's rest is read apart
PACK_STALE_LEAST = 64  # entries read around a pack before it is made anew: at least this many,
PACK_STALE_SHARE = 16  # and more than one in this many of those it served

PackKey = tuple[str, str]  # (kind, key) of an entry


class _Pack:
    """A pack: entries of PACKED_KINDS (their first parts) in chunks, each chunk an entry of its
    own, checked as any other, listed by an index entry named for the builds that use it. A build
    reads each entry from its chunk, once; what the pack lacks, or holds as it was before this
    build wrote it anew, it reads from the entry's own file. With no pack to read, the build
    makes one of the entries it uses, in the order it uses them (the next build's order)."""

    def __init__(
        self, name: str, index: dict[PackKey, str] | None, listing: tuple[object, ...] = ()
    ) -> None:
        self.name = name
        self.index = index  # entry -> its chunk; None: no pack was found, one is being made
        self.listing = listing  # the index as it was read
        self.rewritten: set[PackKey] = set()  # entries it holds that this build wrote anew
        self.live: dict[str, dict[PackKey, object]] = {}  # chunks read: what is left of them
        self.live_sizes: dict[str, int] = {}  # the size of each of those, as kept
        self.live_bytes = 0
        self.served: set[PackKey] = set()  # entries the pack gave this build
        self.outside = 0  # entries this build read from their files or wrote
        self.damaged = False  # a chunk could not be read, or not trusted
        self.adding: dict[PackKey, bytes] = {}  # the chunk being made
        self.adding_bytes = 0
        self.evicted: set[PackKey] = set()  # entries of chunks let go: not counted as outside
        self.made: list[tuple[str, tuple[PackKey, ...]]] = []  # chunks kept, with their entries
        self.packed: set[PackKey] = set()  # entries in those
        self.superseded: set[PackKey] = set()  # of those, the ones written anew since

    def holds(self, kind: str, key: str) -> bool:
        """Whether the pack will give (KIND, KEY)'s first part."""
        return self.index is not None and (kind, key) in self.index

    def bypassed(self, kind: str, key: str) -> bool:
        """Whether the pack holds (KIND, KEY), read whole from its file instead (its second part
        is there alone): it counts as served, and is not read from the pack after."""
        if self.index is None or self.index.pop((kind, key), None) is None:
            return False
        self.served.add((kind, key))
        return True

    def take(self, cache: BuildCache, kind: str, key: str) -> object | None:
        """The value of the entry (KIND, KEY) from its chunk, or None."""
        chunk = None if self.index is None else self.index.pop((kind, key), None)
        if chunk is None:
            return None
        entries = self.live.get(chunk)
        if entries is None:
            entries = self._read_chunk(cache, chunk)
        value = entries.pop((kind, key), None)
        if not entries:
            self._let_go(chunk)
        if value is None:
            return None
        self.served.add((kind, key))
        return value

    def _read_chunk(self, cache: BuildCache, chunk: str) -> dict[PackKey, object]:
        """The entries of CHUNK, held until taken; none when it cannot be trusted or read (its
        entries are read from their files). Chunks read long ago are let go past PACK_LIVE_BYTES."""
        payload = cache.get(CHUNK_KIND, chunk)
        entries = _unpickled(cache, payload, dict) or {}
        # Values, each a build value: a chunk of payloads (an older trustdocs's) is none.
        if any(isinstance(value, bytes | bytearray) for value in entries.values()):
            entries = {}
        if not entries or payload is None:  # none is ever kept empty: damaged, or gone
            self.damaged = True
            assert self.index is not None
            for entry in [entry for entry, held in self.index.items() if held == chunk]:
                del self.index[entry]  # each read from its file, not the chunk again
            return {}
        while self.live and self.live_bytes + len(payload) > PACK_LIVE_BYTES:
            oldest = next(iter(self.live))
            for left in self.live[oldest]:
                self.index.pop(left, None)  # type: ignore[union-attr]  # read from its file
                self.evicted.add(left)
            self._let_go(oldest)
        self.live[chunk] = entries
        self.live_sizes[chunk] = len(payload)
        self.live_bytes += len(payload)
        return entries

    def _let_go(self, chunk: str) -> None:
        self.live.pop(chunk, None)
        self.live_bytes -= self.live_sizes.pop(chunk, 0)

    def read_outside(self, cache: BuildCache, kind: str, key: str, payload: bytes | None) -> None:
        """The entry (KIND, KEY) was read from its own file (PAYLOAD: its first part, or None)."""
        if payload is not None:
            self.outside += (kind, key) not in self.evicted  # the pack holds it: not stale
            self._add(cache, kind, key, payload)

    def written(self, cache: BuildCache, kind: str, key: str, payload: bytes) -> None:
        """The entry (KIND, KEY) is being written anew, with PAYLOAD first: read from its file
        from now on."""
        self.outside += 1
        if self.index is not None:
            held = self.index.pop((kind, key), None) is not None
            if held or (kind, key) in self.served or (kind, key) in self.evicted:
                self.rewritten.add((kind, key))
        elif (kind, key) in self.packed:  # kept in a chunk as it was: left out of the index
            self.superseded.add((kind, key))
        self._add(cache, kind, key, payload)

    def _add(self, cache: BuildCache, kind: str, key: str, payload: bytes) -> None:
        if self.index is not None or (kind, key) in self.packed:
            return
        self.adding_bytes += len(payload) - len(self.adding.get((kind, key), b""))
        self.adding[(kind, key)] = payload
        if len(self.adding) >= PACK_CHUNK_ENTRIES or self.adding_bytes >= PACK_CHUNK_BYTES:
            self._keep_chunk(cache)

    def _keep_chunk(self, cache: BuildCache) -> None:
        """Keep the entries being added as a chunk: their values pickled together, once, so that
        what they share (their classes, their fields' names) is read once per chunk."""
        if not self.adding:
            return
        values = _values(self.adding)
        self.adding, self.adding_bytes = {}, 0
        if not values:
            return
        payload = pickle.dumps(values, protocol=pickle.HIGHEST_PROTOCOL)
        chunk = hashlib.sha256(payload).hexdigest()
        cache.put(CHUNK_KIND, chunk, payload)
        self.made.append((chunk, tuple(values)))
        self.packed.update(values)

    def kept_listing(self, cache: BuildCache) -> tuple[object, ...]:
        """Of a pack being made: its chunks, the last one kept now, each with its entries not
        written anew since (the index to keep)."""
        self._keep_chunk(cache)
        return _listed_without(self.made, self.superseded)

    def close(self, cache: BuildCache, left: bool = False) -> None:
        """Keep the pack made (its index names its chunks), or drop the one read when it is
        stale: it served too few of the entries this build used; LEFT: see `close_pack`."""
        if left:
            if self.index is not None:
                _drop_pack(self, cache)
        elif self.index is None:
            listing = self.kept_listing(cache)
            if listing:
                store(cache, PACK_KIND, self.name, listing)
        elif self.damaged or self.outside > _stale_from(len(self.served)):
            _drop_pack(self, cache)
        elif self.rewritten:  # held as they were: the next build reads them from their files
            store(cache, PACK_KIND, self.name, _listed_without(self.listing, self.rewritten))


def _values(payloads: dict[PackKey, bytes]) -> dict[PackKey, object]:
    """The values of entries' PAYLOADS (written here, or read from entries that checked out);
    one of a trustdocs whose build values had another shape is left out."""
    values = {}
    for entry, payload in payloads.items():
        with contextlib.suppress(Exception):
            values[entry] = pickle.loads(payload)
    return values


def _listed_without(listing: Iterable[Any], left_out: set[PackKey]) -> tuple[object, ...]:
    """A pack's index LISTING (chunk, its entries) without the entries LEFT_OUT."""
    return tuple(
        (chunk, tuple(entry for entry in entries if tuple(entry) not in left_out))
        for chunk, entries in listing
    )


def _pack_of(cache: BuildCache, name: str) -> _Pack:
    """The pack NAME of CACHE, or one to make when there is none that can be read."""
    listed = load(cache, PACK_KIND, name, tuple)
    index: dict[PackKey, str] | None = None
    with contextlib.suppress(TypeError, ValueError):  # one of another shape: made anew
        index = {
            (kind, key): chunk
            for chunk, entries in listed or ()
            for kind, key in entries
            if isinstance(chunk, str) and isinstance(kind, str) and isinstance(key, str)
        }
    return _Pack(name, index or None, listed or ())


def _drop_pack(pack: _Pack, cache: BuildCache) -> None:
    """Delete PACK's index. Pruning keeps what an index used in the last minutes lists
    (`_packed_since`): the entries it served this build are touched first, as reading their
    files would have, so that they stay used by this build."""
    for kind, key in pack.served:
        cache.touch(kind, key)
    _forget(cache, PACK_KIND, pack.name)


def make_pack(cache: BuildCache) -> None:
    """In a build worker: pack the entries of PACKED_KINDS this process reads or writes in chunks
    of its own, listed by `pack_made`, when the build names a pack (`BuildCache.pack_name`)."""
    if cache.folder is not None and cache.pack_name:
        cache._pack = _Pack(cache.pack_name, None)


def pack_made(cache: BuildCache) -> tuple[object, ...]:
    """In a build worker: the chunks `make_pack` kept, with their entries (none without)."""
    pack, cache._pack = cache._pack, None
    return () if pack is None or pack.index is not None else pack.kept_listing(cache)


def pack_served(cache: BuildCache) -> tuple[object, ...]:
    """The chunks of the pack CACHE read (`open_pack`), each with the entries it gave this build
    so far and that the build has not written anew; or, when there was none to read, the chunks
    kept so far of the one being made: a pack of build workers lists them too."""
    pack = cache._pack
    if pack is None:
        return ()
    if pack.index is None:
        return pack.kept_listing(cache)
    kept = pack.served - pack.rewritten
    listed = (
        (chunk, tuple(e for e in entries if tuple(e) in kept)) for chunk, entries in pack.listing
    )
    return tuple((chunk, entries) for chunk, entries in listed if entries)


def keep_pack(cache: BuildCache, listings: Iterable[tuple[object, ...]]) -> None:
    """Keep the pack build workers made (each one's `pack_made`), under the name the build gave
    it: the build after a few edits reads every page from it, as from a pack such a build made,
    rather than a file a page."""
    listing = tuple(itertools.chain.from_iterable(listings))
    if cache.folder is not None and cache.pack_name and listing:
        store(cache, PACK_KIND, cache.pack_name, listing)


def _stale_from(served: int) -> int:
    """Entries read or written around a pack that served SERVED, beyond which it is made anew."""
    return max(min(PACK_STALE_LEAST, served), served // PACK_STALE_SHARE)


def load(cache: BuildCache, kind_name: str, key: str, kind: type) -> Any | None:
    """The entry (KIND_NAME, KEY) read back as a value of type KIND, or None; of an entry stored
    with a TAIL, the value alone."""
    pack = cache._pack
    if pack is not None and kind_name in PACKED_KINDS:
        packed = pack.take(cache, kind_name, key)  # None: the pack does not hold it
        if isinstance(packed, kind):
            cache.hits += 1
            return packed
    return _unpickled(cache, cache.get(kind_name, key), kind)


def load_with_tail(
    cache: BuildCache, kind_name: str, key: str, kind: type
) -> tuple[Any, bytes] | None:
    """The entry (KIND_NAME, KEY) read back as a value of type KIND, with its TAIL, or None."""
    found = cache.get_both(kind_name, key)
    value = None if found is None else _unpickled(cache, found[0], kind)
    return None if value is None or found is None else (value, found[1])


def _unpickled(cache: BuildCache, payload: bytes | None, kind: type) -> Any | None:
    if payload is None:
        return None
    try:
        # Only an entry whose keyed hash checked out gets here: this user's own builds wrote it.
        value = pickle.loads(payload)
    except Exception:  # an entry of a trustdocs whose build values had another shape
        value = None
    if not isinstance(value, kind):
        cache.misses += 1
        return None
    return value


def store(cache: BuildCache, kind_name: str, key: str, value: object, tail: bytes = b"") -> None:
    """Keep VALUE (a build value) under (KIND_NAME, KEY), and TAIL after it (`BuildCache.put`)."""
    if cache.enabled:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        cache.put(kind_name, key, payload, tail)
