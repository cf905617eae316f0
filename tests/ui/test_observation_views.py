"""Observations, Training sessions and My practice record, through the real widgets and a real
database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)
from sqlalchemy import select

from tests.conftest import FakeClock, Team
from tests.core.evidence_fixtures import FIELD, Evidence, rubric
from tests.ui.conftest import sign_in
from trainer.core.models import (
    Observation,
    ObservationRating,
    TrainingAttendance,
    TrainingSession,
)
from trainer.ui import dialogs, messages
from trainer.ui.views.observations import ObservationsView
from trainer.ui.views.practice_record import MyPracticeRecordView
from trainer.ui.views.training_sessions import TrainingSessionsView


@pytest.fixture
def ev(sqlite_db, clock: FakeClock, sqlite_team: Team, tmp_path: Path) -> Evidence:
    return Evidence(sqlite_db, clock, sqlite_team, tmp_path / "content")


@pytest.fixture
def errors(monkeypatch) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(messages, "error", lambda parent, title, text: shown.append((title, text)))
    return shown


def _add(qtbot, widget: QWidget) -> QWidget:
    qtbot.addWidget(widget)
    widget.show()
    return widget


def _choose(combo: QComboBox, text: str) -> None:
    index = combo.findText(text, Qt.MatchFlag.MatchStartsWith)
    assert index >= 0, [combo.itemText(i) for i in range(combo.count())]
    combo.setCurrentIndex(index)


def _cell(model, row: int, column: int) -> str:
    return model.data(model.index(row, column))


def _unnamed(root: QWidget) -> list[str]:
    kinds = (
        QPushButton,
        QAbstractItemView,
        QRadioButton,
        QLineEdit,
        QComboBox,
        QAbstractSpinBox,
        QPlainTextEdit,
    )
    found = [w for kind in kinds for w in root.findChildren(kind)]
    return [
        type(w).__name__
        for w in found
        if not isinstance(w, QHeaderView) and not w.accessibleName() and not _inside_a_field(w)
    ]


def _inside_a_field(widget: QWidget) -> bool:
    """A combo box's popup list and a spin box's line edit are named by their owner."""
    parent = widget.parent()
    while parent is not None:
        if isinstance(parent, QAbstractSpinBox | QComboBox):
            return True
        parent = parent.parent()
    return False


# --- Observations ------------------------------------------------------------------------------


def test_a_trainer_records_an_observation_through_the_widgets(
    qtbot, ctx, ev: Evidence, sqlite_db
) -> None:
    view = _add(qtbot, ObservationsView(ctx, ev.team.trainer))
    assert [view.trainee.itemText(i) for i in range(view.trainee.count())] == [
        "Choose a trainee…",  # nobody is chosen by default
        "Tess Person",
        "Tom Person",
    ]  # the observer is never offered
    _choose(view.trainee, "Tom Person")
    _choose(view.rubric, "Supervisor competency checklist")
    assert [view.setting.itemText(i) for i in range(view.setting.count())] == [
        "Field observation",
        "Role-play",
    ]
    _choose(view.setting, "Role-play")
    view.set_date(ev.today - timedelta(days=2))
    assert "each organization may adapt them" in view.about.text()

    mediation = view.form.row("mediation")
    labels = [b.parentWidget().text() for b in mediation.group.buttons()]  # WrappingChoice
    expected = rubric().competency("mediation")
    assert expected is not None
    for level, text in zip((1, 2, 3, 4), labels, strict=True):
        assert text.startswith(f"{level} — ")
        assert " ".join(text[4:].split()) == expected.describe(level)  # words, not colour

    # the keyboard: Space chooses the focused level, arrows move within a competency
    first = mediation.group.button(1)
    second = mediation.group.button(2)
    # Down goes to the level below on screen: wait for the wrapped levels to be laid out.
    qtbot.waitUntil(lambda: second.mapTo(view, QPoint()).y() > first.mapTo(view, QPoint()).y())
    view.activateWindow()
    first.setFocus()
    qtbot.waitUntil(first.hasFocus)
    qtbot.keyClick(first, Qt.Key.Key_Space)
    assert mediation.level() == 1
    qtbot.keyClick(first, Qt.Key.Key_Down)
    assert mediation.level() == 2
    qtbot.keyClicks(mediation.comment, "Kept one voice; separated the two.")
    for key, level in (("incident-response", 3), ("documentation", 4), ("safety", 3)):
        qtbot.mouseClick(view.form.row(key).group.button(level), Qt.MouseButton.LeftButton)
    qtbot.keyClicks(view.notes, "Role-play of the stolen chain dispute.")
    qtbot.mouseClick(view.record, Qt.MouseButton.LeftButton)

    with sqlite_db.begin() as session:
        row = session.scalars(select(Observation)).one()
        levels = {
            r.competency: (r.level, r.comment) for r in session.scalars(select(ObservationRating))
        }
    assert (row.person_id, row.observer_id, row.rubric_key, row.setting) == (
        ev.team.trainee.id,
        ev.team.trainer.id,
        FIELD,
        "role-play",
    )
    assert row.observed_on == ev.today - timedelta(days=2)
    assert row.notes == "Role-play of the stolen chain dispute."
    assert levels == {
        "mediation": (2, "Kept one voice; separated the two."),
        "incident-response": (3, ""),
        "documentation": (4, ""),
        "safety": (3, ""),
    }
    assert view.model.rowCount() == 1 and _cell(view.model, 0, 1) == "Tom Person"
    assert _cell(view.model, 0, 6) == "Recorded"
    assert view.status.text().startswith("Recorded the role-play of Tom Person on 28 Feb 2026")
    assert mediation.level() is None and view.notes.toPlainText() == ""  # ready for the next
    assert _unnamed(view) == []


def test_a_competency_left_unrated_is_named_and_nothing_is_recorded(
    qtbot, ctx, ev: Evidence, sqlite_db, errors
) -> None:
    view = _add(qtbot, ObservationsView(ctx, ev.team.trainer))
    qtbot.mouseClick(view.record, Qt.MouseButton.LeftButton)
    assert errors.pop() == (
        "Observation not recorded",
        "Trainee: choose who you observed from the list.",
    )
    _choose(view.trainee, "Tom Person")
    _choose(view.rubric, "Supervisor competency checklist")
    for key in ("mediation", "incident-response", "documentation"):
        view.form.row(key).choose(3)
    qtbot.mouseClick(view.record, Qt.MouseButton.LeftButton)
    assert errors == [
        (
            "Observation not recorded",
            "Ratings: rate every competency of the rubric; not yet rated: Safety of self and "
            "others.",
        )
    ]
    assert view.form.row("mediation").level() == 3  # nothing chosen is lost
    with sqlite_db.begin() as session:
        assert session.scalars(select(Observation)).first() is None


def test_choosing_another_rubric_shows_its_competencies_and_settings(
    qtbot, ctx, ev: Evidence
) -> None:
    view = _add(qtbot, ObservationsView(ctx, ev.team.trainer))
    _choose(view.rubric, "Observed training delivery")
    assert [r.competency.key for r in view.form.rows] == [
        c.key for c in rubric("training-delivery").competencies
    ]
    assert [view.setting.itemText(i) for i in range(view.setting.count())] == ["Training delivery"]


def test_withdrawing_needs_a_reason_shown_inline_then_marks_the_row(
    qtbot, ctx, ev: Evidence, sqlite_db, monkeypatch
) -> None:
    ev.observe(ev.team.trainee)
    view = _add(qtbot, ObservationsView(ctx, ev.other_trainer))
    view.table.selectRow(0)
    assert view.withdraw.isEnabled()

    def fake_ask(parent, what, submit):
        dialog = dialogs.WithdrawObservationDialog(parent, what)
        dialog.submit = submit
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert dialog.result() != QDialog.DialogCode.Accepted
        assert "Reason: say why" in dialog.error_label.text()
        qtbot.keyClicks(dialog.reason, "Recorded against the wrong trainee.")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert dialog.result() == QDialog.DialogCode.Accepted
        return dialog.outcome

    monkeypatch.setattr(dialogs.WithdrawObservationDialog, "ask", fake_ask)
    qtbot.mouseClick(view.withdraw, Qt.MouseButton.LeftButton)
    assert _cell(view.model, 0, 6) == (
        "Withdrawn on 2 Mar 2026: Recorded against the wrong trainee."
    )
    view.table.selectRow(0)
    assert not view.withdraw.isEnabled()
    with sqlite_db.begin() as session:
        row = session.scalars(select(Observation)).one()
        assert row.withdrawn_reason == "Recorded against the wrong trainee."


# --- Training sessions -------------------------------------------------------------------------


def test_a_trainer_records_a_session_through_the_widgets(
    qtbot, ctx, ev: Evidence, sqlite_db
) -> None:
    view = _add(qtbot, TrainingSessionsView(ctx, ev.team.trainer))
    assert [i.text() for i in view.attendees.items()] == ["Tess Person", "Tom Person"]
    qtbot.keyClicks(view.topic, "Incident response protocol")
    view.set_date(ev.today - timedelta(days=1))
    view.hours.setText("2.75")
    _choose(view.delivery, "Live online")
    view.facilitator.setText("Dana Ruiz")
    view.attendees.setFocus()
    view.attendees.setCurrentRow(1)
    qtbot.keyClick(view.attendees.viewport(), Qt.Key.Key_Space)  # Space ticks Tom
    assert view.attendees.ticked() == [ev.team.trainee.id]
    qtbot.mouseClick(view.record, Qt.MouseButton.LeftButton)

    with sqlite_db.begin() as session:
        row = session.scalars(select(TrainingSession)).one()
        attended = list(session.scalars(select(TrainingAttendance.person_id)))
    assert (row.topic, row.minutes, row.delivery, row.facilitator) == (
        "Incident response protocol",
        165,
        "live-online",
        "Dana Ruiz",
    )
    assert row.held_on == ev.today - timedelta(days=1) and attended == [ev.team.trainee.id]
    assert [_cell(view.model, 0, c) for c in range(6)] == [
        "1 Mar 2026",
        "Incident response protocol",
        "2.75 h",
        "Live online",
        "Dana Ruiz",
        "Tom Person",
    ]
    assert view.status.text() == (
        "Recorded “Incident response protocol” on 1 Mar 2026: 2.75 h, 1 attendee."
    )
    assert view.attendees.ticked() == [] and view.topic.text() == ""
    assert _unnamed(view) == []


def test_a_session_without_attendees_is_refused_and_what_was_typed_stays(
    qtbot, ctx, ev: Evidence, sqlite_db, errors
) -> None:
    view = _add(qtbot, TrainingSessionsView(ctx, ev.team.trainer))
    qtbot.keyClicks(view.topic, "Documentation")
    qtbot.keyClicks(view.hours, "2")
    qtbot.mouseClick(view.record, Qt.MouseButton.LeftButton)
    assert errors == [
        ("Session not recorded", "Attendees: mark at least one trainee who attended.")
    ]
    assert view.topic.text() == "Documentation"
    with sqlite_db.begin() as session:
        assert session.scalars(select(TrainingSession)).first() is None


# --- what trainees see -------------------------------------------------------------------------


def test_a_trainee_reads_their_ratings_in_words_and_their_sessions(
    qtbot, ctx, ev: Evidence
) -> None:
    ev.observe(ev.team.trainee, ratings={k: (3, "") for k in ev_keys()} | {"safety": (4, "Calm.")})
    ev.observe(ev.team.other_trainee)
    ev.record_session(hours=1.5)
    ev.record_session(hours=2, attendee_ids=[ev.team.other_trainee.id], topic="Radio check-ins")
    view = _add(qtbot, MyPracticeRecordView(ctx, ev.team.trainee))
    assert view.observations.rowCount() == 1 and view.sessions.rowCount() == 1
    shown = view.details.toPlainText()
    safety = rubric().competency("safety")
    assert safety is not None
    assert f"Safety of self and others: level 4 of 4 — {safety.describe(4)}" in shown
    assert "Comment: Calm." in shown and "observed by Tina Person" in shown
    assert _cell(view.sessions, 0, 1) == "Safety planning before outreach"
    assert view.totals.text() == "1.5 h in 1 session."
    assert _unnamed(view) == []


def ev_keys() -> list[str]:
    return [c.key for c in rubric().competencies]


def test_each_role_finds_its_screens(qtbot, make_window, ev: Evidence) -> None:
    window = make_window()
    sign_in(qtbot, window, "tina")
    labels = window.workspace.labels()
    assert labels[labels.index("Sign-offs") + 1 : labels.index("Sign-offs") + 3] == [
        "Observations",
        "Training sessions",
    ]
    assert "My practice record" not in labels
    assert isinstance(window.workspace.show_screen("Observations"), ObservationsView)
    assert isinstance(window.workspace.show_screen("Training sessions"), TrainingSessionsView)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("30", "Hours: enter between 0.25 and 16 hours"),  # meant as minutes: refused, not 3 h
        ("0", "Hours: enter between 0.25 and 16 hours"),
        ("two", "Hours: enter the session's length in hours, for example 2.5"),
    ],
)
def test_hours_are_recorded_as_typed_or_refused_with_a_message(
    qtbot, ctx, ev: Evidence, sqlite_db, errors, typed: str, message: str
) -> None:
    view = _add(qtbot, TrainingSessionsView(ctx, ev.team.trainer))
    view.topic.setText("Incident response protocol")
    view.hours.setText(typed)
    view.attendees.item(1).setCheckState(Qt.CheckState.Checked)
    qtbot.mouseClick(view.record, Qt.MouseButton.LeftButton)
    assert errors and errors[-1][1].startswith(message), errors
    with sqlite_db.begin() as session:
        assert session.scalars(select(TrainingSession)).all() == []
    assert view.hours.text() == typed  # what was typed is kept to correct
