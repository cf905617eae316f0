"""Project hygiene a newcomer relies on: README's commands, CI using them, lint and types."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text)[:2]


def test_readme_opens_with_the_app_and_test_commands() -> None:
    run_app, run_tests = _readme_commands()
    assert run_app.endswith("cvi-trainer --demo")
    assert "pytest" in run_tests and "[test]" in run_tests


def test_ci_runs_exactly_the_readme_test_command() -> None:
    _, run_tests = _readme_commands()
    assert run_tests in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_readme_screenshots_exist() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
        assert (ROOT / image).is_file(), image


def test_readme_demo_table_lists_every_demo_sign_in() -> None:
    from trainer.core.demo_people import DEMO_PEOPLE, EXTRA_PASSWORD, EXTRA_TRAINEES

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {
        name: password
        for names, password in re.findall(r"^\| (`.+?`) \| `([^`]+)` \|", text, re.MULTILINE)
        for name in re.findall(r"`([^`]+)`", names)
    }
    people = {p.username: p.password for p in DEMO_PEOPLE}
    people |= {username: EXTRA_PASSWORD for username, _, _ in EXTRA_TRAINEES}
    assert rows == people


def test_ruff_lint_and_format_are_clean() -> None:
    for args in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_core_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
