"""markdown/unshownhtml.py: raw HTML that shows nothing of itself is a warning where it is written."""

from page_body import render_body

PROSE = (
    "Returns Array<string> from the call.\n\n"  # file line 3
    "Use the <T> type parameter and Promise<void>.\n\n"  # 5
    "- An item with <Component /> in it.\n\n"  # 7
    "Print with <?php echo $name; ?> in a template.\n\n"  # 9
    "Start with <!DOCTYPE html> first.\n\n"  # 11
    "Wrap data in <![CDATA[ raw ]]> blocks.\n\n"  # 13
    "| type | use |\n| --- | --- |\n| List<Integer> | x |\n\n"  # 17
    "<T>\n\n"  # 19
    "<?php echo 1; ?>\n"  # 21
)


def test_prose_about_code_that_reads_as_raw_html_warns_at_each_tag():
    """`Array<string>` in prose became an element no browser knows, and `string` was gone from
    the page without a word; a processing instruction, a declaration or CDATA vanish whole."""
    body = render_body(PROSE)
    found = sorted((d.line, d.col, d.message.split(" is read as")[0]) for d in body.diagnostics)
    assert found == [
        (3, 14, "<string>"),
        (5, 9, "<T>"),
        (5, 39, "<void>"),
        (7, 16, "<Component />"),
        (9, 12, "<?php echo $name; ?>"),
        (11, 12, "<!DOCTYPE html>"),
        (13, 14, "<![CDATA[ raw ]]>"),
        (17, 7, "<Integer>"),
        (19, 1, "<T>"),
        (21, 1, "<?php echo 1; ?>"),
    ]
    assert all(d.severity == "warning" for d in body.diagnostics)
    (told,) = [d for d in body.diagnostics if d.line == 3]
    assert told.message == (
        "<string> is read as an HTML tag, and no browser knows <string>: it is not shown"
    )
    assert "backticks" in told.hint
    assert "Array<string>" in body.html  # what the page shows is as it was


def test_known_elements_custom_elements_and_comments_are_quiet():
    body = render_body(
        "Press <kbd>Ctrl</kbd><br/>, <my-widget>x</my-widget>, <svg><path d='M0'/></svg>,\n"
        "<math><mi>x</mi></math>, <!-- a note -->, <CENTER>old</CENTER>.\n\n"
        "<details>\n<summary>More</summary>\n\nText.\n\n</details>\n\n"
        "`Array<string>` and Array\\<string> show as text.\n"
    )
    assert body.diagnostics == []
