"""Fixtures shared by the reliability tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainer.cli import main


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo organization, seeded once per test module (its tests add to it, never reset)."""
    folder = tmp_path_factory.mktemp("demo") / "demo"
    assert main(["seed-demo", "--data-dir", str(folder)]) == 0
    return folder
