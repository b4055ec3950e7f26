"""One ``paytrack serve`` process's background work for a day, for the three-server test.

    python -m tests.faults.server_tick DATABASE_URL DATA_DIR DAY GO_FILE

It waits until GO_FILE exists (so three processes start together), runs the daily sweep the
way the server's schedule does, then delivers due webhooks until none are left, and prints
what it did as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path

from agent.db import make_engine
from agent.runtime import daily_sweep
from agent.services.webhooks import worker as webhook_worker
from agent.settings import Settings


def main() -> None:
    database_url, data_dir, day, go_file = sys.argv[1:5]
    settings = Settings(database_url=database_url, data_dir=Path(data_dir), openai_api_key="")
    engine = make_engine(database_url)
    while not Path(go_file).exists():
        time.sleep(0.01)
    report = daily_sweep(engine, settings, day=date.fromisoformat(day))
    delivered = 0
    while (done := webhook_worker.deliver_due(engine, limit=5)).attempted:
        delivered += done.delivered
    print(
        json.dumps(
            {
                "swept": report is not None,
                "drafts": report.drafts_created if report else 0,
                "delivered": delivered,
            }
        )
    )
    engine.dispose()


if __name__ == "__main__":
    main()
