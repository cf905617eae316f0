"""Screen audit: every page of every demo role at 1100x720, 1366x768 and 200% text.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [OUT_DIR] [--readme DIR]

Seeds the demo, signs in as each role, opens each page it has (each tab of a page, and the
reader, check, scenario, debrief and verify states), saves a PNG of the main window per size under
OUT_DIR/<size>/ and writes OUT_DIR/index.html showing the sizes side by side. Prints one line per
problem (role | page | size | problem) and exits 1 if any page scrolls sideways, reaches past the
window, or cuts a label or button (trainer/ui/screen_audit.py). With --readme DIR the 1100x720
shots the README shows are also saved there under their README names.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # audit the code beside the script

from PySide6.QtWidgets import QApplication, QTabWidget

from trainer.app import _open
from trainer.core.clock import SystemClock
from trainer.core.paths import AppPaths, bundled_content_root
from trainer.core.services import credential_register
from trainer.ui.context import AppContext
from trainer.ui.main_window import MainWindow
from trainer.ui.screen_audit import Problem, audit
from trainer.ui.workspace import WorkspaceView

SIZES = [
    ("1100x720", 1100, 720, 0),
    ("1366x768", 1366, 768, 0),
    ("200% text", 1100, 720, 10),
    # The bad input: a small window, and the largest text size the app offers.
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


# Pages that exist only after something is done on a screen: role -> [(page name, do it)].
STATES: dict[str, list[tuple[str, Callable[[MainWindow, WorkspaceView], None]]]] = {
    "trainee": [
        ("My training › reader", lambda c, w: _reader(c, w, False)),
        ("My training › check", lambda c, w: _reader(c, w, True)),
        ("Scenarios › player", lambda c, w: _scenario(c, w, False)),
        ("Scenarios › debrief", lambda c, w: _scenario(c, w, True)),
    ],
    "manager": [("Verify › checked", _verify)],
}


class Audit:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.app = QApplication.instance() or QApplication(sys.argv[:1])
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
        # (role, page) -> size -> (png path relative to out, problems)
        self.shots: dict[tuple[str, str], dict[str, tuple[str, list[Problem]]]] = {}

    def shoot(self, role: str, page: str, size: str) -> None:
        settle(self.app)
        name = f"{size.replace('% text', 'pct')}/{slug(role) or 'signed-out'}-{slug(page)}.png"
        (self.out / name).parent.mkdir(parents=True, exist_ok=True)
        self.window.grab().save(str(self.out / name))
        problems = audit(self.window)
        self.shots.setdefault((role, page), {})[size] = (name, problems)
        for problem in problems:
            print(f"{role} | {page} | {size} | {problem}", flush=True)

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
            self.shoot("-", "Sign in", size)
            for role in PASSWORDS:
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
