"""The organization's answers to the curricula's policy boxes, and people's signed
acknowledgments of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from trainer.core import audit
from trainer.core.errors import ValidationError
from trainer.core.models import ContentKind, Person, PolicyAcknowledgment, PolicyText
from trainer.core.policies import boxes, digest
from trainer.core.services.permissions import current_actor, require
from trainer.core.services.training import live_documents, parsed_module

MAX_TEXT = 4000


@dataclass(frozen=True)
class PolicyBox:
    title: str
    guidance: str  # what the curriculum asks, from the first module that has the box
    modules: tuple[str, ...]  # titles of the modules that show it
    text: str  # the organization's answer ("" when not written)
    updated_at: datetime | None


def texts(session: Session, organization_id: int) -> dict[str, str]:
    return dict(
        session.execute(
            select(PolicyText.title, PolicyText.text).where(
                PolicyText.organization_id == organization_id
            )
        ).all()
    )


def policy_boxes(session: Session, actor: Person) -> list[PolicyBox]:
    """Every policy box in the organization's published modules, with its answer."""
    person = current_actor(session, actor)
    rows = {
        r.title: r
        for r in session.scalars(
            select(PolicyText).where(PolicyText.organization_id == person.organization_id)
        )
    }
    found: dict[str, tuple[str, list[str]]] = {}
    for live in live_documents(session, person.organization_id, ContentKind.MODULE):
        module = parsed_module(live.body)
        for box in boxes(module.body):
            _, modules = found.setdefault(box.title, (box.guidance, []))
            if module.title not in modules:
                modules.append(module.title)
    return [
        PolicyBox(
            title,
            guidance,
            tuple(modules),
            rows[title].text if title in rows else "",
            rows[title].updated_at if title in rows else None,
        )
        for title, (guidance, modules) in sorted(found.items())
    ]


def set_text(session: Session, actor: Person, title: str, text: str, *, now: datetime) -> None:
    """Write (or, with empty text, clear) the organization's answer to one policy box."""
    editor = require(session, actor, "write_policies")
    known = {b.title for b in policy_boxes(session, editor)}
    if title not in known:
        raise ValidationError(f"No published module has a policy box called {title!r}.", "title")
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise ValidationError(
            f"The policy text is {len(text):,} characters; keep it under {MAX_TEXT:,} and link "
            "to the full policy document instead.",
            "text",
        )
    row = session.get(PolicyText, (editor.organization_id, title))
    if not text:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(
            PolicyText(
                organization_id=editor.organization_id,
                title=title,
                text=text,
                updated_at=now,
                updated_by_id=editor.id,
            )
        )
    else:
        row.text, row.updated_at, row.updated_by_id = text, now, editor.id
    session.flush()
    audit.record(session, editor, "policy_text.written", title, at=now, characters=len(text))


@dataclass(frozen=True)
class Acknowledgment:
    current: bool  # acknowledged the policies as they read now
    at: datetime | None  # the latest acknowledgment
    missing: tuple[str, ...]  # policy boxes with no written answer yet


def acknowledgment(session: Session, actor: Person, person_id: int | None = None) -> Acknowledgment:
    person = current_actor(session, actor)
    who = person_id if person_id is not None else person.id
    if who != person.id:
        require(session, actor, "view_team")
    return _state(session, person.organization_id, who)


def unwritten(session: Session, organization_id: int) -> tuple[str, ...]:
    """Policy boxes of the published modules that the organization has not answered yet."""
    written = texts(session, organization_id)
    titles = {
        b.title
        for live in live_documents(session, organization_id, ContentKind.MODULE)
        for b in boxes(parsed_module(live.body).body)
    }
    return tuple(sorted(t for t in titles if not written.get(t)))


def _state(session: Session, organization_id: int, person_id: int) -> Acknowledgment:
    written = texts(session, organization_id)
    latest = session.scalars(
        select(PolicyAcknowledgment)
        .where(PolicyAcknowledgment.person_id == person_id)
        .order_by(PolicyAcknowledgment.acknowledged_at.desc(), PolicyAcknowledgment.id.desc())
        .limit(1)
    ).first()
    missing = unwritten(session, organization_id)
    current = latest is not None and latest.digest == digest(written) and not missing
    return Acknowledgment(current, latest.acknowledged_at if latest else None, missing)


def acknowledged_at(session: Session, organization_id: int, person_id: int) -> datetime | None:
    """When the person acknowledged the policies as they read now (None if not, or stale)."""
    state = _state(session, organization_id, person_id)
    return state.at if state.current else None


def acknowledge(session: Session, actor: Person, signed_name: str, *, now: datetime) -> None:
    """Sign that you have read your organization's policies, by typing your full name."""
    person = current_actor(session, actor)
    state = _state(session, person.organization_id, person.id)
    if state.missing:
        raise ValidationError(
            "Your organization has not written these policies yet, so they cannot be "
            f"acknowledged: {', '.join(state.missing)}. Ask your manager.",
        )
    if " ".join(signed_name.split()).casefold() != " ".join(person.full_name.split()).casefold():
        raise ValidationError(
            f"Type your full name exactly as your account shows it ({person.full_name}) to sign.",
            "signed_name",
        )
    written = texts(session, person.organization_id)
    session.add(
        PolicyAcknowledgment(
            person_id=person.id,
            digest=digest(written),
            signed_name=person.full_name,
            acknowledged_at=now,
        )
    )
    session.flush()
    audit.record(session, person, "policies.acknowledged", person.username, at=now)
