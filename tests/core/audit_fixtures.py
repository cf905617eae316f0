"""Audit-log helpers shared by the audit, backup, CLI and attack tests: some history, and a signing
key added straight to the database (only the key matters here, not how the app makes one)."""

from __future__ import annotations

import json

from tests.conftest import FakeClock
from trainer.core.db import Database
from trainer.core.models import Person, SigningKey
from trainer.core.services import accounts
from trainer.core.signing import UnlockedKey, generate_key, unlock

HEAD_PASSPHRASE = "correct horse audit heads"


def some_history(db: Database, clock: FakeClock, n: int = 3) -> None:
    """`n` more audit entries: failed sign-ins are logged whoever tries."""
    for i in range(n):
        with db.begin() as session:
            accounts.sign_in(session, "tom", f"wrong-guess-{i}", now=clock.advance(minutes=1))


def add_signing_key(db: Database, clock: FakeClock, admin: Person) -> UnlockedKey:
    new = generate_key(HEAD_PASSPHRASE)
    with db.begin() as session:
        session.add(
            SigningKey(
                organization_id=admin.organization_id,
                kid=new.kid,
                public_jwk=json.dumps(new.public_jwk, sort_keys=True),
                encrypted_private_key=new.envelope,
                active_from=clock.now(),
                created_by_id=admin.id,
            )
        )
    return unlock(new.kid, new.envelope, HEAD_PASSPHRASE)
