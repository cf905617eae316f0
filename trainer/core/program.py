"""Credential programs (certificates/*.yaml): parsing, checking, and the activity vocabulary."""

from __future__ import annotations

from dataclasses import dataclass

from trainer.core.curriculum import load_yaml, node_line, schema_problems
from trainer.core.library import Problem

TIER_LABELS = {
    "orientation": "Orientation",
    "foundations": "Foundations",
    "field-qualified": "Field-Qualified",
    "senior": "Senior / Peer Trainer",
    "endorsement": "Endorsement",
}

ACTIVITY_LABELS = {
    "shadowing": "Shadowing",
    "outreach": "Street outreach",
    "mediation": "Mediation",
    "hospital-response": "Hospital response",
    "community-safety": "Community safety",
    "support-group": "Support group",
    "case-management": "Case management",
    "training-delivery": "Training delivery",
    "continuing-education": "Continuing education",
}


ALL_ACTIVITIES = "All supervised field work"  # the "any" row: it includes the other rows


def activity_label(activity: str) -> str:
    return ALL_ACTIVITIES if activity == "any" else ACTIVITY_LABELS.get(activity, activity)


@dataclass(frozen=True)
class ScenarioRequirement:
    id: str
    min_score: int  # percent


@dataclass(frozen=True)
class HoursRequirement:
    activity: str  # an ACTIVITY_LABELS key, or "any"
    hours: float


@dataclass(frozen=True)
class TrainingHoursRequirement:
    total: float
    in_person: float = 0.0


SETTING_LABELS = {
    "role-play": "Role-play",
    "field": "Field observation",
    "training-delivery": "Training delivery",
}


@dataclass(frozen=True)
class ObservedRequirement:
    rubric: str
    competency: str
    level: int  # 1-4
    setting: str | None = None  # a SETTING_LABELS key; any setting when None


@dataclass(frozen=True)
class Requirements:
    modules: tuple[str, ...] = ()
    scenarios: tuple[ScenarioRequirement, ...] = ()
    field_hours: tuple[HoursRequirement, ...] = ()
    credentials: tuple[str, ...] = ()
    training_hours: TrainingHoursRequirement | None = None
    observed: tuple[ObservedRequirement, ...] = ()
    field_hours_span_months: int = 0
    policies_acknowledged: bool = False


@dataclass(frozen=True)
class Renewal:
    continuing_education_hours: float = 0
    modules: tuple[str, ...] = ()
    scenarios: tuple[ScenarioRequirement, ...] = ()


@dataclass(frozen=True)
class Program:
    id: str
    title: str
    tier: str
    description: str
    requirements: Requirements
    validity_months: int | None
    renewal: Renewal | None
    disclaimer: str

    @property
    def tier_label(self) -> str:
        return TIER_LABELS[self.tier]

    @property
    def label(self) -> str:
        """The title, with the tier added only when the title does not already say it
        ("CVI Practitioner: Foundations", not "...Foundations — Foundations")."""
        words = self.title.casefold()
        tier_words = self.tier_label.replace("/", " ").casefold().split()
        return (
            self.title
            if all(w in words for w in tier_words)
            else f"{self.title} — {self.tier_label}"
        )

    @property
    def progression(self) -> tuple[int, str]:
        """Sort key: Orientation, Foundations, Field-Qualified, Senior, then endorsements by title."""
        return list(TIER_LABELS).index(self.tier), self.title.casefold()


def _scenarios(items: list[dict[str, object]] | None) -> tuple[ScenarioRequirement, ...]:
    return tuple(ScenarioRequirement(str(i["id"]), int(str(i["min_score"]))) for i in items or [])


def parse_program(text: str) -> tuple[Program | None, list[Problem]]:
    data, root, problems = load_yaml(text, offset=0)
    if problems:
        return None, problems
    problems = schema_problems(data, root, "program")
    if problems:
        return None, problems
    req = data["requirements"]
    training = req.get("training_hours")
    requirements = Requirements(
        tuple(req.get("modules", [])),
        _scenarios(req.get("scenarios")),
        tuple(
            HoursRequirement(h["activity"], float(h["hours"])) for h in req.get("field_hours", [])
        ),
        tuple(req.get("credentials", [])),
        TrainingHoursRequirement(float(training["total"]), float(training.get("in_person", 0)))
        if training
        else None,
        tuple(
            ObservedRequirement(o["rubric"], o["competency"], int(o["level"]), o.get("setting"))
            for o in req.get("observed", [])
        ),
        int(req.get("field_hours_span_months", 0)),
        bool(req.get("policies_acknowledged", False)),
    )
    if not any(
        (
            requirements.modules,
            requirements.scenarios,
            requirements.field_hours,
            requirements.training_hours,
            requirements.observed,
        )
    ):
        return None, [
            Problem(
                node_line(root, ["requirements"]),
                "requirements: name at least one module, scenario, training or field hours, "
                "or observed competency",
            )
        ]
    if training and float(training.get("in_person", 0)) > float(training["total"]):
        return None, [
            Problem(
                node_line(root, ["requirements", "training_hours", "in_person"]),
                "training_hours: in_person cannot be more than total",
            )
        ]
    if requirements.field_hours_span_months and not requirements.field_hours:
        return None, [
            Problem(
                node_line(root, ["requirements", "field_hours_span_months"]),
                "field_hours_span_months needs field_hours to measure the span of",
            )
        ]
    seen: set[tuple[str, str, str | None]] = set()
    for i, o in enumerate(requirements.observed):
        if (o.rubric, o.competency, o.setting) in seen:
            return None, [
                Problem(
                    node_line(root, ["requirements", "observed", i]),
                    f"observed: {o.rubric} {o.competency} is listed twice",
                )
            ]
        seen.add((o.rubric, o.competency, o.setting))
    if data["id"] in requirements.credentials:
        line = node_line(root, ["requirements", "credentials"])
        return None, [Problem(line, "a program cannot require its own credential")]
    renewal_data = data.get("renewal")
    validity = data.get("validity_months")
    if validity and renewal_data is None:
        return None, [
            Problem(
                node_line(root, ["validity_months"]),
                "'renewal' is missing: a credential that expires must say how it is renewed",
            )
        ]
    renewal = (
        Renewal(
            float(renewal_data.get("continuing_education_hours", 0)),
            tuple(renewal_data.get("modules", [])),
            _scenarios(renewal_data.get("scenarios")),
        )
        if renewal_data is not None
        else None
    )
    return Program(
        data["id"],
        data["title"].strip(),
        data["tier"],
        " ".join(data["description"].split()),
        requirements,
        validity,
        renewal,
        " ".join(data["disclaimer"].split()),
    ), []


def program_checker(text: str, key: str | None) -> list[Problem]:
    """Library checker: a program that cannot be parsed cannot be published."""
    return parse_program(text)[1]
