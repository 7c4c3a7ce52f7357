"""GitHub alerts (`> [!NOTE]` …) render as callouts with a title; other quotes stay quotes."""

import pytest
from bs4 import BeautifulSoup
from page_body import render_body


@pytest.mark.parametrize(
    ("marker", "kind", "title"),
    [
        ("NOTE", "note", "Note"),
        ("TIP", "tip", "Tip"),
        ("IMPORTANT", "important", "Important"),
        ("WARNING", "warning", "Warning"),
        ("CAUTION", "caution", "Caution"),
    ],
)
def test_each_alert_kind_is_a_titled_callout(marker, kind, title):
    body = render_body(f"> [!{marker}]\n> Keep the sponsor **informed**.\n")
    soup = BeautifulSoup(body.html, "html.parser")
    alert = soup.select_one(f"div.markdown-alert.markdown-alert-{kind}")
    assert alert is not None, body.html
    assert alert.select_one("p.markdown-alert-title").get_text() == title
    assert alert.find("strong").get_text() == "informed"
    assert "[!" not in body.html
    assert soup.find("blockquote") is None
    assert body.diagnostics == []


def test_an_alert_holds_lists_code_and_cross_links():
    body = render_body(
        "> [!TIP]\n> Before the call:\n>\n> - read [intro]\n> - check the log\n>\n"
        "> ```python\n> print('ready')\n> ```\n",
        {"intro": "Introduction"},
    )
    alert = BeautifulSoup(body.html, "html.parser").select_one(".markdown-alert-tip")
    assert [li.get_text() for li in alert.find_all("li")] == ["read Introduction", "check the log"]
    assert alert.find("a")["href"] == "intro.html"
    assert alert.find("pre") is not None


@pytest.mark.parametrize(
    "quote",
    [
        "> [!NOTE] on the same line\n> as the text\n",
        "> [!TODO]\n> not an alert kind\n",
        "> A plain quotation.\n",
    ],
)
def test_other_quotes_stay_quotations(quote):
    body = render_body(quote)
    soup = BeautifulSoup(body.html, "html.parser")
    assert soup.find("blockquote") is not None
    assert soup.select_one(".markdown-alert") is None
