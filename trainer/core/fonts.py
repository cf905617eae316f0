"""The fonts bundled with the app (trainer/fonts; sources and licences in its README): which
files, for which scripts, in the order they are tried. Used by the certificate renderer
(core.certificate_text) and the app's windows (ui.fonts); imports nothing heavy."""

from __future__ import annotations

from pathlib import Path

__all__ = ["FACES", "FONT_DIR", "FONT_FILES"]

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"

# (face, regular file, bold file, needs shaping), in the order tried. Droid Sans Fallback (CJK)
# has no bold; its regular stands in. It is last: the largest to load (about 50 ms).
FACES: tuple[tuple[str, str, str, bool], ...] = (
    ("Noto Sans", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf", False),
    ("Noto Sans Arabic", "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf", True),
    ("Noto Sans Devanagari", "NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf", True),
    ("Noto Sans Hebrew", "NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf", True),
    ("Droid Sans Fallback", "DroidSansFallback.ttf", "DroidSansFallback.ttf", False),
)
FONT_FILES: tuple[str, ...] = tuple(dict.fromkeys(f for face in FACES for f in face[1:3]))
