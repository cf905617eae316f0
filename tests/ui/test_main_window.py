"""First run, sign-in, role-aware navigation, sign-out and idle sign-out, through real widgets."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from sqlalchemy import select

from tests.conftest import PASSWORD, Team
from tests.ui.conftest import sign_in
from trainer.core.models import SigningKey
from trainer.core.services import accounts
from trainer.ui import dialogs


def test_first_run_wizard_creates_the_organization_then_the_admin_signs_in(
    qtbot, make_window, sqlite_db, tmp_path: Path
) -> None:
    window = make_window()
    setup = window.setup_view
    assert window.stack.currentWidget() is setup
    assert window.windowTitle() == "CVI Trainer"
    qtbot.mouseClick(setup.next, Qt.MouseButton.LeftButton)  # no name yet
    assert "organization's name" in setup.problem.text()
    qtbot.keyClicks(setup.org_name, "Northside Peace Alliance")
    logo = tmp_path / "logo.png"
    image = QImage(64, 64, QImage.Format.Format_RGB32)
    image.fill(QColor("darkgreen"))
    image.save(str(logo))
    setup.set_logo_file(logo)
    qtbot.keyClicks(setup.signing, "too short")
    qtbot.mouseClick(setup.next, Qt.MouseButton.LeftButton)
    assert "at least 12 characters" in setup.problem.text()
    setup.signing.setText("river stones and lanterns")
    setup.signing_repeat.setText("river stones and lanterns")
    qtbot.mouseClick(setup.next, Qt.MouseButton.LeftButton)
    assert setup.steps.currentIndex() == 1
    qtbot.keyClicks(setup.admin_name, "Grace Admin")
    qtbot.keyClicks(setup.admin_username, "grace")
    qtbot.keyClicks(setup.password, "short")
    qtbot.keyClicks(setup.repeat, "short")
    qtbot.mouseClick(setup.next, Qt.MouseButton.LeftButton)
    assert "at least 10 characters" in setup.problem.text()
    assert setup.admin_name.text() == "Grace Admin"  # nothing typed is lost
    setup.password.setText(PASSWORD)
    setup.repeat.setText(PASSWORD)
    qtbot.mouseClick(setup.next, Qt.MouseButton.LeftButton)

    assert window.stack.currentWidget() is window.sign_in_view
    assert "Sign in as grace" in window.sign_in_view.message.text()
    assert window.sign_in_view.heading.text() == "Northside Peace Alliance"
    sign_in(qtbot, window, "grace")
    assert window.workspace is not None
    assert window.workspace.labels() == [
        "Home",
        "Authoring",
        "Scenario studio",
        "Content library",
        "Program policies",
        "People",
        "Organization",
    ]
    with sqlite_db.begin() as session:
        org = accounts.get_organization(session)
        assert org.logo is not None and org.logo_mime == "image/png"
        key = session.scalars(select(SigningKey)).one()
        assert "river stones" not in key.encrypted_private_key  # only the encrypted key is kept


@pytest.mark.parametrize(
    ("role", "screens"),
    [
        (
            "trainee",
            [
                "Home",
                "My training",
                "Scenarios",
                "My credentials",
                "My practice record",
                "Program policies",
            ],
        ),
        (
            "trainer",
            [
                "Home",
                "Authoring",
                "Scenario studio",
                "Sign-offs",
                "Observations",
                "Training sessions",
                "Cohort",
                "Content library",
                "Program policies",
            ],
        ),
        ("manager", ["Home", "Team", "Issue", "Verify", "Program policies"]),
        (
            "admin",
            [
                "Home",
                "Authoring",
                "Scenario studio",
                "Content library",
                "Program policies",
                "People",
                "Organization",
            ],
        ),
    ],
)
def test_navigation_shows_what_each_role_may_use(
    qtbot, make_window, sqlite_team: Team, role: str, screens: list[str]
) -> None:
    window = make_window()
    sign_in(qtbot, window, sqlite_team.by_role()[role].username)
    assert window.workspace.labels() == screens
    assert sqlite_team.by_role()[role].full_name in window.who.text()


def test_wrong_password_shows_one_generic_message(qtbot, make_window, sqlite_team: Team) -> None:
    window = make_window()
    sign_in(qtbot, window, "tom", "not my password")
    assert window.workspace is None
    assert window.sign_in_view.message.text() == accounts.GENERIC_SIGN_IN_ERROR
    assert window.sign_in_view.password.text() == ""


def test_sign_out_returns_to_the_sign_in_screen(qtbot, make_window, sqlite_team: Team) -> None:
    window = make_window()
    sign_in(qtbot, window, "ada")
    qtbot.mouseClick(window.sign_out_button, Qt.MouseButton.LeftButton)
    assert window.workspace is None and window.person is None
    assert window.stack.currentWidget() is window.sign_in_view
    assert window.who.text() == "Not signed in"


def test_idle_app_signs_itself_out(qtbot, make_window, sqlite_team: Team) -> None:
    window = make_window(idle_timeout_ms=150)
    sign_in(qtbot, window, "tom")
    assert window.workspace is not None
    qtbot.waitUntil(lambda: window.workspace is None, timeout=3000)
    assert "not used for a while" in window.sign_in_view.message.text()


def test_idle_timeout_comes_from_the_organization_setting(
    qtbot, make_window, sqlite_team: Team
) -> None:
    window = make_window()
    sign_in(qtbot, window, "tom")
    assert window.idle.timer.interval() == 15 * 60_000


@pytest.fixture
def newbie(sqlite_db, clock) -> None:
    """A trainee whose password an admin set (so it must be changed at first sign-in)."""
    from tests.conftest import make_org, make_person
    from trainer.core.models import Role

    admin = make_org(sqlite_db, clock)
    make_person(sqlite_db, clock, admin, "newbie", Role.TRAINEE, must_change=True)


def test_password_set_by_an_admin_must_be_changed_first(
    qtbot, make_window, sqlite_db, clock, newbie, monkeypatch
) -> None:
    asked: list[str | None] = []

    def fake_ask(parent, reason, submit):
        asked.append(reason)
        return submit((PASSWORD, "a brand new password"))

    monkeypatch.setattr(dialogs.ChangePasswordDialog, "ask", staticmethod(fake_ask))
    window = make_window()
    sign_in(qtbot, window, "newbie")
    assert asked and "set by an administrator" in asked[0]
    assert window.workspace is not None
    with sqlite_db.begin() as session:
        outcome = accounts.sign_in(session, "newbie", "a brand new password", now=clock.now())
    assert outcome.person is not None and not outcome.must_change_password


def test_refusing_to_change_an_admin_set_password_stays_signed_out(
    qtbot, make_window, newbie, monkeypatch
) -> None:
    monkeypatch.setattr(
        dialogs.ChangePasswordDialog, "ask", staticmethod(lambda parent, reason, submit: None)
    )
    window = make_window()
    sign_in(qtbot, window, "newbie")
    assert window.workspace is None
    assert "choose your own password" in window.sign_in_view.message.text()


def test_every_navigation_entry_is_reachable_by_keyboard(
    qtbot, make_window, sqlite_team: Team
) -> None:
    window = make_window()
    sign_in(qtbot, window, "ada")
    nav = window.workspace.nav
    nav.setFocus()
    for expected in range(1, nav.count()):
        qtbot.keyClick(nav, Qt.Key.Key_Down)
        assert window.workspace.pages.currentIndex() == expected
    assert nav.accessibleName() == "Navigation"


def test_zoom_scales_the_text(qtbot, make_window, sqlite_team: Team) -> None:
    from PySide6.QtWidgets import QApplication

    window = make_window()
    base = QApplication.font().pointSizeF()
    window.zoom(+1)
    window.zoom(+1)
    assert QApplication.font().pointSizeF() == pytest.approx(base * 1.2)
    window.zoom(0)
    assert QApplication.font().pointSizeF() == pytest.approx(base)


def test_sign_in_window_appears_before_the_database_is_opened(
    qtbot, sqlite_team: Team, sqlite_db, clock, paths
) -> None:
    from trainer.core.paths import bundled_content_root
    from trainer.ui.context import AppContext
    from trainer.ui.main_window import MainWindow

    opened: list[bool] = []

    def open_db():
        opened.append(True)
        return sqlite_db

    ctx = AppContext(
        open_db=open_db,
        clock=clock,
        paths=paths,
        content_root=bundled_content_root(),
        organization_name="Eastside Peace Project",
    )
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    assert window.sign_in_view.heading.text() == "Eastside Peace Project"
    assert opened == []
    sign_in(qtbot, window, "tom")
    assert opened == [True] and window.workspace is not None


def test_menus_offer_sign_out_quit_and_zoom_with_shortcuts(
    qtbot, make_window, sqlite_team: Team
) -> None:
    window = make_window()
    qtbot.waitUntil(lambda: window.sign_out_action is not None)
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert list(menus) == ["&File", "&View", "&Help"]
    view_actions = {
        a.text(): [k.toString() for k in a.shortcuts()] for a in menus["&View"].actions()
    }
    assert "Ctrl+=" in view_actions["Zoom &in"]
    assert not window.sign_out_action.isEnabled()
    sign_in(qtbot, window, "tom")
    assert window.sign_out_action.isEnabled()
    window.sign_out_action.trigger()
    assert window.workspace is None


def test_zooming_just_as_a_window_closes_raises_nothing(qtbot, make_window) -> None:
    """A window closed between the zoom and its follow-up (the analytics window) left the
    follow-up calling deleted labels: ten tracebacks on standard error."""
    import shiboken6

    from trainer.ui.widgets import StyledLabel

    window = make_window()
    label = StyledLabel("Gone soon")
    label.setParent(window)
    window.zoom(+1)
    shiboken6.delete(label)
    qtbot.wait(20)  # the follow-up runs; an exception in it fails the test (pytest-qt)
    window.zoom(0)
