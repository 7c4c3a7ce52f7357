"""Publish a built site to a branch of a git repository (for GitHub Pages and other static hosts).

Like `mkdocs gh-deploy`, but the commit is made with git's plumbing and a temporary index, so the
author's working branch, index and working tree are never touched: the built files go straight from
the output folder into git's object store.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from trustdocs.output_folder import MARKER

NO_JEKYLL = ".nojekyll"  # GitHub Pages would otherwise run Jekyll and drop `_assets/`


class DeployError(Exception):
    """Publishing cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class DeployTarget:
    """Where a deploy goes: a repository, the branch that holds the site, and maybe a remote."""

    repository: Path  # the top of the work tree
    branch: str
    remote: str  # where the branch is fetched from (when it exists there) and pushed to
    push: bool = True


@dataclass(frozen=True)
class Deployed:
    """What a deploy did."""

    commit: str
    branch: str
    files: int
    pushed_to: str | None
    offline: bool = False  # not pushed, and the remote could not be asked what it holds


def _git(repository: Path, *args: str, stdin: str | None = None, index: Path | None = None) -> str:
    """Run git in REPOSITORY and return its output; a failure raises DeployError with git's words."""
    env = dict(os.environ)
    if index is not None:
        env["GIT_INDEX_FILE"] = str(index)
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=repository,
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    except FileNotFoundError:
        raise DeployError("git is not installed (deploy commits the site with git)") from None
    if done.returncode != 0:
        reason = done.stderr.strip() or done.stdout.strip() or f"exit status {done.returncode}"
        raise DeployError(f"git {args[0]} failed: {reason}")
    return done.stdout


def _branch_read_as(repository: Path, branch: str) -> str | None:
    """The branch git reads BRANCH as (`check-ref-format --branch`), or None: not a branch."""
    try:
        return _git(repository, "check-ref-format", "--branch", branch).strip()
    except DeployError:
        return None


def _succeeds(repository: Path, *args: str) -> bool:
    try:
        _git(repository, *args)
    except DeployError:
        return False
    return True


def find_target(folder: Path, branch: str, remote: str, push: bool = True) -> DeployTarget:
    """The repository holding FOLDER and the branch to publish to, checked before any build."""
    try:
        top = _git(folder, "rev-parse", "--show-toplevel").strip()
    except DeployError:
        raise DeployError(
            f"{folder} is not in a git repository: deploy commits the site to a branch of the "
            "course's repository (run `git init` and add a remote, or publish the output of "
            "`trustdocs build` with any static host)"
        ) from None
    repository = Path(top)
    # As git checks a branch name given to `git branch`: no `HEAD`, no leading `-`, no `@{-1}`
    # (which it reads as another branch); nor one that names a ref itself (`refs/heads/x`).
    if (
        branch.startswith("-")
        or branch.startswith("refs/")
        or not _succeeds(repository, "check-ref-format", f"refs/heads/{branch}")
        or _branch_read_as(repository, branch) != branch
    ):
        raise DeployError(f"'{branch}' is not a valid branch name")
    ref = f"refs/heads/{branch}"
    if _succeeds(repository, "symbolic-ref", "-q", ref):
        # Moving it would move the branch it names, which may be the one checked out.
        named = _git(repository, "symbolic-ref", "-q", ref).strip()
        raise DeployError(
            f"branch '{branch}' is another name for {named}; deploy moves the branch it publishes "
            "to, so pass --branch with a branch of its own"
        )
    for line in _git(repository, "worktree", "list", "--porcelain").splitlines():
        if line == f"branch {ref}":
            raise DeployError(
                f"branch '{branch}' is checked out; deploy replaces its files with the built site, "
                "so run it from another branch or pass --branch"
            )
    if push and not _has_remote(repository, remote):
        raise DeployError(
            f"no git remote named '{remote}' (add one with `git remote add {remote} URL`, "
            "choose one with --remote, or commit without pushing with --no-push)"
        )
    return DeployTarget(repository, branch, remote, push)


def publish(target: DeployTarget, site: Path, message: str | None = None) -> Deployed:
    """Commit the files of SITE as the next commit of the target branch, then push it."""
    repository, ref = target.repository, f"refs/heads/{target.branch}"
    local = _commit_of(repository, ref)
    parent, offline = _parent_commit(target, local)
    # The output marker tells a folder trustdocs wrote, for its next build: no file of the site.
    files = sorted(p for p in site.rglob("*") if p.is_file() and p != site / MARKER)
    awkward = next((p for p in files if "\n" in str(p) or "\r" in str(p)), None)
    if awkward is not None:
        raise DeployError(f"cannot publish a file whose name holds a line break: {awkward!r}")
    # Blobs are written as the bytes on disk: no end-of-line or attribute filters.
    blobs = _git(
        repository,
        "hash-object",
        "-w",
        "--no-filters",
        "--stdin-paths",
        stdin="".join(f"{path}\n" for path in files),
    ).split()
    entries = {p.relative_to(site).as_posix(): blob for p, blob in zip(files, blobs, strict=True)}
    if NO_JEKYLL not in entries:
        entries[NO_JEKYLL] = _git(repository, "hash-object", "-w", "--stdin", stdin="").strip()
    with tempfile.TemporaryDirectory(prefix="trustdocs-deploy-") as scratch:
        index = Path(scratch) / "index"
        _git(
            repository,
            "update-index",
            "--add",
            "-z",
            "--index-info",
            stdin="".join(f"100644 {blob}\t{path}\0" for path, blob in sorted(entries.items())),
            index=index,
        )
        tree = _git(repository, "write-tree", index=index).strip()
    parents = ["-p", parent] if parent else []
    commit = _git(
        repository,
        "commit-tree",
        tree,
        *parents,
        "-m",
        message or _default_message(repository),
    ).strip()
    # Moves the branch only if nobody else moved it meanwhile.
    _git(repository, "update-ref", "-m", "trustdocs deploy", ref, commit, local or "0" * 40)
    if target.push:
        _git(repository, "push", "--quiet", target.remote, f"{ref}:{ref}")
    pushed_to = target.remote if target.push else None
    return Deployed(commit, target.branch, len(entries), pushed_to, offline)


def _parent_commit(target: DeployTarget, local: str | None) -> tuple[str | None, bool]:
    """The branch's latest commit: the remote's (fetched first) unless the local one is ahead of
    it; and whether the remote could not be reached (a commit without push: from what this
    repository last fetched of it)."""
    repository, branch = target.repository, target.branch
    remote, tracking = target.remote, f"refs/remotes/{target.remote}/{branch}"
    offline = fetched = False
    try:
        if _has_remote(repository, remote) and _remote_has_branch(repository, remote, branch):
            refs = f"+refs/heads/{branch}:{tracking}"
            _git(repository, "fetch", "--quiet", "--no-tags", remote, refs)
            fetched = True
    except DeployError:
        if target.push:
            raise
        offline = True  # what the last fetch brought of it, if any
    remote_tip = _commit_of(repository, tracking) if fetched or offline else None
    if remote_tip is None or local == remote_tip:
        return local or remote_tip, offline
    if local is None:
        return remote_tip, offline
    if _succeeds(repository, "merge-base", "--is-ancestor", remote_tip, local):
        return local, offline  # earlier deploys made with --no-push, not pushed yet
    return remote_tip, offline


def _commit_of(repository: Path, ref: str) -> str | None:
    try:
        return _git(repository, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
    except DeployError:
        return None


def _has_remote(repository: Path, remote: str) -> bool:
    return _succeeds(repository, "remote", "get-url", remote)


def _remote_has_branch(repository: Path, remote: str, branch: str) -> bool:
    listed = _git(repository, "ls-remote", "--heads", remote, f"refs/heads/{branch}")
    return bool(listed.strip())


def _default_message(repository: Path) -> str:
    """`Publish 1a2b3c4`: the commit of the sources the site was built from, when there is one."""
    source = _commit_of(repository, "HEAD")
    return f"Publish {source[:12]}" if source else "Publish the course"
