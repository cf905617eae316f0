"""Scenario format, validator findings (file line + node id), and the engine."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.scenario_fixtures import SCENARIO
from trainer.core.scenario import Engine, State, parse_scenario


def _parse(text: str = SCENARIO):
    scenario, problems = parse_scenario(text)
    assert scenario is not None, problems
    return scenario, [p.format("s.yaml") for p in problems]


def test_the_fixture_is_clean() -> None:
    assert _parse()[1] == []


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "        target: calm\n",
            "        target: nowhere\n",
            "node talk: choice leads to 'nowhere', which does not exist",
        ),
        (
            "        target: bad\n",
            "        target: grab\n",  # then both ways out of grab loop back
            "node grab: no ending can be reached from here",
        ),
        (
            "    debrief: You left before an agreement; follow up tomorrow.\n",
            "    debrief: ''\n",
            "node partial: ending has no debrief",
        ),
        (
            "condition: {meters: {tension: {max: 9}}}",
            "condition: {meters: {tension: {min: 11}}}",
            "node grab: condition on tension (11..None) can never hold; the meter runs 0..10",
        ),
        ("        effects: {trust: -3}\n", "", None),  # trust still changed elsewhere: no finding
    ],
)
def test_validator_findings_name_the_line_and_node(old: str, new: str, expected) -> None:
    assert old in SCENARIO
    text = SCENARIO.replace(old, new, 1)
    if "no ending" in (expected or ""):
        text = text.replace(
            "        target: talk\n        condition", "        target: grab\n        condition"
        )
    _, problems = _parse(text)
    if expected is None:
        assert problems == []
    else:
        assert any(expected in p for p in problems), problems
        assert all(p.split(":")[1].isdigit() for p in problems)


def test_unreachable_node_and_dead_end_are_found() -> None:
    text = SCENARIO.replace(
        "endings:\n", "  - id: orphan\n    text: Nobody comes here.\nendings:\n"
    )
    _, problems = _parse(text)
    line = _line_of(text, "  - id: orphan")
    assert f"s.yaml:{line}: node orphan: dead end (no choices and not an ending)" in problems
    assert f"s.yaml:{line}: node orphan: unreachable from the start node arrive" in problems


def test_duplicate_ids_and_unchanged_meters_are_found() -> None:
    text = SCENARIO.replace("  - id: grab\n", "  - id: talk\n", 1)
    _, problems = _parse(text)
    assert any("node talk: id is used twice" in p for p in problems)
    text = SCENARIO.replace("{tension: 8}", "{}").replace("{tension: -2, trust: 2}", "{trust: 2}")
    text = text.replace("{tension: -3}", "{}")
    assert any("meter tension: no choice ever changes it" in p for p in _parse(text)[1])


def test_schema_errors_point_at_the_field() -> None:
    text = SCENARIO.replace("estimated_minutes: 5", "estimated_minutes: soon")
    scenario, problems = parse_scenario(text)
    assert scenario is None
    assert problems[0].format("s.yaml") == (
        "s.yaml:6: estimated_minutes: 'soon' is not of type 'integer'"
    )


def test_engine_moves_meters_within_bounds_and_scores_the_path() -> None:
    engine = Engine(_parse()[0])
    state = engine.start()
    assert state.meters == {"tension": 6, "trust": 3}
    state = engine.choose(state, 1)  # grab: tension +8 is clamped at 10
    assert state.meters["tension"] == 10
    assert [i for i, _ in engine.available(state)] == [0]  # "call partner" needs tension <= 9
    state = engine.choose(state, 0)
    assert engine.is_ending(state) and state.node == "bad"
    score = engine.score(state)
    assert (score.earned, score.possible) == (0, 3)  # best at arrive was worth 3, then 0 of 0
    assert score.critical == (("arrive", "Physical intervention in an armed dispute."),)
    assert not engine.passed(state)


def test_best_path_passes_with_full_marks_and_breakdown() -> None:
    engine = Engine(_parse()[0])
    state = engine.replay([0, 0])
    score = engine.score(state)
    assert state.node == "calm" and engine.passed(state)
    assert score.by_competency == {"deescalation": (5, 5), "safety": (1, 1)}
    assert engine.best_path() == ["arrive", "talk", "calm"]


def test_no_competency_shows_more_points_than_were_possible() -> None:
    # Grabbing the chain is worth 2 for safety, the best choice overall (3 points) only 1:
    # the debrief used to say "Safety: 2 of 1".
    text = SCENARIO.replace(
        "        critical: Physical intervention",
        "        points: {safety: 2}\n        critical: X",
    )
    engine = Engine(_parse(text)[0])
    state = engine.replay([1, 0])  # grab, then back off
    score = engine.score(state)
    assert score.by_competency == {"deescalation": (0, 2), "safety": (2, 2)}
    assert (score.earned, score.possible) == (2, 3)  # the total still counts the best choice
    best = engine.score(engine.replay([0, 0]))
    assert best.by_competency == {"deescalation": (5, 5), "safety": (1, 2)}


def test_organization_policy_changes_the_choices_offered() -> None:
    scenario = _parse()[0]
    closed = Engine(scenario)  # default: names are not shared
    open_ = Engine(scenario, {"share_names_with_police": True})
    at_talk = closed.choose(closed.start(), 0)
    assert [i for i, _ in closed.available(at_talk)] == [0, 2]
    assert [i for i, _ in open_.available(open_.choose(open_.start(), 0))] == [0, 1, 2]


def test_state_round_trips_through_json() -> None:
    engine = Engine(_parse()[0])
    state = engine.choose(engine.start(), 0)
    assert State.from_json(state.to_json()) == state
    with pytest.raises(ValueError, match="not available"):
        engine.choose(state, 7)


# --- property-based ----------------------------------------------------------------------------


def _graph(draw) -> str:
    n = draw(st.integers(min_value=1, max_value=12))
    ids = [f"n{i}" for i in range(n)]
    targets = st.sampled_from([*ids, "end", "missing"])
    lines = []
    for node_id in ids:
        lines.append(f"  - id: {node_id}\n    text: t\n    choices:")
        for _ in range(draw(st.integers(min_value=0, max_value=3))):
            delta = draw(st.integers(min_value=-5, max_value=5))
            cond = draw(
                st.sampled_from(
                    [
                        "",
                        "{meters: {m: {min: 3}}}",
                        "{flags: {f: true}}",
                        "{meters: {m: {min: 20}}}",
                    ]
                )
            )
            lines.append(
                f"      - text: go\n        target: {draw(targets)}\n"
                f"        feedback: ok\n        effects: {{m: {delta}}}\n"
                f"        set_flags: {{f: {draw(st.booleans())}}}"
                + (f"\n        condition: {cond}" if cond else "")
            )
        if lines[-1].endswith("choices:"):
            lines[-1] = lines[-1].replace("\n    choices:", "\n    choices: []")
    return (
        "id: g\ntitle: g\nversion: 1\nsummary: s\nrole: wellbeing\nestimated_minutes: 1\n"
        "objectives: [x]\nmeters:\n  - {key: m, label: M, min: 0, max: 10, initial: 5}\n"
        "competencies: [{key: c, label: C}]\nstart: n0\npass: {min_score: 0.5}\nnodes:\n"
        + "\n".join(lines)
        + "\nendings:\n  - {id: end, outcome: success, title: E, "
        "debrief: d}\n"
    )


@st.composite
def graphs(draw) -> str:
    return _graph(draw)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.lists(st.integers(min_value=0, max_value=3), max_size=30))
def test_random_graphs_never_crash_and_the_engine_stays_on_real_nodes(
    text: str, picks: list[int]
) -> None:
    scenario, problems = parse_scenario(text)
    assert scenario is not None, problems
    engine = Engine(scenario)
    state = engine.start()
    for pick in picks:
        offered = engine.available(state)
        if engine.is_ending(state) or not offered:
            break
        index, _choice = offered[pick % len(offered)]
        state = engine.choose(state, index)
        assert state.node in scenario.nodes or state.node in scenario.endings
        assert 0 <= state.meters["m"] <= 10
    engine.score(state)
    engine.best_path()


@settings(max_examples=200)
@given(st.text(max_size=300))
def test_fuzzed_yaml_gives_findings_never_a_traceback(text: str) -> None:
    scenario, problems = parse_scenario(text)
    assert scenario is not None or problems
    for p in problems:
        assert p.format("f.yaml").startswith("f.yaml:")


@settings(max_examples=100)
@given(st.integers(min_value=0, max_value=len(SCENARIO) - 1), st.characters())
def test_one_character_changed_anywhere_never_crashes(at: int, char: str) -> None:
    parse_scenario(SCENARIO[:at] + char + SCENARIO[at + 1 :])
