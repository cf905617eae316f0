"""Training sessions: a trainer records an in-person or live online session (topic, date, length,
facilitator) and who attended it. Recorded sessions are evidence for credentials."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trainer.core import audit
from trainer.core.dates import short_date
from trainer.core.errors import NotFoundError, ValidationError
from trainer.core.models import Person, Role, TrainingAttendance, TrainingSession
from trainer.core.services.observations import PersonChoice, active_trainees
from trainer.core.services.permissions import can, require, require_self_or

DELIVERY_LABELS = {"in-person": "In person", "live-online": "Live online"}
MAX_HOURS = 16
MAX_TOPIC, MAX_FACILITATOR, MAX_NOTES = 300, 200, 4000


@dataclass(frozen=True)
class SessionRow:
    id: int
    topic: str
    held_on: date
    hours: float
    delivery: str
    facilitator: str
    notes: str
    recorded_by_name: str
    recorded_at: datetime
    attendees: tuple[PersonChoice, ...]

    @property
    def delivery_label(self) -> str:
        return DELIVERY_LABELS.get(self.delivery, self.delivery)

    @property
    def attendee_names(self) -> str:
        return ", ".join(a.name for a in self.attendees)


def attendable_trainees(session: Session, actor: Person) -> list[PersonChoice]:
    """Who can be marked as attending: active trainees of the organization but the recorder."""
    recorder = require(session, actor, "record_training")
    return active_trainees(session, recorder.organization_id, excluding=recorder.id)


def _minutes(hours: float) -> int:
    quarters = hours * 4
    if (
        not 0 < hours <= MAX_HOURS
        or abs(quarters - round(quarters)) > 1e-6
        or round(quarters) < 1  # a sliver of an hour is not a quarter of one
    ):
        raise ValidationError(
            f"Hours: enter between 0.25 and {MAX_HOURS} hours, in quarter hours (for example "
            "1.5 or 2.75).",
            "hours",
        )
    return round(quarters) * 15


def _text(value: str, label: str, field: str, limit: int, *, required: bool = True) -> str:
    value = " ".join((value or "").split()) if field != "notes" else (value or "").strip()
    if required and not value:
        raise ValidationError(f"{label}: this is required.", field)
    if len(value) > limit:
        raise ValidationError(f"{label}: keep it under {limit} characters.", field)
    return value


def _attendees(session: Session, recorder: Person, attendee_ids: Sequence[int]) -> list[Person]:
    if not attendee_ids:
        raise ValidationError("Attendees: mark at least one trainee who attended.", "attendees")
    people = {
        p.id: p
        for p in session.scalars(
            select(Person).where(
                Person.id.in_(set(attendee_ids)),
                Person.organization_id == recorder.organization_id,
            )
        )
    }
    twice = [i for i, n in Counter(attendee_ids).items() if n > 1]
    if twice:
        names = [people[i].full_name if i in people else f"id {i}" for i in twice]
        raise ValidationError(
            f"Attendees: {', '.join(names)} {'is' if len(names) == 1 else 'are'} listed more "
            "than once.",
            "attendees",
        )
    refused = []
    for person_id in attendee_ids:
        person = people.get(person_id)
        if person is None:
            refused.append(f"id {person_id} (not in your organization)")
        elif person.id == recorder.id:
            refused.append(f"{person.full_name} (you: another trainer records your attendance)")
        elif not person.active:
            refused.append(f"{person.full_name} (account deactivated)")
        elif Role.TRAINEE not in person.roles:
            refused.append(f"{person.full_name} (not a trainee)")
    if refused:
        raise ValidationError(
            "Attendees: only active trainees of your organization can be marked as attending; "
            f"not: {'; '.join(refused)}.",
            "attendees",
        )
    return [people[i] for i in attendee_ids]


def _refuse_duplicate(
    session: Session, organization_id: int, topic: str, held_on: date, attendees: Sequence[Person]
) -> None:
    """The same session saved twice would count its hours twice for everyone in it."""
    names = session.scalars(
        select(Person.full_name)
        .join(TrainingAttendance, TrainingAttendance.person_id == Person.id)
        .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
        .where(
            TrainingSession.organization_id == organization_id,
            TrainingSession.held_on == held_on,
            func.lower(TrainingSession.topic) == topic.lower(),
            TrainingAttendance.person_id.in_([p.id for p in attendees]),
        )
        .order_by(Person.full_name)
    ).all()
    if names:
        raise ValidationError(
            f"Topic: “{topic}” on {held_on.isoformat()} is already recorded with "
            f"{', '.join(names)}. Open that session instead of recording it again, or give this "
            "one a different topic if it really was a second session.",
            "topic",
        )


def record_session(
    session: Session,
    actor: Person,
    *,
    topic: str,
    held_on: date,
    hours: float,
    delivery: str,
    facilitator: str,
    attendee_ids: Sequence[int],
    notes: str = "",
    now: datetime,
) -> TrainingSession:
    """Record one session and its attendance; every rule is checked before anything is written."""
    recorder = require(session, actor, "record_training")
    topic = _text(topic, "Topic", "topic", MAX_TOPIC)
    if held_on > now.date():
        raise ValidationError(
            f"Date: {short_date(held_on)} is in the future; record a session after it was held.",
            "held_on",
        )
    minutes = _minutes(hours)
    if delivery not in DELIVERY_LABELS:
        raise ValidationError(
            f"Delivery: choose {' or '.join(DELIVERY_LABELS.values()).lower()}.", "delivery"
        )
    facilitator = _text(facilitator, "Facilitator", "facilitator", MAX_FACILITATOR)
    notes = _text(notes, "Notes", "notes", MAX_NOTES, required=False)
    attendees = _attendees(session, recorder, attendee_ids)
    _refuse_duplicate(session, recorder.organization_id, topic, held_on, attendees)
    row = TrainingSession(
        organization_id=recorder.organization_id,
        topic=topic,
        held_on=held_on,
        minutes=minutes,
        delivery=delivery,
        facilitator=facilitator,
        notes=notes,
        recorded_by_id=recorder.id,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    session.add_all(TrainingAttendance(session_id=row.id, person_id=p.id) for p in attendees)
    session.flush()
    audit.record(
        session,
        recorder,
        "training_session.recorded",
        f"training session {row.id}",
        at=now,
        topic=topic,
        held_on=held_on.isoformat(),
        hours=minutes / 60,
        delivery=delivery,
        facilitator=facilitator,
        attendees=sorted(p.username for p in attendees),
    )
    return row


def _rows(
    session: Session, where: list[object], *, only_attendee: int | None = None
) -> list[SessionRow]:
    found = session.execute(
        select(TrainingSession, Person.full_name)
        .join(Person, Person.id == TrainingSession.recorded_by_id)
        .where(*where)  # type: ignore[arg-type]
        .order_by(TrainingSession.held_on.desc(), TrainingSession.id.desc())
    ).all()
    attendance: dict[int, list[PersonChoice]] = {}
    if found:
        for session_id, person_id, name in session.execute(
            select(TrainingAttendance.session_id, Person.id, Person.full_name)
            .join(Person, Person.id == TrainingAttendance.person_id)
            .where(TrainingAttendance.session_id.in_([s.id for s, _ in found]))
            .order_by(Person.full_name)
        ):
            if only_attendee in (None, person_id):
                attendance.setdefault(session_id, []).append(PersonChoice(person_id, name))
    return [
        SessionRow(
            id=s.id,
            topic=s.topic,
            held_on=s.held_on,
            hours=s.minutes / 60,
            delivery=s.delivery,
            facilitator=s.facilitator,
            notes=s.notes,
            recorded_by_name=recorded_by,
            recorded_at=s.recorded_at,
            attendees=tuple(attendance.get(s.id, [])),
        )
        for s, recorded_by in found
    ]


def all_sessions(session: Session, actor: Person) -> list[SessionRow]:
    """Every session recorded in the organization, newest first (trainers)."""
    recorder = require(session, actor, "record_training")
    return _rows(session, [TrainingSession.organization_id == recorder.organization_id])


def sessions_attended(session: Session, actor: Person, person_id: int) -> list[SessionRow]:
    """The sessions one person attended: their own, or anyone's for staff. Only staff see the
    other attendees."""
    fresh = require_self_or(session, actor, person_id, "view_team")
    person = session.get(Person, person_id)
    if person is None or person.organization_id != fresh.organization_id:
        raise NotFoundError("No such person.")
    attended = select(TrainingAttendance.session_id).where(
        TrainingAttendance.person_id == person_id
    )
    return _rows(
        session,
        [TrainingSession.id.in_(attended)],
        only_attendee=None if can(fresh, "view_team") else person_id,
    )
