"""markdown/crosslinks.py: `[NAME]` links, their diagnostics, and brackets that stay text."""

import pytest
from conftest import make_site
from page_body import render_body

from trustdocs.markdown import looks_like_page_reference, parse_markdown, plain_parts

NAMES = frozenset({"course/intro", "course/setup", "academy"})


def parse(text: str, names=NAMES, source_dir=None):
    lines = tuple(range(10, 10 + text.count("\n") + 1))
    return parse_markdown(text, "content/p.md", lines, names, source_dir)


def cross_links(parsed):
    return [c.meta for t in parsed.tokens for c in t.children or () if c.type == "cross_link_open"]


def test_cross_link_forms():
    parsed, problems = parse(
        "[course/intro] [course/setup Set up] [course/setup#install] [academy#top Home]"
    )
    assert problems == []
    assert [(m["name"], m["anchor"]) for m in cross_links(parsed)] == [
        ("course/intro", ""),
        ("course/setup", ""),
        ("course/setup", "install"),
        ("academy", "top"),
    ]


def test_a_summarys_text_reads_its_page_links_as_the_titles_given_when_read():
    """A page's summary as other pages show it (child lists, search): its text, with each
    `[NAME]` link read as that page's title at the time, so a renamed page shows anew."""
    parsed, _ = parse("Start with `code` and [course/intro],\nthen [course/setup Set up] *now*.")
    text = plain_parts(parsed)
    assert text.names == ("course/intro",)  # a link with its own text shows no title
    assert text.read({"course/intro": "Welcome"}) == "Start with code and Welcome, then Set up now."
    assert text.read({"course/intro": "Hello  there"}) == (
        "Start with code and Hello there, then Set up now."
    )
    assert text.read({}) == "Start with code and course/intro, then Set up now."
    assert text.read(None) == "Start with code and , then Set up now."


def test_brackets_that_are_prose_stay_text_without_warnings():
    parsed, problems = parse("A [ ] box, [x] mark, [1] note, [it] and [optional words].")
    assert problems == [] and cross_links(parsed) == []


def test_unknown_page_reference_warns_with_line_column_and_suggestion():
    _, problems = parse("first line\nsee [course/setpu] now")
    assert len(problems) == 1
    p = problems[0]
    assert (p.line, p.col, p.severity) == (11, 5, "warning")
    assert p.message == "unknown page 'course/setpu'" and "course/setup" in p.hint


def test_near_miss_without_slash_warns():
    _, problems = parse("[acadmey]")
    assert problems and "academy" in problems[0].hint


def test_cross_links_never_fire_in_code():
    parsed, problems = parse("`[course/intro]`\n\n```\n[course/nope]\n```\n")
    assert problems == [] and cross_links(parsed) == []


def test_external_bracket_link_keeps_fragment():
    parsed, _ = parse("[https://example.com/docs#intro the docs]")
    links = [c for t in parsed.tokens for c in t.children or () if c.type == "link_open"]
    assert links[0].attrGet("href") == "https://example.com/docs#intro"


def test_markdown_link_with_space_in_destination_warns():
    _, problems = parse("[guide](my guide.html)")
    assert problems[0].message == "link destination 'my guide.html' contains a space"
    assert problems[0].hint == "write <my guide.html> or my%20guide.html"


def test_page_reference_heuristic():
    names = frozenset({"academy", "learn-react/setup"})
    assert looks_like_page_reference("learn-react/setpu", names)
    assert looks_like_page_reference("acadmey", names)
    assert not looks_like_page_reference("it", names)
    assert not looks_like_page_reference("https://example.com/a/b", names)


def test_links_never_nest():
    pages = {"course/intro": "Introduction"}
    outer = render_body("[[course/intro] x](https://example.com/a)", pages).html
    assert outer == '<p><a href="https://example.com/a">[course/intro] x</a></p>\n'
    inner = render_body("[course/intro see [the docs](https://example.com/b)]", pages).html
    assert inner == '<p>[course/intro see <a href="https://example.com/b">the docs</a>]</p>\n'


def test_image_alt_text_keeps_bracketed_words():
    body = render_body(
        "![see [course/intro] here](https://example.com/i.png)", {"course/intro": "I"}
    )
    assert 'alt="see [course/intro] here"' in body.html and "<a" not in body.html


def test_a_task_list_marker_is_never_a_cross_link():
    body = render_body("- [x] done\n- [ ] to do\n- [x]\n", {"x": "Page X"})
    assert body.html.count('type="checkbox"') == 2
    assert body.html.count('<a href="x.html">Page X</a>') == 1  # the third item has no task text


def test_cross_links_in_the_text_of_raw_html_are_linked_and_checked_as_in_markdown():
    """`<details>` with its text right after `<summary>` is raw HTML to CommonMark, and bit-docs
    academies write solutions so: its `[NAME]` links as in Markdown (as bit-docs linked them),
    a missing anchor is an error, a near miss a warning; not in tags, comments, code or links."""
    body = render_body(
        "<details>\n<summary>Solution [course/intro]</summary>\n"
        "See [course/setup the setup] and [course/intro#nowhere] and [course/intr].\n"
        '<code>[course/intro]</code> <a title="[course/intro]" href="https://x.org/">[course/intro]</a>\n'
        "<!-- [course/intro] --> [https://example.com a site] [course/intro](kept.html)\n"
        "</details>\n",
        {"course/intro": "Introduction", "course/setup": "Setting Up"},
    )
    assert '<summary>Solution <a href="course/intro.html">Introduction</a></summary>' in body.html
    assert 'See <a href="course/setup.html">the setup</a> and' in body.html
    assert "<code>[course/intro]</code>" in body.html and "<!-- [course/intro] -->" in body.html
    assert '<a title="[course/intro]" href="https://x.org/">[course/intro]</a>' in body.html
    assert '<a href="https://example.com">a site</a> [course/intro](kept.html)' in body.html
    found = sorted((d.line, d.col, d.severity, d.message) for d in body.diagnostics)
    assert found == [
        (5, 34, "error", "page 'course/intro' has no anchor '#nowhere'"),
        (5, 61, "warning", "unknown page 'course/intr'"),
    ]


def test_an_unknown_page_is_reported_where_it_is_read_not_at_a_code_span_before_it():
    """The warning's column came from the first text alike on the line: here, a code span."""
    body = render_body("Write `[course/intr]` to link; [course/intr] is wrong here.\n", {})
    found = [(d.line, d.col, d.message) for d in body.diagnostics]
    assert found == [(3, 32, "unknown page 'course/intr'")]


@pytest.mark.parametrize(
    "markdown",
    [
        "Write <code>[course/intro]</code> to link to it.",
        "Inline <script>let x = [course/intro]</script> script.",
        "A <style>p[course/intro] { color: red }</style> style.",
        "An <a href='https://example.org/'>[course/intro]</a> link already.",
        "<CODE>[course/intro]</CODE> in capitals.",
        "Write <code>[course/intr]</code>: no unknown page told in code.",
    ],
)
def test_no_cross_link_inside_inline_raw_code_script_style_or_link(markdown):
    """Raw HTML written inline whose text is code or script, or a link already, keeps a
    bracketed page name as written, as the same HTML written as a block does: a link there
    would show markup in code, break the script, or nest links. After it, one is a link."""
    pages = {"course/intro": "Introduction"}
    body = render_body(f"{markdown} Then [course/intro].\n", pages)
    assert "[course/intr" in body.html
    assert body.html.count('href="course/intro.html"') == 1  # the one after it
    assert body.diagnostics == [] or all("target" in d.message for d in body.diagnostics)


def test_an_unknown_page_differing_in_case_gets_its_name_as_the_hint(tmp_path):
    """`[Home/A]` names no page, and `home/a` is one: the hint names it (names are compared
    without case). A page of that name added later changes the hint of a cached build as of
    one without the cache."""
    from test_cache import builds_agree

    from trustdocs.build import build_site
    from trustdocs.config import load_config

    body = render_body("See [Home/A] first.\n", {"home/a": "A"})
    assert [(d.message, d.hint) for d in body.diagnostics] == [
        ("unknown page 'Home/A'", "did you mean 'home/a'?")
    ]
    root = make_site(
        tmp_path / "site",
        {
            "index.md": "@page home Home\n@body\nSee [Home/Lesson] first.\n",
            "a.md": "@page home/a A\n@parent home\n@body\nx\n",
        },
    )
    assert build_site(load_config(root / "site.yaml"), tmp_path / "first").written
    (root / "content" / "l.md").write_text("@page home/lesson L\n@parent home\n@body\nx\n")
    builds_agree(root, tmp_path, "added")
    told = build_site(load_config(root / "site.yaml"), tmp_path / "again").diagnostics
    assert [d.hint for d in told if "unknown page" in d.message] == ["did you mean 'home/lesson'?"]


def test_a_near_miss_without_slash_that_differs_only_in_its_accents_encoding_is_said():
    """`[élève]` written decomposed (NFD), of a page `élève` (NFC): the warning says why it is
    not that page, where "did you mean 'élève'?" named what looks the very same."""
    nfc, nfd = "\u00e9l\u00e8ve", "e\u0301le\u0300ve"
    _, problems = parse(f"Read [{nfd}].\n", names=frozenset({nfc, "home"}))
    said = [(d.line, d.message, d.hint) for d in problems]
    assert said == [
        (
            10,
            f"unknown page '{nfd}'",
            f"'{nfc}' is the same name with its accent encoded another way: save the files as NFC",
        )
    ]
