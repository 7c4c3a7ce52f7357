"""The output folder: never a source, never outside the site, always the old site or the new one."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import CONSULTING, make_site, write_files

from trustdocs.output_folder import MARKER, MARKER_TEXT, remove_stale_temporaries, write_output

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def snapshot_tree(folder: Path) -> dict[str, str]:
    """Every file under FOLDER (symlinks as their target), with a hash of its bytes.

    The build cache is left out: it is the build's own, and may change on any run.
    """
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if ".trustdocs-cache" in rel.split("/"):
            continue
        if path.is_symlink():
            found[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def run_cli(folder: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trustdocs", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@dataclass
class Case:
    """A site, a command, and what must come of it."""

    name: str
    args: tuple[str, ...] = ("build",)
    pages: dict[str, str] = field(default_factory=lambda: dict(CONSULTING))
    config: str = "title: Test Course\n"
    extra: dict[str, str] = field(default_factory=dict)  # more files beside site.yaml
    prepare: object = None  # callable(site folder) run before the command
    code: int = EXIT_USAGE
    where: str = "site.yaml:1"  # the `path:line` the message starts with
    message: str = ""


def _symlink(target: str, link: str):
    def prepare(root: Path) -> None:
        (root / link).symlink_to(root / target)

    return prepare


def _fifo(name: str):
    def prepare(root: Path) -> None:
        os.mkfifo(root / name)

    return prepare


REFUSED_OUTPUTS = [
    Case("output is site.yaml", ("build", "--output", "site.yaml"), message="is a file"),
    Case(
        "output is a page",
        ("build", "--output", "content/index.md"),
        message="is a file",
    ),
    Case("output is any file", ("build", "--output", "notes.txt"), extra={"notes.txt": "mine\n"}),
    Case(
        "output is a symlink to site.yaml",
        ("build", "--output", "out"),
        prepare=_symlink("site.yaml", "out"),
        message="is a link",
    ),
    Case(
        "output is a symlink to a folder",
        ("build", "--output", "out"),
        extra={"mine/keep.txt": "keep\n"},
        prepare=_symlink("mine", "out"),
        message="is a link",
    ),
    Case(
        "output is the themes folder",
        config="title: T\noutput: themes\n",
        extra={"themes/default/page.html": "{{ page.title }}\n"},
        where="site.yaml:2",
        message="is inside themes, the themes' folder, which every build reads",
    ),
    Case(
        "output is a new folder in the theme",  # each build would copy the last into the next
        config="title: T\ncontent: content\noutput: themes/default/assets/out\n",
        extra={"themes/default/page.html": "{{ page.title }}\n"},
        where="site.yaml:3",
        message="every build reads",
    ),
    Case(
        "output is in another theme",
        ("build", "--output", "themes/other/out"),
        extra={"themes/other/page.html": "{{ page.title }}\n"},
        message="every build reads",
    ),
    Case("output is the content folder", ("build", "--output", "content"), message="sources"),
    Case("output is the site folder", ("build", "--output", "."), message="sources"),
    Case("output is the parent folder", ("build", "--output", ".."), message="sources"),
    Case(
        "output is a folder @sourceref reads from",
        ("build", "--output", "exercises"),
        pages={
            **CONSULTING,
            "index.md": "@page learn-technology-consulting Home\n@body\n@sourceref ../exercises/a.js\n",
        },
        extra={"exercises/a.js": "let a = 1;\n"},
        message="did not write",
    ),
    Case(
        "output is a folder with someone's files",
        ("build", "--output", "mine"),
        extra={"mine/thesis.tex": "years of work\n"},
        message="did not write",
    ),
    Case("output is a FIFO", ("build", "--output", "pipe"), prepare=_fifo("pipe"), message="file"),
]


BITDOCS_PACKAGE = {
    "name": "academy",
    "bit-docs": {"glob": {"pattern": "src/**/*.md"}, "parent": "academy", "static": "static"},
}
BITDOCS_PAGES = {"src/academy.md": "@page academy Academy\n@body\nHello.\n"}


def bitdocs_case(name: str, dest: str, message: str) -> Case:
    package = json.dumps(
        {**BITDOCS_PACKAGE, "bit-docs": {**BITDOCS_PACKAGE["bit-docs"], "dest": dest}}
    )
    return Case(
        name,
        pages={},
        config="",
        extra={"package.json": package, "static/logo.svg": "<svg/>\n", **BITDOCS_PAGES},
        where="package.json:1",
        message=message,
    )


REFUSED_OUTPUTS += [
    Case(
        # `cp -r site/* www/` leaves the marker (a dot file) out; the user's files come next.
        "output is a folder with a site's files and someone's",
        ("build", "--output", "www"),
        extra={
            "www/_assets/trustdocs.js": "// copied\n",
            "www/_assets/pygments.css": "/* copied */\n",
            "www/blog.html": "<p>mine</p>\n",
        },
        message="did not write",
    ),
    Case(
        "bit-docs dest is a link to another folder",
        pages={},
        config="",
        extra={
            "package.json": json.dumps(
                {**BITDOCS_PACKAGE, "bit-docs": {**BITDOCS_PACKAGE["bit-docs"], "dest": "./doc"}}
            ),
            "static/logo.svg": "<svg/>\n",
            "other/site/.trustdocs-output": "This folder is written by trustdocs build.\n",
            "other/site/index.html": "another course\n",
            **BITDOCS_PAGES,
        },
        prepare=_symlink("other/site", "doc"),
        where="package.json:1",
        message="is a link",
    ),
    bitdocs_case("bit-docs dest is its static folder", "./static", "the static folder"),
    bitdocs_case("bit-docs dest is in its static folder", "./static/doc", "the static folder"),
    bitdocs_case("bit-docs dest is package.json", "./package.json", "is a file"),
    bitdocs_case("bit-docs dest is the page folder", "./src", "did not write"),
]


@pytest.mark.parametrize("case", REFUSED_OUTPUTS, ids=[c.name for c in REFUSED_OUTPUTS])
def test_an_output_that_is_not_ours_is_refused_and_nothing_changes(tmp_path, case):
    root = tmp_path / "site"
    if case.config:
        make_site(root, case.pages, case.config)
    else:
        root.mkdir()
    write_files(root, case.extra)
    if case.prepare:
        case.prepare(root)
    before = snapshot_tree(tmp_path)
    result = run_cli(root, *case.args)
    assert result.returncode == case.code, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(case.where + ":"), result.stderr
    assert case.message in result.stderr
    assert snapshot_tree(tmp_path) == before


def test_a_folder_trustdocs_wrote_is_replaced_and_carries_the_marker(tmp_path):
    root = make_site(tmp_path, CONSULTING)
    assert run_cli(root, "build").returncode == EXIT_OK
    assert (root / "site" / MARKER).is_file()
    (root / "site" / "index.html").write_text("edited by hand")  # a file the build wrote
    assert run_cli(root, "build").returncode == EXIT_OK
    assert "edited by hand" not in (root / "site" / "index.html").read_text()
    empty = root / "empty"
    empty.mkdir()
    assert run_cli(root, "build", "--output", "empty").returncode == EXIT_OK


@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no-cache"])
def test_files_added_to_the_output_since_the_last_build_are_never_deleted(tmp_path, cache):
    """A git checkout of the published branch in the output folder (its `.git`, work not yet
    pushed), or a note left there: the next build refuses to replace the folder, and says
    what it holds; once they are moved away, it builds."""
    root = make_site(tmp_path, CONSULTING)
    flags = () if cache else ("--no-cache",)
    assert run_cli(root, "build", *flags).returncode == EXIT_OK
    site = root / "site"
    write_files(site, {".git/HEAD": "ref: refs/heads/gh-pages\n", "notes.txt": "mine"})
    (site / "learn-technology-consulting" / "draft.html").write_text("mine too")
    page = root / "content" / "index.md"
    page.write_text(page.read_text() + "\nOne more line.\n")
    before = snapshot_tree(site)
    result = run_cli(root, "build", *flags)
    assert result.returncode == EXIT_USAGE, result.stderr
    assert "Traceback" not in result.stderr
    assert "holds what the last build did not write" in result.stderr
    assert "(.git/, learn-technology-consulting/draft.html, notes.txt)" in result.stderr
    assert snapshot_tree(site) == before
    assert run_cli(root, "check", *flags).returncode == EXIT_USAGE  # as a build would
    for added in (".git", "notes.txt", "learn-technology-consulting/draft.html"):
        shutil.rmtree(site / added) if added == ".git" else (site / added).unlink()
    assert run_cli(root, "build", *flags).returncode == EXIT_OK
    assert "One more line." in (site / "index.html").read_text()


def test_a_file_a_page_reads_from_the_output_folder_is_never_deleted(tmp_path):
    """A `@sourceref` to a file put in the output folder by hand: the build that would replace
    the folder, and the file with it, is refused instead."""
    root = make_site(tmp_path, CONSULTING)
    assert run_cli(root, "build", "--no-cache").returncode == EXIT_OK
    write_files(root / "site", {"examples/demo.py": "print('kept')\n"})
    page = root / "content" / "index.md"
    page.write_text(page.read_text() + "\n@sourceref ../site/examples/demo.py\n")
    result = run_cli(root, "build", "--no-cache")
    assert result.returncode == EXIT_USAGE, result.stderr
    assert "examples/" in result.stderr
    assert (root / "site" / "examples" / "demo.py").read_text() == "print('kept')\n"


def test_an_output_an_earlier_version_wrote_is_replaced_unless_it_holds_a_git_repository(
    tmp_path,
):
    """A marker without the list of what its build wrote vouches for the folder, as it did;
    a `.git` in it, never."""
    root = make_site(tmp_path, CONSULTING)
    write_files(root / "site", {MARKER: MARKER_TEXT})
    write_files(root / "site", {"old.html": "x"})
    assert run_cli(root, "build").returncode == EXIT_OK
    assert not (root / "site" / "old.html").exists()
    write_files(root / "site", {MARKER: MARKER_TEXT})
    (root / "site" / ".git").write_text("gitdir: ../.git/worktrees/site\n")  # a worktree
    result = run_cli(root, "build")
    assert result.returncode == EXIT_USAGE
    assert "(.git)" in result.stderr
    assert (root / "site" / ".git").is_file()


def test_an_output_inside_the_content_folder_is_not_read_as_content(tmp_path):
    root = make_site(tmp_path, CONSULTING)
    for _ in range(3):
        result = run_cli(root, "build", "--output", "content/_site")
        assert result.returncode == EXIT_OK, result.stderr
    assert not (root / "content/_site/content").exists()
    assert "built 5 pages" in result.stderr
    assert not list((root / "content/_site").rglob("_site"))


def test_another_output_inside_the_content_folder_is_not_published_by_a_build_elsewhere(tmp_path):
    """A site whose content is its own folder (`content: .`) builds into `site/`, inside its
    content; a build elsewhere (`--output`, or `trustdocs deploy`, which builds into a temporary
    folder) must not publish that earlier site as files of the content."""
    root = make_site(tmp_path / "course", {})
    (root / "site.yaml").write_text("title: Test Course\ncontent: .\n")
    (root / "index.md").write_text("@page home Home\n@body\nHello.\n")
    assert run_cli(root, "build").returncode == EXIT_OK
    assert (root / "site" / "index.html").is_file()
    result = run_cli(root, "build", "--output", str(tmp_path / "elsewhere"))
    assert result.returncode == EXIT_OK, result.stderr
    assert (tmp_path / "elsewhere" / "index.html").is_file()
    assert not (tmp_path / "elsewhere" / "site").exists()
    assert "left out" not in result.stderr  # the site's own output: nothing to say


def test_a_named_output_that_holds_the_authors_files_is_published_by_a_build_elsewhere(tmp_path):
    """The output folder site.yaml names may be a link to a folder of the content: a build
    there is refused (trustdocs never replaces it), and a build elsewhere (`--output`, `deploy`)
    must not take that folder for the site's earlier output and leave its lessons out without a
    word: it holds no site trustdocs built, so its files are the author's, and published."""
    pages = {
        "index.md": "@page course Course\n@body\nHello.\n",
        "extra/x.md": "@page course/x Extra Lesson\n@parent course 1\n@body\nThe extra lesson.\n",
    }
    root = make_site(tmp_path / "course", pages)
    (root / "site.yaml").write_text("title: Test Course\noutput: public\n")
    (root / "public").symlink_to("content/extra", target_is_directory=True)
    refused = run_cli(root, "build")
    assert refused.returncode != EXIT_OK and "is a link" in refused.stderr
    result = run_cli(root, "build", "--strict", "--base-url", "https://x.org/", "--output", "out")
    assert result.returncode == EXIT_OK, result.stderr
    assert "The extra lesson." in (root / "out" / "course" / "x.html").read_text()
    assert (root / "content" / "extra" / "x.md").is_file()  # the sources are as they were


@pytest.mark.parametrize("args", [(), ("--output", "elsewhere")])
@pytest.mark.parametrize("reached", ["content folder linked", "folder linked in the content"])
def test_the_sites_own_output_under_another_name_is_left_out_silently(tmp_path, args, reached):
    """The content folder may be a link to the site folder, or a folder of the content a link
    to the one that holds the output: the walk meets the site's own output under that other
    name. It is the site's output all the same, not a built site kept among the content to
    warn about (which fails `--strict`)."""
    root = make_site(tmp_path / "course", {"index.md": "@page home Home\n@body\nHello.\n"})
    config = "title: Test Course\nbase_url: https://example.org/\n"
    if reached == "content folder linked":
        (root / "site.yaml").write_text(config + "content: course\n")
        (root / "course").symlink_to(".", target_is_directory=True)
        shutil.move(root / "content" / "index.md", root / "index.md")
        output = "site"
    else:
        output = "out/site"
        (root / "site.yaml").write_text(config + f"output: {output}\n")
        (root / "content" / "built").symlink_to("../out", target_is_directory=True)
    assert run_cli(root, "build").returncode == EXIT_OK
    result = run_cli(root, "build", "--strict", *args)
    assert result.returncode == EXIT_OK, result.stderr
    assert "left out" not in result.stderr
    assert "Hello." in (root / (args[-1] if args else output) / "index.html").read_text()


def test_a_build_while_another_one_swaps_in_the_site_does_not_warn_about_it(
    tmp_path, monkeypatch, trustdocs
):
    """Two builds of a site whose content is its own folder: the other one swaps in a new
    `site/` (a new folder in the same place) while this one looks for its pages. It is still
    the site's own output, left out silently, not a built site kept among the content (a
    warning, which fails `--strict`)."""
    root = make_site(tmp_path / "course", {})
    (root / "site.yaml").write_text("title: Test Course\ncontent: .\nbase_url: https://x.org/\n")
    (root / "index.md").write_text("@page home Home\n@body\nHello.\n")
    assert run_cli(root, "build").returncode == EXIT_OK
    scandir, others = os.scandir, []

    def another_build_finishing(path):
        # Once: the other build swaps in its site as this one begins to look for pages.
        if not others and Path(path) == root and sys._getframe(1).f_code.co_name == "_walk":
            others.append(run_cli(root, "build", "--no-cache"))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", another_build_finishing)
    result = trustdocs(root, "build", "--strict")
    assert others and others[0].returncode == EXIT_OK, others[0].stderr
    assert result.code == EXIT_OK, result.err
    assert "left out" not in result.err
    assert (root / "site" / "index.html").is_file()


def test_a_built_site_kept_among_the_content_is_left_out_with_a_warning(tmp_path):
    """A folder of the content that holds a site trustdocs built (a copy kept as an example,
    say) is not read as content, lest a build publish an earlier build; the author is told."""
    root = make_site(tmp_path / "course", CONSULTING)
    assert run_cli(root, "build").returncode == EXIT_OK
    shutil.copytree(root / "site", root / "content" / "examples" / "demo")
    result = run_cli(root, "build")
    assert result.returncode == EXIT_OK, result.stderr
    assert (
        "content/examples/demo:1:1: warning: left out: it holds a site trustdocs built"
        in result.stderr
    )
    assert not (root / "site" / "examples").exists()
    assert run_cli(root, "build", "--strict").returncode != EXIT_OK


BAD_NAMES = [
    ("../../escape", "'..'"),
    ("a/../../escape", "'..'"),
    ("/abs/escape", "leading '/'"),
    ("a//b", "empty"),
    ("./a", "'.'"),
    ("a\\b", "backslash"),
    ("x" * 250, "longer than"),
    ("a\u00a0b", "whitespace"),
]


@pytest.mark.parametrize(("name", "reason"), BAD_NAMES, ids=[n[:20] for n, _ in BAD_NAMES])
def test_a_page_name_that_is_not_a_plain_relative_path_is_an_error(tmp_path, name, reason):
    pages = {**CONSULTING, "bad.md": f"@page {name} Bad\n@parent learn-technology-consulting\n"}
    root = make_site(tmp_path / "site", pages)
    before = snapshot_tree(tmp_path)
    result = run_cli(root, "build")
    assert result.returncode == EXIT_CONTENT, result.stderr
    assert "content/bad.md:1:1: error: page name" in result.stderr
    assert reason in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot_tree(tmp_path) == before  # nothing written anywhere


def test_a_page_name_with_nul_is_shown_escaped(tmp_path):
    root = make_site(tmp_path, {**CONSULTING, "bad.md": "@page a\x00b Bad\n"})
    result = run_cli(root, "check")
    assert result.returncode == EXIT_CONTENT
    assert "page name 'a\\x00b' may not contain a backslash or NUL" in result.stderr


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("print", "the print page"),
        ("404", "the page-not-found page"),
        ("_assets/style", "theme's files"),
        ("_assets/search-index", "theme's files"),
    ],
)
def test_a_page_that_would_replace_a_generated_file_is_an_error(tmp_path, name, what):
    pages = {**CONSULTING, "x.md": f"@page {name} X\n@parent learn-technology-consulting\n"}
    root = make_site(tmp_path, pages)
    result = run_cli(root, "build")
    assert result.returncode == EXIT_CONTENT
    assert f"content/x.md:1:1: error: page '{name}' would be written to" in result.stderr
    assert what in result.stderr


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("learn/Intro", "learn/intro"),  # one file where case is ignored (macOS, Windows)
        ("learn/caf\u00e9", "learn/cafe\u0301"),  # é composed and decomposed: one on macOS
        ("Learn/intro", "learn/INTRO"),
    ],
)
def test_pages_whose_files_differ_only_in_case_or_unicode_form_are_an_error(
    tmp_path, first, second
):
    pages = {
        **CONSULTING,
        "x.md": f"@page {first} X\n@parent learn-technology-consulting 1\n@body\nOne.\n",
        "y.md": f"@page {second} Y\n@parent learn-technology-consulting 2\n@body\nTwo.\n",
    }
    root = make_site(tmp_path, pages)
    result = run_cli(root, "build")
    assert result.returncode == EXIT_CONTENT, result.stderr
    assert result.stderr.count(": error: page") == 1
    later, earlier = sorted([first, second], reverse=True)  # the first by name keeps its place
    assert (
        f"error: page '{later}' would be written to {later}.html, which is {earlier}.html "
    ) in result.stderr
    assert f"like page '{earlier}'" in result.stderr
    assert not (root / "site").exists()


def test_pages_in_folders_spelled_in_two_cases_are_a_warning(tmp_path):
    """`c/Guide/intro` and `c/guide/setup`: one folder on macOS, where a build puts both pages
    in the first spelling; published to a host where case counts, links to the other break.
    Said once for the clash, not again for each folder below it (`c/guide/deep/`)."""
    pages = {
        **CONSULTING,
        "x.md": "@page c/Guide/intro X\n@parent learn-technology-consulting 1\n",
        "y.md": "@page c/guide/setup Y\n@parent learn-technology-consulting 2\n",
        "z.md": "@page c/guide/more Z\n@parent learn-technology-consulting 3\n",
        "w.md": "@page c/guide/deep/er W\n@parent learn-technology-consulting 4\n",
        "v.md": "@page c/Guide/Deep/est V\n@parent learn-technology-consulting 5\n",
    }
    result = run_cli(make_site(tmp_path, pages), "build")
    assert result.returncode == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if "is written in" in line]
    assert warned == [
        "content/w.md:1:1: warning: page 'c/guide/deep/er' is written in c/guide/, which is "
        "c/Guide/ (of page 'c/Guide/Deep/est') where case is ignored (on macOS and Windows): a "
        "site built there loses the links to one of them where it is published, if case "
        "counts (spell the folder's names alike in page names)"
    ]


@pytest.mark.parametrize(
    ("name", "taken"),
    [("PRINT", "print.html"), ("_Assets/style", "_assets/"), ("Notes", "notes.html")],
)
def test_a_page_that_would_replace_a_site_file_where_case_is_ignored_is_an_error(
    tmp_path, name, taken
):
    pages = {**CONSULTING, "x.md": f"@page {name} X\n@parent learn-technology-consulting\n"}
    root = make_site(tmp_path, pages)
    (root / "content" / "notes.html").write_text("<p>hand-written</p>")
    result = run_cli(root, "check")
    assert result.returncode == EXIT_CONTENT
    assert f"content/x.md:1:1: error: page '{name}' would be written to" in result.stderr
    assert taken in result.stderr


def test_a_page_that_would_replace_a_copied_file_is_an_error(tmp_path):
    pages = {**CONSULTING, "x.md": "@page notes X\n@parent learn-technology-consulting\n"}
    root = make_site(tmp_path, pages)
    (root / "content" / "notes.html").write_text("<p>hand-written</p>")
    result = run_cli(root, "check")
    assert result.returncode == EXIT_CONTENT
    assert "copied from the content folder" in result.stderr


@pytest.mark.parametrize(
    ("config", "prepare", "message"),
    [
        ("title: T\ncontent: contnet\n", None, "does not exist"),
        ("title: T\ncontent: notes.txt\n", "file", "is not a folder"),
        ("title: T\n", "empty", "holds no pages"),
    ],
)
def test_zero_pages_is_an_error_and_keeps_the_previous_site(tmp_path, config, prepare, message):
    root = make_site(tmp_path, CONSULTING)
    assert run_cli(root, "build").returncode == EXIT_OK
    before = snapshot_tree(root / "site")
    (root / "site.yaml").write_text(config)
    if prepare == "file":
        (root / "notes.txt").write_text("not a folder")
    if prepare == "empty":
        for page in (root / "content").rglob("*.md"):
            page.unlink()
    result = run_cli(root, "build")
    assert result.returncode == EXIT_CONTENT, result.stderr
    assert result.stderr.startswith("site.yaml:1:1: error: no pages"), result.stderr
    assert message in result.stderr
    assert snapshot_tree(root / "site") == before


def test_symlinks_leading_out_of_the_site_are_errors_not_published(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    root = make_site(tmp_path / "site", CONSULTING)
    (root / "content" / "leak.txt").symlink_to(secret)
    (root / "content" / "leakdir").symlink_to(tmp_path, target_is_directory=True)
    (root / "content" / "loop").symlink_to(root / "content" / "loop")
    (root / "content" / "inside.txt").symlink_to(root / "site.yaml")
    result = run_cli(root, "build")
    assert result.returncode == EXIT_CONTENT, result.stderr
    assert "content/leak.txt:1:1: error: symlink leads outside the site folder" in result.stderr
    assert "content/leakdir:1:1: error: symlink leads outside" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (root / "site").exists()


def test_stale_temporaries_of_an_interrupted_build_are_removed(tmp_path):
    output = tmp_path / "site"
    write_output(output, {"index.html": "one"})
    stale_new = tmp_path / ".site.new-abc12345"
    stale_new.mkdir()
    (stale_new / MARKER).write_text("x")
    stale_old = tmp_path / ".site.old-def_6789" / "site"
    stale_old.mkdir(parents=True)
    (stale_old / MARKER).write_text("x")
    foreign = tmp_path / ".site.new-mine"  # looks like ours but holds no marker: not ours
    foreign.mkdir()
    (foreign / "keep.txt").write_text("keep")
    write_output(output, {"index.html": "two"})
    assert not stale_new.exists() and not stale_old.parent.exists()
    assert (foreign / "keep.txt").read_text() == "keep"
    assert (output / "index.html").read_text() == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.new-mine", "site"]


def test_a_users_folders_named_like_temporaries_are_left_alone(tmp_path):
    """`cp -a site .site.old-spring2024` (the marker copied too), notes added; a folder named
    `.site.new-drafts` holding a copy of the site and a draft; one named exactly as a build names
    its own but holding more than the old site: all are the user's, and stay, whole."""
    output = tmp_path / "site"
    write_output(output, {"index.html": "one"})
    spring = tmp_path / ".site.old-spring2024"
    shutil.copytree(output, spring)
    (spring / "NOTES.txt").write_text("mine")
    drafts = tmp_path / ".site.new-drafts"
    shutil.copytree(output, drafts / "site")
    (drafts / "draft.txt").write_text("mine")
    alike = tmp_path / ".site.old-abcd1234"
    shutil.copytree(output, alike / "site")
    (alike / "NOTES.txt").write_text("mine")
    fall = tmp_path / ".site.old-fall2024"  # eight characters, as a build's own are named
    shutil.copytree(output, fall)
    (fall / "NOTES.txt").write_text("mine")
    redesign = tmp_path / ".site.new-redesign"  # a copy with its marker, and a draft
    shutil.copytree(output, redesign)
    (redesign / "draft.txt").write_text("mine")
    spring25 = tmp_path / ".site.old-spring25"  # laid out as an old site moved aside, and notes
    shutil.copytree(output, spring25 / "site")
    (spring25 / "site" / "notes.txt").write_text("mine")
    write_output(output, {"index.html": "two"})
    assert (redesign / "draft.txt").read_text() == "mine"
    assert (spring25 / "site" / "notes.txt").read_text() == "mine"
    for kept in (spring / "NOTES.txt", drafts / "draft.txt", alike / "NOTES.txt"):
        assert kept.read_text() == "mine"
    assert (fall / "NOTES.txt").read_text() == "mine"
    assert (spring / "index.html").read_text() == "one"
    assert (drafts / "site" / "index.html").read_text() == "one"


def test_a_temporary_being_written_by_another_build_is_left_alone(tmp_path):
    import fcntl

    busy = tmp_path / ".site.new-busy1234"
    busy.mkdir()
    (busy / MARKER).write_text("x")
    with open(busy / MARKER) as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        remove_stale_temporaries(tmp_path / "site")
        assert busy.exists()
    remove_stale_temporaries(tmp_path / "site")
    assert not busy.exists()


# A course whose build takes long enough to be interrupted at many moments.
MANY_PAGES = {
    **CONSULTING,
    **{
        f"many/p{n}.md": f"@page many/p{n} P{n}\n@parent learn-technology-consulting\n@body\n"
        + "Text. " * 400
        for n in range(150)
    },
}


def test_the_output_is_always_the_old_or_the_new_site_while_builds_are_interrupted(tmp_path):
    """Ctrl-C at many moments of a build: `site/` is always complete, and never missing."""
    root = make_site(tmp_path, MANY_PAGES)
    assert run_cli(root, "build").returncode == EXIT_OK
    complete = set(snapshot_tree(root / "site"))
    for delay in (0.3, 0.6, 0.9, 1.2, 1.5, 1.8, 2.4):
        process = subprocess.Popen(
            [sys.executable, "-m", "trustdocs", "build"],
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and process.poll() is None:
            assert (root / "site" / "index.html").is_file()
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        assert "Traceback" not in err
        assert set(snapshot_tree(root / "site")) == complete
    assert run_cli(root, "build").returncode == EXIT_OK
    leftovers = [p.name for p in root.iterdir() if p.name.startswith(".site.")]
    assert leftovers == []


@pytest.mark.parametrize("interrupted_at", [1, 40, 61])
def test_ctrl_c_while_the_previous_site_is_deleted_leaves_nothing_after_the_next_build(
    tmp_path, monkeypatch, interrupted_at
):
    """The new site is in place and the old one is being deleted when Ctrl-C comes."""
    output = tmp_path / "site"
    old_site = {f"lesson{n}.html": "old" for n in range(60)}
    write_output(output, old_site)
    unlink, calls = os.unlink, []

    def interrupted_unlink(*args, **kwargs):
        calls.append(args)
        if len(calls) == interrupted_at:
            raise KeyboardInterrupt
        return unlink(*args, **kwargs)

    monkeypatch.setattr(os, "unlink", interrupted_unlink)
    with pytest.raises(KeyboardInterrupt):
        write_output(output, {**old_site, "index.html": "new"})
    monkeypatch.undo()
    assert (output / "index.html").read_text() == "new"
    write_output(output, {"index.html": "newer"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_an_empty_temporary_left_by_a_build_killed_long_ago_is_removed(tmp_path):
    """A build killed right after making its temporary folder leaves it empty, with no marker."""
    stale = tmp_path / ".site.new-killed12"
    stale.mkdir()
    long_ago = time.time() - 3600
    os.utime(stale, (long_ago, long_ago))
    write_output(tmp_path / "site", {"index.html": "new"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_an_output_inside_a_linked_folder_is_built_there(tmp_path):
    """Only an output that is itself a link is refused: one whose parent is a link (like /tmp on
    macOS, or a home folder reached through a link) is an ordinary output folder."""
    root = make_site(tmp_path / "course", CONSULTING)
    (tmp_path / "disk").mkdir()
    (tmp_path / "publish").symlink_to(tmp_path / "disk", target_is_directory=True)
    result = run_cli(root, "build", "--output", str(tmp_path / "publish" / "site"))
    assert result.returncode == EXIT_OK, result.stderr
    assert (tmp_path / "disk" / "site" / "index.html").is_file()
    assert run_cli(root, "build", "--output", str(tmp_path / "publish" / "site")).returncode == 0


@pytest.mark.parametrize(
    ("name", "extra", "clash"),
    [
        (
            "learn-technology-consulting/communication.html/x",
            {},
            "page 'learn-technology-consulting/communication'",
        ),
        ("index.html/x", {}, "page 'learn-technology-consulting'"),
        ("notes.txt/x", {"content/notes.txt": "data\n"}, "a file copied from the content folder"),
        ("404.html/x", {}, "the page-not-found page"),
        ("notes", {"content/notes.html/chart.png": "png\n"}, "a folder of files copied"),
    ],
    ids=["page", "root page", "copied file", "generated file", "copied folder"],
)
def test_a_page_whose_folder_would_be_a_file_is_an_error_that_check_finds(
    tmp_path, name, extra, clash
):
    """`@page a.html/x` needs a folder where another page's a.html goes: one of them cannot be
    written, so check says so at the page's line, as build does, before anything is written."""
    pages = {**CONSULTING, "x.md": f"@page {name} X\n@parent learn-technology-consulting\n"}
    root = make_site(tmp_path, pages)
    write_files(root, extra)
    for command in ("check", "build"):
        result = run_cli(root, command)
        assert result.returncode == EXIT_CONTENT, result.stderr
        assert f"content/x.md:1:1: error: page '{name}' would be written to " in result.stderr
        assert clash in result.stderr
    assert not (root / "site").exists()


def test_an_output_folder_that_is_a_mount_point_is_refused_with_a_way_out(tmp_path, monkeypatch):
    """A mounted folder (a container's volume) cannot be swapped for a new one as a whole: say so
    before building, and name a folder inside it, instead of failing with 'Device or resource
    busy' at the end."""
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    root = make_site(tmp_path / "course", CONSULTING)
    volume = tmp_path / "volume"
    volume.mkdir()
    is_mount = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda path: Path(path) == volume or is_mount(path))
    result = build_site(load_config(root / "site.yaml"), volume)
    assert not result.written and result.usage_problem is not None
    message = result.usage_problem.format()
    assert "is a mount point" in message and str(volume / "site") in message
    assert list(volume.iterdir()) == []


def test_a_swap_that_the_system_refuses_leaves_nothing_beside_the_output(tmp_path, monkeypatch):
    """Where folders cannot be exchanged at once and moving the old site aside fails, the error
    is reported and no temporary folder stays behind."""
    from trustdocs import output_folder

    output = tmp_path / "site"
    write_output(output, {"index.html": "old"})
    replace = os.replace

    def busy(source, target, *args, **kwargs):
        if Path(source) == output:
            raise OSError(16, "Device or resource busy", str(source))
        return replace(source, target, *args, **kwargs)

    monkeypatch.setattr(output_folder, "_exchange", lambda a, b: False)
    monkeypatch.setattr(os, "replace", busy)
    with pytest.raises(OSError):
        write_output(output, {"index.html": "new"})
    monkeypatch.undo()
    assert (output / "index.html").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


@pytest.mark.parametrize(
    "rel",
    ["404.html", "_assets/style.css", "print.html", "_assets/search/manifest.js", "_assets/search"],
)
def test_a_content_file_where_the_site_writes_its_own_is_an_error(tmp_path, rel):
    root = make_site(tmp_path, CONSULTING)
    write_files(root / "content", {rel: "the author's own file\n"})
    result = run_cli(root, "build")
    assert result.returncode == EXIT_CONTENT, result.stderr
    assert f"content/{rel}:1:1: error: {rel} would be replaced by" in result.stderr


def test_a_theme_template_making_a_lone_surrogate_keeps_the_previous_site(tmp_path):
    root = make_site(tmp_path, CONSULTING)
    assert run_cli(root, "build").returncode == EXIT_OK
    before = snapshot_tree(root / "site")
    write_files(root, {"themes/default/page.html": '{{ page.title }}\n{{ "\\udcff" }}\n'})
    result = run_cli(root, "build")
    assert result.returncode == EXIT_CONTENT, result.stderr
    assert "themes/default/page.html:2:5: error: " in result.stderr
    assert "lone surrogate U+DCFF" in result.stderr and "Traceback" not in result.stderr
    assert snapshot_tree(root / "site") == before


@pytest.mark.parametrize("workers", [1, 2])
def test_text_that_cannot_be_written_is_an_error_and_keeps_the_previous_site(
    tmp_path, monkeypatch, trustdocs, workers
):
    """Whatever way a lone surrogate finds into an output file, the writer reports it."""
    from trustdocs.output_folder import FreshOutput
    from trustdocs.site import Site

    root = make_site(tmp_path, CONSULTING)
    assert trustdocs(root, "build").code == EXIT_OK
    before = snapshot_tree(root / "site")

    class EagerSite(Site):  # in WORKERS build workers however small the site
        def build(self, workers=1, minimum=0, into=None, **others):
            super().build(workers, 0, into, **others)

    monkeypatch.setattr("trustdocs.site.Site", EagerSite)  # the build loads it from there
    monkeypatch.setattr("trustdocs.workers.worker_count", lambda: workers)
    write = FreshOutput.write

    def write_one_unwritable(self, rel, content, digest=""):
        if rel == "index.html":
            write(self, rel, "caf\udcff")
        else:
            write(self, rel, content, digest)

    monkeypatch.setattr(FreshOutput, "write", write_one_unwritable)
    run = trustdocs(root, "build", "--no-cache")
    assert run.code == EXIT_CONTENT, run.err
    assert "index.html" in run.err and "lone surrogate U+DCFF" in run.err, run.err
    assert snapshot_tree(root / "site") == before


def test_bitdocs_pages_reached_through_links_out_of_the_site_are_errors_not_published(tmp_path):
    outside = tmp_path / "outside"
    (outside / "more").mkdir(parents=True)
    (outside / "secret.md").write_text("@page secret Secret\n@parent academy 1\n@body\npassword\n")
    (outside / "more" / "hidden.md").write_text("@page hidden Hidden\n@body\npassword\n")
    root = tmp_path / "site"
    (root / "src" / "main").mkdir(parents=True)
    glob = {"pattern": "src/*/*.md"}  # `*` follows links to folders, as `**` does not
    section = {**BITDOCS_PACKAGE["bit-docs"], "dest": "./docs", "glob": glob}
    (root / "package.json").write_text(json.dumps({**BITDOCS_PACKAGE, "bit-docs": section}))
    (root / "src" / "main" / "academy.md").write_text(BITDOCS_PAGES["src/academy.md"])
    (root / "shared.md").write_text("@page shared Shared\n@parent academy 3\n@body\nkept\n")
    (root / "src" / "main" / "leak.md").symlink_to(outside / "secret.md")
    (root / "src" / "leakdir").symlink_to(outside / "more", target_is_directory=True)
    (root / "src" / "main" / "inside.md").symlink_to(root / "shared.md")
    result = run_cli(root, "build")
    assert result.returncode == EXIT_CONTENT, result.stderr
    assert "src/leakdir:1:1: error: symlink leads outside the site folder" in result.stderr
    assert "src/main/leak.md:1:1: error: symlink leads outside the site folder" in result.stderr
    assert result.stderr.count("leads outside") == 2, result.stderr
    assert "Traceback" not in result.stderr
    (root / "src" / "main" / "leak.md").unlink()
    (root / "src" / "leakdir").unlink()
    (outside / "more" / "hidden.md").unlink()
    result = run_cli(root, "build")
    assert result.returncode == EXIT_OK, result.stderr
    assert "kept" in (root / "docs" / "shared.html").read_text()
    (root / "src" / "leakdir").symlink_to(outside / "more", target_is_directory=True)
    (outside / "more" / "hidden.md").write_text("@page hidden Hidden\n@body\npassword\n")
    assert run_cli(root, "build").returncode == EXIT_CONTENT
    published = [p for p in root.rglob("*") if p.is_file() and b"password" in p.read_bytes()]
    assert published == [], published


def test_putting_a_site_in_place_starts_no_other_program(tmp_path, monkeypatch):
    """The new site replaces the old in one step, without running another program (finding the
    C library by name ran `ldconfig`: a process of its own, at every build)."""
    output = tmp_path / "site"
    write_output(output, {"index.html": "one"})
    started: list[object] = []
    monkeypatch.setattr(subprocess.Popen, "__init__", lambda self, *a, **k: started.append(a))
    write_output(output, {"index.html": "two"})
    assert started == []
    assert (output / "index.html").read_text() == "two"


def test_a_bitdocs_link_out_of_the_site_is_not_told_to_set_what_package_json_cannot(tmp_path):
    """package.json has no sourceref_outside, and a bit-docs site reads no site.yaml."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.md").write_text("@page secret Secret\n@body\npassword\n")
    root = tmp_path / "site"
    (root / "src").mkdir(parents=True)
    section = {**BITDOCS_PACKAGE["bit-docs"], "dest": "./docs"}
    (root / "package.json").write_text(json.dumps({**BITDOCS_PACKAGE, "bit-docs": section}))
    (root / "src" / "academy.md").write_text(BITDOCS_PAGES["src/academy.md"])
    (root / "src" / "leak.md").symlink_to(tmp_path / "outside" / "secret.md")
    result = run_cli(root, "build")
    assert result.returncode == EXIT_CONTENT, result.stderr
    assert "src/leak.md:1:1: error: symlink leads outside the site folder" in result.stderr
    assert "site.yaml" not in result.stderr, result.stderr


@pytest.mark.parametrize("where", ["content", "theme assets"])
@pytest.mark.parametrize("target", ["site folder", "root of the disk"])
def test_a_link_back_to_a_folder_that_holds_it_is_an_error_and_not_walked(
    tmp_path, monkeypatch, where, target
):
    """A link to the site folder, or to `/` in a site that may read outside its folder, holds
    the folder it is in: followed, it published site.yaml and every file beside the content
    (`/up/site.yaml`), or had every build and the preview walk the whole disk."""
    from trustdocs.build import build_site
    from trustdocs.config import load_config
    from trustdocs.serve import site_links

    root = make_site(tmp_path / "site", CONSULTING)
    if target == "root of the disk":
        (root / "site.yaml").write_text("title: Test Course\nsourceref_outside: true\n")
    folder = root / "content" if where == "content" else root / "themes" / "default" / "assets"
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "up"
    link.symlink_to(root if target == "site folder" else Path("/"), target_is_directory=True)
    read: list[str] = []
    scandir = os.scandir

    def recorded(path=".", *args):
        read.append(os.fspath(path))
        return scandir(path, *args)

    monkeypatch.setattr(os, "scandir", recorded)
    config = load_config(root / "site.yaml")
    result = build_site(config)
    links = site_links(config)
    monkeypatch.undo()
    shown = [d.format() for d in result.diagnostics]
    expected = f"{link.relative_to(root)}:1:1: error: symlink leads back to a folder that holds it"
    assert any(expected in line for line in shown), shown
    assert not result.written and not (root / "site").exists()
    assert [path for path in read if path.startswith(str(link))] == []  # nothing through it
    assert all(not str(path).startswith(str(link)) for path in links.values())


@pytest.mark.parametrize("link", ["content/loop", "content/lessons/up"])
def test_a_link_to_the_folder_it_is_in_or_one_that_holds_it_is_an_error(tmp_path, link):
    """A link in the content folder to that folder, from it or from a folder below: the walk
    went round and stopped where it began, without a word. It is the error a link above the
    site folder is."""
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    root = make_site(tmp_path / "site", CONSULTING)
    (root / link).parent.mkdir(parents=True, exist_ok=True)
    (root / link).symlink_to(root / "content", target_is_directory=True)
    result = build_site(load_config(root / "site.yaml"))
    shown = [d.format() for d in result.diagnostics]
    expected = f"{link}:1:1: error: symlink leads back to a folder that holds it"
    assert any(expected in line for line in shown), shown
    assert not result.written


@pytest.mark.parametrize("layout", ["site.yaml", "package.json"])
def test_a_page_file_that_is_a_fifo_or_a_link_to_nothing_is_a_warning(tmp_path, layout):
    """A `.md` that is a FIFO, a link to nothing or a link that loops is no page, and no file
    to copy: it was left out without a word."""
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    if layout == "site.yaml":
        root = make_site(tmp_path / "site", CONSULTING)
        folder, config = root / "content", root / "site.yaml"
    else:
        root = tmp_path / "academy"
        folder = root / "src"
        folder.mkdir(parents=True)
        section = {**BITDOCS_PACKAGE["bit-docs"], "dest": "./docs"}
        (root / "package.json").write_text(json.dumps({**BITDOCS_PACKAGE, "bit-docs": section}))
        (folder / "academy.md").write_text(BITDOCS_PAGES["src/academy.md"])
        config = root / "package.json"
    os.mkfifo(folder / "pipe.md")
    (folder / "gone.md").symlink_to("nowhere.md")
    (folder / "round.md").symlink_to("round.md")
    result = build_site(load_config(config))
    shown = sorted(d.format() for d in result.diagnostics if d.severity == "warning")
    rel = folder.relative_to(root)
    expected = [
        f"{rel}/gone.md:1:1: warning: gone.md is a symlink to nothing (to nowhere.md)",
        f"{rel}/pipe.md:1:1: warning: pipe.md is a FIFO",
        f"{rel}/round.md:1:1: warning: round.md is a symlink that loops",
    ]
    found = [line.split(": it is skipped")[0] for line in shown if ".md:1:1: warning" in line]
    assert len(found) == len(expected), shown
    assert all(line.endswith(f"/{end}") for line, end in zip(found, expected, strict=True)), shown
    assert result.written


@pytest.mark.parametrize("cache", [[], ["--no-cache"]])
def test_a_template_through_a_link_back_to_a_folder_that_holds_it_is_an_error(tmp_path, cache):
    """A theme's folder linking back to the site folder is not walked, so the build's key never
    holds what lies through it. A template included through it rendered all the same: an edit
    of it went unseen by the next build ("nothing changed since the last build"), which kept
    the old text a build without the cache replaced. It is an error, as the same link among
    the theme's assets is."""
    root = make_site(tmp_path / "site", CONSULTING)
    partials = root / "themes" / "default" / "partials"
    partials.mkdir(parents=True)
    link = partials / "up"
    link.symlink_to("../../..", target_is_directory=True)
    (partials / "sidebar.html").write_text(
        '<nav>{% include "partials/up/shared/foot.html" %}</nav>\n'
    )
    write_files(root / "shared", {"foot.html": "first footer\n"})
    for text in ("first footer", "second footer"):
        (root / "shared" / "foot.html").write_text(text + "\n")
        result = run_cli(root, "build", *cache)
        assert result.returncode == EXIT_CONTENT, result.stderr
        assert f"{link.relative_to(root)}" in result.stderr, result.stderr
        assert "symlink leads back to a folder that holds it" in result.stderr
        assert "Traceback" not in result.stderr
        assert not (root / "site").exists()


@pytest.mark.parametrize("reached", ["asset", "folder of assets", "root folder", "template"])
def test_theme_files_reached_through_links_out_of_the_site_are_errors_not_published(
    tmp_path, reached
):
    """A repository's theme may link anything: an asset linking `/proc/self/environ`, or a
    template including one, would publish a CI job's secrets. As a page or a copied file, a
    theme's file through a link out of the site folder (and out of the theme's) is an error."""
    secret = tmp_path / "outside" / "secret.txt"
    write_files(secret.parent, {"secret.txt": "password\n"})
    root = make_site(tmp_path / "site", CONSULTING)
    theme = root / "themes" / "default"
    (theme / "assets").mkdir(parents=True)
    if reached == "asset":
        link = theme / "assets" / "leak.txt"
        link.symlink_to(secret)
    elif reached == "folder of assets":
        link = theme / "assets" / "leaks"
        link.symlink_to(secret.parent, target_is_directory=True)
    elif reached == "root folder":  # not walked: every build would read the whole disk
        link = theme / "assets" / "everything"
        link.symlink_to("/", target_is_directory=True)
        (theme / "assets" / "leak.txt").symlink_to(secret)
    else:
        link = theme / "partials"
        link.symlink_to(secret.parent, target_is_directory=True)
        (theme / "page.html").write_text('{% include "partials/secret.txt" %}\n')
    result = run_cli(root, "build")
    assert result.returncode == EXIT_CONTENT, result.stderr
    shown = f"{link.relative_to(root)}" + ("/secret.txt: " if reached == "template" else ":1:1: ")
    assert f"{shown}" in result.stderr and "symlink leads outside the site folder" in result.stderr
    assert result.stderr.count("leads outside") <= 2, result.stderr  # each link once
    assert "Traceback" not in result.stderr
    published = [p for p in root.rglob("*") if not p.is_symlink() and p.is_file()]
    assert [p for p in published if b"password" in p.read_bytes()] == []
    if reached == "root folder":
        return  # allowed, it would publish the whole disk
    (root / "site.yaml").write_text("title: Test Course\nsourceref_outside: true\n")
    result = run_cli(root, "build")
    assert result.returncode == EXIT_OK, result.stderr
    assert any(b"password" in p.read_bytes() for p in (root / "site").rglob("*") if p.is_file())


@pytest.mark.parametrize("linked", ["theme folder", "themes folder"])
def test_a_theme_folder_linked_out_of_the_site_publishes_nothing_of_what_it_holds(tmp_path, linked):
    """A theme folder that is itself a link out of the site is no home of the theme's files: its
    templates and assets, and what they link to beside them, are refused as any other file
    reached through a link out of the site (`sourceref_outside: true` allows them)."""
    outside = tmp_path / "outside"
    write_files(outside / "default", {"secret.txt": "password\n"})
    (outside / "default" / "page.html").write_text('{% include "secret.txt" %}\n')
    (outside / "default" / "assets").mkdir()
    (outside / "default" / "assets" / "leak.txt").symlink_to(outside / "default" / "secret.txt")
    root = make_site(tmp_path / "site", CONSULTING)
    if linked == "theme folder":
        (root / "themes").mkdir()
        (root / "themes" / "default").symlink_to(outside / "default", target_is_directory=True)
    else:
        (root / "themes").symlink_to(outside, target_is_directory=True)
    result = run_cli(root, "build")
    assert result.returncode == EXIT_CONTENT, result.stderr
    assert "symlink leads outside the site folder" in result.stderr
    published = [p for p in (root / "site").rglob("*") if p.is_file()]
    assert [p for p in published if b"password" in p.read_bytes()] == []
    (root / "site.yaml").write_text("title: Test Course\nsourceref_outside: true\n")
    result = run_cli(root, "build")
    assert result.returncode == EXIT_OK, result.stderr
    assert b"password" in (root / "site" / "_assets" / "leak.txt").read_bytes()


def _bitdocs_site(root: Path, page: str = BITDOCS_PAGES["src/academy.md"]) -> Path:
    """A bit-docs site at ROOT writing into docs/, with PAGE as its root page."""
    (root / "src").mkdir(parents=True)
    section = {**BITDOCS_PACKAGE["bit-docs"], "dest": "./docs"}
    (root / "package.json").write_text(json.dumps({**BITDOCS_PACKAGE, "bit-docs": section}))
    (root / "src" / "academy.md").write_text(page)
    return root


def test_a_bitdocs_template_linked_out_of_the_site_is_not_told_to_set_a_site_yaml(tmp_path):
    """As for pages: package.json has no sourceref_outside, and a bit-docs site has no site.yaml."""
    write_files(tmp_path / "outside", {"secret.txt": "password\n"})
    root = _bitdocs_site(tmp_path / "site")
    (root / "themes" / "default").mkdir(parents=True)
    (root / "themes" / "default" / "partials").symlink_to(tmp_path / "outside")
    (root / "themes" / "default" / "page.html").write_text('{% include "partials/secret.txt" %}\n')
    result = run_cli(root, "build")
    assert result.returncode == EXIT_CONTENT, result.stderr
    assert "symlink leads outside the site folder" in result.stderr
    assert "site.yaml" not in result.stderr, result.stderr


def test_a_template_linked_out_of_the_site_is_refused_unread(tmp_path):
    """A template linked to a file outside that is not UTF-8 is refused as a link out, not
    reported by where its first bad byte is (which would tell the build log of its text)."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "key.bin").write_bytes(b"secret\n\xff\n")
    root = make_site(tmp_path / "site", CONSULTING)
    theme = root / "themes" / "default"
    theme.mkdir(parents=True)
    (theme / "x.html").symlink_to(tmp_path / "outside" / "key.bin")
    (theme / "page.html").write_text('{% include "x.html" %}\n')
    result = run_cli(root, "build")
    assert result.returncode == EXIT_CONTENT, result.stderr
    assert "symlink leads outside the site folder" in result.stderr
    assert "not UTF-8" not in result.stderr, result.stderr


def test_a_bitdocs_directive_reading_outside_the_site_is_not_told_to_set_a_site_yaml(tmp_path):
    """As for links: package.json has no sourceref_outside, and a bit-docs site has no site.yaml."""
    write_files(tmp_path / "outside", {"secret.js": "const password = 1;\n"})
    page = BITDOCS_PAGES["src/academy.md"] + "@sourceref ../../outside/secret.js\n"
    root = _bitdocs_site(tmp_path / "site", page)
    result = run_cli(root, "build")
    assert result.returncode == EXIT_CONTENT, result.stderr
    assert "is outside the site folder" in result.stderr
    assert "copy the file into the site" in result.stderr
    assert "site.yaml" not in result.stderr, result.stderr


SECRET_GIT_CONFIG = "[http]\n\textraheader = AUTHORIZATION: basic s3cr3t\n"


@pytest.mark.parametrize("allowed", [False, True], ids=["", "sourceref_outside"])
@pytest.mark.parametrize("reached", ["copied file", "theme asset", "sourceref", "parent sourceref"])
def test_the_repository_folder_is_never_read_or_published(tmp_path, reached, allowed):
    """A CI checkout keeps its token in `.git/config`: a link to it or a directive reading it
    would publish the token. `sourceref_outside: true` allows files outside the site (shared
    templates), not a repository's `.git`: the site's own, or a parent repository's when the
    site is a subfolder."""
    repo = tmp_path / "repo"
    config = "title: T\n" + ("sourceref_outside: true\n" if allowed else "")
    root = make_site(repo / "site", CONSULTING, config)
    write_files(root, {".git/config": SECRET_GIT_CONFIG})
    write_files(repo, {".git/config": SECRET_GIT_CONFIG})
    if reached == "copied file":
        (root / "content" / "settings.txt").symlink_to(root / ".git" / "config")
    elif reached == "theme asset":
        (root / "themes" / "default" / "assets").mkdir(parents=True)
        (root / "themes" / "default" / "assets" / "x.txt").symlink_to(root / ".git" / "config")
    else:
        target = "../../.git/config" if reached == "sourceref" else "../../../.git/config"
        page = root / "content" / "consulting" / "communication.md"
        page.write_text(page.read_text() + f"\n@sourceref {target}\n")
    result = run_cli(root, "build")
    assert result.returncode == EXIT_CONTENT, result.stderr
    assert ".git/config" in result.stderr, result.stderr
    assert not (root / "site").exists()


@pytest.mark.parametrize("linked", [False, True])
def test_a_bitdocs_static_folder_is_never_the_repository_folder(tmp_path, linked):
    """package.json's `static` naming `.git` (or a link to it) would copy the CI token out."""
    package = {**BITDOCS_PACKAGE, "bit-docs": {**BITDOCS_PACKAGE["bit-docs"], "dest": "site"}}
    package["bit-docs"]["static"] = "static" if linked else ".git"
    root = tmp_path / "academy"
    write_files(root, {"package.json": json.dumps(package), ".git/config": SECRET_GIT_CONFIG})
    write_files(root, BITDOCS_PAGES)
    if linked:
        (root / "static").symlink_to(root / ".git")
    result = run_cli(root, "build")
    assert result.returncode == EXIT_CONTENT, result.stderr
    assert ".git" in result.stderr and "never published" in result.stderr, result.stderr
    assert not (root / "site").exists()


def test_gitignore_and_github_files_are_not_the_repository_folder(tmp_path):
    root = make_site(tmp_path / "site", CONSULTING)
    write_files(root, {".gitignore": "site/\n", ".github/ci.yml": "on: push\n"})
    page = root / "content" / "consulting" / "communication.md"
    page.write_text(
        page.read_text() + "\n@sourceref ../../.gitignore\n\n@sourceref ../../.github/ci.yml\n"
    )
    result = run_cli(root, "build")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("args", "config", "said"),
    [
        (["--output", "o" * 256], "", "output folder "),
        (["--output", "p" * 245], "", "has a name too long"),  # legal, but not its build's
        ([], "output: " + "o" * 256 + "\n", "output folder "),
        (["--config", "c" * 256 + ".yaml"], "", "config file cannot be read"),
    ],
)
def test_a_name_too_long_for_the_system_is_a_configuration_error(tmp_path, args, config, said):
    """A file name the system refuses (over 255 bytes, or one whose build folder beside it
    would be) stopped the build with an internal error (exit 70)."""
    root = make_site(tmp_path, CONSULTING, f"title: Course\n{config}")
    result = run_cli(root, "build", *args)
    assert result.returncode == EXIT_USAGE, result.stderr
    assert said in result.stderr and "internal error" not in result.stderr, result.stderr
    assert sorted(p.name for p in root.iterdir()) == ["content", "site.yaml"]


@pytest.mark.parametrize("output", [".trustdocs-cache", ".trustdocs-cache/site"])
def test_the_build_cache_folder_is_refused_as_the_output(tmp_path, output):
    """The cache's entries would be published with the site, and each build's swap would throw
    the cache away."""
    root = make_site(tmp_path, CONSULTING)
    assert run_cli(root, "build").returncode == EXIT_OK  # the cache is there now
    entries = sorted(p.relative_to(root) for p in (root / ".trustdocs-cache").rglob("*"))
    result = run_cli(root, "build", "--output", output)
    assert result.returncode == EXIT_USAGE, result.stderr
    assert "is in the build cache's folder; refusing to replace it" in result.stderr
    assert sorted(p.relative_to(root) for p in (root / ".trustdocs-cache").rglob("*")) == entries


def _built_twice(tmp_path: Path, tamper) -> Path:
    """A site built, its output tampered with by TAMPER(site folder), then built again."""
    root = make_site(tmp_path / "s", CONSULTING)
    assert run_cli(root, "build").returncode == 0
    tamper(root)
    result = run_cli(root, "build", timeout=30)
    assert result.returncode == 0, result.stderr
    return root


def test_a_previous_file_whose_mode_was_changed_is_written_anew_not_linked(tmp_path):
    """The bytes are the same, but `chmod 600` (a page the web server could no longer read) and
    a hard link from a copy outside the site are not what a build writes: neither survives."""
    outside = tmp_path / "copy.html"

    def tamper(root: Path) -> None:
        (root / "site" / "index.html").chmod(0o600)
        rapport = root / "site" / "learn-technology-consulting" / "building-rapport.html"
        os.link(rapport, outside)

    root = _built_twice(tmp_path, tamper)
    site = root / "site"
    fresh_mode = (site / "learn-technology-consulting" / "kickoff.html").stat().st_mode
    assert (site / "index.html").stat().st_mode == fresh_mode
    rapport = site / "learn-technology-consulting" / "building-rapport.html"
    assert rapport.stat().st_nlink == 1 and outside.stat().st_nlink == 1


def test_a_folder_of_the_previous_site_replaced_by_a_link_leads_no_file_out(tmp_path):
    """`site/learn-…` replaced by a link to a folder elsewhere holding the same files: the new
    site's files are its own, never linked to those outside (an edit in place there would
    change the site, and the other way round)."""
    elsewhere = tmp_path / "elsewhere"

    def tamper(root: Path) -> None:
        folder = root / "site" / "learn-technology-consulting"
        shutil.copytree(folder, elsewhere)
        shutil.rmtree(folder)
        folder.symlink_to(elsewhere)

    root = _built_twice(tmp_path, tamper)
    folder = root / "site" / "learn-technology-consulting"
    assert not folder.is_symlink() and folder.is_dir()
    for page in folder.iterdir():
        assert page.stat().st_nlink == 1, page
    assert all(f.stat().st_nlink == 1 for f in elsewhere.iterdir())


def test_a_fifo_in_a_pages_place_in_the_previous_site_does_not_stop_the_build(tmp_path):
    """Opening it to compare would wait for a writer forever."""

    def tamper(root: Path) -> None:
        page = root / "site" / "learn-technology-consulting" / "kickoff.html"
        page.unlink()
        os.mkfifo(page)

    root = _built_twice(tmp_path, tamper)
    page = root / "site" / "learn-technology-consulting" / "kickoff.html"
    assert page.is_file() and "Kickoff" in page.read_text()


def _as_a_user() -> list[str]:
    """A command prefix that runs without root's right to ignore permissions (none needed when
    not root); the test is skipped where root cannot give it up."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    prefix = [setpriv or "setpriv", "--bounding-set=-all", "--inh-caps=-all"]
    if setpriv is None or subprocess.run([*prefix, "true"], capture_output=True).returncode:
        pytest.skip("running as root, and root's capabilities cannot be dropped here")
    return prefix


@pytest.mark.parametrize("folder", ["learn-technology-consulting", ""])
def test_a_read_only_folder_of_the_previous_site_leaves_no_copy_of_it_behind(tmp_path, folder):
    """`chmod 555 site/learn-…` (or `site` itself): the swap put the new site in place, but the
    old one, which the build could not empty, stayed beside it for good, unreported."""
    root = make_site(tmp_path / "s", CONSULTING)
    command = [*_as_a_user(), sys.executable, "-m", "trustdocs", "build"]
    assert subprocess.run(command, cwd=root, capture_output=True, timeout=60).returncode == 0
    (root / "site" / folder).chmod(0o555)
    for _ in range(2):
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        (root / "content" / "consulting" / "kickoff.md").write_text(
            "@page learn-technology-consulting/kickoff Kickoff\n"
            "@parent learn-technology-consulting 1\n@body\nHello again.\n"
        )
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".site")) == []


def test_a_folder_added_to_the_output_or_one_whose_mode_changed_is_a_change(tmp_path):
    """A build that found nothing changed left `site/stray/` (added by hand) and a folder made
    unreadable to the web server (`chmod 700`) as they were: the output differed from what a
    build writes, and every later build kept it so."""

    def tamper(root: Path) -> None:
        (root / "site" / "stray" / "empty").mkdir(parents=True)
        (root / "site" / "learn-technology-consulting").chmod(0o700)

    root = _built_twice(tmp_path, tamper)
    assert not (root / "site" / "stray").exists()
    assert (root / "site" / "learn-technology-consulting").stat().st_mode & 0o055 == 0o055
    again = run_cli(root, "build")
    assert "nothing changed since the last build" in again.stderr  # and it settles


def test_a_previous_file_given_an_access_list_is_written_anew_not_linked(tmp_path):
    """`setfacl -m u:www-data:0 site/index.html` keeps the mode as it was, and kept the web
    server out through every later build; a file written anew has no access list."""
    import struct

    acl = struct.pack("<I", 2) + b"".join(
        struct.pack("<HHI", tag, perm, who)
        for tag, perm, who in [
            (0x01, 6, 0xFFFFFFFF),  # the owner: read and write
            (0x02, 0, 33),  # user 33 (www-data): nothing
            (0x04, 4, 0xFFFFFFFF),
            (0x10, 4, 0xFFFFFFFF),
            (0x20, 4, 0xFFFFFFFF),
        ]
    )

    def tamper(root: Path) -> None:
        try:
            os.setxattr(root / "site" / "index.html", "system.posix_acl_access", acl)
        except (OSError, AttributeError):
            pytest.skip("no access lists on this file system")

    root = _built_twice(tmp_path, tamper)
    with pytest.raises(OSError):
        os.getxattr(root / "site" / "index.html", "system.posix_acl_access")


def test_a_link_to_the_build_cache_in_the_content_publishes_none_of_it(tmp_path):
    """The cache holds what every page was made of, drafts' too: a link to it in the content
    (`content/cache -> ../.trustdocs-cache`) is left out of the site, as the output folder is."""
    root = make_site(tmp_path / "course", CONSULTING)
    assert run_cli(root, "build").returncode == EXIT_OK  # the cache is made
    (root / "content" / "cache").symlink_to(root / ".trustdocs-cache", target_is_directory=True)
    page = root / "content" / "consulting" / "communication.md"
    page.write_text(page.read_text() + "\nA sentence added.\n")
    result = run_cli(root, "build")
    assert result.returncode == EXIT_OK, result.stderr
    assert not (root / "site" / "cache").exists()
    assert not [p for p in (root / "site").rglob("*.entry")]


@pytest.mark.parametrize(
    ("template", "says"),
    [
        (
            "{% set os = cycler.__init__.__globals__.os %}{{ os.system('touch ../pwned') }}",
            "unsafe",
        ),
        ("{% for i in range(10**9) %}{{ i }}{% endfor %}", "range too big"),
    ],
)
def test_a_sites_own_templates_run_sandboxed(tmp_path, template, says):
    """A repository's theme reaches no further than its templates may: Python's insides (to run
    a command, read .git/config) are refused, a loop of a billion steps too; the previous site
    stays, and nothing is written outside it."""
    root = make_site(tmp_path / "site", CONSULTING)
    assert run_cli(root, "build").returncode == 0
    before = snapshot_tree(root / "site")
    write_files(root, {"themes/default/page.html": template + "\n"})
    result = run_cli(root, "build")
    assert result.returncode == EXIT_CONTENT, result.stderr
    assert "themes/default/page.html:1:1: error: template" in result.stderr
    assert says in result.stderr.lower(), result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "pwned").exists() and not (root / "pwned").exists()
    assert snapshot_tree(root / "site") == before


def test_sigterm_during_a_build_stops_it_as_ctrl_c_does(tmp_path):
    """SIGTERM (what CI runners, systemd and `timeout` send) while the new site is written: the
    command ends with 143, the folder it was writing is gone at once, and the output is whole."""
    root = make_site(tmp_path, MANY_PAGES)
    assert run_cli(root, "build").returncode == EXIT_OK
    complete = snapshot_tree(root / "site")
    process = subprocess.Popen(
        [sys.executable, "-m", "trustdocs", "build", "--no-cache"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not any(p.name.startswith(".site.new-") for p in root.iterdir()):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.005)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert "trustdocs: interrupted" in err and "Traceback" not in err
    assert [p.name for p in root.iterdir() if p.name.startswith(".site.")] == []
    assert snapshot_tree(root / "site") == complete


def test_a_folder_too_deep_for_the_system_to_read_is_said_not_dropped(tmp_path):
    """A folder whose path is longer than the system lets a program name (4,096 bytes): its pages
    were left out without a word. It is a warning naming the folder."""
    root = make_site(tmp_path / "site", CONSULTING)
    folder = os.open(root / "content", os.O_RDONLY)
    for _ in range(22):  # 22 folders of 200-byte names
        os.mkdir("d" * 200, dir_fd=folder)
        deeper = os.open("d" * 200, os.O_RDONLY, dir_fd=folder)
        os.close(folder)
        folder = deeper
    page = os.open("deep.md", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=folder)
    os.write(page, b"@page deep Deep\n@parent learn-technology-consulting\n@body\nDeep.\n")
    os.close(page)
    os.close(folder)
    result = run_cli(root, "build")
    assert result.returncode == EXIT_OK, result.stderr
    assert "cannot be read (File name too long): nothing in it is built" in result.stderr


def test_a_source_unreadable_while_it_is_read_is_not_blamed_on_the_output(tmp_path):
    """An error reading a source (a file gone between listing and reading) said "cannot write the
    output folder", even for `check`, which writes none: it names the file instead."""
    from trustdocs.build import _not_written
    from trustdocs.config import load_config

    root = make_site(tmp_path / "site", CONSULTING)
    config = load_config(root / "site.yaml")
    gone = root / "content" / "gone.md"
    diagnostics: list = []
    exc = FileNotFoundError(2, "No such file or directory", str(gone))
    assert _not_written(config, config.output_dir, exc, diagnostics) is None
    assert diagnostics[-1].message == "cannot read it: No such file or directory"
    assert diagnostics[-1].path.endswith("content/gone.md")
    beside = root / ".site.new-abc12345" / "index.html"
    exc = PermissionError(13, "Permission denied", str(beside))
    assert _not_written(config, config.output_dir, exc, diagnostics) is diagnostics[-1]
    assert diagnostics[-1].message.startswith("cannot write the output folder")


def _count_as_float(text: str) -> str:
    """A marker's TEXT with its count one more, written as a float (`{"files": 20.0}`)."""
    *lines, end, last = text.split("\n")
    count = json.loads(end)["files"]
    return "\n".join([*lines, json.dumps({"files": float(count + 1)}), last])


def _built_with_marker_edited(
    tmp_path: Path, edit
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """A site built, a note of the user's put in its output, the marker EDITed (its text in,
    the new text out), a page changed, and built again."""
    root = make_site(tmp_path, CONSULTING)
    assert run_cli(root, "build", "--no-cache").returncode == EXIT_OK
    (root / "site" / "notes.txt").write_text("mine")
    marker = root / "site" / MARKER
    marker.write_text(edit(marker.read_text()))
    page = root / "content" / "index.md"
    page.write_text(page.read_text() + "\nOne more line.\n")
    return root, run_cli(root, "build", "--no-cache")


@pytest.mark.parametrize(
    "edit",
    [
        lambda text: "",  # emptied
        lambda text: "hello\n",
        lambda text: text[:18],  # cut inside its first line
        lambda text: text[:-3],  # cut short
        lambda text: text + "[1]\n",  # a line that is no path
        lambda text: text + '{"a": 1}\n',
        lambda text: text.replace('"index.html"\n', '"index.html"\n"notes.txt"\n'),  # a count off
        lambda text: _count_as_float(text.replace('"index.html"\n', '"index.html"\n"notes.txt"\n')),
    ],
    ids=[
        "emptied",
        "other text",
        "cut early",
        "cut short",
        "a list",
        "a mapping",
        "a path added",
        "a path added, counted as a float",
    ],
)
def test_a_damaged_marker_never_lets_a_build_delete_the_users_files(tmp_path, edit):
    """A marker whose list of files is cut short or edited vouched for everything in the
    folder, as an earlier version's does; a line that was no path was an internal error."""
    root, result = _built_with_marker_edited(tmp_path, edit)
    assert result.returncode == EXIT_USAGE, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert f"its {MARKER} is damaged" in result.stderr
    assert (root / "site" / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "swap",
    [
        lambda site: ((site / "print.html").unlink(), write_files(site, {"print.html/n.txt": "x"})),
        lambda site: (shutil.rmtree(site / "_assets"), (site / "_assets").write_text("x")),
    ],
    ids=["a folder where a file was", "a file where a folder was"],
)
def test_the_users_files_where_the_build_wrote_others_are_never_deleted(tmp_path, swap):
    root = make_site(tmp_path, CONSULTING)
    assert run_cli(root, "build").returncode == EXIT_OK
    swap(root / "site")
    page = root / "content" / "index.md"
    page.write_text(page.read_text() + "\nOne more line.\n")
    result = run_cli(root, "build")
    assert result.returncode == EXIT_USAGE, result.stderr
    assert "the last build did not write" in result.stderr


def test_a_systems_own_files_in_the_output_go_with_it(tmp_path):
    """Finder writes `.DS_Store` into a folder it shows, Windows `Thumbs.db`: nobody's work,
    and no reason to refuse a build."""
    root = make_site(tmp_path, CONSULTING)
    assert run_cli(root, "build").returncode == EXIT_OK
    write_files(root / "site", {".DS_Store": "x", "_assets/Thumbs.db": "x"})
    page = root / "content" / "index.md"
    page.write_text(page.read_text() + "\nOne more line.\n")
    assert run_cli(root, "build").returncode == EXIT_OK
    assert not (root / "site" / ".DS_Store").exists()


def test_a_hosts_well_known_folder_in_the_content_is_published(tmp_path):
    """`.well-known/security.txt` (RFC 8615) is public by design: published from the top of
    the content folder, where other hidden files stay private; one put into the output by hand
    is refused, with the way to publish it."""
    pages = dict(CONSULTING)
    pages[".well-known/security.txt"] = "Contact: mailto:security@example.org\n"
    pages[".env"] = "SECRET=1\n"
    pages["notes/.well-known/x.txt"] = "not at the top\n"
    root = make_site(tmp_path, pages)
    assert run_cli(root, "build").returncode == EXIT_OK
    site = root / "site"
    assert "security@example.org" in (site / ".well-known" / "security.txt").read_text()
    assert not (site / ".env").exists() and not (site / "notes" / ".well-known").exists()
    write_files(site, {".well-known/assetlinks.json": "[]"})
    page = root / "content" / "index.md"
    page.write_text(page.read_text() + "\nOne more line.\n")
    result = run_cli(root, "build")
    assert result.returncode == EXIT_USAGE
    assert ".well-known/assetlinks.json" in result.stderr
    assert "goes in the content folder, a host's .well-known/ too" in result.stderr


def test_a_folder_named_like_a_systems_file_is_the_users_and_one_holding_only_those_goes(
    tmp_path,
):
    """A folder named `desktop.ini` or `.DS_Store` holds the user's files, as any folder does;
    a folder that holds nothing but a `.DS_Store` (Finder opened it) holds nothing of theirs."""
    root = make_site(tmp_path, CONSULTING)
    assert run_cli(root, "build").returncode == EXIT_OK
    site = root / "site"
    write_files(site, {"untitled folder/.DS_Store": "x"})
    page = root / "content" / "index.md"
    page.write_text(page.read_text() + "\nOne more line.\n")
    assert run_cli(root, "build").returncode == EXIT_OK
    assert not (site / "untitled folder").exists()
    write_files(site, {"desktop.ini/thesis.txt": "mine", "_assets/.DS_Store/notes.md": "mine"})
    page.write_text(page.read_text() + "\nAnd one more.\n")
    result = run_cli(root, "build")
    assert result.returncode == EXIT_USAGE, result.stderr
    assert "(_assets/.DS_Store/, desktop.ini/)" in result.stderr
    assert (site / "desktop.ini" / "thesis.txt").read_text() == "mine"


def test_well_known_is_published_only_from_a_site_yaml_sites_content_and_never_as_pages(
    tmp_path,
):
    """A page file in `.well-known/` is a host's file, copied as it is; a bit-docs site reads
    no page there (its glob never did) and publishes none of its static folder's."""
    pages = dict(CONSULTING)
    pages[".well-known/notes.md"] = "@page wk Well known\n@body\nx\n"
    root = make_site(tmp_path / "yaml", pages)
    assert run_cli(root, "build").returncode == EXIT_OK
    assert (root / "site" / ".well-known" / "notes.md").is_file()
    assert not (root / "site" / "wk.html").exists()
    bitdocs = _bitdocs_site(tmp_path / "bitdocs")
    section = {**BITDOCS_PACKAGE["bit-docs"], "dest": "./docs", "glob": {"pattern": "**/*.md"}}
    (bitdocs / "package.json").write_text(json.dumps({**BITDOCS_PACKAGE, "bit-docs": section}))
    write_files(bitdocs, {".well-known/p.md": "@page wk W\n@parent academy\n@body\nx\n"})
    write_files(bitdocs, {"static/.well-known/security.txt": "x"})
    result = run_cli(bitdocs, "build")
    assert result.returncode == EXIT_OK, result.stderr
    built = [p.relative_to(bitdocs / "docs").as_posix() for p in (bitdocs / "docs").rglob("*")]
    assert "academy.html" in built or "index.html" in built
    assert not any("wk.html" in p or ".well-known" in p for p in built), built


@pytest.mark.parametrize("when", ["before the swap", "just before the exchange"])
def test_a_file_put_into_the_output_while_a_build_runs_is_never_deleted(
    tmp_path, monkeypatch, when
):
    """The folder was looked at when the build began only: a note saved there meanwhile went
    with the old site."""
    import trustdocs.output_folder as output_folder

    output = tmp_path / "site"
    write_output(output, {"index.html": "one"})
    exchange = output_folder._exchange

    def note_then_exchange(a: Path, b: Path) -> bool:
        (output / "notes.txt").write_text("mine")
        return exchange(a, b)

    with output_folder.FreshOutput(output) as fresh, pytest.raises(OSError) as refused:
        fresh.write("index.html", "two")
        if when == "before the swap":
            (output / "notes.txt").write_text("mine")
        else:
            monkeypatch.setattr(output_folder, "_exchange", note_then_exchange)
        fresh.swap_in()
    assert "was put there during this build (notes.txt)" in refused.value.strerror
    assert (output / "notes.txt").read_text() == "mine"
    assert (output / "index.html").read_text() == "one"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


@pytest.mark.parametrize("made", ["an empty folder", "nothing", "a link"])
def test_an_output_made_while_a_build_runs_is_never_emptied(tmp_path, made):
    """An empty output folder (or none) when the build began, and the user's files put there
    meanwhile (a `git clone` into it), or a link put in its place: they were exchanged with the
    new site and deleted as the old one, or, through the link, another folder's files."""
    import trustdocs.output_folder as output_folder

    output, precious = tmp_path / "site", tmp_path / "precious"
    write_files(precious, {"thesis.txt": "mine"})
    if made == "an empty folder":
        output.mkdir()
    with output_folder.FreshOutput(output) as fresh, pytest.raises(OSError) as refused:
        fresh.write("index.html", "new")
        if made == "a link":
            output.symlink_to(precious)
        else:
            write_files(output, {".git/HEAD": "ref", "mine.txt": "mine"})
        fresh.swap_in()
    assert "was put there during this build" in refused.value.strerror
    assert (precious / "thesis.txt").read_text() == "mine"
    if made != "a link":
        assert (output / "mine.txt").read_text() == "mine"
        assert (output / ".git" / "HEAD").is_file()


def test_another_build_never_removes_the_old_site_while_a_build_looks_at_it(tmp_path, monkeypatch):
    """After the exchange the old site waits where the new one was, under its marker: a build
    starting then took it for a leftover and removed it while this one looked for the user's
    files in it, and the half-removed old site was put back."""
    import trustdocs.output_folder as output_folder

    output = tmp_path / "site"
    write_output(output, {"index.html": "one", "a/b.html": "two"})
    refuse = output_folder._refuse_if_foreign
    calls = []

    def another_build_starts(folder: Path) -> None:
        calls.append(folder)
        if len(calls) == 2:  # the old site, just exchanged
            remove_stale_temporaries(output)
            assert (folder / "a" / "b.html").read_text() == "two"  # not taken for a leftover
        refuse(folder)

    monkeypatch.setattr(output_folder, "_refuse_if_foreign", another_build_starts)
    write_output(output, {"index.html": "new", "a/b.html": "new"})
    assert (output / "index.html").read_text() == "new"
    assert (output / "a" / "b.html").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_ctrl_c_during_a_swap_then_refused_never_says_the_new_site_is_in_place(monkeypatch):
    """Ctrl-C waits while the new site is swapped in, and the command then says it is in place
    all the same; a swap refused (a file of the user's came into the output) put nothing in
    place, and saying so contradicted the refusal printed just before."""
    import signal as signals

    from trustdocs import launch

    monkeypatch.setattr(launch, "_late", "")
    monkeypatch.setattr(launch, "_interrupted", False)
    monkeypatch.setattr(launch, "_exit_code", launch.EXIT_INTERRUPTED)
    with pytest.raises(OSError), launch.interrupts_held("the new site is in place"):
        launch._on_ctrl_c(signals.SIGINT, None)  # Ctrl-C, held
        raise OSError("refused")
    assert launch.interrupted() and launch.interrupted_message() == "interrupted"
    with launch.interrupts_held("the new site is in place"):
        launch._on_ctrl_c(signals.SIGINT, None)
    assert launch.interrupted_message() == "interrupted; the new site is in place all the same"
