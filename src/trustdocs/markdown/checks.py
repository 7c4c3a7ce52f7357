"""Knowledge checks: a question, its options with feedback, and a model answer, written in Markdown.

```
::: check What should Maya do before Thursday's steering meeting?
Optional scenario paragraphs.

- [ ] An option.
  Its feedback, indented under it.
- [x] The right option.
  Why it is right.

::: answer
A model answer.
:::
```

A block rule reads the lines from `::: check` to the next bare `:::` (a `::: answer` line in between
starts the model answer); a core rule then turns the list of `[ ]`/`[x]` items into options, before
inline rules run, so an option's marker is never a cross-link or a task-list checkbox. The markup
comes from the theme's `partials/check.html` macros; the theme's checks.js makes it interactive.
In the print page a check stands without its feedback and model answer (`answers_apart`), which
the print template lists at the end of the chapter.
"""

from __future__ import annotations

import collections
import functools
import re
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import OptionsDict

from trustdocs.diagnostics import error, warning
from trustdocs.markdown.codeblocks import theme_macro
from trustdocs.markdown.positions import report
from trustdocs.markdown.printpage import own_anchor
from trustdocs.snapshot import RenderContext

CHECK_PARTIAL = "partials/check.html"
OPENING = re.compile(r":::[ \t]*check(?:[ \t]+(.*?))?[ \t]*$")
ANSWER = re.compile(r":::[ \t]*answer[ \t]*$")
CLOSING = ":::"
_FENCE = re.compile(r"(`{3,}|~{3,})")  # a code fence's opening or closing marks
OPTION_MARKER = re.compile(r"\[([ xX])\](?:[ \t]+|$)")


def knowledge_check_plugin(md: MarkdownIt) -> None:
    """Read `::: check` blocks, shape their options, and render them through the theme's macros."""
    md.block.ruler.before(
        "paragraph",
        "knowledge_check",
        knowledge_check_block,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )
    md.core.ruler.after("block", "knowledge_check_options", shape_checks)
    for kind in RENDERED:
        md.add_render_rule(kind, render_check_token)


def check_anchor(context: RenderContext, number: int) -> str:
    """The id of check NUMBER of the page being rendered (prefixed by its chapter in the print page)."""
    return own_anchor(context, f"check-{number}")


def check_anchors(tokens: list[Token]) -> set[str]:
    """The ids of a page's checks, so that `[page#check-2]` can point at one."""
    return {f"check-{token.meta['number']}" for token in tokens if token.type == "check_open"}


def _line_text(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _is_marker_line(state: StateBlock, line: int) -> bool:
    """Whether LINE can hold a `:::` line of a check: not indented into code."""
    return state.sCount[line] - state.blkIndent < 4


def knowledge_check_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """`::: check QUESTION` up to a bare `:::`, with an optional `::: answer` line in between."""
    if not _is_marker_line(state, start):
        return False
    opening = OPENING.match(_line_text(state, start))
    if opening is None:
        return False
    if silent:
        return True

    answer_line, close_line, last = _check_lines(state, start, end)
    question = (opening.group(1) or "").strip()
    content_end = close_line if close_line is not None else last
    old_parent, old_max = state.parentType, state.lineMax
    state.parentType = "knowledge_check"

    token = state.push("check_open", "section", 1)
    token.map = [start, content_end + (1 if close_line is not None else 0)]
    token.meta = {"question": question, "closed": close_line is not None}
    token = state.push("check_question_open", "p", 1)
    token.map = [start, start + 1]
    token = state.push("inline", "", 0)
    token.content = question
    token.map = [start, start + 1]
    token.children = []
    state.push("check_question_close", "p", -1)

    body_end = answer_line if answer_line is not None else content_end
    state.lineMax = body_end  # no lazy continuation runs past `::: answer` or the closing `:::`
    state.md.block.tokenize(state, start + 1, body_end)
    if answer_line is not None:
        token = state.push("check_answer_open", "details", 1)
        token.map = [answer_line, content_end]
        state.lineMax = content_end
        state.md.block.tokenize(state, answer_line + 1, content_end)
        state.push("check_answer_close", "details", -1)
    state.push("check_close", "section", -1)

    state.parentType, state.lineMax = old_parent, old_max
    state.line = content_end + (1 if close_line is not None else 0)
    return True


def _check_lines(state: StateBlock, start: int, end: int) -> tuple[int | None, int | None, int]:
    """Where the check opened at START has its `::: answer` line and its closing `:::` (None when
    it has none), and the line after its content when it is never closed."""
    answer_line: int | None = None
    close_line: int | None = None
    last = start + 1
    line = start + 1
    fence = ""  # the marks of the code fence open, if one is
    while line < end:
        if state.isEmpty(line):
            line += 1
            continue
        if state.sCount[line] < state.blkIndent:
            break  # the list item or quote holding the check ended
        text = _line_text(state, line).strip()
        if fence:  # a `:::` line in a code block is the code's (Markdown a check quotes)
            if re.fullmatch(rf"{re.escape(fence[0])}{{{len(fence)},}}", text):
                fence = ""  # closed: as long as it opened, or longer, of the same marks
        elif _is_marker_line(state, line) and (opened := _FENCE.match(text)):
            fence = opened.group(1)
        elif _is_marker_line(state, line):
            if text == CLOSING:
                close_line = line
                break
            if OPENING.match(text):
                break  # the next check begins: this one was never closed
            if ANSWER.match(text) and answer_line is None:
                answer_line = line
        line += 1
        last = line
    return answer_line, close_line, last


def _closing_index(tokens: list[Token], index: int) -> int:
    """The index of the token closing the one opened at INDEX."""
    depth = 0
    for position in range(index, len(tokens)):
        depth += tokens[position].nesting
        if depth == 0:
            return position
    return len(tokens) - 1


def shape_checks(state: StateCore) -> None:
    """Turn each check's `[ ]`/`[x]` list into options, number the checks, and report bad ones."""
    tokens = state.tokens
    shaped: list[Token] = []
    number = 0
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type != "check_open":
            if token.type == "inline":
                _warn_stray_markers(token, state.env)
            shaped.append(token)
            index += 1
            continue
        number += 1
        close = _closing_index(tokens, index)
        shaped.extend(_shape_check(tokens[index : close + 1], number, state.env))
        index = close + 1
    state.tokens = shaped


def _warn_stray_markers(token: Token, env: dict[str, Any]) -> None:
    """A `:::` line that shows as text was meant to open, split or close a check: say so."""
    if ":::" not in token.content:
        return
    for offset, line in enumerate(token.content.split("\n")):
        if line.lstrip().startswith(":::"):
            report(
                env,
                (token.map[0] if token.map else 0) + offset,
                ":::",
                warning,
                f"'{line.strip()}' is not part of a knowledge check",
                "a check opens with '::: check QUESTION' and closes with a line holding only :::",
            )


def _shape_check(tokens: list[Token], number: int, env: dict[str, Any]) -> list[Token]:
    """One check's tokens, its options list made of options; what is wrong with it, reported."""
    opening = tokens[0]
    line = opening.map[0] if opening.map else 0
    opening.meta["number"] = number
    if not opening.meta["closed"]:
        report(
            env,
            line,
            ":::",
            error,
            "knowledge check is not closed",
            "end it with a line holding only :::",
        )
    if not opening.meta["question"]:
        report(
            env,
            line,
            ":::",
            error,
            "knowledge check has no question",
            "write the question on the same line: ::: check What would you do?",
        )
    shaped, options, has_answer = _shape_options(tokens, number, env)
    correct = [option for option in options if option.meta["correct"]]
    for token in shaped:
        if token.type.startswith("check_"):
            token.meta = {**token.meta, "number": number, "multiple": len(correct) > 1}
    if options and not correct:
        report(
            env,
            line,
            ":::",
            error,
            "none of this knowledge check's options is marked correct",
            "mark each right option - [x]",
        )
    if not options and not has_answer:
        report(
            env,
            line,
            ":::",
            error,
            "knowledge check has neither options nor a model answer",
            "list options as - [ ] and - [x] items, or write the answer after a line ::: answer",
        )
    opening.meta["options"] = len(options)
    opening.meta["answer"] = has_answer
    return shaped


def _shape_options(
    tokens: list[Token], number: int, env: dict[str, Any]
) -> tuple[list[Token], list[Token], bool]:
    """A check's tokens with its first `[ ]`/`[x]` list made of options; the option openings; and
    whether it has a model answer. A second list of options is reported and left as it is."""
    opening = tokens[0]
    line = opening.map[0] if opening.map else 0
    shaped: list[Token] = []
    options: list[Token] = []
    has_answer = False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "check_answer_open":
            has_answer = True
        is_option_list = (
            token.type == "bullet_list_open"
            and token.level == opening.level + 1
            and not has_answer
            and _opens_with_marker(tokens, index + 1)
        )
        if not is_option_list:
            shaped.append(token)
            index += 1
            continue
        close = _closing_index(tokens, index)
        if options:
            report(
                env,
                token.map[0] if token.map else line,
                "-",
                error,
                "a knowledge check has one list of options",
                "put all its options in one list",
            )
            shaped.extend(tokens[index : close + 1])
        else:
            shaped.extend(_options(tokens[index : close + 1], number, options, env))
        index = close + 1
    return shaped, options, has_answer


def _opens_with_marker(tokens: list[Token], item: int) -> bool:
    """Whether the list item opening at ITEM starts with `[ ]` or `[x]`."""
    return (
        item + 2 < len(tokens)
        and tokens[item].type == "list_item_open"
        and tokens[item + 1].type == "paragraph_open"
        and OPTION_MARKER.match(tokens[item + 2].content) is not None
    )


def _options(
    tokens: list[Token], number: int, options: list[Token], env: dict[str, Any]
) -> list[Token]:
    """A `[ ]`/`[x]` list as options: each item's first line is its label, the rest its feedback."""
    shaped: list[Token] = []
    start = Token("check_options_open", "fieldset", 1, map=tokens[0].map, block=True)
    start.meta = {"number": number}
    shaped.append(start)
    index = 1
    while index < len(tokens) - 1:
        close = _closing_index(tokens, index)
        shaped.extend(_option(tokens[index : close + 1], number, len(options) + 1, options, env))
        index = close + 1
    end = Token("check_options_close", "fieldset", -1, block=True)
    end.meta = {"number": number}
    shaped.append(end)
    return shaped


def _option(
    item: list[Token], number: int, position: int, options: list[Token], env: dict[str, Any]
) -> list[Token]:
    """One list item as an option: a label, and a feedback block holding everything else."""
    line = item[0].map[0] if item[0].map else 0
    children = item[1:-1]
    first = children[1] if len(children) > 2 and children[0].type == "paragraph_open" else None
    marker = OPTION_MARKER.match(first.content) if first is not None else None
    rest = children[3:] if first is not None else children
    text = first.content[marker.end() if marker else 0 :] if first is not None else ""
    label_text, feedback_text = option_label(text)
    if marker is None:
        report(env, line, "-", error, "every option starts with [ ] or [x]", "- [ ] or - [x]")
    elif not label_text.strip():
        report(
            env, line, "-", error, "empty option", "write the option's text after its [ ] or [x]"
        )

    opening = Token("check_option_open", "div", 1, map=item[0].map, block=True)
    correct = marker is not None and marker.group(1) in "xX"
    opening.meta = {"number": number, "position": position, "correct": correct}
    options.append(opening)
    below = line + 1 + label_text.count("\n")  # the label's last line, and the feedback's first
    label = Token("inline", "", 0, map=[line, below], content=label_text.strip(), children=[])
    feedback: list[Token] = []
    if feedback_text.strip():
        end = first.map[1] if first is not None and first.map else below
        feedback += [
            Token("paragraph_open", "p", 1, map=[below, end], block=True),
            Token("inline", "", 0, map=[below, end], content=feedback_text, children=[]),
            Token("paragraph_close", "p", -1, block=True),
        ]
    own = item[0].level + 1  # the item's own blocks; a list within keeps its tightness
    for token in rest:
        if token.level == own:
            token.hidden = False  # a tight list hides its paragraphs; feedback stands as paragraphs
        feedback.append(token)
    feedback_open = Token("check_feedback_open", "details", 1, block=True)
    feedback_open.meta = {"correct": correct}
    return [
        opening,
        Token("check_label_open", "label", 1, block=True),
        label,
        Token("check_label_close", "label", -1, block=True),
        feedback_open,
        *feedback,
        Token("check_feedback_close", "details", -1, block=True),
        Token("check_option_close", "div", -1, block=True),
    ]


def option_label(text: str) -> tuple[str, str]:
    """An option's label and its feedback, from the text of its first paragraph: the label is
    its first line, and the lines down to the end of a link, cross-link, emphasis or code span
    that the first line leaves open (an option wrapped at 80 columns)."""
    whole = _inline_kinds(text)
    at = text.find("\n")
    while at != -1:
        label, feedback = text[:at], text[at + 1 :]
        if _inline_kinds(label) + _inline_kinds(feedback) == whole:
            return label, feedback
        at = text.find("\n", at + 1)
    return text, ""


class _EveryLabel(dict):  # type: ignore[type-arg]
    """Link references that hold every label: `[page-name]` reads as a link, as a cross-link."""

    def get(self, key: object, default: object = None) -> dict[str, str]:  # type: ignore[override]
        return {"href": "#", "title": ""}


@functools.cache
def _commonmark() -> MarkdownIt:
    return MarkdownIt("commonmark")


def _inline_kinds(text: str) -> collections.Counter[str]:
    """How many links, emphases and code spans TEXT holds, each a bracketed word a link."""
    (block,) = _commonmark().parseInline(text, {"references": _EveryLabel()}) or [None]
    children = block.children if block is not None and block.children else []
    return collections.Counter(
        t.type for t in children if t.nesting == 1 or t.type == "code_inline"
    )


RENDERED = (
    "check_open",
    "check_question_open",
    "check_question_close",
    "check_options_open",
    "check_option_open",
    "check_label_open",
    "check_label_close",
    "check_feedback_open",
    "check_feedback_close",
    "check_option_close",
    "check_options_close",
    "check_answer_open",
    "check_answer_close",
    "check_close",
)
OPTION_PIECES = ("check_option_open", "check_label_open", "check_label_close")
OPTION_PIECES += ("check_feedback_open", "check_feedback_close", "check_option_close")


@dataclass(frozen=True)
class CheckView:
    """What the theme's check macros are told about a check."""

    id: str
    number: int
    check_id: str | None  # the key answers are kept under in the browser; None in the print page
    multiple: bool
    for_print: bool


@dataclass(frozen=True)
class OptionView:
    """What the theme's check macros are told about an option."""

    position: int
    correct: bool


def check_view(context: RenderContext, number: int, multiple: bool) -> CheckView:
    """The check NUMBER of the page being rendered, as its macros see it."""
    for_print = context.print_chapter is not None
    check_id = None if for_print else f"{context.page.name}:{number}"
    return CheckView(check_anchor(context, number), number, check_id, multiple, for_print)


def render_check_token(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """One piece of a knowledge check, from the theme's macro of the same name."""
    token = tokens[idx]
    context: RenderContext = env["context"]
    values: dict[str, Any] = {
        "check": check_view(context, token.meta.get("number", 0), token.meta.get("multiple", False))
    }
    if token.type in OPTION_PIECES:
        values["option"] = _option_view(tokens, idx)
    return theme_macro(context, token.type, CHECK_PARTIAL, **values) + "\n"


def _option_view(tokens: list[Token], idx: int) -> OptionView:
    """The option a piece belongs to: the nearest option opening at or before IDX."""
    for position in range(idx, -1, -1):
        if tokens[position].type == "check_option_open":
            meta = tokens[position].meta
            return OptionView(meta["position"], meta["correct"])
    return OptionView(0, False)


@dataclass
class OptionAnswer:
    """An option of a check as the print page lists it: right or not, its label and feedback."""

    correct: bool
    label: list[Token]
    feedback: list[Token] = field(default_factory=list)


@dataclass
class CheckAnswers:
    """The pieces of one check that the print page lists at the end of the check's chapter."""

    number: int
    question: list[Token]
    options: list[OptionAnswer] = field(default_factory=list)
    answer: list[Token] = field(default_factory=list)


def answers_apart(tokens: list[Token]) -> tuple[list[Token], list[CheckAnswers]]:
    """TOKENS without the checks' feedback and model answers, and each check's answers apart."""
    if not any(token.type == "check_open" for token in tokens):
        return list(tokens), []  # a page without checks (most)
    kept: list[Token] = []
    checks: list[CheckAnswers] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "check_open":
            checks.append(CheckAnswers(token.meta["number"], [tokens[index + 2]]))
        elif token.type == "check_option_open":
            label = tokens[index + 2]
            checks[-1].options.append(OptionAnswer(token.meta["correct"], [label]))
        elif token.type in ("check_feedback_open", "check_answer_open"):
            close = _closing_index(tokens, index)
            inside = tokens[index + 1 : close]
            if token.type == "check_answer_open":
                checks[-1].answer = inside
            else:
                checks[-1].options[-1].feedback.extend(inside)
            index = close + 1
            continue
        kept.append(token)
        index += 1
    return kept, checks


def printed_checks(
    checks: list[CheckAnswers], renderer: RendererHTML, options: OptionsDict, env: dict[str, Any]
) -> list[dict[str, object]]:
    """Each check's question, options and answers as HTML, for the end of its print chapter."""
    context: RenderContext = env["context"]
    return [
        {
            "id": check_anchor(context, check.number),
            "number": check.number,
            "question_html": renderer.render(check.question, options, env),
            "options": [
                {
                    "correct": option.correct,
                    "label_html": renderer.render(option.label, options, env),
                    "feedback_html": renderer.render(option.feedback, options, env),
                }
                for option in check.options
            ],
            "answer_html": renderer.render(check.answer, options, env),
        }
        for check in checks
    ]
