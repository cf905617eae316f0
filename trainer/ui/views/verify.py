"""Verify (managers): check a certificate someone shows you (a dropped or opened file, a typed
code or pasted QR text), and manage whom you trust: other issuers' cards and status lists."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from trainer.core.dates import short_date as day
from trainer.core.errors import IssuerKeyChangedError, TrainerError
from trainer.core.issuer_cards import IssuerCard
from trainer.core.models import Person
from trainer.core.open_badges import Claims
from trainer.core.services import signing_keys, trust, verification
from trainer.core.services.trust import TrustedIssuerRow
from trainer.core.verify import UNKNOWN_ISSUER, VERIFIED, Report, Step
from trainer.ui import dialogs, messages
from trainer.ui.context import AppContext
from trainer.ui.reflow import flow_row
from trainer.ui.table_model import RowsModel
from trainer.ui.views.signing_keys import SigningKeysPanel, save_file
from trainer.ui.widgets import StyledLabel, button, heading, size_by_current_tab, table

FILE_FILTERS = (
    "Certificates (*.pdf *.jwt *.png *.jpg *.jpeg);;PDF certificates (*.pdf);;"
    "Open Badges (*.jwt);;Images of a QR code (*.png *.jpg *.jpeg);;All files (*)"
)
# The words carry the verdict; the mark and the colour only help.
VERDICT_LOOK = {
    VERIFIED: ("✔", "#1b5e20"),
    UNKNOWN_ISSUER: ("⚠", "#7a4a00"),
}
NOT_GOOD = ("✘", "#a40000")
OUTCOMES = {"passed": "Passed", "failed": "Failed", "not checked": "Not checked"}


class DropArea(QFrame):
    """Accepts a dropped file (a PDF, an Open Badge .jwt, a photo of the QR code)."""

    file_dropped = Signal(object)  # Path

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setAccessibleName("Drop area for a certificate file")
        self.setAccessibleDescription("Drop a PDF, .jwt or image file here, or use Open file.")
        self.setObjectName("drop")
        self.setStyleSheet("#drop { border: 2px dashed palette(mid); border-radius: 8px; }")
        self.setMinimumHeight(110)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.label = StyledLabel(
            "Drop a certificate here: the PDF, the Open Badge (.jwt) or a photo of its QR code",
            scale=1.2,
        )
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)

    @staticmethod
    def paths(mime: QMimeData) -> list[Path]:
        return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if self.paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        found = self.paths(event.mimeData())
        if not found:
            event.ignore()
            return
        event.acceptProposedAction()
        self.file_dropped.emit(found[0])


def _valid_dates(claims: Claims) -> str:
    if claims.valid_until is None:
        return f"From {day(claims.valid_from)}; does not expire"
    return f"{day(claims.valid_from)} to {day(claims.valid_until)}"


class CheckTab(QWidget):
    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.drop_area = DropArea()
        self.drop_area.file_dropped.connect(self.verify_path)
        self.open_file = button("&Open file…", self._on_open_clicked, "Open file")
        self.code = QLineEdit()
        self.code.setAccessibleName("Verification code or pasted QR text")
        self.code.setPlaceholderText("e.g. K7QX-2M9P-HT4R")
        self.code.setClearButtonEnabled(True)
        self.code.returnPressed.connect(self.verify_typed)
        code_label = QLabel("Verification code or pasted QR &text")
        code_label.setBuddy(self.code)
        code_label.setWordWrap(True)  # at large text sizes it wraps instead of widening the page
        self.check = button("C&heck", self.verify_typed, "Check")

        self.verdict = StyledLabel(scale=1.5, bold=True)
        self.verdict.setAccessibleName("Verdict")
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.source = QLabel()
        self.source.setAccessibleName("What was checked")
        self.source.setWordWrap(True)
        self.fields: dict[str, StyledLabel] = {}
        # A group box title never wraps: the instruction goes inside, where it can.
        self.details = QGroupBox("Signed details")
        self.caveat = QLabel()
        self.caveat.setWordWrap(True)
        self.caveat.setAccessibleName("How to read the details")
        form = QFormLayout(self.details)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(self.caveat)
        for name in ("Holder", "Credential", "Issuer", "Valid", "Credential ID", "Code"):
            # The name to compare stands out; the ID (36 characters, one token) is a little
            # smaller so it fits whole beside or under its label up to 250% text.
            value = StyledLabel(bold=name == "Holder", scale=0.9 if name == "Credential ID" else 1)
            value.setAccessibleName(name)
            # One long token (a UUID) stays whole: the row goes under its label when narrow.
            value.setWordWrap(name != "Credential ID")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(name, value)
            self.fields[name] = value
        self.steps_model: RowsModel[Step] = RowsModel(
            [
                ("Check", lambda s: s.name),
                ("Outcome", lambda s: OUTCOMES.get(s.outcome, s.outcome)),
                ("Details", lambda s: s.detail),
            ]
        )
        self.steps = table("Verification steps")
        self.steps.setModel(self.steps_model)
        self.steps.setWordWrap(True)
        self.steps.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

        entry = flow_row(self.open_file, code_label, self.code, self.check)
        layout = QVBoxLayout(self)
        layout.addWidget(self.drop_area)
        layout.addLayout(entry)
        layout.addWidget(self.verdict)
        layout.addWidget(self.source)
        layout.addWidget(self.details)
        layout.addWidget(self.steps, 1)
        layout.addStretch()  # takes the room while there are no steps to show
        QWidget.setTabOrder(self.open_file, self.code)
        QWidget.setTabOrder(self.code, self.check)
        QWidget.setTabOrder(self.check, self.steps)
        self.clear()

    def clear(self) -> None:
        self.verdict.setText("Nothing checked yet.")
        self.verdict.setStyleSheet("")
        self.source.setText("")
        self.details.hide()
        self.steps.hide()

    # --- one input, one service call ----------------------------------------------------------

    def _on_open_clicked(self) -> None:
        path = dialogs.choose_open_file(self, "Open a certificate", FILE_FILTERS)
        if path is not None:
            self.verify_path(path)

    def verify_path(self, path: Path) -> None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.show_unreadable(f"{path.name} cannot be read: {exc.strerror or exc}.")
            return
        self._verify(
            lambda session, org, now: verification.verify_file(
                session, org, data, path.name, now=now
            ),
            path.name,
        )

    def verify_typed(self) -> None:
        text = self.code.text().strip()
        if not text:
            self.show_unreadable(
                "type a verification code (like K7QX-2M9P-HT4R) or paste the text of the QR "
                "code first."
            )
            return
        self._verify(
            lambda session, org, now: verification.verify_text(session, org, text, now=now),
            "the code or text you entered",
        )

    def _verify(self, check: Callable[[Session, int, Any], Report], what: str) -> None:
        try:
            with self.ctx.db.begin() as session:
                report = check(session, self.person.organization_id, self.ctx.clock.now())
        except TrainerError as exc:
            self.show_unreadable(str(exc))
            return
        self.show_report(report, what)

    # --- rendering ----------------------------------------------------------------------------

    def show_unreadable(self, message: str) -> None:
        self.clear()
        self.verdict.setText(f"Cannot verify: {message}")

    def show_report(self, report: Report, what: str) -> None:
        mark, colour = VERDICT_LOOK.get(report.verdict, NOT_GOOD)
        if report.verdict == VERIFIED and not report.status_checked:
            mark, colour = VERDICT_LOOK[UNKNOWN_ISSUER]  # verified, with a caveat to act on
        self.verdict.setText(f"{mark} {report.headline}")
        self.verdict.setStyleSheet(f"color: {colour};")
        self.source.setText(f"Checked {what} at {self.ctx.clock.now().astimezone():%H:%M}.")
        claims = report.claims
        self.details.setVisible(claims is not None)
        self.details.setTitle("Signed details" if report.signed else "Unverified claims")
        self.caveat.setText(
            "Compare the name with the person's photo ID."
            if report.signed
            else "Nothing here is confirmed: do not rely on it."
        )
        if claims is not None:
            values = {
                "Holder": claims.holder_name,
                "Credential": claims.title,
                "Issuer": claims.issuer_name,
                "Valid": _valid_dates(claims),
                "Credential ID": claims.credential_id.removeprefix("urn:uuid:"),
                "Code": claims.code or "—",
            }
            for name, value in values.items():
                self.fields[name].setText(value)
        self.steps_model.set_rows(report.steps)
        self.steps.show()


class TrustTab(QWidget):
    """Your own keys, and the other organizations whose certificates you can verify."""

    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.keys_panel = SigningKeysPanel(ctx, person)
        own = QGroupBox("Your certificate signing keys")
        QVBoxLayout(own).addWidget(self.keys_panel)
        self.model: RowsModel[TrustedIssuerRow] = RowsModel(
            [
                ("Organization", lambda r: r.name),
                ("Key fingerprints", lambda r: r.fingerprints),
                (
                    "Status list as of",
                    lambda r: day(r.status_as_of) if r.status_as_of else "None imported",
                ),
                ("Imported", lambda r: day(r.imported_at)),
            ]
        )
        self.table = table("Trusted issuers")
        self.table.setModel(self.model)
        self.import_file = button(
            "&Import issuer card or status list…", self._on_import_clicked, "Import"
        )
        self.export_status = button(
            "E&xport your status list…", self._on_export_clicked, "Export your status list"
        )
        self.status = QLabel()
        self.status.setAccessibleName("Trust status")
        self.status.setWordWrap(True)
        others = QGroupBox("Other organizations you trust")
        intro = QLabel(
            "Another organization's certificates verify once you import its issuer card. "
            "Import its status list from time to time, so revocations show up. Send yours to "
            "the organizations that trust you."
        )
        intro.setWordWrap(True)
        row = flow_row(self.import_file, self.export_status)
        others_layout = QVBoxLayout(others)
        others_layout.addWidget(intro)
        others_layout.addWidget(self.table, 1)
        others_layout.addLayout(row)
        others_layout.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.addWidget(own)
        layout.addWidget(others, 1)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        if not event.spontaneous():
            self.refresh()
        super().showEvent(event)

    def refresh(self) -> None:
        with self.ctx.db.begin() as session:
            self.model.set_rows(trust.trusted_issuers(session, self.person))
        self.keys_panel.refresh()
        if not self.model.rowCount():
            self.status.setText(
                "You trust no other organization yet: only your own certificates verify."
            )

    def _on_import_clicked(self) -> None:
        path = dialogs.choose_open_file(
            self,
            "Import an issuer card or a status list",
            "Issuer cards and status lists (*.json *.txt *.jws);;All files (*)",
        )
        if path is None:
            return
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeError) as exc:
            messages.error(self, "Not imported", f"{path.name} cannot be read as text: {exc}.")
            return
        self.import_text(text)

    def import_text(self, text: str) -> None:
        """Import a file's issuer card or status lists. A new issuer is trusted only after the
        person confirms its fingerprint; a card that breaks a trusted issuer's key chain is
        refused, with Replace issuer offered after a phone check."""
        try:
            card = trust.card_in(text)  # read and checked, not imported
            confirmed = False
            if card is not None:
                with self.ctx.db.begin() as session:
                    plan = trust.plan_card(session, self.person, card)
                if plan.action == "new":
                    if not self._confirm_card(card, plan.fingerprint):
                        self.status.setText("Not imported: the issuer card was not confirmed.")
                        return
                    confirmed = True
            with self.ctx.db.begin() as session:
                done = trust.import_file(
                    session, self.person, text, now=self.ctx.clock.now(), confirmed=confirmed
                )
        except IssuerKeyChangedError as exc:
            assert card is not None  # only a card's key chain can break
            self._offer_replace(card, str(exc))
            return
        except TrainerError as exc:
            messages.error(self, "Not imported", str(exc))
            return
        self.refresh()
        self.status.setText(
            "\n".join(f"Imported {i.kind} from {i.issuer_name}: {i.detail}." for i in done)
        )

    def _confirm_card(self, card: IssuerCard, fingerprint: str) -> bool:
        return messages.confirm(
            self,
            "Trust this issuer?",
            f"Trust certificates signed by {card.name}?\n\nKey fingerprint: {fingerprint}\n\n"
            f"Before you trust it, phone {card.name} on a number you already know and have "
            "them read out their key fingerprint. Trust only if every group matches.",
            yes="Trust this issuer",
        )

    def _offer_replace(self, card: IssuerCard, why: str) -> None:
        try:
            with self.ctx.db.begin() as session:
                change = trust.replacement_of(session, self.person, card)
        except TrainerError as exc:
            messages.error(self, "Not imported", str(exc))
            return
        if not messages.confirm(
            self,
            "Replace this issuer's keys?",
            f"{why}\n\nReplace issuer removes the keys you trust for {change.issuer_name} "
            f"({', '.join(change.old_fingerprints)}) and trusts these instead: "
            f"{', '.join(change.new_fingerprints)}.\n\nOnly do this if {change.issuer_name} "
            "read you the new fingerprint on the phone and it matches.",
            yes="Replace issuer",
        ):
            self.status.setText(
                f"Not imported: {change.issuer_name}'s keys were left as they were."
            )
            return
        try:
            with self.ctx.db.begin() as session:
                done = trust.replace_issuer(
                    session, self.person, card, confirmed=True, now=self.ctx.clock.now()
                )
        except TrainerError as exc:
            messages.error(self, "Not replaced", str(exc))
            return
        self.refresh()
        self.status.setText(f"Replaced {done.issuer_name}'s keys: {done.detail}.")

    def _on_export_clicked(self) -> None:
        stamp = self.ctx.clock.now().strftime("%Y-%m-%d")
        path = dialogs.choose_save_file(
            self, "Export your status list", f"status-list-{stamp}.txt", "Status list (*.txt)"
        )
        if path is None:
            return
        text = dialogs.PassphraseDialog.ask(
            self,
            "Sign your current list of revoked and suspended certificates.",
            self._export,
            ok_text="&Export",
        )
        if text is not None and save_file(self, path, text):
            self.status.setText(
                f"Status list saved to {path}. Send it to the organizations that trust you."
            )

    def _export(self, passphrase: str) -> str:
        with self.ctx.db.begin() as session:
            key = signing_keys.unlock(session, self.person, passphrase)
            return trust.export_status_lists(session, self.person, key, now=self.ctx.clock.now())


class VerifyView(QWidget):
    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check_tab = CheckTab(ctx, person)
        self.trust_tab = TrustTab(ctx, person)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Verify sections")
        self.tabs.addTab(self.check_tab, "&Verify a certificate")
        self.tabs.addTab(self.trust_tab, "Trusted issuers and &keys")
        size_by_current_tab(self.tabs)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Verify"))
        layout.addWidget(self.tabs, 1)
