"""Observed practice: trainers rate trainees against published rubrics; observations never change,
they are withdrawn with a reason."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.conftest import FakeClock, Team, make_person
from tests.core.evidence_fixtures import FIELD, Evidence, ratings, rubric
from trainer.core.db import Database
from trainer.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from trainer.core.models import (
    AuditEntry,
    ContentKind,
    ImmutableRecordError,
    Observation,
    ObservationRating,
    Role,
)
from trainer.core.services import accounts, library, observations


@pytest.fixture
def ev(sqlite_db: Database, clock: FakeClock, sqlite_team: Team, tmp_path: Path) -> Evidence:
    return Evidence(sqlite_db, clock, sqlite_team, tmp_path / "content")


def _refused(ev: Evidence, field: str, match: str, **changes) -> None:
    person = changes.pop("person", ev.team.trainee)
    with pytest.raises(ValidationError, match=match) as caught:
        ev.observe(person, **changes)
    assert caught.value.field == field
    assert ev.count(Observation) == 0 and ev.count(ObservationRating) == 0
    assert "observation.recorded" not in ev.actions()


def test_a_trainer_records_an_observation_against_the_live_rubric_version(ev: Evidence) -> None:
    levels = ratings(level=2) | {"safety": (4, "Checked in twice, left when told to.")}
    observation_id = ev.observe(ev.team.trainee, ratings=levels, setting="role-play")
    with ev.db.begin() as session:
        row = session.get(Observation, observation_id)
        assert row is not None
        live = library.live_version(
            session,
            ev.team.trainer,
            library.find_document(session, ev.team.trainer, ContentKind.RUBRIC, FIELD).id,
        )
        assert live is not None
        assert (row.rubric_key, row.rubric_version_id) == (FIELD, live.id)
        assert row.rubric_document_id == live.document_id
        assert (row.observer_id, row.observer_name) == (ev.team.trainer.id, "Tina Person")
        assert row.setting == "role-play" and row.observed_on == ev.today
        stored = {
            r.competency: (r.level, r.comment)
            for r in session.scalars(
                select(ObservationRating).where(ObservationRating.observation_id == row.id)
            )
        }
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert stored == {k: (v[0], v[1]) for k, v in levels.items()}
    assert entry is not None and entry.action == "observation.recorded"
    assert entry.target == f"observation {observation_id} of tom"
    assert '"safety":4' in entry.details and f'"rubric":"{FIELD}"' in entry.details


def test_a_newer_published_version_is_the_one_observed(ev: Evidence) -> None:
    with ev.db.begin() as session:
        doc = library.find_document(session, ev.team.trainer, ContentKind.RUBRIC, FIELD)
        body = library.live_version(session, ev.team.trainer, doc.id).body  # type: ignore[union-attr]
        library.save_draft(
            session,
            ev.team.trainer,
            doc.id,
            body.replace("label: Documentation", "label: Notes and records"),
            now=ev.clock.now(),
        )
        second = library.publish(session, ev.team.trainer, doc.id, now=ev.clock.now())
    observation_id = ev.observe(ev.team.trainee)
    with ev.db.begin() as session:
        assert session.get(Observation, observation_id).rubric_version_id == second.id  # type: ignore[union-attr]
        rows = observations.observations_for(session, ev.team.trainee, ev.team.trainee.id)
    assert rows[0].rubric_version == 2
    assert "Notes and records 3" in rows[0].levels_text


def test_nobody_observes_themself(ev: Evidence) -> None:
    both = make_person(ev.db, ev.clock, ev.team.admin, "trey", Role.TRAINER, Role.TRAINEE)
    with pytest.raises(ValidationError, match="your own practice") as caught:
        ev.observe(both, who=both)
    assert caught.value.field == "person"
    assert ev.count(Observation) == 0
    ev.observe(both)  # another trainer may
    assert ev.count(Observation) == 1


def test_the_person_must_be_an_active_trainee_of_the_organization(ev: Evidence) -> None:
    _refused(ev, "person", "does not hold the trainee role", person=ev.team.manager)
    _refused(ev, "person", "not in your organization", person_id=99999)
    with ev.db.begin() as session:
        accounts.set_active(session, ev.team.admin, ev.team.trainee.id, False, now=ev.clock.now())
    _refused(ev, "person", "deactivated")


def test_the_rubric_must_be_published(ev: Evidence) -> None:
    _refused(ev, "rubric", "not a published rubric", rubric_key="no-such-rubric")
    text = (
        (Path(__file__).parents[2] / "certificates" / "rubrics" / f"{FIELD}.yaml")
        .read_text(encoding="utf-8")
        .replace(f"id: {FIELD}", "id: draft-only")
    )
    with ev.db.begin() as session:
        library.create_document(
            session, ev.team.trainer, ContentKind.RUBRIC, "draft-only", text, now=ev.clock.now()
        )
    _refused(ev, "rubric", "not a published rubric", rubric_key="draft-only")


def test_the_setting_must_be_one_the_rubric_lists(ev: Evidence) -> None:
    _refused(
        ev,
        "setting",
        "used for field observation and role-play, not training delivery",
        setting="training-delivery",
    )
    _refused(ev, "setting", "not street", setting="street")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda r: {k: v for k, v in r.items() if k != "safety"}, "not yet rated: Safety"),
        (lambda r: {}, "not yet rated: Conflict mediation, Incident response"),
        (lambda r: r | {"charisma": (3, "")}, "'charisma' is not a competency"),
        (lambda r: r | {"mediation": (0, "")}, "Conflict mediation: choose a level from 1 to 4"),
        (lambda r: r | {"mediation": (5, "")}, "choose a level from 1 to 4"),
        (lambda r: r | {"mediation": (True, "")}, "choose a level from 1 to 4"),
        (lambda r: r | {"mediation": ("3", "")}, "choose a level from 1 to 4"),
        (lambda r: r | {"mediation": (3, "x" * 1001)}, "under 1000 characters"),
    ],
)
def test_every_competency_is_rated_once_at_a_level_from_1_to_4(ev: Evidence, change, match) -> None:
    _refused(ev, "ratings", match, ratings=change(ratings()))


def test_the_date_is_not_in_the_future_nor_over_a_year_back(ev: Evidence) -> None:
    today = ev.today
    _refused(ev, "observed_on", "in the future", observed_on=today + timedelta(days=1))
    year_back = date(today.year - 1, today.month, today.day)
    _refused(ev, "observed_on", "more than a year old", observed_on=year_back - timedelta(days=1))
    ev.observe(ev.team.trainee, observed_on=year_back)
    ev.observe(ev.team.trainee, observed_on=today)
    assert ev.count(Observation) == 2


def test_notes_have_a_limit(ev: Evidence) -> None:
    _refused(ev, "notes", "under 4000", notes="n" * 4001)


@pytest.mark.parametrize("role", ["trainee", "manager", "admin"])
def test_only_trainers_record_or_withdraw_observations(ev: Evidence, role: str) -> None:
    who = ev.team.by_role()[role]
    person = ev.team.other_trainee
    with pytest.raises(PermissionDeniedError, match="Only a trainer can record or withdraw"):
        ev.observe(person, who=who)
    observation_id = ev.observe(person)
    with ev.db.begin() as session, pytest.raises(PermissionDeniedError):
        observations.withdraw_observation(
            session, who, observation_id, "mistake", now=ev.clock.now()
        )
    with ev.db.begin() as session, pytest.raises(PermissionDeniedError):
        observations.all_observations(session, who)
    with ev.db.begin() as session, pytest.raises(PermissionDeniedError):
        observations.observable_trainees(session, who)


def test_a_deactivated_trainer_can_no_longer_observe(ev: Evidence) -> None:
    with ev.db.begin() as session:
        accounts.set_active(session, ev.team.admin, ev.team.trainer.id, False, now=ev.clock.now())
    with pytest.raises(PermissionDeniedError, match="no longer active"):
        ev.observe(ev.team.trainee)


def test_any_trainer_withdraws_with_a_reason_and_the_record_stays(ev: Evidence) -> None:
    observation_id = ev.observe(ev.team.trainee)
    with ev.db.begin() as session, pytest.raises(ValidationError, match="say why") as caught:
        observations.withdraw_observation(
            session, ev.other_trainer, observation_id, "  ", now=ev.clock.now()
        )
    assert caught.value.field == "reason"
    with ev.db.begin() as session:
        observations.withdraw_observation(
            session,
            ev.other_trainer,
            observation_id,
            "Wrong trainee.",
            now=ev.clock.advance(hours=1),
        )
    with ev.db.begin() as session, pytest.raises(ValidationError, match="already withdrawn"):
        observations.withdraw_observation(
            session, ev.team.trainer, observation_id, "again", now=ev.clock.now()
        )
    with ev.db.begin() as session:
        rows = observations.observations_for(session, ev.team.trainee, ev.team.trainee.id)
    assert len(rows) == 1 and rows[0].withdrawn
    assert rows[0].status_label == "Withdrawn on 2 Mar 2026: Wrong trainee."
    assert ev.actions()[-2:] == ["observation.recorded", "observation.withdrawn"]


def test_withdrawing_an_unknown_observation_is_not_found(ev: Evidence) -> None:
    with ev.db.begin() as session, pytest.raises(NotFoundError):
        observations.withdraw_observation(
            session, ev.team.trainer, 12345, "mistake", now=ev.clock.now()
        )


def test_observations_and_ratings_never_change(ev: Evidence) -> None:
    observation_id = ev.observe(ev.team.trainee)
    with ev.db.begin() as session, pytest.raises(ImmutableRecordError):
        session.get(Observation, observation_id).notes = "edited"  # type: ignore[union-attr]
        session.flush()
    with ev.db.begin() as session, pytest.raises(ImmutableRecordError):
        rating = session.scalars(select(ObservationRating)).first()
        rating.level = 4  # type: ignore[union-attr]
        session.flush()
    # Deleting is refused too: the ratings' foreign key stops it even where the mapper event
    # does not (before_delete sees `state.deleted` still False).
    with ev.db.begin() as session, pytest.raises((ImmutableRecordError, IntegrityError)):
        session.delete(session.get(Observation, observation_id))
        session.flush()


def test_trainees_read_their_own_observations_in_words_and_staff_read_anyones(
    ev: Evidence,
) -> None:
    ev.observe(ev.team.trainee, ratings=ratings(level=1) | {"safety": (4, "Kept the pair safe.")})
    ev.observe(ev.team.other_trainee)
    with ev.db.begin() as session:
        mine = observations.observations_for(session, ev.team.trainee, ev.team.trainee.id)
        for staff in (ev.team.manager, ev.team.admin, ev.other_trainer):
            theirs = observations.observations_for(session, staff, ev.team.trainee.id)
            assert [r.id for r in theirs] == [r.id for r in mine]
        everything = observations.all_observations(session, ev.other_trainer)
    assert len(mine) == 1 and len(everything) == 2
    row = mine[0]
    assert (row.rubric_title, row.setting_label) == (
        "Supervisor competency checklist",
        "Field observation",
    )
    assert [r.competency for r in row.ratings] == [c.key for c in rubric().competencies]
    safety = row.ratings[-1]
    assert (safety.label, safety.level, safety.comment) == (
        "Safety of self and others",
        4,
        "Kept the pair safe.",
    )
    assert safety.description == rubric().competency("safety").describe(4)  # type: ignore[union-attr]
    assert row.level_of("mediation") == 1 and row.status_label == "Recorded"
    with ev.db.begin() as session, pytest.raises(PermissionDeniedError):
        observations.observations_for(session, ev.team.trainee, ev.team.other_trainee.id)


def test_the_form_offers_active_trainees_but_the_observer_and_published_rubrics(
    ev: Evidence,
) -> None:
    both = make_person(ev.db, ev.clock, ev.team.admin, "trey", Role.TRAINER, Role.TRAINEE)
    with ev.db.begin() as session:
        accounts.set_active(
            session, ev.team.admin, ev.team.other_trainee.id, False, now=ev.clock.now()
        )
    with ev.db.begin() as session:
        offered = observations.observable_trainees(session, both)
        rubrics = observations.published_rubrics(session, both)
    assert [p.name for p in offered] == ["Tom Person"]
    assert {r.key for r in rubrics} >= {FIELD, "training-delivery"}
    assert all(r.version_number == 1 for r in rubrics)
