"""The real server of `xiezuo serve` (waitress) in a thread, for attacks that need real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from django.core.handlers.wsgi import WSGIHandler
from waitress import create_server


@contextmanager
def waitress_serving(**options) -> Iterator[int]:
    """A fresh Django handler (middleware read from the current settings) under waitress; yields the port."""
    server = create_server(WSGIHandler(), host="127.0.0.1", port=0, **options)

    def loop() -> None:
        with suppress(OSError):  # server.close() ends the loop: its select then fails on the closed socket
            server.run()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield server.effective_port
    finally:
        server.close()
        thread.join(5)
