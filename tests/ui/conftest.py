"""UI fixtures: a real MainWindow on a real temp database."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.conftest import PASSWORD
from trainer.core.paths import bundled_content_root
from trainer.ui.context import AppContext
from trainer.ui.main_window import MainWindow


@pytest.fixture(scope="session", autouse=True)
def bundled_fonts(qapp) -> None:
    """The fonts the app registers at start (trainer.app.run), in every UI test: they can
    change the UI font's metrics, and a test must not see them only after a test that added
    them ran in the same worker."""
    from trainer.ui.fonts import add_bundled_fonts

    add_bundled_fonts(qapp)


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
