"""What a certificate says its holder showed: the transcript of the demo's Field-Qualified
credential, read back from the PDF the way a reader sees it."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from trainer.core.demo import seed_demo
from trainer.core.models import Credential


def _text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pages)


def test_the_transcript_says_what_was_assessed_in_plain_words(sqlite_db, clock) -> None:
    with sqlite_db.begin() as session:
        seed_demo(session, now=clock.now())
    with sqlite_db.begin() as session:
        row = session.scalars(
            select(Credential).where(Credential.program_key == "field-qualified")
        ).one()
        text = _text(row.pdf)
    assert "What was assessed: at least 120 hours of field work over at least three months" in text
    assert (
        "Practice scenarios passed in assessment mode (simulated situations, scored, no undo)"
        in (text)
    )
    assert text.count("Passed in assessment mode on") == 8
    assert "Observed practice" in text
    assert "Level 3 of 4 in a field observation on" in text
    assert (
        "rated by Teresa Alvarez" in text and "Observer's notes: Observed during an evening" in text
    )
    assert "All supervised field work 120" in text and "Shadowing 40" in text
    assert "Total" not in text.split("Supervised field hours")[1].split("Also required")[0]
    assert "span of supervised work" in text and "Signed-off field hours from" in text
    assert "CVI Practitioner: Foundations" in text.split("Also required")[1]  # the prerequisite
    # No internal numbers or design notes reach the page.
    assert not re.search(r"\bversion \d|\battempt \d|attempt_id|\bkey\b", text)
    assert "ready for field work" not in text
