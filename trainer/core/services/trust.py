"""Trust between organizations: importing issuer cards and signed status lists, exporting our
own status lists, and answering "whose key is this?" and "is this revoked?" for verification.

A card for an issuer we do not trust yet is imported only after a person confirms its key's
fingerprint (read to them by the issuer). A card for an issuer we trust is accepted only when
its new keys chain back, by endorsements, to a key we already trust; anything else is refused,
and replacing the issuer's keys is a separate, confirmed and audit-logged action."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from trainer.core import audit, issuer_cards
from trainer.core.dates import short_date
from trainer.core.eligibility import standing
from trainer.core.errors import CredentialFormatError, IssuerKeyChangedError, ValidationError
from trainer.core.issuer_cards import IssuerCard, PublicKey, endorsed_by
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
from trainer.core.open_badges import Claims, issuer_id
from trainer.core.services.permissions import current_actor, require
from trainer.core.signing import UnlockedKey, fingerprint, read_token, signature_valid
from trainer.core.status_lists import (
    PURPOSES,
    StatusList,
    StatusMark,
    read_status_list,
    status_list_claims,
)
from trainer.core.verify import StatusAnswer, StatusMarkInfo, TrustedKeyInfo

MAX_TRUST_FILE_BYTES = 2 * 1024 * 1024
MAX_STATUS_LINES = 20


@dataclass(frozen=True)
class Imported:
    kind: str  # "issuer card" or "status list"
    issuer_name: str
    detail: str


# --- issuer cards --------------------------------------------------------------------------------


def card_in(text: str) -> IssuerCard | None:
    """The issuer card a file holds, checked but not imported (so a person can confirm its
    fingerprint first); None for a status list file. CredentialFormatError for a bad card."""
    _check_size(text)
    if not text.lstrip().startswith("{"):
        return None
    return issuer_cards.read_card(text)


def _check_size(text: str) -> None:
    if len(text) > MAX_TRUST_FILE_BYTES:
        raise CredentialFormatError(
            f"The file is {len(text) // 1024} KB, far larger than an issuer card or a status "
            "list: nothing was imported."
        )


@dataclass(frozen=True)
class CardPlan:
    """What importing a card would do, before anything is written."""

    card: IssuerCard
    action: str  # "new" (confirm the fingerprint first), "update" (chain holds), "unchanged"
    new_keys: tuple[PublicKey, ...]
    trusted_fingerprints: tuple[str, ...]  # of the keys trusted now for this issuer

    @property
    def fingerprint(self) -> str:
        """The card's active key, as the issuer reads it out."""
        return fingerprint(self.card.active.jwk)


def _issuer_row(session: Session, organization_id: int, issuer: str) -> TrustedIssuer | None:
    return session.scalars(
        select(TrustedIssuer).where(
            TrustedIssuer.organization_id == organization_id, TrustedIssuer.issuer_uid == issuer
        )
    ).first()


def _trusted_keys(session: Session, issuer_row_id: int) -> list[PublicKey]:
    return [
        PublicKey(k.kid, json.loads(k.public_jwk), k.active_from, k.retired_at)
        for k in session.scalars(
            select(TrustedKey).where(TrustedKey.trusted_issuer_id == issuer_row_id)
        )
    ]


def _check_key_owners(session: Session, org: Organization, card: IssuerCard) -> None:
    """A key belongs to one issuer: refuse a card that lists our key or another issuer's."""
    kids = [k.kid for k in card.keys]
    if session.scalars(select(SigningKey.id).where(SigningKey.kid.in_(kids))).first():
        raise ValidationError(
            f"This card claims one of your own organization's keys for {card.name}: it is "
            "forged. Nothing was imported."
        )
    other = session.execute(
        select(TrustedIssuer.name)
        .join(TrustedKey, TrustedKey.trusted_issuer_id == TrustedIssuer.id)
        .where(
            TrustedIssuer.organization_id == org.id,
            TrustedIssuer.issuer_uid != card.issuer,
            TrustedKey.kid.in_(kids),
        )
    ).first()
    if other is not None:
        raise ValidationError(
            f"This card for {card.name} lists a key that belongs to {other[0]}, an issuer you "
            "already trust. A key belongs to one organization only: nothing was imported."
        )


def plan_card(session: Session, actor: Person, card: IssuerCard) -> CardPlan:
    """What importing `card` would do; ValidationError, saying what to check, if it may not."""
    fresh = require(session, actor, "manage_trust")
    org = session.get(Organization, fresh.organization_id)
    assert org is not None
    if card.issuer == issuer_id(org.uid):
        raise ValidationError("This is your own organization's issuer card; it is trusted already.")
    _check_key_owners(session, org, card)
    row = _issuer_row(session, org.id, card.issuer)
    if row is None:
        return CardPlan(card, "new", card.keys, ())
    trusted = _trusted_keys(session, row.id)
    accepted = {k.kid: k for k in trusted}
    pending = [k for k in card.keys if k.kid not in accepted]
    new: list[PublicKey] = []
    progress = True
    while pending and progress:  # accept keys whose endorsement chains back to a trusted key
        progress = False
        for key in list(pending):
            if any(endorsed_by(key, card.issuer, prev) for prev in accepted.values()):
                accepted[key.kid] = key
                new.append(key)
                pending.remove(key)
                progress = True
    prints = tuple(fingerprint(k.jwk) for k in trusted)
    if pending:
        key = pending[0]
        why = (
            "says it replaced a lost key without that key's signature"
            if key.replaces
            else "is signed by none of the keys you trust for them"
        )
        raise IssuerKeyChangedError(
            f"Not imported: this card for {card.name}, whom you already trust, carries a new key "
            f"(fingerprint {fingerprint(key.jwk)}) that {why}. It may be forged. Phone "
            f"{row.name} on a number you already know and compare that fingerprint; only if it "
            "matches, use Replace issuer."
        )
    return CardPlan(card, "update" if new else "unchanged", tuple(new), prints)


def import_card(
    session: Session, actor: Person, card: IssuerCard, *, now: datetime, confirmed: bool = False
) -> Imported:
    """Import a card as `plan_card` says. A new issuer needs `confirmed` (the person compared
    the fingerprint with the issuer); a trusted issuer's endorsed rotation does not."""
    plan = plan_card(session, actor, card)
    fresh = current_actor(session, actor)
    if plan.action == "new" and not confirmed:
        raise ValidationError(
            f"Confirm {card.name}'s key fingerprint ({plan.fingerprint}) with them before "
            "trusting this card."
        )
    row = _issuer_row(session, fresh.organization_id, card.issuer)
    if row is None:
        row = TrustedIssuer(
            organization_id=fresh.organization_id,
            issuer_uid=card.issuer,
            name=card.name,
            imported_at=now,
        )
        session.add(row)
    row.name, row.contact = card.name, card.contact
    row.imported_at, row.imported_by_id = now, fresh.id
    session.flush()
    _store_keys(session, row, card)
    audit.record(
        session,
        fresh,
        "trust.issuer_imported" if plan.action == "new" else "trust.issuer_updated",
        card.name,
        at=now,
        issuer=card.issuer,
        keys=", ".join(fingerprint(k.jwk) for k in card.keys),
    )
    detail = {
        "new": f"trusted after confirming key {plan.fingerprint}",
        "update": f"{len(plan.new_keys)} new key(s), endorsed by a key you already trust",
        "unchanged": "no new keys; dates and contact refreshed",
    }[plan.action]
    return Imported("issuer card", card.name, detail)


def _store_keys(session: Session, row: TrustedIssuer, card: IssuerCard) -> None:
    known = {
        k.kid: k
        for k in session.scalars(select(TrustedKey).where(TrustedKey.trusted_issuer_id == row.id))
    }
    for key in card.keys:
        stored = known.get(key.kid)
        if stored is None:
            session.add(
                TrustedKey(
                    trusted_issuer_id=row.id,
                    kid=key.kid,
                    public_jwk=json.dumps(key.jwk, sort_keys=True),
                    active_from=key.active_from,
                    retired_at=key.retired_at,
                )
            )
        elif key.retired_at is not None and (
            stored.retired_at is None or key.retired_at < stored.retired_at
        ):
            # A key's period of use only ever shrinks: a replayed older card cannot bring a
            # retired (perhaps compromised) key back into use, nor stretch its dates.
            stored.retired_at = key.retired_at
    session.flush()


@dataclass(frozen=True)
class Replacement:
    issuer_name: str
    old_fingerprints: tuple[str, ...]
    new_fingerprints: tuple[str, ...]


def replacement_of(session: Session, actor: Person, card: IssuerCard) -> Replacement:
    """What Replace issuer would change, for the person to confirm."""
    fresh = require(session, actor, "manage_trust")
    row = _issuer_row(session, fresh.organization_id, card.issuer)
    if row is None:
        raise ValidationError(f"You do not trust {card.name} yet: import the card instead.")
    old = tuple(fingerprint(k.jwk) for k in _trusted_keys(session, row.id))
    return Replacement(row.name, old, tuple(fingerprint(k.jwk) for k in card.keys))


def replace_issuer(
    session: Session, actor: Person, card: IssuerCard, *, confirmed: bool, now: datetime
) -> Imported:
    """Replace a trusted issuer's keys with the card's (after a lost passphrase, or to undo a
    wrong import). Confirmed by the person after a phone check; audit-logged with both sets."""
    change = replacement_of(session, actor, card)
    if not confirmed:
        raise ValidationError("Replacing an issuer's keys needs your confirmation.")
    fresh = current_actor(session, actor)
    org = session.get(Organization, fresh.organization_id)
    assert org is not None
    if card.issuer == issuer_id(org.uid):
        raise ValidationError("This is your own organization's issuer card.")
    _check_key_owners(session, org, card)
    row = _issuer_row(session, org.id, card.issuer)
    assert row is not None  # replacement_of found it
    session.execute(delete(TrustedKey).where(TrustedKey.trusted_issuer_id == row.id))
    session.execute(
        delete(ImportedStatusList).where(ImportedStatusList.trusted_issuer_id == row.id)
    )
    row.name, row.contact, row.imported_at, row.imported_by_id = (
        card.name,
        card.contact,
        now,
        fresh.id,
    )
    session.flush()
    _store_keys(session, row, card)
    audit.record(
        session,
        fresh,
        "trust.issuer_replaced",
        card.name,
        at=now,
        issuer=card.issuer,
        old_keys=", ".join(change.old_fingerprints),
        new_keys=", ".join(change.new_fingerprints),
    )
    return Imported(
        "issuer card", card.name, f"keys replaced: now {', '.join(change.new_fingerprints)}"
    )


# --- files: a card or status lists ---------------------------------------------------------------


def import_file(
    session: Session, actor: Person, text: str, *, now: datetime, confirmed: bool = False
) -> list[Imported]:
    """Import an issuer card (JSON) or a status list file (one signed list per line), all or
    nothing: the caller's transaction rolls back on any error."""
    fresh = require(session, actor, "manage_trust")
    card = card_in(text)
    if card is not None:
        return [import_card(session, fresh, card, now=now, confirmed=confirmed)]
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        raise CredentialFormatError("The file is empty: expected an issuer card or a status list.")
    if len(lines) > MAX_STATUS_LINES:
        raise CredentialFormatError(
            f"The file has {len(lines)} lines; a status list file has one line per list."
        )
    return [_import_status_list(session, fresh, line, now) for line in lines]


def _import_status_list(session: Session, actor: Person, text: str, now: datetime) -> Imported:
    token = read_token(text, "The status list")
    status = read_status_list(token)
    keys = find_keys(session, actor.organization_id, status.issuer, token.kid or "")
    if not keys:
        raise ValidationError(
            "This status list is signed by an issuer you do not trust yet. Import their issuer "
            "card first, then the status list."
        )
    info = keys[0]
    if info.own:
        raise ValidationError("This is your own organization's status list.")
    if not signature_valid(token, info.key.jwk):
        raise CredentialFormatError(
            "The status list's signature does not check out: it was altered."
        )
    if not info.key.active_at(status.issued_at):
        raise CredentialFormatError(
            "The status list was signed with a key outside its period of use."
        )
    issuer = _issuer_row(session, actor.organization_id, status.issuer)
    assert issuer is not None  # find_keys found its key
    row = session.scalars(
        select(ImportedStatusList).where(
            ImportedStatusList.trusted_issuer_id == issuer.id,
            ImportedStatusList.purpose == status.purpose,
        )
    ).first()
    if row is not None and status.sequence <= row.sequence:
        raise ValidationError(
            f"You already have {issuer.name}'s {status.purpose} list number {row.sequence} "
            f"(of {short_date(row.list_issued_at)}); this one is number {status.sequence}, not "
            "newer, so it was not imported."
        )
    if row is None:
        row = ImportedStatusList(trusted_issuer_id=issuer.id, purpose=status.purpose)
        session.add(row)
    row.token, row.list_issued_at, row.imported_at = token.text, status.issued_at, now
    row.sequence = status.sequence
    session.flush()
    audit.record(
        session,
        actor,
        "trust.status_imported",
        issuer.name,
        at=now,
        purpose=status.purpose,
        sequence=status.sequence,
        entries=len(status.details),
    )
    return Imported(
        "status list",
        issuer.name,
        f"{status.purpose} list {status.sequence}: {len(status.details)} marked, as of "
        f"{short_date(status.issued_at)}",
    )


def export_status_lists(session: Session, actor: Person, key: UnlockedKey, *, now: datetime) -> str:
    """Our signed revocation and suspension lists, one compact JWS per line, numbered one
    higher than the last export and carrying our audit log's head."""
    fresh = require(session, actor, "issue_credentials")
    org = session.get(Organization, fresh.organization_id)
    assert org is not None
    marks = _own_marks(session, org.id)
    org.status_sequence += 1
    audit.record(
        session,
        fresh,
        "status.exported",
        org.name,
        at=now,
        sequence=org.status_sequence,
        revoked=len(marks["revocation"]),
    )
    head = audit.current_head(session).as_claim()
    lines = [
        key.sign(
            status_list_claims(
                org_uid=org.uid,
                org_name=org.name,
                purpose=purpose,
                marks=marks[purpose],
                sequence=org.status_sequence,
                now=now,
                audit_head=head,
            )
        )
        for purpose in PURPOSES
    ]
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
        return "revocation", cast(CredentialStatusEvent, revoked)
    if suspended is not None:
        return "suspension", cast(CredentialStatusEvent, suspended)
    return None


# --- lookups for verification ----------------------------------------------------------------


def find_keys(
    session: Session, organization_id: int, issuer: str, kid: str
) -> list[TrustedKeyInfo]:
    """Keys of `issuer` with id `kid` (or, for a QR code, an id starting with it): by issuer and
    key id together, so no other issuer's card can stand in for this one's."""
    if len(kid) < 8:
        return []
    org = session.get(Organization, organization_id)
    if org is None:
        return []
    found: list[TrustedKeyInfo] = []
    if issuer == issuer_id(org.uid):
        for key in session.scalars(
            select(SigningKey).where(
                SigningKey.organization_id == organization_id, SigningKey.kid.startswith(kid)
            )
        ):
            public = PublicKey(key.kid, json.loads(key.public_jwk), key.active_from, key.retired_at)
            found.append(TrustedKeyInfo(public, issuer, org.name, own=True))
        return found
    for stored, row in session.execute(
        select(TrustedKey, TrustedIssuer)
        .join(TrustedIssuer, TrustedIssuer.id == TrustedKey.trusted_issuer_id)
        .where(
            TrustedIssuer.organization_id == organization_id,
            TrustedIssuer.issuer_uid == issuer,
            TrustedKey.kid.startswith(kid),
        )
    ):
        public = PublicKey(
            stored.kid, json.loads(stored.public_jwk), stored.active_from, stored.retired_at
        )
        found.append(TrustedKeyInfo(public, row.issuer_uid, row.name, own=False))
    return found


def status_of(
    session: Session, organization_id: int, claims: Claims, own: bool, *, now: datetime
) -> StatusAnswer:
    """Revoked or suspended? Our own records for our credentials; another issuer's imported
    status lists for theirs, and only while fresh (the organization's setting)."""
    if own:
        return _own_status(session, organization_id, claims)
    org = session.get(Organization, organization_id)
    assert org is not None
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
            source=f"no status list from {claims.issuer_name} has been imported. Ask them for "
            "their status list (cvi-trainer status export) and import it.",
        )
    revoked = lists["revocation"].mark(claims.status_index) if "revocation" in lists else None
    suspended = lists["suspension"].mark(claims.status_index) if "suspension" in lists else None
    as_of = min(s.issued_at for s in lists.values())
    if revoked is not None:
        return StatusAnswer(True, revoked=StatusMarkInfo(revoked.at, revoked.reason))
    if suspended is not None:
        return StatusAnswer(True, suspended=StatusMarkInfo(suspended.at, suspended.reason))
    limit = org.status_max_age_days
    if now - as_of > timedelta(days=limit):
        return StatusAnswer(
            False,
            source=f"{claims.issuer_name}'s newest status list is of {short_date(as_of)}, older "
            f"than your {limit}-day limit. Ask them for a fresh one.",
        )
    return StatusAnswer(
        True,
        source=f"Not revoked or suspended, per {claims.issuer_name}'s status list of "
        f"{short_date(as_of)}",
    )


def _own_status(session: Session, organization_id: int, claims: Claims) -> StatusAnswer:
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
        return StatusAnswer(False, source="it is not in this organization's own records")
    found = _mark([event for _, event in rows if event is not None])
    if found is None:
        return StatusAnswer(True, source="Not revoked or suspended (your own records)")
    purpose, event = found
    mark = StatusMarkInfo(event.at, event.reason)
    if purpose == "revocation":
        return StatusAnswer(True, revoked=mark)
    return StatusAnswer(True, suspended=mark)


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
        jwks = session.scalars(
            select(TrustedKey.public_jwk).where(TrustedKey.trusted_issuer_id == issuer.id)
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
                ", ".join(fingerprint(json.loads(j)) for j in jwks),
                issuer.imported_at,
                min(lists) if lists else None,
            )
        )
    return rows
