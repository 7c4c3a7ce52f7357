"""What a "Run in CodePen" button posts: the code, in the editor and pre-processor it needs.

As bit-docs' codepen plugin: TypeScript goes through CodePen's TypeScript pre-processor, JSX through
Babel, and `@codepen react` adds React, ReactDOM and the `#root` element React code renders into.
An HTML demo whose code is an inline `<script type=…>` (an Angular lesson's `<script
type="typescript">`) opens with that code in the JS editor, its `<style>` in the CSS one.
"""

from __future__ import annotations

import re

from trustdocs.markdown.rawhtml import attribute_values

CODEPEN_EDITORS = {
    "html": "html",
    "css": "css",
    "js": "js",
    "javascript": "js",
    "jsx": "js",
    "ts": "js",
    "typescript": "js",
    "tsx": "js",
}
PRE_PROCESSORS = {
    "jsx": "babel",
    "ts": "typescript",
    "typescript": "typescript",
    "tsx": "typescript",
}
REACT_SCRIPTS = (
    "https://unpkg.com/react@18/umd/react.development.js",
    "https://unpkg.com/react-dom@18/umd/react-dom.development.js",
)
REACT_ROOT = '<div id="root"></div>'
# CodePen's editors shown, as four flags (HTML, CSS, JS, console): code for the JS editor opens
# with its console beside it, the HTML and CSS editors folded, as bit-docs' plugin opens it.
JS_EDITORS = "0011"
# What bit-docs' plugin takes out of an HTML demo: an inline script whose type names code for the
# JS editor (one with `src` stays, as does a plain script, which the page runs as it is, or data
# such as an import map), and the first style element.
_SCRIPT = re.compile(r"(<script\s[^>]*>)([\s\S]*?)</script>", re.IGNORECASE)
_COMMENT = re.compile(r"<!--[\s\S]*?(?:-->|$)")
_STYLE = re.compile(r"<style>([\s\S]*?)</style>", re.IGNORECASE)
_IMPORT = re.compile(r"^\s*import\b", re.MULTILINE)
SCRIPT_PRE_PROCESSORS = {  # a script's type → CodePen's pre-processor ("": a module, none)
    "typescript": "typescript",
    "text/typescript": "typescript",
    "jsx": "babel",
    "text/jsx": "babel",
    "text/babel": "babel",
    "module": "",
}


def codepen_data(
    code: str,
    language: str,
    title: str,
    replacements: tuple[tuple[str, str], ...],
    variant: str = "",
) -> dict[str, str | bool]:
    """The prefill fields CodePen's `/pen/define` endpoint reads, with the site's replacements made."""
    for old, new in replacements:
        code = code.replace(old, new)
    language = language.lower()
    if language == "html" and not variant:
        split = _html_demo(code, title)
        if split is not None:
            return split
    editor = CODEPEN_EDITORS.get(language, "js")
    data: dict[str, str | bool] = {"title": title, editor: code}
    pre_processor = PRE_PROCESSORS.get(language)
    if pre_processor is None and editor == "js" and "<" in code and "React" in code:
        pre_processor = "babel"  # JSX written in a .js file
    if variant == "react":
        data["html"] = REACT_ROOT + ("\n" + data["html"] if "html" in data else "")
        data["js_external"] = ";".join(REACT_SCRIPTS)
        if editor == "js" and pre_processor is None:
            pre_processor = "babel"
    if pre_processor is not None and editor == "js":
        data["js_pre_processor"] = pre_processor
    elif editor == "js" and _IMPORT.search(code):
        data["js_module"] = True  # an `import` in a classic script is a syntax error
    if editor == "js":
        data["editors"] = JS_EDITORS
    return data


def _html_demo(code: str, title: str) -> dict[str, str | bool] | None:
    """The fields of an HTML demo whose code is in typed inline scripts of one kind, as bit-docs'
    plugin splits it: the scripts' code for the JS editor, with its pre-processor; the first
    style's rules for the CSS editor; the rest for the HTML one. None: no such script."""
    comments = [found.span() for found in _COMMENT.finditer(code)]
    html, kinds, scripts = code, set(), []
    for found in _SCRIPT.finditer(code):
        if any(start <= found.start() < end for start, end in comments):
            continue
        tag = found.group(1)
        attributes = {name: tag[start:end] for name, start, end in attribute_values(tag)}
        kind = attributes.get("type", "").strip().lower()
        if "src" in attributes or kind not in SCRIPT_PRE_PROCESSORS:
            continue
        html = html.replace(found.group(0), "", 1)
        kinds.add(kind)
        scripts.append(found.group(2).strip())
    pre_processors = {SCRIPT_PRE_PROCESSORS[kind] for kind in kinds}
    if len(pre_processors) != 1:  # none, or code for two pre-processors: one editor cannot hold it
        return None
    data: dict[str, str | bool] = {"title": title}
    style = _STYLE.search(html)
    if style is not None:
        html = html.replace(style.group(0), "", 1)
    if html.strip():
        data["html"] = html.strip()
    if style is not None and style.group(1).strip():
        data["css"] = style.group(1).strip()
    data["js"] = "\n\n".join(scripts)
    pre_processor = pre_processors.pop()
    if pre_processor:
        data["js_pre_processor"] = pre_processor
    else:
        data["js_module"] = True
    data["editors"] = "1011"
    return data
