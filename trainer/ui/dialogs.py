"""Every modal dialog: ``Dialog.ask(parent, ..., submit=...) -> value | None``; the only exec() calls.

A dialog hands its value to ``submit``; if that raises a TrainerError the message is shown inside
the dialog and the dialog stays open, so nothing typed is lost.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable, Collection
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from trainer.core.errors import TrainerError
from trainer.core.models import Role
from trainer.core.services.accounts import NewPerson
from trainer.core.services.field_hours import HoursRow, NewHours
from trainer.ui.widgets import problem_label

if TYPE_CHECKING:
    from trainer.core.scenario_diff import DocumentDiff

T = TypeVar("T")


class FormDialog(QDialog, Generic[T]):
    """A form with OK/Cancel and an inline error line."""

    def __init__(self, parent: QWidget | None, title: str, ok_text: str = "OK") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.submit: Callable[[T], Any] | None = None
        self.fields: list[QWidget] = []
        self.outcome: Any = None
        self.form = QFormLayout()
        self.error_label = problem_label()
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&" + ok_text if "&" not in ok_text else ok_text)
        self.ok_button.setAccessibleName(ok_text.replace("&", ""))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.setMinimumWidth(460)
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def add_field(self, label: str, widget: QWidget) -> QWidget:
        widget.setAccessibleName(label.replace("&", ""))
        self.form.addRow(label, widget)
        self.fields.append(widget)
        return widget

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        # The buttons were made first; the keyboard should meet the fields first.
        chain = [
            *self.fields,
            self.ok_button,
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel),
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        if self.fields:
            self.fields[0].setFocus()
        super().showEvent(event)

    def value(self) -> T:
        raise NotImplementedError

    def show_problem(self, message: str) -> None:
        self.error_label.setText("Problem: " + message)
        self.error_label.show()
        self.adjustSize()  # grow to fit the message instead of squeezing the fields

    def _on_ok(self) -> None:
        try:
            value = self.value()
            self.outcome = self.submit(value) if self.submit else value
        except TrainerError as exc:
            self.show_problem(str(exc))
            return
        self.accept()

    @classmethod
    def run(cls, dialog: FormDialog[Any], submit: Callable[[Any], Any] | None) -> Any:
        dialog.submit = submit
        if dialog.exec() == QDialog.DialogCode.Accepted:
            return dialog.outcome
        return None


def breakable(text: str, every: int = 20) -> str:
    """`text` with a zero-width space every `every` characters of a long unbroken word, so a
    wrapping label can break a name typed as one 120-letter word instead of widening the dialog."""
    return re.sub(rf"[^\s\u200b]{{{every}}}(?=[^\s\u200b])", lambda m: m.group(0) + "\u200b", text)


def _password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class RoleChecks(QWidget):
    """One checkbox per role (text, not colour, says what is chosen)."""

    def __init__(self, chosen: frozenset[Role] = frozenset()) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[Role, QCheckBox] = {}
        keys = {
            Role.TRAINEE: "T&rainee",
            Role.TRAINER: "Trai&ner",
            Role.MANAGER: "&Manager",
            Role.ADMIN: "A&dmin",
        }
        for role in Role:
            box = QCheckBox(keys[role])
            box.setAccessibleName(f"Role {role.label}")
            box.setChecked(role in chosen)
            layout.addWidget(box)
            self.boxes[role] = box

    def roles(self) -> frozenset[Role]:
        return frozenset(r for r, box in self.boxes.items() if box.isChecked())


class AddPersonDialog(FormDialog[NewPerson]):
    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent, "Add a person", "&Add person")
        self.full_name = self.add_field("&Full name", QLineEdit())
        self.username = self.add_field("&Username", QLineEdit())
        self.job_title = self.add_field("&Job title", QLineEdit())
        self.roles = self.add_field("Roles", RoleChecks(frozenset({Role.TRAINEE})))
        self.password = self.add_field("&Temporary password", _password_field())
        hint = QLabel("They must choose their own password when they first sign in.")
        hint.setWordWrap(True)
        self.form.addRow("", hint)

    def value(self) -> NewPerson:
        return NewPerson(
            username=self.username.text(),
            full_name=self.full_name.text(),
            roles=self.roles.roles(),
            password=self.password.text(),
            job_title=self.job_title.text(),
        )

    @classmethod
    def ask(cls, parent: QWidget | None, submit: Callable[[NewPerson], Any]) -> Any:
        return cls.run(cls(parent), submit)


class RolesDialog(FormDialog[frozenset[Role]]):
    def __init__(self, parent: QWidget | None, person_name: str, current: frozenset[Role]) -> None:
        super().__init__(parent, f"Roles of {person_name}", "&Save roles")
        self.roles = self.add_field("Roles", RoleChecks(current))

    def value(self) -> frozenset[Role]:
        return self.roles.roles()

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        person_name: str,
        current: frozenset[Role],
        submit: Callable[[frozenset[Role]], Any],
    ) -> Any:
        return cls.run(cls(parent, person_name, current), submit)


class ResetPasswordDialog(FormDialog[str]):
    def __init__(self, parent: QWidget | None, person_name: str) -> None:
        super().__init__(parent, f"Reset the password of {person_name}", "&Reset password")
        self.password = self.add_field("&Temporary password", _password_field())
        note = QLabel("This also lifts a lockout. They must change it when they next sign in.")
        note.setWordWrap(True)
        self.form.addRow("", note)

    def value(self) -> str:
        return self.password.text()

    @classmethod
    def ask(cls, parent: QWidget | None, person_name: str, submit: Callable[[str], Any]) -> Any:
        return cls.run(cls(parent, person_name), submit)


class ChangePasswordDialog(FormDialog[tuple[str, str]]):
    def __init__(self, parent: QWidget | None, reason: str | None) -> None:
        super().__init__(parent, "Change your password", "C&hange password")
        if reason:
            label = QLabel(reason)
            label.setWordWrap(True)
            self.form.addRow(label)
        self.current = self.add_field("&Current password", _password_field())
        self.new = self.add_field("&New password", _password_field())
        self.repeat = self.add_field("&Repeat new password", _password_field())

    def value(self) -> tuple[str, str]:
        if self.new.text() != self.repeat.text():
            raise TrainerError("The two new passwords are not the same. Type them again.")
        return self.current.text(), self.new.text()

    @classmethod
    def ask(
        cls, parent: QWidget | None, reason: str | None, submit: Callable[[tuple[str, str]], Any]
    ) -> Any:
        return cls.run(cls(parent, reason), submit)


def start_folder() -> Path:
    """Where file dialogs start: the person's Documents folder (or home), never the folder the
    app happened to be launched from."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if documents and Path(documents).is_dir():
        return Path(documents)
    return Path.home()


def choose_open_file(parent: QWidget | None, title: str, filters: str) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, title, str(start_folder()), filters)
    return Path(name) if name else None


def choose_save_file(
    parent: QWidget | None, title: str, suggested: str, filters: str
) -> Path | None:
    start = suggested if Path(suggested).is_absolute() else str(start_folder() / suggested)
    name, _ = QFileDialog.getSaveFileName(parent, title, start, filters)
    return Path(name) if name else None


class NewModuleDialog(FormDialog[tuple[str, str, str]]):
    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent, "New module", "&Create draft")
        self.key = self.add_field("&Id", QLineEdit())
        self.key.setPlaceholderText("e.g. core-09-our-referral-partners")
        self.title = self.add_field("&Title", QLineEdit())
        self.track = self.add_field("T&rack", QLineEdit("core"))

    def value(self) -> tuple[str, str, str]:
        return self.key.text().strip(), self.title.text().strip(), self.track.text().strip()

    @classmethod
    def ask(cls, parent: QWidget | None, submit: Callable[[tuple[str, str, str]], Any]) -> Any:
        return cls.run(cls(parent), submit)


def _plain_text_field() -> QWidget:
    from PySide6.QtWidgets import QPlainTextEdit

    field = QPlainTextEdit()
    field.setTabChangesFocus(True)  # Tab moves on to the buttons instead of typing a tab
    field.setMinimumHeight(80)
    return field


class LogHoursDialog(FormDialog[NewHours]):
    """Log field hours, or correct an entry (a new entry that points at the old one)."""

    def __init__(self, parent: QWidget | None, today: date, correcting: HoursRow | None) -> None:
        from PySide6.QtCore import QDate
        from PySide6.QtWidgets import QComboBox, QDateEdit, QDoubleSpinBox

        from trainer.core.program import ACTIVITY_LABELS

        title = "Correct field hours" if correcting else "Log field hours"
        super().__init__(parent, title, "&Send for sign-off")
        self.correcting = correcting
        if correcting is not None:
            from trainer.core.dates import short_date

            when = short_date(correcting.worked_on)
            note = QLabel(
                f"This makes a new entry that replaces the one of {when} "
                f"({correcting.status_label.lower()}). It waits for sign-off again; "
                "the old entry stays on record."
            )
            note.setWordWrap(True)
            self.form.addRow(note)
            if correcting.review_comment:  # what to fix, in the reviewer's words
                self.reason = QLabel(
                    breakable(
                        f"{correcting.reviewer_name or 'The reviewer'} said: "
                        f"\u201c{correcting.review_comment}\u201d"
                    )
                )
                self.reason.setTextFormat(Qt.TextFormat.PlainText)  # their words, not markup
                self.reason.setWordWrap(True)
                self.reason.setAccessibleName("Reviewer's comment")
                self.form.addRow(self.reason)
        start = correcting.worked_on if correcting else today
        self.worked_on = self.add_field("&Date worked", QDateEdit())
        self.worked_on.setCalendarPopup(True)
        self.worked_on.setDisplayFormat("d MMM yyyy")
        self.worked_on.setMaximumDate(QDate(today.year, today.month, today.day))
        self.worked_on.setDate(QDate(start.year, start.month, start.day))
        self.hours = self.add_field("&Hours", QDoubleSpinBox())
        self.hours.setRange(0.25, 24)
        self.hours.setSingleStep(0.25)
        self.hours.setDecimals(2)
        self.hours.setSuffix(" h")
        self.hours.setValue(correcting.hours if correcting else 1)
        self.activity = self.add_field("&Activity", QComboBox())
        for key, label in ACTIVITY_LABELS.items():
            self.activity.addItem(label, key)
        if correcting is not None:
            self.activity.setCurrentIndex(max(0, self.activity.findData(correcting.activity)))
        self.notes = self.add_field("&Notes (what you did, with whom)", _plain_text_field())
        if correcting is not None:
            self.notes.setPlainText(correcting.notes)

    def value(self) -> NewHours:
        return NewHours(
            worked_on=self.worked_on.date().toPython(),
            hours=self.hours.value(),
            activity=self.activity.currentData(),
            notes=self.notes.toPlainText(),
            corrects_id=self.correcting.id if self.correcting else None,
        )

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        today: date,
        submit: Callable[[NewHours], Any],
        correcting: HoursRow | None = None,
    ) -> Any:
        return cls.run(cls(parent, today, correcting), submit)


class RejectHoursDialog(FormDialog[str]):
    """Reject one field hour entry; the reason is mandatory (the service says so inline)."""

    def __init__(self, parent: QWidget | None, what: str) -> None:
        super().__init__(parent, "Reject field hours", "&Reject entry")
        about = QLabel(breakable(f"Reject {what}?"))
        about.setWordWrap(True)
        self.form.addRow(about)
        self.comment = self.add_field("&Why (they will see this)", _plain_text_field())

    def value(self) -> str:
        return self.comment.toPlainText()

    @classmethod
    def ask(cls, parent: QWidget | None, what: str, submit: Callable[[str], Any]) -> Any:
        return cls.run(cls(parent, what), submit)


class WithdrawObservationDialog(FormDialog[str]):
    """Withdraw one observation; the reason is mandatory (the service says so inline)."""

    def __init__(self, parent: QWidget | None, what: str) -> None:
        super().__init__(parent, "Withdraw observation", "&Withdraw observation")
        about = QLabel(
            breakable(
                f"Withdraw {what}? It stays on record, marked withdrawn, and no longer counts "
                "toward credentials. Record it again if the ratings were wrong."
            )
        )
        about.setWordWrap(True)
        self.form.addRow(about)
        self.reason = self.add_field("&Why (the trainee will see this)", _plain_text_field())

    def value(self) -> str:
        return self.reason.toPlainText()

    @classmethod
    def ask(cls, parent: QWidget | None, what: str, submit: Callable[[str], Any]) -> Any:
        return cls.run(cls(parent, what), submit)


# --- credentials: the signing passphrase, status changes, a new key, batch progress ------------


def _wrapped(text: str, *, bold: bool = False) -> QLabel:
    text = breakable(text)  # names and reasons people typed, maybe one very long word
    label = QLabel(f"<b>{text}</b>" if bold else text)
    label.setWordWrap(True)
    return label


class PassphraseDialog(FormDialog[str]):
    """Asks the organization's signing passphrase; ``submit`` unlocks the key (and may sign at
    once), so a wrong passphrase is shown here and nothing is signed."""

    def __init__(self, parent: QWidget | None, purpose: str, details: str, ok_text: str) -> None:
        super().__init__(parent, "Signing passphrase", ok_text)
        self.form.addRow(_wrapped(purpose))
        if details:
            self.form.addRow(_wrapped(details))
        self.passphrase = self.add_field("Signing &passphrase", _password_field())
        self.form.addRow(
            "", _wrapped("The key is unlocked for this action only; it is never kept unlocked.")
        )

    def value(self) -> str:
        return self.passphrase.text()

    def show_problem(self, message: str) -> None:
        super().show_problem(message)
        self.passphrase.selectAll()
        self.passphrase.setFocus()

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        purpose: str,
        submit: Callable[[str], Any],
        *,
        details: str = "",
        ok_text: str = "&Unlock",
    ) -> Any:
        return cls.run(cls(parent, purpose, details, ok_text), submit)


STATUS_CHANGES = {
    # action: (title, OK button, what it means)
    "revoke": (
        "Revoke a credential",
        "&Revoke for good",
        "Revocation is final: the credential can never be reinstated or renewed. The reason is "
        "shown to anyone who verifies the certificate.",
    ),
    "suspend": (
        "Suspend a credential",
        "&Suspend",
        "A suspended credential does not verify until you reinstate it. The reason is shown to "
        "anyone who verifies the certificate.",
    ),
    "reinstate": (
        "Reinstate a credential",
        "R&einstate",
        "The credential verifies again. The reason is kept in its history and the audit log.",
    ),
}


class StatusChangeDialog(FormDialog[str]):
    """Revoke, suspend or reinstate one credential; the reason is mandatory (the service says so
    inline)."""

    def __init__(self, parent: QWidget | None, action: str, what: str) -> None:
        title, ok_text, meaning = STATUS_CHANGES[action]
        super().__init__(parent, title, ok_text)
        self.form.addRow(_wrapped(what))
        self.form.addRow(_wrapped(meaning, bold=action == "revoke"))
        self.reason = self.add_field("&Reason", _plain_text_field())

    def value(self) -> str:
        return self.reason.toPlainText()

    @classmethod
    def ask(
        cls, parent: QWidget | None, action: str, what: str, submit: Callable[[str], Any]
    ) -> Any:
        return cls.run(cls(parent, action, what), submit)


class NewPassphraseDialog(FormDialog[tuple[str, str]]):
    """A new signing passphrase, typed twice, and (to rotate or change it) the current one:
    only the passphrase signs, so nothing about the key changes without it."""

    def __init__(
        self, parent: QWidget | None, title: str, *, current: bool = False, ok_text: str = ""
    ) -> None:
        from trainer.core.signing import MIN_PASSPHRASE_LENGTH

        super().__init__(parent, title, ok_text or "&Create key")
        self.current = (
            self.add_field("&Current signing passphrase", _password_field()) if current else None
        )
        self.new = self.add_field("New signing &passphrase", _password_field())
        self.repeat = self.add_field("&Repeat the new passphrase", _password_field())
        self.form.addRow(
            "",
            _wrapped(
                f"At least {MIN_PASSPHRASE_LENGTH} characters: a few unrelated words are easy to "
                "remember and hard to guess. Nobody can recover it, so keep it where your "
                "organization keeps its other secrets. Everyone who issues certificates needs it."
            ),
        )

    def value(self) -> tuple[str, str]:
        if self.new.text() != self.repeat.text():
            raise TrainerError("The two new passphrases are not the same. Type them again.")
        return (self.current.text() if self.current is not None else "", self.new.text())

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        title: str,
        submit: Callable[[tuple[str, str]], Any],
        *,
        current: bool = False,
        ok_text: str = "",
    ) -> Any:
        return cls.run(cls(parent, title, current=current, ok_text=ok_text), submit)


class ReplaceKeyDialog(FormDialog[tuple[str, str]]):
    """Admins: replace a signing key whose passphrase was lost (reason and new passphrase)."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent, "Replace a lost signing key", "&Replace key")
        self.form.addRow(
            _wrapped(
                "Use this only when nobody knows the signing passphrase any more. Certificates "
                "already issued stay valid. The new key is NOT vouched for by the old one, so "
                "every organization that trusts your certificates must phone you and check the "
                "new fingerprint before they trust it. This is recorded in the audit log."
            )
        )
        self.reason = self.add_field("&Why", QLineEdit())
        self.new = self.add_field("New signing &passphrase", _password_field())
        self.repeat = self.add_field("&Repeat the new passphrase", _password_field())

    def value(self) -> tuple[str, str]:
        if self.new.text() != self.repeat.text():
            raise TrainerError("The two new passphrases are not the same. Type them again.")
        return (self.reason.text(), self.new.text())

    @classmethod
    def ask(cls, parent: QWidget | None, submit: Callable[[tuple[str, str]], Any]) -> Any:
        return cls.run(cls(parent), submit)


class ProgressDialog:
    """Window-modal progress of work running in a worker thread, with a Cancel button. Shown,
    never exec()'d: the event loop keeps delivering the worker's signals."""

    def __init__(self, parent: QWidget | None, title: str, total: int) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QProgressDialog, QPushButton

        self.dialog = QProgressDialog("", "", 0, total, parent)
        self.dialog.setWindowTitle(title)
        self.dialog.setAccessibleName(title)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(0)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setMinimumWidth(460)
        self.cancel_button = QPushButton("&Cancel")
        self.cancel_button.setAccessibleName("Cancel")
        self.dialog.setCancelButton(self.cancel_button)
        self.canceled = self.dialog.canceled

    def report(self, done: int, text: str) -> None:
        self.dialog.setValue(done)
        self.dialog.setLabelText(text)
        self.dialog.show()

    def close(self) -> None:
        self.dialog.close()
        self.dialog.deleteLater()


class ShortcutsDialog(QDialog):
    """Help → Keyboard shortcuts: a two-column list (keys, what they do)."""

    def __init__(self, parent: QWidget | None, rows: list[tuple[str, str]]) -> None:
        from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        self.table = QTableWidget(len(rows), 2)
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setHorizontalHeaderLabels(["Keys", "What they do"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        for row, (keys, what) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(keys))
            self.table.setItem(row, 1, QTableWidgetItem(what))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(640, 480)

    def rows(self) -> list[tuple[str, str]]:
        return [
            (self.table.item(r, 0).text(), self.table.item(r, 1).text())
            for r in range(self.table.rowCount())
        ]

    @classmethod
    def ask(cls, parent: QWidget | None, rows: list[tuple[str, str]]) -> None:
        cls(parent, rows).exec()


class VersionDiffDialog(QDialog):
    """Content library → Compare: what changed between two versions, grouped by node (or by
    section), each change in one line with the old and new wording beneath it."""

    def __init__(self, parent: QWidget | None, title: str, diff: DocumentDiff) -> None:
        from PySide6.QtGui import QTextOption
        from PySide6.QtWidgets import QTextBrowser

        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        heading = QLabel(
            f"<b>{html.escape(breakable(title))}</b>: {html.escape(diff.summary.lower())}"
        )
        heading.setWordWrap(True)
        self.browser = QTextBrowser()
        self.browser.setAccessibleName("Changes")
        self.browser.setOpenLinks(False)
        # Long words (ids, YAML lines) wrap too: nothing here ever scrolls sideways.
        self.browser.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.browser.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.browser.setHtml(diff_html(diff))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(760, 560)
        self.browser.setFocus()  # arrows and Page Down scroll the changes at once

    @classmethod
    def ask(cls, parent: QWidget | None, title: str, diff: DocumentDiff) -> None:
        cls(parent, title, diff).exec()


def diff_html(diff: DocumentDiff) -> str:
    """The changes as rich text: a heading per node or section, a line per change, and the old
    and new wording marked ("Before"/"After" say which; strike-through and bold say what)."""

    def runs(parts: tuple[tuple[str, bool], ...], tag: str) -> str:
        out = []
        for text, changed in parts:
            escaped = html.escape(text).replace("\n", "<br>")
            out.append(f"<{tag}>{escaped}</{tag}>" if changed else escaped)
        return "".join(out)

    out = []
    if diff.note:
        out.append(f"<p><i>{html.escape(diff.note)}</i></p>")
    if not diff.changes:
        out.append("<p>No changes: the two versions say the same.</p>")
    for group, changes in diff.groups():
        out.append(f"<h3>{html.escape(group)}</h3><ul>")
        for change in changes:
            # The group is the heading; each line names only what changed in it.
            line = change.description.removeprefix(f"{group}: ")
            item = f"<li>{html.escape(line[:1].upper() + line[1:])}"
            if change.before:
                item += f'<br><span style="color:#7a0000">Before: {runs(change.before, "s")}</span>'
            if change.after:
                item += f'<br><span style="color:#004d00">After: {runs(change.after, "b")}</span>'
            out.append(item + "</li>")
        out.append("</ul>")
    return "".join(out)


class NewScenarioDialog(FormDialog[tuple[str, str]]):
    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent, "New scenario", "&Create draft")
        self.key = self.add_field("&Id", QLineEdit())
        self.key.setPlaceholderText("e.g. corner-store-argument")
        self.title = self.add_field("&Title", QLineEdit())

    def value(self) -> tuple[str, str]:
        return self.key.text().strip(), self.title.text().strip()

    @classmethod
    def ask(cls, parent: QWidget | None, submit: Callable[[tuple[str, str]], Any]) -> Any:
        return cls.run(cls(parent), submit)


class ImportReportDialog(QDialog):
    """Scenario studio → Import Twee: the import's report; nothing is saved unless the person
    presses a button (offered only when the import succeeded). When the story's id is already
    a scenario's (the loop: export, edit in Twine, import back), it says so before anything is
    pressed and offers both ways on: a new draft of that scenario, or a new scenario under
    another id. ``choice`` is then ("draft", existing id) or ("new", id)."""

    def __init__(
        self,
        parent: QWidget | None,
        lines: list[str],
        can_import: bool,
        *,
        key: str = "",
        existing_title: str | None = None,
        taken: Collection[str] = (),
        free_key: str = "",
    ) -> None:
        from PySide6.QtGui import QTextOption
        from PySide6.QtWidgets import QPlainTextEdit

        super().__init__(parent)
        title = "Import Twee: report"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.key, self.taken = key, set(taken)
        self.choice: tuple[str, str] | None = None
        clash = can_import and existing_title is not None
        if clash:
            verdict = (
                f"A scenario with id '{key}' already exists: {existing_title}. Save this story "
                "as a new draft of it (then review and publish it as usual), or import it as a "
                "new scenario under another id. Nothing is saved until you choose."
            )
        elif can_import:
            verdict = (
                "Read the report, then import the story as a new scenario draft. Nothing is "
                "saved until you do."
            )
        else:
            verdict = (
                "This story cannot be imported: fix what the report says in the file, then "
                "try again. Nothing was saved."
            )
        intro = _wrapped(verdict, bold=True)
        self.report = QPlainTextEdit("\n".join(lines))
        self.report.setReadOnly(True)
        self.report.setAccessibleName("Import report")
        self.report.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.report.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.report, 1)
        if clash:
            shown = str(existing_title)
            shown = shown if len(shown) <= 40 else shown[:39] + "…"  # whole in the line above
            self.draft_button = buttons.addButton(
                f"Save as a new &draft of '{shown.replace('&', '&&')}'",
                QDialogButtonBox.ButtonRole.AcceptRole,
            )
            self.draft_button.setAccessibleName("Save as a new draft of the existing scenario")
            self.draft_button.clicked.connect(lambda: self._choose("draft", key))
            self.new_id = QLineEdit(free_key)
            self.new_id.setAccessibleName("Id for a new scenario")
            self.new_id.textChanged.connect(self._check_id)
            self.id_problem = problem_label()
            form = QFormLayout()
            form.addRow("&Id for a new scenario", self.new_id)
            form.addRow("", self.id_problem)
            layout.addLayout(form)
            self.import_button = buttons.addButton(
                "Import as a new &scenario", QDialogButtonBox.ButtonRole.AcceptRole
            )
            self.import_button.setAccessibleName("Import as a new scenario")
            self.import_button.clicked.connect(
                lambda: self._choose("new", self.new_id.text().strip())
            )
            self._check_id()
        elif can_import:
            self.import_button = buttons.addButton(
                "&Import as a new draft", QDialogButtonBox.ButtonRole.AcceptRole
            )
            self.import_button.setAccessibleName("Import as a new draft")
            self.import_button.clicked.connect(lambda: self._choose("new", key))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, 480)

    def _check_id(self) -> None:
        from trainer.core.library import KEY_RE

        key = self.new_id.text().strip()
        if not KEY_RE.match(key):
            problem = "The id is lowercase letters, digits and hyphens, e.g. corner-bus-stop-2."
        elif key in self.taken:
            problem = f"A scenario with id '{key}' already exists. Choose another id."
        else:
            problem = ""
        self.id_problem.setText(problem)
        self.id_problem.setVisible(bool(problem))
        self.import_button.setEnabled(not problem)

    def _choose(self, how: str, key: str) -> None:
        self.choice = (how, key)
        self.accept()

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        lines: list[str],
        can_import: bool,
        **existing: Any,
    ) -> tuple[str, str] | None:
        dialog = cls(parent, lines, can_import, **existing)
        return dialog.choice if dialog.exec() == QDialog.DialogCode.Accepted else None


class VersionHistoryDialog(QDialog):
    """Scenario studio → Version history: a document's versions (newest first); Compare shows
    what changed between the two selected, or the selected one and the one before it."""

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        versions: list[tuple[int, str, str]],  # (version id, label, short name)
        compare: Callable[[int, int], DocumentDiff],
    ) -> None:
        from PySide6.QtWidgets import QListWidget, QListWidgetItem, QPushButton

        from trainer.ui.widgets import wrap_list

        super().__init__(parent)
        self.setWindowTitle(f"Version history: {title}")
        self.setAccessibleName("Version history")
        self.title, self.compare_with = title, compare
        self.versions = QListWidget()
        self.versions.setAccessibleName("Versions")
        self.versions.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        wrap_list(self.versions)
        for version_id, label, name in versions:
            item = QListWidgetItem(label, self.versions)
            item.setData(Qt.ItemDataRole.UserRole, (version_id, name))
        self.versions.setCurrentRow(0)
        self.compare = QPushButton("Co&mpare…")
        self.compare.setAccessibleName("Compare versions")
        self.compare.clicked.connect(self._on_compare_clicked)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        buttons.addButton(self.compare, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            _wrapped(
                "Select one version to see what it changed, or two (Ctrl+click) to compare them."
            )
        )
        layout.addWidget(self.versions, 1)
        layout.addWidget(buttons)
        self.resize(560, 420)

    def pair(self) -> tuple[tuple[int, str], tuple[int, str]] | None:
        """(older, newer) of the selection; the list is newest first."""
        chosen = sorted(self.versions.selectedItems(), key=self.versions.row)
        if len(chosen) == 1:
            before = self.versions.item(self.versions.row(chosen[0]) + 1)
            chosen = [chosen[0], before] if before is not None else []
        if len(chosen) != 2:
            return None
        return chosen[1].data(Qt.ItemDataRole.UserRole), chosen[0].data(Qt.ItemDataRole.UserRole)

    def _on_compare_clicked(self) -> None:
        pair = self.pair()
        if pair is None:
            self.compare.setText("Co&mpare… (select a version that has one before it)")
            return
        (old_id, old_name), (new_id, new_name) = pair
        try:
            diff = self.compare_with(old_id, new_id)
        except TrainerError as exc:
            from trainer.ui import messages

            messages.error(self, "Versions not compared", str(exc))
            return
        VersionDiffDialog.ask(self, f"{self.title}: {old_name} → {new_name}", diff)

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        title: str,
        versions: list[tuple[int, str, str]],
        compare: Callable[[int, int], DocumentDiff],
    ) -> None:
        cls(parent, title, versions, compare).exec()
