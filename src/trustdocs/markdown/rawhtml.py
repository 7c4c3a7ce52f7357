"""Raw HTML of a page, read with Python's HTML parser as a browser reads it.

The parser stops with an AssertionError inside a marked section it cannot name (`<![if x`, `<![=`),
where a browser reads a comment up to the next `>` (CDATA too, outside SVG and MathML): each `<![`
is read as `<!?`, which the parser takes for that very comment, at the same length (positions hold).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import TypeVar

Parser = TypeVar("Parser", bound=HTMLParser)


def read_html(make: Callable[[], Parser], text: str) -> Parser:
    """A parser made by MAKE that has read TEXT, whole."""
    parser = make()
    parser.feed(text.replace("<![", "<!?"))
    parser.close()
    return parser


# One attribute of a start tag, after the tag's name or the attribute before it: its name, and its
# value, quoted or not (as Python's HTML parser splits a tag): an `href=` inside another attribute's
# quoted value is part of that value.
_ATTRIBUTE = re.compile(r"""[\s/]*([^\s/>"'=][^\s/>=]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))?""")
_TAG_NAME = re.compile(r"<[^\s/>]+")


def attribute_values(text: str) -> Iterator[tuple[str, int, int]]:
    """Each attribute of the start tag TEXT that has a value: its name (lower case) and where
    the value stands in TEXT, inside its quotes."""
    name = _TAG_NAME.match(text)
    at = name.end() if name else 0
    while (found := _ATTRIBUTE.match(text, at)) is not None and found.end() > at:
        at = found.end()
        value = found.group(2)
        if value is not None:
            quoted = value[:1] in ("'", '"')
            yield found.group(1).lower(), found.start(2) + quoted, found.end(2) - quoted


def tag_attributes(text: str) -> dict[str, str | None]:
    """The attributes of the start tag TEXT by name (lower case, the first of a name twice, as
    a browser keeps it): each value without its quotes, None for one written without a value."""
    name = _TAG_NAME.match(text)
    at = name.end() if name else 0
    found: dict[str, str | None] = {}
    while (match := _ATTRIBUTE.match(text, at)) is not None and match.end() > at:
        at = match.end()
        value = match.group(2)
        if value is not None and value[:1] in ("'", '"'):
            value = value[1:-1]
        found.setdefault(match.group(1).lower(), value)
    return found


def start_tag_end(text: str, start: int) -> int:
    """Where the start tag at START of TEXT ends, after its `>`, its attributes read as a browser
    reads them (a `>` in a quoted value ends nothing); -1 when it does not end."""
    name = _TAG_NAME.match(text, start)
    at = name.end() if name else start
    while (found := _ATTRIBUTE.match(text, at)) is not None and found.end() > at:
        at = found.end()
    end = text.find(">", at)
    return end + 1 if end >= 0 else -1
