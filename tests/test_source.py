"""source.py: one file's text → PageSource."""

import pytest
from conftest import make_site

from trustdocs.source import parse_page_source


def parse(text: str):
    return parse_page_source("content/p.md", "p.md", text)


def test_tags_title_and_body_line_numbers():
    page, problems = parse(
        "@page a/b Building Trust\n@parent a 6\n@outline 2 ol\n@description Best practices.\n\n@body\n## Trust\nText\n"
    )
    assert problems == []
    assert (page.name, page.title, page.parent, page.order) == ("a/b", "Building Trust", "a", 6)
    assert page.description == "Best practices."
    assert page.body.split("\n")[:2] == ["## Trust", "Text"]
    assert page.body_lines[:2] == (7, 8)
    assert (page.outline_depth, page.outline_ordered) == (2, True)


def test_a_tab_separates_a_tags_words_as_a_space_does():
    """The name is the first run of non-blank characters: a tab after it (an editor's indent)
    ends it, and does not make a page name with a tab inside, which no link can name."""
    page, problems = parse("@page a/b\tBuilding Trust\n@parent a\t\t6\n@body\nText\n")
    assert problems == []
    assert (page.name, page.title, page.parent, page.order) == ("a/b", "Building Trust", "a", 6)


def test_title_defaults_to_name_and_bom_and_crlf_are_handled():
    page, _ = parse("\ufeff@page solo\r\n@body\r\nHello\r\n")
    assert page.title == "solo"
    assert page.body.strip() == "Hello"


def test_description_runs_to_body_with_blank_lines_and_tags_inside():
    page, _ = parse("@page p\n@description First line.\n\nSecond para.\n@hide\n@body\nBody")
    assert page.description == "First line.\n\nSecond para."
    assert page.hide


def test_text_before_body_is_the_description_without_description_tag():
    page, _ = parse("@page p\nA summary here.\n@body\nBody")
    assert page.description == "A summary here."


def test_without_description_or_body_the_first_paragraph_describes():
    page, _ = parse("@page p\n\nThe summary.\nStill summary.\n\n## Body\nMore\n")
    assert page.description == "The summary.\nStill summary."
    assert "## Body" in page.body and "summary" not in page.body


def test_without_description_or_body_the_first_paragraph_ends_where_markdown_ends_it():
    """A heading or a list right below the first paragraph, or a fence with a blank line in it,
    ends the paragraph, not the first blank line: none of them is the description."""
    page, _ = parse("@page p\nIntro paragraph.\n## Part one\nText of part one.\n")
    assert (page.description, page.body.split("\n")[0]) == ("Intro paragraph.", "## Part one")
    page, _ = parse("@page p\nSteps:\n- one\n- two\n")
    assert (page.description, page.body) == ("Steps:", "- one\n- two\n")
    page, _ = parse("@page p\n```js\nconst a = 1;\n\nconst b = 2;\n```\nAfter the code.\n")
    assert page.description == ""
    assert page.body.startswith("```js\nconst a = 1;\n\nconst b = 2;\n```")


def test_a_page_without_body_keeps_the_tags_of_its_fenced_example_as_code():
    """In a page without `@body`, an example page inside a fence holds `@body` and `@page`
    lines: they are code, as in any body, and the page keeps its own name and title."""
    text = "@page p Real Title\nHow to write a page:\n\n```md\n@page my-page My Title\n@body\nHello\n```\nDone.\n"
    page, problems = parse(text)
    assert problems == []
    assert (page.name, page.title, page.description) == ("p", "Real Title", "How to write a page:")
    assert "```md\n@page my-page My Title\n@body\nHello\n```\nDone." in page.body
    # A fence left open above `@body` is a mistake in the description: `@body` stays the tag.
    page, _ = parse("@page p\n@description See:\n```\nx\n@body\nThe body.\n")
    assert page.body == "The body.\n"


def test_text_before_description_that_is_not_shown_is_a_warning():
    """With both `@description` and `@body`, text above `@description` belongs to neither: it
    is not shown, and the author is told where it is."""
    text = "@page p\nIntro the author wrote.\n\n## Early heading\n@description Summary.\n@body\nBody.\n"
    page, problems = parse(text)
    assert (page.description, page.body) == ("Summary.", "Body.\n")
    assert [(d.line, d.severity) for d in problems] == [(2, "warning")]
    assert "it is not shown" in problems[0].message


def test_a_body_line_read_as_an_unknown_tag_is_a_warning():
    """Prose that starts with `@` (a handle, an Angular decorator) is a tag line by the format,
    kept as a page property: it is not shown, and the author is told so; a known tag is not."""
    text = (
        "@page p\n@body\nFollow the team on\n@bitovi\nfor news.\n  @Input() name: string;\n@hide\n"
    )
    page, problems = parse(text)
    assert "bitovi" not in page.body and page.hide
    assert [(d.line, d.col, d.severity) for d in problems] == [(4, 1, "warning"), (6, 3, "warning")]
    assert (
        "line read as the tag '@bitovi' (a page property): it is not shown" in problems[0].message
    )
    assert "@@" in problems[1].hint
    # In an HTML comment the line shows nothing either way: no warning.
    page, problems = parse("@page p\n@body\n<!--\n@todo rewrite this section\n-->\nText.\n")
    assert problems == [] and page.properties["todo"] == "rewrite this section"


def test_a_description_line_read_as_a_capitalised_tag_is_a_warning_and_at_at_keeps_it():
    """A description wrapped before an Angular decorator loses that line to a tag, as bit-docs
    read it too: said at the line, and `@@` keeps the words in the description (shown as `@`).
    A lowercase tag there (`@author`) is a page property, as the format has it: no word."""
    text = (
        "@page p\n@description Pass data in with the\n@Input decorator, and out with the\n"
        "@@Output decorator.\n@author Justin\n@body\nBody.\n"
    )
    page, problems = parse(text)
    assert page.description == "Pass data in with the\n@Output decorator."
    assert page.properties == {"input": "decorator, and out with the", "author": "Justin"}
    assert [(d.line, d.col, d.severity) for d in problems] == [(3, 1, "warning")]
    assert "line read as the tag '@Input' (a page property)" in problems[0].message
    # Without @description, the text before @body (or the first paragraph) is unescaped too.
    assert parse("@page p\n@@Input is a decorator.\n@body\nB.\n")[0].description == (
        "@Input is a decorator."
    )
    assert parse("@page p\n@@Input is a decorator.\n\nBody.\n")[0].description == (
        "@Input is a decorator."
    )


def test_a_tag_like_line_in_a_fence_of_the_description_or_the_text_before_body_is_code():
    """`@media (…) {` in a CSS sample of the description, `@import` in one of the text before
    @body: lines of code, kept, never read as tags (they were page properties, shown nowhere)."""
    css = "```css\n@media (max-width: 600px) {\n  .card { width: 100%; }\n}\n```\n"
    page, problems = parse(f"@page p\n@description Make it fit:\n\n{css}@body\nB.\n")
    assert "@media (max-width: 600px) {" in page.description
    assert "media" not in page.properties and problems == []
    page, problems = parse('@page p\nStyles:\n\n```scss\n@import "variables";\n```\n@body\nB.\n')
    assert '@import "variables";' in page.description
    assert "import" not in page.properties and problems == []
    # A fence left open makes no code of the tags below it.
    page, _ = parse("@page p\n@description Open:\n```\n@parent home 2\n@body\nB.\n")
    assert page.parent == "home"


def test_a_description_line_glued_to_its_at_word_is_said_when_read_as_a_tag():
    """`@support-team in any channel`, wrapped to the start of a line of the description, is read
    as a tag (a page property), as bit-docs read it: said at its line, not lost in silence."""
    text = (
        "@page p\n@description Ask on Slack, or mention\n@support-team in any channel.\n@body\nB.\n"
    )
    page, problems = parse(text)
    assert page.description == "Ask on Slack, or mention"
    assert [(d.line, d.col) for d in problems] == [(3, 1)]
    assert "line read as the tag '@support' (a page property)" in problems[0].message


def test_at_at_in_a_fence_of_the_description_is_code_and_kept():
    """Prisma's `@@map` in a fenced block of a description is code: both `@` stay."""
    text = '@page p\n@description A model:\n\n```prisma\n@@map("users")\n```\n@body\nB.\n'
    page, problems = parse(text)
    assert '@@map("users")' in page.description and problems == []


def test_an_unsupported_tag_in_an_html_comment_says_nothing():
    """A comment shows nothing either way: no word of an `@demo` commented out."""
    _, problems = parse("@page p\n@body\n<!-- Old demo:\n@demo demos/cart.html\n-->\nText.\n")
    assert problems == []


def test_a_second_parent_or_page_tag_is_a_warning_naming_the_first():
    """bit-docs keeps the last `@parent`: so does trustdocs, and says so."""
    page, problems = parse("@page p\n@parent a 1\n@description D.\n@parent b 2\n@body\nB.\n")
    assert (page.parent, page.order) == ("b", 2)
    assert [(d.line, d.severity) for d in problems] == [(4, "warning")]
    assert problems[0].message == "a second @parent: it replaces the one at line 2"
    page, problems = parse("@page p\n@body\nText.\n@page q\n")
    assert page.name == "q" and "a second @page" in problems[0].message


def test_bitdocs_plugin_tags_trustdocs_does_not_show_say_so_and_what_to_write():
    """`@demo` (canjs writes it on many pages) and DocumentJS's `@codestart`/`@codeend`: not
    shown, said with what to write instead; no "did you mean @codepen" for `@codeend`."""
    text = "@page p\n@body\nThe demo:\n@demo demos/counter.html\n@codestart js\nx = 1;\n@codeend\n"
    _, problems = parse(text)
    assert [(p.line, p.severity) for p in problems] == [
        (4, "warning"),
        (5, "warning"),
        (7, "warning"),
    ]
    assert problems[0].message == (
        "@demo (a live demo, of bit-docs-tag-demo) is not supported: this line is not shown"
    )
    assert "@sourceref" in problems[0].hint
    assert all("fences" in p.hint and "codepen" not in p.hint for p in problems[1:])


def test_tags_in_code_fences_are_kept_but_removed_elsewhere():
    page, _ = parse("@page p\n@body\n```ts\n@Component({\n```\n@sometag value\ntext\n")
    assert "@Component({" in page.body
    assert "@sometag" not in page.body
    assert page.properties["sometag"] == "value"


def test_double_at_escape_only_at_line_start_outside_code():
    page, _ = parse("@page p\n@body\n@@NgModule here\nkeep @@map\n```\n@@map\n```\n")
    lines = page.body.split("\n")
    assert lines[0] == "@NgModule here"
    assert lines[1] == "keep @@map"
    assert lines[3] == "@@map"


def test_hide_flags_both_spellings():
    page, _ = parse("@page p\n@hidetitle\n@hide sidebar\n@hidecontentnav\n@body\n")
    assert page.hidden_parts == {"title", "sidebar", "contentnav"}
    assert not page.hide


def test_hide_with_several_parts_hides_each_and_an_unknown_word_is_a_warning():
    """`@hide title sidebar` hides both parts; `@hide content-nav` (no such part) hides the
    whole page, as `@hide` does, and says so with the part it may have meant."""
    page, problems = parse("@page p\n@hide title sidebar\n@body\n")
    assert page.hidden_parts == {"title", "sidebar"} and not page.hide and not problems
    page, problems = parse("@page p\n@hide content-nav\n@body\n")
    assert page.hide and not page.hidden_parts
    ((line, message, hint),) = [(p.line, p.message, p.hint) for p in problems]
    assert line == 2 and "'content-nav' after @hide is not a part of the page's layout" in message
    assert hint == "did you mean '@hide contentnav'?"
    page, problems = parse("@page p\n@hide\n@body\n")
    assert page.hide and not problems


@pytest.mark.parametrize("part", ["footer", "header", "container", "article", "Footer"])
def test_a_part_of_bitdocs_layout_after_hide_keeps_the_page_in_the_course(part):
    """bit-docs' `@hide footer` (or header, container, article) hides that part of its layout
    and keeps the page in the navigation: it hid the whole page here, with a warning that
    suggested `@hide title`. It is a part of the page's layout, for a theme that has one."""
    page, problems = parse(f"@page p\n@hide {part}\n@body\n")
    assert not page.hide and page.hidden_parts == {part.lower()} and not problems


def test_a_description_tag_after_body_is_a_warning_not_text_lost_in_silence():
    """The description is the text before @body: `@description` in the body is shown nowhere,
    and said (not in an HTML comment, which shows nothing either way)."""
    page, problems = parse(
        "@page p\n@description First.\n@body\nBody.\n@description Second.\nMore.\n"
        "<!--\n@description in a comment\n-->\n"
    )
    assert page.description == "First." and "Second" not in page.body
    ((line, message),) = [(p.line, p.message) for p in problems]
    assert line == 5 and message == "@description after @body: its text is not shown"


def test_directives_stay_in_the_body():
    page, _ = parse("@page p\n@body\n```js\nx\n```\n@highlight 1\n  @sourceref ../x.js\n")
    assert "@highlight 1" in page.body and "@sourceref ../x.js" in page.body


def test_file_without_page_is_a_warning():
    page, problems = parse("# Just a readme\n")
    assert page is None
    assert problems[0].severity == "warning" and "no @page" in problems[0].message


def test_misspelled_tag_warns_with_suggestion_and_unknown_tag_is_a_property():
    page, problems = parse("@page p\n@parnet home 1\n@signature foo()\n@body\n")
    assert [p.message for p in problems] == ["unknown tag '@parnet'"]
    assert "@parent" in problems[0].hint and problems[0].line == 2
    assert page.properties["signature"] == "foo()"


def test_outline_extra_words_ignored_and_order_must_be_integer():
    page, problems = parse("@page p\n@parent x first\n@outline 3 whatever\n@body\n")
    assert page.outline_depth == 3 and not page.outline_ordered
    assert "not an integer" in problems[0].message and problems[0].line == 2


def test_parent_without_a_name_is_a_warning():
    page, problems = parse("@page p\n@parent\n@body\n")
    assert page.parent is None
    assert [(d.line, d.message) for d in problems] == [(2, "@parent needs a page name")]


def test_tag_lines_are_kept_wherever_markdown_reads_code():
    page, _ = parse(
        "@page p\n@body\n"
        "- ```ts\n  @Input() a\n  ```\n"
        "1. ~~~\n   @Output() b\n   ~~~\n"
        "> ```\n> @Inject() c\n> ```\n"
        "text\n\n    @Component() d\n\n"
        "```\n@NgModule() e\n```\n"
        "@sometag removed\n"
    )
    for kept in (
        "@Input() a",
        "@Output() b",
        "> @Inject() c",
        "    @Component() d",
        "@NgModule() e",
    ):
        assert kept in page.body
    assert "@sometag" not in page.body and page.properties == {"sometag": "removed"}


def test_tag_lines_are_kept_in_code_inside_a_knowledge_check():
    # The check's `:::` lines end the blocks inside it: a code block may start right after them.
    page, _ = parse(
        "@page p\n@body\n"
        "::: check Which decorator marks a component?\nPick one.\n\n::: answer\n"
        "    @Component() a\n:::\n\n"
        "::: check What does this do?\n<div>Read the code.</div>\n::: answer\n"
        "```ts\n@Injectable() b\n```\n:::\n"
    )
    assert "    @Component() a" in page.body and "@Injectable() b" in page.body
    assert page.properties == {}


def test_a_fence_on_a_list_marker_line_does_not_throw_off_the_rest_of_the_page():
    page, _ = parse("@page p\n@body\n- ```js\n  x\n  ```\n\n```ts\n@Component({\n```\n")
    assert "@Component({" in page.body


def test_a_fence_swallowed_by_an_html_block_warns_unless_the_site_reads_as_bitdocs(
    tmp_path, trustdocs
):
    body = "<details><summary>Run</summary>\n```sh\nnpm test\n```\n</details>\n"
    for tags in ("@page home Home\n@body\n", "@page home Home\n@body\n@@ not a tag\n"):
        site = make_site(tmp_path / str(len(tags)), {"index.md": tags + body})
        fence_line = tags.count("\n") + 2
        run = trustdocs(site, "check")
        assert (
            f"content/index.md:{fence_line}:1: warning: this code fence is inside the HTML block "
            "above it, so it shows as raw text" in run.err
        ), run.err
        assert run.err.count("inside the HTML block") == 1
    text = "@page p\n@body\n" + body.replace("npm test", "@npm test")
    bitdocs_page, bitdocs_problems = parse_page_source("content/p.md", "p.md", text, bitdocs=True)
    assert bitdocs_problems == [] and "@npm test" in bitdocs_page.body


def test_redirect_is_the_one_repeatable_tag_and_keeps_each_line():
    source, problems = parse_page_source(
        "a.md", "a.md", "@page a A\n@redirect old/a\n@redirect older/a.html\n@body\nx\n"
    )
    assert problems == []
    assert source.redirects == (("old/a", 2), ("older/a.html", 3))
    assert "redirect" not in source.properties


def test_a_tag_line_right_above_indented_code_leaves_the_code_whole():
    # Once the tag line is taken out, the indented lines follow a blank line: they are code, and a
    # tag-like line in them stays (it was taken as a tag, and the code lost it).
    text = (
        "@page p\n@body\nInstall it:\n\n@hidetitle\n"
        "    @Component({selector: 'app'})\n    class App {}\n\nDone.\n"
    )
    page, problems = parse(text)
    assert "    @Component({selector: 'app'})" in page.body.split("\n")
    assert "component" not in page.properties and page.hidden_parts == {"title"}
    assert problems == []


def test_double_at_escape_gives_a_plain_at_in_raw_html_and_in_markdown_text():
    from bs4 import BeautifulSoup
    from page_body import render_body

    body = render_body(
        "@@NgModule decorates a class.\n\n"
        '<div class="demo">\n<button\n  @@click="go">Go</button>\n  @@submit.prevent\n</div>\n'
    )
    assert body.diagnostics == []
    html = BeautifulSoup(body.html, "html.parser")
    assert html.p is not None and html.p.get_text() == "@NgModule decorates a class."
    button = html.button
    assert button is not None and button.attrs == {"@click": "go"}
    assert '<button\n  @click="go">' in body.html
    assert "@submit.prevent" in html.div.get_text()


def test_double_at_escape_in_raw_html_still_keeps_a_directive_or_tag_from_running():
    from bs4 import BeautifulSoup
    from page_body import render_body

    body = render_body("<div>\n@@sourceref missing.js\n@@page other\n</div>\n")
    assert body.diagnostics == []  # neither run as a directive nor warned about as unapplied
    html = BeautifulSoup(body.html, "html.parser")
    assert html.div is not None
    assert html.div.get_text().split("\n")[1:3] == ["@sourceref missing.js", "@page other"]


def test_words_after_the_parent_order_are_a_warning():
    page, problems = parse("@page p\n@parent course 3 or 4\n@body\n")
    assert (page.parent, page.order) == ("course", 3)
    ((line, message),) = [(p.line, p.message) for p in problems]
    assert (line, message) == (2, "@parent: 'or 4' after the order is not read")


def test_text_on_a_body_line_is_a_warning():
    """Text on an `@body` line (the first, or a second in the body) is shown nowhere, as the
    format has it: said, not lost in silence."""
    page, problems = parse("@page p\n@body Lead.\nFirst.\n@body Second part.\nThird.\n@body\n")
    assert "Lead" not in page.body and "Second part" not in page.body and "Third." in page.body
    said = [(p.line, p.message) for p in problems]
    assert said == [
        (2, "'Lead.' on the @body line is not shown"),
        (4, "'Second part.' on the @body line is not shown"),
    ]


def test_words_after_a_layout_flag_are_said():
    """`@hidedescription is what this lesson is about.` in a body: the line hid the description
    and its words went without a word."""
    page, problems = parse("@page p\n@body\n@hidedescription is what this lesson is about.\nB.\n")
    assert page.hidden_parts == {"description"}
    assert [(d.line, d.col, d.severity) for d in problems] == [(3, 1, "warning")]
    assert "'is what this lesson is about.' after @hidedescription is not shown" in (
        problems[0].message
    )
    assert parse("@page p\n@hidetitle\n@body\nB.\n")[1] == []


def test_the_text_before_body_loses_a_capitalised_tag_line_as_a_description_does_and_says_so():
    """Without `@description`, the text before `@body` is the description: a line of it wrapped
    before an Angular decorator is read as a tag (a page property), and said at its line and
    column, exactly as under `@description`; `@author Justin` is a page property, said nothing."""
    lines = (
        "Angular components take inputs through the\n@Input() decorator and emit events with\n"
        "  @Output() properties.\n@author Justin\n@body\nBody.\n"
    )
    implicit, implicit_problems = parse(f"@page q Q\n@parent home 2\n{lines}")
    explicit, explicit_problems = parse(f"@page q Q\n@parent home 2\n@description {lines}")
    assert implicit.description == "Angular components take inputs through the"
    said = [(d.line, d.col, d.severity, d.message) for d in implicit_problems]
    assert said == [
        (4, 1, "warning", "line read as the tag '@Input' (a page property): it is not shown"),
        (5, 3, "warning", "line read as the tag '@Output' (a page property): it is not shown"),
    ]
    assert said == [(d.line, d.col, d.severity, d.message) for d in explicit_problems]
    assert implicit.properties == explicit.properties
    # Among the tags, before the text, `@Input` is no description's line: a page property.
    page, problems = parse("@page q Q\n@Input() x\nSummary.\n@body\nBody.\n")
    assert page.description == "Summary." and problems == []


def test_a_directive_in_the_text_before_body_shows_its_code_in_the_description_as_under_it():
    """`@sourceref` in the text before `@body` is in the description, as it is after
    `@description`: kept there for the Markdown stage, not dropped as written among the tags."""
    for tag in ("", "@description "):
        page, problems = parse(f"@page q Q\n{tag}Look at this:\n@sourceref s.py\n@body\nB.\n")
        assert page.description == "Look at this:\n@sourceref s.py" and problems == []
    # Above the text, among the tags, it is in neither: said.
    _, problems = parse("@page q Q\n@sourceref s.py\nSummary.\n@body\nB.\n")
    assert [(d.line, d.severity) for d in problems] == [(2, "warning")]
    assert "among the page's tags" in problems[0].message


@pytest.mark.parametrize("order", ["1_0", "\u0663", "\uff15", "0x1", "1e3", "+"])
def test_a_parent_order_of_other_than_ascii_digits_is_not_an_integer(order):
    """`1_0`, Arabic-Indic `٣` or fullwidth `５` are numbers to Python, not to bit-docs: each is
    warned as `0x1` is, and the page is placed with the siblings without an order."""
    page, problems = parse(f"@page p\n@parent home {order}\n@body\n")
    assert (page.parent, page.order) == ("home", None)
    said = [(d.line, d.severity, d.message) for d in problems]
    assert said == [(2, "warning", f"@parent order '{order}' is not an integer")]


@pytest.mark.parametrize(("order", "read"), [("3", 3), ("-2", -2), ("+4", 4), ("007", 7)])
def test_a_parent_order_of_ascii_digits_and_a_sign_is_read(order, read):
    page, problems = parse(f"@page p\n@parent home {order}\n@body\n")
    assert (page.order, problems) == (read, [])


def test_an_outline_depth_of_other_than_ascii_digits_is_not_a_number():
    page, problems = parse("@page p\n@outline \u0663\n@body\n")
    assert page.outline_depth == 1
    assert [(d.line, d.message) for d in problems] == [
        (2, "@outline depth '\u0663' is not a number")
    ]


def test_a_page_tag_without_a_name_says_the_file_is_skipped():
    """A file whose `@page` has no name makes no page: the warning says its text is not built."""
    page, problems = parse("Intro.\n@page\n@body\nText.\n")
    assert page is None
    said = [(d.line, d.severity, d.message) for d in problems]
    assert said == [(2, "warning", "@page needs a name: not a page, skipped")]
    assert "write @page NAME" in problems[0].hint
