"""Loading a scenario, and the validator's scaling.

1. Loading: a generated 10,000-node scenario file (3 choices a node, each with effects, points
   and feedback text) is loaded the way `cvi-trainer check` loads it (read, parse with line
   numbers, validate), next to a plain `yaml.load(text, Loader=yaml.CSafeLoader)` of the same
   text in the same run (libyaml alone: no line numbers, no rules). Target: at most 1.5x.
   Also `check_paths` (what `check` does, with the assessment figures: 10,000 random plays) and
   `cvi-trainer check` in its own process (wall time, start-up included).
2. Scaling: time to validate generated scenarios of N nodes next to a baseline measured in the
   same run on the same graph: one plain pass that looks up every choice's target in the node
   table. The validator is linear when its time stays a steady multiple of that baseline.

    python benchmarks/validator.py [--runs 5] [--nodes 10000] [--no-scaling]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from trainer.core.formats import check_paths, is_failure
from trainer.core.library import collector_paused, read_text_file
from trainer.core.scenario import Choice, Ending, Meter, Node, Scenario, parse_scenario, validate

WORDS = [
    "the",
    "friends",
    "in",
    "the",
    "waiting",
    "room",
    "talk",
    "about",
    "who",
    "did",
    "it",
    "while",
    "a",
    "nurse",
    "asks",
    "you",
    "to",
    "help",
    "keep",
    "things",
    "calm",
    "and",
    "security",
    "watches",
    "the",
    "doors",
    "near",
    "the",
    "hallway",
    "tonight",
]


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def scenario_yaml(n: int, seed: int = 1) -> str:
    """A valid scenario of n nodes in the shipped scenarios' layout: each node has two lines of
    text and three choices (the next node, a jump ahead, and an ending or the next node again),
    each choice with effects on two meters, points in two competencies and a line of feedback."""
    rng = random.Random(seed)
    out = [
        "id: big-scenario\ntitle: A long night\nversion: 1\n",
        "summary: >\n  A generated scenario for measuring how long loading takes.\n",
        "role: street-outreach\nestimated_minutes: 600\nobjectives:\n  - Keep it calm.\n",
        "meters:\n  - {key: tension, label: Tension, min: 0, max: 10, initial: 5, "
        "higher_is_better: false}\n  - {key: trust, label: Trust, min: 0, max: 10, initial: 3}\n",
        "competencies:\n  - {key: deescalation, label: De-escalation}\n"
        "  - {key: safety, label: Safety}\n",
        "start: n0\npass: {min_score: 0.5, no_critical: true}\nnodes:\n",
    ]
    for i in range(n):
        out.append(
            f"  - id: n{i}\n    text: |\n      {_sentence(rng, 12)}\n      {_sentence(rng, 8)}\n"
            "    choices:\n"
        )
        following = f"n{i + 1}" if i + 1 < n else "calm"
        jump = f"n{min(n - 1, i + 2 + rng.randrange(5))}" if i + 2 < n else "calm"
        third = "bad" if i % 3 == 0 else (following if i + 1 < n else "partial")
        for target in (following, jump, third):
            out.append(
                f'      - text: "{_sentence(rng, 7)}"\n        target: {target}\n'
                f"        effects: {{tension: {rng.choice(['-1', '+1', '-2'])}, "
                f"trust: {rng.choice(['+1', '-1'])}}}\n"
                f"        points: {{deescalation: {rng.randrange(3)}, safety: {rng.randrange(2)}}}\n"
                f'        feedback: "{_sentence(rng, 11)}"\n'
            )
    out.append("endings:\n")
    for key, outcome in (("calm", "success"), ("partial", "partial"), ("bad", "failure")):
        out.append(
            f"  - id: {key}\n    outcome: {outcome}\n    title: {key.title()}\n"
            f"    debrief: {_sentence(rng, 10)}\n"
        )
    return "".join(out)


def median_time(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def whole_path(path: Path) -> None:
    """What `check` does to a scenario file before its assessment figures."""
    scenario, problems = parse_scenario(read_text_file(path))
    assert scenario is not None and problems == [], problems[:3]


def plain_libyaml(path: Path) -> None:
    yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def check_all(path: Path) -> None:
    messages, checked = check_paths([path])
    assert checked == 1 and not any(map(is_failure, messages)), messages[:3]


def check_command(path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "trainer", "check", str(path)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout[-500:] + run.stderr[-500:]


def loading(n: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big-scenario.yaml"
        path.write_text(scenario_yaml(n), encoding="utf-8")
        size = path.stat().st_size
        print(f"{n:,}-node scenario: {size / 1e6:.1f} MB; median of {runs} runs each")
        base = median_time(lambda: plain_libyaml(path), runs)
        with collector_paused():  # the same help our path gives itself, for a fair comparison
            paused = median_time(lambda: plain_libyaml(path), runs)
        whole = median_time(lambda: whole_path(path), runs)
        full = median_time(lambda: check_all(path), runs)
        command = median_time(lambda: check_command(path), runs)
        print(f"  {'plain yaml.load, CSafeLoader':<44} {base:>7.2f} s")
        print(f"  {'  the same, cycle collector paused':<44} {paused:>7.2f} s")
        print(
            f"  {'read + parse with lines + validate':<44} {whole:>7.2f} s  {whole / base:.2f}x, {whole / paused:.2f}x"
        )
        print(
            f"  {'check_paths (also the assessment figures)':<44} {full:>7.2f} s  {full / base:.2f}x"
        )
        print(
            f"  {'cvi-trainer check, own process (wall)':<44} {command:>7.2f} s  {command / base:.2f}x"
        )


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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--no-scaling", action="store_true", help="only the loading figures")
    args = parser.parse_args()
    loading(args.nodes, args.runs)
    if args.no_scaling:
        return
    print()
    print(f"{'nodes':>8} {'choices':>8} {'validate ms':>12} {'baseline ms':>12} {'ratio':>6}")
    for n in (1_000, 4_000, 16_000, 64_000):
        scenario = make(n)
        t, b = timed(scenario), baseline(scenario)
        print(f"{n:>8} {3 * n:>8} {t * 1000:>12.1f} {b * 1000:>12.1f} {t / b:>6.1f}")


if __name__ == "__main__":
    main()
