"""The database itself refuses to change or delete history (audit entries, issued credentials,
status events, published content versions, reviewed field-hour entries), on SQLite and on
PostgreSQL; `cvi-trainer db setup` gives desktops an application role that cannot rewrite it and
with which the app still does everything it does."""

from __future__ import annotations

import io
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from tests.conftest import FakeClock, Team, _reset_postgres
from tests.core.credential_fixtures import Org
from tests.tampering import drop_guards
from trainer.cli import APP_DB_PASSWORD_ENV, main
from trainer.core.audit import verify_chain
from trainer.core.db import SCHEMA_HEAD, Database, alembic_config, display_url, open_database
from trainer.core.errors import DatabaseError
from trainer.core.services import accounts, credential_register, field_hours, library, policies

TRACK = "id: basics\ntitle: {title}\ndescription: A track for tests.\nmodules: []\n"
APP_PASSWORD = "desk-top secret 7"


@dataclass(frozen=True)
class History:
    """One row of each protected kind, written through the app's own services."""

    org: Org
    audit_entry: int
    credential: int
    status_event: int
    published_version: int
    reviewed_hours: int
    pending_hours: int


def make_history(db: Database, clock: FakeClock) -> History:
    team = Team(db, clock)
    org = Org(db, clock, team)
    issued = org.oriented(team.trainee)
    with db.begin() as session:
        credential_register.change_status(
            session,
            team.manager,
            issued.id,
            "revoke",
            "Issued to the wrong person",
            now=clock.now(),
        )
        doc = library.create_document(
            session, team.trainer, "track", "basics", TRACK.format(title="Basics"), now=clock.now()
        )
        first = library.publish(session, team.trainer, doc.id, now=clock.now())
    with db.begin() as session:  # a new version, and a draft discarded
        library.save_draft(
            session, team.trainer, doc.id, TRACK.format(title="Basics 2"), now=clock.now()
        )
        library.publish(session, team.trainer, doc.id, now=clock.advance(minutes=1))
        library.save_draft(
            session, team.trainer, doc.id, TRACK.format(title="Basics 3"), now=clock.now()
        )
        library.discard_draft(session, team.trainer, doc.id)
    reviewed = org.hours(team.trainee, 2, "outreach", sign=True)
    pending = org.hours(team.trainee, 1, "outreach", sign=False)
    with db.begin() as session:
        event = session.scalar(text("SELECT max(id) FROM credential_status_event"))
        audit = session.scalar(text("SELECT min(id) FROM audit_entry"))
    return History(org, audit, issued.id, event, first.id, reviewed, pending)


def protected(history: History) -> list[tuple[str, str, object, int, str]]:
    """(table, column, new value, row id, what the refusal says)."""
    return [
        ("audit_entry", "target", "someone-else", history.audit_entry, "audit entries"),
        ("credential", "holder_name", "Someone Else", history.credential, "issued credentials"),
        (
            "credential_status_event",
            "reason",
            "never revoked",
            history.status_event,
            "credential status events",
        ),
        ("content_version", "body", "rewritten", history.published_version, "published content"),
        ("field_hour_entry", "minutes", 600, history.reviewed_hours, "reviewed field-hour entries"),
    ]


def refusal(db: Database, statement: str, **params: object) -> str:
    with pytest.raises(DBAPIError) as info, db.begin() as session:
        session.execute(text(statement), params)
    return str(info.value.orig)


def row(db: Database, table: str, row_id: int) -> tuple[object, ...] | None:
    with db.begin() as session:
        found = session.execute(text(f"SELECT * FROM {table} WHERE id = :id"), {"id": row_id})
        return tuple(found.one_or_none() or ()) or None


# --- the triggers, on SQLite and on PostgreSQL --------------------------------------------------


def test_history_refuses_a_plain_update_or_delete(db: Database, clock: FakeClock) -> None:
    history = make_history(db, clock)
    for table, column, value, row_id, what in protected(history):
        before = row(db, table, row_id)
        assert before is not None
        said = refusal(db, f"UPDATE {table} SET {column} = :v WHERE id = :id", v=value, id=row_id)
        assert f"{what} " in said and "cannot be changed or deleted" in said
        said = refusal(db, f"DELETE FROM {table} WHERE id = :id", id=row_id)
        assert f"{what} " in said and "cannot be changed or deleted" in said
        assert row(db, table, row_id) == before, table


def test_sqlite_insert_or_replace_cannot_swap_a_fixed_row(sqlite_db: Database) -> None:
    """INSERT OR REPLACE deletes the row it collides with without firing delete triggers; the
    insert itself is refused when it would collide with a fixed row."""
    history = make_history(sqlite_db, FakeClock())
    for table, column, value, row_id, what in protected(history):
        before = row(sqlite_db, table, row_id)
        assert before is not None
        with sqlite_db.begin() as session:
            names = list(
                session.execute(
                    text(f"SELECT * FROM {table} WHERE id = :id"), {"id": row_id}
                ).keys()
            )
        copy = dict(zip(names, before, strict=True)) | {column: value}
        columns = ", ".join(names)
        values = ", ".join(f":{n}" for n in names)
        said = refusal(
            sqlite_db, f"INSERT OR REPLACE INTO {table} ({columns}) VALUES ({values})", **copy
        )
        assert f"{what} " in said and "cannot be changed or deleted" in said, table
        assert row(sqlite_db, table, row_id) == before, table


def test_the_lifecycle_still_changes_what_is_not_yet_fixed(db: Database, clock: FakeClock) -> None:
    history = make_history(db, clock)  # revoked, reviewed, published again, a draft discarded
    with db.begin() as session:
        versions = session.execute(
            text("SELECT number, title FROM content_version ORDER BY id")
        ).all()
        statuses = session.execute(text("SELECT status FROM field_hour_entry ORDER BY id")).all()
        assert [tuple(v) for v in versions][-2:] == [(1, "Basics"), (2, "Basics 2")]
        assert [s for (s,) in statuses] == ["signed", "pending"]
        assert verify_chain(session).intact
    with db.begin() as session:  # an entry not yet reviewed is still an ordinary row
        session.execute(
            text("UPDATE field_hour_entry SET notes = 'typo fixed' WHERE id = :id"),
            {"id": history.pending_hours},
        )
    with db.begin() as session:
        field_hours.review(
            session,
            history.org.team.trainer,
            history.pending_hours,
            approve=False,
            comment="Wrong day",
            now=clock.now(),
        )
    said = refusal(
        db, "DELETE FROM field_hour_entry WHERE id = :id", id=history.pending_hours
    )  # reviewed now: fixed
    assert "reviewed field-hour entries cannot be changed or deleted" in said


# --- PostgreSQL: db setup and the application role ---------------------------------------------


@pytest.fixture
def owner_url(postgres_url: str) -> str:
    _reset_postgres(postgres_url)
    return postgres_url


@pytest.fixture
def app_role(owner_url: str) -> Iterator[str]:
    """A role name no other test uses (roles belong to the whole server), dropped afterwards."""
    role = f"cvi_app_{uuid.uuid4().hex[:10]}"
    yield role
    engine = create_engine(owner_url)
    with engine.begin() as con:
        if con.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
            con.execute(text(f'DROP OWNED BY "{role}"'))
            con.execute(text(f'DROP ROLE "{role}"'))
    engine.dispose()


def app_url(owner_url: str, role: str) -> str:
    url = make_url(owner_url).set(username=role, password=APP_PASSWORD)
    return url.render_as_string(hide_password=False)


def db_setup(capsys: pytest.CaptureFixture[str], url: str, role: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["db", "setup", "--database-url", url, "--app-role", role])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.postgres
def test_db_setup_creates_an_application_role_that_cannot_rewrite_history(
    owner_url: str,
    app_role: str,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(APP_PASSWORD + "\n"))  # not a terminal
    code, out, err = db_setup(capsys, owner_url, app_role)
    assert (code, err) == (0, "")
    assert f"Schema {SCHEMA_HEAD} is current" in out and f"{app_role} (created)" in out
    assert f"  {make_url(owner_url).set(username=app_role, password='x')}" in out
    assert APP_PASSWORD not in out
    monkeypatch.setenv(APP_DB_PASSWORD_ENV, APP_PASSWORD)
    again = db_setup(capsys, owner_url, app_role)  # twice is fine; the password is set again
    assert again[0] == 0 and f"{app_role} (exists, password changed)" in again[1]
    engine = create_engine(owner_url)
    with engine.connect() as con:  # hashed before it reached the server
        stored = con.execute(
            text("SELECT rolpassword FROM pg_authid WHERE rolname = :r"), {"r": app_role}
        ).scalar()
    engine.dispose()
    assert stored.startswith("SCRAM-SHA-256$")

    desk = open_database(url=app_url(owner_url, app_role))  # what a desktop opens
    try:
        with desk.engine.connect() as con:
            assert con.execute(text("SELECT current_user")).scalar() == app_role
        history = make_history(desk, clock)  # sign in, issue, revoke, log and review, publish
        team = history.org.team
        with desk.begin() as session:  # deletes the app does make: a role, a policy text
            accounts.set_roles(
                session, team.admin, team.other_trainee.id, ["trainer"], now=clock.now()
            )
            title = policies.policy_boxes(session, team.manager)[0].title
            policies.set_text(session, team.manager, title, "", now=clock.now())
            assert accounts.sign_in(session, "tom", "correct horse battery", now=clock.now()).person
        for table, column, value, row_id, what in protected(history):
            before = row(desk, table, row_id)
            said = refusal(
                desk, f"UPDATE {table} SET {column} = :v WHERE id = :id", v=value, id=row_id
            )
            assert "permission denied" in said or f"{what} " in said, said
            said = refusal(desk, f"DELETE FROM {table} WHERE id = :id", id=row_id)
            assert "permission denied" in said or f"{what} " in said, said
            assert row(desk, table, row_id) == before
        with pytest.raises(DBAPIError, match="must be owner"), desk.begin() as session:
            drop_guards(session)  # nor can it take the tool's way round
        with desk.begin() as session:
            assert verify_chain(session).intact
    finally:
        desk.dispose()


@pytest.mark.postgres
def test_the_application_role_never_migrates_and_db_setup_does(
    owner_url: str,
    app_role: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(APP_DB_PASSWORD_ENV, APP_PASSWORD)
    assert db_setup(capsys, owner_url, app_role)[0] == 0
    engine = create_engine(owner_url)
    with engine.begin() as con:  # the server still has the previous version's schema
        command.downgrade(alembic_config(con), "0006_evidence")
    with pytest.raises(DatabaseError) as info:
        open_database(url=app_url(owner_url, app_role))
    assert str(info.value) == (
        f"The database schema at {display_url(app_url(owner_url, app_role))} is older than "
        "this app; ask whoever runs the server to run `cvi-trainer db setup`."
    )
    with engine.connect() as con:  # nothing was attempted
        assert con.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            "0006_evidence"
        )
    code, _out, err = db_setup(capsys, app_url(owner_url, app_role), app_role)
    assert code == 1 and "older than this app" in err  # the app URL cannot upgrade it either
    code, _out, err = db_setup(capsys, owner_url, app_role)  # the owner can: and re-grants
    assert (code, err) == (0, "")
    desk = open_database(url=app_url(owner_url, app_role))
    desk.dispose()
    code, _out, err = db_setup(capsys, app_url(owner_url, app_role), "cvi_other")
    assert code == 1 and "needs the URL of the role that owns the database's tables" in err
    engine.dispose()


@pytest.mark.postgres
def test_db_setup_refuses_a_role_that_owns_the_tables(
    owner_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    owner = make_url(owner_url).username
    code, _out, err = db_setup(capsys, owner_url, owner)
    assert code == 1 and f"--app-role: {owner} owns the tables" in err


def test_db_setup_on_sqlite_says_there_is_nothing_more_to_do(
    sqlite_db: Database, paths, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "setup", "--data-dir", str(paths.data_dir)]) == 0
    out = capsys.readouterr().out
    assert "no roles to set up" in out and "triggers refuse changes to audit entries" in out


def test_db_setup_refuses_a_role_name_it_cannot_use(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "setup", "--app-role", "Desk; DROP TABLE person"]) == 1
    assert "is not a usable role name" in capsys.readouterr().err
