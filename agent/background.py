"""Background work of a serving process: one pass, repeated on a daemon thread until stopped.

The outbox sender, the re-score worker, the mailbox poller, the webhook deliverer and SQLite's
WAL checkpointer all run this way under ``paytrack serve``; each says what one pass does and
how long to wait between passes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Repeating:
    """Calls ``one_pass()`` every ``interval`` seconds on a daemon thread named ``name``.

    A pass that raises is logged, naming ``what`` it was doing, and the next pass runs after the
    interval: a database hiccup or a mailbox outage must not end a server's background work.
    With ``wait_first`` the first pass waits one interval too. ``stop()`` ends the wait at once
    and gives a pass under way up to ``join_seconds`` to finish.
    """

    def __init__(
        self,
        name: str,
        one_pass: Callable[[], object],
        *,
        what: str,
        interval: float,
        join_seconds: float = 30.0,
        wait_first: bool = False,
    ) -> None:
        self.name = name
        self._one_pass = one_pass
        self._what = what
        self._interval = interval
        self._join_seconds = join_seconds
        self._wait_first = wait_first
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_forever(self) -> None:
        """The passes, in the calling thread, until ``stop()`` (the CLI's ``--loop``)."""
        if self._wait_first and self._stop.wait(self._interval):
            return
        while not self._stop.is_set():
            try:
                self._one_pass()
            except Exception:  # the thread must outlive one failing pass
                log.exception("%s failed; retrying in %g s", self._what, self._interval)
            if self._stop.wait(self._interval):
                return

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self._join_seconds)
