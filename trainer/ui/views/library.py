"""Content library (trainers, admins): documents, their versions, and updates shipped with the app."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from trainer.core.assessment_quality import report
from trainer.core.errors import TrainerError
from trainer.core.models import ContentVersion, Person
from trainer.core.services import library
from trainer.core.services.library import DocumentSummary, OfferedUpdate
from trainer.ui import dialogs, messages
from trainer.ui.context import AppContext
from trainer.ui.reflow import ReflowSplitter, flow_row
from trainer.ui.table_model import RowsModel
from trainer.ui.widgets import button, heading, table, wrap_list, wrapping_label

KIND_LABELS = {
    "module": "Module",
    "track": "Track",
    "scenario": "Scenario",
    "program": "Credential program",
}


VERSION_ID = Qt.ItemDataRole.UserRole + 1
VERSION_NAME = Qt.ItemDataRole.UserRole + 2


def version_name(v: ContentVersion) -> str:
    return "the draft" if v.is_draft else f"version {v.number}"


def version_label(v: ContentVersion) -> str:
    if v.is_draft:
        label = f"Draft (unpublished) — {v.author_name}, saved {v.updated_at.astimezone():%Y-%m-%d %H:%M}"
    else:
        assert v.published_at is not None
        label = (
            f"Version {v.number} — {v.author_name}, {v.published_at.astimezone():%Y-%m-%d %H:%M}"
        )
    return f"{label}\n{v.note}" if v.note else label


class LibraryView(QWidget):
    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.model: RowsModel[DocumentSummary] = RowsModel(
            [
                ("Kind", lambda d: KIND_LABELS.get(d.kind, d.kind)),
                ("Id", lambda d: d.key),
                ("Title", lambda d: d.title),
                ("Live version", lambda d: d.live_number or "not published"),
                ("Draft", lambda d: "yes" if d.has_draft else ""),
                ("Update offered", lambda d: "yes" if d.update_offered else ""),
                ("Source", lambda d: "shipped with the app" if d.origin == "bundled" else "ours"),
            ]
        )
        self.table = table("Documents")
        self.table.setModel(self.model)
        self.table.selectionModel().selectionChanged.connect(self._on_document_selected)
        self.versions = QListWidget()
        self.versions.setAccessibleName("Version history")
        # Two versions are picked to compare them (Ctrl+click, Shift+arrows, Ctrl+Space).
        self.versions.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        wrap_list(self.versions)
        self.versions.currentItemChanged.connect(self._on_version_selected)
        self.versions.itemSelectionChanged.connect(self._on_versions_selection_changed)
        self.compare = button("Co&mpare…", self._compare, "Compare versions")
        self.compare.setToolTip(
            "What changed between the two selected versions, or between the selected version "
            "and the one before it"
        )
        self.compare.setEnabled(False)
        self.document_title = ""
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Version text")
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))

        self.updates: list[OfferedUpdate] = []
        self.updates_box = QGroupBox("Updates shipped with this version of CVI Trainer")
        self.updates_list = QListWidget()
        self.updates_list.setAccessibleName("Offered updates")
        self.updates_list.currentRowChanged.connect(self._on_update_selected)
        self.updates_note = QLabel()
        self.updates_note.setWordWrap(True)
        self.accept = button("&Accept update", lambda: self._decide(True))
        self.decline = button("&Keep ours", lambda: self._decide(False), "Keep our version")
        up_layout = QVBoxLayout(self.updates_box)
        up_layout.addWidget(
            QLabel(
                "Accepting publishes the shipped text as a new version. "
                "Your drafts are kept. Nothing changes until you choose."
            )
        )
        up_layout.addWidget(self.updates_list)
        up_layout.addWidget(self.updates_note)
        up_layout.addLayout(flow_row(self.accept, self.decline))

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.analytics = button("Choice anal&ytics…", self._on_analytics_clicked)
        self.analytics.setEnabled(False)  # until a published scenario is selected
        self.analytics_window: QWidget | None = None
        right_layout.addLayout(flow_row(self.analytics))
        right_layout.addWidget(wrapping_label("Version history (published versions never change)"))
        right_layout.addWidget(self.versions, 1)
        right_layout.addLayout(flow_row(self.compare))
        right_layout.addWidget(self.text, 3)
        self.quality = QLabel()
        self.quality.setWordWrap(True)
        self.quality.setAccessibleName("Assessment quality")
        right_layout.addWidget(self.quality)
        split = ReflowSplitter()
        split.addWidget(self.table)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.addWidget(heading("Content library"))
        layout.addWidget(self.updates_box)
        layout.addWidget(split, 1)
        self.kind = ""
        self.refresh()

    def refresh(self) -> None:
        with self.ctx.db.begin() as session:
            docs = library.list_documents(session, self.person)
            self.updates = library.offered_updates(session, self.person)
        self.model.set_rows(docs)
        self.updates_list.clear()
        for u in self.updates:
            note = " (you have changed it)" if u.organization_edited else ""
            QListWidgetItem(
                f"{KIND_LABELS.get(u.kind, u.kind)} {u.key}: {u.title}{note}", self.updates_list
            )
        self.updates_box.setVisible(bool(self.updates))
        self._on_update_selected(self.updates_list.currentRow())

    def _on_document_selected(self, *_: Any) -> None:
        rows = self.table.selectionModel().selectedRows()
        self.versions.clear()
        self.text.clear()
        self.quality.clear()
        self.analytics.setEnabled(False)
        if not rows:
            return
        doc = self.model.row(rows[0].row())
        self.analytics.setEnabled(doc.kind == "scenario" and doc.live_number is not None)
        with self.ctx.db.begin() as session:
            found = library.versions(session, self.person, doc.id)
        self.kind, self.document_title = doc.kind, doc.title
        for v in found:
            item = QListWidgetItem(version_label(v), self.versions)
            item.setData(256, v.body)
            item.setData(VERSION_ID, v.id)
            item.setData(VERSION_NAME, version_name(v))
        if found:
            self.versions.setCurrentRow(0)
        self._on_versions_selection_changed()

    def _on_version_selected(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        body = item.data(256) if item is not None else ""
        self.text.setPlainText(body)
        lines = report(self.kind, body) if body else ()
        self.quality.setText(
            "<b>Assessment quality</b> (random play over 2,000 plays; <code>cvi-trainer check"
            "</code> uses 10,000):<br>" + "<br>".join(html.escape(line) for line in lines)
            if lines
            else ""
        )

    def _compare_pair(self) -> tuple[QListWidgetItem, QListWidgetItem] | None:
        """(older, newer): the two selected versions, or the selected one and the one before it.
        The list is newest first."""
        chosen = sorted(self.versions.selectedItems(), key=self.versions.row)
        if len(chosen) == 1:
            before = self.versions.item(self.versions.row(chosen[0]) + 1)
            chosen = [chosen[0], before] if before is not None else []
        return (chosen[1], chosen[0]) if len(chosen) == 2 else None

    def _on_versions_selection_changed(self) -> None:
        self.compare.setEnabled(self._compare_pair() is not None)

    def _compare(self) -> None:
        pair = self._compare_pair()
        if pair is None:
            return
        older, newer = pair
        try:
            with self.ctx.db.begin() as session:
                diff = library.compare_versions(
                    session, self.person, older.data(VERSION_ID), newer.data(VERSION_ID)
                )
        except TrainerError as exc:
            messages.error(self, "Versions not compared", str(exc))
            return
        title = f"{self.document_title}: {older.data(VERSION_NAME)} → {newer.data(VERSION_NAME)}"
        dialogs.VersionDiffDialog.ask(self, title, diff)

    def _on_analytics_clicked(self) -> None:
        from trainer.ui.views.scenario_analytics import ScenarioAnalyticsView

        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        try:
            self.analytics_window = ScenarioAnalyticsView.open_window(
                self, self.ctx, self.person, self.model.row(rows[0].row()).id
            )
        except TrainerError as exc:
            messages.error(self, "Analytics not shown", str(exc))

    def _on_update_selected(self, row: int) -> None:
        has = 0 <= row < len(self.updates)
        self.accept.setEnabled(has)
        self.decline.setEnabled(has)
        if has:
            self.text.setPlainText(self.updates[row].body)
            self.updates_note.setText("The shipped text is shown below.")
        else:
            self.updates_note.clear()

    def _decide(self, accept: bool) -> None:
        row = self.updates_list.currentRow()
        if not 0 <= row < len(self.updates):
            return
        try:
            with self.ctx.db.begin() as session:
                library.decide_update(
                    session, self.person, self.updates[row].id, accept, now=self.ctx.clock.now()
                )
        except TrainerError as exc:
            messages.error(self, "Update not applied", str(exc))
        self.refresh()
