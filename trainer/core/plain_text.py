"""Text people typed or strangers sent, kept plain: no control characters that would restyle a
terminal (escape sequences), rewrite a line (carriage return, backspace) or reorder what a reader
sees (bidirectional overrides, the "Trojan Source" trick)."""

from __future__ import annotations

import unicodedata

# Explicit bidirectional formatting characters (Unicode TR9): embeddings, overrides, isolates and
# the marks. Other format characters (zero-width joiners in emoji and Indic scripts, soft hyphens)
# are part of ordinary names and stay.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def is_control(ch: str) -> bool:
    """A character that steers a display instead of showing something."""
    return ch in _BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Zl", "Zp")


def first_control(text: str) -> str | None:
    """The first control character in `text`, or None."""
    return next((ch for ch in text if is_control(ch)), None)


def printable(text: object) -> str:
    """`text` safe to print to a terminal on one line: each control character (newlines too) is
    written as a visible escape such as \\x1b or \\u202e, everything else as it is."""
    return "".join(
        (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}") if is_control(ch) else ch
        for ch in str(text)
    )
