"""The certificate PDF: what is rendered can be read back, by the verifier and by a person."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
from datetime import date

import pypdf
import pypdfium2
import pytest
import zxingcpp
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from trainer.core.certificate_pdf import (
    CertificateContent,
    CertificateFileError,
    read_certificate,
    render_certificate,
)
from trainer.core.errors import ValidationError

LONG_NAME = "Alexandria Guadalupe Montserrat Villanueva-Castellanos Ortiz"
assert len(LONG_NAME) == 60


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _jws(payload_bytes: int, seed: str) -> str:
    """A compact-JWS-shaped string (header.payload.signature, base64url) of realistic length."""
    header = _b64(json.dumps({"alg": "EdDSA", "kid": "org-2026-01", "typ": "cvi-qr+jws"}).encode())
    stream = b"".join(
        hashlib.sha256(f"{seed}{i}".encode()).digest() for i in range(payload_bytes // 32 + 3)
    )
    return f"{header}.{_b64(stream[:payload_bytes])}.{_b64(stream[-64:])}"


QR_TOKEN = _jws(300, "qr")  # ~500 characters, like the real QR token
BADGE_JWT = _jws(1900, "badge")  # ~2.6k characters, like the Open Badges VC-JWT


def _png_logo() -> bytes:
    image = Image.new("RGBA", (480, 160), (0, 0, 0, 0))
    image.paste((29, 78, 107, 255), (0, 0, 160, 160))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _content(**changes: object) -> CertificateContent:
    content = CertificateContent(
        organization_name="Eastside Peacekeepers Collective",
        organization_logo=_png_logo(),
        holder_name="Maria Esperanza Delgado-Whitfield",
        title="CVI Practitioner: Foundations",
        tier="Foundations",
        description=(
            "The Foundations credential recognises a community violence intervention worker who "
            "has completed the core curriculum, shown sound judgement in assessed scenarios, and "
            "logged supervised field hours."
        ),
        modules=tuple(
            (
                f"Module {i}: conflict mediation and de-escalation",
                f"version 3 · passed {i} Mar 2026 · 90%",
            )
            for i in range(1, 9)
        ),
        scenarios=tuple(
            (f"Scenario {i}: retaliation talk at a vigil", f"assessment · 85% · {i} Apr 2026")
            for i in range(1, 5)
        ),
        field_hours=(
            ("Street outreach shifts", 24.0, "Dana Ruiz"),
            ("Hospital bedside response", 8.5, "Marcus Bell"),
        ),
        issued_on=date(2026, 4, 14),
        expires_on=date(2028, 4, 14),
        credential_id="3f2b8c1e-9a47-4d2e-b6f0-7c5a1e9d0b34",
        verification_code="K7QX-2M9P-HT4R",
        issuer_name="Dana Ruiz",
        issuer_title="Director of Training",
        disclaimer=(
            "This certificate records training completed in CVI Trainer. It is not a professional "
            "licence."
        ),
        qr_token=QR_TOKEN,
        badge_jwt=BADGE_JWT,
    )
    return dataclasses.replace(content, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_certificate(_content())


def test_tokens_are_realistic_sizes() -> None:
    assert 450 <= len(QR_TOKEN) <= 600
    assert 2000 <= len(BADGE_JWT) <= 3000


def test_render_then_read_gives_back_the_attachment_and_the_qr_token(pdf: bytes) -> None:
    found = read_certificate(pdf, name="cert.pdf")
    assert found.badge_jwt == BADGE_JWT
    assert found.qr_tokens == (QR_TOKEN,)


def test_page_one_text_carries_the_printed_details(pdf: bytes) -> None:
    text = read_certificate(pdf).text
    for value in (
        "Eastside Peacekeepers Collective",
        "Maria Esperanza Delgado-Whitfield",
        "CVI Practitioner: Foundations",
        "3f2b8c1e-9a47-4d2e-b6f0-7c5a1e9d0b34",
        "K7QX-2M9P-HT4R",
        "14 April 2026",
        "14 April 2028",
        "Dana Ruiz",
        "Director of Training",
        "Scan or open this PDF in CVI Trainer › Verify to check it",
    ):
        assert value in text, value
    assert text == " ".join(text.split())  # whitespace-normalised


def test_certificate_page_is_landscape_letter_then_a_portrait_transcript(pdf: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    assert sizes == [(792.0, 612.0), (612.0, 792.0)]
    transcript = " ".join(reader.pages[1].extract_text().split())
    for value in (
        "Transcript",
        "Module 8: conflict mediation and de-escalation",
        "version 3 · passed 8 Mar 2026 · 90%",
        "Scenario 4: retaliation talk at a vigil",
        "Street outreach shifts",
        "Marcus Bell",
        "32.5",  # total field hours
        "3f2b8c1e-9a47-4d2e-b6f0-7c5a1e9d0b34",
        "K7QX-2M9P-HT4R",
        "It is not a professional licence.",
    ):
        assert value in transcript, value


def test_metadata_names_the_credential_holder_and_organization(pdf: bytes) -> None:
    meta = pypdf.PdfReader(io.BytesIO(pdf)).metadata
    assert meta is not None
    assert meta.title == "CVI Practitioner: Foundations — Maria Esperanza Delgado-Whitfield"
    assert meta.author == "Eastside Peacekeepers Collective"
    assert meta.subject and "3f2b8c1e-9a47-4d2e-b6f0-7c5a1e9d0b34" in meta.subject


def test_every_font_is_embedded(pdf: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    seen = 0
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            if font["/Subtype"] == "/Type0":
                font = font["/DescendantFonts"][0].get_object()
            assert "/FontDescriptor" in font, font["/BaseFont"]
            assert "/FontFile2" in font["/FontDescriptor"], font["/BaseFont"]
            seen += 1
    assert seen >= 3


def test_qr_is_a_small_image_with_one_pixel_per_module(pdf: bytes) -> None:
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    xobjects = page["/Resources"]["/XObject"]
    squares = [
        x.get_object()
        for x in xobjects.values()
        if x.get_object()["/Width"] == x.get_object()["/Height"]
    ]
    assert len(squares) == 1
    image = squares[0]
    assert image["/ColorSpace"] == "/DeviceGray"
    assert not image.get("/Interpolate", False)
    symbol = zxingcpp.create_barcode(QR_TOKEN, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    modules = symbol.to_image(scale=1, add_quiet_zones=False).shape[0]
    assert image["/Width"] == modules + 2 * 4  # a 4-module quiet zone each side
    assert modules <= 101


def test_qr_decodes_from_the_rendered_page(pdf: bytes) -> None:
    document = pypdfium2.PdfDocument(pdf)
    try:
        bitmap = document[0].render(scale=150 / 72)
        picture = bitmap.to_pil()
    finally:
        document.close()
    found = [b.text for b in zxingcpp.read_barcodes(picture)]
    assert found == [QR_TOKEN]


def test_a_60_character_name_and_a_long_title_still_fit() -> None:
    title = "Certified Hospital-Based Violence Intervention Specialist: Advanced Endorsement"
    pdf = render_certificate(
        _content(holder_name=LONG_NAME, title=title, organization_logo=None, expires_on=None)
    )
    found = read_certificate(pdf, name="long.pdf")
    assert LONG_NAME in found.text
    assert title in found.text
    assert "Does not expire" in found.text
    assert found.qr_tokens == (QR_TOKEN,)


def test_renewal_and_a_jpeg_logo_are_printed_and_repeat_renders_work() -> None:
    jpeg = io.BytesIO()
    Image.new("RGB", (1600, 1600), (200, 60, 40)).save(jpeg, "JPEG")
    content = _content(
        organization_logo=jpeg.getvalue(), renews="9b1c2d3e-1111-4222-8333-944455566677"
    )
    first, second = render_certificate(content), render_certificate(content)
    for pdf in (first, second):
        found = read_certificate(pdf)
        assert "Renews credential 9b1c2d3e-1111-4222-8333-944455566677" in found.text
        assert found.qr_tokens == (QR_TOKEN,)


def test_a_long_transcript_flows_onto_more_pages() -> None:
    modules = tuple((f"Module {i}", "version 1 · passed 1 Mar 2026 · 90%") for i in range(90))
    pdf = render_certificate(_content(modules=modules, scenarios=(), field_hours=()))
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 4
    rest = " ".join(" ".join(p.extract_text().split()) for p in reader.pages[1:])
    assert "Module 89" in rest
    assert "Practice scenarios" not in rest and "Supervised field hours" not in rest
    assert read_certificate(pdf).badge_jwt == BADGE_JWT


def test_an_unreadable_logo_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="logo"):
        render_certificate(_content(organization_logo=b"not an image"))


def test_not_a_pdf() -> None:
    with pytest.raises(CertificateFileError, match=r"^report\.docx is not a PDF file\.$"):
        read_certificate(b"PK\x03\x04 word document", name="report.docx")


def test_empty_file() -> None:
    with pytest.raises(CertificateFileError, match=r"empty\.pdf is empty"):
        read_certificate(b"", name="empty.pdf")


def test_truncated_pdf(pdf: bytes) -> None:
    with pytest.raises(CertificateFileError, match=r"cert\.pdf could not be read.*truncated"):
        read_certificate(pdf[: len(pdf) // 2], name="cert.pdf")


def test_damaged_pdf_never_leaks_a_parser_exception(pdf: bytes) -> None:
    for start in range(200, len(pdf) - 2000, len(pdf) // 25):
        damaged = pdf[:start] + b"\x00garbage)>>]endobj" * 40 + pdf[start + 720 :]
        try:
            found = read_certificate(damaged, name="cert.pdf")
        except CertificateFileError as exc:
            assert "cert.pdf" in str(exc)
        else:
            assert found.badge_jwt  # damage elsewhere: the credential itself still reads


def test_pdf_without_the_attachment() -> None:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, "A certificate from somewhere else")
    canvas.showPage()
    canvas.save()
    with pytest.raises(CertificateFileError) as caught:
        read_certificate(buffer.getvalue(), name="other.pdf")
    assert str(caught.value).startswith(
        "other.pdf is a PDF but carries no CVI Trainer credential (no credential.jwt attachment)."
    )


def test_attachment_added_by_another_tool_is_read_and_no_qr_is_fine() -> None:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, "Plain page")
    canvas.save()
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(buffer.getvalue())))
    writer.add_attachment("credential.jwt", BADGE_JWT + "\n")
    out = io.BytesIO()
    writer.write(out)
    found = read_certificate(out.getvalue(), name="repacked.pdf")
    assert found.badge_jwt == BADGE_JWT
    assert found.qr_tokens == ()
    assert found.text == "Plain page"


def test_password_protected_pdf(pdf: bytes) -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    writer.encrypt("secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(CertificateFileError, match=r"locked\.pdf is password-protected"):
        read_certificate(out.getvalue(), name="locked.pdf")


def test_a_name_beyond_the_vera_fonts_is_printed_and_extractable() -> None:
    from trainer.core import certificate_pdf

    name = "Nguyễn Thị Hương Őrs"  # ễ, ị, ư, Ő are not in Vera
    pdf = render_certificate(_content(holder_name=name))
    if certificate_pdf._fallback(certificate_pdf.BOLD) is None:
        pytest.skip("no DejaVu Sans or Arial on this machine to print beyond Vera's characters")
    assert name in read_certificate(pdf).text
