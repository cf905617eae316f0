"""Attacks a hostile tester made on issue 10's defences after they were built; each test failed
before its fix (or is an xfail naming a hole left open)."""

from __future__ import annotations

import copy
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from tests.core.curriculum_fixtures import TRACK, module_text
from trainer.cli import main
from trainer.core import signing
from trainer.core.backup import staging_file
from trainer.core.db import open_database
from trainer.core.db_roles import application_url
from trainer.core.errors import CredentialFormatError
from trainer.core.issuer_cards import CARD_TYP, IssuerCard, PublicKey, _digest, read_card, sign_card
from trainer.core.library import parse_yaml
from trainer.core.paths import AppPaths
from trainer.core.preflight import SCHEMA_REVISIONS
from trainer.core.remembered_heads import database_location

# --- content: YAML values that look like a type but are not one ----------------------------------


@pytest.mark.parametrize(
    "value, says",
    [
        ("2026-02-30", "'2026-02-30' is not a valid date (day is out of range for month)"),
        ("9999-99-99", "'9999-99-99' is not a valid date"),
        ("0000-01-01", "'0000-01-01' is not a valid date"),
        ("2001-12-14t21:59:43.10-99:00", "is not a valid date"),
        ("!!timestamp x", "'x' is not a valid date"),
        ("!!float x", "'x' is not a valid number"),
        ("!!int 0x", "'0x' is not a valid number"),
    ],
)
def test_a_value_yaml_cannot_build_is_a_problem_at_its_line(value: str, says: str) -> None:
    with pytest.raises(yaml.YAMLError, match="line 2") as caught:
        parse_yaml(f"a: 1\nreviewed: {value}\n")
    assert says in str(caught.value)


def test_check_names_the_line_of_an_impossible_date_in_front_matter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: "internal error: ValueError: day is out of range for month", exit 70.
    folder = tmp_path / "basics"
    folder.mkdir()
    (folder / "track.yaml").write_text(TRACK.replace(", basics-2", ""), encoding="utf-8")
    module = folder / "basics-1.md"
    text = module_text("basics-1", "First steps").replace("---\n", "---\nreviewed: 2026-02-30\n", 1)
    module.write_text(text, encoding="utf-8")
    code = main(["check", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert f"{module.as_posix()}:2: YAML cannot be read: '2026-02-30' is not a valid date" in out
    assert "internal error" not in err


# --- issuer cards: a date that exists in its own zone but not in UTC -----------------------------

OTHER = "urn:uuid:6f1c2c1e-5b7a-4f0e-9f53-1d2a3b4c5d6e"


@pytest.fixture(scope="module")
def stranger() -> tuple[signing.NewKey, signing.UnlockedKey]:
    new = signing.generate_key("another organization's passphrase")
    return new, signing.unlock(new.kid, new.envelope, "another organization's passphrase")


@pytest.mark.parametrize("active_from", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_an_issuer_card_dated_outside_what_utc_can_hold_is_refused(
    stranger: tuple[signing.NewKey, signing.UnlockedKey], active_from: str
) -> None:
    # A stranger's self-signed card; before: OverflowError from read_card (the Verify screen's
    # import and `cvi-trainer trust import` both read cards with it).
    new, key = stranger
    since = datetime(2024, 1, 1, tzinfo=UTC)
    card = sign_card(
        IssuerCard(OTHER, "N", None, (PublicKey(new.kid, new.public_jwk, since, None),)), key
    )
    data = copy.deepcopy(card.to_json())
    data["keys"][0]["activeFrom"] = active_from
    body = {k: v for k, v in data.items() if k != "signature"}
    data["signature"] = key.sign({"sha256": _digest(body), "iss": OTHER}, typ=CARD_TYP)
    with pytest.raises(CredentialFormatError, match="garbled date"):
        read_card(json.dumps(data))


# --- restore: a file whose version says ours, whose tables do not ---------------------------------


def test_restoring_another_apps_file_with_our_oldest_version_is_refused_untouched(
    paths: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: "internal error: NoSuchTableError: content_document", exit 70 (the migration of
    # the staging copy met tables that are not ours).
    database = open_database(paths)
    database.dispose()
    before = paths.database.read_bytes()
    source = tmp_path / "other-app.sqlite3"
    con = sqlite3.connect(source)
    con.executescript(
        "CREATE TABLE alembic_version(version_num TEXT);"
        f"INSERT INTO alembic_version VALUES('{SCHEMA_REVISIONS[0]}');"
        "CREATE TABLE organization(id INTEGER PRIMARY KEY);"
        "CREATE TABLE person(id INTEGER PRIMARY KEY);"
        "CREATE TABLE audit_entry(id INTEGER PRIMARY KEY, x);"
    )
    con.commit()
    con.close()
    code = main(["restore", str(source), "--data-dir", str(paths.data_dir)])
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.strip() == (
        f"cvi-trainer: {source} is not a usable backup: its tables are not those of the CVI "
        "Trainer version it names (content_document). Choose another backup file."
    )
    assert paths.database.read_bytes() == before
    assert not paths.restore_journal.exists()
    assert not staging_file(paths).exists()


# --- terminal: a content file's name is shown, not obeyed ---------------------------------------


def test_check_shows_control_characters_in_a_file_name_instead_of_sending_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A folder of content from someone else; before: the name's ESC sequence (clear screen) and
    # right-to-left override reached the terminal raw.
    folder = tmp_path / "certificates"
    folder.mkdir()
    (folder / "x\x1b[2Jy\u202e.yaml").write_text("id: x\ntitle: 5\n", encoding="utf-8")
    code = main(["check", str(tmp_path)])
    out, _ = capsys.readouterr()
    assert code == 1
    assert "\x1b" not in out and "\u202e" not in out
    assert "x\\x1b[2Jy\\u202e.yaml:" in out


# --- secrets: libpq also takes the password in the URL's query ----------------------------------

QUERY_URL = "postgresql+psycopg://owner@127.0.0.1:1/db?password=s3cret&sslmode=disable"


def test_a_password_given_as_a_query_parameter_is_masked_in_messages(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Port 1: nothing listens, so opening fails at once and the message names the URL.
    code = main(["people", "list", "--as", "x", "--database-url", QUERY_URL])
    err = capsys.readouterr().err
    assert code == 1
    assert "Cannot open the database postgresql+psycopg://owner@127.0.0.1:1/db?" in err
    assert "password=***" in err
    assert "s3cret" not in err


def test_a_query_password_reaches_neither_the_memory_file_nor_the_application_url() -> None:
    assert "s3cret" not in database_location(QUERY_URL)
    # The owner's password is not the application role's, and people are shown this URL.
    assert application_url(QUERY_URL, "cvi_app") == (
        "postgresql+psycopg://cvi_app:***@127.0.0.1:1/db?sslmode=disable"
    )
