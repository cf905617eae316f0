"""Take the README screenshots from the real app on demo data.

    xvfb-run -s "-screen 0 1280x800x24" python scripts/screenshots.py [OUT_DIR]

Signs in as each demo role, opens each screen it has and saves a PNG of the main window.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication

from trainer.app import _open
from trainer.core.clock import SystemClock
from trainer.core.paths import AppPaths, bundled_content_root
from trainer.core.services import credential_register
from trainer.ui.context import AppContext
from trainer.ui.main_window import MainWindow

SHOTS = [
    ("sign-in", None, None),
    ("trainee-home", "trainee", "Home"),
    ("trainee-my-training", "trainee", "My training"),
    ("trainee-reader", "trainee", "reader"),
    ("trainee-reader-200", "trainee", "reader-200"),
    ("trainee-check", "trainee", "check"),
    ("trainee-scenario", "trainee", "scenario"),
    ("trainee-debrief", "trainee", "debrief"),
    ("trainer-authoring", "trainer", "Authoring"),
    ("trainer-library", "trainer", "Content library"),
    ("trainee-credentials", "sam", "My credentials"),
    ("trainee-whats-left", "keisha", "whats-left"),
    ("trainer-signoffs", "trainer", "Sign-offs"),
    ("trainer-observations", "trainer", "Observations"),
    ("trainer-sessions", "trainer", "Training sessions"),
    ("manager-policies", "manager", "Program policies"),
    ("trainee-practice-record", "trainee", "My practice record"),
    ("trainee-policies", "trainee", "Program policies"),
    ("manager-team", "manager", "Team"),
    ("manager-issue", "manager", "Issue"),
    ("manager-register", "manager", "register"),
    ("manager-verify", "manager", "verify"),
    ("admin-people", "admin", "People"),
    ("admin-organization", "admin", "Organization"),
]
PASSWORDS = {
    "admin": "demo-admin-pass",
    "trainer": "demo-trainer-pass",
    "trainee": "demo-trainee-pass",
    "manager": "demo-manager-pass",
    "sam": "demo-trainee-pass",
    "keisha": "demo-trainee-pass",
}


def settle(app: QApplication) -> None:
    for _ in range(5):
        app.processEvents()


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    paths = AppPaths(Path(tempfile.mkdtemp(prefix="cvi-shots-")))
    ctx = AppContext(
        open_db=lambda: _open(paths, None, True),
        clock=SystemClock(),
        paths=paths,
        content_root=bundled_content_root(),
        demo=True,
    )
    window = MainWindow(ctx)
    window.resize(1200, 760)
    window.show()
    settle(app)
    for name, role, screen in SHOTS:
        if role is not None:
            if window.person is None or role not in window.person.username:
                window.sign_out()
                window.sign_in_view.username.setText(role)
                window.sign_in_view.password.setText(PASSWORDS[role])
                window.sign_in_view.button.click()
            workspace = window.workspace
            assert workspace is not None, f"could not sign in as {role}"
            window.zoom(0)
            if screen in ("scenario", "debrief"):
                view = workspace.show_screen("Scenarios")
                view.list.table.selectRow(0)
                view.list.practice.click()
                view.player.pick(1)
                if screen == "debrief":
                    while view.stack.currentWidget() is view.player:
                        best = max(
                            range(len(view.player.play.offered)),
                            key=lambda i: view.player.play.offered[i][1].total_points,
                        )
                        view.player.pick(best + 1)
            elif screen == "whats-left":
                view = workspace.show_screen("My credentials")
                view.tabs.setCurrentIndex(1)
            elif screen == "register":
                view = workspace.show_screen("Issue")
                view.tabs.setCurrentIndex(1)
            elif screen == "verify":
                view = workspace.show_screen("Verify")
                pdf = Path(tempfile.mkdtemp(prefix="cvi-shots-")) / "certificate.pdf"
                with ctx.db.begin() as session:
                    held = credential_register.list_credentials(session, window.person)
                    valid = next(h for h in held if h.state(SystemClock().now()) == "valid")
                    pdf.write_bytes(
                        credential_register.certificate_pdf(session, window.person, valid.id)
                    )
                view.check_tab.verify_path(pdf)
            elif screen.startswith(("reader", "check")):
                view = workspace.show_screen("My training")
                view.open_module("core-02-ethics-boundaries-police", "role-clarity-with-police")
                if screen == "reader-200":
                    for _ in range(10):
                        window.zoom(+1)
                    settle(app)
                    view.reader.browser.scrollToAnchor("role-clarity-with-police")
                if screen == "check":
                    view.reader.check_button.click()
            else:
                view = workspace.show_screen(screen)
            if hasattr(view, "table") and hasattr(view, "model") and view.model.rowCount():
                view.table.selectRow(min(2, view.model.rowCount() - 1))
        settle(app)
        window.grab().save(str(out / f"{name}.png"))
        print(out / f"{name}.png")
    window.close()
    ctx.dispose()


if __name__ == "__main__":
    main()
