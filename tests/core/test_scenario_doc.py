"""The editable scenario document: every edit is an exact, undoable step, and what it writes
is a scenario file with the same meaning."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from tests.core.scenario_fixtures import SCENARIO
from trainer.core.scenario import parse_scenario, scenario_data, scenario_yaml
from trainer.core.scenario_doc import Change, ScenarioDoc, ScenarioEditError
from trainer.core.twee import export_twee, import_twee

BUNDLED = Path(__file__).resolve().parents[2] / "scenarios"


def _doc(text: str = SCENARIO) -> ScenarioDoc:
    return ScenarioDoc.from_yaml(text)


def _messages(doc: ScenarioDoc) -> list[str]:
    scenario, problems = doc.check()
    assert scenario is not None, problems
    return [p.message for p in problems]


def _choice(doc: ScenarioDoc, node: str, index: int) -> dict:
    scenario, _ = doc.check()
    assert scenario is not None
    c = scenario.nodes[node].choices[index]
    return {"text": c.text, "target": c.target, "feedback": c.feedback, "critical": c.critical}


def test_an_unchanged_document_writes_back_the_text_it_opened() -> None:
    assert _doc().to_yaml() == SCENARIO


def test_written_yaml_means_the_same_scenario() -> None:
    doc = _doc()
    doc.set_position("arrive", 10, 20)
    doc.undo()
    doc.redo()
    written, problems = parse_scenario(doc.to_yaml())
    original, _ = parse_scenario(SCENARIO)
    assert written is not None and original is not None and problems == []
    expected = scenario_data(original)
    expected["nodes"][0]["position"] = {"x": 10, "y": 20}
    assert scenario_data(written) == expected
    assert "\n  position: {x: 10, y: 20}\n" in doc.to_yaml()


def test_add_node_link_and_edit_a_choice() -> None:
    doc = _doc()
    doc.add_node("hallway", text="A quiet hallway.\n", speaker="Narrator", position=(300, 40))
    assert "node hallway: dead end (no choices and not an ending)" in _messages(doc)
    index = doc.add_choice("hallway", "calm", text="Wait.", feedback="Waiting helps.")
    assert doc.undo_text == "Link 'hallway' → 'calm'"
    doc.add_choice("talk", "hallway")
    doc.set_choice_text("hallway", index, "Wait with him.")
    doc.set_choice_feedback("hallway", index, "Waiting lets him calm down.")
    doc.set_choice_critical("hallway", index, "Leaving him alone.")
    doc.set_choice_effects("hallway", index, {"trust": 1})
    doc.set_choice_points("hallway", index, {"safety": 2})
    doc.set_choice_condition("hallway", index, {"meters": {"tension": {"max": 5}}})
    doc.set_choice_set_flags("hallway", index, {"waited": True})
    assert _messages(doc) == []
    scenario, _ = doc.check()
    assert scenario is not None
    choice = scenario.nodes["hallway"].choices[0]
    assert (choice.text, choice.feedback, choice.critical) == (
        "Wait with him.",
        "Waiting lets him calm down.",
        "Leaving him alone.",
    )
    assert choice.effects == (("trust", 1),) and choice.points == (("safety", 2),)
    assert choice.condition is not None and choice.condition.meters == (("tension", None, 5),)
    assert choice.set_flags == (("waited", True),)
    assert scenario.nodes["hallway"].speaker == "Narrator"
    assert scenario.nodes["hallway"].position == (300, 40)
    doc.set_choice_critical("hallway", index, None)
    assert _choice(doc, "hallway", 0)["critical"] is None


def test_an_unknown_meter_in_effects_is_a_finding() -> None:
    doc = _doc()
    doc.set_choice_effects("arrive", 0, {"anger": 2})
    assert "node arrive: effect on unknown meter 'anger'" in _messages(doc)


def test_retargeting_a_choice_and_reordering_choices() -> None:
    doc = _doc()
    doc.set_choice_target("talk", 2, "calm")
    assert doc.targets("talk") == ["calm", "partial", "calm"]
    doc.move_choice("talk", 2, 0)
    assert doc.targets("talk") == ["calm", "calm", "partial"]
    assert doc.undo_text == "Reorder the choices of 'talk'"
    doc.remove_choice("talk", 1)
    assert doc.targets("talk") == ["calm", "partial"]
    assert _choice(doc, "talk", 0)["text"] == "Walk away."


def test_rename_updates_every_target_the_start_and_the_expert_path() -> None:
    doc = _doc()
    doc.set_field("expert_path", ["arrive", "talk", "calm"])
    doc.rename_node("talk", "side-talk")
    doc.rename_node("arrive", "arrival")
    assert doc.undo_text == "Rename 'arrive' to 'arrival'"
    assert doc.start == "arrival"
    assert doc.targets("arrival") == ["side-talk", "grab"]
    assert doc.targets("grab") == ["bad", "side-talk"]
    assert doc.data["expert_path"] == ["arrival", "side-talk", "calm"]
    assert _messages(doc) == []
    doc.rename_node("calm", "settled")
    assert doc.is_ending("settled") and doc.targets("side-talk")[0] == "settled"


def test_rename_refuses_a_taken_or_invalid_id_and_changes_nothing() -> None:
    doc = _doc()
    with pytest.raises(ScenarioEditError, match="taken"):
        doc.rename_node("talk", "grab")
    with pytest.raises(ScenarioEditError, match="cannot be a node id"):
        doc.rename_node("talk", "two words")
    with pytest.raises(ScenarioEditError, match="no node or ending 'nowhere'"):
        doc.rename_node("nowhere", "x")
    assert not doc.can_undo and doc.to_yaml() == SCENARIO


def test_a_removed_nodes_incoming_choices_become_broken_targets() -> None:
    doc = _doc()
    doc.remove_node("grab")
    assert doc.undo_text == "Remove node 'grab'"
    assert "node arrive: choice leads to 'grab', which does not exist" in _messages(doc)
    doc.undo()
    assert _messages(doc) == []
    doc.remove_node("calm")
    assert doc.undo_text == "Remove ending 'calm'"
    assert "node talk: choice leads to 'calm', which does not exist" in _messages(doc)


def test_add_ending_set_ending_text_and_speaker() -> None:
    doc = _doc()
    ending = doc.add_ending(outcome="success", title="Handed off", debrief="Good.\n")
    assert ending == "ending-1" and doc.is_ending(ending)
    doc.add_choice("talk", ending)
    doc.set_ending(ending, outcome="partial", title="Handed off late")
    doc.set_node_text("talk", "He steps aside, still angry.\n")
    doc.set_speaker("talk", "Narrator")
    scenario, problems = doc.check()
    assert scenario is not None and problems == []
    assert scenario.endings[ending].outcome == "partial"
    assert scenario.endings[ending].title == "Handed off late"
    assert scenario.nodes["talk"].text == "He steps aside, still angry.\n"
    assert scenario.nodes["talk"].speaker == "Narrator"
    doc.set_speaker("talk", None)
    assert doc.check()[0].nodes["talk"].speaker is None  # type: ignore[union-attr]
    with pytest.raises(ScenarioEditError, match="success, partial or failure"):
        doc.set_ending(ending, outcome="great")
    with pytest.raises(ScenarioEditError, match="is an ending"):
        doc.set_node_text(ending, "x")


def test_meters_competencies_pass_rule_and_start() -> None:
    doc = _doc()
    meters = copy.deepcopy(doc.data["meters"])
    meters.append({"key": "safety", "label": "Safety", "min": 0, "max": 5, "initial": 2})
    doc.set_meters(meters)
    assert "meter safety: no choice ever changes it" in _messages(doc)
    doc.set_competencies([{"key": "deescalation", "label": "Calm"}])
    assert "node arrive: points for unknown competency 'safety'" in _messages(doc)
    doc.set_pass(0.6, no_critical=False)
    doc.set_start("talk")
    scenario, _ = doc.check()
    assert scenario is not None
    assert (scenario.min_score, scenario.no_critical, scenario.start) == (0.6, False, "talk")
    assert "node arrive: unreachable from the start node talk" in _messages(doc)
    with pytest.raises(ScenarioEditError, match="between 0 and 1"):
        doc.set_pass(80)


def test_typing_in_one_field_is_one_undo_step_until_sealed() -> None:
    doc = _doc()
    for text in ("H", "He", "He w", "He waits.\n"):
        doc.set_node_text("talk", text)
    assert doc.history == ["Edit the text of 'talk'"]
    doc.seal()
    doc.set_node_text("talk", "He waits, arms folded.\n")
    assert len(doc.history) == 2
    doc.undo()
    assert doc.entry("talk")["text"] == "He waits.\n"
    doc.undo()
    assert doc.to_yaml() == SCENARIO


def test_moving_cards_is_undoable_and_a_group_is_one_step() -> None:
    doc = _doc()
    doc.set_position("arrive", 0, 0)
    doc.set_position("arrive", 40, 80)
    assert doc.history == ["Move 'arrive'", "Move 'arrive'"]
    with doc.group("Arrange the map"):
        doc.move_nodes({"talk": (300, 0), "grab": (300, 120)})
        doc.set_position("calm", 600, 0)
    assert doc.undo_text == "Arrange the map"
    doc.undo()
    assert doc.position("talk") is None and doc.position("calm") is None
    assert doc.position("arrive") == (40, 80)
    doc.redo()
    assert doc.position("grab") == (300, 120)


def test_undo_all_gives_back_the_original_text_and_redo_all_the_edited_one() -> None:
    doc = _doc()
    original = copy.deepcopy(doc.data)
    doc.add_node("hallway", position=(1, 2))
    doc.add_choice("hallway", "calm")
    doc.add_choice("arrive", "hallway", index=0)
    doc.set_choice_points("arrive", 1, None)
    doc.rename_node("hallway", "corridor")
    doc.remove_node("grab")
    doc.add_ending("gone", outcome="failure", title="Gone")
    doc.set_position("arrive", 5, 5)
    doc.set_meters(
        [*doc.data["meters"], {"key": "x", "label": "X", "min": 0, "max": 1, "initial": 0}]
    )
    doc.set_field("title", "A new title")
    doc.set_pass(0.5)
    doc.set_start("talk")
    doc.move_choice("talk", 0, 2)
    doc.set_ending("bad", debrief="")
    edited = doc.to_yaml()
    steps = len(doc.history)
    assert steps == 14
    while doc.can_undo:
        doc.undo()
    assert doc.data == original
    assert scenario_yaml(doc.data) == scenario_yaml(original)
    assert doc.to_yaml() == SCENARIO
    while doc.can_redo:
        doc.redo()
    assert doc.to_yaml() == edited


def test_a_new_edit_after_undo_drops_the_redo_steps() -> None:
    doc = _doc()
    doc.set_position("arrive", 1, 1)
    doc.undo()
    assert doc.redo_text == "Move 'arrive'"
    doc.set_position("talk", 2, 2)
    assert not doc.can_redo and doc.history == ["Move 'talk'"]


def test_listeners_hear_which_nodes_changed() -> None:
    doc = _doc()
    heard: list[Change] = []
    doc.subscribe(heard.append)
    doc.rename_node("talk", "side")
    assert heard[-1].ids == {"talk", "side", "arrive", "grab"}
    assert heard[-1].renamed == ("talk", "side")
    doc.undo()
    assert heard[-1].renamed == ("side", "talk")
    doc.set_pass(0.5)
    assert heard[-1].scenario and not heard[-1].ids
    doc.unsubscribe(heard.append)
    doc.undo()
    assert len(heard) == 3


def test_clean_state_follows_saves_undo_and_redo() -> None:
    doc = _doc()
    assert doc.is_clean
    doc.set_node_text("talk", "x\n")
    assert not doc.is_clean
    doc.mark_clean()
    doc.set_node_text("talk", "xy\n")  # never merged into the saved step
    assert len(doc.history) == 2 and not doc.is_clean
    doc.undo()
    assert doc.is_clean


def test_a_file_that_is_not_a_scenario_is_refused_with_its_line() -> None:
    with pytest.raises(ScenarioEditError, match="line 1"):
        ScenarioDoc.from_yaml("- just a list\n")


def test_a_blank_scenario_is_valid_and_grows() -> None:
    doc = ScenarioDoc.blank("my-story", "My story")
    assert _messages(doc) == []
    node = doc.add_node()
    doc.add_choice("start", node)
    doc.add_choice(node, "end")
    assert node == "node-1" and _messages(doc) == []


@pytest.mark.parametrize("path", sorted(BUNDLED.glob("*.yaml")), ids=lambda p: p.stem)
def test_bundled_scenarios_open_and_write_back_equal(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    doc = ScenarioDoc.from_yaml(text)
    doc.set_position(doc.start, 0, 0)
    doc.undo()
    doc.redo()
    doc.undo()
    doc.set_field("version", doc.data["version"])  # a no-op is no step
    assert not doc.can_undo
    original, _ = parse_scenario(text)
    doc.set_field("title", doc.data["title"] + " ")  # forces writing through the dumper
    written, problems = parse_scenario(doc.to_yaml())
    assert written is not None and original is not None
    assert scenario_data(written) == scenario_data(original)
    assert problems == parse_scenario(text)[1] or [p.message for p in problems] == [
        p.message for p in parse_scenario(text)[1]
    ]


def test_positions_travel_through_twee_as_standard_passage_metadata() -> None:
    doc = _doc()
    doc.move_nodes({"arrive": (0, 0), "talk": (280, -40), "calm": (560, 0)})
    scenario, _ = doc.check()
    assert scenario is not None
    twee = export_twee(scenario)
    assert ':: talk {"position":"280,-40",' in twee
    back, report = import_twee(twee)
    assert back is not None and report.accepted
    assert scenario_data(back) == scenario_data(scenario)


def test_a_twine_storys_positions_are_spread_for_wider_cards() -> None:
    twee = (
        ':: StoryData\n{"ifid": "D674C58C-DEFA-4F70-B7A2-27742230C0FC", "start": "A"}\n\n'
        ':: A {"position":"100,200","size":"100,100"}\n[[B]]\n\n'
        ':: B {"position":"225.5,200"}\nThe end.\n'
    )
    scenario, report = import_twee(twee)
    assert scenario is not None, report.lines()
    assert scenario.nodes["A"].position == (200, 200)
    assert scenario.endings["B"].position == (451, 200)
