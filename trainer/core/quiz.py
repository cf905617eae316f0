"""Knowledge checks: shuffled papers and grading. Pure functions over the parsed module."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from trainer.core.curriculum import Module, Question
from trainer.core.errors import ValidationError

# An answer, by question type, always in terms of the module's own (unshuffled) order:
#   single -> int (option index); multiple -> list[int]; true_false -> bool;
#   ordering -> list[int] (item indices in the order the person put them)
Answer = Any


@dataclass(frozen=True)
class PaperQuestion:
    question: Question
    option_order: tuple[int, ...]  # option (or ordering item) indices as shown


@dataclass(frozen=True)
class Paper:
    seed: int
    questions: tuple[PaperQuestion, ...]


def make_paper(module: Module, seed: int) -> Paper:
    """Questions and their options in an order fixed by `seed` (each retake gets a new seed)."""
    rng = random.Random(seed)
    questions = list(module.questions)
    rng.shuffle(questions)
    shown = []
    for q in questions:
        count = len(q.options) if q.type in ("single", "multiple") else len(q.items)
        order = list(range(count))
        rng.shuffle(order)
        if q.type == "ordering" and count > 1 and order == sorted(order):
            order = order[1:] + order[:1]  # never hand out the answer already in order
        shown.append(PaperQuestion(q, tuple(order)))
    return Paper(seed, tuple(shown))


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    answer: Answer
    correct: bool
    feedback: tuple[str, ...]  # the explanations to show after submitting


@dataclass(frozen=True)
class Grade:
    results: tuple[QuestionResult, ...]
    correct: int
    total: int
    pass_mark: float

    @property
    def score(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def passed(self) -> bool:
        return self.score + 1e-9 >= self.pass_mark


def _is_correct(q: Question, answer: Answer) -> bool:
    if answer is None:
        return False
    if q.type == "single":
        return (
            isinstance(answer, int) and 0 <= answer < len(q.options) and q.options[answer].correct
        )
    if q.type == "multiple":
        chosen = set(answer)
        return chosen == {i for i, o in enumerate(q.options) if o.correct}
    if q.type == "true_false":
        return answer is q.answer
    return list(answer) == list(range(len(q.items)))


def _validate(q: Question, answer: Answer) -> None:
    if answer is None:
        return
    ok = {
        "single": lambda: isinstance(answer, int) and 0 <= answer < len(q.options),
        "multiple": lambda: (
            isinstance(answer, list | tuple)
            and all(isinstance(i, int) and 0 <= i < len(q.options) for i in answer)
        ),
        "true_false": lambda: isinstance(answer, bool),
        "ordering": lambda: (
            isinstance(answer, list | tuple) and sorted(answer) == list(range(len(q.items)))
        ),
    }[q.type]()
    if not ok:
        raise ValidationError(f"The answer to question {q.id} is not valid for its type.", q.id)


def grade(module: Module, answers: dict[str, Answer]) -> Grade:
    """Grade every question; unanswered questions count as wrong."""
    results = []
    for q in module.questions:
        answer = answers.get(q.id)
        _validate(q, answer)
        correct = _is_correct(q, answer)
        feedback = []
        if not correct and q.type in ("single", "multiple") and answer is not None:
            chosen = [answer] if q.type == "single" else list(answer)
            feedback += [
                q.options[i].explanation or ""
                for i in chosen
                if not q.options[i].correct and q.options[i].explanation
            ]
        if q.explanation:
            feedback.append(q.explanation)
        results.append(QuestionResult(q, answer, correct, tuple(feedback)))
    right = sum(r.correct for r in results)
    return Grade(tuple(results), right, len(results), module.pass_mark)
