"""This computer remembers the audit log's head outside the database and notices a cut."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, update

from tests.conftest import Team
from tests.core.audit_fixtures import some_history
from tests.tampering import drop_guards
from trainer.core.audit import AuditHead, current_head
from trainer.core.models import AuditEntry, Organization
from trainer.core.paths import AppPaths, audit_heads_file
from trainer.core.remembered_heads import (
    KEEP,
    HeadMemory,
    check_and_remember,
    database_location,
    remember_live,
)


@pytest.fixture
def memory(config_dir: Path) -> HeadMemory:
    return HeadMemory.default()


def _check(db, memory: HeadMemory, clock):
    with db.begin() as session:
        return check_and_remember(session, memory, db.url, now=clock.now())


def _delete_from(db, first_id: int) -> None:
    with db.begin() as session:
        drop_guards(session)
        session.execute(
            delete(AuditEntry)
            .where(AuditEntry.id >= first_id)
            .execution_options(synchronize_session=False)
        )


def test_the_memory_lives_in_the_configuration_folder_not_the_data_folder(
    config_dir: Path, paths: AppPaths
) -> None:
    assert audit_heads_file() == config_dir / "audit-heads.json"
    assert paths.audit_heads == audit_heads_file() and paths.config_dir == config_dir
    assert paths.data_dir not in paths.audit_heads.parents


def test_first_sight_remembers_without_warning(team: Team, db, memory, clock) -> None:
    seen = _check(db, memory, clock)
    assert seen.before is None and seen.warning is None and seen.saved
    with db.begin() as session:
        head = current_head(session)
    assert memory.recall(database_location(db.url)).head == head


def test_a_log_that_grew_is_fine(team: Team, db, memory, clock) -> None:
    _check(db, memory, clock)
    some_history(db, clock, 2)
    seen = _check(db, memory, clock)
    assert seen.comparison.intact and seen.warning is None


def test_a_shorter_log_is_a_warning_with_both_counts(team: Team, db, memory, clock) -> None:
    some_history(db, clock, 3)
    before = _check(db, memory, clock)
    with db.begin() as session:
        then = current_head(session).entries
    _delete_from(db, then - 2)
    seen = _check(db, memory, clock)
    assert seen.warning == (
        f"The audit log has fewer entries than when this computer last saw it ({then} then, "
        f"{then - 3} now): entries were deleted. Check the database and restore from a backup "
        "if needed."
    )
    assert before.warning is None
    assert _check(db, memory, clock).warning is None  # remembered after the check: said once


def test_a_rewritten_log_is_a_warning(team: Team, db, memory, clock) -> None:
    _check(db, memory, clock)
    with db.begin() as session:
        last = current_head(session).entries
        drop_guards(session)
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.id == last)
            .values(hash="f" * 64)
            .execution_options(synchronize_session=False)
        )
    seen = _check(db, memory, clock)
    assert seen.warning.startswith(f"The audit log was rewritten: entry {last} is not the one")
    assert "2026-03-02 09:00 UTC" in seen.warning


def test_another_organization_in_the_same_place_is_a_warning(team: Team, db, memory, clock) -> None:
    _check(db, memory, clock)
    with db.begin() as session:
        session.execute(update(Organization).values(uid="00000000-0000-4000-8000-000000000000"))
    assert "belongs to another organization" in _check(db, memory, clock).warning


def test_a_database_without_an_organization_is_not_remembered(db, memory, clock) -> None:
    seen = _check(db, memory, clock)
    assert seen.warning is None and not seen.saved and not memory.file.exists()


def test_a_damaged_memory_file_counts_as_never_seen(team: Team, db, memory, clock) -> None:
    memory.file.parent.mkdir(parents=True)
    memory.file.write_text("{ not json")
    assert _check(db, memory, clock).before is None
    assert json.loads(memory.file.read_text())["version"] == 1
    key = next(iter(json.loads(memory.file.read_text())["databases"]))
    memory.file.write_text(json.dumps({"databases": {key: {"entries": -1}}}))
    assert _check(db, memory, clock).before is None


def test_an_unwritable_configuration_folder_never_stops_work(
    team: Team, db, clock, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    memory = HeadMemory(blocker / "audit-heads.json")
    seen = _check(db, memory, clock)
    assert not seen.saved and seen.warning is None
    with db.begin() as session:
        assert not remember_live(session, memory, db.url, now=clock.now())


def test_the_memory_keeps_the_most_recently_seen_databases(memory, clock) -> None:
    for i in range(KEEP + 5):
        memory.remember(
            f"/db/{i}", "urn:uuid:x", AuditHead(1, "a" * 64), now=clock.advance(hours=1)
        )
    records = json.loads(memory.file.read_text())["databases"]
    assert len(records) == KEEP
    assert memory.recall("/db/0") is None and memory.recall(f"/db/{KEEP + 4}") is not None


def test_a_database_is_known_by_where_it_is_never_by_its_password(tmp_path: Path) -> None:
    a = database_location(f"sqlite:///{tmp_path}/x/../data/db.sqlite3")
    assert a == database_location(f"sqlite:///{tmp_path}/data/db.sqlite3")
    server = database_location("postgresql+psycopg://u:secret@host:5432/cvi")
    assert "secret" not in server and "host:5432/cvi" in server
