"""Words instead of ids: the audit log and the Issue screen's program list, through real widgets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from tests.conftest import Team
from tests.core.credential_fixtures import Org
from tests.ui.conftest import sign_in
from trainer.core.models import AuditEntry
from trainer.ui.views.issue import IssueView


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
    # "About" names people by their names; the recorded username stays one hover away.
    assert model.rows[sign_in_row].target == "ada"
    assert shown[sign_in_row]["About"] == "Ada Admin"
    assert _cells(model, sign_in_row, Qt.ItemDataRole.ToolTipRole)["About"] == "Recorded as ada"
    assert (shown[0]["Action"], shown[0]["Who"]) == ("Organization details changed", "Ada Admin")
    assert "lockout minutes" in str(shown[0]["Details"])
    assert not any("{" in str(row["Details"]) for row in shown)
    assert not any("." in str(row["Action"]) for row in shown)
    with sqlite_db.begin() as session:  # the raw details stay one hover away
        newest = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert _cells(model, 0, Qt.ItemDataRole.ToolTipRole)["Details"] == newest.details


# --- the Issue screen's program list and people ---------------------------------------------------


@pytest.fixture
def org(sqlite_db, clock, sqlite_team) -> Org:
    return Org(sqlite_db, clock, sqlite_team)


def _issue_view(qtbot, ctx, org: Org):
    view = IssueView(ctx, org.team.manager)
    qtbot.addWidget(view)
    view.show()
    return view


def test_programs_run_in_order_of_progression_without_repeated_names_and_start_at_orientation(
    qtbot, ctx, org: Org
) -> None:
    view = _issue_view(qtbot, ctx, org)
    tab = view.issue_tab
    keys = [tab.program.itemData(i) for i in range(tab.program.count())]
    labels = [tab.program.itemText(i) for i in range(tab.program.count())]
    assert keys[:4] == ["orientation", "foundations", "field-qualified", "senior-peer-trainer"]
    assert all(k.startswith("endorsement-") for k in keys[4:]) and len(keys) == 9
    assert tab.program.currentData() == "orientation"
    assert labels[0] == "Community Violence Intervention: Orientation"
    assert "Endorsement: Case Management" in labels
    for label in labels:
        title, _, tier = label.partition(" — ")
        assert not tier or tier not in title, label

    tab.program.setCurrentIndex(keys.index("foundations"))
    tab.refresh()  # coming back to the screen keeps the choice
    assert tab.program.currentData() == "foundations"


def test_issue_lists_trainees_and_staff_working_toward_the_program_not_all_staff(
    qtbot, ctx, org: Org
) -> None:
    team = org.team
    org.study(team.trainer, "core-01-cvi-field")  # a trainer who took the orientation course
    view = _issue_view(qtbot, ctx, org)
    tab = view.issue_tab
    assert tab.program.currentData() == "orientation"
    names = {tab.model.row(r).person_name for r in range(tab.model.rowCount())}
    assert names == {team.trainee.full_name, team.other_trainee.full_name, team.trainer.full_name}
    assert team.manager.full_name not in names and team.admin.full_name not in names
