"""`cvi-trainer check` on credential programs: what they require must exist, and no
assessment they require may be passed by a test-taking trick."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli.test_check import _check, _edit
from trainer.core.paths import bundled_content_root

ROOT = bundled_content_root()


@pytest.fixture
def content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for folder in ("curricula", "scenarios", "certificates"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _failures(out: list[str]) -> list[str]:
    return [line for line in out if ": figures: " not in line and ": warning: " not in line]


def test_shipped_programs_rubrics_and_assessments_check_clean(capsys) -> None:
    code, out = _check(
        capsys, str(ROOT / "curricula"), str(ROOT / "scenarios"), str(ROOT / "certificates")
    )
    assert (code, [line for line in out if ": figures: " not in line]) == (0, [])


def test_a_program_may_not_require_a_scenario_the_longest_choice_passes(
    content: Path, capsys
) -> None:
    scenario = content / "scenarios" / "s03-stolen-chain.yaml"
    text = scenario.read_text(encoding="utf-8")
    from trainer.core.scenario import parse_scenario

    parsed, _ = parse_scenario(text)
    assert parsed is not None
    for node in parsed.nodes.values():  # the lazy author: the best choice says the most
        best = max(node.choices, key=lambda c: c.total_points)
        padded = best.text + " Take time to do it carefully, respectfully and with your partner."
        text = text.replace(best.text, padded, 1)
    scenario.write_text(text, encoding="utf-8")
    code, out = _check(capsys, "scenarios", "certificates")
    assert code == 1
    refused = [line for line in _failures(out) if "s03-stolen-chain" in line]
    assert refused and all(line.startswith("certificates/") for line in refused)
    assert any(
        "requires the scenario 's03-stolen-chain' in assessment mode, but it is passed by "
        "'always the longest'" in line
        for line in refused
    )
    assert any(
        line.startswith("scenarios/s03-stolen-chain.yaml:") and ": warning: " in line
        for line in out
    )


def test_a_program_requiring_a_missing_rubric_or_competency_names_its_line(
    content: Path, capsys
) -> None:
    program = content / "certificates" / "field-qualified.yaml"
    line = _edit(
        program,
        "competency: incident-response",
        "competency: crowd-control",
    )
    code, out = _check(capsys, "certificates")
    assert code == 1
    assert (
        f"certificates/field-qualified.yaml:{line}: rubric 'field-competencies' has no "
        "competency 'crowd-control' (it has: mediation, incident-response, documentation, "
        "safety)" in _failures(out)
    )
    (content / "certificates" / "rubrics" / "training-delivery.yaml").unlink()
    code, out = _check(capsys, "certificates")
    assert any(
        "senior-peer-trainer.yaml" in line
        and "rubric 'training-delivery', which does not exist" in line
        for line in _failures(out)
    )


def test_a_rubric_with_a_missing_level_description_names_its_line(content: Path, capsys) -> None:
    rubric = content / "certificates" / "rubrics" / "field-competencies.yaml"
    text = rubric.read_text(encoding="utf-8")
    start = text.index("      2: >-")
    end = text.index("      3: >-")
    rubric.write_text(text[:start] + text[end:], encoding="utf-8")
    code, out = _check(capsys, "certificates")
    assert code == 1
    assert any(
        line.startswith("certificates/rubrics/field-competencies.yaml:") and "level" in line
        for line in _failures(out)
    ), out


def test_negative_training_hours_are_a_located_error(content: Path, capsys) -> None:
    line = _edit(
        content / "certificates" / "foundations.yaml",
        "training_hours: {total: 35, in_person: 16}",
        "training_hours: {total: -35, in_person: 16}",
    )
    code, out = _check(capsys, "certificates/foundations.yaml")
    assert code == 1
    assert _failures(out)[0].startswith(f"certificates/foundations.yaml:{line}: ")
