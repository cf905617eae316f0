"""Scenarios: choose one, play it with the keyboard (1-9), see meters move, read the debrief."""

from __future__ import annotations

import html
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from trainer.core.errors import TrainerError
from trainer.core.models import Person
from trainer.core.reader import page, render_markdown
from trainer.core.scenario import Scenario
from trainer.core.services import practice
from trainer.core.services.practice import AttemptRecord, Play, ScenarioSummary
from trainer.ui import messages
from trainer.ui.context import AppContext
from trainer.ui.table_model import RowsModel
from trainer.ui.widgets import PageStack, button, heading, problem_label, table

ROLE_LABELS = {
    "street-outreach": "Street outreach",
    "community-safety": "Community safety",
    "hospital-response": "Hospital response",
    "family-support": "Family support",
    "case-management": "Case management",
    "wellbeing": "Your wellbeing",
}
OUTCOME_LABELS = {"success": "Resolved well", "partial": "Partly resolved", "failure": "Went badly"}


def _result(s: ScenarioSummary) -> str:
    if s.unfinished_attempt:
        return f"Unfinished {s.unfinished_mode} attempt"
    if s.passed_assessment:
        return "Passed (assessment)"
    if s.best_score is not None:
        return f"Best score {round(s.best_score * 100)}%"
    return "Not tried"


def node_label(s: Scenario, node_id: str, words: int = 8) -> str:
    """A node named by its words, not its id: an ending by its title, a situation by the first
    words of its first sentence (nodes have no titles of their own)."""
    if node_id in s.endings:
        return f"Ending: {s.endings[node_id].title}"
    node = s.nodes.get(node_id)
    if node is None:
        return node_id
    plain = " ".join(node.text.replace("*", "").replace("_", " ").split())
    sentence = plain.split(". ")[0].rstrip(".")
    cut = sentence.split()
    return " ".join(cut[:words]) + ("…" if len(cut) > words else "")


def path_steps(s: Scenario, nodes: list[str], taken: list[int] | None = None) -> list[str]:
    """A path told as what was done at each step (the choice that led on), then its ending.

    `taken` is the index of the choice made at each step, when known (the trainee's own path).
    Without it (the expert path is a list of nodes) a step is the best choice leading to the
    next node: several choices may lead there, and naming the first one listed named a wrong,
    even harmful, choice as the expert's."""
    steps = []
    for number, (here, there) in enumerate(pairwise(nodes)):
        node = s.nodes.get(here)
        text = None
        if node is not None and taken is not None and number < len(taken):
            index = taken[number]
            text = node.choices[index].text if 0 <= index < len(node.choices) else None
        elif node is not None:
            leading = [c for c in node.choices if c.target == there]
            best = max(leading, key=lambda c: (c.critical is None, c.total_points), default=None)
            text = best.text if best is not None else None
        steps.append(text or node_label(s, here))
    if nodes and nodes[-1] in s.endings:
        steps.append(node_label(s, nodes[-1]))
    return steps


class ScenarioListView(QWidget):
    play_requested = Signal(str, str)  # key, mode
    resume_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model: RowsModel[ScenarioSummary] = RowsModel(
            [
                ("Scenario", lambda s: s.title),
                ("For", lambda s: ROLE_LABELS.get(s.role, s.role)),
                ("Minutes", lambda s: s.estimated_minutes),
                ("Your result", _result),
            ]
        )
        self.table = table("Scenarios")
        self.table.setModel(self.model)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.doubleClicked.connect(lambda *_: self._request(practice.PRACTICE))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Scenario summary")
        self.practice = button("Start &practice", lambda: self._request(practice.PRACTICE))
        self.assess = button("Start &assessment", lambda: self._request(practice.ASSESSMENT))
        self.resume = button("&Resume", self._on_resume_clicked)
        row = QHBoxLayout()
        for b in (self.practice, self.assess, self.resume):
            row.addWidget(b)
        row.addStretch(1)
        self.history_model: RowsModel[AttemptRecord] = RowsModel(
            [
                ("When", lambda a: a.started_at.astimezone().strftime("%Y-%m-%d %H:%M")),
                ("Scenario", lambda a: a.scenario_title),
                ("Mode", lambda a: a.mode.capitalize()),
                ("Outcome", lambda a: OUTCOME_LABELS.get(a.outcome or "", "Unfinished")),
                ("Score", lambda a: f"{round(a.score * 100)}%" if a.score is not None else ""),
                (
                    "Result",
                    lambda a: "" if a.passed is None else ("Passed" if a.passed else "Not passed"),
                ),
                ("Choices", lambda a: a.steps),
            ]
        )
        self.history = table("Your attempts")
        self.history.setModel(self.history_model)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Scenarios"))
        intro = QLabel(
            "Practice tense situations safely. In practice mode you can undo "
            "a choice; an assessment counts toward your credentials and "
            "cannot be undone."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addLayout(row)
        layout.addWidget(QLabel("Your attempts"))
        layout.addWidget(self.history, 1)

    def show_list(
        self, rows: list[ScenarioSummary], history: list[AttemptRecord] | None = None
    ) -> None:
        self.history_model.set_rows(history or [])
        selected = self.selected()
        self.model.set_rows(rows)
        keys = [r.key for r in rows]
        self.table.selectRow(keys.index(selected.key) if selected and selected.key in keys else 0)
        self._on_selection_changed()

    def selected(self) -> ScenarioSummary | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _on_selection_changed(self, *_: Any) -> None:
        s = self.selected()
        for b in (self.practice, self.assess):
            b.setEnabled(s is not None)
        self.resume.setEnabled(bool(s and s.unfinished_attempt))
        self.summary.setText(
            f"<b>{html.escape(s.title)}</b>: {html.escape(s.summary)}" if s else ""
        )

    def _request(self, mode: str) -> None:
        s = self.selected()
        if s is not None:
            self.play_requested.emit(s.key, mode)

    def _on_resume_clicked(self) -> None:
        s = self.selected()
        if s is not None and s.unfinished_attempt:
            self.resume_requested.emit(s.unfinished_attempt)


class MeterView(QWidget):
    """A meter as a labelled bar with its number and its last change in words, not colour."""

    def __init__(self, label: str, low: int, high: int, higher_is_better: bool) -> None:
        super().__init__()
        self.name = label
        self.hint = "higher is better" if higher_is_better else "lower is better"
        self.title = QLabel(f"{label} ({self.hint})")
        self.title.setWordWrap(True)  # three meters side by side still fit at 200% text
        self.bar = QProgressBar()
        self.bar.setRange(low, high)
        self.bar.setFormat(f"%v of {high}")
        self.change = QLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.bar)
        layout.addWidget(self.change)

    def show_value(self, value: int, before: int | None) -> None:
        self.bar.setValue(value)
        delta = 0 if before is None else value - before
        self.change.setText(
            "" if not delta else ("▲ up " if delta > 0 else "▼ down ") + str(abs(delta))
        )
        said = f"{self.name} {value} of {self.bar.maximum()}, {self.hint}"
        if delta:
            said += f", {'up' if delta > 0 else 'down'} {abs(delta)}"
        self.bar.setAccessibleName(said)


class ChoiceButton(QPushButton):
    """A push button whose words wrap: a QPushButton draws its text on one line, so a long
    choice would be cut or would widen the page. The words sit in a wrapping label inside;
    the button keeps its keyboard use (Space, focus) and its accessible name."""

    def __init__(self, text: str, name: str) -> None:
        super().__init__()
        self.label = QLabel(text)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAccessibleName(name)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.label)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def words(self) -> str:
        return self.label.text()

    def sizeHint(self) -> QSize:  # noqa: N802
        return self.layout().sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return self.layout().minimumSize()

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self.layout().totalHeightForWidth(width)


class ShrinkingBrowser(QTextBrowser):
    """A text box that asks only for its minimum height and takes whatever room is left (it
    scrolls inside). Its usual preferred height, passed up through the word-wrapping choices'
    height-for-width, made the page taller than the default window, so the whole window
    scrolled and hid the page title or the button under the text.

    Its minimum is `least_lines` lines of text: at large text sizes it shrank to one line (the
    speaker's name only) while the page scrolled anyway; now the page scrolls down to the
    choices instead."""

    least_lines = 6

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        lines = self.least_lines * self.fontMetrics().lineSpacing()
        chrome = 2 * self.frameWidth() + 2 * round(self.document().documentMargin())
        return QSize(super().minimumSizeHint().width(), lines + chrome)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(super().sizeHint().width(), self.minimumSizeHint().height())


class PlayerView(QWidget):
    """One scenario being played: scene, meters, choices numbered 1-9, feedback, undo."""

    finished = Signal()
    back_requested = Signal()

    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.play: Play | None = None
        self.title = heading("")
        self.mode = QLabel()
        self.mode.setWordWrap(True)
        self.mode.setAccessibleName("Mode")
        self.scene = ShrinkingBrowser()
        self.scene.setAccessibleName("Scene")
        self.feedback = QLabel()
        self.feedback.setWordWrap(True)
        self.feedback.setAccessibleName("Feedback on your last choice")
        self.meters_box = QWidget()
        self.meters_layout = QGridLayout(self.meters_box)
        self.meters: dict[str, MeterView] = {}
        self.choices_box = QWidget()
        self.choices_layout = QVBoxLayout(self.choices_box)
        self.choice_buttons: list[ChoiceButton] = []
        self.problem = problem_label()
        self.undo = button("&Undo last choice", self._on_undo_clicked)
        self.leave = button("&Leave (you can resume later)", self.back_requested.emit, "Leave")
        row = QHBoxLayout()
        row.addWidget(self.undo)
        row.addStretch(1)
        row.addWidget(self.leave)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.mode)
        layout.addWidget(self.meters_box)
        layout.addWidget(self.scene, 1)
        layout.addWidget(self.feedback)
        ask = QLabel("What do you do? (press 1-9 or click)")
        ask.setWordWrap(True)
        layout.addWidget(ask)
        layout.addWidget(self.choices_box)
        layout.addWidget(self.problem)
        layout.addLayout(row)

    def show_play(self, play: Play) -> None:
        first = self.play is None or self.play.attempt_id != play.attempt_id
        self.play = play
        s = play.scenario
        if first:
            self.title.setText(s.title)
            for view in self.meters.values():
                view.deleteLater()
            self.meters = {}
            for i, m in enumerate(s.meters):
                view = MeterView(m.label, m.min, m.max, m.higher_is_better)
                self.meters[m.key] = view
                self.meters_layout.addWidget(view, 0, i)
        self.mode.setText(
            "Practice: you may undo a choice."
            if play.mode == practice.PRACTICE
            else "Assessment: every choice counts; there is no undo."
        )
        for key, view in self.meters.items():
            before = play.meters_before.get(key) if play.meters_before else None
            view.show_value(play.state.meters[key], before)
        node = s.nodes.get(play.state.node)
        if node is not None:
            speaker = f"<p><b>{html.escape(node.speaker)}</b></p>" if node.speaker else ""
            self.scene.setHtml(page(render_markdown(node.text), "", speaker))
        if play.feedback_hidden:
            self.feedback.setText(
                "Feedback on each choice, your score and the expert path appear in the debrief "
                "when this assessment ends."
                if play.state.path
                else ""
            )
        else:
            self.feedback.setText(
                f"<b>Feedback:</b> {html.escape(play.last_choice.feedback)}"
                if play.last_choice
                else ""
            )
        # Hiding the focused button would pass focus down the page to Undo or Leave, and the
        # window would scroll down to show it, hiding the title and the new scene's start.
        self.setFocus()
        for b in self.choice_buttons:
            b.hide()  # gone now, not at the next turn of the event loop
            self.choices_layout.removeWidget(b)
            b.deleteLater()
        self.choice_buttons = []
        for n, (_index, choice) in enumerate(play.offered[:9], 1):
            b = ChoiceButton(f"{n}. {choice.text}", f"Choice {n}: {choice.text}")
            b.clicked.connect(lambda _=False, n=n: self.pick(n))
            self.choices_layout.addWidget(b)
            self.choice_buttons.append(b)
        self.undo.setVisible(play.mode == practice.PRACTICE)
        self.undo.setEnabled(play.can_undo)
        self.problem.clear()
        if self.choice_buttons:
            self.choice_buttons[0].setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        # Digits 1-9 choose, from wherever focus is inside the player (buttons ignore digits).
        plain = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if Qt.Key.Key_1.value <= event.key() <= Qt.Key.Key_9.value and not plain:
            self.pick(event.key() - Qt.Key.Key_0.value)
            return
        super().keyPressEvent(event)

    def pick(self, number: int) -> None:
        if self.play is None or not 1 <= number <= len(self.choice_buttons):
            return
        index = self.play.offered[number - 1][0]
        try:
            with self.ctx.db.begin() as session:
                play = practice.choose(
                    session, self.person, self.play.attempt_id, index, now=self.ctx.clock.now()
                )
        except TrainerError as exc:
            self.problem.setText(str(exc))
            return
        self.show_play(play)
        if play.finished:
            self.finished.emit()

    def _on_undo_clicked(self) -> None:
        if self.play is None:
            return
        try:
            with self.ctx.db.begin() as session:
                play = practice.undo(
                    session, self.person, self.play.attempt_id, now=self.ctx.clock.now()
                )
        except TrainerError as exc:
            self.problem.setText(str(exc))
            return
        self.show_play(play)


class DebriefView(QWidget):
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = heading("")
        self.text = ShrinkingBrowser()
        self.text.setAccessibleName("Debrief")
        self.back = button("&Back to scenarios", self.back_requested.emit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.back, 0, Qt.AlignmentFlag.AlignLeft)

    def show_debrief(self, play: Play) -> None:
        s = play.scenario
        ending = s.endings[play.state.node]
        verdict = "Passed" if play.passed else "Not passed"
        self.title.setText(f"Debrief: {ending.title}")
        score = play.score
        rows = "".join(
            f"<tr><td>{html.escape(label)}</td><td>{score.by_competency[key][0]} of "
            f"{score.by_competency[key][1]}</td></tr>"
            for key, label in s.competencies
        )
        visited = [step.node for step in play.state.path] + [play.state.node]
        chosen = [step.choice for step in play.state.path]

        def told(nodes: list[str], taken: list[int] | None = None) -> str:
            return "".join(f"<li>{html.escape(step)}</li>" for step in path_steps(s, nodes, taken))

        yours = f"<ol>{told(visited, chosen)}</ol>"
        expert = (
            f"<ol>{told(list(play.best_path))}</ol>"
            if play.best_path
            else "<p>Not computable for this scenario.</p>"
        )
        critical = "".join(
            f"<li><b>At “{html.escape(node_label(s, node))}”:</b> {html.escape(reason)}</li>"
            for node, reason in score.critical
        )
        review = "".join(
            f"<li><p><b>You chose:</b> {html.escape(choice.text)}</p>"
            f"<p>{html.escape(choice.feedback)}</p></li>"
            for _node, choice in play.review
        )
        body = (
            f"<p><b>Outcome:</b> {OUTCOME_LABELS.get(ending.outcome, ending.outcome)}. "
            f"<b>{verdict}</b> ({'assessment' if play.mode == practice.ASSESSMENT else 'practice'})"
            f": {score.earned} of {score.possible} points "
            f"({round(score.fraction * 100)}%; {round(s.min_score * 100)}% and no critical "
            "error needed to pass).</p>"
            f"{render_markdown(ending.debrief).html}"
            f"<h3>By competency</h3><table>{rows}</table>"
            f"<h3>Your choices and feedback</h3><ol>{review}</ol>"
            f"<h3>Your path</h3>{yours}<h3>Expert path</h3>{expert}"
            + (
                f"<h3>Critical errors</h3><ul>{critical}</ul>"
                if critical
                else "<h3>Critical errors</h3><p>None.</p>"
            )
        )
        self.text.setHtml(page(render_markdown(""), s.title, body))
        # Opens at its top, also once the page has been laid out (the browser shrinking to fit
        # the window re-wraps the text, which moved the view a few pixels down at 200% text).
        bar = self.text.verticalScrollBar()
        bar.setValue(0)
        QTimer.singleShot(0, lambda: bar.setValue(0))
        self.back.setFocus()


def scroll_to_top(widget: QWidget) -> None:
    """Scroll every scroll area holding `widget` back to its top left corner: a new page (the
    debrief after the last choice) opens at its start, not where the last one was left."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            parent.verticalScrollBar().setValue(0)
            parent.horizontalScrollBar().setValue(0)
        parent = parent.parentWidget()


class ScenariosView(QWidget):
    """The trainee's Scenarios screen: list, player and debrief."""

    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.list = ScenarioListView()
        self.player = PlayerView(ctx, person)
        self.debrief = DebriefView()
        self.error = problem_label()
        self.stack = PageStack()  # as tall as the page shown: the debrief made the player scroll
        for w in (self.list, self.player, self.debrief):
            self.stack.addWidget(w)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.error)
        layout.addWidget(self.stack, 1)
        self.list.play_requested.connect(self.start)
        self.list.resume_requested.connect(self.resume)
        self.player.finished.connect(self._on_player_finished)
        self.player.back_requested.connect(self.show_list)
        self.debrief.back_requested.connect(self.show_list)
        self.show_list()

    def show_list(self) -> None:
        with self.ctx.db.begin() as session:
            rows = practice.list_scenarios(session, self.person)
            history = practice.history(session, self.person, self.person.id)
        self.list.show_list(rows, history)
        self.stack.setCurrentWidget(self.list)
        self.list.table.setFocus()

    def start(self, key: str, mode: str) -> None:
        try:
            if mode == practice.ASSESSMENT and not self._confirm_assessment(key):
                return
            with self.ctx.db.begin() as session:
                play = practice.start(session, self.person, key, mode, now=self.ctx.clock.now())
        except TrainerError as exc:
            self.error.setText(str(exc))
            return
        self._show_player(play)

    def _confirm_assessment(self, key: str) -> bool:
        """Starting an assessment says what it is and asks first; a refusal is shown instead."""
        with self.ctx.db.begin() as session:
            allowance = practice.assessment_allowance(
                session, self.person, key, now=self.ctx.clock.now()
            )
        if allowance.reason is not None:
            self.error.setText(allowance.reason)
            return False
        return messages.confirm(
            self,
            "Start an assessment?",
            "This attempt counts toward your credentials. Every choice is final (no undo), and "
            "feedback, your score and the expert path appear only when it ends. "
            f"{allowance.summary} Your organization allows {allowance.limit} in "
            f"{allowance.window_days} days, with {allowance.wait_hours} hours' wait after one "
            "that does not pass.",
            yes="Start assessment",
        )

    def resume(self, attempt_id: int) -> None:
        with self.ctx.db.begin() as session:
            play = practice.resume(session, self.person, attempt_id)
        self._show_player(play)

    def _show_player(self, play: Play) -> None:
        self.error.clear()
        self.player.play = None
        self.player.show_play(play)
        self.stack.setCurrentWidget(self.player)
        scroll_to_top(self.player)  # the title first, not where the list was left

    def _on_player_finished(self) -> None:
        assert self.player.play is not None
        self.debrief.show_debrief(self.player.play)
        self.stack.setCurrentWidget(self.debrief)
        scroll_to_top(self.debrief)
