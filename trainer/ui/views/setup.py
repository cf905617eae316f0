"""First-run wizard: the organization (name, optional logo), then its first admin."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from trainer.core.errors import TrainerError, ValidationError
from trainer.core.services import accounts, library
from trainer.core.signing import MIN_PASSPHRASE_LENGTH, check_passphrase
from trainer.ui import dialogs
from trainer.ui.context import AppContext
from trainer.ui.widgets import heading, problem_label

LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


class SetupView(QWidget):
    """Two steps and a Create button; errors name the field and keep everything typed."""

    organization_created = Signal(object)  # the first admin (Person)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.logo: bytes | None = None
        self.logo_mime: str | None = None

        title = heading("Welcome to CVI Trainer", 1.6)
        intro = QLabel(
            "Let's set up your organization. This takes a minute and is done once; "
            "everything stays on this computer."
        )
        intro.setWordWrap(True)
        self.step_label = QLabel()
        self.step_label.setAccessibleName("Step")

        # Step 1: the organization
        self.org_name = self._line("Organization name")
        self.contact = self._line("Contact (email or phone)")
        self.logo_preview = QLabel("No logo (optional)")
        self.logo_preview.setWordWrap(True)
        self.logo_preview.setAccessibleName("Logo")
        self.logo_button = QPushButton("Choose &logo…")
        self.logo_button.setAccessibleName("Choose logo")
        self.logo_button.clicked.connect(self._on_logo_button_clicked)
        step1 = QWidget()
        f1 = QFormLayout()
        f1.addRow("&Organization name", self.org_name)
        f1.addRow("&Contact", self.contact)
        # The button under the preview, not beside it: side by side they were cut at 250% text.
        logo_row = QVBoxLayout()
        logo_row.addWidget(self.logo_preview)
        logo_row.addWidget(self.logo_button, 0, Qt.AlignmentFlag.AlignLeft)
        f1.addRow("Logo", logo_row)
        self.signing = self._line("Certificate signing passphrase", secret=True)
        self.signing_repeat = self._line("Repeat signing passphrase", secret=True)
        note = QLabel(
            "Managers type this passphrase to issue certificates. It encrypts your "
            f"organization's signing key and cannot be recovered: at least "
            f"{MIN_PASSPHRASE_LENGTH} characters, kept where your managers can find it."
        )
        note.setWordWrap(True)
        note.setAccessibleName("Signing passphrase warning")
        # The one warning that cannot be undone sits between two forms, not in a spanning form
        # row: a form row does not grow with wrapped text, and the warning was cut off.
        f1b = QFormLayout()
        f1b.addRow("&Signing passphrase", self.signing)
        f1b.addRow("Repeat &passphrase", self.signing_repeat)
        step1_layout = QVBoxLayout(step1)
        step1_layout.setContentsMargins(0, 0, 0, 0)
        step1_layout.addLayout(f1)
        step1_layout.addWidget(note)
        step1_layout.addLayout(f1b)

        # Step 2: the first admin
        self.admin_name = self._line("Your full name")
        self.admin_title = self._line("Your job title")
        self.admin_username = self._line("Username")
        self.password = self._line("Password", secret=True)
        self.repeat = self._line("Repeat password", secret=True)
        step2 = QWidget()
        f2 = QFormLayout(step2)
        first = QLabel(
            "You will be the first administrator. You can add everyone else after signing in."
        )
        first.setWordWrap(True)
        f2.addRow(first)
        f2.addRow("Your full &name", self.admin_name)
        f2.addRow("Your &job title", self.admin_title)
        f2.addRow("&Username", self.admin_username)
        f2.addRow("&Password", self.password)
        f2.addRow("&Repeat password", self.repeat)

        self.steps = QStackedWidget()
        self.steps.addWidget(step1)
        self.steps.addWidget(step2)
        self.problem = problem_label()
        self.back = QPushButton("&Back")
        self.back.setAccessibleName("Back")
        self.next = QPushButton("&Next")
        self.next.setAccessibleName("Next")
        self.next.setDefault(True)
        self.back.clicked.connect(self._on_back_clicked)
        self.next.clicked.connect(self._on_next_clicked)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.back)
        buttons.addWidget(self.next)

        self.panel = panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.step_label)
        layout.addWidget(self.steps)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)
        # Centred by stretches, not by alignment: an aligned widget gets its size hint, not the
        # height its wrapped text needs at the width it is given.
        centre = QHBoxLayout()
        centre.addStretch(1)
        centre.addWidget(panel, 4)
        centre.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(centre)
        outer.addStretch(2)
        for line in (
            self.org_name,
            self.contact,
            self.signing,
            self.signing_repeat,
            self.admin_name,
            self.admin_title,
            self.admin_username,
            self.password,
            self.repeat,
        ):
            line.returnPressed.connect(self._on_next_clicked)  # Return moves on, as Next does
        self._show_step(0)
        self._fit_panel()

    def _fit_panel(self) -> None:
        # A column of about 60 characters, whatever the text size: a fixed width in pixels was
        # too narrow for the logo row at 200% text.
        self.panel.setMaximumWidth(60 * self.fontMetrics().averageCharWidth())

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_panel()

    def _line(self, name: str, secret: bool = False) -> QLineEdit:
        line = QLineEdit()
        line.setAccessibleName(name)
        if secret:
            line.setEchoMode(QLineEdit.EchoMode.Password)
        return line

    def _show_step(self, index: int) -> None:
        self.steps.setCurrentIndex(index)
        self.step_label.setText(
            f"Step {index + 1} of 2: "
            + ("your organization" if index == 0 else "the first administrator")
        )
        self.back.setEnabled(index > 0)
        self.next.setText("&Create organization" if index == 1 else "&Next")
        self.next.setAccessibleName("Create organization" if index == 1 else "Next")
        self.problem.clear()
        (self.org_name if index == 0 else self.admin_name).setFocus()

    def _signing_problem(self) -> str | None:
        try:
            check_passphrase(self.signing.text())
        except TrainerError as exc:
            return str(exc)
        if self.signing.text() != self.signing_repeat.text():
            self.signing_repeat.clear()
            return "The two signing passphrases are not the same. Type them again."
        return None

    def _on_back_clicked(self) -> None:
        self._show_step(0)

    def _on_logo_button_clicked(self) -> None:
        path = dialogs.choose_open_file(self, "Choose a logo", "Images (*.png *.jpg *.jpeg)")
        if path is not None:
            self.set_logo_file(path)

    def set_logo_file(self, path: Path) -> None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.problem.setText(f"Cannot read {path}: {exc.strerror}.")
            return
        pixmap = QPixmap()
        mime = LOGO_TYPES.get(path.suffix.lower())
        if mime is None or not pixmap.loadFromData(data):
            self.problem.setText(f"{path.name} is not a PNG or JPEG image. Choose another file.")
            return
        self.logo, self.logo_mime = data, mime
        self.logo_preview.setPixmap(
            pixmap.scaledToHeight(48, Qt.TransformationMode.SmoothTransformation)
        )
        self.logo_preview.setAccessibleName(f"Logo {path.name}")

    def _on_next_clicked(self) -> None:
        if self.steps.currentIndex() == 0:
            if not self.org_name.text().strip():
                self.problem.setText("Enter the organization's name.")
                self.org_name.setFocus()
                return
            problem = self._signing_problem()
            if problem:
                self.problem.setText(problem)
                self.signing.setFocus()
                return
            self._show_step(1)
            return
        if self.password.text() != self.repeat.text():
            self.problem.setText("The two passwords are not the same. Type them again.")
            self.repeat.clear()
            self.password.setFocus()
            return
        setup = accounts.OrganizationSetup(
            name=self.org_name.text(),
            admin_full_name=self.admin_name.text(),
            admin_username=self.admin_username.text(),
            admin_password=self.password.text(),
            admin_job_title=self.admin_title.text(),
            logo=self.logo,
            logo_mime=self.logo_mime,
            contact=self.contact.text(),
            signing_passphrase=self.signing.text(),
        )
        try:
            with self.ctx.db.begin() as session:
                now = self.ctx.clock.now()
                admin = accounts.setup_organization(session, setup, now=now)
                library.import_bundled(session, self.ctx.content_root, now=now)
        except ValidationError as exc:
            self.problem.setText(str(exc))
            if exc.field == "name":
                self._show_step(0)
            return
        except TrainerError as exc:
            self.problem.setText(str(exc))
            return
        self.organization_created.emit(admin)
