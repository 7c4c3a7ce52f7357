"""Page names and anchors → relative URLs, and the read-only snapshot of the site that renders use."""

from __future__ import annotations

import difflib
import functools
import posixpath
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

from trustdocs.tree import CourseTree

ASSETS_DIR = "_assets"


def output_path(name: str, root: str | None) -> str:
    """The output file of page NAME: `NAME.html`, or `index.html` for the root page."""
    return "index.html" if name == root else f"{name}.html"


def relative_url(from_output: str, to_output: str, fragment: str = "") -> str:
    """A URL reaching TO_OUTPUT from the page written at FROM_OUTPUT (both relative to the site)."""
    suffix = f"#{fragment}" if fragment else ""
    if to_output == from_output and suffix:
        return suffix
    return _relative_path(posixpath.dirname(from_output), to_output) + suffix


@functools.lru_cache(maxsize=1 << 16)
def _relative_path(from_folder: str, to_output: str) -> str:
    """Both paths are normalised and relative to the site root, so no file system is consulted."""
    start = from_folder.split("/") if from_folder else []
    target = to_output.split("/")
    common = 0
    while common < min(len(start), len(target) - 1) and start[common] == target[common]:
        common += 1
    parts = [".."] * (len(start) - common) + target[common:]
    return quote("/".join(parts), safe="/:@!$&'()*+,;=-._~")


def is_external(url: str) -> bool:
    """True for URLs with a scheme or host, site-absolute paths and pure fragments."""
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc or url.startswith(("/", "#", "?")) or not parts.path)


def close_names(word: str, names: list[str] | frozenset[str], limit: int = 1) -> list[str]:
    """The page names closest to WORD, best first."""
    return difflib.get_close_matches(word, list(names), n=limit, cutoff=0.75)


def looks_like_page_reference(word: str, names: frozenset[str]) -> bool:
    """A bracketed word that was probably meant as a cross-link: a path, an anchor or a near miss."""
    if "/" in word or "#" in word:
        return not word.startswith(("http:", "https:", "mailto:"))
    return len(word) >= 4 and bool(difflib.get_close_matches(word, list(names), n=1, cutoff=0.85))


@dataclass(frozen=True)
class PageSummary:
    """What other pages may show of a page: its title, summary, URL and anchors."""

    name: str
    title: str
    description_text: str
    output: str
    source: str  # rel path of the .md file in the content folder
    anchors: frozenset[str]


@dataclass(frozen=True)
class LocalLink:
    """A relative link from a page, resolved: the URL to write and, if broken, why."""

    url: str
    problem: str = ""


@dataclass(frozen=True)
class SiteSnapshot:
    """The read-only view of the whole site that rendering one page may consult."""

    title: str
    pages: dict[str, PageSummary]
    tree: CourseTree
    content_files: frozenset[str]  # non-page files copied from the content folder
    output_files: frozenset[str]  # every file the site writes
    base_url: str | None = None
    preview: bool = False
    codepen_replacements: tuple[tuple[str, str], ...] = ()
    page_sources: dict[str, str] = field(default_factory=dict)  # .md rel path -> page name

    @functools.cached_property
    def memo(self) -> dict[object, object]:
        """Results that renders of many pages would compute alike (collapsed sidebar entries)."""
        return {}

    def asset_url(self, from_page_output: str, asset: str) -> str:
        """Relative URL of a theme asset from a page's output file."""
        return relative_url(from_page_output, f"{ASSETS_DIR}/{asset}")

    def resolve_local(self, page: PageSummary, url: str) -> LocalLink:
        """Rewrite a relative link or image path of PAGE (see FORMAT.md §6) and check its target."""
        if is_external(url):
            return LocalLink(url)
        parts = urlsplit(url)
        path = unquote(parts.path)
        tail = (f"?{parts.query}" if parts.query else "") + (
            f"#{parts.fragment}" if parts.fragment else ""
        )
        source_dir = posixpath.dirname(page.source)
        from_source = posixpath.normpath(posixpath.join(source_dir, path))
        if from_source in self.page_sources:
            target = self.pages[self.page_sources[from_source]]
            return LocalLink(relative_url(page.output, target.output, parts.fragment))
        if from_source in self.content_files:
            return LocalLink(relative_url(page.output, from_source) + tail)
        from_output = posixpath.normpath(posixpath.join(posixpath.dirname(page.output), path))
        if from_output == ".." or from_output.startswith("../"):
            return LocalLink(url, f"link '{url}' goes above the site root")
        if path.endswith("/") or from_output == ".":
            from_output = posixpath.join(from_output, "index.html").removeprefix("./")
        if from_output not in self.output_files:
            return LocalLink(url, f"link target '{url}' does not exist")
        return LocalLink(url)
