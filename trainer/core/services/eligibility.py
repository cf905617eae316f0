"""Loading what people have done and asking the eligibility rules (core.eligibility) about
it: a person's checklists, a team's, and the programs they are measured against."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trainer.core import eligibility as rules
from trainer.core.eligibility import (
    Attended,
    Checklist,
    Held,
    Hours,
    ModulePass,
    Observed,
    Record,
    ScenarioPass,
)
from trainer.core.errors import NotFoundError
from trainer.core.models import (
    ContentDocument,
    ContentKind,
    ContentVersion,
    Credential,
    CredentialStatusEvent,
    FieldHourEntry,
    Observation,
    ObservationRating,
    Person,
    PolicyAcknowledgment,
    QuizAttempt,
    Role,
    ScenarioAttempt,
    TrainingAttendance,
    TrainingSession,
)
from trainer.core.policies import digest
from trainer.core.program import Program, parse_program
from trainer.core.rubric import parse_rubric
from trainer.core.services.permissions import current_actor, require, require_self_or
from trainer.core.services.training import live_documents, parsed_module


def records(session: Session, organization_id: int, person_ids: Sequence[int]) -> dict[int, Record]:
    records: dict[int, Record] = {pid: Record() for pid in person_ids}
    ids = list(person_ids)
    # Every passed knowledge check counts, with its version and score: the first pass meets
    # a module requirement, a later one a renewal refresher.
    for person_id, key, submitted_at, number, score, body in session.execute(
        select(
            QuizAttempt.person_id,
            ContentDocument.key,
            QuizAttempt.submitted_at,
            ContentVersion.number,
            QuizAttempt.score,
            ContentVersion.body,
        )
        .join(ContentDocument, ContentDocument.id == QuizAttempt.document_id)
        .join(ContentVersion, ContentVersion.id == QuizAttempt.version_id)
        .where(QuizAttempt.person_id.in_(ids), QuizAttempt.passed.is_(True))
    ):
        credit = parsed_module(body).credit_hours  # cached per version text
        records[person_id].modules[key].append(ModulePass(submitted_at, number or 0, score, credit))
    for attempt_id, person_id, key, finished_at, number, fraction in session.execute(
        select(
            ScenarioAttempt.id,
            ScenarioAttempt.person_id,
            ContentDocument.key,
            ScenarioAttempt.finished_at,
            ContentVersion.number,
            ScenarioAttempt.score,
        )
        .join(ContentDocument, ContentDocument.id == ScenarioAttempt.document_id)
        .join(ContentVersion, ContentVersion.id == ScenarioAttempt.version_id)
        .where(
            ScenarioAttempt.person_id.in_(ids),
            ScenarioAttempt.mode == "assessment",
            ScenarioAttempt.passed.is_(True),
        )
    ):
        if finished_at is not None:  # a passed attempt is finished; narrows the type
            records[person_id].scenarios[key].append(
                ScenarioPass(attempt_id, finished_at, number or 0, fraction or 0.0)
            )
    for entry in session.scalars(
        select(FieldHourEntry).where(
            FieldHourEntry.person_id.in_(ids), FieldHourEntry.status == "signed"
        )
    ):
        records[entry.person_id].hours.append(
            Hours(entry.worked_on, entry.activity, entry.minutes, entry.reviewer_name or "")
        )
    for held in held_credentials(session, organization_id, Credential.holder_id.in_(ids)):
        records[held.holder_id].credentials.append(held)
    _observations(session, ids, records)
    for person_id, held_on, minutes, delivery, topic, facilitator in session.execute(
        select(
            TrainingAttendance.person_id,
            TrainingSession.held_on,
            TrainingSession.minutes,
            TrainingSession.delivery,
            TrainingSession.topic,
            TrainingSession.facilitator,
        )
        .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
        .where(TrainingAttendance.person_id.in_(ids))
        .order_by(TrainingSession.held_on)
    ):
        records[person_id].sessions.append(Attended(held_on, minutes, delivery, topic, facilitator))
    _acknowledgments(session, organization_id, ids, records)
    return records


def _observations(session: Session, ids: list[int], records: dict[int, Record]) -> None:
    """Ratings of observations not withdrawn, with the rubric's words for each level."""
    rubrics: dict[int, object] = {}
    for obs, rating, body in session.execute(
        select(Observation, ObservationRating, ContentVersion.body)
        .join(ObservationRating, ObservationRating.observation_id == Observation.id)
        .join(ContentVersion, ContentVersion.id == Observation.rubric_version_id)
        .where(Observation.person_id.in_(ids), Observation.withdrawn_at.is_(None))
        .order_by(Observation.observed_on, Observation.id)
    ):
        if obs.rubric_version_id not in rubrics:
            rubrics[obs.rubric_version_id] = parse_rubric(body)[0]
        rubric = rubrics[obs.rubric_version_id]
        competency = next(
            (c for c in getattr(rubric, "competencies", ()) if c.key == rating.competency), None
        )
        records[obs.person_id].observations.append(
            Observed(
                obs.rubric_key,
                rating.competency,
                rating.level,
                obs.setting,
                obs.observed_on,
                obs.observer_name,
                competency.label if competency else rating.competency,
                competency.levels[rating.level - 1] if competency else "",
                rating.comment or "",
                obs.notes or "",
            )
        )


def _acknowledgments(
    session: Session, organization_id: int, ids: list[int], records: dict[int, Record]
) -> None:
    """When each person acknowledged the program policies as they read now (nobody has while a
    policy box is not written yet: there is nothing to have read)."""
    from trainer.core.services.policies import texts, unwritten

    if unwritten(session, organization_id):
        return
    current = digest(texts(session, organization_id))
    for person_id, at in session.execute(
        select(PolicyAcknowledgment.person_id, func.max(PolicyAcknowledgment.acknowledged_at))
        .where(PolicyAcknowledgment.person_id.in_(ids), PolicyAcknowledgment.digest == current)
        .group_by(PolicyAcknowledgment.person_id)
    ):
        records[person_id].policies_acknowledged_at = at


def held_credentials(session: Session, organization_id: int, *where: object) -> list[Held]:
    rows = list(
        session.scalars(
            select(Credential)
            .where(Credential.organization_id == organization_id, *where)  # type: ignore[arg-type]
            .order_by(Credential.issued_at.desc(), Credential.id.desc())
        )
    )
    if not rows:
        return []
    ids = [r.id for r in rows]
    events: dict[int, list[CredentialStatusEvent]] = defaultdict(list)
    for event in session.scalars(
        select(CredentialStatusEvent)
        .where(CredentialStatusEvent.credential_id.in_(ids))
        .order_by(CredentialStatusEvent.id)
    ):
        events[event.credential_id].append(event)
    renewed_by = dict(
        session.execute(
            select(Credential.renews_id, Credential.id).where(Credential.renews_id.in_(ids))
        ).all()
    )
    return [_as_held(r, events[r.id], renewed_by.get(r.id)) for r in rows]


def _as_held(row: Credential, events: list[CredentialStatusEvent], renewed_by: int | None) -> Held:
    revoked, suspended = rules.standing(events)
    return Held(
        row.id,
        row.uuid,
        row.code,
        row.holder_id,
        row.holder_name,
        row.program_key,
        row.title,
        row.tier,
        row.issued_at,
        row.valid_until,
        row.renews_id,
        revoked,
        suspended,
        renewed_by,
        row.series,
    )


@dataclass(frozen=True)
class LiveProgram:
    document_id: int
    version_id: int
    version: int
    program: Program


def live_programs(
    session: Session, organization_id: int, only: str | None = None
) -> dict[str, LiveProgram]:
    """Published programs by key in order of progression (Program.progression); just `only`,
    when given: the others are not parsed."""
    found = {}
    for doc in live_documents(session, organization_id, ContentKind.PROGRAM):
        if only is not None and doc.key != only:
            continue
        parsed, _ = parse_program(doc.body)
        if parsed is not None:
            found[doc.key] = LiveProgram(doc.document_id, doc.version_id, doc.number, parsed)
    return dict(sorted(found.items(), key=lambda item: item[1].program.progression))


def program(session: Session, organization_id: int, key: str) -> LiveProgram:
    live = live_programs(session, organization_id, only=key).get(key)
    if live is None:
        known = ", ".join(live_programs(session, organization_id)) or "none published yet"
        raise NotFoundError(f"There is no published credential program {key!r}. Programs: {known}.")
    return live


def titles(session: Session, organization_id: int) -> dict[tuple[str, str], str]:
    """(kind, key) -> title of the newest version, for checklists that name things."""
    newest = (
        select(ContentVersion.document_id, func.max(ContentVersion.id).label("v"))
        .group_by(ContentVersion.document_id)
        .subquery()
    )
    rows = session.execute(
        select(ContentDocument.kind, ContentDocument.key, ContentVersion.title)
        .join(newest, newest.c.document_id == ContentDocument.id)
        .join(ContentVersion, ContentVersion.id == newest.c.v)
        .where(ContentDocument.organization_id == organization_id)
    )
    found = {(kind, key): title for kind, key, title in rows}
    for live in live_documents(session, organization_id, ContentKind.RUBRIC):
        rubric = parse_rubric(live.body)[0]
        for c in rubric.competencies if rubric else ():
            found[("competency", f"{rubric.id}/{c.key}")] = c.label  # type: ignore[union-attr]
    return found


def as_person(person: Person) -> rules.Person:
    return rules.Person(person.id, person.full_name)


def _person(session: Session, actor: Person, person_id: int, action: str) -> tuple[Person, Person]:
    fresh = require_self_or(session, actor, person_id, action)
    person = session.get(Person, person_id)
    if person is None or person.organization_id != fresh.organization_id:
        raise NotFoundError("No such person in this organization.")
    return fresh, person


def eligibility(
    session: Session, actor: Person, person_id: int, program_key: str, *, now: datetime
) -> Checklist:
    """The checklist for one person's next credential of a program: their own, or anyone's for
    staff. The same rules decide issuing, whichever screen or command asks."""
    fresh, person = _person(session, actor, person_id, "view_team")
    live = program(session, fresh.organization_id, program_key)
    record = records(session, fresh.organization_id, [person.id])[person.id]
    names = titles(session, fresh.organization_id)
    return rules.checklist(live.program, as_person(person), record, names, now)


def my_progress(session: Session, actor: Person, *, now: datetime) -> list[Checklist]:
    """For the trainee: what is left for every credential program."""
    fresh = current_actor(session, actor)
    programs = live_programs(session, fresh.organization_id)
    record = records(session, fresh.organization_id, [fresh.id])[fresh.id]
    names = titles(session, fresh.organization_id)
    me = as_person(fresh)
    return [rules.checklist(live.program, me, record, names, now) for live in programs.values()]


def team_eligibility(
    session: Session, actor: Person, program_key: str, *, now: datetime
) -> list[Checklist]:
    """For managers: the checklists of the active people working toward the program, eligible
    first. That is everyone with the trainee role, and anyone else (a trainer, say) who holds the
    program's credential or has met one of its requirements; staff who never trained are left out,
    so the list is the people a manager might certify."""
    fresh = require(session, actor, "issue_credentials")
    live = program(session, fresh.organization_id, program_key)
    people = list(
        session.scalars(
            select(Person)
            .where(Person.organization_id == fresh.organization_id, Person.active.is_(True))
            .order_by(Person.full_name)
        )
    )
    found = records(session, fresh.organization_id, [p.id for p in people])
    names = titles(session, fresh.organization_id)
    lists = [
        check
        for p in people
        if (check := rules.checklist(live.program, as_person(p), found[p.id], names, now))
        and (
            p.has_role(Role.TRAINEE)
            or check.held is not None
            or any(item.met for item in check.items)
        )
    ]
    return sorted(lists, key=lambda c: (not c.eligible, len(c.left), c.person_name))


def renewal_eligibility(
    session: Session, actor: Person, credential_id: int, *, now: datetime
) -> Checklist:
    """What renewing one credential needs (its holder's own, or anyone's for staff)."""
    fresh = current_actor(session, actor)
    found = held_credentials(session, fresh.organization_id, Credential.id == credential_id)
    if not found:
        raise NotFoundError("No such credential in this organization.")
    old = found[0]
    _, person = _person(session, fresh, old.holder_id, "view_team")
    live = program(session, fresh.organization_id, old.program_key)
    record = records(session, fresh.organization_id, [person.id])[person.id]
    names = titles(session, fresh.organization_id)
    return rules.renewal_checklist(live.program, as_person(person), old, record, names)
