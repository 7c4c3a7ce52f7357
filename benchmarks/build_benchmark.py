"""Wall time and peak memory of a full `trustdocs build` of a synthetic academy with directives.

    python benchmarks/build_benchmark.py [--lessons 250] [--repeat 5] [--mkdocs PATH]

It writes a synthetic course (benchmarks/synthetic.py, with `@sourceref`, `@highlight`, `@diff` and
`@codepen`) into a temporary folder, then runs `trustdocs build` there REPEAT times, each in a fresh
process with the previous output deleted, and prints the median wall time, pages per second and the
peak resident memory of the build. When MkDocs can be run (importable here, or an executable given
with --mkdocs), the same course is built with `mkdocs build` in the same run and the ratio
trustdocs time / mkdocs time is printed; otherwise MkDocs is reported as not measured.

Peak memory is the largest resident set of any one process of the build (the command, or one of
its render workers), as the kernel reports it for a waited-for child; workers running side by side
are not added up.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synthetic import generate_mkdocs_site, generate_site


@dataclass(frozen=True)
class Run:
    """One build in a fresh process."""

    seconds: float
    peak_rss_mib: float


@dataclass(frozen=True)
class Measurement:
    """Several runs of one build command on one site."""

    label: str
    pages: int
    runs: tuple[Run, ...]

    @property
    def median_seconds(self) -> float:
        """The median wall time of the runs."""
        return statistics.median(run.seconds for run in self.runs)

    @property
    def peak_rss_mib(self) -> float:
        """The largest peak resident memory seen over the runs."""
        return max(run.peak_rss_mib for run in self.runs)

    @property
    def pages_per_second(self) -> float:
        """Pages built per second at the median wall time."""
        return self.pages / self.median_seconds


def run_once(command: list[str], folder: Path) -> Run:
    """Run COMMAND in FOLDER in a new process; its wall time and its peak resident memory."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{errors}")
    return Run(seconds, usage.ru_maxrss / 1024)  # ru_maxrss is in KiB on Linux


def measure(
    label: str, command: list[str], folder: Path, output: Path, pages: int, repeat: int
) -> Measurement:
    """Build REPEAT times, deleting OUTPUT before each build so that every one is a full build."""
    runs = []
    for _ in range(repeat):
        shutil.rmtree(output, ignore_errors=True)
        runs.append(run_once(command, folder))
    return Measurement(label, pages, tuple(runs))


def mkdocs_command(executable: str | None) -> list[str] | None:
    """How to run MkDocs: the given executable, else this Python's mkdocs module, else None."""
    if executable:
        return [executable]
    if importlib.util.find_spec("mkdocs") is not None:
        return [sys.executable, "-m", "mkdocs"]
    return None


def print_table(measurements: list[Measurement], repeat: int) -> None:
    """One row per build command."""
    header = f"{'build':<16}{'pages':>7}{'median s':>11}{'min s':>9}{'max s':>9}"
    header += f"{'pages/s':>10}{'peak RSS MiB':>14}"
    print(header)
    print("-" * len(header))
    for m in measurements:
        seconds = [run.seconds for run in m.runs]
        print(
            f"{m.label:<16}{m.pages:>7}{m.median_seconds:>11.2f}{min(seconds):>9.2f}"
            f"{max(seconds):>9.2f}{m.pages_per_second:>10.0f}{m.peak_rss_mib:>14.0f}"
        )
    print(f"({repeat} runs each, fresh process per run, {os.cpu_count()} CPUs)")


def main(argv: list[str] | None = None) -> None:
    """Generate the site, time the builds, print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lessons", type=int, default=250, help="lessons in the course")
    parser.add_argument("--repeat", type=int, default=5, help="builds of each kind")
    parser.add_argument("--mkdocs", metavar="PATH", help="an mkdocs executable to compare with")
    args = parser.parse_args(argv)
    if args.lessons < 1 or args.repeat < 1:
        parser.error("--lessons and --repeat must be at least 1")

    with tempfile.TemporaryDirectory(prefix="trustdocs-build-bench-") as temporary:
        folder = Path(temporary)
        generate_site(folder, args.lessons, directives=True)
        pages = len(list((folder / "content").rglob("*.md")))
        print(f"{args.lessons} lessons with directives: {pages} pages in {folder}")
        trustdocs = measure(
            "trustdocs build",
            [sys.executable, "-m", "trustdocs", "build"],
            folder,
            folder / "site",
            pages,
            args.repeat,
        )
        measurements = [trustdocs]

        mkdocs = mkdocs_command(args.mkdocs)
        if mkdocs is not None:
            generate_mkdocs_site(folder, args.lessons, directives=True)
            mkdocs_pages = len(list((folder / "docs").rglob("*.md")))
            measurements.append(
                measure(
                    "mkdocs build",
                    [*mkdocs, "build", "--quiet"],
                    folder,
                    folder / "mkdocs-site",
                    mkdocs_pages,
                    args.repeat,
                )
            )

        print()
        print_table(measurements, args.repeat)
        if mkdocs is None:
            print("mkdocs: not measured (not importable here; pass --mkdocs PATH to compare)")
        else:
            ratio = trustdocs.median_seconds / measurements[1].median_seconds
            print(f"trustdocs time / mkdocs time: {ratio:.2f}")


if __name__ == "__main__":
    main()
