"""The one configured MarkdownIt: cross-links, heading ids, highlighting and body directives.

Each extension is a small plugin function over markdown-it's state, as markdown-it-py's own rules are.
Parsing reads a `ParseContext` from `env["parse"]` (the page names, where the text sits); rendering
reads the typed `RenderContext` from `env["context"]` and records into it.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import OptionsDict
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin
from pygments import format as format_tokens
from pygments import token as pygments_token
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_by_name, get_lexer_for_filename
from pygments.util import ClassNotFound

from trustdocs.diagnostics import Diagnostic, closest, did_you_mean, error, warning
from trustdocs.snapshot import RenderContext
from trustdocs.urls import relative_url

FOLD_CONTEXT = 3  # lines kept visible around marked lines by `only`
SOURCEREF_LANGUAGES = {"stache": "html", "mustache": "html", "component": "html"}
DIRECTIVE_LINE = re.compile(r"^@(sourceref|highlight|diff|codepen)\b[ \t]*(.*?)\s*$", re.IGNORECASE)
# when a block's own lexer finds errors, the lexer of the superset language it may be written in
SUPERSET_LANGUAGES = {"js": "jsx", "javascript": "jsx", "ts": "tsx", "typescript": "tsx"}
CODEPEN_LANGUAGES = {"html": "html", "css": "css", "js": "js", "javascript": "js", "jsx": "js"}


def heading_id(text: str) -> str:
    """The id of a heading (FORMAT.md §5): lowercase, whitespace to '-', keep letters, digits, _ and -."""
    return re.sub(r"[^\w-]", "", re.sub(r"\s", "-", text.lower()))


@dataclass(frozen=True)
class Heading:
    """A heading of a page, for outlines and anchor checks."""

    level: int
    id: str
    text: str


@dataclass(frozen=True)
class ParsedMarkdown:
    """Markdown parsed once, ready to render against any snapshot of the site."""

    tokens: tuple[Token, ...]
    headings: tuple[Heading, ...]
    anchors: frozenset[str]
    files_read: frozenset[str]  # absolute paths read by directives, for incremental rebuilds


@dataclass
class ParseContext:
    """One parse of Markdown: what it needs to know and what it finds."""

    path: str  # the source file, as diagnostics show it
    lines: list[str]
    line_map: tuple[int, ...]  # file line of each Markdown line
    page_names: frozenset[str]
    source_dir: Path | None = None  # where directives read files from; None: they read nothing
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_read: set[str] = field(default_factory=set)


@functools.cache
def markdown_parser() -> MarkdownIt:
    """The configured parser: CommonMark, GFM tables and more, and trustdocs' own rules."""
    md = MarkdownIt("commonmark", {"html": True, "typographer": False})
    md.enable(["table", "strikethrough"])
    # A checkbox needs an accessible name: the label wraps it with its item text.
    md.use(footnote_plugin).use(tasklists_plugin, label=True).use(deflist_plugin)
    md.use(anchors_plugin, min_level=1, max_level=6, slug_func=heading_id)
    md.use(line_numbers_plugin)
    md.use(cross_link_plugin)
    md.use(directive_plugin)
    md.use(local_link_plugin)
    md.add_render_rule("fence", render_fence)
    md.add_render_rule("code_block", render_fence)
    return md


def parse_markdown(
    text: str,
    path: str,
    line_map: tuple[int, ...],
    page_names: frozenset[str],
    source_dir: Path | None = None,
) -> tuple[ParsedMarkdown, list[Diagnostic]]:
    """Parse TEXT (a page body or description) whose line i sits at line line_map[i] of PATH."""
    context = ParseContext(path, text.split("\n"), line_map, page_names, source_dir)
    tokens = markdown_parser().parse(text, {"parse": context})
    headings = tuple(_headings(tokens))
    anchors = {h.id for h in headings} | _raw_html_ids(tokens)
    parsed = ParsedMarkdown(
        tuple(tokens), headings, frozenset(anchors), frozenset(context.files_read)
    )
    return parsed, context.diagnostics


def render_markdown(parsed: ParsedMarkdown, context: RenderContext) -> str:
    """Render parsed Markdown to HTML against the snapshot in CONTEXT, recording into it."""
    md = markdown_parser()
    return md.renderer.render(list(parsed.tokens), md.options, {"context": context})


def plain_text(parsed: ParsedMarkdown, titles: dict[str, str] | None) -> str:
    """The text a reader sees, without markup; `[NAME]` links read as TITLES[NAME], or not at all."""
    words: list[str] = []
    for token in parsed.tokens:
        for child in token.children or ():
            if child.type in ("text", "code_inline"):
                words.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                words.append(" ")
            elif child.type == "cross_link_title" and titles is not None:
                words.append(titles.get(child.meta["name"], child.meta["name"]))
        if token.type.endswith("_close") and token.block:
            words.append(" ")
    return re.sub(r"\s+", " ", "".join(words)).strip()


# --- where things are: file line and column for tokens ------------------------------------------


Where = ParseContext | RenderContext


def _where(env: dict[str, Any]) -> Where:
    return env["context"] if "context" in env else env["parse"]


def _file_position(where: Where, body_line: int, needle: str) -> tuple[int, int]:
    line_map, lines = where.line_map, where.lines
    if not line_map:
        return 1, 1
    index = min(max(body_line, 0), len(line_map) - 1)
    col = lines[index].find(needle) + 1 if needle and index < len(lines) else 0
    return line_map[index], max(col, 1)


def _report(
    env: dict[str, Any], body_line: int, needle: str, make: Any, message: str, hint: str = ""
) -> None:
    where = _where(env)
    line, col = _file_position(where, body_line, needle)
    where.diagnostics.append(make(where.path, line, col, message, hint))


def line_numbers_plugin(md: MarkdownIt) -> None:
    """Tell inline rules which line their text starts on (markdown-it only tracks block lines)."""

    def inline_with_lines(state: StateCore) -> None:
        for token in state.tokens:
            if token.type == "inline":
                if token.map:
                    state.env["block_line"] = token.map[0]
                if token.children is None:
                    token.children = []
                state.md.inline.parse(token.content, state.md, state.env, token.children)

    md.core.ruler.at("inline", inline_with_lines)


def _inline_line(state: StateInline, pos: int) -> int:
    return state.env.get("block_line", 0) + state.src.count("\n", 0, pos)


# --- cross-links: [NAME], [NAME text], [NAME#ANCHOR text], [https://… text] ------------------------


def looks_like_page_reference(word: str, names: frozenset[str]) -> bool:
    """A bracketed word that was probably meant as a cross-link: a path, an anchor or a near miss."""
    if "/" in word or "#" in word:
        return not word.startswith(("http:", "https:", "mailto:"))
    return len(word) >= 4 and bool(closest(word, names, cutoff=0.85))


def cross_link_plugin(md: MarkdownIt) -> None:
    """Add the bracket cross-link rule and its renderers."""
    md.inline.ruler.push("cross_link", cross_link_rule)
    md.add_render_rule("cross_link_open", render_cross_link_open)
    md.add_render_rule("cross_link_title", render_cross_link_title)
    md.add_render_rule("cross_link_close", lambda self, tokens, idx, options, env: "</a>")


def cross_link_rule(state: StateInline, silent: bool) -> bool:
    """`[NAME …]` where NAME is a page (or an http(s) URL) becomes a link; anything else stays text."""
    start = state.pos
    if state.src[start] != "[" or state.linkLevel > 0:
        return False
    end = state.md.helpers.parseLinkLabel(state, start, False)
    if end < 0:
        return False
    label = state.src[start + 1 : end]
    words = label.split(None, 1)
    if not words:
        return False
    first = words[0]
    text = words[1] if len(words) > 1 else ""
    names = state.env["parse"].page_names
    raw = state.src[start : end + 1]
    followed_by = state.src[end + 1 : end + 2]

    if followed_by == "(":
        if not silent:
            _check_spaced_destination(state, start, end, raw)
        return False
    is_url = first.startswith(("http://", "https://"))
    name, _, anchor = first.partition("#")
    if not is_url and name not in names:
        if not silent and followed_by != "[" and looks_like_page_reference(first, names):
            hint = did_you_mean(name, names) if name else ""
            line = _inline_line(state, start)
            _report(state.env, line, raw, warning, f"unknown page '{name or first}'", hint)
        return False
    if silent:
        state.pos = end + 1
        return True

    line = _inline_line(state, start)
    if is_url:
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": first}
        token.meta = {"line": line, "needle": raw}
    else:
        token = state.push("cross_link_open", "a", 1)
        token.meta = {"name": name, "anchor": anchor, "line": line, "needle": raw}
    if text:
        text_start = start + 1 + label.index(text)
        old_pos, old_max = state.pos, state.posMax
        state.pos, state.posMax = text_start, end
        state.linkLevel += 1
        state.md.inline.tokenize(state)
        state.linkLevel -= 1
        state.pos, state.posMax = old_pos, old_max
    elif is_url:
        state.push("text", "", 0).content = first
    else:
        state.push("cross_link_title", "", 0).meta = {"name": name}
    state.push("link_close" if is_url else "cross_link_close", "a", -1)
    state.pos = end + 1
    return True


def _check_spaced_destination(state: StateInline, start: int, end: int, raw: str) -> None:
    """`[text](my page.html)` is not a link in Markdown; say so rather than print it literally."""
    close = state.src.find(")", end)
    destination = state.src[end + 2 : close] if close > 0 else ""
    if (
        close > 0
        and " " in destination.strip()
        and "\n" not in destination
        and '"' not in destination
    ):
        line = _inline_line(state, start)
        _report(
            state.env,
            line,
            raw,
            warning,
            f"link destination '{destination}' contains a space",
            f"write <{destination}> or {destination.replace(' ', '%20')}",
        )


def render_cross_link_open(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """`<a href=… title=…>` for a cross-link, with the anchor checked against the target."""
    meta = tokens[idx].meta
    context: RenderContext = env["context"]
    target = context.show(meta["name"], "description")
    anchor = meta["anchor"]
    if anchor:
        context.uses.add((target.name, "anchors"))
    if anchor and anchor not in target.anchors:
        close = closest(anchor, target.anchors, limit=3)
        hint = f"closest: {', '.join(close)}" if close else _anchor_listing(target.anchors)
        _report(
            env,
            meta["line"],
            meta["needle"],
            error,
            f"page '{target.name}' has no anchor '#{anchor}'",
            hint,
        )
    href = escapeHtml(relative_url(context.page.output, target.output, anchor))
    title = f' title="{escapeHtml(target.description_text)}"' if target.description_text else ""
    return f'<a href="{href}"{title}>'


def _anchor_listing(anchors: frozenset[str], limit: int = 8) -> str:
    """Name the anchors a page has, for a missing anchor with no close match."""
    if not anchors:
        return "that page has no headings or ids"
    names = sorted(anchors)
    more = ", …" if len(names) > limit else ""
    return f"anchors on that page: {', '.join(names[:limit])}{more}"


def render_cross_link_title(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """The target page's title, as the text of `[NAME]`."""
    context: RenderContext = env["context"]
    return escapeHtml(context.show(tokens[idx].meta["name"], "title").title)


# --- relative links and images (FORMAT.md §6) ----------------------------------------------------


def local_link_plugin(md: MarkdownIt) -> None:
    """Remember each link's line; at render time rewrite and check relative URLs."""

    def remember_lines(state: StateCore) -> None:
        for token in state.tokens:
            if token.type != "inline" or not token.children:
                continue
            offset = 0
            for child in token.children:
                if child.type in ("softbreak", "hardbreak"):
                    offset += 1
                elif child.type in ("link_open", "image") and "line" not in child.meta:
                    url = str(child.attrGet("href") or child.attrGet("src") or "")
                    child.meta["line"] = (token.map[0] if token.map else 0) + offset
                    child.meta["needle"] = url

    md.core.ruler.push("local_link_lines", remember_lines)
    md.add_render_rule("link_open", render_link_open)
    md.add_render_rule("image", render_image)


def _rewrite(token: Token, attr: str, env: dict[str, Any]) -> Token:
    url = str(token.attrGet(attr) or "")
    if not url:
        return token
    context: RenderContext = env["context"]
    link = context.site.resolve_local(context.page, url)
    if link.problem:
        _report(env, token.meta.get("line", 0), token.meta.get("needle", ""), warning, link.problem)
    if link.url == url:
        return token
    copy = token.copy(attrs=dict(token.attrs))
    copy.attrSet(attr, link.url)
    return copy


def render_link_open(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """A Markdown link, with a relative URL rewritten to reach its target from the output page."""
    return self.renderToken([_rewrite(tokens[idx], "href", env)], 0, options, env)


def render_image(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """An image, its path resolved like a link's."""
    token = _rewrite(tokens[idx], "src", env)
    alt = self.renderInlineAsText(token.children or [], options, env)
    attrs = dict(token.attrs)
    attrs["alt"] = alt
    attrs.setdefault("loading", "lazy")
    rendered = "".join(f' {k}="{escapeHtml(str(v))}"' for k, v in attrs.items())
    return f"<img{rendered}>"


# --- headings and raw HTML ids ---------------------------------------------------------------------


def _headings(tokens: list[Token]) -> list[Heading]:
    found = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.attrGet("id"):
            inline = tokens[i + 1]
            text = "".join(
                c.content for c in inline.children or () if c.type in ("text", "code_inline")
            )
            found.append(Heading(int(token.tag[1]), str(token.attrGet("id")), text.strip()))
    return found


class _IdCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.update(value for key, value in attrs if key in ("id", "name") and value)


def _raw_html_ids(tokens: list[Token]) -> set[str]:
    collector = _IdCollector()
    for token in tokens:
        if token.type == "html_block":
            collector.feed(token.content)
        for child in token.children or ():
            if child.type == "html_inline":
                collector.feed(child.content)
    collector.close()
    return collector.ids


# --- body directives: @sourceref, @highlight, @diff, @codepen (FORMAT.md §3) ------------------------


def directive_plugin(md: MarkdownIt) -> None:
    """Directive lines become tokens; a core rule then turns them into (or onto) code blocks."""
    md.block.ruler.before(
        "paragraph",
        "directive",
        directive_block_rule,
        {"alt": ["paragraph", "reference", "blockquote"]},
    )
    md.core.ruler.after("block", "apply_directives", apply_directives)


def directive_block_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A line holding only a directive, at any indentation a block may have."""
    if state.sCount[start_line] - state.blkIndent >= 4:
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


def apply_directives(state: StateCore) -> None:
    """Replace each directive token by its code block, or attach it to the code block above."""
    env = state.env
    result: list[Token] = []
    for token in state.tokens:
        if token.type != "directive":
            result.append(token)
            continue
        name, args = token.meta["name"], token.meta["args"]
        line = token.map[0] if token.map else 0
        needle = f"@{name}"
        if name == "sourceref":
            fence = _sourceref(args, token, env, line, needle)
            if fence is not None:
                result.append(fence)
        elif name == "diff":
            fence = _diff(args, token, env, line, needle)
            if fence is not None:
                result.append(fence)
        else:
            above = result[-1] if result and result[-1].type == "fence" else None
            if above is None:
                _report(env, line, needle, warning, f"@{name} must come right after a code block")
            elif name == "highlight":
                marked, only = _parse_highlight(args, env, line, needle)
                above.meta = {**above.meta, "marked": marked, "fold": only}
            else:
                above.meta = {**above.meta, "codepen": True}
    state.tokens = result


def _read_referenced(relative: str, env: dict[str, Any], line: int, needle: str) -> str | None:
    parse: ParseContext = env["parse"]
    if parse.source_dir is None:
        return None
    path = (parse.source_dir / relative).resolve()
    parse.files_read.add(str(path))
    try:
        return path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    except FileNotFoundError:
        _report(
            env,
            line,
            needle,
            error,
            f"{needle} file '{relative}' does not exist",
            f"looked for {path}",
        )
        return None
    except (OSError, UnicodeDecodeError):
        _report(env, line, needle, error, f"cannot read '{relative}'", f"looked for {path}")
        return None


def _fence_for(path: str, content: str, like: Token) -> Token:
    extension = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    fence = Token("fence", "code", 0, level=like.level, block=True, map=like.map)
    fence.info = SOURCEREF_LANGUAGES.get(extension, extension)
    fence.content = content if content.endswith("\n") or not content else content + "\n"
    fence.markup = "```"
    return fence


def _sourceref(
    args: str, token: Token, env: dict[str, Any], line: int, needle: str
) -> Token | None:
    path = args.split()[0] if args.split() else ""
    if not path:
        _report(env, line, needle, error, "@sourceref needs a file path")
        return None
    content = _read_referenced(path, env, line, needle)
    return None if content is None else _fence_for(path, content, token)


def _diff(args: str, token: Token, env: dict[str, Any], line: int, needle: str) -> Token | None:
    words = args.split()
    if len(words) < 2:
        _report(env, line, needle, error, "@diff needs two file paths: @diff OLD NEW [only]")
        return None
    old = _read_referenced(words[0], env, line, needle)
    new = _read_referenced(words[1], env, line, needle)
    if old is None or new is None:
        return None
    fence = _fence_for(words[1], new, token)
    fence.meta = {"marked": changed_lines(old, new), "fold": "only" in words[2:]}
    return fence


def changed_lines(old: str, new: str) -> frozenset[int]:
    """1-based numbers of NEW's lines that are new or changed against OLD (FORMAT.md §3 @diff)."""

    def norm(line: str) -> str:
        return line.strip().removesuffix(";").rstrip()

    available = Counter(norm(line) for line in old.split("\n") if line.strip())
    marked = set()
    for number, line in enumerate(new.rstrip("\n").split("\n"), start=1):
        key = norm(line)
        if not key:
            continue
        if available[key] > 0:
            available[key] -= 1
        else:
            marked.add(number)
    return frozenset(marked)


def _parse_highlight(
    spec: str, env: dict[str, Any], line: int, needle: str
) -> tuple[frozenset[int], bool]:
    marked: set[int] = set()
    only = False
    for part in re.split(r"[,\s]+", re.sub(r"\s*-\s*", "-", spec.strip())):
        if not part:
            continue
        if part.lower() == "only":
            only = True
        elif re.fullmatch(r"\d+", part):
            marked.add(int(part))
        elif re.fullmatch(r"\d+-\d+", part):
            low, high = (int(n) for n in part.split("-"))
            marked.update(range(min(low, high), max(low, high) + 1))
        else:
            _report(
                env,
                line,
                needle,
                warning,
                f"@highlight: cannot read '{part}'",
                "write line numbers and ranges, e.g. @highlight 1,3-5 only",
            )
    return frozenset(marked), only


# --- code blocks ------------------------------------------------------------------------------------


@functools.cache
def _lexer(language: str) -> Lexer:
    if not language:
        return TextLexer()
    try:
        return get_lexer_by_name(language)
    except ClassNotFound:
        try:
            return get_lexer_for_filename(f"file.{language}")
        except ClassNotFound:
            return TextLexer()


_FORMATTER = HtmlFormatter(nowrap=True)


def _errors(tokens: list[tuple[Any, str]]) -> int:
    return sum(1 for kind, _ in tokens if kind in pygments_token.Error)


def highlighted_lines(code: str, language: str) -> list[str]:
    """The code as HTML, one string per source line, tags balanced within each line.

    A block whose lexer stumbles is tried with its superset language's lexer (JSX in a .js file).
    """
    language = language.lower()
    tokens = list(_lexer(language).get_tokens(code))
    superset = SUPERSET_LANGUAGES.get(language)
    if superset is not None and _errors(tokens):
        alternative = list(_lexer(superset).get_tokens(code))
        if _errors(alternative) < _errors(tokens):
            tokens = alternative
    html = format_tokens(tokens, _FORMATTER)
    lines = html.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _visible_lines(marked: frozenset[int], total: int) -> set[int]:
    return {
        n for m in marked for n in range(m - FOLD_CONTEXT, m + FOLD_CONTEXT + 1) if 1 <= n <= total
    }


def render_fence(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """A code block highlighted by Pygments, with marked lines, folds and a CodePen button."""
    token = tokens[idx]
    info = unescapeAll(token.info).strip() if token.info else ""
    language = info.split()[0] if info else ""
    lines = highlighted_lines(token.content, language)
    marked: frozenset[int] = token.meta.get("marked", frozenset())
    fold = token.meta.get("fold", False) and bool(marked)
    visible = _visible_lines(marked, len(lines)) if fold else set(range(1, len(lines) + 1))

    parts: list[str] = []
    hidden_run: list[str] = []

    def flush_hidden() -> None:
        if hidden_run:
            count = len(hidden_run)
            label = f"{count} more line" + ("s" if count > 1 else "")
            parts.append(
                f'<span class="fold"><button type="button" class="unfold" aria-expanded="false">'
                f'⋯ {label}</button><span class="folded">{"".join(hidden_run)}</span></span>'
            )
            hidden_run.clear()

    for number, html in enumerate(lines, start=1):
        css = "line marked" if number in marked else "line"
        rendered = f'<span class="{css}">{html}</span>\n' if marked else f"{html}\n"
        if number in visible:
            flush_hidden()
            parts.append(rendered)
        else:
            hidden_run.append(rendered)
    flush_hidden()

    lang_class = f' class="language-{escapeHtml(language)}"' if language else ""
    block = f'<pre class="highlight"><code{lang_class}>{"".join(parts)}</code></pre>\n'
    if token.meta.get("codepen"):
        block += _codepen_form(token.content, language, env)
    return block


def _codepen_form(code: str, language: str, env: dict[str, Any]) -> str:
    context: RenderContext = env["context"]
    for old, new in context.site.codepen_replacements:
        code = code.replace(old, new)
    editor = CODEPEN_LANGUAGES.get(language.lower(), "js")
    data: dict[str, str] = {"title": context.page.title, editor: code}
    if language.lower() in ("jsx", "tsx") or (editor == "js" and "<" in code and "React" in code):
        data["js_pre_processor"] = "babel"
    value = escapeHtml(json.dumps(data, sort_keys=True))
    return (
        '<form class="codepen" action="https://codepen.io/pen/define" method="POST" target="_blank">'
        f'<input type="hidden" name="data" value="{value}">'
        '<button type="submit">Run in CodePen</button></form>\n'
    )
