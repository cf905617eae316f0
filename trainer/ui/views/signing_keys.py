"""The organization's certificate signing keys: list, export (JWK Set, issuer card), rotate.

One panel, shown on the Verify screen (managers) and the Organization screen (admins).
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from trainer.core.dates import short_date as day
from trainer.core.issuer_cards import IssuerCard
from trainer.core.models import Person
from trainer.core.paths import write_private
from trainer.core.services import signing_keys
from trainer.core.services.permissions import can
from trainer.core.services.signing_keys import KeySummary
from trainer.ui import dialogs, messages
from trainer.ui.context import AppContext
from trainer.ui.reflow import flow_row
from trainer.ui.table_model import RowsModel
from trainer.ui.widgets import button, table

ROTATE_TEXT = (
    "A new key signs every certificate from now on, under a new passphrase. The current key is "
    "retired but kept, so certificates it signed still verify, and it vouches for the new key, "
    "so organizations that trust you accept your new card without a phone call.\n\n"
    "Organizations that trust your certificates need your new issuer card: export it after "
    "rotating and send it to them.\n\nRotate when the passphrase may have leaked, or when "
    "someone who knew it leaves."
)


def save_file(parent: QWidget, path: Path, data: bytes | str) -> bool:
    """Write what a person chose to save; a failure is shown, not raised."""
    try:
        write_private(path, data)
    except OSError as exc:
        messages.error(
            parent,
            "Not saved",
            f"Cannot write {path}: {exc.strerror or exc}. Choose another place.",
        )
        return False
    return True


class SigningKeysPanel(QWidget):
    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.has_key = False
        self.state = QLabel()
        self.state.setAccessibleName("Signing key status")
        self.state.setWordWrap(True)
        self.model: RowsModel[KeySummary] = RowsModel(
            [
                ("Fingerprint", lambda k: k.fingerprint),
                ("In use from", lambda k: day(k.active_from)),
                ("Retired", lambda k: day(k.retired_at) if k.retired_at else "No, in use"),
                (
                    "Vouched for",
                    lambda k: "No: replaced a lost key" if k.replaced_unendorsed else "Yes",
                ),
            ]
        )
        self.table = table("Signing keys")
        self.table.setModel(self.model)
        self.export_jwks = button(
            "Export public keys (&JWK Set)…", self._on_export_jwks_clicked, "Export public keys"
        )
        self.export_card = button("Export issuer car&d…", self._on_export_card_clicked)
        self.rotate = button("Rotate ke&y…", self._on_rotate_clicked)
        self.change = button(
            "Change pass&phrase…", self._on_change_clicked, "Change the signing passphrase"
        )
        self.replace = button(
            "Replace lost key…", self._on_replace_clicked, "Replace a key whose passphrase is lost"
        )
        self.replace.setVisible(can(person, "replace_key"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.state)
        layout.addWidget(self.table)
        # Two short rows (what you publish; what you do to the key) rather than one wide one.
        for group in (
            (self.export_jwks, self.export_card),
            (self.rotate, self.change, self.replace),
        ):
            layout.addLayout(flow_row(*group))
        self.refresh()

    def follow_app_font(self) -> None:
        # A handful of keys: the table is as tall as its rows (up to five), no taller.
        self.table.resizeRowsToContents()
        shown = max(1, min(5, self.model.rowCount()))
        rows = sum(self.table.rowHeight(r) for r in range(shown)) or self.fontMetrics().height() * 2
        header = self.table.horizontalHeader().sizeHint().height()
        self.table.setFixedHeight(header + rows + 2 * self.table.frameWidth())

    def refresh(self) -> None:
        with self.ctx.db.begin() as session:
            rows = signing_keys.key_summaries(session, self.person)
        self.model.set_rows(rows)
        self.follow_app_font()
        active = next((k for k in rows if k.retired_at is None), None)
        self.has_key = active is not None
        if active is None:
            self.state.setText(
                "No signing key yet. Certificates cannot be issued until you create one."
            )
            self.rotate.setText("Create signing ke&y…")
            self.rotate.setAccessibleName("Create signing key")
        else:
            self.state.setText(
                f"Certificates are signed with the key whose fingerprint is {active.fingerprint}."
            )
            self.rotate.setText("Rotate ke&y…")
            self.rotate.setAccessibleName("Rotate key")
        self.export_jwks.setEnabled(bool(rows))
        self.export_card.setEnabled(bool(rows))
        self.change.setEnabled(self.has_key)
        self.replace.setEnabled(self.has_key)
        self.table.setVisible(bool(rows))

    def _on_export_jwks_clicked(self) -> None:
        path = dialogs.choose_save_file(
            self, "Export public keys", "public-keys.jwks.json", "JWK Set (*.json)"
        )
        if path is None:
            return
        with self.ctx.db.begin() as session:
            data = signing_keys.jwks(session, self.person.organization_id)
        if save_file(self, path, json.dumps(data, indent=2) + "\n"):
            self.state.setText(f"Public keys saved to {path}.")

    def _on_export_card_clicked(self) -> None:
        path = dialogs.choose_save_file(
            self, "Export the issuer card", "issuer-card.json", "Issuer card (*.json)"
        )
        if path is None:
            return
        card = dialogs.PassphraseDialog.ask(
            self,
            "Sign your issuer card with your organization's key.",
            self._card,
            ok_text="&Sign and save",
        )
        if card is None or not save_file(self, path, json.dumps(card.to_json(), indent=2) + "\n"):
            return
        messages.info(
            self,
            "Issuer card saved",
            f"Saved to {path}.\n\nSend it to the other organization. If they do not trust you "
            "yet, phone them and read out your key fingerprint, so they can check the card really "
            f"comes from you:\n\n{signing_keys.fingerprint(card.active.jwk)}",
        )

    def _card(self, passphrase: str) -> IssuerCard:
        with self.ctx.db.begin() as session:
            key = signing_keys.unlock_for_card(session, self.person, passphrase)
            return signing_keys.issuer_card(session, self.person.organization_id, key)

    def _on_rotate_clicked(self) -> None:
        first = not self.has_key
        if not first and not messages.confirm(
            self, "Rotate the signing key?", ROTATE_TEXT, yes="Rotate key"
        ):
            return
        fingerprint = dialogs.NewPassphraseDialog.ask(
            self,
            "Create a signing key" if first else "Rotate the signing key",
            self._rotate,
            current=not first,
            ok_text="&Create key" if first else "&Rotate key",
        )
        if fingerprint is None:
            return
        self.refresh()
        self.state.setText(
            f"New signing key {fingerprint} is in use from now."
            + ("" if first else " Send your new issuer card to organizations that trust you.")
        )

    def _rotate(self, passphrases: tuple[str, str]) -> str:
        current, new = passphrases
        now = self.ctx.clock.now()
        with self.ctx.db.begin() as session:
            if self.has_key:
                row = signing_keys.rotate_key(session, self.person, current, new, now=now)
            else:
                row = signing_keys.create_first_key(session, self.person, new, now=now)
            return signing_keys.fingerprint(json.loads(row.public_jwk))

    def _on_change_clicked(self) -> None:
        done = dialogs.NewPassphraseDialog.ask(
            self,
            "Change the signing passphrase",
            self._change,
            current=True,
            ok_text="&Change passphrase",
        )
        if done is not None:
            self.state.setText(
                "The signing passphrase was changed. The key and its fingerprint stay the same."
            )

    def _change(self, passphrases: tuple[str, str]) -> bool:
        current, new = passphrases
        with self.ctx.db.begin() as session:
            signing_keys.change_passphrase(
                session, self.person, current, new, now=self.ctx.clock.now()
            )
        return True

    def _on_replace_clicked(self) -> None:
        fingerprint = dialogs.ReplaceKeyDialog.ask(self, self._replace)
        if fingerprint is None:
            return
        self.refresh()
        messages.info(
            self,
            "Signing key replaced",
            f"The new key's fingerprint is {fingerprint}. Export your issuer card, send it to "
            "every organization that trusts you, and read them this fingerprint by phone: they "
            "cannot accept the new key otherwise.",
        )

    def _replace(self, values: tuple[str, str]) -> str:
        reason, new = values
        with self.ctx.db.begin() as session:
            row = signing_keys.replace_lost_key(
                session, self.person, new, reason, now=self.ctx.clock.now()
            )
            return signing_keys.fingerprint(json.loads(row.public_jwk))
