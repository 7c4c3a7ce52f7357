"""The print page (print.html): every chapter's ids prefixed so none repeats, links between chapters
kept inside the document, and each chapter's knowledge checks answered at its end."""

from collections import Counter

import pytest
from bs4 import BeautifulSoup
from conftest import REPO, make_site

PAGES = {
    "index.md": """
        @page course Course
        @body
        Start with [course/first] and its [course/first#try-it exercise].
        """,
    "first.md": """
        @page course/first First Lesson
        @parent course 1
        @body
        See [the second lesson](second.md#try-it), [course/second], and [course/notes].
        Back to [the exercise](#try-it).[^1]

        [^1]: A footnote of the first lesson.

        ## Try it

        ::: check Which is right?
        - [ ] This one.
          No: that one.
        - [x] That one.
          Yes: **that** one.
        :::

        ::: check What would you do?
        A scenario.

        ::: answer
        Ask first, see [course/second#try-it].
        :::
        """,
    "second.md": """
        @page course/second Second Lesson
        @parent course 2
        @body
        A claim.[^1]

        [^1]: A footnote of the second lesson.

        ## Try it

        | | Trust |
        | --- | --- |
        | Graham | high |
        """,
    "notes.md": """
        @page course/notes Notes
        @parent course 3
        @hide
        @body
        Hidden from the course.
        """,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The small course above, built; its output folder."""
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    site = make_site(tmp_path_factory.mktemp("print"), PAGES)
    out = site / "out"
    assert build_site(load_config(site / "site.yaml"), out).written
    return out


def read(path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def repeated_ids(soup: BeautifulSoup) -> list[str]:
    return [i for i, n in Counter(t["id"] for t in soup.find_all(id=True)).items() if n > 1]


def test_each_chapter_prefixes_its_ids_and_the_lessons_keep_theirs(built):
    soup = read(built / "print.html")
    assert repeated_ids(soup) == []
    first = soup.select_one("#chapter-course_first")
    second = soup.select_one("#chapter-course_second")
    assert first.find("h2")["id"] == "chapter-course_first--try-it"
    assert second.find("h2")["id"] == "chapter-course_second--try-it"
    # Footnotes too: each chapter's first footnote is its own.
    assert (
        first.select_one(".footnote-ref a")["href"] != second.select_one(".footnote-ref a")["href"]
    )
    # The lesson itself is unchanged.
    lesson = read(built / "course" / "first.html")
    assert lesson.find("h2")["id"] == "try-it"
    assert lesson.select_one("section.check")["id"] == "check-1"


def test_links_to_chapters_stay_in_the_document_and_others_go_to_the_site(built):
    soup = read(built / "print.html")
    ids = {t["id"] for t in soup.find_all(id=True)}
    first = soup.select_one("#chapter-course_first .body")
    hrefs = [a["href"] for a in first.find("p").find_all("a")]
    assert hrefs == [
        "#chapter-course_second--try-it",  # a Markdown link to the .md file, with its anchor
        "#chapter-course_second",  # a cross-link to the page
        "course/notes.html",  # a hidden page is no chapter: the link goes to the site
        "#chapter-course_first--try-it",  # a link within the page
        first.select_one(".footnote-ref a")["href"],
    ]
    home = soup.select_one("#chapter-course .body")
    assert [a["href"] for a in home.find_all("a")] == [
        "#chapter-course_first",
        "#chapter-course_first--try-it",
    ]
    fragments = [a["href"][1:] for a in soup.select(".chapter a[href^='#']")]
    assert fragments and all(fragment in ids for fragment in fragments)


def test_checks_print_without_their_answers_which_close_the_chapter(built):
    soup = read(built / "print.html")
    chapter = soup.select_one("#chapter-course_first")
    checks = chapter.select("section.check")
    assert [c["id"] for c in checks] == [
        "chapter-course_first--check-1",
        "chapter-course_first--check-2",
    ]
    for check in checks:
        assert not check.has_attr("data-check-id")  # nothing to answer on paper
        assert check.select(".check-feedback, .check-answer, button") == []
        assert "Yes: that one." not in check.get_text()
        assert check.select_one(".check-see-answer a")["href"] == f"#{check['id']}--Answer"
    answers = chapter.select_one(".chapter-answers")
    assert answers is not None
    assert answers.get_text().index("Which is right?") < answers.get_text().index("What would")
    first_key = answers.select_one("#chapter-course_first--check-1--Answer")
    right = first_key.select_one("li.right")
    assert "That one." in right.get_text() and "Yes: that one." in right.get_text()
    assert "This one." in first_key.select_one("li.wrong").get_text()
    model = answers.select_one("#chapter-course_first--check-2--Answer .check-key-answer")
    assert "Ask first" in model.get_text()
    assert model.find("a")["href"] == "#chapter-course_second--try-it"
    assert soup.select_one("#chapter-course_second .chapter-answers") is None


def test_tables_of_different_chapters_have_different_region_names(built):
    soup = read(built / "print.html")
    labels = [region["aria-label"] for region in soup.select(".table-wrap")]
    assert labels and len(labels) == len(set(labels))


def test_bundled_course_print_page_repeats_no_id_and_keeps_its_links_inside(tmp_path):
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    out = tmp_path / "out"
    assert build_site(load_config(REPO / "site.yaml"), out, use_cache=False).written
    soup = read(out / "print.html")
    assert repeated_ids(soup) == []
    ids = {t["id"] for t in soup.find_all(id=True)}
    in_chapters = [a["href"] for a in soup.select(".chapter a[href]")]
    fragments = [href[1:] for href in in_chapters if href.startswith("#")]
    assert len(fragments) > 50
    assert [f for f in fragments if f not in ids] == []
    lessons = {p.relative_to(out).as_posix() for p in out.rglob("*.html")}
    assert [href for href in in_chapters if href.split("#")[0] in lessons] == []


def test_pages_whose_names_look_alike_get_chapters_of_their_own(tmp_path):
    """`a/b`, `a.b` and `a-b`, `v1.2` and `v12` would make the same id from the name's letters:
    the print page held two chapters under one id, and links to the second page led to the
    first; page `intro-title`'s chapter had the id of page `intro`'s title. (`Intro` beside
    `intro` is an error now: one file where case is ignored, see test_output_safety.py.)"""
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    names = ["a/b", "a-b", "a.b", "intro", "v1.2", "v12", "intro-title", "x/y--z", "x/y"]
    pages = {
        f"p{n}.md": f"@page {name} Page {n}\n@parent home {n}\n@body\n## Z\nText {n}.\n"
        for n, name in enumerate(names)
    }
    links = " ".join(f"[{name}]" for name in names) + " [x/y#z]"
    pages["index.md"] = f"@page home Home\n@body\n{links}\n"
    site = make_site(tmp_path, pages)
    out = tmp_path / "out"
    assert build_site(load_config(site / "site.yaml"), out, use_cache=False).written
    soup = read(out / "print.html")
    assert repeated_ids(soup) == []
    home = soup.find(id=lambda i: i and i.startswith("chapter-home") and "--" not in i)
    hrefs = [a["href"][1:] for a in home.select(".body a[href]")]
    assert len(hrefs) == len(names) + 1
    for n, fragment in enumerate(hrefs[: len(names)]):
        target = soup.find(id=fragment)
        assert target is not None and f"Text {n}." in target.get_text(), (names[n], fragment)
    heading = soup.find(id=hrefs[-1])  # the heading Z of page x/y, not page x/y--z
    assert heading is not None and "Text 8." in heading.find_parent("section").get_text()


def test_headings_named_like_a_checks_parts_leave_the_checks_ids_to_them(tmp_path):
    """A lesson's heading "Check 1 answer" has the id `check-1-answer`: in the print page it was
    the id of the first check's answer key too, so "Answer at the end of this chapter" led to
    the heading instead (a browser takes the first of two elements with one id); "Check 1
    question" and "Check 1 hint" took the ids that name the check's options to a screen reader."""
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    headings = "## Check 1 answer\n\n## Check 1 question\n\n## Check 1 hint\n\n"
    check = "::: check Which?\n- [x] This.\n  Yes.\n- [ ] That.\n  No.\n:::\n"
    site = make_site(tmp_path, {"index.md": f"@page home Home\n@body\n{headings}{check}"})
    out = tmp_path / "out"
    assert build_site(load_config(site / "site.yaml"), out, use_cache=False).written
    for page in ("index.html", "print.html"):
        soup = read(out / page)
        assert repeated_ids(soup) == [], page
        named = soup.select_one("fieldset.check-options")["aria-labelledby"].split()
        assert [soup.find(id=i)["class"] for i in named] == [["check-question"], ["check-hint"]]
    link = soup.select_one(".check-see-answer a")
    target = soup.find(id=link["href"][1:])
    assert target is not None and "check-key" in target["class"], target


def test_a_print_template_that_fails_is_an_error_and_the_previous_site_stays(tmp_path, trustdocs):
    site = make_site(tmp_path, {"index.md": "@page home Home\n@body\nHello.\n"})
    assert trustdocs(site, "build").code == 0
    before = (site / "site" / "print.html").read_bytes()
    assert b"Hello." in before
    theme = site / "themes" / "default"
    theme.mkdir(parents=True)
    template = (REPO / "themes" / "default" / "print.html").read_text()
    line = template.count("\n", 0, template.index("{% for")) + 1
    (theme / "print.html").write_text(template.replace("{% for", "{{ 1 // 0 }}{% for", 1))
    for command in ("build", "check", "check", "build"):  # again: nothing changed since
        run = trustdocs(site, command)
        assert run.code != 0, run.err
        assert (
            f"themes/default/print.html:{line}:1: error: template error: ZeroDivisionError"
            in run.err
        ), run.err
    assert (site / "site" / "print.html").read_bytes() == before


@pytest.mark.parametrize(
    "failing",
    [
        "{{ chapter.no_such_field.x }}",  # a value the template reads that chapters lack
        '{% include "partials/no-such-partial.html" %}',  # a partial the theme lacks
    ],
)
def test_a_print_template_that_fails_inside_the_chapters_is_an_error_at_its_line(
    tmp_path, trustdocs, failing
):
    site = make_site(tmp_path, {"index.md": "@page home Home\n@body\nHello.\n"})
    theme = site / "themes" / "default"
    theme.mkdir(parents=True)
    template = (REPO / "themes" / "default" / "print.html").read_text()
    marker = '<section class="chapter'
    line = template.count("\n", 0, template.index(marker)) + 1
    (theme / "print.html").write_text(template.replace(marker, failing + marker, 1))
    for command in ("build", "check"):
        run = trustdocs(site, command)
        assert run.code != 0, run.err
        assert f"themes/default/print.html:{line}:1: error: template" in run.err, run.err


def test_paths_written_from_a_lessons_own_folder_reach_their_files_from_the_print_page(tmp_path):
    """A bit-docs lesson names its images from where it is written (`../static/img/x.png`): the
    print page, at the top of the site, reaches the same files, Markdown or raw HTML."""
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    root = make_site(
        tmp_path,
        {
            "index.md": "@page course Course\n@body\nStart.\n",
            "static/img/chart.png": "not really a png",
            "lessons/one.md": """
                @page course/part/one One
                @parent course 1
                @body
                ![Chart](../../static/img/chart.png) and
                <img alt="raw chart" src="../../static/img/chart.png">
                <img alt="set" srcset="../../static/img/chart.png 1x,../../static/img/chart.png 2x">
                [Start](../../index.html)
                """,
        },
    )
    assert build_site(load_config(root / "site.yaml")).written
    lesson = read(root / "site" / "course" / "part" / "one.html")
    assert lesson.find("img", alt="Chart")["src"] == "../../static/img/chart.png"
    page = read(root / "site" / "print.html")
    assert page.find("img", alt="Chart")["src"] == "static/img/chart.png"
    assert page.find("img", alt="raw chart")["src"] == "static/img/chart.png"
    assert page.find("img", alt="set")["srcset"] == (
        "static/img/chart.png 1x,static/img/chart.png 2x"
    )
    assert page.find("a", string="Start")["href"].startswith("#")  # its chapter, on the page


def test_ids_of_raw_html_are_prefixed_in_the_print_page_as_links_to_them_are(tmp_path):
    """A lesson's own `<div id="box">`, a raw `<a href="#box">` and a cross-link to it from
    another lesson: each chapter's id is its own in the print page, and every link reaches it."""
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    box = '<div id="box">Box</div>\n\n<a href="#box">up</a>\n'
    root = make_site(
        tmp_path,
        {
            "index.md": "@page course Course\n@body\nStart.\n",
            "one.md": f"@page course/one One\n@parent course 1\n@body\n{box}",
            "two.md": f"@page course/two Two\n@parent course 2\n@body\n{box}\n[course/one#box]\n",
        },
    )
    assert build_site(load_config(root / "site.yaml")).written
    page = read(root / "site" / "print.html")
    assert repeated_ids(page) == []
    for chapter in ("one", "two"):
        section = page.select_one(f"#chapter-course_{chapter}")
        assert section.find("div", string="Box")["id"] == f"chapter-course_{chapter}--box"
        assert section.find("a", string="up")["href"] == f"#chapter-course_{chapter}--box"
    two = page.select_one("#chapter-course_two")
    assert two.find("a", string="One")["href"] == "#chapter-course_one--box"
    lesson = read(root / "site" / "course" / "one.html")
    assert lesson.select_one("div#box") is not None
    assert lesson.find("a", string="up")["href"] == "#box"


def test_raw_ids_named_like_the_print_templates_own_leave_them_to_it(tmp_path):
    """`<span id="Title">` became `chapter-…--Title`, the id the print template gives the
    chapter's title (its section is labelled by it), and so did `Answers` and
    `check-1--Answer`: a link to each reaches the lesson's element, the template's keep theirs."""
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    raw = (
        '<span id="Title">t</span> <span id="Answers">a</span> <span id="check-1--Answer">k</span>'
    )
    check = "::: check Which?\n- [x] This.\n- [ ] That.\n:::\n"
    body = f"{raw} [to it](#Title)\n\n{check}"
    site = make_site(
        tmp_path,
        {
            "index.md": "@page home Home\n@body\nHi.\n",
            "a.md": f"@page a_one U\n@parent home 1\n@body\n{body}",
        },
    )
    out = tmp_path / "out"
    assert build_site(load_config(site / "site.yaml"), out, use_cache=False).written
    soup = read(out / "print.html")
    assert repeated_ids(soup) == []
    section = soup.find(
        "section", attrs={"aria-labelledby": True, "id": lambda i: i and "a_one" in i}
    )
    assert soup.find(id=section["aria-labelledby"]).name == "h1"
    link = soup.find("a", string="to it")
    assert soup.find(id=link["href"][1:]).get_text() == "t"


def test_references_to_raw_ids_follow_them_into_the_print_page(tmp_path):
    """Raw HTML's ids take the chapter's prefix in the print page; what names them must follow,
    or an SVG gradient loses its fill (`url(#g)`), a symbol is drawn nowhere (`xlink:href`), a
    label ticks no box (`for`) and ARIA describes nothing."""
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    svg = (
        '<svg width="50" height="50"><defs><linearGradient id="g"><stop stop-color="red"/>'
        '</linearGradient><symbol id="s"><rect width="20" height="20"/></symbol></defs>'
        '<rect width="50" height="50" fill="url(#g)" style="stroke: url(\'#g\')"/>'
        '<use xlink:href="#s"/></svg>'
    )
    form = (
        '<input type=checkbox id=cb aria-describedby="d1 d2"><label for=cb>Tick</label>'
        " <span id=d1>a</span><span id=d2>b</span>"
    )
    site = make_site(tmp_path, {"index.md": f"@page home Home\n@body\n{svg}\n\n{form}\n"})
    out = tmp_path / "out"
    assert build_site(load_config(site / "site.yaml"), out, use_cache=False).written
    for page in ("index.html", "print.html"):
        soup = read(out / page)
        ids = {element["id"] for element in soup.select("[id]")}
        rect = soup.select_one("rect[fill]")
        named = [rect["fill"][5:-1], rect["style"].split("'#")[1].split("'")[0]]
        label = soup.find("label", string="Tick")
        named += [soup.select_one("use")["xlink:href"][1:], label["for"]]
        named += soup.select_one("input[type=checkbox]")["aria-describedby"].split()
        assert [name for name in named if name not in ids] == [], page
