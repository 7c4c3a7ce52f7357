"""The course on a phone (390x844): the drawer, the in-page outline and the search box."""

import pytest
from browser import chromium, screenshot
from conftest import REPO

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def course_site(tmp_path_factory):
    """The bundled course, built once for the tests of this module."""
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    out = tmp_path_factory.mktemp("phone") / "out"
    assert build_site(load_config(REPO / "site.yaml"), out).written
    return out


def focused(page) -> dict:
    """Where keyboard focus is: inside the course tree or not, and whether it is on screen."""
    return page.evaluate(
        """() => {
            const el = document.activeElement, box = el.getBoundingClientRect();
            return {inSidebar: !!el.closest('#sidebar'), text: el.textContent.trim().slice(0, 40),
                    onScreen: box.right > 0 && box.left < innerWidth && box.width > 0};
        }"""
    )


def test_closed_drawer_is_out_of_the_tab_order(course_site):
    with chromium() as browser:
        page = browser.new_page(**PHONE)
        page.goto((course_site / "client-trust" / "communication.html").as_uri())
        page.locator("button.menu-toggle").focus()
        for _ in range(12):
            page.keyboard.press("Tab")
            where = focused(page)
            assert not where["inSidebar"], f"Tab reached the closed drawer: {where}"
            assert where["onScreen"], f"focus went off-screen: {where}"


def test_drawer_opens_with_a_backdrop_and_closes_on_escape_and_outside_tap(course_site):
    with chromium() as browser:
        page = browser.new_page(**PHONE)
        page.goto((course_site / "client-trust" / "communication.html").as_uri())
        toggle = page.locator("button.menu-toggle")
        sidebar = page.locator("nav.sidebar")

        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
        page.wait_for_function(
            "document.querySelector('nav.sidebar').getBoundingClientRect().x >= 0"
        )
        assert focused(page) == {
            "inSidebar": True,
            "text": "Communicating Openly",
            "onScreen": True,
        }
        # The backdrop dims the lesson beside the drawer.
        backdrop = page.evaluate("getComputedStyle(document.body, '::after').backgroundColor")
        assert backdrop not in ("rgba(0, 0, 0, 0)", "transparent")
        screenshot(page, "phone-drawer-open", full_page=False)

        page.keyboard.press("Escape")
        assert toggle.get_attribute("aria-expanded") == "false"
        assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")
        sidebar.wait_for(state="hidden")

        toggle.click()
        sidebar.wait_for(state="visible")
        page.mouse.click(370, 600)  # on the backdrop, beside the drawer
        sidebar.wait_for(state="hidden")
        assert toggle.get_attribute("aria-expanded") == "false"
        assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")
        assert page.evaluate("location.hash") == ""  # the tap did not reach the lesson below


def test_on_this_page_outline_inside_the_lesson_below_the_outline_column(course_site):
    with chromium() as browser:
        for width in (390, 1100):
            page = browser.new_page(viewport={"width": width, "height": 844})
            page.goto((course_site / "client-trust" / "communication.html").as_uri())
            outline = page.locator("details.outline-inline")
            assert outline.is_visible()
            assert page.locator("aside.outline").is_hidden()
            outline.locator("summary").click()
            link = outline.get_by_role("link", name="Confirm it in writing")
            if width == 390:
                screenshot(page, "phone-outline-open", full_page=False)
            link.click()
            page.wait_for_url("**#confirm-it-in-writing")
            assert outline.get_attribute("open") is None  # folded away after the choice
            heading = page.locator("#confirm-it-in-writing").bounding_box()
            assert 0 <= heading["y"] < 200
        wide = browser.new_page(viewport={"width": 1280, "height": 844})
        wide.goto((course_site / "client-trust" / "communication.html").as_uri())
        assert wide.locator("aside.outline").is_visible()
        assert wide.locator("details.outline-inline").is_hidden()


def test_search_box_is_wide_enough_to_use_on_a_phone(course_site):
    with chromium() as browser:
        page = browser.new_page(**PHONE)
        page.goto((course_site / "client-trust" / "communication.html").as_uri())
        search = page.locator("#search-input")
        assert search.bounding_box()["width"] >= 170
        search.click()
        page.keyboard.type("email")
        page.locator("#search-results li").first.wait_for()
        assert search.bounding_box()["width"] >= 300
        results = page.locator("#search-results").bounding_box()
        assert results["x"] >= 0 and results["x"] + results["width"] <= 390
        screenshot(page, "phone-search", full_page=False)


def test_print_page_on_a_phone_has_no_menu_button(course_site):
    with chromium() as browser:
        page = browser.new_page(**PHONE)
        page.goto((course_site / "print.html").as_uri())
        assert page.locator("button.menu-toggle").is_hidden()


@pytest.mark.parametrize("width", [320, 390])
def test_no_page_of_the_course_scrolls_sideways_on_a_narrow_phone(course_site, width):
    """Every lesson and the print page, whose chapter titles are large ("Habits of a
    Transformational Relationship" did not fit 320 px): the page never scrolls sideways."""
    pages = sorted(course_site.rglob("*.html"))
    with chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": 800}, is_mobile=True)
        wide = {}
        for path in pages:
            page.goto(path.as_uri())
            scrolled = page.evaluate("document.documentElement.scrollWidth")
            if scrolled > width:
                wide[path.relative_to(course_site).as_posix()] = scrolled
        assert wide == {}, wide
        page.goto((course_site / "print.html").as_uri())
        title = page.locator("h1.chapter-title", has_text="Transformational").first
        title.scroll_into_view_if_needed()
        screenshot(page, f"print-phone-{width}", full_page=False)  # the page is 200,000 px long


# Every link that shows a lesson's title, whose box must hold it.
TITLE_LINKS = ".pager a, .breadcrumbs li, #sidebar a, .outline a, .print-contents a"


@pytest.mark.parametrize("width", [390, 1280])
def test_a_title_of_one_long_word_wraps_wherever_it_is_shown(tmp_path, trustdocs, width):
    """A lesson titled with an API's name (`useSyncExternalStoreWithSelectorAndMemo`): on the
    lesson and its neighbours, its sidebar entry, breadcrumb, outline entry and previous/next
    link wrap it; the page never scrolls sideways and no title runs out of its box."""
    from conftest import make_site

    word = "useSyncExternalStoreWithSelectorAndMemoAndMore"
    site = make_site(
        tmp_path,
        {
            "index.md": "@page home Home\n@body\nHi.\n",
            "react.md": "@page react React\n@parent home 1\n@body\nR.\n",
            "store.md": f"@page react/store {word}\n@parent react 1\n@outline 2\n@body\n"
            f"## Why {word}\n\nText.\n\n## More\n\nText.\n",
            "next.md": "@page react/next Next Lesson\n@parent react 2\n@body\nN.\n",
        },
    )
    assert trustdocs(site, "build").code == 0
    with chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": 800})
        overflowing = {}
        for name in ("react", "react/store", "react/next", "print"):
            page.goto((site / "site" / f"{name}.html").as_uri())
            wide = page.evaluate(
                f"""() => [document.documentElement.scrollWidth,
                    ...[...document.querySelectorAll({TITLE_LINKS!r})]
                    .filter(e => e.getBoundingClientRect().right > innerWidth + 1
                                 || e.scrollWidth > e.clientWidth + 1)
                    .map(e => e.textContent.trim())]"""
            )
            if wide[0] > width or wide[1:]:
                overflowing[name] = wide
        screenshot(page, f"long-title-{width}", full_page=False)
        assert overflowing == {}, overflowing
