"""Issue (managers): who is eligible for a program and why, issuing in a batch off the GUI thread,
and the register of every credential issued (revoke, suspend, reinstate, renew, open or save the
PDF)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from html import escape
from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QSortFilterProxyModel,
    Qt,
    QThread,
    Signal,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from trainer.core.dates import short_date as day
from trainer.core.eligibility import Checklist, Held
from trainer.core.errors import TrainerError
from trainer.core.models import Person
from trainer.core.paths import viewing_copy
from trainer.core.services import credential_register, eligibility, issuance, signing_keys
from trainer.core.services.issuance import BatchResult, Issued
from trainer.core.signing import UnlockedKey
from trainer.ui import dialogs, messages
from trainer.ui.context import AppContext
from trainer.ui.eliding_combo import ElidingComboBox
from trainer.ui.reflow import ReflowSplitter, flow_row
from trainer.ui.table_model import RowsModel
from trainer.ui.views import my_credentials
from trainer.ui.views.signing_keys import save_file
from trainer.ui.widgets import button, heading, size_by_current_tab, table


def unlock_key(ctx: AppContext, person: Person, passphrase: str) -> UnlockedKey:
    with ctx.db.begin() as session:
        return signing_keys.unlock(session, person, passphrase)


def checklist_text(check: Checklist) -> str:
    return "\n".join(
        f"{'Met' if i.met else 'Missing'}: {i.label} ({i.evidence})" for i in check.items
    )


def batch_summary(result: BatchResult, total: int) -> tuple[str, str]:
    """(title, text) of the message shown when a batch ends."""
    lines = []
    if result.issued:
        lines.append(f"Issued {len(result.issued)}:")
        lines += [f"  • {i.holder_name}: {i.title}, code {i.code}" for i in result.issued]
    if result.refused:
        lines.append(f"Not issued {len(result.refused)}:")
        lines += [f"  • {why}" for _, why in result.refused]
    if result.cancelled:
        rest = total - len(result.issued) - len(result.refused)
        lines.append(f"Cancelled: the rest ({rest} of {total}) were not issued.")
        title = "Issuing cancelled"
    else:
        title = "Some credentials not issued" if result.refused else "Credentials issued"
    return title, "\n".join(lines)


class IssueWorker(QThread):
    """Runs issue_batch off the GUI thread; `begin` gives each credential its own session."""

    progressed = Signal(int, int)  # done, total
    completed = Signal(object)  # BatchResult
    failed = Signal(str)

    def __init__(
        self,
        begin: Callable[[], Any],
        actor: Person,
        key: UnlockedKey,
        person_ids: Sequence[int],
        program_key: str,
        now: datetime,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.begin, self.actor, self.key = begin, actor, key
        self.person_ids, self.program_key, self.now = list(person_ids), program_key, now
        self._stop = threading.Event()

    def cancel(self) -> None:
        self._stop.set()

    def report(self, done: int, total: int, _name: str) -> bool:
        """The batch's progress callback, in the worker thread: False stops the batch."""
        self.progressed.emit(done, total)
        return not self._stop.is_set()

    def run(self) -> None:
        try:
            result = issuance.issue_batch(
                self.begin,
                self.actor,
                self.key,
                self.person_ids,
                self.program_key,
                now=self.now,
                progress=self.report,
            )
        except TrainerError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a thread must say it stopped, or the progress never ends
            self.failed.emit(f"Issuing stopped by an unexpected error: {exc}")
        else:
            self.completed.emit(result)


class IssueTab(QWidget):
    issued = Signal()  # a batch ended; the register has news

    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.worker: IssueWorker | None = None
        self.progress: dialogs.ProgressDialog | None = None
        self.names: list[str] = []
        self.overview = ""
        # A long program title at large text ends in "…" (whole in its tooltip) instead of
        # widening the page.
        self.program = ElidingComboBox()
        self.program.setAccessibleName("Credential program")
        self.program.currentIndexChanged.connect(self._on_program_changed)
        program_label = QLabel("&Program")
        program_label.setBuddy(self.program)
        self.model: RowsModel[Checklist] = RowsModel(
            [("Name", lambda c: c.person_name), ("Eligibility", lambda c: c.summary)]
        )
        self.table = table("People and their eligibility")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setModel(self.model)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_selection_changed)
        self.checklist = QTextBrowser()
        self.checklist.setAccessibleName("Requirements of the selected person")
        self.select_eligible = button("Select all &eligible", self._on_select_eligible_clicked)
        self.issue = button("Issue &to 0 selected…", self._on_issue_clicked, "Issue to selected")
        self.issue.setEnabled(False)
        self.hint = QLabel()
        self.hint.setAccessibleName("Selection status")
        self.hint.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(program_label)
        top.addWidget(self.program)
        top.addStretch(1)
        split = ReflowSplitter()
        split.addWidget(self.table)
        split.addWidget(self.checklist)
        split.setSizes([420, 640])
        actions = QVBoxLayout()
        actions.addLayout(flow_row(self.select_eligible, self.issue))
        actions.addWidget(self.hint)
        intro = QLabel(
            "Choose a program, then select the people to certify (Ctrl or Shift to select "
            "several). Only people who meet every requirement can be issued a credential."
        )
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addLayout(actions)
        QWidget.setTabOrder(self.program, self.table)
        QWidget.setTabOrder(self.table, self.checklist)
        QWidget.setTabOrder(self.checklist, self.select_eligible)
        QWidget.setTabOrder(self.select_eligible, self.issue)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        if not event.spontaneous() and self.worker is None:
            self.refresh()  # people study elsewhere: who is eligible changes
        super().showEvent(event)

    # --- reading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        with self.ctx.db.begin() as session:
            programs = eligibility.live_programs(session, self.person.organization_id)
        chosen = self.program.currentData()
        self.program.blockSignals(True)
        self.program.clear()
        for key, live in programs.items():
            self.program.addItem(live.program.label, key)  # in order of progression
        # the choice survives a refresh; the first time, the first program (Orientation)
        self.program.setCurrentIndex(list(programs).index(chosen) if chosen in programs else 0)
        self.program.setEnabled(bool(programs))
        self.program.blockSignals(False)
        self.load_people()

    def load_people(self) -> None:
        key = self.program.currentData()
        if key is None:
            self.model.set_rows([])
            self.overview = (
                "No credential program is published yet. Trainers publish programs in the "
                "Content library."
            )
            self._on_selection_changed()
            return
        with self.ctx.db.begin() as session:
            rows = eligibility.team_eligibility(session, self.person, key, now=self.ctx.clock.now())
        kept = {c.person_id for c in self.selected_checklists()}
        current = self._current()
        self.model.set_rows(rows)
        self.overview = f"{sum(c.eligible for c in rows)} of {len(rows)} people are eligible."
        self.select_people(kept, current.person_id if current else None)

    def _current(self) -> Checklist | None:
        index = self.table.currentIndex()
        if index.isValid() and self.table.selectionModel().isRowSelected(index.row()):
            return self.model.row(index.row())
        chosen = self.selected_checklists()
        return chosen[0] if chosen else None

    def selected_checklists(self) -> list[Checklist]:
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        return [self.model.row(r) for r in rows]

    def select_people(self, person_ids: set[int], current: int | None = None) -> None:
        selection = QItemSelection()
        for row, check in enumerate(self.model.rows):
            if check.person_id in person_ids:
                selection.select(self.model.index(row, 0), self.model.index(row, 1))
        flags = QItemSelectionModel.SelectionFlag
        self.table.selectionModel().select(selection, flags.ClearAndSelect | flags.Rows)
        ids = [c.person_id for c in self.model.rows]
        if current in ids:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(ids.index(current), 0), flags.NoUpdate
            )
        self._on_selection_changed()

    # --- rendering ----------------------------------------------------------------------------

    def _on_program_changed(self, _index: int) -> None:
        self.load_people()

    def _on_selection_changed(self, *_: Any) -> None:
        chosen = self.selected_checklists()
        blocked = [c for c in chosen if not c.eligible]
        self.issue.setText(f"Issue &to {len(chosen)} selected…")
        self.issue.setAccessibleName(f"Issue to {len(chosen)} selected")
        self.issue.setEnabled(bool(chosen) and not blocked and self.worker is None)
        if blocked:
            why = "; ".join(
                f"{c.person_name}: {c.summary[0].lower()}{c.summary[1:]}" for c in blocked
            )
            # a name typed as one long word breaks rather than widening the page
            self.hint.setText(dialogs.breakable(f"Cannot issue to {why}. Deselect to issue."))
        elif chosen:
            self.hint.setText(f"{len(chosen)} selected, all eligible.")
        else:
            self.hint.setText(self.overview)
        self.show_checklist(self._current())

    def show_checklist(self, check: Checklist | None) -> None:
        if check is None:
            self.checklist.setHtml("<p>Select a person to see their requirements and evidence.</p>")
            return
        missing = "<b style='color:#a40000'>Missing</b>"  # the word says it; colour helps
        rows = "".join(
            f"<tr><td>{'<b>Met</b>' if i.met else missing}</td>"
            f"<td>{escape(i.label)}<br>{escape(i.evidence)}</td></tr>"
            for i in check.items
        )
        self.checklist.setHtml(
            f"<h3>{escape(check.person_name)}</h3>"
            f"<p>{escape(check.title)}: <b>{escape(check.summary)}</b></p>"
            f"<table cellpadding='4'>{rows}</table>"
        )

    # --- issuing ------------------------------------------------------------------------------

    def _on_select_eligible_clicked(self) -> None:
        self.select_people({c.person_id for c in self.model.rows if c.eligible})
        self.table.setFocus()

    def _on_issue_clicked(self) -> None:
        chosen = self.selected_checklists()
        names = ", ".join(c.person_name for c in chosen[:5])
        more = f" and {len(chosen) - 5} more" if len(chosen) > 5 else ""
        key = dialogs.PassphraseDialog.ask(
            self,
            f"Issue {chosen[0].title} to {names}{more}.",
            self._unlock,
            ok_text="&Issue",
        )
        if key is not None:
            self.start_batch(key, chosen)

    def _unlock(self, passphrase: str) -> UnlockedKey:
        return unlock_key(self.ctx, self.person, passphrase)

    def start_batch(self, key: UnlockedKey, chosen: list[Checklist]) -> None:
        self.names = [c.person_name for c in chosen]
        self.worker = IssueWorker(
            self.ctx.db.begin,
            self.person,
            key,
            [c.person_id for c in chosen],
            self.program.currentData(),
            self.ctx.clock.now(),
            self,
        )
        self.worker.progressed.connect(self._on_worker_progressed)
        self.worker.completed.connect(self._on_worker_completed)
        self.worker.failed.connect(self._on_worker_failed)
        self.progress = dialogs.ProgressDialog(self, "Issuing credentials", len(chosen))
        self.progress.canceled.connect(self._on_progress_canceled)
        self._on_worker_progressed(0, len(chosen))
        self.issue.setEnabled(False)
        self.worker.start()

    def _on_worker_progressed(self, done: int, total: int) -> None:
        if self.progress is not None:
            label = f"Issuing {done + 1} of {total}: {self.names[done]}…" if done < total else ""
            self.progress.report(done, label or "Finishing…")

    def _on_progress_canceled(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.hint.setText("Stopping after the credential being signed now…")

    def stop_batch(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.worker.wait()

    def _finish_batch(self) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress = None
        if self.worker is not None:
            self.worker.wait()
            self.worker.deleteLater()
            self.worker = None

    def _on_worker_completed(self, result: BatchResult) -> None:
        self._finish_batch()
        title, text = batch_summary(result, len(self.names))
        self.load_people()
        self.select_people(set())  # those issued are done; the rest are chosen afresh
        self.issued.emit()
        messages.info(self, title, text)

    def _on_worker_failed(self, message: str) -> None:
        self._finish_batch()
        self.load_people()
        self.issued.emit()
        messages.error(self, "Issuing stopped", message)


def _pdf_name(held: Held) -> str:
    return re.sub(r"[^\w-]+", "-", f"{held.holder_name}-{held.title}-{held.code}").strip("-") + (
        ".pdf"
    )


class RegisterTab(QWidget):
    """Every credential of the organization, with its status in words."""

    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.now = ctx.clock.now()
        self.model: RowsModel[Held] = RowsModel(
            [
                ("Holder", lambda h: h.holder_name),
                ("Credential", lambda h: h.title),
                ("Code", lambda h: h.code),
                ("Issued", lambda h: day(h.issued_at)),
                ("Status", lambda h: h.state_label(self.now)),
            ]
        )
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter = QLineEdit()
        self.filter.setAccessibleName("Find credentials")
        self.filter.setPlaceholderText("Name, credential, code or status")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._on_filter_changed)
        filter_label = QLabel("&Find")
        filter_label.setBuddy(self.filter)
        self.table = table("Issued credentials")
        self.table.setModel(self.proxy)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.activated.connect(lambda *_: self._on_open_pdf_clicked())  # Enter, double-click
        self.revoke = button("&Revoke…", lambda: self._on_status_clicked("revoke"))
        self.suspend = button("&Suspend…", lambda: self._on_status_clicked("suspend"))
        self.reinstate = button("Reinst&ate…", lambda: self._on_status_clicked("reinstate"))
        self.renew = button("Re&new…", self._on_renew_clicked)
        self.open_pdf = button("&Open PDF", self._on_open_pdf_clicked, "Open certificate PDF")
        self.pdf = button("Save &PDF…", self._on_pdf_clicked)
        self.status = QLabel()
        self.status.setAccessibleName("Register status")
        self.status.setWordWrap(True)
        self.count = QLabel()
        self.count.setAccessibleName("Number of credentials")
        find_row = QHBoxLayout()
        find_row.addWidget(filter_label)
        find_row.addWidget(self.filter, 1)
        find_row.addWidget(self.count)
        actions = flow_row(
            self.revoke, self.suspend, self.reinstate, self.renew, self.open_pdf, self.pdf
        )
        layout = QVBoxLayout(self)
        layout.addLayout(find_row)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.status)
        self._on_selection_changed()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        if not event.spontaneous():
            self.refresh()
        super().showEvent(event)

    def refresh(self, select: int | None = None) -> None:
        keep = select if select is not None else (h.id if (h := self.selected()) else None)
        self.now = self.ctx.clock.now()
        with self.ctx.db.begin() as session:
            rows = credential_register.list_credentials(session, self.person)
        self.model.set_rows(rows)
        self.count.setText(f"{len(rows)} credentials")
        if keep is not None:
            self.select_credential(keep)
        self._on_selection_changed()

    def select_credential(self, credential_id: int) -> None:
        ids = [h.id for h in self.model.rows]
        if credential_id in ids:
            index = self.proxy.mapFromSource(self.model.index(ids.index(credential_id), 0))
            if index.isValid():
                self.table.selectRow(index.row())

    def selected(self) -> Held | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.row(self.proxy.mapToSource(rows[0]).row())

    def _on_filter_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        self._on_selection_changed()

    def _on_selection_changed(self, *_: Any) -> None:
        held = self.selected()
        open_ = held is not None and held.revoked is None
        self.revoke.setEnabled(open_)
        self.suspend.setEnabled(open_ and held is not None and held.suspended is None)
        self.reinstate.setEnabled(open_ and held is not None and held.suspended is not None)
        self.renew.setEnabled(
            open_ and held is not None and held.valid_until is not None and not held.renewed_by
        )
        self.open_pdf.setEnabled(held is not None)
        self.pdf.setEnabled(held is not None)
        # The status in full, also when the table is wider than the window (large text).
        self.status.setText(dialogs.breakable(self._describe(held)) if held is not None else "")

    def _describe(self, held: Held) -> str:
        return (
            f"{held.title} of {held.holder_name}, code {held.code} ({held.state_label(self.now)})"
        )

    def _on_status_clicked(self, action: str) -> None:
        held = self.selected()
        if held is None:
            return
        changed = dialogs.StatusChangeDialog.ask(
            self,
            action,
            self._describe(held),
            lambda reason: self._change(held.id, action, reason),
        )
        if changed is not None:
            self.refresh(select=held.id)
            self.status.setText(
                dialogs.breakable(
                    f"{held.holder_name}, {held.code}: {changed.state_label(self.now)}"
                )
            )

    def _change(self, credential_id: int, action: str, reason: str) -> Held:
        with self.ctx.db.begin() as session:
            return credential_register.change_status(
                session, self.person, credential_id, action, reason, now=self.ctx.clock.now()
            )

    def _on_renew_clicked(self) -> None:
        held = self.selected()
        if held is None:
            return
        try:
            with self.ctx.db.begin() as session:
                check = eligibility.renewal_eligibility(
                    session, self.person, held.id, now=self.ctx.clock.now()
                )
        except TrainerError as exc:
            messages.error(self, "Cannot renew", str(exc))
            return
        if not check.eligible:
            messages.info(
                self,
                "Not ready for renewal",
                f"{held.holder_name} cannot renew {held.title} yet. Show the details to see "
                "what is missing.",
                details=checklist_text(check),
            )
            return
        renewed = dialogs.PassphraseDialog.ask(
            self,
            f"Renew {held.title} for {held.holder_name}. The current certificate keeps its own "
            "dates; the renewal is a new certificate with a new code.",
            lambda passphrase: self._renew(held.id, passphrase),
            details=checklist_text(check),
            ok_text="&Renew",
        )
        if renewed is not None:
            self.refresh(select=renewed.id)
            self.status.setText(f"Renewed: {renewed.holder_name} has new code {renewed.code}.")

    def _renew(self, credential_id: int, passphrase: str) -> Issued:
        with self.ctx.db.begin() as session:
            key = signing_keys.unlock(session, self.person, passphrase)
            return issuance.renew(
                session, self.person, key, credential_id, now=self.ctx.clock.now()
            )

    def _certificate(self, held: Held) -> bytes:
        with self.ctx.db.begin() as session:  # the service decides who may read it
            return credential_register.certificate_pdf(session, self.person, held.id)

    def _on_open_pdf_clicked(self) -> None:
        """Open the certificate in the system's viewer, as My credentials does."""
        held = self.selected()
        if held is None:
            return
        try:  # a private folder of this run, removed when the app exits
            path = viewing_copy(_pdf_name(held), self._certificate(held))
        except (TrainerError, OSError) as exc:
            messages.error(self, "Certificate not opened", str(exc))
            return
        opened = my_credentials.open_file(path)
        self.status.setText(
            f"Opened {held.holder_name}'s certificate in your PDF viewer ({path})."
            if opened
            else f"No PDF viewer opened it. The file is at {path}."
        )

    def _on_pdf_clicked(self) -> None:
        held = self.selected()
        if held is None:
            return
        path = dialogs.choose_save_file(
            self, "Save the certificate", _pdf_name(held), "PDF certificate (*.pdf)"
        )
        if path is None:
            return
        if save_file(self, path, self._certificate(held)):
            self.status.setText(f"Saved {held.holder_name}'s certificate to {path}.")


class IssueView(QWidget):
    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.issue_tab = IssueTab(ctx, person)
        self.register = RegisterTab(ctx, person)
        self.issue_tab.issued.connect(self.register.refresh)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Issue sections")
        self.tabs.addTab(self.issue_tab, "&Issue")
        self.tabs.addTab(self.register, "Issued &credentials")
        size_by_current_tab(self.tabs)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Issue credentials"))
        layout.addWidget(self.tabs, 1)

    def save_state(self) -> None:
        """Before sign-out or closing: stop a running batch after its current credential (each
        credential is whole; the rest stay unissued) so the thread never outlives its widget."""
        self.issue_tab.stop_batch()
