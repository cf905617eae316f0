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
            now=now - timedelta(days=JOINED_DAYS_AGO.get(spec.username, 899)),
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
            now=now - timedelta(days=JOINED_DAYS_AGO.get(username, 40)),
        )
    for person in people.values():
        # Demo accounts sign in with the printed passwords, without the first-sign-in change.
        person.must_change_password = False
    seed_policies(session, people, now=now)
    seed_credentials(session, people, now=now)
    seed_progress(session, people, now=now)
    seed_practice(session, people, now=now)
    for username, days_ago in LAST_SIGN_IN_DAYS_AGO.items():
        if username in people:  # everyone with a record has signed in since making it
            people[username].last_sign_in_at = now - timedelta(days=days_ago, hours=2)


# When each extra trainee joined, and when each demo person last signed in (days ago).
JOINED_DAYS_AGO = {"trainee": 30, "sam": 820, "keisha": 45, "andre": 25}
LAST_SIGN_IN_DAYS_AGO = {
    "admin": 1,
    "manager": 1,
    "trainer": 0,
    "trainee": 1,
    "keisha": 2,
    "andre": 3,
    "sam": 5,
}

# The demo organization's own answers to the curricula's policy boxes: examples of what an
# organization writes, not advice (each organization sets its own with its lawyers).
DEMO_POLICIES = {
    "Mandated reporting": (
        "Demo policy. If anyone describes harm to a child or an elder, stop and call the program "
        "manager (Marcus Bell) the same day; he makes any report the law requires in our state "
        "and tells you what was done. Never promise a participant you will keep such a thing "
        "secret."
    ),
    "Sharing information with police": (
        "Demo policy. We do not give police names, addresses or what participants tell us. Say "
        "politely, in plain view: \"I can't discuss anyone. Here is our director's number.\" "
        "Requests go to the operations director (Dana Whitfield). Tell your supervisor the same "
        "day and write a short factual note."
    ),
    "Case notes and records": (
        "Demo policy. Write what you saw and did, not rumours or guesses. Notes live only in the "
        "program's case system, never on a personal phone. Notes can be subpoenaed: write every "
        "note as if a judge and the participant will read it."
    ),
    "Consent and sharing with partners": (
        "Demo policy. Share with a partner only with the participant's signed consent on the "
        "program's form, for the purpose written on it. Consent lasts 12 months or until the "
        "participant withdraws it."
    ),
    "Hospital agreement and patient privacy": (
        "Demo policy. At Riverside General you work under the hospital agreement: badge in at "
        "the ED desk, see a patient only when the social worker introduces you, and never tell "
        "anyone a patient's condition."
    ),
    "Who to call after hours": (
        "Demo policy. After hours call the on-call supervisor line, (555) 010-2200. If there is "
        "an immediate danger to life, call 911 first."
    ),
    "Field safety and check-ins": (
        "Demo policy. Always go out in pairs, text the on-call line where you are going and when "
        "you leave, and leave at once if a weapon is shown."
    ),
    "Staff support and debriefs": (
        "Demo policy. Every staff member has a debrief with their supervisor within 48 hours of "
        "a shooting they responded to, and six free counselling sessions a year through the "
        "employee assistance program."
    ),
    "Mental health referrals and crises": (
        "Demo policy. For a mental-health crisis without violence, call 988 or the county mobile "
        "crisis team and stay with the person until they arrive, if it is safe to."
    ),
    "Media, social media and public events": (
        "Demo policy. Only the operations director speaks to media. Never post about incidents or "
        "participants; ask consent before any photo at a public event."
    ),
}


def seed_policies(session: Session, people: dict[str, Person], *, now: datetime) -> None:
    """The organization writes its policies early on (before anyone acknowledges them)."""
    from trainer.core.services import policies

    manager = people.get("manager")
    if manager is None:
        return
    for box in policies.policy_boxes(session, manager):
        text = DEMO_POLICIES.get(box.title)
        if text:
            policies.set_text(session, manager, box.title, text, now=now - timedelta(days=850))


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
        "keisha": [("core-03-trauma-informed-care", 0.3, False, 2)],
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


CORE = [
    "core-01-cvi-field",
    "core-02-ethics-boundaries-police",
    "core-06-field-safety",
    "core-03-trauma-informed-care",
    "core-04-de-escalation",
    "core-05-conflict-mediation",
    "core-07-documentation",
    "core-08-wellbeing",
]
FOUNDATIONS_SCENARIOS = [
    "s01-ed-waiting-room",
    "s03-stolen-chain",
    "s06-officer-asks-for-names",
    "s08-third-shooting-this-week",
]
OTHER_SCENARIOS = [
    "s02-bedside-engagement",
    "s07-participant-carrying",
    "s10-noise-complaint",
    "s11-family-support-group",
]


def _session(
    session: Session,
    trainer: Person,
    attendees: list[Person],
    topic: str,
    *,
    held: datetime,
    hours: float,
    delivery: str = "in-person",
) -> None:
    from trainer.core.services import training_sessions

    training_sessions.record_session(
        session,
        trainer,
        topic=topic,
        held_on=held.date(),
        hours=hours,
        delivery=delivery,
        facilitator=trainer.full_name,
        attendee_ids=[p.id for p in attendees],
        now=held + timedelta(hours=hours),
    )


def _observe(
    session: Session,
    trainer: Person,
    person: Person,
    rubric: str,
    levels: dict[str, int],
    *,
    at: datetime,
    setting: str,
    notes: str,
) -> None:
    from trainer.core.services import observations

    observations.record_observation(
        session,
        trainer,
        person_id=person.id,
        rubric_key=rubric,
        setting=setting,
        observed_on=at.date(),
        ratings={key: (level, "") for key, level in levels.items()},
        notes=notes,
        now=at + timedelta(hours=3),
    )


def _signed_hours(
    session: Session,
    trainer: Person,
    person: Person,
    *,
    worked: datetime,
    hours: float,
    activity: str,
    note: str,
) -> None:
    entry = field_hours.log_hours(
        session,
        person,
        field_hours.NewHours(worked.date(), hours, activity, note),
        now=worked + timedelta(hours=hours + 1),
    )
    field_hours.review(
        session, trainer, entry.id, approve=True, comment="", now=worked + timedelta(days=1)
    )


def seed_credentials(session: Session, people: dict[str, Person], *, now: datetime) -> None:
    """A credential history that could have happened, every piece of evidence dated before the
    credential it supports: Sam earned Orientation, Foundations (expired a month ago: renewal
    due) and Field-Qualified; Keisha's first Orientation certificate was revoked and reissued; Jordan is
    part way; field hours wait for sign-off."""
    from trainer.core.services import policies

    manager, trainer = people.get("manager"), people.get("trainer")
    sam, keisha = people.get("sam"), people.get("keisha")
    jordan = people.get("trainee")
    if not (manager and trainer and sam and keisha and jordan):
        return
    start = now - timedelta(days=800)  # Sam's first week
    try:
        policies.acknowledge(session, sam, sam.full_name, now=start + timedelta(hours=2))
        for offset, key in enumerate(CORE):
            _study(session, sam, key, now=start + timedelta(days=offset + 1), read=1.0, passed=True)
        for day, topic in enumerate(
            (
                "New-hire academy: the CVI field, ethics and role clarity",
                "New-hire academy: trauma-informed engagement and de-escalation",
                "New-hire academy: mediation practice and role-plays",
                "New-hire academy: field safety, documentation and wellbeing",
            )
        ):
            _session(
                session,
                trainer,
                [sam],
                topic,
                held=start + timedelta(days=9 + day, hours=9),
                hours=7,
            )
        for offset, key in enumerate(FOUNDATIONS_SCENARIOS):
            _play_best(session, sam, key, now=start + timedelta(days=14 + offset))
        unlocked = signing_keys.unlock(session, manager, DEMO_SIGNING_PASSPHRASE)
        issuance.Issuer(
            session, manager, unlocked, "orientation", now=start + timedelta(days=8)
        ).issue(session, sam.id)
        issuance.Issuer(  # expired a month ago: the demo shows a renewal due
            session, manager, unlocked, "foundations", now=now - timedelta(days=760)
        ).issue(session, sam.id)
        # Four months of supervised field work, then the supervisor competency checklist.
        for week in range(15):
            worked = now - timedelta(days=695 - 8 * week, hours=-17)
            activity = "shadowing" if week < 5 else ("mediation" if week % 3 == 0 else "outreach")
            note = (
                "Shadowed Teresa on evening outreach."
                if activity == "shadowing"
                else ("Evening outreach on the east side with a partner.")
            )
            _signed_hours(
                session, trainer, sam, worked=worked, hours=8, activity=activity, note=note
            )
        _observe(
            session,
            trainer,
            sam,
            "field-competencies",
            {"mediation": 3, "incident-response": 3, "documentation": 4, "safety": 3},
            at=now - timedelta(days=570, hours=-18),
            setting="field",
            notes="Observed during an evening shift: a dispute over a debt outside the laundromat.",
        )
        for offset, key in enumerate(OTHER_SCENARIOS):
            _play_best(session, sam, key, now=now - timedelta(days=590 - offset))
        issuance.Issuer(
            session, manager, unlocked, "field-qualified", now=now - timedelta(days=560)
        ).issue(session, sam.id)

        # Keisha: Orientation evidence, an early certificate revoked, a reissue.
        for offset, key in enumerate(CORE[:3]):
            _study(
                session,
                keisha,
                key,
                now=now - timedelta(days=40 - 2 * offset),
                read=1.0,
                passed=True,
            )
        policies.acknowledge(session, keisha, keisha.full_name, now=now - timedelta(days=33))
        first = issuance.Issuer(
            session, manager, unlocked, "orientation", now=now - timedelta(days=30)
        ).issue(session, keisha.id)
        credential_register.change_status(
            session,
            manager,
            first.id,
            "revoke",
            "Issued under her previous surname; reissued with her name as she uses it.",
            now=now - timedelta(days=15),
        )
        issuance.Issuer(
            session, manager, unlocked, "orientation", now=now - timedelta(days=14)
        ).issue(session, keisha.id)

        # Jordan: a first in-person day and a role-play observed.
        _session(
            session,
            trainer,
            [jordan, keisha],
            "New-hire academy: the CVI field, ethics and role clarity",
            held=now - timedelta(days=10, hours=-9),
            hours=7,
        )
        _observe(
            session,
            trainer,
            jordan,
            "role-play-deescalation",
            dict.fromkeys(_rubric_keys(session, trainer, "role-play-deescalation"), 2),
            at=now - timedelta(days=5, hours=-14),
            setting="role-play",
            notes="Role-play: a young man angry at the ED desk.",
        )
    except TrainerError:
        return  # the organization's programs may differ from the shipped ones
    _signed_hours(
        session,
        trainer,
        sam,
        worked=now - timedelta(days=12, hours=-9),
        hours=6,
        activity="continuing-education",
        note="Regional CVI conference: trauma-informed care track.",
    )
    for person, days_ago, hours, activity, note in (
        (keisha, 6, 4.0, "shadowing", "Shadowed Teresa on evening outreach."),
        (keisha, 2, 2.5, "community-safety", "Answered two noise-complaint calls with a partner."),
    ):
        field_hours.log_hours(
            session,
            person,
            field_hours.NewHours(now.date() - timedelta(days=days_ago), hours, activity, note),
            now=now - timedelta(days=days_ago - 1),
        )


def _rubric_keys(session: Session, trainer: Person, rubric: str) -> list[str]:
    from trainer.core.services import observations

    for choice in observations.published_rubrics(session, trainer):
        if choice.key == rubric:
            return [c.key for c in choice.rubric.competencies]
    return []
