"""The bundled fonts (trainer/fonts) as fallbacks for the app's own font, so names in Arabic,
Chinese, Devanagari, Hebrew, Greek, Cyrillic or Vietnamese show on a machine without such fonts.

The platform's UI font stays the main font: the bundled faces only supply the characters it
lacks. Registering them costs a few milliseconds (Qt reads each file's tables, not its glyphs).
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QFontInfo
from PySide6.QtWidgets import QApplication

from trainer.core.fonts import FONT_DIR, FONT_FILES


def add_bundled_fonts(app: QApplication) -> list[str]:
    """Register the bundled faces and make them the fallbacks of the app's font; their
    families, in fallback order."""
    font = app.font()
    # The family the platform's font resolves to: a generic name such as "Sans Serif" (Linux
    # without a desktop's settings) is no face of its own, so with the bundled families after it
    # Qt would skip it and draw everything in the first of them.
    main = QFontInfo(font).family()
    families: list[str] = []
    for name in FONT_FILES:
        font_id = QFontDatabase.addApplicationFont(str(FONT_DIR / name))
        for family in QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []:
            if family not in families and family != main:
                families.append(family)
    # Substitutions reach widgets that set a font of the UI family themselves; setFamilies
    # reaches those that inherit the application font.
    for name in dict.fromkeys((font.family(), main)):
        QFont.insertSubstitutions(name, families)
    font.setFamilies([main, *families])
    app.setFont(font)
    return families
