"""The visible text of a certificate's first page, reduced to one digest that the issuer signs
and the verifier recomputes from what a viewer would see.

The digest is over the page's characters without white space, sorted: a program that re-saves
the file may split or merge text runs and move line breaks, but cannot add, remove or change a
visible character without changing it. Where text sits is checked separately (the signed values
must each appear whole, and be inked)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def text_digest(strings: Iterable[str]) -> str:
    chars = sorted(ch for text in strings for ch in text if not ch.isspace())
    return hashlib.sha256("".join(chars).encode("utf-8")).hexdigest()
