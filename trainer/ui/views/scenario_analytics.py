"""Choice analytics of one scenario, for trainers: which choices people make, how attempts end."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from trainer.core.errors import TrainerError
from trainer.core.models import Person
from trainer.core.services import library, scenario_analytics
from trainer.core.services.practice import ASSESSMENT, PRACTICE
from trainer.core.services.scenario_analytics import (
    ChoiceShare,
    CriticalError,
    ScenarioAnalytics,
)
from trainer.ui import dialogs, messages
from trainer.ui.context import AppContext
from trainer.ui.reflow import flow_row
from trainer.ui.table_model import RowsModel
from trainer.ui.views.scenarios import node_label
from trainer.ui.views.signing_keys import save_file
from trainer.ui.widgets import button, heading, table

MODES = (
    ("Practice and assessment", None),
    ("Assessment attempts only", ASSESSMENT),
    ("Practice attempts only", PRACTICE),
)


def _percent(share: float) -> str:
    return f"{round(share * 100)}%"


def summary_text(a: ScenarioAnalytics) -> str:
    """The summary line: attempts, pass rate, endings, in words."""
    by_mode = ", ".join(f"{c.started} {c.mode}" for c in a.attempts)
    parts = [
        f"{a.started} attempt{'s' * (a.started != 1)} by {a.people} "
        f"{'person' if a.people == 1 else 'people'}"
        + (f" ({by_mode}), {a.finished} finished." if a.started else ".")
    ]
    if a.pass_rate is not None:
        passed = round(a.pass_rate * a.assessed)
        parts.append(
            f"Pass rate {_percent(a.pass_rate)} ({passed} of {a.assessed} finished assessments)."
        )
    elif a.mode != PRACTICE:
        parts.append("No finished assessment yet.")
    if a.endings:
        parts.append(
            "Endings: "
            + "; ".join(f"“{e.title}” {e.attempts} ({_percent(e.share)})" for e in a.endings)
            + "."
        )
    return " ".join(parts)


class ScenarioAnalyticsView(QWidget):
    """Opened from the content library for one scenario; a window of its own beside the app."""

    def __init__(
        self, ctx: AppContext, person: Person, document_id: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx, self.person, self.document_id = ctx, person, document_id
        self.analytics: ScenarioAnalytics | None = None
        self.title = heading("Choice analytics")
        self.versions = QComboBox()
        self.versions.setAccessibleName("Version")
        self.modes = QComboBox()
        self.modes.setAccessibleName("Attempts counted")
        for label, mode in MODES:
            self.modes.addItem(label, mode)
        self.export = button("E&xport CSV…", self._on_export_clicked, "Export CSV")
        version_label = QLabel("&Version:")
        version_label.setBuddy(self.versions)
        mode_label = QLabel("&Counting:")
        mode_label.setBuddy(self.modes)
        picker_pairs = []
        for label, combo in ((version_label, self.versions), (mode_label, self.modes)):
            pair = QWidget()  # a label stays beside its picker when the row wraps
            pair_layout = QHBoxLayout(pair)
            pair_layout.setContentsMargins(0, 0, 0, 0)
            pair_layout.addWidget(label)
            pair_layout.addWidget(combo)
            picker_pairs.append(pair)
        pickers = flow_row(*picker_pairs)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Summary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setAccessibleName("How shares are counted")
        self.model: RowsModel[ChoiceShare] = RowsModel(
            [
                ("Situation", self._situation),
                ("Choice", lambda c: c.text + (" (critical safety error)" if c.critical else "")),
                ("Taken by", lambda c: f"{c.people} of {c.node_people} people"),
                ("Share", self._share),
                ("Times", lambda c: c.times),
                ("Taken back", lambda c: c.taken_back or ""),
            ]
        )
        self.table = table("Choices")
        self.table.setModel(self.model)
        self.critical_model: RowsModel[CriticalError] = RowsModel(
            [
                ("Choice", lambda e: e.text),
                ("Chosen", lambda e: f"{e.times} time{'s' * (e.times != 1)}"),
                ("By", lambda e: f"{e.people} {'person' if e.people == 1 else 'people'}"),
                ("Why it is a critical safety error", lambda e: e.message),
            ]
        )
        self.critical = table("Most common critical-safety errors")
        self.critical.setModel(self.critical_model)
        self.no_critical = QLabel("No critical-safety error has been chosen.")
        critical_box = QGroupBox("Most common critical-safety errors")
        box_layout = QVBoxLayout(critical_box)
        box_layout.addWidget(self.no_critical)
        box_layout.addWidget(self.critical)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(critical_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        self.saved = QLabel()
        self.saved.setWordWrap(True)
        self.saved.setAccessibleName("Export result")

        # At large text sizes the tables keep a few rows each and the window scrolls down.
        rows = 6 * self.fontMetrics().height()
        self.table.setMinimumHeight(rows)
        self.critical.setMinimumHeight(rows // 2)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.title)
        layout.addLayout(pickers)
        layout.addWidget(self.summary)
        layout.addWidget(self.note)
        layout.addWidget(split, 1)
        layout.addLayout(flow_row(self.export))
        layout.addWidget(self.saved)
        scroller = QScrollArea()
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        scroller.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroller)
        self._load_first()
        self.versions.currentIndexChanged.connect(self.refresh)
        self.modes.currentIndexChanged.connect(self.refresh)

    @classmethod
    def open_window(
        cls, parent: QWidget, ctx: AppContext, person: Person, document_id: int
    ) -> ScenarioAnalyticsView:
        """Show the analytics in a window of their own (not modal: the library stays usable)."""
        view = cls(ctx, person, document_id, parent)
        view.setWindowFlag(Qt.WindowType.Window)
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        view.resize(1000, 680)
        view.show()
        return view

    def _load_first(self) -> None:
        """Open on the live version (the one trainees play now)."""
        with self.ctx.db.begin() as session:
            live = library.live_version(session, self.person, self.document_id)
            version_id = live.id if live is not None else None
            self._show(
                scenario_analytics.scenario_analytics(
                    session, self.person, self.document_id, version_id
                )
            )

    def refresh(self) -> None:
        try:
            with self.ctx.db.begin() as session:
                found = scenario_analytics.scenario_analytics(
                    session,
                    self.person,
                    self.document_id,
                    self.versions.currentData(),
                    mode=self.modes.currentData(),
                )
        except TrainerError as exc:
            messages.error(self, "Analytics not shown", str(exc))
            return
        self._show(found)

    def _show(self, a: ScenarioAnalytics) -> None:
        self.analytics = a
        self.setWindowTitle(f"Choice analytics: {a.scenario.title}")
        self.title.setText(f"Choice analytics: {a.scenario.title}")
        self.versions.blockSignals(True)  # filling the picker is not a choice of version
        self.versions.clear()
        self.versions.addItem("All versions (matching situations)", None)
        for i, v in enumerate(a.versions):
            live = " (live)" if i == 0 else ""
            s = "s" * (v.attempts != 1)
            self.versions.addItem(
                f"Version {v.number}{live}: {v.attempts} attempt{s}", v.version_id
            )
        self.versions.setCurrentIndex(self.versions.findData(a.version_id))
        self.versions.blockSignals(False)
        self.summary.setText(summary_text(a))
        note = (
            f"Share: of the people who chose at a situation, those who took this choice at least "
            f"once (a person who played twice may count for two choices). Under {a.min_people} "
            "people no share is shown. Choices taken back with Undo are not counted."
        )
        if a.unmatched_steps:
            note += (
                f" {a.unmatched_steps} choices made in older versions have no match in version "
                f"{a.scenario.version} and are left out."
            )
        self.note.setText(note)
        self.model.set_rows(a.choices)
        self.critical_model.set_rows(a.critical)
        self.critical.setVisible(bool(a.critical))
        self.no_critical.setVisible(not a.critical)

    def _situation(self, c: ChoiceShare) -> str:
        """The situation's words on its first choice only: the rows below belong to it."""
        a = self.analytics
        assert a is not None
        return node_label(a.scenario, c.node_id) if c.choice_index == 0 else ""

    def _share(self, c: ChoiceShare) -> str:
        return _percent(c.share) if c.share is not None else f"under {c.min_people} people"

    def choice_shares(self) -> dict[tuple[str, int], float]:
        """{(node_id, choice_index): share of people} as shown, for the story map's arrows."""
        return self.analytics.shares() if self.analytics is not None else {}

    def _on_export_clicked(self) -> None:
        a = self.analytics
        if a is None:
            return
        version = "all-versions" if a.version_number is None else f"v{a.version_number}"
        path = dialogs.choose_save_file(
            self, "Export choice analytics", f"{a.key}-choices-{version}.csv", "CSV (*.csv)"
        )
        if path is None:
            return
        try:
            with self.ctx.db.begin() as session:
                text = scenario_analytics.export_csv(
                    session, self.person, self.document_id, a.version_id, mode=a.mode
                )
        except TrainerError as exc:
            messages.error(self, "Not exported", str(exc))
            return
        if save_file(self, path, text):
            self.saved.setText(f"Saved to {path}.")
