"""Doctored PDFs that pass themselves off as re-saved copies (found by a red-team review of
docs/decisions/005). Each file is rewritten with pypdf, so it is no longer byte for byte as
issued and goes down the re-saved path (core.certificate_read.inspect), where checks of what
PDFium extracts alone were fooled: a /ToUnicode lie, a tiling pattern, hidden text with a rule
through it, an anagram of the disclaimer, page 2 or a new page, page-level JavaScript. The
signed digest of everything the file draws (core.page_graph) refuses each one."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from tests.attacks.conftest import (
    pdf_of,
    verify_at,
)
from tests.core.credential_fixtures import Org
from trainer.core.verify import VERIFIED, Report

NAME = "Tom Person"


@pytest.fixture
def genuine(org: Org) -> bytes:
    return pdf_of(org, org.oriented(org.team.trainee).id)


def _clone(data: bytes) -> PdfWriter:
    return PdfWriter(clone_from=PdfReader(io.BytesIO(data)))


def _write(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _set_contents(writer: PdfWriter, data: bytes, page: int = 0) -> None:
    contents = writer.pages[page].get_contents()
    contents.set_data(data)
    writer.pages[page].replace_contents(contents)


def _name_run(data: bytes) -> re.Match[bytes]:
    """The BT ... ET block that draws the holder's name on page 1."""
    found = re.search(
        rb"BT 1 0 0 1 ([\d.]+) ([\d.]+) Tm (/F\d+\+0) ([\d.]+) Tf [^\n]*?\(Tom Person\) Tj[^\n]*?ET",
        data,
    )
    assert found is not None, data[:2000]
    return found


def _helvetica(writer: PdfWriter, to_unicode: bytes | None = None) -> object:
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica-Bold"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    if to_unicode is not None:
        cmap = StreamObject()
        cmap.set_data(to_unicode)
        font[NameObject("/ToUnicode")] = writer._add_object(cmap)
    return writer._add_object(font)


def _assert_not_verified(report: Report) -> None:
    assert report.verdict != VERIFIED, "a doctored page verified: " + "; ".join(
        f"{s.name}: {s.detail}" for s in report.steps
    )


# --- 1. certificate PDFs -------------------------------------------------------------------------


def test_tounicode_lie_shows_another_name_while_text_extraction_reads_the_signed_one(
    org: Org, genuine: bytes
) -> None:
    """Attack: draw the name with a new (used, so not "unused") Helvetica font whose /ToUnicode
    CMap maps the shown glyphs "Tim Parsen" back to "Tom Person". A viewer sees Tim Parsen;
    PDFium's text objects, the name check and the sorted-character digest all see Tom Person.
    Reference section 5 row 6 (font / encoding swapped): must never be "Verified"."""
    writer = _clone(genuine)
    data = writer.pages[0].get_contents().get_data()
    run = _name_run(data)
    shown = "Tim Parsen"
    mapping = dict(
        zip(shown, NAME, strict=True)
    )  # T->T, i->o, m->m, ' '->' ', a->e, s->s, e->o ...
    assert all(mapping[s] == r for s, r in zip(shown, NAME, strict=True))
    body = b"".join(b"<%02X> <%04X>\n" % (ord(s), ord(r)) for s, r in mapping.items())
    cmap = (
        b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CMapName /X def\n"
        b"/CMapType 2 def\n1 begincodespacerange\n<00> <FF>\nendcodespacerange\n"
        + b"%d beginbfchar\n" % len(mapping)
        + body
        + b"endbfchar\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    )
    fonts = writer.pages[0]["/Resources"]["/Font"].get_object()
    fonts[NameObject("/FX")] = _helvetica(writer, cmap)
    forged = run[0].replace(run[3] + b" ", b"/FX ").replace(b"(Tom Person)", b"(Tim Parsen)")
    _set_contents(writer, data.replace(run[0], forged))
    _assert_not_verified(verify_at(org, _write(writer)))


def test_a_tiling_pattern_paints_a_white_box_and_another_name_over_the_signed_one(
    org: Org, genuine: bytes
) -> None:
    """Attack: add a /Pattern resource (not in the "used = present" check) whose tiling cell
    paints a white box and "Tim Parson" in black, and fill a rectangle over the name with it.
    The pattern's text is not a page text object, so the visible-text digest is unchanged, and
    the original name's box still has ink (the forged name), so it does not count as covered."""
    writer = _clone(genuine)
    data = writer.pages[0].get_contents().get_data()
    run = _name_run(data)
    x, y = float(run[1]), float(run[2])
    left, bottom, width, height = x - 80, y - 12, 400, 50
    cell = StreamObject()
    cell.set_data(b"1 1 1 rg 0 0 400 50 re f 0 0 0 rg BT /H 36 Tf 80 12 Td (Tim Parson) Tj ET")
    cell.update(
        {
            NameObject("/Type"): NameObject("/Pattern"),
            NameObject("/PatternType"): NumberObject(1),
            NameObject("/PaintType"): NumberObject(1),
            NameObject("/TilingType"): NumberObject(1),
            NameObject("/BBox"): ArrayObject([NumberObject(v) for v in (0, 0, width, height)]),
            NameObject("/XStep"): NumberObject(width),
            NameObject("/YStep"): NumberObject(height),
            NameObject("/Matrix"): ArrayObject(
                [FloatObject(v) for v in (1, 0, 0, 1, left, bottom)]
            ),
            NameObject("/Resources"): DictionaryObject(
                {NameObject("/Font"): DictionaryObject({NameObject("/H"): _helvetica(writer)})}
            ),
        }
    )
    resources = writer.pages[0]["/Resources"].get_object()
    resources[NameObject("/Pattern")] = DictionaryObject(
        {NameObject("/P0"): writer._add_object(cell)}
    )
    fill = b"\nq /Pattern cs /P0 scn %.2f %.2f %d %d re f Q\n" % (left, bottom, width, height)
    _set_contents(writer, data + fill)
    _assert_not_verified(verify_at(org, _write(writer)))


@pytest.mark.parametrize("how", ["white-on-white", "clipped away"])
def test_the_name_hidden_with_a_dark_rule_drawn_through_its_box(
    org: Org, genuine: bytes, how: str
) -> None:
    """Attack: make the signed name invisible to a viewer (fill colour white, or a 1x1 clipping
    path `W n` around it) and draw one dark line through where it was. The ink check only asks
    whether *any* dark pixel lies in the text's box, so the line satisfies it: the certificate
    verifies with no name on it (and a forger can then draw any name as vector paths)."""
    writer = _clone(genuine)
    data = writer.pages[0].get_contents().get_data()
    run = _name_run(data)
    x, y = float(run[1]), float(run[2])
    hidden = (
        b"1 1 1 rg " + run[0] if how == "white-on-white" else b"q 0 0 1 1 re W n " + run[0] + b" Q"
    )
    rule = b"\n0 0 0 RG 2 w %.2f %.2f m %.2f %.2f l S\n" % (x, y + 8, x + 200, y + 8)
    _set_contents(writer, data.replace(run[0], hidden + rule))
    _assert_not_verified(verify_at(org, _write(writer)))


def test_words_removed_from_the_disclaimer_and_tucked_into_the_qr_code(
    org: Org, genuine: bytes
) -> None:
    """Attack (anagram): the digest is over the *sorted* visible characters, so characters may
    be moved anywhere. Remove both "not"s from "not a state certification and not HAVI ..."
    (the page now claims to be a state certification) and redraw "notnot" in 2-pt type on a
    dark finder pattern of the QR code, where it is "inked" and the QR still decodes."""
    writer = _clone(genuine)
    data = writer.pages[0].get_contents().get_data()
    old = b"record: not a state certification and not)"
    assert old in data
    data = data.replace(old, b"record: a state certification and)")
    font = re.search(rb"/F2\+0", data)
    assert font is not None
    image = re.search(rb"([\d.]+) 0 0 ([\d.]+) ([\d.]+) ([\d.]+) cm\n/FormXob", data)
    assert image is not None
    size, qx, qy = float(image[1]), float(image[3]), float(image[4])
    # the top-left finder pattern's dark centre: modules 6-8 (quiet zone 4, 73 modules across)
    module = size / 73
    fx, fy = qx + 6 * module, qy + size - 8.6 * module
    data += b"\n0 0 0 rg BT 1 0 0 1 %.2f %.2f Tm /F2+0 2 Tf (notnot) Tj ET\n" % (fx, fy)
    _set_contents(writer, data)
    _assert_not_verified(verify_at(org, _write(writer)))


def test_the_transcript_on_page_2_rewritten(org: Org, genuine: bytes) -> None:
    """Attack: only page 1 is inspected in the re-saved path; page 2 (the transcript with the
    modules passed) can say anything. Here its heading gains "Senior Trainer"."""
    writer = _clone(genuine)
    assert len(writer.pages) >= 2
    data = writer.pages[1].get_contents().get_data()
    assert b"(Transcript)" in data
    _set_contents(writer, data.replace(b"(Transcript)", b"(Transcript - Senior Trainer)"), 1)
    _assert_not_verified(verify_at(org, _write(writer)))


def test_a_forged_page_appended_after_the_certificate(org: Org, genuine: bytes) -> None:
    """Attack: append a page reading "Tim Parson - Advanced CVI Practitioner". The page count
    is never checked (reference section 2: "the page count and order")."""
    writer = _clone(genuine)
    page = writer.add_blank_page(792, 612)
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/H"): _helvetica(writer)})}
    )
    stream = StreamObject()
    stream.set_data(b"BT /H 30 Tf 100 300 Td (Tim Parson - Advanced CVI Practitioner) Tj ET")
    page[NameObject("/Contents")] = writer._add_object(stream)
    _assert_not_verified(verify_at(org, _write(writer)))


def test_page_level_additional_actions_javascript(org: Org, genuine: bytes) -> None:
    """Attack: a page /AA /O (page open) JavaScript action that adds a FreeText annotation with
    another name in Acrobat. Only the catalog's /OpenAction, /AA and /Names /JavaScript are
    checked; the page's /AA is not (reference section 2: include /AA of the page)."""
    writer = _clone(genuine)
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(
                'this.addAnnot({type:"FreeText",page:0,rect:[196,362,596,412],'
                'contents:"Tim Parson",fillColor:color.white});'
            ),
        }
    )
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): writer._add_object(action)}
    )
    _assert_not_verified(verify_at(org, _write(writer)))


@pytest.mark.parametrize("switch", ["/Rotate on /Pages", "font /Widths", "image /Decode"])
def test_rendering_switches_the_reference_says_cannot_be_confirmed(
    org: Org, genuine: bytes, switch: str
) -> None:
    """Attack (lower impact): reference section 5 rows 6, 8 and 9 say a /Widths swap, an image
    /Decode change, or a /Rotate inherited from /Pages is at best "Cannot confirm". Each of these
    got a plain "Verified" (re-saved) before page_graph: an upside-down page, stretched name, or an
    inverted QR code."""
    writer = _clone(genuine)
    if switch == "/Rotate on /Pages":  # (the page's own /Rotate 0 would win, so drop it)
        writer._root_object["/Pages"].get_object()[NameObject("/Rotate")] = NumberObject(180)
        for page in writer.pages:
            del page[NameObject("/Rotate")]
    elif switch == "font /Widths":
        font = next(iter(writer.pages[0]["/Resources"]["/Font"].values())).get_object()
        font[NameObject("/Widths")] = ArrayObject(
            [FloatObject(float(w) * 1.5) for w in font["/Widths"]]
        )
    else:
        for ref in writer.pages[0]["/Resources"]["/XObject"].values():
            ref.get_object()[NameObject("/Decode")] = ArrayObject(
                [NumberObject(1), NumberObject(0)]
            )
    _assert_not_verified(verify_at(org, _write(writer)))
