"""The organization's issuing keys: creation, rotation, a new passphrase, replacing a key whose
passphrase was lost, unlocking, and what it publishes (a JWK Set and a signed issuer card).

Only the passphrase signs: rotating unlocks the current key first (and the current key endorses
its successor), a passphrase change re-encrypts the same key, and the one way around a lost
passphrase is an admin's confirmed, audit-logged replacement that every importer can see."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trainer.core import audit, signing
from trainer.core.errors import SigningError, ValidationError
from trainer.core.issuer_cards import IssuerCard, PublicKey, endorse, sign_card
from trainer.core.models import Organization, Person, SigningKey
from trainer.core.open_badges import issuer_id
from trainer.core.services.permissions import current_actor, require
from trainer.core.signing import fingerprint as fingerprint  # re-exported for the UI and CLI


def _organization(session: Session, organization_id: int) -> Organization:
    org = session.get(Organization, organization_id)
    if org is None:
        raise SigningError("There is no organization in this database.")
    return org


def _add_key(
    session: Session,
    actor: Person,
    new: signing.NewKey,
    now: datetime,
    *,
    endorsement: str | None = None,
    replaces: str | None = None,
) -> SigningKey:
    row = SigningKey(
        organization_id=actor.organization_id,
        kid=new.kid,
        public_jwk=json.dumps(new.public_jwk, sort_keys=True),
        encrypted_private_key=new.envelope,
        active_from=now,
        created_by_id=actor.id,
        endorsement=endorsement,
        replaces_kid=replaces,
    )
    session.add(row)
    session.flush()
    return row


def _require_active(session: Session, organization_id: int) -> SigningKey:
    row = active_key(session, organization_id)
    if row is None:
        raise SigningError(
            "This organization has no signing key yet. A manager or admin creates one under "
            "Organization › Signing keys."
        )
    return row


def create_first_key(
    session: Session, actor: Person, passphrase: str, *, now: datetime
) -> SigningKey:
    """At setup: the organization's first ES256 key. Later keys come from rotate_key."""
    fresh = require(session, actor, "manage_keys")
    if session.scalars(
        select(SigningKey.id).where(SigningKey.organization_id == fresh.organization_id)
    ).first():
        raise SigningError("This organization already has a signing key; rotate it instead.")
    row = _add_key(session, fresh, signing.generate_key(passphrase), now)
    audit.record(session, fresh, "key.created", row.kid, at=now, fingerprint=_fp(row))
    return row


def rotate_key(
    session: Session,
    actor: Person,
    current_passphrase: str,
    new_passphrase: str,
    *,
    now: datetime,
) -> SigningKey:
    """Retire the active key (kept, so certificates it signed still verify) and start a new one
    under `new_passphrase`. Needs the current passphrase: the old key endorses the new one, so
    organizations that trust the old key accept the new card without a phone call."""
    fresh = require(session, actor, "manage_keys")
    old = _require_active(session, fresh.organization_id)
    unlocked = signing.unlock(old.kid, old.encrypted_private_key, current_passphrase)
    new = signing.generate_key(new_passphrase)
    issuer = issuer_id(_organization(session, fresh.organization_id).uid)
    old.retired_at = now
    row = _add_key(session, fresh, new, now, endorsement=endorse(unlocked, issuer, new.kid, now))
    audit.record(
        session, fresh, "key.rotated", row.kid, at=now, retired=old.kid, fingerprint=_fp(row)
    )
    return row


def change_passphrase(
    session: Session, actor: Person, current_passphrase: str, new_passphrase: str, *, now: datetime
) -> SigningKey:
    """The same key under a new passphrase; certificates and other organizations see no change."""
    fresh = require(session, actor, "manage_keys")
    row = _require_active(session, fresh.organization_id)
    unlocked = signing.unlock(row.kid, row.encrypted_private_key, current_passphrase)
    if current_passphrase == new_passphrase:
        raise ValidationError("The new passphrase is the same as the current one.", "passphrase")
    row.encrypted_private_key = signing.reencrypt(unlocked, new_passphrase)
    audit.record(session, fresh, "key.passphrase_changed", row.kid, at=now)
    return row


def replace_lost_key(
    session: Session, actor: Person, new_passphrase: str, reason: str, *, now: datetime
) -> SigningKey:
    """When the passphrase is lost: retire the key unendorsed and start a new one. Admins only,
    with a reason. The new key's card entry says it replaced the old key without its signature,
    so other organizations must check the new fingerprint with you before trusting it."""
    fresh = require(session, actor, "replace_key")
    reason = " ".join(reason.split())
    if len(reason) < 5:
        raise ValidationError("Reason: say why the key is replaced, in a few words.", "reason")
    old = _require_active(session, fresh.organization_id)
    old.retired_at = now
    row = _add_key(session, fresh, signing.generate_key(new_passphrase), now, replaces=old.kid)
    audit.record(
        session,
        fresh,
        "key.replaced_without_passphrase",
        row.kid,
        at=now,
        replaced=old.kid,
        old_fingerprint=_fp(old),
        new_fingerprint=_fp(row),
        reason=reason,
    )
    return row


def active_key(session: Session, organization_id: int) -> SigningKey | None:
    return session.scalars(
        select(SigningKey)
        .where(SigningKey.organization_id == organization_id, SigningKey.retired_at.is_(None))
        .order_by(SigningKey.id.desc())
    ).first()


def all_keys(session: Session, organization_id: int) -> list[SigningKey]:
    return list(
        session.scalars(
            select(SigningKey)
            .where(SigningKey.organization_id == organization_id)
            .order_by(SigningKey.id)
        )
    )


def unlock(session: Session, actor: Person, passphrase: str) -> signing.UnlockedKey:
    """The active key, decrypted for one issuing session. Managers only."""
    fresh = require(session, actor, "issue_credentials")
    row = _require_active(session, fresh.organization_id)
    return signing.unlock(row.kid, row.encrypted_private_key, passphrase)


def unlock_for_card(session: Session, actor: Person, passphrase: str) -> signing.UnlockedKey:
    """The active key, decrypted to sign the issuer card (managers and admins)."""
    fresh = require(session, actor, "manage_keys")
    row = _require_active(session, fresh.organization_id)
    return signing.unlock(row.kid, row.encrypted_private_key, passphrase)


def _public(row: SigningKey) -> PublicKey:
    jwk: dict[str, str] = json.loads(row.public_jwk)
    return PublicKey(
        row.kid, jwk, row.active_from, row.retired_at, row.endorsement, row.replaces_kid
    )


def _fp(row: SigningKey) -> str:
    return fingerprint(json.loads(row.public_jwk))


def public_keys(session: Session, organization_id: int) -> list[PublicKey]:
    return [_public(row) for row in all_keys(session, organization_id)]


def jwks(session: Session, organization_id: int) -> dict[str, Any]:
    """The public keys as a JWK Set (RFC 7517)."""
    return {
        "keys": [
            {**k.jwk, "kid": k.kid, "alg": signing.ALG, "use": "sig"}
            for k in public_keys(session, organization_id)
        ]
    }


def issuer_card(session: Session, organization_id: int, key: signing.UnlockedKey) -> IssuerCard:
    """The organization's issuer card, signed with its active key (unlocked by the passphrase)."""
    org = _organization(session, organization_id)
    keys = tuple(public_keys(session, organization_id))
    if not keys:
        raise SigningError("This organization has no signing key yet, so it has no issuer card.")
    card = IssuerCard(issuer_id(org.uid), org.name, org.contact, keys)
    if key.kid != card.active.kid:
        raise SigningError("The signing key changed; unlock it again.")
    return sign_card(card, key)


@dataclass(frozen=True)
class KeySummary:
    kid: str
    fingerprint: str  # see signing.fingerprint
    active_from: datetime
    retired_at: datetime | None
    replaced_unendorsed: bool  # this key replaced a lost one without its signature


def key_summaries(session: Session, actor: Person) -> list[KeySummary]:
    fresh = current_actor(session, actor)
    return [
        KeySummary(r.kid, _fp(r), r.active_from, r.retired_at, r.replaces_kid is not None)
        for r in all_keys(session, fresh.organization_id)
    ]
