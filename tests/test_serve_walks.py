"""The preview's walks of the site's folders, against their definitions on random trees of links."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import make_site
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from trustdocs.config import load_config, may_read
from trustdocs.files import skipped_name
from trustdocs.serve import site_links

PARENTS = ["content", "content/a", "content/a/b", "content/.hidden", "themes/default"]
NAMES = ["a", "b", "c", "l1", "l2"]
TARGETS = [
    "content",
    "content/a",
    "content/a/b",
    "content/a/f.txt",
    ".",  # the site folder itself: above the content
    ".git",
    "site",  # the output
    "themes",
    "../outside",
    "../outside/x",
    "../outside/x/g.txt",
    "/",
    "missing",
]

operation = st.one_of(
    st.tuples(st.just("dir"), st.sampled_from(PARENTS), st.sampled_from(NAMES)),
    st.tuples(
        st.just("link"), st.sampled_from(PARENTS), st.sampled_from(NAMES), st.sampled_from(TARGETS)
    ),
)


def links_by_asking_for_every_real_path(config) -> dict[Path, Path]:
    """The definition of `site_links`: the same walk, asking the system where each folder really
    is and whether it is published, folder by folder."""
    output, site = config.output_dir.resolve(), config.root_dir.resolve()
    roots = [config.content_dir, config.static_dir, config.root_dir / "themes"]
    stack = [str(root) for root in roots if root is not None]
    given_roots, tops = set(stack), [os.path.realpath(root) for root in stack]
    links: dict[Path, Path] = {}
    walked: set[str] = set()
    while stack:
        folder = stack.pop()
        real = os.path.realpath(folder)
        if real in walked or Path(real).is_relative_to(output):
            continue
        if folder not in given_roots and not may_read(real, site, config.allow_outside_files):
            continue
        walked.add(real)
        if real != os.path.abspath(folder) and os.path.islink(folder):
            links[Path(real)] = Path(folder)
        with os.scandir(folder) as entries:
            for entry in entries:
                if skipped_name(entry.name):
                    continue
                if entry.is_dir():
                    target = os.path.realpath(entry.path)
                    above = any(target != top and top.startswith(target + os.sep) for top in tops)
                    if entry.is_symlink() and (above or target == "/"):
                        continue
                    stack.append(entry.path)
                elif entry.is_symlink():
                    target = os.path.realpath(entry.path)
                    if may_read(target, site, config.allow_outside_files):
                        links[Path(target)] = Path(entry.path)
    return links


# A folder reached through a link to another of the site's, holding a link: walked once, by one name.
@example(
    operations=[
        ("link", "content", "l1", "content/a"),
        ("link", "content/a/b", "l2", "content/a/f.txt"),
        ("link", "content", "l2", "content/a/b"),
    ],
    outside_allowed=False,
)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=st.lists(operation, max_size=14), outside_allowed=st.booleans())
def test_the_links_the_preview_watches_are_those_of_a_walk_asking_every_real_path(
    tmp_path_factory, operations, outside_allowed
):
    """`site_links` follows only links with `realpath`, and knows every other folder's real path
    from its parent's: on any tree of folders and links (loops, links above the site, out of it, to
    its output, to `/`, into `.git`), it finds what a walk asking for every real path finds."""
    top = tmp_path_factory.mktemp("walk")
    site = make_site(top / "site", {"index.md": "@page course Course\n@body\nHi.\n"})
    (site / "content" / "a" / "b").mkdir(parents=True)
    (site / "content" / "a" / "f.txt").write_text("f")
    (site / ".git").mkdir()
    (site / "themes" / "default").mkdir(parents=True)
    (site / "site" / "old").mkdir(parents=True)  # the output of an earlier build
    (site / "site" / "old" / "l3").symlink_to("../../content/a/f.txt")
    (top / "outside" / "x").mkdir(parents=True)
    (top / "outside" / "x" / "g.txt").write_text("g")
    if outside_allowed:
        (site / "site.yaml").write_text("title: Test Course\nsourceref_outside: true\n")
    for op in operations:
        path = site / op[1] / op[2]
        if os.path.lexists(path) or not path.parent.is_dir() or path.parent.is_symlink():
            continue
        if op[0] == "dir":
            path.mkdir()
        else:
            target = op[3] if op[3] == "/" else os.path.relpath(site / op[3], path.parent)
            path.symlink_to(target)
    config = load_config(site / "site.yaml")
    assert site_links(config) == links_by_asking_for_every_real_path(config)
