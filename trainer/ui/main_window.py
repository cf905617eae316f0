"""The one main window: first-run set-up, sign-in, and the role-aware workspace."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QMainWindow,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QWidget,
)

from trainer import APP_NAME, __version__
from trainer.core.roles import Role
from trainer.ui import messages
from trainer.ui.context import AppContext
from trainer.ui.views.sign_in import SignInView
from trainer.ui.widgets import PageStack

if TYPE_CHECKING:
    from PySide6.QtGui import QAction, QCloseEvent

    from trainer.core.models import Person
    from trainer.ui.idle import IdleWatcher
    from trainer.ui.views.guide import GuideWindow
    from trainer.ui.views.setup import SetupView
    from trainer.ui.workspace import WorkspaceView


class StartupWorker(QThread):
    """Start-up's database work (open, migrate, seed, import content) on its own thread, so the
    sign-in form is drawn and takes typing meanwhile. Results reach the GUI thread by signal."""

    succeeded = Signal(object)  # what the work returned
    failed = Signal(object)  # the exception it raised

    def __init__(self, work: Callable[[], Any], parent: QMainWindow) -> None:
        super().__init__(parent)
        self.work = work

    def run(self) -> None:
        try:
            result = self.work()
        except Exception as exc:  # handed to the GUI thread, which shows it
            self.failed.emit(exc)
        else:
            self.succeeded.emit(result)


class MainWindow(QMainWindow):
    database_ready = Signal(object)  # start-up's database work is done (its result)
    database_failed = Signal(object)  # ... or raised this

    def __init__(
        self, ctx: AppContext, *, idle_timeout_ms: int | None = None, opening: bool = False
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.idle_timeout_ms = idle_timeout_ms  # tests shorten it; else the organization's setting
        self.person: Person | None = None
        self.workspace: WorkspaceView | None = None
        self.idle: IdleWatcher | None = None
        self.setWindowTitle(APP_NAME)
        self.setAccessibleName(APP_NAME)
        self.resize(1100, 720)

        self.stack = PageStack()  # a hidden page's stale size must not widen the shown one
        # At large text sizes the content scrolls instead of pushing the window off the screen.
        scroller = QScrollArea()
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        # Not a stop of its own for Tab (an unnamed stop between "Sign in" and "Username"); it
        # still scrolls to whatever has the focus.
        scroller.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroller.setWidget(self.stack)
        self.setCentralWidget(scroller)
        self.sign_in_view = SignInView(ctx)
        self.sign_in_view.signed_in.connect(self._on_sign_in_view_signed_in)
        self.stack.addWidget(self.sign_in_view)
        self.sign_in_view.username.setFocus()  # typing goes there from the first paint
        self.setup_view: SetupView | None = None
        self.startup: StartupWorker | None = None
        self.progress: QProgressDialog | None = None

        self.who = QLabel()
        self.who.setAccessibleName("Signed-in person")
        self.sign_out_button = QPushButton("Sign &out")
        self.sign_out_button.setAccessibleName("Sign out")
        self.sign_out_button.clicked.connect(lambda: self.sign_out())
        self.statusBar().addPermanentWidget(self.who)
        self.statusBar().addPermanentWidget(self.sign_out_button)
        self._base_point_size = QApplication.font().pointSizeF()
        self.zoom_steps = 0
        self.sign_out_action: QAction | None = None
        self.guide_action: QAction | None = None
        self.guide: GuideWindow | None = None
        # Before the first paint (~1 ms): built later, the menu bar appeared above a form already
        # drawn and pushed it down, and while the demo is seeded that redraw can lag for seconds.
        self._build_menus()

        if opening:  # trainer.app opens the database off the GUI thread, then calls database_opened
            self.sign_in_view.set_waiting("Opening the database…")
            self._set_signed_in_chrome(False)
        elif ctx.organization_name is not None or self._organization_name() is not None:
            self._show_sign_in()
        else:
            self._show_setup()

    def _organization_name(self) -> str | None:
        if self.ctx.organization_name is not None and not self.ctx.db_is_open:
            return self.ctx.organization_name
        from trainer.core.services import accounts

        with self.ctx.db.begin() as session:
            org = accounts.get_organization(session)
            return org.name if org else None

    def open_database(self, work: Callable[[], Any], progress: str | None = None) -> None:
        """Run start-up's database work off the GUI thread (trainer.app); with ``progress``, a
        progress window says what is going on (seeding the demo takes seconds)."""
        if progress:
            self.progress = QProgressDialog(progress, "", 0, 0, self)
            self.progress.setCancelButton(None)  # the work cannot be stopped half-way
            self.progress.setWindowTitle(APP_NAME)
            self.progress.setAccessibleName("Start-up progress")
            self.progress.setMinimumDuration(0)
            self.progress.show()
        self.startup = StartupWorker(work, self)
        self.startup.succeeded.connect(self._on_startup_succeeded)
        self.startup.failed.connect(self._on_startup_failed)
        self.startup.start()

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    def _on_startup_succeeded(self, result: object) -> None:
        self._close_progress()
        self.database_opened()
        self.database_ready.emit(result)

    def _on_startup_failed(self, exc: object) -> None:
        self._close_progress()
        self.database_failed.emit(exc)

    def wait_for_startup(self) -> None:
        """Closing while the database is still being opened waits for that to finish (a thread
        cannot be stopped half-way through a transaction)."""
        if self.startup is not None:
            self.startup.wait()

    def database_opened(self) -> None:
        """Start-up has opened the database: signing in works now (what was typed is kept), or
        the first-run set-up appears when there is no organization yet."""
        name = self._organization_name()
        self.sign_in_view.set_ready(name)  # also for after the set-up: signing in works then
        if name is None:
            self._show_setup()

    def _build_menus(self) -> None:
        from PySide6.QtGui import QAction, QKeySequence

        file_menu = self.menuBar().addMenu("&File")
        self.sign_out_action = QAction("Sign &out", self)
        self.sign_out_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.sign_out_action.triggered.connect(lambda: self.sign_out())
        file_menu.addAction(self.sign_out_action)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        view_menu = self.menuBar().addMenu("&View")
        for text, keys, step in (
            (
                "Zoom &in",
                [QKeySequence(QKeySequence.StandardKey.ZoomIn), QKeySequence("Ctrl+=")],
                1,
            ),
            ("Zoom &out", [QKeySequence(QKeySequence.StandardKey.ZoomOut)], -1),
            ("&Actual size", [QKeySequence("Ctrl+0")], 0),
        ):
            action = QAction(text, self)
            action.setShortcuts(keys)
            action.triggered.connect(lambda _=False, s=step: self.zoom(s))
            view_menu.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        self.guide_action = QAction("User &guide", self)
        # F1 everywhere, plus the platform's own help key (Help on Linux, Cmd+? on macOS).
        f1 = QKeySequence("F1")
        native = QKeySequence.keyBindings(QKeySequence.StandardKey.HelpContents)
        self.guide_action.setShortcuts([f1, *(k for k in native if k != f1)])
        self.guide_action.triggered.connect(self._on_guide_triggered)
        help_menu.addAction(self.guide_action)
        shortcuts = QAction("&Keyboard shortcuts", self)
        shortcuts.setShortcut(QKeySequence("Ctrl+/"))
        shortcuts.triggered.connect(self._on_shortcuts_triggered)
        help_menu.addAction(shortcuts)
        help_menu.addSeparator()
        about = QAction("&About CVI Trainer", self)
        about.triggered.connect(self._on_about_triggered)
        help_menu.addAction(about)
        self._set_signed_in_chrome(self.person is not None)

    def zoom(self, step: int) -> None:
        """Scale all text: the app starts at the system's size; zoom goes from 70% to 250%."""
        self.zoom_steps = 0 if step == 0 else max(-3, min(15, self.zoom_steps + step))
        font = QApplication.font()
        font.setPointSizeF(self._base_point_size * (1 + 0.1 * self.zoom_steps))
        QApplication.setFont(font)
        # Widgets with a font of their own (headings, the navigation) follow explicitly.
        followers = [w for w in self.findChildren(QWidget) if hasattr(w, "follow_app_font")]

        def follow() -> None:  # after the new font has reached every widget
            import shiboken6

            for widget in followers:
                if shiboken6.isValid(widget):  # a window closed meanwhile (its labels deleted)
                    widget.follow_app_font()  # type: ignore[attr-defined]

        QTimer.singleShot(0, follow)
        self.statusBar().showMessage(f"Text size {100 + 10 * self.zoom_steps}%", 3000)

    def _on_guide_triggered(self) -> None:
        """Open the guide on the signed-in person's roles (every role before sign-in)."""
        from trainer.ui.views.guide import GuideWindow

        if self.guide is not None:
            self.guide.close()
            self.guide.deleteLater()
        self.guide = GuideWindow(self, self.person.roles if self.person else Role)
        self.guide.show()
        self.guide.raise_()
        self.guide.activateWindow()
        self.guide.tabs.setFocus()

    def _on_shortcuts_triggered(self) -> None:
        from trainer.ui.dialogs import ShortcutsDialog
        from trainer.ui.views.guide import shortcut_rows

        ShortcutsDialog.ask(self, shortcut_rows(self))

    def _on_about_triggered(self) -> None:
        messages.info(
            self,
            "About CVI Trainer",
            f"{APP_NAME} {__version__}\nTraining and credentials for community violence "
            "intervention workers.",
        )

    # --- states -----------------------------------------------------------------------------

    def _show_setup(self) -> None:
        from trainer.ui.views.setup import SetupView

        self.setup_view = SetupView(self.ctx)
        self.setup_view.organization_created.connect(self._on_setup_view_organization_created)
        self.stack.addWidget(self.setup_view)
        self.stack.setCurrentWidget(self.setup_view)
        self._set_signed_in_chrome(False)

    def _show_sign_in(self, notice: str = "") -> None:
        self.sign_in_view.refresh(notice, self._organization_name())
        self.stack.setCurrentWidget(self.sign_in_view)
        self._set_signed_in_chrome(False)

    def _set_signed_in_chrome(self, signed_in: bool) -> None:
        self.sign_out_button.setVisible(signed_in)
        if self.sign_out_action is not None:
            self.sign_out_action.setEnabled(signed_in)
        if not signed_in:
            self.who.setText("Not signed in")

    def _on_setup_view_organization_created(self, admin: Person) -> None:
        assert self.setup_view is not None
        self.stack.removeWidget(self.setup_view)
        self.setup_view.deleteLater()
        self.setup_view = None
        self._show_sign_in(f"Your organization is ready. Sign in as {admin.username}.")

    def _on_sign_in_view_signed_in(self, person: Person) -> None:
        from trainer.ui.views.home import ask_new_password

        if person.must_change_password and not ask_new_password(
            self,
            self.ctx,
            person,
            "Your password was set by an administrator. Choose your own password to go on.",
        ):
            self._show_sign_in("You need to choose your own password before you can go on.")
            return
        self.person = person
        from trainer.ui.workspace import WorkspaceView  # the screens load after sign-in

        self.workspace = WorkspaceView(self.ctx, person)
        self.stack.addWidget(self.workspace)
        self.stack.setCurrentWidget(self.workspace)
        roles = ", ".join(r.label for r in sorted(person.roles, key=list(Role).index))
        self.who.setText(f"Signed in as {person.full_name} ({roles})")
        self._set_signed_in_chrome(True)
        self.workspace.nav.setFocus()
        self._start_idle_watch()

    def _start_idle_watch(self) -> None:
        timeout = self.idle_timeout_ms
        if timeout is None:
            from trainer.core.services import accounts

            with self.ctx.db.begin() as session:
                org = accounts.get_organization(session)
                timeout = (org.inactivity_minutes if org else 15) * 60_000
        from trainer.ui.idle import IdleWatcher

        self.idle = IdleWatcher(timeout, self)
        self.idle.timed_out.connect(self._on_idle_timed_out)
        self.idle.start()

    def _on_idle_timed_out(self) -> None:
        self.sign_out("You were signed out because the app was not used for a while.")

    def sign_out(self, notice: str = "You have signed out.") -> None:
        if self.idle is not None:
            self.idle.stop()
            self.idle.deleteLater()
            self.idle = None
        if self.workspace is not None:
            self.workspace.save_all()
            self.stack.removeWidget(self.workspace)
            self.workspace.deleteLater()
            self.workspace = None
        self.person = None
        if self.guide is not None:  # the next person's guide opens on their own roles
            self.guide.close()
        self._show_sign_in(notice)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.wait_for_startup()
        if self.idle is not None:
            self.idle.stop()
        if self.workspace is not None:
            self.workspace.save_all()
        super().closeEvent(event)
