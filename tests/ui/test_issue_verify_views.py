"""Issue, the register, Verify and the signing keys panel, through real widgets on real SQLite."""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDialog, QLabel
from sqlalchemy import func, select

from tests.conftest import make_person
from tests.core.credential_fixtures import PASSPHRASE, Org
from tests.ui.conftest import sign_in
from trainer.core import signing
from trainer.core.errors import SigningError
from trainer.core.issuer_cards import IssuerCard, PublicKey, endorse, read_card, sign_card
from trainer.core.models import Credential, Role
from trainer.core.services import credential_register, signing_keys
from trainer.ui import dialogs, messages
from trainer.ui.views import my_credentials
from trainer.ui.views.issue import IssueView, IssueWorker
from trainer.ui.views.signing_keys import SigningKeysPanel
from trainer.ui.views.verify import VerifyView


@pytest.fixture
def org(sqlite_db, clock, sqlite_team) -> Org:
    return Org(sqlite_db, clock, sqlite_team)


def _count(org: Org) -> int:
    with org.db.begin() as session:
        return session.scalar(select(func.count()).select_from(Credential))


def _issue_view(qtbot, ctx, org: Org) -> IssueView:
    view = IssueView(ctx, org.team.manager)
    qtbot.addWidget(view)
    view.show()
    tab = view.issue_tab
    tab.program.setCurrentIndex(tab.program.findData("orientation"))
    return view


def _verify_view(qtbot, ctx, org: Org) -> VerifyView:
    view = VerifyView(ctx, org.team.manager)
    qtbot.addWidget(view)
    view.show()
    return view


def _passphrase(passphrase: str = PASSPHRASE):
    def ask(parent, purpose, submit, **kwargs):
        return submit(passphrase)

    return staticmethod(ask)


def _infos(monkeypatch) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(messages, "info", lambda parent, title, text: shown.append((title, text)))
    return shown


# --- Issue --------------------------------------------------------------------------------------


def test_the_eligible_person_comes_first_and_an_ineligible_selection_cannot_be_issued(
    qtbot, ctx, org: Org
) -> None:
    tess, tom = org.team.other_trainee, org.team.trainee
    org.ready(tess)
    view = _issue_view(qtbot, ctx, org)
    tab = view.issue_tab
    assert tab.program.currentText() == "Community Violence Intervention: Orientation"
    assert (tab.model.row(0).person_name, tab.model.row(0).summary) == ("Tess Person", "Eligible")

    tab.select_people({tom.id})
    assert not tab.issue.isEnabled()
    assert tab.checklist.toPlainText().count("Missing") == 4  # 3 modules, the signed policies
    assert "Cannot issue to Tom Person: 4 of 4 requirements left" in tab.hint.text()

    tab.select_people({tess.id, tom.id})
    assert not tab.issue.isEnabled()
    tab.select_people({tess.id})
    assert tab.issue.isEnabled() and tab.issue.accessibleName() == "Issue to 1 selected"
    text = tab.checklist.toPlainText()
    assert text.count("Met") == 4 and "Missing" not in text
    assert "passed on 2 March 2026" in text  # the evidence: when each check was passed


def test_issuing_through_the_view_creates_a_credential_that_the_register_shows(
    qtbot, ctx, org: Org, monkeypatch
) -> None:
    tess = org.team.other_trainee
    org.ready(tess)
    monkeypatch.setattr(dialogs.PassphraseDialog, "ask", _passphrase())
    shown = _infos(monkeypatch)
    view = _issue_view(qtbot, ctx, org)
    tab = view.issue_tab
    tab.select_people({tess.id})
    qtbot.mouseClick(tab.issue, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(shown))

    title, text = shown[0]
    assert title == "Credentials issued" and "Issued 1:" in text and "Tess Person" in text
    assert tab.worker is None and tab.progress is None
    with org.db.begin() as session:
        row = session.scalars(select(Credential)).one()
        assert row.holder_id == tess.id and row.program_key == "orientation"
    assert tab.model.row(0).summary == f"Already holds it (code {row.code})"

    view.tabs.setCurrentWidget(view.register)
    register = view.register
    assert register.model.rowCount() == 1
    assert register.model.data(register.model.index(0, 0)) == "Tess Person"
    assert register.model.data(register.model.index(0, 2)) == row.code
    assert register.model.data(register.model.index(0, 4)) == "Valid, does not expire"


def test_a_wrong_signing_passphrase_is_shown_in_the_dialog_and_issues_nothing(
    qtbot, ctx, org: Org, monkeypatch
) -> None:
    tess = org.team.other_trainee
    org.ready(tess)
    problems: list[str] = []

    def ask(parent, purpose, submit, **kwargs):
        dialog = dialogs.PassphraseDialog(parent, purpose, "", kwargs["ok_text"])
        qtbot.addWidget(dialog)
        dialog.submit = submit
        dialog.show()
        qtbot.keyClicks(dialog.passphrase, "not the signing passphrase")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert dialog.result() != QDialog.DialogCode.Accepted
        problems.append(dialog.error_label.text())
        return None  # the person gives up: Cancel

    monkeypatch.setattr(dialogs.PassphraseDialog, "ask", staticmethod(ask))
    view = _issue_view(qtbot, ctx, org)
    tab = view.issue_tab
    tab.select_people({tess.id})
    qtbot.mouseClick(tab.issue, Qt.MouseButton.LeftButton)
    assert problems and "That signing passphrase is not right" in problems[0]
    assert tab.worker is None and _count(org) == 0


def test_cancelling_a_batch_halfway_leaves_the_rest_unissued(
    qtbot, ctx, org: Org, monkeypatch
) -> None:
    people = [
        make_person(org.db, org.clock, org.team.admin, f"p{i}", Role.TRAINEE) for i in range(5)
    ]
    for person in people:
        org.ready(person)
    monkeypatch.setattr(dialogs.PassphraseDialog, "ask", _passphrase())
    shown = _infos(monkeypatch)
    reached, go = threading.Event(), threading.Event()
    report = IssueWorker.report

    def paused(self, done, total, name):  # the worker waits after its first credential
        if done == 1:
            self.progressed.emit(done, total)
            reached.set()
            go.wait(10)
        return report(self, done, total, name)

    monkeypatch.setattr(IssueWorker, "report", paused)
    view = _issue_view(qtbot, ctx, org)
    tab = view.issue_tab
    qtbot.mouseClick(tab.select_eligible, Qt.MouseButton.LeftButton)
    assert tab.issue.text() == "Issue &to 5 selected…"
    try:
        qtbot.mouseClick(tab.issue, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(reached.is_set)
        qtbot.waitUntil(lambda: "Issuing 2 of 5: " in tab.progress.dialog.labelText())
        qtbot.mouseClick(tab.progress.cancel_button, Qt.MouseButton.LeftButton)
        assert "Stopping" in tab.hint.text()
    finally:
        go.set()
    qtbot.waitUntil(lambda: bool(shown))

    title, text = shown[0]
    assert title == "Issuing cancelled"
    assert "Issued 1:" in text and "the rest (4 of 5) were not issued" in text
    assert _count(org) == 1
    assert [c.summary for c in tab.model.rows].count("Eligible") == 4


def test_revoking_from_the_register_needs_a_reason_and_shows_revoked_on(
    qtbot, ctx, org: Org, monkeypatch
) -> None:
    issued = org.oriented(org.team.other_trainee)
    reasons: list[str] = []

    def ask(parent, action, what, submit):
        assert action == "revoke" and issued.code in what
        dialog = dialogs.StatusChangeDialog(parent, action, what)
        qtbot.addWidget(dialog)
        dialog.submit = submit
        dialog.show()
        assert any("final" in label.text() for label in dialog.findChildren(QLabel))
        qtbot.keyClicks(dialog.reason, "no")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        reasons.append(dialog.error_label.text())
        dialog.reason.setPlainText("Issued in error before review.")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert dialog.result() == QDialog.DialogCode.Accepted
        return dialog.outcome

    monkeypatch.setattr(dialogs.StatusChangeDialog, "ask", staticmethod(ask))
    view = _issue_view(qtbot, ctx, org)
    view.tabs.setCurrentWidget(view.register)
    register = view.register
    register.table.selectRow(0)
    assert register.revoke.isEnabled() and not register.reinstate.isEnabled()
    assert not register.renew.isEnabled()  # Orientation does not expire
    qtbot.mouseClick(register.revoke, Qt.MouseButton.LeftButton)

    assert "say why" in reasons[0]
    status = register.model.data(register.model.index(0, 4))
    assert status == "Revoked on 2 Mar 2026: Issued in error before review."
    assert "Revoked on" in register.status.text()
    assert register.selected().id == issued.id and not register.revoke.isEnabled()


def test_the_register_filter_finds_by_code(qtbot, ctx, org: Org) -> None:
    first = org.oriented(org.team.other_trainee)
    org.oriented(org.team.trainee)
    view = _issue_view(qtbot, ctx, org)
    view.tabs.setCurrentWidget(view.register)
    assert view.register.proxy.rowCount() == 2
    qtbot.keyClicks(view.register.filter, first.code.lower())
    assert view.register.proxy.rowCount() == 1
    view.register.table.selectRow(0)
    assert view.register.selected().id == first.id


def test_open_pdf_in_the_register_opens_the_selected_certificate_also_on_enter(
    qtbot, ctx, org: Org, monkeypatch
) -> None:
    org.oriented(org.team.trainee)
    issued = org.oriented(org.team.other_trainee)
    opened: list[Path] = []
    monkeypatch.setattr(my_credentials, "open_file", lambda path: opened.append(path) or True)
    view = _issue_view(qtbot, ctx, org)
    view.tabs.setCurrentWidget(view.register)
    register = view.register
    assert not register.open_pdf.isEnabled()
    register.select_credential(issued.id)
    qtbot.mouseClick(register.open_pdf, Qt.MouseButton.LeftButton)
    with org.db.begin() as session:
        pdf = session.get(Credential, issued.id).pdf
    assert len(opened) == 1 and opened[0].read_bytes() == pdf
    assert opened[0].suffix == ".pdf" and "Opened" in register.status.text()

    register.table.setFocus()
    qtbot.keyClick(register.table, Qt.Key.Key_Return)  # Enter opens it too
    assert len(opened) == 2 and opened[1].read_bytes() == pdf


# --- Verify -------------------------------------------------------------------------------------


def _drop(view: VerifyView, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    view.check_tab.drop_area.dropEvent(event)


def test_a_dropped_certificate_pdf_is_verified_with_the_signed_holder_name(
    qtbot, ctx, org: Org, tmp_path: Path
) -> None:
    issued = org.oriented(org.team.other_trainee)
    with org.db.begin() as session:
        pdf = credential_register.certificate_pdf(session, org.team.manager, issued.id)
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    view = _verify_view(qtbot, ctx, org)
    _drop(view, path)
    check = view.check_tab
    assert check.verdict.text() == "✔ Verified"
    assert check.fields["Holder"].text() == "Tess Person"
    assert check.fields["Code"].text() == issued.code
    assert check.details.isVisible() and check.steps.isVisible()
    outcomes = {
        check.steps_model.data(check.steps_model.index(r, 1))
        for r in range(check.steps_model.rowCount())
    }
    assert "Passed" in outcomes and "Failed" not in outcomes
    assert "certificate.pdf" in check.source.text()


def test_a_file_that_is_no_certificate_cannot_be_verified(
    qtbot, ctx, org: Org, tmp_path: Path
) -> None:
    path = tmp_path / "notes.pdf"
    path.write_bytes(b"shopping list: bread, milk")
    view = _verify_view(qtbot, ctx, org)
    view.check_tab.verify_path(path)
    assert view.check_tab.verdict.text().startswith("Cannot verify: notes.pdf is not a certificate")
    assert not view.check_tab.details.isVisible()


def test_a_typed_verification_code_is_verified_and_a_revoked_one_says_so(
    qtbot, ctx, org: Org
) -> None:
    issued = org.oriented(org.team.other_trainee)
    view = _verify_view(qtbot, ctx, org)
    check = view.check_tab
    qtbot.keyClicks(check.code, issued.code.lower())
    qtbot.keyClick(check.code, Qt.Key.Key_Return)
    assert check.verdict.text() == "✔ Verified"
    assert check.fields["Holder"].text() == "Tess Person"

    with org.db.begin() as session:
        credential_register.change_status(
            session, org.team.manager, issued.id, "revoke", "Left the program.", now=org.clock.now()
        )
    qtbot.mouseClick(check.check, Qt.MouseButton.LeftButton)
    assert check.verdict.text() == "✘ Revoked on 2 Mar 2026: Left the program."


def test_a_code_of_the_wrong_shape_shows_what_a_code_looks_like(qtbot, ctx, org: Org) -> None:
    view = _verify_view(qtbot, ctx, org)
    check = view.check_tab
    qtbot.keyClicks(check.code, "ABC-123")
    qtbot.mouseClick(check.check, Qt.MouseButton.LeftButton)
    assert check.verdict.text().startswith("Cannot verify: ")
    assert "12 letters and digits" in check.verdict.text()


# --- trust and keys -----------------------------------------------------------------------------


OTHER = "urn:uuid:6f1c2c1e-5b7a-4f0e-9f53-1d2a3b4c5d6e"
OTHER_PASSPHRASE = "another organization's passphrase"


def _other_key(
    since: datetime, *, endorsed_by: signing.UnlockedKey | None = None, replaces: str = ""
) -> tuple[PublicKey, signing.UnlockedKey]:
    """A key of another organization, as its card lists it, and the key unlocked to sign."""
    new = signing.generate_key(OTHER_PASSPHRASE)
    unlocked = signing.unlock(new.kid, new.envelope, OTHER_PASSPHRASE)
    endorsement = endorse(endorsed_by, OTHER, new.kid, since) if endorsed_by else None
    return PublicKey(new.kid, new.public_jwk, since, None, endorsement, replaces or None), unlocked


def _other_card(signer: signing.UnlockedKey, *keys: PublicKey) -> str:
    card = IssuerCard(OTHER, "Northside Peace Alliance", None, keys)
    return json.dumps(sign_card(card, signer).to_json())


def _trust_tab(qtbot, ctx, org: Org, monkeypatch) -> tuple[VerifyView, list[str], list[bool]]:
    """Verify on its Trusted issuers tab; each confirmation asked is kept and answered `answer`."""
    asked: list[str] = []
    answer = [False]

    def confirm(parent, title, body, yes="OK"):
        asked.append(body)
        return answer[0]

    monkeypatch.setattr(messages, "confirm", confirm)
    view = _verify_view(qtbot, ctx, org)
    view.tabs.setCurrentWidget(view.trust_tab)
    return view, asked, answer


def test_an_issuer_card_is_imported_only_after_its_fingerprint_is_confirmed(
    qtbot, ctx, org: Org, monkeypatch
) -> None:
    key, unlocked = _other_key(datetime(2026, 1, 1, tzinfo=UTC))
    text, fingerprint = _other_card(unlocked, key), signing.fingerprint(key.jwk)
    view, asked, answer = _trust_tab(qtbot, ctx, org, monkeypatch)
    trust_tab = view.trust_tab
    trust_tab.import_text(text)
    assert fingerprint in asked[0] and "Northside Peace Alliance" in asked[0]
    assert trust_tab.model.rowCount() == 0 and "Not imported" in trust_tab.status.text()

    answer[0] = True
    trust_tab.import_text(text)
    assert trust_tab.model.rowCount() == 1
    assert trust_tab.model.data(trust_tab.model.index(0, 1)) == fingerprint
    assert trust_tab.model.data(trust_tab.model.index(0, 2)) == "None imported"


def test_a_trusted_issuers_rotation_is_taken_without_asking_but_a_lost_key_needs_replacing(
    qtbot, ctx, org: Org, monkeypatch
) -> None:
    since = datetime(2026, 1, 1, tzinfo=UTC)
    first, first_unlocked = _other_key(since)
    view, asked, answer = _trust_tab(qtbot, ctx, org, monkeypatch)
    trust_tab = view.trust_tab
    answer[0] = True
    trust_tab.import_text(_other_card(first_unlocked, first))
    assert len(asked) == 1

    rotated_at = datetime(2026, 2, 1, tzinfo=UTC)
    second, second_unlocked = _other_key(rotated_at, endorsed_by=first_unlocked)
    retired = dataclasses.replace(first, retired_at=rotated_at)
    trust_tab.import_text(_other_card(second_unlocked, retired, second))
    assert len(asked) == 1  # endorsed by the key we trust: no phone call needed
    assert "endorsed by a key you already trust" in trust_tab.status.text()
    both = f"{signing.fingerprint(first.jwk)}, {signing.fingerprint(second.jwk)}"
    assert set(trust_tab.model.data(trust_tab.model.index(0, 1)).split(", ")) == set(
        both.split(", ")
    )

    lost_at = datetime(2026, 2, 20, tzinfo=UTC)
    third, third_unlocked = _other_key(lost_at, replaces=second.kid)
    card = _other_card(
        third_unlocked, retired, dataclasses.replace(second, retired_at=lost_at), third
    )
    answer[0] = False
    trust_tab.import_text(card)
    assert len(asked) == 2 and "replaced a lost key" in asked[1]
    assert signing.fingerprint(third.jwk) in asked[1]
    assert "left as they were" in trust_tab.status.text()
    assert signing.fingerprint(third.jwk) not in trust_tab.model.data(trust_tab.model.index(0, 1))

    answer[0] = True
    trust_tab.import_text(card)
    assert "Replaced Northside Peace Alliance's keys" in trust_tab.status.text()
    assert signing.fingerprint(third.jwk) in trust_tab.model.data(trust_tab.model.index(0, 1))


def test_the_status_list_is_signed_and_saved(
    qtbot, ctx, org: Org, monkeypatch, tmp_path: Path
) -> None:
    org.oriented(org.team.other_trainee)
    target = tmp_path / "status.txt"
    monkeypatch.setattr(dialogs, "choose_save_file", lambda *a: target)
    monkeypatch.setattr(dialogs.PassphraseDialog, "ask", _passphrase())
    view = _verify_view(qtbot, ctx, org)
    view.tabs.setCurrentWidget(view.trust_tab)
    qtbot.mouseClick(view.trust_tab.export_status, Qt.MouseButton.LeftButton)
    assert len(target.read_text().splitlines()) == 2  # revocation and suspension lists
    assert "Status list saved" in view.trust_tab.status.text()


def test_without_a_signing_key_the_panel_offers_to_create_one(
    qtbot, ctx, sqlite_team, monkeypatch
) -> None:
    panel = SigningKeysPanel(ctx, sqlite_team.admin)
    qtbot.addWidget(panel)
    assert panel.state.text().startswith("No signing key yet")
    assert panel.rotate.accessibleName() == "Create signing key"
    assert not panel.export_card.isEnabled() and not panel.change.isEnabled()
    problems: list[str] = []

    def ask(parent, title, submit, *, current=False, ok_text=""):
        dialog = dialogs.NewPassphraseDialog(parent, title, current=current, ok_text=ok_text)
        qtbot.addWidget(dialog)
        assert dialog.current is None  # a first key has no current passphrase
        dialog.submit = submit
        dialog.new.setText("short")
        dialog.repeat.setText("short")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        problems.append(dialog.error_label.text())
        dialog.new.setText("lanterns over the river")
        dialog.repeat.setText("lanterns over the river")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        return dialog.outcome

    monkeypatch.setattr(dialogs.NewPassphraseDialog, "ask", staticmethod(ask))
    qtbot.mouseClick(panel.rotate, Qt.MouseButton.LeftButton)  # no confirmation for a first key
    assert "at least 12 characters" in problems[0]
    assert panel.model.rowCount() == 1 and panel.rotate.accessibleName() == "Rotate key"
    assert panel.state.text().startswith("New signing key ")


NEW_PASSPHRASE = "a brand new signing passphrase"


def _typed(qtbot, *current: str, new: str = NEW_PASSPHRASE):
    """NewPassphraseDialog.ask that types each `current` passphrase in turn into the real
    dialog, with the new one twice, and clicks OK after each; the problems shown are kept."""
    problems: list[str] = []

    def ask(parent, title, submit, *, current=False, ok_text=""):
        dialog = dialogs.NewPassphraseDialog(parent, title, current=current, ok_text=ok_text)
        qtbot.addWidget(dialog)
        dialog.submit = submit
        for attempt in typed:
            dialog.current.setText(attempt)
            dialog.new.setText(new)
            dialog.repeat.setText(new)
            qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
            if dialog.result() != QDialog.DialogCode.Accepted:
                problems.append(dialog.error_label.text())
        return dialog.outcome

    typed = current
    return staticmethod(ask), problems


def test_rotating_needs_the_current_passphrase_and_the_card_names_both_keys(
    qtbot, ctx, org: Org, monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(messages, "confirm", lambda *a, **k: True)
    ask, problems = _typed(qtbot, "not the passphrase", PASSPHRASE)
    monkeypatch.setattr(dialogs.NewPassphraseDialog, "ask", ask)
    panel = SigningKeysPanel(ctx, org.team.admin)
    qtbot.addWidget(panel)
    qtbot.mouseClick(panel.rotate, Qt.MouseButton.LeftButton)
    assert len(problems) == 1 and "passphrase is not right" in problems[0]
    assert panel.model.rowCount() == 2
    assert panel.model.data(panel.model.index(0, 2)) == "2 Mar 2026"
    assert panel.model.data(panel.model.index(1, 2)) == "No, in use"
    assert panel.model.data(panel.model.index(1, 3)) == "Yes"  # vouched for by the old key
    with org.db.begin() as session:
        signing_keys.unlock(session, org.team.manager, NEW_PASSPHRASE)

    target = tmp_path / "card.json"
    monkeypatch.setattr(dialogs, "choose_save_file", lambda *a: target)
    monkeypatch.setattr(dialogs.PassphraseDialog, "ask", _passphrase(NEW_PASSPHRASE))
    shown = _infos(monkeypatch)
    qtbot.mouseClick(panel.export_card, Qt.MouseButton.LeftButton)
    card = read_card(target.read_text())
    assert len(card.keys) == 2 and card.keys[1].endorsement
    active = panel.model.rows[1].fingerprint
    assert signing.fingerprint(card.active.jwk) == active and active in shown[0][1]


def test_changing_the_passphrase_keeps_the_key(qtbot, ctx, org: Org, monkeypatch) -> None:
    ask, problems = _typed(qtbot, PASSPHRASE)
    monkeypatch.setattr(dialogs.NewPassphraseDialog, "ask", ask)
    panel = SigningKeysPanel(ctx, org.team.manager)
    qtbot.addWidget(panel)
    before = panel.model.rows[0].fingerprint
    qtbot.mouseClick(panel.change, Qt.MouseButton.LeftButton)
    assert problems == [] and "passphrase was changed" in panel.state.text()
    assert [r.fingerprint for r in panel.model.rows] == [before]
    with org.db.begin() as session:
        signing_keys.unlock(session, org.team.manager, NEW_PASSPHRASE)
        with pytest.raises(SigningError, match="passphrase is not right"):
            signing_keys.unlock(session, org.team.manager, PASSPHRASE)


def test_only_an_admin_replaces_a_lost_key_and_the_new_key_shows_it_is_not_vouched_for(
    qtbot, ctx, org: Org, monkeypatch
) -> None:
    manager_panel = SigningKeysPanel(ctx, org.team.manager)
    qtbot.addWidget(manager_panel)
    assert manager_panel.replace.isHidden()

    def ask(parent, submit):
        dialog = dialogs.ReplaceKeyDialog(parent)
        qtbot.addWidget(dialog)
        dialog.submit = submit
        dialog.reason.setText("The only person who knew it left")
        dialog.new.setText(NEW_PASSPHRASE)
        dialog.repeat.setText(NEW_PASSPHRASE)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        return dialog.outcome

    monkeypatch.setattr(dialogs.ReplaceKeyDialog, "ask", staticmethod(ask))
    shown = _infos(monkeypatch)
    panel = SigningKeysPanel(ctx, org.team.admin)
    qtbot.addWidget(panel)
    assert not panel.replace.isHidden() and panel.replace.isEnabled()
    qtbot.mouseClick(panel.replace, Qt.MouseButton.LeftButton)
    assert panel.model.rowCount() == 2
    assert panel.model.data(panel.model.index(1, 3)) == "No: replaced a lost key"
    assert panel.model.rows[1].fingerprint in shown[0][1]
    with org.db.begin() as session:
        signing_keys.unlock(session, org.team.manager, NEW_PASSPHRASE)


def test_a_manager_finds_issue_and_verify_after_team(qtbot, make_window, org: Org) -> None:
    window = make_window()
    sign_in(qtbot, window, "manny")
    labels = window.workspace.labels()
    assert labels[labels.index("Team") + 1 : labels.index("Team") + 3] == ["Issue", "Verify"]
    window.workspace.show_screen("Issue")
    window.workspace.show_screen("Verify")


def test_renewing_from_the_register_says_what_is_missing_then_issues_a_linked_credential(
    qtbot, ctx, org: Org, monkeypatch
) -> None:
    from tests.core.test_credentials import _foundations

    trainee = org.team.trainee
    old = _foundations(org, trainee)
    org.later(800)  # expired
    shown: list[str] = []
    monkeypatch.setattr(
        messages,
        "info",
        lambda parent, title, text, details="": shown.append(f"{text}\n{details}"),
    )
    monkeypatch.setattr(dialogs.PassphraseDialog, "ask", _passphrase())
    view = _issue_view(qtbot, ctx, org)
    register = view.register
    register.refresh(select=old.id)
    assert register.renew.isEnabled()
    qtbot.mouseClick(register.renew, Qt.MouseButton.LeftButton)
    assert shown and "cannot renew" in shown[0] and "Field safety" in shown[0]
    assert _count(org) == 2  # Orientation and the expired Foundations: nothing new

    org.study(trainee, "core-06-field-safety", "core-08-wellbeing")
    org.assess(trainee, "s07-participant-carrying")
    org.hours(trainee, 6, "continuing-education")
    register.refresh(select=old.id)
    qtbot.mouseClick(register.renew, Qt.MouseButton.LeftButton)
    assert "Renewed: Tom Person has new code" in register.status.text()
    with org.db.begin() as session:
        rows = {c.id: c for c in session.scalars(select(Credential))}
    new = next(c for c in rows.values() if c.renews_id == old.id)
    assert new.program_key == "foundations" and len(rows) == 3
    assert not register.renew.isEnabled() or register.selected().id == new.id
