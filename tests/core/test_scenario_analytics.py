"""Choice analytics: shares of people per choice, endings, pass rate, critical errors, CSV."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import event

from tests.conftest import FakeClock, Team, make_person
from tests.core.scenario_fixtures import SCENARIO, write_scenarios
from trainer.core.errors import NotFoundError, PermissionDeniedError
from trainer.core.models import ContentKind, Role
from trainer.core.services import library, practice
from trainer.core.services import scenario_analytics as analytics
from trainer.core.services.practice import ASSESSMENT as A
from trainer.core.services.practice import PRACTICE as P

GRAB = "Physical intervention in an armed dispute."


def _play(db, clock: FakeClock, person, mode: str, *choices: int | str) -> None:
    """Play t-corner choosing by index in the scenario file; "undo" takes the last one back."""
    with db.begin() as session:
        play = practice.start(session, person, "t-corner", mode, now=clock.advance(minutes=1))
        for choice in choices:
            now = clock.advance(seconds=20)
            if choice == "undo":
                play = practice.undo(session, person, play.attempt_id, now=now)
            else:
                play = practice.choose(session, person, play.attempt_id, choice, now=now)


@pytest.fixture
def doc_id(team: Team, db, clock, tmp_path) -> int:
    with db.begin() as session:
        library.import_bundled(session, write_scenarios(tmp_path / "bundle"), now=clock.now())
        return library.find_document(session, team.admin, ContentKind.SCENARIO, "t-corner").id


@pytest.fixture
def played(doc_id: int, team: Team, db, clock) -> Team:
    """Five people at the first situation, four at the second (see each line)."""
    una, val, wes = (
        make_person(db, clock, team.admin, name, Role.TRAINEE) for name in ("una", "val", "wes")
    )
    _play(db, clock, team.trainee, P, 1, "undo", 0, 0)  # grab, undone; calm
    _play(db, clock, team.other_trainee, A, 0, 2)  # walks away: partial
    _play(db, clock, una, A, 1, 0)  # grabs the chain (critical), backs off: bad
    _play(db, clock, val, A, 0, 0)  # calm, passes
    _play(db, clock, wes, P, 0, 0)  # calm
    _play(db, clock, wes, P, 1)  # grabs the chain, stops there (unfinished)
    return team


def _analytics(db, person, doc_id, version_id=None, **kwargs) -> analytics.ScenarioAnalytics:
    with db.begin() as session:
        return analytics.scenario_analytics(session, person, doc_id, version_id, **kwargs)


def _by_choice(a: analytics.ScenarioAnalytics) -> dict[tuple[str, int], analytics.ChoiceShare]:
    return {(c.node_id, c.choice_index): c for c in a.choices}


def test_shares_count_people_once_and_leave_out_undone_steps(played: Team, db, doc_id) -> None:
    a = _analytics(db, played.trainer, doc_id)
    rows = _by_choice(a)
    greet, grab = rows[("arrive", 0)], rows[("arrive", 1)]
    assert greet.text == "Stand at an angle and greet the one you know."
    assert greet.node_people == 5
    # Wes greeted once and grabbed once: one person at each; Tom's undone grab is not a choice.
    assert (greet.people, greet.times, greet.share) == (4, 4, 0.8)
    assert (grab.people, grab.times, grab.share, grab.taken_back) == (2, 2, 0.4, 1)
    assert grab.choice_share == pytest.approx(2 / 6)
    assert a.shares()[("arrive", 0)] == 0.8
    # Four people reached "talk": counts are given, shares are not (fewer than five).
    suggest, police, walk = (rows[("talk", i)] for i in range(3))
    assert (suggest.people, police.people, walk.people) == (3, 0, 1)
    assert suggest.node_people == 4 and suggest.share is None and not suggest.shown
    assert ("talk", 0) not in a.shares()
    assert _by_choice(_analytics(db, played.trainer, doc_id, min_people=4))[
        ("talk", 0)
    ].share == pytest.approx(3 / 4)


def test_attempts_endings_and_pass_rate(played: Team, db, doc_id) -> None:
    a = _analytics(db, played.trainer, doc_id)
    assert (a.started, a.finished, a.people) == (6, 5, 5)
    by_mode = {c.mode: (c.started, c.finished, c.passed) for c in a.attempts}
    assert by_mode == {"practice": (3, 2, 2), "assessment": (3, 3, 1)}
    assert a.assessed == 3 and a.pass_rate == pytest.approx(1 / 3)  # Val passed; Tess, Una not
    assert [(e.ending_id, e.title, e.attempts) for e in a.endings] == [
        ("calm", "It cools down", 3),
        ("bad", "It escalates", 1),
        ("partial", "It simmers", 1),
    ]
    assert a.endings[0].share == pytest.approx(3 / 5)
    exams = _analytics(db, played.trainer, doc_id, mode=practice.ASSESSMENT)
    assert (exams.started, exams.people) == (3, 3)
    assert _by_choice(exams)[("arrive", 1)].times == 1  # Una's; Wes grabbed in practice
    assert _analytics(db, played.trainer, doc_id, mode=practice.PRACTICE).pass_rate is None


def test_the_most_common_critical_errors_come_with_their_message(played: Team, db, doc_id) -> None:
    a = _analytics(db, played.trainer, doc_id)
    assert [(e.node_id, e.text, e.message, e.times, e.people) for e in a.critical] == [
        ("arrive", "Grab the chain.", GRAB, 2, 2)
    ]


def test_nothing_played_yet_gives_zeros_not_errors(doc_id, team: Team, db) -> None:
    a = _analytics(db, team.admin, doc_id)
    assert (a.started, a.pass_rate, a.endings, a.critical) == (0, None, (), ())
    assert len(a.choices) == 7 and all(c.people == 0 and c.share is None for c in a.choices)


SCENARIO_V2 = (
    SCENARIO.replace("version: 1", "version: 2")
    .replace("Grab the chain.", "Grab the chain from him.")  # reworded in place
    .replace(
        "      - text: Walk away.\n        target: partial\n"
        "        feedback: Leaving early leaves it unresolved.\n",
        "",
    )
    .replace(  # a new first choice at "talk": the others move down one
        "    text: He steps aside with you.\n    choices:\n",
        "    text: He steps aside with you.\n    choices:\n"
        "      - text: Ask what the chain means to him.\n        target: calm\n"
        "        points: {deescalation: 3}\n        feedback: Listening first.\n",
    )
)


def test_all_versions_match_choices_by_text_and_count_what_is_gone(
    played: Team, db, doc_id, clock
) -> None:
    with db.begin() as session:
        library.save_draft(session, played.trainer, doc_id, SCENARIO_V2, now=clock.now())
        library.publish(session, played.trainer, doc_id, now=clock.now())
    _play(db, clock, played.trainee, practice.PRACTICE, 1, 0)  # v2: grab, back off
    _play(db, clock, played.manager, practice.PRACTICE, 0, 1)  # v2: greet, suggest
    every = _analytics(db, played.trainer, doc_id)
    assert every.version_id is None and every.scenario.version == 2
    assert [(v.number, v.attempts) for v in every.versions] == [(2, 2), (1, 6)]
    rows = _by_choice(every)
    assert rows[("arrive", 1)].text == "Grab the chain from him."
    assert (rows[("arrive", 0)].people, rows[("arrive", 1)].people) == (5, 3)  # Tom counts once
    assert rows[("arrive", 0)].node_people == 6
    assert (rows[("talk", 0)].people, rows[("talk", 1)].people) == (0, 4)  # suggest moved
    assert every.unmatched_steps == 1  # Tess walked away; v2 has no such choice
    v1, v2 = (every.versions[1].version_id, every.versions[0].version_id)
    only_v2 = _analytics(db, played.trainer, doc_id, v2)
    assert (only_v2.started, only_v2.version_number) == (2, 2)
    assert _by_choice(only_v2)[("arrive", 1)].people == 1
    only_v1 = _analytics(db, played.trainer, doc_id, v1)
    assert only_v1.scenario.version == 1 and only_v1.unmatched_steps == 0
    assert _by_choice(only_v1)[("talk", 2)].text == "Walk away."
    # The version picker counts every version's attempts, whichever one is shown.
    for one in (only_v1, only_v2):
        assert [(v.number, v.attempts) for v in one.versions] == [(2, 2), (1, 6)]


def test_shares_laid_over_a_draft_match_by_place_and_same_text(played: Team, db, doc_id) -> None:
    a = _analytics(db, played.trainer, doc_id)
    draft = [
        ("arrive", 0, "Stand at an angle and  greet the one you know.\n"),  # spaces aside
        ("arrive", 1, "Grab the chain from him."),  # reworded: another choice now
        ("talk", 0, "Suggest the chain goes back through you."),  # too few people there
        ("talk", 7, "Suggest the chain goes back through you."),  # a new place
        ("gone", 0, "Back off."),  # a node the version does not have
    ]
    assert a.shares_on(draft) == {("arrive", 0): 0.8, ("talk", 0): None}


def test_a_trainee_is_refused_and_staff_see_only_their_organizations_scenarios(
    played: Team, db, doc_id
) -> None:
    with pytest.raises(PermissionDeniedError, match="Only an admin or manager or trainer"):
        _analytics(db, played.trainee, doc_id)
    with pytest.raises(PermissionDeniedError):
        with db.begin() as session:
            analytics.export_csv(session, played.trainee, doc_id)
    for person in (played.admin, played.manager):
        assert _analytics(db, person, doc_id).started == 6
    with pytest.raises(NotFoundError, match="No scenario"):
        _analytics(db, played.trainer, doc_id + 999)


def _csv_rows(db, person, doc_id, **kwargs) -> tuple[str, list[dict[str, str]]]:
    with db.begin() as session:
        text = analytics.export_csv(session, person, doc_id, **kwargs)
    assert text.startswith("\ufeff")  # so Excel reads it as UTF-8
    return text, list(csv.DictReader(io.StringIO(text[1:])))


def test_the_csv_has_a_row_per_choice_and_no_names(played: Team, db, doc_id) -> None:
    text, rows = _csv_rows(db, played.trainer, doc_id)
    assert list(rows[0]) == list(analytics.CSV_COLUMNS)
    assert len(rows) == 7
    grab = next(r for r in rows if r["Choice"] == "Grab the chain.")
    assert grab["Situation id"] == "arrive" and grab["Situation"].startswith("Two men shout")
    assert grab["Choice number in the scenario file"] == "2"
    assert (grab["People who chose at this situation"], grab["People who took this choice"]) == (
        "5",
        "2",
    )
    assert (grab["Share of people (%)"], grab["Share of all choices here (%)"]) == ("40", "33")
    assert (grab["Critical safety error"], grab["Times taken back with Undo"]) == (GRAB, "1")
    assert grab["Version"] == "all versions" and grab["Note"] == ""
    walk = next(r for r in rows if r["Choice"] == "Walk away.")
    assert walk["Share of people (%)"] == "" and "fewer than 5 people" in walk["Note"]
    for person in (played.trainee, played.other_trainee):
        assert person.full_name not in text and person.username not in text
    assert "Una" not in text and "una" not in text.lower().split(",")


def test_csv_text_that_looks_like_a_formula_stays_text(team: Team, db, clock, tmp_path) -> None:
    with db.begin() as session:
        library.import_bundled(
            session,
            write_scenarios(
                tmp_path / "bundle",
                SCENARIO.replace("- text: Walk away.", "- text: '=HYPERLINK(\"x\")'"),
            ),
            now=clock.now(),
        )
        doc = library.find_document(session, team.admin, ContentKind.SCENARIO, "t-corner")
    _, rows = _csv_rows(db, team.trainer, doc.id)
    assert '\'=HYPERLINK("x")' in [r["Choice"] for r in rows]


def test_analytics_take_the_same_queries_for_1_or_20_attempts(
    doc_id, team: Team, db, clock
) -> None:
    def counted() -> int:
        n = [0]

        def count(*_args, **_kwargs):
            n[0] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            _analytics(db, team.trainer, doc_id)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return n[0]

    _play(db, clock, team.trainee, practice.PRACTICE, 0, 0)
    few = counted()
    for _ in range(19):
        _play(db, clock, team.other_trainee, practice.PRACTICE, 0, 0)
    assert counted() == few
