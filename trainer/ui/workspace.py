"""The signed-in workspace: a navigation list and the screens the person's roles allow."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from trainer.core.models import Person
from trainer.core.roles import Role
from trainer.ui.context import AppContext
from trainer.ui.widgets import PageStack

Screen = Callable[[AppContext, "Person"], QWidget]


def screens() -> list[tuple[str, frozenset[Role], Screen]]:
    """(navigation label, roles that see it, screen). A screen appears once its feature exists.

    Imported here, after sign-in, so the sign-in window does not wait for the database layer.
    """
    from trainer.ui.views.authoring import AuthoringView
    from trainer.ui.views.home import HomeView
    from trainer.ui.views.issue import IssueView
    from trainer.ui.views.library import LibraryView
    from trainer.ui.views.my_credentials import MyCredentialsView
    from trainer.ui.views.observations import ObservationsView
    from trainer.ui.views.organization import OrganizationView
    from trainer.ui.views.people import PeopleView
    from trainer.ui.views.policies import PoliciesView
    from trainer.ui.views.practice_record import MyPracticeRecordView
    from trainer.ui.views.scenario_studio import ScenarioStudioView
    from trainer.ui.views.scenarios import ScenariosView
    from trainer.ui.views.signoffs import SignOffsView
    from trainer.ui.views.team import TeamView
    from trainer.ui.views.training import MyTrainingView
    from trainer.ui.views.training_sessions import TrainingSessionsView
    from trainer.ui.views.verify import VerifyView

    return [
        ("Home", frozenset(Role), HomeView),
        ("My training", frozenset({Role.TRAINEE}), MyTrainingView),
        ("Scenarios", frozenset({Role.TRAINEE}), ScenariosView),
        ("My credentials", frozenset({Role.TRAINEE}), MyCredentialsView),
        ("My practice record", frozenset({Role.TRAINEE}), MyPracticeRecordView),
        ("Authoring", frozenset({Role.TRAINER, Role.ADMIN}), AuthoringView),
        ("Scenario studio", frozenset({Role.TRAINER, Role.ADMIN}), ScenarioStudioView),
        ("Sign-offs", frozenset({Role.TRAINER}), SignOffsView),
        ("Observations", frozenset({Role.TRAINER}), ObservationsView),
        ("Training sessions", frozenset({Role.TRAINER}), TrainingSessionsView),
        ("Cohort", frozenset({Role.TRAINER}), TeamView),
        ("Content library", frozenset({Role.TRAINER, Role.ADMIN}), LibraryView),
        ("Team", frozenset({Role.MANAGER}), TeamView),
        ("Issue", frozenset({Role.MANAGER}), IssueView),
        ("Verify", frozenset({Role.MANAGER}), VerifyView),
        ("Program policies", frozenset(Role), PoliciesView),
        ("People", frozenset({Role.ADMIN}), PeopleView),
        ("Organization", frozenset({Role.ADMIN}), OrganizationView),
    ]


class WorkspaceView(QWidget):
    """Navigation list on the left, the chosen screen on the right."""

    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.nav = QListWidget()
        self.nav.setAccessibleName("Navigation")
        self.nav.setWordWrap(True)  # at large text sizes a label wraps instead of being cut
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.pages = PageStack()
        self.screens: dict[str, QWidget] = {}
        added: set[Screen] = set()
        for label, roles, make in screens():
            if person.roles & roles and make not in added:  # one screen per view class
                added.add(make)
                widget = make(ctx, person)
                go_to = getattr(widget, "go_to", None)  # a screen that points to another
                if go_to is not None:
                    go_to.connect(self.show_screen)
                self.screens[label] = widget
                self.pages.addWidget(widget)
                item = QListWidgetItem(label, self.nav)
                item.setData(Qt.ItemDataRole.AccessibleTextRole, label)
        self._fit_nav()
        self.nav.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.nav.currentRowChanged.connect(self._scroll_to_top_left)
        self.nav.setCurrentRow(0)
        layout = QHBoxLayout(self)
        layout.addWidget(self.nav)
        layout.addWidget(self.pages, 1)

    def _fit_nav(self) -> None:
        """Wide enough for the longest label on one line, except at large text sizes, where the
        list takes at most a fifth of the window and a long label wraps at its spaces."""
        metrics = self.nav.fontMetrics()
        margin = 4 * metrics.horizontalAdvance("M")
        widest = max((metrics.horizontalAdvance(label) for label in self.screens), default=100)
        words = [word for label in self.screens for word in label.split()]
        longest_word = max((metrics.horizontalAdvance(word) for word in words), default=100)
        share = self.window().width() // 5
        self.nav.setFixedWidth(max(longest_word + margin, min(widest + margin, share)))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        self._fit_nav()  # its share of the window
        super().resizeEvent(event)

    def _scroll_to_top_left(self) -> None:
        """A newly shown page starts at its top-left, not where the last page was scrolled to."""
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QAbstractScrollArea):
            parent = parent.parentWidget()
        if parent is not None:
            parent.horizontalScrollBar().setValue(0)
            parent.verticalScrollBar().setValue(0)

    def follow_app_font(self) -> None:
        self._fit_nav()

    def save_all(self) -> None:
        """Let every screen write what it holds (reading position, time) before it goes."""
        for widget in self.screens.values():
            save = getattr(widget, "save_state", None)
            if save is not None:
                save()

    def labels(self) -> list[str]:
        return list(self.screens)

    def show_screen(self, label: str) -> QWidget:
        self.nav.setCurrentRow(self.labels().index(label))
        return self.screens[label]
