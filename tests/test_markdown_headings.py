"""markdown/headings.py: heading ids (FORMAT.md §5) and raw HTML ids."""

import pytest

from trustdocs.markdown import heading_id, parse_markdown


def parse(text: str):
    lines = tuple(range(10, 10 + text.count("\n") + 1))
    return parse_markdown(text, "content/p.md", lines, frozenset({"academy"}))


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
