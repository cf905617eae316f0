"""Tables and trees whose columns fit their width: wide text columns wrap instead of scrolling
sideways."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionHeader,
    QStyleOptionViewItem,
    QTableView,
    QTreeView,
)


def fit_widths(natural: list[int], room: int, floors: list[int] | None = None) -> list[int]:
    """Each column's natural width, except that the widest ones share out what is left when the
    total is more than `room`: narrow columns keep their words on one line, wide ones wrap.
    No column is squeezed below its floor (its header's words, a short word): past that the
    table scrolls rather than showing columns too narrow to read."""
    floors = floors or [1] * len(natural)

    def widths(cap: int) -> list[int]:
        return [min(w, max(cap, f)) for w, f in zip(natural, floors, strict=True)]

    if sum(natural) <= room:
        return natural
    low, high = 1, max(natural, default=1)  # the largest cap whose widths fit in `room`
    while low < high:
        middle = (low + high + 1) // 2
        if sum(widths(middle)) <= room:
            low = middle
        else:
            high = middle - 1
    return widths(low)


class WrapHeader(QHeaderView):
    """Column headings that wrap onto more lines when their column is narrower than the words
    ("Recorded / by"), and grow taller to show them, instead of being cut off. A word wider
    than its column (at the largest text sizes) breaks inside the word."""

    def __init__(self, parent: QTableView) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setSectionsClickable(True)
        self.setHighlightSections(True)

    def _text(self, index: int) -> str:
        model = self.model()
        return str(model.headerData(index, self.orientation()) or "") if model else ""

    def one_line_width(self, index: int) -> int:
        return super().sectionSizeFromContents(index).width()

    def _padding(self, index: int) -> int:
        return self.one_line_width(index) - self.fontMetrics().horizontalAdvance(self._text(index))

    def _flags(self, index: int, room: int) -> int:
        metrics = self.fontMetrics()
        words = self._text(index).split() or [""]
        fits = all(metrics.horizontalAdvance(word) <= room for word in words)
        wrap = Qt.TextFlag.TextWordWrap if fits else Qt.TextFlag.TextWrapAnywhere
        return int(Qt.AlignmentFlag.AlignCenter.value) | int(wrap.value)

    def sectionSizeFromContents(self, index: int) -> QSize:  # noqa: N802
        one_line = super().sectionSizeFromContents(index)
        text = self._text(index)
        room = self.sectionSize(index) - self._padding(index)
        if room <= 0 or room >= self.fontMetrics().horizontalAdvance(text):
            return one_line
        lines = self.fontMetrics().boundingRect(
            QRect(0, 0, room, 10_000), self._flags(index, room), text
        )
        extra = lines.height() - self.fontMetrics().height()
        return QSize(one_line.width(), one_line.height() + max(extra, 0))

    def paintSection(self, painter: QPainter, rect: QRect, index: int) -> None:  # noqa: N802
        """The style draws the section without its words; the words are drawn wrapped."""
        text = self._text(index)
        room = rect.width() - self._padding(index)
        if room >= self.fontMetrics().horizontalAdvance(text):
            super().paintSection(painter, rect, index)
            return
        option = QStyleOptionHeader()
        self.initStyleOption(option)
        option.rect = rect
        option.section = index
        option.text = ""
        painter.save()
        self.style().drawControl(QStyle.ControlElement.CE_Header, option, painter, self)
        margin = self._padding(index) // 2
        painter.setPen(self.palette().color(QPalette.ColorRole.ButtonText))
        painter.drawText(rect.adjusted(margin, 0, -margin, 0), self._flags(index, room), text)
        painter.restore()

    def longest_word_width(self, index: int) -> int:
        """The narrowest the column's heading can be without breaking inside a word."""
        words = self._text(index).split() or [""]
        return max(self.fontMetrics().horizontalAdvance(w) for w in words) + self._padding(index)

    def refit_height(self) -> None:
        """Section widths changed: ask again how tall the headings are."""
        count = self.count()
        if count:
            self.headerDataChanged(self.orientation(), 0, count - 1)


class FitTable(QTableView):
    def __init__(self, parent: QTableView | None = None) -> None:
        super().__init__(parent)
        self.setHorizontalHeader(WrapHeader(self))
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setWordWrap(True)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(8)  # at large text sizes the default minimum grows with it
        self._floor_width = 0

    def setModel(self, model) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().setModel(model)
        if model is not None:
            for signal in (
                model.modelReset,
                model.layoutChanged,
                model.rowsInserted,
                model.dataChanged,
                model.headerDataChanged,
            ):
                signal.connect(self.fit_columns)
        self.fit_columns()

    def horizontalHeader(self) -> WrapHeader:  # noqa: N802
        header = super().horizontalHeader()
        assert isinstance(header, WrapHeader)
        return header

    def _natural(self) -> list[int]:
        header = self.horizontalHeader()
        return [
            max(self.sizeHintForColumn(i), header.one_line_width(i)) for i in range(header.count())
        ]

    def _floors(self, comfortable: bool) -> list[int]:
        """Comfortable: about a word per line (eight letters) and each word of the heading stay
        whole. Otherwise (the largest text sizes) six letters, headings breaking inside words.
        A column narrower than that by nature keeps its natural width."""
        header = self.horizontalHeader()
        letters = 8 if comfortable else 6
        word = letters * self.fontMetrics().averageCharWidth()
        return [
            min(n, max(word, header.longest_word_width(i) if comfortable else 0))
            for i, n in enumerate(self._natural())
        ]

    def _chrome(self) -> int:
        scrollbar = (
            0
            if self.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
            else self.verticalScrollBar().sizeHint().width()
        )
        return 2 * self.frameWidth() + scrollbar

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        """As narrow as the columns at their floors: at the largest text sizes headings then
        break inside words rather than the table scrolling sideways."""
        hint = super().minimumSizeHint()
        return QSize(max(hint.width(), sum(self._floors(False)) + self._chrome()), hint.height())

    def comfortable_width(self) -> int:
        """As narrow as the table gets with every heading's words whole: ReflowSplitter puts
        it beside another pane only with this much room."""
        return sum(self._floors(True)) + self._chrome()

    def fit_columns(self) -> None:
        header = self.horizontalHeader()
        floors = self._floors(True)
        if sum(floors) > self.viewport().width():
            floors = self._floors(False)
        widths = fit_widths(self._natural(), self.viewport().width(), floors)
        for column, width in enumerate(widths):
            header.resizeSection(column, width)
        header.refit_height()
        self.updateGeometries()  # room for the headings' new height
        if sum(floors) != self._floor_width:  # the headers or the font changed
            self._floor_width = sum(floors)
            self.updateGeometry()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.fit_columns()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.fit_columns()

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802
        """Hovering a cell whose words do not all show (a one-word name cut with "…") shows
        them all in a tooltip; a cell that shows everything has none, as before."""
        if event.type() == QEvent.Type.ToolTip:
            from PySide6.QtWidgets import QToolTip

            index = self.indexAt(event.pos())  # type: ignore[attr-defined]
            if index.isValid() and index.data(Qt.ItemDataRole.ToolTipRole) is None:
                text = index.data(Qt.ItemDataRole.DisplayRole)
                if isinstance(text, str) and self.cut_off(index):
                    QToolTip.showText(event.globalPos(), text, self)  # type: ignore[attr-defined]
                    return True
        return super().viewportEvent(event)

    def cut_off(self, index) -> bool:  # type: ignore[no-untyped-def]
        """The cell's words need more room than the cell has (Qt then ends them with "…")."""
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if not isinstance(text, str) or not text:
            return False
        rect = self.visualRect(index)
        margin = self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1
        room = max(rect.width() - 2 * margin, 1)
        flags = int(Qt.TextFlag.TextWordWrap) if self.wordWrap() else 0
        need = self.fontMetrics().boundingRect(QRect(0, 0, room, 1 << 20), flags, text)
        return need.width() > room or need.height() > rect.height()


class _FirstColumnWrapDelegate(QStyledItemDelegate):
    """Measures a first-column cell with its words wrapped to the column's width (a tree
    measures them on one line, so its long titles were cut short); the other columns on one
    line, as wide as their words."""

    def sizeHint(  # noqa: N802
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        view = self.parent()
        sized = QStyleOptionViewItem(option)
        if index.column() != 0 or not isinstance(view, QTreeView):
            sized.rect = QRect()  # no width to wrap to: one line
            return super().sizeHint(sized, index)
        depth, parent = 0, index.parent()
        while parent.isValid():
            depth, parent = depth + 1, parent.parent()
        indent = view.indentation() * (depth + int(view.rootIsDecorated()))
        sized.rect = QRect(0, 0, max(view.columnWidth(0) - indent, 1), 1)
        return super().sizeHint(sized, index)


def fit_tree(tree: QTreeView) -> QTreeView:
    """Let a tree's columns fit its width: the first (names, titles) takes the room left over
    and wraps; the others (a status word, a time) are as wide as their words. Every column
    stays in view without scrolling sideways, even at large text sizes; put the whole of a
    shortened cell (a status cut to a word) in its tooltip."""
    tree.setWordWrap(True)
    tree.setTextElideMode(Qt.TextElideMode.ElideNone)
    tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    tree.setItemDelegate(_FirstColumnWrapDelegate(tree))
    header = tree.header()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in range(1, header.count()):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    # Rows are as tall as their words wrapped to the first column: measure again when it
    # changes width.
    header.sectionResized.connect(lambda column, _old, _new: column == 0 and tree.doItemsLayout())
    return tree
