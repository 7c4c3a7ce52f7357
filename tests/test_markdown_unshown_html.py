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


def test_component_and_generic_names_that_are_svg_or_html_elements_warn_too():
    """`<Text>`, `<Link />`, `List<Path>`: a component's or a type's name, which a browser reads
    as an element it does not know (`<path>` and `<text>` are SVG's, inside `<svg>` only)."""
    body = render_body(
        "Use <Text>, <Link /> and List<Path>; <path> too.\n\n"  # file line 3
        "Drawn: <svg><path d='M0'/><text>x</text></svg>, <math><mi>x</mi></math>, <B>b</B>.\n"
    )
    found = sorted((d.line, d.col, d.message.split(" is read as")[0]) for d in body.diagnostics)
    assert found == [(3, 5, "<Text>"), (3, 13, "<Link />"), (3, 30, "<Path>"), (3, 38, "<path>")]


def test_tags_inside_a_raw_html_block_are_read_as_a_browser_reads_them():
    """Prose about code inside `<details>` lost its words as in a paragraph; a pasted SVG file
    (its `<?xml …?>` and `<!DOCTYPE svg …>`) and a script's text are not prose."""
    body = render_body(
        "<details><summary>Solution</summary>\n"  # file line 3
        "Update Array<string> and <T>.\n"
        "</details>\n\n"
        '<?xml version="1.0"?>\n'  # 7
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n'
        "<svg><rect/><text>T</text></svg>\n\n"
        "<script>\nif (a<b && c<Foo>d) {}\n</script>\n"  # 11
    )
    found = sorted((d.line, d.col, d.message.split(" is read as")[0]) for d in body.diagnostics)
    assert found == [(4, 13, "<string>"), (4, 26, "<T>")]


def test_a_heading_of_tags_is_said_once_and_in_a_bitdocs_site_shown():
    """`## <Foo>`: a site.yaml site says the heading shows no text (once, not for each tag); a
    bit-docs site shows the tag as text, as bit-docs did, and says nothing."""
    body = render_body("## <Foo>\n\n## Use Array<Bar> here\n")
    messages = sorted((d.line, d.message) for d in body.diagnostics)
    assert [line for line, _ in messages] == [3, 5]
    assert "shows no text" in messages[0][1] and messages[1][1].startswith("<Bar> is read as")
    bitdocs = render_body("## <Foo>\n\nText.\n", bitdocs=True)
    assert bitdocs.diagnostics == []
    assert "&lt;Foo&gt;" in bitdocs.html


def test_html_written_with_capitals_in_a_block_and_svg_over_blocks_are_quiet():
    """`<Button>`, `<Img>` in a raw HTML block are HTML a browser shows; an `<svg>` split by a
    blank line goes on in the next block. In prose, `<Link />` is a component's name: HTML's
    `<link>`, which shows nothing of it."""
    body = render_body(
        "<div>\n<Button>Go</Button> <Br>\n</div>\n\n"
        '<svg width="10">\n<rect width="10"/>\n\n<circle r="3"/>\n</svg>\n\n'
        "Wrap it in <Link /> first.\n"  # file line 13
    )
    found = [(d.line, d.col, d.message) for d in body.diagnostics]
    assert found == [
        (13, 12, "<Link /> is read as the HTML tag <link>: the name Link is not shown")
    ]


def test_a_component_that_is_htmls_link_or_meta_on_its_own_line_warns():
    """`<Link href="/about" />` alone on a line is a raw HTML block: HTML's `<link>`, which shows
    nothing, where a React or Next.js lesson meant the component's name."""
    body = render_body('Add the component:\n\n<Link href="/about" />\n\n<Meta name="x" />\n')
    assert [(d.line, d.col) for d in body.diagnostics] == [(5, 1), (7, 1)]
    assert body.diagnostics[0].message.startswith('<Link href="/about" /> is read as the HTML')
