"""Load on the preview server: many concurrent clients, idle connections, clients that hang up.

    python benchmarks/serve_load.py [--clients 50] [--requests 200] [--burst 100] [--idle 500]
                                    [--hangups 200]

Starts `trustdocs serve` on a small course (plus a 4 MB download) in a process of its own, then:
1. CLIENTS threads each make REQUESTS GETs (half on one keep-alive connection, half on a new
   connection each time) over pages, assets, the status endpoint and a missing page;
2. BURST clients connect at the same instant, as a page load does (the slowest answer shows
   whether the listen backlog overflowed: then the kernel makes clients retry a second later);
3. opens IDLE connections that send nothing or half a request, and times normal requests meanwhile;
4. HANGUPS clients hang up mid-request or mid-response (with a TCP reset).
Prints requests per second and the number of errors for each, and whether the server printed a
traceback. Exit code 1 when anything failed.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

LESSON = "/learn-technology-consulting/kickoff.html"
DOWNLOAD = "/consulting/handout.bin"
# Path -> expected status: pages, an asset, the preview's status and a missing page.
PATHS = {"/index.html": 200, LESSON: 200, "/_trustdocs/status": 200, "/no-such-page.html": 404}
COURSE = {
    "site.yaml": "title: Load Course\n",
    "content/index.md": "@page index Home\n@body\nWelcome.\n",
    "content/consulting/overview.md": (
        "@page learn-technology-consulting Technology Consulting\n@parent index 1\n@body\n"
        "An overview.\n"
    ),
    "content/consulting/kickoff.md": (
        "@page learn-technology-consulting/kickoff Kickoff\n@parent learn-technology-consulting 1\n"
        "@body\nHello.\n"
    ),
}


def write_course(root: Path) -> None:
    """A three-page course with a 4 MB file next to its lessons."""
    for rel, text in COURSE.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "content/consulting/handout.bin").write_bytes(os.urandom(4 << 20))


def start_server(site: Path, tmp: Path) -> tuple[subprocess.Popen, tuple[str, int], list[str]]:
    """Run `trustdocs serve --port 0` in SITE; return it, its address and a list of its output."""
    process = subprocess.Popen(
        [sys.executable, "-m", "trustdocs", "serve", "--port", "0"],
        cwd=site,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp)},
    )
    printed: list[str] = []
    for line in process.stderr:
        printed.append(line)
        if found := re.search(r"at http://([\d.]+):(\d+)/", line):
            threading.Thread(target=printed.extend, args=(process.stderr,), daemon=True).start()
            return process, (found.group(1), int(found.group(2))), printed
    raise RuntimeError("the server did not start:\n" + "".join(printed))


def run_clients(address: tuple[str, int], clients: int, requests: int) -> tuple[int, int, float]:
    """CLIENTS threads × REQUESTS GETs; return (requests made, errors, seconds)."""
    errors: list[str] = []
    done = [0] * clients
    paths = list(PATHS.items())

    def client(number: int) -> None:
        keep_alive = number % 2 == 0
        connection = None
        for i in range(requests):
            path, expected = paths[(number + i) % len(paths)]
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(*address, timeout=10)
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if response.status != expected:
                    errors.append(f"{path}: {response.status}")
                if not keep_alive:
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"{path}: {exc!r}")
                connection = None
            done[number] += 1
        if connection is not None:
            connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done), len(errors), time.perf_counter() - started


def burst(address: tuple[str, int], count: int) -> tuple[int, float]:
    """COUNT clients connecting at the same instant, as a page load does; (errors, slowest)."""
    barrier = threading.Barrier(count)
    results: list[tuple[int, float]] = []

    def client() -> None:
        barrier.wait()
        results.append(timed_requests(address, 1))

    threads = [threading.Thread(target=client) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(e for e, _ in results), max(t for _, t in results)


def open_idle(address: tuple[str, int], count: int) -> list[socket.socket]:
    """COUNT connections that send nothing, or only half of a request, and then wait."""
    idle = []
    for number in range(count):
        connection = socket.create_connection(address, timeout=10)
        if number % 2:
            connection.sendall(b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        idle.append(connection)
    return idle


def timed_requests(address: tuple[str, int], count: int) -> tuple[int, float]:
    """COUNT GETs of a lesson one after another; return (errors, slowest seconds)."""
    errors, slowest = 0, 0.0
    for _ in range(count):
        started = time.perf_counter()
        try:
            connection = http.client.HTTPConnection(*address, timeout=5)
            connection.request("GET", LESSON)
            response = connection.getresponse()
            errors += response.status != 200 or b"Hello." not in response.read()
            connection.close()
        except (OSError, http.client.HTTPException):
            errors += 1
        slowest = max(slowest, time.perf_counter() - started)
    return errors, slowest


def reset(connection: socket.socket) -> None:
    """Close with a TCP reset, as a crashing client or a closed tab does."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


def hang_up(address: tuple[str, int], count: int) -> None:
    """COUNT clients that hang up: mid-request (plain close or reset) and mid-response."""
    for number in range(count):
        connection = socket.create_connection(address, timeout=10)
        kind = number % 4
        if kind == 0:  # half a request line
            connection.sendall(b"GET /index")
            connection.close()
        elif kind == 1:  # a request line and part of the headers, then a reset
            connection.sendall(b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nAcc")
            reset(connection)
        else:  # asks for the 4 MB file, reads the start of the answer, then goes away
            connection.sendall(f"GET {DOWNLOAD} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            connection.recv(1024)
            reset(connection) if kind == 2 else connection.close()


def main() -> int:
    """Run the three loads against one server and report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--idle", type=int, default=500)
    parser.add_argument("--hangups", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        site, tmp = Path(folder) / "course", Path(folder) / "tmp"
        tmp.mkdir()
        write_course(site)
        process, address, printed = start_server(site, tmp)
        failed = False
        try:
            made, errors, seconds = run_clients(address, args.clients, args.requests)
            print(
                f"{args.clients} clients × {args.requests} requests: {made / seconds:.0f} requests/s"
                f", {errors} errors, {seconds:.1f} s"
            )
            burst_errors, burst_slowest = burst(address, args.burst)
            print(
                f"{args.burst} clients connecting at once: {burst_errors} errors, "
                f"slowest {burst_slowest * 1000:.0f} ms"
            )
            idle = open_idle(address, args.idle)
            idle_errors, slowest = timed_requests(address, 50)
            print(
                f"with {args.idle} idle connections open: 50 requests, {idle_errors} errors, "
                f"slowest {slowest * 1000:.0f} ms"
            )
            for connection in idle:
                connection.close()
            hang_up(address, args.hangups)
            after_errors, _ = timed_requests(address, 10)
            print(f"after {args.hangups} clients hung up: 10 requests, {after_errors} errors")
            failed = bool(errors or burst_errors or idle_errors or after_errors)
        finally:
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=30)
        output = "".join(printed)
        traceback = "Traceback" in output or "internal error" in output
        print(f"server exit code {code}; traceback printed: {'yes' if traceback else 'no'}")
        if traceback:
            print(output)
        return 1 if failed or traceback or code != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
