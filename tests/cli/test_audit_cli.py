"""`audit verify --against`, `audit head` and the head a backup carries, as a script uses them."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.cli.test_cli import run_cli
from tests.conftest import PASSWORD, Team
from tests.core.audit_fixtures import HEAD_PASSPHRASE, add_signing_key, some_history
from tests.tampering import drop_guards
from trainer.cli import main
from trainer.core.audit import current_head
from trainer.core.models import Organization
from trainer.core.open_badges import issuer_id


@pytest.fixture
def folder(sqlite_team: Team, sqlite_db, clock, paths) -> Path:
    some_history(sqlite_db, clock)
    add_signing_key(sqlite_db, clock, sqlite_team.admin)
    return paths.data_dir


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _cut_last(folder: Path, n: int) -> None:
    con = sqlite3.connect(folder / "cvi-trainer.sqlite3")
    drop_guards(con)
    con.execute("DELETE FROM audit_entry WHERE id > (SELECT max(id) FROM audit_entry) - ?", (n,))
    con.commit()
    con.close()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("garbled.json", b'{"auditHead": {"entries": 3,'),
        ("photo.jpg", b"\xff\xd8\xff\xe0 not a head \x00\x01"),
        ("fake.sqlite3", b"SQLite format 3\x00" + b"\x00" * 100),
        ("empty.json", b""),
        ("wrong.json", b'{"auditHead": {"entries": "many", "hash": "x"}}'),
        ("status.jwt", b"eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln\n"),
        ("missing.json", None),
    ],
)
def test_unreadable_input_is_one_clear_line_and_exit_2(
    folder: Path, tmp_path: Path, capsys, name: str, content: bytes | None
) -> None:
    target = tmp_path / name
    if content is not None:
        target.write_bytes(content)
    code, out, err = _run(
        capsys, "audit", "verify", "--against", str(target), "--data-dir", str(folder)
    )
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and str(target) in err and "Traceback" not in err


def test_garbled_input_in_a_real_process_has_no_traceback(folder: Path, tmp_path: Path) -> None:
    target = tmp_path / "garbled.json"
    target.write_text("{{{")
    result = run_cli("audit", "verify", "--against", str(target), "--data-dir", str(folder))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"cvi-trainer: {target} is garbled: it is not valid JSON."
    ]


def test_a_head_of_another_organization_is_refused(folder: Path, tmp_path: Path, capsys) -> None:
    other = tmp_path / "other.json"
    other.write_text(
        json.dumps(
            {
                "organization": issuer_id("00000000-0000-4000-8000-000000000000"),
                "auditHead": {"entries": 1, "hash": "a" * 64},
            }
        )
    )
    code, _, err = _run(
        capsys, "audit", "verify", "--against", str(other), "--data-dir", str(folder)
    )
    assert code == 2 and "is the head of another organization" in err


def test_an_exported_head_checks_out_then_shows_a_cut(
    folder: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("CVI_TRAINER_PASSWORD", PASSWORD)
    monkeypatch.setenv("CVI_TRAINER_SIGNING_PASSPHRASE", HEAD_PASSPHRASE)
    head = tmp_path / "head.json"
    code, _, err = _run(
        capsys, "audit", "head", "--as", "manny", "-o", str(head), "--data-dir", str(folder)
    )
    assert code == 0 and "unsigned" not in err
    assert "signed" in json.loads(head.read_text())
    code, out, _ = _run(
        capsys, "audit", "verify", "--against", str(head), "--data-dir", str(folder)
    )
    assert code == 0
    assert "Against head file head.json: intact" in out
    assert "The head is signed with this organization's key." in out
    _cut_last(folder, 2)
    code, _, err = _run(
        capsys, "audit", "verify", "--against", str(head), "--data-dir", str(folder)
    )
    assert code == 1
    assert re.search(
        r"^2 entries are missing since the head of head file head\.json \(\d{4}-", err, re.M
    )


def test_an_unsigned_head_is_compared_and_says_so(folder: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("CVI_TRAINER_PASSWORD", PASSWORD)
    monkeypatch.delenv("CVI_TRAINER_SIGNING_PASSPHRASE", raising=False)
    code, out, err = _run(capsys, "audit", "head", "--as", "ada", "--data-dir", str(folder))
    assert code == 0 and "The head is unsigned" in err
    document = json.loads(out)
    assert "signed" not in document and document["auditHead"]["entries"] > 0
    head = folder.parent / "printed.json"
    head.write_text(out)
    code, out, _ = _run(
        capsys, "audit", "verify", "--against", str(head), "--data-dir", str(folder)
    )
    assert code == 0 and "The head is unsigned" in out


def test_exporting_the_head_is_for_managers_and_admins(folder: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("CVI_TRAINER_PASSWORD", PASSWORD)
    for who in ("tom", "tina"):
        code, out, err = _run(capsys, "audit", "head", "--as", who, "--data-dir", str(folder))
        assert code == 1 and out == ""
        assert "Only an admin or manager can export the audit log's head" in err


def test_a_wrong_passphrase_exports_nothing(folder: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("CVI_TRAINER_PASSWORD", PASSWORD)
    monkeypatch.setenv("CVI_TRAINER_SIGNING_PASSPHRASE", "not the passphrase at all")
    code, out, err = _run(capsys, "audit", "head", "--as", "manny", "--data-dir", str(folder))
    assert code == 1 and out == "" and "passphrase is not right" in err


def test_a_status_list_carrying_a_head_is_checked(
    folder: Path, sqlite_db, sqlite_team: Team, clock, tmp_path: Path, capsys
) -> None:
    key = add_signing_key(sqlite_db, clock, sqlite_team.admin)  # a second key: any of ours counts
    with sqlite_db.begin() as session:
        head = current_head(session)
        iss = issuer_id(session.scalar(select(Organization.uid)))
    lists = tmp_path / "status.jwt"
    lists.write_text(
        "\n".join(
            key.sign({"iss": iss, "iat": 1_772_442_000, "purpose": p, "auditHead": head.as_claim()})
            for p in ("revocation", "suspension")
        )
        + "\n"
    )
    code, out, _ = _run(
        capsys, "audit", "verify", "--against", str(lists), "--data-dir", str(folder)
    )
    assert code == 0 and "Against status list status.jwt" in out
    _cut_last(folder, 1)
    code, _, err = _run(
        capsys, "audit", "verify", "--against", str(lists), "--data-dir", str(folder)
    )
    assert code == 1 and "1 entry is missing since the head of status list status.jwt" in err


def test_backup_signs_its_head_when_the_passphrase_is_set(
    folder: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("CVI_TRAINER_SIGNING_PASSPHRASE", HEAD_PASSPHRASE)
    target = tmp_path / "b.sqlite3"
    code, out, _ = _run(capsys, "backup", "-o", str(target), "--data-dir", str(folder))
    assert code == 0 and f"Its audit head (signed): {target}.head.json" in out
    code, out, _ = _run(
        capsys, "audit", "verify", "--against", str(target), "--data-dir", str(folder)
    )
    assert code == 0 and "The head is signed with this organization's key." in out
    monkeypatch.setenv("CVI_TRAINER_SIGNING_PASSPHRASE", "not the passphrase at all")
    code, out, err = _run(
        capsys, "backup", "-o", str(tmp_path / "c.sqlite3"), "--data-dir", str(folder)
    )
    assert code == 0 and "(unsigned)" in out and "left unsigned" in err


def test_restoring_a_backup_is_not_taken_for_a_cut(
    folder: Path, sqlite_db, clock, tmp_path: Path, capsys
) -> None:
    target = tmp_path / "b.sqlite3"
    assert main(["backup", "-o", str(target), "--data-dir", str(folder)]) == 0
    some_history(sqlite_db, clock)
    assert main(["audit", "verify", "--data-dir", str(folder)]) == 0  # remembers the longer log
    sqlite_db.dispose()
    assert main(["restore", str(target), "--data-dir", str(folder)]) == 0
    code, _, err = _run(capsys, "audit", "verify", "--data-dir", str(folder))
    assert code == 0 and "WARNING" not in err
