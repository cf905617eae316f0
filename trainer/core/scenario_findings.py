"""What the scenario studio shows an author while they edit: the validator's findings and the
assessment-quality findings, each naming its node, and the side-by-side view of a node's
choices (length, words, tone, points) that shows an answer-length tell as it is written.

Pure: the studio view calls these on the document's text after each edit (debounced).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from trainer.core.assessment_quality import (
    CUE_WORDS,
    RANDOM,
    THRESHOLDS,
    ScenarioQuality,
    Thresholds,
    measure,
)
from trainer.core.scenario import Scenario, parse_scenario

PLAYS = 2_000  # random plays for the live check (`cvi-trainer check` and publishing use 10,000)
_NODE = re.compile(r"^node (\S+): (.*)$", re.DOTALL)
_WORD = re.compile(r"[a-z']+")


@dataclass(frozen=True)
class Finding:
    node: str | None  # the node or ending it is about (None: the whole scenario)
    message: str  # one sentence, naming the node
    kind: str  # "problem" (the validator: publishing is refused) or "quality"
    mark: str  # a few words for the node's card on the map

    @property
    def is_problem(self) -> bool:
        return self.kind == "problem"


def _mark(message: str) -> str:
    for words, mark in (
        ("dead end", "dead end"),
        ("does not exist", "broken link"),
        ("unreachable", "unreachable"),
        ("no ending can be reached", "no way out"),
        ("no debrief", "no debrief"),
        ("unknown", "unknown key"),
        ("can never hold", "impossible condition"),
        ("used twice", "duplicate id"),
    ):
        if words in message:
            return mark
    return "problem"


def validator_findings(text: str) -> tuple[Scenario | None, list[Finding]]:
    """The scenario (None when its structure is wrong) and the validator's findings."""
    scenario, problems = parse_scenario(text)
    found = []
    for p in problems:
        match = _NODE.match(p.message)
        node = match.group(1) if match else None
        where = "" if match or p.line is None else f"line {p.line}: "
        found.append(Finding(node, where + p.message, "problem", _mark(p.message)))
    return scenario, found


def _tells(s: Scenario) -> dict[str, list[str]]:
    """Per scored decision point, where its best choice sits: node ids by tell."""
    tells: dict[str, list[str]] = {
        k: [] for k in ("longest", "shortest", "first listed", "last listed", "one plausible")
    }
    for node in s.nodes.values():
        choices = node.choices
        points = [c.total_points for c in choices]
        if len(choices) < 2 or len(set(points)) < 2:
            continue
        best = {i for i, p in enumerate(points) if p == max(points)}
        lengths = [len(c.text) for c in choices]
        for tell, holds in (
            ("longest", any(lengths[i] == max(lengths) for i in best)),
            ("shortest", any(lengths[i] == min(lengths) for i in best)),
            ("first listed", 0 in best),
            ("last listed", len(choices) - 1 in best),
            (
                "one plausible",
                len(best) == 1
                and all(
                    c.critical or c.total_points == 0
                    for i, c in enumerate(choices)
                    if i not in best
                ),
            ),
        ):
            if holds:
                tells[tell].append(node.id)
    return tells


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def quality_findings(
    s: Scenario, text: str, t: Thresholds = THRESHOLDS, plays: int = PLAYS
) -> list[Finding]:
    """The assessment-quality findings of a scenario that passes the validator: each tell over
    its threshold reported at every node that shows it, and the strategies that pass."""
    quality = measure("scenario", text, plays=plays)
    if not isinstance(quality, ScenarioQuality):
        return []
    found = []
    tells = _tells(s)
    limits = {
        "longest": t.best_longest,
        "shortest": t.best_shortest,
        "first listed": t.best_first_listed,
        "last listed": t.best_last_listed,
        "one plausible": t.one_plausible,
    }
    for tell, nodes in tells.items():
        share = quality.share(len(nodes))
        if share <= limits[tell] + 1e-9:
            continue
        overall = (
            f"{len(nodes)} of {quality.scored} scored decision points ({_pct(share)}; "
            f"at most {_pct(limits[tell])})"
        )
        for node in nodes:
            if tell == "one plausible":
                message = (
                    f"node {node}: only one choice is plausible here, as at {overall}: give "
                    "weaker choices partial points or make them mistakes a new worker would make"
                )
                mark = "one plausible choice"
            else:
                message = (
                    f"node {node}: the best choice is also the {tell} option, as at {overall}: "
                    "vary which option is best"
                )
                mark = f"best is {tell}"
            found.append(Finding(node, message, "quality", mark))
    for r in quality.strategies:
        if r.name == RANDOM and r.rate > t.random_pass + 1e-9:
            found.append(
                Finding(
                    None,
                    f"random choices pass {_pct(r.rate)} of {r.plays:,} plays "
                    f"(at most {_pct(t.random_pass)})",
                    "quality",
                    "",
                )
            )
        elif r.name != RANDOM and r.passes:
            found.append(
                Finding(None, f"the strategy '{r.name}' passes this scenario", "quality", "")
            )
    return found


def findings(text: str, plays: int = PLAYS) -> list[Finding]:
    """Every finding for the studio's panel: the validator's, then (when there are none) the
    assessment-quality ones."""
    scenario, found = validator_findings(text)
    if scenario is not None and not found:
        found = quality_findings(scenario, text, plays=plays)
    return found


def marks(found: list[Finding]) -> dict[str, str]:
    """Words for each node's card: its findings' marks, joined."""
    out: dict[str, list[str]] = {}
    for f in found:
        if f.node is not None and f.mark and f.mark not in out.get(f.node, []):
            out.setdefault(f.node, []).append(f.mark)
    return {node: ", ".join(words) for node, words in out.items()}


# --- the siblings view ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sibling:
    number: int  # 1-based, as listed
    text: str
    words: int
    characters: int
    points: int
    cue_words: int  # words that make a choice sound right (assessment_quality.CUE_WORDS)
    critical: bool


def siblings(choices: list[dict[str, Any]]) -> tuple[list[Sibling], list[str]]:
    """A node's choices side by side (from the document's data, which may not be valid yet),
    and notes on the tells they show: the best-scoring choice is the longest, or the one with
    the most words that sound right."""
    rows = []
    for n, c in enumerate(choices, 1):
        text = str(c.get("text") or "")
        points = sum(v for v in (c.get("points") or {}).values() if isinstance(v, int))
        cues = sum(1 for w in _WORD.findall(text.lower()) if w in CUE_WORDS)
        rows.append(
            Sibling(n, text, len(text.split()), len(text), points, cues, bool(c.get("critical")))
        )
    notes = []
    if len(rows) >= 2 and len({r.points for r in rows}) >= 2:
        top = max(r.points for r in rows)
        best = [r for r in rows if r.points == top]
        longest = max(r.characters for r in rows)
        if any(r.characters == longest for r in best):
            numbers = ", ".join(str(r.number) for r in best if r.characters == longest)
            notes.append(
                f"The best-scoring choice ({numbers}) is also the longest: a trainee who always "
                "picks the longest answer gets this one right. Shorten it or lengthen another."
            )
        most_cues = max(r.cue_words for r in rows)
        if most_cues and any(r.cue_words == most_cues for r in best):
            notes.append(
                "The best-scoring choice has the most words that sound right (safe, calm, "
                "plan, ...): let a weaker choice use them too."
            )
    return rows, notes
