"""Training sessions (trainers): record an in-person or live online session and who attended."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from trainer.core.dates import short_date as day
from trainer.core.errors import TrainerError, ValidationError
from trainer.core.models import Person
from trainer.core.services import training_sessions
from trainer.core.services.observations import PersonChoice
from trainer.core.services.training_sessions import DELIVERY_LABELS, MAX_HOURS, SessionRow
from trainer.ui import messages
from trainer.ui.context import AppContext
from trainer.ui.table_model import RowsModel
from trainer.ui.views.my_credentials import hours_text
from trainer.ui.widgets import StyledLabel, button, heading, table, wrap_list


class AttendeeList(QListWidget):
    """Trainees with a check box each (Space ticks the current one); ticks survive a refresh."""

    def __init__(self) -> None:
        super().__init__()
        self.setAccessibleName("Attendees")
        wrap_list(self)  # a 120-character name wraps instead of scrolling the list sideways

    def set_people(self, people: list[PersonChoice]) -> None:
        ticked = set(self.ticked())
        self.clear()
        for person in people:
            item = QListWidgetItem(person.name, self)
            item.setData(Qt.ItemDataRole.UserRole, person.id)
            item.setToolTip(person.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if person.id in ticked else Qt.CheckState.Unchecked
            )

    def items(self) -> list[QListWidgetItem]:
        return [self.item(i) for i in range(self.count())]

    def ticked(self) -> list[int]:
        return [
            int(item.data(Qt.ItemDataRole.UserRole))
            for item in self.items()
            if item.checkState() == Qt.CheckState.Checked
        ]

    def tick(self, name: str, on: bool = True) -> None:
        for item in self.items():
            if item.text() == name:
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def clear_ticks(self) -> None:
        for item in self.items():
            item.setCheckState(Qt.CheckState.Unchecked)


class TrainingSessionsView(QWidget):
    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.topic = QLineEdit()
        self.held_on = QDateEdit()
        self.held_on.setCalendarPopup(True)
        self.held_on.setDisplayFormat("d MMM yyyy")
        self.set_date(ctx.clock.now().date())
        # A plain field: a spin box would silently clamp "30" (meant as minutes) to 3 h.
        self.hours = QLineEdit()
        self.hours.setPlaceholderText(f"e.g. 2.5 (quarter hours, up to {MAX_HOURS:g})")
        self.delivery = QComboBox()
        for key, label in DELIVERY_LABELS.items():
            self.delivery.addItem(label, key)
        self.facilitator = QLineEdit(person.full_name)
        self.attendees = AttendeeList()
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(80)
        self.record = button("&Record session", self._on_record_clicked)
        self.status = StyledLabel(bold=True)
        self.status.setAccessibleName("Last action")
        fields = QFormLayout()
        # At large text sizes a label goes above its field rather than widening the page.
        fields.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for label, widget in (
            ("&Topic", self.topic),
            ("&Date held", self.held_on),
            ("H&ours", self.hours),
            ("De&livery", self.delivery),
            ("Fac&ilitator", self.facilitator),
            ("&Attendees", self.attendees),
            ("&Notes", self.notes),
        ):
            widget.setAccessibleName(label.replace("&", ""))
            fields.addRow(label, widget)
        self.attendees.setToolTip("Tick each trainee who came")
        entry = QWidget()
        entry_layout = QVBoxLayout(entry)
        entry_layout.setContentsMargins(0, 0, 0, 0)  # the page's own margins are enough
        entry_layout.addLayout(fields)
        record_row = QHBoxLayout()
        record_row.addWidget(self.record)
        record_row.addStretch(1)
        entry_layout.addLayout(record_row)
        entry_layout.addWidget(self.status)

        self.model: RowsModel[SessionRow] = RowsModel(
            [
                ("Date", lambda r: day(r.held_on)),
                ("Topic", lambda r: r.topic),
                ("Hours", lambda r: hours_text(r.hours)),
                ("Delivery", lambda r: r.delivery_label),
                ("Facilitator", lambda r: r.facilitator),
                ("Attendees", lambda r: r.attendee_names),
                ("Recorded by", lambda r: r.recorded_by_name),
            ]
        )
        self.table = table("Recorded training sessions")
        self.table.setModel(self.model)
        recorded = QWidget()
        recorded_layout = QVBoxLayout(recorded)
        recorded_layout.setContentsMargins(0, 0, 0, 0)
        recorded_layout.addWidget(heading("Recorded sessions", 1.15))
        recorded_layout.addWidget(self.table, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(entry)
        splitter.addWidget(recorded)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Training sessions"))
        intro = QLabel(
            "Record a training session held in person or live online, and tick the trainees who "
            "attended. Hours go in quarter hours, up to 16 for one session. You cannot record "
            "your own attendance; another trainer does."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(splitter, 1)
        self.refresh()

    def refresh(self) -> None:
        with self.ctx.db.begin() as session:
            people = training_sessions.attendable_trainees(session, self.person)
            rows = training_sessions.all_sessions(session, self.person)
        self.attendees.set_people(people)
        today = self.ctx.clock.now().date()
        self.held_on.setMaximumDate(QDate(today.year, today.month, today.day))
        self.model.set_rows(rows)

    def set_date(self, when: date) -> None:
        self.held_on.setDate(QDate(when.year, when.month, when.day))

    def _hours(self) -> float:
        text = self.hours.text().strip().replace(",", ".").removesuffix("h").strip()
        try:
            return float(text)
        except ValueError:
            raise ValidationError(
                f"Hours: enter the session's length in hours, for example 2.5 (not {text!r}).",
                "hours",
            ) from None

    def _record(self) -> None:
        hours = self._hours()
        with self.ctx.db.begin() as session:
            training_sessions.record_session(
                session,
                self.person,
                topic=self.topic.text(),
                held_on=self.held_on.date().toPython(),
                hours=hours,
                delivery=self.delivery.currentData(),
                facilitator=self.facilitator.text(),
                attendee_ids=self.attendees.ticked(),
                notes=self.notes.toPlainText(),
                now=self.ctx.clock.now(),
            )

    def _on_record_clicked(self) -> None:
        try:
            self._record()
        except TrainerError as exc:
            messages.error(self, "Session not recorded", str(exc))
            return
        count = len(self.attendees.ticked())
        self.status.setText(
            f"Recorded “{self.topic.text().strip()}” on {day(self.held_on.date().toPython())}: "
            f"{hours_text(self._hours())}, {count} {'attendee' if count == 1 else 'attendees'}."
        )
        self.topic.clear()
        self.hours.clear()
        self.notes.clear()
        self.attendees.clear_ticks()
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        self.refresh()  # trainees added since show up
        super().showEvent(event)
