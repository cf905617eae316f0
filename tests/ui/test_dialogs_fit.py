"""The main dialogs fit a 1100x720 window at 200% text and an 800x600 window, long names and all."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QWidget

from trainer.core.roles import Role
from trainer.core.services.field_hours import REJECTED, HoursRow
from trainer.ui import dialogs
from trainer.ui.screen_audit import audit_dialog, size_on_screen
from trainer.ui.views.guide import KEYS_EVERYWHERE, GuideWindow

LONG_NAME = (
    "Maria Guadalupe Esperanza Concepción de los Santos Villanueva-Rodríguez "
    "y Fernández de Córdoba Montenegro Alcántara"
)
LONG_WORD = "Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaftschaferswessenschafewaren"
NAMES = f"{LONG_NAME}, {LONG_WORD}, عبد الرحمن بن محمد الهاشمي, 欧阳明月, अनन्या श्रीनिवासन राघवेन्द्र"
CHECKLIST = "\n".join(
    f"Missing: Module core-0{i} read and its knowledge check passed at 80% or more"
    for i in range(9)
)
REJECTED_ROW = HoursRow(
    id=1,
    person_id=2,
    person_name=LONG_NAME,
    worked_on=date(2026, 12, 6),
    hours=3,
    activity="shadowing",
    notes="Hospital visit with Teresa.",
    status=REJECTED,
    reviewer_name="Teresa Alvarez",
    review_comment="Say which hospital and who you shadowed; three hours is more than the visit "
    "log shows, so check the times against the sign-in sheet before you send it again.",
    corrects_id=None,
)

DIALOGS: dict[str, Callable[[], QWidget]] = {
    "add person": lambda: dialogs.AddPersonDialog(None),
    "roles": lambda: dialogs.RolesDialog(None, LONG_NAME, frozenset({Role.TRAINEE})),
    "reset password": lambda: dialogs.ResetPasswordDialog(None, LONG_NAME),
    "change password": lambda: dialogs.ChangePasswordDialog(
        None, "Your password was set by an administrator. Choose your own password to go on."
    ),
    "new module": lambda: dialogs.NewModuleDialog(None),
    "log hours": lambda: dialogs.LogHoursDialog(None, date(2026, 12, 7), None),
    "correct hours": lambda: dialogs.LogHoursDialog(None, date(2026, 12, 7), REJECTED_ROW),
    "reject hours": lambda: dialogs.RejectHoursDialog(
        None, f"2.5 h of shadowing on 6 Dec 2026 for {LONG_NAME}"
    ),
    "reject hours of a one-word name": lambda: dialogs.RejectHoursDialog(
        None, f"2.5 h of shadowing on 6 Dec 2026 for {LONG_WORD}"
    ),
    "withdraw observation": lambda: dialogs.WithdrawObservationDialog(
        None, f"the observation of {LONG_NAME} on 6 Dec 2026 (Street outreach rubric)"
    ),
    "passphrase": lambda: dialogs.PassphraseDialog(
        None,
        f"Renew CVI Practitioner: Foundations for {NAMES}.",
        CHECKLIST,
        "&Renew",
    ),
    "revoke": lambda: dialogs.StatusChangeDialog(
        None, "revoke", f"CVI Practitioner: Foundations of {LONG_WORD}, code 7Q2K-9XRM (valid)"
    ),
    "new passphrase": lambda: dialogs.NewPassphraseDialog(
        None, "Rotate the signing key", current=True, ok_text="&Rotate key"
    ),
    "replace key": lambda: dialogs.ReplaceKeyDialog(None),
    "keyboard shortcuts": lambda: dialogs.ShortcutsDialog(None, KEYS_EVERYWHERE * 3),
    "user guide": lambda: GuideWindow(None, Role),
}


@pytest.fixture(params=[("200% text", 1100, 720, 2.0), ("800x600", 800, 600, 1.0)], ids=str)
def screen(request, qapp) -> Iterator[QSize]:
    """A window size standing in for the screen, and the app's text at the given scale."""
    _, width, height, scale = request.param
    normal = QApplication.font()
    font = QApplication.font()
    font.setPointSizeF(normal.pointSizeF() * scale)
    QApplication.setFont(font)
    yield QSize(width, height)
    QApplication.setFont(normal)


@pytest.mark.parametrize("name", DIALOGS)
def test_the_dialog_fits_the_window_with_nothing_cut(qtbot, screen: QSize, name: str) -> None:
    dialog = DIALOGS[name]()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    size_on_screen(dialog, screen)
    qtbot.wait(10)  # let the layout settle at the new size
    assert audit_dialog(dialog, screen) == []
