"""Sign-in screen (with the demo accounts listed in demo mode)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from trainer.core.errors import TrainerError
from trainer.ui.context import AppContext
from trainer.ui.widgets import StyledLabel, heading


class SignInView(QWidget):
    signed_in = Signal(object)  # Person

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.heading = heading("", 1.6)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.username = QLineEdit()
        self.username.setAccessibleName("Username")
        self.username.setPlaceholderText("e.g. jreyes")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.button = QPushButton("&Sign in")
        self.button.setAccessibleName("Sign in")
        self.button.setDefault(True)
        self.button.clicked.connect(self._on_button_clicked)
        self.password.returnPressed.connect(self._on_button_clicked)
        self.username.returnPressed.connect(self.password.setFocus)
        self.message = StyledLabel(bold=True)
        self.message.setAccessibleName("Sign-in message")

        form = QFormLayout()
        user_label = QLabel("&Username")
        user_label.setBuddy(self.username)
        pass_label = QLabel("&Password")
        pass_label.setBuddy(self.password)
        form.addRow(user_label, self.username)
        form.addRow(pass_label, self.password)

        box = QFrame()
        box.setFrameShape(QFrame.Shape.StyledPanel)
        box.setMinimumWidth(480)
        box.setMaximumWidth(720)
        inner = QVBoxLayout(box)
        # Grow with wrapped messages and larger text instead of clipping them.
        inner.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        inner.setContentsMargins(28, 24, 28, 24)
        inner.addWidget(self.heading)
        subtitle = QLabel("Sign in to CVI Trainer")
        subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        inner.addWidget(subtitle)
        inner.addSpacing(12)
        inner.addLayout(form)
        inner.addWidget(self.message)
        inner.addWidget(self.button)
        if ctx.demo:
            from trainer.core.demo_people import demo_credentials_text  # only the demo shows it

            demo = QFrame()
            demo.setFrameShape(QFrame.Shape.StyledPanel)
            demo.setAccessibleName("Demo accounts")
            demo_layout = QVBoxLayout(demo)
            demo_layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
            intro = QLabel("<b>Demo mode.</b> Sign in as any of these (username / password):")
            intro.setWordWrap(True)
            accounts_list = StyledLabel(demo_credentials_text(), mono=True)
            accounts_list.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            accounts_list.setAccessibleName("Demo usernames and passwords")
            demo_layout.addWidget(intro)
            demo_layout.addWidget(accounts_list)
            inner.addSpacing(8)
            inner.addWidget(demo)

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        centered = QHBoxLayout()  # stretch either side; an alignment flag would stop it growing
        centered.addStretch(1)
        centered.addWidget(box)
        centered.addStretch(1)
        outer.addLayout(centered)
        outer.addStretch(2)
        self.waiting = False
        self.refresh(organization_name=ctx.organization_name)

    def set_waiting(self, status: str) -> None:
        """Drawn and typed into at once while start-up opens the database off the GUI thread;
        signing in waits for it (trainer.app)."""
        self.waiting = True
        self.button.setEnabled(False)
        self.button.setText(status)
        self.message.setText(status)

    def set_ready(self, organization_name: str | None, notice: str = "") -> None:
        """The database is open: signing in works, and what was typed meanwhile is kept."""
        self.waiting = False
        self.heading.setText(organization_name or "CVI Trainer")
        self.button.setText("&Sign in")
        self.button.setEnabled(True)
        self.message.setText(notice)

    def refresh(self, notice: str = "", organization_name: str | None = None) -> None:
        self.heading.setText(organization_name or "CVI Trainer")
        self.username.clear()  # a shared computer: the next person starts from empty fields
        self.password.clear()
        self.message.setText(notice)
        self.username.setFocus()

    def _on_button_clicked(self) -> None:
        if self.waiting:  # Return in the password field while the database is still opening
            return
        from trainer.core.services import accounts  # loaded after the window is up

        username, password = self.username.text(), self.password.text()
        try:
            outcome = self.ctx.db.run(
                lambda session: accounts.sign_in(
                    session, username, password, now=self.ctx.clock.now()
                )
            )
        except TrainerError as exc:  # e.g. another desktop saving: what was typed stays
            self.message.setText(str(exc))
            return
        self.password.clear()
        if outcome.person is None:
            self.message.setText(outcome.error or "")
            self.password.setFocus()
            return
        self.message.clear()
        self.signed_in.emit(outcome.person)
