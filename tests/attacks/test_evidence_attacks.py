"""Attacks on the evidence behind credentials: assessment attempts, knowledge-check papers,
observations, training sessions, policy acknowledgments, eligibility and publishing.

Each test is what a hostile trainee, a sloppy trainer or a manager cutting corners would try,
done through the services as the GUI and CLI call them."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FakeClock, Team, make_person
from tests.core.credential_fixtures import Org
from tests.core.curriculum_fixtures import module_text
from tests.core.evidence_fixtures import FIELD, RUBRICS, Evidence, ratings
from tests.core.scenario_fixtures import SCENARIO, write_scenarios
from trainer.core import eligibility as rules
from trainer.core.db import Database
from trainer.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from trainer.core.models import (
    ContentKind,
    ImmutableRecordError,
    Observation,
    Organization,
    Role,
    TrainingSession,
)
from trainer.core.paths import bundled_content_root
from trainer.core.program import parse_program
from trainer.core.services import (
    accounts,
    eligibility,
    field_hours,
    library,
    observations,
    policies,
    practice,
    training,
)

# --- helpers -------------------------------------------------------------------------------------


class Players:
    """A team whose library holds only the small test scenario t-corner (first choice 0 at
    'arrive' then 0 at 'talk' passes; 1 at 'arrive' is critical)."""

    def __init__(self, db: Database, clock: FakeClock, team: Team, root: Path) -> None:
        self.db, self.clock, self.team = db, clock, team
        with db.begin() as session:
            library.import_bundled(session, write_scenarios(root), now=clock.now())

    def limits(self, attempts: int = 3, days: int = 30, wait: int = 24) -> None:
        with self.db.begin() as session:
            org = session.get(Organization, self.team.admin.organization_id)
            assert org is not None
            org.assessment_attempts, org.assessment_window_days = attempts, days
            org.assessment_wait_hours = wait

    def start(self, person: Any, mode: str = practice.ASSESSMENT) -> practice.Play:
        with self.db.begin() as session:
            return practice.start(session, person, "t-corner", mode, now=self.clock.now())

    def choose(self, person: Any, attempt_id: int, index: int) -> practice.Play:
        with self.db.begin() as session:
            return practice.choose(
                session, person, attempt_id, index, now=self.clock.advance(seconds=20)
            )

    def allowance(self, person: Any) -> practice.Allowance:
        with self.db.begin() as session:
            return practice.assessment_allowance(session, person, "t-corner", now=self.clock.now())


@pytest.fixture
def players(sqlite_db: Database, clock: FakeClock, sqlite_team: Team, tmp_path: Path) -> Players:
    return Players(sqlite_db, clock, sqlite_team, tmp_path / "bundle")


@pytest.fixture
def ev(sqlite_db: Database, clock: FakeClock, sqlite_team: Team, tmp_path: Path) -> Evidence:
    return Evidence(sqlite_db, clock, sqlite_team, tmp_path / "content")


def _publish_program(org: Org, key: str, requirements: str, extra: str = "") -> None:
    body = (
        f"id: {key}\ntitle: Test program {key}\ntier: endorsement\ndescription: For tests.\n"
        f"requirements:\n{requirements}\n{extra}disclaimer: Issued by the program; not a state "
        "certification.\n"
    )
    with org.db.begin() as session:
        doc = library.create_document(
            session, org.team.trainer, "program", key, body, now=org.clock.now()
        )
        library.publish(session, org.team.trainer, doc.id, now=org.clock.now())


def _checklist(org: Org, person: Any, program: str) -> rules.Checklist:
    with org.db.begin() as session:
        return eligibility.eligibility(
            session, org.team.manager, person.id, program, now=org.clock.now()
        )


def _new_version(org: Org, kind: str, key: str, body: str) -> None:
    """A trainer saves `body` as the draft of an existing document and publishes it."""
    with org.db.begin() as session:
        doc = library.find_document(session, org.team.trainer, kind, key)
        library.save_draft(session, org.team.trainer, doc.id, body, now=org.clock.now())
        library.publish(session, org.team.trainer, doc.id, now=org.clock.now())


# A scenario that "always the first listed" passes (the best choice comes first everywhere).
WEAK_PROGRAM = """id: weak
title: Weak program
tier: endorsement
description: For tests.
requirements:
  scenarios:
    - {id: t-corner, min_score: 80}
disclaimer: Issued by the program; not a state certification.
"""


# === assessment attempts =========================================================================


def test_an_abandoned_assessment_outside_the_window_still_blocks_a_second_open_one(
    players: Players,
) -> None:
    """Open attempts from an earlier window let a trainee hold several assessments open at
    once and finish them back to back, past the wait after a failed one."""
    players.limits(attempts=3, days=30, wait=24)
    tom = players.team.trainee
    first = players.start(tom)
    players.choose(tom, first.attempt_id, 0)  # one step in, then abandoned
    players.clock.advance(days=31)
    with pytest.raises(ValidationError, match="in progress: resume it"):
        players.start(tom)


def test_an_old_attempt_finished_in_the_window_counts_toward_the_limit(players: Players) -> None:
    players.limits(attempts=1, days=30, wait=0)
    tom = players.team.trainee
    old = players.start(tom)
    players.clock.advance(days=31)
    with players.db.begin() as session:
        play = practice.resume(session, tom, old.attempt_id)
    play = players.choose(tom, play.attempt_id, 0)
    assert players.choose(tom, play.attempt_id, 0).finished  # 1 of 1 used, in this window
    assert not players.allowance(tom).allowed
    with pytest.raises(ValidationError, match="used all 1 assessment attempts"):
        players.start(tom)


def test_abandoned_attempts_in_the_window_use_up_the_limit(players: Players) -> None:
    players.limits(attempts=2, days=30, wait=0)
    tom = players.team.trainee
    for _ in range(2):
        play = players.start(tom)
        play = players.choose(tom, play.attempt_id, 0)
        players.choose(tom, play.attempt_id, 0)
    with pytest.raises(ValidationError, match="used all 2"):
        players.start(tom)
    players.start(tom, practice.PRACTICE)  # practice stays open


def test_someone_elses_attempt_cannot_be_resumed_played_or_undone(players: Players) -> None:
    play = players.start(players.team.trainee, practice.PRACTICE)
    tess = players.team.other_trainee
    with pytest.raises(NotFoundError):
        with players.db.begin() as session:
            practice.resume(session, tess, play.attempt_id)
    with pytest.raises(NotFoundError):
        players.choose(tess, play.attempt_id, 0)
    with pytest.raises(NotFoundError):
        with players.db.begin() as session:
            practice.undo(session, tess, play.attempt_id, now=players.clock.now())


@pytest.mark.parametrize("index", [99, -1, 1])  # 1 at 'talk' needs a policy that is off
def test_a_crafted_choice_index_is_refused(players: Players, index: int) -> None:
    tom = players.team.trainee
    play = players.choose(tom, players.start(tom).attempt_id, 0)
    assert play.state.node == "talk"
    with pytest.raises(ValidationError, match="not open here"):
        players.choose(tom, play.attempt_id, index)


def test_a_finished_assessment_cannot_be_played_on_or_undone(players: Players) -> None:
    tom = players.team.trainee
    play = players.choose(tom, players.start(tom).attempt_id, 0)
    play = players.choose(tom, play.attempt_id, 0)
    assert play.finished
    with pytest.raises(ValidationError, match="has ended"):
        players.choose(tom, play.attempt_id, 0)
    with pytest.raises(ValidationError, match="cannot be undone"):
        with players.db.begin() as session:
            practice.undo(session, tom, play.attempt_id, now=players.clock.now())


def test_a_passed_practice_attempt_is_not_a_passed_assessment(players: Players) -> None:
    tom = players.team.trainee
    play = players.choose(tom, players.start(tom, practice.PRACTICE).attempt_id, 0)
    assert players.choose(tom, play.attempt_id, 0).passed
    with players.db.begin() as session:
        [summary] = practice.list_scenarios(session, tom)
        record = eligibility.records(session, tom.organization_id, [tom.id])[tom.id]
    assert not summary.passed_assessment and not record.scenarios


@pytest.mark.xfail(
    strict=True,
    reason="Known hole (issue 9 note): Play carries the running score mid-assessment; the GUI hides it, the service does not yet.",
)
def test_a_mid_assessment_play_tells_nothing_about_the_choice_just_made(players: Players) -> None:
    """Two trainees one step into the same assessment, one after the best choice and one after
    a critical mistake: what the service returns must not tell them apart (meters aside, which
    the player shows by design)."""
    good = players.choose(players.team.trainee, players.start(players.team.trainee).attempt_id, 0)
    bad = players.choose(
        players.team.other_trainee, players.start(players.team.other_trainee).attempt_id, 1
    )
    assert good.feedback_hidden and bad.feedback_hidden
    assert good.last_choice is None and bad.last_choice is None and good.best_path is None
    assert good.review == () and bad.review == ()
    # The running score gives the verdict away: 3 of 3 against 0 of 3 and a critical error.
    assert (good.score.earned, good.score.critical) == (bad.score.earned, bad.score.critical)


@pytest.mark.xfail(
    strict=True,
    reason="Known hole (issue 9 note): Play.offered and Play.scenario carry points, feedback and the expert path; a player-only view is still to be built.",
)
def test_a_mid_assessment_play_does_not_hand_out_the_answer_key(players: Players) -> None:
    """The choices offered carry their points, critical flag and feedback, and the scenario
    its expert path: a script (like demo._play_best) passes any assessment from them."""
    play = players.start(players.team.trainee)
    assert play.feedback_hidden
    assert all(
        not c.points and c.critical is None and not c.feedback and not c.effects
        for _, c in play.offered
    )
    assert not play.scenario.expert_path
    assert all(
        not c.points and not c.feedback for n in play.scenario.nodes.values() for c in n.choices
    )


@pytest.mark.xfail(
    strict=True,
    reason="Known hole (issue 9 note): trainees can read published scenario bodies through library.get_version.",
)
def test_a_trainee_cannot_read_an_assessments_scoring_from_the_library(players: Players) -> None:
    """The published scenario text (points, critical flags, feedback) through the library
    service, which hides it from trainees only by not showing them the screen."""
    tom = players.team.trainee
    with players.db.begin() as session:
        doc = library.find_document(session, tom, ContentKind.SCENARIO, "t-corner")
        with pytest.raises((NotFoundError, PermissionDeniedError)):
            library.live_version(session, tom, doc.id)


# === knowledge-check papers ======================================================================

POOL_MODULE = """---
id: pool-1
title: A pooled check
track: pool
version: 1
estimated_minutes: 20
objectives: [Explain the basics]
prerequisites: []
sources:
  - key: F3
    citation: "Center for American Progress, Community-Based Violence Interruption Programs."
knowledge_check:
  pass_mark: 0.5
  draw: 2
  questions:
{questions}---
Opening paragraph[^F3].

## Listening first

Listen before you speak.

[^F3]: Center for American Progress.
"""
POOL = [f"p{i}" for i in range(1, 7)]


def _question(qid: str, n: int) -> str:
    return (
        f"    - id: {qid}\n      type: single\n      prompt: Question {n} about the block?\n"
        f"      options:\n        - {{text: Answer one for {n}, correct: true}}\n"
        f"        - {{text: Answer two for {n}}}\n        - {{text: Answer three {n}}}\n"
    )


class Checks:
    def __init__(self, db: Database, clock: FakeClock, team: Team, root: Path) -> None:
        self.db, self.clock, self.team = db, clock, team
        folder = root / "curricula" / "pool"
        folder.mkdir(parents=True)
        (folder / "track.yaml").write_text(
            "id: pool\ntitle: Pool\ndescription: A track for tests.\nmodules: [pool-1]\n"
        )
        questions = "".join(_question(q, n) for n, q in enumerate(POOL, 1))
        (folder / "pool-1.md").write_text(POOL_MODULE.format(questions=questions))
        with db.begin() as session:
            report = library.import_bundled(session, root, now=clock.now())
        assert report.errors == [], report.errors
        with db.begin() as session:
            self.doc_id = training.open_module(
                session, team.trainee, "pool-1", now=clock.now()
            ).document_id

    def start(self, person: Any = None) -> training.Paper:
        with self.db.begin() as session:
            return training.start_check(session, person or self.team.trainee, self.doc_id)[1]

    def submit(self, seed: int, answers: dict[str, Any], person: Any = None) -> Any:
        with self.db.begin() as session:
            return training.submit_check(
                session,
                person or self.team.trainee,
                self.doc_id,
                seed,
                answers,
                now=self.clock.advance(minutes=5),
            )


def _ids(paper: training.Paper) -> tuple[str, ...]:
    return tuple(pq.question.id for pq in paper.questions)


RIGHT_ALL = dict.fromkeys(POOL, 0)


@pytest.fixture
def checks(sqlite_db: Database, clock: FakeClock, sqlite_team: Team, tmp_path: Path) -> Checks:
    return Checks(sqlite_db, clock, sqlite_team, tmp_path / "bundle")


def test_the_same_paper_cannot_be_submitted_twice(checks: Checks) -> None:
    paper = checks.start()
    assert not checks.submit(paper.seed, {}).grade.passed
    with pytest.raises(ValidationError, match="already submitted"):
        checks.submit(paper.seed, RIGHT_ALL)


def test_a_crafted_or_old_seed_is_refused(checks: Checks) -> None:
    old = checks.start()
    checks.submit(old.seed, {})
    current = checks.start()
    for seed in {old.seed, current.seed + 1, 0}:
        if seed != current.seed:
            with pytest.raises(ValidationError, match="not the one handed out"):
                checks.submit(seed, RIGHT_ALL)
    assert checks.submit(current.seed, RIGHT_ALL).grade.passed


def test_a_check_is_never_submitted_without_a_paper(checks: Checks) -> None:
    with pytest.raises(ValidationError, match="not the one handed out"):
        checks.submit(12345, RIGHT_ALL)
    # Someone who never opened the module has no paper either.
    with pytest.raises(NotFoundError):
        checks.submit(12345, RIGHT_ALL, person=checks.team.other_trainee)


def test_answers_to_questions_not_on_the_paper_earn_nothing(checks: Checks) -> None:
    paper = checks.start()
    others = {q: 0 for q in POOL if q not in _ids(paper)}
    outcome = checks.submit(paper.seed, others)
    assert (outcome.grade.correct, outcome.grade.total, outcome.grade.passed) == (0, 2, False)


def test_another_persons_paper_cannot_be_submitted(checks: Checks) -> None:
    paper = checks.start()
    with checks.db.begin() as session:
        training.open_module(session, checks.team.other_trainee, "pool-1", now=checks.clock.now())
    with pytest.raises(ValidationError, match="not the one handed out"):
        checks.submit(paper.seed, RIGHT_ALL, person=checks.team.other_trainee)


def test_starting_the_check_again_hands_out_the_same_paper(checks: Checks) -> None:
    """Without this, a trainee re-deals papers for free (nothing is recorded) until one holds
    only the questions they know: the pool and `draw` stop meaning anything."""
    dealt = {_ids(checks.start()) for _ in range(12)}
    assert len(dealt) == 1, dealt


def test_answers_to_other_questions_do_not_steer_the_next_paper(checks: Checks) -> None:
    """The next paper avoids the last one's questions. Answering (with nothing) every question
    *not* on the paper, and leaving the paper blank, must not bring the same paper back."""
    for _ in range(5):
        paper = checks.start()
        decoys: dict[str, Any] = {q: None for q in POOL if q not in _ids(paper)}
        checks.submit(paper.seed, decoys)
        following = checks.start()
        assert not set(_ids(following)) & set(_ids(paper)), (_ids(paper), _ids(following))
        checks.submit(following.seed, {})


# === observations ================================================================================


def _dual(ev: Evidence, *roles: Role, username: str = "dana") -> Any:
    return make_person(ev.db, ev.clock, ev.team.admin, username, *roles)


def test_a_person_who_is_trainer_and_trainee_cannot_observe_themself(ev: Evidence) -> None:
    dana = _dual(ev, Role.TRAINER, Role.TRAINEE)
    with pytest.raises(ValidationError, match="your own practice"):
        ev.observe(dana, who=dana)
    ev.observe(dana)  # another trainer observes her


def test_the_observed_person_cannot_withdraw_their_own_observation(ev: Evidence) -> None:
    """A trainee who also holds the trainer role would otherwise withdraw a poor rating of
    their own practice."""
    dana = _dual(ev, Role.TRAINER, Role.TRAINEE)
    observation_id = ev.observe(dana, ratings=ratings(level=1))
    with pytest.raises((PermissionDeniedError, ValidationError)):
        with ev.db.begin() as session:
            observations.withdraw_observation(
                session, dana, observation_id, "Not a fair picture", now=ev.clock.now()
            )
    with ev.db.begin() as session:
        assert session.get(Observation, observation_id).withdrawn_at is None  # type: ignore[union-attr]


@pytest.mark.parametrize("level", [0, 5, -1, True, 3.0, "3", None, math.nan])
def test_a_level_outside_1_to_4_is_refused(ev: Evidence, level: Any) -> None:
    levels: dict[str, tuple[Any, str]] = dict(ratings())
    levels["mediation"] = (level, "")
    with pytest.raises(ValidationError, match="choose a level from 1 to 4"):
        ev.observe(ev.team.trainee, ratings=levels)
    assert ev.count(Observation) == 0


@pytest.mark.parametrize(
    "change",
    [
        {"juggling": (4, "")},  # not a competency of the rubric
        {"Mediation": (4, "")},  # a competency key in the wrong case
    ],
)
def test_an_unknown_competency_is_refused(ev: Evidence, change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="not a competency"):
        ev.observe(ev.team.trainee, ratings=ratings() | change)


def test_every_competency_must_be_rated(ev: Evidence) -> None:
    only_one = {"mediation": (4, "")}
    with pytest.raises(ValidationError, match="rate every competency"):
        ev.observe(ev.team.trainee, ratings=only_one)


@pytest.mark.parametrize("who", ["manager", "admin", "trainer-only", "deactivated", "other-org"])
def test_only_active_trainees_of_the_organization_are_observed(ev: Evidence, who: str) -> None:
    if who == "manager":
        person = ev.team.manager
    elif who == "admin":
        person = ev.team.admin
    elif who == "trainer-only":
        person = ev.other_trainer
    elif who == "deactivated":
        person = ev.team.other_trainee
        with ev.db.begin() as session:
            accounts.set_active(session, ev.team.admin, person.id, False, now=ev.clock.now())
    else:
        person = type("Stranger", (), {"id": 10_000})()
    with pytest.raises(ValidationError):
        ev.observe(person)
    assert ev.count(Observation) == 0


def test_a_trainee_cannot_observe_even_someone_else(ev: Evidence) -> None:
    with pytest.raises(PermissionDeniedError):
        ev.observe(ev.team.other_trainee, who=ev.team.trainee)


def test_a_withdrawal_cannot_be_undone_or_reworded(ev: Evidence) -> None:
    observation_id = ev.observe(ev.team.trainee)
    with ev.db.begin() as session:
        observations.withdraw_observation(
            session, ev.other_trainer, observation_id, "Wrong person", now=ev.clock.now()
        )
    with pytest.raises(ValidationError, match="already withdrawn"):
        with ev.db.begin() as session:
            observations.withdraw_observation(
                session, ev.team.trainer, observation_id, "Again", now=ev.clock.now()
            )
    with pytest.raises(ImmutableRecordError):
        with ev.db.begin() as session:
            row = session.get(Observation, observation_id)
            assert row is not None
            row.withdrawn_at, row.withdrawn_reason = None, None
    with pytest.raises(ImmutableRecordError):
        with ev.db.begin() as session:
            row = session.get(Observation, observation_id)
            assert row is not None
            row.withdrawn_reason = "A gentler reason written later"


# === training sessions ===========================================================================


@pytest.mark.parametrize("hours", [math.nan, math.inf, -math.inf, -0.25, 1e-9, 16.0000001])
def test_impossible_hours_are_refused(ev: Evidence, hours: float) -> None:
    with pytest.raises(ValidationError, match=r"between 0\.25 and 16 hours"):
        ev.record_session(hours=hours)
    assert ev.count(TrainingSession) == 0


@pytest.mark.parametrize("who", ["manager", "admin", "trainer-only", "deactivated", "recorder"])
def test_attendance_is_recorded_for_active_trainees_only(ev: Evidence, who: str) -> None:
    person = {
        "manager": ev.team.manager,
        "admin": ev.team.admin,
        "trainer-only": ev.other_trainer,
        "deactivated": ev.team.other_trainee,
        "recorder": ev.team.trainer,
    }[who]
    if who == "deactivated":
        with ev.db.begin() as session:
            accounts.set_active(session, ev.team.admin, person.id, False, now=ev.clock.now())
    with pytest.raises(ValidationError, match="only active trainees"):
        ev.record_session(attendee_ids=[ev.team.trainee.id, person.id])
    assert ev.count(TrainingSession) == 0


def test_a_trainer_who_is_also_a_trainee_cannot_record_their_own_attendance(ev: Evidence) -> None:
    dana = _dual(ev, Role.TRAINER, Role.TRAINEE)
    with pytest.raises(ValidationError, match="another trainer records your attendance"):
        ev.record_session(who=dana, attendee_ids=[dana.id])
    ev.record_session(who=ev.team.trainer, attendee_ids=[dana.id])


def test_a_session_tomorrow_is_refused_even_late_in_the_day(ev: Evidence) -> None:
    ev.clock.current = ev.clock.current.replace(hour=23, minute=59)
    with pytest.raises(ValidationError, match="in the future"):
        ev.record_session(held_on=ev.today + timedelta(days=1))


def test_a_trainee_cannot_record_a_session(ev: Evidence) -> None:
    with pytest.raises(PermissionDeniedError):
        ev.record_session(who=ev.team.trainee, attendee_ids=[ev.team.other_trainee.id])


def test_the_same_session_recorded_twice_is_not_counted_twice(ev: Evidence) -> None:
    """A sloppy trainer saves the same workshop twice (same topic, day, length, facilitator,
    delivery and attendees); the trainee's training hours double."""
    ev.record_session(hours=8, attendee_ids=[ev.team.trainee.id])
    with pytest.raises(ValidationError, match="already recorded"):
        ev.record_session(hours=8, attendee_ids=[ev.team.trainee.id])


# === policies ====================================================================================


def test_nobody_acknowledges_the_policies_for_someone_else(org: Org) -> None:
    org.acknowledge(org.team.other_trainee)  # writes every policy; Tess signs for herself
    tom = org.team.trainee
    with pytest.raises(ValidationError, match="Type your full name"):
        with org.db.begin() as session:
            policies.acknowledge(session, org.team.trainer, tom.full_name, now=org.clock.now())
    with org.db.begin() as session:
        assert not policies.acknowledgment(session, tom).current


@pytest.mark.parametrize("who", ["trainee", "trainer"])
def test_only_managers_and_admins_write_policies(org: Org, who: str) -> None:
    person = org.team.trainee if who == "trainee" else org.team.trainer
    with org.db.begin() as session:
        title = policies.policy_boxes(session, org.team.manager)[0].title
    with pytest.raises(PermissionDeniedError):
        with org.db.begin() as session:
            policies.set_text(session, person, title, "Anything goes.", now=org.clock.now())


def test_an_old_acknowledgment_does_not_count_after_a_policy_is_cleared(org: Org) -> None:
    tom = org.team.trainee
    org.ready(tom)
    with org.db.begin() as session:
        title = policies.policy_boxes(session, org.team.manager)[0].title
        policies.set_text(session, org.team.manager, title, "", now=org.clock.now())
    assert [i.kind for i in _checklist(org, tom, "orientation").left] == ["policies"]


def test_a_new_unwritten_policy_makes_the_acknowledgment_stale_for_credentials(org: Org) -> None:
    """A module published with a new policy box: nobody has read that policy (it is not even
    written yet), yet the old acknowledgment still met a program's requirement."""
    tom = org.team.trainee
    org.ready(tom)
    assert _checklist(org, tom, "orientation").eligible
    box = '\n\n!!! policy "Using personal phones"\n    Say whether workers use their own phones.\n'
    with org.db.begin() as session:
        doc = library.create_document(
            session,
            org.team.trainer,
            ContentKind.MODULE,
            "phones-1",
            module_text("phones-1", "Phones", extra=box),
            now=org.clock.now(),
        )
        library.publish(session, org.team.trainer, doc.id, now=org.clock.now())
    with org.db.begin() as session:
        state = policies.acknowledgment(session, tom)
    assert not state.current and state.missing == ("Using personal phones",)
    assert [i.kind for i in _checklist(org, tom, "orientation").left] == ["policies"]


# === eligibility =================================================================================


def _log(org: Org, person: Any, worked_on: date, hours: float, activity: str) -> None:
    with org.db.begin() as session:
        entry = field_hours.log_hours(
            session,
            person,
            field_hours.NewHours(worked_on, hours, activity, "test"),
            now=org.clock.now(),
        )
        field_hours.review(
            session, org.team.trainer, entry.id, approve=True, comment="", now=org.clock.now()
        )


def test_a_span_of_months_is_not_met_by_one_backdated_quarter_hour(org: Org) -> None:
    """120 hours worked in one week, plus 15 minutes backdated three months: the program asks
    for field work 'over at least three months'."""
    _publish_program(
        org,
        "span",
        "  field_hours:\n    - {activity: any, hours: 120}\n  field_hours_span_months: 3",
    )
    tom = org.team.trainee
    _log(org, tom, org.clock.now().date() - timedelta(days=95), 0.25, "outreach")
    for day in range(5):
        _log(org, tom, org.clock.now().date() - timedelta(days=day), 24, "outreach")
    hours, span = _checklist(org, tom, "span").items
    assert hours.met
    assert not span.met, span.evidence


def test_hours_of_one_live_session_are_not_counted_twice_as_continuing_education(
    org: Org,
) -> None:
    """Renewal counts live sessions and signed-off continuing-education hours. The trainee
    logs the workshop they attended as continuing education too, and a trainer signs it."""
    _publish_program(
        org,
        "ce",
        "  modules:\n    - core-01-cvi-field",
        "validity_months: 12\nrenewal:\n  continuing_education_hours: 12\n",
    )
    tom = org.team.trainee
    org.study(tom, "core-01-cvi-field")
    org.issue(tom, "ce")
    org.later(320)  # in the renewal window
    org.train(tom, 6)  # a 6-hour workshop, recorded by a trainer
    org.hours(tom, 6, "continuing-education")  # the same workshop, logged and signed off
    check = _checklist(org, tom, "ce")
    [ce] = [i for i in check.items if i.kind == "hours"]
    assert ce.hours == pytest.approx(6), ce.evidence


def test_a_scenario_score_just_under_the_mark_does_not_meet_it() -> None:
    """79.5% is not "80% or more" (round() made it 80)."""
    program, problems = parse_program(
        "id: p\ntitle: P\ntier: endorsement\ndescription: d\nrequirements:\n  scenarios:\n"
        "    - {id: s, min_score: 80}\ndisclaimer: Issued by the program.\n"
    )
    assert program is not None, problems
    now = FakeClock().now()
    record = rules.Record()
    record.scenarios["s"].append(rules.ScenarioPass(1, now, 1, 0.795))
    [item] = rules.requirements_checklist(program, rules.Person(1, "Tom"), record, {}, now).items
    assert not item.met, item.evidence


def test_a_withdrawn_observation_and_a_wrong_setting_do_not_count(org: Org) -> None:
    _publish_program(
        org,
        "seen",
        "  observed:\n    - {rubric: field-competencies, competency: safety, level: 3, "
        "setting: field}",
    )
    tom = org.team.trainee
    org.observe(tom, FIELD, level=4, setting="role-play")
    assert not _checklist(org, tom, "seen").eligible
    org.observe(tom, FIELD, level=4, setting="field")
    assert _checklist(org, tom, "seen").eligible
    with org.db.begin() as session:
        field = [
            r
            for r in observations.observations_for(session, org.team.trainer, tom.id)
            if r.setting == "field"
        ]
        observations.withdraw_observation(
            session, org.team.trainer, field[0].id, "Rated from hearsay", now=org.clock.now()
        )
    assert not _checklist(org, tom, "seen").eligible


# === publishing what a program requires ==========================================================


def test_publishing_a_program_requiring_a_scenario_a_strategy_passes_is_refused(
    players: Players,
) -> None:
    with pytest.raises(ValidationError, match="always the first listed"):
        with players.db.begin() as session:
            doc = library.create_document(
                session,
                players.team.trainer,
                "program",
                "weak",
                WEAK_PROGRAM,
                now=players.clock.now(),
            )
            library.publish(session, players.team.trainer, doc.id, now=players.clock.now())


@pytest.mark.xfail(
    strict=True,
    reason="Known gap (issue 9 note): shipped programs are checked in CI (tests/cli/test_check_programs.py), not at first-run import.",
)
def test_a_bundled_program_requiring_a_weak_scenario_is_not_imported(
    sqlite_db: Database, clock: FakeClock, sqlite_team: Team, tmp_path: Path
) -> None:
    root = write_scenarios(tmp_path / "bundle")
    (root / "certificates").mkdir()
    (root / "certificates" / "weak.yaml").write_text(WEAK_PROGRAM)
    with sqlite_db.begin() as session:
        report = library.import_bundled(session, root, now=clock.now())
    assert "program:weak" not in report.added
    assert any("always the first listed" in e for e in report.errors), report.errors


def _bundle_with_program(root: Path, program: str) -> Path:
    (root / "certificates" / "rubrics").mkdir(parents=True, exist_ok=True)
    for rubric in RUBRICS.glob("*.yaml"):
        (root / "certificates" / "rubrics" / rubric.name).write_text(rubric.read_text())
    write_scenarios(root)
    (root / "certificates" / "weak.yaml").write_text(program)
    return root


def test_an_offered_program_update_requiring_a_weak_scenario_cannot_be_accepted(
    sqlite_db: Database, clock: FakeClock, sqlite_team: Team, tmp_path: Path
) -> None:
    first = WEAK_PROGRAM.replace(
        "  scenarios:\n    - {id: t-corner, min_score: 80}\n",
        "  observed:\n    - {rubric: field-competencies, competency: mediation, level: 3}\n",
    )
    root = _bundle_with_program(tmp_path / "bundle", first)
    with sqlite_db.begin() as session:
        assert "program:weak" in library.import_bundled(session, root, now=clock.now()).added
    (root / "certificates" / "weak.yaml").write_text(
        first.replace(
            "requirements:\n",
            "requirements:\n" + WEAK_PROGRAM.split("requirements:\n")[1].split("disclaimer")[0],
        )
    )
    with sqlite_db.begin() as session:
        assert library.import_bundled(session, root, now=clock.now()).offered == ["program:weak"]
        [update] = library.offered_updates(session, sqlite_team.trainer)
        assert "t-corner" in update.body
    with pytest.raises(ValidationError, match="always the first listed"):
        with sqlite_db.begin() as session:
            library.decide_update(session, sqlite_team.trainer, update.id, True, now=clock.now())


def test_a_required_scenario_cannot_be_republished_so_a_strategy_passes_it(org: Org) -> None:
    """Foundations requires s01; a trainer publishes a new s01 whose best choice always comes
    first. The program's check ran when *it* was published, not now."""
    weak = SCENARIO.replace("id: t-corner", "id: s01-ed-waiting-room")
    with pytest.raises(ValidationError, match="always the first listed"):
        _new_version(org, ContentKind.SCENARIO, "s01-ed-waiting-room", weak)


def test_a_required_rubric_competency_cannot_be_dropped(org: Org) -> None:
    """Field-Qualified requires an observed 'mediation' level; a new rubric version without it
    makes the requirement impossible (or, renamed, quietly different)."""
    text = (bundled_content_root() / "certificates" / "rubrics" / f"{FIELD}.yaml").read_text()
    head, rest = text.split("  - key: mediation\n", 1)
    without = (
        head + "  - key: incident-response\n" + rest.split("  - key: incident-response\n", 1)[1]
    )
    with pytest.raises(ValidationError, match="mediation"):
        _new_version(org, ContentKind.RUBRIC, FIELD, without)


def _radio_node(i: int) -> str:
    target = f"n{i + 1}" if i < 4 else "done"
    return (
        f"  - id: n{i}\n    text: Moment {i} on the block.\n    choices:\n"
        f"      - text: Leave.\n        target: {target}\n        effects: {{heat: 1}}\n"
        "        feedback: Leaving does nothing.\n"
        "      - text: Shout across the street at everyone who is standing around the corner "
        f"tonight.\n        target: {target}\n"
        "        condition: {policy: {radio_on: false}}\n        feedback: Shouting draws a crowd.\n"
        f"      - text: Nod to him.\n        target: {target}\n        points: {{judgment: 3}}\n"
        "        effects: {heat: -1}\n        feedback: A small sign of respect.\n"
        "      - text: Ask him quietly what happened earlier today.\n"
        f"        target: {target}\n        points: {{judgment: 3}}\n"
        "        feedback: Asking opens the conversation.\n"
        f"      - text: Wait by the car.\n        target: {target}\n"
        "        feedback: Waiting tells you little.\n"
    )


# Four decision points, two best choices at each (neither the longest, shortest, first or last
# listed). The longest choice, worth nothing, is there only while the policy radio_on is false.
RADIO = (
    "id: t-radio\ntitle: A radio on the block\nversion: 1\nsummary: Four moments on the block.\n"
    "role: street-outreach\nestimated_minutes: 5\nobjectives: [Read the block]\nmeters:\n"
    "  - {key: heat, label: Heat, min: 0, max: 10, initial: 5, higher_is_better: false}\n"
    "competencies:\n  - {key: judgment, label: Judgment}\npolicies:\n"
    '  - {key: radio_on, question: "Do workers carry a radio?", default: false}\n'
    "start: n1\npass: {min_score: 0.8, no_critical: true}\nnodes:\n"
    + "".join(_radio_node(i) for i in range(1, 5))
    + "endings:\n  - id: done\n    outcome: success\n    title: The night ends\n"
    "    debrief: You read the block one moment at a time.\n"
)


@pytest.mark.xfail(
    strict=True,
    reason="Known gap (issue 9 note): quality is measured with the scenario's default policy answers.",
)
def test_a_scenario_is_judged_with_the_organizations_policy_answers(org: Org) -> None:
    """Under the default policy no strategy passes t-radio; with the organization's answer
    (workers carry a radio) one choice disappears and 'always the longest' passes. The
    quality check plays the defaults only."""
    with org.db.begin() as session:
        doc = library.create_document(
            session,
            org.team.trainer,
            ContentKind.SCENARIO,
            "t-radio",
            RADIO,
            now=org.clock.now(),
        )
        library.publish(session, org.team.trainer, doc.id, now=org.clock.now())
        practice.set_policy(session, org.team.admin, "radio_on", True, now=org.clock.now())
    # A trainee who reads nothing and always picks the longest choice passes the assessment.
    tom = org.team.trainee
    with org.db.begin() as session:
        play = practice.start(session, tom, "t-radio", practice.ASSESSMENT, now=org.clock.now())
        while not play.finished:
            longest = max(play.offered, key=lambda ic: len(ic[1].text))[0]
            play = practice.choose(session, tom, play.attempt_id, longest, now=org.clock.now())
    assert play.passed
    with pytest.raises(ValidationError, match="always the longest"):
        _publish_program(org, "radio", "  scenarios:\n    - {id: t-radio, min_score: 80}")


@pytest.mark.parametrize("hours", [math.nan, math.inf, -math.inf, -8, 1e-9])
def test_impossible_field_hours_are_refused_with_a_message(org: Org, hours: float) -> None:
    with pytest.raises(ValidationError, match=r"between 0\.25 and 24 hours"):
        with org.db.begin() as session:
            field_hours.log_hours(
                session,
                org.team.trainee,
                field_hours.NewHours(org.clock.now().date(), hours, "outreach"),
                now=org.clock.now(),
            )


def _easy_credit_module() -> str:
    """A module worth 19 training hours whose right answer is always the longest option."""
    questions = "".join(
        f"    - id: e{n}\n      type: single\n      prompt: Question {n}?\n      options:\n"
        f"        - {{text: The right answer to question {n}, correct: true}}\n"
        f"        - {{text: Wrong {n}}}\n        - {{text: Not it {n}}}\n"
        for n in range(1, 7)
    )
    return (
        POOL_MODULE.replace("id: pool-1", "id: easy-credit")
        .replace("track: pool\n", "track: pool\ncredit_hours: 19\n")
        .replace("  draw: 2\n", "")
        .format(questions=questions)
    )


def test_a_module_whose_check_a_trick_passes_earns_no_training_hours(org: Org) -> None:
    """Foundations counts self-paced study at each module's credit hours once its check is
    passed: 19 of its 35 hours for picking the longest answer."""
    body = _easy_credit_module()
    with pytest.raises(ValidationError, match="always the longest"):
        with org.db.begin() as session:
            doc = library.create_document(
                session,
                org.team.trainer,
                ContentKind.MODULE,
                "easy-credit",
                body,
                now=org.clock.now(),
            )
            library.publish(session, org.team.trainer, doc.id, now=org.clock.now())


def test_a_program_counting_training_hours_is_refused_while_a_trick_earns_credit(
    players: Players,
) -> None:
    with players.db.begin() as session:
        doc = library.create_document(
            session,
            players.team.trainer,
            ContentKind.MODULE,
            "easy-credit",
            _easy_credit_module(),
            now=players.clock.now(),
        )
        library.publish(session, players.team.trainer, doc.id, now=players.clock.now())
    program = WEAK_PROGRAM.replace(
        "  scenarios:\n    - {id: t-corner, min_score: 80}\n", "  training_hours: {total: 20}\n"
    )
    with pytest.raises(ValidationError, match="credit hours of the knowledge check 'easy-credit'"):
        with players.db.begin() as session:
            doc = library.create_document(
                session, players.team.trainer, "program", "weak", program, now=players.clock.now()
            )
            library.publish(session, players.team.trainer, doc.id, now=players.clock.now())
