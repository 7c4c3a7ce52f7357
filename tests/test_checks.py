"""markdown/checks.py: knowledge checks written in Markdown, their markup, and their errors."""

import pytest
from bs4 import BeautifulSoup
from conftest import make_site
from page_body import HEADER_LINES, render_body

ONE_RIGHT = """\
Before the check.

::: check What should Maya do before Thursday's steering meeting?
Graham has asked for **the revised plan**.

- [ ] Send the revised plan to the whole steering group at once.
  A room full of surprises; see [intro].
- [x] Walk the sponsor through the change one to one first.
  Yes: meet them before you move them.
:::

After the check.
"""

SEVERAL_RIGHT = """\
::: check Which agreements are explicit? Choose all that apply.

- [x] "Celia approves the request by Wednesday."
  Yes: one driver, a date.
- [ ] "Both teams will work on it this week."
  Two drivers means no driver.
- [X] "Hugo sends the interface spec on Friday; Nadia confirmed by email."
  Yes: written and dated.
:::
"""

SCENARIO = """\
::: check What would you do?
Replay the evening after the failed talk.

::: answer
First tell Bea. **Principle:** escalate step by step.

- tell the driver first
:::
"""


def soup_of(markdown: str, pages: dict[str, str] | None = None) -> BeautifulSoup:
    body = render_body(markdown, pages)
    assert body.diagnostics == [], [d.format() for d in body.diagnostics]
    return BeautifulSoup(body.html, "html.parser")


def file_line(markdown: str, starts: str) -> int:
    """The file line of the first line of MARKDOWN that starts with STARTS."""
    lines = markdown.split("\n")
    return HEADER_LINES + 1 + next(i for i, line in enumerate(lines) if line.startswith(starts))


def test_one_right_option_is_a_radio_group_with_feedback_per_option():
    soup = soup_of(ONE_RIGHT, {"intro": "Introduction"})
    check = soup.select_one("section.check")
    assert check["id"] == "check-1"
    assert check["data-check-id"] == "here:1"
    question = check.select_one("p.check-question")
    assert "What should Maya do before Thursday's steering meeting?" in question.get_text()
    assert check.find("strong").get_text() == "the revised plan"  # the scenario is Markdown
    inputs = check.select("fieldset input")
    assert [i["type"] for i in inputs] == ["radio", "radio"]
    assert len({i["name"] for i in inputs}) == 1
    options = check.select(".check-option")
    labels = [o.select_one("label").get_text(" ", strip=True) for o in options]
    assert labels == [
        "Send the revised plan to the whole steering group at once.",
        "Walk the sponsor through the change one to one first.",
    ]
    assert [o["data-correct"] for o in options] == ["false", "true"]
    # Feedback sits under its option, in a <details> readable without JavaScript.
    feedback = [o.select_one("details.check-feedback") for o in options]
    assert "meet them before you move them" in feedback[1].get_text()
    assert feedback[0].find("a")["href"] == "intro.html"  # feedback is Markdown with cross-links
    assert check.select_one("button.check-submit").get_text() == "Check answer"
    assert check.select_one("button.check-retry").get_text() == "Try again"
    # The text around the check stays outside it.
    assert [p.get_text() for p in soup.find_all("p", recursive=False)] == [
        "Before the check.",
        "After the check.",
    ]


def test_a_heading_named_like_a_check_leaves_the_checks_id_to_it():
    """`## Check 1` above the first check made a second element with the id `check-1`: a link
    to `[page#check-1]` (a check, as the format says) led to the heading."""
    soup = soup_of("## Check 1\n\nRead this first.\n\n" + ONE_RIGHT, {"intro": "Introduction"})
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    assert len(ids) == len(set(ids)), ids
    assert soup.find(id="check-1").name == "section"
    assert soup.find("h2")["id"] not in ("", "check-1")


def test_several_right_options_are_checkboxes_and_say_choose_all():
    check = soup_of(SEVERAL_RIGHT).select_one("section.check")
    assert [i["type"] for i in check.select("fieldset input")] == ["checkbox"] * 3
    assert [o["data-correct"] for o in check.select(".check-option")] == ["true", "false", "true"]
    assert "all that apply" in check.select_one("fieldset").get_text()


def test_a_scenario_has_its_model_answer_in_details():
    check = soup_of(SCENARIO).select_one("section.check")
    assert check.select_one("fieldset") is None
    answer = check.select_one("details.check-answer")
    assert answer.find("summary").get_text() == "Model answer"
    assert answer.find("strong").get_text() == "Principle:"
    assert answer.find("li").get_text() == "tell the driver first"
    assert "Replay the evening" in check.get_text()
    assert "Replay the evening" not in answer.get_text()
    assert ":::" not in check.get_text()


def test_a_check_may_have_options_and_a_model_answer_and_pages_number_their_checks():
    markdown = ONE_RIGHT.replace(":::\n\nAfter", "::: answer\nTalk to Graham first.\n:::\n\nAfter")
    soup = soup_of(SEVERAL_RIGHT + "\n" + markdown)
    first, second = soup.select("section.check")
    assert (first["data-check-id"], second["data-check-id"]) == ("here:1", "here:2")
    assert second.select_one("fieldset") is not None
    assert "Talk to Graham first." in second.select_one("details.check-answer").get_text()
    assert "Talk to Graham first." not in second.select_one("fieldset").get_text()


def test_options_are_never_cross_links_or_task_list_checkboxes():
    # Pages named like the markers exist: the markers still only mark options.
    soup = soup_of(SEVERAL_RIGHT, {"x": "Page X", "X": "Page Big X"})
    assert soup.find("a") is None
    assert soup.select(".task-list-item-checkbox") == []
    assert "[x]" not in soup.get_text() and "[ ]" not in soup.get_text()
    # Outside a check, a task list is still a task list.
    tasks = soup_of("- [ ] write the log\n- [x] book the room\n")
    assert len(tasks.select(".task-list-item-checkbox")) == 2


def test_a_check_inside_a_list_item_ends_with_the_item():
    markdown = "1. First step.\n\n   ::: check Ready?\n   - [x] Yes.\n   :::\n2. Second step.\n"
    soup = soup_of(markdown)
    check = soup.select_one("ol > li > section.check")
    assert check is not None
    assert "Second step." not in check.get_text()


def test_check_ids_are_anchors_of_the_page():
    body = render_body(ONE_RIGHT + "\n" + SCENARIO, {"intro": "Introduction"})
    assert {"check-1", "check-2"} <= body.parsed.anchors


@pytest.mark.parametrize(
    ("markdown", "at", "message"),
    [
        ("::: check\n- [x] Yes.\n:::\n", "::: check", "no question"),
        ("::: check Which?\n- [ ] One.\n- [ ] Two.\n:::\n", "::: check", "marked correct"),
        ("::: check Which?\n- [x] One.\n- [ ]\n:::\n", "- [ ]", "empty option"),
        ("::: check Which?\nJust a scenario.\n:::\n", "::: check", "neither options nor"),
        ("Text.\n\n::: check Which?\n- [x] One.\n\nMore text.\n", "::: check", "not closed"),
        ("::: check Which?\n- [x] One.\n- Two.\n:::\n", "- Two.", "starts with [ ] or [x]"),
    ],
)
def test_an_invalid_check_is_an_error_at_its_file_and_line(markdown, at, message):
    body = render_body(markdown)
    errors = [d for d in body.diagnostics if d.severity == "error"]
    assert len(errors) == 1, [d.format() for d in body.diagnostics]
    assert message in errors[0].message
    assert (errors[0].path, errors[0].line) == ("p.md", file_line(markdown, at))


def test_an_unclosed_check_before_the_next_one_is_reported_and_the_next_one_still_works():
    markdown = "::: check First?\n- [x] Yes.\n\n" + SCENARIO
    body = render_body(markdown)
    assert [(d.line, "not closed" in d.message) for d in body.diagnostics] == [
        (file_line(markdown, "::: check First?"), True)
    ]
    soup = BeautifulSoup(body.html, "html.parser")
    assert len(soup.select("section.check")) == 2
    assert soup.select("section.check")[1].select_one("details.check-answer") is not None


def test_a_build_with_an_invalid_check_fails_naming_the_file_and_line(tmp_path, trustdocs):
    site = make_site(
        tmp_path,
        {
            "index.md": """
                @page course Course
                @body
                Welcome.

                ::: check Which is right?
                - [ ] Not this.
                - [ ] Nor this.
                :::
                """
        },
    )
    result = trustdocs(site, "build")
    assert result.code != 0
    assert "content/index.md:5:1: error: none of this knowledge check's options" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    ("markdown", "at"),
    [
        ("Some text.\n\n::: answer\nAn answer without its check.\n", "::: answer"),
        ("::: check Ready?\n- [x] Yes.\n:::\n:::\n", ":::\n:::"),
        ("::: chek Ready?\n- [x] Yes.\n", "::: chek"),
    ],
)
def test_a_marker_line_outside_a_check_is_a_warning_where_it_shows_as_text(markdown, at):
    body = render_body(markdown)
    assert [(d.severity, d.line) for d in body.diagnostics] == [
        ("warning", HEADER_LINES + 1 + markdown[: markdown.index(at)].count("\n") + at.count("\n"))
    ]
    assert "not part of a knowledge check" in body.diagnostics[0].message


@pytest.mark.parametrize(
    "fenced",
    [
        "```md\n:::tip\nHi\n:::\n```",  # another tool's admonition, quoted
        "~~~~\n::: check Inner?\n:::\n~~~~",
        "```\n::: answer\n````",  # a longer closing fence closes it
    ],
)
def test_a_colon_line_in_a_code_block_of_a_check_is_the_codes(fenced):
    """A `:::` line inside a code fence in a check is code the check shows, not its end: the
    check keeps its options, and no fence is told as left open."""
    body = render_body(
        f"::: check What does this show?\n\n{fenced}\n\n- [x] A tip box\n- [ ] Code\n:::\n\nAfter.\n"
    )
    assert body.diagnostics == []
    page = BeautifulSoup(body.html, "html.parser")
    check = page.select_one("section")
    assert check is not None and len(check.select("input")) == 2
    assert ":::" in check.select_one("pre").get_text()
    assert "After." not in check.get_text()


def test_a_tight_list_in_an_options_feedback_stays_tight():
    """Feedback holding a tight list (`Because:` then `- first reason`): its items hold their
    text, as CommonMark writes them, not a paragraph each."""
    markdown = (
        "::: check Pick one?\n- [x] Yes.\n  Because:\n\n  - first reason\n  - second reason\n"
        "- [ ] No.\n:::\n"
    )
    feedback = soup_of(markdown).select_one("details.check-feedback")
    assert [str(li) for li in feedback.select("li")] == [
        "<li>first reason</li>",
        "<li>second reason</li>",
    ]
    assert "Because:" in [p.get_text() for p in feedback.find_all("p")]


def test_an_option_wrapped_inside_a_link_or_emphasis_keeps_it_whole_in_its_label():
    """An option's label is its first line; one wrapped at 80 columns inside a cross-link or
    emphasis showed `Read [intro the` as its label and `introduction]` as its feedback. The
    label runs to the line that closes what its first line opened."""
    markdown = (
        "::: check Pick one?\n- [x] Read [intro the\n  introduction] before starting.\n"
        "  Yes: it sets the scene.\n- [ ] Skip straight to the *final\n  exercise*.\n:::\n"
    )
    soup = soup_of(markdown, {"intro": "Introduction"})
    labels = soup.select(".check-option label")
    assert labels[0].find("a")["href"] == "intro.html"
    assert " ".join(labels[0].get_text().split()) == "Read the introduction before starting."
    assert " ".join(labels[1].find("em").get_text().split()) == "final exercise"
    feedback = soup.select(".check-option details.check-feedback")
    assert "Yes: it sets the scene." in feedback[0].get_text()
    assert "[" not in soup.get_text() and "*" not in soup.get_text()
