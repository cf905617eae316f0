"""Sign-offs (trainers): review other people's field hours, one entry at a time."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from trainer.core.dates import short_date as day
from trainer.core.errors import TrainerError
from trainer.core.models import Person
from trainer.core.services import field_hours
from trainer.core.services.field_hours import HoursRow
from trainer.ui import dialogs, messages
from trainer.ui.context import AppContext
from trainer.ui.table_model import RowsModel
from trainer.ui.views.my_credentials import hours_text
from trainer.ui.widgets import StyledLabel, button, heading, table


def describe(row: HoursRow) -> str:
    """“3 h of street outreach on 2 Mar 2026 for Keisha Moore”."""
    return (
        f"{hours_text(row.hours)} of {row.activity_label.lower()} on {day(row.worked_on)} "
        f"for {row.person_name}"
    )


class SignOffsView(QWidget):
    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.model: RowsModel[HoursRow] = RowsModel(
            [
                ("Person", lambda r: r.person_name),
                ("Date", lambda r: day(r.worked_on)),
                ("Hours", lambda r: hours_text(r.hours)),
                ("Activity", lambda r: r.activity_label),
                ("Notes", lambda r: r.notes),
            ]
        )
        self.table = table("Field hours waiting for sign-off")
        self.table.setModel(self.model)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setAccessibleName("Notes of the selected entry")
        self.sign = button("&Sign off", self._on_sign_clicked, "Sign off selected entry")
        self.reject = button("&Reject…", self._on_reject_clicked, "Reject selected entry")
        self.count = QLabel()
        self.count.setAccessibleName("Entries waiting")
        self.status = StyledLabel(bold=True)
        self.status.setAccessibleName("Last action")
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign)
        buttons.addWidget(self.reject)
        buttons.addStretch(1)
        buttons.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Sign-offs"))
        intro = QLabel(
            "Field hours that trainees logged, waiting for a trainer to confirm them. Sign off "
            "only work you supervised or can vouch for; reject with a reason so it can be "
            "corrected. Your own entries go to another trainer."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.notes)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.refresh()

    def refresh(self) -> None:
        with self.ctx.db.begin() as session:
            rows = field_hours.pending_reviews(session, self.person)
        self.model.set_rows(rows)
        self.count.setText(
            f"{len(rows)} {'entry' if len(rows) == 1 else 'entries'} waiting"
            if rows
            else "Nothing waits for your sign-off."
        )
        if rows:
            self.table.selectRow(0)
        self._on_selection_changed()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        self.refresh()  # entries logged since the screen was built show up
        super().showEvent(event)

    def selected(self) -> HoursRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _on_selection_changed(self, *_: Any) -> None:
        row = self.selected()
        self.sign.setEnabled(row is not None)
        self.reject.setEnabled(row is not None)
        self.notes.setText(
            ("Corrects an earlier entry. " if row and row.corrects_id else "")
            + (f"Notes from {row.person_name}: {row.notes or '(none)'}" if row else "")
        )

    def _review(self, row: HoursRow, approve: bool, comment: str) -> str:
        with self.ctx.db.begin() as session:
            field_hours.review(
                session,
                self.person,
                row.id,
                approve=approve,
                comment=comment,
                now=self.ctx.clock.now(),
            )
        return comment

    def _on_sign_clicked(self) -> None:
        row = self.selected()
        if row is None or not messages.confirm(
            self, "Sign off field hours", f"Sign off {describe(row)}?", yes="Sign off"
        ):
            return
        try:
            self._review(row, True, "")
            self.status.setText(f"Signed off {describe(row)}.")
        except TrainerError as exc:  # e.g. another trainer reviewed it a moment ago
            messages.error(self, "Not signed off", str(exc))
        self.refresh()

    def _on_reject_clicked(self) -> None:
        row = self.selected()
        if row is None:
            return

        def submit(comment: str) -> str:
            return self._review(row, False, comment)

        if dialogs.RejectHoursDialog.ask(self, describe(row), submit) is not None:
            self.refresh()
            self.status.setText(f"Rejected {describe(row)}; they can correct it.")
