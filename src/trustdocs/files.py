"""Discover: the config → the page files, the files to copy, what was skipped; how a path is shown."""

from __future__ import annotations

import bisect
import errno
import functools
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from trustdocs.cache import CACHE_DIR, BuildCache, code_fingerprint, fingerprint
from trustdocs.config import (
    THEMES_DIR,
    SiteConfig,
    allow_outside_hint,
    in_repository_folder,
    leads_above,
    may_read,
    missing_static_problem,
)
from trustdocs.diagnostics import (
    Diagnostic,
    display_path,
    error,
    undecodable_utf8,
    unencodable,
    warning,
)
from trustdocs.output_folder import MARKER
from trustdocs.source import TAG_LINE, PageSource, parse_page_source

SKIPPED_FOLDERS = frozenset({"node_modules", "__pycache__"})
MAX_PAGE_BYTES = 8 << 20  # a page file, at most: a lesson is tens of kB, a book's chapter 1 MB
STATIC_PREFIX = "static/"  # where a bit-docs site's static folder is copied


@dataclass(frozen=True)
class SourceFiles:
    """What the content folder holds: page candidates, files to copy, and ignored glob matches."""

    pages: tuple[Path, ...]
    copies: dict[str, Path]  # output rel path -> file
    skipped: int = 0
    problems: tuple[Diagnostic, ...] = ()  # links that lead out of the site folder

    @functools.cached_property
    def copied(self) -> frozenset[Path]:
        """The files copied (COPIES' values), to ask of one path at a time."""
        return frozenset(self.copies.values())

    def any_under(self, folder: Path) -> bool:
        """Whether a page file or a copied file is under FOLDER (compared as text)."""
        return next(paths_under(self._in_order, folder), None) is not None

    def prepare(self) -> None:
        """Make now what `copied` and `any_under` keep, rather than at their first question."""
        self.any_under(Path(os.sep))
        len(self.copied)

    @functools.cached_property
    def _in_order(self) -> list[str]:
        return sorted([*map(str, self.pages), *map(str, self.copies.values())])


def paths_under(in_order: list[str], folder: str | os.PathLike[str]) -> Iterator[str]:
    """The paths of IN_ORDER (sorted) under FOLDER, compared as text: found by bisection, as a
    large course has tens of thousands and an editor's every save asks."""
    inside = os.path.join(folder, "")
    at = bisect.bisect_left(in_order, inside)
    while at < len(in_order) and in_order[at].startswith(inside):
        yield in_order[at]
        at += 1


def discover(config: SiteConfig) -> SourceFiles:
    """Find the page files and the other files a site copies to its output."""
    if config.layout == "bitdocs":
        return _discover_bitdocs(config)
    pages: list[Path] = []
    copies: dict[str, Path] = {}
    files, problems = _walk(config.content_dir, config)
    for path in files:
        rel = path.relative_to(config.content_dir)
        if path.suffix.lower() == ".md" and rel.parts[0] != WELL_KNOWN:  # a host's files: as is
            pages.append(path)
        else:
            copies[path.relative_to(config.content_dir).as_posix()] = path
            page_line = _page_line(path) if path.suffix.lower() in OTHER_MARKDOWN_SUFFIXES else None
            if page_line is not None:
                problems.append(_page_not_read(path, *page_line))
    return SourceFiles(tuple(pages), copies, 0, tuple(problems))


# Names other tools give Markdown files: only `.md` files are pages (the bit-docs format).
OTHER_MARKDOWN_SUFFIXES = frozenset(
    {".markdown", ".mdown", ".mkd", ".mkdn", ".mdwn", ".mdtxt", ".mdtext"}
)

OPENING_READ = 4096  # how much of a file `_page_line` reads for its first line


def _page_line(path: Path) -> tuple[int, int] | None:
    """The line and column of the `@page` tag the file at PATH opens with, read as a page's tags
    are (`@page` alone or before its value, not `@pagex`), blank lines before it counted; None
    when it opens otherwise."""
    try:
        with open(path, "rb") as handle:
            start = handle.read(OPENING_READ)
    except OSError:
        return None
    text = start.decode("utf-8", "replace").removeprefix("\ufeff")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, 1):
        if line.strip():
            tag = TAG_LINE.match(line)
            if tag is None or tag.group(1).lower() != "page":
                return None
            return number, line.index("@") + 1
    return None


def _page_not_read(path: Path, line: int, col: int) -> Diagnostic:
    """The warning for a page written in a file whose name does not end in `.md`."""
    return warning(
        display_path(path),
        line,
        col,
        f"a page in a {path.suffix} file is not read: only .md files are pages, and this one "
        "is published as it is",
        f"rename it to {path.stem}.md",
    )


def _discover_bitdocs(config: SiteConfig) -> SourceFiles:
    """A bit-docs site: pages by glob (only .md files are read); only the static folder is copied."""
    pages: set[Path] = set()
    skipped = 0
    odd: dict[Path, Diagnostic] = {}  # matches neither a file nor a folder (a FIFO, a dead link)
    for pattern in config.page_glob:
        for path in config.content_dir.glob(pattern):
            if not path.is_file() or not belongs(config, path, config.content_dir):
                if path.suffix.lower() == ".md" and path not in odd and _odd(path, config):
                    odd[path] = _not_walked(path)
                continue
            if path.suffix.lower() == ".md":
                pages.add(path)
            else:
                skipped += 1
    if config.page_ignore:
        ignored = [path_pattern(pattern) for pattern in config.page_ignore]
        pages = {
            page
            for page in pages
            if not any(i.match(page.relative_to(config.content_dir).as_posix()) for i in ignored)
        }
    unnamed: dict[Path, Diagnostic] = {}  # by the first part of a page's path no URL can name
    leaving = _LeavingLinks(config)
    for page in sorted(pages):
        bad = _unnameable_part(page, config.content_dir)
        if bad is not None:
            unnamed.setdefault(bad, _unnameable(bad, folder=bad != page))
            pages.remove(page)
        elif leaving.of(page):
            pages.remove(page)
    copies: dict[str, Path] = {}
    problems: list[Diagnostic] = list(unnamed.values()) + leaving.problems()
    problems += (odd[path] for path in sorted(odd))
    if config.static_dir is not None and config.static_dir.is_dir():
        files, walk_problems = _walk(config.static_dir, config)
        problems += walk_problems
        for path in files:
            copies[STATIC_PREFIX + path.relative_to(config.static_dir).as_posix()] = path
    elif (missing := missing_static_problem(config)) is not None:
        problems.append(missing)
    return SourceFiles(tuple(sorted(pages)), copies, skipped, tuple(problems))


def _walk(base: Path, config: SiteConfig) -> tuple[list[Path], list[Diagnostic]]:
    """Every file under BASE that belongs to the site, sorted, and the symlinks that leave the site
    and the names no URL can hold.

    Symlinked folders are followed once each (a loop ends where it starts again); a symlink that
    resolves outside the site folder is an error unless the site allows outside files, and so
    is one that leads above BASE (`leads_above`).
    """
    real_base = os.path.realpath(base)
    # A site.yaml site publishes its content folder's `.well-known/` where hosts look for it.
    well_known = base == config.content_dir and config.layout != "bitdocs"
    output, output_names = _site_outputs(config)
    config_file = _file_identity(config.config_path)  # with `content: .`, not content
    found: list[str] = []
    problems: list[Diagnostic] = []
    if in_repository_folder(real_base):  # a static folder named (or linked to) .git
        return [], [outside_link(base, config)]
    seen: set[tuple[int, int]] = set()  # (device, inode) of each folder walked: no loops
    stack = [str(base)]
    while stack:
        folder = stack.pop()
        if folder in output_names:
            continue
        try:
            info = os.stat(folder)
            entries = list(os.scandir(folder))
        except OSError as exc:  # unreadable, a path too long for the system: said, not lost
            if folder != str(base):
                problems.append(_folder_not_read(Path(folder), exc))
            continue
        if (info.st_dev, info.st_ino) in seen or (info.st_dev, info.st_ino) in output:
            continue
        if folder != str(base) and any(entry.name == MARKER for entry in entries):
            problems.append(_built_site(Path(folder)))  # a site trustdocs wrote: not content
            continue
        seen.add((info.st_dev, info.st_ino))
        for entry in entries:
            if skipped_name(entry.name, folder == str(base) and well_known):
                continue
            try:
                is_dir, is_file = entry.is_dir(), entry.is_file()
                if entry.is_symlink():
                    skip, problem = _link_walked(entry, folder, (base, real_base), config)
                    problems += [problem] if problem is not None else []
                    if skip:
                        continue
            except OSError:
                is_dir = is_file = False  # a link that loops: said below
            if not (is_dir or is_file):  # a FIFO, a device, a link to nothing
                problems.append(_not_walked(Path(entry.path)))
                continue
            if unencodable(entry.name) is not None:
                problems.append(_unnameable(Path(entry.path), folder=is_dir))
                continue
            if is_dir:
                stack.append(entry.path)
            elif is_file and (info.st_dev, entry.inode()) != config_file:
                found.append(entry.path)
    # In the order of paths (part by part), sorted as text: a large course has thousands.
    return [Path(path) for path in sorted(found, key=_parts_order)], problems


def _link_walked(
    entry: os.DirEntry[str], folder: str, bases: tuple[Path, str], config: SiteConfig
) -> tuple[bool, Diagnostic | None]:
    """Whether the walk of BASE (BASES: it, and its real path) leaves out the link ENTRY met in
    FOLDER, and why: it leads out of the site, or to the folder it is in or one that holds it
    (the walk would go round, stopping where it started without a word, or above the site)."""
    base, real_base = bases
    path = Path(entry.path)
    if not _inside(path, config.root_dir.resolve(), config.allow_outside_files):
        return True, outside_link(path, config)
    if not entry.is_dir():
        return False, None
    target = os.path.realpath(entry.path)
    if leads_above(target, real_base):
        return True, link_back(path)
    if _holds(target, folder):  # silently when it is BASE's own link (`content: course`)
        return True, None if _same_link(entry, base) else link_back(path)
    return False, None


def _odd(path: Path, config: SiteConfig) -> bool:
    """Whether PATH, a glob's match in the content folder, is neither a file nor a folder (a
    FIFO, a link to nothing or that loops) where pages are looked for."""
    parts = path.relative_to(config.content_dir).parts
    return not (path.is_file() or path.is_dir() or any(map(skipped_name, parts)))


def _same_link(entry: os.DirEntry[str], base: Path) -> bool:
    """Whether ENTRY is the very link BASE is (a content folder that is a link to the site
    folder meets itself there)."""
    try:
        mine, its = entry.stat(follow_symlinks=False), os.lstat(base)
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (its.st_dev, its.st_ino)


def _holds(target: str, folder: str) -> bool:
    """Whether the folder TARGET (a real path) is FOLDER or holds it."""
    here = os.path.realpath(folder)
    return here == target or here.startswith(target.rstrip(os.sep) + os.sep)


def _folder_not_read(folder: Path, exc: OSError) -> Diagnostic:
    """The warning for FOLDER, in a site's folder, that the system would not let be read."""
    return warning(
        display_path(folder),
        1,
        1,
        f"folder {folder.name[:80]} cannot be read ({exc.strerror}): nothing in it is built",
        "make it readable, or its path shorter than the system's limit",
    )


def _not_walked(path: Path) -> Diagnostic:
    """The warning for PATH, in a site's folder but neither a file nor a folder: not read."""
    try:
        kind = _KINDS.get(stat.S_IFMT(os.stat(path).st_mode), "not a regular file")
    except OSError as exc:
        if not path.is_symlink():
            kind = f"not readable ({exc.strerror})"
        elif exc.errno == errno.ELOOP:
            kind = "a symlink that loops"
        else:
            try:
                kind = f"a symlink to nothing (to {os.readlink(path)})"
            except OSError as unreadable:  # a link the system will not show (/proc)
                kind = f"a symlink that cannot be read ({unreadable.strerror})"
    return warning(
        display_path(path),
        1,
        1,
        f"{path.name} is {kind}: it is skipped",
        "make it a regular file or folder, or remove it",
    )


_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
}


def _parts_order(path: str) -> list[str]:
    return path.split(os.sep)


class _LeavingLinks:
    """Which glob matches a bit-docs site reaches through a symlink out of the site folder."""

    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        self.base = config.content_dir
        self.site = config.root_dir.resolve()
        self.allowed = config.allow_outside_files
        self.found: dict[Path, Diagnostic] = {}  # the first link on the way, by path
        self.known: dict[Path, bool] = {}  # whether a path is a link that leaves, by path

    def of(self, path: Path) -> bool:
        """Whether PATH is reached through a link that leaves the site (noted once per link)."""
        step = self.base
        for part in path.relative_to(self.base).parts:
            step = step / part
            leaves = self.known.get(step)
            if leaves is None:
                leaves = self.known[step] = step.is_symlink() and not _inside(
                    step, self.site, self.allowed
                )
            if leaves:
                self.found.setdefault(step, outside_link(step, self.config))
                return True
        return False

    def problems(self) -> list[Diagnostic]:
        """An error for each link out of the site that a page was reached through."""
        return [self.found[path] for path in sorted(self.found)]


def _inside(path: Path, site: Path, allowed: bool) -> bool:
    try:
        return may_read(path.resolve(), site, allowed)
    except (OSError, RuntimeError):  # a symlink loop leads nowhere inside
        return False


def outside_link(path: Path, config: SiteConfig) -> Diagnostic:
    """The error of a symlink at PATH that leads out of the site folder: not published."""
    real = os.path.realpath(path)
    if in_repository_folder(real):  # never allowed: no setting to suggest
        return error(
            display_path(path),
            1,
            1,
            f"leads outside the site folder, into a repository's .git folder (to {real}): "
            "never published",
            "copy the file into the site",
        )
    return error(
        display_path(path),
        1,
        1,
        f"symlink leads outside the site folder (to {os.path.realpath(path)}): not published",
        f"copy the file into the site{allow_outside_hint(config)}",
    )


def path_pattern(pattern: str) -> re.Pattern[str]:
    """A glob of paths (`src/**/*-draft.md`) as bit-docs' matcher (minimatch) reads it: `*`, `?`
    and `[…]` within one folder's name, `**` as a whole segment any number of folders, and in
    part of one as `*`."""
    segments = [s for s in pattern.split("/") if s not in ("", ".")]
    regex = ""
    for number, segment in enumerate(segments):
        last = number == len(segments) - 1
        if segment == "**":
            regex += ".*" if last else "(?:[^/]+/)*"
        else:
            regex += _segment_pattern(segment) + ("" if last else "/")
    return re.compile(regex + "$")


def _segment_pattern(segment: str) -> str:
    """One segment of a path glob as a regular expression, matching within one name."""
    out, at = [], 0
    while at < len(segment):
        char = segment[at]
        end = segment.find("]", at + 2) if char == "[" else -1
        if char == "*":
            out.append("[^/]*")
            while segment.startswith("*", at + 1):  # `**` in part of a segment: as `*`
                at += 1
        elif char == "?":
            out.append("[^/]")
        elif end > 0:
            inner = segment[at + 1 : end].replace("\\", "\\\\")
            out.append("[" + ("^" + inner[1:] if inner.startswith("!") else inner) + "]")
            at = end
        else:
            out.append(re.escape(char))
        at += 1
    return "".join(out)


def _site_outputs(config: SiteConfig) -> tuple[set[tuple[int, int]], set[str]]:
    """The site's own output folders (CONFIG's, and the one it names when built elsewhere), its
    build cache, and its themes folder (with `content: .`, inside the content, but never
    content), as the walk meets them under any name (the content folder, or a folder on the way
    to it, may be a link): by device and inode, as the walk knows each folder; and by their own
    names, whatever folder is there now (another build may have swapped in its new site since,
    or made the first one)."""
    outputs = [config.output_dir, *_named_output(config), config.root_dir / CACHE_DIR]
    themes = config.root_dir / THEMES_DIR
    if os.path.realpath(themes) != os.path.realpath(config.content_dir):  # else, all content
        outputs.append(themes)
    identities = {identity for folder in outputs if (identity := _folder_identity(folder))}
    return identities, {os.path.abspath(folder) for folder in outputs}


def _named_output(config: SiteConfig) -> list[Path]:
    """The output folder CONFIG names, when the build writes elsewhere, if it is to be left out
    of the content: a site trustdocs built there, or nothing yet (another build may make it).
    Not when it holds files trustdocs did not write (it may be a link to a folder of the
    content): those are the author's, and published as content."""
    named = config.named_output
    if named is None or (os.path.lexists(named) and not (named / MARKER).is_file()):
        return []
    return [named]


def _file_identity(path: Path) -> tuple[int, int] | None:
    """The device and inode of the file at PATH itself (a link is not followed)."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _folder_identity(folder: Path) -> tuple[int, int] | None:
    """The device and inode of FOLDER, links followed; None when there is no folder there."""
    try:
        info = os.stat(folder)
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISDIR(info.st_mode) else None


def _built_site(folder: Path) -> Diagnostic:
    """The warning for a FOLDER of the content that holds a site trustdocs built: left out."""
    return warning(
        display_path(folder),
        1,
        1,
        f"left out: it holds a site trustdocs built (it has {MARKER})",
        f"delete {MARKER} in it to publish its files as content",
    )


def link_back(path: Path) -> Diagnostic:
    """The error of a symlink at PATH to a folder above it (`leads_above`): not followed."""
    return error(
        display_path(path),
        1,
        1,
        f"symlink leads back to a folder that holds it (to {os.path.realpath(path)}): "
        "nothing through it is part of the site",
        "link to the folders to publish, not to one that holds the link",
    )


def _unnameable_part(path: Path, base: Path) -> Path | None:
    """The first folder or file of PATH below BASE whose name is not UTF-8, if any."""
    for depth, part in enumerate(path.relative_to(base).parts, start=1):
        if unencodable(part) is not None:
            return base.joinpath(*path.relative_to(base).parts[:depth])
    return None


def _unnameable(path: Path, folder: bool) -> Diagnostic:
    """The error for a file or FOLDER whose name is not UTF-8: web addresses and the site's own
    files (whose links and pages name it) are UTF-8 text."""
    raw = os.fsencode(path.name)  # the name's bytes, as the file system holds them
    try:
        raw.decode("utf-8")
        byte = ""
    except UnicodeDecodeError as exc:
        byte = f" (byte 0x{raw[exc.start]:02x})"
    what = "folder" if folder else "file"
    return error(
        display_path(path),
        1,
        1,
        f"{what} name is not UTF-8 text{byte}: "
        + ("nothing in it is part of the site" if folder else "it is not part of the site"),
        f"rename the {what}: web addresses are UTF-8",
    )


# The one hidden folder published, from the top of the content (or static) folder: a host's
# `.well-known/` (RFC 8615: security.txt, app links), public by design.
WELL_KNOWN = ".well-known"


def skipped_name(name: str, top: bool = False) -> bool:
    """Whether a file or folder of this NAME (at the TOP of the folder walked) is left out of
    the sources (hidden, or a tool's)."""
    if top and name == WELL_KNOWN:
        return False
    return name.startswith(".") or name in SKIPPED_FOLDERS


def belongs(config: SiteConfig, path: Path, base: Path) -> bool:
    """Whether PATH, under BASE, is part of the sources (not hidden, not skipped, not the output)."""
    try:
        parts = path.relative_to(base).parts
    except ValueError:
        return False
    top = base == config.content_dir and config.layout != "bitdocs"  # see `_walk`
    if any(skipped_name(part, top and i == 0) for i, part in enumerate(parts)):
        return False
    real = path.resolve()
    for output in (config.output_dir, *_named_output(config)):
        if path.is_relative_to(output) or real.is_relative_to(output.resolve()):
            return False
    return True


def could_belong(config: SiteConfig, path: Path) -> bool:
    """Whether a file the site does not know yet may be one of its sources (a new page or file)."""
    roots = [config.content_dir] + ([config.static_dir] if config.static_dir else [])
    return any(path.is_relative_to(root) and belongs(config, path, root) for root in roots)


@dataclass(frozen=True)
class ReadPage:
    """What reading a page file gives: its tags and text, its problems, a key to its contents."""

    source: PageSource | None
    problems: list[Diagnostic]
    key: str = ""  # changes whenever the file's bytes (or where it is) change


def content_path(config: SiteConfig, path: Path) -> str:
    """PATH, a file discovery found in the content folder, relative to it (POSIX form): what
    `path.relative_to(content_dir).as_posix()` gives, as text (a build asks it of every page)."""
    text, base = str(path), str(config.content_dir)
    prefix = base if base.endswith(os.sep) else base + os.sep
    if os.sep != "/" or not text.startswith(prefix):
        return path.relative_to(config.content_dir).as_posix()
    return text[len(prefix) :]


def source_key(config: SiteConfig, path: Path, data: bytes | str) -> str:
    """The key of a page file's contents (DATA: its bytes, or their `file_digest`, the same key)
    and of where it is (which its diagnostics show)."""
    rel_path = content_path(config, path)
    return fingerprint(
        "source", code_fingerprint(), data, display_path(path), rel_path, config.layout
    )


def read_page(
    config: SiteConfig,
    path: Path,
    cache: BuildCache | None = None,
    known: Callable[[str], tuple[PageSource, list[Diagnostic]] | None] | None = None,
    key: str = "",
) -> ReadPage:
    """Read one page file from disk and parse its tags, unless KNOWN (given the file's key) or
    CACHE already has them. KEY: the file's key, when its bytes were just read for it: if KNOWN
    has it, the file is not read again."""
    reused = known(key) if key and known is not None else None
    if reused is not None:
        return ReadPage(*reused, key)
    shown = display_path(path)
    try:
        if path.stat().st_size > MAX_PAGE_BYTES:  # parsed, some 40 times its size in memory
            message = f"a page of more than {MAX_PAGE_BYTES >> 20} MB is not read"
            return ReadPage(None, [error(shown, 1, 1, message, "split it into several pages")])
        data = path.read_bytes()
    except OSError as exc:
        return ReadPage(None, [error(shown, 1, 1, f"cannot read: {exc.strerror}")])
    key = source_key(config, path, data)
    reused = known(key) if known is not None else None
    if reused is not None:
        return ReadPage(*reused, key)
    wide = _wide_text(data)
    if wide is not None:
        message = f"{wide} text: pages are UTF-8"
        return ReadPage(None, [error(shown, 1, 1, message, "save the file as UTF-8")], key)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _read_with_bad_bytes(config, path, data, undecodable_utf8(shown, data, exc), key)
    rel_path = content_path(config, path)
    # A page's cached facts hold its tags (KNOWN): files without them are new, or not pages, and
    # cheaper to read again than to keep.
    source, problems = parse_page_source(shown, rel_path, text, config.layout == "bitdocs")
    return ReadPage(source, problems, key)


def _wide_text(data: bytes) -> str | None:
    """ "UTF-16" or "UTF-32" when DATA is such text: its byte order mark, or (without one) a NUL
    byte beside each character of a text mostly ASCII, which UTF-8 reads as valid (and as no
    page); None otherwise (a UTF-8 page ending in NUL bytes included)."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    start = data[:4096]
    if len(start) < 8 or 0 not in start:
        return None
    for name, codec in (("UTF-32", "utf-32-le"), ("UTF-32", "utf-32-be")):
        if "@page" in start[: len(start) // 4 * 4].decode(codec, errors="ignore"):
            return name  # (any script: the tag is ASCII)
    for codec in ("utf-16-le", "utf-16-be"):
        if "@page" in start[: len(start) // 2 * 2].decode(codec, errors="ignore"):
            return "UTF-16"
    even, odd = start[0::2], start[1::2]
    for nuls, others in ((odd, even), (even, odd)):  # little-endian, then big-endian
        if nuls.count(0) * 10 >= len(nuls) * 9 and others.count(0) * 10 <= len(others):
            return "UTF-16"
    return None


def _read_with_bad_bytes(
    config: SiteConfig, path: Path, data: bytes, problem: Diagnostic, key: str
) -> ReadPage:
    """A page with bytes that are not UTF-8 (PROBLEM says where), read with them replaced: its
    name, parent and headings stand, so that pages under it and links to it are not reported
    too (nothing else is said of it: `Site.diagnostics`). A name holding one is no name."""
    text = data.decode("utf-8", errors="replace")
    shown = display_path(path)
    source, _ = parse_page_source(
        shown, content_path(config, path), text, config.layout == "bitdocs"
    )
    if source is None or "\ufffd" in source.name:
        return ReadPage(None, [problem], key)
    return ReadPage(source, [problem], key)


def no_pages_problem(config: SiteConfig) -> Diagnostic:
    """The error for a site without pages, saying why the content folder gave none."""
    content = config.content_dir
    if content.is_dir():
        why = "holds no pages (Markdown files with an @page tag)"
    else:
        why = "is not a folder" if content.exists() else "does not exist"
    return error(
        display_path(config.config_path),
        1,
        1,
        f"no pages: the content folder {display_path(content)} {why}",
        "check 'content:' in site.yaml" if config.layout == "site" else "check 'glob'",
    )


@dataclass
class SiteSources:
    """The site's page files as read: their tags, problems, and a key to each file's contents."""

    config: SiteConfig
    cache: BuildCache | None = None
    known: Callable[[str], tuple[PageSource, list[Diagnostic]] | None] | None = None
    files: SourceFiles = field(default_factory=lambda: SourceFiles((), {}))
    sources: dict[Path, PageSource | None] = field(default_factory=dict)
    problems: dict[Path, list[Diagnostic]] = field(default_factory=dict)
    keys: dict[Path, str] = field(default_factory=dict)
    hints: dict[Path, str] = field(default_factory=dict)  # keys of bytes read just before

    def discover(
        self, files: SourceFiles | None = None, hints: dict[Path, str] | None = None
    ) -> None:
        """Discover the site's files (or take FILES, just discovered, with the HINTS of
        `read_page`), forgetting what was read."""
        self.files = discover(self.config) if files is None else files
        self.hints = hints or {}
        self.sources, self.problems, self.keys = {}, {}, {}

    def read(self, path: Path) -> None:
        """Read (again) one page file."""
        key = self.hints.pop(path, "")  # once: a file read again has changed since
        self.take({path: read_page(self.config, path, self.cache, self.known, key)})

    def take(self, reads: dict[Path, ReadPage]) -> None:
        """Hold page files read here or elsewhere (in a build worker)."""
        for path, read in reads.items():
            self.sources[path], self.problems[path], self.keys[path] = (
                read.source,
                read.problems,
                read.key,
            )

    def of_chosen(
        self, chosen: list[PageSource]
    ) -> tuple[dict[str, str], dict[str, list[Diagnostic]]]:
        """The key and read problems of each CHOSEN page, by name."""
        # Only the file that makes the page: a second file claiming its name must not have its
        # key hold the first file's facts in the cache.
        used = {id(source) for source in chosen}
        keys, problems = {}, {}
        for path, source in self.sources.items():
            if source is not None and id(source) in used:
                keys[source.name], problems[source.name] = self.keys[path], self.problems[path]
        return keys, problems

    def rediscover(self, reread: set[Path]) -> set[Path]:
        """Discover again; forget files that went; return REREAD's survivors and the new files."""
        before = set(self.sources)
        self.files, self.hints = discover(self.config), {}
        known = set(self.files.pages)
        for gone in before - known:
            del self.sources[gone]
            self.problems.pop(gone, None)
            self.keys.pop(gone, None)
        return (reread & known) | (known - before)
