"""Someone with write access to the database file attacks the audit log with plain SQL: cuts its
end, empties it, or edits a middle entry and recomputes every later hash. The chain walks cleanly
after each; the head carried by a backup, and the one this computer remembers, do not."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import Team
from tests.core.audit_fixtures import HEAD_PASSPHRASE, add_signing_key, some_history
from tests.tampering import drop_guards
from trainer.cli import main
from trainer.core.audit import entry_hash
from trainer.core.models import AuditEntry
from trainer.core.paths import DATABASE_FILE
from trainer.core.signing import generate_key

FORGER = "the attacker's own passphrase"

Attack = Callable[[Path], str]  # changes the file; returns what the report must name


def _connect(folder: Path) -> sqlite3.Connection:
    con = sqlite3.connect(folder / DATABASE_FILE)
    drop_guards(con)  # the attacker's tool: the database itself refuses these edits
    return con


def _last_id(con: sqlite3.Connection) -> int:
    return int(con.execute("SELECT max(id) FROM audit_entry").fetchone()[0])


def cut_the_end(folder: Path) -> str:
    con = _connect(folder)
    last = _last_id(con)
    # The last entry records Monday's backup itself, so it is not in the backup's head.
    con.execute("DELETE FROM audit_entry WHERE id > ?", (last - 4,))
    con.commit()
    con.close()
    return "3 entries are missing since the head of backup monday.sqlite3"


def empty_the_log(folder: Path) -> str:
    con = _connect(folder)
    last = _last_id(con)
    con.execute("DELETE FROM audit_entry")
    con.commit()
    con.close()
    # The backup's head stops one entry short: the last entry records the backup itself.
    return f"{last - 1} entries are missing since the head of backup monday.sqlite3"


def rewrite_the_middle(folder: Path) -> str:
    """Change who entry 4 names, then recompute entry 4 and every later hash and link, exactly as
    the app would have written them: the chain is consistent again."""
    con = _connect(folder)
    rows = con.execute(
        "SELECT id, at, actor_id, actor_name, action, target, details, prev_hash FROM audit_entry "
        "WHERE id >= 4 ORDER BY id"
    ).fetchall()
    prev_hash = rows[0][7]
    for entry_id, at, actor_id, actor_name, action, target, details, _ in rows:
        entry = AuditEntry(
            id=entry_id,
            at=datetime.fromisoformat(at).replace(tzinfo=UTC),
            actor_id=actor_id,
            actor_name=actor_name,
            action=action,
            target="someone-else" if entry_id == 4 else target,
            details=details,
            prev_hash=prev_hash,
        )
        new_hash = entry_hash(entry)
        con.execute(
            "UPDATE audit_entry SET target = ?, prev_hash = ?, hash = ? WHERE id = ?",
            (entry.target, prev_hash, new_hash, entry_id),
        )
        prev_hash = new_hash
    con.commit()
    con.close()
    # The head names the entry before the last: the last records the backup itself.
    return f"The log was rewritten at or before entry {rows[-2][0]}"


ATTACKS = [cut_the_end, empty_the_log, rewrite_the_middle]


@pytest.fixture
def victim(sqlite_team: Team, sqlite_db, clock, paths, tmp_path: Path, monkeypatch) -> Path:
    """An organization with some history and a signing key, and Monday's signed backup."""
    some_history(sqlite_db, clock, 4)
    add_signing_key(sqlite_db, clock, sqlite_team.admin)
    monkeypatch.setenv("CVI_TRAINER_SIGNING_PASSPHRASE", HEAD_PASSPHRASE)
    backup = tmp_path / "monday.sqlite3"
    assert main(["backup", "-o", str(backup), "--data-dir", str(paths.data_dir)]) == 0
    return paths.data_dir


def _verify(capsys, folder: Path, *extra: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["audit", "verify", "--data-dir", str(folder), *extra])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_chain_alone_does_not_see_the_attack_but_the_backups_head_does(
    victim: Path, tmp_path: Path, capsys, attack: Attack
) -> None:
    expected = attack(victim)
    code, out, err = _verify(capsys, victim)
    assert code == 0 and "Audit log intact" in out  # the attack's whole point
    code, out, err = _verify(capsys, victim, "--against", str(tmp_path / "monday.sqlite3"))
    assert code == 1
    assert expected in err
    assert "The head is signed with this organization's key." in out


@pytest.mark.parametrize("attack", ATTACKS)
def test_this_computer_remembers_the_log_and_warns(victim: Path, capsys, attack: Attack) -> None:
    code, _, err = _verify(capsys, victim)
    assert code == 0 and "WARNING" not in err  # seen once: remembered
    attack(victim)
    code, _, err = _verify(capsys, victim)
    assert code == 1
    if attack is rewrite_the_middle:
        assert "WARNING: The audit log was rewritten: entry" in err
    else:
        assert "WARNING: The audit log has fewer entries than when this computer last saw it" in err
        assert (
            "entries were deleted. Check the database and restore from a backup if needed." in err
        )


def test_replacing_the_keys_in_the_database_does_not_launder_a_signed_head(
    victim: Path, tmp_path: Path, capsys
) -> None:
    cut_the_end(victim)
    con = _connect(victim)  # the attacker's own key in place of the organization's
    con.execute(
        "UPDATE signing_key SET public_jwk = ?", (json.dumps(generate_key(FORGER).public_jwk),)
    )
    con.commit()
    con.close()
    code, _, err = _verify(capsys, victim, "--against", str(tmp_path / "monday.sqlite3"))
    assert code == 1
    assert "3 entries are missing" in err
    assert "signed, but its signature does not check out" in err


def test_the_app_warns_at_start_when_the_log_was_cut(
    qtbot, victim: Path, sqlite_db, clock, paths, monkeypatch
) -> None:
    from PySide6.QtWidgets import QApplication

    from trainer import app
    from trainer.core.paths import bundled_content_root
    from trainer.ui import messages
    from trainer.ui.context import AppContext
    from trainer.ui.main_window import MainWindow

    ctx = AppContext.for_database(sqlite_db, clock, paths, bundled_content_root())
    assert app._check_audit_head(ctx) is None  # an earlier start saw the log
    cut_the_end(victim)
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(messages, "error", lambda _parent, title, text: shown.append((title, text)))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    app._after_show(ctx, window, QApplication.instance())
    [(title, text)] = shown
    assert title == "The audit log was changed"
    assert text.startswith("The audit log has fewer entries than when this computer last saw it (")
    assert "entries were deleted" in text
