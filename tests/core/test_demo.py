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


def test_demo_evidence_is_dated_before_the_credential_it_supports(sqlite_db, clock) -> None:
    from sqlalchemy import select

    from trainer.core.models import Credential, FieldHourEntry, Observation, Person
    from trainer.core.services.issuance import evidence_of

    with sqlite_db.begin() as session:
        seed_demo(session, now=clock.now())
    with sqlite_db.begin() as session:
        credentials = list(session.scalars(select(Credential).order_by(Credential.issued_at)))
        held = {(c.holder_name, c.program_key) for c in credentials}
        assert {
            ("Sam Okafor", "orientation"),
            ("Sam Okafor", "foundations"),
            ("Sam Okafor", "field-qualified"),
            ("Keisha Moore", "orientation"),
        } <= held
        for credential in credentials:
            for item in evidence_of(credential):
                assert item.met
                if item.at is not None:
                    assert item.at <= credential.issued_at, (credential.program_key, item)
        field_qualified = next(c for c in credentials if c.program_key == "field-qualified")
        supervised = [
            e.worked_on
            for e in session.scalars(
                select(FieldHourEntry).where(FieldHourEntry.person_id == field_qualified.holder_id)
            )
            if e.status == "signed" and e.activity != "continuing-education"
        ]
        assert supervised and max(supervised) <= field_qualified.issued_at.date()
        for observation in session.scalars(select(Observation)):
            assert observation.observer_id != observation.person_id
        people = list(session.scalars(select(Person)))
        # Everyone in the demo has signed in since joining, and nobody acted before joining.
        assert all(p.last_sign_in_at and p.created_at < p.last_sign_in_at for p in people)
        joined = {p.id: p.created_at for p in people}
        for credential in credentials:
            assert joined[credential.holder_id] < credential.issued_at
