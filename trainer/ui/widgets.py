"""Small building blocks shared by screens: headings, tables, buttons with accessible names."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QWidget,
)


class Heading(QLabel):
    """A bold, larger label that keeps its proportion when the app's text size changes."""

    def __init__(self, text: str, scale: float) -> None:
        super().__init__(text)
        self.scale = scale
        self.setWordWrap(True)
        self.follow_app_font()

    def follow_app_font(self) -> None:
        font = QApplication.font()
        font.setPointSizeF(font.pointSizeF() * self.scale)
        font.setBold(True)
        self.setFont(font)


def heading(text: str, scale: float = 1.4) -> QLabel:
    return Heading(text, scale)


def button(text: str, on_click: Callable[[], None], name: str | None = None) -> QPushButton:
    b = QPushButton(text)
    b.setAccessibleName(name or text.replace("&", "").rstrip("…"))
    b.clicked.connect(on_click)
    return b


def table(name: str, parent: QWidget | None = None) -> QTableView:
    view = QTableView(parent)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside it
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.setAlternatingRowColors(True)
    return view


def problem_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setAccessibleName("Problem")
    label.setStyleSheet("color: #a40000; font-weight: bold;")
    return label
