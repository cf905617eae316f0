"""An editable scenario: the plain data of its YAML file, changed only by undoable commands.

The story map and the studio's side panel edit a scenario through one `ScenarioDoc`; every edit
is a command on the document's undo stack, so each one can be undone and redone exactly
(undoing every step gives back the text the document was opened with). Qt-free.

Public API (for the studio view and the map):

Opening and saving
    ScenarioDoc.from_yaml(text)          the document of a scenario file (ScenarioEditError when
                                         its structure is not a scenario: the first finding)
    ScenarioDoc.blank(scenario_id, title) a new scenario: one meter, one competency, a start
                                         node and one ending
    doc.to_yaml()                        the file's text; `parse_scenario` reads it with the same
                                         meaning. Unchanged since opening -> the text opened.
    doc.check()                          parse_scenario(doc.to_yaml()): (Scenario | None, findings)
    doc.is_clean / doc.mark_clean()      unchanged since the last save (for drafts)

Reading (never mutate what these return)
    doc.data                             the YAML structure (dict)
    doc.ids() / doc.node_ids() / doc.ending_ids()   in file order
    doc.has(id), doc.is_ending(id), doc.entry(id) (the node or ending mapping), doc.start
    doc.position(id) -> (x, y) | None
    doc.choices(id) -> list of choice mappings; doc.targets(id) -> their targets
    doc.sources(id) -> ids of the nodes with a choice leading to id

Editing (each call is one undo step; bad input raises ScenarioEditError, changing nothing)
    add_node(node_id=None, text=..., speaker=None, position=None) -> id
    add_ending(ending_id=None, outcome="partial", title=..., debrief=..., position=None) -> id
    remove_node(id)                      a node or an ending; choices that led to it now lead to
                                         a missing id, which the validator reports
    rename_node(old, new)                updates every target, the start and the expert path
    set_node_text(id, text), set_speaker(id, speaker | None)
    set_ending(id, outcome=..., title=..., debrief=...)
    set_position(id, x, y), move_nodes({id: (x, y)}), set_start(id)
    add_choice(source, target, text=..., feedback=..., index=None) -> index
    remove_choice(source, index), move_choice(source, index, new_index)
    set_choice_target/text/feedback/effects/points/critical/condition/set_flags(source, index, v)
                                         (None removes an optional field)
    set_meters(list), set_competencies(list), set_policies(list), set_pass(min_score, no_critical)
    set_field(key, value)                another top-level field (title, summary, role, ...)
    with doc.group("Arrange the map"): ...   several edits as one undo step
    doc.seal()                           the next text edit starts a new undo step (typing in one
                                         field merges into one step until then)

Undo
    doc.undo(), doc.redo(), doc.can_undo, doc.can_redo, doc.undo_text, doc.redo_text,
    doc.history (the texts of the steps done, oldest first)

Watching
    doc.subscribe(callback) / doc.unsubscribe(callback): callback(Change) after every edit, undo
    and redo. `Change.ids` are the nodes and endings whose own entry changed, appeared or went;
    `Change.scenario` is True when a top-level field changed (meters, start, ...).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import yaml

from trainer.core.errors import ValidationError
from trainer.core.library import Problem
from trainer.core.scenario import (
    Scenario,
    in_file_order,
    parse_scenario,
    scenario_yaml,
)

NEW_CHOICE_TEXT = "(Write what the trainee does.)"
NEW_FEEDBACK = "(No feedback written yet.)"
NEW_NODE_TEXT = "(Write what happens here.)\n"
NEW_DEBRIEF = "(Write the debrief: what happened and why.)\n"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$")
_NODE_ORDER = ("id", "speaker", "text", "choices", "position")
_ENDING_ORDER = ("id", "outcome", "title", "debrief", "position")
_CHOICE_ORDER = (
    "text",
    "target",
    "effects",
    "points",
    "set_flags",
    "feedback",
    "critical",
    "condition",
)
_OUTCOMES = ("success", "partial", "failure")


class ScenarioEditError(ValidationError):
    """An edit that cannot be made (unknown node, taken or invalid id, ...); nothing changed."""


@dataclass(frozen=True)
class Change:
    """What one edit, undo or redo touched."""

    ids: frozenset[str]  # nodes and endings whose own entry changed, appeared or disappeared
    scenario: bool = False  # a top-level field changed (meters, competencies, pass, start, ...)
    renamed: tuple[str, str] | None = None  # (was, now) of a rename, as the map sees it now


# --- commands --------------------------------------------------------------------------------


class _Command:
    text = ""
    merge_key: tuple[Any, ...] | None = None

    def do(self, doc: ScenarioDoc) -> Change:
        raise NotImplementedError

    def undo(self, doc: ScenarioDoc) -> Change:
        raise NotImplementedError

    def merge(self, other: _Command) -> bool:
        return False


class _Replace(_Command):
    """One node's or ending's mapping replaced by another (text, choices, speaker, ...)."""

    def __init__(
        self,
        kind: str,
        index: int,
        before: dict[str, Any],
        after: dict[str, Any],
        text: str,
        merge_key: tuple[Any, ...] | None = None,
    ) -> None:
        self.kind, self.index, self.before, self.after = kind, index, before, after
        self.text, self.merge_key = text, merge_key

    def _set(self, doc: ScenarioDoc, value: dict[str, Any]) -> Change:
        doc.data[self.kind][self.index] = copy.deepcopy(value)
        return Change(frozenset({value["id"]}))

    def do(self, doc: ScenarioDoc) -> Change:
        return self._set(doc, self.after)

    def undo(self, doc: ScenarioDoc) -> Change:
        return self._set(doc, self.before)

    def merge(self, other: _Command) -> bool:
        if not isinstance(other, _Replace) or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        return True


class _Insert(_Command):
    """A node or ending added at `index` (or, undone... removed again); `remove` flips it."""

    def __init__(
        self, kind: str, index: int, item: dict[str, Any], text: str, remove: bool = False
    ) -> None:
        self.kind, self.index, self.item, self.text, self.remove = kind, index, item, text, remove

    def _insert(self, doc: ScenarioDoc) -> Change:
        doc.data[self.kind].insert(self.index, copy.deepcopy(self.item))
        doc._where = None
        return Change(frozenset({self.item["id"]}))

    def _delete(self, doc: ScenarioDoc) -> Change:
        del doc.data[self.kind][self.index]
        doc._where = None
        return Change(frozenset({self.item["id"]}))

    def do(self, doc: ScenarioDoc) -> Change:
        return self._delete(doc) if self.remove else self._insert(doc)

    def undo(self, doc: ScenarioDoc) -> Change:
        return self._insert(doc) if self.remove else self._delete(doc)


_ABSENT: Any = object()


class _SetTop(_Command):
    """A top-level field set (or added in its usual place; undone, removed again)."""

    def __init__(self, key: str, before: Any, after: Any, text: str) -> None:
        self.key, self.before, self.after, self.text = key, before, after, text
        self.merge_key = ("top", key)

    def _set(self, doc: ScenarioDoc, value: Any) -> Change:
        if value is _ABSENT:
            doc.data.pop(self.key, None)
        elif self.key in doc.data:
            doc.data[self.key] = copy.deepcopy(value)
        else:
            doc.data[self.key] = copy.deepcopy(value)
            ordered = in_file_order(doc.data)
            doc.data.clear()
            doc.data.update(ordered)
        return Change(frozenset(), scenario=True)

    def do(self, doc: ScenarioDoc) -> Change:
        return self._set(doc, self.after)

    def undo(self, doc: ScenarioDoc) -> Change:
        return self._set(doc, self.before)

    def merge(self, other: _Command) -> bool:
        if not isinstance(other, _SetTop) or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        return True


class _Positions(_Command):
    """Card positions set (None: the card had none, and undoing removes it again)."""

    def __init__(
        self,
        moves: dict[str, tuple[tuple[int, int] | None, tuple[int, int]]],
        text: str,
    ) -> None:
        self.moves, self.text = moves, text

    def _apply(self, doc: ScenarioDoc, after: bool) -> Change:
        for node_id, (old, new) in self.moves.items():
            entry = doc.entry(node_id)
            value = new if after else old
            if value is None:
                entry.pop("position", None)
            else:
                entry["position"] = {"x": value[0], "y": value[1]}
        return Change(frozenset(self.moves))

    def do(self, doc: ScenarioDoc) -> Change:
        return self._apply(doc, True)

    def undo(self, doc: ScenarioDoc) -> Change:
        return self._apply(doc, False)


class _Rename(_Command):
    def __init__(self, doc: ScenarioDoc, old: str, new: str) -> None:
        self.old, self.new = old, new
        self.text = f"Rename '{old}' to '{new}'"
        self.kind, self.index = doc._locate(old)
        self.choices = [
            (i, j)
            for i, n in enumerate(doc.data["nodes"])
            for j, c in enumerate(n.get("choices") or [])
            if c.get("target") == old
        ]
        self.start = doc.data.get("start") == old
        self.expert = [i for i, x in enumerate(doc.data.get("expert_path") or []) if x == old]

    def _apply(self, doc: ScenarioDoc, was: str, now: str) -> Change:
        data = doc.data
        data[self.kind][self.index]["id"] = now
        for i, j in self.choices:
            data["nodes"][i]["choices"][j]["target"] = now
        if self.start:
            data["start"] = now
        for i in self.expert:
            data["expert_path"][i] = now
        doc._where = None
        sources = {data["nodes"][i]["id"] for i, _ in self.choices}
        return Change(
            frozenset({was, now} | sources),
            scenario=self.start or bool(self.expert),
            renamed=(was, now),
        )

    def do(self, doc: ScenarioDoc) -> Change:
        return self._apply(doc, self.old, self.new)

    def undo(self, doc: ScenarioDoc) -> Change:
        return self._apply(doc, self.new, self.old)


class _Group(_Command):
    def __init__(self, text: str) -> None:
        self.text = text
        self.steps: list[_Command] = []

    @staticmethod
    def _union(changes: list[Change]) -> Change:
        ids = frozenset().union(*(c.ids for c in changes))
        renamed = changes[0].renamed if len(changes) == 1 else None
        return Change(ids, any(c.scenario for c in changes), renamed)

    def do(self, doc: ScenarioDoc) -> Change:
        return self._union([step.do(doc) for step in self.steps])

    def undo(self, doc: ScenarioDoc) -> Change:
        return self._union([step.undo(doc) for step in reversed(self.steps)])


# --- the document ----------------------------------------------------------------------------


class ScenarioDoc:
    """A scenario being edited (see the module docstring for the API)."""

    def __init__(self, data: dict[str, Any], source: str | None = None) -> None:
        self.data = data
        self._source = source  # the text opened, given back while nothing has changed
        self._done: list[_Command] = []
        self._undone: list[_Command] = []
        self._clean: int | None = 0
        self._sealed = True
        self._group: _Group | None = None
        self._group_changes: list[Change] = []
        self._listeners: list[Callable[[Change], None]] = []
        self._where: dict[str, tuple[str, int]] | None = None

    # --- opening and saving

    @classmethod
    def from_yaml(cls, text: str) -> ScenarioDoc:
        scenario, problems = parse_scenario(text)
        if scenario is None:
            first = problems[0]
            raise ScenarioEditError(
                f"line {first.line or 1}: {first.message} (fix it in the file, then open it again)"
            )
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        return cls(data, text)

    @classmethod
    def blank(cls, scenario_id: str, title: str) -> ScenarioDoc:
        data: dict[str, Any] = {
            "id": scenario_id,
            "title": title,
            "version": 1,
            "summary": "(Write one or two sentences a trainee reads before starting.)",
            "role": "street-outreach",
            "estimated_minutes": 10,
            "objectives": ["(Write what the trainee practices.)"],
            "meters": [
                {
                    "key": "tension",
                    "label": "Tension",
                    "min": 0,
                    "max": 10,
                    "initial": 5,
                    "higher_is_better": False,
                }
            ],
            "competencies": [{"key": "deescalation", "label": "De-escalation"}],
            "policies": [],
            "start": "start",
            "pass": {"min_score": 0.8, "no_critical": True},
            "nodes": [
                {
                    "id": "start",
                    "text": NEW_NODE_TEXT,
                    "choices": [
                        {
                            "text": NEW_CHOICE_TEXT,
                            "target": "end",
                            "effects": {"tension": -1},
                            "feedback": NEW_FEEDBACK,
                        }
                    ],
                    "position": {"x": 0, "y": 0},
                }
            ],
            "endings": [
                {
                    "id": "end",
                    "outcome": "success",
                    "title": "The end",
                    "debrief": NEW_DEBRIEF,
                    "position": {"x": 280, "y": 0},
                }
            ],
        }
        doc = cls(data)
        doc._clean = None  # never saved
        return doc

    def to_yaml(self) -> str:
        if self._source is not None and not self._done:
            return self._source
        return scenario_yaml(self.data)

    def check(self) -> tuple[Scenario | None, list[Problem]]:
        """The scenario and every finding, as `cvi-trainer check` would report the saved file."""
        return parse_scenario(self.to_yaml())

    @property
    def is_clean(self) -> bool:
        return self._clean == len(self._done)

    def mark_clean(self) -> None:
        self._clean = len(self._done)

    # --- reading

    def _index(self) -> dict[str, tuple[str, int]]:
        if self._where is None:
            where: dict[str, tuple[str, int]] = {}
            for kind in ("nodes", "endings"):
                for i, item in enumerate(self.data[kind]):
                    where.setdefault(item["id"], (kind, i))
            self._where = where
        return self._where

    def _locate(self, node_id: str) -> tuple[str, int]:
        found = self._index().get(node_id)
        if found is None:
            raise ScenarioEditError(f"there is no node or ending {node_id!r} in this scenario")
        return found

    @property
    def start(self) -> str:
        return str(self.data.get("start", ""))

    def ids(self) -> list[str]:
        return list(self._index())

    def node_ids(self) -> list[str]:
        return [i for i, (kind, _) in self._index().items() if kind == "nodes"]

    def ending_ids(self) -> list[str]:
        return [i for i, (kind, _) in self._index().items() if kind == "endings"]

    def has(self, node_id: str) -> bool:
        return node_id in self._index()

    def is_ending(self, node_id: str) -> bool:
        found = self._index().get(node_id)
        return found is not None and found[0] == "endings"

    def entry(self, node_id: str) -> dict[str, Any]:
        kind, index = self._locate(node_id)
        item: dict[str, Any] = self.data[kind][index]
        return item

    def position(self, node_id: str) -> tuple[int, int] | None:
        found = self.entry(node_id).get("position")
        return (found["x"], found["y"]) if found else None

    def choices(self, node_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.entry(node_id).get("choices") or []
        return found

    def targets(self, node_id: str) -> list[str]:
        return [c["target"] for c in self.choices(node_id)]

    def sources(self, node_id: str) -> list[str]:
        return [
            n["id"]
            for n in self.data["nodes"]
            if any(c.get("target") == node_id for c in n.get("choices") or [])
        ]

    # --- the undo stack

    def subscribe(self, callback: Callable[[Change], None]) -> None:
        self._listeners.append(callback)

    def unsubscribe(self, callback: Callable[[Change], None]) -> None:
        """Stop calling `callback` (no error when it was not subscribed)."""
        if callback in self._listeners:
            self._listeners.remove(callback)

    def _notify(self, change: Change) -> None:
        if self._group is not None:
            self._group_changes.append(change)
            return
        for callback in list(self._listeners):
            callback(change)

    def _push(self, command: _Command) -> None:
        change = command.do(self)
        if self._group is not None:
            self._group.steps.append(command)
        else:
            top = self._done[-1] if self._done else None
            merged = (
                not self._sealed
                and not self._undone
                and top is not None
                and command.merge_key is not None
                and self._clean != len(self._done)
                and top.merge(command)
            )
            if not merged:
                self._done.append(command)
            self._undone.clear()
            if self._clean is not None and self._clean > len(self._done):
                self._clean = None
            self._sealed = command.merge_key is None
        self._notify(change)

    @contextmanager
    def group(self, text: str) -> Iterator[None]:
        """Every edit inside is one undo step named `text` (nested groups join the outer one)."""
        if self._group is not None:
            yield
            return
        self._group = _Group(text)
        self._group_changes = []
        try:
            yield
        finally:
            group, changes = self._group, self._group_changes
            self._group, self._group_changes = None, []
            if group.steps:
                self._done.append(group)
                self._undone.clear()
                self._sealed = True
                if changes:
                    self._notify(_Group._union(changes))

    def seal(self) -> None:
        self._sealed = True

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def undo_text(self) -> str:
        return self._done[-1].text if self._done else ""

    @property
    def redo_text(self) -> str:
        return self._undone[-1].text if self._undone else ""

    @property
    def history(self) -> list[str]:
        return [c.text for c in self._done]

    def undo(self) -> None:
        if not self._done:
            return
        command = self._done.pop()
        self._undone.append(command)
        self._sealed = True
        self._notify(command.undo(self))

    def redo(self) -> None:
        if not self._undone:
            return
        command = self._undone.pop()
        self._done.append(command)
        self._sealed = True
        self._notify(command.do(self))

    # --- editing: nodes and endings

    def _fresh_id(self, base: str) -> str:
        n = 1
        while self.has(f"{base}-{n}"):
            n += 1
        return f"{base}-{n}"

    def _new_id(self, node_id: str | None, base: str) -> str:
        if node_id is None:
            return self._fresh_id(base)
        if not _ID.match(node_id):
            raise ScenarioEditError(
                f"{node_id!r} cannot be a node id: use letters, digits, '-', '_' and '.', "
                "starting with a letter or digit (at most 120)",
                field="id",
            )
        if self.has(node_id):
            raise ScenarioEditError(
                f"the id {node_id!r} is taken by another node or ending: choose another",
                field="id",
            )
        return node_id

    @staticmethod
    def _xy(position: tuple[int, int] | None) -> dict[str, Any]:
        return {} if position is None else {"position": {"x": position[0], "y": position[1]}}

    def add_node(
        self,
        node_id: str | None = None,
        text: str = NEW_NODE_TEXT,
        speaker: str | None = None,
        position: tuple[int, int] | None = None,
    ) -> str:
        """A new node with no choices yet (a dead end the validator reports until linked)."""
        node_id = self._new_id(node_id, "node")
        item: dict[str, Any] = {"id": node_id}
        if speaker is not None:
            item["speaker"] = speaker
        item["text"] = text
        item |= self._xy(position)
        self._push(
            _Insert("nodes", len(self.data["nodes"]), item, f"Add node '{node_id}'"),
        )
        return node_id

    def add_ending(
        self,
        ending_id: str | None = None,
        outcome: str = "partial",
        title: str = "(Title of this ending)",
        debrief: str = NEW_DEBRIEF,
        position: tuple[int, int] | None = None,
    ) -> str:
        ending_id = self._new_id(ending_id, "ending")
        self._check_outcome(outcome)
        item: dict[str, Any] = {"id": ending_id, "outcome": outcome, "title": title}
        if debrief:
            item["debrief"] = debrief
        item |= self._xy(position)
        self._push(
            _Insert("endings", len(self.data["endings"]), item, f"Add ending '{ending_id}'"),
        )
        return ending_id

    def remove_node(self, node_id: str) -> None:
        """Remove a node or an ending. Choices that led to it keep their target, now missing."""
        kind, index = self._locate(node_id)
        word = "ending" if kind == "endings" else "node"
        self._push(
            _Insert(kind, index, self.data[kind][index], f"Remove {word} '{node_id}'", remove=True)
        )

    def rename_node(self, old: str, new: str) -> None:
        self._locate(old)
        if new == old:
            return
        self._new_id(new, "node")
        self._push(_Rename(self, old, new))

    def _edit(
        self,
        node_id: str,
        change: Callable[[dict[str, Any]], None],
        text: str,
        merge_key: tuple[Any, ...] | None = None,
    ) -> None:
        kind, index = self._locate(node_id)
        before = self.data[kind][index]
        after = copy.deepcopy(before)
        change(after)
        after = in_file_order(after, _ENDING_ORDER if kind == "endings" else _NODE_ORDER)
        if after == before and list(after) == list(before):
            return
        self._push(_Replace(kind, index, copy.deepcopy(before), after, text, merge_key))

    def _node(self, node_id: str) -> None:
        if self.is_ending(node_id):
            raise ScenarioEditError(
                f"{node_id!r} is an ending: an ending has a title and debrief, not text and choices"
            )

    def set_node_text(self, node_id: str, text: str) -> None:
        self._node(node_id)
        self._edit(
            node_id,
            lambda n: n.__setitem__("text", text),
            f"Edit the text of '{node_id}'",
            ("text", node_id),
        )

    def set_speaker(self, node_id: str, speaker: str | None) -> None:
        self._node(node_id)

        def change(n: dict[str, Any]) -> None:
            if speaker:
                n["speaker"] = speaker
            else:
                n.pop("speaker", None)

        self._edit(node_id, change, f"Edit the speaker of '{node_id}'", ("speaker", node_id))

    @staticmethod
    def _check_outcome(outcome: str) -> None:
        if outcome not in _OUTCOMES:
            raise ScenarioEditError(
                f"outcome {outcome!r}: an ending's outcome is success, partial or failure",
                field="outcome",
            )

    def set_ending(
        self,
        ending_id: str,
        outcome: str | None = None,
        title: str | None = None,
        debrief: str | None = None,
    ) -> None:
        if not self.is_ending(ending_id):
            self._locate(ending_id)
            raise ScenarioEditError(f"{ending_id!r} is a node, not an ending")
        if outcome is not None:
            self._check_outcome(outcome)

        def change(e: dict[str, Any]) -> None:
            for key, value in (("outcome", outcome), ("title", title), ("debrief", debrief)):
                if value is not None:
                    e[key] = value
            if e.get("debrief") == "":
                del e["debrief"]

        fields = tuple(k for k, v in (("o", outcome), ("t", title), ("d", debrief)) if v)
        self._edit(ending_id, change, f"Edit ending '{ending_id}'", ("ending", ending_id, fields))

    def set_position(self, node_id: str, x: int, y: int) -> None:
        self.move_nodes({node_id: (x, y)})

    def move_nodes(self, positions: dict[str, tuple[int, int]], text: str | None = None) -> None:
        """Cards moved to new positions (scene pixels), as one step."""
        moves = {}
        for node_id, (x, y) in positions.items():
            old = self.position(node_id)
            if old != (int(x), int(y)):
                moves[node_id] = (old, (int(x), int(y)))
        if not moves:
            return
        if text is None:
            text = f"Move '{next(iter(moves))}'" if len(moves) == 1 else f"Move {len(moves)} cards"
        self._push(_Positions(moves, text))

    def set_start(self, node_id: str) -> None:
        self._node(node_id)
        self._locate(node_id)
        self._set_top("start", node_id, f"Make '{node_id}' the start")

    # --- editing: choices

    def _choice_index(self, source: str, index: int) -> None:
        count = len(self.choices(source))
        if not 0 <= index < count:
            raise ScenarioEditError(f"node {source!r} has no choice {index + 1} (it has {count})")

    def add_choice(
        self,
        source: str,
        target: str,
        text: str = NEW_CHOICE_TEXT,
        feedback: str = NEW_FEEDBACK,
        index: int | None = None,
    ) -> int:
        """A new choice from `source` to `target` (at `index`, else last); returns its index."""
        self._node(source)
        at = len(self.choices(source)) if index is None else index

        def change(n: dict[str, Any]) -> None:
            n.setdefault("choices", []).insert(
                at, {"text": text, "target": target, "feedback": feedback}
            )

        self._edit(source, change, f"Link '{source}' → '{target}'")
        return at

    def remove_choice(self, source: str, index: int) -> None:
        self._choice_index(source, index)
        target = self.choices(source)[index]["target"]

        def change(n: dict[str, Any]) -> None:
            del n["choices"][index]
            if not n["choices"]:
                del n["choices"]

        self._edit(source, change, f"Remove the choice '{source}' → '{target}'")

    def move_choice(self, source: str, index: int, new_index: int) -> None:
        self._choice_index(source, index)
        self._choice_index(source, new_index)

        def change(n: dict[str, Any]) -> None:
            n["choices"].insert(new_index, n["choices"].pop(index))

        self._edit(source, change, f"Reorder the choices of '{source}'")

    def _set_choice(self, source: str, index: int, key: str, value: Any, text: str) -> None:
        self._choice_index(source, index)

        def change(n: dict[str, Any]) -> None:
            choice = n["choices"][index]
            if value is None or (value == {} and key not in ("text", "target", "feedback")):
                choice.pop(key, None)
            else:
                choice[key] = copy.deepcopy(value)
            n["choices"][index] = in_file_order(choice, _CHOICE_ORDER)

        self._edit(source, change, text, ("choice", source, index, key))

    def set_choice_target(self, source: str, index: int, target: str) -> None:
        self._set_choice(source, index, "target", target, f"Link '{source}' → '{target}'")

    def set_choice_text(self, source: str, index: int, text: str) -> None:
        self._set_choice(source, index, "text", text, f"Edit a choice's text in '{source}'")

    def set_choice_feedback(self, source: str, index: int, feedback: str) -> None:
        self._set_choice(
            source, index, "feedback", feedback, f"Edit a choice's feedback in '{source}'"
        )

    def set_choice_effects(self, source: str, index: int, effects: dict[str, int] | None) -> None:
        self._set_choice(
            source, index, "effects", effects, f"Edit a choice's effects in '{source}'"
        )

    def set_choice_points(self, source: str, index: int, points: dict[str, int] | None) -> None:
        self._set_choice(source, index, "points", points, f"Edit a choice's points in '{source}'")

    def set_choice_set_flags(self, source: str, index: int, flags: dict[str, bool] | None) -> None:
        self._set_choice(source, index, "set_flags", flags, f"Edit a choice's flags in '{source}'")

    def set_choice_critical(self, source: str, index: int, reason: str | None) -> None:
        self._set_choice(
            source, index, "critical", reason or None, f"Edit a choice's safety flag in '{source}'"
        )

    def set_choice_condition(
        self, source: str, index: int, condition: dict[str, Any] | None
    ) -> None:
        self._set_choice(
            source, index, "condition", condition, f"Edit a choice's condition in '{source}'"
        )

    # --- editing: the scenario's own fields

    def _set_top(self, key: str, value: Any, text: str) -> None:
        before = copy.deepcopy(self.data[key]) if key in self.data else _ABSENT
        if before is not _ABSENT and before == value:
            return
        self._push(_SetTop(key, before, copy.deepcopy(value), text))

    def set_field(self, key: str, value: Any) -> None:
        if key in ("nodes", "endings"):
            raise ScenarioEditError(f"{key} are edited node by node, not as one field")
        self._set_top(key, value, f"Edit the {key.replace('_', ' ')}")

    def set_meters(self, meters: list[dict[str, Any]]) -> None:
        self._set_top("meters", meters, "Edit the meters")

    def set_competencies(self, competencies: list[dict[str, Any]]) -> None:
        self._set_top("competencies", competencies, "Edit the competencies")

    def set_policies(self, policies: list[dict[str, Any]]) -> None:
        self._set_top("policies", policies, "Edit the policies")

    def set_pass(self, min_score: float, no_critical: bool = True) -> None:
        if not 0 <= min_score <= 1:
            raise ScenarioEditError(
                f"pass mark {min_score}: a share of the points, between 0 and 1", field="pass"
            )
        self._set_top(
            "pass", {"min_score": min_score, "no_critical": no_critical}, "Edit the pass rule"
        )
