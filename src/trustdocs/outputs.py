"""The site-wide files (the one table of them) and what a site's pages made, as output files.

Writing them is `output_folder.py`'s job: atomically, and only into a folder trustdocs wrote.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from trustdocs.cache import BuildCache, code_fingerprint, fingerprint, load, store
from trustdocs.config import SiteConfig
from trustdocs.diagnostics import Diagnostic, display_path, error
from trustdocs.files import link_back, outside_link
from trustdocs.output_folder import MARKER, OutputContent, Streamed
from trustdocs.pages import ParsedPage, ParsedPages
from trustdocs.render import (
    OutputsCache,
    PageOutputs,
    Theme,
    cached_parts,
    print_page_pieces,
    render_outputs,
    render_page,
    render_redirect,
    render_special,
    with_html,
    with_parts,
)
from trustdocs.search import SEARCH_DIR, SearchIndex
from trustdocs.snapshot import SiteSnapshot
from trustdocs.urls import NOT_FOUND_PAGE, PRINT_PAGE, SITEMAP, asset_path

PYGMENTS_CSS = asset_path("pygments.css")
SEARCH_INDEX = f"{SEARCH_DIR}/"  # a folder: manifest, term shards, page texts


@dataclass(frozen=True)
class SiteFile:
    """A file the site writes besides its pages and copies."""

    path: str
    what: str  # for messages: "the print page"
    template: str | None = None  # the theme template that renders it
    on_request: bool = False  # reads every page: the preview makes it when it is asked for
    needs_base_url: bool = False


SITE_FILES = (
    SiteFile(NOT_FOUND_PAGE, "the page-not-found page", template=NOT_FOUND_PAGE),
    SiteFile(SITEMAP, "the sitemap", template=SITEMAP, needs_base_url=True),
    SiteFile(PRINT_PAGE, "the print page", on_request=True),
    SiteFile(SEARCH_INDEX, "the search index", on_request=True),
    SiteFile(PYGMENTS_CSS, "the code highlighting styles"),
    SiteFile(MARKER, "the output marker"),
)


CODE_STYLE_LIGHT = "friendly"
CODE_STYLE_DARK = "github-dark"


def pygments_css(cache: BuildCache | None = None) -> str:
    """Code highlighting colours: light, and on screen dark when chosen (data-theme) or asked for;
    kept in CACHE (under trustdocs' code and Pygments' version): a build that highlights nothing
    anew never loads Pygments."""
    if cache is None or not cache.enabled:
        return _pygments_css()
    key = fingerprint("pygments.css", code_fingerprint(), CODE_STYLE_LIGHT, CODE_STYLE_DARK)
    css = load(cache, "css", key, str)
    if css is None:
        css = _pygments_css()
        store(cache, "css", key, css)
    return css


# What code is read on (style.css): the code background, and a marked line's on it.
CODE_BACKGROUNDS_LIGHT = ((0xF5, 0xF3, 0xEF), (0xF9, 0xE9, 0xB7))
CODE_BACKGROUNDS_DARK = ((0x0F, 0x12, 0x16), (0x35, 0x31, 0x1F))
READABLE_CONTRAST = 4.5  # WCAG AA for text of its size
_TEXT_COLOUR = re.compile(r"(?<![-\w])color:\s*#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")


def readable(css: str, backgrounds: Sequence[tuple[int, int, int]], toward: tuple[int, ...]) -> str:
    """CSS with each text colour that reads below READABLE_CONTRAST on one of BACKGROUNDS moved
    toward black or white (TOWARD) until it reads: the style's hues, legible (Pygments' light
    styles give comments 2.6:1)."""

    def fixed(match: re.Match[str]) -> str:
        digits = match.group(1)
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        colour = tuple(int(digits[i : i + 2], 16) for i in (0, 2, 4))
        for step in range(21):
            mixed = tuple(
                round(c + (t - c) * step / 20) for c, t in zip(colour, toward, strict=True)
            )
            if min(_contrast(mixed, background) for background in backgrounds) >= READABLE_CONTRAST:
                break
        return "color: #" + "".join(f"{c:02x}" for c in mixed)

    return _TEXT_COLOUR.sub(fixed, css)


def _contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """WCAG's contrast ratio of two colours."""

    def luminance(colour: tuple[int, ...]) -> float:
        channels = [c / 255 for c in colour]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@functools.cache
def _pygments_css() -> str:
    from pygments.formatters import HtmlFormatter  # see `pygments_css`

    light = HtmlFormatter(style=CODE_STYLE_LIGHT).get_style_defs(".highlight")
    light = readable(light, CODE_BACKGROUNDS_LIGHT, toward=(0, 0, 0))
    dark = HtmlFormatter(style=CODE_STYLE_DARK)

    def dark_under(prefix: str) -> str:
        # Token and background rules only: the unprefixed pre and line-number rules would apply
        # to light pages too.
        css = "\n".join(dark.get_background_style_defs(prefix) + dark.get_token_style_defs(prefix))
        return readable(css, CODE_BACKGROUNDS_DARK, toward=(255, 255, 255))

    chosen = dark_under(':root[data-theme="dark"] .highlight')
    system = dark_under(':root:not([data-theme="light"]) .highlight')
    chosen, system = (
        "\n".join("  " + line for line in css.splitlines()) for css in (chosen, system)
    )
    # Paper gets the light colours whatever the screen shows.
    return (
        f"{light}\n@media screen {{\n{chosen}\n}}\n"
        f"@media screen and (prefers-color-scheme: dark) {{\n{system}\n}}\n"
    )


def theme_outputs(
    theme: Theme, config: SiteConfig
) -> tuple[dict[str, OutputContent], list[Diagnostic]]:
    """THEME's assets by output path, and the highlighting styles (which THEME versions too);
    an error for each asset reached through a link out of the site and the theme (`leaves`)."""
    out: dict[str, OutputContent] = {}
    problems: list[Diagnostic] = []
    for name, path in theme.asset_files().items():
        if theme.leaves(path):
            problems.append(outside_link(path, config))
        elif path.is_dir():  # a link to a folder above it: listed, not walked (`files_under`)
            problems.append(link_back(path))
        else:
            out[asset_path(name)] = path
    out[PYGMENTS_CSS] = css = pygments_css(theme.cache)
    theme.add_generated("pygments.css", css)
    return out, problems


def site_files(config: SiteConfig) -> dict[str, SiteFile]:
    """The site-wide files this site writes, by output path."""
    return {f.path: f for f in SITE_FILES if config.base_url or not f.needs_base_url}


def generated_files(config: SiteConfig, theme_files: Iterable[str]) -> dict[str, str]:
    """Every site-wide file of this site and what it is, theme files included."""
    found = {path: "one of the theme's files" for path in theme_files}
    found.update((path, f.what) for path, f in site_files(config).items())
    return found


def render_templated_files(
    config: SiteConfig, snapshot: SiteSnapshot, theme: Theme
) -> tuple[dict[str, str], list[Diagnostic]]:
    """The site-wide files a theme template renders (404 page, sitemap, the pages at renamed
    pages' old addresses) and their problems."""
    files: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for site_file in site_files(config).values():
        if site_file.template is not None:
            files[site_file.path], found = render_special(
                site_file.template, site_file.path, snapshot, theme
            )
            problems += found
    for path, redirect in snapshot.redirects.items():
        files[path], found = render_redirect(redirect, snapshot, theme)
        problems += found
    return files, problems


def make_on_request(
    path: str,
    snapshot: SiteSnapshot,
    pages: Mapping[str, PageOutputs],
    theme: Theme,
    search: SearchIndex,
) -> str | None:
    """A file made of every page (print page, a search index file), or None for any other path;
    raises `TemplateFailed` when the print page's template fails."""
    if path == PRINT_PAGE:
        return "".join(print_page(snapshot, pages, theme).pieces())
    if path.startswith(SEARCH_INDEX):
        return _search_files(pages, search).get(path)
    return None


def on_request_outputs(
    snapshot: SiteSnapshot, pages: Mapping[str, PageOutputs], theme: Theme, search: SearchIndex
) -> dict[str, OutputContent]:
    """Every file the preview makes on request, as a full build writes them."""
    return {PRINT_PAGE: print_page(snapshot, pages, theme), **_search_files(pages, search)}


def print_page(snapshot: SiteSnapshot, pages: Mapping[str, PageOutputs], theme: Theme) -> Streamed:
    """The print page of PAGES' chapters, made piece by piece as it is written."""
    chapters = [pages[name].chapter for name in snapshot.tree.reading_order]
    return Streamed(lambda: print_page_pieces(chapters, snapshot, theme))


def _search_files(pages: Mapping[str, PageOutputs], search: SearchIndex) -> dict[str, str]:
    return search.files([o.search_record for _, o in sorted(pages.items()) if o.search_record])


def replaced_copies(copies: Mapping[str, Path], generated: Mapping[str, str]) -> list[Diagnostic]:
    """An error for each copied file that a file the site makes itself would silently replace,
    or one in a folder the site makes (the search index's), or a file of that folder's name."""
    folders = {path: what for path, what in generated.items() if path.endswith("/")}
    problems = []
    for rel, path in copies.items():
        what = generated.get(rel) or next(
            (what for folder, what in folders.items() if (rel + "/").startswith(folder)), None
        )
        if what is not None:
            problems.append(error(display_path(path), 1, 1, f"{rel} would be replaced by {what}"))
    return problems


_PROBLEMS = operator.attrgetter("rendered.diagnostics")  # of a page's outputs


def is_on_request(path: str) -> bool:
    """Whether the preview makes this output only when asked for it (a folder: any file in it)."""
    return any(
        f.on_request and (f.path == path or (f.path.endswith("/") and path.startswith(f.path)))
        for f in SITE_FILES
    )


# --- what a site's pages made ------------------------------------------------------------------------


class SiteOutputs:
    """Every page's outputs and the templated site-wide files, rendered or taken from the cache."""

    def __init__(self, config: SiteConfig, theme: Theme, cache: BuildCache) -> None:
        self.config, self.theme = config, theme
        self.pages: dict[str, PageOutputs] = {}
        self.extras: dict[str, str] = {}
        self.extra_problems: list[Diagnostic] = []
        self.theme_files, self.theme_problems = theme_outputs(theme, config)
        self.kept = OutputsCache(cache)
        self.search = SearchIndex(cache)
        self.render_count = 0  # pages rendered since loading: tests hold rebuilds to their plan
        self.digests: dict[str, str] = {}  # page file a build worker wrote -> its HTML's digest
        self.unfinished: dict[str, tuple[ParsedPage, SiteSnapshot, str]] = {}  # see `render`
        self._extras_of: SiteSnapshot | None = None
        self._waiting: list[str] = []  # pages `complete` has yet to load, the next one last

    def reuse(self, parsed: ParsedPages, snapshot: SiteSnapshot) -> set[str]:
        """Take every page's outputs the cache still holds; return the pages left to render."""
        found, todo = self.kept.reuse(parsed, snapshot)
        self.pages.update(found)
        return todo

    def render(
        self, parsed: ParsedPages, names: set[str], snapshot: SiteSnapshot, later: bool = False
    ) -> None:
        """Render the pages NAMES here, keep them in the cache, and render the site-wide files.

        LATER: make their print chapters and search records, and keep them, in `finish` (the
        preview shows an edit first, and makes what only the print page and search read after).
        """
        self.finish()
        for name in sorted(names):
            page = parsed.full(name)
            key = self._key(parsed, page)
            if later:
                rendered = render_page(page, snapshot, self.theme, self.kept.cache)
                known = self.pages.get(name)
                self.pages[name] = PageOutputs(
                    rendered,
                    known.chapter if known else None,
                    known.search_record if known else None,
                )
                self.unfinished[name] = (page, snapshot, key)
                continue
            made = render_outputs(page, snapshot, self.theme, self.kept.cache)
            self.kept.keep(key, made, snapshot)
            self.pages[name] = made
        self.add([], snapshot, len(names))

    def full_page(self, parsed: ParsedPages, name: str, snapshot: SiteSnapshot) -> PageOutputs:
        """A page's outputs with its HTML: held, from the cache, or rendered now."""
        known = self.pages.get(name)
        if known is not None and known.rendered.html is not None:
            return known
        key = self.kept.key_of(parsed, name)
        made = self.kept.find(key, snapshot) or self._render_kept(parsed, name, snapshot, key)
        self.pages[name] = made
        return made

    def _render_kept(
        self, parsed: ParsedPages, name: str, snapshot: SiteSnapshot, key: str
    ) -> PageOutputs:
        page = parsed.full(name)
        made = render_outputs(page, snapshot, self.theme, self.kept.cache)
        self.kept.keep(key if parsed.same_reads(page) else "", made, snapshot)
        self.render_count += 1
        return made

    def _key(self, parsed: ParsedPages, page: ParsedPage) -> str:
        """The key to keep PAGE's outputs under; none when a file its directives read changed
        since its facts were made (parsed again: the key would say the older file)."""
        return self.kept.key_of(parsed, page.source.name) if parsed.same_reads(page) else ""

    def complete(
        self, parsed: ParsedPages, snapshot: SiteSnapshot, seconds: float | None = None
    ) -> bool:
        """Hold the outputs of every page not held yet (a site rendering pages on request),
        without their HTML: their problems, print chapters and search records, from the cache
        or rendered. SECONDS: stop after about this long; True once every page's are held."""
        self.finish()
        started = time.perf_counter()
        # The pages left, listed once: sorting 10,000 names at each step took as long as the step.
        if not self._waiting:
            self._waiting = sorted(parsed.facts.keys() - self.pages.keys(), reverse=True)
        while self._waiting:
            if seconds is not None and time.perf_counter() - started > seconds:
                return False
            if (name := self._waiting.pop()) in parsed.facts and name not in self.pages:
                self.pages[name] = _held(self, parsed, name, snapshot)
        left = parsed.facts.keys() - self.pages.keys()  # unloaded by an edit meanwhile
        return not left or self.complete(parsed, snapshot, None if seconds is None else 0.0)

    def finish(self) -> None:
        """Make what `render` left for later: chapters and search records, and the cache entries."""
        for name, (page, snapshot, key) in sorted(self.unfinished.items()):
            made = with_parts(self.pages[name].rendered, page, snapshot, self.theme)
            self.kept.keep(key, made, snapshot)
            self.pages[name] = made
        self.unfinished.clear()

    def add(
        self,
        made: list[PageOutputs],
        snapshot: SiteSnapshot,
        rendered: int = 0,
        digests: Mapping[str, str] | None = None,
    ) -> None:
        """Take pages' outputs made elsewhere (RENDERED of them rendered, the others taken from
        the cache, by workers); render the site-wide files."""
        self.pages.update((o.rendered.name, o) for o in made)
        self.digests.update(digests or {})
        self.render_count += rendered
        if snapshot is not self._extras_of:  # they show the snapshot only
            self.extras, self.extra_problems = render_templated_files(
                self.config, snapshot, self.theme
            )
            self._extras_of = snapshot

    def diagnostics(self) -> list[Diagnostic]:
        """The problems rendering found."""
        found = list(itertools.chain.from_iterable(map(_PROBLEMS, self.pages.values())))
        return self.theme_problems + found + self.extra_problems

    def files(
        self, copies: Mapping[str, Path], snapshot: SiteSnapshot, on_request: bool
    ) -> dict[str, OutputContent]:
        """Every output file: rel path → its text, its bytes, or the source file to copy."""
        out: dict[str, OutputContent] = dict(copies)
        out.update(self.theme_files)
        out.update(
            (o.rendered.output, o.rendered.html)
            for o in self.pages.values()
            if o.rendered.html is not None
        )
        out.update(self.extras)
        if on_request:  # files a preview makes only when they are asked for
            self.finish()
            out.update(on_request_outputs(snapshot, self.pages, self.theme, self.search))
        return out

    def print_page(self, snapshot: SiteSnapshot) -> Streamed:
        """The print page, made piece by piece as it is written."""
        self.finish()
        return print_page(snapshot, self.pages, self.theme)

    def on_request_file(self, path: str, snapshot: SiteSnapshot) -> str | None:
        """A file that reads every page (print page, search index), made when asked for."""
        self.finish()
        return make_on_request(path, snapshot, self.pages, self.theme, self.search)


def _held(
    outputs: SiteOutputs, parsed: ParsedPages, name: str, snapshot: SiteSnapshot
) -> PageOutputs:
    """Page NAME's outputs without their HTML, from the cache, or rendered (and kept)."""
    key = outputs.kept.key_of(parsed, name)
    parts = cached_parts(outputs.kept.cache, key, snapshot, html=False) if key else None
    if parts is not None:
        return with_html(parts[0], None)
    made = outputs._render_kept(parsed, name, snapshot, key)
    parsed.release(name)  # nobody holds every page's tokens at once
    return with_html(made, None)
