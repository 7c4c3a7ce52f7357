"""Knowledge checks in a real browser: answering, feedback, retrying, answers kept, the lesson done;
and the same checks readable with JavaScript off."""

import pytest
from browser import chromium, screenshot
from conftest import make_site
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1280, "height": 900}}

LESSON = """\
@page trust/agreements Agreements
@parent course 1
@body
## Explicit agreements

::: check Which of these is an explicit agreement?

- [ ] "Celia's team will look at our request when they can."
  No date, no single driver.
- [x] "Celia approves the request by Wednesday; Nadia confirmed by email."
  Said, written, dated, one driver.
- [ ] "Both teams will work on the export this week."
  Two drivers means no driver.
:::

::: check Which situations call for escalating? Choose all that apply.

- [x] The interface was missed twice and no date keeps September.
  Missed twice, no credible date.
- [ ] A test account asked for this morning has not arrived.
  Raise it with its owner first.
- [x] The owner cannot act because someone above her refused.
  The cause is above her authority.
:::

::: check What would you do?
The talk with Hugo went badly. Graham has to know.

::: answer
Tell Bea first, then Hugo, then Graham.
:::
"""


@pytest.fixture
def lesson_url(tmp_path, trustdocs):
    """A course of one lesson holding three knowledge checks, built; the lesson's file:// URL."""
    site = make_site(
        tmp_path,
        {"index.md": "@page course Course\n@body\nWelcome.\n", "agreements.md": LESSON},
    )
    result = trustdocs(site, "build")
    assert result.code == 0, result.err
    return (site / "site" / "trust" / "agreements.html").as_uri()


def choose(check, *texts: str) -> None:
    for text in texts:
        check.get_by_label(text, exact=False).check()
    check.get_by_role("button", name="Check answer").click()


def feedback_shown(check) -> list[str]:
    """The feedback texts a learner can see in CHECK."""
    return [f.inner_text() for f in check.locator(".check-feedback").all() if f.is_visible()]


def test_answer_wrong_retry_right_and_the_lesson_is_done_when_every_check_is_answered(lesson_url):
    with chromium() as browser:
        page = browser.new_page(**DESKTOP)
        page.goto(lesson_url)
        first, several, scenario = page.locator("section.check").all()
        assert "Answer the 3 questions above" in page.locator(".lesson-end").inner_text()
        assert feedback_shown(first) == []  # nothing given away before answering

        choose(first, "Celia's team will look")
        (shown,) = feedback_shown(first)
        assert "not right" in shown and "No date, no single driver." in shown
        result = first.locator(".check-result")
        result.filter(has_text="Not quite").wait_for()
        assert first.locator(".check-option.right").count() == 0  # the right one stays unsaid
        screenshot(page, "check-wrong", full_page=False)

        first.get_by_role("button", name="Try again").click()
        assert feedback_shown(first) == []
        assert first.locator("input:checked").count() == 0
        assert first.locator("input:disabled").count() == 0

        choose(first, "Celia approves the request")
        result.filter(has_text="Right").wait_for()
        assert len(feedback_shown(first)) == 3  # once right, every option explains itself
        assert first.get_attribute("data-answered") is not None
        assert page.locator("button.mark-done").get_attribute("aria-pressed") == "false"

        # Choose all that apply: half an answer is not right.
        choose(several, "The interface was missed twice")
        several.locator(".check-result").filter(has_text="choose all that apply").wait_for()
        several.get_by_role("button", name="Try again").click()
        choose(several, "The interface was missed twice", "someone above her refused")
        several.locator(".check-result").filter(has_text="Right").wait_for()
        assert page.locator("button.mark-done").get_attribute("aria-pressed") == "false"

        # A scenario counts once its model answer was read.
        scenario.get_by_text("Model answer").click()
        assert scenario.get_by_text("Tell Bea first").is_visible()
        expect(page.locator("button.mark-done")).to_have_attribute("aria-pressed", "true")
        assert page.locator("nav.sidebar li.done").all_inner_texts() == ["Agreements"]
        screenshot(page, "checks-all-answered")

        page.reload()
        first, several, scenario = page.locator("section.check").all()
        assert first.locator("input:checked").get_attribute("value") == "2"
        assert first.locator(".check-result").inner_text() == "Right."
        assert len(feedback_shown(first)) == 3
        assert several.locator("input:checked").count() == 2
        for check in (first, several, scenario):
            assert check.get_attribute("data-answered") is not None
        expect(page.locator("button.mark-done")).to_have_attribute("aria-pressed", "true")


def test_a_wrong_answer_kept_over_a_reload_does_not_finish_the_lesson(lesson_url):
    with chromium() as browser:
        page = browser.new_page(**DESKTOP)
        page.goto(lesson_url)
        first = page.locator("section.check").first
        choose(first, "Both teams will work")
        first.locator(".check-result").filter(has_text="Not quite").wait_for()
        page.reload()
        first = page.locator("section.check").first
        assert first.locator("input:checked").get_attribute("value") == "3"
        (shown,) = feedback_shown(first)
        assert "not right" in shown and "Two drivers means no driver." in shown
        assert first.get_attribute("data-answered") is None
        assert first.get_by_role("button", name="Try again").is_visible()


def test_without_javascript_questions_options_feedback_and_answers_are_readable(lesson_url):
    with chromium() as browser:
        context = browser.new_context(java_script_enabled=False, **DESKTOP)
        page = context.new_page()
        page.goto(lesson_url)
        first, several, scenario = page.locator("section.check").all()
        assert first.get_by_text("Which of these is an explicit agreement?").is_visible()
        assert first.get_by_label("Celia approves the request", exact=False).is_visible()
        assert not first.get_by_role("button", name="Check answer").is_visible()
        # Each option says whether it is right, one click away.
        first.locator(".check-feedback summary").nth(1).click()
        verdict = first.locator(".check-feedback").nth(1).inner_text()
        assert "Yes, this is right." in verdict and "Said, written, dated" in verdict
        several.locator(".check-feedback summary").nth(1).click()
        assert "not right" in several.locator(".check-feedback").nth(1).inner_text()
        scenario.get_by_text("Model answer").click()
        assert scenario.get_by_text("Tell Bea first").is_visible()
        screenshot(page, "checks-without-javascript")
