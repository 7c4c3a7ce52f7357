"""cli.py: commands, exit codes and messages."""

import json
import textwrap

import pytest
import yaml
from conftest import CONSULTING, make_site

from trustdocs.cli import main


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0 and capsys.readouterr().out.startswith("trustdocs ")
    for command in ("build", "check", "serve"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "--config" in capsys.readouterr().out


def test_no_config_is_a_usage_error(tmp_path, trustdocs):
    run = trustdocs(tmp_path, "build")
    assert run.code == 2 and "no site.yaml here" in run.err


def test_bad_config_exits_2_with_key_and_line(tmp_path, trustdocs):
    site = make_site(tmp_path, CONSULTING, "title: X\noutptu: public\n")
    run = trustdocs(site, "check")
    assert run.code == 2
    assert "site.yaml:2:1: error: unknown key 'outptu' (did you mean 'output'?)" in run.err


def test_config_option_and_output_option(tmp_path, trustdocs):
    make_site(tmp_path / "course", CONSULTING)
    run = trustdocs(tmp_path, "build", "--config", "course/site.yaml", "--output", "public")
    assert run.code == 0, run.err
    assert (tmp_path / "public" / "index.html").is_file()


@pytest.mark.parametrize("output", [".", "content"])
@pytest.mark.parametrize("command", ["build", "check"])
def test_output_folder_that_holds_the_sources_is_refused(tmp_path, trustdocs, output, command):
    """`check` refuses what `build` refuses, with the same error and exit code: a CI job that
    checks passes no configuration a build rejects."""
    site = make_site(tmp_path, CONSULTING, f"title: X\noutput: {output}\n")
    run = trustdocs(site, command)
    assert run.code == 2 and "site.yaml:2:1: error: output folder" in run.err
    assert "contains the site's sources" in run.err and "no pages" not in run.err
    assert (site / "content" / "index.md").is_file()


def test_strict_in_site_yaml(tmp_path, trustdocs):
    pages = {**CONSULTING, "README.md": "plain readme\n"}
    site = make_site(tmp_path, pages, "title: X\nstrict: true\n")
    assert trustdocs(site, "check").code == 1


def test_bundled_course_is_clean_under_strict(trustdocs):
    from conftest import REPO

    # As the publishing workflow checks it, with the address GitHub Pages gives it.
    run = trustdocs(REPO, "check", "--strict", "--base-url", "https://example.github.io/trustdocs")
    assert run.code == 0, run.err
    pages = len(list((REPO / "content").rglob("*.md")))
    assert f"checked {pages} pages" in run.err


def test_unwritable_output_is_a_clear_error_not_a_traceback(tmp_path, trustdocs):
    site = make_site(tmp_path / "course", CONSULTING)
    (tmp_path / "a-file").write_text("not a folder")
    run = trustdocs(site, "build", "--output", str(tmp_path / "a-file" / "site"))
    assert run.code == 2  # the system's refusal, not a problem of the content
    assert "error: cannot write the output folder" in run.err
    assert "Traceback" not in run.err


def test_new_course_builds_cleanly_and_is_never_overwritten(tmp_path, trustdocs):
    run = trustdocs(tmp_path, "new", "course", "--title", "Negotiation Basics")
    assert run.code == 0 and "next: cd course && trustdocs serve" in run.err
    course = tmp_path / "course"
    config = yaml.safe_load((course / "site.yaml").read_text())
    assert config == {"title": "Negotiation Basics", "root": "negotiation-basics"}
    check = trustdocs(course, "check")
    assert check.code == 0, check.err
    assert [line for line in check.err.splitlines() if ": warning: " in line] == [
        "site.yaml:1:1: warning: base_url is not set: the 404 page works only for a site "
        "published at the root of its domain (set base_url in site.yaml (or pass --base-url) "
        "to the site's address, such as https://user.github.io/course/)"
    ]
    published = "https://example.github.io/negotiation-basics"  # as the workflow passes it
    check = trustdocs(course, "check", "--strict", "--base-url", published)
    assert check.code == 0, check.err
    assert trustdocs(course, "build").code == 0
    lesson = (course / "site" / "negotiation-basics" / "first-lesson.html").read_text()
    assert 'href="../index.html"' in lesson and 'href="#try-it"' in lesson

    (course / "site.yaml").write_text("title: Mine\n")
    again = trustdocs(tmp_path, "new", "course")
    assert again.code == 2 and "already exists" in again.err
    assert (course / "site.yaml").read_text() == "title: Mine\n"


# One warning (an unknown page whose name holds a %) and one error, in a file whose name has a comma.
ONE_OF_EACH = {
    "index.md": "@page home Home\n@body\nWelcome.\n",
    "q&a, part 1.md": "@page qa Q&A\n@parent home 1\n@body\nSee [100%/done].\n[home#nope]\n",
}


PUBLISHED = "title: T\nbase_url: https://example.org/course/\n"


def test_check_format_github_prints_workflow_annotations(tmp_path, trustdocs):
    site = make_site(tmp_path, ONE_OF_EACH, PUBLISHED)
    run = trustdocs(site, "check", "--format", "github")
    assert run.code == 1
    assert run.out == (
        "::warning file=content/q&a%2C part 1.md,line=4,col=5::unknown page '100%25/done'\n"
        "::error file=content/q&a%2C part 1.md,line=5,col=1::"
        "page 'home' has no anchor '#nope' (that page has no headings or ids)\n"
    )
    assert run.err.startswith("checked 2 pages in ") and run.err.endswith(", 1 error, 1 warning\n")


def test_github_annotations_name_files_from_the_root_of_the_checkout(
    tmp_path, trustdocs, monkeypatch
):
    """GitHub shows an annotation on a pull request's line only when its file is named from the
    root of the repository: a course in a subfolder, checked there (the working directory of a
    workflow's steps), named its files from that subfolder, and its problems showed on no line."""
    course = make_site(tmp_path / "docs" / "course", ONE_OF_EACH, PUBLISHED)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    run = trustdocs(course, "check", "--format", "github")
    assert run.code == 1
    assert run.out.startswith(
        "::warning file=docs/course/content/q&a%2C part 1.md,line=4,col=5::unknown page"
    )
    assert "::error file=docs/course/content/q&a%2C part 1.md,line=5,col=1::" in run.out
    # Checked from the root, as before; and a file outside the checkout keeps its name.
    from_root = trustdocs(
        tmp_path, "check", "--format", "github", "--config", str(course / "site.yaml")
    )
    assert from_root.out == run.out
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path / "elsewhere"))
    run = trustdocs(course, "check", "--format", "github")
    assert run.out.startswith("::warning file=content/q&a%2C part 1.md,line=4,col=5::")


def test_a_strict_run_annotates_its_warnings_as_errors_on_github(tmp_path, trustdocs):
    """With --strict (or `strict: true`), a warning fails the run: GitHub shows it as an error
    on its line, not as a warning beside a failed job; JSON says the run was strict."""
    pages = {
        **ONE_OF_EACH,
        "q&a, part 1.md": ONE_OF_EACH["q&a, part 1.md"].replace("[home#nope]\n", ""),
    }
    site = make_site(tmp_path, pages, PUBLISHED)
    run = trustdocs(site, "check", "--strict", "--format", "github")
    assert run.code == 1
    assert (
        run.out
        == "::error file=content/q&a%2C part 1.md,line=4,col=5::unknown page '100%25/done'\n"
    )
    assert trustdocs(site, "check", "--format", "github").out.startswith("::warning ")
    summary = json.loads(trustdocs(site, "check", "--strict", "--format", "json").out)["summary"]
    assert summary["failed"] and summary["strict"] and summary["warnings"] == 1


def test_check_format_json_prints_one_document(tmp_path, trustdocs):
    site = make_site(tmp_path, ONE_OF_EACH, PUBLISHED)
    run = trustdocs(site, "check", "--format", "json")
    assert run.code == 1 and run.err == ""
    assert run.out == textwrap.dedent(
        """\
        {
          "diagnostics": [
            {
              "path": "content/q&a, part 1.md",
              "line": 4,
              "col": 5,
              "severity": "warning",
              "message": "unknown page '100%/done'",
              "hint": ""
            },
            {
              "path": "content/q&a, part 1.md",
              "line": 5,
              "col": 1,
              "severity": "error",
              "message": "page 'home' has no anchor '#nope'",
              "hint": "that page has no headings or ids"
            }
          ],
          "summary": {
            "pages": 2,
            "errors": 1,
            "warnings": 1,
            "failed": true,
            "strict": false
          }
        }
        """
    )


def test_text_stays_the_default_and_build_takes_a_format_too(tmp_path, trustdocs):
    site = make_site(tmp_path, ONE_OF_EACH, PUBLISHED)
    run = trustdocs(site, "check")
    assert run.out == ""
    assert run.err.startswith(
        "content/q&a, part 1.md:4:5: warning: unknown page '100%/done'\n"
        "content/q&a, part 1.md:5:1: error: page 'home' has no anchor '#nope' "
        "(that page has no headings or ids)\n"
        "checked 2 pages in "
    )
    (site / "content" / "q&a, part 1.md").write_text("@page qa Q&A\n@parent home 1\n@body\nOK.\n")
    built = trustdocs(site, "build", "--format", "json")
    assert built.code == 0 and built.err == ""
    assert json.loads(built.out) == {
        "diagnostics": [],
        "summary": {"pages": 2, "errors": 0, "warnings": 0, "failed": False, "strict": False},
    }
    assert (site / "site" / "qa.html").is_file()


def test_bad_config_in_json_is_still_one_document(tmp_path, trustdocs):
    site = make_site(tmp_path, ONE_OF_EACH, "title: X\noutptu: public\n")
    run = trustdocs(site, "check", "--format", "json")
    assert run.code == 2
    assert json.loads(run.out)["diagnostics"] == [
        {
            "path": "site.yaml",
            "line": 2,
            "col": 1,
            "severity": "error",
            "message": "unknown key 'outptu'",
            "hint": "did you mean 'output'?",
        }
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "no site.yaml here (nor a package.json"),
        (("--config", "nope.yaml"), "config file not found: nope.yaml"),
        (("--config", "x" * 5000), "config file cannot be read: "),
        (("--no-cache", "--base-url", "garbage"), "--base-url: 'base_url' must be the absolute"),
    ],
)
@pytest.mark.parametrize("command", ["check", "build"])
def test_every_usage_error_is_reported_in_the_chosen_format(
    tmp_path, trustdocs, command, args, message
):
    """A problem with how the command was run (no site.yaml, a --config or --base-url that will
    not do) was said on standard error alone: a tool reading `--format json` found no document,
    and a workflow's log no annotation. Each is reported in the format asked for, exit 2."""
    site = make_site(tmp_path / "course", CONSULTING)
    where = tmp_path / "empty" if not args else site
    where.mkdir(exist_ok=True)

    run = trustdocs(where, command, "--format", "json", *args)
    assert run.code == 2 and run.err == ""
    document = json.loads(run.out)
    (problem,) = document["diagnostics"]
    assert problem["severity"] == "error" and problem["message"].startswith(message)
    assert (problem["path"], problem["line"]) == ("", 0)  # in no file
    assert document["summary"]["failed"] and document["summary"]["errors"] == 1

    run = trustdocs(where, command, "--format", "github", *args)
    assert run.code == 2 and run.err == ""
    (line,) = run.out.splitlines()
    assert line.startswith(f"::error::{message}")

    run = trustdocs(where, command, *args)
    assert run.code == 2 and run.out == ""
    assert run.err.startswith(f"trustdocs: error: {message}")
    assert not (site / "site").exists()


@pytest.mark.parametrize("report_format", ["json", "github"])
def test_arguments_the_command_refuses_are_reported_in_the_chosen_format(
    tmp_path, trustdocs, report_format
):
    site = make_site(tmp_path, CONSULTING)
    for args in (["--strcit"], ["--no-cache", "--config"]):
        run = trustdocs(site, "check", f"--format={report_format}", *args)
        assert run.code == 2 and run.err == ""
        if report_format == "json":
            (problem,) = json.loads(run.out)["diagnostics"]
            said = problem["message"]
        else:
            (line,) = run.out.splitlines()
            said = line.removeprefix("::error::")
        assert said in (
            "unrecognized arguments: --strcit",
            "argument --config: expected one argument",
        )
    # A command that takes no --format, and a format it does not know: argparse's own words.
    for args in (["serve", "--format", "json"], ["check", "--format", "xml"]):
        with pytest.raises(SystemExit) as exited:
            trustdocs(site, *args)
        assert exited.value.code == 2


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("user.github.io/course", "must be the absolute http(s) address the site is published at"),
        ("https://user.github.io/my course/", "must be a URL without spaces"),
        ("https://user.github.io:port/course/", "is not a valid URL"),
    ],
)
def test_base_url_option_that_is_no_web_address_is_a_usage_error(
    tmp_path, trustdocs, value, reason
):
    site = make_site(tmp_path, CONSULTING)
    run = trustdocs(site, "build", "--base-url", value)
    assert run.code == 2 and "trustdocs: error: --base-url: " in run.err and reason in run.err
    assert not (site / "site").exists()


@pytest.mark.parametrize("how", ["command", "python -m trustdocs"])
def test_ctrl_c_while_the_command_loads_is_interrupted_not_a_traceback(tmp_path, how):
    """Ctrl-C right after pressing Enter lands while Python loads the command's modules, before
    any of its code runs: the entry point must still answer 'interrupted', exit 130."""
    import subprocess
    import sys
    import tomllib

    from conftest import REPO

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    module, function = scripts["trustdocs"].split(":")
    start = f"from {module} import {function}\nsys.exit({function}())"
    if how != "command":
        start = "import runpy\nrunpy.run_module('trustdocs', run_name='__main__')"
    program = (
        "import importlib.abc, sys\n"
        "class CtrlC(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name == 'trustdocs.diagnostics':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, CtrlC())\n" + start + "\n"
    )
    make_site(tmp_path, CONSULTING)
    result = subprocess.run(
        [sys.executable, "-c", program, "build"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 130, result.stderr
    assert "trustdocs: interrupted" in result.stderr
    assert "Traceback" not in result.stderr


def _built_then_edited(tmp_path):
    """A course built, then a lesson's title edited: the site's folder, that lesson's page, and
    the page's bytes as built."""
    site = make_site(tmp_path, CONSULTING)
    assert main(["build", "--config", str(site / "site.yaml")]) == 0
    page = site / "site" / "learn-technology-consulting" / "communication.html"
    edited = site / "content" / "consulting" / "communication.md"
    edited.write_text(edited.read_text().replace("Communicating with Clients", "Talking"))
    return site, page, page.read_bytes()


@pytest.mark.parametrize("cache", [[], ["--no-cache"]])
def test_ctrl_c_caught_by_a_finalizer_still_stops_the_build_and_keeps_the_old_site(tmp_path, cache):
    """Ctrl-C can land while Python runs an object's finalizer, where it cannot stop anything:
    Python prints it as ignored and goes on. The build must stop all the same: exit 130, no
    traceback, and the site of the last build left as it was."""
    import subprocess
    import sys

    program = (
        "import os, signal, sys\n"
        "import trustdocs.site\n"
        "class Dropped:\n"
        "    def __del__(self):\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "        for _ in range(10000): pass\n"
        "build = trustdocs.site.Site.build\n"
        "def interrupted_build(self, *args, **kwargs):\n"
        "    Dropped()\n"
        "    return build(self, *args, **kwargs)\n"
        "trustdocs.site.Site.build = interrupted_build\n"
        "from trustdocs.launch import main\n"
        "sys.exit(main())\n"
    )
    site, page, before = _built_then_edited(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", program, "build", *cache],
        cwd=site,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 130, result.stderr
    assert "trustdocs: interrupted" in result.stderr
    assert "Traceback" not in result.stderr and "ignored" not in result.stderr
    assert page.read_bytes() == before


@pytest.mark.parametrize("when", ["swapped", "removing the old site"])
def test_ctrl_c_after_the_new_site_is_in_place_finishes_the_build_and_says_so(tmp_path, when):
    """Once the new site has taken the old one's place, Ctrl-C no longer undoes anything: the
    build finishes (the old site's copy deleted, not left beside the output to be uploaded;
    its record kept), exits 130, and says that the new site is in place."""
    import subprocess
    import sys

    program = (
        "import os, signal, sys\n"
        "import trustdocs.output_folder as out\n"
        "swap, remove = out._exchange, out._emptied\n"
        "def interrupted(*args):\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    for _ in range(10000): pass\n"
        "def swapped(*args):\n"
        "    done = swap(*args)\n"
        "    interrupted()\n"
        "    return done\n"
        "def removing(*args):\n"
        "    interrupted()\n"
        "    return remove(*args)\n"
        f"if {when == 'swapped'}: out._exchange = swapped\n"
        "else: out._emptied = removing\n"
        "from trustdocs.launch import main\n"
        "sys.exit(main())\n"
    )
    site, page, _ = _built_then_edited(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", program, "build"], cwd=site, capture_output=True, text=True
    )
    assert result.returncode == 130, result.stderr
    assert "trustdocs: interrupted; the new site is in place all the same" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Talking" in page.read_text()
    assert [p.name for p in site.iterdir() if p.name.startswith(".site.")] == []
    again = subprocess.run(
        [sys.executable, "-m", "trustdocs", "build"], cwd=site, capture_output=True, text=True
    )
    assert again.returncode == 0 and "nothing changed" in again.stderr + again.stdout, again


@pytest.mark.parametrize("how", ["command", "python -m trustdocs"])
@pytest.mark.parametrize("broken", [3, 3000])
def test_the_command_ends_with_its_exit_code_and_all_its_output_through_a_pipe(
    tmp_path, how, broken
):
    """The command ends without the interpreter's teardown: what it printed must still reach a
    pipe whole, a short report (which waits in the output's buffer) or one far larger than the
    pipe's buffer, with the build's exit code."""
    import os
    import subprocess
    import sys
    import tomllib

    from conftest import REPO

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    module, function = scripts["trustdocs"].split(":")
    start = f"import sys\nfrom {module} import {function}\nsys.exit({function}())"
    if how != "command":
        start = "import runpy\nrunpy.run_module('trustdocs', run_name='__main__')"
    links = "\n".join(f"See [nowhere/page-{n}]." for n in range(broken))
    site = make_site(tmp_path, {"index.md": f"@page home Home\n@body\n{links}\n"}, PUBLISHED)
    result = subprocess.run(
        [sys.executable, "-c", start, "check", "--strict", "--format", "json"],
        cwd=site,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},  # as a user has it
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert len(report["diagnostics"]) == broken and report["summary"]["failed"] is True


@pytest.mark.parametrize(
    ("args", "broken"),
    [
        (["check", "--format", "json"], 3000),  # larger than the pipe: its write fails
        (["check", "--format", "json"], 3),  # waits in the output's buffer until the end
        (["check", "--format", "json"], 0),  # a clean site: exit 0 had the reader been there
        (["--help"], 0),
        (["build", "--help"], 0),
    ],
    ids=["large report", "short report", "clean report", "help", "help of a command"],
)
def test_a_reader_that_goes_away_is_no_internal_error(tmp_path, args, broken):
    """`trustdocs check --format json | head -c 0`: the report cannot be shown, which is no bug of
    trustdocs; the command ends as a shell reports a closed pipe (141), without a traceback or
    Python's own complaint, whether the report is written at once, or waits in the output's
    buffer until the command ends, as a short one does (and `--help`)."""
    import os
    import subprocess
    import sys

    links = "\n".join(f"See [nowhere/page-{n}]." for n in range(broken))
    site = make_site(tmp_path, {"index.md": f"@page home Home\n@body\n{links}\n"}, PUBLISHED)
    start = "import sys\nfrom trustdocs.launch import main\nsys.exit(main())"
    command = [sys.executable, "-c", start, *args]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    with subprocess.Popen(
        command, cwd=site, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # the reader is gone before the report is written
        errors = process.stderr.read().decode()
        code = process.wait(timeout=120)
    assert code == 141, errors
    assert "internal error" not in errors and "Traceback" not in errors
    assert "Exception ignored" not in errors and "BrokenPipeError" not in errors


@pytest.mark.parametrize("broken", [3, 3000], ids=["short report", "large report"])
def test_a_report_that_cannot_be_written_is_an_error_not_a_success(tmp_path, broken):
    """`trustdocs check --format json > report.json` on a full disk: the report is lost, so the
    command must not end as if it had been given (exit 0), nor call it a bug of trustdocs; it
    says why, and ends as for a problem of its surroundings (2)."""
    import os
    import subprocess
    import sys

    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full, a file every write to fails as on a full disk")
    links = "\n".join(f"See [nowhere/page-{n}]." for n in range(broken))
    site = make_site(tmp_path, {"index.md": f"@page home Home\n@body\n{links}\n"}, PUBLISHED)
    start = "import sys\nfrom trustdocs.launch import main\nsys.exit(main())"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-c", start, "check", "--format", "json"],
            cwd=site,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
    assert result.returncode == 2, result.stderr
    assert "trustdocs: error: cannot write the report: No space left on device" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("closed", [1, 2], ids=["stdout closed", "stderr closed"])
@pytest.mark.parametrize("command", [["build"], ["check", "--format", "json"]])
def test_a_command_run_with_an_output_closed_works_as_with_it_discarded(tmp_path, closed, command):
    """Run with its output or errors closed (`trustdocs build >&-`, as some schedulers start
    commands), Python gives the command no stream there: what would go there is dropped, as
    with `>/dev/null`, never an internal error or a traceback."""
    import os
    import subprocess
    import sys

    site = make_site(tmp_path, {"index.md": "@page home Home\n@body\nHello.\n"}, PUBLISHED)
    start = "import sys\nfrom trustdocs.launch import main\nsys.exit(main())"
    shown = subprocess.PIPE if closed == 1 else None
    result = subprocess.run(
        [sys.executable, "-c", start, *command],
        cwd=site,
        stdout=subprocess.PIPE if closed == 2 else None,
        stderr=shown,
        preexec_fn=lambda: os.close(closed),
        text=True,
    )
    left = result.stderr if closed == 1 else result.stdout
    assert result.returncode == 0, left
    assert "internal error" not in left and "Traceback" not in left
    assert (site / "site" / "index.html").is_file() == (command == ["build"])


def test_a_config_that_is_a_fifo_is_named_so_and_never_read(tmp_path, trustdocs):
    """Reading a FIFO would wait for a writer for ever: it is refused as what it is."""
    import os

    site = make_site(tmp_path, CONSULTING)
    os.mkfifo(site / "pipe.yaml")
    run = trustdocs(site, "build", "--config", "pipe.yaml")
    assert run.code == 2
    assert "trustdocs: error: config file pipe.yaml is not a regular file: it is a FIFO" in run.err
    (site / "site.yaml").unlink()
    os.mkfifo(site / "site.yaml")
    run = trustdocs(site, "check")
    assert run.code == 2
    assert "trustdocs: error: site.yaml here is not a regular file: it is a FIFO" in run.err


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (
            "https://tok:SECRET@x.org:8x/",
            "is not a valid URL: Port could not be cast to integer value as '8x' "
            "('https://…@x.org:8x/')",
        ),
        (
            "https://tok:SECRET@x.org/ x",
            "must be a URL without spaces, not 'https://…@x.org/ x'",
        ),
        (
            "https://tok:SECRET@ｘ.org℀/",
            "is not a valid URL: netloc '…@ｘ.org℀' contains invalid characters under NFKC "
            "normalization ('https://…@ｘ.org℀/')",
        ),
        (
            "tok:SECRET@x.org/",
            "'base_url' must be the absolute http(s) address the site is published at "
            "(such as https://user.github.io/course/), not '…@x.org/'",
        ),
    ],
)
def test_a_base_url_option_with_a_password_is_never_echoed_with_it(
    tmp_path, trustdocs, value, shown
):
    """A --base-url holding a token (passed from a CI secret) keeps it out of the log, whatever
    else is wrong with it, in every format."""
    site = make_site(tmp_path, CONSULTING)
    for report_format, lead in (("text", "trustdocs: error: "), ("github", "::error::")):
        run = trustdocs(site, "build", "--format", report_format, "--base-url", value)
        assert run.code == 2
        assert f"{lead}--base-url: {shown}" in run.out + run.err
        assert "SECRET" not in run.out + run.err and "tok" not in run.out + run.err


@pytest.mark.parametrize(
    "asked",
    [
        ["--form", "json"],
        ["--f", "json"],
        ["--form=json"],
        ["--forma=json"],
        ["--format", "github", "--fo", "json"],
    ],
)
def test_arguments_refused_are_reported_in_a_format_asked_with_an_abbreviated_option(
    tmp_path, trustdocs, asked
):
    """argparse takes `--form json` for `--format json`: a refusal is reported in that format
    too, as a tool reading JSON expects."""
    site = make_site(tmp_path, CONSULTING)
    for command in ("build", "check"):
        run = trustdocs(site, command, *asked, "--bogus")
        assert run.code == 2 and run.err == ""
        (problem,) = json.loads(run.out)["diagnostics"]
        assert problem["message"] == "unrecognized arguments: --bogus"


def test_arguments_refused_after_no_format_option_are_reported_as_text(tmp_path, trustdocs, capsys):
    """A word that is no abbreviation of --format (`--formats`) asks for no format: argparse's
    usage and message, as text."""
    site = make_site(tmp_path, CONSULTING)
    with pytest.raises(SystemExit) as exited:
        trustdocs(site, "build", "--formats", "json", "--bogus")
    assert exited.value.code == 2
    said = capsys.readouterr()
    assert said.out == ""
    assert "trustdocs: error: unrecognized arguments: --formats json --bogus" in said.err
