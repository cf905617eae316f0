"""Rendering the credential certificate as a PDF (revision 1; see core.pdf_attachment).

Page 1 is the certificate a person frames (landscape US Letter); page 2 onwards is the
transcript (portrait US Letter). Page 1 carries a QR code with the compact signed credential
(core.qr_code), drawn large enough to scan from a photocopy.

Fonts are reportlab's bundled Bitstream Vera TrueType fonts, and for the characters Vera lacks
(Vietnamese, Greek, Cyrillic, Arabic, Devanagari, Chinese...) the faces bundled in trainer/fonts
(core.certificate_text); all embedded (subset) so every viewer shows the same thing and the text
stays extractable. Nothing depends on the fonts of the machine. Plain data in, bytes out; no Qt here.
reportlab's private canvas state is touched in one place only: `_Canvas`.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import reportlab  # type: ignore[import-untyped, unused-ignore]
from PIL import Image
from reportlab import rl_config  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.colors import Color, HexColor  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.pagesizes import (  # type: ignore[import-untyped, unused-ignore]
    landscape,
    letter,
)
from reportlab.lib.utils import (  # type: ignore[import-untyped, unused-ignore]
    ImageReader,
    simpleSplit,
)
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped, unused-ignore]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped, unused-ignore]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped, unused-ignore]

from trainer.core import certificate_text, qr_image
from trainer.core.dates import long_date
from trainer.core.errors import TrainerError, ValidationError
from trainer.core.program import ALL_ACTIVITIES

__all__ = ["CertificateContent", "render_certificate"]

QR_CAPTION = ("Scan or open this PDF in", "CVI Trainer › Verify to check it")


@dataclass(frozen=True)
class CertificateContent:
    """Everything printed on (and embedded in) one certificate. Plain data, already formatted."""

    organization_name: str
    organization_logo: bytes | None  # PNG or JPEG bytes
    holder_name: str
    title: str  # e.g. "CVI Practitioner: Foundations"
    tier: str  # human label, e.g. "Foundations"
    description: str  # 2-4 sentences about the program
    modules: tuple[tuple[str, str], ...]  # (module title, detail)
    scenarios: tuple[tuple[str, str], ...]  # (scenario title, detail)
    field_hours: tuple[tuple[str, float, str], ...]  # (activity, hours, signed off by)
    issued_on: date
    expires_on: date | None
    credential_id: str  # a UUID string
    verification_code: str  # e.g. "K7QX-2M9P-HT4R"
    issuer_name: str
    issuer_title: str
    disclaimer: str
    qr_token: str  # compact JWS carried by the QR code
    renews: str | None = None  # id of the credential this one renews
    training: tuple[tuple[str, str], ...] = ()  # (what, hours and where from)
    observed: tuple[tuple[str, str], ...] = ()  # (competency, level, when, by whom, in words)
    other: tuple[tuple[str, str], ...] = ()  # (requirement, evidence): policies, span of work


# --------------------------------------------------------------------------------------------
# Fonts, colours, page geometry
# --------------------------------------------------------------------------------------------

SANS = "CVITrainer-Vera"
BOLD = "CVITrainer-Vera-Bold"
# Two faces only: every embedded face is subset and written per document, and a third (italic,
# for two short phrases) cost a quarter of the render time. Those phrases are muted regular.
_FONT_FILES = {SANS: "Vera.ttf", BOLD: "VeraBd.ttf"}

_fonts_ready = False
_fonts_lock = threading.Lock()
# reportlab keeps per-document font-subset state on the shared TTFont objects; one render at a time.
_render_lock = threading.Lock()

ACCENT: Color = HexColor("#1D4E6B")  # deep blue-teal; the one accent colour
INK: Color = HexColor("#1E2428")
MUTED: Color = HexColor("#55606A")
RULE: Color = HexColor("#B7C3CC")
TINT: Color = HexColor("#EDF2F5")
WHITE: Color = HexColor("#FFFFFF")

CM = 72 / 2.54
QR_SIZE = qr_image.PRINTED_SIZE_CM * CM  # printed size of the QR image, quiet zone included


def _ensure_fonts() -> None:
    """Register the Vera TrueType fonts with reportlab once per process."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _fonts_lock:
        if _fonts_ready:
            return
        for font_name, file_name in _FONT_FILES.items():
            path = os.path.join(os.path.dirname(reportlab.__file__), "fonts", file_name)
            if not os.path.isfile(path):
                raise TrainerError(
                    f"The certificate font {file_name} (bundled with reportlab) is missing, so "
                    "certificates cannot be produced. Reinstall CVI Trainer."
                )
            font = TTFont(font_name, path)
            pdfmetrics.registerFont(font)
        _fonts_ready = True


class _Canvas(Canvas):  # type: ignore[misc, unused-ignore]
    """A reportlab canvas that draws a string Vera lacks characters for in the bundled faces
    (core.certificate_text), shaped and in display order. The one place that touches
    reportlab's private canvas state (_fontname, _fontsize, _leading, _code)."""

    def _draw(self, align: float, x: float, y: float, text: str, **kwargs: Any) -> None:
        font, size, leading = self._fontname, self._fontsize, self._leading
        runs = None if text.isascii() else certificate_text.layout(text, font, font == BOLD)
        if runs is None:
            if align == 0.0:
                super().drawString(x, y, text, **kwargs)
            elif align == 0.5:
                super().drawCentredString(x, y, text, **kwargs)
            else:
                super().drawRightString(x, y, text, **kwargs)
            return
        x -= sum(run.width for run in runs) * size * align
        try:
            for run in runs:
                self.setFont(run.font, size)
                if run.actual is not None:
                    actual = "FEFF" + run.actual.encode("utf-16-be").hex().upper()
                    self._code.append(f"/Span <</ActualText <{actual}>>> BDC")
                super().drawString(x, y, run.text)
                if run.actual is not None:
                    self._code.append("EMC")
                x += run.width * size
        finally:
            self.setFont(font, size, leading)

    def drawString(self, x: float, y: float, text: str, **kwargs: Any) -> None:  # noqa: N802 (reportlab's name)
        self._draw(0.0, x, y, text, **kwargs)

    def drawCentredString(self, x: float, y: float, text: str, **kwargs: Any) -> None:  # noqa: N802
        self._draw(0.5, x, y, text, **kwargs)

    def drawRightString(self, x: float, y: float, text: str, **kwargs: Any) -> None:  # noqa: N802
        self._draw(1.0, x, y, text, **kwargs)


def _width(text: str, font: str, size: float) -> float:
    if text.isascii():
        return float(pdfmetrics.stringWidth(text, font, size))
    return certificate_text.width(text, font, size, font == BOLD)


def _split(text: str, font: str, size: float, width: float) -> list[str]:
    """`text` in lines no wider than `width`, broken at spaces; a word wider than a line (a
    name in Chinese, which has no spaces) is broken between characters."""
    if text.isascii():
        lines: list[str] = simpleSplit(text, font, size, width)
        return lines or [""]
    lines = []
    for word in text.split():
        joined = f"{lines[-1]} {word}" if lines else word
        if lines and _width(joined, font, size) <= width:
            lines[-1] = joined
            continue
        while len(word) > 1 and _width(word, font, size) > width:
            low, high = 1, len(word) - 1  # the longest head that fits, found by halving
            while low < high:
                middle = (low + high + 1) // 2
                if _width(word[:middle], font, size) <= width:
                    low = middle
                else:
                    high = middle - 1
            while low > 1 and unicodedata.combining(word[low]):  # keep marks on their letter
                low -= 1
            lines.append(word[:low])
            word = word[low:]
        lines.append(word)
    return lines or [""]


def _hours(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _split_in_two(text: str) -> list[str]:
    """Break at the space nearest the middle, so two lines come out about equally long."""
    words = text.split()
    if len(words) < 2:
        return [text]
    best: list[str] = [text]
    best_diff = math.inf
    for i in range(1, len(words)):
        first, second = " ".join(words[:i]), " ".join(words[i:])
        diff = abs(len(first) - len(second))
        if diff < best_diff:
            best, best_diff = [first, second], diff
    return best


def _fit(
    text: str, font: str, largest: float, smallest: float, width: float, most: int = 2
) -> tuple[float, list[str]]:
    """Largest size (<= `largest`) at which `text` fits `width`; two lines if one would be too small.

    Never shrinks a single line below `smallest`; then two lines are used, at up to 80% of
    `largest` (still shrunk to fit), and up to `most` lines while the text is still smaller than
    `smallest`, or one line smaller than `smallest` if there is no space.
    """
    text = " ".join(text.split())
    one = _width(text, font, 1.0) or 1.0
    size = min(largest, width / one)
    if size >= smallest:
        return math.floor(size * 4) / 4, [text]
    best = (size, [text])
    lines = _split_in_two(text)
    for count in range(2, most + 1):
        if count > 2:
            lines = _balanced(text, font, count)
        if len(lines) < 2:
            break
        longest = max(_width(line, font, 1.0) for line in lines) or 1.0
        size_n = min(largest * 0.8, width / longest)  # several lines at full size would crowd
        if size_n > best[0]:
            best = (size_n, lines)
        if best[0] >= smallest:
            break
    return math.floor(best[0] * 4) / 4, best[1]


def _balanced(text: str, font: str, count: int) -> list[str]:
    """`text` in at most `count` lines of about equal width (the narrowest such wrapping)."""
    total = _width(text, font, 1.0)
    low, high = total / count, total
    for _ in range(12):
        middle = (low + high) / 2
        if len(_split(text, font, 1.0, middle)) <= count:
            high = middle
        else:
            low = middle
    return _split(text, font, 1.0, high)


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(_split(" ".join(paragraph.split()), font, size, width))
    return lines


def _fit_paragraph(
    text: str, font: str, largest: float, smallest: float, width: float, max_lines: int
) -> tuple[float, list[str]]:
    """Wrap `text`; shrink (down to `smallest`) until it takes at most `max_lines` lines."""
    size = largest
    lines = _wrap(text, font, size, width)
    while len(lines) > max_lines and size > smallest:
        size = max(smallest, size - 0.25)
        lines = _wrap(text, font, size, width)
    return size, lines


# --------------------------------------------------------------------------------------------
# QR code and logo images
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _binary_streams() -> Iterator[None]:
    """Skip reportlab's ASCII85 wrapping of image streams while rendering.

    ASCII85 is pure Python in reportlab and was a quarter of the render time; binary streams are
    also 20% smaller. The setting is global, so it is restored afterwards.
    """
    before = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = before


_logo_cache: dict[bytes, Any] = {}
LOGO_BOX = (190.0, 52.0)  # largest printed logo, points
_LOGO_DPI = 300


def _logo_reader(data: bytes) -> Any:
    """An ImageReader for the organisation's logo, no finer than 300 dpi at its printed size.

    Cached: the same logo goes on every certificate the organisation issues.
    """
    cached = _logo_cache.get(data)
    if cached is not None:
        return cached
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.load()
            image = probe.copy()
    except Exception as exc:  # Pillow raises many types for bad image data
        raise ValidationError(
            "The organization logo could not be read as a PNG or JPEG image. "
            "Upload the logo again as a PNG or JPEG file.",
            field="organization_logo",
        ) from exc
    scale = min(LOGO_BOX[0] / image.width, LOGO_BOX[1] / image.height) * _LOGO_DPI / 72
    resized = scale < 1
    if resized:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    if kind == "JPEG" and image.mode in ("L", "RGB"):
        if resized:
            image = image.resize(size, Image.Resampling.LANCZOS)
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=90)
            data_for_pdf = buffer.getvalue()
        else:
            data_for_pdf = data
        reader = ImageReader(io.BytesIO(data_for_pdf))  # embedded as JPEG (DCT), not re-encoded
    else:
        if image.mode not in ("L", "LA", "RGB", "RGBA"):
            image = image.convert("RGBA")
        if resized:
            image = image.resize(size, Image.Resampling.LANCZOS)
        reader = ImageReader(image)
    if len(_logo_cache) >= 4:
        _logo_cache.clear()
    _logo_cache[data] = reader
    return reader


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------

LAND_W, LAND_H = landscape(letter)
PORT_W, PORT_H = letter


def render_certificate(content: CertificateContent) -> bytes:
    """The certificate as PDF bytes: page 1 the certificate, then the transcript. This is
    revision 1: the issuer signs its digest into the credential, then attaches the credential
    (core.pdf_attachment)."""
    _ensure_fonts()
    qr = ImageReader(qr_image.qr_image(content.qr_token))
    out = io.BytesIO()
    with _render_lock, _binary_streams():
        logo = _logo_reader(content.organization_logo) if content.organization_logo else None
        canvas = _Canvas(
            out,
            pagesize=(LAND_W, LAND_H),
            pageCompression=1,
            initialFontName=SANS,
            lang="en-US",
        )
        canvas.setTitle(f"{content.title} — {content.holder_name}")
        canvas.setAuthor(content.organization_name)
        canvas.setSubject(
            f"Credential certificate and transcript issued by {content.organization_name} on "
            f"{content.issued_on.isoformat()}; credential ID {content.credential_id}"
        )
        canvas.setCreator("CVI Trainer")
        canvas.setKeywords(["credential", "certificate", "Open Badges", content.credential_id])
        _draw_certificate_page(canvas, content, qr, logo)
        canvas.showPage()
        _draw_transcript(canvas, content)
        canvas.save()
    return out.getvalue()


def _centred(canvas: Any, text: str, y: float, font: str, size: float, color: Color) -> None:
    canvas.setFillColor(color)
    canvas.setFont(font, size)
    canvas.drawCentredString(LAND_W / 2, y, text)


def _draw_certificate_page(canvas: Any, c: CertificateContent, qr: Any, logo: Any) -> None:
    w, h = LAND_W, LAND_H
    # Frame: a strong accent border, and a hairline inside it.
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(3)
    canvas.rect(24, 24, w - 48, h - 48)
    canvas.setLineWidth(0.75)
    canvas.rect(31, 31, w - 62, h - 62)
    # Small corner marks inside the hairline.
    canvas.setLineWidth(1.5)
    for mx, my, sx, sy in (
        (39, 39, 1, 1),
        (w - 39, 39, -1, 1),
        (39, h - 39, 1, -1),
        (w - 39, h - 39, -1, -1),
    ):
        canvas.line(mx, my, mx + 18 * sx, my)
        canvas.line(mx, my, mx, my + 18 * sy)

    text_width = w - 2 * 96  # generous side margins for the centred block
    tier_text = f"Credential tier: {' '.join(c.tier.split())}"
    centre = w / 2

    # --- Centred block, laid out top-down, then centred vertically in its band ---------------
    blocks: list[tuple[float, Callable[[float], None]]] = []  # (height, draw(top_y))

    if logo is not None:
        iw, ih = logo.getSize()
        scale = min(LOGO_BOX[0] / iw, LOGO_BOX[1] / ih)
        lw, lh = iw * scale, ih * scale

        def draw_logo(top: float, lw: float = lw, lh: float = lh) -> None:
            canvas.drawImage(logo, centre - lw / 2, top - lh, lw, lh, mask="auto")

        blocks.append((lh + 12, draw_logo))

    # Long names and titles wrap onto more lines; if the centred block is then taller than its
    # band, all of it is set smaller until it fits, so nothing reaches the signature and QR code.
    band_top, band_bottom = h - 60, 206
    fixed = 30 + 24 + 26 + (blocks[0][0] if blocks else 0.0)
    for shrink in (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4):
        org_size, org_lines = _fit(
            c.organization_name, BOLD, 15 * shrink, 11 * shrink, text_width, 3
        )
        name_size, name_lines = _fit(c.holder_name, BOLD, 36 * shrink, 22 * shrink, text_width, 4)
        title_size, title_lines = _fit(c.title, BOLD, 26 * shrink, 16 * shrink, text_width, 3)
        tier_size, tier_lines = _fit(tier_text, SANS, 12, 9, text_width)
        needed = (
            fixed
            + org_size * 1.25 * len(org_lines)
            + 2
            + name_size * 1.15 * len(name_lines)
            + 14
            + title_size * 1.2 * len(title_lines)
            + 4
            + tier_size
            + 4
        )
        if needed <= band_top - band_bottom:
            break

    def draw_org(top: float) -> None:
        y = top - org_size
        for line in org_lines:
            _centred(canvas, line, y, BOLD, org_size, ACCENT)
            y -= org_size * 1.25

    blocks.append((org_size * 1.25 * len(org_lines) + 2, draw_org))

    def draw_heading(top: float) -> None:
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(1)
        canvas.line(centre - 150, top - 7, centre - 70, top - 7)
        canvas.line(centre + 70, top - 7, centre + 150, top - 7)
        canvas.setFillColor(MUTED)
        canvas.setFont(SANS, 10)
        canvas.drawCentredString(centre, top - 10.5, "CERTIFICATE", charSpace=3)

    blocks.append((30, draw_heading))

    def draw_certifies(top: float) -> None:
        _centred(canvas, "This certifies that", top - 13, SANS, 13, MUTED)

    blocks.append((24, draw_certifies))

    def draw_name(top: float) -> None:
        y = top - name_size
        for line in name_lines:
            _centred(canvas, line, y, BOLD, name_size, INK)
            y -= name_size * 1.15
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.75)
        rule = min(text_width, max(320, max(_width(ln, BOLD, name_size) for ln in name_lines) + 60))
        canvas.line(
            centre - rule / 2,
            y + name_size * 1.15 - 12,
            centre + rule / 2,
            y + name_size * 1.15 - 12,
        )

    blocks.append((name_size * 1.15 * len(name_lines) + 14, draw_name))

    def draw_completed(top: float) -> None:
        _centred(canvas, "has completed the requirements of", top - 13, SANS, 13, MUTED)

    blocks.append((26, draw_completed))

    def draw_title(top: float) -> None:
        y = top - title_size
        for line in title_lines:
            _centred(canvas, line, y, BOLD, title_size, ACCENT)
            y -= title_size * 1.2

    blocks.append((title_size * 1.2 * len(title_lines) + 4, draw_title))

    def draw_tier(top: float) -> None:
        _centred(
            canvas,
            tier_lines[0] if len(tier_lines) == 1 else tier_text,
            top - tier_size,
            SANS,
            tier_size,
            INK,
        )

    blocks.append((tier_size + 4, draw_tier))

    # Share the spare height: some above, some between the blocks, the rest below.
    total = sum(height for height, _ in blocks)
    spare = max(0.0, band_top - band_bottom - total)
    between = min(12.0, spare * 0.5 / (len(blocks) - 1))
    y = band_top - (spare - between * (len(blocks) - 1)) * 0.45
    for height, draw in blocks:
        draw(y)
        y -= height + between

    # --- Bottom band: signature | dates and IDs | QR code -------------------------------------
    left, right = 72.0, w - 72.0
    qr_x, qr_y = right - QR_SIZE, 60
    canvas.drawImage(qr, qr_x, qr_y, QR_SIZE, QR_SIZE)
    caption = QR_CAPTION
    caption_size = min(7.0, (QR_SIZE + 16) / max(_width(ln, SANS, 1) for ln in caption))
    canvas.setFillColor(MUTED)
    canvas.setFont(SANS, caption_size)
    cy = qr_y - 1 - caption_size
    for line in caption:
        canvas.drawCentredString(qr_x + QR_SIZE / 2, cy, line)
        cy -= caption_size * 1.25

    # Signature block (left): a line to sign on, the issuing manager's name and title below it.
    sig_w = 210
    sig_line_y = 128
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.75)
    canvas.line(left, sig_line_y, left + sig_w, sig_line_y)
    issuer_size, issuer_lines = _fit(c.issuer_name, BOLD, 11, 8, sig_w)
    canvas.setFillColor(INK)
    canvas.setFont(BOLD, issuer_size)
    ty = sig_line_y - 6 - issuer_size
    for line in issuer_lines:
        canvas.drawString(left, ty, line)
        ty -= issuer_size * 1.2
    job_size, job_lines = _fit_paragraph(c.issuer_title, SANS, 9, 7, sig_w, 2)
    canvas.setFillColor(MUTED)
    canvas.setFont(SANS, job_size)
    for line in job_lines:
        canvas.drawString(left, ty + 1, line)
        ty -= job_size * 1.25

    # Dates and identifiers (middle), level with the QR code.
    mid_x = left + sig_w + 44
    mid_w = qr_x - 28 - mid_x
    rows: list[tuple[str, str, str, float]] = [
        ("Issued", long_date(c.issued_on), BOLD, 10),
        ("Expires", long_date(c.expires_on) if c.expires_on else "Does not expire", BOLD, 10),
        ("Verification code", c.verification_code, BOLD, 11),
        ("Credential ID", c.credential_id, SANS, 8),
    ]
    if c.renews:
        rows.append(("Renews credential", c.renews, SANS, 7))
    label_w = 84
    step = 17.0 if not c.renews else 15.0
    ry = qr_y + QR_SIZE / 2 + step * (len(rows) - 1) / 2 - 3
    for label, value, font, size in rows:
        canvas.setFillColor(MUTED)
        canvas.setFont(SANS, 7.5)
        canvas.drawString(mid_x, ry, label)
        value_size, _ = _fit(value, font, size, 1, mid_w - label_w)
        canvas.setFillColor(INK)
        canvas.setFont(font, value_size)
        canvas.drawString(mid_x + label_w, ry, value)
        ry -= step

    # Disclaimer: small print along the bottom, left of the QR code.
    disc_w = qr_x - 28 - left
    disc_size, disc_lines = _fit_paragraph(c.disclaimer, SANS, 7, 5.5, disc_w, 3)
    if len(disc_lines) > 4:  # the transcript carries it in full
        more = " … (in full on the transcript)"
        room = disc_w - _width(more, SANS, disc_size)
        last = _ellipsize(disc_lines[3], SANS, disc_size, room).rstrip("…").rstrip()
        disc_lines = [*disc_lines[:3], last + more]
    canvas.setFillColor(MUTED)
    canvas.setFont(SANS, disc_size)
    dy = 50 + (len(disc_lines) - 1) * disc_size * 1.3
    for line in disc_lines:
        canvas.drawString(left, dy, line)
        dy -= disc_size * 1.3


def _ellipsize(text: str, font: str, size: float, width: float) -> str:
    text = " ".join(text.split())
    if _width(text, font, size) <= width:
        return text
    while text and _width(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


# --- Transcript ------------------------------------------------------------------------------

_MARGIN = 54
_BOTTOM = 58  # lowest baseline for body content; the footer sits below it


class _Transcript:
    """A top-down cursor over portrait pages that starts a new page when content runs out."""

    def __init__(self, canvas: Any, c: CertificateContent) -> None:
        self.canvas = canvas
        self.c = c
        self.page = 1  # the certificate page
        self.y = 0.0
        self.width = PORT_W - 2 * _MARGIN

    def new_page(self, first: bool) -> None:
        canvas = self.canvas
        if not first:
            canvas.showPage()
        canvas.setPageSize((PORT_W, PORT_H))
        self.page += 1
        canvas.setFillColor(ACCENT)
        canvas.rect(0, PORT_H - 10, PORT_W, 10, stroke=0, fill=1)
        self._footer()
        if first:
            self.y = PORT_H - 48
            return
        canvas.setFillColor(MUTED)
        canvas.setFont(SANS, 8.5)
        canvas.drawString(
            _MARGIN,
            PORT_H - 40,
            _ellipsize(
                f"Transcript (continued) — {self.c.holder_name} · {self.c.title}",
                SANS,
                8.5,
                self.width,
            ),
        )
        self.y = PORT_H - 62

    def _footer(self) -> None:
        canvas = self.canvas
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(_MARGIN, 44, PORT_W - _MARGIN, 44)
        canvas.setFillColor(MUTED)
        canvas.setFont(SANS, 7)
        canvas.drawString(
            _MARGIN,
            33,
            f"Credential ID {self.c.credential_id} · Verification code {self.c.verification_code}",
        )
        canvas.drawRightString(PORT_W - _MARGIN, 33, f"Page {self.page}")

    def room(self, height: float) -> None:
        if self.y - height < _BOTTOM:
            self.new_page(first=False)

    def heading(self, text: str, follow: float) -> None:
        """A section heading, kept on the same page as at least `follow` points of what follows."""
        size, lines = _fit(text, BOLD, 12, 10, self.width)  # never past the page's edge
        self.room(26 + size * 1.25 * (len(lines) - 1) + follow)
        self.y -= 18
        canvas = self.canvas
        canvas.setFillColor(ACCENT)
        canvas.setFont(BOLD, size)
        for index, line in enumerate(lines):
            if index:
                self.y -= size * 1.25
            canvas.drawString(_MARGIN, self.y, line)
        self.y -= 8

    def paragraph(self, text: str, font: str = SANS, size: float = 9.5, color: Color = INK) -> None:
        leading = size * 1.4
        for line in _wrap(text, font, size, self.width):
            self.room(leading)
            self.y -= leading
            self.canvas.setFillColor(color)
            self.canvas.setFont(font, size)
            self.canvas.drawString(_MARGIN, self.y, line)

    def table(
        self,
        title: str,
        columns: Sequence[tuple[str, float, str]],  # (header, share of width, "l" | "r")
        rows: Sequence[Sequence[str]],
        total: Sequence[str] | None = None,
        empty: str = "None recorded.",
    ) -> None:
        size, leading, pad = 9.0, 11.0, 2.75
        widths = [share * self.width for _, share, _ in columns]

        def cells(values: Sequence[str], font: str) -> list[list[str]]:
            return [
                _split(value, font, size, wd - 2 * pad)
                for value, wd in zip(values, widths, strict=True)
            ]

        header_h = leading + 2 * pad
        first_row_h = (
            (max(len(x) for x in cells(rows[0], SANS)) * leading + 2 * pad) if rows else 20.0
        )
        self.heading(title, header_h + first_row_h)
        if not rows:
            self.paragraph(empty, SANS, 9, MUTED)
            return
        self._table_header(columns, widths, size, leading, pad)
        for index, row in enumerate(rows):
            wrapped = cells(row, SANS)
            row_h = max(len(x) for x in wrapped) * leading + 2 * pad
            if self.y - row_h < _BOTTOM:
                self.new_page(first=False)
                self.canvas.setFillColor(ACCENT)
                self.canvas.setFont(BOLD, 10)
                self.canvas.drawString(_MARGIN, self.y - 12, f"{title} (continued)")
                self.y -= 18
                self._table_header(columns, widths, size, leading, pad)
            self._row(wrapped, columns, widths, size, leading, pad, row_h, SANS, index % 2 == 1)
        if total is not None:
            wrapped = cells(total, BOLD)
            row_h = max(len(x) for x in wrapped) * leading + 2 * pad
            self.room(row_h)
            self.canvas.setStrokeColor(INK)
            self.canvas.setLineWidth(0.75)
            self.canvas.line(_MARGIN, self.y, _MARGIN + self.width, self.y)
            self._row(wrapped, columns, widths, size, leading, pad, row_h, BOLD, False)

    def _table_header(
        self,
        columns: Sequence[tuple[str, float, str]],
        widths: list[float],
        size: float,
        leading: float,
        pad: float,
    ) -> None:
        canvas = self.canvas
        row_h = leading + 2 * pad
        canvas.setFillColor(TINT)
        canvas.rect(_MARGIN, self.y - row_h, self.width, row_h, stroke=0, fill=1)
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(0.75)
        canvas.line(_MARGIN, self.y - row_h, _MARGIN + self.width, self.y - row_h)
        self._row(
            [[h] for h, _, _ in columns],
            columns,
            widths,
            size,
            leading,
            pad,
            row_h,
            BOLD,
            False,
            ACCENT,
        )

    def _row(
        self,
        wrapped: list[list[str]],
        columns: Sequence[tuple[str, float, str]],
        widths: list[float],
        size: float,
        leading: float,
        pad: float,
        row_h: float,
        font: str,
        shaded: bool,
        color: Color = INK,
    ) -> None:
        canvas = self.canvas
        if shaded:
            canvas.setFillColor(HexColor("#F6F8FA"))
            canvas.rect(_MARGIN, self.y - row_h, self.width, row_h, stroke=0, fill=1)
        canvas.setFillColor(color)
        canvas.setFont(font, size)
        x = float(_MARGIN)
        for lines, wd, (_, _, align) in zip(wrapped, widths, columns, strict=True):
            ty = self.y - pad - size
            for line in lines:
                if align == "r":
                    canvas.drawRightString(x + wd - pad, ty, line)
                else:
                    canvas.drawString(x + pad, ty, line)
                ty -= leading
            x += wd
        self.y -= row_h
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.35)
        canvas.line(_MARGIN, self.y, _MARGIN + self.width, self.y)


def _draw_transcript(canvas: Any, c: CertificateContent) -> None:
    t = _Transcript(canvas, c)
    t.new_page(first=True)
    width = t.width

    # Header: organisation, document name, who and what.
    canvas.setFillColor(ACCENT)
    org_size, org_lines = _fit(c.organization_name, BOLD, 10, 6, width, 3)
    canvas.setFont(BOLD, org_size)
    for line in org_lines:
        canvas.drawString(_MARGIN, t.y, line)
        t.y -= org_size * 1.25
    t.y -= 30 - org_size * 1.25
    canvas.setFillColor(INK)
    canvas.setFont(BOLD, 22)
    canvas.drawString(_MARGIN, t.y, "Transcript")
    t.y -= 22
    name_size, name_lines = _fit(c.holder_name, BOLD, 15, 11, width, 4)
    for line in name_lines:
        canvas.setFont(BOLD, name_size)
        canvas.drawString(_MARGIN, t.y, line)
        t.y -= name_size * 1.25
    title_size, title_lines = _fit(
        f"{c.title} · {' '.join(c.tier.split())} tier", SANS, 11, 10, width
    )
    canvas.setFillColor(MUTED)
    for line in title_lines:
        canvas.setFont(SANS, title_size)
        canvas.drawString(_MARGIN, t.y, line)
        t.y -= title_size * 1.3
    t.y -= 6

    # Summary box: dates and identifiers in two columns, then who issued it.
    col_x = (_MARGIN + 10, _MARGIN + 10 + width * 0.4)
    col_w = (width * 0.4 - 10, width * 0.6 - 10)
    pairs = [
        (
            ("Issued", long_date(c.issued_on), SANS),
            ("Verification code", c.verification_code, BOLD),
        ),
        (
            ("Expires", long_date(c.expires_on) if c.expires_on else "Does not expire", SANS),
            ("Credential ID", c.credential_id, SANS),
        ),
    ]
    wide = [("Issued by", f"{' '.join(c.issuer_name.split())}, {' '.join(c.issuer_title.split())}")]
    if c.renews:
        wide.append(("Renews credential", c.renews))
    wide_lines = [_split(value, SANS, 9, width - 102) for _, value in wide]
    box_h = 12 + 14 * len(pairs) + sum(2 + 12 * len(lines) for lines in wide_lines)
    canvas.setFillColor(TINT)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.rect(_MARGIN, t.y - box_h, width, box_h, stroke=1, fill=1)
    fy = t.y - 17
    for pair in pairs:
        for col, (label, value, font) in enumerate(pair):
            canvas.setFillColor(MUTED)
            canvas.setFont(SANS, 8.5)
            canvas.drawString(col_x[col], fy, label)
            value_size, _ = _fit(value, font, 9, 1, col_w[col] - 82)
            canvas.setFillColor(INK)
            canvas.setFont(font, value_size)
            canvas.drawString(col_x[col] + 82, fy, value)
        fy -= 14
    for (label, _), lines in zip(wide, wide_lines, strict=True):
        canvas.setFillColor(MUTED)
        canvas.setFont(SANS, 8.5)
        canvas.drawString(_MARGIN + 10, fy, label)
        canvas.setFillColor(INK)
        canvas.setFont(SANS, 9)
        for line in lines:
            canvas.drawString(_MARGIN + 92, fy, line)
            fy -= 12
        fy -= 2
    t.y -= box_h + 2

    t.heading("About this credential", 30)
    t.paragraph(c.description)

    # A section appears only when the program asks for it.
    if c.modules:
        t.table(
            "Training modules",
            [("Module", 0.55, "l"), ("Completion", 0.45, "l")],
            [(title, detail) for title, detail in c.modules],
        )
    if c.training:
        t.table(
            "Training hours",
            [("Requirement", 0.3, "l"), ("Counted", 0.7, "l")],
            list(c.training),
        )
    if c.scenarios:
        t.table(
            "Practice scenarios passed in assessment mode (simulated situations, scored, no undo)",
            [("Scenario", 0.55, "l"), ("Result", 0.45, "l")],
            [(title, detail) for title, detail in c.scenarios],
        )
    if c.observed:
        t.table(
            "Observed practice",
            [
                ("Competency", 0.25, "l"),
                ("Level awarded, by whom, and the rubric's words", 0.75, "l"),
            ],
            list(c.observed),
        )
    total_hours = sum(hours for _, hours, _ in c.field_hours)
    if c.field_hours:
        t.table(
            "Supervised field hours",
            [("Activity", 0.52, "l"), ("Hours", 0.13, "r"), ("Signed off by", 0.35, "l")],
            [(activity, _hours(hours), by) for activity, hours, by in c.field_hours],
            # Rows overlap when one counts any activity (40 h shadowing are part of 120 h of
            # any kind), so a sum would overstate the hours; only separate kinds are totalled.
            total=None
            if any(activity == ALL_ACTIVITIES for activity, _, _ in c.field_hours)
            else ("Total", _hours(total_hours), ""),
        )
    if c.other:
        t.table(
            "Also required", [("Requirement", 0.35, "l"), ("Evidence", 0.65, "l")], list(c.other)
        )

    # Disclaimer at the end of the transcript.
    size = 7.5
    lines = _wrap(c.disclaimer, SANS, size, width)
    t.room(20 + len(lines) * size * 1.35)
    t.y -= 14
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(_MARGIN, t.y, _MARGIN + width, t.y)
    t.y -= 2
    t.paragraph(c.disclaimer, SANS, size, MUTED)
