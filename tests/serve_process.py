"""`trustdocs serve` in a process of its own, as an author runs it, with its own temporary folder."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path


class ServeProcess:
    """Runs `trustdocs serve ARGS` in SITE; TMP receives its preview folder, so leaks can be seen."""

    def __init__(self, site: Path, tmp: Path, *args: str) -> None:
        tmp.mkdir(parents=True, exist_ok=True)
        self.tmp = tmp
        self.process = subprocess.Popen(
            [sys.executable, "-m", "trustdocs", "serve", *args],
            cwd=site,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "TMPDIR": str(tmp)},
        )
        self.lines: list[str] = []
        self.url = ""
        for line in self.process.stderr:
            self.lines.append(line)
            if found := re.search(r"serving .* at (http://\S+)", line):
                self.url = found.group(1)
                break
        # Keep reading, so a chatty server never blocks on a full pipe.
        self.reader = threading.Thread(target=self._read_rest, daemon=True)
        self.reader.start()

    def _read_rest(self) -> None:
        for line in self.process.stderr:
            self.lines.append(line)

    @property
    def address(self) -> tuple[str, int]:
        """The host (without brackets) and port of the printed URL."""
        found = re.fullmatch(r"http://\[?([^\]]+?)\]?:(\d+)/", self.url)
        assert found, self.url
        return found.group(1), int(found.group(2))

    def preview_folders(self) -> list[Path]:
        """Temporary preview folders present now."""
        return sorted(self.tmp.glob("trustdocs-serve-*"))

    def stop(self, signum: int = signal.SIGINT) -> tuple[int, str]:
        """Send SIGNUM; return the exit code and everything the server printed."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        code = self.process.wait(timeout=20)
        self.reader.join(timeout=5)
        return code, "".join(self.lines)
