"""Resolve: the read-only `SiteSnapshot` a render consults, and the `RenderContext` a render records into."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import unquote, urlsplit

import jinja2

from trustdocs.cache import fingerprint
from trustdocs.config import SiteConfig
from trustdocs.diagnostics import Diagnostic, display_path, error, warning
from trustdocs.redirects import Redirect, declared_redirects, place_redirects
from trustdocs.source import PageSource
from trustdocs.tree import SHOWN_LEVELS, CourseTree, build_course_tree
from trustdocs.urls import (
    ASSETS_DIR,
    INDEX_HTML,
    disk_name,
    is_external,
    output_path,
    relative_url,
    same_on_disk,
    which_is_on_disk,
)


class ParsedFacts(Protocol):
    """What resolving needs of a parsed page (pages.PageFacts has it): no import of the parse stage."""

    @property
    def source(self) -> PageSource: ...

    @property
    def anchors(self) -> frozenset[str]: ...


# What a render may show of another page; an edit to that part of the page re-renders the shower.
Aspect = Literal["title", "description", "anchors"]


@dataclass(frozen=True)
class PageSummary:
    """What other pages may show of a page: its title, summary, URL and anchors."""

    name: str
    title: str
    description_text: str
    output: str
    source: str  # rel path of the .md file in the content folder
    anchors: frozenset[str]

    def aspect(self, aspect: Aspect) -> str:
        """The part of this summary that ASPECT names, as one string (the anchors in order)."""
        if aspect == "title":
            return self.title
        if aspect == "description":
            return self.description_text
        return _ANCHORS_TEXT(sorted(self.anchors))


_ANCHORS_TEXT = json.JSONEncoder(ensure_ascii=False).encode  # one encoder, not one per call


@dataclass(frozen=True)
class LocalLink:
    """A relative link from a page, resolved: the URL to write and, if broken, why."""

    url: str
    problem: str = ""
    page: str = ""  # the page it reaches, if it reaches one
    fragment: str = ""
    hint: str = ""  # how to mend the problem


@dataclass(frozen=True)
class SiteSnapshot:
    """The read-only view of the whole site that rendering one page may consult."""

    title: str
    pages: dict[str, PageSummary]
    tree: CourseTree
    content_files: frozenset[str]  # non-page files copied from the content folder
    output_files: frozenset[str]  # every file the site writes
    base_url: str | None = None
    codepen_replacements: tuple[tuple[str, str], ...] = ()
    page_sources: dict[str, str] = field(default_factory=dict)  # .md rel path -> page name
    redirects: dict[str, Redirect] = field(default_factory=dict)  # by the old output path
    missing_hint: str = ""  # what a link to a missing file is told (a bit-docs site's rule)

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
            url = relative_url(page.output, target.output, parts.fragment)
            if parts.query:  # kept, as for any other file (`lesson.md?tab=2#setup`)
                url = relative_url(page.output, target.output).partition("#")[0] + tail
            return LocalLink(url, page=target.name, fragment=parts.fragment)
        if from_source in self.content_files:
            return LocalLink(relative_url(page.output, from_source) + tail)
        # Relative to where the page itself is written, wherever this text of it is (the print
        # page holds every page's, at the top of the site).
        home = self.pages[page.name].output if page.name in self.pages else page.output
        from_output = posixpath.normpath(posixpath.join(posixpath.dirname(home), path))
        if from_output == ".." or from_output.startswith("../"):
            return LocalLink(url, f"link '{url}' goes above the site root")
        if path.endswith("/") or from_output == ".":
            from_output = posixpath.join(from_output, INDEX_HTML).removeprefix("./")
        if from_output not in self.output_files:
            # The hint is of files (an image beside the page), not of pages, which are all there.
            hint = "" if from_output.endswith(".html") else self.missing_hint
            return LocalLink(url, f"link target '{url}' does not exist", hint=hint)
        if home != page.output:
            url = relative_url(page.output, from_output) + tail
        return LocalLink(
            url, page=self._page_written_to.get(from_output, ""), fragment=parts.fragment
        )

    def page_at(self, output: str) -> str | None:
        """The name of the page written to the output path OUTPUT, if one is."""
        return self._page_written_to.get(output)

    @functools.cached_property
    def redirected_to(self) -> dict[str, tuple[str, ...]]:
        """Each page a redirect sends to → the old addresses (`@redirect`) that send to it."""
        olds: dict[str, list[str]] = {}
        for old, redirect in self.redirects.items():
            if redirect.target in self.pages:
                olds.setdefault(redirect.target, []).append(old)
        return {name: tuple(sorted(found)) for name, found in olds.items()}

    @functools.cached_property
    def _page_written_to(self) -> dict[str, str]:
        return {summary.output: name for name, summary in self.pages.items()}


@dataclass
class RenderContext:
    """One render of Markdown: what it reads (the snapshot, the page written) and what it records."""

    site: SiteSnapshot
    page: PageSummary  # the page being written: links are made relative to page.output
    path: str  # the source file, as diagnostics show it
    lines: list[str]  # the Markdown's lines, to find columns
    line_map: tuple[int, ...]  # file line of each Markdown line
    templates: jinja2.Environment  # the theme's, for the parts of code blocks a theme may restyle
    print_chapter: str | None = None  # the page's chapter id when it is written into the print page
    diagnostics: list[Diagnostic] = field(default_factory=list)
    uses: set[tuple[str, Aspect]] = field(default_factory=set)
    frame_titles: set[str] = field(default_factory=set)  # pages whose titles the frame shows
    frame_reads: set[FrameRead] = field(default_factory=set)  # what it asked of tree and files
    # Set apart from the body's, on the page and in its chapter: the description's footnotes.
    footnotes: str = ""

    def show(self, name: str, aspect: Aspect) -> PageSummary:
        """The summary of page NAME, remembering that this render showed its ASPECT."""
        self.uses.add((name, aspect))
        return self.site.pages[name]

    def resolve_local(self, url: str) -> LocalLink:
        """`SiteSnapshot.resolve_local` for the page being written, remembered (see FrameRead)."""
        self.frame_reads.add(("local", self.page.name, self.page.output, url))
        return self.site.resolve_local(self.page, url)

    def ask(self, kind: str, name: str) -> object:
        """The answer to the question KIND (one of `_TREE_QUESTIONS`) about page NAME, remembered."""
        self.frame_reads.add((kind, name))
        return _TREE_QUESTIONS[kind](self.site.tree, name)

    def for_text(self, lines: list[str], line_map: tuple[int, ...]) -> RenderContext:
        """The same render, for the page's description: shared records, its own footnote ids."""
        return RenderContext(
            self.site,
            self.page,
            self.path,
            lines,
            line_map,
            self.templates,
            self.print_chapter,
            self.diagnostics,
            self.uses,
            self.frame_titles,
            self.frame_reads,
            "description",
        )


def resolve_snapshot(
    config: SiteConfig,
    facts: Mapping[str, ParsedFacts],
    descriptions: Mapping[str, str],
    copies: Iterable[str],
    generated: Mapping[str, str],
) -> tuple[SiteSnapshot, list[Diagnostic]]:
    """The tree and the snapshot of every parsed page; output collisions and tree problems.

    GENERATED maps each site-wide file to what it is, for the message when a page would replace it.
    """
    config_shown = display_path(config.config_path)
    tree, problems = build_course_tree(
        (page.source for page in facts.values()), config.root, config_shown, config.root_line
    )
    copies = frozenset(copies)
    reserved = _ReservedOutputs(generated, copies)
    summaries, outputs, placing_problems = _place_pages(facts, descriptions, tree, reserved)
    problems += placing_problems
    problems += _folder_clashes(facts, summaries, copies, generated)
    declared, redirect_problems = declared_redirects(
        (page.source for page in facts.values()), config.redirects, config_shown, frozenset(facts)
    )
    page_places = {
        summary.output: (name, facts[name].source.path, facts[name].source.tag_lines.get("page", 1))
        for name, summary in summaries.items()
    }
    redirects, place_problems = place_redirects(declared, page_places, reserved.reason)
    problems += redirect_problems + place_problems
    title = config.title
    if config.layout == "bitdocs" and tree.root in summaries:
        title = summaries[tree.root].title
    snapshot = SiteSnapshot(
        title=title,
        pages=summaries,
        tree=tree,
        content_files=copies,
        output_files=frozenset(outputs) | copies | frozenset(generated) | frozenset(redirects),
        base_url=config.base_url,
        codepen_replacements=config.codepen_replacements,
        page_sources={s.source: s.name for s in summaries.values()},
        redirects=redirects,
        missing_hint=_missing_hint(config),
    )
    return snapshot, problems


def _missing_hint(config: SiteConfig) -> str:
    """What a link to a file that is not published is told: a bit-docs site publishes its pages
    and its static folder, not the files beside its pages, which an author may not expect."""
    if config.layout != "bitdocs":
        return ""
    if config.static_dir is None:
        return "a bit-docs site publishes only its pages here: package.json names no static folder"
    shown = display_path(config.static_dir)
    return f"a bit-docs site publishes only its pages and its static folder, {shown}/"


@dataclass(frozen=True)
class _ReservedOutputs:
    """Output paths no page may take: site-wide files, the theme's assets, copied content files."""

    generated: Mapping[str, str]  # site-wide file -> what it is
    copies: frozenset[str]

    @functools.cached_property
    def _on_disk(self) -> dict[str, str]:
        """Each reserved file by its `disk_name`: the file itself."""
        files = {disk_name(out): out for out in self.copies}
        files.update((disk_name(out), out) for out in self.generated)
        return files

    def reason(self, out: str) -> str:
        """Why OUT is taken, or '' when a page may be written there."""
        if out in self.generated:
            return f"{out} is {self.generated[out]}"
        if disk_name(out.split("/", 1)[0]) == ASSETS_DIR:
            return f"{ASSETS_DIR}/ holds the theme's files"
        if out in self.copies:
            return f"{out} is a file copied from the content folder"
        taken = self._on_disk.get(disk_name(out))
        if taken is not None:
            return f"{self.reason(taken)}, and {out} is {taken} {same_on_disk(out, taken)}"
        return ""


def _place_pages(
    facts: Mapping[str, ParsedFacts],
    descriptions: Mapping[str, str],
    tree: CourseTree,
    reserved: _ReservedOutputs,
) -> tuple[dict[str, PageSummary], dict[str, str], list[Diagnostic]]:
    """Each page's summary and output path (output -> page name); pages that would collide."""
    problems: list[Diagnostic] = []
    summaries: dict[str, PageSummary] = {}
    outputs: dict[str, str] = {}
    on_disk: dict[str, str] = {}  # each output by its `disk_name`
    folders = _FolderSpellings()
    for name in sorted(facts):
        page = facts[name]
        out = output_path(name, tree.root)
        where = (page.source.path, page.source.tag_lines.get("page", 1), 1)
        reason = reserved.reason(out)
        taken = on_disk.setdefault(disk_name(out), out)
        if reason:
            problems.append(error(*where, f"page '{name}' would be written to {out}, but {reason}"))
        elif out in outputs:
            problems.append(
                error(
                    *where, f"page '{name}' would be written to {out}, like page '{outputs[out]}'"
                )
            )
        elif taken != out:
            again = f"{out}{which_is_on_disk(out, taken)}"
            problems.append(
                error(
                    *where,
                    f"page '{name}' would be written to {again}, like page '{outputs[taken]}'",
                )
            )
        outputs[out] = name
        problems += folders.place(out, name, where)
        summaries[name] = PageSummary(
            name=name,
            title=page.source.title,
            description_text=descriptions[name],
            output=out,
            source=page.source.rel_path,
            anchors=page.anchors,
        )
    return summaries, outputs, problems


def _folder_clashes(
    facts: Mapping[str, ParsedFacts],
    summaries: Mapping[str, PageSummary],
    copies: frozenset[str],
    generated: Mapping[str, str],
) -> list[Diagnostic]:
    """Pages that need a folder where another file goes (`a.html/x.html` beside `a.html`), or
    that go where copied files need a folder: the output could not be written."""
    files = dict.fromkeys(copies, "a file copied from the content folder")
    files.update(generated)
    files.update((summary.output, f"page '{name}'") for name, summary in summaries.items())
    copied_folders = {folder for path in copies for folder in _folders_of(path)}
    problems = []
    for name, summary in sorted(summaries.items()):
        out = summary.output
        clash = next((folder for folder in _folders_of(out) if folder in files), None)
        if clash is not None:
            reason = f"{clash} is {files[clash]}"
        elif out in copied_folders:
            reason = f"{out} is a folder of files copied from the content folder"
        else:
            continue
        source = facts[name].source
        where = (source.path, source.tag_lines.get("page", 1), 1)
        problems.append(error(*where, f"page '{name}' would be written to {out}, but {reason}"))
    return problems


class _FolderSpellings:
    """The folders pages are written in, by `disk_name`: two spellings of one (`c/Guide/`,
    `c/guide/`) are one folder where case is ignored; a site built there and published to a
    host that keeps case loses the links to the other spelling."""

    def __init__(self) -> None:
        self.first: dict[str, tuple[str, str]] = {}  # disk name -> the folder, its first page
        self.told: set[tuple[str, str]] = set()

    def place(self, out: str, name: str, where: tuple[str, int, int]) -> list[Diagnostic]:
        """Take page NAME's output OUT (its @page line WHERE): a warning per new clash."""
        problems = []
        for folder in _folders_of(out):
            first, page = self.first.setdefault(disk_name(folder), (folder, name))
            # Told once, where the spellings part: `c/A/B/` beside `c/a/b/` is `c/A/`'s clash.
            same_above = first.rpartition("/")[0] == folder.rpartition("/")[0]
            if first != folder and same_above and (first, folder) not in self.told:
                self.told.add((first, folder))
                problems.append(
                    warning(
                        *where,
                        f"page '{name}' is written in {folder}/, which is {first}/ (of page "
                        f"'{page}') {same_on_disk(folder, first)}: a site built there loses "
                        "the links to one of them where it is published, if case counts",
                        "spell the folder's names alike in page names",
                    )
                )
        return problems


def _folders_of(path: str) -> list[str]:
    """The folders PATH lies in: `a/b/c.html` → `a`, `a/b`."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def frame_parts(snapshot: SiteSnapshot) -> tuple[object, ...]:
    """What every page's frame reads of the site: its title, address and root.

    The rest of the tree and of the site's files is read page by page: each render remembers
    what it asked of them (`FrameRead`), as it remembers the titles it showed, and its outputs
    hold while each question gets the same answer (`FrameAnswers`). A lesson added renders
    again the pages whose sidebar, breadcrumbs, neighbours or links it changes, not every page.
    """
    return (
        snapshot.title,
        snapshot.base_url,
        snapshot.codepen_replacements,
        snapshot.tree.root,  # every page's address starts from it
    )


# A question a page's render asked of the site's tree or files, beyond its own facts and the
# summaries of the pages it shows: (kind, page name, *more), a kind of `_TREE_QUESTIONS`, "nav"
# (the sidebar) or "local" (a relative link or image, resolved from an output path).
FrameRead = tuple[str, ...]


# Lists a sidebar nests at most: deeper down, it lists the root's children, then a gap, then the
# lists nearest the page (each nested list is indented: a dozen leave its entries no room).
SIDEBAR_LEVELS = 6


def nav_levels(tree: CourseTree, name: str | None) -> tuple[str | None, ...]:
    """The pages whose children the sidebar of page NAME lists: the root, then each page open
    on the way down to NAME; past SIDEBAR_LEVELS, the root, then the nearest of them (a gap
    between the root and the second: `nav_gap`)."""
    # The next level is the page of that path whose parent is the last level (a page has one
    # parent: at most one is), unless it is hidden; looked up by its parent, not among the last
    # level's children, which are hundreds at the root of a large course.
    if tree.root is None:
        return (None,)
    levels: list[str | None] = [tree.root]
    open_path: tuple[str, ...] = (*tree.first_ancestors_of(name), name) if name else ()
    nearest = tree.nearest_ancestors_of(name, SIDEBAR_LEVELS - 1) if name else ()
    # Under a hidden page (hidden with its whole subtree), the levels stop above it, as here.
    if name and tree.depth_of(name) > SIDEBAR_LEVELS and nearest[0] not in tree.hidden:
        levels.append(nearest[0])
        open_path = (*nearest[1:], name)
    parents, hidden = tree.parents, tree.hidden
    while len(levels) <= SIDEBAR_LEVELS:
        last = levels[-1]
        deeper = next((k for k in open_path if parents.get(k) == last and k not in hidden), None)
        if deeper is None:
            break
        levels.append(deeper)
    return tuple(levels)


def nav_gap(tree: CourseTree, levels: tuple[str | None, ...]) -> str | None:
    """Of the sidebar LEVELS (`nav_levels`) that skip levels between the root and the next, the
    root's child open above the gap; None when they skip none."""
    if len(levels) < 2 or levels[1] is None or tree.parents.get(levels[1]) == levels[0]:
        return None
    return tree.first_ancestors_of(levels[1])[1]


def crumb_names(tree: CourseTree, name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ancestors the breadcrumbs of page NAME show: from the root down, and, thousands of
    levels deep, a gap then the nearest (the first of them stands above the gap)."""
    if tree.depth_of(name) <= SHOWN_LEVELS:
        return tree.first_ancestors_of(name), ()
    return tree.first_ancestors_of(name)[:1], tree.nearest_ancestors_of(name, SHOWN_LEVELS - 1)


def moved_to(snapshot: SiteSnapshot, names: Iterable[str]) -> list[tuple[str, str]]:
    """`moved_pages` of the pages NAMES alone (a page's sidebar shows whether they are done)."""
    by_target = snapshot.redirected_to
    return sorted(
        (old, snapshot.pages[name].output) for name in names for old in by_target.get(name, ())
    )


def moved_pages(snapshot: SiteSnapshot) -> list[tuple[str, str]]:
    """Each old address a redirect keeps (`@redirect`), with the output of the page it sends to:
    a learner's progress on a renamed lesson follows it."""
    return moved_to(snapshot, snapshot.redirected_to)


_TREE_QUESTIONS = {
    "crumbs": crumb_names,
    "previous": CourseTree.previous_of,
    "next": CourseTree.next_of,
    "in_tree": lambda tree, name: name == tree.root or name in tree.parents,
    "depth": CourseTree.depth_of,
    "reading": CourseTree.in_reading_order,
    "hidden": lambda tree, name: name in tree.hidden,
    # The home page counts the learner's progress over every lesson of the course.
    "lessons": lambda tree, name: tree.reading_order if name == tree.root else (),
}


_LAST_WHOLE: list[tuple[Any, str]] = []  # the last `FrameAnswers.whole` worked out, with its parts
_LAST_SHOWN: list[tuple[Any, str]] = []  # the last `FrameAnswers.shown_all`, with its parts


class FrameAnswers:
    """One snapshot's answers to what renders asked of its tree and files: a page's outputs are
    checked at every build, 10,000 times at 10,000 lessons, and every page of a course asks for
    the same sidebar levels (each level's entries are worked out once)."""

    def __init__(self, snapshot: SiteSnapshot) -> None:
        self.snapshot = snapshot
        self._levels: dict[str | None, str] = {}  # a sidebar level's entries, by its page

    @functools.cached_property
    def whole(self) -> str:
        """A fingerprint of the whole tree and every file of the site: where it is what it was
        when a page was rendered, so are the answers to whatever the page asked of them."""
        snapshot, tree = self.snapshot, self.snapshot.tree
        parts = (
            (tree.root, tree.children, sorted(tree.hidden), tree.reading_order),
            [(s.name, s.output, s.source) for _, s in sorted(snapshot.pages.items())],
            sorted(snapshot.output_files),
            sorted(snapshot.content_files),
            moved_pages(snapshot),  # which page each redirect sends to (every page shows it)
        )
        # A preview's edit that leaves them as they were keeps their fingerprint: comparing
        # them costs far less than hashing them (0.1 s at 10,000 lessons). Read once: another
        # thread may put its own in place meanwhile.
        last = _LAST_WHOLE[0] if _LAST_WHOLE else None
        if last is None or last[0] != parts:
            last = (parts, fingerprint(*parts))
            _LAST_WHOLE[:] = [last]
        return last[1]

    @functools.cached_property
    def shown_all(self) -> str:
        """A fingerprint of all that a page may show of others (`shown_values`): every page's
        name, title, description and anchors. Where it is what it was when a page was rendered,
        so is what the page showed, without looking at which pages it showed."""
        parts = [
            (s.name, s.title, s.description_text, s.anchors)
            for _, s in sorted(self.snapshot.pages.items())
        ]
        last = _LAST_SHOWN[0] if _LAST_SHOWN else None  # read once: see `whole`
        if last is None or last[0] != parts:
            values: list[str] = []
            for name, title, description, anchors in parts:
                values += (name, title, description, str(len(anchors)), *sorted(anchors))
            last = (parts, _strings_digest(values))
            _LAST_SHOWN[:] = [last]
        return last[1]

    def shown(self, reads: Iterable[FrameRead]) -> str:
        """A fingerprint of the answers to READS, to compare with an earlier snapshot's."""
        values: list[str] = []
        for read in sorted(reads):
            values += read
            values.append(self._answer(read))
        return _strings_digest(values)

    def _answer(self, read: FrameRead) -> str:
        kind, name, *more = read
        tree = self.snapshot.tree
        if kind == "nav":
            levels = nav_levels(tree, name)
            shown = [self._level(level) for level in levels]
            return "\n".join([*shown, str(nav_gap(tree, levels))])
        if kind == "moved":  # every page's map of old addresses to the pages now there
            return repr(moved_pages(self.snapshot))
        if kind == "local":
            summary = self.snapshot.pages.get(name)
            here = None if summary is None else dataclasses.replace(summary, output=more[0])
            return repr(None if here is None else self.snapshot.resolve_local(here, more[1]))
        return repr(_TREE_QUESTIONS[kind](tree, name))

    def _level(self, level: str | None) -> str:
        if level not in self._levels:
            tree = self.snapshot.tree
            kids = tree.children_of(level or "")
            entries = [(k, bool(tree.children_of(k))) for k in kids]
            # A lesson is the last level of its own sidebar, with nothing in it: named, not hashed.
            self._levels[level] = fingerprint(level, entries) if kids else f"{level}/"
        return self._levels[level]


def _strings_digest(values: list[str]) -> str:
    """A digest of VALUES: strings alone, each after its length (no two lists of them make the
    same text), hashed directly, at a third of the cost of `fingerprint`, for every page of a
    large course."""
    text = "".join(f"{len(value)}:{value}" for value in values)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def titles_everywhere(snapshot: SiteSnapshot) -> dict[str, str]:
    """What every page's sidebar shows: the course root's and its children's titles, in their
    order (compare them as lists: `everywhere_changed`), each marked when it opens on more."""
    tree = snapshot.tree
    shown = [tree.root, *tree.children_of(tree.root)] if tree.root else []
    return {
        name: snapshot.pages[name].title + "\0" * bool(tree.children_of(name)) for name in shown
    }


def everywhere_changed(snapshot: SiteSnapshot, before: Mapping[str, str]) -> bool:
    """Whether what every sidebar shows differs from BEFORE (`titles_everywhere`), order too."""
    return list(titles_everywhere(snapshot).items()) != list(before.items())


def shown_values(snapshot: SiteSnapshot, uses: Iterable[tuple[str, Aspect]]) -> str:
    """A fingerprint of what USES name beyond the frame, as SNAPSHOT has it now."""
    # One flat list of strings, which `fingerprint` takes as it is: every page's outputs are
    # checked so at each build, 10,000 times at 10,000 lessons.
    values: list[str | None] = []
    pages = snapshot.pages
    for name, aspect in sorted(uses):
        summary = pages.get(name)
        values += (name, aspect, None if summary is None else summary.aspect(aspect))
    return fingerprint(values)
