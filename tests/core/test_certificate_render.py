"""The certificate PDF as rendered (revision 1): what it prints, how it is built, and its QR."""

from __future__ import annotations

import io

import pypdf
import pytest
from PIL import Image

from tests.core.certificate_fixtures import (
    BADGE_JWT,
    CODE,
    CREDENTIAL_ID,
    HOLDER,
    LONG_NAME,
    QR_TEXT,
    TITLE,
    content,
    page_text,
    qr_on_page_one,
    qr_text,
)
from tests.core.qr_fixtures import KEY
from trainer.core import qr_code, qr_image
from trainer.core.certificate_render import render_certificate
from trainer.core.errors import ValidationError
from trainer.core.page_graph import graph_digest


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_certificate(content())


def test_the_qr_text_is_a_real_signed_credential_and_the_badge_a_realistic_size() -> None:
    payload = qr_code.parse(QR_TEXT)
    assert qr_code.signature_valid(payload, KEY.public_jwk)
    assert payload.fields.holder_name == HOLDER and payload.fields.code == CODE
    assert 2000 <= len(BADGE_JWT) <= 3000


def test_rendering_is_revision_one_without_any_attachment(pdf: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.attachments == {}
    assert pdf.count(b"%%EOF") == 1 and pdf.startswith(b"%PDF-")


def test_page_one_text_carries_the_printed_details(pdf: bytes) -> None:
    text = page_text(pdf)
    for value in (
        "Eastside Peacekeepers Collective",
        HOLDER,
        TITLE,
        CREDENTIAL_ID,
        CODE,
        "14 April 2026",
        "14 April 2028",
        "Dana Ruiz",
        "Director of Training",
        "Scan or open this PDF in CVI Trainer › Verify to check it",
    ):
        assert value in text, value


def test_the_graph_digest_covers_every_page_and_survives_a_rewrite() -> None:
    first = render_certificate(content())
    digest = graph_digest(first)
    assert len(digest) == 64 and graph_digest(render_certificate(content())) == digest
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(first)))
    for page in writer.pages:
        page.compress_content_streams(level=1)
    out = io.BytesIO()
    writer.write(out)
    assert out.getvalue() != first and graph_digest(out.getvalue()) == digest
    renamed = render_certificate(content(holder_name="Maria Esperanza Delgado-Whitfeld"))
    fewer = render_certificate(content(modules=content().modules[:2]))  # the transcript page
    without_logo = render_certificate(content(organization_logo=None))
    assert len({digest, *(graph_digest(p) for p in (renamed, fewer, without_logo))}) == 4


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
        CREDENTIAL_ID,
        CODE,
        "It is not a professional licence.",
    ):
        assert value in transcript, value


def test_metadata_names_the_credential_holder_and_organization(pdf: bytes) -> None:
    meta = pypdf.PdfReader(io.BytesIO(pdf)).metadata
    assert meta is not None
    assert meta.title == f"{TITLE} — {HOLDER}"
    assert meta.author == "Eastside Peacekeepers Collective"
    assert meta.subject and CREDENTIAL_ID in meta.subject


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
    drawn = qr_image.qr_image(QR_TEXT)
    assert image["/Width"] == drawn.width  # one pixel per module, quiet zone included
    assert drawn.width <= qr_image.MAX_SIDE_MODULES


def test_qr_decodes_from_the_rendered_page(pdf: bytes) -> None:
    assert qr_on_page_one(pdf) == [QR_TEXT]


def test_a_60_character_name_and_a_long_title_still_fit() -> None:
    title = "Certified Hospital-Based Violence Intervention Specialist: Advanced Endorsement"
    qr = qr_text(holder_name=LONG_NAME, title=title, expires_on=None)
    pdf = render_certificate(
        content(
            holder_name=LONG_NAME,
            title=title,
            organization_logo=None,
            expires_on=None,
            qr_token=qr,
        )
    )
    text = page_text(pdf)
    assert LONG_NAME in text
    assert title in text
    assert "Does not expire" in text
    assert qr_on_page_one(pdf) == [qr]


def test_renewal_and_a_jpeg_logo_are_printed_and_repeat_renders_work() -> None:
    jpeg = io.BytesIO()
    Image.new("RGB", (1600, 1600), (200, 60, 40)).save(jpeg, "JPEG")
    made = content(organization_logo=jpeg.getvalue(), renews="9b1c2d3e-1111-4222-8333-944455566677")
    first, second = render_certificate(made), render_certificate(made)
    assert graph_digest(first) == graph_digest(second)
    for rendered in (first, second):
        assert "Renews credential 9b1c2d3e-1111-4222-8333-944455566677" in page_text(rendered)
        assert qr_on_page_one(rendered) == [QR_TEXT]


def test_a_long_transcript_flows_onto_more_pages() -> None:
    modules = tuple((f"Module {i}", "version 1 · passed 1 Mar 2026 · 90%") for i in range(90))
    pdf = render_certificate(content(modules=modules, scenarios=(), field_hours=()))
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 4
    rest = " ".join(" ".join(p.extract_text().split()) for p in reader.pages[1:])
    assert "Module 89" in rest
    assert "Practice scenarios" not in rest and "Supervised field hours" not in rest


def test_an_unreadable_logo_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="logo"):
        render_certificate(content(organization_logo=b"not an image"))


def test_a_name_beyond_the_vera_fonts_is_printed_and_extractable() -> None:
    name = "Nguyễn Thị Hương Őrs"  # ễ, ị, ư, Ő are not in Vera; the bundled Noto Sans has them
    assert name in page_text(render_certificate(content(holder_name=name)))
