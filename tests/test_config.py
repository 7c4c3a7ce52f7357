"""config.py: site.yaml and package.json."""

import json

import pytest

from trustdocs.config import ConfigError, find_config, load_config, with_base_url


def test_minimal_site_yaml_gets_defaults(tmp_path):
    (tmp_path / "site.yaml").write_text("title: My Course\n")
    config = load_config(tmp_path / "site.yaml")
    assert config.title == "My Course"
    assert config.content_dir == tmp_path / "content"
    assert config.output_dir == tmp_path / "site"
    assert (config.theme, config.root, config.base_url, config.strict) == (
        "default",
        None,
        None,
        False,
    )


def test_unknown_key_and_wrong_type_name_key_and_line(tmp_path):
    (tmp_path / "site.yaml").write_text("title: X\nroot: home\ntheem: dark\nstrict: yes please\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "site.yaml")
    problems = {(d.line, d.message) for d in caught.value.diagnostics}
    assert (3, "unknown key 'theem'") in problems
    assert (4, "'strict' must be a boolean (true or false), not string") in problems
    assert "did you mean 'theme'?" in caught.value.diagnostics[0].hint


@pytest.mark.parametrize("separator", ["\x85", "\u2028", "\u2029"])
def test_lines_are_counted_as_an_editor_counts_them(tmp_path, separator):
    """YAML also ends lines at NEL and the Unicode line and paragraph separators, which editors
    show inside a line: a problem is reported at the line the author sees, never past the end."""
    path = tmp_path / "site.yaml"
    path.write_bytes(f'title: "A{separator}B"\ntheem: dark\n'.encode())
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert [(d.line, d.col, d.message) for d in caught.value.diagnostics] == [
        (2, 1, "unknown key 'theem'")
    ]
    path.write_bytes(f"# note{separator}more\n\ttitle: x\n".encode())
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    [problem] = caught.value.diagnostics
    assert (problem.line, problem.col) == (2, 1) and "invalid YAML" in problem.message


def test_missing_title_and_bad_yaml(tmp_path):
    (tmp_path / "site.yaml").write_text("content: pages\n")
    with pytest.raises(ConfigError, match="missing required key 'title'"):
        load_config(tmp_path / "site.yaml")
    (tmp_path / "site.yaml").write_text("title: [unclosed\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_config(tmp_path / "site.yaml")


def test_bitdocs_package_json(tmp_path):
    section = {
        "glob": {"pattern": "src/**/*.{js,md}"},
        "parent": "academy",
        "dest": "./out",
        "static": "static",
        "codepen": [['"react"', '"//unpkg.com/react"']],
    }
    (tmp_path / "package.json").write_text(json.dumps({"name": "a", "bit-docs": section}))
    assert find_config(tmp_path) == tmp_path / "package.json"
    config = load_config(tmp_path / "package.json")
    assert config.root == "academy" and config.output_dir == tmp_path / "out"
    assert config.page_glob == ("src/**/*.js", "src/**/*.md")
    assert config.codepen_replacements == (('"react"', '"//unpkg.com/react"'),)


def test_a_bitdocs_section_without_dest_writes_to_doc_as_bitdocs_does(tmp_path):
    """canjs's own section names no "dest": bit-docs writes `./doc` then, and so does trustdocs."""
    section = {"glob": {"pattern": "docs/**/*.md"}, "parent": "canjs"}
    (tmp_path / "package.json").write_text(json.dumps({"name": "can", "bit-docs": section}))
    config = load_config(tmp_path / "package.json")
    assert config.output_dir == tmp_path / "doc"


def test_package_json_without_bitdocs_is_not_a_site(tmp_path):
    (tmp_path / "package.json").write_text('{"name": "x"}')
    assert find_config(tmp_path) is None


def test_base_url_without_trailing_slash_keeps_its_path(tmp_path):
    (tmp_path / "site.yaml").write_text("title: X\nbase_url: https://user.github.io/course\n")
    assert load_config(tmp_path / "site.yaml").base_url == "https://user.github.io/course/"


@pytest.mark.parametrize("value", ["user.github.io/course", "/course/", "ftp://host/course/"])
def test_base_url_that_is_no_web_address_is_an_error_at_its_line(tmp_path, value):
    (tmp_path / "site.yaml").write_text(f"title: X\n\nbase_url: {value}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "site.yaml")
    [problem] = caught.value.diagnostics
    assert (problem.line, problem.severity) == (3, "error")
    assert (
        problem.message
        == "'base_url' must be the absolute http(s) address the site is published at"
    )


@pytest.mark.parametrize(
    ("value", "folder"),
    [
        ("https://example.org/course/index.html", "https://example.org/course/"),
        ("https://example.org/welcome.HTM", "https://example.org/"),
    ],
)
def test_base_url_naming_a_page_is_an_error_that_names_its_folder(tmp_path, value, folder):
    """`…/course/index.html` would put every address under `index.html/`, canonical links and
    the sitemap's among them: refused, in site.yaml and on the command line, saying what to
    write. A folder with a dot in its name (`/docs/v1.2`) is one."""
    (tmp_path / "site.yaml").write_text(f"title: X\nbase_url: {value}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "site.yaml")
    [problem] = caught.value.diagnostics
    assert problem.line == 2 and problem.hint.endswith(f"not one of its pages: {folder}")
    (tmp_path / "site.yaml").write_text("title: X\n")
    with pytest.raises(ValueError, match=f"not one of its pages: {folder}"):
        with_base_url(load_config(tmp_path / "site.yaml"), value)
    (tmp_path / "site.yaml").write_text("title: X\nbase_url: https://example.org/docs/v1.2\n")
    assert load_config(tmp_path / "site.yaml").base_url == "https://example.org/docs/v1.2/"


def test_site_yaml_read_before_is_taken_from_the_cache_until_its_text_changes(tmp_path):
    """A build's site.yaml, unchanged since the last, comes from the build cache: PyYAML is not
    even loaded. It is kept there once the build is done (not by one refused or failed), and
    an edit is read at once."""
    import subprocess
    import sys

    from trustdocs.cache import CACHE_DIR

    (tmp_path / "site.yaml").write_text("title: One\nredirects:\n  old.html: a\n")
    script = (
        "import sys\nfrom pathlib import Path\nfrom trustdocs.config import ConfigError, load_config\n"
        "from trustdocs.cache import BuildCache\n"
        "from trustdocs.config import keep_site_document\n"
        "try:\n    c = load_config(Path(sys.argv[1]), cached=sys.argv[2] == 'yes')\n"
        "    keep_site_document(BuildCache(Path(sys.argv[1]).parent.resolve() / '.trustdocs-cache'))\n"
        "    print('yaml' in sys.modules, c.title, c.redirects)\n"
        "except ConfigError as e:\n    print('yaml' in sys.modules, [d.format() for d in e.diagnostics])\n"
    )

    def read(cached: str = "yes") -> str:
        run = [sys.executable, "-c", script, str(tmp_path / "site.yaml"), cached]
        done = subprocess.run(run, capture_output=True, text=True, timeout=60, check=True)
        return done.stdout.strip()

    assert read("no") == "True One (('old.html', 'a', 3),)"
    assert not (tmp_path / CACHE_DIR).exists()  # not cached: nothing kept
    assert read() == "True One (('old.html', 'a', 3),)"  # kept once the build is done
    assert read() == "False One (('old.html', 'a', 3),)"
    (tmp_path / "site.yaml").write_text("title: Two\ntitle: Three\n")
    duplicate = read()
    assert duplicate.startswith("True [")
    assert "site.yaml:2:1: error: duplicate key 'title'" in duplicate
    assert read() == duplicate  # a configuration with problems stops the build: read anew
    (tmp_path / "site.yaml").write_text("title: Four\n")
    assert read() == "True Four ()"
    assert read() == "False Four ()"


def test_a_key_given_twice_at_any_depth_is_an_error_at_both_lines(tmp_path):
    """YAML keeps the last of two equal keys without a word, in a nested mapping as at the top:
    a redirect given twice would send its readers to whichever came last. A mapping shown
    twice through an alias is reported once."""
    (tmp_path / "site.yaml").write_text(
        "title: T\nredirects:\n  a: one\n  b: two\n  a: three\nx: &m {k: 1, k: 2}\ny: *m\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "site.yaml")
    duplicates = [
        (d.line, d.col, d.message, d.hint)
        for d in caught.value.diagnostics
        if d.message.startswith("duplicate")
    ]
    assert duplicates == [
        (5, 3, "duplicate key 'a'", "first set on line 3"),
        (6, 14, "duplicate key 'k'", "first set on line 6"),
    ]


@pytest.mark.parametrize(
    ("value", "address"),
    [
        ("https://example.org/k%C3%BCrs/", "https://example.org/k%C3%BCrs/"),
        ("https://example.org/kürs/k%C3%BCrs", "https://example.org/k%C3%BCrs/k%C3%BCrs/"),
        ("https://example.org/100%/", "https://example.org/100%25/"),
        ("https://example.org/a b%2/", None),
        ("https://bücher.example:8080/", "https://xn--bcher-kva.example:8080/"),
        ("https://bücher.Example/", "https://xn--bcher-kva.example/"),
        ("https://BÜCHER.EXAMPLE/", "https://xn--bcher-kva.example/"),
        ("https://Straße.De/", "https://stra%C3%9Fe.de/"),
        ("https://straße.de/", "https://stra%C3%9Fe.de/"),
        ("https://example.org/a/../b/./c", "https://example.org/b/c/"),
        ("https://example.org/a/%2E%2E/b/", "https://example.org/b/"),
        ("https://example.org/../..", "https://example.org/"),
        ("https://example.org/a/b/c/../../d/", "https://example.org/a/d/"),
    ],
)
def test_base_url_is_written_escaped_and_never_escaped_twice(tmp_path, value, address):
    """A base_url is kept as the URL it names: what is already escaped stays as it is, a lone
    `%` or an accent is escaped, a host with accents is written as the DNS knows it (in lower
    case, as it is read whatever its case), and `.` and `..` are followed, as a browser follows them (RFC 3986, 5.2.4)."""
    (tmp_path / "site.yaml").write_text("title: X\n")
    config = load_config(tmp_path / "site.yaml")
    if address is None:
        with pytest.raises(ValueError, match="without spaces"):
            with_base_url(config, value)
        return
    assert with_base_url(config, value).base_url == address
    (tmp_path / "site.yaml").write_text(f"title: X\nbase_url: {value}\n", encoding="utf-8")
    assert load_config(tmp_path / "site.yaml").base_url == address


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            '"https://user:s3cret@example.org/ x"',
            "'base_url' must be a URL without spaces, not 'https://…@example.org/ x'",
        ),
        (
            "https://user:s3cret@example.org:80x/",
            "'base_url' is not a valid URL: Port could not be cast to integer value as '80x' "
            "('https://…@example.org:80x/')",
        ),
        (
            "https://user:s3cret@[example.org/",
            "'base_url' is not a valid URL: Invalid IPv6 URL ('https://…@[example.org/')",
        ),
    ],
)
def test_a_base_url_with_a_password_is_never_quoted_with_it(tmp_path, value, message):
    """site.yaml's base_url holding a password is refused without printing it, and so is one
    with another problem, which is said quoting the address without its user name and password."""
    (tmp_path / "site.yaml").write_text(f"title: X\nbase_url: {value}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "site.yaml")
    [problem] = caught.value.diagnostics
    assert (problem.line, problem.message) == (2, message)
    assert "s3cret" not in problem.format()
