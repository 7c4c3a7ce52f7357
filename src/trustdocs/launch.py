"""The `trustdocs` command's entry point, kept to what Python needs to start it.

Ctrl-C pressed right after Enter lands while Python loads the command's modules, before the
command's own guard (in cli.py) exists: this small module is that moment's guard.
"""

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from types import FrameType
from typing import NoReturn

EXIT_INTERRUPTED = 130  # as diagnostics.EXIT_INTERRUPTED, which is among what was interrupted
EXIT_BROKEN_PIPE = 141  # as diagnostics.EXIT_BROKEN_PIPE
EXIT_USAGE = 2  # as diagnostics.EXIT_USAGE


_interrupted = False  # Ctrl-C was pressed: the command stops, whatever code caught it
_exit_code = EXIT_INTERRUPTED  # 128 + the signal that stopped it (Ctrl-C's, or SIGTERM's)
_held: list[str] = []  # what is being finished while Ctrl-C waits (`interrupts_held`)
_late = ""  # what was done when Ctrl-C came while it was held: said as the command ends


def _on_ctrl_c(signum: int, frame: FrameType | None) -> None:
    global _interrupted, _late, _exit_code
    _interrupted = True
    _exit_code = 128 + signum
    if _held:
        _late = _late or _held[0]
        return
    raise KeyboardInterrupt


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Within, Ctrl-C (or SIGTERM) is remembered, and raised as the block ends: a step that must
    not be cut in two (a folder made and locked, or neither) is done whole first."""
    _held.append("")
    try:
        yield
    finally:
        _held.pop()
    if _interrupted and not _held:
        raise KeyboardInterrupt


@contextlib.contextmanager
def interrupts_held(done: str) -> Iterator[None]:
    """Within, Ctrl-C is remembered, not raised: what starts here (DONE, once begun: "the new
    site is in place") is finished whole, and the command ends with 130 after it, saying so."""
    global _late
    _held.append(done)
    try:
        yield
    except BaseException:
        if _late == done and len(_held) == 1:  # not done after all (a swap refused): not said
            _late = ""
        raise
    finally:
        _held.pop()


def _unraisable(hook: "sys.UnraisableHookArgs") -> None:
    # Ctrl-C landing in a finalizer (an object's __del__, a closed pipe's cleanup) cannot stop
    # the command from there: Python would print it as ignored and go on. It is remembered
    # (`interrupted`) instead, and the command stops at its next check.
    if not isinstance(hook.exc_value, KeyboardInterrupt):
        sys.__unraisablehook__(hook)


def interrupted() -> bool:
    """Whether Ctrl-C was pressed during this command, even where it could not stop it."""
    return _interrupted


def interrupted_message() -> str:
    """What the command says when Ctrl-C stopped it: with what was done all the same."""
    return f"interrupted; {_late} all the same" if _late else "interrupted"


def main() -> int:
    """Load the command and run it; Ctrl-C while it loads exits 130 without a traceback."""
    try:
        signal.signal(signal.SIGINT, _on_ctrl_c)
        # SIGTERM (what CI runners, systemd and `timeout` send) stops it as Ctrl-C does: the
        # folder being written is removed, the output left whole, the exit code 143.
        signal.signal(signal.SIGTERM, _on_ctrl_c)
        sys.unraisablehook = _unraisable
        from trustdocs.cli import main as run
    except KeyboardInterrupt:
        print("\ntrustdocs: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    built: list[object] = []  # the build's site: the process ends without freeing it
    try:
        code = run(keep=built)
    except SystemExit as stop:  # --help, --version and bad usage: argparse ends the command
        if not isinstance(stop.code, int | None):
            raise
        code = stop.code or 0
    exit_now(code)


def exit_now(code: int) -> NoReturn:
    """End the process with CODE once its output is out, skipping the interpreter's teardown.

    The command holds nothing that teardown would save (each file it writes is complete, or
    swapped in, before it returns), and teardown frees every object one by one: after a build of a
    large site, a noticeable part of the command's time. A short report waits in the output's
    buffer until here: when its reader went away (`trustdocs check | head -c 0`), the command ends
    as it does when a longer one fails to be written, 141; when it cannot be written (a full
    disk), with the reason, 2. Ctrl-C that something caught before it stopped the command
    (`_unraisable`) ends it with 130 all the same (143 for SIGTERM).
    """
    if _interrupted and code != EXIT_BROKEN_PIPE:
        if code != EXIT_INTERRUPTED:  # else the command said it as it stopped
            with contextlib.suppress(OSError, ValueError, AttributeError):
                print(f"\ntrustdocs: {interrupted_message()}", file=sys.stderr)
        code = _exit_code
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started with it closed (`>&-`): Python gave it no stream
            continue
        try:
            stream.flush()
        except BrokenPipeError:
            code = EXIT_BROKEN_PIPE
        except ValueError:  # a stream already closed: nothing more can be shown
            pass
        except OSError as exc:
            code = report_not_written(exc)
    os._exit(code)


def report_not_written(exc: OSError) -> int:
    """Say that the report could not be written (EXC: why), where it still can be; the exit code."""
    try:
        print(f"trustdocs: error: cannot write the report: {exc.strerror}", file=sys.stderr)
        sys.stderr.flush()
    except (OSError, ValueError):  # the reason cannot be shown either
        pass
    return EXIT_USAGE
