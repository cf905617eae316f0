"""An organization with the shipped rubrics published, a second trainer, and helpers to record
observations and training sessions."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from tests.conftest import FakeClock, Team, make_person
from trainer.core.db import Database
from trainer.core.models import AuditEntry, Person, Role
from trainer.core.paths import bundled_content_root
from trainer.core.rubric import parse_rubric
from trainer.core.services import library, observations, training_sessions

RUBRICS = bundled_content_root() / "certificates" / "rubrics"
FIELD = "field-competencies"


def rubric(key: str = FIELD):
    found, _ = parse_rubric((RUBRICS / f"{key}.yaml").read_text(encoding="utf-8"))
    assert found is not None
    return found


def ratings(key: str = FIELD, level: int = 3, comment: str = "") -> dict[str, tuple[int, str]]:
    return {c.key: (level, comment) for c in rubric(key).competencies}


class Evidence:
    """A team whose library holds only the shipped rubrics (a copy: quick to import, and other
    content being edited cannot break these tests)."""

    def __init__(self, db: Database, clock: FakeClock, team: Team, root: Path) -> None:
        self.db, self.clock, self.team = db, clock, team
        shutil.copytree(RUBRICS, root / "certificates" / "rubrics")
        with db.begin() as session:
            report = library.import_bundled(session, root, now=clock.now())
        assert report.errors == [] and len(report.added) >= 2
        self.other_trainer = make_person(db, clock, team.admin, "trudy", Role.TRAINER)

    @property
    def today(self) -> date:
        return self.clock.now().date()

    def observe(self, person: Person, who: Person | None = None, **changes: Any) -> int:
        arguments: dict[str, Any] = {
            "person_id": person.id,
            "rubric_key": FIELD,
            "setting": "field",
            "observed_on": self.today,
            "ratings": ratings(),
            "notes": "Mediated a dispute over a parking space.",
        }
        arguments.update(changes)
        with self.db.begin() as session:
            row = observations.record_observation(
                session, who or self.team.trainer, now=self.clock.now(), **arguments
            )
            return row.id

    def record_session(self, who: Person | None = None, **changes: Any) -> int:
        arguments: dict[str, Any] = {
            "topic": "Safety planning before outreach",
            "held_on": self.today,
            "hours": 1.5,
            "delivery": "in-person",
            "facilitator": "Tina Person",
            "attendee_ids": [self.team.trainee.id, self.team.other_trainee.id],
            "notes": "",
        }
        arguments.update(changes)
        with self.db.begin() as session:
            row = training_sessions.record_session(
                session, who or self.team.trainer, now=self.clock.now(), **arguments
            )
            return row.id

    def count(self, model: type) -> int:
        with self.db.begin() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0

    def actions(self) -> list[str]:
        with self.db.begin() as session:
            return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
