"""Rebuild trainer/fonts/ from the Debian font packages (a maintainer's tool, not run by the app).

    apt-get download fonts-noto-core fonts-droid-fallback
    for f in fonts-*.deb; do dpkg-deb -x "$f" /tmp/fonts; done
    python scripts/bundle_fonts.py /tmp/fonts

Needs fontTools (pip install fonttools) here only: the app reads the result with reportlab and
Qt. Every face keeps all its layout features (Arabic joining, Devanagari conjuncts) and loses its
hinting instructions, which screens and PDF viewers do not need and which were about a third of
the Noto files. Droid Sans Fallback keeps the CJK ideographs, kana, CJK punctuation and
full-width forms (the Chinese and Japanese of names) and drops the rest of its 4 MB.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset

NOTO = "usr/share/fonts/truetype/noto"
DROID = "usr/share/fonts/truetype/droid"
ALL = "*"
CJK = ",".join(
    [
        "U+0020",
        "U+00B7",
        "U+2010-2027",  # dashes, quotes, ellipsis, middle dots
        "U+3000-303F",  # CJK symbols and punctuation
        "U+3040-30FF",  # hiragana, katakana
        "U+31F0-31FF",  # katakana phonetic extensions
        "U+3400-4DBF",  # CJK extension A (rarer characters, still in names)
        "U+4E00-9FFF",  # CJK unified ideographs
        "U+F900-FAFF",  # compatibility ideographs
        "U+FF00-FFEF",  # half-width and full-width forms
    ]
)
FACES = [
    (NOTO, "NotoSans-Regular.ttf", ALL),
    (NOTO, "NotoSans-Bold.ttf", ALL),
    (NOTO, "NotoSansArabic-Regular.ttf", ALL),
    (NOTO, "NotoSansArabic-Bold.ttf", ALL),
    (NOTO, "NotoSansDevanagari-Regular.ttf", ALL),
    (NOTO, "NotoSansDevanagari-Bold.ttf", ALL),
    (NOTO, "NotoSansHebrew-Regular.ttf", ALL),
    (NOTO, "NotoSansHebrew-Bold.ttf", ALL),
    (DROID, "DroidSansFallbackFull.ttf", CJK),
]


def main(source: str) -> None:
    target = Path(__file__).resolve().parent.parent / "trainer" / "fonts"
    for folder, name, unicodes in FACES:
        out = target / name.replace("Full", "")
        subset.main(
            [
                str(Path(source) / folder / name),
                f"--output-file={out}",
                f"--unicodes={unicodes}",
                "--layout-features=*",
                "--no-hinting",
                "--name-IDs=*",
                "--name-languages=*",
                "--notdef-outline",
                "--drop-tables+=DSIG",
            ]
        )
        print(f"{out.name}: {out.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main(sys.argv[1])
