"""A stranger forges organization A's issuer card. The forged cards are built with a second JOSE
library (PyJWT) and the `cryptography` package, from A's genuine card file, as an attacker
would. Every forgery is refused, or shows a fingerprint a phone call catches, and A's genuine
certificates keep verifying wherever A is trusted."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.attacks.conftest import (
    card_text,
    cli_as_manager,
    other_org,
    pdf_of,
    trust_card,
    verify_at,
)
from tests.core.credential_fixtures import Org
from trainer.cli import main
from trainer.core.errors import CredentialFormatError, ValidationError
from trainer.core.services import trust
from trainer.core.signing import fingerprint
from trainer.core.verify import UNKNOWN_ISSUER, VERIFIED


def _b64(number: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes(32, "big")).decode().rstrip("=")


def _attacker_key() -> tuple[ec.EllipticCurvePrivateKey, dict[str, str]]:
    private = ec.generate_private_key(ec.SECP256R1())
    numbers = private.public_key().public_numbers()
    return private, {"kty": "EC", "crv": "P-256", "x": _b64(numbers.x), "y": _b64(numbers.y)}


def _thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638, written out by hand as an attacker would (not our code)."""
    members = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"))
    digest = hashlib.sha256(members.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _resign(card: dict, private: ec.EllipticCurvePrivateKey, kid: str) -> dict:
    """Sign a card body the way CVI Trainer does, with the attacker's key (PyJWT)."""
    body = {k: v for k, v in card.items() if k != "signature"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    payload = {
        "sha256": hashlib.sha256(canonical.encode()).hexdigest(),
        "iss": card["issuer"]["id"],
    }
    headers = {"kid": kid, "typ": "cvi-issuer-card"}
    return {**body, "signature": jwt.encode(payload, private, algorithm="ES256", headers=headers)}


def _with_key(card: dict, jwk: dict[str, str], kid: str) -> dict:
    forged = copy.deepcopy(card)
    forged["keys"][-1].update(jwk, kid=kid)
    return forged


@pytest.fixture
def cards(org: Org, tmp_path: Path) -> dict:
    """A's genuine card, and B (who trusts A) and C (who does not yet)."""
    genuine = card_text(org)
    b = other_org(org, tmp_path / "b")
    trust_card(b, genuine)
    return {"genuine": json.loads(genuine), "b": b, "c": other_org(org, tmp_path / "c")}


def test_a_card_with_a_swapped_key_but_the_original_kid_is_refused(org: Org, cards: dict) -> None:
    private, jwk = _attacker_key()
    original_kid = cards["genuine"]["keys"][-1]["kid"]
    forged = _resign(_with_key(cards["genuine"], jwk, original_kid), private, original_kid)
    for importer in (cards["b"], cards["c"]):
        with pytest.raises(CredentialFormatError, match="not its key's thumbprint"):
            trust_card(importer, json.dumps(forged))
    issued = org.oriented(org.team.trainee)
    assert verify_at(cards["b"], pdf_of(org, issued.id), after=org).verdict == VERIFIED


def test_a_self_consistent_forgery_shows_the_attackers_fingerprint_not_as(
    org: Org, cards: dict
) -> None:
    private, jwk = _attacker_key()
    kid = _thumbprint(jwk)
    forged = json.dumps(_resign(_with_key(cards["genuine"], jwk, kid), private, kid))
    real = fingerprint(cards["genuine"]["keys"][-1])
    card = trust.card_in(forged)
    assert card is not None and card.issuer == cards["genuine"]["issuer"]["id"]
    with cards["c"].db.begin() as session:
        plan = trust.plan_card(session, cards["c"].team.manager, card)
    # C is asked to compare the attacker's fingerprint with the one A reads out: they differ.
    assert plan.action == "new" and plan.fingerprint != real
    assert plan.fingerprint == fingerprint(jwk)


def test_a_trusted_issuers_card_with_a_foreign_key_is_refused_and_changes_nothing(
    org: Org, cards: dict
) -> None:
    private, jwk = _attacker_key()
    kid = _thumbprint(jwk)
    forged = json.dumps(_resign(_with_key(cards["genuine"], jwk, kid), private, kid))
    with pytest.raises(ValidationError, match="signed by none of the keys you trust"):
        trust_card(cards["b"], forged)
    issued = org.oriented(org.team.trainee)
    assert verify_at(cards["b"], pdf_of(org, issued.id), after=org).verdict == VERIFIED


def test_the_command_line_will_not_trust_a_new_card_without_the_read_out_fingerprint(
    org: Org,
    cards: dict,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    private, jwk = _attacker_key()
    kid = _thumbprint(jwk)
    path = tmp_path / "card.json"
    path.write_text(json.dumps(_resign(_with_key(cards["genuine"], jwk, kid), private, kid)))
    real = fingerprint(cards["genuine"]["keys"][-1])
    c_dir = str(cards["c"].folder)
    code = main(cli_as_manager(monkeypatch, "trust", "import", str(path), "--fingerprint", real,
                               "--data-dir", c_dir))  # fmt: skip
    assert code == 1 and "Not imported" in capsys.readouterr().err


def test_an_unrelated_issuer_reusing_as_key_cannot_break_as_certificates(
    org: Org, cards: dict, tmp_path: Path
) -> None:
    d = other_org(org, tmp_path / "d")
    d_card = json.loads(card_text(d))
    a_key = {**cards["genuine"]["keys"][-1], "retiredAt": d_card["keys"][0]["activeFrom"]}
    d_card["keys"].insert(0, a_key)  # D's genuine, D-signed card now also lists A's key
    d_card["keys"][0]["activeFrom"] = "2020-01-01T00:00:00Z"
    with pytest.raises(CredentialFormatError, match="signature does not match"):
        trust_card(cards["b"], json.dumps(d_card))  # D's signature no longer covers the card
    issued = org.oriented(org.team.trainee)
    assert verify_at(cards["b"], pdf_of(org, issued.id), after=org).verdict == VERIFIED


def test_a_validly_signed_card_listing_another_trusted_issuers_key_is_refused(
    org: Org, cards: dict, tmp_path: Path
) -> None:
    """E signs its own card correctly but slips A's public key in: a key belongs to one issuer."""
    private, jwk = _attacker_key()
    kid = _thumbprint(jwk)
    body = copy.deepcopy(cards["genuine"])
    body["issuer"] = {"id": "urn:uuid:00000000-0000-4000-8000-00000000000e", "name": "E",
                      "contact": None}  # fmt: skip
    a_key = {**body["keys"][-1], "retiredAt": "2026-01-01T00:00:00Z"}
    a_key["activeFrom"] = "2025-01-01T00:00:00Z"
    own = {**a_key, **jwk, "kid": kid, "retiredAt": None, "activeFrom": "2026-01-01T00:00:00Z"}
    body["keys"] = [a_key, own]
    forged = json.dumps(_resign(body, private, kid))
    with pytest.raises(ValidationError, match="belongs to"):
        trust_card(cards["b"], forged)
    # Where A is not trusted, E's card cannot make A's certificates verify as E's either.
    trust_card(cards["c"], forged)
    issued = org.oriented(org.team.trainee)
    assert verify_at(cards["c"], pdf_of(org, issued.id), after=org).verdict == UNKNOWN_ISSUER


def test_an_unsigned_or_tampered_card_is_refused_with_one_line_and_exit_2(
    org: Org,
    cards: dict,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unsigned = {k: v for k, v in cards["genuine"].items() if k != "signature"}
    renamed = {**cards["genuine"], "issuer": {**cards["genuine"]["issuer"], "name": "Not A"}}
    c_dir = str(cards["c"].folder)
    for n, bad in enumerate((unsigned, renamed, "x" * 3_000_000, "{not json")):
        path = tmp_path / f"bad-{n}.json"
        path.write_text(bad if isinstance(bad, str) else json.dumps(bad))
        code = main(cli_as_manager(monkeypatch, "trust", "import", str(path), "--data-dir", c_dir,
                                   "--fingerprint", "0000"))  # fmt: skip
        err = capsys.readouterr().err
        assert code == 2 and str(path) in err and len(err.strip().splitlines()) == 1, err
    with cards["c"].db.begin() as session:
        assert trust.trusted_issuers(session, cards["c"].team.manager) == []
