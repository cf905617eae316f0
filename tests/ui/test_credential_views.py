"""My credentials, Sign-offs and the Home renewal list, through the real widgets and a real database."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QDialog, QHeaderView, QPushButton, QWidget
from sqlalchemy import select

from tests.conftest import FakeClock, Team
from tests.core.credential_fixtures import ORIENTATION, Org
from tests.ui.conftest import sign_in
from trainer.core.demo import seed_demo
from trainer.core.models import FieldHourEntry, Person
from trainer.core.open_badges import open_badge_json
from trainer.core.services import field_hours
from trainer.ui import dialogs, messages
from trainer.ui.views import my_credentials as credentials_view
from trainer.ui.views.home import HomeView
from trainer.ui.views.my_credentials import MyCredentialsView
from trainer.ui.views.signoffs import SignOffsView

ORIENTATION_TITLE = "Community Violence Intervention: Orientation"


@pytest.fixture
def org(sqlite_db, clock: FakeClock, sqlite_team: Team) -> Org:
    return Org(sqlite_db, clock, sqlite_team)


def _cell(model, row: int, column: int) -> str:
    return model.data(model.index(row, column))


def _column(model, column: int) -> list[str]:
    return [_cell(model, r, column) for r in range(model.rowCount())]


def _add(qtbot, widget: QWidget) -> QWidget:
    qtbot.addWidget(widget)
    return widget


def _requirements(view: MyCredentialsView, program_title: str) -> tuple[str, dict[str, str]]:
    tree = view.progress.tree
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        if top.text(0).startswith(program_title):
            return top.text(0).split(" — ", 1)[1], {
                top.child(j).text(0): top.child(j).text(1) for j in range(top.childCount())
            }
    raise AssertionError(f"{program_title} not shown")


def _unnamed_controls(root: QWidget) -> list[str]:
    found = root.findChildren(QPushButton) + root.findChildren(QAbstractItemView)
    return [
        type(w).__name__ + ":" + (w.text() if isinstance(w, QPushButton) else "")
        for w in found
        if not isinstance(w, QHeaderView) and not w.accessibleName()
    ]


# --- My credentials ---------------------------------------------------------------------------


def test_trainee_sees_credential_with_status_text_and_saves_pdf_and_badge(
    qtbot, ctx, org: Org, monkeypatch, tmp_path: Path
) -> None:
    issued = org.oriented(org.team.trainee)
    view = _add(qtbot, MyCredentialsView(ctx, org.team.trainee))
    tab = view.credentials
    assert _column(tab.model, 0) == [ORIENTATION_TITLE]
    assert _cell(tab.model, 0, 1) == "Orientation"
    assert _cell(tab.model, 0, 2) == issued.code
    assert _cell(tab.model, 0, 4) == "Valid, does not expire"
    assert not view.banner.isVisibleTo(view)
    evidence = [tab.evidence.topLevelItem(i) for i in range(tab.evidence.topLevelItemCount())]
    assert len(evidence) == len(ORIENTATION) + 1  # the modules and the signed policies
    assert all(e.text(1).startswith("Knowledge check passed on ") for e in evidence[:3])
    assert evidence[3].text(1).startswith("Signed on ")

    saved = {"pdf": tmp_path / "mine.pdf", "badge": tmp_path / "mine.jwt"}
    monkeypatch.setattr(dialogs, "choose_save_file", lambda *a: saved["pdf"])
    qtbot.mouseClick(tab.save_pdf, Qt.MouseButton.LeftButton)
    assert saved["pdf"].read_bytes().startswith(b"%PDF")
    assert str(saved["pdf"]) in tab.status.text()

    monkeypatch.setattr(dialogs, "choose_save_file", lambda *a: saved["badge"])
    qtbot.mouseClick(tab.save_badge, Qt.MouseButton.LeftButton)
    token = saved["badge"].read_text()
    assert token.count(".") == 2 and token.startswith("eyJ")

    readable = tmp_path / "mine.json"
    monkeypatch.setattr(dialogs, "choose_save_file", lambda *a: readable)
    qtbot.mouseClick(tab.save_badge, Qt.MouseButton.LeftButton)
    assert '"credentialSubject"' in readable.read_text()
    assert open_badge_json(token)["credentialSubject"]

    opened: list[Path] = []
    monkeypatch.setattr(credentials_view, "open_file", lambda path: opened.append(path) or True)
    qtbot.mouseClick(tab.open_pdf, Qt.MouseButton.LeftButton)
    assert opened and opened[0].read_bytes().startswith(b"%PDF")


def test_cancelled_save_writes_nothing(qtbot, ctx, org: Org, monkeypatch, tmp_path) -> None:
    org.oriented(org.team.trainee)
    view = _add(qtbot, MyCredentialsView(ctx, org.team.trainee))
    monkeypatch.setattr(dialogs, "choose_save_file", lambda *a: None)
    qtbot.mouseClick(view.credentials.save_pdf, Qt.MouseButton.LeftButton)
    assert view.credentials.status.text() == ""


def test_whats_left_shows_a_missing_module_as_not_yet_then_done(
    qtbot, make_window, org: Org
) -> None:
    org.study(org.team.trainee, *ORIENTATION[:2])
    window = make_window()
    sign_in(qtbot, window, "tom")
    assert window.workspace.labels()[:4] == ["Home", "My training", "Scenarios", "My credentials"]
    view = window.workspace.show_screen("My credentials")
    summary, items = _requirements(view, ORIENTATION_TITLE)
    assert summary == "2 of 4 requirements left"
    assert sorted(items.values()) == ["Done", "Done", "Not yet", "Not yet"]
    assert view.credentials.empty.isVisible()

    window.workspace.show_screen("Home")
    org.study(org.team.trainee, ORIENTATION[2])
    org.acknowledge(org.team.trainee)
    window.workspace.show_screen("My credentials")  # coming back shows the new state
    summary, items = _requirements(view, ORIENTATION_TITLE)
    assert summary == "Eligible — ask your manager to issue it"
    assert set(items.values()) == {"Done"}

    window.workspace.show_screen("Home")
    issued = org.issue(org.team.trainee)
    window.workspace.show_screen("My credentials")
    assert _requirements(view, ORIENTATION_TITLE)[0] == f"Already holds it (code {issued.code})"
    assert _column(view.credentials.model, 2) == [issued.code]


def test_screen_is_keyboard_and_screen_reader_ready(qtbot, ctx, org: Org) -> None:
    org.oriented(org.team.trainee)
    view = _add(qtbot, MyCredentialsView(ctx, org.team.trainee))
    assert [view.tabs.tabText(i) for i in range(3)] == [
        "&Credentials",
        "&What's left",
        "Field hou&rs",
    ]
    assert _unnamed_controls(view) == []
    assert all("&" in b.text() for b in view.findChildren(QPushButton))


# --- field hours --------------------------------------------------------------------------------


def _drive_log_dialog(qtbot, hours: float, activity: str, notes: str, calls: list):
    def fake_ask(parent, today, submit, correcting=None):
        dialog = dialogs.LogHoursDialog(parent, today, correcting)  # the view owns it
        calls.append(dialog)
        dialog.submit = submit
        dialog.hours.setValue(hours)
        dialog.activity.setCurrentIndex(dialog.activity.findData(activity))
        dialog.notes.setPlainText(notes)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        return dialog.outcome if dialog.result() == QDialog.DialogCode.Accepted else None

    return fake_ask


def test_logging_hours_adds_a_pending_row(qtbot, ctx, org: Org, sqlite_db, monkeypatch) -> None:
    calls: list = []
    monkeypatch.setattr(
        dialogs.LogHoursDialog,
        "ask",
        staticmethod(_drive_log_dialog(qtbot, 2.5, "outreach", "Evening walk", calls)),
    )
    view = _add(qtbot, MyCredentialsView(ctx, org.team.trainee))
    tab = view.hours
    assert tab.model.rowCount() == 0 and tab.totals.text() == "No hours signed off yet."
    qtbot.mouseClick(tab.log, Qt.MouseButton.LeftButton)
    dialog = calls[0]
    assert dialog.worked_on.maximumDate().toPython() == ctx.clock.now().date()
    assert dialog.worked_on.calendarPopup()
    assert [_cell(tab.model, 0, c) for c in range(4)] == [
        "2 Mar 2026",
        "2.5 h",
        "Street outreach",
        "Waiting for sign-off",
    ]
    assert "waits for a trainer" in tab.status.text()
    with sqlite_db.begin() as session:
        entry = session.scalars(select(FieldHourEntry)).one()
        assert (entry.minutes, entry.activity, entry.status, entry.notes) == (
            150,
            "outreach",
            "pending",
            "Evening walk",
        )


def test_log_dialog_shows_a_refused_entry_inline(qtbot, org: Org, sqlite_db, clock) -> None:
    dialog = _add(qtbot, dialogs.LogHoursDialog(None, clock.now().date(), None))

    def submit(entry):
        with sqlite_db.begin() as session:
            return field_hours.log_hours(session, org.team.trainee, entry, now=clock.now())

    dialog.submit = submit
    dialog.show()
    dialog.notes.setPlainText("x" * 2001)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error_label.isVisible() and "Notes:" in dialog.error_label.text()
    with sqlite_db.begin() as session:
        assert session.scalars(select(FieldHourEntry)).all() == []


def test_a_rejected_entry_is_corrected_and_signed_hours_are_totalled(
    qtbot, ctx, org: Org, monkeypatch
) -> None:
    tom, tina = org.team.trainee, org.team.trainer
    org.hours(tom, 3, "mediation")
    wrong = org.hours(tom, 5, "outreach", sign=False)
    with org.db.begin() as session:
        field_hours.review(
            session, tina, wrong, approve=False, comment="That was 4 h", now=org.clock.now()
        )
    calls: list = []
    monkeypatch.setattr(
        dialogs.LogHoursDialog,
        "ask",
        staticmethod(_drive_log_dialog(qtbot, 4, "outreach", "test", calls)),
    )
    view = _add(qtbot, MyCredentialsView(ctx, tom))
    tab = view.hours
    assert tab.totals.text() == "Signed off: Mediation 3 h — 3 h in all."
    row = _column(tab.model, 3).index("Rejected")
    assert _cell(tab.model, row, 5) == "That was 4 h"
    assert _cell(tab.model, row, 4) == tina.full_name
    tab.table.selectRow(row)
    assert tab.correct.isEnabled()
    qtbot.mouseClick(tab.correct, Qt.MouseButton.LeftButton)
    assert calls[0].correcting.id == wrong and calls[0].windowTitle() == "Correct field hours"
    assert calls[0].reason.text() == f"{tina.full_name} said: \u201cThat was 4 h\u201d"
    assert calls[0].reason.isVisibleTo(calls[0])
    statuses = _column(tab.model, 3)
    assert "Rejected (corrected by a later entry)" in statuses
    assert statuses.count("Waiting for sign-off") == 1
    with org.db.begin() as session:
        new = session.scalars(select(FieldHourEntry).where(FieldHourEntry.corrects_id == wrong))
        assert new.one().minutes == 240
    tab.table.selectRow(_column(tab.model, 3).index("Rejected (corrected by a later entry)"))
    assert not tab.correct.isEnabled()  # corrected once is enough


# --- Sign-offs ------------------------------------------------------------------------------------


def test_trainer_signs_off_anothers_entry_but_never_sees_their_own(
    qtbot, ctx, org: Org, sqlite_db, monkeypatch
) -> None:
    tom, tina = org.team.trainee, org.team.trainer
    entry = org.hours(tom, 3, "outreach", sign=False)
    org.hours(tina, 2, "training-delivery", sign=False)
    asked: list[str] = []
    monkeypatch.setattr(
        messages, "confirm", lambda parent, title, text, yes="OK": asked.append(text) or True
    )
    view = _add(qtbot, SignOffsView(ctx, tina))
    assert _column(view.model, 0) == [tom.full_name]
    assert view.count.text() == "1 entry waiting"

    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)  # Enter on a row does not sign anything
    assert asked == [] and view.model.rowCount() == 1

    qtbot.mouseClick(view.sign, Qt.MouseButton.LeftButton)
    assert asked == ["Sign off 3 h of street outreach on 2 Mar 2026 for Tom Person?"]
    assert view.model.rowCount() == 0
    assert view.status.text() == "Signed off 3 h of street outreach on 2 Mar 2026 for Tom Person."
    assert view.count.text() == "Nothing waits for your sign-off."
    assert not view.sign.isEnabled()
    with sqlite_db.begin() as session:
        row = session.get(FieldHourEntry, entry)
        assert (row.status, row.reviewer_id) == ("signed", tina.id)


def test_sign_off_cancelled_at_the_confirmation_changes_nothing(
    qtbot, ctx, org: Org, sqlite_db, monkeypatch
) -> None:
    entry = org.hours(org.team.trainee, 1, "shadowing", sign=False)
    monkeypatch.setattr(messages, "confirm", lambda *a, **k: False)
    view = _add(qtbot, SignOffsView(ctx, org.team.trainer))
    qtbot.mouseClick(view.sign, Qt.MouseButton.LeftButton)
    assert view.model.rowCount() == 1
    with sqlite_db.begin() as session:
        assert session.get(FieldHourEntry, entry).status == "pending"


def test_rejecting_needs_a_comment_shown_inline_and_stores_nothing_until_given(
    qtbot, ctx, org: Org, sqlite_db, monkeypatch
) -> None:
    entry = org.hours(org.team.trainee, 3, "outreach", sign=False)

    def pending() -> str:
        with sqlite_db.begin() as session:
            return session.get(FieldHourEntry, entry).status

    def fake_ask(parent, what, submit):
        dialog = dialogs.RejectHoursDialog(parent, what)  # the view owns it
        dialog.submit = submit
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert dialog.result() != QDialog.DialogCode.Accepted
        assert dialog.error_label.isVisibleTo(dialog)
        # The problem names the field by the word its label shows.
        label = dialog.form.labelForField(dialog.comment).text().replace("&", "")
        assert label.startswith("Why ")
        assert "Problem: Why: say why" in dialog.error_label.text()
        assert pending() == "pending"
        qtbot.keyClicks(dialog.comment, "It was a training day, not outreach.")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert dialog.result() == QDialog.DialogCode.Accepted
        return dialog.outcome

    monkeypatch.setattr(dialogs.RejectHoursDialog, "ask", staticmethod(fake_ask))
    view = _add(qtbot, SignOffsView(ctx, org.team.trainer))
    qtbot.mouseClick(view.reject, Qt.MouseButton.LeftButton)
    assert view.model.rowCount() == 0
    assert view.status.text().startswith("Rejected 3 h of street outreach")
    with sqlite_db.begin() as session:
        row = session.get(FieldHourEntry, entry)
        assert (row.status, row.review_comment) == (
            "rejected",
            "It was a training day, not outreach.",
        )


def test_reject_dialog_cancelled_stores_nothing(qtbot, ctx, org: Org, sqlite_db, monkeypatch):
    entry = org.hours(org.team.trainee, 3, "outreach", sign=False)
    monkeypatch.setattr(dialogs.RejectHoursDialog, "ask", staticmethod(lambda *a: None))
    view = _add(qtbot, SignOffsView(ctx, org.team.trainer))
    qtbot.mouseClick(view.reject, Qt.MouseButton.LeftButton)
    assert view.model.rowCount() == 1 and view.status.text() == ""
    with sqlite_db.begin() as session:
        assert session.get(FieldHourEntry, entry).status == "pending"
    assert _unnamed_controls(view) == []


# --- the demo organization -----------------------------------------------------------------------


@pytest.fixture
def demo(sqlite_db, clock: FakeClock) -> dict[str, Person]:
    with sqlite_db.begin() as session:
        seed_demo(session, now=clock.now())
    with sqlite_db.begin() as session:
        return {p.username: p for p in session.scalars(select(Person))}


def test_demo_revoked_credential_and_expired_renewal_read_in_words(
    qtbot, ctx, demo: dict[str, Person]
) -> None:
    keisha = _add(qtbot, MyCredentialsView(ctx, demo["keisha"]))
    statuses = _column(keisha.credentials.model, 4)
    assert len(statuses) == 2
    assert "Valid, does not expire" in statuses
    revoked = next(s for s in statuses if s.startswith("Revoked on "))
    assert "reissued with her name as she uses it" in revoked
    assert not keisha.banner.isVisibleTo(keisha)
    assert [_cell(keisha.hours.model, r, 3) for r in range(2)] == ["Waiting for sign-off"] * 2

    sam = _add(qtbot, MyCredentialsView(ctx, demo["sam"]))
    assert sam.banner.isVisibleTo(sam)
    text = sam.banner.text()
    assert "<b>Your credential “CVI Practitioner: Foundations” expired on " in text
    assert "Renewal needs:</p><ul><li>Module: Field safety" in text
    assert "Continuing education" not in text  # the 6 h logged already count
    assert any(s.startswith("Expired on ") for s in _column(sam.credentials.model, 4))
    summary, _ = _requirements(sam, "CVI Practitioner: Foundations")
    assert summary == "Expired — renewal needs are listed at the top"  # not "ask to issue it"
    assert sam.hours.totals.text() == (
        "Signed off: Continuing education 6 h, Mediation 24 h, Shadowing 40 h, Street outreach "
        "56 h — 126 h in all."
    )


def test_demo_home_lists_renewals_and_trainer_sees_pending_hours(
    qtbot, ctx, demo: dict[str, Person]
) -> None:
    sam_home = _add(qtbot, HomeView(ctx, demo["sam"]))
    assert sam_home.renewals.isVisibleTo(sam_home)
    assert "Your credential “CVI Practitioner: Foundations” expired on" in sam_home.renewals.text()
    manager_home = _add(qtbot, HomeView(ctx, demo["manager"]))
    assert "Sam Okafor's credential" in manager_home.renewals.text()
    keisha_home = _add(qtbot, HomeView(ctx, demo["keisha"]))
    assert not keisha_home.renewals.isVisibleTo(keisha_home)
    assert not keisha_home.renewals_heading.isVisibleTo(keisha_home)

    signoffs = _add(qtbot, SignOffsView(ctx, demo["trainer"]))
    assert _column(signoffs.model, 0) == ["Keisha Moore", "Keisha Moore"]
    assert signoffs.notes.text().startswith("Notes from Keisha Moore: ")


def test_trainer_home_counts_entries_waiting_for_sign_off_and_leads_there(
    qtbot, make_window, org: Org
) -> None:
    org.hours(org.team.trainee, 3, "outreach", sign=False)
    org.hours(org.team.trainee, 1, "mediation", sign=False)
    window = make_window()
    sign_in(qtbot, window, "tina")
    home = window.workspace.screens["Home"]
    assert home.signoffs.text() == "2 field hour entries wait for your sign-off."
    assert home.open_signoffs.isVisibleTo(home)
    qtbot.mouseClick(home.open_signoffs, Qt.MouseButton.LeftButton)
    assert window.workspace.pages.currentWidget() is window.workspace.screens["Sign-offs"]


def test_home_of_a_trainee_says_nothing_about_sign_offs(qtbot, ctx, org: Org) -> None:
    home = _add(qtbot, HomeView(ctx, org.team.trainee))
    assert not home.signoffs.isVisibleTo(home) and not home.open_signoffs.isVisibleTo(home)


def test_a_trainee_home_says_hours_were_sent_back_until_they_are_corrected(
    qtbot, make_window, org: Org
) -> None:
    tom, tina = org.team.trainee, org.team.trainer
    wrong = org.hours(tom, 5, "outreach", sign=False)
    with org.db.begin() as session:
        field_hours.review(
            session, tina, wrong, approve=False, comment="That was 4 h", now=org.clock.now()
        )
    window = make_window()
    sign_in(qtbot, window, "tom")
    home = window.workspace.screens["Home"]
    assert home.rejected.isVisibleTo(home)
    assert home.rejected.text().startswith("1 of your field hour entries was sent back")
    qtbot.mouseClick(home.open_hours, Qt.MouseButton.LeftButton)
    assert window.workspace.pages.currentWidget() is window.workspace.screens["My credentials"]
    with org.db.begin() as session:
        field_hours.log_hours(
            session,
            tom,
            field_hours.NewHours(org.clock.now().date(), 4, "outreach", corrects_id=wrong),
            now=org.clock.now(),
        )
    home.refresh()
    assert not home.rejected.isVisibleTo(home) and not home.open_hours.isVisibleTo(home)
