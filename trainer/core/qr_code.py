"""The certificate's QR code as text: a compact, versioned, signed payload for offline checks.

Plain data in and out; core.qr_image draws it.

Format version 1 is eleven fields joined by ``:``::

    CVI1:ISSUER:CREDENTIAL:ISSUED:EXPIRES:STATUS:CODE:KID:SIGNATURE:NAME:TITLE

* ISSUER, CREDENTIAL: the organization's and the credential's UUIDs, 16 bytes each;
  KID: the first 8 bytes of the signing key's RFC 7638 thumbprint; SIGNATURE: ES256 as raw
  r||s, 64 bytes. All four in RFC 4648 base32, upper case, unpadded (the unused trailing bits
  must be zero, so each value has one spelling).
* ISSUED, EXPIRES: ``YYYYMMDD``; EXPIRES is empty for a credential that does not expire.
* STATUS: the status list index in decimal; CODE: the verification code without its dashes,
  or empty.
* NAME, TITLE: the holder's name and the credential title, UTF-8, with ``%``, ``:`` and control
  and line-separator characters written as ``%XX`` per UTF-8 byte (upper-case hex, nothing else
  escaped).

Everything before NAME is upper case, digits and ``:``, which QR codes store in alphanumeric mode
(5.5 bits a character against 8 in byte mode); with base32 instead of base64url the symbol for a
typical certificate is one QR version smaller at the same error-correction level.

The signature covers `signing_input`, not the text: a domain label, the full issuer and
credential ids (``urn:uuid:...``) and every field, each length-prefixed, so no field can be
swapped, moved or reinterpreted without breaking it.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from trainer.core.errors import CredentialFormatError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey

VERSION = 1
PREFIX = f"CVI{VERSION}"
SEPARATOR = ":"
SIGNING_LABEL = "cvi-trainer signed QR code v1"
MAX_TEXT_LENGTH = 1000  # characters; anything longer is refused unread
KID_PREFIX_BYTES = 8
SIGNATURE_BYTES = 64  # ES256: r||s, 32 bytes each
MAX_STATUS_INDEX = 2**32 - 1

_FIELD_COUNT = 11
_CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
_VERSION_TAG = re.compile(r"CVI([1-9][0-9]{0,5}):")
_DIGITS8 = re.compile(r"[0-9]{8}")
_STATUS = re.compile(r"0|[1-9][0-9]{0,9}")
_BASE32 = re.compile(r"[A-Z2-7]*")
_ESCAPE = re.compile(r"%([0-9A-F]{2})")
_NOT_A_CREDENTIAL = "The QR code is not a CVI Trainer credential."


@dataclass(frozen=True)
class QrFields:
    """What the QR code states about one credential."""

    issuer_uid: str  # the organization's UUID, canonical lower-case form
    credential_uuid: str  # canonical lower-case form
    holder_name: str
    title: str
    issued_on: date
    expires_on: date | None  # None: does not expire
    status_index: int
    code: str | None  # verification code, "K7QX-2M9P-HT4R"

    @property
    def issuer_id(self) -> str:
        return f"urn:uuid:{self.issuer_uid}"

    @property
    def credential_id(self) -> str:
        return f"urn:uuid:{self.credential_uuid}"


@dataclass(frozen=True)
class QrPayload:
    """A parsed QR code, before its signature is checked."""

    fields: QrFields
    kid_prefix: bytes  # first KID_PREFIX_BYTES of the signing key's RFC 7638 thumbprint
    signature: bytes  # raw r||s
    text: str

    @property
    def signing_input(self) -> bytes:
        """Recomputed from the fields, so what is checked is what is stated."""
        return signing_input(self.fields, self.kid_prefix)


class RawSigner(Protocol):
    """A key that signs bytes with ES256 and returns raw r||s (signing.UnlockedKey)."""

    @property
    def kid(self) -> str: ...

    def sign_raw(self, data: bytes) -> bytes: ...


# --- writing -----------------------------------------------------------------------------------


def signing_input(fields: QrFields, kid_prefix: bytes) -> bytes:
    """The bytes the signature covers: each part as a 4-byte big-endian length and its UTF-8."""
    parts = (
        SIGNING_LABEL,
        fields.issuer_id,
        fields.credential_id,
        fields.holder_name,
        fields.title,
        fields.issued_on.isoformat(),
        fields.expires_on.isoformat() if fields.expires_on is not None else "",
        str(fields.status_index),
        fields.code or "",
        _b64url(kid_prefix),
    )
    encoded = [part.encode("utf-8") for part in parts]
    return b"".join(len(part).to_bytes(4, "big") + part for part in encoded)


def encode(fields: QrFields, sign: Callable[[bytes], bytes], kid: str) -> str:
    """The QR text for `fields`, signed by `sign` (ES256, returns raw r||s) under key `kid` (the
    key's base64url RFC 7638 thumbprint). ValueError for fields `parse` would not give back."""
    _check_fields(fields)
    prefix = _kid_prefix(kid)
    if prefix is None:
        raise ValueError(f"kid must be a base64url key thumbprint, not {kid!r}")
    signature = sign(signing_input(fields, prefix))
    if len(signature) != SIGNATURE_BYTES:
        raise ValueError(f"sign must return a raw {SIGNATURE_BYTES}-byte ES256 signature")
    text = _serialize(fields, prefix, signature)
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(
            f"The holder name and title are too long for the QR code ({len(text)} characters, "
            f"at most {MAX_TEXT_LENGTH})."
        )
    return text


def encode_signed(fields: QrFields, key: RawSigner) -> str:
    """`encode` with an unlocked issuing key."""
    return encode(fields, key.sign_raw, key.kid)


def _serialize(fields: QrFields, kid_prefix: bytes, signature: bytes) -> str:
    return SEPARATOR.join(
        (
            PREFIX,
            _b32(uuid.UUID(fields.issuer_uid).bytes),
            _b32(uuid.UUID(fields.credential_uuid).bytes),
            _yyyymmdd(fields.issued_on),
            _yyyymmdd(fields.expires_on) if fields.expires_on is not None else "",
            str(fields.status_index),
            (fields.code or "").replace("-", ""),
            _b32(kid_prefix),
            _b32(signature),
            _escape(fields.holder_name),
            _escape(fields.title),
        )
    )


def _check_fields(fields: QrFields) -> None:
    for name in ("issuer_uid", "credential_uuid"):
        value = getattr(fields, name)
        try:
            canonical = str(uuid.UUID(value))
        except (ValueError, TypeError, AttributeError):
            canonical = None
        if value != canonical:
            raise ValueError(f"{name} must be a lower-case hyphenated UUID, not {value!r}")
    for name in ("holder_name", "title"):
        value = getattr(fields, name)
        if not isinstance(value, str) or not value:
            raise ValueError(f"{name} must be non-empty text")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(f"{name} is not valid Unicode text") from exc
    for name in ("issued_on", "expires_on"):
        value = getattr(fields, name)
        # datetime is a date too, but its time of day would not survive the round trip.
        if (value is not None or name == "issued_on") and type(value) is not date:
            raise ValueError(f"{name} must be a datetime.date")
    if fields.expires_on is not None and fields.expires_on < fields.issued_on:
        raise ValueError("expires_on is before issued_on")
    status = fields.status_index
    if type(status) is not int or not 0 <= status <= MAX_STATUS_INDEX:
        raise ValueError(f"status_index must be an int from 0 to {MAX_STATUS_INDEX}")
    if fields.code is not None and not _CODE.fullmatch(fields.code):
        raise ValueError(f"code must look like 'K7QX-2M9P-HT4R', not {fields.code!r}")


def _must_escape(ch: str) -> bool:
    return ch in "%:" or unicodedata.category(ch) in ("Cc", "Zl", "Zp")


def _escape(text: str) -> str:
    return "".join(
        "".join(f"%{byte:02X}" for byte in ch.encode("utf-8")) if _must_escape(ch) else ch
        for ch in text
    )


def _yyyymmdd(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"  # strftime writes year 999 as "999"


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _kid_prefix(kid: str) -> bytes | None:
    """The first bytes of a base64url thumbprint; None if `kid` is not one."""
    if not isinstance(kid, str) or not re.fullmatch(r"[A-Za-z0-9_-]{11,}", kid):
        return None
    try:
        raw = base64.urlsafe_b64decode(kid + "=" * (-len(kid) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw[:KID_PREFIX_BYTES] if len(raw) >= KID_PREFIX_BYTES else None


# --- reading -----------------------------------------------------------------------------------


def parse(text: str) -> QrPayload:
    """Read QR text without trusting it. CredentialFormatError (and nothing else) for anything
    that is not a well-formed version-1 payload. Line breaks a scanner added at either end are
    ignored (the payload itself never contains one)."""
    if not isinstance(text, str):
        raise CredentialFormatError(_NOT_A_CREDENTIAL)
    text = text.strip("\r\n")
    if len(text) > MAX_TEXT_LENGTH:
        raise CredentialFormatError(
            f"The QR code is too long to be a CVI Trainer credential ({len(text)} characters; "
            f"at most {MAX_TEXT_LENGTH})."
        )
    if not text.startswith(PREFIX + SEPARATOR):
        tag = _VERSION_TAG.match(text)
        if tag is not None and int(tag.group(1)) > VERSION:
            raise CredentialFormatError(
                f"The QR code is in format version {int(tag.group(1))}, which this version of "
                "CVI Trainer cannot read; update CVI Trainer and scan it again."
            )
        raise CredentialFormatError(_NOT_A_CREDENTIAL)
    parts = text.split(SEPARATOR)
    if len(parts) != _FIELD_COUNT:
        raise CredentialFormatError(
            f"The QR code is damaged: it has {len(parts)} fields where {_FIELD_COUNT} are expected."
        )
    _, issuer, credential, issued, expires, status, code, kid, signature, name, title = parts
    issued_on = _date(issued, "issue date")
    expires_on = _date(expires, "expiry date") if expires else None
    if expires_on is not None and expires_on < issued_on:
        raise CredentialFormatError("The QR code's expiry date is before its issue date.")
    fields = QrFields(
        issuer_uid=str(uuid.UUID(bytes=_unb32(issuer, 16, "issuer id"))),
        credential_uuid=str(uuid.UUID(bytes=_unb32(credential, 16, "credential id"))),
        holder_name=_unescape(name, "holder name"),
        title=_unescape(title, "title"),
        issued_on=issued_on,
        expires_on=expires_on,
        status_index=_status(status),
        code=_code(code),
    )
    return QrPayload(
        fields=fields,
        kid_prefix=_unb32(kid, KID_PREFIX_BYTES, "key id"),
        signature=_unb32(signature, SIGNATURE_BYTES, "signature"),
        text=text,
    )


def _unb32(value: str, size: int, what: str) -> bytes:
    if len(value) == (size * 8 + 4) // 5 and _BASE32.fullmatch(value):
        raw = base64.b32decode(value + "=" * (-len(value) % 8))
        if _b32(raw) == value:  # rejects non-zero trailing bits: one spelling per value
            return raw
    raise CredentialFormatError(f"The QR code's {what} is garbled.")


def _date(value: str, what: str) -> date:
    if _DIGITS8.fullmatch(value):
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            pass
    raise CredentialFormatError(f"The QR code's {what} is not a valid date (YYYYMMDD).")


def _status(value: str) -> int:
    if _STATUS.fullmatch(value) and int(value) <= MAX_STATUS_INDEX:
        return int(value)
    raise CredentialFormatError("The QR code's status list index is not a valid number.")


def _code(value: str) -> str | None:
    if not value:
        return None
    if len(value) == 12 and re.fullmatch(r"[0-9A-Z]{12}", value):
        return f"{value[0:4]}-{value[4:8]}-{value[8:12]}"
    raise CredentialFormatError("The QR code's verification code is garbled.")


def _unescape(value: str, what: str) -> str:
    pieces = _ESCAPE.split(value)  # text, hex, text, hex, ..., text
    try:
        raw = b"".join(
            bytes.fromhex(piece) if i % 2 else piece.encode("utf-8")
            for i, piece in enumerate(pieces)
        )
        text = raw.decode("utf-8")
    except UnicodeError:
        text = None
    if not text or _escape(text) != value:
        raise CredentialFormatError(f"The QR code's {what} is missing or escaped incorrectly.")
    return text


# --- checking ----------------------------------------------------------------------------------


def kid_matches(payload: QrPayload, kid: str) -> bool:
    """Whether the key `kid` (base64url RFC 7638 thumbprint) could have signed `payload`."""
    return _kid_prefix(kid) == payload.kid_prefix


def signature_valid(payload: QrPayload, public_jwk: Mapping[str, str]) -> bool:
    """Whether `payload`'s signature checks out under the P-256 public key `public_jwk`."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    if len(payload.signature) != SIGNATURE_BYTES:
        return False
    try:
        key = _public_key(public_jwk["kty"], public_jwk["crv"], public_jwk["x"], public_jwk["y"])
    except (KeyError, TypeError, ValueError):
        return False
    half = SIGNATURE_BYTES // 2
    der = encode_dss_signature(
        int.from_bytes(payload.signature[:half], "big"),
        int.from_bytes(payload.signature[half:], "big"),
    )
    try:
        key.verify(der, payload.signing_input, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


@lru_cache(maxsize=64)
def _public_key(kty: str, crv: str, x: str, y: str) -> EllipticCurvePublicKey:
    """ValueError unless the members describe a point on P-256."""
    from cryptography.hazmat.primitives.asymmetric import ec

    if kty != "EC" or crv != "P-256":
        raise ValueError("not a P-256 key")
    coordinates = []
    for member in (x, y):
        if not isinstance(member, str) or not re.fullmatch(r"[A-Za-z0-9_-]{43}", member):
            raise ValueError("garbled coordinate")
        coordinates.append(int.from_bytes(base64.urlsafe_b64decode(member + "="), "big"))
    return ec.EllipticCurvePublicNumbers(
        coordinates[0], coordinates[1], ec.SECP256R1()
    ).public_key()
