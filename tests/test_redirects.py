"""redirects.py: `@redirect` and site.yaml's `redirects:` write pages at renamed pages' old addresses."""

import re

import pytest
from bs4 import BeautifulSoup
from conftest import CONSULTING, REPO, make_site

from trustdocs.redirects import redirect_output

RENAMED = {
    **CONSULTING,
    "consulting/kickoff.md": """
        @page learn-technology-consulting/kickoff Kickoff
        @parent learn-technology-consulting 1
        @redirect first-meeting
        @redirect learn-technology-consulting/old/kickoff.html
        @body
        ## Agenda
        Hello.
        """,
}
CONFIG = """\
title: Test Course
base_url: https://user.github.io/course
redirects:
  rapport/: learn-technology-consulting/building-rapport
"""


def soup(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize(
    ("old", "output"),
    [
        ("old/name", "old/name.html"),
        ("old/name.html", "old/name.html"),
        ("/old/name", "old/name.html"),
        ("old/folder/", "old/folder/index.html"),
        ("../outside", None),
        ("old//name", None),
        ("old/\x07name", None),
        ("old\\name", None),
        ("old/" + "n" * 300, None),
        ("https://elsewhere.org/page", None),
        ("old/name#part", None),
        ("", None),
    ],
)
def test_where_a_redirect_is_written(old, output):
    assert redirect_output(old) == output


def test_old_addresses_send_readers_and_search_engines_to_the_new_page(tmp_path, trustdocs):
    site = make_site(tmp_path, RENAMED, CONFIG)
    run = trustdocs(site, "build")
    assert run.code == 0 and ": warning: " not in run.err, run.err
    out = site / "site"
    for old, back in [
        ("first-meeting.html", ""),
        ("learn-technology-consulting/old/kickoff.html", "../"),
    ]:
        page = soup(out / old)
        target = f"{back}kickoff.html" if back else "learn-technology-consulting/kickoff.html"
        assert page.find("a", href=target).get_text() == "Kickoff"
        assert page.find("meta", attrs={"http-equiv": "refresh"})["content"] == f"0; url={target}"
        assert page.find("link", rel="canonical")["href"] == (
            "https://user.github.io/course/learn-technology-consulting/kickoff.html"
        )
    folder = soup(out / "rapport" / "index.html")
    assert folder.find("a")["href"] == "../learn-technology-consulting/building-rapport.html"
    # Redirect pages are addresses, not lessons: not in the sitemap.
    assert "first-meeting" not in (out / "sitemap.xml").read_text()


def test_a_link_to_an_old_address_is_not_a_broken_link(tmp_path, trustdocs):
    pages = {
        **RENAMED,
        "index.md": """
            @page learn-technology-consulting Learn Technology Consulting
            @body
            Start with [the kickoff](first-meeting.html).
            """,
    }
    site = make_site(tmp_path, pages, CONFIG)
    run = trustdocs(site, "check")
    assert run.code == 0 and ": warning: " not in run.err, run.err


def test_a_redirect_that_takes_a_page_or_generated_files_place_is_an_error(tmp_path, trustdocs):
    pages = {
        **RENAMED,
        "consulting/kickoff.md": """
            @page learn-technology-consulting/kickoff Kickoff
            @parent learn-technology-consulting 1
            @redirect learn-technology-consulting/communication
            @redirect print.html
            @redirect first-meeting
            @body
            Hello.
            """,
    }
    config = CONFIG + "  first-meeting: learn-technology-consulting/communication\n"
    config += "  gone: learn-technology-consulting/comunication\n"
    site = make_site(tmp_path, pages, config)
    run = trustdocs(site, "build")
    assert run.code == 1
    errors = [line for line in run.err.splitlines() if ": error: " in line]
    assert errors == [
        "content/consulting/kickoff.md:3:1: error: redirect from "
        "'learn-technology-consulting/communication' would be written to "
        "learn-technology-consulting/communication.html, where page "
        "'learn-technology-consulting/communication' is written (page "
        "'learn-technology-consulting/communication' is at "
        "content/consulting/communication.md:1; a redirect only takes an unused address)",
        "content/consulting/kickoff.md:4:1: error: redirect from 'print.html' would be written "
        "to print.html, but print.html is the print page",
        "site.yaml:5:1: error: redirect from 'first-meeting' would be written to "
        "first-meeting.html, like the redirect to 'learn-technology-consulting/kickoff' "
        "(declared at content/consulting/kickoff.md:5)",
        "site.yaml:6:1: error: redirect to unknown page "
        "'learn-technology-consulting/comunication' "
        "(did you mean 'learn-technology-consulting/communication'?)",
    ]
    assert not (site / "site").exists()


def test_a_redirect_whose_file_is_anothers_only_where_case_is_ignored_is_left_out(
    tmp_path, trustdocs
):
    """A page renamed from `Communication` to `communication` keeps its old address where case
    counts, but on macOS or Windows the redirect would replace the page: left out, with a
    warning, as is a second redirect spelled in another case; the site still builds."""
    config = CONFIG + "  Learn-Technology-Consulting/Communication: learn-technology-consulting\n"
    config += "  Old: learn-technology-consulting\n  OLD.html: learn-technology-consulting\n"
    site = make_site(tmp_path, RENAMED, config)
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    warned = [line.split(": warning: ")[1] for line in run.err.splitlines() if "redirect" in line]
    assert warned[0].startswith(
        "redirect from 'Learn-Technology-Consulting/Communication' would be written to "
        "Learn-Technology-Consulting/Communication.html, which is "
        "learn-technology-consulting/communication.html where case is ignored (on macOS and "
        "Windows), where page 'learn-technology-consulting/communication' is written: left out"
    )
    assert warned[1] == (
        "redirect from 'OLD.html' would be written to OLD.html, which is Old.html where case "
        "is ignored (on macOS and Windows), like the redirect to 'learn-technology-consulting': "
        "left out (declared at site.yaml:6)"
    )
    assert len(warned) == 2
    written = {p.name for p in (site / "site").iterdir()}
    assert "Old.html" in written and "OLD.html" not in written
    page = site / "site" / "learn-technology-consulting" / "communication.html"
    assert "Communicating with Clients" in page.read_text()


def test_a_redirect_that_is_a_site_file_where_case_is_ignored_is_an_error(tmp_path, trustdocs):
    site = make_site(tmp_path, RENAMED, CONFIG + "  PRINT: learn-technology-consulting\n")
    run = trustdocs(site, "check")
    assert run.code == 1
    assert (
        "error: redirect from 'PRINT' would be written to PRINT.html, but print.html is the "
        "print page, and PRINT.html is print.html where case is ignored (on macOS and Windows)"
    ) in run.err


def test_redirects_in_site_yaml_must_be_text(tmp_path, trustdocs):
    site = make_site(tmp_path, CONSULTING, "title: T\nredirects:\n  old: [a, b]\n")
    run = trustdocs(site, "check")
    assert run.code == 2
    assert "site.yaml:3:1: error: each redirect maps an old path to a page name, as text" in run.err


def test_a_redirect_with_words_after_its_old_name_is_told(tmp_path, trustdocs):
    """A page's name holds no space: `@redirect Old Name With Spaces` redirects from `Old`, and
    the rest, lost in silence before, is told."""
    pages = {
        **CONSULTING,
        "consulting/kickoff.md": CONSULTING["consulting/kickoff.md"].replace(
            "@body", "@redirect old-wrapup and more words\n@body", 1
        ),
    }
    site = make_site(tmp_path, pages)
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    assert (
        "warning: @redirect takes one old name: 'and more words' after 'old-wrapup' is not part "
        "of it (write one @redirect line for each old name)"
    ) in run.err
    assert (site / "site" / "old-wrapup.html").is_file()


def test_each_page_maps_the_old_addresses_of_the_lessons_it_shows_the_progress_of(
    tmp_path, trustdocs
):
    """A learner's progress on a renamed lesson follows it (progress.js): the home page maps
    every old address to its lesson; another page, those of the lessons its sidebar lists and
    its own, so that a course with thousands of redirects does not repeat them on every page.
    The home page keeps its map on the progress section too: a theme whose base.html predates
    the map on every page still has it there."""
    pages = {
        "index.md": "@page home Home\n@body\nHi.\n",
        "a.md": "@page a Chapter A\n@parent home 1\n@body\nA.\n",
        "b.md": "@page b Chapter B\n@parent home 2\n@body\nB.\n",
        "a1.md": "@page a/one One\n@parent a 1\n@redirect old-one\n@body\n1.\n",
        "b1.md": "@page b/two Two\n@parent b 1\n@body\n2.\n",
    }
    site = make_site(tmp_path, pages)
    assert trustdocs(site, "build").code == 0
    out = site / "site"

    def moved(path: str) -> list[str]:
        return [tag["data-moved"].strip() for tag in soup(out / path).select("[data-moved]")]

    assert moved("index.html") == ["old-one.html a/one.html"]
    assert moved("a/one.html") == ["../old-one.html one.html"]
    assert moved("a.html") == ["old-one.html a/one.html"]  # a's list is open on its own page
    assert moved("b/two.html") == []  # its sidebar lists chapter B's lessons, not a/one
    base = (REPO / "themes" / "default" / "base.html").read_text()
    old_base = re.sub(r"\{% if moved and not home_is_current %\}.*?\{% endif %\}", "", base)
    assert old_base != base
    (site / "themes" / "default").mkdir(parents=True)
    (site / "themes" / "default" / "base.html").write_text(old_base)
    assert trustdocs(site, "build").code == 0
    assert moved("index.html") == ["old-one.html a/one.html"]


def test_a_redirect_from_a_file_that_is_no_html_page_is_told(tmp_path, trustdocs):
    """A redirect is a page written at OLD.html: from `x.php`, `robots.txt` or `old.htm` it is
    written to `x.php.html`, which a request for `x.php` never asks for. Each is told at its
    line (with --strict, it fails the build); page names with a dot (`v1.2`), folders and
    `.html` addresses are redirects as usual."""
    pages = {
        **RENAMED,
        "consulting/kickoff.md": RENAMED["consulting/kickoff.md"].replace(
            "@body", "@redirect legacy/kickoff.htm\n@body", 1
        ),
    }
    config = CONFIG + (
        "  index.php: learn-technology-consulting\n"
        "  robots.txt: learn-technology-consulting\n"
        "  release/v1.2: learn-technology-consulting\n"
        "  old/: learn-technology-consulting\n"
    )
    site = make_site(tmp_path, pages, config)
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    warned = [line for line in run.err.splitlines() if ": warning: " in line]
    hint = (
        "a redirect is a page, for an old page's name, address or folder: redirect other files "
        "in the host's own settings, or, if '{old}' was a page's name, write {old}.html"
    )
    assert warned == [
        "content/consulting/kickoff.md:5:1: warning: redirect from 'legacy/kickoff.htm' is "
        "written to legacy/kickoff.htm.html, which a request for legacy/kickoff.htm never "
        f"reaches ({hint.format(old='legacy/kickoff.htm')})",
        "site.yaml:5:1: warning: redirect from 'index.php' is written to index.php.html, which "
        f"a request for index.php never reaches ({hint.format(old='index.php')})",
        "site.yaml:6:1: warning: redirect from 'robots.txt' is written to robots.txt.html, "
        f"which a request for robots.txt never reaches ({hint.format(old='robots.txt')})",
    ]
    out = site / "site"
    assert (out / "release" / "v1.2.html").is_file() and (out / "old" / "index.html").is_file()
    assert trustdocs(site, "check", "--strict").code == 1
