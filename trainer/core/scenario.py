"""Branching scenarios: the format (parsed with file lines), the validator, and the engine.

Pure Python over plain data: the player, the CLI `check` and publishing all use it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import yaml

from trainer.core.curriculum import child_node, load_yaml, node_line, schema_problems
from trainer.core.library import Problem, collector_paused

# The top-level fields of a scenario file in the order authors write them.
FIELD_ORDER = (
    "id",
    "title",
    "version",
    "summary",
    "role",
    "estimated_minutes",
    "objectives",
    "sources",
    "meters",
    "competencies",
    "policies",
    "start",
    "expert_path",
    "pass",
    "nodes",
    "endings",
)


def in_file_order(mapping: dict[str, Any], order: tuple[str, ...] = FIELD_ORDER) -> dict[str, Any]:
    """`mapping` with known keys in the file's usual order, unknown ones after."""
    return {k: mapping[k] for k in order if k in mapping} | {
        k: v for k, v in mapping.items() if k not in order
    }


@dataclass(frozen=True)
class Meter:
    key: str
    label: str
    min: int
    max: int
    initial: int
    higher_is_better: bool


@dataclass(frozen=True)
class Condition:
    meters: tuple[tuple[str, int | None, int | None], ...] = ()  # (key, min, max)
    flags: tuple[tuple[str, bool], ...] = ()
    policy: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True)
class Choice:
    text: str
    target: str
    feedback: str
    effects: tuple[tuple[str, int], ...] = ()
    points: tuple[tuple[str, int], ...] = ()
    set_flags: tuple[tuple[str, bool], ...] = ()
    critical: str | None = None
    condition: Condition | None = None
    line: int = 1
    target_line: int = 1

    @property
    def total_points(self) -> int:
        return sum(p for _, p in self.points)


@dataclass(frozen=True)
class Node:
    id: str
    text: str
    speaker: str | None
    choices: tuple[Choice, ...]
    line: int = 1
    position: tuple[int, int] | None = None  # (x, y) of its card on the story map


@dataclass(frozen=True)
class Ending:
    id: str
    outcome: str
    title: str
    debrief: str
    line: int = 1
    position: tuple[int, int] | None = None


@dataclass(frozen=True)
class Policy:
    key: str
    question: str
    default: bool


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    version: int
    summary: str
    role: str
    estimated_minutes: int
    objectives: tuple[str, ...]
    meters: tuple[Meter, ...]
    competencies: tuple[tuple[str, str], ...]  # (key, label)
    policies: tuple[Policy, ...]
    start: str
    expert_path: tuple[str, ...]
    min_score: float
    no_critical: bool
    nodes: dict[str, Node] = field(hash=False, compare=False)
    endings: dict[str, Ending] = field(hash=False, compare=False)
    sources: tuple[tuple[str, str, str | None], ...] = ()

    def meter(self, key: str) -> Meter:
        return next(m for m in self.meters if m.key == key)


def _pairs(mapping: dict[str, Any] | None) -> tuple[tuple[str, Any], ...]:
    return tuple((mapping or {}).items())


def _position(data: dict[str, Any] | None) -> tuple[int, int] | None:
    return (data["x"], data["y"]) if data else None


def _condition(data: dict[str, Any] | None) -> Condition | None:
    if not data:
        return None
    meters = tuple((k, v.get("min"), v.get("max")) for k, v in (data.get("meters") or {}).items())
    return Condition(meters, _pairs(data.get("flags")), _pairs(data.get("policy")))


def parse_scenario(text: str) -> tuple[Scenario | None, list[Problem]]:
    """The scenario in `text` (None if its structure is wrong), and every finding with its line."""
    with collector_paused():  # a big scenario is a million objects: see collector_paused
        data, root, problems = load_yaml(text, offset=0)
        found = scenario_from(data, root) if not problems else (None, problems)
        del data, root  # gone before the collector runs again, so it never scans them
    return found


def scenario_from(data: Any, root: yaml.Node | None) -> tuple[Scenario | None, list[Problem]]:
    """parse_scenario for a document already parsed by parse_yaml (`check` parses once)."""
    if not isinstance(data, dict):
        return None, [Problem(1, "a scenario is a mapping of fields (id: ..., nodes: ...)")]
    problems = schema_problems(data, root, "scenario")
    if problems:
        return None, problems

    def line(*path: str | int) -> int:
        return node_line(root, list(path)) or 1

    def at(node: yaml.Node | None, line: int, part: str | int) -> tuple[yaml.Node | None, int]:
        """One step of node_line: the child and its line (its parent's, if it has none)."""
        child = child_node(node, part)
        return (child, child.start_mark.line + 1) if child is not None else (None, line)

    nodes: dict[str, Node] = {}
    nodes_node, nodes_line = at(root, line(), "nodes")  # a step at a time: 10,000 nodes
    for i, n in enumerate(data["nodes"]):
        item, item_line = at(nodes_node, nodes_line, i)
        choices_node, choices_line = at(item, item_line, "choices")
        choices = []
        for j, c in enumerate(n.get("choices") or []):
            choice_node, choice_line = at(choices_node, choices_line, j)
            choices.append(
                Choice(
                    text=c["text"],
                    target=c["target"],
                    feedback=c["feedback"],
                    effects=_pairs(c.get("effects")),
                    points=_pairs(c.get("points")),
                    set_flags=_pairs(c.get("set_flags")),
                    critical=c.get("critical"),
                    condition=_condition(c.get("condition")),
                    line=choice_line,
                    target_line=at(choice_node, choice_line, "target")[1],
                )
            )
        nodes.setdefault(
            n["id"],
            Node(
                n["id"],
                n["text"],
                n.get("speaker"),
                tuple(choices),
                item_line,
                _position(n.get("position")),
            ),
        )
    endings: dict[str, Ending] = {}
    for i, e in enumerate(data["endings"]):
        endings.setdefault(
            e["id"],
            Ending(
                e["id"],
                e["outcome"],
                e["title"],
                e.get("debrief") or "",
                line("endings", i),
                _position(e.get("position")),
            ),
        )
    scenario = Scenario(
        id=data["id"],
        title=data["title"].strip(),
        version=data["version"],
        summary=" ".join(data["summary"].split()),
        role=data["role"],
        estimated_minutes=data["estimated_minutes"],
        objectives=tuple(data["objectives"]),
        meters=tuple(
            Meter(
                m["key"],
                m["label"],
                m["min"],
                m["max"],
                m["initial"],
                m.get("higher_is_better", True),
            )
            for m in data["meters"]
        ),
        competencies=tuple((c["key"], c["label"]) for c in data["competencies"]),
        policies=tuple(
            Policy(p["key"], p["question"], p["default"]) for p in data.get("policies") or []
        ),
        start=data["start"],
        expert_path=tuple(data.get("expert_path") or ()),
        min_score=float(data["pass"]["min_score"]),
        no_critical=bool(data["pass"].get("no_critical", True)),
        nodes=nodes,
        endings=endings,
        sources=tuple((s["key"], s["citation"], s.get("url")) for s in data.get("sources") or []),
    )
    return scenario, validate(scenario, data, root)


def scenario_data(s: Scenario) -> dict[str, Any]:
    """The scenario as the plain data of its YAML file, without line numbers: what is written
    out (`scenario_yaml`), and what two scenarios are compared by (nodes and endings included,
    which `Scenario.__eq__` leaves out)."""

    def choice(c: Choice) -> dict[str, Any]:
        out: dict[str, Any] = {"text": c.text, "target": c.target}
        for name, pairs in (
            ("effects", c.effects),
            ("points", c.points),
            ("set_flags", c.set_flags),
        ):
            if pairs:
                out[name] = dict(pairs)
        out["feedback"] = c.feedback
        if c.critical is not None:
            out["critical"] = c.critical
        if c.condition is not None:
            cond: dict[str, Any] = {}
            if c.condition.meters:
                cond["meters"] = {
                    key: {k: v for k, v in (("min", low), ("max", high)) if v is not None}
                    for key, low, high in c.condition.meters
                }
            for name, pairs in (("flags", c.condition.flags), ("policy", c.condition.policy)):
                if pairs:
                    cond[name] = dict(pairs)
            out["condition"] = cond
        return out

    def node(n: Node) -> dict[str, Any]:
        out: dict[str, Any] = {"id": n.id}
        if n.speaker is not None:
            out["speaker"] = n.speaker
        out["text"] = n.text
        if n.choices:
            out["choices"] = [choice(c) for c in n.choices]
        if n.position is not None:
            out["position"] = {"x": n.position[0], "y": n.position[1]}
        return out

    def ending(e: Ending) -> dict[str, Any]:
        out: dict[str, Any] = {"id": e.id, "outcome": e.outcome, "title": e.title}
        if e.debrief:
            out["debrief"] = e.debrief
        if e.position is not None:
            out["position"] = {"x": e.position[0], "y": e.position[1]}
        return out

    data: dict[str, Any] = {
        "id": s.id,
        "title": s.title,
        "version": s.version,
        "summary": s.summary,
        "role": s.role,
        "estimated_minutes": s.estimated_minutes,
        "objectives": list(s.objectives),
    }
    if s.sources:
        data["sources"] = [
            {"key": k, "citation": c, **({"url": u} if u is not None else {})}
            for k, c, u in s.sources
        ]
    data["meters"] = [
        {
            "key": m.key,
            "label": m.label,
            "min": m.min,
            "max": m.max,
            "initial": m.initial,
            "higher_is_better": m.higher_is_better,
        }
        for m in s.meters
    ]
    data["competencies"] = [{"key": k, "label": label} for k, label in s.competencies]
    data["policies"] = [
        {"key": p.key, "question": p.question, "default": p.default} for p in s.policies
    ]
    data["start"] = s.start
    if s.expert_path:
        data["expert_path"] = list(s.expert_path)
    data["pass"] = {"min_score": s.min_score, "no_critical": s.no_critical}
    data["nodes"] = [node(n) for n in s.nodes.values()]
    data["endings"] = [ending(e) for e in s.endings.values()]
    return data


# libyaml's emitter when PyYAML has it: the pure-Python one took seconds for a big scenario.
_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _ScenarioDumper(_Dumper):  # type: ignore[valid-type,misc]
    """Text of several lines as a `|` block, as authors write it; never anchors and aliases
    (content may not use them)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _mapping(dumper: yaml.SafeDumper, value: dict[Any, Any]) -> yaml.MappingNode:
    """A card position on one line (`position: {x: 40, y: 120}`), every other mapping as a block."""
    flow = list(value) == ["x", "y"]
    return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=flow or None)


_ScenarioDumper.add_representer(str, _text)
_ScenarioDumper.add_representer(dict, _mapping)


def scenario_yaml(data: Scenario | dict[str, Any]) -> str:
    """A scenario file's text: `parse_scenario` reads it back to an equal scenario."""
    plain = scenario_data(data) if isinstance(data, Scenario) else data
    return yaml.dump(plain, Dumper=_ScenarioDumper, sort_keys=False, allow_unicode=True, width=100)


# --- validator -------------------------------------------------------------------------------


def validate(
    s: Scenario, data: dict[str, Any] | None = None, root: yaml.Node | None = None
) -> list[Problem]:
    """Every finding, each naming its node. Linear in nodes + choices."""
    found: list[Problem] = []
    if data is not None:
        seen: dict[str, int] = {}
        for i, item in enumerate([*data["nodes"], *data["endings"]]):
            kind = "nodes" if i < len(data["nodes"]) else "endings"
            index = i if kind == "nodes" else i - len(data["nodes"])
            if item["id"] in seen:
                found.append(
                    Problem(
                        node_line(root, [kind, index, "id"]),
                        f"node {item['id']}: id is used twice (first on line {seen[item['id']]})",
                    )
                )
            else:
                seen[item["id"]] = node_line(root, [kind, index, "id"]) or 1
        for group in ("meters", "competencies", "policies"):
            keys: set[str] = set()
            for i, item in enumerate(data.get(group) or []):
                if item["key"] in keys:
                    found.append(
                        Problem(
                            node_line(root, [group, i, "key"]),
                            f"{group[:-1]} key {item['key']!r} is used twice",
                        )
                    )
                keys.add(item["key"])
    meters = {m.key: m for m in s.meters}
    for m in s.meters:
        if not m.min <= m.initial <= m.max:
            found.append(
                Problem(1, f"meter {m.key}: initial {m.initial} is outside {m.min}..{m.max}")
            )
    competencies = {k for k, _ in s.competencies}
    policies = {p.key for p in s.policies}
    targets = set(s.nodes) | set(s.endings)
    if s.start not in s.nodes:
        found.append(Problem(1, f"node {s.start}: the start node does not exist"))
    changed: set[str] = set()
    for node in s.nodes.values():
        if not node.choices:
            found.append(
                Problem(node.line, f"node {node.id}: dead end (no choices and not an ending)")
            )
        for c in node.choices:
            if c.target not in targets:
                found.append(
                    Problem(
                        c.target_line,
                        f"node {node.id}: choice leads to {c.target!r}, which does not exist",
                    )
                )
            for key, delta in c.effects:
                if key not in meters:
                    found.append(
                        Problem(c.line, f"node {node.id}: effect on unknown meter {key!r}")
                    )
                elif delta:
                    changed.add(key)
            for key, _ in c.points:
                if key not in competencies:
                    found.append(
                        Problem(c.line, f"node {node.id}: points for unknown competency {key!r}")
                    )
            found.extend(_condition_problems(node, c, meters, policies))
    for ending in s.endings.values():
        if not ending.debrief.strip():
            found.append(Problem(ending.line, f"node {ending.id}: ending has no debrief"))
    for m in s.meters:
        if m.key not in changed:
            found.append(Problem(1, f"meter {m.key}: no choice ever changes it"))
    if s.start in s.nodes:
        reachable = _reachable(s)
        for node in s.nodes.values():
            if node.id not in reachable:
                found.append(
                    Problem(node.line, f"node {node.id}: unreachable from the start node {s.start}")
                )
        finishing = _can_finish(s)
        for node in s.nodes.values():
            if node.id in reachable and node.id not in finishing and node.choices:
                found.append(
                    Problem(
                        node.line,
                        f"node {node.id}: no ending can be reached from "
                        "here (a loop with no way out)",
                    )
                )
    for node_id in s.expert_path:
        if node_id not in targets:
            found.append(
                Problem(1, f"node {node_id}: expert_path names a node that does not exist")
            )
    return sorted(found, key=lambda p: p.line or 0)


def _condition_problems(
    node: Node, c: Choice, meters: dict[str, Meter], policies: set[str]
) -> list[Problem]:
    if c.condition is None:
        return []
    found = []
    for key, low, high in c.condition.meters:
        meter = meters.get(key)
        if meter is None:
            found.append(Problem(c.line, f"node {node.id}: condition on unknown meter {key!r}"))
            continue
        lo = meter.min if low is None else low
        hi = meter.max if high is None else high
        if lo > hi or lo > meter.max or hi < meter.min:
            found.append(
                Problem(
                    c.line,
                    f"node {node.id}: condition on {key} ({low}..{high}) "
                    f"can never hold; the meter runs {meter.min}..{meter.max}",
                )
            )
    for key, _ in c.condition.policy:
        if key not in policies:
            found.append(
                Problem(
                    c.line,
                    f"node {node.id}: condition on undeclared policy "
                    f"{key!r} (declare it under policies)",
                )
            )
    return found


def _reachable(s: Scenario) -> set[str]:
    seen = {s.start}
    queue = deque([s.start])
    while queue:
        node = s.nodes.get(queue.popleft())
        for c in node.choices if node else ():
            if c.target not in seen:
                seen.add(c.target)
                queue.append(c.target)
    return seen


def _can_finish(s: Scenario) -> set[str]:
    """Nodes from which some ending can be reached: a reverse search from the endings."""
    incoming: dict[str, list[str]] = {}
    for node in s.nodes.values():
        for c in node.choices:
            incoming.setdefault(c.target, []).append(node.id)
    done = set(s.endings)
    queue = deque(s.endings)
    while queue:
        for source in incoming.get(queue.popleft(), ()):
            if source not in done:
                done.add(source)
                queue.append(source)
    return done


def scenario_checker(text: str, key: str | None) -> list[Problem]:
    return parse_scenario(text)[1]


# --- engine ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    node: str
    choice: int  # index in the node's full choice list
    meters: dict[str, int]  # after the step


@dataclass
class State:
    """Where a play-through is. Serializes to plain JSON for resume and for attempt records."""

    node: str
    meters: dict[str, int]
    flags: dict[str, bool] = field(default_factory=dict)
    path: list[Step] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "meters": self.meters,
            "flags": self.flags,
            "path": [{"node": p.node, "choice": p.choice, "meters": p.meters} for p in self.path],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        return cls(
            data["node"],
            dict(data["meters"]),
            dict(data.get("flags") or {}),
            [Step(p["node"], p["choice"], dict(p["meters"])) for p in data["path"]],
        )


@dataclass(frozen=True)
class Score:
    earned: int
    possible: int
    by_competency: dict[str, tuple[int, int]]  # key -> (earned, possible)
    critical: tuple[tuple[str, str], ...]  # (node id, reason)

    @property
    def fraction(self) -> float:
        return self.earned / self.possible if self.possible else 1.0


class Engine:
    """Plays one scenario for one organization's policy settings. Deterministic."""

    def __init__(self, scenario: Scenario, policy: dict[str, bool] | None = None) -> None:
        self.s = scenario
        self.policy = {p.key: p.default for p in scenario.policies} | (policy or {})

    def start(self) -> State:
        return State(self.s.start, {m.key: m.initial for m in self.s.meters})

    def is_ending(self, state: State) -> bool:
        return state.node in self.s.endings

    def _holds(self, condition: Condition | None, state: State) -> bool:
        if condition is None:
            return True
        for key, low, high in condition.meters:
            value = state.meters.get(key, 0)
            if (low is not None and value < low) or (high is not None and value > high):
                return False
        if any(state.flags.get(k, False) != v for k, v in condition.flags):
            return False
        return all(self.policy.get(k, False) == v for k, v in condition.policy)

    def available(self, state: State) -> list[tuple[int, Choice]]:
        """The choices offered now, with their index in the node's full list."""
        node = self.s.nodes.get(state.node)
        if node is None:
            return []
        return [
            (i, c)
            for i, c in enumerate(node.choices)
            if self._holds(c.condition, state)
            and (c.target in self.s.nodes or c.target in self.s.endings)
        ]  # never off the map

    def choose(self, state: State, index: int) -> State:
        """A new state after choice `index` (an index from `available`)."""
        offered = dict(self.available(state))
        if index not in offered:
            raise ValueError(f"choice {index} is not available at node {state.node}")
        choice = offered[index]
        meters = dict(state.meters)
        for key, delta in choice.effects:
            m = self.s.meter(key)
            meters[key] = max(m.min, min(m.max, meters[key] + delta))
        flags = state.flags | dict(choice.set_flags)
        return State(
            choice.target, meters, flags, [*state.path, Step(state.node, index, dict(meters))]
        )

    def replay(self, choices: list[int]) -> State:
        state = self.start()
        for index in choices:
            state = self.choose(state, index)
        return state

    def score(self, state: State) -> Score:
        """Points earned out of the best the path allowed at each step, per competency too."""
        keys = [k for k, _ in self.s.competencies]
        earned = dict.fromkeys(keys, 0)
        possible = dict.fromkeys(keys, 0)
        best_total = 0
        critical = []
        replay = self.start()
        for step in state.path:
            offered = self.available(replay)
            best = max(offered, key=lambda ic: ic[1].total_points)[1] if offered else None
            chosen = dict(offered)[step.choice]
            best_total += best.total_points if best else 0
            # The total counts the best choice overall at each node. A competency's maximum is
            # the most that competency could have earned at each node visited (the path actually
            # taken), which may come from a different choice than the best overall: counting only
            # the best choice's points made "2 of 1" possible when another choice scored higher
            # in that one competency. So each competency's earned <= possible, always; the
            # per-competency maxima may add up to more than the total's.
            for key in keys:
                possible[key] += max((dict(c.points).get(key, 0) for _, c in offered), default=0)
            for key, pts in chosen.points:
                earned[key] = earned.get(key, 0) + pts
            if chosen.critical:
                critical.append((step.node, chosen.critical))
            replay = self.choose(replay, step.choice)
        return Score(
            sum(earned.values()),
            best_total,
            {k: (earned[k], possible[k]) for k in keys},
            tuple(critical),
        )

    def passed(self, state: State) -> bool:
        score = self.score(state)
        return (
            self.is_ending(state)
            and score.fraction + 1e-9 >= self.s.min_score
            and not (self.s.no_critical and score.critical)
        )

    def best_path(self) -> list[str] | None:
        """The author's expert path, or the highest-scoring path when the graph has no loops
        (condition-free); None when it cannot be computed."""
        if self.s.expert_path:
            return list(self.s.expert_path)
        memo: dict[str, tuple[int, list[str]] | None] = {}
        visiting: set[str] = set()

        def best(node_id: str) -> tuple[int, list[str]] | None:
            if node_id in self.s.endings:
                return 0, [node_id]
            if node_id not in self.s.nodes:
                return None
            if node_id in visiting:
                raise RecursionError  # a loop: no single best path
            if node_id in memo:
                return memo[node_id]
            visiting.add(node_id)
            options = []
            for c in self.s.nodes[node_id].choices:
                if c.condition is not None:
                    continue
                sub = best(c.target)
                if sub is not None:
                    options.append((c.total_points + sub[0], [node_id, *sub[1]]))
            visiting.discard(node_id)
            memo[node_id] = max(options, key=lambda o: o[0]) if options else None
            return memo[node_id]

        try:
            found = best(self.s.start)
        except RecursionError:
            return None
        return found[1] if found else None
