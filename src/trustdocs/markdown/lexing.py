"""Pygments' regular-expression lexers, each state's rules tried by one expression.

A `RegexLexer` tries the rules of its current state one expression at a time, in Python, until one
matches: lexing JavaScript, about fifteen calls a token. Highlighting was most of the time a
code-heavy course took to build. Here the rules of a state are joined into one alternation, each
rule its own group, in the order Pygments tries them: the regular-expression engine tries them in
the same order and stops at the same first match, in one call from Python. The lexer's tokens are
the same, token for token (the tests compare them with Pygments' own for every lexer it has).

A state is joined only when its rules cannot tell the difference: none refers to a group by
number or name (`\\1`, `(?P=name)`, `(?(1)…)`), none names a group, all were compiled with the
lexer's flags, and the joined expression has exactly their groups. A flag a rule sets for its
whole expression (`(?i)…`) is set for its own group (`(?i:…)`). Any other state, and any lexer that
lexes in a way of its own, is lexed as Pygments does.
"""

from __future__ import annotations

import functools
import operator
import re
import types
from collections.abc import Callable, Iterator
from typing import Any

from pygments.lexer import Lexer, RegexLexer
from pygments.token import Error, Whitespace, _TokenType

# What only the expression it was written in can read: a group by number or name, a conditional.
_REFERS_TO_GROUPS = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")

_WHOLE_FLAGS = re.compile(r"\(\?([aiLmsux]+)\)")
_FLAG_OF = {"a": re.A, "i": re.I, "L": re.L, "m": re.M, "s": re.S, "u": re.U, "x": re.X}
# Under re.VERBOSE, a rule's last line may be a comment: it ends here, not at the group's end.
_END_OF_COMMENT = "\n"
# A state is joined once it has lexed this many tokens for each character of its expressions.
TOKENS_PER_CHARACTER = 1
_PENDING: Any = object()  # a state not tried for joining yet
Rule = tuple[Callable[..., Any], Any, Any]  # Pygments' (match, action, new state) of a rule
Joined = tuple[Callable[[str, int], re.Match[str] | None], list[Rule | None]]


def accelerated(lexer: Lexer) -> Lexer:
    """LEXER, lexing with each state's rules joined where that gives the very same tokens."""
    if type(lexer).get_tokens_unprocessed is not RegexLexer.get_tokens_unprocessed:
        return lexer  # lexes in a way of its own (a delegating lexer, one with a context)
    tokens = getattr(lexer, "_tokens", None)
    if not isinstance(tokens, dict):
        return lexer
    joining = _Joining(tokens)
    lexer.get_tokens_unprocessed = types.MethodType(  # type: ignore[method-assign]
        lambda self, text, stack=("root",): _lexed(self, joining, text, stack), lexer
    )
    return lexer


class _Joining:
    """A lexer's states, each joined once it has lexed enough to be worth it.

    Joining costs about a microsecond for each character of a state's expressions (20 ms for
    TypeScript's main state), and saves about as much for each token lexed in it. A state is
    joined once it has lexed as many tokens as its expressions have characters: a course with a
    few short blocks pays nothing, and one with thousands pays at most twice the least it could.
    """

    def __init__(self, definitions: dict[str, list[Rule]]) -> None:
        self.definitions = definitions
        self.joined: dict[str, Joined | None] = {}  # None: a state that cannot be joined
        self._due: dict[str, int] = {}  # state -> tokens it lexes before it is joined

    def count(self, state: str) -> None:
        """One token lexed in STATE, not joined yet: join it when that is due."""
        due = self._due.get(state)
        if due is None:
            due = TOKENS_PER_CHARACTER * sum(
                len(_pattern(rule)) for rule in self.definitions[state]
            )
        if due <= 0:
            self.joined[state] = _joined(self.definitions[state])  # counted no more
        self._due[state] = due - 1


def _compiled(rule: Rule) -> re.Pattern[str] | None:
    """The expression of a rule, as Pygments compiled it; None if it has no text one."""
    pattern = getattr(rule[0], "__self__", None)
    if isinstance(pattern, re.Pattern) and isinstance(pattern.pattern, str):
        return pattern
    return None


def _pattern(rule: Rule) -> str:
    """The text of a rule's expression ("" if it has none)."""
    pattern = _compiled(rule)
    return "" if pattern is None else pattern.pattern


def _joined(rules: list[Rule]) -> Joined | None:
    """One expression for the RULES of a state, and the rule of each of its groups; None when
    joining them could change what matches."""
    parts: list[str] = []
    by_group: list[Rule | None] = [None]
    flags: int | None = None
    for rule in rules:
        if not (isinstance(rule, tuple) and len(rule) == 3):
            return None
        pattern = _compiled(rule)
        if pattern is None:
            return None
        if pattern.groupindex or _REFERS_TO_GROUPS.search(pattern.pattern):
            return None
        part, own = _scoped(pattern.pattern)
        lexer_flags = pattern.flags & ~(own & ~re.UNICODE)  # what Pygments compiled it with
        if part:  # an empty one (Pygments' `default`) matches alike under any flags
            if flags is not None and lexer_flags != flags:
                return None
            flags = lexer_flags
        parts.append(f"({part}{_END_OF_COMMENT if lexer_flags & re.VERBOSE else ''})")
        by_group += [rule] + [None] * pattern.groups
    if not parts:
        return None
    try:
        expression = re.compile("|".join(parts), flags or 0)
    except (re.error, RecursionError, OverflowError):
        return None
    if expression.groups != len(by_group) - 1:  # a rule read otherwise than on its own
        return None
    return expression.match, by_group


def _scoped(pattern: str) -> tuple[str, int]:
    """PATTERN with the flags it sets for its whole expression (`(?i)…`), which only its start
    may set, set for its own group (`(?i:…)`); and those flags."""
    leading = _WHOLE_FLAGS.match(pattern)
    if leading is None:
        return pattern, 0
    letters = leading.group(1)
    own = functools.reduce(operator.or_, (_FLAG_OF[letter] for letter in letters))
    rest = pattern[leading.end() :] + (_END_OF_COMMENT if own & re.VERBOSE else "")
    return f"(?{letters}:{rest})", own


def _lexed(
    lexer: Lexer, joining: _Joining, text: str, stack: tuple[str, ...]
) -> Iterator[tuple[int, Any, str]]:
    """`RegexLexer.get_tokens_unprocessed`, with a joined state's rules tried in one call."""
    # One loop, without calls of its own per token: it runs for every token of every block.
    definitions, joined = joining.definitions, joining.joined
    position = 0
    states = list(stack)
    while True:
        rule: Rule | None = None
        found = joined.get(states[-1], _PENDING)
        match = None
        is_joined = found is not None and found is not _PENDING
        if is_joined:
            match = found[0](text, position)
            if match is not None:
                group = match.lastindex or 0  # the rule's group: it closes last
                rule, end = found[1][group], match.end(group)
        if rule is None and (not is_joined or match is not None):
            # Tried one by one: not joined (yet), or the joined expression's answer was unclear.
            for candidate in definitions[states[-1]]:
                match = candidate[0](text, position)
                if match:
                    rule, end = candidate, match.end()
                    break
            if found is _PENDING:
                joining.count(states[-1])
        if rule is None:
            # No rule matched: at a line end, back to the root state; else one character an error.
            if position >= len(text):
                return
            if text[position] == "\n":
                states = ["root"]
                yield position, Whitespace, "\n"
            else:
                yield position, Error, text[position]
            position += 1
            continue
        action, new_state = rule[1], rule[2]
        if action is not None:
            if type(action) is _TokenType:
                yield position, action, text[position:end]
            else:  # a callback (`bygroups`, `using`): given the rule's own match
                yield from action(lexer, rule[0](text, position))
        position = end
        if new_state is not None:
            _change_state(states, new_state)


def _change_state(states: list[str], new_state: Any) -> None:
    """Move along the state stack as Pygments does for a rule's NEW_STATE."""
    if isinstance(new_state, tuple):
        for state in new_state:
            if state == "#pop":
                if len(states) > 1:
                    states.pop()
            elif state == "#push":
                states.append(states[-1])
            else:
                states.append(state)
    elif isinstance(new_state, int):
        # pop, but keep at least one state on the stack
        if abs(new_state) >= len(states):
            del states[1:]
        else:
            del states[new_state:]
    elif new_state == "#push":
        states.append(states[-1])
    else:
        raise ValueError(f"wrong state definition: {new_state!r}")
