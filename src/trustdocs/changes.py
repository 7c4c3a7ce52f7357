"""Edits → a rebuild plan: what to read, parse and render again, decided by diffing snapshots.

Two questions, each answered in one place:
- which sources an edit touched (`classify`, `plan_rebuild`): a page file, a file a directive read, a
  copied file, a file that may be new, the config or the theme;
- which pages must be rendered again (`pages_to_render`): the pages parsed again, plus every page whose
  last render showed a part (title, summary, anchors) of another page that changed between the old
  snapshot and the new one, over all pages. A summary also changes when a title shown inside it does,
  so no page is skipped for having been left unparsed.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from trustdocs.config import SiteConfig, default_theme_dir
from trustdocs.diagnostics import display_path
from trustdocs.files import SourceFiles, could_belong
from trustdocs.pages import FilesRead, PageFacts
from trustdocs.snapshot import Aspect, SiteSnapshot, moved_pages
from trustdocs.source import PageSource, without_body

ASPECTS: tuple[Aspect, ...] = ("title", "description", "anchors")


class ChangeKind(enum.Enum):
    """What an edited path is to the site."""

    CONFIG = "config"  # site.yaml or package.json: everything may change
    THEME = "theme"  # a template or asset: every page's frame may change
    PAGE = "page"  # a known page file
    INCLUDED = "included"  # a file read by a page's @sourceref or @diff
    COPIED = "copied"  # a file copied to the output as it is
    NEW = "new"  # not known yet, but where sources live
    UNRELATED = "unrelated"


def classify(
    path: Path,
    config: SiteConfig,
    files: SourceFiles,
    sources: Mapping[Path, PageSource | None],
    included: Container[str],
) -> ChangeKind:
    """What PATH is to the site; the first matching kind wins."""
    if path in config.config_files:
        return ChangeKind.CONFIG
    theme_dirs = (config.root_dir / "themes", default_theme_dir())
    if any(path.is_relative_to(folder.resolve()) for folder in theme_dirs):
        return ChangeKind.THEME
    if path in sources:
        return ChangeKind.PAGE
    if str(path) in included:
        return ChangeKind.INCLUDED
    if path in files.copied:
        return ChangeKind.COPIED
    if could_belong(config, path):
        return ChangeKind.NEW
    return ChangeKind.UNRELATED


@dataclass(frozen=True)
class RebuildPlan:
    """What one batch of edits asks for."""

    full: bool = False  # load everything again (config or theme changed)
    rediscover: bool = False  # the set of files may have changed: discover again
    reread: frozenset[Path] = frozenset()  # page files to read again
    reparse: frozenset[str] = frozenset()  # pages whose directives read an edited file

    @property
    def empty(self) -> bool:
        """Nothing the site depends on changed."""
        return not (self.full or self.rediscover or self.reread or self.reparse)


def plan_rebuild(
    paths: Iterable[Path],
    config: SiteConfig,
    files: SourceFiles,
    sources: Mapping[Path, PageSource | None],
    reads: FilesRead,
) -> RebuildPlan:
    """The plan for a batch of edited PATHS; READS: which pages read each file."""
    paths = set(paths)
    rediscover = False
    reread: set[Path] = in_edited(paths, sources)  # in a folder put in place of another
    reparse: set[str] = set()
    refused = {problem.path for problem in files.problems}  # what discovery left out, and why
    for path in paths:
        # A link, or a built site, that discovery refused, gone or changed (its marker gone):
        # its problem goes, and what it held may be the site's now.
        rediscover |= bool(refused) and _refused(path, refused)
        kind = classify(path, config, files, sources, reads)
        if kind in (ChangeKind.CONFIG, ChangeKind.THEME):
            return RebuildPlan(full=True)
        if kind in (ChangeKind.NEW, ChangeKind.UNRELATED) and not _plain_file(path):
            # A folder on the way to files pages read, moved, deleted, or a link pointed elsewhere;
            # or, most often, an editor's temporary file, gone once renamed over the page.
            reparse |= reads.under(str(path))
        # A known file gone, or now a link (which may lead out of the site: discovery refuses it).
        if kind is ChangeKind.PAGE:
            reread.add(path)
            rediscover |= not _plain_file(path)
        elif kind is ChangeKind.COPIED:
            rediscover |= not _plain_file(path)
        elif kind is ChangeKind.NEW:
            # A new file or folder (an editor's short-lived temporary one is gone by now), or a
            # folder that went away with the sources in it.
            rediscover |= path.exists() or files.any_under(path)
        elif kind is ChangeKind.INCLUDED:
            # An exercise file in the content folder is copied too: deleted or written anew, the
            # copies change.
            copied = path in files.copied
            changed = path.exists() != copied or (copied and path.is_symlink())
            rediscover |= changed and could_belong(config, path)
        reparse |= reads.readers(str(path))
    return RebuildPlan(False, rediscover, frozenset(reread), frozenset(reparse))


def in_edited(paths: set[Path], known: Iterable[Path]) -> set[Path]:
    """Of the KNOWN files, those in a folder among PATHS that is there now: one put in place of
    another (moved in, restored, synced) holds a file at each path it holds, written anew,
    which no event names."""
    folders = tuple(f"{path}{os.sep}" for path in paths if path.is_dir())
    return {path for path in known if str(path).startswith(folders)} if folders else set()


def as_discovered(paths: Iterable[Path], links: Mapping[Path, Path]) -> set[Path]:
    """PATHS, each with the names the site gives it through links. A watcher names a file by
    where it is; discovery, by the way it walked there: through a link to the file, or to a
    folder on its way (the content folder itself may be one). LINKS: where each link of the site
    leads -> the link."""
    found = set(paths)
    for path in paths:
        for real, link in links.items():
            if path.is_relative_to(real):
                found.add(link / path.relative_to(real))
    return found


def _refused(path: Path, refused: set[str]) -> bool:
    """Whether PATH, or a folder that holds it, is one discovery refused (REFUSED: as shown)."""
    return any(display_path(step) in refused for step in (path, *path.parents))


def _plain_file(path: Path) -> bool:
    """A regular file, not a link: no folder of files pages read (an editor's saves make many)."""
    return path.is_file() and not path.is_symlink()


def showing_retitled(
    old_sources: Iterable[PageSource | None],
    titles: Mapping[str, str],
    facts: Mapping[str, PageFacts],
) -> set[str]:
    """Pages whose own parse shows a title that changed (a cross-link in a heading)."""
    old = {source.name: source.title for source in old_sources if source is not None}
    retitled = {name for name, title in old.items() if titles.get(name, title) != title}
    if not retitled:
        return set()
    return {name for name, page in facts.items() if page.titles_shown & retitled}


def frame_unchanged(before: Mapping[str, PageFacts | None], after: Mapping[str, PageFacts]) -> bool:
    """Whether pages parsed again (their facts BEFORE) still give the snapshot what they gave: the
    same tags, description and anchors, whatever their bodies now say."""
    return all(
        old is not None
        and old.anchors == after[name].anchors
        and without_body(old.source) == without_body(after[name].source)
        for name, old in before.items()
    )


def tree_shape(snapshot: SiteSnapshot) -> tuple[object, ...]:
    """Everything of the course tree that every page's frame shows."""
    tree = snapshot.tree
    return (tree.root, tree.children, tree.hidden, tree.reading_order)


def changed_aspects(old: SiteSnapshot, new: SiteSnapshot) -> set[tuple[str, Aspect]]:
    """The parts of pages, over all pages, that differ between two snapshots of the same pages."""
    changed: set[tuple[str, Aspect]] = set()
    for name, summary in new.pages.items():
        before = old.pages[name]
        if before != summary:  # else no aspect differs: at 10,000 pages, no anchors encoded twice
            changed.update((name, a) for a in ASPECTS if before.aspect(a) != summary.aspect(a))
    return changed


def pages_to_render(
    old: SiteSnapshot,
    new: SiteSnapshot,
    reparsed: Iterable[str],
    shown: Mapping[str, tuple[frozenset[tuple[str, Aspect]], frozenset[str]]],
) -> set[str]:
    """The pages whose HTML may differ under NEW: reparsed ones and those that showed what changed.

    SHOWN: what each page showed of others, as `RenderedPage` keeps it (its uses; the pages whose
    titles it showed)."""
    everything = set(new.pages)
    if old is new:  # only the reparsed pages' own bodies changed
        return set(reparsed) & everything
    if (
        old.pages.keys() != new.pages.keys()
        or tree_shape(old) != tree_shape(new)
        or (old.title, old.base_url, old.output_files, old.content_files)
        != (new.title, new.base_url, new.output_files, new.content_files)
        # A link to a .md file reaches the page that file holds: a moved file may change any link.
        or old.page_sources != new.page_sources
        or any(old.pages[n].output != new.pages[n].output for n in everything)
        # Every page maps the old address of each renamed lesson (`@redirect`) to its page.
        or moved_pages(old) != moved_pages(new)
    ):
        return everything
    changed = changed_aspects(old, new)
    retitled = {name for name, aspect in changed if aspect == "title"}
    affected = set(reparsed) & everything
    affected |= {
        name for name, (used, titles) in shown.items() if used & changed or titles & retitled
    }
    return affected
