"""Property-based fuzzing: page sources, whole small sites, site.yaml and package.json text.

Bounded for CI (a few hundred examples in all); run it long with, for example,
`TRUSTDOCS_FUZZ_EXAMPLES=100000 python -m pytest tests/test_fuzz.py`. Whatever the input, trustdocs
must answer with diagnostics that point at a real file and line, exit 0, 1 or 2, and write nothing
outside the output folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustdocs.build import build_site
from trustdocs.cache import CACHE_DIR
from trustdocs.cli import EXIT_CONTENT, EXIT_OK, EXIT_USAGE
from trustdocs.config import ConfigError, SiteConfig, load_config
from trustdocs.diagnostics import Diagnostic, has_errors
from trustdocs.source import parse_page_source

LONG_RUN = int(os.environ.get("TRUSTDOCS_FUZZ_EXAMPLES", "0"))


def fuzz_settings(examples_in_ci: int) -> settings:
    """EXAMPLES_IN_CI examples, or TRUSTDOCS_FUZZ_EXAMPLES when it is set."""
    return settings(
        max_examples=LONG_RUN or examples_in_ci,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )


# --- what authors (and attackers) write -----------------------------------------------------------

NAMES = st.one_of(
    st.sampled_from(
        [
            "home",
            "a",
            "a/b",
            "a/b/c",
            "print",
            "404",
            "index",
            "search-index",
            "_assets/style",
            "../x",
            "a/../b",
            "/abs/x",
            "a\\b",
            "a//b",
            ".",
            "..",
            "x" * 201,
            "日本語",
            "-",
            "a#b",
            "a?b",
            "%2e%2e/x",
        ]
    ),
    st.text(min_size=1, max_size=12).filter(lambda s: not any(c.isspace() for c in s)),
)
TAGS = [
    "@page",
    "@parent",
    "@description",
    "@body",
    "@hide",
    "@hide title",
    "@hidetitle",
    "@hidesidebar",
    "@outline",
    "@metaogimage",
    "@sourceref",
    "@highlight",
    "@diff",
    "@codepen",
    "@@escaped",
    "@unknowntag",
    "@PAGE",
    "  @parent",
]
ARGUMENTS = st.one_of(
    NAMES,
    st.sampled_from(
        [
            "",
            "1",
            "-1",
            "99999999999999999999",
            "2 ol",
            "9 ul",
            "1-3, 5 only",
            "3-1",
            "0",
            "exercise.js",
            "exercise.js exercise2.js",
            "exercise.js exercise2.js only",
            "../outside.txt",
            "../../outside.txt",
            "/etc/hostname",
            "missing.js",
            "../../../../../../etc/passwd",
            ".",
            "sub",
            "pic.png",
            "http://example.org/x.png",
        ]
    ),
    st.text(max_size=20),
)
TAG_LINES = st.builds(lambda tag, value: f"{tag} {value}", st.sampled_from(TAGS), ARGUMENTS)
MARKDOWN_LINES = st.sampled_from(
    [
        "# Title",
        "## Section",
        "### Sub section",
        "## Section",
        "###### Six",
        "```",
        "```js",
        "```nosuchlanguage",
        "~~~",
        "````",
        "    indented code",
        "> quote",
        "> ```",
        "- item",
        "  - nested",
        "1. item",
        "- ```",
        "| a | b |",
        "|---|---|",
        "[home]",
        "[a/b#section-text text]",
        "[a/b#nope]",
        "[x]",
        "[missing/page]",
        "[https://example.org/#frag link]",
        "[text](a.html)",
        "[text](../../etc/passwd)",
        "[text](exercise.js)",
        "[text](<with space.md>)",
        "![img](pic.png)",
        "![img](../outside.txt)",
        "<details>",
        "<summary>More</summary>",
        "</details>",
        "<script>alert(1)</script>",
        "<pre>",
        "</pre>",
        '<span id="anchor">x</span>',
        '<img src="pic.png"><a href=../a.html>raw</a>',
        "<div><![= x",
        "<![CDATA[ a ]]> <![ifa b",
        "<!-- comment",
        "-->",
        "***bold***",
        "`code`",
        "``",
        "[^1]",
        "[^1]: note",
        "Term",
        ": definition",
        "- [ ] task",
        "> [!NOTE]",
        "> [!WARNING] Careful",
        "&#0;",
        "&#xD800;",
        "&nbsp;",
        "\u202e reversed",
        "\x00",
        "\t\ttabs",
        "\ufeff",
        "",
        "",
    ]
)
LINES = st.one_of(TAG_LINES, MARKDOWN_LINES, st.text(max_size=40))
NEWLINES = st.sampled_from(["\n", "\r\n", "\r"])
PAGE_TEXT = st.builds(
    lambda lines, newline: newline.join(lines), st.lists(LINES, max_size=25), NEWLINES
)


# --- one page's text ------------------------------------------------------------------------------


@fuzz_settings(250)
@given(text=PAGE_TEXT, bitdocs=st.booleans())
def test_any_page_text_parses_into_a_page_or_a_diagnostic(text: str, bitdocs: bool) -> None:
    source, problems = parse_page_source("content/p.md", "p.md", text, bitdocs=bitdocs)
    line_count = len(
        text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    )
    for problem in problems:
        assert problem.path == "content/p.md"
        assert 1 <= problem.line <= line_count, problem
        assert "\n" not in problem.message, problem
    if source is not None:
        assert source.name and " " not in source.name and "\t" not in source.name
        assert len(source.body_lines) == len(source.body.split("\n")) or not source.body
        assert all(1 <= n <= line_count for n in source.body_lines + source.description_lines)
        assert all(1 <= n <= line_count for n in source.tag_lines.values())


# --- whole sites ----------------------------------------------------------------------------------

SITE_YAML = st.builds(
    lambda root, strict, base_url: (
        "title: Fuzzed Course\n"
        + (f"root: {json.dumps(root)}\n" if root is not None else "")
        + ("strict: true\n" if strict else "")
        + (f"base_url: {base_url}\n" if base_url else "")
    ),
    st.one_of(st.none(), NAMES),
    st.booleans(),
    st.sampled_from(["", "https://example.org/course/", "https://example.org"]),
)
FOLDERS = st.sampled_from(["", "sub/", "a/b/", "with space/", "ü/", ".hidden/", "node_modules/"])


@st.composite
def sites(draw: st.DrawFn) -> dict[str, str | bytes]:
    """A small site: site.yaml, pages with tags and bodies, and a few other files."""
    files: dict[str, str | bytes] = {
        "site.yaml": draw(SITE_YAML),
        "content/exercise.js": "const a = 1;\nconst b = 2;\n",
        "content/exercise2.js": "const a = 1;\nconst b = 3;\nconst c = 4;\n",
        "content/pic.png": b"\x89PNG\r\n\x1a\n",
    }
    for number in range(draw(st.integers(min_value=1, max_value=6))):
        header = f"@page {draw(NAMES)} {draw(st.text(max_size=12))}\n"
        if draw(st.booleans()):
            header += f"@parent {draw(NAMES)} {draw(st.sampled_from(['', '1', '2', 'x']))}\n"
        text = header + draw(PAGE_TEXT)
        path = f"content/{draw(FOLDERS)}p{number}.md"
        files[path] = text.encode("utf-8", "surrogatepass")
        if draw(st.integers(min_value=0, max_value=9)) == 0:
            files[path] = files[path] + b"\n\xff\xfe not UTF-8\n"
    return files


@contextlib.contextmanager
def working_folder(folder: Path) -> Iterator[None]:
    """Run with FOLDER as the working folder, as the command does in a site's folder."""
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def snapshot(root: Path, skip: Path) -> dict[str, bytes]:
    """Every file under ROOT but SKIP and the build cache, with its bytes."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
        and not path.is_relative_to(skip)
        and CACHE_DIR not in path.relative_to(root).parts
    }


def assert_points_at_real_lines(diagnostics: list[Diagnostic]) -> None:
    """Each problem names a file that exists and a line that file has."""
    for problem in diagnostics:
        path = Path(problem.path)
        assert path.is_file(), problem
        text = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        line_count = text.count(b"\n") + 1
        assert 1 <= problem.line <= line_count, problem
        assert problem.col >= 1, problem
        assert "\n" not in problem.message, problem


def exit_code_of_build(config: SiteConfig) -> tuple[int, list[Diagnostic]]:
    """Build as `trustdocs build` does, and the exit code it would give."""
    result = build_site(config, strict=config.strict, use_cache=False)
    if result.usage_problem is not None:
        return EXIT_USAGE, result.diagnostics
    failed = has_errors(result.diagnostics, config.strict)
    return (EXIT_CONTENT if failed else EXIT_OK), result.diagnostics


@fuzz_settings(60)
@given(files=sites())
def test_any_small_site_builds_or_says_why_and_writes_only_its_output(
    files: dict[str, str | bytes],
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "outside.txt").write_text("outside the site\n")
        site = root / "course"
        for rel, content in files.items():
            path = site / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
        output = site / "site"
        before = snapshot(root, skip=output)
        with working_folder(site):
            try:
                config = load_config(Path("site.yaml"))
            except ConfigError as exc:
                code, diagnostics = EXIT_USAGE, exc.diagnostics
            else:
                code, diagnostics = exit_code_of_build(config)
            assert_points_at_real_lines(diagnostics)
        assert code in (EXIT_OK, EXIT_CONTENT, EXIT_USAGE)
        assert snapshot(root, skip=output) == before
        assert output.is_dir() == (code == EXIT_OK)
        if code == EXIT_OK:
            assert (output / "index.html").is_file() or config.root is None


# --- site.yaml and package.json -------------------------------------------------------------------

YAML_SCALARS = st.one_of(
    st.sampled_from(
        [
            "x",
            "''",
            '"\\ud800"',
            '"a\\0b"',
            "~",
            "yes",
            "1e400",
            "0x1F",
            "2024-01-01",
            "&a x",
            "*a",
            "*missing",
            "!!python/object:os.system x",
            "!!binary aGk=",
            "[",
            "{",
            "'http://[bad'",
            "https://example.org/c/",
            "https://example.org:99999/",
            "default",
            "../..",
            "|",
            ">-",
            "? x",
            "- a",
            "[" * 200 + "]" * 200,
            "{a: " * 150 + "1" + "}" * 150,
        ]
    ),
    st.text(max_size=20),
)
YAML_KEYS = st.one_of(
    st.sampled_from(
        [
            "title",
            "content",
            "output",
            "theme",
            "root",
            "base_url",
            "strict",
            "max_include_bytes",
            "sourceref_outside",
            "<<",
            "? [a, b]",
            "titel",
            "",
        ]
    ),
    st.text(max_size=8),
)
YAML_LINES = st.one_of(
    st.builds(
        lambda indent, key, value: f"{indent}{key}: {value}",
        st.sampled_from(["", "", " ", "  ", "\t"]),
        YAML_KEYS,
        YAML_SCALARS,
    ),
    st.sampled_from(["---", "...", "# comment", "%YAML 1.1", "- item", "", "\x01", "\x7f"]),
    st.text(max_size=30),
)


@fuzz_settings(200)
@given(
    lines=st.lists(YAML_LINES, max_size=12),
    garbage=st.one_of(st.just(b""), st.binary(max_size=8)),
    newline=NEWLINES,
)
def test_any_site_yaml_loads_or_is_one_diagnostic_per_problem(
    lines: list[str], garbage: bytes, newline: str
) -> None:
    data = newline.join(lines).encode("utf-8", "surrogatepass") + garbage
    with tempfile.TemporaryDirectory() as scratch, working_folder(Path(scratch)):
        Path("site.yaml").write_bytes(data)
        try:
            config = load_config(Path("site.yaml"))
        except ConfigError as exc:
            assert exc.diagnostics
            for problem in exc.diagnostics:
                assert problem.path == "site.yaml"
                assert 1 <= problem.line <= data.count(b"\n") + data.count(b"\r") + 1, problem
                assert "\n" not in problem.message, problem
        else:
            assert isinstance(config.title, str)
            config.title.encode("utf-8")  # no lone surrogate reaches a page


JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.text(max_size=10),
        st.sampled_from(
            [
                "src/**/*.md",
                "{a,b}/*.md",
                "{a,{b,c}}/**/*.{md,markdown}",
                "/abs/*.md",
                ".",
                "",
                "**a",
            ]
        ),
    ),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["pattern", "ignore", "x"]), children, max_size=3)
    ),
    max_leaves=12,
)
BITDOCS_SECTIONS = st.dictionaries(
    st.sampled_from(["parent", "dest", "glob", "static", "codepen", "other"]),
    JSON_VALUES,
    max_size=6,
)


@fuzz_settings(150)
@given(section=BITDOCS_SECTIONS, braces=st.integers(min_value=0, max_value=40))
def test_any_bitdocs_section_loads_or_is_an_error_at_its_key(
    section: dict[str, object], braces: int
) -> None:
    if braces:
        section = {**section, "glob": "{a,b}" * braces + "/*.md"}
    text = json.dumps({"name": "academy", "bit-docs": section}, indent=2)
    with tempfile.TemporaryDirectory() as scratch, working_folder(Path(scratch)):
        Path("package.json").write_text(text)
        try:
            config = load_config(Path("package.json"))
        except ConfigError as exc:
            for problem in exc.diagnostics:
                assert problem.path == "package.json"
                assert 1 <= problem.line <= text.count("\n") + 1, problem
                assert "\n" not in problem.message, problem
        else:
            assert config.root == section["parent"]
            assert 1 <= len(config.page_glob) <= 1000
            assert all(pattern and not pattern.startswith("/") for pattern in config.page_glob)


# --- the plain cross-link rule reads as the general ones do ------------------------------------------

LINK_PIECES = [
    *("[course/intro]", "[course/intro Some *text*]", "[course/intro#setup]", "[academy]"),
    *("[academy](u)", "[academy][ref]", "[ref]", "[academy]: /url\n", "[^1]", "[^1]: note\n"),
    *("[https://example.com a site]", "[course/setup `code]`]", "[course/setup \\] x]"),
    *("[course/intro <b>]", "[academy]]", "[[academy]]", "![academy]", "![a [academy] b](i.png)"),
    *(
        "[a [academy] b](u)",
        "`[academy]`",
        "- [x] academy\n",
        "- [ ] [academy]\n",
        "[academy\nnext]",
    ),
    *("[Academy]", "[course/intro text [ref]]", "*[academy]*", "**[academy** x]", "~~[academy]~~"),
    *(
        "\\[academy]",
        "&amp;[academy]&lt;",
        "\n\n[academy]: /h\n",
        "[ACADEMY]: /h\n\n",
        "# [academy]\n",
    ),
    *(
        "> [academy]\n",
        "| [academy] | b |\n|---|---|\n| [ref] | [course/intro] |\n",
        "<a>[academy]</a>",
    ),
    *(
        "[academy](",
        "[academy] (x)",
        "[academy]x",
        "[course/intro#]",
        "[#x]",
        "[]",
        "[ ]",
        " ",
        "\n",
    ),
]


def _parsed_with(text: str, plain: bool) -> tuple[str, list[str]]:
    """TEXT's tokens and problems, with the plain cross-link rule on or off."""
    from trustdocs.markdown import markdown_parser, parse_markdown

    for bitdocs in (False, True):
        rules = markdown_parser(bitdocs).inline.ruler
        (rules.enable if plain else rules.disable)(["cross_link_plain"])
    names = frozenset({"course/intro", "course/setup", "academy", "ref"})
    lines = tuple(range(1, text.count("\n") + 2))
    parsed, problems = parse_markdown(text, "content/p.md", lines, names)
    tokens = [
        (
            t.type,
            t.content,
            t.attrs,
            t.meta,
            [(c.type, c.content, c.attrs, c.meta) for c in t.children or ()],
        )
        for t in parsed.tokens
    ]
    return repr(tokens), sorted(map(repr, problems))


@fuzz_settings(300)
@given(st.lists(st.sampled_from(LINK_PIECES), min_size=1, max_size=8))
def test_a_cross_link_read_early_reads_as_the_general_rules_read_it(pieces: list[str]) -> None:
    """Cross-links with a plain label are read before markdown-it's link rule, to spare measuring
    their label twice: the tokens and the problems must be what the general rules make."""
    text = "".join(pieces)
    try:
        assert _parsed_with(text, plain=True) == _parsed_with(text, plain=False), text
    finally:
        _parsed_with("", plain=True)
