"""Code blocks: highlighted lines, marked lines, folds and the CodePen button.

The fold button and the CodePen form come from the theme's `partials/code.html` macros, so a theme can
change them; everything else is the Markdown renderer's own output.
"""

from __future__ import annotations

import json
from typing import Any

import jinja2
from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import OptionsDict
from markupsafe import Markup

from trustdocs.diagnostics import error
from trustdocs.markdown.codepen import codepen_data
from trustdocs.markdown.highlight import CodeBlock, highlighted_lines
from trustdocs.snapshot import RenderContext

FOLD_CONTEXT = 3  # lines kept visible around marked lines by `only`
CODE_PARTIAL = "partials/code.html"


def visible_lines(marked: frozenset[int], total: int) -> set[int]:
    """The lines `only` keeps in view: those within FOLD_CONTEXT lines of a marked line."""
    return {
        n for m in marked for n in range(m - FOLD_CONTEXT, m + FOLD_CONTEXT + 1) if 1 <= n <= total
    }


def theme_macro(
    context: RenderContext, name: str, partial: str = CODE_PARTIAL, **values: Any
) -> str:
    """Call macro NAME of the theme's PARTIAL; a broken partial is an error at its own line."""
    try:
        module = context.templates.get_template(partial).module
        return str(getattr(module, name)(**values))
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or partial
        problem = error(where, exc.lineno or 1, 1, f"template error: {exc.message}")
    except (jinja2.TemplateError, AttributeError, TypeError) as exc:
        problem = error(context.path, 1, 1, f"template {partial}, macro {name}: {exc}")
    if problem not in context.diagnostics:
        context.diagnostics.append(problem)
    return ""


def code_block(token: Token) -> CodeBlock:
    """A fence's code and the language word it is highlighted as."""
    info = unescapeAll(token.info).strip() if token.info else ""
    return token.content, info.split()[0] if info else ""


def render_fence(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """A code block highlighted by Pygments, with marked lines, folds and a CodePen button."""
    context: RenderContext = env["context"]
    token = tokens[idx]
    code, language = code_block(token)
    lines = highlighted_lines(code, language)
    marked: frozenset[int] = token.meta.get("marked", frozenset())
    fold = token.meta.get("fold", False) and bool(marked)
    visible = visible_lines(marked, len(lines)) if fold else set(range(1, len(lines) + 1))

    parts: list[str] = []
    hidden_run: list[str] = []

    def flush_hidden() -> None:
        if hidden_run:
            lines_html = Markup("".join(hidden_run))  # Pygments escaped it already
            parts.append(theme_macro(context, "fold", count=len(hidden_run), lines=lines_html))
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
    # tabindex: a block wider than the page scrolls, which a keyboard can do once it is focused.
    block = f'<pre class="highlight" tabindex="0"><code{lang_class}>{"".join(parts)}</code></pre>\n'
    if "codepen" in token.meta:
        data = codepen_data(
            token.content,
            language,
            context.page.title,
            context.site.codepen_replacements,
            token.meta["codepen"],
        )
        block += theme_macro(context, "codepen", data=json.dumps(data, sort_keys=True)) + "\n"
    return block
