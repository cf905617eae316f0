"""Credential programs: the format checker and the programs we ship."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trainer.core.curriculum import parse_module
from trainer.core.formats import check_paths
from trainer.core.program import parse_program
from trainer.core.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[2]

VALID = """id: demo
title: Demo program
tier: foundations
description: A demo.
requirements:
  modules: [core-01-cvi-field]
validity_months: 24
renewal:
  continuing_education_hours: 6
disclaimer: Issued by the program; not a state certification.
"""


def test_a_valid_program_parses() -> None:
    program, problems = parse_program(VALID)
    assert problems == [] and program is not None
    assert program.requirements.modules == ("core-01-cvi-field",)
    assert program.renewal is not None and program.renewal.continuing_education_hours == 6


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (("tier: foundations", "tier: gold"), 3, "'gold' is not one of"),
        (("  modules: [core-01-cvi-field]", "  modules: [Core 01]"), 6, "does not match"),
        (("  modules: [core-01-cvi-field]", "  hours: 5"), 6, "unknown field"),
        (("renewal:\n  continuing_education_hours: 6\n", ""), 7, "'renewal' is missing"),
        (("  modules: [core-01-cvi-field]", "  modules: []"), 6, "at least one module"),
        (("requirements:", "requirements:\n  credentials: [demo]"), 6, "its own credential"),
    ],
)
def test_program_problems_name_the_line(change, line, message) -> None:
    text = VALID.replace(*change)
    program, problems = parse_program(text)
    assert program is None
    assert problems and problems[0].line == line and message in problems[0].message


def test_check_reports_a_bad_program_file_by_path_and_line(tmp_path) -> None:
    folder = tmp_path / "certificates"
    folder.mkdir()
    (folder / "demo.yaml").write_text(VALID.replace("tier: foundations", "tier: gold"))
    messages, checked = check_paths([folder])
    assert checked == 1 and messages[0].startswith(f"{(folder / 'demo.yaml').as_posix()}:3: tier")


def test_shipped_programs_are_valid_and_reference_content_that_exists() -> None:
    modules = {parse_module(p.read_text())[0].id for p in (ROOT / "curricula").rglob("*.md")}
    scenarios = {parse_scenario(p.read_text())[0].id for p in (ROOT / "scenarios").glob("*.yaml")}
    programs = {}
    for path in sorted((ROOT / "certificates").glob("*.yaml")):
        program, problems = parse_program(path.read_text())
        assert problems == [], path
        assert program.id == path.stem
        programs[program.id] = program
    tiers = {p.tier for p in programs.values()}
    assert {"orientation", "foundations", "field-qualified", "senior", "endorsement"} <= tiers
    endorsements = " ".join(p.title for p in programs.values() if p.tier == "endorsement")
    for role in (
        "Street Outreach",
        "Community Safety",
        "Hospital Responder",
        "Support Group",
        "Case Management",
    ):
        assert role in endorsements
    for program in programs.values():
        req, renewal = program.requirements, program.renewal
        used_modules = set(req.modules) | set(renewal.modules if renewal else ())
        used_scenarios = {s.id for s in req.scenarios} | {
            s.id for s in (renewal.scenarios if renewal else ())
        }
        assert used_modules <= modules, program.id
        assert used_scenarios <= scenarios, program.id
        assert set(req.credentials) <= set(programs), program.id
        # Titles never claim state certification or HAVI's title; the program issues them.
        assert not re.search(
            r"certified|certification|violence prevention professional|\bVPP\b", program.title, re.I
        )
        assert "issued by" in program.disclaimer.lower()
        assert "not a state certification" in program.disclaimer.lower()
