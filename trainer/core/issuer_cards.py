"""Issuer cards: an organization's public keys, signed by its own key, so another organization
can trust its certificates offline.

A card is bound to key material, not to text: every key's id is its RFC 7638 thumbprint,
recomputed here; the card is signed by the issuer's active key; and each key after the first
carries an *endorsement* signed by the key before it (made at rotation, when both were
unlocked). A trusted issuer's new card is accepted when its new keys chain back to a key already
trusted; a key that replaced a lost one carries no endorsement, and the break shows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from trainer.core.dates import from_iso, iso
from trainer.core.errors import CredentialFormatError
from trainer.core.plain_text import first_control
from trainer.core.signing import (
    ALG,
    UnlockedKey,
    parse_json,
    public_jwk,
    read_token,
    signature_valid,
    thumbprint,
)

CARD_TYPE = "CviTrainerIssuerCard"
CARD_VERSION = 2
CARD_TYP = "cvi-issuer-card"  # JWS typ of the card signature
ENDORSEMENT_TYP = "cvi-key-endorsement"  # JWS typ of a key's endorsement by its predecessor
MAX_CARD_BYTES = 256 * 1024
MAX_KEYS = 100


@dataclass(frozen=True)
class PublicKey:
    kid: str  # RFC 7638 thumbprint of jwk (checked on every card read)
    jwk: dict[str, str]
    active_from: datetime
    retired_at: datetime | None
    endorsement: str | None = None  # compact JWS by the previous key, naming this one
    replaces: str | None = None  # kid of a key this one replaced without its signature

    def active_at(self, moment: datetime) -> bool:
        # Signed dates are whole seconds: a key made at 12:00:00.5 signs "12:00:00".
        start = self.active_from.replace(microsecond=0)
        return start <= moment and (self.retired_at is None or moment < self.retired_at)


@dataclass(frozen=True)
class IssuerCard:
    issuer: str  # urn:uuid:...
    name: str
    contact: str | None
    keys: tuple[PublicKey, ...]
    signature: str | None = None  # compact JWS by the active key over the card's body

    @property
    def active(self) -> PublicKey:
        """The key in use now: the newest one not retired."""
        current = [k for k in self.keys if k.retired_at is None] or list(self.keys)
        return max(current, key=lambda k: k.active_from)

    def body(self) -> dict[str, Any]:
        return {
            "type": CARD_TYPE,
            "version": CARD_VERSION,
            "issuer": {"id": self.issuer, "name": self.name, "contact": self.contact},
            "keys": [
                {
                    **k.jwk,
                    "kid": k.kid,
                    "alg": ALG,
                    "use": "sig",
                    "activeFrom": iso(k.active_from),
                    "retiredAt": iso(k.retired_at) if k.retired_at else None,
                    "endorsement": k.endorsement,
                    "replaces": k.replaces,
                }
                for k in self.keys
            ],
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "signature": self.signature}


def _digest(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def sign_card(card: IssuerCard, key: UnlockedKey) -> IssuerCard:
    """The card signed by `key`, which must be its active key."""
    if key.kid != card.active.kid:
        raise CredentialFormatError("An issuer card is signed with its active key only.")
    token = key.sign({"sha256": _digest(card.body()), "iss": card.issuer}, typ=CARD_TYP)
    return replace(card, signature=token)


def endorse(previous: UnlockedKey, issuer: str, new_kid: str, at: datetime) -> str:
    """The previous key's statement that `new_kid` is its successor for `issuer`."""
    return previous.sign(
        {"iss": issuer, "previous": previous.kid, "next": new_kid, "at": iso(at)},
        typ=ENDORSEMENT_TYP,
    )


def endorsed_by(key: PublicKey, issuer: str, previous: PublicKey) -> bool:
    """Does `key` carry a valid endorsement from `previous` for `issuer`?"""
    if not key.endorsement:
        return False
    try:
        token = read_token(key.endorsement, "The key endorsement")
    except CredentialFormatError:
        return False
    p = token.payload
    return (
        token.header.get("typ") == ENDORSEMENT_TYP
        and token.kid == previous.kid
        and p.get("iss") == issuer
        and p.get("previous") == previous.kid
        and p.get("next") == key.kid
        and signature_valid(token, previous.jwk)
    )


def _key(k: Any, number: int) -> PublicKey:
    if not isinstance(k, dict):
        raise CredentialFormatError(f"Key {number} on the issuer card is not a key.")
    jwk = public_jwk(k)
    kid = thumbprint(jwk)
    if k.get("kid") != kid:
        raise CredentialFormatError(
            f"Key {number} on the issuer card has an id that is not its key's thumbprint: the "
            "card was altered or forged. Do not import it; ask the issuer for their card again."
        )
    try:
        active_from = from_iso(k["activeFrom"])
        retired_at = from_iso(k["retiredAt"]) if k.get("retiredAt") else None
    except (KeyError, ValueError) as exc:
        raise CredentialFormatError(f"Key {number} on the issuer card has a garbled date.") from exc
    endorsement, replaces = k.get("endorsement"), k.get("replaces")
    if not isinstance(endorsement, str | None) or not isinstance(replaces, str | None):
        raise CredentialFormatError(f"Key {number} on the issuer card is garbled.")
    return PublicKey(kid, jwk, active_from, retired_at, endorsement, replaces)


def read_card(text: str | bytes) -> IssuerCard:
    """An issuer card from its file, with every key's id and the card's signature checked.
    Whether to trust it is the trust service's question; CredentialFormatError otherwise."""
    if len(text) > MAX_CARD_BYTES:
        raise CredentialFormatError(
            f"The file is {len(text) // 1024} KB, far larger than an issuer card: not imported."
        )
    try:
        data = parse_json(text)
    except ValueError as exc:  # JSONDecodeError, bad UTF-8, NaN, huge numbers, deep nesting
        raise CredentialFormatError("The file is not valid JSON: not an issuer card.") from exc
    if not isinstance(data, dict) or data.get("type") != CARD_TYPE:
        raise CredentialFormatError("This file is not a CVI Trainer issuer card.")
    if data.get("version") != CARD_VERSION or not data.get("signature"):
        raise CredentialFormatError(
            "The issuer card is not signed by its issuer's key (an unsigned card, or one from an "
            "older version of CVI Trainer). Ask the issuer for a fresh card (cvi-trainer keys card)."
        )
    issuer, keys = data.get("issuer"), data.get("keys")
    if not isinstance(issuer, dict) or not isinstance(keys, list) or not keys:
        raise CredentialFormatError("The issuer card names no issuer or carries no keys.")
    if len(keys) > MAX_KEYS:
        raise CredentialFormatError(f"The issuer card carries more than {MAX_KEYS} keys.")
    uid, name, contact = issuer.get("id"), issuer.get("name"), issuer.get("contact")
    if not (isinstance(uid, str) and uid.startswith("urn:uuid:") and len(uid) == 45):
        raise CredentialFormatError("The issuer card's issuer id is garbled.")
    if not isinstance(name, str) or not name.strip() or len(name) > 200 or first_control(name):
        raise CredentialFormatError("The issuer card's organization name is missing or garbled.")
    if not isinstance(contact, str | None) or (
        contact is not None and (len(contact) > 300 or first_control(contact))
    ):
        raise CredentialFormatError("The issuer card's contact is garbled.")
    parsed = tuple(_key(k, n) for n, k in enumerate(keys, start=1))
    if len({k.kid for k in parsed}) != len(parsed):
        raise CredentialFormatError("The issuer card lists the same key twice.")
    # The signature covers the card as read back here, so nothing unread can ride along.
    card = IssuerCard(uid, name, contact, parsed, str(data["signature"]))
    _check_signature(card)
    return card


def _check_signature(card: IssuerCard) -> None:
    try:
        token = read_token(card.signature or "", "The issuer card's signature")
    except CredentialFormatError as exc:
        raise CredentialFormatError(f"{exc} The card cannot be trusted.") from exc
    active = card.active
    if (
        token.header.get("typ") != CARD_TYP
        or token.kid != active.kid
        or token.payload.get("sha256") != _digest(card.body())
        or token.payload.get("iss") != card.issuer
        or not signature_valid(token, active.jwk)
    ):
        raise CredentialFormatError(
            "The issuer card's signature does not match its contents and its own key: it was "
            "altered after signing or forged. Do not import it."
        )
