"""starter.py: what `trustdocs new` writes, and the publishing workflow it shares with this repository."""

import html
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO

from trustdocs.cli import main
from trustdocs.launch import EXIT_INTERRUPTED
from trustdocs.starter import WORKFLOW_PATH

CHECK_JSONSCHEMA = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))


@pytest.fixture
def new_course(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "course", "--title", "Negotiation Basics"]) == 0
    return tmp_path / "course"


def git_init(folder: Path, *options: str) -> None:
    """Make FOLDER a git repository, as `git init` does."""
    subprocess.run(["git", "init", "-q", *options, str(folder)], check=True)


@pytest.fixture(params=["folder of its own", "folder of a repository"])
def published_course(request, tmp_path, monkeypatch):
    """A new course and the folder GitHub checks its repository out into: the course's own, or
    the repository that holds the course in docs/course."""
    monkeypatch.chdir(tmp_path)
    if request.param == "folder of its own":
        assert main(["new", "course", "--title", "Negotiation Basics"]) == 0
        return tmp_path / "course", tmp_path / "course"
    git_init(tmp_path / "repo")
    assert main(["new", "repo/docs/course", "--title", "Negotiation Basics"]) == 0
    return tmp_path / "repo", tmp_path / "repo" / "docs" / "course"


def test_new_course_gets_the_workflow_of_this_repository(new_course):
    written = (new_course / WORKFLOW_PATH).read_text(encoding="utf-8")
    assert written == (REPO / WORKFLOW_PATH).read_text(encoding="utf-8")


def valid_for_github_actions(workflow: Path) -> None:
    """Assert that the file WORKFLOW is a workflow GitHub Actions accepts."""
    assert CHECK_JSONSCHEMA, "check-jsonschema is a test dependency: pip install -e '.[test]'"
    checked = subprocess.run(
        [CHECK_JSONSCHEMA, "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("where", ["repository", "new course"])
def test_workflow_is_valid_for_github_actions(where, published_course):
    workflow = (REPO if where == "repository" else published_course[0]) / WORKFLOW_PATH
    valid_for_github_actions(workflow)


def test_workflow_steps_build_what_it_uploads_and_deploys(published_course, monkeypatch, capsys):
    checkout, course = published_course
    workflow = yaml.safe_load((checkout / WORKFLOW_PATH).read_text(encoding="utf-8"))
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    steps = {step.get("uses", "").partition("@")[0]: step for step in build["steps"]}

    setup = steps["actions/setup-python"]["with"]
    assert setup["cache"] == "pip"
    assert checkout / setup["cache-dependency-path"] == course / "requirements.txt"
    assert tuple(int(n) for n in setup["python-version"].split(".")) >= (3, 11)

    # Run the workflow's trustdocs commands where the runner would (the checkout, or the folder
    # its run steps default to), with the address GitHub Pages gives a project site (no trailing
    # slash).
    outputs = {"${{ steps.pages.outputs.base_url }}": "https://example.github.io/negotiation"}
    assert steps["actions/configure-pages"]["id"] == "pages"
    here = build.get("defaults", {}).get("run", {}).get("working-directory", ".")
    assert checkout / here == course
    monkeypatch.chdir(checkout / here)
    commands = []
    for step in build["steps"]:
        if step.get("run", "").startswith("trustdocs"):
            env = {name: outputs.get(value, value) for name, value in step.get("env", {}).items()}
            words = shlex.split(step["run"])
            commands.append([env[w[1:]] if w.startswith("$") else w for w in words])
    # One build, which reports problems as annotations on a pull request's lines: a check before
    # it parsed every page a second time, and a cache on a runner that keeps nothing is wasted.
    assert [words[1] for words in commands] == ["build"]
    assert {"--format", "github", "--no-cache"} <= set(commands[0])
    for words in commands:
        assert main(words[1:]) == 0
        err = capsys.readouterr().err
        assert "warning" not in err and "error" not in err, err
    uploaded = checkout / steps["actions/upload-pages-artifact"]["with"]["path"]
    assert (uploaded / "index.html").is_file()
    assert (uploaded / "negotiation-basics" / "first-lesson.html").is_file()
    not_found = (uploaded / "404.html").read_text(encoding="utf-8")
    assert 'href="https://example.github.io/negotiation/_assets/style.css?v=' in not_found

    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert [s["uses"].partition("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
    # Pull requests are checked and built, never deployed.
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as true
    assert deploy["if"] == "github.event_name != 'pull_request'"


def test_new_course_pins_the_trustdocs_that_made_it(new_course):
    from importlib.metadata import version

    requirements = (new_course / "requirements.txt").read_text(encoding="utf-8")
    assert requirements == f"trustdocs=={version('trustdocs')}\n"


def test_the_first_lesson_shows_a_knowledge_check_that_builds(new_course, monkeypatch, capsys):
    monkeypatch.chdir(new_course)
    assert main(["build"]) == 0
    assert "error" not in capsys.readouterr().err
    lesson = (new_course / "site" / "negotiation-basics" / "first-lesson.html").read_text("utf-8")
    assert lesson.count('<section class="check"') == 2
    assert 'type="radio"' in lesson
    assert '<details class="check-answer"><summary>Model answer</summary>' in lesson


def test_new_never_writes_through_a_link_it_finds(tmp_path, monkeypatch, capsys):
    """A dangling link where a starter file goes (`.gitignore` leading elsewhere) is an existing
    file: `new` refuses, writes nothing, and the file the link names is never created."""
    monkeypatch.chdir(tmp_path)
    course, elsewhere = tmp_path / "course", tmp_path / "elsewhere"
    course.mkdir()
    elsewhere.mkdir()
    (course / ".gitignore").symlink_to(elsewhere / "planted")
    assert main(["new", "course", "--title", "Negotiation Basics"]) == 2
    assert ".gitignore" in capsys.readouterr().err
    assert not (elsewhere / "planted").exists()
    assert sorted(p.name for p in course.iterdir()) == [".gitignore"]


def test_new_never_writes_into_a_linked_folder(tmp_path, monkeypatch, capsys):
    """A folder of the new course that is a link to one elsewhere (`content` → another project's)
    would put the course's pages there: refused, nothing written on either side."""
    monkeypatch.chdir(tmp_path)
    course, elsewhere = tmp_path / "course", tmp_path / "elsewhere"
    course.mkdir()
    elsewhere.mkdir()
    (course / "content").symlink_to(elsewhere, target_is_directory=True)
    assert main(["new", "course", "--title", "Negotiation Basics"]) == 2
    assert "content" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == []
    assert sorted(p.name for p in course.iterdir()) == ["content"]


@pytest.mark.parametrize("stop_at", [1, 3, 6])
def test_new_cut_short_leaves_the_folder_as_it_was(tmp_path, monkeypatch, stop_at):
    """Ctrl-C (or a full disk) while `new` writes: the files and folders it made are removed, so
    the folder is as before and `new` runs again; what was there before stays."""
    import trustdocs.starter as starter

    monkeypatch.chdir(tmp_path)
    course = tmp_path / "course"
    course.mkdir()
    (course / "notes.txt").write_text("mine")
    real_write, writes = starter._write_new_file, []

    def cut_short(path: Path, text: str) -> None:
        writes.append(path)
        if len(writes) == stop_at:
            raise KeyboardInterrupt
        real_write(path, text)

    monkeypatch.setattr(starter, "_write_new_file", cut_short)
    assert main(["new", "course", "--title", "Negotiation Basics"]) == EXIT_INTERRUPTED
    assert sorted(p.name for p in course.iterdir()) == ["notes.txt"]
    assert (course / "notes.txt").read_text() == "mine"
    monkeypatch.setattr(starter, "_write_new_file", real_write)
    assert main(["new", "course", "--title", "Negotiation Basics"]) == 0
    assert (course / "site.yaml").is_file()


@pytest.mark.parametrize("title", ["T" * 300, "Überblick über " * 30, "_assets", "__init__ course"])
def test_a_long_title_makes_a_course_that_builds(tmp_path, monkeypatch, capsys, title):
    """The home page's name, and its folder's, come from the title: a long one made a folder
    name the system refused (leaving half a course behind), or a page name the build refuses."""
    monkeypatch.chdir(tmp_path)
    assert main(["new", "course", "--title", title]) == 0
    monkeypatch.chdir(tmp_path / "course")
    assert main(["build"]) == 0, capsys.readouterr().err
    home = (tmp_path / "course" / "site" / "index.html").read_text(encoding="utf-8")
    assert html.escape(title.strip()[:200], quote=False) in home


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("__pycache__/\n", "__pycache__/\n/site/\n.trustdocs-cache/\n"),
        ("node_modules", "node_modules\n/site/\n.trustdocs-cache/\n"),  # no newline at its end
        ("/site/\n.trustdocs-cache/\n", "/site/\n.trustdocs-cache/\n"),  # nothing to add
    ],
)
def test_new_in_a_repository_with_a_gitignore_adds_its_lines_to_it(
    tmp_path, monkeypatch, capsys, before, after
):
    """GitHub makes a repository with a .gitignore: `trustdocs new .` there refused ("already
    exists") and wrote nothing. It now adds the lines the course needs, once, and keeps the
    rest; cut short, it leaves the file as it was."""
    import trustdocs.starter as starter

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".gitignore").write_text(before)
    adding = starter._added_lines

    def disk_full(ignore: Path, kept: bytes) -> bool:
        (tmp_path / ".gitignore").write_text("half written")
        raise OSError(28, "No space left on device", ".gitignore")

    monkeypatch.setattr(starter, "_added_lines", disk_full)
    assert main(["new", "."]) == 2
    assert (tmp_path / ".gitignore").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".gitignore"]
    monkeypatch.setattr(starter, "_added_lines", adding)
    capsys.readouterr()
    assert main(["new", "."]) == 0
    assert (tmp_path / ".gitignore").read_text() == after
    said = capsys.readouterr().err
    assert ("updated .gitignore" in said) == (before != after) and "created site.yaml" in said


def test_new_says_the_next_command_as_a_shell_reads_it(tmp_path, monkeypatch, capsys):
    """`trustdocs new "my course"` told `cd my course && trustdocs serve`, which fails pasted;
    a file where the folder would go is said plainly, not as `[Errno 20]`."""
    monkeypatch.chdir(tmp_path)
    assert main(["new", "my course"]) == 0
    assert "next: cd 'my course' && trustdocs serve" in capsys.readouterr().err
    (tmp_path / "afile").write_text("x")
    assert main(["new", "afile"]) == 2
    said = capsys.readouterr().err
    assert "cannot write afile/site.yaml: Not a directory" in said and "Errno" not in said


def test_new_in_a_repository_subfolder_writes_the_workflow_where_github_reads_it(
    tmp_path, monkeypatch, capsys
):
    """GitHub reads workflows only from .github/workflows/ at the root of a repository: one
    written into the course's subfolder never ran, so nothing was ever published. It is written
    at the root, says so, and the root's own workflow is never overwritten."""
    monkeypatch.chdir(tmp_path)
    repo = tmp_path / "repo"
    git_init(repo)
    assert main(["new", "repo/docs/course", "--title", "Negotiation Basics"]) == 0
    said = capsys.readouterr().err
    assert "created repo/.github/workflows/publish.yml\n" in said
    assert "created repo/docs/course/site.yaml\n" in said
    assert "GitHub reads workflows only at the root of a repository" in said
    assert (repo / WORKFLOW_PATH).is_file()
    assert not (repo / "docs" / "course" / ".github").exists()

    # A second course in the same repository: its workflow would replace the first's.
    assert main(["new", "repo/other", "--title", "Other"]) == 2
    assert "repo/.github/workflows/publish.yml already exists" in capsys.readouterr().err
    assert not (repo / "other").exists()
    assert "docs/course/_site" in (repo / WORKFLOW_PATH).read_text(encoding="utf-8")


def test_new_at_the_root_of_a_repository_writes_the_workflow_of_this_repository(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    git_init(tmp_path / "repo", "--initial-branch", "main")
    monkeypatch.chdir(tmp_path / "repo")
    assert main(["new", ".", "--title", "Negotiation Basics"]) == 0
    assert "GitHub reads workflows" not in capsys.readouterr().err
    written = (tmp_path / "repo" / WORKFLOW_PATH).read_text(encoding="utf-8")
    assert written == (REPO / WORKFLOW_PATH).read_text(encoding="utf-8")


def test_a_course_folder_the_workflow_cannot_name_is_refused_plainly(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    git_init(tmp_path / "repo")
    assert main(["new", "repo/caf\udcff", "--title", "Negotiation Basics"]) == 2
    said = capsys.readouterr().err
    assert "the course's folder name is not UTF-8 text" in said and "Traceback" not in said
    assert sorted(p.name for p in (tmp_path / "repo").iterdir()) == [".git"]


@pytest.mark.parametrize(
    ("branch", "pattern"),
    [
        ("master", "master"),
        ("trunk", "trunk"),
        ("1.0", "1.0"),  # YAML would read it as a number
        ("on", "on"),  # and this as true
        ("#draft", "#draft"),  # and this as a comment
        ("c++", "c\\+\\+"),  # `+` repeats in GitHub's branch patterns, `!` negates
        ("!x", "\\!x"),
        ("ünï/x", "ünï/x"),
    ],
)
@pytest.mark.parametrize("course", ["repo", "repo/docs/course"])
def test_the_workflow_publishes_the_branch_the_repository_is_on(
    tmp_path, monkeypatch, branch, pattern, course
):
    """A workflow that published only from `main` never ran in a repository whose branch is
    `master` or `trunk`: it names the branch the repository is on, as YAML and GitHub's branch
    patterns read it back."""
    monkeypatch.chdir(tmp_path)
    git_init(tmp_path / "repo", "--initial-branch", branch)
    assert main(["new", course]) == 0
    workflow = tmp_path / "repo" / WORKFLOW_PATH
    valid_for_github_actions(workflow)
    text = workflow.read_text(encoding="utf-8")
    assert yaml.safe_load(text)[True]["push"]["branches"] == [pattern]
    assert f"deploy from {branch}." in text and "main" not in text


def test_the_branch_of_a_repository_whose_git_folder_is_elsewhere(tmp_path, monkeypatch):
    """A worktree's (or a submodule's) `.git` is a file that names the folder holding HEAD."""
    monkeypatch.chdir(tmp_path)
    git_init(tmp_path / "repo", "--initial-branch", "trunk", "--separate-git-dir", "store")
    assert (tmp_path / "repo" / ".git").is_file()
    assert main(["new", "repo/docs/course"]) == 0
    workflow = yaml.safe_load((tmp_path / "repo" / WORKFLOW_PATH).read_text(encoding="utf-8"))
    assert workflow[True]["push"]["branches"] == ["trunk"]


def test_a_repository_on_no_branch_gets_the_workflow_of_this_repository(tmp_path, monkeypatch):
    """A detached HEAD names no branch: the workflow publishes from `main`, as outside any
    repository, and the README says where to change it."""
    monkeypatch.chdir(tmp_path)
    git_init(tmp_path / "repo", "--initial-branch", "trunk")
    (tmp_path / "repo" / ".git" / "HEAD").write_text("0123456789abcdef0123456789abcdef01234567\n")
    assert main(["new", "repo"]) == 0
    written = (tmp_path / "repo" / WORKFLOW_PATH).read_text(encoding="utf-8")
    assert written == (REPO / WORKFLOW_PATH).read_text(encoding="utf-8")
    assert "`branches: [main]`" in (REPO / "README.md").read_text(encoding="utf-8")
