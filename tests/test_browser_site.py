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

        # A lesson below the sidebar's first level counts, and is where the learner left off.
        page.goto((lessons / "role-plays" / "bad-news.html").as_uri())
        page.locator("button.mark-done").click()

        page.goto((course_site / "index.html").as_uri())
        every = [p for p in course_site.rglob("*.html") if 'class="mark-done"' in p.read_text()]
        assert len(every) > 20  # every lesson of the course, at any depth
        assert (
            page.locator(".course-progress-text").inner_text()
            == f"You have finished 2 of {len(every)} lessons."
        )
        assert page.locator(".course-progress progress").evaluate("p => p.value") == 2
        resume = page.locator("a.course-continue")
        label, title = (resume.locator(f".course-continue-{p}") for p in ("label", "title"))
        assert label.text_content() == "Continue where you left off"
        assert title.text_content() == "Role Play: Delivering Bad News"
        assert resume.get_attribute("href").endswith("client-trust/role-plays/bad-news.html")
        assert page.locator("button.reset-progress").is_enabled()
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


def test_progress_follows_a_lesson_renamed_with_a_redirect(tmp_path):
    """A lesson marked done, then renamed with `@redirect` to its old name: the home page still
    counts it done, under its new address, and so does the sidebar."""
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    home = "@page home Home\n@body\nWelcome.\n"
    lesson = "@page {name} First Lesson\n@parent home 1\n{more}@body\nText.\n"
    second = "@page second Second Lesson\n@parent home 2\n@body\nMore.\n"
    site = make_site(
        tmp_path, {"index.md": home, "a.md": lesson.format(name="a", more=""), "b.md": second}
    )
    out = tmp_path / "out"
    assert build_site(load_config(site / "site.yaml"), out).written
    with chromium() as browser:
        page = browser.new_page()
        page.goto((out / "a.html").as_uri())
        page.locator("button.mark-done").click()
        page.goto((out / "index.html").as_uri())
        assert (
            page.locator(".course-progress-text").inner_text()
            == "You have finished 1 of 2 lessons."
        )

        (site / "content" / "a.md").write_text(lesson.format(name="alpha", more="@redirect a\n"))
        assert build_site(load_config(site / "site.yaml"), out).written
        page.goto((out / "index.html").as_uri())
        assert (
            page.locator(".course-progress-text").inner_text()
            == "You have finished 1 of 2 lessons."
        )
        assert page.locator("nav.sidebar li.done").all_inner_texts() == ["First Lesson"]
        assert page.locator(".course-continue-title").text_content() == "First Lesson"
        assert page.locator("a.course-continue").get_attribute("href").endswith("/alpha.html")


def test_the_items_after_a_hidden_list_left_open_in_a_list_item_are_shown(tmp_path, trustdocs):
    """A `<ul hidden>` left open in a list item: a browser would put the list's later items in
    it and show none of them. The build says where it opened and closes it where its item ends:
    every item shows, and the page's navigation after them."""
    home = "@page home Home\n@body\nSteps:\n\n- one\n  <ul hidden>\n- two\n- three\n\nDone.\n"
    site = make_site(tmp_path, {"index.md": home})
    run = trustdocs(site, "build")
    assert run.code == 0 and "content/index.md:6:3: warning: <ul hidden> is not closed" in run.err
    with chromium() as browser:
        page = browser.new_page()
        page.goto((site / "site" / "index.html").as_uri())
        body = page.locator(".body")
        assert body.locator("li:visible").all_inner_texts() == ["one", "two", "three"]
        assert body.get_by_text("Done.").is_visible()
        screenshot(page, "hidden-list-closed")


@pytest.mark.parametrize(
    "left_open",
    [
        '<a href="https://example.org/">',  # told: its link would hold the theme's controls
        "Text in <b>bold and <i>italics",  # opened again by a browser in each later block
        '<div class="box">\n\nIn the box.',
        '<a name="old-anchor">',
        '<b class="x"><b class="y"><b class="z"><b class="w">four',
    ],
)
def test_html_a_lesson_leaves_open_takes_none_of_the_theme_into_it(tmp_path, trustdocs, left_open):
    """A browser opens a link or bold text left open again in each block that follows, the
    theme's own after the lesson too: its "done" button and pager became part of the author's
    link. What the lesson leaves open is closed where its text ends; a link left open is told."""
    site = make_site(
        tmp_path,
        {
            "index.md": "@page course Course\n@body\nHome: [course/a].\n",
            "a.md": f"@page course/a A\n@parent course 1\n@body\nBefore.\n\n{left_open}\n\nAfter.\n",
            "b.md": "@page course/b B\n@parent course 2\n@body\nNext.\n",
        },
    )
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    told = [line for line in run.err.splitlines() if "never closed" in line]
    assert told == (
        [
            "content/a.md:6:1: warning: <a> is never closed: a browser would take the rest of "
            "the page into it (close it with </a>; until then, it is closed where the page's "
            "text ends)"
        ]
        if "href" in left_open
        else []
    )
    with chromium() as browser:
        page = browser.new_page()
        page.goto((site / "site" / "course" / "a.html").as_uri())
        wrapped = page.evaluate(
            """() => ['.mark-done', '.pager-next', '.lesson-end'].map(s => {
                const names = [];
                for (let e = document.querySelector(s).parentElement; e; e = e.parentElement)
                    if (['A', 'B', 'I'].includes(e.tagName) || e.classList.contains('box'))
                        names.push(e.tagName);
                return names.join('>');
            })"""
        )
        assert wrapped == ["", "", ""]
        assert page.get_by_text("After.").is_visible()


def test_a_long_sidebar_shows_the_current_lesson_and_the_first_tab_reaches_the_skip_link(
    tmp_path, trustdocs
):
    """In a chapter of 30 lessons, lesson 25's sidebar entry is scrolled into the sidebar's view;
    the page itself stays at its top, and the first Tab still goes to "Skip to content" (the
    sidebar scrolled by scrollIntoView moved where the first Tab starts, past the header)."""
    pages = {"index.md": "@page home Home\n@body\nHi.\n"}
    pages["ch.md"] = "@page ch Chapter\n@parent home 1\n@body\nChapter.\n"
    for n in range(1, 31):
        pages[f"l{n}.md"] = f"@page ch/l{n} Lesson {n}\n@parent ch {n}\n@body\nText {n}.\n"
    site = make_site(tmp_path, pages)
    assert trustdocs(site, "build").code == 0
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto((site / "site" / "ch" / "l25.html").as_uri())
        shown = page.evaluate(
            """() => {
                const side = document.querySelector('#sidebar').getBoundingClientRect();
                const entry = document.querySelector('#sidebar [aria-current=page]')
                    .getBoundingClientRect();
                return [entry.top >= side.top && entry.bottom <= side.bottom, window.scrollY];
            }"""
        )
        assert shown == [True, 0]
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
        screenshot(page, "long-sidebar-first-tab", full_page=False)


def test_a_lesson_forty_levels_deep_is_marked_in_its_sidebar_with_room_for_its_title(
    tmp_path, trustdocs
):
    """A chain of 40 nested pages: at every depth the sidebar marks the page itself, in an
    entry wide enough to read; past six nested lists, the root's list, a gap ("…", a link to
    the page the nearest lists start from), then those lists."""
    pages = {"p0.md": "@page p0 Level 0\n@body\nTop.\n"}
    for n in range(1, 41):
        pages[f"p{n}.md"] = f"@page p{n} Level {n}\n@parent p{n - 1} 1\n@body\nAt {n}.\n"
    site = make_site(tmp_path, pages)
    assert trustdocs(site, "build").code == 0
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        for depth in (3, 6, 7, 12, 33, 40):
            page.goto((site / "site" / f"p{depth}.html").as_uri())
            current = page.locator("#sidebar [aria-current=page]")
            assert current.all_inner_texts() == [f"Level {depth}"], depth
            assert current.bounding_box()["width"] >= 140, depth
            gap = page.locator("#sidebar a", has_text="…")
            assert gap.count() == (depth > 6), depth
            if depth > 6:
                gap.click()
                page.wait_for_url(f"**/p{depth - 5}.html")
        screenshot(page, "sidebar-deep-chain", full_page=False)
