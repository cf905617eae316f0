"""Checks a person would make by eye on a screen: does it fit the window, is any word cut off.

Used by scripts/screenshots.py (the screen audit over every role, page and size) and by tests.
Each check returns one `Problem` per offending widget; an empty list means the screen fits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6 import QtGui
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QGraphicsView,
    QLabel,
    QPushButton,
    QRadioButton,
    QStyle,
    QStyleOptionComboBox,
    QWidget,
)


@dataclass(frozen=True)
class Problem:
    # "horizontal scroll", "wider than window", "elided label", "elided without tooltip",
    # "cut label", "cut button", "cut combo box", "dialog too big"
    kind: str
    widget: str  # accessible name, else its text, else its class and object name
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.widget} ({self.detail})"


def describe(widget: QWidget) -> str:
    name = widget.accessibleName()
    if not name:
        text = getattr(widget, "text", None)
        name = _plain(widget) if callable(text) else ""
    if not name:
        name = widget.objectName() or ""
    name = " ".join(name.split())
    if len(name) > 60:
        name = name[:57] + "..."
    return f"{type(widget).__name__} '{name}'" if name else type(widget).__name__


def _shown(widget: QWidget, root: QWidget) -> bool:
    """Visible on `root` now (not on a hidden tab or page) and not zero-sized."""
    return widget.isVisibleTo(root) and widget.width() > 0 and widget.height() > 0


def horizontal_overflow(root: QWidget) -> list[Problem]:
    """Scroll areas that scroll sideways, and widgets that reach past the right edge of `root`."""
    problems = []
    areas = [root] if isinstance(root, QAbstractScrollArea) else []
    for area in areas + root.findChildren(QAbstractScrollArea):
        if not (area is root or _shown(area, root)):
            continue
        if isinstance(area, QGraphicsView):
            continue  # a map or canvas pans both ways by design; it holds no text to cut off
        bar = area.horizontalScrollBar()
        if bar.maximum() > bar.minimum():
            problems.append(
                Problem(
                    "horizontal scroll",
                    describe(area),
                    f"scrolls {bar.maximum() - bar.minimum()} px sideways"
                    + ("" if bar.isVisible() else ", bar hidden: content cut off"),
                )
            )
    # A layout given less room than it needs places widgets past its parent's right edge, where
    # they are cut off with no way to reach them (a scroll area's viewport is the scroll check).
    viewports = {area.viewport() for area in areas + root.findChildren(QAbstractScrollArea)}
    cut: list[QWidget] = []
    for child in root.findChildren(QWidget):
        parent = child.parentWidget()
        if parent is None or child.isWindow() or parent in viewports or not _shown(child, root):
            continue
        if any(c.isAncestorOf(child) for c in cut):
            continue
        right = child.geometry().right() + 1
        if right > parent.width() + 1:
            cut.append(child)
            problems.append(
                Problem(
                    "wider than window",
                    describe(child),
                    f"reaches {right} px in {describe(parent)} of {parent.width()} px",
                )
            )
    return problems


def _plain(widget: QWidget) -> str:
    text: str = widget.text()  # type: ignore[attr-defined]
    if isinstance(widget, QLabel) and (
        widget.textFormat() == Qt.TextFormat.RichText
        or (widget.textFormat() == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(text))
    ):
        doc = QTextDocument()
        doc.setHtml(text)
        text = doc.toPlainText()
    if isinstance(widget, QAbstractButton) or (isinstance(widget, QLabel) and widget.buddy()):
        text = text.replace("&&", "\0").replace("&", "").replace("\0", "&")
    return text


ELLIPSIS = "\u2026"


def _elided_with_tooltip(label: QWidget, text: str) -> bool | None:
    """None if `label` shows its whole text; else whether its tooltip holds the whole of it (a
    label that elides itself, such as reflow.ElidingLabel, ends its text with an ellipsis)."""
    shown = text.rstrip()
    if not shown.endswith(ELLIPSIS):
        return None
    doc = QTextDocument()
    doc.setHtml(label.toolTip())
    whole = " ".join(doc.toPlainText().split())
    start = " ".join(shown[: -len(ELLIPSIS)].split())
    return whole.startswith(start) and len(whole) > len(start)


def elided_text(root: QWidget) -> list[Problem]:
    """Labels and buttons on `root` whose text does not fit the room they were given.

    A label may shorten itself with an ellipsis when its tooltip holds the whole text (a long
    name in a narrow column); one that does so without the tooltip is a problem too."""
    problems = []
    for label in root.findChildren(QLabel):
        if not _shown(label, root) or (label.pixmap() is not None and not label.pixmap().isNull()):
            continue
        text = _plain(label)
        if not text.strip():
            continue
        whole_in_tooltip = _elided_with_tooltip(label, text)
        if whole_in_tooltip is False:
            problems.append(
                Problem(
                    "elided without tooltip",
                    describe(label),
                    "ends with an ellipsis but no tooltip holds the whole text",
                )
            )
            continue
        metrics = label.fontMetrics()
        room = label.contentsRect().width() - 2 * max(label.margin(), 0) - max(label.indent(), 0)
        if label.wordWrap():
            # A wrapping label still cuts a single word wider than itself (a fingerprint, a URL).
            # (A zero-width space is a place to break, as dialogs.breakable puts in long names.)
            words = [w for w in re.split(r"[\s\u200b]+", text) if w]
            need = max(metrics.horizontalAdvance(word) for word in words)
            what = "longest word"
            # ... and cuts its last lines when it is given less height than they take.
            tall = label.heightForWidth(label.width())
            if need <= room + 1 and tall > label.height() + 1:
                problems.append(
                    Problem(
                        "cut label",
                        describe(label),
                        f"its lines need {tall} px of height, has {label.height()} px",
                    )
                )
        else:
            need = max(metrics.horizontalAdvance(line) for line in text.splitlines())
            what = "text"
        if need > room + 1:
            problems.append(
                Problem("elided label", describe(label), f"{what} needs {need} px, has {room} px")
            )
    for button in root.findChildren(QAbstractButton):
        if not isinstance(button, QPushButton | QCheckBox | QRadioButton):
            continue
        if not _shown(button, root) or not button.text():
            continue
        need = button.sizeHint().width()
        if button.width() < need:
            problems.append(
                Problem("cut button", describe(button), f"needs {need} px, has {button.width()} px")
            )
    return problems


def cut_combo_boxes(root: QWidget) -> list[Problem]:
    """Combo boxes whose shown choice is wider than the box: Qt cuts it with no sign. One that
    shortens it itself (eliding_combo.ElidingComboBox, ending it with an ellipsis) passes when
    its tooltip holds the whole choice."""
    problems = []
    for combo in root.findChildren(QComboBox):
        if not _shown(combo, root) or combo.isEditable() or not combo.currentText():
            continue
        shown = getattr(combo, "shown_text", None)
        if callable(shown):
            # Cut only if what is painted differs from the choice ("Choose a trainee…" ends
            # with an ellipsis of its own).
            painted = shown()
            whole_in_tooltip = (
                None if painted == combo.currentText() else _elided_with_tooltip(combo, painted)
            )
            if whole_in_tooltip is False:
                problems.append(
                    Problem(
                        "elided without tooltip",
                        describe(combo),
                        "ends with an ellipsis but no tooltip holds the whole choice",
                    )
                )
            if whole_in_tooltip is not None:
                continue
        option = QStyleOptionComboBox()
        combo.initStyleOption(option)
        field = combo.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, combo
        )
        room = field.width() - 2  # the style draws the choice 1 px in from each side
        need = combo.fontMetrics().horizontalAdvance(combo.currentText())
        if need > room + 1:
            problems.append(
                Problem(
                    "cut combo box",
                    describe(combo),
                    f"its choice needs {need} px, has {room} px, cut without an ellipsis",
                )
            )
    return problems


def dialog_fits(dialog: QWidget, room: QSize) -> list[Problem]:
    """A dialog (or any window) on a screen of `room`: it must not be taller or wider than the
    screen, nor need to be (its minimum size); long content scrolls inside it instead."""
    problems = []
    least = dialog.minimumSize().expandedTo(dialog.minimumSizeHint())
    for what, size, limit, least_size in (
        ("wider", dialog.width(), room.width(), least.width()),
        ("taller", dialog.height(), room.height(), least.height()),
    ):
        need = max(size, least_size)
        if need > limit:
            problems.append(
                Problem(
                    "dialog too big",
                    describe(dialog),
                    f"{what} than the window: needs {need} px, the window has {limit} px",
                )
            )
    return problems


def size_on_screen(dialog: QWidget, room: QSize) -> None:
    """Size a shown dialog as a window manager would on a screen of `room`: the size it chose if
    it chose one, else its preferred width and the height its wrapped text needs at that width;
    never larger than the screen (its minimum size may still make it so: dialog_fits says)."""
    if dialog.testAttribute(Qt.WidgetAttribute.WA_Resized):
        dialog.resize(dialog.size().boundedTo(room))
        return
    width = min(dialog.sizeHint().width(), room.width())
    height = dialog.heightForWidth(width) if dialog.hasHeightForWidth() else -1
    dialog.resize(width, min(room.height(), height if height > 0 else dialog.sizeHint().height()))


def audit(root: QWidget) -> list[Problem]:
    return horizontal_overflow(root) + elided_text(root) + cut_combo_boxes(root)


def audit_dialog(dialog: QWidget, room: QSize) -> list[Problem]:
    return dialog_fits(dialog, room) + audit(dialog)
