"""Alembic revisions; SCHEMA_REVISIONS in trainer/core/preflight.py lists them in order."""
