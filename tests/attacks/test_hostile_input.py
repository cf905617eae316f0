"""Hostile input to the command line: a deeply nested token and pasted QR text. One line and
exit 2 for what cannot be read, never a traceback; a pasted QR text is verified."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.attacks.conftest import cli_as_manager, other_org
from tests.core.credential_fixtures import Org
from trainer.cli import main
from trainer.core.models import Credential


def _nested_token() -> str:
    def b64(text: str) -> str:
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    header = b64(json.dumps({"alg": "ES256", "kid": "abcdefghijk"}))
    return header + "." + b64('{"a":' * 3000 + "1" + "}" * 3000) + ".AAAA"


@pytest.mark.parametrize("command", ["verify", "trust import", "audit verify --against"])
def test_a_deeply_nested_token_is_refused_without_a_traceback(
    org: Org,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    """Attack: a compact JWS whose payload is JSON nested 3000 deep (about 20 KB, under every
    size limit). json.loads raises RecursionError, which once escaped read_token: verify, trust
    import and audit verify --against ended in a traceback."""
    b = other_org(org, tmp_path / "b")
    path = tmp_path / "nested.jwt"
    path.write_text(_nested_token())
    args = [*command.split(), str(path), "--data-dir", str(b.folder)]
    if command == "trust import":
        args = cli_as_manager(monkeypatch, *args, "--fingerprint", "0000")
    code = main(args)
    assert code == 2 and capsys.readouterr().err.strip()


def test_the_qr_text_pasted_to_verify_does_not_crash(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack (any user, no malice needed): `cvi-trainer verify 'CVI1:...'` with a genuine QR
    text. cmd_verify first calls Path(text).is_file(); the QR text is a single ~265-character
    path component, so os.stat raises OSError (File name too long) and the command died with a
    traceback. The same happens for a pasted VC-JWT (no '/' in base64url)."""
    b = other_org(org, tmp_path / "b")
    issued = b.oriented(b.team.trainee)
    with b.db.begin() as session:
        qr = session.scalars(select(Credential.qr_token).where(Credential.id == issued.id)).one()
    assert len(qr) > 255
    code = main(["verify", qr, "--data-dir", str(b.folder)])
    assert code in (0, 1)
    assert "Tom Person" in capsys.readouterr().out
