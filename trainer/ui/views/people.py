"""People (admins): add, change roles, reset passwords, deactivate and reactivate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from trainer.core.errors import TrainerError
from trainer.core.models import Person, Role
from trainer.core.services import accounts
from trainer.ui import dialogs, messages
from trainer.ui.context import AppContext
from trainer.ui.reflow import flow_row
from trainer.ui.table_model import RowsModel
from trainer.ui.widgets import button, heading, table


def _status(p: Person, now: datetime) -> str:
    if not p.active:
        return "Deactivated"
    if p.locked_until is not None and p.locked_until > now:
        return "Locked (too many failed sign-ins)"
    return "Must change password" if p.must_change_password else "Active"


def _roles(p: Person) -> str:
    return ", ".join(r.label for r in sorted(p.roles, key=list(Role).index))


class PeopleView(QWidget):
    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.model: RowsModel[Person] = RowsModel(
            [
                ("Name", lambda p: p.full_name),
                ("Username", lambda p: p.username),
                ("Roles", _roles),
                ("Job title", lambda p: p.job_title),
                ("Status", lambda p: _status(p, ctx.clock.now())),
                (
                    "Last sign-in",
                    lambda p: (
                        p.last_sign_in_at.astimezone().strftime("%Y-%m-%d %H:%M")
                        if p.last_sign_in_at
                        else "never"
                    ),
                ),
            ]
        )
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by name, username or role")
        self.filter.setAccessibleName("Filter people")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.refresh)
        self.table = table("People")
        self.table.setModel(self.model)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.add = button("&Add person…", self._on_add_clicked)
        self.roles = button("Change &roles…", self._on_roles_clicked)
        self.reset = button("Reset &password…", self._on_reset_clicked)
        self.toggle = button("D&eactivate", self._on_toggle_clicked, "Deactivate")
        self.count = QLabel()
        row = flow_row(self.add, self.roles, self.reset, self.toggle, self.count)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("People"))
        note = QLabel("Deactivated people keep all their records but cannot sign in.")
        note.setWordWrap(True)
        layout.addWidget(note)
        filter_row = QHBoxLayout()
        filter_label = QLabel("&Filter")
        filter_label.setBuddy(self.filter)
        filter_row.addWidget(filter_label)
        filter_row.addWidget(self.filter, 1)
        layout.addLayout(filter_row)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.refresh()

    def refresh(self) -> None:
        with self.ctx.db.begin() as session:
            people = accounts.list_people(session, self.person)
        needle = self.filter.text().strip().lower()
        if needle:
            people = [
                p for p in people if needle in f"{p.full_name} {p.username} {_roles(p)}".lower()
            ]
        selected = self.selected()
        self.model.set_rows(people)
        self.count.setText(f"{len(people)} people")
        if selected is not None:
            self.select_username(selected.username)
        self._on_selection_changed()

    def selected(self) -> Person | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def select_username(self, username: str) -> None:
        for i, p in enumerate(self.model.rows):
            if p.username == username:
                self.table.selectRow(i)
                return

    def _on_selection_changed(self, *_: Any) -> None:
        person = self.selected()
        for b in (self.roles, self.reset, self.toggle):
            b.setEnabled(person is not None)
        reactivate = person is not None and not person.active
        self.toggle.setText("Reac&tivate" if reactivate else "D&eactivate")
        self.toggle.setAccessibleName("Reactivate" if reactivate else "Deactivate")

    def _service(self, call: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """Wrap one service call in one transaction, for a dialog's submit."""

        def submit(value: Any) -> Any:
            with self.ctx.db.begin() as session:
                return call(session, value)

        return submit

    def _on_add_clicked(self) -> None:
        added = dialogs.AddPersonDialog.ask(
            self,
            self._service(
                lambda s, new: accounts.add_person(s, self.person, new, now=self.ctx.clock.now())
            ),
        )
        if added is not None:
            self.refresh()
            self.select_username(added.username)

    def _on_roles_clicked(self) -> None:
        target = self.selected()
        if target is None:
            return
        done = dialogs.RolesDialog.ask(
            self,
            target.full_name,
            target.roles,
            self._service(
                lambda s, roles: accounts.set_roles(
                    s, self.person, target.id, roles, now=self.ctx.clock.now()
                )
            ),
        )
        if done is not None:
            self.refresh()

    def _on_reset_clicked(self) -> None:
        target = self.selected()
        if target is None:
            return
        done = dialogs.ResetPasswordDialog.ask(
            self,
            target.full_name,
            self._service(
                lambda s, pw: accounts.reset_password(
                    s, self.person, target.id, pw, now=self.ctx.clock.now()
                )
            ),
        )
        if done is not None:
            self.refresh()

    def _on_toggle_clicked(self) -> None:
        target = self.selected()
        if target is None:
            return
        activate = not target.active
        if (
            not activate
            and target.id != self.person.id
            and not messages.confirm(
                self,
                "Deactivate",
                f"Deactivate {target.full_name}? Their records are kept; "
                "they can no longer sign in. You can reactivate them later.",
                "Deactivate",
            )
        ):
            return
        try:
            with self.ctx.db.begin() as session:
                accounts.set_active(
                    session, self.person, target.id, activate, now=self.ctx.clock.now()
                )
        except TrainerError as exc:
            messages.error(self, "Cannot change this account", str(exc))
        self.refresh()
