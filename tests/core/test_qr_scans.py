"""The QR code as printed: zbar and zxing-cpp read it from a 150-dpi rendering of the page, and
from a blurred, slightly rotated copy of that rendering (a photocopy or a phone photo)."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from typing import Any

import pypdfium2  # type: ignore[import-untyped, unused-ignore]
import pytest
import zxingcpp
from PIL import Image, ImageFilter
from reportlab.lib.pagesizes import landscape, letter  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.units import cm  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped, unused-ignore]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped, unused-ignore]

from tests.core.qr_fixtures import FIELDS, KEY, NAME_60, TITLE_70
from trainer.core.qr_code import encode, parse, signature_valid
from trainer.core.qr_image import PRINTED_SIZE_CM, qr_image

DPI = 150
PAGE_W, PAGE_H = landscape(letter)  # the certificate page
MARGIN = 54  # points from the right edge; the QR code sits in the bottom right corner

CASES = {
    "20-char name, 30-char title": FIELDS,
    "60-char name, 70-char title": dataclasses.replace(FIELDS, holder_name=NAME_60, title=TITLE_70),
    "accents (Latin-1 range)": dataclasses.replace(
        FIELDS, holder_name="Renée Ñoño Þórsson", title="Ångström: ß"
    ),
    "non-Latin scripts": dataclasses.replace(
        FIELDS, holder_name="Nguyễn Thị Minh Khai 李小龙", title="محمد — Ωmega"
    ),
}


def _zbar(image: Image.Image) -> list[str]:
    try:
        from pyzbar import pyzbar  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError as exc:  # pyzbar missing, or the system libzbar it loads
        pytest.skip(f"zbar is not available ({exc}); install it with: apt-get install libzbar0")
    found: Any = pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])
    return [symbol.data.decode("utf-8") for symbol in found]


_QR = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def _zxing(image: Image.Image) -> list[str]:
    found = zxingcpp.read_barcodes(image, formats=_QR)
    return [barcode.text for barcode in found]


DECODERS: dict[str, Callable[[Image.Image], list[str]]] = {"zbar": _zbar, "zxing-cpp": _zxing}


def _page(text: str) -> Image.Image:
    """The QR code drawn as the certificate draws it, on a landscape Letter page, at DPI."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(PAGE_W, PAGE_H))
    size = PRINTED_SIZE_CM * cm
    canvas.drawImage(ImageReader(qr_image(text)), PAGE_W - MARGIN - size, 70, size, size)
    canvas.showPage()
    canvas.save()
    document = pypdfium2.PdfDocument(out.getvalue())
    try:
        page: Image.Image = document[0].render(scale=DPI / 72).to_pil().convert("L")
    finally:
        document.close()
    return page


def _copy(page: Image.Image) -> Image.Image:
    """Softened and a little askew, as a photocopy or a phone photo is."""
    blurred = page.filter(ImageFilter.GaussianBlur(radius=1))
    return blurred.rotate(3, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


@pytest.fixture(scope="module", params=list(CASES))
def printed(request: pytest.FixtureRequest) -> tuple[str, Image.Image]:
    text = encode(CASES[request.param], KEY.sign_raw, KEY.kid)
    return text, _page(text)


@pytest.mark.parametrize("decoder", list(DECODERS))
def test_the_printed_code_reads_at_150_dpi(decoder: str, printed: tuple[str, Image.Image]) -> None:
    text, page = printed
    assert abs(page.width - PAGE_W / 72 * DPI) <= 1  # rendered at DPI, not larger
    assert DECODERS[decoder](page) == [text]


@pytest.mark.parametrize("decoder", list(DECODERS))
def test_a_blurred_rotated_copy_still_reads(decoder: str, printed: tuple[str, Image.Image]) -> None:
    text, page = printed
    assert DECODERS[decoder](_copy(page)) == [text]


def test_what_is_scanned_verifies(printed: tuple[str, Image.Image]) -> None:
    text, page = printed
    payload = parse(_zxing(_copy(page))[0])
    assert payload.text == text
    assert signature_valid(payload, KEY.public_jwk)
