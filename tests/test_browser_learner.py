"""What a learner notices in the browser: a steady page, an icon, readable type, and progress that
picks up where they left off."""

import time

import pytest
from browser import chromium, failed_requests, screenshot, served
from conftest import REPO, make_site

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}

# Sums the layout shifts a learner did not cause, as Core Web Vitals' CLS does.
MEASURE_CLS = """
window.__cls = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__cls += entry.value;
}).observe({type: "layout-shift", buffered: true});
"""


@pytest.fixture(scope="module")
def course_site(tmp_path_factory):
    """The bundled course, built once for the tests of this module."""
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    out = tmp_path_factory.mktemp("learner") / "out"
    assert build_site(load_config(REPO / "site.yaml"), out).written
    return out


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_home_page_does_not_shift_when_progress_appears(course_site, device):
    with served(course_site) as url, chromium() as browser:
        page = browser.new_page(**(PHONE if device == "phone" else DESKTOP))
        page.add_init_script(MEASURE_CLS)
        # Slow scripts, as on a slow phone network: the page paints before progress.js runs.
        page.route("**/*.js", lambda route: (time.sleep(0.5), route.continue_()))
        page.goto(url + "index.html")
        page.wait_for_load_state("load")
        page.wait_for_function(
            "document.querySelector('.course-progress-text').textContent"
            ".startsWith('You have finished')"
        )
        page.wait_for_timeout(300)
        cls = page.evaluate("window.__cls")
        assert cls < 0.01, f"cumulative layout shift {cls:.3f}"
        if device == "phone":
            screenshot(page, "home-progress-phone", full_page=False)


def test_every_page_has_an_icon_and_no_request_fails(course_site):
    with served(course_site) as url, chromium() as browser:
        page = browser.new_page(**DESKTOP)
        failures = failed_requests(page)
        for path in ("index.html", "client-trust/communication.html", "print.html", "404.html"):
            page.goto(url + path)
            page.wait_for_load_state("networkidle")  # the browser's own icon request included
            icon = page.evaluate(
                """async () => {
                    const link = document.querySelector("link[rel~=icon]");
                    if (!link) return null;
                    const response = await fetch(link.href);
                    return [response.status, response.headers.get("content-type")];
                }"""
            )
            assert icon is not None, f"{path} names no icon, so browsers ask for /favicon.ico"
            assert icon[0] == 200 and "svg" in icon[1]
        assert failures == []


def test_lesson_text_is_not_set_in_the_generic_serif(course_site):
    """On Linux and Android the generic serif is a Times look-alike; the lesson avoids it."""
    with chromium() as browser:
        page = browser.new_page(**DESKTOP)
        page.goto((course_site / "client-trust" / "communication.html").as_uri())
        page.evaluate(
            """async () => {
                const probe = document.createElement('p');
                probe.id = 'serif-probe';
                probe.style.fontFamily = 'serif';
                probe.textContent = 'Trust';
                document.body.append(probe);
                await document.fonts.ready;
                probe.getBoundingClientRect();  // lay the probe out before asking its fonts
            }"""
        )
        cdp = page.context.new_cdp_session(page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        document = cdp.send("DOM.getDocument")["root"]["nodeId"]

        def rendered_font(selector: str) -> str:
            node = cdp.send("DOM.querySelector", {"nodeId": document, "selector": selector})
            for _ in range(50):  # a busy machine may not have painted the text yet
                fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
                if fonts["fonts"]:
                    return max(fonts["fonts"], key=lambda font: font["glyphCount"])["familyName"]
                page.wait_for_timeout(100)
            raise AssertionError(f"the browser reports no font for {selector}")

        generic_serif = rendered_font("#serif-probe")
        lesson = rendered_font(".body > p")
        assert lesson != generic_serif, f"lesson text falls back to {generic_serif}"


def continue_card(page) -> list[str]:
    """The label and lesson title of the home page's continue link, as written."""
    card = page.locator("a.course-continue")
    return [card.locator(part).text_content() for part in ("span >> nth=0", "span >> nth=1")]


def test_continue_where_you_left_off_and_reset_progress(course_site):
    lessons = course_site / "client-trust"
    home = (course_site / "index.html").as_uri()
    with chromium() as browser:
        page = browser.new_page(**DESKTOP)
        page.goto(home)
        start = page.locator("a.course-continue")
        assert continue_card(page) == ["Start the course", "Why Trust Matters"]
        assert page.locator("button.reset-progress").is_disabled()

        page.goto((lessons / "building-rapport.html").as_uri())
        page.locator("button.mark-done").click()
        page.goto((lessons / "agreements.html").as_uri())
        page.goto(home)
        assert continue_card(page) == [
            "Continue where you left off",
            "Making and Keeping Agreements",
        ]
        screenshot(page, "home-continue", full_page=False)
        start.click()
        page.wait_for_url("**/client-trust/agreements.html")

        page.goto(home)
        reset = page.locator("button.reset-progress")
        page.once("dialog", lambda dialog: dialog.dismiss())
        reset.click()
        assert page.locator(".course-progress-text").inner_text().startswith("You have finished 1")

        messages = []
        page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
        reset.click()
        assert "cannot be undone" in messages[0]
        assert page.locator(".course-progress-text").inner_text().startswith("You have finished 0")
        assert continue_card(page) == ["Start the course", "Why Trust Matters"]
        assert page.locator("nav.sidebar li.done").count() == 0
        page.reload()  # forgotten for good, not only on this page
        assert page.locator(".course-progress-text").inner_text().startswith("You have finished 0")
        assert reset.is_disabled()


def test_answering_every_knowledge_check_finishes_the_lesson(tmp_path, trustdocs):
    # The check script's side of the contract, played by the test: it marks an answered check
    # with data-answered and dispatches "trustdocs:check-answered" from it.
    checks = "".join(
        f'<section class="check" data-check-id="q{n}"><p>Question {n}</p></section>\n\n'
        for n in (1, 2)
    )
    site = make_site(
        tmp_path,
        {
            "index.md": "@page home Home\n@body\nWelcome.\n",
            "quiz.md": f"@page quiz Quiz\n@parent home 1\n@body\n{checks}",
        },
    )
    assert trustdocs(site, "build").code == 0
    answer = (
        "id => { const check = document.querySelector(`[data-check-id=${id}]`);"
        " check.setAttribute('data-answered', '');"
        " check.dispatchEvent(new CustomEvent('trustdocs:check-answered', {bubbles: true})); }"
    )
    with chromium() as browser:
        page = browser.new_page(**DESKTOP)
        page.goto((site / "site" / "quiz.html").as_uri())
        assert "Answer the 2 questions above" in page.locator(".lesson-end").inner_text()
        page.evaluate(answer, "q1")
        assert page.locator("nav.sidebar li.done").count() == 0  # one question still open
        page.evaluate(answer, "q2")
        assert page.locator("button.mark-done").get_attribute("aria-pressed") == "true"
        assert [t.strip() for t in page.locator("nav.sidebar li.done").all_inner_texts()] == [
            "Quiz"
        ]


def test_progress_counts_lessons_only_and_follows_a_renamed_one_with_its_answers(
    tmp_path, trustdocs
):
    """A hidden page is no lesson: opening it left the home page with "Start the course" again.
    A lesson that hides its previous/next links can still be marked done (it counts, so the
    course could never be finished). A lesson renamed with @redirect keeps its checks' answers
    and shows its new title in "Continue where you left off"."""
    check = "::: check Pick one?\n- [x] Yes.\n- [ ] No.\n:::\n"
    site = make_site(
        tmp_path,
        {
            "index.md": "@page home Home\n@body\nWelcome.\n",
            "v.md": "@page v Visible\n@parent home 1\n@body\nSee [h].\n",
            "h.md": "@page h Hidden Page\n@parent home 2\n@hide\n@body\nAside.\n",
            "n.md": "@page n No Nav\n@parent home 3\n@hidecontentnav\n@body\nText.\n",
            "o.md": f"@page ch/old Old Lesson\n@parent home 4\n@body\n{check}",
        },
    )
    assert trustdocs(site, "build").code == 0
    out = site / "site"
    with served(out) as url, chromium() as browser:
        page = browser.new_page(**DESKTOP)
        page.goto(url + "v.html")
        page.goto(url + "h.html")
        assert page.locator("button.mark-done").count() == 0  # not a lesson
        page.goto(url + "index.html")
        assert continue_card(page) == ["Continue where you left off", "Visible"]
        page.goto(url + "n.html")
        page.locator("button.mark-done").click()
        page.goto(url + "ch/old.html")
        page.get_by_label("Yes.").check()
        page.get_by_role("button", name="Check answer").click()
        page.locator(".check-result.is-right").wait_for()
        page.goto(url + "index.html")
        text = page.locator(".course-progress-text").inner_text()
        assert text.startswith("You have finished 2 of 3"), text

        moved = (
            (site / "content" / "o.md")
            .read_text()
            .replace("@page ch/old Old Lesson", "@page ch/new New Lesson\n@redirect ch/old")
        )
        (site / "content" / "o.md").write_text(moved)
        assert trustdocs(site, "build").code == 0
        # Back at another page than the home page: the renamed lesson is still done.
        page.goto(url + "h.html")
        assert "New Lesson" in page.locator("#sidebar li.done > a").all_inner_texts()
        page.goto(url + "index.html")
        assert continue_card(page) == ["Continue where you left off", "New Lesson"]
        page.goto(url + "ch/new.html")
        assert page.locator("section.check[data-answered]").count() == 1
        page.close()


def test_progress_shows_on_a_host_that_serves_lessons_without_html(tmp_path, trustdocs):
    """Cloudflare Pages serves `ch/one.html` at `ch/one`: a lesson marked done there is ticked
    in the sidebar and counted on the home page, which links to it as `ch/one.html`; and a
    lesson marked done where its address had ".html" counts the same."""
    site = make_site(
        tmp_path,
        {
            "index.md": "@page home Home\n@body\nWelcome.\n",
            "ch.md": "@page ch Chapter\n@parent home 1\n@body\nChapter.\n",
            "one.md": "@page ch/one Lesson One\n@parent ch 1\n@body\nOne.\n",
            "two.md": "@page ch/two Lesson Two\n@parent ch 2\n@body\nTwo.\n",
        },
    )
    assert trustdocs(site, "build").code == 0
    with served(site / "site", pretty=True) as url, chromium() as browser:
        page = browser.new_page(**DESKTOP)
        page.goto(url + "ch/one.html")
        assert page.url == url + "ch/one"
        page.locator("button.mark-done").click()
        page.goto(url + "ch/two.html")
        ticked = page.locator("#sidebar li.done > a")
        assert ticked.all_inner_texts() == ["Lesson One"]
        page.goto(url)
        text = page.locator(".course-progress-text").inner_text()
        assert text.startswith("You have finished 1 of 3"), text
        assert continue_card(page) == ["Continue where you left off", "Lesson Two"]
        screenshot(page, "progress-without-html")
    with served(site / "site") as url, chromium() as browser:
        page = browser.new_page(**DESKTOP)
        page.goto(url + "ch/two.html")
        # Kept as an earlier version kept it, under the address the browser showed.
        page.evaluate(f"localStorage.setItem('trustdocs-progress:{url}', '{{\"ch/one\": 1}}')")
        page.reload()
        assert page.locator("#sidebar li.done > a").all_inner_texts() == ["Lesson One"]


def test_continue_where_you_left_off_shows_the_title_a_lesson_has_now(tmp_path, trustdocs):
    """A lesson retitled after the learner left off (and a nested one, which the home page's
    sidebar does not list) shows its new title on the home page, without a visit to it first;
    the build that retitles it renders the home page again, with a cache as without."""
    site = make_site(
        tmp_path,
        {
            "index.md": "@page home Home\n@body\nWelcome.\n",
            "a.md": "@page a Alpha\n@parent home 1\n@body\nText.\n",
            "b.md": '@page b/deep Deep "Quoted" <Lesson>\n@parent a 1\n@body\nText.\n',
        },
    )
    assert trustdocs(site, "build").code == 0
    out = site / "site"
    with served(out) as url, chromium() as browser:
        page = browser.new_page(**DESKTOP)
        for lesson, title in [("a.html", "Alpha Renamed"), ("b/deep.html", "Deep & Renamed")]:
            page.goto(url + lesson)
            source = site / "content" / ("a.md" if lesson == "a.html" else "b.md")
            first = source.read_text().split("\n", 1)
            name = first[0].split()[1]
            source.write_text(f"@page {name} {title}\n{first[1]}")
            assert trustdocs(site, "build").code == 0
            page.goto(url + f"index.html?after={len(title)}")  # not the copy the browser kept
            assert continue_card(page) == ["Continue where you left off", title]
        page.close()


def test_a_page_reads_the_stored_answers_once_however_many_lessons_were_renamed(
    tmp_path, trustdocs
):
    """Forty lessons renamed with @redirect, each shown in the sidebar: a lesson page reads the
    knowledge checks' stored answers once, not once per renamed lesson, and the answers kept
    under an old name move to the new one."""
    pages = {"index.md": "@page home Home\n@body\nHi.\n"}
    for n in range(40):
        pages[f"l{n}.md"] = (
            f"@page new{n} Lesson {n}\n@parent home {n}\n@redirect old{n}\n@body\n{n}.\n"
        )
    site = make_site(tmp_path, pages)
    assert trustdocs(site, "build").code == 0
    with served(site / "site") as url, chromium() as browser:
        page = browser.new_page(**DESKTOP)
        page.goto(url + "new1.html")
        page.evaluate(
            f"localStorage.setItem('trustdocs-checks:{url}', JSON.stringify({{'old3:1': 'a'}}))"
        )
        page.add_init_script(
            """window.__reads = 0;
            const get = Storage.prototype.getItem;
            Storage.prototype.getItem = function (key) {
                if (String(key).startsWith("trustdocs-checks:")) window.__reads++;
                return get.call(this, key);
            };"""
        )
        page.reload()
        assert page.evaluate("window.__reads") <= 1
        stored = page.evaluate(f"JSON.parse(localStorage.getItem('trustdocs-checks:{url}'))")
        assert stored == {"new3:1": "a"}
