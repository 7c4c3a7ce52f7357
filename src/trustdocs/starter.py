"""A new course folder: site.yaml, a home page and a first lesson that show the format at work."""

from __future__ import annotations

import contextlib
import json
import os
import re
import unicodedata
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import yaml

from trustdocs.config import CONFIG_NAME
from trustdocs.diagnostics import unencodable
from trustdocs.markdown import heading_id

# After the title and root, written by a YAML writer so that any title reads back as written.
SITE_YAML_NOTE = """# The address the course is published at: its 404 page, canonical links and sitemap need it.
# The publishing workflow passes GitHub Pages' address itself (trustdocs build --base-url).
# base_url: https://you.github.io/{root}/
"""

HOME = """@page {root} {title}
@description What this course teaches, in one sentence.
@body
Welcome! Say who the course is for and what learners will be able to do at the end.

## Lessons

1. [{root}/first-lesson]
"""

LESSON = """@page {root}/first-lesson Your First Lesson
@parent {root} 1
@outline 2
@description A short lesson showing the page format: tags, sections, links, code and checks.
@body
Each lesson is a Markdown file that opens with `@tags`. `@parent` places it in the course tree,
and its number orders it among its siblings.

## Link to other lessons

Write a page's name in brackets: [{root}] links back to the course home with its title as text,
and [{root}/first-lesson#try-it the exercise below] links to a heading of a page.

## Show code

```python
def greet(name):
    return f"Hello, {{name}}!"
```
@highlight 2

## Check what you learned

::: check Where does a lesson's place in the sidebar come from?

- [ ] The order of the files in the folder.
  No: files can sit anywhere in the content folder.
- [x] Its `@parent` tag and the number after the parent's name.
  Yes: `@parent` puts it under its parent, and the number orders it among its siblings.
:::

::: check A learner says the course moves too fast. What would you do?
Write a sentence or two before you open the model answer.

::: answer
Ask where it first felt too fast, then split that lesson in two or add an example there. A knowledge
check like this one, after each new idea, shows you where learners stumble.
:::

## Try it

Add a second lesson: copy this file to `second-lesson.md`, change its `@page` name and title,
give it `@parent {root} 2`, and save. `trustdocs serve` shows it in the sidebar at once.

## Key takeaways

- One file per lesson; tags first, then `@body` and Markdown.
- Broken links and unknown parents are reported with file and line.
- A `::: check` block asks the learner a question; answering every check finishes the lesson.
"""


# The one copy of the GitHub Pages workflow: new courses get it, and this repository's own
# .github/workflows/publish.yml is the same file (a test holds them equal).
PUBLISH_WORKFLOW = Path(__file__).with_name("publish-workflow.yml")
WORKFLOW_PATH = ".github/workflows/publish.yml"


DEFAULT_BRANCH = "main"  # published from, outside a repository or on no branch


def publish_workflow(course_folder: str = "", branch: str = DEFAULT_BRANCH) -> str:
    """The GitHub Actions workflow that checks, builds and publishes a course to GitHub Pages;
    COURSE_FOLDER: where the course is in its repository (`docs/course`), "" at its root; BRANCH:
    the branch whose pushes it publishes."""
    text = PUBLISH_WORKFLOW.read_text(encoding="utf-8")
    if branch != DEFAULT_BRANCH:
        text = _replaced(
            text,
            {
                "deploy from main.\n": f"deploy from {branch}.\n",
                "    branches: [main]\n": f"    branches: [{yaml_text(branch_pattern(branch))}]\n",
                "runs on main wait": f"runs on {branch} wait",
            },
        )
    if not course_folder:
        return text
    # The runner checks the repository out at its root: the course's commands run in its folder.
    return _replaced(
        text,
        {
            "  build:\n    runs-on: ubuntu-latest\n": "  build:\n    runs-on: ubuntu-latest\n"
            "    # The course is in a folder of the repository: its commands run there.\n"
            "    defaults:\n      run:\n"
            f"        working-directory: {yaml_text(course_folder)}\n",
            "cache-dependency-path: requirements.txt\n": "cache-dependency-path: "
            f"{yaml_text(course_folder + '/requirements.txt')}\n",
            "          path: _site\n": f"          path: {yaml_text(course_folder + '/_site')}\n",
        },
    )


def _replaced(text: str, changes: dict[str, str]) -> str:
    """TEXT with each key of CHANGES, found there once, replaced by its value."""
    for old, new in changes.items():
        if text.count(old) != 1:
            raise RuntimeError(f"{PUBLISH_WORKFLOW.name} does not hold {old!r} once")
        text = text.replace(old, new)
    return text


_PLAIN_YAML = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")


def yaml_text(text: str) -> str:
    """TEXT as a YAML value that reads back as that string: as it is when it can, else quoted."""
    if _PLAIN_YAML.fullmatch(text) and yaml.safe_load(text) == text:
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML one too


def branch_pattern(branch: str) -> str:
    """The pattern of GitHub's branch filters that matches the branch BRANCH alone."""
    return re.sub(r"[*?+!\[\]]", lambda found: "\\" + found.group(), branch)


def current_branch(root: Path) -> str | None:
    """The branch the git repository at ROOT is on (`ref: refs/heads/NAME` in its HEAD); None on
    no branch (a detached HEAD) or when HEAD cannot be read."""
    git = root / ".git"
    try:
        if git.is_file():  # a worktree's or a submodule's: `gitdir: PATH`, from ROOT
            found = git.read_text(encoding="utf-8").strip()
            if not found.startswith("gitdir:"):
                return None
            git = root / found.removeprefix("gitdir:").strip()
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    name = head.removeprefix("ref: refs/heads/")
    # No git branch starts with a dot: `.invalid` is the HEAD of a repository kept in a reftable.
    if name == head or not name or name.startswith("."):
        return None
    return name


def repository_root(folder: Path) -> Path | None:
    """The root of the git repository that holds FOLDER (made or yet to be): the nearest folder
    at or above it holding `.git` (a folder, or a file for a worktree); None outside any."""
    path = Path(os.path.abspath(folder))
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate / ".git"):
            return candidate
    return None


def requirements() -> str:
    """requirements.txt of a new course: the trustdocs release that created it, for repeatable builds."""
    try:
        return f"trustdocs=={version('trustdocs')}\n"
    except PackageNotFoundError:
        return "trustdocs\n"


# The built site and the build cache are made again by any build: keep them out of git.
GITIGNORE = "/site/\n.trustdocs-cache/\n"


MAX_ROOT_BYTES = 64  # of the home page's name, made from the title: a folder is named after it


def title_problem(title: str) -> str | None:
    """Why TITLE cannot title a course (it must fit on the `@page` line), or None."""
    if not title.strip():
        return "the course title is empty"
    if title.splitlines() != [title]:
        return "the course title must be one line"
    if any(unicodedata.category(c) == "Cc" and c != "\t" for c in title):
        return "the course title holds a control character"
    problem = unencodable(title)  # a command line that is not UTF-8 gives one
    return f"the course title {problem}" if problem else None


def starter_files(
    title: str, course_folder: str = "", branch: str = DEFAULT_BRANCH
) -> dict[str, str]:
    """The files of a new course titled TITLE, by path relative to its folder (the workflow's:
    see `publish_workflow`)."""
    problem = title_problem(title)
    if problem is not None:
        raise ValueError(problem)
    # The course's page name, and its folder's: cut short, as a file name must be.
    cut = heading_id(title).encode("utf-8")[:MAX_ROOT_BYTES].decode("utf-8", "ignore")
    # Not `_assets` nor any name of its kind: the site's own files are written under `_…`.
    root = cut.strip("-").lstrip("_-") or "course"
    values = {"root": root, "title": title.strip()}
    settings = yaml.safe_dump(
        {"title": title, "root": root}, sort_keys=False, allow_unicode=True, width=1 << 30
    ) + SITE_YAML_NOTE.format(root=root)
    return {
        CONFIG_NAME: settings,
        f"content/{root}/index.md": HOME.format(**values),
        f"content/{root}/first-lesson.md": LESSON.format(**values),
        "requirements.txt": requirements(),
        WORKFLOW_PATH: publish_workflow(course_folder, branch),
        ".gitignore": GITIGNORE,
    }


def write_starter_site(folder: Path, title: str) -> list[tuple[Path, str]]:
    """Write a new course into FOLDER (created if needed): all of it or, cut short, none of it;
    each file written, "created" or (a .gitignore already there) "updated". Refuse to overwrite
    anything else, and to write through a link (to a file or folder elsewhere). In a folder of a
    git repository, the publishing workflow goes to the repository's root, where GitHub reads it."""
    top, course_folder, branch = _workflow_place(folder)
    files = starter_files(title, course_folder, branch)
    # Each file's folder, and where it goes.
    places = {rel: (top if rel == WORKFLOW_PATH else folder) for rel in files}
    ignore = folder / ".gitignore"
    # A repository's own .gitignore (GitHub makes one with it) gets the course's lines added.
    kept = ignore.read_bytes() if ignore.is_file() and not ignore.is_symlink() else None
    if kept is not None:
        del files[".gitignore"]
    existing = [places[rel] / rel for rel in files if os.path.lexists(places[rel] / rel)]
    if existing:
        raise FileExistsError(f"{existing[0]} already exists")
    made: list[Path] = []  # files and folders made here, removed again if `new` is cut short
    try:
        for rel, text in files.items():
            path = places[rel] / rel
            _new_folders(places[rel], path.parent, made)
            _write_new_file(path, text)
            made.append(path)
        if kept is not None and _added_lines(ignore, kept):
            made.append(ignore)
    except BaseException:  # Ctrl-C too: the folder is left as it was
        if kept is not None:
            with contextlib.suppress(OSError):
                _replace_text(ignore, kept)
        for path in reversed(made):
            with contextlib.suppress(OSError):
                if path == ignore and kept is not None:
                    continue
                if path.is_dir() and not path.is_symlink():
                    path.rmdir()  # made here, and empty again: a folder not made here is kept
                else:
                    path.unlink()
        raise
    return [
        (path, "updated" if path == ignore and kept is not None else "created")
        for path in made
        if not path.is_dir()
    ]


def _workflow_place(folder: Path) -> tuple[Path, str, str]:
    """Where the publishing workflow of a course in FOLDER goes (the root of the git repository
    that holds FOLDER, named as FOLDER is: relative or not; else FOLDER), the course's folder
    from there (`docs/course`, or ""), and the branch it publishes."""
    root = repository_root(folder)
    if root is None:
        return folder, "", DEFAULT_BRANCH
    branch = current_branch(root) or DEFAULT_BRANCH
    course = Path(os.path.abspath(folder)).relative_to(root)
    if course == Path():
        return folder, "", branch
    if unencodable(str(course)) is not None:  # a name of bytes that are not UTF-8
        raise ValueError("the course's folder name is not UTF-8 text: its workflow cannot name it")
    shown = root if folder.is_absolute() else Path(os.path.relpath(root))
    return shown, course.as_posix(), branch


def _added_lines(ignore: Path, kept: bytes) -> bool:
    """Add to the .gitignore IGNORE (which holds KEPT) the course's lines it lacks; whether
    it lacked any."""
    have = {line.strip() for line in kept.decode("utf-8", "replace").splitlines()}
    lines = [line for line in GITIGNORE.splitlines() if line not in have]
    if not lines:
        return False
    start = b"" if not kept or kept.endswith(b"\n") else b"\n"
    _replace_text(ignore, kept + start + "".join(f"{line}\n" for line in lines).encode())
    return True


def _replace_text(path: Path, data: bytes) -> None:
    """Write DATA over the file PATH, never through a link."""
    flags = os.O_WRONLY | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    with os.fdopen(os.open(path, flags), "wb") as out:
        out.write(data)


def _new_folders(top: Path, folder: Path, made: list[Path]) -> None:
    """Make FOLDER and the folders between TOP and it, each added to MADE as it is made (one the
    system refuses leaves those before it to remove). A link among them (to a folder elsewhere)
    is refused: the course's files would land there."""
    if not top.exists():
        top.mkdir(parents=True)
        made.append(top)
    path = top
    for part in folder.relative_to(top).parts:
        path /= part
        if path.is_symlink():
            raise FileExistsError(f"{path} is a link: the new course is not written through it")
        if not path.exists():
            path.mkdir()
            made.append(path)


def _write_new_file(path: Path, text: str) -> None:
    """Create PATH with TEXT; never over a file already there, nor through a link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with os.fdopen(os.open(path, flags, 0o666), "w", encoding="utf-8", newline="") as out:
        out.write(text)
