"""Argon2id password hashing and the password rules."""

from __future__ import annotations

from functools import cache
from typing import Any

from trainer.core.errors import ValidationError

MIN_PASSWORD_LENGTH = 10


@cache
def _hasher() -> Any:
    # Imported on first use so start-up does not pay for it before anyone signs in.
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id with the library's RFC 9106 low-memory profile


def hash_password(password: str) -> str:
    return str(_hasher().hash(password))


def verify_password(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return bool(_hasher().check_needs_rehash(password_hash))


# A valid hash of a random password, verified against when the username does not exist so a
# wrong username takes as long as a wrong password.
@cache
def dummy_hash() -> str:
    return hash_password("not-a-real-password-" + "x" * 16)


def check_new_password(password: str, *, username: str = "", field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters long. "
            "A short sentence you can remember works well.",
            field,
        )
    if username and password.strip().lower() == username.strip().lower():
        raise ValidationError("The password must not be the same as the username.", field)
