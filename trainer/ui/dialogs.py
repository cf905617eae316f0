"""Every modal dialog: ``Dialog.ask(parent, ..., submit=...) -> value | None``; the only exec() calls.

A dialog hands its value to ``submit``; if that raises a TrainerError the message is shown inside
the dialog and the dialog stays open, so nothing typed is lost.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

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
from trainer.ui.widgets import problem_label

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


def choose_open_file(parent: QWidget | None, title: str, filters: str) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, title, "", filters)
    return Path(name) if name else None


def choose_save_file(
    parent: QWidget | None, title: str, suggested: str, filters: str
) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
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
