"""All pages → the course tree: parents, ordered children, breadcrumbs, previous and next."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from trustdocs.diagnostics import Diagnostic, did_you_mean, error, warning
from trustdocs.source import PageSource

SHOWN_LEVELS = 32  # ancestors a page's layout shows: sidebar levels, breadcrumbs


@dataclass(frozen=True)
class CourseTree:
    """The course as a tree of page names; read-only once built."""

    root: str | None
    parents: dict[str, str]  # child -> parent, for every page whose parent exists
    children: dict[str, tuple[str, ...]]  # parent -> ordered children (hidden ones included)
    hidden: frozenset[str]  # pages with @hide and their whole subtrees
    reading_order: tuple[str, ...]  # depth-first order of the visible tree

    def children_of(self, name: str, include_hidden: bool = False) -> tuple[str, ...]:
        """The ordered children of a page."""
        if include_hidden:
            return self.children.get(name, ())
        return self._visible_children.get(name, ())

    @functools.cached_property
    def _visible_children(self) -> dict[str, tuple[str, ...]]:
        return {
            parent: tuple(k for k in kids if k not in self.hidden)
            for parent, kids in self.children.items()
        }

    def ancestors_of(self, name: str) -> tuple[str, ...]:
        """The page's ancestors from the root down, without the page itself."""
        chain: list[str] = []
        seen = {name}
        current = self.parents.get(name)
        while current is not None and current not in seen:
            chain.append(current)
            seen.add(current)
            current = self.parents.get(current)
        return tuple(reversed(chain))

    def depth_of(self, name: str) -> int:
        """How many ancestors the page has (0 for the root and for pages outside the tree)."""
        return self._depths.get(name, 0)

    def first_ancestors_of(self, name: str) -> tuple[str, ...]:
        """The page's ancestors from the root down, at most SHOWN_LEVELS of them."""
        return self._top_ancestors.get(name, ())

    def nearest_ancestors_of(self, name: str, count: int) -> tuple[str, ...]:
        """The COUNT ancestors just above the page (fewer near the root), from the farthest down."""
        chain: list[str] = []
        current = self.parents.get(name)
        while current is not None and len(chain) < count:
            chain.append(current)
            current = self.parents.get(current)
        return tuple(reversed(chain))

    @functools.cached_property
    def _top_ancestors(self) -> dict[str, tuple[str, ...]]:
        # For every page at once, in time linear in the number of pages however deep the tree:
        # the layout of each page of a chain thousands of levels deep must not walk the whole chain.
        top: dict[str, tuple[str, ...]] = {}
        for start in self.parents:
            pending = self._unvisited_chain(start, top)
            above = top.get(self.parents[pending[-1]], ()) if pending else ()
            for name in reversed(pending):
                parent = self.parents[name]
                above = (*above, parent) if len(above) < SHOWN_LEVELS else above
                top[name] = above
        return top

    @functools.cached_property
    def _depths(self) -> dict[str, int]:
        depths: dict[str, int] = {}
        for start in self.parents:
            pending = self._unvisited_chain(start, depths)
            depth = depths.get(self.parents[pending[-1]], 0) if pending else 0
            for name in reversed(pending):
                depth += 1
                depths[name] = depth
        return depths

    def _unvisited_chain(self, start: str, visited: dict[str, Any]) -> list[str]:
        """START and its ancestors up to the first one already in VISITED (or the top)."""
        chain: list[str] = []
        current: str | None = start
        while (
            current in self.parents and current not in visited and len(chain) <= len(self.parents)
        ):
            chain.append(current)
            current = self.parents[current]
        return chain

    def previous_of(self, name: str) -> str | None:
        """The page before this one in reading order."""
        index = self._positions.get(name)
        return self.reading_order[index - 1] if index else None

    def next_of(self, name: str) -> str | None:
        """The page after this one in reading order."""
        index = self._positions.get(name)
        if index is None or index + 1 >= len(self.reading_order):
            return None
        return self.reading_order[index + 1]

    def in_reading_order(self, name: str) -> bool:
        """Whether the page is part of the visible course (and so a chapter of the print page)."""
        return name in self._positions

    @functools.cached_property
    def _positions(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.reading_order)}


def _sibling_key(page: PageSource) -> tuple[int, int, str]:
    # ORDER first, ties by name; pages without ORDER after, by name.
    return (0, page.order, page.name) if page.order is not None else (1, 0, page.name)


def build_course_tree(
    pages: Iterable[PageSource],
    configured_root: str | None = None,
    config_path: str = "site.yaml",
    root_line: int = 1,
) -> tuple[CourseTree, list[Diagnostic]]:
    """Build the tree from `@parent` tags; unknown parents, cycles and several roots are errors
    (a root the config names at ROOT_LINE of CONFIG_PATH that is no page too)."""
    by_name = {page.name: page for page in pages}
    parents, diagnostics = _checked_parents(by_name)
    diagnostics += _break_cycles(parents, by_name)
    root, root_problems = _course_root(by_name, configured_root, (config_path, root_line))
    diagnostics += root_problems + _apart(by_name, root)

    children: dict[str, list[PageSource]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(by_name[child])
    ordered = {
        parent: tuple(p.name for p in sorted(kids, key=_sibling_key))
        for parent, kids in children.items()
    }
    hidden = _hidden_pages(by_name.values(), ordered)
    tree = CourseTree(
        root=root,
        parents=parents,
        children=ordered,
        hidden=frozenset(hidden),
        reading_order=_reading_order(root, ordered, hidden),
    )
    return tree, diagnostics


def _apart(by_name: dict[str, PageSource], root: str | None) -> list[Diagnostic]:
    """A warning for each page other than ROOT without `@parent` (and not hidden on purpose):
    built, and reached by links, but out of the course's sidebar, previous/next and print page."""
    if root is None:  # no course: its own problem says why
        return []
    return [
        warning(
            page.path,
            page.tag_lines.get("page", 1),
            1,
            f"page '{page.name}' has no @parent: it is built, but outside the course "
            "(its sidebar, previous/next and print page)",
            f"give it a @parent (the course starts at '{root}'), or @hide to keep it apart",
        )
        for page in sorted(by_name.values(), key=lambda page: page.name)
        if page.parent is None and page.name != root and not page.hide
    ]


def _checked_parents(by_name: dict[str, PageSource]) -> tuple[dict[str, str], list[Diagnostic]]:
    """Child -> parent for every `@parent` naming another page that exists; errors for the rest."""
    diagnostics: list[Diagnostic] = []
    parents: dict[str, str] = {}
    for page in by_name.values():
        if page.parent is None:
            continue
        if page.parent not in by_name:
            line = page.tag_lines.get("parent", 1)
            hint = did_you_mean(page.parent, by_name)
            diagnostics.append(error(page.path, line, 1, f"unknown parent '{page.parent}'", hint))
        elif page.parent == page.name:
            diagnostics.append(
                error(
                    page.path, page.tag_lines.get("parent", 1), 1, "a page cannot be its own parent"
                )
            )
        else:
            parents[page.name] = page.parent
    return parents, diagnostics


def _break_cycles(parents: dict[str, str], by_name: dict[str, PageSource]) -> list[Diagnostic]:
    """Remove from PARENTS the parent of every page in a cycle, with an error at each one."""
    diagnostics: list[Diagnostic] = []
    for cycle in _find_cycles(parents):
        listing = _cycle_listing(cycle)
        for member in cycle:
            page = by_name[member]
            line = page.tag_lines.get("parent", 1)
            diagnostics.append(error(page.path, line, 1, f"parent cycle: {listing}"))
            del parents[member]
    return diagnostics


def _course_root(
    by_name: dict[str, PageSource], configured_root: str | None, where: tuple[str, int]
) -> tuple[str | None, list[Diagnostic]]:
    """The configured root (named at WHERE: the config's path and line) if it exists, else the
    one page without `@parent`, else None."""
    diagnostics: list[Diagnostic] = []
    root = configured_root
    config_path, line = where
    if root is not None and root not in by_name:
        hint = did_you_mean(root, by_name)
        diagnostics.append(error(config_path, line, 1, f"root page '{root}' does not exist", hint))
        root = None
    if configured_root is None:
        top = sorted(p.name for p in by_name.values() if p.parent is None)
        if len(top) == 1:
            root = top[0]
        elif len(top) > 1:
            for name in top:
                page = by_name[name]
                diagnostics.append(
                    error(
                        page.path,
                        page.tag_lines.get("page", 1),
                        1,
                        f"several pages have no @parent: {', '.join(top)}",
                        f"set 'root:' in {config_path} or give all but one a @parent",
                    )
                )
    return root, diagnostics


def _hidden_pages(pages: Iterable[PageSource], children: dict[str, tuple[str, ...]]) -> set[str]:
    """The pages with `@hide` and everything below them."""
    # A work list rather than recursion: a chain of @hide pages can be any length.
    hidden: set[str] = set()
    to_hide = [page.name for page in pages if page.hide]
    while to_hide:
        name = to_hide.pop()
        if name not in hidden:
            hidden.add(name)
            to_hide.extend(children.get(name, ()))
    return hidden


def _reading_order(
    root: str | None, children: dict[str, tuple[str, ...]], hidden: set[str]
) -> tuple[str, ...]:
    """The visible pages depth-first from ROOT, each before its children."""
    reading: list[str] = []
    if root is not None and root not in hidden:
        stack = [root]
        while stack:
            name = stack.pop()
            reading.append(name)
            stack.extend(reversed([k for k in children.get(name, ()) if k not in hidden]))
    return tuple(reading)


def _cycle_listing(cycle: list[str], shown: int = 8) -> str:
    """`a -> b -> a`; a long cycle is shortened, since every member's error repeats it."""
    if len(cycle) <= shown:
        return " -> ".join([*cycle, cycle[0]])
    return " -> ".join([*cycle[: shown - 1], "…", cycle[-1], cycle[0]]) + f" ({len(cycle)} pages)"


def _find_cycles(parents: dict[str, str]) -> list[list[str]]:
    """Every cycle of the child -> parent map, each listed once from its first member."""
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(parents):
        path: list[str] = []
        name: str | None = start
        while name is not None and name not in state:
            state[name] = 1
            path.append(name)
            name = parents.get(name)
        if name is not None and state[name] == 1:
            cycles.append(path[path.index(name) :])
        for visited in path:
            state[visited] = 2
    return cycles
