"""Program policy boxes: the `!!! policy "Title"` boxes in module text, which each organization
answers with its own written policy (boxes with the same title share one answer). Pure."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

POLICY_RE = re.compile(r'^!!! policy "([^"\n]{1,120})"[ \t]*$', re.M)
NOT_WRITTEN = (
    "Your organization has not written this policy in CVI Trainer yet. Ask your supervisor "
    "before you need it."
)


@dataclass(frozen=True)
class Box:
    title: str
    guidance: str  # the box's own text, unindented
    line: int  # 1-based line in the body


def boxes(body: str) -> list[Box]:
    """Every policy box in a module body, in order."""
    lines = body.splitlines()
    found = []
    for m in POLICY_RE.finditer(body):
        start = body[: m.start()].count("\n") + 1
        guidance = []
        for line in lines[start:]:
            if line.strip() and not line.startswith(("    ", "\t")):
                break
            guidance.append(line.strip())
        found.append(Box(m.group(1).strip(), " ".join(g for g in guidance if g), start))
    return found


def _quoted(text: str) -> str:
    """Organization text as indented Markdown paragraphs inside the box (HTML is escaped)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", escaped.strip()) if p.strip()]
    # A quotation inside the box, so the organization's own words stand apart from the guidance.
    return "\n    >\n".join("    > " + p.replace("\n", "  \n    > ") for p in paragraphs)


def with_policies(body: str, texts: dict[str, str]) -> str:
    """The body with each policy box followed, inside the box, by the organization's answer."""
    out: list[str] = []
    lines = body.splitlines()
    i = 0
    while i < len(lines):
        m = POLICY_RE.match(lines[i])
        out.append(f'!!! policy "Your program\'s policy: {m.group(1).strip()}"' if m else lines[i])
        i += 1
        if not m:
            continue
        while i < len(lines) and (not lines[i].strip() or lines[i].startswith(("    ", "\t"))):
            out.append(lines[i])
            i += 1
        while out and not out[-1].strip():
            out.pop()
        text = texts.get(m.group(1).strip(), "").strip()
        answer = (
            "    **Your organization's policy:**\n\n" + _quoted(text)
            if text
            else f"    *{NOT_WRITTEN}*"
        )
        out += ["", answer, ""]
    return "\n".join(out) + ("\n" if body.endswith("\n") else "")


def digest(texts: dict[str, str]) -> str:
    """Identifies one set of policy texts: an acknowledgment is of exactly these."""
    canonical = json.dumps(sorted(texts.items()), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
