"""Parse: a `PageSource` and the set of page names → a `ParsedPage` (body and description Markdown)."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from trustdocs.cache import BuildCache, FileRead, fingerprint, load, read_digest, store
from trustdocs.config import SiteConfig, theme_folders
from trustdocs.diagnostics import Diagnostic, closest, display_path, error, warning
from trustdocs.files import SiteSources, paths_under, read_page
from trustdocs.markdown import Heading, ParsedMarkdown, PlainText, parse_markdown, plain_parts
from trustdocs.markdown.headings import theme_ids
from trustdocs.source import PageSource
from trustdocs.urls import page_name_problem


@dataclass(frozen=True)
class PageFacts:
    """What the rest of the site needs of a parsed page: no body tokens, so it is cheap to pass on."""

    source: PageSource
    description: PlainText  # its summary's text (its tokens are in the full parse only)
    headings: tuple[Heading, ...]
    anchors: frozenset[str]  # of the body and the description
    files_read: frozenset[str]  # files the body's directives read
    read_digests: frozenset[FileRead]  # each of them with the digest of the bytes read
    titles_shown: frozenset[str] = frozenset()  # pages whose titles its headings or summary show
    # What its parse asked of the set of page names: the facts hold while it answers the same.
    names_asked: frozenset[str] = frozenset()  # whether each is a page's name
    names_near: frozenset[tuple[str, float]] = frozenset()  # which names come this close to each


@dataclass(frozen=True)
class ParsedPage:
    """A page with its body and description parsed, ready to render."""

    source: PageSource
    body: ParsedMarkdown
    description: ParsedMarkdown

    @property
    def read_digests(self) -> frozenset[FileRead]:
        """The files its directives read, body and description, each with its bytes' digest."""
        return self.body.read_digests | self.description.read_digests

    @property
    def facts(self) -> PageFacts:
        """This page as the rest of the site sees it."""
        return PageFacts(
            self.source,
            plain_parts(self.description),
            self.body.headings,
            self.body.anchors | self.description.anchors,
            self.body.files_read | self.description.files_read,  # directives in either
            self.read_digests,
            self.body.titles_shown | self.description.titles_shown,
            self.body.names_asked | self.description.names_asked,
            self.body.names_near | self.description.names_near,
        )


def parse_page(
    config: SiteConfig,
    source: PageSource,
    titles: Mapping[str, str],
    reserved_ids: frozenset[str] = frozenset(),
) -> tuple[ParsedPage, list[Diagnostic]]:
    """Parse a page's body and description Markdown; TITLES: every page's title, by name.
    RESERVED_IDS: those the theme writes on every page; the body's headings take none of the
    description's either (both are on the page)."""
    folder = config.content_dir / source.source_dir
    names = frozenset(titles)

    def described(taken: frozenset[str]) -> tuple[ParsedMarkdown, list[Diagnostic]]:
        return parse_markdown(
            source.description,
            source.path,
            source.description_lines,
            names,
            folder,
            config=config,
            page_titles=titles,
            first_column=source.description_col,
            reserved_ids=taken,
            theme_ids=reserved_ids,
            footnotes="description",  # as `RenderContext.for_text` writes them
        )

    description, description_problems = described(reserved_ids)
    # The description's ids that no parse of it changes: all but its headings'.
    shown = "description" not in source.hidden_parts
    fixed = description.anchors - {h.id for h in description.headings} if shown else frozenset()
    body, body_problems = parse_markdown(
        source.body,
        source.path,
        source.body_lines,
        names,
        folder,
        config=config,
        page_titles=titles,
        reserved_ids=reserved_ids | description.anchors,
        theme_ids=reserved_ids,
        fixed_ids=fixed,
    )
    if description.anchors & body.anchors:  # ids the body has whatever it holds (`<a id>`, checks)
        description, description_problems = described(reserved_ids | body.anchors)
    return ParsedPage(source, body, description), body_problems + description_problems


class FilesRead:
    """Which pages read each file with their directives, answered as their facts stand now:
    an edit asks it of one or two paths, and a large course's pages read tens of thousands of
    files. It follows the facts as they are replaced (by comparing each page's facts with those
    it last saw, which is cheap), so it never answers from facts that are gone."""

    def __init__(self, facts: Mapping[str, PageFacts]) -> None:
        self.facts = facts
        self._seen: dict[str, PageFacts] = {}
        self._readers: dict[str, set[str]] = {}  # file -> the pages that read it
        self._files: frozenset[str] | None = None  # every file read, once asked for
        self._sorted: list[str] | None = None  # the same, in order, once a folder is asked about

    def readers(self, path: str) -> frozenset[str]:
        """The pages that read the file PATH (as its facts hold it: a string)."""
        self._follow()
        return frozenset(self._readers.get(path, ()))

    def __contains__(self, path: object) -> bool:
        self._follow()
        return path in self._readers

    def under(self, folder: str) -> set[str]:
        """The pages that read a file under FOLDER."""
        self._follow()
        if self._sorted is None:
            self._sorted = sorted(self._readers)
        return set().union(*(self._readers[path] for path in paths_under(self._sorted, folder)))

    def files(self) -> frozenset[str]:
        """Every file a page reads; the very same set while none is read or let go."""
        self._follow()
        if self._files is None:
            self._files = frozenset(self._readers)
        return self._files

    def _follow(self) -> None:
        """Take in the facts replaced, added or gone since the last question."""
        seen, facts = self._seen, self.facts
        # The same pages in the same order (as after most edits): those replaced are found in C,
        # by identity, 0.3 ms at 10,000 pages.
        if list(seen) == list(facts):
            is_not = map(operator.is_not, seen.values(), facts.values())
            for name in list(itertools.compress(facts, is_not)):
                self._reindex(name, seen[name].files_read, facts[name].files_read)
                seen[name] = facts[name]
            return
        for name, page in facts.items():
            if seen.get(name) is not page:
                old = seen[name].files_read if name in seen else frozenset()
                self._reindex(name, old, page.files_read)
        for name in seen.keys() - facts.keys():
            self._reindex(name, seen[name].files_read, frozenset())
        self._seen = dict(facts)

    def _reindex(self, name: str, old: frozenset[str], new: frozenset[str]) -> None:
        for path in old - new:
            readers = self._readers[path]
            readers.discard(name)
            if not readers:
                del self._readers[path]
                self._files = self._sorted = None
        for path in new - old:
            if path not in self._readers:
                self._readers[path] = set()
                self._files = self._sorted = None
            self._readers[path].add(name)


@dataclass
class ParsedPages:
    """Every page's facts, and the full parses this process holds. Pages parsed in a build worker
    have facts here but no body: in the preview, `full()` parses them again when an edit needs
    them; in a build, whose workers keep the pages' text (`bodies_elsewhere`), that is an error."""

    config: SiteConfig
    names: frozenset[str] = frozenset()
    facts: dict[str, PageFacts] = field(default_factory=dict)
    problems: dict[str, list[Diagnostic]] = field(default_factory=dict)
    cache: BuildCache = field(default_factory=lambda: BuildCache(None))
    site_key: str = ""  # the configuration and theme: part of every cache key
    titles: dict[str, str] = field(default_factory=dict)  # of every page, for cached facts
    keys: dict[str, str] = field(default_factory=dict)  # page -> its facts' cache key
    names_key: str = ""
    read_problems: dict[str, list[Diagnostic]] = field(default_factory=dict)
    bodies_elsewhere: bool = False  # the sources held here have no bodies: none is parsed here
    name_sets: _NameSets = field(default_factory=lambda: _NameSets(), repr=False)
    _known: dict[str, _KnownFacts | None] = field(default_factory=dict, repr=False)
    _full: dict[str, ParsedPage] = field(default_factory=dict, repr=False)
    _reparsed: dict[str, list[Diagnostic]] = field(default_factory=dict, repr=False)
    _keys_of_sources: dict[str, str] = field(default_factory=dict, repr=False)

    def choose(
        self,
        sources: list[PageSource],
        source_keys: dict[str, str],
        read_problems: dict[str, list[Diagnostic]],
    ) -> None:
        """Fix the pages of this parse: their names (cross-links depend on them) and titles.

        SOURCE_KEYS: a key to each page file's contents; READ_PROBLEMS: what reading it found.
        """
        self.choose_titles({s.name: s.title for s in sources}, source_keys, read_problems)

    def choose_titles(
        self,
        titles: dict[str, str],
        source_keys: dict[str, str],
        read_problems: dict[str, list[Diagnostic]],
    ) -> None:
        """Fix the pages by their TITLES (of every page, by name); see `choose`."""
        names = frozenset(titles)
        if names != self.names or not self.names_key:
            self.names, self.names_key = names, fingerprint(sorted(names))
        self.name_sets.choose(self.cache, names, self.names_key)
        self.titles = dict(titles)
        self.keys = {name: self._key(source_keys.get(name, "")) for name in titles}
        self.read_problems = read_problems

    def choose_again(
        self, source: PageSource, source_key: str, read_problems: list[Diagnostic]
    ) -> None:
        """Take the new SOURCE of a page, from a file that still makes it (see `choose`)."""
        self.titles[source.name] = source.title
        self.keys[source.name] = self._key(source_key)
        self.read_problems[source.name] = read_problems

    def _key(self, source_key: str) -> str:
        if not source_key or not self.site_key:
            return ""
        key = self._keys_of_sources.get(source_key)
        if key is None:
            key = self._keys_of_sources[source_key] = fingerprint(self.site_key, source_key)
        return key

    def _load(self, key: str) -> _KnownFacts | None:
        if key not in self._known:
            self._known[key] = load(self.cache, "facts", key, _KnownFacts) if key else None
        return self._known[key]

    def known_source(self, source_key: str) -> tuple[PageSource, list[Diagnostic]] | None:
        """A page file's tags as its cached facts hold them: no need to read its tags again."""
        known = self._load(self._key(source_key))
        return None if known is None else (known.facts.source, known.read_problems)

    def reuse(self, source: PageSource, folders: dict[str, str] | None = None) -> bool:
        """Take SOURCE's facts from the cache if nothing they came from changed (`read_digest`)."""
        key = self.keys.get(source.name, "")
        known = self._load(key)
        if known is None or known.facts.source != source or not _still_true(self, known, folders):
            return False
        if known.names != self.names_key and self.name_sets.drifted(self.cache, known.names):
            store(self.cache, "facts", key, dataclasses.replace(known, names=self.names_key))
        self._keep_facts(known.facts, known.problems)
        return True

    @functools.cached_property
    def theme_ids(self) -> frozenset[str]:
        """The ids the site's theme writes on every page (`theme_ids`), read once a parse."""
        return theme_ids(theme_folders(self.config.site_theme_dir))

    def parse(self, source: PageSource) -> None:
        """Parse SOURCE here, replacing what was known of its page."""
        page, problems = parse_page(self.config, source, self.titles, self.theme_ids)
        self.keep(page, problems)

    def keep(self, page: ParsedPage, problems: list[Diagnostic]) -> None:
        """Hold a full parse made here."""
        self._full[page.source.name] = page
        self.keep_facts(page.facts, problems)

    def hold(self, facts: PageFacts, problems: list[Diagnostic]) -> None:
        """Hold the facts of a page a worker parsed (and kept in the cache); its body stays there."""
        if facts.source.name in self._full and self._full[facts.source.name].source != facts.source:
            del self._full[facts.source.name]
        self._keep_facts(facts, problems)

    def keep_facts(self, facts: PageFacts, problems: list[Diagnostic]) -> None:
        """Hold the facts of a page parsed here, and keep them in the cache."""
        name = facts.source.name
        if name not in self._full or self._full[name].source != facts.source:
            self._full.pop(name, None)
        self._keep_facts(facts, problems)
        key = self.keys.get(name)
        if key and self.cache.enabled:
            titles = {n: self.titles.get(n, "") for n in facts.titles_shown}
            read = self.read_problems.get(name, [])
            known = _KnownFacts(facts, problems, titles, self.names_key, read)
            store(self.cache, "facts", key, known)

    def _keep_facts(self, facts: PageFacts, problems: list[Diagnostic]) -> None:
        self.facts[facts.source.name] = facts
        self.problems[facts.source.name] = problems

    def release(self, name: str) -> None:
        """Let go of a page's parsed body (it is parsed again if it is needed again)."""
        self._full.pop(name, None)

    def full(self, name: str) -> ParsedPage:
        """The page with its body, parsed again here if its body stayed in a worker or was let go
        (its facts and problems stay those of its first parse, which the site was resolved with;
        `same_reads` tells whether a file its directives read changed in between)."""
        page = self._full.get(name)
        if page is None:
            if self.bodies_elsewhere:  # an empty body would be rendered: never
                raise RuntimeError(f"page {name} was parsed in a build worker, not here")
            page, self._reparsed[name] = parse_page(
                self.config, self.facts[name].source, self.titles, self.theme_ids
            )
            self._full[name] = page
        return page

    def same_reads(self, page: ParsedPage) -> bool:
        """Whether PAGE's directives read the very bytes its known facts were made from."""
        return page.read_digests == self.facts[page.source.name].read_digests

    def reparse_problems(self, name: str) -> list[Diagnostic]:
        """What the last parse again of page NAME found (`full`)."""
        return self._reparsed.get(name, [])


def carried_over(pages: ParsedPages, names_key: str, titles: Mapping[str, str]) -> ParsedPages:
    """A new parse of the site whose facts PAGES hold, made against the names of fingerprint
    NAMES_KEY and TITLES (every page's title then): each of them is offered to it as a cached
    one is, checked as such (`ParsedPages.reuse`) but never read back from the cache."""
    fresh = ParsedPages(pages.config, cache=pages.cache, site_key=pages.site_key)
    fresh.name_sets = pages.name_sets
    for name, facts in pages.facts.items():
        key = pages.keys.get(name, "")  # of its source now: one that changed is not reused
        if key:
            shown = {n: titles.get(n, "") for n in facts.titles_shown}
            read = pages.read_problems.get(name, [])
            fresh._known[key] = _KnownFacts(facts, pages.problems[name], shown, names_key, read)
    return fresh


def _still_true(pages: ParsedPages, known: _KnownFacts, folders: dict[str, str] | None) -> bool:
    """Whether KNOWN facts of a page hold in PAGES as they are now: the names their parse asked
    about, the files their directives read (FOLDERS: see `read_digest`), the titles they show."""
    renamed = known.names != pages.names_key  # pages came or went since they were made
    if renamed and not pages.name_sets.still_hold(pages.cache, known.facts, known.names):
        return False
    most, seen = pages.config.max_include_bytes, pages.cache.reads_seen
    for path, digest in known.facts.read_digests:
        # As the build found it when it began, when it looked: that is what it builds.
        now = seen[path] if path in seen else read_digest(path, most, folders)
        if now != digest:
            return False
    return all(pages.titles.get(name) == title for name, title in known.titles.items())


def reread_problems(pages: ParsedPages, page: ParsedPage) -> list[Diagnostic]:
    """What to report of PAGE, parsed again, when a file its directives read changed since its
    facts (in PAGES) were made: the new parse's problems (a file gone is an error), and a warning
    that names each file read anew. None when nothing changed."""
    if pages.same_reads(page):
        return []
    name = page.source.name
    before = dict(pages.facts[name].read_digests)
    changed = sorted(p for p, digest in page.read_digests if before.get(p) != digest)
    shown = ", ".join(display_path(Path(p)) for p in changed) or "a file it reads"
    line = page.source.tag_lines.get("page", 1)
    message = f"{shown} changed while this build read it: the page shows it as it is now"
    notice = warning(page.source.path, line, 1, message, "the next build reads it again")
    return [*pages.reparse_problems(name), notice]


# Page names that came or went since a page was parsed, beyond which it is parsed again rather than
# checked: each check compares the words its parse sought names near with every such name.
NAMES_CHANGED_MOST = 64
# Beyond this many, facts that still hold are kept again as made against the names of the build
# that checked them: writing them costs half a build's parse, so not at every page added.
NAMES_DRIFT_KEPT = 16


class _NameSets:
    """The sets of page names that cached facts were parsed against (a "names" entry each, under
    its fingerprint), and the names that differ from the set of this parse: a page added,
    removed or renamed leaves as they were the facts of every page that asked nothing of it."""

    def __init__(self) -> None:
        self.names: frozenset[str] = frozenset()
        self._changed: dict[str, frozenset[str] | None] = {}  # by an earlier set's fingerprint

    def choose(self, cache: BuildCache, names: frozenset[str], key: str) -> None:
        """Parse against NAMES (fingerprint KEY) from now on: kept for the builds that follow."""
        if names != self.names or not self._changed:
            self.names, self._changed = names, {key: frozenset()}
            if cache.enabled and not cache.touch("names", key):
                store(cache, "names", key, tuple(sorted(names)))

    def still_hold(self, cache: BuildCache, facts: PageFacts, key: str) -> bool:
        """Whether FACTS, parsed against the names of fingerprint KEY, hold against these: no name
        they asked about came or went, nor one as near a word as they sought names."""
        changed = self._changed_since(cache, key)
        if changed is None or not facts.names_asked.isdisjoint(changed):
            return False
        return not any(closest(word, changed, cutoff=near) for word, near in facts.names_near)

    def drifted(self, cache: BuildCache, key: str) -> bool:
        """Whether more than NAMES_DRIFT_KEPT names came or went since the set of fingerprint KEY."""
        changed = self._changed_since(cache, key)
        return changed is None or len(changed) > NAMES_DRIFT_KEPT

    def _changed_since(self, cache: BuildCache, key: str) -> frozenset[str] | None:
        if key not in self._changed:
            names = load(cache, "names", key, tuple)
            changed = None
            if names is not None and fingerprint(list(names)) == key:
                changed = self.names.symmetric_difference(names)
            if changed is not None and len(changed) > NAMES_CHANGED_MOST:
                changed = None
            self._changed[key] = changed
        return self._changed[key]


@dataclass(frozen=True)
class _KnownFacts:
    """A page's facts as the cache keeps them, with what they were made from besides the page and
    the files its directives read (the facts hold each with the digest of what was read)."""

    facts: PageFacts
    problems: list[Diagnostic]
    titles: dict[str, str]  # page whose title the facts show -> that title
    names: str  # fingerprint of the set of page names the page was parsed against
    read_problems: list[Diagnostic]  # what reading the page's tags found


def _path_order(path: Path) -> tuple[str, ...]:
    return path.parts  # the order of paths themselves, without comparing Path objects one by one


def choose_sources(
    sources: dict[Path, PageSource | None],
) -> tuple[list[PageSource], list[Diagnostic]]:
    """The page sources that make the site, by path order: duplicates and unusable names are errors."""
    first: dict[str, PageSource] = {}
    problems: list[Diagnostic] = []
    for path in sorted(sources, key=_path_order):
        source = sources[path]
        if source is None:
            continue
        line = source.tag_lines.get("page", 1)
        reason = page_name_problem(source.name)
        if reason:
            shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in source.name)
            problems.append(error(source.path, line, 1, f"page name '{shown}' {reason}"))
        elif source.name in first:
            other = first[source.name]
            problems.append(
                error(
                    source.path,
                    line,
                    1,
                    f"duplicate page name '{source.name}'",
                    f"also defined in {other.path}:{other.tag_lines.get('page', 1)}",
                )
            )
        else:
            first[source.name] = source
            if "#" in source.name:  # built, and reached from the sidebar, but never linked to
                problems.append(
                    warning(
                        source.path,
                        line,
                        1,
                        f"page name '{source.name}' holds '#': no cross-link can name it "
                        f"([{source.name}] reads as page '{source.name.partition('#')[0]}' "
                        "and an anchor)",
                        "rename it without '#'",
                    )
                )
    return list(first.values()), problems


def parse_refused(
    pages: ParsedPages, read: SiteSources, chosen: list[PageSource]
) -> tuple[list[ParsedPage], list[Diagnostic]]:
    """The page files READ that make none of the CHOSEN pages (their name is another file's, or
    no page's), parsed against the names PAGES were given: not built, but the problems of their
    bodies are reported with the choice's, at their own lines."""
    made = {id(source) for source in chosen}
    refused, problems = [], []
    for path, source in read.sources.items():
        if source is None or id(source) in made:
            continue
        if pages.bodies_elsewhere:  # held without its body (read in a worker): read again
            source = read_page(pages.config, path).source
            if source is None:
                continue
        page, found = parse_page(pages.config, source, pages.titles, pages.theme_ids)
        refused.append(page)
        problems += found
    return refused, problems


@dataclass
class DescriptionTexts:
    """Each page's summary as plain text, made again only when it or a title shown in it changes."""

    _known: dict[str, tuple[PlainText, tuple[str | None, ...], str]] = field(default_factory=dict)

    def of_all(self, facts: dict[str, PageFacts]) -> dict[str, str]:
        """The summary text of every page, its `[NAME]` links read as the pages' current titles."""
        titles = {name: page.source.title for name, page in facts.items()}
        texts = {name: self._text(page.description, name, titles) for name, page in facts.items()}
        for gone in self._known.keys() - facts.keys():
            del self._known[gone]
        return texts

    def _text(self, description: PlainText, name: str, titles: dict[str, str]) -> str:
        key = tuple(titles.get(linked) for linked in description.names)
        known = self._known.get(name)
        if known is None or known[0] is not description or known[1] != key:
            known = (description, key, description.read(titles))
            self._known[name] = known
        return known[2]
