"""Live preview in a real browser: edits appear without any action, errors show as an overlay."""

import pytest
from browser import chromium, screenshot
from conftest import CONSULTING, make_site

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
