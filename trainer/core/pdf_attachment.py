"""The signed credential inside a certificate PDF, attached as an incremental update.

Issuing is two revisions. Revision 1 is the certificate exactly as reportlab rendered it; the
credential signs its length and SHA-256, so every byte a viewer can draw is signed. Revision 2
only attaches that credential (``credential.jwt``) and is a pure function of revision 1 and the
token (`attach`). A verifier therefore confirms "exactly as issued" by rebuilding the file from
its signed prefix and the token, and comparing bytes: any annotation, extra drawing, swapped
image, hidden text or further update makes them differ.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

ATTACHMENT_NAME = "credential.jwt"
_DESCRIPTION = "Signed Open Badges 3.0 credential (VC-JWT) for this certificate"

_TRAILER = re.compile(
    rb"trailer\s*<<(?P<body>.*?)>>\s*startxref\s+(?P<xref>\d+)\s+%%EOF\s*$", re.DOTALL
)
_ROOT = re.compile(rb"/Root\s+(\d+)\s+0\s+R")
_INFO = re.compile(rb"/Info\s+(\d+)\s+0\s+R")
_SIZE = re.compile(rb"/Size\s+(\d+)")
_ID = re.compile(rb"/ID\s*\[\s*(<[0-9a-fA-F]*>\s*<[0-9a-fA-F]*>)\s*\]")
# Our revision 2, as `attach` writes it: the token is the stream of the first new object.
_TOKEN = re.compile(rb"/Type /EmbeddedFile[^\n]*\n>>\nstream\n([A-Za-z0-9_.\-]+)\nendstream\n")


class AttachmentError(ValueError):
    """Revision 1 is not a PDF this module can extend (not one reportlab wrote for us)."""


@dataclass(frozen=True)
class _Trailer:
    root: int
    info: int | None
    size: int
    xref: int
    file_id: bytes | None


def _trailer(pdf: bytes) -> _Trailer:
    found = _TRAILER.search(pdf[-2048:])
    if found is None:
        raise AttachmentError("no classic trailer at the end of the file")
    body = found["body"]
    root, size = _ROOT.search(body), _SIZE.search(body)
    if root is None or size is None:
        raise AttachmentError("the trailer names no /Root or /Size")
    info, file_id = _INFO.search(body), _ID.search(body)
    return _Trailer(
        int(root[1]),
        int(info[1]) if info else None,
        int(size[1]),
        int(found["xref"]),
        file_id[1] if file_id else None,
    )


def _catalog(pdf: bytes, number: int) -> bytes:
    """The inside of the catalog dictionary (between << and >>) of revision 1."""
    found = re.search(rb"\n%d 0 obj\n<<(.*?)>>\nendobj\n" % number, pdf, re.DOTALL)
    if found is None or b"/Names" in found[1] or b"/AF" in found[1]:
        raise AttachmentError("the catalog cannot be extended")
    return found[1].strip()


def signed_digest(pdf: bytes) -> dict[str, object]:
    """What a credential signs about revision 1: its length and SHA-256 (with, from the issuer,
    core.page_graph's digest under "graph", for copies re-saved by another program)."""
    return {"length": len(pdf), "sha256": hashlib.sha256(pdf).hexdigest()}


def attach(pdf: bytes, token: str) -> bytes:
    """Revision 1 plus an incremental update that attaches `token` as credential.jwt."""
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", token):
        raise AttachmentError("the credential is not a compact JWS")
    t = _trailer(pdf)
    catalog = _catalog(pdf, t.root)
    data = token.encode("ascii")
    embedded, spec = t.size, t.size + 1
    objects = [
        (
            embedded,
            b"<<\n/Length %d /Params << /Size %d >> /Subtype /application#2Fjwt "
            b"/Type /EmbeddedFile\n>>\nstream\n%s\nendstream\n" % (len(data), len(data), data),
        ),
        (
            spec,
            b"<<\n/AFRelationship /Data /Desc (%s) /EF << /F %d 0 R >> /F (%s) "
            b"/Type /Filespec /UF (%s)\n>>\n"
            % (_DESCRIPTION.encode(), embedded, ATTACHMENT_NAME.encode(), ATTACHMENT_NAME.encode()),
        ),
        (
            t.root,
            b"<<\n%s /AF [ %d 0 R ] /Names << /EmbeddedFiles << /Names [ (%s) %d 0 R ] >> >>\n>>\n"
            % (catalog, spec, ATTACHMENT_NAME.encode(), spec),
        ),
    ]
    out = bytearray(pdf)
    offsets: dict[int, int] = {}
    for number, body in objects:
        offsets[number] = len(out)
        out += b"%d 0 obj\n%sendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n"
    out += b"%d 1\n%010d 00000 n \n" % (t.root, offsets[t.root])
    out += b"%d 2\n%010d 00000 n \n%010d 00000 n \n" % (embedded, offsets[embedded], offsets[spec])
    trailer = b"/Size %d /Root %d 0 R /Prev %d" % (t.size + 2, t.root, t.xref)
    if t.info is not None:
        trailer += b" /Info %d 0 R" % t.info
    if t.file_id is not None:
        trailer += b" /ID [%s]" % t.file_id
    out += b"trailer\n<<\n%s\n>>\nstartxref\n%d\n%%%%EOF\n" % (trailer, xref_at)
    return bytes(out)


def token_in(data: bytes) -> str | None:
    """The attached token, read straight from revision 2 as `attach` writes it; None when the
    file does not end that way (then it was re-saved or changed, and a PDF parser must look)."""
    tail = data[-16384:]
    found = _TOKEN.search(tail)
    return found[1].decode("ascii") if found else None


def is_as_issued(data: bytes, token: str, claim: object) -> bool:
    """True only when the file is byte for byte revision 1 as signed plus our revision 2."""
    if not isinstance(claim, dict):
        return False
    length, digest = claim.get("length"), claim.get("sha256")
    if not isinstance(length, int) or isinstance(length, bool) or not 0 < length < len(data):
        return False
    prefix = data[:length]
    if not isinstance(digest, str) or hashlib.sha256(prefix).hexdigest() != digest:
        return False
    try:
        return attach(prefix, token) == data
    except AttachmentError:
        return False
