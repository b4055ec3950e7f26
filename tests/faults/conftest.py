"""The API fixtures (an app per test, a test client, keys per scope) for the fault suite."""

from tests.api.conftest import app, client, keys

__all__ = ["app", "client", "keys"]
