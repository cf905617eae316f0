"""Program policies through the real screen: a manager writes one, a trainee reads it in the
module and signs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Team
from tests.core.curriculum_fixtures import write_curriculum
from tests.ui.conftest import sign_in
from trainer.core.services import library, policies, training

BOX = '\n\n!!! policy "Mandated reporting"\n    Ask what you must report, to whom and how fast.\n'


@pytest.fixture
def with_box(sqlite_team: Team, sqlite_db, clock, tmp_path: Path) -> Team:
    with sqlite_db.begin() as session:
        library.import_bundled(
            session, write_curriculum(tmp_path / "b", extra=BOX), now=clock.now()
        )
    return sqlite_team


def test_a_manager_writes_a_policy_and_a_trainee_reads_and_signs_it(
    qtbot, make_window, with_box: Team, sqlite_db, clock
) -> None:
    window = make_window()
    sign_in(qtbot, window, with_box.manager.username)
    view = window.workspace.show_screen("Program policies")
    assert view.list.item(0).text() == "Mandated reporting (not written yet)"
    assert "Ask what you must report" in view.guidance.text()
    view.text.setPlainText("Call Dana Ruiz the same day; she files any report.")
    view.save.click()
    assert view.list.item(0).text() == "Mandated reporting (written)"
    assert "Saved" in view.status.text()

    trainee_window = make_window()
    sign_in(qtbot, trainee_window, with_box.trainee.username)
    mine = trainee_window.workspace.show_screen("Program policies")
    assert mine.text.isReadOnly() and not mine.save.isVisible()
    assert mine.text.toPlainText().startswith("Call Dana Ruiz")
    assert mine.sign.isEnabled() and "not signed" in mine.sign_state.text()
    mine.signature.setText("someone else")
    mine.sign.click()
    assert "Type your full name" in mine.problem.text()
    mine.signature.setText(with_box.trainee.full_name)
    mine.sign.click()
    assert "You signed these policies on" in mine.sign_state.text()
    assert not mine.sign.isEnabled()
    with sqlite_db.begin() as session:
        assert policies.acknowledgment(session, with_box.trainee).current
        opened = training.open_module(session, with_box.trainee, "basics-1", now=clock.now())
    assert "Call Dana Ruiz the same day" in opened.rendered.html
