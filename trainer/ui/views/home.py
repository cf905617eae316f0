"""Home: who is signed in, their roles and organization, and changing one's own password."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from trainer.core import eligibility as rules
from trainer.core.models import Person, Role
from trainer.core.services import accounts, credential_register, field_hours
from trainer.ui import dialogs, messages
from trainer.ui.context import AppContext
from trainer.ui.views.my_credentials import expiry_line
from trainer.ui.widgets import button, heading, wrapping_label

ROLE_DUTIES = {
    Role.TRAINEE: (
        "work through your training modules (My training), practice (Scenarios) and earn "
        "credentials (My credentials)"
    ),
    Role.TRAINER: (
        "keep the training modules current (Authoring), follow your cohort and sign off "
        "field hours (Sign-offs)"
    ),
    Role.MANAGER: "follow your team's training (Team) and issue and renew credentials",
    Role.ADMIN: "add people, set roles and look after the organization's settings",
}


class HomeView(QWidget):
    go_to = Signal(str)  # a navigation label; the workspace shows that screen

    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        with ctx.db.begin() as session:
            org = accounts.get_organization(session)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(f"Welcome, {person.full_name}"))
        org_line = wrapping_label(f"{org.name if org else ''}")
        org_line.setAccessibleName("Organization")
        layout.addWidget(org_line)
        self.renewals_heading = heading("Renewals due", scale=1.15)
        self.renewals = QLabel()
        self.renewals.setWordWrap(True)
        self.renewals.setAccessibleName("Renewals due")
        layout.addWidget(self.renewals_heading)
        layout.addWidget(self.renewals)
        self.signoffs = QLabel()
        self.signoffs.setWordWrap(True)
        self.signoffs.setAccessibleName("Waiting for your sign-off")
        self.open_signoffs = button("&Open Sign-offs", lambda: self.go_to.emit("Sign-offs"))
        signoff_row = QHBoxLayout()
        signoff_row.addWidget(self.signoffs, 1)
        signoff_row.addWidget(self.open_signoffs)
        layout.addLayout(signoff_row)
        self.signoffs.setVisible(Role.TRAINER in person.roles)
        self.open_signoffs.setVisible(False)
        # A trainee's own hours sent back by a trainer wait for a correction.
        self.rejected = QLabel()
        self.rejected.setWordWrap(True)
        self.rejected.setAccessibleName("Field hours to correct")
        self.open_hours = button(
            "Open my field &hours", lambda: self.go_to.emit("My credentials"), "Open my field hours"
        )
        rejected_row = QHBoxLayout()
        rejected_row.addWidget(self.rejected, 1)
        rejected_row.addWidget(self.open_hours)
        layout.addLayout(rejected_row)
        layout.addSpacing(8)
        roles = sorted(person.roles, key=list(Role).index)
        duties = "".join(f"<li><b>{r.label}</b>: {ROLE_DUTIES[r]}</li>" for r in roles)
        self.roles_label = QLabel(f"<p>Your roles here:</p><ul>{duties}</ul>")
        self.roles_label.setWordWrap(True)
        self.roles_label.setAccessibleName("Your roles")
        layout.addWidget(self.roles_label)
        account = wrapping_label(
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
        self.refresh()

    def refresh(self) -> None:
        with self.ctx.db.begin() as session:
            warnings = credential_register.expiry_warnings(
                session, self.person, now=self.ctx.clock.now()
            )
            waiting = (
                len(field_hours.pending_reviews(session, self.person))
                if Role.TRAINER in self.person.roles
                else 0
            )
            own = field_hours.entries_for(session, self.person, self.person.id)
        corrected = {row.corrects_id for row in own if row.corrects_id is not None}
        to_correct = [
            row for row in own if row.status == field_hours.REJECTED and row.id not in corrected
        ]
        self.rejected.setText(
            f"{len(to_correct)} of your field hour "
            f"{'entries was' if len(to_correct) == 1 else 'entries were'} sent back by a "
            "trainer: open My credentials › Field hours, read why, and correct "
            f"{'it' if len(to_correct) == 1 else 'them'}."
        )
        self.rejected.setVisible(bool(to_correct))
        self.open_hours.setVisible(bool(to_correct))
        self.show_warnings(warnings)
        self.signoffs.setText(
            "Nothing waits for your sign-off."
            if not waiting
            else f"{waiting} field hour {'entry waits' if waiting == 1 else 'entries wait'} "
            "for your sign-off."
        )
        self.open_signoffs.setVisible(bool(waiting))

    def show_warnings(self, warnings: list[rules.Held]) -> None:
        now = self.ctx.clock.now()
        own = any(h.holder_id == self.person.id for h in warnings)
        others = any(h.holder_id != self.person.id for h in warnings)
        hint = (" See My credentials for what renewal needs." if own else "") + (
            " Renew them on the Issue screen once their renewal requirements are met."
            if others
            else ""
        )
        lines = "".join(
            f"<li>{html.escape(expiry_line(h, now, self.person.id), quote=False)}</li>"
            for h in warnings
        )
        self.renewals.setText(f"<ul>{lines}</ul><p>{hint.strip()}</p>")
        self.renewals.setVisible(bool(warnings))
        self.renewals_heading.setVisible(bool(warnings))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        self.refresh()  # a renewal issued meanwhile clears its warning
        super().showEvent(event)

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
