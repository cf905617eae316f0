"""Reading a certificate PDF back, for the verifier: the attached credential, whether the file
is byte for byte as issued, and otherwise what a viewer would see on page 1.

The fast path needs no PDF parser: an issued file ends with the revision that attached the
credential (core.pdf_attachment). A file re-saved by another program is opened with pypdf for
its structure and rendered with PDFium (pypdfium2) for what is drawn: annotations, extra
revisions, unused resources, active or optional content, hidden or covered text and the QR code
as a phone would see it."""

from __future__ import annotations

import io
from typing import Any

from trainer.core import pdf_attachment
from trainer.core.errors import TrainerError
from trainer.core.page_graph import GraphError, graph_digest, strict_reader
from trainer.core.verify import PageInspection

ATTACHMENT_NAME = pdf_attachment.ATTACHMENT_NAME
MAX_PDF_BYTES = 20 * 1024 * 1024
RENDER_DPI = 150  # what a phone camera resolves from a printed page, roughly
_INK = 160  # a pixel darker than this (0-255) is ink on the page
MAX_PAGE_SQUARE_INCHES = 4 * 17 * 22  # four tabloid sheets; a certificate page is one letter sheet


class CertificateFileError(TrainerError):
    """A file offered as a certificate is not a readable CVI Trainer certificate PDF."""


class CertificateFile:
    """A certificate PDF as presented. `inspect` is the slow path (tens of milliseconds)."""

    def __init__(self, data: bytes, badge_jwt: str, name: str) -> None:
        self.data = data
        self.badge_jwt = badge_jwt
        self.name = name

    def as_issued(self, claim: object) -> bool:
        return pdf_attachment.is_as_issued(self.data, self.badge_jwt, claim)

    def inspect(self) -> PageInspection:
        try:
            return _inspect(self.data)
        except CertificateFileError as exc:
            raise CertificateFileError(f"{self.name}: {exc}") from exc
        except Exception as exc:  # pypdf, PDFium, Pillow and zxing on damaged content
            raise CertificateFileError(
                f"{self.name} could not be read: the certificate page is damaged. Ask for a "
                "fresh copy."
            ) from exc


def read_certificate(data: bytes, *, name: str = "file") -> CertificateFile:
    """The attached credential of a certificate PDF. CertificateFileError, naming the file, for
    anything that is not a readable CVI Trainer certificate; checking is the verifier's job."""
    if not data:
        raise CertificateFileError(f"{name} is empty. Ask for a fresh copy of the certificate.")
    if len(data) > MAX_PDF_BYTES:
        raise CertificateFileError(
            f"{name} is {len(data) // (1024 * 1024)} MB, far larger than a certificate."
        )
    if b"%PDF-" not in data[:1024]:
        raise CertificateFileError(f"{name} is not a PDF file.")
    if b"%%EOF" not in data[-1024:]:
        raise CertificateFileError(
            f"{name} could not be read: the file is damaged or incomplete (truncated). "
            "Ask for a fresh copy."
        )
    token = pdf_attachment.token_in(data)
    if token is None:
        token = _attached_by_parser(data, name)
    return CertificateFile(data, token, name)


def _attached_by_parser(data: bytes, name: str) -> str:
    import pypdf  # ~60 ms to import; only re-saved files need it

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise CertificateFileError(
                f"{name} is password-protected. CVI Trainer certificates are never encrypted; "
                "ask for the original file."
            )
        attached = reader.attachments.get(ATTACHMENT_NAME) or []
    except CertificateFileError:
        raise
    except Exception as exc:  # pypdf raises many exception types on damaged input
        raise CertificateFileError(
            f"{name} could not be read: the file is damaged or incomplete. Ask for a fresh copy."
        ) from exc
    if not attached:
        raise CertificateFileError(
            f"{name} is a PDF but carries no CVI Trainer credential "
            f"(no {ATTACHMENT_NAME} attachment). Ask for the certificate PDF as issued by CVI Trainer."
        )
    if len(set(attached)) > 1:
        raise CertificateFileError(
            f"{name} carries more than one {ATTACHMENT_NAME} attachment, so it is not a "
            "certificate as issued by CVI Trainer. Ask for a fresh copy."
        )
    try:
        token = attached[0].decode("ascii").strip()
    except UnicodeDecodeError:
        token = ""
    if not token:
        raise CertificateFileError(
            f"{name} could not be read: its {ATTACHMENT_NAME} attachment is damaged or empty. "
            "Ask for a fresh copy."
        )
    return token


# --- what a viewer sees --------------------------------------------------------------------------

_USES = {b"Do": "/XObject", b"Tf": "/Font", b"gs": "/ExtGState", b"sh": "/Shading"}


def _structure_problems(data: bytes, reader: Any) -> list[str]:
    """Changes a viewer may not notice but that change what is drawn or done."""
    from pypdf.generic import ContentStream

    problems: list[str] = []
    if data.count(b"%%EOF") > 1 or data.count(b"startxref") > 1:
        problems.append("the file was edited after issuing (it carries a later revision)")
    if reader is None:
        return [*problems, "the file's structure is damaged or was repaired"]
    try:
        page = reader.pages[0]
    except Exception:
        return [*problems, "the file's structure is damaged or was repaired"]
    catalog: Any = reader.trailer["/Root"]
    if any(key in catalog for key in ("/OpenAction", "/AA", "/AcroForm")) or (
        "/Names" in catalog and "/JavaScript" in catalog["/Names"]
    ):
        problems.append("active content (an action, a form or a script) was added")
    if "/OCProperties" in catalog:
        problems.append("optional content (parts of the page that can be switched off) was added")
    if page.get("/Annots"):
        problems.append("an annotation was added on the page")
    if any("/AA" in p or "/Annots" in p for p in reader.pages):
        problems.append("an action or annotation was added to a page")
    found: Any = page.get("/Resources")
    resources: Any = found.get_object() if found is not None else {}
    used: dict[str, set[str]] = {category: set() for category in _USES.values()}
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        category = _USES.get(operator)
        if category is not None and operands:
            used[category].add(str(operands[0]))
    for category, names in used.items():
        present = resources.get(category)
        present = set(present.get_object()) if present is not None else set()
        if present - names:
            problems.append("the page carries an unused image or resource")
            break
    xobjects: Any = resources.get("/XObject")
    xobjects = xobjects.get_object() if xobjects is not None else {}
    for key in xobjects:
        xobject = xobjects[key].get_object()
        if "/OC" in xobject or xobject.get("/Subtype") == "/Form":
            problems.append("an image or drawing was added on the page")
            break
    return problems


def _inspect(data: bytes) -> PageInspection:
    import pypdfium2 as pdfium  # type: ignore[import-untyped, unused-ignore]
    import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped, unused-ignore]
    import zxingcpp

    qr_format = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    try:
        reader = strict_reader(data)
    except GraphError:
        reader = None
    problems = _structure_problems(data, reader)
    document = pdfium.PdfDocument(data)
    try:
        page = document[0]
        width, height = page.get_size()  # points, 72 to the inch
        if width * height > MAX_PAGE_SQUARE_INCHES * 72 * 72:
            # Rendered, a 200-inch page would take gigabytes; no certificate is printed that big.
            raise CertificateFileError(
                f"the page is {width / 72:.0f} x {height / 72:.0f} inches, far larger than a "
                "certificate. Ask for the certificate PDF as the issuer sent it."
            )
        scale = RENDER_DPI / 72
        image = page.render(scale=scale, draw_annots=True, grayscale=True).to_pil().convert("L")
        height = image.height
        textpage = page.get_textpage()
        visible: list[str] = []
        hidden = covered = False
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], textpage=textpage):
            text = obj.extract()
            if not text.strip():
                continue
            mode = pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw)
            if mode in (pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE, pdfium_c.FPDF_TEXTRENDERMODE_CLIP):
                hidden = True
                continue
            visible.append(text)
            if not _inked(image, obj.get_bounds(), scale, height):
                covered = True
        qr_texts = tuple(
            r.text for r in zxingcpp.read_barcodes(image, formats=qr_format) if r.valid and r.text
        )
    finally:
        document.close()
    if hidden:
        problems.append("the page carries hidden (invisible) text")
    if covered:
        problems.append("text on the page is covered or drawn in the page's colour")
    try:
        graph = graph_digest(data, reader) if reader is not None else ""
    except GraphError:
        graph = ""
        problems.append("the file's structure is damaged or was repaired")
    return PageInspection(tuple(problems), " ".join(" ".join(visible).split()), qr_texts, graph)


def _inked(
    image: Any, bounds: tuple[float, float, float, float], scale: float, height: int
) -> bool:
    """Does the rendered page show ink where this text object sits?"""
    left, bottom, right, top = bounds
    box = (
        max(0, int(left * scale)),
        max(0, int(height - top * scale)),
        min(image.width, int(right * scale) + 1),
        min(height, int(height - bottom * scale) + 1),
    )
    if box[0] >= box[2] or box[1] >= box[3]:
        return False  # off the page
    darkest, _ = image.crop(box).getextrema()
    return bool(darkest < _INK)
