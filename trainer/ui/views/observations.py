"""Observations (trainers): rate a trainee's observed practice against a rubric, competency by
competency, and withdraw an observation recorded by mistake."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from trainer.core.dates import short_date as day
from trainer.core.errors import TrainerError, ValidationError
from trainer.core.models import Person
from trainer.core.rubric import LEVELS, Competency, Rubric, setting_label
from trainer.core.services import observations
from trainer.core.services.observations import ObservationRow, RubricChoice
from trainer.ui import dialogs, messages
from trainer.ui.context import AppContext
from trainer.ui.eliding_combo import ElidingComboBox
from trainer.ui.reflow import WrappingChoice
from trainer.ui.table_model import RowsModel
from trainer.ui.widgets import StyledLabel, button, heading, table, wrapping_label


def level_text(level: int, description: str) -> str:
    """“3 — Mediates on their own…” (it wraps to the room there is: WrappingChoice)."""
    return f"{level} — {description}"


def describe(row: ObservationRow) -> str:
    """“the field observation of Tom Person on 2 Mar 2026 (Supervisor competency checklist)”."""
    return (
        f"the {row.setting_label.lower()} of {row.person_name} on {day(row.observed_on)} "
        f"({row.rubric_title})"
    )


class CompetencyRating(QGroupBox):
    """One competency: four radio buttons (the level and its words) and a comment."""

    def __init__(self, competency: Competency) -> None:
        super().__init__(competency.label)
        self.competency = competency
        self.setAccessibleName(competency.label)
        self.group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        for level in LEVELS:
            choice = QRadioButton()
            choice.setAccessibleName(f"{competency.label}: level {level}")
            choice.setAccessibleDescription(competency.describe(level))
            self.group.addButton(choice, level)
            layout.addWidget(WrappingChoice(choice, level_text(level, competency.describe(level))))
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("Comment (optional): what you saw")
        self.comment.setAccessibleName(f"Comment on {competency.label}")
        layout.addWidget(self.comment)

    def level(self) -> int | None:
        chosen = self.group.checkedId()
        return chosen if chosen in LEVELS else None

    def choose(self, level: int) -> None:
        self.group.button(level).setChecked(True)

    def clear(self) -> None:
        self.group.setExclusive(False)  # an exclusive group cannot uncheck its last button
        for choice in self.group.buttons():
            choice.setChecked(False)
        self.group.setExclusive(True)
        self.comment.clear()


class RatingsForm(QWidget):
    """Every competency of the chosen rubric, in the rubric's order."""

    def __init__(self) -> None:
        super().__init__()
        self.rubric: Rubric | None = None
        self.rows: list[CompetencyRating] = []
        self.about = QLabel()  # scrolls with the ratings, leaving them the room
        self.about.setWordWrap(True)
        self.about.setAccessibleName("About the rubric")
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.addWidget(self.about)

    def set_rubric(self, rubric: Rubric | None) -> None:
        for row in self.rows:
            self.layout_.removeWidget(row)
            row.deleteLater()
        self.rubric = rubric
        self.about.setText(rubric.description if rubric else "No rubric is published yet.")
        self.rows = [CompetencyRating(c) for c in rubric.competencies] if rubric else []
        for row in self.rows:
            self.layout_.addWidget(row)

    def ratings(self) -> dict[str, tuple[int, str]]:
        """Only the rated competencies: the service names any left out."""
        return {
            row.competency.key: (level, row.comment.text())
            for row in self.rows
            if (level := row.level()) is not None
        }

    def row(self, key: str) -> CompetencyRating:
        return next(r for r in self.rows if r.competency.key == key)

    def clear(self) -> None:
        for row in self.rows:
            row.clear()


class ObservationsView(QWidget):
    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.rubrics: list[RubricChoice] = []
        # Names and rubric titles can be long: cut with an ellipsis (whole in the tooltip)
        # rather than widening the page at large text sizes.
        self.trainee = ElidingComboBox()
        self.rubric = ElidingComboBox()
        self.rubric.currentIndexChanged.connect(self._on_rubric_changed)
        self.setting = ElidingComboBox()
        self.observed_on = QDateEdit()
        self.observed_on.setCalendarPopup(True)
        self.observed_on.setDisplayFormat("d MMM yyyy")
        self.set_date(ctx.clock.now().date())
        self.form = RatingsForm()
        self.about = self.form.about
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        scroll.setAccessibleName("Ratings")
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(70)
        self.record = button("&Record observation", self._on_record_clicked)
        self.status = StyledLabel(bold=True)
        self.status.setAccessibleName("Last action")
        fields = QFormLayout()
        # At large text sizes a label goes above its field rather than widening the page.
        fields.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for label, widget in (
            ("&Trainee", self.trainee),
            ("Ru&bric", self.rubric),
            ("&Setting", self.setting),
            ("&Date observed", self.observed_on),
        ):
            widget.setAccessibleName(label.replace("&", ""))
            fields.addRow(label, widget)
        self.notes.setAccessibleName("Notes")
        entry = QWidget()
        entry_layout = QVBoxLayout(entry)
        entry_layout.addLayout(fields)
        entry_layout.addWidget(scroll, 1)
        notes_label = wrapping_label("&Notes (what you observed, the context)")
        notes_label.setBuddy(self.notes)
        entry_layout.addWidget(notes_label)
        entry_layout.addWidget(self.notes)
        record_row = QHBoxLayout()
        record_row.addWidget(self.record)
        record_row.addStretch(1)
        entry_layout.addLayout(record_row)
        entry_layout.addWidget(self.status)

        self.model: RowsModel[ObservationRow] = RowsModel(
            [
                ("Date", lambda r: day(r.observed_on)),
                ("Trainee", lambda r: r.person_name),
                ("Rubric", lambda r: f"{r.rubric_title} (version {r.rubric_version})"),
                ("Setting", lambda r: r.setting_label),
                ("Levels", lambda r: r.levels_text),
                ("Observer", lambda r: r.observer_name),
                ("Status", lambda r: r.status_label),
            ]
        )
        self.table = table("Recorded observations")
        self.table.setModel(self.model)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.withdraw = button("&Withdraw…", self._on_withdraw_clicked, "Withdraw observation")
        recorded = QWidget()
        recorded_layout = QVBoxLayout(recorded)
        recorded_layout.addWidget(heading("Recorded observations", 1.15))
        recorded_layout.addWidget(self.table, 1)
        withdraw_row = QHBoxLayout()
        withdraw_row.addWidget(self.withdraw)
        withdraw_row.addStretch(1)
        recorded_layout.addLayout(withdraw_row)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(entry)
        splitter.addWidget(recorded)
        splitter.setStretchFactor(0, 4)  # the form needs the room; the table can scroll
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Observations"))
        intro = QLabel(
            "Rate what you saw a trainee do in a role-play, in the field, or delivering a "
            "training, against one of the organization's rubrics. Rate every competency; each "
            "level is described in words. You cannot observe yourself. A recorded observation "
            "never changes: withdraw one recorded by mistake, saying why, and record it again."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(splitter, 1)
        self.refresh()

    # --- loading -------------------------------------------------------------------------------

    def refresh(self) -> None:
        with self.ctx.db.begin() as session:
            trainees = observations.observable_trainees(session, self.person)
            rubrics = observations.published_rubrics(session, self.person)
            rows = observations.all_observations(session, self.person)
        self._fill_trainees(trainees)
        self._fill_rubrics(rubrics)
        today = self.ctx.clock.now().date()
        self.observed_on.setMaximumDate(QDate(today.year, today.month, today.day))
        self.observed_on.setMinimumDate(QDate(today.year, today.month, today.day).addYears(-1))
        self.model.set_rows(rows)
        self._on_selection_changed()

    def _fill_trainees(self, trainees: list[observations.PersonChoice]) -> None:
        current = self.trainee.currentData()
        self.trainee.clear()
        # Nobody is chosen at first: an observation recorded against the first name in the list
        # by mistake is worse than a "choose a trainee" message.
        self.trainee.addItem("Choose a trainee…", None)
        for choice in trainees:
            self.trainee.addItem(choice.name, choice.id)
        self.trainee.setCurrentIndex(max(0, self.trainee.findData(current)))

    def _fill_rubrics(self, rubrics: list[RubricChoice]) -> None:
        if [(r.key, r.version_number) for r in rubrics] == [
            (r.key, r.version_number) for r in self.rubrics
        ]:
            return  # nothing new published: keep what is being filled in
        current = self.rubric.currentData()
        self.rubrics = rubrics
        self.rubric.blockSignals(True)
        self.rubric.clear()
        for choice in rubrics:
            self.rubric.addItem(f"{choice.title} (version {choice.version_number})", choice.key)
        self.rubric.setCurrentIndex(max(0, self.rubric.findData(current)))
        self.rubric.blockSignals(False)
        self._on_rubric_changed()

    def chosen_rubric(self) -> RubricChoice | None:
        key = self.rubric.currentData()
        return next((r for r in self.rubrics if r.key == key), None)

    def _on_rubric_changed(self, *_: Any) -> None:
        choice = self.chosen_rubric()
        rubric = choice.rubric if choice else None
        self.setting.clear()
        for setting in rubric.settings if rubric else ():
            self.setting.addItem(setting_label(setting), setting)
        self.form.set_rubric(rubric)
        self._chain_tabs()

    def _chain_tabs(self) -> None:
        """Tab goes through the form top to bottom, the ratings (built later) in their place."""
        chain: list[QWidget] = [self.trainee, self.rubric, self.setting, self.observed_on]
        for row in self.form.rows:
            chain += [*row.group.buttons(), row.comment]
        chain += [self.notes, self.record, self.table, self.withdraw]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    # --- recording and withdrawing -------------------------------------------------------------

    def set_date(self, when: date) -> None:
        self.observed_on.setDate(QDate(when.year, when.month, when.day))

    def _record(self) -> ObservationRow:
        if self.trainee.currentData() is None:
            raise ValidationError("Trainee: choose who you observed from the list.", "person")
        with self.ctx.db.begin() as session:
            saved = observations.record_observation(
                session,
                self.person,
                person_id=self.trainee.currentData() or 0,
                rubric_key=self.rubric.currentData() or "",
                setting=self.setting.currentData() or "",
                observed_on=self.observed_on.date().toPython(),
                ratings=self.form.ratings(),
                notes=self.notes.toPlainText(),
                now=self.ctx.clock.now(),
            )
            rows = observations.observations_for(session, self.person, saved.person_id)
        return next(r for r in rows if r.id == saved.id)

    def _on_record_clicked(self) -> None:
        try:
            row = self._record()
        except TrainerError as exc:
            messages.error(self, "Observation not recorded", str(exc))
            return
        self.form.clear()
        self.notes.clear()
        self.refresh()
        self.status.setText(f"Recorded {describe(row)}: {row.levels_text}.")

    def selected(self) -> ObservationRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _on_selection_changed(self, *_: Any) -> None:
        row = self.selected()
        self.withdraw.setEnabled(row is not None and not row.withdrawn)

    def _on_withdraw_clicked(self) -> None:
        row = self.selected()
        if row is None:
            return

        def submit(reason: str) -> str:
            with self.ctx.db.begin() as session:
                observations.withdraw_observation(
                    session, self.person, row.id, reason, now=self.ctx.clock.now()
                )
            return reason

        if dialogs.WithdrawObservationDialog.ask(self, describe(row), submit) is not None:
            self.refresh()
            self.status.setText(f"Withdrew {describe(row)}.")

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        self.refresh()  # trainees added and rubrics published since show up
        super().showEvent(event)
