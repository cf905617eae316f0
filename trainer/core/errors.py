"""Exceptions that carry a message a person can act on (what, where, what to do)."""

from __future__ import annotations


class TrainerError(Exception):
    """Base of every error the app reports to a person instead of a traceback."""


class DataLocationError(TrainerError):
    """The data directory cannot be created or written."""


class DatabaseError(TrainerError):
    """The database cannot be opened, is damaged, unreachable or from a newer version."""


class DatabaseBusyError(TrainerError):
    """Another person's save held the database past the wait (or collided with this one), even
    after trying again; this action was rolled back whole and may simply be repeated."""


class PermissionDeniedError(TrainerError):
    """The acting person's roles do not allow this action."""


class SignInError(TrainerError):
    """Sign-in refused (wrong credentials, locked or deactivated account)."""


class ValidationError(TrainerError):
    """Input that breaks a rule; the message names the field and what to do."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(TrainerError):
    """A record that was asked for does not exist (or is not visible to the actor)."""


class ContentError(TrainerError):
    """Bundled or authored content that cannot be read; the message names the file."""


class BackupError(TrainerError):
    """A backup could not be written or a restore file is not a usable backup."""


class SigningError(TrainerError):
    """The issuing key cannot be used: wrong passphrase, no key, or a damaged key record."""


class CredentialFormatError(TrainerError):
    """Input to verification or trust import that cannot be read as what it claims to be."""


class AuditHeadError(TrainerError):
    """A file that should carry an audit-log head (a backup, head file or status list) cannot be
    read as one; the message names the file."""


class IssuerKeyChangedError(ValidationError):
    """A trusted issuer's card carries a key none of its trusted keys vouches for: refused, and
    only an explicit, confirmed Replace issuer may take it."""
