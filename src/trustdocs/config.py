"""Read and validate a site's configuration: `site.yaml`, or a bit-docs `package.json`."""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import json
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

from trustdocs.diagnostics import (
    Diagnostic,
    did_you_mean,
    display_path,
    error,
    undecodable_utf8,
    unencodable,
    warning,
)
from trustdocs.urls import URL_SAFE

if TYPE_CHECKING:
    import yaml

    from trustdocs.cache import BuildCache

CONFIG_NAME = "site.yaml"
SERVE_HOST = "127.0.0.1"  # the preview answers this machine only, unless told otherwise
SERVE_PORT = 8000
PACKAGE_JSON = "package.json"
DEFAULT_GLOB = "**/*.md"
DEFAULT_MAX_INCLUDE_BYTES = 10_000_000  # the largest file @sourceref and @diff read
DEFAULT_THEME = "default"
THEMES_DIR = "themes"
# A configuration is a flat table of keys: anything nested this deep is a mistake, and refusing it
# early keeps the (recursive) YAML and JSON readers far from Python's recursion limit.
MAX_NESTING = 100
# bit-docs globs are expanded once per `{a,b}` group: 18 groups would be 262,144 patterns.
MAX_GLOB_PATTERNS = 1000


@dataclass(frozen=True)
class SiteConfig:
    """Everything a build needs to know about a site, with defaults filled in."""

    root_dir: Path
    config_path: Path
    title: str
    content_dir: Path
    output_dir: Path
    theme: str = DEFAULT_THEME
    root: str | None = None
    base_url: str | None = None
    strict: bool = False
    page_glob: tuple[str, ...] = (DEFAULT_GLOB,)
    static_dir: Path | None = None
    codepen_replacements: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # "site": site.yaml, every .md under content/ is a page and other files are copied beside it;
    # "bitdocs": package.json, pages by glob, only the static folder copied, title from the root page.
    layout: Literal["site", "bitdocs"] = "site"
    page_ignore: tuple[str, ...] = ()  # globs of files that are never pages (bit-docs glob.ignore)
    allow_outside_files: bool = False  # @sourceref/@diff may read outside root_dir
    max_include_bytes: int = DEFAULT_MAX_INCLUDE_BYTES
    redirects: tuple[tuple[str, str, int], ...] = ()  # old path, page name, line in site.yaml
    # A build written elsewhere (--output, deploy): the output folder the site names, trustdocs'
    # own as output_dir is, and never read as content either.
    named_output: Path | None = None
    output_line: int = 1  # where the config names the output folder (1: it does not)
    root_line: int = 1  # where it names the course's root page

    @property
    def config_files(self) -> tuple[Path, ...]:
        """The config file as the site names it, and where it really is when it is a link: the
        site is the folder of the link (as git and editors see it), its text the target's."""
        real = self.config_path.resolve()
        return (self.config_path,) if real == self.config_path else (self.config_path, real)

    @property
    def site_theme_dir(self) -> Path:
        """The site's own themes folder, whose templates override the default theme."""
        return self.root_dir / THEMES_DIR / self.theme


def default_theme_dir() -> Path:
    """The default theme: inside the installed package, or at the top of a source checkout."""
    packaged = Path(__file__).parent / "themes" / "default"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "themes" / "default"


REPOSITORY_FOLDER = ".git"  # in the site's folder, yet never one of its files


def within_site(real: str | Path, site: str | Path) -> bool:
    """Whether REAL (a path with its links followed) is one of the files of SITE's folder (a real
    path): inside it, and not in its repository's own folder, whose config may hold a CI job's
    token and which trustdocs never reads or publishes, even through a link."""
    real, site = os.fspath(real), os.fspath(site).rstrip(os.sep)
    if not within(real, site):
        return False
    return not in_repository_folder(real[len(site) :])


def within(path: str, folder: str) -> bool:
    """Whether the absolute, normal PATH is FOLDER or lies inside it: `Path.is_relative_to` on
    strings, for the preview's walks of thousands of folders."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def leads_above(target: str, walked: str) -> bool:
    """Whether a link to the folder TARGET (a real path) leads above the folder WALKED (a real
    path), to one that holds it: through it, WALKED would hold itself and all that is around it
    (a link to / is the whole disk). Walks never follow such a link; one to WALKED itself ends
    where the walk began, as any other loop."""
    return walked.startswith(target.rstrip(os.sep) + os.sep)


def link_above_on_the_way(folder: str, path: str) -> str | None:
    """The first linked folder on the way from FOLDER down to PATH (a path under it) that leads
    above FOLDER (`leads_above`), if any: no walk of FOLDER goes through it."""
    top, step = os.path.realpath(folder), folder
    for part in Path(os.path.relpath(path, folder)).parts[:-1]:
        step = os.path.join(step, part)
        if os.path.islink(step) and leads_above(os.path.realpath(step), top):
            return step
    return None


def in_repository_folder(real: str | Path) -> bool:
    """Whether REAL (a path with its links followed) lies in a repository's own folder: a `.git`
    anywhere on its way (the site's, a parent repository's when the site is a subfolder, a
    submodule's), in any case (a case-insensitive disk finds `.GIT/config` too)."""
    return any(part.casefold() == REPOSITORY_FOLDER for part in Path(real).parts)


def may_read(real: str | Path, site: str | Path, allow_outside: bool) -> bool:
    """Whether REAL (links followed) may be read or published by SITE: one of its files, or, when
    the site allows files outside it, anywhere but in a repository's own folder."""
    if allow_outside:
        return not in_repository_folder(real)
    return within_site(real, site)


def allow_outside_hint(config: SiteConfig) -> str:
    """How a site may allow what lies outside its folder, said after "copy it into the site"
    (a bit-docs site cannot: package.json has no such setting, and it has no site.yaml)."""
    return "" if config.layout == "bitdocs" else ", or set 'sourceref_outside: true' in site.yaml"


def theme_folders(site_theme_dir: Path | None) -> list[Path]:
    """Where a theme's files come from, file by file: the site's own theme, then the default."""
    return [d for d in (site_theme_dir, default_theme_dir()) if d is not None and d.is_dir()]


# key: (type, required); the one table of what site.yaml may hold
_KEYS: dict[str, tuple[type, bool]] = {
    "title": (str, True),
    "content": (str, False),
    "output": (str, False),
    "theme": (str, False),
    "root": (str, False),
    "base_url": (str, False),
    "strict": (bool, False),
    "sourceref_outside": (bool, False),
    "max_include_bytes": (int, False),
    "redirects": (dict, False),  # old path -> page name
}
_PATH_KEYS = ("content", "output")


class ConfigError(Exception):
    """The configuration cannot be used; carries its diagnostics."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("\n".join(d.format() for d in diagnostics))
        self.diagnostics = diagnostics


def find_config(start: Path) -> Path | None:
    """Return `site.yaml` in START, else a `package.json` with a bit-docs section, else None."""
    if (start / CONFIG_NAME).is_file():
        return start / CONFIG_NAME
    package = start / PACKAGE_JSON
    if package.is_file():
        try:
            _, data = _read_package_json(package, display_path(package))
        except ConfigError:
            # Unreadable: a site only if it seems to mean one, so that its problem gets reported.
            try:
                return package if b'"bit-docs"' in package.read_bytes() else None
            except OSError:
                return None
        if isinstance(data, dict) and isinstance(data.get("bit-docs"), dict):
            return package
    return None


def load_config(path: Path, cached: bool = False) -> SiteConfig:
    """Load a config file (site.yaml or package.json); raise ConfigError on any problem. CACHED:
    site.yaml as last read is taken from the site's build cache while its text is the same
    (`_site_document`)."""
    if path.name == PACKAGE_JSON:
        return _load_bitdocs_package(path)
    return _load_site_yaml(path, cached)


def _read_text(path: Path, shown: str) -> str:
    """The file's text; unreadable or non-UTF-8 files are a ConfigError at the bad byte's line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            [error(shown, 1, 1, f"cannot read configuration: {exc.strerror}")]
        ) from None
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ConfigError([undecodable_utf8(shown, data, exc)]) from None


_LINE_BREAK = re.compile(r"\r\n?|\n")  # where an editor ends a line
# Where YAML ends a line and an editor does not: NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR.
_YAML_ONLY_BREAK = re.compile("[\x85\u2028\u2029]")


def _line_starts(text: str) -> list[int]:
    """Where each line of TEXT starts, as an editor ends lines."""
    return [0, *(found.end() for found in _LINE_BREAK.finditer(text))]


def _position(text: str, index: int, starts: list[int] | None = None) -> tuple[int, int]:
    """1-based line and column of a character index, as an editor counts them (STARTS: the
    `_line_starts` of TEXT, when already known)."""
    starts = _line_starts(text) if starts is None else starts
    line = bisect.bisect_right(starts, index)
    return line, index - starts[line - 1] + 1


def _editor_marks(text: str, marks: Iterable[yaml.Mark | None]) -> None:
    """Set the line and column of PyYAML's MARKS as an editor counts them: PyYAML also ends lines
    at NEL and the Unicode line and paragraph separators, and would report lines further down
    than the file has."""
    if _YAML_ONLY_BREAK.search(text) is None:
        return
    starts = _line_starts(text)
    for mark in marks:
        if mark is not None:
            line, col = _position(text, mark.index, starts)
            mark.line, mark.column = line - 1, col - 1


def _node_marks(node: yaml.Node | None) -> Iterator[yaml.Mark | None]:
    """The start and end marks of NODE and of every node below it."""
    import yaml

    stack = [node] if node is not None else []
    while stack:
        node = stack.pop()
        yield node.start_mark
        yield node.end_mark
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _parse_yaml(text: str, shown: str) -> tuple[Any, yaml.Node | None]:
    """The YAML document as data and as a node tree (for line numbers)."""
    import yaml  # loaded when site.yaml is parsed: see `_site_document`

    try:
        depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    mark = event.start_mark
                    _editor_marks(text, [mark])
                    raise ConfigError(
                        [
                            error(
                                shown,
                                mark.line + 1,
                                mark.column + 1,
                                f"nested more than {MAX_NESTING} levels deep",
                            )
                        ]
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
        _editor_marks(text, _node_marks(node))
    except yaml.MarkedYAMLError as exc:
        _editor_marks(text, [exc.problem_mark, exc.context_mark])
        raise ConfigError([_yaml_problem(shown, exc)]) from None
    except yaml.reader.ReaderError as exc:
        line, col = _position(text, exc.position)
        character = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise ConfigError(
            [
                error(
                    shown,
                    line,
                    col,
                    f"invalid YAML: control character U+{ord(character):04X} is not allowed",
                    'write it as an escape inside double quotes, such as "\\x01"',
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError([error(shown, 1, 1, f"invalid YAML: {_one_line(str(exc))}")]) from None
    return data, node


def _yaml_problem(shown: str, exc: yaml.MarkedYAMLError) -> Diagnostic:
    """PyYAML's two-part, multi-line message as one diagnostic at the place of the problem."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = _one_line(exc.problem or exc.context or str(exc))
    context, hint = _one_line(exc.context or ""), ""
    if context and problem.startswith("but "):
        problem = f"{context} {problem}"
    elif context and exc.context_mark is not None and exc.context_mark is not mark:
        where = exc.context_mark
        hint = f"{context} at {where.line + 1}:{where.column + 1}"
    return error(shown, line, col, f"invalid YAML: {problem}", hint)


def _load_site_yaml(path: Path, cached: bool = False) -> SiteConfig:
    """site.yaml as a SiteConfig; every problem in it is one diagnostic of the ConfigError."""
    shown = display_path(path)
    document = _site_document(path, shown, cached)
    data, lines = document.data, document.lines
    problems = list(document.duplicates)
    problems += _key_problems(data, lines, shown)
    redirects, redirect_problems = _redirects(data.get("redirects"), document.redirects, shown)
    problems += redirect_problems
    root_dir = path.parent.resolve()
    theme = data.get("theme", DEFAULT_THEME)
    if isinstance(theme, str) and unencodable(theme) is None:
        problem = _theme_problem(root_dir, theme)
        if problem is not None:
            message, hint = problem
            problems.append(error(shown, lines.get("theme", 1), 1, message, hint))
    if problems:
        raise ConfigError(sorted(problems))

    base_url = data.get("base_url")
    return SiteConfig(
        root_dir=root_dir,
        config_path=root_dir / path.name,  # a link stays one: see `config_files`
        title=data["title"],
        content_dir=root_dir / data.get("content", "content"),
        output_dir=root_dir / data.get("output", "site"),
        output_line=lines.get("output", 1),
        root_line=lines.get("root", 1),
        theme=theme,
        root=data.get("root"),
        base_url=site_address(base_url) if base_url is not None else None,
        strict=data.get("strict", False),
        allow_outside_files=data.get("sourceref_outside", False),
        max_include_bytes=data.get("max_include_bytes", DEFAULT_MAX_INCLUDE_BYTES),
        redirects=redirects,
    )


@dataclass(frozen=True)
class _SiteDocument:
    """site.yaml as read, without its node tree: its mapping, the line of each key and of each
    redirect's old path, and its duplicate keys (which YAML keeps quietly)."""

    data: dict[Any, Any]
    lines: dict[str, int]
    redirects: dict[str, int]
    duplicates: list[Diagnostic]


def _site_document(path: Path, shown: str, cached: bool) -> _SiteDocument:
    """site.yaml at PATH (shown as SHOWN) as read; when CACHED, from the site's build cache while
    its text, and trustdocs with what it runs on (PyYAML), are the same: a build after an edit
    then never loads PyYAML, which took a tenth of such a build to start."""
    text = _read_text(path, shown)
    if not cached:
        return _parsed_document(text, shown)
    from trustdocs.cache import CACHE_DIR, BuildCache, code_fingerprint, fingerprint, load

    cache = BuildCache(path.parent.resolve() / CACHE_DIR)
    key = fingerprint(CONFIG_NAME, code_fingerprint(), text, shown)
    document = load(cache, "config", key, _SiteDocument)
    if document is None:
        document = _parsed_document(text, shown)
        _UNKEPT[str(cache.folder)] = (key, document)
    return document


# site.yaml read anew for a build, by its cache folder: kept once the build is done.
_UNKEPT: dict[str, tuple[str, _SiteDocument]] = {}


def keep_site_document(cache: BuildCache) -> None:
    """Keep in the build CACHE the site.yaml a build read anew (`load_config`, CACHED), once the
    build is done: one refused or failed leaves the cache as it was."""
    from trustdocs.cache import store

    found = _UNKEPT.pop(str(cache.folder), None) if cache.folder is not None else None
    if found is not None:
        store(cache, "config", *found)


def _parsed_document(text: str, shown: str) -> _SiteDocument:
    """site.yaml's TEXT parsed (`_SiteDocument`)."""
    import yaml

    data, node = _read_site_mapping(text, shown)
    redirects = None
    if isinstance(node, yaml.MappingNode):
        redirects = next((v for k, v in node.value if k.value == "redirects"), None)
    return _SiteDocument(
        data, _key_lines(node), _key_lines(redirects), _duplicate_keys(shown, node)
    )


def _read_site_mapping(text: str, shown: str) -> tuple[dict[Any, Any], yaml.Node | None]:
    """site.yaml's TEXT as a mapping (an empty file is an empty one) and its node tree."""
    data, node = _parse_yaml(text, shown)
    if data is None:
        return {}, None
    if not isinstance(data, dict):
        line, col = (node.start_mark.line + 1, node.start_mark.column + 1) if node else (1, 1)
        raise ConfigError(
            [error(shown, line, col, "site.yaml must be a mapping of keys to values")]
        )
    return data, node


def _key_problems(data: dict[Any, Any], lines: dict[str, int], shown: str) -> list[Diagnostic]:
    """Unknown keys, values of the wrong type or unusable text, and missing required keys."""
    problems: list[Diagnostic] = []
    for key, value in data.items():
        line = lines.get(str(key), 1)
        if key not in _KEYS:
            hint = did_you_mean(str(key), _KEYS) or f"known keys: {', '.join(_KEYS)}"
            problems.append(error(shown, line, 1, f"unknown key '{key}'", hint))
        else:
            problems += _value_problems(key, value, shown, line)
    limit = data.get("max_include_bytes", 1)
    if isinstance(limit, bool) or (isinstance(limit, int) and limit < 1):
        line = lines.get("max_include_bytes", 1)
        problems.append(error(shown, line, 1, "'max_include_bytes' must be a positive number"))
    for key, (_, required) in _KEYS.items():
        if required and key not in data:
            problems.append(error(shown, 1, 1, f"missing required key '{key}'"))
    return problems


def _value_problems(key: str, value: object, shown: str, line: int) -> list[Diagnostic]:
    """What is wrong with the VALUE of a known KEY: its type, or the text it holds."""
    expected, _ = _KEYS[key]
    if not isinstance(value, expected):
        wanted = "whole number" if expected is int else _type_name(expected)
        problem = f"'{key}' must be a {wanted}, not {_what_it_is(expected, value)}"
        return [error(shown, line, 1, problem)]
    if not isinstance(value, str):
        return []
    problems: list[Diagnostic] = []
    text_problem = unencodable(value)
    if text_problem is None and key in _PATH_KEYS and "\0" in value:
        text_problem = "contains a NUL character"
    if text_problem is None and key == "base_url":
        text_problem = _url_problem(value)
        if text_problem is None and site_address(value) is None:
            problems.append(error(shown, line, 1, BASE_URL_PROBLEM, base_url_hint(value)))
    if text_problem is not None:
        problems.append(error(shown, line, 1, f"'{key}' {text_problem}"))
    return problems


def _redirects(
    value: object, lines: dict[str, int], shown: str
) -> tuple[tuple[tuple[str, str, int], ...], list[Diagnostic]]:
    """The `redirects:` map as (old path, page name, line) entries, LINES: each old path's; a
    non-text entry is an error."""
    if not isinstance(value, dict):
        return (), []  # absent, or reported as the wrong type
    entries, problems = [], []
    for old, page in value.items():
        line = lines.get(str(old), 1)
        if isinstance(old, str) and isinstance(page, str):
            problem = unencodable(old) or unencodable(page)
            if problem is not None:
                problems.append(error(shown, line, 1, f"redirect {problem}"))
            else:
                entries.append((old, page, line))
        else:
            problems.append(
                error(shown, line, 1, "each redirect maps an old path to a page name, as text")
            )
    return tuple(entries), problems


BASE_URL_PROBLEM = "'base_url' must be the absolute http(s) address the site is published at"
BASE_URL_HINT = "such as https://user.github.io/course/"
_PAGE_ADDRESS = re.compile(r"[^/]\.html?$", re.IGNORECASE)  # a page's: not the site's folder


def base_url_hint(url: str) -> str:
    """What to write for the base_url URL, which is no site address: its folder, when it is a
    page's address (`https://example.org/course/index.html`)."""
    parts = urlsplit(url.strip())
    if _PAGE_ADDRESS.search(parts.path) and parts.scheme in ("http", "https"):
        folder = urlunsplit(parts._replace(path=parts.path.rpartition("/")[0] + "/"))
        return f"the folder the site is published at, not one of its pages: {folder}"
    return BASE_URL_HINT


def site_address(url: str) -> str | None:
    """A base_url as URLs are joined onto it (ending in `/`), or None when it is no web address."""
    url = url.strip()
    if _url_problem(url) is not None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        return None
    parts = parts._replace(path=_without_dot_segments(parts.path))
    if _PAGE_ADDRESS.search(parts.path):  # `…/index.html`: pages would go under it
        return None
    # Without the slash, joining `page.html` onto https://user.github.io/course would drop `course`.
    path = _escaped_path(parts.path.rstrip("/") + "/")
    return urlunsplit(parts._replace(netloc=_ascii_netloc(parts.netloc), path=path))


_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


_DOT = re.compile("%2e", re.IGNORECASE)


def _without_dot_segments(path: str) -> str:
    """The absolute PATH with its `.` and `..` segments (`%2E` too) followed, as a browser
    follows them (RFC 3986, 5.2.4): `/a/../b/` is `/b/`."""
    kept: list[str] = []
    segments = path.split("/")[1:]
    for index, segment in enumerate(segments):
        dots = _DOT.sub(".", segment)
        if dots == "..":
            if kept:
                kept.pop()
        elif dots != ".":
            kept.append(segment)
            continue
        if index == len(segments) - 1:  # `/a/..` is the folder `/`, `/a/.` the folder `/a/`
            kept.append("")
    return "/" + "/".join(kept)


def _escaped_path(path: str) -> str:
    """PATH as a URL's path (RFC 3986): each character a path may not hold as it is (an accent,
    as UTF-8) written as %XX, and what is escaped already (`%C3%BC`) left as it is."""
    return quote(_LONE_PERCENT.sub("%25", path), safe=URL_SAFE + "%")


def _ascii_netloc(netloc: str) -> str:
    """NETLOC with a host of accented letters written as the DNS knows it (IDNA: `xn--…`), or
    as UTF-8 %XX where Python's IDNA cannot write it as it is; an ASCII one as it is."""
    if netloc.isascii():
        return netloc
    userinfo, at, hostport = netloc.rpartition("@")
    host, colon, port = hostport.partition(":")  # a port is digits (see `_url_problem`)
    # A host is read whatever its case: Python's IDNA leaves an ASCII label's capitals as they
    # are, which its round trip below would take for a name changed.
    host = host.lower()
    try:
        ascii_host = host.encode("idna").decode("ascii")
        # Python's IDNA is the 2003 one, which maps some letters to others (ß to ss): a name
        # that does not come back as written is left for the reader's IDNA, escaped.
        same = (
            ascii_host.encode("ascii").decode("idna") == unicodedata.normalize("NFC", host).lower()
        )
    except UnicodeError:
        same = False
    if not same:
        ascii_host = quote(host, safe="!$&'()*+,;=-._~")
    return f"{quote(userinfo, safe=URL_SAFE + '%')}{at}{ascii_host}{colon}{port}"


def with_base_url(config: SiteConfig, url: str) -> SiteConfig:
    """CONFIG with the base_url given on the command line; ValueError when URL is no web address."""
    problem = unencodable(url) or _url_problem(url)
    if problem is not None:
        raise ValueError(problem)
    address = site_address(url)
    if address is None:
        raise ValueError(f"{BASE_URL_PROBLEM} ({base_url_hint(url)}), not {_shown(url)!r}")
    return dataclasses.replace(config, base_url=address)


def base_url_warnings(config: SiteConfig) -> list[Diagnostic]:
    """A site.yaml without base_url: the built 404 page can only link from the domain's root."""
    # A bit-docs package.json has no key to set (its academies never had a 404 page): no warning.
    if config.base_url or config.layout != "site":
        return []
    return [
        warning(
            display_path(config.config_path),
            1,
            1,
            "base_url is not set: the 404 page works only for a site published at the root "
            "of its domain",
            "set base_url in site.yaml (or pass --base-url) to the site's address, "
            "such as https://user.github.io/course/",
        )
    ]


def _key_lines(node: yaml.Node | None) -> dict[str, int]:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return {}
    lines: dict[str, int] = {}
    for key, _ in node.value:
        lines.setdefault(str(key.value), key.start_mark.line + 1)
    return lines


def _duplicate_keys(shown: str, node: yaml.Node | None) -> list[Diagnostic]:
    """YAML keeps the last of two equal keys without a word, at any depth (a redirect given
    twice, say); a site must hear of each, at the second key, with the line of the first."""
    import yaml

    problems = []
    for mapping in _node_tree(node):  # a mapping an alias shows again is told once
        if not isinstance(mapping, yaml.MappingNode):
            continue
        first: dict[str, int] = {}
        for key, _ in mapping.value:
            if not isinstance(key, yaml.ScalarNode) or key.value == "<<":
                continue
            line = key.start_mark.line + 1
            if key.value in first:
                problems.append(
                    error(
                        shown,
                        line,
                        key.start_mark.column + 1,
                        f"duplicate key '{key.value}'",
                        f"first set on line {first[key.value]}",
                    )
                )
            else:
                first[key.value] = line
    return problems


def _node_tree(node: yaml.Node | None) -> Iterator[yaml.Node]:
    """NODE and every node below it, each once (an alias names a node already seen), in the
    order of the text."""
    import yaml

    stack = [node] if node is not None else []
    visited: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        yield node
        if isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            stack.extend(reversed([part for pair in node.value for part in pair]))


def _type_name(kind: type) -> str:
    return {str: "string", bool: "boolean (true or false)", int: "number", float: "number"}.get(
        kind, "mapping" if kind is dict else "list" if kind is list else kind.__name__
    )


def _what_it_is(expected: type, value: object) -> str:
    """VALUE as "must be a …, not VALUE" names it: empty (`title:`, `~`), the number itself
    where a whole number is expected (`.nan`, `1.5`), or else its type."""
    if value is None:
        return "empty"
    if expected is int and isinstance(value, float):
        if math.isnan(value):
            return ".nan"  # as YAML writes them
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    return _type_name(type(value))


def _url_problem(url: str) -> str | None:
    """Why URL cannot be read as a URL at all (site_address says whether it is a web address)."""
    if any(c.isspace() or ord(c) < 0x20 for c in url):
        return f"must be a URL without spaces, not '{_shown(url)}'"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a bad port is only found when read)
    except ValueError as exc:  # its text may quote the host, user name and password with it
        return f"is not a valid URL: {_shown_in(str(exc), url)} ('{_shown(url)}')"
    if "@" in parts.netloc:  # not echoed: a token passed from a CI secret stays out of the log
        without = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
        return (
            "must not hold a user name or password (every page's canonical link and the "
            f"sitemap would publish it): write {without}"
        )
    return None


# What comes before the host's `@` (after the scheme and its slashes, or from the start where
# these are not), as a browser reads it: the user name and password, which no message shows.
_USER_INFO = re.compile(r"^(?:([^/?#\\@]*:[/\\]+)|)([^/?#\\]*)@")


def _shown(url: str) -> str:
    """URL as a message quotes it: a user name and password in it written `…`."""
    return _USER_INFO.sub(r"\1…@", url, count=1)


def _shown_in(text: str, url: str) -> str:
    """TEXT, which may quote part of URL, with URL's user name and password written `…`."""
    found = _USER_INFO.match(url)
    return text.replace(found.group(2) + "@", "…@") if found else text


def _theme_problem(root_dir: Path, theme: str) -> tuple[str, str] | None:
    """The default theme is always there; any other must be a folder of the site's themes/."""
    if theme == DEFAULT_THEME:
        return None
    themes = root_dir / THEMES_DIR
    plain = theme not in ("", ".", "..") and not any(c in theme for c in "/\\\0")
    if plain and (themes / theme).is_dir():
        return None
    try:
        available = sorted(p.name for p in themes.iterdir() if p.is_dir())
    except OSError:
        available = []
    names = sorted({DEFAULT_THEME, *available})
    hint = did_you_mean(theme, names) or f"themes: {', '.join(names)}"
    return f"unknown theme '{theme}': no such folder under {THEMES_DIR}/", hint


# --- bit-docs package.json -----------------------------------------------------------------------

_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def _read_package_json(path: Path, shown: str) -> tuple[str, Any]:
    """The file's text and its JSON data; bad UTF-8, bad JSON or deep nesting is a ConfigError."""
    text = _read_text(path, shown)
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            if depth > MAX_NESTING:
                line, col = _position(text, token.start())
                raise ConfigError(
                    [error(shown, line, col, f"nested more than {MAX_NESTING} levels deep")]
                )
        elif bracket in "]}":
            depth -= 1
    try:
        return text, json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            [error(shown, exc.lineno, exc.colno, f"invalid JSON: {exc.msg}")]
        ) from None


class _PackageLines:
    """Lines of the bit-docs keys in package.json text (the JSON reader keeps no positions)."""

    def __init__(self, text: str) -> None:
        self.text = text
        section = re.search(r'"bit-docs"\s*:', text)
        self.section_at = section.start() if section else 0

    def section(self) -> int:
        return _position(self.text, self.section_at)[0]

    def key(self, name: str) -> int:
        found = re.compile(rf'"{re.escape(name)}"\s*:').search(self.text, self.section_at)
        return _position(self.text, found.start())[0] if found else self.section()


BITDOCS_DEST = "./doc"  # bit-docs' output folder when its section names none


def missing_static_problem(config: SiteConfig) -> Diagnostic | None:
    """A warning at package.json's "static" when the folder it names is not there: nothing of
    it can be copied (pages that show its images say so each)."""
    if config.static_dir is None or config.static_dir.is_dir():
        return None
    try:
        text = config.config_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    line = _PackageLines(text).key("static") if text else 1
    name = display_path(config.static_dir)
    return warning(
        display_path(config.config_path),
        line,
        1,
        f'"static" names {name}, which is not a folder: nothing is copied from it',
        "create the folder, or correct the name",
    )


def _load_bitdocs_package(path: Path) -> SiteConfig:
    shown = display_path(path)
    text, data = _read_package_json(path, shown)
    lines = _PackageLines(text)
    section: dict[str, Any] = data.get("bit-docs") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        raise ConfigError([error(shown, 1, 1, 'package.json has no "bit-docs" section')])
    problems: list[Diagnostic] = []

    def problem(key: str | None, message: str, hint: str = "") -> None:
        line = lines.key(key) if key else lines.section()
        problems.append(error(shown, line, 1, message, hint))

    section.setdefault("dest", BITDOCS_DEST)  # as bit-docs: `./doc` unless it says otherwise
    for key in ("parent", "dest"):
        value = section.get(key)
        if key not in section:
            problem(None, f'the "bit-docs" section needs "{key}"')
        elif not isinstance(value, str) or not value:
            problem(key, f'"{key}" must be a non-empty string')
        elif "\0" in value or unencodable(value):
            problem(key, f'"{key}" {unencodable(value) or "contains a NUL character"}')
    static = section.get("static")
    if "static" in section and (not isinstance(static, str) or not static or "\0" in static):
        problem("static", '"static" must be a folder name')
    elif isinstance(static, str) and unencodable(static):
        problem("static", f'"static" {unencodable(static)}')
    patterns: tuple[str, ...] = (DEFAULT_GLOB,)
    ignore: tuple[str, ...] = ()
    if "glob" in section:
        try:
            patterns = _bitdocs_patterns(section["glob"])
            ignore = _bitdocs_ignore(section["glob"])
        except ValueError as exc:
            problem("glob", str(exc))
    codepen = _codepen_pairs(section.get("codepen"))
    if isinstance(codepen, str):
        problem("codepen", codepen, 'write it as [["from", "to"], ...]')
        codepen = ()
    if problems:
        raise ConfigError(problems)

    root_dir = path.parent.resolve()
    return SiteConfig(
        root_dir=root_dir,
        config_path=root_dir / path.name,  # a link stays one: see `config_files`
        title=section["parent"],
        content_dir=root_dir,
        output_dir=root_dir / section["dest"],  # a link stays one: refused, as in site.yaml
        output_line=lines.key("dest") if "dest" in data["bit-docs"] else lines.section(),
        root_line=lines.key("parent") if "parent" in data["bit-docs"] else lines.section(),
        root=section["parent"],
        page_glob=patterns,
        page_ignore=ignore,
        static_dir=root_dir / static if isinstance(static, str) else None,
        codepen_replacements=codepen,
        layout="bitdocs",
    )


def _codepen_pairs(value: Any) -> tuple[tuple[str, str], ...] | str:
    """bit-docs' codepen import replacements: a list of [from, to] string pairs (or a problem)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        return f'"codepen" must be a list of [from, to] pairs, not {_json_type(value)}'
    pairs = []
    for number, pair in enumerate(value, start=1):
        if not (
            isinstance(pair, list)
            and len(pair) == 2
            and all(isinstance(s, str) and not unencodable(s) for s in pair)
        ):
            return f'"codepen" item {number} must be a pair of strings [from, to]'
        if not pair[0]:
            return f'"codepen" item {number} replaces an empty string'
        pairs.append((pair[0], pair[1]))
    return tuple(pairs)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return {str: "a string", dict: "an object", list: "a list"}.get(type(value), "null")


def _bitdocs_patterns(glob: Any) -> tuple[str, ...]:
    """bit-docs' glob is a string or {"pattern": ...}; expand `{a,b}` braces into several patterns."""
    pattern = glob.get("pattern") if isinstance(glob, dict) else glob
    if not isinstance(pattern, str):
        where = '"glob" "pattern"' if isinstance(glob, dict) else '"glob"'
        return _raise(f'{where} must be a string, or an object with a "pattern" string')
    expanded = []
    for one in expand_braces(pattern):
        segments = [s for s in one.split("/") if s not in ("", ".")]
        if one.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", one):
            _raise(f"glob '{one}' is absolute: write it relative to the package.json folder")
        if not segments:
            _raise(f"glob '{one}' matches no files: write a pattern such as '{DEFAULT_GLOB}'")
        if ".." in segments:
            _raise(f"glob '{one}' reaches outside the package.json folder")
        if "\0" in one or unencodable(one):
            _raise(f"glob '{one!r}' holds a character no file name can")
        # In part of a segment, `**` is `*` to bit-docs' matcher (minimatch): `src/**.md` is
        # `src/*.md`. Only a whole segment spans folders.
        segments = [s if s == "**" else re.sub(r"\*{2,}", "*", s) for s in segments]
        expanded.append("/".join(segments))
    return tuple(dict.fromkeys(expanded))


def _bitdocs_ignore(glob: Any) -> tuple[str, ...]:
    """bit-docs' `glob.ignore`: one pattern or a list of them, braces expanded."""
    ignore = glob.get("ignore") if isinstance(glob, dict) else None
    if ignore is None:
        return ()
    patterns = [ignore] if isinstance(ignore, str) else ignore
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        _raise('"glob" "ignore" must be a string or a list of strings')
    return tuple(p for pattern in patterns for p in expand_braces(pattern))


def _raise(message: str) -> Any:
    raise ValueError(message)


def expand_braces(pattern: str, limit: int = MAX_GLOB_PATTERNS) -> list[str]:
    """Expand `{a,b}` groups (nested too) as bit-docs' globs do; ValueError past LIMIT patterns.

    Iterative, innermost group first, so neither the number of groups nor their nesting reaches
    the recursion limit; a group without a comma (`{a}`) stays literal, as in bit-docs.
    """
    done: list[str] = []
    pending = [pattern]
    while pending:
        current = pending.pop()
        group = _first_brace_group(current)
        if group is None:
            done.append(current)
            continue
        start, end, options = group
        head, tail = current[:start], current[end + 1 :]
        pending.extend(head + option + tail for option in reversed(options))
        if len(done) + len(pending) > limit:
            raise ValueError(
                f"glob '{_shorten(pattern)}' expands to more than {limit} patterns",
            )
    return done


def _first_brace_group(pattern: str) -> tuple[int, int, list[str]] | None:
    """The first `{...}` group to close that has a comma of its own: start, end and options."""
    open_groups: list[list[int]] = []  # per open brace: its index, then its own commas' indexes
    for index, char in enumerate(pattern):
        if char == "{":
            open_groups.append([index])
        elif char == "," and open_groups:
            open_groups[-1].append(index)
        elif char == "}" and open_groups:
            start, *commas = open_groups.pop()
            if commas:
                cuts = [start, *commas, index]
                options = [pattern[a + 1 : b] for a, b in itertools.pairwise(cuts)]
                return start, index, options
    return None


def _shorten(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
