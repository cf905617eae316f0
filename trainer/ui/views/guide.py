"""Help → User guide: one short guide per role, bundled with the app as Markdown and shown
with the module reader's renderer (sanitized HTML, nothing remote)."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMainWindow,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from trainer.core.reader import page, render_markdown
from trainer.core.roles import Role


def guide_markdown(role: Role) -> str:
    """The bundled guide for one role (trainer/ui/guide/<role>.md, carried in the wheel)."""
    return (resources.files("trainer.ui") / "guide" / f"{role.value}.md").read_text("utf-8")


# Each tab its own Alt+letter (Trainee and Trainer share their first letters).
TAB_TEXT = {
    Role.TRAINEE: "T&rainee",
    Role.TRAINER: "Trai&ner",
    Role.MANAGER: "&Manager",
    Role.ADMIN: "A&dmin",
}


def guide_title(role: Role) -> str:
    return f"{role.label} guide"


class GuideWindow(QDialog):
    """A window beside the app (not modal: people read it while they work), one tab per role."""

    def __init__(self, parent: QWidget | None, roles: Iterable[Role]) -> None:
        super().__init__(parent)
        self.setWindowTitle("User guide")
        self.setAccessibleName("User guide")
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        self.resize(720, 640)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Guides by role")
        self.browsers: dict[Role, QTextBrowser] = {}
        for role in sorted(set(roles), key=list(Role).index):
            browser = QTextBrowser()
            browser.setAccessibleName(guide_title(role))
            browser.setOpenLinks(False)  # the guides have no links; nothing opens by surprise
            browser.setHtml(page(render_markdown(guide_markdown(role)), guide_title(role)))
            self.browsers[role] = browser
            self.tabs.addTab(browser, TAB_TEXT[role])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)

    def current_role(self) -> Role:
        return list(self.browsers)[self.tabs.currentIndex()]


# Keys handled inside a screen rather than by a QAction or QShortcut (so not found by walking the
# window), and the rules that hold everywhere.
KEYS_EVERYWHERE = [
    ("Tab / Shift+Tab", "Move to the next / previous field or button"),
    ("Alt + underlined letter", "Press that button, open that menu or go to that field"),
    ("Up / Down", "Move through the navigation list on the left"),
    ("Enter", "Press the default button of a form"),
    ("Esc", "Close a dialog without saving"),
    ("1-9", "Scenarios: pick a choice by its number"),
]


def _keys(sequences: Iterable[QKeySequence]) -> str:
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences)


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str]]:
    """(keys, what they do) for every shortcut the window has now: its menus' actions, then the
    QShortcuts of the screens that are open (described by their whatsThis), then KEYS_EVERYWHERE.
    Read from the widgets themselves, so the list cannot drift from what the keys do."""
    rows: list[tuple[str, str]] = []
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        if menu is None:
            continue
        for action in menu.actions():
            if action.shortcuts():
                where = f"{menu.title()} → {action.text()}".replace("&", "")
                rows.append((_keys(action.shortcuts()), where))
    for shortcut in window.findChildren(QShortcut):
        if shortcut.whatsThis() and not shortcut.key().isEmpty():
            rows.append((_keys([shortcut.key()]), shortcut.whatsThis()))
    return rows + KEYS_EVERYWHERE
