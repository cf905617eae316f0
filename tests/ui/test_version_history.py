"""Content library: a document's version history, and Compare showing what changed in words."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QSize, Qt
from PySide6.QtWidgets import QApplication

from tests.conftest import Team
from tests.ui.conftest import sign_in
from trainer.core.paths import bundled_content_root
from trainer.core.scenario_diff import diff_scenarios
from trainer.core.services import library
from trainer.ui import dialogs
from trainer.ui.screen_audit import audit_dialog, horizontal_overflow, size_on_screen

KEY = "s03-stolen-chain"
OLD = """      - text: "Text Dana to hurry, and walk up with her the moment she rounds the corner, before the ring tightens."
        target: approach"""
NEW = OLD.replace("target: approach", "target: observe")
CHANGED = (
    "Node 'alone-arrival': choice 3 (“Text Dana to hurry, and walk …”) now leads to 'observe' "
    "(was 'approach')"
)
# Where to save what the tests show, to look at (unset: nothing is saved).
SHOTS = os.environ.get("CVI_VERSION_HISTORY_SHOTS")


@pytest.fixture
def two_versions(sqlite_team: Team, sqlite_db, clock) -> Team:
    """The shipped scenario as version 1, and version 2 with one choice leading elsewhere."""
    with sqlite_db.begin() as session:
        library.import_bundled(session, bundled_content_root(), now=clock.now())
        doc = library.find_document(session, sqlite_team.trainer, "scenario", KEY)
        body = library.live_version(session, sqlite_team.trainer, doc.id).body
        assert OLD in body
        library.save_draft(
            session, sqlite_team.trainer, doc.id, body.replace(OLD, NEW), now=clock.advance(days=1)
        )
        library.publish(
            session,
            sqlite_team.trainer,
            doc.id,
            note="Jaylen's choice: observe first",
            now=clock.now(),
        )
    return sqlite_team


def _library(qtbot, make_window, username: str = "tina"):
    window = make_window()
    sign_in(qtbot, window, username)
    view = window.workspace.show_screen("Content library")
    row = next(i for i, d in enumerate(view.model.rows) if d.key == KEY)
    view.table.selectRow(row)
    return window, view


@pytest.fixture
def shown(monkeypatch, qtbot) -> list[dialogs.VersionDiffDialog]:
    """The Compare dialogs the view opened, shown but not modal (a test cannot answer exec())."""
    opened: list[dialogs.VersionDiffDialog] = []

    def ask(parent, title, diff) -> None:
        dialog = dialogs.VersionDiffDialog(parent, title, diff)
        qtbot.addWidget(dialog)
        dialog.show()
        opened.append(dialog)

    monkeypatch.setattr(dialogs.VersionDiffDialog, "ask", staticmethod(ask))
    return opened


def test_history_lists_both_versions_with_author_date_and_note(
    qtbot, make_window, two_versions: Team
) -> None:
    window, view = _library(qtbot, make_window)
    window.resize(1100, 720)
    labels = [view.versions.item(i).text() for i in range(view.versions.count())]
    assert len(labels) == 2
    assert labels[0].startswith("Version 2 — Tina Person, ")
    assert labels[0].endswith("\nJaylen's choice: observe first")
    assert labels[1].startswith("Version 1 — CVI Trainer (bundled content), ")
    assert "Imported from the content shipped with CVI Trainer" in labels[1]
    assert horizontal_overflow(view) == []
    if SHOTS:
        window.resize(1100, 720)
        qtbot.wait(50)
        window.grab().save(str(Path(SHOTS) / "library-100.png"))
        for _ in range(10):
            window.zoom(+1)
        window.resize(1100, 720)
        qtbot.wait(50)
        window.grab().save(str(Path(SHOTS) / "library-200.png"))


def test_compare_with_the_previous_version_shows_the_changed_choice(
    qtbot, make_window, two_versions: Team, shown
) -> None:
    _, view = _library(qtbot, make_window)
    assert view.versions.currentRow() == 0 and view.compare.isEnabled()
    view.compare.setFocus()
    qtbot.keyClick(view.compare, Qt.Key.Key_Space)  # reachable and pressed from the keyboard
    [dialog] = shown
    assert dialog.windowTitle().endswith(": version 1 → version 2")
    text = dialog.browser.toPlainText()
    assert "Node 'alone-arrival'" in text  # the group heading, then the change under it
    assert CHANGED.removeprefix("Node 'alone-arrival': c") in text
    assert text.count("now leads to") == 1  # nothing else is said to have changed


def test_two_selected_versions_are_compared_oldest_first(
    qtbot, make_window, two_versions: Team, shown
) -> None:
    _, view = _library(qtbot, make_window)
    view.versions.setCurrentRow(1, QItemSelectionModel.SelectionFlag.Select)  # Ctrl+click
    assert len(view.versions.selectedItems()) == 2
    view.compare.click()
    [dialog] = shown
    assert dialog.windowTitle().endswith(": version 1 → version 2")
    assert "now leads to 'observe' (was 'approach')" in dialog.browser.toPlainText()


def test_the_oldest_version_alone_has_nothing_to_compare_with(
    qtbot, make_window, two_versions: Team
) -> None:
    _, view = _library(qtbot, make_window)
    view.versions.setCurrentRow(1)
    assert [view.versions.row(i) for i in view.versions.selectedItems()] == [1]
    assert not view.compare.isEnabled()
    assert view.compare.accessibleName() == "Compare versions"
    assert view.versions.accessibleName() == "Version history"


def test_identical_versions_say_no_changes(qtbot) -> None:
    dialog = dialogs.VersionDiffDialog(
        None, "A scenario: version 1 → version 2", diff_scenarios("", "")
    )
    qtbot.addWidget(dialog)
    assert "No changes" in dialog.browser.toPlainText()


@pytest.fixture(params=[1.0, 2.0], ids=["100% text", "200% text"])
def text_scale(request, qapp):
    normal = QApplication.font()
    font = QApplication.font()
    font.setPointSizeF(normal.pointSizeF() * request.param)
    QApplication.setFont(font)
    yield request.param
    QApplication.setFont(normal)


def test_the_compare_dialog_fits_1100x720_without_sideways_scrolling(
    qtbot, two_versions: Team, sqlite_db, text_scale: float, tmp_path: Path
) -> None:
    long = "a" * 110  # an id typed as one long word must wrap too
    with sqlite_db.begin() as session:
        doc = library.find_document(session, two_versions.trainer, "scenario", KEY)
        [v2, v1] = library.versions(session, two_versions.trainer, doc.id)
        body = v2.body.replace("id: alone-arrival", f"id: {long}").replace(
            "target: alone-arrival", f"target: {long}"
        )
        library.save_draft(
            session,
            two_versions.trainer,
            doc.id,
            body.replace("Dana", "Dana Ruiz"),
            now=v2.published_at,
        )
        draft = library.versions(session, two_versions.trainer, doc.id)[0]
        diff = library.compare_versions(session, two_versions.trainer, v1.id, draft.id)
    assert len(diff.groups()) > 3
    room = QSize(1100, 720)
    dialog = dialogs.VersionDiffDialog(None, f"{long}: version 1 → the draft", diff)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    size_on_screen(dialog, room)
    qtbot.wait(10)
    assert audit_dialog(dialog, room) == []
    assert horizontal_overflow(dialog) == []
    assert not dialog.browser.horizontalScrollBar().isVisible()
    if SHOTS:
        dialog.grab().save(str(Path(SHOTS) / f"compare-{int(text_scale * 100)}.png"))
