"""search.py: what learners can find, and what they cannot."""

import json

from conftest import CONSULTING, make_site

from trustdocs.build import Site
from trustdocs.config import load_config


def index_entries(tmp_path, pages):
    site = Site(load_config(make_site(tmp_path, pages) / "site.yaml"))
    site.build()
    script = site.on_request_file("_assets/search-index.js")
    assert script.startswith("window.trustdocsSearchIndex=[")
    return json.loads(script.split("=", 1)[1].rstrip().rstrip(";"))


def test_entries_hold_title_url_summary_headings_and_text(tmp_path):
    entries = {e["u"]: e for e in index_entries(tmp_path, CONSULTING)}
    rapport = entries["learn-technology-consulting/building-rapport.html"]
    assert rapport["t"] == "Building Trust and Rapport"
    assert rapport["d"].startswith("Best practices")
    assert ["What's next?", "whats-next"] in rapport["h"]
    assert "App Summary Document" in rapport["b"]  # link text is searchable
    assert "learn-technology-consulting/" not in rapport["b"]  # page names are not


def test_hidden_pages_stay_out_of_the_index(tmp_path):
    pages = {
        **CONSULTING,
        "notes.md": "@page learn-technology-consulting/notes Instructor Notes\n"
        "@parent learn-technology-consulting 9\n@hide\n@body\nSecret grading rubric.\n",
    }
    titles = [e["t"] for e in index_entries(tmp_path, pages)]
    assert "Instructor Notes" not in titles and "Kickoff" in titles
