"""A real ES256 key and realistic QR fields for the QR code tests."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from trainer.core.qr_code import QrFields


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


class Es256Key:
    """A P-256 key that signs like signing.UnlockedKey.sign_raw (raw r||s) and knows its JWK."""

    def __init__(self) -> None:
        self._private = ec.generate_private_key(ec.SECP256R1())
        numbers = self._private.public_key().public_numbers()
        self.public_jwk = {
            "kty": "EC",
            "crv": "P-256",
            "x": _b64url(numbers.x.to_bytes(32, "big")),
            "y": _b64url(numbers.y.to_bytes(32, "big")),
        }
        # RFC 7638: the required members in lexicographic order, no whitespace.
        canonical = json.dumps(self.public_jwk, sort_keys=True, separators=(",", ":"))
        self.kid = _b64url(hashlib.sha256(canonical.encode("ascii")).digest())

    def sign_raw(self, data: bytes) -> bytes:
        r, s = decode_dss_signature(self._private.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


KEY = Es256Key()
OTHER_KEY = Es256Key()

NAME_20 = "Maria Elena Gonzalez"
TITLE_30 = "Violence Intervention Worker I"
NAME_60 = "Alexandria Guadalupe Montserrat Villanueva-Castellanos Ortiz"
TITLE_70 = "Certified Hospital-Based Violence Intervention Specialist, Level Three"
assert (len(NAME_20), len(TITLE_30), len(NAME_60), len(TITLE_70)) == (20, 30, 60, 70)

FIELDS = QrFields(
    issuer_uid="5b0e6a4c-3f7d-4e1a-9c2b-8d4f6e0a1b3c",
    credential_uuid="c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",
    holder_name=NAME_20,
    title=TITLE_30,
    issued_on=date(2026, 3, 2),
    expires_on=date(2028, 3, 2),
    status_index=48213,
    code="K7QX-2M9P-HT4R",
)
