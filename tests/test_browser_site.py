"""The built site in a real browser, opened from file:// with no server and no network."""

import pytest
from browser import chromium, screenshot
from conftest import CONSULTING, REPO, make_site

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def course_site(tmp_path_factory):
    """The bundled course, built once for the tests of this module."""
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    out = tmp_path_factory.mktemp("course") / "out"
    assert build_site(load_config(REPO / "site.yaml"), out).written
    return out


def test_follow_sidebar_cross_link_and_next_from_file_url(tmp_path, trustdocs):
    site = make_site(tmp_path, CONSULTING)
    assert trustdocs(site, "build").code == 0
    with chromium() as browser:
        page = browser.new_page()
        blocked = []
        page.route("http*://**", lambda route: (blocked.append(route.request.url), route.abort()))
        page.goto((site / "site" / "index.html").as_uri())
        assert page.locator("h1").inner_text() == "Learn Technology Consulting"

        page.get_by_role("navigation", name="Course").get_by_role(
            "link", name="Building Trust and Rapport"
        ).click()
        page.wait_for_url("**/learn-technology-consulting/building-rapport.html")
        assert page.locator("h1").inner_text() == "Building Trust and Rapport"
        current = page.locator("nav.sidebar [aria-current=page]")
        assert current.inner_text() == "Building Trust and Rapport"

        page.locator(".body").get_by_role("link", name="App Summary Document").click()
        page.wait_for_url("**/transitioning-to-delivery.html#app-summary-document")
        assert page.locator("#app-summary-document").is_visible()

        page.go_back()
        page.wait_for_url("**/building-rapport.html")
        page.locator("a[rel=next]").click()
        page.wait_for_url("**/transitioning-to-delivery.html")
        assert page.locator("h1").inner_text() == "Transitioning to Delivery"
        # Stylesheet and script load from a relative path under file://.
        assert (
            page.evaluate("getComputedStyle(document.querySelector('.sidebar')).position")
            == "sticky"
        )
        assert blocked == []


def test_bundled_course_desktop_and_phone(course_site):
    lesson = (course_site / "client-trust" / "communication.html").as_uri()
    with chromium() as browser:
        desktop = browser.new_page(viewport={"width": 1366, "height": 900})
        desktop.goto(lesson)
        assert desktop.locator("aside.outline").is_visible()
        screenshot(desktop, "lesson-desktop")

        phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
        phone.goto(lesson)
        assert (
            not phone.locator("nav.sidebar").is_visible()
            or phone.locator("nav.sidebar").bounding_box()["x"] < 0
        )
        phone.locator("button.menu-toggle").click()
        phone.wait_for_timeout(300)
        assert phone.locator("nav.sidebar").bounding_box()["x"] >= 0
        screenshot(phone, "lesson-phone-menu")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "the page scrolls sideways on a phone"

        light = browser.new_page(viewport={"width": 1366, "height": 900}, color_scheme="light")
        light.goto(lesson)
        dark = browser.new_page(viewport={"width": 1366, "height": 900}, color_scheme="dark")
        dark.goto(lesson)
        colours = "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]"
        light_background, light_text = light.evaluate(colours)
        dark_background, dark_text = dark.evaluate(colours)
        assert dark_background != light_background and dark_text != light_text
        screenshot(dark, "lesson-dark")


def test_learner_progress_is_kept_across_pages(course_site):
    lessons = course_site / "client-trust"
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto((lessons / "building-rapport.html").as_uri())
        button = page.locator("button.mark-done")
        assert button.inner_text() == "Mark this lesson as done"
        button.click()
        assert button.get_attribute("aria-pressed") == "true"
        assert "done" in page.locator("nav.sidebar li", has_text="Building Rapport").get_attribute(
            "class"
        )

        page.goto((lessons / "communication.html").as_uri())
        page.locator("a[rel=next]").click()  # moving on is not finishing: nothing marked silently
        page.wait_for_url("**/setting-expectations.html")
        done = page.locator("nav.sidebar li.done").all_inner_texts()
        assert [t.strip() for t in done] == ["Building Rapport"]

        page.goto((course_site / "index.html").as_uri())
        assert (
            page.locator(".course-progress-text").inner_text()
            == "You have finished 1 of 11 lessons."
        )
        assert page.locator(".course-progress progress").evaluate("p => p.value") == 1
        screenshot(page, "course-progress")


def test_outline_marks_the_section_being_read(course_site):
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 800})
        page.goto((course_site / "client-trust" / "communication.html").as_uri())
        current = page.locator(".outline a[aria-current=location]")
        assert current.count() == 0  # nothing read yet at the top of the page
        page.evaluate(
            "document.getElementById('confirm-it-in-writing').scrollIntoView({block: 'start'})"
        )
        page.wait_for_function(
            "document.querySelector('.outline a[aria-current=location]') !== null"
        )
        assert current.inner_text() == "Confirm it in writing"
