"""Program policies: the organization's own answers to the curricula's policy boxes. Managers
and admins write them; everyone reads them and signs that they have."""

from __future__ import annotations

import html

from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from trainer.core.dates import long_date
from trainer.core.errors import TrainerError
from trainer.core.models import Person
from trainer.core.services import policies
from trainer.core.services.permissions import can
from trainer.ui.context import AppContext
from trainer.ui.widgets import button, heading, problem_label, wrap_list, wrapping_label


class PoliciesView(QWidget):
    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.writer = can(person, "write_policies")
        self.boxes: list[policies.PolicyBox] = []
        self.list = QListWidget()
        self.list.setAccessibleName("Policies")
        wrap_list(self.list)  # a long policy title wraps instead of scrolling sideways
        self.list.currentRowChanged.connect(self._show)
        self.guidance = QLabel()
        self.guidance.setWordWrap(True)
        self.guidance.setAccessibleName("What the training asks")
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("Your organization's policy")
        self.text.setReadOnly(not self.writer)
        self.text.setPlaceholderText(
            "Write your organization's rule in plain words: who to tell, how fast, what to say."
            if self.writer
            else "Not written yet. Ask your supervisor."
        )
        self.problem = problem_label()
        self.status = QLabel()
        self.status.setAccessibleName("Policy status")
        self.status.setWordWrap(True)
        self.save = button("&Save policy", self._on_save_clicked)
        self.save.setVisible(self.writer)

        editor = QVBoxLayout()
        editor.addWidget(wrapping_label("<b>What the training asks trainees to find out</b>"))
        editor.addWidget(self.guidance)
        editor.addWidget(wrapping_label("<b>Your organization's policy</b> (shown inside the box)"))
        editor.addWidget(self.text, 1)
        row = QHBoxLayout()
        row.addWidget(self.save)
        row.addWidget(self.status, 1)
        editor.addLayout(row)
        editor.addWidget(self.problem)
        body = QHBoxLayout()
        body.addWidget(self.list, 1)
        body.addLayout(editor, 2)

        self.sign_box = QGroupBox("Sign that you have read these policies")
        sign = QHBoxLayout(self.sign_box)
        self.sign_state = QLabel()
        self.sign_state.setWordWrap(True)
        self.sign_state.setAccessibleName("Acknowledgment status")
        self.signature = QLineEdit()
        self.signature.setAccessibleName("Type your full name to sign")
        self.signature.setPlaceholderText(person.full_name)
        self.sign = button("Si&gn", self._on_sign_clicked, "Sign the acknowledgment")
        sign.addWidget(self.sign_state, 2)
        sign.addWidget(self.signature, 1)
        sign.addWidget(self.sign)

        layout = QVBoxLayout(self)
        layout.addWidget(heading("Program policies"))
        intro = QLabel(
            "Rules on information sharing with police, mandated reporting and more differ by "
            "state and by program. The training asks each worker to find out your "
            "organization's rule; what is written here appears inside each box in the modules."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(body, 1)
        layout.addWidget(self.sign_box)
        self.refresh()

    def refresh(self, keep: str | None = None) -> None:
        with self.ctx.db.begin() as session:
            self.boxes = policies.policy_boxes(session, self.person)
            state = policies.acknowledgment(session, self.person)
        self.list.blockSignals(True)
        self.list.clear()
        for box in self.boxes:
            mark = "written" if box.text else "not written yet"
            QListWidgetItem(f"{box.title} ({mark})", self.list)
        self.list.blockSignals(False)
        titles = [b.title for b in self.boxes]
        self.list.setCurrentRow(titles.index(keep) if keep in titles else 0)
        self._show(self.list.currentRow())
        if state.missing:
            self.sign_state.setText(
                f"{len(state.missing)} of {len(self.boxes)} policies are not written yet, so "
                "they cannot be signed."
            )
        elif state.current and state.at is not None:
            self.sign_state.setText(f"You signed these policies on {long_date(state.at)}.")
        elif state.at is not None:
            self.sign_state.setText("A policy changed since you signed: read it and sign again.")
        else:
            self.sign_state.setText("You have not signed these policies yet.")
        self.sign.setEnabled(not state.missing and not state.current)
        self.signature.setEnabled(self.sign.isEnabled())

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.boxes):
            self.guidance.clear()
            self.text.clear()
            return
        box = self.boxes[row]
        self.guidance.setText(
            f"{html.escape(box.guidance)}<br><i>In: {html.escape(', '.join(box.modules))}</i>"
        )
        self.text.setPlainText(box.text)
        self.status.setText(
            f"Last saved {long_date(box.updated_at)}." if box.updated_at else "Not written yet."
        )
        self.problem.clear()

    def _on_save_clicked(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.boxes):
            return
        title = self.boxes[row].title
        try:
            with self.ctx.db.begin() as session:
                policies.set_text(
                    session, self.person, title, self.text.toPlainText(), now=self.ctx.clock.now()
                )
        except TrainerError as exc:
            self.problem.setText(str(exc))
            return
        self.refresh(keep=title)
        self.status.setText(f"Saved. Everyone reading a module with “{title}” now sees it.")

    def _on_sign_clicked(self) -> None:
        try:
            with self.ctx.db.begin() as session:
                policies.acknowledge(
                    session, self.person, self.signature.text(), now=self.ctx.clock.now()
                )
        except TrainerError as exc:
            self.problem.setText(str(exc))
            return
        self.signature.clear()
        self.refresh()
