"""An organization with the shipped content, a signing key and helpers to earn credentials."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests import templates
from tests.conftest import FakeClock, Team
from trainer.core.db import Database
from trainer.core.demo import _play_best, _study
from trainer.core.models import Person
from trainer.core.paths import bundled_content_root
from trainer.core.services import (
    field_hours,
    issuance,
    library,
    observations,
    policies,
    signing_keys,
    training_sessions,
)
from trainer.core.signing import UnlockedKey

PASSPHRASE = "correct horse signing"
ORIENTATION = ("core-01-cvi-field", "core-02-ethics-boundaries-police", "core-06-field-safety")


def _content_and_key(db: Database, clock: FakeClock, team: Team) -> None:
    with db.begin() as session:
        library.import_bundled(session, bundled_content_root(), now=clock.now())
        signing_keys.create_first_key(session, team.admin, PASSPHRASE, now=clock.now())


def _build_on_team_template(db: Database, at: datetime) -> None:
    team = Team.__new__(Team)  # the team is already in the template's copy: load it
    team.load(db)
    _content_and_key(db, FakeClock(at), team)


class Org:
    """A team whose organization has the bundled content and an issuing key. Copied from a
    template built once per run when the team was (tests/templates.py)."""

    def __init__(self, db: Database, clock: FakeClock, team: Team) -> None:
        self.db, self.clock, self.team = db, clock, team
        if team.template is None or not templates.copy_into(
            db,
            clock.now(),
            team.template.replace("team", "org"),
            _build_on_team_template,
            base=team.template,
        ):
            _content_and_key(db, clock, team)

    def unlock(self, who: Person | None = None) -> UnlockedKey:
        with self.db.begin() as session:
            return signing_keys.unlock(session, who or self.team.manager, PASSPHRASE)

    def study(self, person: Person, *modules: str) -> None:
        with self.db.begin() as session:
            for key in modules:
                _study(
                    session, person, key, now=self.clock.advance(minutes=30), read=1.0, passed=True
                )

    def assess(self, person: Person, *scenarios: str) -> None:
        with self.db.begin() as session:
            for key in scenarios:
                _play_best(session, person, key, now=self.clock.advance(minutes=30))

    def hours(self, person: Person, hours: float, activity: str, *, sign: bool = True) -> int:
        with self.db.begin() as session:
            entry = field_hours.log_hours(
                session,
                person,
                field_hours.NewHours(self.clock.now().date(), hours, activity, "test"),
                now=self.clock.advance(minutes=1),
            )
            if sign:
                field_hours.review(
                    session,
                    self.team.trainer,
                    entry.id,
                    approve=True,
                    comment="",
                    now=self.clock.now(),
                )
            return entry.id

    def issue(self, person: Person, program: str = "orientation") -> issuance.Issued:
        key = self.unlock()
        with self.db.begin() as session:
            return issuance.issue(
                session,
                self.team.manager,
                key,
                person.id,
                program,
                now=self.clock.advance(minutes=1),
            )

    _sessions = 0

    def _next_session(self) -> int:
        self._sessions += 1
        return self._sessions

    def acknowledge(self, person: Person) -> None:
        """The manager writes every program policy (once) and the person signs them."""
        with self.db.begin() as session:
            for box in policies.policy_boxes(session, self.team.manager):
                if not box.text:
                    policies.set_text(
                        session,
                        self.team.manager,
                        box.title,
                        f"Our rule: {box.title}.",
                        now=self.clock.now(),
                    )
            policies.acknowledge(
                session, person, person.full_name, now=self.clock.advance(minutes=1)
            )

    def train(self, person: Person, hours: float, delivery: str = "in-person") -> None:
        """A trainer records a live session `person` attended (in 8-hour days)."""
        with self.db.begin() as session:
            left, day = hours, 0
            while left > 0:
                chunk = min(8.0, left)
                day += 1
                training_sessions.record_session(
                    session,
                    self.team.trainer,
                    topic=f"Core skills workshop {self._next_session()}, day {day} ({delivery})",
                    held_on=self.clock.now().date(),
                    hours=chunk,
                    delivery=delivery,
                    facilitator="Tina Trainer",
                    attendee_ids=[person.id],
                    now=self.clock.advance(minutes=1),
                )
                left -= chunk

    def observe(self, person: Person, rubric: str, level: int = 3, setting: str = "field") -> None:
        """A trainer rates every competency of a rubric at `level` in one observation."""
        with self.db.begin() as session:
            [choice] = [
                r
                for r in observations.published_rubrics(session, self.team.trainer)
                if r.key == rubric
            ]
            observations.record_observation(
                session,
                self.team.trainer,
                person_id=person.id,
                rubric_key=rubric,
                setting=setting,
                observed_on=self.clock.now().date(),
                ratings={c.key: (level, "") for c in choice.rubric.competencies},
                now=self.clock.advance(minutes=1),
            )

    def ready(self, person: Person) -> None:
        """Everything Orientation asks: its modules and the signed program policies."""
        self.study(person, *ORIENTATION)
        self.acknowledge(person)

    def oriented(self, person: Person) -> issuance.Issued:
        self.ready(person)
        return self.issue(person)

    def later(self, days: int) -> None:
        self.clock.current += timedelta(days=days)


@pytest.fixture
def org(sqlite_db: Database, clock: FakeClock, sqlite_team: Team) -> Org:
    return Org(sqlite_db, clock, sqlite_team)
