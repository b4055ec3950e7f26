"""The API fixtures (an app per test, keys per scope) for the fault-injection suite."""

from tests.api.conftest import app, keys

__all__ = ["app", "keys"]
