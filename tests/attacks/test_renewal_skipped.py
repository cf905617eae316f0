"""A manager bends the issuance rules: re-issues an expired credential from old evidence instead
of renewing it, renews a suspended one, names a person several times in one batch, or issues at
the same moment as another manager. Every path refuses; the database itself refuses the race."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.core.credential_fixtures import Org
from tests.core.test_credentials import _foundations
from trainer.cli import main
from trainer.core.errors import ValidationError
from trainer.core.models import Credential
from trainer.core.services import credential_register, eligibility, issuance


def _count(org: Org, person_id: int, program: str) -> int:
    with org.db.begin() as session:
        return len(
            list(
                session.scalars(
                    select(Credential.id).where(
                        Credential.holder_id == person_id, Credential.program_key == program
                    )
                )
            )
        )


def test_an_expired_credential_is_not_reissued_from_old_evidence(org: Org) -> None:
    trainee = org.team.trainee
    _foundations(org, trainee)
    org.later(800)  # expired; no refreshers since
    with org.db.begin() as session:
        check = eligibility.eligibility(
            session, org.team.manager, trainee.id, "foundations", now=org.clock.now()
        )
    assert not check.eligible and check.renewal_of is not None
    assert {i.kind for i in check.left} == {"module", "scenario", "hours"}
    with pytest.raises(ValidationError, match="not eligible"):
        org.issue(trainee, "foundations")
    assert _count(org, trainee.id, "foundations") == 1
    # The refreshers make it a renewal, whichever way it is issued.
    org.study(trainee, "core-06-field-safety", "core-08-wellbeing")
    org.assess(trainee, "s07-participant-carrying")
    org.hours(trainee, 6, "continuing-education")
    renewed = org.issue(trainee, "foundations")
    with org.db.begin() as session:
        held = credential_register.list_credentials(session, trainee, person_id=trainee.id)
    assert next(h for h in held if h.id == renewed.id).renews_id is not None


def test_the_command_line_refuses_the_same(
    org: Org, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    from tests.attacks.conftest import other_org

    b = other_org(org, tmp_path / "b")
    trainee = b.team.trainee
    _foundations(b, trainee)
    with b.db.begin() as session:  # two and a half years on (the CLI uses the real clock)
        row = session.scalars(
            select(Credential).where(Credential.program_key == "foundations")
        ).one()
        assert row.valid_until is not None
    monkeypatch.setattr("trainer.cli._now", lambda: row.valid_until + timedelta(days=100))
    monkeypatch.setenv("CVI_TRAINER_PASSWORD", "correct horse battery")
    monkeypatch.setenv("CVI_TRAINER_SIGNING_PASSPHRASE", "correct horse signing")
    code = main(["credentials", "issue", "foundations", "tom", "--data-dir", str(b.folder),
                 "--as", "manny"])  # fmt: skip
    assert code == 1 and "not eligible" in capsys.readouterr().err
    assert _count(b, trainee.id, "foundations") == 1


def test_a_suspended_credential_is_neither_renewed_nor_reissued(org: Org) -> None:
    trainee = org.team.trainee
    issued = _foundations(org, trainee)
    with org.db.begin() as session:
        credential_register.change_status(
            session, org.team.manager, issued.id, "suspend", "Under review", now=org.clock.now()
        )
    org.later(720)  # in the renewal window, refreshers done
    org.study(trainee, "core-06-field-safety", "core-08-wellbeing")
    org.assess(trainee, "s07-participant-carrying")
    org.hours(trainee, 6, "continuing-education")
    with org.db.begin() as session, pytest.raises(ValidationError, match="reinstate"):
        issuance.renew(session, org.team.manager, org.unlock(), issued.id, now=org.clock.now())
    with pytest.raises(ValidationError, match="reinstate"):
        org.issue(trainee, "foundations")
    assert _count(org, trainee.id, "foundations") == 1


def test_one_person_named_three_times_in_a_batch_gets_one_credential(org: Org) -> None:
    trainee = org.team.trainee
    org.ready(trainee)
    result = issuance.issue_batch(
        org.db.begin,
        org.team.manager,
        org.unlock(),
        [trainee.id, trainee.id, trainee.id],
        "orientation",
        now=org.clock.now(),
    )
    assert len(result.issued) == 1 and len(result.refused) == 2
    assert all("Already holds it" in why for _, why in result.refused)
    assert _count(org, trainee.id, "orientation") == 1


def test_a_valid_credential_blocks_a_second_one(org: Org) -> None:
    org.oriented(org.team.trainee)
    with pytest.raises(ValidationError, match="Already holds it"):
        org.issue(org.team.trainee)


def test_the_database_refuses_a_second_credential_in_the_same_place(org: Org) -> None:
    """Two managers issuing at once both read "no credential yet"; the second write fails on
    the unique (holder, program, series) constraint, not on a check that both passed."""
    issued = org.oriented(org.team.trainee)
    with org.db.begin() as session:
        first = session.get(Credential, issued.id)
        assert first is not None and first.series == 1
        twin = Credential(
            **{
                c.key: getattr(first, c.key)
                for c in Credential.__table__.columns
                if c.key not in ("id", "uuid", "code", "status_index")
            },
            uuid="00000000-0000-4000-8000-000000000001",
            code="AAAA-BBBB-CCCC",
            status_index=first.status_index + 1,
        )
        session.add(twin)
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


def test_a_stale_issuer_cannot_issue_twice(org: Org) -> None:
    """One Issuer set up before another manager issued: its own per-person reload refuses."""
    trainee = org.team.trainee
    org.ready(trainee)
    key = org.unlock()
    with org.db.begin() as session:
        stale = issuance.Issuer(session, org.team.manager, key, "orientation", now=org.clock.now())
    org.issue(trainee)  # another manager, meanwhile
    with org.db.begin() as session, pytest.raises(ValidationError, match="Already holds it"):
        stale.issue(session, trainee.id)
    assert _count(org, trainee.id, "orientation") == 1
