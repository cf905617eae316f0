"""Composition root: paths -> pre-flight -> QApplication -> MainWindow -> database (migrated).

The sign-in form is shown after a standard-library pre-flight read (which refuses a damaged or
newer database before any window) and takes typing at once. Once it is drawn, a thread opens the
database (creating, migrating or seeding the demo as needed, with a progress window for the demo)
and imports bundled content; the Sign in button waits for it, or the first-run set-up follows.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from trainer import APP_NAME, __version__
from trainer.core.clock import SystemClock
from trainer.core.errors import TrainerError
from trainer.core.paths import AppPaths, bundled_content_root, clear_running, mark_running
from trainer.core.preflight import SCHEMA_HEAD, preflight_sqlite

# Benchmarks set this (benchmarks/startup.py): once the sign-in form is drawn, a key is pressed in
# it and "painted <time>" printed; the app then quits, or with the value "ready" waits for the
# database, prints "ready <time>" and quits.
EXIT_WHEN_SHOWN_ENV = "CVI_TRAINER_EXIT_WHEN_SHOWN"


def _open(paths: AppPaths, url: str | None, demo: bool):  # -> Database
    from trainer.core.db import open_database

    db = open_database(None if url else paths, url)
    if demo:
        from trainer.core.demo import seed_demo
        from trainer.core.services.accounts import get_organization

        with db.begin() as session:
            if get_organization(session) is None:
                seed_demo(session, now=SystemClock().now())
    return db


def run(paths: AppPaths, url: str | None, *, demo: bool = False) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from trainer.ui.context import AppContext
    from trainer.ui.fonts import add_bundled_fonts
    from trainer.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    # Names in any script show without the machine's fonts. Before the window: afterwards every
    # widget would be laid out again, and Qt's font database, read here, is needed for the
    # first paint anyway, so this costs ~1-3 ms more.
    add_bundled_fonts(app)
    quick = os.environ.get(EXIT_WHEN_SHOWN_ENV)

    def fail(exc: TrainerError, title: str = "CVI Trainer cannot start") -> int:
        print(f"cvi-trainer: {exc}", file=sys.stderr)
        if app.platformName() not in ("offscreen", "minimal") and not quick:
            from trainer.ui import messages

            messages.error(None, title, str(exc))
        return 1

    ctx = AppContext(
        open_db=lambda: _open(paths, url, demo),
        clock=SystemClock(),
        paths=None if url else paths,
        content_root=bundled_content_root(),
        demo=demo,
    )
    notice = None
    try:  # a damaged or newer database is refused here, before any window
        if url is None:
            facts = preflight_sqlite(paths)
            notice = facts.notice  # an interrupted restore: said here, shown after the window
            if notice:
                print(f"cvi-trainer: {notice}", file=sys.stderr)
            if facts.revision == SCHEMA_HEAD and facts.organization_name:
                ctx.organization_name = facts.organization_name
    except TrainerError as exc:
        return fail(exc)

    window = MainWindow(ctx, opening=True)
    previous_hook = sys.excepthook
    sys.excepthook = report_trainer_errors(window, previous_hook)

    def ready(warning: str | None) -> None:
        if not quick:  # benchmarks: no message boxes to wait on
            _report_start(window, notice, warning)
        elif quick == "ready":
            print(f"ready {time.time():.6f}", flush=True)
            app.quit()

    def failed(exc: BaseException) -> None:
        if isinstance(exc, TrainerError):
            fail(exc, "CVI Trainer cannot open its database")
        else:  # a bug: the usual report (standard error, one line on screen)
            sys.excepthook(type(exc), exc, exc.__traceback__)
        app.exit(1)

    def first_paint() -> None:
        window.open_database(
            lambda: _open_and_check(ctx),
            "Preparing the demo: people, training records and credentials…"
            if demo and ctx.organization_name is None
            else None,
        )
        if quick:
            QTimer.singleShot(
                0, lambda: _type_into_sign_in(window, app, quit_after=quick != "ready")
            )

    window.database_ready.connect(ready)
    window.database_failed.connect(failed)
    _on_first_paint(window.sign_in_view.username, first_paint)
    window.show()
    if url is None:
        mark_running(paths)  # lets `cvi-trainer restore` refuse while the app is open
    _quit_on_signals(app)
    if demo:
        print(f"CVI Trainer demo: data in {paths.data_dir}", file=sys.stderr)
    try:
        return app.exec()
    finally:
        window.wait_for_startup()
        sys.excepthook = previous_hook
        _remember_audit_head(ctx)
        ctx.dispose()
        if url is None:
            clear_running(paths)


def _on_first_paint(widget: Any, callback: Any) -> None:
    """Call back once, right after ``widget`` is first drawn (or after half a second if it never
    is, e.g. a minimised window): the database work starts once the form is on the screen."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                self.fire()
            return False

        def fire(self) -> None:
            if self.parent() is not None:
                widget.removeEventFilter(self)
                self.setParent(None)
                QTimer.singleShot(0, callback)  # after this paint has finished

    watcher = FirstPaint(widget)
    widget.installEventFilter(watcher)
    QTimer.singleShot(500, watcher.fire)


def _type_into_sign_in(window: Any, app: Any, *, quit_after: bool) -> None:
    """Benchmarks: the sign-in form is drawn; press a key in it and say when it was taken."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent

    field = window.sign_in_view.username
    press = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, "a")
    app.sendEvent(field, press)
    if field.text() == "a":
        print(f"painted {time.time():.6f}", flush=True)
    if quit_after:
        app.quit()


def report_trainer_errors(window: Any, previous: Any) -> Any:
    """An excepthook: a TrainerError no screen caught (another person saving while a list is
    refreshed, say) is shown as a message, not a traceback; the screen and what was typed stay.
    Anything else is a bug: the traceback goes to the usual handler (standard error, for the
    report) and the person sees one line saying so, never the traceback."""

    def hook(kind: type[BaseException], exc: BaseException, tb: Any) -> None:
        from trainer.ui import messages

        if not isinstance(exc, TrainerError):
            previous(kind, exc, tb)
            if isinstance(exc, Exception):
                first = (str(exc).strip().splitlines() or [""])[0][:200]
                messages.error(
                    window,
                    "CVI Trainer",
                    f"Something went wrong in CVI Trainer ({kind.__name__}: {first}). What you "
                    "typed on this screen is still there; nothing was half-saved. Please report "
                    "this to whoever looks after CVI Trainer for you.",
                )
            return
        print(f"cvi-trainer: {exc}", file=sys.stderr)
        messages.error(window, "CVI Trainer", str(exc))

    return hook


def _quit_on_signals(app: Any) -> None:
    """Ctrl+C or a polite kill closes the window properly (progress saved, demo folder removed)."""
    import signal

    from PySide6.QtCore import QTimer

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: app.closeAllWindows())
    # Qt's event loop does not return to Python on its own; a timer lets signal handlers run.
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(250)


def _open_and_check(ctx: Any) -> str | None:
    """Start-up's database work, run off the GUI thread: open the database (create, migrate, seed
    the demo), import content shipped with a newer app version, and compare the audit log with
    this computer's memory of it. Returns that comparison's warning, if any."""
    from trainer.core.services import library
    from trainer.core.services.accounts import get_organization

    db = ctx.db
    with db.begin() as session:
        if get_organization(session) is not None:
            library.import_bundled(session, ctx.content_root, now=ctx.clock.now())
    return _check_audit_head(ctx)


def _report_start(window: Any, notice: str | None, warning: str | None) -> None:
    """Say what start-up did to finish an interrupted restore, and warn if the audit log lost or
    changed entries since this computer last saw it."""
    from trainer.ui import messages

    if notice:
        messages.info(window, "An interrupted restore was settled", notice)
    if warning:
        print(f"cvi-trainer: {warning}", file=sys.stderr)
        messages.error(window, "The audit log was changed", warning)


def _after_show(ctx, window, app, notice: str | None = None) -> None:
    """Start-up's database work and its report, on the calling thread (run() uses a thread)."""
    from trainer.ui import messages

    try:
        warning = _open_and_check(ctx)
    except TrainerError as exc:
        print(f"cvi-trainer: {exc}", file=sys.stderr)
        messages.error(window, "CVI Trainer cannot open its database", str(exc))
        app.exit(1)
        return
    _report_start(window, notice, warning)


def _check_audit_head(ctx) -> str | None:
    """Compare the log with this computer's memory of it (core.remembered_heads), then remember
    the live head. Throwaway demo folders are neither checked nor remembered."""
    if ctx.demo:
        return None
    from trainer.core.remembered_heads import HeadMemory, check_and_remember

    db = ctx.db
    with db.begin() as session:
        seen = check_and_remember(session, HeadMemory.default(), db.url, now=ctx.clock.now())
    return seen.warning


def _remember_audit_head(ctx) -> None:
    """At close: the log as this computer leaves it, for the next start to compare with."""
    if ctx.demo or not ctx.db_is_open:
        return
    from sqlalchemy.exc import SQLAlchemyError

    from trainer.core.remembered_heads import HeadMemory, remember_live

    try:
        with ctx.db.begin() as session:
            remember_live(session, HeadMemory.default(), ctx.db.url, now=ctx.clock.now())
    except (TrainerError, SQLAlchemyError):
        pass  # a memory that cannot be updated never keeps the app from closing
