"""A table whose columns fit its width: wide text columns wrap instead of scrolling sideways."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView


def fit_widths(natural: list[int], room: int) -> list[int]:
    """Each column's natural width, except that the widest ones share out what is left when the
    total is more than `room`: narrow columns keep their words on one line, wide ones wrap."""
    if sum(natural) <= room:
        return natural
    widths = sorted(natural)
    left, cap = room, 0
    for index, width in enumerate(widths):
        share = left // (len(widths) - index)
        if width > share:
            cap = share
            break
        left -= width
    return [min(width, max(cap, 1)) for width in natural]


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

    def fit_columns(self) -> None:
        header = self.horizontalHeader()
        count = header.count()
        if count == 0:
            return
        natural = [
            max(self.sizeHintForColumn(i), header.sectionSizeFromContents(i).width())
            for i in range(count)
        ]
        for column, width in enumerate(fit_widths(natural, self.viewport().width())):
            header.resizeSection(column, width)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.fit_columns()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.fit_columns()
