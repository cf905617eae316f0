"""Argon2id password hashing and the password rules."""

from __future__ import annotations

from functools import cache
from typing import Any

from trainer.core.errors import ValidationError

MIN_PASSWORD_LENGTH = 10
# Argon2id cost of a new hash: RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes),
# argon2-cffi's default profile. Each hash stores its own, so raising them later needs no
# migration: a sign-in rehashes an older, cheaper hash. Only the test suite lowers them (from
# tests/, which is not installed), and tests/reliability/test_kdf_defaults.py keeps them strong.
TIME_COST, MEMORY_KIB, PARALLELISM = 3, 65536, 4


@cache
def _hasher() -> Any:
    # Imported on first use so start-up does not pay for it before anyone signs in.
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM)


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
