"""The preview server under load, as `trustdocs serve` runs for an author: a smaller run of
benchmarks/serve_load.py (which holds 50 clients × 200 requests), sized to keep CI quick."""

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from serve_load import (
    burst,
    hang_up,
    open_idle,
    run_clients,
    start_server,
    timed_requests,
    write_course,
)


@pytest.fixture
def server(tmp_path):
    site, tmp = tmp_path / "course", tmp_path / "tmp"
    tmp.mkdir()
    write_course(site)
    process, address, printed = start_server(site, tmp)
    yield address, printed
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=20)


def test_fifty_concurrent_clients_get_every_answer(server):
    address, _ = server
    made, errors, _ = run_clients(address, clients=50, requests=40)
    assert (made, errors) == (2000, 0)


def test_a_burst_of_connections_is_answered_without_the_kernel_making_clients_retry(server):
    # A listen backlog that overflows drops connections; the client retries only after 1 s.
    errors, slowest = burst(server[0], 100)
    assert errors == 0 and slowest < 1.0


def test_normal_requests_are_answered_while_500_idle_connections_are_open(server):
    address, _ = server
    idle = open_idle(address, 500)
    try:
        errors, slowest = timed_requests(address, 20)
        assert errors == 0 and slowest < 2.0
    finally:
        for connection in idle:
            connection.close()


def test_clients_hanging_up_mid_request_or_mid_response_print_nothing(server):
    address, printed = server
    hang_up(address, 80)
    assert timed_requests(address, 5)[0] == 0
    time.sleep(0.5)  # let the server notice the last hang-ups before reading what it printed
    output = "".join(printed)
    assert "Traceback" not in output and "Exception" not in output
    assert "internal error" not in output
