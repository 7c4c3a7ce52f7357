"""workers.py: forked workers return typed results, and a failure ends the build, never hangs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import CONSULTING, make_site, written

from trustdocs import workers
from trustdocs.config import load_config
from trustdocs.site import Site
from trustdocs.workers import WorkerFailed


@pytest.fixture
def config(tmp_path):
    return load_config(make_site(tmp_path, CONSULTING) / "site.yaml")


def test_workers_return_the_same_pages_as_a_serial_build(config):
    serial, forked = Site(config), Site(config)
    serial.build()
    forked.build(workers=2, minimum=0)
    assert forked.workers_used == 2 and serial.workers_used == 0
    assert written(forked.output_files()) == written(serial.output_files())
    assert forked.pages.names == serial.pages.names


def test_a_worker_that_dies_ends_the_build_with_a_clear_error(config, monkeypatch):
    def die(*args, **kwargs):
        os._exit(3)

    monkeypatch.setattr(workers, "render_outputs", die)
    with pytest.raises(WorkerFailed, match="stopped unexpectedly"):
        Site(config).build(workers=2, minimum=0)


def test_a_worker_that_raises_reports_its_traceback(config, monkeypatch):
    def fail(*args, **kwargs):
        raise ValueError("broken renderer")

    monkeypatch.setattr(workers, "render_outputs", fail)
    with pytest.raises(WorkerFailed, match="broken renderer"):
        Site(config).build(workers=2, minimum=0)


def test_a_failure_between_the_two_phases_ends_the_workers(config, monkeypatch):
    """The main process fails after parsing: workers waiting for the snapshot must not hang it."""

    def resolve_fails(self):
        raise RuntimeError("resolve failed")

    monkeypatch.setattr(Site, "_resolve", resolve_fails)
    with pytest.raises(RuntimeError, match="resolve failed"):
        Site(config).build(workers=2, minimum=0)
    import multiprocessing

    assert multiprocessing.active_children() == []


def test_a_worker_killed_by_the_system_is_named_so(config, monkeypatch):
    """The kernel's out-of-memory killer ends a worker with SIGKILL: say that, not 'EOFError()'."""
    import signal

    def killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(workers, "render_outputs", killed)
    with pytest.raises(WorkerFailed, match=r"killed by SIGKILL .*out of memory"):
        Site(config).build(workers=2, minimum=0)


def test_a_build_keeps_page_bodies_in_its_workers_and_a_preview_keeps_them_here(config):
    """A build's workers send back each page's tags without its body, which only they parse: the
    main process holds one copy of the site's text less. A page asked of it is an error, never
    an empty page. The preview renders pages again after edits: it keeps their bodies."""
    from trustdocs.site import LiveSite

    built, previewed = Site(config), LiveSite(config)
    built.build(workers=2, minimum=0)
    previewed.build(workers=2, minimum=0)
    assert built.workers_used == previewed.workers_used == 2
    assert not any(source.body for source in built.sources.values() if source)
    assert any(source.body for source in previewed.sources.values() if source)
    # What each page showed of others (for the preview's edits) stays in a build's workers too.
    assert not any(made.rendered.uses for made in built.made.pages.values())
    assert any(made.rendered.uses for made in previewed.made.pages.values())
    assert written(built.output_files()) == written(previewed.output_files())
    with pytest.raises(RuntimeError, match="parsed in a build worker"):
        built.pages.full(next(iter(built.pages.facts)))


def test_a_worker_that_dies_after_sending_some_pages_ends_the_build_with_a_clear_error(
    config, monkeypatch
):
    """Workers send their pages' outputs a few at a time: one that dies between two sends is
    an error as one that dies before the first, never a hang nor a site with pages missing."""
    render = workers.render_outputs
    made = []

    def die_at_the_third(*args, **kwargs):
        made.append(1)
        if len(made) == 3:
            os._exit(3)
        return render(*args, **kwargs)

    monkeypatch.setattr(workers, "BATCH", 1)
    monkeypatch.setattr(workers, "render_outputs", die_at_the_third)
    with pytest.raises(WorkerFailed, match="stopped unexpectedly"):
        Site(config).build(workers=2, minimum=0)


def test_ctrl_c_that_reaches_only_a_worker_interrupts_the_build_and_keeps_the_last_site(
    tmp_path, monkeypatch, capsys
):
    """An interrupt (SIGINT) sent to one build worker alone interrupts the build as Ctrl-C does
    (exit 130, the previous site left as it was); it was reported as a bug in trustdocs."""
    from trustdocs import site as site_module
    from trustdocs.cli import main

    root = make_site(tmp_path / "site", CONSULTING)
    out = tmp_path / "out"
    monkeypatch.setattr(site_module, "PARALLEL_MINIMUM", 0)
    monkeypatch.setattr(workers, "worker_count", lambda: 2)  # build.py asks it there
    assert main(["build", "--config", str(root / "site.yaml"), "--output", str(out)]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(workers, "render_outputs", interrupted)
    (root / "content").joinpath("added.md").write_text("@page added Added\n@body\nNew.\n")
    code = main(["build", "--config", str(root / "site.yaml"), "--output", str(out)])
    assert code == 130 and "interrupted" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]


def test_workers_that_only_load_a_preview_end_before_the_site_is_resolved(config, monkeypatch):
    """A large course's preview only loads its pages in the workers (each is rendered when asked
    for): they end once their facts are in, and give their memory back while the main process
    resolves the site, rather than waiting for an order that never comes (at 10,000 lessons the
    preview's peak was 570 MiB summed with them alive, 499 MiB without)."""
    import multiprocessing
    import time

    from trustdocs.site import LiveSite

    alive_at_resolve: list[int] = []
    resolve = Site._resolve

    def resolve_after_workers_end(self):
        waited = time.monotonic()
        while multiprocessing.active_children() and time.monotonic() - waited < 5:
            time.sleep(0.01)
        alive_at_resolve.append(len(multiprocessing.active_children()))
        return resolve(self)

    monkeypatch.setattr(Site, "_resolve", resolve_after_workers_end)
    site = LiveSite(config)
    site.build(workers=2, minimum=0, on_request_from=0)
    assert site.on_request and site.workers_used == 2
    assert alive_at_resolve == [0]
    assert set(site.pages.facts) == {
        "learn-technology-consulting",
        *(
            f"learn-technology-consulting/{name}"
            for name in (
                "communication",
                "building-rapport",
                "transitioning-to-delivery",
                "kickoff",
            )
        ),
    }


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the system ends them on Linux")
def test_a_worker_running_forever_ends_when_the_main_process_is_killed(tmp_path):
    """A worker busy with a theme template that never ends (writing the print page, say) ends
    when the build that forked it is killed with SIGTERM: nothing is left running, holding the
    unfinished output's lock."""
    started = tmp_path / "worker.pid"
    script = textwrap.dedent(
        f"""
        import os, signal, time
        from trustdocs.workers import Aside

        def forever():
            with open({str(started)!r}, "w") as out:
                out.write(str(os.getpid()))
            while True:
                pass

        aside = Aside(forever)
        while not os.path.exists({str(started)!r}) or not open({str(started)!r}).read():
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)
        """
    )
    run = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert run.returncode == -signal.SIGTERM
    worker = int(started.read_text())
    deadline = time.monotonic() + 10
    while _running(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(worker)


def _running(pid: int) -> bool:
    """Whether PID is a process that has not ended (a zombie, ended and not reaped, has)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def test_ctrl_c_while_waiting_for_a_worker_stops_it_at_once(monkeypatch):
    """Ctrl-C while the build waits for the worker writing the print page: the worker is
    stopped at once, not waited for (a template that never ends would keep the build from
    ending)."""

    def forever():
        while True:
            pass

    def interrupted(connection, process):
        raise KeyboardInterrupt

    monkeypatch.setattr(workers, "_receive", interrupted)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), workers.Aside(forever) as aside:
        pid = aside._workers[0][1].pid
        aside.result()
    assert time.monotonic() - started < 3
    assert not _running(pid)
