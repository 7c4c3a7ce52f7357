"""cache.py: a cached build equals an uncached one after every kind of edit, and bad entries are ignored."""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import itertools
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from conftest import make_site, write_files
from hypothesis import given, settings
from hypothesis import strategies as st

from trustdocs import cache as cache_module
from trustdocs.build import build_site
from trustdocs.cache import CACHE_DIR, ENTRY_SUFFIX, BuildCache, load, store
from trustdocs.config import load_config
from trustdocs.render import RenderedPage
from trustdocs.urls import ASSETS_DIR

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
        @page course/x Lesson X
        @parent course 3
        @body
        ## Details
        @sourceref ./example.js
        @highlight 1
        """,
    "example.js": "const answer = 42;\nconsole.log(answer);\n",
}


def digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def builds_agree(root: Path, tmp_path: Path, label: str) -> dict[str, int]:
    """Build with the cache and without; both must succeed and write the same bytes."""
    config = load_config(root / "site.yaml")
    cached = build_site(config, tmp_path / f"cached-{label}")
    fresh = build_site(config, tmp_path / f"fresh-{label}", use_cache=False)
    assert cached.written and fresh.written, [d.format() for d in cached.diagnostics]
    assert cached.diagnostics == fresh.diagnostics
    assert digest(tmp_path / f"cached-{label}") == digest(tmp_path / f"fresh-{label}")
    return {"entries": len(list((root / CACHE_DIR).glob(f"*/*/*{ENTRY_SUFFIX}")))}


def content(root: Path, rel: str) -> Path:
    return root / "content" / "course" / rel


EDITS = {
    "body": lambda r: edit(content(r, "b.md"), "See", "Now see"),
    "title": lambda r: edit(content(r, "x.md"), "Lesson X", "Lesson Ex"),
    "heading": lambda r: edit(content(r, "x.md"), "## Details", "## Details\n### Notes"),
    "description": lambda r: edit(content(r, "b.md"), "B in short.", "B, briefly."),
    "order": lambda r: edit(content(r, "b.md"), "@parent course 2", "@parent course 9"),
    "new page": lambda r: write_files(
        r / "content", {"course/n.md": "@page course/n New\n@parent course 4\n@body\nNew.\n"}
    ),
    "deleted page": lambda r: (
        content(r, "b.md").unlink() or edit(content(r, "index.md"), ", then [course/b]", "")
    ),
    "renamed file": lambda r: content(r, "a.md").rename(content(r, "first.md")),
    "theme edit": lambda r: write_files(
        r, {"themes/default/partials/sidebar.html": "<nav aria-label=Course>mine</nav>\n"}
    ),
    "config edit": lambda r: (r / "site.yaml").write_text("title: Renamed Course\n"),
    "exercise file": lambda r: edit(content(r, "example.js"), "42", "43"),
}


@pytest.mark.parametrize("kind", list(EDITS))
def test_a_cached_build_equals_an_uncached_one_after_each_edit(tmp_path, kind):
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    builds_agree(root, tmp_path, "before")
    EDITS[kind](root)
    builds_agree(root, tmp_path, "after")


def test_a_redirect_moved_to_another_page_is_followed_by_a_cached_build(tmp_path):
    """The home page maps each old address (`@redirect`) to the page it sends to: a cached
    build after the line moved to another page writes the new map, as an uncached one does."""
    pages = {f"course/{k}": v for k, v in PAGES.items()}
    pages["course/a.md"] = pages["course/a.md"].replace(
        "@parent course 1", "@parent course 1\n        @redirect old-a"
    )
    root = make_site(tmp_path / "site", pages)
    builds_agree(root, tmp_path, "before")
    edit(content(root, "a.md"), "@redirect old-a\n", "")
    edit(content(root, "b.md"), "@parent course 2", "@parent course 2\n@redirect old-a")
    builds_agree(root, tmp_path, "after")
    assert "old-a.html course/b.html" in (tmp_path / "cached-after" / "index.html").read_text()


def test_a_new_version_of_trustdocs_does_not_reuse_old_entries(tmp_path, monkeypatch):
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    builds_agree(root, tmp_path, "old")
    # A changed template in an output would be reused if the code fingerprint were ignored:
    # pretend the code changed, and check that nothing is found.
    cache_module.code_fingerprint.cache_clear()
    monkeypatch.setattr(cache_module, "FORMAT", cache_module.FORMAT + 1)
    cache = BuildCache(root / CACHE_DIR)
    from trustdocs.site import Site

    site = Site(load_config(root / "site.yaml"), cache)
    site.build()
    assert cache.hits == 0 and site.made.render_count == len(PAGES) - 1  # example.js is no page
    cache_module.code_fingerprint.cache_clear()


def test_a_warm_build_reuses_everything_and_renders_nothing(tmp_path):
    from trustdocs.site import Site

    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    builds_agree(root, tmp_path, "cold")
    cache = BuildCache(root / CACHE_DIR)
    site = Site(load_config(root / "site.yaml"), cache)
    site.build()
    assert site.made.render_count == 0 and cache.misses == 0
    edit(content(root, "b.md"), "See", "Now see")
    cache = BuildCache(root / CACHE_DIR)
    site = Site(load_config(root / "site.yaml"), cache)
    site.build()
    assert site.made.render_count == 1  # only b: nobody shows its body


def test_a_first_build_creates_two_cache_files_a_page(tmp_path):
    """Each page's facts, and its outputs with its HTML: one file each (a file costs more to
    create than its HTML costs to read), then a few shared entries (titles, templates, the
    highlighting styles)."""
    pages = {
        f"course/lesson-{n}.md": f"@page course/lesson-{n} Lesson {n}\n@parent course {n}\n@body\nText {n}.\n"
        for n in range(30)
    }
    pages["course/index.md"] = "@page course Course\n@body\nAll lessons.\n"
    root = make_site(tmp_path / "site", pages)
    assert build_site(load_config(root / "site.yaml"), tmp_path / "out").written
    entries = list((root / CACHE_DIR).glob(f"*/*/*{ENTRY_SUFFIX}"))
    assert len(pages) * 2 <= len(entries) <= len(pages) * 2 + 12


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),  # truncated
        lambda p: p.write_bytes(b"\x00\xff garbage"),
        lambda p: p.write_text(""),
        lambda p: p.write_bytes(p.read_bytes().replace(b"Lesson", b"Lessox")),  # sum mismatch
    ],
    ids=["truncated", "garbage", "empty", "altered"],
)
def test_a_damaged_entry_is_ignored_and_rebuilt(tmp_path, damage):
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    builds_agree(root, tmp_path, "first")
    for entry in (root / CACHE_DIR).glob(f"*/*/*{ENTRY_SUFFIX}"):
        damage(entry)
    builds_agree(root, tmp_path, "second")


def test_a_foreign_entry_with_a_valid_checksum_but_wrong_shape_is_not_trusted(tmp_path):
    """An entry with a valid hash for the right key, but of another shape: not used."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    builds_agree(root, tmp_path, "first")
    cache = BuildCache(root / CACHE_DIR)
    for entry in (root / CACHE_DIR).glob(f"page/*/*{ENTRY_SUFFIX}"):
        key = entry.stem
        store(cache, "page", key, {"outputs": {"rendered": {"html": "<p>owned</p>"}}, "shown": ""})
    builds_agree(root, tmp_path, "second")
    assert "owned" not in (tmp_path / "cached-second" / "index.html").read_text()


def test_an_entry_of_ours_renamed_to_another_key_is_not_trusted(tmp_path):
    """Entries made here, each moved to another's name with its header saying so (as someone who
    can write the cache folder, but has not the secret, may do): page B's HTML must not stand
    for page A's. Each entry's hash holds its kind and key, not only its value."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    builds_agree(root, tmp_path, "first")
    entries = sorted((root / CACHE_DIR).glob(f"page/*/*{ENTRY_SUFFIX}"))
    assert len(entries) >= 2
    held = [entry.read_bytes() for entry in entries]
    for entry, data in zip(entries, held[1:] + held[:1], strict=True):
        header, _, payload = data.partition(b"\n")
        fields = header.split(b" ")  # trustdocs-cache, format, kind, key, size, hashes
        assert fields[3] != entry.stem.encode()
        fields[3] = entry.stem.encode()
        entry.write_bytes(b" ".join(fields) + b"\n" + payload)
    builds_agree(root, tmp_path, "second")


def test_a_page_whose_kept_html_is_damaged_is_rendered_again_and_linked_pages_never_read_it(
    tmp_path, monkeypatch
):
    """A page's HTML is the second part of its entry, read only when the previous site's very
    file cannot be linked: a build into the same folder after an edit reads no page's HTML, and
    one into another folder, finding it damaged, renders the page again rather than write it."""
    monkeypatch.setattr("trustdocs.output_folder.RACY_NS", 0)  # pages settled once written
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    config = load_config(root / "site.yaml")
    assert build_site(config).written
    edit(content(root, "b.md"), "See", "Now see")
    assert build_site(config).written  # the build before made the pages as the next one does
    edit(content(root, "b.md"), "Now see", "Then see")
    read_whole = []
    original = BuildCache.get_both
    monkeypatch.setattr(
        BuildCache, "get_both", lambda self, *a: read_whole.append(a) or original(self, *a)
    )
    assert build_site(config).written
    assert [kind for kind, _ in read_whole if kind == "page"] == []
    monkeypatch.undo()
    damaged = 0
    for entry in (root / CACHE_DIR).glob(f"page/*/*{ENTRY_SUFFIX}"):
        header, _, payload = entry.read_bytes().partition(b"\n")
        size = int(header.split(b" ")[4])
        if b"Text of A." in payload[size:]:
            tail = payload[size:].replace(b"Text of A.", b"Text of Z.")
            entry.write_bytes(header + b"\n" + payload[:size] + tail)
            damaged += 1
    assert damaged
    builds_agree(root, tmp_path, "damaged")
    assert "Text of Z." not in (tmp_path / "cached-damaged" / "course" / "a.html").read_text()


def test_values_round_trip_and_entries_of_another_kind_or_version_are_refused(tmp_path):
    from trustdocs.diagnostics import error

    cache = BuildCache(tmp_path / CACHE_DIR)
    page = RenderedPage(
        "a", "a.html", "<p>", (error("p.md", 1, 2, "m"),), frozenset({("x", "title")})
    )
    store(cache, "page", "a" * 64, page)
    assert load(cache, "page", "a" * 64, RenderedPage) == page
    assert load(cache, "page", "a" * 64, str) is None  # another kind of value
    # A value of a trustdocs whose build values had another shape (a class that is gone).
    cache.put("page", "b" * 64, b"cno_such_module\nGone\n)\x81.")
    assert load(cache, "page", "b" * 64, RenderedPage) is None


def test_two_builds_at_once_sharing_a_cache_both_write_correct_sites(tmp_path):
    pages = {f"course/{k}": v for k, v in PAGES.items()}
    pages.update(
        {
            f"course/many{n}.md": f"@page course/many{n} Many {n}\n@parent course\n@body\n"
            + "Words here. " * 200
            for n in range(60)
        }
    )
    root = make_site(tmp_path / "site", pages)
    config = load_config(root / "site.yaml")
    results = {}

    def build(label: str) -> None:
        results[label] = build_site(config, tmp_path / label)

    threads = [threading.Thread(target=build, args=(f"out{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result.written for result in results.values())
    reference = build_site(config, tmp_path / "reference", use_cache=False)
    assert reference.written
    for label in results:
        assert digest(tmp_path / label) == digest(tmp_path / "reference")
    # and the cache they left behind gives the same site again
    assert build_site(config, tmp_path / "after").written
    assert digest(tmp_path / "after") == digest(tmp_path / "reference")


def test_unused_entries_are_pruned(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "PRUNE_GRACE_SECONDS", 0)
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    builds_agree(root, tmp_path, "first")
    before = {p.name for p in (root / CACHE_DIR).glob(f"*/*/*{ENTRY_SUFFIX}")}
    edit(content(root, "b.md"), "See", "Now see")
    import os
    import time

    old = time.time() - 5
    for entry in (root / CACHE_DIR).glob(f"*/*/*{ENTRY_SUFFIX}"):
        os.utime(entry, (old, old))
    build_site(load_config(root / "site.yaml"), tmp_path / "second")
    after = {p.name for p in (root / CACHE_DIR).glob(f"*/*/*{ENTRY_SUFFIX}")}
    assert after - before  # b's new entries
    assert before - after  # b's old entries went
    assert len(after) <= len(before) + 2


def test_a_prune_stamp_dated_in_the_future_does_not_stop_pruning(tmp_path):
    """A clock set back (or `touch -d '+1 day'`) left the stamp ahead of now: no build pruned
    until that day came, and the cache grew."""
    import os
    import time

    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    builds_agree(root, tmp_path, "first")
    unused = root / CACHE_DIR / "page" / "00" / ("0" * 64 + ENTRY_SUFFIX)
    unused.parent.mkdir(parents=True, exist_ok=True)
    unused.write_bytes(b"trustdocs-cache 3 page " + b"0" * 64 + b" 0 x y\n")
    long_ago, tomorrow = time.time() - 3600, time.time() + 86400
    os.utime(unused, (long_ago, long_ago))
    os.utime(root / CACHE_DIR / "last-pruned", (tomorrow, tomorrow))
    edit(content(root, "b.md"), "See", "Now see")
    build_site(load_config(root / "site.yaml"), tmp_path / "second")
    assert not unused.exists()


def test_a_page_name_defined_twice_then_once_shows_the_remaining_file(tmp_path):
    """Two files claim one page name (an error); once the first is deleted, the page is the second."""
    root = make_site(
        tmp_path / "site",
        {
            "index.md": "@page home Home\n@body\nSee [x].\n",
            "a.md": "@page x First\n@parent home\n@body\nThe first file's words.\n",
            "b.md": "@page x Second\n@parent home\n@body\nThe second file's words.\n",
        },
    )
    config = load_config(root / "site.yaml")
    assert not build_site(config, tmp_path / "failed").written  # duplicate page name
    (root / "content" / "a.md").unlink()
    builds_agree(root, tmp_path, "after")
    assert "second file" in (tmp_path / "cached-after" / "x.html").read_text()


def test_pruning_deletes_only_cache_entries_even_through_a_symlinked_cache_folder(
    tmp_path, monkeypatch
):
    """A cache folder that is a link (to the site itself, as a hostile repository may hold) must
    not make pruning delete the site's own old files."""
    monkeypatch.setattr(cache_module, "PRUNE_GRACE_SECONDS", 0)
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    data = root / "content" / "data" / "answers.json"
    data.parent.mkdir()
    data.write_text('{"answer": 42}\n')
    long_ago = time.time() - 3600
    os.utime(data, (long_ago, long_ago))
    (root / CACHE_DIR).symlink_to(root)
    assert build_site(load_config(root / "site.yaml"), tmp_path / "out").written
    assert data.read_text() == '{"answer": 42}\n'
    assert (tmp_path / "out" / "data" / "answers.json").is_file()


def test_a_cache_folder_that_links_to_a_folder_of_other_files_is_not_written_through(tmp_path):
    """`.trustdocs-cache -> /etc` in a repository would have a build (as root, on CI) write its
    entries there: a link is followed only to an empty folder or to a cache; otherwise the build
    goes on without a cache, says so, and writes nothing there."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    elsewhere = tmp_path / "etc"
    elsewhere.mkdir()
    (elsewhere / "passwd").write_text("root:x:0:0\n")
    (root / CACHE_DIR).symlink_to(elsewhere)
    config = load_config(root / "site.yaml")
    built = build_site(config, tmp_path / "out")
    assert built.written
    assert sorted(p.name for p in elsewhere.iterdir()) == ["passwd"]
    [said] = [d for d in built.diagnostics if CACHE_DIR in d.message]
    assert said.severity == "warning" and said.path.endswith("site.yaml")
    assert "no build cache" in said.message and "not cached" in said.message
    assert not build_site(config, tmp_path / "out", strict=True).written
    fresh = build_site(config, tmp_path / "fresh", use_cache=False)
    assert [d for d in fresh.diagnostics if CACHE_DIR in d.message] == []
    assert digest(tmp_path / "out") == digest(tmp_path / "fresh")


@pytest.mark.parametrize("leads_to", ["itself", "the site folder"])
def test_a_cache_folder_link_that_loops_or_leads_to_the_site_still_builds(tmp_path, leads_to):
    """`.trustdocs-cache -> .trustdocs-cache` (a loop) or `-> .` (the site folder, which holds
    the output): the link is not followed, so it neither fails the build ("symlink loop") nor
    makes the output "in the build cache's folder"; the site builds uncached, with a warning."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    (root / CACHE_DIR).symlink_to(CACHE_DIR if leads_to == "itself" else ".")
    built = build_site(load_config(root / "site.yaml"))
    assert built.written, [d.format() for d in built.diagnostics]
    assert [d.severity for d in built.diagnostics if CACHE_DIR in d.message] == ["warning"]
    assert (root / "site" / "index.html").is_file()


def test_a_cache_folder_that_links_to_an_empty_folder_keeps_the_cache_there(tmp_path):
    """A link to an empty folder (the cache put on a faster disk) is the user's choice: the
    cache lives there, and a second build finds nothing changed."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    faster = tmp_path / "ramdisk" / "cache"
    faster.mkdir(parents=True)
    (root / CACHE_DIR).symlink_to(faster)
    config = load_config(root / "site.yaml")
    first = build_site(config)
    assert first.written and not [d for d in first.diagnostics if CACHE_DIR in d.message]
    assert list(faster.glob(f"*/*/*{ENTRY_SUFFIX}"))
    assert build_site(config).unchanged


def test_a_file_in_place_of_the_cache_folder_is_said(tmp_path):
    """A file named .trustdocs-cache: the build works without a cache, and says why."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    (root / CACHE_DIR).write_text("notes\n")
    built = build_site(load_config(root / "site.yaml"))
    assert built.written
    assert any("is not a folder" in d.message for d in built.diagnostics)
    assert (root / CACHE_DIR).read_text() == "notes\n"


def test_an_exercise_file_that_is_a_link_follows_a_new_target(tmp_path):
    """`@sourceref ./current.js` where current.js links to a step's file: pointing the link at the
    next step shows the next step's code, as a build without the cache does."""
    root = make_site(
        tmp_path / "site",
        {
            "index.md": "@page home Home\n@body\n@sourceref ./current.js\n",
            "step1.js": "const step = 'one';\n",
            "step2.js": "const step = 'two';\n",
        },
    )
    link = root / "content" / "current.js"
    link.symlink_to("step1.js")
    builds_agree(root, tmp_path, "first")
    link.unlink()
    link.symlink_to("step2.js")
    builds_agree(root, tmp_path, "second")
    assert "two" in (tmp_path / "cached-second" / "index.html").read_text()


def test_a_copied_file_that_is_a_link_shows_its_targets_new_bytes(tmp_path):
    """A download in the content folder that links to a file elsewhere in the site: when that
    file changes, the next build copies its new bytes, as a build without the cache does; it kept
    the old copy ("nothing changed since the last build")."""
    root = make_site(tmp_path / "site", {"index.md": "@page home Home\n@body\nHello.\n"})
    write_files(root, {"shared/data.txt": "one\n"})
    (root / "content" / "data.txt").symlink_to("../shared/data.txt")
    out = tmp_path / "out"
    assert build_site(load_config(root / "site.yaml"), out).written
    (root / "shared" / "data.txt").write_text("two\n")
    again = build_site(load_config(root / "site.yaml"), out)
    assert again.written and not again.unchanged
    assert (out / "data.txt").read_text() == "two\n"


def test_pages_rendered_again_in_serve_do_not_poison_the_cache(tmp_path):
    """Serve retitles a page (every sidebar changes), then the edit is undone and the site built:
    no page may show the title that no longer exists."""
    from trustdocs.changes import plan_rebuild
    from trustdocs.site import LiveSite

    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    builds_agree(root, tmp_path, "before")
    config = load_config(root / "site.yaml")
    served = LiveSite(config, BuildCache(root / CACHE_DIR))
    served.build()
    lesson = content(root, "x.md")
    original = lesson.read_text()
    edit(lesson, "Lesson X", "Retitled While Serving")
    plan = plan_rebuild({lesson}, config, served.files, served.sources, served.reads)
    served.apply(plan)
    assert "Retitled While Serving" in served.outputs["course/b"].rendered.html
    lesson.write_text(original)
    builds_agree(root, tmp_path, "after")
    assert (
        "Retitled While Serving"
        not in (tmp_path / "cached-after" / "course" / "b.html").read_text()
    )


@pytest.mark.parametrize("dependency", ["snowballstemmer", "python", "markdown_it", "jinja2"])
def test_a_new_stemmer_or_python_does_not_reuse_old_entries(tmp_path, monkeypatch, dependency):
    """Cached search records hold stems, heading ids follow Python's Unicode tables, and pages
    are what markdown-it and Jinja make of them: a new stemmer, Python, or version of what renders
    must not mix old entries with new ones."""
    import sys

    from trustdocs.site import Site

    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    builds_agree(root, tmp_path, "old")
    cache_module.code_fingerprint.cache_clear()
    if dependency == "python":
        monkeypatch.setattr(sys, "version", sys.version + " (another build)")
    elif dependency in ("markdown_it", "jinja2"):
        installed = cache_module.package_code

        def upgraded(name: str, files) -> list[tuple[str, bytes | None]]:
            code = installed(name, files)
            assert code and all(text for _, text in code)  # found where it is installed
            if name != dependency:
                return code
            return [(file, (text or b"") + b'\n__version__ = "99.0"\n') for file, text in code]

        monkeypatch.setattr(cache_module, "package_code", upgraded)
    else:
        code = cache_module.stemmer_code()

        def newer() -> list[tuple[str, bytes | None]]:
            return [(name, (text or b"") + b"\n# a newer stemmer\n") for name, text in code]

        monkeypatch.setattr(cache_module, "stemmer_code", newer)
    found = []

    def get(self, kind, key, get=BuildCache.get):
        payload = get(self, kind, key)
        found.extend([kind] if payload is not None else [])
        return payload

    monkeypatch.setattr(BuildCache, "get", get)
    site = Site(load_config(root / "site.yaml"), BuildCache(root / CACHE_DIR))
    site.build()
    # Only the titles sidebars showed may be read again: names, under a key of their own.
    assert set(found) <= {"titles"}
    assert site.made.render_count == len(PAGES) - 1  # example.js is no page
    cache_module.code_fingerprint.cache_clear()


@pytest.mark.parametrize("special", ["fifo", "device"])
def test_a_directive_naming_a_fifo_or_a_device_does_not_hang_a_cached_build(tmp_path, special):
    """@sourceref refuses what is no regular file; keying the cache on it must not read it either
    (a FIFO without a writer blocks forever, /dev/zero never ends)."""
    import subprocess
    import sys

    root = make_site(
        tmp_path / "site",
        {"index.md": "@page home Home\n@body\n@sourceref ./special\n"},
        config="title: T\nsourceref_outside: true\n",
    )
    special_path = root / "content" / "special"
    if special == "fifo":
        os.mkfifo(special_path)
    else:
        special_path.symlink_to("/dev/zero")
    result = subprocess.run(
        [sys.executable, "-m", "trustdocs", "check"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "content/index.md:3:1: error: @sourceref file './special' is not a regular file" in (
        result.stderr
    )


@pytest.mark.parametrize("use_cache", [True, False], ids=["cached", "no-cache"])
def test_a_file_read_for_a_page_that_becomes_a_folder_is_reported_at_the_directive(
    trustdocs, tmp_path, use_cache
):
    """An exercise file replaced by a folder of that name is an error at its @sourceref line, as
    any file that is not a regular one, and the previous site stays; it crashed the next build
    (internal error) or was reported as a problem of the output folder."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    assert trustdocs(root, "build").code == 0
    before = digest(root / "site")
    example = content(root, "example.js")
    example.unlink()
    example.mkdir()
    again = trustdocs(root, "build", *([] if use_cache else ["--no-cache"]))
    assert again.code == 1, again.err
    assert (
        "content/course/x.md:5:1: error: @sourceref file './example.js' is not a regular file"
    ) in again.err
    assert "output folder" not in again.err
    assert digest(root / "site") == before


def test_an_entry_forged_elsewhere_is_not_trusted_even_in_the_right_shape(tmp_path):
    """Someone who can compute a page's key writes a well-formed entry with a plain checksum."""
    import hashlib

    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    builds_agree(root, tmp_path, "first")
    for entry in (root / CACHE_DIR).glob(f"page/*/*{ENTRY_SUFFIX}"):
        header, _, payload = entry.read_bytes().partition(b"\n")
        fields = header.split(b" ")  # trustdocs-cache, format, kind, key, size, hashes
        head, tail = payload[: int(fields[4])], payload[int(fields[4]) :]
        head, tail = (part.replace(b"Text of A.", b"Forged words.") for part in (head, tail))
        fields[4] = str(len(head)).encode()
        fields[5:] = [hashlib.sha256(part).hexdigest().encode() for part in (head, tail)]
        entry.write_bytes(b" ".join(fields) + b"\n" + head + tail)
    builds_agree(root, tmp_path, "second")
    assert "Forged" not in (tmp_path / "cached-second" / "course" / "a.html").read_text()


@pytest.mark.parametrize("forked", [False, True], ids=["here", "forked"])
@pytest.mark.parametrize("kind", list(EDITS))
def test_a_build_after_an_edit_into_the_same_folder_equals_a_fresh_one(
    tmp_path, monkeypatch, kind, forked
):
    """A build that finds the last build's output takes most pages from it and the cache; with
    few page files edited it loads them in this process, and renders in workers when many pages
    must be rendered again: the site equals a build from nothing."""
    from trustdocs import site as site_module
    from trustdocs import workers as workers_module

    if forked:  # two pages to render again are "many": they are made in workers
        monkeypatch.setattr(site_module, "PARALLEL_MINIMUM", 0)
        monkeypatch.setattr(workers_module, "worker_count", lambda: 2)  # build.py asks it there
    made_here: list[int] = []
    make_site_pages = site_module.make_site_pages

    def spy(*args):
        made, workers = make_site_pages(*args)
        made_here.append(workers)
        return made, workers

    monkeypatch.setattr(site_module, "make_site_pages", spy)
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    out = tmp_path / "out"
    assert build_site(load_config(root / "site.yaml"), out).written
    EDITS[kind](root)
    config = load_config(root / "site.yaml")
    again = build_site(config, out)
    fresh = build_site(config, tmp_path / "fresh", use_cache=False)
    assert again.written and again.diagnostics == fresh.diagnostics
    assert digest(out) == digest(tmp_path / "fresh")
    # Edits of page files, and page files that come or go, keep the last build's record: the
    # config or theme (part of every key) make a build like the first.
    loaded_here = kind not in {"theme edit", "config edit"}
    # A title, an order or a lesson that comes or goes shows in every sidebar: every page is
    # rendered again.
    every_page = kind in {"title", "order", "new page", "deleted page"}
    assert made_here == ([2 if forked and every_page else 0] if loaded_here else [])


@pytest.mark.parametrize("forked", [False, True], ids=["here", "forked"])
def test_a_warm_build_holds_no_html_of_the_pages_it_links_or_writes(tmp_path, monkeypatch, forked):
    """The cache keeps a page's HTML with its outputs; a build that writes the pages (or links
    the last site's files) hands the main process their outputs without it, as a large course
    would otherwise hold every page's HTML at once."""
    from trustdocs import build as build_module
    from trustdocs import site as site_module
    from trustdocs import workers as workers_module
    from trustdocs.outputs import SiteOutputs

    if forked:  # every page loaded in workers, as when many page files were edited
        monkeypatch.setattr(build_module, "FEW_EDITED", -1)
        monkeypatch.setattr(site_module, "PARALLEL_MINIMUM", 0)
        monkeypatch.setattr(workers_module, "worker_count", lambda: 2)  # build.py asks it there
    handed: list[str] = []
    add = SiteOutputs.add

    def spy(self, made, *args, **kwargs):
        handed.extend(o.rendered.output for o in made if o.rendered.html is not None)
        return add(self, made, *args, **kwargs)

    monkeypatch.setattr(SiteOutputs, "add", spy)
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    out = tmp_path / "out"
    assert build_site(load_config(root / "site.yaml"), out).written
    # The second time, the build before had made the pages as this one does: it links them.
    for old, new in [("See", "Now see"), ("Now see", "Then see")]:
        before = {p.name: p.stat().st_ino for p in out.glob("course/*.html")}
        edit(content(root, "b.md"), old, new)
        handed.clear()
        assert build_site(load_config(root / "site.yaml"), out).written
        after = {p.name: p.stat().st_ino for p in out.glob("course/*.html")}
        assert after["a.html"] == before["a.html"] and after["b.html"] != before["b.html"]
        assert handed == []


def test_an_exercise_file_rewritten_with_the_same_size_and_times_is_read_again(
    tmp_path, monkeypatch
):
    """A file read for a page is known by its contents: one rewritten in place with the same size
    and its modification time put back is read again, not taken for the file a build remembers."""
    monkeypatch.setattr(cache_module, "_SETTLED_NS", -1)  # remember every file's digest at once
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    example, out = content(root, "example.js"), tmp_path / "out"
    long_ago = time.time() - 3600
    os.utime(example, (long_ago, long_ago))
    assert build_site(load_config(root / "site.yaml"), out).written
    edit(example, "42", "43")
    os.utime(example, (long_ago, long_ago))
    assert build_site(load_config(root / "site.yaml"), out).written
    page = (out / "course" / "x.html").read_text()
    code = page[page.index("<pre") : page.index("</pre>")]
    assert "43" in code and "42" not in code


@pytest.mark.parametrize("directive", ["sourceref", "diff"])
def test_an_exercise_file_saved_while_a_build_reads_it_shows_its_new_text_next_build(
    tmp_path, monkeypatch, directive
):
    """A file saved after a directive read it and before the build ended: the next build shows
    its new text, as a build without the cache does; it kept the old text, 'nothing changed',
    until the file changed again."""
    from trustdocs.markdown import directives

    pages = {f"course/{k}": v for k, v in PAGES.items()}
    if directive == "diff":
        pages["course/before.js"] = "const answer = 41;\n"
        pages["course/x.md"] = pages["course/x.md"].replace(
            "@sourceref ./example.js", "@diff ./before.js ./example.js"
        )
    root = make_site(tmp_path / "site", pages)
    example, out = content(root, "example.js"), tmp_path / "out"
    read = directives._read_referenced

    def saved_meanwhile(relative, env, line, needle):
        text = read(relative, env, line, needle)
        if relative.endswith("example.js") and "answer" in example.read_text():
            example.write_text(example.read_text().replace("answer", "savedWhileBuilding"))
        return text

    monkeypatch.setattr(directives, "_read_referenced", saved_meanwhile)
    config = load_config(root / "site.yaml")
    assert build_site(config, out).written
    assert "savedWhileBuilding" not in (out / "course" / "x.html").read_text()
    monkeypatch.undo()
    again = build_site(config, out)
    fresh = build_site(config, tmp_path / "fresh", use_cache=False)
    assert again.written and again.diagnostics == fresh.diagnostics
    assert digest(out) == digest(tmp_path / "fresh")
    assert "savedWhileBuilding" in (out / "course" / "x.html").read_text()


def test_titles_many_pages_show_stay_in_the_cache_when_those_pages_are_rendered_again(
    tmp_path, monkeypatch
):
    """The titles a sidebar shows are kept once for the pages that show them: when every page is
    rendered again (a theme edit) showing the same titles, pruning the entries the build did not
    use keeps them, and the next build takes every page from the cache."""
    from trustdocs import workers

    monkeypatch.setattr(cache_module, "PRUNE_GRACE_SECONDS", 0)
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    out = tmp_path / "out"
    assert build_site(load_config(root / "site.yaml"), out).written
    long_ago = time.time() - 3600
    for entry in (root / CACHE_DIR).rglob("*"):
        os.utime(entry, (long_ago, long_ago))
    EDITS["theme edit"](root)
    assert build_site(load_config(root / "site.yaml"), out).written  # and prunes
    rendered = []
    render_outputs = workers.render_outputs
    monkeypatch.setattr(
        workers, "render_outputs", lambda *args: rendered.append(args) or render_outputs(*args)
    )
    shutil.rmtree(out)  # a build after this writes every page, from the cache
    assert build_site(load_config(root / "site.yaml"), out).written
    assert rendered == []


def _forked_and_parsed_again(monkeypatch) -> None:
    """Build in two workers that keep no page's tokens from parse to render, and send each
    page's outputs as soon as they are made."""
    from trustdocs import site as site_module
    from trustdocs import workers as workers_module

    monkeypatch.setattr(site_module, "PARALLEL_MINIMUM", 0)
    monkeypatch.setattr(workers_module, "worker_count", lambda: 2)  # build.py asks it there
    monkeypatch.setattr(workers_module, "ALL_HELD", 0)
    monkeypatch.setattr(workers_module, "HELD_PAGES", 0)
    monkeypatch.setattr(workers_module, "BATCH", 1)  # each page's outputs sent on their own


@pytest.mark.parametrize("use_cache", [True, False], ids=["cache", "no-cache"])
def test_pages_parsed_again_to_render_equal_pages_held_from_their_parse(
    tmp_path, monkeypatch, use_cache
):
    """Workers of a large site parse most pages again to render them, so that no worker holds
    every page's tokens: the site and its problems are those of a build that held them all."""
    pages = {f"course/{k}": v for k, v in PAGES.items()}
    pages["course/broken.md"] = (
        "@page course/broken Broken\n@parent course 5\n@body\nSee [course/nowhere].\n"
    )
    root = make_site(tmp_path / "site", pages)
    config = load_config(root / "site.yaml")
    held = build_site(config, tmp_path / "held", use_cache=False)
    _forked_and_parsed_again(monkeypatch)
    again = build_site(config, tmp_path / "again", use_cache=use_cache)
    assert again.written and again.diagnostics == held.diagnostics
    assert any("course/nowhere" in d.message for d in again.diagnostics)
    assert digest(tmp_path / "again") == digest(tmp_path / "held")


def test_a_file_changed_before_its_page_is_parsed_again_never_poisons_the_cache(
    tmp_path, monkeypatch
):
    """A page parsed again to render may read a newer exercise file than its facts were made
    from: its outputs are not kept under the older file's key, so putting the older file back
    shows its text again, not the newer one's."""
    from trustdocs.markdown import directives

    _forked_and_parsed_again(monkeypatch)
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    example, out = content(root, "example.js"), tmp_path / "out"
    original = example.read_text()
    read, reads = directives._read_referenced, []

    def saved_before_the_second_read(relative, env, line, needle):
        if relative.endswith("example.js"):
            reads.append(relative)
            if len(reads) == 2:  # the parse to render, in the same worker
                example.write_text(original.replace("answer", "savedMeanwhile"))
        return read(relative, env, line, needle)

    config = load_config(root / "site.yaml")
    with monkeypatch.context() as patch:
        patch.setattr(directives, "_read_referenced", saved_before_the_second_read)
        first = build_site(config, out)
    assert first.written
    (said,) = [d for d in first.diagnostics if "changed while this build read it" in d.message]
    assert (
        said.severity == "warning" and "example.js" in said.message and said.path.endswith("x.md")
    )
    assert build_site(config, out).written
    assert "savedMeanwhile" in (out / "course" / "x.html").read_text()
    example.write_text(original)
    again = build_site(config, out)
    fresh = build_site(config, tmp_path / "fresh", use_cache=False)
    assert again.written and again.diagnostics == fresh.diagnostics
    assert "savedMeanwhile" not in (out / "course" / "x.html").read_text()
    assert digest(out) == digest(tmp_path / "fresh")


@pytest.mark.parametrize("trouble", ["none", "no temporary file", "temporary folder full"])
def test_print_chapters_made_in_workers_come_back_whole_into_the_print_page(
    tmp_path, monkeypatch, trouble
):
    """Workers put their print chapters and search records in a temporary file that the print
    page and the search index are written from; without one, or with a full temporary folder, they
    come back in their message: the site is the same either way."""
    import pickle
    import tempfile

    from trustdocs import workers as workers_module

    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    config = load_config(root / "site.yaml")
    assert build_site(config, tmp_path / "here", use_cache=False).written
    _forked_and_parsed_again(monkeypatch)
    # The spool is made in the output being built, on its disk, not in the system's temporary
    # folder (which may be in memory).
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    if trouble == "no temporary file":

        def no_file(*args, **kwargs):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(tempfile, "TemporaryFile", no_file)
    elif trouble == "temporary folder full":

        def full(*args):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(workers_module.Spool, "_write", full)
    chapters, records = [], []
    collect = workers_module._collect_made

    def spy(workers, cache):
        result = collect(workers, cache)
        chapters.extend(o.chapter for o in result[0] if o.chapter is not None)
        records.extend(o.search_record for o in result[0] if o.search_record is not None)
        return result

    monkeypatch.setattr(workers_module, "_collect_made", spy)
    assert build_site(config, tmp_path / "forked", use_cache=False).written
    assert digest(tmp_path / "forked") == digest(tmp_path / "here")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forked", "here", "site"]
    spooled = [c for c in chapters if isinstance(c, workers_module.SpooledChapter)]
    assert len(spooled) == (len(chapters) if trouble == "none" else 0) and chapters
    for chapter in spooled:  # kept by this process (in the cache, say): whole, with its body
        kept = pickle.loads(pickle.dumps(chapter))
        assert type(kept) is dict and kept["body_html"] == chapter["body_html"]
    spooled = [r for r in records if isinstance(r, workers_module.SpooledRecord)]
    assert len(spooled) == (len(records) if trouble == "none" else 0) and records
    for record in spooled:
        kept = pickle.loads(pickle.dumps(record))
        assert type(kept) is dict and kept == dict(record) and kept["url"].endswith(".html")


def test_a_print_template_sees_plain_chapters_from_workers_too(tmp_path, monkeypatch):
    """A theme's print page may use its chapters as any mapping (JSON, items, lengths, string
    methods): chapters made in workers behave exactly as chapters made here."""
    template = (
        "{% for chapter in chapters %}{{ chapter|tojson }} {{ chapter.items()|list|length }}"
        " {{ chapter.body_html|length }} {{ chapter.body_html.split('<')|length }}\n"
        "{% endfor %}{{ chapters|length }} {{ (chapters|reverse|first).id }}\n"
    )
    pages = {f"course/{k}": v for k, v in PAGES.items()}
    root = make_site(tmp_path / "site", pages)
    write_files(root, {"themes/default/print.html": template})
    config = load_config(root / "site.yaml")
    here = build_site(config, tmp_path / "here", use_cache=False)
    assert here.written, [d.format() for d in here.diagnostics]
    _forked_and_parsed_again(monkeypatch)
    forked = build_site(config, tmp_path / "forked", use_cache=False)
    assert forked.written, [d.format() for d in forked.diagnostics]
    assert (tmp_path / "forked" / "print.html").read_text() == (
        tmp_path / "here" / "print.html"
    ).read_text()
    assert '"body_html": "' in (tmp_path / "forked" / "print.html").read_text()


@pytest.mark.parametrize("forked", [False, True], ids=["here", "workers"])
def test_a_print_template_may_use_all_its_chapters_as_json(tmp_path, monkeypatch, forked):
    """A theme's print page may hand every chapter to a script as JSON (`chapters|tojson`), as
    it could when chapters were a plain list: built here or in workers, the same list."""
    import json

    template = "<script>const chapters = {{ chapters|tojson }};</script>\n"
    pages = {f"course/{k}": v for k, v in PAGES.items()}
    root = make_site(tmp_path / "site", pages)
    write_files(root, {"themes/default/print.html": template})
    if forked:
        _forked_and_parsed_again(monkeypatch)
    built = build_site(load_config(root / "site.yaml"), tmp_path / "out", use_cache=False)
    assert built.written, [d.format() for d in built.diagnostics]
    text = (tmp_path / "out" / "print.html").read_text()
    shown = json.loads(text.removeprefix("<script>const chapters = ").split(";</script>")[0])
    assert [c["title"] for c in shown] == ["Course", "Lesson A", "Lesson B", "Lesson X"]
    assert ">answer<" in shown[3]["body_html"] and set(shown[0]) >= {"id", "depth"}


@pytest.mark.parametrize("loaded", ["workers", "on request"])
def test_the_preview_never_keeps_a_page_under_files_it_did_not_render_from(
    tmp_path, monkeypatch, loaded
):
    """The preview renders pages again after an edit elsewhere (a title every sidebar shows),
    parsing them anew: an exercise file saved meanwhile, not yet seen by the preview, must not
    end up in the cache under its older text, or a later build shows the newer code."""
    from trustdocs.cache import cache_folder
    from trustdocs.changes import plan_rebuild
    from trustdocs.site import LiveSite

    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    config = load_config(root / "site.yaml")
    site = LiveSite(config, cache_folder(config))
    site.build(workers=2, minimum=0, on_request_from=0 if loaded == "on request" else None)
    site.load_more(60)
    example, lesson = content(root, "example.js"), content(root, "a.md")
    original = example.read_text()
    example.write_text(original.replace("answer", "savedMeanwhile"))  # the preview has not seen it
    lesson.write_text(lesson.read_text().replace("Lesson A", "Lesson One"))
    site.apply(plan_rebuild({lesson}, config, site.files, site.sources, site.reads))
    site.page_on_request("course/x.html")  # opened in the browser now
    example.write_text(original)  # saved back before the preview saw either
    built = build_site(config, tmp_path / "out")
    fresh = build_site(config, tmp_path / "fresh", use_cache=False)
    assert built.written and fresh.written
    assert "savedMeanwhile" not in (tmp_path / "out" / "course" / "x.html").read_text()
    assert digest(tmp_path / "out") == digest(tmp_path / "fresh")


def test_a_print_template_showing_its_chapters_shows_them_as_a_list(tmp_path, monkeypatch):
    """A theme author looking at `{{ chapters }}` (debugging a print template) sees the list of
    chapters, as before, never an object's address that changes with every build."""
    template = "{{ chapters }}\n{{ chapters|list }}\n"
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    write_files(root, {"themes/default/print.html": template})
    _forked_and_parsed_again(monkeypatch)
    built = build_site(load_config(root / "site.yaml"), tmp_path / "out", use_cache=False)
    assert built.written, [d.format() for d in built.diagnostics]
    shown, listed = (tmp_path / "out" / "print.html").read_text().splitlines()
    assert shown == listed and "Lesson X" in shown


def test_a_print_template_sees_a_chapters_fields_in_the_same_order_from_workers(
    tmp_path, monkeypatch
):
    """A theme listing each chapter's fields in turn gets them in the same order however the site
    was built (a large course is built in workers, a small one is not)."""
    template = "{% for c in chapters %}{% for key, value in c.items() %}{{ key }} {% endfor %}\n{% endfor %}"
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    write_files(root, {"themes/default/print.html": template})
    config = load_config(root / "site.yaml")
    assert build_site(config, tmp_path / "here", use_cache=False).written
    _forked_and_parsed_again(monkeypatch)
    assert build_site(config, tmp_path / "forked", use_cache=False).written
    here = (tmp_path / "here" / "print.html").read_text()
    assert (tmp_path / "forked" / "print.html").read_text() == here
    assert here.startswith("id title depth description_html body_html checks id ")


def test_a_file_deleted_before_its_page_is_parsed_again_fails_the_build(tmp_path, monkeypatch):
    """A page parsed again to render whose exercise file was deleted in between would lose its
    code block without a word: the build reports the missing file and keeps the last site."""
    from trustdocs.markdown import directives

    _forked_and_parsed_again(monkeypatch)
    pages = {f"course/{k}": v for k, v in PAGES.items()}
    pages["course/x.md"] = pages["course/x.md"].replace("./example.js", "../../exercises/x.js")
    root = make_site(tmp_path / "site", pages)
    example, out = root / "exercises" / "x.js", tmp_path / "out"  # read, not copied
    write_files(root, {"exercises/x.js": "const answer = 42;\n"})
    config = load_config(root / "site.yaml")
    assert build_site(config, out).written
    before = digest(out)
    read, reads = directives._read_referenced, []

    def deleted_before_the_second_read(relative, env, line, needle):
        if relative.endswith("x.js"):
            reads.append(relative)
            if len(reads) == 2:
                example.unlink()
        return read(relative, env, line, needle)

    monkeypatch.setattr(directives, "_read_referenced", deleted_before_the_second_read)
    result = build_site(config, out, use_cache=False)  # every page parsed in the workers
    shown = [d.format() for d in result.diagnostics]
    assert not result.written and digest(out) == before, shown
    assert any(d.severity == "error" and "x.js" in d.format() for d in result.diagnostics), shown


def test_a_check_spools_into_the_cache_folder_not_the_system_temporary_folder(
    tmp_path, monkeypatch
):
    """A check writes no output: its workers' spools go in the site's cache folder, on the
    site's disk, rather than in a system temporary folder that may be held in memory."""
    import tempfile

    from trustdocs import workers as workers_module

    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    config = load_config(root / "site.yaml")
    assert build_site(config, tmp_path / "out").written  # the cache folder exists from now on
    _forked_and_parsed_again(monkeypatch)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    chapters = []
    collect = workers_module._collect_made

    def spy(workers, cache):
        result = collect(workers, cache)
        chapters.extend(o.chapter for o in result[0] if o.chapter is not None)
        return result

    monkeypatch.setattr(workers_module, "_collect_made", spy)
    checked = build_site(config, write=False, use_cache=True)
    assert not any(d.severity == "error" for d in checked.diagnostics)
    assert chapters and all(isinstance(c, workers_module.SpooledChapter) for c in chapters)


def test_a_build_keeps_the_titles_the_preview_needs_without_reading_them(tmp_path, monkeypatch):
    """A build takes pages from the cache without what they showed of others (only the preview's
    edits need it): it reads each set of titles a frame showed once, to see that they are still
    the same, and holds none; it keeps those entries from pruning: the preview started after it
    renders nothing again."""
    from trustdocs import render as render_module
    from trustdocs.site import LiveSite

    render_module._TITLES_LOADED.clear()

    monkeypatch.setattr(cache_module, "PRUNE_GRACE_SECONDS", 0)
    pages = {f"course/{k}": v for k, v in PAGES.items()}
    pages["course/part.md"] = "@page course/part Part Two\n@parent course 5\n@body\nTwo.\n"
    pages["course/deep.md"] = "@page course/part/deep Deep\n@parent course/part 1\n@body\nIn.\n"
    root = make_site(tmp_path / "site", pages)
    config = load_config(root / "site.yaml")
    assert build_site(config, tmp_path / "out").written
    long_ago = time.time() - 3600
    for entry in (root / CACHE_DIR).rglob("*"):
        os.utime(entry, (long_ago, long_ago))
    edit(content(root, "b.md"), "See", "Now see")
    loaded = []
    monkeypatch.setattr(
        cache_module.BuildCache,
        "get",
        lambda self, kind, key, get=cache_module.BuildCache.get: (
            loaded.append(kind) or get(self, kind, key)
        ),
    )
    assert build_site(config, tmp_path / "out").written  # and prunes what it did not use
    kept_titles = list((root / CACHE_DIR / "titles").glob(f"*/*{ENTRY_SUFFIX}"))
    assert 0 < loaded.count("titles") <= len(kept_titles)  # each set once at most
    assert not render_module._TITLES_LOADED
    served = LiveSite(config, BuildCache(root / CACHE_DIR))
    served.build()
    assert served.made.render_count == 0
    assert "titles" in loaded


def test_a_build_after_an_edit_to_a_large_site_holds_no_page_chapter_or_record(
    tmp_path, monkeypatch
):
    """Loaded in one process after a few edits, a site of more than SPOOLED_FROM pages puts their
    print chapters and search records in a spool as workers do: the site is the same."""
    from trustdocs import workers as workers_module

    monkeypatch.setattr(workers_module, "SPOOLED_FROM", 2)
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    config = load_config(root / "site.yaml")
    assert build_site(config, tmp_path / "out").written
    edit(content(root, "b.md"), "See", "Now see")
    # Records of the same addresses that other tests' sites still hold (a preview stopped in
    # this process) are not this build's.
    before = {id(x) for x in gc.get_objects() if type(x) is dict and "url" in x}
    made = []
    make_pages = workers_module.make_pages
    monkeypatch.setattr(
        workers_module, "make_pages", lambda *a: made.append(make_pages(*a)) or made[-1]
    )
    assert build_site(config, tmp_path / "out").written
    outputs = [o for result in made for o in result[0]]
    assert len(outputs) == len(PAGES) - 1  # one of them renders b again
    assert all(isinstance(o.chapter, workers_module.SpooledChapter) for o in outputs)
    assert all(isinstance(o.search_record, workers_module.SpooledRecord) for o in outputs)
    # Making the search index read every record back: none of them stayed in memory but the
    # spool's last (a large site's records would fill it).
    records = [o.search_record for o in outputs]
    # Its records, by address and title: a preview stopped in this process may still make
    # records of its own site (whose home page is index.html too) meanwhile.
    own = {record["url"]: record["title"] for record in records}
    loaded = [
        x
        for x in gc.get_objects()
        if type(x) is dict
        and isinstance(x.get("url"), str)
        and x["url"] in own
        and own[x["url"]] == x.get("title")
        and id(x) not in before
    ]
    assert len(loaded) <= 1
    assert build_site(config, tmp_path / "fresh", use_cache=False).written
    assert digest(tmp_path / "out") == digest(tmp_path / "fresh")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh", "out", "site"]


def urls(records: list) -> set[str]:
    """The addresses of search RECORDS."""
    return {record["url"] for record in records}


@pytest.mark.parametrize("forked", [False, True], ids=["here", "workers"])
def test_a_print_template_may_use_its_chapters_with_a_lists_operators(
    tmp_path, monkeypatch, forked
):
    """`chapters` was a list: a print template adding, repeating or comparing it still works."""
    template = (
        "{{ (chapters + chapters)|length }} {{ ([chapters[0]] + chapters)|length }}"
        " {{ (chapters * 2)|length }} {{ chapters == chapters|list }} {{ chapters == [] }}"
        " {{ (chapters + [{'title': 'Extra'}])|map(attribute='title')|list|last }}\n"
    )
    chapters = len(PAGES) - 1
    shown = _print_page_words(tmp_path, monkeypatch, template, forked)
    assert shown == [
        str(2 * chapters),
        str(chapters + 1),
        str(2 * chapters),
        "True",
        "False",
        "Extra",
    ]


def _print_page_words(tmp_path: Path, monkeypatch, template: str, forked: bool) -> list[str]:
    """The words of the print page that TEMPLATE makes of PAGES, built here or in workers."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    write_files(root, {"themes/default/print.html": template})
    if forked:
        _forked_and_parsed_again(monkeypatch)
    built = build_site(load_config(root / "site.yaml"), tmp_path / "out", use_cache=False)
    assert built.written, [d.format() for d in built.diagnostics]
    return (tmp_path / "out" / "print.html").read_text().split()


@pytest.mark.parametrize("forked", [False, True], ids=["here", "workers"])
def test_a_print_template_may_order_and_copy_its_chapters_as_a_list(tmp_path, monkeypatch, forked):
    """`chapters` was a list: comparing it in order with another list, or copying it, works as it
    did, from either side."""
    template = (
        "{{ chapters < [] }} {{ chapters > [] }} {{ chapters <= chapters|list }}"
        " {{ chapters >= chapters }} {{ [] < chapters }} {{ chapters.copy()|length }}\n"
    )
    shown = _print_page_words(tmp_path, monkeypatch, template, forked)
    assert shown == ["False", "True", "True", "True", "True", str(len(PAGES) - 1)]


def test_a_renderer_installed_without_its_sources_still_shows_its_version(tmp_path, monkeypatch):
    """The versions of what renders key the cache. Read from a package's `__init__.py` without
    importing it; a package installed as bytecode only is asked for its version instead."""
    import importlib
    import py_compile
    import sys

    def install(version: str) -> list[tuple[str, bytes | None]]:
        package = tmp_path / "bytecode_only"
        package.mkdir(exist_ok=True)
        source = package / "__init__.py"
        source.write_text(f'__version__ = "{version}"\n')
        py_compile.compile(str(source), cfile=str(package / "__init__.pyc"))
        source.unlink()
        sys.modules.pop("bytecode_only", None)
        importlib.invalidate_caches()
        return cache_module.package_code("bytecode_only", ("__init__.py",))

    monkeypatch.syspath_prepend(str(tmp_path))
    old, new = install("1.0"), install("2.0")
    assert ("version", b"1.0") in old and ("version", b"2.0") in new
    assert cache_module.package_code("no_such_package_here", ("__init__.py",))[-1] == (
        "version",
        None,
    )
    sys.modules.pop("bytecode_only", None)


def test_templates_compiled_once_are_taken_from_the_cache(tmp_path, monkeypatch):
    """Compiling the theme costs each build tens of milliseconds: a build takes its templates
    compiled from the cache, and compiles again only a template that changed."""
    import jinja2

    compiled: list[str] = []
    compile_template = jinja2.Environment.compile

    def counted(self, source, name=None, *args, **kwargs):
        compiled.append(name)
        return compile_template(self, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    config = load_config(root / "site.yaml")
    assert build_site(config, tmp_path / "out").written
    assert "page.html" in compiled and "print.html" in compiled
    compiled.clear()
    edit(content(root, "b.md"), "See", "Now see")  # b is rendered again
    assert build_site(config, tmp_path / "out").written
    assert compiled == []
    # The site's own template runs sandboxed: a sandbox compiles every template its own way, once.
    write_files(root, {"themes/default/partials/sidebar.html": "<nav aria-label=Course>x</nav>\n"})
    assert build_site(config, tmp_path / "out").written
    assert "page.html" in compiled and "partials/sidebar.html" in compiled
    compiled.clear()
    write_files(root, {"themes/default/partials/sidebar.html": "<nav aria-label=Course>y</nav>\n"})
    assert build_site(config, tmp_path / "out").written
    assert compiled == ["partials/sidebar.html"]
    assert build_site(config, tmp_path / "fresh", use_cache=False).written
    assert digest(tmp_path / "out") == digest(tmp_path / "fresh")


def test_pages_a_build_links_unread_stay_in_the_cache_for_the_preview(tmp_path, monkeypatch):
    """A build after an edit links unchanged pages to the previous site's files without reading
    their HTML from the cache; pruning must still keep that HTML, which a preview started next
    serves without rendering the pages again."""
    from trustdocs.site import LiveSite

    monkeypatch.setattr(cache_module, "PRUNE_GRACE_SECONDS", 0)
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    config = load_config(root / "site.yaml")
    assert build_site(config, tmp_path / "out").written
    edit(content(root, "b.md"), "See", "Now see")
    assert build_site(config, tmp_path / "out").written  # records each page's HTML digest
    long_ago = time.time() - 3600
    for entry in (root / CACHE_DIR).rglob("*"):
        os.utime(entry, (long_ago, long_ago))
    edit(content(root, "b.md"), "Now see", "See")
    assert build_site(config, tmp_path / "out").written  # links the others unread, and prunes
    served = LiveSite(config, BuildCache(root / CACHE_DIR))
    served.build()
    assert served.made.render_count == 0


STEP0 = "function step0%s(value) { return value * 0 + '%s'; }"


def _long_code(seed: str) -> str:
    """A JavaScript example long enough for its highlighting to be kept in the cache."""
    lines = [
        f"function step{n}{seed}(value) {{ return value * {n} + '{seed}'; }}" for n in range(30)
    ]
    return "\n".join(lines) + "\n"


def _lexing(monkeypatch) -> list[str]:
    """Each code block highlighted without an earlier build's lines from now on (its first
    line), as in a new trustdocs process."""
    from trustdocs.markdown import highlight

    lex = getattr(highlight._lexed_lines, "spied", highlight._lexed_lines)
    lex.cache_clear()
    highlight._GIVEN.clear()
    lexed: list[str] = []

    def counted(code: str, language: str) -> tuple[str, ...]:
        lexed.append(code.split("\n", 1)[0])
        return lex(code, language)

    counted.spied = lex  # type: ignore[attr-defined]
    monkeypatch.setattr(highlight, "_lexed_lines", counted)
    return lexed


def test_code_is_not_lexed_again_when_a_title_every_page_shows_changes(tmp_path, monkeypatch):
    """Renaming the course renders every page again (each sidebar shows the name); their code
    blocks are highlighted as the last build did, even for a page that build took from the cache
    and a prune in between, and the site equals an uncached build."""
    from trustdocs import workers

    monkeypatch.setattr(workers, "worker_count", lambda: 1)  # rendered here, where the spy is
    monkeypatch.setattr(cache_module, "PRUNE_GRACE_SECONDS", 0)
    pages = {f"course/{k}": textwrap.dedent(v).lstrip("\n") for k, v in PAGES.items()}
    pages["course/a.md"] += "\n```js\n" + _long_code("a") + "```\n"
    pages["course/b.md"] += "\n```js\n" + _long_code("b") + "```\n"
    root = make_site(tmp_path / "site", pages)
    config = load_config(root / "site.yaml")

    def build_lexing(label: str) -> list[str]:
        lexed = _lexing(monkeypatch)
        assert build_site(config, tmp_path / f"cached-{label}").written
        seen = list(lexed)
        builds_agree(root, tmp_path, label)  # and equal to an uncached build
        return seen

    firsts = {first for first in build_lexing("first") if first.startswith("function step")}
    assert firsts == {STEP0 % ("a", "a"), STEP0 % ("b", "b")}
    old = time.time() - 5  # every entry unused for a while, then a build after one edit
    for entry in (root / CACHE_DIR).glob(f"*/*/*{ENTRY_SUFFIX}"):
        os.utime(entry, (old, old))
    edit(content(root, "b.md"), "See", "Now see")
    assert STEP0 % ("b", "b") not in build_lexing("edited")

    edit(content(root, "index.md"), "@page course Course", "@page course The Course")
    lexed = build_lexing("renamed")
    shown = (tmp_path / "cached-renamed" / "course" / "a.html").read_text()
    assert "The Course" in shown and "step29" in shown
    assert [first for first in lexed if first.startswith("function step")] == []


def test_a_lesson_edited_again_and_again_lexes_its_short_code_once(tmp_path, monkeypatch):
    """A build after an edit renders the edited page in a new process, where lexing even a line
    of code first loads its language's lexer (longer than the rest of that page's render): the
    page's code is kept, whatever its size, and the next edit highlights it without lexing."""
    pages = {f"course/{k}": textwrap.dedent(v).lstrip("\n") for k, v in PAGES.items()}
    pages["course/b.md"] += "\n```js\nconst short = 1;\n```\n"
    root = make_site(tmp_path / "site", pages)
    config = load_config(root / "site.yaml")
    assert build_site(config).written
    lexed = []
    for old, new in [("See", "Now see"), ("Now see", "Then see"), ("Then see", "So see")]:
        edit(content(root, "b.md"), old, new)
        lexed = _lexing(monkeypatch)
        assert build_site(config).written
    assert lexed == []  # the last build: the edit before kept the code
    assert '<span class="kd">const</span>' in (root / "site/course/b.html").read_text()
    builds_agree(root, tmp_path, "edited")


def test_a_new_lesson_title_renders_again_only_the_pages_that_show_it(tmp_path, monkeypatch):
    """A lesson's title shows in the sidebars of its chapter's pages and beside its neighbours:
    a build after it changes renders those pages again, and no other, and equals an uncached
    build."""
    pages = _two_chapters()
    pages["two/3.md"] += "\nSee [course/one/l2] first.\n"  # shows that title in its body
    root = make_site(tmp_path / "site", pages)
    config = load_config(root / "site.yaml")
    assert build_site(config, tmp_path / "out").written
    assert build_site(config, tmp_path / "elsewhere").written

    rendered = _rendering(monkeypatch)
    edit(root / "content" / "one" / "2.md", "Lesson one 2", "Lesson one 2, renamed")
    fresh = build_site(config, tmp_path / "fresh", use_cache=False)
    # Chapter one's pages show it in their sidebars, lessons 1 and 3 as previous and next,
    # lesson two 3 in its text, and the course page lists every lesson's title (for its
    # "continue where you left off"); chapter two's other pages show none of it.
    showing = ["course", "course/one", "course/one/l1", "course/one/l2", "course/one/l3"]
    showing += ["course/two/l3"]
    # Into the last build's folder, then into another, where the cache has them all by now.
    for folder, made in (("out", showing), ("elsewhere", [])):
        rendered.clear()
        again = build_site(config, tmp_path / folder)
        assert again.written and again.diagnostics == fresh.diagnostics
        assert digest(tmp_path / folder) == digest(tmp_path / "fresh")
        assert sorted(rendered) == made


def _an_edit_renders_its_page_alone(root: Path, config, tmp_path: Path, monkeypatch) -> None:
    """An edit of course/b renders that page alone, and the build equals one without cache."""
    rendered = _rendering(monkeypatch)
    edit(content(root, "b.md"), "See", "Now see")
    assert build_site(config, tmp_path / "out").written
    assert rendered == ["course/b"]
    builds_agree(root, tmp_path, "edited")


def _rendering(monkeypatch) -> list[str]:
    """The names of the pages rendered from now on (not taken from the cache), in this process;
    the titles read from the cache so far forgotten, as in a new trustdocs process."""
    from trustdocs import render as render_module
    from trustdocs import workers

    monkeypatch.setattr(workers, "worker_count", lambda: 1)  # rendered here, where the spy is
    monkeypatch.setattr(render_module, "_TITLES_LOADED", {})
    rendered: list[str] = []
    render = render_module.render_page

    def spy(page, *args):
        rendered.append(page.source.name)
        return render(page, *args)

    monkeypatch.setattr(render_module, "render_page", spy)
    return rendered


def test_titles_lost_from_the_cache_render_the_pages_again_in_one_build_only(tmp_path, monkeypatch):
    """With the entries of the titles sidebars showed deleted (by hand, or by a prune), the next
    build renders every page again and keeps them; the build after an edit renders only the page
    edited, and equals an uncached build."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    config = load_config(root / "site.yaml")
    assert build_site(config, tmp_path / "out").written
    shutil.rmtree(root / CACHE_DIR / "titles")
    rendered = _rendering(monkeypatch)
    assert build_site(config, tmp_path / "elsewhere").written
    assert len(rendered) == len(PAGES) - 1  # example.js is no page
    _an_edit_renders_its_page_alone(root, config, tmp_path, monkeypatch)


def test_a_preview_rebuilding_everything_keeps_the_titles_in_the_cache(tmp_path, monkeypatch):
    """A preview that rebuilds everything again (site.yaml saved) takes each page from the cache
    with the titles its sidebar showed, read when the preview started; pruning after that keeps
    those titles, and a build next renders no page again."""
    from trustdocs.site import LiveSite

    monkeypatch.setattr(cache_module, "PRUNE_GRACE_SECONDS", 0)
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    config = load_config(root / "site.yaml")
    assert build_site(config, tmp_path / "out").written
    LiveSite(config, BuildCache(root / CACHE_DIR)).build()  # the preview starts
    long_ago = time.time() - 3600
    for entry in (root / CACHE_DIR).rglob("*"):
        os.utime(entry, (long_ago, long_ago))
    cache = BuildCache(root / CACHE_DIR)
    LiveSite(config, cache).build()  # site.yaml saved: everything again, from the cache
    cache.prune()
    rendered = _rendering(monkeypatch)
    assert build_site(config, tmp_path / "elsewhere").written
    assert rendered == []


def _entries(root: Path, kind: str) -> list[Path]:
    return sorted((root / CACHE_DIR / kind).glob(f"*/*{ENTRY_SUFFIX}"))


# Runs a build and prints the largest memory (KiB) it held: the build's own process, alone.
PEAK_MEMORY = (
    "import resource, subprocess, sys; "
    "code = subprocess.run([sys.executable, '-m', 'trustdocs', 'build']).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)"
)


@pytest.mark.parametrize(
    "planted", ["link to /dev/zero", "fifo", "huge file", "file of zeros under the limit"]
)
def test_a_cache_entry_that_never_ends_or_never_answers_is_only_a_miss(tmp_path, planted):
    """A cache restored in CI or committed with a repository may hold anything at an entry's name:
    reading a link to /dev/zero never ended, opening a FIFO waited for a writer forever, and a
    large file that is no entry was read whole into memory."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    build = [sys.executable, "-c", PEAK_MEMORY]
    assert subprocess.run(build, cwd=root, capture_output=True, timeout=120).returncode == 0
    (root / "content" / "course" / "b.md").write_text(PAGES["b.md"] + "More text.\n")
    planted_at = [*_entries(root, "record"), _entries(root, "page")[0], _entries(root, "facts")[0]]
    for path in planted_at:
        path.unlink()
        if planted == "fifo":
            os.mkfifo(path)
        elif planted == "huge file":
            with path.open("wb") as sparse:
                sparse.truncate(cache_module.MAX_ENTRY_BYTES + 1)
        elif planted == "file of zeros under the limit":
            with path.open("wb") as sparse:
                sparse.truncate(cache_module.MAX_ENTRY_BYTES - 1)
        else:
            path.symlink_to("/dev/zero")
    done = subprocess.run(build, cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) * 1024 < cache_module.MAX_ENTRY_BYTES / 2
    fresh = build_site(load_config(root / "site.yaml"), tmp_path / "fresh", use_cache=False)
    assert fresh.written
    assert digest(root / "site") == digest(tmp_path / "fresh")


def test_the_cache_never_writes_through_a_link_put_in_place_of_its_files(tmp_path, monkeypatch):
    """Links in a cache folder that came from elsewhere, in place of its README, its pruning
    stamp or a kind's folder, would make a build create files outside the cache."""
    monkeypatch.setattr(cache_module, "PRUNE_GRACE_SECONDS", 0)
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    outside = tmp_path / "outside"
    (outside / "pages").mkdir(parents=True)
    cache = root / CACHE_DIR
    cache.mkdir()
    (cache / "README.txt").symlink_to(outside / "readme")
    (cache / "last-pruned").symlink_to(outside / "stamp")
    long_ago = time.time() - 3600
    os.utime(cache / "last-pruned", (long_ago, long_ago), follow_symlinks=False)
    (cache / "page").symlink_to(outside / "pages")
    config = load_config(root / "site.yaml")
    assert build_site(config, tmp_path / "out").written
    assert sorted(p.name for p in outside.rglob("*")) == ["pages"]
    fresh = build_site(config, tmp_path / "fresh", use_cache=False)
    assert fresh.written and digest(tmp_path / "out") == digest(tmp_path / "fresh")
    assert build_site(config, tmp_path / "again").written  # the other kinds still serve it
    assert digest(tmp_path / "again") == digest(tmp_path / "fresh")


PLUGIN_LEXER = """
from pygments.lexer import RegexLexer
from pygments.token import Keyword, Text


class ShoutLexer(RegexLexer):
    name = "Shout"
    aliases = ["shout"]
    tokens = {"root": [(r"\\bSHOUT\\b", Keyword), (r"\\s+", Text), (r".", Text)]}
"""


def test_a_pygments_plugin_installed_since_the_last_build_highlights_its_language(tmp_path):
    """A lexer plugin makes a language that was plain text highlighted: the cache keyed by the
    versions of four packages kept the plain pages, and said that nothing had changed."""
    pages = {"index.md": "@page course Course\n@body\n```shout\nSHOUT hello\n```\n"}
    root = make_site(tmp_path / "site", pages)
    plugins = tmp_path / "plugins"
    write_files(
        plugins,
        {
            "shout_lexer.py": PLUGIN_LEXER,
            "shout_lexer-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: shout-lexer\n"
            "Version: 1.0\n",
            "shout_lexer-1.0.dist-info/entry_points.txt": "[pygments.lexers]\n"
            "shout = shout_lexer:ShoutLexer\n",
        },
    )

    def build(*args: str, plugin: bool) -> str:
        env = {**os.environ, "PYTHONPATH": str(plugins)} if plugin else dict(os.environ)
        if not plugin:
            env.pop("PYTHONPATH", None)
        command = [sys.executable, "-m", "trustdocs", "build", *args]
        done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stderr

    build(plugin=False)
    assert '<span class="k">SHOUT</span>' not in (root / "site" / "index.html").read_text()
    assert "nothing changed" not in build(plugin=True)
    cached = (root / "site" / "index.html").read_text()
    assert '<span class="k">SHOUT</span>' in cached
    build("--no-cache", "--output", str(tmp_path / "fresh"), plugin=True)
    assert digest(root / "site") == digest(tmp_path / "fresh")


@pytest.mark.parametrize("linked", ["kind folder", "entry folder"])
def test_pruning_never_deletes_through_a_link_put_in_place_of_a_folder_of_the_cache(
    tmp_path, linked
):
    """A link in place of a kind's folder or of an entry folder (in a cache that came from
    elsewhere) led pruning to the files where it pointed: those named as entries, or as the cache's
    temporary files, were deleted there."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    assert build_site(load_config(root / "site.yaml"), tmp_path / "out").written
    cache = root / CACHE_DIR
    elsewhere = tmp_path / "elsewhere"
    key = "ab" + "0" * 62
    write_files(
        elsewhere / "ab",
        {f"{key}{ENTRY_SUFFIX}": "trustdocs-cache 2 page\n", ".entry-1-1-0": "not the cache's"},
    )
    shutil.rmtree(cache / "page")
    if linked == "kind folder":
        (cache / "page").symlink_to(elsewhere)
    else:
        (cache / "page").mkdir()
        (cache / "page" / "ab").symlink_to(elsewhere / "ab")
    long_ago = time.time() - 3600
    for path in [*elsewhere.rglob("*"), *cache.rglob("*")]:
        os.utime(path, (long_ago, long_ago), follow_symlinks=False)
    assert BuildCache(cache).prune() > 0  # the cache's own old entries
    assert sorted(p.name for p in (elsewhere / "ab").iterdir()) == [".entry-1-1-0", f"{key}.entry"]


@pytest.mark.parametrize("found", ["link to /dev/zero", "fifo", "entry of another secret"])
def test_titles_entries_that_cannot_be_read_are_kept_anew(tmp_path, monkeypatch, found):
    """Where the titles sidebars showed are kept, an entry that cannot be read (a link, a FIFO, or
    an entry made with another secret: the user's cache folder was emptied) was never written
    again, as something was there: every build after rendered again each page that showed them."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    config = load_config(root / "site.yaml")
    assert build_site(config, tmp_path / "out").written
    if found == "entry of another secret":
        monkeypatch.setattr(cache_module, "_secret", lambda: b"another user's secret".ljust(32))
    for entry in _entries(root, "titles"):
        if found != "entry of another secret":
            entry.unlink()
        if found == "fifo":
            os.mkfifo(entry)
        elif found == "link to /dev/zero":
            entry.symlink_to("/dev/zero")
    _rendering(monkeypatch)  # as in a new trustdocs process: no titles read yet
    assert build_site(config, tmp_path / "elsewhere").written
    _an_edit_renders_its_page_alone(root, config, tmp_path, monkeypatch)


def test_the_distributions_installed_are_listed_whatever_python_s_path_holds(tmp_path, monkeypatch):
    """Python's path may hold what its imports pass over (bytes), files (a zip), FIFOs and folders
    that are gone: the site's key lists the distributions of its folders, and never fails."""
    plugins = tmp_path / "plugins"
    (plugins / "shout_lexer-1.0.dist-info").mkdir(parents=True)
    os.mkfifo(plugins / "fifo.dist-info")
    (tmp_path / "lib.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    os.mkfifo(tmp_path / "fifo")
    path = [plugins, tmp_path / "lib.zip", tmp_path / "fifo", tmp_path / "gone"]
    monkeypatch.setattr(sys, "path", [*map(str, path), os.fsencode(tmp_path)])
    assert cache_module.installed_distributions() == ["fifo.dist-info", "shout_lexer-1.0.dist-info"]


def test_reading_an_entry_takes_the_memory_of_its_size_not_of_the_largest_allowed(tmp_path):
    """Each entry read reserved room for the largest entry allowed (256 MB), then gave it back:
    a build after one edit spent a fifth more time, most of it in the system."""
    cache = BuildCache(tmp_path / CACHE_DIR)
    store(cache, "facts", "ab" * 32, {"text": "x" * 10_000})
    tracemalloc.start()
    try:
        assert load(cache, "facts", "ab" * 32, dict) == {"text": "x" * 10_000}
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_a_template_in_a_linked_folder_of_the_theme_is_part_of_the_key(tmp_path):
    """A site's theme may link a folder of templates shared with other courses (outside the site:
    allowed by `sourceref_outside`): the templates there render the pages as any other, and an
    edit to one makes every page again."""
    pages = {f"course/{k}": v for k, v in PAGES.items()}
    root = make_site(tmp_path / "site", pages, "title: Test Course\nsourceref_outside: true\n")
    write_files(tmp_path / "shared", {"sidebar.html": "<nav aria-label=Course>first</nav>\n"})
    (root / "themes" / "default").mkdir(parents=True)
    (root / "themes" / "default" / "partials").symlink_to(tmp_path / "shared")
    out = tmp_path / "out"
    assert build_site(load_config(root / "site.yaml"), out).written
    edit(tmp_path / "shared" / "sidebar.html", "first", "second")
    builds_agree(root, tmp_path, "after")
    assert build_site(load_config(root / "site.yaml"), out).written
    assert "second" in (out / "course" / "a.html").read_text()


def test_a_template_error_names_the_template_as_the_working_folder_shows_it(
    tmp_path, tmp_path_factory, monkeypatch
):
    """A template error names the template relative to the working folder when it is inside it.
    A build run from the theme folder (where its author edits templates), after one run from
    elsewhere, names it so too, rather than as the pages kept in the cache had it."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    write_files(root, {"themes/default/page.html": "{{ page.title }} {{ 1 // 0 }}\n"})
    config = load_config(root / "site.yaml")
    # From elsewhere, the pages are named by their full paths, as they are from the theme folder.
    for here in [tmp_path_factory.mktemp("elsewhere"), root / "themes" / "default"]:
        monkeypatch.chdir(here)
        cached = build_site(config, tmp_path / "cached")
        fresh = build_site(config, tmp_path / "fresh", use_cache=False)
        assert cached.diagnostics == fresh.diagnostics
    assert [d.path for d in cached.diagnostics if "ZeroDivisionError" in d.message] == ["page.html"]


def test_an_asset_in_a_linked_folder_of_the_theme_is_published(tmp_path):
    """Assets are found through a theme's linked folders, as its templates are."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    write_files(root / "brand", {"brand.css": "body { color: teal }\n"})
    (root / "themes" / "default" / "assets").mkdir(parents=True)
    (root / "themes" / "default" / "assets" / "shared").symlink_to(root / "brand")
    out = tmp_path / "out"
    build_site(load_config(root / "site.yaml"), out)
    assert (out / ASSETS_DIR / "shared" / "brand.css").read_text() == "body { color: teal }\n"


def test_a_huge_file_in_the_theme_is_keyed_without_being_held_in_memory(tmp_path):
    """A theme may hold (or link to) a file of any size: keying the site reads it in pieces."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    (root / "themes" / "default").mkdir(parents=True)
    with open(root / "themes" / "default" / "video.bin", "wb") as huge:
        huge.truncate(300_000_000)  # sparse: no disk used
    config = load_config(root / "site.yaml")
    tracemalloc.start()
    try:
        cache_module.site_fingerprint(config)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000


@pytest.mark.parametrize("linked", ["kind folders", "entry folders"])
def test_a_build_never_sets_times_through_a_link_put_in_place_of_a_folder_of_the_cache(
    tmp_path, linked
):
    """Entries a build uses have their times set (pruning keeps them): through a link in place of
    a kind's folder or an entry folder, that set the times of files outside the cache."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    config = load_config(root / "site.yaml")
    assert build_site(config, tmp_path / "out").written
    cache, outside = root / CACHE_DIR, tmp_path / "outside"
    for kind in [p for p in cache.iterdir() if p.is_dir()]:
        folders = [kind] if linked == "kind folders" else list(kind.iterdir())
        for folder in folders:
            moved = outside / folder.relative_to(cache)
            moved.parent.mkdir(parents=True, exist_ok=True)
            folder.rename(moved)
            folder.symlink_to(moved, target_is_directory=True)
    long_ago = time.time() - 3600
    for path in outside.rglob("*"):
        os.utime(path, (long_ago, long_ago))
    assert build_site(config, tmp_path / "again").written
    assert [p for p in outside.rglob("*") if p.stat().st_mtime > long_ago + 1] == []
    assert build_site(config, tmp_path / "fresh", use_cache=False).written
    assert digest(tmp_path / "again") == digest(tmp_path / "fresh")


def test_a_huge_asset_is_versioned_without_being_held_in_memory(tmp_path):
    """An asset's version (its address's `?v=`) is the hash of its bytes, read in pieces."""
    from trustdocs.render import Theme

    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    (root / "themes" / "default" / "assets").mkdir(parents=True)
    with open(root / "themes" / "default" / "assets" / "video.bin", "wb") as huge:
        huge.truncate(300_000_000)  # sparse: no disk used
    theme = Theme(root / "themes" / "default")
    tracemalloc.start()
    try:
        versions = theme._versions
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    zeros = hashlib.sha256()
    for _ in range(300):
        zeros.update(bytes(1_000_000))
    assert versions["video.bin"] == "?v=" + zeros.hexdigest()[:12]
    assert peak < 20_000_000


def test_a_template_link_pointed_out_of_the_site_is_refused_by_a_build_with_a_warm_cache(tmp_path):
    """A theme's link retargeted from a folder in the site to one outside it, whose file holds the
    same text: the cached build refuses it as a build without the cache does, not reuse the pages
    the link made while it led inside."""
    pages = {f"course/{k}": v for k, v in PAGES.items()}
    root = make_site(tmp_path / "site", pages)
    for folder in (root / "shared", tmp_path / "outside"):
        write_files(folder, {"sidebar.html": "<nav aria-label=Course>same</nav>\n"})
    (root / "themes" / "default").mkdir(parents=True)
    link = root / "themes" / "default" / "partials"
    link.symlink_to(root / "shared")
    config = load_config(root / "site.yaml")
    assert build_site(config, tmp_path / "out").written
    link.unlink()
    link.symlink_to(tmp_path / "outside")
    cached = build_site(config, tmp_path / "cached")
    fresh = build_site(config, tmp_path / "fresh", use_cache=False)
    assert not fresh.written
    assert [d.format() for d in cached.diagnostics] == [d.format() for d in fresh.diagnostics]
    assert not cached.written


def test_a_theme_file_linked_out_of_the_site_is_keyed_unread(tmp_path, monkeypatch):
    """A theme's link out of the site is refused, whatever it leads to: keying the site does not
    read it (a 10 GB file there was hashed whole at every build before the error)."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    write_files(tmp_path / "outside", {"big.bin": "x" * 1000})
    (root / "themes" / "default" / "assets").mkdir(parents=True)
    (root / "themes" / "default" / "assets" / "big.bin").symlink_to(tmp_path / "outside/big.bin")
    read: list[str] = []
    whole = cache_module.file_digest
    monkeypatch.setattr(cache_module, "file_digest", lambda p, *a: read.append(str(p)) or whole(p))
    cache_module.site_fingerprint(load_config(root / "site.yaml"))
    assert read and not [p for p in read if p.endswith("big.bin")]


def test_a_folder_linked_twice_in_the_theme_assets_is_published_under_both_names(tmp_path):
    """Two links in assets/ to one folder (fonts shared by two vendor folders): each name a
    template may ask for is published, whichever of them the folder listing gives first."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    write_files(root / "shared", {"a.woff": "font\n"})
    assets = root / "themes" / "default" / "assets"
    (assets / "vendor").mkdir(parents=True)
    (assets / "fonts").symlink_to(root / "shared")
    (assets / "vendor" / "fonts").symlink_to(root / "shared")
    (assets / "vendor" / "loop").symlink_to(assets)  # a link back up still ends
    out = tmp_path / "out"
    build_site(load_config(root / "site.yaml"), out)
    assert (out / ASSETS_DIR / "fonts" / "a.woff").read_text() == "font\n"
    assert (out / ASSETS_DIR / "vendor" / "fonts" / "a.woff").read_text() == "font\n"


def test_links_that_branch_again_and_again_keep_the_theme_listing_bounded(tmp_path):
    """Each folder links the next one twice, twenty deep: a million paths to one file. Each
    folder is walked once, and each other name lists what was found there: a few dozen files."""
    levels = [tmp_path / f"d{i}" for i in range(21)]
    for level in levels:
        level.mkdir()
    write_files(levels[-1], {"f.css": "x\n"})
    for here, there in itertools.pairwise(levels):
        (here / "x").symlink_to(there)
        (here / "y").symlink_to(there)
    listed = cache_module.files_under(levels[0])
    assert 2 <= len(listed) <= 100
    assert {path.relative_to(levels[0]).parts[0] for path in listed} == {"x", "y"}


@pytest.mark.parametrize("left", ["empty", "cut short"])
def test_a_secret_left_unfinished_is_made_anew_once_not_by_every_build(tmp_path, monkeypatch, left):
    """A build killed while it wrote the user's first secret (or a full disk then) left the file
    too short to use: each build after made a secret of its own that no later build could share,
    so no build ever reused another's entries, nor found nothing changed."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    path = tmp_path / "home-cache" / "trustdocs" / "cache-secret"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"" if left == "empty" else b"\x01" * 10)
    first = cache_module._secret.__wrapped__()  # a build
    second = cache_module._secret.__wrapped__()  # the next one, another process
    assert first == second and len(first) >= 32
    assert path.read_bytes() == first
    assert [p.name for p in path.parent.iterdir()] == ["cache-secret"]  # nothing else left


def test_a_relative_xdg_cache_home_is_ignored_not_put_in_the_site(tmp_path, monkeypatch):
    """`XDG_CACHE_HOME=cache` run in a site's folder wrote the secret into the site, and the
    next build published it; the XDG spec has a relative path ignored: `~/.cache` it is."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", "cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    cache_module._secret.__wrapped__()
    assert not (tmp_path / "cache").exists()
    assert (tmp_path / "home" / ".cache" / "trustdocs" / "cache-secret").is_file()


@pytest.mark.parametrize("kind", ["fifo", "link to /dev/zero"])
def test_a_secret_that_is_no_regular_file_neither_hangs_nor_is_replaced(tmp_path, kind):
    """The secret's place holding a FIFO (which would never answer) or a link to /dev/zero
    (which would never end): a build goes on with a secret of its own, in a moment, and leaves
    what is there as it is (trustdocs did not make it)."""
    path = tmp_path / "home-cache" / "trustdocs" / "cache-secret"
    path.parent.mkdir(parents=True)
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    program = (
        "from trustdocs import cache\n"
        "first, second = cache._secret.__wrapped__(), cache._secret.__wrapped__()\n"
        "assert len(first) >= 32 and len(second) >= 32\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "home-cache")}
    # In a process of its own, with a bound: before, it waited for ever, or filled memory.
    done = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert path.is_fifo() if kind == "fifo" else os.readlink(path) == "/dev/zero"


def test_a_file_read_back_up_through_a_folder_link_follows_the_link_pointed_elsewhere(tmp_path):
    """A lesson folder that is a link to one course's lessons reads `../exercises/ex.js` beside
    them. Pointed at another course's lessons (the same page file, other exercises), the next
    build shows the other exercise, as a build without the cache does: it found "nothing
    changed since the last build" and kept the first course's code."""
    root = make_site(tmp_path / "site", {"index.md": "@page home Home\n@body\nHello.\n"})
    for course in ("first", "second"):
        write_files(
            root / "courses" / course,
            {
                "lessons/l1.md": "@page l1 Lesson\n@parent home\n@body\n@sourceref ../exercises/ex.js\n",
                "exercises/ex.js": f"const course = '{course}';\n",
            },
        )
    link = root / "content" / "lessons"
    link.symlink_to("../courses/first/lessons")
    builds_agree(root, tmp_path, "first")
    link.unlink()
    link.symlink_to("../courses/second/lessons")
    builds_agree(root, tmp_path, "second")
    assert "second" in (tmp_path / "cached-second" / "l1.html").read_text()


def test_where_a_folder_leads_is_found_as_the_system_finds_it(tmp_path, monkeypatch):
    """Files a page reads are known with where their folder leads (`read_digest`), found from
    the folders above it already resolved: the same as resolving each from the root, through
    links up, across, out of the tree, dangling or looping, and `..` after any of them."""
    import random

    from trustdocs.cache import real_folder

    monkeypatch.chdir(tmp_path)
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    (tmp_path / "x" / "y").mkdir(parents=True)
    for link, target in [
        ("a/b/ly", "../x/y"),
        ("a/out", str(tmp_path.parent)),
        ("a/loop", "loop"),
        ("top", "a/b"),
        ("a/dangling", "missing/z"),
    ]:
        (tmp_path / link).symlink_to(target)
    parts = ["a", "b", "c", "..", ".", "ly", "out", "loop", "top", "dangling", "x", "y", "nope"]
    rng = random.Random(5)
    for _ in range(3000):
        folders: dict[str, str] = {}
        for _ in range(rng.randrange(4)):  # folders found before, some on the way
            real_folder("/".join(rng.choices(parts, k=rng.randrange(1, 5))), folders)
        folder = "/".join(rng.choices(parts, k=rng.randrange(1, 7)))
        folder = str(tmp_path / folder) if rng.random() < 0.3 else folder
        assert real_folder(folder, folders) == os.path.realpath(folder), folder


def test_a_file_named_thousands_of_folders_deep_is_looked_at_again_without_a_crash(tmp_path):
    """A directive may name a file through a path thousands of folders deep (up and down
    again): the next build, which looks at where each file read leads, builds as the first did,
    never ending in an internal error."""
    deep = "a/" * 1500 + "../" * 1500 + "example.js"
    pages = {f"course/{k}": v for k, v in PAGES.items()}
    pages["course/b.md"] = pages["course/b.md"].rstrip() + f"\n        @sourceref {deep}\n"
    root = make_site(tmp_path / "site", pages)
    assert build_site(load_config(root / "site.yaml")).written
    edit(content(root, "a.md"), "Text of A.", "Text of A, again.")
    builds_agree(root, tmp_path, "deep")
    assert '<span class="nx">answer</span>' in (tmp_path / "cached-deep/course/b.html").read_text()


def test_a_page_the_build_cannot_link_has_its_entry_read_once(tmp_path, monkeypatch):
    """Right after a first build, whose files have not settled, the next build cannot link the
    previous site's pages: it reads each page's outputs and HTML at once, not the outputs and
    then the whole entry again."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    config = load_config(root / "site.yaml")
    assert build_site(config).written
    edit(content(root, "b.md"), "See", "Now see")
    read: list[tuple[str, str]] = []
    get, get_both = BuildCache.get, BuildCache.get_both
    monkeypatch.setattr(BuildCache, "get", lambda self, *a: read.append(a) or get(self, *a))
    monkeypatch.setattr(
        BuildCache, "get_both", lambda self, *a: read.append(a) or get_both(self, *a)
    )
    assert build_site(config).written
    pages = [key for kind, key in read if kind == "page"]
    assert pages and len(pages) == len(set(pages))


NAMED_PAGES = {
    "index.md": "@page course Course\n@body\nRead [course/a], then [course/b].\n",
    "a.md": "@page course/a Lesson A\n@parent course 1\n@body\nNo links here.\n",
    # Asks whether course/n is a page: a link once it is, a warning until then.
    "b.md": "@page course/b Lesson B\n@parent course 2\n@body\nNext: [course/n].\n",
    # Unknown either way, but the hint names the closest page once one comes near enough.
    "c.md": "@page course/c Lesson C\n@parent course 3\n@body\nSee [course/newcomr].\n",
    # A bracketed word is plain text until a page's name comes this near it.
    "d.md": "@page course/d Lesson D\n@parent course 4\n@body\nA [glosary] note.\n",
}
ADDED_PAGES = {
    "n.md": "@page course/n Lesson N\n@parent course 5\n@body\nNew.\n",
    "newcomer.md": "@page course/newcomer Newcomers\n@parent course 6\n@body\nHello.\n",
    "glossary.md": "@page glossary Glossary\n@parent course 7\n@body\nWords.\n",
}


def _facts_parsed(monkeypatch) -> list[str]:
    """The names of the pages whose facts are parsed from now on (not taken from the cache)."""
    from trustdocs import pages as pages_module
    from trustdocs import workers

    monkeypatch.setattr(workers, "worker_count", lambda: 1)  # parsed here, where the spy is
    parsed: list[str] = []
    parse = pages_module.ParsedPages.parse

    def spy(self, source):
        parsed.append(source.name)
        return parse(self, source)

    monkeypatch.setattr(pages_module.ParsedPages, "parse", spy)
    return parsed


def test_pages_added_or_removed_parse_again_only_the_pages_that_asked_after_their_names(
    tmp_path, monkeypatch
):
    """Cross-links depend on which pages exist. A lesson added or removed parses again the pages
    whose links, warnings or hints its name changes, and no other; each build equals an
    uncached one."""
    root = make_site(tmp_path / "site", NAMED_PAGES)
    config = load_config(root / "site.yaml")
    builds_agree(root, tmp_path, "before")
    parsed = _facts_parsed(monkeypatch)
    write_files(root / "content", ADDED_PAGES)
    added = build_site(config, tmp_path / "out")
    asked = ["course/b", "course/c", "course/d"]
    assert sorted(parsed) == sorted([*asked, "course/n", "course/newcomer", "glossary"])
    assert 'href="n.html"' in (tmp_path / "out" / "course" / "b.html").read_text()
    warnings = [d.format() for d in added.diagnostics]
    assert any("did you mean 'course/newcomer'?" in w for w in warnings), warnings
    assert any("unknown page 'glosary'" in w for w in warnings), warnings
    builds_agree(root, tmp_path, "added")

    parsed.clear()
    for rel in ADDED_PAGES:
        (root / "content" / rel).unlink()
    removed = build_site(config, tmp_path / "out")
    assert sorted(parsed) == asked
    warnings = [d.format() for d in removed.diagnostics]
    assert any("unknown page 'course/n'" in w for w in warnings), warnings
    assert not any("glosary" in w or "newcomer'?" in w for w in warnings), warnings
    builds_agree(root, tmp_path, "removed")


@pytest.mark.parametrize("lost", ["names entry", "too many names"])
def test_pages_whose_earlier_names_cannot_be_compared_are_parsed_again(tmp_path, monkeypatch, lost):
    """Without the set of names the cached facts were parsed against (deleted, or too far from
    this one to compare), every page is parsed again, and the build is still right."""
    from trustdocs import pages as pages_module

    root = make_site(tmp_path / "site", NAMED_PAGES)
    builds_agree(root, tmp_path, "before")
    if lost == "names entry":
        for entry in (root / CACHE_DIR / "names").glob(f"*/*{ENTRY_SUFFIX}"):
            entry.unlink()
    else:
        monkeypatch.setattr(pages_module, "NAMES_CHANGED_MOST", 2)
    parsed = _facts_parsed(monkeypatch)
    write_files(root / "content", ADDED_PAGES)
    assert build_site(load_config(root / "site.yaml"), tmp_path / "out").written
    assert len(parsed) == len(NAMED_PAGES) + len(ADDED_PAGES)
    builds_agree(root, tmp_path, "added")


def _two_chapters() -> dict[str, str]:
    """A course of two chapters of three lessons."""
    pages = {"index.md": "@page course Course\n@body\nStart.\n"}
    for chapter, order in (("one", 1), ("two", 2)):
        pages[f"{chapter}.md"] = (
            f"@page course/{chapter} Chapter {chapter}\n@parent course {order}\n@body\nIn.\n"
        )
        for n in range(1, 4):
            pages[f"{chapter}/{n}.md"] = (
                f"@page course/{chapter}/l{n} Lesson {chapter} {n}\n"
                f"@parent course/{chapter} {n}\n@body\nText {n}.\n"
            )
    return pages


def test_a_lesson_added_renders_again_only_the_pages_whose_frame_shows_it(tmp_path, monkeypatch):
    """A new lesson shows in its chapter's sidebars and beside its neighbours: a build after it
    is added renders those pages again (and the new one), no other, and equals an uncached
    build; removing it again does the same."""
    root = make_site(tmp_path / "site", _two_chapters())
    config = load_config(root / "site.yaml")
    assert build_site(config, tmp_path / "out").written
    rendered = _rendering(monkeypatch)
    added = {"one/4.md": "@page course/one/l4 Lesson one 4\n@parent course/one 4\n@body\nNew.\n"}
    write_files(root / "content", added)
    assert build_site(config, tmp_path / "out").written
    # Chapter one's pages list it in their sidebars, lesson 3 and chapter two are its
    # neighbours, the course page counts it among the lessons of the learner's progress;
    # chapter two's lessons show none of it.
    chapter_one = ["course", "course/one", "course/one/l1", "course/one/l2", "course/one/l3"]
    assert sorted(rendered) == [*chapter_one, "course/one/l4", "course/two"]
    builds_agree(root, tmp_path, "added")
    rendered.clear()
    (root / "content" / "one" / "4.md").unlink()
    assert build_site(config, tmp_path / "out").written
    assert sorted(rendered) == [*chapter_one, "course/two"]
    builds_agree(root, tmp_path, "removed")


LINKED_LATER = "@page course/two/l9 Lesson nine\n@parent course/two 9\n@body\n## Setup\nGo.\n"


def _linking_a_page_to_come(tmp_path: Path, there: bool) -> Path:
    """Two chapters; chapter one's first lesson links lesson nine of chapter two (and its
    anchor), which is not in any of its sidebars, nor beside it; that lesson is THERE or not."""
    pages = _two_chapters()
    pages["one/1.md"] += "\nSee [course/two/l9 lesson nine] and [course/two/l9#setup its setup].\n"
    if there:
        pages["two/9.md"] = LINKED_LATER
    return make_site(tmp_path / "site", pages)


@pytest.mark.parametrize("how", ["added", "put back", "named back"])
def test_a_page_that_comes_after_a_link_to_it_is_linked(tmp_path, how):
    """A lesson links a page that does not exist (yet, or any more): the link stays text, with a
    warning. Once the page exists (new, its file put back, or its name given back), the link is
    a link, from the cache as without it, though nothing the lesson shows of the site changed."""
    root = _linking_a_page_to_come(tmp_path, there=how != "added")
    config = load_config(root / "site.yaml")
    out, nine = tmp_path / "out", root / "content" / "two" / "9.md"
    assert build_site(config, out).written
    if how == "put back":
        nine.unlink()
    elif how == "named back":
        edit(nine, "course/two/l9", "course/two/l8")
    gone = build_site(config, out)
    assert gone.written and any(
        "unknown page 'course/two/l9'" in d.message for d in gone.diagnostics
    )
    lesson = out / "course" / "one" / "l1.html"
    assert "[course/two/l9 lesson nine]" in lesson.read_text()
    write_files(root / "content", {"two/9.md": LINKED_LATER})
    came = build_site(config, out)
    assert came.written and not any("unknown page" in d.message for d in came.diagnostics)
    html = lesson.read_text()
    assert 'href="../two/l9.html">lesson nine</a>' in html
    assert 'href="../two/l9.html#setup">its setup</a>' in html
    fresh = build_site(config, tmp_path / "fresh", use_cache=False)
    assert came.diagnostics == fresh.diagnostics and digest(out) == digest(tmp_path / "fresh")


def test_an_anchor_in_a_page_that_comes_after_a_link_to_it_is_checked(tmp_path, trustdocs):
    """A link to an anchor of a page that does not exist yet is a warning; once the page comes
    without that anchor, `check` fails, from the cache as without it."""
    root = _linking_a_page_to_come(tmp_path, there=False)
    assert trustdocs(root, "check").code == 0
    write_files(root / "content", {"two/9.md": LINKED_LATER.replace("## Setup", "## Install")})
    cached, fresh = trustdocs(root, "check"), trustdocs(root, "check", "--no-cache")
    assert cached.code == fresh.code == 1, cached.err
    assert "page 'course/two/l9' has no anchor '#setup'" in cached.err
    assert cached.err.splitlines()[:-1] == fresh.err.splitlines()[:-1]  # but the time taken


def test_a_relative_link_to_a_page_not_written_yet_works_once_it_is(tmp_path, monkeypatch):
    """A page linking the address of a page that does not exist yet is told so; once that page
    is added, the link is found, from the cache as without it, and the pages nobody links
    are not rendered again."""
    pages = _two_chapters()
    pages["two/3.md"] += "\nSee [the extra](../one/extra.html).\n"
    root = make_site(tmp_path / "site", pages)
    config = load_config(root / "site.yaml")
    first = build_site(config, tmp_path / "out")
    assert any("does not exist" in d.message for d in first.diagnostics)
    rendered = _rendering(monkeypatch)
    write_files(
        root / "content",
        {"one/x.md": "@page course/one/extra Extra\n@parent course/one 9\n@body\nMore.\n"},
    )
    again = build_site(config, tmp_path / "out")
    assert not any("does not exist" in d.message for d in again.diagnostics)
    assert "course/two/l3" in rendered and "course/two/l2" not in rendered
    builds_agree(root, tmp_path, "added")


DEEP = {
    "index.md": "@page course Course\n@body\nStart.\n",
    "part.md": "@page course/part Part\n@parent course 1\n@body\nThe part.\n",
    "y.md": """
        @page course/part/y Lesson Y
        @parent course/part 1
        @description Y in short.
        @body
        ## Details
        Text of Y.
        """,
    "z.md": "@page course/part/z Lesson Z\n@parent course/part 2\n@body\nText of Z.\n",
    "other.md": """
        @page course/other Other
        @parent course 2
        @body
        See [course/part/y] and [course/part/y#details its details].
        """,
}


@pytest.mark.parametrize(
    "change",
    [("Lesson Y", "Lesson Why"), ("Y in short.", "Y, briefly.")],
    ids=["title", "description"],
)
def test_a_page_showing_a_deeper_lessons_title_or_description_shows_them_anew(tmp_path, change):
    """A lesson below a part is in no sidebar but its own part's: a page elsewhere that links
    it shows its title and description, and shows them anew once they change, as a build from
    nothing does."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in DEEP.items()})
    builds_agree(root, tmp_path, "before")
    edit(content(root, "y.md"), *change)
    builds_agree(root, tmp_path, "after")
    assert change[1] in (tmp_path / "cached-after" / "course" / "other.html").read_text()


def test_a_link_to_a_deeper_lessons_anchor_that_goes_fails_the_build_that_follows(tmp_path):
    """The anchor a page elsewhere links to, renamed in a lesson below a part: the next build
    fails on that link, as a build from nothing does (a cached page must not hide it)."""
    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in DEEP.items()})
    builds_agree(root, tmp_path, "before")
    edit(content(root, "y.md"), "## Details", "## Particulars")
    config = load_config(root / "site.yaml")
    cached = build_site(config, tmp_path / "cached-after")
    fresh = build_site(config, tmp_path / "fresh-after", use_cache=False)
    assert not cached.written and not fresh.written
    assert cached.diagnostics == fresh.diagnostics
    assert any("details" in d.message for d in cached.diagnostics if d.severity == "error")


def _entry_files_read(monkeypatch) -> list[str]:
    """The kinds of the entries whose first part alone was read from their own files from now on
    (not from a pack; a page whose previous file cannot be linked reads its HTML too, there)."""
    read: list[str] = []
    read_entry = cache_module._read_entry

    def spy(cache, kind, key, whole, used=True):
        if not whole and used:
            read.append(kind)
        return read_entry(cache, kind, key, whole, used)

    monkeypatch.setattr(cache_module, "_read_entry", spy)
    return read


def _pages_from_files(read: list[str]) -> int:
    return sum(kind in cache_module.PACKED_KINDS for kind in read)


MANY_PAGES = {
    **{f"course/{k}": v for k, v in PAGES.items()},
    **{
        f"course/l{n}.md": f"@page course/l{n} Lesson {n}\n@parent course {n + 10}\n@body\nText {n}.\n"
        for n in range(30)
    },
}


def _few_edit_builds(root: Path, tmp_path: Path, monkeypatch, times: int) -> list[str]:
    """Build ROOT into its output, then edit course/b TIMES and build after each edit; each
    build equals an uncached one and renders course/b alone. The entry files the last read."""
    config = load_config(root / "site.yaml")
    assert build_site(config).written
    read: list[str] = []
    for number in range(times):
        rendered = _rendering(monkeypatch)
        read = _entry_files_read(monkeypatch)
        edit(content(root, "b.md"), "\n@body\n", f"\n@body\nEdit {number}.\n")
        assert build_site(config).written
        assert rendered == ["course/b"]
        fresh = build_site(config, tmp_path / f"fresh-{number}", use_cache=False)
        assert digest(config.output_dir) == digest(tmp_path / f"fresh-{number}")
        assert fresh.diagnostics == build_site(config).diagnostics
    return read


def test_a_build_after_an_edit_reads_every_page_from_a_few_pack_entries(tmp_path, monkeypatch):
    """The first build after an edit packs the entries it read (each page's facts and outputs);
    the next reads them from the pack, not a file a page, and equals an uncached build."""
    root = make_site(tmp_path / "site", MANY_PAGES)
    read = _few_edit_builds(root, tmp_path, monkeypatch, 3)
    pages = len(MANY_PAGES) - 1  # example.js is no page
    assert _pages_from_files(read) <= 2, read  # course/b's new facts and outputs
    assert len(read) < pages


def test_the_first_build_after_an_edit_reads_the_pack_that_build_workers_made(
    tmp_path, monkeypatch
):
    """A build in forked workers packs the entries each worker read or wrote: the build after
    one edit reads every page from that pack (not a file a page), and equals an uncached build."""
    from trustdocs import site as site_module
    from trustdocs import workers

    monkeypatch.setattr(site_module, "PARALLEL_MINIMUM", 0)
    monkeypatch.setattr(workers, "worker_count", lambda: 2)
    root = make_site(tmp_path / "site", MANY_PAGES)
    read = _few_edit_builds(root, tmp_path, monkeypatch, 1)
    assert _pages_from_files(read) <= 2, read  # course/b's new facts and outputs
    assert len(list((root / CACHE_DIR / cache_module.PACK_KIND).glob(f"*/*{ENTRY_SUFFIX}"))) == 1


@pytest.mark.parametrize("pack", ["read", "gone"])
def test_the_build_after_a_course_renamed_reads_the_pack_its_workers_made(
    tmp_path, monkeypatch, pack
):
    """A course renamed after a few edits: every page shows its title, and forked workers render
    them all again. The next build after an edit reads every page from a pack (the workers' of
    their outputs, with the chunks that gave the facts), not a file a page; so too when the pack
    was gone (deleted, or damaged) and the renaming build read the facts from their files."""
    import shutil

    from trustdocs import site as site_module
    from trustdocs import workers

    monkeypatch.setattr(site_module, "PARALLEL_MINIMUM", 0)
    monkeypatch.setattr(workers, "worker_count", lambda: 2)
    root = make_site(tmp_path / "site", MANY_PAGES)
    config = load_config(root / "site.yaml")
    assert build_site(config).written
    edit(content(root, "b.md"), "\n@body\n", "\n@body\nEdited.\n")
    assert build_site(config).written  # reads the pack the workers made
    if pack == "gone":
        shutil.rmtree(root / CACHE_DIR / cache_module.PACK_KIND)
    forked = []
    real = workers._make_pages_in_workers
    monkeypatch.setattr(
        workers, "_make_pages_in_workers", lambda *args: forked.append(1) or real(*args)
    )
    edit(content(root, "index.md"), "@page course Course", "@page course The Course")
    assert build_site(config).written
    assert forked  # every page rendered again, in workers
    read = _entry_files_read(monkeypatch)
    edit(content(root, "b.md"), "Edited.", "Edited again.")
    assert build_site(config).written
    # course/b's new facts and outputs, and the course's facts as the renaming build made them
    assert _pages_from_files(read) <= 3, read
    fresh = build_site(config, tmp_path / "fresh", use_cache=False)
    assert fresh.written and digest(config.output_dir) == digest(tmp_path / "fresh")
    assert "The Course" in (config.output_dir / "course" / "a.html").read_text()


@pytest.mark.parametrize("change", ["added", "removed"])
def test_a_build_after_a_page_file_added_or_removed_reads_the_others_from_the_pack(
    tmp_path, monkeypatch, change
):
    """A page file added or removed is one edit among few: the build after it loads the other
    pages from the pack, as after a page edited, and equals an uncached build."""
    root = make_site(tmp_path / "site", MANY_PAGES)
    _few_edit_builds(root, tmp_path, monkeypatch, 1)
    config = load_config(root / "site.yaml")
    read = _entry_files_read(monkeypatch)
    if change == "added":
        write_files(root / "content", {"course/n.md": "@page course/n New\n@parent course 40\n"})
    else:
        content(root, "l7.md").unlink()
    assert build_site(config).written
    assert _pages_from_files(read) <= 2, read  # the new page's facts and outputs, none there
    fresh = build_site(config, tmp_path / "fresh", use_cache=False)
    assert fresh.written and digest(config.output_dir) == digest(tmp_path / "fresh")


def test_pages_written_moments_before_the_record_are_linked_without_their_html(
    tmp_path, monkeypatch
):
    """Pages the last build wrote too shortly before its record for their signatures to tell a
    change (all of them, here) are checked by their bytes and linked into the next site: their
    HTML is not read from the cache to write them again."""
    root = make_site(tmp_path / "site", MANY_PAGES)
    config = load_config(root / "site.yaml")
    _few_edit_builds(root, tmp_path, monkeypatch, 1)  # its pages linked, or written, just now
    before = {p: p.stat().st_ino for p in config.output_dir.rglob("*.html")}
    read: list[str] = []  # the kinds of the entries read whole (with a page's HTML)
    read_entry = cache_module._read_entry

    def spy(cache, kind, key, whole, used=True):
        if whole:
            read.append(kind)
        return read_entry(cache, kind, key, whole, used)

    monkeypatch.setattr(cache_module, "_read_entry", spy)
    edit(content(root, "b.md"), "\n@body\n", "\n@body\nEdited again.\n")
    assert build_site(config).written
    assert read == []
    kept = [p for p, inode in before.items() if p.exists() and p.stat().st_ino == inode]
    assert len(kept) >= len(MANY_PAGES) - 2  # every lesson but course/b (and the print page)
    fresh = build_site(config, tmp_path / "fresh", use_cache=False)
    assert fresh.written and digest(config.output_dir) == digest(tmp_path / "fresh")


def test_a_page_grown_huge_in_place_moments_after_the_build_is_not_read(tmp_path, monkeypatch):
    """A page file the last build wrote moments ago, grown in place to 100 GB (sparse): the next
    build tells it by its size, never reads it, and writes the page anew."""
    from trustdocs import output_folder

    root = make_site(tmp_path / "site", MANY_PAGES)
    config = load_config(root / "site.yaml")
    _few_edit_builds(root, tmp_path, monkeypatch, 1)
    page = config.output_dir / "course" / "a.html"
    written = page.read_bytes()
    os.truncate(page, 10**11)
    hashed: list[int] = []
    file_digest = output_folder.hashlib.file_digest

    def spy(file, *args):
        hashed.append(os.fstat(file.fileno()).st_size)
        return file_digest(file, *args)

    monkeypatch.setattr(output_folder.hashlib, "file_digest", spy)
    edit(content(root, "b.md"), "\n@body\n", "\n@body\nEdited again.\n")
    assert build_site(config).written
    assert hashed and max(hashed) < 10**6
    assert page.read_bytes() == written


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),  # truncated
        lambda p: p.write_bytes(b"\x00\xff garbage"),
        lambda p: p.write_bytes(p.read_bytes().replace(b"Lesson", b"Lessox")),  # sum mismatch
        lambda p: p.unlink(),
    ],
    ids=["truncated", "garbage", "altered", "deleted"],
)
@pytest.mark.parametrize("part", ["index", "chunks"])
def test_a_damaged_pack_is_ignored_and_made_anew(tmp_path, monkeypatch, damage, part):
    """A pack's index or chunks damaged or deleted: the build reads each entry from its own file,
    equals an uncached one, and the build after it reads from a pack again."""
    root = make_site(tmp_path / "site", MANY_PAGES)
    _few_edit_builds(root, tmp_path, monkeypatch, 1)
    kind = cache_module.PACK_KIND if part == "index" else cache_module.CHUNK_KIND
    for entry in (root / CACHE_DIR / kind).glob(f"*/*{ENTRY_SUFFIX}"):
        damage(entry)
    read = _few_edit_builds(root, tmp_path / "again", monkeypatch, 3)
    assert _pages_from_files(read) <= 2, read


def test_a_pack_unpickles_each_chunk_once_and_refuses_chunks_of_payloads(tmp_path, monkeypatch):
    """A chunk holds its entries' values pickled together: the build after an edit reads a page
    with no unpickling of its own. A chunk of pickled payloads (as an older trustdocs kept them),
    however well it checks out, is not read: its entries come from their own files."""
    import pickle

    root = make_site(tmp_path / "site", MANY_PAGES)
    _few_edit_builds(root, tmp_path, monkeypatch, 1)
    alone: list[str] = []  # each page's facts or outputs unpickled on their own
    real_loads = pickle.loads

    def loads(data):
        value = real_loads(data)
        if type(value).__name__ in ("_KnownFacts", "_KnownOutputs"):
            alone.append(type(value).__name__)
        return value

    monkeypatch.setattr(cache_module.pickle, "loads", loads)
    read = _few_edit_builds(root, tmp_path / "grouped", monkeypatch, 1)
    assert _pages_from_files(read) <= 2, read
    assert len(alone) <= 2, alone  # course/b's, read from their files
    chunks = list((root / CACHE_DIR / cache_module.CHUNK_KIND).glob(f"*/*{ENTRY_SUFFIX}"))
    monkeypatch.setattr(cache_module.pickle, "loads", real_loads)
    cache = cache_module.BuildCache(root / CACHE_DIR)
    for chunk in chunks:
        values = cache_module.load(cache, cache_module.CHUNK_KIND, chunk.stem, dict)
        payloads = {entry: pickle.dumps(value) for entry, value in values.items()}
        cache_module.store(cache, cache_module.CHUNK_KIND, chunk.stem, payloads)
    read = _few_edit_builds(root, tmp_path / "payloads", monkeypatch, 3)
    assert _pages_from_files(read) <= 2, read  # the pack made anew, and read again


def test_entries_a_pack_served_are_kept_by_pruning(tmp_path, monkeypatch):
    """Entries the pack gave a build count as used by it: a prune keeps their own files (a page
    whose previous file cannot be linked reads its HTML there)."""
    root = make_site(tmp_path / "site", MANY_PAGES)
    _few_edit_builds(root, tmp_path, monkeypatch, 1)
    monkeypatch.setattr(cache_module, "PRUNE_GRACE_SECONDS", 0)
    long_ago = time.time() - 3600
    for entry in (root / CACHE_DIR).glob(f"*/*/*{ENTRY_SUFFIX}"):
        os.utime(entry, (long_ago, long_ago))
    (root / CACHE_DIR / "last-pruned").unlink()
    before = {p.name for k in ("facts", "page") for p in (root / CACHE_DIR).glob(f"{k}/*/*.entry")}
    read = _few_edit_builds(root, tmp_path / "pruned", monkeypatch, 1)
    assert _pages_from_files(read) <= 2, read
    after = {p.name for k in ("facts", "page") for p in (root / CACHE_DIR).glob(f"{k}/*/*.entry")}
    assert len(before - after) <= 4  # course/b's facts and outputs as it was before each edit


def test_a_pack_that_serves_too_few_entries_is_made_anew(tmp_path, monkeypatch):
    """Once most pages changed since their pack was made, a build reads them from their files;
    the pack is made anew, and the builds after read from it again."""
    monkeypatch.setattr(cache_module, "PACK_STALE_LEAST", 4)
    root = make_site(tmp_path / "site", MANY_PAGES)
    _few_edit_builds(root, tmp_path, monkeypatch, 1)
    config = load_config(root / "site.yaml")
    for number in range(12):
        edit(content(root, f"l{number}.md"), "Text", "Changed text")
    assert build_site(config).written
    read = _few_edit_builds(root, tmp_path / "after", monkeypatch, 3)
    assert _pages_from_files(read) <= 2, read


def test_chunks_let_go_to_bound_memory_leave_their_entries_to_be_read_from_their_files(
    tmp_path, monkeypatch
):
    """With room for one small chunk at a time, a chunk read is let go when the next one is read:
    the entries left in it are read from their own files, and every build is still right."""
    monkeypatch.setattr(cache_module, "PACK_CHUNK_ENTRIES", 4)
    monkeypatch.setattr(cache_module, "PACK_LIVE_BYTES", 1)
    dropped: list[str] = []
    forget = cache_module._forget
    monkeypatch.setattr(
        cache_module,
        "_forget",
        lambda cache, *entry: dropped.append(entry) or forget(cache, *entry),
    )
    root = make_site(tmp_path / "site", MANY_PAGES)
    _few_edit_builds(root, tmp_path, monkeypatch, 4)
    assert not dropped  # what was let go is still in the pack: it is no reason to make it anew


def test_chunks_stay_small_however_large_the_pages(tmp_path, monkeypatch):
    """Chunks are cut by size as well as by count: a course of long lessons makes more chunks,
    none much larger than the bound (a chunk is read, checked and held whole)."""
    monkeypatch.setattr(cache_module, "PACK_CHUNK_BYTES", 20_000)
    long_text = "A long paragraph of a long lesson. " * 400  # 14 KB
    pages = {
        name: text.replace("@body\n", "@body\n" + long_text + "\n") if "/l" in name else text
        for name, text in MANY_PAGES.items()
    }
    root = make_site(tmp_path / "site", pages)
    read = _few_edit_builds(root, tmp_path, monkeypatch, 2)
    assert _pages_from_files(read) <= 2, read
    chunks = list((root / CACHE_DIR / cache_module.CHUNK_KIND).glob(f"*/*{ENTRY_SUFFIX}"))
    assert len(chunks) > 4
    assert max(chunk.stat().st_size for chunk in chunks) < 20_000 + 80_000  # the bound and a page


def _chapters_of_four(tmp_path: Path) -> Path:
    """A course of two chapters of four lessons: a lesson's title shows in its chapter's sidebars."""
    pages = {"index.md": "@page course Course\n@body\nStart.\n"}
    for chapter in ("one", "two"):
        pages[f"{chapter}.md"] = f"@page {chapter} Chapter {chapter}\n@parent course 1\n@body\nA.\n"
        for n in range(4):
            pages[f"{chapter}{n}.md"] = (
                f"@page {chapter}/l{n} Lesson {chapter} {n}\n@parent {chapter} {n}\n@body\nText.\n"
            )
    return make_site(tmp_path / "site", pages)


SETTLED_S = 0.05


def _settling_quickly(monkeypatch) -> None:
    """Files settle (`cache._SETTLED_NS`, `output_folder.RACY_NS`) SETTLED_S after they are
    written, not 2 s: a build a moment after the last links its pages, reading their outputs
    alone (from the pack), as builds a few seconds apart do."""
    from trustdocs import output_folder

    monkeypatch.setattr(cache_module, "_SETTLED_NS", int(SETTLED_S * 1e9))
    monkeypatch.setattr(output_folder, "RACY_NS", int(SETTLED_S * 1e9))


def _settled_build(config) -> bool:
    """Build CONFIG's site into its output once the last build's files have settled."""
    time.sleep(2 * SETTLED_S)
    return build_site(config).written


def _edit_renders_it_alone(root: Path, tmp_path: Path, monkeypatch, page: str) -> None:
    """Edit lesson PAGE (`two3` for two/l3) and build: that lesson alone is rendered, and the
    site equals an uncached build."""
    config = load_config(root / "site.yaml")
    rendered = _rendering(monkeypatch)
    text = (root / "content" / f"{page}.md").read_text()
    (root / "content" / f"{page}.md").write_text(text + "\nA line more.\n")
    assert _settled_build(config)
    assert rendered == [f"{page[:-1]}/l{page[-1]}"]
    fresh = tmp_path / f"fresh-{time.monotonic_ns()}"
    assert build_site(config, fresh, use_cache=False).written
    assert digest(config.output_dir) == digest(fresh)


def _pack_read_with_workers_at_hand(tmp_path: Path, monkeypatch) -> tuple[Path, object]:
    """A course of two chapters whose last build read a pack, and whose next build renders in
    two forked workers when two pages or more are to be rendered again."""
    from trustdocs import site as site_module
    from trustdocs import workers

    monkeypatch.setattr(site_module, "PARALLEL_MINIMUM", 2)
    monkeypatch.setattr(workers, "worker_count", lambda: 2)
    monkeypatch.setattr(cache_module, "PACK_CHUNK_ENTRIES", 4)
    _settling_quickly(monkeypatch)
    root = _chapters_of_four(tmp_path)
    config = load_config(root / "site.yaml")
    assert build_site(config).written
    for page in ("two3", "two2"):  # makes the pack, then reads it
        edit(root / "content" / f"{page}.md", "Text.", "Text, edited.")
        assert _settled_build(config)
    return root, config


@pytest.mark.parametrize("pack", ["read", "made"])
def test_outputs_rendered_again_under_their_key_are_not_read_from_the_pack_as_they_were(
    tmp_path, monkeypatch, pack
):
    """A lesson's new title shows in its chapter's sidebars: the build renders that chapter's
    pages again, keeping their outputs anew under the same keys. The pack, read or being made by
    that build, must not give later builds those outputs as they were: each would render the
    chapter again."""
    monkeypatch.setattr(cache_module, "PACK_CHUNK_ENTRIES", 1)  # each entry packed as it is read
    _settling_quickly(monkeypatch)
    root = _chapters_of_four(tmp_path)
    config = load_config(root / "site.yaml")
    assert build_site(config).written
    _edit_renders_it_alone(root, tmp_path, monkeypatch, "two3")  # makes the pack
    _edit_renders_it_alone(root, tmp_path, monkeypatch, "two2")  # reads it
    if pack == "made":
        for index in (root / CACHE_DIR / cache_module.PACK_KIND).glob(f"*/*{ENTRY_SUFFIX}"):
            index.unlink()  # the next build makes the pack anew
    rendered = _rendering(monkeypatch)
    edit(root / "content" / "one2.md", "Lesson one 2", "Lesson one 2, renamed")
    assert _settled_build(config)
    assert "one/l0" in rendered and "two/l0" not in rendered  # chapter one's sidebars show it
    for page in ("two3", "two1", "one3"):
        _edit_renders_it_alone(root, tmp_path, monkeypatch, page)


def test_pages_rendered_in_workers_after_an_edit_are_not_read_from_the_pack_as_they_were(
    tmp_path, monkeypatch
):
    """A course's new title shows in every sidebar: a build after that edit alone renders every
    page again, in forked workers. The pack the build read must not give the next builds the
    pages as they were."""
    root, config = _pack_read_with_workers_at_hand(tmp_path, monkeypatch)
    edit(root / "content" / "one.md", "Chapter one", "Chapter the first")
    assert _settled_build(config)  # in workers
    for page in ("two1", "one3", "two0"):
        _edit_renders_it_alone(root, tmp_path, monkeypatch, page)


def test_entries_a_recent_pack_holds_are_kept_by_a_prune_in_another_state(tmp_path, monkeypatch):
    """Pruning keeps what a build in the last minutes used: entries it read from a pack too. A
    build of other versions of a few lessons, pruning, keeps those lessons' entries of the
    versions before, which a pack read minutes ago holds: going back to them renders nothing."""
    root = _chapters_of_four(tmp_path)
    config = load_config(root / "site.yaml")
    assert build_site(config).written
    for page in ("two3", "two2", "two1"):  # the last two builds read the pack
        edit(root / "content" / f"{page}.md", "Text.", "Text, edited.")
        assert build_site(config).written
    before = {p: p.read_text() for p in (root / "content").glob("one*.md")}
    long_ago, minutes_ago = time.time() - 3600, time.time() - 120
    for entry in (root / CACHE_DIR).glob(f"*/*/*{ENTRY_SUFFIX}"):  # written long ago, and
        os.utime(entry, (long_ago, long_ago))  # read from the pack since
    for index in (root / CACHE_DIR / cache_module.PACK_KIND).glob(f"*/*{ENTRY_SUFFIX}"):
        os.utime(index, (minutes_ago, minutes_ago))
    (root / CACHE_DIR / "last-pruned").unlink()  # a prune is due
    for path in before:
        path.write_text(path.read_text().replace("@body\n", "@body\nOther.\n"))
    assert build_site(config).written  # and prunes
    rendered = _rendering(monkeypatch)
    for path, text in before.items():
        path.write_text(text)
    assert build_site(config).written
    assert rendered == []
    assert build_site(config, tmp_path / "fresh", use_cache=False).written
    assert digest(config.output_dir) == digest(tmp_path / "fresh")


def test_a_page_parsed_again_for_a_file_it_reads_is_not_read_from_the_pack_as_it_was(
    tmp_path, monkeypatch
):
    """An exercise file edited: the page that reads it is parsed again, its facts kept anew
    under the same key (the page file did not change). The pack must not give the next builds
    its facts as they were: each would parse it again."""
    _settling_quickly(monkeypatch)
    root = make_site(tmp_path / "site", MANY_PAGES)
    config = load_config(root / "site.yaml")
    assert build_site(config).written
    for number in range(2):  # makes the pack, then reads it
        edit(content(root, f"l{number}.md"), "Text", "Edited text")
        assert _settled_build(config)
    edit(content(root, "example.js"), "42", "43")
    parsed = _facts_parsed(monkeypatch)
    assert _settled_build(config)
    assert parsed == ["course/x"]
    for number in range(2, 5):
        parsed.clear()
        edit(content(root, f"l{number}.md"), "Text", "Edited text")
        assert _settled_build(config)
        assert parsed == [f"course/l{number}"]
    assert build_site(config, tmp_path / "fresh", use_cache=False).written
    assert digest(config.output_dir) == digest(tmp_path / "fresh")


def _long_ago(root: Path) -> None:
    """Date every cache entry an hour back (a site last built then), and make a prune due."""
    long_ago = time.time() - 3600
    for entry in (root / CACHE_DIR).glob(f"*/*/*{ENTRY_SUFFIX}"):
        os.utime(entry, (long_ago, long_ago))
    (root / CACHE_DIR / "last-pruned").unlink()


@pytest.mark.parametrize("drop", ["workers", "damaged chunk"])
def test_entries_a_dropped_pack_served_are_kept_by_pruning(tmp_path, monkeypatch, drop):
    """A build that drops the pack it read (to render pages in workers, or for a damaged chunk)
    used what it served all the same: a prune, in that build or in another moments later,
    keeps those entries, and the next edit parses its page alone."""
    root, config = _pack_read_with_workers_at_hand(tmp_path, monkeypatch)
    _long_ago(root)
    if drop == "workers":  # every sidebar shows it: rendered in workers, and pruned
        edit(root / "content" / "one.md", "Chapter one", "Chapter the first")
        assert _settled_build(config)
    else:
        chunks = sorted((root / CACHE_DIR / cache_module.CHUNK_KIND).glob(f"*/*{ENTRY_SUFFIX}"))
        chunks[-1].write_bytes(b"damaged")
        edit(root / "content" / "two1.md", "Text.", "Text, edited.")
        monkeypatch.setattr(cache_module, "_prune_due", lambda cache: False)
        assert _settled_build(config)  # reads the pack, drops it, does not prune
        monkeypatch.undo()
        _settling_quickly(monkeypatch)
        elsewhere = dataclasses.replace(config, base_url="https://other.example/")
        assert build_site(elsewhere, tmp_path / "elsewhere").written  # another state; prunes
    parsed = _facts_parsed(monkeypatch)
    edit(root / "content" / "one3.md", "Text.", "Text, edited.")
    assert _settled_build(config)
    assert parsed == ["one/l3"]


def test_pruning_never_reads_a_file_in_the_packs_folder_too_large_to_be_an_index(
    tmp_path, monkeypatch
):
    """A file planted among the packs' indexes, claiming a huge first part: pruning, which reads
    the indexes used lately, does not read one larger than any index can be."""
    monkeypatch.setattr(cache_module, "PACK_INDEX_MOST", 4096)
    root = make_site(tmp_path / "site", MANY_PAGES)
    _few_edit_builds(root, tmp_path, monkeypatch, 1)
    key = "ab" * 32
    planted = root / CACHE_DIR / cache_module.PACK_KIND / key[:2] / f"{key}{ENTRY_SUFFIX}"
    planted.parent.mkdir(parents=True, exist_ok=True)
    header = f"trustdocs-cache {cache_module.FORMAT} pack {key} 9000 {'0' * 64} None\n"
    planted.write_bytes(header.encode() + b"x" * 9000)
    read: list[str] = []
    read_entry = cache_module._read_entry

    def spy(cache, kind, key, whole, used=True):
        read.append(key)
        return read_entry(cache, kind, key, whole, used)

    monkeypatch.setattr(cache_module, "_read_entry", spy)
    (root / CACHE_DIR / "last-pruned").unlink()
    BuildCache(root / CACHE_DIR).prune()
    assert key not in read
    assert planted.exists()  # not an entry of its own: left where it is


def test_a_build_that_highlights_nothing_anew_never_loads_pygments(tmp_path):
    """Code blocks and the highlighting styles come from the cache after an edit of prose: the
    build does not load Pygments (a tenth of what a build after one edit cost to start); one
    that adds a code block does, and highlights it."""
    root = make_site(tmp_path / "site", PAGES)
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from trustdocs.build import build_site
        from trustdocs.config import load_config
        result = build_site(load_config(Path(sys.argv[1])))
        assert result.written, result.diagnostics
        print("pygments" in sys.modules)
        """
    )

    def build() -> str:
        run = [sys.executable, "-c", script, str(root / "site.yaml")]
        done = subprocess.run(run, capture_output=True, text=True, timeout=120, check=True)
        return done.stdout.strip()

    assert build() == "True"  # the first build highlights course/x's block
    page = root / "content" / "b.md"
    edit(page, "\n@body\n", "\n@body\nEdited prose.\n")
    assert build() == "False"
    edit(page, "\n@body\n", "\n@body\n```python\nprint(1)\n```\n")
    assert build() == "True"
    page = (root / "site" / "course" / "b.html").read_text(encoding="utf-8")
    assert '<span class="nb">print</span>' in page


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=12,
    )
)
def test_a_key_is_written_as_compact_json_writes_its_parts(value):
    """Keys are the SHA-256 of their parts as JSON (compact, not ASCII-escaped): the encoder made
    once writes what `json.dumps` writes, for any plain value, so that no key changes with it."""
    import json

    expected = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    assert cache_module._key_text(value) == expected


def test_a_build_looks_once_at_each_file_its_cached_pages_read(tmp_path, monkeypatch):
    """A build after an edit finds what every page file and every file its pages read holds
    when it begins; taking a page's facts from the cache, or keeping its record, it asks that
    again of no file (a thousand lessons read a thousand exercise files), and still equals an
    uncached build."""
    from trustdocs import pages as pages_module

    _settling_quickly(monkeypatch)
    root = make_site(tmp_path / "site", PAGES)
    config = load_config(root / "site.yaml")
    assert _settled_build(config)
    looked: list[str] = []
    read_digest = cache_module.read_digest

    def spy(path, *args, **kwargs):
        looked.append(path)
        return read_digest(path, *args, **kwargs)

    hashed: list[str] = []  # each page file looked at (its stamp, if not its bytes)
    file_digest = cache_module.file_digest

    def hash_spy(path, *args, **kwargs):
        hashed.append(str(path))
        return file_digest(path, *args, **kwargs)

    from trustdocs import record as record_module

    monkeypatch.setattr(cache_module, "read_digest", spy)
    monkeypatch.setattr(pages_module, "read_digest", spy)
    monkeypatch.setattr(cache_module, "file_digest", hash_spy)
    monkeypatch.setattr(record_module, "file_digest", hash_spy)
    edit(root / "content" / "b.md", "See", "Now see")
    assert _settled_build(config)
    example = str(root / "content" / "example.js")
    assert looked.count(example) == 1, looked
    page = str(root / "content" / "a.md")
    assert hashed.count(page) == 1, hashed  # found as the build began, and kept for the record
    fresh = build_site(config, tmp_path / "fresh", use_cache=False)
    assert fresh.written and digest(config.output_dir) == digest(tmp_path / "fresh")


def test_site_files_written_the_same_are_linked_by_their_digest_unread(tmp_path, monkeypatch):
    """The search index's files and the theme's assets a build after an edit would write as the
    last build did are linked to the last build's files by the digest the record keeps, not
    read to compare; the output equals an uncached build's, and a file changed by hand since
    is written anew."""
    from trustdocs import output_folder

    _settling_quickly(monkeypatch)
    monkeypatch.setattr(output_folder, "RACY_NS", 0)  # no file is written too late to trust
    root = make_site(tmp_path / "site", MANY_PAGES)
    config = load_config(root / "site.yaml")
    assert _settled_build(config)
    compared: list[str] = []
    link_if = output_folder._link_if
    monkeypatch.setattr(
        output_folder,
        "_link_if",
        lambda old, *rest: compared.append(str(old)) or link_if(old, *rest),
    )
    style = config.output_dir / "_assets" / "style.css"
    style.unlink()
    style.write_text("tampered")
    edit(content(root, "b.md"), "\n@body\n", "\n@body\nEdited.\n")
    time.sleep(2 * SETTLED_S)
    before = {p: p.stat().st_ino for p in config.output_dir.rglob("*.js")}
    assert build_site(config).written
    assert compared == [], compared
    linked = [p for p, inode in before.items() if p.exists() and p.stat().st_ino == inode]
    assert len(linked) >= len(before) // 2  # all but the edited index files and copies
    assert style.read_text() != "tampered"
    fresh = build_site(config, tmp_path / "fresh", use_cache=False)
    assert fresh.written and digest(config.output_dir) == digest(tmp_path / "fresh")
