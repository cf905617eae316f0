"""My credentials (trainees): what they hold, what each credential still needs, their field hours."""

from __future__ import annotations

import html
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from trainer.core.dates import short_date as day
from trainer.core.eligibility import Checklist, Held
from trainer.core.errors import TrainerError
from trainer.core.models import Person
from trainer.core.open_badges import open_badge_json
from trainer.core.paths import viewing_copy, write_private
from trainer.core.program import TIER_LABELS
from trainer.core.services import credential_register, eligibility, field_hours
from trainer.core.services.field_hours import HoursRow
from trainer.ui import dialogs, messages
from trainer.ui.context import AppContext
from trainer.ui.table_model import RowsModel
from trainer.ui.widgets import StyledLabel, button, heading, size_by_current_tab, table

BADGE_FILTERS = "Open Badge (*.jwt);;Readable JSON (*.json)"


def open_file(path: Path) -> bool:
    """Show a file in the system's viewer (tests replace this)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def tier_label(tier: str) -> str:
    return TIER_LABELS.get(tier, tier)


def hours_text(hours: float) -> str:
    return f"{round(hours, 2):g} h"


def _file_stem(held: Held) -> str:
    words = "".join(c if c.isalnum() else " " for c in held.title).split()
    return "-".join(words).lower() + f"-{held.code}"


def expiry_line(held: Held, now: datetime, viewer_id: int) -> str:
    """“Your credential “X” expires in 40 days, on 12 Mar 2028.” in plain words."""
    owner = "Your" if held.holder_id == viewer_id else f"{held.holder_name}'s"
    state = held.state_label(now)
    return f"{owner} credential “{held.title}” {state[:1].lower()}{state[1:]}."


def renewal_html(held: Held, check: Checklist | None, now: datetime, viewer_id: int) -> str:
    """One expiry warning: the headline in bold, then what renewal still needs, as a list."""
    head = f"<b>{html.escape(expiry_line(held, now, viewer_id), quote=False)}</b>"
    if check is None:
        return f"<p>{head}</p>"
    if not check.left:
        return f"<p>{head} You meet the renewal requirements: ask your manager to renew it.</p>"
    needs = "".join(
        f"<li>{html.escape(i.label, quote=False)} — {html.escape(i.evidence, quote=False)}</li>"
        for i in check.left
    )
    return f"<p>{head} Renewal needs:</p><ul>{needs}</ul>"


def _tier_order(check: Checklist) -> tuple[int, str]:
    tiers = list(TIER_LABELS.values())
    return (tiers.index(check.tier) if check.tier in tiers else len(tiers), check.title)


def progress_summary(check: Checklist, expired: set[str]) -> str:
    """The state of one program in words; `expired` are programs whose credential expired
    unrenewed (their renewal, listed at the top of the screen, is the way back)."""
    if check.blocked is not None:
        return check.blocked
    if check.program_key in expired:
        return "Expired — renewal needs are listed at the top"
    if check.eligible:
        return "Eligible — ask your manager to issue it"
    return check.summary


def write_badge(path: Path, badge_jwt: str) -> Path:
    """A .json path gets the readable copy; anything else the signed token (.jwt)."""
    if path.suffix.lower() == ".json":
        write_private(path, json.dumps(open_badge_json(badge_jwt), indent=2))
        return path
    if path.suffix.lower() != ".jwt":
        path = path.with_name(path.name + ".jwt")
    write_private(path, badge_jwt)
    return path


def signed_totals(rows: Sequence[HoursRow]) -> str:
    totals: dict[str, float] = defaultdict(float)
    for r in rows:
        if r.status == field_hours.SIGNED:
            totals[r.activity_label] += r.hours
    if not totals:
        return "No hours signed off yet."
    parts = ", ".join(f"{label} {hours_text(h)}" for label, h in sorted(totals.items()))
    return f"Signed off: {parts} — {hours_text(sum(totals.values()))} in all."


def _status_label(row: HoursRow, corrected: set[int]) -> str:
    return row.status_label + (" (corrected by a later entry)" if row.id in corrected else "")


class CredentialsTab(QWidget):
    """The person's credentials, their status in words, the files, and what each was issued on."""

    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.model: RowsModel[Held] = RowsModel(
            [
                ("Credential", lambda h: h.title),
                ("Tier", lambda h: tier_label(h.tier)),
                ("Code", lambda h: h.code),
                ("Issued", lambda h: day(h.issued_at)),
                ("Status", lambda h: h.state_label(ctx.clock.now())),
            ]
        )
        self.table = table("Your credentials")
        self.table.setModel(self.model)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.open_pdf = button("O&pen PDF", self._on_open_pdf_clicked, "Open certificate PDF")
        self.save_pdf = button("&Save PDF…", self._on_save_pdf_clicked, "Save certificate PDF")
        self.save_badge = button("Save Open &Badge…", self._on_save_badge_clicked)
        self.evidence_title = QLabel()
        self.evidence_title.setWordWrap(True)
        self.evidence = QTreeWidget()
        self.evidence.setAccessibleName("What the selected credential was issued on")
        self.evidence.setHeaderLabels(["Requirement", "Evidence"])
        self.evidence.setRootIsDecorated(False)
        self.evidence.setWordWrap(True)
        self.evidence.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Credential status message")
        self.empty = QLabel(
            "You hold no credentials yet. The “What's left” tab shows what each one needs."
        )
        self.empty.setWordWrap(True)
        buttons = QHBoxLayout()
        for b in (self.open_pdf, self.save_pdf, self.save_badge):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.evidence_title)
        lower_layout.addWidget(self.evidence, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(lower)
        split.setSizes([150, 350])
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

    def show_credentials(self, rows: list[Held]) -> None:
        selected = self.selected()
        self.model.set_rows(rows)
        self.empty.setVisible(not rows)
        ids = [h.id for h in rows]
        if rows:
            self.table.selectRow(ids.index(selected.id) if selected and selected.id in ids else 0)
        self._on_selection_changed()

    def selected(self) -> Held | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _on_selection_changed(self, *_: Any) -> None:
        held = self.selected()
        for b in (self.open_pdf, self.save_pdf, self.save_badge):
            b.setEnabled(held is not None)
        self.evidence.clear()
        self.evidence_title.setText(
            f"What “{held.title}” was issued on, as it stood on {day(held.issued_at)}:"
            if held
            else ""
        )
        if held is None:
            return
        try:
            with self.ctx.db.begin() as session:
                items = credential_register.evidence(session, self.person, held.id)
        except TrainerError as exc:
            self.status.setText(f"Problem: {exc}")
            return
        for item in items:
            row = QTreeWidgetItem([item.label, item.evidence])
            row.setToolTip(1, item.evidence)
            self.evidence.addTopLevelItem(row)

    def _pdf(self, held: Held) -> bytes:
        with self.ctx.db.begin() as session:
            return credential_register.certificate_pdf(session, self.person, held.id)

    def _on_open_pdf_clicked(self) -> None:
        held = self.selected()
        if held is None:
            return
        try:  # a private folder of this run, removed when the app exits
            path = viewing_copy(f"{_file_stem(held)}.pdf", self._pdf(held))
        except (TrainerError, OSError) as exc:
            messages.error(self, "Certificate not opened", str(exc))
            return
        opened = open_file(path)
        self.status.setText(
            f"Opened the certificate in your PDF viewer ({path})."
            if opened
            else f"No PDF viewer opened it. The file is at {path}."
        )

    def _on_save_pdf_clicked(self) -> None:
        held = self.selected()
        path = held and dialogs.choose_save_file(
            self, "Save the certificate", f"{_file_stem(held)}.pdf", "PDF (*.pdf)"
        )
        if not held or path is None:
            return
        try:
            write_private(path, self._pdf(held))
        except (TrainerError, OSError) as exc:
            messages.error(self, "Certificate not saved", str(exc))
            return
        self.status.setText(f"Saved the certificate to {path}.")

    def _on_save_badge_clicked(self) -> None:
        held = self.selected()
        path = held and dialogs.choose_save_file(
            self, "Save the Open Badge", f"{_file_stem(held)}.jwt", BADGE_FILTERS
        )
        if not held or path is None:
            return
        try:
            with self.ctx.db.begin() as session:
                token = credential_register.open_badge_jwt(session, self.person, held.id)
            written = write_badge(path, token)
        except (TrainerError, OSError) as exc:
            messages.error(self, "Open Badge not saved", str(exc))
            return
        self.status.setText(f"Saved the Open Badge to {written}.")


class ProgressTab(QWidget):
    """For every credential program: what is done and what is left, in words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("What each credential still needs")
        self.tree.setHeaderLabels(["Requirement", "Status", "Evidence"])
        self.tree.setWordWrap(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.currentItemChanged.connect(self._on_current_changed)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setAccessibleName("Selected requirement")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "What each credential needs. Pass modules in My training and assessments in "
            "Scenarios; log supervised work on the Field hours tab. A manager issues the "
            "credential once everything is done."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.detail)

    def _on_current_changed(self, item: QTreeWidgetItem | None, *_: Any) -> None:
        self.detail.setText(
            f"{item.text(0)}: {item.text(1)}. {item.text(2)}" if item and item.parent() else ""
        )

    def show_progress(self, checks: list[Checklist], expired: set[str]) -> None:
        self.tree.clear()
        for check in sorted(checks, key=_tier_order):
            title = check.title if check.tier in check.title else f"{check.title} ({check.tier})"
            top = QTreeWidgetItem([f"{title} — {progress_summary(check, expired)}"])
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            self.tree.addTopLevelItem(top)
            top.setFirstColumnSpanned(True)
            for item in check.items:
                status = "Done" if item.met else "Not yet"
                child = QTreeWidgetItem([item.label, status, item.evidence])
                child.setToolTip(2, item.evidence)
                child.setData(
                    0,
                    Qt.ItemDataRole.AccessibleTextRole,
                    f"{item.label}: {status}. {item.evidence}",
                )
                top.addChild(child)
            top.setExpanded(check.held is None)
        self.follow_app_font()

    def follow_app_font(self) -> None:
        """Keep the Status column readable at every text size (MainWindow.zoom calls this)."""
        self.tree.resizeColumnToContents(1)
        wide = self.tree.sizeHintForColumn(0) + self.tree.indentation()
        room = self.tree.viewport().width() * 11 // 20 if self.tree.isVisible() else wide
        self.tree.setColumnWidth(0, min(wide, room))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.follow_app_font()  # the tree knows its width only once shown


class HoursTab(QWidget):
    """The person's own field hour entries: log, correct, and what is signed off."""

    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.corrected: set[int] = set()
        self.model: RowsModel[HoursRow] = RowsModel(
            [
                ("Date", lambda r: day(r.worked_on)),
                ("Hours", lambda r: hours_text(r.hours)),
                ("Activity", lambda r: r.activity_label),
                ("Status", lambda r: _status_label(r, self.corrected)),
                ("Reviewed by", lambda r: r.reviewer_name or ""),
                ("Comment", lambda r: r.review_comment or ""),
                ("Notes", lambda r: r.notes),
            ]
        )
        self.table = table("Your field hours")
        self.table.setModel(self.model)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.log = button("&Log hours…", self._on_log_clicked)
        self.correct = button("Co&rrect…", self._on_correct_clicked, "Correct selected entry")
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.totals.setAccessibleName("Signed-off hours")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Field hours message")
        buttons = QHBoxLayout()
        buttons.addWidget(self.log)
        buttons.addWidget(self.correct)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Log supervised field work here; a trainer signs it off. A signed-off or rejected "
            "entry cannot change: correct it with a new entry that replaces it."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.totals)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

    def refresh(self) -> None:
        with self.ctx.db.begin() as session:
            rows = field_hours.entries_for(session, self.person, self.person.id)
        self.corrected = {r.corrects_id for r in rows if r.corrects_id is not None}
        self.model.set_rows(rows)
        self.totals.setText(signed_totals(rows))
        self._on_selection_changed()

    def selected(self) -> HoursRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _on_selection_changed(self, *_: Any) -> None:
        row = self.selected()
        self.correct.setEnabled(
            row is not None and row.status != field_hours.PENDING and row.id not in self.corrected
        )

    def _submit(self, entry: field_hours.NewHours) -> Any:
        with self.ctx.db.begin() as session:
            field_hours.log_hours(session, self.person, entry, now=self.ctx.clock.now())
        return entry

    def _on_log_clicked(self) -> None:
        today = self.ctx.clock.now().date()
        if dialogs.LogHoursDialog.ask(self, today, self._submit) is not None:
            self.refresh()
            self.status.setText("Logged. The entry waits for a trainer's sign-off.")

    def _on_correct_clicked(self) -> None:
        row = self.selected()
        today = self.ctx.clock.now().date()
        if row and dialogs.LogHoursDialog.ask(self, today, self._submit, row) is not None:
            self.refresh()
            self.status.setText("Correction logged. It waits for a trainer's sign-off.")


class MyCredentialsView(QWidget):
    """The trainee's screen: expiry warnings, then Credentials, What's left and Field hours."""

    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.banner = StyledLabel()  # it has a style sheet, so it follows zoom explicitly
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.setAccessibleName("Renewal due")
        self.banner.setStyleSheet(
            "border: 1px solid #8a6d00; background: #fff4cc; color: #3d3000; padding: 6px;"
        )
        self.credentials = CredentialsTab(ctx, person)
        self.progress = ProgressTab()
        self.hours = HoursTab(ctx, person)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("My credentials sections")
        self.tabs.addTab(self.credentials, "&Credentials")
        self.tabs.addTab(self.progress, "&What's left")
        self.tabs.addTab(self.hours, "Field hou&rs")
        size_by_current_tab(self.tabs)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("My credentials"))
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        self.refresh()

    def refresh(self) -> None:
        now = self.ctx.clock.now()
        with self.ctx.db.begin() as session:
            held = credential_register.list_credentials(
                session, self.person, person_id=self.person.id
            )
            checks = eligibility.my_progress(session, self.person, now=now)
            warnings = [
                (h, _renewal(session, self.person, h, now))
                for h in credential_register.expiry_warnings(session, self.person, now=now)
                if h.holder_id == self.person.id  # a manager's list has everyone's
            ]
        self.show_warnings(warnings)
        self.credentials.show_credentials(held)
        self.progress.show_progress(
            checks, {h.program_key for h, _ in warnings if h.state(now) == "expired"}
        )
        self.hours.refresh()

    def show_warnings(self, warnings: list[tuple[Held, Checklist | None]]) -> None:
        now = self.ctx.clock.now()
        self.banner.setText("".join(renewal_html(h, c, now, self.person.id) for h, c in warnings))
        self.banner.setVisible(bool(warnings))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        self.refresh()  # progress made on other screens shows up when you come back
        super().showEvent(event)


def _renewal(session: Any, person: Person, held: Held, now: datetime) -> Checklist | None:
    try:
        return eligibility.renewal_eligibility(session, person, held.id, now=now)
    except TrainerError:  # a program without renewal rules, or not the viewer's to see
        return None
