"""Time from saving one lesson to the rebuilt page being served, under `trustdocs serve`.

    python benchmarks/serve_benchmark.py --lessons 1000 10000 [--edits 15] [--mkdocs PATH]

For each size it writes a synthetic course (benchmarks/synthetic.py), starts the preview server,
and edits one lesson again and again: a body edit (new paragraph) and a title edit (new title,
which every page showing that lesson must pick up). Each figure is the median over the edits, from
the moment the file is saved to the moment an HTTP GET returns the new text. With --mkdocs (the
path of an `mkdocs` executable), `mkdocs serve` runs on the same course in the same run.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synthetic import generate_mkdocs_site, generate_site

POLL_SECONDS = 0.002
TIMEOUT_SECONDS = 600.0


def fetch(url: str) -> str:
    """The body of URL, or '' while it is not there."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read().decode("utf-8", "replace")
    except OSError:
        return ""


def wait_until(url: str, text: str, timeout: float = TIMEOUT_SECONDS) -> float:
    """Poll URL until it contains TEXT; return the seconds it took."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if text in fetch(url):
            return time.perf_counter() - started
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"{url} never showed {text!r}")


def save(path: Path, text: str) -> None:
    """Save like an editor: write a temporary file, then rename it over the original."""
    temporary = path.with_name(path.name + ".saving")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def start(command: list[str], cwd: Path, ready_url_pattern: str) -> tuple[subprocess.Popen, str]:
    """Start a server and wait for the line that gives its URL."""
    process = subprocess.Popen(
        command, cwd=cwd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    assert process.stderr is not None
    for line in process.stderr:
        match = re.search(ready_url_pattern, line)
        if match:
            return process, match.group(1)
    raise RuntimeError(f"{command[0]} exited before serving")


def stop(process: subprocess.Popen) -> None:
    """Stop a server started by start()."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def measure_edits(
    source: Path, page_url: str, sibling_url: str | None, edits: int
) -> dict[str, list[float]]:
    """Body and title edits of SOURCE; with SIBLING_URL, the title must reach its sidebar too."""
    original = source.read_text(encoding="utf-8")
    times: dict[str, list[float]] = {"body": [], "title": []}
    if sibling_url:
        times["title (sidebar of a sibling)"] = []
    try:
        for n in range(edits):
            marker = f"Benchmark paragraph {n} {time.time_ns()}"
            save(source, original + f"\n\n{marker}\n")
            times["body"].append(wait_until(page_url, marker))
            title = f"Retitled lesson {n} {time.time_ns() % 100000}"
            save(source, _retitle(original, title))
            started = time.perf_counter()
            times["title"].append(wait_until(page_url, title))
            if sibling_url:
                wait_until(sibling_url, title)
                times["title (sidebar of a sibling)"].append(time.perf_counter() - started)
            save(source, original)
            time.sleep(0.2)
    finally:
        save(source, original)
    return times


def _retitle(text: str, title: str) -> str:
    if text.startswith("@page "):
        first, _, rest = text.partition("\n")
        return f"{first.split()[0]} {first.split()[1]} {title}\n{rest}"
    return re.sub(r"^# .*$", f"# {title}", text, count=1, flags=re.MULTILINE)


def trustdocs_run(folder: Path, edits: int) -> tuple[float, dict[str, list[float]]]:
    """Start `trustdocs serve` on FOLDER and time edits of one lesson in the middle of it."""
    lessons = sorted((folder / "content").glob("*/*/*.md"))
    source = lessons[len(lessons) // 2]
    name = re.match(r"@page (\S+)", source.read_text()).group(1)
    sibling = next(p for p in lessons if p.parent.parent == source.parent.parent and p != source)
    sibling_name = re.match(r"@page (\S+)", sibling.read_text()).group(1)
    started = time.perf_counter()
    process, url = start(
        [sys.executable, "-m", "trustdocs", "serve", "--port", "0"], folder, r"at (http://\S+/)"
    )
    startup = time.perf_counter() - started
    try:
        return startup, measure_edits(
            source, f"{url}{name}.html", f"{url}{sibling_name}.html", edits
        )
    finally:
        stop(process)


def mkdocs_run(folder: Path, mkdocs: str, edits: int) -> tuple[float, dict[str, list[float]]]:
    """Start `mkdocs serve` on the MkDocs twin and time the same edits."""
    lessons = sorted((folder / "docs").glob("*/*.md"))
    lessons = [p for p in lessons if p.name != "index.md"]
    source = lessons[len(lessons) // 2]

    def url_of(path: Path) -> str:
        return f"{base}{path.parent.name}/{path.stem}/"

    started = time.perf_counter()
    base = "http://127.0.0.1:8765/"
    process, _ = start([mkdocs, "serve", "-a", "127.0.0.1:8765"], folder, r"(Serving on \S+)")
    wait_until(base, "<html")
    startup = time.perf_counter() - started
    try:
        # MkDocs takes sidebar titles from mkdocs.yml, so only the page itself shows a new title.
        return startup, measure_edits(source, url_of(source), None, edits)
    finally:
        stop(process)


def report(label: str, startup: float, times: dict[str, list[float]]) -> None:
    """Print one line per kind of edit."""
    print(f"  {label}: first build and serve {startup:.2f} s")
    for kind, values in times.items():
        print(
            f"    {kind:<30} median {statistics.median(values) * 1000:8.1f} ms"
            f"   min {min(values) * 1000:8.1f}   max {max(values) * 1000:8.1f}   (n={len(values)})"
        )


def main() -> None:
    """Run the benchmark for each requested size."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lessons", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--edits", type=int, default=15)
    parser.add_argument(
        "--mkdocs", metavar="PATH", help="an mkdocs executable to measure on the same course"
    )
    args = parser.parse_args()
    for lessons in args.lessons:
        with tempfile.TemporaryDirectory(prefix="trustdocs-bench-") as temporary:
            folder = Path(temporary)
            generate_site(folder, lessons)
            print(f"{lessons} lessons")
            startup, times = trustdocs_run(folder, args.edits)
            report("trustdocs serve", startup, times)
            if args.mkdocs:
                generate_mkdocs_site(folder, lessons)
                startup, mk_times = mkdocs_run(folder, args.mkdocs, max(3, args.edits // 5))
                report("mkdocs serve", startup, mk_times)
                ratio = statistics.median(mk_times["body"]) / statistics.median(times["body"])
                print(f"  body edit: trustdocs is {ratio:.0f}x faster than mkdocs serve")


if __name__ == "__main__":
    main()
