"""Names and titles in any script on the certificate: the bundled faces (trainer/fonts), the
face chosen for each run of a string, shaping and right-to-left order. No Qt.

A string the primary face (Vera) covers is drawn as before. Otherwise the first bundled face
that has every character draws all of it; a string no one face covers (an Arabic name with a
Latin acronym) is split into runs, each in the first face that has its characters. Runs are put
in display order by the Unicode bidirectional algorithm (python-bidi) and Arabic, Hebrew and
Devanagari runs are shaped by HarfBuzz (uharfbuzz, through reportlab's own shaping support):
joined letters, conjuncts, vowel signs in place.

Text extraction (the verifier reads a re-saved page with PDFium): Arabic and Hebrew glyphs map
back to their letters through the font, and PDFium puts them in reading order itself; a
left-to-right shaped run whose glyphs do not spell its text (a Devanagari conjunct has no
character of its own) carries its text as /ActualText.
"""

from __future__ import annotations

import functools
import threading
import unicodedata
from dataclasses import dataclass

from bidi import algorithm as bidi_algorithm  # type: ignore[import-untyped, unused-ignore]
from bidi.mirror import MIRRORED  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.abag import ABag  # type: ignore[import-untyped, unused-ignore]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped, unused-ignore]
from reportlab.pdfbase.ttfonts import (  # type: ignore[import-untyped, unused-ignore]
    TTFont,
    shapeFragWord,
)

from trainer.core.errors import TrainerError
from trainer.core.fonts import FACES as _FACES
from trainer.core.fonts import FONT_DIR, FONT_FILES

__all__ = ["FONT_DIR", "FONT_FILES", "Run", "layout", "width"]

_IGNORED = frozenset({0x0A, 0x0D, 0xA0, 0x200C, 0x200D})  # never drawn as glyphs of their own
_lock = threading.Lock()
_loaded: dict[str, tuple[str, frozenset[int]]] = {}  # reportlab font name -> (name, cmap)


@dataclass(frozen=True)
class Run:
    """Part of a line in one face, in display order. `text` is what to draw (reportlab's
    ShapedStr for a shaped run); `width` at size 1; `actual` the text it spells, when the
    glyphs alone would not extract as that text."""

    font: str
    text: str
    width: float
    actual: str | None = None


def _font(face: int, bold: bool) -> tuple[str, frozenset[int]]:
    """Register a bundled face with reportlab on first use; its name and character set."""
    family, regular, bold_file, _ = _FACES[face]
    file_name = bold_file if bold else regular
    name = f"CVITrainer-{file_name.removesuffix('.ttf')}"
    found = _loaded.get(name)
    if found is not None:
        return found
    with _lock:
        if name not in _loaded:
            path = FONT_DIR / file_name
            try:
                font = TTFont(name, str(path))
            except (OSError, ValueError) as exc:
                raise TrainerError(
                    f"The certificate font {path} is missing or damaged, so certificates in "
                    f"{family}'s scripts cannot be produced. Reinstall CVI Trainer."
                ) from exc
            pdfmetrics.registerFont(font)
            _loaded[name] = (name, frozenset(font.face.charToGlyph))
    return _loaded[name]


def _covers(chars: frozenset[int], text: str) -> bool:
    return all(ord(ch) in chars or ord(ch) in _IGNORED for ch in text)


@functools.lru_cache(maxsize=1024)
def layout(text: str, primary: str, bold: bool) -> tuple[Run, ...] | None:
    """`text` as runs in display order, or None when `primary` draws it all as it is."""
    primary_chars = frozenset(pdfmetrics.getFont(primary).face.charToGlyph)
    rtl = any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)
    if not rtl and _covers(primary_chars, text):
        return None
    face = next((i for i in range(len(_FACES)) if _covers(_font(i, bold)[1], text)), None)
    pieces = _pieces(text, face, bold)
    levels = _levels(text) if rtl else [0] * len(text)
    runs: list[tuple[int, int, int]] = []  # (face, level, start)
    for i, (face, level) in enumerate(zip(pieces, levels, strict=True)):
        if not runs or runs[-1][:2] != (face, level):
            runs.append((face, level, i))
    ends = [start for _, _, start in runs[1:]] + [len(text)]
    made = [
        (level, _run(text[start:end], face, bold, level))
        for (face, level, start), end in zip(runs, ends, strict=True)
    ]
    return tuple(_reorder(made))


def width(text: str, primary: str, size: float, bold: bool) -> float:
    runs = layout(text, primary, bold)
    if runs is None:
        return float(pdfmetrics.stringWidth(text, primary, size))
    return sum(run.width for run in runs) * size


def _pieces(text: str, face: int | None, bold: bool) -> list[int]:
    """The face of each character: `face` for all when one face has them all; otherwise the
    first face that has it, spaces and marks staying with the face before them."""
    if face is not None:
        return [face] * len(text)
    charsets = [_font(i, bold)[1] for i in range(len(_FACES))]
    out: list[int] = []
    for ch in text:
        code = ord(ch)
        current = out[-1] if out else None
        if current is not None and code in charsets[current]:
            neutral = unicodedata.bidirectional(ch) in ("WS", "ON", "CS", "NSM", "BN")
            if neutral or unicodedata.category(ch).startswith("M"):
                out.append(current)
                continue
        out.append(next((i for i, cs in enumerate(charsets) if code in cs), current or 0))
    return out


def _levels(text: str) -> list[int]:
    """Resolved bidi embedding level of each character (rules P2-I2 of UAX #9)."""
    # python-bidi's pure-Python algorithm exposes the levels; its Rust get_display does not.
    storage = bidi_algorithm.get_empty_storage()
    storage["base_level"] = bidi_algorithm.get_base_level(text)
    storage["base_dir"] = ("L", "R")[storage["base_level"]]
    bidi_algorithm.get_embedding_levels(text, storage)
    bidi_algorithm.explicit_embed_and_overrides(storage)
    bidi_algorithm.resolve_weak_types(storage, False)
    bidi_algorithm.resolve_neutral_types(storage, False)
    bidi_algorithm.resolve_implicit_levels(storage, False)
    levels = [int(ch["level"]) for ch in storage["chars"]]
    if len(levels) != len(text):  # never for str input; be safe rather than misdraw
        return [storage["base_level"]] * len(text)
    return levels


def _run(text: str, face: int, bold: bool, level: int) -> Run:
    font = _font(face, bold)[0]
    if _FACES[face][3] or level % 2:
        if level % 2 and not any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
            # A right-to-left run of neutrals (a bracket between Arabic words): HarfBuzz would
            # guess left-to-right, so reverse and mirror it here.
            text = "".join(MIRRORED.get(c, c) for c in reversed(text))
        else:
            # Required features only: reportlab's default adds discretionary ligatures, which
            # print محمد with vowel marks the name does not have.
            word = [0.0, (ABag(fontName=font, fontSize=10), text)]
            shaped = shapeFragWord(word, features={"kern": True, "liga": True})[1][1]
            advance = sum(d.x_advance for d in getattr(shaped, "__shapeData__", None) or ())
            if hasattr(shaped, "__shapeData__"):
                spelled = str(shaped) == text or level % 2 == 1
                return Run(font, shaped, advance / 1000, None if spelled else text)
    return Run(font, text, float(pdfmetrics.stringWidth(text, font, 1.0)))


def _reorder(runs: list[tuple[int, Run]]) -> list[Run]:
    """Rule L2 of UAX #9 at run granularity: each run is already in display order inside."""
    if not runs:
        return []
    items = list(runs)
    highest = max(level for level, _ in items)
    lowest_odd = min((level for level, _ in items if level % 2), default=highest + 1)
    for at in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(items):
            if items[i][0] >= at:
                j = i
                while j < len(items) and items[j][0] >= at:
                    j += 1
                items[i:j] = reversed(items[i:j])
                i = j
            else:
                i += 1
    return [run for _, run in items]
