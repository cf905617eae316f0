"""Verification: turn what someone presents (a certificate PDF, an Open Badge, a QR code) into
one plain verdict with the steps behind it. Pure: keys and status come in as functions."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from typing import Protocol

from trainer.core import qr_code
from trainer.core.dates import long_date, short_date
from trainer.core.errors import CredentialFormatError
from trainer.core.issuer_cards import PublicKey
from trainer.core.open_badges import PDF_CLAIM, Claims, badge_token_claims
from trainer.core.signing import Token, fingerprint, read_token, signature_valid

VERIFIED, NOT_VERIFIED, UNKNOWN_ISSUER = "verified", "not_verified", "unknown_issuer"
REVOKED, SUSPENDED, EXPIRED, NOT_YET_VALID = "revoked", "suspended", "expired", "not_yet_valid"
PAGE_CHANGED = "Not verified: the printed page was changed after issuing."


@dataclass(frozen=True)
class TrustedKeyInfo:
    key: PublicKey
    issuer: str
    issuer_name: str
    own: bool  # this organization's own key


@dataclass(frozen=True)
class StatusMarkInfo:
    at: datetime
    reason: str


@dataclass(frozen=True)
class StatusAnswer:
    """What is known about a credential's status: checked or not, and the mark if any."""

    checked: bool
    revoked: StatusMarkInfo | None = None
    suspended: StatusMarkInfo | None = None
    source: str = ""


@dataclass(frozen=True)
class Step:
    name: str
    outcome: str  # "passed", "failed", "not checked"
    detail: str


@dataclass(frozen=True)
class Report:
    verdict: str
    headline: str  # one plain sentence: "Verified", "Revoked on 3 Mar 2026: ..."
    steps: tuple[Step, ...]
    claims: Claims | None
    signed: bool = False  # the claims carry a valid signature of a trusted issuer
    status_checked: bool = False  # revocation and suspension were checked against fresh data

    @property
    def exit_code(self) -> int:
        return 0 if self.verdict == VERIFIED else 1


@dataclass(frozen=True)
class PageInspection:
    """What a viewer would see on page 1 of a file that is not byte for byte as issued."""

    problems: tuple[str, ...]  # changes found, in words ("an annotation was added")
    visible_text: str  # the text a viewer sees (invisible text left out), whitespace-normalised
    qr_texts: tuple[str, ...]  # QR codes decoded from the rendered page
    graph_digest: str  # core.page_graph: everything the file draws and does ("" if unreadable)


class PrintedPage(Protocol):
    """A certificate file as found (core.certificate_read.CertificateFile)."""

    def as_issued(self, claim: object) -> bool: ...

    def inspect(self) -> PageInspection: ...


@dataclass(frozen=True)
class Evidence:
    """What was presented: the credential token and, for a PDF, the file it came in."""

    token: str
    source: str  # "PDF certificate", "Open Badge (VC-JWT)", "QR code", "verification code"
    page: PrintedPage | None = None


KeyFinder = Callable[[str, str], list[TrustedKeyInfo]]  # (issuer, kid or kid prefix) -> keys


@dataclass
class _Run:
    steps: list[Step] = field(default_factory=list)

    def add(self, name: str, ok: bool | None, detail: str) -> None:
        outcome = "not checked" if ok is None else ("passed" if ok else "failed")
        self.steps.append(Step(name, outcome, detail))

    def report(
        self,
        verdict: str,
        headline: str,
        claims: Claims | None,
        *,
        signed: bool = False,
        status_checked: bool = False,
    ) -> Report:
        return Report(verdict, headline, tuple(self.steps), claims, signed, status_checked)


@dataclass(frozen=True)
class _Presented:
    claims: Claims
    token: Token | None  # the VC-JWT (None for a QR code)
    qr: qr_code.QrPayload | None


def looks_like_qr(text: str) -> bool:
    """Is this text a CVI Trainer QR code (any format version)?"""
    return text.startswith("CVI") and text[3:4].isdigit()


def qr_claims(qr: qr_code.QrPayload) -> Claims:
    f = qr.fields
    return Claims(
        credential_id=f.credential_id,
        issuer=f.issuer_id,
        issuer_name="The QR code's issuer",  # the trust store names a trusted one
        holder_name=f.holder_name,
        title=f.title,
        valid_from=datetime.combine(f.issued_on, time(), UTC),
        valid_until=datetime.combine(f.expires_on, time(), UTC) if f.expires_on else None,
        status_index=f.status_index,
        code=f.code,
    )


def _qr_keys(qr: qr_code.QrPayload, find_keys: KeyFinder) -> list[TrustedKeyInfo]:
    # A 10-character prefix of the base64url thumbprint is 60 of the QR code's 64 bits.
    prefix = base64.urlsafe_b64encode(qr.kid_prefix).decode("ascii")[:10]
    found = find_keys(qr.fields.issuer_id, prefix)
    return [k for k in found if qr_code.kid_matches(qr, k.key.kid)]


def _read(evidence: Evidence) -> _Presented:
    if looks_like_qr(evidence.token):
        qr = qr_code.parse(evidence.token)
        return _Presented(qr_claims(qr), None, qr)
    token = read_token(evidence.token, "The credential")
    return _Presented(badge_token_claims(token), token, None)


def _in_use(key: PublicKey, claims: Claims, *, day_only: bool) -> bool:
    """Was `key` in use when the credential was issued? A QR code carries only the issue date
    (its valid_from is that day's midnight), so any part of that day counts."""
    if not day_only:
        return key.active_at(claims.valid_from)
    start = claims.valid_from
    return key.active_from < start + timedelta(days=1) and (
        key.retired_at is None or start < key.retired_at
    )


def _signed_by(presented: _Presented, find_keys: KeyFinder) -> tuple[TrustedKeyInfo | None, bool]:
    """(the issuer's key that the credential names, whether its signature holds)."""
    claims = presented.claims
    if presented.qr is not None:
        keys = _qr_keys(presented.qr, find_keys)
        for info in keys:
            if qr_code.signature_valid(presented.qr, info.key.jwk):
                return info, True
        return (keys[0] if keys else None), False
    assert presented.token is not None
    keys = find_keys(claims.issuer, presented.token.kid or "")
    if not keys:
        return None, False
    return keys[0], signature_valid(presented.token, keys[0].key.jwk)


def verify(
    evidence: Evidence,
    *,
    find_keys: KeyFinder,
    status_of: Callable[[Claims, bool], StatusAnswer],
    now: datetime,
) -> Report:
    """Format, signature, issuer and key period, (PDF: the printed page), status, validity."""
    run = _Run()
    try:
        presented = _read(evidence)
    except CredentialFormatError as exc:
        run.add("Format", False, str(exc))
        return run.report(NOT_VERIFIED, "Not verified: the credential inside is damaged.", None)
    claims = presented.claims
    run.add("Format", True, f"{evidence.source} carrying a signed credential")

    trusted, valid = _signed_by(presented, find_keys)
    if trusted is not None and presented.qr is not None:
        claims = replace(claims, issuer_name=trusted.issuer_name)
    if trusted is None:
        run.add("Signature", None, "The signing key is not one this organization trusts.")
        run.add(
            "Issuer",
            False,
            f"{claims.issuer_name} is not among your trusted issuers, so nothing shown here is "
            "confirmed. If you trust them, import their issuer card (Verify › Trusted issuers) "
            "after checking its fingerprint with them, and verify again.",
        )
        return run.report(
            UNKNOWN_ISSUER, f"Unknown issuer: {claims.issuer_name} is not trusted here.", claims
        )
    if not valid:
        run.add("Signature", False, "The signature does not match: the content was changed.")
        return run.report(
            NOT_VERIFIED, "Not verified: the certificate was altered after signing.", claims
        )
    run.add("Signature", True, f"ES256 signature valid (key {fingerprint(trusted.key.jwk)})")
    if not _in_use(trusted.key, claims, day_only=presented.qr is not None):
        run.add(
            "Issuer",
            False,
            f"Signed with a key of {trusted.issuer_name} that was not in use on "
            f"{short_date(claims.valid_from)}.",
        )
        return run.report(
            NOT_VERIFIED, "Not verified: signed with a key outside its period of use.", claims
        )
    who = "your organization" if trusted.own else "a trusted issuer"
    run.add("Issuer", True, f"{trusted.issuer_name} ({who}); key in use on the issue date")

    def signed_report(verdict: str, headline: str, checked: bool = False) -> Report:
        return run.report(verdict, headline, claims, signed=True, status_checked=checked)

    page, token = evidence.page, presented.token
    if (
        page is not None
        and token is not None
        and not _page_holds(page, token, claims, run, find_keys)
    ):
        return signed_report(NOT_VERIFIED, PAGE_CHANGED)

    status = status_of(claims, trusted.own)
    if status.revoked is not None:
        mark = status.revoked
        run.add("Status", False, f"Revoked on {short_date(mark.at)}: {mark.reason}")
        return signed_report(REVOKED, f"Revoked on {short_date(mark.at)}: {mark.reason}", True)
    if status.suspended is not None:
        mark = status.suspended
        run.add("Status", False, f"Suspended on {short_date(mark.at)}: {mark.reason}")
        return signed_report(SUSPENDED, f"Suspended on {short_date(mark.at)}: {mark.reason}", True)
    run.add("Status", True if status.checked else None, status.source)

    if now < claims.valid_from:
        run.add("Validity", False, f"Valid only from {short_date(claims.valid_from)}")
        return signed_report(
            NOT_YET_VALID,
            f"Not yet valid: valid from {short_date(claims.valid_from)}.",
            status.checked,
        )
    if claims.valid_until is not None and now >= claims.valid_until:
        run.add("Validity", False, f"Expired on {short_date(claims.valid_until)}")
        return signed_report(
            EXPIRED, f"Expired on {short_date(claims.valid_until)}.", status.checked
        )
    until = (
        f"until {short_date(claims.valid_until)}" if claims.valid_until else "with no expiry date"
    )
    run.add("Validity", True, f"Valid from {short_date(claims.valid_from)} {until}")
    if not status.checked:
        return signed_report(
            VERIFIED, f"Verified, but revocation could not be checked: {status.source}"
        )
    return signed_report(VERIFIED, "Verified", True)


def _page_holds(
    page: PrintedPage, token: Token, claims: Claims, run: _Run, find_keys: KeyFinder
) -> bool:
    """Is what a viewer sees on the page what was signed? Byte for byte as issued answers at
    once; a file re-saved by another program must show the signed text, nothing hidden or added,
    and the QR code of this credential, in what a viewer sees."""
    claim = token.payload.get(PDF_CLAIM)
    if page.as_issued(claim):
        run.add("Printed page", True, "The file is exactly as issued: every byte is signed")
        return True
    seen = page.inspect()
    if seen.problems:
        run.add("Printed page", False, "; ".join(seen.problems).capitalize() + "." + _NEXT)
        return False
    problem = _qr_problem(seen.qr_texts, claims, find_keys)
    run.add("QR code", problem is None, problem or "The QR code on the page is this credential's")
    if problem:
        run.add("Printed page", False, "The page does not show this credential's QR code." + _NEXT)
        return False
    missing = _missing_text(seen.visible_text, claims)
    if missing:
        run.add(
            "Printed page",
            False,
            f"The {', '.join(missing)} on the page differ from the signed credential." + _NEXT,
        )
        return False
    signed_graph = claim.get("graph") if isinstance(claim, dict) else None
    if not signed_graph or signed_graph != seen.graph_digest:
        run.add(
            "Printed page",
            False,
            "What the file draws is not what was issued: text, fonts, images, drawing or pages "
            "were added, removed or changed." + _NEXT,
        )
        return False
    run.add(
        "Printed page",
        True,
        "Re-saved by another program since it was issued; everything it draws is as issued, and "
        "the QR code and the text a viewer sees match the signed credential",
    )
    return True


_NEXT = (
    " Trust only the signed details shown here; ask the holder for the PDF exactly as the issuer "
    "sent it."
)


def _normalize(text: str) -> str:
    return " ".join(text.split()).casefold()


def _missing_text(visible: str, claims: Claims) -> list[str]:
    printed = _normalize(visible)
    expected = [
        ("holder name", claims.holder_name),
        ("title", claims.title),
        ("issue date", long_date(claims.valid_from.date())),
    ]
    if claims.valid_until is not None:
        expected.append(("expiry date", long_date(claims.valid_until.date())))
    if claims.code:
        expected.append(("verification code", claims.code))
    return [label for label, value in expected if _normalize(value) not in printed]


def _qr_problem(qr_texts: tuple[str, ...], claims: Claims, find_keys: KeyFinder) -> str | None:
    if not qr_texts:
        return "The certificate's QR code is missing or cannot be read from the page."
    if len(qr_texts) > 1:
        return "The page shows more than one QR code."
    try:
        qr = qr_code.parse(qr_texts[0])
    except CredentialFormatError:
        return "The QR code on the page is not a CVI Trainer credential."
    shown = qr_claims(qr)
    if not any(qr_code.signature_valid(qr, k.key.jwk) for k in _qr_keys(qr, find_keys)):
        return "The QR code's signature does not check out."
    if not shown.same_credential(claims):
        return "The QR code on the page belongs to a different certificate."
    return None
