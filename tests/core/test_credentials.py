"""Credentials as a service: eligibility rules, field hours, issuance, status, renewal."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import jwt as pyjwt
import pytest
from jsonschema import Draft201909Validator
from sqlalchemy import func, select

from tests.core.credential_fixtures import ORIENTATION, PASSPHRASE, Org
from tests.core.scenario_fixtures import write_scenarios
from trainer.core import eligibility as rules
from trainer.core.errors import (
    NotFoundError,
    PermissionDeniedError,
    SigningError,
    ValidationError,
)
from trainer.core.models import AuditEntry, Credential, FieldHourEntry, ImmutableRecordError
from trainer.core.open_badges import open_badge_json
from trainer.core.services import (
    credential_register,
    eligibility,
    field_hours,
    issuance,
    library,
    signing_keys,
)
from trainer.core.signing import read_token

DATA = Path(__file__).resolve().parent.parent / "data"


def _check(org: Org, person, program: str = "orientation") -> rules.Checklist:
    with org.db.begin() as session:
        return eligibility.eligibility(
            session, org.team.manager, person.id, program, now=org.clock.now()
        )


def _publish_program(org: Org, key: str, requirements: str) -> None:
    body = (
        f"id: {key}\ntitle: Test program {key}\ntier: endorsement\ndescription: For tests.\n"
        f"requirements:\n{requirements}\ndisclaimer: Issued by the program; not a state certification.\n"
    )
    with org.db.begin() as session:
        doc = library.create_document(
            session, org.team.trainer, "program", key, body, now=org.clock.now()
        )
        library.publish(session, org.team.trainer, doc.id, now=org.clock.now())


def _count(org: Org, model=Credential) -> int:
    with org.db.begin() as session:
        return session.scalar(select(func.count()).select_from(model))


# --- eligibility ------------------------------------------------------------------------------


def test_module_requirement_is_met_only_by_a_passed_knowledge_check(org: Org) -> None:
    trainee = org.team.trainee
    org.study(trainee, *ORIENTATION[:2])
    check = _check(org, trainee)
    assert [i.met for i in check.items] == [True, True, False, False]
    assert not check.eligible and check.summary == "2 of 4 requirements left"
    assert check.items[0].version == 1 and "with 100%" in check.items[0].evidence
    org.study(trainee, ORIENTATION[2])
    assert _check(org, trainee).left[0].kind == "policies"
    org.acknowledge(trainee)
    assert _check(org, trainee).eligible


def _play_shortest(org: Org, person, key: str, mode: str) -> None:
    """Play a scenario to its end always taking the shortest choice (a test-taking trick)."""
    from trainer.core.services import practice

    with org.db.begin() as session:
        play = practice.start(session, person, key, mode, now=org.clock.now())
        while not play.finished:
            index = min(play.offered, key=lambda ic: len(ic[1].text))[0]
            play = practice.choose(session, person, play.attempt_id, index, now=org.clock.now())


def test_scenario_requirement_needs_an_assessment_at_the_minimum_score_without_critical_error(
    org: Org, tmp_path
) -> None:
    with org.db.begin() as session:
        library.import_bundled(session, write_scenarios(tmp_path / "b"), now=org.clock.now())
    with pytest.raises(ValidationError, match="passed by 'always the longest'"):
        # A scenario a simple strategy passes cannot be required in assessment mode.
        _publish_program(org, "corner", "  scenarios:\n    - {id: t-corner, min_score: 80}")
    _publish_program(org, "chain", "  scenarios:\n    - {id: s03-stolen-chain, min_score: 80}")
    trainee = org.team.trainee
    from trainer.core.services import practice

    _play_shortest(org, trainee, "s03-stolen-chain", practice.PRACTICE)  # practice never counts
    assert not _check(org, trainee, "chain").eligible
    _play_shortest(org, trainee, "s03-stolen-chain", practice.ASSESSMENT)
    item = _check(org, trainee, "chain").items[0]
    assert not item.met and "No assessment passed at 80%" in item.evidence
    org.clock.advance(days=1)  # the wait after a failed assessment
    org.assess(trainee, "s03-stolen-chain")
    item = _check(org, trainee, "chain").items[0]
    assert item.met and "in assessment mode on" in item.evidence
    assert "with 100%, no critical-safety error" in item.evidence


def test_field_hours_count_only_signed_off_entries_of_the_named_activity(org: Org) -> None:
    _publish_program(
        org,
        "hours",
        "  field_hours:\n    - {activity: mediation, hours: 5}\n    - {activity: any, hours: 8}",
    )
    trainee = org.team.trainee
    org.hours(trainee, 4, "mediation")
    org.hours(trainee, 3, "mediation", sign=False)  # pending: does not count
    org.hours(trainee, 3, "outreach")
    mediation, total = _check(org, trainee, "hours").items
    assert not mediation.met and mediation.evidence.startswith("4 of 5 h")
    assert not total.met and total.evidence.startswith("7 of 8 h")
    assert "signed off by Tina Person" in total.evidence
    org.hours(trainee, 1, "mediation")
    assert _check(org, trainee, "hours").eligible


def test_a_prerequisite_credential_must_be_current(org: Org) -> None:
    _publish_program(
        org, "next", "  credentials: [orientation]\n  modules: [core-03-trauma-informed-care]"
    )
    trainee = org.team.trainee
    issued = org.oriented(trainee)
    org.study(trainee, "core-03-trauma-informed-care")
    assert _check(org, trainee, "next").eligible
    with org.db.begin() as session:
        credential_register.change_status(
            session,
            org.team.manager,
            issued.id,
            "suspend",
            "Protocol review pending",
            now=org.clock.now(),
        )
    item = _check(org, trainee, "next").items[-1]
    assert not item.met and "not current" in item.evidence


def test_a_trainee_sees_what_is_left_for_every_program(org: Org) -> None:
    org.study(org.team.trainee, ORIENTATION[0])
    with org.db.begin() as session:
        progress = {
            c.program_key: c
            for c in eligibility.my_progress(session, org.team.trainee, now=org.clock.now())
        }
    assert {"orientation", "foundations", "endorsement-hospital-responder"} <= set(progress)
    assert [i.met for i in progress["orientation"].items] == [True, False, False, False]


def test_a_trainee_cannot_read_someone_elses_checklist(org: Org) -> None:
    with org.db.begin() as session, pytest.raises(PermissionDeniedError):
        eligibility.eligibility(
            session, org.team.trainee, org.team.other_trainee.id, "orientation", now=org.clock.now()
        )


# --- field hours ------------------------------------------------------------------------------


def test_nobody_signs_off_their_own_field_hours(org: Org) -> None:
    trainer = org.team.trainer
    with org.db.begin() as session:
        entry = field_hours.log_hours(
            session,
            trainer,
            field_hours.NewHours(org.clock.now().date(), 2, "shadowing"),
            now=org.clock.now(),
        )
        entry_id = entry.id
    with org.db.begin() as session, pytest.raises(PermissionDeniedError, match="your own"):
        field_hours.review(
            session, trainer, entry_id, approve=True, comment="", now=org.clock.now()
        )


def test_only_trainers_sign_off_hours_and_a_rejection_needs_a_reason(org: Org) -> None:
    entry_id = org.hours(org.team.trainee, 2, "outreach", sign=False)
    for who in (org.team.manager, org.team.other_trainee, org.team.admin):
        with org.db.begin() as session, pytest.raises(PermissionDeniedError):
            field_hours.review(
                session, who, entry_id, approve=True, comment="", now=org.clock.now()
            )
    with org.db.begin() as session, pytest.raises(ValidationError, match="say why"):
        field_hours.review(
            session, org.team.trainer, entry_id, approve=False, comment=" ", now=org.clock.now()
        )
    with org.db.begin() as session:
        field_hours.review(
            session,
            org.team.trainer,
            entry_id,
            approve=False,
            comment="Date looks wrong",
            now=org.clock.now(),
        )
        rows = field_hours.entries_for(session, org.team.trainee, org.team.trainee.id)
    assert rows[0].status_label == "Rejected" and rows[0].review_comment == "Date looks wrong"


def test_signed_entries_never_change_and_a_correction_is_a_new_entry(org: Org) -> None:
    entry_id = org.hours(org.team.trainee, 2, "outreach")
    with org.db.begin() as session, pytest.raises(ImmutableRecordError):
        session.get(FieldHourEntry, entry_id).minutes = 600
        session.flush()
    with org.db.begin() as session, pytest.raises(ValidationError, match="already signed"):
        field_hours.review(
            session, org.team.trainer, entry_id, approve=False, comment="x", now=org.clock.now()
        )
    with org.db.begin() as session:
        fix = field_hours.log_hours(
            session,
            org.team.trainee,
            field_hours.NewHours(
                org.clock.now().date(), 2.5, "outreach", "corrected", corrects_id=entry_id
            ),
            now=org.clock.now(),
        )
        assert fix.corrects_id == entry_id and fix.status == "pending"
        actions = list(session.scalars(select(AuditEntry.action)))
    assert actions.count("hours.logged") == 2 and "hours.signed" in actions


@pytest.mark.parametrize(
    ("hours", "activity", "days", "field"),
    [
        (0, "outreach", 0, "hours"),
        (30, "outreach", 0, "hours"),
        (2, "juggling", 0, "activity"),
        (2, "outreach", -1, "date"),
    ],
)
def test_bad_field_hours_name_the_field(org: Org, hours, activity, days, field) -> None:
    with org.db.begin() as session, pytest.raises(ValidationError) as caught:
        field_hours.log_hours(
            session,
            org.team.trainee,
            field_hours.NewHours(org.clock.now().date() - timedelta(days=days), hours, activity),
            now=org.clock.now(),
        )
    assert caught.value.field == field


# --- issuance ---------------------------------------------------------------------------------


def test_only_managers_issue(org: Org) -> None:
    org.ready(org.team.trainee)
    for who in (org.team.trainee, org.team.trainer, org.team.admin):
        with org.db.begin() as session, pytest.raises(PermissionDeniedError, match="manager"):
            signing_keys.unlock(session, who, PASSPHRASE)
        with org.db.begin() as session, pytest.raises(PermissionDeniedError):
            issuance.issue(
                session, who, org.unlock(), org.team.trainee.id, "orientation", now=org.clock.now()
            )
    assert _count(org) == 0


def test_an_ineligible_person_is_refused_with_what_is_missing(org: Org) -> None:
    org.study(org.team.trainee, ORIENTATION[0])
    with pytest.raises(ValidationError, match=r"not eligible.*Field safety"):
        org.issue(org.team.trainee)
    assert _count(org) == 0


def test_a_wrong_passphrase_issues_nothing(org: Org) -> None:
    org.ready(org.team.trainee)
    with org.db.begin() as session, pytest.raises(SigningError, match="passphrase is not right"):
        signing_keys.unlock(session, org.team.manager, "not the passphrase")
    assert _count(org) == 0


def test_an_issued_credential_is_an_open_badge_that_another_jose_library_verifies(org: Org) -> None:
    issued = org.oriented(org.team.trainee)
    with org.db.begin() as session:
        row = session.get(Credential, issued.id)
        jwks = signing_keys.jwks(session, row.organization_id)
    assert len(issued.code) == 14 and issued.code[4] == "-"
    header = read_token(row.badge_jwt).header
    assert header["alg"] == "ES256" and header["typ"] == "JWT"
    public = pyjwt.PyJWK(jwks["keys"][0]).key
    claims = pyjwt.decode(
        row.badge_jwt, public, algorithms=["ES256"], options={"verify_aud": False}
    )
    assert claims["jti"] == claims["id"] == f"urn:uuid:{issued.uuid}"
    assert (
        claims["iss"] == claims["issuer"]["id"]
        and claims["sub"] == claims["credentialSubject"]["id"]
    )
    assert claims["credentialSubject"]["identifier"][0]["identityHash"] == "Tom Person"
    schema = json.loads((DATA / "ob3" / "ob_v3p0_achievementcredential.schema.json").read_text())
    errors = list(Draft201909Validator(schema).iter_errors(open_badge_json(row.badge_jwt)))
    assert errors == []


def test_an_edited_signature_fails_in_the_other_library_too(org: Org) -> None:
    issued = org.oriented(org.team.trainee)
    with org.db.begin() as session:
        row = session.get(Credential, issued.id)
        jwks = signing_keys.jwks(session, row.organization_id)
    head, body, sig = row.badge_jwt.split(".")
    forged = f"{head}.{body[:-4]}AAAA.{sig}"
    with pytest.raises(pyjwt.InvalidTokenError):
        pyjwt.decode(forged, pyjwt.PyJWK(jwks["keys"][0]).key, algorithms=["ES256"])


def test_issuing_is_audited_and_the_credential_cannot_be_edited(org: Org) -> None:
    issued = org.oriented(org.team.trainee)
    with org.db.begin() as session:
        assert "credential.issued" in list(session.scalars(select(AuditEntry.action)))
    with org.db.begin() as session, pytest.raises(ImmutableRecordError):
        session.get(Credential, issued.id).holder_name = "Someone Else"
        session.flush()


def test_a_batch_stopped_halfway_leaves_issued_credentials_whole_and_the_rest_unissued(
    org: Org,
) -> None:
    from tests.conftest import make_person
    from trainer.core.models import Role

    people = [
        make_person(org.db, org.clock, org.team.admin, f"p{i}", Role.TRAINEE) for i in range(5)
    ]
    for person in people:
        org.ready(person)
    key = org.unlock()
    seen = []

    def progress(done: int, total: int, name: str) -> bool:
        seen.append((done, total))
        return done < 2

    result = issuance.issue_batch(
        org.db.begin,
        org.team.manager,
        key,
        [p.id for p in people],
        "orientation",
        now=org.clock.now(),
        progress=progress,
    )
    assert result.cancelled and len(result.issued) == 2 and seen == [(1, 5), (2, 5)]
    with org.db.begin() as session:
        rows = list(session.scalars(select(Credential)))
    assert len(rows) == 2 and all(r.pdf.startswith(b"%PDF") and r.badge_jwt for r in rows)


def test_a_batch_reports_who_was_not_eligible(org: Org) -> None:
    org.ready(org.team.trainee)
    result = issuance.issue_batch(
        org.db.begin,
        org.team.manager,
        org.unlock(),
        [org.team.trainee.id, org.team.other_trainee.id],
        "orientation",
        now=org.clock.now(),
    )
    assert [i.holder_name for i in result.issued] == ["Tom Person"]
    assert len(result.refused) == 1 and "Tess Person is not eligible" in result.refused[0][1]


# --- status, expiry, renewal ------------------------------------------------------------------


def test_revocation_needs_a_reason_is_final_and_deletes_nothing(org: Org) -> None:
    issued = org.oriented(org.team.trainee)
    manager = org.team.manager
    with org.db.begin() as session, pytest.raises(ValidationError, match="Reason"):
        credential_register.change_status(
            session, manager, issued.id, "revoke", " ", now=org.clock.now()
        )
    with org.db.begin() as session, pytest.raises(PermissionDeniedError):
        credential_register.change_status(
            session, org.team.trainer, issued.id, "revoke", "Misconduct", now=org.clock.now()
        )
    with org.db.begin() as session:
        held = credential_register.change_status(
            session, manager, issued.id, "revoke", "Left the program", now=org.clock.now()
        )
    assert held.state_label(org.clock.now()) == "Revoked on 2 Mar 2026: Left the program"
    with org.db.begin() as session, pytest.raises(ValidationError, match="already revoked"):
        credential_register.change_status(
            session, manager, issued.id, "reinstate", "Oops, undo", now=org.clock.now()
        )
    assert _count(org) == 1


def test_suspension_can_be_lifted(org: Org) -> None:
    issued = org.oriented(org.team.trainee)
    with org.db.begin() as session:
        credential_register.change_status(
            session, org.team.manager, issued.id, "suspend", "Under review", now=org.clock.now()
        )
        held = credential_register.change_status(
            session, org.team.manager, issued.id, "reinstate", "Review closed", now=org.clock.now()
        )
    assert held.state(org.clock.now()) == "valid"
    with org.db.begin() as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["credential.suspended", "credential.reinstated"]


def _foundations(org: Org, person) -> issuance.Issued:
    org.oriented(person)
    org.study(
        person,
        *[
            m
            for m in (
                "core-03-trauma-informed-care",
                "core-04-de-escalation",
                "core-05-conflict-mediation",
                "core-07-documentation",
                "core-08-wellbeing",
            )
        ],
    )
    org.assess(
        person,
        "s01-ed-waiting-room",
        "s03-stolen-chain",
        "s06-officer-asks-for-names",
        "s08-third-shooting-this-week",
    )
    org.train(person, 28)  # with 7.25 h of module credit: 35.25 h, 28 of them in person
    return org.issue(person, "foundations")


def test_expiry_warnings_start_sixty_days_before_for_holder_and_managers(org: Org) -> None:
    trainee = org.team.trainee
    issued = _foundations(org, trainee)

    def warned(who) -> list[int]:
        with org.db.begin() as session:
            return [
                h.id for h in credential_register.expiry_warnings(session, who, now=org.clock.now())
            ]

    assert warned(trainee) == []
    org.later(24 * 30 - 70)
    assert warned(trainee) == [] and warned(org.team.manager) == []
    org.later(25)  # 24 months from 2 Mar 2026 is 731 days: 56 days left now
    assert warned(trainee) == [issued.id] and warned(org.team.manager) == [issued.id]
    assert warned(org.team.other_trainee) == []


def test_renewal_issues_a_new_linked_credential_and_the_old_one_shows_as_expired(org: Org) -> None:
    trainee = org.team.trainee
    old = _foundations(org, trainee)
    org.later(800)
    with org.db.begin() as session:
        check = eligibility.renewal_eligibility(
            session, org.team.manager, old.id, now=org.clock.now()
        )
    assert not check.eligible and {i.kind for i in check.left} == {"module", "scenario", "hours"}
    org.study(trainee, "core-06-field-safety", "core-08-wellbeing")
    org.assess(trainee, "s07-participant-carrying")
    org.hours(trainee, 3, "continuing-education")
    org.later(1)
    org.train(trainee, 3, "live-online")  # a live session since issue counts as CE too
    with org.db.begin() as session:
        new = issuance.renew(session, org.team.manager, org.unlock(), old.id, now=org.clock.now())
        held = {
            h.id: h
            for h in credential_register.list_credentials(session, trainee, person_id=trainee.id)
        }
    assert held[new.id].renews_id == old.id and held[new.id].state(org.clock.now()) == "valid"
    assert held[old.id].state_label(org.clock.now()).startswith("Expired on")
    assert held[old.id].state_label(org.clock.now()).endswith("(renewed)")
    with org.db.begin() as session, pytest.raises(ValidationError, match="already renewed"):
        issuance.renew(session, org.team.manager, org.unlock(), old.id, now=org.clock.now())


def test_the_holder_gets_their_pdf_and_badge_but_not_someone_elses(org: Org) -> None:
    issued = org.oriented(org.team.trainee)
    with org.db.begin() as session:
        assert credential_register.certificate_pdf(session, org.team.trainee, issued.id).startswith(
            b"%PDF"
        )
        assert (
            credential_register.open_badge_jwt(session, org.team.trainee, issued.id).count(".") == 2
        )
        with pytest.raises(PermissionDeniedError):
            credential_register.certificate_pdf(session, org.team.other_trainee, issued.id)
        with pytest.raises(NotFoundError):
            credential_register.find_credential(session, org.team.manager, "no-such-code")
        assert (
            credential_register.find_credential(session, org.team.trainee, issued.code.lower())
            == issued.id
        )
