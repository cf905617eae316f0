"""A small valid scenario for tests (the shipped ones are bigger)."""

from __future__ import annotations

from pathlib import Path

SCENARIO = """id: t-corner
title: A dispute on the corner
version: 1
summary: Two young men argue over a chain.
role: street-outreach
estimated_minutes: 5
objectives: [Separate the parties]
meters:
  - {key: tension, label: Tension, min: 0, max: 10, initial: 6, higher_is_better: false}
  - {key: trust, label: Trust, min: 0, max: 10, initial: 3}
competencies:
  - {key: deescalation, label: De-escalation}
  - {key: safety, label: Safety}
policies:
  - {key: share_names_with_police, question: "May workers share names?", default: false}
start: arrive
pass: {min_score: 0.8, no_critical: true}
nodes:
  - id: arrive
    text: Two men shout over a chain while friends film.
    choices:
      - text: Stand at an angle and greet the one you know.
        target: talk
        effects: {tension: -2, trust: 2}
        points: {deescalation: 2, safety: 1}
        feedback: Greeting someone who knows you lowers the temperature.
      - text: Grab the chain.
        target: grab
        effects: {tension: 8}
        feedback: Grabbing escalates.
        critical: Physical intervention in an armed dispute.
  - id: talk
    text: He steps aside with you.
    choices:
      - text: Suggest the chain goes back through you.
        target: calm
        effects: {tension: -3}
        points: {deescalation: 3}
        feedback: A face-saving way out.
      - text: Tell the officer their names.
        target: partial
        condition: {policy: {share_names_with_police: true}}
        points: {deescalation: 1}
        feedback: Your program allows this.
      - text: Walk away.
        target: partial
        feedback: Leaving early leaves it unresolved.
  - id: grab
    text: Everyone is shouting.
    choices:
      - text: Back off.
        target: bad
        effects: {trust: -3}
        feedback: Too late.
      - text: Call your partner.
        target: talk
        condition: {meters: {tension: {max: 9}}}
        points: {safety: 1}
        feedback: Asking for help is right.
endings:
  - id: calm
    outcome: success
    title: It cools down
    debrief: Separating the parties and offering a face-saving way out prevented a fight.
  - id: partial
    outcome: partial
    title: It simmers
    debrief: You left before an agreement; follow up tomorrow.
  - id: bad
    outcome: failure
    title: It escalates
    debrief: Grabbing the chain made you part of the conflict.
"""


def write_scenarios(root: Path, text: str = SCENARIO) -> Path:
    (root / "scenarios").mkdir(parents=True, exist_ok=True)
    (root / "scenarios" / "t-corner.yaml").write_text(text)
    return root
