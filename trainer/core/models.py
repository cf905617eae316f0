"""SQLAlchemy 2.0 models: organization, people and roles, versioned content, audit log,
training records and credentials."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from trainer.core.roles import Role as Role  # re-exported for callers of models

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always hands back timezone-aware datetimes (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Organization(Base):
    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    logo_mime: Mapped[str | None] = mapped_column(String(50))
    contact: Mapped[str | None] = mapped_column(String(300))
    inactivity_minutes: Mapped[int] = mapped_column(Integer, server_default=text("15"))
    lockout_threshold: Mapped[int] = mapped_column(Integer, server_default=text("5"))
    lockout_minutes: Mapped[int] = mapped_column(Integer, server_default=text("15"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Names the organization as an issuer inside signed credentials (urn:uuid:...).
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    # Numbers our exported status lists; importers refuse one that is not newer than theirs.
    status_sequence: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # Another issuer's status list older than this is stale: verdicts say revocation is unchecked.
    status_max_age_days: Mapped[int] = mapped_column(Integer, server_default=text("30"))
    # Assessment attempts that count toward credentials: at most `assessment_attempts` per
    # scenario in `assessment_window_days`, and `assessment_wait_hours` after a failed one.
    assessment_attempts: Mapped[int] = mapped_column(Integer, server_default=text("3"))
    assessment_window_days: Mapped[int] = mapped_column(Integer, server_default=text("30"))
    assessment_wait_hours: Mapped[int] = mapped_column(Integer, server_default=text("24"))

    __table_args__ = (
        CheckConstraint("inactivity_minutes BETWEEN 1 AND 480", name="inactivity_range"),
        CheckConstraint("lockout_threshold BETWEEN 3 AND 20", name="lockout_threshold_range"),
        CheckConstraint("lockout_minutes BETWEEN 1 AND 1440", name="lockout_minutes_range"),
        CheckConstraint("status_max_age_days BETWEEN 1 AND 3650", name="status_max_age_range"),
        CheckConstraint("assessment_attempts BETWEEN 1 AND 100", name="assessment_attempts_range"),
        CheckConstraint("assessment_window_days BETWEEN 1 AND 365", name="assessment_window_range"),
        CheckConstraint("assessment_wait_hours BETWEEN 0 AND 720", name="assessment_wait_range"),
    )


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    role_rows: Mapped[list[PersonRole]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


class PersonRole(Base):
    __tablename__ = "person_role"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    person: Mapped[Person] = relationship(back_populates="role_rows", lazy="raise")

    __table_args__ = (
        CheckConstraint("role IN ('trainee', 'trainer', 'manager', 'admin')", name="known_role"),
    )


class ContentKind(enum.StrEnum):
    MODULE = "module"
    TRACK = "track"
    SCENARIO = "scenario"
    PROGRAM = "program"
    RUBRIC = "rubric"


class ContentDocument(Base):
    """One piece of the organization's content (a module, a scenario...), across all its versions."""

    __tablename__ = "content_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(120))
    origin: Mapped[str] = mapped_column(String(20))  # "bundled" or "local"
    bundled_path: Mapped[str | None] = mapped_column(String(300))
    bundled_hash: Mapped[str | None] = mapped_column(
        String(64)
    )  # last bundled text taken or declined
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("organization_id", "kind", "key", name="uq_content_document_key"),
    )


class ContentVersion(Base):
    """A draft (number NULL, editable) or a published version (numbered, never changed again)."""

    __tablename__ = "content_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("content_document.id"), index=True)
    number: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    author_name: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_draft(self) -> bool:
        return self.published_at is None

    __table_args__ = (
        UniqueConstraint("document_id", "number", name="uq_content_version_number"),
        Index(
            "uq_content_version_one_draft",
            "document_id",
            unique=True,
            sqlite_where=text("published_at IS NULL"),
            postgresql_where=text("published_at IS NULL"),
        ),
        CheckConstraint("(number IS NULL) = (published_at IS NULL)", name="draft_has_no_number"),
    )


class BundledUpdate(Base):
    """A newer text of a bundled document shipped with a newer app, waiting for a trainer's decision."""

    __tablename__ = "bundled_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("content_document.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="offered")
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("document_id", "content_hash", name="uq_bundled_update_text"),
        CheckConstraint("status IN ('offered', 'accepted', 'declined')", name="known_status"),
    )


class AuditEntry(Base):
    """Append-only, hash-chained record of a security-relevant action."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str] = mapped_column(String(300))
    details: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))


class ImmutableRecordError(RuntimeError):
    """A published version or an audit entry was about to be changed through the ORM."""


@event.listens_for(ContentVersion, "before_update")
def _published_versions_are_immutable(
    _mapper: object, _conn: object, target: ContentVersion
) -> None:
    history = inspect(target).attrs.published_at.history
    previous = (
        history.deleted[0]
        if history.deleted
        else (history.unchanged[0] if history.unchanged else None)
    )
    if previous is not None:
        raise ImmutableRecordError(f"published version {target.id} cannot be changed")


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _audit_is_append_only(_mapper: object, _conn: object, target: AuditEntry) -> None:
    raise ImmutableRecordError(f"audit entry {target.id} cannot be changed or deleted")


class ModuleProgress(Base):
    """One person's work on one module, pinned to the version they started (or switched to)."""

    __tablename__ = "module_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("content_document.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("content_version.id"))
    sections_total: Mapped[int] = mapped_column(Integer)
    sections_read: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of section ids
    last_section: Mapped[str | None] = mapped_column(String(200))
    last_position: Mapped[int] = mapped_column(Integer, default=0)  # scroll position, 0..10000
    seconds_spent: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The knowledge-check paper handed out and not yet submitted: JSON {seed, questions}.
    # Only that paper can be submitted, once.
    open_paper: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("person_id", "document_id", name="uq_module_progress_person_document"),
        Index("ix_module_progress_person", "person_id"),
    )


class QuizAttempt(Base):
    """One submitted knowledge check: the answers, the content version, the result."""

    __tablename__ = "quiz_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("content_document.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("content_version.id"))
    seed: Mapped[int] = mapped_column(Integer)  # the shuffle shown to the person
    answers: Mapped[str] = mapped_column(Text)  # JSON: question id -> answer
    correct: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    score: Mapped[float]
    passed: Mapped[bool]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OrganizationPolicy(Base):
    """A yes/no rule that differs between programs (e.g. sharing names with police); scenarios
    read it so the right answer follows the organization's own policy."""

    __tablename__ = "organization_policy"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[bool]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))


class ScenarioAttempt(Base):
    """One play-through of one scenario version, in practice or assessment mode."""

    __tablename__ = "scenario_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("content_document.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("content_version.id"))
    mode: Mapped[str] = mapped_column(String(20))
    policy: Mapped[str] = mapped_column(Text)  # JSON: the policy values the attempt was played with
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ending_id: Mapped[str | None] = mapped_column(String(120))
    outcome: Mapped[str | None] = mapped_column(String(20))
    score: Mapped[float | None]
    passed: Mapped[bool | None]

    __table_args__ = (CheckConstraint("mode IN ('practice', 'assessment')", name="known_mode"),)


class ScenarioStep(Base):
    """One choice in an attempt: where, which, the meters after it, when. Undone steps (practice
    only) are kept and marked, never deleted."""

    __tablename__ = "scenario_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("scenario_attempt.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    node_id: Mapped[str] = mapped_column(String(120))
    choice_index: Mapped[int] = mapped_column(Integer)
    meters: Mapped[str] = mapped_column(Text)  # JSON
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SigningKey(Base):
    """An organization's ES256 issuing key. The private half is stored only encrypted with the
    issuing passphrase; retired keys are kept so older certificates still verify."""

    __tablename__ = "signing_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)  # RFC 7638 thumbprint
    public_jwk: Mapped[str] = mapped_column(Text)  # JSON
    encrypted_private_key: Mapped[str] = mapped_column(Text)  # JSON envelope, see core.signing
    active_from: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    # The previous key's signed statement naming this key its successor (core.issuer_cards);
    # None for the first key, and for a key that replaced a lost one (`replaces`).
    endorsement: Mapped[str | None] = mapped_column(Text)
    replaces_kid: Mapped[str | None] = mapped_column(String(64))


class FieldHourEntry(Base):
    """Supervised field hours a trainee logged. Once a trainer signs it off or rejects it, the
    entry never changes again; a correction is a new entry that points at the old one."""

    __tablename__ = "field_hour_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    worked_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    activity: Mapped[str] = mapped_column(String(40))
    notes: Mapped[str] = mapped_column(Text, default="")
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    reviewer_name: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str | None] = mapped_column(Text)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("field_hour_entry.id"))

    __table_args__ = (
        CheckConstraint("minutes BETWEEN 1 AND 1440", name="minutes_range"),
        CheckConstraint("status IN ('pending', 'signed', 'rejected')", name="known_status"),
    )


@event.listens_for(FieldHourEntry, "before_update")
@event.listens_for(FieldHourEntry, "before_delete")
def _reviewed_hours_are_immutable(_mapper: object, _conn: object, target: FieldHourEntry) -> None:
    history = inspect(target).attrs.status.history
    previous = history.deleted[0] if history.deleted else target.status
    if previous != "pending":
        raise ImmutableRecordError(f"reviewed field hour entry {target.id} cannot be changed")


class Credential(Base):
    """One issued credential: what was signed, for whom, from which program version. Never
    deleted; revocation and suspension are status events."""

    __tablename__ = "credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # short human verification code
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    holder_name: Mapped[str] = mapped_column(String(200))
    program_document_id: Mapped[int] = mapped_column(ForeignKey("content_document.id"))
    program_version_id: Mapped[int] = mapped_column(ForeignKey("content_version.id"))
    program_key: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(300))
    tier: Mapped[str] = mapped_column(String(40))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    signing_key_id: Mapped[int] = mapped_column(ForeignKey("signing_key.id"))
    status_index: Mapped[int] = mapped_column(Integer)
    badge_jwt: Mapped[str] = mapped_column(Text)
    qr_token: Mapped[str] = mapped_column(Text)
    certificate: Mapped[str] = mapped_column(Text)  # JSON: what the PDF prints, incl. evidence
    pdf: Mapped[bytes] = mapped_column(LargeBinary)  # the certificate exactly as issued
    renews_id: Mapped[int | None] = mapped_column(ForeignKey("credential.id"))
    # 1 for a person's first credential of a program, then 2, 3...: unique, so two managers
    # issuing at once (or one batch naming a person twice) cannot both add the next one.
    series: Mapped[int] = mapped_column(Integer, server_default=text("1"))

    __table_args__ = (
        UniqueConstraint("organization_id", "status_index"),
        UniqueConstraint(
            "organization_id", "holder_id", "program_key", "series", name="uq_credential_series"
        ),
    )


@event.listens_for(Credential, "before_update")
@event.listens_for(Credential, "before_delete")
def _credentials_are_immutable(_mapper: object, _conn: object, target: Credential) -> None:
    raise ImmutableRecordError(f"credential {target.uuid} cannot be changed or deleted")


class CredentialStatusEvent(Base):
    """Revocation, suspension or reinstatement of a credential, with its mandatory reason."""

    __tablename__ = "credential_status_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    actor_name: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        CheckConstraint("action IN ('revoke', 'suspend', 'reinstate')", name="known_action"),
    )


@event.listens_for(CredentialStatusEvent, "before_update")
@event.listens_for(CredentialStatusEvent, "before_delete")
def _status_events_are_append_only(
    _mapper: object, _conn: object, target: CredentialStatusEvent
) -> None:
    raise ImmutableRecordError(f"status event {target.id} cannot be changed or deleted")


class TrustedIssuer(Base):
    """Another organization whose issuer card this organization imported."""

    __tablename__ = "trusted_issuer"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    issuer_uid: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(300))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    __table_args__ = (UniqueConstraint("organization_id", "issuer_uid"),)


class TrustedKey(Base):
    """A public key from an imported issuer card, with the period it was in use."""

    __tablename__ = "trusted_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    trusted_issuer_id: Mapped[int] = mapped_column(ForeignKey("trusted_issuer.id"), index=True)
    kid: Mapped[str] = mapped_column(String(64))
    public_jwk: Mapped[str] = mapped_column(Text)
    active_from: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("trusted_issuer_id", "kid"),)


class ImportedStatusList(Base):
    """The newest signed status list imported from a trusted issuer, per purpose."""

    __tablename__ = "imported_status_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    trusted_issuer_id: Mapped[int] = mapped_column(ForeignKey("trusted_issuer.id"))
    purpose: Mapped[str] = mapped_column(String(20))
    token: Mapped[str] = mapped_column(Text)  # the signed list as received
    list_issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sequence: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("trusted_issuer_id", "purpose"),)


class Observation(Base):
    """A trainer's observation of a trainee's practice (a role-play, a field observation, or a
    training they delivered), rated against one rubric version. Never changed once recorded; a
    mistake is withdrawn with a reason and recorded again."""

    __tablename__ = "observation"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    observer_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    observer_name: Mapped[str] = mapped_column(String(200))
    rubric_document_id: Mapped[int] = mapped_column(ForeignKey("content_document.id"))
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("content_version.id"))
    rubric_key: Mapped[str] = mapped_column(String(120))
    setting: Mapped[str] = mapped_column(String(20))
    observed_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(
            "setting IN ('role-play', 'field', 'training-delivery')", name="known_setting"
        ),
        CheckConstraint("observer_id <> person_id", name="not_self"),
    )


class ObservationRating(Base):
    """One competency's level (1-4, each described in the rubric) in one observation."""

    __tablename__ = "observation_rating"

    observation_id: Mapped[int] = mapped_column(ForeignKey("observation.id"), primary_key=True)
    competency: Mapped[str] = mapped_column(String(120), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),)


class TrainingSession(Base):
    """An in-person or live training session a trainer ran or recorded, with its attendance."""

    __tablename__ = "training_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    topic: Mapped[str] = mapped_column(String(300))
    held_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    delivery: Mapped[str] = mapped_column(String(20))
    facilitator: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("minutes BETWEEN 15 AND 960", name="minutes_range"),
        CheckConstraint("delivery IN ('in-person', 'live-online')", name="known_delivery"),
    )


class TrainingAttendance(Base):
    __tablename__ = "training_attendance"

    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True, index=True)


class PolicyText(Base):
    """The organization's own answer to one "Your program's policy" box in the curricula (the
    box's title is the key: boxes with the same title share one answer)."""

    __tablename__ = "policy_text"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    title: Mapped[str] = mapped_column(String(120), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))


class PolicyAcknowledgment(Base):
    """A person's signed acknowledgment of the organization's policies as they read then
    (`digest` of every policy text): a later change to any policy asks for a new one."""

    __tablename__ = "policy_acknowledgment"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    signed_name: Mapped[str] = mapped_column(String(200))
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime)


@event.listens_for(Observation, "before_update")
def _observations_are_immutable(_mapper: object, _conn: object, target: Observation) -> None:
    state = inspect(target)
    changed = {a.key for a in state.attrs if a.history.has_changes()}
    # Once withdrawn, the withdrawal (its time and its reason) is as fixed as the rest.
    earlier = [
        *state.attrs.withdrawn_at.history.deleted,
        *state.attrs.withdrawn_reason.history.deleted,
    ]
    if changed - {"withdrawn_at", "withdrawn_reason"} or any(earlier):
        raise ImmutableRecordError(f"observation {target.id} cannot be changed, only withdrawn")


@event.listens_for(Observation, "before_delete")
def _observations_are_kept(_mapper: object, _conn: object, target: Observation) -> None:
    raise ImmutableRecordError(f"observation {target.id} cannot be deleted, only withdrawn")


@event.listens_for(ObservationRating, "before_update")
@event.listens_for(ObservationRating, "before_delete")
def _ratings_are_immutable(_mapper: object, _conn: object, target: ObservationRating) -> None:
    raise ImmutableRecordError(f"observation {target.observation_id} ratings cannot be changed")
