"""Small building blocks shared by screens: headings, tables, buttons with accessible names."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QWidget,
)

if TYPE_CHECKING:
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QResizeEvent
    from PySide6.QtWidgets import QListWidget, QTableView


class StyledLabel(QLabel):
    """A label with its own font (bold, larger, fixed-width) that still follows the app's text
    size: MainWindow.zoom calls follow_app_font() on every widget that has it."""

    def __init__(
        self, text: str = "", *, scale: float = 1.0, bold: bool = False, mono: bool = False
    ) -> None:
        super().__init__(text)
        self.scale, self.bold, self.mono = scale, bold, mono
        self.setWordWrap(not mono)
        self.follow_app_font()

    def follow_app_font(self) -> None:
        size = QApplication.font().pointSizeF() * self.scale
        font = QApplication.font()
        if self.mono:
            from PySide6.QtGui import QFontDatabase  # only the demo's account list needs it

            font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(size)
        font.setBold(self.bold)
        self.setFont(font)


class PageStack(QStackedWidget):
    """A stack as big as the page it shows: QStackedWidget asks for room for its widest page,
    shown or not, which made the window scroll sideways on every page at large text sizes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.currentChanged.connect(self._fit_current)

    def addWidget(self, page: QWidget) -> int:  # noqa: N802
        index = super().addWidget(page)
        self._fit_current()
        return index

    def _fit_current(self) -> None:
        current = self.currentWidget()
        for index in range(self.count()):
            page = self.widget(index)
            ignored = QSizePolicy.Policy.Ignored
            if page is current:
                page.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
            else:  # a hidden page's size must not count in the stack's layout
                page.setSizePolicy(ignored, ignored)
        self.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802
        current = self.currentWidget()
        return current.sizeHint() if current is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        current = self.currentWidget()
        return current.minimumSizeHint() if current is not None else super().minimumSizeHint()


def heading(text: str, scale: float = 1.4) -> QLabel:
    return StyledLabel(text, scale=scale, bold=True)


def button(text: str, on_click: Callable[[], None], name: str | None = None) -> QPushButton:
    b = QPushButton(text)
    b.setAccessibleName(name or text.replace("&", "").rstrip("…"))
    b.clicked.connect(on_click)
    return b


def table(name: str, parent: QWidget | None = None) -> QTableView:
    # Imported here: the sign-in window has no tables, and each Qt class costs start-up time.
    from PySide6.QtWidgets import QAbstractItemView

    from trainer.ui.fit_table import FitTable

    # Columns fit the table's width; the widest wrap (FitTable) instead of scrolling sideways.
    view = FitTable(parent)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside it
    view.verticalHeader().hide()
    view.setAlternatingRowColors(True)
    return view


def wrap_list(view: QListWidget) -> None:
    """Let a list's items wrap to its width: a long item (a sentence, a policy title) would
    otherwise make the list scroll sideways."""
    from PySide6.QtCore import Qt

    view.setWordWrap(True)
    view.setTextElideMode(Qt.TextElideMode.ElideNone)
    view.setUniformItemSizes(False)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setResizeMode(view.ResizeMode.Adjust)  # re-wrap when the list is resized


def problem_label() -> QLabel:
    label = StyledLabel(bold=True)
    label.setAccessibleName("Problem")
    label.setStyleSheet("color: #a40000;")  # the words say it is a problem; colour only helps
    return label


class ElidingLabel(QLabel):
    """One line of text that never widens its parent: when the room is too narrow it ends in an
    ellipsis and its tooltip (and accessible name) hold the whole text. For names, titles and
    other words people choose, which may be 200 characters or one unbroken word."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def full_text(self) -> str:
        return self._full

    def setText(self, text: str) -> None:  # noqa: N802
        from PySide6.QtCore import Qt

        self._full = text
        self.setTextFormat(Qt.TextFormat.PlainText)  # a name is never markup
        self.setAccessibleName(text)
        self.updateGeometry()
        self._elide()

    def sizeHint(self) -> QSize:  # noqa: N802
        metrics = self.fontMetrics()
        margins = self.contentsMargins()
        width = metrics.horizontalAdvance(self._full) + margins.left() + margins.right() + 2
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        width = self.fontMetrics().horizontalAdvance(self._full[:3] + "\u2026")
        return QSize(min(width, self.sizeHint().width()), super().minimumSizeHint().height())

    def _elide(self) -> None:
        from PySide6.QtCore import Qt

        room = self.contentsRect().width()
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, room)
        QLabel.setText(self, shown)
        self.setToolTip(self._full if shown != self._full else "")

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        from PySide6.QtCore import QEvent

        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.updateGeometry()
            self._elide()
