"""Shared helpers: write small sites in temporary folders and run the command on them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from trustdocs.cli import main
from trustdocs.output_folder import OutputContent, Streamed

REPO = Path(__file__).resolve().parents[1]


def write_files(root: Path, files: dict[str, str]) -> None:
    """Write FILES (path → text, dedented) under ROOT."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def built_html(root: Path, trustdocs, pages: dict[str, str], output: str = "index.html") -> str:
    """The HTML a build of a site of PAGES (content/ paths → text) writes at OUTPUT; the build
    must succeed."""
    site = make_site(root, pages)
    run = trustdocs(site, "build")
    assert run.code == 0, run.err
    return (site / "site" / output).read_text()


def make_site(root: Path, pages: dict[str, str], config: str = "title: Test Course\n") -> Path:
    """A site folder with site.yaml and the given content files (paths relative to content/)."""
    write_files(root, {"site.yaml": config})
    write_files(root / "content", pages)
    return root


class Run:
    """The outcome of one `trustdocs` invocation."""

    def __init__(self, code: int, err: str, out: str) -> None:
        self.code, self.err, self.out = code, err, out


@pytest.fixture
def trustdocs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run the trustdocs command in a folder: trustdocs(folder, 'build', '--strict')."""

    def run(folder: Path, *args: str) -> Run:
        monkeypatch.chdir(folder)
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.err, captured.out)

    return run


# The example of FORMAT.md §1 and its sibling lessons.
CONSULTING = {
    "index.md": """
        @page learn-technology-consulting Learn Technology Consulting
        @description Everything a consultant needs.
        @body
        Start with [learn-technology-consulting/communication].
        """,
    "consulting/communication.md": """
        @page learn-technology-consulting/communication Communicating with Clients
        @parent learn-technology-consulting 4
        @description Raise problems early.
        @body
        ## Bad news early
        Say it soon.
        """,
    "consulting/building-rapport.md": """
        @page learn-technology-consulting/building-rapport Building Trust and Rapport
        @parent learn-technology-consulting 6
        @outline 2
        @description Best practices for building trust and rapport with clients.

        @body
        ## Trust
        Read [learn-technology-consulting/communication] and the
        [learn-technology-consulting/transitioning-to-delivery#app-summary-document App Summary Document].

        ## What's next?
        ### Step 1 – Don’t Panic!
        ## Trust
        """,
    "consulting/transitioning-to-delivery.md": """
        @page learn-technology-consulting/transitioning-to-delivery Transitioning to Delivery
        @parent learn-technology-consulting 7
        @description Hand the project to the delivery team.
        @body
        ## App Summary Document
        One page that says what the app is.
        """,
    "consulting/kickoff.md": """
        @page learn-technology-consulting/kickoff Kickoff
        @parent learn-technology-consulting 1
        @description The first meeting.
        @body
        Hello.
        """,
}


def written(files: dict[str, OutputContent]) -> dict[str, object]:
    """Output files as a build writes them: text made piece by piece, joined."""
    return {
        rel: "".join(content.pieces()) if isinstance(content, Streamed) else content
        for rel, content in files.items()
    }
