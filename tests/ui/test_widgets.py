"""The reflowing building blocks: panes that stack when narrow, button rows and choices that
wrap, table headings that wrap, a path shortened in the middle, a stack sized by its page."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QApplication,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from trainer.ui.reflow import FlowLayout, PathLabel, ReflowSplitter, WrappingChoice
from trainer.ui.widgets import PageStack, table


def _settle() -> None:
    for _ in range(4):
        QApplication.processEvents()


def _wide_table(columns: int = 6):
    model = QStandardItemModel(3, columns)
    model.setHorizontalHeaderLabels([f"Heading number {i}" for i in range(columns)])
    for row in range(3):
        for column in range(columns):
            model.setItem(row, column, QStandardItem("several words in every cell here"))
    view = table("Wide")
    view.setModel(model)
    view.model_ = model  # kept alive with the view
    return view


def _page(qtbot, child: QWidget, width: int, height: int = 500) -> QScrollArea:
    """`child` on a page in a scroll area, as the main window shows pages."""
    page = QWidget()
    QVBoxLayout(page).addWidget(child)
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(page)
    qtbot.addWidget(area)
    area.resize(width, height)
    area.show()
    _settle()
    return area


def test_panes_sit_side_by_side_when_wide_and_stack_when_narrow(qtbot) -> None:
    split = ReflowSplitter()
    wide = _wide_table()
    notes = QTextEdit()
    split.addWidget(wide)
    split.addWidget(notes)
    area = _page(qtbot, split, 2400)
    assert split.orientation() == Qt.Orientation.Horizontal
    assert wide.geometry().right() < notes.geometry().left()
    assert area.horizontalScrollBar().maximum() == 0
    assert wide.horizontalScrollBar().maximum() == 0  # the table got room for its headings

    area.resize(500, 300)
    _settle()
    assert split.orientation() == Qt.Orientation.Vertical
    assert wide.geometry().bottom() < notes.geometry().top()
    assert area.horizontalScrollBar().maximum() == 0  # neither the page nor the table
    assert wide.horizontalScrollBar().maximum() == 0  # scrolls sideways
    assert area.verticalScrollBar().maximum() > 0  # stacked, the page scrolls down

    area.resize(2400, 500)
    _settle()
    assert split.orientation() == Qt.Orientation.Horizontal


def test_a_larger_text_size_stacks_the_panes_without_a_resize(qtbot) -> None:
    split = ReflowSplitter()
    wide = _wide_table(6)
    split.addWidget(wide)
    split.addWidget(QTextEdit())
    area = _page(qtbot, split, 1100)
    assert split.orientation() == Qt.Orientation.Horizontal
    font = wide.font()
    font.setPointSizeF(font.pointSizeF() * 2.5)
    split.setFont(font)
    _settle()
    assert split.orientation() == Qt.Orientation.Vertical
    assert area.horizontalScrollBar().maximum() == 0


def test_a_row_of_buttons_wraps_instead_of_widening_the_page(qtbot) -> None:
    holder = QWidget()
    row = FlowLayout(holder)
    buttons = [QPushButton(f"A button with long words {i}") for i in range(5)]
    for b in buttons:
        row.addWidget(b)
    area = _page(qtbot, holder, 2000)
    tops = {b.geometry().top() for b in buttons}
    assert len(tops) == 1  # one line when there is room

    area.resize(400, 500)
    _settle()
    assert area.horizontalScrollBar().maximum() == 0
    assert len({b.geometry().top() for b in buttons}) > 1
    assert all(b.geometry().right() <= holder.width() for b in buttons)
    assert all(b.width() >= b.sizeHint().width() for b in buttons)  # none is cut
    # Keyboard order is still the order of creation, line after line.
    assert [buttons[i].nextInFocusChain() for i in range(4)] == buttons[1:]


def test_a_long_choice_wraps_and_clicking_its_words_chooses_it(qtbot) -> None:
    radio = QRadioButton()
    radio.setAccessibleName("Level 3")
    words = "3 — " + "mediates on their own and can show others how, " * 6
    choice = WrappingChoice(radio, words)
    area = _page(qtbot, choice, 400)
    assert area.horizontalScrollBar().maximum() == 0
    assert choice.label.height() > 2 * choice.label.fontMetrics().height()  # several lines
    assert radio.accessibleName() == "Level 3"
    qtbot.mouseClick(choice.label, Qt.MouseButton.LeftButton)
    assert radio.isChecked() and radio.hasFocus()
    radio.setEnabled(False)
    assert not choice.label.isEnabled()  # greyed with its button


def test_table_headings_wrap_rather_than_widen_the_columns(qtbot) -> None:
    view = _wide_table(4)
    heading_width = view.horizontalHeader().fontMetrics().horizontalAdvance("Heading number 0")
    area = _page(qtbot, view, 3 * heading_width)  # each column narrower than its heading
    header = view.horizontalHeader()
    one_line = header.fontMetrics().height()
    assert header.height() > 2 * one_line  # "Heading / number 0" on two lines
    assert view.horizontalScrollBar().maximum() == 0
    assert area.horizontalScrollBar().maximum() == 0


def test_a_long_path_is_shortened_in_the_middle_with_all_of_it_at_hand(qtbot) -> None:
    path = "/home/someone/" + "a-very-long-folder-name/" * 8 + "cvi-trainer.sqlite"
    label = PathLabel(path)
    area = _page(qtbot, label, 300)
    assert area.horizontalScrollBar().maximum() == 0
    assert "…" in label.text()
    assert label.text().startswith("/home") and label.text().endswith(".sqlite")
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width()
    assert label.toolTip() == path
    label.copy()
    assert QGuiApplication.clipboard().text() == path
    area.resize(3000, 500)
    _settle()
    assert label.text() == path  # whole once there is room


def test_a_page_stack_is_as_big_as_the_page_shown(qtbot) -> None:
    stack = PageStack()
    small, big = QWidget(), QWidget()
    small.setMinimumSize(100, 100)
    big.setMinimumSize(900, 900)
    stack.addWidget(small)
    stack.addWidget(big)
    qtbot.addWidget(stack)
    assert stack.currentWidget() is small
    assert stack.minimumSizeHint().width() < 900
    with qtbot.waitSignal(stack.currentChanged):
        stack.setCurrentWidget(big)
    assert stack.minimumSizeHint().width() >= 900
    stack.removeWidget(big)
    assert stack.currentWidget() is small and stack.count() == 1


def test_a_table_cell_cut_short_shows_all_its_words_when_hovered(qtbot) -> None:
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QToolTip

    one_word = "Oluwaseunfolakemiadebayo" * 4  # a name typed as one long word
    model = QStandardItemModel(2, 2)
    model.setHorizontalHeaderLabels(["Name", "Role"])
    for row, name in enumerate([one_word, "Sam"]):
        model.setItem(row, 0, QStandardItem(name))
        model.setItem(row, 1, QStandardItem("Trainee, Program Manager and Trainer"))
    view = table("People")
    view.setModel(model)
    area = _page(qtbot, view, 360)  # noqa: F841  (kept alive for the test)
    cut, whole = model.index(0, 0), model.index(1, 0)
    assert view.cut_off(cut) and not view.cut_off(whole)

    def hover(index) -> str:
        spot = view.visualRect(index).center()
        event = QHelpEvent(QHelpEvent.Type.ToolTip, spot, view.viewport().mapToGlobal(spot))
        QApplication.sendEvent(view.viewport(), event)
        return QToolTip.text() if QToolTip.isVisible() else ""

    assert hover(whole) == ""  # first: Qt hides a tooltip only after a delay
    assert hover(cut) == one_word
