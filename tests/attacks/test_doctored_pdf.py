"""Doctored certificate PDFs, built with pypdf the way a forger would: each changes what a viewer
sees while leaving the signed credential (and its digests) intact. Every one is "Not verified:
the printed page was changed after issuing", with the signed details shown beside it. A genuine
file, and one merely re-saved by another program, still verify."""

from __future__ import annotations

import io
import locale
import re
from collections.abc import Iterator

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
)

from tests.attacks.conftest import pdf_of, verify_at
from tests.core.credential_fixtures import Org
from trainer.core.verify import NOT_VERIFIED, PAGE_CHANGED, VERIFIED, Report

NAME, FORGED = b"(Tom Person)", b"(Tim Parson)"


@pytest.fixture
def genuine(org: Org) -> bytes:
    issued = org.oriented(org.team.trainee)
    return pdf_of(org, issued.id)


def _write(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _assert_changed(report: Report) -> None:
    assert report.verdict == NOT_VERIFIED and report.headline == PAGE_CHANGED, report.steps
    # The verdict shows what was signed beside it, so the manager sees the real holder.
    assert report.signed and report.claims is not None
    assert report.claims.holder_name == "Tom Person"
    assert any(
        s.name in ("Printed page", "QR code") and s.outcome == "failed" for s in report.steps
    )


def test_a_new_name_with_the_original_kept_as_invisible_text(org: Org, genuine: bytes) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(genuine)))
    contents = writer.pages[0].get_contents()
    data = contents.get_data()
    assert NAME in data
    # Draw the original name invisibly (render mode 3), then the forged one over it.
    contents.set_data(data.replace(NAME + b" Tj", b"3 Tr " + NAME + b" Tj 0 Tr " + FORGED + b" Tj"))
    writer.pages[0].replace_contents(contents)
    report = verify_at(org, _write(writer))
    _assert_changed(report)
    assert "hidden" in next(s.detail for s in report.steps if s.name == "Printed page")


def _overlay(writer: PdfWriter, subtype: str = "/Stamp") -> None:
    """A white box with another name, as an annotation appearance: page content untouched."""
    appearance = StreamObject()
    appearance.set_data(
        b"1 1 1 rg 0 0 420 48 re f 0 0 0 rg BT /Helv 30 Tf 10 12 Td (Tim Parson) Tj ET"
    )
    appearance.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([FloatObject(v) for v in (0, 0, 420, 48)]),
            NameObject("/Resources"): DictionaryObject(
                {
                    NameObject("/Font"): DictionaryObject(
                        {
                            NameObject("/Helv"): DictionaryObject(
                                {
                                    NameObject("/Type"): NameObject("/Font"),
                                    NameObject("/Subtype"): NameObject("/Type1"),
                                    NameObject("/BaseFont"): NameObject("/Helvetica"),
                                }
                            )
                        }
                    )
                }
            ),
        }
    )
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject(subtype),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (186, 330, 606, 378)]),
            NameObject("/F"): NumberObject(4),
            NameObject("/AP"): DictionaryObject({NameObject("/N"): writer._add_object(appearance)}),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])


def test_a_white_box_and_another_name_drawn_as_an_annotation(org: Org, genuine: bytes) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(genuine)))
    _overlay(writer)
    report = verify_at(org, _write(writer))
    _assert_changed(report)
    assert "annotation" in next(s.detail for s in report.steps if s.name == "Printed page")


def test_the_same_overlay_appended_as_an_incremental_update(org: Org, genuine: bytes) -> None:
    writer = PdfWriter(io.BytesIO(genuine), incremental=True)
    _overlay(writer, "/FreeText")
    doctored = _write(writer)
    assert doctored.startswith(genuine)  # every signed byte is still there, untouched
    _assert_changed(verify_at(org, doctored))


def _images(writer: PdfWriter) -> DictionaryObject:
    return writer.pages[0]["/Resources"]["/XObject"].get_object()


def _qr_name(xobjects: DictionaryObject) -> str:
    """The QR code: the square image on page 1."""
    for name, ref in xobjects.items():
        image = ref.get_object()
        if image.get("/Width") == image.get("/Height"):
            return str(name)
    raise AssertionError("no QR image")


def test_a_qr_swapped_for_another_certificates_with_the_original_kept_unused(
    org: Org, genuine: bytes
) -> None:
    other = pdf_of(org, org.oriented(org.team.other_trainee).id)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(genuine)))
    donor = PdfWriter(clone_from=PdfReader(io.BytesIO(other)))
    mine, theirs = _images(writer), _images(donor)
    name = _qr_name(mine)
    swapped = writer._add_object(theirs[_qr_name(theirs)].get_object())
    mine[NameObject("/KeepOriginal")] = mine[name]  # the genuine QR stays, unused
    mine[NameObject(name)] = swapped
    report = verify_at(org, _write(writer))
    _assert_changed(report)


def test_the_qr_swapped_and_nothing_left_over(org: Org, genuine: bytes) -> None:
    other = pdf_of(org, org.oriented(org.team.other_trainee).id)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(genuine)))
    donor = PdfWriter(clone_from=PdfReader(io.BytesIO(other)))
    mine, theirs = _images(writer), _images(donor)
    mine[NameObject(_qr_name(mine))] = writer._add_object(theirs[_qr_name(theirs)].get_object())
    report = verify_at(org, _write(writer))
    _assert_changed(report)
    assert any(s.name == "QR code" and "different certificate" in s.detail for s in report.steps)


def test_a_white_box_drawn_over_the_name_in_the_page_content(org: Org, genuine: bytes) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(genuine)))
    contents = writer.pages[0].get_contents()
    box = b"\nq 1 1 1 rg 150 300 490 90 re f Q\n"
    contents.set_data(contents.get_data() + box)
    writer.pages[0].replace_contents(contents)
    _assert_changed(verify_at(org, _write(writer)))


def test_extra_words_added_to_the_page(org: Org, genuine: bytes) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(genuine)))
    contents = writer.pages[0].get_contents()
    data = contents.get_data()
    font = re.search(rb"(/F\d+\+0) [\d.]+ Tf", data)
    assert font is not None
    extra = b"\nBT " + font[1] + b" 12 Tf 80 560 Td (and Senior Trainer) Tj ET\n"
    contents.set_data(data + extra)
    writer.pages[0].replace_contents(contents)
    _assert_changed(verify_at(org, _write(writer)))


def test_an_update_that_only_touches_the_document_info(org: Org, genuine: bytes) -> None:
    writer = PdfWriter(io.BytesIO(genuine), incremental=True)
    writer.add_metadata({"/Title": "Anything"})
    _assert_changed(verify_at(org, _write(writer)))


@pytest.fixture(params=["C", "de_DE.UTF-8"])
def process_locale(request: pytest.FixtureRequest) -> Iterator[str]:
    """The process locale Qt would set from a German desktop (LC_ALL, as setlocale(LC_ALL, ""))."""
    before = locale.setlocale(locale.LC_ALL)
    try:
        locale.setlocale(locale.LC_ALL, request.param)
    except locale.Error:
        pytest.skip(f"the {request.param} locale is not installed (locale-gen {request.param})")
    try:
        yield request.param
    finally:
        locale.setlocale(locale.LC_ALL, before)


def test_a_genuine_certificate_verifies_as_exactly_issued(org: Org, process_locale: str) -> None:
    issued = org.oriented(org.team.trainee)  # issued under the locale, too
    report = verify_at(org, pdf_of(org, issued.id))
    assert report.verdict == VERIFIED and report.headline == "Verified", report.steps
    assert "exactly as issued" in next(s.detail for s in report.steps if s.name == "Printed page")


def test_a_genuine_certificate_re_saved_by_another_program_still_verifies(
    org: Org, genuine: bytes, process_locale: str
) -> None:
    resaved = _write(PdfWriter(clone_from=PdfReader(io.BytesIO(genuine))))
    assert resaved != genuine
    report = verify_at(org, resaved)
    assert report.verdict == VERIFIED, report.steps
    assert "Re-saved" in next(s.detail for s in report.steps if s.name == "Printed page")
