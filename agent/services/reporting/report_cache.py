"""Read-heavy reports served from memory until the ledger changes.

An entry is keyed on the ledger version (``ledger.ledger_version``, bumped by every change to
invoices, payments or clients), the owner scope of the actor and what the caller adds (report,
day, parameters). The version is read *before* the report is computed, so an entry is never
older than its key: a payment committed before a request is in that request's figures. One
computation per key runs at a time; concurrent callers of the same key wait for it instead of
repeating it. Entries are evicted least recently used beyond ``max_bytes``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from sqlmodel import Session

from agent.actor import Actor
from agent.services.access.ownership import owner_scope
from agent.services.ledger import ledger_version

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class ReportCache:
    """Serialised reports (bytes) by (ledger version, owner scope, caller's key)."""

    def __init__(self, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def get_or_make(
        self, session: Session, *, actor: Actor, key: Hashable, make: Callable[[], bytes]
    ) -> bytes:
        """The entry for ``key`` as of the ledger now, made by ``make()`` when missing."""
        full_key = (ledger_version.current(session), owner_scope(actor), key)
        found = self._get(full_key)
        if found is not None:
            return found
        with self._lock:
            gate = self._computing.setdefault(full_key, threading.Lock())
        with gate:
            found = self._get(full_key)
            if found is None:
                found = make()
                self._put(full_key, found)
        with self._lock:
            self._computing.pop(full_key, None)
        return found

    def _get(self, key: Hashable) -> bytes | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def _put(self, key: Hashable, value: bytes) -> None:
        if len(value) > self.max_bytes:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            self._size += len(value) - (len(previous) if previous is not None else 0)
            self._entries[key] = value
            while self._size > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped)
