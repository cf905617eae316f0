"""`cvi-trainer check`: clean on the shipped curriculum, `path:line: message` on broken copies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from trainer.cli import main
from trainer.core.paths import bundled_content_root

SHIPPED = bundled_content_root() / "curricula"


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(SHIPPED, tmp_path / "curricula")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "curricula"


def _edit(path: Path, old: str, new: str) -> int:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    before = text[: text.index(old)]
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return before.count("\n") + 1


def _check(capsys: pytest.CaptureFixture[str], *paths: str) -> tuple[int, list[str]]:
    code = main(["check", *paths])
    return code, capsys.readouterr().out.splitlines()


def _not_figures(out: list[str]) -> list[str]:
    return [line for line in out if ": figures: " not in line]


def test_shipped_curriculum_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _check(capsys, str(SHIPPED))
    assert (code, _not_figures(out)) == (0, [])  # no problems and no quality warnings
    assert any(": figures: pool of " in line for line in out)


def test_bad_front_matter_field_is_reported_at_its_line(copy: Path, capsys) -> None:
    line = _edit(
        copy / "core" / "core-01-cvi-field.md", "estimated_minutes: 50", "estimated_minutes: lots"
    )
    code, out = _check(capsys, "curricula")
    assert code == 1
    assert _not_figures(out) == [
        f"curricula/core/core-01-cvi-field.md:{line}: estimated_minutes: 'lots' is "
        "not of type 'integer'"
    ]


def test_unknown_field_is_reported(copy: Path, capsys) -> None:
    line = _edit(
        copy / "core" / "core-03-trauma-informed-care.md",
        "track: core",
        "track: core\nauthor: someone",
    )
    code, out = _check(capsys, "curricula")
    assert code == 1
    assert out[0].startswith(f"curricula/core/core-03-trauma-informed-care.md:{line + 1}:")
    assert "unknown field ('author' was unexpected)" in out[0]


def test_duplicate_id_names_both_files(copy: Path, capsys) -> None:
    shutil.copy(copy / "core" / "core-01-cvi-field.md", copy / "street-outreach" / "so-09-copy.md")
    _edit(copy / "street-outreach" / "so-09-copy.md", "track: core", "track: street-outreach")
    code, out = _check(capsys, "curricula")
    assert code == 1
    assert any(
        "curricula/street-outreach/so-09-copy.md:2: id 'core-01-cvi-field' is already "
        "used by curricula/core/core-01-cvi-field.md" in line
        for line in out
    ), out


def test_prerequisite_cycle_is_reported(copy: Path, capsys) -> None:
    _edit(
        copy / "core" / "core-01-cvi-field.md",
        "prerequisites: []",
        "prerequisites: [core-08-wellbeing]",
    )
    code, out = _check(capsys, "curricula")
    assert code == 1
    [line] = [line for line in out if "cycle" in line]
    assert "core-01-cvi-field -> core-08-wellbeing -> core-01-cvi-field" in line
    assert line.split(":")[1].isdigit()


def test_missing_prerequisite_is_reported(copy: Path, capsys) -> None:
    _edit(
        copy / "core" / "core-06-field-safety.md",
        "prerequisites: [core-01-cvi-field]",
        "prerequisites: [core-99-missing]",
    )
    code, out = _check(capsys, "curricula")
    assert code == 1
    assert any("prerequisite 'core-99-missing' is not a module" in line for line in out)


def test_question_without_a_correct_answer_is_reported(copy: Path, capsys) -> None:
    path = copy / "core" / "core-02-ethics-boundaries-police.md"
    text = path.read_text(encoding="utf-8")
    start = text.index("type: single")
    end = text.index("correct: true", start)
    path.write_text(
        text[:end] + "correct: false" + text[end + len("correct: true") :], encoding="utf-8"
    )
    code, out = _check(capsys, str(path.relative_to(copy.parent)))
    assert code == 1
    assert len(out) == 1 and "needs exactly one option with correct: true (has 0)" in out[0]
    assert out[0].startswith("curricula/core/core-02-ethics-boundaries-police.md:")


def test_broken_image_and_remote_image_are_reported(copy: Path, capsys) -> None:
    path = copy / "core" / "core-08-wellbeing.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text + "\n![map](images/missing.png)\n![x](https://example.org/x.png)\n", encoding="utf-8"
    )
    code, out = _check(capsys, "curricula")
    assert code == 1
    assert any("image target 'images/missing.png' does not exist" in line for line in out)
    assert any("is on the internet" in line for line in out)


def test_broken_yaml_names_the_line(copy: Path, capsys) -> None:
    line = _edit(
        copy / "core" / "core-01-cvi-field.md", "title: The CVI field", "title: [The CVI field"
    )
    code, out = _check(capsys, "curricula")
    assert code == 1 and out[0].startswith("curricula/core/core-01-cvi-field.md:")
    assert "YAML cannot be read" in out[0]
    assert int(out[0].split(":")[1]) >= line


SCENARIOS = bundled_content_root() / "scenarios"


def test_shipped_scenarios_are_clean(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _check(capsys, str(SCENARIOS))
    assert (code, _not_figures(out)) == (0, [])
    # check prints each scenario's figures, strategies included
    assert sum("figures: strategies: always the longest fails" in line for line in out) == 8


def test_shipped_scenarios_cover_every_role_with_enough_depth() -> None:
    from trainer.core.scenario import parse_scenario

    parsed = [
        parse_scenario(p.read_text(encoding="utf-8"))[0] for p in sorted(SCENARIOS.glob("*.yaml"))
    ]
    assert len(parsed) >= 8
    for s in parsed:
        assert s is not None
        assert len(s.nodes) >= 15, s.id
        assert {e.outcome for e in s.endings.values()} >= {"success", "partial", "failure"}, s.id
        assert all(len(e.debrief.split()) >= 40 for e in s.endings.values()), s.id
    roles = {s.role for s in parsed}
    assert roles >= {
        "street-outreach",
        "community-safety",
        "hospital-response",
        "family-support",
        "wellbeing",
    }
    assert any(s.policies for s in parsed)  # one depends on the police information policy


def test_a_broken_scenario_copy_reports_path_line_and_node(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    from tests.core.scenario_fixtures import SCENARIO

    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "t-corner.yaml").write_text(
        SCENARIO.replace("        target: calm\n", "        target: nowhere\n")
    )
    code, out = _check(capsys, "scenarios")
    assert code == 1
    assert out == [
        "scenarios/t-corner.yaml:36: node talk: choice leads to 'nowhere', which does not exist"
    ]
