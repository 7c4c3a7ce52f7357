"""The benchmark courses: what the benchmarks time must be a clean build of comparable work.

A twin that lost its code blocks or its marked lines would make a peer look fast; an academy whose
directives fail would time error reporting. These tests build small versions and compare.
"""

from __future__ import annotations

import posixpath
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
from measurement import hugo_executable, pagefind_executable  # noqa: E402
from synthetic import (  # noqa: E402
    MAX_EXERCISE_LINES,
    generate_academy,
    generate_hugo_site,
    generate_site,
)

LESSONS = 45  # three courses, so that links cross courses


def page_names(sources: list[Path]) -> list[str]:
    """The `@page` names of SOURCES."""
    return [path.read_text(encoding="utf-8").split(maxsplit=2)[1] for path in sources]


def html(path: Path) -> BeautifulSoup:
    """A built page, parsed."""
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_academy_builds_cleanly_with_every_code_block_it_promises(tmp_path: Path, trustdocs):
    blocks = generate_academy(tmp_path, 40)

    run = trustdocs(tmp_path, "build")

    assert run.code == 0
    assert "warning" not in run.err and "error" not in run.err, run.err
    sources = sorted((tmp_path / "src").rglob("*.md"))
    assert len(sources) == 40
    outputs = [
        tmp_path / "academy-site" / ("index.html" if name == "academy" else f"{name}.html")
        for name in page_names(sources)
    ]
    assert sum(len(html(path).select("pre")) for path in outputs) == blocks
    exercises = [p for p in (tmp_path / "src").rglob("*.*") if p.suffix != ".md"]
    kinds = {path.suffix for path in exercises}
    assert kinds == {".js", ".ts", ".jsx", ".html", ".css"}
    # starters stand in TODOs for whole blocks, so only the files shown whole are held to the size
    shown_whole = [path for path in exercises if "-problem." not in path.name]
    sizes = [len(path.read_text(encoding="utf-8").splitlines()) for path in shown_whole]
    assert min(sizes) >= 20 and max(sizes) <= MAX_EXERCISE_LINES


@pytest.mark.skipif(hugo_executable(None) is None, reason="Hugo comes with the bench extra")
def test_hugo_twin_has_every_lesson_with_the_same_headings_code_and_marked_lines(
    tmp_path: Path, trustdocs
):
    generate_site(tmp_path / "trustdocs", LESSONS, directives=True)
    generate_hugo_site(tmp_path / "twin", LESSONS, directives=True)
    assert trustdocs(tmp_path / "trustdocs", "build").code == 0
    hugo = tmp_path / "twin" / "hugo"
    built = subprocess.run(
        [hugo_executable(None), "--quiet"], cwd=hugo, capture_output=True, text=True, check=False
    )
    assert built.returncode == 0, built.stderr
    assert "WARN" not in built.stdout + built.stderr

    sources = sorted((tmp_path / "trustdocs" / "content").glob("*/*/*.md"))
    assert len(sources) == LESSONS
    for name in page_names(sources):
        ours = html(tmp_path / "trustdocs" / "site" / f"{name}.html").select_one("main")
        theirs = html(hugo / "public" / f"{name}.html").select_one("main")
        assert ours.select_one("h1").get_text() == theirs.select_one("h1").get_text(), name
        assert [h["id"] for h in ours.select(".body :is(h2, h3)")] == [
            h["id"] for h in theirs.select(".body :is(h2, h3)")
        ], name
        assert len(ours.select("pre")) == len(theirs.select("pre")), name
        assert len(ours.select(".line.marked")) == len(theirs.select(".line.hl")), name
        assert link_targets(name, ours) == link_targets(name, theirs), name


@pytest.mark.skipif(
    hugo_executable(None) is None or pagefind_executable(None) is None,
    reason="Hugo and Pagefind come with the bench extra",
)
def test_pagefind_indexes_every_page_of_the_hugo_twin_by_its_article_alone(tmp_path: Path):
    """The Hugo + Pagefind series times a search index of the lessons' text, as trustdocs'
    search has it: every page, its article only (not the sidebar every page repeats)."""
    generate_hugo_site(tmp_path / "twin", LESSONS, directives=True)
    hugo = tmp_path / "twin" / "hugo"
    subprocess.run([hugo_executable(None), "--quiet"], cwd=hugo, check=True)
    pages = sorted((hugo / "public").rglob("*.html"))
    assert all(
        html(page).select("article[data-pagefind-body]")
        for page in pages
        if page.name != "404.html"
    )
    indexed = subprocess.run(
        [pagefind_executable(None), "--site", "public"],
        cwd=hugo,
        capture_output=True,
        text=True,
        check=True,
    )
    found = next(
        line for line in indexed.stdout.splitlines() if "Indexed" in line and "page" in line
    )
    assert int(found.split()[1]) >= LESSONS, indexed.stdout
    assert "Found a data-pagefind-body element" in indexed.stdout


def link_targets(name: str, main) -> list[str]:
    """The pages (site paths) that the body of page NAME links to, sorted."""
    hrefs = [a["href"].split("#")[0] for a in main.select(".body a[href]")]
    folder = posixpath.dirname(name)
    return sorted(posixpath.normpath(posixpath.join(folder, href)) for href in hrefs if href)


def test_trustdocs_is_timed_with_its_bytecode_written_as_an_installed_copy_has_it():
    """Compiling the package's source on every run is a cost no installed trustdocs pays."""
    import importlib.util

    from measurement import compile_trustdocs

    import trustdocs

    package = Path(trustdocs.__file__).parent
    modules = sorted(package.rglob("*.py"))
    compile_trustdocs()
    missing = [
        str(module.relative_to(package))
        for module in modules
        if not Path(importlib.util.cache_from_source(str(module))).is_file()
    ]
    assert modules and not missing


def test_the_course_has_a_real_courses_vocabulary(tmp_path: Path):
    """Search does work for each distinct word: a course of a few hundred words in all would make
    indexing look cheaper than a real course's. Words grow with the course as a real one's do
    (Heaps' law): the bundled course has 2,528 distinct words in 23 pages."""
    from trustdocs.search import words_of

    generate_site(tmp_path, 250, directives=False)
    pages = sorted((tmp_path / "content").rglob("*.md"))
    words = [set(words_of(path.read_text(encoding="utf-8"))) for path in pages]
    distinct = set().union(*words)
    assert len(distinct) > 4000  # 5,161; the sentences alone held a few hundred
    # common words are shared by most lessons, as in real prose
    shared = sum(1 for word in distinct if sum(word in page for page in words) > len(pages) // 2)
    assert 20 < shared < 1000
