"""Live preview in a real browser: edits appear without any action, errors show as an overlay."""

import pytest
from browser import chromium, screenshot
from conftest import CONSULTING, make_site, write_files
from playwright.sync_api import expect

from trustdocs.config import load_config
from trustdocs.serve import start_preview

pytestmark = pytest.mark.browser


def edit(path, old, new):
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_live_reload_and_error_overlay(tmp_path):
    site = make_site(tmp_path, CONSULTING)
    lesson = site / "content/consulting/building-rapport.md"
    running = start_preview(load_config(site / "site.yaml"), port=0)
    try:
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1200, "height": 700})
            page.goto(running.url + "learn-technology-consulting/building-rapport.html")
            page.wait_for_function("window.performance.getEntriesByType('resource').length > 0")
            page.wait_for_timeout(300)  # let the event stream connect
            page.set_viewport_size({"width": 1200, "height": 400})
            page.evaluate("window.scrollTo(0, 150); window.__marker = 'same page load'")
            scrolled = page.evaluate("window.scrollY")
            assert scrolled > 0

            edit(lesson, "## What's next?", "## What comes after rapport?")
            page.wait_for_selector("#what-comes-after-rapport", timeout=8000)
            assert page.evaluate("window.__marker") is None  # it reloaded by itself
            page.wait_for_function(f"window.scrollY === {scrolled}", timeout=3000)  # kept its place

            edit(lesson, "#app-summary-document", "#app-sumary-document")
            overlay = page.wait_for_selector("#trustdocs-errors", timeout=8000)
            text = overlay.inner_text()
            assert "building-rapport.md:9:1: error: page" in text
            assert "has no anchor '#app-sumary-document'" in text
            assert page.locator("#what-comes-after-rapport").count() == 1  # last good page stays
            screenshot(page, "serve-error-overlay")

            edit(lesson, "#app-sumary-document", "#app-summary-document")
            page.wait_for_selector("#trustdocs-errors", state="detached", timeout=8000)
            assert page.locator("#trustdocs-errors").count() == 0
    finally:
        running.stop()


def test_a_tab_waiting_for_a_page_shows_it_when_the_errors_went_before_it_connected(tmp_path):
    """A page not built yet because of an error; the error is fixed before the tab's event stream
    connects (a slow load): the tab still reloads into the page."""
    site = make_site(tmp_path, CONSULTING)
    lesson = site / "content/consulting/kickoff.md"
    running = start_preview(load_config(site / "site.yaml"), port=0, on_request_from=0)
    try:
        edit(lesson, "Hello.", "See [learn-technology-consulting/communication#no-such-part].")
        with chromium() as browser:
            page = browser.new_page()
            held = []
            page.route("**/_trustdocs/events", lambda route: held.append(route))
            response = page.goto(running.url + "learn-technology-consulting/kickoff.html")
            assert response.status == 503
            edit(lesson, "#no-such-part", "#bad-news-early")
            for _ in range(80):  # the preview takes the fix
                if not running.preview.last.errors:
                    break
                page.wait_for_timeout(100)
            held.pop(0).continue_()  # the stream connects only now
            page.wait_for_selector("a[href='communication.html#bad-news-early']", timeout=8000)
            screenshot(page, "waiting-page-reloaded")
    finally:
        running.stop()


def test_a_preview_started_on_sources_with_an_error_shows_it_and_reloads_once_fixed(tmp_path):
    """Started on a site whose sources have an error, the preview has no good build to serve:
    every page showed a bare "Not Found" that never reloaded. A page shows the errors, and
    the tab reloads into the page once they are fixed."""
    site = make_site(tmp_path, CONSULTING)
    lesson = site / "content/consulting/kickoff.md"
    edit(lesson, "@parent learn-technology-consulting", "@parent learn-tech-consulting")
    running = start_preview(load_config(site / "site.yaml"), port=0)
    try:
        with chromium() as browser:
            page = browser.new_page()
            response = page.goto(running.url + "learn-technology-consulting/kickoff.html")
            assert response.status == 503
            expect(page.locator("li code")).to_contain_text(
                "unknown parent 'learn-tech-consulting'"
            )
            page.wait_for_timeout(300)  # let the event stream connect
            screenshot(page, "preview-started-with-an-error")
            edit(lesson, "@parent learn-tech-consulting", "@parent learn-technology-consulting")
            expect(page.locator("h1.page-title")).to_be_visible(timeout=8000)
            assert page.title().startswith("Kickoff")
            assert page.request.get(running.url + "_assets/none.css").status == 404
    finally:
        running.stop()


def test_search_in_a_tab_the_edit_did_not_reload_finds_the_pages_as_they_are_now(tmp_path):
    """A page added in another chapter leaves this tab's page as it was (no reload), but its
    search must not keep the index it loaded before: the new page is found, a removed one not."""
    pages = {
        "index.md": "@page home Home\n@body\nWelcome.\n",
        "a/index.md": "@page a Chapter A\n@parent home 1\n@body\nA.\n",
        "a/reading.md": "@page a/reading Reading\n@parent a 1\n@body\nRead this.\n",
        "b/index.md": "@page b Chapter B\n@parent home 2\n@body\nB.\n",
    }
    for n in range(9):
        pages[f"b/l{n}.md"] = f"@page b/l{n} Lesson {n}\n@parent b {n + 1}\n@body\nword{n}.\n"
    site = make_site(tmp_path, pages)
    running = start_preview(load_config(site / "site.yaml"), port=0, on_request_from=None)
    try:
        with chromium() as browser:
            page = browser.new_page()
            page.goto(running.url + "a/reading.html")
            page.evaluate(
                "window.__marker = 'not reloaded'; window.__rebuilds = 0; new EventSource("
                "'/_trustdocs/events').addEventListener('rebuild', () => window.__rebuilds++)"
            )

            def found(query: str) -> list[list[str]]:
                results = page.evaluate("q => window.trustdocsSearch.search(q)", query)["results"]
                return [[r["title"], r["url"], r["excerpt"]] for r in results]

            assert found("word5") == [["Lesson 5", "b/l5.html", "word5."]]
            page.locator("#search-input").fill("newword")  # the author looks for what is to come
            expect(page.locator("#search-status")).to_contain_text("No lesson mentions")
            for number, change in enumerate(
                [
                    lambda: write_files(  # sorts first: every page after it has a new number
                        site / "content",
                        {"b/added.md": "@page b/added Added\n@parent b 20\n@body\nnewword.\n"},
                    ),
                    lambda: (site / "content/b/l2.md").unlink(),
                ],
                start=1,
            ):
                change()
                page.wait_for_function(f"window.__rebuilds >= {number}", timeout=8000)
                page.wait_for_timeout(300)  # the page's own event stream has it too
                assert page.evaluate("window.__marker") == "not reloaded"
                if number == 1:  # what the search box shows is searched again
                    expect(page.locator("#search-results [role=option]")).to_have_count(1)
                    expect(page.locator("#search-results")).to_contain_text("Added")
                assert found("newword") == [["Added", "b/added.html", "newword."]]
                removed = ["Lesson 2", "b/l2.html", "word2."]
                assert (removed in found("word2")) == (number == 1)
                for n in (0, 5, 8):
                    assert found(f"word{n}") == [[f"Lesson {n}", f"b/l{n}.html", f"word{n}."]]
    finally:
        running.stop()


def test_a_save_between_serving_a_page_and_its_stream_start_still_reloads_it(tmp_path):
    """The page's HTML is served, the author saves again, and only then does the tab's event
    stream connect (a slow load, or a reload that an earlier save started): the tab is told its
    page is no longer the one served, and shows the last save."""
    site = make_site(tmp_path, CONSULTING)
    lesson = site / "content/consulting/building-rapport.md"
    running = start_preview(load_config(site / "site.yaml"), port=0)
    try:
        with chromium() as browser:
            page = browser.new_page()
            held = []
            page.route("**/_trustdocs/events**", lambda route: held.append(route))
            page.goto(running.url + "learn-technology-consulting/building-rapport.html")
            version = running.preview.last.version
            edit(lesson, "## What's next?", "## Saved while the page loaded")
            for _ in range(80):  # the preview takes the save before the stream connects
                if running.preview.last.version > version:
                    break
                page.wait_for_timeout(100)
            held.pop(0).continue_()  # the stream connects only now
            page.wait_for_selector("#saved-while-the-page-loaded", timeout=8000)
    finally:
        running.stop()


def test_a_page_whose_address_is_not_ascii_reloads_when_it_is_edited(tmp_path):
    """Rebuild events name pages as they are (/café.html); the address bar percent-encodes them."""
    pages = dict(CONSULTING)
    pages["consulting/cafe.md"] = (
        "@page learn-technology-consulting/café Café Talk\n"
        "@parent learn-technology-consulting 9\n@body\nFirst words.\n"
    )
    site = make_site(tmp_path, pages)
    running = start_preview(load_config(site / "site.yaml"), port=0)
    try:
        with chromium() as browser:
            page = browser.new_page()
            page.goto(running.url + "learn-technology-consulting/caf%C3%A9.html")
            assert "First words." in page.inner_text("main")
            page.wait_for_timeout(300)  # let the event stream connect
            edit(site / "content/consulting/cafe.md", "First words.", "Second words.")
            page.wait_for_function(
                "document.body.innerText.includes('Second words.')", timeout=8000
            )
    finally:
        running.stop()
