"""Names and titles in other scripts, and very long ones, on the certificate PDF: printed in a
bundled face that has their characters, shaped, in reading order, and inside the page."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest

from tests.core.certificate_fixtures import content, page_text
from trainer.core import certificate_text
from trainer.core.certificate_render import LAND_H, LAND_W, QR_SIZE, render_certificate

# (holder name, organization name, bundled face expected to draw the name)
SCRIPTS = {
    "arabic": ("محمد عبد الله الحسيني", "مركز السلام للتدريب CVI", "NotoSansArabic-Bold"),
    "chinese": ("李小龙 王芳", "北京社区暴力干预中心", "DroidSansFallback"),
    "devanagari": ("प्रिया क्षत्रिय श्रीवास्तव", "सामुदायिक हिंसा निवारण केंद्र", "NotoSansDevanagari-Bold"),
    "cyrillic": ("Анна Сергеевна Кузнецова", "Центр «Мир» Санкт-Петербург", "NotoSans-Bold"),
    "greek": ("Αλέξανδρος Παπαδόπουλος", "Κέντρο Ειρήνης Αθηνών", "NotoSans-Bold"),
    "vietnamese": ("Nguyễn Thị Hương", "Trung tâm Hòa bình Sài Gòn", "NotoSans-Bold"),
}
LONG_NAME = " ".join(["Alexandria Guadalupe Montserrat Villanueva-Castellanos Ortiz"] * 4)
assert len(LONG_NAME) >= 200
LONG_TITLE = "Community Violence Intervention Practitioner: " + "Advanced Field Practice " * 5


# PostScript names of the faces a certificate may embed: reportlab's Vera and our bundled files.
OURS = {"BitstreamVeraSans-Roman", "BitstreamVeraSans-Bold"} | {
    name.removesuffix(".ttf") for name in certificate_text.FONT_FILES
}


def fonts_on_page(pdf: bytes, index: int = 0) -> dict[str, Any]:
    """BaseFont name (subset tag removed) -> font dictionary, for the page's fonts."""
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[index]
    fonts = page["/Resources"]["/Font"]
    found = {}
    for ref in fonts.values():
        font = ref.get_object()
        found[str(font["/BaseFont"]).lstrip("/").split("+")[-1]] = font
    return found


def text_boxes(pdf: bytes) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Each text object on page 1 with its bounds (left, bottom, right, top), in points."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        textpage = page.get_textpage()
        return [
            (obj.extract(), obj.get_bounds())
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], textpage=textpage)
        ]
    finally:
        document.close()


def assert_inside_and_above_the_bottom_band(pdf: bytes) -> None:
    boxes = text_boxes(pdf)
    for text, (left, bottom, right, top) in boxes:
        # Inside the printed frame (drawn 24 pt from the edges).
        assert left > 24 and right < LAND_W - 24 and bottom > 24 and top < LAND_H - 24, text
    tier = [box for text, box in boxes if text.startswith("Credential tier")]
    assert tier, "the tier line is missing"
    assert tier[0][1] > 60 + QR_SIZE, "the centred block runs into the QR code and signature"


@pytest.mark.parametrize("script", list(SCRIPTS))
def test_a_name_and_organization_in_another_script_print_in_a_bundled_face(script: str) -> None:
    name, organization, face = SCRIPTS[script]
    pdf = render_certificate(content(holder_name=name, organization_name=organization))
    text = page_text(pdf)
    assert name in text and organization in text  # extractable, in reading order
    fonts = fonts_on_page(pdf)
    assert face in fonts
    for base_font, font in fonts.items():
        assert base_font in OURS, base_font  # bundled, never the machine's
        descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0]["/FontDescriptor"]
        assert "/FontFile2" in descriptor, f"{base_font} is not embedded"
    assert_inside_and_above_the_bottom_band(pdf)


def test_arabic_letters_are_joined_and_drawn_right_to_left() -> None:
    name = "محمد عبد الله الحسيني"
    pdf = render_certificate(content(holder_name=name))
    # The glyphs drawn are the joined (contextual) forms: meem at the start of a word, joined
    # to the letter after it, is U+FEE3, not the letter U+0645 on its own.
    drawn = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "\ufee3" in drawn and "\u0645" not in drawn
    # The first letter of the name is drawn right of the last: right to left.
    document = pypdfium2.PdfDocument(pdf)
    try:
        textpage = document[0].get_textpage()
        text = textpage.get_text_range()
        start = text.index(name)
        first_left = textpage.get_charbox(start)[0]
        last_left = textpage.get_charbox(start + len(name) - 1)[0]
    finally:
        document.close()
    assert first_left > last_left
    assert name in page_text(pdf)


def test_devanagari_is_shaped_into_conjuncts_and_still_extracts_as_typed() -> None:
    name = "प्रिया क्षत्रिय श्रीवास्तव"
    pdf = render_certificate(content(holder_name=name))
    raw = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()  # glyphs only
    # क्ष, श्री and प्रि are glyphs with no character of their own: drawn as conjuncts ...
    assert any("\ue000" <= ch <= "\uf8ff" for ch in raw)
    # ... and carry their text as /ActualText, which a viewer copies and the verifier reads.
    assert name in page_text(pdf)


def test_a_name_no_single_face_covers_is_split_between_faces() -> None:
    name = "Nguyễn 李小龙"
    pdf = render_certificate(content(holder_name=name))
    fonts = fonts_on_page(pdf)
    assert {"NotoSans-Bold", "DroidSansFallback"} <= set(fonts)
    assert "Nguyễn" in page_text(pdf) and "李小龙" in page_text(pdf)


@pytest.mark.parametrize(
    ("name", "title", "organization"),
    [
        (LONG_NAME, LONG_TITLE, "Eastside Peacekeepers Collective " * 6),
        ("王" * 200, "社区暴力干预" * 20, "北京社区暴力干预中心" * 10),
        (" ".join(["محمد عبد الله الحسيني"] * 10), LONG_TITLE, "مركز السلام للتدريب " * 8),
    ],
    ids=["latin", "chinese", "arabic"],
)
def test_a_200_character_name_and_title_wrap_inside_the_page(
    name: str, title: str, organization: str
) -> None:
    assert len(name) >= 200
    pdf = render_certificate(content(holder_name=name, title=title, organization_name=organization))
    text = page_text(pdf)
    if name.isascii():
        assert name in text and " ".join(title.split()) in text
    else:  # wrapped lines of a script without spaces join with a space in the extracted text
        assert name.replace(" ", "") in text.replace(" ", "")
    assert_inside_and_above_the_bottom_band(pdf)
    # The transcript header carries them too, inside its page.
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[1]
        width, height = page.get_size()
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]):
            left, bottom, right, top = obj.get_bounds()
            assert left >= 0 and right <= width and bottom >= 0 and top <= height
    finally:
        document.close()


def test_every_bundled_font_file_is_in_the_package() -> None:
    for name in certificate_text.FONT_FILES:
        assert (certificate_text.FONT_DIR / name).is_file(), name
    assert (certificate_text.FONT_DIR / "OFL.txt").is_file()
    assert (certificate_text.FONT_DIR / "LICENSE-Apache-2.0.txt").is_file()
