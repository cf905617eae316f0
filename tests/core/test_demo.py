"""The demo organization a newcomer explores: people in every role, content, some progress."""

from __future__ import annotations

from trainer.core.demo import seed_demo
from trainer.core.demo_people import DEMO_PEOPLE
from trainer.core.services import accounts, practice, training


def test_demo_has_every_role_content_progress_and_practice(sqlite_db, clock) -> None:
    with sqlite_db.begin() as session:
        seed_demo(session, now=clock.now())
    with sqlite_db.begin() as session:
        outcomes = {
            p.username: accounts.sign_in(session, p.username, p.password, now=clock.now())
            for p in DEMO_PEOPLE
        }
    assert all(o.person is not None and not o.must_change_password for o in outcomes.values())
    trainee = outcomes["trainee"].person
    with sqlite_db.begin() as session:
        overview = training.training_overview(session, trainee)
        scenarios = practice.list_scenarios(session, trainee)
        history = practice.history(session, trainee, trainee.id)
    assert sum(t.passed for t in overview.tracks) >= 1
    assert len(scenarios) >= 1
    assert any(a.finished_at for a in history) and any(a.finished_at is None for a in history)
