"""urls.py: output paths and relative URLs."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustdocs.urls import (
    disk_name,
    is_external,
    name_problem,
    output_path,
    page_name_problem,
    relative_url,
)


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


_NAME_PARTS = st.sampled_from(
    ["a", "lesson-1", ".", "..", "...", ".a", "", " ", "\t", "\x1f", "\x7f"]
)
_NAME_CHARS = st.sampled_from(["\\", "\x00", "\u00a0", "\u2028", "é", "x" * 120])


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.one_of(_NAME_PARTS, _NAME_CHARS, st.text(max_size=8)), max_size=6), st.booleans()
)
def test_a_name_taken_at_a_glance_is_one_every_check_takes(parts, joined):
    """Page names are checked at each build (1,000 of them after one edit): the usual name is
    taken at a glance; any name so taken passes every check, and a refused one gets its reason."""
    name = ("/" if joined else "").join(parts)
    assert page_name_problem(name) == name_problem(name)


@pytest.mark.parametrize(
    "name",
    ["a/../b", "a//b", "./a", "a/.", "a b", "a\u00a0b", "a\x1fb", "/a", "a\\b", "x" * 201],
)
def test_names_with_a_problem_are_refused(name):
    assert page_name_problem(name) != ""


@pytest.mark.parametrize(
    ("a", "b", "one_file"),
    [
        ("learn/Intro.html", "learn/intro.html", True),
        ("learn/caf\u00e9.html", "learn/cafe\u0301.html", True),
        ("learn/CAF\u00c9.html", "learn/cafe\u0301.html", True),
        ("learn/stra\u00dfe.html", "learn/strasse.html", False),  # kept apart by those disks
        ("learn/stra\u00dfe.html", "learn/strase.html", False),
        ("learn/Stra\u00dfe.html", "learn/stra\u00dfe.html", True),
        ("c/\u03bf\u03b4\u03bf\u03c2.html", "c/\u03bf\u03b4\u03bf\u03c3.html", True),  # final sigma
        ("learn/a.html", "learn/b.html", False),
    ],
)
def test_outputs_that_are_one_file_where_case_and_unicode_forms_are_ignored(a, b, one_file):
    assert (disk_name(a) == disk_name(b)) is one_file


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b:c", "javascript:alert(1)", "news:x", "é:", "d"]), max_size=3),
    st.lists(
        st.sampled_from(["a", "b:c", "javascript:alert(1)", "x:y", "d"]), min_size=1, max_size=3
    ),
)
def test_a_relative_url_never_reads_as_a_scheme(start, target):
    """A page named `javascript:alert(1)/x` or `news:today` is linked by a URL that reaches its
    file: a first segment with a colon would read as a scheme (a script run on click)."""
    from urllib.parse import unquote, urljoin, urlsplit

    start_path, target_path = "/".join([*start, "p.html"]), "/".join(target) + ".html"
    url = relative_url(start_path, target_path)
    assert urlsplit(url).scheme == ""
    base = "https://host/site/"
    assert unquote(urljoin(base + start_path, url)) == base + target_path
