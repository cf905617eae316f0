"""Knowledge checks: shuffled papers and grading. Pure functions over the parsed module."""

from __future__ import annotations

import random
from collections.abc import Iterable
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


def _balanced(chosen: list[Question], rest: list[Question]) -> list[Question]:
    """Swap true/false questions in from the rest of the pool until the paper's true and false
    keys differ by at most one (so "always false" earns no more than chance)."""
    chosen = list(chosen)
    for _ in range(len(chosen)):
        keys = [q.answer for q in chosen if q.type == "true_false"]
        surplus = keys.count(True) - keys.count(False)
        if abs(surplus) <= 1:
            break
        many = surplus > 0
        out = next(i for i, q in enumerate(chosen) if q.type == "true_false" and q.answer is many)
        swap = next((q for q in rest if q.type == "true_false" and q.answer is not many), None)
        if swap is None:
            break
        rest.remove(swap)
        rest.append(chosen[out])
        chosen[out] = swap
    return chosen


def make_paper(
    module: Module, seed: int, *, draw: int | None = None, avoid: Iterable[str] = ()
) -> Paper:
    """A paper fixed by `seed` (each attempt gets a new one): `draw` questions (the module's
    own number by default) taken from the pool, preferring questions not in `avoid` (the last
    attempt's), with balanced true/false keys, in shuffled order with shuffled options."""
    rng = random.Random(seed)
    seen = set(avoid)
    pool = list(module.questions)
    rng.shuffle(pool)
    pool.sort(key=lambda q: q.id in seen)  # stable: unseen questions first, still shuffled
    count = min(draw or module.draw or len(pool), len(pool))
    questions = _balanced(pool[:count], pool[count:])
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


def grade(module: Module, answers: dict[str, Answer], paper: Paper | None = None) -> Grade:
    """Grade the paper's questions (every question in the module without one); unanswered
    questions count as wrong, answers to questions not on the paper are ignored."""
    results = []
    for q in [pq.question for pq in paper.questions] if paper else module.questions:
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
