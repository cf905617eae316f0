"""Composition root: paths -> pre-flight -> QApplication -> MainWindow -> database (migrated).

On the everyday path (an existing, current SQLite database) the sign-in window is shown after a
standard-library pre-flight read, and SQLAlchemy loads right after, while the person types. A first
run, a migration, demo seeding or a database URL open the database before the window instead.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from trainer import APP_NAME, __version__
from trainer.core.clock import SystemClock
from trainer.core.errors import TrainerError
from trainer.core.paths import AppPaths, bundled_content_root, clear_running, mark_running
from trainer.core.preflight import SCHEMA_HEAD, preflight_sqlite

# Benchmarks set this to quit as soon as the first window has been shown (benchmarks/startup.py).
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
    from trainer.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    quick = os.environ.get(EXIT_WHEN_SHOWN_ENV)

    def fail(exc: TrainerError) -> int:
        print(f"cvi-trainer: {exc}", file=sys.stderr)
        if app.platformName() not in ("offscreen", "minimal") and not quick:
            from trainer.ui import messages

            messages.error(None, "CVI Trainer cannot start", str(exc))
        return 1

    ctx = AppContext(
        open_db=lambda: _open(paths, url, demo),
        clock=SystemClock(),
        paths=None if url else paths,
        content_root=bundled_content_root(),
        demo=demo,
    )
    notice = None
    try:
        if url is None:
            facts = preflight_sqlite(paths)
            notice = facts.notice  # an interrupted restore: said here, shown after the window
            if notice:
                print(f"cvi-trainer: {notice}", file=sys.stderr)
            if facts.revision == SCHEMA_HEAD and facts.organization_name:
                ctx.organization_name = facts.organization_name
        if ctx.organization_name is None:
            ctx.db  # noqa: B018 - open (create, migrate, seed) before the first window
    except TrainerError as exc:
        return fail(exc)

    window = MainWindow(ctx)
    previous_hook = sys.excepthook
    sys.excepthook = report_trainer_errors(window, previous_hook)
    window.show()
    if url is None:
        mark_running(paths)  # lets `cvi-trainer restore` refuse while the app is open
    _quit_on_signals(app)
    if demo:
        print(f"CVI Trainer demo: data in {paths.data_dir}", file=sys.stderr)
    if quick:
        QTimer.singleShot(0, app.quit)
    else:
        QTimer.singleShot(0, lambda: _after_show(ctx, window, app, notice))
    try:
        return app.exec()
    finally:
        sys.excepthook = previous_hook
        _remember_audit_head(ctx)
        ctx.dispose()
        if url is None:
            clear_running(paths)


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


def _after_show(ctx, window, app, notice: str | None = None) -> None:
    """Say what start-up did to finish an interrupted restore, open the database if not yet open,
    offer content shipped with a newer app version, and warn if the audit log lost or changed
    entries since this computer last saw it."""
    from trainer.core.services import library
    from trainer.core.services.accounts import get_organization
    from trainer.ui import messages

    if notice:
        messages.info(window, "An interrupted restore was settled", notice)
    try:
        db = ctx.db
        with db.begin() as session:
            if get_organization(session) is not None:
                library.import_bundled(session, ctx.content_root, now=ctx.clock.now())
        warning = _check_audit_head(ctx)
    except TrainerError as exc:
        print(f"cvi-trainer: {exc}", file=sys.stderr)
        messages.error(window, "CVI Trainer cannot open its database", str(exc))
        app.exit(1)
        return
    if warning:
        print(f"cvi-trainer: {warning}", file=sys.stderr)
        messages.error(window, "The audit log was changed", warning)


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
