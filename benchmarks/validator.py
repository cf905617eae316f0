"""Scenario validator scaling: time to validate generated scenarios of N nodes (3 choices each),
next to a baseline measured in the same run on the same graph: one plain pass that looks up every
choice's target in the node table. The validator is linear when its time stays a steady multiple
of that baseline as N grows (both slow down per node on big graphs as they outgrow CPU caches).

    python benchmarks/validator.py
"""

from __future__ import annotations

import statistics
import time

from trainer.core.scenario import Choice, Ending, Meter, Node, Scenario, validate


def make(n: int) -> Scenario:
    nodes = {}
    for i in range(n):
        targets = [f"n{i + 1}" if i + 1 < n else "end", f"n{(i * 7 + 3) % n}", f"n{i // 2}"]
        choices = tuple(
            Choice(text="go", target=t, feedback="f", effects=(("m", 1),), points=(("c", 1),))
            for t in targets
        )
        nodes[f"n{i}"] = Node(f"n{i}", "text", None, choices)
    return Scenario(
        id="big",
        title="big",
        version=1,
        summary="s",
        role="wellbeing",
        estimated_minutes=1,
        objectives=("x",),
        meters=(Meter("m", "M", 0, 10, 5, True),),
        competencies=(("c", "C"),),
        policies=(),
        start="n0",
        expert_path=(),
        min_score=0.5,
        no_critical=True,
        nodes=nodes,
        endings={"end": Ending("end", "success", "E", "d")},
    )


def timed(scenario: Scenario, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        assert validate(scenario) == []
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def baseline(scenario: Scenario, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        found = 0
        for node in scenario.nodes.values():
            for c in node.choices:
                found += c.target in scenario.nodes or c.target in scenario.endings
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    print(f"{'nodes':>8} {'choices':>8} {'validate ms':>12} {'baseline ms':>12} {'ratio':>6}")
    for n in (1_000, 4_000, 16_000, 64_000):
        scenario = make(n)
        t, b = timed(scenario), baseline(scenario)
        print(f"{n:>8} {3 * n:>8} {t * 1000:>12.1f} {b * 1000:>12.1f} {t / b:>6.1f}")


if __name__ == "__main__":
    main()
