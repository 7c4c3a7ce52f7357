"""The build cache over sequences of edits: after each, a cached build equals an uncached one.

An author edits a small course a few times, building into the site's usual output folder after
each edit (with the cache, now and then as a separate `trustdocs build` process); each time, a
build without the cache into a fresh folder must report the same problems and write the same
bytes, and a check must report the same problems. A build that fails leaves the last site as it
was. Bounded for CI; run it long with, for example,
`TRUSTDOCS_FUZZ_EXAMPLES=300 python -m pytest tests/test_cache_sequences.py`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import posixpath
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

from hypothesis import event, given
from hypothesis import strategies as st
from test_fuzz import fuzz_settings

from trustdocs import cache as cache_module
from trustdocs import site as site_module
from trustdocs import workers
from trustdocs.build import BuildResult, build_site
from trustdocs.config import default_theme_dir, load_config

# A file's stamp stands in for its bytes once it has not changed for 2 s; here for 0.2 s (still
# far above the file system's clock tick), so that a short sequence sees settled files too.
SETTLED_NS = 200_000_000
HEADINGS = ["Setup", "Details", "What's next?", "Step 1 – Go", "Summary"]
WORDS = ["alpha", "bravo", "carol", "delta", "ember", "fjord"]
TEMPLATES = ["partials/sidebar.html", "print.html", "page.html", "404.html"]
EXERCISES = ["ex0.js", "ex1.js", "ex2.js"]


@dataclass
class Page:
    """One page file as the author writes it."""

    file: str  # under content/
    name: str
    title: str
    parent: str | None
    order: int | None
    headings: list[str]
    links: list[str]
    text: str
    exercise: str = ""  # a directive line
    hidden: bool = False
    redirects: list[str] = field(default_factory=list)  # old names it had
    moved_from: str = ""  # the file it was written to before it was first moved

    def source(self) -> str:
        """The page file's text."""
        lines = [f"@page {self.name} {self.title}"]
        if self.parent is not None:
            lines.append(f"@parent {self.parent}" + (f" {self.order}" if self.order else ""))
        if self.hidden:
            lines.append("@hide")
        lines += [f"@redirect {old}" for old in self.redirects]
        lines += [f"@description About {self.title}.", "@body", self.text, ""]
        for number, heading in enumerate(self.headings):
            lines += [f"## {heading}", f"Part {number}: " + " ".join(self.links), ""]
        lines += ["```js", "@Component({})", f"const page = '{self.name}';", "```", ""]
        if self.exercise:
            lines += [self.exercise, ""]
        return "\n".join(lines)


@dataclass
class Course:
    """A small course on disk and the model of it that edits draw from."""

    root: Path
    pages: list[Page]
    title: str = "Fuzzed Course"
    extra_config: dict[str, str] = field(default_factory=dict)
    renamed: int = 0
    deleted: list[Page] = field(default_factory=list)  # pages whose files were deleted
    promised: list[str] = field(default_factory=list)  # names linked before any page has them

    @property
    def content(self) -> Path:
        """The content folder."""
        return self.root / "content"

    def write_page(self, page: Page) -> None:
        """Write PAGE's file."""
        path = self.content / page.file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page.source(), encoding="utf-8")

    def write_config(self) -> None:
        """Write site.yaml."""
        lines = [f"title: {self.title}", *(f"{k}: {v}" for k, v in self.extra_config.items())]
        (self.root / "site.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def names(self) -> list[str]:
        """The page names."""
        return [page.name for page in self.pages]

    def link_to(self, draw: st.DrawFn, target: Page, source: Page | None = None) -> str:
        """A cross-link to TARGET, maybe to one of its headings, maybe with its own text; or,
        from SOURCE, a relative link to its file (broken once the file is moved, found again
        when a page comes back there)."""
        anchor = draw(st.sampled_from(["", *target.headings]))
        slug = "".join(c for c in anchor.lower().replace(" ", "-") if c.isalnum() or c in "_-")
        if source is not None and draw(st.booleans(), label="a relative link to a page's file"):
            path = posixpath.relpath(target.file, posixpath.dirname(source.file) or ".")
            return f"[the file]({path}{'#' + slug if slug else ''})"
        text = draw(st.sampled_from(["", " the lesson"]))
        return f"[{target.name}{'#' + slug if slug else ''}{text}]"


def exercise_directive(draw: st.DrawFn) -> str:
    """A directive that shows one or two exercise files."""
    first, second = draw(st.sampled_from(EXERCISES)), draw(st.sampled_from(EXERCISES))
    return draw(
        st.sampled_from(
            [
                "",
                f"@sourceref ../exercises/{first}\n@highlight 1",
                f"@diff ../exercises/{first} ../exercises/{second}",
            ]
        )
    )


def new_page(draw: st.DrawFn, course: Course, number: int, parents: list[str]) -> Page:
    """A lesson with headings, links to pages there are, and maybe an exercise."""
    headings = draw(st.lists(st.sampled_from(HEADINGS), min_size=1, max_size=2, unique=True))
    page = Page(
        file=f"{draw(st.sampled_from(['ch1', 'ch2', 'ch3']))}/l{number}.md",
        name=f"course/l{number}",
        title=f"Lesson {number}",
        parent=draw(st.sampled_from(parents)),
        order=draw(st.one_of(st.none(), st.integers(1, 5))),
        headings=headings,
        links=[],
        text=f"Lesson {number} is about {draw(st.sampled_from(WORDS))}.",
        exercise=exercise_directive(draw),
        hidden=draw(st.integers(0, 9)) == 9,
    )
    targets = draw(st.lists(st.sampled_from(course.pages), max_size=2))
    page.links = [course.link_to(draw, target, page) for target in targets]
    return page


def exercise_files(course: Course) -> list[Path]:
    """The exercise files, and a file outside the content folder that links may lead to."""
    return [course.content / "exercises" / name for name in EXERCISES] + [
        course.root / "shared" / "extra.js"
    ]


def make_course(draw: st.DrawFn, root: Path) -> Course:
    """A course of 6 to 12 pages in three levels, written under ROOT."""
    home = Page("index.md", "course", "The Course", None, None, ["Welcome"], [], "Start here.")
    course = Course(root, [home])
    chapters = draw(st.integers(2, 3))
    for number in range(1, chapters + 1):
        course.pages.append(
            Page(
                f"ch{number}/index.md",
                f"course/ch{number}",
                f"Chapter {number}",
                "course",
                number,
                ["Overview"],
                [f"[course/ch{1 + number % chapters}]"],
                f"Chapter {number} text.",
            )
        )
    for number in range(draw(st.integers(6, 12)) - 1 - chapters):
        parents = [page.name for page in course.pages if page.parent is not None]
        course.pages.append(new_page(draw, course, number, parents))
    home.links = [course.link_to(draw, page) for page in course.pages[1:3]]
    for number, path in enumerate(exercise_files(course)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"const answer = {number};\nconsole.log(answer);\n")
    if draw(st.booleans(), label="a download links outside the content folder"):
        (course.content / "exercises" / "download.js").symlink_to("../../shared/extra.js")
    course.write_config()
    for page in course.pages:
        course.write_page(page)
    return course


# --- the edits ----------------------------------------------------------------------------------


def lesson(draw: st.DrawFn, course: Course) -> Page:
    """A page of the course other than the home page."""
    return draw(st.sampled_from(course.pages[1:]))


def edit_body(draw: st.DrawFn, course: Course) -> str:
    page = lesson(draw, course)
    page.text += f" And {draw(st.sampled_from(WORDS))}."
    course.write_page(page)
    return f"body of {page.file}"


def edit_title(draw: st.DrawFn, course: Course) -> str:
    page = draw(st.sampled_from(course.pages))
    page.title = draw(st.sampled_from(["Retitled", "Another Title", page.title + " Too"]))
    course.write_page(page)
    return f"title of {page.file}: {page.title}"


def edit_heading(draw: st.DrawFn, course: Course) -> str:
    """Rename a heading (links to its anchor break), or put its old name back."""
    page = draw(st.sampled_from(course.pages))
    number = draw(st.integers(0, len(page.headings) - 1))
    old = page.headings[number]
    new = old.removesuffix(" Renamed") if old.endswith(" Renamed") else old + " Renamed"
    page.headings[number] = new
    course.write_page(page)
    return f"heading of {page.file}: {old} -> {new}"


def edit_parent(draw: st.DrawFn, course: Course) -> str:
    """Another order among its siblings, or another parent (another chapter)."""
    page = lesson(draw, course)
    if draw(st.booleans()):
        page.order = draw(st.one_of(st.none(), st.integers(1, 9)))
    else:
        page.parent = draw(st.sampled_from([n for n in course.names() if n != page.name]))
    course.write_page(page)
    return f"parent of {page.file}: {page.parent} {page.order}"


def add_page(draw: st.DrawFn, course: Course) -> str:
    number = 20 + len(course.pages) + course.renamed
    parents = [page.name for page in course.pages]
    page = new_page(draw, course, number, parents)
    if (course.content / page.file).exists():
        return "no new page: its file is taken"
    if course.promised and draw(st.booleans(), label="a name linked already"):
        page.name = course.promised.pop(0)
    course.pages.append(page)
    course.write_page(page)
    return f"new page {page.file}"


def link_ahead(draw: st.DrawFn, course: Course) -> str:
    """A lesson links a page that no page is yet (a new page may take its name later): text,
    with a warning, until the page comes; then a link, its anchor checked, though nothing else
    of the lesson changed."""
    page = lesson(draw, course)
    course.renamed += 1
    name = f"course/soon{course.renamed}"
    anchor = draw(st.sampled_from(["", "#setup", "#nowhere"]))
    page.links.append(f"[{name}{anchor} the next lesson]")
    course.promised.append(name)
    course.write_page(page)
    return f"{page.file} links {name}{anchor}, to come"


def delete_page(draw: st.DrawFn, course: Course) -> str:
    page = lesson(draw, course)
    course.pages.remove(page)
    (course.content / page.file).unlink()
    course.deleted.append(page)
    return f"deleted {page.file}"


def restore_page(draw: st.DrawFn, course: Course) -> str:
    """A deleted page written again, as a branch switched back does: the links to it that stayed
    text become links again, from pages nothing else changed."""
    if not course.deleted:
        return "no page was deleted"
    page = draw(st.sampled_from(course.deleted))
    if (course.content / page.file).exists() or page.name in course.names():
        return f"{page.file} is taken"
    course.deleted.remove(page)
    course.pages.append(page)
    course.write_page(page)
    return f"restored {page.file}"


def rename_file(draw: st.DrawFn, course: Course) -> str:
    page = lesson(draw, course)
    course.renamed += 1
    folder = draw(st.sampled_from(["ch1", "ch2", "ch3"]))
    new = f"{folder}/moved{course.renamed}.md"
    (course.content / new).parent.mkdir(parents=True, exist_ok=True)
    (course.content / page.file).rename(course.content / new)
    old, page.file = page.file, new
    page.moved_from = page.moved_from or old
    return f"renamed {old} -> {new}"


def move_back(draw: st.DrawFn, course: Course) -> str:
    """A moved page file put back where it was: relative links to that file work again."""
    moved = [page for page in course.pages if page.moved_from]
    if not moved:
        return "no page was moved"
    page = draw(st.sampled_from(moved))
    back = course.content / page.moved_from
    if back.exists() or back.is_symlink():
        return f"{page.moved_from} is taken"
    (course.content / page.file).rename(back)
    old, page.file, page.moved_from = page.file, page.moved_from, ""
    return f"moved back {old} -> {page.file}"


def rename_page(draw: st.DrawFn, course: Course) -> str:
    """A new page name: links to the old one, and its children's @parent, break; maybe the page
    redirects from its old name; maybe it is named so as to take its old name back later."""
    page = lesson(draw, course)
    course.renamed += 1
    old, page.name = page.name, f"course/renamed{course.renamed}"
    if draw(st.booleans(), label="to be named back") and f"{old}-was" not in course.names():
        page.name = f"{old}-was"
    if draw(st.booleans()):
        page.redirects.append(old)
    course.write_page(page)
    return f"page name {old} -> {page.name}"


def name_back(draw: st.DrawFn, course: Course) -> str:
    """A page renamed to NAME-was takes NAME back (and drops its redirect from it): links to
    NAME, text meanwhile, work again, in pages that nothing else changed."""
    renamed = [page for page in course.pages if page.name.endswith("-was")]
    if not renamed:
        return "no page to name back"
    page = draw(st.sampled_from(renamed))
    old = page.name.removesuffix("-was")
    others = [other for other in course.pages if other is not page]
    if old in {other.name for other in others} or any(old in o.redirects for o in others):
        return f"{old} is taken"
    page.name, page.redirects = old, [r for r in page.redirects if r != old]
    course.write_page(page)
    return f"page name back to {old}"


def edit_exercise(draw: st.DrawFn, course: Course) -> str:
    """New bytes in an exercise file (through a link, its target's); a deleted one comes back."""
    path = draw(st.sampled_from(exercise_files(course)))
    value = draw(st.integers(0, 9))
    if path.is_symlink() and not path.exists():
        path.unlink()
    text = path.read_text() if path.exists() else ""
    path.write_text(text + f"const more = {value};\n")
    return f"exercise {path.name} + {value}"


def delete_exercise(draw: st.DrawFn, course: Course) -> str:
    """An exercise file deleted: the pages that show it fail."""
    path = draw(st.sampled_from(exercise_files(course)))
    path.unlink(missing_ok=True)
    return f"deleted {path.name}"


def link_page(draw: st.DrawFn, course: Course) -> str:
    """A page file moved out of the content folder, a link to it left in its place: the page
    is edited through the link from now on."""
    page = lesson(draw, course)
    path = course.content / page.file
    if path.is_symlink():
        return f"{page.file} is a link already"
    course.renamed += 1
    kept = course.root / "shared" / f"page{course.renamed}.md"
    path.rename(kept)
    path.symlink_to(f"../../shared/{kept.name}")
    return f"{page.file} -> {kept.name}"


def edit_same_size(draw: st.DrawFn, course: Course) -> str:
    """A page or an exercise file rewritten with as many bytes, its times put back."""
    if draw(st.booleans()):
        page = lesson(draw, course)
        path = course.content / page.file
        old = page.text
        page.text = old.translate(str.maketrans("aeiou", "eioua"))
        text = page.source()
    else:
        path = draw(st.sampled_from(exercise_files(course)))
        if not path.exists():
            return f"no file {path.name}"
        text = path.read_text().translate(str.maketrans("0123456789", "1234567890"))
    before = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    return f"same size {path.name}, times put back"


def link_exercise(draw: st.DrawFn, course: Course) -> str:
    """An exercise file replaced by a link to another file, of the same or other bytes."""
    folder = course.content / "exercises"
    name = draw(st.sampled_from(EXERCISES))
    path = folder / name
    kind = draw(st.sampled_from(["exercise", "copy", "outside"]))
    if kind == "exercise":
        target = draw(st.sampled_from([n for n in EXERCISES if n != name]))
    elif kind == "outside":  # outside the content folder: read, but not copied itself
        target = "../../shared/extra.js"
    else:
        target = f"copy-of-{name}"
        copy = folder / target
        if not copy.exists() and not copy.is_symlink():
            copy.write_bytes(path.read_bytes() if path.exists() else b"gone\n")
    if path.exists() or path.is_symlink():
        path.unlink()
    path.symlink_to(target)
    return f"{name} -> {target}"


def edit_theme(draw: st.DrawFn, course: Course) -> str:
    """A site theme overriding a template of the default theme; or the override removed."""
    template = draw(st.sampled_from(TEMPLATES))
    path = course.root / "themes" / "default" / template
    variant = draw(st.sampled_from(["removed", "one", "two", "broken"]))
    if variant == "removed":
        path.unlink(missing_ok=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = (default_theme_dir() / template).read_text(encoding="utf-8")
        added = "{{ no_such_value.field }}" if variant == "broken" else f"<!-- {variant} -->"
        path.write_text(text + added + "\n", encoding="utf-8")
    return f"theme {template}: {variant}"


def edit_config(draw: st.DrawFn, course: Course) -> str:
    """site.yaml: the title, or another key a site may set."""
    key = draw(st.sampled_from(["title", "base_url", "strict", "max_include_bytes", "redirects"]))
    if key == "title":
        course.title = draw(st.sampled_from(["Fuzzed Course", "Renamed Course"]))
    elif key in course.extra_config:
        del course.extra_config[key]
    else:
        course.extra_config[key] = {
            "base_url": "https://example.org/course/",
            "strict": "true",
            "max_include_bytes": "60",
            "redirects": "{old/start: course/ch1, old/gone: course/l0}",
        }[key]
    course.write_config()
    return f"site.yaml {key}"


def no_edit(draw: st.DrawFn, course: Course) -> str:
    return "no edit"


def wait(draw: st.DrawFn, course: Course) -> str:
    """Time passes: the files settle, and their stamps stand in for their bytes."""
    time.sleep(SETTLED_NS / 1e9 + 0.05)
    return "time passes"


EDITS = [
    edit_body,
    edit_title,
    edit_heading,
    edit_parent,
    add_page,
    link_ahead,
    delete_page,
    restore_page,
    rename_file,
    move_back,
    rename_page,
    name_back,
    edit_exercise,
    delete_exercise,
    link_page,
    edit_same_size,
    link_exercise,
    edit_theme,
    edit_config,
    no_edit,
    wait,
]


# --- building -----------------------------------------------------------------------------------


Folder = dict[str, bytes] | None  # a folder's files and their bytes; None: no folder


def folder_bytes(folder: Path) -> Folder:
    """Every file under FOLDER with its bytes; None when there is no FOLDER."""
    if not folder.exists():
        return None
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def build_in_a_process(root: Path) -> tuple[int, list[dict[str, object]]]:
    """`trustdocs build` in ROOT: its exit code and its diagnostics."""
    run = subprocess.run(
        [sys.executable, "-m", "trustdocs", "build", "--format", "json"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode in (0, 1), run.stderr
    return run.returncode, json.loads(run.stdout)["diagnostics"]


def shown(result: BuildResult) -> list[dict[str, object]]:
    """RESULT's diagnostics as `--format json` gives them."""
    return [dataclasses.asdict(d) for d in result.diagnostics]


def builds_agree(course: Course, fresh_folder: Path, in_a_process: bool, last: Folder) -> Folder:
    """Build with the cache into the site's folder, and without into FRESH_FOLDER: the same
    outcome, problems and bytes; a check reports the same problems. LAST: the site's folder as
    the last build left it, which a failed build must leave alone. The site's folder now."""
    config = load_config(course.root / "site.yaml")
    output = course.root / "site"
    with contextlib.chdir(course.root):
        if in_a_process:
            code, cached_problems = build_in_a_process(course.root)
            cached_written = code == 0
        else:
            cached = build_site(config, strict=config.strict)
            cached_written, cached_problems = cached.written, shown(cached)
        checked = build_site(config, write=False, strict=config.strict)
        fresh = build_site(config, fresh_folder, strict=config.strict, use_cache=False)
    assert cached_problems == shown(fresh)
    assert shown(checked) == shown(fresh)
    assert cached_written == fresh.written
    now = folder_bytes(output)
    event("written" if fresh.written else "failed")
    if fresh.written:
        assert now == folder_bytes(fresh_folder)
    else:
        assert now == last, "a failed build changed the last site"
    return now


# How the builds in this process run: the defaults (a course this small is built here), or in
# two forked workers, which may also parse pages again to render them and send each page's
# outputs on its own (as they do for a large course).
BUILT = {
    "here": {},
    "workers": {(site_module, "PARALLEL_MINIMUM"): 0, (workers, "worker_count"): lambda: 2},
    "workers, parsed again": {
        (site_module, "PARALLEL_MINIMUM"): 0,
        (workers, "worker_count"): lambda: 2,
        (workers, "ALL_HELD"): 0,
        (workers, "HELD_PAGES"): 0,
        (workers, "BATCH"): 1,
        (workers, "SPOOLED_FROM"): 2,
    },
}


@fuzz_settings(20)
@given(data=st.data(), built=st.sampled_from(list(BUILT)))
def test_a_cached_build_equals_an_uncached_one_after_every_edit_of_a_sequence(
    data: st.DataObject, built: str
) -> None:
    with (
        tempfile.TemporaryDirectory() as scratch,
        mock.patch.object(cache_module, "_SETTLED_NS", SETTLED_NS),
        contextlib.ExitStack() as patched,
    ):
        event(f"built {built}")
        for (module, name), value in BUILT[built].items():
            patched.enter_context(mock.patch.object(module, name, value))
        course = make_course(data.draw, Path(scratch) / "course")
        last = builds_agree(course, Path(scratch) / "fresh", False, None)
        steps = data.draw(st.integers(3, 8), label="steps")
        for step in range(steps):
            edit = data.draw(st.sampled_from(EDITS), label=f"edit {step}")
            what = edit(data.draw, course)
            event(edit.__name__)
            data.draw(st.just(what), label=f"done {step}")
            in_a_process = data.draw(st.integers(0, 4), label=f"process {step}") == 4
            last = builds_agree(course, Path(scratch) / f"fresh{step}", in_a_process, last)
