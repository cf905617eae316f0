"""Two managers issue the same person's credential at the same moment, each on their own
connection. On PostgreSQL both read "no credential yet" before either writes; on SQLite the
second cannot even read until the first is done (writers take the lock up front, BEGIN
IMMEDIATE), so it waits and then finds the credential. Either way the database lets one through
and refuses the other, with a message."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tests.conftest import FakeClock, Team
from tests.core.credential_fixtures import Org
from trainer.core.db import Database
from trainer.core.errors import TrainerError
from trainer.core.models import Credential
from trainer.core.services import eligibility, issuance


def test_only_one_of_two_simultaneous_issues_lands(
    db: Database, clock: FakeClock, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = Org(db, clock, team)
    org.ready(team.trainee)
    key = org.unlock()
    # PostgreSQL: neither writes until both have seen "no credential yet". SQLite: the second
    # is still waiting for the lock, so the first goes on alone after a second.
    both_read = threading.Barrier(2, timeout=30 if not db.is_sqlite else 1)
    load = eligibility.records

    def records_then_wait(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = load(*args, **kwargs)
        try:
            both_read.wait()
        except threading.BrokenBarrierError:
            assert db.is_sqlite, "on PostgreSQL both managers read before either writes"
        return found

    monkeypatch.setattr(eligibility, "records", records_then_wait)
    outcomes: list[object] = []

    def manager() -> None:
        try:
            with db.begin() as session:
                outcomes.append(
                    issuance.issue(
                        session, team.manager, key, team.trainee.id, "orientation", now=clock.now()
                    )
                )
        except TrainerError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=manager) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(outcomes) == 2, outcomes
    issued = [o for o in outcomes if isinstance(o, issuance.Issued)]
    refused = [o for o in outcomes if isinstance(o, TrainerError)]
    assert len(issued) == 1 and len(refused) == 1, outcomes
    said = str(refused[0]).lower()
    assert any(w in said for w in ("a moment ago", "try again", "already holds it")), said
    with db.begin() as session:
        count = session.scalar(select(func.count()).select_from(Credential))
    assert count == 1
