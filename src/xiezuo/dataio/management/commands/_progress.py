"""A progress bar on stderr for the CLI commands."""

from __future__ import annotations

import sys


class Bar:
    def __init__(self, stream=None, enabled: bool = True):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.last = (-1, "")

    def __call__(self, pct: int, message: str) -> None:
        if not self.enabled or (pct, message) == self.last:
            return
        self.last = (pct, message)
        filled = pct // 5
        self.stream.write(f"\r[{'#' * filled}{' ' * (20 - filled)}] {pct:3d}% {message[:50]:<50}")
        self.stream.flush()

    def done(self) -> None:
        if self.enabled and self.last[0] >= 0:
            self.stream.write("\n")
            self.stream.flush()
