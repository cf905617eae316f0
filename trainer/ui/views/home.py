"""Home: who is signed in, their roles and organization, and changing one's own password."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from trainer.core.models import Person, Role
from trainer.core.services import accounts
from trainer.ui import dialogs, messages
from trainer.ui.context import AppContext
from trainer.ui.widgets import button, heading

ROLE_DUTIES = {
    Role.TRAINEE: "work through your training modules (My training)",
    Role.TRAINER: "keep the training modules current (Authoring) and follow your cohort",
    Role.MANAGER: "follow your team's training (Team)",
    Role.ADMIN: "add people, set roles and look after the organization's settings",
}


class HomeView(QWidget):
    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        with ctx.db.begin() as session:
            org = accounts.get_organization(session)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(f"Welcome, {person.full_name}"))
        org_line = QLabel(f"{org.name if org else ''}")
        org_line.setAccessibleName("Organization")
        layout.addWidget(org_line)
        roles = sorted(person.roles, key=list(Role).index)
        duties = "".join(f"<li><b>{r.label}</b>: {ROLE_DUTIES[r]}</li>" for r in roles)
        self.roles_label = QLabel(f"<p>Your roles here:</p><ul>{duties}</ul>")
        self.roles_label.setWordWrap(True)
        self.roles_label.setAccessibleName("Your roles")
        layout.addWidget(self.roles_label)
        account = QLabel(
            f"Username: <b>{person.username}</b>"
            + (f" &nbsp;·&nbsp; Job title: {person.job_title}" if person.job_title else "")
        )
        account.setAccessibleName("Your account")
        layout.addWidget(account)
        self.change_password = button("&Change my password…", self._on_change_password_clicked)
        row = QHBoxLayout()
        row.addWidget(self.change_password)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)

    def _on_change_password_clicked(self) -> None:
        if ask_new_password(self, self.ctx, self.person, None):
            messages.info(self, "Password changed", "Your password has been changed.")


def ask_new_password(parent: QWidget, ctx: AppContext, person: Person, reason: str | None) -> bool:
    """Ask for the current and a new password until the service accepts them or the person cancels."""

    def submit(value: tuple[str, str]) -> Any:
        with ctx.db.begin() as session:
            accounts.change_own_password(session, person, value[0], value[1], now=ctx.clock.now())
        return True

    return bool(dialogs.ChangePasswordDialog.ask(parent, reason, submit))
