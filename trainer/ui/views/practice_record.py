"""My practice record (trainees): their own observed practice and training sessions, read-only."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from trainer.core.dates import short_date as day
from trainer.core.models import Person
from trainer.core.services import observations, training_sessions
from trainer.core.services.observations import ObservationRow
from trainer.core.services.training_sessions import SessionRow
from trainer.ui.context import AppContext
from trainer.ui.table_model import RowsModel
from trainer.ui.views.my_credentials import hours_text
from trainer.ui.widgets import heading, table


def observation_html(row: ObservationRow) -> str:
    """Every rating as the level number and the rubric's words for it, then the notes."""
    e = html.escape
    head = (
        f"<p><b>{e(row.rubric_title)}</b> (version {row.rubric_version}), "
        f"{e(row.setting_label.lower())} on {day(row.observed_on)}, observed by "
        f"{e(row.observer_name)}.</p>"
    )
    if row.withdrawn:
        head += f"<p><b>{e(row.status_label)}</b>. It no longer counts.</p>"
    items = "".join(
        f"<li><b>{e(r.label)}: level {r.level} of 4</b> — {e(r.description)}"
        + (f"<br>Comment: {e(r.comment)}" if r.comment else "")
        + "</li>"
        for r in row.ratings
    )
    notes = f"<p>Notes: {e(row.notes)}</p>" if row.notes else ""
    return f"{head}<ul>{items}</ul>{notes}"


class MyPracticeRecordView(QWidget):
    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.observations: RowsModel[ObservationRow] = RowsModel(
            [
                ("Date", lambda r: day(r.observed_on)),
                ("Rubric", lambda r: r.rubric_title),
                ("Setting", lambda r: r.setting_label),
                ("Levels", lambda r: r.levels_text),
                ("Observer", lambda r: r.observer_name),
                ("Status", lambda r: r.status_label),
            ]
        )
        self.observation_table = table("Your observations")
        self.observation_table.setModel(self.observations)
        self.observation_table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.details = QTextBrowser()
        self.details.setAccessibleName("Ratings of the selected observation")
        self.details.setOpenLinks(False)
        self.sessions: RowsModel[SessionRow] = RowsModel(
            [
                ("Date", lambda r: day(r.held_on)),
                ("Topic", lambda r: r.topic),
                ("Hours", lambda r: hours_text(r.hours)),
                ("Delivery", lambda r: r.delivery_label),
                ("Facilitator", lambda r: r.facilitator),
            ]
        )
        self.session_table = table("Training sessions you attended")
        self.session_table.setModel(self.sessions)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.totals.setAccessibleName("Training session hours")
        intro = QLabel(
            "What trainers observed of your practice, rated against the organization's rubrics, "
            "and the training sessions they recorded you attending. Each level is described in "
            "words; ask the observer about anything you do not recognise."
        )
        intro.setWordWrap(True)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.addWidget(heading("Observed practice", 1.15))
        top_layout.addWidget(self.observation_table, 1)
        top_layout.addWidget(self.details, 1)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.addWidget(heading("Training sessions", 1.15))
        bottom_layout.addWidget(self.session_table, 1)
        bottom_layout.addWidget(self.totals)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("My practice record"))
        layout.addWidget(intro)
        layout.addWidget(splitter, 1)
        self.refresh()

    def refresh(self) -> None:
        with self.ctx.db.begin() as session:
            seen = observations.observations_for(session, self.person, self.person.id)
            attended = training_sessions.sessions_attended(session, self.person, self.person.id)
        self.observations.set_rows(seen)
        self.sessions.set_rows(attended)
        total = sum(r.hours for r in attended)
        self.totals.setText(
            f"{hours_text(total)} in {len(attended)} "
            f"{'session' if len(attended) == 1 else 'sessions'}."
            if attended
            else "No training sessions recorded for you yet."
        )
        if seen:
            self.observation_table.selectRow(0)
        self._on_selection_changed()

    def _on_selection_changed(self, *_: Any) -> None:
        rows = self.observation_table.selectionModel().selectedRows()
        if rows:
            self.details.setHtml(observation_html(self.observations.row(rows[0].row())))
        else:
            self.details.setPlainText("No observations recorded for you yet.")

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        self.refresh()  # what trainers recorded since the screen was built shows up
        super().showEvent(event)
