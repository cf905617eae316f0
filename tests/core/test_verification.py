"""Verification: every verdict from a real case, trust between two organizations, key rotation."""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta

import pytest
import zxingcpp
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from tests.conftest import FakeClock, Team
from tests.core.credential_fixtures import PASSPHRASE, Org
from trainer.core.db import open_database
from trainer.core.errors import (
    CredentialFormatError,
    PermissionDeniedError,
    SigningError,
    ValidationError,
)
from trainer.core.models import Credential
from trainer.core.open_badges import BadgeFacts, badge_claims
from trainer.core.paths import AppPaths
from trainer.core.qr_image import qr_image
from trainer.core.services import credential_register, signing_keys, trust, verification
from trainer.core.verify import (
    EXPIRED,
    NOT_VERIFIED,
    NOT_YET_VALID,
    PAGE_CHANGED,
    REVOKED,
    SUSPENDED,
    UNKNOWN_ISSUER,
    VERIFIED,
)


def _pdf(org: Org, issued) -> bytes:
    with org.db.begin() as session:
        return credential_register.certificate_pdf(session, org.team.manager, issued.id)


def _verify(org: Org, data: bytes, now=None):
    with org.db.begin() as session:
        org_id = org.team.manager.organization_id
        return verification.verify_file(
            session, org_id, data, "cert.pdf", now=now or org.clock.now()
        )


def _replace_attachment(pdf: bytes, token: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    names = writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"]
    spec = names[1].get_object()
    stream = spec["/EF"]["/F"].get_object()
    stream.set_data(token.encode())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _big(image):
    from PIL import Image

    return image.resize((image.width * 6, image.height * 6), Image.Resampling.NEAREST)


def _with_payload(token: str, change) -> str:
    head, body, sig = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    change(payload)
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return f"{head}.{base64.urlsafe_b64encode(raw).decode().rstrip('=')}.{sig}"


def test_a_genuine_certificate_is_verified_with_its_signed_details(org: Org) -> None:
    issued = org.oriented(org.team.trainee)
    report = _verify(org, _pdf(org, issued))
    assert report.verdict == VERIFIED and report.headline == "Verified" and report.exit_code == 0
    assert [s.name for s in report.steps] == [
        "Format",
        "Signature",
        "Issuer",
        "Printed page",
        "Status",
        "Validity",
    ]
    assert all(s.outcome == "passed" for s in report.steps)
    assert report.signed and report.status_checked
    assert report.claims.holder_name == "Tom Person" and report.claims.code == issued.code


def test_a_tampered_holder_name_in_the_signed_credential_is_not_verified(org: Org) -> None:
    issued = org.oriented(org.team.trainee)
    with org.db.begin() as session:
        token = session.get(Credential, issued.id).badge_jwt

    def rename(payload) -> None:
        payload["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"

    report = _verify(org, _replace_attachment(_pdf(org, issued), _with_payload(token, rename)))
    assert report.verdict == NOT_VERIFIED and report.exit_code == 1
    assert "altered after signing" in report.headline
    assert not report.signed


def test_a_printed_name_changed_on_the_page_is_not_verified(org: Org) -> None:
    issued = org.oriented(org.team.trainee)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf(org, issued))))
    contents = writer.pages[0].get_contents()
    data = contents.get_data()
    assert b"(Tom Person)" in data
    contents.set_data(data.replace(b"(Tom Person)", b"(Tim Parson)"))
    writer.pages[0].replace_contents(contents)
    out = io.BytesIO()
    writer.write(out)
    report = _verify(org, out.getvalue())
    assert report.verdict == NOT_VERIFIED and report.headline == PAGE_CHANGED
    assert report.steps[-1].name == "Printed page" and report.steps[-1].outcome == "failed"
    assert "holder name" in report.steps[-1].detail


def test_a_qr_swapped_from_another_certificate_is_not_verified(org: Org) -> None:
    mine = org.oriented(org.team.trainee)
    other = org.oriented(org.team.other_trainee)
    with org.db.begin() as session:
        other_qr = session.get(Credential, other.id).qr_token
    pdf = _pdf(org, mine)
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    image = next(iter(writer.pages[0].images))
    image.replace(qr_image(other_qr), resolution=72)
    out = io.BytesIO()
    writer.write(out)
    report = _verify(org, out.getvalue())
    assert report.verdict == NOT_VERIFIED and report.headline == PAGE_CHANGED
    qr_step = next(s for s in report.steps if s.name == "QR code")
    assert qr_step.outcome == "failed"
    assert "belongs to a different certificate" in qr_step.detail


def test_revoked_suspended_expired_and_not_yet_valid(org: Org) -> None:
    issued = org.oriented(org.team.trainee)
    pdf = _pdf(org, issued)
    report = _verify(org, pdf, now=org.clock.now() - timedelta(days=1))
    assert report.verdict == NOT_YET_VALID and report.headline.startswith("Not yet valid")
    with org.db.begin() as session:
        credential_register.change_status(
            session, org.team.manager, issued.id, "suspend", "Under review", now=org.clock.now()
        )
    assert _verify(org, pdf).headline == "Suspended on 2 Mar 2026: Under review"
    assert _verify(org, pdf).verdict == SUSPENDED
    with org.db.begin() as session:
        credential_register.change_status(
            session, org.team.manager, issued.id, "revoke", "Left the program", now=org.clock.now()
        )
    report = _verify(org, pdf)
    assert (
        report.verdict == REVOKED and report.headline == "Revoked on 2 Mar 2026: Left the program"
    )


def test_an_expired_certificate_says_when(org: Org) -> None:
    from tests.core.test_credentials import _foundations

    issued = _foundations(org, org.team.trainee)
    report = _verify(org, _pdf(org, issued), now=org.clock.now() + timedelta(days=800))
    assert report.verdict == EXPIRED and report.headline == "Expired on 2 Mar 2028."


def test_verification_by_code_and_bad_codes(org: Org) -> None:
    issued = org.oriented(org.team.trainee)
    with org.db.begin() as session:
        org_id = org.team.manager.organization_id
        report = verification.verify_text(
            session, org_id, issued.code.lower().replace("-", " "), now=org.clock.now()
        )
        assert report.verdict == VERIFIED and report.claims.holder_name == "Tom Person"
        missing = verification.verify_text(session, org_id, "AAAA-BBBB-CCCC", now=org.clock.now())
        assert missing.verdict == NOT_VERIFIED and "no certificate with code" in missing.headline
        with pytest.raises(CredentialFormatError, match="verification code"):
            verification.verify_text(session, org_id, "K7QX-2M9", now=org.clock.now())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 a word file", "not a certificate"),
        (b"%PDF-1.4\n%truncated", "damaged or incomplete"),
        (b"", "not a certificate"),
        (b'{"hello": 1}', "readable JSON copy"),
    ],
)
def test_unreadable_input_gets_a_clear_message(org: Org, data: bytes, message: str) -> None:
    with pytest.raises(CredentialFormatError, match=message):
        _verify(org, data)


def test_a_pdf_without_a_credential_and_a_qr_that_is_not_ours(org: Org) -> None:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Certificate of attendance")
    page.save()
    with pytest.raises(CredentialFormatError, match="no CVI Trainer credential"):
        _verify(org, buffer.getvalue())
    png = io.BytesIO()
    _big(qr_image("https://example.org/hello")).save(png, format="PNG")
    with pytest.raises(CredentialFormatError, match="not a CVI Trainer credential"):
        _verify(org, png.getvalue())


def test_a_scanned_qr_image_verifies_on_its_own(org: Org) -> None:
    issued = org.oriented(org.team.trainee)
    with org.db.begin() as session:
        token = session.get(Credential, issued.id).qr_token
    png = io.BytesIO()
    _big(qr_image(token)).save(png, format="PNG")
    report = _verify(org, png.getvalue())
    assert report.verdict == VERIFIED and report.claims.holder_name == "Tom Person"


# --- keys -------------------------------------------------------------------------------------


def test_after_rotation_old_certificates_verify_and_the_retired_key_cannot_sign_new_ones(
    org: Org,
) -> None:
    before = org.oriented(org.team.trainee)
    old_key = org.unlock()
    org.clock.advance(days=1)
    with org.db.begin() as session, pytest.raises(SigningError, match="passphrase is not right"):
        signing_keys.rotate_key(
            session, org.team.manager, "not the passphrase", "another", now=org.clock.now()
        )
    with org.db.begin() as session:
        signing_keys.rotate_key(
            session, org.team.manager, PASSPHRASE, "a brand new passphrase", now=org.clock.now()
        )
    assert _verify(org, _pdf(org, before)).verdict == VERIFIED
    with org.db.begin() as session, pytest.raises(SigningError, match="passphrase is not right"):
        signing_keys.unlock(session, org.team.manager, PASSPHRASE)
    # A forger holding the retired key signs a credential dated after its retirement.
    with org.db.begin() as session:
        from trainer.core.models import Organization

        uid = session.get(Organization, org.team.manager.organization_id).uid
    facts = BadgeFacts(
        credential_uuid="6f1c7a4e-0000-4000-8000-000000000001",
        org_uid=uid,
        org_name="Eastside Peace Project",
        org_contact=None,
        holder_id=99,
        holder_name="Forged Person",
        program_key="orientation",
        program_version=1,
        title="Forged",
        tier="Orientation",
        description="x",
        criteria="x",
        issued_at=org.clock.advance(days=1),
        valid_until=None,
        status_index=7,
        code="AAAA-BBBB-CCCC",
    )
    token = old_key.sign(badge_claims(facts))
    with org.db.begin() as session:
        report = verification.verify_text(
            session, org.team.manager.organization_id, token, now=org.clock.now()
        )
    assert report.verdict == NOT_VERIFIED and "outside its period of use" in report.headline


def _verify_qr(org: Org, issued):
    with org.db.begin() as session:
        text = session.get(Credential, issued.id).qr_token
        return verification.verify_text(
            session, org.team.manager.organization_id, text, now=org.clock.now()
        )


def test_qr_codes_issued_on_the_day_keys_change_verify(org: Org) -> None:
    """A QR code carries only the issue date, so a key in use for any part of that day counts:
    the day the first key was created and the day it was rotated."""
    first = org.oriented(org.team.trainee)  # minutes after the first key was created
    org.clock.advance(hours=2)
    with org.db.begin() as session:
        signing_keys.rotate_key(
            session, org.team.manager, PASSPHRASE, PASSPHRASE, now=org.clock.now()
        )
    second = org.oriented(org.team.other_trainee)  # the new key, later that day
    for issued in (first, second):
        report = _verify_qr(org, issued)
        assert report.verdict == VERIFIED, report.steps
        assert report.steps[0].detail == "QR code carrying a signed credential"


# --- two organizations ------------------------------------------------------------------------


def _card(org: Org) -> str:
    """The organization's issuer card, signed with its active key."""
    with org.db.begin() as session:
        key = signing_keys.unlock_for_card(session, org.team.manager, PASSPHRASE)
        card = signing_keys.issuer_card(session, org.team.manager.organization_id, key)
    return json.dumps(card.to_json())


def test_another_organization_trusts_our_card_then_sees_our_revocation(org: Org, tmp_path) -> None:
    issued = org.oriented(org.team.trainee)
    pdf = _pdf(org, issued)
    other_db = open_database(AppPaths(tmp_path / "other"))
    try:
        b = Org(other_db, FakeClock(org.clock.now()), Team(other_db, FakeClock(org.clock.now())))

        def verify_at_b():
            with other_db.begin() as session:
                return verification.verify_file(
                    session, b.team.manager.organization_id, pdf, "cert.pdf", now=org.clock.now()
                )

        report = verify_at_b()
        assert report.verdict == UNKNOWN_ISSUER and report.headline.startswith("Unknown issuer")
        card = _card(org)
        with other_db.begin() as session, pytest.raises(PermissionDeniedError):
            trust.import_file(session, b.team.trainee, card, now=org.clock.now(), confirmed=True)
        with other_db.begin() as session, pytest.raises(ValidationError, match="Confirm"):
            trust.import_file(session, b.team.manager, card, now=org.clock.now())
        with other_db.begin() as session:
            imported = trust.import_file(
                session, b.team.manager, card, now=org.clock.now(), confirmed=True
            )
        assert imported[0].kind == "issuer card"
        report = verify_at_b()
        assert report.verdict == VERIFIED and report.signed and not report.status_checked
        assert report.headline.startswith("Verified, but revocation could not be checked: ")
        assert next(s for s in report.steps if s.name == "Status").outcome == "not checked"
        key = org.unlock()  # its own transaction: not inside the one that writes below
        with org.db.begin() as session:
            credential_register.change_status(
                session,
                org.team.manager,
                issued.id,
                "revoke",
                "Credential issued in error",
                now=org.clock.now(),
            )
            lists = trust.export_status_lists(session, org.team.manager, key, now=org.clock.now())
        tampered = lists.replace(lists.split(".")[1][:10], "A" * 10, 1)
        with other_db.begin() as session, pytest.raises(CredentialFormatError):
            trust.import_file(session, b.team.manager, tampered, now=org.clock.now())
        with other_db.begin() as session:
            trust.import_file(session, b.team.manager, lists, now=org.clock.now())
        report = verify_at_b()
        assert report.verdict == REVOKED and report.status_checked
        assert report.headline == "Revoked on 2 Mar 2026: Credential issued in error"
        card_b = _card(b)
        with other_db.begin() as session, pytest.raises(ValidationError, match="your own"):
            trust.import_file(session, b.team.manager, card_b, now=org.clock.now(), confirmed=True)
    finally:
        other_db.dispose()


def test_a_status_list_from_an_untrusted_issuer_is_refused(org: Org, tmp_path) -> None:
    with org.db.begin() as session:
        lists = trust.export_status_lists(
            session, org.team.manager, org.unlock(), now=org.clock.now()
        )
    other_db = open_database(AppPaths(tmp_path / "other"))
    try:
        b = Org(other_db, FakeClock(org.clock.now()), Team(other_db, FakeClock(org.clock.now())))
        with other_db.begin() as session, pytest.raises(ValidationError, match="issuer card first"):
            trust.import_file(session, b.team.manager, lists, now=org.clock.now())
    finally:
        other_db.dispose()


def test_the_qr_on_the_rendered_page_decodes_to_the_signed_token(org: Org) -> None:
    import pypdfium2

    issued = org.oriented(org.team.trainee)
    document = pypdfium2.PdfDocument(_pdf(org, issued))
    image = document[0].render(scale=200 / 72).to_pil()
    found = [r.text for r in zxingcpp.read_barcodes(image)]
    with org.db.begin() as session:
        assert found == [session.scalars(select(Credential.qr_token)).one()]


def _rewrite_page(pdf: bytes, change) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    contents = writer.pages[0].get_contents()
    contents.set_data(change(contents.get_data()))
    writer.pages[0].replace_contents(contents)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_page_exactly_as_issued_is_confirmed_by_its_signed_digest(org: Org) -> None:
    report = _verify(org, _pdf(org, org.oriented(org.team.trainee)))
    printed = next(s for s in report.steps if s.name == "Printed page")
    assert printed.detail == "The file is exactly as issued: every byte is signed"


def test_a_page_re_saved_by_another_program_is_checked_by_what_it_shows(org: Org) -> None:
    issued = org.oriented(org.team.trainee)
    resaved = _rewrite_page(_pdf(org, issued), lambda data: data.replace(b"\n", b"\n\n"))
    report = _verify(org, resaved)
    assert report.verdict == VERIFIED and report.headline == "Verified"
    assert [s.name for s in report.steps] == [
        "Format",
        "Signature",
        "Issuer",
        "QR code",
        "Printed page",
        "Status",
        "Validity",
    ]
    assert all(s.outcome == "passed" for s in report.steps)
    printed = next(s for s in report.steps if s.name == "Printed page")
    assert printed.detail.startswith("Re-saved by another program")


def test_an_altered_printed_date_is_not_verified(org: Org) -> None:
    issued = org.oriented(org.team.trainee)
    report = _verify(
        org,
        _rewrite_page(_pdf(org, issued), lambda d: d.replace(b"(2 March 2026)", b"(2 March 2025)")),
    )
    assert report.verdict == NOT_VERIFIED and report.headline == PAGE_CHANGED
    assert "issue date" in next(s.detail for s in report.steps if s.name == "Printed page")


def test_issue_verify_and_revoke_work_the_same_on_every_database(db, clock, team) -> None:
    """Runs on SQLite and on PostgreSQL (the `db` fixture's second parameter)."""
    org = Org(db, clock, team)
    issued = org.oriented(team.trainee)
    assert _verify(org, _pdf(org, issued)).verdict == VERIFIED
    with db.begin() as session:
        credential_register.change_status(
            session, team.manager, issued.id, "revoke", "Issued in error", now=clock.now()
        )
    assert _verify(org, _pdf(org, issued)).verdict == REVOKED
