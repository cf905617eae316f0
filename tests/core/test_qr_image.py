"""The QR image: one pixel per module, a white quiet zone, and modules big enough to print."""

from __future__ import annotations

import dataclasses

import pytest
import zxingcpp
from PIL import Image

from tests.core.qr_fixtures import FIELDS, KEY, NAME_60, TITLE_70
from trainer.core.qr_code import encode
from trainer.core.qr_image import (
    MIN_MODULE_MM,
    QUIET_ZONE,
    module_mm,
    qr_image,
    qr_symbol,
)

TEXT = encode(FIELDS, KEY.sign_raw, KEY.kid)
LONG_TEXT = encode(
    dataclasses.replace(FIELDS, holder_name=NAME_60, title=TITLE_70), KEY.sign_raw, KEY.kid
)


def _version(image: Image.Image) -> int:
    return (image.width - 2 * QUIET_ZONE - 17) // 4


def test_the_image_is_grey_square_and_framed_in_white() -> None:
    image = qr_image(TEXT)
    assert image.mode == "L"
    assert image.width == image.height
    assert [level for level, count in enumerate(image.histogram()) if count] == [0, 255]
    inner = image.crop(
        (QUIET_ZONE, QUIET_ZONE, image.width - QUIET_ZONE, image.height - QUIET_ZONE)
    )
    assert image.histogram()[0] == inner.histogram()[0]  # every dark module inside the frame
    assert inner.getpixel((0, 0)) == 0  # the finder pattern starts right at the frame


def test_a_typical_certificate_gets_level_q_and_large_modules() -> None:
    image, level = qr_symbol(TEXT)
    assert level == "Q"
    assert _version(image) <= 12
    assert module_mm(image) >= MIN_MODULE_MM


def test_a_long_name_and_title_fall_back_to_m_and_keep_large_modules() -> None:
    image, level = qr_symbol(LONG_TEXT)
    assert level == "M"
    assert module_mm(image) >= MIN_MODULE_MM


def test_text_too_long_for_large_modules_still_gets_a_code() -> None:
    image, level = qr_symbol("x" * 1000)
    assert level == "L"
    assert module_mm(image) < MIN_MODULE_MM


@pytest.mark.parametrize("text", [TEXT, "CVI1:Renée"])
def test_the_symbol_declares_utf_8(text: str) -> None:
    # ECI 26 shows as symbology identifier ]Q2 followed by \000026 in the ECI-aware text.
    found = zxingcpp.read_barcodes(
        qr_image(text).resize((800, 800), Image.Resampling.NEAREST),
        text_mode=zxingcpp.TextMode.HexECI,
    )
    assert found[0].text.startswith("5D 51 32 5C 30 30 30 30 32 36 ")
