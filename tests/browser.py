"""Launching Debian's Chromium through Playwright, offline, for the browser tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("TRUSTDOCS_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).parent / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium browser, or a skipped test where Chromium is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: object, name: str, full_page: bool = True) -> Path:
    """Save a screenshot (of the whole page, or of the window) under tests/screenshots/ to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@contextmanager
def served(folder: Path, max_age: int | None = None, pretty: bool = False) -> Iterator[str]:
    """FOLDER over HTTP on the loopback address, as a web host would serve a built site; with
    MAX_AGE, letting browsers keep each file that many seconds (GitHub Pages: 600). PRETTY: as
    Cloudflare Pages does by default, `/x.html` redirects to `/x` and `/d/index.html` to `/d/`
    (308), and `/x` is answered with x.html."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def end_headers(self) -> None:
            if max_age is not None:
                self.send_header("Cache-Control", f"max-age={max_age}")
            super().end_headers()

        def send_head(self):  # type: ignore[no-untyped-def]
            path, _, query = self.path.partition("?")
            local = Path(self.directory) / path.lstrip("/")
            if pretty and path.endswith(".html") and local.is_file():
                shorter = path.removesuffix("index.html" if local.name == "index.html" else ".html")
                self.send_response(308)
                self.send_header("Location", shorter + (f"?{query}" if query else ""))
                self.end_headers()
                return None
            if (
                pretty
                and not path.endswith("/")
                and local.with_name(local.name + ".html").is_file()
            ):
                self.path = path + ".html"
            return super().send_head()

    handler = functools.partial(QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def failed_requests(page: object) -> list[str]:
    """A list that fills with every request of PAGE that fails or gets an error status."""
    failures: list[str] = []

    def on_response(response: object) -> None:
        if response.status >= 400:
            failures.append(f"{response.url} {response.status}")

    def on_failure(request: object) -> None:
        # A load the browser drops because the page moved on (its icon, say) is not a failure.
        if request.failure != "net::ERR_ABORTED":
            failures.append(f"{request.url} {request.failure}")

    page.on("requestfailed", on_failure)
    page.on("response", on_response)
    return failures
