"""Practice scenarios as a service: attempts, steps, undo rules, resume, policy, statistics."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from tests.conftest import Team
from tests.core.scenario_fixtures import write_scenarios
from trainer.core.errors import PermissionDeniedError, ValidationError
from trainer.core.models import ScenarioStep
from trainer.core.services import library, practice


@pytest.fixture
def scenario(team: Team, db, clock, tmp_path) -> str:
    with db.begin() as session:
        library.import_bundled(session, write_scenarios(tmp_path / "bundle"), now=clock.now())
    return "t-corner"


def _start(db, clock, person, mode=practice.PRACTICE):
    with db.begin() as session:
        return practice.start(session, person, "t-corner", mode, now=clock.now())


def _choose(db, clock, person, attempt_id, index):
    with db.begin() as session:
        return practice.choose(session, person, attempt_id, index, now=clock.advance(seconds=20))


def test_an_assessment_played_to_the_end_is_scored_and_stored_step_by_step(
    scenario, team: Team, db, clock
) -> None:
    play = _start(db, clock, team.trainee, practice.ASSESSMENT)
    assert play.state.node == "arrive" and not play.can_undo
    play = _choose(db, clock, team.trainee, play.attempt_id, 0)
    # Mid-assessment the service gives out no feedback and no expert path.
    assert play.feedback_hidden and play.last_choice is None and play.best_path is None
    assert play.meters_before == {"tension": 6, "trust": 3}
    assert play.state.meters == {"tension": 4, "trust": 5}
    play = _choose(db, clock, team.trainee, play.attempt_id, 0)
    assert play.finished and play.passed and play.score.fraction == 1.0
    assert not play.feedback_hidden and play.best_path
    assert [node for node, _ in play.review] == ["arrive", "talk"]
    assert play.review[0][1].feedback.startswith("Greeting someone")
    with db.begin() as session:
        steps = session.scalars(select(ScenarioStep).order_by(ScenarioStep.number)).all()
        [record] = practice.history(session, team.trainee, team.trainee.id)
        summary = practice.list_scenarios(session, team.trainee)[0]
    assert [(s.node_id, s.choice_index) for s in steps] == [("arrive", 0), ("talk", 0)]
    assert steps[1].meters == '{"tension": 1, "trust": 5}'
    assert (record.outcome, record.passed, record.steps, record.mode) == (
        "success",
        True,
        2,
        "assessment",
    )
    assert summary.passed_assessment and summary.best_score == 1.0


def test_undo_exists_in_practice_and_not_in_assessment(scenario, team: Team, db, clock) -> None:
    play = _start(db, clock, team.trainee)
    play = _choose(db, clock, team.trainee, play.attempt_id, 1)
    assert play.can_undo and play.state.node == "grab"
    with db.begin() as session:
        play = practice.undo(session, team.trainee, play.attempt_id, now=clock.now())
    assert play.state.node == "arrive" and play.state.meters["tension"] == 6
    with db.begin() as session:  # the undone step is kept, marked
        assert session.scalars(select(ScenarioStep.undone_at)).one() is not None
    exam = _start(db, clock, team.trainee, practice.ASSESSMENT)
    exam = _choose(db, clock, team.trainee, exam.attempt_id, 1)
    with pytest.raises(ValidationError, match="cannot be undone"):
        with db.begin() as session:
            practice.undo(session, team.trainee, exam.attempt_id, now=clock.now())


def test_a_critical_choice_fails_the_attempt_whatever_the_score(
    scenario, team: Team, db, clock
) -> None:
    play = _start(db, clock, team.trainee, practice.ASSESSMENT)
    play = _choose(db, clock, team.trainee, play.attempt_id, 1)  # grab the chain
    play = _choose(db, clock, team.trainee, play.attempt_id, 0)
    assert play.finished and not play.passed
    assert play.score.critical == (("arrive", "Physical intervention in an armed dispute."),)


def test_an_unfinished_attempt_resumes_where_it_stopped(scenario, team: Team, db, clock) -> None:
    play = _start(db, clock, team.trainee)
    _choose(db, clock, team.trainee, play.attempt_id, 0)
    with db.begin() as session:  # a new session: the app was restarted
        summary = practice.list_scenarios(session, team.trainee)[0]
        resumed = practice.resume(session, team.trainee, summary.unfinished_attempt)
    assert summary.unfinished_mode == "practice"
    assert resumed.state.node == "talk" and resumed.state.meters == {"tension": 4, "trust": 5}


def test_someone_elses_attempt_cannot_be_played(scenario, team: Team, db, clock) -> None:
    play = _start(db, clock, team.trainee)
    with pytest.raises(Exception, match="No attempt"):
        with db.begin() as session:
            practice.choose(session, team.other_trainee, play.attempt_id, 0, now=clock.now())
    with pytest.raises(PermissionDeniedError):
        with db.begin() as session:
            practice.history(session, team.other_trainee, team.trainee.id)


def test_the_organizations_policy_decides_which_choices_appear(
    scenario, team: Team, db, clock
) -> None:
    play = _choose(db, clock, team.trainee, _start(db, clock, team.trainee).attempt_id, 0)
    assert sorted(i for i, _ in play.offered) == [0, 2]
    with pytest.raises(PermissionDeniedError):
        with db.begin() as session:
            practice.set_policy(
                session, team.trainer, "share_names_with_police", True, now=clock.now()
            )
    with db.begin() as session:
        practice.set_policy(session, team.admin, "share_names_with_police", True, now=clock.now())
        [setting] = practice.policy_settings(session, team.admin)
    assert setting.value is True and not setting.is_default
    play = _choose(db, clock, team.trainee, _start(db, clock, team.trainee).attempt_id, 0)
    assert sorted(i for i, _ in play.offered) == [0, 1, 2]


def _statistics_with_query_count(db, person, doc_id):
    counted = {"n": 0}

    def count(*_args, **_kwargs):
        counted["n"] += 1

    with db.begin() as session:
        event.listen(db.engine, "before_cursor_execute", count)
        stats = practice.choice_statistics(session, person, doc_id)
        event.remove(db.engine, "before_cursor_execute", count)
    return stats, counted["n"]


def _play_through(db, clock, person) -> None:
    play = _start(db, clock, person)
    _choose(db, clock, person, play.attempt_id, 0)
    _choose(db, clock, person, play.attempt_id, 0)


def test_choice_statistics_take_the_same_queries_for_1_or_20_attempts(
    scenario, team: Team, db, clock
) -> None:
    _play_through(db, clock, team.trainee)
    with db.begin() as session:
        doc_id = practice.list_scenarios(session, team.trainee)[0].document_id
    _, few = _statistics_with_query_count(db, team.trainer, doc_id)
    for _ in range(19):
        _play_through(db, clock, team.other_trainee)
    stats, many = _statistics_with_query_count(db, team.trainer, doc_id)
    assert few == many
    assert stats["outcomes"] == {"success": 20}
    assert {(c.node_id, c.choice_index): c.count for c in stats["choices"]} == {
        ("arrive", 0): 20,
        ("talk", 0): 20,
    }


def test_practice_keeps_feedback_after_every_choice(scenario, team: Team, db, clock) -> None:
    play = _choose(db, clock, team.trainee, _start(db, clock, team.trainee).attempt_id, 0)
    assert not play.feedback_hidden
    assert play.last_choice is not None and play.last_choice.feedback.startswith("Greeting")


def test_choices_come_in_a_new_order_on_each_attempt(scenario, team: Team, db, clock) -> None:
    orders = set()
    for _ in range(12):
        play = _start(db, clock, team.trainee)
        orders.add(tuple(i for i, _ in play.offered))
    assert len(orders) > 1  # 12 attempts at a 2-choice node all in one order: 1 in 2^11
    assert all(sorted(order) == [0, 1] for order in orders)


def _set_limits(db, org_id, attempts=3, days=30, wait=24):
    from trainer.core.models import Organization

    with db.begin() as session:
        org = session.get(Organization, org_id)
        org.assessment_attempts, org.assessment_window_days = attempts, days
        org.assessment_wait_hours = wait


def _finish(db, clock, person, attempt_id, first):
    """Play an attempt to its end: first choice 0 passes, 1 fails (critical)."""
    play = _choose(db, clock, person, attempt_id, first)
    return _choose(db, clock, person, play.attempt_id, 0)


def test_assessment_attempts_are_limited_per_window(scenario, team: Team, db, clock) -> None:
    _set_limits(db, team.trainee.organization_id, attempts=3, days=30, wait=0)
    for _ in range(3):
        play = _start(db, clock, team.trainee, practice.ASSESSMENT)
        assert _finish(db, clock, team.trainee, play.attempt_id, 0).passed
        clock.advance(days=1)
    with db.begin() as session:
        allowance = practice.assessment_allowance(
            session, team.trainee, "t-corner", now=clock.now()
        )
    assert (allowance.used, allowance.limit, allowance.allowed) == (3, 3, False)
    with pytest.raises(ValidationError, match=r"used all 3 assessment attempts .* 30 days"):
        _start(db, clock, team.trainee, practice.ASSESSMENT)
    _start(db, clock, team.trainee)  # practice stays open
    clock.advance(days=28)  # the first attempt leaves the 30-day window
    play = _start(db, clock, team.trainee, practice.ASSESSMENT)
    assert play.mode == practice.ASSESSMENT


def test_a_failed_assessment_makes_the_next_one_wait(scenario, team: Team, db, clock) -> None:
    _set_limits(db, team.trainee.organization_id, attempts=5, days=30, wait=24)
    play = _start(db, clock, team.trainee, practice.ASSESSMENT)
    assert not _finish(db, clock, team.trainee, play.attempt_id, 1).passed
    clock.advance(hours=23)
    with pytest.raises(ValidationError, match="opens 24 hours later"):
        _start(db, clock, team.trainee, practice.ASSESSMENT)
    clock.advance(hours=1, seconds=1)
    assert _start(db, clock, team.trainee, practice.ASSESSMENT).mode == practice.ASSESSMENT


def test_an_open_assessment_is_resumed_not_restarted(scenario, team: Team, db, clock) -> None:
    _start(db, clock, team.trainee, practice.ASSESSMENT)
    with pytest.raises(ValidationError, match="in progress: resume it"):
        _start(db, clock, team.trainee, practice.ASSESSMENT)
