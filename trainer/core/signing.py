"""ES256 issuing keys: generation, encryption at rest under a passphrase, signing and checking
compact JWS. Plain data in and out; the database rows live in core.models.SigningKey."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from trainer.core.errors import CredentialFormatError, SigningError

ALG = "ES256"
MIN_PASSPHRASE_LENGTH = 12
MAX_TOKEN_CHARS = 1_000_000  # a status list with every entry marked is about 300 KB
MAX_JSON_DEPTH = 32  # our tokens and cards nest 5 deep; deeper is garbage or an attack
# Argon2id parameters for deriving the key-encryption key: RFC 9106's second recommended
# option (64 MiB, 3 passes). Stored in each envelope so they can be raised later. Only the test
# suite lowers them (see core.passwords); tests/reliability/test_kdf_defaults.py keeps them strong.
KDF_TIME, KDF_MEMORY_KIB, KDF_PARALLELISM = 3, 65536, 4


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


PUBLIC_MEMBERS = ("kty", "crv", "x", "y")


def public_jwk(data: dict[str, Any]) -> dict[str, str]:
    """The P-256 public key members of a JWK, checked; CredentialFormatError otherwise."""
    try:
        jwk = {name: data[name] for name in PUBLIC_MEMBERS}
    except (KeyError, TypeError) as exc:
        raise CredentialFormatError("A key is incomplete: it needs kty, crv, x and y.") from exc
    if jwk["kty"] != "EC" or jwk["crv"] != "P-256" or "d" in data:
        raise CredentialFormatError("A key is not a public P-256 (ES256) key.")
    if not all(isinstance(jwk[n], str) and 40 <= len(jwk[n]) <= 44 for n in ("x", "y")):
        raise CredentialFormatError("A key's coordinates are garbled.")
    try:
        _public_key(jwk["kty"], jwk["crv"], jwk["x"], jwk["y"])
    except Exception as exc:  # joserfc/cryptography: not a point on the curve, bad base64
        raise CredentialFormatError("A key is not a valid P-256 public key.") from exc
    return jwk


def thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url): a key's id, computed from the key itself."""
    members = {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"], "y": jwk["y"]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode("ascii")
    digest = hashlib.sha256(canonical).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def fingerprint(jwk: dict[str, str]) -> str:
    """128 bits of the key's own thumbprint in hex, grouped to read aloud on the phone. Derived
    from the key material, so a card cannot show one fingerprint and carry another key."""
    digest = base64.urlsafe_b64decode(thumbprint(jwk) + "=").hex().upper()
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise SigningError(
            f"The signing passphrase needs at least {MIN_PASSPHRASE_LENGTH} characters; a few "
            "unrelated words are easy to remember and hard to guess."
        )


def _kek(passphrase: str, salt: bytes, time_cost: int, memory_kib: int, lanes: int) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        passphrase.encode("utf-8"),
        salt,
        time_cost=time_cost,
        memory_cost=memory_kib,
        parallelism=lanes,
        hash_len=32,
        type=Type.ID,
    )


@dataclass(frozen=True)
class NewKey:
    kid: str  # RFC 7638 JWK thumbprint of the public key
    public_jwk: dict[str, str]
    envelope: str  # JSON: Argon2id parameters, salt, nonce, AES-256-GCM ciphertext of PKCS#8 DER


def _envelope(passphrase: str, der: bytes, kid: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(16), os.urandom(12)
    kek = _kek(passphrase, salt, KDF_TIME, KDF_MEMORY_KIB, KDF_PARALLELISM)
    ciphertext = AESGCM(kek).encrypt(nonce, der, kid.encode("ascii"))
    envelope = {
        "kdf": "argon2id",
        "t": KDF_TIME,
        "m": KDF_MEMORY_KIB,
        "p": KDF_PARALLELISM,
        "salt": _b64(salt),
        "cipher": "A256GCM",
        "nonce": _b64(nonce),
        "ciphertext": _b64(ciphertext),
    }
    return json.dumps(envelope, sort_keys=True)


def generate_key(passphrase: str) -> NewKey:
    """A new P-256 key; the private half leaves this function only encrypted."""
    from joserfc.jwk import ECKey

    check_passphrase(passphrase)
    key = ECKey.generate_key("P-256")
    public = {k: str(v) for k, v in key.as_dict(private=False).items() if k in PUBLIC_MEMBERS}
    kid = thumbprint(public)
    return NewKey(kid, public, _envelope(passphrase, key.as_der(private=True), kid))


def reencrypt(unlocked: UnlockedKey, new_passphrase: str) -> str:
    """The same private key under a new passphrase (a new envelope; the key and its id stay)."""
    check_passphrase(new_passphrase)
    return _envelope(new_passphrase, unlocked._key.as_der(private=True), unlocked.kid)


class UnlockedKey:
    """A private key decrypted for one issuing session; never stored."""

    def __init__(self, kid: str, key: Any) -> None:
        self.kid = kid
        self._key = key

    def sign(self, payload: dict[str, Any], *, typ: str | None = "JWT") -> str:
        from joserfc import jws

        header: dict[str, Any] = {"alg": ALG, "kid": self.kid}
        if typ:
            header["typ"] = typ
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return str(jws.serialize_compact(header, body, self._key, algorithms=[ALG]))

    def sign_raw(self, data: bytes) -> bytes:
        """ES256 over `data`: the raw 64-byte r||s signature (for the compact QR payload)."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        der = self._key.private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def unlock(kid: str, envelope: str, passphrase: str) -> UnlockedKey:
    """Decrypt the private key; a wrong passphrase raises SigningError and reveals nothing."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from joserfc.jwk import ECKey

    try:
        data = json.loads(envelope)
        kek = _kek(passphrase, _unb64(data["salt"]), data["t"], data["m"], data["p"])
        der = AESGCM(kek).decrypt(_unb64(data["nonce"]), _unb64(data["ciphertext"]), kid.encode())
    except InvalidTag:
        raise SigningError("That signing passphrase is not right. Nothing was signed.") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise SigningError(
            "The stored signing key is damaged and cannot be used. Restore a backup or create a "
            "new key (Organization › Signing keys)."
        ) from exc
    return UnlockedKey(kid, ECKey.import_key(der))


@dataclass(frozen=True)
class Token:
    """A compact JWS split into its parts, before its signature is checked."""

    header: dict[str, Any]
    payload: dict[str, Any]
    text: str

    @property
    def kid(self) -> str | None:
        kid = self.header.get("kid")
        return kid if isinstance(kid, str) else None


def parse_json(text: str | bytes) -> Any:
    """JSON from outside, within bounds; ValueError for anything else: bad syntax, NaN or
    Infinity (which Python's json accepts), numbers too large for a float, integers over 4300
    digits, or nesting deeper than MAX_JSON_DEPTH. Whatever parses is then safe to walk, print
    and compare without a RecursionError or an OverflowError."""
    try:
        value = json.loads(text, parse_constant=_not_a_number, parse_float=_finite)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:  # a loop, not recursion: checking the depth must not hit the recursion limit
        item, depth = pending.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            if depth > MAX_JSON_DEPTH:
                raise ValueError("JSON nested too deeply")
            pending.extend((child, depth + 1) for child in item)
    return value


def _not_a_number(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is too large a number")
    return number


def _part(segment: str) -> dict[str, Any]:
    raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    value = parse_json(raw)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def read_token(text: str, what: str = "The credential") -> Token:
    """Parse a compact JWS without trusting it; CredentialFormatError if it is not one."""
    text = text.strip()
    parts = text.split(".")
    if len(parts) != 3 or not all(parts):
        raise CredentialFormatError(
            f"{what} is not a signed token (expected three dot-separated parts)."
        )
    if len(text) > MAX_TOKEN_CHARS:
        raise CredentialFormatError(f"{what} is far longer than any token CVI Trainer makes.")
    try:
        header, payload = _part(parts[0]), _part(parts[1])
    except ValueError as exc:  # bad base64, UTF-8 or JSON (parse_json: numbers, nesting)
        raise CredentialFormatError(f"{what} is garbled: its parts cannot be decoded.") from exc
    if header.get("alg") != ALG:
        raise CredentialFormatError(
            f"{what} is signed with {header.get('alg')!r}; only ES256 is accepted."
        )
    return Token(header, payload, text)


@lru_cache(maxsize=64)
def _public_key(kty: str, crv: str, x: str, y: str) -> Any:
    from joserfc.jwk import ECKey

    return ECKey.import_key({"kty": kty, "crv": crv, "x": x, "y": y})


def signature_valid(token: Token, public_jwk: dict[str, str]) -> bool:
    from joserfc import jws
    from joserfc.errors import JoseError

    try:
        key = _public_key(public_jwk["kty"], public_jwk["crv"], public_jwk["x"], public_jwk["y"])
        jws.deserialize_compact(token.text, key, algorithms=[ALG])
    except (JoseError, ValueError, KeyError):
        return False
    return True
