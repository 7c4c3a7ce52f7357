"""The bundled course, Building Client Trust: built from the repository as a new user would."""

from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import REPO

LESSONS = [
    "why-trust-matters",
    "building-rapport",
    "communication",
    "setting-expectations",
    "transitioning-to-delivery",
    "agreements",
    "transformational-relationships",
    "signs-of-trust",
    "practice-plan",
]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    out = tmp_path_factory.mktemp("course") / "site"
    result = build_site(load_config(REPO / "site.yaml"), out, strict=True)
    assert result.written, [d.format() for d in result.diagnostics]
    return out


def read(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def local_target(page: Path, href: str, root: Path) -> tuple[Path, str]:
    parts = urlsplit(urljoin(page.as_uri(), href))
    return Path(parts.path), parts.fragment


def test_every_lesson_is_in_the_sidebar_in_order(course):
    home = read(course / "index.html")
    sidebar = home.find("nav", attrs={"aria-label": "Course"})
    hrefs = [a["href"] for a in sidebar.select("ul a")]
    assert hrefs == [f"client-trust/{name}.html" for name in LESSONS]


def test_next_links_walk_the_whole_course_and_previous_walks_back(course):
    page, seen = course / "index.html", []
    while True:
        link = read(page).select_one("a[rel=next]")
        if link is None:
            break
        page = local_target(page, link["href"], course)[0]
        seen.append(page.stem)
    assert seen == LESSONS
    back = []
    while (link := read(page).select_one("a[rel=prev]")) is not None:
        page = local_target(page, link["href"], course)[0]
        back.append(page.stem)
    assert back == [*LESSONS[-2::-1], "index"]


def test_every_link_and_anchor_resolves(course):
    anchors_used = 0
    for page in sorted(course.rglob("*.html")):
        soup = read(page)
        for a in soup.find_all("a", href=True):
            href = a["href"]
            if urlsplit(href).scheme in ("http", "https", "mailto"):
                continue
            target, fragment = local_target(page, href, course)
            assert target.is_file(), f"{page.name}: broken link {href}"
            if fragment:
                assert read(target).find(id=fragment) is not None, (
                    f"{page.name}: no #{fragment} in {href}"
                )
                anchors_used += "client-trust/" in href or "../" in href or ".html#" in href
    assert anchors_used >= 3


def test_each_lesson_has_the_parts_of_a_lesson(course):
    for name in LESSONS:
        soup = read(course / "client-trust" / f"{name}.html")
        body = soup.select_one(".body")
        headings = [h.get_text().lower() for h in body.find_all(["h2", "h3"])]
        assert any("takeaway" in h for h in headings), name
        assert any(h.startswith("try it") for h in headings), name
        assert soup.find("meta", attrs={"name": "description"})["content"], name
        links = [
            a for a in body.find_all("a", href=True) if not a["href"].startswith(("#", "http"))
        ]
        assert len({a["href"].split("#")[0] for a in links}) >= 2, name
    delivery = read(course / "client-trust" / "transitioning-to-delivery.html")
    assert delivery.find(id="app-summary-document").get_text() == "App Summary Document"


def test_print_page_holds_the_whole_course_in_reading_order(course):
    page = read(course / "print.html")
    chapters = [h.get_text() for h in page.select("section.chapter > h1.chapter-title")]
    home = read(course / "index.html").select_one("h1.page-title").get_text()
    lessons = [
        read(course / "client-trust" / f"{n}.html").select_one("h1").get_text() for n in LESSONS
    ]
    assert chapters == [home, *lessons]
    contents = [a["href"] for a in page.select("nav.print-contents a")]
    assert all(page.find(id=href[1:]) is not None for href in contents)
    lesson = read(course / "client-trust" / "agreements.html")
    assert lesson.select_one("a.sidebar-print")["href"] == "../print.html"
