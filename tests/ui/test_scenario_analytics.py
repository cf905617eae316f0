"""A trainer opens choice analytics from the content library, reads the table, exports CSV."""

from __future__ import annotations

import csv
import io
import os
import random

import pytest
from sqlalchemy import select

from tests.conftest import Team, make_person
from tests.ui.conftest import sign_in
from trainer.core.models import Person, Role
from trainer.core.paths import bundled_content_root
from trainer.core.services import library, practice
from trainer.ui import dialogs
from trainer.ui.views.library import LibraryView
from trainer.ui.views.scenario_analytics import ScenarioAnalyticsView

KEY = "s03-stolen-chain"
SHOTS = os.environ.get("TRAINER_LAYOUT_SHOTS")  # a folder: save what the tests saw, to look at


@pytest.fixture
def played(sqlite_team: Team, sqlite_db, clock) -> Team:
    """The shipped content, and eight trainees who played the stolen-chain scenario their way."""
    with sqlite_db.begin() as session:
        library.import_bundled(session, bundled_content_root(), now=clock.now())
    people = [sqlite_team.trainee, sqlite_team.other_trainee] + [
        make_person(sqlite_db, clock, sqlite_team.admin, f"t{i}", Role.TRAINEE) for i in range(6)
    ]
    pick = random.Random(7)
    for person in people:
        for mode in (practice.PRACTICE, practice.ASSESSMENT):
            with sqlite_db.begin() as session:
                play = practice.start(session, person, KEY, mode, now=clock.advance(minutes=5))
                while not play.finished and play.offered:
                    index = pick.choice(play.offered)[0]
                    play = practice.choose(
                        session, person, play.attempt_id, index, now=clock.advance(seconds=30)
                    )
    return sqlite_team


def _open(qtbot, make_window) -> ScenarioAnalyticsView:
    window = make_window()
    window.resize(1100, 720)
    sign_in(qtbot, window, "tina")  # the trainer
    view: LibraryView = window.workspace.show_screen("Content library")
    module = next(i for i, d in enumerate(view.model.rows) if d.kind == "module")
    view.table.selectRow(module)
    assert not view.analytics.isEnabled()  # analytics are of scenarios
    row = next(i for i, d in enumerate(view.model.rows) if d.key == KEY)
    view.table.selectRow(row)
    assert view.analytics.isEnabled()
    if SHOTS:
        window.grab().save(os.path.join(SHOTS, "library-choice-analytics-button.png"))
    view.analytics.click()
    analytics = view.analytics_window
    assert isinstance(analytics, ScenarioAnalyticsView)
    qtbot.waitExposed(analytics)
    return analytics


def test_the_trainer_sees_each_choice_with_how_many_took_it(qtbot, make_window, played) -> None:
    view = _open(qtbot, make_window)
    view.resize(1100, 720)
    a = view.analytics
    assert a is not None and a.started == 16 and a.people == 8
    model = view.model
    assert model.rowCount() == len(a.scenario.nodes and a.choices) > 0
    first = a.scenario.nodes[a.scenario.start].choices[0].text
    texts = [model.index(r, 1).data() for r in range(model.rowCount())]
    assert texts[0].startswith(first)
    start_rows = [c for c in a.choices if c.node_id == a.scenario.start]
    assert sum(c.times for c in start_rows) == 16  # every attempt chose at the start
    assert model.index(0, 2).data() == f"{start_rows[0].people} of 8 people"
    assert model.index(0, 3).data() == f"{round(start_rows[0].people / 8 * 100)}%"
    assert "16 attempts by 8 people" in view.summary.text()
    assert "Pass rate" in view.summary.text()
    assert view.critical_model.rowCount() == len(a.critical) >= 1
    worst = a.critical[0]
    assert view.critical_model.index(0, 0).data() == worst.text
    assert view.critical_model.index(0, 3).data() == worst.message
    assert view.choice_shares()[(a.scenario.start, 0)] == start_rows[0].share
    # The table fits the window: no sideways scrolling.
    qtbot.waitUntil(lambda: view.table.horizontalScrollBar().maximum() == 0)
    if SHOTS:
        view.grab().save(os.path.join(SHOTS, "scenario-analytics.png"))


def test_picking_assessments_only_counts_them(qtbot, make_window, played) -> None:
    view = _open(qtbot, make_window)
    view.modes.setCurrentIndex(view.modes.findData(practice.ASSESSMENT))
    assert view.analytics is not None and view.analytics.started == 8
    view.versions.setCurrentIndex(view.versions.findData(None))
    assert view.analytics.version_id is None and view.analytics.mode == practice.ASSESSMENT


def test_export_writes_the_csv_without_names(
    qtbot, make_window, played, sqlite_db, tmp_path, monkeypatch
) -> None:
    view = _open(qtbot, make_window)
    target = tmp_path / "choices.csv"
    asked = []

    def choose(_parent, _title, suggested, _filters):
        asked.append(suggested)
        return target

    monkeypatch.setattr(dialogs, "choose_save_file", choose)
    view.export.click()
    assert asked == [f"{KEY}-choices-v1.csv"]
    text = target.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Scenario", "Version", "Attempts counted"]
    assert len(rows) == 1 + len(view.analytics.choices)
    assert str(target) in view.saved.text()
    with sqlite_db.begin() as session:
        names = session.scalars(select(Person.full_name)).all()
    assert len(names) >= 8 and not [n for n in names if n in text]
    if os.name == "posix":
        assert target.stat().st_mode & 0o077 == 0  # private, like every file the app writes


def test_a_trainee_has_no_content_library(qtbot, make_window, played) -> None:
    window = make_window()
    sign_in(qtbot, window, "tom")
    assert "Content library" not in window.workspace.labels()
