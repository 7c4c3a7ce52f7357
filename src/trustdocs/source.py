"""One page file's text → a `PageSource`: its tags, description and body, with line numbers kept.

Which body lines are code is decided by markdown-it's own block parser (`scan_blocks`), configured with
the same block rules as the Markdown stage, so a tag line is removed exactly where the body renders
as prose: fences on list-marker lines, in blockquotes and indented code blocks all count as code.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from trustdocs.diagnostics import Diagnostic, did_you_mean, warning

# Markdown is loaded where a body is scanned, not with this module: a build that finds nothing
# changed reads no page, and loading the parser was a fifth of its time.
if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock

# A tag line: first non-blank char `@`, then a letter, digit or `_`.
TAG_LINE = re.compile(r"^[ \t]*@([A-Za-z0-9_]\w*)[ \t]*(.*?)\s*$")
ESCAPED_AT = re.compile(r"^([ \t]*)@@")
# What an escaped `@@` that would read as a known tag is written as (`_unescaped`): an entity, so
# that nothing downstream reads the line as a tag, in a spelling of its own, so that where an
# entity is not decoded (a code span running over the line) it is told from one an author wrote.
ESCAPED_TAG_AT = "&#x00040;"
BLANKS = re.compile(r"[ \t]+")  # what separates a tag's words: spaces and tabs
# A number as bit-docs reads one (parseInt): ASCII digits and a sign, not Python's `1_0` or `٣`.
INTEGER = re.compile(r"[+-]?[0-9]+")

# Body directives stay in the body, where the Markdown stage renders them in place.
DIRECTIVES = frozenset({"sourceref", "highlight", "diff", "codepen"})
DIRECTIVE_LINE = re.compile(r"^@(sourceref|highlight|diff|codepen)\b[ \t]*(.*?)\s*$", re.IGNORECASE)
LAYOUT_FLAGS = ("title", "description", "sidebar", "contentnav")
# Parts of bit-docs' own layout its `@hide` names (`hideFooter`…): the page stays in the course,
# and a theme with such a part may leave it out (`page.hidden_parts`).
BITDOCS_PARTS = frozenset({"header", "footer", "container", "article"})
LAYOUT_PARTS = frozenset(LAYOUT_FLAGS) | BITDOCS_PARTS
# Tags of bit-docs plugins and of DocumentJS that trustdocs does not show: what each showed, and
# what to write instead (a "did you mean" to another tag would mislead).
_UNSUPPORTED_TAGS = {
    "demo": (
        "a live demo, of bit-docs-tag-demo",
        "show its code with @sourceref, or link its file",
    ),
    "codestart": ("the start of a DocumentJS code block", "write the code between ``` fences"),
    "codeend": ("the end of a DocumentJS code block", "write the code between ``` fences"),
}
# Tags of which a page has one value: a second replaces the first (`@description` adds to it).
_SINGLE_TAGS = frozenset({"page", "parent", "outline", "metaogimage"})
KNOWN_TAGS = frozenset(
    {"page", "parent", "description", "body", "hide", "outline", "metaogimage", "redirect"}
    | {f"hide{flag}" for flag in LAYOUT_FLAGS}
    | DIRECTIVES
)
MAX_BODY_RESCANS = 16  # tag lines in a body taken out one at a time, each followed by a new reading
# HTML blocks whose content is shown as written, like code (CommonMark HTML block type 1)
VERBATIM_HTML = re.compile(r"^<(script|pre|style|textarea)(\s|>|$)", re.IGNORECASE)

BlockRule = Callable[["StateBlock", int, int, bool], bool]


@dataclass(frozen=True)
class PageSource:
    """A page as written: tag values, description and body text, and where each came from."""

    path: str  # as shown in diagnostics
    rel_path: str  # posix path relative to the content folder
    name: str
    title: str
    parent: str | None = None
    order: int | None = None
    description: str = ""
    description_lines: tuple[int, ...] = ()  # file line of each description line
    description_col: int = 1  # file column of the description's first character (after its tag)
    body: str = ""
    body_lines: tuple[int, ...] = ()  # file line of each body line
    hide: bool = False
    hidden_parts: frozenset[str] = frozenset()
    outline_depth: int = 1
    outline_ordered: bool = False
    og_image: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    tag_lines: dict[str, int] = field(default_factory=dict)
    redirects: tuple[tuple[str, int], ...] = ()  # each `@redirect OLD` and its line

    @property
    def description_as_placed(self) -> list[str]:
        """The description's lines, the first indented to where it stands in the file: the
        columns of its diagnostics are the file's."""
        lines = self.description.split("\n")
        lines[0] = " " * (self.description_col - 1) + lines[0]
        return lines

    @property
    def source_dir(self) -> str:
        """The page's folder relative to the content folder ('' at the top)."""
        return self.rel_path.rpartition("/")[0]


def without_body(source: PageSource) -> PageSource:
    """SOURCE with an empty body: its tags and description only."""
    return dataclasses.replace(source, body="", body_lines=())


@dataclass
class _Reader:
    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    tags: dict[str, tuple[str, int]] = field(default_factory=dict)
    hide: bool = False
    hidden_parts: set[str] = field(default_factory=set)
    properties: dict[str, str] = field(default_factory=dict)
    redirects: list[tuple[str, int]] = field(default_factory=list)

    def take_tag(
        self,
        written: str,
        value: str,
        line: int,
        col: int,
        in_body: bool = False,
        in_comment: bool = False,
    ) -> None:
        """Take the tag WRITTEN (its name as spelled) with VALUE, at LINE and COL; IN_BODY: a
        line of text, where an unknown tag is text lost, and said; IN_COMMENT: a line of an HTML
        comment, which shows nothing either way."""
        name = written.lower()
        if name == "body" and value.strip() and not in_comment:  # FORMAT.md: text there is ignored
            message = f"'{value.strip()}' on the @body line is not shown"
            hint = "write it on the line below"
            self.diagnostics.append(warning(self.path, line, col, message, hint))
        if name == "redirect":  # the one tag a page may repeat
            self.redirects.append((value, line))
        elif name == "hide" and value.split() and set(value.lower().split()) <= LAYOUT_PARTS:
            self.hidden_parts.update(value.lower().split())
        elif name == "hide":
            self.hide = True
            if value.split() and not in_comment:
                self._unknown_parts(value, line, col)
        elif name.startswith("hide") and name[4:] in LAYOUT_FLAGS:
            self.hidden_parts.add(name[4:])
            if value.strip() and not in_comment:  # prose that begins with the word, say
                message = (
                    f"'{value.strip()}' after @{written} is not shown "
                    f"(the line hides the page's {name[4:]})"
                )
                hint = f"write @{name} alone on its line, or @@ for its @ to show the line"
                self.diagnostics.append(warning(self.path, line, col, message, hint))
        elif name in KNOWN_TAGS:
            if name in _SINGLE_TAGS and name in self.tags:
                message = f"a second @{name}: it replaces the one at line {self.tags[name][1]}"
                self.diagnostics.append(warning(self.path, line, col, message, "keep one"))
            self.tags[name] = (value, line)
        else:
            self.properties[name] = value
            hint = did_you_mean(name, KNOWN_TAGS, cutoff=0.7)
            if name in _UNSUPPORTED_TAGS and not in_comment:
                what, instead = _UNSUPPORTED_TAGS[name]
                message = f"@{written} ({what}) is not supported: this line is not shown"
                self.diagnostics.append(warning(self.path, line, col, message, instead))
            elif hint:
                self.diagnostics.append(
                    warning(
                        self.path, line, col, f"unknown tag '@{name}'", hint.replace("'", "'@", 1)
                    )
                )
            elif in_body:  # prose that starts with @ (`@Input() name`, a handle): not shown
                message = f"line read as the tag '@{written}' (a page property): it is not shown"
                hint = "to show it as text, write @@ for its @"
                self.diagnostics.append(warning(self.path, line, col, message, hint))

    def _unknown_parts(self, value: str, line: int, col: int) -> None:
        """Say that `@hide VALUE`, which names no part of the layout, hides the whole page."""
        word = next(w for w in value.lower().split() if w not in LAYOUT_PARTS)
        close = did_you_mean(word.replace("-", "").replace("_", ""), LAYOUT_FLAGS, cutoff=0.6)
        message = (
            f"'{word}' after @hide is not a part of the page's layout: "
            "the whole page is hidden from the sidebar and previous/next"
        )
        hint = close.replace("'", "'@hide ", 1) or (
            "write @hide alone to hide the page, or @hide with title, description, sidebar or "
            "contentnav to hide that part of it"
        )
        self.diagnostics.append(warning(self.path, line, col, message, hint))

    def parent_and_order(self) -> tuple[str | None, int | None]:
        """The `@parent` page name and sibling order, each None when absent or unreadable."""
        if "parent" not in self.tags:
            return None, None
        parent_value, parent_line = self.tags["parent"]
        name, order_text = _first_word(parent_value)
        parent = name or None
        if parent is None:
            self.diagnostics.append(warning(self.path, parent_line, 1, "@parent needs a page name"))
        order_text, rest = _first_word(order_text)
        if rest:
            problem = f"@parent: '{rest}' after the order is not read"
            hint = "write @parent NAME ORDER alone on the line"
            self.diagnostics.append(warning(self.path, parent_line, 1, problem, hint))
        if not order_text:
            return parent, None
        if INTEGER.fullmatch(order_text):
            return parent, int(order_text)
        problem = f"@parent order '{order_text}' is not an integer"
        self.diagnostics.append(warning(self.path, parent_line, 1, problem))
        return parent, None

    def outline(self) -> tuple[int, bool]:
        """The `@outline` depth as written (1 by default) and whether the outline is numbered."""
        if "outline" not in self.tags:
            return 1, False
        outline_value, outline_line = self.tags["outline"]
        words = outline_value.split()
        depth = 1
        if words and INTEGER.fullmatch(words[0]):
            depth = int(words[0])
        elif words:
            problem = f"@outline depth '{words[0]}' is not a number"
            self.diagnostics.append(warning(self.path, outline_line, 1, problem))
        return depth, len(words) > 1 and words[1].lower() == "ol"


def _first_word(value: str) -> tuple[str, str]:
    """VALUE's first run of non-blank characters, and the rest after the blanks that end it."""
    first, *rest = BLANKS.split(value.strip(" \t"), maxsplit=1)
    return first, rest[0] if rest else ""


def parse_page_source(
    path: str, rel_path: str, text: str, bitdocs: bool = False
) -> tuple[PageSource | None, list[Diagnostic]]:
    """Parse one file's text; return None (with a warning) when it has no `@page`.

    BITDOCS: the site is a bit-docs package.json site, whose bodies read as bit-docs read them.
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    reader = _Reader(path)
    description, body_source = _split_page(text.split("\n"), reader, bitdocs)
    body = _read_body(body_source, reader, bitdocs)

    if "page" not in reader.tags:
        return None, [warning(path, 1, 1, "no @page tag: not a page, skipped")]
    diagnostics = reader.diagnostics
    page_value, page_line = reader.tags["page"]
    name, title = _first_word(page_value)
    if not name:
        message, hint = "@page needs a name: not a page, skipped", "write @page NAME TITLE"
        diagnostics.append(warning(path, page_line, 1, message, hint))
        return None, diagnostics
    parent, order = reader.parent_and_order()
    depth, ordered = reader.outline()

    description_start = next((n for n, text in description if text.strip()), 0)
    start = [n for n, _ in description].index(description_start) if description_start else 0
    described = _trim_blank([text for _, text in description])
    file_line = text.split("\n")[description_start - 1] if description_start else ""
    column = file_line.find(described.split("\n", 1)[0]) + 1 if described else 1
    source = PageSource(
        path=path,
        rel_path=rel_path,
        name=name,
        title=title.strip() or name,
        parent=parent,
        order=order,
        description=described,
        description_lines=tuple(n for n, _ in description[start:]),
        description_col=max(column, 1),
        body="\n".join(text for _, text in body),
        body_lines=tuple(n for n, _ in body),
        hide=reader.hide,
        hidden_parts=frozenset(reader.hidden_parts),
        outline_depth=max(1, min(depth, 5)),
        outline_ordered=ordered,
        og_image=reader.tags["metaogimage"][0] or None if "metaogimage" in reader.tags else None,
        properties=reader.properties,
        tag_lines={tag: line for tag, (_, line) in reader.tags.items()},
        redirects=tuple(reader.redirects),
    )
    return source, diagnostics


NumberedLines = list[tuple[int, str]]  # (file line, text)


def _split_page(
    lines: list[str], reader: _Reader, bitdocs: bool
) -> tuple[NumberedLines, NumberedLines]:
    """The description and the body (tags still in it), the header's tags given to READER.

    `@body` starts the body; without it, `@description` takes the header's text, and a page with
    neither is described by its first paragraph.
    """
    body_at = _body_line(lines, bitdocs)
    header_end = body_at if body_at is not None else len(lines)
    header = lines[:header_end]
    # Lines of a code block in the description or the text before @body: code, never tags.
    fenced = _closed_fence_lines(header, bitdocs) if any(map(_FENCE_MARK.match, header)) else None
    description, loose = _read_header(lines, header_end, body_at is not None, reader, fenced)
    if body_at is not None:
        tag = TAG_LINE.match(lines[body_at])
        assert tag is not None  # `_body_line` found it so
        reader.take_tag(tag.group(1), tag.group(2), body_at + 1, lines[body_at].index("@") + 1)
        body_source = [(i + 1, lines[i]) for i in range(body_at + 1, len(lines))]
        if description and loose:  # text between the tags, neither description nor body
            reader.diagnostics.append(
                warning(
                    reader.path,
                    loose[0][0],
                    1,
                    "this text is neither the description (it comes before @description) "
                    "nor the body: it is not shown",
                    "move it below @body, or into @description",
                )
            )
        return _unescaped_lines(description or loose, bitdocs), body_source
    if "description" in reader.tags:
        return _unescaped_lines(description, bitdocs), []
    split = _first_paragraph_end([line for _, line in loose], bitdocs)
    return _unescaped_lines(loose[:split], bitdocs), loose[split:]  # the body's are, as read


_FENCE_MARK = re.compile(r"^[ \t]*(```|~~~)")


def _body_line(lines: list[str], bitdocs: bool) -> int | None:
    """The index of the `@body` line; one inside a fenced code block (an example of a page, in a
    page without `@body` of its own) is code, not the tag."""
    candidates = (i for i, line in enumerate(lines) if _tag_name(line) == "body")
    first = next(candidates, None)
    if first is None or not any(_FENCE_MARK.match(line) for line in lines[:first]):
        return first  # no fence above it: the tag (the only reading of nearly every page)
    fenced = _closed_fence_lines(lines, bitdocs)
    if first not in fenced:
        return first
    return next((i for i in candidates if i not in fenced), None)


def _closed_fence_lines(lines: list[str], bitdocs: bool) -> frozenset[int]:
    """The lines inside fenced code blocks that close (one left open keeps the `@body` below it
    a tag: an author forgot a fence, not wrote a page's example)."""
    inside: set[int] = set()
    for token in _block_parser(bitdocs).parse("\n".join(lines)):
        if token.type != "fence" or token.map is None:
            continue
        start, end = token.map
        last = lines[end - 1].strip() if end - 1 > start else ""
        if last.startswith(token.markup) and set(last) == {token.markup[0]}:
            inside.update(range(start + 1, end - 1))
    return frozenset(inside)


def _first_paragraph_end(lines: list[str], bitdocs: bool) -> int:
    """Where the first paragraph of LINES ends (0 when they open with another block: a heading,
    a list or code is no description)."""
    if not any(line.strip() for line in lines):
        return len(lines)
    for token in _block_parser(bitdocs).parse("\n".join(lines)):
        if token.map is not None:
            return token.map[1] if token.type == "paragraph_open" else 0
    return len(lines)


def _read_header(
    lines: list[str],
    header_end: int,
    has_body: bool,
    reader: _Reader,
    fenced: frozenset[int] | None = None,
) -> tuple[NumberedLines, NumberedLines]:
    """The header's tag lines, given to READER; the text of `@description`, and the loose text.

    Without `@body`, tag lines after the first loose text belong to the body. FENCED: the lines
    inside fenced code blocks, which are text (`@media (…) {` in a CSS sample), not tags.
    """
    description: NumberedLines = []
    loose: NumberedLines = []
    in_description = False
    first_loose = None
    for i in range(header_end):
        line = lines[i]
        match = None if fenced and i in fenced else TAG_LINE.match(line)
        # In a description's text: after `@description`, or in the text before `@body` (the
        # description without it), where the same rules hold.
        in_text = in_description or (has_body and first_loose is not None)
        if match and (has_body or in_description or first_loose is None):
            name = match.group(1).lower()
            if name in DIRECTIVES and in_text:  # its code shown in the description
                (description if in_description else loose).append((i + 1, line))
                continue
            if name in DIRECTIVES:
                reader.diagnostics.append(_directive_in_header(reader.path, i + 1, line, name))
                continue
            # Within the description, a tag written as no tag is (with a capital, `@Input
            # decorator, and…`, or glued to what follows, `@support-team in any channel`: wrapped
            # prose) takes its line out of it: said, as in the body. `@author Justin` there is
            # a page property, as the format has it.
            col = line.index("@") + 1
            after = line[col + len(match.group(1)) :][:1]
            glued = bool(after) and not after.isspace()
            prose = in_text and (match.group(1)[0].isupper() or glued)
            reader.take_tag(match.group(1), match.group(2), i + 1, col, prose)
            if name == "description":
                in_description = True
                if match.group(2):
                    description.append((i + 1, match.group(2)))
            continue
        if in_description:
            description.append((i + 1, line))
        else:
            if first_loose is None and line.strip():
                first_loose = i
            if first_loose is not None:
                loose.append((i + 1, line))
    return description, loose


def _directive_in_header(path: str, line: int, text: str, name: str) -> Diagnostic:
    """The warning of a directive written among the page's tags, in no description: not shown."""
    return warning(
        path,
        line,
        text.index("@") + 1,
        f"@{name} is among the page's tags, in neither its description nor its body: "
        "nothing of it is shown",
        "move it below @body, or after @description",
    )


def _tag_name(line: str) -> str | None:
    match = TAG_LINE.match(line)
    return match.group(1).lower() if match else None


def _read_body(
    source: list[tuple[int, str]], reader: _Reader, bitdocs: bool
) -> list[tuple[int, str]]:
    """Drop tag lines outside code (keeping directives) and unescape `@@` lines."""
    if not _may_hold_tags(source):  # no line to decide on: the block parse is not needed
        return list(source)
    tags, scan = _tags_and_code(source, bitdocs)
    body: list[tuple[int, str]] = []
    for index, (number, line) in enumerate(source):
        if index in tags:
            match = TAG_LINE.match(line)
            assert match is not None
            written, value, col = match.group(1), match.group(2), line.index("@") + 1
            # A tag line in an HTML comment shows nothing either way: no word of it.
            hidden = index in scan.comment_lines
            if written.lower() == "description" and not hidden:
                # The description is the text before @body: this one is shown nowhere.
                message = "@description after @body: its text is not shown"
                hint = "move it above @body, where the page's description is"
                reader.diagnostics.append(warning(reader.path, number, col, message, hint))
                continue
            reader.take_tag(written, value, number, col, not hidden, hidden)
            continue
        body.append((number, line if index in scan.code_lines else _unescaped(line)))
    return body


def _unescaped_lines(lines: NumberedLines, bitdocs: bool) -> NumberedLines:
    """LINES of a description, each `_unescaped` but in code (Prisma's `@@map` in a fence)."""
    if not any(ESCAPED_AT.match(line) for _, line in lines):
        return lines
    code = scan_blocks("\n".join(line for _, line in lines), bitdocs).code_lines
    return [(n, line if i in code else _unescaped(line)) for i, (n, line) in enumerate(lines)]


def _unescaped(line: str) -> str:
    """LINE with the `@@` that starts it read as `@`: as it reads for no tag or directive the
    Markdown stage knows (`@@map` of Prisma, Vue's `@click` in raw HTML), even in a code span
    over lines; else as an entity, which keeps it from being read as one downstream (the
    Markdown stage decodes it, and in raw HTML a browser does)."""
    escaped = ESCAPED_AT.match(line)
    if not escaped:
        return line
    unescaped = escaped.group(1) + line[escaped.end() - 1 :]
    if _tag_name(unescaped) not in KNOWN_TAGS:
        return unescaped
    return f"{escaped.group(1)}{ESCAPED_TAG_AT}{line[escaped.end() :]}"


def _tags_and_code(source: list[tuple[int, str]], bitdocs: bool) -> tuple[set[int], BlockScan]:
    """The tag lines of a body and its code and raw HTML lines (by index in SOURCE), as the body
    reads once the tags are gone.

    A tag line is taken out from the top down, and the rest read again: without it, the lines
    after it may be code (a tag line right above an indented block continued a paragraph).
    """
    kept, tags = list(range(len(source))), set()
    commented: set[int] = set()  # tag lines taken out of an HTML comment
    for _ in range(MAX_BODY_RESCANS):
        scan = scan_blocks("\n".join(source[i][1] for i in kept), bitdocs)
        code = frozenset(kept[k] for k in scan.code_lines)
        html = frozenset(kept[k] for k in scan.html_lines)
        comments = frozenset(kept[k] for k in scan.comment_lines) | commented
        found = [i for i in kept if i not in code and _is_tag(source[i][1])]
        if not found:
            return tags, BlockScan(code, html, comments)
        tags.add(found[0])
        kept.remove(found[0])
        if found[0] in comments:
            commented.add(found[0])
    # Past that many tags in a body, the rest are read from one reading (as bit-docs did).
    rest = {i for i in kept if i not in code and _is_tag(source[i][1])}
    return tags | rest, BlockScan(code, html, comments)


def _is_tag(line: str) -> bool:
    """Whether LINE is a tag line (not a directive, which stays in the body)."""
    match = TAG_LINE.match(line)
    return match is not None and match.group(1).lower() not in DIRECTIVES


def _may_hold_tags(source: list[tuple[int, str]]) -> bool:
    """Whether any line could be a tag or an escaped `@@` line (a directive stays either way)."""
    for _, line in source:
        if not line.lstrip().startswith("@"):
            continue
        if ESCAPED_AT.match(line) or _is_tag(line):
            return True
    return False


# --- the block structure, shared with the Markdown stage -------------------------------------------


@dataclass(frozen=True)
class BlockScan:
    """Which lines of a Markdown text are code, and which are raw HTML."""

    code_lines: frozenset[int]  # 0-based: fenced and indented code, `<pre>`-like HTML blocks
    html_lines: frozenset[int] = frozenset()  # 0-based: the other HTML blocks, passed through
    comment_lines: frozenset[int] = frozenset()  # 0-based: HTML blocks that open as a comment


def directive_line_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A line holding only a directive, at any indentation a block may have."""
    if state.is_code_block(start_line):
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    match = DIRECTIVE_LINE.match(state.src[begin : state.eMarks[start_line]])
    if not match:
        return False
    if silent:
        return True
    token = state.push("directive", "", 0)
    token.meta = {"name": match.group(1).lower(), "args": match.group(2)}
    token.map = [start_line, start_line + 1]
    state.line = start_line + 1
    return True


# Lines of HTML after which bit-docs' Markdown reader (showdown) read the next line of text as
# Markdown, where CommonMark keeps it raw: `<details>`, `<summary>…</summary>` and the elements
# of running text (`<img>`, `<a …>`). Every other element, and what is inside those it keeps
# whole (a `<table>`'s rows, a `<ul>`'s items), stays raw HTML as CommonMark reads it.
_TEXT_AFTER_TAGS = """details summary a abbr b bdi bdo br cite data dfn em i img input label mark q s
    small span strong sub sup time u wbr"""  # not `<code>`, `<kbd>`, …: `__init__` in one stays
_TEXT_AFTER = frozenset(_TEXT_AFTER_TAGS.split())
_FIRST_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")


def _opens_running_text(line: str, text_too: bool = False) -> bool:
    """Whether LINE starts with a tag of `_TEXT_AFTER` (TEXT_TOO: or with no tag: text)."""
    tag = _FIRST_TAG.match(line)
    if tag is None:
        return text_too and not line.startswith("<")
    return tag.group(1).lower() in _TEXT_AFTER


def html_block_rule(bitdocs: bool) -> BlockRule:
    """CommonMark's HTML block, ended before a directive line and, in bit-docs sites, a fence
    or, after a line of `<summary>` or of running text, a line of text (see `_TEXT_AFTER`).

    bit-docs expanded directives before Markdown ran, so `<details>` directly followed by a directive
    or a fence showed the code; CommonMark reads the directive, or the whole fence, as raw HTML.
    Its `<summary>Solution</summary>` followed by `Update **app.js**` showed bold text.
    """
    from markdown_it.rules_block.fence import fence as fence_rule
    from markdown_it.rules_block.html_block import HTML_SEQUENCES, html_block

    def rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        begin = state.bMarks[start_line] + state.tShift[start_line]
        if state.src[begin : begin + 1] != "<":
            return False  # not an HTML block, as `html_block` would find first (most lines)
        if silent or state.is_code_block(start_line):
            return html_block(state, start_line, end_line, silent)
        first = state.src[begin : state.eMarks[start_line]]
        kind = next((seq for seq in HTML_SEQUENCES if seq[0].search(first)), None)
        if kind is None or not kind[1].search(""):  # only the blocks that end at a blank line
            return html_block(state, start_line, end_line, silent)
        swallowed: list[int] | None = state.env.get("fences_in_html")
        fence_seen = False
        text_ends = bitdocs and _opens_running_text(first)
        for line in range(start_line + 1, end_line):
            if state.isEmpty(line) or state.sCount[line] < state.blkIndent:
                break
            begin = state.bMarks[line] + state.tShift[line]
            text = state.src[begin : state.eMarks[line]]
            if DIRECTIVE_LINE.match(text) or (text_ends and _opens_running_text(text, True)):
                end_line = line
                break
            if fence_rule(state, line, end_line, True):
                if bitdocs:
                    end_line = line
                    break
                if swallowed is not None and not fence_seen:
                    swallowed.append(line)  # its closing line needs no warning of its own
                fence_seen = True
        return html_block(state, start_line, end_line, silent)

    return rule


# How deep blocks nest (a list in a list item is two levels) before the rest is kept as text:
# markdown-it's CommonMark preset stops at 20 levels, and drops everything after that point, to the
# end of the page, without a word (ten nested lists).
MAX_NESTING = 100
TOO_DEEP = MAX_NESTING - 4  # the rule below takes over here, a little before markdown-it's stop


def too_deep_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Lines nested too deep, kept as one paragraph of text (marked `too_deep`, for a warning)."""
    if state.level < TOO_DEEP or silent:
        return False
    line = start_line + 1
    while line < end_line and (state.isEmpty(line) or state.sCount[line] >= state.blkIndent):
        line += 1
    content = "\n".join(
        state.src[state.bMarks[n] + state.tShift[n] : state.eMarks[n]]
        for n in range(start_line, line)
    )
    state.push("paragraph_open", "p", 1).map = [start_line, line]
    inline = state.push("inline", "", 0)
    inline.content, inline.map, inline.children = content.strip(), [start_line, line], []
    inline.meta = {"too_deep": True}
    state.push("paragraph_close", "p", -1)
    state.line = line
    return True


def body_blocks_plugin(md: MarkdownIt, bitdocs: bool = False) -> None:
    """A body's block syntax beyond CommonMark, for the Markdown stage and the fence scanner alike.

    Tables, footnotes, definition lists, directive lines, HTML blocks that end early, and blocks
    nested too deep kept as text.
    """
    from mdit_py_plugins.deflist import deflist_plugin
    from mdit_py_plugins.footnote import footnote_plugin

    md.options["maxNesting"] = MAX_NESTING
    md.block.ruler.before("table", "too_deep", too_deep_rule)
    md.enable(["table"])
    md.use(footnote_plugin).use(deflist_plugin)
    md.block.ruler.at(
        "html_block", html_block_rule(bitdocs), {"alt": ["paragraph", "reference", "blockquote"]}
    )
    md.block.ruler.before(
        "paragraph",
        "directive",
        directive_line_rule,
        {"alt": ["paragraph", "reference", "blockquote"]},
    )


@functools.cache
def _block_parser(bitdocs: bool) -> MarkdownIt:
    # Imported here: the Markdown stage's package imports this module. A check's `:::` lines end
    # the blocks inside it, so the scanner reads them as the Markdown stage does.
    from markdown_it import MarkdownIt

    from trustdocs.markdown.checks import knowledge_check_plugin

    md = MarkdownIt("commonmark", {"html": True})
    md.use(body_blocks_plugin, bitdocs)
    md.use(knowledge_check_plugin)
    md.core.ruler.enableOnly(["normalize", "block"])
    return md


def scan_blocks(text: str, bitdocs: bool = False) -> BlockScan:
    """The code and raw HTML lines of TEXT as the Markdown stage reads them: the one fence scanner."""
    code: set[int] = set()
    html: set[int] = set()
    comments: set[int] = set()
    for token in _block_parser(bitdocs).parse(text):
        if token.map is None:
            continue
        verbatim = token.type == "html_block" and VERBATIM_HTML.match(token.content.lstrip())
        if token.type in ("fence", "code_block") or verbatim:
            code.update(range(*token.map))
        elif token.type == "html_block":
            html.update(range(*token.map))
            if token.content.lstrip().startswith("<!--"):
                comments.update(range(*token.map))
    return BlockScan(frozenset(code), frozenset(html), frozenset(comments))


def _trim_blank(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n").strip()
