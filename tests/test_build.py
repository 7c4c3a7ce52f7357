"""End to end: build small sites in temporary folders and read the HTML as a browser would."""

import hashlib
import json
import textwrap
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import CONSULTING, built_html, make_site, write_files


def soup(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def tree_digest(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_consulting_site_links_ids_pager_and_sidebar(tmp_path, trustdocs):
    site = make_site(tmp_path, CONSULTING)
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    assert "built 5 pages" in run.err
    out = site / "site"
    assert (out / "index.html").is_file()
    page = soup(out / "learn-technology-consulting" / "building-rapport.html")

    body = page.select_one(".body")
    links = {a.get_text(): a["href"] for a in body.find_all("a")}
    assert links["Communicating with Clients"] == "communication.html"
    assert links["App Summary Document"] == "transitioning-to-delivery.html#app-summary-document"
    assert body.find("a", string="Communicating with Clients")["title"] == "Raise problems early."

    assert [h["id"] for h in body.find_all(["h2", "h3"])] == [
        "trust",
        "whats-next",
        "step-1--dont-panic",
        "trust-1",
    ]
    assert page.title.string == "Building Trust and Rapport · Test Course"
    assert "livereload" not in str(page)  # the preview's reload script stays out of built sites
    assert page.find("meta", attrs={"name": "description"})["content"].startswith("Best practices")
    assert page.select_one("a[rel=prev]")["href"] == "communication.html"
    assert page.select_one("a[rel=next]")["href"] == "transitioning-to-delivery.html"

    sidebar = page.find("nav", attrs={"aria-label": "Course"})
    assert [a.get_text() for a in sidebar.select("ul a")] == [
        "Kickoff",
        "Communicating with Clients",
        "Building Trust and Rapport",
        "Transitioning to Delivery",
    ]
    assert sidebar.select_one("[aria-current=page]").get_text() == "Building Trust and Rapport"
    crumbs = page.find("nav", attrs={"aria-label": "Breadcrumb"})
    assert crumbs.find("a")["href"] == "../index.html"
    outline = page.find("nav", attrs={"aria-label": "On this page"})
    assert [a["href"] for a in outline.find_all("a")] == [
        "#trust",
        "#whats-next",
        "#step-1--dont-panic",
        "#trust-1",
    ]
    # The anchor target really exists.
    target = soup(out / "learn-technology-consulting" / "transitioning-to-delivery.html")
    assert target.find(id="app-summary-document") is not None


def test_broken_site_reports_everything_and_keeps_previous_output(tmp_path, trustdocs):
    site = make_site(tmp_path, CONSULTING)
    assert trustdocs(site, "build").code == 0
    before = tree_digest(site / "site")
    broken = dict(CONSULTING)
    broken["consulting/kickoff.md"] = """
        @page learn-technology-consulting/kickoff Kickoff
        @parent learn-technology-consuling 1
        @body
        See [learn-technology-consulting/comunication] and
        [learn-technology-consulting/communication#bad-news-erly the news].
        """
    broken["consulting/copy.md"] = """
        @page learn-technology-consulting/communication Another
        @parent learn-technology-consulting 9
        """
    make_site(tmp_path, broken)
    run = trustdocs(site, "build")
    assert run.code == 1
    lines = run.err.splitlines()
    assert (
        "content/consulting/kickoff.md:2:1: error: unknown parent 'learn-technology-consuling' "
        "(did you mean 'learn-technology-consulting'?)" in lines
    )
    assert (
        "content/consulting/kickoff.md:4:5: warning: unknown page 'learn-technology-consulting/comunication' "
        "(did you mean 'learn-technology-consulting/communication'?)" in lines
    )
    assert (
        "content/consulting/kickoff.md:5:1: error: page 'learn-technology-consulting/communication' "
        "has no anchor '#bad-news-erly' (closest: bad-news-early)" in lines
    )
    duplicate = [line for line in lines if "duplicate page name" in line]
    assert len(duplicate) == 1
    assert (
        "content/consulting/communication.md" in duplicate[0]
        and "content/consulting/copy.md" in duplicate[0]
    )
    assert lines[-1].startswith("not built (previous output left as it was)")
    assert tree_digest(site / "site") == before


def test_strict_fails_on_warnings_and_check_writes_nothing(tmp_path, trustdocs):
    pages = dict(CONSULTING)
    pages["notes/README.md"] = "# Notes for authors\n"
    site = make_site(tmp_path, pages)
    run = trustdocs(site, "check")
    assert run.code == 0 and "content/notes/README.md:1:1: warning: no @page tag" in run.err
    assert not (site / "site").exists()
    assert trustdocs(site, "build", "--strict").code == 1
    assert not (site / "site").exists()


def test_builds_are_byte_identical(tmp_path, trustdocs):
    site = make_site(tmp_path, CONSULTING)
    assert trustdocs(site, "build", "--output", "one").code == 0
    assert trustdocs(site, "build", "--output", "two", "--no-cache").code == 0
    assert len(tree_digest(site / "one")) > 10  # a whole site, not two empty folders
    assert tree_digest(site / "one") == tree_digest(site / "two")


def test_images_files_and_relative_links(tmp_path, trustdocs):
    pages = dict(CONSULTING)
    pages["consulting/img/chart.png"] = "not really a png"
    pages["consulting/kickoff.md"] = """
        @page learn-technology-consulting/kickoff Kickoff
        @parent learn-technology-consulting 1
        @metaogimage img/chart.png
        @body
        ![Chart](img/chart.png) and [the lesson](communication.md#bad-news-early)
        and [old](old-page.html) and [up](../../../outside.html) and ![gone](img/nope.png)
        """
    site = make_site(tmp_path, pages, "title: T\nbase_url: https://courses.example.org/trust/\n")
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    assert (
        "content/consulting/kickoff.md:6:11: warning: link target 'old-page.html' does not exist"
        in run.err
    )
    assert "warning: link '../../../outside.html' goes above the site root" in run.err
    assert "warning: link target 'img/nope.png' does not exist" in run.err
    page = soup(site / "site" / "learn-technology-consulting" / "kickoff.html")
    assert page.find("img", alt="Chart")["src"] == "../consulting/img/chart.png"
    assert (site / "site" / "consulting" / "img" / "chart.png").is_file()
    assert page.find("a", string="the lesson")["href"] == "communication.html#bad-news-early"
    assert page.find("meta", property="og:image")["content"] == (
        "https://courses.example.org/trust/consulting/img/chart.png"
    )
    assert page.find("link", rel="canonical")["href"] == (
        "https://courses.example.org/trust/learn-technology-consulting/kickoff.html"
    )
    sitemap = (site / "site" / "sitemap.xml").read_text()
    assert "<loc>https://courses.example.org/trust/index.html</loc>" in sitemap
    assert (site / "site" / "404.html").is_file()


def kickoff_with_chart(tmp_path: Path, body: str) -> Path:
    """The consulting course with an image beside its lessons' sources (whose pages are written
    elsewhere) and a kickoff lesson of BODY (lines from the file's fourth)."""
    pages = dict(CONSULTING)
    pages["consulting/img/chart.png"] = "not really a png"
    header = "@page learn-technology-consulting/kickoff Kickoff\n"
    header += "@parent learn-technology-consulting 1\n@body\n"
    pages["consulting/kickoff.md"] = header + textwrap.dedent(body).lstrip("\n")
    return make_site(tmp_path, pages)


def test_relative_paths_in_raw_html_are_rewritten_and_checked_as_markdown_ones_are(
    tmp_path, trustdocs
):
    """`<img src>` and `<a href>` of raw HTML, in blocks and inline: a file beside the page's
    source is reached from where the page is written, and a missing target is a warning at its
    line and column; the rest of the HTML stays as written."""
    site = kickoff_with_chart(
        tmp_path,
        """
        <figure class="wide">
          <img class=big src='img/chart.png' alt="A chart" data-src="img/nope.png"/>
          <img src="img/gone.png">
        </figure>

        Inline <a href="communication.md#bad-news-early" title="x=1">the lesson</a>,
        <a href="https://example.org/a.html">out</a> and <a href=old-page.html>old</a>.
        """,
    )
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    shown = "content/consulting/kickoff.md"
    assert f"{shown}:6:13: warning: link target 'img/gone.png' does not exist" in run.err, run.err
    assert f"{shown}:10:58: warning: link target 'old-page.html' does not exist" in run.err, run.err
    assert run.err.count("warning: link") == 2  # data-src is no address trustdocs rewrites
    html = (site / "site" / "learn-technology-consulting" / "kickoff.html").read_text()
    assert (
        """<img class=big src='../consulting/img/chart.png' alt="A chart" data-src="img/nope.png"/>"""
        in html
    )
    assert """<a href="communication.html#bad-news-early" title="x=1">the lesson</a>""" in html
    assert '<a href="https://example.org/a.html">out</a>' in html
    assert "<a href=old-page.html>old</a>" in html


def test_only_real_src_and_href_attributes_of_raw_html_are_read(tmp_path, trustdocs):
    """Not an `href=` inside another attribute's quoted value, nor what a textarea holds, nor
    a base element's address; an address on the tag's next line is reported on that line."""
    site = kickoff_with_chart(
        tmp_path,
        """
        <a title="see href=nope.html now" href="img/chart.png">chart</a>
        <img alt='src="img/gone.png"' src=" img/chart.png ">
        <textarea><a href="inside.html">x</a></textarea>
        <base href="img/">
        <img
           src="img/missing.png">
        """,
    )
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    shown = "content/consulting/kickoff.md"
    problems = [line for line in run.err.splitlines() if line.startswith(shown)]
    assert problems == [f"{shown}:9:9: warning: link target 'img/missing.png' does not exist"]
    html = (site / "site" / "learn-technology-consulting" / "kickoff.html").read_text()
    chart = "../consulting/img/chart.png"
    assert f'<a title="see href=nope.html now" href="{chart}">chart</a>' in html
    assert f"""<img alt='src="img/gone.png"' src="{chart}">""" in html
    assert '<textarea><a href="inside.html">x</a></textarea>' in html
    assert '<base href="img/">' in html


def test_hidden_page_is_built_but_left_out_of_sidebar_and_pager(tmp_path, trustdocs):
    pages = dict(CONSULTING)
    pages["consulting/secret.md"] = """
        @page learn-technology-consulting/secret Instructor Notes
        @parent learn-technology-consulting 2
        @hide
        @body
        Notes.
        """
    site = make_site(tmp_path, pages)
    assert trustdocs(site, "build").code == 0
    out = site / "site" / "learn-technology-consulting"
    assert (out / "secret.html").is_file()
    kickoff = soup(out / "kickoff.html")
    assert "Instructor Notes" not in kickoff.select_one("nav.sidebar").get_text()
    assert kickoff.select_one("a[rel=next]")["href"] == "communication.html"


def test_layout_flags_hide_parts_of_the_page(tmp_path, trustdocs):
    site = make_site(
        tmp_path,
        {
            "index.md": """
            @page home Landing
            @hidetitle
            @hidesidebar
            @hidedescription
            @hidecontentnav
            @description Not shown.
            @body
            <div class="landing"><h1>Welcome</h1></div>
            """,
            "a.md": "@page a A\n@parent home 1\n@body\n## One\n",
        },
    )
    assert trustdocs(site, "build").code == 0
    page = soup(site / "site" / "index.html")
    assert page.select_one("h1.page-title") is None
    assert page.select_one("nav.sidebar") is None
    assert page.select_one(".description") is None
    assert page.select_one("nav.pager") is None
    assert page.select_one("div.landing h1").get_text() == "Welcome"


def test_site_theme_overrides_default_templates_file_by_file(tmp_path, trustdocs):
    site = make_site(tmp_path, CONSULTING)
    (site / "themes" / "default" / "partials").mkdir(parents=True)
    (site / "themes" / "default" / "partials" / "sidebar.html").write_text(
        "<nav class='mine'>custom</nav>"
    )
    assert trustdocs(site, "build").code == 0
    page = soup(site / "site" / "index.html")
    assert page.select_one("nav.mine").get_text() == "custom"
    assert page.select_one("h1.page-title") is not None  # the rest still from the default theme


def test_a_style_sheet_or_script_changed_gets_a_new_address(tmp_path, trustdocs):
    """Hosts let browsers keep files for minutes: a page published with a changed theme file
    names it at an address the browser has not kept, and an unchanged file at the same one."""
    site = make_site(tmp_path, CONSULTING)

    def addresses() -> dict[str, str]:
        assert trustdocs(site, "build").code == 0
        page = soup(site / "site" / "learn-technology-consulting" / "kickoff.html")
        found = [t["href"] for t in page.find_all("link", href=True)]
        found += [t["src"] for t in page.find_all("script", src=True)]
        return {url.split("?")[0]: url for url in found if "_assets/" in url}

    before = addresses()
    assert set(before) >= {
        "../_assets/style.css",
        "../_assets/search.js",
        "../_assets/pygments.css",
    }
    assert all("?v=" in url for url in before.values()), before
    for url in before.values():  # each address names the file's bytes as written
        path, version = url.split("?v=")
        written = (site / "site" / "learn-technology-consulting" / path).resolve().read_bytes()
        assert hashlib.sha256(written).hexdigest().startswith(version)
    assert addresses() == before  # built again, nothing changed: the same addresses
    style = site / "themes" / "default" / "assets" / "style.css"
    style.parent.mkdir(parents=True)
    style.write_text("body { color: black; }\n", encoding="utf-8")
    after = addresses()
    assert after["../_assets/style.css"] != before["../_assets/style.css"]
    assert {k: v for k, v in after.items() if "style.css" not in k} == {
        k: v for k, v in before.items() if "style.css" not in k
    }


def test_code_is_highlighted_at_build_time(tmp_path, trustdocs):
    site = make_site(
        tmp_path, {"index.md": "@page home Home\n@body\n```python\ndef f():\n    return 1\n```\n"}
    )
    assert trustdocs(site, "build").code == 0
    page = soup(site / "site" / "index.html")
    code = page.select_one("pre.highlight code.language-python")
    assert code.select_one("span.k").get_text() == "def"
    css = (site / "site" / "_assets" / "pygments.css").read_text()
    assert "prefers-color-scheme: dark" in css


def test_parallel_build_equals_serial_build(tmp_path):
    from trustdocs.config import load_config
    from trustdocs.output_folder import write_output
    from trustdocs.site import Site

    broken = {
        **CONSULTING,
        "consulting/extra.md": "@page x/extra Extra\n@parent learn-technology-consulting 2\n@body\n[learn-technology-consulting/kickoff#nope]\n",
    }
    config = load_config(make_site(tmp_path / "src", broken) / "site.yaml")
    builds = {}
    for workers in (1, 2):
        site = Site(config)
        site.build(workers=workers, minimum=0)
        assert site.workers_used == (workers if workers > 1 else 0)
        write_output(tmp_path / f"out{workers}", site.output_files())
        builds[workers] = (tree_digest(tmp_path / f"out{workers}"), site.diagnostics())
    assert builds[1] == builds[2]
    assert any("has no anchor '#nope'" in d.message for d in builds[2][1])


def test_checklist_boxes_are_labelled_by_their_item_text(tmp_path, trustdocs):
    pages = {"index.md": "@page home Home\n@body\n- [ ] Call the sponsor\n- [x] Send the summary\n"}
    site = make_site(tmp_path, pages)
    assert trustdocs(site, "build").code == 0
    boxes = soup(site / "site" / "index.html").select(".body input[type=checkbox]")
    names = [box.find_parent("label").get_text(strip=True) for box in boxes]
    assert names == ["Call the sponsor", "Send the summary"]
    assert [box.has_attr("checked") for box in boxes] == [False, True]


def test_base_url_with_a_path_and_no_trailing_slash(tmp_path, trustdocs):
    pages = dict(CONSULTING)
    pages["consulting/img/chart.png"] = "not really a png"
    pages["consulting/kickoff.md"] = """
        @page learn-technology-consulting/kickoff Kickoff
        @parent learn-technology-consulting 1
        @metaogimage img/chart.png
        @body
        Hello.
        """
    site = make_site(tmp_path, pages, "title: T\nbase_url: https://user.github.io/course\n")
    run = trustdocs(site, "build")
    assert run.code == 0 and "warning" not in run.err, run.err
    out = site / "site"
    page = soup(out / "learn-technology-consulting" / "kickoff.html")
    assert page.find("link", rel="canonical")["href"] == (
        "https://user.github.io/course/learn-technology-consulting/kickoff.html"
    )
    assert page.find("meta", property="og:image")["content"] == (
        "https://user.github.io/course/consulting/img/chart.png"
    )
    sitemap = (out / "sitemap.xml").read_text()
    assert "<loc>https://user.github.io/course/index.html</loc>" in sitemap
    assert "<loc>https://user.github.io/course/learn-technology-consulting/kickoff.html</loc>" in (
        sitemap
    )

    # Served in place of /course/any/depth/typo.html: every URL of the 404 page is absolute.
    not_found = soup(out / "404.html")
    urls = [a["href"] for a in not_found.find_all("a", href=True) if a["href"] != "#content"]
    urls += [tag["href"] for tag in not_found.find_all("link", rel="stylesheet")]
    urls += [tag["src"] for tag in not_found.find_all("script", src=True)]
    assert "https://user.github.io/course/index.html" in urls
    assert "https://user.github.io/course/_assets/style.css" in {u.split("?v=")[0] for u in urls}
    assert "https://user.github.io/course/learn-technology-consulting/kickoff.html" in urls
    assert all(url.startswith("https://user.github.io/course/") for url in urls), urls
    assert not_found.find("html")["data-root"] == "https://user.github.io/course/"
    assert not_found.find("base") is None


def test_a_base_url_with_accents_and_specials_is_escaped_in_every_absolute_url(tmp_path, trustdocs):
    """The sitemap, canonical links and og:url hold URLs, not text: a host with accents is
    written as the DNS knows it, and a path's accents as UTF-8 %XX, as a page's own path is."""
    site = make_site(tmp_path, CONSULTING)
    run = trustdocs(site, "build", "--base-url", "https://bücher.example/kürs&co/")
    assert run.code == 0, run.err
    out = site / "site"
    base = "https://xn--bcher-kva.example/k%C3%BCrs&co/"
    sitemap = (out / "sitemap.xml").read_text()
    assert f"<loc>{base.replace('&', '&amp;')}index.html</loc>" in sitemap
    assert "bücher" not in sitemap and "kürs" not in sitemap
    page = soup(out / "learn-technology-consulting" / "kickoff.html")
    canonical = f"{base}learn-technology-consulting/kickoff.html"
    assert page.find("link", rel="canonical")["href"] == canonical
    assert page.find("meta", property="og:url")["content"] == canonical


def test_without_base_url_the_404_page_links_from_the_domain_root_and_says_so_once(
    tmp_path, trustdocs
):
    site = make_site(tmp_path, CONSULTING)
    run = trustdocs(site, "build")
    assert run.code == 0
    warnings = [line for line in run.err.splitlines() if ": warning: " in line]
    assert len(warnings) == 1
    assert warnings[0].startswith("site.yaml:1:1: warning: base_url is not set: the 404 page")
    assert "set base_url in site.yaml" in warnings[0]
    not_found = soup(site / "site" / "404.html")
    assert not_found.find("link", rel="stylesheet")["href"].startswith("/_assets/style.css?v=")
    assert not_found.find("a", class_="brand")["href"] == "/index.html"
    # Every other page keeps relative links, so the site still works from file://.
    lesson = soup(site / "site" / "learn-technology-consulting" / "kickoff.html")
    assert lesson.find("link", rel="stylesheet")["href"].startswith("../_assets/style.css?v=")
    assert trustdocs(site, "build", "--strict").code == 1


def test_few_edit_builds_leave_nothing_frozen_in_a_process_that_builds_again(tmp_path):
    """A few-edit build loads facts with the collector off and freezes them; garbage cycles left
    from before (a preview, a script or a test that builds many times) must not be frozen for good."""
    import gc
    import weakref

    from trustdocs.build import build_site
    from trustdocs.config import load_config

    site = make_site(tmp_path, CONSULTING)
    config = load_config(site / "site.yaml")
    assert build_site(config).written
    page = site / "content" / "consulting" / "communication.md"

    class Cycle:
        pass

    collecting = gc.isenabled()
    try:
        for edit in range(3):
            page.write_text(
                page.read_text(encoding="utf-8") + f"\nEdit {edit}.\n", encoding="utf-8"
            )
            frozen = gc.get_freeze_count()
            gc.disable()  # the cycle must still be there when the build starts
            garbage = Cycle()
            garbage.me = garbage
            dead = weakref.ref(garbage)
            del garbage
            assert build_site(config).written
            gc.enable()
            gc.collect()
            assert dead() is None, "a garbage cycle from before the build was frozen for good"
            assert gc.get_freeze_count() <= frozen
    finally:
        gc.enable() if collecting else gc.disable()


def test_a_site_whose_content_is_its_own_folder_publishes_no_config_and_no_theme(
    tmp_path, trustdocs
):
    """With `content: .`, the site's folder is its content: its pages and files are published,
    but not the files that make the site (site.yaml, the site's themes/ folder), which a reader
    of the published site has no business reading, nor any path to them."""
    site = tmp_path / "course"
    (site / "themes" / "default" / "partials").mkdir(parents=True)
    (site / "themes" / "default" / "partials" / "sidebar.html").write_text(
        "<nav class='mine'>custom</nav>"
    )
    (site / "site.yaml").write_text("title: Own Folder\ncontent: .\noutput: public\n")
    (site / "index.md").write_text("@page home Home\n@body\nWelcome. ![logo](logo.svg)\n")
    (site / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (site / "notes" / "themes").mkdir(parents=True)  # a content folder of the same name: kept
    (site / "notes" / "themes" / "list.txt").write_text("colours")
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    out = site / "public"
    assert soup(out / "index.html").select_one("nav.mine").get_text() == "custom"
    assert (out / "logo.svg").is_file() and (out / "notes" / "themes" / "list.txt").is_file()
    assert not (out / "site.yaml").exists()
    assert not (out / "themes").exists()
    # a second build, with the first one's output beside the sources, is the same
    before = tree_digest(out)
    assert trustdocs(site, "build", "--no-cache").code == 0
    assert tree_digest(out) == before


def test_a_content_folder_named_themes_is_still_content(tmp_path, trustdocs):
    """Only the themes folder inside a site's content is left out, never the content itself."""
    site = make_site(tmp_path, {}, "title: T\ncontent: themes\n")
    (site / "themes").mkdir()
    (site / "themes" / "index.md").write_text("@page home Home\n@body\nWelcome.\n")
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    assert "Welcome." in (site / "site" / "index.html").read_text()


def test_a_broken_link_after_a_code_span_over_two_lines_is_reported_where_it_stands(
    tmp_path, trustdocs
):
    """Inline rules read a paragraph's code span over two lines as one line: a link after it,
    in Markdown or raw HTML, is still reported at its own line and column."""
    site = kickoff_with_chart(
        tmp_path,
        """
        Run `npm
        test` then read [the notes](gone.html) or <a href="lost.html">these</a>.
        """,
    )
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    shown = "content/consulting/kickoff.md"
    assert f"{shown}:5:29: warning: link target 'gone.html' does not exist" in run.err, run.err
    assert f"{shown}:5:52: warning: link target 'lost.html' does not exist" in run.err, run.err


def test_the_same_broken_link_twice_on_a_line_is_reported_twice(tmp_path, trustdocs):
    """Two links to one missing file on a line are two problems, each at its own column:
    reported once, an author fixes one and meets the other at the next build."""
    site = kickoff_with_chart(
        tmp_path,
        """
        Read [the notes](gone.html), then [the notes](gone.html) again, and ![a](gone.png) ![b](gone.png).
        """,
    )
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    shown = "content/consulting/kickoff.md"
    for col in (18, 47):
        assert f"{shown}:4:{col}: warning: link target 'gone.html' does not exist" in run.err
    for col in (74, 89):
        assert f"{shown}:4:{col}: warning: link target 'gone.png' does not exist" in run.err
    assert run.err.count("does not exist") == 4, run.err


@pytest.mark.parametrize(
    ("glob", "built"),
    [
        ({"pattern": "src/**/*.md", "ignore": "src/*-draft.md"}, {"home", "home/b", "home/c"}),
        ({"pattern": "src/**/*.md", "ignore": "src/**/*-draft.md"}, {"home", "home/c"}),
        ({"pattern": "src/**/*.md", "ignore": ["**/sub/*"]}, {"home", "home/top-draft"}),
        ("src/**.md", {"home", "home/top-draft"}),  # `**` in part of a name is `*`
    ],
)
def test_a_bitdocs_glob_matches_as_bit_docs_matcher_does(tmp_path, trustdocs, glob, built):
    """bit-docs matches its globs with minimatch, where `*` stays within a folder's name:
    `ignore: src/*-draft.md` left out `src/sub/b-draft.md` too here, a page lost with no word
    but an unknown page at a link to it; `src/**.md` was refused. Both now read as there."""
    bitdocs = {"glob": glob, "parent": "home", "dest": "out"}
    (tmp_path / "package.json").write_text(json.dumps({"name": "a", "bit-docs": bitdocs}))
    write_files(
        tmp_path,
        {
            "src/home.md": "@page home Home\n@body\nHi.\n",
            "src/top-draft.md": "@page home/top-draft Top\n@parent home\n@body\nx\n",
            "src/sub/b-draft.md": "@page home/b B\n@parent home\n@body\nx\n",
            "src/sub/c.md": "@page home/c C\n@parent home\n@body\nx\n",
        },
    )
    run = trustdocs(tmp_path, "build")
    assert run.code == 0, run.err
    pages = {"home"} | {f"home/{p.stem}" for p in (tmp_path / "out" / "home").glob("*.html")}
    assert pages == built


def test_a_file_beside_a_bitdocs_page_is_reported_as_not_published(tmp_path, trustdocs):
    """A bit-docs site publishes its pages and its static folder only, as bit-docs does: an image
    beside a lesson is missing from the site, and the warning says why, not only that."""
    bitdocs = {"glob": "src/**/*.md", "parent": "home", "dest": "out", "static": "static"}
    (tmp_path / "package.json").write_text(json.dumps({"name": "a", "bit-docs": bitdocs}))
    (tmp_path / "src").mkdir()
    (tmp_path / "static").mkdir()
    (tmp_path / "src" / "index.md").write_text(
        '@page home Home\n@body\n![chart](chart.png) ![logo](../static/logo.png) <img src="pic.png">\n'
        "[a lesson not written yet](lesson.html)\n"
    )
    for made in ("src/chart.png", "src/pic.png", "static/logo.png"):
        (tmp_path / made).write_bytes(b"\x89PNG")
    run = trustdocs(tmp_path, "build")
    assert run.code == 0, run.err
    why = "(a bit-docs site publishes only its pages and its static folder, static/)"
    assert f"src/index.md:3:10: warning: link target 'chart.png' does not exist {why}" in run.err
    assert f"src/index.md:3:59: warning: link target 'pic.png' does not exist {why}" in run.err
    assert "logo.png" not in run.err
    assert "src/index.md:4:28: warning: link target 'lesson.html' does not exist\n" in run.err
    assert (tmp_path / "out" / "static" / "logo.png").is_file()


def test_a_markdown_or_html_link_to_an_anchor_a_page_lacks_is_a_warning(tmp_path, trustdocs):
    """`[x](communication.md#bad-news)` is checked as a cross-link's anchor is: a typo in the
    fragment, to another page or within the page, is said at its link, with the closest ids."""
    kickoff = """
        @page learn-technology-consulting/kickoff Kickoff
        @parent learn-technology-consulting 1
        @body
        ## Agenda
        [ok](communication.md#bad-news-early) [typo](communication.md#bad-news-eraly)
        <a href="communication.html#gone">raw</a> [here](#agenda) [there](#agneda)
        [encoded](communication.md#Bad%20news) [text](communication.md#:~:text=soon)

        Fine, as the page has them: a note[^1], [the note](#fn1), [back](#fnref1), [top](#top),
        [skip](#content), [menu](communication.md#sidebar). Not: [no note](communication.md#fn1).

        [^1]: A note.
        """
    site = make_site(tmp_path, {**CONSULTING, "consulting/kickoff.md": kickoff})
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    warned = [line for line in run.err.splitlines() if "has no anchor" in line]
    page = "page 'learn-technology-consulting/communication'"
    assert warned == [
        f"content/consulting/kickoff.md:5:46: warning: {page} has no anchor '#bad-news-eraly' "
        "(closest: bad-news-early)",
        f"content/consulting/kickoff.md:6:10: warning: {page} has no anchor '#gone' "
        "(anchors on that page: bad-news-early)",
        "content/consulting/kickoff.md:6:67: warning: page 'learn-technology-consulting/kickoff' "
        "has no anchor '#agneda' (closest: agenda)",
        f"content/consulting/kickoff.md:7:11: warning: {page} has no anchor '#Bad news' "
        "(anchors on that page: bad-news-early)",
        f"content/consulting/kickoff.md:10:68: warning: {page} has no anchor '#fn1' "
        "(anchors on that page: bad-news-early)",
    ]


def test_a_bitdocs_static_folder_that_is_not_there_is_a_warning_at_its_key(tmp_path, trustdocs):
    """A "static" folder misspelled or not checked out: nothing of it can be published."""
    text = '{\n  "bit-docs": {\n    "glob": "src/**/*.md",\n    "parent": "home",\n'
    text += '    "static": "statik"\n  }\n}\n'
    (tmp_path / "package.json").write_text(text)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.md").write_text("@page home Home\n@body\nHello.\n")
    run = trustdocs(tmp_path, "build")
    assert run.code == 0, run.err
    assert (
        'package.json:5:1: warning: "static" names statik, which is not a folder: '
        "nothing is copied from it"
    ) in run.err
    assert (tmp_path / "doc" / "index.html").is_file()  # bit-docs' own output folder


def test_raw_html_left_open_is_closed_where_its_page_ends_with_a_warning(tmp_path, trustdocs):
    """An HTML comment or a <textarea> never closed would take the rest of the page into it:
    the theme's navigation and scripts, and on the print page every later chapter. Each is
    reported where it opened and closed at the end of its page's text."""
    site = make_site(
        tmp_path,
        {
            "index.md": "@page index Home\n@body\nIntro.\n\n<!-- TODO: rewrite\n\n## Practice\n",
            "lesson.md": (
                "@page lesson Lesson Two\n@parent index 1\n@body\n## Lesson two text\n\n"
                'A <!-- whole --> comment, <div title="<!--">a quoted one</div>, `<textarea>`.\n'
                "Type here: <textarea>\n"
            ),
            "last.md": "@page last Last Lesson\n@parent index 2\n@body\nThe end.\n",
        },
    )
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    assert "content/index.md:5:1: warning: HTML comment is never closed" in run.err, run.err
    assert "content/lesson.md:7:12: warning: <textarea> is never closed" in run.err, run.err
    assert run.err.count("never closed") == 2, run.err
    out = site / "site"
    home = BeautifulSoup((out / "index.html").read_text(), "html.parser")
    assert "rewrite" not in home.get_text() and home.select_one("nav.pager, .pager") is not None
    printed = BeautifulSoup((out / "print.html").read_text(), "html.parser")
    titles = [h.get_text() for h in printed.select("section.chapter > h1")]
    assert titles == ["Home", "Lesson Two", "Last Lesson"], titles
    assert "The end." in printed.get_text()


def test_an_element_that_hides_what_it_holds_left_open_is_closed_where_its_page_ends(
    tmp_path, trustdocs
):
    """A <template>, <details>, <dialog>, <select> or <video> never closed, or any element marked
    hidden, would hide the rest of the page in it, the theme's navigation too: each is reported
    where it opened and closed at the end of its page's text. Elements closed as a browser
    closes them (an end tag closes those opened inside it; `<x/>` in SVG) are not reported."""
    pages = {"index.md": "@page index Home\n@body\nIntro.\n"}
    for number, tag in enumerate(["template", "details", "dialog", "select", "video"]):
        # In a paragraph, as a browser reads it: `<details>` ends the paragraph, whose end tag
        # then ends nothing; `</p>` does not reach into a `<template>`; a `<video>` there ends
        # with the paragraph (so it is written on a line of its own).
        opened = "<video controls>" if tag == "video" else f"Use the <{tag}> element here."
        pages[f"{tag}.md"] = (
            f"@page {tag} The {tag}\n@parent index {number}\n@body\n"
            f"{opened}\n\nImportant paragraph after.\n"
        )
    pages["hidden.md"] = (
        "@page hidden Hidden\n@parent index 8\n@body\nText.\n\n"
        '<div class="note" hidden>\n\nSecret.\n'
    )
    pages["closed.md"] = (
        "@page closed Closed\n@parent index 9\n@body\n"
        "<details><summary>Answer</summary>\n\n<div>inner\n\n</details>\n\n"
        '<svg width="4"><path d="M0 0"/><circle r="1"/></svg> and <select><option>a</select>\n\n'
        "<div hidden>x</div> <details open>\n\nShown.\n\n<p>para <b>bold</b>\n"
    )
    site = make_site(tmp_path, pages)
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    for tag in ["template", "details", "dialog", "select", "video"]:
        col = 1 if tag == "video" else 9
        expected = (
            f"content/{tag}.md:4:{col}: warning: <{tag}> is never closed: a browser would hide"
        )
        assert expected in run.err, run.err
    assert "content/hidden.md:6:1: warning: <div hidden> is never closed" in run.err, run.err
    assert run.err.count("never closed") == 6, run.err
    for name in ["template", "details", "hidden"]:
        page = BeautifulSoup((site / "site" / f"{name}.html").read_text(), "html.parser")
        pager = page.select_one("nav.pager, .pager")
        assert pager is not None and pager.find_parent(name) is None, name
        assert pager.find_parent(attrs={"hidden": True}) is None, name


def test_lists_and_quotes_nested_deep_keep_every_line_and_what_follows(tmp_path, trustdocs):
    """markdown-it's CommonMark preset stops reading at 20 levels and drops the rest of the page:
    ten nested lists lost their last item and everything after them. Nesting is now read 96
    levels deep; deeper lines are shown as text, with a warning at the first of them."""
    lines = ["@page index Home", "@body", "Before.", ""]
    lines += ["  " * depth + f"- item{depth}" for depth in range(60)]
    lines += [
        "",
        "After the list.",
        "",
        "## Later heading",
        "",
        ">" * 120 + " Deep quote.",
        "",
        "End.",
    ]
    site = make_site(tmp_path, {"index.md": "\n".join(lines) + "\n"})
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    text = BeautifulSoup((site / "site" / "index.html").read_text(), "html.parser").get_text()
    for kept in [
        *(f"item{depth}" for depth in range(60)),
        "After the list.",
        "Deep quote.",
        "End.",
    ]:
        assert kept in text, kept
    assert "Later heading" in text
    shown = "content/index.md"
    assert f"{shown}:52:97: warning: lists or quotes nested too deep" in run.err, run.err
    assert f"{shown}:70:97: warning: lists or quotes nested too deep" in run.err, run.err
    assert run.err.count("nested too deep") == 2, run.err


def test_a_video_poster_and_an_object_file_of_raw_html_are_rewritten_and_checked(
    tmp_path, trustdocs
):
    """A video's poster image and an object's file (slides as a PDF) beside the lesson's source
    are reached from where the page is written, as its `src` is; a missing one is a warning."""
    site = kickoff_with_chart(
        tmp_path,
        """
        <video src="img/chart.png" poster="img/chart.png" controls></video>
        <object data="img/chart.png" type="application/pdf"></object>
        <video poster="img/typo.png"></video>
        <div class="chart" data="[10, 20, 30]"></div> <my-chart data="sales"></my-chart>
        <form action="login"></form> <blockquote cite="Mark Twain">Quoted.</blockquote>
        """,
    )
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    shown = "content/consulting/kickoff.md"
    assert f"{shown}:6:16: warning: link target 'img/typo.png' does not exist" in run.err, run.err
    assert run.err.count("warning: link") == 1, run.err
    html = (site / "site" / "learn-technology-consulting" / "kickoff.html").read_text()
    chart = "../consulting/img/chart.png"
    assert f'<video src="{chart}" poster="{chart}" controls></video>' in html
    assert f'<object data="{chart}" type="application/pdf"></object>' in html
    # `data` is an address on an object only; a form's action and a quote's cite are left alone.
    assert '<div class="chart" data="[10, 20, 30]"></div> <my-chart data="sales">' in html


def test_a_missing_target_written_with_escapes_is_reported_on_its_own_line(tmp_path, trustdocs):
    """`my\\_file.png` is read as `my_file.png`: the warning looked for that text, found it in
    the prose of the next line, and named that line."""
    site = kickoff_with_chart(
        tmp_path,
        """
        See [a](my\\_file.png) here.
        The file my_file.png is missing.
        """,
    )
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    shown = "content/consulting/kickoff.md"
    assert f"{shown}:4:9: warning: link target 'my_file.png' does not exist" in run.err, run.err


def test_a_problem_on_the_description_line_is_reported_at_its_file_column(tmp_path, trustdocs):
    """The description's first line starts after its tag: columns counted from the tag's end
    pointed 13 characters early."""
    pages = dict(CONSULTING)
    pages["consulting/kickoff.md"] = (
        "@page learn-technology-consulting/kickoff Kickoff\n"
        "@parent learn-technology-consulting 1\n"
        "@description First [a chart](gone.png) line.\n@body\nHello.\n"
    )
    run = trustdocs(make_site(tmp_path, pages), "build")
    assert run.code == 0, run.err
    shown = "content/consulting/kickoff.md"
    assert f"{shown}:3:30: warning: link target 'gone.png' does not exist" in run.err, run.err


def test_a_broken_link_whose_text_is_its_address_is_reported_at_the_address(tmp_path, trustdocs):
    """`[m2.png](m2.png)`: the warning pointed at the text, the first `m2.png` of the line."""
    site = kickoff_with_chart(tmp_path, "Body [m2.png](m2.png) and ![m2.png](m2.png).\n")
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    shown = "content/consulting/kickoff.md"
    for col in (15, 37):
        assert f"{shown}:4:{col}: warning: link target 'm2.png' does not exist" in run.err, run.err


def _print_page_aside(monkeypatch):
    """Write the print page in a forked worker however small the site; count the workers."""
    from trustdocs import workers

    started = []
    monkeypatch.setattr(workers, "PARALLEL_MINIMUM", 1)
    monkeypatch.setattr(workers, "worker_count", lambda: 2)
    real = workers.Aside.__init__

    def counted(self, task):
        started.append(task)
        real(self, task)

    monkeypatch.setattr(workers.Aside, "__init__", counted)
    return started


def test_a_print_page_written_aside_equals_one_written_in_turn(tmp_path, trustdocs, monkeypatch):
    """The print page a worker writes while the search index is made is the very file the build
    writes in turn, and so is every other file; an edit's rebuild writes it again."""
    here = make_site(tmp_path / "here", CONSULTING)
    aside = make_site(tmp_path / "aside", CONSULTING)
    assert trustdocs(here, "build", "--no-cache").code == 0
    started = _print_page_aside(monkeypatch)
    assert trustdocs(aside, "build", "--no-cache").code == 0
    assert len(started) == 1
    assert tree_digest(aside / "site") == tree_digest(here / "site")
    page = aside / "content" / "consulting" / "kickoff.md"
    page.write_text(page.read_text().replace("@body\n", "@body\nA sentence added.\n"))
    assert trustdocs(aside, "build").code == 0
    assert len(started) == 2
    assert "A sentence added." in (aside / "site" / "print.html").read_text()


def test_a_print_page_written_aside_is_not_read_back_for_the_record(
    tmp_path, trustdocs, monkeypatch
):
    """The worker that writes the print page hashes it as it writes it: the build's record takes
    that digest, and the build does not read the page back to hash it (7 MB at 1,000 lessons)."""
    from trustdocs import record

    site = make_site(tmp_path, CONSULTING)
    started = _print_page_aside(monkeypatch)
    read_back: list[str] = []
    real = record.content_digest

    def spy(path):
        read_back.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(record, "content_digest", spy)
    assert trustdocs(site, "build").code == 0
    assert started and "print.html" not in read_back
    assert read_back  # files written moments before the record are read: the spy sees them
    page = site / "content" / "consulting" / "kickoff.md"
    page.write_text(page.read_text().replace("@body\n", "@body\nA sentence added.\n"))
    read_back.clear()
    assert trustdocs(site, "build").code == 0
    assert len(started) == 2 and "print.html" not in read_back
    assert "A sentence added." in (site / "site" / "print.html").read_text()


def test_a_print_template_failing_aside_is_reported_and_keeps_the_output(
    tmp_path, trustdocs, monkeypatch
):
    site = make_site(tmp_path, CONSULTING)
    assert trustdocs(site, "build").code == 0
    before = tree_digest(site / "site")
    started = _print_page_aside(monkeypatch)
    (site / "themes" / "default").mkdir(parents=True)
    (site / "themes" / "default" / "print.html").write_text("<p>\n{{ missing.part }}\n")
    run = trustdocs(site, "build")
    assert started and run.code != 0
    assert any(
        line.startswith("themes/default/print.html:2:") and "error" in line
        for line in run.err.splitlines()
    ), run.err
    assert tree_digest(site / "site") == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site.")) == []


def test_a_print_page_that_cannot_be_written_aside_fails_the_build_cleanly(
    tmp_path, trustdocs, monkeypatch
):
    """A full disk in the worker writing the print page is the build's error, as it is when the
    build writes it in turn; nothing of the half-written output is left."""
    import errno

    from trustdocs import output_folder

    site = make_site(tmp_path, CONSULTING)
    assert trustdocs(site, "build").code == 0
    before = tree_digest(site / "site")
    started = _print_page_aside(monkeypatch)
    real = output_folder.write_file

    def full(target, content):
        if target.name == "print.html":
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        real(target, content)

    monkeypatch.setattr(output_folder, "write_file", full)
    page = site / "content" / "consulting" / "kickoff.md"
    page.write_text(page.read_text().replace("@body\n", "@body\nA sentence added.\n"))
    run = trustdocs(site, "build")
    assert started and run.code == 2
    assert "cannot write the output folder" in run.err and "No space left" in run.err
    assert tree_digest(site / "site") == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site.")) == []


def test_a_failure_here_stops_the_worker_writing_the_print_page(tmp_path, trustdocs, monkeypatch):
    """When writing the other files fails, the worker writing the print page is stopped and
    reaped before the unfinished output is removed: nothing is left behind, nor left running."""
    import errno
    import multiprocessing

    from trustdocs import output_folder
    from trustdocs.search import SEARCH_DIR

    site = make_site(tmp_path, CONSULTING)
    started = _print_page_aside(monkeypatch)
    real = output_folder.FreshOutput.write

    def failing(self, rel, content, digest=""):
        if rel.startswith(SEARCH_DIR):
            raise OSError(errno.EIO, "Input/output error", rel)
        real(self, rel, content, digest)

    monkeypatch.setattr(output_folder.FreshOutput, "write", failing)
    run = trustdocs(site, "build")
    assert started and run.code != 0 and "Input/output error" in run.err
    assert multiprocessing.active_children() == []
    assert not (site / "site").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site.")] == []


def test_pages_are_found_in_path_order_with_their_content_paths(tmp_path):
    """Discovery sorts part by part (`a/b` before `a-c`, as paths sort), and each page's path
    in the content folder is what `relative_to` gives, for names of any characters."""
    from trustdocs.config import load_config
    from trustdocs.files import content_path, discover

    site = make_site(tmp_path, {})
    content = tmp_path / "content"
    names = ["a/b.md", "a-c.md", "a b/é.md", "a.b/x.md", "A/z.md", "a~/q.md", "a/b c/d.md"]
    for name in names:
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text("@page x X\n@body\n", encoding="utf-8")
    config = load_config(site / "site.yaml")
    pages = discover(config).pages
    assert list(pages) == sorted(pages)  # as Path objects sort
    assert [content_path(config, page) for page in pages] == [
        page.relative_to(config.content_dir).as_posix() for page in pages
    ]
    assert {content_path(config, page) for page in pages} >= set(names)


@pytest.mark.parametrize(
    ("html", "left_open"),
    [
        ('<div title="the hidden cost">', ""),  # "hidden" in a value, not the attribute
        ('<div class="note hidden md:block">', ""),
        ('<div data-x="display:none">', ""),
        ("- <details><summary>A</summary>42\n- next", ""),  # the list item ends it
        ("| q | a |\n|---|---|\n| x | <details><summary>s</summary>y |", ""),  # the cell
        ('<svg viewBox="0 0 1 1"><path d="M0 0"/>', ""),  # the next block ends SVG
        ("<ul><li hidden>a<li>b</ul>", ""),  # the next item ends the hidden one
        ('<div style="visibility: hidden">', '<div style="visibility: hidden">'),
        ('<div style="color: red; display:none">', '<div style="display:none">'),
        ('<progress value="1" max="2">', "<progress>"),
        ("<ul>\n<li hidden>secret", "<li hidden>"),
        ("<DETAILS>", "<details>"),
        ("A <video> in a paragraph ends with it.", ""),
        ("A <template> in a paragraph does not.", "<template>"),
        ("Intro <b hidden>secret\n\nnext para", "<b hidden>"),  # opened again in each block
        ('- a <em style="display:none">x\n- b', '<em style="display:none">'),
        ("a <b>bold\n\nb", ""),  # shown, bold: nothing hidden
        ('text <object data="x.html"> more', "<object>"),  # its file shows, not what it holds
        ("<object>fallback", ""),
        ("text <button hidden>x\n\nnext para", "<button hidden>"),  # `</p>` stops at a button
        ("text <button>x</button> ok", ""),
        ('<div style="display:&#110;one">', '<div style="display:none">'),  # read as a browser does
        ('<div style="display:/**/none">', '<div style="display:none">'),
        ('<div style="display:\\6e one">', '<div style="display:none">'),
        ('<div style="visibility:collapse">', '<div style="visibility:collapse">'),
        ('<div style="opacity:0">', '<div style="opacity:0">'),
        (
            '<div style="color: red; opacity: 0.00 !important">',
            '<div style="opacity: 0.00 !important">',
        ),
        ('<div style="opacity:0%">', '<div style="opacity:0%">'),
        ('<div style="opacity: -1">', '<div style="opacity: -1">'),  # read as 0
        ('<span style="font-size:0">', '<span style="font-size:0">'),
        ('<div style="font-size: 0px; color: red">', '<div style="font-size: 0px">'),
        ('<div hidden style="display:none">', "<div hidden>"),
        ('<div style="opacity:0;opacity:1">', ""),  # the last declaration wins
        ('<div style="display:none; display: block">', ""),
        (
            '<div style="display:none !important; display: block">',
            '<div style="display:none !important">',
        ),
        ('<div style="display:block; display:none">', '<div style="display:none">'),
        ('<div style="opacity:0 !important; opacity:1 !important">', ""),
        ("<div popover>", "<div popover>"),  # a popover not shown is not displayed
        ('<div popover id="p">x</div>', ""),
        ('<div style="content-visibility:hidden">', '<div style="content-visibility:hidden">'),
        ('<div style="content-visibility:auto">', ""),
        ('<div style="transform:scale(0)">', '<div style="transform:scale(0)">'),
        (
            '<div style="transform: rotate(1deg) scale(1, 0)">',
            '<div style="transform: rotate(1deg) scale(1, 0)">',
        ),
        ('<div style="transform:scaleY(0)">', '<div style="transform:scaleY(0)">'),
        ('<div style="transform:scale(0.5)">', ""),
        ('<div style="transform:scale(10)">', ""),
        ('<div style="scale: 1 0">', '<div style="scale: 1 0">'),
        ('<div style="scale: 10">', ""),
        ('<div style="height:0;overflow:hidden">', '<div style="height:0; overflow:hidden">'),
        (
            '<div style="max-height:0px; overflow-y: auto">',
            '<div style="max-height:0px; overflow-y: auto">',
        ),
        ('<div style="height:0;overflow-x:hidden">', '<div style="height:0; overflow-x:hidden">'),
        ('<div style="width:0;overflow:clip">', '<div style="width:0; overflow:clip">'),
        ('<div style="height:0">', ""),  # what it holds overflows it, and shows
        ('<div style="height:0;overflow:visible">', ""),
        ('<div style="height:0;overflow-x:clip">', ""),  # clipped across: shown down the page
        ('<div style="opacity: 0.5">', ""),
        ('<div style="opacity:.05">', ""),
        ('<div style="opacity:10%">', ""),
        ('<div style="fill-opacity:0">', ""),  # an SVG shape's fill, not the text
        ('<div style="font-size: 0.9em">', ""),
        ('<div style="--font-size:0">', ""),  # a custom property: nothing until used
        ("<table><td hidden>x", "<td hidden>"),
        ("<table><tr><td hidden><b>a<td>b</table>", ""),  # the next cell ends it
        ("<table><tr hidden><td>a<tr><td>b</table>", ""),  # the next row ends it
        ("<td hidden>outside a table", ""),  # a browser ignores the tag
        ("<table><tr><td hidden>a<tr><td hidden>b</table>", ""),  # the table's end ends its cells
        ("<table><caption hidden>x", "<caption hidden>"),
        ("<table><caption hidden>x<tr><td>a</table>", ""),  # the first row ends it
        ("<table><caption hidden>x</caption><tr><td>a", ""),
        ("<table><tbody hidden><tr><td>a", "<tbody hidden>"),
        ("<table><tbody hidden><tr><td>a<tbody><tr><td>b</table>", ""),  # the next group ends it
        ("<table><thead hidden><tr><th>a</thead><tr><td>b</table>", ""),
        ("<table><colgroup hidden><col><tr><td>a</table>", ""),  # holds no text
        ("<caption hidden>outside a table", ""),  # a browser ignores the tag
    ],
)
def test_only_an_element_left_open_that_hides_the_text_after_it_is_reported(html, left_open):
    """What a browser shows decides: an element whose attribute values say "hidden", one a
    Markdown block closes (a list item, a table cell), SVG that the next block ends, is not
    reported; a style that hides, `<progress>`, a hidden list item, are."""
    from page_body import render_body

    body = render_body(f"Intro.\n\n{html}\n\nAFTERTEXT\n")
    said = [d.message for d in body.diagnostics if "never closed" in d.message]
    assert said == (
        [f"{left_open} is never closed: a browser would hide the rest of the page in it"]
        if left_open
        else []
    )


@pytest.mark.parametrize(
    ("markdown", "said", "closed"),
    [
        ("- a\n  <ul hidden>\n- b\n- c", "<ul hidden>", "</ul>"),
        ("- a <ol hidden>\n- b", "<ol hidden>", "</ol>"),
        ('- a\n  <ul style="display: none">\n- b', '<ul style="display: none">', "</ul>"),
        ("> - a\n>   <ul hidden>\n> - b", "<ul hidden>", "</ul>"),
        ("1. a\n   <ul hidden><li>x\n2. b", "<ul hidden>", "</ul>"),
        ("- a <span hidden><ul>\n- b", "<span hidden>", "</ul></span>"),
        ("- a\n  <ul>\n- b", "", ""),  # b is in that list, and shown
        ("- a\n  <div hidden>\n- b", "", ""),  # the item's end closes a <div>: b is shown
        ("- a\n  <ul hidden><li>x</ul>\n- b", "", ""),  # closed in its item
        ("- a\n- b <ul hidden>", "", ""),  # the last item: the list's end closes it, nothing hid
        ("- a <ul hidden>\n1. b", "", ""),  # an ordered list after it is no item of that list
        ("- a <button hidden>\n- b", "", ""),  # a tight list's paragraphs have no end tag
    ],
)
def test_a_hidden_list_opened_in_a_list_item_is_closed_where_the_item_ends(markdown, said, closed):
    """A browser ignores a list item's end while a list opened in it is open, so the items
    after it go into that list: one hidden would hide them without a word. It is closed where
    its item ends, with a warning; one that hides nothing, or is closed in its item, or after
    which nothing of the list comes, is left as written."""
    from page_body import render_body

    body = render_body(f"Intro.\n\n{markdown}\n\nAFTERTEXT\n")
    found = [d.message for d in body.diagnostics]
    if not said:
        assert found == []
        return
    assert found == [
        f"{said} is not closed in the list item it is written in: a browser would hide what "
        "follows that list item in it"
    ]
    before, item_end, after = body.html.partition("</li>")
    assert before.rstrip().endswith(closed) and item_end  # closed before its item ends
    assert "<li>b</li>" in after and "AFTERTEXT" in after


def test_plaintext_which_nothing_ends_is_shown_as_written_with_a_warning():
    """`<plaintext>` shows the rest of the page, the theme's markup too, as text: no end tag
    ends it. It is written as text, and said."""
    from page_body import render_body

    body = render_body("Intro.\n\n<PLAINTEXT>\n\nAfter.\n")
    (said,) = [d for d in body.diagnostics if "plaintext" in d.message]
    assert (said.line, said.col) == (5, 1) and "nothing ends it" in said.message
    assert "<plaintext" not in body.html.lower() and "&lt;PLAINTEXT>" in body.html


@pytest.mark.parametrize(
    ("markdown", "told", "closed"),
    [
        ('<a href="https://example.org/">link', "<a>", "</a>"),
        ('- a <a href="https://example.org/">link\n- b', "<a>", "</a>"),  # opened again after
        ('<a href="https://a.org/">one <a href="https://b.org/">two', "<a>", "</a>"),  # once
        ("Text <button>press", "<button>", "</button>"),
        ('<a name="old-anchor">', "", "</a>"),  # no link: closed, not told
        ("Some <b>bold and <i>italics", "", "</b></i>"),
        ("<label>x", "", ""),  # the paragraph's end ends it
        ('| a | b |\n|---|---|\n| <a href="https://example.org/">c | d |', "", ""),  # the cell
        ('<table><tr><td><a href="https://example.org/">z</table>', "", ""),
        ('<a href="https://example.org/">x</a> closed', "", ""),
    ],
)
def test_a_link_or_button_left_open_is_told_and_everything_left_open_closed(markdown, told, closed):
    """A browser opens a link left open again in each later block, the theme's too: its controls
    would become part of the link. A link, a button or a label left open is told, and what is
    left open is closed after the text (seen in a browser: `test_browser_site.py`); what a table
    cell or a paragraph ends is neither."""
    from page_body import render_body

    body = render_body(f"Intro.\n\n{markdown}\n\nAFTERTEXT\n")
    said = [d.message for d in body.diagnostics if "never closed" in d.message]
    expected = f"{told} is never closed: a browser would take the rest of the page into it"
    assert said == ([expected] if told else [])
    assert body.html.rpartition("AFTERTEXT</p>")[2].strip() == closed


def test_a_link_to_a_lesson_file_keeps_its_query(tmp_path, trustdocs):
    """`[q](a.md?tab=2#part)` reaches the lesson's page with its query and fragment, as a link
    to any other file keeps them; the query was dropped."""
    links = "[q](a.md?tab=2#part) [r](a.md?x=1) [s](a.md#part)"
    pages = {
        "index.md": f"@page home Home\n@body\n{links}\n",
        "a.md": "@page home/a A\n@parent home\n@body\n## Part\nx\n",
    }
    html = built_html(tmp_path, trustdocs, pages)
    for href in ("home/a.html?tab=2#part", "home/a.html?x=1", "home/a.html#part"):
        assert f'href="{href}"' in html, href


def test_a_page_in_a_markdown_file_not_named_md_is_a_warning(tmp_path, trustdocs):
    """`lesson.markdown` opening with `@page` was published as its raw source, without a page
    and without a word: only `.md` files are pages."""
    pages = dict(CONSULTING)
    pages["extra/lesson.markdown"] = "@page extra Extra\n@body\nText.\n"
    pages["extra/notes.markdown"] = "# Just notes\n"
    site = make_site(tmp_path, pages)
    run = trustdocs(site, "build")
    assert run.code == 0
    told = [line for line in run.err.splitlines() if ".markdown" in line]
    assert told == [
        "content/extra/lesson.markdown:1:1: warning: a page in a .markdown file is not read: "
        "only .md files are pages, and this one is published as it is (rename it to lesson.md)"
    ]


def test_a_page_name_with_a_hash_is_a_warning_at_its_page_line(tmp_path, trustdocs):
    """`[h#a]` reads page h, anchor a: a page named `h#a` can never be cross-linked. It is
    still built (a bit-docs site builds unchanged) and the sidebar reaches it."""
    pages = {
        "index.md": "@page home Home\n@body\nHi.\n",
        "h.md": "@parent home\n@page h#a H\n@body\nX.\n",
    }
    site = make_site(tmp_path, pages)
    run = trustdocs(site, "build")
    assert run.code == 0
    assert (
        "content/h.md:2:1: warning: page name 'h#a' holds '#': no cross-link can name it "
        "([h#a] reads as page 'h' and an anchor)"
    ) in run.err
    assert (site / "site" / "h#a.html").is_file()
    assert 'href="h%23a.html"' in (site / "site" / "index.html").read_text()


def test_names_that_differ_only_in_how_an_accent_is_encoded_say_so(tmp_path, trustdocs):
    """`café` written as `e` and a combining accent (NFD, as some editors save) is not the page
    `café` (NFC) that looks the same: the unknown parent and the unknown page say why."""
    nfc, nfd = "caf\u00e9", "cafe\u0301"
    pages = {
        "index.md": "@page guide Guide\n@body\nHi.\n",
        "cafe.md": f"@page guide/{nfc} Café\n@parent guide 1\n@body\nX.\n",
        "tea.md": f"@page tea Tea\n@parent guide/{nfd} 2\n@body\nSee [guide/{nfd}].\n",
    }
    run = trustdocs(make_site(tmp_path, pages), "build")
    assert run.code == 1
    said = [line for line in run.err.splitlines() if line.startswith("content/tea.md")]
    assert said == [
        f"content/tea.md:2:1: error: unknown parent 'guide/{nfd}' ('guide/{nfc}' is the same "
        "name with its accent encoded another way: save the files as NFC)",
        f"content/tea.md:4:5: warning: unknown page 'guide/{nfd}' ('guide/{nfc}' is the same "
        "name with its accent encoded another way: save the files as NFC)",
    ]


def test_a_byte_that_is_not_utf8_in_a_body_is_its_one_error_the_page_still_known(
    tmp_path, trustdocs
):
    """One bad byte in a page's body is an error at it, and the build fails; but the page's
    tags are read (the byte replaced), so the pages under it and the links to it are not
    reported as naming an unknown page as well."""
    site = make_site(
        tmp_path,
        {
            "index.md": "@page home Home\n@body\nSee [a] and [a#sec].\n",
            "b.md": "@page b B\n@parent a 1\n@body\nB.\n",
        },
    )
    (site / "content" / "a.md").write_bytes(
        b"@page a A\n@parent home 1\n@body\n## Sec\nbad \xff byte\n"
    )
    for args in (("build",), ("build", "--no-cache"), ("build",)):
        run = trustdocs(site, *args)
        assert run.code == 1
        said = [line for line in run.err.splitlines() if line.startswith("content/")]
        assert said == ["content/a.md:5:5: error: not UTF-8 text (byte 0xff)"]
        assert not (site / "site").exists()


@pytest.mark.parametrize("lessons", [0, 120])  # 120: the pages are read in build workers
def test_a_page_refused_for_its_name_still_has_its_body_checked(tmp_path, trustdocs, lessons):
    """A page whose name is taken by another file, or no page can have, is not built; but the
    problems of its body are reported in the same run, at their lines, not only once its name
    is mended. The page that keeps the name reports its own once."""
    body = "See [zz/yy] and [home#nope].\n@sourceref gone.py\n"
    pages = {
        "index.md": "@page home Home\n@body\n## Start\n",
        "a.md": "@page a A\n@parent home 1\n@body\nSee [zz/yy].\n",
        "copy.md": f"@page a Other\n@parent home 2\n@body\n{body}",
        "evil.md": f"@page ../evil Evil\n@parent home 3\n@body\n{body}",
        **{f"l{n}.md": f"@page l{n} L\n@parent home\n@body\nx\n" for n in range(lessons)},
    }
    run = trustdocs(make_site(tmp_path, pages), "build")
    assert run.code == 1
    said = [line.partition(" (")[0] for line in run.err.splitlines() if line.startswith("content/")]
    assert said == [
        "content/a.md:4:5: warning: unknown page 'zz/yy'",
        "content/copy.md:1:1: error: duplicate page name 'a'",
        "content/copy.md:4:5: warning: unknown page 'zz/yy'",
        "content/copy.md:4:17: error: page 'home' has no anchor '#nope'",
        "content/copy.md:5:1: error: @sourceref file 'gone.py' does not exist",
        "content/evil.md:1:1: error: page name '../evil' must be folders and a name separated by "
        "single '/'",
        "content/evil.md:4:5: warning: unknown page 'zz/yy'",
        "content/evil.md:4:17: error: page 'home' has no anchor '#nope'",
        "content/evil.md:5:1: error: @sourceref file 'gone.py' does not exist",
    ]


def test_a_file_read_by_a_refused_page_is_followed_by_the_next_build(tmp_path, trustdocs):
    """The refused page's `@sourceref` file, out of the content folder, goes away: the next
    build, cached, says so (it did not see the change, and told the last build's problems)."""
    site = make_site(
        tmp_path,
        {
            "index.md": "@page home Home\n@body\nHi.\n",
            "z.md": "@page home Copy\n@body\n@sourceref ../shared/x.py\n",  # index.md wins
        },
    )
    write_files(site, {"shared/x.py": "x = 1\n"})
    run = trustdocs(site, "build")
    assert run.code == 1 and "x.py" not in run.err
    (site / "shared" / "x.py").unlink()
    run = trustdocs(site, "build")
    assert "content/z.md:3:1: error: @sourceref file '../shared/x.py' does not exist" in run.err


def test_a_markdown_file_not_named_md_is_a_page_as_the_page_reader_reads_its_tag(
    tmp_path, trustdocs
):
    """Only a file whose first line is a `@page` tag (as a page's is read: not `@pagex`) is
    told, at that line, blank lines before it counted."""
    pages = dict(CONSULTING)
    pages["extra/word.mdown"] = "@pagex is not a tag\n"
    pages["extra/bare.mkd"] = "@page\n"
    site = make_site(tmp_path, pages)
    (site / "content" / "extra" / "late.markdown").write_text("\n\n@page c/z Z\n@body\nText.\n")
    run = trustdocs(site, "build")
    assert run.code == 0
    told = sorted(line for line in run.err.splitlines() if "is not read" in line)
    assert told == [
        "content/extra/bare.mkd:1:1: warning: a page in a .mkd file is not read: "
        "only .md files are pages, and this one is published as it is (rename it to bare.md)",
        "content/extra/late.markdown:3:1: warning: a page in a .markdown file is not read: "
        "only .md files are pages, and this one is published as it is (rename it to late.md)",
    ]


def test_bad_bytes_in_a_pages_tags_or_a_utf16_file_are_one_error_each(tmp_path, trustdocs):
    """Bad bytes in two pages' names made them one name (a false duplicate); in a tag's value,
    a second message quoting the replaced byte; a UTF-16 file was no page, with only a warning
    (without a byte order mark, UTF-8 reads it as valid)."""
    site = make_site(tmp_path, {"index.md": "@page home Home\n@body\nHi.\n"})
    content = site / "content"
    (content / "c.md").write_bytes(b"@page ch\xe9 A\n@parent home\n@body\nx\n")
    (content / "c2.md").write_bytes(b"@page ch\xe8 B\n@parent home\n@body\nx\n")
    (content / "p3.md").write_bytes(
        b"@page p3 P3\n@parent home \xff\n@outline \xff2\n@hide\xff\n@body\nx\n"
    )
    text = "@page u16 U\n@parent home\n@body\nx\n"
    (content / "u16.md").write_bytes(text.encode("utf-16"))
    (content / "u16le.md").write_bytes(text.encode("utf-16-le"))
    (content / "u32.md").write_bytes(text.encode("utf-32-be"))
    (content / "ru.md").write_bytes(
        "@page ru Урок\n@parent home\n@body\nТекст.\n".encode("utf-16-le")
    )
    run = trustdocs(site, "check", "--no-cache")
    assert run.code == 1
    told = [line for line in run.err.splitlines() if line.startswith("content/")]
    assert told == [
        "content/c.md:1:9: error: not UTF-8 text (byte 0xe9)",
        "content/c2.md:1:9: error: not UTF-8 text (byte 0xe8)",
        "content/p3.md:2:14: error: not UTF-8 text (byte 0xff)",
        "content/ru.md:1:1: error: UTF-16 text: pages are UTF-8 (save the file as UTF-8)",
        "content/u16.md:1:1: error: UTF-16 text: pages are UTF-8 (save the file as UTF-8)",
        "content/u16le.md:1:1: error: UTF-16 text: pages are UTF-8 (save the file as UTF-8)",
        "content/u32.md:1:1: error: UTF-32 text: pages are UTF-8 (save the file as UTF-8)",
    ]


def test_a_page_saved_in_another_encoding_says_that_alone(tmp_path, trustdocs):
    """A page saved as Latin-1: besides its one error, its replaced bytes made an image that
    does not exist, an anchor no heading has, a parent no page is; and a UTF-8 page ending in
    NUL bytes (what a crash leaves) was taken for UTF-16."""
    site = make_site(tmp_path, {"index.md": "@page home Home\n@body\nHi.\n"})
    content = site / "content"
    (content / "café.png").write_bytes(b"png")
    (content / "lesson.md").write_bytes(
        "@page lesson Lesson\n@parent home 1\n@body\n## Résumé\n\n"
        "See [it](#résumé), ![photo](café.png) and [lesson#résumé the same].\n".encode("latin-1")
    )
    (content / "p3.md").write_bytes(b"@page p3 P3\n@parent hom\xe9 1\n@body\nx\n")
    (content / "nul.md").write_bytes(b"@page nul Nul\n@parent home 2\n@body\nText.\n" + b"\0" * 120)
    for args in (("check", "--no-cache"), ("check",), ("check",)):
        run = trustdocs(site, *args)
        told = [line for line in run.err.splitlines() if line.startswith("content/")]
        assert told == [
            "content/lesson.md:4:5: error: not UTF-8 text (byte 0xe9)",
            "content/p3.md:2:12: error: not UTF-8 text (byte 0xe9)",
        ], args
