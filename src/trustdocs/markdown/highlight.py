"""Pygments highlighting of code blocks, one HTML string per source line.

Pygments is loaded when a block is first lexed: a build whose code blocks all come from the
cache (most builds after an edit) never loads it.
"""

from __future__ import annotations

import collections
import functools
import operator
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pygments.formatters import HtmlFormatter
    from pygments.lexer import Lexer

# when a block's own lexer finds errors, the lexer of the superset language it may be written in
SUPERSET_LANGUAGES = {"js": "jsx", "javascript": "jsx", "ts": "tsx", "typescript": "tsx"}


@functools.cache
def lexer_for(language: str) -> Lexer:
    """The lexer for a fence's language word or a file extension; plain text when none fits.

    `stripnl=False`: a code block keeps its leading and trailing blank lines, as CommonMark says.
    """
    from pygments.lexers import TextLexer, get_lexer_by_name, get_lexer_for_filename
    from pygments.util import ClassNotFound

    from trustdocs.markdown.lexing import accelerated

    if not language:
        return TextLexer(stripnl=False)
    try:
        return accelerated(get_lexer_by_name(language, stripnl=False))
    except ClassNotFound:
        try:
            return accelerated(get_lexer_for_filename(f"file.{language}", stripnl=False))
        except ClassNotFound:
            return TextLexer(stripnl=False)


@functools.cache
def _formatter() -> HtmlFormatter[str]:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True)


def _errors(tokens: list[tuple[Any, str]]) -> int:
    from pygments.token import Error

    # Counted by kind, in C: a block has thousands of tokens and a dozen kinds.
    kinds = collections.Counter(map(operator.itemgetter(0), tokens))
    return sum(count for kind, count in kinds.items() if kind in Error)


CodeBlock = tuple[str, str]  # (code, language word) as a fence gives them
_GIVEN: dict[CodeBlock, tuple[str, ...]] = {}  # one page's blocks, as an earlier build made them


def given_highlights(blocks: Mapping[CodeBlock, tuple[str, ...]]) -> None:
    """Take BLOCKS' lines, as `highlighted_lines` made them in an earlier build, for its own
    (in place of the blocks given before: a page's, while it renders)."""
    _GIVEN.clear()
    _GIVEN.update(blocks)


def highlighted_lines(code: str, language: str) -> tuple[str, ...]:
    """The code as HTML, one string per source line, tags balanced within each line.

    A block whose lexer stumbles is tried with its superset language's lexer (JSX in a .js file).
    Lexed once per process (a page and its print chapter show the same blocks, and lessons repeat
    them), and not at all when an earlier build's lines were given (`given_highlights`).
    """
    given = _GIVEN.get((code, language))
    return given if given is not None else _lexed_lines(code, language)


@functools.lru_cache(maxsize=4096)
def _lexed_lines(code: str, language: str) -> tuple[str, ...]:
    if not code:
        return ()
    language = language.lower()
    tokens = list(lexer_for(language).get_tokens(code))
    superset = SUPERSET_LANGUAGES.get(language)
    if superset is not None and _errors(tokens):
        alternative = list(lexer_for(superset).get_tokens(code))
        if _errors(alternative) < _errors(tokens):
            tokens = alternative
    from pygments import format as format_tokens

    html = format_tokens(tokens, _formatter())
    lines = html.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return tuple(lines)
