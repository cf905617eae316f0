"""What changed between two versions of a document, in a trainer's words: nodes, choices, endings
and scoring for a scenario; changed lines under their section heading for anything else."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from trainer.core.library import with_module_version
from trainer.core.scenario import Choice, Condition, Ending, Meter, Node, Scenario, parse_scenario

# A run of words: (text, changed). An excerpt is a few runs, with "…" standing for words left out.
Run = tuple[str, bool]
T = TypeVar("T")

SCENARIO_GROUP = "Scenario"
SCORING_GROUP = "Meters, competencies and pass rule"


@dataclass(frozen=True)
class Change:
    group: str  # where it is: "Scenario", "Node 'hallway'", "Ending 'calm'", or a section heading
    description: str  # one line that says it all
    before: tuple[Run, ...] = ()  # an excerpt of the old text, changed words marked
    after: tuple[Run, ...] = ()

    @property
    def before_text(self) -> str:
        return "".join(text for text, _ in self.before)

    @property
    def after_text(self) -> str:
        return "".join(text for text, _ in self.after)


@dataclass(frozen=True)
class DocumentDiff:
    changes: tuple[Change, ...]
    note: str | None = None  # why this is a line diff, when it is one

    @property
    def summary(self) -> str:
        n = len(self.changes)
        return "No changes" if n == 0 else f"{n} change{'s' if n != 1 else ''}"

    def groups(self) -> list[tuple[str, list[Change]]]:
        """The changes by where they are, in the order each place first appears."""
        grouped: dict[str, list[Change]] = {}
        for change in self.changes:
            grouped.setdefault(change.group, []).append(change)
        return list(grouped.items())


def diff_documents(kind: str, old: str, new: str) -> DocumentDiff:
    """The one entry point: a scenario is compared by its meaning, any other kind by its lines."""
    if kind == "scenario":
        return diff_scenarios(old, new)
    if kind == "module":  # publishing writes the version number into the text; not an edit
        old, new = with_module_version(old, 0), with_module_version(new, 0)
    return DocumentDiff(line_changes(old, new))


def diff_scenarios(old: str, new: str) -> DocumentDiff:
    if old == new:
        return DocumentDiff(())
    a, a_problems = parse_scenario(old)
    b, b_problems = parse_scenario(new)
    if a is None or b is None:
        unreadable = []
        for name, scenario, problems in (("older", a, a_problems), ("newer", b, b_problems)):
            if scenario is None:
                first = (
                    f"line {problems[0].line or 1}: {problems[0].message}"
                    if problems
                    else "it could not be read"
                )
                unreadable.append(f"the {name} version cannot be read as a scenario ({first})")
        note = "; ".join(unreadable) + ". Showing the lines that changed instead."
        note = note[0].upper() + note[1:]
        return DocumentDiff(line_changes(old, new), note)
    return DocumentDiff(tuple(_ScenarioComparison(a, b).changes()))


# --- scenarios ---------------------------------------------------------------------------------


def _q(key: str) -> str:
    return f"'{key}'"


def _signed(n: float) -> str:
    return f"{n:+g}"


def _short(text: str, words: int = 8) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _condition_words(c: Condition | None) -> str:
    if c is None:
        return "always offered"
    parts: list[str] = []
    for key, low, high in c.meters:
        if low is not None and high is not None:
            parts.append(f"{key} between {low} and {high}")
        elif low is not None:
            parts.append(f"{key} at least {low}")
        elif high is not None:
            parts.append(f"{key} at most {high}")
    parts += [f"flag {k} {'set' if v else 'not set'}" for k, v in c.flags]
    parts += [f"policy {k} {'on' if v else 'off'}" for k, v in c.policy]
    return "offered only when " + " and ".join(parts) if parts else "always offered"


class _ScenarioComparison:
    def __init__(self, a: Scenario, b: Scenario) -> None:
        self.a, self.b = a, b
        self.out: list[Change] = []
        self.renamed: dict[str, str] = {}  # old id -> new id

    def add(self, group: str, description: str, old: str = "", new: str = "") -> None:
        if old and new:
            before, after = word_excerpt(old, new)
        else:  # a whole text added or removed: nothing in it is marked as the change
            old, new = old.strip(), new.strip()
            before, after = ((old, False),) if old else (), ((new, False),) if new else ()
        self.out.append(Change(group, f"{group}: {description}", before, after))

    def changes(self) -> list[Change]:
        a, b = self.a, self.b
        self._renames(a.nodes, b.nodes, _same_node)
        self._renames(a.endings, b.endings, _same_ending)
        self._header()
        self._scoring()
        self._nodes()
        self._endings()
        return self.out

    def _renames(
        self, old: Mapping[str, T], new: Mapping[str, T], same: Callable[[T, T], bool]
    ) -> None:
        gone = [k for k in old if k not in new]
        added = [k for k in new if k not in old]
        for key in gone:
            match = next((k for k in added if same(old[key], new[k])), None)
            if match is not None:
                self.renamed[key] = match
                added.remove(match)

    def _target(self, key: str) -> str:
        return self.renamed.get(key, key)

    def _header(self) -> None:
        a, b, g = self.a, self.b, SCENARIO_GROUP
        for label, x, y in (
            ("title", a.title, b.title),
            ("summary", a.summary, b.summary),
        ):
            if x != y:
                self.add(g, f"{label} changed", x, y)
        for label, x2, y2 in (
            ("role", a.role, b.role),
            ("estimated minutes", a.estimated_minutes, b.estimated_minutes),
            ("the scenario's own version number", a.version, b.version),
        ):
            if x2 != y2:
                self.add(g, f"{label} {x2} → {y2}")
        if self._target(a.start) != b.start:
            self.add(g, f"now starts at {_q(b.start)} (was {_q(a.start)})")
        for text in _removed(a.objectives, b.objectives):
            self.add(g, f"objective removed: “{text}”")
        for text in _removed(b.objectives, a.objectives):
            self.add(g, f"objective added: “{text}”")
        if tuple(map(self._target, a.expert_path)) != b.expert_path:
            self.add(
                g,
                f"expert path is now {' → '.join(b.expert_path) or 'none'} "
                f"(was {' → '.join(a.expert_path) or 'none'})",
            )
        a_src, b_src = {s[0]: s for s in a.sources}, {s[0]: s for s in b.sources}
        for key in a_src.keys() - b_src.keys():
            self.add(g, f"source {key} removed")
        for key in sorted(b_src.keys() - a_src.keys()):
            self.add(g, f"source {key} added: {b_src[key][1]}")
        for key in sorted(a_src.keys() & b_src.keys()):
            if a_src[key] != b_src[key]:
                self.add(
                    g,
                    f"source {key} changed",
                    " ".join(map(str, a_src[key][1:])),
                    " ".join(map(str, b_src[key][1:])),
                )

    def _scoring(self) -> None:
        a, b, g = self.a, self.b, SCORING_GROUP
        if a.min_score != b.min_score:
            self.add(g, f"pass mark {a.min_score:.0%} → {b.min_score:.0%}")
        if a.no_critical != b.no_critical:
            self.add(
                g,
                "a critical-safety error now fails the scenario"
                if b.no_critical
                else "a critical-safety error no longer fails the scenario by itself",
            )
        a_m, b_m = {m.key: m for m in a.meters}, {m.key: m for m in b.meters}
        for key in a_m.keys() - b_m.keys():
            self.add(g, f"meter {key} removed")
        for m in b.meters:
            if m.key not in a_m:
                self.add(g, f"meter {m.key} added: {_meter_words(m)}")
            elif a_m[m.key] != m:
                self.add(
                    g, f"meter {m.key} is now {_meter_words(m)} (was {_meter_words(a_m[m.key])})"
                )
        a_c, b_c = dict(a.competencies), dict(b.competencies)
        for key in a_c.keys() - b_c.keys():
            self.add(g, f"competency {key} removed")
        for key, label in b.competencies:
            if key not in a_c:
                self.add(g, f"competency {key} added: {label}")
            elif a_c[key] != label:
                self.add(g, f"competency {key} is now called “{label}” (was “{a_c[key]}”)")
        a_p, b_p = {p.key: p for p in a.policies}, {p.key: p for p in b.policies}
        for key in a_p.keys() - b_p.keys():
            self.add(g, f"policy {key} removed")
        for p in b.policies:
            old = a_p.get(p.key)
            if old is None:
                self.add(g, f"policy {p.key} added: “{p.question}” (default {_onoff(p.default)})")
                continue
            if old.question != p.question:
                self.add(g, f"policy {p.key} question changed", old.question, p.question)
            if old.default != p.default:
                self.add(g, f"policy {p.key} default {_onoff(old.default)} → {_onoff(p.default)}")

    def _nodes(self) -> None:
        a, b = self.a, self.b
        for old_id, new_id in self.renamed.items():
            if old_id in a.nodes:
                self.add(f"Node {_q(new_id)}", f"renamed from {_q(old_id)}")
        for node in b.nodes.values():
            old_id = next((k for k, v in self.renamed.items() if v == node.id), node.id)
            if old_id in a.nodes:
                self._node(a.nodes[old_id], node)
            elif node.id in a.endings:
                self.add(f"Node {_q(node.id)}", "was an ending, now a node with choices")
            else:
                self.add(
                    f"Node {_q(node.id)}",
                    f"added, with {_count(len(node.choices), 'choice')}",
                    "",
                    node.text,
                )
        for node in a.nodes.values():
            if node.id not in b.nodes and node.id not in self.renamed and node.id not in b.endings:
                self.add(f"Node {_q(node.id)}", "removed", node.text, "")

    def _node(self, old: Node, new: Node) -> None:
        g = f"Node {_q(new.id)}"
        if old.text != new.text:
            self.add(g, "text changed", old.text, new.text)
        if old.speaker != new.speaker:
            self.add(g, f"speaker is now {new.speaker or 'nobody'} (was {old.speaker or 'nobody'})")
        pairs, removed, added = _match_choices(old.choices, new.choices)
        if [i for i, _ in pairs] != sorted(i for i, _ in pairs):
            self.add(g, "choices are in a new order")
        for i, j in pairs:
            self._choice(g, j + 1, old.choices[i], new.choices[j])
        for i in removed:
            c = old.choices[i]
            self.add(g, f"choice {i + 1} removed (it led to {_q(c.target)})", c.text, "")
        for j in added:
            c = new.choices[j]
            self.add(g, f"choice {j + 1} added, leading to {_q(c.target)}", "", c.text)

    def _choice(self, g: str, n: int, old: Choice, new: Choice) -> None:
        name = f"choice {n} (“{_short(new.text, 6)}”)"
        if old.text != new.text:
            self.add(g, f"choice {n} text changed", old.text, new.text)
        if self._target(old.target) != new.target:
            self.add(g, f"{name} now leads to {_q(new.target)} (was {_q(old.target)})")
        if old.feedback != new.feedback:
            self.add(g, f"{name} feedback changed", old.feedback, new.feedback)
        for words in _number_changes(old.effects, new.effects, "effect on"):
            self.add(g, f"{name} {words}")
        for words in _number_changes(old.points, new.points, "points for"):
            self.add(g, f"{name} {words}")
        a_f, b_f = dict(old.set_flags), dict(new.set_flags)
        for key in sorted(a_f.keys() | b_f.keys()):
            if a_f.get(key) != b_f.get(key):
                was = "nothing" if key not in a_f else _setflag(a_f[key])
                now = "nothing" if key not in b_f else _setflag(b_f[key])
                self.add(g, f"{name} flag {key}: {now} (was {was})")
        if old.critical != new.critical:
            if new.critical is None:
                self.add(g, f"{name} is no longer a critical-safety error", old.critical or "", "")
            elif old.critical is None:
                self.add(g, f"{name} is now a critical-safety error", "", new.critical)
            else:
                self.add(g, f"{name} critical-safety reason changed", old.critical, new.critical)
        if old.condition != new.condition:
            self.add(
                g,
                f"{name} is now {_condition_words(new.condition)} "
                f"(was {_condition_words(old.condition)})",
            )

    def _endings(self) -> None:
        a, b = self.a, self.b
        for old_id, new_id in self.renamed.items():
            if old_id in a.endings:
                self.add(f"Ending {_q(new_id)}", f"renamed from {_q(old_id)}")
        for ending in b.endings.values():
            g = f"Ending {_q(ending.id)}"
            old_id = next((k for k, v in self.renamed.items() if v == ending.id), ending.id)
            old = a.endings.get(old_id)
            if old is None:
                if ending.id in a.nodes:
                    self.add(g, f"was a node, now a {ending.outcome} ending “{ending.title}”")
                else:
                    self.add(g, f"added: {ending.outcome}, “{ending.title}”", "", ending.debrief)
                continue
            if old.outcome != ending.outcome:
                self.add(g, f"outcome {old.outcome} → {ending.outcome}")
            if old.title != ending.title:
                self.add(g, f"title is now “{ending.title}” (was “{old.title}”)")
            if old.debrief != ending.debrief:
                self.add(g, "debrief changed", old.debrief, ending.debrief)
        for ending in a.endings.values():
            if (
                ending.id not in b.endings
                and ending.id not in self.renamed
                and ending.id not in b.nodes
            ):
                self.add(
                    f"Ending {_q(ending.id)}", f"removed (“{ending.title}”)", ending.debrief, ""
                )


def _same_node(a: Node, b: Node) -> bool:
    """A renamed node: the same text and the same choices, or (a text of some length, so not a
    coincidence) the same text and most of the same choices, the others edited in passing."""
    if a.text != b.text:
        return False
    old, new = [c.text for c in a.choices], [c.text for c in b.choices]
    if old == new:
        return True
    kept = sum(1 for text in new if text in old)
    return len(a.text.split()) >= 5 and kept * 2 >= max(len(old), len(new)) > 0


def _same_ending(a: Ending, b: Ending) -> bool:
    return (a.outcome, a.title, a.debrief) == (b.outcome, b.title, b.debrief)


def _match_choices(
    old: Sequence[Choice], new: Sequence[Choice]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pairs (old index, new index) of the same choice, then the old ones removed and the new ones
    added. The same text is the same choice wherever it moved; otherwise the most alike text, with
    a nudge for the same place and the same target, if alike enough."""
    pairs: list[tuple[int, int]] = []
    free_old = list(range(len(old)))
    free_new = []
    for j, c in enumerate(new):
        i = next((i for i in free_old if old[i].text == c.text), None)
        if i is None:
            free_new.append(j)
        else:
            pairs.append((i, j))
            free_old.remove(i)
    for j in list(free_new):
        scored = [
            (
                difflib.SequenceMatcher(None, old[i].text.split(), new[j].text.split()).ratio()
                + (0.3 if i == j else 0)
                + (0.2 if old[i].target == new[j].target else 0),
                i,
            )
            for i in free_old
        ]
        if scored and max(scored)[0] >= 0.6:
            i = max(scored)[1]
            pairs.append((i, j))
            free_old.remove(i)
            free_new.remove(j)
    pairs.sort(key=lambda p: p[1])
    return pairs, free_old, free_new


def _number_changes(
    old: Iterable[tuple[str, int]], new: Iterable[tuple[str, int]], what: str
) -> list[str]:
    a, b = dict(old), dict(new)
    out = []
    for key in [*a, *(k for k in b if k not in a)]:
        if a.get(key) != b.get(key):
            was = _signed(a[key]) if key in a else "none"
            now = _signed(b[key]) if key in b else "none"
            out.append(f"{what} {key} {was} → {now}")
    return out


def _removed(old: Iterable[str], new: Iterable[str]) -> list[str]:
    kept = set(new)
    return [x for x in old if x not in kept]


def _meter_words(m: Meter) -> str:
    better = "higher is better" if m.higher_is_better else "lower is better"
    return f"“{m.label}”, {m.min}..{m.max}, starting at {m.initial}, {better}"


def _onoff(value: bool) -> str:
    return "on" if value else "off"


def _setflag(value: bool) -> str:
    return "sets it" if value else "clears it"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# --- words and lines ---------------------------------------------------------------------------


def word_excerpt(old: str, new: str, context: int = 6) -> tuple[tuple[Run, ...], tuple[Run, ...]]:
    """Before and after excerpts of a changed text: the changed words marked, with `context` words
    of unchanged text around each change and "…" for the rest."""
    a, b = old.split(), new.split()
    before: list[Run] = []
    after: list[Run] = []
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for n, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            words = a[i1:i2]
            first, last = n == 0, n == len(opcodes) - 1
            if first and len(words) > context:
                kept = "… " + " ".join(words[-context:])
            elif last and len(words) > context:
                kept = " ".join(words[:context]) + " …"
            elif not first and not last and len(words) > 2 * context:
                kept = " ".join(words[:context]) + " … " + " ".join(words[-context:])
            else:
                kept = " ".join(words)
            before.append((kept, False))
            after.append((kept, False))
        else:
            if i2 > i1:
                before.append((" ".join(a[i1:i2]), True))
            if j2 > j1:
                after.append((" ".join(b[j1:j2]), True))
    return _spaced(before), _spaced(after)


def _spaced(runs: list[Run]) -> tuple[Run, ...]:
    out: list[Run] = []
    for i, (text, changed) in enumerate(runs):
        out.append((text if i == 0 else " " + text, changed))
    return tuple(out)


HEADING_RE = re.compile(r"^(#{1,6}\s+\S.*|[A-Za-z_][\w-]*\s*:.*)$")


def _heading(line: str) -> str:
    text = line.strip().lstrip("#").strip()
    return text.split(":", 1)[0].strip() if not line.startswith("#") else text


def line_changes(old: str, new: str) -> tuple[Change, ...]:
    """Changed lines, each group under the nearest heading above it (a Markdown `#` heading or a
    top-level YAML key), for documents compared as text."""
    a, b = old.splitlines(), new.splitlines()
    heading_at: list[str] = []
    current = "Beginning of the document"
    for line in b:
        if HEADING_RE.match(line):
            current = f"Section “{_heading(line)}”"
        heading_at.append(current)
    old_heading_at: list[str] = []
    current = "Beginning of the document"
    for line in a:
        if HEADING_RE.match(line):
            current = f"Section “{_heading(line)}”"
        old_heading_at.append(current)
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        # Added or changed lines are under the new text's heading, removed ones under the old's.
        group = heading_at[j1] if j2 > j1 else old_heading_at[i1]
        if tag == "insert":
            what = f"{_count(j2 - j1, 'line')} added at line {j1 + 1}"
        elif tag == "delete":
            what = f"{_count(i2 - i1, 'line')} removed (old line {i1 + 1})"
        else:
            where = f"line {j1 + 1}" if j2 - j1 == 1 else f"lines {j1 + 1}–{j2}"
            what = f"{where} changed"
        out.append(
            Change(
                group,
                f"{group}: {what}",
                (("\n".join(a[i1:i2]), True),) if i2 > i1 else (),
                (("\n".join(b[j1:j2]), True),) if j2 > j1 else (),
            )
        )
    return tuple(out)
