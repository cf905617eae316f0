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
    capsys, monkeypatch, *argv: str, password: str = "demo-manager-pass"
) -> tuple[int, str, str]:
    monkeypatch.setenv("CVI_TRAINER_PASSWORD", password)
    monkeypatch.setenv("CVI_TRAINER_SIGNING_PASSPHRASE", DEMO_SIGNING_PASSPHRASE)
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
    assert _run(capsys, monkeypatch, "keys", "card", "-o", str(card), "--data-dir", str(a))[0] == 0
    assert (
        _run(capsys, monkeypatch, "keys", "export", "-o", str(jwks), "--data-dir", str(a))[0] == 0
    )
    assert json.loads(jwks.read_text())["keys"][0]["alg"] == "ES256"
    code, out, _ = _run(
        capsys, monkeypatch, "trust", "import", str(card), "--as", "manager", "--data-dir", str(b)
    )
    assert code == 0 and "Imported issuer card" in out
    code, out, _ = _run(capsys, monkeypatch, "verify", str(pdf), "--data-dir", str(b))
    assert code == 0 and out.startswith("Verified")

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
    code, out, _ = _run(capsys, monkeypatch, "verify", str(pdf), "--data-dir", str(b))
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
    _run(capsys, monkeypatch, "keys", "card", "-o", str(card), "--data-dir", str(b))
    _run(capsys, monkeypatch, "trust", "import", str(card), "--as", "manager", "--data-dir", str(a))
    code, out, _ = _run(capsys, monkeypatch, "trust", "list", "--data-dir", str(a))
    assert code == 0 and "Riverside Peace Collaborative (demo)" in out and "no status list" in out
