"""Words instead of ids: the audit log and the Issue screen's program list, through real widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from tests.conftest import Team
from tests.ui.conftest import sign_in
from trainer.core.models import AuditEntry


def _open(qtbot, make_window, username: str, screen: str):
    window = make_window()
    sign_in(qtbot, window, username)
    return window.workspace.show_screen(screen)


def _cells(model, row: int, role=Qt.ItemDataRole.DisplayRole) -> dict[str, object]:
    return {
        model.headerData(c, Qt.Orientation.Horizontal): model.data(model.index(row, c), role)
        for c in range(model.columnCount())
    }


def test_audit_log_shows_actions_and_details_in_words(
    qtbot, make_window, sqlite_team: Team, sqlite_db
) -> None:
    view = _open(qtbot, make_window, "ada", "Organization")
    view.lock_minutes.setValue(30)
    qtbot.mouseClick(view.save, Qt.MouseButton.LeftButton)
    model = view.audit_model
    shown = [_cells(model, r) for r in range(model.rowCount())]
    sign_in_row = next(r for r, e in enumerate(model.rows) if e.action == "sign_in.succeeded")
    assert shown[sign_in_row]["Action"] == "Signed in"
    assert _cells(model, sign_in_row, Qt.ItemDataRole.ToolTipRole)["Action"] == (
        "Recorded as sign_in.succeeded"
    )
    assert (shown[0]["Action"], shown[0]["Who"]) == ("Organization details changed", "Ada Admin")
    assert "lockout minutes" in str(shown[0]["Details"])
    assert not any("{" in str(row["Details"]) for row in shown)
    assert not any("." in str(row["Action"]) for row in shown)
    with sqlite_db.begin() as session:  # the raw details stay one hover away
        newest = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert _cells(model, 0, Qt.ItemDataRole.ToolTipRole)["Details"] == newest.details
