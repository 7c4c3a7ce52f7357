"""markdown/directives.py: @sourceref, @diff, @highlight and @codepen, and what they may read."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import built_html, make_site

from trustdocs.config import SiteConfig
from trustdocs.markdown import changed_lines, parse_markdown


def test_changed_lines_ignores_whitespace_semicolons_and_blank_lines():
    old = "a = 1;\nb = 2\n\nc()\n"
    new = "  a = 1\nb = 3\n\nc()\nd()\n"
    assert changed_lines(old, new) == {2, 5}


def test_changed_lines_are_matched_in_order_and_a_block_added_keeps_its_closing_line():
    """A line diff's marks: a block added among closing lines is marked where it stands (its
    own `}`, not the unchanged one after it), and an old line is not matched far out of order
    (lines that only moved are marked, unchanged ones after an addition are not)."""
    old = "if (a) {\n  x();\n}\n"
    new = "if (a) {\n  x();\n  if (b) {\n    y();\n  }\n}\n"
    assert changed_lines(old, new) == {3, 4, 5}
    old = "<ul>\n  <li>one</li>\n</ul>\n<div>\n  <p>end</p>\n</div>\n"
    new = "<div>\n  <ul>\n    <li>new</li>\n  </ul>\n</div>\n" + old
    assert changed_lines(old, new) == {1, 2, 3, 4, 5}
    assert changed_lines("first()\nsecond()\n", "second()\nfirst()\n") == {1}  # moved up


def test_changed_lines_mark_no_more_lines_than_a_shortest_line_diff():
    """Only the lines no longest common run of lines can hold are marked."""
    assert changed_lines("\nb\n});\nc\nc\na\n", "a\nb\nc\n") == {1}
    assert changed_lines("a\nb\nc\nd\n", "a\nx\nc\nd\nb\n") == {2, 5}


# --- what @sourceref and @diff may read ----------------------------------------------------------


def site_at(root: Path, **options) -> SiteConfig:
    """A site in ROOT whose pages live in ROOT/content."""
    return SiteConfig(root, root / "site.yaml", "Site", root / "content", root / "site", **options)


def include(config: SiteConfig, directive: str):
    """Parse a body of one text line and DIRECTIVE (file line 11) in content/lesson/."""
    folder = config.content_dir / "lesson"
    folder.mkdir(parents=True, exist_ok=True)
    text = f"Read this:\n{directive}\n"
    return parse_markdown(text, "content/lesson/p.md", (10, 11), frozenset(), folder, config=config)


def code_of(parsed) -> list[str]:
    return [token.content for token in parsed.tokens if token.type == "fence"]


@pytest.fixture
def site(tmp_path) -> SiteConfig:
    root = tmp_path / "site"
    (root / "content" / "lesson").mkdir(parents=True)
    (root / "exercises").mkdir()
    (root / "exercises" / "app.js").write_text("run();\n")
    (tmp_path / "secret.txt").write_text("password\n")
    return site_at(root)


def only_error(problems, *words: str) -> None:
    (problem,) = problems
    assert (problem.path, problem.line, problem.col, problem.severity) == (
        "content/lesson/p.md",
        11,
        1,
        "error",
    )
    for word in words:
        assert word in problem.message + " " + problem.hint


def test_files_inside_the_site_folder_are_read(site):
    parsed, problems = include(site, "@sourceref ../../exercises/app.js")
    assert problems == [] and code_of(parsed) == ["run();\n"]


@pytest.mark.parametrize(
    "path", ["../../../secret.txt", "/etc/passwd", "../../../../../../../../etc/hostname"]
)
def test_files_outside_the_site_folder_are_refused(site, path):
    parsed, problems = include(site, f"@sourceref {path}")
    only_error(problems, "outside the site folder", "sourceref_outside: true")
    assert code_of(parsed) == []


def test_a_symlink_leading_out_of_the_site_is_refused(site, tmp_path):
    (site.root_dir / "exercises" / "link.txt").symlink_to(tmp_path / "secret.txt")
    parsed, problems = include(site, "@diff ../../exercises/app.js ../../exercises/link.txt")
    only_error(problems, "outside the site folder", str(tmp_path / "secret.txt"))
    assert code_of(parsed) == []


def test_a_site_may_allow_files_outside_it(site):
    allowed = site_at(site.root_dir, allow_outside_files=True)
    parsed, problems = include(allowed, "@sourceref ../../../secret.txt")
    assert problems == [] and code_of(parsed) == ["password\n"]


def no_hang(seconds: int = 5):
    def stop(*_):
        raise TimeoutError("reading the directive's file hung")

    signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_waiting_for_a_writer(site):
    os.mkfifo(site.root_dir / "exercises" / "pipe")
    no_hang()
    try:
        _, problems = include(site, "@sourceref ../../exercises/pipe")
    finally:
        signal.alarm(0)
    only_error(problems, "not a regular file")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_is_refused_even_when_outside_files_are_allowed(site):
    allowed = site_at(site.root_dir, allow_outside_files=True)
    no_hang()
    try:
        parsed, problems = include(allowed, "@sourceref /dev/zero")
    finally:
        signal.alarm(0)
    only_error(problems, "not a regular file")
    assert code_of(parsed) == []


def test_a_file_over_the_size_limit_is_refused(site):
    limited = site_at(site.root_dir, max_include_bytes=7)
    (site.root_dir / "exercises" / "big.js").write_text("run();\n\n")
    _, problems = include(limited, "@sourceref ../../exercises/big.js")
    only_error(problems, "larger than 7 bytes", "max_include_bytes")
    exact, fits = include(limited, "@sourceref ../../exercises/app.js")
    assert fits == [] and code_of(exact) == ["run();\n"]


def test_a_symlink_loop_is_an_error(site):
    exercises = site.root_dir / "exercises"
    (exercises / "a").symlink_to(exercises / "b")
    (exercises / "b").symlink_to(exercises / "a")
    _, problems = include(site, "@sourceref ../../exercises/a")
    only_error(problems, "symlink loop")


def test_a_file_that_is_not_utf8_is_an_error(site):
    (site.root_dir / "exercises" / "latin1.txt").write_bytes(b"caf\xe9\n")
    _, problems = include(site, "@sourceref ../../exercises/latin1.txt")
    only_error(problems, "not UTF-8")


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["plain", "with BOM"])
def test_a_file_that_is_not_utf8_is_shown_at_its_bad_byte_as_pages_are(site, bom):
    """The problem names the bad byte and where it is in the included file, as for a page; it
    gave the byte's offset from the start of the file."""
    (site.root_dir / "exercises" / "latin1.txt").write_bytes(bom + b"line one\nna\xefve\n")
    _, problems = include(site, "@sourceref ../../exercises/latin1.txt")
    only_error(problems, "not UTF-8 text (byte 0xef)")
    assert problems[0].hint.endswith("exercises/latin1.txt:2:3"), problems[0].hint


def test_site_yaml_opts_in_to_outside_files_and_sets_the_size_limit(tmp_path, trustdocs):
    (tmp_path / "shared.js").write_text("shared();\n")
    page = "@page home Home\n@body\n@sourceref ../../shared.js\n"
    root = make_site(tmp_path / "course", {"index.md": page})
    refused = trustdocs(root, "build")
    assert refused.code == 1 and "content/index.md:3:1: error:" in refused.err
    assert "Traceback" not in refused.err

    (root / "site.yaml").write_text("title: T\nsourceref_outside: true\nmax_include_bytes: 5\n")
    too_big = trustdocs(root, "build")
    assert too_big.code == 1 and "larger than 5 bytes" in too_big.err

    (root / "site.yaml").write_text("title: T\nsourceref_outside: true\n")
    allowed = trustdocs(root, "build")
    assert allowed.code == 0, allowed.err
    page = BeautifulSoup((root / "site" / "index.html").read_text(), "html.parser")
    assert page.select_one(".body pre").get_text() == "shared();\n"


def test_a_highlight_range_past_the_block_marks_only_its_lines():
    """`@highlight 1-999999999999` on a two-line block: lines 1 and 2, at once, not a hang."""
    text = "```js\nlet a = 1;\nlet b = 2;\n```\n@highlight 1-999999999999,7\n"
    lines = tuple(range(1, text.count("\n") + 2))
    parsed, problems = parse_markdown(text, "content/p.md", lines, frozenset())
    fence = next(token for token in parsed.tokens if token.type == "fence")
    assert fence.meta["marked"] == frozenset({1, 2})
    (past,) = problems  # 7 marks nothing: said, as the next test shows
    assert "@highlight 7:" in past.message


def test_a_highlight_that_marks_nothing_past_the_block_is_a_warning_at_its_line():
    """A lesson's `@highlight 42` under a 38-line file marks nothing: the file changed after the
    lesson was written. Said, with what was asked and how long the block is; a range that
    starts in the block marks its lines and says nothing."""
    text = "Intro.\n\n```js\na();\nb();\nc();\n```\n  @highlight 2, 5, 7-9, 3-40 only\n"
    lines = tuple(range(1, text.count("\n") + 2))
    parsed, problems = parse_markdown(text, "content/p.md", lines, frozenset())
    fence = next(token for token in parsed.tokens if token.type == "fence")
    assert fence.meta["marked"] == frozenset({2, 3})
    (past,) = problems
    assert (past.path, past.line, past.col, past.severity) == ("content/p.md", 8, 3, "warning")
    assert past.message == "@highlight 5, 7-9: past the end of the code block above (3 lines)"
    assert "mark lines 1 to 3" in past.hint


def test_a_file_that_grew_after_its_size_was_taken_is_read_whole(site, monkeypatch):
    """A file is read in a buffer of the size it had, not of the largest size allowed: one that
    grew in between is still read to its end."""
    import os
    import stat

    from trustdocs.markdown import directives

    text = "const grown = true;\n" * 5
    (site.root_dir / "exercises" / "grown.js").write_text(text)
    real = os.fstat

    def taken_before_it_grew(fd):
        info = real(fd)
        if stat.S_ISREG(info.st_mode) and info.st_size == len(text):
            return os.stat_result((*tuple(info)[:6], 10, *tuple(info)[7:]))
        return info

    monkeypatch.setattr(directives.os, "fstat", taken_before_it_grew)
    parsed, problems = include(site, "@sourceref ../../exercises/grown.js")
    assert not problems
    fences = [t for t in parsed.tokens if t.type == "fence"]
    assert fences and fences[0].content == text


def test_directives_after_a_failed_sourceref_or_a_second_codepen_say_only_what_is_wrong(site):
    """A `@sourceref` of a missing file is its error alone: the `@highlight` and `@codepen`
    under it neither warn nor mark the block before it; a second `@codepen` on one block is a
    warning (the first stays); `@highlight 0` names no line."""
    text = (
        "```jsx\nconst a = 1;\n```\n@codepen react\n@codepen\n\n"
        "```js\na();\nb();\n```\n@highlight 0, 2\n\n"
        "@sourceref ./missing.tsx\n@highlight 1\n@codepen\n"
    )
    lines = tuple(range(1, text.count("\n") + 2))
    folder = site.content_dir / "lesson"
    parsed, problems = parse_markdown(text, "content/p.md", lines, frozenset(), folder, config=site)
    fences = [token for token in parsed.tokens if token.type == "fence"]
    assert fences[0].meta["codepen"] == "react"
    assert fences[1].meta["marked"] == frozenset({2}) and "codepen" not in fences[1].meta
    found = [(p.line, p.severity, p.message) for p in problems]
    assert found == [
        (5, "warning", "@codepen: the code block above has its button already (the first stays)"),
        (11, "warning", "@highlight: no line '0'"),
        (13, "error", found[2][2]),
    ]
    assert "missing.tsx" in found[2][2]


def test_a_second_highlight_on_one_block_is_a_warning_and_the_first_marks_stay(site):
    """Two `@highlight` lines under one block: the second replaced the first without a word."""
    text = "```js\na();\nb();\nc();\n```\n@highlight 1\n@highlight 3\n"
    lines = tuple(range(1, text.count("\n") + 2))
    folder = site.content_dir / "lesson"
    parsed, problems = parse_markdown(text, "content/p.md", lines, frozenset(), folder, config=site)
    (fence,) = [token for token in parsed.tokens if token.type == "fence"]
    assert fence.meta["marked"] == frozenset({1})
    message = "@highlight: the code block above has its marks already (the first stay)"
    assert [(p.line, p.severity, p.message) for p in problems] == [(7, "warning", message)]


def test_a_highlight_after_a_diff_is_a_warning_and_the_diff_marks_stay(site):
    """`@diff` marks the lines it changed; a `@highlight` under it replaced them without a word."""
    exercises = site.root_dir / "exercises"
    (exercises / "old.js").write_text("a();\nb();\nc();\n")
    (exercises / "new.js").write_text("a();\nchanged();\nc();\n")
    text = "@diff ../../exercises/old.js ../../exercises/new.js\n@highlight 1\n"
    folder = site.content_dir / "lesson"
    parsed, problems = parse_markdown(
        text, "content/p.md", (1, 2, 3), frozenset(), folder, config=site
    )
    (fence,) = [token for token in parsed.tokens if token.type == "fence"]
    assert fence.meta["marked"] == frozenset({2})
    message = "@highlight: the code block above has its marks already (the first stay)"
    assert [(p.line, p.severity, p.message) for p in problems] == [(2, "warning", message)]


def test_a_highlight_range_written_high_to_low_marks_its_lines_and_is_a_warning():
    """`@highlight 3-1` marks lines 1 to 3, as written the other way, and says so."""
    text = "```js\na();\nb();\nc();\n```\n@highlight 3-1\n"
    lines = tuple(range(1, text.count("\n") + 2))
    parsed, problems = parse_markdown(text, "content/p.md", lines, frozenset())
    fence = next(token for token in parsed.tokens if token.type == "fence")
    assert fence.meta["marked"] == frozenset({1, 2, 3})
    ((line, message, hint),) = [(p.line, p.message, p.hint) for p in problems]
    assert (line, hint) == (6, "write 1-3")
    assert message == "@highlight 3-1: a range runs from its first line to its last"


def test_a_file_in_a_repository_folder_is_refused_as_such_whatever_the_site_allows(tmp_path):
    """`.git/config` is in the site folder, and no setting lets a page show it: the error says
    so, not that it is outside the site and what to set to read it."""
    from trustdocs.config import load_config

    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("[core]\n")
    (tmp_path / "content").mkdir()
    for allowed in ("false", "true"):
        (tmp_path / "site.yaml").write_text(f"title: T\nsourceref_outside: {allowed}\n")
        config = load_config(tmp_path / "site.yaml")
        text = "@sourceref ../.git/config\n"
        _, problems = parse_markdown(
            text, "content/p.md", (1, 2), frozenset(), tmp_path / "content", config=config
        )
        ((message, hint),) = [(p.message, p.hint) for p in problems]
        assert message == "@sourceref file '../.git/config' is in a repository's own folder"
        assert "sourceref_outside" not in hint


def test_a_directive_in_the_description_shows_its_code_there_and_follows_its_file(
    tmp_path, trustdocs
):
    """bit-docs put the code of a `@sourceref` written in a page's description into the
    description: so does trustdocs (it showed nothing, and told nothing, even of a file not
    there). A file it reads that is missing is an error at its line; an edit of the file shows
    in the next build, cached or not; one among the tags, in no description, is told."""
    site = make_site(
        tmp_path,
        {
            "index.md": (
                "@page home Home\n@description Look at this:\n@sourceref s.py\n"
                "@highlight 1\n@body\nBody.\n"
            ),
            "a.md": "@page home/a A\n@parent home\n@sourceref s.py\n@body\nText.\n",
            "s.py": "answer = 42\n",
        },
    )
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    assert "content/a.md:3:1: warning: @sourceref is among the page's tags" in run.err
    page = BeautifulSoup((site / "site" / "index.html").read_text(), "html.parser")
    described = page.select_one(".description")
    assert described.find("pre") and "answer" in described.find("pre").get_text()
    assert described.select(".marked")  # its @highlight too
    (site / "content" / "s.py").write_text("answer = 43\n")
    assert trustdocs(site, "build").code == 0
    assert "43" in (site / "site" / "index.html").read_text()
    assert trustdocs(site, "build", "--no-cache", "--output", str(tmp_path / "fresh")).code == 0
    assert (site / "site" / "index.html").read_bytes() == (
        tmp_path / "fresh" / "index.html"
    ).read_bytes()
    (site / "content" / "s.py").unlink()
    run = trustdocs(site, "build")
    assert run.code == 1 and "content/index.md:3:1: error: @sourceref file 's.py'" in run.err


def test_a_sourceref_path_holding_spaces_is_read_whole(tmp_path, trustdocs):
    """bit-docs reads the rest of the `@sourceref` line as the path: a file named with a space
    (`my file.py`) is shown, not cut at the space into a missing `my`."""
    pages = {"index.md": "@page home Home\n@body\n@sourceref my file.py\n", "my file.py": "a = 1\n"}
    assert '<span class="n">a</span>' in built_html(tmp_path, trustdocs, pages)


def test_words_after_a_diffs_two_paths_other_than_only_are_said(site):
    """`@diff old.js new.js extra`: the extra word was ignored without a word; `only` folds."""
    exercises = site.root_dir / "exercises"
    (exercises / "old.js").write_text("a();\n")
    (exercises / "new.js").write_text("b();\n")
    _, problems = include(site, "@diff ../../exercises/old.js ../../exercises/new.js extra only")
    assert [(p.line, p.severity, p.message) for p in problems] == [
        (11, "warning", "'extra' after @diff OLD NEW is ignored")
    ]
    _, problems = include(site, "@diff ../../exercises/old.js ../../exercises/new.js only")
    assert problems == []
