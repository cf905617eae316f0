"""A tiny two-module curriculum for tests, written into a temp content root."""

from __future__ import annotations

from pathlib import Path

MODULE = """---
id: {id}
title: {title}
track: basics
version: 1
estimated_minutes: 20
objectives: [Explain the basics]
prerequisites: {prereqs}
sources:
  - key: F3
    citation: "Center for American Progress, Community-Based Violence Interruption Programs."
knowledge_check:
  pass_mark: 0.75
  questions:
    - id: q1
      type: single
      prompt: Which one is right?
      explanation: Because the first one is right.
      options:
        - {{text: Right, correct: true}}
        - {{text: Wrong, explanation: Not this one.}}
    - id: q2
      type: multiple
      prompt: Pick both right ones.
      options:
        - {{text: A, correct: true}}
        - {{text: B, correct: true}}
        - {{text: C, explanation: C is wrong.}}
    - id: q3
      type: true_false
      prompt: The sky is green.
      answer: false
    - id: q4
      type: ordering
      prompt: Order these.
      items: [first, second, third]
---
Opening paragraph about {title}[^F3].

## Listening first

Listen before you speak. {extra}

## Following up

Follow up the next day.

[^F3]: Center for American Progress.
"""

TRACK = """id: basics
title: The basics
description: A tiny track for tests.
modules: [basics-1, basics-2]
"""

RIGHT = {"q1": 0, "q2": [0, 1], "q3": False, "q4": [0, 1, 2]}
HALF_WRONG = {"q1": 1, "q2": [0], "q3": False, "q4": [0, 1, 2]}


def module_text(mid: str, title: str, prereqs: str = "[]", extra: str = "") -> str:
    return MODULE.format(id=mid, title=title, prereqs=prereqs, extra=extra)


def write_curriculum(root: Path, extra: str = "") -> Path:
    folder = root / "curricula" / "basics"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "track.yaml").write_text(TRACK)
    (folder / "basics-1.md").write_text(module_text("basics-1", "First steps", extra=extra))
    (folder / "basics-2.md").write_text(module_text("basics-2", "Next steps", "[basics-1]"))
    return root
