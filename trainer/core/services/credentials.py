"""Credentials: eligibility checklists, issuance (one or a batch), revocation and suspension,
expiry warnings and renewal, and the holder's copy (PDF and Open Badge)."""

from __future__ import annotations

import json
import secrets
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from trainer.core import audit
from trainer.core.certificate_pdf import CertificateContent, PageDigest, render_certificate
from trainer.core.credentials import (
    PAGE_CLAIM,
    QR_TYP,
    STATUS_LIST_BITS,
    BadgeFacts,
    badge_claims,
    day,
    new_code,
    normalize_code,
    qr_claims,
)
from trainer.core.errors import NotFoundError, ValidationError
from trainer.core.models import (
    ContentDocument,
    ContentKind,
    ContentVersion,
    Credential,
    CredentialStatusEvent,
    FieldHourEntry,
    Organization,
    Person,
    QuizAttempt,
    ScenarioAttempt,
)
from trainer.core.program import (
    Program,
    ScenarioRequirement,
    activity_label,
    parse_program,
)
from trainer.core.services.keys import active_key
from trainer.core.services.permissions import can, current_actor, require, require_self_or
from trainer.core.services.training import live_documents
from trainer.core.signing import UnlockedKey

WARN_DAYS = 60
STATUS_ACTIONS = {  # status change -> audit action
    "revoke": "credential.revoked",
    "suspend": "credential.suspended",
    "reinstate": "credential.reinstated",
}
MIN_REASON = 5


# --- what a person has done ------------------------------------------------------------------


@dataclass(frozen=True)
class ModulePass:
    at: datetime
    version: int
    score: float


@dataclass(frozen=True)
class ScenarioPass:
    attempt_id: int
    at: datetime
    version: int
    score: float


@dataclass(frozen=True)
class Hours:
    worked_on: date
    activity: str
    minutes: int
    reviewer: str


@dataclass(frozen=True)
class Held:
    """A credential as its holder's record sees it now."""

    id: int
    uuid: str
    code: str
    holder_id: int
    holder_name: str
    program_key: str
    title: str
    tier: str
    issued_at: datetime
    valid_until: datetime | None
    renews_id: int | None
    revoked: CredentialStatusEvent | None
    suspended: CredentialStatusEvent | None
    renewed_by: int | None = None

    def state(self, now: datetime) -> str:
        if self.revoked is not None:
            return "revoked"
        if self.suspended is not None:
            return "suspended"
        if self.valid_until is not None and now >= self.valid_until:
            return "expired"
        if self.valid_until is not None and now >= self.valid_until - timedelta(days=WARN_DAYS):
            return "expiring"
        return "valid"

    def current(self, now: datetime) -> bool:
        return self.state(now) in ("valid", "expiring")

    def state_label(self, now: datetime) -> str:
        state = self.state(now)
        if state == "revoked" and self.revoked is not None:
            return f"Revoked on {day(self.revoked.at)}: {self.revoked.reason}"
        if state == "suspended" and self.suspended is not None:
            return f"Suspended on {day(self.suspended.at)}: {self.suspended.reason}"
        renewed = " (renewed)" if self.renewed_by else ""
        if self.valid_until is None:
            return "Valid, does not expire"
        if state == "expired":
            return f"Expired on {day(self.valid_until)}{renewed}"
        if state == "expiring":
            days = (self.valid_until - now).days
            return f"Expires in {days} days, on {day(self.valid_until)}{renewed}"
        return f"Valid until {day(self.valid_until)}"


@dataclass
class Record:
    """Everything eligibility needs to know about one person, loaded in bulk."""

    modules: dict[str, list[ModulePass]] = field(default_factory=lambda: defaultdict(list))
    scenarios: dict[str, list[ScenarioPass]] = field(default_factory=lambda: defaultdict(list))
    hours: list[Hours] = field(default_factory=list)
    credentials: list[Held] = field(default_factory=list)


def _records(
    session: Session, organization_id: int, person_ids: Sequence[int]
) -> dict[int, Record]:
    records: dict[int, Record] = {pid: Record() for pid in person_ids}
    ids = list(person_ids)
    # Every passed knowledge check counts, with its version and score: the first pass meets
    # a module requirement, a later one a renewal refresher.
    for person_id, key, submitted_at, number, score in session.execute(
        select(
            QuizAttempt.person_id,
            ContentDocument.key,
            QuizAttempt.submitted_at,
            ContentVersion.number,
            QuizAttempt.score,
        )
        .join(ContentDocument, ContentDocument.id == QuizAttempt.document_id)
        .join(ContentVersion, ContentVersion.id == QuizAttempt.version_id)
        .where(QuizAttempt.person_id.in_(ids), QuizAttempt.passed.is_(True))
    ):
        records[person_id].modules[key].append(ModulePass(submitted_at, number or 0, score))
    for attempt_id, person_id, key, finished_at, number, fraction in session.execute(
        select(
            ScenarioAttempt.id,
            ScenarioAttempt.person_id,
            ContentDocument.key,
            ScenarioAttempt.finished_at,
            ContentVersion.number,
            ScenarioAttempt.score,
        )
        .join(ContentDocument, ContentDocument.id == ScenarioAttempt.document_id)
        .join(ContentVersion, ContentVersion.id == ScenarioAttempt.version_id)
        .where(
            ScenarioAttempt.person_id.in_(ids),
            ScenarioAttempt.mode == "assessment",
            ScenarioAttempt.passed.is_(True),
        )
    ):
        if finished_at is not None:  # a passed attempt is finished; narrows the type
            records[person_id].scenarios[key].append(
                ScenarioPass(attempt_id, finished_at, number or 0, fraction or 0.0)
            )
    for entry in session.scalars(
        select(FieldHourEntry).where(
            FieldHourEntry.person_id.in_(ids), FieldHourEntry.status == "signed"
        )
    ):
        records[entry.person_id].hours.append(
            Hours(entry.worked_on, entry.activity, entry.minutes, entry.reviewer_name or "")
        )
    for held in _held(session, organization_id, Credential.holder_id.in_(ids)):
        records[held.holder_id].credentials.append(held)
    return records


def _held(session: Session, organization_id: int, *where: object) -> list[Held]:
    rows = list(
        session.scalars(
            select(Credential)
            .where(Credential.organization_id == organization_id, *where)  # type: ignore[arg-type]
            .order_by(Credential.issued_at.desc(), Credential.id.desc())
        )
    )
    if not rows:
        return []
    ids = [r.id for r in rows]
    events: dict[int, list[CredentialStatusEvent]] = defaultdict(list)
    for event in session.scalars(
        select(CredentialStatusEvent)
        .where(CredentialStatusEvent.credential_id.in_(ids))
        .order_by(CredentialStatusEvent.id)
    ):
        events[event.credential_id].append(event)
    renewed_by = dict(
        session.execute(
            select(Credential.renews_id, Credential.id).where(Credential.renews_id.in_(ids))
        ).all()
    )
    return [_as_held(r, events[r.id], renewed_by.get(r.id)) for r in rows]


def standing(
    events: list[CredentialStatusEvent],
) -> tuple[CredentialStatusEvent | None, CredentialStatusEvent | None]:
    """(revocation, suspension in force) from a credential's status events, oldest first."""
    revoked = next((e for e in events if e.action == "revoke"), None)
    suspension = [e for e in events if e.action in ("suspend", "reinstate")]
    suspended = suspension[-1] if suspension and suspension[-1].action == "suspend" else None
    return revoked, suspended


def _as_held(row: Credential, events: list[CredentialStatusEvent], renewed_by: int | None) -> Held:
    revoked, suspended = standing(events)
    return Held(
        row.id,
        row.uuid,
        row.code,
        row.holder_id,
        row.holder_name,
        row.program_key,
        row.title,
        row.tier,
        row.issued_at,
        row.valid_until,
        row.renews_id,
        revoked,
        suspended,
        renewed_by,
    )


# --- programs and titles -------------------------------------------------------------------


@dataclass(frozen=True)
class LiveProgram:
    document_id: int
    version_id: int
    version: int
    program: Program


def live_programs(
    session: Session, organization_id: int, only: str | None = None
) -> dict[str, LiveProgram]:
    """Published programs by key (just `only`, when given: the others are not parsed)."""
    found = {}
    for doc in live_documents(session, organization_id, ContentKind.PROGRAM):
        if only is not None and doc.key != only:
            continue
        program, _ = parse_program(doc.body)
        if program is not None:
            found[doc.key] = LiveProgram(doc.document_id, doc.version_id, doc.number, program)
    return found


def _program(session: Session, organization_id: int, key: str) -> LiveProgram:
    live = live_programs(session, organization_id, only=key).get(key)
    if live is None:
        raise NotFoundError(f"There is no published credential program {key!r}.")
    return live


def _titles(session: Session, organization_id: int) -> dict[tuple[str, str], str]:
    """(kind, key) -> title of the newest version, for checklists that name things."""
    newest = (
        select(ContentVersion.document_id, func.max(ContentVersion.id).label("v"))
        .group_by(ContentVersion.document_id)
        .subquery()
    )
    rows = session.execute(
        select(ContentDocument.kind, ContentDocument.key, ContentVersion.title)
        .join(newest, newest.c.document_id == ContentDocument.id)
        .join(ContentVersion, ContentVersion.id == newest.c.v)
        .where(ContentDocument.organization_id == organization_id)
    )
    return {(kind, key): title for kind, key, title in rows}


# --- eligibility ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    kind: str  # "module", "scenario", "hours", "credential"
    subject: str  # the module, scenario, activity or credential it is about
    met: bool
    evidence: str  # what satisfied it, or what is still missing
    hours: float | None = None  # signed-off hours counted (hours requirements only)
    need: str = ""  # the threshold, e.g. "≥ 80%" or "40 h"

    @property
    def label(self) -> str:
        kind = "Field hours" if self.kind == "hours" else self.kind.capitalize()
        return f"{kind}: {self.subject}" + (f" ({self.need})" if self.need else "")


@dataclass(frozen=True)
class Checklist:
    person_id: int
    person_name: str
    program_key: str
    title: str
    tier: str
    items: tuple[Requirement, ...]
    renewal_of: Held | None = None  # set when this checklist is for renewing that credential
    held: Held | None = None  # a current credential of this program the person already holds

    @property
    def eligible(self) -> bool:
        return all(item.met for item in self.items) and (
            self.held is None or self.renewal_of is not None
        )

    @property
    def left(self) -> list[Requirement]:
        return [item for item in self.items if not item.met]

    @property
    def summary(self) -> str:
        if self.held is not None and self.renewal_of is None:
            return f"Already holds it (code {self.held.code})"
        left = len(self.left)
        if left == 0:
            return "Eligible for renewal" if self.renewal_of else "Eligible"
        return f"{left} of {len(self.items)} requirements left"


def _pct(value: float) -> str:
    return f"{round(value * 100)}%"


def _module_items(
    keys: Iterable[str], record: Record, titles: dict[tuple[str, str], str], since: datetime | None
) -> list[Requirement]:
    items = []
    for key in keys:
        label = titles.get((ContentKind.MODULE, key), key)
        passes = [p for p in record.modules.get(key, []) if since is None or p.at >= since]
        if passes:
            best = min(passes, key=lambda p: p.at)
            evidence = f"Passed {day(best.at)} · {_pct(best.score)} · version {best.version}"
            items.append(Requirement("module", label, True, evidence))
        else:
            what = (
                "Refresher check not passed since the credential was issued"
                if since
                else ("Knowledge check not passed yet")
            )
            items.append(Requirement("module", label, False, what))
    return items


def _scenario_items(
    reqs: Iterable[ScenarioRequirement],
    record: Record,
    titles: dict[tuple[str, str], str],
    since: datetime | None,
) -> list[Requirement]:
    items = []
    for req in reqs:
        label = titles.get((ContentKind.SCENARIO, req.id), req.id)
        passes = [
            p
            for p in record.scenarios.get(req.id, [])
            if round(p.score * 100) >= req.min_score and (since is None or p.at >= since)
        ]
        if passes:
            best = max(passes, key=lambda p: p.score)
            evidence = (
                f"Assessment {_pct(best.score)}, no critical-safety error · {day(best.at)} · "
                f"version {best.version} · attempt {best.attempt_id}"
            )
            items.append(Requirement("scenario", label, True, evidence, need=f"≥ {req.min_score}%"))
        else:
            tried = record.scenarios.get(req.id, [])
            best_text = (
                f"; best passing attempt {round(max(p.score for p in tried) * 100)}%"
                if tried
                else ""
            )
            items.append(
                Requirement(
                    "scenario",
                    label,
                    False,
                    f"No assessment passed at {req.min_score}% or more"
                    f"{' since issue' if since else ''}{best_text}",
                    need=f"≥ {req.min_score}%",
                )
            )
    return items


def _hours_item(label: str, needed: float, hours: list[Hours]) -> Requirement:
    total = sum(h.minutes for h in hours) / 60
    reviewers = sorted({h.reviewer for h in hours if h.reviewer})
    signed = f"; signed off by {', '.join(reviewers)}" if reviewers else ""
    return Requirement(
        "hours",
        label,
        total >= needed - 1e-9,
        f"{total:g} of {needed:g} h signed off in {len(hours)} entries{signed}",
        hours=total,
        need=f"{needed:g} h",
    )


def checklist(
    live: LiveProgram,
    person: Person,
    record: Record,
    titles: dict[tuple[str, str], str],
    now: datetime,
) -> Checklist:
    program = live.program
    req = program.requirements
    items = _module_items(req.modules, record, titles, None)
    items += _scenario_items(req.scenarios, record, titles, None)
    for hours_req in req.field_hours:
        matching = [h for h in record.hours if hours_req.activity in ("any", h.activity)]
        items.append(
            _hours_item(
                activity_label(hours_req.activity),
                hours_req.hours,
                matching,
            )
        )
    for key in req.credentials:
        label = titles.get((ContentKind.PROGRAM, key), key)
        current = [c for c in record.credentials if c.program_key == key and c.current(now)]
        items.append(
            Requirement(
                "credential",
                label,
                bool(current),
                f"Holds {current[0].code}, {current[0].state_label(now).lower()}"
                if current
                else "Not held, or not current (expired, suspended or revoked)",
            )
        )
    held = next(
        (c for c in record.credentials if c.program_key == program.id and c.current(now)), None
    )
    return Checklist(
        person.id,
        person.full_name,
        program.id,
        program.title,
        program.tier_label,
        tuple(items),
        held=held,
    )


def renewal_checklist(
    live: LiveProgram, person: Person, old: Held, record: Record, titles: dict[tuple[str, str], str]
) -> Checklist:
    renewal = live.program.renewal
    if renewal is None:
        raise ValidationError(f"{live.program.title} does not expire, so it is never renewed.")
    since = old.issued_at
    items = _module_items(renewal.modules, record, titles, since)
    items += _scenario_items(renewal.scenarios, record, titles, since)
    if renewal.continuing_education_hours:
        ce = [
            h
            for h in record.hours
            if h.activity == "continuing-education" and h.worked_on >= since.date()
        ]
        items.append(
            _hours_item(
                f"Continuing education since {day(since)}", renewal.continuing_education_hours, ce
            )
        )
    return Checklist(
        person.id,
        person.full_name,
        live.program.id,
        live.program.title,
        live.program.tier_label,
        tuple(items),
        renewal_of=old,
    )


def _person(session: Session, actor: Person, person_id: int, action: str) -> tuple[Person, Person]:
    fresh = require_self_or(session, actor, person_id, action)
    person = session.get(Person, person_id)
    if person is None or person.organization_id != fresh.organization_id:
        raise NotFoundError("No such person in this organization.")
    return fresh, person


def eligibility(
    session: Session, actor: Person, person_id: int, program_key: str, *, now: datetime
) -> Checklist:
    """The checklist for one person and program: their own, or anyone's for staff."""
    fresh, person = _person(session, actor, person_id, "view_team")
    live = _program(session, fresh.organization_id, program_key)
    record = _records(session, fresh.organization_id, [person.id])[person.id]
    return checklist(live, person, record, _titles(session, fresh.organization_id), now)


def my_progress(session: Session, actor: Person, *, now: datetime) -> list[Checklist]:
    """For the trainee: what is left for every credential program."""
    fresh = current_actor(session, actor)
    programs = live_programs(session, fresh.organization_id)
    record = _records(session, fresh.organization_id, [fresh.id])[fresh.id]
    titles = _titles(session, fresh.organization_id)
    return [checklist(live, fresh, record, titles, now) for live in programs.values()]


def team_eligibility(
    session: Session, actor: Person, program_key: str, *, now: datetime
) -> list[Checklist]:
    """For managers: every active person's checklist for one program, eligible first."""
    fresh = require(session, actor, "issue_credentials")
    live = _program(session, fresh.organization_id, program_key)
    people = list(
        session.scalars(
            select(Person)
            .where(Person.organization_id == fresh.organization_id, Person.active.is_(True))
            .order_by(Person.full_name)
        )
    )
    records = _records(session, fresh.organization_id, [p.id for p in people])
    titles = _titles(session, fresh.organization_id)
    lists = [checklist(live, p, records[p.id], titles, now) for p in people]
    return sorted(lists, key=lambda c: (not c.eligible, len(c.left), c.person_name))


# --- issuance ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    id: int
    uuid: str
    code: str
    holder_name: str
    title: str


def _add_months(moment: datetime, months: int) -> datetime:
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    for day_ in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day_)
        except ValueError:
            continue
    raise AssertionError("unreachable")


class Issuer:
    """One issuing session: the unlocked key, the organization and what is already taken, so a
    batch does the lookups once. Each `issue` call is one credential in the caller's transaction."""

    def __init__(
        self, session: Session, actor: Person, key: UnlockedKey, program_key: str, *, now: datetime
    ) -> None:
        self.actor = require(session, actor, "issue_credentials")
        org = session.get(Organization, self.actor.organization_id)
        assert org is not None
        self.org = org
        self.key = key
        self.now = now
        self.live = _program(session, org.id, program_key)
        self.titles = _titles(session, org.id)
        row = active_key(session, org.id)
        if row is None or row.kid != key.kid:
            raise ValidationError("The signing key changed while issuing; unlock it again.")
        self.key_id = row.id
        self.used_indexes = set(
            session.scalars(
                select(Credential.status_index).where(Credential.organization_id == org.id)
            )
        )

    def _index(self) -> int:
        while True:
            index = secrets.randbelow(STATUS_LIST_BITS)
            if index not in self.used_indexes:
                self.used_indexes.add(index)
                return index

    def issue(
        self,
        session: Session,
        person_id: int,
        *,
        renews: Held | None = None,
        record: Record | None = None,
    ) -> Issued:
        person = session.get(Person, person_id)
        if person is None or person.organization_id != self.org.id or not person.active:
            raise NotFoundError("No such active person in this organization.")
        record = record or _records(session, self.org.id, [person.id])[person.id]
        if renews is not None:
            check = renewal_checklist(self.live, person, renews, record, self.titles)
        else:
            check = checklist(self.live, person, record, self.titles, self.now)
        if not check.eligible:
            why = "; ".join(f"{i.label}: {i.evidence}" for i in check.left) or check.summary
            raise ValidationError(f"{person.full_name} is not eligible for {check.title}: {why}.")
        program = self.live.program
        valid_until = (
            _add_months(self.now, program.validity_months) if program.validity_months else None
        )
        credential_uuid = str(uuid.uuid4())
        code = new_code()
        facts = BadgeFacts(
            credential_uuid=credential_uuid,
            org_uid=self.org.uid,
            org_name=self.org.name,
            org_contact=self.org.contact,
            holder_id=person.id,
            holder_name=person.full_name,
            program_key=program.id,
            program_version=self.live.version,
            title=program.title,
            tier=program.tier_label,
            description=program.description,
            criteria="; ".join(i.label for i in check.items),
            issued_at=self.now,
            valid_until=valid_until,
            status_index=self._index(),
            code=code,
            renews_uuid=renews.uuid if renews else None,
        )
        qr_token = self.key.sign(qr_claims(facts), typ=QR_TYP)
        claims = badge_claims(facts)
        signed: list[str] = []

        def seal(page: PageDigest) -> str:
            signed.append(self.key.sign({**claims, PAGE_CLAIM: page.as_claim()}, typ="JWT"))
            return signed[0]

        content = self._content(facts, check, qr_token, renews)
        pdf = render_certificate(content, seal)
        badge_jwt = signed[0]
        row = Credential(
            uuid=credential_uuid,
            code=code,
            organization_id=self.org.id,
            holder_id=person.id,
            holder_name=person.full_name,
            program_document_id=self.live.document_id,
            program_version_id=self.live.version_id,
            program_key=program.id,
            title=program.title,
            tier=program.tier,
            issued_at=self.now,
            valid_until=valid_until,
            issued_by_id=self.actor.id,
            signing_key_id=self.key_id,
            status_index=facts.status_index,
            badge_jwt=badge_jwt,
            qr_token=qr_token,
            certificate=json.dumps(
                {"evidence": [asdict(i) for i in check.items], **_printable(content)}, default=str
            ),
            pdf=pdf,
            renews_id=renews.id if renews else None,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            self.actor,
            "credential.renewed" if renews else "credential.issued",
            f"{program.id} for {person.username}",
            at=self.now,
            credential=credential_uuid,
            code=code,
            program_version=self.live.version,
            renews=renews.uuid if renews else None,
        )
        return Issued(row.id, credential_uuid, code, person.full_name, program.title)

    def _content(
        self,
        facts: BadgeFacts,
        check: Checklist,
        qr_token: str,
        renews: Held | None,
    ) -> CertificateContent:
        def evidence(kind: str) -> tuple[tuple[str, str], ...]:
            return tuple((i.subject, i.evidence) for i in check.items if i.kind == kind)

        hours = tuple(
            (i.subject, i.hours or 0.0, i.evidence.partition("signed off by ")[2])
            for i in check.items
            if i.kind == "hours"
        )
        return CertificateContent(
            organization_name=self.org.name,
            organization_logo=self.org.logo,
            holder_name=facts.holder_name,
            title=facts.title,
            tier=facts.tier,
            description=facts.description,
            modules=evidence("module"),
            scenarios=evidence("scenario"),
            field_hours=hours,
            issued_on=facts.issued_at.date(),
            expires_on=facts.valid_until.date() if facts.valid_until else None,
            credential_id=facts.credential_uuid,
            verification_code=facts.code,
            issuer_name=self.actor.full_name,
            issuer_title=self.actor.job_title or "Manager",
            disclaimer=self.live.program.disclaimer,
            qr_token=qr_token,
            badge_jwt="",  # sealed in at render time, with the page digest
            renews=renews.uuid if renews else None,
        )


def _printable(content: CertificateContent) -> dict[str, object]:
    data = asdict(content)
    for bulky in ("organization_logo", "qr_token", "badge_jwt"):
        data.pop(bulky)
    return data


def issue(
    session: Session,
    actor: Person,
    key: UnlockedKey,
    person_id: int,
    program_key: str,
    *,
    now: datetime,
) -> Issued:
    """Issue one credential, if the person is eligible. Managers only."""
    return Issuer(session, actor, key, program_key, now=now).issue(session, person_id)


@dataclass(frozen=True)
class BatchResult:
    issued: list[Issued]
    refused: list[tuple[int, str]]  # person id, why
    cancelled: bool


def issue_batch(
    begin: Callable[[], AbstractContextManager[Session]],
    actor: Person,
    key: UnlockedKey,
    person_ids: Sequence[int],
    program_key: str,
    *,
    now: datetime,
    progress: Callable[[int, int, str], bool] | None = None,
) -> BatchResult:
    """Issue to many people, each credential in its own transaction (`begin()` yields a session
    context, e.g. Database.begin), so stopping halfway leaves every issued credential whole and
    the rest unissued. `progress(done, total, name)` returning False cancels."""
    issued: list[Issued] = []
    refused: list[tuple[int, str]] = []
    with begin() as session:
        issuer = Issuer(session, actor, key, program_key, now=now)
        records = _records(session, issuer.org.id, list(person_ids))
    for done, person_id in enumerate(person_ids):
        try:
            with begin() as session:
                issuer.actor = require(session, actor, "issue_credentials")
                issued.append(issuer.issue(session, person_id, record=records.get(person_id)))
        except (ValidationError, NotFoundError) as exc:
            refused.append((person_id, str(exc)))
        if progress is not None and not progress(
            done + 1, len(person_ids), issued[-1].holder_name if issued else ""
        ):
            return BatchResult(issued, refused, cancelled=done + 1 < len(person_ids))
    return BatchResult(issued, refused, cancelled=False)


def renew(
    session: Session, actor: Person, key: UnlockedKey, credential_id: int, *, now: datetime
) -> Issued:
    """Issue the renewal of a credential whose renewal requirements are met; the old one stays
    on record and keeps its own dates."""
    fresh = require(session, actor, "issue_credentials")
    old = _one_held(session, fresh.organization_id, credential_id)
    if old.revoked is not None:
        raise ValidationError("A revoked credential cannot be renewed.")
    if old.renewed_by is not None:
        raise ValidationError("This credential was already renewed.")
    issuer = Issuer(session, fresh, key, old.program_key, now=now)
    return issuer.issue(session, old.holder_id, renews=old)


def renewal_eligibility(
    session: Session, actor: Person, credential_id: int, *, now: datetime
) -> Checklist:
    fresh = current_actor(session, actor)
    old = _one_held(session, fresh.organization_id, credential_id)
    _person(session, fresh, old.holder_id, "view_team")
    live = _program(session, fresh.organization_id, old.program_key)
    person = session.get(Person, old.holder_id)
    assert person is not None
    record = _records(session, fresh.organization_id, [person.id])[person.id]
    return renewal_checklist(live, person, old, record, _titles(session, fresh.organization_id))


# --- status ------------------------------------------------------------------------------------


def _one_held(session: Session, organization_id: int, credential_id: int) -> Held:
    found = _held(session, organization_id, Credential.id == credential_id)
    if not found:
        raise NotFoundError("No such credential in this organization.")
    return found[0]


def change_status(
    session: Session, actor: Person, credential_id: int, action: str, reason: str, *, now: datetime
) -> Held:
    """Revoke (final), suspend, or reinstate a suspended credential. A reason is mandatory;
    nothing is deleted."""
    fresh = require(session, actor, "issue_credentials")
    held = _one_held(session, fresh.organization_id, credential_id)
    reason = " ".join(reason.split())
    if len(reason) < MIN_REASON:
        raise ValidationError(
            "Reason: say why, in a few words. It is shown to anyone who verifies the certificate.",
            "reason",
        )
    if held.revoked is not None:
        raise ValidationError(f"This credential was already revoked on {day(held.revoked.at)}.")
    if action == "suspend" and held.suspended is not None:
        raise ValidationError("This credential is already suspended.")
    if action == "reinstate" and held.suspended is None:
        raise ValidationError("Only a suspended credential can be reinstated.")
    if action not in STATUS_ACTIONS:
        raise ValidationError(f"Unknown status change {action!r}.")
    session.add(
        CredentialStatusEvent(
            credential_id=held.id,
            action=action,
            reason=reason,
            at=now,
            actor_id=fresh.id,
            actor_name=fresh.full_name,
        )
    )
    session.flush()
    audit.record(
        session,
        fresh,
        STATUS_ACTIONS[action],
        held.uuid,
        at=now,
        reason=reason,
        code=held.code,
    )
    return _one_held(session, fresh.organization_id, credential_id)


# --- lists, warnings, the holder's copy -------------------------------------------------------


def list_credentials(
    session: Session, actor: Person, *, person_id: int | None = None
) -> list[Held]:
    """A person's own credentials; all of the organization's (or one person's) for staff."""
    fresh = current_actor(session, actor)
    if person_id is None:
        require(session, fresh, "view_team")
        return _held(session, fresh.organization_id)
    _person(session, fresh, person_id, "view_team")
    return _held(session, fresh.organization_id, Credential.holder_id == person_id)


def expiry_warnings(session: Session, actor: Person, *, now: datetime) -> list[Held]:
    """Credentials expiring within 60 days (or expired) and not renewed: the holder's own, and
    for managers their organization's."""
    fresh = current_actor(session, actor)
    where = [] if can(fresh, "issue_credentials") else [Credential.holder_id == fresh.id]
    horizon = now + timedelta(days=WARN_DAYS)
    return [
        h
        for h in _held(
            session,
            fresh.organization_id,
            Credential.valid_until.is_not(None),
            Credential.valid_until <= horizon,
            *where,
        )
        if h.renewed_by is None and h.revoked is None and h.state(now) in ("expiring", "expired")
    ]


def _readable(session: Session, actor: Person, credential_id: int) -> Credential:
    fresh = current_actor(session, actor)
    row = session.get(Credential, credential_id)
    if row is None or row.organization_id != fresh.organization_id:
        raise NotFoundError("No such credential in this organization.")
    require_self_or(session, fresh, row.holder_id, "view_team")
    return row


def find_credential(session: Session, actor: Person, reference: str) -> int:
    """A credential id from what a person types: the number, the UUID or the verification code."""
    fresh = current_actor(session, actor)
    text = reference.strip().removeprefix("urn:uuid:")
    code = normalize_code(text)
    clauses = [Credential.uuid == text]
    if text.isdigit():
        clauses.append(Credential.id == int(text))
    if code:
        clauses.append(Credential.code == code)
    found = session.scalars(
        select(Credential.id).where(
            Credential.organization_id == fresh.organization_id, or_(*clauses)
        )
    ).first()
    if found is None:
        raise NotFoundError(f"No credential {reference!r} in this organization.")
    return found


def certificate_pdf(session: Session, actor: Person, credential_id: int) -> bytes:
    """The PDF exactly as issued: the holder's own, or any for staff."""
    return _readable(session, actor, credential_id).pdf


def open_badge_jwt(session: Session, actor: Person, credential_id: int) -> str:
    return _readable(session, actor, credential_id).badge_jwt


def evidence(session: Session, actor: Person, credential_id: int) -> list[Requirement]:
    """What the credential was issued on: the checklist as it stood at issue time."""
    row = _readable(session, actor, credential_id)
    return [Requirement(**item) for item in json.loads(row.certificate)["evidence"]]
