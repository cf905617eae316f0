"""Small building blocks shared by screens: headings, tables, buttons with accessible names."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from PySide6.QtWidgets import QListWidget, QTableView, QTabWidget

    from trainer.ui.reflow import ElidingLabel as ElidingLabel
    from trainer.ui.reflow import FlowLayout as FlowLayout
    from trainer.ui.reflow import PathLabel as PathLabel
    from trainer.ui.reflow import ReflowSplitter as ReflowSplitter
    from trainer.ui.reflow import WrappingChoice as WrappingChoice
    from trainer.ui.reflow import flow_row as flow_row


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


def _count_only_current(pages: QTabWidget) -> None:
    from PySide6.QtWidgets import QSizePolicy

    current = pages.currentWidget()
    for index in range(pages.count()):
        page = pages.widget(index)
        ignored = QSizePolicy.Policy.Ignored
        if page is current:
            page.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        else:  # a hidden page's size must not count in the stack's layout
            page.setSizePolicy(ignored, ignored)
    pages.updateGeometry()


def size_by_current_tab(tabs: QTabWidget) -> QTabWidget:
    """Let a tab widget be as wide as the tab shown: Qt sizes it for its widest tab, shown or
    not, which widened the page at large text sizes."""
    tabs.currentChanged.connect(lambda _index: _count_only_current(tabs))
    _count_only_current(tabs)
    return tabs


class PageStack(QWidget):
    """Pages one at a time, the stack as big as the page shown. QStackedWidget asks for room
    for its widest and tallest page, shown or not (its layout counts hidden pages in its
    width and in its height for a width): pages scrolled sideways at large text sizes and
    the scenario player scrolled down under a tall debrief. Here the pages sit in a box
    layout, which does not count hidden widgets. The methods are QStackedWidget's."""

    currentChanged = Signal(int)  # noqa: N815  (QStackedWidget's name)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pages: list[QWidget] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._current = -1

    def addWidget(self, page: QWidget) -> int:  # noqa: N802
        self._pages.append(page)
        self._layout.addWidget(page, 1)
        page.setVisible(len(self._pages) == 1)
        if len(self._pages) == 1:
            self._current = 0
            self.currentChanged.emit(0)
        return len(self._pages) - 1

    def removeWidget(self, page: QWidget) -> None:  # noqa: N802
        """Take a page out (not deleted, hidden), as QStackedWidget does."""
        index = self.indexOf(page)
        if index < 0:
            return
        self._pages.pop(index)
        self._layout.removeWidget(page)
        page.hide()
        if index == self._current:
            self._current = -1
            if self._pages:
                self.setCurrentIndex(min(index, len(self._pages) - 1))
            else:
                self.currentChanged.emit(-1)
        elif index < self._current:
            self._current -= 1

    def count(self) -> int:
        return len(self._pages)

    def widget(self, index: int) -> QWidget | None:
        return self._pages[index] if 0 <= index < len(self._pages) else None

    def indexOf(self, page: QWidget) -> int:  # noqa: N802
        return self._pages.index(page) if page in self._pages else -1

    def currentIndex(self) -> int:  # noqa: N802
        return self._current

    def currentWidget(self) -> QWidget | None:  # noqa: N802
        return self.widget(self._current)

    def setCurrentWidget(self, page: QWidget) -> None:  # noqa: N802
        self.setCurrentIndex(self.indexOf(page))

    def setCurrentIndex(self, index: int) -> None:  # noqa: N802
        if not 0 <= index < len(self._pages) or index == self._current:
            return
        old, new = self.currentWidget(), self._pages[index]
        focus = QApplication.focusWidget()
        had_focus = old is not None and focus is not None and old.isAncestorOf(focus)
        new.show()
        if old is not None:
            old.hide()
        self._current = index
        if had_focus:  # as QStackedWidget does: the focus moves into the new page
            _focus_first(new)
        self.currentChanged.emit(index)


def _focus_first(page: QWidget) -> None:
    widget = page.nextInFocusChain()
    while widget is not page and widget is not None:
        if (
            page.isAncestorOf(widget)
            and widget.isVisibleTo(page)
            and widget.isEnabled()
            and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        ):
            widget.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        widget = widget.nextInFocusChain()


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


def wrapping_label(text: str = "") -> QLabel:
    """A label whose words wrap to the room there is: a sentence never widens the page."""
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def problem_label() -> QLabel:
    label = StyledLabel(bold=True)
    label.setAccessibleName("Problem")
    label.setStyleSheet("color: #a40000;")  # the words say it is a problem; colour only helps
    return label
