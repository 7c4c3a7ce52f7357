"""Printing and saving as PDF: dark on light whatever the screen shows, answers printed open,
headings kept with their text, and no controls on paper."""

import pytest
from browser import chromium, screenshot
from conftest import make_site

pytestmark = pytest.mark.browser

PAGES = {
    "index.md": """\
        @page home Print Course
        @body
        Welcome.
        """,
    "lesson.md": """\
        @page lesson Printed Lesson
        @parent home 1
        @body
        ## A table

        | Week | Owner |
        | --- | --- |
        | 1 | Aisha |

        ## Code

        ```python
        def greet(client):
            return "Hello"
        ```

        ## A question

        <details>
        <summary>Model answer</summary>

        Say it early, with options.

        </details>
        """,
}


def luminance(rgb: str) -> float:
    """Relative luminance (WCAG 2) of a CSS rgb() colour."""
    channels = [int(part) / 255 for part in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio between two CSS colours."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    folder = make_site(tmp_path_factory.mktemp("print"), PAGES)
    assert build_site(load_config(folder / "site.yaml"), folder / "site").written
    return folder / "site"


@pytest.fixture
def dark_screen_page(site):
    """A learner on a dark system who also chose the dark theme, about to print."""
    with chromium() as browser:
        context = browser.new_context(color_scheme="dark", viewport={"width": 1280, "height": 900})
        context.add_init_script("localStorage.setItem('trustdocs-theme', 'dark')")
        yield context.new_page()


@pytest.mark.parametrize("path", ["lesson.html", "print.html"])
def test_dark_theme_prints_dark_on_light(site, dark_screen_page, path):
    page = dark_screen_page
    page.goto((site / path).as_uri())
    screen_header = page.evaluate("getComputedStyle(document.querySelector('th')).backgroundColor")
    page.emulate_media(media="print")
    header = page.evaluate(
        "(() => { const th = getComputedStyle(document.querySelector('th'));"
        " return [th.color, th.backgroundColor]; })()"
    )
    assert header[1] != screen_header
    assert contrast(*header) >= 7, f"table header {header}"
    body = page.evaluate(
        "[getComputedStyle(document.body).color, getComputedStyle(document.body).backgroundColor]"
    )
    assert contrast(*body) >= 7
    # Code keeps the light theme's colours, readable on the light code background.
    code = page.evaluate(
        "(() => { const pre = document.querySelector('pre.highlight');"
        " return [getComputedStyle(pre.querySelector('.k')).color,"
        " getComputedStyle(pre).backgroundColor, getComputedStyle(pre.querySelector('.nf')).color]; })()"
    )
    assert contrast(code[0], code[1]) >= 4.5 and contrast(code[2], code[1]) >= 4.5
    screenshot(page, f"print-{path.removesuffix('.html')}")


def test_answers_print_open_and_close_again_afterwards(site, dark_screen_page):
    page = dark_screen_page
    page.goto((site / "lesson.html").as_uri())
    answer = page.get_by_text("Say it early, with options.")
    assert answer.is_hidden()
    page.emulate_media(media="print")
    assert answer.is_visible()  # the stylesheet alone prints it
    page.emulate_media(media="screen")
    page.evaluate(
        "window.openWhenPrinting = null; addEventListener('beforeprint', () => {"
        " window.openWhenPrinting = document.querySelector('.body details').open; })"
    )
    page.pdf()
    assert page.evaluate("window.openWhenPrinting") is True
    assert page.evaluate("document.querySelector('.body details').open") is False
    assert answer.is_hidden()


def test_controls_are_not_printed_and_headings_stay_with_their_text(site, dark_screen_page):
    page = dark_screen_page
    page.goto((site / "lesson.html").as_uri())
    controls = [
        "button.mark-done",
        "button.copy-code",
        "button.theme-toggle",
        "#search-input",
        "nav.sidebar",
    ]
    for selector in controls:
        assert page.locator(selector).is_visible(), selector
    page.emulate_media(media="print")
    for selector in controls:
        assert page.locator(selector).is_hidden(), selector
    breaks = page.evaluate(
        "[...document.querySelectorAll('.body h2')].map(h => getComputedStyle(h).breakAfter)"
    )
    assert breaks == ["avoid", "avoid", "avoid"]

    page.emulate_media(media="screen")
    page.goto((site / "print.html").as_uri())
    assert page.locator("button.print-now").is_visible()
    page.emulate_media(media="print")
    assert page.locator("button.print-now").is_hidden()


def test_a_lessons_own_style_applies_to_its_elements_in_the_print_page(tmp_path, trustdocs):
    """A lesson styles an element by its id in a `<style>` of its own; in the print page, where
    its ids are prefixed by its chapter's, the style still reaches it, and a colour value, an
    attribute selector's string and the theme's ids are left as written."""
    site = make_site(
        tmp_path,
        {
            "index.md": "@page course Course\n@body\nHome.\n",
            "a.md": (
                "@page course/a A\n@parent course 1\n@body\n"
                "<STYLE>\n#box { color: rgb(200, 0, 0) }\n"
                '@media print { #note, a[href="#box"] { color: rgb(0, 0, 200) } }\n</STYLE>\n\n'
                '<div id="box">Boxed text</div>\n\n<p id="note">A note</p>\n'
            ),
        },
    )
    assert trustdocs(site, "build").code == 0
    color = "e => getComputedStyle(e).color"
    with chromium() as browser:
        page = browser.new_page()
        for address in ("course/a.html", "print.html"):
            page.goto((site / "site" / address).as_uri())
            assert page.get_by_text("Boxed text").evaluate(color) == "rgb(200, 0, 0)", address
        page.emulate_media(media="print")
        page.goto((site / "site" / "print.html").as_uri())
        assert page.get_by_text("A note").evaluate(color) == "rgb(0, 0, 200)"
    assert 'a[href="#box"]' in (site / "site" / "print.html").read_text()
