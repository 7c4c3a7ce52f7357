"""render.py: a page renders from the page and the snapshot alone; themes override file by file."""

from conftest import CONSULTING, make_site

from trustdocs.config import load_config
from trustdocs.render import Theme, render_page
from trustdocs.site import Site


def loaded_site(tmp_path, pages=CONSULTING):
    site = Site(load_config(make_site(tmp_path, pages) / "site.yaml"))
    site.build()
    return site


def test_render_is_pure_and_records_the_pages_it_shows(tmp_path):
    site = loaded_site(tmp_path)
    name = "learn-technology-consulting/building-rapport"
    first = render_page(site.pages.full(name), site.snapshot, site.theme)
    second = render_page(site.pages.full(name), site.snapshot, site.theme)
    assert first.html == second.html  # rendering twice changes nothing (tokens are not mutated)
    assert first.output == "learn-technology-consulting/building-rapport.html"
    course = "learn-technology-consulting"
    assert {
        (f"{course}/communication", "description"),  # cross-link's title= attribute
        (f"{course}/communication", "title"),  # cross-link text
        (f"{course}/transitioning-to-delivery", "anchors"),  # anchor link
    } <= first.uses
    assert {
        f"{course}/communication",  # previous, sidebar
        f"{course}/transitioning-to-delivery",  # next
        course,  # breadcrumb
    } <= first.titles
    assert (f"{course}/communication", "anchors") not in first.uses  # no anchor asked of it
    assert name not in {shown for shown, _ in first.uses}
    # The frames of two pages that show the same titles hold one set of them, not one each
    again = render_page(site.pages.full(name), site.snapshot, site.theme)
    assert again.titles is first.titles


def test_broken_template_is_a_diagnostic_at_its_file_and_line(tmp_path):
    theme_dir = tmp_path / "mytheme"
    theme_dir.mkdir()
    (theme_dir / "page.html").write_text("<h1>{{ page.title }}</h1>\n{% if %}\n")
    html, problems = Theme(theme_dir).render("page.html", {"page": {"title": "x"}}, "p.md")
    assert html == ""
    assert problems[0].line == 2 and problems[0].path.endswith("page.html")
    assert "template error" in problems[0].message


def test_site_theme_assets_override_default_ones(tmp_path):
    theme_dir = tmp_path / "mytheme"
    (theme_dir / "assets").mkdir(parents=True)
    (theme_dir / "assets" / "style.css").write_text("body { color: red }")
    assets = Theme(theme_dir).asset_files()
    assert assets["style.css"] == theme_dir / "assets" / "style.css"
    assert "trustdocs.js" in assets  # still from the default theme


def test_outline_nests_subsections_under_their_sections():
    from trustdocs.markdown import Heading
    from trustdocs.render import outline_tree

    headings = (
        Heading(3, "orphan", "Orphan"),
        Heading(2, "a", "A"),
        Heading(3, "a1", "A1"),
        Heading(4, "a1x", "A1x"),
        Heading(3, "a2", "A2"),
        Heading(2, "b", "B"),
    )
    shape = lambda entries: [(e.id, shape(e.children)) for e in entries]  # noqa: E731
    assert shape(outline_tree(headings, 1)) == [("a", []), ("b", [])]
    assert shape(outline_tree(headings, 3)) == [
        ("orphan", []),
        ("a", [("a1", [("a1x", [])]), ("a2", [])]),
        ("b", []),
    ]


def test_a_page_40_levels_deep_shows_a_bounded_sidebar_and_trail(tmp_path):
    from bs4 import BeautifulSoup

    pages = {"p0.md": "@page p0 Home\n@body\nx\n"}
    pages |= {
        f"p{i}.md": f"@page p{i} Page {i}\n@parent p{i - 1}\n@body\nx\n" for i in range(1, 41)
    }
    site = loaded_site(tmp_path, pages)
    html = render_page(site.pages.full("p40"), site.snapshot, site.theme).html
    soup = BeautifulSoup(html, "html.parser")
    trail = [a.get_text() for a in soup.select(".breadcrumbs a")]
    # The course root, a gap that leads up from the nearest ancestors, then the 30 nearest.
    assert trail == ["Home", "…", *(f"Page {i}" for i in range(10, 40))]
    assert soup.select(".breadcrumbs a")[1]["href"] == "p9.html"
    sidebar = soup.select_one("nav.sidebar, .sidebar")
    assert sidebar is not None
    assert max(len(li.find_parents("li")) for li in sidebar.select("li")) < 32


def test_a_deep_page_under_a_hidden_one_has_no_sidebar_gap_into_hidden_pages(tmp_path):
    """A chain nine levels deep whose third level is hidden (with its subtree): the sidebar of
    its deepest page lists the visible levels above it, as a shallow hidden page's does, and
    no "…" that leads into the hidden part."""
    from bs4 import BeautifulSoup

    pages = {"p0.md": "@page p0 Home\n@body\nx\n"}
    pages |= {
        f"p{i}.md": f"@page p{i} Page {i}\n@parent p{i - 1}\n" + "@hide\n" * (i == 3) + "@body\nx\n"
        for i in range(1, 10)
    }
    site = loaded_site(tmp_path, pages)
    for name in ("p5", "p9"):
        html = render_page(site.pages.full(name), site.snapshot, site.theme).html
        sidebar = BeautifulSoup(html, "html.parser").select_one("#sidebar ul")
        assert [a.get_text() for a in sidebar.select("a")] == ["Page 1", "Page 2"], name


def test_a_failing_template_expression_is_a_diagnostic_at_its_line(tmp_path):
    theme_dir = tmp_path / "mytheme"
    theme_dir.mkdir()
    (theme_dir / "page.html").write_text("<h1>{{ page.title }}</h1>\n\n{{ 1 // 0 }}\n")
    html, problems = Theme(theme_dir).render("page.html", {"page": {"title": "x"}}, "p.md")
    assert html == ""
    assert (problems[0].line, problems[0].path) == (3, str(theme_dir / "page.html"))
    assert problems[0].message == (
        "template error: ZeroDivisionError: integer division or modulo by zero"
    )


def test_kept_chapters_and_records_read_their_fields_only_when_asked(monkeypatch):
    import pickle

    from trustdocs import render

    record = {"url": "a.html", "page": '["A","text"]', "title": "A", "words": "alpha beta"}
    kept = render.kept_fields(record, ("url", "page"))
    again = pickle.loads(pickle.dumps(kept))  # as the cache gives it back
    loads = []
    real_loads = pickle.loads
    monkeypatch.setattr(render.pickle, "loads", lambda data: loads.append(1) or real_loads(data))
    assert again["url"] == "a.html" and again["page"] == '["A","text"]'
    assert loads == []  # what the search index takes of every page, at hand
    assert again["words"] == "alpha beta" and len(loads) == 1
    assert again == record and dict(again) == record and len(again) == 4
