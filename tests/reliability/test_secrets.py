"""Secrets stay secret (issue 10, item 5): a database URL is shown with its password masked, and
a temporary password comes from the environment or standard input, never from the command line,
and never lands in the audit log."""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from trainer.cli import build_parser, main

SECRET = "s3cret-Pw0rd"


def _cli(*argv: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trainer", *argv],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **env},
        timeout=120,
    )


def _audit_text(folder: Path) -> str:
    con = sqlite3.connect(folder / "cvi-trainer.sqlite3")
    try:
        rows = con.execute("SELECT actor_name, action, target, details FROM audit_entry").fetchall()
    finally:
        con.close()
    return "\n".join(" ".join(map(str, row)) for row in rows)


def _add(folder: Path, username: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return _cli(
        "people", "add", "--as", "admin", username, "New Person", "--role", "trainee",
        "--data-dir", str(folder), CVI_TRAINER_PASSWORD="demo-admin-pass", **kwargs,
    )  # fmt: skip


def _must_change(folder: Path, username: str, password: str) -> bool:
    """Signing in with `password` reaches the must-change step: it is the temporary password."""
    result = _cli(
        "people", "list", "--as", username, "--data-dir", str(folder), CVI_TRAINER_PASSWORD=password
    )
    return result.returncode == 1 and "must first choose their own password" in result.stderr


# --- database URLs ------------------------------------------------------------------------------


@pytest.mark.postgres
def test_seed_demo_shows_the_url_with_its_password_masked(postgres_url: str | None, capsys) -> None:
    assert postgres_url is not None
    engine = create_engine(postgres_url)
    with engine.begin() as con:
        con.execute(text("DROP SCHEMA public CASCADE"))
        con.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    # The throwaway server trusts local connections, so any password is accepted.
    url = postgres_url.replace("://cvi@", f"://cvi:{SECRET}@")
    assert url != postgres_url
    assert main(["seed-demo", "--database-url", url]) == 0
    out, err = capsys.readouterr()
    assert SECRET not in out + err
    assert "cvi:***@127.0.0.1" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["seed-demo"],
        ["audit", "verify"],
        ["verify", "ABCD-EFGH-JKMN"],
        ["people", "list", "--as", "admin"],
    ],
)
@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://cvi:{SECRET}@127.0.0.1:1/x?connect_timeout=2",
        f"postgresql+psycopg://cvi:{SECRET}@127.0.0.1:port/x",
        f"cvi:{SECRET}@127.0.0.1/x",
        f"nodriver://cvi:{SECRET}@127.0.0.1/x",
        f"postgresql+psycopg://cvi:{SECRET}@with@at@127.0.0.1:1/x?connect_timeout=2",
    ],
    ids=["unreachable", "bad-port", "no-scheme", "no-driver", "unescaped-at"],
)
def test_every_database_error_masks_the_password(capsys, argv: list[str], url: str) -> None:
    code = main([*argv, "--database-url", url])
    out, err = capsys.readouterr()
    assert code == 1
    assert SECRET not in out + err
    assert len(err.splitlines()) == 1 and "127.0.0.1" in err


# --- temporary passwords ------------------------------------------------------------------------


def test_no_password_option_is_accepted_anywhere() -> None:
    def options(parser: argparse.ArgumentParser) -> list[str]:
        found: list[str] = []
        for action in parser._actions:
            found += action.option_strings
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    found += options(sub)
        return found

    every = options(build_parser())
    assert "--data-dir" in every and "--as" in every  # the walk reaches the subcommands
    assert [o for o in every if "pass" in o.lower()] == []


def test_a_temporary_password_on_the_command_line_is_refused(demo: Path) -> None:
    result = _cli(
        "people", "add", "--as", "admin", "argv-person", "Argv Person", "--role", "trainee",
        "--temporary-password", SECRET, "--data-dir", str(demo),
        CVI_TRAINER_PASSWORD="demo-admin-pass",
    )  # fmt: skip
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "unrecognized arguments" in result.stderr
    assert "argv-person" not in _audit_text(demo)


def test_the_temporary_password_comes_from_the_environment(demo: Path) -> None:
    result = _add(demo, "from-env", CVI_TRAINER_NEW_PASSWORD=SECRET)
    assert result.returncode == 0, result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert _must_change(demo, "from-env", SECRET)
    audit = _audit_text(demo)
    assert "from-env" in audit and SECRET not in audit


def test_the_temporary_password_comes_from_piped_standard_input(demo: Path) -> None:
    piped = SECRET + "-piped"
    result = _add(demo, "from-stdin", stdin=piped + "\n")
    assert result.returncode == 0, result.stderr
    assert piped not in result.stdout + result.stderr
    assert _must_change(demo, "from-stdin", piped)
    audit = _audit_text(demo)
    assert "from-stdin" in audit and piped not in audit


def test_no_temporary_password_anywhere_is_one_line(demo: Path) -> None:
    result = _add(demo, "nobody-pw")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "CVI_TRAINER_NEW_PASSWORD" in result.stderr
    assert "nobody-pw" not in _audit_text(demo)


def test_a_weak_temporary_password_is_refused_and_not_echoed(demo: Path) -> None:
    result = _add(demo, "weak-pw", CVI_TRAINER_NEW_PASSWORD="Zq9x")
    assert result.returncode == 1
    assert "Zq9x" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert "weak-pw" not in _audit_text(demo)
