"""An author's play-test: a scenario played from any node with meter and flag values the author
chose, scored as it goes. Nothing is recorded (no attempt, no audit): it is the author's draft.

`Engine.score` replays a path from the start node, which a play-test begun in the middle does
not have, so the score here is counted step by step as `Engine.score` counts it (the chosen
choice's points over the best offered at each step, per competency too).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trainer.core.scenario import Choice, Engine, Scenario, State


@dataclass
class PlayTest:
    engine: Engine
    state: State
    earned: dict[str, int] = field(default_factory=dict)
    possible: dict[str, int] = field(default_factory=dict)
    best_total: int = 0
    critical: list[tuple[str, str]] = field(default_factory=list)  # (node id, reason)
    said: list[str] = field(default_factory=list)  # the feedback of each choice taken

    @classmethod
    def begin(
        cls,
        scenario: Scenario,
        node: str | None = None,
        meters: dict[str, int] | None = None,
        flags: dict[str, bool] | None = None,
    ) -> PlayTest:
        """Start at `node` (the start node when None) with `meters` (clamped to each meter's
        range; the rest at their initial values) and `flags` set."""
        engine = Engine(scenario)
        start = engine.start()
        values = dict(start.meters)
        for key, value in (meters or {}).items():
            if key in values:
                m = scenario.meter(key)
                values[key] = max(m.min, min(m.max, int(value)))
        keys = [k for k, _ in scenario.competencies]
        state = State(node or scenario.start, values, dict(flags or {}))
        return cls(engine, state, dict.fromkeys(keys, 0), dict.fromkeys(keys, 0))

    @property
    def finished(self) -> bool:
        return self.engine.is_ending(self.state)

    def offered(self) -> list[tuple[int, Choice]]:
        return self.engine.available(self.state)

    def choose(self, index: int) -> Choice:
        """Take choice `index` (an index from `offered`); returns it."""
        offered = self.offered()
        chosen = dict(offered)[index]
        self.best_total += max(c.total_points for _, c in offered)
        for key in self.possible:
            self.possible[key] += max(dict(c.points).get(key, 0) for _, c in offered)
        for key, points in chosen.points:
            self.earned[key] = self.earned.get(key, 0) + points
        if chosen.critical:
            self.critical.append((self.state.node, chosen.critical))
        self.said.append(chosen.feedback)
        self.state = self.engine.choose(self.state, index)
        return chosen

    @property
    def total(self) -> int:
        return sum(self.earned.values())

    @property
    def fraction(self) -> float:
        return self.total / self.best_total if self.best_total else 1.0

    @property
    def passed(self) -> bool:
        s = self.engine.s
        return (
            self.finished
            and self.fraction + 1e-9 >= s.min_score
            and not (s.no_critical and self.critical)
        )
