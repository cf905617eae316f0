"""Knowledge-check grading and shuffling."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.core.curriculum_fixtures import HALF_WRONG, RIGHT, module_text
from trainer.core.curriculum import parse_module
from trainer.core.errors import ValidationError
from trainer.core.quiz import grade, make_paper

MODULE, _ = parse_module(module_text("basics-1", "First steps"))


def test_all_right_passes_with_full_score() -> None:
    result = grade(MODULE, RIGHT)
    assert (result.correct, result.total, result.passed) == (4, 4, True)


def test_two_wrong_fails_the_75_percent_mark_and_explains_the_wrong_choice() -> None:
    result = grade(MODULE, HALF_WRONG)
    assert (result.correct, result.passed) == (2, False)
    q1 = result.results[0]
    assert not q1.correct and q1.feedback == ("Not this one.", "Because the first one is right.")


def test_unanswered_questions_count_as_wrong() -> None:
    assert grade(MODULE, {"q1": 0}).correct == 1


def test_malformed_answer_is_refused() -> None:
    with pytest.raises(ValidationError, match="q4"):
        grade(MODULE, {"q4": [0, 0, 1]})


@given(st.integers(min_value=0, max_value=2**31 - 1))
def test_papers_are_shuffles_of_the_same_questions(seed: int) -> None:
    paper = make_paper(MODULE, seed)
    assert sorted(q.question.id for q in paper.questions) == ["q1", "q2", "q3", "q4"]
    for shown in paper.questions:
        q = shown.question
        count = len(q.options) if q.options else len(q.items)
        assert sorted(shown.option_order) == list(range(count))
        if q.type == "ordering":
            assert list(shown.option_order) != sorted(shown.option_order)
    assert make_paper(MODULE, seed) == paper


def _pool(true_false: int = 4, single: int = 6, draw: int = 6):
    """A module whose pool holds `single` single-choice questions and `true_false` true/false
    questions, alternately true and false, drawing `draw` per attempt."""
    questions = [
        f"""    - id: s{i}
      type: single
      prompt: Situation {i}. What do you do next?
      options:
        - {{text: Option right {i}, correct: true}}
        - {{text: Option wrong {i}, explanation: No.}}"""
        for i in range(single)
    ] + [
        f"""    - id: t{i}
      type: true_false
      prompt: Statement {i}.
      answer: {"true" if i % 2 else "false"}"""
        for i in range(true_false)
    ]
    head = module_text("pool-1", "Pool").split("knowledge_check:")[0]
    body = module_text("pool-1", "Pool").split("---\n", 2)[2]
    text = f"{head}knowledge_check:\n  draw: {draw}\n  questions:\n" + "\n".join(questions)
    module, problems = parse_module(text + "\n---\n" + body)
    assert module is not None, problems
    return module


def test_a_pool_draws_its_number_of_questions_and_avoids_the_last_paper() -> None:
    module = _pool(true_false=0, single=12, draw=6)
    first = make_paper(module, 1)
    assert len(first.questions) == 6
    seen = [pq.question.id for pq in first.questions]
    second = make_paper(module, 2, avoid=seen)
    assert not set(seen) & {pq.question.id for pq in second.questions}  # N >= 2L: all new
    grade_of_first = grade(module, {"s0": 0}, first)
    assert grade_of_first.total == 6  # only the drawn questions count


@given(st.integers(min_value=0, max_value=2**31 - 1))
def test_drawn_true_false_keys_are_balanced(seed: int) -> None:
    module = _pool(true_false=8, single=4, draw=6)
    keys = [
        pq.question.answer
        for pq in make_paper(module, seed).questions
        if pq.question.type == "true_false"
    ]
    assert abs(keys.count(True) - keys.count(False)) <= 1


def test_draw_larger_than_the_pool_is_a_located_error() -> None:
    text = module_text("basics-1", "First steps").replace(
        "  pass_mark: 0.75\n", "  pass_mark: 0.75\n  draw: 9\n"
    )
    module, problems = parse_module(text)
    assert module is None
    assert [(p.line, p.message) for p in problems] == [
        (14, "draw is 9 but the pool has only 4 questions")
    ]
