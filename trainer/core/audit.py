"""Append-only audit log: each entry carries the hash of the one before it, and heads of the log
kept elsewhere (beside backups, in status lists, on the computers that open it) show a cut."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trainer.core.errors import AuditHeadError, CredentialFormatError
from trainer.core.models import AuditEntry, Organization, Person, SigningKey
from trainer.core.open_badges import issuer_id
from trainer.core.signing import Token, UnlockedKey, read_token, signature_valid

GENESIS_HASH = "0" * 64

# PostgreSQL advisory lock (a number of our choosing) that gives appends to the log their turn.
AUDIT_LOCK_KEY = 0x43564941_55444954  # "CVIAUDIT"


def _canonical(
    entry_id: int,
    at: datetime,
    actor_id: int | None,
    actor_name: str,
    action: str,
    target: str,
    details: str,
    prev_hash: str,
) -> bytes:
    payload = [
        entry_id,
        at.isoformat(timespec="microseconds"),
        actor_id,
        actor_name,
        action,
        target,
        details,
        prev_hash,
    ]
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(entry: AuditEntry) -> str:
    data = _canonical(
        entry.id,
        entry.at,
        entry.actor_id,
        entry.actor_name,
        entry.action,
        entry.target,
        entry.details,
        entry.prev_hash,
    )
    return hashlib.sha256(data).hexdigest()


def record(
    session: Session,
    actor: Person | None,
    action: str,
    target: str = "",
    *,
    at: datetime,
    **details: Any,
) -> AuditEntry:
    """Append one entry in the caller's transaction (so it commits or rolls back with the action).

    Appends take turns: each reads the last entry and links to it, so two at once would both
    take the same next id. On PostgreSQL a transaction-level advisory lock gives the turn (held
    to commit; READ COMMITTED then reads the last entry committed before it, and a lock on the
    last row would not stop a new row); SQLite transactions hold the write lock from their start
    (trainer.core.db)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(AUDIT_LOCK_KEY)))
    last = session.execute(
        select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    entry = AuditEntry(
        id=(last.id + 1) if last else 1,
        at=at.astimezone(UTC),
        actor_id=actor.id if actor else None,
        actor_name=actor.full_name if actor else "system",
        action=action,
        target=target,
        details=json.dumps(details, sort_keys=True, separators=(",", ":"), default=str),
        prev_hash=last.hash if last else GENESIS_HASH,
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    session.flush()  # a concurrent writer fails here on the unique prev_hash, not silently forks
    return entry


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_bad_id: int | None
    problem: str | None

    @property
    def intact(self) -> bool:
        return self.first_bad_id is None


def verify_chain(session: Session) -> ChainReport:
    """Walk the log in order; report the first entry whose hash or link does not hold."""
    prev_hash = GENESIS_HASH
    expected_id = 1
    count = 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000):
        count += 1
        if entry.id != expected_id:
            return ChainReport(
                count, entry.id, f"entries {expected_id}..{entry.id - 1} are missing (deleted)"
            )
        if entry.prev_hash != prev_hash:
            return ChainReport(
                count,
                entry.id,
                "does not link to the entry before it (an entry before it was deleted or changed)",
            )
        if entry_hash(entry) != entry.hash:
            return ChainReport(count, entry.id, "its contents were changed after it was written")
        prev_hash = entry.hash
        expected_id += 1
    return ChainReport(count, None, None)


# --- heads: the log at one moment, kept where the database cannot reach -----------------------
#
# The chain shows an entry changed or removed in the middle, but not a log cut at its end, nor one
# rewritten from some point on with every later hash recomputed: both leave a chain that walks
# cleanly. A *head* (how many entries, and the hash of the last) saved somewhere else -- beside a
# backup, in a status list another organization holds, on the computer that last opened the
# database -- shows both, cheaply: the entry with the head's number must still be there and carry
# the head's hash. Only the part of the log that existed when the head was taken is vouched for.

HEAD_TYPE = "cvi-audit-head"  # the JWS "typ" and the head file's "type"
HEAD_CLAIM = "auditHead"  # where a head rides in a signed payload (head files, status lists)
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class AuditHead:
    """How many entries the log had and the hash of the last one (entry ids run 1, 2, 3... with
    no gaps, so the count is also the id of the last entry). An empty log has the genesis hash."""

    entries: int
    hash: str

    def as_claim(self) -> dict[str, Any]:
        return {"entries": self.entries, "hash": self.hash}

    @classmethod
    def from_claim(cls, claim: object) -> AuditHead:
        """Read a claim strictly; AuditHeadError says what is wrong with it."""
        if not isinstance(claim, dict):
            raise AuditHeadError("an audit head must be an object with 'entries' and 'hash'")
        entries, digest = claim.get("entries"), claim.get("hash")
        if isinstance(entries, bool) or not isinstance(entries, int) or entries < 0:
            raise AuditHeadError("an audit head's 'entries' must be a whole number, 0 or more")
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            raise AuditHeadError("an audit head's 'hash' must be 64 lowercase hexadecimal digits")
        if (entries == 0) != (digest == GENESIS_HASH):
            raise AuditHeadError(
                "an audit head has the all-zero hash exactly when it has 0 entries"
            )
        return cls(entries, digest)


def current_head(session: Session) -> AuditHead:
    last = session.execute(
        select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    return AuditHead(last.id, last.hash) if last else AuditHead(0, GENESIS_HASH)


@dataclass(frozen=True)
class HeadComparison:
    """The live log against an earlier head. `when` names that head for people ("2 March...")."""

    then: AuditHead
    now: AuditHead
    verdict: Literal["intact", "cut", "rewritten"]
    when: str

    @property
    def intact(self) -> bool:
        return self.verdict == "intact"

    @property
    def missing(self) -> int:
        return max(0, self.then.entries - self.now.entries)

    @property
    def message(self) -> str:
        if self.verdict == "cut":
            n = self.missing
            return (
                f"{n} {'entry is' if n == 1 else 'entries are'} missing since the head of "
                f"{self.when}: the log was cut ({self.then.entries} then, {self.now.entries} now)."
            )
        if self.verdict == "rewritten":
            return (
                f"The log was rewritten at or before entry {self.then.entries}: that entry is not "
                f"the one in the head of {self.when}."
            )
        return f"intact: {self.then.entries} entries then, {self.now.entries} now."


def compare(then: AuditHead, now: AuditHead, hash_at_then: str | None, when: str) -> HeadComparison:
    """Pure rule: `hash_at_then` is the live hash of entry number `then.entries` (None: gone)."""
    if then.entries == 0:
        verdict: Literal["intact", "cut", "rewritten"] = "intact"
    elif now.entries < then.entries:
        verdict = "cut"
    elif hash_at_then != then.hash:
        verdict = "rewritten"
    else:
        verdict = "intact"
    return HeadComparison(then, now, verdict, when)


def compare_with(session: Session, head: AuditHead, *, when: str = "that head") -> HeadComparison:
    """Two indexed lookups, not a walk: the last entry, and the entry with the head's number."""
    now = current_head(session)
    at = session.scalar(select(AuditEntry.hash).where(AuditEntry.id == head.entries))
    return compare(head, now, at, when)


def describe_time(at: datetime) -> str:
    """A head's time as people read it in a report, the same on every locale."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


# --- heads in files: signed or not ---------------------------------------------------------------


def head_payload(head: AuditHead, *, organization: str, at: datetime) -> dict[str, Any]:
    """What a signed head says: the head, whose log it is, and when it was taken."""
    return {
        "iss": issuer_id(organization),
        "iat": int(at.timestamp()),
        HEAD_CLAIM: head.as_claim(),
    }


def signed_head(head: AuditHead, key: UnlockedKey, *, organization: str, at: datetime) -> str:
    """A compact JWS (typ cvi-audit-head) only the holder of the signing passphrase can make."""
    return key.sign(head_payload(head, organization=organization, at=at), typ=HEAD_TYPE)


def head_document(
    head: AuditHead,
    *,
    organization: str | None,
    at: datetime,
    key: UnlockedKey | None = None,
) -> str:
    """The head file people keep (and the one written beside each backup): readable JSON, plus
    the same head signed when a key is at hand. Only the signed part is proof; the readable part
    must agree with it or the file is refused as edited."""
    document: dict[str, Any] = {
        "type": HEAD_TYPE,
        "organization": issuer_id(organization) if organization else None,
        "at": at.astimezone(UTC).isoformat(timespec="seconds"),
        HEAD_CLAIM: head.as_claim(),
    }
    if key is not None and organization:
        document["signed"] = signed_head(head, key, organization=organization, at=at)
    return json.dumps(document, indent=2) + "\n"


@dataclass(frozen=True)
class HeadClaim:
    """A head as some file states it, before its signature (if it has one) is checked."""

    head: AuditHead
    organization: str | None  # urn:uuid:... of the organization whose log it claims to be
    at: datetime | None
    token: Token | None = None


def _head(claim: object, what: str) -> AuditHead:
    try:
        return AuditHead.from_claim(claim)
    except AuditHeadError as exc:
        raise AuditHeadError(f"{what} is not usable: {exc}.") from None


def _claim_from_token(token: Token, what: str) -> HeadClaim:
    payload = token.payload
    iss, iat = payload.get("iss"), payload.get("iat")
    at = None
    if iat is not None:
        if isinstance(iat, bool) or not isinstance(iat, int) or not 0 <= iat < 253402300800:
            raise AuditHeadError(f"{what} is garbled: its time ('iat') is not a date.")
        at = datetime.fromtimestamp(iat, UTC)
    if iss is not None and not isinstance(iss, str):
        raise AuditHeadError(f"{what} is garbled: its issuer ('iss') is not text.")
    return HeadClaim(_head(payload.get(HEAD_CLAIM), what), iss, at, token)


def _token(text: str, what: str) -> Token:
    try:
        return read_token(text, what)
    except CredentialFormatError as exc:
        raise AuditHeadError(str(exc)) from None


def _read_document(text: str, what: str) -> HeadClaim:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise AuditHeadError(f"{what} is garbled: it is not valid JSON.") from None
    if not isinstance(document, dict):
        raise AuditHeadError(f"{what} is not an audit head file (expected a JSON object).")
    readable = document.get(HEAD_CLAIM, document)
    signed = document.get("signed")
    if signed is not None:
        if not isinstance(signed, str):
            raise AuditHeadError(f"{what} is garbled: its 'signed' part is not a token.")
        claim = _claim_from_token(_token(signed, what), what)
        if HEAD_CLAIM in document and _head(readable, what) != claim.head:
            raise AuditHeadError(
                f"{what} was edited: its readable head does not match the signed one."
            )
        return claim
    organization, at_text = document.get("organization"), document.get("at")
    if organization is not None and not isinstance(organization, str):
        raise AuditHeadError(f"{what} is garbled: 'organization' is not text.")
    at = None
    if at_text is not None:
        try:
            at = datetime.fromisoformat(str(at_text))
        except ValueError:
            raise AuditHeadError(f"{what} is garbled: 'at' is not a date and time.") from None
        if at.tzinfo is None:
            raise AuditHeadError(f"{what} is garbled: 'at' has no time zone.")
    return HeadClaim(_head(readable, what), organization, at)


def read_head_text(text: str, what: str) -> HeadClaim:
    """A head file (JSON, signed or not) or lines of compact JWS (a signed head; an exported
    status list, whose lines carry an `auditHead` claim). With several heads, the longest counts.
    `what` names the file in every AuditHeadError."""
    text = text.strip()
    if not text:
        raise AuditHeadError(f"{what} is empty.")
    if text.startswith("{"):
        return _read_document(text, what)
    claims = [
        _claim_from_token(token, what)
        for token in (_token(line, what) for line in text.splitlines() if line.strip())
        if HEAD_CLAIM in token.payload
    ]
    if not claims:
        raise AuditHeadError(f"{what} carries no audit head (no '{HEAD_CLAIM}' claim).")
    return max(claims, key=lambda c: c.head.entries)


@dataclass(frozen=True)
class HeadSignature:
    state: Literal["verified", "unsigned", "invalid"]
    detail: str  # completes "The head is ..."


def check_claim(session: Session, claim: HeadClaim, what: str) -> HeadSignature:
    """Is the head this organization's, and is it signed by one of this organization's keys?

    A head from another organization is refused (AuditHeadError): comparing would mean nothing.
    A head whose signature fails is reported, not refused: either the file or the keys stored in
    this database were changed, and a person should look at both."""
    org = session.scalars(select(Organization).order_by(Organization.id).limit(1)).first()
    if org is None:
        raise AuditHeadError(f"{what} cannot be checked: this database has no organization yet.")
    ours = issuer_id(org.uid)
    if claim.organization is not None and claim.organization != ours:
        raise AuditHeadError(
            f"{what} is the head of another organization's log ({claim.organization}), not of "
            f"this one ({ours})."
        )
    token = claim.token
    if token is None:
        return HeadSignature(
            "unsigned", "unsigned: it shows what the file says, and anyone could have written it"
        )
    key = session.scalars(
        select(SigningKey).where(SigningKey.organization_id == org.id, SigningKey.kid == token.kid)
    ).first()
    if key is None:
        return HeadSignature("invalid", "signed with a key this organization does not have")
    if not signature_valid(token, json.loads(key.public_jwk)):
        return HeadSignature("invalid", "signed, but its signature does not check out")
    if key.retired_at is not None and claim.at is not None and claim.at > key.retired_at:
        return HeadSignature("invalid", "signed with a key after that key was retired")
    return HeadSignature("verified", "signed with this organization's key")
