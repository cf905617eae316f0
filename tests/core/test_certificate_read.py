"""Reading a certificate PDF back: the attached credential, whether the file is byte for byte as
issued, and what a viewer sees on page 1 of a file that is not."""

from __future__ import annotations

import io

import pypdf
import pytest
from reportlab.pdfgen.canvas import Canvas

from tests.core.certificate_fixtures import (
    BADGE_JWT,
    CODE,
    HOLDER,
    QR_TEXT,
    TITLE,
    content,
    jws_shaped,
)
from trainer.core import pdf_attachment
from trainer.core.certificate_read import (
    MAX_PDF_BYTES,
    CertificateFile,
    CertificateFileError,
    read_certificate,
)
from trainer.core.certificate_render import render_certificate
from trainer.core.page_graph import graph_digest


@pytest.fixture(scope="module")
def rendered() -> bytes:
    """Revision 1, as reportlab wrote it."""
    return render_certificate(content())


@pytest.fixture(scope="module")
def claim(rendered: bytes) -> dict[str, object]:
    """What the credential signs about the file, as issuance.Issuer writes it."""
    return {**pdf_attachment.signed_digest(rendered), "graph": graph_digest(rendered)}


@pytest.fixture(scope="module")
def pdf(rendered: bytes) -> bytes:
    """The certificate as issued: revision 1 plus the revision that attaches the credential."""
    return pdf_attachment.attach(rendered, BADGE_JWT)


def _rewrite(pdf: bytes) -> bytes:
    """The file as another program saves it: same pages, new bytes."""
    out = io.BytesIO()
    pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf))).write(out)
    return out.getvalue()


def _plain_pdf(text: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# --- the attached credential ---------------------------------------------------------------------


def test_an_issued_file_gives_back_its_attached_credential(pdf: bytes) -> None:
    assert pdf_attachment.token_in(pdf) == BADGE_JWT  # read straight from the last revision
    found = read_certificate(pdf, name="cert.pdf")
    assert (found.badge_jwt, found.name, found.data) == (BADGE_JWT, "cert.pdf", pdf)


def test_the_attachment_is_a_standard_embedded_file_other_readers_see(pdf: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.attachments == {"credential.jwt": [BADGE_JWT.encode()]}
    assert len(reader.pages) == 2


def test_not_a_pdf() -> None:
    with pytest.raises(CertificateFileError, match=r"^report\.docx is not a PDF file\.$"):
        read_certificate(b"PK\x03\x04 word document", name="report.docx")


def test_empty_file() -> None:
    with pytest.raises(CertificateFileError, match=r"empty\.pdf is empty"):
        read_certificate(b"", name="empty.pdf")


def test_a_file_far_larger_than_a_certificate_is_refused_unread() -> None:
    data = b"%PDF-1.4\n" + b"0" * MAX_PDF_BYTES + b"\n%%EOF\n"
    with pytest.raises(CertificateFileError, match=r"huge\.pdf is 20 MB, far larger"):
        read_certificate(data, name="huge.pdf")


def test_truncated_pdf(pdf: bytes) -> None:
    with pytest.raises(CertificateFileError, match=r"cert\.pdf could not be read.*truncated"):
        read_certificate(pdf[: len(pdf) // 2], name="cert.pdf")


def test_damaged_pdf_never_leaks_a_parser_exception(pdf: bytes, claim: dict) -> None:
    for start in range(200, len(pdf) - 2000, len(pdf) // 25):
        damaged = pdf[:start] + b"\x00garbage)>>]endobj" * 40 + pdf[start + 720 :]
        try:
            found = read_certificate(damaged, name="cert.pdf")
            assert found.badge_jwt  # damage elsewhere: the credential itself still reads
            assert not found.as_issued(claim)
            found.inspect()
        except CertificateFileError as exc:
            assert "cert.pdf" in str(exc)


def test_pdf_without_the_attachment() -> None:
    with pytest.raises(CertificateFileError) as caught:
        read_certificate(_plain_pdf("A certificate from somewhere else"), name="other.pdf")
    assert str(caught.value).startswith(
        "other.pdf is a PDF but carries no CVI Trainer credential (no credential.jwt attachment)."
    )


def test_attachment_added_by_another_tool_is_read_and_no_qr_is_fine() -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(_plain_pdf("Plain page"))))
    writer.add_attachment("credential.jwt", BADGE_JWT + "\n")
    out = io.BytesIO()
    writer.write(out)
    found = read_certificate(out.getvalue(), name="repacked.pdf")
    assert found.badge_jwt == BADGE_JWT
    seen = found.inspect()
    assert seen.qr_texts == ()
    assert seen.visible_text == "Plain page"


def test_two_different_credentials_in_one_file_are_refused() -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(_plain_pdf("Plain page"))))
    writer.add_attachment("credential.jwt", BADGE_JWT)
    writer.add_attachment("credential.jwt", jws_shaped(1900, "another badge"))
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(CertificateFileError, match=r"two\.pdf carries more than one"):
        read_certificate(out.getvalue(), name="two.pdf")


def test_password_protected_pdf(pdf: bytes) -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    writer.encrypt("secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(CertificateFileError, match=r"locked\.pdf is password-protected"):
        read_certificate(out.getvalue(), name="locked.pdf")


# --- exactly as issued -------------------------------------------------------------------------


def test_an_untouched_issued_file_is_as_issued(pdf: bytes, claim: dict) -> None:
    assert read_certificate(pdf, name="cert.pdf").as_issued(claim)


@pytest.mark.parametrize(
    "wrong",
    [
        None,
        "not a claim",
        {},
        {"sha256": "0" * 64},
        {"length": True},
        {"length": "123"},
    ],
)
def test_a_missing_or_garbled_claim_is_never_as_issued(pdf: bytes, wrong: object) -> None:
    assert not read_certificate(pdf).as_issued(wrong)


def test_the_claim_must_be_the_one_signed_for_this_file(pdf: bytes, claim: dict) -> None:
    found = read_certificate(pdf)
    assert not found.as_issued({**claim, "sha256": "0" * 64})
    assert not found.as_issued({**claim, "length": claim["length"] - 1})
    assert not found.as_issued({**claim, "length": len(pdf)})
    # The same file with another credential attached is not the file that was issued.
    assert not CertificateFile(pdf, jws_shaped(1900, "another badge"), "cert.pdf").as_issued(claim)


def test_one_byte_changed_anywhere_is_not_as_issued(
    rendered: bytes, pdf: bytes, claim: dict
) -> None:
    for at in (len(rendered) // 3, len(rendered) - 10, len(pdf) - 40):
        changed = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]
        try:
            found = read_certificate(changed, name="cert.pdf")
        except CertificateFileError:
            continue
        assert not found.as_issued(claim), at


def test_anything_appended_after_issuing_is_not_as_issued(pdf: bytes, claim: dict) -> None:
    found = read_certificate(pdf + b"% a comment\n%%EOF\n")
    assert found.badge_jwt == BADGE_JWT and not found.as_issued(claim)


# --- re-saved by another program: what a viewer sees -------------------------------------------


def test_a_rewritten_file_is_not_as_issued_but_shows_the_signed_page(
    rendered: bytes, pdf: bytes, claim: dict
) -> None:
    resaved = _rewrite(pdf)
    assert resaved != pdf
    found = read_certificate(resaved, name="resaved.pdf")
    assert found.badge_jwt == BADGE_JWT
    assert not found.as_issued(claim)
    seen = found.inspect()
    assert seen.problems == ()
    assert seen.qr_texts == (QR_TEXT,)
    assert seen.graph_digest == graph_digest(rendered) == claim["graph"]
    for value in (HOLDER, TITLE, CODE, "14 April 2026", "14 April 2028"):
        assert value in seen.visible_text, value
    assert seen.visible_text == " ".join(seen.visible_text.split())  # whitespace-normalised


def test_a_file_rewritten_twice_still_shows_the_signed_page(rendered: bytes, pdf: bytes) -> None:
    seen = read_certificate(_rewrite(_rewrite(pdf))).inspect()
    assert seen.problems == () and seen.qr_texts == (QR_TEXT,)
    assert seen.graph_digest == graph_digest(rendered)


def test_inspecting_a_damaged_page_names_the_file() -> None:
    found = CertificateFile(b"%PDF-1.4\nnot really a pdf\n%%EOF\n", BADGE_JWT, "broken.pdf")
    with pytest.raises(CertificateFileError, match=r"^broken\.pdf could not be read"):
        found.inspect()
