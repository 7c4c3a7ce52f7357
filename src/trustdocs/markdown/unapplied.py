"""The generator checks itself: a tag or directive still standing in the text was not applied.

Tags and directives are taken out of the body before it renders, so one that is still there (in a
table cell, after the `>` of a quote, in a raw HTML line) would print as text without a word. This
rule, run last over the parsed body, says where.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from trustdocs.diagnostics import warning
from trustdocs.markdown.positions import report, where
from trustdocs.source import ESCAPED_TAG_AT, KNOWN_TAGS, TOO_DEEP, VERBATIM_HTML

LEADING_TAG = re.compile(r"^[ \t]*(@([A-Za-z0-9_]\w*).*?)\s*$")


def unapplied_plugin(md: MarkdownIt) -> None:
    """Warn about text outside code that still starts with a known tag or directive, and about
    footnotes nothing refers to (the footnotes plugin drops them)."""
    md.core.ruler.push("unapplied_directives", warn_unapplied)
    md.core.ruler.after("inline", "escaped_tags_in_code", show_escaped_tags_in_code)
    md.core.ruler.before("footnote_tail", "unreferenced_footnotes", warn_unreferenced_footnotes)
    md.core.ruler.after("inline", "undefined_footnotes", warn_undefined_footnotes)
    md.core.ruler.after("block", "references_used", count_references_used)
    md.core.ruler.after("block", "merge_conflicts", warn_merge_conflicts)
    md.core.ruler.after("inline", "unused_references", warn_unused_references)


# A line git writes around the two sides of a conflict it could not merge (and diff3's `|||||||`).
_CONFLICT_MARKER = re.compile(r"(?:<{7}|={7}|>{7}|\|{7})(?:[ \t].*)?")


_PRE = re.compile(r"<pre(?=[\s/>]).*?(?:</pre\s*>|\Z)", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)


def warn_merge_conflicts(state: StateCore) -> None:
    """A warning at each line outside code that is a merge conflict's marker: a merge left both
    versions of the text, shown one after the other, its `=======` as a heading's underline. A
    `=======` alone underlines a heading: only a page with a `<<<<<<<` or `>>>>>>>` is told."""
    if "<<<<<<<" not in state.src and ">>>>>>>" not in state.src:
        return
    verbatim: set[int] = set()
    for token in state.tokens:
        if token.map is None:
            continue
        shown_as_written = token.type == "html_block" and VERBATIM_HTML.match(
            token.content.lstrip()
        )
        if token.type in ("fence", "code_block") or shown_as_written:
            verbatim.update(range(*token.map))
        elif token.type == "html_block":  # a `<pre>` inside a `<div>` or `<details>`
            html = _COMMENT.sub(lambda c: re.sub(r"[^\n]", " ", c[0]), token.content)
            for pre in _PRE.finditer(html):
                first = token.map[0] + html.count("\n", 0, pre.start())
                verbatim.update(range(first, first + pre.group(0).count("\n") + 1))
    markers = [
        (line, text)
        for line, text in enumerate(state.src.split("\n"))
        if line not in verbatim and _CONFLICT_MARKER.fullmatch(text.rstrip())
    ]
    if not any(text[0] in "<>" for _, text in markers):
        return
    for line, text in markers:
        report(
            state.env,
            line,
            text[:7],
            warning,
            f"a merge conflict's marker ({text[:7]}): a git merge left two versions of "
            "this text here, both shown",
            "keep the lines meant, and remove the markers",
        )


class _UsedReferences(dict[str, Any]):
    """The text's link reference definitions, which remember the labels links looked up."""

    used: set[str]

    def get(self, label: str, default: Any = None) -> Any:
        """The definition of LABEL (normalized), remembered as used."""
        self.used.add(label)
        return super().get(label, default)


def count_references_used(state: StateCore) -> None:
    """From here on, the link rules' lookups of the text's definitions are remembered."""
    found = state.env.get("references")
    if type(found) is dict and found:
        state.env["references"] = kept = _UsedReferences(found)
        kept.used = set()


def warn_unused_references(state: StateCore) -> None:
    """A warning at each link reference definition (`[label]: address`) that no link uses, and
    at each one defined again: Markdown shows nothing of a definition, so a line an author meant
    as text (`[Important]: read this first`) vanished without a word."""
    found = state.env.get("references")
    unused = []
    if isinstance(found, _UsedReferences):
        unused = [d["map"][0] for label, d in found.items() if label not in found.used]
    again = [d["map"][0] for d in state.env.get("duplicate_refs", ())]
    if not unused and not again:
        return
    lines = state.src.split("\n")
    told = [(line, False) for line in unused] + [(line, True) for line in again]
    for line, twice in told:
        label = _label_at(lines, line)
        message, hint = (
            (
                f"link reference definition {label} is defined again above: this one is never used",
                "give one of them another label, or remove one",
            )
            if twice
            else (
                f"link reference definition {label} is never used: nothing of it is shown",
                f"use it in a link ([text]{label}), write the line as text (\\[ to start it), "
                "or remove it",
            )
        )
        report(state.env, line, label.removesuffix("…"), warning, message, hint)


def _label_at(lines: list[str], line: int) -> str:
    """The label of the definition starting on LINE, as written from its `[` to its closing `]`
    (after any quote or list marks, which hold no `[`), or up to the line's end and `…` when it
    runs over lines."""
    text = lines[line] if line < len(lines) else ""
    start = text.find("[")
    if start < 0:
        return "["
    end = start + 1
    while end < len(text) and text[end] != "]":
        end += 2 if text[end] == "\\" else 1
    if end >= len(text):
        return text[start:].rstrip() + "…"
    return text[start : end + 1]


_FOOTNOTE_MARK = re.compile(r"(?<!\\)\[\^([^\]\s]+)\]")


def warn_undefined_footnotes(state: StateCore) -> None:
    """A warning at each `[^label]` of the text that no footnote defines: it shows as written,
    and the note its author meant is nowhere."""
    if "[^" not in state.src:  # no footnote mark (most pages)
        return
    for token in state.tokens:
        if token.type != "inline" or "[^" not in token.content or token.map is None:
            continue
        written = {m[1] for m in _FOOTNOTE_MARK.finditer(token.content)}
        for child in token.children or ():
            if child.type != "text" or "[^" not in child.content:
                continue
            for mark in _FOOTNOTE_MARK.finditer(child.content):
                if mark[1] in written:
                    report(
                        state.env,
                        token.map[0],
                        mark[0],
                        warning,
                        f"footnote {mark[0]} is not defined: it is shown as written",
                        f"define it on a line of its own: {mark[0]}: the note's text",
                    )


def show_escaped_tags_in_code(state: StateCore) -> None:
    """A code span running over a line that opened with an escaped tag (`@@hide`) shows it as
    `@hide`: the entity the line was written with (`ESCAPED_TAG_AT`) is decoded everywhere else."""
    if ESCAPED_TAG_AT not in state.src:  # no such line (most pages): no token to look at
        return
    for token in state.tokens:
        if token.type == "inline" and ESCAPED_TAG_AT in token.content:
            for child in token.children or ():
                if child.type == "code_inline":
                    child.content = child.content.replace(ESCAPED_TAG_AT, "@")


def warn_unreferenced_footnotes(state: StateCore) -> None:
    """A warning at each footnote's definition that no `[^label]` in the text refers to: the
    footnotes plugin shows only those referred to, and would drop its text without a word."""
    refs = state.env.get("footnotes", {}).get("refs", {})
    if not refs:  # no footnote defined (most pages)
        return
    definitions = [t for t in state.tokens if t.type == "footnote_reference_open" and t.map]
    shown = {token.meta["label"]: token for token in definitions}  # the last of each label
    for token in definitions:
        assert token.map is not None
        label = token.meta["label"]
        if shown[label] is not token:
            report(
                state.env,
                token.map[0],
                f"[^{label}]",
                warning,
                f"footnote [^{label}] is defined again below: this definition is not shown",
                "give one of them another label, or remove one",
            )
            continue
        if refs.get(":" + label) == -1:
            report(
                state.env,
                token.map[0],
                f"[^{label}]",
                warning,
                f"footnote [^{label}] is never referred to: its text is not shown",
                f"refer to it with [^{label}] where it belongs, or remove it",
            )


# A fence longer than this is named by its length in a hint, not written out.
FENCE_SHOWN_MOST = 10


def _closing_hint(fence: str) -> str:
    """How to close a code block opened with FENCE."""
    if len(fence) <= FENCE_SHOWN_MOST:
        return f"close it with {fence} on a line of its own"
    kind = "backticks" if fence[0] == "`" else "tildes"
    return f"close it with a line of {len(fence)} {kind} (or more)"


def warn_unapplied(state: StateCore) -> None:
    """Each line of prose or raw HTML that opens with `@tag`, where TAG is a known tag; and
    each run of lines nested too deep to be read as Markdown (`source.too_deep_rule`)."""
    for token in state.tokens:
        if token.type == "fence" and token.map is not None and _never_closed(state, token):
            fence = token.markup
            report(
                state.env,
                token.map[0],
                fence,
                warning,
                "code block opened here is never closed: what follows it is shown as code",
                _closing_hint(fence),
            )
        if token.meta.get("too_deep") and token.map is not None:
            report(
                state.env,
                token.map[0],
                token.content.split("\n", 1)[0],
                warning,
                "lists or quotes nested too deep: these lines are shown as plain text",
                f"blocks are read {TOO_DEEP} levels deep at most, a list in a list counting two",
            )
        # A comment shows nothing, and `<pre>`-like HTML shows its lines as written, as code does.
        opening = token.content.lstrip()
        kept = token.type == "html_block" and (
            opening.startswith("<!--") or VERBATIM_HTML.match(opening) is not None
        )
        if token.map is not None and token.type in ("inline", "html_block") and not kept:
            _check_lines(state.env, token.content, token.map[0])


def _check_lines(env: dict[str, Any], text: str, first_line: int) -> None:
    if "@" not in text:  # no line can open with a tag (most blocks)
        return
    for offset, line in enumerate(text.split("\n")):
        match = LEADING_TAG.match(line)
        if match and match.group(2).lower() in KNOWN_TAGS:
            shown = match.group(1)
            report(
                env,
                first_line + offset,
                shown,
                warning,
                f"directive not applied here: {shown}",
                "give it a line of its own; to show it as text, write &#64; for its @",
            )


def _never_closed(state: StateCore, fence: Token) -> bool:
    """Whether the fenced code block FENCE of the text ran to the end of the text (or of the quote
    or list item it is in) without its closing line; not a block a directive made."""
    lines = where(state.env).lines
    start, end = fence.map or (0, 0)
    if start >= len(lines) or fence.markup not in lines[start]:
        return False  # made by a directive (@sourceref, @diff) in place of its line
    if any(line < start for line in state.env.get("fences_in_html", ())):
        return False  # the closing line of a fence an HTML block took: said there
    last = lines[end - 1] if start < end - 1 < len(lines) else ""
    closing = re.compile(rf"[\s>]*{re.escape(fence.markup[0])}{{{len(fence.markup)},}}\s*")
    return closing.fullmatch(last) is None
