"""What a "Run in CodePen" button posts: the code, in the editor and pre-processor it needs."""

from __future__ import annotations

CODEPEN_LANGUAGES = {"html": "html", "css": "css", "js": "js", "javascript": "js", "jsx": "js"}


def codepen_data(
    code: str, language: str, title: str, replacements: tuple[tuple[str, str], ...]
) -> dict[str, str]:
    """The prefill fields CodePen's `/pen/define` endpoint reads, with the site's replacements made."""
    for old, new in replacements:
        code = code.replace(old, new)
    editor = CODEPEN_LANGUAGES.get(language.lower(), "js")
    data: dict[str, str] = {"title": title, editor: code}
    if language.lower() in ("jsx", "tsx") or (editor == "js" and "<" in code and "React" in code):
        data["js_pre_processor"] = "babel"
    return data
