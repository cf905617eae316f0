"""Alembic revisions; SCHEMA_REVISIONS in trainer/core/db.py lists them in order."""
