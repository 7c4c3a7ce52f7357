"""diagnostics.py: the compiler-style lines authors read."""

from trustdocs.diagnostics import (
    did_you_mean,
    error,
    github_annotation,
    sort_diagnostics,
    warning,
)


def test_format_with_and_without_hint():
    assert error("a.md", 3, 7, "unknown parent 'x'", "did you mean 'y'?").format() == (
        "a.md:3:7: error: unknown parent 'x' (did you mean 'y'?)"
    )
    assert warning("b.md", 1, 1, "no @page tag").format() == "b.md:1:1: warning: no @page tag"


def test_sorted_by_file_then_line_and_repeats_dropped():
    found = [
        warning("b.md", 2, 1, "w"),
        error("a.md", 10, 1, "e"),
        error("a.md", 9, 4, "e"),
        warning("b.md", 2, 1, "w"),
    ]
    assert [(d.path, d.line) for d in sort_diagnostics(found)] == [
        ("a.md", 9),
        ("a.md", 10),
        ("b.md", 2),
    ]


def test_did_you_mean_only_for_close_names():
    assert (
        did_you_mean("comunication", ["communication", "agreements"])
        == "did you mean 'communication'?"
    )
    assert did_you_mean("zebra", ["communication", "agreements"]) == ""


def test_github_annotation_escapes_as_the_actions_toolkit_does():
    # Properties also escape ':' and ',' (they separate properties); the message keeps them.
    problem = warning("C:\\course\\a,b.md", 2, 3, "50% done:\r\nnext line", "try 'x, y'")
    assert github_annotation(problem) == (
        "::warning file=C%3A\\course\\a%2Cb.md,line=2,col=3::50%25 done:%0D%0Anext line (try 'x, y')"
    )


def test_control_characters_in_a_problem_are_shown_as_escapes_on_its_one_line():
    """A link to `page.md#%00` or `#%1b[2J` put a NUL, or a terminal's escape sequence, into the
    message as it was: the terminal garbled, and a newline would split the line editors read."""
    from trustdocs.diagnostics import warning

    shown = warning("a.md", 1, 1, "no anchor '#\x00\x1b[2J'", "line\nbreak").format()
    assert shown == "a.md:1:1: warning: no anchor '#\\x00\\x1b[2J' (line\\x0abreak)"
