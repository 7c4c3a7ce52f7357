"""markdown/headings.py: heading ids (FORMAT.md §5) and raw HTML ids."""

import pytest
from page_body import render_body

from trustdocs.markdown import heading_id, parse_markdown


def parse(text: str):
    lines = tuple(range(10, 10 + text.count("\n") + 1))
    return parse_markdown(text, "content/p.md", lines, frozenset({"academy"}))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("App Summary Document", "app-summary-document"),
        ("What's next?", "whats-next"),
        ("Step 1 – Don’t Panic!", "step-1--dont-panic"),
        ("snake_case and-dash", "snake_case-and-dash"),
        ("Ünïcode Wörds", "ünïcode-wörds"),
    ],
)
def test_heading_ids_follow_the_format(text, expected):
    assert heading_id(text) == expected


def test_duplicate_headings_get_numbered_ids_and_raw_html_ids_are_anchors():
    parsed, _ = parse('## Trust\n\n## Trust\n\n## Trust\n\nx <span id="the-key-prop">k</span>\n')
    assert [h.id for h in parsed.headings] == ["trust", "trust-1", "trust-2"]
    assert parsed.anchors == {"trust", "trust-1", "trust-2", "the-key-prop"}


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("## See [can-core]", "see-canjs-core"),
        ("## See [can-core the core]", "see-the-core"),
        ("## Read [the guide](https://example.com)", "read-the-guide"),
        ("## Logo ![the logo](https://example.com/l.png)", "logo-the-logo"),
        ("## Caf&eacute; menu", "café-menu"),
        ("## The \\_\\_init\\_\\_ method", "the-__init__-method"),
        ("## Fish &amp; chips", "fish--chips"),
    ],
)
def test_a_heading_id_comes_from_its_whole_visible_text(heading, expected):
    body = render_body(heading, {"can-core": "CanJS Core"})
    assert body.parsed.headings[0].id == expected
    assert f'id="{expected}"' in body.html


def test_a_heading_shows_its_entities_and_escaped_characters_in_the_outline():
    body = render_body("## Fish &amp; chips\n\n## Caf&eacute; \\*menu\\*\n")
    assert [h.text for h in body.parsed.headings] == ["Fish & chips", "Café *menu*"]


def test_a_heading_of_tags_keeps_an_id_and_shows_the_word_in_bitdocs_sites():
    bitdocs = render_body("## <base-href>\n", bitdocs=True)
    assert bitdocs.html == '<h2 id="base-href">&lt;base-href&gt;</h2>\n'
    assert bitdocs.diagnostics == []

    site = render_body("text\n\n## <base-href>\n")
    assert site.html.endswith('<h2 id="base-href"><base-href></h2>\n')
    (warning,) = site.diagnostics
    assert (warning.line, warning.col, warning.severity) == (5, 4, "warning")
    assert "`<base-href>`" in warning.hint


def test_no_heading_id_is_ever_empty():
    body = render_body("## <b></b>\n\n##\n\n## !!!\n")
    assert all(heading.id for heading in body.parsed.headings)
    assert 'id=""' not in body.html


def test_many_repeated_headings_number_on_and_skip_taken_ids():
    """Each repeat goes on from the last number (thousands of repeats stay linear)."""
    text = "## a-1\n\n" + "## a\n\n" * 3000
    parsed, _ = parse(text)
    ids = [h.id for h in parsed.headings]
    assert ids[:4] == ["a-1", "a", "a-2", "a-3"]
    assert ids[-1] == "a-3000" and len(set(ids)) == len(ids)


def test_a_heading_never_takes_an_id_that_raw_html_of_the_page_has():
    """`<a id="setup">` then `## Setup` gave two elements one id: a link to `#setup` reached
    the first. The heading takes the next free id; a form field's name is no anchor to avoid."""
    body = render_body('<a id="setup"></a>\n\n## Setup\n\n<input name="email">\n\n## Email\n')
    assert [h.id for h in body.parsed.headings] == ["setup-1", "email"]
    assert body.html.count('id="setup"') == 1


def test_no_two_elements_of_a_built_page_share_an_id(tmp_path, trustdocs):
    """A heading never takes an id the page has already: the theme's (`#content`, `#sidebar`,
    `#search-results`), a footnote's (`#fn1`), or one of the description's headings; its outline
    link and a cross-link to it reach the heading, not the element that had the id first."""
    from collections import Counter

    from bs4 import BeautifulSoup
    from conftest import REPO, make_site

    site = make_site(
        tmp_path,
        {
            "index.md": (
                "@page course Course\n@body\nSee [course/a#content-1], "
                "[course/a#fn-description-1].\n"
            ),
            "a.md": (
                "@page course/a A\n@parent course\n@outline 2\n@description Intro[^d].\n\n"
                "## Overview\n\n## Check 1\n\n## Setup\n\n[^d]: Described.\n"
                "@body\n## Overview\n\n## Content\n\n## Sidebar\n\n## Banner\n\n"
                "## Search results\n\n## FN1\n\nText[^x].\n\n[^x]: A note.\n\n"
                '<a id="setup"></a>Set up.\n\n::: check Q?\n- [x] Yes.\n- [ ] No.\n:::\n'
            ),
        },
    )
    theme = site / "themes" / "default"
    theme.mkdir(parents=True)
    base = (REPO / "themes" / "default" / "base.html").read_text()
    (theme / "base.html").write_text(base.replace("<body", '<div ID="banner"></div><body', 1))
    run = trustdocs(site, "build")
    assert run.code == 0 and "error" not in run.err, run.err
    page = BeautifulSoup((site / "site" / "course" / "a.html").read_text(), "html.parser")
    ids = Counter(element["id"] for element in page.select("[id]"))
    assert [name for name, count in ids.items() if count > 1] == []
    printed = BeautifulSoup((site / "site" / "print.html").read_text(), "html.parser")
    ids = Counter(element["id"] for element in printed.select("[id]"))
    assert [name for name, count in ids.items() if count > 1] == []
    outline = [a["href"] for a in page.select(".outline a")]
    assert outline and all(page.select_one(f"[id='{h[1:]}']").name == "h2" for h in outline)
    assert page.select_one("#content-1").get_text() == "Content"
    # The description's footnote is its own, and a link may name it as it is written.
    assert page.select_one("#fn-description-1") is not None and page.select_one("#fn1")


def test_a_descriptions_footnotes_in_the_print_page_are_no_other_chapters(tmp_path, trustdocs):
    """Page `a`'s description footnotes took `fn-chapter-adescription-1`, which is also the id
    of the footnote of page `adescription`: its "[1]" opened the other page's note."""
    from collections import Counter

    from bs4 import BeautifulSoup
    from conftest import make_site

    site = make_site(
        tmp_path,
        {
            "a.md": "@page a Home\n@description Intro[^1].\n\n[^1]: Desc note.\n@body\nBody.\n",
            "b.md": "@page adescription Six\n@parent a 1\n@body\nSix[^1].\n\n[^1]: Six note.\n",
        },
    )
    assert trustdocs(site, "build").code == 0
    printed = BeautifulSoup((site / "site" / "print.html").read_text(), "html.parser")
    ids = Counter(element["id"] for element in printed.select("[id]"))
    assert [name for name, count in ids.items() if count > 1] == []


def test_raw_html_that_repeats_an_id_of_the_theme_is_a_warning_at_its_line(tmp_path, trustdocs):
    """`<div id="content">` in a lesson: the theme's main element has that id on every page, so
    two elements would share it; a warning names the line, once per id, and an id of the
    author's own, or the theme's id written as text, says nothing."""
    from conftest import make_site

    site = make_site(
        tmp_path,
        {
            "index.md": "@page course Course\n@body\nHome.\n",
            "a.md": (
                "@page course/a A\n@parent course\n@body\nText about #content.\n\n"
                "<div id=\"content\">\nA box.\n</div>\n\nA <span id='sidebar'>span</span>, "
                'a <b id="mine">b</b>, again <i id="content">i</i>.\n\n'
                '```html\n<main id="sidebar"></main>\n```\n'
            ),
        },
    )
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    told = [line for line in run.err.splitlines() if "the theme gives" in line]
    assert [line.split(": warning")[0] for line in told] == [
        "content/a.md:6:10",
        "content/a.md:10:13",
    ]
    assert "'content'" in told[0] and "'sidebar'" in told[1]


@pytest.mark.parametrize(
    ("markdown", "place"),
    [
        # the repeat on a later line of one block: there, not at the block's first line
        ('<div class="box" id="x">\n  <p>A</p>\n  <p id="x">B</p>\n</div>', (7, 10)),
        ("<div class=tax id=tax>A</div><p id=tax>B</p>", (5, 36)),  # the second, not "tax" first
        ('<div id="a&amp;b">\n<p id="a&amp;b">B</p>\n</div>', (6, 8)),  # as written
        ('- item\n\n  <div id="y">\n  <p id="y">B</p>\n  </div>', (8, 10)),  # in a list item
        ('> <div id="q">\n> <p id="q">B</p>\n> </div>', (6, 10)),  # in a quote
    ],
)
def test_a_repeated_id_is_told_where_the_repeat_is_written(markdown, place):
    """The warning points at the value of the repeating attribute: its own line of the block,
    and its column, not the first match of the id's text on the block's first line."""
    body = render_body(f"Intro.\n\n{markdown}\n")
    assert [(d.line, d.col) for d in body.diagnostics] == [place]


@pytest.mark.parametrize(
    ("markdown", "told"),
    [
        ('<a id="x"></a>\n\nText.\n\n<div id="x">B</div>', [(9, "x")]),  # line of the second
        ('<span id="a"></span> and <span id="a"></span>', [(5, "a")]),
        ('Intro <a name="n"></a> and <a name="n"></a>', [(5, "n")]),  # a link's name is a target
        ('<a id="x" name="x"></a> one element', []),
        ('<input name="r" type="radio"><input name="r" type="radio">', []),  # a form's names
        ('<div id="one"></div>\n\n## One', []),  # the heading takes another id
        ('`<div id="x">` shown, and <div id="x"></div>', []),  # code is no element
        ('<a id="check-1"></a>\n\n::: check Which?\n- [x] One.\n- [ ] Two.\n:::', [(5, "check-1")]),
    ],
)
def test_an_id_two_raw_elements_of_a_page_share_is_a_warning(markdown, told):
    """A link to an id two elements have reaches the first alone: raw HTML that repeats one is
    told at the line of the repeat, once; code that shows a tag, a form's field names and one
    element with the same id and name are not."""
    body = render_body(f"Intro.\n\n{markdown}\n")
    found = [(d.line, d.message) for d in body.diagnostics]
    assert found == [
        (
            line,
            f"id '{value}' is another element's on this page too: a link to '#{value}' reaches "
            "the first of them",
        )
        for line, value in told
    ]


@pytest.mark.parametrize(
    ("description", "hide", "told"),
    [
        ('See <a id="x">here</a>.', "", ["content/a.md:7:10"]),  # at the body's repeat
        ('See <a id="x">here</a>.', "@hidedescription\n", []),  # only the body is on the page
        ("See the box.", "", []),
        ("x\n\n## x", "", []),  # a description heading's id gives way: no repeat
    ],
)
def test_raw_html_repeating_an_id_of_the_description_is_a_warning(
    tmp_path, trustdocs, description, hide, told
):
    """The description and the body are one page: an id that raw HTML in both writes is two
    elements', and a link to it reaches the description's. A description hidden from the page
    shares nothing; a description heading's id gives way to the body's, and is no repeat."""
    from conftest import make_site

    site = make_site(
        tmp_path,
        {
            "index.md": "@page course Course\n@body\nHome.\n",
            "a.md": (
                f"@page course/a A\n@parent course\n{hide}@description {description}\n"
                '@body\nIntro.\n\n<div id="x">B</div>\n'
            ),
        },
    )
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    said = [line.split(": warning")[0] for line in run.err.splitlines() if "'x'" in line]
    assert said == told, run.err
