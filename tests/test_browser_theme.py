"""The light/dark switch: on top of the system's preference, remembered, and applied before the
first paint, to the page and to its highlighted code alike."""

import pytest
from browser import chromium, screenshot
from conftest import make_site
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LESSON = """\
@page home Colours
@body
Some text.

```python
def greet(client):
    return "Hello"
```
"""

# What the learner sees: page background, text, link colour, code background, a keyword's colour.
COLOURS = """() => {
    const style = (selector) => getComputedStyle(document.querySelector(selector));
    return [style("body").backgroundColor, style("body").color, style(".sidebar-home").color,
            style("pre.highlight").backgroundColor, style("pre.highlight .k").color];
}"""

# Records data-theme as it is when <body> first appears, before anything is painted.
THEME_AT_FIRST_PAINT = """
new MutationObserver((records, observer) => {
  if (document.body) {
    window.themeBeforeBody = document.documentElement.getAttribute("data-theme");
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""


@pytest.fixture(scope="module")
def lesson_url(tmp_path_factory):
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    site = make_site(tmp_path_factory.mktemp("theme"), {"index.md": LESSON})
    assert build_site(load_config(site / "site.yaml"), site / "site").written
    return (site / "site" / "index.html").as_uri()


def colours(browser, url: str, scheme: str, chosen: str | None = None) -> list[str]:
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    if chosen:
        page.add_init_script(f"localStorage.setItem('trustdocs-theme', {chosen!r})")
    page.goto(url)
    found = page.evaluate(COLOURS)
    context.close()
    return found


def test_chosen_scheme_matches_the_system_one_for_page_and_code(lesson_url):
    with chromium() as browser:
        system_light = colours(browser, lesson_url, "light")
        system_dark = colours(browser, lesson_url, "dark")
        assert all(a != b for a, b in zip(system_light, system_dark, strict=True))
        assert colours(browser, lesson_url, "light", chosen="dark") == system_dark
        assert colours(browser, lesson_url, "dark", chosen="light") == system_light


def test_switch_is_remembered_and_applied_before_the_first_paint(lesson_url):
    with chromium() as browser:
        context = browser.new_context(color_scheme="light", viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.add_init_script(THEME_AT_FIRST_PAINT)
        page.goto(lesson_url)
        switch = page.get_by_role("button", name="Dark theme")
        assert switch.get_attribute("aria-pressed") == "false"
        light_background = page.evaluate("getComputedStyle(document.body).backgroundColor")

        switch.focus()
        page.keyboard.press("Enter")
        expect(switch).to_have_attribute("aria-pressed", "true")
        dark_background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert dark_background != light_background
        screenshot(page, "theme-chosen-dark", full_page=False)

        page.reload()
        assert page.evaluate("window.themeBeforeBody") == "dark"
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == dark_background
        expect(page.get_by_role("button", name="Dark theme")).to_have_attribute(
            "aria-pressed", "true"
        )

        # Back to the system's own scheme: the choice is forgotten and the page follows the system.
        page.get_by_role("button", name="Dark theme").click()
        assert page.evaluate("localStorage.getItem('trustdocs-theme')") is None
        page.emulate_media(color_scheme="dark")
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == dark_background
        expect(page.get_by_role("button", name="Dark theme")).to_have_attribute(
            "aria-pressed", "true"
        )
