"""deploy.py and `trustdocs deploy`: publishing to a branch of a real (local, bare) git remote."""

import subprocess
from pathlib import Path

import pytest
from conftest import CONSULTING, make_site

from trustdocs.build import build_site
from trustdocs.config import load_config


def git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=folder, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture(autouse=True)
def plain_git(monkeypatch, tmp_path):
    """Git without the machine's settings (signing, hooks paths), with an identity, and no repository
    above the test's folder."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Course Author")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "author@example.org")


@pytest.fixture
def course(tmp_path):
    """A course in a git repository on branch main, pushed to a bare 'origin', with work in progress:
    one staged change and one unstaged."""
    remote = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    site = make_site(tmp_path / "course", CONSULTING)
    (site / ".gitignore").write_text(".trustdocs-cache/\n")  # as `trustdocs new` writes it
    git(site, "init", "--quiet", "-b", "main")
    git(site, "add", ".")
    git(site, "commit", "--quiet", "-m", "The course")
    git(site, "remote", "add", "origin", str(remote))
    git(site, "push", "--quiet", "origin", "main")
    (site / "notes.txt").write_text("staged, not committed\n")
    git(site, "add", "notes.txt")
    (site / "content" / "consulting" / "kickoff.md").write_text(
        "@page learn-technology-consulting/kickoff Kickoff Meeting\n"
        "@parent learn-technology-consulting 1\n@body\nEdited, not staged.\n"
    )
    return site, remote


def users_state(repo: Path) -> dict[str, object]:
    """Everything of the author's own work that deploy must leave alone, read as bytes."""
    index = (repo / ".git" / "index").read_bytes()  # before status, which may refresh it
    files = {
        p.relative_to(repo).as_posix(): p.read_bytes()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and not {".git", ".trustdocs-cache"} & set(p.relative_to(repo).parts)
    }
    return {
        "index": index,
        "HEAD": (repo / ".git" / "HEAD").read_bytes(),
        "head commit": git(repo, "rev-parse", "HEAD"),
        "branches": git(repo, "for-each-ref", "refs/heads/main"),
        "status": git(repo, "status", "--porcelain=v2", "--branch", "--untracked-files=all"),
        "staged": git(repo, "diff", "--cached"),
        "unstaged": git(repo, "diff"),
        "files": files,
    }


def branch_files(remote: Path, branch: str) -> dict[str, bytes]:
    names = git(remote, "ls-tree", "-r", "-z", "--name-only", branch).split("\0")
    return {
        name: subprocess.run(
            ["git", "cat-file", "blob", f"{branch}:{name}"], cwd=remote, capture_output=True
        ).stdout
        for name in names
        if name
    }


def built_files(site: Path, out: Path) -> dict[str, bytes]:
    assert build_site(load_config(site / "site.yaml"), out).written
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_first_deploy_creates_the_branch_second_adds_a_commit(course, trustdocs, tmp_path):
    site, remote = course
    git(site, "status")  # let git refresh its index once, as any status would
    before = users_state(site)

    run = trustdocs(site, "deploy")
    assert run.code == 0, run.err
    assert "deployed" in run.err and "to branch gh-pages" in run.err
    assert "pushed to origin" in run.err
    assert users_state(site) == before
    assert not (site / "site").exists()

    published = branch_files(remote, "gh-pages")
    expected = built_files(site, tmp_path / "expected")  # the working tree, edits included
    # The output marker is for the next build of a folder, not a file of the site.
    assert ".trustdocs-output" in expected and ".trustdocs-output" not in published
    del expected[".trustdocs-output"]
    assert published == {**expected, ".nojekyll": b""}
    assert b"Kickoff Meeting" in published["learn-technology-consulting/kickoff.html"]
    first = git(remote, "rev-parse", "gh-pages").strip()
    assert git(remote, "log", "--format=%s", "gh-pages").strip() == (
        "Publish " + git(site, "rev-parse", "HEAD").strip()[:12]
    )

    (site / "content" / "consulting" / "kickoff.md").write_text(
        "@page learn-technology-consulting/kickoff The First Meeting\n"
        "@parent learn-technology-consulting 1\n@body\nEdited again.\n"
    )
    git(site, "status")
    before = users_state(site)
    run = trustdocs(site, "deploy", "--message", "Rename the kickoff lesson")
    assert run.code == 0, run.err
    assert users_state(site) == before
    assert git(remote, "rev-parse", "gh-pages~1").strip() == first
    assert git(remote, "log", "--format=%s", "gh-pages").splitlines() == [
        "Rename the kickoff lesson",
        f"Publish {git(site, 'rev-parse', 'HEAD').strip()[:12]}",
    ]
    page = branch_files(remote, "gh-pages")["learn-technology-consulting/kickoff.html"]
    assert b"The First Meeting" in page and b"Kickoff Meeting" not in page


def test_deploy_builds_on_the_remote_branch_when_the_local_one_is_missing(course, trustdocs):
    site, remote = course
    assert trustdocs(site, "deploy").code == 0
    first = git(remote, "rev-parse", "gh-pages").strip()
    git(site, "branch", "-D", "gh-pages")  # a fresh clone has only origin's branch
    assert trustdocs(site, "deploy").code == 0
    assert git(remote, "rev-parse", "gh-pages~1").strip() == first


def test_no_push_commits_locally_only_and_a_later_push_follows_on(course, trustdocs):
    site, remote = course
    run = trustdocs(site, "deploy", "--no-push", "--branch", "pages")
    assert run.code == 0 and "(not pushed)" in run.err
    local = git(site, "rev-parse", "pages").strip()
    assert "index.html" in git(site, "ls-tree", "--name-only", "pages")
    assert git(remote, "branch", "--list", "pages") == ""

    assert trustdocs(site, "deploy", "--branch", "pages").code == 0
    assert git(remote, "rev-parse", "pages~1").strip() == local


def test_no_push_commits_while_the_remote_cannot_be_reached(course, trustdocs):
    """A commit without push is work done offline: a remote that cannot be reached (no network,
    a moved URL) failed it ('git ls-remote failed'). It commits on what this repository last
    fetched of the branch, and says the remote was not reached; a push still needs it."""
    site, remote = course
    assert trustdocs(site, "deploy").code == 0
    pushed = git(remote, "rev-parse", "gh-pages").strip()
    git(site, "remote", "set-url", "origin", str(site.parent / "gone.git"))
    run = trustdocs(site, "deploy", "--no-push")
    assert run.code == 0, run.err
    assert "not pushed; origin could not be reached" in run.err
    assert git(site, "rev-parse", "gh-pages~1").strip() == pushed
    assert trustdocs(site, "deploy").code == 2  # pushing needs it


def test_a_build_with_errors_is_not_deployed(course, trustdocs):
    site, remote = course
    assert trustdocs(site, "deploy").code == 0
    published = git(remote, "rev-parse", "gh-pages")
    (site / "content" / "broken.md").write_text(
        "@page broken Broken\n@parent nowhere\n@body\nOops.\n"
    )
    git(site, "status")
    before = users_state(site)
    run = trustdocs(site, "deploy")
    assert run.code == 1
    assert "content/broken.md:2:1: error:" in run.err and "not deployed:" in run.err
    assert git(remote, "rev-parse", "gh-pages") == published
    assert git(site, "rev-parse", "gh-pages") == published
    assert users_state(site) == before


def test_outside_a_git_repository_says_so(tmp_path, trustdocs):
    site = make_site(tmp_path / "course", CONSULTING)
    run = trustdocs(site, "deploy")
    assert run.code == 2
    assert "is not in a git repository" in run.err and "Traceback" not in run.err


def test_missing_remote_and_checked_out_branch_are_refused_before_building(course, trustdocs):
    site, _ = course
    run = trustdocs(site, "deploy", "--remote", "upstream")
    assert run.code == 2 and "no git remote named 'upstream'" in run.err
    assert "pages in" not in run.err  # nothing was built
    run = trustdocs(site, "deploy", "--branch", "main")
    assert run.code == 2 and "branch 'main' is checked out" in run.err
    assert git(site, "log", "--format=%s", "main").strip() == "The course"


def test_a_branch_that_is_another_name_for_one_is_refused(course, trustdocs):
    """`master` kept as a symbolic ref to `main` after a rename: moving it moves `main`, the
    branch checked out, which would then hold the built site and lose the author's files."""
    site, _ = course
    git(site, "symbolic-ref", "refs/heads/master", "refs/heads/main")
    before = users_state(site)
    run = trustdocs(site, "deploy", "--branch", "master")
    assert run.code == 2 and "branch 'master' is another name for refs/heads/main" in run.err
    assert "pages in" not in run.err  # nothing was built
    assert users_state(site) == before
    assert git(site, "log", "--format=%s", "main").strip() == "The course"


@pytest.mark.parametrize("branch", ["HEAD", "-x", "refs/heads/pages", "@{-1}", "a..b"])
def test_a_branch_name_git_would_not_make_is_refused(course, trustdocs, branch):
    """`--branch HEAD` made `refs/heads/HEAD`, after which git's own commands found `HEAD`
    ambiguous; `-x` and `refs/heads/pages` made refs nobody can name as branches."""
    site, _ = course
    git(site, "checkout", "-q", "-b", "other")
    git(site, "checkout", "-q", "main")  # `@{-1}` now reads as `other`
    before = git(site, "for-each-ref", "--format=%(refname)")
    run = trustdocs(site, "deploy", "--no-push", f"--branch={branch}")
    assert run.code == 2 and f"'{branch}' is not a valid branch name" in run.err, run.err
    assert git(site, "for-each-ref", "--format=%(refname)") == before
