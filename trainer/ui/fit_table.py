"""A table whose columns fit its width: wide text columns wrap instead of scrolling sideways."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView


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
    ("Recorded / by"), and grow taller to show them, instead of being cut off."""

    def __init__(self, parent: QTableView) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setDefaultAlignment(
            Qt.AlignmentFlag.AlignCenter | Qt.AlignmentFlag(Qt.TextFlag.TextWordWrap.value)
        )
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setSectionsClickable(True)
        self.setHighlightSections(True)

    def one_line_width(self, index: int) -> int:
        return super().sectionSizeFromContents(index).width()

    def sectionSizeFromContents(self, index: int) -> QSize:  # noqa: N802
        one_line = super().sectionSizeFromContents(index)
        model = self.model()
        if model is None:
            return one_line
        text = str(model.headerData(index, self.orientation()) or "")
        padding = one_line.width() - self.fontMetrics().horizontalAdvance(text)
        room = self.sectionSize(index) - padding
        if room <= 0 or room >= self.fontMetrics().horizontalAdvance(text):
            return one_line
        flags = int(Qt.TextFlag.TextWordWrap.value)
        lines = self.fontMetrics().boundingRect(QRect(0, 0, room, 10_000), flags, text)
        extra = lines.height() - self.fontMetrics().height()
        return QSize(one_line.width(), one_line.height() + max(extra, 0))

    def longest_word_width(self, index: int) -> int:
        """The narrowest the column's heading can be without cutting a word."""
        model = self.model()
        text = str(model.headerData(index, self.orientation()) or "") if model else ""
        padding = self.one_line_width(index) - self.fontMetrics().horizontalAdvance(text)
        words = text.split() or [""]
        return max(self.fontMetrics().horizontalAdvance(w) for w in words) + padding

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

    def _floors(self) -> list[int]:
        """Each word of the heading, and about a short word per line, stay readable (a column
        narrower than that by nature keeps its natural width)."""
        header = self.horizontalHeader()
        short_word = 7 * self.fontMetrics().averageCharWidth()
        return [
            min(natural, max(short_word, header.longest_word_width(i)))
            for i, natural in enumerate(self._natural())
        ]

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        """As narrow as the columns at their floors, so a layout (ReflowSplitter) can tell when
        the table would have to scroll sideways beside another pane."""
        hint = super().minimumSizeHint()
        scrollbar = (
            0
            if self.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
            else self.verticalScrollBar().sizeHint().width()
        )
        width = sum(self._floors()) + 2 * self.frameWidth() + scrollbar
        return QSize(max(hint.width(), width), hint.height())

    def fit_columns(self) -> None:
        header = self.horizontalHeader()
        floors = self._floors()
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
