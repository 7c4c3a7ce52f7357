"""Hostile input, end to end: every case writes a site, runs the real command and checks that the
answer is one clear diagnostic at the right `path:line`, the right exit code, no traceback, and that
no file outside the output folder changed (nor the output itself, when the run failed).

Add a case: append a `Case` to `CASES`. `files` are written byte for byte (str as UTF-8);
`where` is the start of the expected diagnostic line (`site.yaml:3:1: error`), `message` a part of it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from trustdocs.cache import CACHE_DIR
from trustdocs.cli import EXIT_CONTENT, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE


@dataclass(frozen=True)
class Case:
    """One bad input and what the command must answer."""

    id: str
    files: dict[str, str | bytes]
    code: int
    where: str = ""  # the diagnostic line starts with this, such as "site.yaml:2:1: error"
    message: str = ""  # and contains this
    args: tuple[str, ...] = ("build",)
    output: str = "site"  # the output folder, relative to the site
    in_subprocess: bool = False  # run `python -m trustdocs` (for tracebacks and Ctrl-C)
    fault: str = ""  # Python run in the subprocess before the command, to plant a failure
    interrupt: bool = False  # send Ctrl-C once the subprocess prints "ready"
    env: dict[str, str] = field(default_factory=dict)
    seconds: float = 20.0  # the command must answer within this


HOME = "@page home Home\n@description The home page.\n@body\nHello.\n"


def site(config: str | bytes, **pages: str) -> dict[str, str | bytes]:
    """A site with this site.yaml and a home page (plus PAGES: content path -> text)."""
    return {
        "site.yaml": config,
        "content/index.md": HOME,
        **{f"content/{rel}": text for rel, text in pages.items()},
    }


def bitdocs(*keys: str | bytes, **files: str) -> dict[str, str | bytes]:
    """A bit-docs package.json: line 4 "parent", line 5 "dest", then KEYS one per line from line 6."""
    lines: list[bytes] = [b'    "parent": "home"', b'    "dest": "out"']
    lines += [k if isinstance(k, bytes) else k.encode() for k in keys]
    text = b'{\n  "name": "academy",\n  "bit-docs": {\n' + b",\n".join(lines) + b"\n  }\n}\n"
    return {"package.json": text, "src/index.md": HOME, **files}


def package_json(text: str | bytes) -> dict[str, str | bytes]:
    """A package.json written as given, beside a page."""
    return {"package.json": text, "src/index.md": HOME}


def theme(**templates: str | bytes) -> dict[str, str | bytes]:
    """A site whose theme `mine` has TEMPLATES (page=..., print=...): two lines, then the given text."""
    files = site("title: Course\ntheme: mine\n")
    head = b"<!doctype html>\n<title>{{ site.title }}</title>\n"
    for name, text in templates.items():
        data = text if isinstance(text, bytes) else text.encode()
        files[f"themes/mine/{name}.html"] = head + data
    return files


def chain(count: int, hide: bool = False) -> dict[str, str | bytes]:
    """COUNT pages, each the parent of the next; with HIDE every page below the first has @hide."""
    pages: dict[str, str | bytes] = {"site.yaml": "title: Chain\n"}
    for i in range(count):
        parent = f"@parent p{i - 1}\n" if i else ""
        hidden = "@hide\n" if hide and i else ""
        pages[f"content/p{i}.md"] = f"@page p{i} Page {i}\n{parent}{hidden}@body\nText.\n"
    return pages


def cycle(count: int) -> dict[str, str | bytes]:
    """A home page and COUNT pages whose parents form one cycle."""
    pages = site("title: Cycle\nroot: home\n")
    for i in range(count):
        pages[f"content/c{i}.md"] = f"@page c{i}\n@parent c{(i + 1) % count}\n@body\nText.\n"
    return pages


DEEP = 5000
LONG_NAME = "x" * 201  # page names keep each part to 200 bytes, well within a file name's 255

# Plants a failure that no input can cause today, to see what a bug in trustdocs looks like: reading
# any page raises.
PLANTED_BUG = """
import pathlib
read_bytes = pathlib.Path.read_bytes
def broken(path):
    if path.suffix == ".md":
        raise KeyError("planted")
    return read_bytes(path)
pathlib.Path.read_bytes = broken
"""
# Holds the build where a long one would be (reading the pages), and says when it got there.
SLOW_READ = """
import pathlib, sys, time
read_bytes = pathlib.Path.read_bytes
def slow(path):
    if path.suffix == ".md":
        sys.stdout.write("ready\\n")
        sys.stdout.flush()
        time.sleep(60)
    return read_bytes(path)
pathlib.Path.read_bytes = slow
"""
# The same while build workers render (patched before the build imports the render function).
SLOW_RENDER = """
import sys, time, trustdocs.render
def slow(*args, **kwargs):
    sys.stdout.write("ready\\n")  # one write: parallel workers say it at once
    sys.stdout.flush()
    time.sleep(60)
trustdocs.render.render_outputs = slow
"""

CASES = [
    # --- @diff of two long files of few, much repeated lines (a line matcher's slowest case) ---
    Case(
        "diff-of-many-lines-alike",
        site(
            "title: Course\n",
            **{
                "a.md": "@page a A\n@parent home 1\n@body\n@diff ./old.txt ./new.txt\n",
                "old.txt": "a\n" * 1000,
                "new.txt": "a\nb\n" * 500,
            },
        ),
        EXIT_OK,
        seconds=10.0,  # a hang guard: the build takes well under a second
    ),
    # --- raw HTML that Python's HTML parser cannot name (it stopped the build with a traceback) ---
    Case(
        "raw-html-unnamed-marked-section",
        site(
            "title: Course\n",
            **{
                "a.md": "@page a A\n@parent home 1\n@body\n<div>\n<![if x]>\n"
                '<a href="gone.html">gone</a> <![= <b id="z">bold</b>\n</div>\n\n'
                "Inline <![CDATA[ a <![ b ]]> and <![ifa]> too.\n"
            },
        ),
        EXIT_OK,
        "content/a.md:6:10: warning",
        "link target 'gone.html' does not exist",
    ),
    # --- site.yaml: text that is not UTF-8 --------------------------------------------------------
    Case(
        "yaml-invalid-utf8-line-3",
        site(b"title: Course\nroot: home\n# caf\xe9 in Latin-1\n"),
        EXIT_USAGE,
        "site.yaml:3:6: error",
        "not UTF-8 text (byte 0xe9)",
    ),
    Case(
        "yaml-invalid-utf8-first-byte",
        site(b"\xff\xfet\x00i\x00t\x00"),
        EXIT_USAGE,
        "site.yaml:1:1: error",
        "not UTF-8 text (byte 0xff)",
    ),
    Case(
        "yaml-binary-file",
        site(b"\x89PNG\r\n\x1a\n\x00\x00"),
        EXIT_USAGE,
        "site.yaml:1:1: error",
        "not UTF-8 text (byte 0x89)",
    ),
    Case(
        "yaml-invalid-utf8-after-bom",
        site(b"\xef\xbb\xbftitle: Course\ncontent: c\xc3\n"),
        EXIT_USAGE,
        "site.yaml:2:11: error",
        "not UTF-8 text (byte 0xc3)",
    ),
    # --- site.yaml: nesting ----------------------------------------------------------------------
    Case(
        "yaml-nested-5000-flow-sequences",
        site("title: Course\nextra: " + "[" * DEEP + "]" * DEEP + "\n"),
        EXIT_USAGE,
        "site.yaml:2:107: error",  # the top mapping is level 1: the 100th '[' opens level 101
        "nested more than 100 levels deep",
    ),
    Case(
        "yaml-nested-5000-flow-mappings",
        site("title: Course\nextra: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n"),
        EXIT_USAGE,
        "site.yaml:2:404: error",  # 7 + 4 * 99 + 1
        "nested more than 100 levels deep",
    ),
    Case(
        "yaml-nested-block-sequences",
        site("title: Course\nextra:\n" + "".join(" " * i + "-\n" for i in range(150))),
        EXIT_USAGE,
        "site.yaml:102:100: error",
        "nested more than 100 levels deep",
    ),
    # --- site.yaml: YAML syntax, on one line at the right place ------------------------------------
    Case(
        "yaml-control-character",
        site("# settings\ntitle: Git\x01 basics\n"),
        EXIT_USAGE,
        "site.yaml:2:11: error",
        "control character U+0001 is not allowed",
    ),
    Case(
        "yaml-escape-character-in-comment",
        site("title: Course\n# \x1b[31mred\x1b[0m\n"),
        EXIT_USAGE,
        "site.yaml:2:3: error",
        "control character U+001B",
    ),
    Case(
        "yaml-delete-character",
        site("title: Course\nroot: ho\x7fme\n"),
        EXIT_USAGE,
        "site.yaml:2:9: error",
        "control character U+007F",
    ),
    Case(
        "yaml-nul-character",
        site("title: Course\n\ncontent: a\x00b\n"),
        EXIT_USAGE,
        "site.yaml:3:11: error",
        "control character U+0000",
    ),
    Case(
        "yaml-tab-indentation",
        site("title: Course\n\tcontent: pages\n"),
        EXIT_USAGE,
        "site.yaml:2:1: error",
        "invalid YAML: found character '\\t' that cannot start any token",
    ),
    Case(
        "yaml-unclosed-bracket",
        site("title: [Course\nroot: home\n"),
        EXIT_USAGE,
        "site.yaml:2:5: error",
        "invalid YAML: expected ',' or ']', but got ':' (while parsing a flow sequence at 1:8)",
    ),
    Case(
        "yaml-unhashable-key",
        site("title: Course\n? [a, b]\n: c\n"),
        EXIT_USAGE,
        "site.yaml:2:3: error",
        "invalid YAML: found unhashable key",
    ),
    Case(
        "yaml-python-tag",
        site("title: !!python/object:os.system echo\n"),
        EXIT_USAGE,
        "site.yaml:1:8: error",
        "invalid YAML: could not determine a constructor",
    ),
    Case(
        "yaml-list-at-top",
        site("# a list\n- title: Course\n"),
        EXIT_USAGE,
        "site.yaml:2:1: error",
        "site.yaml must be a mapping",
    ),
    Case(
        "yaml-empty", site(""), EXIT_USAGE, "site.yaml:1:1: error", "missing required key 'title'"
    ),
    Case(
        "yaml-two-documents",
        site("title: A\n---\ntitle: B\n"),
        EXIT_USAGE,
        "site.yaml:2:1: error",
        "invalid YAML: expected a single document in the stream but found another document",
    ),
    # --- site.yaml: keys ---------------------------------------------------------------------------
    Case(
        "yaml-duplicate-title",
        site("title: Course\noutput: public\ntitle: Other Course\n"),
        EXIT_USAGE,
        "site.yaml:3:1: error",
        "duplicate key 'title' (first set on line 1)",
    ),
    Case(
        "yaml-duplicate-output",
        site("title: Course\noutput: public\nroot: home\noutput: site\n"),
        EXIT_USAGE,
        "site.yaml:4:1: error",
        "duplicate key 'output' (first set on line 2)",
    ),
    Case(
        "yaml-duplicate-redirect",
        site("title: Course\nroot: home\nredirects:\n  a: home\n  a: home\n"),
        EXIT_USAGE,
        "site.yaml:5:3: error",
        "duplicate key 'a' (first set on line 4)",
    ),
    Case(
        "yaml-duplicate-in-a-flow-mapping",
        site("title: Course\nredirects: {a: home,\n  b: home, a: home}\n"),
        EXIT_USAGE,
        "site.yaml:3:12: error",
        "duplicate key 'a' (first set on line 2)",
    ),
    Case(
        "yaml-duplicate-deep-down",
        site("title: Course\nextra:\n  - x:\n      y: 1\n      y: 2\n"),
        EXIT_USAGE,
        "site.yaml:5:7: error",
        "duplicate key 'y' (first set on line 4)",
    ),
    Case(
        "yaml-unknown-theme",
        site("title: Course\ntheme: dark\n"),
        EXIT_USAGE,
        "site.yaml:2:1: error",
        "unknown theme 'dark': no such folder under themes/",
    ),
    Case(
        "yaml-theme-is-a-file",
        {**site("title: Course\ntheme: dark\n"), "themes/dark": "not a folder\n"},
        EXIT_USAGE,
        "site.yaml:2:1: error",
        "unknown theme 'dark'",
    ),
    Case(
        "yaml-theme-outside-themes",
        site("title: Course\ntheme: ../content\n"),
        EXIT_USAGE,
        "site.yaml:2:1: error",
        "unknown theme '../content'",
    ),
    Case(
        "yaml-theme-empty",
        site("title: Course\ntheme: ''\n"),
        EXIT_USAGE,
        "site.yaml:2:1: error",
        "unknown theme ''",
    ),
    Case(
        "yaml-theme-near-miss",
        {**site("title: Course\ntheme: dakr\n"), "themes/dark/page.html": "{{ page.title }}\n"},
        EXIT_USAGE,
        "site.yaml:2:1: error",
        "unknown theme 'dakr': no such folder under themes/ (did you mean 'dark'?)",
    ),
    Case("yaml-theme-default-always-fine", site("title: Course\ntheme: default\n"), EXIT_OK),
    Case(
        "yaml-theme-of-the-site",
        {**site("title: Course\ntheme: dark\n"), "themes/dark/assets/extra.css": "body {}\n"},
        EXIT_OK,
    ),
    Case(
        "yaml-base-url-bad-ipv6",
        site("title: Course\nbase_url: 'http://[bad'\n"),
        EXIT_USAGE,
        "site.yaml:2:1: error",
        "'base_url' is not a valid URL",
    ),
    Case(
        "yaml-base-url-without-scheme",
        site("title: Course\nbase_url: example.org/course/\n"),
        EXIT_USAGE,
        "site.yaml:2:1: error",
        "'base_url' must be the absolute http(s) address the site is published at",
    ),
    Case(
        "yaml-base-url-other-scheme",
        site("title: Course\nroot: home\nbase_url: ftp://example.org/\n"),
        EXIT_USAGE,
        "site.yaml:3:1: error",
        "'base_url' must be the absolute http(s) address the site is published at",
    ),
    Case(
        "yaml-base-url-no-host",
        site("title: Course\nbase_url: https:///course/\n"),
        EXIT_USAGE,
        "site.yaml:2:1: error",
        "'base_url' must be the absolute http(s) address the site is published at",
    ),
    Case(
        "yaml-base-url-bad-port",
        site("title: Course\nbase_url: https://example.org:99999/\n"),
        EXIT_USAGE,
        "site.yaml:2:1: error",
        "'base_url' is not a valid URL: Port out of range",
    ),
    Case(
        "yaml-base-url-with-space",
        site("title: Course\nbase_url: https://example.org/my course/\n"),
        EXIT_USAGE,
        "site.yaml:2:1: error",
        "'base_url' must be a URL without spaces",
    ),
    Case(
        "yaml-base-url-with-credentials",
        site("title: Course\nroot: home\nbase_url: https://user:pw@example.org/course/\n"),
        EXIT_USAGE,
        "site.yaml:3:1: error",
        "'base_url' must not hold a user name or password (every page's canonical link and the "
        "sitemap would publish it): write https://example.org/course/",
    ),
    Case(
        "cli-base-url-with-credentials",
        site("title: Course\n"),
        EXIT_USAGE,
        "trustdocs: error: --base-url: must not hold a user name or password",
        args=("build", "--base-url", "https://token@example.org/"),
    ),
    Case(
        "yaml-base-url-number",
        site("title: Course\nbase_url: 5\n"),
        EXIT_USAGE,
        "site.yaml:2:1: error",
        "'base_url' must be a string, not number",
    ),
    Case(
        "yaml-title-empty",
        site("title:\n"),
        EXIT_USAGE,
        "site.yaml:1:1: error",
        "'title' must be a string, not empty",
    ),
    Case(
        "yaml-output-null",
        site("title: Course\noutput: ~\n"),
        EXIT_USAGE,
        "site.yaml:2:1: error",
        "'output' must be a string, not empty",
    ),
    Case(
        "yaml-redirects-empty",
        site("title: Course\nredirects:\n"),
        EXIT_USAGE,
        "site.yaml:2:1: error",
        "'redirects' must be a mapping, not empty",
    ),
    Case(
        "yaml-max-include-bytes-nan",
        site("title: Course\nmax_include_bytes: .nan\n"),
        EXIT_USAGE,
        "site.yaml:2:1: error",
        "'max_include_bytes' must be a whole number, not .nan",
    ),
    Case(
        "yaml-max-include-bytes-fraction",
        site("title: Course\nmax_include_bytes: 2.5\n"),
        EXIT_USAGE,
        "site.yaml:2:1: error",
        "'max_include_bytes' must be a whole number, not 2.5",
    ),
    Case(
        "config-option-names-a-device",
        site("title: Course\n"),
        EXIT_USAGE,
        "trustdocs: error: config file /dev/null is not a regular file: it is a device",
        args=("build", "--config", "/dev/null"),
    ),
    Case(
        "config-option-names-a-folder",
        site("title: Course\n"),
        EXIT_USAGE,
        "trustdocs: error: config file content is not a regular file: it is a folder",
        args=("build", "--config", "content"),
    ),
    Case(
        "config-option-names-nothing",
        site("title: Course\n"),
        EXIT_USAGE,
        "trustdocs: error: config file not found: nothing.yaml",
        args=("build", "--config", "nothing.yaml"),
    ),
    Case(
        "site-yaml-is-a-folder",
        {"site.yaml/notes.txt": "", "content/index.md": HOME},
        EXIT_USAGE,
        "trustdocs: error: site.yaml here is not a regular file: it is a folder",
    ),
    Case(
        "yaml-lone-surrogate-title",
        site('title: "Caf\\ud800"\n'),
        EXIT_USAGE,
        "site.yaml:1:1: error",
        "'title' is not valid Unicode text (lone surrogate U+D800)",
    ),
    Case(
        "yaml-nul-in-content-path",
        site('title: Course\ncontent: "con\\0tent"\n'),
        EXIT_USAGE,
        "site.yaml:2:1: error",
        "'content' contains a NUL character",
    ),
    Case(
        "yaml-output-is-a-list",
        site("title: Course\noutput: [a, b]\n"),
        EXIT_USAGE,
        "site.yaml:2:1: error",
        "'output' must be a string, not list",
    ),
    # --- bit-docs package.json ---------------------------------------------------------------------
    Case(
        "json-invalid-utf8",
        bitdocs(b'    "glob": "src/**/*.md",', b'    "static": "st\xe4tic"'),
        EXIT_USAGE,
        "package.json:7:18: error",
        "not UTF-8 text (byte 0xe4)",
    ),
    Case(
        "json-syntax-error",
        bitdocs('    "glob": "src/**/*.md",'),
        EXIT_USAGE,
        "package.json:7:3: error",
        "invalid JSON",
    ),
    Case(
        "json-nested-5000",
        package_json(
            '{"bit-docs": {"parent": "home", "dest": "out", "x": ' + "[" * DEEP + "]" * DEEP + "}}"
        ),
        EXIT_USAGE,
        "package.json:1:151: error",  # 52 characters before the first '[', then 98 more
        "nested more than 100 levels deep",
    ),
    Case(
        "json-glob-number",
        bitdocs('    "glob": 5'),
        EXIT_USAGE,
        "package.json:6:1: error",
        '"glob" must be a string, or an object with a "pattern" string',
    ),
    Case(
        "json-glob-list",
        bitdocs('    "static": "static"', '    "glob": ["src/**/*.md"]'),
        EXIT_USAGE,
        "package.json:7:1: error",
        '"glob" must be a string',
    ),
    Case(
        "json-glob-pattern-number",
        bitdocs('    "glob": {"pattern": 5}'),
        EXIT_USAGE,
        "package.json:6:1: error",
        '"glob" "pattern" must be a string',
    ),
    Case(
        "json-glob-object-without-pattern",
        bitdocs('    "glob": {"ignore": "node_modules"}'),
        EXIT_USAGE,
        "package.json:6:1: error",
        '"glob" "pattern" must be a string',
    ),
    Case(
        "json-glob-absolute",
        bitdocs('    "glob": "/etc/**/*.md"'),
        EXIT_USAGE,
        "package.json:6:1: error",
        "glob '/etc/**/*.md' is absolute",
    ),
    Case(
        "json-glob-absolute-in-braces",
        bitdocs('    "glob": "{src,/etc}/*.md"'),
        EXIT_USAGE,
        "package.json:6:1: error",
        "glob '/etc/*.md' is absolute",
    ),
    Case(
        "json-glob-windows-drive",
        bitdocs('    "glob": "C:/docs/*.md"'),
        EXIT_USAGE,
        "package.json:6:1: error",
        "is absolute",
    ),
    Case(
        "json-glob-empty",
        bitdocs('    "glob": ""'),
        EXIT_USAGE,
        "package.json:6:1: error",
        "glob '' matches no files",
    ),
    Case(
        "json-glob-dot",
        bitdocs('    "glob": "."'),
        EXIT_USAGE,
        "package.json:6:1: error",
        "glob '.' matches no files",
    ),
    Case(
        "json-glob-dot-slashes",
        bitdocs('    "glob": {"pattern": ".//"}'),
        EXIT_USAGE,
        "package.json:6:1: error",
        "glob './/' matches no files",
    ),
    Case(
        "json-glob-parent-folder",
        bitdocs('    "glob": "../**/*.md"'),
        EXIT_USAGE,
        "package.json:6:1: error",
        "reaches outside the package.json folder",
    ),
    Case(
        "json-glob-18-brace-groups",
        bitdocs('    "glob": "' + "{a,b}" * 18 + '/*.md"'),
        EXIT_USAGE,
        "package.json:6:1: error",
        "expands to more than 1000 patterns",
        seconds=5,
    ),
    Case(
        "json-glob-1200-brace-groups",
        bitdocs('    "glob": "' + "{a,b}" * 1200 + '"'),
        EXIT_USAGE,
        "package.json:6:1: error",
        "expands to more than 1000 patterns",
        seconds=5,
    ),
    Case(
        "json-glob-1200-nested-brace-groups",
        bitdocs('    "glob": "' + "{a," * 1200 + "b" + "}" * 1200 + '"'),
        EXIT_USAGE,
        "package.json:6:1: error",
        "expands to more than 1000 patterns",
        seconds=5,
    ),
    Case(
        "json-glob-braces-expand",
        bitdocs(
            '    "glob": "{src,docs}/**/*.{md,markdown}"',
            **{"docs/more.md": "@page more\n@parent home\n"},
        ),
        EXIT_OK,
        output="out",
    ),
    Case(
        "json-codepen-number",
        bitdocs('    "codepen": 5'),
        EXIT_USAGE,
        "package.json:6:1: error",
        '"codepen" must be a list of [from, to] pairs, not a number',
    ),
    Case(
        "json-codepen-object",
        bitdocs('    "codepen": {"react": "//unpkg.com/react"}'),
        EXIT_USAGE,
        "package.json:6:1: error",
        '"codepen" must be a list of [from, to] pairs, not an object',
    ),
    Case(
        "json-codepen-short-pair",
        bitdocs('    "codepen": [["react"]]'),
        EXIT_USAGE,
        "package.json:6:1: error",
        '"codepen" item 1 must be a pair of strings [from, to]',
    ),
    Case(
        "json-codepen-number-in-pair",
        bitdocs('    "glob": "**/*.md"', '    "codepen": [["a", "b"], ["react", 5]]'),
        EXIT_USAGE,
        "package.json:7:1: error",
        '"codepen" item 2 must be a pair of strings',
    ),
    Case(
        "json-codepen-string-item",
        bitdocs('    "codepen": ["react"]'),
        EXIT_USAGE,
        "package.json:6:1: error",
        '"codepen" item 1 must be a pair of strings',
    ),
    Case(
        "json-codepen-empty-from",
        bitdocs('    "codepen": [["", "x"]]'),
        EXIT_USAGE,
        "package.json:6:1: error",
        '"codepen" item 1 replaces an empty string',
    ),
    Case(
        "json-codepen-pairs-fine",
        bitdocs('    "codepen": [["\\"react\\"", "\\"//unpkg.com/react\\""]]'),
        EXIT_OK,
        output="out",
    ),
    Case(
        "json-dest-number",
        bitdocs('    "static": 5'),
        EXIT_USAGE,
        "package.json:6:1: error",
        '"static" must be a folder name',
    ),
    Case(
        "json-parent-missing",
        package_json('{\n  "name": "a",\n  "bit-docs": {\n    "dest": "out"\n  }\n}\n'),
        EXIT_USAGE,
        "package.json:3:1: error",
        'the "bit-docs" section needs "parent"',
    ),
    Case(
        "json-dest-empty",
        package_json('{\n  "bit-docs": {\n    "parent": "home",\n    "dest": ""\n  }\n}\n'),
        EXIT_USAGE,
        "package.json:4:1: error",
        '"dest" must be a non-empty string',
    ),
    Case(
        "json-dest-lone-surrogate",
        package_json('{\n  "bit-docs": {\n    "parent": "home",\n    "dest": "o\\ud800"\n  }\n}\n'),
        EXIT_USAGE,
        "package.json:4:1: error",
        '"dest" is not valid Unicode text',
    ),
    Case(
        "json-static-lone-surrogate",
        bitdocs('    "static": "st\\udcffatic"'),
        EXIT_USAGE,
        "package.json:6:1: error",
        '"static" is not valid Unicode text (lone surrogate U+DCFF)',
    ),
    # --- text that no output file can hold: lone surrogates, names that are not UTF-8 -------------
    Case(
        "cli-base-url-lone-surrogate",  # a command line that is not UTF-8 gives one
        site("title: Course\n"),
        EXIT_USAGE,
        "trustdocs: error: --base-url: is not valid Unicode text (lone surrogate U+DCFF)",
        args=("build", "--base-url", "https://example.org/caf\udcff/"),
    ),
    Case(
        "content-folder-name-not-utf8",
        site(
            "title: Course\n",
            **{
                "caf\udcff/lesson.md": "@page lesson\n@parent home\n@metaogimage cup.png\n"
                "@body\n![A cup](cup.png)\n",
                "caf\udcff/cup.png": "not really a picture",
            },
        ),
        EXIT_CONTENT,
        "content/caf\\xff:1:1: error",
        "folder name is not UTF-8 text (byte 0xff)",
    ),
    Case(
        "content-file-name-not-utf8",
        site("title: Course\n", **{"caf\udcff.png": "not really a picture"}),
        EXIT_CONTENT,
        "content/caf\\xff.png:1:1: error",
        "file name is not UTF-8 text (byte 0xff)",
    ),
    Case(
        "bitdocs-page-folder-name-not-utf8",
        bitdocs('    "glob": "src/**/*.md"', **{"src/caf\udcff/lesson.md": "@page lesson\n"}),
        EXIT_CONTENT,
        "src/caf\\xff:1:1: error",
        "folder name is not UTF-8 text (byte 0xff)",
        output="out",
    ),
    Case(
        "bitdocs-static-file-name-not-utf8",
        bitdocs('    "static": "static"', **{"static/caf\udcff.css": "p {}"}),
        EXIT_CONTENT,
        "static/caf\\xff.css:1:1: error",
        "file name is not UTF-8 text (byte 0xff)",
        output="out",
    ),
    Case(
        "theme-expression-lone-surrogate",  # a Jinja string escape makes one
        theme(page='<p title="{{ "caf\\ud800" }}">\n'),
        EXIT_CONTENT,
        "themes/mine/page.html:3:18: error",
        "lone surrogate U+D800",
    ),
    Case(
        "theme-filter-block-lone-surrogate",
        theme(page='{% filter replace("a", "\\udc00") %}a{% endfilter %}\n'),
        EXIT_CONTENT,
        "themes/mine/page.html:3:25: error",
        "lone surrogate U+DC00",
    ),
    Case(
        "theme-print-page-lone-surrogate",
        theme(print='{{ "\\ud800" }}\n'),
        EXIT_CONTENT,
        "themes/mine/print.html:3:5: error",
        "lone surrogate U+D800",
    ),
    Case(
        "theme-template-not-utf8",
        theme(page=b"<p>caf\xe9</p>\n"),
        EXIT_CONTENT,
        "themes/mine/page.html:3:7: error",
        "not UTF-8 text (byte 0xe9)",
    ),
    Case(
        "theme-broken-page-template-parallel-build",  # build workers render the pages
        {
            **chain(120),
            "site.yaml": "title: Chain\ntheme: mine\n",
            "themes/mine/page.html": "{% if %}\n",
        },
        EXIT_CONTENT,
        "themes/mine/page.html:1:1: error",
        "template error: Expected an expression",
    ),
    # --- page names that no file system can hold --------------------------------------------------
    Case(
        "page-name-too-long",
        site("title: Course\n", **{"long.md": f"@page {LONG_NAME}\n@parent home\n@body\nx\n"}),
        EXIT_CONTENT,
        "content/long.md:1:1: error",
        "has a part longer than 200 bytes",
    ),
    Case(
        "page-name-part-too-long",
        site("title: Course\n", **{"long.md": f"\n@page a/{LONG_NAME}/b\n@parent home\n"}),
        EXIT_CONTENT,
        "content/long.md:2:1: error",
        "has a part longer than 200 bytes",
        args=("check",),
    ),
    Case(
        "page-name-multibyte-too-long",
        site("title: Course\n", **{"long.md": "@page " + "é" * 101 + "\n@parent home\n"}),
        EXIT_CONTENT,
        "content/long.md:1:1: error",
        "has a part longer than 200 bytes",
    ),
    Case(
        "page-name-path-too-long",  # each part is short, but no file system holds the whole path
        site("title: Course\n", **{"long.md": "@page " + "/".join(["part"] * 900) + "\n"}),
        EXIT_CONTENT,
        "content/long.md:1:1: error",
        "is longer than 1000 bytes",
        args=("check",),
    ),
    Case(
        "page-file-of-9-mb",  # parsed, some 40 times its size in memory: a MemoryError, said so
        site(
            "title: Course\n",
            **{"huge.md": "@page huge Huge\n@parent home\n@body\n" + "A line of text.\n" * 600_000},
        ),
        EXIT_CONTENT,
        "content/huge.md:1:1: error",
        "a page of more than 8 MB is not read",
        args=("check",),
    ),
    Case(
        "page-name-longest-allowed",
        site("title: Course\n", **{"long.md": "@page " + "x" * 200 + "\n@parent home\n"}),
        EXIT_OK,
    ),
    # --- deep course trees -------------------------------------------------------------------------
    Case("hide-chain-1100", chain(1100, hide=True), EXIT_OK, args=("check",), seconds=60),
    Case("parent-chain-1500", chain(1500), EXIT_OK, seconds=90),
    Case("parent-chain-5000", chain(5000), EXIT_OK, args=("check",), seconds=120),
    Case(
        "parent-cycle-5000",
        cycle(5000),
        EXIT_CONTENT,
        "content/c0.md:2:1: error",
        "parent cycle: c0 -> c1 -> c2 -> c3 -> c4 -> c5 -> c6 -> … -> c4999 -> c0 (5000 pages)",
        args=("check",),
        seconds=60,
    ),
    # --- the command itself ------------------------------------------------------------------------
    Case(
        "internal-error-is-a-short-report",
        site("title: Course\n"),
        EXIT_INTERNAL,
        "trustdocs: internal error: KeyError: 'planted'",
        in_subprocess=True,
        fault=PLANTED_BUG,
    ),
    Case(
        "ctrl-c-during-build",
        site("title: Course\n"),
        EXIT_INTERRUPTED,
        "trustdocs: interrupted",
        in_subprocess=True,
        fault=SLOW_READ,
        interrupt=True,
    ),
    Case(
        "ctrl-c-during-check",
        site("title: Course\n"),
        EXIT_INTERRUPTED,
        "trustdocs: interrupted",
        args=("check",),
        in_subprocess=True,
        fault=SLOW_READ,
        interrupt=True,
    ),
    Case(
        "ctrl-c-during-parallel-build",
        {
            **chain(120),
            "content/extra.md": "@page extra\n@parent p0\n@body\n```python\nx = 1\n```\n",
        },
        EXIT_INTERRUPTED,
        "trustdocs: interrupted",
        in_subprocess=True,
        fault=SLOW_RENDER,
        interrupt=True,
    ),
]


def write_site(root: Path, files: dict[str, str | bytes]) -> None:
    """Write FILES under ROOT exactly as given."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def snapshot(root: Path, skip: Path | None = None) -> dict[str, bytes]:
    """Every file under ROOT (but SKIP, and the build cache, which any run may fill) with its bytes."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
        and not (skip and path.is_relative_to(skip))
        and CACHE_DIR not in path.relative_to(root).parts
    }


def run_in_subprocess(case: Case, folder: Path) -> tuple[int, str]:
    """Run the command as a user would, in its own process group like a terminal's job."""
    if case.fault:
        program = case.fault + "\nimport sys\nfrom trustdocs.cli import main\nsys.exit(main())\n"
        command = [sys.executable, "-c", program, *case.args]
    else:
        command = [sys.executable, "-m", "trustdocs", *case.args]
    env = {key: value for key, value in os.environ.items() if key != "TRUSTDOCS_DEBUG"}
    env.update(case.env)
    process = subprocess.Popen(
        command,
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        if case.interrupt:
            assert process.stdout is not None
            assert process.stdout.readline().startswith("ready")
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        _, err = process.communicate(timeout=case.seconds)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode, err


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input(case: Case, tmp_path: Path, trustdocs) -> None:
    folder = tmp_path / "course"
    write_site(folder, case.files)
    output = folder / case.output
    before = snapshot(tmp_path)

    started = time.monotonic()
    if case.in_subprocess:
        code, err = run_in_subprocess(case, folder)
    else:
        run = trustdocs(folder, *case.args)
        code, err = run.code, run.err
    elapsed = time.monotonic() - started

    assert code == case.code, err[-3000:]
    assert elapsed < case.seconds
    assert "Traceback" not in err and "<unicode string>" not in err, err[-3000:]
    if case.where:
        lines = [line for line in err.splitlines() if line.startswith(case.where)]
        assert lines, f"no line starts with {case.where!r} in:\n{err[:3000]}"
        assert case.message in lines[0], lines[0][:3000]
    if code == EXIT_OK:
        assert snapshot(tmp_path, skip=output) == before  # sources untouched, nothing else written
        if case.args[0] == "build":
            assert (output / "index.html").is_file()
    else:
        assert snapshot(tmp_path) == before  # failed: nothing written or changed anywhere


def test_debug_variable_shows_the_traceback(tmp_path: Path) -> None:
    write_site(tmp_path, site("title: Course\n"))
    case = Case(
        "debug",
        {},
        EXIT_INTERNAL,
        in_subprocess=True,
        fault=PLANTED_BUG,
        env={"TRUSTDOCS_DEBUG": "1"},
    )
    code, err = run_in_subprocess(case, tmp_path)
    assert code == EXIT_INTERNAL
    assert "Traceback (most recent call last)" in err and "KeyError: 'planted'" in err
    assert "trustdocs: internal error: KeyError: 'planted'" in err


NASTY_TITLES = [
    "Git: the basics",
    'It\'s "quoted"',
    "# Not a comment",
    "@page twice",
    "- a list? no",
    "{a: b} [c]",
    "null",
    "yes",
    "&anchor *alias !tag %directive",
    "Ünïcödé 日本語 🚀",
    "!!! ???",
    "<b>Bold</b> & `code` **strong**",
    "  Padded  ",
    "A title long enough that a YAML writer would fold it over two lines if it were left to itself",
]


@pytest.mark.parametrize("title", NASTY_TITLES)
def test_new_course_builds_for_any_title(title: str, tmp_path: Path, trustdocs) -> None:
    created = trustdocs(tmp_path, "new", "course", "--title", title)
    assert created.code == EXIT_OK, created.err
    course = tmp_path / "course"
    assert yaml.safe_load((course / "site.yaml").read_text(encoding="utf-8"))["title"] == title
    built = trustdocs(course, "build", "--strict", "--base-url", "https://example.org/course/")
    assert built.code == EXIT_OK, built.err
    home = BeautifulSoup(
        (course / "site" / "index.html").read_text(encoding="utf-8"), "html.parser"
    )
    assert home.h1 is not None and home.h1.get_text() == title.strip()


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("", "the course title is empty"),
        ("   ", "the course title is empty"),
        ("Two\nlines", "the course title must be one line"),
        ("Bell\x07", "the course title holds a control character"),
        ("Caf\udcff", "the course title is not valid Unicode text (lone surrogate U+DCFF)"),
    ],
)
def test_new_course_refuses_a_title_it_cannot_write(
    title: str, message: str, tmp_path: Path, trustdocs
) -> None:
    run = trustdocs(tmp_path, "new", "course", "--title", title)
    assert run.code == EXIT_USAGE
    assert f"trustdocs: error: {message}" in run.err
    assert not (tmp_path / "course").exists()


@pytest.mark.parametrize("report_format", ["text", "github", "json"])
def test_a_lone_surrogate_in_a_problem_is_reported_escaped_in_every_format(
    report_format: str, tmp_path: Path
) -> None:
    write_site(tmp_path, site('title: Course\n"caf\\ud800": 1\n'))
    finished = subprocess.run(
        [sys.executable, "-m", "trustdocs", "build", "--format", report_format],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )
    shown = (finished.stdout + finished.stderr).decode("utf-8")  # strict: what any reader takes
    assert finished.returncode == EXIT_USAGE, shown
    assert "Traceback" not in shown and "internal error" not in shown, shown
    if report_format == "json":
        (problem,) = json.loads(finished.stdout)["diagnostics"]
        assert (problem["path"], problem["line"]) == ("site.yaml", 2)
        assert problem["message"].startswith("unknown key 'caf\\ud800'")
    else:
        assert "unknown key 'caf\\ud800'" in shown
        where = "::error file=site.yaml,line=2" if report_format == "github" else "site.yaml:2:1:"
        assert where in shown
