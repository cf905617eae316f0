"""Training sessions: trainers record a session and who attended; attendees read their own."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import FakeClock, Team, make_person
from tests.core.evidence_fixtures import Evidence
from trainer.core.db import Database
from trainer.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from trainer.core.models import AuditEntry, Role, TrainingAttendance, TrainingSession
from trainer.core.services import accounts, training_sessions


@pytest.fixture
def ev(sqlite_db: Database, clock: FakeClock, sqlite_team: Team, tmp_path: Path) -> Evidence:
    return Evidence(sqlite_db, clock, sqlite_team, tmp_path / "content")


def _refused(ev: Evidence, field: str, match: str, **changes) -> None:
    with pytest.raises(ValidationError, match=match) as caught:
        ev.record_session(**changes)
    assert caught.value.field == field
    assert ev.count(TrainingSession) == 0 and ev.count(TrainingAttendance) == 0
    assert "training_session.recorded" not in ev.actions()


def test_a_trainer_records_a_session_with_its_attendance(ev: Evidence) -> None:
    session_id = ev.record_session(topic="  Safety   planning ", notes=" Handout 3. ")
    with ev.db.begin() as session:
        row = session.get(TrainingSession, session_id)
        assert row is not None
        assert (row.topic, row.minutes, row.delivery, row.notes) == (
            "Safety planning",
            90,
            "in-person",
            "Handout 3.",
        )
        assert row.recorded_by_id == ev.team.trainer.id and row.held_on == ev.today
        attended = set(
            session.scalars(
                select(TrainingAttendance.person_id).where(
                    TrainingAttendance.session_id == session_id
                )
            )
        )
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert attended == {ev.team.trainee.id, ev.team.other_trainee.id}
    assert entry is not None and entry.action == "training_session.recorded"
    assert entry.target == f"training session {session_id}"
    assert '"attendees":["tess","tom"]' in entry.details and '"hours":1.5' in entry.details


@pytest.mark.parametrize(("hours", "minutes"), [(0.25, 15), (1, 60), (2.75, 165), (16, 960)])
def test_hours_from_a_quarter_to_sixteen_are_stored_as_minutes(
    ev: Evidence, hours: float, minutes: int
) -> None:
    session_id = ev.record_session(hours=hours)
    with ev.db.begin() as session:
        assert session.get(TrainingSession, session_id).minutes == minutes  # type: ignore[union-attr]


@pytest.mark.parametrize("hours", [0, -1, 0.2, 1.1, 16.25, 24])
def test_other_hours_are_refused(ev: Evidence, hours: float) -> None:
    _refused(ev, "hours", "between 0.25 and 16 hours, in quarter hours", hours=hours)


@pytest.mark.parametrize(
    ("changes", "field", "match"),
    [
        ({"topic": "   "}, "topic", "Topic: this is required"),
        ({"topic": "t" * 301}, "topic", "under 300"),
        ({"facilitator": ""}, "facilitator", "Facilitator: this is required"),
        ({"delivery": "recorded-video"}, "delivery", "in person or live online"),
        ({"notes": "n" * 4001}, "notes", "under 4000"),
        ({"attendee_ids": []}, "attendees", "at least one trainee"),
    ],
)
def test_each_rule_names_its_field_and_nothing_is_recorded(
    ev: Evidence, changes: dict[str, object], field: str, match: str
) -> None:
    _refused(ev, field, match, **changes)


def test_the_session_is_not_in_the_future(ev: Evidence) -> None:
    _refused(ev, "held_on", "in the future", held_on=ev.today + timedelta(days=1))
    ev.record_session(held_on=ev.today - timedelta(days=400))  # a late entry of an old session
    assert ev.count(TrainingSession) == 1


def test_every_attendee_is_an_active_trainee_named_when_refused(ev: Evidence) -> None:
    team = ev.team
    twice, manager = [team.trainee.id, team.trainee.id], [team.trainee.id, team.manager.id]
    _refused(ev, "attendees", r"Tom Person is listed more than once", attendee_ids=twice)
    _refused(ev, "attendees", r"not: Manny Person \(not a trainee\)", attendee_ids=manager)
    _refused(ev, "attendees", r"id 4242 \(not in your organization\)", attendee_ids=[4242])
    with ev.db.begin() as session:
        accounts.set_active(session, team.admin, team.other_trainee.id, False, now=ev.clock.now())
    _refused(ev, "attendees", r"Tess Person \(account deactivated\)")


def test_a_trainer_does_not_record_their_own_attendance(ev: Evidence) -> None:
    both = make_person(ev.db, ev.clock, ev.team.admin, "trey", Role.TRAINER, Role.TRAINEE)
    with pytest.raises(ValidationError, match="another trainer records your attendance"):
        ev.record_session(who=both, attendee_ids=[both.id, ev.team.trainee.id])
    ev.record_session(attendee_ids=[both.id])
    with ev.db.begin() as session:
        offered = training_sessions.attendable_trainees(session, both)
    assert [p.name for p in offered] == ["Tess Person", "Tom Person"]


@pytest.mark.parametrize("role", ["trainee", "manager", "admin"])
def test_only_trainers_record_sessions(ev: Evidence, role: str) -> None:
    who = ev.team.by_role()[role]
    with pytest.raises(PermissionDeniedError, match="Only a trainer can record training"):
        ev.record_session(who=who)
    with ev.db.begin() as session, pytest.raises(PermissionDeniedError):
        training_sessions.all_sessions(session, who)
    with ev.db.begin() as session, pytest.raises(PermissionDeniedError):
        training_sessions.attendable_trainees(session, who)


def test_attendees_read_their_sessions_and_staff_see_who_else_attended(ev: Evidence) -> None:
    team = ev.team
    first = ev.record_session(held_on=ev.today - timedelta(days=3), delivery="live-online")
    ev.record_session(topic="Documentation", attendee_ids=[team.other_trainee.id])
    with ev.db.begin() as session:
        mine = training_sessions.sessions_attended(session, team.trainee, team.trainee.id)
        seen_by_manager = training_sessions.sessions_attended(
            session, team.manager, team.trainee.id
        )
        everything = training_sessions.all_sessions(session, ev.other_trainer)
    assert [r.id for r in mine] == [first]
    assert (mine[0].delivery_label, mine[0].hours, mine[0].recorded_by_name) == (
        "Live online",
        1.5,
        "Tina Person",
    )
    assert mine[0].attendee_names == "Tom Person"  # a trainee is not shown who else came
    assert seen_by_manager[0].attendee_names == "Tess Person, Tom Person"
    assert [r.topic for r in everything] == ["Documentation", "Safety planning before outreach"]
    with ev.db.begin() as session, pytest.raises(PermissionDeniedError):
        training_sessions.sessions_attended(session, team.trainee, team.other_trainee.id)
    with ev.db.begin() as session, pytest.raises(NotFoundError):
        training_sessions.sessions_attended(session, team.manager, 4242)
