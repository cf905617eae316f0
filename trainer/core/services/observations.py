"""Observed practice: a trainer rates a trainee's role-play, field work or training delivery
against a published rubric, every competency at a described level. A recorded observation never
changes; a mistake is withdrawn with a reason and recorded again."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trainer.core import audit
from trainer.core.dates import short_date
from trainer.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from trainer.core.models import (
    ContentKind,
    ContentVersion,
    Observation,
    ObservationRating,
    Person,
    PersonRole,
    Role,
)
from trainer.core.rubric import LEVELS, Rubric, parse_rubric, setting_label
from trainer.core.services.permissions import current_actor, require, require_self_or
from trainer.core.services.training import live_documents

MAX_NOTES = 4000
MAX_COMMENT = 1000


@dataclass(frozen=True)
class PersonChoice:
    id: int
    name: str


@dataclass(frozen=True)
class RubricChoice:
    """A published rubric as an observer picks it: its live version, parsed."""

    key: str
    version_number: int
    rubric: Rubric

    @property
    def title(self) -> str:
        return self.rubric.title


@dataclass(frozen=True)
class RatingRow:
    competency: str
    label: str
    level: int
    description: str  # the rubric's words for this level
    comment: str


@dataclass(frozen=True)
class ObservationRow:
    id: int
    person_id: int
    person_name: str
    observer_id: int
    observer_name: str
    rubric_key: str
    rubric_title: str
    rubric_version: int
    setting: str
    observed_on: date
    notes: str
    recorded_at: datetime
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    ratings: tuple[RatingRow, ...]

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def setting_label(self) -> str:
        return setting_label(self.setting)

    @property
    def status_label(self) -> str:
        if self.withdrawn_at is None:
            return "Recorded"
        return f"Withdrawn on {short_date(self.withdrawn_at.date())}: {self.withdrawn_reason}"

    @property
    def levels_text(self) -> str:
        """“Conflict mediation 3, Safety of self and others 2”: levels in words and numbers."""
        return ", ".join(f"{r.label} {r.level}" for r in self.ratings)

    def level_of(self, competency: str) -> int | None:
        return next((r.level for r in self.ratings if r.competency == competency), None)


# --- what the form offers ----------------------------------------------------------------------


def active_trainees(
    session: Session, organization_id: int, *, excluding: int
) -> list[PersonChoice]:
    """Active people with the trainee role in an organization, by name, one person left out."""
    rows = session.execute(
        select(Person.id, Person.full_name)
        .join(PersonRole, PersonRole.person_id == Person.id)
        .where(
            Person.organization_id == organization_id,
            Person.active.is_(True),
            Person.id != excluding,
            PersonRole.role == Role.TRAINEE.value,
        )
        .order_by(func.lower(Person.full_name))
    )
    return [PersonChoice(pid, name) for pid, name in rows]


def observable_trainees(session: Session, actor: Person) -> list[PersonChoice]:
    """Active trainees of the observer's organization, the observer left out."""
    observer = require(session, actor, "observe_practice")
    return active_trainees(session, observer.organization_id, excluding=observer.id)


def published_rubrics(session: Session, actor: Person) -> list[RubricChoice]:
    """Every published rubric of the organization at its live version, by title."""
    person = current_actor(session, actor)
    choices = []
    for live in live_documents(session, person.organization_id, ContentKind.RUBRIC):
        rubric, _ = parse_rubric(live.body)
        if rubric is not None:  # published versions passed the checker; stay safe regardless
            choices.append(RubricChoice(live.key, live.number, rubric))
    return sorted(choices, key=lambda c: c.title.lower())


# --- recording and withdrawing -----------------------------------------------------------------


def _one_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _observed_person(session: Session, observer: Person, person_id: int) -> Person:
    if person_id == observer.id:
        raise ValidationError(
            "Trainee: you cannot record an observation of your own practice; another trainer "
            "must observe you.",
            "person",
        )
    person = session.get(Person, person_id)
    if person is None or person.organization_id != observer.organization_id:
        raise ValidationError(
            "Trainee: that person is not in your organization; choose a trainee from the list.",
            "person",
        )
    if not person.active:
        raise ValidationError(
            f"Trainee: {person.full_name}'s account is deactivated; observations are recorded "
            "for active trainees only.",
            "person",
        )
    if Role.TRAINEE not in person.roles:
        raise ValidationError(
            f"Trainee: {person.full_name} does not hold the trainee role; observations are "
            "recorded for trainees.",
            "person",
        )
    return person


def _live_rubric(session: Session, organization_id: int, key: str) -> tuple[int, int, int, Rubric]:
    """(document id, version id, version number, rubric) of the live version."""
    live = next(
        (d for d in live_documents(session, organization_id, ContentKind.RUBRIC) if d.key == key),
        None,
    )
    rubric = parse_rubric(live.body)[0] if live is not None else None
    if live is None or rubric is None:
        raise ValidationError(
            f"Rubric: {key!r} is not a published rubric; choose one from the list or publish "
            "it in the content library first.",
            "rubric",
        )
    return live.document_id, live.version_id, live.number, rubric


def _check_ratings(
    rubric: Rubric, ratings: Mapping[str, tuple[int, str]]
) -> list[tuple[str, int, str]]:
    unknown = sorted(set(ratings) - {c.key for c in rubric.competencies})
    if unknown:
        raise ValidationError(
            f"Ratings: {', '.join(map(repr, unknown))} "
            f"{'is not a competency' if len(unknown) == 1 else 'are not competencies'} of "
            f"“{rubric.title}”.",
            "ratings",
        )
    missing = [c.label for c in rubric.competencies if c.key not in ratings]
    if missing:
        raise ValidationError(
            f"Ratings: rate every competency of the rubric; not yet rated: {', '.join(missing)}.",
            "ratings",
        )
    checked = []
    for competency in rubric.competencies:
        level, comment = ratings[competency.key]
        if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
            raise ValidationError(
                f"Ratings: {competency.label}: choose a level from 1 to 4.", "ratings"
            )
        comment = (comment or "").strip()
        if len(comment) > MAX_COMMENT:
            raise ValidationError(
                f"Ratings: keep the comment on {competency.label} under {MAX_COMMENT} characters.",
                "ratings",
            )
        checked.append((competency.key, level, comment))
    return checked


def record_observation(
    session: Session,
    actor: Person,
    *,
    person_id: int,
    rubric_key: str,
    setting: str,
    observed_on: date,
    ratings: Mapping[str, tuple[int, str]],
    notes: str = "",
    now: datetime,
) -> Observation:
    """Record one observation of someone else's practice; every rule is checked before anything
    is written. `ratings`: competency key -> (level 1-4, comment)."""
    observer = require(session, actor, "observe_practice")
    person = _observed_person(session, observer, person_id)
    document_id, version_id, number, rubric = _live_rubric(
        session, observer.organization_id, rubric_key
    )
    if setting not in rubric.settings:
        raise ValidationError(
            f"Setting: “{rubric.title}” is used for {' and '.join(rubric.setting_labels).lower()}"
            f", not {setting_label(setting).lower()}.",
            "setting",
        )
    today = now.date()
    if observed_on > today:
        raise ValidationError(
            f"Date: {short_date(observed_on)} is in the future; record an observation after it "
            "happened.",
            "observed_on",
        )
    if observed_on < _one_year_before(today):
        raise ValidationError(
            "Date: observations more than a year old cannot be recorded here (the earliest is "
            f"{short_date(_one_year_before(today))}).",
            "observed_on",
        )
    checked = _check_ratings(rubric, ratings)
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise ValidationError(f"Notes: keep them under {MAX_NOTES} characters.", "notes")
    observation = Observation(
        organization_id=observer.organization_id,
        person_id=person.id,
        observer_id=observer.id,
        observer_name=observer.full_name,
        rubric_document_id=document_id,
        rubric_version_id=version_id,
        rubric_key=rubric.id,
        setting=setting,
        observed_on=observed_on,
        notes=notes,
        recorded_at=now,
    )
    session.add(observation)
    session.flush()
    session.add_all(
        ObservationRating(observation_id=observation.id, competency=key, level=level, comment=text)
        for key, level, text in checked
    )
    session.flush()
    audit.record(
        session,
        observer,
        "observation.recorded",
        f"observation {observation.id} of {person.username}",
        at=now,
        rubric=rubric.id,
        version=number,
        setting=setting,
        observed_on=observed_on.isoformat(),
        levels={key: level for key, level, _ in checked},
    )
    return observation


def withdraw_observation(
    session: Session, actor: Person, observation_id: int, reason: str, *, now: datetime
) -> Observation:
    """Withdraw a recorded observation (the observer or any other trainer, never the person
    observed), saying why. It stays on record, marked withdrawn, and no longer counts."""
    trainer = require(session, actor, "observe_practice")
    observation = session.get(Observation, observation_id)
    if observation is None or observation.organization_id != trainer.organization_id:
        raise NotFoundError("That observation does not exist.")
    if observation.person_id == trainer.id:
        raise PermissionDeniedError(
            "You cannot withdraw an observation of your own practice; another trainer must."
        )
    if observation.withdrawn_at is not None:
        raise ValidationError(
            f"This observation was already withdrawn on "
            f"{short_date(observation.withdrawn_at.date())}."
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            "Reason: say why the observation is withdrawn; the trainee will see it.", "reason"
        )
    if len(reason) > MAX_COMMENT:
        raise ValidationError(f"Reason: keep it under {MAX_COMMENT} characters.", "reason")
    observation.withdrawn_at, observation.withdrawn_reason = now, reason
    session.flush()
    person = session.get(Person, observation.person_id)
    audit.record(
        session,
        trainer,
        "observation.withdrawn",
        f"observation {observation.id} of {person.username if person else observation.person_id}",
        at=now,
        reason=reason,
    )
    return observation


# --- reading -----------------------------------------------------------------------------------


def _rows(session: Session, where: list[object]) -> list[ObservationRow]:
    query = (
        select(Observation, Person.full_name, ContentVersion.body, ContentVersion.number)
        .join(Person, Person.id == Observation.person_id)
        .join(ContentVersion, ContentVersion.id == Observation.rubric_version_id)
        .where(*where)  # type: ignore[arg-type]
        .order_by(Observation.observed_on.desc(), Observation.id.desc())
    )
    found = session.execute(query).all()
    ratings: dict[int, list[ObservationRating]] = {}
    if found:
        for rating in session.scalars(
            select(ObservationRating).where(
                ObservationRating.observation_id.in_([o.id for o, *_ in found])
            )
        ):
            ratings.setdefault(rating.observation_id, []).append(rating)
    rubrics: dict[str, Rubric | None] = {}
    result = []
    for observation, name, body, number in found:
        if body not in rubrics:
            rubrics[body] = parse_rubric(body)[0]
        rubric = rubrics[body]
        order = [c.key for c in rubric.competencies] if rubric else []
        rows = []
        for rating in sorted(
            ratings.get(observation.id, []),
            key=lambda r: order.index(r.competency) if r.competency in order else len(order),
        ):
            competency = rubric.competency(rating.competency) if rubric else None
            rows.append(
                RatingRow(
                    rating.competency,
                    competency.label if competency else rating.competency,
                    rating.level,
                    competency.describe(rating.level) if competency else "",
                    rating.comment,
                )
            )
        result.append(
            ObservationRow(
                id=observation.id,
                person_id=observation.person_id,
                person_name=name,
                observer_id=observation.observer_id,
                observer_name=observation.observer_name,
                rubric_key=observation.rubric_key,
                rubric_title=rubric.title if rubric else observation.rubric_key,
                rubric_version=number or 0,
                setting=observation.setting,
                observed_on=observation.observed_on,
                notes=observation.notes,
                recorded_at=observation.recorded_at,
                withdrawn_at=observation.withdrawn_at,
                withdrawn_reason=observation.withdrawn_reason,
                ratings=tuple(rows),
            )
        )
    return result


def observations_for(session: Session, actor: Person, person_id: int) -> list[ObservationRow]:
    """One person's observations, withdrawn ones included: their own, or anyone's for staff."""
    fresh = require_self_or(session, actor, person_id, "view_team")
    person = session.get(Person, person_id)
    if person is None or person.organization_id != fresh.organization_id:
        raise NotFoundError("No such person.")
    return _rows(session, [Observation.person_id == person_id])


def all_observations(session: Session, actor: Person) -> list[ObservationRow]:
    """Every observation recorded in the organization, newest first (trainers)."""
    trainer = require(session, actor, "observe_practice")
    return _rows(session, [Observation.organization_id == trainer.organization_id])
