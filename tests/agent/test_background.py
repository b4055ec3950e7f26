"""The server's background loops: a failing pass is retried, a stop is prompt."""

from __future__ import annotations

import threading
import time

import pytest

from agent.background import Repeating


def test_a_failing_pass_is_logged_and_the_next_one_runs(caplog: pytest.LogCaptureFixture) -> None:
    passes: list[int] = []
    third = threading.Event()

    def one_pass() -> None:
        passes.append(len(passes))
        if len(passes) == 1:
            raise RuntimeError("database hiccup")
        if len(passes) == 3:
            third.set()

    loop = Repeating("test-loop", one_pass, what="test pass", interval=0.01)
    loop.start()
    try:
        assert third.wait(10), "the loop stopped after its failing pass"
    finally:
        loop.stop()
    assert "test pass failed" in caplog.text
    assert "database hiccup" in caplog.text


def test_stop_ends_the_wait_at_once_and_wait_first_delays_the_first_pass() -> None:
    passes: list[float] = []
    loop = Repeating(
        "test-loop",
        lambda: passes.append(time.monotonic()),
        what="x",
        interval=3600,
        wait_first=True,
    )
    loop.start()
    started = time.monotonic()
    loop.stop()
    assert time.monotonic() - started < 5
    assert passes == []
    ran = threading.Event()
    eager = Repeating("test-loop", ran.set, what="x", interval=3600)
    eager.start()
    assert ran.wait(10), "without wait_first the first pass runs at once"
    started = time.monotonic()
    eager.stop()
    assert time.monotonic() - started < 5
