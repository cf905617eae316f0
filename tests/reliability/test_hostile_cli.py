"""Hostile command-line input (issue 10, item 7): every case answers with one line on stderr and
a non-zero exit, never a traceback, and nothing typed or received reaches the terminal raw."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from trainer import cli
from trainer.cli import main
from trainer.core.demo_people import DEMO_SIGNING_PASSPHRASE

ESC = "\x1b"


def _credential(folder: Path, column: str, credential_id: int = 1) -> str:
    con = sqlite3.connect(folder / "cvi-trainer.sqlite3")
    try:
        return str(
            con.execute(
                f"SELECT {column} FROM credential WHERE id = ?", (credential_id,)
            ).fetchone()[0]
        )
    finally:
        con.close()


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse: usage errors
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert ESC not in err
    return lines[0]


def _acting(monkeypatch, who: str = "admin") -> None:
    monkeypatch.setenv("CVI_TRAINER_PASSWORD", f"demo-{who}-pass")
    monkeypatch.setenv("CVI_TRAINER_SIGNING_PASSPHRASE", DEMO_SIGNING_PASSPHRASE)


# --- verify: what a person pastes ---------------------------------------------------------------


def test_pasted_qr_text_is_verified(demo: Path, capsys) -> None:
    qr = _credential(demo, "qr_token")
    assert len(qr) > 255  # longer than a file name may be: `verify` used to raise OSError
    code, out, err = _run(capsys, "verify", qr, "--data-dir", str(demo))
    assert code == 0, err
    assert out.splitlines()[0] == "Verified"
    assert "QR code carrying a signed credential" in out


def test_pasted_qr_text_that_was_changed_is_not_verified(demo: Path, capsys) -> None:
    qr = _credential(demo, "qr_token").replace("Sam Okafor", "Sam Okafur")
    code, out, err = _run(capsys, "verify", qr, "--data-dir", str(demo))
    assert code == 1 and err == ""
    assert out.startswith("Not verified")


@pytest.mark.parametrize(
    "argument",
    ["x" * 300, "a/" * 200 + "b.pdf", "CVI1:" + "A" * 5000, "CVI1:" + ":" * 20, "nul\x00byte"],
    ids=["long-word", "long-path", "long-qr", "empty-qr-fields", "nul"],
)
def test_garbled_verify_argument_is_one_line(demo: Path, capsys, argument: str) -> None:
    code, _, err = _run(capsys, "verify", argument, "--data-dir", str(demo))
    assert code in (1, 2)
    if code == 2:
        assert _one_line(err).startswith("Cannot verify:")


def test_a_verify_file_far_too_large_is_refused_unread(
    demo: Path, capsys, monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(cli, "MAX_VERIFY_FILE_BYTES", 1000)
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.7\n" + b"0" * 2000)
    code, _, err = _run(capsys, "verify", str(big), "--data-dir", str(demo))
    assert code == 2
    assert "far larger than a certificate PDF" in _one_line(err)


# --- verify: hostile tokens and images ----------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _token(real: str, payload_text: str, header_text: str | None = None) -> str:
    header, _, signature = real.split(".")
    if header_text is not None:
        header = _b64(header_text.encode())
    return f"{header}.{_b64(payload_text.encode())}.{signature}"


def _real_payload(demo: Path) -> dict:
    real = _credential(demo, "badge_jwt")
    return json.loads(base64.urlsafe_b64decode(real.split(".")[1] + "=="))


def _hostile_payloads(demo: Path) -> dict[str, str]:
    payload = _real_payload(demo)

    def with_(**changes: object) -> str:
        return json.dumps({**payload, **changes})

    deep = "[" * 900 + "]" * 900
    return {
        "nested-5000": "[" * 5000 + "]" * 5000,
        "nested-900-in-jti": json.dumps(payload)[:-1] + f', "jti": {deep}}}',
        "nested-40-objects": '{"a":' * 40 + "1" + "}" * 40,
        "nbf-1e300": with_(nbf=1e300),
        "nbf-1e400": json.dumps(payload)[:-1] + ', "nbf": 1e400}',
        "exp-infinity": json.dumps(payload)[:-1] + ', "exp": Infinity}',
        "exp-nan": json.dumps(payload)[:-1] + ', "exp": NaN}',
        "nbf-negative": with_(nbf=-1),
        "nbf-huge-int": json.dumps(payload)[:-1] + ', "nbf": ' + "9" * 5000 + "}",
        "index-huge": with_(
            credentialStatus={**payload["credentialStatus"], "statusListIndex": "9" * 400}
        ),
        "not-an-object": "[1, 2, 3]",
        "holder-with-escapes": json.dumps(payload).replace(
            "Sam Okafor", "Sam\\u001b[2J\\u001b]0;owned\\u0007"
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "nested-5000",
        "nested-900-in-jti",
        "nested-40-objects",
        "nbf-1e300",
        "nbf-1e400",
        "exp-infinity",
        "exp-nan",
        "nbf-negative",
        "nbf-huge-int",
        "index-huge",
        "not-an-object",
        "holder-with-escapes",
    ],
)
@pytest.mark.parametrize("how", ["file", "pasted"])
def test_hostile_token_gives_a_verdict_or_one_line(
    demo: Path, capsys, tmp_path: Path, case: str, how: str
) -> None:
    token = _token(_credential(demo, "badge_jwt"), _hostile_payloads(demo)[case])
    target = token
    if how == "file":
        target = str(tmp_path / "badge.jwt")
        Path(target).write_text(token)
    code, out, err = _run(capsys, "verify", target, "--data-dir", str(demo))
    assert code in (1, 2), out
    assert "Traceback" not in err and ESC not in out + err
    if code == 2:
        _one_line(err)
    else:
        assert out.startswith("Not verified") and err == ""


def test_a_hostile_header_is_one_line(demo: Path, capsys, tmp_path: Path) -> None:
    real = _credential(demo, "badge_jwt")
    for header in ('{"alg": "ES256", "kid": ' + "[" * 3000 + "]" * 3000 + "}", '{"alg": NaN}'):
        code, _, err = _run(capsys, "verify", _token(real, "{}", header), "--data-dir", str(demo))
        assert code == 2
        _one_line(err)


def _png(width: int, height: int) -> bytes:
    """A PNG header claiming width x height pixels (the pixel data is never reached)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [20000, 10000, 7000])
def test_an_enormous_image_is_refused_before_decoding(
    demo: Path, capsys, tmp_path: Path, side: int
) -> None:
    # 400 Mpx is past Pillow's own bomb limit, 100 Mpx inside its warning band, 49 Mpx past ours.
    image = tmp_path / "photo.png"
    image.write_bytes(_png(side, side))
    code, _, err = _run(capsys, "verify", str(image), "--data-dir", str(demo))
    assert code == 2
    line = _one_line(err)
    assert "photo.png" in line and "far larger than a photo of a QR code" in line


def test_a_certificate_with_an_enormous_page_is_one_line(demo: Path, capsys, tmp_path) -> None:
    from pypdf import PdfReader, PdfWriter

    original = tmp_path / "original.pdf"
    original.write_bytes(
        sqlite3.connect(demo / "cvi-trainer.sqlite3")
        .execute("SELECT pdf FROM credential WHERE id = 1")
        .fetchone()[0]
    )
    writer = PdfWriter(clone_from=PdfReader(original))
    writer.pages[0].mediabox.upper_right = (14400, 14400)  # 200 x 200 inches, PDF's largest
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as out:
        writer.write(out)
    code, _, err = _run(capsys, "verify", str(huge), "--data-dir", str(demo))
    assert code == 2
    line = _one_line(err)
    assert "huge.pdf" in line and "200 x 200 inches" in line


# --- a closed pipe ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["verify", "V76T-PTGP-ST4H"],
        ["credentials", "list", "--json", "--as", "admin"],
        ["--help"],
    ],
    ids=["verify", "credentials-list", "help"],
)
def test_a_reader_that_stops_listening_is_no_traceback(demo: Path, argv: list[str]) -> None:
    """`cvi-trainer verify ... | head -c1`: the pipe is closed before the program writes."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "trainer", *argv, "--data-dir", str(demo)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env={
                **os.environ,
                "QT_QPA_PLATFORM": "offscreen",
                "CVI_TRAINER_PASSWORD": "demo-admin-pass",
            },
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode in (0, 1)


# --- ids, URLs, names ---------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["99999999999999999999999", "2147483648", "0", "-5", "²"])
@pytest.mark.parametrize(
    "command",
    [
        ["credentials", "revoke", "{}", "--reason", "x"],
        ["credentials", "pdf", "{}", "-o", "out.pdf"],
        ["export-badge", "{}", "-o", "out.jwt"],
    ],
    ids=["revoke", "pdf", "export-badge"],
)
def test_an_id_out_of_range_is_one_line(
    demo: Path, capsys, monkeypatch, number: str, command: list[str]
) -> None:
    _acting(monkeypatch)
    argv = [part.replace("{}", number) for part in command]
    code, _, err = _run(capsys, *argv, "--as", "admin", "--data-dir", str(demo))
    assert code == 2
    assert "id must be a whole number between 1 and 2147483647" in _one_line(err)


def test_the_largest_id_and_codes_still_reach_the_service(
    demo: Path, capsys, monkeypatch, tmp_path: Path
) -> None:
    _acting(monkeypatch)
    code, _, err = _run(
        capsys, "export-badge", "2147483647", "-o", str(tmp_path / "a.jwt"), "--as", "admin",
        "--data-dir", str(demo),
    )  # fmt: skip
    assert code == 1 and "No credential '2147483647'" in _one_line(err)
    typed = _credential(demo, "code").lower().replace("-", " ")
    code, _, err = _run(
        capsys, "export-badge", typed, "-o", str(tmp_path / "b.jwt"), "--as", "admin",
        "--data-dir", str(demo),
    )  # fmt: skip
    assert code == 0, err
    assert (tmp_path / "b.jwt").read_text().count(".") == 2


def test_find_credential_refuses_huge_numbers_itself(demo: Path) -> None:
    """The GUI and scripts reach the service without argparse in front of it."""
    from sqlalchemy import select

    from trainer.core.db import open_database
    from trainer.core.errors import NotFoundError
    from trainer.core.models import Person
    from trainer.core.paths import AppPaths
    from trainer.core.services import credential_register

    db = open_database(AppPaths(demo))
    try:
        with db.begin() as session:
            admin = session.scalars(select(Person).where(Person.username == "admin")).one()
            for reference in ("9" * 30, "²", "9" * 5000):
                with pytest.raises(NotFoundError):
                    credential_register.find_credential(session, admin, reference)
    finally:
        db.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://u:s3cret@host:abc/db",
        "postgresql+psycopg://u:s3cret@host:/db",
        "u:s3cret@host/db",
        "postgresql+psycopg://u:s3cret@ho st:99999999999/db",
    ],
)
def test_a_garbled_database_url_is_one_line_without_its_password(capsys, url: str) -> None:
    code, _, err = _run(capsys, "audit", "verify", "--database-url", url)
    assert code == 1
    line = _one_line(err)
    assert "s3cret" not in line
    assert "host" in line


def test_a_name_with_control_characters_is_refused(demo: Path, capsys, monkeypatch) -> None:
    _acting(monkeypatch)
    monkeypatch.setenv("CVI_TRAINER_NEW_PASSWORD", "long-enough-pass-1")
    for name in (f"Evil{ESC}[2J Name", "Bell\x07Name", "Right\u202eto left", "Tab\x00Null"):
        code, _, err = _run(
            capsys, "people", "add", "--as", "admin", "evil", name, "--role", "trainee",
            "--data-dir", str(demo),
        )  # fmt: skip
        assert code == 1
        assert "contains a control character" in _one_line(err)
    code, _, err = _run(
        capsys, "people", "add", "--as", "admin", "evil", "Fine Name", "--role", "trainee",
        "--job-title", f"Boss{ESC}[31m", "--data-dir", str(demo),
    )  # fmt: skip
    assert code == 1 and "job title contains a control character" in _one_line(err)
    code, out, _ = _run(capsys, "people", "list", "--as", "admin", "--data-dir", str(demo))
    assert code == 0 and "evil" not in out


def test_names_stored_before_are_printed_escaped(demo: Path, capsys, monkeypatch) -> None:
    """A name written before the rule (or straight into the database) cannot drive the terminal."""
    con = sqlite3.connect(demo / "cvi-trainer.sqlite3")
    con.execute(
        "UPDATE person SET full_name = ? WHERE username = 'keisha'", (f"Keisha{ESC}]0;owned\x07",)
    )
    con.commit()
    con.close()
    _acting(monkeypatch)
    code, out, _ = _run(capsys, "people", "list", "--as", "admin", "--data-dir", str(demo))
    assert code == 0
    assert ESC not in out and "\x07" not in out
    assert "Keisha\\x1b]0;owned\\x07" in out


def test_a_usage_mistake_is_one_line(demo: Path, capsys) -> None:
    code, _, err = _run(capsys, "credentials", "revoke", "1", "--data-dir", str(demo))
    assert code == 2
    assert "required" in _one_line(err) and "--help" in err


# --- the last resort ----------------------------------------------------------------------------


def test_an_unexpected_error_is_one_line_not_a_traceback(demo: Path, capsys, monkeypatch) -> None:
    def broken(_args: object) -> int:
        raise RuntimeError(f"something broke{ESC}[2J\nsecond line")

    monkeypatch.setattr(cli, "cmd_trust_list", broken)
    code, _, err = _run(capsys, "trust", "list", "--data-dir", str(demo))
    assert code == cli.EXIT_INTERNAL_ERROR
    line = _one_line(err)
    assert line.startswith("cvi-trainer: internal error: RuntimeError: something broke")
    assert "second line" not in line and "report it" in line and "CVI_TRAINER_DEBUG=1" in line
    monkeypatch.setenv("CVI_TRAINER_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["trust", "list", "--data-dir", str(demo)])
