"""The knowledge check: one shuffled paper, then the result with explanations."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from trainer.core.curriculum import Module
from trainer.core.errors import TrainerError
from trainer.core.models import Person
from trainer.core.quiz import Answer, Grade, Paper, PaperQuestion
from trainer.core.services import training
from trainer.ui.context import AppContext
from trainer.ui.reflow import WrappingChoice, flow_row
from trainer.ui.widgets import button, heading, problem_label, wrap_list


class QuestionWidget(QGroupBox):
    """One question; `answer()` returns it in the module's own (unshuffled) terms."""

    def __init__(self, number: int, shown: PaperQuestion) -> None:
        q = shown.question
        hint = {
            "single": "Choose one.",
            "multiple": "Choose all that apply.",
            "true_false": "True or false?",
            "ordering": "Put these in order: select one and use Move up / Move down.",
        }[q.type]
        super().__init__(f"Question {number}")
        self.setAccessibleName(f"Question {number}")
        self.shown = shown
        self.inputs: list[QAbstractButton] = []
        self.order_list: QListWidget | None = None
        layout = QVBoxLayout(self)
        prompt = QLabel(f"<b>{q.prompt}</b><br><i>{hint}</i>")
        prompt.setWordWrap(True)
        layout.addWidget(prompt)
        if q.type in ("single", "multiple", "true_false"):
            group = QButtonGroup(self)
            group.setExclusive(q.type != "multiple")
            labels = (
                ["True", "False"]
                if q.type == "true_false"
                else [q.options[i].text for i in shown.option_order]
            )
            for label in labels:
                box: QAbstractButton = QCheckBox() if q.type == "multiple" else QRadioButton()
                box.setAccessibleName(label)
                group.addButton(box)
                layout.addWidget(WrappingChoice(box, label))  # a long option wraps
                self.inputs.append(box)
        else:
            self.order_list = QListWidget()
            self.order_list.setAccessibleName(f"Question {number} order")
            wrap_list(self.order_list)
            for i in shown.option_order:
                item = QListWidgetItem(q.items[i], self.order_list)
                item.setData(Qt.ItemDataRole.UserRole, i)
            # As tall as its (wrapped) items: the page scrolls, not the list.
            self.order_list.setSizeAdjustPolicy(QListWidget.SizeAdjustPolicy.AdjustToContents)
            self.order_list.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
            self.order_list.setCurrentRow(0)
            row = QHBoxLayout()
            row.addWidget(self.order_list, 1)
            moves = QVBoxLayout()
            moves.addWidget(button("Move &up", lambda: self.move(-1)))
            moves.addWidget(button("Move &down", lambda: self.move(+1)))
            moves.addStretch(1)
            row.addLayout(moves)
            layout.addLayout(row)
        self.feedback = QLabel()
        self.feedback.setWordWrap(True)
        self.feedback.setAccessibleName(f"Question {number} feedback")
        self.feedback.hide()
        layout.addWidget(self.feedback)

    def move(self, step: int) -> None:
        assert self.order_list is not None
        row = self.order_list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.order_list.count():
            return
        item = self.order_list.takeItem(row)
        self.order_list.insertItem(target, item)
        self.order_list.setCurrentRow(target)

    def answer(self) -> Answer:
        q = self.shown.question
        if self.order_list is not None:
            return [
                self.order_list.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.order_list.count())
            ]
        checked = [i for i, box in enumerate(self.inputs) if box.isChecked()]
        if q.type == "true_false":
            return None if not checked else checked[0] == 0
        original = [self.shown.option_order[i] for i in checked]
        if q.type == "single":
            return original[0] if original else None
        return sorted(original) if original else None

    def set_answer(self, shown_indices: list[int]) -> None:
        """Tick options by their shown position (tests and keyboard-free scripts)."""
        for i, box in enumerate(self.inputs):
            box.setChecked(i in shown_indices)

    def show_result(self, correct: bool, feedback: tuple[str, ...]) -> None:
        verdict = "✔ Correct." if correct else "✘ Not quite."
        self.feedback.setText(f"<b>{verdict}</b> " + " ".join(feedback))
        self.feedback.show()
        for box in self.inputs:
            box.setEnabled(False)
        if self.order_list is not None:
            self.order_list.setEnabled(False)


class KnowledgeCheckView(QWidget):
    back_requested = Signal(bool)  # True: back to the overview

    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.document_id: int | None = None
        self.module: Module | None = None
        self.paper: Paper | None = None
        self.questions: list[QuestionWidget] = []
        self.title = heading("")
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Check result")
        self.problem = problem_label()
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.body)
        self.submit = button("&Submit answers", self._on_submit_clicked)
        self.retake = button("&Retake with new order", self._on_retake_clicked)
        self.back_to_module = button("Back to the &module", lambda: self.back_requested.emit(False))
        self.back_to_overview = button(
            "Back to My &training", lambda: self.back_requested.emit(True)
        )
        row = flow_row(self.submit, self.retake, self.back_to_module, self.back_to_overview)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addWidget(self.result)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.problem)
        layout.addLayout(row)

    def show_paper(self, document_id: int, module: Module, paper: Paper) -> None:
        self.document_id, self.module, self.paper = document_id, module, paper
        for widget in self.questions:
            widget.deleteLater()
        self.questions = []
        while self.body_layout.count():
            self.body_layout.takeAt(0)
        self.title.setText(f"Knowledge check: {module.title}")
        self.intro.setText(
            f"{len(paper.questions)} questions. You pass with "
            f"{round(module.pass_mark * 100)}% or more; you can retake it as "
            "often as you need. Explanations appear after you submit."
        )
        self.result.clear()
        self.problem.clear()
        for number, shown in enumerate(paper.questions, 1):
            widget = QuestionWidget(number, shown)
            self.questions.append(widget)
            self.body_layout.addWidget(widget)
        self.body_layout.addStretch(1)
        self.submit.show()
        self.retake.hide()
        if self.questions:
            first = self.questions[0]
            (first.inputs[0] if first.inputs else first).setFocus()

    def answers(self) -> dict[str, Any]:
        return {w.shown.question.id: w.answer() for w in self.questions}

    def _on_submit_clicked(self) -> None:
        assert self.paper is not None and self.document_id is not None
        answers = self.answers()
        missing = [
            str(i) for i, w in enumerate(self.questions, 1) if answers[w.shown.question.id] is None
        ]
        if missing:
            self.problem.setText(
                "Answer every question before submitting (still open: " + ", ".join(missing) + ")."
            )
            return
        try:
            with self.ctx.db.begin() as session:
                outcome = training.submit_check(
                    session,
                    self.person,
                    self.document_id,
                    self.paper.seed,
                    answers,
                    now=self.ctx.clock.now(),
                )
        except TrainerError as exc:
            self.problem.setText(str(exc))
            return
        self.show_grade(outcome.grade, outcome.module_passed)

    def show_grade(self, grade: Grade, module_passed: bool) -> None:
        by_id = {r.question.id: r for r in grade.results}
        for widget in self.questions:
            r = by_id[widget.shown.question.id]
            widget.show_result(r.correct, r.feedback)
        percent = round(grade.score * 100)
        if grade.passed:
            done = (
                " Module complete."
                if module_passed
                else " Read the remaining sections to complete the module."
            )
            text = f"<b>Passed</b>: {grade.correct} of {grade.total} correct ({percent}%).{done}"
        else:
            text = (
                f"<b>Not passed yet</b>: {grade.correct} of {grade.total} correct "
                f"({percent}%). Read the explanations, look back at the module, and retake "
                "the check when you are ready."
            )
        self.result.setText(text)
        self.problem.clear()
        self.submit.hide()
        self.retake.setVisible(not grade.passed)
        (self.back_to_overview if grade.passed else self.retake).setFocus()

    def _on_retake_clicked(self) -> None:
        assert self.document_id is not None
        with self.ctx.db.begin() as session:
            module, paper = training.start_check(session, self.person, self.document_id)
        self.show_paper(self.document_id, module, paper)
