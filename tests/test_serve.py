"""serve.py: the preview server over real HTTP on a free port, with real file watching."""

import hashlib
import http.client
import json
import re
import shutil
import threading
import time
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from conftest import CONSULTING, make_site, write_files

from trustdocs.build import build_site
from trustdocs.config import load_config
from trustdocs.output_folder import MARKER
from trustdocs.outputs import is_on_request
from trustdocs.serve import (
    RELOAD_SCRIPT,
    WATCHED_APART,
    ServedFolder,
    site_links,
    start_preview,
    watch_roots,
)


def wait_for(predicate, timeout=8.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out waiting for the preview to update")


@pytest.fixture(params=["in-process", "workers", "on-request"])
def preview(tmp_path, request):
    # "workers": the first build runs in forked workers, as on large courses; "on-request": as on
    # very large ones, the workers only load the pages, and each is rendered when first asked for.
    site = make_site(tmp_path / "course", CONSULTING)
    forked = request.param != "in-process"
    running = start_preview(
        load_config(site / "site.yaml"),
        port=0,
        parallel_minimum=0 if forked else 10**9,
        workers=2 if forked else 1,
        on_request_from=0 if request.param == "on-request" else None,
    )
    assert running.preview.site.workers_used == (2 if forked else 0)
    assert running.preview.site.on_request == (request.param == "on-request")
    running.site_dir = site
    yield running
    running.stop()


def request(running, path, method="GET"):
    host, port = running.server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=5)
    connection.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body.decode("utf-8", "replace")


def follow(running, path, limit=5):
    """GET PATH as a browser does, following redirects: (status, address landed at, body)."""
    host, port = running.server.server_address[:2]
    for _ in range(limit):
        connection = http.client.HTTPConnection(host, port, timeout=5)
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        connection.close()
        if response.status not in (301, 302, 307, 308):
            return response.status, path, body
        path = urljoin(path, response.getheader("Location"))
    raise AssertionError(f"more than {limit} redirects from {path}")


def broken_links(running, address, html):
    """The relative links and sources of HTML, shown at ADDRESS, that a browser finds nothing at."""
    targets = {unescape(t) for t in re.findall(r'(?:href|src)="([^"#][^"]*)"', html)}
    return sorted(
        target
        for target in targets
        if not urlsplit(target).scheme and follow(running, urljoin(address, target))[0] != 200
    )


def status(running):
    return json.loads(request(running, "/_trustdocs/status")[1])


def edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


class EventStream:
    """Reads the server-sent events of /_trustdocs/events in a thread."""

    def __init__(self, running):
        host, port = running.server.server_address[:2]
        self.connection = http.client.HTTPConnection(host, port, timeout=10)
        self.connection.request("GET", "/_trustdocs/events")
        self.response = self.connection.getresponse()
        self.events = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        event = {}
        try:
            for raw in self.response:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    event["event"] = line[7:]
                elif line.startswith("data: "):
                    event["data"] = json.loads(line[6:])
                elif not line and event:
                    self.events.append(event)
                    event = {}
        except (OSError, ValueError):
            return


def test_page_is_served_with_reload_script_and_edits_show_up(preview):
    lesson = "/learn-technology-consulting/kickoff.html"
    code, html = request(preview, lesson)
    assert code == 200 and "Hello." in html
    assert "/_trustdocs/livereload.js" in html
    stream = EventStream(preview)
    wait_for(lambda: stream.events)
    assert stream.events[0]["event"] == "hello"

    edit(preview.site_dir / "content/consulting/kickoff.md", "Hello.", "Welcome to the kickoff.")
    wait_for(lambda: "Welcome to the kickoff." in request(preview, lesson)[1])
    rebuild = wait_for(lambda: [e for e in stream.events if e["event"] == "rebuild"])
    assert rebuild[-1]["data"]["changed"] == [lesson]
    assert rebuild[-1]["data"]["errors"] == []


def test_new_page_and_deleted_page(preview):
    content = preview.site_dir / "content"
    write_files(
        content,
        {
            "consulting/wrapup.md": """
        @page learn-technology-consulting/wrapup Wrapping Up
        @parent learn-technology-consulting 9
        @body
        Done.
        """
        },
    )
    wait_for(lambda: request(preview, "/learn-technology-consulting/wrapup.html")[0] == 200)
    kickoff = request(preview, "/learn-technology-consulting/kickoff.html")[1]
    assert "Wrapping Up" in kickoff  # the sidebar of other pages shows it

    version = status(preview)["version"]
    (content / "consulting/wrapup.md").unlink()
    # Once the rebuild is reported (as the browser is told), the folder holds all of it; while
    # it is written, the page may be gone before the other pages' sidebars are.
    wait_for(lambda: status(preview)["version"] > version)
    assert request(preview, "/learn-technology-consulting/wrapup.html")[0] == 404
    assert "Wrapping Up" not in request(preview, "/learn-technology-consulting/kickoff.html")[1]


def test_broken_link_shows_errors_and_keeps_last_good_page(preview):
    lesson = preview.site_dir / "content/consulting/kickoff.md"
    assert request(preview, "/learn-technology-consulting/kickoff.html")[0] == 200  # as opened
    edit(lesson, "Hello.", "See [learn-technology-consulting/communication#no-such-part].")
    report = wait_for(lambda: status(preview)["errors"])
    assert len(report) == 1
    assert (
        "content/consulting/kickoff.md:5:5: error: page 'learn-technology-consulting/communication' "
        "has no anchor '#no-such-part' (anchors on that page: bad-news-early)"
    ) in report[0]
    code, html = request(preview, "/learn-technology-consulting/kickoff.html")
    assert code == 200 and "Hello." in html  # the last good build

    edit(lesson, "#no-such-part", "#bad-news-early")
    wait_for(lambda: not status(preview)["errors"])
    assert (
        'href="communication.html#bad-news-early"'
        in request(preview, "/learn-technology-consulting/kickoff.html")[1]
    )


def test_missing_page_gets_the_404_page_and_only_get_and_head_are_allowed(preview):
    code, html = request(preview, "/no/such/page.html")
    assert code == 404 and "Page not found" in html
    assert request(preview, "/index.html", "HEAD") == (200, "")
    assert request(preview, "/index.html", "POST")[0] == 405
    assert request(preview, "/index.html", "DELETE")[0] == 405
    assert request(preview, "/learn-technology-consulting/kickoff")[0] == 200  # .html is optional


def test_a_page_address_with_extra_slashes_leads_to_the_page_at_its_own_address(preview):
    """Asked for first (not rendered yet, on request), with a trailing slash, doubled or dotted
    slashes: redirected to the page's address, where its relative links work."""
    folder = "learn-technology-consulting"
    addresses = {
        f"/{folder}/kickoff.html/": (f"/{folder}/kickoff.html", "Hello."),
        f"/{folder}//building-rapport.html/": (f"/{folder}/building-rapport.html", "Trust"),
        f"/{folder}/./transitioning-to-delivery/": (
            f"/{folder}/transitioning-to-delivery",
            "App Summary Document",
        ),
    }
    for address, (landed_at, text) in addresses.items():
        code, landed, html = follow(preview, address)
        assert (code, landed) == (200, landed_at) and text in html, address
        assert broken_links(preview, landed, html) == [], address


@pytest.mark.parametrize(
    "path",
    [
        "/../site.yaml",
        "/%2e%2e/site.yaml",
        "/%2E%2E/%2e%2e/etc/passwd",
        "/..%2f..%2fetc/passwd",
        "/learn-technology-consulting/../../site.yaml",
        "//etc/passwd",
        "/%5c..%5csite.yaml",
    ],
)
def test_paths_never_leave_the_output_folder(preview, path):
    code, body = request(preview, path)
    assert code in (400, 403, 404)
    assert "root:" not in body and "title: Test Course" not in body


def test_symlink_out_of_the_output_folder_is_refused(preview, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    (preview.preview.output_dir / "leak.txt").symlink_to(secret)
    code, body = request(preview, "/leak.txt")
    assert code == 403 and "private" not in body


# The reload script serve adds to a page, marked with the HTML it was served as.
SERVED_SCRIPT = re.compile(
    re.escape(RELOAD_SCRIPT.encode()).replace(b"\\ defer", b' data-served="\\d+"\\ defer')
)


def digest(folder: Path, served: bool = False) -> dict[str, str]:
    """File → hash; for a preview folder, of each file as built, without what serve adds. Not
    the marker, whose list of files is a build's (the preview's folder is never built into)."""

    def built(data: bytes) -> bytes:
        if served:
            data = SERVED_SCRIPT.sub(b"", data).replace(b'<base href="/">\n', b"")
        return data

    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(built(p.read_bytes())).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MARKER
    }


def test_incremental_output_equals_a_full_build(preview, tmp_path):
    content = preview.site_dir / "content"
    steps = [
        lambda: edit(
            content / "consulting/kickoff.md",
            "Hello.",
            "Hello, [learn-technology-consulting/communication].",
        ),
        lambda: edit(
            content / "consulting/communication.md",
            "Communicating with Clients",
            "Talking to Clients",
        ),
        lambda: edit(
            content / "consulting/communication.md", "## Bad news early", "## Bad news first"
        ),
        lambda: edit(content / "consulting/kickoff.md", "consulting 1", "consulting 8"),
        lambda: write_files(
            content,
            {
                "consulting/extra.md": "@page learn-technology-consulting/extra Extra\n@parent learn-technology-consulting 3\n@body\nMore.\n"
            },
        ),
        lambda: edit(
            content / "consulting/transitioning-to-delivery.md",
            "@description Hand",
            "@hide\n@description Hand",
        ),
        lambda: (content / "consulting/extra.md").unlink(),
        lambda: (content / "consulting/kickoff.md").rename(content / "consulting/first-meeting.md"),
    ]
    for step in steps:
        before = status(preview)["version"]
        step()
        wait_for(lambda before=before: status(preview)["version"] > before)
        # Equal after every step, not only at the end.
        full = tmp_path / f"full-{before}"
        result = build_site(load_config(preview.site_dir / "site.yaml"), full)
        assert result.written, [d.format() for d in result.diagnostics]
        for page in full.rglob("*.html"):  # as a learner opens them (rendered now if on request)
            assert request(preview, "/" + page.relative_to(full).as_posix())[0] == 200
        served = digest(preview.preview.output_dir, served=True)
        for made_on_request in filter(is_on_request, digest(full)):
            served[made_on_request] = hashlib.sha256(
                request(preview, "/" + made_on_request)[1].encode()
            ).hexdigest()
        assert served == digest(full)


BURST_SECONDS = 0.03  # a burst of saves: writes with no pause this long (the preview's quiet time)


def test_burst_of_saves_coalesces_into_one_rebuild(preview):
    """Eleven writes of one lesson in a row (an editor saving through a temporary file, a
    formatter after it) make at most two rebuilds. A burst counts when the machine wrote it
    within the preview's quiet time: on a busy one a pause inside it is two bursts, rightly."""
    lesson = preview.site_dir / "content/consulting/kickoff.md"
    for attempt in range(5):
        before = status(preview)["version"]
        started = time.monotonic()
        for n in range(5):
            temporary = lesson.with_name("kickoff.md.tmp")
            temporary.write_text(lesson.read_text().replace("Hello.", f"Hello {n}."))
            temporary.replace(lesson)
            lesson.write_text(lesson.read_text().replace(f"Hello {n}.", "Hello."))
        edit(lesson, "Hello.", f"Final text {attempt}.")
        took = time.monotonic() - started
        wait_for(
            lambda attempt=attempt: (
                f"Final text {attempt}."
                in request(preview, "/learn-technology-consulting/kickoff.html")[1]
            )
        )
        time.sleep(0.3)
        rebuilds = status(preview)["version"] - before
        edit(lesson, f"Final text {attempt}.", "Hello.")
        wait_for(
            lambda: "Hello." in request(preview, "/learn-technology-consulting/kickoff.html")[1]
        )
        time.sleep(0.3)
        if took < BURST_SECONDS:
            break
    else:
        pytest.skip(f"no burst of writes took less than {BURST_SECONDS} s on this machine")
    assert rebuilds <= 2, (rebuilds, took)


def test_site_yaml_and_template_changes_rebuild_everything(preview):
    edit(preview.site_dir / "site.yaml", "title: Test Course", "title: Renamed Course")
    wait_for(
        lambda: (
            "Kickoff · Renamed Course"
            in request(preview, "/learn-technology-consulting/kickoff.html")[1]
        )
    )
    partial = preview.site_dir / "themes" / "default" / "partials" / "sidebar.html"
    partial.parent.mkdir(parents=True)
    partial.write_text("<nav class='sidebar'>my own sidebar</nav>")
    wait_for(lambda: "my own sidebar" in request(preview, "/index.html")[1])
    # every page, not only the one asked for first, has the new sidebar and the new title
    for page in (
        "/learn-technology-consulting/kickoff.html",
        "/learn-technology-consulting/communication.html",
    ):
        # the preview writes the changed files one by one: wait for each, never for ever
        wait_for(lambda page=page: "my own sidebar" in request(preview, page)[1])
        assert "Renamed Course" in request(preview, page)[1], page
    assert "Renamed Course" in request(preview, "/404.html")[1]
    assert status(preview)["errors"] == []


def test_taken_port_moves_to_the_next_free_one(preview):
    taken = preview.server.server_address[1]
    second = start_preview(load_config(preview.site_dir / "site.yaml"), port=taken)
    try:
        assert second.server.server_address[1] != taken
        assert request(second, "/index.html")[0] == 200
    finally:
        second.stop()


def test_ctrl_c_stops_cleanly(tmp_path):
    import signal
    import subprocess
    import sys

    site = make_site(tmp_path, CONSULTING)
    process = subprocess.Popen(
        [sys.executable, "-m", "trustdocs", "serve", "--port", "0"],
        cwd=site,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stderr.readline()
    while "serving" not in line:
        line = process.stderr.readline()
        assert line, "the server exited before serving"
    assert "http://127.0.0.1:" in line
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=15)
    assert process.returncode == 0
    assert "Traceback" not in rest and "stopped" in rest


def test_ctrl_c_caught_by_a_finalizer_still_stops_the_preview(tmp_path):
    """Ctrl-C landing while Python runs an object's finalizer cannot stop anything from there:
    the preview must stop all the same (exit 0, "stopped"), not run on."""
    import subprocess
    import sys

    program = (
        "import os, signal, sys, threading\n"
        "class Dropped:\n"
        "    def __del__(self):\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "        for _ in range(10000): pass\n"
        "join, sent = threading.Thread.join, []\n"
        "def join_once(self, timeout=None):\n"
        "    if self.name == 'trustdocs-http' and not sent:\n"
        "        sent.append(1)\n"
        "        Dropped()\n"
        "    return join(self, timeout)\n"
        "threading.Thread.join = join_once\n"
        "from trustdocs.launch import main\n"
        "sys.exit(main())\n"
    )
    site = make_site(tmp_path, CONSULTING)
    process = subprocess.Popen(
        [sys.executable, "-c", program, "serve", "--port", "0"],
        cwd=site,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, rest = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, rest
    assert "stopped" in rest and "Traceback" not in rest and "ignored" not in rest


@pytest.mark.parametrize("second", ["SIGINT", "SIGTERM"])
def test_a_second_ctrl_c_or_sigterm_while_stopping_still_stops_cleanly(tmp_path, second):
    """Ctrl-C, then Ctrl-C again or a SIGTERM (a supervisor's, a terminal closed) while the
    preview stops: it stops all the same (exit 0, "stopped") and leaves no preview folder."""
    import os
    import signal
    import subprocess
    import sys

    program = (
        "import os, signal, socketserver, sys, time\n"
        "shutdown = socketserver.BaseServer.shutdown\n"
        "def shutdown_signalled(self):\n"
        f"    os.kill(os.getpid(), signal.{second})\n"
        "    time.sleep(0.2)\n"
        "    shutdown(self)\n"
        "socketserver.BaseServer.shutdown = shutdown_signalled\n"
        "from trustdocs.launch import main\n"
        "sys.exit(main())\n"
    )
    site = make_site(tmp_path / "course", CONSULTING)
    (tmp_path / "tmp").mkdir()
    process = subprocess.Popen(
        [sys.executable, "-c", program, "serve", "--port", "0"],
        cwd=site,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp_path / "tmp")},
    )
    try:
        line = process.stderr.readline()
        while "serving" not in line:
            line = process.stderr.readline()
            assert line, "the server exited before serving"
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, rest
    assert rest.splitlines()[-1] == "stopped" and "interrupted" not in rest
    assert list((tmp_path / "tmp").glob("trustdocs-serve-*")) == []


def test_edits_are_seen_in_a_course_with_thousands_of_folders(tmp_path):
    # Watching a folder tree opens every folder; those opens must not flood the kernel's event
    # queue (16,384 by default), or every later edit is lost.
    site = make_site(tmp_path, CONSULTING)
    archive = site / "content" / "archive"
    for n in range(20000):
        (archive / f"{n:05d}").mkdir(parents=True)
    running = start_preview(load_config(site / "site.yaml"), port=0)
    try:
        edit(site / "content/consulting/kickoff.md", "Hello.", "Seen in a big tree.")
        wait_for(
            lambda: (
                "Seen in a big tree."
                in request(running, "/learn-technology-consulting/kickoff.html")[1]
            ),
            timeout=20,
        )
    finally:
        running.stop()


def test_terminal_lists_problems_when_they_change_not_on_every_save(preview, capsys):
    lesson = preview.site_dir / "content/consulting/kickoff.md"
    edit(lesson, "Hello.", "Hello, see [learn-technology-consulting/kickof].")
    wait_for(lambda: "unknown page" in capsys.readouterr().err)
    before = status(preview)["version"]
    edit(preview.site_dir / "content/consulting/communication.md", "Say it soon.", "Say it now.")
    wait_for(lambda: status(preview)["version"] > before)
    time.sleep(0.1)
    output = capsys.readouterr().err
    assert "rebuilt in" in output and "1 warning" in output
    assert "unknown page" not in output  # the same warning is not printed again


def test_content_folder_deleted_then_restored(preview, tmp_path):
    """No pages is an error that keeps the last good build served; the folder's return is seen."""
    content = preview.site_dir / "content"
    lesson = "/learn-technology-consulting/kickoff.html"
    assert request(preview, lesson)[0] == 200  # as opened
    aside = tmp_path / "aside"
    content.rename(aside)
    report = wait_for(lambda: status(preview)["errors"])
    assert "no pages" in report[0]
    assert request(preview, lesson)[0] == 200  # still the last good build
    aside.rename(content)
    wait_for(lambda: not status(preview)["errors"])
    edit(content / "consulting/kickoff.md", "Hello.", "Back again.")
    wait_for(lambda: "Back again." in request(preview, lesson)[1])


def test_an_exercise_file_outside_the_content_folder_is_watched(tmp_path):
    """@sourceref may read any file of the site folder: editing one outside content/ shows up."""
    site = make_site(
        tmp_path,
        {"index.md": "@page course Course\n@body\n@sourceref ../exercises/start.js\n"},
    )
    write_files(site, {"exercises/start.js": "const first = 1;\n"})
    running = start_preview(load_config(site / "site.yaml"), port=0)
    try:
        assert "first" in request(running, "/index.html")[1]
        (site / "exercises" / "start.js").write_text("const second = 2;\n")
        wait_for(lambda: "second" in request(running, "/index.html")[1])
    finally:
        running.stop()


@pytest.mark.parametrize("where", [".", "content"])
def test_a_folder_link_on_the_way_to_an_exercise_file_pointed_elsewhere_shows_up(tmp_path, where):
    """Pointing a folder link the pages read their exercise files through at another folder
    (`ln -sfn v2 code`) shows the files there, as a build does: the preview kept the old ones."""
    up = "" if where == "content" else "../"
    pages = {
        "index.md": f"@page course Course\n@body\n@sourceref ./{up}code/start.js\n",
        "a.md": f"@page course/a A\n@parent course 1\n@body\n@sourceref ./{up}code/start.js\n",
    }
    site = make_site(tmp_path, pages)
    write_files(
        site, {"ex/v1/start.js": "const first = 1;\n", "ex/v2/start.js": "const two = 2;\n"}
    )
    link = site / where / "code"
    link.symlink_to(site / "ex/v1", target_is_directory=True)
    running = start_preview(load_config(site / "site.yaml"), port=0)
    try:
        assert "first" in request(running, "/course/a.html")[1]
        (site / "code-new").symlink_to(site / "ex/v2", target_is_directory=True)
        (site / "code-new").replace(link)
        wait_for(lambda: "two" in request(running, "/course/a.html")[1])
        assert "two" in request(running, "/index.html")[1]
        (site / "ex/v2/start.js").write_text("const three = 3;\n")  # and it is watched
        wait_for(lambda: "three" in request(running, "/course/a.html")[1])
    finally:
        running.stop()


def test_a_lesson_folder_link_a_page_reads_back_up_through_pointed_elsewhere_shows_up(tmp_path):
    """A lesson folder linked to one course's lessons reads `../exercises/start.js` beside them:
    pointed at another course's lessons, the preview shows that course's exercise and watches
    it, as a build does (it kept the first course's code, and watched that one's file)."""
    site = make_site(tmp_path, {"index.md": "@page course Course\n@body\nHello.\n"})
    for course in ("first", "second"):
        write_files(
            site / "courses" / course,
            {
                "lessons/a.md": "@page course/a A\n@parent course\n@body\n"
                "@sourceref ../exercises/start.js\n",
                "exercises/start.js": f"const {course} = 1;\n",
            },
        )
    link = site / "content" / "lessons"
    link.symlink_to("../courses/first/lessons", target_is_directory=True)
    running = start_preview(load_config(site / "site.yaml"), port=0)
    try:
        assert "first" in request(running, "/course/a.html")[1]
        (site / "content" / "new").symlink_to("../courses/second/lessons")
        (site / "content" / "new").replace(link)
        wait_for(lambda: "second" in request(running, "/course/a.html")[1])
        (site / "courses/second/exercises/start.js").write_text("const third = 3;\n")
        wait_for(lambda: "third" in request(running, "/course/a.html")[1])
    finally:
        running.stop()


@pytest.mark.parametrize("refused", ["link back up", "link out", "built site"])
def test_what_discovery_refused_taken_away_clears_its_problem(tmp_path, refused):
    """A link back up to the site folder, or out of it, is an error while it is there; a built
    site kept among the content is left out. The link removed, the error must go; the built
    site's `.trustdocs-output` deleted (as the warning says, to publish it), its files must
    show. The preview kept the error, or left the files out, until some other edit."""
    site = make_site(tmp_path / "site", {"index.md": "@page course Course\n@body\nHello.\n"})
    write_files(tmp_path / "outside", {"notes.txt": "notes\n"})
    running = start_preview(load_config(site / "site.yaml"), port=0)
    try:
        if refused == "built site":
            write_files(site / "content" / "demo", {".trustdocs-output": "", "notes.txt": "n\n"})
            gone = site / "content" / "demo" / ".trustdocs-output"
            time.sleep(1)  # the preview has seen the built site, and left it out
            assert request(running, "/demo/notes.txt")[0] == 404
        else:
            gone = site / "content" / ("up" if refused == "link back up" else "out")
            gone.symlink_to(".." if refused == "link back up" else tmp_path / "outside")
            wait_for(lambda: status(running)["errors"])
        gone.unlink()
        wait_for(lambda: status(running)["errors"] == [])
        if refused == "built site":
            wait_for(lambda: request(running, "/demo/notes.txt")[0] == 200)
    finally:
        running.stop()


def test_edits_in_a_content_folder_that_is_a_link_show_up(tmp_path):
    """The content folder may be a link to a folder elsewhere (shared by several sites): the watcher
    names files by where they are, and the preview takes them as the files a build reads."""
    site = make_site(tmp_path / "site", {})
    write_files(
        tmp_path / "lessons",
        {
            "index.md": "@page course Course\n@body\nFirst [course/a].\n",
            "a.md": "@page course/a A\n@parent course 1\n@body\n![chart](chart.png)\n",
            "chart.png": "first chart",
        },
    )
    (site / "content").symlink_to(tmp_path / "lessons", target_is_directory=True)
    running = start_preview(load_config(site / "site.yaml"), port=0)
    try:
        assert "First" in request(running, "/index.html")[1]
        edit(site / "content" / "index.md", "First", "Second")
        wait_for(lambda: "Second" in request(running, "/index.html")[1])
        (site / "content" / "chart.png").write_text("second chart")
        wait_for(lambda: request(running, "/chart.png")[1] == "second chart")
        write_files(site / "content", {"b.md": "@page course/b B\n@parent course 2\n@body\nB.\n"})
        wait_for(lambda: request(running, "/course/b.html")[0] == 200)
    finally:
        running.stop()


@pytest.mark.parametrize("link", ["folder of pages", "page file", "copied file", "theme folder"])
def test_edits_of_files_the_site_reaches_through_a_link_show_up(tmp_path, link):
    """A folder of lessons, a lesson, a download or a folder of templates may be a link to one
    shared with other courses, outside the folders the preview watches: a build reads the files
    it leads to, and the preview shows their edits too."""
    site = make_site(
        tmp_path,
        {
            "index.md": "@page course Course\n@body\nHome [course/a].\n",
            "a.md": "@page course/a A\n@parent course 1\n@body\n[notes](notes.txt)\n",
            "notes.txt": "first notes",
        },
    )
    shared = {
        "folder of pages": (
            "shared/lessons/b.md",
            "content/more",
            "@page course/b first\n@parent course\n",
        ),
        "page file": ("shared/a.md", "content/a.md", "@page course/a A first\n@parent course\n"),
        "copied file": ("shared/notes.txt", "content/notes.txt", "first notes"),
        "theme folder": ("shared/partials/sidebar.html", "themes/default/partials", "first\n"),
    }
    file, rel, text = shared[link]
    write_files(site, {file: text})
    (site / rel).unlink(missing_ok=True)
    (site / rel).parent.mkdir(parents=True, exist_ok=True)
    (site / rel).symlink_to(site / (file if "." in Path(rel).name else Path(file).parent))
    output = {"folder of pages": "/course/b.html", "page file": "/course/a.html"}
    address = output.get(link, "/notes.txt" if link == "copied file" else "/index.html")
    running = start_preview(load_config(site / "site.yaml"), port=0)
    try:
        assert "first" in request(running, address)[1]
        edit(site / file, "first", "second")
        wait_for(lambda: "second" in request(running, address)[1])
    finally:
        running.stop()


def test_a_folder_of_templates_the_theme_links_to_outside_the_site_is_watched(tmp_path):
    """Templates shared by several courses sit beside them, outside each site (allowed by
    `sourceref_outside`): a build renders with them where the theme's link leads, and the
    preview shows their edits."""
    pages = {"index.md": "@page course Course\n@body\nHi.\n"}
    site = make_site(tmp_path / "site", pages, "title: Test Course\nsourceref_outside: true\n")
    write_files(tmp_path / "shared", {"partials/sidebar.html": "first\n"})
    (site / "themes" / "default").mkdir(parents=True)
    (site / "themes" / "default" / "partials").symlink_to(tmp_path / "shared" / "partials")
    running = start_preview(load_config(site / "site.yaml"), port=0)
    try:
        assert "first" in request(running, "/index.html")[1]
        edit(tmp_path / "shared" / "partials" / "sidebar.html", "first", "second")
        wait_for(lambda: "second" in request(running, "/index.html")[1])
    finally:
        running.stop()


def test_an_exercise_file_a_page_starts_to_read_while_previewing_is_watched(tmp_path):
    """A page saved with a new @sourceref to a folder not watched yet: the edits of that file
    show up, not only those after some other edit."""
    site = make_site(tmp_path, {"index.md": "@page course Course\n@body\nHi.\n"})
    write_files(site, {"exercises/new/start.js": "const first = 1;\n"})
    running = start_preview(load_config(site / "site.yaml"), port=0)
    try:
        page = "@page course Course\n@body\n@sourceref ../exercises/new/start.js\n"
        (site / "content" / "index.md").write_text(page)
        wait_for(lambda: "first" in request(running, "/index.html")[1])
        (site / "exercises/new/start.js").write_text("const second = 2;\n")
        wait_for(lambda: "second" in request(running, "/index.html")[1])
    finally:
        running.stop()


def test_a_content_folder_the_configuration_moves_to_is_watched(tmp_path):
    """site.yaml saved with `content: lessons`: the preview builds from lessons/, and the
    saves there show up too, not only the one that moved it."""
    site = make_site(tmp_path, {"index.md": "@page course Course\n@body\nFirst.\n"})
    write_files(site, {"lessons/index.md": "@page course Course\n@body\nSecond.\n"})
    running = start_preview(load_config(site / "site.yaml"), port=0)
    try:
        config = (site / "site.yaml").read_text()
        (site / "site.yaml").write_text(config + "content: lessons\n")
        wait_for(lambda: "Second." in request(running, "/index.html")[1])
        (site / "lessons" / "index.md").write_text("@page course Course\n@body\nThird.\n")
        wait_for(lambda: "Third." in request(running, "/index.html")[1])
    finally:
        running.stop()


def test_a_file_a_page_starts_to_read_in_a_save_that_builds_everything_is_watched(tmp_path):
    """A theme file and a page with a new @sourceref saved together: the whole site is built
    again, and the edits of the file the page now reads show up."""
    site = make_site(tmp_path, {"index.md": "@page course Course\n@body\nHi.\n"})
    write_files(site, {"snippets/a.js": "const first = 1;\n"})
    running = start_preview(load_config(site / "site.yaml"), port=0)
    try:
        write_files(site, {"themes/default/partials/footer.html": "<footer>mine</footer>\n"})
        page = "@page course Course\n@body\n@sourceref ../snippets/a.js\n"
        (site / "content" / "index.md").write_text(page)
        wait_for(lambda: "first" in request(running, "/index.html")[1])
        (site / "snippets" / "a.js").write_text("const second = 2;\n")
        wait_for(lambda: "second" in request(running, "/index.html")[1])
    finally:
        running.stop()


def test_a_content_folder_put_in_place_of_another_is_read_again(tmp_path):
    """content/ moved away and another folder moved to its place (a restore, a sync tool): the
    preview shows the pages and the files of the new one, at the same paths as the old."""
    site = make_site(tmp_path, {"index.md": "@page course Course\n@body\nOld. ![x](a.png)\n"})
    write_files(site, {"content/a.png": "old image"})
    write_files(site, {"new/index.md": "@page course Course\n@body\nNew. ![x](a.png)\n"})
    write_files(site, {"new/a.png": "new image"})
    running = start_preview(load_config(site / "site.yaml"), port=0)
    try:
        (site / "content").rename(site / "old")
        (site / "new").rename(site / "content")
        wait_for(lambda: "New." in request(running, "/index.html")[1])
        wait_for(lambda: request(running, "/a.png")[1] == "new image")
        (site / "content" / "index.md").write_text("@page course Course\n@body\nNewer.\n")
        wait_for(lambda: "Newer." in request(running, "/index.html")[1])
    finally:
        running.stop()


def test_many_exercise_folders_are_watched_with_one_watch_and_edits_show_up(tmp_path):
    """A course reading exercise files from many folders outside content/ is watched with a watch of
    their common folder (a watch per folder costs a thread each), and every edit is still seen."""
    count = WATCHED_APART + 4
    pages = {
        f"lesson{n}.md": f"@page course/l{n} Lesson {n}\n@parent course {n}\n@body\n"
        f"@sourceref ../exercises/ex{n}/start.js\n"
        for n in range(count)
    }
    site = make_site(tmp_path, {"index.md": "@page course Course\n@body\nHi.\n", **pages})
    write_files(site, {f"exercises/ex{n}/start.js": f"const v{n} = 1;\n" for n in range(count)})
    config = load_config(site / "site.yaml")
    read = [str(site / f"exercises/ex{n}/start.js") for n in range(count)]
    roots = watch_roots(config, read)
    assert (site.resolve() / "exercises", True) in roots
    assert not any("ex1" in str(folder) for folder, _ in roots)
    few = watch_roots(config, read[:3])  # a few folders: each watched alone, not the whole folder
    assert (site.resolve() / "exercises/ex1", False) in few
    assert (site.resolve() / "exercises", True) not in few
    running = start_preview(config, port=0)
    try:
        assert "v7" in request(running, "/course/l7.html")[1]
        (site / "exercises/ex7/start.js").write_text("const edited = 2;\n")
        wait_for(lambda: "edited" in request(running, "/course/l7.html")[1])
    finally:
        running.stop()


def test_a_copied_file_replaced_by_a_folder_of_that_name_and_back(tmp_path):
    """content/notes, a file, becomes a folder content/notes/ (and back): both are served, and the
    preview goes on updating."""
    site = make_site(tmp_path, {"index.md": "@page home Home\n@body\nHi.\n", "notes": "a file\n"})
    running = start_preview(load_config(site / "site.yaml"), port=0)
    notes = site / "content" / "notes"
    try:
        assert request(running, "/notes") == (200, "a file\n")
        notes.unlink()
        write_files(site / "content", {"notes/today.txt": "in a folder\n"})
        wait_for(lambda: request(running, "/notes/today.txt") == (200, "in a folder\n"))
        (notes / "today.txt").unlink()
        notes.rmdir()
        notes.write_text("a file again\n")
        wait_for(lambda: request(running, "/notes") == (200, "a file again\n"))
        edit(site / "content" / "index.md", "Hi.", "Still updating.")
        wait_for(lambda: "Still updating." in request(running, "/index.html")[1])
    finally:
        running.stop()


def test_after_a_failed_rebuild_the_next_edit_brings_every_edit_in(tmp_path, monkeypatch, capsys):
    """A rebuild that fails half-way (a bug) must not lose the edit it was applying: the next
    rebuild starts again from the sources."""
    from trustdocs.site import LiveSite as Site

    site = make_site(tmp_path, CONSULTING)
    running = start_preview(load_config(site / "site.yaml"), port=0)
    apply = Site.apply

    def failing_apply(self, plan, *args, **kwargs):
        monkeypatch.setattr(Site, "apply", apply)
        raise RuntimeError("planted failure")

    monkeypatch.setattr(Site, "apply", failing_apply)
    try:
        edit(site / "content/consulting/kickoff.md", "Hello.", "First edit.")
        wait_for(lambda: "planted failure" in capsys.readouterr().err)
        edit(site / "content/consulting/communication.md", "Say it soon.", "Second edit.")
        lesson = "/learn-technology-consulting/communication.html"
        wait_for(lambda: "Second edit." in request(running, lesson)[1])
        assert "First edit." in request(running, "/learn-technology-consulting/kickoff.html")[1]
    finally:
        running.stop()


@pytest.fixture
def on_request(tmp_path):
    """A preview of a course large enough that each page is rendered when first asked for."""
    site = make_site(tmp_path / "course", CONSULTING)
    running = start_preview(load_config(site / "site.yaml"), port=0, on_request_from=0)
    running.site_dir = site
    yield running
    running.stop()


def test_a_large_course_is_served_before_its_pages_are_rendered(on_request):
    folder = on_request.preview.output_dir
    kickoff = folder / "learn-technology-consulting/kickoff.html"
    assert not kickoff.exists()  # nothing rendered at start
    assert (folder / "404.html").is_file()
    code, html = request(on_request, "/learn-technology-consulting/kickoff")
    assert code == 200 and "Hello." in html and SERVED_SCRIPT.search(html.encode())
    assert kickoff.is_file()  # written once, then served as any other file
    assert not (folder / "learn-technology-consulting/communication.html").exists()
    assert request(on_request, "/learn-technology-consulting/no-such-page.html")[0] == 404


def test_a_page_not_opened_yet_shows_the_errors_until_they_are_fixed(on_request):
    lesson = on_request.site_dir / "content/consulting/kickoff.md"
    edit(lesson, "Hello.", "See [learn-technology-consulting/communication#no-such-part].")
    wait_for(lambda: status(on_request)["errors"])
    code, html = request(on_request, "/learn-technology-consulting/kickoff.html")
    assert code == 503
    assert "has no anchor '#no-such-part'" in unescape(html) and RELOAD_SCRIPT in html
    edit(lesson, "#no-such-part", "#bad-news-early")
    wait_for(lambda: not status(on_request)["errors"])
    code, html = request(on_request, "/learn-technology-consulting/kickoff.html")
    assert code == 200 and 'href="communication.html#bad-news-early"' in html


def test_an_edit_reaches_open_pages_and_pages_opened_later(on_request, tmp_path):
    """A retitle re-renders the open pages that show the title; the others show it once opened."""
    kickoff = "/learn-technology-consulting/kickoff.html"
    assert "Communicating with Clients" in request(on_request, kickoff)[1]  # in the sidebar
    events = EventStream(on_request)
    lesson = on_request.site_dir / "content/consulting/communication.md"
    edit(lesson, "Communicating with Clients", "Talking to Clients")
    report = wait_for(lambda: [e["data"] for e in events.events if e["event"] == "rebuild"])
    assert kickoff in report[-1]["changed"]
    assert "Talking to Clients" in request(on_request, kickoff)[1]
    assert "Talking to Clients" in request(on_request, "/learn-technology-consulting/")[1]
    full = tmp_path / "full"
    assert build_site(load_config(on_request.site_dir / "site.yaml"), full).written
    made_on_request = [p for p in digest(full) if is_on_request(p)]
    assert "print.html" in made_on_request and len(made_on_request) > 2  # and the search index
    for path in made_on_request:  # every page's part in them, opened or not
        code, served = request(on_request, "/" + path)
        assert code == 200 and served == (full / path).read_text()


def test_problems_of_pages_not_opened_are_reported_again_after_a_page_is_added(on_request):
    """Adding a page makes every page parse again: those not opened load again, problems too."""
    lesson = on_request.site_dir / "content/consulting/kickoff.md"
    edit(lesson, "Hello.", "See [learn-technology-consulting/communication#no-such-part].")
    wait_for(lambda: status(on_request)["errors"])
    extra = (
        "@page learn-technology-consulting/extra Extra\n@parent learn-technology-consulting 20\n"
    )
    write_files(on_request.site_dir / "content", {"consulting/extra.md": extra + "@body\nHi.\n"})

    def added() -> bool:
        # Under the lock: the rebuild that adds the page has set its pages to load again.
        with on_request.preview.lock:
            return "learn-technology-consulting/extra" in on_request.preview.site.pages.facts

    wait_for(added)
    wait_for(lambda: not on_request.preview.incomplete.is_set())
    assert any("no-such-part" in line for line in status(on_request)["errors"])


def test_all_pages_loaded_is_said_once_and_again_only_when_every_page_loads_again(tmp_path, capsys):
    """A retitle re-renders the pages that show the title (every sidebar) and loads again the
    pages not opened: the terminal does not say again that every page is loaded (it did after each
    such edit). A page added makes every page load again: that is said, once."""
    site = make_site(tmp_path / "course", CONSULTING)
    running = start_preview(load_config(site / "site.yaml"), port=0, on_request_from=0)
    printed = []

    def loaded_lines():
        with running.preview.lock:  # a step of loading that is saying it has finished
            loading = running.preview.incomplete.is_set()
        printed.extend(capsys.readouterr().err.splitlines())
        return not loading and [line for line in printed if line.startswith("all ")]

    try:
        assert wait_for(loaded_lines) == ["all 5 pages loaded"]
        request(running, "/learn-technology-consulting/kickoff.html")  # one page open
        lesson = site / "content/consulting/communication.md"
        titles = ["Communicating with Clients", "Talking to Clients", "Speaking with Clients"]
        for old, new in zip(titles, titles[1:] + titles[:1], strict=True):
            before = status(running)["version"]
            edit(lesson, old, new)
            wait_for(lambda before=before: status(running)["version"] > before)
            assert wait_for(loaded_lines) == ["all 5 pages loaded"]
        extra = (
            "@page learn-technology-consulting/extra Extra\n@parent learn-technology-consulting 9\n"
        )
        write_files(site / "content", {"consulting/extra.md": extra + "@body\nHi.\n"})
        wait_for(lambda: "learn-technology-consulting/extra" in running.preview.site.pages.facts)
        wait_for(lambda: len(loaded_lines() or ()) > 1)
        time.sleep(0.2)
        assert loaded_lines() == ["all 5 pages loaded", "all 6 pages loaded"]
    finally:
        running.stop()


@pytest.mark.parametrize("on_request_from", [None, 0])
def test_a_page_and_a_folder_of_the_same_name_are_served_as_a_build_writes_them(
    tmp_path, on_request_from
):
    """course/intro.html and course/intro/index.html: the address with a slash is the folder's."""
    site = make_site(
        tmp_path,
        {
            "index.md": "@page course Course\n@body\nSee [course/intro] and [course/intro/index].\n",
            "intro.md": "@page course/intro Intro\n@parent course 1\n@body\nIntro page.\n",
            "intro-index.md": (
                "@page course/intro/index Intro Index\n@parent course 2\n@body\nFolder index.\n"
            ),
        },
    )
    running = start_preview(
        load_config(site / "site.yaml"), port=0, on_request_from=on_request_from
    )
    try:
        # No folder of that name: NAME.html answers, at the address without a slash.
        assert follow(running, "/course/intro/index/")[1:] == (
            "/course/intro/index",
            request(running, "/course/intro/index.html")[1],
        )
        assert "Folder index." in request(running, "/course/intro/")[1]
        assert "Intro page." in request(running, "/course/intro.html")[1]
        assert request(running, "/course/intro")[0] == 301  # to the folder, as for any folder
        assert follow(running, "/course/intro")[1] == "/course/intro/"
    finally:
        running.stop()


@pytest.mark.parametrize("on_request_from", [None, 0])
def test_a_page_beside_a_folder_without_an_index_is_served_with_or_without_a_slash(
    tmp_path, on_request_from
):
    """course/sub.html and course/sub/b.html, no course/sub/index.html: /course/sub shows the page
    (it was redirected to /course/sub/, which was not found), /course/sub/ leads there; as for any
    page, including the root, a name ending in a dot and one with a percent sign. Every relative
    link of the page works where it is shown."""
    site = make_site(
        tmp_path,
        {
            "index.md": "@page course Course\n@body\nRoot page. See [course/sub].\n",
            "sub.md": "@page course/sub Sub\n@parent course 1\n@body\nSub page: [course/sub/b].\n",
            "b.md": "@page course/sub/b Beta\n@parent course/sub 1\n@body\nBeta page.\n",
            "dot.md": "@page course/v1. Dotted\n@parent course 2\n@body\nDotted page.\n",
            "off.md": "@page course/50%off Sale\n@parent course 3\n@body\nSale page.\n",
        },
    )
    running = start_preview(
        load_config(site / "site.yaml"), port=0, on_request_from=on_request_from
    )
    shown_at = {  # what a static host answers: the page, at the address the page is served at
        "/course/sub": ("Sub page", "/course/sub"),
        "/course/sub/": ("Sub page", "/course/sub"),
        "/course/sub.html": ("Sub page", "/course/sub.html"),
        "/course/sub/b": ("Beta page", "/course/sub/b"),
        "/course/sub/b/": ("Beta page", "/course/sub/b"),
        "/course/v1.": ("Dotted page", "/course/v1."),
        "/course/v1./": ("Dotted page", "/course/v1."),
        "/course/v1..html": ("Dotted page", "/course/v1..html"),
        "/course/50%25off": ("Sale page", "/course/50%25off"),
        "/course/50%25off/": ("Sale page", "/course/50%25off"),
        "/course/50%25off.html": ("Sale page", "/course/50%25off.html"),
        "/": ("Root page", "/"),
        "/.": ("Root page", "/"),
        "/index.html": ("Root page", "/index.html"),
    }
    try:
        for address, (text, landed_at) in shown_at.items():
            code, landed, html = follow(running, address)
            assert (code, landed) == (200, landed_at) and text in html, address
            assert broken_links(running, landed, html) == [], address
        assert request(running, "/course/sub")[0] == 200  # served, not redirected
        assert request(running, "/course")[0] == 404  # no course.html, no course/index.html
    finally:
        running.stop()


def test_stopping_while_pages_load_or_render_leaves_no_thread_and_no_folder(tmp_path, monkeypatch):
    """Stop during the last step of loading, and during a page rendered on request: the loading
    thread ends and the preview folder is gone for good (the page is not written after it)."""
    import trustdocs.outputs as outputs

    complete, full_page = outputs.SiteOutputs.complete, outputs.SiteOutputs.full_page

    def slow_complete(self, *args, **kwargs):
        time.sleep(0.5)
        return complete(self, *args, **kwargs)

    def slow_full_page(self, *args, **kwargs):
        time.sleep(1)
        return full_page(self, *args, **kwargs)

    monkeypatch.setattr(outputs.SiteOutputs, "complete", slow_complete)
    site = make_site(tmp_path / "one", CONSULTING)
    running = start_preview(load_config(site / "site.yaml"), port=0, on_request_from=0)
    time.sleep(0.2)  # the loading thread is in its step
    running.stop()
    wait_for(lambda: not any(t.name == "trustdocs-loading" for t in threading.enumerate()))

    monkeypatch.setattr(outputs.SiteOutputs, "full_page", slow_full_page)
    site = make_site(tmp_path / "two", CONSULTING)
    running = start_preview(load_config(site / "site.yaml"), port=0, on_request_from=0)
    folder = running.preview.output_dir.parent
    asking = threading.Thread(
        target=request, args=(running, "/learn-technology-consulting/kickoff.html")
    )
    asking.start()
    time.sleep(0.3)  # the page is being rendered
    running.stop()
    asking.join()
    time.sleep(0.2)
    assert not folder.exists()


@pytest.mark.parametrize("on_request_from", [None, 0])
def test_a_folder_address_without_its_slash_redirects_after_pages_are_added_and_removed(
    tmp_path, on_request_from
):
    """/course/sub, where course/sub/index is a page: a redirect to the folder, as a build's folder
    serves it, also once a page added elsewhere made every page load again (and once it is gone)."""
    site = make_site(
        tmp_path,
        {
            "index.md": "@page course Course\n@body\nSee [course/sub/index] and [course/sub/b].\n",
            "sub/index.md": "@page course/sub/index Sub\n@parent course 1\n@body\nSub index.\n",
            "sub/b.md": "@page course/sub/b Beta\n@parent course/sub/index 1\n@body\nBeta.\n",
        },
    )
    running = start_preview(
        load_config(site / "site.yaml"), port=0, on_request_from=on_request_from
    )
    try:
        assert request(running, "/course/sub")[0] == 301
        assert "Beta." in request(running, "/course/sub/b.html")[1]
        extra = site / "content/extra.md"
        for step in (
            lambda: extra.write_text("@page course/extra Extra\n@parent course 9\n@body\nX.\n"),
            extra.unlink,
        ):
            before = status(running)["version"]
            step()
            wait_for(lambda before=before: status(running)["version"] > before)
            assert request(running, "/course/sub")[0] == 301
            assert "Sub index." in request(running, "/course/sub/")[1]
    finally:
        running.stop()


def test_asking_for_the_print_page_while_pages_load_keeps_answering_other_requests(
    tmp_path, monkeypatch
):
    """The print page (or the search index), asked for before every page is loaded, loads them
    in steps: a page asked for meanwhile is answered before they all are; the print page then
    equals a build's."""
    import trustdocs.outputs as outputs
    import trustdocs.serve as serve

    render_kept = outputs.SiteOutputs._render_kept

    def slow_render_kept(self, *args, **kwargs):
        time.sleep(0.2)
        return render_kept(self, *args, **kwargs)

    monkeypatch.setattr(outputs.SiteOutputs, "_render_kept", slow_render_kept)
    monkeypatch.setattr(serve, "_complete_pages", lambda *args: None)  # the print page loads them
    site = make_site(tmp_path / "course", CONSULTING)
    running = start_preview(load_config(site / "site.yaml"), port=0, on_request_from=0)
    try:
        printed = []
        asking = threading.Thread(target=lambda: printed.append(request(running, "/print.html")))
        asking.start()
        wait_for(lambda: running.preview.site.outputs)  # loading has started
        code, html = request(running, "/learn-technology-consulting/kickoff.html")
        assert code == 200 and "Hello." in html
        assert not running.preview.site.loaded  # answered while the print page still loads
        asking.join()
        full = tmp_path / "full"
        assert build_site(load_config(site / "site.yaml"), full).written
        assert printed == [(200, (full / "print.html").read_text())]
    finally:
        running.stop()


@pytest.mark.parametrize("on_request_from", [None, 0])
def test_a_print_template_that_fails_shows_its_error_instead_of_an_empty_page(
    tmp_path, on_request_from, capsys
):
    site = make_site(tmp_path / "course", CONSULTING)
    default = Path(__file__).parent.parent / "themes" / "default" / "print.html"
    template = default.read_text().replace("{% for", "{{ 1 // 0 }}{% for", 1)
    write_files(site, {"themes/default/print.html": template})
    running = start_preview(
        load_config(site / "site.yaml"), port=0, on_request_from=on_request_from
    )
    try:
        code, html = request(running, "/print.html")
        assert (
            code == 500
            and "themes/default/print.html:" in html
            and "ZeroDivisionError" in unescape(html)
        )
        assert RELOAD_SCRIPT in html  # the tab reloads once the template is fixed
        assert "ZeroDivisionError" in capsys.readouterr().err
    finally:
        running.stop()


def test_a_link_out_of_the_site_is_not_watched_and_the_preview_starts(tmp_path):
    """A link in the content folder to a folder outside the site (a build refuses it) made the
    preview watch where it led, every folder below it: a link to / never let the preview start."""
    site = make_site(tmp_path / "site", {"index.md": "@page course Course\n@body\nHi.\n"})
    outside = tmp_path / "outside"
    write_files(outside, {f"deep/{n}/x.txt": "x" for n in range(3)})
    (site / "content" / "elsewhere").symlink_to(outside)
    (site / "content" / "file.txt").symlink_to(outside / "deep" / "0" / "x.txt")
    config = load_config(site / "site.yaml")
    assert site_links(config) == {}
    running = start_preview(config, port=0)
    try:  # the links are errors of the site, shown while nothing is served yet
        status, body = request(running, "/index.html")
        assert status == 503 and "symlink leads outside the site folder" in body, body
        for asset in ("/_assets/none", "/_assets/style.css", "/_trustdocs/none"):
            assert request(running, asset)[0] == 404, asset  # not a page: no errors page
    finally:
        running.stop()


def test_a_copied_file_turned_into_a_link_out_of_the_site_is_not_served(tmp_path):
    """The error says the file is not published: the preview must not copy it in anyway."""
    from trustdocs.serve import Preview

    root = make_site(tmp_path / "site", CONSULTING)
    write_files(root / "content", {"handout.txt": "public\n"})
    write_files(tmp_path / "outside", {"secret.txt": "password\n"})
    served = tmp_path / "served"
    preview = Preview(load_config(root / "site.yaml"), served)
    preview.full_build()
    assert (served / "handout.txt").read_text() == "public\n"
    handout = root / "content" / "handout.txt"
    handout.unlink()
    handout.symlink_to(tmp_path / "outside" / "secret.txt")
    report = preview.rebuild({handout})
    assert any("symlink leads outside the site folder" in e for e in report.errors), report
    assert (served / "handout.txt").read_text() == "public\n"  # the last good build's


def test_a_broken_site_yaml_is_still_reported_after_a_page_is_saved(tmp_path):
    """While site.yaml does not load, a page saved is not built with the configuration of
    before: the error stays, and the last good site stays served, until site.yaml is fixed."""
    from trustdocs.serve import Preview

    root = make_site(tmp_path / "site", {"index.md": "@page course Course\n@body\nOld text.\n"})
    served = tmp_path / "served"
    preview = Preview(load_config(root / "site.yaml"), served)
    preview.full_build()
    (root / "site.yaml").write_text("title: T\nroot: [\n")
    assert preview.rebuild({root / "site.yaml"}).errors
    page = root / "content" / "index.md"
    page.write_text("@page course Course\n@body\nNew text.\n")
    report = preview.rebuild({page})
    assert any("site.yaml" in e for e in report.errors), report
    assert "Old text." in (served / "index.html").read_text()
    (root / "site.yaml").write_text("title: Fixed\n")
    report = preview.rebuild({root / "site.yaml"})
    assert not report.errors and "New text." in (served / "index.html").read_text()


@pytest.mark.parametrize("asked_before", [True, False], ids=["asked before", "first asked"])
def test_the_print_page_shows_the_last_good_build_while_the_sources_have_errors(
    tmp_path, asked_before
):
    """The pages served while the sources have errors are the last good build's: so is the print
    page (and the search index). One not made since that build shows the errors instead."""
    from trustdocs.serve import Preview

    root = make_site(tmp_path / "site", {"index.md": "@page course Course\n@body\nOld text.\n"})
    preview = Preview(load_config(root / "site.yaml"), tmp_path / "served")
    preview.full_build()
    if asked_before:
        assert b"Old text." in preview.made_on_request("print.html")[0]
    page = root / "content" / "index.md"
    page.write_text("@page course Course\n@body\nNew text [course#nowhere].\n")
    assert preview.rebuild({page}).errors
    body, status = preview.made_on_request("print.html")
    assert b"New text" not in body
    assert (b"Old text." in body) == asked_before and status == (200 if asked_before else 503)
    page.write_text("@page course Course\n@body\nNew text.\n")
    assert not preview.rebuild({page}).errors
    assert b"New text." in preview.made_on_request("print.html")[0]


def test_the_print_page_kept_for_while_the_sources_have_errors_is_not_held_in_memory(tmp_path):
    """A large course's print page is tens of megabytes: the one kept from the last good build
    waits on disk, not in the preview's memory, until it is served again."""
    import gc
    import tracemalloc

    from trustdocs.serve import Preview

    lessons = {
        f"lesson-{n}.md": f"@page lesson-{n} Lesson {n}\n@parent course {n}\n@body\n"
        + f"Paragraph {n} of the lesson, long enough to weigh something. " * 400
        for n in range(60)
    }
    root = make_site(
        tmp_path / "site", {"index.md": "@page course Course\n@body\nHi.\n", **lessons}
    )
    preview = Preview(load_config(root / "site.yaml"), tmp_path / "served")
    preview.full_build()
    tracemalloc.start()
    try:
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        size = len(preview.made_on_request("print.html")[0])
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert size > 1_000_000 and held < size // 4, (size, held)
    page = root / "content" / "index.md"
    page.write_text("@page course Course\n@body\nBroken [course#nowhere].\n")
    assert preview.rebuild({page}).errors
    body, status = preview.made_on_request("print.html")
    assert status == 200 and len(body) == size and b"Paragraph 59 of the lesson" in body


def test_a_file_no_page_reads_saved_in_the_site_folder_rebuilds_nothing(tmp_path):
    """A log the preview writes into the site's folder (`trustdocs serve 2> serve.log`) is seen
    by the watcher: it changes nothing, so nothing is rebuilt, reported or told to the pages
    (else each report would write the log again, for ever)."""
    from trustdocs.serve import Preview

    root = make_site(tmp_path / "site", {"index.md": "@page course Course\n@body\nText.\n"})
    preview = Preview(load_config(root / "site.yaml"), tmp_path / "served")
    first = preview.full_build()
    log = root / "serve.log"
    log.write_text("rebuilt\n")
    assert preview.rebuild({log}) is first and preview.version == first.version


def test_a_theme_link_out_of_the_site_is_not_watched_unless_the_site_allows_it(tmp_path):
    """A build refuses a theme's link out of the site (`sourceref_outside` allows it): the preview
    does not watch where it leads (a link to `/` would have it walk the whole disk)."""
    site = make_site(tmp_path / "site", {"index.md": "@page course Course\n@body\nHi.\n"})
    write_files(tmp_path / "shared", {"partials/sidebar.html": "first\n"})
    (site / "themes" / "default").mkdir(parents=True)
    (site / "themes" / "default" / "partials").symlink_to(tmp_path / "shared" / "partials")
    (site / "themes" / "default" / "everything").symlink_to("/", target_is_directory=True)
    assert site_links(load_config(site / "site.yaml")) == {}
    (site / "themes" / "default" / "everything").unlink()
    (site / "site.yaml").write_text("title: Test Course\nsourceref_outside: true\n")
    allowed = site_links(load_config(site / "site.yaml"))
    assert allowed[(tmp_path / "shared" / "partials").resolve()].name == "partials"


@pytest.mark.parametrize("workers", [1, 2])
def test_a_preview_built_again_frees_what_the_last_site_left(tmp_path, workers):
    """A preview holds its site's pages out of the cycle collector's walks; a full rebuild (the
    config edited) replaces the site, and what the old one leaves in reference cycles must be
    freed, or a long session would keep a part of every site it ever built."""
    import gc

    from trustdocs.serve import Preview

    root = make_site(tmp_path / "site", CONSULTING)
    preview = Preview(load_config(root / "site.yaml"), tmp_path / "served")
    gc.unfreeze()
    gc.collect()
    preview.full_build(workers=workers, minimum=0)
    preview.full_build(workers=workers, minimum=0)
    held = gc.get_freeze_count()
    assert held > 0  # the site's pages are held out of the collector's walks
    for _ in range(5):
        preview.full_build(workers=workers, minimum=0)
    assert gc.get_freeze_count() <= held + 20  # 240 more a build when they were kept
    gc.unfreeze()


def test_pages_an_edit_unloads_while_the_others_load_are_loaded_again(tmp_path, monkeypatch):
    """The preview of a large course loads the pages not opened yet a step at a time, from a list
    it makes once. An edit meanwhile (a title every sidebar shows) unloads pages loaded already:
    they must be loaded again before the preview says all are, and the print page must equal a
    build's."""
    import itertools
    from types import SimpleNamespace

    import trustdocs.outputs as outputs
    from trustdocs.serve import Preview

    # A clock that moves a second each time it is read: a step of 2.5 seconds loads two pages.
    ticks = itertools.count()
    monkeypatch.setattr(outputs, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))
    site = make_site(tmp_path / "course", CONSULTING)
    preview = Preview(load_config(site / "site.yaml"), tmp_path / "served", on_request_from=0)
    preview.full_build()
    preview.complete_pages(2.5)  # the home page and one lesson loaded, the others listed
    loaded = set(preview.site.outputs)
    assert len(loaded) == 2 and not preview.site.loaded
    home = site / "content" / "index.md"
    home.write_text(home.read_text().replace("Learn Technology Consulting", "Consulting 101"))
    preview.rebuild({home})
    assert loaded - set(preview.site.outputs)  # unloaded by the edit
    for _ in range(100):
        if preview.site.load_more(2.5):  # once True, the loading thread stops
            break
    assert set(preview.site.outputs) == set(preview.site.pages.facts)
    printed = preview.made_on_request("print.html")
    full = tmp_path / "full"
    assert build_site(load_config(site / "site.yaml"), full).written
    assert printed == ((full / "print.html").read_bytes(), 200)


def test_a_site_yaml_that_is_a_link_elsewhere_is_served_and_its_edits_show_up(tmp_path):
    """A site.yaml kept elsewhere (a shared configuration) and linked into the site's folder:
    the preview reads the site beside the link, as a build does, and sees the target edited."""
    site = make_site(tmp_path / "course", CONSULTING)
    shared = tmp_path / "shared" / "course.yaml"
    shared.parent.mkdir()
    shared.write_text((site / "site.yaml").read_text())
    (site / "site.yaml").unlink()
    (site / "site.yaml").symlink_to(shared)
    running = start_preview(load_config(site / "site.yaml"), port=0)
    try:
        assert "Test Course" in request(running, "/index.html")[1]
        edit(shared, "title: Test Course", "title: Renamed Course")
        wait_for(lambda: "Renamed Course" in request(running, "/index.html")[1])
        edit(site / "content" / "consulting" / "kickoff.md", "Kickoff", "Opening")
        wait_for(
            lambda: "Opening" in request(running, "/learn-technology-consulting/kickoff.html")[1]
        )
        assert status(running)["errors"] == []
    finally:
        running.stop()


@pytest.mark.parametrize("name", ["notes.tmp", "notes.txt~", "4913", "notes.swp"])
def test_a_file_named_like_an_editors_temporary_one_is_published_as_a_build_does(tmp_path, name):
    """Names editors give their temporary files are still the author's files when they stay:
    a build copies them, and the preview serves them once saved, as it serves any other file."""
    site = make_site(tmp_path / "course", CONSULTING)
    running = start_preview(load_config(site / "site.yaml"), port=0)
    try:
        (site / "content" / "consulting" / name).write_text("kept\n")
        address = f"/consulting/{name}"
        wait_for(lambda: request(running, address)[0] == 200)
        assert request(running, address)[1] == "kept\n"
    finally:
        running.stop()
    built = build_site(load_config(site / "site.yaml"), tmp_path / "built")
    assert (tmp_path / "built" / "consulting" / name).read_text() == "kept\n"
    assert built.written


@pytest.mark.parametrize("folder", ["exercises", "exercises/week-1/start", "../shared/week-1"])
@pytest.mark.parametrize("step", ["created", "deleted and created again", "renamed away and back"])
def test_a_missing_exercise_folder_outside_the_content_folder_is_seen_when_it_comes(
    tmp_path, step, folder
):
    """A page reads ../FOLDER/start.js (in the site's folder, or outside it where the site
    allows it): the folder missing, deleted or renamed away is an error until it is there
    again, and each of those shows up while previewing."""
    site = make_site(
        tmp_path / "site",
        {"index.md": f"@page course Course\n@body\n@sourceref ../{folder}/start.js\n"},
        "title: Test Course\nsourceref_outside: true\n",
    )
    exercise = {f"{folder}/start.js": "const first = 1;\n"}
    if step != "created":
        write_files(site, exercise)
    running = start_preview(load_config(site / "site.yaml"), port=0)
    try:
        if step == "deleted and created again":
            assert "first" in request(running, "/index.html")[1]
            shutil.rmtree(site / folder)
        elif step == "renamed away and back":
            (site / folder).rename(site / f"{folder}-old")
        if step != "created":
            wait_for(lambda: status(running)["errors"])
        if step == "renamed away and back":
            (site / f"{folder}-old").rename(site / folder)
        else:
            write_files(site, exercise)
        wait_for(lambda: not status(running)["errors"])
        assert "first" in request(running, "/index.html")[1]
    finally:
        running.stop()


def test_a_file_deleted_before_the_preview_copies_it_is_left_out_without_a_crash(tmp_path):
    """A checkout or an image tool deletes files while the preview starts or rebuilds: a copy
    whose file is gone is left out (the watcher's event for it rebuilds), the rest is served."""
    folder = ServedFolder(tmp_path / "served")
    kept = tmp_path / "kept.png"
    kept.write_bytes(b"image")
    changed = folder.sync(
        {"index.html": "<body>Hi</body>", "kept.png": kept, "gone.png": tmp_path / "gone.png"}
    )
    assert changed == ["/index.html", "/kept.png"]
    assert (tmp_path / "served" / "kept.png").read_bytes() == b"image"
    assert not (tmp_path / "served" / "gone.png").exists()
    changed = folder.sync(
        {"index.html": "<body>Hi</body>", "kept.png": kept, "later.png": tmp_path / "later.png"}
    )
    assert changed == [] and "later.png" not in folder.files
    folder.recopy({tmp_path / "gone.png"})  # nothing held of it: nothing to copy
    # A file served before, saved anew (another source) and gone when it is copied: not served.
    changed = folder.sync({"index.html": "<body>Hi</body>", "kept.png": tmp_path / "new.png"})
    assert changed == ["/kept.png"] and not (tmp_path / "served" / "kept.png").exists()


def test_a_stopped_preview_leaves_nothing_of_its_site_in_the_process(tmp_path):
    """A program that starts and stops a preview and goes on holds nothing of its site once it
    lets go of it: the pages held out of the collector's walks are given back when it stops."""
    import gc

    pages = {"index.md": "@page home Home\n@body\nWelcomeStopped.\n"}
    site = make_site(tmp_path, pages)
    running = start_preview(load_config(site / "site.yaml"), port=0, on_request_from=None)
    assert "WelcomeStopped" in request(running, "/index.html")[1]
    running.stop()
    del running
    gc.collect()
    left = [x for x in gc.get_objects() if type(x) is dict and "WelcomeStopped" in str(x)]
    assert left == []


def test_a_preview_that_never_built_does_not_claim_to_serve_a_last_good_build(tmp_path, capsys):
    """Started on sources with an error, the preview has nothing to serve: the terminal and the
    pages' overlay (told by the event stream) say so, not that a last good build is shown.
    Once a build succeeds, an error after it keeps that build served, and says so."""
    site = make_site(tmp_path / "course", CONSULTING)
    lesson = site / "content/consulting/kickoff.md"
    edit(lesson, "Hello.", "See [learn-technology-consulting/communication#no-such-part].")
    running = start_preview(load_config(site / "site.yaml"), port=0)
    try:
        assert status(running)["errors"] and status(running)["kept"] is False
        said = capsys.readouterr().err
        assert "nothing built to serve yet" in said and "last good build" not in said
        edit(lesson, "#no-such-part", "#bad-news-early")
        wait_for(lambda: not status(running)["errors"])
        edit(lesson, "#bad-news-early", "#gone")
        wait_for(lambda: status(running)["errors"])
        assert status(running)["kept"] is True
        assert "still serving the last good build" in capsys.readouterr().err
    finally:
        running.stop()


@pytest.mark.parametrize("kind", ["in-process", "workers"])
def test_after_a_pause_a_save_with_errors_still_serves_the_print_page_and_search(tmp_path, kind):
    """The print page and the search index are made when asked for. A course served whole keeps
    them once saves pause after a good build, so a save with errors that comes before anyone
    asked still serves them as that build made them, as it does its pages."""
    site = make_site(tmp_path / "course", CONSULTING)
    running = start_preview(
        load_config(site / "site.yaml"),
        port=0,
        parallel_minimum=0 if kind == "workers" else 10**9,
        workers=2 if kind == "workers" else 1,
    )
    try:
        lesson = site / "content/consulting/kickoff.md"
        version = status(running)["version"]
        edit(lesson, "Hello.", "Hello, kept.")
        wait_for(lambda: status(running)["version"] > version)
        time.sleep(1.5)  # saves pause
        edit(lesson, "Hello, kept.", "See [learn-technology-consulting/communication#nowhere].")
        wait_for(lambda: status(running)["errors"])
        code, printed = request(running, "/print.html")
        assert code == 200 and "Hello, kept." in printed
        code, manifest = request(running, "/_assets/search/manifest.js")
        assert code == 200 and "trustdocsSearch.manifest(" in manifest
    finally:
        running.stop()
