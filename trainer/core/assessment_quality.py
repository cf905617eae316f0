"""Does an assessment measure judgment, or can a test-taking trick pass it?

For a scenario: where the best choice sits by length and by listed position, the decision
points where only one choice is plausible, and the pass rate of simple answer strategies
played through the real engine. For a knowledge check: where the right option sits by length
and position, the true/false balance, the pool size, and the pass rate of simple strategies
over papers drawn by the real `quiz.make_paper` and marked by `quiz.grade`.

Every threshold lives in `THRESHOLDS` below; docs/ASSESSMENTS.md explains each for authors.
Pure: `check`, the editors, publishing and the tests all call these functions.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from trainer.core.curriculum import Module, Question
from trainer.core.library import Problem
from trainer.core.quiz import Answer, grade, make_paper
from trainer.core.scenario import Choice, Engine, Scenario, State


@dataclass(frozen=True)
class Thresholds:
    """The house rules (see docs/ASSESSMENTS.md and the assessment-design reference)."""

    # Scenarios: share of scored decision points where the best choice is the longest /
    # shortest / first listed / last listed option. About 1 in k is what chance gives.
    best_longest: float = 0.40
    best_shortest: float = 0.40
    best_first_listed: float = 0.40
    best_last_listed: float = 0.40
    # Share of scored decision points where every other choice is critical or earns nothing.
    one_plausible: float = 0.25
    # Random play may pass at most this often, over this many seeded plays.
    random_pass: float = 0.05
    random_plays: int = 10_000
    # Knowledge checks: share of single-choice questions whose key is the longest / shortest
    # option ("no more than 1 in k", k = 3 options).
    key_longest: float = 1 / 3
    key_shortest: float = 1 / 3
    # True and false keys in a pool may differ by at most this many.
    true_false_imbalance: int = 1
    # A pool holds at least this many times the questions drawn per attempt.
    pool_factor: float = 1.5
    # A simple strategy may pass at most this share of drawn papers.
    strategy_pass: float = 0.05
    papers: int = 2_000


THRESHOLDS = Thresholds()

# Words that make a choice *sound* right. A scenario whose best choice is always the one with
# the most of them is passed by reading tone, not situations.
CUE_WORDS = frozenset(
    [
        "supervisor",
        "partner",
        "safe",
        "safety",
        "calm",
        "calmly",
        "consent",
        "listen",
        "listening",
        "privately",
        "private",
        "respect",
        "respectful",
        "team",
        "plan",
        "check",
    ]
)
_WORD = re.compile(r"[a-z']+")


def _cues(text: str) -> int:
    return sum(1 for w in _WORD.findall(text.lower()) if w in CUE_WORDS)


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%" if value >= 0.01 or value == 0 else f"{value * 100:.2f}%"


# --- scenarios ---------------------------------------------------------------------------------

Offered = list[tuple[int, Choice]]
Pick = Callable[[Offered, random.Random], int]


def _by_length(offered: Offered) -> Offered:
    return sorted(offered, key=lambda ic: (len(ic[1].text), ic[0]))


SCENARIO_STRATEGIES: dict[str, Pick] = {
    "always the longest": lambda o, _: _by_length(o)[-1][0],
    "always the shortest": lambda o, _: _by_length(o)[0][0],
    "always the middle length": lambda o, _: _by_length(o)[len(o) // 2][0],
    "always the first listed": lambda o, _: o[0][0],
    "always the last listed": lambda o, _: o[-1][0],
    "always the most cue words": lambda o, _: max(o, key=lambda ic: (_cues(ic[1].text), -ic[0]))[0],
    "always the most words": lambda o, _: max(o, key=lambda ic: (len(ic[1].text.split()), -ic[0]))[
        0
    ],
    "always the most commas": lambda o, _: max(o, key=lambda ic: (ic[1].text.count(","), -ic[0]))[
        0
    ],
}
RANDOM = "random choices"
MAX_STEPS = 200


def play(engine: Engine, pick: Pick, rng: random.Random) -> bool:
    """One play-through with `pick` choosing among the offered choices; True if it passes.

    Scores as `Engine.score` does (earned over the best offered at each step), counted as the
    play goes instead of replaying the path at the end."""
    state: State = engine.start()
    earned = possible = 0
    critical = False
    for _ in range(MAX_STEPS):
        if engine.is_ending(state):
            break
        offered = engine.available(state)
        if not offered:
            return False
        index = pick(offered, rng)
        chosen = dict(offered)[index]
        possible += max(c.total_points for _, c in offered)
        earned += chosen.total_points
        critical = critical or chosen.critical is not None
        state = engine.choose(state, index)
    else:
        return False
    fraction = earned / possible if possible else 1.0
    s = engine.s
    return fraction + 1e-9 >= s.min_score and not (s.no_critical and critical)


@dataclass(frozen=True)
class StrategyResult:
    name: str
    plays: int
    passes: int

    @property
    def rate(self) -> float:
        return self.passes / self.plays if self.plays else 0.0


@dataclass(frozen=True)
class ScenarioQuality:
    key: str
    scored: int  # decision points whose choices earn different points
    best_longest: int
    best_shortest: int
    best_first: int
    best_last: int
    one_plausible: tuple[str, ...]  # node ids
    strategies: tuple[StrategyResult, ...]
    line_of: dict[str, int] = field(default_factory=dict, compare=False)

    def share(self, count: int) -> float:
        return count / self.scored if self.scored else 0.0

    def figures(self) -> list[str]:
        def of(count: int) -> str:
            return f"{count} of {self.scored} ({_pct(self.share(count))})"

        lines = [
            f"best choice is the longest at {of(self.best_longest)} scored decision points, "
            f"the shortest at {of(self.best_shortest)}, first listed at {of(self.best_first)}, "
            f"last listed at {of(self.best_last)}",
            f"only one plausible choice at {of(len(self.one_plausible))}",
        ]
        lines.append(
            "strategies: "
            + "; ".join(
                f"{r.name} {'passes' if r.passes else 'fails'}"
                if r.plays == 1
                else f"{r.name} pass {_pct(r.rate)} of {r.plays:,}"
                for r in self.strategies
            )
        )
        return lines

    def problems(self, t: Thresholds = THRESHOLDS) -> list[Problem]:
        found = []
        for count, limit, what in (
            (self.best_longest, t.best_longest, "the longest option"),
            (self.best_shortest, t.best_shortest, "the shortest option"),
            (self.best_first, t.best_first_listed, "the first listed option"),
            (self.best_last, t.best_last_listed, "the last listed option"),
        ):
            if self.share(count) > limit + 1e-9:
                found.append(
                    Problem(
                        1,
                        f"the best choice is {what} at {count} of {self.scored} scored "
                        f"decision points ({_pct(self.share(count))}; at most {_pct(limit)}): "
                        "vary which option is best",
                    )
                )
        if self.share(len(self.one_plausible)) > t.one_plausible + 1e-9:
            nodes = ", ".join(self.one_plausible[:6])
            found.append(
                Problem(
                    self.line_of.get(self.one_plausible[0], 1),
                    f"only one choice is plausible at {len(self.one_plausible)} of {self.scored} "
                    f"scored decision points ({_pct(self.share(len(self.one_plausible)))}; at "
                    f"most {_pct(t.one_plausible)}): {nodes}. Give weaker choices partial "
                    "points or make them mistakes a new worker would really make",
                )
            )
        for r in self.strategies:
            if r.name == RANDOM:
                if r.rate > t.random_pass + 1e-9:
                    found.append(
                        Problem(
                            1,
                            f"random choices pass {_pct(r.rate)} of {r.plays:,} plays (at most "
                            f"{_pct(t.random_pass)})",
                        )
                    )
            elif r.passes:
                found.append(Problem(1, f"the strategy '{r.name}' passes this scenario"))
        return found

    def failed_strategies(self, t: Thresholds = THRESHOLDS) -> list[str]:
        return [
            r.name
            for r in self.strategies
            if (r.rate > t.random_pass + 1e-9 if r.name == RANDOM else r.passes)
        ]


def scenario_quality(
    s: Scenario, t: Thresholds = THRESHOLDS, *, plays: int | None = None
) -> ScenarioQuality:
    scored = longest = shortest = first = last = 0
    one: list[str] = []
    for node in s.nodes.values():
        choices = node.choices
        points = [c.total_points for c in choices]
        if len(choices) < 2 or len(set(points)) < 2:
            continue
        scored += 1
        top = max(points)
        best = {i for i, p in enumerate(points) if p == top}
        lengths = [len(c.text) for c in choices]
        longest += any(lengths[i] == max(lengths) for i in best)
        shortest += any(lengths[i] == min(lengths) for i in best)
        first += 0 in best
        last += len(choices) - 1 in best
        others = [c for i, c in enumerate(choices) if i not in best]
        if len(best) == 1 and all(c.critical or c.total_points == 0 for c in others):
            one.append(node.id)
    engine = Engine(s)
    results = [
        StrategyResult(name, 1, int(play(engine, pick, random.Random(0))))
        for name, pick in SCENARIO_STRATEGIES.items()
    ]
    n = t.random_plays if plays is None else plays
    rng = random.Random(f"{s.id}:{s.version}")
    wins = sum(play(engine, lambda o, r: r.choice(o)[0], rng) for _ in range(n))
    results.append(StrategyResult(RANDOM, n, wins))
    return ScenarioQuality(
        s.id,
        scored,
        longest,
        shortest,
        first,
        last,
        tuple(one),
        tuple(results),
        {n.id: n.line for n in s.nodes.values()},
    )


# --- knowledge checks -------------------------------------------------------------------------


def _longest(texts: Sequence[str]) -> int:
    return max(range(len(texts)), key=lambda i: (len(texts[i]), -i))


def _shortest(texts: Sequence[str]) -> int:
    return min(range(len(texts)), key=lambda i: (len(texts[i]), i))


def _half(q: Question, longer: bool) -> list[int]:
    order = sorted(range(len(q.options)), key=lambda i: len(q.options[i].text), reverse=longer)
    return sorted(order[: max(1, len(order) // 2)])


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


# How each strategy ranks a question's options (higher first); ties go to the first listed.
_RANKS: dict[str, Callable[[Question, int], float]] = {
    "longest": lambda q, i: len(q.options[i].text),
    "shortest": lambda q, i: -len(q.options[i].text),
    "first": lambda q, i: -i,
    "middle": lambda q, i: (
        -abs(sorted(len(o.text) for o in q.options)[len(q.options) // 2] - len(q.options[i].text))
    ),
    "cues": lambda q, i: _cues(q.options[i].text),
    "stem words": lambda q, i: len(_words(q.prompt) & _words(q.options[i].text)),
    "commas": lambda q, i: q.options[i].text.count(","),
}


def _strategy(options: str, true_false: bool) -> Callable[[Question, tuple[int, ...]], Answer]:
    rank = _RANKS[options]

    def order(q: Question) -> list[int]:
        return sorted(range(len(q.options)), key=lambda i: (-rank(q, i), i))

    def answer(q: Question, shown: tuple[int, ...]) -> Answer:
        if q.type == "true_false":
            return true_false
        if q.type == "ordering":
            return list(shown)  # leave the items as shown
        if q.type == "multiple":
            return sorted(order(q)[: max(1, len(q.options) // 2)])
        return order(q)[0]

    return answer


QUIZ_STRATEGIES = {
    "always the longest, false for true/false": _strategy("longest", False),
    "always the longest, true for true/false": _strategy("longest", True),
    "always the shortest, false for true/false": _strategy("shortest", False),
    "always the shortest, true for true/false": _strategy("shortest", True),
    "always the first listed, true for true/false": _strategy("first", True),
    "always the middle length, false for true/false": _strategy("middle", False),
    "always the most cue words, false for true/false": _strategy("cues", False),
    "always the most words from the question, false for true/false": _strategy("stem words", False),
    "always the most commas, false for true/false": _strategy("commas", False),
}


@dataclass(frozen=True)
class QuizQuality:
    key: str
    pool: int
    draw: int
    single: int
    key_longest: int
    key_shortest: int
    key_first: int
    key_last: int
    true_keys: int
    false_keys: int
    strategies: tuple[StrategyResult, ...]
    line: int = 1

    def figures(self) -> list[str]:
        def of(count: int) -> str:
            share = count / self.single if self.single else 0.0
            return f"{count} of {self.single} ({_pct(share)})"

        return [
            f"pool of {self.pool} questions, {self.draw} drawn per attempt",
            f"single-choice key is the longest option in {of(self.key_longest)}, the shortest "
            f"in {of(self.key_shortest)}, first listed in {of(self.key_first)}, last listed in "
            f"{of(self.key_last)}",
            f"true/false keys: {self.true_keys} true, {self.false_keys} false",
            "strategies: "
            + "; ".join(f"{r.name} pass {_pct(r.rate)} of papers" for r in self.strategies),
        ]

    def problems(self, t: Thresholds = THRESHOLDS) -> list[Problem]:
        found = []
        if self.pool < math.ceil(t.pool_factor * self.draw - 1e-9):
            found.append(
                Problem(
                    self.line,
                    f"the pool has {self.pool} questions for {self.draw} drawn per attempt: it "
                    f"needs at least {math.ceil(t.pool_factor * self.draw - 1e-9)} "
                    f"({t.pool_factor:g}x); add questions or lower draw",
                )
            )
        for count, limit, what in (
            (self.key_longest, t.key_longest, "the longest option"),
            (self.key_shortest, t.key_shortest, "the shortest option"),
        ):
            if self.single and count / self.single > limit + 1e-9:
                found.append(
                    Problem(
                        self.line,
                        f"the right answer is {what} in {count} of {self.single} single-choice "
                        f"questions (at most 1 in {round(1 / limit)}): even out option lengths",
                    )
                )
        if abs(self.true_keys - self.false_keys) > t.true_false_imbalance:
            found.append(
                Problem(
                    self.line,
                    f"true/false keys are unbalanced: {self.true_keys} true, {self.false_keys} "
                    f"false (they may differ by at most {t.true_false_imbalance})",
                )
            )
        for r in self.strategies:
            if r.rate > t.strategy_pass + 1e-9:
                found.append(
                    Problem(
                        self.line,
                        f"the strategy '{r.name}' passes {_pct(r.rate)} of drawn papers (at most "
                        f"{_pct(t.strategy_pass)})",
                    )
                )
        return found

    def failed_strategies(self, t: Thresholds = THRESHOLDS) -> list[str]:
        return [r.name for r in self.strategies if r.rate > t.strategy_pass + 1e-9]


def quiz_quality(
    module: Module, t: Thresholds = THRESHOLDS, *, papers: int | None = None
) -> QuizQuality:
    single = [q for q in module.questions if q.type == "single"]

    def key_of(q: Question) -> int:
        return next(i for i, o in enumerate(q.options) if o.correct)

    def count(where: Callable[[Question], bool]) -> int:
        return sum(1 for q in single if where(q))

    n = t.papers if papers is None else papers
    drawn = [[pq.question.id for pq in make_paper(module, seed).questions] for seed in range(n)]
    needed = math.ceil(module.pass_mark * module.draw - 1e-9)
    results = []
    for name, strategy in QUIZ_STRATEGIES.items():
        # Each answer is fixed by the question (ordering items are never handed out in order),
        # so the real grader marks every question once and each drawn paper is counted.
        full = make_paper(module, 0, draw=len(module.questions))
        answers = {pq.question.id: strategy(pq.question, pq.option_order) for pq in full.questions}
        right = {r.question.id for r in grade(module, answers).results if r.correct}
        passes = sum(1 for ids in drawn if sum(i in right for i in ids) >= needed)
        results.append(StrategyResult(name, n, passes))
    tf = [q for q in module.questions if q.type == "true_false"]
    return QuizQuality(
        module.id,
        len(module.questions),
        module.draw,
        len(single),
        count(lambda q: key_of(q) == _longest([o.text for o in q.options])),
        count(lambda q: key_of(q) == _shortest([o.text for o in q.options])),
        count(lambda q: key_of(q) == 0),
        count(lambda q: key_of(q) == len(q.options) - 1),
        sum(1 for q in tf if q.answer is True),
        sum(1 for q in tf if q.answer is False),
        tuple(results),
        module.questions_line,
    )


@lru_cache(maxsize=128)
def measure(
    kind: str, text: str, *, plays: int | None = None
) -> ScenarioQuality | QuizQuality | None:
    """The figures of a scenario or module text (None for other kinds, or text that does not
    parse cleanly). Cached by text: a scenario's 10,000 random plays take about a second.
    `plays` lowers the random plays (or drawn papers) for a screen that must answer at once."""
    from trainer.core.curriculum import parse_module
    from trainer.core.scenario import parse_scenario

    if kind == "scenario":
        scenario, problems = parse_scenario(text)
        return scenario_quality(scenario, plays=plays) if scenario and not problems else None
    if kind == "module":
        module = parse_module(text)[0]
        return quiz_quality(module, papers=plays) if module else None
    return None


def why_refused(quality: ScenarioQuality | QuizQuality | None) -> str | None:
    """Why a program may not require this assessment, in words (None: it may). The strategies
    that pass it, when there are any; else the first threshold it breaks."""
    if quality is None or not quality.problems():
        return None
    strategies = quality.failed_strategies()
    if strategies:
        return "it is passed by " + ", ".join(f"'{name}'" for name in strategies)
    return quality.problems()[0].message


def report(kind: str, text: str, *, plays: int = 2_000) -> tuple[str, ...]:
    """Figures and warnings of a scenario or module text, as lines for a screen (empty for
    other kinds or text that does not parse)."""
    quality = measure(kind, text, plays=plays)
    if quality is None:
        return ()
    warnings = [f"Warning: {p.message}" for p in quality.problems()]
    verdict = (
        "A credential program may not require it in assessment mode until these are fixed."
        if warnings
        else "No simple answer strategy passes it: programs may require it in assessment mode."
    )
    return (*warnings, *(f.capitalize() for f in quality.figures()), verdict)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m trainer.core.assessment_quality FILE...`: the figures and problems of each
    scenario and module (the same as `cvi-trainer check` prints for them)."""
    import sys
    from pathlib import Path

    from trainer.core.formats import check_paths, is_failure

    messages, _ = check_paths([Path(a) for a in (argv if argv is not None else sys.argv[1:])])
    for message in messages:
        print(message)
    return 1 if any(is_failure(m) for m in messages) else 0


if __name__ == "__main__":
    raise SystemExit(main())
