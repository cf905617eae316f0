"""Observation rubrics: the format checker (path:line problems), the rubrics we ship, and their
place in the content library."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from trainer.core.formats import CHECKERS, check_paths
from trainer.core.library import basic_problems, check_document, read_header, scan_bundled
from trainer.core.models import ContentKind
from trainer.core.paths import bundled_content_root
from trainer.core.rubric import parse_rubric, rubric_checker, rubric_competencies
from trainer.core.services.library import _title_of

SHIPPED = bundled_content_root() / "certificates" / "rubrics"

VALID = """id: demo
title: Demo checklist
version: 1
description: >
  A demo rubric.
settings: [field, role-play]
competencies:
  - key: mediation
    label: Conflict mediation
    levels:
      1: Not yet safe without close support.
      2: Does parts of it with support.
      3: Does it on their own.
      4: Does it independently and can model it for others.
  - key: safety
    label: Safety
    levels:
      1: Goes out alone.
      2: Checks in when reminded.
      3: Works with a partner and checks in.
      4: Coaches the team on the safety plan.
sources:
  - "CVI field facts, section 3"
"""


def _line(text: str, needle: str, occurrence: int = 1) -> int:
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def test_a_valid_rubric_parses_with_levels_in_order() -> None:
    rubric, problems = parse_rubric(VALID)
    assert problems == [] and rubric is not None
    assert rubric.settings == ("field", "role-play")
    assert [c.key for c in rubric.competencies] == ["mediation", "safety"]
    mediation = rubric.competency("mediation")
    assert mediation is not None and mediation.describe(3) == "Does it on their own."
    assert rubric.setting_labels == ("Field observation", "Role-play")


def test_rubric_competencies_gives_keys_and_labels_or_none() -> None:
    assert rubric_competencies(VALID) == {"mediation": "Conflict mediation", "safety": "Safety"}
    assert rubric_competencies(VALID.replace("version: 1", "version: one")) is None
    assert rubric_competencies("not: [valid") is None


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        # a level without a description: the line of that level
        ("      3: Does it on their own.", "      3:", "      3:", "level 3 has no description"),
        (
            "      3: Does it on their own.",
            '      3: "  "',
            "      3:",
            "level 3 has no description",
        ),
        # a level outside 1-4: the line of that level
        ("      4: Coaches", "      5: Coaches", "      5:", "level 5 is outside 1-4"),
        ("      1: Goes out alone.", "      0: Goes out alone.", "      0:", "level 0 is outside"),
        # a missing level: the line of `levels:` (the second competency's)
        ("      2: Checks in when reminded.\n", "", ("    levels:", 2), "level 2 is missing"),
        ("      2: Checks in when reminded.", "      2: A.\n      2: B.", "      2: B.", "twice"),
        # two competencies with one key: the second one's line, naming the first
        ("  - key: safety", "  - key: mediation", ("  - key: mediation", 2), "used on line 8"),
        ("settings: [field, role-play]", "settings: [field, street]", "settings:", "'street'"),
        ("settings: [field, role-play]", "settings: []", "settings:", "should be non-empty"),
        ("version: 1", "version: 0", "version:", "minimum of 1"),
        ("    label: Safety", "    label: Safety\n    weight: 2", "weight:", "unknown field"),
        ("    label: Safety\n", "", "  - key: safety", "'label' is missing"),
        # YAML names the line where it noticed the unclosed bracket
        ("title: Demo checklist", "title: [Demo", "version:", "YAML cannot be read"),
    ],
)
def test_rubric_problems_name_the_line(
    old: str, new: str, needle: str | tuple[str, int], message: str
) -> None:
    assert old in VALID
    text = VALID.replace(old, new, 1)
    rubric, problems = parse_rubric(text)
    assert rubric is None
    expected = _line(text, *needle) if isinstance(needle, tuple) else _line(text, needle)
    assert any(p.line == expected and message in p.message for p in problems), problems


def test_the_competency_is_named_in_level_problems() -> None:
    _, problems = parse_rubric(VALID.replace("      4: Coaches", "      7: Coaches"))
    assert [(p.line, p.message) for p in problems] == [
        (
            17,
            "competency 'safety': level 4 is missing; describe the behaviour an observer sees "
            "at level 4",
        ),
        (
            21,
            "competency 'safety': level 7 is outside 1-4 (a rubric describes exactly the "
            "levels 1, 2, 3 and 4)",
        ),
    ]


def test_quoted_level_keys_are_the_same_levels() -> None:
    text = VALID.replace("      1: Not yet", '      "1": Not yet')
    rubric, problems = parse_rubric(text)
    assert problems == [] and rubric is not None


def test_a_rubric_is_a_mapping() -> None:
    assert parse_rubric("- just\n- a list\n")[1][0].message.startswith("a rubric is a mapping")


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.one_of(st.integers(-2, 7), st.sampled_from(["1", "2", "x", ""])),
        st.one_of(st.none(), st.text(max_size=12), st.integers()),
        max_size=6,
    )
)
def test_any_levels_mapping_is_accepted_only_when_it_is_exactly_four_described_levels(
    levels: dict[object, object],
) -> None:
    data = yaml.safe_load(VALID)
    data["competencies"][0]["levels"] = levels
    rubric, problems = parse_rubric(yaml.safe_dump(data, sort_keys=False))
    named = {str(k) for k in levels}
    described = all(isinstance(v, str) and v.strip() for v in levels.values())
    well_formed = named == {"1", "2", "3", "4"} and len(levels) == 4 and described
    assert (rubric is not None) == well_formed, problems
    assert all(p.line is not None and p.line >= 1 for p in problems)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_rubric_or_located_problems(text: str) -> None:
    rubric, problems = parse_rubric(text)
    assert (rubric is None) == bool(problems)
    assert all(p.line is not None for p in problems)


# --- the rubrics we ship -----------------------------------------------------------------------


def _shipped(key: str):
    rubric, problems = parse_rubric((SHIPPED / f"{key}.yaml").read_text(encoding="utf-8"))
    assert problems == [] and rubric is not None
    return rubric


def test_shipped_rubrics_are_clean_and_named_after_their_files() -> None:
    messages, checked = check_paths([SHIPPED])
    assert messages == [] and checked == len(list(SHIPPED.glob("*.yaml"))) >= 2


def test_the_supervisor_checklist_covers_the_four_field_competencies() -> None:
    rubric = _shipped("field-competencies")
    assert [c.key for c in rubric.competencies] == [
        "mediation",
        "incident-response",
        "documentation",
        "safety",
    ]
    assert set(rubric.settings) == {"field", "role-play"}


def test_the_training_delivery_rubric_is_for_observed_delivery() -> None:
    rubric = _shipped("training-delivery")
    assert rubric.settings == ("training-delivery",)
    assert {"preparation", "facilitation", "feedback"} <= {c.key for c in rubric.competencies}


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_levels_are_behaviour_with_the_same_anchors(path: Path) -> None:
    rubric, _ = parse_rubric(path.read_text(encoding="utf-8"))
    assert rubric is not None
    assert "program's design" in rubric.description and "adapt" in rubric.description
    assert rubric.sources
    for competency in rubric.competencies:
        one, _, _, four = competency.levels
        assert "close support" in one, competency.key
        assert "independently" in four and "model it for others" in four, competency.key
        assert not any(ch == "%" for level in competency.levels for ch in level)


# --- check and the library ---------------------------------------------------------------------


def _content(tmp_path: Path, text: str, name: str = "demo") -> Path:
    folder = tmp_path / "certificates" / "rubrics"
    folder.mkdir(parents=True)
    (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder / f"{name}.yaml"


@pytest.mark.parametrize("given", ["root", "certificates", "rubrics", "file"])
def test_check_reports_a_bad_rubric_by_path_and_line(tmp_path: Path, given: str) -> None:
    text = VALID.replace("      3: Does it on their own.", "      3:")
    path = _content(tmp_path, text)
    target = {
        "root": tmp_path,
        "certificates": tmp_path / "certificates",
        "rubrics": path.parent,
        "file": path,
    }[given]
    messages, checked = check_paths([target])
    assert checked == 1
    assert messages == [
        f"{path.as_posix()}:{_line(text, '      3:')}: competency 'mediation': level 3 has no "
        "description; describe the behaviour an observer sees at level 3"
    ]


def test_check_wants_the_rubric_id_to_match_the_file_name(tmp_path: Path) -> None:
    path = _content(tmp_path, VALID, name="other")
    messages, _ = check_paths([path])
    assert messages == [f"{path.as_posix()}:1: id 'demo' must equal the file name 'other'"]


def test_rubrics_are_imported_before_programs_as_their_own_kind(tmp_path: Path) -> None:
    _content(tmp_path, VALID)
    (tmp_path / "certificates" / "demo.yaml").write_text(
        (bundled_content_root() / "certificates" / "orientation.yaml")
        .read_text(encoding="utf-8")
        .replace("id: orientation", "id: demo"),
        encoding="utf-8",
    )
    scan = scan_bundled(tmp_path)
    assert scan.errors == []
    assert [(d.kind, d.key, d.path) for d in scan.documents] == [
        (ContentKind.RUBRIC, "demo", "certificates/rubrics/demo.yaml"),
        (ContentKind.PROGRAM, "demo", "certificates/demo.yaml"),
    ]
    assert scan.documents[0].title == "Demo checklist"


def test_the_library_checks_rubrics_with_the_rubric_checker() -> None:
    assert CHECKERS[ContentKind.RUBRIC] is rubric_checker
    assert check_document(ContentKind.RUBRIC, VALID, "demo") == []
    assert read_header(ContentKind.RUBRIC, VALID)["title"] == "Demo checklist"
    assert _title_of(ContentKind.RUBRIC, VALID, "fallback") == "Demo checklist"
    renamed = basic_problems(ContentKind.RUBRIC, VALID, "other")
    assert renamed and "ids cannot change" in renamed[0].message
    broken = check_document(ContentKind.RUBRIC, VALID.replace("      4: Coaches", "      5: X"))
    assert broken and all(p.line for p in broken)
