"""Cheap Argon2id parameters for the test run only: the suite hashes hundreds of passwords and
derives a signing key's encryption key in most credential tests, and at the app's 64 MiB x 3
passes that was most of its time. Hashes and envelopes store their parameters, so whatever a
test makes verifies the same way.

The app has no switch for this (an environment variable it honoured could weaken a real
installation by accident): the test session calls `use_cheap_parameters()` in tests/conftest.py,
and subprocesses started by tests get the same through tests/subprocess_hook/sitecustomize.py,
put on PYTHONPATH by the session. Neither is installed with the app, and
tests/reliability/test_kdf_defaults.py checks that a plain interpreter gets the strong ones."""

from __future__ import annotations

import os
from pathlib import Path

# The smallest Argon2id allows: one pass over 8 KiB in one lane.
TIME_COST, MEMORY_KIB, PARALLELISM = 1, 8, 1

HOOK_FOLDER = Path(__file__).resolve().parent / "subprocess_hook"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def use_cheap_parameters() -> None:
    from trainer.core import passwords, signing

    passwords.TIME_COST, passwords.MEMORY_KIB, passwords.PARALLELISM = (
        TIME_COST,
        MEMORY_KIB,
        PARALLELISM,
    )
    passwords._hasher.cache_clear()
    passwords.dummy_hash.cache_clear()
    signing.KDF_TIME, signing.KDF_MEMORY_KIB, signing.KDF_PARALLELISM = (
        TIME_COST,
        MEMORY_KIB,
        PARALLELISM,
    )


def hook_subprocesses() -> None:
    """Python subprocesses of this session import the code under test (this checkout first, not
    whatever `trainer` is installed) with the cheap parameters."""
    given = os.environ.get("PYTHONPATH", "")
    ours = [str(HOOK_FOLDER), str(PROJECT_ROOT)]
    os.environ["PYTHONPATH"] = os.pathsep.join([*ours, *([given] if given else [])])
