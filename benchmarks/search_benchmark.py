"""Search on a large course: index size, bytes one query downloads, and time to first results.

    python benchmarks/search_benchmark.py [--lessons 10000] [--repeat 5] [--keep DIR]

It writes the synthetic course (benchmarks/synthetic.py) into a temporary folder (or DIR), builds it
in this process, and reports, as Markdown:

- the build, and how long assembling the index from the pages' records takes (what a build that
  reuses every page's record still pays);
- the index on disk: files and bytes of the manifest, the term shards and the page texts;
- for typical one- and two-word queries (and "the", a word on every page, as the worst case):
  the files search.js loads in Chromium (manifest + term shards, then the texts of the pages it
  shows) and their bytes, raw and gzipped (as a web host would send them);
- time to first results: from the query entering the search box of a freshly opened lesson to its
  first result in the page, over HTTP (a local server) and from file://; median of REPEAT runs,
  each in a new browser context (nothing cached).

Chromium is Debian's (/usr/bin/chromium, or $TRUSTDOCS_CHROMIUM) driven by Playwright, as in the
browser tests.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).parent))
from measurement import machine_description, seconds
from synthetic import generate_site

from trustdocs.config import load_config
from trustdocs.output_folder import write_output
from trustdocs.search import MANIFEST_FILE, SEARCH_DIR, search_index_files
from trustdocs.site import Site
from trustdocs.workers import worker_count

QUERIES = [
    "closure",
    "dataclass",
    "debugging",
    "promise",
    "error handling",
    "list comprehension",
    "event loop",
    "virtual environment",
    "the",
]
CHROMIUM = Path(os.environ.get("TRUSTDOCS_CHROMIUM", "/usr/bin/chromium"))
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]

# Resolves with the milliseconds from the query entering the box to its first result on screen.
TIME_TO_RESULTS = """async (query) => {
  const input = document.getElementById("search-input");
  const list = document.getElementById("search-results");
  const started = performance.now();
  const shown = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (list.querySelector("[role=option]")) {
        observer.disconnect();
        requestAnimationFrame(() => resolve(performance.now() - started));
      }
    });
    observer.observe(list, { childList: true });
  });
  input.focus();
  input.value = query;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  return await shown;
}"""


@dataclass
class QueryResult:
    """What one query loaded and how long it took."""

    query: str
    index_files: list[str]  # manifest and term shards
    page_files: list[str]  # page texts for the results shown
    http_ms: list[float]
    file_ms: list[float]


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """FOLDER over HTTP on the loopback address."""

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def size(paths: list[Path]) -> tuple[int, int]:
    """Bytes of PATHS, raw and each gzipped."""
    raw = sum(path.stat().st_size for path in paths)
    zipped = sum(len(gzip.compress(path.read_bytes(), 6)) for path in paths)
    return raw, zipped


def kib(value: int) -> str:
    """Bytes for a table: `12.3 KiB`, `4.56 MiB`."""
    if value >= 1024 * 1024:
        return f"{value / 1024 / 1024:.2f} MiB"
    return f"{value / 1024:.1f} KiB"


def build(site: Path, out: Path) -> tuple[float, float, int]:
    """Build SITE into OUT here; (build seconds, index assembly seconds, visible pages)."""
    config = load_config(site / "site.yaml")
    started = time.perf_counter()
    built = Site(config)
    built.build(workers=worker_count())
    write_output(out, built.output_files())
    build_seconds = time.perf_counter() - started
    records = [o.search_record for _, o in sorted(built.made.pages.items()) if o.search_record]
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        search_index_files(records)
        timings.append(time.perf_counter() - started)
    return build_seconds, statistics.median(timings), len(records)


def measure_queries(out: Path, lesson: str, repeat: int) -> list[QueryResult]:
    """Run each query in fresh Chromium contexts, over HTTP and from file://."""
    from playwright.sync_api import sync_playwright

    results = []
    with served(out) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=BROWSER_ARGS, headless=True
        )
        for query in QUERIES:
            found = QueryResult(query, [], [], [], [])
            for attempt in range(repeat):
                for base in (url, out.as_uri() + "/"):
                    context = browser.new_context()
                    page = context.new_page()
                    page.goto(base + lesson)
                    page.wait_for_load_state("load")
                    loaded: list[str] = []
                    page.on("request", lambda request, loaded=loaded: loaded.append(request.url))
                    elapsed = page.evaluate(TIME_TO_RESULTS, query)
                    page.wait_for_load_state("networkidle")
                    if base == url:
                        found.http_ms.append(elapsed)
                        if attempt == 0:
                            search = [
                                unquote(urlsplit(u).path).lstrip("/")
                                for u in loaded
                                if f"/{SEARCH_DIR}/" in u
                            ]
                            found.index_files = [p for p in search if "/pages/" not in p]
                            found.page_files = [p for p in search if "/pages/" in p]
                    else:
                        found.file_ms.append(elapsed)
                    context.close()
            results.append(found)
        browser.close()
    return results


def report(
    lessons: int, out: Path, built: tuple[float, float, int], queries: list[QueryResult]
) -> str:
    """The Markdown report."""
    build_seconds, assembly_seconds, visible = built
    folder = out / SEARCH_DIR
    shards = sorted((folder / "terms").glob("*.js"))
    texts = sorted((folder / "pages").glob("*.js"))
    manifest = [out / MANIFEST_FILE]
    lines = [
        f"# Search on a {lessons:,}-lesson synthetic course",
        "",
        machine_description(),
        "",
        f"Build (in process, {worker_count()} workers): {seconds(build_seconds)}; assembling the"
        f" index from the {visible:,} pages' records: {seconds(assembly_seconds)}.",
        "",
        "| index part | files | bytes | gzipped |",
        "| --- | --- | --- | --- |",
    ]
    total_raw = total_zipped = 0
    for label, paths in (("manifest", manifest), ("term shards", shards), ("page texts", texts)):
        raw, zipped = size(paths)
        total_raw += raw
        total_zipped += zipped
        lines.append(f"| {label} | {len(paths):,} | {kib(raw)} | {kib(zipped)} |")
    lines.append(
        f"| all | {len(manifest) + len(shards) + len(texts):,} | {kib(total_raw)}"
        f" | {kib(total_zipped)} |"
    )
    lines += [
        "",
        "| query | manifest + shards | page texts | total (gzipped) | first results, http | from file:// |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for found in queries:
        index_raw, index_zipped = size([out / p for p in found.index_files])
        pages_raw, pages_zipped = size([out / p for p in found.page_files])
        lines.append(
            f"| {found.query} | {len(found.index_files)} files, {kib(index_raw)}"
            f" | {len(found.page_files)} files, {kib(pages_raw)}"
            f" | {kib(index_raw + pages_raw)} ({kib(index_zipped + pages_zipped)})"
            f" | {statistics.median(found.http_ms):.0f} ms"
            f" | {statistics.median(found.file_ms):.0f} ms |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Command line: write, build and measure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--lessons", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs per query and mode")
    parser.add_argument("--keep", type=Path, help="write the course and site here, and keep them")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        parser.error(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory(prefix="search-benchmark-") as temporary:
        folder = args.keep or Path(temporary)
        site, out = folder / "course", folder / "site"
        if not (site / "site.yaml").exists():
            generate_site(site, args.lessons)
        built = build(site, out)
        lesson = sorted(p.relative_to(out).as_posix() for p in out.glob("*/*.html"))[0]
        print(report(args.lessons, out, built, measure_queries(out, lesson, args.repeat)))


if __name__ == "__main__":
    main()
