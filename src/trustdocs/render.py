"""Jinja environment for a theme, and page → HTML as a pure function of the page and the site."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import os
import pickle
import re
import traceback
import types
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload
from urllib.parse import urljoin

import jinja2
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment

from trustdocs.cache import (
    HASHED,
    BuildCache,
    FileRead,
    KeyedTheme,
    code_fingerprint,
    file_digest,
    files_under,
    fingerprint,
    leads_out,
    load,
    load_with_tail,
    reads_fingerprint,
    store,
    theme_homes,
)
from trustdocs.config import (
    SiteConfig,
    allow_outside_hint,
    link_above_on_the_way,
    theme_folders,
)
from trustdocs.diagnostics import Diagnostic, error, undecodable_utf8, unencodable, warning
from trustdocs.files import link_back
from trustdocs.markdown import (
    CodeBlock,
    Heading,
    code_blocks,
    given_highlights,
    highlighted_lines,
    print_chapter_id,
    render_markdown,
    render_print_markdown,
)
from trustdocs.pages import ParsedPage, ParsedPages
from trustdocs.redirects import Redirect
from trustdocs.search import SearchRecord, search_record
from trustdocs.snapshot import (
    Aspect,
    FrameAnswers,
    FrameRead,
    PageSummary,
    RenderContext,
    SiteSnapshot,
    crumb_names,
    frame_parts,
    moved_pages,
    moved_to,
    nav_gap,
    nav_levels,
    shown_values,
)
from trustdocs.urls import (
    INDEX_HTML,
    NOT_FOUND_PAGE,
    PRINT_PAGE,
    asset_path,
    is_external,
    relative_url,
    site_url,
)


@dataclass(frozen=True)
class RenderedPage:
    """A page's HTML, what went wrong rendering it, and which other pages it showed."""

    name: str
    output: str
    html: str | None  # None: written to the output folder already (by a build worker)
    diagnostics: tuple[Diagnostic, ...] = ()
    uses: frozenset[tuple[str, Aspect]] = frozenset()  # what its text showed of other pages
    titles: frozenset[str] = frozenset()  # the pages whose titles its frame showed (sidebar, …)
    frame: frozenset[FrameRead] = frozenset()  # what it asked of the site's tree and files
    # The key of its highlighted code blocks in the cache ("": none kept): bookkeeping, not output.
    code: str = field(default="", compare=False)


@dataclass(frozen=True)
class NavItem:
    """One entry of the sidebar tree, as the current page sees it."""

    title: str
    url: str
    current: bool
    open: bool
    has_children: bool
    children: tuple[NavItem, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class LinkedPage:
    """A page named in the layout (breadcrumb, previous, next): its title and URL from here."""

    title: str
    url: str


# A Jinja string escape that makes a lone surrogate, as in a UTF-16 pair written JavaScript's way
SURROGATE_ESCAPE = re.compile(r"(?<!\\)\\(?:u|U0000)[dD][89a-fA-F][0-9a-fA-F]{2}")

# What a broken template raises: Jinja's own errors, and a failing expression of the template.
TEMPLATE_FAILURES = (
    jinja2.TemplateError,
    ArithmeticError,
    LookupError,
    TypeError,
    ValueError,
    RecursionError,
)


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates in the build cache: checked entries, as every other (Jinja's own file
    cache would load code from any file put in its folder); under a key of trustdocs' code and
    the versions of what renders, which decide the code a template compiles to. Jinja checks
    that each holds the template's current source."""

    def __init__(self, cache: BuildCache, sandboxed: bool) -> None:
        self.cache = cache
        self.sandboxed = sandboxed  # a sandbox compiles calls to code of its own: kept apart

    def _key(self, bucket: jinja2.bccache.Bucket) -> str:
        return fingerprint(code_fingerprint(), self.sandboxed, bucket.key)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Fill BUCKET from the cache, when it holds it."""
        data = self.cache.get("template", self._key(bucket))
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Keep BUCKET's compiled template in the cache."""
        self.cache.put("template", self._key(bucket), bucket.bytecode_to_string())


def _has_templates(folder: Path | None) -> bool:
    """Whether the site's theme FOLDER may hold templates: anything in it but its assets."""
    if folder is None or not folder.is_dir():
        return False
    try:
        with os.scandir(folder) as entries:
            return any(entry.name != "assets" for entry in entries)
    except OSError:
        return True  # unreadable: whatever it holds is read, if at all, sandboxed


class Theme:
    """A theme's templates: the site's theme folder first, then the default theme, file by file."""

    def __init__(
        self,
        site_theme_dir: Path | None = None,
        cache: BuildCache | None = None,
        homes: list[str] | None = None,
        allow_hint: str = "",
    ) -> None:
        """CACHE: where compiled templates are kept across builds (compiling the default theme
        costs a build about 50 ms). HOMES: where its files may really be (`theme_homes`); a
        template or asset reached through a link out of them is refused, as pages and files are
        (None: anywhere, a site with `sourceref_outside`). ALLOW_HINT: `allow_outside_hint`."""
        self.folders = theme_folders(site_theme_dir)
        self.homes, self.allow_hint = homes, allow_hint
        # Templates of the site's own (a repository's) run in Jinja's sandbox: no attribute of
        # Python's insides (`cycler.__init__.__globals__.os`), no call that is not safe. The
        # default theme's, trustdocs' own, run without its checks (a tenth of a build's time).
        sandboxed = _has_templates(site_theme_dir)
        self.environment = (SandboxedEnvironment if sandboxed else jinja2.Environment)(
            loader=_ThemeLoader([str(d) for d in self.folders], self),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            bytecode_cache=_CompiledTemplates(cache, sandboxed)
            if cache and cache.enabled
            else None,
        )
        self.cache = cache
        self.generated: dict[str, str] = {}  # versions of assets the site makes (`add_generated`)
        self.keyed = KeyedTheme()  # its files as the site's key has them, once it is made
        # `tojson` as with plain lists and dicts, also of the print page's chapters (`_Chapters`).
        self.environment.policies["json.dumps_kwargs"] = {"sort_keys": True, "default": _plain}

    def leaves(self, path: str | Path) -> bool:
        """Whether PATH, one of the theme's files, is reached through a link that leads out of the
        site's folder and the default theme's (HOMES): a repository's theme linking
        `/proc/self/environ` would publish a CI job's secrets."""
        return leads_out(path, self.homes)

    def asset_files(self) -> dict[str, Path]:
        """Asset name → file, the site theme's files overriding the default theme's."""
        assets: dict[str, Path] = {}
        for folder in reversed(self.folders):
            base = folder / "assets"
            if base.is_dir():  # through linked folders, as templates are found
                for path in files_under(base, self.homes):  # a link out: listed, not walked
                    assets[path.relative_to(base).as_posix()] = path
        return assets

    def add_generated(self, name: str, text: str) -> None:
        """Version the asset NAME that the site makes (not a file of the theme) by its TEXT."""
        self.generated[name] = "?v=" + hashlib.sha256(text.encode()).hexdigest()[:12]

    @functools.cached_property
    def _versions(self) -> dict[str, str]:
        """Each asset file's version, for its address: hosts let browsers keep files for minutes,
        and a page must not meet the older copy of a script or style sheet it was made with."""
        versions = {}
        for name, path in self.asset_files().items():
            # As the site's key has it; else read in pieces: an asset may be a video, or linked.
            digest = self.keyed.digests.get(str(path)) or file_digest(path)
            if digest is not None and digest.startswith(HASHED):  # unreadable: copying says so
                versions[name] = "?v=" + digest[len(HASHED) :][:12]
        return versions

    def _versioned(self, context: dict[str, Any]) -> dict[str, Any]:
        """CONTEXT with `asset(name)` giving each theme asset's address with its version."""
        asset = context.get("asset")
        if asset is None:
            return context
        files, generated = self._versions, self.generated
        return {
            **context,
            "asset": lambda name: asset(name) + (files.get(name) or generated.get(name, "")),
        }

    def render(
        self, template: str, context: dict[str, Any], path_hint: str
    ) -> tuple[str, list[Diagnostic]]:
        """Render a template; a broken template is a diagnostic at its own file and line, and so is
        one that writes text no file can hold."""
        context = self._versioned(context)
        try:
            text = self.environment.get_template(template).render(context)
            if unencodable(text) is None:
                return text, []
            # Rare: render it again piece by piece, to find the line that wrote the bad one.
            pieces = self.environment.get_template(template).generate(context)
            return "", [_unwritable(pieces, template, path_hint)]
        except TEMPLATE_FAILURES as exc:
            return "", [self._problem(exc, template, path_hint)]

    def stream(self, template: str, context: dict[str, Any], path_hint: str) -> Iterator[str]:
        """A template's output piece by piece; a broken template raises `TemplateFailed`."""
        context = self._versioned(context)
        try:
            pieces = self.environment.get_template(template).generate(context)
            for piece in pieces:
                if unencodable(piece) is not None:
                    raise TemplateFailed(_unwritable(pieces, template, path_hint, piece))
                yield piece
        except TEMPLATE_FAILURES as exc:
            raise TemplateFailed(self._problem(exc, template, path_hint)) from None

    def _problem(self, exc: Exception, template: str, path_hint: str) -> Diagnostic:
        if isinstance(exc, _TemplateNotUTF8):
            return exc.diagnostic
        if isinstance(exc, jinja2.TemplateSyntaxError):
            where = _shown(exc.filename) if exc.filename else template
            return error(where, exc.lineno or 1, 1, f"template error: {exc.message}")
        # The template failed while running ({{ 1 // 0 }}, an undefined value, a missing include,
        # endless macro recursion): Jinja leaves frames of the template's file and line in the
        # traceback; blame the last one. PATH_HINT (a page, or an output file) only when none is.
        where, line = path_hint, 1
        folders = tuple(str(folder) for folder in self.folders)
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename.startswith(folders):
                where, line = _shown(frame.filename), frame.lineno or 1
        if isinstance(exc, jinja2.TemplateError):
            return error(where, line, 1, f"template {template}: {exc}")
        message = " ".join(str(exc).split())
        return error(where, line, 1, f"template error: {type(exc).__name__}: {message}")


def site_theme(config: SiteConfig, cache: BuildCache) -> Theme:
    """The theme CONFIG's site renders with: links out of the site refused, unless it allows."""
    return Theme(config.site_theme_dir, cache, theme_homes(config), allow_outside_hint(config))


class _ThemeLoader(jinja2.FileSystemLoader):
    """Templates from the theme's folders, first found first; one that is not UTF-8 is an error at
    its first bad byte (Jinja's own error names neither the file nor the place)."""

    def __init__(self, searchpath: list[str], theme: Theme) -> None:
        super().__init__(searchpath)
        self.theme = theme

    def get_source(self, environment: jinja2.Environment, template: str) -> Any:
        # Where Jinja will look, checked before it reads: a template linked out of the site is
        # refused unread (not known by its first bytes that are not UTF-8, nor read whole).
        pieces = split_template_path(template)
        first = next((p for f in self.searchpath if (p := Path(f, *pieces)).is_file()), None)
        if first is not None:
            self._refuse_if_leaving(str(first))
            kept = self.theme.keyed.templates.get(str(first))
            if kept is not None:  # as the site's key has it, even if saved since
                return _decoded(kept, str(first)), str(first), lambda: True
        try:
            found = super().get_source(environment, template)
        except UnicodeDecodeError:
            path = next(p for f in self.searchpath if (p := Path(f, *pieces)).is_file())
            self._refuse_if_leaving(str(path))
            _decoded(path.read_bytes(), str(path))  # the error at its first bad byte
            raise  # changed since it was read: Jinja's error will do
        self._refuse_if_leaving(found[1])  # replaced by a link since it was checked
        return found

    def _refuse_if_leaving(self, path: str) -> None:
        if self.theme.leaves(path):
            raise jinja2.TemplateError(
                f"{_shown(path)}: symlink leads outside the site folder (to "
                f"{os.path.realpath(path)}): not used; copy the template into the site"
                + self.theme.allow_hint
            )
        # Through a link back up, as the theme's key never walks (`files_under`): an edit
        # there would go unseen by the next build.
        folder = next((f for f in self.searchpath if path.startswith(os.path.join(f, ""))), None)
        link = link_above_on_the_way(folder, path) if folder is not None else None
        if link is not None:
            refused = link_back(Path(link))
            raise jinja2.TemplateError(f"{_shown(link)}: {refused.message}; {refused.hint}")


def _decoded(data: bytes, path: str) -> str:
    """The text of the template at PATH, whose bytes are DATA; not UTF-8: an error at its first
    bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _TemplateNotUTF8(undecodable_utf8(_shown(path), data, exc)) from None


class _TemplateNotUTF8(jinja2.TemplateError):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.format())
        self.diagnostic = diagnostic


def _unwritable(
    pieces: Generator[str], template: str, path_hint: str, piece: str | None = None
) -> Diagnostic:
    """The problem of a template writing a lone surrogate, where it wrote it: PIECES is the
    template's output, PIECE the bad piece it gave last (None: go on to the first bad one)."""
    if piece is None:
        piece = next((piece for piece in pieces if unencodable(piece) is not None), "")
    problem = unencodable(piece) or "is not valid Unicode text"
    # The generator that wrote the piece is suspended at its yield: its template and line.
    generator: Any = pieces
    while isinstance(generator.gi_yieldfrom, types.GeneratorType):
        generator = generator.gi_yieldfrom
    frame = generator.gi_frame
    made_by = frame.f_globals.get("__jinja_template__") if frame is not None else None
    if made_by is None or made_by.filename is None:
        return error(path_hint, 1, 1, f"template {template}: its output {problem}")
    line, col = made_by.get_corresponding_lineno(frame.f_lineno), 1
    # Jinja writes the text of a constant expression with the text around it, from the line
    # where that starts: the escape that made the surrogate is where to look.
    try:
        lines = Path(made_by.filename).read_text(encoding="utf-8").split("\n")
    except (OSError, ValueError):  # changed since it was read: its line will do
        lines = []
    for number in range(line, len(lines) + 1):
        escape = SURROGATE_ESCAPE.search(lines[number - 1])
        if escape is not None:
            line, col = number, escape.start() + 1
            break
    message = f"template {template}: what it writes here {problem}"
    return error(_shown(made_by.filename), line, col, message, "no output file can hold it")


class TemplateFailed(Exception):
    """A template failed while its output was being written piece by piece."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.format())
        self.diagnostic = diagnostic


def _shown(filename: str) -> str:
    try:
        return Path(filename).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return filename


@dataclass(frozen=True)
class OutlineEntry:
    """A heading in the "On this page" outline, with the headings below it."""

    level: int
    id: str
    text: str
    children: tuple[OutlineEntry, ...] = ()


def outline_tree(headings: tuple[Heading, ...], depth: int) -> tuple[OutlineEntry, ...]:
    """Nest h2 to h(DEPTH+1) under their parents; a deeper heading without one stays at the top."""
    top: list[OutlineEntry] = []
    stack: list[
        tuple[int, list[OutlineEntry], list[OutlineEntry]]
    ] = []  # level, children, siblings
    for heading in headings:
        if not 2 <= heading.level <= depth + 1:
            continue
        while stack and stack[-1][0] >= heading.level:
            _close(stack)
        siblings = stack[-1][1] if stack else top
        siblings.append(OutlineEntry(heading.level, heading.id, heading.text))
        stack.append((heading.level, [], siblings))
    while stack:
        _close(stack)
    return tuple(top)


def _close(stack: list[tuple[int, list[OutlineEntry], list[OutlineEntry]]]) -> None:
    _, children, siblings = stack.pop()
    if children:
        entry = siblings[-1]
        siblings[-1] = OutlineEntry(entry.level, entry.id, entry.text, tuple(children))


def _render_markdown_of(
    page: ParsedPage, here: PageSummary, site: SiteSnapshot, theme: Theme
) -> tuple[str, str, RenderContext]:
    """Body and description HTML of PAGE with links written from HERE, and the render's findings."""
    source = page.source
    lines = source.body.split("\n")
    context = RenderContext(site, here, source.path, lines, source.body_lines, theme.environment)
    body_html = render_markdown(page.body, context)
    description = context.for_text(source.description_as_placed, source.description_lines)
    return body_html, render_markdown(page.description, description), context


def refused_page_problems(page: ParsedPage, site: SiteSnapshot, theme: Theme) -> list[Diagnostic]:
    """What rendering finds in PAGE, which is not built (another file has its name, or no page
    can): its links checked as if it were written where the page of its name is, or else beside
    its source file. Nothing is written."""
    source = page.source
    placed = site.pages.get(source.name)
    output = placed.output if placed is not None else source.rel_path.rpartition(".")[0] + ".html"
    here = PageSummary(source.name, source.title, "", output, source.rel_path, frozenset())
    return list(_render_markdown_of(page, here, site, theme)[2].diagnostics)


def render_page(
    page: ParsedPage,
    site: SiteSnapshot,
    theme: Theme,
    cache: BuildCache | None = None,
    all_code: bool = False,
) -> RenderedPage:
    """Render one page: reads only the page and the snapshot, so pages can render in any order.
    With CACHE, its code blocks are highlighted as an earlier build did, or kept for a later one
    (ALL_CODE: whatever their size, see `_known_code`)."""
    code, known = _known_code(page, cache, all_code)
    summary = site.pages[page.source.name]
    body_html, description_html, context = _render_markdown_of(page, summary, site, theme)
    layout = _layout(summary, site, context)
    values = {
        **layout,
        "page": {
            "name": summary.name,
            "title": summary.title,
            "description": summary.description_text,
            "description_html": description_html,
            "body_html": body_html,
            "outline": outline_tree(page.body.headings, page.source.outline_depth),
            "outline_ordered": page.source.outline_ordered,
            "hidden_parts": page.source.hidden_parts,
            "properties": page.source.properties,
            "og_image": _og_image(page, summary, site, context),
            "canonical_url": site_url(site.base_url, summary.output) if site.base_url else None,
        },
    }
    html, template_problems = theme.render("page.html", values, page.source.path)
    if cache is not None and known is not None:
        store(cache, "code", code, {block: highlighted_lines(*block) for block in known})
    return RenderedPage(
        name=summary.name,
        output=summary.output,
        html=html,
        diagnostics=tuple(context.diagnostics + template_problems),
        uses=frozenset(_shared(use) for use in context.uses if use[0] != summary.name),
        titles=shared_titles(frozenset(context.frame_titles)),
        frame=frozenset(context.frame_reads | {("hidden", summary.name)}),
        code=code,
    )


# Pages with less code than this (characters) keep none: lexing 1,000 characters takes about
# 1.3 ms, and an entry costs 0.2 to 0.7 ms to write and 0.1 ms to read again. But a process
# that renders a few pages (a build after an edit) loads each language's lexer for them, which
# costs more (15 to 25 ms; JavaScript's compiles 39 patterns): there, any code is kept.
KEPT_CODE_FROM = 1000


def _known_code(
    page: ParsedPage, cache: BuildCache | None, all_code: bool = False
) -> tuple[str, list[CodeBlock] | None]:
    """The key of PAGE's code blocks in CACHE, their lines given to highlighting when it holds
    them (a title every sidebar shows changed: each page renders again, and lexes nothing);
    with the blocks to keep once rendered when it does not. Keyed by the blocks alone, with
    trustdocs' and Pygments' versions: pages sharing their code share the entry. Unless
    ALL_CODE, a page with little code keeps none (KEPT_CODE_FROM)."""
    if cache is None or not cache.enabled:
        return "", None
    blocks = code_blocks(page.description, page.body)
    if sum(len(code) for code, _ in blocks) < (1 if all_code else KEPT_CODE_FROM):
        return "", None
    key = fingerprint("code", code_fingerprint(), blocks)
    kept = load(cache, "code", key, dict)
    if kept is None:
        return key, blocks
    given_highlights(kept)
    return key, None


_SHARED_USES: dict[tuple[str, Aspect], tuple[str, Aspect]] = {}
_SHARED_TITLES: dict[frozenset[str], frozenset[str]] = {}
# Sets of titles kept for sharing: pages render in name order, so those of a chapter, which show
# one set, come together; a build worker holds only these of them (at 10,000 lessons a set is
# 16 KB, and 16,384 of them held 19 MiB in each worker).
_SHARED_KEPT = 1 << 8


def _shared(use: tuple[str, Aspect]) -> tuple[str, Aspect]:
    """One object for each (page, aspect) pages show (in memory, and in what a build worker
    sends, where one object is sent once)."""
    return _SHARED_USES.setdefault(use, use)


def shared_titles(titles: frozenset[str]) -> frozenset[str]:
    """One object for each set of titles page frames show: a sidebar shows every chapter's title,
    the same for every page of a chapter, so at 10,000 lessons each page would otherwise hold its
    own set of about 500 names."""
    if len(_SHARED_TITLES) >= _SHARED_KEPT:
        _SHARED_TITLES.clear()
    return _SHARED_TITLES.setdefault(titles, titles)


def render_special(
    template: str, output: str, site: SiteSnapshot, theme: Theme
) -> tuple[str, list[Diagnostic]]:
    """Render a site-wide file that is not a page (404.html, sitemap.xml)."""
    # Hosts answer a missing path at any depth with 404.html, so its URLs cannot be relative:
    # they start from the site's address, or else from the root of its domain.
    base = (site.base_url or "/") if output == NOT_FOUND_PAGE else None
    context = {
        **_layout(None, site, None, output=output, base=base),
        "pages": [
            site_url(site.base_url, summary.output)
            for summary in sorted(site.pages.values(), key=lambda s: s.output)
        ]
        if site.base_url
        else [],
    }
    return theme.render(template, context, template)


def render_redirect(
    redirect: Redirect, site: SiteSnapshot, theme: Theme
) -> tuple[str, list[Diagnostic]]:
    """The page at a renamed page's old address, sending readers and search engines to the new."""
    target = site.pages[redirect.target]
    here = redirect.output
    context = {
        "site": {"title": site.title, "base_url": site.base_url},
        "title": target.title,
        "target_url": relative_url(here, target.output),
        "canonical_url": (
            site_url(site.base_url, target.output)
            if site.base_url
            else relative_url(here, target.output)
        ),
    }
    return theme.render("redirect.html", context, redirect.path)


def render_print_chapter(
    page: ParsedPage, site: SiteSnapshot, theme: Theme
) -> tuple[dict[str, object], frozenset[FrameRead]]:
    """One page as a chapter of the print page: its links written from print.html, its ids
    prefixed by the chapter's, and its knowledge checks' answers apart, for the chapter's end;
    with what it asked of the site's tree and files."""
    summary = site.pages[page.source.name]
    chapter = print_chapter_id(summary.name)
    source = page.source
    here = dataclasses.replace(summary, output=PRINT_PAGE)
    lines = source.body.split("\n")
    context = RenderContext(
        site, here, source.path, lines, source.body_lines, theme.environment, chapter
    )
    # Its diagnostics were already reported when the page itself was rendered.
    body_html, checks = render_print_markdown(page.body, context)
    description = context.for_text(source.description_as_placed, source.description_lines)
    description_html, _ = render_print_markdown(page.description, description)
    made = {
        "id": chapter,
        "title": summary.title,
        "depth": context.ask("depth", summary.name),
        "description_html": description_html,
        "body_html": body_html,
        "checks": checks,
    }
    return made, frozenset(context.frame_reads)


def print_page_pieces(
    chapters: list[Mapping[str, object]], site: SiteSnapshot, theme: Theme
) -> Iterator[str]:
    """The whole visible course on one page, in reading order, for printing or saving as PDF; piece
    by piece, so that a large course's print page is never whole in memory."""
    shown = _Chapters(chapters)
    context = {**_layout(None, site, None, output=PRINT_PAGE), "chapters": shown}
    return theme.stream(PRINT_PAGE, context, PRINT_PAGE)


class _Chapters(Sequence[dict[str, object]]):
    """The print page's chapters as the template sees them: each a plain dict, made when the
    template reaches it (a chapter's body may be read back from where a build worker put it)."""

    def __init__(self, chapters: list[Mapping[str, object]]) -> None:
        self._chapters = chapters

    def __len__(self) -> int:
        return len(self._chapters)

    def __repr__(self) -> str:
        return repr(list(self))  # as the list of chapters it used to be

    # A list's operators, as a template may use them (`chapters + extra`, `chapters == other`).
    def __add__(self, other: object) -> list[dict[str, object]]:
        return list(self) + _as_list(other)

    def __radd__(self, other: object) -> list[dict[str, object]]:
        return _as_list(other) + list(self)

    def __mul__(self, times: int) -> list[dict[str, object]]:
        return list(self) * times

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, list | _Chapters) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # as a list's: unhashable

    # In order with another list, as a list compares (`chapters > []`), from either side.
    def __lt__(self, other: object) -> bool:
        return list(self) < list(other) if isinstance(other, list | _Chapters) else NotImplemented

    def __le__(self, other: object) -> bool:
        return list(self) <= list(other) if isinstance(other, list | _Chapters) else NotImplemented

    def __gt__(self, other: object) -> bool:
        return list(self) > list(other) if isinstance(other, list | _Chapters) else NotImplemented

    def __ge__(self, other: object) -> bool:
        return list(self) >= list(other) if isinstance(other, list | _Chapters) else NotImplemented

    def copy(self) -> list[dict[str, object]]:
        """The chapters as a list of their own, as a list's `copy` gives."""
        return list(self)

    @overload
    def __getitem__(self, index: int) -> dict[str, object]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, object]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, object] | list[dict[str, object]]:
        if isinstance(index, slice):
            return [_plain_chapter(chapter) for chapter in self._chapters[index]]
        return _plain_chapter(self._chapters[index])


def _plain_chapter(chapter: Mapping[str, object]) -> dict[str, object]:
    """CHAPTER as a dict of its own; a kept one's fields copied at once, not asked one by one (the
    print page asks every chapter twice: its contents, then its body)."""
    return chapter.plain() if type(chapter) is KeptFields else dict(chapter)


def _as_list(value: object) -> list[Any]:
    """VALUE, a list or chapters, as a list; anything else fails as adding it to a list would."""
    if isinstance(value, _Chapters):
        return list(value)
    if isinstance(value, list):
        return value
    raise TypeError(f'can only concatenate list (not "{type(value).__name__}") to list')


def _plain(value: object) -> object:
    """For `tojson`: a sequence or mapping that is not a list or dict, as one."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _layout(
    summary: PageSummary | None,
    site: SiteSnapshot,
    context: RenderContext | None,
    output: str | None = None,
    base: str | None = None,
) -> dict[str, Any]:
    """Everything of the page's frame: site, sidebar, breadcrumbs, previous/next, asset URLs.

    URLs are relative to the page, or with BASE, start from it (see `site_url`).
    """
    links = _FrameLinks(site, summary.output if summary else (output or INDEX_HTML), base, context)
    name = summary.name if summary else None
    tree = site.tree
    root = tree.root
    previous = tree.previous_of(name) if name else None
    following = tree.next_of(name) if name else None
    in_tree = name is not None and (name == root or name in tree.parents)
    home = name is not None and name == root
    if context is not None and name is not None:  # what the frame asked of the tree
        asked = ["previous", "next", "in_tree"] + ["nav"] * bool(root) + ["crumbs"] * in_tree
        asked += ["lessons"] * home + ["moved"]
        context.frame_reads.update((kind, name) for kind in asked)
    return {
        "site": {"title": site.title, "base_url": site.base_url},
        "home": links.link(root) if root else None,
        "home_is_current": home,
        # Every lesson's address, on the home page, whose progress counts them all.
        "lessons": [links.url(site.pages[n].output) for n in tree.reading_order[1:]]
        if home
        else [],
        # Their titles, in step: "Continue where you left off" shows the one a lesson has now.
        "lesson_titles": [links.title_of(n) for n in tree.reading_order[1:]] if home else [],
        # Where each renamed lesson went (its old address, then its new one), for its progress:
        # on the home page, every one; on another, those its sidebar shows, and itself.
        "moved": [(links.url(a), links.url(b)) for a, b in _moved_shown(site, name, home)],
        "nav": _nav_items(links, name) if root else (),
        "breadcrumbs": _breadcrumbs(links, name) if in_tree and name is not None else [],
        "previous": links.link(previous) if previous else None,
        "next": links.link(following) if following else None,
        "asset": lambda asset: links.url(asset_path(asset)),
        "root_url": links.url(INDEX_HTML).removesuffix(INDEX_HTML),
        "print_url": links.url(PRINT_PAGE) if root else None,
    }


@dataclass(frozen=True, slots=True)
class _FrameLinks:
    """Links in one page's frame: written from HERE (or from BASE), each title shown recorded."""

    site: SiteSnapshot
    here: str  # the output path of the page being framed
    base: str | None
    context: RenderContext | None  # where shown titles are recorded, when rendering a page

    def url(self, to_output: str) -> str:
        """The URL of an output file, as this page links to it."""
        return site_url(self.base, to_output) if self.base else relative_url(self.here, to_output)

    def title_of(self, to: str) -> str:
        """Page TO's title, remembering that this page shows it."""
        if self.context is not None:
            self.context.frame_titles.add(to)
        return self.site.pages[to].title

    def link(self, to: str) -> LinkedPage:
        """Page TO's title and URL."""
        return LinkedPage(self.title_of(to), self.url(self.site.pages[to].output))


def _moved_shown(site: SiteSnapshot, name: str | None, home: bool) -> list[tuple[str, str]]:
    """The redirects (`moved_pages`) to the pages whose progress the layout of page NAME shows:
    on the home page, every lesson's; elsewhere, those of its sidebar, and its own."""
    if home:
        return moved_pages(site)
    if not site.redirects:
        return []
    tree = site.tree
    listed = (tree.children_of(level or "") for level in nav_levels(tree, name))
    return moved_to(site, {*itertools.chain.from_iterable(listed), *([name] if name else [])})


def _nav_items(links: _FrameLinks, name: str | None) -> tuple[NavItem, ...]:
    """The sidebar: the root's children, and the children of each page open above page NAME."""
    # Built bottom-up in a loop and at most SIDEBAR_LEVELS deep, so that neither this code nor
    # the theme's recursive sidebar template meets the recursion limit of Python.
    tree = links.site.tree
    folder = links.here.rpartition("/")[0]
    levels = nav_levels(tree, name)  # the root, then each open page below it
    gap = nav_gap(tree, levels)  # deep down: the root's child whose list skips to the nearest
    built: tuple[NavItem, ...] = ()
    for depth in range(len(levels) - 1, -1, -1):
        opened = levels[depth + 1] if depth + 1 < len(levels) else None
        if depth == 0 and gap is not None and opened is not None:
            # "…": the levels skipped, a link to the page whose list follows, as breadcrumbs do
            url = links.url(links.site.pages[opened].output)
            built, opened = (NavItem("…", url, False, True, True, built),), gap
        items = []
        for child in tree.children_of(levels[depth] or ""):
            title, target = links.title_of(child), links.site.pages[child].output
            kids = bool(tree.children_of(child))
            if child == opened:
                items.append(NavItem(title, links.url(target), child == name, kids, kids, built))
            elif links.base:
                items.append(NavItem(title, links.url(target), False, False, kids))
            else:
                items.append(_closed_nav_item(folder, title, target, kids))
        built = tuple(items)
    return built


def _breadcrumbs(links: _FrameLinks, name: str) -> list[LinkedPage]:
    """The trail of page NAME's ancestors, from the course root down."""
    # Thousands of levels deep, a trail of every ancestor on every page would make the site's
    # size grow with the square of its depth: keep the course root and the nearest ancestors.
    top, nearest = crumb_names(links.site.tree, name)
    if not nearest:
        return [links.link(a) for a in top]
    above_gap, *below = nearest
    gap = LinkedPage("…", links.url(links.site.pages[above_gap].output))
    return [links.link(top[0]), gap, *(links.link(a) for a in below)]


@functools.lru_cache(maxsize=1 << 11)  # the sidebars of a folder's pages, and a few others
def _closed_nav_item(folder: str, title: str, output: str, has_children: bool) -> NavItem:
    """A collapsed sidebar entry looks the same from every page of a folder: make it once."""
    return NavItem(
        title=title,
        url=relative_url(f"{folder}/x" if folder else "x", output),
        current=False,
        open=False,
        has_children=has_children,
    )


def _og_image(
    page: ParsedPage, summary: PageSummary, site: SiteSnapshot, context: RenderContext
) -> str | None:
    url = page.source.og_image
    if not url:
        return None
    if not is_external(url):
        resolved = context.resolve_local(url)
        if resolved.problem:
            line = page.source.tag_lines.get("metaogimage", 1)
            context.diagnostics.append(warning(page.source.path, line, 1, resolved.problem))
        url = resolved.url
    return urljoin(site_url(site.base_url, summary.output), url) if site.base_url else url


@dataclass(frozen=True)
class PageOutputs:
    """Everything a build makes of one page: its HTML, and its print chapter and search record."""

    rendered: RenderedPage
    chapter: Mapping[str, object] | None  # None for pages outside the visible course
    search_record: SearchRecord | None


def render_outputs(
    page: ParsedPage,
    snapshot: SiteSnapshot,
    theme: Theme,
    cache: BuildCache | None = None,
    all_code: bool = False,
) -> PageOutputs:
    """Render a page and, when it is part of the visible course, its chapter and search record
    (CACHE, ALL_CODE: see `render_page`)."""
    made = render_page(page, snapshot, theme, cache, all_code)
    return with_parts(made, page, snapshot, theme)


def with_parts(
    rendered: RenderedPage, page: ParsedPage, snapshot: SiteSnapshot, theme: Theme
) -> PageOutputs:
    """A rendered page with its print chapter and search record (none for a hidden page)."""
    if page.source.name in snapshot.tree.hidden:  # asked by every page (`render_page`)
        return PageOutputs(rendered, None, None)
    summary = snapshot.pages[page.source.name]
    chapter, asked = render_print_chapter(page, snapshot, theme)
    rendered = dataclasses.replace(rendered, frame=rendered.frame | asked)
    pages = snapshot.pages
    record = search_record(page, summary.output, lambda n: pages[n].title if n in pages else n)
    return PageOutputs(rendered, chapter, record)


@dataclass(frozen=True)
class _KnownOutputs:
    """A page's outputs as the cache keeps them, with a fingerprint of what they showed of others.

    The page's HTML follows in the same entry, as its second part, and its SHA-256 (HTML) is here:
    a build that finds the very same file in the previous site links it without reading the HTML.
    An entry of its own would double the files a build creates, each costing more to make than
    the HTML costs to read.
    """

    outputs: PageOutputs  # without the HTML, nor what it showed of others (below, and titles)
    shown: str
    framed: str  # what its render asked of the site's tree and files, answered (`FrameAnswers`)
    whole: str  # the whole tree and files then: while the same, the answers are too (a quick check)
    html: str
    titles: str  # the key of the titles its frame showed, an entry of their own: shared by many
    titled: str  # what those titles were (`_titles_shown`)
    # All that any page showed of others then (`FrameAnswers.shown_all`; "": not worked out).
    everything: str
    # What it showed of other pages, and asked of the tree and files (`RenderedPage`): apart, so
    # that a build, which never needs them, takes its outputs as they are.
    uses: frozenset[tuple[str, Aspect]]
    frame: frozenset[FrameRead]


class KeptFields(Mapping[str, Any]):
    """A print chapter or search record as the cache keeps it: its fields pickled apart, read
    when one is first asked for; those it was given at hand (a record's address and text, which
    the search index takes of every page) held as they are. A build after one edit takes every
    other page's outputs from the cache, and asks none of them for its chapter: the print page
    is written by a worker, which reads them there. Pickled again (sent to a worker, spooled),
    it stays as it is."""

    __slots__ = ("_at_hand", "_data", "_read")

    def __init__(self, data: bytes, at_hand: dict[str, Any]) -> None:
        self._data = data
        self._at_hand = at_hand
        self._read: dict[str, Any] | None = None

    def _fields(self) -> dict[str, Any]:
        if self._read is None:
            self._read = {**self._at_hand, **pickle.loads(self._data)}
        return self._read

    def __getitem__(self, key: str) -> Any:
        at_hand = self._at_hand.get(key, _NOT_AT_HAND)
        return self._fields()[key] if at_hand is _NOT_AT_HAND else at_hand

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields())

    def __len__(self) -> int:
        return len(self._fields())

    def __bool__(self) -> bool:
        return True  # never empty: not read to tell

    def __reduce__(self) -> tuple[Any, ...]:
        return KeptFields, (self._data, self._at_hand)

    def plain(self) -> dict[str, Any]:
        """The fields, as a dict of their own."""
        return dict(self._fields())


_NOT_AT_HAND = object()
_RECORD_AT_HAND = ("url", "page")  # what `search_index_files` takes of every page's record


def kept_fields(fields: Mapping[str, Any] | None, at_hand: Iterable[str] = ()) -> Any:
    """FIELDS as the cache keeps them (`KeptFields`), those named AT_HAND held apart."""
    if fields is None or isinstance(fields, KeptFields):
        return fields
    held = {key: fields[key] for key in at_hand if key in fields}
    rest = {key: value for key, value in fields.items() if key not in held}
    return KeptFields(pickle.dumps(rest, protocol=pickle.HIGHEST_PROTOCOL), held)


def html_digest(html: str) -> str:
    """The key of a page's HTML in the cache and in the build record."""
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


def cached_parts(
    cache: BuildCache, key: str, snapshot: SiteSnapshot, shows: bool = True, html: bool = True
) -> tuple[PageOutputs, str] | None:
    """A page's outputs from CACHE, and its HTML's digest, when what they showed of other pages
    is still the same. Unless SHOWS, without the titles they showed (only the preview's edits
    need them): those are not even read, only kept from pruning. Unless HTML, without the page's
    HTML, which is not read either (`cached_html`)."""
    if html:
        found = load_with_tail(cache, "page", key, _KnownOutputs)
        known = None if found is None else _with_kept_html(*found)
    else:
        known = load(cache, "page", key, _KnownOutputs)
    if known is None:
        return None
    answers = frame_answers(snapshot)
    # Nothing any page shows of others changed since it was kept: neither did what it showed.
    same = bool(known.everything) and known.everything == answers.shown_all
    if not same and known.shown != shown_values(snapshot, known.uses):
        return None
    if known.whole != answers.whole and known.framed != answers.shown(known.frame):
        return None
    titles = _cached_titles(cache, known.titles) if shows else None
    if same:  # the titles its frame showed are as they were: their entry must still be there
        if not (titles is not None if shows else cache.touch("titles", known.titles, once=True)):
            return None
    elif known.titled != _titles_shown(cache, known.titles, snapshot, titles):
        return None
    cache.touch("code", known.outputs.rendered.code)  # kept from pruning for a later render
    if titles is None:
        cache.touch("titles", known.titles, once=True)
        return known.outputs, known.html  # kept without what it showed (`keep_outputs`)
    rendered = known.outputs.rendered
    uses = frozenset(map(_shared, known.uses))
    shared = dataclasses.replace(rendered, uses=uses, titles=titles, frame=known.frame)
    return dataclasses.replace(known.outputs, rendered=shared), known.html


@functools.lru_cache(maxsize=1 << 8)  # see _SHARED_KEPT
def _titles_entry(titles: frozenset[str]) -> tuple[str, tuple[str, ...]]:
    """The cache key and entry of a set of frame titles: made once per set, not once per page
    that shows it (a frozenset keeps its hash, and the set is shared: `shared_titles`)."""
    names = tuple(sorted(titles))
    return fingerprint(names), names


_TITLES_LOADED: dict[str, frozenset[str]] = {}  # key -> titles, as loaded from the cache


def _cached_titles(cache: BuildCache, key: str) -> frozenset[str] | None:
    """The titles kept under KEY: read from the cache once per process, and kept there for
    each build that uses them (a preview builds again: pruning after it must keep them)."""
    titles = _TITLES_LOADED.get(key)
    if titles is not None and not cache.touch("titles", key, once=True):
        store(cache, "titles", key, tuple(sorted(titles)))  # gone meanwhile: kept again
    if titles is None:
        names = load(cache, "titles", key, tuple)
        if names is None or fingerprint(names) != key:
            return None
        if len(_TITLES_LOADED) >= _SHARED_KEPT:
            _TITLES_LOADED.clear()
        titles = _TITLES_LOADED[key] = shared_titles(frozenset(names))
    return titles


# For each snapshot a page was lately kept or found under (by id, held so that the id is not
# reused): what the titles of each set of them a frame showed are there, by the set's key.
_TITLED: dict[int, tuple[SiteSnapshot, dict[str, str | None]]] = {}


def _titles_shown(
    cache: BuildCache, key: str, snapshot: SiteSnapshot, names: Iterable[str] | None = None
) -> str | None:
    """A fingerprint of the titles SNAPSHOT gives the pages kept under KEY (their NAMES, when
    known); None when that entry is not kept. Worked out once per set of titles and snapshot:
    many pages show the same set, and it may hold hundreds."""
    held = _TITLED.get(id(snapshot))
    if held is None or held[0] is not snapshot:
        if len(_TITLED) >= 2:  # a preview's snapshots come and go: hold the latest
            _TITLED.clear()
        held = _TITLED[id(snapshot)] = (snapshot, {})
    shown = held[1]
    # Unknown without its entry: known once the names are given (the page is rendered again).
    if key not in shown or (shown[key] is None and names is not None):
        if names is None:
            loaded = load(cache, "titles", key, tuple)  # read once, and not kept
            names = loaded if loaded is not None and fingerprint(loaded) == key else None
        if names is None:
            shown[key] = None
        else:  # name, title, name, title…: one flat list of strings, quick to fingerprint
            pages = snapshot.pages
            pairs = [(n, pages[n].title if n in pages else None) for n in sorted(names)]
            shown[key] = fingerprint([x for pair in pairs for x in pair])
    return shown[key]


_ANSWERED: dict[int, FrameAnswers] = {}  # by the id of the snapshot answering (held: not reused)


def frame_answers(snapshot: SiteSnapshot) -> FrameAnswers:
    """SNAPSHOT's answers to what renders ask of its tree and files: one per snapshot."""
    answers = _ANSWERED.get(id(snapshot))
    if answers is None or answers.snapshot is not snapshot:
        if len(_ANSWERED) >= 2:  # a preview's snapshots come and go: hold the latest
            _ANSWERED.clear()
        answers = _ANSWERED[id(snapshot)] = FrameAnswers(snapshot)
    return answers


def all_shown_known(snapshot: SiteSnapshot) -> None:
    """Work out, once, all that any page of SNAPSHOT shows of others, for the outputs found or
    kept from now on: a later build checks a page at once while none of it changed. Builds do;
    a preview's edit does not (60 ms at 10,000 lessons), and keeps its pages without it."""
    frame_answers(snapshot).shown_all  # noqa: B018  (a cached property: worked out here)


def without_what_it_shows(made: PageOutputs) -> PageOutputs:
    """MADE without the pages, titles and questions it showed: a hundred or more for some pages."""
    if not (made.rendered.uses or made.rendered.titles or made.rendered.frame):
        return made  # as the cache gives a build its outputs
    shown = dataclasses.replace(
        made.rendered, uses=frozenset(), titles=frozenset(), frame=frozenset()
    )
    return dataclasses.replace(made, rendered=shown)


def _with_kept_html(known: _KnownOutputs, html: bytes) -> _KnownOutputs:
    return dataclasses.replace(known, outputs=with_html(known.outputs, html.decode()))


def cached_html(cache: BuildCache, key: str, digest: str) -> str | None:
    """The HTML of the page whose outputs `cached_parts` found under KEY without it, if it is
    still there and still has DIGEST (another build may have kept that page anew meanwhile)."""
    found = load_with_tail(cache, "page", key, _KnownOutputs)
    return None if found is None or found[0].html != digest else found[1].decode()


def cached_outputs(cache: BuildCache, key: str, snapshot: SiteSnapshot) -> PageOutputs | None:
    """A page's outputs from CACHE, when what they showed of other pages is still the same."""
    parts = cached_parts(cache, key, snapshot)
    return None if parts is None else parts[0]


def with_html(outputs: PageOutputs, html: str | None) -> PageOutputs:
    """OUTPUTS with the page's HTML (None: without it)."""
    return dataclasses.replace(outputs, rendered=dataclasses.replace(outputs.rendered, html=html))


def keep_outputs(cache: BuildCache, key: str, outputs: PageOutputs, snapshot: SiteSnapshot) -> None:
    """Remember a page's outputs in CACHE under KEY."""
    html = outputs.rendered.html
    if cache.enabled and html is not None:
        shown = shown_values(snapshot, outputs.rendered.uses)
        digest = html_digest(html)
        titles, names = _titles_entry(outputs.rendered.titles)
        # Kept by an earlier page, this one uses it too: read once per snapshot (what cannot be
        # read, a link or an entry of another secret, is written over), and kept from pruning.
        if _titles_shown(cache, titles, snapshot) is None or not cache.touch("titles", titles):
            store(cache, "titles", titles, names)
        shows = (outputs.rendered.uses, outputs.rendered.frame)
        rendered = dataclasses.replace(
            outputs.rendered, titles=frozenset(), html=None, uses=frozenset(), frame=frozenset()
        )
        chapter = kept_fields(outputs.chapter)
        record = kept_fields(outputs.search_record, _RECORD_AT_HAND)
        kept = PageOutputs(rendered, chapter, record)
        titled = _titles_shown(cache, titles, snapshot, names)
        answers = frame_answers(snapshot)
        framed = answers.shown(outputs.rendered.frame)
        everything = answers.shown_all if "shown_all" in vars(answers) else ""  # `all_shown_known`
        made = (digest, titles, titled or "", everything)
        known = _KnownOutputs(kept, shown, framed, answers.whole, *made, *shows)
        store(cache, "page", key, known, html.encode())


@dataclass
class OutputsCache:
    """Pages' outputs kept across builds, valid under one frame of the site (see snapshot.py)."""

    cache: BuildCache
    frame: str = ""  # empty: nothing is reused or kept
    parts: tuple[object, ...] = ()  # what FRAME was made of (`frame_parts`)

    def start(self, snapshot: SiteSnapshot) -> None:
        """Outputs made from now on belong to SNAPSHOT's frame. A preview's edit that leaves the
        frame as it was keeps its fingerprint: hashing it took 0.1 s at 10,000 lessons."""
        if not self.cache.enabled:
            self.frame = ""
            return
        parts = frame_parts(snapshot)
        if not self.frame or parts != self.parts:
            self.frame, self.parts = fingerprint(*parts), parts

    def key(self, facts_key: str, reads: Iterable[FileRead], linked: Iterable[str] = ()) -> str:
        """A page's outputs change with its facts, the files its directives read (READS: each with
        the digest of what was read), which of the names its parse asked about are pages
        (LINKED), and the frame."""
        if not self.frame:
            return ""
        return fingerprint(facts_key, reads_fingerprint(reads), sorted(linked), self.frame)

    def key_of(self, pages: ParsedPages, name: str) -> str:
        """The key of a parsed page's outputs."""
        facts = pages.facts[name]
        # Whether a `[NAME]` is a link or text was decided by the parse: when a page of that name
        # comes or goes, nothing the render showed of other pages tells.
        linked = facts.names_asked & pages.names
        return self.key(pages.keys.get(name, ""), facts.read_digests, linked)

    def keys(self, pages: ParsedPages) -> dict[str, str]:
        """The key of every parsed page's outputs."""
        return {name: self.key_of(pages, name) for name in pages.facts}

    def reuse(
        self, pages: ParsedPages, snapshot: SiteSnapshot
    ) -> tuple[dict[str, PageOutputs], set[str]]:
        """Every page's outputs still held, and the names of the pages left to render."""
        if self.frame:  # a build's pages, found or kept: see `all_shown_known`
            all_shown_known(snapshot)
        found, todo = {}, set()
        for name in pages.facts:
            known = self.find(self.key_of(pages, name), snapshot)
            if known is None:
                todo.add(name)
            else:
                found[name] = known
        return found, todo

    def find(self, key: str, snapshot: SiteSnapshot) -> PageOutputs | None:
        """Outputs kept under KEY, if what they showed of other pages is unchanged."""
        return cached_outputs(self.cache, key, snapshot) if key else None

    def keep(self, key: str, outputs: PageOutputs, snapshot: SiteSnapshot) -> None:
        """Keep OUTPUTS under KEY for later builds."""
        if key:
            keep_outputs(self.cache, key, outputs, snapshot)
