"""The Open Badges 3.0 credential a certificate carries: what it states, its VC-JWT claims,
verification codes, and reading a VC-JWT back into the facts a person checks."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from trainer.core.dates import epoch, from_epoch, iso
from trainer.core.errors import CredentialFormatError
from trainer.core.signing import Token, read_token

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed by hand


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[0:4]}-{raw[4:8]}-{raw[8:12]}"


def normalize_code(text: str) -> str | None:
    """'k7qx 2m9p ht4r' -> 'K7QX-2M9P-HT4R'; None if it cannot be a code."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(raw) != 12 or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return f"{raw[0:4]}-{raw[4:8]}-{raw[8:12]}"


def issuer_id(org_uid: str) -> str:
    return f"urn:uuid:{org_uid}"


def subject_id(org_uid: str, person_id: int) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.UUID(org_uid), f'person:{person_id}')}"


def status_list_id(org_uid: str, purpose: str) -> str:
    return f"urn:cvi-trainer:status:{org_uid}:{purpose}"


@dataclass(frozen=True)
class BadgeFacts:
    """Everything the signed credential states."""

    credential_uuid: str
    org_uid: str
    org_name: str
    org_contact: str | None
    holder_id: int
    holder_name: str
    program_key: str
    program_version: int
    title: str
    tier: str
    description: str
    criteria: str
    issued_at: datetime
    valid_until: datetime | None
    status_index: int
    code: str
    renews_uuid: str | None = None


def open_badge(facts: BadgeFacts) -> dict[str, Any]:
    """The Open Badges 3.0 AchievementCredential (VC Data Model 2.0), before signing."""
    issuer: dict[str, Any] = {
        "id": issuer_id(facts.org_uid),
        "type": ["Profile"],
        "name": facts.org_name,
    }
    if facts.org_contact:
        issuer["description"] = f"Contact: {facts.org_contact}"
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": f"urn:uuid:{facts.credential_uuid}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer,
        "validFrom": iso(facts.issued_at),
        "awardedDate": iso(facts.issued_at),
        "name": facts.title,
        "description": facts.description,
        "credentialSubject": {
            "id": subject_id(facts.org_uid, facts.holder_id),
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "hashed": False,
                    "identityHash": facts.holder_name,
                    "identityType": "name",
                }
            ],
            "achievement": {
                "id": f"urn:cvi-trainer:program:{facts.org_uid}:{facts.program_key}"
                f":v{facts.program_version}",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": facts.title,
                "description": facts.description,
                "criteria": {"narrative": facts.criteria},
                "humanCode": facts.code,
                "fieldOfStudy": "Community violence intervention",
                "creator": issuer,
            },
        },
        # OB3's schema allows one status object. It points into the revocation list; the
        # suspension list uses the same index (our convention, see docs/decisions/004).
        "credentialStatus": {
            "id": f"{status_list_id(facts.org_uid, 'revocation')}#{facts.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(facts.status_index),
            "statusListCredential": status_list_id(facts.org_uid, "revocation"),
        },
    }
    if facts.valid_until is not None:
        credential["validUntil"] = iso(facts.valid_until)
    if facts.renews_uuid:
        credential["credentialSubject"]["narrative"] = (
            f"Renews credential urn:uuid:{facts.renews_uuid}."
        )
    return credential


def badge_claims(facts: BadgeFacts) -> dict[str, Any]:
    """The VC-JWT payload: the credential plus the registered claims OB3 asks for."""
    credential = open_badge(facts)
    claims: dict[str, Any] = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": epoch(facts.issued_at),
        "iat": epoch(facts.issued_at),
    }
    if facts.valid_until is not None:
        claims["exp"] = epoch(facts.valid_until)
    return claims


# Private JWT claim: the length and SHA-256 of the certificate PDF as rendered, before the
# credential itself was attached (see core.certificate_file). It signs every byte a viewer draws.
PDF_CLAIM = "cvi_pdf"
REGISTERED_CLAIMS = ("iss", "jti", "sub", "nbf", "iat", "exp", PDF_CLAIM)


def open_badge_json(badge_jwt: str) -> dict[str, Any]:
    """The readable credential inside a VC-JWT (without the JWT's registered claims). It carries
    no signature of its own; the .jwt is the verifiable form."""
    payload = read_token(badge_jwt).payload
    return {k: v for k, v in payload.items() if k not in REGISTERED_CLAIMS}


@dataclass(frozen=True)
class Claims:
    """The signed facts a manager compares with the person and their photo ID."""

    credential_id: str  # urn:uuid:...
    issuer: str  # urn:uuid:... of the issuing organization
    issuer_name: str
    holder_name: str
    title: str
    valid_from: datetime
    valid_until: datetime | None
    status_index: int | None
    code: str | None

    def same_credential(self, other: Claims) -> bool:
        """Both name one credential: id, issuer, holder, title and dates (to the day, since the
        QR code carries days)."""

        def until(c: Claims) -> object:
            return c.valid_until.date() if c.valid_until else None

        return (
            self.credential_id,
            self.issuer,
            self.holder_name,
            self.title,
            self.valid_from.date(),
            until(self),
            self.status_index,
        ) == (
            other.credential_id,
            other.issuer,
            other.holder_name,
            other.title,
            other.valid_from.date(),
            until(other),
            other.status_index,
        )


def _index(value: Any) -> int:
    index = int(str(value))
    if not 0 <= index < 2**31:
        raise ValueError("status index out of range")
    return index


def badge_token_claims(token: Token) -> Claims:
    """The facts in an Open Badges VC-JWT (not yet checked: the signature is the caller's job)."""
    p = token.payload
    try:
        types = p["type"]
        if "VerifiableCredential" not in types or not (
            "OpenBadgeCredential" in types or "AchievementCredential" in types
        ):
            raise CredentialFormatError("The credential is not an Open Badges credential.")
        subject = p["credentialSubject"]
        holder = next(
            i["identityHash"] for i in subject["identifier"] if i.get("identityType") == "name"
        )
        status = p["credentialStatus"]
        return Claims(
            credential_id=str(p["jti"]),
            issuer=str(p["iss"]),
            issuer_name=str(p["issuer"]["name"]),
            holder_name=str(holder),
            title=str(subject["achievement"]["name"]),
            valid_from=from_epoch(p.get("nbf"), "nbf"),
            valid_until=from_epoch(p["exp"], "exp") if "exp" in p else None,
            status_index=_index(status["statusListIndex"]),
            code=subject["achievement"].get("humanCode"),
        )
    except (KeyError, TypeError, ValueError, StopIteration, AttributeError) as exc:
        raise CredentialFormatError("The credential is missing required fields.") from exc
