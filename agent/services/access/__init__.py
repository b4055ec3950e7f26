"""Users, API keys, web sessions, idempotency, and who may see or change what."""
