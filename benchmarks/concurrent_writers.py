"""Concurrent seats: actions attempted and recorded when separate processes write at once, on
SQLite and on PostgreSQL (a throwaway server, or CVI_TEST_POSTGRES_URL, which is wiped).

4 processes x 100 field-hour entries, 4 processes x 100 people added, 16 sign-ins with unknown
usernames at once, 16 wrong passwords for one account at once. Prints, per database, what was attempted, what was recorded, the errors by kind,
whether the account ended up locked and whether the audit chain is intact.

    python -m benchmarks.concurrent_writers [--processes 4] [--actions 100]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from sqlalchemy import func, select

from tests.conftest import FakeClock, Team, _reset_postgres
from tests.reliability import concurrency_workers as workers
from trainer.core.audit import verify_chain
from trainer.core.db import Database, open_database
from trainer.core.models import AuditEntry, FieldHourEntry, Person
from trainer.core.paths import ENV_CONFIG, AppPaths


def _count(db: Database, what: object, *where: object) -> int:
    with db.begin() as session:
        return int(session.scalar(select(func.count()).select_from(what).where(*where)) or 0)


def _errors(errors: dict[str, int]) -> str:
    return ", ".join(f"{k} x{v}" if v else k for k, v in sorted(errors.items())) or "none"


def measure(name: str, db: Database, processes: int, actions: int) -> None:
    team = Team(db, FakeClock())
    url = db.url
    print(f"== {name}")
    errors = workers.run_together(workers.log_hours, [(url, team.trainee.id, actions)] * processes)
    recorded = _count(db, FieldHourEntry)
    print(
        f"field hours: attempted {processes * actions}, recorded {recorded}; errors: "
        f"{_errors(errors)}"
    )
    errors = workers.run_together(
        workers.add_people, [(url, team.admin.id, f"p{n}-", actions) for n in range(processes)]
    )
    recorded = _count(db, Person, Person.username.like("p%-%"))
    print(
        f"people added: attempted {processes * actions}, recorded {recorded}; errors: "
        f"{_errors(errors)}"
    )
    failed = ["sign_in.failed", "sign_in.refused"]
    errors = workers.run_together(workers.wrong_password, [(url, f"x{n}") for n in range(16)])
    before = _count(db, AuditEntry, AuditEntry.action.in_(failed))
    print(f"unknown usernames: attempted 16, audited {before}; errors: {_errors(errors)}")
    errors = workers.run_together(workers.wrong_password, [(url, "tom")] * 16)
    audited = _count(db, AuditEntry, AuditEntry.action.in_(failed)) - before
    with db.begin() as session:
        tom = session.get(Person, team.trainee.id)
        locked = tom is not None and tom.locked_until is not None
        intact = verify_chain(session).intact
    print(
        f"wrong passwords: attempted 16, audited {audited}, account locked: {locked}; errors: "
        f"{_errors(errors)}"
    )
    print(f"audit chain intact: {intact}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--actions", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ[ENV_CONFIG] = str(Path(tmp) / "config")
        db = open_database(AppPaths(Path(tmp) / "data"))
        measure("SQLite", db, args.processes, args.actions)
        db.dispose()
    url = os.environ.get("CVI_TEST_POSTGRES_URL")
    server = None
    if not url:
        from tests.postgres_server import ThrowawayPostgres

        server = ThrowawayPostgres()
        url = server.start()
        if url is None:
            print(f"PostgreSQL skipped: {server.reason}")
            return
    try:
        _reset_postgres(url)
        db = open_database(url=url)
        measure("PostgreSQL", db, args.processes, args.actions)
        db.dispose()
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
