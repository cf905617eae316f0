"""A combo box that never widens its page: a long choice ends in an ellipsis, whole in a tooltip."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox, QStylePainter, QWidget

ELLIPSIS = "\u2026"


class ElidingComboBox(QComboBox):
    """As wide as its longest choice when there is room; in less room (a narrow window, large
    text) as narrow as `least_letters` letters, the shown choice then cut with an ellipsis and
    whole in its tooltip and accessible description. (Qt's own combo box either asks for its
    longest choice, widening the page, or cuts the shown one without a sign.)"""

    def __init__(self, least_letters: int = 12, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.least_letters = least_letters
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.currentTextChanged.connect(lambda _text: self._update_tooltip())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        text = QSize(self.least_letters * self.fontMetrics().averageCharWidth(), 1)
        least = (
            self.style()
            .sizeFromContents(QStyle.ContentsType.CT_ComboBox, option, text, self)
            .width()
        )
        return QSize(min(least, self.sizeHint().width()), super().minimumSizeHint().height())

    def _text_room(self) -> int:
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox,
            option,
            QStyle.SubControl.SC_ComboBoxEditField,
            self,
        )
        return max(field.width() - 2, 1)  # the style draws the label 1 px in from each side

    def shown_text(self) -> str:
        """The current choice as painted: whole, or cut with an ellipsis."""
        return self.fontMetrics().elidedText(
            self.currentText(), Qt.TextElideMode.ElideRight, self._text_room()
        )

    def _update_tooltip(self) -> None:
        whole = self.currentText()
        self.setToolTip(whole if self.shown_text() != whole else "")
        self.setAccessibleDescription(whole)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        if self.isEditable():
            super().paintEvent(event)
            return
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        option.currentText = self.shown_text()
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._update_tooltip()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.updateGeometry()
            self._update_tooltip()
