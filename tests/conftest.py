"""Shared fixtures: a temp data dir per test, real SQLite (and PostgreSQL when configured), a fake
clock, people in every role, and a guard that fails a test instead of hanging on a modal dialog."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, select, text
from sqlalchemy.exc import SQLAlchemyError

from tests import templates
from tests.cheap_kdf import hook_subprocesses, use_cheap_parameters
from trainer.core.db import Database, open_database
from trainer.core.models import Person, Role
from trainer.core.paths import ENV_CONFIG, AppPaths
from trainer.core.services import accounts

PASSWORD = "correct horse battery"

use_cheap_parameters()
hook_subprocesses()


class FakeClock:
    """Time that moves only when a test says so."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or templates.BUILT_AT

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> datetime:
        self.current += timedelta(**kwargs)
        return self.current


@pytest.fixture(autouse=True)
def _template_slots() -> None:
    templates.new_test()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return AppPaths(tmp_path / "data")


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """What the app remembers per computer (core.remembered_heads) goes to a temp folder, never
    the real user's; subprocesses inherit it through the environment."""
    folder = tmp_path / "config"
    monkeypatch.setenv(ENV_CONFIG, str(folder))
    return folder


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as con:
        con.execute(text("DROP SCHEMA public CASCADE"))
        con.execute(text("CREATE SCHEMA public"))
    engine.dispose()


# The PostgreSQL schema as the migrations left it, by URL: while it is unchanged, emptying the
# tables is enough for the next test (migrating from nothing took a second or more a test).
_migrated_postgres: dict[str, str] = {}

_SCHEMA = """
SELECT 'table ' || table_name FROM information_schema.tables WHERE table_schema = 'public'
UNION ALL SELECT 'trigger ' || trigger_name || ' ' || event_object_table || ' ' || event_manipulation
  FROM information_schema.triggers WHERE trigger_schema = 'public'
UNION ALL SELECT 'routine ' || routine_name FROM information_schema.routines
  WHERE routine_schema = 'public'
UNION ALL SELECT 'revision ' || version_num FROM alembic_version
"""


def _schema_of(con: Connection) -> str:
    return "\n".join(sorted(con.execute(text(_SCHEMA)).scalars()))


def _empty_postgres(url: str) -> bool:
    """Empty every table of a schema this session migrated and nobody changed since; False (and
    nothing done) otherwise, e.g. when a trigger refuses TRUNCATE."""
    if url not in _migrated_postgres:
        return False
    engine = create_engine(url)
    try:
        with engine.begin() as con:
            if _schema_of(con) != _migrated_postgres[url]:
                return False
            tables = con.execute(
                text(
                    "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            ).scalars()
            con.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        return True
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def _fresh_postgres(url: str) -> Database:
    if _empty_postgres(url):
        return open_database(url=url)
    _reset_postgres(url)
    database = open_database(url=url)
    with database.engine.connect() as con:
        _migrated_postgres[url] = _schema_of(con)
    return database


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """CVI_TEST_POSTGRES_URL if set (a database the tests may wipe), else a throwaway server."""
    given = os.environ.get("CVI_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    from tests.postgres_server import ThrowawayPostgres

    server = ThrowawayPostgres()
    url = server.start()
    if url is None:
        pytest.skip(f"PostgreSQL tests skipped: {server.reason}")
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, paths: AppPaths) -> Iterator[Database]:
    """A migrated, empty database: SQLite in the temp data dir, and the same on PostgreSQL."""
    if request.param == "postgres":
        database = _fresh_postgres(request.getfixturevalue("postgres_url"))
    else:
        templates.empty_database(paths)
        database = open_database(paths)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(paths: AppPaths) -> Iterator[Database]:
    templates.empty_database(paths)
    database = open_database(paths)
    yield database
    database.dispose()


def make_org(database: Database, clock: FakeClock) -> Person:
    with database.begin() as session:
        return accounts.setup_organization(
            session,
            accounts.OrganizationSetup(
                name="Eastside Peace Project",
                admin_full_name="Ada Admin",
                admin_username="ada",
                admin_password=PASSWORD,
            ),
            now=clock.now(),
        )


def make_person(
    database: Database,
    clock: FakeClock,
    admin: Person,
    username: str,
    *roles: Role,
    must_change: bool = False,
) -> Person:
    with database.begin() as session:
        person = accounts.add_person(
            session,
            admin,
            accounts.NewPerson(
                username=username,
                full_name=username.capitalize() + " Person",
                roles=frozenset(roles),
                password=PASSWORD,
            ),
            now=clock.now(),
        )
        person.must_change_password = must_change
    return person


def _build_team(database: Database, clock: FakeClock) -> None:
    admin = make_org(database, clock)
    make_person(database, clock, admin, "tina", Role.TRAINER)
    make_person(database, clock, admin, "manny", Role.MANAGER)
    make_person(database, clock, admin, "tom", Role.TRAINEE)
    make_person(database, clock, admin, "tess", Role.TRAINEE)


class Team:
    """An organization (Ada the admin) with a trainer, a manager and two trainees, all with
    PASSWORD. Copied from a template built once per run when it can be (tests/templates.py)."""

    USERNAMES = ("ada", "tina", "manny", "tom", "tess")  # admin, trainer, manager, trainees

    def __init__(self, database: Database, clock: FakeClock) -> None:
        self.template: str | None = f"team-{templates.next_slot()}"
        if not templates.copy_into(
            database, clock.now(), self.template, lambda db, at: _build_team(db, FakeClock(at))
        ):
            self.template = None
            _build_team(database, clock)
        self.load(database)

    def load(self, database: Database) -> None:
        with database.begin() as session:
            people = {
                p.username: p
                for p in session.scalars(select(Person).where(Person.username.in_(self.USERNAMES)))
            }
        self.admin, self.trainer, self.manager, self.trainee, self.other_trainee = (
            people[username] for username in self.USERNAMES
        )

    def by_role(self) -> dict[str, Person]:
        return {
            "admin": self.admin,
            "trainer": self.trainer,
            "manager": self.manager,
            "trainee": self.trainee,
        }


@pytest.fixture
def team(db: Database, clock: FakeClock) -> Team:
    return Team(db, clock)


@pytest.fixture
def sqlite_team(sqlite_db: Database, clock: FakeClock) -> Team:
    return Team(sqlite_db, clock)


# --- Qt guards -------------------------------------------------------------------------------


class UnexpectedDialogError(AssertionError):
    pass


@pytest.fixture(autouse=True)
def no_unexpected_modals(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A modal dialog nobody planned for fails the test instead of hanging it."""
    if "qtbot" not in request.fixturenames:
        return
    from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

    def refuse(*args: object, **kwargs: object) -> None:
        raise UnexpectedDialogError(f"unexpected modal dialog: {args!r}")

    monkeypatch.setattr(QDialog, "exec", refuse)
    monkeypatch.setattr(QMessageBox, "exec", refuse)
    for name in ("information", "warning", "critical", "question"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(refuse))
    for name in ("getOpenFileName", "getSaveFileName", "getExistingDirectory"):
        monkeypatch.setattr(QFileDialog, name, staticmethod(refuse))


@pytest.fixture(autouse=True)
def flush_deferred_deletes(request: pytest.FixtureRequest) -> Iterator[None]:
    # pytest-qt issue #498: deleteLater() objects must go before the next test's widgets.
    yield
    if "qtbot" in request.fixturenames:
        from PySide6.QtCore import QCoreApplication, QEvent

        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
