"""Observation rubrics (certificates/rubrics/*.yaml): competencies rated at four levels, each level
a behaviour described in words. Parsing with file lines, the library checker, and what eligibility
needs to cross-check programs against rubrics."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from trainer.core.curriculum import load_yaml, node_line, schema_problems
from trainer.core.library import Problem

LEVELS = (1, 2, 3, 4)
SETTING_LABELS = {
    "role-play": "Role-play",
    "field": "Field observation",
    "training-delivery": "Training delivery",
}
# Schema findings about a competency's levels are replaced by the clearer ones below.
_LEVELS_PATH_RE = re.compile(r"^competencies\.\d+\.levels\b")


def setting_label(setting: str) -> str:
    return SETTING_LABELS.get(setting, setting)


@dataclass(frozen=True)
class Competency:
    key: str
    label: str
    levels: tuple[str, str, str, str]  # what levels 1, 2, 3 and 4 look like, in words

    def describe(self, level: int) -> str:
        """The behaviour of one level (1-4)."""
        return self.levels[level - 1]


@dataclass(frozen=True)
class Rubric:
    id: str
    title: str
    version: int
    description: str
    settings: tuple[str, ...]
    competencies: tuple[Competency, ...]
    sources: tuple[str, ...] = ()

    def competency(self, key: str) -> Competency | None:
        return next((c for c in self.competencies if c.key == key), None)

    @property
    def setting_labels(self) -> tuple[str, ...]:
        return tuple(setting_label(s) for s in self.settings)


def _with_text_level_keys(data: dict[str, Any]) -> dict[str, Any]:
    """YAML reads `1:` as the number 1; JSON Schema names properties with strings."""
    competencies = data.get("competencies")
    if not isinstance(competencies, list):
        return data
    normalized = []
    for item in competencies:
        if isinstance(item, dict) and isinstance(item.get("levels"), dict):
            item = {**item, "levels": {str(k): v for k, v in item["levels"].items()}}
        normalized.append(item)
    return {**data, "competencies": normalized}


def _mapping_keys(node: yaml.Node | None) -> list[tuple[str, int]]:
    """The keys of a YAML mapping as written (duplicates included), with their lines."""
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(str(k.value), k.start_mark.line + 1) for k, _ in node.value]


def _child(node: yaml.Node | None, *path: str | int) -> yaml.Node | None:
    for part in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            return None
    return node


def _key_line(root: yaml.Node | None, *path: str | int) -> int:
    """The line of the last key in `path` itself (a block mapping's value starts a line later)."""
    parent = _child(root, *path[:-1])
    if isinstance(parent, yaml.MappingNode):
        for key, _ in parent.value:
            if key.value == path[-1]:
                return int(key.start_mark.line) + 1
    return node_line(root, list(path)) or 1


def _level_problems(data: dict[str, Any], root: yaml.Node | None) -> list[Problem]:
    problems: list[Problem] = []
    competencies = data.get("competencies")
    if not isinstance(competencies, list):
        return problems
    for i, item in enumerate(competencies):
        if not isinstance(item, dict) or "levels" not in item:
            continue  # the schema reports a competency without levels
        name = repr(item.get("key") or item.get("label") or f"number {i + 1}")
        levels_line = _key_line(root, "competencies", i, "levels")
        levels = item["levels"]
        if not isinstance(levels, dict):
            problems.append(
                Problem(
                    levels_line,
                    f"competency {name}: 'levels' must list 1, 2, 3 and 4, each with the "
                    "behaviour seen at that level",
                )
            )
            continue
        seen: set[str] = set()
        for written, line in _mapping_keys(_child(root, "competencies", i, "levels")):
            if written not in {str(n) for n in LEVELS}:
                problems.append(
                    Problem(
                        line,
                        f"competency {name}: level {written} is outside 1-4 (a rubric describes "
                        "exactly the levels 1, 2, 3 and 4)",
                    )
                )
            elif written in seen:
                problems.append(
                    Problem(line, f"competency {name}: level {written} is described twice")
                )
            seen.add(written)
        described = {str(k): v for k, v in levels.items()}
        for level in LEVELS:
            text = described.get(str(level))
            if str(level) not in described:
                problems.append(
                    Problem(
                        levels_line,
                        f"competency {name}: level {level} is missing; describe the behaviour "
                        f"an observer sees at level {level}",
                    )
                )
            elif not isinstance(text, str) or not text.strip():
                line = node_line(root, ["competencies", i, "levels", str(level)]) or levels_line
                problems.append(
                    Problem(
                        line,
                        f"competency {name}: level {level} has no description; describe the "
                        f"behaviour an observer sees at level {level}",
                    )
                )
    return problems


def _duplicate_keys(data: dict[str, Any], root: yaml.Node | None) -> list[Problem]:
    problems: list[Problem] = []
    first: dict[str, int] = {}
    for i, item in enumerate(data["competencies"]):
        key = item["key"]
        line = node_line(root, ["competencies", i, "key"]) or 1
        if key in first:
            problems.append(
                Problem(
                    line,
                    f"competency key {key!r} is already used on line {first[key]}; each "
                    "competency has its own key",
                )
            )
        else:
            first[key] = line
    return problems


def _competency(item: dict[str, Any]) -> Competency:
    levels = {str(k): " ".join(v.split()) for k, v in item["levels"].items()}
    one, two, three, four = (levels[str(n)] for n in LEVELS)
    return Competency(item["key"], " ".join(item["label"].split()), (one, two, three, four))


def parse_rubric(text: str) -> tuple[Rubric | None, list[Problem]]:
    """The rubric in `text` (None if anything is wrong), and every finding with its file line."""
    data, root, problems = load_yaml(text, offset=0)
    if problems:
        return None, problems
    if not isinstance(data, dict):
        return None, [Problem(1, "a rubric is a mapping of fields (id: ..., competencies: ...)")]
    normalized = _with_text_level_keys(data)
    problems = [
        p
        for p in schema_problems(normalized, root, "rubric")
        if not _LEVELS_PATH_RE.match(p.message)
    ]
    problems += _level_problems(data, root)
    if problems:
        return None, sorted(problems, key=lambda p: p.line or 1)
    problems = _duplicate_keys(data, root)
    if problems:
        return None, problems
    competencies = tuple(_competency(c) for c in data["competencies"])
    return Rubric(
        id=data["id"],
        title=data["title"].strip(),
        version=data["version"],
        description=" ".join(data["description"].split()),
        settings=tuple(data["settings"]),
        competencies=competencies,
        sources=tuple(data.get("sources") or ()),
    ), []


def rubric_checker(text: str, key: str | None) -> list[Problem]:
    """Library checker: a rubric that cannot be parsed cannot be published."""
    return parse_rubric(text)[1]


def rubric_competencies(text: str) -> dict[str, str] | None:
    """Competency key -> label of a valid rubric (None if it has problems): what a program that
    requires "observed: <rubric> <competency> at level N" is cross-checked against."""
    rubric, _ = parse_rubric(text)
    if rubric is None:
        return None
    return {c.key: c.label for c in rubric.competencies}
