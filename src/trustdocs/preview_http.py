"""The preview's HTTP side: the request handler, safe URL-to-file mapping, and binding a port."""

from __future__ import annotations

import errno
import ipaddress
import mimetypes
import queue
import socket
import sys
from contextlib import AbstractContextManager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from trustdocs.config import default_theme_dir
from trustdocs.urls import ASSETS_DIR, INDEX_HTML, PREVIEW_PREFIX, site_url


class Report(Protocol):
    """A rebuild's report, as open pages receive it."""

    def as_json(self, stale: bool = False) -> str:
        """The event's payload; STALE: the page listening is no longer the one served."""
        ...


class ServedPreview(Protocol):
    """What the HTTP side needs of the preview (serve.Preview has it): no import of serve."""

    output_dir: Path
    last: Report

    def page_on_request(self, url_path: str) -> bytes | None:
        """Make the page at URL_PATH if it is rendered only when asked for; None, or the page to
        show instead while the site has errors."""
        ...

    def made_on_request(self, rel: str) -> tuple[bytes, HTTPStatus] | None:
        """A file made only when asked for, with its status (an error page if it failed), or None."""
        ...

    def subscription(self) -> AbstractContextManager[queue.Queue[Any]]:
        """A queue receiving every rebuild report while the caller listens."""
        ...

    def serves(self, mark: str) -> bool:
        """Whether the page marked MARK is still served as it was when it was marked."""
        ...

    def missing_page(self) -> bytes | None:
        """What to show for a page the site does not have while its sources have errors (it may
        be one they keep from being built); None when they have none."""
        ...


def _is_page(url_path: str) -> bool:
    """Whether URL_PATH asks for a page: a folder, a `.html` file, or a name without a suffix
    (not among the theme's assets, nor the preview's own)."""
    path = urlsplit(url_path).path
    if path.startswith((f"/{ASSETS_DIR}/", PREVIEW_PREFIX)):
        return False
    last = path.rpartition("/")[2]
    return not last or last.endswith(".html") or "." not in last


KEEPALIVE_SECONDS = 15.0
PORT_ATTEMPTS = 20
# A keep-alive connection left idle this long is closed, so idle sockets never pile up.
IDLE_SECONDS = 5.0
# Host names a loopback preview answers to: a page on another domain that resolves to 127.0.0.1
# (DNS rebinding) sends its own name, and is refused.
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


class PreviewHandler(BaseHTTPRequestHandler):
    """GET and HEAD of the output folder, plus the live-reload script and event stream."""

    preview: ServedPreview
    server_version = "trustdocs"
    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS
    server: PreviewServer

    def log_message(self, format: str, *args: object) -> None:
        """Keep the terminal for rebuild reports."""

    def do_GET(self) -> None:
        """Serve a file, the event stream or the reload script."""
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        """Like GET, without the body."""
        self._respond(send_body=False)

    def _refuse(self) -> None:
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse

    def _respond(self, send_body: bool) -> None:
        if not self._host_allowed():
            body = b"Unknown host name: open the preview at the address trustdocs serve printed.\n"
            self.close_connection = True
            self._send_bytes(body, "text/plain; charset=utf-8", HTTPStatus.BAD_REQUEST, send_body)
            return
        path = urlsplit(self.path).path
        if path == PREVIEW_PREFIX + "events" and send_body:
            self._stream_events()
            return
        if path == PREVIEW_PREFIX + "livereload.js":
            script = default_theme_dir() / "preview" / "livereload.js"
            self._send_file(script, HTTPStatus.OK, send_body)
            return
        made = self.preview.made_on_request(unquote(path).lstrip("/"))
        if made is not None:
            body, made_status = made
            kind = mimetypes.guess_type(path)[0] if made_status == HTTPStatus.OK else "text/html"
            self._send_bytes(
                body, f"{kind or 'application/octet-stream'}; charset=utf-8", made_status, send_body
            )
            return
        waiting = self.preview.page_on_request(unquote(path))
        if waiting is not None:  # the page cannot be built while the site has errors
            kind = "text/html; charset=utf-8"
            self._send_bytes(waiting, kind, HTTPStatus.SERVICE_UNAVAILABLE, send_body)
            return
        if path == PREVIEW_PREFIX + "status":
            body = self.preview.last.as_json().encode()
            self._send_bytes(body, "application/json", HTTPStatus.OK, send_body)
            return
        target, status, location = resolve_request_path(self.preview.output_dir, path)
        if location:
            query = urlsplit(self.path).query
            self.send_response(status)
            self.send_header("Location", f"{location}?{query}" if query else location)
            self.send_header("Content-Length", "0")
            # The preview's files change: a browser must not keep the redirect for later.
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            return
        if target is None:
            # A page missing while the sources have errors (all of them, if the preview started
            # with errors): the errors, and a tab that reloads once they are fixed.
            waiting = self.preview.missing_page() if _is_page(path) else None
            if status == HTTPStatus.NOT_FOUND and waiting is not None:
                kind = "text/html; charset=utf-8"
                self._send_bytes(waiting, kind, HTTPStatus.SERVICE_UNAVAILABLE, send_body)
                return
            not_found = self.preview.output_dir / "404.html"
            if status == HTTPStatus.NOT_FOUND and not_found.is_file():
                self._send_file(not_found, status, send_body)
            else:
                self._send_bytes(status.phrase.encode(), "text/plain", status, send_body)
            return
        self._send_file(target, HTTPStatus.OK, send_body)

    def _host_allowed(self) -> bool:
        allowed = self.server.host_names
        host = self.headers.get("Host")
        if (
            allowed is None or host is None
        ):  # no Host header: not a browser, so not a rebinding page
            return True
        try:
            name = urlsplit("//" + host.strip()).hostname
        except ValueError:
            return False
        return name is not None and name.rstrip(".") in allowed

    def _send_file(self, path: Path, status: HTTPStatus, send_body: bool) -> None:
        try:
            body = path.read_bytes()
        except OSError:
            self._send_bytes(b"Not Found", "text/plain", HTTPStatus.NOT_FOUND, send_body)
            return
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "application/json"):
            kind += "; charset=utf-8"
        self._send_bytes(body, kind, status, send_body)

    def _send_bytes(self, body: bytes, kind: str, status: HTTPStatus, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _stream_events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "keep-alive")
        self.end_headers()
        self.close_connection = True
        mark = parse_qs(urlsplit(self.path).query).get("served", [""])[0]
        with self.preview.subscription() as inbox:
            try:
                # Asked once listening: a page saved again after this is told by a rebuild event.
                hello = self.preview.last.as_json(
                    stale=bool(mark) and not self.preview.serves(mark)
                )
                self.wfile.write(f"retry: 500\nevent: hello\ndata: {hello}\n\n".encode())
                self.wfile.flush()
                while not getattr(self.server, "stopping", False):
                    try:
                        report = inbox.get(timeout=KEEPALIVE_SECONDS)
                        self.wfile.write(f"event: rebuild\ndata: {report.as_json()}\n\n".encode())
                    except queue.Empty:
                        self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, ValueError):
                return


class Resolved(NamedTuple):
    """Where a request path leads: the file to serve, or a status, with the address to go to when
    the file is served at another one (a redirect)."""

    file: Path | None
    status: HTTPStatus
    location: str = ""


def resolve_request_path(root: Path, url_path: str) -> Resolved:
    """Map a URL path to a file inside ROOT; never anything outside it, whatever the encoding.
    As a static host does: a folder with an index.html is served at its address with a slash,
    any other file (NAME, or NAME.html for NAME) at its address without one; another form of the
    address (slash added or missing, `//`, `/./`) is redirected to it, so that the page's relative
    links work."""
    decoded = unquote(url_path)
    if not decoded.startswith("/") or "\x00" in decoded or "\\" in decoded:
        return Resolved(None, HTTPStatus.BAD_REQUEST)
    parts = [part for part in decoded.split("/") if part not in ("", ".")]
    if ".." in parts:
        return Resolved(None, HTTPStatus.FORBIDDEN)
    rel = "/".join(parts)
    base = root.resolve()
    named = base.joinpath(*parts)
    try:  # a name the file system refuses (over 255 bytes, say) is simply not there
        if (named / INDEX_HTML).is_file():  # the site's root too
            candidate, address = named / INDEX_HTML, site_url("/", f"{rel}/" if rel else "")
        elif parts and named.is_file():
            candidate, address = named, site_url("/", rel)
        elif parts and named.with_name(named.name + ".html").is_file():
            candidate, address = named.with_name(named.name + ".html"), site_url("/", rel)
        else:
            return Resolved(None, HTTPStatus.NOT_FOUND)
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return Resolved(None, HTTPStatus.NOT_FOUND)
    if not resolved.is_relative_to(base):
        return Resolved(None, HTTPStatus.FORBIDDEN)
    if not resolved.is_file():
        return Resolved(None, HTTPStatus.NOT_FOUND)
    if unquote(address) != decoded:
        return Resolved(None, HTTPStatus.MOVED_PERMANENTLY, address)
    return Resolved(resolved, HTTPStatus.OK)


class PreviewServer(ThreadingHTTPServer):
    """A threaded HTTP server whose handler threads end with it."""

    daemon_threads = True
    # On Linux, this only lets the port be taken again while connections a preview just closed
    # wait out their time (a browser's, after Ctrl-C): a port another program listens on stays
    # refused. Elsewhere (BSD, Windows) it would let two servers share a port: not set there.
    allow_reuse_address = sys.platform.startswith("linux")
    # A page load opens many connections at once; with the default backlog of 5 the kernel drops
    # the rest and the browser retries a second later.
    request_queue_size = 128
    stopping = False
    host_names: frozenset[str] | None = LOOPBACK_NAMES  # None: any name (listening on a network)

    @property
    def is_public(self) -> bool:
        """Whether other machines can reach it (bound to a network address or to all of them)."""
        return not ipaddress.ip_address(self.server_address[0]).is_loopback

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up is normal; anything else is reported in one line, not a traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        print(f"trustdocs: internal error while answering a request: {error!r}", file=sys.stderr)


class PreviewServerIPv6(PreviewServer):
    """The preview on an IPv6 address (`--host ::1`)."""

    address_family = socket.AF_INET6


class ListenError(Exception):
    """The preview cannot listen on the address asked for; the message says why."""


def check_port(port: int) -> None:
    """Refuse a port number outside 0-65535 (0: any free port)."""
    if not 0 <= port <= 65535:
        raise ListenError(f"--port {port}: a port is a number from 0 to 65535")


def bind_server(host: str, port: int, handler: type[BaseHTTPRequestHandler]) -> PreviewServer:
    """Bind to PORT, or the next free one; port 0 picks any free port."""
    host = host.removeprefix("[").removesuffix("]")
    shown = f"[{host}]" if ":" in host else host
    check_port(port)
    server_class = PreviewServerIPv6 if ":" in host else PreviewServer
    last_error: OSError | None = None
    for candidate in range(port, min(port + PORT_ATTEMPTS, 65536)) if port else [0]:
        try:
            server = server_class((host, candidate), handler)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise ListenError(f"cannot listen on {shown}:{candidate}: {_reason(exc)}") from exc
            last_error = exc
            continue
        if server.is_public:
            server.host_names = None
        else:
            server.host_names = LOOPBACK_NAMES | {host.lower().rstrip(".")}
        return server
    last = min(port + PORT_ATTEMPTS, 65536) - 1
    raise ListenError(
        f"cannot listen on {shown}: ports {port} to {last} are all in use"
    ) from last_error


def _reason(error: OSError) -> str:
    return error.strerror or str(error)
