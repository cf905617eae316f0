"""Training: what each person has to study, reading progress, knowledge checks, search."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from trainer.core.curriculum import Module, Track, parse_module, parse_track
from trainer.core.errors import NotFoundError, ValidationError
from trainer.core.models import (
    ContentDocument,
    ContentKind,
    ContentVersion,
    ModuleProgress,
    Person,
    QuizAttempt,
)
from trainer.core.policies import with_policies
from trainer.core.quiz import Answer, Grade, Paper, PaperQuestion, grade, make_paper
from trainer.core.reader import Rendered, SearchHit, render_markdown, search_sections
from trainer.core.services.permissions import current_actor, require_self_or

NOT_STARTED, IN_PROGRESS, PASSED = "not_started", "in_progress", "passed"
STATUS_LABELS = {NOT_STARTED: "Not started", IN_PROGRESS: "In progress", PASSED: "Passed"}


@lru_cache(maxsize=256)
def parsed_module(body: str) -> Module:
    module, problems = parse_module(body)
    if module is None:  # published versions were checked; this means a damaged database
        raise ValidationError(f"A published module cannot be read: {problems[0].message}")
    return module


@lru_cache(maxsize=64)
def parsed_track(body: str) -> Track:
    track, problems = parse_track(body)
    if track is None:
        raise ValidationError(f"A published track cannot be read: {problems[0].message}")
    return track


def rendered_module(module: Module) -> Rendered:
    return render_markdown(module.body)


@dataclass(frozen=True)
class LiveDocument:
    document_id: int
    key: str
    version_id: int
    number: int
    body: str


def live_documents(session: Session, organization_id: int, kind: str) -> list[LiveDocument]:
    """Every published document of a kind with its newest version, in one query."""
    newest = (
        select(ContentVersion.document_id, func.max(ContentVersion.number).label("n"))
        .where(ContentVersion.number.is_not(None))
        .group_by(ContentVersion.document_id)
        .subquery()
    )
    rows = session.execute(
        select(
            ContentDocument.id,
            ContentDocument.key,
            ContentVersion.id,
            ContentVersion.number,
            ContentVersion.body,
        )
        .join(newest, newest.c.document_id == ContentDocument.id)
        .join(
            ContentVersion,
            (ContentVersion.document_id == ContentDocument.id)
            & (ContentVersion.number == newest.c.n),
        )
        .where(ContentDocument.organization_id == organization_id, ContentDocument.kind == kind)
        .order_by(ContentDocument.key)
    )
    return [
        LiveDocument(doc_id, key, version_id, number or 0, body)
        for doc_id, key, version_id, number, body in rows
    ]


@dataclass(frozen=True)
class ModuleStatus:
    document_id: int
    key: str
    title: str
    track: str
    status: str
    estimated_minutes: int
    minutes_left: int
    sections_read: int
    sections_total: int
    check_passed: bool
    version_number: int  # the version this person studies (pinned), else the live one
    newer_version: int | None  # a newer published version they could switch to
    locked_by: tuple[str, ...] = ()  # titles of prerequisites not yet passed

    @property
    def locked(self) -> bool:
        return bool(self.locked_by)

    @property
    def label(self) -> str:
        if self.locked and self.status == NOT_STARTED:
            return "Locked: first finish " + ", ".join(self.locked_by)
        if self.status == IN_PROGRESS and self.check_passed:
            left = self.sections_total - self.sections_read
            return f"In progress: check passed, {left} section{'s' if left != 1 else ''} to read"
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class TrackStatus:
    key: str
    title: str
    description: str
    modules: tuple[ModuleStatus, ...]

    @property
    def passed(self) -> int:
        return sum(m.status == PASSED for m in self.modules)


@dataclass(frozen=True)
class TrainingOverview:
    tracks: tuple[TrackStatus, ...]
    next_module: ModuleStatus | None

    @property
    def minutes_left(self) -> int:
        return sum(m.minutes_left for t in self.tracks for m in t.modules)

    def find(self, key: str) -> ModuleStatus:
        for track in self.tracks:
            for module in track.modules:
                if module.key == key:
                    return module
        raise NotFoundError(f"No module {key!r}.")


@dataclass
class _Catalog:
    """The organization's live curriculum, loaded once for any number of people."""

    modules: dict[str, tuple[LiveDocument, Module]] = field(default_factory=dict)
    tracks: list[tuple[LiveDocument, Track]] = field(default_factory=list)


def _catalog(session: Session, organization_id: int) -> _Catalog:
    catalog = _Catalog()
    for live in live_documents(session, organization_id, ContentKind.MODULE):
        catalog.modules[live.key] = (live, parsed_module(live.body))
    tracks = [
        (live, parsed_track(live.body))
        for live in live_documents(session, organization_id, ContentKind.TRACK)
    ]
    order = {"core": 0}
    catalog.tracks = sorted(tracks, key=lambda t: (order.get(t[1].id, 1), t[1].title))
    return catalog


@dataclass(frozen=True)
class _Progress:
    row: ModuleProgress
    version_number: int
    version_body: str

    @property
    def read(self) -> set[str]:
        return set(json.loads(self.row.sections_read))


def _progress_rows(session: Session, person_ids: Sequence[int]) -> dict[int, dict[int, _Progress]]:
    """Every progress row of these people with its pinned version, in one query."""
    pinned = aliased(ContentVersion)
    rows = session.execute(
        select(ModuleProgress, pinned.number, pinned.body)
        .join(pinned, pinned.id == ModuleProgress.version_id)
        .where(ModuleProgress.person_id.in_(person_ids))
    )
    result: dict[int, dict[int, _Progress]] = {pid: {} for pid in person_ids}
    for row, number, body in rows:
        result[row.person_id][row.document_id] = _Progress(row, number or 0, body)
    return result


def _status(live: LiveDocument, module: Module, progress: _Progress | None) -> ModuleStatus:
    if progress is None:
        return ModuleStatus(
            live.document_id,
            module.id,
            module.title,
            module.track,
            NOT_STARTED,
            module.estimated_minutes,
            module.estimated_minutes,
            0,
            len(rendered_module(module).sections),
            False,
            live.number,
            None,
        )
    row = progress.row
    total = max(row.sections_total, 1)
    read = min(len(progress.read), total)
    passed_check = row.passed_at is not None
    status = PASSED if passed_check and read >= total else IN_PROGRESS
    pinned_module = parsed_module(progress.version_body)
    share_left = 1 - read / total
    minutes_left = (
        0
        if status == PASSED
        else max(
            1,
            round(
                pinned_module.estimated_minutes * (0.8 * share_left + (0 if passed_check else 0.2))
            ),
        )
    )
    newer = live.number if live.number > progress.version_number and not passed_check else None
    return ModuleStatus(
        live.document_id,
        module.id,
        pinned_module.title,
        module.track,
        status,
        pinned_module.estimated_minutes,
        minutes_left,
        read,
        row.sections_total,
        passed_check,
        progress.version_number,
        newer,
    )


def _overview(catalog: _Catalog, progress: dict[int, _Progress]) -> TrainingOverview:
    statuses = {
        key: _status(live, module, progress.get(live.document_id))
        for key, (live, module) in catalog.modules.items()
    }
    titles = {key: module.title for key, (_, module) in catalog.modules.items()}
    for key, (_, module) in catalog.modules.items():
        missing = tuple(
            titles[p]
            for p in module.prerequisites
            if p in statuses and statuses[p].status != PASSED
        )
        if missing:
            statuses[key] = replace(statuses[key], locked_by=missing)
    tracks = []
    listed: set[str] = set()
    for _live, track in catalog.tracks:
        mods = tuple(statuses[k] for k in track.modules if k in statuses)
        listed.update(m.key for m in mods)
        tracks.append(TrackStatus(track.id, track.title, track.description, mods))
    unlisted = tuple(s for k, s in statuses.items() if k not in listed)
    if unlisted:
        tracks.append(
            TrackStatus("other", "Other modules", "Modules not yet in a track.", unlisted)
        )
    next_module = next(
        (m for t in tracks for m in t.modules if m.status == IN_PROGRESS and not m.locked), None
    ) or next(
        (m for t in tracks for m in t.modules if m.status == NOT_STARTED and not m.locked), None
    )
    return TrainingOverview(tuple(tracks), next_module)


def training_overview(
    session: Session, actor: Person, person_id: int | None = None
) -> TrainingOverview:
    """Tracks and modules with status, time left and locks, and the suggested next module."""
    person = current_actor(session, actor)
    target = person.id if person_id is None else person_id
    require_self_or(session, actor, target, "view_team")
    catalog = _catalog(session, person.organization_id)
    return _overview(catalog, _progress_rows(session, [target])[target])


def team_statuses(
    session: Session, actor: Person, person_ids: Sequence[int]
) -> dict[int, TrainingOverview]:
    """The status of every module for N people, in a constant number of queries."""
    person = current_actor(session, actor)
    for pid in person_ids:
        require_self_or(session, actor, pid, "view_team")
    catalog = _catalog(session, person.organization_id)
    progress = _progress_rows(session, list(person_ids))
    return {pid: _overview(catalog, progress[pid]) for pid in person_ids}


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleSession:
    """What the reader needs to show one module to one person."""

    document_id: int
    version_id: int
    version_number: int
    newer_version: int | None
    module: Module
    rendered: Rendered
    sections_read: frozenset[str]
    last_section: str | None
    last_position: int
    seconds_spent: int
    check_passed: bool


def _module_document(session: Session, person: Person, key: str) -> ContentDocument:
    doc = session.scalars(
        select(ContentDocument).where(
            ContentDocument.organization_id == person.organization_id,
            ContentDocument.kind == ContentKind.MODULE,
            ContentDocument.key == key,
        )
    ).first()
    if doc is None:
        raise NotFoundError(f"No module {key!r}.")
    return doc


def _progress(session: Session, person_id: int, document_id: int) -> ModuleProgress | None:
    return session.scalars(
        select(ModuleProgress).where(
            ModuleProgress.person_id == person_id, ModuleProgress.document_id == document_id
        )
    ).first()


def open_module(
    session: Session, actor: Person, key: str, *, now: datetime, switch_to_latest: bool = False
) -> ModuleSession:
    """Open a module for its learner: pins the live version on first open; a newer version is
    only taken when the person chooses to switch. Locked modules are refused, saying why."""
    person = current_actor(session, actor)
    overview = training_overview(session, person)
    status = overview.find(key)
    if status.locked and status.status == NOT_STARTED:
        raise ValidationError(
            f"'{status.title}' opens once you have finished: " + ", ".join(status.locked_by) + "."
        )
    doc = _module_document(session, person, key)
    live = next(
        d
        for d in live_documents(session, person.organization_id, ContentKind.MODULE)
        if d.document_id == doc.id
    )
    row = _progress(session, person.id, doc.id)
    if row is None or (
        switch_to_latest and row.version_id != live.version_id and row.passed_at is None
    ):
        module = parsed_module(live.body)
        sections = {s.id for s in rendered_module(module).sections}
        if row is None:
            row = ModuleProgress(
                person_id=person.id,
                document_id=doc.id,
                started_at=now,
                sections_read="[]",
                last_position=0,
                seconds_spent=0,
            )
            session.add(row)
        kept = sorted(set(json.loads(row.sections_read)) & sections)
        row.version_id, row.sections_total = live.version_id, len(sections)
        row.sections_read, row.updated_at = json.dumps(kept), now
        if row.last_section not in sections:
            row.last_section, row.last_position = None, 0
        session.flush()
    version = session.get(ContentVersion, row.version_id)
    assert version is not None and version.number is not None
    module = parsed_module(version.body)
    from trainer.core.services.policies import texts  # policies reads modules through here

    answers = texts(session, person.organization_id)
    return ModuleSession(
        document_id=doc.id,
        version_id=version.id,
        version_number=version.number,
        newer_version=live.number
        if live.number > version.number and row.passed_at is None
        else None,
        module=module,
        rendered=render_markdown(with_policies(module.body, answers)),
        sections_read=frozenset(json.loads(row.sections_read)),
        last_section=row.last_section,
        last_position=row.last_position,
        seconds_spent=row.seconds_spent,
        check_passed=row.passed_at is not None,
    )


def record_reading(
    session: Session,
    actor: Person,
    document_id: int,
    *,
    sections_seen: Iterable[str] = (),
    last_section: str | None = None,
    position: int | None = None,
    seconds: int = 0,
    now: datetime,
) -> None:
    """Save where the person is, which sections they have read, and the time spent."""
    person = current_actor(session, actor)
    row = _progress(session, person.id, document_id)
    if row is None:
        raise NotFoundError("Open the module before recording reading progress.")
    read = set(json.loads(row.sections_read)) | set(sections_seen)
    row.sections_read = json.dumps(sorted(read))
    if last_section is not None:
        row.last_section = last_section
    if position is not None:
        row.last_position = max(0, min(10_000, position))
    row.seconds_spent += max(0, min(int(seconds), 4 * 3600))  # one save never adds > 4 h
    row.updated_at = now


def _studied(
    session: Session, actor: Person, document_id: int
) -> tuple[Person, ModuleProgress, ContentVersion]:
    """The person, their progress row and the version they study (pinned at first open)."""
    person = current_actor(session, actor)
    row = _progress(session, person.id, document_id)
    if row is None:
        raise NotFoundError("Open the module before taking its knowledge check.")
    version = session.get(ContentVersion, row.version_id)
    assert version is not None
    return person, row, version


def start_check(session: Session, actor: Person, document_id: int) -> tuple[Module, Paper]:
    """A fresh paper for the version this person studies: questions drawn from the pool
    (avoiding the last attempt's where the pool allows), shuffled. Only this paper can be
    submitted, once; until it is, starting again hands out the same paper (a new one each
    time would let a person deal papers until one holds only questions they know)."""
    person, row, version = _studied(session, actor, document_id)
    module = parsed_module(version.body)
    last = session.scalars(
        select(QuizAttempt.answers)
        .where(QuizAttempt.person_id == person.id, QuizAttempt.document_id == document_id)
        .order_by(QuizAttempt.id.desc())
        .limit(1)
    ).first()
    avoid = json.loads(last) if last else ()
    issued = json.loads(row.open_paper) if row.open_paper else None
    if issued is not None:
        again = make_paper(module, issued["seed"], avoid=avoid)  # the same seed deals the same
        if [pq.question.id for pq in again.questions] == issued["questions"]:
            return module, again
    paper = make_paper(module, secrets.randbelow(2**31), avoid=avoid)
    row.open_paper = json.dumps(
        {"seed": paper.seed, "questions": [pq.question.id for pq in paper.questions]}
    )
    session.flush()
    return module, paper


@dataclass(frozen=True)
class CheckOutcome:
    attempt_id: int
    grade: Grade
    module_passed: bool  # sections read and check passed


def submit_check(
    session: Session,
    actor: Person,
    document_id: int,
    seed: int,
    answers: dict[str, Answer],
    *,
    now: datetime,
) -> CheckOutcome:
    """Grade and record an attempt (answers, version, result); a pass completes the check."""
    person, row, version = _studied(session, actor, document_id)
    module = parsed_module(version.body)
    issued = json.loads(row.open_paper) if row.open_paper else None
    if issued is None or issued["seed"] != seed:
        raise ValidationError(
            "This knowledge check paper is not the one handed out to you, or it was already "
            "submitted. Start the check again for a new paper."
        )
    by_id = {q.id: q for q in module.questions}
    paper = Paper(
        seed, tuple(PaperQuestion(by_id[i], ()) for i in issued["questions"] if i in by_id)
    )
    result = grade(module, answers, paper)
    row.open_paper = None
    # The answers to the paper's questions, unanswered ones as null: the next paper avoids
    # exactly these (answers to other questions would steer it back to this paper's).
    on_paper = {pq.question.id: answers.get(pq.question.id) for pq in paper.questions}
    attempt = QuizAttempt(
        person_id=person.id,
        document_id=document_id,
        version_id=version.id,
        seed=seed,
        answers=json.dumps(on_paper, sort_keys=True),
        correct=result.correct,
        total=result.total,
        score=result.score,
        passed=result.passed,
        submitted_at=now,
    )
    session.add(attempt)
    if result.passed and row.passed_at is None:
        row.passed_at = now
    row.updated_at = now
    session.flush()
    done = row.passed_at is not None and len(json.loads(row.sections_read)) >= row.sections_total
    return CheckOutcome(attempt.id, result, done)


def attempts(
    session: Session, actor: Person, person_id: int, document_id: int | None = None
) -> list[QuizAttempt]:
    require_self_or(session, actor, person_id, "view_team")
    query = select(QuizAttempt).where(QuizAttempt.person_id == person_id)
    if document_id is not None:
        query = query.where(QuizAttempt.document_id == document_id)
    return list(session.scalars(query.order_by(QuizAttempt.submitted_at, QuizAttempt.id)))


def search(session: Session, actor: Person, needle: str) -> list[SearchHit]:
    """Find words across every module the person can see (the version they study, else live)."""
    person = current_actor(session, actor)
    progress = _progress_rows(session, [person.id])[person.id]
    modules = []
    for live in live_documents(session, person.organization_id, ContentKind.MODULE):
        body = (
            progress[live.document_id].version_body if live.document_id in progress else live.body
        )
        module = parsed_module(body)
        modules.append((module.id, module.title, rendered_module(module)))
    return search_sections(needle, modules)
