"""Shared dialogs: where file choosers start."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from trainer.ui import dialogs


@pytest.fixture
def launched_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home with a Documents folder, and the app launched from some other folder."""
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("XDG_DOCUMENTS_DIR", raising=False)
    launched = tmp_path / "checkout"
    launched.mkdir()
    monkeypatch.chdir(launched)
    return home


def test_save_dialog_starts_in_documents_not_where_the_app_was_launched(
    qtbot, launched_elsewhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def fake_save(parent, title, start, filters):
        asked.append(start)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_save))
    assert dialogs.choose_save_file(None, "Save", "certificate.pdf", "PDF (*.pdf)") is None
    assert Path(asked[0]) == launched_elsewhere / "Documents" / "certificate.pdf"


def test_open_dialog_starts_in_home_when_there_is_no_documents_folder(
    qtbot, launched_elsewhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (launched_elsewhere / "Documents").rmdir()
    asked: list[str] = []

    def fake_open(parent, title, start, filters):
        asked.append(start)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(fake_open))
    assert dialogs.choose_open_file(None, "Open", "PDF (*.pdf)") is None
    assert Path(asked[0]) == launched_elsewhere
