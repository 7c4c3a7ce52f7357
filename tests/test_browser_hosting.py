"""The built site on a static host, in Chromium: a server that, like GitHub Pages or Netlify, answers
every missing path, at any depth, with the site's 404.html."""

import mimetypes
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from browser import chromium, screenshot
from conftest import CONSULTING, make_site

pytestmark = pytest.mark.browser

# What the 404 page must share with a real page once its stylesheet has loaded.
STYLE_PROBE = """() => {
  const style = (selector) => {
    const s = getComputedStyle(document.querySelector(selector));
    return [s.fontFamily, s.backgroundColor, s.color, s.display, s.position, s.height].join(" | ");
  };
  return {body: style("body"), topbar: style(".topbar"), title: style("h1")};
}"""


class StaticHost:
    """Serves a folder under a path prefix (`/` or `/course/`); a missing file gets 404.html."""

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.prefix = "/"
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host.answer(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, folder: Path, prefix: str) -> str:
        """Serve FOLDER at PREFIX from now on; return the site's address."""
        self.folder, self.prefix = folder, prefix
        return self.origin + prefix

    def answer(self, request: BaseHTTPRequestHandler) -> None:
        assert self.folder is not None
        path = unquote(urlsplit(request.path).path)
        target = None
        if path.startswith(self.prefix):
            candidate = self.folder / path.removeprefix(self.prefix)
            if candidate.is_dir():
                candidate = candidate / "index.html"
            if candidate.is_file() and candidate.resolve().is_relative_to(self.folder.resolve()):
                target = candidate
        status = HTTPStatus.OK if target else HTTPStatus.NOT_FOUND
        target = target or self.folder / "404.html"
        body = target.read_bytes()
        request.send_response(status)
        request.send_header("Content-Type", mimetypes.guess_type(target.name)[0] or "text/plain")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def host():
    server = StaticHost()
    yield server
    server.close()


def open_missing_page(browser, address: str, name: str):
    """Open a page that does not exist, two folders deep; return the page and its styles next to
    the styles of the course home."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    response = page.goto(address + "learn-technology-consulting/old/renamed-lesson.html")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    screenshot(page, name)
    missing_styles = page.evaluate(STYLE_PROBE)
    home = browser.new_page(viewport={"width": 1280, "height": 800})
    home.goto(address)
    home_styles = home.evaluate(STYLE_PROBE)
    home.close()
    return page, missing_styles, home_styles


def follow_links(page, address: str) -> None:
    """The 404 page's own link, then a sidebar link, land on the real pages of the site."""
    page.get_by_role("link", name="Go to the course home: Learn Technology Consulting").click()
    page.wait_for_url(address + "index.html")
    assert page.locator("h1").inner_text() == "Learn Technology Consulting"
    page.go_back()
    page.wait_for_url("**/old/renamed-lesson.html")
    page.get_by_role("navigation", name="Course").get_by_role("link", name="Kickoff").click()
    page.wait_for_url(address + "learn-technology-consulting/kickoff.html")
    assert page.locator("h1").inner_text() == "Kickoff"


def test_404_at_depth_two_with_base_url_under_a_path(tmp_path, trustdocs, host):
    site = make_site(tmp_path, CONSULTING)
    address = host.publish(site / "site", "/course/")
    run = trustdocs(site, "build", "--base-url", address.rstrip("/"))
    assert run.code == 0 and ": warning: " not in run.err, run.err
    with chromium() as browser:
        page, styles, home_styles = open_missing_page(browser, address, "404-with-base-url")
        assert styles == home_styles
        follow_links(page, address)


def test_404_at_depth_two_without_base_url_at_the_domain_root(tmp_path, trustdocs, host):
    site = make_site(tmp_path, CONSULTING)
    run = trustdocs(site, "build")
    assert run.code == 0
    assert "site.yaml:1:1: warning: base_url is not set: the 404 page works only for a site " in (
        run.err
    )
    address = host.publish(site / "site", "/")
    with chromium() as browser:
        page, styles, home_styles = open_missing_page(browser, address, "404-at-domain-root")
        assert styles == home_styles
        follow_links(page, address)

        # What the warning is about: the same build published under a path is not styled.
        address = host.publish(site / "site", "/course/")
        _, styles, home_styles = open_missing_page(browser, address, "404-under-a-path-unset")
        assert styles["body"] != home_styles["body"]


def test_old_addresses_land_on_the_renamed_pages(tmp_path, trustdocs, host):
    from test_redirects import CONFIG, RENAMED

    site = make_site(tmp_path, RENAMED, CONFIG)
    address = host.publish(site / "site", "/course/")
    (site / "site.yaml").write_text(CONFIG.replace("https://user.github.io/course", address))
    assert trustdocs(site, "build").code == 0
    new_address = address + "learn-technology-consulting/kickoff.html"
    with chromium() as browser:
        page = browser.new_page()
        # A deep link into the old page keeps its section.
        page.goto(address + "first-meeting.html#agenda")
        page.wait_for_url(new_address + "#agenda")
        assert page.locator("h1").inner_text() == "Kickoff"
        page.goto(address + "rapport/")
        page.wait_for_url(address + "learn-technology-consulting/building-rapport.html")
        assert page.locator("h1").inner_text() == "Building Trust and Rapport"

        without_scripts = browser.new_context(java_script_enabled=False).new_page()
        without_scripts.goto(address + "learn-technology-consulting/old/kickoff.html")
        without_scripts.wait_for_url(new_address)
        assert without_scripts.locator("h1").inner_text() == "Kickoff"
