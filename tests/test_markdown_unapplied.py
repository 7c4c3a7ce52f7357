"""markdown/unapplied.py: a tag or directive left standing in the text is reported, never printed silently."""

from page_body import render_body


def test_a_directive_or_tag_left_in_prose_warns_at_its_line():
    body = render_body(
        "| step | code |\n| --- | --- |\n| 1 | x |\n| @highlight 1 | y |\n\n> quoted\n> @parent home\n"
    )
    warned = [(d.line, d.col, d.message) for d in body.diagnostics]
    assert warned == [
        (6, 3, "directive not applied here: @highlight 1"),
        (9, 3, "directive not applied here: @parent home"),
    ]
    assert all("&#64;" in d.hint for d in body.diagnostics)


def test_applied_directives_escaped_lines_and_unknown_words_are_quiet():
    body = render_body(
        "```js\nx\n```\n@highlight 1\n\n@@page is a tag\n\n> @Input() in a quote\n\n```\n@page in code\n```\n"
    )
    assert body.diagnostics == []
    assert "@page is a tag" in body.html and "@page in code" in body.html


def test_a_directive_line_inside_pre_is_kept_as_written_without_a_warning():
    """`<pre>` shows its lines as written, as a code block does: a `@sourceref` line there is an
    example, not a directive left unapplied."""
    body = render_body("<pre>\nTo show a file:\n@sourceref ./app.js\n</pre>\n")
    assert body.diagnostics == []
    assert "@sourceref ./app.js" in body.html


def test_a_footnote_nothing_refers_to_warns_at_its_definition():
    """The footnotes plugin shows only the notes the text refers to: one defined and never
    referred to would vanish without a word. It is said, at its definition."""
    body = render_body(
        "Text[^used].\n\n[^used]: Shown.\n\n[^lost]: Important caveat.\n\n> [^quoted]: Also.\n"
    )
    warned = [(d.line, d.col, d.message) for d in body.diagnostics]
    assert warned == [
        (7, 1, "footnote [^lost] is never referred to: its text is not shown"),
        (9, 3, "footnote [^quoted] is never referred to: its text is not shown"),
    ]
    assert "Shown." in body.html


def test_a_footnote_defined_twice_warns_at_the_definition_not_shown():
    body = render_body("Twice[^n].\n\n[^n]: First.\n[^n]: Second.\n")
    warned = [(d.line, d.message) for d in body.diagnostics]
    assert warned == [(5, "footnote [^n] is defined again below: this definition is not shown")]
    assert "Second." in body.html and "First." not in body.html


def test_a_footnote_mark_no_footnote_defines_is_a_warning_at_it():
    """`[^missing]` with no `[^missing]: …` shows as written, and the note its author meant is
    nowhere: told at the mark. An escaped one, one in code, and a defined one are not."""
    body = render_body("A note[^missing] here, \\[^x], `[^y]` and [^1].\n\n[^1]: Defined.\n")
    assert [(d.line, d.col, d.message) for d in body.diagnostics] == [
        (3, 7, "footnote [^missing] is not defined: it is shown as written")
    ]


def test_a_link_reference_definition_no_link_uses_warns_at_its_line():
    """`[Important]: Read this first` alone is a definition: Markdown shows nothing of it, and
    the line vanished without a word; one defined twice, the second is never used."""
    body = render_body(
        "[Important]: Read-this-first\n\n"  # file line 3
        "See [the docs][docs], [Spec] and [page-x].\n\n"
        "[docs]: https://example.org/docs\n"
        "[spec]: https://example.org/spec\n"
        "  [docs]: https://example.org/other\n"  # 9
        "[page-x]: https://example.org/x\n"
        "[unused]: https://example.org/u 'T'\n"  # 11
    )
    found = [(d.line, d.col, d.message) for d in body.diagnostics]
    assert found == [
        (3, 1, "link reference definition [Important] is never used: nothing of it is shown"),
        (11, 1, "link reference definition [unused] is never used: nothing of it is shown"),
        (9, 3, "link reference definition [docs] is defined again above: this one is never used"),
    ]
    assert 'href="https://example.org/docs"' in body.html
    assert 'href="https://example.org/x"' in body.html


def test_a_merge_conflicts_markers_left_in_a_page_warn_outside_code():
    """`<<<<<<< HEAD`, `=======`, `>>>>>>> origin/master` left by a merge: both versions were
    shown, the first as a heading (its underline the `=======`), the last in a deep quote."""
    body = render_body(
        "Intro.\n\n<<<<<<< HEAD\nOpen in CodeSandbox\n=======\nOpen in StackBlitz\n"
        ">>>>>>> origin/master\n\n```diff\n<<<<<<< HEAD\na\n=======\nb\n>>>>>>> x\n```\n\n"
        "A line of ======= in prose.\n"
    )
    found = [(d.line, d.col, d.message.split(":")[0]) for d in body.diagnostics]
    assert found == [
        (5, 1, "a merge conflict's marker (<<<<<<<)"),
        (7, 1, "a merge conflict's marker (=======)"),
        (9, 1, "a merge conflict's marker (>>>>>>>)"),
    ]


def test_an_unused_definition_in_a_quote_or_list_is_named_by_its_label_as_written():
    """The warning names the label as written, from its `[` to its closing `]`: after the marks
    of a quote or list, with its escapes, and cut short with `…` when it runs over lines."""
    cases = {
        "> [qunused]: https://x\n": (3, 3, "[qunused]"),
        "- [lunused]: https://x\n": (3, 3, "[lunused]"),
        "1. > [deep]: https://x\n": (3, 6, "[deep]"),
        "[a\\]b]: https://x\n": (3, 1, "[a\\]b]"),
        "[multi\nline]: https://x\n": (3, 1, "[multi…"),
        "> [multi\n> line]: https://x\n": (3, 3, "[multi…"),
    }
    for markdown, (line, col, label) in cases.items():
        body = render_body(markdown)
        found = [(d.line, d.col, d.message, d.hint) for d in body.diagnostics]
        assert found == [
            (
                line,
                col,
                f"link reference definition {label} is never used: nothing of it is shown",
                f"use it in a link ([text]{label}), write the line as text (\\[ to start it), "
                "or remove it",
            )
        ], markdown


def test_a_definition_defined_again_in_a_quote_is_named_by_its_label():
    body = render_body("See [x].\n\n[x]: https://a\n> [x]: https://b\n")
    found = [(d.line, d.col, d.message) for d in body.diagnostics]
    assert found == [
        (6, 3, "link reference definition [x] is defined again above: this one is never used")
    ]


def test_a_heading_underlined_with_seven_equals_is_no_conflict_and_html_holds_no_code():
    """`Summary` over `=======` is a heading, not a merge's leftover; markers inside a raw HTML
    block are shown as text, as in prose (a `<pre>` shows them as written, as code does)."""
    heading = render_body("Summary\n=======\n\nText.\n")
    assert heading.diagnostics == []
    body = render_body(
        '<div class="note">\n<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> branch\n</div>\n\n'
        "<pre>\n<<<<<<< HEAD\nexample\n</pre>\n"
    )
    assert [d.line for d in body.diagnostics] == [4, 6, 8]


def test_merge_markers_in_a_pre_inside_an_html_block_are_an_example():
    """A git tutorial shows a conflict in a `<pre>` inside a `<div>` or `<details>`."""
    body = render_body(
        '<div class="example">\n<pre>\n<<<<<<< HEAD\nOurs\n=======\nTheirs\n'
        ">>>>>>> feature\n</pre>\n</div>\n\n<details><summary>See</summary><pre><code>\n"
        "<<<<<<< HEAD\nx\n>>>>>>> y\n</code></pre></details>\n"
    )
    assert body.diagnostics == []


def test_a_pre_named_in_a_comment_or_a_custom_element_hides_no_conflict():
    body = render_body(
        "<div>\n<!-- <pre> is used below -->\n<pre-x></pre-x>\n<<<<<<< HEAD\nmine\n=======\n"
        "theirs\n>>>>>>> x\n</div>\n"
    )
    assert [d.line for d in body.diagnostics] == [6, 8, 10]
