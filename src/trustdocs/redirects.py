"""Redirects for renamed pages: `@redirect OLD` on a page and `redirects:` in site.yaml become small
pages at the old paths that send readers (and search engines) on to the new ones."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from trustdocs.diagnostics import Diagnostic, did_you_mean, error, warning
from trustdocs.source import PageSource
from trustdocs.urls import INDEX_HTML, disk_name, page_name_problem, which_is_on_disk


@dataclass(frozen=True)
class Redirect:
    """A page written at OUTPUT, the old address, that sends its readers to page TARGET."""

    old: str  # as the author wrote it
    output: str  # old/name.html
    target: str  # a page name
    path: str  # where it was declared, as diagnostics show it
    line: int


def redirect_output(old: str) -> str | None:
    """Where a redirect from OLD is written (`old/name` and `old/name.html` → old/name.html,
    `old/folder/` → old/folder/index.html), or None when OLD is no path inside the site."""
    parts = urlsplit(old.strip())
    if parts.scheme or parts.netloc or parts.query or parts.fragment:
        return None
    path = parts.path.lstrip("/")
    if path.endswith("/"):
        path += INDEX_HTML
    elif path and not path.endswith(".html"):
        path += ".html"
    if not path or page_name_problem(path):  # it becomes a file, as a page name does
        return None
    return path


# What the last part of an old address ends with when it was a file that no redirect page
# (OLD.html) answers for: another server's page, a text, data, document or media file.
_FILE_SUFFIX = re.compile(
    r"[^/]\.(?:x?html?|shtml|php\d?|phtml|aspx?|jspx?|cfm|cgi|pl|py|rb|txt|xml|json|rss|atom|md"
    r"|markdown|rst|adoc|pdf|epub|docx?|pptx?|xlsx?|csv|ya?ml|png|jpe?g|gif|svg|webp|ico|css|m?js"
    r"|zip|gz|tar|mp[34]|webm)$",
    re.IGNORECASE,
)


def _names_a_file(old: str) -> bool:
    """Whether OLD, an old address, names a file other than an .html page (`x.php`,
    `robots.txt`, `old.htm`): its redirect, at OLD.html, is never what a request for it gets."""
    return not old.endswith(".html") and _FILE_SUFFIX.search(old) is not None


def _file_redirect_warning(old: str, output: str, path: str, line: int) -> Diagnostic:
    """The warning for a redirect from OLD, a file other than a page, written to OUTPUT."""
    return warning(
        path,
        line,
        1,
        f"redirect from '{old}' is written to {output}, which a request for "
        f"{old.lstrip('/')} never reaches",
        "a redirect is a page, for an old page's name, address or folder: redirect other "
        f"files in the host's own settings, or, if '{old}' was a page's name, write {output}",
    )


def declared_redirects(
    sources: Iterable[PageSource],
    site_redirects: Iterable[tuple[str, str, int]],
    config_shown: str,
    names: frozenset[str],
) -> tuple[list[Redirect], list[Diagnostic]]:
    """Every redirect the pages (`@redirect`) and site.yaml (`redirects:`) declare, and the
    ones that cannot be: no path inside the site, or (in site.yaml) no such page."""
    found: list[Redirect] = []
    problems: list[Diagnostic] = []

    def declare(old: str, target: str, path: str, line: int) -> None:
        output = redirect_output(old)
        if output is None:
            problems.append(
                error(
                    path,
                    line,
                    1,
                    f"cannot redirect from '{old}': not a path inside the site",
                    "write the old page's name or path, such as old-folder/old-name",
                )
            )
        else:
            found.append(Redirect(old.strip(), output, target, path, line))
            if _names_a_file(old.strip()):
                problems.append(_file_redirect_warning(old.strip(), output, path, line))

    for source in sorted(sources, key=lambda s: s.path):
        for value, line in source.redirects:
            old, *more = value.split() or [""]
            if more:  # a page's name holds no space: the rest would be lost in silence
                problems.append(
                    warning(
                        source.path,
                        line,
                        1,
                        f"@redirect takes one old name: '{' '.join(more)}' after '{old}' is not "
                        "part of it",
                        "write one @redirect line for each old name",
                    )
                )
            declare(old, source.name, source.path, line)
    for old, target, line in site_redirects:
        if target not in names:
            hint = did_you_mean(target, names)
            problems.append(
                error(config_shown, line, 1, f"redirect to unknown page '{target}'", hint)
            )
        else:
            declare(old, target, config_shown, line)
    return found, problems


def place_redirects(
    redirects: Iterable[Redirect],
    pages: Mapping[str, tuple[str, str, int]],
    reserved: Callable[[str], str],
) -> tuple[dict[str, Redirect], list[Diagnostic]]:
    """Redirects by output path; one whose path a page (PAGES: output → name, file, line), a
    generated file (RESERVED gives why) or an earlier redirect has taken is an error naming both
    (a warning, the redirect left out, where it is taken only on disks that ignore case)."""
    placed: dict[str, Redirect] = {}
    problems: list[Diagnostic] = []
    pages_on_disk = {disk_name(out): out for out in pages}
    placed_on_disk: dict[str, str] = {}
    for redirect in redirects:
        where = (redirect.path, redirect.line, 1)
        start = f"redirect from '{redirect.old}' would be written to {redirect.output}"
        page_out = pages_on_disk.get(disk_name(redirect.output))
        first_out = placed_on_disk.get(disk_name(redirect.output))
        # Taken only where case is ignored (a page renamed `Setup` → `setup`, its old address
        # kept): left out, with a warning; it would replace the page or redirect there.
        twin = (page_out or first_out or redirect.output) != redirect.output
        told, left_out = (warning, ": left out") if twin else (error, "")
        if page_out is not None:
            name, path, line = pages[page_out]
            start += which_is_on_disk(redirect.output, page_out)
            problems.append(
                told(
                    *where,
                    f"{start}, where page '{name}' is written{left_out}",
                    f"page '{name}' is at {path}:{line}; a redirect only takes an unused address",
                )
            )
        elif reason := reserved(redirect.output):
            problems.append(error(*where, f"{start}, but {reason}"))
        elif first_out is not None:
            first = placed[first_out]
            start += which_is_on_disk(redirect.output, first_out)
            problems.append(
                told(
                    *where,
                    f"{start}, like the redirect to '{first.target}'{left_out}",
                    f"declared at {first.path}:{first.line}",
                )
            )
        else:
            placed[redirect.output] = redirect
            placed_on_disk[disk_name(redirect.output)] = redirect.output
    return placed, problems
