"""The command line: version, help, demo seeding, audit, backup/restore, people, bad input."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tampering import drop_guards
from trainer import __version__
from trainer.cli import main


def run_cli(*argv: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **extra_env}
    return subprocess.run(
        [sys.executable, "-m", "trainer", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"cvi-trainer {__version__}"
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for word in (
        "seed-demo",
        "audit",
        "backup",
        "restore",
        "--data-dir",
        "--database-url",
        "--demo",
    ):
        assert word in out


@pytest.fixture
def demo_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    data = tmp_path / "demo"
    assert main(["seed-demo", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "admin / demo-admin-pass" in out
    return data


def test_seed_demo_refuses_a_folder_that_already_has_an_organization(
    demo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["seed-demo", "--data-dir", str(demo_dir)]) == 1
    assert "already has an organization" in capsys.readouterr().err


def test_people_list_obeys_the_same_rules_as_the_app(
    demo_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CVI_TRAINER_PASSWORD", "demo-trainee-pass")
    monkeypatch.setenv("CVI_TRAINER_NEW_PASSWORD", "long-enough-pass")
    assert main(["people", "list", "--as", "trainee", "--data-dir", str(demo_dir)]) == 0
    assert capsys.readouterr().out.splitlines() == ["trainee  Jordan Reyes  [trainee]  active"]
    code = main(
        [
            "people",
            "add",
            "--as",
            "trainee",
            "x-person",
            "X Person",
            "--role",
            "admin",
            "--data-dir",
            str(demo_dir),
        ]
    )
    assert code == 1
    assert "Only an admin can manage people" in capsys.readouterr().err


def test_admin_adds_a_person_from_the_command_line(
    demo_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CVI_TRAINER_PASSWORD", "demo-admin-pass")
    monkeypatch.setenv("CVI_TRAINER_NEW_PASSWORD", "long-enough-pass")
    assert (
        main(
            [
                "people",
                "add",
                "--as",
                "admin",
                "rosa",
                "Rosa Diaz",
                "--role",
                "trainee",
                "--data-dir",
                str(demo_dir),
            ]
        )
        == 0
    )
    assert main(["people", "list", "--as", "admin", "--data-dir", str(demo_dir)]) == 0
    assert "Rosa Diaz" in capsys.readouterr().out


def test_wrong_password_on_the_command_line_is_refused(
    demo_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CVI_TRAINER_PASSWORD", "not-it")
    assert main(["people", "list", "--as", "admin", "--data-dir", str(demo_dir)]) == 1
    assert "username or password is not right" in capsys.readouterr().err


def test_audit_verify_reports_the_first_broken_entry(
    demo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "verify", "--data-dir", str(demo_dir)]) == 0
    assert "intact" in capsys.readouterr().out
    con = sqlite3.connect(demo_dir / "cvi-trainer.sqlite3")
    drop_guards(con)
    con.execute("UPDATE audit_entry SET actor_name = 'nobody' WHERE id = 3")
    con.commit()
    con.close()
    assert main(["audit", "verify", "--data-dir", str(demo_dir)]) == 1
    assert "BROKEN at entry 3" in capsys.readouterr().err


def test_backup_and_restore_commands(
    demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "b.sqlite3"
    assert main(["backup", "-o", str(target), "--data-dir", str(demo_dir)]) == 0
    assert target.exists()
    assert main(["restore", str(target), "--data-dir", str(demo_dir)]) == 0
    assert "kept as" in capsys.readouterr().out


def test_gui_refuses_a_corrupt_database_with_a_message_and_leaves_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    db_file = data / "cvi-trainer.sqlite3"
    db_file.write_bytes(b"garbage" * 100)
    result = run_cli("--data-dir", str(data))
    assert result.returncode == 1
    assert str(db_file) in result.stderr and "Traceback" not in result.stderr
    assert db_file.read_bytes() == b"garbage" * 100


def test_unreachable_postgres_gives_one_clear_line(tmp_path: Path) -> None:
    result = run_cli(
        "audit",
        "verify",
        "--database-url",
        "postgresql+psycopg://u:pw@127.0.0.1:1/x?connect_timeout=2",
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "127.0.0.1:1/x" in result.stderr and ":pw@" not in result.stderr


def test_python_dash_m_runs_the_same_entry_point() -> None:
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"cvi-trainer {__version__}"


def test_gui_opens_on_seeded_data_and_on_a_fresh_demo(demo_dir: Path, tmp_path: Path) -> None:
    for argv in (["--data-dir", str(demo_dir)], ["--demo", "--data-dir", str(tmp_path / "d")]):
        result = run_cli(*argv, CVI_TRAINER_EXIT_WHEN_SHOWN="1")
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "d" / "cvi-trainer.sqlite3").exists()


def test_commands_refuse_a_data_folder_without_a_database(tmp_path: Path, capsys) -> None:
    assert main(["audit", "verify", "--data-dir", str(tmp_path / "typo")]) == 1
    assert "There is no CVI Trainer database in" in capsys.readouterr().err
    assert not (tmp_path / "typo" / "cvi-trainer.sqlite3").exists()


def test_data_dir_that_is_a_file_is_named(tmp_path: Path, capsys) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("hello")
    assert main(["seed-demo", "--data-dir", str(a_file)]) == 1
    assert "is a file, not a folder" in capsys.readouterr().err


def test_a_temporary_password_cannot_act_on_the_command_line(
    demo_dir: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("CVI_TRAINER_PASSWORD", "demo-admin-pass")
    monkeypatch.setenv("CVI_TRAINER_NEW_PASSWORD", "temporary-pass-1")
    main(
        [
            "people",
            "add",
            "--as",
            "admin",
            "bob",
            "Bob B",
            "--role",
            "trainee",
            "--data-dir",
            str(demo_dir),
        ]
    )
    capsys.readouterr()
    monkeypatch.setenv("CVI_TRAINER_PASSWORD", "temporary-pass-1")
    assert main(["people", "list", "--as", "bob", "--data-dir", str(demo_dir)]) == 1
    assert "must first choose their own password" in capsys.readouterr().err


def test_no_password_and_no_terminal_is_one_clear_line(demo_dir: Path) -> None:
    result = run_cli(
        "people",
        "add",
        "--as",
        "trainer",
        "bob",
        "Bob B",
        "--role",
        "trainee",
        "--data-dir",
        str(demo_dir),
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Set CVI_TRAINER_PASSWORD" in result.stderr
