"""Read and validate a site's configuration: `site.yaml`, or a bit-docs `package.json`."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import yaml

from trustdocs.diagnostics import Diagnostic, did_you_mean, error, warning

CONFIG_NAME = "site.yaml"
PACKAGE_JSON = "package.json"
DEFAULT_GLOB = "**/*.md"
DEFAULT_MAX_INCLUDE_BYTES = 10_000_000  # the largest file @sourceref and @diff read


@dataclass(frozen=True)
class SiteConfig:
    """Everything a build needs to know about a site, with defaults filled in."""

    root_dir: Path
    config_path: Path
    title: str
    content_dir: Path
    output_dir: Path
    theme: str = "default"
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

    @property
    def site_theme_dir(self) -> Path:
        """The site's own themes folder, whose templates override the default theme."""
        return self.root_dir / "themes" / self.theme


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
}


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
            data = json.loads(package.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            return None
        if isinstance(data, dict) and isinstance(data.get("bit-docs"), dict):
            return package
    return None


def load_config(path: Path) -> SiteConfig:
    """Load a config file (site.yaml or package.json); raise ConfigError on any problem."""
    if path.name == PACKAGE_JSON:
        return _load_bitdocs_package(path)
    return _load_site_yaml(path)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _load_site_yaml(path: Path) -> SiteConfig:
    shown = _display(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(
            [error(shown, 1, 1, f"cannot read configuration: {exc.strerror}")]
        ) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([error(shown, line, col, f"invalid YAML: {problem}")]) from None
    if data is None:
        data, node = {}, None
    if not isinstance(data, dict):
        raise ConfigError([error(shown, 1, 1, "site.yaml must be a mapping of keys to values")])

    lines = _key_lines(node)
    problems = []
    for key, value in data.items():
        line = lines.get(str(key), 1)
        if key not in _KEYS:
            hint = did_you_mean(str(key), _KEYS) or f"known keys: {', '.join(_KEYS)}"
            problems.append(error(shown, line, 1, f"unknown key '{key}'", hint))
            continue
        expected, _ = _KEYS[key]
        if not isinstance(value, expected):
            problems.append(
                error(
                    shown,
                    line,
                    1,
                    f"'{key}' must be a {_type_name(expected)}, not {_type_name(type(value))}",
                )
            )
    limit = data.get("max_include_bytes", 1)
    if isinstance(limit, bool) or (isinstance(limit, int) and limit < 1):
        line = lines.get("max_include_bytes", 1)
        problems.append(error(shown, line, 1, "'max_include_bytes' must be a positive number"))
    for key, (_, required) in _KEYS.items():
        if required and key not in data:
            problems.append(error(shown, 1, 1, f"missing required key '{key}'"))
    base_url = data.get("base_url")
    if isinstance(base_url, str):
        base_url = site_address(base_url)
        if base_url is None:
            problems.append(
                error(shown, lines.get("base_url", 1), 1, BASE_URL_PROBLEM, BASE_URL_HINT)
            )
    if problems:
        raise ConfigError(problems)

    root_dir = path.parent.resolve()
    return SiteConfig(
        root_dir=root_dir,
        config_path=path.resolve(),
        title=data["title"],
        content_dir=root_dir / data.get("content", "content"),
        output_dir=root_dir / data.get("output", "site"),
        theme=data.get("theme", "default"),
        root=data.get("root"),
        base_url=base_url,
        strict=data.get("strict", False),
        allow_outside_files=data.get("sourceref_outside", False),
        max_include_bytes=data.get("max_include_bytes", DEFAULT_MAX_INCLUDE_BYTES),
    )


BASE_URL_PROBLEM = "'base_url' must be the absolute http(s) address the site is published at"
BASE_URL_HINT = "such as https://user.github.io/course/"


def site_address(url: str) -> str | None:
    """A base_url as URLs are joined onto it (ending in `/`), or None when it is no web address."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        return None
    # Without the slash, joining `page.html` onto https://user.github.io/course would drop `course`.
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/"))


def with_base_url(config: SiteConfig, url: str) -> SiteConfig:
    """CONFIG with the base_url given on the command line; ValueError when URL is no web address."""
    address = site_address(url)
    if address is None:
        raise ValueError(f"{BASE_URL_PROBLEM} ({BASE_URL_HINT}), not {url!r}")
    return dataclasses.replace(config, base_url=address)


def base_url_warnings(config: SiteConfig) -> list[Diagnostic]:
    """A site.yaml without base_url: the built 404 page can only link from the domain's root."""
    # A bit-docs package.json has no key to set (its academies never had a 404 page): no warning.
    if config.base_url or config.layout != "site":
        return []
    return [
        warning(
            _display(config.config_path),
            1,
            1,
            "base_url is not set: the 404 page works only for a site published at the root "
            "of its domain",
            "set base_url in site.yaml (or pass --base-url) to the site's address, "
            "such as https://user.github.io/course/",
        )
    ]


def _key_lines(node: yaml.Node | None) -> dict[str, int]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value}


def _type_name(kind: type) -> str:
    return {str: "string", bool: "boolean (true or false)", int: "number", float: "number"}.get(
        kind, "mapping" if kind is dict else "list" if kind is list else kind.__name__
    )


def _load_bitdocs_package(path: Path) -> SiteConfig:
    shown = _display(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except ValueError as exc:
        line, col = getattr(exc, "lineno", 1), getattr(exc, "colno", 1)
        raise ConfigError([error(shown, line, col, f"invalid JSON: {exc}")]) from None
    section: dict[str, Any] = data.get("bit-docs") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        raise ConfigError([error(shown, 1, 1, 'package.json has no "bit-docs" section')])
    problems = [
        error(shown, 1, 1, f'the "bit-docs" section needs "{key}"')
        for key in ("parent", "dest")
        if not isinstance(section.get(key), str)
    ]
    if problems:
        raise ConfigError(problems)
    root_dir = path.parent.resolve()
    static = section.get("static")
    return SiteConfig(
        root_dir=root_dir,
        config_path=path.resolve(),
        title=section["parent"],
        content_dir=root_dir,
        output_dir=(root_dir / section["dest"]).resolve(),
        root=section["parent"],
        page_glob=_bitdocs_patterns(section.get("glob")),
        page_ignore=_bitdocs_ignore(section.get("glob")),
        static_dir=root_dir / static if isinstance(static, str) else None,
        codepen_replacements=tuple(
            (str(pair[0]), str(pair[1]))
            for pair in section.get("codepen") or []
            if isinstance(pair, list) and len(pair) == 2
        ),
        layout="bitdocs",
    )


def _bitdocs_patterns(glob: Any) -> tuple[str, ...]:
    """bit-docs' glob is a string or {"pattern": ...}; expand `{a,b}` braces into several patterns."""
    pattern = glob.get("pattern") if isinstance(glob, dict) else glob
    if not isinstance(pattern, str):
        return (DEFAULT_GLOB,)
    return tuple(_expand_braces(pattern))


def _bitdocs_ignore(glob: Any) -> tuple[str, ...]:
    """bit-docs' `glob.ignore`: one pattern or a list of them, braces expanded."""
    ignore = glob.get("ignore") if isinstance(glob, dict) else None
    patterns = [ignore] if isinstance(ignore, str) else ignore if isinstance(ignore, list) else []
    return tuple(
        p for pattern in patterns if isinstance(pattern, str) for p in _expand_braces(pattern)
    )


def _expand_braces(pattern: str) -> list[str]:
    start = pattern.find("{")
    end = pattern.find("}", start)
    if start < 0 or end < 0:
        return [pattern]
    head, options, tail = pattern[:start], pattern[start + 1 : end], pattern[end + 1 :]
    return [p for option in options.split(",") for p in _expand_braces(head + option + tail)]
