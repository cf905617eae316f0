"""W3C Bitstring Status Lists: our revocation and suspension lists as signed VC-JWT payloads,
and reading another issuer's list back."""

from __future__ import annotations

import base64
import gzip
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from trainer.core.audit import HEAD_CLAIM
from trainer.core.dates import epoch, from_epoch, from_iso, iso
from trainer.core.errors import CredentialFormatError
from trainer.core.open_badges import VC_CONTEXT, issuer_id, status_list_id
from trainer.core.signing import Token

STATUS_LIST_BITS = 131072  # the Bitstring Status List minimum (16 KB), so indexes reveal little
PURPOSES = ("revocation", "suspension")
SEQUENCE_CLAIM = "cviSequence"
MAX_GZIPPED = 1 << 20  # a list larger than this compressed is not one we made
MAX_BITS = 1 << 20  # bytes of bitstring accepted (8 million entries)


def encode_status_list(indexes: set[int]) -> str:
    """Multibase base64url (prefix 'u') of the GZIP-compressed bitstring; index 0 is the
    left-most bit (W3C Bitstring Status List)."""
    bits = bytearray(STATUS_LIST_BITS // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode_status_list(encoded: str) -> bytes:
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise CredentialFormatError("The status list is not multibase base64url ('u...').")
    body = encoded[1:]
    if len(body) > MAX_GZIPPED * 4 // 3 + 4:
        raise CredentialFormatError(
            "The status list is far larger than any list CVI Trainer makes."
        )
    try:
        inflate = zlib.decompressobj(wbits=31)  # gzip framing; bounded, so no gzip bomb
        bits = inflate.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)), MAX_BITS)
        if inflate.unconsumed_tail:
            raise CredentialFormatError(
                "The status list is larger than any list CVI Trainer makes."
            )
    except (ValueError, zlib.error) as exc:
        raise CredentialFormatError("The status list is damaged and cannot be decoded.") from exc
    if len(bits) * 8 < STATUS_LIST_BITS:
        raise CredentialFormatError("The status list is shorter than the 131,072 entries required.")
    return bits


def bit_is_set(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise CredentialFormatError(f"Status index {index} is outside the status list.")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


@dataclass(frozen=True)
class StatusMark:
    index: int
    at: datetime
    reason: str


def status_list_claims(
    *,
    org_uid: str,
    org_name: str,
    purpose: str,
    marks: list[StatusMark],
    sequence: int,
    now: datetime,
    audit_head: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A BitstringStatusListCredential as a VC-JWT payload. Dates and reasons ride along in
    `cviStatusDetails` (the bitstring carries none) so a verifier elsewhere can say when and why."""
    list_id = status_list_id(org_uid, purpose)
    return {
        "@context": [VC_CONTEXT],
        "id": list_id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": issuer_id(org_uid), "name": org_name},
        "validFrom": iso(now),
        "credentialSubject": {
            "id": f"{list_id}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_status_list({m.index for m in marks}),
        },
        "cviStatusDetails": [
            {"statusListIndex": str(m.index), "date": iso(m.at), "reason": m.reason}
            for m in sorted(marks, key=lambda m: m.index)
        ],
        # Increases with every export: an importer refuses a list that is not newer than the one
        # it holds, so an old list cannot un-revoke a certificate (issue dates can tie).
        SEQUENCE_CLAIM: sequence,
        **({HEAD_CLAIM: audit_head} if audit_head is not None else {}),
        "iss": issuer_id(org_uid),
        "jti": list_id,
        "iat": epoch(now),
        "nbf": epoch(now),
    }


@dataclass(frozen=True)
class StatusList:
    issuer: str
    purpose: str
    sequence: int
    issued_at: datetime
    bits: bytes
    details: dict[int, StatusMark]

    def mark(self, index: int) -> StatusMark | None:
        if not bit_is_set(self.bits, index):
            return None
        return self.details.get(index) or StatusMark(index, self.issued_at, "no reason given")


def read_status_list(token: Token) -> StatusList:
    payload = token.payload
    try:
        types = payload["type"]
        subject = payload["credentialSubject"]
        if "BitstringStatusListCredential" not in types or subject["statusPurpose"] not in PURPOSES:
            raise CredentialFormatError("This is not a revocation or suspension status list.")
        bits = decode_status_list(subject["encodedList"])
        details = {
            int(d["statusListIndex"]): StatusMark(
                int(d["statusListIndex"]),
                from_iso(d["date"]),
                str(d["reason"]),
            )
            for d in payload.get("cviStatusDetails", [])
        }
        return StatusList(
            str(payload["iss"]),
            subject["statusPurpose"],
            _sequence(payload.get(SEQUENCE_CLAIM)),
            from_epoch(payload.get("iat"), "iat"),
            bits,
            details,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CredentialFormatError("The status list is missing required fields.") from exc


def _sequence(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value < 2**53:
        raise CredentialFormatError(
            "The status list has no sequence number: it was made by an older version. Ask the "
            "issuer for a fresh export (cvi-trainer status export)."
        )
    return value
