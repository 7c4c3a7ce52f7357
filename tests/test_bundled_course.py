"""The bundled course, Building Client Trust: built from the repository as a new user would."""

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import REPO

LESSONS = [
    "why-trust-matters",
    "transitioning-to-delivery",
    "building-rapport",
    "communication",
    "setting-expectations",
    "agreements",
    "transformational-relationships",
    "signs-of-trust",
    "practice-plan",
]
ROLE_PLAYS = [
    "bad-news",
    "saying-no",
    "holding-to-account",
    "admitting-a-mistake",
    "asking-for-feedback",
]
TOOLS = [
    "summary-template",
    "status-report",
    "bad-news-card",
    "agreements-log",
    "saying-no",
    "self-assessment",
]
# Every page after the home page, in reading order: the lessons, then each section and its pages.
READING_ORDER = [
    *LESSONS,
    "role-plays",
    *(f"role-plays/{name}" for name in ROLE_PLAYS),
    "toolkit",
    *(f"toolkit/{name}" for name in TOOLS),
]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    from trustdocs.build import build_site
    from trustdocs.config import load_config, with_base_url

    out = tmp_path_factory.mktemp("course") / "site"
    # As the publishing workflow builds it, with the address GitHub Pages gives it.
    config = with_base_url(load_config(REPO / "site.yaml"), "https://example.github.io/trustdocs")
    result = build_site(config, out, strict=True)
    assert result.written, [d.format() for d in result.diagnostics]
    return out


def read(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def page_of(course: Path, name: str) -> Path:
    return course / "client-trust" / f"{name}.html"


def local_target(page: Path, href: str) -> tuple[Path, str]:
    parts = urlsplit(urljoin(page.as_uri(), href))
    return Path(parts.path), parts.fragment


def name_of(course: Path, page: Path) -> str:
    return page.relative_to(course / "client-trust").with_suffix("").as_posix()


def test_lessons_then_role_plays_then_toolkit_in_the_sidebar(course):
    home = read(course / "index.html")
    sidebar = home.find("nav", attrs={"aria-label": "Course"})
    hrefs = [a["href"] for a in sidebar.select("ul a")]
    top = [*LESSONS, "role-plays", "toolkit"]
    assert hrefs == [f"client-trust/{name}.html" for name in top]


def test_section_pages_are_listed_under_their_section_in_the_sidebar(course):
    for section, names in (("toolkit", TOOLS), ("role-plays", ROLE_PLAYS)):
        sidebar = read(page_of(course, section)).find("nav", attrs={"aria-label": "Course"})
        current = sidebar.find("a", attrs={"aria-current": "page"})
        nested = [a["href"] for a in current.find_parent("li").find("ul").find_all("a")]
        assert nested == [f"{section}/{name}.html" for name in names], section


def test_next_links_walk_the_whole_course_and_previous_walks_back(course):
    page, seen = course / "index.html", []
    while (link := read(page).select_one("a[rel=next]")) is not None:
        page = local_target(page, link["href"])[0]
        seen.append(name_of(course, page))
    assert seen == READING_ORDER
    back = []
    while (link := read(page).select_one("a[rel=prev]")) is not None:
        page = local_target(page, link["href"])[0]
        back.append(page.stem if page.parent == course else name_of(course, page))
    assert back == [*READING_ORDER[-2::-1], "index"]


def test_every_link_and_anchor_resolves(course):
    anchors_used = 0
    for page in sorted(course.rglob("*.html")):
        soup = read(page)
        for a in soup.find_all("a", href=True):
            href = a["href"]
            if urlsplit(href).scheme in ("http", "https", "mailto"):
                continue
            target, fragment = local_target(page, href)
            assert target.is_file(), f"{page.name}: broken link {href}"
            if fragment:
                assert read(target).find(id=fragment) is not None, (
                    f"{page.name}: no #{fragment} in {href}"
                )
                anchors_used += "client-trust/" in href or "../" in href or ".html#" in href
    assert anchors_used >= 3


def test_each_lesson_has_the_parts_of_a_lesson(course):
    for name in LESSONS:
        soup = read(page_of(course, name))
        body = soup.select_one(".body")
        headings = [h.get_text().lower() for h in body.find_all(["h2", "h3"])]
        assert any("takeaway" in h for h in headings), name
        assert any(h.startswith("try it") for h in headings), name
        assert soup.find("meta", attrs={"name": "description"})["content"], name
        links = [
            a for a in body.find_all("a", href=True) if not a["href"].startswith(("#", "http"))
        ]
        assert len({a["href"].split("#")[0] for a in links}) >= 2, name
    delivery = read(page_of(course, "transitioning-to-delivery"))
    assert delivery.find(id="app-summary-document").get_text() == "App Summary Document"


def test_each_lesson_opens_with_two_or_three_objectives_and_its_reading_and_practice_time(course):
    for name in LESSONS:
        body = read(page_of(course, name)).select_one(".body")
        first = body.find("h2")
        assert first is not None and first.get("id") == "objectives", name
        section = []
        for sibling in first.find_next_siblings():
            if sibling.name == "h2":
                break
            section.append(sibling)
        objectives = [item for el in section if el.name == "ul" for item in el.find_all("li")]
        assert 2 <= len(objectives) <= 3, (name, len(objectives))
        text = " ".join(el.get_text(" ") for el in section)
        assert re.search(r"\d+ minutes to read", text), name
        assert re.search(r"\d+ minutes to practi[cs]e", text), name


def knowledge_checks(source: str) -> list[list[str]]:
    """The `::: check` blocks of a page source, each as its lines (a bare `:::` closes a check)."""
    checks, current = [], None
    for line in source.splitlines():
        if line.startswith("::: check "):
            current = [line]
        elif current is not None:
            current.append(line)
            if line.strip() == ":::":
                checks.append(current)
                current = None
    assert current is None, "a check is never closed"
    return checks


def test_each_lesson_has_two_or_three_knowledge_checks_each_with_an_answer_and_its_principle(
    course,
):
    for name in LESSONS:
        source = (REPO / "content" / "client-trust" / f"{name}.md").read_text(encoding="utf-8")
        checks = knowledge_checks(source)
        assert 2 <= len(checks) <= 3, (name, len(checks))
        scenarios = 0
        body_text = read(page_of(course, name)).select_one(".body").get_text(" ")
        for check in checks:
            question = check[0].removeprefix("::: check ").strip()
            assert " ".join(question.split()[:6]) in " ".join(body_text.split()), question
            options = [line for line in check if re.match(r"- \[[ x]\] ", line)]
            answer = any(line.strip() == "::: answer" for line in check)
            if answer:
                scenarios += 1
            else:
                assert len(options) >= 2 and any(o.startswith("- [x]") for o in options), question
            # Every check points the learner back to the lesson section that teaches its principle.
            assert re.search(r"\[client-trust/[\w/-]+#[\w-]+ ", "\n".join(check)), question
        assert scenarios >= 1, f"{name} has no 'What would you do?' check with a model answer"


def test_each_lesson_follows_the_case_study(course):
    for name in LESSONS:
        headings = [h.get_text() for h in read(page_of(course, name)).select(".body h2")]
        assert any(h.startswith("Case study") for h in headings), name


def test_every_tool_is_a_page_with_its_download_beside_it(course):
    toolkit = read(page_of(course, "toolkit")).select_one(".body")
    listed = {a["href"] for a in toolkit.find_all("a", href=True)}
    for name in TOOLS:
        page = page_of(course, f"toolkit/{name}")
        assert f"toolkit/{name}.html" in listed, name
        links = read(page).select_one(".body").find_all("a", href=True)
        downloads = [
            local_target(page, a["href"])[0]
            for a in links
            if not urlsplit(a["href"]).scheme and not a["href"].split("#")[0].endswith(".html")
        ]
        assert downloads, f"{name} offers nothing to download"
        for file in downloads:
            assert file.parent == page.parent, f"{name}: {file.name} is not beside the page"
            assert file.read_text(encoding="utf-8").strip(), file


def test_every_role_play_has_briefs_checklist_and_debrief_with_the_hidden_brief_last(course):
    for name in ROLE_PLAYS:
        body = read(page_of(course, f"role-plays/{name}")).select_one(".body")
        headings = [h.get_text().lower() for h in body.find_all("h2")]
        parts = ["situation", "consultant's brief", "checklist", "debrief", "hidden brief"]
        found = [next((i for i, h in enumerate(headings) if part in h), None) for part in parts]
        assert None not in found, (name, headings)
        # The consultant reads from the top and stops before the client's hidden brief.
        assert found == sorted(found) and found[-1] == len(headings) - 1, (name, headings)


def test_print_page_holds_the_whole_course_in_reading_order(course):
    page = read(course / "print.html")
    chapters = [h.get_text() for h in page.select("section.chapter > h1.chapter-title")]
    home = read(course / "index.html").select_one("h1.page-title").get_text()
    titles = [read(page_of(course, n)).select_one("h1").get_text() for n in READING_ORDER]
    assert chapters == [home, *titles]
    contents = [a["href"] for a in page.select("nav.print-contents a")]
    assert all(page.find(id=href[1:]) is not None for href in contents)
    lesson = read(page_of(course, "agreements"))
    assert lesson.select_one("a.sidebar-print")["href"] == "../print.html"
