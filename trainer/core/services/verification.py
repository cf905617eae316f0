"""Verify what someone puts in front of a manager: a certificate PDF, an Open Badge file, a QR
image or its text, or a verification code. Offline: trust and status come from this database."""

from __future__ import annotations

import io
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from trainer.core.credentials import (
    NOT_VERIFIED,
    QR_TYP,
    Claims,
    Evidence,
    Report,
    StatusAnswer,
    Step,
    TrustedKeyInfo,
    normalize_code,
    verify,
)
from trainer.core.errors import CredentialFormatError
from trainer.core.models import Credential, Organization
from trainer.core.services.trust import find_key, status_of
from trainer.core.signing import read_token

IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM")


def _check(session: Session, organization_id: int, evidence: Evidence, now: datetime) -> Report:
    found: list[TrustedKeyInfo] = []

    def key_for(kid: str) -> TrustedKeyInfo | None:
        info = find_key(session, organization_id, kid)
        if info is not None:
            found.append(info)
        return info

    def status(claims: Claims) -> StatusAnswer:
        # The credential's own key was looked up first; it tells whose records to ask.
        own = found[0].own and found[0].issuer == claims.issuer if found else None
        return status_of(session, organization_id, claims, own=own)

    return verify(evidence, find_key=key_for, status_of=status, now=now)


def _qr_from_image(data: bytes, name: str) -> str:
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise CredentialFormatError(f"{name} is an image that cannot be read.") from exc
    found = [r.text for r in zxingcpp.read_barcodes(image.convert("L")) if r.text]
    if not found:
        raise CredentialFormatError(f"{name} holds no QR code that can be read.")
    for text in found:
        try:
            if read_token(text).header.get("typ") == QR_TYP:
                return text
        except CredentialFormatError:
            continue
    raise CredentialFormatError(f"The QR code in {name} is not a CVI Trainer credential.")


def verify_file(
    session: Session, organization_id: int, data: bytes, name: str, *, now: datetime
) -> Report:
    """Raises CredentialFormatError (exit 2) for input that is not a credential at all."""
    from trainer.core.certificate_pdf import CertificateFileError, read_certificate

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
    if text.count(".") != 2:
        raise CredentialFormatError(
            f"{name} is not a certificate: expected a PDF, an Open Badge (.jwt) or a QR image."
        )
    return verify_text(session, organization_id, text, now=now, name=name)


def verify_text(
    session: Session, organization_id: int, text: str, *, now: datetime, name: str = "The input"
) -> Report:
    """A pasted token (Open Badge VC-JWT or QR content) or a typed verification code."""
    text = text.strip()
    if text.count(".") == 2 and len(text) > 40:
        token = read_token(text, name)
        source = "QR code" if token.header.get("typ") == QR_TYP else "Open Badge (VC-JWT)"
        return _check(session, organization_id, Evidence(text, source), now)
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
