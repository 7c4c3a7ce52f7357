"""The search index: what a learner can find, written as a script so search works from file:// too."""

from __future__ import annotations

import json

from trustdocs.markdown import plain_text
from trustdocs.pages import ParsedPage
from trustdocs.snapshot import PageSummary
from trustdocs.urls import ASSETS_DIR

INDEX_FILE = f"{ASSETS_DIR}/search-index.js"
BODY_CHARACTERS = 2500  # the opening of a lesson's prose; keeps the index small on large courses


def search_entry(page: ParsedPage, summary: PageSummary) -> str:
    """One page's entry, as JSON: title, URL from the site root, summary, headings and text."""
    entry = {
        "t": summary.title,
        "u": summary.output,
        "d": summary.description_text,
        "h": [[h.text, h.id] for h in page.body.headings if h.level >= 2],
        "b": plain_text(page.body, None)[:BODY_CHARACTERS],  # own words only: cached per page
    }
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


def search_index_script(entries: list[str]) -> str:
    """The index file: a script that hands the entries to the search box."""
    return "window.trustdocsSearchIndex=[\n" + ",\n".join(entries) + "\n];\n"
