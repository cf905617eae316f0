"""Practice scenarios: playing (practice or assessment), resuming, undo, attempt records,
organization policy settings, and choice statistics for trainers."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trainer.core import audit
from trainer.core.dates import long_date
from trainer.core.errors import NotFoundError, ValidationError
from trainer.core.models import (
    ContentDocument,
    ContentKind,
    ContentVersion,
    Organization,
    OrganizationPolicy,
    Person,
    ScenarioAttempt,
    ScenarioStep,
)
from trainer.core.scenario import Choice, Engine, Scenario, Score, State, parse_scenario
from trainer.core.services.permissions import current_actor, require, require_self_or
from trainer.core.services.training import live_documents

PRACTICE, ASSESSMENT = "practice", "assessment"


@lru_cache(maxsize=128)
def parsed_scenario(body: str) -> Scenario:
    scenario, problems = parse_scenario(body)
    if scenario is None or problems:
        raise ValidationError(f"A published scenario cannot be played: {problems[0].message}")
    return scenario


# --- organization policy -------------------------------------------------------------------


@dataclass(frozen=True)
class PolicySetting:
    key: str
    question: str
    value: bool
    is_default: bool


def policy_values(session: Session, organization_id: int) -> dict[str, bool]:
    return {
        p.key: p.value
        for p in session.scalars(
            select(OrganizationPolicy).where(OrganizationPolicy.organization_id == organization_id)
        )
    }


def policy_settings(session: Session, actor: Person) -> list[PolicySetting]:
    """Every policy question the organization's scenarios ask, with its current answer."""
    person = current_actor(session, actor)
    values = policy_values(session, person.organization_id)
    questions: dict[str, tuple[str, bool]] = {}
    for live in live_documents(session, person.organization_id, ContentKind.SCENARIO):
        for p in parsed_scenario(live.body).policies:
            questions.setdefault(p.key, (p.question, p.default))
    return [
        PolicySetting(k, q, values.get(k, d), k not in values)
        for k, (q, d) in sorted(questions.items())
    ]


def set_policy(session: Session, actor: Person, key: str, value: bool, *, now: datetime) -> None:
    admin = require(session, actor, "manage_organization")
    row = session.get(OrganizationPolicy, (admin.organization_id, key))
    before = row.value if row else None
    if row is None:
        row = OrganizationPolicy(organization_id=admin.organization_id, key=key)
        session.add(row)
    row.value, row.updated_at, row.updated_by_id = value, now, admin.id
    audit.record(session, admin, "policy.changed", key, at=now, before=before, after=value)


# --- listing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioSummary:
    document_id: int
    key: str
    title: str
    summary: str
    role: str
    estimated_minutes: int
    attempts: int
    best_score: float | None
    passed_assessment: bool
    unfinished_attempt: int | None  # an attempt to resume
    unfinished_mode: str | None


def list_scenarios(session: Session, actor: Person) -> list[ScenarioSummary]:
    person = current_actor(session, actor)
    attempts = list(
        session.scalars(
            select(ScenarioAttempt)
            .where(ScenarioAttempt.person_id == person.id)
            .order_by(ScenarioAttempt.id)
        )
    )
    result = []
    for live in live_documents(session, person.organization_id, ContentKind.SCENARIO):
        s = parsed_scenario(live.body)
        mine = [a for a in attempts if a.document_id == live.document_id]
        finished = [a for a in mine if a.finished_at is not None]
        open_ = [a for a in mine if a.finished_at is None]
        result.append(
            ScenarioSummary(
                live.document_id,
                s.id,
                s.title,
                s.summary,
                s.role,
                s.estimated_minutes,
                len(finished),
                max((a.score or 0.0 for a in finished), default=None),
                any(a.passed and a.mode == ASSESSMENT for a in finished),
                open_[-1].id if open_ else None,
                open_[-1].mode if open_ else None,
            )
        )
    return sorted(result, key=lambda r: (r.role, r.title))


# --- playing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Play:
    """Everything the player shows: the scenario, where the person is, what happened last."""

    attempt_id: int
    mode: str
    scenario: Scenario
    state: State
    offered: tuple[tuple[int, Choice], ...]
    last_choice: Choice | None
    meters_before: dict[str, int] | None
    finished: bool
    score: Score
    passed: bool
    best_path: tuple[str, ...] | None
    # Every choice made with its feedback, for the debrief (empty until an assessment ends).
    review: tuple[tuple[str, Choice], ...] = ()

    @property
    def can_undo(self) -> bool:
        return self.mode == PRACTICE and bool(self.state.path) and not self.finished

    @property
    def feedback_hidden(self) -> bool:
        """In an assessment, feedback, score and the expert path wait for the ending."""
        return self.mode == ASSESSMENT and not self.finished


def _attempt(session: Session, person: Person, attempt_id: int) -> ScenarioAttempt:
    attempt = session.get(ScenarioAttempt, attempt_id)
    if attempt is None or attempt.person_id != person.id:
        raise NotFoundError(f"No attempt {attempt_id} of yours.")
    return attempt


def _engine(session: Session, attempt: ScenarioAttempt) -> Engine:
    version = session.get(ContentVersion, attempt.version_id)
    assert version is not None
    return Engine(parsed_scenario(version.body), json.loads(attempt.policy))


def _steps(session: Session, attempt_id: int) -> list[ScenarioStep]:
    return list(
        session.scalars(
            select(ScenarioStep)
            .where(ScenarioStep.attempt_id == attempt_id, ScenarioStep.undone_at.is_(None))
            .order_by(ScenarioStep.number)
        )
    )


def shown_order(
    attempt_id: int, state: State, offered: list[tuple[int, Choice]]
) -> list[tuple[int, Choice]]:
    """The offered choices in the order this attempt shows them at this step: a new random
    order for every attempt, so where the best choice sits tells nothing."""
    order = list(offered)
    random.Random(f"{attempt_id}:{len(state.path)}:{state.node}").shuffle(order)
    return order


def _play(session: Session, attempt: ScenarioAttempt) -> Play:
    engine = _engine(session, attempt)
    state = engine.replay([step.choice_index for step in _steps(session, attempt.id)])
    last = before = None
    if state.path:
        previous = engine.replay([p.choice for p in state.path[:-1]])
        last = dict(engine.available(previous))[state.path[-1].choice]
        before = previous.meters
    finished = engine.is_ending(state)
    hidden = attempt.mode == ASSESSMENT and not finished
    path = None if hidden else engine.best_path()
    review: list[tuple[str, Choice]] = []
    if finished:
        replay = engine.start()
        for step in state.path:
            review.append((step.node, dict(engine.available(replay))[step.choice]))
            replay = engine.choose(replay, step.choice)
    return Play(
        attempt.id,
        attempt.mode,
        engine.s,
        state,
        tuple(shown_order(attempt.id, state, engine.available(state))),
        None if hidden else last,
        before,
        finished,
        engine.score(state),
        engine.passed(state),
        tuple(path) if path else None,
        tuple(review),
    )


@dataclass(frozen=True)
class Allowance:
    """Whether a person may start an assessment of a scenario now, and the counts behind it."""

    used: int  # assessment attempts started or finished in the window
    limit: int
    window_days: int
    wait_hours: int
    next_at: datetime | None  # when the next attempt opens, if not now
    reason: str | None  # why not now, in words; None when allowed

    @property
    def allowed(self) -> bool:
        return self.reason is None

    @property
    def summary(self) -> str:
        return (
            f"You have used {self.used} of {self.limit} assessment attempts on this scenario in "
            f"the last {self.window_days} days."
        )


def assessment_allowance(session: Session, actor: Person, key: str, *, now: datetime) -> Allowance:
    """The organization's limit on assessment attempts (e.g. 3 in 30 days) and the wait after
    a failed one, applied to this person and scenario."""
    person = current_actor(session, actor)
    org = session.get(Organization, person.organization_id)
    assert org is not None
    doc = _live(session, person, key)
    since = now - timedelta(days=org.assessment_window_days)
    every = list(
        session.scalars(
            select(ScenarioAttempt)
            .where(
                ScenarioAttempt.person_id == person.id,
                ScenarioAttempt.document_id == doc.document_id,
                ScenarioAttempt.mode == ASSESSMENT,
            )
            .order_by(ScenarioAttempt.started_at, ScenarioAttempt.id)
        )
    )

    def last_used(a: ScenarioAttempt) -> datetime:
        return a.finished_at or a.started_at

    # An attempt counts while it was started or finished in the window: one opened long ago and
    # finished now is an attempt now. Any open one, however old, is resumed, never joined by
    # another (open attempts played side by side would skip the wait after a failed one).
    tried = sorted((a for a in every if last_used(a) >= since), key=last_used)
    limit, days, wait = (
        org.assessment_attempts,
        org.assessment_window_days,
        org.assessment_wait_hours,
    )
    unfinished = [a for a in every if a.finished_at is None]
    failed = sorted((a for a in every if a.finished_at is not None and not a.passed), key=last_used)
    reason, next_at = None, None
    if unfinished:
        reason = "You have an assessment of this scenario in progress: resume it instead."
    elif len(tried) >= limit:
        next_at = last_used(tried[len(tried) - limit]) + timedelta(days=days)
        reason = (
            f"You have used all {limit} assessment attempts on this scenario in the last {days} "
            f"days. The next one opens on {long_date(next_at)}. Practice mode is open meanwhile."
        )
    elif failed and failed[-1].finished_at and failed[-1].finished_at + timedelta(hours=wait) > now:
        next_at = failed[-1].finished_at + timedelta(hours=wait)
        local = next_at.astimezone()  # the wall clock of this machine
        reason = (
            f"After an assessment that did not pass, the next one opens {wait} hours later, at "
            f"{local.strftime('%H:%M')} on {long_date(local)}. Review the debrief and practice "
            "meanwhile."
        )
    return Allowance(len(tried), limit, days, wait, next_at, reason)


def _live(session: Session, person: Person, key: str) -> Any:
    live = next(
        (
            d
            for d in live_documents(session, person.organization_id, ContentKind.SCENARIO)
            if d.key == key
        ),
        None,
    )
    if live is None:
        raise NotFoundError(f"No scenario {key!r}.")
    return live


def start(session: Session, actor: Person, key: str, mode: str, *, now: datetime) -> Play:
    """Start a new attempt on the live version, with the organization's policy values."""
    person = current_actor(session, actor)
    if mode not in (PRACTICE, ASSESSMENT):
        raise ValidationError(f"Unknown mode {mode!r}.")
    live = _live(session, person, key)
    if mode == ASSESSMENT:
        allowance = assessment_allowance(session, person, key, now=now)
        if allowance.reason is not None:
            raise ValidationError(allowance.reason)
    scenario = parsed_scenario(live.body)
    values = policy_values(session, person.organization_id)
    policy = {p.key: values.get(p.key, p.default) for p in scenario.policies}
    attempt = ScenarioAttempt(
        person_id=person.id,
        document_id=live.document_id,
        version_id=live.version_id,
        mode=mode,
        policy=json.dumps(policy),
        started_at=now,
        updated_at=now,
    )
    session.add(attempt)
    session.flush()
    return _play(session, attempt)


def resume(session: Session, actor: Person, attempt_id: int) -> Play:
    person = current_actor(session, actor)
    return _play(session, _attempt(session, person, attempt_id))


def choose(
    session: Session, actor: Person, attempt_id: int, choice_index: int, *, now: datetime
) -> Play:
    """Record one choice; at an ending the attempt is scored and closed."""
    person = current_actor(session, actor)
    attempt = _attempt(session, person, attempt_id)
    if attempt.finished_at is not None:
        raise ValidationError("This attempt has ended. Start a new one to play again.")
    engine = _engine(session, attempt)
    steps = _steps(session, attempt.id)
    state = engine.replay([s.choice_index for s in steps])
    try:
        new = engine.choose(state, choice_index)
    except ValueError as exc:
        raise ValidationError("That choice is not open here.") from exc
    number = (
        session.scalar(
            select(func.max(ScenarioStep.number)).where(ScenarioStep.attempt_id == attempt.id)
        )
        or 0
    ) + 1
    session.add(
        ScenarioStep(
            attempt_id=attempt.id,
            number=number,
            node_id=state.node,
            choice_index=choice_index,
            meters=json.dumps(new.meters),
            at=now,
        )
    )
    attempt.updated_at = now
    if engine.is_ending(new):
        score = engine.score(new)
        ending = engine.s.endings[new.node]
        attempt.finished_at, attempt.ending_id, attempt.outcome = now, ending.id, ending.outcome
        attempt.score, attempt.passed = score.fraction, engine.passed(new)
        if attempt.mode == ASSESSMENT:
            audit.record(
                session,
                person,
                "scenario.assessed",
                engine.s.id,
                at=now,
                score=round(score.fraction, 3),
                passed=attempt.passed,
                critical=len(score.critical),
            )
    session.flush()
    return _play(session, attempt)


def undo(session: Session, actor: Person, attempt_id: int, *, now: datetime) -> Play:
    """Take back the last choice: practice mode only, and never after the ending."""
    person = current_actor(session, actor)
    attempt = _attempt(session, person, attempt_id)
    if attempt.mode != PRACTICE:
        raise ValidationError("Assessment attempts cannot be undone: every choice counts.")
    if attempt.finished_at is not None:
        raise ValidationError("This attempt has ended.")
    steps = _steps(session, attempt.id)
    if not steps:
        raise ValidationError("There is nothing to undo yet.")
    steps[-1].undone_at = now
    attempt.updated_at = now
    session.flush()
    return _play(session, attempt)


@dataclass(frozen=True)
class AttemptRecord:
    id: int
    scenario_title: str
    mode: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    score: float | None
    passed: bool | None
    steps: int


def history(session: Session, actor: Person, person_id: int) -> list[AttemptRecord]:
    require_self_or(session, actor, person_id, "view_team")
    rows = session.execute(
        select(
            ScenarioAttempt,
            ContentVersion.title,
            select(func.count())
            .where(ScenarioStep.attempt_id == ScenarioAttempt.id, ScenarioStep.undone_at.is_(None))
            .scalar_subquery(),
        )
        .join(ContentVersion, ContentVersion.id == ScenarioAttempt.version_id)
        .where(ScenarioAttempt.person_id == person_id)
        .order_by(ScenarioAttempt.id.desc())
    )
    return [
        AttemptRecord(
            a.id, title, a.mode, a.started_at, a.finished_at, a.outcome, a.score, a.passed, steps
        )
        for a, title, steps in rows
    ]


@dataclass(frozen=True)
class ChoiceCount:
    node_id: str
    choice_index: int
    count: int


def choice_statistics(session: Session, actor: Person, document_id: int) -> dict[str, object]:
    """How often each choice was taken and how attempts ended, over every attempt on this
    scenario in the organization. Three queries, however many attempts there are."""
    editor = require(session, actor, "view_team")
    doc = session.get(ContentDocument, document_id)
    if doc is None or doc.organization_id != editor.organization_id:
        raise NotFoundError(f"No scenario {document_id}.")
    choices = [
        ChoiceCount(n, i, c)
        for n, i, c in session.execute(
            select(ScenarioStep.node_id, ScenarioStep.choice_index, func.count())
            .join(ScenarioAttempt, ScenarioAttempt.id == ScenarioStep.attempt_id)
            .where(ScenarioAttempt.document_id == document_id, ScenarioStep.undone_at.is_(None))
            .group_by(ScenarioStep.node_id, ScenarioStep.choice_index)
        )
    ]
    outcomes = dict(
        session.execute(
            select(ScenarioAttempt.outcome, func.count())
            .where(
                ScenarioAttempt.document_id == document_id, ScenarioAttempt.finished_at.is_not(None)
            )
            .group_by(ScenarioAttempt.outcome)
        ).all()
    )
    return {"choices": choices, "outcomes": outcomes}
