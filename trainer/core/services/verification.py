"""Verify what someone puts in front of a manager: a certificate PDF, an Open Badge file, a QR
image or its text, or a verification code. Offline: trust and status come from this database."""

from __future__ import annotations

import io
import warnings
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from trainer.core.errors import CredentialFormatError
from trainer.core.models import Credential, Organization
from trainer.core.open_badges import Claims, normalize_code
from trainer.core.services.trust import find_keys, status_of
from trainer.core.signing import read_token
from trainer.core.verify import (
    NOT_VERIFIED,
    Evidence,
    Report,
    StatusAnswer,
    Step,
    looks_like_qr,
    verify,
)

MAX_TEXT = 100_000  # characters of pasted token or file text looked at
MAX_IMAGE_PIXELS = 40_000_000  # a 40-megapixel photo is the largest looked at

IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM")


def _check(session: Session, organization_id: int, evidence: Evidence, now: datetime) -> Report:
    def keys(issuer: str, kid: str) -> list:  # type: ignore[type-arg]
        return find_keys(session, organization_id, issuer, kid)

    def status(claims: Claims, own: bool) -> StatusAnswer:
        return status_of(session, organization_id, claims, own, now=now)

    return verify(evidence, find_keys=keys, status_of=status, now=now)


def _too_large(name: str, size: str) -> CredentialFormatError:
    return CredentialFormatError(
        f"{name} is {size}, far larger than a photo of a QR code needs to be. Crop it or take a "
        "smaller photo."
    )


def _qr_from_image(data: bytes, name: str) -> str:
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Pillow warns (to stderr) from 89 megapixels and refuses from 179; the check below
            # refuses from 40, before anything is decoded.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise _too_large(name, f"{image.width}x{image.height} pixels")
        image.load()
    except Image.DecompressionBombError as exc:
        raise _too_large(name, "an image of hundreds of megapixels") from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise CredentialFormatError(f"{name} is an image that cannot be read.") from exc
    found = [r.text for r in zxingcpp.read_barcodes(image.convert("L")) if r.text]
    if not found:
        raise CredentialFormatError(f"{name} holds no QR code that can be read.")
    for text in found:
        if looks_like_qr(text):
            return text
    raise CredentialFormatError(f"The QR code in {name} is not a CVI Trainer credential.")


def verify_file(
    session: Session, organization_id: int, data: bytes, name: str, *, now: datetime
) -> Report:
    """Raises CredentialFormatError (exit 2) for input that is not a credential at all."""
    from trainer.core.certificate_read import CertificateFileError, read_certificate

    if data.lstrip()[:5] == b"%PDF-":
        try:
            found = read_certificate(data, name=name)
            evidence = Evidence(found.badge_jwt, "PDF certificate", found)
            return _check(session, organization_id, evidence, now)
        except CertificateFileError as exc:  # also raised lazily, while the page is read
            raise CredentialFormatError(str(exc)) from exc
    if data.startswith(IMAGE_MAGIC):
        return _check(
            session, organization_id, Evidence(_qr_from_image(data, name), "QR code"), now
        )
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise CredentialFormatError(
            f"{name} is not a certificate: expected a PDF, an Open Badge (.jwt), or a QR image."
        ) from None
    if text.startswith("{"):
        raise CredentialFormatError(
            f"{name} is the readable JSON copy of an Open Badge and carries no signature. Verify "
            "the .jwt file or the PDF instead."
        )
    if text.count(".") != 2 and not looks_like_qr(text):
        raise CredentialFormatError(
            f"{name} is not a certificate: expected a PDF, an Open Badge (.jwt) or a QR image."
        )
    return verify_text(session, organization_id, text, now=now, name=name)


def verify_text(
    session: Session, organization_id: int, text: str, *, now: datetime, name: str = "The input"
) -> Report:
    """A pasted token (Open Badge VC-JWT or QR content) or a typed verification code."""
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise CredentialFormatError(f"{name} is far longer than any certificate token.")
    if looks_like_qr(text):
        return _check(session, organization_id, Evidence(text, "QR code"), now)
    if text.count(".") == 2 and len(text) > 40:
        read_token(text, name)  # a clear message for a garbled token
        return _check(session, organization_id, Evidence(text, "Open Badge (VC-JWT)"), now)
    code = normalize_code(text)
    if code is None:
        raise CredentialFormatError(
            f"{name} is neither a certificate file nor a verification code (12 letters and "
            "digits, like K7QX-2M9P-HT4R). Check for typos."
        )
    row = session.scalars(
        select(Credential).where(
            Credential.organization_id == organization_id, Credential.code == code
        )
    ).first()
    if row is None:
        org = session.get(Organization, organization_id)
        where = org.name if org is not None else "this organization"
        return Report(
            NOT_VERIFIED,
            f"Not verified: no certificate with code {code} was issued by {where}.",
            (
                Step(
                    "Lookup",
                    "failed",
                    "Codes are checked against the issuing organization's own records. For "
                    "another organization's certificate, open its PDF instead.",
                ),
            ),
            None,
        )
    return _check(session, organization_id, Evidence(row.badge_jwt, "verification code"), now)
