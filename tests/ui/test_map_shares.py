"""Choice analytics on the studio's story map: arrow thickness and a share label follow how many
trainees took each choice; too few people, or a choice reworded in the draft, show no share."""

from __future__ import annotations

import os

import pytest

from tests.conftest import Team, make_person
from tests.core.scenario_fixtures import SCENARIO
from tests.ui.conftest import sign_in
from trainer.core.models import Role
from trainer.core.services import library, practice
from trainer.ui.story_map import ChoiceArrow
from trainer.ui.views.scenario_analytics import ScenarioAnalyticsView
from trainer.ui.views.scenario_studio import ScenarioStudioView

SHOTS = os.environ.get("TRAINER_LAYOUT_SHOTS")  # a folder: save what the tests saw, to look at


@pytest.fixture
def played(sqlite_team: Team, sqlite_db, clock) -> Team:
    """t-corner published as version 1; six trainees played it. At the start five greeted and
    one grabbed the chain (so only one person stood at "grab": too few for a share); the five
    who greeted all suggested the chain goes back through them."""
    with sqlite_db.begin() as session:
        doc = library.create_document(
            session, sqlite_team.trainer, "scenario", "t-corner", SCENARIO, now=clock.now()
        )
        library.publish(session, sqlite_team.trainer, doc.id, now=clock.now())
    people = [sqlite_team.trainee, sqlite_team.other_trainee] + [
        make_person(sqlite_db, clock, sqlite_team.admin, f"t{i}", Role.TRAINEE) for i in range(4)
    ]
    for n, person in enumerate(people):
        with sqlite_db.begin() as session:
            play = practice.start(
                session, person, "t-corner", practice.ASSESSMENT, now=clock.advance(minutes=5)
            )
            for index in (1, 0) if n == 5 else (0, 0):
                play = practice.choose(
                    session, person, play.attempt_id, index, now=clock.advance(seconds=30)
                )
    return sqlite_team


def _studio(qtbot, make_window) -> ScenarioStudioView:
    window = make_window()
    window.resize(1100, 720)
    sign_in(qtbot, window, "tina")  # the trainer
    view = window.workspace.show_screen("Scenario studio")
    assert isinstance(view, ScenarioStudioView)
    view.select_key("t-corner")
    assert view.map is not None
    view.map.canvas.set_scale(1.0)
    return view


def _arrow(view: ScenarioStudioView, node_id: str, index: int) -> ChoiceArrow:
    assert view.map is not None
    return view.map.canvas.arrows_from(node_id)[index]


def _label(arrow: ChoiceArrow) -> str | None:
    return arrow.label.text if arrow.label is not None and arrow.label.isVisible() else None


def test_arrows_follow_the_share_of_trainees_taking_each_choice(qtbot, make_window, played) -> None:
    view = _studio(qtbot, make_window)
    greet, grab = _arrow(view, "arrive", 0), _arrow(view, "arrive", 1)
    back_off = _arrow(view, "grab", 0)
    plain = {a: a.pen().widthF() for a in (greet, grab, back_off)}
    assert plain[greet] == plain[grab] and _label(greet) is None
    assert not view.legend.isVisible() and not view.share_version.isEnabled()

    view.show_shares.click()
    assert view.show_shares.isChecked()
    assert greet.pen().widthF() > grab.pen().widthF()
    assert _label(greet) == "83%"  # 5 of 6 people
    assert _label(grab) == "17%"
    # One person at "grab": no share shown, drawn thin and light.
    assert _label(back_off) is None
    assert back_off.pen().widthF() <= plain[back_off]
    assert back_off.pen().color() != greet.pen().color()
    assert view.map is not None
    assert view.map.canvas.share_text("grab", 0) == "few plays"
    assert "live version 1, 6 attempts" in view.legend.text()
    assert view.legend.isVisible()
    assert view.share_version.currentText().startswith("1 (live)")
    if SHOTS:
        view.window().grab().save(os.path.join(SHOTS, "studio-choice-analytics.png"))

    # Zoomed out: labels go, the thickness stays.
    view.map.canvas.set_scale(0.4)
    assert _label(greet) is None and greet.pen().widthF() > grab.pen().widthF()
    view.map.canvas.set_scale(1.0)
    assert _label(greet) == "83%"

    view.show_shares.click()
    assert not view.show_shares.isChecked()
    assert {a: a.pen().widthF() for a in plain} == plain
    assert greet.pen().color() == back_off.pen().color()
    assert _label(greet) is None and not view.legend.isVisible()


def test_a_reworded_choice_in_the_draft_shows_no_share(qtbot, make_window, played) -> None:
    view = _studio(qtbot, make_window)
    view.show_shares.click()
    assert view.doc is not None
    view.doc.set_choice_text("arrive", 1, "Pull the chain out of his hands.")
    greet, grab = _arrow(view, "arrive", 0), _arrow(view, "arrive", 1)
    assert _label(grab) is None and _label(greet) == "83%"
    assert view.map is not None and view.map.canvas.share_text("arrive", 1) == ""
    # Undoing the change brings the share back.
    view.doc.undo()
    assert _label(_arrow(view, "arrive", 1)) == "17%"


def test_version_1_analytics_on_a_draft_published_as_version_2(
    qtbot, make_window, played, sqlite_db, clock
) -> None:
    view = _studio(qtbot, make_window)
    assert view.doc is not None
    view.doc.set_choice_text("arrive", 1, "Reach for the chain.")
    view.note.setText("Reworded the grab")
    view.publish.click()
    assert view.published_number == 2
    view.show_shares.click()
    assert "live version 2, 0 attempts" in view.legend.text()
    assert _label(_arrow(view, "arrive", 0)) is None  # nobody has played version 2 yet
    items = [view.share_version.itemText(i) for i in range(view.share_version.count())]
    assert items == ["2 (live): 0 attempts", "1: 6 attempts"]
    view.share_version.setCurrentIndex(1)
    view.share_version.activated.emit(view.share_version.currentIndex())
    assert "version 1, 6 attempts" in view.legend.text()
    assert "live" not in view.legend.text().split(";")[1]
    assert _label(_arrow(view, "arrive", 0)) == "83%"
    assert _label(_arrow(view, "arrive", 1)) is None  # its text changed since version 1


def test_open_analytics_table_shows_this_scenario(qtbot, make_window, played) -> None:
    view = _studio(qtbot, make_window)
    view.open_table.click()
    window = view.analytics_window
    assert isinstance(window, ScenarioAnalyticsView)
    qtbot.waitExposed(window)
    assert window.analytics is not None and window.analytics.key == "t-corner"
    assert window.analytics.started == 6
    window.close()


def test_an_unpublished_scenario_has_no_analytics_to_show(
    qtbot, make_window, sqlite_team: Team, sqlite_db, clock
) -> None:
    with sqlite_db.begin() as session:
        library.create_document(
            session, sqlite_team.trainer, "scenario", "t-corner", SCENARIO, now=clock.now()
        )
    window = make_window()
    sign_in(qtbot, window, "tina")
    view = window.workspace.show_screen("Scenario studio")
    view.select_key("t-corner")
    assert not view.show_shares.isEnabled() and not view.open_table.isEnabled()
    assert "Publish" in view.show_shares.toolTip()
