"""A table whose columns fit its width: wide text columns wrap instead of scrolling sideways."""

from __future__ import annotations

from PySide6.QtCore import QEvent
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


class FitTable(QTableView):
    def __init__(self, parent: QTableView | None = None) -> None:
        super().__init__(parent)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setWordWrap(True)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(8)  # at large text sizes the default minimum grows with it

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

    def _natural(self) -> list[int]:
        header = self.horizontalHeader()
        return [
            max(self.sizeHintForColumn(i), header.sectionSizeFromContents(i).width())
            for i in range(header.count())
        ]

    def _floors(self) -> list[int]:
        """The header's words, and about a short word per line, stay readable."""
        header = self.horizontalHeader()
        short_word = 8 * self.fontMetrics().averageCharWidth()
        return [
            max(short_word, header.sectionSizeFromContents(i).width())
            for i in range(header.count())
        ]

    def fit_columns(self) -> None:
        header = self.horizontalHeader()
        widths = fit_widths(self._natural(), self.viewport().width(), self._floors())
        for column, width in enumerate(widths):
            header.resizeSection(column, width)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.fit_columns()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.fit_columns()
