"""The studio's findings name their node; quality tells are reported at each node showing
them; the siblings view notes when the best choice is also the longest."""

from __future__ import annotations

from tests.core.scenario_fixtures import SCENARIO
from trainer.core.scenario_findings import findings, marks, siblings


def test_validator_findings_name_the_node_and_mark_it_in_words() -> None:
    text = SCENARIO.replace("target: bad", "target: nowhere")
    found = findings(text)
    assert [(f.node, f.kind, f.mark) for f in found] == [("grab", "problem", "broken link")]
    assert "node grab: choice leads to 'nowhere', which does not exist" in found[0].message
    assert marks(found) == {"grab": "broken link"}


def test_answer_length_tell_is_reported_at_each_node_where_the_best_is_longest() -> None:
    found = findings(SCENARIO, plays=200)
    longest = [f for f in found if f.mark == "best is longest"]
    assert {f.node for f in longest} == {"arrive", "talk", "grab"}
    assert all(f.kind == "quality" and f.message.startswith(f"node {f.node}:") for f in longest)
    assert "3 of 3 scored decision points (100%; at most 40%)" in longest[0].message


def test_siblings_side_by_side_with_a_note_on_the_length_tell() -> None:
    rows, notes = siblings(
        [
            {"text": "Stay calm and check in with your partner first.", "points": {"a": 2}},
            {"text": "Leave.", "points": {"a": 0}},
        ]
    )
    assert [(r.number, r.words, r.points, r.cue_words) for r in rows] == [
        (1, 9, 2, 3),
        (2, 1, 0, 0),
    ]
    assert notes[0].startswith("The best-scoring choice (1) is also the longest")
    assert "sound right" in notes[1]
    _, none = siblings(
        [
            {"text": "Longer wrong answer here.", "points": {"a": 0}},
            {"text": "Right.", "points": {"a": 1}},
        ]
    )
    assert none == []
