"""`cvi-trainer import-twee` / `export-twee`: a report, a file only when accepted, and files that
`check` passes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from trainer.cli import main
from trainer.core.paths import bundled_content_root

DATA = Path(__file__).parent.parent / "data" / "twee"
SCENARIO = bundled_content_root() / "scenarios" / "s10-noise-complaint.yaml"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_import_prints_the_report_and_writes_a_scenario_check_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "lock-and-key.yaml"
    code, stdout, _ = _run(
        capsys, "import-twee", str(DATA / "cookbook-sugarcube-lockandkey.twee"), "-o", str(out)
    )
    assert code == 0
    assert "3 nodes with 5 choices, 1 ending" in stdout
    assert "passage 'Back Room' has story-format code kept as text" in stdout
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600  # written privately, like other outputs
    code, _, err = _run(capsys, "check", str(out))
    assert code == 0, err


def test_a_refused_import_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "turns.yaml"
    code, stdout, err = _run(
        capsys, "import-twee", str(DATA / "cookbook-sugarcube-turncounter.twee"), "-o", str(out)
    )
    assert code == 1
    assert "error: no ending can be reached from the start" in stdout
    assert "nothing was written" in err
    assert not out.exists()


def test_garbage_input_is_a_report_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    garbage = tmp_path / "x.twee"
    garbage.write_bytes(bytes(range(256)) * 8)
    code, stdout, err = _run(capsys, "import-twee", str(garbage), "-o", str(tmp_path / "x.yaml"))
    assert code == 1
    assert "x.twee:1: error: cannot be read as UTF-8 text" in stdout
    assert "Traceback" not in stdout + err


def test_the_output_name_must_be_a_scenario_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        capsys,
        "import-twee",
        str(DATA / "extwee-example.twee"),
        "-o",
        str(tmp_path / "My Story.yaml"),
    )
    assert code == 1 and "a scenario file's name is its id" in err


def test_export_then_import_gives_the_same_scenario_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    twee = tmp_path / "noise.twee"
    assert _run(capsys, "export-twee", str(SCENARIO), "-o", str(twee))[0] == 0
    assert twee.read_text(encoding="utf-8").startswith(":: StoryTitle\n")
    back = tmp_path / SCENARIO.name
    code, stdout, _ = _run(capsys, "import-twee", str(twee), "-o", str(back))
    assert code == 0, stdout
    assert _run(capsys, "check", str(back))[0] == 0
    from trainer.core.scenario import parse_scenario, scenario_data

    original = parse_scenario(SCENARIO.read_text(encoding="utf-8"))[0]
    again = parse_scenario(back.read_text(encoding="utf-8"))[0]
    assert original is not None and again is not None
    assert scenario_data(again) == scenario_data(original)


def test_export_of_a_broken_scenario_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nnodes: [\n", encoding="utf-8")
    code, _, err = _run(capsys, "export-twee", str(bad), "-o", str(tmp_path / "bad.twee"))
    assert code == 1 and "YAML cannot be read" in err
    assert not (tmp_path / "bad.twee").exists()
