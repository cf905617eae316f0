"""Trust between organizations: importing issuer cards and signed status lists, exporting our
own status lists, and answering "whose key is this?" and "is this revoked?" for verification."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from trainer.core import audit
from trainer.core.credentials import (
    PURPOSES,
    Claims,
    IssuerCard,
    PublicKey,
    StatusAnswer,
    StatusList,
    StatusMark,
    TrustedKeyInfo,
    day,
    issuer_id,
    read_issuer_card,
    read_status_list,
    status_list_claims,
)
from trainer.core.errors import CredentialFormatError, ValidationError
from trainer.core.models import (
    Credential,
    CredentialStatusEvent,
    ImportedStatusList,
    Organization,
    Person,
    SigningKey,
    TrustedIssuer,
    TrustedKey,
)
from trainer.core.services import keys as keys_service
from trainer.core.services.credentials import standing
from trainer.core.services.permissions import current_actor, require
from trainer.core.signing import UnlockedKey, read_token, signature_valid


@dataclass(frozen=True)
class Imported:
    kind: str  # "issuer card" or "status list"
    issuer_name: str
    detail: str


def card_in(text: str) -> IssuerCard | None:
    """The issuer card a file holds, read without importing it (to confirm its fingerprints
    first); None for a status list file. CredentialFormatError for a damaged card."""
    stripped = text.strip()
    if not stripped.startswith("{"):
        return None
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise CredentialFormatError(
            f"The file is not valid JSON (line {exc.lineno}): not an issuer card."
        ) from exc
    if not isinstance(data, dict):
        raise CredentialFormatError("This file is not a CVI Trainer issuer card.")
    return read_issuer_card(data)


def import_file(session: Session, actor: Person, text: str, *, now: datetime) -> list[Imported]:
    """Import an issuer card (JSON) or a status list file (one signed list per line)."""
    fresh = require(session, actor, "manage_trust")
    card = card_in(text)
    if card is not None:
        return [_import_card(session, fresh, card, now)]
    stripped = text.strip()
    lines = [line.strip() for line in stripped.splitlines() if line.strip()]
    if not lines:
        raise CredentialFormatError("The file is empty: expected an issuer card or a status list.")
    return [_import_status_list(session, fresh, line, now) for line in lines]


def _import_card(session: Session, actor: Person, card: IssuerCard, now: datetime) -> Imported:
    org = session.get(Organization, actor.organization_id)
    assert org is not None
    if card.issuer == issuer_id(org.uid):
        raise ValidationError("This is your own organization's issuer card; it is trusted already.")
    issuer = session.scalars(
        select(TrustedIssuer).where(
            TrustedIssuer.organization_id == org.id, TrustedIssuer.issuer_uid == card.issuer
        )
    ).first()
    if issuer is None:
        issuer = TrustedIssuer(
            organization_id=org.id, issuer_uid=card.issuer, name=card.name, imported_at=now
        )
        session.add(issuer)
    issuer.name, issuer.contact = card.name, card.contact
    issuer.imported_at, issuer.imported_by_id = now, actor.id
    session.flush()
    known = {
        k.kid: k
        for k in session.scalars(
            select(TrustedKey).where(TrustedKey.trusted_issuer_id == issuer.id)
        )
    }
    for key in card.keys:
        row = known.get(key.kid)
        if row is None:
            row = TrustedKey(trusted_issuer_id=issuer.id, kid=key.kid)
            session.add(row)
        row.public_jwk = json.dumps(key.jwk, sort_keys=True)
        row.active_from, row.retired_at = key.active_from, key.retired_at
    session.flush()
    fingerprints = ", ".join(keys_service.fingerprint(k.kid) for k in card.keys)
    audit.record(
        session,
        actor,
        "trust.issuer_imported",
        card.name,
        at=now,
        issuer=card.issuer,
        keys=fingerprints,
    )
    return Imported("issuer card", card.name, f"{len(card.keys)} key(s): {fingerprints}")


def _import_status_list(session: Session, actor: Person, text: str, now: datetime) -> Imported:
    token = read_token(text, "The status list")
    info = find_key(session, actor.organization_id, token.kid or "")
    if info is None:
        raise ValidationError(
            "This status list is signed by an issuer you do not trust yet. Import their issuer "
            "card first, then the status list."
        )
    if not signature_valid(token, info.key.jwk):
        raise CredentialFormatError(
            "The status list's signature does not check out: it was altered."
        )
    status = read_status_list(token)
    if info.own or status.issuer != info.issuer:
        raise ValidationError("The status list does not belong to the issuer whose key signed it.")
    if not info.key.active_at(status.issued_at):
        raise CredentialFormatError(
            "The status list was signed with a key outside its period of use."
        )
    issuer = session.scalars(
        select(TrustedIssuer).where(
            TrustedIssuer.organization_id == actor.organization_id,
            TrustedIssuer.issuer_uid == status.issuer,
        )
    ).one()
    row = session.scalars(
        select(ImportedStatusList).where(
            ImportedStatusList.trusted_issuer_id == issuer.id,
            ImportedStatusList.purpose == status.purpose,
        )
    ).first()
    if row is not None and row.list_issued_at > status.issued_at:
        raise ValidationError(
            f"You already have a newer {status.purpose} list from {issuer.name} "
            f"({day(row.list_issued_at)}); this older one was not imported."
        )
    if row is None:
        row = ImportedStatusList(trusted_issuer_id=issuer.id, purpose=status.purpose)
        session.add(row)
    row.token, row.list_issued_at, row.imported_at = token.text, status.issued_at, now
    session.flush()
    audit.record(
        session,
        actor,
        "trust.status_imported",
        issuer.name,
        at=now,
        purpose=status.purpose,
        entries=len(status.details),
    )
    return Imported(
        "status list",
        issuer.name,
        f"{status.purpose}: {len(status.details)} marked, as of {day(status.issued_at)}",
    )


def export_status_lists(session: Session, actor: Person, key: UnlockedKey, *, now: datetime) -> str:
    """Our signed revocation and suspension lists, one compact JWS per line."""
    fresh = require(session, actor, "issue_credentials")
    org = session.get(Organization, fresh.organization_id)
    assert org is not None
    marks = _own_marks(session, org.id)
    lines = [
        key.sign(
            status_list_claims(
                org_uid=org.uid, org_name=org.name, purpose=purpose, marks=marks[purpose], now=now
            )
        )
        for purpose in PURPOSES
    ]
    audit.record(
        session, fresh, "status.exported", org.name, at=now, revoked=len(marks["revocation"])
    )
    return "\n".join(lines) + "\n"


def _own_marks(session: Session, organization_id: int) -> dict[str, list[StatusMark]]:
    events: dict[int, list[CredentialStatusEvent]] = {}
    indexes: dict[int, int] = {}
    for event, index in session.execute(
        select(CredentialStatusEvent, Credential.status_index)
        .join(Credential, Credential.id == CredentialStatusEvent.credential_id)
        .where(Credential.organization_id == organization_id)
        .order_by(CredentialStatusEvent.id)
    ):
        events.setdefault(event.credential_id, []).append(event)
        indexes[event.credential_id] = index
    marks: dict[str, list[StatusMark]] = {p: [] for p in PURPOSES}
    for credential_id, found in events.items():
        mark = _mark(found)
        if mark is not None:
            purpose, event = mark
            marks[purpose].append(StatusMark(indexes[credential_id], event.at, event.reason))
    return marks


def _mark(events: list[CredentialStatusEvent]) -> tuple[str, CredentialStatusEvent] | None:
    revoked, suspended = standing(events)
    if revoked is not None:
        return "revocation", revoked
    if suspended is not None:
        return "suspension", suspended
    return None


# --- lookups for verification ----------------------------------------------------------------


def find_key(session: Session, organization_id: int, kid: str) -> TrustedKeyInfo | None:
    own = session.execute(
        select(SigningKey, Organization)
        .join(Organization, Organization.id == SigningKey.organization_id)
        .where(SigningKey.organization_id == organization_id, SigningKey.kid == kid)
    ).first()
    if own is not None:
        key, org = own
        public = PublicKey(key.kid, json.loads(key.public_jwk), key.active_from, key.retired_at)
        return TrustedKeyInfo(public, issuer_id(org.uid), org.name, own=True)
    row = session.execute(
        select(TrustedKey, TrustedIssuer)
        .join(TrustedIssuer, TrustedIssuer.id == TrustedKey.trusted_issuer_id)
        .where(TrustedIssuer.organization_id == organization_id, TrustedKey.kid == kid)
    ).first()
    if row is None:
        return None
    stored, issuer = row
    public = PublicKey(
        stored.kid, json.loads(stored.public_jwk), stored.active_from, stored.retired_at
    )
    return TrustedKeyInfo(public, issuer.issuer_uid, issuer.name, own=False)


def status_of(
    session: Session, organization_id: int, claims: Claims, *, own: bool | None = None
) -> StatusAnswer:
    """Revoked or suspended? `own` says whether the claims' issuer is this organization (the
    key lookup already knows; None: look it up)."""
    if own is None:
        org = session.get(Organization, organization_id)
        own = org is not None and claims.issuer == issuer_id(org.uid)
    if own:
        # One query: the credential and its status events, oldest first.
        rows = session.execute(
            select(Credential.status_index, CredentialStatusEvent)
            .outerjoin(CredentialStatusEvent, CredentialStatusEvent.credential_id == Credential.id)
            .where(
                Credential.organization_id == organization_id,
                Credential.uuid == claims.credential_id.removeprefix("urn:uuid:"),
            )
            .order_by(CredentialStatusEvent.id)
        ).all()
        if not rows:
            return StatusAnswer(False, source="Not found in this organization's records")
        found = _mark([event for _, event in rows if event is not None])
        if found is None:
            return StatusAnswer(True, source="Not revoked or suspended (your own records)")
        purpose, event = found
        mark = StatusMark(rows[0][0], event.at, event.reason)
        if purpose == "revocation":
            return StatusAnswer(True, revoked=mark)
        return StatusAnswer(True, suspended=mark)
    lists: dict[str, StatusList] = {}
    imported = session.scalars(
        select(ImportedStatusList)
        .join(TrustedIssuer, TrustedIssuer.id == ImportedStatusList.trusted_issuer_id)
        .where(
            TrustedIssuer.organization_id == organization_id,
            TrustedIssuer.issuer_uid == claims.issuer,
        )
    )
    for stored in imported:
        lists[stored.purpose] = read_status_list(read_token(stored.token))
    if not lists or claims.status_index is None:
        return StatusAnswer(
            False,
            source=f"No status list from {claims.issuer_name} imported, so revocation could not "
            "be checked offline. Ask them for their status list (cvi-trainer status export).",
        )
    revoked = lists["revocation"].mark(claims.status_index) if "revocation" in lists else None
    suspended = lists["suspension"].mark(claims.status_index) if "suspension" in lists else None
    as_of = min(s.issued_at for s in lists.values())
    return StatusAnswer(
        True,
        revoked,
        suspended,
        f"Not revoked or suspended, per {claims.issuer_name}'s status list of {day(as_of)}",
    )


@dataclass(frozen=True)
class TrustedIssuerRow:
    name: str
    issuer: str
    contact: str | None
    fingerprints: str
    imported_at: datetime
    status_as_of: datetime | None


def trusted_issuers(session: Session, actor: Person) -> list[TrustedIssuerRow]:
    return trusted_issuers_of(session, current_actor(session, actor).organization_id)


def trusted_issuers_of(session: Session, organization_id: int) -> list[TrustedIssuerRow]:
    """Names and key fingerprints: public information, so the CLI lists them without sign-in."""
    rows = []
    for issuer in session.scalars(
        select(TrustedIssuer)
        .where(TrustedIssuer.organization_id == organization_id)
        .order_by(TrustedIssuer.name)
    ):
        kids = session.scalars(
            select(TrustedKey.kid).where(TrustedKey.trusted_issuer_id == issuer.id)
        )
        lists = list(
            session.scalars(
                select(ImportedStatusList.list_issued_at).where(
                    ImportedStatusList.trusted_issuer_id == issuer.id
                )
            )
        )
        rows.append(
            TrustedIssuerRow(
                issuer.name,
                issuer.issuer_uid,
                issuer.contact,
                ", ".join(keys_service.fingerprint(k) for k in kids),
                issuer.imported_at,
                min(lists) if lists else None,
            )
        )
    return rows
