"""Fixtures shared by the core tests."""

from tests.core.credential_fixtures import org  # noqa: F401
