"""markdown/codeblocks.py: marked and folded lines, and the parts of a code block a theme draws."""

from __future__ import annotations

import html
import json
import textwrap

from bs4 import BeautifulSoup
from conftest import make_site
from page_body import render_body

TEN_LINES = "\n".join(f"line_{n} = {n}" for n in range(1, 11))
PAGE = f"@page home Home\n@body\n```python\n{TEN_LINES}\n```\n@highlight 1 only\n@codepen\n"


def built_page(site) -> BeautifulSoup:
    return BeautifulSoup((site / "site" / "index.html").read_text(), "html.parser")


def test_default_theme_draws_the_unfold_button_and_the_codepen_form(tmp_path, trustdocs):
    site = make_site(tmp_path, {"index.md": PAGE})
    assert trustdocs(site, "build").code == 0
    page = built_page(site)
    button = page.select_one("pre .fold button.unfold")
    assert button.get_text() == "⋯ 6 more lines"
    folded = [line.get_text() for line in page.select("pre .folded span.line")]
    assert folded == [f"line_{n} = {n}" for n in range(5, 11)]
    form = page.select_one("form.codepen")
    assert json.loads(form.select_one("input[name=data]")["value"])["title"] == "Home"


def test_a_site_theme_can_redraw_folds_and_the_codepen_button(tmp_path, trustdocs):
    site = make_site(tmp_path, {"index.md": PAGE})
    partial = site / "themes" / "default" / "partials" / "code.html"
    partial.parent.mkdir(parents=True)
    partial.write_text(
        textwrap.dedent(
            """\
            {% macro fold(count, lines) -%}
            <details class="my-fold"><summary>{{ count }} hidden</summary>{{ lines }}</details>
            {%- endmacro %}
            {% macro codepen(data) -%}
            <a class="my-pen" data-pen="{{ data }}">Try it</a>
            {%- endmacro %}
            """
        )
    )
    assert trustdocs(site, "build").code == 0
    page = built_page(site)
    assert page.select_one("button.unfold") is None and page.select_one("form.codepen") is None
    assert page.select_one("pre details.my-fold summary").get_text() == "6 hidden"
    assert page.select_one("pre details.my-fold span.line").get_text() == "line_5 = 5"
    pen = page.select_one("a.my-pen")
    assert "line_10 = 10" in json.loads(pen["data-pen"])["js"]


def test_a_broken_code_partial_is_an_error_at_its_line(tmp_path, trustdocs):
    site = make_site(tmp_path, {"index.md": PAGE})
    partial = site / "themes" / "default" / "partials" / "code.html"
    partial.parent.mkdir(parents=True)
    partial.write_text("{% macro fold(count, lines) %}\n{% if %}\n{% endmacro %}\n")
    run = trustdocs(site, "build")
    assert run.code == 1
    assert "code.html:2:1: error: template error" in run.err
    assert "Traceback" not in run.err


def test_code_blocks_keep_their_blank_lines_and_an_empty_fence_stays_empty():
    fenced = render_body("```python\n\n  x = 1\n\n```\n").html
    assert BeautifulSoup(fenced, "html.parser").code.get_text() == "\n  x = 1\n\n"
    expected = '<pre class="highlight" tabindex="0"><code></code></pre>\n'
    assert render_body("```\n```\n").html == expected
    indented = render_body("    a\n\n\n    b\n").html
    assert BeautifulSoup(indented, "html.parser").code.get_text() == "a\n\n\nb\n"


DEMO = """<my-app></my-app>
<script src="https://unpkg.com/zone.js"></script>
<script type="{kind}">
const shown: number = 1;
</script>
<style>
  my-app {{ color: red; }}
</style>
"""


def test_an_html_demo_with_a_typed_script_opens_in_codepen_split_into_its_editors(
    tmp_path, trustdocs
):
    """As bit-docs' plugin sends it (an Angular lesson's demo): the typed inline script's code to
    the JS editor with its pre-processor, the style to the CSS editor, the rest to the HTML one;
    a script with `src` stays in the HTML. Plain HTML goes to the HTML editor whole."""
    pages = {"index.md": "@page home Home\n@body\n"}
    for kind in ("typescript", "jsx", "module"):
        pages[f"{kind}.html"] = DEMO.format(kind=kind)
        pages["index.md"] += f"@sourceref ./{kind}.html\n@codepen\n\n"
    pages["plain.html"] = "<p>Hello</p>\n<style>\n  p { color: red; }\n</style>\n"
    pages["index.md"] += "@sourceref ./plain.html\n@codepen\n"
    site = make_site(tmp_path, pages)
    assert trustdocs(site, "build").code == 0
    forms = built_page(site).select("form.codepen input[name=data]")
    typescript, jsx, module, plain = (json.loads(form["value"]) for form in forms)
    assert typescript == {
        "title": "Home",
        "html": '<my-app></my-app>\n<script src="https://unpkg.com/zone.js"></script>',
        "css": "my-app { color: red; }",
        "js": "const shown: number = 1;",
        "js_pre_processor": "typescript",
        "editors": "1011",
    }
    assert jsx["js_pre_processor"] == "babel" and jsx["css"] == typescript["css"]
    assert module["js_module"] is True and "js_pre_processor" not in module
    assert plain == {"title": "Home", "html": pages["plain.html"]}


def test_an_html_demo_whose_scripts_the_page_runs_as_they_are_opens_whole_in_the_html_editor():
    """A plain or data script, one in a comment, or scripts for two pre-processors: split, the
    pen would lose globals or get JSON as code; sent whole, it works as the page does."""
    from trustdocs.markdown.codepen import codepen_data

    plain = (
        '<button onclick="hi()">Hi</button><script type="text/javascript">function hi(){}</script>'
    )
    data = '<script type="importmap">{"imports": {}}</script><p>x</p>'
    commented = '<!-- <script type="typescript">let a = 1;</script> --><p>x</p>'
    mixed = '<script type="typescript">let a = 1;</script><script type="module">b()</script>'
    named_alike = '<script data-type="typescript">x()</script>'
    for demo in (plain, data, commented, mixed, named_alike):
        assert codepen_data(demo, "html", "T", ()) == {"title": "T", "html": demo}
    upper = '<x-app></x-app><SCRIPT TYPE="TypeScript">let a: number = 1;</SCRIPT>'
    assert codepen_data(upper, "html", "T", ())["js_pre_processor"] == "typescript"


def test_plain_javascript_with_imports_opens_in_codepen_as_a_module():
    """An `import` in a classic script is a syntax error: such code is sent as a module, as
    bit-docs' plugin sends it; code without one stays a classic script (its globals work)."""
    from trustdocs.markdown.codepen import codepen_data

    module = 'import { Component } from "can";\nComponent.extend({});\n'
    assert codepen_data(module, "js", "T", ())["js_module"] is True
    assert "js_module" not in codepen_data("function hi() {}\n", "js", "T", ())


def test_a_code_block_never_closed_is_a_warning_where_it_opens():
    """A fence without its closing line runs to the end of the page (or of its quote or list
    item): the prose after it shows as code. Said where it opens; a closed one says nothing."""
    body = render_body(
        "```js\nclosed();\n```\n\n> ```py\n> in_quote()\n\nAfter the quote.\n\n"
        "- item\n  ~~~~\n  code\n  ~~~~~\n\n````md\nnever\n```\nclosed\n"
    )
    found = [(d.line, d.col, d.message) for d in body.diagnostics]
    message = "code block opened here is never closed: what follows it is shown as code"
    assert found == [(7, 3, message), (17, 1, message)]
    assert "<p>After the quote.</p>" in body.html


def test_an_escaped_known_tag_in_a_code_span_over_two_lines_shows_as_a_tag():
    """`@@hide` (a tag trustdocs knows) opening a line of a code span: the span shows `@hide`, not
    an entity written out; an entity the author wrote in the span stays as written, and the
    line is read as no tag, in prose and in raw HTML alike."""
    body = render_body(
        "Write `&#64;hide and\n@@hide sidebar` to hide it.\n\n@@sourceref x.js\n\n"
        "<div>\n@@hide title\n</div>\n"
    )
    assert "<code>&amp;#64;hide and @hide sidebar</code>" in body.html
    assert "<p>@sourceref x.js</p>" in body.html
    assert "@hide title" in html.unescape(body.html)  # as a browser reads the raw HTML
    assert body.diagnostics == []


def test_an_escaped_at_in_a_code_span_over_two_lines_shows_as_an_at():
    """`@@map` opening a line of a code span that runs over lines: one `@` is removed, as on any
    line outside code, and the reader sees `@map`, never the entity `&#64;` written out."""
    body = render_body('A span: `model User {\n@@map("users")\n}` ends here.\n\n@@NgModule here.\n')
    assert "<code>model User { @map(&quot;users&quot;) }</code>" in body.html
    assert "<p>@NgModule here.</p>" in body.html
    assert "&amp;#64;" not in body.html


def test_a_long_fence_never_closed_is_named_by_its_length():
    """A fence of thousands of backticks is counted in the hint, not written out whole."""
    body = render_body("`" * 5000 + "\ncode\n")
    (found,) = body.diagnostics
    assert found.hint == "close it with a line of 5000 backticks (or more)"
    assert len(str(found)) < 300
    (short,) = render_body("~~~~\ncode\n").diagnostics
    assert short.hint == "close it with ~~~~ on a line of its own"
