"""markdown/directives.py: @sourceref, @diff, @highlight and @codepen."""

from trustdocs.markdown import changed_lines


def test_changed_lines_ignores_whitespace_semicolons_and_blank_lines():
    old = "a = 1;\nb = 2\n\nc()\n"
    new = "  a = 1\nb = 3\n\nc()\nc()\n"
    assert changed_lines(old, new) == {2, 5}
