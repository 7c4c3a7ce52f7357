"""record.py: a build with nothing changed leaves the output alone; any change at all builds again."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import make_site
from test_cache import PAGES, digest, edit

SITE_YAML = "title: Test Course\n"


def stats(folder: Path) -> dict[str, tuple[int, int]]:
    """Each output file's inode and modification time: what rewriting it changes."""
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.fixture
def site(tmp_path: Path) -> Path:
    pages = dict(PAGES)
    pages["notes.txt"] = "copied as it is\n"
    return make_site(tmp_path / "site-src", pages, SITE_YAML)


def test_unchanged_build_leaves_output_alone_and_reports_the_same_problems(trustdocs, site):
    edit(site / "content" / "b.md", "@parent course 2", "@parent course two")
    first = trustdocs(site, "build")
    assert first.code == 0, first.err
    assert "is not an integer" in first.err
    before = stats(site / "site")
    again = trustdocs(site, "build")
    assert again.code == 0
    assert "nothing changed since the last build" in again.err
    assert again.out == first.out
    # the same warnings, at the same places, as the build that wrote the site
    assert [line for line in again.err.splitlines() if "warning:" in line] == [
        line for line in first.err.splitlines() if "warning:" in line
    ]
    assert stats(site / "site") == before


def test_strict_build_of_an_unchanged_site_with_warnings_still_fails(trustdocs, site):
    edit(site / "content" / "b.md", "@parent course 2", "@parent course two")
    assert trustdocs(site, "build").code == 0
    strict = trustdocs(site, "build", "--strict")
    assert strict.code == 1
    assert "not built" in strict.err


def test_a_failed_build_of_an_unchanged_site_fails_again_without_building(trustdocs, site):
    """A site with an error writes nothing, and will write nothing until an input changes: a
    build after it reports the same errors from its record, as one after a written build does,
    and the last written site stays; fixed, the site builds; broken the same way again, it
    fails again at once."""
    assert trustdocs(site, "build").code == 0
    before = stats(site / "site")
    edit(site / "content" / "b.md", "See [course/a]", "See [course/a#nowhere the part]")
    first = trustdocs(site, "build")
    assert first.code == 1 and "no anchor '#nowhere'" in first.err
    assert "nothing changed" not in first.err
    again = trustdocs(site, "build")
    assert again.code == 1, again.err
    assert "not built (previous output left as it was)" in again.err
    assert "nothing changed since the last run" in again.err
    assert [line for line in again.err.splitlines() if "error:" in line] == [
        line for line in first.err.splitlines() if "error:" in line
    ]
    assert stats(site / "site") == before
    edit(site / "content" / "b.md", "[course/a#nowhere the part]", "[course/a#setup the part]")
    fixed = trustdocs(site, "build")
    assert fixed.code == 0 and "nothing changed" not in fixed.err, fixed.err
    assert "#setup" in (site / "site" / "course" / "b.html").read_text()
    edit(site / "content" / "b.md", "[course/a#setup the part]", "[course/a#nowhere the part]")
    broken = trustdocs(site, "build")
    assert broken.code == 1 and "nothing changed since the last run" in broken.err
    assert "#setup" in (site / "site" / "course" / "b.html").read_text()


def test_a_build_that_failed_on_warnings_under_strict_builds_without_it(trustdocs, site):
    """Recorded as failed, a strict build's warnings still let a build without --strict write
    the site, and the failure stands for the next strict build."""
    edit(site / "content" / "b.md", "@parent course 2", "@parent course two")
    assert trustdocs(site, "build", "--strict").code == 1
    assert not (site / "site").exists()
    strict = trustdocs(site, "build", "--strict")
    assert strict.code == 1 and "nothing changed since the last run" in strict.err
    built = trustdocs(site, "build")
    assert built.code == 0 and "nothing changed" not in built.err, built.err
    assert (site / "site" / "course" / "b.html").is_file()


def test_check_of_an_unchanged_site_reports_its_errors_again(trustdocs, site):
    edit(site / "content" / "b.md", "See [course/a]", "See [course/a#nowhere the part]")
    first = trustdocs(site, "check")
    second = trustdocs(site, "check")
    assert first.code == second.code == 1
    assert "nothing changed" in second.err
    assert "no anchor '#nowhere'" in first.err
    assert [line for line in second.err.splitlines() if "error:" in line] == [
        line for line in first.err.splitlines() if "error:" in line
    ]


def problems(run) -> list[str]:
    """The errors and warnings a run printed."""
    return [line for line in run.err.splitlines() if "error:" in line or "warning:" in line]


@pytest.mark.parametrize("command", ["build", "check"])
def test_a_template_error_found_only_when_writing_is_reported_as_a_build_without_cache_would(
    trustdocs, site, command
):
    """A broken print template shows only once the pages pass (with --strict, the base_url
    warning fails the site before it): an unchanged site reports what a build without the cache
    reports now, whichever of --strict and not the last run used."""
    (site / "themes" / "default").mkdir(parents=True)
    (site / "themes" / "default" / "print.html").write_text("{{ missing.part }}\n")
    for first, then in ([], ["--strict"]), (["--strict"], []):
        trustdocs(site, command, *first)
        again = trustdocs(site, command, *then)
        fresh = trustdocs(site, command, *then, "--no-cache")
        assert (again.code, problems(again)) == (fresh.code, problems(fresh)), again.err


def _body(root: Path) -> None:
    edit(root / "content" / "a.md", "Text of A.", "Text of A, edited.")


def _exercise(root: Path) -> None:
    (root / "content" / "example.js").write_text("const answer = 43;\nconsole.log(answer);\n")


def _copied_same_size(root: Path) -> None:
    path = root / "content" / "notes.txt"
    stamp = path.stat()
    path.write_text("COPIED AS IT IS\n")  # same size, and the same modification time
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))


def _new_copied_file(root: Path) -> None:
    (root / "content" / "more.txt").write_text("another file\n")


def _new_page(root: Path) -> None:
    (root / "content" / "c.md").write_text("@page course/c Lesson C\n@parent course 4\n@body\nC.\n")


def _deleted_page(root: Path) -> None:
    (root / "content" / "b.md").unlink()
    edit(root / "content" / "index.md", ", then [course/b]", "")


def _renamed_file(root: Path) -> None:
    (root / "content" / "a.md").rename(root / "content" / "a2.md")


def _config(root: Path) -> None:
    (root / "site.yaml").write_text("title: Another Title\n")


def _theme(root: Path) -> None:
    folder = root / "themes" / "default"
    folder.mkdir(parents=True)
    (folder / "extra.css").write_text("body { color: black }\n")
    (root / "site.yaml").write_text("title: Test Course\ntheme: default\n")


def _output_edited(root: Path) -> None:
    page = root / "site" / "course" / "a.html"
    page.write_text(page.read_text().replace("Lesson A", "Tampered"))


def _output_file_deleted(root: Path) -> None:
    (root / "site" / "sitemap.xml").unlink(missing_ok=True)
    (root / "site" / "404.html").unlink()


def _output_folder_added(root: Path) -> None:
    # An empty folder: a file added is the user's, and refused (test_output_safety.py).
    (root / "site" / "stray").mkdir()


EDITS: dict[str, Callable[[Path], None]] = {
    "body": _body,
    "exercise file": _exercise,
    "copied file, same size and time": _copied_same_size,
    "new copied file": _new_copied_file,
    "new page": _new_page,
    "deleted page": _deleted_page,
    "renamed file": _renamed_file,
    "config": _config,
    "theme": _theme,
    "output edited": _output_edited,
    "output file deleted": _output_file_deleted,
    "output folder added": _output_folder_added,
}


@pytest.mark.parametrize("kind", list(EDITS))
def test_any_change_builds_again_and_equals_a_build_without_cache(trustdocs, site, tmp_path, kind):
    assert trustdocs(site, "build").code == 0
    assert "nothing changed" in trustdocs(site, "build").err
    EDITS[kind](site)
    again = trustdocs(site, "build")
    assert again.code == 0, again.err
    assert "nothing changed" not in again.err
    fresh = trustdocs(site, "build", "--no-cache", "--output", str(tmp_path / "fresh"))
    assert fresh.code == 0
    assert digest(site / "site") == digest(tmp_path / "fresh")
    assert "nothing changed" in trustdocs(site, "build").err  # and the next build knows it again


def test_no_cache_always_builds(trustdocs, site):
    assert trustdocs(site, "build").code == 0
    before = stats(site / "site")
    again = trustdocs(site, "build", "--no-cache")
    assert "nothing changed" not in again.err
    assert stats(site / "site") != before


def test_another_output_folder_is_built_not_taken_for_the_first(trustdocs, site, tmp_path):
    assert trustdocs(site, "build").code == 0
    other = tmp_path / "elsewhere"
    result = trustdocs(site, "build", "--output", str(other))
    assert "nothing changed" not in result.err
    assert digest(other) == digest(site / "site")


def test_a_replaced_output_folder_is_built_again(trustdocs, site, tmp_path):
    """An output put back from a copy has the same names and sizes but is not the file we wrote."""
    assert trustdocs(site, "build").code == 0
    shutil.copytree(site / "site", tmp_path / "copy", copy_function=shutil.copy2)
    shutil.rmtree(site / "site")
    (tmp_path / "copy").rename(site / "site")
    assert "nothing changed" not in trustdocs(site, "build").err


def test_rebuild_reuses_unchanged_files_of_the_previous_site_only_when_they_are_ours(
    trustdocs, site, tmp_path
):
    """Unchanged pages are linked from the previous site, which is then deleted: no file is left
    shared, and a previous file that is a link to elsewhere is written afresh, never linked to."""
    assert trustdocs(site, "build").code == 0
    page = site / "site" / "course" / "b.html"
    outside = tmp_path / "outside.html"
    outside.write_bytes(page.read_bytes())
    page.unlink()
    page.symlink_to(outside)
    _body(site)
    assert trustdocs(site, "build").code == 0
    assert not page.is_symlink() and page.read_bytes() == outside.read_bytes()
    assert outside.stat().st_nlink == 1
    assert all(p.stat().st_nlink == 1 for p in (site / "site").rglob("*") if p.is_file())
    assert not list(site.glob(".site.*"))  # nothing left beside the output


def _big_course(root: Path, lessons: int = 110) -> Path:
    """Enough lessons for the build to use its workers (on a machine with more than one core)."""
    pages = {"index.md": "@page course Course\n@body\nStart here.\n"}
    for number in range(lessons):
        pages[f"l{number}.md"] = (
            f"@page course/l{number} Lesson {number}\n@parent course {number}\n@body\n"
            f"## Part {number}\n\nText of lesson {number}.\n"
        )
    return make_site(root, pages, SITE_YAML)


def test_a_rebuild_reuses_unchanged_page_files_but_never_one_changed_since(trustdocs, tmp_path):
    """After one lesson is edited, the other pages' files are the previous site's (linked, not
    written again); a page file changed since the last build, even with its size and modification
    time put back, is written afresh; the site equals a build without cache."""
    site = _big_course(tmp_path / "course")
    assert trustdocs(site, "build").code == 0
    tampered = site / "site" / "course" / "l5.html"
    stamp = tampered.stat()
    text = tampered.read_text()
    tampered.write_text(text.replace("Text of lesson 5.", "Text of lesson X."))
    os.utime(tampered, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    kept = (site / "site" / "course" / "l9.html").stat().st_ino
    edit(site / "content" / "l7.md", "Text of lesson 7.", "Text of lesson 7, edited.")
    assert trustdocs(site, "build").code == 0
    assert "Text of lesson 5." in tampered.read_text()
    assert "Text of lesson 7, edited." in (site / "site" / "course" / "l7.html").read_text()
    assert (site / "site" / "course" / "l9.html").stat().st_ino == kept
    fresh = trustdocs(site, "build", "--no-cache", "--output", str(tmp_path / "fresh"))
    assert fresh.code == 0
    assert digest(site / "site") == digest(tmp_path / "fresh")


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="build workers need two cores")
def test_a_full_disk_while_workers_write_pages_is_an_error_and_keeps_the_previous_site(
    trustdocs, tmp_path, monkeypatch
):
    import errno

    from trustdocs.output_folder import FreshOutput

    site = _big_course(tmp_path / "course")
    assert trustdocs(site, "build").code == 0
    before = digest(site / "site")
    edit(site / "content" / "l3.md", "Text of lesson 3.", "Text of lesson 3, edited.")

    def full(self, rel, content, digest=""):
        raise OSError(errno.ENOSPC, "No space left on device", str(self.folder / rel))

    monkeypatch.setattr(FreshOutput, "write", full)  # workers are forked: they inherit it
    result = trustdocs(site, "build")
    assert result.code == 2
    assert "cannot write the output folder" in result.err and "No space left" in result.err
    assert "Traceback" not in result.err and "internal error" not in result.err
    assert digest(site / "site") == before
    assert not list(site.glob(".site.*"))


def test_a_check_of_files_directives_cannot_use_is_left_alone_while_they_stay_the_same(
    trustdocs, tmp_path
):
    """Each file a directive read (or refused) is remembered as it was read: a link, a file too
    large, one that is not UTF-8, a missing one or a folder are all found unchanged next time."""
    root = make_site(
        tmp_path / "site",
        {
            "index.md": "@page home Home\n@body\n@sourceref ./current.js\n",
            "refused.md": (
                "@page home/refused Refused\n@parent home\n@body\n"
                "@sourceref ./big.js\n\n@sourceref ./latin1.js\n\n@sourceref ./gone.js\n\n"
                "@sourceref ./folder\n"
            ),
            "step.js": "const step = 1;\n",
            "big.js": "x" * 100,
            "folder/inside.txt": "a folder\n",
        },
        SITE_YAML + "max_include_bytes: 50\n",
    )
    (root / "content" / "latin1.js").write_bytes(b"caf\xe9\n")
    (root / "content" / "current.js").symlink_to("step.js")
    first = trustdocs(root, "check")
    assert first.code == 1
    assert all(
        problem in first.err
        for problem in ("larger than 50", "not UTF-8", "does not exist", "not a regular file")
    ), first.err
    again = trustdocs(root, "check")
    assert "nothing changed" in again.err, again.err


def test_a_file_too_large_to_include_is_never_read_whole_yet_its_changes_are_seen(
    trustdocs, tmp_path, monkeypatch
):
    """A directive naming a file over max_include_bytes is refused whatever the file holds: it is
    known by its size, never hashed whole at each build (it may be gigabytes). Growing, it is
    reported at its new size; shrunk under the limit, it is included."""
    root = make_site(
        tmp_path / "site",
        {
            "index.md": "@page home Home\n@body\n@sourceref ./big.js\n",
            "other.md": "@page home/other Other\n@parent home\n@body\nText.\n",
            "big.js": "x" * 100,
        },
        SITE_YAML + "max_include_bytes: 50\n",
    )
    hashed = _hashing(monkeypatch)
    first = trustdocs(root, "build")
    assert first.code == 1 and "larger than 50 bytes (100 bytes or more)" in first.err
    edit(root / "content" / "other.md", "Text.", "More text.")  # the big file's page is reused
    again = trustdocs(root, "build")
    assert again.code == 1 and "(100 bytes or more)" in again.err
    assert [name for name, _ in hashed if name == "big.js"] == []
    (root / "content" / "big.js").write_text("y" * 120)
    grown = trustdocs(root, "build")
    assert grown.code == 1 and "(120 bytes or more)" in grown.err, grown.err
    (root / "content" / "big.js").write_text("const small = 1;\n")
    shrunk = trustdocs(root, "build")
    assert shrunk.code == 0, shrunk.err
    assert "small" in (root / "site" / "index.html").read_text()


def test_a_build_that_finds_nothing_changed_never_loads_what_renders(tmp_path):
    """Finding nothing changed reads the record, the sources and the output folder: it never
    loads Jinja, Pygments, the stemmer, the Markdown parser or the build workers, which cost a
    warm build more than the check itself."""
    import subprocess
    import sys

    root = make_site(tmp_path / "site", {f"course/{k}": v for k, v in PAGES.items()})
    probe = (
        "import sys\n"
        "from trustdocs.cli import main\n"
        "sys.argv = ['trustdocs', 'build']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('jinja2', 'pygments', 'snowballstemmer', 'multiprocessing', 'trustdocs.render',"
        " 'markdown_it')\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    )

    def loaded() -> tuple[str, str]:
        done = subprocess.run(
            [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True
        )
        return done.stdout.strip(), done.stderr

    first, _ = loaded()
    assert "jinja2" in first and "markdown_it" in first  # the probe sees a real build
    again, said = loaded()
    assert "nothing changed" in said and again == "[]"
    edit(root / "content" / "course" / "b.md", "See", "Now see")
    edited, said = loaded()
    assert "nothing changed" not in said and "jinja2" in edited


def _hashing(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Each file hashed from now on but the theme's (read to key the site, as every build does):
    its name, and how many of its bytes were read."""
    import hashlib

    from trustdocs.config import default_theme_dir

    hashed: list[tuple[str, int]] = []
    whole = hashlib.file_digest

    def counted(file, digest):
        result = whole(file, digest)
        path = Path(os.readlink(f"/proc/self/fd/{file.fileno()}"))
        if not path.is_relative_to(default_theme_dir()):
            hashed.append((path.name, file.tell()))
        return result

    monkeypatch.setattr(hashlib, "file_digest", counted)
    return hashed


def _outputs_settle_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Output files trusted by their signatures as soon as they are written: builds seconds
    apart check the bytes of those just written (see the clock tick test below)."""
    from trustdocs import output_folder

    monkeypatch.setattr(output_folder, "RACY_NS", 0)


def _next_process(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Forget the digests this process has kept, as a new trustdocs process starts; `_hashing`."""
    from trustdocs import cache as cache_module

    cache_module._DIGESTS.clear()
    return _hashing(monkeypatch)


def test_a_build_reads_only_the_files_saved_since_the_last_one(trustdocs, site, monkeypatch):
    """The build record keeps each file's digest with its size, times and inode: the next build
    (another process) hashes no page file or exercise file that kept them, and the one edited."""
    from trustdocs import cache as cache_module

    monkeypatch.setattr(cache_module, "_SETTLED_NS", -1)  # every file settled at once
    _outputs_settle_at_once(monkeypatch)
    assert trustdocs(site, "build").code == 0
    hashed = _next_process(monkeypatch)
    again = trustdocs(site, "build")
    assert "nothing changed" in again.err and hashed == []
    _body(site)
    hashed = _next_process(monkeypatch)
    edited = trustdocs(site, "build")
    assert edited.code == 0 and "nothing changed" not in edited.err
    assert "Text of A, edited." in (site / "site" / "course" / "a.html").read_text()
    assert {name for name, _ in hashed} == {"a.md"}


@pytest.mark.parametrize("name", ["a.md", "example.js"])
def test_a_file_rewritten_with_its_size_and_times_put_back_is_read_by_the_next_build(
    trustdocs, site, monkeypatch, name
):
    """A page or exercise file changed in place with the same size, its modification time then
    set back (as `touch -r` or a restore tool does), is not taken for the file the record kept:
    its change time moved."""
    from trustdocs import cache as cache_module

    monkeypatch.setattr(cache_module, "_SETTLED_NS", -1)
    path = site / "content" / name
    long_ago = path.stat().st_mtime - 3600
    os.utime(path, (long_ago, long_ago))
    assert trustdocs(site, "build").code == 0
    _next_process(monkeypatch)
    old, new = ("Text of A.", "Text of Z.") if name == "a.md" else ("42", "43")
    edit(path, old, new)
    os.utime(path, (long_ago, long_ago))
    _next_process(monkeypatch)
    again = trustdocs(site, "build")
    assert again.code == 0 and "nothing changed" not in again.err
    page = "a.html" if name == "a.md" else "x.html"
    assert new in (site / "site" / "course" / page).read_text()


def test_a_check_never_hashes_whole_a_file_too_large_to_include(trustdocs, tmp_path, monkeypatch):
    """A check keeps its record even when it finds errors: remembering the files directives read
    must not hash whole the one refused for its size (it may be gigabytes)."""
    from trustdocs import cache as cache_module

    monkeypatch.setattr(cache_module, "_SETTLED_NS", -1)
    root = make_site(
        tmp_path / "site",
        {"index.md": "@page home Home\n@body\n@sourceref ./big.js\n", "big.js": "x" * 100},
        SITE_YAML + "max_include_bytes: 50\n",
    )
    hashed = _hashing(monkeypatch)
    first = trustdocs(root, "check")
    assert first.code == 1 and "larger than 50 bytes" in first.err
    assert hashed and max(size for _, size in hashed) <= 50
    cache_module._DIGESTS.clear()  # as a new process
    again = trustdocs(root, "check")
    assert again.code == 1 and "nothing changed" in again.err
    assert max(size for _, size in hashed) <= 50


@pytest.mark.parametrize("link", ["code/example.js", "code"])
def test_a_link_pointed_out_of_the_site_at_the_same_bytes_is_refused_by_the_next_build(
    trustdocs, tmp_path, link
):
    """A file a directive reads through a link (the file's own or a folder's on the way), pointed
    at a file outside the site that holds the same bytes, is refused as a fresh build refuses it:
    where the link leads is part of what the page read."""
    root = make_site(
        tmp_path / "site",
        {"index.md": "@page home Home\n@body\n@sourceref ../code/example.js\n"},
        SITE_YAML,
    )
    code = "const answer = 42;\n"
    (root / "exercises").mkdir()
    (root / "exercises" / "example.js").write_text(code)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "example.js").write_text(code)
    (root / "code").mkdir()
    if link == "code":
        (root / "code").rmdir()
    (root / link).symlink_to(root / "exercises" / Path(link).relative_to("code"))
    first = trustdocs(root, "build")
    assert first.code == 0, first.err
    assert "nothing changed" in trustdocs(root, "build").err
    (root / link).unlink()
    (root / link).symlink_to(tmp_path / "outside" / Path(link).relative_to("code"))
    again = trustdocs(root, "build")
    fresh = trustdocs(root, "build", "--no-cache", "--output", str(tmp_path / "fresh"))
    assert fresh.code == 1 and "is outside the site folder" in fresh.err
    assert again.code == 1 and "is outside the site folder" in again.err, again.err


def test_files_that_settle_after_a_build_are_read_once_more_not_at_every_build(
    trustdocs, site, monkeypatch
):
    """A build right after a checkout hashes files too fresh to be known by their stamps; a later
    build that finds nothing changed records them once they have settled, and the build after
    it reads none of them. They were read again by every build until something changed."""
    from trustdocs import cache as cache_module

    monkeypatch.setattr(cache_module, "_SETTLED_NS", 10**18)  # nothing has settled yet
    _outputs_settle_at_once(monkeypatch)
    assert trustdocs(site, "build").code == 0
    monkeypatch.setattr(cache_module, "_SETTLED_NS", -1)  # now every file has
    hashed = _next_process(monkeypatch)
    assert "nothing changed" in trustdocs(site, "build").err
    assert "a.md" in {name for name, _ in hashed}
    hashed = _next_process(monkeypatch)
    assert "nothing changed" in trustdocs(site, "build").err
    assert hashed == []
    _body(site)
    _next_process(monkeypatch)
    edited = trustdocs(site, "build")
    assert "nothing changed" not in edited.err
    assert "Text of A, edited." in (site / "site" / "course" / "a.html").read_text()


def test_a_build_that_finds_nothing_changed_keeps_the_record_another_build_wrote_meanwhile(
    trustdocs, site, monkeypatch
):
    """Two builds at once (an editor's build on save and one in a terminal): the one that finds
    nothing changed, while it looks, must not put back its older record over the one the other
    build wrote for the edited site, or the next build makes the whole site again."""
    from trustdocs import build as build_module
    from trustdocs import cache as cache_module

    monkeypatch.setattr(cache_module, "_SETTLED_NS", 10**18)  # nothing has settled yet
    assert trustdocs(site, "build").code == 0
    monkeypatch.setattr(cache_module, "_SETTLED_NS", -1)  # now every file has
    _next_process(monkeypatch)
    learned = build_module.with_digests_learned
    other: list[str] = []

    def meanwhile(record, files):  # the other build, started after the edit, ends first
        if not other:
            _body(site)
            other.append(trustdocs(site, "build").err)
        return learned(record, files)

    monkeypatch.setattr(build_module, "with_digests_learned", meanwhile)
    assert "nothing changed" in trustdocs(site, "build").err
    assert other and "nothing changed" not in other[0]
    monkeypatch.setattr(build_module, "with_digests_learned", learned)
    _next_process(monkeypatch)
    after = trustdocs(site, "build")
    assert after.code == 0 and "nothing changed" in after.err, after.err
    assert "Text of A, edited." in (site / "site" / "course" / "a.html").read_text()


@pytest.mark.parametrize("racy", [True, False], ids=["moments-after", "settled"])
def test_a_copied_file_unchanged_since_the_last_build_is_linked_not_copied_again(
    trustdocs, site, monkeypatch, racy
):
    """A file the site copies (an image, a download), unchanged since the last build, is the
    last build's very file in the next output: linked, not copied again at every edit of a page
    (moments after that build, once its bytes are checked). Changed, it is copied anew; its copy
    in the output changed, it is copied anew too."""
    from trustdocs import output_folder

    if not racy:
        monkeypatch.setattr(output_folder, "RACY_NS", 0)  # every file settled at once
    copy = site / "site" / "notes.txt"
    assert trustdocs(site, "build").code == 0
    first = copy.stat().st_ino
    edit(site / "content" / "a.md", "@body\n", "@body\nText of A, edited.\n")
    assert trustdocs(site, "build").code == 0
    assert copy.stat().st_ino == first and copy.read_text() == "copied as it is\n"
    (site / "content" / "notes.txt").write_text("changed\n")
    assert trustdocs(site, "build").code == 0
    assert copy.stat().st_ino != first and copy.read_text() == "changed\n"
    edit(site / "content" / "a.md", "@body\n", "@body\nOnce more.\n")
    shown = copy.stat()
    copy.write_text("chang3\n")  # the same size, its times put back: its change time moved
    os.utime(copy, ns=(shown.st_atime_ns, shown.st_mtime_ns))
    assert trustdocs(site, "build").code == 0
    assert copy.read_text() == "changed\n"


def test_a_copied_file_saved_while_the_build_writes_is_copied_again_by_the_next(
    trustdocs, site, monkeypatch
):
    """A file the site copies, saved after the build copied it but before the build was over:
    the output holds the old text, so the next build must not find nothing changed."""
    from trustdocs import output_folder

    swap_in = output_folder.FreshOutput.swap_in

    def saved_meanwhile(fresh: output_folder.FreshOutput) -> object:
        (site / "content" / "notes.txt").write_text("saved while the build wrote\n")
        return swap_in(fresh)

    monkeypatch.setattr(output_folder.FreshOutput, "swap_in", saved_meanwhile)
    assert trustdocs(site, "build").code == 0
    monkeypatch.setattr(output_folder.FreshOutput, "swap_in", swap_in)
    assert (site / "site" / "notes.txt").read_text() == "copied as it is\n"
    again = trustdocs(site, "build")
    assert again.code == 0 and "nothing changed" not in again.err
    assert (site / "site" / "notes.txt").read_text() == "saved while the build wrote\n"


def test_a_copy_changed_in_the_fresh_output_is_not_recorded_as_what_the_build_copied(
    trustdocs, site, monkeypatch
):
    """The digest a build records for a file it copies is that of the bytes it copied, not of
    what its copy holds when looked at again: a copy changed in the output being built (its size
    kept) is copied anew by the next build, not linked as if it were the source's."""
    from trustdocs import cache as cache_module
    from trustdocs import output_folder

    write_file = output_folder.write_file

    def changed_once_copied(target, content):
        digest = write_file(target, content)
        if isinstance(content, Path) and content.name == "notes.txt":
            target.write_text("c0pied as it is\n")  # the same size
        return digest

    monkeypatch.setattr(cache_module, "_SETTLED_NS", 10**18)  # the source has not settled
    monkeypatch.setattr(output_folder, "write_file", changed_once_copied)
    assert trustdocs(site, "build").code == 0
    monkeypatch.setattr(output_folder, "write_file", write_file)
    monkeypatch.setattr(output_folder, "RACY_NS", 0)  # the output's files settled at once
    monkeypatch.setattr(cache_module, "_SETTLED_NS", -1)  # and the sources
    _next_process(monkeypatch)
    edit(site / "content" / "a.md", "@body\n", "@body\nText of A, edited.\n")
    assert trustdocs(site, "build").code == 0
    assert (site / "site" / "notes.txt").read_text() == "copied as it is\n"


@pytest.mark.parametrize("name", ["page.html", "assets/style.css"])
def test_a_theme_file_saved_during_a_build_then_put_back_is_built_as_put_back(
    trustdocs, site, tmp_path, monkeypatch, name
):
    """A theme's template or asset saved while a build runs (after the build took the theme's
    key, before it rendered and copied), then put back as it was: the next build's pages and
    files are the theme's as it is now, not what the edit made of them while it lasted."""
    from conftest import REPO

    from trustdocs import site as site_module

    theme_file = site / "themes" / "default" / name
    theme_file.parent.mkdir(parents=True)
    original = (REPO / "themes" / "default" / name).read_text()
    theme_file.write_text(original)
    (site / "site.yaml").write_text(SITE_YAML + "theme: default\n")
    assert trustdocs(site, "build").code == 0
    edit(site / "content" / "a.md", "Text of A.", "Text of A, again.")
    build = site_module.Site.build

    def saved_meanwhile(self: site_module.Site, *args: object, **kwargs: object) -> None:
        theme_file.write_text("<!-- saved meanwhile -->" + original)
        return build(self, *args, **kwargs)

    monkeypatch.setattr(site_module.Site, "build", saved_meanwhile)
    assert trustdocs(site, "build").code == 0
    monkeypatch.setattr(site_module.Site, "build", build)
    theme_file.write_text(original)  # put back
    again = trustdocs(site, "build")
    assert again.code == 0, again.err
    fresh = trustdocs(site, "build", "--no-cache", "--output", str(tmp_path / "fresh"))
    assert fresh.code == 0
    for output in [*(site / "site").rglob("*.html"), *(site / "site").rglob("*.css")]:
        assert "saved meanwhile" not in output.read_text(), output
    assert digest(site / "site") == digest(tmp_path / "fresh")


def _tamper_within_the_tick(page: Path) -> str:
    """Change PAGE in place, its size kept, its modification time put back into the second it
    was written in (as a file system with a one-second clock shows such a change); its text."""
    text = page.read_text()
    before = page.stat()
    with open(page, "r+b") as file:
        file.write(text.replace("Text of A.", "Text of Z.").encode())
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    return text


def test_an_output_changed_in_place_within_its_clock_tick_is_noticed(trustdocs, site, monkeypatch):
    """On a file system whose clock ticks once a second (ext2, HFS+), a file changed in place in
    the second the build wrote it keeps its signature: the next build found nothing changed and
    kept it, and a build after an edit elsewhere linked it into the new site. Files written that
    shortly before the record are checked by their bytes until they have settled."""
    from trustdocs import output_folder

    def one_second_clock(info: os.stat_result) -> tuple[int, int, int, int]:
        return (info.st_ino, info.st_size, info.st_mtime_ns // 10**9 * 10**9, 0)

    monkeypatch.setattr(output_folder, "file_signature", one_second_clock)
    assert trustdocs(site, "build").code == 0
    page = site / "site" / "course" / "a.html"
    written = _tamper_within_the_tick(page)
    again = trustdocs(site, "build")
    assert "nothing changed" not in again.err and page.read_text() == written
    _tamper_within_the_tick(page)
    edit(site / "content" / "b.md", "@parent course 2", "@parent course 3")
    assert trustdocs(site, "build").code == 0
    assert page.read_text() == written


def test_outputs_dated_in_the_future_are_not_read_at_every_build(trustdocs, site, monkeypatch):
    """A clock set back (or `touch -d '+1 hour'`) left the output's files dated ahead: they
    counted as just written, and every build read them all again until their date came."""
    import time

    assert trustdocs(site, "build").code == 0
    ahead = time.time() + 3600
    for path in (site / "site").rglob("*"):
        os.utime(path, (ahead, ahead), follow_symlinks=False)
    assert "nothing changed" not in trustdocs(site, "build").err  # the output is not as written
    hashed = _next_process(monkeypatch)
    assert "nothing changed" in trustdocs(site, "build").err
    pages = {path.name for path in (site / "site" / "course").glob("*.html")}
    assert pages and [name for name, _ in hashed if name in pages] == []  # linked, dated ahead
