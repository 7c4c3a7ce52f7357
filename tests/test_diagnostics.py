"""diagnostics.py: the compiler-style lines authors read."""

from trustdocs.diagnostics import did_you_mean, error, sort_diagnostics, warning


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
