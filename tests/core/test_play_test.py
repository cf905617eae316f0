"""Play-tests: from any node with chosen meter and flag values, scored step by step."""

from __future__ import annotations

from tests.core.scenario_fixtures import SCENARIO
from trainer.core.play_test import PlayTest
from trainer.core.scenario import Engine, parse_scenario


def _scenario():
    scenario, problems = parse_scenario(SCENARIO)
    assert scenario is not None and problems == []
    return scenario


def test_play_from_a_middle_node_with_a_set_meter_offers_what_that_meter_allows() -> None:
    s = _scenario()
    high = PlayTest.begin(s, "grab", {"tension": 10})
    assert [c.text for _, c in high.offered()] == ["Back off."]
    low = PlayTest.begin(s, "grab", {"tension": 9, "trust": 50})
    assert low.state.meters == {"tension": 9, "trust": 10}  # clamped to the meter's range
    assert [c.text for _, c in low.offered()] == ["Back off.", "Call your partner."]
    low.choose(1)
    low.choose(0)
    assert low.finished and low.state.node == "calm"
    assert (low.total, low.best_total) == (4, 4) and low.passed
    assert low.earned == {"deescalation": 3, "safety": 1}


def test_play_from_the_start_scores_as_the_engine_does() -> None:
    s = _scenario()
    play = PlayTest.begin(s)
    play.choose(1)  # grab the chain: critical
    play.choose(0)
    engine = Engine(s)
    replayed = engine.replay([1, 0])
    score = engine.score(replayed)
    assert (play.total, play.best_total) == (score.earned, score.possible)
    assert play.critical == list(score.critical)
    assert play.finished and not play.passed


def test_flags_set_before_playing_count_in_conditions() -> None:
    text = SCENARIO.replace(
        "condition: {meters: {tension: {max: 9}}}", "condition: {flags: {asked: true}}"
    )
    s, _ = parse_scenario(text)
    assert s is not None
    assert len(PlayTest.begin(s, "grab").offered()) == 1
    assert len(PlayTest.begin(s, "grab", flags={"asked": True}).offered()) == 2
