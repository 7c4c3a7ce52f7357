"""urls.py: output paths and relative URLs."""

import pytest

from trustdocs.urls import is_external, output_path, relative_url


@pytest.mark.parametrize(
    ("start", "target", "expected"),
    [
        ("index.html", "a/b.html", "a/b.html"),
        ("a/b.html", "index.html", "../index.html"),
        ("a/b.html", "a/c.html", "c.html"),
        ("a/b/c.html", "a/d/e.html", "../d/e.html"),
        ("a/b.html", "a/b/c.html", "b/c.html"),
        ("x/y/z.html", "_assets/style.css", "../../_assets/style.css"),
        ("a/b.html", "a/my page.html", "my%20page.html"),
    ],
)
def test_relative_url(start, target, expected):
    assert relative_url(start, target) == expected


def test_same_page_anchor_is_a_fragment_only():
    assert relative_url("a/b.html", "a/b.html", "top") == "#top"
    assert relative_url("a/b.html", "a/c.html", "top") == "c.html#top"


def test_output_path_and_external_urls():
    assert output_path("course/intro", "course") == "course/intro.html"
    assert output_path("course", "course") == "index.html"
    assert all(map(is_external, ["https://x.org", "mailto:a@b", "/abs", "#frag", "//cdn.x/y"]))
    assert not is_external("img/a.png")
