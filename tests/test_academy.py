"""A real bit-docs academy, built unchanged with `trustdocs build` and read like a browser would.

The fixture and what its build must produce are described in tests/fixtures/academy/EXPECTED.md.
"""

from __future__ import annotations

import itertools
import json
import posixpath
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from browser import chromium, screenshot
from bs4 import BeautifulSoup, Tag

FIXTURE = Path(__file__).parent / "fixtures" / "academy"
MISTAKES = "src/git/3-mistakes"
DIAGNOSTIC = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning): (?P<message>.*)$",
    re.MULTILINE,
)

# page name, title, output file, shown in the sidebar and previous/next
PAGES = [
    ("academy", "Example Academy", "index.html", True),
    ("learn-react", "Learn React", "learn-react.html", True),
    ("learn-react/setup", "Setting Up", "learn-react/setup.html", True),
    ("learn-react/jsx", "Introduction to JSX", "learn-react/jsx.html", True),
    ("learn-react/components", "Components", "learn-react/components.html", True),
    ("learn-react/props", "Props", "learn-react/props.html", True),
    (
        "learn-react/instructor-notes",
        "Instructor Notes",
        "learn-react/instructor-notes.html",
        False,
    ),
    (
        "learn-react/instructor-notes/grading",
        "Grading Rubric",
        "learn-react/instructor-notes/grading.html",
        False,
    ),
    ("learn-git", "Learn Git", "learn-git.html", True),
    ("learn-git/basics", "Git Basics", "learn-git/basics.html", True),
    ("learn-git/branching", "Branching and Merging", "learn-git/branching.html", True),
    ("learn-git/undoing-commits", "Undoing Commits", "learn-git/undoing-commits.html", True),
    ("learn-git/cheat-sheet", "Git Cheat Sheet", "learn-git/cheat-sheet.html", True),
]
OUTPUTS = [output for _, _, output, _ in PAGES]
VISIBLE_ORDER = [output for _, _, output, visible in PAGES if visible]
HIDDEN_TITLES = ["Instructor Notes", "Grading Rubric", "Common Mistakes"]

# heading ids of each page, in order (EXPECTED.md "All ids per page")
HEADING_IDS = {
    "learn-react.html": ["overview", "before-you-begin", "lessons"],
    "learn-react/setup.html": [
        "overview",
        "install-nodejs",
        "create-the-project",
        "your-first-element",
        "whats-next",
    ],
    "learn-react/jsx.html": [
        "what-is-jsx",
        "embedding-expressions",
        "where-jsx-differs-from-html",
        "exercise",
    ],
    "learn-react/components.html": [
        "what-is-a-component",
        "naming-rules",
        "coming-from-angular",
        "rendering-lists",
        "why-react-asks-for-keys",
        "exercise-1-render-a-list",
        "the-problem",
        "the-solution",
        "exercise-2-count-whats-left",
        "the-problem-1",
        "the-solution-1",
    ],
    "learn-react/props.html": [
        "props-are-function-arguments",
        "default-values",
        "passing-children",
        "templates-for-comparison",
        "exercise",
        "whats-next",
    ],
    "learn-react/instructor-notes.html": [
        "timing",
        "before-the-session",
        "common-questions",
        "why-do-i-need-keys",
        "is-jsx-required",
    ],
    "learn-react/instructor-notes/grading.html": ["rubric", "feedback"],
    "learn-git.html": ["overview", "lessons"],
    "learn-git/basics.html": [
        "configure-git",
        "your-first-commit",
        "staging-changes",
        "committing",
        "reading-a-diff",
        "hooks",
    ],
    "learn-git/branching.html": ["create-a-branch", "merge-a-branch", "resolve-a-conflict"],
    "learn-git/undoing-commits.html": [
        "step-1--dont-panic",
        "amend-the-last-commit",
        "undo-a-commit-you-have-not-pushed",
        "revert-a-pushed-commit",
        "whats-next",
    ],
    "learn-git/cheat-sheet.html": ["everyday-commands", "undoing-things"],
}

# (line in mistakes.md, severity, words the message must contain)
MISTAKES_REPORTED = [
    (10, "warning", ["learn-react/hooks"]),
    (11, "warning", ["learn-react/setpu", "learn-react/setup"]),
    (12, "error", ["no-such-heading"]),
    (13, "warning", ["my guide.html"]),
    (14, "warning", ["old-page.html"]),
    (15, "warning", ["outside.html"]),
    (19, "warning", ["merge-diagram.png"]),
    (21, "error", ["missing-hook.sh", "does not exist"]),
]


@dataclass
class Academy:
    """A copy of the fixture academy and the result of building it."""

    folder: Path
    code: int
    err: str

    @property
    def site(self) -> Path:
        """The output folder named by package.json's `dest`."""
        return self.folder / "academy-site"

    def page(self, output: str) -> BeautifulSoup:
        """The parsed HTML of one output file."""
        return BeautifulSoup((self.site / output).read_text(encoding="utf-8"), "html.parser")

    def diagnostics(self) -> list[dict[str, str]]:
        """Every `path:line:col: severity: message` line the build printed."""
        return [m.groupdict() for m in DIAGNOSTIC.finditer(self.err)]


def copy_academy(tmp_path: Path, with_mistakes: bool = False) -> Path:
    """A copy of the fixture, without the mistakes lesson unless asked for."""
    folder = tmp_path / "academy"
    shutil.copytree(FIXTURE, folder)
    if not with_mistakes:
        shutil.rmtree(folder / MISTAKES)
    return folder


def build(trustdocs, folder: Path) -> Academy:
    """Run `trustdocs build` in FOLDER, as a user would."""
    run = trustdocs(folder, "build")
    return Academy(folder, run.code, run.err)


@pytest.fixture
def academy(tmp_path, trustdocs) -> Academy:
    """The clean academy (no mistakes lesson), built."""
    built = build(trustdocs, copy_academy(tmp_path))
    assert built.code == 0, built.err
    return built


def resolve(from_output: str, href: str) -> tuple[str, str]:
    """The output file and fragment a relative HREF on page FROM_OUTPUT leads to."""
    parts = urlsplit(href)
    if not parts.path:
        return from_output, parts.fragment
    target = posixpath.normpath(posixpath.join(posixpath.dirname(from_output), unquote(parts.path)))
    return target, parts.fragment


def body_link(soup: BeautifulSoup, text: str) -> Tag:
    """The one link of the lesson body with that text."""
    links = [a for a in soup.select(".body a") if a.get_text(" ", strip=True) == text]
    assert len(links) == 1, f"{len(links)} links read {text!r}"
    return links[0]


def code_block(soup: BeautifulSoup, needle: str) -> Tag:
    """The one code block whose text contains NEEDLE."""
    blocks = [pre for pre in soup.select("pre") if needle in pre.get_text()]
    assert len(blocks) == 1, f"{len(blocks)} code blocks contain {needle!r}"
    return blocks[0]


def marked_lines(pre: Tag) -> list[int]:
    """1-based numbers of the block's marked lines."""
    lines = pre.select("span.line")
    return [n for n, line in enumerate(lines, start=1) if "marked" in line["class"]]


def folded_lines(pre: Tag) -> list[int]:
    """1-based numbers of the block's lines folded away behind an unfold button."""
    lines = pre.select("span.line")
    return [n for n, line in enumerate(lines, start=1) if line.find_parent(class_="fold")]


def code_text(pre: Tag) -> str:
    """What the block's code reads, folded lines included, without the unfold buttons."""
    return "".join(text for text in pre.find_all(string=True) if not text.find_parent("button"))


def exercise(path: str) -> str:
    """The content of a file under the fixture's exercises/ folder."""
    return (FIXTURE / "exercises" / path).read_text(encoding="utf-8")


# --- the site as a whole ---------------------------------------------------------------------------


def test_clean_academy_builds_from_package_json_alone(academy, tmp_path):
    assert (academy.site / "index.html").is_file()
    for image in ("logo.png", "git-branches.png"):
        copied = academy.site / "static" / "img" / image
        assert copied.read_bytes() == (FIXTURE / "static" / "img" / image).read_bytes()
    assert not (academy.site / "src").exists(), "the site is written to dest, not into src/"
    assert "1 non-Markdown file skipped" in academy.err
    assert "0 errors" not in academy.err and " error" not in academy.err

    reported = academy.diagnostics()
    readme = [d for d in reported if d["path"] == "src/README.md"]
    assert [d["severity"] for d in readme] == ["warning"]
    assert "not a page" in readme[0]["message"]
    others = {d["path"] for d in reported} - {"src/README.md", "src/react/2-jsx/demo.js"}
    assert others == set(), academy.err
    assert all(d["severity"] == "warning" for d in reported)

    assert list(tmp_path.rglob("site.yaml")) == []


def test_site_title_is_the_root_pages_title(academy):
    lesson = academy.page("learn-git/basics.html")
    assert lesson.select_one("a.brand").get_text(strip=True) == "Example Academy"
    assert lesson.title.get_text() == "Git Basics · Example Academy"


def test_every_page_is_written_at_its_output_path_with_its_title(academy):
    written = {str(path.relative_to(academy.site)) for path in academy.site.rglob("*.html")} - {
        "404.html",
        "print.html",
    }
    assert written == set(OUTPUTS)
    for name, title, output, _ in PAGES:
        soup = academy.page(output)
        assert soup.title.get_text().startswith(title), name
        if name != "academy":
            assert soup.select_one("h1.page-title").get_text(strip=True) == title


def test_sidebar_shows_visible_pages_in_course_order(academy):
    git = academy.page("learn-git/basics.html")
    assert [a.get_text(strip=True) for a in git.select("nav.sidebar a:not(.sidebar-print)")] == [
        "Example Academy",
        "Learn React",
        "Learn Git",
        "Git Basics",
        "Branching and Merging",
        "Undoing Commits",
        "Git Cheat Sheet",
    ]
    react = academy.page("learn-react/setup.html")
    assert [a.get_text(strip=True) for a in react.select("nav.sidebar a:not(.sidebar-print)")] == [
        "Example Academy",
        "Learn React",
        "Setting Up",
        "Introduction to JSX",
        "Components",
        "Props",
        "Learn Git",
    ]
    for output in OUTPUTS[1:]:
        sidebar = academy.page(output).select_one("nav.sidebar").get_text(" ")
        for hidden in HIDDEN_TITLES:
            assert hidden not in sidebar, f"{hidden} in the sidebar of {output}"


def test_previous_and_next_follow_the_visible_depth_first_order(academy):
    for before, after in itertools.pairwise(VISIBLE_ORDER[1:]):
        next_link = academy.page(before).select_one("nav.pager a[rel=next]")
        assert resolve(before, next_link["href"])[0] == after
        previous_link = academy.page(after).select_one("nav.pager a[rel=prev]")
        assert resolve(after, previous_link["href"])[0] == before
    first = academy.page("learn-react.html").select_one("nav.pager a[rel=prev]")
    assert resolve("learn-react.html", first["href"])[0] == "index.html"
    assert academy.page("learn-git/cheat-sheet.html").select_one("a[rel=next]") is None

    hidden = {output for _, _, output, visible in PAGES if not visible}
    for output in OUTPUTS:
        for link in academy.page(output).select("nav.pager a"):
            assert resolve(output, link["href"])[0] not in hidden, output


def test_landing_page_hides_title_sidebar_description_and_pager(academy):
    landing = academy.page("index.html")
    assert landing.select_one("h1.page-title") is None
    assert landing.select_one("nav.sidebar") is None
    assert landing.select_one(".description") is None
    assert landing.select_one("nav.pager") is None
    assert landing.select_one(".landing h1").get_text() == "Example Academy"
    cards = landing.select(".landing a.course-card")
    assert [(a["href"], a.get_text()) for a in cards] == [
        ("learn-react.html", "Learn React"),
        ("learn-git.html", "Learn Git"),
    ]


# --- heading ids and links -------------------------------------------------------------------------


def test_headings_carry_the_ids_bit_docs_gives_them(academy):
    for output, ids in HEADING_IDS.items():
        headings = academy.page(output).select(".body :is(h1, h2, h3, h4, h5, h6)[id]")
        assert [h["id"] for h in headings] == ids, output
    setup = academy.page("learn-react/setup.html")
    assert setup.find(id="whats-next").get_text(strip=True) == "What's next?"
    assert setup.find(id="install-nodejs").get_text(strip=True) == "Install Node.js"
    undoing = academy.page("learn-git/undoing-commits.html")
    assert undoing.find(id="step-1--dont-panic").get_text(strip=True) == "Step 1 – Don’t Panic!"
    props = academy.page("learn-react/props.html")
    assert props.find(id="passing-children").get_text(" ", strip=True) == "Passing children"
    notes = academy.page("learn-react/instructor-notes.html")
    assert notes.find(id="why-do-i-need-keys").get_text(strip=True) == '"Why do I need keys?"'


def test_outline_lists_the_levels_asked_for(academy):
    components = academy.page("learn-react/components.html").select_one("aside.outline ol")
    assert [a["href"] for a in components.select("a")] == [
        f"#{i}" for i in HEADING_IDS["learn-react/components.html"]
    ]
    jsx = academy.page("learn-react/jsx.html").select_one("aside.outline ul")
    assert [a["href"] for a in jsx.select("a")] == [
        f"#{i}" for i in HEADING_IDS["learn-react/jsx.html"]
    ]


def test_every_link_and_image_on_every_page_reaches_its_target(academy):
    for output in OUTPUTS:
        soup = academy.page(output)
        for element, attribute in [(a, "href") for a in soup.select("a[href]")] + [
            (img, "src") for img in soup.select("img[src]")
        ]:
            url = element[attribute]
            if urlsplit(url).scheme:
                continue
            target, fragment = resolve(output, url)
            assert (academy.site / target).is_file(), f"{output}: {url}"
            if fragment:
                assert academy.page(target).find(id=fragment), f"{output}: {url}"


def test_cross_links_resolve_to_the_expected_hrefs(academy):
    expected = [
        ("learn-react.html", "Components", "learn-react/components.html"),
        ("learn-react.html", "instructor notes", "learn-react/instructor-notes.html"),
        ("learn-react/props.html", "Components", "components.html#the-solution-1"),
        ("learn-react/props.html", "The key prop", "components.html#the-key-prop"),
        ("learn-react/props.html", "Learn Git", "../learn-git.html"),
        (
            "learn-git/branching.html",
            "the first step of Undoing Commits",
            "undoing-commits.html#step-1--dont-panic",
        ),
        ("learn-react/jsx.html", "the previous lesson", "setup.html#your-first-element"),
        (
            "learn-react/instructor-notes.html",
            "Grading Rubric",
            "instructor-notes/grading.html",
        ),
        ("learn-react/setup.html", "the docs", "https://example.com/docs#intro"),
        ("learn-react/components.html", "the props lesson", "props.html"),
    ]
    for output, text, href in expected:
        assert body_link(academy.page(output), text)["href"] == href, (output, text)

    react = academy.page("learn-react.html")
    assert [a["href"] for a in react.select(".body a") if a.get_text() == "Setting Up"] == [
        "learn-react/setup.html"
    ]
    described = react.select_one(".description a")
    assert (described["href"], described.get_text()) == ("learn-react/setup.html", "Setting Up")
    to_react = academy.page("learn-git.html").select_one('.body a[href="learn-react.html"]')
    assert to_react["title"] == (
        "Build a small task-tracking app with React 18, from an empty folder to reusable "
        "components. Start with Setting Up."
    )
    timing_table = academy.page("learn-react/instructor-notes.html").select_one(".body table")
    assert timing_table.select_one("td a")["href"] == "setup.html"


def test_brackets_that_are_not_page_names_stay_text(academy):
    notes = academy.page("learn-react/instructor-notes.html")
    spans = [
        code for code in notes.select(".body code") if code.get_text() == "[learn-react/props]"
    ]
    assert len(spans) == 1 and spans[0].find("a") is None
    react = academy.page("learn-react.html")
    tasks = react.select(".body li.task-list-item")
    assert len(tasks) == 3 and all(task.find("a") is None for task in tasks)
    assert [bool(box.has_attr("checked")) for box in react.select(".body li input")] == [
        True,
        True,
        False,
    ]
    for output in OUTPUTS:
        assert all(pre.find("a") is None for pre in academy.page(output).select("pre")), output


def test_images_written_for_the_output_location_resolve(academy):
    expected = [
        ("learn-react.html", "static/img/logo.png"),
        ("learn-git.html", "static/img/git-branches.png"),
        ("learn-react/setup.html", "../static/img/logo.png"),
        ("learn-react/props.html", "../static/img/logo.png"),
        ("learn-react/instructor-notes/grading.html", "../../static/img/logo.png"),
    ]
    for output, src in expected:
        images = [img["src"] for img in academy.page(output).select(".body img")]
        assert src in images, output
        assert (academy.site / resolve(output, src)[0]).is_file()
    assert "static/img" not in academy.err


# --- code blocks and directives ----------------------------------------------------------------------


def test_tag_like_lines_inside_code_are_kept_and_escaped_ones_lose_one_at(academy):
    components = academy.page("learn-react/components.html")
    angular = code_block(components, "@Component({")
    assert '  @Input() title = "Taskboard";' in angular.get_text()
    assert "{{ title }}" in angular.get_text()
    paragraphs = [p.get_text() for p in components.select(".body p")]
    assert any(p.startswith("@NgModule is the other decorator") for p in paragraphs)
    assert "@@NgModule" not in components.get_text()

    basics = academy.page("learn-git/basics.html")
    assert "@@ -1,3 +1,4 @@" in code_block(basics, "diff --git").get_text()
    assert any("starting with @@ says where" in p.get_text() for p in basics.select(".body p"))
    branching = academy.page("learn-git/branching.html")
    assert code_block(branching, "<<<<<<< HEAD").select_one("code")


def test_sourceref_includes_the_file_with_the_language_of_its_extension(academy):
    jsx = academy.page("learn-react/jsx.html")
    html_block = code_block(jsx, "<!DOCTYPE html>")
    assert html_block.code["class"] == ["language-html"]
    assert code_text(html_block) == exercise("jsx/index.html")
    app = code_block(jsx, "ReactDOM.createRoot")
    assert app.code["class"] == ["language-jsx"]
    assert code_text(app) == exercise("jsx/app.jsx")

    props = academy.page("learn-react/props.html")
    mustache = exercise("props/greeting.mustache")
    template = code_block(props, mustache.splitlines()[0])
    assert template.code["class"] == ["language-html"]
    assert code_text(template) == mustache
    assert template.select("span")  # highlighted as HTML, not plain text

    basics = academy.page("learn-git/basics.html")
    hook = code_block(basics, "#!/bin/sh")
    assert hook.code["class"] == ["language-sh"]
    assert code_text(hook) == exercise("git/pre-commit.sh")


def test_highlight_marks_exactly_the_listed_lines(academy):
    jsx = code_block(academy.page("learn-react/jsx.html"), "function TaskSummary")
    assert len(jsx.select("span.line")) == 9
    assert marked_lines(jsx) == [2, 4, 5, 6]
    assert jsx.select(".fold") == []

    props = academy.page("learn-react/props.html")
    spaced = [pre for pre in props.select("pre") if pre.select("span.line.marked")]
    assert len(spaced) == 1
    assert len(spaced[0].select("span.line")) == 7
    assert marked_lines(spaced[0]) == [1, 3, 4]


def test_highlight_only_folds_lines_far_from_the_marked_ones(academy):
    block = code_block(academy.page("learn-react/components.html"), "task-panel")
    assert len(block.select("span.line")) == 15
    assert marked_lines(block) == [3]
    assert folded_lines(block) == list(range(7, 16))
    assert len(block.select(".fold button.unfold")) == 1


def test_diff_only_marks_changed_lines_and_folds_the_rest(academy):
    components = academy.page("learn-react/components.html")
    details = components.select_one(".body details")
    assert details.select_one("summary").get_text() == "Click to see the solution"
    block = details.select_one("pre")
    assert code_text(block) == exercise("components/solution.js")
    assert marked_lines(block) == [3, 4, 12, 13]
    assert folded_lines(block) == [8, 17]
    assert len(block.select(".fold button.unfold")) == 2


def test_sourceref_indented_in_a_list_item_renders_inside_that_item(academy):
    components = academy.page("learn-react/components.html")
    block = code_block(components, 'return <li className="task">Buy milk</li>;')
    assert block.code["class"] == ["language-js"]
    assert code_text(block) == exercise("components/problem.js")
    item = block.find_parent("li")
    assert item is not None and item.get_text().lstrip().startswith("Open the starter file")
    steps = item.find_parent("ol").find_all("li", recursive=False)
    assert len(steps) == 3
    assert steps[1].get_text(" ", strip=True).startswith("Make TaskItem show")


def test_js_files_written_with_jsx_highlight_without_error_marks(academy):
    components = academy.page("learn-react/components.html")
    for needle in ("<TaskItem />", "<TaskItem key={title}"):
        block = code_block(components, needle)
        assert block.select(".err") == [], block.select(".err")


def test_codepen_button_posts_the_code_with_the_package_json_replacements(academy):
    setup = academy.page("learn-react/setup.html")
    form = setup.select_one("form.codepen")
    assert form["action"] == "https://codepen.io/pen/define"
    assert form["method"].upper() == "POST"
    assert form.select_one("button[type=submit]").get_text() == "Run in CodePen"
    above = form.find_previous_sibling()
    assert above.name == "pre" and 'from "react"' in above.get_text()

    data = form.select_one("input[type=hidden][name=data]")
    code = json.loads(data["value"])["js"]
    assert 'import React from "//unpkg.com/react@18/umd/react.development.js";' in code
    assert 'import ReactDOM from "//unpkg.com/react-dom@18/umd/react-dom.development.js";' in code
    assert 'from "react"' not in code and 'from "react-dom"' not in code
    assert "ReactDOM.createRoot" in code


# --- a build with mistakes ---------------------------------------------------------------------------


def test_every_deliberate_mistake_is_reported_at_its_line(tmp_path, trustdocs):
    built = build(trustdocs, copy_academy(tmp_path, with_mistakes=True))
    assert built.code == 1
    path = f"{MISTAKES}/mistakes.md"
    reported = [d for d in built.diagnostics() if d["path"] == path]
    assert sorted((int(d["line"]), d["severity"]) for d in reported) == [
        (line, severity) for line, severity, _ in MISTAKES_REPORTED
    ], built.err
    for line, _, words in MISTAKES_REPORTED:
        (message,) = [d["message"] for d in reported if int(d["line"]) == line]
        for word in words:
            assert word in message, (line, message)
    assert [d["path"] for d in built.diagnostics() if d["path"] != path] == ["src/README.md"]
    assert "2 errors" in built.err


def test_missing_anchor_names_the_anchors_the_page_has(tmp_path, trustdocs):
    built = build(trustdocs, copy_academy(tmp_path, with_mistakes=True))
    (line_12,) = [
        m
        for m in DIAGNOSTIC.finditer(built.err)
        if m["path"] == f"{MISTAKES}/mistakes.md" and m["line"] == "12"
    ]
    whole_line = line_12.group(0)
    anchors = HEADING_IDS["learn-react/setup.html"]
    assert sum(anchor in whole_line for anchor in anchors) >= 3, whole_line


def test_failed_build_leaves_the_previous_site_untouched(tmp_path, trustdocs):
    folder = copy_academy(tmp_path)
    first = build(trustdocs, folder)
    assert first.code == 0
    before = {p: p.read_bytes() for p in first.site.rglob("*") if p.is_file()}

    shutil.copytree(FIXTURE / MISTAKES, folder / MISTAKES)
    second = build(trustdocs, folder)
    assert second.code == 1
    after = {p: p.read_bytes() for p in second.site.rglob("*") if p.is_file()}
    assert after == before
    assert list(tmp_path.rglob("site.yaml")) == []


# --- in a browser --------------------------------------------------------------------------------------


@pytest.mark.browser
def test_folded_lines_unfold_in_the_browser(academy):
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto((academy.site / "learn-react" / "jsx.html").as_uri())
        marked = page.locator("pre span.line.marked")
        assert marked.count() == 4
        plain_background = page.evaluate(
            "getComputedStyle(document.querySelector('pre span.line:not(.marked)')).backgroundColor"
        )
        assert marked.first.evaluate("e => getComputedStyle(e).backgroundColor") != (
            plain_background
        )
        tops = page.locator("pre", has_text="TaskSummary").evaluate(
            "pre => [...pre.querySelectorAll('span.line')].map(l => l.getBoundingClientRect().top)"
        )
        assert len(tops) == 9
        assert all(a < b for a, b in itertools.pairwise(tops)), "lines share a row"
        screenshot(page, "academy-highlighted-lines")

        page.goto((academy.site / "learn-react" / "components.html").as_uri())
        block = page.locator("pre", has_text="task-panel")
        hidden_line = block.locator(".folded span.line", has_text="<footer>")
        button = block.locator("button.unfold")
        block.scroll_into_view_if_needed()
        assert button.is_visible() and "9 more lines" in button.inner_text()
        assert not hidden_line.is_visible()
        screenshot(page, "academy-folded-code")

        button.click()
        assert hidden_line.is_visible()
        assert not button.is_visible()

        # Without scripts, nothing can unfold them: the whole block shows, and no button.
        quiet = browser.new_context(java_script_enabled=False).new_page()
        quiet.goto((academy.site / "learn-react" / "components.html").as_uri())
        block = quiet.locator("pre", has_text="task-panel")
        block.scroll_into_view_if_needed()
        assert block.locator(".folded span.line", has_text="<footer>").is_visible()
        assert not block.locator("button.unfold").is_visible()
        screenshot(quiet, "academy-folded-code-without-scripts")
