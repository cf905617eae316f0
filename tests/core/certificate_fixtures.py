"""A realistic certificate to render and read back: real QR text signed by the test key, a
JWS-shaped badge token of realistic size, and readers for what a page shows."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
from datetime import date

import pypdfium2
import zxingcpp
from PIL import Image

from tests.core.qr_fixtures import FIELDS, KEY
from trainer.core import qr_code
from trainer.core.certificate_render import CertificateContent

LONG_NAME = "Alexandria Guadalupe Montserrat Villanueva-Castellanos Ortiz"
assert len(LONG_NAME) == 60

HOLDER = "Maria Esperanza Delgado-Whitfield"
TITLE = "CVI Practitioner: Foundations"
CREDENTIAL_ID = "3f2b8c1e-9a47-4d2e-b6f0-7c5a1e9d0b34"
CODE = "K7QX-2M9P-HT4R"
ISSUED, EXPIRES = date(2026, 4, 14), date(2028, 4, 14)


def qr_text(**changes: object) -> str:
    """A real, signed QR text for the certificate `content` describes."""
    fields = dataclasses.replace(
        FIELDS,
        credential_uuid=CREDENTIAL_ID,
        holder_name=HOLDER,
        title=TITLE,
        issued_on=ISSUED,
        expires_on=EXPIRES,
        code=CODE,
    )
    return qr_code.encode(dataclasses.replace(fields, **changes), KEY.sign_raw, KEY.kid)  # type: ignore[arg-type]


QR_TEXT = qr_text()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jws_shaped(payload_bytes: int, seed: str) -> str:
    """A compact-JWS-shaped string (header.payload.signature, base64url) of realistic length."""
    header = _b64(json.dumps({"alg": "ES256", "kid": KEY.kid, "typ": "JWT"}).encode())
    stream = b"".join(
        hashlib.sha256(f"{seed}{i}".encode()).digest() for i in range(payload_bytes // 32 + 3)
    )
    return f"{header}.{_b64(stream[:payload_bytes])}.{_b64(stream[-64:])}"


BADGE_JWT = jws_shaped(1900, "badge")  # ~2.6k characters, like the Open Badges VC-JWT


def png_logo() -> bytes:
    image = Image.new("RGBA", (480, 160), (0, 0, 0, 0))
    image.paste((29, 78, 107, 255), (0, 0, 160, 160))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def content(**changes: object) -> CertificateContent:
    made = CertificateContent(
        organization_name="Eastside Peacekeepers Collective",
        organization_logo=png_logo(),
        holder_name=HOLDER,
        title=TITLE,
        tier="Foundations",
        description=(
            "The Foundations credential recognises a community violence intervention worker who "
            "has completed the core curriculum, shown sound judgement in assessed scenarios, and "
            "logged supervised field hours."
        ),
        modules=tuple(
            (
                f"Module {i}: conflict mediation and de-escalation",
                f"version 3 · passed {i} Mar 2026 · 90%",
            )
            for i in range(1, 9)
        ),
        scenarios=tuple(
            (f"Scenario {i}: retaliation talk at a vigil", f"assessment · 85% · {i} Apr 2026")
            for i in range(1, 5)
        ),
        field_hours=(
            ("Street outreach shifts", 24.0, "Dana Ruiz"),
            ("Hospital bedside response", 8.5, "Marcus Bell"),
        ),
        issued_on=ISSUED,
        expires_on=EXPIRES,
        credential_id=CREDENTIAL_ID,
        verification_code=CODE,
        issuer_name="Dana Ruiz",
        issuer_title="Director of Training",
        disclaimer=(
            "This certificate records training completed in CVI Trainer. It is not a professional "
            "licence."
        ),
        qr_token=QR_TEXT,
    )
    return dataclasses.replace(made, **changes)  # type: ignore[arg-type]


def page_text(pdf: bytes, index: int = 0) -> str:
    """The page's text as PDFium extracts it, whitespace-normalised."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return " ".join(document[index].get_textpage().get_text_range().split())
    finally:
        document.close()


def qr_on_page_one(pdf: bytes, dpi: int = 150) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        picture = document[0].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    # QR codes only: with every format on, zxing now and then reads a stray 1D "barcode" in text.
    qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    return [b.text for b in zxingcpp.read_barcodes(picture, formats=qr)]
