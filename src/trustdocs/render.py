"""Jinja environment for a theme, and page → HTML as a pure function of the page and the site."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import jinja2

from trustdocs.diagnostics import Diagnostic, error, warning
from trustdocs.links import PageSummary, SiteSnapshot, is_external, relative_url
from trustdocs.markdown import Heading, ParsedMarkdown, heading_id, render_markdown
from trustdocs.source import PageSource

PREVIEW_PREFIX = "/_trustdocs/"


def default_theme_dir() -> Path:
    """The default theme: inside the installed package, or at the top of a source checkout."""
    packaged = Path(__file__).parent / "themes" / "default"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "themes" / "default"


@dataclass(frozen=True)
class ParsedPage:
    """A page with its body and description parsed, ready to render."""

    source: PageSource
    body: ParsedMarkdown
    description: ParsedMarkdown


@dataclass(frozen=True)
class RenderedPage:
    """A page's HTML, what went wrong rendering it, and which other pages it showed."""

    name: str
    output: str
    html: str
    diagnostics: tuple[Diagnostic, ...] = ()
    dependencies: frozenset[str] = frozenset()


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


class Theme:
    """A theme's templates: the site's theme folder first, then the default theme, file by file."""

    def __init__(self, site_theme_dir: Path | None = None) -> None:
        self.folders = [
            d for d in (site_theme_dir, default_theme_dir()) if d is not None and d.is_dir()
        ]
        self.environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(d) for d in self.folders]),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def asset_files(self) -> dict[str, Path]:
        """Asset name → file, the site theme's files overriding the default theme's."""
        assets: dict[str, Path] = {}
        for folder in reversed(self.folders):
            base = folder / "assets"
            if base.is_dir():
                for path in sorted(base.rglob("*")):
                    if path.is_file():
                        assets[path.relative_to(base).as_posix()] = path
        return assets

    def render(
        self, template: str, context: dict[str, Any], path_hint: str
    ) -> tuple[str, list[Diagnostic]]:
        """Render a template; a broken template is a diagnostic at its own file and line."""
        try:
            return self.environment.get_template(template).render(context), []
        except jinja2.TemplateSyntaxError as exc:
            where = exc.filename or template
            return "", [error(where, exc.lineno or 1, 1, f"template error: {exc.message}")]
        except jinja2.TemplateError as exc:
            return "", [error(path_hint, 1, 1, f"template {template}: {exc}")]


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
    page: ParsedPage, here: PageSummary, site: SiteSnapshot
) -> tuple[str, str, dict[str, Any]]:
    """Body and description HTML of PAGE with links written from HERE, and the render's findings."""
    env: dict[str, Any] = {
        "site": site,
        "page": here,
        "path": page.source.path,
        "lines": page.source.body.split("\n"),
        "line_map": page.source.body_lines,
        "diagnostics": [],
        "dependencies": set(),
    }
    body_html = render_markdown(page.body, env)
    description_env = {  # shares the diagnostics and dependencies
        **env,
        "lines": page.source.description.split("\n"),
        "line_map": page.source.description_lines,
    }
    return body_html, render_markdown(page.description, description_env), env


def render_page(page: ParsedPage, site: SiteSnapshot, theme: Theme) -> RenderedPage:
    """Render one page: reads only the page and the snapshot, so pages can render in any order."""
    summary = site.pages[page.source.name]
    body_html, description_html, env = _render_markdown_of(page, summary, site)
    layout = _layout(page, summary, site, env["dependencies"])
    context = {
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
            "og_image": _og_image(page, summary, site, env),
            "canonical_url": urljoin(site.base_url, summary.output) if site.base_url else None,
        },
    }
    html, template_problems = theme.render("page.html", context, page.source.path)
    diagnostics = env["diagnostics"] + template_problems  # the description shares the list
    return RenderedPage(
        name=summary.name,
        output=summary.output,
        html=html,
        diagnostics=tuple(diagnostics),
        dependencies=frozenset(env["dependencies"] - {summary.name}),
    )


def render_special(
    template: str, output: str, site: SiteSnapshot, theme: Theme
) -> tuple[str, list[Diagnostic]]:
    """Render a site-wide file that is not a page (404.html, sitemap.xml)."""
    context = {
        **_layout(None, None, site, set(), output=output),
        "pages": [
            urljoin(site.base_url, summary.output)
            for summary in sorted(site.pages.values(), key=lambda s: s.output)
        ]
        if site.base_url
        else [],
    }
    return theme.render(template, context, template)


PRINT_PAGE = "print.html"


def render_print_chapter(page: ParsedPage, site: SiteSnapshot) -> dict[str, object]:
    """One page as a chapter of the print page, its links written from print.html."""
    summary = site.pages[page.source.name]
    # Its diagnostics were already reported when the page itself was rendered.
    body_html, description_html, _ = _render_markdown_of(
        page, dataclasses.replace(summary, output=PRINT_PAGE), site
    )
    return {
        "id": "chapter-" + heading_id(summary.name.replace("/", "-")),
        "title": summary.title,
        "depth": len(site.tree.ancestors_of(summary.name)),
        "description_html": description_html,
        "body_html": body_html,
    }


def render_print_page(
    chapters: list[dict[str, object]], site: SiteSnapshot, theme: Theme
) -> tuple[str, list[Diagnostic]]:
    """The whole visible course on one page, in reading order, for printing or saving as PDF."""
    context = {**_layout(None, None, site, set(), output=PRINT_PAGE), "chapters": chapters}
    return theme.render(PRINT_PAGE, context, PRINT_PAGE)


def _layout(
    page: ParsedPage | None,
    summary: PageSummary | None,
    site: SiteSnapshot,
    dependencies: set[str],
    output: str | None = None,
) -> dict[str, Any]:
    """Everything of the page's frame: site, sidebar, breadcrumbs, previous/next, asset URLs."""
    here = summary.output if summary else (output or "index.html")
    name = summary.name if summary else None
    tree = site.tree

    def link(to: str) -> LinkedPage:
        dependencies.add(to)
        return LinkedPage(site.pages[to].title, relative_url(here, site.pages[to].output))

    open_path = set(tree.ancestors_of(name)) | {name} if name else set()
    folder = here.rpartition("/")[0]

    def nav_item(child: str) -> NavItem:
        dependencies.add(child)
        if child in open_path:
            kids = tree.children_of(child)
            return NavItem(
                title=site.pages[child].title,
                url=relative_url(here, site.pages[child].output),
                current=child == name,
                open=bool(kids),
                has_children=bool(kids),
                children=tuple(nav_item(k) for k in kids),
            )
        return _closed_nav_item(site, folder, child)

    root = tree.root
    nav = tuple(nav_item(k) for k in tree.children_of(root)) if root else ()
    previous = tree.previous_of(name) if name else None
    following = tree.next_of(name) if name else None
    in_tree = name is not None and (name == root or name in tree.parents)
    return {
        "site": {"title": site.title, "base_url": site.base_url},
        "home": link(root) if root else None,
        "home_is_current": name is not None and name == root,
        "nav": nav,
        "breadcrumbs": [link(a) for a in tree.ancestors_of(name)] if in_tree else [],
        "previous": link(previous) if previous else None,
        "next": link(following) if following else None,
        "asset": functools.partial(site.asset_url, here),
        "root_url": relative_url(here, "index.html").removesuffix("index.html"),
        "print_url": relative_url(here, PRINT_PAGE) if root else None,
        "preview": site.preview,
        "preview_prefix": PREVIEW_PREFIX,
    }


def _closed_nav_item(site: SiteSnapshot, folder: str, name: str) -> NavItem:
    """A collapsed sidebar entry looks the same from every page of a folder: make it once."""
    key = ("nav", folder, name)
    item = site.memo.get(key)
    if item is None:
        item = NavItem(
            title=site.pages[name].title,
            url=relative_url(f"{folder}/x" if folder else "x", site.pages[name].output),
            current=False,
            open=False,
            has_children=bool(site.tree.children_of(name)),
        )
        site.memo[key] = item
    return item


def _og_image(
    page: ParsedPage, summary: PageSummary, site: SiteSnapshot, env: dict[str, Any]
) -> str | None:
    url = page.source.og_image
    if not url:
        return None
    if not is_external(url):
        resolved = site.resolve_local(summary, url)
        if resolved.problem:
            line = page.source.tag_lines.get("metaogimage", 1)
            env["diagnostics"].append(warning(page.source.path, line, 1, resolved.problem))
        url = resolved.url
    return urljoin(urljoin(site.base_url, summary.output), url) if site.base_url else url
