"""People, Organization and Content library screens, through real widgets."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from sqlalchemy import select

from tests.conftest import Team
from tests.ui.conftest import sign_in
from trainer.core.models import AuditEntry, Person, Role
from trainer.core.services import accounts, library
from trainer.ui import dialogs, messages
from trainer.ui.views import organization as organization_view


def _open(qtbot, make_window, username: str, screen: str):
    window = make_window()
    sign_in(qtbot, window, username)
    return window.workspace.show_screen(screen)


def test_admin_adds_a_person_who_then_appears_selected(
    qtbot, make_window, sqlite_team: Team, sqlite_db, monkeypatch
) -> None:
    def fake_ask(parent, submit):
        return submit(
            accounts.NewPerson("rosa", "Rosa Diaz", frozenset({Role.TRAINEE}), "temporary-pass-1")
        )

    monkeypatch.setattr(dialogs.AddPersonDialog, "ask", staticmethod(fake_ask))
    view = _open(qtbot, make_window, "ada", "People")
    qtbot.mouseClick(view.add, Qt.MouseButton.LeftButton)
    assert view.selected().username == "rosa"
    assert view.count.text() == "6 people"
    with sqlite_db.begin() as session:
        assert accounts.sign_in(
            session, "rosa", "temporary-pass-1", now=sqlite_team.admin.created_at
        ).must_change_password


def test_add_person_dialog_keeps_what_was_typed_when_the_service_refuses(
    qtbot, sqlite_team: Team, sqlite_db, clock
) -> None:
    dialog = dialogs.AddPersonDialog(None)
    qtbot.addWidget(dialog)

    def submit(new):
        with sqlite_db.begin() as session:
            return accounts.add_person(session, sqlite_team.admin, new, now=clock.now())

    dialog.submit = submit
    dialog.show()
    qtbot.keyClicks(dialog.full_name, "Rosa Diaz")
    qtbot.keyClicks(dialog.username, "rosa")
    qtbot.keyClicks(dialog.password, "short")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error_label.isVisible()
    assert "at least 10 characters" in dialog.error_label.text()
    assert dialog.full_name.text() == "Rosa Diaz"
    dialog.password.setText("long-enough-password")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.outcome.username == "rosa"


def test_admin_deactivates_after_confirming(
    qtbot, make_window, sqlite_team: Team, sqlite_db, monkeypatch
) -> None:
    monkeypatch.setattr(messages, "confirm", lambda *a, **k: True)
    view = _open(qtbot, make_window, "ada", "People")
    view.select_username("tom")
    qtbot.mouseClick(view.toggle, Qt.MouseButton.LeftButton)
    assert view.selected().username == "tom"
    assert view.model.data(view.model.index(view.table.currentIndex().row(), 4)) == "Deactivated"
    assert view.toggle.text() == "Reac&tivate" and view.toggle.accessibleName() == "Reactivate"
    with sqlite_db.begin() as session:
        assert not session.get(Person, sqlite_team.trainee.id).active


def test_people_filter_narrows_the_table(qtbot, make_window, sqlite_team: Team) -> None:
    view = _open(qtbot, make_window, "ada", "People")
    qtbot.keyClicks(view.filter, "manager")
    assert [p.username for p in view.model.rows] == ["manny"]


def test_organization_settings_are_saved_and_audited(
    qtbot, make_window, sqlite_team: Team, sqlite_db
) -> None:
    view = _open(qtbot, make_window, "ada", "Organization")
    view.inactivity.setValue(5)
    view.name.setText("Eastside Peace Project (pilot)")
    qtbot.mouseClick(view.save, Qt.MouseButton.LeftButton)
    assert view.status.text().startswith("Saved")
    with sqlite_db.begin() as session:
        org = accounts.get_organization(session)
    assert (org.inactivity_minutes, org.name) == (5, "Eastside Peace Project (pilot)")
    assert view.audit_model.rows[0].action == "organization.updated"


def test_verify_button_reports_an_intact_chain(qtbot, make_window, sqlite_team: Team) -> None:
    view = _open(qtbot, make_window, "ada", "Organization")
    qtbot.mouseClick(view.verify, Qt.MouseButton.LeftButton)
    assert view.chain.text().startswith("✔ Intact")


def test_backup_from_the_organization_screen(
    qtbot, make_window, sqlite_team: Team, monkeypatch, tmp_path: Path
) -> None:
    target = tmp_path / "office-backup.sqlite3"
    shown: list[str] = []
    monkeypatch.setattr(dialogs, "choose_save_file", lambda *a: target)
    monkeypatch.setattr(messages, "info", lambda parent, title, text: shown.append(text))
    view = _open(qtbot, make_window, "ada", "Organization")
    qtbot.mouseClick(view.backup, Qt.MouseButton.LeftButton)
    assert target.exists() and str(target) in shown[0]
    entry = view.audit_model.rows[0]  # newest first
    assert (entry.action, entry.target, entry.actor_name) == (
        "database.backed_up",
        str(target),
        "Ada Admin",
    )


def _restore_clicked(qtbot, make_window, monkeypatch, backup: Path, answer: bool) -> list[str]:
    asked: list[str] = []
    shown: list[str] = []
    monkeypatch.setattr(dialogs, "choose_open_file", lambda *a: backup)
    monkeypatch.setattr(
        messages, "confirm", lambda p, title, text, yes: asked.append(text) or answer
    )
    monkeypatch.setattr(messages, "info", lambda parent, title, text: shown.append(text))
    quits: list[bool] = []
    monkeypatch.setattr(organization_view, "quit_after_restore", lambda: quits.append(True))
    view = _open(qtbot, make_window, "ada", "Organization")
    qtbot.mouseClick(view.restore, Qt.MouseButton.LeftButton)
    assert asked and "replaced by the backup" in asked[0]
    assert bool(quits) == answer  # the app closes after a restore, and only then
    return shown


def test_restore_from_the_organization_screen_asks_first(
    qtbot, make_window, sqlite_team: Team, sqlite_db, paths, clock, monkeypatch, tmp_path: Path
) -> None:
    from trainer.core.backup import backup_sqlite

    backup = backup_sqlite(sqlite_db, tmp_path / "monday.sqlite3", now=clock.now())
    with sqlite_db.begin() as session:
        accounts.add_person(
            session,
            sqlite_team.admin,
            accounts.NewPerson(
                "later", "Added Later", frozenset({Role.TRAINEE}), "temporary-pass-1"
            ),
            now=clock.now(),
        )
    assert _restore_clicked(qtbot, make_window, monkeypatch, backup, answer=False) == []
    with sqlite_db.begin() as session:  # cancelled: nothing changed
        assert accounts.person_by_username(session, sqlite_team.admin, "later")

    shown = _restore_clicked(qtbot, make_window, monkeypatch, backup, answer=True)
    assert shown and shown[0].startswith(f"Restored {backup}.")
    with sqlite_db.begin() as session:  # the engine reconnects to the restored file
        names = {p.username for p in accounts.list_people(session, sqlite_team.admin)}
        assert "later" not in names
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
        assert (last.action, last.target) == ("database.restored", "monday.sqlite3")
        assert '"by":"ada"' in last.details


def test_trainer_accepts_an_update_shipped_with_the_app(
    qtbot, make_window, sqlite_team: Team, sqlite_db, clock, tmp_path: Path
) -> None:
    root = tmp_path / "bundle"
    (root / "curricula" / "t").mkdir(parents=True)
    track = root / "curricula" / "t" / "track.yaml"
    track.write_text("id: t\ntitle: Old title\ndescription: d\nmodules: []\n")
    with sqlite_db.begin() as session:
        library.import_bundled(session, root, now=clock.now())
    track.write_text("id: t\ntitle: New title\ndescription: d\nmodules: []\n")
    with sqlite_db.begin() as session:
        library.import_bundled(session, root, now=clock.now())
    view = _open(qtbot, make_window, "tina", "Content library")
    assert view.updates_box.isVisibleTo(view)
    assert view.updates_list.count() == 1
    view.updates_list.setCurrentRow(0)
    assert "New title" in view.text.toPlainText()
    qtbot.mouseClick(view.accept, Qt.MouseButton.LeftButton)
    assert not view.updates_box.isVisibleTo(view)
    assert view.model.rows[0].title == "New title" and view.model.rows[0].live_number == 2
    view.table.selectRow(0)
    assert view.versions.count() == 2
    assert view.versions.item(0).text().startswith("Version 2 — Tina Person")


def test_dialogs_start_on_their_first_field_and_tab_through_fields_first(qtbot) -> None:
    dialog = dialogs.AddPersonDialog(None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.full_name.hasFocus() or dialog.focusWidget() is dialog.full_name)
    assert dialog.focusWidget() is dialog.full_name
    dialog.focusNextChild()  # what Tab does
    assert dialog.focusWidget() is dialog.username
    assert dialog.ok_button.text() == "&Add person"


def test_organization_screen_shows_new_audit_entries_when_revisited(
    qtbot, make_window, sqlite_team: Team, sqlite_db, clock
) -> None:
    window = make_window()
    sign_in(qtbot, window, "ada")
    org = window.workspace.show_screen("Organization")
    window.workspace.show_screen("People")
    with sqlite_db.begin() as session:
        accounts.set_active(
            session, sqlite_team.admin, sqlite_team.trainee.id, False, now=clock.now()
        )
    window.workspace.show_screen("Organization")
    assert org.audit_model.rows[0].action == "person.deactivated"


def test_the_library_shows_a_scenarios_quality_figures(
    qtbot, make_window, sqlite_team: Team, sqlite_db, clock, tmp_path: Path
) -> None:
    from tests.core.scenario_fixtures import write_scenarios

    with sqlite_db.begin() as session:
        library.import_bundled(session, write_scenarios(tmp_path / "b"), now=clock.now())
    view = _open(qtbot, make_window, "tina", "Content library")
    view.table.selectRow(0)
    shown = view.quality.text()
    # The tiny test scenario is exactly what the checks exist for: the longest choice wins.
    assert "always the longest passes" in shown
    assert "may not require it in assessment mode" in shown
