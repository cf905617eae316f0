"""Screen audit: every page and main dialog of every demo role, at five window and text sizes.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [OUT_DIR] [--readme DIR]

Seeds the demo, then adds hostile names (people named in 120 characters, in one unbroken word, in
Arabic, Chinese and Devanagari; an Arabic organization name; a long module title), signs in as each
role, opens each page it has (each tab of a page, and the reader, check, scenario, debrief and
verify states) and each dialog the role meets (opened with show(), not exec(), with the content a
person would see), saves a PNG per size under OUT_DIR/<size>/ and writes OUT_DIR/index.html
showing the sizes side by side. Prints one line per problem (role | page | size | problem) and
exits 1 if any page scrolls sideways, reaches past the window, cuts a label or button, or a dialog
is bigger than the window (trainer/ui/screen_audit.py). With --readme DIR the 1100x720 shots the
README shows are also saved there under their README names.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # audit the code beside the script

from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QTabWidget, QWidget
from sqlalchemy import select

from trainer.app import _open
from trainer.core.clock import SystemClock
from trainer.core.models import Person
from trainer.core.paths import AppPaths, bundled_content_root
from trainer.core.roles import Role
from trainer.core.services import accounts, credential_register, field_hours, library
from trainer.ui.context import AppContext
from trainer.ui.fonts import add_bundled_fonts
from trainer.ui.main_window import MainWindow
from trainer.ui.screen_audit import Problem, audit, audit_dialog, size_on_screen
from trainer.ui.workspace import WorkspaceView

SIZES = [
    ("1100x720", 1100, 720, 0),
    ("1366x768", 1366, 768, 0),
    ("200% text", 1100, 720, 10),
    # The issue's bad input: a small window, and the largest text size the app offers.
    ("800x600", 800, 600, 0),
    ("250% text", 1100, 720, 15),
]
PASSWORDS = {
    "trainee": "demo-trainee-pass",
    "trainer": "demo-trainer-pass",
    "manager": "demo-manager-pass",
    "admin": "demo-admin-pass",
}
# README image name -> (role, page, size); role "-" is the signed-out window.
README = {
    "sign-in": ("-", "Sign in", "1100x720"),
    "trainee-home": ("trainee", "Home", "1100x720"),
    "trainee-my-training": ("trainee", "My training", "1100x720"),
    "trainee-reader": ("trainee", "My training › reader", "1100x720"),
    "trainee-reader-200": ("trainee", "My training › reader", "200% text"),
    "trainee-check": ("trainee", "My training › check", "1100x720"),
    "trainee-scenario": ("trainee", "Scenarios › player", "1100x720"),
    "trainee-debrief": ("trainee", "Scenarios › debrief", "1100x720"),
    "trainee-credentials": ("trainee", "My credentials", "1100x720"),
    "trainee-whats-left": ("trainee", "My credentials › What's left", "1100x720"),
    "trainee-practice-record": ("trainee", "My practice record", "1100x720"),
    "trainee-policies": ("trainee", "Program policies", "1100x720"),
    "trainer-authoring": ("trainer", "Authoring", "1100x720"),
    "trainer-studio": ("trainer", "Scenario studio", "1100x720"),
    "trainer-library": ("trainer", "Content library", "1100x720"),
    "trainer-signoffs": ("trainer", "Sign-offs", "1100x720"),
    "trainer-observations": ("trainer", "Observations", "1100x720"),
    "trainer-sessions": ("trainer", "Training sessions", "1100x720"),
    "manager-policies": ("manager", "Program policies", "1100x720"),
    "manager-team": ("manager", "Team", "1100x720"),
    "manager-issue": ("manager", "Issue", "1100x720"),
    "manager-register": ("manager", "Issue › Issued credentials", "1100x720"),
    "manager-verify": ("manager", "Verify › checked", "1100x720"),
    "admin-people": ("admin", "People", "1100x720"),
    "admin-organization": ("admin", "Organization", "1100x720"),
}


# Bad input: names people really have, and ones a layout has to survive.
LONG_NAME = (
    "Maria Guadalupe Esperanza Concepción de los Santos Villanueva-Rodríguez "
    "y Fernández de Córdoba Montenegro Alcántara"
)
LONG_WORD = "Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaftschaferswessenschafewaren"
HOSTILE_PEOPLE = {
    "long-name": LONG_NAME,
    "long-word": LONG_WORD + "wohlgepflegeundsorgfaltigkeitbeschutzen",
    "arabic": "عبد الرحمن بن محمد الهاشمي",
    "chinese": "欧阳明月",
    "devanagari": "अनन्या श्रीनिवासन राघवेन्द्र",
}
HOSTILE_ORGANIZATION = "مبادرة السلام المجتمعي لمنع العنف في الأحياء"
LONG_MODULE = (
    "core-02-ethics-boundaries-police",
    (
        "Ethics and boundaries when police, hospitals, schools, faith leaders and city agencies all "
        "ask a violence interrupter what they saw"
    ),
)


def add_hostile_names(ctx: AppContext) -> None:
    """Through the real services, as the demo's admin, trainer and trainee would."""
    now = SystemClock().now()
    with ctx.db.begin() as session:
        by_name = {p.username: p for p in session.scalars(select(Person))}
        admin, trainer, trainee = by_name["admin"], by_name["trainer"], by_name["trainee"]
        for username, full_name in HOSTILE_PEOPLE.items():
            person = accounts.add_person(
                session,
                admin,
                accounts.NewPerson(
                    username, full_name, frozenset({Role.TRAINEE}), "long enough hostile pass 7"
                ),
                now=now,
            )
            field_hours.log_hours(
                session,
                person,
                field_hours.NewHours(now.date(), 2.5, "shadowing", "Evening outreach, east side."),
                now=now,
            )
        rejected = field_hours.log_hours(
            session,
            trainee,
            field_hours.NewHours(now.date(), 3, "shadowing", "Hospital visit with Teresa."),
            now=now,
        )
        field_hours.review(
            session,
            trainer,
            rejected.id,
            approve=False,
            comment="Say which hospital and who you shadowed; three hours is more than the "
            "visit log shows, so check the times against the sign-in sheet before you send it "
            "again.",
            now=now,
        )
        org = accounts.get_organization(session)
        assert org is not None
        accounts.update_organization(
            session,
            admin,
            accounts.OrganizationSettings(
                name=HOSTILE_ORGANIZATION,
                contact=org.contact,
                inactivity_minutes=org.inactivity_minutes,
                lockout_threshold=org.lockout_threshold,
                lockout_minutes=org.lockout_minutes,
                assessment_attempts=org.assessment_attempts,
                assessment_window_days=org.assessment_window_days,
                assessment_wait_hours=org.assessment_wait_hours,
            ),
            now=now,
        )
        key, title = LONG_MODULE
        doc = library.find_document(session, trainer, "module", key)
        live = library.live_version(session, trainer, doc.id)
        assert live is not None
        body = re.sub(r"(?m)^title: .*$", f"title: {title}", live.body, count=1)
        library.save_draft(session, trainer, doc.id, body, now=now)
        library.publish(session, trainer, doc.id, now=now)


def settle(app: QApplication) -> None:
    for _ in range(6):
        app.processEvents()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _reader(window: MainWindow, workspace: WorkspaceView, check: bool) -> None:
    view = workspace.show_screen("My training")
    view.open_module("core-02-ethics-boundaries-police", "role-clarity-with-police")  # type: ignore[attr-defined]
    if check:
        view.reader.check_button.click()  # type: ignore[attr-defined]


def _scenario(window: MainWindow, workspace: WorkspaceView, debrief: bool) -> None:
    view = workspace.show_screen("Scenarios")
    view.list.table.selectRow(0)  # type: ignore[attr-defined]
    view.list.practice.click()  # type: ignore[attr-defined]
    player = view.player  # type: ignore[attr-defined]
    player.pick(1)
    while debrief and view.stack.currentWidget() is player:  # type: ignore[attr-defined]
        best = max(
            range(len(player.play.offered)),
            key=lambda i: player.play.offered[i][1].total_points,
        )
        player.pick(best + 1)


def _verify(window: MainWindow, workspace: WorkspaceView) -> None:
    view = workspace.show_screen("Verify")
    ctx, person = window.ctx, window.person
    assert person is not None
    pdf = Path(tempfile.mkdtemp(prefix="cvi-audit-")) / "certificate.pdf"
    with ctx.db.begin() as session:
        held = credential_register.list_credentials(session, person)
        valid = next(h for h in held if h.state(SystemClock().now()) == "valid")
        pdf.write_bytes(credential_register.certificate_pdf(session, person, valid.id))
    view.check_tab.verify_path(pdf)  # type: ignore[attr-defined]


def _select(view: Any, matches: Callable[[Any], bool]) -> None:
    """Select the first row of `view.table` whose row object matches."""
    for index, row in enumerate(view.model.rows):
        if matches(row):
            view.table.selectRow(index)
            return
    raise SystemExit(f"no row to select in {view.table.accessibleName()}")


def _tab(view: Any, tab: QWidget) -> Any:
    view.tabs.setCurrentWidget(tab)
    return tab


def _long_word_person(row: Any) -> bool:
    """The row of the person named in one unbroken word (a Team row, an Issue checklist, a
    person), whose detail panes must wrap or cut the name with an ellipsis."""
    name = getattr(row, "person_name", None) or getattr(row, "person", row).full_name
    return str(name).startswith(LONG_WORD)


def _selected(page: str) -> Callable[[MainWindow, WorkspaceView], None]:
    """Open `page` and select the long one-word name: a selection opens a detail pane."""
    return lambda w, ws: _select(ws.show_screen(page), _long_word_person)


def _register_selected(window: MainWindow, workspace: WorkspaceView) -> None:
    """The register with the credential of the longest holder name selected."""
    view = workspace.show_screen("Issue")
    register = _tab(view, view.register)  # type: ignore[attr-defined]
    longest = max(len(h.holder_name) for h in register.model.rows)
    _select(register, lambda held: len(held.holder_name) == longest)


# Pages that exist only after something is done on a screen: role -> [(page name, do it)].
STATES: dict[str, list[tuple[str, Callable[[MainWindow, WorkspaceView], None]]]] = {
    "trainee": [
        ("My training › reader", lambda c, w: _reader(c, w, False)),
        ("My training › check", lambda c, w: _reader(c, w, True)),
        ("Scenarios › player", lambda c, w: _scenario(c, w, False)),
        ("Scenarios › debrief", lambda c, w: _scenario(c, w, True)),
    ],
    "trainer": [("Cohort › selected", _selected("Cohort"))],
    "manager": [
        ("Verify › checked", _verify),
        ("Team › selected", _selected("Team")),
        (
            "Issue › selected",
            lambda w, ws: _select(ws.show_screen("Issue").issue_tab, _long_word_person),
        ),  # type: ignore[attr-defined]
        ("Issue › Issued credentials › selected", _register_selected),
    ],
    "admin": [("People › selected", _selected("People"))],
}


def _issue(window: MainWindow, workspace: WorkspaceView) -> None:
    """The passphrase dialog issuing to everyone on the list, the long names first. (The demo has
    nobody eligible, so the Issue button is disabled; its handler builds the same dialog.)"""
    tab = workspace.show_screen("Issue").issue_tab  # type: ignore[attr-defined]
    tab.select_people({c.person_id for c in tab.model.rows})
    tab._on_issue_clicked()


def _revoke(window: MainWindow, workspace: WorkspaceView) -> None:
    view = workspace.show_screen("Issue")
    register = _tab(view, view.register)  # type: ignore[attr-defined]
    _select(register, lambda held: held.revoked is None)
    register.revoke.click()


def _renew(window: MainWindow, workspace: WorkspaceView) -> None:
    view = workspace.show_screen("Issue")
    register = _tab(view, view.register)  # type: ignore[attr-defined]
    for index in range(register.model.rowCount()):
        register.table.selectRow(index)
        if register.renew.isEnabled():
            break
    register.renew.click()


# The dialogs each role meets, each opened by the button a person presses: role -> [(name, do)].
DIALOGS: dict[str, list[tuple[str, Callable[[MainWindow, WorkspaceView], None]]]] = {
    "trainee": [
        ("Change password", lambda w, ws: ws.show_screen("Home").change_password.click()),  # type: ignore[attr-defined]
        (
            "Log hours",
            lambda w, ws: _tab(v := ws.show_screen("My credentials"), v.hours).log.click(),  # type: ignore[attr-defined]
        ),
        ("Correct hours", lambda w, ws: _correct(ws)),
    ],
    "trainer": [
        ("Reject hours", lambda w, ws: _reject(ws)),
        ("Withdraw observation", lambda w, ws: _withdraw(ws)),
        ("New module", lambda w, ws: ws.show_screen("Authoring").new.click()),  # type: ignore[attr-defined]
        ("New scenario", lambda w, ws: ws.show_screen("Scenario studio").new.click()),  # type: ignore[attr-defined]
        ("Scenario history", lambda w, ws: ws.show_screen("Scenario studio").history.click()),  # type: ignore[attr-defined]
        ("Compare versions", lambda w, ws: _compare(ws)),
        ("Choice analytics", lambda w, ws: _analytics(ws)),
    ],
    "manager": [("Issue (passphrase)", _issue), ("Revoke", _revoke), ("Renew", _renew)],
    "admin": [
        ("Add person", lambda w, ws: ws.show_screen("People").add.click()),  # type: ignore[attr-defined]
        ("Roles", lambda w, ws: _people(ws, "roles")),
        ("Reset password", lambda w, ws: _people(ws, "reset")),
        ("New passphrase", lambda w, ws: _keys(ws, "change")),
        ("Replace key", lambda w, ws: _keys(ws, "replace")),
    ],
}


def _compare(workspace: WorkspaceView) -> None:
    """The readable diff of the module the hostile pass republished with a long title."""
    view = workspace.show_screen("Content library")
    _select(view, lambda doc: (doc.live_number or 0) >= 2)
    view.versions.setCurrentRow(0)  # type: ignore[attr-defined]
    view.compare.click()  # type: ignore[attr-defined]


def _analytics(workspace: WorkspaceView) -> None:
    """The choice analytics window of the first published scenario (a window, not a dialog:
    handed to the audit's stand-in for exec to be shot and closed like one)."""
    view = workspace.show_screen("Content library")
    _select(view, lambda doc: doc.kind == "scenario" and doc.live_number is not None)
    view.analytics.click()  # type: ignore[attr-defined]
    QDialog.exec(view.analytics_window)  # type: ignore[attr-defined, arg-type]


def _correct(workspace: WorkspaceView) -> None:
    view = workspace.show_screen("My credentials")
    hours = _tab(view, view.hours)  # type: ignore[attr-defined]
    _select(hours, lambda row: row.status == field_hours.REJECTED)
    hours.correct.click()


def _reject(workspace: WorkspaceView) -> None:
    view = workspace.show_screen("Sign-offs")
    _select(view, lambda row: row.person_name == LONG_NAME)
    view.reject.click()  # type: ignore[attr-defined]


def _withdraw(workspace: WorkspaceView) -> None:
    view = workspace.show_screen("Observations")
    _select(view, lambda row: not row.withdrawn)
    view.withdraw.click()  # type: ignore[attr-defined]


def _people(workspace: WorkspaceView, button: str) -> None:
    view = workspace.show_screen("People")
    _select(view, lambda person: person.full_name == LONG_NAME)
    getattr(view, button).click()


def _keys(workspace: WorkspaceView, button: str) -> None:
    getattr(workspace.show_screen("Organization").keys_panel, button).click()  # type: ignore[attr-defined]


class Audit:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.app = QApplication.instance() or QApplication(sys.argv[:1])
        add_bundled_fonts(self.app)  # as trainer.app.run does: names in any script show
        paths = AppPaths(Path(tempfile.mkdtemp(prefix="cvi-audit-")))
        self.ctx = AppContext(
            open_db=lambda: _open(paths, None, True),
            clock=SystemClock(),
            paths=paths,
            content_root=bundled_content_root(),
            demo=True,
        )
        self.window = MainWindow(self.ctx)
        self.window.show()
        add_hostile_names(self.ctx)
        self.role, self.size = "-", SIZES[0][0]
        self.expected: str | None = None  # the dialog a button is about to open
        # (role, page) -> size -> (png path relative to out, problems)
        self.shots: dict[tuple[str, str], dict[str, tuple[str, list[Problem]]]] = {}

    def shoot(self, role: str, page: str, size: str) -> None:
        settle(self.app)
        self.record(role, page, size, self.window, audit(self.window))

    def record(
        self, role: str, page: str, size: str, shown: QWidget, problems: list[Problem]
    ) -> None:
        name = f"{size.replace('% text', 'pct')}/{slug(role) or 'signed-out'}-{slug(page)}.png"
        (self.out / name).parent.mkdir(parents=True, exist_ok=True)
        shown.grab().save(str(self.out / name))
        self.shots.setdefault((role, page), {})[size] = (name, problems)
        for problem in problems:
            print(f"{role} | {page} | {size} | {problem}", flush=True)

    def shoot_dialog(self, dialog: QWidget, name: str) -> None:
        """Show a dialog beside the window as large as it likes, but no larger than the window
        (standing in for the screen), and check it fits there with nothing cut."""
        room = self.window.size()
        dialog.show()
        settle(self.app)
        size_on_screen(dialog, room)
        settle(self.app)
        self.record(self.role, f"dialog: {name}", self.size, dialog, audit_dialog(dialog, room))

    def _caught(self, dialog: QDialog) -> QDialog.DialogCode:
        """Stands in for QDialog.exec during the audit: shoot the dialog, then cancel it."""
        name, self.expected = self.expected or dialog.windowTitle(), None
        self.shoot_dialog(dialog, name)
        dialog.close()
        dialog.deleteLater()
        return QDialog.DialogCode.Rejected

    @contextmanager
    def dialogs_shown_not_run(self) -> Iterator[None]:
        saved = QDialog.exec, QMessageBox.exec

        def caught(dialog: QDialog) -> QDialog.DialogCode:
            return self._caught(dialog)

        QDialog.exec = QMessageBox.exec = caught  # type: ignore[method-assign, assignment]
        try:
            yield
        finally:
            QDialog.exec, QMessageBox.exec = saved  # type: ignore[method-assign]

    def open_dialog(self, name: str, do: Callable[[], object]) -> None:
        self.expected = name
        do()
        if self.expected is not None:  # nothing was opened
            self.expected = None
            problem = Problem("dialog not opened", name, "its button opened nothing")
            self.shots.setdefault((self.role, f"dialog: {name}"), {})[self.size] = ("", [problem])
            print(f"{self.role} | dialog: {name} | {self.size} | {problem}", flush=True)

    def shoot_help(self) -> None:
        """The Help menu's windows, on the roles of whoever is signed in."""
        self.window._on_guide_triggered()
        guide = self.window.guide
        assert guide is not None
        self.shoot_dialog(guide, "User guide")
        guide.close()
        self.open_dialog("Keyboard shortcuts", self.window._on_shortcuts_triggered)

    def shoot_setup(self, size: str) -> None:
        """The first-run wizard, both steps, with a long name typed and a problem shown."""
        from trainer.ui.views.setup import SetupView

        view = SetupView(self.ctx)
        self.window.stack.addWidget(view)
        self.window.stack.setCurrentWidget(view)
        view.org_name.setText(HOSTILE_ORGANIZATION)
        view.problem.setText("The two signing passphrases are not the same. Type them again.")
        self.shoot("-", "Set-up wizard", size)
        view._show_step(1)
        view.admin_name.setText(LONG_NAME)
        self.shoot("-", "Set-up wizard › step 2", size)
        self.window.stack.removeWidget(view)
        view.deleteLater()

    def sign_in(self, role: str) -> WorkspaceView:
        self.window.sign_out()
        view = self.window.sign_in_view
        view.username.setText(role)
        view.password.setText(PASSWORDS[role])
        view.button.click()
        settle(self.app)
        workspace = self.window.workspace
        if workspace is None:
            raise SystemExit(f"could not sign in as {role}")
        return workspace

    def run(self) -> None:
        for size, width, height, steps in SIZES:
            self.window.zoom(0)
            for _ in range(steps):
                self.window.zoom(+1)
            self.window.resize(width, height)
            self.window.sign_out()
            self.role, self.size = "-", size
            self.shoot_setup(size)
            self.window.sign_out()
            self.shoot("-", "Sign in", size)
            with self.dialogs_shown_not_run():
                self.shoot_help()
                self.open_dialog("About", self.window._on_about_triggered)
            for role in PASSWORDS:
                self.role = role
                workspace = self.sign_in(role)
                for page in workspace.labels():
                    view = workspace.show_screen(page)
                    self.shoot(role, page, size)
                    for tabs in view.findChildren(QTabWidget):
                        if not tabs.isVisibleTo(view) or tabs.count() < 2:
                            continue
                        for index in range(1, tabs.count()):
                            tabs.setCurrentIndex(index)
                            tab = tabs.tabText(index).replace("&", "")
                            self.shoot(role, f"{page} › {tab}", size)
                        tabs.setCurrentIndex(0)
                for page, do in STATES.get(role, []):
                    do(self.window, workspace)
                    self.shoot(role, page, size)
                with self.dialogs_shown_not_run():
                    self.shoot_help()
                    for name, opens in DIALOGS.get(role, []):
                        self.open_dialog(name, lambda o=opens, ws=workspace: o(self.window, ws))
        self.window.sign_out()
        self.window.close()
        self.ctx.dispose()

    def write_index(self) -> None:
        sizes = [s[0] for s in SIZES]
        rows = []
        for (role, page), by_size in self.shots.items():
            cells = []
            for size in sizes:
                name, problems = by_size.get(size, ("", []))
                notes = "".join(f"<li>{html.escape(str(p))}</li>" for p in problems)
                cells.append(
                    f'<td><a href="{html.escape(name)}"><img src="{html.escape(name)}" '
                    f'alt="{html.escape(f"{role} {page} {size}")}"></a>'
                    + (f'<ul class="bad">{notes}</ul>' if notes else '<p class="ok">fits</p>')
                    + "</td>"
                )
            rows.append(
                f"<tr><th>{html.escape(role)}<br>{html.escape(page)}</th>{''.join(cells)}</tr>"
            )
        total = sum(len(p) for by in self.shots.values() for _, p in by.values())
        (self.out / "index.html").write_text(
            "<!doctype html><meta charset='utf-8'><title>CVI Trainer screen audit</title>"
            "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;vertical-align:top;padding:4px}"
            "th{text-align:left;width:10em}img{width:100%}td{width:30%}"
            ".bad{color:#a00;font-size:small}.ok{color:#070}</style>"
            f"<h1>Screen audit</h1><p>{len(self.shots)} pages, {total} problems.</p>"
            "<table><tr><th></th>"
            + "".join(f"<th>{html.escape(s)}</th>" for s in sizes)
            + "</tr>"
            + "".join(rows)
            + "</table>",
            encoding="utf-8",
        )

    def copy_readme(self, target: Path) -> None:
        target.mkdir(parents=True, exist_ok=True)
        for readme_name, (role, page, size) in README.items():
            shot = self.shots.get((role, page), {}).get(size)
            if shot is None:
                print(f"README image {readme_name}: no shot of {role} {page} at {size}")
                continue
            shutil.copyfile(self.out / shot[0], target / f"{readme_name}.png")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="screen-audit", type=Path)
    parser.add_argument("--readme", type=Path, help="also save README's images here")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    run = Audit(args.out)
    run.run()
    run.write_index()
    if args.readme is not None:
        run.copy_readme(args.readme)
    problems = sum(len(p) for by in run.shots.values() for _, p in by.values())
    print(
        f"{len(run.shots)} pages x {len(SIZES)} sizes; {problems} problems; see {args.out}/index.html"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
