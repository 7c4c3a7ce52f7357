"""changes.py: each kind of edit re-renders exactly the pages it can change, and the result is a full build."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import make_site, write_files, written
from hypothesis import given, settings
from hypothesis import strategies as st

from trustdocs.changes import ChangeKind, classify, plan_rebuild
from trustdocs.config import load_config
from trustdocs.outputs import is_on_request
from trustdocs.site import LiveSite, Site

COURSE = "course"
PAGES = {
    "index.md": """
        @page course Course
        @description Start here.
        @body
        Read [course/a] first, then [course/b].
        """,
    "a.md": """
        @page course/a Lesson A
        @parent course 1
        @description All about [course/x].
        @body
        ## Setup
        Text of A.
        """,
    "b.md": """
        @page course/b Lesson B
        @parent course 2
        @description B in short.
        @body
        See [course/a] and [course/x#details the details].
        """,
    "x.md": """
        @page course/x Old X Title
        @parent course 3
        @description X in short.
        @body
        ## Details
        Text of X.
        @sourceref ./example.js
        """,
    "y.md": """
        @page course/y Lesson Y
        @parent course 4
        @description Y in short.
        @body
        Nothing links here. ![A chart](chart.png)
        """,
    "example.js": "const answer = 42;\n",
    "chart.png": "not really a png",
}


def edit(path: Path, old: str, new: str) -> Path:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    return path


def rebuild(site: LiveSite, *paths: Path) -> set[str]:
    """Apply edits to SITE; return the names of the pages it rendered again."""
    plan = plan_rebuild(
        {p.absolute() for p in paths}, site.config, site.files, site.sources, site.reads
    )
    before = {name: output.rendered for name, output in site.outputs.items()}
    count = site.made.render_count
    site.apply(plan)
    rendered = {name for name, out in site.outputs.items() if out.rendered is not before.get(name)}
    assert site.made.render_count - count == len(rendered)
    return rendered


def assert_equals_full_build(site: Site) -> None:
    fresh = Site(site.config)
    fresh.build()
    assert written(site.output_files()) == written(fresh.output_files())
    assert site.diagnostics() == fresh.diagnostics()


@pytest.fixture(params=["in-process", "workers"])
def site(request, tmp_path) -> LiveSite:
    root = make_site(tmp_path, {f"course/{rel}": text for rel, text in PAGES.items()})
    built = LiveSite(load_config(root / "site.yaml"))
    if request.param == "workers":
        built.build(workers=2, minimum=0)
        assert built.workers_used == 2
    else:
        built.build()
    return built


def content(site: Site, rel: str) -> Path:
    return site.config.content_dir / "course" / rel


ALL = {"course", "course/a", "course/b", "course/x", "course/y"}

# (description, edit, pages that must be rendered again: exactly these)
EDITS = [
    ("body edit", lambda s: edit(content(s, "y.md"), "Nothing", "Still nothing"), {"course/y"}),
    (
        "heading nobody links to",
        lambda s: edit(content(s, "a.md"), "## Setup", "## Set-up"),
        {"course/a"},
    ),
    (
        "heading another page links to",
        lambda s: edit(content(s, "x.md"), "## Details", "## More details"),
        {"course/x", "course/b"},  # b links to #details; nobody else asks for x's anchors
    ),
    (
        "description edit",
        lambda s: edit(content(s, "b.md"), "B in short.", "B, shorter."),
        {"course/b", "course"},  # the home page's [course/b] link carries it as title=
    ),
    (
        "title shown inside another page's description",
        lambda s: edit(content(s, "x.md"), "Old X Title", "New X Title"),
        ALL,  # x's title is in every sidebar; a's summary changes with it
    ),
    (
        "file read by @sourceref",
        lambda s: edit(content(s, "example.js"), "42", "43"),
        {"course/x"},
    ),
    ("copied image", lambda s: edit(content(s, "chart.png"), "not", "still not"), set()),
    ("order", lambda s: edit(content(s, "y.md"), "@parent course 4", "@parent course 0"), ALL),
    (
        "new page",
        lambda s: (
            write_files(
                s.config.content_dir,
                {"course/z.md": "@page course/z Z\n@parent course 5\n@body\nZ.\n"},
            )
            or content(s, "z.md")
        ),
        ALL | {"course/z"},
    ),
    (
        "deleted page",
        lambda s: content(s, "y.md").unlink() or content(s, "y.md"),
        ALL - {"course/y"},
    ),
    (
        "renamed file, same page",
        lambda s: content(s, "y.md").rename(content(s, "why.md")) or content(s, "y.md"),
        ALL,  # any page's link to y.md or why.md may now reach another page, as for a new file
    ),
    ("hidden page", lambda s: edit(content(s, "y.md"), "@body", "@hide\n@body"), ALL),
    (
        "new broken link is reported",
        lambda s: edit(content(s, "y.md"), "Nothing", "[course/a#nope]"),
        {"course/y"},
    ),
]


@pytest.mark.parametrize(("kind", "make_edit", "expected"), EDITS, ids=[e[0] for e in EDITS])
def test_each_edit_renders_exactly_what_it_can_change(site, kind, make_edit, expected):
    changed = make_edit(site)
    paths = [changed]
    if kind == "renamed file, same page":
        paths.append(content(site, "why.md"))
    assert rebuild(site, *paths) == expected
    assert_equals_full_build(site)


def test_retitle_updates_summaries_shown_on_other_pages(site):
    """A's summary shows x's title: pages linking to A must show the new title in their tooltips.

    x is hidden here, so no sidebar shows its title: only the summary carries it.
    """
    rebuild(site, edit(content(site, "x.md"), "@body", "@hide\n@body"))
    home_before = site.outputs["course"].rendered.html
    assert 'title="All about Old X Title."' in home_before
    rendered = rebuild(site, edit(content(site, "x.md"), "Old X Title", "New X Title"))
    # a shows x's title in its own description; the home page and b show a's summary
    assert rendered == {"course/x", "course/a", "course", "course/b"}
    assert 'title="All about New X Title."' in site.outputs["course"].rendered.html
    assert 'title="All about New X Title."' in site.outputs["course/b"].rendered.html
    assert_equals_full_build(site)


def test_edits_in_a_row_stay_equal_to_a_full_build(site):
    for _, make_edit, _ in EDITS[:7]:
        rebuild(site, make_edit(site))
        assert_equals_full_build(site)


def test_classify_tells_what_a_path_is(site):
    config, files, sources = site.config, site.files, site.sources
    read = {read for page in site.pages.facts.values() for read in page.files_read}

    def kind(path: Path) -> ChangeKind:
        return classify(path.absolute(), config, files, sources, read)

    assert kind(config.config_path) is ChangeKind.CONFIG
    assert kind(config.root_dir / "themes" / "default" / "page.html") is ChangeKind.THEME
    assert kind(content(site, "a.md")) is ChangeKind.PAGE
    assert kind(content(site, "example.js").resolve()) is ChangeKind.INCLUDED
    assert kind(content(site, "chart.png")) is ChangeKind.COPIED
    assert kind(content(site, "new.md")) is ChangeKind.NEW
    assert kind(content(site, ".hidden.md")) is ChangeKind.UNRELATED
    assert kind(config.root_dir.parent / "elsewhere.md") is ChangeKind.UNRELATED


def test_adding_and_removing_a_redirect_updates_the_old_address(site):
    # A new address can mend links to it anywhere: pages are checked again, as for a new file.
    rebuild(
        site, edit(content(site, "a.md"), "@parent course 1", "@parent course 1\n@redirect old-a")
    )
    assert "course/a.html" in site.output_files()["old-a.html"]
    assert_equals_full_build(site)
    rebuild(site, edit(content(site, "a.md"), "@redirect old-a\n", ""))
    assert "old-a.html" not in site.output_files()
    assert_equals_full_build(site)


def test_a_heading_that_shows_another_page_title_follows_its_retitle(site):
    """`## See [course/x]` takes its id from x's title: retitling x parses that page again."""
    rebuild(site, edit(content(site, "y.md"), "Nothing links here.", "## About [course/x]\n"))
    assert 'id="about-old-x-title"' in site.outputs["course/y"].rendered.html
    rendered = rebuild(site, edit(content(site, "x.md"), "Old X Title", "New X Title"))
    assert "course/y" in rendered
    assert 'id="about-new-x-title"' in site.outputs["course/y"].rendered.html
    assert_equals_full_build(site)


def test_two_files_swapping_their_pages_update_links_to_the_files(site):
    """`[text](y.md)` reaches the page that y.md holds: after a swap, the other page."""
    rebuild(site, edit(content(site, "b.md"), "See", "Read [the file](y.md). See"))
    assert 'href="y.html"' in site.outputs["course/b"].rendered.html
    x, y = content(site, "x.md"), content(site, "y.md")
    x_text, y_text = x.read_text(), y.read_text()
    x.write_text(y_text)
    y.write_text(x_text)
    rebuild(site, x, y)
    assert 'href="x.html">the file' in site.outputs["course/b"].rendered.html
    assert_equals_full_build(site)


def test_pointing_a_linked_exercise_file_at_another_file_updates_the_page(site):
    target = content(site, "example.js")
    other = content(site, "other.js")
    other.write_text("const answer = 'other';\n")
    link = content(site, "current.js")
    link.symlink_to("example.js")
    rebuild(site, edit(content(site, "x.md"), "./example.js", "./current.js"), link)
    assert "42" in site.outputs["course/x"].rendered.html
    link.unlink()
    link.symlink_to(other.name)
    assert rebuild(site, link) == {"course/x"}
    assert "other" in site.outputs["course/x"].rendered.html
    assert target.exists()
    assert_equals_full_build(site)


def test_an_exercise_file_deleted_and_restored_leaves_and_rejoins_the_copied_files(site):
    """example.js is read by @sourceref and copied beside the page: deleting it must drop the copy
    (not serve a file that is gone), and writing it again must bring the copy back."""
    example = content(site, "example.js")
    saved = example.read_text()
    example.unlink()
    rebuild(site, example)
    assert "course/example.js" not in site.output_files()
    assert_equals_full_build(site)
    example.write_text(saved)
    rebuild(site, example)
    assert "course/example.js" in site.output_files()
    assert_equals_full_build(site)


def test_a_body_edit_keeps_the_site_frame_and_a_tag_edit_makes_a_new_one(site):
    """Serving a large course, a body edit must not resolve every page again: the snapshot stays
    the same object; anything the snapshot shows (a heading's anchor, a tag) makes a new one."""
    frame = site.snapshot
    assert rebuild(site, edit(content(site, "y.md"), "Nothing links here.", "Still nothing.")) == {
        "course/y"
    }
    assert site.snapshot is frame
    assert_equals_full_build(site)
    rebuild(site, edit(content(site, "y.md"), "Still nothing.", "## A heading\n\nStill."))
    assert site.snapshot is not frame
    assert_equals_full_build(site)
    frame = site.snapshot
    rebuild(site, edit(content(site, "y.md"), "@parent course 4", "@parent course 5"))
    assert site.snapshot is not frame
    assert_equals_full_build(site)


@pytest.mark.parametrize(("kind", "make_edit", "expected"), EDITS, ids=[e[0] for e in EDITS])
def test_an_edit_shown_first_and_finished_after_equals_a_full_build(
    site, kind, make_edit, expected
):
    """The preview shows an edit's pages first and makes their print chapters, search records and
    cache entries after: the print page and the search index still equal a full build's."""
    paths = [make_edit(site)]
    if kind == "renamed file, same page":
        paths.append(content(site, "why.md"))
    plan = plan_rebuild(
        {p.absolute() for p in paths}, site.config, site.files, site.sources, site.reads
    )
    site.apply(plan, later=True)
    assert_equals_full_build(site)  # reads the print page and the index: finishes first


@pytest.mark.parametrize("workers", [1, 2])
def test_deleting_the_file_that_won_a_duplicate_name_gives_the_page_to_the_other(tmp_path, workers):
    """Two files make course/x (an error); the first is deleted: the page is now the second file's,
    its anchors included, as a fresh build has it."""
    root = make_site(
        tmp_path,
        {
            "index.md": "@page course Course\n@body\nSee [course/x#part-z].\n",
            "a.md": "@page course/x X\n@parent course 1\n@body\n## Part A\nFrom a.md.\n",
            "z.md": "@page course/x X\n@parent course 1\n@body\n## Part Z\nFrom z.md.\n",
        },
    )
    site = LiveSite(load_config(root / "site.yaml"))
    site.build(workers=workers, minimum=0)
    assert any("duplicate page name" in d.message for d in site.diagnostics())
    (root / "content" / "a.md").unlink()
    rebuild(site, root / "content" / "a.md")
    assert site.diagnostics() == []
    assert "From z.md." in site.outputs["course/x"].rendered.html
    assert_equals_full_build(site)


def test_after_loading_a_retitle_renders_only_the_opened_pages_on_request(tmp_path):
    """A course rendered on request, every page loaded (without its HTML) and one opened: a title
    in every sidebar changes. Only the opened page is rendered with its HTML (and written); the
    others load their print chapters and search records again, as a fresh build makes them."""
    root = make_site(tmp_path, {f"course/{rel}": text for rel, text in PAGES.items()})
    site = LiveSite(load_config(root / "site.yaml"))
    site.build(on_request_from=0)
    assert site.load_more(60)
    site.page_on_request("course/b.html")

    def apply(path: Path) -> None:
        plan = plan_rebuild({path.absolute()}, site.config, site.files, site.sources, site.reads)
        site.apply(plan, later=True)

    count = site.made.render_count
    apply(edit(content(site, "x.md"), "Old X Title", "New X Title"))
    pages = {rel for rel in site.output_files(on_request=False) if rel.startswith("course/")}
    assert pages == {"course/b.html", "course/example.js", "course/chart.png"}
    assert "New X Title" in site.output_files(on_request=False)["course/b.html"]
    # b, opened, and x, edited (its own problems are reported with the edit), not the others
    assert site.made.render_count - count == 2
    # y, loading again, is edited before it is loaded: its new problem is reported at once
    apply(edit(content(site, "y.md"), "Nothing", "[course/a#nope]"))
    fresh = Site(site.config)
    fresh.build()
    assert site.diagnostics() == fresh.diagnostics() != []
    built = written(fresh.output_files())
    for path in filter(is_on_request, built):
        assert site.on_request_file(path) == built[path]
    assert site.diagnostics() == fresh.diagnostics()


def test_an_edit_left_unfinished_then_a_new_page_equals_a_full_build(site):
    """The preview shows an edit first and finishes its print chapters and search records after;
    when a new page comes before that (a rebuild that failed in between, say), the pages it
    parses again replace what was left unfinished: no error, and the site equals a full build."""
    edited = edit(content(site, "y.md"), "Nothing", "Still nothing")
    plan = plan_rebuild({edited.absolute()}, site.config, site.files, site.sources, site.reads)
    site.apply(plan, later=True)
    new = content(site, "n.md")
    new.write_text("@page course/n New\n@parent course 9\n@body\nNew page.\n")
    rebuild(site, new)
    assert_equals_full_build(site)


@pytest.mark.parametrize("rel", ["y.md", "chart.png", "example.js"])
def test_a_file_replaced_by_a_link_out_of_the_site_is_refused_as_a_build_refuses_it(
    site, tmp_path_factory, rel
):
    """A page, copied or exercise file replaced by a link to the same bytes outside the site: a
    build refuses the link (it is not published), and so must the preview."""
    path = content(site, rel)
    outside = tmp_path_factory.mktemp("elsewhere") / rel
    outside.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(outside)
    rebuild(site, path)
    assert any("symlink leads outside" in d.message for d in site.diagnostics())
    assert_equals_full_build(site)


_PARTS = st.sampled_from(["a", "b", "c", "..", "ex.js", "a b"])
_READ = st.lists(_PARTS, min_size=1, max_size=5).map(lambda parts: "/" + "/".join(parts))


_FACTS = st.frozensets(_READ, max_size=4).map(lambda files: SimpleNamespace(files_read=files))
_STEP = st.tuples(st.sampled_from(["p1", "p2", "p3", "p4"]), st.none() | _FACTS)


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(_STEP, max_size=12), folder=st.one_of(st.just("/"), _READ), file=_READ)
def test_the_index_of_files_read_answers_as_every_page_s_facts_do_after_each_edit(
    steps, folder, file
):
    """Which pages read a file, or a file under a folder (an editor's temporary file gone, a
    folder moved), is asked of an index kept across edits rather than of every page: after any
    sequence of pages parsed again, added or gone, it answers as asking each page's facts does."""
    from trustdocs.pages import FilesRead

    facts: dict[str, SimpleNamespace] = {}
    reads = FilesRead(facts)
    for name, page in steps:
        if page is None:
            facts.pop(name, None)
        else:
            facts[name] = page
        inside = os.path.join(folder, "")
        under = {n for n, f in facts.items() if any(r.startswith(inside) for r in f.files_read)}
        assert reads.under(folder) == under
        assert reads.readers(file) == {n for n, f in facts.items() if file in f.files_read}
        assert (file in reads) == any(file in f.files_read for f in facts.values())
        assert reads.files() == {r for f in facts.values() for r in f.files_read}


@settings(max_examples=300, deadline=None)
@given(
    pages=st.lists(_READ, max_size=6),
    copies=st.lists(_READ, max_size=6),
    folder=st.one_of(st.just("/"), _READ),
)
def test_a_folder_holds_sources_when_a_page_or_a_copied_file_is_under_it(pages, copies, folder):
    """A path that went away (a folder deleted with its lessons) calls for discovery again when
    discovery had found a page or a copied file under it: asked of files kept in order, as asking
    each file does."""
    from trustdocs.files import SourceFiles

    files = SourceFiles(tuple(map(Path, pages)), {str(i): Path(p) for i, p in enumerate(copies)})
    inside = os.path.join(folder, "")
    expected = any(str(Path(p)).startswith(inside) for p in pages + copies)
    assert files.any_under(Path(folder)) == expected


@pytest.mark.parametrize("workers", [1, 2])
def test_a_page_added_in_the_preview_turns_a_link_to_it_into_one(tmp_path, workers):
    """A lesson links a page not written yet, from another chapter: nothing it shows of the site
    changes when that page comes. Once the page is added in the preview, the link is a link, as
    in a full build, though the lesson's outputs were kept in the cache."""
    from trustdocs.cache import CACHE_DIR, BuildCache

    pages = {"index.md": "@page course Course\n@body\nStart.\n"}
    for order, chapter in enumerate(["one", "two"], start=1):
        pages[f"{chapter}.md"] = (
            f"@page course/{chapter} {chapter}\n@parent course {order}\n@body\nIn.\n"
        )
        pages[f"{chapter}/a.md"] = (
            f"@page course/{chapter}/a Lesson A\n@parent course/{chapter} 1\n@body\n"
            "See [course/two/n the new one].\n"
        )
    root = make_site(tmp_path, {f"course/{rel}": text for rel, text in pages.items()})
    site = LiveSite(load_config(root / "site.yaml"), BuildCache(root / CACHE_DIR))
    site.build(workers=workers, minimum=0)
    added = root / "content" / "course" / "two" / "n.md"
    added.write_text("@page course/two/n Lesson N\n@parent course/two 9\n@body\nNew.\n")
    site.apply(plan_rebuild({added}, site.config, site.files, site.sources, site.reads))
    html = written(site.output_files())["course/one/a.html"]
    assert 'href="../two/n.html">the new one</a>' in html
    assert_equals_full_build(site)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_page_added_in_the_preview_keeps_the_facts_its_name_leaves_true(
    tmp_path, monkeypatch, workers
):
    """A lesson added while the preview runs parses again the pages whose links its name
    changes, and only those: the others keep the facts the preview holds, not even read back
    from the cache. The site equals a full build."""
    from trustdocs import pages as pages_module
    from trustdocs.cache import CACHE_DIR, BuildCache

    pages = {
        "index.md": "@page course Course\n@body\nRead [course/a].\n",
        "a.md": "@page course/a Lesson A\n@parent course 1\n@body\nNo links here.\n",
        "b.md": "@page course/b Lesson B\n@parent course 2\n@body\nNext: [course/n].\n",
    }
    root = make_site(tmp_path, {f"course/{rel}": text for rel, text in pages.items()})
    site = LiveSite(load_config(root / "site.yaml"), BuildCache(root / CACHE_DIR))
    site.build(workers=workers, minimum=0)
    parsed, loaded = [], []
    parse, load = pages_module.ParsedPages.parse, pages_module.load

    def parse_spy(self, source):
        parsed.append(source.name)
        return parse(self, source)

    def load_spy(cache, kind, key, shape):
        loaded.append((kind, key))
        return load(cache, kind, key, shape)

    monkeypatch.setattr(pages_module.ParsedPages, "parse", parse_spy)
    monkeypatch.setattr(pages_module, "load", load_spy)
    added = root / "content" / "course" / "n.md"
    added.write_text("@page course/n Lesson N\n@parent course 3\n@body\nNew.\n")
    rebuild(site, added)
    assert sorted(parsed) == ["course/b", "course/n"]
    # Only the new page's facts were looked for in the cache.
    assert {key for kind, key in loaded if kind == "facts"} == {site.pages.keys["course/n"]}
    assert 'href="n.html"' in written(site.output_files())["course/b.html"]
    assert_equals_full_build(site)


def test_a_redirect_moved_to_another_page_updates_every_pages_map_of_old_addresses(site):
    """Every page maps each old address to the page it now sends to (a learner's progress
    follows a renamed lesson): moving `@redirect old-a` from one page to another changes it."""
    rebuild(
        site, edit(content(site, "a.md"), "@parent course 1", "@parent course 1\n@redirect old-a")
    )
    assert "course/a.html" in site.outputs["course"].rendered.html
    rendered = rebuild(
        site,
        edit(content(site, "a.md"), "@redirect old-a\n", ""),
        edit(content(site, "b.md"), "@parent course 2", "@parent course 2\n@redirect old-a"),
    )
    assert rendered == set(site.outputs)  # every page maps old addresses to pages
    assert "old-a.html course/b.html" in site.outputs["course"].rendered.html
    assert "../old-a.html b.html" in site.outputs["course/y"].rendered.html
    assert_equals_full_build(site)
