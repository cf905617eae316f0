"""Authoring (trainers, admins): edit a module's Markdown and front matter with live preview and
live validation, save a draft, publish a new version."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontDatabase, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from trainer.core.assessment_quality import quiz_quality
from trainer.core.curriculum import parse_module
from trainer.core.errors import TrainerError
from trainer.core.models import ContentKind, ContentVersion, Person
from trainer.core.reader import page, render_markdown
from trainer.core.services import library
from trainer.ui import dialogs, messages
from trainer.ui.context import AppContext
from trainer.ui.reflow import ReflowSplitter, flow_row
from trainer.ui.widgets import button, heading, wrap_list

VALIDATE_AFTER_MS = 300
TEMPLATE = """---
id: {key}
title: {title}
track: {track}
version: 1
estimated_minutes: 30
objectives:
  - Explain ...
prerequisites: []
sources:
  - key: F3
    citation: "Center for American Progress, Community-Based Violence Interruption Programs Can Reduce Gun Violence."
knowledge_check:
  pass_mark: 0.8
  questions:
    - id: q1
      type: true_false
      prompt: A statement to judge.
      answer: true
      explanation: Why it is true.
    - id: q2
      type: single
      prompt: A question with one right answer?
      explanation: Why the right answer is right.
      options:
        - {{text: The right answer, correct: true}}
        - {{text: A wrong answer, explanation: Why it is wrong.}}
---
An opening paragraph: what this module is for[^F3].

## First section

Teach here.

!!! example "In practice"
    A worked example from the field.

## Reflection

A question to think about.

## Sources

- Center for American Progress.

[^F3]: Center for American Progress, Community-Based Violence Interruption Programs Can Reduce Gun Violence.
"""


def _label(d: library.DocumentSummary) -> str:
    version = f"v{d.live_number}" if d.live_number else "unpublished"
    return f"{d.title} ({version})" + (" — draft" if d.has_draft else "")


def publish_draft(
    parent: QWidget, ctx: AppContext, person: Person, document_id: int, note: str
) -> ContentVersion | None:
    """Publish a document's saved draft (modules here, scenarios in the studio); when it cannot
    be, say why in a message and return None. The live version stays; the draft is kept."""
    try:
        with ctx.db.begin() as session:
            return library.publish(session, person, document_id, note=note, now=ctx.clock.now())
    except library.NothingToPublishError as exc:
        messages.info(parent, "Nothing to publish", str(exc))
    except TrainerError as exc:
        messages.error(
            parent,
            "Not published",
            f"{exc}\n\nThe version that was live stays live; your draft is kept.",
        )
    return None


def published_text(number: int) -> str:
    return (
        f"Published version {number}. Trainees who have not started get it; those in the middle "
        "may switch when they choose."
    )


class AuthoringView(QWidget):
    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.document_id: int | None = None
        self.dirty = False
        self.loading = False
        self.problems_found: list[tuple[int | None, str]] = []

        self.modules = QListWidget()
        self.modules.setAccessibleName("Modules")
        self.modules.setWordWrap(True)
        self.modules.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.modules.currentItemChanged.connect(self._on_module_changed)
        self.new = button("&New module…", self._on_new_clicked, "New module")
        self.editor = QPlainTextEdit()
        self.editor.setAccessibleName("Module source (front matter and Markdown)")
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.editor.textChanged.connect(self._on_text_changed)
        self.preview = QTextBrowser()
        self.preview.setAccessibleName("Preview")
        self.preview.setOpenLinks(False)
        self.problems = QListWidget()
        self.problems.setAccessibleName("Problems")
        self.problems.setMaximumHeight(170)
        # A problem is a sentence: it wraps to the list's width instead of scrolling sideways.
        wrap_list(self.problems)
        self.problems.itemActivated.connect(self._on_problem_activated)
        self.problems.itemClicked.connect(self._on_problem_activated)
        self.state = QLabel()
        self.state.setAccessibleName("Draft state")
        self.state.setWordWrap(True)
        self.note = QLineEdit()
        self.note.setPlaceholderText("What changed (optional, shown in the version history)")
        self.note.setAccessibleName("Publish note")
        self.save = button("&Save draft", self.save_draft)
        self.publish = button("&Publish new version", self._on_publish_clicked)
        self.discard = button("&Discard draft", self._on_discard_clicked)
        save = QShortcut(QKeySequence.StandardKey.Save, self, self.save_draft)
        save.setWhatsThis("Authoring: save the draft")  # listed in Help → Keyboard shortcuts

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(VALIDATE_AFTER_MS)
        self.timer.timeout.connect(self.validate)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.modules, 1)
        left_layout.addWidget(self.new)
        split = ReflowSplitter()
        split.addWidget(left)
        split.addWidget(self.editor)
        split.addWidget(self.preview)
        split.setSizes([220, 520, 520])
        actions = QVBoxLayout()  # the publish note has the whole width; the buttons wrap
        actions.addWidget(self.note)
        actions.addLayout(flow_row(self.save, self.discard, self.publish))
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Authoring: training modules"))
        layout.addWidget(self.state)
        layout.addWidget(split, 1)
        problems_label = QLabel(
            "Problems (a module with problems cannot be published) and the knowledge check's figures:"
        )
        problems_label.setWordWrap(True)
        layout.addWidget(problems_label)
        layout.addWidget(self.problems)
        layout.addLayout(actions)
        self.refresh()

    # --- list -------------------------------------------------------------------------------

    def refresh(self, select_id: int | None = None) -> None:
        with self.ctx.db.begin() as session:
            docs = library.list_documents(session, self.person, ContentKind.MODULE)
        keep = select_id or self.document_id
        self.modules.blockSignals(True)
        self.modules.clear()
        for d in docs:
            item = QListWidgetItem(_label(d), self.modules)
            item.setData(Qt.ItemDataRole.UserRole, d.id)
            if d.id == keep:
                self.modules.setCurrentItem(item)
        self.modules.blockSignals(False)
        if keep is None and self.modules.count():
            self.modules.setCurrentRow(0)
        elif keep is not None and self.document_id != keep:
            self.load(keep)

    def _relabel(self) -> None:
        """Update the list's labels (draft markers) without changing the selection."""
        with self.ctx.db.begin() as session:
            docs = {
                d.id: d for d in library.list_documents(session, self.person, ContentKind.MODULE)
            }
        for i in range(self.modules.count()):
            item = self.modules.item(i)
            d = docs.get(item.data(Qt.ItemDataRole.UserRole))
            if d is not None:
                item.setText(_label(d))

    def select_key(self, key: str) -> None:
        with self.ctx.db.begin() as session:
            doc_id = library.find_document(session, self.person, ContentKind.MODULE, key).id
        for i in range(self.modules.count()):
            if self.modules.item(i).data(Qt.ItemDataRole.UserRole) == doc_id:
                self.modules.setCurrentRow(i)

    def _on_module_changed(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is None:
            return
        target = item.data(Qt.ItemDataRole.UserRole)
        if self.dirty:
            self.save_draft()  # never lose an edit by moving on
        self.load(target)

    def load(self, document_id: int) -> None:
        with self.ctx.db.begin() as session:
            found = library.versions(session, self.person, document_id)
        current = found[0] if found else None
        self.document_id = document_id
        self.loading = True
        self.editor.setPlainText(current.body if current else "")
        self.loading = False
        self.dirty = False
        self._show_state(
            current.is_draft if current else False, current.number if current else None
        )
        self.validate()

    def _show_state(self, is_draft: bool, number: int | None) -> None:
        if self.dirty:
            text = "Unsaved changes."
        elif is_draft:
            text = (
                "Editing the draft. Trainees keep seeing the published version until you publish."
            )
        else:
            text = (
                f"Showing published version {number}. Typing starts a draft; the published "
                "version never changes."
            )
        self.state.setText(text)
        self.discard.setEnabled(is_draft or self.dirty)

    # --- editing ----------------------------------------------------------------------------

    def _on_text_changed(self) -> None:
        if self.loading:
            return
        self.dirty = True
        self.state.setText("Unsaved changes.")
        self.discard.setEnabled(True)
        self.timer.start()

    def validate(self) -> None:
        text = self.editor.toPlainText()
        module, problems = parse_module(text)
        self.problems.clear()
        self.problems_found = [(p.line, p.message) for p in problems]
        for line, message in self.problems_found:
            item = QListWidgetItem(f"line {line}: {message}" if line else message, self.problems)
            item.setData(Qt.ItemDataRole.UserRole, line)
        if not problems:
            QListWidgetItem("No problems.", self.problems)
        if module is not None:
            # The knowledge check's figures: a check a test-taking trick passes can still be
            # published, but no credential program may require it.
            quality = quiz_quality(module, papers=500)
            for warning in quality.problems():
                item = QListWidgetItem(f"Quality warning: {warning.message}", self.problems)
                item.setData(Qt.ItemDataRole.UserRole, warning.line)
            for figure in quality.figures():
                QListWidgetItem(f"Knowledge check: {figure}", self.problems)
            bar = self.preview.verticalScrollBar().value()
            self.preview.setHtml(page(render_markdown(module.body), module.title))
            self.preview.verticalScrollBar().setValue(bar)
        self.publish.setEnabled(not problems and self.document_id is not None)

    def _on_problem_activated(self, item: QListWidgetItem) -> None:
        line = item.data(Qt.ItemDataRole.UserRole)
        if not line:
            return
        block = self.editor.document().findBlockByLineNumber(int(line) - 1)
        cursor = QTextCursor(block)
        self.editor.setTextCursor(cursor)
        self.editor.setFocus()

    def save_draft(self) -> bool:
        if self.document_id is None or not self.dirty:
            return True
        try:
            with self.ctx.db.begin() as session:
                library.save_draft(
                    session,
                    self.person,
                    self.document_id,
                    self.editor.toPlainText(),
                    now=self.ctx.clock.now(),
                )
        except TrainerError as exc:
            messages.error(self, "Draft not saved", str(exc))
            return False
        self.dirty = False
        self._show_state(True, None)
        self._relabel()
        return True

    def _on_publish_clicked(self) -> None:
        if self.document_id is None or not self.save_draft():
            return
        version = publish_draft(self, self.ctx, self.person, self.document_id, self.note.text())
        if version is None:
            return
        self.note.clear()
        self.refresh()
        self.load(self.document_id)
        self.state.setText(published_text(version.number))

    def _on_discard_clicked(self) -> None:
        if self.document_id is None or not messages.confirm(
            self,
            "Discard draft",
            "Throw away the draft and go back to the published version? This cannot be undone.",
            "Discard draft",
        ):
            return
        with self.ctx.db.begin() as session:
            library.discard_draft(session, self.person, self.document_id)
        self.dirty = False
        self.refresh()
        self.load(self.document_id)

    def _on_new_clicked(self) -> None:
        def create(value: tuple[str, str, str]) -> int:
            key, title, track = value
            with self.ctx.db.begin() as session:
                doc = library.create_document(
                    session,
                    self.person,
                    ContentKind.MODULE,
                    key,
                    TEMPLATE.format(key=key, title=title, track=track),
                    now=self.ctx.clock.now(),
                )
            return doc.id

        if self.dirty:
            self.save_draft()
        created = dialogs.NewModuleDialog.ask(self, create)
        if created is not None:
            self.refresh(select_id=created)

    def save_state(self) -> None:
        """On sign-out or close: unsaved text becomes the draft rather than being lost."""
        if self.dirty:
            self.save_draft()
