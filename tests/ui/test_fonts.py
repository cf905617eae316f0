"""The bundled fonts in the app: names in other scripts show on a machine without such fonts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QFont, QFontDatabase, QFontInfo, QFontMetrics
from PySide6.QtWidgets import QApplication, QLabel

from trainer.ui.fonts import add_bundled_fonts


@pytest.fixture
def fonts(qapp: QApplication) -> Iterator[list[str]]:
    """Registered once more (conftest registers them for every UI test): the same families."""
    before = qapp.font()
    families = add_bundled_fonts(qapp)
    yield families
    qapp.setFont(before)


@pytest.mark.parametrize(
    ("name", "writing_system", "family"),
    [
        ("محمد عبد الله", QFontDatabase.WritingSystem.Arabic, "Noto Sans Arabic"),
        ("प्रिया क्षत्रिय", QFontDatabase.WritingSystem.Devanagari, "Noto Sans Devanagari"),
        ("李小龙", QFontDatabase.WritingSystem.SimplifiedChinese, "Droid Sans Fallback"),
        ("Αλέξανδρος", QFontDatabase.WritingSystem.Greek, "Noto Sans"),
    ],
)
def test_a_name_in_another_script_has_a_bundled_fallback_font(
    qtbot, fonts: list[str], name: str, writing_system: QFontDatabase.WritingSystem, family: str
) -> None:
    assert family in QFontDatabase.families(writing_system)
    label = QLabel(name)
    qtbot.addWidget(label)
    main = QApplication.font().family()
    assert label.font().families()[0] == main  # the UI font stays the main font
    assert family in label.font().families()
    assert all(QFontMetrics(QFont(family)).inFontUcs4(ord(ch)) for ch in name if ch != " ")


def test_the_platform_font_stays_the_font_text_is_drawn_in(qtbot, fonts: list[str]) -> None:
    """A generic family ("Sans Serif") first in the list was skipped for the bundled Noto Sans."""
    label = QLabel("Sign in")
    qtbot.addWidget(label)
    main = QApplication.font().families()[0]
    assert main not in fonts
    assert QFontInfo(label.font()).family() == main
