"""Someone replays an older status list to un-revoke a certificate: two lists exported in the
same second differ only in their sequence number, and an import that is not newer is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.attacks.conftest import card_text, other_org, pdf_of, trust_card, verify_at
from tests.core.credential_fixtures import Org
from trainer.core.errors import ValidationError
from trainer.core.services import credential_register, trust
from trainer.core.verify import REVOKED, VERIFIED


def _export(org: Org) -> str:
    key = org.unlock()
    with org.db.begin() as session:
        return trust.export_status_lists(session, org.team.manager, key, now=org.clock.now())


def test_an_older_list_from_the_same_second_does_not_un_revoke(org: Org, tmp_path: Path) -> None:
    b = other_org(org, tmp_path / "b")
    trust_card(b, card_text(org))
    issued = org.oriented(org.team.trainee)
    before = _export(org)  # not revoked yet
    with org.db.begin() as session:
        credential_register.change_status(
            session, org.team.manager, issued.id, "revoke", "Left the program", now=org.clock.now()
        )
    after = _export(org)  # same clock second as `before`
    trust_card(b, after)
    assert verify_at(b, pdf_of(org, issued.id), after=org).verdict == REVOKED
    with pytest.raises(ValidationError, match="not newer"):
        trust_card(b, before)
    with pytest.raises(ValidationError, match="not newer"):
        trust_card(b, after)  # the same list again is not newer either
    assert verify_at(b, pdf_of(org, issued.id), after=org).verdict == REVOKED


def test_revocation_unchecked_is_said_and_stale_lists_do_not_count(
    org: Org, tmp_path: Path
) -> None:
    b = other_org(org, tmp_path / "b")
    trust_card(b, card_text(org))
    issued = org.oriented(org.team.trainee)
    report = verify_at(b, pdf_of(org, issued.id), after=org)
    assert report.verdict == VERIFIED and not report.status_checked
    assert report.headline.startswith("Verified, but revocation could not be checked")
    trust_card(b, _export(org))
    report = verify_at(b, pdf_of(org, issued.id), after=org)
    assert report.headline == "Verified" and report.status_checked
    b.later(31)  # older than the 30-day default
    report = verify_at(b, pdf_of(org, issued.id), after=org)
    assert not report.status_checked and "older than your 30-day limit" in report.headline
