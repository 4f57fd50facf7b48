"""Fixtures of the hostile corpus: the API world of ``tests/e2e/api``."""

from tests.e2e.api.conftest import api, api_world

__all__ = ["api", "api_world"]
