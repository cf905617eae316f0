"""Concurrent seats lose nothing: separate processes writing at once on SQLite and PostgreSQL, the
lockout race, and a long-held write lock answered with a clear message and nothing half-written."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.conftest import Team
from tests.reliability import concurrency_workers as workers
from trainer.core.audit import verify_chain
from trainer.core.db import Database
from trainer.core.models import AuditEntry, FieldHourEntry, Person

PROCESSES, ACTIONS = 4, 100


def _count(db: Database, what: object, *where: object) -> int:
    with db.begin() as session:
        return int(session.scalar(select(func.count()).select_from(what).where(*where)) or 0)


def _actions(db: Database, action: str) -> int:
    return _count(db, AuditEntry, AuditEntry.action == action)


def _chain_intact(db: Database) -> bool:
    with db.begin() as session:
        report = verify_chain(session)
    return report.intact


def test_four_processes_logging_field_hours_lose_nothing(db: Database, team: Team) -> None:
    errors = workers.run_together(
        workers.log_hours, [(db.url, team.trainee.id, ACTIONS)] * PROCESSES
    )
    assert errors == {}
    assert _count(db, FieldHourEntry) == PROCESSES * ACTIONS
    assert _actions(db, "hours.logged") == PROCESSES * ACTIONS
    assert _chain_intact(db)


def test_four_processes_adding_people_lose_no_one(db: Database, team: Team) -> None:
    errors = workers.run_together(
        workers.add_people,
        [(db.url, team.admin.id, f"p{n}-", ACTIONS) for n in range(PROCESSES)],
    )
    assert errors == {}
    assert _count(db, Person, Person.username.like("p%-%")) == PROCESSES * ACTIONS
    assert _actions(db, "person.added") == PROCESSES * ACTIONS + 4  # + the team's four
    assert _chain_intact(db)


def test_sixteen_parallel_wrong_passwords_lock_the_account(db: Database, team: Team) -> None:
    errors = workers.run_together(workers.wrong_password, [(db.url, "tom")] * 16)
    assert errors == {}
    with db.begin() as session:
        tom = session.get(Person, team.trainee.id)
        assert tom is not None and tom.locked_until is not None
    # Every attempt is on record: counted as a failure, or refused because the account was locked.
    assert _actions(db, "sign_in.failed") + _actions(db, "sign_in.refused") == 16
    assert _actions(db, "account.locked") >= 1
    assert _chain_intact(db)
