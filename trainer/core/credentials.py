"""Credentials as data: the Open Badges 3.0 credential, the QR claims, Bitstring status lists,
issuer cards, and the verification pipeline that turns them into one plain verdict."""

from __future__ import annotations

import base64
import gzip
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from trainer.core.errors import CredentialFormatError
from trainer.core.signing import Token, fingerprint, read_token, signature_valid

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
STATUS_LIST_BITS = 131072  # the Bitstring Status List minimum (16 KB), so indexes reveal little
PURPOSES = ("revocation", "suspension")
CARD_TYPE = "CviTrainerIssuerCard"
QR_TYP = "cvi-qr"
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


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _from_epoch(value: Any, name: str) -> datetime:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise CredentialFormatError(f"The credential's '{name}' date is missing or not a number.")
    return datetime.fromtimestamp(value, UTC)


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
        "validFrom": _iso(facts.issued_at),
        "awardedDate": _iso(facts.issued_at),
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
        credential["validUntil"] = _iso(facts.valid_until)
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
        "nbf": _epoch(facts.issued_at),
        "iat": _epoch(facts.issued_at),
    }
    if facts.valid_until is not None:
        claims["exp"] = _epoch(facts.valid_until)
    return claims


def qr_claims(facts: BadgeFacts) -> dict[str, Any]:
    """What the QR code carries: enough to verify offline with only the issuer's public key."""
    claims: dict[str, Any] = {
        "jti": f"urn:uuid:{facts.credential_uuid}",
        "iss": issuer_id(facts.org_uid),
        "org": facts.org_name,
        "name": facts.holder_name,
        "ttl": facts.title,
        "nbf": _epoch(facts.issued_at),
        "si": facts.status_index,
        "vc": facts.code,
    }
    if facts.valid_until is not None:
        claims["exp"] = _epoch(facts.valid_until)
    return claims


PAGE_CLAIM = "cvi_page"  # private JWT claim: digests of the certificate page as issued
REGISTERED_CLAIMS = ("iss", "jti", "sub", "nbf", "iat", "exp", PAGE_CLAIM)


def open_badge_json(badge_jwt: str) -> dict[str, Any]:
    """The readable credential inside a VC-JWT (without the JWT's registered claims). It carries
    no signature of its own; the .jwt is the verifiable form."""
    payload = read_token(badge_jwt).payload
    return {k: v for k, v in payload.items() if k not in REGISTERED_CLAIMS}


# --- status lists ------------------------------------------------------------------------------


def encode_status_list(indexes: set[int]) -> str:
    """Multibase base64url (prefix 'u') of the GZIP-compressed bitstring; index 0 is the
    left-most bit (W3C Bitstring Status List)."""
    bits = bytearray(STATUS_LIST_BITS // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode_status_list(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise CredentialFormatError("The status list is not multibase base64url ('u...').")
    body = encoded[1:]
    try:
        bits = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, OSError, EOFError) as exc:
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
    *, org_uid: str, org_name: str, purpose: str, marks: list[StatusMark], now: datetime
) -> dict[str, Any]:
    """A BitstringStatusListCredential as a VC-JWT payload. Dates and reasons ride along in
    `cviStatusDetails` (the bitstring carries none) so a verifier elsewhere can say when and why."""
    list_id = status_list_id(org_uid, purpose)
    return {
        "@context": [VC_CONTEXT],
        "id": list_id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": issuer_id(org_uid), "name": org_name},
        "validFrom": _iso(now),
        "credentialSubject": {
            "id": f"{list_id}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_status_list({m.index for m in marks}),
        },
        "cviStatusDetails": [
            {"statusListIndex": str(m.index), "date": _iso(m.at), "reason": m.reason}
            for m in sorted(marks, key=lambda m: m.index)
        ],
        "iss": issuer_id(org_uid),
        "jti": list_id,
        "iat": _epoch(now),
        "nbf": _epoch(now),
    }


@dataclass(frozen=True)
class StatusList:
    issuer: str
    purpose: str
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
                datetime.fromisoformat(d["date"].replace("Z", "+00:00")),
                str(d["reason"]),
            )
            for d in payload.get("cviStatusDetails", [])
        }
        return StatusList(
            str(payload["iss"]),
            subject["statusPurpose"],
            _from_epoch(payload.get("iat"), "iat"),
            bits,
            details,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CredentialFormatError("The status list is missing required fields.") from exc


# --- issuer cards -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicKey:
    kid: str
    jwk: dict[str, str]
    active_from: datetime
    retired_at: datetime | None

    def active_at(self, moment: datetime) -> bool:
        return self.active_from <= moment and (self.retired_at is None or moment < self.retired_at)


@dataclass(frozen=True)
class IssuerCard:
    issuer: str  # urn:uuid:...
    name: str
    contact: str | None
    keys: tuple[PublicKey, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "type": CARD_TYPE,
            "version": 1,
            "issuer": {"id": self.issuer, "name": self.name, "contact": self.contact},
            "keys": [
                {
                    **k.jwk,
                    "kid": k.kid,
                    "alg": "ES256",
                    "use": "sig",
                    "activeFrom": _iso(k.active_from),
                    "retiredAt": _iso(k.retired_at) if k.retired_at else None,
                }
                for k in self.keys
            ],
        }


def _when(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("not a date")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("date without time zone")
    return moment


def read_issuer_card(data: dict[str, Any]) -> IssuerCard:
    try:
        if data.get("type") != CARD_TYPE:
            raise CredentialFormatError("This file is not a CVI Trainer issuer card.")
        issuer = data["issuer"]
        keys = tuple(
            PublicKey(
                str(k["kid"]),
                {name: str(k[name]) for name in ("kty", "crv", "x", "y")},
                _when(k["activeFrom"]),
                _when(k["retiredAt"]) if k.get("retiredAt") else None,
            )
            for k in data["keys"]
        )
        if not keys or not str(issuer["id"]).startswith("urn:uuid:") or not issuer["name"]:
            raise CredentialFormatError("The issuer card names no issuer or carries no keys.")
        return IssuerCard(str(issuer["id"]), str(issuer["name"]), issuer.get("contact"), keys)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CredentialFormatError(
            "The issuer card is incomplete or damaged: ask the issuing organization for a fresh "
            "copy (cvi-trainer keys card)."
        ) from exc


# --- verification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrustedKeyInfo:
    key: PublicKey
    issuer: str
    issuer_name: str
    own: bool  # this organization's own key


@dataclass(frozen=True)
class StatusAnswer:
    """What is known about a credential's status: checked or not, and the mark if any."""

    checked: bool
    revoked: StatusMark | None = None
    suspended: StatusMark | None = None
    source: str = ""


@dataclass(frozen=True)
class Claims:
    """The signed facts a manager compares with the person and their photo ID."""

    credential_id: str
    issuer: str
    issuer_name: str
    holder_name: str
    title: str
    valid_from: datetime
    valid_until: datetime | None
    status_index: int | None
    code: str | None


def badge_token_claims(token: Token) -> Claims:
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
            valid_from=_from_epoch(p.get("nbf"), "nbf"),
            valid_until=_from_epoch(p["exp"], "exp") if "exp" in p else None,
            status_index=int(status["statusListIndex"]),
            code=subject["achievement"].get("humanCode"),
        )
    except (KeyError, TypeError, ValueError, StopIteration) as exc:
        raise CredentialFormatError("The credential is missing required fields.") from exc


def qr_token_claims(token: Token) -> Claims:
    p = token.payload
    try:
        return Claims(
            credential_id=str(p["jti"]),
            issuer=str(p["iss"]),
            issuer_name=str(p["org"]),
            holder_name=str(p["name"]),
            title=str(p["ttl"]),
            valid_from=_from_epoch(p.get("nbf"), "nbf"),
            valid_until=_from_epoch(p["exp"], "exp") if "exp" in p else None,
            status_index=int(p["si"]),
            code=p.get("vc"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CredentialFormatError("The QR code is not a CVI Trainer credential.") from exc


def token_claims(token: Token) -> Claims:
    if token.header.get("typ") == QR_TYP:
        return qr_token_claims(token)
    return badge_token_claims(token)


VERIFIED, NOT_VERIFIED, UNKNOWN_ISSUER = "verified", "not_verified", "unknown_issuer"
REVOKED, SUSPENDED, EXPIRED, NOT_YET_VALID = "revoked", "suspended", "expired", "not_yet_valid"


@dataclass(frozen=True)
class Step:
    name: str
    outcome: str  # "passed", "failed", "not checked"
    detail: str


@dataclass(frozen=True)
class Report:
    verdict: str
    headline: str  # one plain sentence: "Verified", "Revoked on 3 Mar 2026: ..."
    steps: tuple[Step, ...]
    claims: Claims | None

    @property
    def exit_code(self) -> int:
        return 0 if self.verdict == VERIFIED else 1


def day(moment: datetime | date) -> str:
    return f"{moment.day} {moment:%b %Y}"


@dataclass
class _Run:
    steps: list[Step] = field(default_factory=list)

    def add(self, name: str, ok: bool | None, detail: str) -> None:
        outcome = "not checked" if ok is None else ("passed" if ok else "failed")
        self.steps.append(Step(name, outcome, detail))

    def report(self, verdict: str, headline: str, claims: Claims | None) -> Report:
        return Report(verdict, headline, tuple(self.steps), claims)


class PrintedPage(Protocol):
    """A certificate page as found in a file (core.certificate_pdf.CertificateFile)."""

    def page_digests(self) -> tuple[str, tuple[str, ...]]: ...

    @property
    def qr_tokens(self) -> tuple[str, ...]: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class Evidence:
    """What was presented: the credential token and, for a PDF, the page it came on."""

    token: str
    source: str  # "PDF certificate", "Open Badge (VC-JWT)", "QR code", "verification code"
    page: PrintedPage | None = None


def _claims_match(a: Claims, b: Claims) -> bool:
    return (a.credential_id, a.holder_name, a.title, a.valid_from, a.valid_until) == (
        b.credential_id,
        b.holder_name,
        b.title,
        b.valid_from,
        b.valid_until,
    )


def _normalize(text: str) -> str:
    return " ".join(text.split()).casefold()


def verify(
    evidence: Evidence,
    *,
    find_key: Callable[[str], TrustedKeyInfo | None],
    status_of: Callable[[Claims], StatusAnswer],
    now: datetime,
) -> Report:
    """Format, signature, issuer and key period, (PDF: QR and print), status, validity window."""
    run = _Run()
    try:
        token = read_token(evidence.token, "The credential")
        claims = token_claims(token)
    except CredentialFormatError as exc:
        run.add("Format", False, str(exc))
        return run.report(NOT_VERIFIED, "Not verified: the credential inside is damaged.", None)
    run.add("Format", True, f"{evidence.source} carrying a signed credential")

    trusted = find_key(token.kid or "")
    if trusted is None:
        run.add("Signature", None, "The signing key is not one this organization knows.")
        run.add(
            "Issuer",
            False,
            f"{claims.issuer_name} is not among your trusted issuers. If you trust them, import "
            "their issuer card (Verify › Trusted issuers) and verify again.",
        )
        return run.report(
            UNKNOWN_ISSUER, f"Unknown issuer: {claims.issuer_name} is not trusted here.", claims
        )
    if not signature_valid(token, trusted.key.jwk):
        run.add("Signature", False, "The signature does not match: the content was changed.")
        return run.report(
            NOT_VERIFIED, "Not verified: the certificate was altered after signing.", claims
        )
    run.add("Signature", True, f"ES256 signature valid (key {fingerprint(trusted.key.kid)})")
    if trusted.issuer != claims.issuer:
        run.add("Issuer", False, f"The key belongs to {trusted.issuer_name}, not the named issuer.")
        return run.report(NOT_VERIFIED, "Not verified: signed by a different issuer.", claims)
    if not trusted.key.active_at(claims.valid_from):
        run.add(
            "Issuer",
            False,
            f"Signed with a key of {trusted.issuer_name} that was not in use on "
            f"{day(claims.valid_from)}.",
        )
        return run.report(
            NOT_VERIFIED, "Not verified: signed with a key outside its period of use.", claims
        )
    who = "your organization" if trusted.own else "a trusted issuer"
    run.add("Issuer", True, f"{trusted.issuer_name} ({who}); key in use on the issue date")

    if evidence.page is not None:
        problem = _page_problem(evidence.page, token, claims, run, find_key)
        if problem:
            return run.report(NOT_VERIFIED, f"Not verified: {problem}", claims)

    status = status_of(claims)
    if status.revoked is not None:
        mark = status.revoked
        run.add("Status", False, f"Revoked on {day(mark.at)}: {mark.reason}")
        return run.report(REVOKED, f"Revoked on {day(mark.at)}: {mark.reason}", claims)
    if status.suspended is not None:
        mark = status.suspended
        run.add("Status", False, f"Suspended on {day(mark.at)}: {mark.reason}")
        return run.report(SUSPENDED, f"Suspended on {day(mark.at)}: {mark.reason}", claims)
    run.add("Status", True if status.checked else None, status.source)

    if now < claims.valid_from:
        run.add("Validity", False, f"Valid only from {day(claims.valid_from)}")
        return run.report(
            NOT_YET_VALID, f"Not yet valid: valid from {day(claims.valid_from)}.", claims
        )
    if claims.valid_until is not None and now >= claims.valid_until:
        run.add("Validity", False, f"Expired on {day(claims.valid_until)}")
        return run.report(EXPIRED, f"Expired on {day(claims.valid_until)}.", claims)
    until = f"until {day(claims.valid_until)}" if claims.valid_until else "with no expiry date"
    run.add("Validity", True, f"Valid from {day(claims.valid_from)} {until}")
    return run.report(VERIFIED, "Verified", claims)


def long_date(moment: date) -> str:
    return f"{moment.day} {moment:%B %Y}"


def _page_problem(
    page: PrintedPage,
    token: Token,
    claims: Claims,
    run: _Run,
    find_key: Callable[[str], TrustedKeyInfo | None],
) -> str | None:
    """Is the printed page the one issued with this credential? The signed page digest answers
    at once; a page re-saved by another program is checked by what it shows instead."""
    signed = token.payload.get(PAGE_CLAIM)
    content, images = page.page_digests()
    if isinstance(signed, dict) and signed.get("content") == content and signed.get("qr") in images:
        run.add("QR code", True, "The QR code is the one issued with this credential")
        run.add("Printed details", True, "The page is exactly as issued")
        return None
    qr = _qr_problem(page.qr_tokens, claims, find_key)
    run.add("QR code", qr is None, qr or "Matches the signed credential")
    if qr:
        return f"{qr[0].lower()}{qr[1:]}"
    printed = _normalize(page.text)
    expected = [
        ("holder name", claims.holder_name),
        ("title", claims.title),
        ("issue date", long_date(claims.valid_from.date())),
    ]
    if claims.valid_until is not None:
        expected.append(("expiry date", long_date(claims.valid_until.date())))
    if claims.code:
        expected.append(("verification code", claims.code))
    missing = [label for label, value in expected if _normalize(value) not in printed]
    if missing:
        run.add(
            "Printed details",
            False,
            f"The printed {', '.join(missing)} differ from the signed credential.",
        )
        return "the printed details were altered."
    run.add(
        "Printed details",
        True,
        "Name, title, dates and code on the page match the signed credential (the file was "
        "re-saved by another program since it was issued)",
    )
    return None


def _qr_problem(
    qr_tokens: tuple[str, ...],
    claims: Claims,
    find_key: Callable[[str], TrustedKeyInfo | None],
) -> str | None:
    if not qr_tokens:
        return "The certificate's QR code is missing or cannot be read."
    for text in qr_tokens:
        try:
            token = read_token(text, "The QR code")
            qr = qr_token_claims(token)
        except CredentialFormatError:
            continue
        trusted = find_key(token.kid or "")
        if trusted is None or not signature_valid(token, trusted.key.jwk):
            return "The QR code's signature does not check out."
        if not _claims_match(qr, claims):
            return "The QR code belongs to a different certificate."
        return None
    return "The QR code is not a CVI Trainer credential."
