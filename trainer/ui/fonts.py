"""The bundled fonts (trainer/fonts) as fallbacks for the app's own font, so names in Arabic,
Chinese, Devanagari, Hebrew, Greek, Cyrillic or Vietnamese show on a machine without such fonts.

The platform's UI font stays the main font: the bundled faces only supply the characters it
lacks. Registering them costs about 2 ms (Qt reads each file's tables, not its glyphs).
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from trainer.core.fonts import FONT_DIR, FONT_FILES


def add_bundled_fonts(app: QApplication) -> list[str]:
    """Register the bundled faces and make them the fallbacks of the app's font; their
    families, in fallback order."""
    families: list[str] = []
    for name in FONT_FILES:
        font_id = QFontDatabase.addApplicationFont(str(FONT_DIR / name))
        for family in QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []:
            if family not in families:
                families.append(family)
    font = app.font()
    main = font.family()
    # Substitutions reach widgets that set a font of the UI family themselves; setFamilies
    # reaches those that inherit the application font.
    QFont.insertSubstitutions(main, families)
    font.setFamilies([main, *families])
    app.setFont(font)
    return families
