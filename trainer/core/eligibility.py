"""Eligibility rules for credentials: what a person has done (a Record), where each credential
they hold stands, and the checklist for issuing or renewing a program. Pure: no session, no
Qt; services load the record and call these."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from trainer.core.dates import add_months, long_date, short_date
from trainer.core.program import (
    SETTING_LABELS,
    ObservedRequirement,
    Program,
    ScenarioRequirement,
    TrainingHoursRequirement,
    activity_label,
)

WARN_DAYS = 60
KIND_LABELS = {
    "hours": "Field hours",
    "span": "Field hours",
    "training": "Training hours",
    "observed": "Observed",
    "policies": "Policies",
}


# --- what a person has done ------------------------------------------------------------------


@dataclass(frozen=True)
class ModulePass:
    at: datetime
    version: int
    score: float
    credit_hours: float = 0.0


@dataclass(frozen=True)
class Observed:
    """One competency rated in one observation by a trainer (never the person themself)."""

    rubric: str
    competency: str
    level: int  # 1-4
    setting: str
    observed_on: date
    observer: str
    competency_label: str = ""
    level_text: str = ""  # the rubric's words for this level
    comment: str = ""  # the observer's comment on this competency
    notes: str = ""  # the observer's notes on the whole observation


@dataclass(frozen=True)
class Attended:
    """A live training session the person attended."""

    held_on: date
    minutes: int
    delivery: str  # "in-person" or "live-online"
    topic: str
    facilitator: str


@dataclass(frozen=True)
class ScenarioPass:
    attempt_id: int
    at: datetime
    version: int
    score: float


@dataclass(frozen=True)
class Hours:
    worked_on: date
    activity: str
    minutes: int
    reviewer: str


class StatusEvent(Protocol):
    """A revocation, suspension or reinstatement (core.models.CredentialStatusEvent)."""

    @property
    def action(self) -> str: ...

    @property
    def at(self) -> datetime: ...

    @property
    def reason(self) -> str: ...


def standing(events: Iterable[StatusEvent]) -> tuple[StatusEvent | None, StatusEvent | None]:
    """(revocation, suspension in force) from a credential's status events, oldest first."""
    found = list(events)
    revoked = next((e for e in found if e.action == "revoke"), None)
    suspension = [e for e in found if e.action in ("suspend", "reinstate")]
    suspended = suspension[-1] if suspension and suspension[-1].action == "suspend" else None
    return revoked, suspended


@dataclass(frozen=True)
class Held:
    """A credential as its holder's record sees it now."""

    id: int
    uuid: str
    code: str
    holder_id: int
    holder_name: str
    program_key: str
    title: str
    tier: str
    issued_at: datetime
    valid_until: datetime | None
    renews_id: int | None
    revoked: StatusEvent | None
    suspended: StatusEvent | None
    renewed_by: int | None = None
    series: int = 1  # 1 for the person's first credential of the program, then 2, 3...

    def state(self, now: datetime) -> str:
        if self.revoked is not None:
            return "revoked"
        if self.suspended is not None:
            return "suspended"
        if self.valid_until is not None and now >= self.valid_until:
            return "expired"
        if self.valid_until is not None and now >= self.valid_until - timedelta(days=WARN_DAYS):
            return "expiring"
        return "valid"

    def current(self, now: datetime) -> bool:
        return self.state(now) in ("valid", "expiring")

    def state_label(self, now: datetime) -> str:
        state = self.state(now)
        if state == "revoked" and self.revoked is not None:
            return f"Revoked on {short_date(self.revoked.at)}: {self.revoked.reason}"
        if state == "suspended" and self.suspended is not None:
            return f"Suspended on {short_date(self.suspended.at)}: {self.suspended.reason}"
        renewed = " (renewed)" if self.renewed_by else ""
        if self.valid_until is None:
            return "Valid, does not expire"
        if state == "expired":
            return f"Expired on {short_date(self.valid_until)}{renewed}"
        if state == "expiring":
            days = (self.valid_until - now).days
            return f"Expires in {days} days, on {short_date(self.valid_until)}{renewed}"
        return f"Valid until {short_date(self.valid_until)}"


@dataclass
class Record:
    """Everything eligibility needs to know about one person, loaded in bulk."""

    modules: dict[str, list[ModulePass]] = field(default_factory=lambda: defaultdict(list))
    scenarios: dict[str, list[ScenarioPass]] = field(default_factory=lambda: defaultdict(list))
    hours: list[Hours] = field(default_factory=list)
    credentials: list[Held] = field(default_factory=list)  # newest first
    observations: list[Observed] = field(default_factory=list)
    sessions: list[Attended] = field(default_factory=list)
    policies_acknowledged_at: datetime | None = None  # of the policies as they read now

    def latest(self, program_key: str) -> Held | None:
        """The person's newest credential of a program: the one every new issue follows."""
        return next((c for c in self.credentials if c.program_key == program_key), None)


# --- checklists --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """One line of a checklist: what is asked, whether it is met, and the evidence as fields
    (rendered into words by `evidence`, never parsed back)."""

    kind: str  # "module", "scenario", "hours", "credential"
    subject: str  # the module, scenario, activity or credential it is about
    met: bool
    evidence: str  # the same facts in words, or what is still missing
    hours: float | None = None  # signed-off hours counted (hours requirements only)
    need: str = ""  # the threshold, e.g. "≥ 80%" or "40 h"
    at: datetime | None = None  # when the evidence was made (pass, attempt)
    score: float | None = None  # 0..1
    version: int | None = None  # content version studied
    attempt_id: int | None = None
    reviewers: tuple[str, ...] = ()  # who signed off the hours

    @property
    def label(self) -> str:
        kind = KIND_LABELS.get(self.kind, self.kind.capitalize())
        return f"{kind}: {self.subject}" + (f" ({self.need})" if self.need else "")

    def as_json(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__}
        data["at"] = self.at.isoformat() if self.at else None
        data["reviewers"] = list(self.reviewers)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Requirement:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if isinstance(known.get("at"), str):
            known["at"] = datetime.fromisoformat(known["at"])
        known["reviewers"] = tuple(known.get("reviewers") or ())
        return cls(**known)


@dataclass(frozen=True)
class Checklist:
    person_id: int
    person_name: str
    program_key: str
    title: str
    tier: str
    items: tuple[Requirement, ...]
    renewal_of: Held | None = None  # this checklist renews that credential
    held: Held | None = None  # a credential of this program that blocks a new one
    blocked: str | None = None  # why no new credential may be issued now, in words

    @property
    def eligible(self) -> bool:
        return self.blocked is None and all(item.met for item in self.items)

    @property
    def left(self) -> list[Requirement]:
        return [item for item in self.items if not item.met]

    @property
    def summary(self) -> str:
        if self.blocked is not None:
            return self.blocked
        left = len(self.left)
        if left == 0:
            return "Eligible for renewal" if self.renewal_of else "Eligible"
        return f"{left} of {len(self.items)} requirements left"


def _pct(value: float) -> str:
    return f"{round(value * 100)}%"


Titles = dict[tuple[str, str], str]  # (content kind, key) -> title


def _module_items(
    keys: Iterable[str], record: Record, titles: Titles, since: datetime | None
) -> list[Requirement]:
    items = []
    for key in keys:
        label = titles.get(("module", key), key)
        passes = [p for p in record.modules.get(key, []) if since is None or p.at >= since]
        if passes:
            best = min(passes, key=lambda p: p.at)
            evidence = f"Knowledge check passed on {long_date(best.at)} with {_pct(best.score)}"
            items.append(
                Requirement(
                    "module",
                    label,
                    True,
                    evidence,
                    at=best.at,
                    score=best.score,
                    version=best.version,
                )
            )
        else:
            what = (
                "Refresher check not passed since the credential was issued"
                if since
                else "Knowledge check not passed yet"
            )
            items.append(Requirement("module", label, False, what))
    return items


def _scenario_items(
    reqs: Iterable[ScenarioRequirement], record: Record, titles: Titles, since: datetime | None
) -> list[Requirement]:
    items = []
    for req in reqs:
        label = titles.get(("scenario", req.id), req.id)
        need = f"≥ {req.min_score}%"
        tried = record.scenarios.get(req.id, [])
        passes = [
            p
            for p in tried
            # 79.5% is not 80% or more, though it rounds to it
            if p.score * 100 + 1e-9 >= req.min_score and (since is None or p.at >= since)
        ]
        if passes:
            best = max(passes, key=lambda p: p.score)
            evidence = (
                f"Passed in assessment mode on {long_date(best.at)} with {_pct(best.score)}, "
                "no critical-safety error"
            )
            items.append(
                Requirement(
                    "scenario",
                    label,
                    True,
                    evidence,
                    need=need,
                    at=best.at,
                    score=best.score,
                    version=best.version,
                    attempt_id=best.attempt_id,
                )
            )
        else:
            best_text = (
                f"; best passing attempt {_pct(max(p.score for p in tried))}" if tried else ""
            )
            items.append(
                Requirement(
                    "scenario",
                    label,
                    False,
                    f"No assessment passed at {req.min_score}% or more"
                    f"{' since issue' if since else ''}{best_text}",
                    need=need,
                )
            )
    return items


def _hours_item(label: str, needed: float, hours: list[Hours]) -> Requirement:
    total = sum(h.minutes for h in hours) / 60
    reviewers = tuple(sorted({h.reviewer for h in hours if h.reviewer}))
    signed = f"; signed off by {', '.join(reviewers)}" if reviewers else ""
    return Requirement(
        "hours",
        label,
        total >= needed - 1e-9,
        f"{total:g} of {needed:g} h signed off in {len(hours)} entries{signed}",
        hours=total,
        need=f"{needed:g} h",
        reviewers=reviewers,
    )


def _span_item(months: int, hours: list[Hours]) -> Requirement:
    need = f"≥ {months} month{'s' if months != 1 else ''}"
    if not hours:
        return Requirement(
            "span", "span of supervised work", False, "No signed-off hours yet", need=need
        )
    first = min(h.worked_on for h in hours)
    last = max(h.worked_on for h in hours)
    # The work itself must be spread out, not just its first and last dates: every month from
    # the first entry on holds signed-off hours (one backdated entry is not three months).
    start = datetime.combine(first, time.min)
    bounds = [add_months(start, i).date() for i in range(months + 1)]
    empty = [
        i + 1
        for i in range(months)
        if not any(bounds[i] <= h.worked_on < bounds[i + 1] for h in hours)
    ]
    long_enough = bounds[-1] <= last
    met = long_enough and not empty
    why = ""
    if not long_enough:
        why = f"; they must span at least {months} months"
    elif empty:
        why = f"; month {empty[0]} of the {months} has no signed-off hours"
    return Requirement(
        "span",
        "span of supervised work",
        met,
        f"Signed-off field hours from {long_date(first)} to {long_date(last)}{why}",
        need=need,
    )


def _training_item(
    req: TrainingHoursRequirement, sessions: list[Attended], modules: list[tuple[str, float]]
) -> Requirement:
    """Training hours from live sessions attended and the credit hours of modules passed."""
    in_person = [a for a in sessions if a.delivery == "in-person"]
    online = [a for a in sessions if a.delivery != "in-person"]
    person_h = sum(a.minutes for a in in_person) / 60
    online_h = sum(a.minutes for a in online) / 60
    module_h = sum(h for _, h in modules)
    total = person_h + online_h + module_h
    parts = []
    if in_person:
        parts.append(f"{person_h:g} h in person in {_count(len(in_person), 'session')}")
    if online:
        parts.append(f"{online_h:g} h live online in {_count(len(online), 'session')}")
    if modules:
        parts.append(f"{module_h:g} h of self-paced study in {_count(len(modules), 'module')}")
    need = f"{req.total:g} h" + (f", {req.in_person:g} h in person" if req.in_person else "")
    met = total >= req.total - 1e-9 and person_h >= req.in_person - 1e-9
    evidence = f"{total:g} h: " + "; ".join(parts) if parts else "No training hours recorded yet"
    return Requirement("training", "sessions and modules", met, evidence, hours=total, need=need)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _observed_item(
    req: ObservedRequirement, observations: list[Observed], titles: Titles
) -> Requirement:
    label = titles.get(("competency", f"{req.rubric}/{req.competency}"), req.competency)
    where = f" in {SETTING_LABELS[req.setting].lower()}" if req.setting else ""
    need = f"level ≥ {req.level} of 4{where}"
    matching = [
        o
        for o in observations
        if o.rubric == req.rubric
        and o.competency == req.competency
        and (req.setting is None or o.setting == req.setting)
    ]
    good = [o for o in matching if o.level >= req.level]
    if good:
        best = max(good, key=lambda o: (o.level, o.observed_on))
        described = (
            f" The rubric describes that level as: {best.level_text}" if best.level_text else ""
        )
        said = " ".join(t.strip() for t in (best.comment, best.notes) if t.strip())
        observer_said = f" Observer's notes: {said}" if said else ""
        return Requirement(
            "observed",
            label,
            True,
            f"Level {best.level} of 4 in a {SETTING_LABELS.get(best.setting, best.setting).lower()} "
            f"on {long_date(best.observed_on)}, rated by {best.observer}.{described}{observer_said}",
            need=need,
            at=datetime.combine(best.observed_on, time.min, tzinfo=UTC),
            reviewers=(best.observer,),
        )
    highest = max((o.level for o in matching), default=None)
    return Requirement(
        "observed",
        label,
        False,
        f"Not yet observed at level {req.level}{'; highest so far ' + str(highest) if highest else ''}",
        need=need,
    )


def _policies_item(record: Record) -> Requirement:
    at = record.policies_acknowledged_at
    return Requirement(
        "policies",
        "signed acknowledgment",
        at is not None,
        f"Signed on {long_date(at)}" if at else "Not signed since the policies last changed",
        at=at,
    )


@dataclass(frozen=True)
class Person:
    """Who a checklist is for."""

    id: int
    name: str


def requirements_checklist(
    program: Program, person: Person, record: Record, titles: Titles, now: datetime
) -> Checklist:
    """The program's own requirements, as for a first credential."""
    req = program.requirements
    items = _module_items(req.modules, record, titles, None)
    items += _scenario_items(req.scenarios, record, titles, None)
    if req.training_hours is not None:
        credits = [
            (key, passes[0].credit_hours)
            for key, passes in record.modules.items()
            if passes and passes[0].credit_hours
        ]
        items.append(_training_item(req.training_hours, record.sessions, credits))
    for hours_req in req.field_hours:
        matching = [h for h in record.hours if hours_req.activity in ("any", h.activity)]
        items.append(_hours_item(activity_label(hours_req.activity), hours_req.hours, matching))
    if req.field_hours_span_months:
        counted = [
            h
            for h in record.hours
            if any(r.activity in ("any", h.activity) for r in req.field_hours)
        ]
        items.append(_span_item(req.field_hours_span_months, counted))
    for observed in req.observed:
        items.append(_observed_item(observed, record.observations, titles))
    if req.policies_acknowledged:
        items.append(_policies_item(record))
    for key in req.credentials:
        label = titles.get(("program", key), key)
        current = [c for c in record.credentials if c.program_key == key and c.current(now)]
        items.append(
            Requirement(
                "credential",
                label,
                bool(current),
                f"Holds {current[0].code} ({current[0].state_label(now)})"
                if current
                else "Not held, or not current (expired, suspended or revoked)",
            )
        )
    return _checklist(program, person, tuple(items))


def renewal_checklist(
    program: Program, person: Person, old: Held, record: Record, titles: Titles
) -> Checklist:
    """What renewing `old` needs: the program's renewal requirements, met since it was issued."""
    renewal = program.renewal
    if renewal is None:
        return _checklist(
            program,
            person,
            (),
            renewal_of=old,
            blocked=f"{program.title} does not expire, so it is never renewed",
        )
    since = old.issued_at
    items = _module_items(renewal.modules, record, titles, since)
    items += _scenario_items(renewal.scenarios, record, titles, since)
    if renewal.continuing_education_hours:
        ce = [
            h
            for h in record.hours
            if h.activity == "continuing-education" and h.worked_on >= since.date()
        ]
        # Live training sessions attended after the day of issue count as continuing education
        # too (those on that day were part of the evidence for the credential itself). A
        # session also logged as continuing education that day counts once: on a day with
        # both, the larger of the two.
        logged = {h.worked_on: h for h in ce}
        for a in record.sessions:
            if a.held_on <= since.date():
                continue
            same_day = logged.get(a.held_on)
            if same_day is not None and same_day.minutes >= a.minutes:
                continue
            if same_day is not None:
                ce.remove(same_day)
            ce.append(Hours(a.held_on, "continuing-education", a.minutes, a.facilitator))
        items.append(
            _hours_item(
                f"Continuing education since {short_date(since)}",
                renewal.continuing_education_hours,
                ce,
            )
        )
    return _checklist(program, person, tuple(items), renewal_of=old)


def checklist(
    program: Program, person: Person, record: Record, titles: Titles, now: datetime
) -> Checklist:
    """The checklist for the person's next credential of `program`, whichever screen or command
    asks. The newest credential they hold of it decides which rules apply:

    * none: the program's requirements;
    * valid and not yet in its renewal window, or suspended: blocked (one current credential
      of a program per person; a suspension is lifted by reinstating, not by re-issuing);
    * expiring or expired: its renewal requirements, met since it was issued (re-issuing from
      old evidence is renewal by another name);
    * revoked: the program's requirements and, for a program that expires, its renewal
      requirements met since the revoked one was issued.
    """
    latest = record.latest(program.id)
    first = requirements_checklist(program, person, record, titles, now)
    if latest is None:
        return first
    state = latest.state(now)
    if state == "suspended":
        return _blocked(
            first, latest, f"Suspended (code {latest.code}): reinstate it instead of re-issuing"
        )
    if state == "valid":
        return _blocked(first, latest, f"Already holds it (code {latest.code})")
    if state in ("expiring", "expired"):
        return renewal_checklist(program, person, latest, record, titles)
    # revoked
    if program.renewal is None:
        return first
    refresh = renewal_checklist(program, person, latest, record, titles)
    return _checklist(program, person, first.items + refresh.items)


def _checklist(
    program: Program,
    person: Person,
    items: tuple[Requirement, ...],
    *,
    renewal_of: Held | None = None,
    blocked: str | None = None,
) -> Checklist:
    return Checklist(
        person.id,
        person.name,
        program.id,
        program.title,
        program.tier_label,
        items,
        renewal_of=renewal_of,
        blocked=blocked,
    )


def _blocked(check: Checklist, held: Held, why: str) -> Checklist:
    return dataclasses.replace(check, held=held, blocked=why)
