"""Attacks on credentials, each performed the way an attacker would, through files and commands.

Fixtures: `org` (organization A, with the shipped content and a signing key) from the core tests,
and helpers for a second and third organization on their own data folders."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import PASSWORD, FakeClock, Team
from tests.core.credential_fixtures import PASSPHRASE, Org
from tests.core.credential_fixtures import org as org
from trainer.core.db import open_database
from trainer.core.paths import AppPaths
from trainer.core.services import credential_register, signing_keys, trust, verification
from trainer.core.verify import Report


def other_org(org: Org, folder: Path) -> Org:
    """Another organization, on its own data folder, at the same time as `org`."""
    db = open_database(AppPaths(folder))
    clock = FakeClock(org.clock.now())
    other = Org(db, clock, Team(db, clock))
    other.folder = folder  # type: ignore[attr-defined]
    return other


def cli_as_manager(monkeypatch, *args: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Arguments for trainer.cli.main, acting as the test team's manager."""
    monkeypatch.setenv("CVI_TRAINER_PASSWORD", PASSWORD)
    return [*args, "--as", "manny"]


def card_text(org: Org) -> str:
    """The organization's issuer card as its manager exports it (signed with the passphrase)."""
    with org.db.begin() as session:
        key = signing_keys.unlock_for_card(session, org.team.manager, PASSPHRASE)
        card = signing_keys.issuer_card(session, org.team.manager.organization_id, key)
    return json.dumps(card.to_json(), indent=2)


def trust_card(importer: Org, text: str) -> list[trust.Imported]:
    """Import a card after the person has compared its fingerprint by phone."""
    with importer.db.begin() as session:
        return trust.import_file(
            session, importer.team.manager, text, now=importer.clock.now(), confirmed=True
        )


def pdf_of(org: Org, issued_id: int) -> bytes:
    with org.db.begin() as session:
        return credential_register.certificate_pdf(session, org.team.manager, issued_id)


def verify_at(
    org: Org, data: bytes, name: str = "certificate.pdf", *, after: Org | None = None
) -> Report:
    """Verify at `org`, no earlier than `after`'s clock (the issuer's, when it ran ahead)."""
    now = max(org.clock.now(), after.clock.now()) if after is not None else org.clock.now()
    with org.db.begin() as session:
        return verification.verify_file(
            session, org.team.manager.organization_id, data, name, now=now
        )
