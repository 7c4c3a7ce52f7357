"""The `trustdocs` command's entry point, kept to what Python needs to start it.

Ctrl-C pressed right after Enter lands while Python loads the command's modules, before the
command's own guard (in cli.py) exists: this small module is that moment's guard.
"""

import contextlib
import os
import sys
from typing import NoReturn

EXIT_INTERRUPTED = 130  # as diagnostics.EXIT_INTERRUPTED, which is among what was interrupted


def main() -> int:
    """Load the command and run it; Ctrl-C while it loads exits 130 without a traceback."""
    try:
        from trustdocs.cli import main as run
    except KeyboardInterrupt:
        print("\ntrustdocs: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    exit_now(run())


def exit_now(code: int) -> NoReturn:
    """End the process with CODE once its output is out, skipping the interpreter's teardown.

    The command holds nothing that teardown would save (each file it writes is complete, or
    swapped in, before it returns), and teardown frees every object one by one: after a build of a
    large site, a noticeable part of the command's time.
    """
    for stream in (sys.stdout, sys.stderr):
        # A reader that went away, or a stream already closed: nothing more can be shown.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
