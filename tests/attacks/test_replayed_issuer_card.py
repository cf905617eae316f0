"""An old issuer card replayed after a rotation, and a card with a 5000-digit number: the
replay must not bring the retired key back into use, the number must not crash the import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.attacks.conftest import card_text, cli_as_manager, other_org, trust_card
from tests.core.credential_fixtures import PASSPHRASE, Org
from trainer.cli import main
from trainer.core.services import signing_keys, trust


def test_replaying_an_old_issuer_card_un_retires_a_rotated_key(org: Org, tmp_path: Path) -> None:
    """Attack: after A rotates (the old key may be compromised, which is why one rotates), an
    old card of A (a public file) is imported again at B. All its keys are known, so it is
    "unchanged" and needs no confirmation, but _store_keys copies the old card's dates over the
    stored ones: the old key's retirement is erased, and it verifies new signatures again."""
    b = other_org(org, tmp_path / "b")
    old_card = card_text(org)
    trust_card(b, old_card)
    old_kid = json.loads(old_card)["keys"][-1]["kid"]
    issuer = json.loads(old_card)["issuer"]["id"]
    org.later(30)
    with org.db.begin() as session:
        signing_keys.rotate_key(
            session, org.team.manager, PASSPHRASE, PASSPHRASE + " 2", now=org.clock.now()
        )
    with org.db.begin() as session:
        key = signing_keys.unlock_for_card(session, org.team.manager, PASSPHRASE + " 2")
        new_card = json.dumps(
            signing_keys.issuer_card(session, org.team.manager.organization_id, key).to_json()
        )
    b.clock = org.clock  # type: ignore[misc]
    trust_card(b, new_card)  # endorsed rotation: accepted

    def retired() -> object:
        with b.db.begin() as session:
            found = trust.find_keys(session, b.team.manager.organization_id, issuer, old_kid)
            return found[0].key.retired_at

    assert retired() is not None
    with b.db.begin() as session:  # the replay: no confirmation needed
        trust.import_file(session, b.team.manager, old_card, now=org.clock.now())
    assert retired() is not None, "the replayed old card un-retired the rotated key"


def test_a_card_with_a_huge_integer_is_refused_without_a_traceback(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attack: an issuer card whose JSON holds a 5000-digit number. json.loads raises ValueError
    (int max str digits), which read_card once let through: `trust import` died with a traceback."""
    b = other_org(org, tmp_path / "b")
    path = tmp_path / "card.json"
    path.write_text('{"type":"CviTrainerIssuerCard","version":2,"keys":[' + "9" * 5000 + "]}")
    code = main(cli_as_manager(monkeypatch, "trust", "import", str(path), "--data-dir",
                               str(b.folder), "--fingerprint", "0000"))  # fmt: skip
    assert code == 2 and str(path) in capsys.readouterr().err
