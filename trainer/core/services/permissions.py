"""Role rules, checked against the database on every call (not against what a screen remembers)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from trainer.core.errors import PermissionDeniedError
from trainer.core.models import Person, Role

ACTION_ROLES: dict[str, frozenset[Role]] = {
    "manage_people": frozenset({Role.ADMIN}),
    "manage_organization": frozenset({Role.ADMIN}),
    "edit_content": frozenset({Role.TRAINER, Role.ADMIN}),
    "issue_credentials": frozenset({Role.MANAGER}),
    "view_team": frozenset({Role.TRAINER, Role.MANAGER, Role.ADMIN}),
    "view_audit": frozenset({Role.ADMIN}),
    "export_audit_head": frozenset({Role.MANAGER, Role.ADMIN}),
    "sign_off_hours": frozenset({Role.TRAINER}),
    "manage_keys": frozenset({Role.MANAGER, Role.ADMIN}),
    "manage_trust": frozenset({Role.MANAGER, Role.ADMIN}),
    "replace_key": frozenset({Role.ADMIN}),
    "observe_practice": frozenset({Role.TRAINER}),
    "record_training": frozenset({Role.TRAINER}),
    "write_policies": frozenset({Role.MANAGER, Role.ADMIN}),
}

ACTION_WORDS = {
    "manage_people": "manage people and roles",
    "manage_organization": "change the organization's settings",
    "edit_content": "edit or publish content",
    "issue_credentials": "issue or revoke credentials",
    "view_team": "see other people's records",
    "view_audit": "read the audit log",
    "export_audit_head": "export the audit log's head",
    "sign_off_hours": "sign off field hours",
    "manage_keys": "create or rotate the signing key",
    "manage_trust": "change the trusted issuers",
    "replace_key": "replace a signing key whose passphrase was lost",
    "observe_practice": "record or withdraw observations of practice",
    "record_training": "record training sessions and attendance",
    "write_policies": "write the organization's program policies",
}


def current_actor(session: Session, actor: Person) -> Person:
    """The actor as the database knows them now: deactivated people can do nothing."""
    fresh = session.get(Person, actor.id)
    if fresh is None or not fresh.active:
        raise PermissionDeniedError("Your account is no longer active. Ask an administrator.")
    return fresh


def can(actor: Person, action: str) -> bool:
    return bool(actor.roles & ACTION_ROLES[action])


def require(session: Session, actor: Person, action: str) -> Person:
    """Return the fresh actor, or raise PermissionDeniedError naming the roles that may do this."""
    fresh = current_actor(session, actor)
    if not can(fresh, action):
        allowed = " or ".join(sorted(r.value for r in ACTION_ROLES[action]))
        article = "an" if allowed[0] in "aeiou" else "a"
        raise PermissionDeniedError(
            f"Only {article} {allowed} can {ACTION_WORDS[action]}. Ask someone with that role."
        )
    return fresh


def require_self_or(session: Session, actor: Person, person_id: int, action: str) -> Person:
    """A person may always act on their own records; others need the role for `action`."""
    fresh = current_actor(session, actor)
    if fresh.id == person_id:
        return fresh
    return require(session, actor, action)
