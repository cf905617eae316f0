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
