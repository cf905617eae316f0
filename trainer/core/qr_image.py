"""The certificate's QR code as an image to print: modules big enough to scan from a photocopy.

One pixel per module (the PDF scales it up without smoothing), 8-bit gray, a 4-module quiet zone,
and the strongest error correction that keeps each module at least MIN_MODULE_MM wide when the
image is printed PRINTED_SIZE_CM square.
"""

from __future__ import annotations

from typing import Any, cast

import zxingcpp
from PIL import Image

QUIET_ZONE = 4  # modules each side, as ISO/IEC 18004 asks
PRINTED_SIZE_CM = 5.0  # printed side of the image, quiet zone included
MIN_MODULE_MM = 0.6
# Largest side in modules (quiet zone included) that keeps MIN_MODULE_MM at PRINTED_SIZE_CM:
# 83, so up to version 14 (73 modules + 8).
MAX_SIDE_MODULES = int(PRINTED_SIZE_CM * 10 / MIN_MODULE_MM)
# Q recovers ~25% damaged codewords, M ~15%, L ~7%; the first that fits is used. L is the last
# resort for unusually long names and titles and may print below MIN_MODULE_MM.
EC_LEVELS = ("Q", "M", "L")


def qr_symbol(text: str) -> tuple[Image.Image, str]:
    """The QR image for `text` and the error-correction level it uses."""
    for level in EC_LEVELS:
        image = _draw(text, level)
        if image.width <= MAX_SIDE_MODULES:
            break
    return image, level


def qr_image(text: str) -> Image.Image:
    """The QR image for `text`: one pixel per module, "L" mode (0 dark, 255 light)."""
    return qr_symbol(text)[0]


def module_mm(image: Image.Image) -> float:
    """Printed width of one module, in millimetres, when `image` is drawn PRINTED_SIZE_CM wide."""
    return PRINTED_SIZE_CM * 10 / image.width


def _draw(text: str, level: str) -> Image.Image:
    # eci=26 declares UTF-8. Without it zxing-cpp writes Latin-1 when the text allows and readers
    # guess the character set: zbar read "Renée" as Shift JIS.
    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=level, eci=26)
    bitmap = symbol.to_image(scale=1, add_quiet_zones=False)
    height, width = bitmap.shape[:2]
    # The buffer protocol avoids needing numpy.
    code = Image.frombytes("L", (width, height), bytes(memoryview(cast(Any, bitmap))))
    side = width + 2 * QUIET_ZONE
    framed = Image.new("L", (side, side), 255)
    framed.paste(code, (QUIET_ZONE, QUIET_ZONE))
    return framed
