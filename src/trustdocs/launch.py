"""The `trustdocs` command's entry point, kept to what Python needs to start it.

Ctrl-C pressed right after Enter lands while Python loads the command's modules, before the
command's own guard (in cli.py) exists: this small module is that moment's guard.
"""

import sys

EXIT_INTERRUPTED = 130  # as diagnostics.EXIT_INTERRUPTED, which is among what was interrupted


def main() -> int:
    """Load the command and run it; Ctrl-C while it loads exits 130 without a traceback."""
    try:
        from trustdocs.cli import main as run
    except KeyboardInterrupt:
        print("\ntrustdocs: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return run()
