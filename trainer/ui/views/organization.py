"""Organization (admins): name, contact, logo, sign-in safety settings, backup, certificate
signing keys, audit log."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from trainer.core.audit_words import action_words, details_words
from trainer.core.backup import backup_sqlite, restore_sqlite
from trainer.core.errors import TrainerError
from trainer.core.models import AuditEntry, Person
from trainer.core.services import accounts, audit_log, practice
from trainer.ui import dialogs, messages
from trainer.ui.context import AppContext
from trainer.ui.reflow import PathLabel, ReflowSplitter, WrappingChoice, flow_row
from trainer.ui.table_model import RowsModel
from trainer.ui.views.setup import LOGO_TYPES
from trainer.ui.views.signing_keys import SigningKeysPanel
from trainer.ui.widgets import button, heading, table


def _spin(name: str, low: int, high: int, suffix: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSuffix(suffix)
    box.setAccessibleName(name)
    return box


def quit_after_restore() -> None:
    """Leave the event loop without the usual save on close: the open screens belong to the
    database that was replaced (tests replace this)."""
    QCoreApplication.exit(0)


class AuditModel(RowsModel[AuditEntry]):
    """Audit entries in words; the recorded action and details stay in each cell's tooltip."""

    ACTION, ABOUT, DETAILS = 3, 4, 5

    def __init__(self) -> None:
        self.about: dict[str, str] = {}  # recorded target -> in words (audit_log.target_words)
        super().__init__(
            [
                ("#", lambda e: e.id),
                ("When", lambda e: e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")),
                ("Who", lambda e: e.actor_name),
                ("Action", lambda e: action_words(e.action)),
                ("About", lambda e: self.about.get(e.target or "", e.target)),
                ("Details", lambda e: details_words(e.details)),
            ]
        )

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid():
            entry = self.rows[index.row()]
            if index.column() == self.ACTION:
                return f"Recorded as {entry.action}"
            if index.column() == self.ABOUT and entry.target in self.about:
                return f"Recorded as {entry.target}"
            if index.column() == self.DETAILS and entry.details not in ("", "{}"):
                return entry.details
        return super().data(index, role)


class OrganizationView(QWidget):
    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.name = QLineEdit()
        self.name.setAccessibleName("Organization name")
        self.contact = QLineEdit()
        self.contact.setAccessibleName("Contact")
        self.inactivity = _spin("Sign out after inactivity", 1, 480, " minutes")
        self.threshold = _spin("Failed sign-ins before lockout", 3, 20, " attempts")
        self.lock_minutes = _spin("Lockout length", 1, 1440, " minutes")
        self.attempts = _spin("Assessment attempts per scenario", 1, 100, " attempts")
        self.window = _spin("Counted over", 1, 365, " days")
        self.wait = _spin("Wait after an assessment that did not pass", 0, 720, " hours")
        self.logo = QLabel()
        self.logo.setAccessibleName("Logo")
        self.status = QLabel()
        self.status.setAccessibleName("Settings status")
        self.status.setWordWrap(True)

        settings = QGroupBox("Organization")
        form = QFormLayout(settings)
        # At large text sizes a label goes above its field rather than widening the page.
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("&Name", self.name)
        form.addRow("&Contact", self.contact)
        form.addRow("Sign out after &inactivity", self.inactivity)
        form.addRow("Failed sign-ins before &lockout", self.threshold)
        form.addRow("Lockout le&ngth", self.lock_minutes)
        form.addRow("Assessment a&ttempts per scenario", self.attempts)
        form.addRow("…counted over", self.window)
        form.addRow("&Wait after a failed assessment", self.wait)
        logo_row = flow_row(
            self.logo,
            button("C&hoose logo…", self._on_logo_clicked, "Choose logo"),
            button("Re&move logo", self._on_remove_logo_clicked, "Remove logo"),
        )
        form.addRow("Logo", logo_row)
        self.save = button("&Save settings", self._on_save_clicked)
        form.addRow(self.save, self.status)

        data = QGroupBox("Data")
        data_layout = QVBoxLayout(data)
        if ctx.paths and ctx.db.is_sqlite:
            # A long path is shortened in the middle; the tooltip and Copy have all of it.
            self.where = PathLabel(str(ctx.paths.database))
            self.where.setAccessibleName("Database file")
            data_layout.addWidget(QLabel("Data is stored in the file:"))
            path_row = QHBoxLayout()
            path_row.addWidget(self.where, 1)
            path_row.addWidget(button("C&opy path", self.where.copy, "Copy the database path"))
            data_layout.addLayout(path_row)
        else:
            postgres = QLabel("Data is stored on a PostgreSQL server (back it up with pg_dump).")
            postgres.setWordWrap(True)
            data_layout.addWidget(postgres)
        self.backup = button("&Back up now…", self._on_backup_clicked, "Back up now")
        self.backup.setEnabled(ctx.db.is_sqlite)
        data_layout.addWidget(self.backup)
        self.restore = button("&Restore from a backup…", self._on_restore_clicked, "Restore")
        self.restore.setEnabled(ctx.db.is_sqlite and ctx.paths is not None)
        data_layout.addWidget(self.restore)
        advice = QLabel(
            "Back up regularly and keep copies off this computer. "
            "See README, 'Back up and restore'."
        )
        advice.setWordWrap(True)
        data_layout.addWidget(advice)
        data_layout.addStretch(1)

        audit_box = QGroupBox("Audit log")
        audit_layout = QVBoxLayout(audit_box)
        self.audit_model = AuditModel()
        self.audit_table = table("Audit log entries")
        self.audit_table.setModel(self.audit_model)
        self.chain = QLabel()
        self.chain.setAccessibleName("Audit chain status")
        self.chain.setWordWrap(True)
        verify_row = QHBoxLayout()
        self.verify = button(
            "Verify the audit lo&g", self._on_verify_clicked, "Verify the audit log"
        )
        verify_row.addWidget(self.verify)
        verify_row.addWidget(self.chain, 1)
        audit_layout.addLayout(verify_row)
        audit_layout.addWidget(self.audit_table)

        layout = QVBoxLayout(self)
        layout.addWidget(heading("Organization"))
        self.keys_panel = SigningKeysPanel(ctx, person)
        keys_box = QGroupBox("Certificate signing keys")
        QVBoxLayout(keys_box).addWidget(self.keys_panel)
        # Settings beside Data; the keys (long fingerprints) get the whole width below them, so
        # the page fits the default window.
        top = ReflowSplitter()  # one above the other when the window is narrow
        top.addWidget(settings)
        top.addWidget(data)
        top.setStretchFactor(0, 2)
        top.setStretchFactor(1, 1)
        layout.addWidget(top)
        layout.addWidget(keys_box)
        self.policies_box = QGroupBox("Scenario settings")
        self.policies_layout = QVBoxLayout(self.policies_box)
        policies_note = QLabel("Yes/no rules that differ by program; scenarios follow them.")
        policies_note.setWordWrap(True)
        self.policies_layout.addWidget(policies_note)
        self.policy_boxes: dict[str, QCheckBox] = {}
        layout.addWidget(self.policies_box)
        layout.addWidget(audit_box, 1)
        self.refresh()
        self.refresh_policies()

    def refresh(self) -> None:
        with self.ctx.db.begin() as session:
            org = accounts.get_organization(session)
            entries = audit_log.recent_entries(session, self.person, limit=500)
            self.audit_model.about = audit_log.target_words(
                session, self.person, (e.target for e in entries if e.target)
            )
        assert org is not None
        self.name.setText(org.name)
        self.contact.setText(org.contact or "")
        self.inactivity.setValue(org.inactivity_minutes)
        self.threshold.setValue(org.lockout_threshold)
        self.lock_minutes.setValue(org.lockout_minutes)
        self.attempts.setValue(org.assessment_attempts)
        self.window.setValue(org.assessment_window_days)
        self.wait.setValue(org.assessment_wait_hours)
        pixmap = QPixmap()
        if org.logo and pixmap.loadFromData(org.logo):
            self.logo.setPixmap(
                pixmap.scaledToHeight(48, Qt.TransformationMode.SmoothTransformation)
            )
        else:
            self.logo.setText("No logo")
        self.audit_model.set_rows(entries)

    def _on_save_clicked(self) -> None:
        settings = accounts.OrganizationSettings(
            name=self.name.text(),
            contact=self.contact.text(),
            inactivity_minutes=self.inactivity.value(),
            lockout_threshold=self.threshold.value(),
            lockout_minutes=self.lock_minutes.value(),
            assessment_attempts=self.attempts.value(),
            assessment_window_days=self.window.value(),
            assessment_wait_hours=self.wait.value(),
        )
        try:
            with self.ctx.db.begin() as session:
                accounts.update_organization(
                    session, self.person, settings, now=self.ctx.clock.now()
                )
        except TrainerError as exc:
            self.status.setText(f"Not saved: {exc}")
            return
        self.status.setText("Saved. The inactivity time applies from the next sign-in.")
        self.refresh()

    def _set_logo(self, data: bytes | None, mime: str | None) -> None:
        try:
            with self.ctx.db.begin() as session:
                accounts.set_logo(session, self.person, data, mime, now=self.ctx.clock.now())
        except TrainerError as exc:
            messages.error(self, "Logo not changed", str(exc))
        self.refresh()

    def _on_logo_clicked(self) -> None:
        path = dialogs.choose_open_file(self, "Choose a logo", "Images (*.png *.jpg *.jpeg)")
        if path is None:
            return
        mime = LOGO_TYPES.get(path.suffix.lower())
        try:
            data = path.read_bytes()
        except OSError as exc:
            messages.error(self, "Logo not changed", f"Cannot read {path}: {exc.strerror}.")
            return
        self._set_logo(data, mime)

    def _on_remove_logo_clicked(self) -> None:
        self._set_logo(None, None)

    def _on_backup_clicked(self) -> None:
        stamp = self.ctx.clock.now().strftime("%Y%m%d-%H%M")
        path = dialogs.choose_save_file(
            self,
            "Back up the database",
            f"cvi-trainer-backup-{stamp}.sqlite3",
            "CVI Trainer backup (*.sqlite3)",
        )
        if path is None:
            return
        try:
            written = backup_sqlite(self.ctx.db, path, now=self.ctx.clock.now(), actor=self.person)
        except TrainerError as exc:
            messages.error(self, "Backup failed", str(exc))
            return
        messages.info(self, "Backup written", f"The backup was written to {written}.")
        self.refresh_audit()

    def _on_restore_clicked(self) -> None:
        paths = self.ctx.paths
        source = paths and dialogs.choose_open_file(
            self, "Restore from a backup", "CVI Trainer backup (*.sqlite3);;All files (*)"
        )
        if paths is None or source is None:
            return
        if not messages.confirm(
            self,
            "Restore from a backup?",
            f"Everything recorded since {source.name} was made will be replaced by the backup. "
            "The current database is kept beside it. CVI Trainer closes after the restore; "
            "open it again to carry on.",
            yes="Restore and close",
        ):
            return
        self.ctx.db.dispose()  # no connection of ours may hold the file being replaced
        try:
            kept = restore_sqlite(paths, source, now=self.ctx.clock.now(), by=self.person.username)
        except TrainerError as exc:
            messages.error(self, "Restore failed", str(exc))
            return
        replaced = f" The database it replaced is kept as {kept}." if kept else ""
        messages.info(self, "Restored", f"Restored {source}.{replaced} CVI Trainer will close now.")
        quit_after_restore()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        self.refresh_audit()  # entries written on other screens show up when you come here
        super().showEvent(event)

    def refresh_audit(self) -> None:
        with self.ctx.db.begin() as session:
            entries = audit_log.recent_entries(session, self.person, limit=500)
            self.audit_model.about = audit_log.target_words(
                session, self.person, (e.target for e in entries if e.target)
            )
        self.audit_model.set_rows(entries)

    def refresh_policies(self) -> None:
        with self.ctx.db.begin() as session:
            settings = practice.policy_settings(session, self.person)
        for box in self.policy_boxes.values():
            box.parentWidget().deleteLater()  # its WrappingChoice
        self.policy_boxes = {}
        for setting in settings:
            box = QCheckBox()
            box.setAccessibleName(setting.question)
            box.setChecked(setting.value)
            box.toggled.connect(lambda value, key=setting.key: self._on_policy_toggled(key, value))
            words = f"{setting.question} (yes when ticked)" + (
                " — default, not yet set by you" if setting.is_default else ""
            )
            self.policies_layout.addWidget(WrappingChoice(box, words))  # a long question wraps
            self.policy_boxes[setting.key] = box
        self.policies_box.setVisible(bool(settings))

    def _on_policy_toggled(self, key: str, value: bool) -> None:
        with self.ctx.db.begin() as session:
            practice.set_policy(session, self.person, key, value, now=self.ctx.clock.now())
        self.status.setText("Policy saved. New scenario attempts follow it.")
        self.refresh_audit()

    def _on_verify_clicked(self) -> None:
        self.refresh_audit()
        with self.ctx.db.begin() as session:
            report = audit_log.verify(session, self.person)
        if report.intact:
            self.chain.setText(f"✔ Intact: all {report.entries} entries link up.")
        else:
            self.chain.setText(f"✘ BROKEN at entry {report.first_bad_id}: {report.problem}.")
