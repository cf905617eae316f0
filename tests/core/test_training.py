"""Training progress: statuses, locks, version pinning, attempts, constant-query team status."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, select

from tests.conftest import Team, make_person
from tests.core.curriculum_fixtures import HALF_WRONG, RIGHT, module_text, write_curriculum
from trainer.core.errors import PermissionDeniedError, ValidationError
from trainer.core.models import QuizAttempt, Role
from trainer.core.services import library, training


@pytest.fixture
def curriculum(team: Team, db, clock, tmp_path: Path) -> Path:
    root = write_curriculum(tmp_path / "bundle")
    with db.begin() as session:
        library.import_bundled(session, root, now=clock.now())
    return root


def _read_all(db, clock, person, key: str) -> int:
    with db.begin() as session:
        opened = training.open_module(session, person, key, now=clock.now())
        training.record_reading(
            session,
            person,
            opened.document_id,
            sections_seen=[s.id for s in opened.rendered.sections],
            seconds=300,
            now=clock.now(),
        )
    return opened.document_id


def _submit(db, clock, person, doc_id: int, answers) -> training.CheckOutcome:
    with db.begin() as session:
        _, paper = training.start_check(session, person, doc_id)
        return training.submit_check(session, person, doc_id, paper.seed, answers, now=clock.now())


def test_new_trainee_sees_tracks_with_the_first_module_suggested(
    curriculum, team: Team, db
) -> None:
    with db.begin() as session:
        overview = training.training_overview(session, team.trainee)
    [track] = overview.tracks
    assert [m.key for m in track.modules] == ["basics-1", "basics-2"]
    first, second = track.modules
    assert first.label == "Not started" and first.minutes_left == 20
    assert second.locked and second.label == "Locked: first finish First steps"
    assert overview.next_module.key == "basics-1"


def test_locked_module_cannot_be_opened(curriculum, team: Team, db, clock) -> None:
    with pytest.raises(ValidationError, match="opens once you have finished: First steps"):
        with db.begin() as session:
            training.open_module(session, team.trainee, "basics-2", now=clock.now())


def test_read_fail_retake_pass_completes_the_module_and_unlocks_the_next(
    curriculum, team: Team, db, clock
) -> None:
    doc_id = _read_all(db, clock, team.trainee, "basics-1")
    failed = _submit(db, clock, team.trainee, doc_id, HALF_WRONG)
    assert not failed.grade.passed and not failed.module_passed
    passed = _submit(db, clock, team.trainee, doc_id, RIGHT)
    assert passed.grade.passed and passed.module_passed
    with db.begin() as session:
        overview = training.training_overview(session, team.trainee)
        history = training.attempts(session, team.trainee, team.trainee.id, doc_id)
    first, second = overview.tracks[0].modules
    assert first.status == training.PASSED and first.minutes_left == 0
    assert not second.locked and overview.next_module.key == "basics-2"
    assert [a.passed for a in history] == [False, True]
    assert all(a.version_id == history[0].version_id for a in history)


def test_passing_the_check_without_reading_leaves_the_module_in_progress(
    curriculum, team: Team, db, clock
) -> None:
    with db.begin() as session:
        doc_id = training.open_module(
            session, team.trainee, "basics-1", now=clock.now()
        ).document_id
    assert _submit(db, clock, team.trainee, doc_id, RIGHT).module_passed is False
    with db.begin() as session:
        status = training.training_overview(session, team.trainee).find("basics-1")
    assert status.label == "In progress: check passed, 2 sections to read"


def test_reading_position_and_time_survive_a_new_session(curriculum, team: Team, db, clock) -> None:
    with db.begin() as session:
        opened = training.open_module(session, team.trainee, "basics-1", now=clock.now())
        training.record_reading(
            session,
            team.trainee,
            opened.document_id,
            sections_seen=["listening-first"],
            last_section="listening-first",
            position=4200,
            seconds=95,
            now=clock.now(),
        )
    with db.begin() as session:
        again = training.open_module(session, team.trainee, "basics-1", now=clock.now())
    assert again.last_section == "listening-first" and again.last_position == 4200
    assert again.seconds_spent == 95 and again.sections_read == {"listening-first"}


def test_learner_keeps_their_version_until_they_choose_to_switch(
    curriculum, team: Team, db, clock
) -> None:
    _read_all(db, clock, team.trainee, "basics-1")
    with db.begin() as session:
        doc = library.find_document(session, team.trainer, "module", "basics-1")
        library.save_draft(
            session,
            team.trainer,
            doc.id,
            module_text("basics-1", "First steps, revised"),
            now=clock.now(),
        )
        library.publish(session, team.trainer, doc.id, now=clock.now())
    with db.begin() as session:
        kept = training.open_module(session, team.trainee, "basics-1", now=clock.now())
        assert (kept.version_number, kept.newer_version) == (1, 2)
        assert kept.module.title == "First steps"
        switched = training.open_module(
            session, team.trainee, "basics-1", now=clock.now(), switch_to_latest=True
        )
    assert (switched.version_number, switched.newer_version) == (2, None)
    assert switched.module.title == "First steps, revised"
    assert switched.sections_read == {"listening-first", "following-up"}  # same sections kept
    with db.begin() as session:  # someone starting now gets the new version
        fresh = training.open_module(session, team.other_trainee, "basics-1", now=clock.now())
    assert fresh.version_number == 2


def test_trainee_cannot_see_another_trainees_progress(curriculum, team: Team, db) -> None:
    with pytest.raises(PermissionDeniedError):
        with db.begin() as session:
            training.training_overview(session, team.trainee, team.other_trainee.id)
    with db.begin() as session:
        training.training_overview(session, team.manager, team.trainee.id)
        training.training_overview(session, team.trainer, team.trainee.id)


def test_attempt_records_answers_and_content_version(curriculum, team: Team, db, clock) -> None:
    doc_id = _read_all(db, clock, team.trainee, "basics-1")
    _submit(db, clock, team.trainee, doc_id, HALF_WRONG)
    with db.begin() as session:
        attempt = session.scalars(select(QuizAttempt)).one()
    assert attempt.answers == '{"q1": 1, "q2": [0], "q3": false, "q4": [0, 1, 2]}'
    assert (attempt.correct, attempt.total, attempt.passed) == (2, 4, False)


def test_search_finds_words_and_names_the_section(curriculum, team: Team, db) -> None:
    with db.begin() as session:
        hits = training.search(session, team.trainee, "next day")
    assert [(h.module_key, h.section_id) for h in hits] == [
        ("basics-1", "following-up"),
        ("basics-2", "following-up"),
    ]


def _count_queries(db):
    counter = {"n": 0}

    def before(*_args, **_kwargs):
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", before)
    return counter, lambda: event.remove(db.engine, "before_cursor_execute", before)


def test_team_status_takes_the_same_number_of_queries_for_2_or_20_people(
    curriculum, team: Team, db, clock
) -> None:
    people = [make_person(db, clock, team.admin, f"learner{i}", Role.TRAINEE) for i in range(18)]
    for person in people[:5]:
        _read_all(db, clock, person, "basics-1")
    ids = [p.id for p in people] + [team.trainee.id, team.other_trainee.id]
    counts = []
    for group in (ids[:2], ids):
        with db.begin() as session:
            counter, stop = _count_queries(db)
            result = training.team_statuses(session, team.manager, group)
            stop()
        counts.append(counter["n"])
        assert set(result) == set(group)
    assert counts[0] == counts[1]
    with db.begin() as session:
        statuses = training.team_statuses(session, team.manager, ids)
    assert statuses[people[0].id].find("basics-1").status == training.IN_PROGRESS
    assert statuses[people[10].id].find("basics-1").status == training.NOT_STARTED
