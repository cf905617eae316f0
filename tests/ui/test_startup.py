"""Start-up: the sign-in form is drawn and takes typing while the database opens on a thread;
signing in works once it is open; the first run and the demo follow; failures are shown."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QProgressDialog

from tests.cli.test_cli import run_cli
from tests.conftest import PASSWORD, Team
from trainer import app
from trainer.core import db as core_db
from trainer.core.errors import DatabaseError
from trainer.core.paths import bundled_content_root
from trainer.core.services import accounts
from trainer.ui.context import AppContext
from trainer.ui.main_window import MainWindow


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch):
    """Opening the database waits until the test opens the gate (a slow disk, a slow server)."""
    opened = threading.Event()
    real_open = core_db.open_database

    def slow_open(*args, **kwargs):
        assert opened.wait(30), "the test never let the database open"
        return real_open(*args, **kwargs)

    monkeypatch.setattr(core_db, "open_database", slow_open)
    yield opened
    opened.set()  # never leave the start-up thread waiting (closing the window waits for it)


def starting_window(qtbot, paths, clock, *, demo: bool = False) -> MainWindow:
    """What trainer.app.run builds: a window in its opening state, the database work started."""
    ctx = AppContext(
        open_db=lambda: app._open(paths, None, demo),
        clock=clock,
        paths=paths,
        content_root=bundled_content_root(),
        demo=demo,
    )
    window = MainWindow(ctx, opening=True)
    qtbot.addWidget(window)
    window.show()
    progress = "Preparing the demo…" if demo else None
    window.open_database(lambda: app._open_and_check(ctx), progress)
    return window


def test_sign_in_form_takes_typing_before_the_database_is_open_and_keeps_it(
    qtbot, sqlite_team: Team, sqlite_db, paths, clock, gate: threading.Event
) -> None:
    window = starting_window(qtbot, paths, clock)
    view = window.sign_in_view
    qtbot.waitExposed(window)
    assert view.isVisible()
    assert not view.button.isEnabled()
    assert view.button.text() == "Opening the database…"
    assert view.message.text() == "Opening the database…"

    qtbot.keyClicks(view.username, "tom")
    qtbot.keyClicks(view.password, PASSWORD)
    qtbot.keyClick(view.password, Qt.Key.Key_Return)  # too early: nothing happens yet
    assert view.username.text() == "tom" and window.workspace is None
    assert not window.ctx.db_is_open

    gate.set()
    qtbot.waitUntil(view.button.isEnabled, timeout=30_000)
    with sqlite_db.begin() as session:
        organization = accounts.get_organization(session)
        assert organization is not None
        assert view.heading.text() == organization.name
    assert view.button.text() == "&Sign in" and view.message.text() == ""
    assert (view.username.text(), view.password.text()) == ("tom", PASSWORD)
    qtbot.keyClick(view.password, Qt.Key.Key_Return)
    assert window.workspace is not None and window.person is not None
    assert window.person.username == "tom"


def test_first_run_shows_the_set_up_once_the_database_is_created(
    qtbot, paths, clock, gate: threading.Event
) -> None:
    window = starting_window(qtbot, paths, clock)
    assert window.stack.currentWidget() is window.sign_in_view
    assert window.setup_view is None
    gate.set()
    qtbot.waitUntil(lambda: window.setup_view is not None, timeout=30_000)
    assert window.stack.currentWidget() is window.setup_view
    assert paths.database.exists()


def test_seeding_the_demo_shows_a_progress_window_until_it_is_done(
    qtbot, paths, clock, gate: threading.Event
) -> None:
    window = starting_window(qtbot, paths, clock, demo=True)
    [progress] = window.findChildren(QProgressDialog)
    assert progress.isVisible() and progress.labelText() == "Preparing the demo…"
    qtbot.keyClicks(window.sign_in_view.username, "ada")  # the form still takes typing
    assert window.sign_in_view.username.text() == "ada"
    gate.set()
    qtbot.waitUntil(window.sign_in_view.button.isEnabled, timeout=60_000)
    assert window.progress is None
    assert not [p for p in window.findChildren(QProgressDialog) if p.isVisible()]
    assert window.sign_in_view.heading.text() != "CVI Trainer"  # the demo organization's name


def test_a_database_that_cannot_be_opened_is_reported_and_signing_in_stays_off(
    qtbot, paths, clock
) -> None:
    def refuse():
        raise DatabaseError("The database at X cannot be read.")

    ctx = AppContext(open_db=refuse, clock=clock, paths=paths, content_root=bundled_content_root())
    window = MainWindow(ctx, opening=True)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.database_failed, timeout=30_000) as failed:
        window.open_database(lambda: app._open_and_check(ctx))
    [exc] = failed.args
    assert isinstance(exc, DatabaseError) and "cannot be read" in str(exc)
    assert not window.sign_in_view.button.isEnabled()


def test_gui_with_a_bad_database_url_says_so_in_one_line_and_exits() -> None:
    result = run_cli("--database-url", "not a url", CVI_TRAINER_EXIT_WHEN_SHOWN="ready")
    assert result.returncode == 1
    assert "'not a url' is not a database URL" in result.stderr
    assert "Traceback" not in result.stderr and "ready" not in result.stdout


def test_the_app_reports_its_sign_in_form_painted_and_typed_into(sqlite_team: Team, paths) -> None:
    result = run_cli("--data-dir", str(paths.data_dir), CVI_TRAINER_EXIT_WHEN_SHOWN="ready")
    assert result.returncode == 0, result.stderr
    moments = dict(line.split(" ") for line in result.stdout.splitlines())
    assert set(moments) == {"painted", "ready"}


def test_typing_at_once_goes_into_the_username_field(
    qtbot, sqlite_team: Team, paths, clock, gate: threading.Event
) -> None:
    window = starting_window(qtbot, paths, clock)
    view = window.sign_in_view
    painted: list[bool] = []
    app._on_first_paint(view.username, lambda: painted.append(True))
    window.activateWindow()
    qtbot.waitUntil(lambda: painted == [True])
    assert QApplication.focusWidget() is view.username
    qtbot.keyClicks(QApplication.focusWidget(), "tom")
    assert view.username.text() == "tom"


def test_tab_goes_round_the_sign_in_form_without_stopping_elsewhere(
    qtbot, sqlite_team: Team, paths, clock
) -> None:
    window = starting_window(qtbot, paths, clock)
    view = window.sign_in_view
    qtbot.waitUntil(view.button.isEnabled, timeout=30_000)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.username)
    stops = []
    for _ in range(4):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        stops.append(QApplication.focusWidget())
    assert stops == [view.password, view.button, view.username, view.password]


def test_after_the_first_run_set_up_signing_in_works(
    qtbot, paths, clock, gate: threading.Event
) -> None:
    window = starting_window(qtbot, paths, clock)
    gate.set()
    qtbot.waitUntil(lambda: window.setup_view is not None, timeout=30_000)
    setup = window.setup_view
    setup.org_name.setText("Northside Peace Alliance")
    setup.signing.setText("river stones and lanterns")
    setup.signing_repeat.setText("river stones and lanterns")
    qtbot.mouseClick(setup.next, Qt.MouseButton.LeftButton)
    setup.admin_name.setText("Grace Admin")
    setup.admin_username.setText("grace")
    setup.password.setText(PASSWORD)
    setup.repeat.setText(PASSWORD)
    qtbot.mouseClick(setup.next, Qt.MouseButton.LeftButton)

    view = window.sign_in_view
    assert window.stack.currentWidget() is view
    assert view.button.isEnabled() and view.button.text() == "&Sign in"
    assert "Sign in as grace" in view.message.text()
    qtbot.keyClicks(view.username, "grace")
    qtbot.keyClicks(view.password, PASSWORD)
    qtbot.mouseClick(view.button, Qt.MouseButton.LeftButton)
    assert window.person is not None and window.person.username == "grace"


def test_the_menu_bar_is_in_the_first_drawn_window(qtbot, paths, clock) -> None:
    """Built after the first paint, it pushed the drawn form down (seconds later while the demo
    was being prepared)."""
    ctx = AppContext(
        open_db=lambda: app._open(paths, None, False),
        clock=clock,
        paths=paths,
        content_root=bundled_content_root(),
    )
    window = MainWindow(ctx, opening=True)
    qtbot.addWidget(window)
    assert [a.text() for a in window.menuBar().actions()] == ["&File", "&View", "&Help"]
