"""Joined lexer states give Pygments' own tokens, for every lexer it has and for any text."""

from __future__ import annotations

import random
import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments import format
from pygments.formatters import HtmlFormatter
from pygments.lexer import RegexLexer, bygroups
from pygments.lexers import get_all_lexers, get_lexer_by_name
from pygments.token import Error, Keyword, Name, Punctuation, String, Text

from trustdocs.markdown import lexing
from trustdocs.markdown.highlight import highlighted_lines
from trustdocs.markdown.lexing import accelerated

SAMPLES = [
    "function f(a, b) {\n  // note\n  return a + b * 2 / 3; /* x */\n"
    '  const s = \'it\' + "q\\"" + `t${a}`, re = /ab+c/gi;\n}\n',
    "def f(x):\n    '''doc'''\n    return [i**2 for i in range(x) if i % 2]  # c\n"
    "@decorator\nclass A(B): pass\n",
    "<div class=\"a\" id='b'>Text &amp; <span>more</span><!-- c --></div>\n"
    "<script>let x = 1 < 2;</script><style>a { color: red; }</style>\n",
    "SELECT a FROM t WHERE x = 'y'; -- c\nfor i in $(seq 1 3); do echo \"$i\"; done\n"
    '{"a": [1, 2.5, true, null]}\nkey: value\n  - b: c\n',
]
PUNCTUATION = (
    "\t\x00 ünïcödé ✓ 日本語 \\ \\\\ ' \" ` ~ ! @ # $ % ^ & * ( ) [ ] { } < > ? / | ; : , .\n\n"
)
SAMPLES.append(PUNCTUATION)
# Text no language would write, that sends a lexer down its rarest paths and its error path.
_NOISE = random.Random(11)
SAMPLES += [
    "".join(_NOISE.choice(string.printable + "é日\u2028") for _ in range(300)) for _ in range(2)
]

# Pygments' own Maple lexer backtracks for seconds over that line: not given it.
TOO_SLOW = {("maple", PUNCTUATION)}
ALIASES = sorted(aliases[0] for _, aliases, _, _ in get_all_lexers() if aliases)
COURSE_LANGUAGES = [
    "javascript", "jsx", "typescript", "tsx", "python", "html", "css", "bash", "json", "yaml",
]  # fmt: skip


def _tokens(lexer: object, text: str) -> list[tuple[object, str]] | str:
    try:
        return list(lexer.get_tokens(text))  # type: ignore[attr-defined]
    except Exception as exc:  # a lexer of Pygments' that fails on such text fails alike
        return type(exc).__name__


@pytest.fixture
def joined_at_once(monkeypatch):
    """Each lexer state joined as soon as it is entered, rather than once it lexed enough."""
    monkeypatch.setattr(lexing, "TOKENS_PER_CHARACTER", 0)


def test_every_pygments_lexer_gives_its_own_tokens_when_joined(joined_at_once):
    differing = []
    for alias in ALIASES:
        stock = get_lexer_by_name(alias, stripnl=False)
        joined = accelerated(get_lexer_by_name(alias, stripnl=False))
        for text in SAMPLES:
            if (alias, text) not in TOO_SLOW and _tokens(stock, text) != _tokens(joined, text):
                differing.append((alias, text[:30]))
    assert len(ALIASES) > 400 and differing == []


@settings(max_examples=60, deadline=None)
@given(
    language=st.sampled_from(COURSE_LANGUAGES),
    text=st.text(alphabet=string.printable + "éü日✓\u2028\x00", max_size=200),
)
def test_the_languages_of_courses_give_pygments_tokens_for_any_text(language, text):
    stock = get_lexer_by_name(language, stripnl=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lexing, "TOKENS_PER_CHARACTER", 0)
        joined = accelerated(get_lexer_by_name(language, stripnl=False))
        assert _tokens(joined, text) == _tokens(stock, text)


@pytest.mark.parametrize("language", COURSE_LANGUAGES)
def test_a_state_joined_while_a_block_is_lexed_gives_pygments_tokens(language):
    # Long enough for the main state to be joined part of the way through.
    text = "".join(SAMPLES[:4]) * 150
    stock = get_lexer_by_name(language, stripnl=False)
    joined = accelerated(get_lexer_by_name(language, stripnl=False))
    assert _tokens(joined, text) == _tokens(stock, text)


def _lexer(rule: tuple[object, ...]) -> RegexLexer:
    """A lexer whose main state holds RULE among rules of the usual kinds."""

    class Trap(RegexLexer):
        name = "trap"
        tokens = {  # noqa: RUF012 (Pygments reads the class attribute)
            "root": [(r"(\w+)(=)", bygroups(Name, Punctuation)), rule, (r"\s+|.", Text)],
        }

    return Trap(stripnl=False)


# Rules a joined expression would read otherwise than their own: each refers to its own groups
# (by number, by name, in a condition), or sets a flag for its whole expression.
TRAPS = {
    "group by number": ((r"(['\"]).*?\1", String), "a='x' b=\"y'z\" 'it''s' \"'\""),
    "group by name": ((r"(?P<fence>~+)x(?P=fence)", String), "~~x~~ ~~x~ ~x~~ a=~x~"),
    "condition": ((r"(<)?\w+(?(1)>)", Keyword), "<a> b <c d> <e"),
    "flag for all": ((r"(?i)select", Keyword), "SELECT Select a=select"),
    "verbose for all": ((r"(?x) sel ect  # the word", Keyword), "select sel ect\nselect#"),
    "several for all": ((r"(?si)a.b", Keyword), "A\nB a.b ab"),
}
# Under re.VERBOSE, a rule may end in a comment, which would run on over the rules after it.
COMMENTED = [(r"a  # an a", Name), ("\n b  # a b\n", Keyword), (r"\s+|.", Text)]


@pytest.mark.parametrize("trap", sorted(TRAPS))
def test_rules_reading_their_own_groups_give_pygments_tokens(trap, joined_at_once):
    rule, text = TRAPS[trap]
    assert _tokens(accelerated(_lexer(rule)), text) == _tokens(_lexer(rule), text)


def test_rules_ending_in_a_comment_give_pygments_tokens(joined_at_once):
    class Commented(RegexLexer):
        name = "commented"
        flags = re.VERBOSE
        tokens = {"root": COMMENTED}  # noqa: RUF012 (Pygments reads the class attribute)

    for text in ("ab b a", "b\na"):
        assert _tokens(accelerated(Commented()), text) == _tokens(Commented(), text)


def test_a_javascript_block_written_as_jsx_is_highlighted_as_jsx():
    code = 'const hello = <div className="x">{name}</div>;\n'
    plain = list(get_lexer_by_name("javascript", stripnl=False).get_tokens(code))
    assert any(kind in Error for kind, _ in plain)  # JavaScript's own lexer stumbles on it
    as_javascript = tuple(format(plain, HtmlFormatter(nowrap=True)).split("\n")[:-1])
    assert highlighted_lines(code, "js") == highlighted_lines(code, "jsx") != as_javascript
