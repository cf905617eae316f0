"""Concurrent seats lose nothing: separate processes writing at once on SQLite and PostgreSQL, the
lockout race, and a long-held write lock answered with a clear message and nothing half-written."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select

from tests.conftest import PASSWORD, FakeClock, Team
from tests.reliability import concurrency_workers as workers
from trainer.core import db as db_module
from trainer.core.audit import AUDIT_LOCK_KEY, verify_chain
from trainer.core.db import Database
from trainer.core.errors import DatabaseBusyError
from trainer.core.models import AuditEntry, FieldHourEntry, Person
from trainer.core.services import field_hours

PROCESSES, ACTIONS = 4, 100
BUSY = "Another person is saving right now"


def _count(db: Database, what: object, *where: object) -> int:
    with db.begin() as session:
        return int(session.scalar(select(func.count()).select_from(what).where(*where)) or 0)


def _actions(db: Database, action: str) -> int:
    return _count(db, AuditEntry, AuditEntry.action == action)


def _chain_intact(db: Database) -> bool:
    with db.begin() as session:
        report = verify_chain(session)
    return report.intact


def test_four_processes_logging_field_hours_lose_nothing(db: Database, team: Team) -> None:
    errors = workers.run_together(
        workers.log_hours, [(db.url, team.trainee.id, ACTIONS)] * PROCESSES
    )
    assert errors == {}
    assert _count(db, FieldHourEntry) == PROCESSES * ACTIONS
    assert _actions(db, "hours.logged") == PROCESSES * ACTIONS
    assert _chain_intact(db)


def test_four_processes_adding_people_lose_no_one(db: Database, team: Team) -> None:
    errors = workers.run_together(
        workers.add_people,
        [(db.url, team.admin.id, f"p{n}-", ACTIONS) for n in range(PROCESSES)],
    )
    assert errors == {}
    assert _count(db, Person, Person.username.like("p%-%")) == PROCESSES * ACTIONS
    assert _actions(db, "person.added") == PROCESSES * ACTIONS + 4  # + the team's four
    assert _chain_intact(db)


def test_sixteen_parallel_sign_ins_with_unknown_usernames_are_all_audited(
    db: Database, team: Team
) -> None:
    errors = workers.run_together(
        workers.wrong_password, [(db.url, f"nobody{n}") for n in range(16)]
    )
    assert errors == {}
    assert _actions(db, "sign_in.failed") == 16
    assert _chain_intact(db)


def test_sixteen_parallel_wrong_passwords_lock_the_account(db: Database, team: Team) -> None:
    errors = workers.run_together(workers.wrong_password, [(db.url, "tom")] * 16)
    assert errors == {}
    with db.begin() as session:
        tom = session.get(Person, team.trainee.id)
        assert tom is not None and tom.locked_until is not None
    # Every attempt is on record, and only as many passwords were tried as the lockout allows
    # (5): the others were refused because the account was locked, their passwords unchecked.
    assert _actions(db, "sign_in.failed") == 5
    assert _actions(db, "sign_in.refused") == 11
    assert _actions(db, "account.locked") == 1
    assert _chain_intact(db)


# --- a save held open by another desktop --------------------------------------------------------


@contextmanager
def another_desktop_saving(db: Database) -> Iterator[Callable[[], None]]:
    """Another connection in the middle of a save, holding what every writer waits for: SQLite's
    write lock; on PostgreSQL the audit log's turn. Yields `release` (also called at the end)."""
    once = threading.Lock()  # released by a timer thread, or at the end, whichever comes first
    if db.is_sqlite:
        con = sqlite3.connect(
            db.engine.url.database or "", isolation_level=None, check_same_thread=False
        )
        con.execute("BEGIN IMMEDIATE")

        def release() -> None:
            if once.acquire(blocking=False):
                con.rollback()
                con.close()
    else:
        engine = create_engine(db.url)
        holder = engine.connect()
        holder.execute(select(func.pg_advisory_xact_lock(AUDIT_LOCK_KEY)))

        def release() -> None:
            if once.acquire(blocking=False):
                holder.rollback()
                holder.close()
                engine.dispose()

    try:
        yield release
    finally:
        release()


def _hours(db: Database, team: Team, clock: FakeClock) -> Callable[..., object]:
    entry = field_hours.NewHours(clock.now().date() - timedelta(days=1), 2.0, "outreach", "walk")
    return lambda session: field_hours.log_hours(session, team.trainee, entry, now=clock.now())


def _short_lock_timeout(db: Database, monkeypatch: pytest.MonkeyPatch, ms: int) -> None:
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", ms)
    db.engine.dispose()  # new connections take the new timeout


def test_a_save_waiting_past_the_lock_timeout_says_so_and_writes_nothing(
    db: Database, team: Team, clock: FakeClock
) -> None:
    before = _count(db, AuditEntry)
    with another_desktop_saving(db), pytest.raises(DatabaseBusyError, match=BUSY):
        with db.begin() as session:  # as every screen saves: one attempt, the full 5 s wait
            _hours(db, team, clock)(session)
    assert _count(db, FieldHourEntry) == 0
    assert _count(db, AuditEntry) == before
    assert _chain_intact(db)


def test_run_tries_again_and_saves_once_the_other_save_is_done(
    db: Database, team: Team, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _short_lock_timeout(db, monkeypatch, 1000)
    with another_desktop_saving(db) as release:
        threading.Timer(1.5, release).start()  # after the first attempt gave up waiting
        db.run(_hours(db, team, clock))
    assert _count(db, FieldHourEntry) == 1
    assert _actions(db, "hours.logged") == 1
    assert _chain_intact(db)


def test_run_gives_up_with_the_message_and_nothing_half_written(
    db: Database, team: Team, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _short_lock_timeout(db, monkeypatch, 300)
    before = _count(db, AuditEntry)
    with another_desktop_saving(db), pytest.raises(DatabaseBusyError, match=BUSY):
        db.run(_hours(db, team, clock))
    assert (_count(db, FieldHourEntry), _count(db, AuditEntry)) == (0, before)


def test_cli_while_another_desktop_saves_says_so_in_one_line(
    sqlite_db: Database,
    sqlite_team: Team,
    paths,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from trainer.cli import PASSWORD_ENV, main

    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 300)
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with another_desktop_saving(sqlite_db):
        code = main(["people", "list", "--as", "ada", "--data-dir", str(paths.data_dir)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("cvi-trainer: " + BUSY) and err.count("\n") == 1


# --- the screens -------------------------------------------------------------------------------


def test_logging_hours_while_another_desktop_saves_shows_the_message_and_keeps_the_entry(
    qtbot, sqlite_db: Database, sqlite_team: Team, clock: FakeClock, paths, monkeypatch
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDialog

    from trainer.core.paths import bundled_content_root
    from trainer.ui import dialogs
    from trainer.ui.context import AppContext
    from trainer.ui.views.my_credentials import HoursTab

    _short_lock_timeout(sqlite_db, monkeypatch, 300)
    ctx = AppContext.for_database(sqlite_db, clock, paths, bundled_content_root())
    tab = HoursTab(ctx, sqlite_team.trainee)
    dialog = dialogs.LogHoursDialog(tab, clock.now().date(), None)
    qtbot.addWidget(tab)
    dialog.submit = tab._submit  # as LogHoursDialog.ask wires it
    dialog.show()
    dialog.hours.setValue(3.5)
    dialog.notes.setPlainText("Evening outreach with Sam")
    with another_desktop_saving(sqlite_db):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert BUSY in dialog.error_label.text() and dialog.error_label.isVisible()
    assert dialog.notes.toPlainText() == "Evening outreach with Sam"
    assert dialog.hours.value() == 3.5
    assert _count(sqlite_db, FieldHourEntry) == 0
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # trying again works
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert _count(sqlite_db, FieldHourEntry) == 1


def test_signing_in_while_another_desktop_saves_says_so_and_keeps_what_was_typed(
    qtbot, sqlite_db: Database, sqlite_team: Team, clock: FakeClock, paths, monkeypatch
) -> None:
    from PySide6.QtCore import Qt

    from trainer.core.paths import bundled_content_root
    from trainer.ui.context import AppContext
    from trainer.ui.views.sign_in import SignInView

    _short_lock_timeout(sqlite_db, monkeypatch, 300)
    view = SignInView(AppContext.for_database(sqlite_db, clock, paths, bundled_content_root()))
    qtbot.addWidget(view)
    qtbot.keyClicks(view.username, "tom")
    qtbot.keyClicks(view.password, PASSWORD)
    with another_desktop_saving(sqlite_db), qtbot.assertNotEmitted(view.signed_in):
        qtbot.keyClick(view.password, Qt.Key.Key_Return)
    assert BUSY in view.message.text()
    assert (view.username.text(), view.password.text()) == ("tom", PASSWORD)
    with qtbot.waitSignal(view.signed_in):
        qtbot.keyClick(view.password, Qt.Key.Key_Return)


def test_a_busy_database_met_outside_any_form_is_shown_as_a_message(monkeypatch) -> None:
    from trainer.app import report_trainer_errors
    from trainer.ui import messages

    shown: list[str] = []
    passed_on: list[BaseException] = []
    monkeypatch.setattr(messages, "error", lambda parent, title, text: shown.append(text))
    hook = report_trainer_errors(None, lambda kind, exc, tb: passed_on.append(exc))
    hook(DatabaseBusyError, DatabaseBusyError(db_module.BUSY_MESSAGE), None)
    other = RuntimeError("a bug")
    hook(RuntimeError, other, None)
    assert shown[0] == db_module.BUSY_MESSAGE
    assert passed_on == [other]  # a bug still reaches the usual handler (its traceback to stderr)
    assert len(shown) == 2 and "(RuntimeError: a bug)" in shown[1]
    assert "Traceback" not in shown[1] and "please report" in shown[1].lower()


def test_a_batch_issuance_waits_out_another_save_and_issues_everyone(
    db: Database, team: Team, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each person's credential is tried again when another desktop holds the database past the
    wait; the batch neither stops nor skips anyone."""
    from tests.core.credential_fixtures import Org
    from trainer.core.models import Credential
    from trainer.core.services import issuance

    org = Org(db, clock, team)
    people = [team.trainee, team.other_trainee]
    for person in people:
        org.ready(person)
    key = org.unlock()
    _short_lock_timeout(db, monkeypatch, 1000)
    with ExitStack() as stack:

        def other_desktop_saves_after_the_first(done: int, total: int, name: str) -> bool:
            if done == 1:  # while the second person is issued, and past its first wait
                release = stack.enter_context(another_desktop_saving(db))
                threading.Timer(1.5, release).start()
            return True

        result = issuance.issue_batch(
            db.begin,
            team.manager,
            key,
            [p.id for p in people],
            "orientation",
            now=clock.now(),
            progress=other_desktop_saves_after_the_first,
        )
    assert [i.holder_name for i in result.issued] == [p.full_name for p in people]
    assert result.refused == [] and not result.cancelled
    assert _count(db, Credential) == 2
    assert _actions(db, "credential.issued") == 2
    assert _chain_intact(db)
