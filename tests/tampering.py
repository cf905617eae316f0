"""Tampering "with a tool": the database itself refuses to change or delete history (migration
0007), so a test that plays the attacker first drops those triggers, as someone holding the
database file (or the server's owner password) would, and then edits rows in plain SQL."""

from __future__ import annotations

import sqlite3

from sqlalchemy import text
from sqlalchemy.orm import Session


def drop_guards(con: sqlite3.Connection | Session) -> None:
    """Drop every trigger that refuses changes, on a raw SQLite connection or a session."""
    if isinstance(con, sqlite3.Connection):
        triggers = con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        for (name,) in triggers.fetchall():
            con.execute(f'DROP TRIGGER "{name}"')
        return
    if con.get_bind().dialect.name == "postgresql":
        con.execute(text("DROP FUNCTION refuse_change() CASCADE"))
        return
    for name in con.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all():
        con.execute(text(f'DROP TRIGGER "{name}"'))
