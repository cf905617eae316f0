"""Demo organization: one person per role plus a few trainees, for exploring and for tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from trainer.core.curriculum import Module
from trainer.core.demo_people import (
    DEMO_ORGANIZATION,
    DEMO_PEOPLE,
    DEMO_SIGNING_PASSPHRASE,
    EXTRA_PASSWORD,
    EXTRA_TRAINEES,
)
from trainer.core.errors import TrainerError
from trainer.core.models import Person, Role
from trainer.core.paths import bundled_content_root
from trainer.core.scenario import Engine
from trainer.core.services import (
    accounts,
    credential_register,
    field_hours,
    issuance,
    library,
    practice,
    signing_keys,
    training,
)


def seed_demo(session: Session, *, now: datetime) -> None:
    """Create the demo organization and people, import the bundled content."""
    admin_spec = DEMO_PEOPLE[0]
    admin = accounts.setup_organization(
        session,
        accounts.OrganizationSetup(
            name=DEMO_ORGANIZATION,
            admin_full_name=admin_spec.full_name,
            admin_username=admin_spec.username,
            admin_password=admin_spec.password,
            admin_job_title=admin_spec.job_title,
            contact="training@riverside-peace.example",
            signing_passphrase=DEMO_SIGNING_PASSPHRASE,
        ),
        now=now - timedelta(days=900),
    )
    library.import_bundled(session, bundled_content_root(), now=now - timedelta(days=900))
    people = {admin_spec.username: admin}
    for spec in DEMO_PEOPLE[1:]:
        people[spec.username] = accounts.add_person(
            session,
            admin,
            accounts.NewPerson(
                username=spec.username,
                full_name=spec.full_name,
                roles=spec.roles,
                password=spec.password,
                job_title=spec.job_title,
            ),
            now=now - timedelta(days=899),
        )
    for username, full_name, title in EXTRA_TRAINEES:
        people[username] = accounts.add_person(
            session,
            admin,
            accounts.NewPerson(
                username=username,
                full_name=full_name,
                roles=frozenset({Role.TRAINEE}),
                password=EXTRA_PASSWORD,
                job_title=title,
            ),
            now=now - timedelta(days=20),
        )
    for person in people.values():
        # Demo accounts sign in with the printed passwords, without the first-sign-in change.
        person.must_change_password = False
    seed_progress(session, people, now=now)
    seed_practice(session, people, now=now)
    seed_credentials(session, people, now=now)


def _right_answers(module: Module) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for q in module.questions:
        correct = [i for i, o in enumerate(q.options) if o.correct]
        answers[q.id] = {
            "single": correct[0] if correct else None,
            "multiple": correct,
            "true_false": q.answer,
            "ordering": list(range(len(q.items))),
        }[q.type]
    return answers


def _study(
    session: Session, person: Person, key: str, *, now: datetime, read: float, passed: bool
) -> None:
    opened = training.open_module(session, person, key, now=now)
    sections = [s.id for s in opened.rendered.sections]
    seen = sections[: round(len(sections) * read)]
    training.record_reading(
        session,
        person,
        opened.document_id,
        sections_seen=seen,
        last_section=seen[-1] if seen else None,
        seconds=60 * 25,
        now=now,
    )
    if passed:
        module, paper = training.start_check(session, person, opened.document_id)
        training.submit_check(
            session, person, opened.document_id, paper.seed, _right_answers(module), now=now
        )


def seed_progress(session: Session, people: dict[str, Person], *, now: datetime) -> None:
    """Some training done, so team and trainee screens have something to show."""
    plan = {
        "trainee": [
            ("core-01-cvi-field", 1.0, True, 12),
            ("core-02-ethics-boundaries-police", 0.5, False, 5),
        ],
        "keisha": [
            ("core-01-cvi-field", 1.0, True, 9),
            ("core-02-ethics-boundaries-police", 1.0, True, 6),
            ("core-03-trauma-informed-care", 0.3, False, 2),
        ],
        "andre": [("core-01-cvi-field", 0.6, False, 3)],
    }
    for username, steps in plan.items():
        person = people.get(username)
        if person is None:
            continue
        for key, read, passed, days_ago in steps:
            try:
                _study(
                    session,
                    person,
                    key,
                    now=now - timedelta(days=days_ago),
                    read=read,
                    passed=passed,
                )
            except TrainerError:
                continue  # the organization's curriculum may differ from the shipped one


def _play_greedy(
    session: Session, person: Person, key: str, mode: str, *, now: datetime, finish: bool
) -> None:
    """Play a scenario choosing the most valuable choice each time (stopping early if asked)."""
    play = practice.start(session, person, key, mode, now=now)
    for step in range(40):
        if play.finished or not play.offered or (not finish and step == 2):
            return
        index = max(play.offered, key=lambda ic: ic[1].total_points)[0]
        play = practice.choose(
            session, person, play.attempt_id, index, now=now + timedelta(seconds=30 * (step + 1))
        )


def seed_practice(session: Session, people: dict[str, Person], *, now: datetime) -> None:
    """A finished assessment and an unfinished practice attempt, for the demo's trainees."""
    scenarios = practice.list_scenarios(session, people["trainee"])
    if not scenarios:
        return
    for username, index, mode, finish, days_ago in (
        ("trainee", 0, practice.ASSESSMENT, True, 4),
        ("trainee", 1 % len(scenarios), practice.PRACTICE, False, 1),
        ("keisha", 0, practice.PRACTICE, True, 3),
    ):
        if username in people:
            try:
                _play_greedy(
                    session,
                    people[username],
                    scenarios[index].key,
                    mode,
                    now=now - timedelta(days=days_ago),
                    finish=finish,
                )
            except TrainerError:
                continue


def _play_best(session: Session, person: Person, key: str, *, now: datetime) -> None:
    """An assessment along the scenario's expert path, then the best-scoring choices to an
    ending (a worker who knows the material)."""
    play = practice.start(session, person, key, practice.ASSESSMENT, now=now)
    path = list(Engine(play.scenario).best_path() or ())  # the player is not shown it
    for step in range(60):
        if play.finished or not play.offered:
            return
        node = play.state.node
        following = path[path.index(node) + 1] if node in path[:-1] else None
        on_path = [(i, c) for i, c in play.offered if c.target == following]
        index = max(on_path or play.offered, key=lambda ic: ic[1].total_points)[0]
        play = practice.choose(
            session, person, play.attempt_id, index, now=now + timedelta(minutes=step + 1)
        )


def seed_credentials(session: Session, people: dict[str, Person], *, now: datetime) -> None:
    """A credential history to explore: Sam's Foundations certificate has expired (renewal due),
    Keisha's first Orientation certificate was revoked and reissued, field hours wait for
    sign-off."""
    manager, trainer = people.get("manager"), people.get("trainer")
    sam, keisha = people.get("sam"), people.get("keisha")
    if not (manager and trainer and sam and keisha):
        return
    long_ago = now - timedelta(days=800)
    try:
        for offset, key in enumerate(
            [
                "core-01-cvi-field",
                "core-02-ethics-boundaries-police",
                "core-03-trauma-informed-care",
                "core-04-de-escalation",
                "core-05-conflict-mediation",
                "core-06-field-safety",
                "core-07-documentation",
                "core-08-wellbeing",
            ]
        ):
            _study(session, sam, key, now=long_ago + timedelta(days=offset), read=1.0, passed=True)
        for offset, key in enumerate(
            [
                "s01-ed-waiting-room",
                "s03-stolen-chain",
                "s06-officer-asks-for-names",
                "s08-third-shooting-this-week",
            ]
        ):
            _play_best(session, sam, key, now=long_ago + timedelta(days=10 + offset))
        for key in ("core-06-field-safety",):
            _study(session, keisha, key, now=now - timedelta(days=25), read=1.0, passed=True)
        unlocked = signing_keys.unlock(session, manager, DEMO_SIGNING_PASSPHRASE)
        issuance.Issuer(
            session, manager, unlocked, "orientation", now=long_ago + timedelta(days=8)
        ).issue(session, sam.id)
        issuance.Issuer(
            session, manager, unlocked, "foundations", now=long_ago + timedelta(days=20)
        ).issue(session, sam.id)
        first = issuance.Issuer(
            session, manager, unlocked, "orientation", now=now - timedelta(days=20)
        ).issue(session, keisha.id)
        credential_register.change_status(
            session,
            manager,
            first.id,
            "revoke",
            "Issued before her knowledge checks were reviewed; reissued after review.",
            now=now - timedelta(days=15),
        )
        issuance.Issuer(
            session, manager, unlocked, "orientation", now=now - timedelta(days=9)
        ).issue(session, keisha.id)
    except TrainerError:
        return  # the organization's programs may differ from the shipped ones
    for person, days_ago, hours, activity, note in (
        (sam, 40, 3.0, "mediation", "Co-led a mediation between two groups on Elm St."),
        (
            sam,
            12,
            6.0,
            "continuing-education",
            "Regional CVI conference: trauma-informed care track.",
        ),
        (keisha, 6, 4.0, "shadowing", "Shadowed Teresa on evening outreach."),
        (keisha, 2, 2.5, "community-safety", "Answered two noise-complaint calls with a partner."),
    ):
        entry = field_hours.log_hours(
            session,
            person,
            field_hours.NewHours(now.date() - timedelta(days=days_ago), hours, activity, note),
            now=now - timedelta(days=days_ago - 1),
        )
        if days_ago > 10:
            field_hours.review(
                session,
                trainer,
                entry.id,
                approve=True,
                comment="",
                now=now - timedelta(days=days_ago - 2),
            )
