"""Organization set-up, sign-in with lockout, and people management (admins only)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from trainer.core import audit
from trainer.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from trainer.core.models import Organization, Person, PersonRole, Role
from trainer.core.passwords import (
    check_new_password,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from trainer.core.plain_text import first_control, printable
from trainer.core.services.permissions import current_actor, require, require_self_or

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
GENERIC_SIGN_IN_ERROR = "The username or password is not right. Check both and try again."
MAX_LOGO_BYTES = 2 * 1024 * 1024


def get_organization(session: Session) -> Organization | None:
    return session.scalars(select(Organization).order_by(Organization.id).limit(1)).first()


def _clean_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME_RE.match(name):
        raise ValidationError(
            "Usernames are 2 to 40 characters: lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit.",
            "username",
        )
    return name


def _clean_name(full_name: str, field: str = "full_name") -> str:
    name = " ".join(full_name.split())
    what = "the organization's name" if field == "name" else "the person's full name"
    if not name:
        raise ValidationError(f"Enter {what}.", field)
    if len(name) > 200:
        raise ValidationError("The name is too long (200 characters at most).", field)
    _refuse_controls(name, what, field)
    return name


def _clean_optional(text: str | None, what: str, field: str) -> str | None:
    """A job title or contact: trimmed, None when empty, no control characters."""
    cleaned = (text or "").strip() or None
    if cleaned is not None:
        _refuse_controls(cleaned, what, field)
    return cleaned


def _refuse_controls(text: str, what: str, field: str) -> None:
    # Names are printed on certificates, in the audit log and on terminals; an escape sequence or
    # a bidirectional override would restyle a terminal or show the name reordered.
    found = first_control(text)
    if found is not None:
        raise ValidationError(
            f"{what[0].upper()}{what[1:]} contains a control character ({printable(found)}); "
            "type it again without it.",
            field,
        )


def _clean_roles(roles: Iterable[Role | str]) -> set[Role]:
    try:
        chosen = {Role(r) for r in roles}
    except ValueError as exc:
        raise ValidationError(f"Unknown role: {exc}.", "roles") from exc
    if not chosen:
        raise ValidationError("Choose at least one role.", "roles")
    return chosen


def _check_logo(logo: bytes | None, logo_mime: str | None) -> None:
    if logo is None:
        return
    if len(logo) > MAX_LOGO_BYTES:
        raise ValidationError("The logo is larger than 2 MB. Choose a smaller image.", "logo")
    signatures = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
    if logo_mime not in signatures or not logo.startswith(signatures[logo_mime]):
        raise ValidationError("The logo must be a PNG or JPEG image; this file is not one.", "logo")


def _username_taken(session: Session, username: str) -> bool:
    return bool(session.scalar(select(func.count()).where(Person.username == username)))


def _new_person(
    session: Session,
    org: Organization,
    *,
    username: str,
    full_name: str,
    password: str,
    roles: set[Role],
    job_title: str | None,
    must_change: bool,
    now: datetime,
) -> Person:
    check_new_password(password, username=username)
    if _username_taken(session, username):
        raise ValidationError(
            f"The username '{username}' is already taken. Choose another.", "username"
        )
    person = Person(
        organization_id=org.id,
        username=username,
        full_name=full_name,
        job_title=_clean_optional(job_title, "the job title", "job_title"),
        password_hash=hash_password(password),
        must_change_password=must_change,
        active=True,
        failed_sign_ins=0,
        created_at=now,
    )
    person.role_rows = [PersonRole(role=r.value) for r in sorted(roles)]
    session.add(person)
    session.flush()
    return person


@dataclass(frozen=True)
class OrganizationSetup:
    name: str
    admin_full_name: str
    admin_username: str
    admin_password: str
    admin_job_title: str | None = None
    logo: bytes | None = None
    logo_mime: str | None = None
    contact: str | None = None
    signing_passphrase: str | None = None  # creates the issuing key when given


def setup_organization(session: Session, setup: OrganizationSetup, *, now: datetime) -> Person:
    """First run: create the organization and its first admin. Refused once one exists."""
    if get_organization(session) is not None:
        raise ValidationError("This database already has an organization.")
    name = _clean_name(setup.name, "name")
    _check_logo(setup.logo, setup.logo_mime)
    org = Organization(
        name=name,
        logo=setup.logo,
        logo_mime=setup.logo_mime,
        contact=_clean_optional(setup.contact, "the contact", "contact"),
        inactivity_minutes=15,
        lockout_threshold=5,
        lockout_minutes=15,
        created_at=now,
        uid=str(uuid.uuid4()),
    )
    session.add(org)
    session.flush()
    admin = _new_person(
        session,
        org,
        full_name=_clean_name(setup.admin_full_name),  # in the order the form asks
        username=_clean_username(setup.admin_username),
        password=setup.admin_password,
        roles={Role.ADMIN},
        job_title=setup.admin_job_title,
        must_change=False,
        now=now,
    )
    audit.record(session, admin, "organization.created", name, at=now)
    if setup.signing_passphrase is not None:
        from trainer.core.services import signing_keys

        signing_keys.create_first_key(session, admin, setup.signing_passphrase, now=now)
    return admin


@dataclass(frozen=True)
class SignInOutcome:
    person: Person | None
    error: str | None = None

    @property
    def must_change_password(self) -> bool:
        return bool(self.person and self.person.must_change_password)


def sign_in(session: Session, username: str, password: str, *, now: datetime) -> SignInOutcome:
    """Check credentials. Failures are counted and audited, so the caller must commit either way."""
    name = username.strip().lower()
    # The row is locked until commit (PostgreSQL; SQLite writers already take turns), so sign-ins
    # for one person from several desktops are checked one after another: the lock that the
    # fifth failure sets is seen by the sixth, which is refused without trying its password.
    person = session.scalars(
        select(Person).where(Person.username == name).with_for_update()
    ).first()
    if person is None:
        verify_password(dummy_hash(), password)  # same cost as a wrong password
        # What was typed is not kept: it may be a password typed into the username box.
        audit.record(session, None, "sign_in.failed", "", at=now, reason="unknown username")
        return SignInOutcome(None, GENERIC_SIGN_IN_ERROR)
    org = session.get(Organization, person.organization_id)
    assert org is not None
    if person.locked_until is not None and person.locked_until > now:
        audit.record(session, person, "sign_in.refused", name, at=now, reason="locked")
        minutes = max(1, int((person.locked_until - now).total_seconds() // 60) + 1)
        return SignInOutcome(
            None,
            (
                "This account is locked after too many failed sign-ins. Try again in "
                f"{minutes} minute{'s' if minutes != 1 else ''}, or ask an administrator to reset "
                "the password."
            ),
        )
    if not verify_password(person.password_hash, password):
        # Counted by the database, not read-then-written here: other desktops may be counting
        # this person's failures at the same moment, and every one of them must count.
        failures = session.execute(
            update(Person)
            .where(Person.id == person.id)
            .values(failed_sign_ins=Person.failed_sign_ins + 1)
            .returning(Person.failed_sign_ins),
            execution_options={"synchronize_session": "fetch"},
        ).scalar_one()
        audit.record(
            session,
            person,
            "sign_in.failed",
            name,
            at=now,
            reason="wrong password",
            failures=failures,
        )
        if failures >= org.lockout_threshold:
            person.locked_until = now + timedelta(minutes=org.lockout_minutes)
            person.failed_sign_ins = 0
            audit.record(
                session, person, "account.locked", name, at=now, minutes=org.lockout_minutes
            )
        return SignInOutcome(None, GENERIC_SIGN_IN_ERROR)
    if not person.active:
        audit.record(session, person, "sign_in.refused", name, at=now, reason="deactivated")
        return SignInOutcome(None, "This account has been deactivated. Ask an administrator.")
    person.failed_sign_ins = 0
    person.locked_until = None
    person.last_sign_in_at = now
    if needs_rehash(person.password_hash):
        person.password_hash = hash_password(password)
    audit.record(session, person, "sign_in.succeeded", name, at=now)
    return SignInOutcome(person)


def change_own_password(
    session: Session, actor: Person, current: str, new: str, *, now: datetime
) -> None:
    person = current_actor(session, actor)
    if not verify_password(person.password_hash, current):
        raise ValidationError("The current password is not right.", "current_password")
    if current == new:
        raise ValidationError(
            "Choose a new password that differs from the current one.", "new_password"
        )
    check_new_password(new, username=person.username, field="new_password")
    person.password_hash = hash_password(new)
    person.must_change_password = False
    audit.record(session, person, "password.changed", person.username, at=now)


def person_by_username(session: Session, actor: Person, username: str) -> Person:
    """Someone in the actor's organization, for staff (or the actor themself)."""
    fresh = current_actor(session, actor)
    person = session.scalars(
        select(Person).where(
            Person.username == username.strip().lower(),
            Person.organization_id == fresh.organization_id,
        )
    ).first()
    if person is None:
        raise NotFoundError(f"There is no one with the username {username!r}.")
    require_self_or(session, fresh, person.id, "view_team")
    return person


def list_people(session: Session, actor: Person, *, include_inactive: bool = True) -> list[Person]:
    """Everyone in the organization for those who look after people; a trainee sees only themself."""
    fresh = current_actor(session, actor)
    if not fresh.has_role(Role.ADMIN, Role.MANAGER, Role.TRAINER):
        return [fresh]
    query = select(Person).where(Person.organization_id == fresh.organization_id)
    if not include_inactive:
        query = query.where(Person.active.is_(True))
    return list(session.scalars(query.order_by(func.lower(Person.full_name))))


def get_person(session: Session, actor: Person, person_id: int) -> Person:
    require_self_or(session, actor, person_id, "view_team")
    person = session.get(Person, person_id)
    if person is None:
        raise NotFoundError(f"No person with id {person_id}.")
    return person


@dataclass(frozen=True)
class NewPerson:
    username: str
    full_name: str
    roles: frozenset[Role]
    password: str
    job_title: str | None = None


def add_person(session: Session, actor: Person, new: NewPerson, *, now: datetime) -> Person:
    """Admins add people; the password they set must be changed at first sign-in."""
    admin = require(session, actor, "manage_people")
    org = session.get(Organization, admin.organization_id)
    assert org is not None
    person = _new_person(
        session,
        org,
        full_name=_clean_name(new.full_name),  # checked in the order the form asks
        username=_clean_username(new.username),
        password=new.password,
        roles=_clean_roles(new.roles),
        job_title=new.job_title,
        must_change=True,
        now=now,
    )
    audit.record(
        session,
        admin,
        "person.added",
        person.username,
        at=now,
        roles=sorted(r.value for r in person.roles),
    )
    return person


def _managed(session: Session, actor: Person, person_id: int) -> tuple[Person, Person]:
    admin = require(session, actor, "manage_people")
    person = session.get(Person, person_id)
    if person is None or person.organization_id != admin.organization_id:
        raise NotFoundError(f"No person with id {person_id} in this organization.")
    return admin, person


def _active_admin_count(session: Session, organization_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Person)
            .join(PersonRole)
            .where(
                Person.organization_id == organization_id,
                Person.active.is_(True),
                PersonRole.role == Role.ADMIN.value,
            )
        )
        or 0
    )


def set_roles(
    session: Session, actor: Person, person_id: int, roles: Iterable[Role | str], *, now: datetime
) -> Person:
    admin, person = _managed(session, actor, person_id)
    chosen = _clean_roles(roles)
    before = person.roles
    if before == chosen:
        return person
    if (
        Role.ADMIN in before
        and Role.ADMIN not in chosen
        and person.active
        and _active_admin_count(session, person.organization_id) <= 1
    ):
        raise ValidationError(
            "This is the only active admin. Make someone else an admin first.", "roles"
        )
    person.role_rows = [PersonRole(role=r.value) for r in sorted(chosen)]
    session.flush()
    audit.record(
        session,
        admin,
        "person.roles_changed",
        person.username,
        at=now,
        before=sorted(r.value for r in before),
        after=sorted(r.value for r in chosen),
    )
    return person


def set_active(
    session: Session, actor: Person, person_id: int, active: bool, *, now: datetime
) -> Person:
    """Deactivate (records kept, sign-in refused) or reactivate a person."""
    admin, person = _managed(session, actor, person_id)
    if person.active == active:
        return person
    if not active:
        if person.id == admin.id:
            raise PermissionDeniedError("You cannot deactivate your own account.")
        if (
            person.has_role(Role.ADMIN)
            and _active_admin_count(session, person.organization_id) <= 1
        ):
            raise ValidationError("This is the only active admin and cannot be deactivated.")
    person.active = active
    audit.record(
        session,
        admin,
        "person.reactivated" if active else "person.deactivated",
        person.username,
        at=now,
    )
    return person


def reset_password(
    session: Session, actor: Person, person_id: int, new_password: str, *, now: datetime
) -> Person:
    """Set a temporary password (to be changed at next sign-in); also lifts a lockout."""
    admin, person = _managed(session, actor, person_id)
    check_new_password(new_password, username=person.username)
    person.password_hash = hash_password(new_password)
    person.must_change_password = True
    person.failed_sign_ins = 0
    person.locked_until = None
    audit.record(session, admin, "person.password_reset", person.username, at=now)
    return person


def update_person_details(
    session: Session,
    actor: Person,
    person_id: int,
    *,
    full_name: str,
    job_title: str | None,
    now: datetime,
) -> Person:
    admin, person = _managed(session, actor, person_id)
    person.full_name = _clean_name(full_name)
    person.job_title = _clean_optional(job_title, "the job title", "job_title")
    audit.record(session, admin, "person.details_changed", person.username, at=now)
    return person


@dataclass(frozen=True)
class OrganizationSettings:
    name: str
    contact: str | None
    inactivity_minutes: int
    lockout_threshold: int
    lockout_minutes: int
    # Assessment attempts per scenario in a window of days, and the wait after a failed one.
    assessment_attempts: int = 3
    assessment_window_days: int = 30
    assessment_wait_hours: int = 24


def update_organization(
    session: Session, actor: Person, settings: OrganizationSettings, *, now: datetime
) -> Organization:
    admin = require(session, actor, "manage_organization")
    org = session.get(Organization, admin.organization_id)
    assert org is not None
    for field, value, low, high in (
        ("inactivity_minutes", settings.inactivity_minutes, 1, 480),
        ("lockout_threshold", settings.lockout_threshold, 3, 20),
        ("lockout_minutes", settings.lockout_minutes, 1, 1440),
        ("assessment_attempts", settings.assessment_attempts, 1, 100),
        ("assessment_window_days", settings.assessment_window_days, 1, 365),
        ("assessment_wait_hours", settings.assessment_wait_hours, 0, 720),
    ):
        if not low <= value <= high:
            label = field.replace("_", " ")
            raise ValidationError(f"The {label} must be between {low} and {high}.", field)
    changes = {}
    for field in (
        "inactivity_minutes",
        "lockout_threshold",
        "lockout_minutes",
        "assessment_attempts",
        "assessment_window_days",
        "assessment_wait_hours",
    ):
        if getattr(org, field) != getattr(settings, field):
            changes[field] = [getattr(org, field), getattr(settings, field)]
            setattr(org, field, getattr(settings, field))
    name = _clean_name(settings.name, "name")
    if name != org.name:
        changes["name"] = [org.name, name]
        org.name = name
    contact = _clean_optional(settings.contact, "the contact", "contact")
    if contact != org.contact:
        changes["contact"] = [org.contact, contact]
        org.contact = contact
    if changes:
        audit.record(session, admin, "organization.updated", org.name, at=now, changes=changes)
    return org


def set_logo(
    session: Session, actor: Person, logo: bytes | None, logo_mime: str | None, *, now: datetime
) -> Organization:
    admin = require(session, actor, "manage_organization")
    _check_logo(logo, logo_mime)
    org = session.get(Organization, admin.organization_id)
    assert org is not None
    org.logo, org.logo_mime = logo, logo_mime
    audit.record(
        session, admin, "organization.logo_changed", org.name, at=now, removed=logo is None
    )
    return org
