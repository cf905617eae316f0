"""Choice analytics for trainers: how a scenario's attempts end and which choices people make.

What is counted, and why:

- **Attempts** are every attempt on the version(s), started and finished, by mode. The
  **pass rate** is over finished *assessment* attempts only: practice attempts have feedback
  after every choice and undo, so they say little about what a person knows, and an abandoned
  assessment has no result to count.
- **Choices** are the steps people kept. A step taken back with Undo (practice only) is left
  out of the shares: the attempt's path no longer contains it, and counting it would put the
  same person at the same situation twice. How often each choice was taken back is reported
  beside it (`taken_back`), because a choice people take back is worth a trainer's look too.
  Steps of unfinished attempts count: the choices were made.
- **Share of people** at a choice: of the people who made any (kept) choice at that situation,
  those who took this one at least once. A person who played twice may have chosen differently,
  so these shares can add up to more than 100%. **Share of choices** (every kept choice made
  there, each attempt counted) always adds up to 100%.
- **Few people:** below `MIN_PEOPLE` people at a situation its shares are withheld (the
  counts stay): with two people one choice swings the share by 50 points, which reads as a
  finding when it is chance. The counts are not hidden: whoever may see analytics may already
  read each person's attempts, so hiding them would protect no one.
- **All versions:** the rows are the newest version's situations and choices. A step made on
  an older version counts where the situation has the same id and the choice the same text; a
  choice whose text was reworded in place (the situation has as many choices as before, and
  the text now at that position is new) counts at that position. Steps at situations or choices the newest version no longer has are
  left out and counted in `unmatched_steps`, so the view can say so.

No names ever leave this module: analytics are about choices, not people. Reads are not written
to the audit log (nor is the CSV export): the project audits changes and the exports that carry
records or trust (backups, audit heads, status lists), and this carries neither.

Who may see them: trainers and admins (they write and fix scenarios), and managers, who already
see each person's attempts (`view_team`) and use critical-error rates to decide on refresher
training; these aggregates show them less than they may already read. Trainees may not.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from trainer.core.errors import NotFoundError, ValidationError
from trainer.core.models import (
    ContentDocument,
    ContentKind,
    ContentVersion,
    Person,
    ScenarioAttempt,
    ScenarioStep,
)
from trainer.core.scenario import Scenario
from trainer.core.services.permissions import require
from trainer.core.services.practice import ASSESSMENT, PRACTICE, parsed_scenario

MIN_PEOPLE = 5  # shares are withheld below this many people at a situation (see above)


@dataclass(frozen=True)
class VersionOption:
    """A published version for the version picker, with how many attempts it has."""

    version_id: int
    number: int
    published_at: datetime
    attempts: int


@dataclass(frozen=True)
class AttemptCount:
    mode: str  # "practice" or "assessment"
    started: int
    finished: int
    passed: int


@dataclass(frozen=True)
class EndingCount:
    ending_id: str
    title: str
    outcome: str | None
    attempts: int
    share: float  # of finished attempts


@dataclass(frozen=True)
class ChoiceShare:
    """One choice at one situation, and how many took it."""

    node_id: str
    node_text: str
    choice_index: int  # its position in the scenario file (players see choices shuffled)
    text: str
    target: str
    critical: str | None
    people: int  # distinct people who kept this choice at least once
    times: int  # kept choices, every attempt counted
    taken_back: int  # times it was chosen and then undone (practice)
    node_people: int  # distinct people who kept any choice at this situation
    node_times: int
    min_people: int

    @property
    def shown(self) -> bool:
        """Whether enough people were at this situation for its shares to mean something."""
        return self.node_people >= self.min_people

    @property
    def share(self) -> float | None:
        """Of the people at this situation, those who took this choice; None when withheld."""
        return self.people / self.node_people if self.shown else None

    @property
    def choice_share(self) -> float | None:
        """Of every choice made at this situation, this one; None when withheld."""
        return self.times / self.node_times if self.shown else None


@dataclass(frozen=True)
class CriticalError:
    node_id: str
    choice_index: int
    text: str
    message: str
    times: int
    people: int


@dataclass(frozen=True)
class ScenarioAnalytics:
    document_id: int
    key: str
    scenario: Scenario  # the version the rows are labelled by
    version_id: int | None  # None: all versions
    version_number: int | None
    versions: tuple[VersionOption, ...]  # newest first
    mode: str | None  # None: practice and assessment
    attempts: tuple[AttemptCount, ...]
    people: int  # distinct people with an attempt
    endings: tuple[EndingCount, ...]
    choices: tuple[ChoiceShare, ...]
    critical: tuple[CriticalError, ...]  # chosen at least once, most often first
    unmatched_steps: int
    min_people: int

    @property
    def started(self) -> int:
        return sum(a.started for a in self.attempts)

    @property
    def finished(self) -> int:
        return sum(a.finished for a in self.attempts)

    @property
    def assessed(self) -> int:
        return sum(a.finished for a in self.attempts if a.mode == ASSESSMENT)

    @property
    def pass_rate(self) -> float | None:
        """Passed of finished assessment attempts; None when there are none."""
        passed = sum(a.passed for a in self.attempts if a.mode == ASSESSMENT)
        return passed / self.assessed if self.assessed else None

    def shares(self) -> dict[tuple[str, int], float]:
        """{(node_id, choice_index): share of people} where shares are shown: what the story
        map draws as arrow thickness."""
        return {(c.node_id, c.choice_index): c.share for c in self.choices if c.share is not None}

    @cached_property
    def _by_place(self) -> dict[tuple[str, int], ChoiceShare]:
        return {(c.node_id, c.choice_index): c for c in self.choices}

    def shares_on(
        self, choices: Iterable[tuple[str, int, str]]
    ) -> dict[tuple[str, int], float | None]:
        """These analytics laid over another text of the scenario (a draft), for the story map:
        for each (node_id, choice_index, text) of it, the share of people, or None where too few
        people chose there. A choice is matched by node id and position only when its text is
        the same (spaces aside): a choice added, moved or reworded since would otherwise show
        another choice's share, so it gets no entry."""
        found: dict[tuple[str, int], float | None] = {}
        for node_id, index, text in choices:
            row = self._by_place.get((node_id, index))
            if row is not None and _norm(row.text) == _norm(text):
                found[(node_id, index)] = row.share
        return found


def _norm(text: str) -> str:
    return " ".join(text.split())


def _matcher(
    label: Scenario, scenarios: dict[int, Scenario], label_version: int
) -> Callable[[int, str, int], tuple[str, int] | None]:
    """(version_id, node_id, choice_index) -> the labelled version's (node_id, index), or None."""
    found: dict[tuple[int, str, int], tuple[str, int] | None] = {}

    def match(version_id: int, node_id: str, index: int) -> tuple[str, int] | None:
        key = (version_id, node_id, index)
        if key in found:
            return found[key]
        new = label.nodes.get(node_id)
        old_node = scenarios[version_id].nodes.get(node_id)
        result: tuple[str, int] | None = None
        if version_id == label_version:
            result = (node_id, index) if new is not None and index < len(new.choices) else None
        elif new is not None and old_node is not None and index < len(old_node.choices):
            texts = [_norm(c.text) for c in new.choices]
            old = _norm(old_node.choices[index].text)
            if index < len(texts) and texts[index] == old:
                result = (node_id, index)
            elif old in texts:
                result = (node_id, texts.index(old))
            elif (
                len(texts) == len(old_node.choices)
                and index < len(texts)
                and texts[index] not in {_norm(c.text) for c in old_node.choices}
            ):
                result = (node_id, index)  # reworded in place (not one removed, one added)
        found[key] = result
        return result

    return match


def scenario_analytics(
    session: Session,
    actor: Person,
    document_id: int,
    version_id: int | None = None,
    *,
    mode: str | None = None,
    min_people: int = MIN_PEOPLE,
) -> ScenarioAnalytics:
    """Analytics of one published version of a scenario (`version_id`), or of all its versions
    (None). `mode` limits them to practice or assessment attempts. Five queries, however many
    attempts there are."""
    viewer = require(session, actor, "view_team")
    doc = session.get(ContentDocument, document_id)
    if (
        doc is None
        or doc.organization_id != viewer.organization_id
        or doc.kind != ContentKind.SCENARIO
    ):
        raise NotFoundError(f"No scenario with id {document_id}.")
    if mode not in (None, PRACTICE, ASSESSMENT):
        raise ValidationError(f"Unknown mode {mode!r}: use practice or assessment.")
    published = [
        (v, n, at)
        for v, n, at in session.execute(
            select(ContentVersion.id, ContentVersion.number, ContentVersion.published_at)
            .where(ContentVersion.document_id == doc.id, ContentVersion.number.is_not(None))
            .order_by(ContentVersion.number.desc())
        )
        if n is not None and at is not None
    ]
    if not published:
        raise NotFoundError(f"Scenario {doc.key!r} has no published version yet.")
    if version_id is not None and version_id not in {v for v, _, _ in published}:
        raise NotFoundError(f"Scenario {doc.key!r} has no published version with id {version_id}.")

    attempt_filter = [ScenarioAttempt.document_id == doc.id]
    if mode is not None:
        attempt_filter.append(ScenarioAttempt.mode == mode)
    # Every version's count, for the version picker, whichever version is shown.
    per_version: dict[int, int] = dict(
        session.execute(
            select(ScenarioAttempt.version_id, func.count())
            .where(*attempt_filter)
            .group_by(ScenarioAttempt.version_id)
        ).all()
    )
    if version_id is not None:
        attempt_filter.append(ScenarioAttempt.version_id == version_id)

    finished = ScenarioAttempt.finished_at.is_not(None)
    attempt_rows = list(
        session.execute(
            select(
                ScenarioAttempt.version_id,
                ScenarioAttempt.mode,
                ScenarioAttempt.ending_id,
                ScenarioAttempt.outcome,
                func.count(),
                func.count(ScenarioAttempt.finished_at),
                func.count(case((finished & ScenarioAttempt.passed.is_(True), 1))),
            )
            .where(*attempt_filter)
            .group_by(
                ScenarioAttempt.version_id,
                ScenarioAttempt.mode,
                ScenarioAttempt.ending_id,
                ScenarioAttempt.outcome,
            )
        )
    )
    people = (
        session.scalar(
            select(func.count(func.distinct(ScenarioAttempt.person_id))).where(*attempt_filter)
        )
        or 0
    )
    step_rows = list(
        session.execute(
            select(
                ScenarioAttempt.version_id,
                ScenarioStep.node_id,
                ScenarioStep.choice_index,
                ScenarioAttempt.person_id,
                func.count(),
                func.count(ScenarioStep.undone_at),
            )
            .join(ScenarioAttempt, ScenarioAttempt.id == ScenarioStep.attempt_id)
            .where(*attempt_filter)
            .group_by(
                ScenarioAttempt.version_id,
                ScenarioStep.node_id,
                ScenarioStep.choice_index,
                ScenarioAttempt.person_id,
            )
        )
    )

    label_id = version_id if version_id is not None else published[0][0]
    needed = {label_id} | {r[0] for r in step_rows} | {r[0] for r in attempt_rows}
    bodies = dict(
        session.execute(
            select(ContentVersion.id, ContentVersion.body).where(ContentVersion.id.in_(needed))
        ).all()
    )
    scenarios = {v: parsed_scenario(body) for v, body in bodies.items()}
    label = scenarios[label_id]

    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_ending: dict[str, int] = defaultdict(int)
    outcomes: dict[str, str | None] = {}
    for _v, m, ending_id, outcome, started, done, passed in attempt_rows:
        row = counts[m]
        row[0], row[1], row[2] = row[0] + started, row[1] + done, row[2] + passed
        if ending_id is not None and done:
            by_ending[ending_id] += done
            outcomes.setdefault(ending_id, outcome)
    all_done = sum(by_ending.values())

    def ending_title(ending_id: str) -> str:
        for s in (label, *scenarios.values()):
            if ending_id in s.endings:
                return s.endings[ending_id].title
        return ending_id

    endings = tuple(
        EndingCount(e, ending_title(e), outcomes[e], n, n / all_done)
        for e, n in sorted(by_ending.items(), key=lambda item: (-item[1], item[0]))
    )

    match = _matcher(label, scenarios, label_id)
    chose: dict[tuple[str, int], set[int]] = defaultdict(set)
    at_node: dict[str, set[int]] = defaultdict(set)
    times: dict[tuple[str, int], int] = defaultdict(int)
    taken_back: dict[tuple[str, int], int] = defaultdict(int)
    unmatched = 0
    for v, node_id, index, person_id, total, undone in step_rows:
        where = match(v, node_id, index)
        kept = total - undone
        if where is None:
            unmatched += kept
            continue
        taken_back[where] += undone
        if kept:
            times[where] += kept
            chose[where].add(person_id)
            at_node[where[0]].add(person_id)
    node_times: dict[str, int] = defaultdict(int)
    for (node_id, _), n in times.items():
        node_times[node_id] += n

    choices = tuple(
        ChoiceShare(
            node.id,
            node.text,
            i,
            c.text,
            c.target,
            c.critical,
            len(chose[(node.id, i)]),
            times[(node.id, i)],
            taken_back[(node.id, i)],
            len(at_node[node.id]),
            node_times[node.id],
            min_people,
        )
        for node in label.nodes.values()
        for i, c in enumerate(node.choices)
    )
    critical = tuple(
        sorted(
            (
                CriticalError(c.node_id, c.choice_index, c.text, c.critical, c.times, c.people)
                for c in choices
                if c.critical is not None and c.times
            ),
            key=lambda e: (-e.times, -e.people, e.node_id, e.choice_index),
        )
    )
    number = next((n for v, n, _ in published if v == version_id), None)
    return ScenarioAnalytics(
        document_id=doc.id,
        key=doc.key,
        scenario=label,
        version_id=version_id,
        version_number=number,
        versions=tuple(VersionOption(v, n, at, per_version.get(v, 0)) for v, n, at in published),
        mode=mode,
        attempts=tuple(AttemptCount(m, *counts[m]) for m in (PRACTICE, ASSESSMENT) if m in counts),
        people=people,
        endings=endings,
        choices=choices,
        critical=critical,
        unmatched_steps=unmatched,
        min_people=min_people,
    )


CSV_COLUMNS = (
    "Scenario",
    "Version",
    "Attempts counted",
    "Situation id",
    "Situation",
    "Choice number in the scenario file",
    "Choice",
    "Leads to",
    "Critical safety error",
    "People who chose at this situation",
    "People who took this choice",
    "Share of people (%)",
    "Times taken",
    "Share of all choices here (%)",
    "Times taken back with Undo",
    "Note",
)
MODE_WORDS = {None: "practice and assessment", PRACTICE: "practice", ASSESSMENT: "assessment"}


def _cell(value: object) -> str:
    """Text a spreadsheet shows as text: a leading = + - @ would start a formula (CSV injection,
    https://owasp.org/www-community/attacks/CSV_Injection), so such text gets a leading '."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _percent(share: float | None) -> str:
    return "" if share is None else str(round(share * 100))


def analytics_csv(a: ScenarioAnalytics) -> str:
    """One row per situation and choice, with a header row; no names. Starts with a byte order
    mark so that Excel reads the UTF-8 (curly quotes, accents) right."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    version = "all versions" if a.version_number is None else str(a.version_number)
    for c in a.choices:
        note = "" if c.shown else f"Shares hidden: fewer than {a.min_people} people chose here."
        writer.writerow(
            [
                _cell(v)
                for v in (
                    a.scenario.title,
                    version,
                    MODE_WORDS[a.mode],
                    c.node_id,
                    _norm(c.node_text),
                    c.choice_index + 1,
                    c.text,
                    c.target,
                    c.critical,
                    c.node_people,
                    c.people,
                    _percent(c.share),
                    c.times,
                    _percent(c.choice_share),
                    c.taken_back,
                    note,
                )
            ]
        )
    return out.getvalue()


def export_csv(
    session: Session,
    actor: Person,
    document_id: int,
    version_id: int | None = None,
    *,
    mode: str | None = None,
    min_people: int = MIN_PEOPLE,
) -> str:
    """The choice table as CSV text (see `analytics_csv`), for whoever may see the analytics."""
    return analytics_csv(
        scenario_analytics(
            session, actor, document_id, version_id, mode=mode, min_people=min_people
        )
    )
