"""The server's heap: what lives as long as the process is out of the collector's sight."""

from __future__ import annotations

import json
import subprocess
import sys

SETTLE_AND_COUNT = """
import gc, json, sys
import api.app
from api import heap
frozen = heap.settle()
print(json.dumps({
    "frozen": frozen,
    "tracked": len(gc.get_objects()),
    "pandas": "pandas" in sys.modules,
}))
"""


def test_settling_freezes_the_loaded_code_and_the_model_libraries() -> None:
    # In a process of its own: a frozen object is never collected again.
    done = subprocess.run(
        [sys.executable, "-c", SETTLE_AND_COUNT], capture_output=True, text=True, check=True
    )
    found = json.loads(done.stdout)
    assert found["pandas"], "the re-score worker's libraries load before the freeze"
    assert found["frozen"] > 100_000
    # A full collection now walks only what was made after the freeze.
    assert found["tracked"] < found["frozen"] / 20
