"""No test-taking trick passes a shipped assessment: every simple strategy is played through
the real engine (scenarios) and over papers drawn by the real make_paper (knowledge checks)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.core.curriculum_fixtures import module_text
from tests.core.scenario_fixtures import SCENARIO
from trainer.core.assessment_quality import (
    RANDOM,
    SCENARIO_STRATEGIES,
    THRESHOLDS,
    play,
    quiz_quality,
    scenario_quality,
)
from trainer.core.curriculum import parse_module
from trainer.core.paths import bundled_content_root
from trainer.core.scenario import Engine, parse_scenario

ROOT = bundled_content_root()
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
MODULES = sorted((ROOT / "curricula").rglob("*.md"))


def _scenario(path: Path):
    parsed, problems = parse_scenario(path.read_text(encoding="utf-8"))
    assert parsed is not None and not problems
    return parsed


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_no_simple_strategy_passes_a_shipped_scenario(path: Path) -> None:
    quality = scenario_quality(_scenario(path))
    assert quality.failed_strategies() == []
    by_name = {r.name: r for r in quality.strategies}
    assert set(SCENARIO_STRATEGIES) <= set(by_name)
    assert all(by_name[name].passes == 0 for name in SCENARIO_STRATEGIES)
    assert by_name[RANDOM].plays == 10_000 and by_name[RANDOM].rate <= THRESHOLDS.random_pass
    assert quality.problems() == []  # lengths and positions vary; few one-plausible nodes


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_the_expert_path_of_each_shipped_scenario_passes(path: Path) -> None:
    scenario = _scenario(path)
    engine = Engine(scenario)
    path_ = engine.best_path()
    assert path_
    state = engine.start()
    for following in path_[1:]:
        options = [(i, c) for i, c in engine.available(state) if c.target == following]
        assert options, (state.node, following)
        state = engine.choose(state, max(options, key=lambda ic: ic[1].total_points)[0])
    assert engine.passed(state)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_no_simple_strategy_passes_a_shipped_knowledge_check(path: Path) -> None:
    module, problems = parse_module(path.read_text(encoding="utf-8"))
    assert module is not None and not problems
    quality = quiz_quality(module)
    assert quality.pool >= 1.5 * quality.draw
    assert abs(quality.true_keys - quality.false_keys) <= 1
    assert quality.problems() == [], [p.message for p in quality.problems()]


def test_a_scenario_whose_best_choice_is_the_longest_is_caught() -> None:
    """The first version's flaw, rebuilt: at every node the best choice says the most."""
    scenario, _ = parse_scenario(SCENARIO)
    assert scenario is not None
    quality = scenario_quality(scenario, plays=2_000)
    assert "always the longest" in quality.failed_strategies()
    messages = [p.message for p in quality.problems()]
    assert "the strategy 'always the longest' passes this scenario" in messages
    assert any(m.startswith("the best choice is the longest option at 3 of 3") for m in messages)
    assert "random choices pass 24% of 2,000 plays (at most 5%)" in messages


def test_strategy_play_scores_as_the_engine_does() -> None:
    """The quick scoring in `play` agrees with Engine.passed on many random plays."""
    scenario = _scenario(SCENARIOS[0])
    engine = Engine(scenario)
    for seed in range(200):
        picks: list[int] = []

        def pick(offered, rng, picks=picks):
            index = rng.choice(offered)[0]
            picks.append(index)
            return index

        passed = play(engine, pick, random.Random(seed))
        assert passed == engine.passed(engine.replay(picks))


def test_a_knowledge_check_keyed_by_length_and_false_is_caught() -> None:
    module, _ = parse_module(module_text("basics-1", "First steps"))
    assert module is not None
    quality = quiz_quality(module, papers=200)
    messages = [p.message for p in quality.problems()]
    assert any("pool has 4 questions for 4 drawn" in m for m in messages)
    assert quality.single == 1 and quality.false_keys == 1
