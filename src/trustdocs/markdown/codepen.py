"""What a "Run in CodePen" button posts: the code, in the editor and pre-processor it needs.

As bit-docs' codepen plugin: TypeScript goes through CodePen's TypeScript pre-processor, JSX through
Babel, and `@codepen react` adds React, ReactDOM and the `#root` element React code renders into.
"""

from __future__ import annotations

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


def codepen_data(
    code: str,
    language: str,
    title: str,
    replacements: tuple[tuple[str, str], ...],
    variant: str = "",
) -> dict[str, str]:
    """The prefill fields CodePen's `/pen/define` endpoint reads, with the site's replacements made."""
    for old, new in replacements:
        code = code.replace(old, new)
    language = language.lower()
    editor = CODEPEN_EDITORS.get(language, "js")
    data: dict[str, str] = {"title": title, editor: code}
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
    return data
