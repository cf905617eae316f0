"""Rules tested exactly at their edges, so a comparison written the wrong way round fails a test:
a pass mark reached exactly passes, one answer short fails; the same for a scenario's minimum
score; and an audit entry changed with its own hash recomputed is caught by the link to it."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select

from tests.conftest import FakeClock, Team
from tests.core.audit_fixtures import some_history
from tests.core.curriculum_fixtures import module_text
from tests.core.scenario_fixtures import SCENARIO
from trainer.core.audit import entry_hash, verify_chain
from trainer.core.curriculum import parse_module
from trainer.core.db import Database
from trainer.core.models import AuditEntry
from trainer.core.paths import AppPaths
from trainer.core.quiz import grade
from trainer.core.scenario import Engine, parse_scenario

# --- a knowledge check's pass mark ------------------------------------------------------------


def _ten_questions(pass_mark: str):
    """A module with ten single-choice questions (the first option right) and `pass_mark`."""
    questions = "\n".join(
        f"""    - id: q{i}
      type: single
      prompt: Situation {i}. What do you do next?
      options:
        - {{text: Right {i}, correct: true}}
        - {{text: Wrong {i}, explanation: No.}}"""
        for i in range(10)
    )
    head = module_text("mark-1", "Marks").split("knowledge_check:")[0]
    body = module_text("mark-1", "Marks").split("---\n", 2)[2]
    text = f"{head}knowledge_check:\n  pass_mark: {pass_mark}\n  questions:\n{questions}\n---\n"
    module, problems = parse_module(text + body)
    assert module is not None, problems
    return module


@pytest.mark.parametrize(
    ("pass_mark", "right", "passed"),
    [
        ("0.8", 8, True),  # exactly at the mark passes
        ("0.8", 7, False),  # one answer short fails
        ("0.7", 7, True),
        ("0.7", 6, False),
        ("1.0", 10, True),  # a mark of 100% is reachable
        ("1.0", 9, False),
    ],
)
def test_a_knowledge_check_passes_exactly_at_its_pass_mark(
    pass_mark: str, right: int, passed: bool
) -> None:
    module = _ten_questions(pass_mark)
    answers = {f"q{i}": 0 if i < right else 1 for i in range(10)}
    result = grade(module, answers)
    assert (result.correct, result.total) == (right, 10)
    assert result.passed is passed


# --- a scenario's minimum score ---------------------------------------------------------------

# In the fixture scenario, greeting (3 of 3 points) then walking away (0 of the 3 on offer) ends
# "partial" with exactly half the points; suggesting the chain goes back through you earns all.
HALF, FULL = [0, 2], [0, 0]


def _engine(min_score: str) -> Engine:
    text = SCENARIO.replace("pass: {min_score: 0.8,", f"pass: {{min_score: {min_score},")
    assert text != SCENARIO
    scenario, problems = parse_scenario(text)
    assert scenario is not None, problems
    return Engine(scenario)


@pytest.mark.parametrize(
    ("min_score", "path", "passed"),
    [
        ("0.5", HALF, True),  # exactly at the minimum passes
        ("0.51", HALF, False),  # just above what was earned fails
        ("1.0", FULL, True),  # a perfect path passes a 100% minimum
        ("1.0", HALF, False),
    ],
)
def test_a_scenario_passes_exactly_at_its_minimum_score(
    min_score: str, path: list[int], passed: bool
) -> None:
    engine = _engine(min_score)
    state = engine.replay(path)
    assert engine.is_ending(state)
    assert engine.score(state).fraction == (0.5 if path == HALF else 1.0)
    assert engine.passed(state) is passed


# --- the audit log's links --------------------------------------------------------------------


def _rewrite_with_its_own_hash(database: str, entry: AuditEntry, target: str) -> None:
    """Change one entry and recompute its hash, as someone holding the database file could: the
    entry is consistent with itself and only the next entry's link to it can show the change.
    Written through plain sqlite3, dropping any trigger that guards the table first (a deliberate
    edit with a tool, which is exactly what the chain is for)."""
    entry.target = target
    new_hash = entry_hash(entry)
    con = sqlite3.connect(database)
    try:
        table = AuditEntry.__tablename__
        for (name,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
        ).fetchall():
            con.execute(f'DROP TRIGGER "{name}"')
        con.execute(
            f"UPDATE {table} SET target = ?, hash = ? WHERE id = ?", (target, new_hash, entry.id)
        )
        con.commit()
    finally:
        con.close()


def test_an_entry_changed_with_its_hash_recomputed_breaks_the_next_link(
    sqlite_team: Team, sqlite_db: Database, clock: FakeClock, paths: AppPaths
) -> None:
    some_history(sqlite_db, clock)
    with sqlite_db.begin() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.id == 4)).one()
        session.expunge(entry)
    _rewrite_with_its_own_hash(str(paths.database), entry, "someone-else")

    with sqlite_db.begin() as session:
        changed = session.get(AuditEntry, 4)
        assert changed is not None and changed.target == "someone-else"
        assert entry_hash(changed) == changed.hash  # the entry alone looks untouched
        report = verify_chain(session)
    assert (report.first_bad_id, report.problem) == (
        5,
        "does not link to the entry before it (an entry before it was deleted or changed)",
    )
