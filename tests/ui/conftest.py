"""UI fixtures: a real MainWindow on a real temp database."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.conftest import PASSWORD
from trainer.core.paths import bundled_content_root
from trainer.ui.context import AppContext
from trainer.ui.main_window import MainWindow


@pytest.fixture
def ctx(sqlite_db, clock, paths) -> AppContext:
    return AppContext.for_database(sqlite_db, clock, paths, bundled_content_root())


@pytest.fixture
def make_window(qtbot, ctx):
    def make(**kwargs) -> MainWindow:
        window = MainWindow(ctx, **kwargs)
        qtbot.addWidget(window)
        window.show()
        return window

    return make


def sign_in(qtbot, window: MainWindow, username: str, password: str = PASSWORD) -> None:
    view = window.sign_in_view
    qtbot.keyClicks(view.username, username)
    qtbot.keyClicks(view.password, password)
    qtbot.keyClick(view.password, Qt.Key.Key_Return)
