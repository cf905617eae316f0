"""The audit log is append-only, its hash chain shows edits and deletions, and a head kept
elsewhere shows a log cut at its end or rewritten."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from tests.conftest import Team
from tests.core.audit_fixtures import add_signing_key, some_history
from tests.tampering import drop_guards
from trainer.core.audit import (
    GENESIS_HASH,
    HEAD_TYPE,
    AuditHead,
    HeadClaim,
    check_claim,
    compare,
    compare_with,
    current_head,
    head_document,
    read_head_text,
    signed_head,
    verify_chain,
)
from trainer.core.errors import AuditHeadError
from trainer.core.models import AuditEntry, ImmutableRecordError, Organization, SigningKey
from trainer.core.open_badges import issuer_id
from trainer.core.services import accounts


def _some_history(team: Team, db, clock) -> None:
    for i in range(3):
        with db.begin() as session:
            accounts.sign_in(session, "tom", f"wrong-guess-{i}", now=clock.advance(minutes=1))


def test_intact_log_verifies(team: Team, db, clock) -> None:
    _some_history(team, db, clock)
    with db.begin() as session:
        report = verify_chain(session)
    assert report.intact and report.entries >= 8


def test_edited_entry_is_reported_as_the_first_break(team: Team, db, clock) -> None:
    _some_history(team, db, clock)
    with db.begin() as session:  # tampering behind the app's back, with a tool and plain SQL
        drop_guards(session)
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.id == 4)
            .values(target="someone-else")
            .execution_options(synchronize_session=False)
        )
    with db.begin() as session:
        report = verify_chain(session)
    assert report.first_bad_id == 4
    assert "changed" in report.problem


def test_deleted_entry_is_reported(team: Team, db, clock) -> None:
    _some_history(team, db, clock)
    with db.begin() as session:
        drop_guards(session)
        session.execute(
            delete(AuditEntry)
            .where(AuditEntry.id == 3)
            .execution_options(synchronize_session=False)
        )
    with db.begin() as session:
        report = verify_chain(session)
    assert report.first_bad_id == 4
    assert "deleted" in report.problem


def test_entries_cannot_be_changed_through_the_app(team: Team, db, clock) -> None:
    with pytest.raises(ImmutableRecordError), db.begin() as session:
        entry = session.scalars(select(AuditEntry)).first()
        entry.action = "nothing.happened"


def test_security_actions_are_logged_with_actor_and_target(team: Team, db, clock) -> None:
    with db.begin() as session:
        accounts.set_active(session, team.admin, team.trainee.id, False, now=clock.now())
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.actor_name, entry.target) == (
        "person.deactivated",
        "Ada Admin",
        "tom",
    )


# --- heads -------------------------------------------------------------------------------------

H1, H2 = "a" * 64, "b" * 64


def test_the_head_of_an_empty_log_is_the_genesis_hash(db) -> None:
    with db.begin() as session:
        assert current_head(session) == AuditHead(0, GENESIS_HASH)


def test_the_head_is_the_number_and_hash_of_the_last_entry(team: Team, db, clock) -> None:
    some_history(db, clock)
    with db.begin() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert current_head(session) == AuditHead(last.id, last.hash)
        assert verify_chain(session).entries == last.id


def test_a_head_round_trips_through_its_claim() -> None:
    head = AuditHead(7, H1)
    assert head.as_claim() == {"entries": 7, "hash": H1}
    assert AuditHead.from_claim(head.as_claim()) == head
    assert AuditHead.from_claim({"entries": 0, "hash": GENESIS_HASH}) == AuditHead(0, GENESIS_HASH)


@pytest.mark.parametrize(
    ("claim", "complaint"),
    [
        ([7, H1], "an object"),
        ({"hash": H1}, "whole number"),
        ({"entries": -1, "hash": H1}, "whole number"),
        ({"entries": True, "hash": H1}, "whole number"),
        ({"entries": "7", "hash": H1}, "whole number"),
        ({"entries": 7.0, "hash": H1}, "whole number"),
        ({"entries": 7, "hash": H1[:-1]}, "64 lowercase hexadecimal"),
        ({"entries": 7, "hash": H1 + "a"}, "64 lowercase hexadecimal"),
        ({"entries": 7, "hash": H1.upper()}, "64 lowercase hexadecimal"),
        ({"entries": 7, "hash": "g" * 64}, "64 lowercase hexadecimal"),
        ({"entries": 7, "hash": None}, "64 lowercase hexadecimal"),
        ({"entries": 0, "hash": H1}, "all-zero hash exactly when"),
        ({"entries": 7, "hash": GENESIS_HASH}, "all-zero hash exactly when"),
    ],
)
def test_head_claims_are_read_strictly(claim: object, complaint: str) -> None:
    with pytest.raises(AuditHeadError, match=complaint):
        AuditHead.from_claim(claim)


@pytest.mark.parametrize(
    ("then", "now", "hash_at_then", "verdict"),
    [
        (AuditHead(5, H1), AuditHead(5, H1), H1, "intact"),  # nothing happened
        (AuditHead(5, H1), AuditHead(9, H2), H1, "intact"),  # grew
        (AuditHead(5, H1), AuditHead(4, H2), None, "cut"),  # exactly one entry short
        (AuditHead(5, H1), AuditHead(0, GENESIS_HASH), None, "cut"),  # emptied
        (AuditHead(5, H1), AuditHead(5, H2), H2, "rewritten"),  # same length, other last entry
        (AuditHead(5, H1), AuditHead(8, H2), H2, "rewritten"),  # cut, then written on
        (AuditHead(5, H1), AuditHead(8, H2), None, "rewritten"),  # entry 5 itself is gone
        (AuditHead(0, GENESIS_HASH), AuditHead(0, GENESIS_HASH), None, "intact"),
        (AuditHead(0, GENESIS_HASH), AuditHead(3, H2), H2, "intact"),  # vouches for nothing
    ],
)
def test_comparison_boundaries(then, now, hash_at_then, verdict) -> None:
    assert compare(then, now, hash_at_then, "Monday").verdict == verdict


def test_comparison_says_plainly_what_happened() -> None:
    assert compare(AuditHead(5, H1), AuditHead(4, H2), None, "Monday").message == (
        "1 entry is missing since the head of Monday: the log was cut (5 then, 4 now)."
    )
    assert compare(AuditHead(5, H1), AuditHead(2, H2), None, "Monday").message.startswith(
        "3 entries are missing since the head of Monday: the log was cut"
    )
    assert compare(AuditHead(5, H1), AuditHead(6, H2), H2, "Monday").message == (
        "The log was rewritten at or before entry 5: that entry is not the one in the head of "
        "Monday."
    )
    assert compare(AuditHead(5, H1), AuditHead(6, H2), H1, "x").message == (
        "intact: 5 entries then, 6 now."
    )


def test_the_live_log_against_an_earlier_head(team: Team, db, clock) -> None:
    with db.begin() as session:
        head = current_head(session)
    some_history(db, clock, 2)
    with db.begin() as session:
        assert compare_with(session, head).intact
        later = current_head(session)
        assert later.entries == head.entries + 2
    with db.begin() as session:  # the attacker cuts the last entry...
        drop_guards(session)
        session.execute(
            delete(AuditEntry)
            .where(AuditEntry.id == later.entries)
            .execution_options(synchronize_session=False)
        )
    with db.begin() as session:
        assert verify_chain(session).intact  # ...which the chain cannot see
        cut = compare_with(session, later, when="the backup")
        assert (cut.verdict, cut.missing) == ("cut", 1)
        assert compare_with(session, head).intact  # the older head is still honoured


def _org(session) -> Organization:
    return session.scalars(select(Organization)).one()


def test_a_signed_head_verifies_against_the_organizations_own_key(team: Team, db, clock) -> None:
    key = add_signing_key(db, clock, team.admin)
    with db.begin() as session:
        org, head = _org(session), current_head(session)
        token = signed_head(head, key, organization=org.uid, at=clock.now())
        claim = read_head_text(token, "head.jwt")
        assert claim.head == head and claim.at == clock.now().replace(microsecond=0)
        assert claim.token is not None and claim.token.header["typ"] == HEAD_TYPE
        assert claim.organization == issuer_id(org.uid)
        assert check_claim(session, claim, "head.jwt").state == "verified"
        document = head_document(head, organization=org.uid, at=clock.now(), key=key)
        assert check_claim(session, read_head_text(document, "h.json"), "h.json").state == (
            "verified"
        )


def test_a_signed_head_edited_afterwards_does_not_verify(team: Team, db, clock) -> None:
    key = add_signing_key(db, clock, team.admin)
    with db.begin() as session:
        org, head = _org(session), current_head(session)
        header, _, signature = signed_head(head, key, organization=org.uid, at=clock.now()).split(
            "."
        )
        fake = AuditHead(head.entries - 2, "c" * 64)
        body = json.dumps({"iss": issuer_id(org.uid), "auditHead": fake.as_claim()})
        forged = ".".join(
            [header, base64.urlsafe_b64encode(body.encode()).decode().rstrip("="), signature]
        )
        claim = read_head_text(forged, "forged.jwt")
        assert claim.head == fake
        result = check_claim(session, claim, "forged.jwt")
        assert result.state == "invalid" and "does not check out" in result.detail


def test_a_head_signed_after_its_key_was_retired_does_not_verify(team: Team, db, clock) -> None:
    key = add_signing_key(db, clock, team.admin)
    with db.begin() as session:
        session.scalars(select(SigningKey)).one().retired_at = clock.now()
    with db.begin() as session:
        token = signed_head(
            current_head(session),
            key,
            organization=_org(session).uid,
            at=clock.now() + timedelta(days=1),
        )
        result = check_claim(session, read_head_text(token, "h.jwt"), "h.jwt")
        assert result.state == "invalid" and "retired" in result.detail


def test_an_unsigned_head_is_accepted_and_says_it_is_unsigned(team: Team, db, clock) -> None:
    with db.begin() as session:
        org, head = _org(session), current_head(session)
        text = head_document(head, organization=org.uid, at=clock.now())
        claim = read_head_text(text, "h.json")
        assert (claim.head, claim.token, claim.at) == (head, None, clock.now())
        result = check_claim(session, claim, "h.json")
        assert result.state == "unsigned" and "unsigned" in result.detail
        # A bare claim, as someone might copy it by hand, reads too.
        bare = read_head_text(json.dumps(head.as_claim()), "bare.json")
        assert check_claim(session, bare, "bare.json").state == "unsigned"


def test_a_head_of_another_organization_is_refused(team: Team, db, clock) -> None:
    with db.begin() as session:
        claim = HeadClaim(current_head(session), issuer_id(str(uuid.uuid4())), None)
        with pytest.raises(
            AuditHeadError, match=r"other\.json is the head of another organization"
        ):
            check_claim(session, claim, "other.json")


def test_a_head_file_whose_readable_part_was_edited_is_refused(team: Team, db, clock) -> None:
    key = add_signing_key(db, clock, team.admin)
    with db.begin() as session:
        head = current_head(session)
        document = json.loads(
            head_document(head, organization=_org(session).uid, at=clock.now(), key=key)
        )
    document["auditHead"]["entries"] = head.entries - 1
    with pytest.raises(AuditHeadError, match=r"h\.json was edited"):
        read_head_text(json.dumps(document), "h.json")


def test_the_longest_head_in_a_status_list_counts(team: Team, db, clock) -> None:
    key = add_signing_key(db, clock, team.admin)
    with db.begin() as session:
        head = current_head(session)
        iss = issuer_id(_org(session).uid)
    lines = [
        key.sign({"iss": iss, "iat": 1, "auditHead": AuditHead(1, H2).as_claim()}),
        key.sign({"iss": iss, "iat": 1, "purpose": "no head here"}),
        key.sign({"iss": iss, "iat": 2, "auditHead": head.as_claim()}),
    ]
    claim = read_head_text("\n".join(lines) + "\n", "status.jwt")
    assert claim.head == head
    with db.begin() as session:
        assert check_claim(session, claim, "status.jwt").state == "verified"


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "is empty"),
        ("   \n", "is empty"),
        ("{not json", "is not valid JSON"),
        ('{"auditHead": {"entries": -3, "hash": "x"}}', "is not usable: an audit head's"),
        (json.dumps({"auditHead": {"entries": 1, "hash": H1}, "at": "yesterday"}), "'at' is not"),
        ('{"signed": 5}', "'signed' part is not a token"),
        ("not a token", "is not a signed token"),
        ("a.b.c", "is garbled"),
        ("\x00\x01 binary", "is not a signed token"),
    ],
)
def test_garbled_head_text_is_refused_naming_the_file(text: str, complaint: str) -> None:
    with pytest.raises(AuditHeadError, match=complaint) as info:
        read_head_text(text, "heads/h.json")
    message = str(info.value)
    assert message.startswith("heads/h.json") and "\n" not in message
