"""The credential commands, as a script would use them: two organizations on two data dirs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trainer.cli import main
from trainer.core.demo_people import DEMO_SIGNING_PASSPHRASE


@pytest.fixture(scope="module")
def two_orgs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("orgs")
    a, b = root / "a", root / "b"
    for folder in (a, b):
        assert main(["seed-demo", "--data-dir", str(folder)]) == 0
    return a, b


def _run(
    capsys,
    monkeypatch,
    *argv: str,
    password: str = "demo-manager-pass",
    passphrase: str = DEMO_SIGNING_PASSPHRASE,
) -> tuple[int, str, str]:
    monkeypatch.setenv("CVI_TRAINER_PASSWORD", password)
    monkeypatch.setenv("CVI_TRAINER_SIGNING_PASSPHRASE", passphrase)
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _credentials(capsys, monkeypatch, folder: Path) -> list[dict]:
    code, out, _ = _run(
        capsys,
        monkeypatch,
        "credentials",
        "list",
        "--json",
        "--as",
        "manager",
        "--data-dir",
        str(folder),
    )
    assert code == 0
    return json.loads(out)


def _card(
    capsys, monkeypatch, folder: Path, card: Path, passphrase: str = DEMO_SIGNING_PASSPHRASE
) -> str:
    """Write the organization's signed issuer card; the fingerprint it prints to read out."""
    argv = ("keys", "card", "-o", str(card), "--as", "manager", "--data-dir", str(folder))
    code, out, _ = _run(capsys, monkeypatch, *argv, passphrase=passphrase)
    assert code == 0 and json.loads(card.read_text())["signature"]
    prefix = "Key fingerprint to read out to the importing organization: "
    return next(line for line in out.splitlines() if line.startswith(prefix))[len(prefix) :]


def test_the_issuer_card_needs_the_signing_passphrase(two_orgs, capsys, monkeypatch, tmp_path):
    a, _ = two_orgs
    card = tmp_path / "card.json"
    monkeypatch.setenv("CVI_TRAINER_PASSWORD", "demo-manager-pass")
    monkeypatch.setenv("CVI_TRAINER_SIGNING_PASSPHRASE", "wrong passphrase entirely")
    capsys.readouterr()
    argv = ["keys", "card", "-o", str(card), "--as", "manager", "--data-dir", str(a)]
    assert main(argv) == 1
    assert "passphrase is not right" in capsys.readouterr().err and not card.exists()


def test_verify_exit_codes_follow_the_verdict(two_orgs, capsys, monkeypatch, tmp_path) -> None:
    a, _ = two_orgs
    rows = {r["state"]: r for r in _credentials(capsys, monkeypatch, a)}
    assert {"valid", "revoked", "expired"} <= set(rows)
    for state, expected, headline in (
        ("valid", 0, "Verified"),
        ("revoked", 1, "Revoked on"),
        ("expired", 1, "Expired on"),
    ):
        pdf = tmp_path / f"{state}.pdf"
        code, _, _ = _run(
            capsys,
            monkeypatch,
            "credentials",
            "pdf",
            rows[state]["code"],
            "-o",
            str(pdf),
            "--as",
            "manager",
            "--data-dir",
            str(a),
        )
        assert code == 0 and pdf.read_bytes().startswith(b"%PDF")
        code, out, _ = _run(capsys, monkeypatch, "verify", str(pdf), "--data-dir", str(a))
        assert code == expected and out.startswith(headline)
    assert "Holder:" in out and "Signed details" in out
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    code, _, err = _run(capsys, monkeypatch, "verify", str(junk), "--data-dir", str(a))
    assert code == 2 and "notes.txt is not a certificate" in err
    code, _, err = _run(capsys, monkeypatch, "verify", "not-a-code", "--data-dir", str(a))
    assert code == 2 and "verification code" in err
    code, out, _ = _run(capsys, monkeypatch, "verify", rows["valid"]["code"], "--data-dir", str(a))
    assert code == 0 and out.startswith("Verified")


def test_another_organization_goes_from_unknown_issuer_to_verified_to_revoked(
    two_orgs, capsys, monkeypatch, tmp_path
) -> None:
    a, b = two_orgs
    valid = next(r for r in _credentials(capsys, monkeypatch, a) if r["state"] == "valid")
    pdf = tmp_path / "applicant.pdf"
    _run(
        capsys,
        monkeypatch,
        "credentials",
        "pdf",
        valid["code"],
        "-o",
        str(pdf),
        "--as",
        "manager",
        "--data-dir",
        str(a),
    )
    code, out, _ = _run(capsys, monkeypatch, "verify", str(pdf), "--data-dir", str(b))
    assert code == 1 and out.startswith("Unknown issuer")

    card, jwks = tmp_path / "card.json", tmp_path / "jwks.json"
    fingerprint = _card(capsys, monkeypatch, a, card)
    assert (
        _run(capsys, monkeypatch, "keys", "export", "-o", str(jwks), "--data-dir", str(a))[0] == 0
    )
    assert json.loads(jwks.read_text())["keys"][0]["alg"] == "ES256"
    # A new issuer is trusted only with the fingerprint they read out on the phone.
    import_card = ("trust", "import", str(card), "--as", "manager", "--data-dir", str(b))
    code, _, err = _run(capsys, monkeypatch, *import_card)
    assert code == 1 and "new issuer" in err and fingerprint in err
    code, _, err = _run(capsys, monkeypatch, *import_card, "--fingerprint", "AAAA BBBB CCCC")
    assert code == 1 and "new issuer" in err
    code, out, _ = _run(
        capsys, monkeypatch, *import_card, "--fingerprint", fingerprint.lower().replace(" ", "-")
    )
    assert code == 0 and "Imported issuer card" in out
    code, out, err = _run(capsys, monkeypatch, "verify", str(pdf), "--data-dir", str(b))
    assert code == 0 and out.startswith("Verified, but revocation could not be checked")
    code, _, err = _run(
        capsys, monkeypatch, "verify", str(pdf), "--require-status", "--data-dir", str(b)
    )
    assert code == 1 and "Revocation was not checked" in err

    code, _, _ = _run(
        capsys,
        monkeypatch,
        "credentials",
        "revoke",
        valid["code"],
        "--reason",
        "Left the program in good standing",
        "--as",
        "manager",
        "--data-dir",
        str(a),
    )
    assert code == 0
    status = tmp_path / "status.txt"
    assert (
        _run(
            capsys,
            monkeypatch,
            "status",
            "export",
            "-o",
            str(status),
            "--as",
            "manager",
            "--data-dir",
            str(a),
        )[0]
        == 0
    )
    assert (
        _run(
            capsys,
            monkeypatch,
            "trust",
            "import",
            str(status),
            "--as",
            "manager",
            "--data-dir",
            str(b),
        )[0]
        == 0
    )
    code, out, _ = _run(
        capsys, monkeypatch, "verify", str(pdf), "--require-status", "--data-dir", str(b)
    )
    assert code == 1 and out.startswith("Revoked on") and "Left the program in good standing" in out


def test_the_holder_exports_their_open_badge(two_orgs, capsys, monkeypatch, tmp_path) -> None:
    a, _ = two_orgs
    code, out, _ = _run(
        capsys,
        monkeypatch,
        "credentials",
        "list",
        "--json",
        "--as",
        "keisha",
        "--data-dir",
        str(a),
        password="demo-trainee-pass",
    )
    mine = json.loads(out)
    assert code == 0 and {r["holder"] for r in mine} == {"Keisha Moore"}
    jwt_file, json_file = tmp_path / "badge.jwt", tmp_path / "badge.json"
    for target in (jwt_file, json_file):
        code, _, _ = _run(
            capsys,
            monkeypatch,
            "export-badge",
            mine[0]["code"],
            "-o",
            str(target),
            "--as",
            "keisha",
            "--data-dir",
            str(a),
            password="demo-trainee-pass",
        )
        assert code == 0
    assert jwt_file.read_text().count(".") == 2
    assert "OpenBadgeCredential" in json.loads(json_file.read_text())["type"]
    code, _, err = _run(
        capsys,
        monkeypatch,
        "credentials",
        "pdf",
        mine[0]["code"],
        "-o",
        str(tmp_path / "x.pdf"),
        "--as",
        "sam",
        "--data-dir",
        str(a),
        password="demo-trainee-pass",
    )
    assert code == 1 and "Only" in err  # someone else's certificate


def test_issuing_refuses_a_wrong_passphrase_and_non_managers(two_orgs, capsys, monkeypatch) -> None:
    a, _ = two_orgs
    before = len(_credentials(capsys, monkeypatch, a))
    monkeypatch.setenv("CVI_TRAINER_SIGNING_PASSPHRASE", "wrong passphrase entirely")
    monkeypatch.setenv("CVI_TRAINER_PASSWORD", "demo-manager-pass")
    capsys.readouterr()
    assert (
        main(
            [
                "credentials",
                "issue",
                "orientation",
                "keisha",
                "--as",
                "manager",
                "--data-dir",
                str(a),
            ]
        )
        == 1
    )
    assert "passphrase is not right" in capsys.readouterr().err
    code, _, err = _run(
        capsys,
        monkeypatch,
        "credentials",
        "issue",
        "orientation",
        "keisha",
        "--as",
        "trainer",
        "--data-dir",
        str(a),
        password="demo-trainer-pass",
    )
    assert code == 1 and "Only a manager" in err
    assert len(_credentials(capsys, monkeypatch, a)) == before


def test_trust_list_names_imported_issuers(two_orgs, capsys, monkeypatch, tmp_path) -> None:
    a, b = two_orgs
    code, out, _ = _run(capsys, monkeypatch, "trust", "list", "--data-dir", str(a))
    assert code == 0 and "No trusted issuers" in out
    card = tmp_path / "card.json"
    fingerprint = _card(capsys, monkeypatch, b, card)
    code, _, _ = _run(
        capsys,
        monkeypatch,
        "trust",
        "import",
        str(card),
        "--fingerprint",
        fingerprint,
        "--as",
        "manager",
        "--data-dir",
        str(a),
    )
    assert code == 0
    code, out, _ = _run(capsys, monkeypatch, "trust", "list", "--data-dir", str(a))
    assert code == 0 and "Riverside Peace Collaborative (demo)" in out and "no status list" in out
    assert fingerprint in out


def test_key_changes_reach_a_trusting_organization_only_as_they_should(
    tmp_path, capsys, monkeypatch
) -> None:
    """Rotating needs the current passphrase, and an organization that trusts the old key takes
    the new card without a phone call; a passphrase change keeps the key; replacing a lost key
    is for admins, and the trusting organization must check the new fingerprint (trust replace)."""
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        assert main(["seed-demo", "--data-dir", str(folder)]) == 0
    card = tmp_path / "card.json"
    first = _card(capsys, monkeypatch, a, card)

    def trust(action: str, *extra: str) -> tuple[int, str, str]:
        argv = ("trust", action, str(card), *extra, "--as", "manager", "--data-dir", str(b))
        return _run(capsys, monkeypatch, *argv)

    def keys(action: str, *extra: str, **kwargs: str) -> tuple[int, str, str]:
        argv = ("keys", action, *extra, "--data-dir", str(a))
        return _run(capsys, monkeypatch, *argv, **kwargs)

    assert trust("import", "--fingerprint", first)[0] == 0
    monkeypatch.setenv("CVI_TRAINER_NEW_SIGNING_PASSPHRASE", "rotated signing passphrase")
    code, _, err = keys("rotate", "--as", "manager", passphrase="not the passphrase")
    assert code == 1 and "passphrase is not right" in err
    code, out, _ = keys("rotate", "--as", "manager")
    assert code == 0 and "endorses the new one" in out

    rotated = _card(capsys, monkeypatch, a, card, passphrase="rotated signing passphrase")
    assert rotated != first
    code, out, _ = trust("import")  # endorsed by the key b trusts: no fingerprint needed
    assert code == 0 and "endorsed by a key you already trust" in out

    monkeypatch.setenv("CVI_TRAINER_NEW_SIGNING_PASSPHRASE", "changed signing passphrase")
    code, _, _ = keys("passphrase", "--as", "manager", passphrase="rotated signing passphrase")
    assert code == 0
    same = _card(capsys, monkeypatch, a, card, passphrase="changed signing passphrase")
    assert same == rotated

    monkeypatch.setenv("CVI_TRAINER_NEW_SIGNING_PASSPHRASE", "after the loss")
    lost = ("replace-lost", "--reason", "Passphrase holder left")
    code, _, err = keys(*lost, "--as", "admin", password="demo-admin-pass")
    assert code == 1 and "--yes" in err
    code, _, err = keys(*lost, "--yes", "--as", "manager")
    assert code == 1 and "replace a signing key whose passphrase was lost" in err
    code, out, _ = keys(*lost, "--yes", "--as", "admin", password="demo-admin-pass")
    assert code == 0
    replaced = _card(capsys, monkeypatch, a, card, passphrase="after the loss")
    assert replaced in out and replaced != same

    code, _, err = trust("import", "--fingerprint", replaced)
    assert code == 1 and "replaced a lost key" in err and replaced in err
    code, _, err = trust("replace", "--fingerprint", same)
    assert code == 1 and "Not replaced" in err
    code, out, _ = trust("replace", "--fingerprint", replaced)
    assert code == 0 and f"was {first}, {rotated}" in out and replaced in out
