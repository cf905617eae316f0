"""Issuing credentials: one person, a batch, or a renewal. Each person's record is loaded inside
that person's own transaction, and the database refuses a second credential that would follow
the same one (core.models.Credential.series), so neither a stale list nor two managers at once
can issue twice."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trainer.core import audit, pdf_attachment, qr_code
from trainer.core import eligibility as rules
from trainer.core.certificate_render import CertificateContent, render_certificate
from trainer.core.crash_points import crash_point
from trainer.core.dates import add_months
from trainer.core.db import retrying
from trainer.core.eligibility import Checklist, Held, Requirement
from trainer.core.errors import NotFoundError, ValidationError
from trainer.core.models import Credential, Organization, Person
from trainer.core.open_badges import PDF_CLAIM, BadgeFacts, badge_claims, new_code
from trainer.core.page_graph import graph_digest
from trainer.core.services import eligibility
from trainer.core.services.permissions import require
from trainer.core.services.signing_keys import active_key
from trainer.core.signing import UnlockedKey
from trainer.core.status_lists import STATUS_LIST_BITS


@dataclass(frozen=True)
class Issued:
    id: int
    uuid: str
    code: str
    holder_name: str
    title: str


class Issuer:
    """One issuing session: the unlocked key, the organization and the program, looked up once
    for a batch. Each `issue` call is one credential in the caller's transaction."""

    def __init__(
        self, session: Session, actor: Person, key: UnlockedKey, program_key: str, *, now: datetime
    ) -> None:
        self.actor = require(session, actor, "issue_credentials")
        org = session.get(Organization, self.actor.organization_id)
        assert org is not None
        self.org = org
        self.key = key
        self.now = now
        self.live = eligibility.program(session, org.id, program_key)
        self.titles = eligibility.titles(session, org.id)
        row = active_key(session, org.id)
        if row is None or row.kid != key.kid:
            raise ValidationError("The signing key changed while issuing; unlock it again.")
        self.key_id = row.id

    def _index(self, session: Session) -> int:
        while True:
            index = secrets.randbelow(STATUS_LIST_BITS)
            taken = session.scalars(
                select(Credential.id).where(
                    Credential.organization_id == self.org.id, Credential.status_index == index
                )
            ).first()
            if taken is None:
                return index

    def issue(self, session: Session, person_id: int, *, renews: Held | None = None) -> Issued:
        """Issue the person's next credential of the program, if the rules allow it now. With
        `renews`, that credential must be the one the next credential follows."""
        actor = require(session, self.actor, "issue_credentials")
        person = session.get(Person, person_id)
        if person is None or person.organization_id != self.org.id or not person.active:
            raise NotFoundError("No such active person in this organization.")
        record = eligibility.records(session, self.org.id, [person.id])[person.id]
        program = self.live.program
        latest = record.latest(program.id)
        if renews is not None and (latest is None or latest.id != renews.id):
            raise ValidationError("This credential was already renewed or replaced.")
        check = rules.checklist(
            program, eligibility.as_person(person), record, self.titles, self.now
        )
        if not check.eligible:
            why = check.blocked or "; ".join(f"{i.label}: {i.evidence}" for i in check.left)
            raise ValidationError(f"{person.full_name} is not eligible for {check.title}: {why}.")
        valid_until = (
            add_months(self.now, program.validity_months) if program.validity_months else None
        )
        renewed = check.renewal_of
        facts = BadgeFacts(
            credential_uuid=str(uuid.uuid4()),
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
            status_index=self._index(session),
            code=new_code(),
            renews_uuid=renewed.uuid if renewed else None,
        )
        try:
            qr_text = qr_code.encode_signed(_qr_fields(facts), self.key)
        except ValueError as exc:  # a name and title too long for the QR code
            raise ValidationError(f"{person.full_name}: {exc}") from exc
        content = self._content(facts, check, qr_text, actor)
        pdf = render_certificate(content)
        claim = {**pdf_attachment.signed_digest(pdf), "graph": graph_digest(pdf)}
        badge_jwt = self.key.sign({**badge_claims(facts), PDF_CLAIM: claim}, typ="JWT")
        row = Credential(
            uuid=facts.credential_uuid,
            code=facts.code,
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
            issued_by_id=actor.id,
            signing_key_id=self.key_id,
            status_index=facts.status_index,
            badge_jwt=badge_jwt,
            qr_token=qr_text,
            certificate=json.dumps(
                {"evidence": [i.as_json() for i in check.items], **_printable(content)},
                default=str,
            ),
            pdf=pdf_attachment.attach(pdf, badge_jwt),
            renews_id=renewed.id if renewed else None,
            # Next after the credential the rules were checked against: if another seat issued
            # since this one read, the unique (holder, program, series) refuses this row.
            series=(latest.series if latest is not None else 0) + 1,
        )
        session.add(row)
        name = person.full_name  # a failed flush expires every loaded object
        try:
            session.flush()
        except IntegrityError as exc:  # the transaction rolls back with this error
            raise ValidationError(
                f"{name} was issued {program.title} by someone else a moment ago; refresh the "
                "list and check before issuing again."
            ) from exc
        audit.record(
            session,
            actor,
            "credential.renewed" if renewed else "credential.issued",
            f"{program.id} for {person.username}",
            at=self.now,
            credential=facts.credential_uuid,
            code=facts.code,
            program_version=self.live.version,
            renews=renewed.uuid if renewed else None,
        )
        return Issued(row.id, facts.credential_uuid, facts.code, person.full_name, program.title)

    def _content(
        self, facts: BadgeFacts, check: Checklist, qr_text: str, actor: Person
    ) -> CertificateContent:
        def rows(kind: str) -> tuple[tuple[str, str], ...]:
            return tuple((i.subject, i.evidence) for i in check.items if i.kind == kind)

        hours = tuple(
            (i.subject, i.hours or 0.0, ", ".join(i.reviewers))
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
            modules=rows("module"),
            scenarios=rows("scenario"),
            field_hours=hours,
            training=tuple(
                (f"{i.need} required", i.evidence) for i in check.items if i.kind == "training"
            ),
            observed=tuple(
                (f"{i.subject} ({i.need})", i.evidence) for i in check.items if i.kind == "observed"
            ),
            other=tuple(
                (i.label, i.evidence)
                for i in check.items
                if i.kind in ("credential", "span", "policies")
            ),
            issued_on=facts.issued_at.date(),
            expires_on=facts.valid_until.date() if facts.valid_until else None,
            credential_id=facts.credential_uuid,
            verification_code=facts.code,
            issuer_name=actor.full_name,
            issuer_title=actor.job_title or "Manager",
            disclaimer=self.live.program.disclaimer,
            qr_token=qr_text,
            renews=facts.renews_uuid,
        )


def _qr_fields(facts: BadgeFacts) -> qr_code.QrFields:
    return qr_code.QrFields(
        issuer_uid=facts.org_uid,
        credential_uuid=facts.credential_uuid,
        holder_name=facts.holder_name,
        title=facts.title,
        issued_on=facts.issued_at.date(),
        expires_on=facts.valid_until.date() if facts.valid_until else None,
        status_index=facts.status_index,
        code=facts.code,
    )


def _printable(content: CertificateContent) -> dict[str, object]:
    data = {k: getattr(content, k) for k in content.__dataclass_fields__}
    for bulky in ("organization_logo", "qr_token"):
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
    """Issue one credential, if the person is eligible now. Managers only."""
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
    the rest unissued. A person named twice is refused the second time. A person whose
    transaction meets another writer is tried again (core.db.retrying); DatabaseBusyError when
    that keeps happening stops the batch there. `progress(done, total, name)` returning False
    cancels."""
    issued: list[Issued] = []
    refused: list[tuple[int, str]] = []

    def prepare() -> Issuer:
        with begin() as session:
            return Issuer(session, actor, key, program_key, now=now)

    issuer = retrying(prepare)
    for done, person_id in enumerate(person_ids):

        def one(person_id: int = person_id) -> Issued:
            with begin() as session:
                made = issuer.issue(session, person_id)
                crash_point("issue:before-commit")
            return made

        try:
            issued.append(retrying(one))  # another desktop saving: this person again, shortly
            crash_point("issue:after-commit")
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
    on record and keeps its own dates. A revoked or suspended credential is not renewed."""
    fresh = require(session, actor, "issue_credentials")
    found = eligibility.held_credentials(
        session, fresh.organization_id, Credential.id == credential_id
    )
    if not found:
        raise NotFoundError("No such credential in this organization.")
    old = found[0]
    if old.revoked is not None:
        raise ValidationError("A revoked credential cannot be renewed.")
    if old.suspended is not None:
        raise ValidationError(
            "This credential is suspended: reinstate it (with a reason) before renewing it."
        )
    if old.renewed_by is not None:
        raise ValidationError("This credential was already renewed.")
    issuer = Issuer(session, fresh, key, old.program_key, now=now)
    return issuer.issue(session, old.holder_id, renews=old)


def evidence_of(row: Credential) -> list[Requirement]:
    """What a credential was issued on: the checklist as it stood at issue time."""
    return [Requirement.from_json(item) for item in json.loads(row.certificate)["evidence"]]
