"""Raw HTML of a page, read with Python's HTML parser as a browser reads it.

The parser stops with an AssertionError inside a marked section it cannot name (`<![if x`, `<![=`),
where a browser reads a comment up to the next `>` (CDATA too, outside SVG and MathML): each `<![`
is read as `<!?`, which the parser takes for that very comment, at the same length (positions hold).
"""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from typing import TypeVar

Parser = TypeVar("Parser", bound=HTMLParser)


def read_html(make: Callable[[], Parser], text: str) -> Parser:
    """A parser made by MAKE that has read TEXT, whole."""
    parser = make()
    parser.feed(text.replace("<![", "<!?"))
    parser.close()
    return parser
