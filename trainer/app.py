"""Composition root: paths -> database (migrated) -> QApplication -> MainWindow."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from trainer import APP_NAME, __version__
from trainer.core.clock import SystemClock
from trainer.core.db import Database, open_database
from trainer.core.errors import TrainerError
from trainer.core.paths import AppPaths, bundled_content_root

# Benchmarks set this to quit as soon as the first window has been shown (see benchmarks/startup.py).
EXIT_WHEN_SHOWN_ENV = "CVI_TRAINER_EXIT_WHEN_SHOWN"


def open_for_gui(paths: AppPaths, url: str | None, *, demo: bool) -> Database:
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

    from trainer.ui import messages
    from trainer.ui.context import AppContext
    from trainer.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    try:
        db = open_for_gui(paths, url, demo=demo)
    except TrainerError as exc:
        print(f"cvi-trainer: {exc}", file=sys.stderr)
        if app.platformName() not in ("offscreen", "minimal") and not os.environ.get(
                EXIT_WHEN_SHOWN_ENV):
            messages.error(None, "CVI Trainer cannot start", str(exc))
        return 1
    ctx = AppContext(db=db, clock=SystemClock(), paths=None if url else paths,
                     content_root=bundled_content_root(), demo=demo)
    window = MainWindow(ctx)
    window.show()
    if demo:
        print(f"CVI Trainer demo data is in {paths.data_dir} (deleted by nobody: it is yours).",
              file=sys.stderr)
    if os.environ.get(EXIT_WHEN_SHOWN_ENV):
        QTimer.singleShot(0, app.quit)
    else:
        QTimer.singleShot(0, lambda: _offer_bundled_updates(ctx))
    try:
        return app.exec()
    finally:
        db.dispose()


def _offer_bundled_updates(ctx: object) -> None:
    """After the window is up: import content new in this app version; offer changed content."""
    from trainer.core.services import library
    from trainer.core.services.accounts import get_organization

    db = ctx.db  # type: ignore[attr-defined]
    with db.begin() as session:
        if get_organization(session) is not None:
            library.import_bundled(session, Path(ctx.content_root), now=SystemClock().now())  # type: ignore[attr-defined]
