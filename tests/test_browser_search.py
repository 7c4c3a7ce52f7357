"""Search in a real browser: ranking, the combobox, and the index loaded from file:// and over HTTP."""

from __future__ import annotations

import re

import pytest
from browser import chromium, screenshot, served
from conftest import REPO, make_site
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

RANKING_PAGES = {
    "index.md": """
        @page home Course Home
        @body
        Welcome to the course.
        """,
    "say-no.md": """
        @page say-no Handling Requests
        @parent home 1
        @body
        ## Before you answer
        Read the request twice.

        ## Say no, well
        Saying no is part of the job. Give a reason and an alternative.
        """,
    "not-now.md": """
        @page not-now Timing
        @parent home 2
        @body
        ## Not now
        Nothing is certain. Notes help, and a note is not a promise.
        """,
    "trust-title.md": """
        @page trust-title Trust
        @parent home 3
        @body
        A short page about keeping promises.
        """,
    "trust-body.md": """
        @page trust-body Meetings
        @parent home 4
        @body
        Good meetings build trust, and trust builds better meetings.
        """,
    "summary-split.md": """
        @page summary-split Reports
        @parent home 5
        @body
        ## Status
        The app goes live in May.

        ## Wrap-up
        A summary closes every report. Summary, summary, summary.
        """,
    "summary-section.md": """
        @page summary-section Handover
        @parent home 6
        @body
        ## Background
        Nothing here yet.

        ## Writing it down
        Keep one app summary for the whole team.
        """,
    "scope.md": """
        @page scope Planning
        @parent home 7
        @body
        ## Estimates
        Agree the scope before the estimate.

        ## Scope creep
        Small requests add up; scope creep is what happens when nobody says so.
        """,
    "markup.md": """
        @page markup Markup Lesson
        @parent home 8
        @body
        Writing `<b>bold</b>` in a lesson shows the tags: markup stays text.
        """,
}


@pytest.fixture(scope="module")
def ranking_site(tmp_path_factory):
    """A small course whose pages compete for the same words."""
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    root = tmp_path_factory.mktemp("ranking")
    make_site(root, RANKING_PAGES)
    out = root / "site"
    assert build_site(load_config(root / "site.yaml"), out).written
    return out


@pytest.fixture(scope="module")
def course_site(tmp_path_factory):
    """The bundled course, built once."""
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    out = tmp_path_factory.mktemp("course") / "out"
    assert build_site(load_config(REPO / "site.yaml"), out).written
    return out


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the tests of this module."""
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def ranking(browser, ranking_site):
    """A function: query → the results search.js gives for it, in order."""
    page = browser.new_page()
    page.goto((ranking_site / "index.html").as_uri())

    def search(query: str) -> dict:
        return page.evaluate("q => window.trustdocsSearch.search(q)", query)

    yield search
    page.close()


def urls(found: dict) -> list[str]:
    return [result["url"] for result in found["results"]]


def test_whole_word_ranks_above_words_it_begins(ranking):
    found = ranking("no")
    assert urls(found)[0] == "say-no.html#say-no-well"
    assert "not-now.html#not-now" in urls(found)  # "not", "note": still found, but after
    assert urls(found).index("say-no.html#say-no-well") < urls(found).index("not-now.html#not-now")


def test_title_ranks_above_text(ranking):
    assert urls(ranking("trust"))[:2] == ["trust-title.html", "trust-body.html"]


def test_a_section_with_every_word_ranks_first(ranking):
    found = ranking("app summary")
    # the split page says "summary" four times, in another section than "app"
    assert urls(found)[0] == "summary-section.html#writing-it-down"
    assert urls(found)[1].startswith("summary-split.html#")
    assert [r["complete"] for r in found["results"]] == [True, False]


def test_no_full_match_falls_back_to_the_best_partial_matches(ranking):
    found = ranking("scope zeppelin")
    assert found["missing"] == ["zeppelin"]
    assert urls(found) == ["scope.html#scope-creep"]  # in the heading and twice in the text


def test_results_point_to_the_section_and_mark_the_words(ranking):
    [result] = ranking("scope creep")["results"]
    assert result["url"] == "scope.html#scope-creep"
    assert result["heading"] == "Scope creep"
    assert "scope creep is what happens" in result["excerpt"]


def test_a_word_the_course_never_uses_finds_its_stem(ranking):
    # "meeting" and "summaries" are never written; "meetings" and "summary" share their stems
    assert urls(ranking("meeting")) == ["trust-body.html"]
    assert set(urls(ranking("summaries"))) == {
        "summary-split.html#wrap-up",
        "summary-section.html#writing-it-down",
    }


def test_typing_a_word_finds_what_it_begins(ranking):
    assert urls(ranking("handov")) == ["summary-section.html"]


def test_search_box_keyboard_and_marks(browser, ranking_site):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto((ranking_site / "markup.html").as_uri())
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search-input"
    page.keyboard.type("markup")
    option = page.locator("#search-results [role=option]").first
    option.wait_for()
    # index text is shown as text: the <b> a lesson writes about is not made bold
    assert "<b>bold</b>" in option.inner_text()
    assert option.locator("b").count() == 0
    assert option.locator("mark").first.inner_text().lower() == "markup"

    search = page.locator("#search-input")
    assert search.get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    assert search.get_attribute("aria-activedescendant") == option.get_attribute("id")
    assert option.get_attribute("aria-selected") == "true"
    page.keyboard.press("Escape")
    assert page.locator("#search-results").is_hidden()
    assert search.get_attribute("aria-expanded") == "false"


def test_search_from_file_url_goes_to_the_section(browser, course_site):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    blocked: list[str] = []
    page.route("http*://**", lambda route: (blocked.append(route.request.url), route.abort()))
    page.goto((course_site / "client-trust" / "agreements.html").as_uri())
    page.keyboard.press("/")
    page.keyboard.type("app summary")
    first = page.locator("#search-results [role=option]").first
    first.wait_for()
    assert "Transitioning to Delivery › App Summary Document" in first.inner_text()
    screenshot(page, "search-results")
    page.keyboard.press("Enter")
    page.wait_for_url("**/transitioning-to-delivery.html#app-summary-document")
    assert blocked == []

    page.locator("#search-input").fill("zzqx qqzv")
    status = page.locator("#search-status")
    expect(status).to_contain_text("No lesson mentions")
    page.keyboard.press("Escape")
    expect(status).to_have_text("")
    assert page.locator("#search-results").is_hidden()


def test_search_over_http_loads_only_the_shards_it_needs(browser, course_site):
    with served(course_site) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        loaded: list[str] = []
        page.on("request", lambda request: loaded.append(request.url))
        shards = len(list((course_site / "_assets" / "search" / "terms").glob("*.js")))
        assert shards > 2
        page.goto(url + "index.html")
        page.keyboard.press("/")
        page.locator("#search-input").fill("email")  # one query, as if pasted
        second = page.locator("#search-results [role=option]").nth(1)
        second.wait_for()
        results = page.locator("#search-results [role=option]").count()
        section = second.get_attribute("data-href").split("#")[1]
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile("#" + re.escape(section) + "$"))
        assert "email" in page.locator(f"[id='{section}']").evaluate(
            "h => { let t = ''; for (let e = h.nextElementSibling; e && !/^H[1-6]$/.test(e.tagName);"
            " e = e.nextElementSibling) t += e.textContent; return t.toLowerCase(); }"
        )
        terms = [u for u in loaded if "/_assets/search/terms/" in u]
        texts = [u for u in loaded if "/_assets/search/pages/" in u]
        assert 1 <= len(terms) <= 2, terms
        # The texts of the pages shown, four a file: each file once, fewer files than results.
        assert 6 <= results <= 10
        assert 2 <= len(texts) < results and len(set(texts)) == len(texts), texts


def test_partial_and_stemmed_queries_on_the_course(browser, course_site):
    page = browser.new_page()
    page.goto((course_site / "index.html").as_uri())
    search = "q => window.trustdocsSearch.search(q)"
    email = {r["url"].split("#")[0] for r in page.evaluate(search, "email")["results"]}
    emails = {r["url"].split("#")[0] for r in page.evaluate(search, "emails")["results"]}
    assert len(email) >= 6 and emails == email
    creep = page.evaluate(search, "scope creep")
    assert creep["missing"] == ["creep"] and creep["results"]
    assert all("scope" in r["excerpt"].lower() for r in creep["results"])


def test_a_course_without_visible_pages_searches_without_failed_requests(browser, tmp_path):
    """Every page hidden: the index is a manifest alone; a query finds nothing and asks the
    host for no file that is not there."""
    from browser import failed_requests

    from trustdocs.build import build_site
    from trustdocs.config import load_config

    pages = {
        "index.md": "@page home Home\n@hide\n@body\nWelcome.\n",
        "draft.md": "@page draft Draft\n@parent home\n@hide\n@body\nDraft text.\n",
    }
    root = make_site(tmp_path, pages)
    assert build_site(load_config(root / "site.yaml"), root / "out").written
    with served(root / "out") as url:
        page = browser.new_page()
        failures = failed_requests(page)
        page.goto(url + "index.html")
        page.locator("#search-input").fill("welcome")
        expect(page.locator("#search-status")).to_contain_text("No lesson mentions")
        assert page.evaluate("q => window.trustdocsSearch.search(q)", "draft")["results"] == []
        assert failures == []
        page.close()


def _published_lessons(tmp_path):
    """A course of lessons b to j, each with its own word, built into out/; and a function that
    publishes it again with lesson a added before the others (every page's number moves)."""
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    def lesson(name: str, order: int) -> str:
        return f"@page {name} Lesson {name}\n@parent home {order}\n@body\nThe word {name}word.\n"

    pages = {"index.md": "@page home Home\n@body\nWelcome.\n"}
    pages.update({f"{n}.md": lesson(n, i + 2) for i, n in enumerate("bcdefghij")})
    root = make_site(tmp_path, pages)
    config = load_config(root / "site.yaml")
    assert build_site(config, root / "out").written

    def publish_again() -> None:
        (root / "content" / "a.md").write_text(lesson("a", 1), encoding="utf-8")
        assert build_site(config, root / "out").written

    return root, publish_again


def test_a_site_published_again_is_searched_as_it_is_now_despite_the_browsers_cache(
    browser, tmp_path
):
    """A host lets browsers keep files for minutes (GitHub Pages: ten). A learner who searched,
    then opens another lesson after the site was published again with a lesson added before the
    others (every page's number in the index moves), finds the new lesson, and each result shows
    its own page's title and text."""
    root, publish_again = _published_lessons(tmp_path)
    search = "q => window.trustdocsSearch.search(q)"
    with served(root / "out", max_age=600) as url:
        context = browser.new_context()
        page = context.new_page()
        page.goto(url + "b.html")
        for name in "bcdefghij":  # every index file is now in the browser's cache
            assert [r["title"] for r in page.evaluate(search, f"{name}word")["results"]] == [
                f"Lesson {name}"
            ]
        publish_again()
        page.goto(url + "j.html")  # not opened before: the new build's page
        for name in "abcdefghij":
            found = page.evaluate(search, f"{name}word")["results"]
            assert [(r["title"], r["excerpt"]) for r in found] == [
                (f"Lesson {name}", f"The word {name}word.")
            ], name
        context.close()


def test_a_tab_left_open_while_the_site_is_published_again_finds_the_right_lessons(
    browser, tmp_path
):
    """A tab read the manifest before the site was published again with a lesson added before
    the others: the shards and texts it asks for now are the new build's, whose page numbers
    moved. Each says the numbering it was made for: the search is made again with the new
    manifest, and each result is its own lesson, not its neighbour."""
    root, publish_again = _published_lessons(tmp_path)
    search = "q => window.trustdocsSearch.search(q)"
    with served(root / "out") as url:
        page = browser.new_page()
        page.goto(url + "b.html")
        assert [r["title"] for r in page.evaluate(search, "bword")["results"]] == ["Lesson b"]
        publish_again()  # the same tab, not reloaded
        for name in "ihgfedcba":
            found = page.evaluate(search, f"{name}word")["results"]
            assert [(r["title"], r["url"], r["excerpt"]) for r in found] == [
                (f"Lesson {name}", f"{name}.html", f"The word {name}word.")
            ], name
        page.close()


def test_a_search_result_reaches_a_page_whose_name_reads_as_a_url_scheme(browser, tmp_path):
    """Pages named `javascript:alert(1)/x` and `q#a?b`: the sidebar's links and the search's
    results reach their files; none is a `javascript:` URL (a script run on click)."""
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    make_site(
        tmp_path,
        {
            "index.md": "@page home Home\n@body\nWelcome.\n",
            "x.md": "@page javascript:alert(1)/x Zebra Lesson\n@parent home 1\n@body\nZebras.\n",
            "q.md": "@page q#a?b Quagga Lesson\n@parent home 2\n@body\nQuaggas.\n",
        },
    )
    out = tmp_path / "site"
    assert build_site(load_config(tmp_path / "site.yaml"), out).written
    page = browser.new_page()
    page.goto((out / "index.html").as_uri())
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    assert hrefs and not [href for href in hrefs if not href.startswith("file:")], hrefs
    for query, title in [("zebras", "Zebra Lesson"), ("quaggas", "Quagga Lesson")]:
        page.goto((out / "index.html").as_uri())
        page.keyboard.press("/")
        page.keyboard.type(query)
        first = page.locator("#search-results [role=option]").first
        first.wait_for()
        assert first.get_attribute("data-href").startswith(("./", "javascript%3A", "q%23"))
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        expect(page.locator("h1.page-title")).to_have_text(title)
    page.close()
    with served(out) as url:  # the home page's "continue" link, to the lesson last read
        page = browser.new_page()
        page.goto(url + "javascript:alert(1)/x.html")
        page.goto(url + "index.html")
        resume = page.locator("a.course-continue")
        expect(resume).to_contain_text("Zebra Lesson")
        assert resume.evaluate("a => a.href") == url + "javascript:alert(1)/x.html"
        page.close()


def test_a_long_query_that_matches_nothing_wraps_inside_the_results_box(browser, ranking_site):
    """On a phone, "No lesson mentions …" with a 500-letter word ran out of the box, unread."""
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto((ranking_site / "index.html").as_uri())
    page.locator("#search-input").fill("supercalifragilistic" * 25)
    empty = page.locator("#search-status.search-empty")
    expect(empty).to_contain_text("No lesson mentions")
    assert empty.evaluate("e => e.scrollWidth <= e.clientWidth"), "the message overflows"
    box = empty.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    screenshot(page, "search-long-query-phone")
    page.close()


def test_a_word_past_the_52nd_heading_leads_to_its_own_section(browser, tmp_path):
    """The index gives each section of a page a bit of a number, up to the 52nd, which the
    sections after it share: a word only "Term 57" holds, and that heading's own words, lead
    to #term-57, with its text as the excerpt, not to the 52nd section's."""
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    sections = "".join(
        f"## Term {n}\n\nThe entry {n} {words[n % 8]}{' zulu' if n == 57 else ''}"
        f"{' test, tests, testing, tested' if n == 55 else ''}"
        f"{' test, then deploy' if n == 58 else ''}.\n\n"
        for n in range(1, 61)
    )
    make_site(tmp_path, {"index.md": f"@page home Glossary\n@body\n{sections}"})
    assert build_site(load_config(tmp_path / "site.yaml"), tmp_path / "site").written
    page = browser.new_page()
    page.goto((tmp_path / "site" / "index.html").as_uri())
    for query in ("zulu", "term 59"):
        [result] = page.evaluate("q => window.trustdocsSearch.search(q)", query)["results"]
        number = 57 if query == "zulu" else 59
        assert result["url"] == f"index.html#term-{number}", query
        assert result["heading"] == f"Term {number}"
        assert f"entry {number}" in result["excerpt"]
    # Of those sections, the one holding every word searched for, not the one with the most
    # forms of one of them.
    [result] = page.evaluate("q => window.trustdocsSearch.search(q)", "test deploy")["results"]
    assert result["url"] == "index.html#term-58"
    page.close()
