"""Team (managers) and Cohort (trainers): everyone's training progress at a glance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from trainer.core.models import Person, Role
from trainer.core.services import accounts, training
from trainer.core.services.training import TrainingOverview
from trainer.ui.context import AppContext
from trainer.ui.fit_table import fit_tree
from trainer.ui.reflow import ReflowSplitter
from trainer.ui.table_model import RowsModel
from trainer.ui.views.training import minutes_text, module_item
from trainer.ui.widgets import heading, table


@dataclass(frozen=True)
class Row:
    person: Person
    overview: TrainingOverview

    @property
    def passed(self) -> str:
        total = sum(len(t.modules) for t in self.overview.tracks)
        return f"{sum(t.passed for t in self.overview.tracks)} of {total}"

    @property
    def working_on(self) -> str:
        return (
            ", ".join(
                m.title
                for t in self.overview.tracks
                for m in t.modules
                if m.status == training.IN_PROGRESS
            )
            or "—"
        )


class TeamView(QWidget):
    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        title = "Team" if person.has_role(Role.MANAGER) else "Cohort"
        self.model: RowsModel[Row] = RowsModel(
            [
                ("Name", lambda r: r.person.full_name),
                ("Job title", lambda r: r.person.job_title),
                ("Modules passed", lambda r: r.passed),
                ("Working on", lambda r: r.working_on),
                ("Study time left", lambda r: minutes_text(r.overview.minutes_left)),
            ]
        )
        self.table = table(f"{title} progress")
        self.table.setModel(self.model)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.detail = QTreeWidget()
        self.detail.setAccessibleName("Modules of the selected person")
        # Names first, wrapping to the room there is; the status in a word or two (the whole of
        # it in the tooltip), so both columns are in view without scrolling sideways.
        self.detail.setHeaderLabels(["Module", "Status"])
        fit_tree(self.detail)
        self.summary = QLabel()
        split = ReflowSplitter()
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setSizes([640, 420])
        layout = QVBoxLayout(self)
        layout.addWidget(heading(title))
        intro = QLabel(
            "Training progress of every active trainee. Select a person to see each module."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(split, 1)
        layout.addWidget(self.summary)
        self.refresh()

    def refresh(self) -> None:
        with self.ctx.db.begin() as session:
            people = [
                p
                for p in accounts.list_people(session, self.person, include_inactive=False)
                if p.has_role(Role.TRAINEE)
            ]
            overviews = training.team_statuses(session, self.person, [p.id for p in people])
        self.model.set_rows([Row(p, overviews[p.id]) for p in people])
        self.summary.setText(f"{len(people)} trainees")

    def _on_selection_changed(self, *_: Any) -> None:
        rows = self.table.selectionModel().selectedRows()
        self.detail.clear()
        if not rows:
            return
        row = self.model.row(rows[0].row())
        for track in row.overview.tracks:
            top = QTreeWidgetItem([track.title, f"{track.passed} of {len(track.modules)} passed"])
            self.detail.addTopLevelItem(top)
            top.setToolTip(0, track.title)
            for module in track.modules:
                top.addChild(module_item(module))
            top.setExpanded(True)
