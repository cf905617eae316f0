"""Scenario studio (trainers, admins): a scenario on its story map, a side panel for the selected
node and its choices, live findings on a panel and on the cards, a play-test from any node, and
drafts published through the versioned content library. "Show choice analytics" draws on the
map how many trainees took each choice in a published version (the live one unless another is
picked), laid over the draft by node id and choice position where the choice's text is unchanged.

Every edit goes through the open `ScenarioDoc` as one undoable command (typing in one field is
one step); the draft is saved to the library a few seconds after each change and when the page
is left, so a crash loses at most those seconds.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml
from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from trainer.core.errors import TrainerError
from trainer.core.models import ContentKind, Person
from trainer.core.paths import write_private
from trainer.core.play_test import PlayTest
from trainer.core.reader import page, render_markdown
from trainer.core.scenario import Scenario, scenario_yaml
from trainer.core.scenario_doc import Change, ScenarioDoc
from trainer.core.scenario_findings import (
    Finding,
    marks,
    quality_findings,
    siblings,
    validator_findings,
)
from trainer.core.services import library, scenario_analytics
from trainer.core.services.scenario_analytics import ScenarioAnalytics
from trainer.core.twee import export_twee, import_twee_file
from trainer.ui import dialogs, messages
from trainer.ui.context import AppContext
from trainer.ui.eliding_combo import ElidingComboBox
from trainer.ui.reflow import ReflowSplitter, flow_row
from trainer.ui.story_map import StoryMapView
from trainer.ui.views.authoring import publish_draft, published_text
from trainer.ui.views.scenarios import ChoiceButton
from trainer.ui.widgets import button, heading, problem_label, wrap_list, wrapping_label

VALIDATE_AFTER_MS = 300
AUTOSAVE_AFTER_MS = 3000
_UNDO_KEYS = (QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo)


def run_edit(problem: QLabel, edit: Callable[[], Any]) -> None:
    """Make one edit from a side panel; a refused edit (a taken id, a bad value) is said in the
    panel's problem line, which clears on the next edit that works."""
    try:
        edit()
    except TrainerError as exc:
        problem.setText(f"Problem: {exc}")
        problem.show()
        return
    problem.hide()


class _DocKeys(QObject):
    """Ctrl+Z in a field undoes the scenario's last step, not only the field's own typing: the
    field's built-in undo would bypass the document's history."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and (
                any(event.matches(k) for k in _UNDO_KEYS)
                or event.keyCombination() == QKeySequence("Ctrl+Y")[0]
            )
        ):
            event.ignore()  # not taken by the field: the page's shortcut runs
            return True
        if event.type() == QEvent.Type.FocusOut:
            studio = self.parent()
            if isinstance(studio, ScenarioStudioView) and studio.doc is not None:
                studio.doc.seal()  # the next typing in this field is a new undo step
        return False


class _PanelScroll(QScrollArea):
    """A side-panel tab that scrolls down, never sideways: it asks for its panel's narrowest
    width, so the splitter puts the panel under the map when there is no room beside it."""

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        inner = self.widget()
        least = super().minimumSizeHint()
        if inner is None:
            return least
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(inner.minimumSizeHint().width() + bar + 2 * self.frameWidth(), least.height())

    def sizeHint(self) -> QSize:  # noqa: N802
        # Not the whole panel's height: the page would outgrow the window and scroll; the
        # panel scrolls inside its tab instead.
        return QSize(super().sizeHint().width(), self.fontMetrics().lineSpacing() * 16)


def _short(text: str, most: int = 48) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def _plain_edit(name: str, lines: int = 4) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setAccessibleName(name)
    edit.setTabChangesFocus(True)  # Tab moves on, as in every other field
    edit.setMaximumHeight(edit.fontMetrics().lineSpacing() * lines + 12)
    return edit


def _set_text(widget: QLineEdit | QPlainTextEdit, text: str) -> None:
    """Show `text` unless the field already holds it (keeps the cursor where the person types)."""
    current = widget.text() if isinstance(widget, QLineEdit) else widget.toPlainText()
    if current != text:
        if isinstance(widget, QLineEdit):
            widget.setText(text)
        else:
            widget.setPlainText(text)


# --- the side panel: one node or ending, its choices ---------------------------------------------


class NodePanel(QWidget):
    """The selected node's fields and its choices (or the selected ending's fields)."""

    def __init__(self, studio: ScenarioStudioView) -> None:
        super().__init__()
        self.studio = studio
        self.node: str | None = None
        self.choice = -1
        self.loading = False
        self.heading = QLabel("Select a card on the map (or press Enter on it) to edit it.")
        self.heading.setWordWrap(True)
        self.problem = problem_label()
        self.problem.hide()
        self.node_id = QLineEdit()
        self.node_id.editingFinished.connect(self._on_id_edited)
        self.speaker = QLineEdit()
        self.speaker.textEdited.connect(self._on_speaker_edited)
        self.outcome = QComboBox()
        self.outcome.addItems(["success", "partial", "failure"])
        self.outcome.activated.connect(self._on_ending_edited)
        self.title = QLineEdit()
        self.title.textEdited.connect(self._on_ending_edited)
        self.text = _plain_edit("Text (Markdown)", 6)
        self.text.textChanged.connect(self._on_text_changed)
        self.preview = QTextBrowser()
        self.preview.setAccessibleName("Preview of the text")
        self.preview.setMaximumHeight(self.preview.fontMetrics().lineSpacing() * 7)
        self.make_start = button("Make this the &start", self._on_make_start_clicked)
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        for label, widget in (
            ("Node &id", self.node_id),
            ("S&peaker", self.speaker),
            ("Ou&tcome", self.outcome),
            ("T&itle", self.title),
            ("Te&xt", self.text),
            ("Preview", self.preview),
        ):
            widget.setAccessibleName(widget.accessibleName() or label.replace("&", ""))
            self.form.addRow(label, widget)

        self.choices = QListWidget()
        self.choices.setAccessibleName("Choices")
        wrap_list(self.choices)
        self.choices.setMaximumHeight(self.choices.fontMetrics().lineSpacing() * 7)
        self.choices.currentRowChanged.connect(self._on_choice_selected)
        self.add = button("&Add choice", self._on_add_clicked)
        self.remove = button("Remove choice", self._on_remove_clicked)
        self.up = button("Move up", lambda: self._on_move_clicked(-1), "Move the choice up")
        self.down = button("Move down", lambda: self._on_move_clicked(1), "Move the choice down")
        self.choice_text = _plain_edit("Choice text", 3)
        self.choice_text.textChanged.connect(self._on_choice_text_changed)
        self.target = QComboBox()
        self.target.setAccessibleName("Leads to")
        self.target.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.target.setMinimumContentsLength(12)
        self.target.activated.connect(self._on_target_chosen)
        self.condition = QLineEdit()
        self.condition.setAccessibleName("Condition")
        self.condition.setPlaceholderText(
            "e.g. {meters: {tension: {max: 5}}, flags: {asked: true}}"
        )
        self.condition.editingFinished.connect(self._on_condition_edited)
        self.effects_box = QWidget()
        self.effects = QFormLayout(self.effects_box)
        self.effects.setContentsMargins(0, 0, 0, 0)
        # Each name above its spin box: a name wrapped beside it was cut (a form row is as tall
        # as its field, not as its wrapped label).
        self.effects.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.points_box = QWidget()
        self.points = QFormLayout(self.points_box)
        self.points.setContentsMargins(0, 0, 0, 0)
        self.points.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.meter_spins: dict[str, QSpinBox] = {}
        self.point_spins: dict[str, QSpinBox] = {}
        self.feedback = _plain_edit("Feedback", 3)
        self.feedback.textChanged.connect(self._on_feedback_changed)
        self.critical = QCheckBox("Critical safety error")
        self.critical.setAccessibleName("Critical safety error")
        self.critical.toggled.connect(self._on_critical_edited)
        self.critical_why = QLineEdit()
        self.critical_why.setAccessibleName("Why it is a critical safety error")
        self.critical_why.setPlaceholderText("Why (shown in the debrief)")
        self.critical_why.textEdited.connect(self._on_critical_edited)
        self.choice_box = QGroupBox("Selected choice")
        choice_form = QFormLayout(self.choice_box)
        choice_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        choice_form.addRow("C&hoice text", self.choice_text)
        choice_form.addRow("&Leads to", self.target)
        choice_form.addRow("Con&dition", self.condition)
        choice_form.addRow("&Effects on meters", self.effects_box)
        choice_form.addRow("Competency p&oints", self.points_box)
        choice_form.addRow("&Feedback", self.feedback)
        choice_form.addRow(self.critical)
        choice_form.addRow("Why", self.critical_why)
        self.siblings = QLabel()
        self.siblings.setWordWrap(True)
        self.siblings.setAccessibleName("The choices side by side")
        self.siblings.setTextFormat(Qt.TextFormat.RichText)

        self.choices_box = QGroupBox("Choices")
        choices_layout = QVBoxLayout(self.choices_box)
        choices_layout.addWidget(self.choices)
        choices_layout.addLayout(flow_row(self.add, self.remove, self.up, self.down))
        choices_layout.addWidget(self.siblings)
        choices_layout.addWidget(self.choice_box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.problem)
        layout.addLayout(self.form)
        layout.addLayout(flow_row(self.make_start))
        layout.addWidget(self.choices_box)
        layout.addStretch(1)
        self.show_node(None)

    @property
    def doc(self) -> ScenarioDoc:
        assert self.studio.doc is not None
        return self.studio.doc

    def editors(self) -> list[QWidget]:
        return [
            self.node_id,
            self.speaker,
            self.title,
            self.text,
            self.choice_text,
            self.condition,
            self.feedback,
            self.critical_why,
        ]

    # --- showing

    def show_node(self, node_id: str | None) -> None:
        if node_id is not None and (self.studio.doc is None or not self.doc.has(node_id)):
            node_id = None
        if node_id != self.node:
            self.choice = 0
            self.problem.hide()
        self.node = node_id
        self.refresh()

    def refresh(self) -> None:
        self.loading = True
        try:
            self._fill()
        finally:
            self.loading = False

    def _fill(self) -> None:
        node = self.node
        for i in range(self.form.rowCount()):
            self.form.setRowVisible(i, node is not None)
        self.make_start.setVisible(node is not None)
        self.choices_box.setVisible(node is not None and not self.doc.is_ending(node))
        if node is None:
            self.heading.setText("Select a card on the map (or press Enter on it) to edit it.")
            return
        doc = self.doc
        ending = doc.is_ending(node)
        entry = doc.entry(node)
        start = " (the start)" if node == doc.start else ""
        self.heading.setText(f"<b>{'Ending' if ending else 'Node'} {html.escape(node)}</b>{start}")
        self.form.setRowVisible(1, not ending)  # speaker
        self.form.setRowVisible(2, ending)  # outcome
        self.form.setRowVisible(3, ending)  # title
        self.make_start.setEnabled(not ending and node != doc.start)
        self.make_start.setVisible(not ending)
        _set_text(self.node_id, node)
        body = str(entry.get("debrief" if ending else "text") or "")
        self.text.setAccessibleName("Debrief (Markdown)" if ending else "Text (Markdown)")
        _set_text(self.text, body)
        self.preview.setHtml(page(render_markdown(body), ""))
        if ending:
            self.outcome.setCurrentText(str(entry.get("outcome", "partial")))
            _set_text(self.title, str(entry.get("title", "")))
            return
        _set_text(self.speaker, str(entry.get("speaker") or ""))
        choices = doc.choices(node)
        self.choices.blockSignals(True)
        self.choices.clear()
        for n, c in enumerate(choices, 1):
            missing = "" if doc.has(c.get("target", "")) else " (missing!)"
            QListWidgetItem(
                f"{n}. {_short(str(c.get('text', '')))} → {c.get('target')}{missing}", self.choices
            )
        self.choice = min(max(self.choice, 0), len(choices) - 1)
        self.choices.setCurrentRow(self.choice)
        self.choices.blockSignals(False)
        self._fill_siblings(choices)
        self._fill_choice()

    def _fill_siblings(self, choices: list[dict[str, Any]]) -> None:
        rows, notes = siblings(choices)
        if len(rows) < 2:
            self.siblings.setText("")
            return
        lines = [
            f"{r.number}. {r.words} words, {r.characters} characters, {r.points} points"
            + (f", {r.cue_words} words that sound right" if r.cue_words else "")
            + (", critical" if r.critical else "")
            + f" — {html.escape(_short(r.text, 60))}"
            for r in rows
        ]
        text = "<b>Side by side</b><br>" + "<br>".join(lines)
        if notes:
            text += "<br><b>Note:</b> " + "<br><b>Note:</b> ".join(html.escape(n) for n in notes)
        self.siblings.setText(text)

    def _fill_choice(self) -> None:
        node, doc = self.node, self.doc
        assert node is not None
        choices = doc.choices(node)
        has = 0 <= self.choice < len(choices)
        self.choice_box.setEnabled(has)
        for b in (self.remove, self.up, self.down):
            b.setEnabled(has)
        self.up.setEnabled(has and self.choice > 0)
        self.down.setEnabled(has and self.choice < len(choices) - 1)
        self._build_spins()
        if not has:
            self.choice_box.setTitle("Selected choice (none: add one)")
            return
        c = choices[self.choice]
        self.choice_box.setTitle(f"Selected choice: {self.choice + 1}")
        _set_text(self.choice_text, str(c.get("text", "")))
        _set_text(self.feedback, str(c.get("feedback", "")))
        target = str(c.get("target", ""))
        self.target.clear()
        ids = doc.ids()
        for i in ids:
            self.target.addItem(("ending: " if doc.is_ending(i) else "") + i, i)
        if target not in ids:
            self.target.addItem(f"missing: {target}", target)
        self.target.setCurrentIndex(self.target.findData(target))
        condition = c.get("condition")
        shown = (
            yaml.safe_dump(condition, default_flow_style=True, sort_keys=False).strip()
            if condition
            else ""
        )
        if not self.condition.hasFocus():
            _set_text(self.condition, shown)
        effects, points = c.get("effects") or {}, c.get("points") or {}
        for key, spin in self.meter_spins.items():
            spin.setValue(int(effects.get(key, 0)))
        for key, spin in self.point_spins.items():
            spin.setValue(int(points.get(key, 0)))
        critical = c.get("critical")
        self.critical.setChecked(bool(critical))
        self.critical_why.setEnabled(bool(critical))
        _set_text(self.critical_why, str(critical or ""))

    def _build_spins(self) -> None:
        """One spin box per meter and per competency (rebuilt when those change)."""
        meters = [(m["key"], m.get("label", m["key"])) for m in self.doc.data.get("meters") or []]
        comps = [
            (c["key"], c.get("label", c["key"])) for c in self.doc.data.get("competencies") or []
        ]
        for layout, spins, keys, kind in (
            (self.effects, self.meter_spins, meters, "effect"),
            (self.points, self.point_spins, comps, "points"),
        ):
            if [k for k, _ in keys] == list(spins):
                continue
            while layout.rowCount():
                layout.removeRow(0)
            spins.clear()
            for key, label in keys:
                spin = QSpinBox()
                spin.setRange(-100, 100)
                spin.setAccessibleName(f"{label}: {'change' if kind == 'effect' else 'points'}")
                spin.valueChanged.connect(
                    self._on_effects_edited if kind == "effect" else self._on_points_edited
                )
                name = wrapping_label(str(label))  # a long competency name wraps
                name.setBuddy(spin)
                layout.addRow(name, spin)
                spins[key] = spin

    # --- editing

    def _do(self, edit: Callable[[], Any]) -> None:
        if not (self.loading or self.node is None):
            run_edit(self.problem, edit)

    def _on_id_edited(self) -> None:
        new = self.node_id.text().strip()
        if self.node is None or new == self.node:
            return

        def rename() -> None:
            assert self.node is not None
            old = self.node
            self.node = new
            try:
                self.doc.rename_node(old, new)
            except TrainerError:
                self.node = old
                raise

        self._do(rename)

    def _on_speaker_edited(self, text: str) -> None:
        self._do(lambda: self.doc.set_speaker(self.node, text or None))  # type: ignore[arg-type]

    def _on_text_changed(self) -> None:
        if self.loading or self.node is None:
            return
        body = self.text.toPlainText()
        if self.doc.is_ending(self.node):
            self._do(lambda: self.doc.set_ending(self.node, debrief=body))  # type: ignore[arg-type]
        else:
            self._do(lambda: self.doc.set_node_text(self.node, body))  # type: ignore[arg-type]
        self.preview.setHtml(page(render_markdown(body), ""))

    def _on_ending_edited(self, *_: Any) -> None:
        self._do(
            lambda: self.doc.set_ending(
                self.node,  # type: ignore[arg-type]
                outcome=self.outcome.currentText(),
                title=self.title.text(),
            )
        )

    def _on_make_start_clicked(self) -> None:
        self._do(lambda: self.doc.set_start(self.node))  # type: ignore[arg-type]

    def _on_choice_selected(self, row: int) -> None:
        if self.loading or row < 0:
            return
        self.choice = row
        self.refresh()

    def _on_add_clicked(self) -> None:
        def add() -> None:
            assert self.node is not None
            target = next((i for i in self.doc.ending_ids()), self.doc.start)
            self.choice = self.doc.add_choice(self.node, target)

        self._do(add)
        self.choice_text.setFocus()
        self.choice_text.selectAll()

    def _on_remove_clicked(self) -> None:
        self._do(lambda: self.doc.remove_choice(self.node, self.choice))  # type: ignore[arg-type]

    def _on_move_clicked(self, step: int) -> None:
        def move() -> None:
            assert self.node is not None
            old = self.choice
            self.choice = old + step
            self.doc.move_choice(self.node, old, old + step)

        self._do(move)

    def _on_choice_text_changed(self) -> None:
        text = self.choice_text.toPlainText()
        self._do(lambda: self.doc.set_choice_text(self.node, self.choice, text))  # type: ignore[arg-type]

    def _on_feedback_changed(self) -> None:
        text = self.feedback.toPlainText()
        self._do(lambda: self.doc.set_choice_feedback(self.node, self.choice, text))  # type: ignore[arg-type]

    def _on_target_chosen(self, index: int) -> None:
        target = self.target.itemData(index)
        self._do(lambda: self.doc.set_choice_target(self.node, self.choice, target))  # type: ignore[arg-type]

    def _on_condition_edited(self) -> None:
        text = self.condition.text().strip()
        try:
            value = yaml.safe_load(text) if text else None
        except yaml.YAMLError:
            value = "bad"
        if value is not None and not isinstance(value, dict):
            self.problem.setText(
                "Problem: a condition is written as {meters: {key: {min: 1, max: 5}}, flags: "
                "{name: true}}; it was not changed"
            )
            self.problem.show()
            return
        self._do(lambda: self.doc.set_choice_condition(self.node, self.choice, value))  # type: ignore[arg-type]

    def _on_effects_edited(self, *_: Any) -> None:
        values = {k: s.value() for k, s in self.meter_spins.items() if s.value()}
        self._do(lambda: self.doc.set_choice_effects(self.node, self.choice, values or None))  # type: ignore[arg-type]

    def _on_points_edited(self, *_: Any) -> None:
        values = {k: s.value() for k, s in self.point_spins.items() if s.value()}
        self._do(lambda: self.doc.set_choice_points(self.node, self.choice, values or None))  # type: ignore[arg-type]

    def _on_critical_edited(self, *_: Any) -> None:
        self.critical_why.setEnabled(self.critical.isChecked())
        why = (
            (self.critical_why.text().strip() or "A critical safety error")
            if self.critical.isChecked()
            else None
        )
        self._do(lambda: self.doc.set_choice_critical(self.node, self.choice, why))  # type: ignore[arg-type]


# --- the side panel: the scenario's own fields ----------------------------------------------------

_METER_COLUMNS = ("Key", "Label", "Min", "Max", "Start", "High good")


class ScenarioPanel(QWidget):
    """Title, summary, meters, competencies and the pass rule."""

    def __init__(self, studio: ScenarioStudioView) -> None:
        super().__init__()
        self.studio = studio
        self.loading = False
        self.problem = problem_label()
        self.problem.hide()
        self.title = QLineEdit()
        self.title.setAccessibleName("Scenario title")
        self.title.textEdited.connect(lambda t: self._do(lambda: self.doc.set_field("title", t)))
        self.summary = _plain_edit("Summary", 3)
        self.summary.textChanged.connect(self._on_summary_changed)
        self.meters = QTableWidget(0, len(_METER_COLUMNS))
        self.meters.setAccessibleName("Meters")
        self.meters.setHorizontalHeaderLabels(list(_METER_COLUMNS))
        self.meters.horizontalHeaderItem(5).setToolTip("Higher is better (else lower is)")
        self.meters.verticalHeader().hide()
        self.meters.itemChanged.connect(self._on_meters_edited)
        self.competencies = QTableWidget(0, 2)
        self.competencies.setAccessibleName("Competencies")
        self.competencies.setHorizontalHeaderLabels(["Key", "Label"])
        self.competencies.verticalHeader().hide()
        self.competencies.itemChanged.connect(self._on_competencies_edited)
        for t in (self.meters, self.competencies):
            # Columns share the table's width (at large text a heading is cut, not scrolled to).
            t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            t.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            t.setWordWrap(True)
            t.setTabKeyNavigation(False)
            t.setMaximumHeight(t.fontMetrics().lineSpacing() * 8)
        self.min_score = QDoubleSpinBox()
        self.min_score.setAccessibleName("Pass mark (share of the points)")
        self.min_score.setRange(0, 100)
        self.min_score.setSuffix(" %")
        self.min_score.setDecimals(0)
        self.min_score.valueChanged.connect(self._on_pass_edited)
        self.no_critical = QCheckBox("A critical safety error fails the attempt")
        self.no_critical.setAccessibleName("A critical safety error fails the attempt")
        self.no_critical.toggled.connect(self._on_pass_edited)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        form.addRow("&Title", self.title)
        form.addRow("S&ummary", self.summary)
        layout = QVBoxLayout(self)
        layout.addWidget(self.problem)
        layout.addLayout(form)
        layout.addWidget(wrapping_label("Meters (what a choice changes):"))
        layout.addWidget(self.meters)
        layout.addLayout(
            flow_row(
                button("Add &meter", self._on_add_meter_clicked),
                button("Remove meter", lambda: self._remove_row(self.meters, "meters")),
            )
        )
        layout.addWidget(wrapping_label("Competencies (what a choice earns points in):"))
        layout.addWidget(self.competencies)
        layout.addLayout(
            flow_row(
                button("Add &competency", self._on_add_competency_clicked),
                button(
                    "Remove competency", lambda: self._remove_row(self.competencies, "competencies")
                ),
            )
        )
        pass_form = QFormLayout()
        pass_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        pass_form.addRow("&Pass mark", self.min_score)
        pass_form.addRow(self.no_critical)
        layout.addLayout(pass_form)
        layout.addStretch(1)

    @property
    def doc(self) -> ScenarioDoc:
        assert self.studio.doc is not None
        return self.studio.doc

    def editors(self) -> list[QWidget]:
        return [self.title, self.summary]

    def _do(self, edit: Callable[[], Any]) -> None:
        if not (self.loading or self.studio.doc is None):
            run_edit(self.problem, edit)

    def refresh(self) -> None:
        if self.studio.doc is None:
            return
        self.loading = True
        try:
            data = self.doc.data
            _set_text(self.title, str(data.get("title", "")))
            _set_text(self.summary, str(data.get("summary", "")))
            self.meters.setRowCount(0)
            for m in data.get("meters") or []:
                row = self.meters.rowCount()
                self.meters.insertRow(row)
                for col, key in enumerate(("key", "label", "min", "max", "initial")):
                    self.meters.setItem(row, col, QTableWidgetItem(str(m.get(key, ""))))
                check = QTableWidgetItem()
                check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
                better = m.get("higher_is_better", True)
                check.setCheckState(Qt.CheckState.Checked if better else Qt.CheckState.Unchecked)
                check.setText("yes" if better else "no")
                self.meters.setItem(row, 5, check)
            self.competencies.setRowCount(0)
            for c in data.get("competencies") or []:
                row = self.competencies.rowCount()
                self.competencies.insertRow(row)
                self.competencies.setItem(row, 0, QTableWidgetItem(str(c.get("key", ""))))
                self.competencies.setItem(row, 1, QTableWidgetItem(str(c.get("label", ""))))
            rule = data.get("pass") or {}
            self.min_score.setValue(float(rule.get("min_score", 0.8)) * 100)
            self.no_critical.setChecked(bool(rule.get("no_critical", True)))
        finally:
            self.loading = False

    def _on_summary_changed(self) -> None:
        text = self.summary.toPlainText()
        self._do(lambda: self.doc.set_field("summary", text))

    def _meter_rows(self) -> list[dict[str, Any]]:
        rows = []
        for r in range(self.meters.rowCount()):
            cell = [self.meters.item(r, c) for c in range(6)]
            values = [i.text().strip() if i else "" for i in cell[:5]]
            try:
                low, high, initial = (int(v) for v in values[2:5])
            except ValueError as exc:
                raise TrainerError(
                    f"meter {values[0] or r + 1}: min, max and starts-at are whole numbers"
                ) from exc
            better = cell[5] is not None and cell[5].checkState() == Qt.CheckState.Checked
            rows.append(
                {
                    "key": values[0],
                    "label": values[1] or values[0],
                    "min": low,
                    "max": high,
                    "initial": initial,
                    "higher_is_better": better,
                }
            )
        return rows

    def _on_meters_edited(self, *_: Any) -> None:
        self._do(lambda: self.doc.set_meters(self._meter_rows()))

    def _on_competencies_edited(self, *_: Any) -> None:
        rows = []
        for r in range(self.competencies.rowCount()):
            key, label = (self.competencies.item(r, c) for c in range(2))
            k = key.text().strip() if key else ""
            rows.append({"key": k, "label": (label.text().strip() if label else "") or k})
        self._do(lambda: self.doc.set_competencies(rows))

    def _fresh(self, taken: list[dict[str, Any]], base: str) -> str:
        keys = {m["key"] for m in taken}
        n = 1
        while f"{base}{n}" in keys:
            n += 1
        return f"{base}{n}"

    def _on_add_meter_clicked(self) -> None:
        meters = list(self.doc.data.get("meters") or [])
        key = self._fresh(meters, "meter")
        meters.append(
            {
                "key": key,
                "label": key.capitalize(),
                "min": 0,
                "max": 10,
                "initial": 5,
                "higher_is_better": True,
            }
        )
        self._do(lambda: self.doc.set_meters(meters))

    def _on_add_competency_clicked(self) -> None:
        comps = list(self.doc.data.get("competencies") or [])
        key = self._fresh(comps, "competency")
        comps.append({"key": key, "label": key.capitalize()})
        self._do(lambda: self.doc.set_competencies(comps))

    def _remove_row(self, table: QTableWidget, group: str) -> None:
        row = table.currentRow()
        items = list(self.doc.data.get(group) or [])
        if not 0 <= row < len(items):
            return
        del items[row]
        if group == "meters":
            self._do(lambda: self.doc.set_meters(items))
        else:
            self._do(lambda: self.doc.set_competencies(items))

    def _on_pass_edited(self, *_: Any) -> None:
        self._do(
            lambda: self.doc.set_pass(
                round(self.min_score.value() / 100, 2), self.no_critical.isChecked()
            )
        )


# --- the play-test -----------------------------------------------------------------------------


class PlayTestPanel(QWidget):
    """Play the scenario as it is now, from the start or the selected node, with meter and flag
    values the author sets first. Nothing is recorded."""

    def __init__(self, studio: ScenarioStudioView) -> None:
        super().__init__()
        self.studio = studio
        self.play: PlayTest | None = None
        self.settings: tuple[str | None, dict[str, int], dict[str, bool]] | None = None
        self.meter_spins: dict[str, QSpinBox] = {}
        self.flag_checks: dict[str, QCheckBox] = {}
        self.setup_box = QGroupBox("Before playing: meter values and flags")
        self.setup = QFormLayout(self.setup_box)
        self.setup.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.from_start = button("Play from the s&tart", lambda: self.begin(None))
        self.from_selected = button("Play from the selected &node", self._on_from_selected_clicked)
        self.restart = button("&Restart", self._on_restart_clicked, "Restart the play-test")
        self.restart.setEnabled(False)
        self.status = QLabel("Not playing. Play-tests are never recorded as attempts.")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Play-test meters, flags and score")
        self.scene = QTextBrowser()
        self.scene.setAccessibleName("Play-test scene")
        # A few lines that scroll themselves: grown to fill the panel, the scene pushed the
        # choices under it below the fold (at 1100x720, with three meters to set above).
        lines = self.scene.fontMetrics().lineSpacing()
        self.scene.setMinimumHeight(lines * 4)
        self.scene.setMaximumHeight(lines * 7)
        self.scene.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.feedback = QLabel()
        self.feedback.setWordWrap(True)
        self.feedback.setAccessibleName("Feedback on the last choice")
        self.choices_layout = QVBoxLayout()
        self.buttons: list[ChoiceButton] = []
        layout = QVBoxLayout(self)
        layout.addWidget(self.setup_box)
        layout.addLayout(flow_row(self.from_start, self.from_selected, self.restart))
        layout.addWidget(self.status)
        layout.addWidget(self.feedback)
        layout.addWidget(self.scene)
        layout.addLayout(self.choices_layout)
        layout.addStretch(1)

    def refresh_setup(self, scenario: Scenario | None) -> None:
        """Spin boxes for the meters and check boxes for the flags the scenario uses."""
        meters = (
            [(m.key, m.label, m.min, m.max, m.initial) for m in scenario.meters] if scenario else []
        )
        flags = (
            sorted(
                {k for n in scenario.nodes.values() for c in n.choices for k, _ in c.set_flags}
                | {
                    k
                    for n in scenario.nodes.values()
                    for c in n.choices
                    if c.condition
                    for k, _ in c.condition.flags
                }
            )
            if scenario
            else []
        )
        if [m[0] for m in meters] == list(self.meter_spins) and flags == list(self.flag_checks):
            for key, _, low, high, _ in meters:
                self.meter_spins[key].setRange(low, high)
            return
        while self.setup.rowCount():
            self.setup.removeRow(0)
        self.meter_spins, self.flag_checks = {}, {}
        for key, label, low, high, initial in meters:
            spin = QSpinBox()
            spin.setRange(low, high)
            spin.setValue(initial)
            spin.setAccessibleName(f"{label} at the start of the play-test")
            self.setup.addRow(label, spin)
            self.meter_spins[key] = spin
        for key in flags:
            check = QCheckBox(f"Flag {key} is set")
            check.setAccessibleName(f"Flag {key} is set")
            self.setup.addRow(check)
            self.flag_checks[key] = check

    def _on_from_selected_clicked(self) -> None:
        selected = self.studio.selected_node()
        if selected is None:
            self.status.setText("Select a node on the map first (an ending cannot be played from).")
            return
        self.begin(selected)

    def begin(self, node: str | None) -> None:
        meters = {k: s.value() for k, s in self.meter_spins.items()}
        flags = {k: True for k, c in self.flag_checks.items() if c.isChecked()}
        self.settings = (node, meters, flags)
        self._start()

    def _on_restart_clicked(self) -> None:
        if self.settings is not None:
            self._start()

    def _start(self) -> None:
        assert self.settings is not None
        node, meters, flags = self.settings
        scenario = self.studio.scenario
        if scenario is None:
            self.status.setText(
                "The scenario cannot be played until its structure is fixed (see Findings)."
            )
            return
        if node is not None and node not in scenario.nodes:
            self.status.setText(f"There is no node {node!r} to play from.")
            return
        self.play = PlayTest.begin(scenario, node, meters, flags)
        self.restart.setEnabled(True)
        self.feedback.setText("")
        self.show_state()

    def pick(self, index: int) -> None:
        if self.play is None:
            return
        chosen = self.play.choose(index)
        self.feedback.setText(f"<b>Feedback:</b> {html.escape(chosen.feedback)}")
        self.show_state()

    def show_state(self) -> None:
        play = self.play
        assert play is not None
        s = play.engine.s
        state = play.state
        meters = ", ".join(f"{s.meter(k).label} {v}" for k, v in state.meters.items())
        flags = ", ".join(k for k, v in state.flags.items() if v) or "none"
        score = f"{play.total} of {play.best_total} points ({play.fraction:.0%})"
        critical = f"; critical errors: {len(play.critical)}" if play.critical else ""
        for b in self.buttons:
            self.choices_layout.removeWidget(b)
            b.deleteLater()
        self.buttons = []
        if play.finished:
            ending = s.endings[state.node]
            verdict = "passed" if play.passed else "not passed"
            self.scene.setHtml(
                page(render_markdown(ending.debrief), f"{ending.title} ({ending.outcome})")
            )
            self.status.setText(
                f"Ending {state.node}: {verdict}. Meters: {meters}. Flags: {flags}. "
                f"Score: {score}{critical}."
            )
            return
        node = s.nodes[state.node]
        self.scene.setHtml(
            page(render_markdown(node.text), "", f"<p><b>{html.escape(node.speaker or '')}</b></p>")
        )
        offered = play.offered()
        self.status.setText(
            f"At {state.node}. Meters: {meters}. Flags: {flags}. Score: {score}{critical}."
            + ("" if offered else " No choice is offered here: a dead end.")
        )
        for n, (index, choice) in enumerate(offered, 1):
            b = ChoiceButton(f"{n}. {choice.text}", f"Choice {n}: {choice.text}")
            b.clicked.connect(lambda _=False, i=index: self.pick(i))
            self.choices_layout.addWidget(b)
            self.buttons.append(b)
        QTimer.singleShot(0, self._show_choices)  # once the new buttons are laid out

    def _show_choices(self) -> None:
        """Scroll the tab so the state, the scene and the choices are in view, the choices
        first: the meter set-up above them is what may go out of sight."""
        scroll = self.parentWidget().parentWidget() if self.parentWidget() else None
        if not isinstance(scroll, QScrollArea):
            return
        for _ in range(2):  # the panel's new height, then the scroll area's range
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        for widget in (self.status, self.scene, *self.buttons[-1:]):
            scroll.ensureWidgetVisible(widget, 0, 4)


# --- the page -----------------------------------------------------------------------------------


class ScenarioStudioView(QWidget):
    quality_ready = Signal(object)  # (generation, quality findings), from the worker thread

    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.document_id: int | None = None
        self.doc: ScenarioDoc | None = None
        self.map: StoryMapView | None = None
        self.scenario: Scenario | None = None
        self.found: list[Finding] = []
        self.required_by: list[str] = []
        self.published_number: int | None = None
        self.analytics: ScenarioAnalytics | None = None  # shown on the map, when switched on
        self.analytics_window: QWidget | None = None
        # The card Add node / Add ending last made, and the card it was put beside ("": in
        # the visible area): while the new card is still the selection, the next goes beside
        # the same card, below it, so adding ten nodes makes a column, not a long row.
        self.added: tuple[str, str] | None = None
        self.adding = False
        self.keys = _DocKeys(self)
        self.generation = 0  # of the findings shown; a quality result for an older one is dropped
        self.quality_pending = False
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="studio-quality")
        self.quality_ready.connect(self._on_quality_ready)
        self.destroyed.connect(lambda: self.pool.shutdown(wait=False, cancel_futures=True))

        self.picker = ElidingComboBox(least_letters=16)  # a long title ends in "…", whole in
        self.picker.setAccessibleName("Scenario")  # the tooltip
        self.picker.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.picker.setMinimumContentsLength(16)
        self.picker.activated.connect(self._on_picker_activated)
        picker_label = QLabel("Sc&enario:")
        picker_label.setBuddy(self.picker)
        self.new = button("&New scenario…", self._on_new_clicked, "New scenario")
        self.import_twee = button("&Import Twee…", self._on_import_clicked, "Import Twee")
        self.export_twee = button("E&xport Twee…", self._on_export_clicked, "Export Twee")
        self.add_node = button("Add no&de", lambda: self._add(False), "Add a node")
        self.add_ending = button("Add endin&g", lambda: self._add(True), "Add an ending")
        self.undo = button("Undo", self._on_undo_clicked)
        self.redo = button("Redo", self._on_redo_clicked)
        self.save = button("&Save draft", self.save_draft)
        self.publish = button("&Publish new version", self._on_publish_clicked)
        self.history = button("&Version history…", self._on_history_clicked, "Version history")
        self.note = QLineEdit()
        self.note.setPlaceholderText("What changed (optional, shown in the version history)")
        self.note.setAccessibleName("Publish note")
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setAccessibleName("Draft state")
        self.blocked = QLabel()
        self.blocked.setWordWrap(True)
        self.blocked.setAccessibleName("Why publishing is blocked")
        for sequence, slot, what in (
            (QKeySequence.StandardKey.Undo, self._on_undo_clicked, "undo the last edit"),
            ("Ctrl+Shift+Z", self._on_redo_clicked, "redo"),
            ("Ctrl+Y", self._on_redo_clicked, "redo"),
            (QKeySequence.StandardKey.Save, self.save_draft, "save the draft"),
            ("Ctrl+Shift+R", self._on_arrange, "arrange all cards on the map"),
        ):
            shortcut = QShortcut(QKeySequence(sequence), self, slot)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.setWhatsThis(f"Scenario studio: {what}")

        self.map_holder = QVBoxLayout()
        self.map_holder.setContentsMargins(0, 0, 0, 0)
        self.empty = wrapping_label("Choose a scenario, or make a new one, to see its story map.")
        self.map_holder.addWidget(self.empty)
        self.show_shares = QPushButton("Sho&w choice analytics")
        self.show_shares.setCheckable(True)
        self.show_shares.setAccessibleName("Show choice analytics on the map (Ctrl+Shift+A)")
        self.show_shares.toggled.connect(self._on_show_shares_toggled)
        self.share_version = QComboBox()
        self.share_version.setAccessibleName("Analytics of version")
        self.share_version.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.share_version.setPlaceholderText("the live version")
        self.share_version.activated.connect(self._on_share_version_chosen)
        share_version_label = QLabel("Of versio&n:")
        share_version_label.setBuddy(self.share_version)
        self.open_table = button(
            "Open analytics ta&ble…", self._on_open_table_clicked, "Open the analytics table"
        )
        self.legend = wrapping_label("")
        self.legend.setAccessibleName("Map legend")
        self.legend.hide()
        version_pair = QWidget()  # the label stays beside its picker when the row wraps
        pair_layout = QHBoxLayout(version_pair)
        pair_layout.setContentsMargins(0, 0, 0, 0)
        pair_layout.addWidget(share_version_label)
        pair_layout.addWidget(self.share_version)
        shares_shortcut = QShortcut(QKeySequence("Ctrl+Shift+A"), self, self.show_shares.click)
        shares_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shares_shortcut.setWhatsThis("Scenario studio: show or hide choice analytics on the map")
        self.findings = QListWidget()
        self.findings.setAccessibleName("Findings")
        wrap_list(self.findings)
        self.findings.setMaximumHeight(self.findings.fontMetrics().lineSpacing() * 6)
        self.findings.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.findings.itemActivated.connect(self._on_finding_activated)
        self.findings.itemClicked.connect(self._on_finding_activated)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(self.map_holder, 1)
        left_layout.addWidget(self.legend)
        left_layout.addLayout(flow_row(self.show_shares, version_pair, self.open_table))
        findings_label = QLabel("Fin&dings (click one to select its node):")
        findings_label.setWordWrap(True)
        findings_label.setBuddy(self.findings)
        left_layout.addWidget(findings_label)
        left_layout.addWidget(self.findings)

        self.node_panel = NodePanel(self)
        self.scenario_panel = ScenarioPanel(self)
        self.play_panel = PlayTestPanel(self)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Editing panels")
        for panel, title in (
            (self.node_panel, "N&ode"),
            (self.scenario_panel, "Scenario"),
            (self.play_panel, "P&lay-test"),
        ):
            scroll = _PanelScroll()
            scroll.setWidgetResizable(True)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            scroll.setWidget(panel)
            scroll.setAccessibleName(title.replace("&", ""))
            self.tabs.addTab(scroll, title)
        for editor in (*self.node_panel.editors(), *self.scenario_panel.editors()):
            editor.installEventFilter(self.keys)
        self.split = ReflowSplitter()
        self.split.addWidget(left)
        self.split.addWidget(self.tabs)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)

        self.validate_timer = QTimer(self)
        self.validate_timer.setSingleShot(True)
        self.validate_timer.setInterval(VALIDATE_AFTER_MS)
        self.validate_timer.timeout.connect(self.validate)
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setSingleShot(True)
        self.autosave_timer.setInterval(AUTOSAVE_AFTER_MS)
        self.autosave_timer.timeout.connect(self.save_draft)

        top = QHBoxLayout()
        top.addWidget(picker_label)
        top.addWidget(self.picker, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Scenario studio"))
        layout.addLayout(top)
        layout.addLayout(
            flow_row(
                self.add_node,
                self.add_ending,
                self.undo,
                self.redo,
                self.new,
                self.import_twee,
                self.export_twee,
                self.history,
            )
        )
        layout.addWidget(self.state)
        layout.addWidget(self.split, 1)
        layout.addWidget(self.blocked)
        layout.addWidget(self.note)
        layout.addLayout(flow_row(self.save, self.publish))
        self.refresh()
        self._show_undo()

    # --- the list of scenarios

    def refresh(self, select_id: int | None = None) -> None:
        with self.ctx.db.begin() as session:
            docs = library.list_documents(session, self.person, ContentKind.SCENARIO)
        keep = select_id or self.document_id
        self.picker.clear()
        for d in docs:
            version = f"v{d.live_number}" if d.live_number else "unpublished"
            self.picker.addItem(
                f"{d.title} ({version})" + (" — draft" if d.has_draft else ""), d.id
            )
        index = self.picker.findData(keep) if keep is not None else (0 if docs else -1)
        self.picker.setCurrentIndex(index)
        target = self.picker.itemData(index) if index >= 0 else None
        if target is not None and target != self.document_id:
            self.load(target)

    def _on_picker_activated(self, index: int) -> None:
        target = self.picker.itemData(index)
        if target is not None and target != self.document_id:
            self.save_draft()  # never lose an edit by moving on
            self.load(target)

    def select_key(self, key: str) -> None:
        with self.ctx.db.begin() as session:
            doc_id = library.find_document(session, self.person, ContentKind.SCENARIO, key).id
        self.refresh(select_id=doc_id)
        if self.document_id != doc_id:
            self.load(doc_id)

    def load(self, document_id: int) -> None:
        """Open the document's draft, else its live version, on the map."""
        with self.ctx.db.begin() as session:
            found = library.versions(session, self.person, document_id)
            live = next((v for v in found if not v.is_draft), None)
            current = found[0] if found else None
            body = current.body if current else ""
            self.required_by = library.programs_requiring(session, self.person, document_id, body)
        self._close_doc()
        self.document_id = document_id
        self.published_number = live.number if live else None
        try:
            doc = ScenarioDoc.from_yaml(body)
        except TrainerError as exc:
            self.state.setText(
                f"This scenario cannot be opened on the map: {exc}. Fix it in the content "
                "library's text or discard the draft there."
            )
            self._show_undo()
            return
        self._open_doc(doc, is_draft=current is not None and current.is_draft)

    def _close_doc(self) -> None:
        if self.doc is not None:
            self.doc.unsubscribe(self._on_doc_changed)
        if self.map is not None:
            self.map.detach()
            self.map_holder.removeWidget(self.map)
            self.map.deleteLater()
        self.map, self.doc, self.scenario, self.found = None, None, None, []
        self.generation += 1
        self.autosave_timer.stop()
        self.validate_timer.stop()

    def _open_doc(self, doc: ScenarioDoc, is_draft: bool) -> None:
        self.doc = doc
        self.empty.hide()
        self.map = StoryMapView(doc)
        self.map.setMinimumHeight(self.fontMetrics().lineSpacing() * 12)
        # The map takes the room there is: its own preferred height (the whole scene) made the
        # page taller than the window.
        self.map.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.map.node_activated.connect(self._on_node_activated)
        self.map.selection_changed.connect(self._on_map_selection_changed)
        self.map_holder.addWidget(self.map, 1)
        doc.subscribe(self._on_doc_changed)
        self.node_panel.show_node(doc.start)
        self.scenario_panel.refresh()
        self.validate()
        self._show_undo()
        self._sync_analytics()
        if is_draft:
            self.state.setText(
                "Editing the draft (saved automatically). Trainees keep playing the published "
                "version until you publish."
            )
        elif self.published_number is not None:
            self.state.setText(
                f"Showing published version {self.published_number}. Editing starts a draft; "
                "the published version never changes."
            )

    # --- following the document

    def _on_doc_changed(self, change: Change) -> None:
        node = self.node_panel.node
        if change.renamed and node == change.renamed[0]:
            self.node_panel.node = change.renamed[1]
            node = change.renamed[1]
        if node is not None and (node in change.ids or change.scenario):
            self.node_panel.show_node(node)
        if change.scenario:
            self.scenario_panel.refresh()
        if self.analytics is not None:
            self._lay_shares()
        self._show_undo()
        self.state.setText("Unsaved changes (the draft is saved a few seconds after you stop).")
        self.validate_timer.start()
        self.autosave_timer.start()

    def _show_undo(self) -> None:
        doc = self.doc
        can_undo, can_redo = bool(doc and doc.can_undo), bool(doc and doc.can_redo)
        self.undo.setEnabled(can_undo)
        self.redo.setEnabled(can_redo)
        undo = f"Undo {doc.undo_text}" if doc and can_undo else "Undo"
        redo = f"Redo {doc.redo_text}" if doc and can_redo else "Redo"
        self.undo.setText(_short(undo, 40).replace("&", "&&"))
        self.redo.setText(_short(redo, 40).replace("&", "&&"))
        self.undo.setAccessibleName(undo + " (Ctrl+Z)")
        self.redo.setAccessibleName(redo + " (Ctrl+Shift+Z)")
        self.undo.setToolTip(undo + " (Ctrl+Z)")
        self.redo.setToolTip(redo + " (Ctrl+Shift+Z)")
        for b in (self.add_node, self.add_ending, self.save, self.export_twee, self.history):
            b.setEnabled(doc is not None)
        if doc is None:
            self.publish.setEnabled(False)

    def _on_undo_clicked(self) -> None:
        if self.doc is not None:
            self.doc.undo()

    def _on_redo_clicked(self) -> None:
        if self.doc is not None:
            self.doc.redo()

    def _on_node_activated(self, node_id: str) -> None:
        self.node_panel.show_node(node_id)
        self.tabs.setCurrentIndex(0)
        self.node_panel.text.setFocus()

    def _on_map_selection_changed(self, ids: list[str]) -> None:
        if not self.adding:
            self.added = None
        if len(ids) == 1:
            self.node_panel.show_node(ids[0])

    def selected_node(self) -> str | None:
        """The node selected on the map (or shown in the side panel); None for an ending."""
        ids = self.map.selected_ids() if self.map else []
        node = ids[0] if len(ids) == 1 else self.node_panel.node
        if node is None or self.doc is None or not self.doc.has(node) or self.doc.is_ending(node):
            return None
        return node

    def _add(self, ending: bool) -> None:
        if self.doc is None or self.map is None:
            return
        selected = self.map.selected_ids()
        if self.added is not None and selected == [self.added[0]]:
            near = self.added[1]
        else:
            near = selected[0] if len(selected) == 1 else ""
        self.adding = True
        self.map.canvas.place_near = near
        try:
            new = self.doc.add_ending() if ending else self.doc.add_node()
            self.map.go_to(new)
        finally:
            self.map.canvas.place_near = None
            self.adding = False
        self.added = (new, near)
        self.node_panel.show_node(new)

    def _on_arrange(self) -> None:
        if self.map is not None:
            self.map.canvas.arrange()

    # --- findings

    def validate(self) -> None:
        """The validator's findings at once (a few ms), then the quality checks' off the GUI
        thread (their random plays take 0.1-0.3 s on the shipped scenarios): the panel and the
        cards show both."""
        if self.doc is None:
            return
        text = self.doc.to_yaml()
        self.scenario, self.found = validator_findings(text)
        self.generation += 1
        self.quality_pending = self.scenario is not None and not self.found
        if self.quality_pending:
            generation, scenario = self.generation, self.scenario
            assert scenario is not None
            self.pool.submit(
                lambda: self.quality_ready.emit((generation, quality_findings(scenario, text)))
            )
        self._show_findings()
        self.play_panel.refresh_setup(self.scenario)

    def _on_quality_ready(self, result: tuple[int, list[Finding]]) -> None:
        generation, found = result
        if generation != self.generation:
            return  # the scenario changed since: a newer check is on its way
        self.quality_pending = False
        self.found = [*self.found, *found]
        self._show_findings()

    def _show_findings(self) -> None:
        self.findings.clear()
        for f in self.found:
            prefix = "Problem" if f.is_problem else "Quality"
            item = QListWidgetItem(f"{prefix}: {f.message}", self.findings)
            item.setData(Qt.ItemDataRole.UserRole, f.node)
        if self.quality_pending:
            QListWidgetItem("Checking the assessment quality…", self.findings)
        elif not self.found:
            QListWidgetItem("No findings: every check passes.", self.findings)
        if self.map is not None:
            self.map.set_marks(marks(self.found))
        self._show_blocked()

    def blocking(self) -> list[Finding]:
        """The findings that stop publishing: the validator's, and the quality findings when a
        live program counts on this scenario (the service refuses those too)."""
        return [f for f in self.found if f.is_problem or self.required_by]

    def _show_blocked(self) -> None:
        blocking = self.blocking()
        waiting = self.quality_pending and bool(self.required_by)
        self.publish.setEnabled(self.doc is not None and not blocking and not waiting)
        if waiting:
            self.blocked.setText("Checking the assessment quality before publishing…")
            return
        if not blocking:
            self.blocked.setText("")
            return
        problems = sum(1 for f in blocking if f.is_problem)
        quality = len(blocking) - problems
        why = []
        if problems:
            why.append(f"{problems} problem{'s' if problems > 1 else ''} the validator found")
        if quality:
            programs = ", ".join(repr(p) for p in self.required_by)
            why.append(
                f"{quality} quality finding{'s' if quality > 1 else ''} (the program "
                f"{programs} counts on this scenario as evidence)"
            )
        self.blocked.setText(
            "Publishing is blocked until these are fixed: " + " and ".join(why) + " (see Findings)."
        )

    def _on_finding_activated(self, item: QListWidgetItem) -> None:
        node = item.data(Qt.ItemDataRole.UserRole)
        if node and self.map is not None and self.map.go_to(node):
            self.node_panel.show_node(node)

    # --- choice analytics on the map

    def _sync_analytics(self) -> None:
        """After a scenario opens or is published: analytics of its live version, if shown."""
        published = self.doc is not None and self.published_number is not None
        for widget in (self.show_shares, self.share_version, self.open_table):
            widget.setEnabled(published)
        self.show_shares.setToolTip(
            "Arrow thickness and labels: the share of trainees taking each choice (Ctrl+Shift+A)"
            if published
            else "Publish the scenario first: analytics are of published versions."
        )
        self.share_version.clear()
        self._show_shares()

    def _on_show_shares_toggled(self, _on: bool) -> None:
        self._show_shares()

    def _on_share_version_chosen(self, _index: int) -> None:
        self._show_shares()

    def _show_shares(self) -> None:
        """Fetch the picked version's analytics (the live version's at first) onto the map."""
        self.analytics = None
        on = self.show_shares.isChecked() and self.show_shares.isEnabled()
        self.share_version.setEnabled(on)
        if not on or self.map is None or self.document_id is None:
            if self.map is not None:
                self.map.canvas.set_shares(None)
            self.legend.hide()
            return
        try:
            with self.ctx.db.begin() as session:
                version_id = self.share_version.currentData()
                if version_id is None:
                    live = library.live_version(session, self.person, self.document_id)
                    version_id = live.id if live is not None else None
                found = scenario_analytics.scenario_analytics(
                    session, self.person, self.document_id, version_id
                )
        except TrainerError as exc:
            self.map.canvas.set_shares(None)
            self.legend.setText(f"Choice analytics are not shown: {exc}")
            self.legend.show()
            return
        self.analytics = found
        self.share_version.clear()
        for i, v in enumerate(found.versions):
            live = " (live)" if i == 0 else ""
            self.share_version.addItem(
                f"{v.number}{live}: {v.attempts} attempt{'s' * (v.attempts != 1)}", v.version_id
            )
        self.share_version.setCurrentIndex(self.share_version.findData(found.version_id))
        self._lay_shares()
        which = "live version" if found.version_id == found.versions[0].version_id else "version"
        self.legend.setText(
            f"Arrow thickness: share of trainees taking the choice; {which} "
            f"{found.version_number}, {found.started} attempt{'s' * (found.started != 1)}. "
            f"Thin light arrows: under {found.min_people} people, or a new or reworded choice."
        )
        self.legend.setToolTip(
            "Share: of the people who chose at a situation, those who took this choice. "
            "Labels show from 50% zoom. A choice of the draft gets the version's share only "
            "where it has the same place and text."
        )
        self.legend.show()

    def _lay_shares(self) -> None:
        """The analytics over the draft as it is now (a reworded choice loses its share)."""
        if self.analytics is None or self.doc is None or self.map is None:
            return
        doc = self.doc
        self.map.canvas.set_shares(
            self.analytics.shares_on(
                (node_id, i, str(c.get("text", "")))
                for node_id in doc.node_ids()
                for i, c in enumerate(doc.choices(node_id))
            )
        )

    def _on_open_table_clicked(self) -> None:
        if self.document_id is None:
            return
        # Imported here, as the content library does: most sessions never open the table.
        from trainer.ui.views.scenario_analytics import ScenarioAnalyticsView

        try:
            window = ScenarioAnalyticsView.open_window(
                self, self.ctx, self.person, self.document_id
            )
        except TrainerError as exc:
            messages.error(self, "Analytics not shown", str(exc))
            return
        self.analytics_window = window
        if self.analytics is not None:  # the same version as the map
            window.versions.setCurrentIndex(window.versions.findData(self.analytics.version_id))

    # --- drafts and publishing

    def save_draft(self) -> bool:
        """Save the document as the library's draft, when it changed since the last save."""
        self.autosave_timer.stop()
        if self.doc is None or self.document_id is None or self.doc.is_clean:
            return True
        try:
            with self.ctx.db.begin() as session:
                library.save_draft(
                    session,
                    self.person,
                    self.document_id,
                    self.doc.to_yaml(),
                    now=self.ctx.clock.now(),
                )
        except TrainerError as exc:
            self.state.setText(f"The draft was not saved: {exc}")
            return False
        self.doc.mark_clean()
        self.state.setText(f"Draft saved at {self.ctx.clock.now().astimezone():%H:%M:%S}.")
        self._relabel()
        return True

    def _relabel(self) -> None:
        with self.ctx.db.begin() as session:
            docs = {
                d.id: d for d in library.list_documents(session, self.person, ContentKind.SCENARIO)
            }
        for i in range(self.picker.count()):
            d = docs.get(self.picker.itemData(i))
            if d is not None:
                version = f"v{d.live_number}" if d.live_number else "unpublished"
                self.picker.setItemText(
                    i, f"{d.title} ({version})" + (" — draft" if d.has_draft else "")
                )

    def _on_publish_clicked(self) -> None:
        if self.document_id is None or not self.save_draft():
            return
        version = publish_draft(self, self.ctx, self.person, self.document_id, self.note.text())
        if version is None:
            return
        self.note.clear()
        self.published_number = version.number
        self._relabel()
        self._sync_analytics()
        self.state.setText(published_text(version.number))

    def _on_history_clicked(self) -> None:
        if self.document_id is None:
            return
        self.save_draft()
        from trainer.ui.views.library import version_label, version_name

        with self.ctx.db.begin() as session:
            found = library.versions(session, self.person, self.document_id)
            rows = [(v.id, version_label(v), version_name(v)) for v in found]

        def compare(a: int, b: int) -> Any:
            with self.ctx.db.begin() as session:
                return library.compare_versions(session, self.person, a, b)

        title = str(self.doc.data.get("title", "")) if self.doc else ""
        dialogs.VersionHistoryDialog.ask(self, title, rows, compare)

    # --- new, import, export

    def _create(self, key: str, body: str) -> int:
        with self.ctx.db.begin() as session:
            doc = library.create_document(
                session, self.person, ContentKind.SCENARIO, key, body, now=self.ctx.clock.now()
            )
            return doc.id

    def _on_new_clicked(self) -> None:
        def create(value: tuple[str, str]) -> int:
            key, title = value
            return self._create(key, ScenarioDoc.blank(key, title or key).to_yaml())

        self.save_draft()
        created = dialogs.NewScenarioDialog.ask(self, create)
        if created is not None:
            self.refresh(select_id=created)

    def _on_import_clicked(self) -> None:
        path = dialogs.choose_open_file(
            self, "Import a Twine story", "Twee files (*.twee *.tw);;All files (*)"
        )
        if path is not None:
            self.import_file(path)

    def import_file(self, path: Path) -> int | None:
        """Import a Twee file after the person has read its report; nothing is saved before.
        When its id is already a scenario's (exported, edited in Twine, imported back), the
        report says so and offers a new draft of that scenario or a new scenario under a free
        id; the draft is reviewed and published as usual."""
        key = "-".join("".join(ch if ch.isalnum() else " " for ch in path.stem.lower()).split())
        key = key[:120].strip("-") or "imported-story"
        scenario, report = import_twee_file(path, scenario_id=key)
        with self.ctx.db.begin() as session:
            docs = {
                d.key: d for d in library.list_documents(session, self.person, ContentKind.SCENARIO)
            }
        existing = docs.get(key) if scenario is not None else None
        clash: dict[str, Any] = {"key": key}
        if existing is not None:
            clash.update(
                existing_title=existing.title, taken=set(docs), free_key=_free_key(key, docs)
            )
        choice = dialogs.ImportReportDialog.ask(self, report.lines(), scenario is not None, **clash)
        if choice is None:
            return None
        assert scenario is not None
        how, chosen = choice
        self.save_draft()
        try:
            if how == "draft" and existing is not None:
                with self.ctx.db.begin() as session:
                    library.save_draft(
                        session,
                        self.person,
                        existing.id,
                        scenario_yaml(scenario),
                        now=self.ctx.clock.now(),
                    )
                created = existing.id
            else:
                if chosen != scenario.id:
                    scenario = import_twee_file(path, scenario_id=chosen)[0]
                    assert scenario is not None  # the same text imported a moment ago
                created = self._create(scenario.id, scenario_yaml(scenario))
        except TrainerError as exc:
            messages.error(self, "Story not imported", f"{exc}\n\nNothing was saved.")
            return None
        self.refresh(select_id=created)
        if self.document_id == created and how == "draft":
            self.load(created)  # the open document is the one that got the new draft
        return created

    def _on_export_clicked(self) -> None:
        if self.doc is None:
            return
        scenario = self.doc.check()[0]
        if scenario is None:
            messages.error(
                self, "Not exported", "Fix the scenario's structure first (see Findings)."
            )
            return
        path = dialogs.choose_save_file(
            self, "Export as Twee", f"{scenario.id}.twee", "Twee files (*.twee);;All files (*)"
        )
        if path is None:
            return
        try:
            write_private(path, export_twee(scenario))
        except OSError as exc:
            messages.error(
                self,
                "Not exported",
                f"Cannot write {path}: {exc.strerror or exc}. Choose another place.",
            )
            return
        self.state.setText(f"Exported to {path}.")

    # --- leaving

    def hideEvent(self, event: Any) -> None:  # noqa: N802
        self.save_draft()  # leaving the page keeps the work
        super().hideEvent(event)

    def save_state(self) -> None:
        """On sign-out or close: unsaved edits become the draft rather than being lost."""
        self.save_draft()


def _free_key(key: str, taken: Collection[str]) -> str:
    """The first of key-2, key-3, … that no scenario has (within the id's 120 characters)."""
    for n in itertools.count(2):
        suffix = f"-{n}"
        candidate = key[: 120 - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable")
