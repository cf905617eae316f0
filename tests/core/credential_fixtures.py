"""An organization with the shipped content, a signing key and helpers to earn credentials."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import FakeClock, Team
from trainer.core.db import Database
from trainer.core.demo import _play_best, _study
from trainer.core.models import Person
from trainer.core.paths import bundled_content_root
from trainer.core.services import field_hours, issuance, library, signing_keys
from trainer.core.signing import UnlockedKey

PASSPHRASE = "correct horse signing"
ORIENTATION = ("core-01-cvi-field", "core-02-ethics-boundaries-police", "core-06-field-safety")


class Org:
    """A team whose organization has the bundled content and an issuing key."""

    def __init__(self, db: Database, clock: FakeClock, team: Team) -> None:
        self.db, self.clock, self.team = db, clock, team
        with db.begin() as session:
            library.import_bundled(session, bundled_content_root(), now=clock.now())
            signing_keys.create_first_key(session, team.admin, PASSPHRASE, now=clock.now())

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

    def oriented(self, person: Person) -> issuance.Issued:
        self.study(person, *ORIENTATION)
        return self.issue(person)

    def later(self, days: int) -> None:
        self.clock.current += timedelta(days=days)


@pytest.fixture
def org(sqlite_db: Database, clock: FakeClock, sqlite_team: Team) -> Org:
    return Org(sqlite_db, clock, sqlite_team)
