"""The screen audit's detectors find what a person sees: sideways scrolling and cut-off words."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from tests.conftest import Team
from tests.ui.conftest import sign_in
from trainer.ui.eliding_combo import ElidingComboBox
from trainer.ui.reflow import ElidingLabel
from trainer.ui.screen_audit import (
    audit,
    cut_combo_boxes,
    dialog_fits,
    elided_text,
    horizontal_overflow,
    size_on_screen,
)


def _window(qtbot, *widgets: QWidget, width: int = 400) -> QWidget:
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    for widget in widgets:
        layout.addWidget(widget)
    window.resize(width, 300)
    window.show()
    qtbot.waitExposed(window)
    return window


def _shown_home(qtbot, make_window, sqlite_team: Team):
    window = make_window()
    window.resize(1100, 720)
    sign_in(qtbot, window, sqlite_team.by_role()["trainee"].username)
    assert window.workspace is not None
    page = window.workspace.show_screen("Home")
    qtbot.waitUntil(lambda: page.isVisible())
    return window, page


def test_a_too_wide_widget_in_a_scroll_area_is_found_by_its_name(qtbot) -> None:
    wide = QLabel("a very long line " * 40)
    wide.setAccessibleName("Backup note")
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(wide)
    area.setAccessibleName("Settings")
    window = _window(qtbot, area)

    problems = horizontal_overflow(window)
    assert [(p.kind, p.widget) for p in problems] == [
        ("horizontal scroll", "QScrollArea 'Settings'")
    ]

    wide.setText("short")  # once it fits, the check passes
    qtbot.waitUntil(lambda: not horizontal_overflow(window))


def test_a_label_and_a_button_too_narrow_for_their_words_are_found(qtbot) -> None:
    label = QLabel("Certificates are signed with the key whose fingerprint is C4A8 FB39")
    label.setFixedWidth(120)
    wrapping = QLabel("Fingerprint C4A8FB39EE6970CA85617150BAE59C02C4A8FB39EE69")
    wrapping.setWordWrap(True)
    wrapping.setFixedWidth(120)
    button = QPushButton("Leave (you can come back later)")
    button.setFixedWidth(90)
    fits = QLabel("Fits")
    window = _window(qtbot, label, wrapping, button, fits)

    found = {(p.kind, p.widget) for p in elided_text(window)}
    assert found == {
        ("elided label", "QLabel 'Certificates are signed with the key whose fingerprint is...'"),
        ("elided label", "QLabel 'Fingerprint C4A8FB39EE6970CA85617150BAE59C02C4A8FB39EE69'"),
        ("cut button", "QPushButton 'Leave (you can come back later)'"),
    }


def test_a_mnemonic_ampersand_is_not_counted_as_text(qtbot) -> None:
    button = QPushButton("&Save settings")
    label = QLabel("&Name")
    label.setBuddy(button)
    window = _window(qtbot, label, button)
    label.setFixedWidth(label.fontMetrics().horizontalAdvance("Name") + 2)
    qtbot.wait(10)
    assert elided_text(window) == []


def test_a_page_that_fits_passes_and_one_made_too_wide_fails(
    qtbot, make_window, sqlite_team: Team
) -> None:
    window, page = _shown_home(qtbot, make_window, sqlite_team)
    assert audit(window) == []

    too_wide = QLabel("x")
    too_wide.setMinimumWidth(3000)
    page.layout().addWidget(too_wide)
    qtbot.waitUntil(lambda: [p.kind for p in horizontal_overflow(window)] == ["horizontal scroll"])
    (problem,) = horizontal_overflow(window)
    assert problem.widget == "QScrollArea" and "sideways" in problem.detail


LONG_NAME = (
    "Maria Guadalupe Esperanza Concepción de los Santos Villanueva-Rodríguez "
    "y Fernández de Córdoba Montenegro Alcántara"
)


def test_a_name_elided_with_its_whole_text_in_a_tooltip_passes_and_without_it_fails(
    qtbot,
) -> None:
    name = ElidingLabel(LONG_NAME)
    window = _window(qtbot, name, width=200)
    qtbot.waitUntil(lambda: name.text().endswith("…"))
    assert name.toolTip() == LONG_NAME and name.accessibleName() == LONG_NAME
    assert elided_text(window) == []
    assert window.minimumSizeHint().width() < 200  # the name never widens its window

    name.setToolTip("")  # cut short, and nothing says what the rest was
    (problem,) = elided_text(window)
    assert problem.kind == "elided without tooltip"

    window.resize(1200, 300)  # room enough: the whole name, no tooltip needed
    qtbot.waitUntil(lambda: name.text() == LONG_NAME)
    assert name.toolTip() == "" and elided_text(window) == []


def test_a_wrapped_label_given_too_little_height_is_cut(qtbot) -> None:
    note = QLabel("Revocation is final: the credential can never be reinstated or renewed. " * 3)
    note.setWordWrap(True)
    note.setFixedHeight(note.fontMetrics().height())  # room for one line of several
    window = _window(qtbot, note, width=300)
    assert [p.kind for p in elided_text(window)] == ["cut label"]

    note.setMinimumHeight(0)
    note.setMaximumHeight(16777215)
    qtbot.waitUntil(lambda: elided_text(window) == [])


def test_a_dialog_taller_than_the_window_fails_and_one_that_fits_passes(qtbot) -> None:
    dialog = QDialog()
    qtbot.addWidget(dialog)
    tall = QLabel("x")
    tall.setMinimumHeight(900)
    layout = QVBoxLayout(dialog)
    layout.addWidget(tall)
    dialog.show()
    room = QSize(1100, 720)
    size_on_screen(dialog, room)

    (problem,) = dialog_fits(dialog, room)
    assert problem.kind == "dialog too big" and "taller" in problem.detail

    tall.setMinimumHeight(300)
    dialog.adjustSize()
    size_on_screen(dialog, room)
    assert dialog_fits(dialog, room) == []


PROGRAM = "Community Violence Intervention: Orientation for Hospital Responders"


def test_a_combo_box_cutting_its_choice_fails_and_one_ending_it_with_an_ellipsis_passes(
    qtbot,
) -> None:
    plain = QComboBox()
    plain.addItem(PROGRAM)
    plain.setAccessibleName("Program")
    plain.setFixedWidth(150)  # as a layout squeezes it: Qt cuts the choice with no sign
    window = _window(qtbot, plain, width=300)
    (problem,) = cut_combo_boxes(window)
    assert (problem.kind, problem.widget) == ("cut combo box", "QComboBox 'Program'")
    assert audit(window) == [problem]

    plain.setFixedWidth(plain.sizeHint().width())  # room for the whole choice
    qtbot.waitUntil(lambda: cut_combo_boxes(window) == [])


def test_an_eliding_combo_box_passes_and_never_widens_its_window(qtbot) -> None:
    combo = ElidingComboBox()
    combo.addItems(["Short", PROGRAM])
    combo.setCurrentIndex(1)
    combo.setAccessibleName("Program")
    window = _window(qtbot, combo, width=200)
    assert window.minimumSizeHint().width() < 200  # the long choice does not widen the window
    qtbot.waitUntil(lambda: combo.shown_text().endswith("…"))
    assert combo.toolTip() == PROGRAM and combo.accessibleDescription() == PROGRAM
    assert cut_combo_boxes(window) == []

    combo.setToolTip("")  # cut short, and nothing says what the rest was
    assert [p.kind for p in cut_combo_boxes(window)] == ["elided without tooltip"]

    combo.setCurrentIndex(0)  # a choice that fits: whole, no tooltip needed
    assert combo.shown_text() == "Short" and combo.toolTip() == ""
    window.resize(1200, 300)
    combo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: combo.shown_text() == PROGRAM)
    assert combo.toolTip() == "" and cut_combo_boxes(window) == []


def test_a_choice_whose_own_words_end_in_an_ellipsis_is_not_taken_for_a_cut_one(qtbot) -> None:
    combo = ElidingComboBox()
    combo.addItem("Choose a trainee…")
    combo.setAccessibleName("Trainee")
    window = _window(qtbot, combo, width=600)
    qtbot.waitUntil(lambda: combo.shown_text() == "Choose a trainee…")
    assert combo.toolTip() == "" and cut_combo_boxes(window) == []
