"""Page names and site files → output paths → relative URLs: the only place a URL is made."""

from __future__ import annotations

import functools
import posixpath
import re
import unicodedata
from urllib.parse import quote, urlsplit

ASSETS_DIR = "_assets"
INDEX_HTML = "index.html"
NOT_FOUND_PAGE = "404.html"  # what static hosts answer for a missing path, at any depth
PRINT_PAGE = "print.html"
SITEMAP = "sitemap.xml"
PREVIEW_PREFIX = "/_trustdocs/"  # what only the preview server answers: reload script, events
URL_SAFE = "/:@!$&'()*+,;=-._~"  # characters of an output path kept as they are in its URL


def output_path(name: str, root: str | None) -> str:
    """The output file of page NAME: `NAME.html`, or `index.html` for the root page."""
    return INDEX_HTML if name == root else f"{name}.html"


def disk_name(output: str) -> str:
    """OUTPUT as a disk that ignores case and Unicode forms names it (macOS's, Windows'): two
    outputs with one disk name are one file there, and the second written replaces the first.
    Each letter folded to one letter, as those disks fold case (final ς is σ), never to two:
    they keep "straße" and "strasse" apart."""
    composed = unicodedata.normalize("NFC", output)
    folded = composed.casefold()
    if len(folded) == len(composed):  # no letter became two: each folded to one
        return folded
    return "".join(f if len(f := c.casefold()) == 1 else c.lower() for c in composed)


def same_on_disk(output: str, taken: str) -> str:
    """Where OUTPUT is the file TAKEN (see `disk_name`), to follow "OUTPUT is TAKEN"."""
    if unicodedata.normalize("NFC", output) == unicodedata.normalize("NFC", taken):
        return "on macOS, where accented letters written either way (composed or not) name one file"
    return "where case is ignored (on macOS and Windows)"


def which_is_on_disk(output: str, taken: str) -> str:
    """ ", which is TAKEN …" when OUTPUT is the file TAKEN only on some disks; else ""."""
    return "" if output == taken else f", which is {taken} {same_on_disk(output, taken)}"


def asset_path(asset: str) -> str:
    """The output path of a theme asset."""
    return f"{ASSETS_DIR}/{asset}"


def relative_url(from_output: str, to_output: str, fragment: str = "") -> str:
    """A URL reaching TO_OUTPUT from the page written at FROM_OUTPUT (both relative to the site)."""
    suffix = f"#{fragment}" if fragment else ""
    if to_output == from_output and suffix:
        return suffix
    return _relative_path(posixpath.dirname(from_output), to_output) + suffix


def site_url(base: str, to_output: str, fragment: str = "") -> str:
    """The URL of TO_OUTPUT under BASE: the address the site is published at, or `/` for the
    root of its domain (either ending in `/`); for what must work at any depth, such as 404.html."""
    return base + quote(to_output, safe=URL_SAFE) + (f"#{fragment}" if fragment else "")


# Pages of one folder link the same few targets (the sidebar's, their neighbours'): a small cache
# finds nearly all of them again. A larger one held tens of thousands of paths used once, and at
# 10,000 lessons each build worker grew by about 20 MiB with them.
@functools.lru_cache(maxsize=1 << 11)
def _relative_path(from_folder: str, to_output: str) -> str:
    """Both paths are normalised and relative to the site root, so no file system is consulted."""
    start = from_folder.split("/") if from_folder else []
    target = to_output.split("/")
    common = 0
    while common < min(len(start), len(target) - 1) and start[common] == target[common]:
        common += 1
    parts = [".."] * (len(start) - common) + target[common:]
    url = quote("/".join(parts), safe=URL_SAFE)
    # A first segment with a colon reads as a scheme (`javascript:…`, `news:today.html`): a
    # relative path starting so begins with `./` (RFC 3986, 4.2).
    return f"./{url}" if ":" in url.partition("/")[0] else url


def is_external(url: str) -> bool:
    """True for URLs with a scheme or host, site-absolute paths and pure fragments."""
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc or url.startswith(("/", "#", "?")) or not parts.path)


MAX_SEGMENT_BYTES = 200  # leaves room for `.html` and a temporary suffix under the usual 255
MAX_NAME_BYTES = 1000  # leaves room for the output folder's own path under the usual 4096


# A name no check below refuses, at a glance: parts of characters that are neither control
# characters, whitespace (`\s` is `str.isspace`), NUL nor backslash, none of them "." or "..".
_PLAIN_NAME = re.compile(
    r"(?!\.\.?(?:/|$))[^\x00-\x1f\s\\/]+(?:/(?!\.\.?(?:/|$))[^\x00-\x1f\s\\/]+)*"
)


@functools.lru_cache(maxsize=1 << 16)  # every page's name is checked again on each edit in serve
def page_name_problem(name: str) -> str:
    """Why NAME cannot be a page name (it becomes an output path), or '' when it can."""
    if name.isascii() and len(name) <= MAX_SEGMENT_BYTES and _PLAIN_NAME.fullmatch(name):
        return ""  # the usual name: a glance, where the checks below look at each character
    return name_problem(name)


def name_problem(name: str) -> str:
    """`page_name_problem`, each check made."""
    if "\x00" in name or "\\" in name:
        return "may not contain a backslash or NUL"
    if name.startswith("/"):
        return "must be relative (no leading '/')"
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return f"is longer than {MAX_NAME_BYTES} bytes"
    for segment in name.split("/"):
        if segment in ("", ".", ".."):
            return "must be folders and a name separated by single '/' (no empty, '.' or '..' part)"
        if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
            return f"has a part longer than {MAX_SEGMENT_BYTES} bytes"
        if any(ord(char) < 32 for char in segment):
            return "may not contain control characters"
        if any(char.isspace() for char in segment):  # a no-break space looks like a separator
            return "may not contain whitespace"
    return ""
