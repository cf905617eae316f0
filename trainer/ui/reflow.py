"""Widgets that fit the room there is: a wrapping row of buttons, panes side by side or stacked,
check boxes whose words wrap, labels that shorten themselves. Apart from widgets.py so that the
sign-in window, which needs none of them, does not pay for creating their Qt classes."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QSizePolicy,
    QSplitter,
    QStyle,
    QWidget,
)


class FlowLayout(QLayout):
    """Widgets in a row that wraps onto further lines when the row is narrower than they are
    (Qt's Flow Layout example): a row of buttons never makes the page wider than the window.
    Keyboard order is the order the widgets were created in, as in any layout."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def _shown(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def _gaps(self) -> tuple[int, int]:
        spacing = self.spacing()
        if spacing >= 0:
            return spacing, spacing
        style = self.parentWidget().style() if self.parentWidget() else QApplication.style()
        across = style.pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing)
        down = style.pixelMetric(QStyle.PixelMetric.PM_LayoutVerticalSpacing)
        return max(across, 6), max(down, 6)

    def sizeHint(self) -> QSize:  # noqa: N802
        """Everything on one line."""
        shown = self._shown()
        across, _ = self._gaps()
        width = sum(item.sizeHint().width() for item in shown) + across * max(len(shown) - 1, 0)
        height = max((item.sizeHint().height() for item in shown), default=0)
        margins = self.contentsMargins()
        return QSize(
            width + margins.left() + margins.right(), height + margins.top() + margins.bottom()
        )

    def minimumSize(self) -> QSize:  # noqa: N802
        """One widget a line: as narrow as the widest widget."""
        size = QSize()
        for item in self._shown():
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size.grownBy(margins)

    def _arrange(self, rect: QRect, move: bool) -> int:
        """Place the widgets line by line in `rect`; returns the height they take."""
        margins = self.contentsMargins()
        area = rect.marginsRemoved(margins)
        across, down = self._gaps()
        x, y, line_height = area.x(), area.y(), 0
        for item in self._shown():
            hint = item.sizeHint()
            width = min(hint.width(), area.width())
            if x > area.x() and x + width > area.x() + area.width():  # start a new line
                x, y, line_height = area.x(), y + line_height + down, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), QSize(width, hint.height())))
            x += width + across
            line_height = max(line_height, hint.height())
        return y + line_height - rect.y() + margins.bottom()


def flow_row(*widgets: QWidget) -> FlowLayout:
    """A row of buttons that wraps instead of widening the page."""
    row = FlowLayout()
    for widget in widgets:
        row.addWidget(widget)
    return row


class ReflowSplitter(QSplitter):
    """Panes side by side while each has room for its narrowest layout, else one above the other
    (the page then scrolls down, not sideways). Either way the person can drag the divider.

    Asks its parent for no more width than its widest pane needs, so it never widens the page."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setChildrenCollapsible(False)  # a pane dragged shut would look like a missing pane

    def _panes(self) -> list[QWidget]:
        return [w for i in range(self.count()) if not (w := self.widget(i)).isHidden()]

    @staticmethod
    def _least(pane: QWidget) -> QSize:
        return pane.minimumSizeHint().expandedTo(pane.minimumSize())

    @classmethod
    def _comfortable(cls, pane: QWidget) -> int:
        """A pane's narrowest width with its tables' headings unbroken and its other lists and
        text boxes at least twenty letters wide (Qt lets them shrink to a sliver)."""
        from PySide6.QtWidgets import QAbstractScrollArea, QHeaderView

        from trainer.ui.fit_table import FitTable

        boxes = [pane, *pane.findChildren(QAbstractScrollArea)]
        shown = [
            b
            for b in boxes
            if isinstance(b, QAbstractScrollArea)
            and not isinstance(b, QHeaderView)
            and (b is pane or b.isVisibleTo(pane))
        ]
        tables = sum(
            max(b.comfortable_width() - b.minimumSizeHint().width(), 0)
            for b in shown
            if isinstance(b, FitTable)
        )
        others = max(
            (
                max(20 * b.fontMetrics().averageCharWidth() - b.minimumSizeHint().width(), 0)
                for b in shown
                if not isinstance(b, FitTable)
            ),
            default=0,
        )
        return cls._least(pane).width() + tables + others

    def side_by_side_width(self) -> int:
        """The width at which every pane gets its narrowest comfortable layout beside the
        others."""
        panes = self._panes()
        handles = self.handleWidth() * max(len(panes) - 1, 0)
        return sum(self._comfortable(p) for p in panes) + handles

    def _stacked_height(self, pane: QWidget) -> int:
        """Stacked, a pane gets the height it asks for, up to about fifteen lines of text: a
        table then shows some rows and scrolls the rest itself."""
        most = 15 * pane.fontMetrics().height()
        wanted = pane.sizeHint().height()
        if pane.hasHeightForWidth() and self.width() > 0:
            # Wrapped words need more lines at the splitter's width than at the pane's own
            # preferred width (a note under a button was cut at 250% text).
            wanted = max(wanted, pane.heightForWidth(self.width()))
        return max(self._least(pane).height(), min(wanted, most))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        panes = self._panes()
        if not panes:
            return super().minimumSizeHint()
        width = max(self._least(p).width() for p in panes)
        if self.orientation() == Qt.Orientation.Horizontal:
            height = max(self._least(p).height() for p in panes)
        else:
            handles = self.handleWidth() * (len(panes) - 1)
            height = sum(self._stacked_height(p) for p in panes) + handles
        return QSize(width, height)

    def _reflow(self, width: int) -> None:
        wanted = (
            Qt.Orientation.Horizontal
            if width >= self.side_by_side_width()
            else Qt.Orientation.Vertical
        )
        if wanted != self.orientation():
            self.setOrientation(wanted)
            self.updateGeometry()  # stacked, the page grows taller and scrolls down
        if wanted == Qt.Orientation.Horizontal:
            self._give_each_its_room()
        else:  # stacked, each pane gets the height it asks for (the splitter shares by stretch)
            panes = [self.widget(i) for i in range(self.count())]
            heights = [0 if p.isHidden() else self._stacked_height(p) for p in panes]
            if (
                any(size < need for size, need in zip(self.sizes(), heights, strict=True))
                and sum(heights) <= self.height()
            ):
                self.setSizes(heights)

    def _give_each_its_room(self) -> None:
        """Side by side, each pane gets at least its comfortable width (the splitter itself
        only keeps each above its narrowest); the rest is shared as the panes were."""
        panes = [self.widget(i) for i in range(self.count())]
        sizes = self.sizes()
        least = [0 if p.isHidden() else self._comfortable(p) for p in panes]
        if all(size >= need for size, need in zip(sizes, least, strict=True)):
            return
        spare = sum(sizes) - sum(least)
        if spare < 0:
            return
        extra = [max(size - need, 0) for size, need in zip(sizes, least, strict=True)]
        total = sum(extra) or 1
        self.setSizes([need + spare * e // total for need, e in zip(least, extra, strict=True)])

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)  # the splitter shares out its new width first
        self._reflow(event.size().width())

    def event(self, event: QEvent) -> bool:
        # A pane's needs change without the splitter resizing: a larger text size, a table
        # given its rows.
        if event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.FontChange):
            self._reflow(self.width())
        return super().event(event)


class WrappingChoice(QWidget):
    """A radio button or check box whose words wrap to the room there is (Qt's own never wrap):
    the button without text, and beside it a wrapping label that clicks the button.

    The button keeps the focus, the keyboard order and the accessible name; `button` is it."""

    def __init__(self, choice: QAbstractButton, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.button = choice
        if not choice.accessibleName():
            choice.setAccessibleName(text)
        self.label = QLabel(text)
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # an '&' is a letter, not a shortcut
        self.label.setWordWrap(True)
        self.label.installEventFilter(self)
        choice.installEventFilter(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(choice, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.label, 1)

    def text(self) -> str:
        return self.label.text()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.label and event.type() == QEvent.Type.MouseButtonRelease:
            self.button.click()  # does nothing while the button is disabled
            self.button.setFocus(Qt.FocusReason.MouseFocusReason)
        elif watched is self.button and event.type() == QEvent.Type.EnabledChange:
            self.label.setEnabled(self.button.isEnabled())
        return False


class PathLabel(QLabel):
    """A file path on one line, shortened in the middle to the room it has
    ("/home/sam/…/cvi-trainer.sqlite"); the whole path is its tooltip and `copy()` copies it."""

    def __init__(self, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.setToolTip(path)
        self.setAccessibleDescription(path)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._elide()

    def sizeHint(self) -> QSize:  # noqa: N802
        metrics = self.fontMetrics()
        return QSize(metrics.horizontalAdvance(self.path) + 2, metrics.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        metrics = self.fontMetrics()
        return QSize(metrics.horizontalAdvance("/…/") * 3, metrics.height())

    def _elide(self) -> None:
        room = self.contentsRect().width()
        self.setText(
            self.fontMetrics().elidedText(self.path, Qt.TextElideMode.ElideMiddle, max(room, 1))
        )

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._elide()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.path)


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
        room = self.contentsRect().width()
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, room)
        QLabel.setText(self, shown)
        self.setToolTip(self._full if shown != self._full else "")

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.updateGeometry()
            self._elide()
