"""The persistent build cache beside site.yaml: content-addressed entries, written atomically.

Layout (no other module knows it): `.trustdocs-cache/<kind>/<key[:2]>/<key>.json`, one entry per
file: a header line (format, kind, key, SHA-256 of the rest), then the value as JSON. Entries are data, never code: a corrupt, truncated or foreign entry fails its checks and is
ignored (then rewritten), never trusted. Each entry is written to a temporary file and renamed into place,
so concurrent builds sharing a cache only ever see whole entries. A full build prunes entries it did not
use that are older than its start, so the cache holds about one build's worth.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import hmac
import json
import os
import secrets
import stat
import time
import types
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from markdown_it.token import Token

from trustdocs.config import SiteConfig

CACHE_DIR = ".trustdocs-cache"
FORMAT = 1
PRUNE_GRACE_SECONDS = 600
_README = "Build cache of trustdocs: safe to delete at any time; keep it out of version control.\n"


def fingerprint(*parts: object) -> str:
    """A stable key for PARTS (strings, bytes, numbers, None, and lists, tuples, sets, dicts of them)."""
    data = json.dumps(_canonical(parts), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()


_PLAIN = {str, int, float, bool, type(None)}


def _canonical(value: object) -> object:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, bytes):
        return "sha256:" + hashlib.sha256(value).hexdigest()
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
        self.folder = folder
        self.started = time.time()
        self.hits = 0
        self.misses = 0
        self._folders: set[Path] = set()  # entry folders known to exist
        self._written = 0

    @property
    def enabled(self) -> bool:
        """Whether entries are read and written."""
        return self.folder is not None

    def _path(self, kind: str, key: str) -> Path:
        assert self.folder is not None
        return self.folder / kind / key[:2] / f"{key}.json"

    def get(self, kind: str, key: str) -> Any | None:
        """The value stored under (KIND, KEY), or None when missing or not to be trusted."""
        if self.folder is None:
            return None
        path = self._path(kind, key)
        value = None
        try:
            raw = path.read_bytes()
            header, _, payload = raw.partition(b"\n")
            if header == _header(kind, key, payload):
                value = json.loads(payload)
        except (OSError, ValueError, RecursionError):
            value = None
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        with contextlib.suppress(OSError):
            os.utime(path)  # used by this build: pruning keeps it
        return value

    def put(self, kind: str, key: str, value: Any) -> None:
        """Store VALUE (JSON data) under (KIND, KEY), atomically; a full disk only loses the entry."""
        if self.folder is None:
            return
        path = self._path(kind, key)
        payload = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        try:
            if path.parent not in self._folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._describe()
                self._folders.add(path.parent)
            # A name of this process's own, created exclusively: no other writer can share it.
            self._written += 1
            temporary = path.parent / f".entry-{os.getpid()}-{self._written}-{secrets.token_hex(4)}"
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(_header(kind, key, payload) + b"\n" + payload)
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
        if not readme.exists():
            with contextlib.suppress(OSError):
                readme.write_text(_README, encoding="utf-8")

    def prune(self) -> int:
        """Delete entries neither this build nor any in the last minutes used; return how many.

        The grace keeps a preview and a build of the same site (which differ in a setting or two)
        from deleting each other's entries; the cache stays about a build or two in size.
        """
        if self.folder is None or not self.folder.is_dir():
            return 0
        stamp = self.folder / "last-pruned"
        with contextlib.suppress(OSError):
            # Looking at every entry costs more than a warm build: do it once per grace period.
            if stamp.stat().st_mtime > time.time() - PRUNE_GRACE_SECONDS:
                return 0
        with contextlib.suppress(OSError):
            stamp.touch()
        removed = 0
        oldest = min(self.started, time.time() - PRUNE_GRACE_SECONDS) - 1
        for path in self.folder.glob("*/*/*.json"):
            try:
                if path.stat().st_mtime < oldest and _is_entry(path):
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        for leftover in self.folder.glob("*/*/.entry-*"):  # an interrupted write
            with contextlib.suppress(OSError):
                if leftover.stat().st_mtime < self.started - 60 and _in_entry_folder(leftover):
                    leftover.unlink()
        return removed


_HEX = frozenset("0123456789abcdef")


def _in_entry_folder(path: Path) -> bool:
    folder = path.parent.name
    return len(folder) == 2 and set(folder) <= _HEX


def _is_entry(path: Path) -> bool:
    """Whether PATH is an entry this cache wrote: pruning deletes nothing else, even where the cache
    folder is a link to somewhere that holds other JSON files."""
    key = path.stem
    if len(key) != 64 or not set(key) <= _HEX or path.parent.name != key[:2]:
        return False
    with path.open("rb") as entry:
        return entry.read(len(_ENTRY_START)) == _ENTRY_START


_ENTRY_START = b"trustdocs-cache "  # of any format: older ones are pruned too


def _header(kind: str, key: str, payload: bytes) -> bytes:
    """The first line of an entry: format, kind, key and a keyed hash (HMAC-SHA-256) of the rest.

    The hash is keyed with this user's own secret, so an entry made elsewhere (a cache committed to
    a repository, a planted file with the right name) never checks out, however well it is formed.
    """
    digest = hmac.new(_secret(), payload, hashlib.sha256).hexdigest()
    return f"trustdocs-cache {FORMAT} {kind} {key} {digest}".encode()


@functools.cache
def _secret() -> bytes:
    """This user's cache secret, made once; a fresh one per process if it cannot be kept."""
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(home) / "trustdocs" / "cache-secret"
    with contextlib.suppress(OSError):
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    secret = secrets.token_bytes(32)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(secret)
        return secret
    with contextlib.suppress(OSError):  # another build made it first: use theirs
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    return secret


# --- values: frozen dataclasses of the build as JSON data, and back --------------------------------


_PLAIN = frozenset({str, int, float, bool, type(None)})


def encode(value: Any) -> Any:
    """A build value (dataclasses, tokens, tuples, sets, dicts) as JSON data."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        # Search records hold large maps of words: pass plain ones on in one check.
        if set(map(type, value)) <= {str} and set(map(type, value.values())) <= _PLAIN:
            return value
        return {str(k): encode(v) for k, v in value.items()}
    if kind is tuple or kind is list:
        if set(map(type, value)) <= _PLAIN:
            return list(value)
        return [encode(item) for item in value]
    if isinstance(value, Token):
        return value.as_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: encode(getattr(value, name)) for name in _field_names(kind)}
    if isinstance(value, (tuple, list)):
        return [encode(item) for item in value]
    if isinstance(value, (frozenset, set)):
        return sorted((encode(item) for item in value), key=repr)
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    return value


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


def decode(kind: Any, data: Any) -> Any:
    """The value of type KIND that `encode` turned into DATA; TypeError when it does not fit."""
    return _converter(kind)(data)


Converter = typing.Callable[[Any], Any]


@functools.cache
def _converter(kind: Any) -> Converter:
    """A function reading JSON data as a value of KIND, made once per type (reads are hot)."""
    origin = typing.get_origin(kind)
    if kind is Any or kind is object:
        return lambda data: data
    if origin in (typing.Union, types.UnionType):
        return _union(
            [_converter(o) for o in typing.get_args(kind) if o is not type(None)],
            type(None) in typing.get_args(kind),
        )
    if origin is typing.Literal:
        allowed = frozenset(typing.get_args(kind))
        return lambda data: data if data in allowed else _refuse(f"{data!r} not in {kind}")
    if kind is Token:
        return lambda data: Token.from_dict(data) if isinstance(data, dict) else _refuse("token")
    if dataclasses.is_dataclass(kind):
        return _dataclass_converter(kind)
    if typing.is_typeddict(kind):
        return _typeddict_converter(kind)
    if origin in (tuple, list, frozenset, set):
        return _sequence_converter(origin, typing.get_args(kind))
    if origin is dict:
        value_kind = (typing.get_args(kind) or (str, Any))[1]
        if value_kind in (str, int):
            return functools.partial(_plain_mapping, {value_kind})
        value = _converter(value_kind)

        def mapping(data: Any) -> Any:
            if not isinstance(data, dict):
                _refuse("a mapping is an object")
            return {str(k): value(v) for k, v in data.items()}

        return mapping
    if kind in (str, int, bool, float):
        return functools.partial(_plain, kind)
    raise TypeError(f"cannot read {kind}")


def _refuse(why: str) -> Any:
    raise TypeError(why)


def _plain(kind: type, data: Any) -> Any:
    if type(data) is kind or (kind is float and type(data) is int):
        return data
    raise TypeError(f"{data!r} is not {kind.__name__}")


def _union(options: list[Converter], optional: bool) -> Converter:
    def read(data: Any) -> Any:
        if data is None and optional:
            return None
        for option in options:
            with contextlib.suppress(TypeError, ValueError, KeyError, AttributeError):
                return option(data)
        raise TypeError("no option fits")

    return read


def _plain_mapping(allowed: set[type], data: Any) -> Any:
    # Search records hold large word maps: check their values in one pass, not one call each.
    if not isinstance(data, dict) or not set(map(type, data.values())) <= allowed:
        raise TypeError("not a mapping of plain values")
    return data


def _typeddict_converter(kind: type) -> Converter:
    hints = typing.get_type_hints(kind)
    fields = [(name, _converter(hint)) for name, hint in hints.items()]
    names = frozenset(hints)

    def read(data: Any) -> Any:
        if not isinstance(data, dict) or data.keys() != names:
            raise TypeError(f"{kind.__name__} does not fit")
        return {name: convert(data[name]) for name, convert in fields}

    return read


def _dataclass_converter(kind: type) -> Converter:
    hints = typing.get_type_hints(kind)
    fields = [(f.name, _converter(hints[f.name])) for f in dataclasses.fields(kind)]
    names = frozenset(name for name, _ in fields)

    def read(data: Any) -> Any:
        if not isinstance(data, dict) or data.keys() != names:
            raise TypeError(f"{kind.__name__} does not fit")
        return kind(**{name: convert(data[name]) for name, convert in fields})

    return read


def _text_tuple_converter(args: tuple[Any, ...]) -> Converter:
    """Tuples of strings and string literals, such as (page, aspect): many, so read them fast."""
    allowed = [frozenset(typing.get_args(a)) if a is not str else None for a in args]

    def read(data: Any) -> Any:
        if not isinstance(data, list) or len(data) != len(allowed):
            raise TypeError("tuple length differs")
        for value, choices in zip(data, allowed, strict=True):
            if type(value) is not str or (choices is not None and value not in choices):
                raise TypeError(f"{value!r} does not fit")
        return tuple(data)

    return read


def _sequence_converter(origin: type, args: tuple[Any, ...]) -> Converter:
    if origin is tuple and args and args[-1] is not Ellipsis:
        if all(a is str or typing.get_origin(a) is typing.Literal for a in args):
            return _text_tuple_converter(args)
        items = [_converter(a) for a in args]

        def fixed(data: Any) -> Any:
            if not isinstance(data, list) or len(data) != len(items):
                raise TypeError("tuple length differs")
            return tuple(convert(d) for convert, d in zip(items, data, strict=True))

        return fixed
    item_kind = args[0] if args else Any
    if item_kind in (str, int):
        allowed = {item_kind}

        def plain(data: Any) -> Any:
            if not isinstance(data, list) or not set(map(type, data)) <= allowed:
                raise TypeError(f"not a list of {item_kind.__name__}")
            return origin(data)

        return plain
    pair = typing.get_args(item_kind) if typing.get_origin(item_kind) is tuple else ()
    if len(pair) == 2 and all(a is str or typing.get_origin(a) is typing.Literal for a in pair):
        return _text_pairs_converter(origin, pair)
    item = _converter(item_kind)

    def sequence(data: Any) -> Any:
        if not isinstance(data, list):
            raise TypeError("a sequence is a list")
        return origin(map(item, data))

    return sequence


def _text_pairs_converter(origin: type, pair: tuple[Any, ...]) -> Converter:
    """Collections of (text, text) pairs, such as the (page, aspect) pairs every render records:
    thousands per page, so checked in one loop rather than a call each."""
    first, second = (frozenset(typing.get_args(a)) if a is not str else None for a in pair)

    def read(data: Any) -> Any:
        if not isinstance(data, list):
            raise TypeError("a sequence is a list")
        for item in data:
            if type(item) is not list or len(item) != 2:
                raise TypeError("not a pair")
            a, b = item
            if type(a) is not str or type(b) is not str:
                raise TypeError("not a pair of texts")
            if (first is not None and a not in first) or (second is not None and b not in second):
                raise TypeError(f"{item!r} does not fit")
        return origin(map(tuple, data))

    return read


def files_fingerprint(paths: Iterable[Path]) -> str:
    """A key for the contents of PATHS (a missing file counts as missing)."""
    return fingerprint(*[(str(path), _file_digest(path)) for path in sorted(paths)])


def _file_digest(path: Path) -> str | None:
    """The SHA-256 of a regular file, read in pieces; for anything else only what kind it is: a
    FIFO without a writer would block, a device such as /dev/zero never ends."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(handle, "rb") as file:
        try:
            kind = stat.S_IFMT(os.fstat(file.fileno()).st_mode)
            if kind != stat.S_IFREG:
                return f"not a regular file ({kind:o})"
            return "sha256:" + hashlib.file_digest(file, "sha256").hexdigest()
        except OSError:
            return None


@functools.cache
def code_fingerprint() -> str:
    """trustdocs' own code and the versions of what renders: a change to either invalidates all."""
    import importlib.metadata
    import sys

    import jinja2
    import markdown_it
    import mdit_py_plugins
    import pygments

    package = Path(__file__).parent
    sources = sorted(package.rglob("*.py"))
    return fingerprint(
        FORMAT,
        [(p.relative_to(package).as_posix(), p.read_bytes()) for p in sources],
        jinja2.__version__,
        markdown_it.__version__,
        mdit_py_plugins.__version__,
        pygments.__version__,
        importlib.metadata.version("snowballstemmer"),  # cached search records hold its stems
        sys.version,  # heading ids and words follow its Unicode tables
    )


def config_fingerprint(config: SiteConfig, theme_folders: Iterable[Path]) -> str:
    """Everything of the site's configuration and theme that a page's output may depend on."""
    settings = {
        f.name: str(getattr(config, f.name))
        for f in dataclasses.fields(config)
        if f.name != "output_dir"  # where the site goes changes nothing inside it
    }
    theme_files = [
        (str(path), path.read_bytes())
        for folder in theme_folders
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]
    return fingerprint(code_fingerprint(), settings, theme_files)


def cache_folder(config: SiteConfig, enabled: bool = True) -> BuildCache:
    """The cache of CONFIG's site (beside its config file), or a disabled one."""
    return BuildCache(config.root_dir / CACHE_DIR if enabled else None)


def load(cache: BuildCache, kind_name: str, key: str, kind: Any) -> Any | None:
    """The entry (KIND_NAME, KEY) read back as a value of type KIND, or None."""
    data = cache.get(kind_name, key)
    if data is None:
        return None
    try:
        return decode(kind, data)
    except (TypeError, ValueError, KeyError, AttributeError):
        cache.misses += 1
        return None


def store(cache: BuildCache, kind_name: str, key: str, value: Any) -> None:
    """Keep VALUE (a build value) under (KIND_NAME, KEY)."""
    if cache.enabled:
        cache.put(kind_name, key, encode(value))
