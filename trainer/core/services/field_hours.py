"""Supervised field hours: trainees log them, trainers sign them off or reject them (never their
own). Reviewed entries never change; a correction is a new entry that points at the old one."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from trainer.core import audit
from trainer.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from trainer.core.models import FieldHourEntry, Person
from trainer.core.program import ACTIVITY_LABELS
from trainer.core.services.permissions import current_actor, require, require_self_or

PENDING, SIGNED, REJECTED = "pending", "signed", "rejected"
MAX_NOTES = 2000


@dataclass(frozen=True)
class NewHours:
    worked_on: date
    hours: float
    activity: str
    notes: str = ""
    corrects_id: int | None = None


@dataclass(frozen=True)
class HoursRow:
    id: int
    person_id: int
    person_name: str
    worked_on: date
    hours: float
    activity: str
    notes: str
    status: str
    reviewer_name: str | None
    review_comment: str | None
    corrects_id: int | None

    @property
    def activity_label(self) -> str:
        return ACTIVITY_LABELS.get(self.activity, self.activity)

    @property
    def status_label(self) -> str:
        return {PENDING: "Waiting for sign-off", SIGNED: "Signed off", REJECTED: "Rejected"}[
            self.status
        ]


def _validate(entry: NewHours, today: date) -> int:
    if entry.activity not in ACTIVITY_LABELS:
        raise ValidationError(
            f"Activity: choose one of {', '.join(ACTIVITY_LABELS.values())}.", "activity"
        )
    if entry.worked_on > today:
        raise ValidationError("Date: field hours are logged after the work, not before.", "date")
    if entry.worked_on < today - timedelta(days=366):
        raise ValidationError("Date: entries older than a year cannot be logged here.", "date")
    minutes = round(entry.hours * 60) if math.isfinite(entry.hours) else 0
    if not 15 <= minutes <= 24 * 60:
        raise ValidationError("Hours: enter between 0.25 and 24 hours for one day.", "hours")
    if len(entry.notes) > MAX_NOTES:
        raise ValidationError(f"Notes: keep them under {MAX_NOTES} characters.", "notes")
    return minutes


def log_hours(session: Session, actor: Person, entry: NewHours, *, now: datetime) -> FieldHourEntry:
    """A person logs their own hours; they wait for a trainer's sign-off."""
    fresh = current_actor(session, actor)
    minutes = _validate(entry, now.date())
    if entry.corrects_id is not None:
        old = session.get(FieldHourEntry, entry.corrects_id)
        if old is None or old.person_id != fresh.id:
            raise NotFoundError("The entry being corrected is not one of yours.")
    row = FieldHourEntry(
        person_id=fresh.id,
        worked_on=entry.worked_on,
        minutes=minutes,
        activity=entry.activity,
        notes=entry.notes.strip(),
        logged_at=now,
        status=PENDING,
        corrects_id=entry.corrects_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        fresh,
        "hours.logged",
        f"entry {row.id}",
        at=now,
        hours=minutes / 60,
        activity=entry.activity,
        corrects=entry.corrects_id,
    )
    return row


def review(
    session: Session, actor: Person, entry_id: int, *, approve: bool, comment: str, now: datetime
) -> FieldHourEntry:
    """Sign off or reject one pending entry of someone else in the same organization."""
    fresh = require(session, actor, "sign_off_hours")
    row = session.get(FieldHourEntry, entry_id)
    person = session.get(Person, row.person_id) if row is not None else None
    if row is None or person is None or person.organization_id != fresh.organization_id:
        raise NotFoundError("That field hour entry does not exist.")
    if row.person_id == fresh.id:
        raise PermissionDeniedError(
            "You cannot sign off your own field hours; another trainer must review them."
        )
    if row.status != PENDING:
        raise ValidationError(f"This entry was already {row.status} by {row.reviewer_name}.")
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError(
            "Why: say why the entry is rejected, so it can be corrected.", "comment"
        )
    row.status = SIGNED if approve else REJECTED
    row.reviewer_id, row.reviewer_name = fresh.id, fresh.full_name
    row.reviewed_at, row.review_comment = now, comment or None
    session.flush()
    audit.record(
        session,
        fresh,
        "hours.signed" if approve else "hours.rejected",
        f"entry {row.id} of {person.username}",
        at=now,
        hours=row.minutes / 60,
        comment=comment,
    )
    return row


def _rows(session: Session, where: list[object]) -> list[HoursRow]:
    query = (
        select(FieldHourEntry, Person.full_name)
        .join(Person, Person.id == FieldHourEntry.person_id)
        .where(*where)  # type: ignore[arg-type]
        .order_by(FieldHourEntry.worked_on.desc(), FieldHourEntry.id.desc())
    )
    return [
        HoursRow(
            e.id,
            e.person_id,
            name,
            e.worked_on,
            e.minutes / 60,
            e.activity,
            e.notes,
            e.status,
            e.reviewer_name,
            e.review_comment,
            e.corrects_id,
        )
        for e, name in session.execute(query)
    ]


def entries_for(session: Session, actor: Person, person_id: int) -> list[HoursRow]:
    """One person's entries: their own, or anyone's for trainers, managers and admins."""
    fresh = require_self_or(session, actor, person_id, "view_team")
    person = session.get(Person, person_id)
    if person is None or person.organization_id != fresh.organization_id:
        raise NotFoundError("No such person.")
    return _rows(session, [FieldHourEntry.person_id == person_id])


def pending_reviews(session: Session, actor: Person) -> list[HoursRow]:
    """What waits for this trainer: pending entries of everyone else in the organization."""
    fresh = require(session, actor, "sign_off_hours")
    return _rows(
        session,
        [
            FieldHourEntry.status == PENDING,
            FieldHourEntry.person_id != fresh.id,
            Person.organization_id == fresh.organization_id,
        ],
    )
