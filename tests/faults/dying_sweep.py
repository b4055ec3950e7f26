"""A sweep process that is SIGKILLed while drafting, for the sweep lease test.

    python -m tests.faults.dying_sweep DATABASE_URL DATA_DIR AS_OF

It claims the due milestones as a real sweep does, then kills itself inside the pipeline,
leaving committed claims without a draft, as a crashed server would.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import date
from pathlib import Path

from agent.db import make_engine
from agent.services.reminders import sweeps
from agent.settings import Settings


class DyingPipeline:
    def start(self, *, thread_id: str, as_of: date, new: bool = False) -> int | None:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")


def main() -> None:
    database_url, data_dir, as_of = sys.argv[1:4]
    settings = Settings(database_url=database_url, data_dir=Path(data_dir), openai_api_key="")
    engine = make_engine(database_url)
    sweeps.run(engine, as_of=date.fromisoformat(as_of), settings=settings, pipeline=DyingPipeline())


if __name__ == "__main__":
    main()
