"""A manager who does not know the signing passphrase tries to take over signing: rotating to a
passphrase of their own, or "replacing" the key. Only the passphrase signs; the one way around a
lost passphrase is an admin's audit-logged replacement that every other organization sees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.attacks.conftest import card_text, other_org, pdf_of, trust_card, verify_at
from tests.core.credential_fixtures import PASSPHRASE, Org
from trainer.cli import main
from trainer.core import signing
from trainer.core.errors import PermissionDeniedError, SigningError, ValidationError
from trainer.core.models import AuditEntry, SigningKey
from trainer.core.services import signing_keys, trust
from trainer.core.verify import VERIFIED

MINE = "my own private passphrase"


def _keys(org: Org) -> list[tuple[str, bool]]:
    with org.db.begin() as session:
        return [(k.kid, k.retired_at is None) for k in session.scalars(select(SigningKey))]


def test_rotating_needs_the_current_passphrase(org: Org) -> None:
    before = _keys(org)
    with org.db.begin() as session, pytest.raises(SigningError, match="not right"):
        signing_keys.rotate_key(
            session, org.team.manager, "a guess at it", MINE, now=org.clock.now()
        )
    assert _keys(org) == before
    org.unlock()  # the organization's passphrase still signs


def test_rotating_from_the_command_line_needs_it_too(
    org: Org, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    b = other_org(org, tmp_path / "b")
    monkeypatch.setenv("CVI_TRAINER_PASSWORD", "correct horse battery")
    monkeypatch.setenv("CVI_TRAINER_SIGNING_PASSPHRASE", "not the passphrase")
    monkeypatch.setenv("CVI_TRAINER_NEW_SIGNING_PASSPHRASE", MINE)
    before = _keys(b)
    code = main(["keys", "rotate", "--data-dir", str(b.folder), "--as", "manny"])
    assert code == 1 and "not right" in capsys.readouterr().err
    assert _keys(b) == before


def test_a_new_passphrase_keeps_the_key_and_retires_the_old_passphrase(org: Org) -> None:
    before = _keys(org)
    with org.db.begin() as session:
        signing_keys.change_passphrase(
            session, org.team.manager, PASSPHRASE, MINE, now=org.clock.now()
        )
    assert _keys(org) == before  # same key, same fingerprint: nobody elsewhere has to act
    with org.db.begin() as session:
        with pytest.raises(SigningError):
            signing_keys.unlock(session, org.team.manager, PASSPHRASE)
        assert signing_keys.unlock(session, org.team.manager, MINE).kid == before[0][0]
        with pytest.raises(SigningError):
            signing_keys.change_passphrase(
                session, org.team.manager, "a guess at it", "another new one!", now=org.clock.now()
            )


def test_a_rotation_is_accepted_elsewhere_without_a_phone_call(org: Org, tmp_path: Path) -> None:
    """A rotates; B, which trusted A's old card, imports the new one without being asked for a
    fingerprint and verifies A's old and new certificates; C imports a forged card and is
    refused (see test_forged_issuer_card)."""
    b = other_org(org, tmp_path / "b")
    trust_card(b, card_text(org))
    old = org.oriented(org.team.trainee)
    with org.db.begin() as session:
        signing_keys.rotate_key(
            session, org.team.manager, PASSPHRASE, PASSPHRASE, now=org.clock.advance(days=1)
        )
    new = org.oriented(org.team.other_trainee)
    card = trust.card_in(card_text(org))
    assert card is not None
    with b.db.begin() as session:
        plan = trust.plan_card(session, b.team.manager, card)
        assert plan.action == "update" and len(plan.new_keys) == 1
        trust.import_card(session, b.team.manager, card, now=b.clock.now())  # not confirmed
    for issued in (old, new):
        report = verify_at(b, pdf_of(org, issued.id), after=org)
        assert report.verdict == VERIFIED, report.steps


def test_only_an_admin_replaces_a_lost_key_and_everyone_sees_the_break(
    org: Org, tmp_path: Path
) -> None:
    b = other_org(org, tmp_path / "b")
    trust_card(b, card_text(org))
    old = org.oriented(org.team.trainee)
    with org.db.begin() as session, pytest.raises(PermissionDeniedError):
        signing_keys.replace_lost_key(
            session, org.team.manager, MINE, "Forgot it", now=org.clock.now()
        )
    with org.db.begin() as session:
        row = signing_keys.replace_lost_key(
            session,
            org.team.admin,
            MINE,
            "Nobody remembers the passphrase",
            now=org.clock.advance(days=1),
        )
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        new_fp = signing.fingerprint(json.loads(row.public_jwk))
    assert entry is not None and entry.action == "key.replaced_without_passphrase"
    assert new_fp in entry.details and "old_fingerprint" in entry.details
    with org.db.begin() as session:  # the new card is signed with the new key
        key = signing_keys.unlock_for_card(session, org.team.manager, MINE)
        card = signing_keys.issuer_card(session, org.team.manager.organization_id, key)
    assert card.active.replaces is not None and card.active.endorsement is None
    with b.db.begin() as session, pytest.raises(ValidationError, match="replaced a lost key"):
        trust.import_card(session, b.team.manager, card, now=b.clock.now())
    # After phoning A and comparing the new fingerprint, B replaces A's keys explicitly.
    with b.db.begin() as session:
        change = trust.replacement_of(session, b.team.manager, card)
        assert new_fp in change.new_fingerprints
        trust.replace_issuer(session, b.team.manager, card, confirmed=True, now=b.clock.now())
    with org.db.begin() as session:
        unlocked = signing_keys.unlock(session, org.team.manager, MINE)
    assert unlocked.kid == row.kid
    assert verify_at(b, pdf_of(org, old.id), after=org).verdict == VERIFIED
