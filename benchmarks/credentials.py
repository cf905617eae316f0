"""Credential issuance and verification speed, each beside a floor measured in the same run.

Issuance: 1,000 eligible people get an Orientation certificate in one batch (eligibility, two
ES256 signatures, the PDF, the database row and audit entry, one transaction each). The floor is a
plain reportlab page carrying the same text. Target: at most 10x the floor.

Verification: each PDF is verified in full (format, signature, issuer and key period, printed
page, status, validity); an issued file is confirmed byte for byte by its signed digest. The floor
is opening the PDF with pypdf and reading its attachment. Target: at most 3x the floor, and under
50 ms. A copy re-saved by another program (pypdf here) is also timed: it takes the slow path
(the signed page-graph digest, a 150-dpi PDFium rendering, the QR code read from it).

    python benchmarks/credentials.py [N]
"""

from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from trainer.core.db import open_database
from trainer.core.models import (
    ContentDocument,
    ContentVersion,
    Credential,
    Person,
    PersonRole,
    PolicyAcknowledgment,
    QuizAttempt,
)
from trainer.core.paths import AppPaths, bundled_content_root
from trainer.core.policies import digest
from trainer.core.services import (
    accounts,
    issuance,
    library,
    policies,
    signing_keys,
    verification,
)

PASSPHRASE = "benchmark signing passphrase"
MODULES = ("core-01-cvi-field", "core-02-ethics-boundaries-police", "core-06-field-safety")


def setup(n: int, folder: Path):  # -> (db, manager, person ids)
    db = open_database(AppPaths(folder))
    now = datetime(2026, 11, 1, 9, tzinfo=UTC)
    with db.begin() as session:
        admin = accounts.setup_organization(
            session,
            accounts.OrganizationSetup(
                name="Benchmark Peace Project",
                admin_full_name="Ada Admin",
                admin_username="ada",
                admin_password="benchmark password",
                signing_passphrase=PASSPHRASE,
            ),
            now=now,
        )
        library.import_bundled(session, bundled_content_root(), now=now)
        manager = accounts.add_person(
            session,
            admin,
            accounts.NewPerson(
                "manny",
                "Manny Manager",
                frozenset({"manager"}),
                "benchmark password",
                "Program Manager",
            ),  # type: ignore[arg-type]
            now=now,
        )
        hash_ = manager.password_hash  # people below never sign in: one hash for all
        versions = dict(
            session.execute(
                select(ContentDocument.key, ContentVersion.id)
                .join(ContentVersion, ContentVersion.document_id == ContentDocument.id)
                .where(ContentDocument.key.in_(MODULES))
            ).all()
        )
        docs = dict(
            session.execute(
                select(ContentDocument.key, ContentDocument.id).where(
                    ContentDocument.key.in_(MODULES)
                )
            ).all()
        )
        first = session.scalar(select(Person.id).order_by(Person.id.desc())) + 1
        ids = list(range(first, first + n))
        session.execute(
            insert(Person),
            [
                {
                    "id": pid,
                    "organization_id": admin.organization_id,
                    "username": f"worker{pid}",
                    "full_name": f"Worker Number {pid} Delgado-Whitfield",
                    "password_hash": hash_,
                    "must_change_password": False,
                    "active": True,
                    "failed_sign_ins": 0,
                    "created_at": now,
                }
                for pid in ids
            ],
        )
        session.execute(insert(PersonRole), [{"person_id": pid, "role": "trainee"} for pid in ids])
        session.execute(
            insert(QuizAttempt),
            [
                {
                    "person_id": pid,
                    "document_id": docs[key],
                    "version_id": versions[key],
                    "seed": 1,
                    "answers": "{}",
                    "correct": 9,
                    "total": 10,
                    "score": 0.9,
                    "passed": True,
                    "submitted_at": now - timedelta(days=3),
                }
                for pid in ids
                for key in MODULES
            ],
        )
        # Orientation asks for a signed acknowledgment of the organization's written policies.
        for title in policies.unwritten(session, admin.organization_id):
            policies.set_text(session, admin, title, f"Our policy on {title}.", now=now)
        signed = digest(policies.texts(session, admin.organization_id))
        session.execute(
            insert(PolicyAcknowledgment),
            [
                {
                    "person_id": pid,
                    "digest": signed,
                    "signed_name": f"Worker Number {pid} Delgado-Whitfield",
                    "acknowledged_at": now - timedelta(days=2),
                }
                for pid in ids
            ],
        )
    return db, manager, ids, now


def plain_page(text: list[str], font: str = "Helvetica") -> bytes:
    from reportlab.lib.pagesizes import landscape, letter
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=landscape(letter))
    page.setFont(font, 12)
    y = 560.0
    for line in text:
        page.drawString(72, y, line)
        y -= 16
    page.showPage()
    page.save()
    return buffer.getvalue()


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        db, manager, ids, now = setup(n, Path(tmp) / "data")
        with db.begin() as session:
            key = signing_keys.unlock(session, manager, PASSPHRASE)
        start = time.perf_counter()
        result = issuance.issue_batch(db.begin, manager, key, ids, "orientation", now=now)
        per_cert = (time.perf_counter() - start) / n * 1000
        assert len(result.issued) == n, result.refused[:3]

        with db.begin() as session:
            sample = list(session.scalars(select(Credential).limit(50)))
            pdfs = [(c.pdf, c) for c in sample]
            org_id = manager.organization_id
        c = sample[0]
        text = [
            "Benchmark Peace Project",
            "This certifies that",
            c.holder_name,
            "has completed the requirements of",
            c.title,
            "Issued 1 November 2026",
            f"Verification code {c.code}",
            f"Credential ID {c.uuid}",
            "Manny Manager, Program Manager",
            "Issued by the training program of the organization named above; not a state certification.",
            *MODULES,
        ]
        floor = median_ms(lambda: plain_page(text), 200)
        from trainer.core.certificate_render import SANS, _ensure_fonts

        _ensure_fonts()
        floor_embedded = median_ms(lambda: plain_page(text, SANS), 200)

        def open_and_attachment(data: bytes) -> None:
            from pypdf import PdfReader

            reader = PdfReader(io.BytesIO(data))
            assert reader.attachments["credential.jwt"][0]

        floor_read = statistics.median(
            median_ms(lambda d=data: open_and_attachment(d), 5) for data, _ in pdfs
        )

        def verify(data: bytes) -> None:
            with db.begin() as session:
                report = verification.verify_file(
                    session, org_id, data, "c.pdf", now=now + timedelta(days=1)
                )
            assert report.verdict == "verified", report.headline

        verify_ms = statistics.median(median_ms(lambda d=data: verify(d), 5) for data, _ in pdfs)

        def resave(data: bytes) -> bytes:
            from pypdf import PdfReader, PdfWriter

            out = io.BytesIO()
            PdfWriter(clone_from=PdfReader(io.BytesIO(data))).write(out)
            return out.getvalue()

        resaved = [resave(data) for data, _ in pdfs[:10]]
        resaved_ms = statistics.median(median_ms(lambda d=data: verify(d), 3) for data in resaved)
        db.dispose()

    print(f"Issuance of {n} certificates in one batch (eligibility, signing, PDF, database):")
    print(f"  per certificate        {per_cert:8.2f} ms")
    print(f"  plain reportlab page   {floor:8.2f} ms   (floor, same run)")
    print(f"  ratio                  {per_cert / floor:8.1f} x   (target <= 10x)")
    print(
        f"  same page, embedded TTF font {floor_embedded:6.2f} ms   (for context: font subsetting)"
    )
    print("Verification of a certificate PDF (median over 50 PDFs x 5 runs):")
    print(f"  full verification      {verify_ms:8.2f} ms   (target < 50 ms)")
    print(f"  open PDF + attachment  {floor_read:8.2f} ms   (floor, same run)")
    print(f"  ratio                  {verify_ms / floor_read:8.1f} x   (target <= 3x)")
    print(
        f"  re-saved copy          {resaved_ms:8.2f} ms   (pypdf rewrite: page graph, PDFium "
        "render, QR; 10 PDFs x 3 runs)"
    )


if __name__ == "__main__":
    main()
