"""The audit log is append-only and its hash chain shows edits and deletions."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from tests.conftest import Team
from trainer.core.audit import verify_chain
from trainer.core.models import AuditEntry, ImmutableRecordError
from trainer.core.services import accounts


def _some_history(team: Team, db, clock) -> None:
    for i in range(3):
        with db.begin() as session:
            accounts.sign_in(session, "tom", f"wrong-guess-{i}", now=clock.advance(minutes=1))


def test_intact_log_verifies(team: Team, db, clock) -> None:
    _some_history(team, db, clock)
    with db.begin() as session:
        report = verify_chain(session)
    assert report.intact and report.entries >= 8


def test_edited_entry_is_reported_as_the_first_break(team: Team, db, clock) -> None:
    _some_history(team, db, clock)
    with db.begin() as session:  # tampering behind the app's back, in plain SQL
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.id == 4)
            .values(target="someone-else")
            .execution_options(synchronize_session=False)
        )
    with db.begin() as session:
        report = verify_chain(session)
    assert report.first_bad_id == 4
    assert "changed" in report.problem


def test_deleted_entry_is_reported(team: Team, db, clock) -> None:
    _some_history(team, db, clock)
    with db.begin() as session:
        session.execute(
            delete(AuditEntry)
            .where(AuditEntry.id == 3)
            .execution_options(synchronize_session=False)
        )
    with db.begin() as session:
        report = verify_chain(session)
    assert report.first_bad_id == 4
    assert "deleted" in report.problem


def test_entries_cannot_be_changed_through_the_app(team: Team, db, clock) -> None:
    with pytest.raises(ImmutableRecordError), db.begin() as session:
        entry = session.scalars(select(AuditEntry)).first()
        entry.action = "nothing.happened"


def test_security_actions_are_logged_with_actor_and_target(team: Team, db, clock) -> None:
    with db.begin() as session:
        accounts.set_active(session, team.admin, team.trainee.id, False, now=clock.now())
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.actor_name, entry.target) == (
        "person.deactivated",
        "Ada Admin",
        "tom",
    )
