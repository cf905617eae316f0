"""Help → User guide (one bundled guide per role, on the roles the person holds) and
Help → Keyboard shortcuts (read from the window's real actions and shortcuts)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.conftest import Team, make_person
from tests.ui.conftest import sign_in
from trainer.core.roles import Role
from trainer.ui.dialogs import ShortcutsDialog
from trainer.ui.views.guide import GuideWindow, guide_markdown, shortcut_rows


def _help_actions(window) -> dict[str, list[str]]:
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    return {a.text(): [k.toString() for k in a.shortcuts()] for a in menus["&Help"].actions()}


@pytest.mark.parametrize("role", list(Role))
def test_every_role_has_a_bundled_guide_that_renders_with_its_screens(role: Role) -> None:
    text = guide_markdown(role)  # the same importlib.resources path the window uses
    assert text.startswith("## ") and "Home" in text
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert len(headings) >= 3, "each guide has a few short sections"
    # Rules that differ between programs are marked as such, never stated as one rule.
    if role is not Role.TRAINEE:
        assert "Program policies" in text
    assert "police" in text and "mandated reporting" in text


def test_help_menu_offers_the_guide_on_f1_and_the_shortcuts(
    qtbot, make_window, sqlite_team: Team
) -> None:
    window = make_window()
    qtbot.waitUntil(lambda: window.guide_action is not None)
    actions = _help_actions(window)
    assert list(actions)[:2] == ["User &guide", "&Keyboard shortcuts"]
    assert "F1" in actions["User &guide"]
    assert actions["&Keyboard shortcuts"] == ["Ctrl+/"]
    assert "&About CVI Trainer" in actions


def test_before_sign_in_the_guide_has_every_role(qtbot, make_window, sqlite_team: Team) -> None:
    window = make_window()
    qtbot.waitUntil(lambda: window.guide_action is not None)
    window.guide_action.trigger()
    guide = window.guide
    assert guide is not None and guide.isVisible()
    tabs = [guide.tabs.tabText(i) for i in range(guide.tabs.count())]
    assert [t.replace("&", "") for t in tabs] == ["Trainee", "Trainer", "Manager", "Admin"]
    mnemonics = [t[t.index("&") + 1].lower() for t in tabs]
    assert len(set(mnemonics)) == 4, "each tab has its own Alt+letter"


def test_f1_opens_the_signed_in_trainees_guide_only(qtbot, make_window, sqlite_team: Team) -> None:
    window = make_window()
    qtbot.waitUntil(lambda: window.guide_action is not None)
    sign_in(qtbot, window, "tom")
    assert window.workspace is not None
    # Offscreen, the window can be left inactive after the sign-in form goes (a desktop's window
    # manager keeps it active); shortcuts such as F1 reach only the active window.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.workspace.nav, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: window.guide is not None and window.guide.isVisible())
    guide = window.guide
    assert list(guide.browsers) == [Role.TRAINEE]
    shown = guide.browsers[Role.TRAINEE].toPlainText()
    assert "Trainee guide" in shown
    assert "Log field hours" in shown and "Practice a scenario" in shown
    assert "Sign off field hours" not in shown  # the trainer's guide is not there
    assert guide.browsers[Role.TRAINEE].accessibleName() == "Trainee guide"
    # Signing out closes it, so the next person at a shared computer starts on their own roles.
    window.sign_out()
    assert not guide.isVisible()


def test_a_person_with_two_roles_gets_a_tab_for_each(
    qtbot, make_window, sqlite_db, clock, sqlite_team: Team
) -> None:
    make_person(sqlite_db, clock, sqlite_team.admin, "morgan", Role.TRAINER, Role.MANAGER)
    window = make_window()
    qtbot.waitUntil(lambda: window.guide_action is not None)
    sign_in(qtbot, window, "morgan")
    window.guide_action.trigger()
    guide = window.guide
    assert list(guide.browsers) == [Role.TRAINER, Role.MANAGER]
    assert "Edit and publish a module" in guide.browsers[Role.TRAINER].toPlainText()
    assert "Issue credentials" in guide.browsers[Role.MANAGER].toPlainText()
    # The tabs are reachable from the keyboard (Ctrl+Tab moves to the next one).
    qtbot.keyClick(guide.tabs, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert guide.current_role() is Role.MANAGER
    qtbot.keyClick(guide.tabs, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert guide.current_role() is Role.TRAINER


def test_the_guide_is_sanitized_markdown_not_raw_text(qtbot) -> None:
    guide = GuideWindow(None, [Role.ADMIN])
    qtbot.addWidget(guide)
    html = guide.browsers[Role.ADMIN].toHtml()
    assert "**" not in guide.browsers[Role.ADMIN].toPlainText()  # bold was rendered, not shown
    assert "font-weight" in html or "<b>" in html


def test_shortcuts_list_the_real_menu_and_screen_shortcuts(
    qtbot, make_window, sqlite_team: Team, monkeypatch
) -> None:
    window = make_window()
    qtbot.waitUntil(lambda: window.guide_action is not None)
    sign_in(qtbot, window, "tom")
    rows = dict(shortcut_rows(window))
    keys_of = {what: keys for keys, what in rows.items()}
    assert keys_of["Help → User guide"].split(", ")[0] == "F1"
    assert keys_of["View → Zoom in"].startswith("Ctrl++")
    assert rows["Ctrl+Shift+L"] == "File → Sign out"
    assert rows["Ctrl+F"] == "My training: search all modules"  # a screen's own QShortcut
    assert "Ctrl+S" not in rows  # Authoring is not one of a trainee's screens

    shown: list[ShortcutsDialog] = []
    monkeypatch.setattr(ShortcutsDialog, "exec", lambda self: shown.append(self) or 0)
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    next(a for a in help_menu.actions() if a.text() == "&Keyboard shortcuts").trigger()
    assert len(shown) == 1
    dialog = shown[0]
    assert dialog.accessibleName() == "Keyboard shortcuts"
    assert ("Ctrl+Shift+L", "File → Sign out") in dialog.rows()
    assert dialog.table.horizontalHeaderItem(0).text() == "Keys"


def test_a_trainers_shortcuts_include_saving_a_draft(qtbot, make_window, sqlite_team: Team) -> None:
    window = make_window()
    qtbot.waitUntil(lambda: window.guide_action is not None)
    sign_in(qtbot, window, "tina")
    rows = shortcut_rows(window)
    assert ("Ctrl+S", "Authoring: save the draft") in rows
    assert ("Ctrl+S", "Scenario studio: save the draft") in rows
    assert ("Ctrl+Z", "Scenario studio: undo the last edit") in rows
