"""The serving process's heap, settled before it serves.

A full garbage collection walks every object the process tracks, and every request thread
waits while it does. Once the API, the ledger code and the model libraries are loaded that is
some 320,000 objects, which live as long as the process: each full collection took 155 ms
(8 writers on PostgreSQL at 50k, where it made the 99th percentile of a burst of payments
220-240 ms against 85-90 ms otherwise). Moving them out of the collector's sight
(``gc.freeze``) leaves it only what requests create: 13 ms.
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Load what the server would load on first use, then freeze what is loaded; how many
    objects were frozen."""
    from agent.services.scoring import risk_scoring  # noqa: F401  the re-score worker's pandas

    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
