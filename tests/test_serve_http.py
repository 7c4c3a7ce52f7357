"""The preview's HTTP side: which host names it answers, addresses and ports, odd URLs, stopping."""

import http.client
import signal
import socket
import sys
import threading
import time

import pytest
from conftest import CONSULTING, make_site
from serve_process import ServeProcess

from trustdocs.config import load_config
from trustdocs.serve import start_preview


@pytest.fixture
def preview(tmp_path):
    site = make_site(tmp_path / "course", CONSULTING)
    running = start_preview(load_config(site / "site.yaml"), port=0, parallel_minimum=10**9)
    yield running
    running.stop()


def get(address, path, host_header=None, timeout=5.0):
    """GET PATH; HOST_HEADER replaces the Host header http.client would send."""
    host, port = address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    connection.putrequest("GET", path, skip_host=host_header is not None)
    if host_header is not None:
        connection.putheader("Host", host_header)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    kind = response.getheader("Content-Type", "")
    connection.close()
    return response.status, kind, body


@pytest.mark.parametrize(
    "host_header",
    ["localhost", "localhost:{port}", "127.0.0.1", "127.0.0.1:{port}", "[::1]", "[::1]:{port}"],
)
def test_the_preview_answers_to_its_loopback_names(preview, host_header):
    port = preview.server.server_address[1]
    status, _, body = get(
        preview.server.server_address, "/index.html", host_header.format(port=port)
    )
    assert status == 200 and b"<html" in body


@pytest.mark.parametrize(
    "host_header",
    ["attacker.example", "attacker.example:{port}", "127.0.0.1.nip.io:{port}", "localhost.evil"],
)
@pytest.mark.parametrize("path", ["/index.html", "/_trustdocs/status", "/search-index.json"])
def test_a_page_under_another_domain_cannot_read_the_preview(preview, host_header, path):
    # DNS rebinding: a hostile site's name resolving to 127.0.0.1 must not let its scripts read pages.
    port = preview.server.server_address[1]
    status, kind, body = get(preview.server.server_address, path, host_header.format(port=port))
    assert status == 400
    assert kind.startswith("text/plain") and 0 < len(body) < 200
    assert b"Test Course" not in body and b"version" not in body


def test_on_a_network_address_any_host_is_answered_and_the_author_is_warned(tmp_path):
    site = make_site(tmp_path / "course", CONSULTING)
    server = ServeProcess(site, tmp_path / "tmp", "--host", "0.0.0.0", "--port", "0")
    try:
        assert server.url.startswith("http://127.0.0.1:")
        for _ in range(3):
            status, _, _ = get(server.address, "/index.html", "my-laptop.local:8000")
            assert status == 200
    finally:
        code, printed = server.stop()
    assert code == 0
    assert printed.count("anyone on your network can read the preview") == 1


def ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not ipv6_loopback_available(), reason="no IPv6 loopback here")
def test_ipv6_loopback_host_is_served_with_a_bracketed_url(tmp_path):
    site = make_site(tmp_path / "course", CONSULTING)
    server = ServeProcess(site, tmp_path / "tmp", "--host", "::1", "--port", "0")
    try:
        assert server.url.startswith("http://[::1]:"), server.lines
        status, _, body = get(server.address, "/learn-technology-consulting/kickoff.html")
        assert status == 200 and b"Hello." in body
        assert get(server.address, "/index.html", "attacker.example")[0] == 400
    finally:
        code, printed = server.stop()
    assert code == 0 and "Traceback" not in printed


@pytest.mark.parametrize("port", ["70000", "-1", "65536"])
def test_a_port_out_of_range_is_a_usage_error(tmp_path, port):
    site = make_site(tmp_path / "course", CONSULTING)
    server = ServeProcess(site, tmp_path / "tmp", "--port", port)
    code, printed = server.stop()
    assert code == 2
    assert printed.splitlines() == [
        f"trustdocs: error: --port {port}: a port is a number from 0 to 65535"
    ]
    assert server.preview_folders() == []


def test_an_address_that_cannot_be_listened_on_leaves_no_preview_folder(tmp_path):
    site = make_site(tmp_path / "course", CONSULTING)
    # 192.0.2.1 is reserved for documentation: no machine has it, so binding to it fails.
    server = ServeProcess(site, tmp_path / "tmp", "--host", "192.0.2.1", "--port", "8123")
    code, printed = server.stop()
    assert code == 2 and "Traceback" not in printed
    assert "trustdocs: error: cannot listen on 192.0.2.1:8123:" in printed.splitlines()[-1]
    assert server.preview_folders() == []


@pytest.mark.parametrize(
    "path",
    [
        "/" + "a" * 300,
        "/" + "a" * 256 + ".html",
        "/learn-technology-consulting/" + "%C3%A9" * 200 + "/x",
    ],
)
def test_a_path_component_too_long_for_the_file_system_is_not_found(preview, path):
    status, _, body = get(preview.server.server_address, path)
    assert status == 404 and body
    assert get(preview.server.server_address, "/index.html")[0] == 200


def test_an_idle_connection_is_closed_after_a_while(preview):
    # Takes IDLE_SECONDS: a connection that never finishes its request must not hold a thread forever.
    started = time.monotonic()
    with socket.create_connection(preview.server.server_address[:2], timeout=30) as idle:
        idle.sendall(b"GET /index.html HTTP/1.1\r\nHost: localhost\r\n")  # never finished
        assert idle.recv(1024) == b""  # the server hung up
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_stops_cleanly_and_removes_the_preview_folder(tmp_path, signum):
    site = make_site(tmp_path / "course", CONSULTING)
    server = ServeProcess(site, tmp_path / "tmp", "--port", "0")
    assert server.url.startswith("http://127.0.0.1:")
    assert len(server.preview_folders()) == 1
    assert get(server.address, "/index.html")[0] == 200
    code, printed = server.stop(signum)
    assert code == 0
    assert printed.splitlines()[-1] == "stopped" and "Traceback" not in printed
    assert server.preview_folders() == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the rule is Linux's")
def test_a_preview_started_again_takes_its_port_again_after_a_browser_used_it():
    """After Ctrl-C, the connections a browser had with the preview wait out their time; a
    preview started again must take the same port, where the open tab reconnects, not the next
    one. A port another program listens on is still left for the next one."""
    from http.server import BaseHTTPRequestHandler

    from trustdocs.preview_http import bind_server

    class Answer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    first = bind_server("127.0.0.1", 0, Answer)
    port = first.server_address[1]
    threading.Thread(target=first.serve_forever, daemon=True).start()
    for _ in range(3):  # the server ends each connection: it is the side that waits
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/")
        assert connection.getresponse().read() == b"ok"
        connection.close()
    first.shutdown()
    first.server_close()
    again = bind_server("127.0.0.1", port, Answer)
    try:
        assert again.server_address[1] == port
        taken = bind_server("127.0.0.1", port, Answer)  # `again` listens there now
        assert taken.server_address[1] != port
        taken.server_close()
    finally:
        again.server_close()
