"""Pages that once rendered wrong without a word: each pattern renders as its author meant, or warns.

The fixture (tests/fixtures/lost-content) is a small bit-docs site, one lesson per pattern; the same
lessons built with a site.yaml keep CommonMark's reading and warn where it differs.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from trustdocs.config import load_config

FIXTURE = Path(__file__).parent / "fixtures" / "lost-content"
EXERCISES = FIXTURE / "exercises" / "store"
DIAGNOSTIC = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):\d+: (?P<severity>\w+): (?P<message>.*)$"
)


class Built:
    """One build of a copy of the fixture: its exit code, messages and pages."""

    def __init__(self, folder: Path, output: Path, code: int, err: str) -> None:
        self.folder, self.output, self.code, self.err = folder, output, code, err

    def page(self, name: str) -> BeautifulSoup:
        """The lesson body of page NAME."""
        html = (self.output / f"{name}.html").read_text(encoding="utf-8")
        return BeautifulSoup(html, "html.parser").select_one(".body")

    def diagnostics(self, path: str) -> list[tuple[int, str, str]]:
        """(line, severity, message) of each diagnostic about PATH."""
        return [
            (int(m["line"]), m["severity"], m["message"])
            for m in map(DIAGNOSTIC.match, self.err.splitlines())
            if m and m["path"] == path
        ]


def build_bitdocs(tmp_path: Path, trustdocs) -> Built:
    """The fixture built from its package.json, as bit-docs built it."""
    folder = tmp_path / "course"
    shutil.copytree(FIXTURE, folder)
    run = trustdocs(folder, "build")
    return Built(folder, folder / "course-site", run.code, run.err)


def build_site_yaml(tmp_path: Path, trustdocs) -> Built:
    """The same lessons in a site.yaml site, which reads Markdown as CommonMark does."""
    folder = tmp_path / "course"
    shutil.copytree(FIXTURE, folder)
    (folder / "package.json").unlink()
    shutil.rmtree(folder / "lessons" / "drafts")
    (folder / "site.yaml").write_text("title: Shop Front Workshop\ncontent: lessons\n")
    run = trustdocs(folder, "build")
    return Built(folder, folder / "site", run.code, run.err)


def block_text(pre: Tag) -> str:
    """What a code block reads, folded lines included, without its unfold buttons."""
    return "".join(text for text in pre.find_all(string=True) if not text.find_parent("button"))


def heading_ids(body: Tag) -> list[str]:
    return [h.get("id") for h in body.select("h1, h2, h3, h4, h5, h6")]


@pytest.fixture
def bitdocs(tmp_path, trustdocs) -> Built:
    built = build_bitdocs(tmp_path, trustdocs)
    assert built.code == 0, built.err
    return built


def test_the_bitdocs_site_builds_without_a_single_message(bitdocs):
    assert [line for line in bitdocs.err.splitlines() if DIAGNOSTIC.match(line)] == []


def test_directives_inside_details_show_their_code(bitdocs):
    body = bitdocs.page("course/store")
    service, solution, _ = body.select("details")
    code = service.select_one("pre")
    assert code is not None and block_text(code) == (EXERCISES / "cart.service.ts").read_text()
    diff = solution.select_one("pre")
    assert diff is not None
    assert block_text(diff) == (EXERCISES / "cart.service.spec-add.ts").read_text()
    marked = [n for n, line in enumerate(diff.select("span.line"), 1) if "marked" in line["class"]]
    assert marked == [8, 9, 10, 11, 12]  # the test added, its own "});" too, not the file's last
    assert "@sourceref" not in body.get_text() and "@diff" not in body.get_text()


def test_a_fence_right_after_an_html_line_is_code_in_a_bitdocs_site(bitdocs):
    body = bitdocs.page("course/store")
    solution = body.select("details")[2]
    assert block_text(solution.select_one("pre")) == "npm install\n\nnpm test -- --watch=false\n"
    assert heading_ids(body) == [
        "write-the-service",
        "test-adding-an-item",
        "run-the-tests",
        "check-the-coverage",
        "whats-next",
    ]
    assert body.select_one("#check-the-coverage + p code").get_text() == "coverage/index.html"


def test_text_right_after_a_summary_or_closing_tag_is_markdown_in_a_bitdocs_site(bitdocs):
    """The academies' `<summary>Solution</summary>` followed by `✏️ Update **file**`: bit-docs'
    Markdown reader kept only its block elements (a div, a table) whole, so that line showed
    bold text and a link; CommonMark keeps it raw, with its stars. A div stays as written."""
    body = bitdocs.page("course/solutions")
    solution = body.select_one("details")
    assert solution.select_one("summary").get_text() == "Click to see the solution"
    update = solution.select_one("p")
    assert update.select_one("strong").get_text() == "src/cart.service.ts"
    assert update.select_one("a")["href"] == "https://angular.dev/guide"
    assert block_text(solution.select_one("pre")) == "export const total = 1;\n"
    after = solution.find_next_sibling("p")
    assert after.select_one("code").get_text() == "npm test" and "**" not in after.get_text()
    assert "Kept **as written**" in body.select_one("div.note").get_text()
    step = body.select("details")[1].select_one("p")  # a line opened by running text's tag
    assert [s.get_text() for s in step.select("strong")] == ["Step 2:", "npm start"]
    # What an element bit-docs kept whole holds stays raw, a blank line inside it or not.
    cells = [" ".join(td.get_text().split()) for td in body.select("table td")]
    assert cells == ["Cell one", "Cell two with **more** text"]
    assert body.select_one("table pre") is None
    # A line opened by <code> stays as written: `__init__` there is no bold "init".
    code = body.select("details")[2].select_one("code")
    assert code.get_text() == "def __init__(self, *args, **kwargs):"


def test_a_site_yaml_site_keeps_commonmark_and_warns_at_the_swallowed_fence(tmp_path, trustdocs):
    built = build_site_yaml(tmp_path, trustdocs)
    assert built.code == 0, built.err
    opened, fence = built.diagnostics("lessons/store/store.md")
    line, severity, message = fence
    assert (line, severity) == (26, "warning")
    assert "inside the HTML block" in message
    assert "add a blank line before the fence" in built.err
    # CommonMark: the HTML block ends at the blank line, and the fence's closing line opens a new one
    store = built.page("course/store")
    assert "check-the-coverage" not in heading_ids(store)
    # which takes the <details> end tag in: the rest of the page would be in the closed <details>,
    # the theme's navigation with it, but it is closed where the page's text ends
    assert opened[:2] == (25, "warning") and "<details> is never closed" in opened[2]
    assert all(details.find_parent("details") is None for details in store.select("details"))


def test_tag_like_lines_in_fences_on_list_marker_lines_are_kept(bitdocs):
    forms = bitdocs.page("course/forms")
    blocks = [block_text(pre) for pre in forms.select("pre")]
    assert "  @Input() max = 10;\n  @Output() changed" in blocks[0]
    assert "@NgModule({" in blocks[2]
    assert blocks[3].startswith('@Component({ selector: "app-quantity" })')
    assert forms.select("p")[-1].get_text() == "@Output is the decorator that sends events up."

    schema = bitdocs.page("course/schema")
    prisma, later = (block_text(pre) for pre in schema.select("pre"))
    assert "\n  @@unique([sku])\n" in prisma and "Int    @id" in prisma
    assert later.startswith('@Component({ selector: "app-product" })')


def test_directives_after_code_in_quotes_and_list_items_apply(bitdocs):
    review = bitdocs.page("course/review")
    quoted = review.select_one("blockquote pre")
    lines = quoted.select("span.line")
    assert [n for n, line in enumerate(lines, 1) if "marked" in line["class"]] == [2]
    listed = review.select_one("ol pre")
    form = listed.find_next_sibling("form")
    assert form is not None and "codepen" in form["class"]
    assert "cart.add(product)" in json.loads(form.select_one("input")["value"])["js"]
    assert bitdocs.diagnostics("lessons/review/review.md") == []


def test_no_heading_gets_an_empty_id(bitdocs, tmp_path):
    names = bitdocs.page("course/names")
    first = names.select_one("h2")
    assert (first["id"], first.get_text()) == ("base-href", "<base-href>")
    for page in ("store", "forms", "schema", "review", "names", "playground"):
        assert all(heading_ids(bitdocs.page(f"course/{page}"))), page


def test_a_heading_of_tags_warns_in_a_site_yaml_site(tmp_path, trustdocs):
    built = build_site_yaml(tmp_path, trustdocs)
    (warning,) = built.diagnostics("lessons/names/names.md")
    assert warning[:2] == (5, "warning") and "<base-href>" in warning[2]
    assert "in backticks" in built.err
    assert built.page("course/names").select_one("h2")["id"] == "base-href"


def test_codepen_react_and_the_pre_processor_of_each_language(bitdocs):
    forms = bitdocs.page("course/playground").select("form.codepen")
    react, typescript, jsx = (json.loads(f.select_one("input")["value"]) for f in forms)
    assert react["html"] == '<div id="root"></div>'
    scripts = react["js_external"].split(";")
    assert [s.rsplit("/", 1)[-1] for s in scripts] == [
        "react.development.js",
        "react-dom.development.js",
    ]
    assert react["js_pre_processor"] == "babel"
    assert '"//unpkg.com/react@18/umd/react.development.js"' in react["js"]
    assert typescript["js_pre_processor"] == "typescript"
    assert jsx["js_pre_processor"] == "babel"
    # Open as bit-docs' plugin opens them: the JS editor and its console, HTML and CSS folded.
    assert react["editors"] == typescript["editors"] == jsx["editors"] == "0011"


def test_package_json_glob_ignore_is_read():
    config = load_config(FIXTURE / "package.json")
    assert config.page_ignore == ("lessons/drafts/**",)


def test_files_the_package_json_ignores_are_not_pages(bitdocs):
    assert not (bitdocs.output / "course" / "draft.html").exists()
    assert (bitdocs.output / "course" / "store.html").exists()
