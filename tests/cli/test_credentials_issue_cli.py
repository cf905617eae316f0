"""`credentials issue` and `credentials programs`: the program ids are listed, a wrong one names
the right ones, and a missing signing passphrase names its own variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainer.cli import PASSPHRASE_ENV, PASSWORD_ENV, main

PROGRESSION = ["orientation", "foundations", "field-qualified", "senior-peer-trainer"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    assert main(["seed-demo", "--data-dir", str(folder)]) == 0
    return folder


def _issue(capsys, monkeypatch, demo: Path, program: str) -> tuple[int, str]:
    monkeypatch.setenv(PASSWORD_ENV, "demo-manager-pass")
    capsys.readouterr()
    code = main(
        ["credentials", "issue", program, "andre", "--as", "manager", "--data-dir", str(demo)]
    )
    return code, capsys.readouterr().err


def test_programs_lists_the_ids_issue_accepts_in_order_of_progression(capsys, demo: Path) -> None:
    capsys.readouterr()
    assert main(["credentials", "programs", "--data-dir", str(demo)]) == 0
    rows = [line.split(None, 1) for line in capsys.readouterr().out.splitlines()]
    ids = [row[0] for row in rows]
    assert ids[:4] == PROGRESSION and len(ids) == 9
    assert all(i.startswith("endorsement-") for i in ids[4:])
    assert rows[0][1] == "Community Violence Intervention: Orientation"


def test_a_wrong_program_names_the_programs_before_asking_for_the_passphrase(
    capsys, monkeypatch, demo: Path
) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)  # it must not get as far as asking
    code, err = _issue(capsys, monkeypatch, demo, "orientaton")
    assert code == 1
    assert "no published credential program 'orientaton'" in err
    assert "Programs: orientation, foundations, field-qualified, senior-peer-trainer, " in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_issue_without_the_signing_passphrase_names_the_passphrase_variable(
    capsys, monkeypatch, demo: Path
) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    code, err = _issue(capsys, monkeypatch, demo, "orientation")
    assert code == 1
    assert f"No signing passphrase given. Set {PASSPHRASE_ENV}" in err
    assert f"Set {PASSWORD_ENV}" not in err
