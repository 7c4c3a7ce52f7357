"""markdown.py: heading ids, cross-link parsing, directives and code blocks."""

import pytest

from trustdocs.markdown import changed_lines, heading_id, looks_like_page_reference, parse_markdown

NAMES = frozenset({"course/intro", "course/setup", "academy"})


def parse(text: str, names=NAMES, source_dir=None):
    lines = tuple(range(10, 10 + text.count("\n") + 1))
    return parse_markdown(text, "content/p.md", lines, names, source_dir)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("App Summary Document", "app-summary-document"),
        ("What's next?", "whats-next"),
        ("Step 1 – Don’t Panic!", "step-1--dont-panic"),
        ("snake_case and-dash", "snake_case-and-dash"),
        ("Ünïcode Wörds", "ünïcode-wörds"),
    ],
)
def test_heading_ids_follow_the_format(text, expected):
    assert heading_id(text) == expected


def test_duplicate_headings_get_numbered_ids_and_raw_html_ids_are_anchors():
    parsed, _ = parse('## Trust\n\n## Trust\n\n## Trust\n\nx <span id="the-key-prop">k</span>\n')
    assert [h.id for h in parsed.headings] == ["trust", "trust-1", "trust-2"]
    assert parsed.anchors == {"trust", "trust-1", "trust-2", "the-key-prop"}


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


def test_changed_lines_ignores_whitespace_semicolons_and_blank_lines():
    old = "a = 1;\nb = 2\n\nc()\n"
    new = "  a = 1\nb = 3\n\nc()\nc()\n"
    assert changed_lines(old, new) == {2, 5}


def test_page_reference_heuristic():
    names = frozenset({"academy", "learn-react/setup"})
    assert looks_like_page_reference("learn-react/setpu", names)
    assert looks_like_page_reference("acadmey", names)
    assert not looks_like_page_reference("it", names)
    assert not looks_like_page_reference("https://example.com/a/b", names)
