"""The `trustdocs` command: build, check, serve, deploy, new; its exit codes and its one top-level guard."""

from __future__ import annotations

import argparse
import os
import shlex
import stat
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from trustdocs.diagnostics import (
    EXIT_BROKEN_PIPE,
    EXIT_CONTENT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    REPORT_FORMATS,
    Report,
    ReportFormat,
    count,
    error,
    has_errors,
    plural,
)

if TYPE_CHECKING:
    from trustdocs.build import BuildResult
    from trustdocs.config import SiteConfig

DEBUG_VARIABLE = "TRUSTDOCS_DEBUG"
ISSUES_HINT = (
    "please report it with the command line, the trustdocs version and, if you can, the site"
)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # only --version needs it

    try:
        return version("trustdocs")
    except PackageNotFoundError:
        return "unknown"


Subcommands = argparse._SubParsersAction  # what `add_subparsers` returns


class _ShowVersion(argparse.Action):
    """`--version`: the installed version, looked up only when asked for (reading the package's
    metadata costs every other command about 20 ms)."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        print(f"trustdocs {_version()}")
        parser.exit()


class ArgumentsRefused(Exception):
    """Arguments that PARSER refused, for the reason MESSAGE."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser, self.message = parser, message


class _Parser(argparse.ArgumentParser):
    """An argument parser that raises ArgumentsRefused for arguments it refuses, so that the
    refusal can be reported in the format they ask for."""

    def error(self, message: str) -> NoReturn:
        """Raise ArgumentsRefused for MESSAGE, in place of printing it and exiting."""
        raise ArgumentsRefused(self, message)


def make_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand (ArgumentsRefused: see `_Parser`)."""
    parser = _Parser(prog="trustdocs", description="Build a course site from Markdown lessons.")
    parser.add_argument("--version", action=_ShowVersion, help="show the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_build_command(commands)
    _add_check_command(commands)
    _add_deploy_command(commands)
    _add_serve_command(commands)
    _add_new_command(commands)
    return parser


def _add_site_command(commands: Subcommands, name: str, summary: str) -> argparse.ArgumentParser:
    """A subcommand that works on a site: it takes --config and --no-cache."""
    sub = commands.add_parser(name, help=summary, description=f"{summary.capitalize()}.")
    sub.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="site.yaml (or a bit-docs package.json); default: the one in this folder",
    )
    sub.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the build cache (.trustdocs-cache/ beside the config)",
    )
    return sub


def _add_base_url_option(sub: argparse.ArgumentParser) -> None:
    """--base-url, for the commands that write or check the site's links."""
    sub.add_argument(
        "--base-url",
        metavar="URL",
        help="the address the site is published at (default: base_url from site.yaml)",
    )


def _add_report_options(sub: argparse.ArgumentParser) -> None:
    """--strict and --format, for the commands that report problems and stop there."""
    sub.add_argument("--strict", action="store_true", help="fail on warnings too")
    sub.add_argument(
        "--format",
        choices=REPORT_FORMATS,
        default="text",
        help="how problems are reported: text (path:line:col, the default), "
        "github (workflow annotations on the lines of a pull request), json (for tools)",
    )


def _add_build_command(commands: Subcommands) -> None:
    """`trustdocs build`."""
    build = _add_site_command(commands, "build", "build the site into its output folder")
    build.add_argument(
        "--output", type=Path, metavar="DIR", help="output folder (default: from site.yaml)"
    )
    _add_base_url_option(build)
    _add_report_options(build)


def _add_check_command(commands: Subcommands) -> None:
    """`trustdocs check`."""
    check = _add_site_command(
        commands, "check", "report every problem in the sources, write no site"
    )
    _add_base_url_option(check)
    _add_report_options(check)


def _add_deploy_command(commands: Subcommands) -> None:
    """`trustdocs deploy`."""
    deploy = _add_site_command(
        commands, "deploy", "build the site and publish it to a branch of a git remote"
    )
    _add_base_url_option(deploy)
    deploy.add_argument("--strict", action="store_true", help="refuse on warnings too")
    deploy.add_argument(
        "--branch", default="gh-pages", help="the branch that holds the site (default: gh-pages)"
    )
    deploy.add_argument(
        "--remote", default="origin", help="the remote to publish to (default: origin)"
    )
    deploy.add_argument(
        "--message", help="the commit message (default: the source commit it was built from)"
    )
    deploy.add_argument(
        "--no-push",
        dest="push",
        action="store_false",
        help="commit to the branch but push nothing",
    )


def _add_serve_command(commands: Subcommands) -> None:
    """`trustdocs serve`."""
    from trustdocs.config import SERVE_HOST, SERVE_PORT  # loaded inside the command's guard

    serve = _add_site_command(commands, "serve", "preview the site, rebuilding on every save")
    serve.add_argument(
        "--host", default=SERVE_HOST, help=f"address to listen on (default: {SERVE_HOST})"
    )
    serve.add_argument(
        "--port",
        type=int,
        default=SERVE_PORT,
        help=f"port (default: {SERVE_PORT}; next free one if taken)",
    )
    serve.add_argument("--open", action="store_true", help="open the site in a web browser")


def _add_new_command(commands: Subcommands) -> None:
    """`trustdocs new`."""
    new = commands.add_parser(
        "new", help="start a new course in a folder", description="Start a new course in a folder."
    )
    new.add_argument("folder", type=Path, help="where to create the course")
    new.add_argument("--title", default="My Course", help="the course title (default: My Course)")


class UsageError(Exception):
    """A problem with how the command was run, not with a file of the site: its message."""


def load_site_config(path: Path | None, cached: bool = False) -> SiteConfig:
    """The config named by --config, or the one found in the working folder (CACHED: see
    `load_config`); UsageError when there is none."""
    from trustdocs.config import CONFIG_NAME, find_config, load_config

    if path is None:
        path = find_config(Path.cwd())
        kind = _not_a_file(Path(CONFIG_NAME)) if path is None else None
        if kind is not None:
            message = f"{CONFIG_NAME} here is not a regular file: it is {kind}"
            raise UsageError(message)
        if path is None:
            raise UsageError(
                'no site.yaml here (nor a package.json with a "bit-docs" section); '
                "run trustdocs in a site's folder or pass --config FILE"
            )
    else:
        try:
            found = path.is_file()
        except OSError as exc:  # a name the system refuses (too long)
            raise UsageError(f"config file cannot be read: {exc}") from None
        kind = None if found else _not_a_file(path)
        if kind is not None:
            raise UsageError(f"config file {path} is not a regular file: it is {kind}")
        if not found:
            raise UsageError(f"config file not found: {path}")
    return load_config(path, cached)


def _not_a_file(path: Path) -> str | None:
    """What PATH is when it is there but no regular file (a folder, a FIFO, a device, a link to
    nothing), as "it is …" says it; None when it is a file or nothing at all."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "a link to nothing" if path.is_symlink() else None
    except OSError:  # not looked at: said as before
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a socket" if stat.S_ISSOCK(mode) else "a special file"


def _usage_error(message: str, report_format: ReportFormat = "text") -> int:
    """Report MESSAGE, a problem with how the command was run, in REPORT_FORMAT: a line on
    standard error, or the document or annotation a tool reads; the exit code."""
    if report_format == "text":
        print(f"trustdocs: error: {message}", file=sys.stderr)
    else:  # in no file: a diagnostic without a path
        print_report(Report([error("", 0, 0, message)], "", failed=True), report_format)
    return EXIT_USAGE


class ReportNotWritten(Exception):
    """The report could not be written (a full disk, say), for REASON."""

    def __init__(self, reason: OSError) -> None:
        super().__init__(str(reason))
        self.reason = reason


def print_report(report: Report, report_format: ReportFormat = "text") -> None:
    """Print the problems and the summary in the chosen format."""
    out, err = report.render(report_format)
    try:
        # A stream the command was started without (`>&-`) drops what goes there, as print does.
        for stream, text in ((sys.stdout, out), (sys.stderr, err)):
            if stream is not None:
                stream.write(text)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise ReportNotWritten(exc) from None


def summary_line(verb: str, result: BuildResult) -> str:
    """`built 42 pages in 0.31 s, 2 warnings` and the like."""
    errors, warnings = count(result.diagnostics, "error"), count(result.diagnostics, "warning")
    parts = [f"{verb} {plural(result.pages, 'page')} in {result.seconds:.2f} s"]
    if errors:
        parts.append(plural(errors, "error"))
    if warnings:
        parts.append(plural(warnings, "warning"))
    if result.skipped:
        parts.append(
            f"{result.skipped} non-Markdown {'file' if result.skipped == 1 else 'files'} skipped"
        )
    return ", ".join(parts)


def main(argv: list[str] | None = None, keep: list[object] | None = None) -> int:
    """Entry point of the `trustdocs` command: any unexpected exception is a short report, exit 70.
    KEEP: where a build puts its site, for a caller that ends the process right after without
    freeing it (`launch.main`)."""
    try:
        return _run(argv, keep)
    except KeyboardInterrupt:
        from trustdocs.launch import interrupted_message

        print(f"\ntrustdocs: {interrupted_message()}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader of the report went away (`trustdocs check | head`)
        return EXIT_BROKEN_PIPE
    except ReportNotWritten as exc:  # a full disk, say: no bug of trustdocs
        from trustdocs.launch import report_not_written

        return report_not_written(exc.reason)
    except Exception as exc:
        return _internal_error(exc, argv)


def _internal_error(exc: Exception, argv: list[str] | None) -> int:
    """Report a bug in trustdocs itself: a few lines, the traceback only when asked for."""
    debugging = os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")
    if debugging:
        import traceback

        traceback.print_exc()
    lines = str(exc).strip().splitlines()
    summary = lines[0] if lines else ""
    if len(summary) > 300:
        summary = summary[:299] + "…"
    command = " ".join(["trustdocs", *(sys.argv[1:] if argv is None else argv)])
    print(
        f"trustdocs: internal error: {type(exc).__name__}: {summary}\n"
        f"  This is a bug in trustdocs {_version()}; {ISSUES_HINT}.\n"
        f"  Command: {command}",
        file=sys.stderr,
    )
    if not debugging:
        print(f"  Set {DEBUG_VARIABLE}=1 to see the traceback.", file=sys.stderr)
    return EXIT_INTERNAL


def _asked_format(argv: list[str]) -> ReportFormat:
    """The report format ARGV asks for, read without the parser (which refused ARGV): that of its
    last `--format` (or an abbreviation argparse takes for it: `--form json`, `--form=json`), for
    a command that takes one; else text."""
    command = next((word for word in argv if not word.startswith("-")), "")
    if command not in ("build", "check"):
        return "text"
    asked: ReportFormat = "text"
    words = iter(argv)
    for word in words:
        if word == "--":
            break
        name, equals, value = word.partition("=")
        if not _names_format(command, name):
            continue
        if not equals:
            value = next(words, "")
        asked = next((known for known in REPORT_FORMATS if known == value), asked)
    return asked


def _names_format(command: str, name: str) -> bool:
    """Whether the option NAME is --format to COMMAND's parser: itself, or an abbreviation of it
    (`--form`) that argparse takes for it, one no other option of the command begins with."""
    if name == "--format":
        return True
    if len(name) < len("--f") or not "--format".startswith(name):
        return False
    try:  # argparse itself says which option the abbreviation names
        probe, _ = make_parser().parse_known_args([command, f"{name}=json"])
    except ArgumentsRefused:  # the abbreviation of more than one option
        return False
    return getattr(probe, "format", None) == "json"


def _parsed(argv: list[str] | None) -> argparse.Namespace | int:
    """The command's arguments, or the exit code of ones refused (reported in their format)."""
    try:
        return make_parser().parse_args(argv)
    except ArgumentsRefused as refused:
        report_format = _asked_format(sys.argv[1:] if argv is None else argv)
        if report_format == "text":  # argparse's usage and message, exit 2
            argparse.ArgumentParser.error(refused.parser, refused.message)
        return _usage_error(refused.message, report_format)


def _site_config(args: argparse.Namespace, report_format: ReportFormat) -> SiteConfig | int:
    """The site's config, with the command's --base-url; or, when there is none to use, the exit
    code, its problem reported in REPORT_FORMAT."""
    from trustdocs.config import ConfigError, with_base_url

    try:
        config = load_site_config(args.config, cached=not getattr(args, "no_cache", False))
    except ConfigError as exc:
        print_report(Report(exc.diagnostics, "", failed=True), report_format)
        return EXIT_USAGE
    except UsageError as exc:
        return _usage_error(str(exc), report_format)
    if getattr(args, "base_url", None) is not None:
        try:
            config = with_base_url(config, args.base_url)
        except ValueError as exc:
            return _usage_error(f"--base-url: {exc}", report_format)
    return config


def _run(argv: list[str] | None, keep: list[object] | None = None) -> int:
    args = _parsed(argv)
    if isinstance(args, int):
        return args
    if args.command == "new":
        return _new_course(args.folder, args.title)
    # Imported here, inside the guard, so that Ctrl-C while the libraries load is "interrupted" too.
    from trustdocs.build import build_site

    report_format: ReportFormat = getattr(args, "format", "text")
    config = _site_config(args, report_format)
    if isinstance(config, int):
        return config

    if args.command == "serve":
        from trustdocs.serve import serve

        return serve(
            config,
            host=args.host,
            port=args.port,
            open_browser=args.open,
            use_cache=not args.no_cache,
        )

    strict = args.strict or config.strict
    if args.command == "deploy":
        return _deploy(config, args, strict)
    if args.command == "check":
        result = build_site(
            config, write=False, strict=strict, use_cache=not args.no_cache, keep=keep
        )
        verb = "checked"
    else:
        result = build_site(
            config, args.output, strict=strict, use_cache=not args.no_cache, keep=keep
        )
        verb = "built" if result.written else "not built:"
    if result.usage_problem is not None:
        print_report(Report([result.usage_problem], "", failed=True), report_format)
        return EXIT_USAGE
    line = summary_line(verb, result)
    if result.unchanged:
        line += ", nothing changed since the last " + ("build" if result.written else "run")
    if args.command == "build" and not result.written:
        line = line.replace("not built: ", "not built (previous output left as it was): ", 1)
    failed = has_errors(result.diagnostics, strict)
    print_report(Report(result.diagnostics, line, result.pages, failed, strict), report_format)
    if result.unwritable:  # the system refused the output folder: no problem of the content
        return EXIT_USAGE
    return EXIT_CONTENT if failed else EXIT_OK


def _deploy(config: SiteConfig, args: argparse.Namespace, strict: bool) -> int:
    """Build into a temporary folder and, only when the build is clean, publish that."""
    from trustdocs.build import build_site
    from trustdocs.deploy import DeployError, find_target, publish

    try:
        target = find_target(config.root_dir, args.branch, args.remote, args.push)
    except DeployError as exc:
        return _usage_error(str(exc))
    with tempfile.TemporaryDirectory(prefix="trustdocs-deploy-") as scratch:
        output = Path(scratch) / "site"
        result = build_site(config, output, strict=strict, use_cache=not args.no_cache)
        failed = has_errors(result.diagnostics, strict)
        verb = "not deployed:" if failed else "built"
        print_report(Report(result.diagnostics, summary_line(verb, result), result.pages, failed))
        if failed or not result.written:
            return EXIT_CONTENT
        try:
            deployed = publish(target, output, args.message)
        except DeployError as exc:
            return _usage_error(str(exc))
    where = f", pushed to {deployed.pushed_to}" if deployed.pushed_to else " (not pushed)"
    if deployed.offline:
        where = f" (not pushed; {args.remote} could not be reached: on what was last fetched of it)"
    print(
        f"deployed {plural(deployed.files, 'file')} to branch {deployed.branch} "
        f"as commit {deployed.commit[:12]}{where}",
        file=sys.stderr,
    )
    return EXIT_OK


def _new_course(folder: Path, title: str) -> int:
    from trustdocs.starter import WORKFLOW_PATH, write_starter_site

    try:
        written = write_starter_site(folder, title)
    except ValueError as exc:
        return _usage_error(str(exc))
    except OSError as exc:  # ours say what; the system's, where and why
        if exc.strerror and exc.filename:
            return _usage_error(f"cannot write {exc.filename}: {exc.strerror}")
        return _usage_error(str(exc))
    for path, done in written:
        print(f"{done} {path}", file=sys.stderr)
    workflow = [path for path, _ in written if path.as_posix().endswith(WORKFLOW_PATH)]
    if workflow and workflow[0] != folder / WORKFLOW_PATH:
        print(
            "note: GitHub reads workflows only at the root of a repository: the publishing "
            "workflow is there, and builds the course in its folder",
            file=sys.stderr,
        )
    print(f"next: cd {shlex.quote(str(folder))} && trustdocs serve", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
