"""A canonical digest of everything that draws or runs in a PDF, for files re-saved by another
program (docs/decisions/005; shared/reference/pdf-integrity.md, scheme 2).

Every page with its inherited attributes, its content streams, and each resource they use,
followed through references to the bottom (fonts with their programs, /Widths and /ToUnicode;
images with their samples and /Decode; patterns, shadings, graphics states, form XObjects,
annotations and actions), plus the document catalog's rendering and action entries. Streams are
hashed decoded, dictionary keys sorted, and numbers normalised, so a program that only rewrites
the file (new object numbers, recompressed streams, a rebuilt cross-reference table) leaves the
digest as issued, while any change to what is drawn or done changes it. The credential's own
attachment is left out: it is what signs this digest.
"""

from __future__ import annotations

import hashlib
import io
import re
from decimal import Decimal
from typing import Any

from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    StreamObject,
)

GRAPH_VERSION = "g1"
# Bookkeeping a re-saver may rewrite without changing what is drawn or done.
_SKIP = frozenset({"/Length", "/Filter", "/DecodeParms", "/Parent", "/DL", "/StructParents"})
_CATALOG_SKIP = frozenset({"/Pages", "/Names", "/AF", "/Metadata", "/Outlines", "/PageLabels"})
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
# A literal string (with one level of balanced parentheses, as the PDF syntax allows) is kept as
# it is; any other run of white space becomes one space.
_TOKENS = re.compile(rb"(\((?:[^()\\]|\\.|\((?:[^()\\]|\\.)*\))*\))|[\x00\t\n\f\r ]+", re.DOTALL)


class GraphError(ValueError):
    """The file cannot be read strictly enough to say what it draws."""


class _Hasher:
    def __init__(self) -> None:
        self.done: dict[tuple[int, int], str] = {}
        self.busy: set[tuple[int, int]] = set()

    def value(self, obj: Any, skip: frozenset[str] = _SKIP) -> str:
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in self.done:
                return self.done[ref]
            if ref in self.busy:
                return "cycle"  # e.g. an annotation's /P back to its page
            self.busy.add(ref)
            try:
                digest = self.value(obj.get_object(), skip)
            finally:
                self.busy.discard(ref)
            self.done[ref] = digest
            return digest
        if isinstance(obj, StreamObject):
            fields = self._fields(obj, skip)
            if obj.get("/Subtype") == "/Form" or obj.get("/PatternType") == 1:
                return _h("drawing", fields, self.content(obj))
            return _h("stream", fields, hashlib.sha256(obj.get_data()).hexdigest())
        if isinstance(obj, DictionaryObject):
            return _h("dict", self._fields(obj, skip))
        if isinstance(obj, ArrayObject):
            return _h("array", *[self.value(item) for item in obj])
        if isinstance(obj, NameObject):
            return f"name:{obj}"
        if isinstance(obj, BooleanObject):
            return f"bool:{bool(obj)}"
        if isinstance(obj, NumberObject | int):
            return f"num:{int(obj)}"
        if isinstance(obj, FloatObject | float):
            number = Decimal(str(obj)).normalize()
            return f"num:{number:f}"
        if isinstance(obj, NullObject) or obj is None:
            return "null"
        if hasattr(obj, "get_original_bytes"):  # text and byte strings
            return f"str:{bytes(obj.get_original_bytes()).hex()}"
        raise GraphError(f"unexpected PDF object {type(obj).__name__}")

    def content(self, stream: Any) -> str:
        """A content stream (an array of them concatenated, as viewers do), decoded, with white
        space between tokens folded: line endings and spacing a re-saver changes do not count,
        and any change to an operator, operand or string does."""
        if stream is None:
            return "no content"
        parts = [stream] if isinstance(stream, StreamObject) else list(stream.get_object())
        streams: list[Any] = [part.get_object() for part in parts]
        data = b"\n".join(part.get_data() for part in streams)
        folded = _TOKENS.sub(lambda m: m[1] if m[1] is not None else b" ", data).strip()
        return hashlib.sha256(folded).hexdigest()

    def _fields(self, obj: Any, skip: frozenset[str]) -> str:
        return _h(*[f"{key}={self.value(obj[key])}" for key in sorted(obj) if key not in skip])


def _h(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def strict_reader(data: bytes) -> Any:
    """A pypdf reader that refuses to repair: a parser that guesses is not one to hash with."""
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted:
            raise GraphError("the file is encrypted")
        return reader
    except GraphError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged or hostile input
        raise GraphError(f"the file's structure cannot be read strictly ({exc})") from exc


def graph_digest(data: bytes, reader: Any = None) -> str:
    """The digest of what `data` draws and does (read with `reader` when the caller has one
    from strict_reader); GraphError if it cannot be read strictly."""
    try:
        reader = reader if reader is not None else strict_reader(data)
        hasher = _Hasher()
        catalog: Any = reader.trailer["/Root"].get_object()
        parts = [GRAPH_VERSION, hasher.value(catalog, _SKIP | _CATALOG_SKIP)]
        names = catalog.get("/Names")
        if names is not None:
            other = DictionaryObject(
                {NameObject(k): v for k, v in names.get_object().items() if k != "/EmbeddedFiles"}
            )
            if other:  # JavaScript and the like; the attachment alone adds nothing
                parts.append(hasher.value(other))
        for page in reader.pages:  # pypdf copies inherited attributes onto each page
            effective = DictionaryObject({k: v for k, v in page.items() if k != "/Contents"})
            for key in _INHERITED:
                found = page.get(key)
                if key not in effective and found is not None:
                    effective[NameObject(key)] = found
            parts.append(hasher.value(effective))
            contents = page.get("/Contents")
            parts.append(hasher.content(contents.get_object() if contents is not None else None))
        return _h(*parts)
    except GraphError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged or hostile input
        raise GraphError(f"the file's structure cannot be read strictly ({exc})") from exc
