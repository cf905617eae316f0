"""What changed between two versions of a scenario, said the way a trainer would say it."""

from __future__ import annotations

import pytest

from tests.conftest import FakeClock, Team
from tests.core.scenario_fixtures import SCENARIO
from trainer.core.db import Database
from trainer.core.errors import NotFoundError, ValidationError
from trainer.core.scenario_diff import diff_documents, diff_scenarios, word_excerpt
from trainer.core.services import library


def _edit(*pairs: tuple[str, str], text: str = SCENARIO) -> str:
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    return text


def _descriptions(new: str, old: str = SCENARIO) -> list[str]:
    diff = diff_scenarios(old, new)
    assert diff.note is None
    return [c.description for c in diff.changes]


def test_identical_versions_have_no_changes() -> None:
    diff = diff_scenarios(SCENARIO, SCENARIO)
    assert diff.changes == () and diff.summary == "No changes"
    # The same scenario written differently (flow style to block style) is no change either.
    reflowed = _edit(("pass: {min_score: 0.8, no_critical: true}", "pass:\n  min_score: 0.8\n"))
    assert diff_scenarios(SCENARIO, reflowed).summary == "No changes"


def test_a_changed_target_names_the_node_the_choice_and_both_targets() -> None:
    new = _edit(
        ("target: partial\n        feedback: Leaving", "target: bad\n        feedback: Leaving")
    )
    assert _descriptions(new) == [
        "Node 'talk': choice 3 (“Walk away.”) now leads to 'bad' (was 'partial')"
    ]


def test_effects_and_points_show_old_and_new_values() -> None:
    new = _edit(
        ("effects: {tension: -2, trust: 2}", "effects: {tension: -1, trust: 2}"),
        ("points: {deescalation: 2, safety: 1}", "points: {deescalation: 2}"),
        ("effects: {trust: -3}", "effects: {trust: -3, tension: 2}"),
    )
    assert _descriptions(new) == [
        "Node 'arrive': choice 1 (“Stand at an angle and greet …”) effect on tension -2 → -1",
        "Node 'arrive': choice 1 (“Stand at an angle and greet …”) points for safety +1 → none",
        "Node 'grab': choice 1 (“Back off.”) effect on tension none → +2",
    ]


def test_feedback_critical_flag_and_condition_changes() -> None:
    new = _edit(
        ("feedback: Grabbing escalates.", "feedback: Grabbing the chain escalates it."),
        ("        critical: Physical intervention in an armed dispute.\n", ""),
        ("feedback: Too late.", "feedback: Too late.\n        critical: Left a partner alone."),
        ("condition: {meters: {tension: {max: 9}}}", "condition: {meters: {tension: {max: 7}}}"),
        ("        condition: {policy: {share_names_with_police: true}}\n", ""),
    )
    changes = diff_scenarios(SCENARIO, new).changes
    said = [c.description for c in changes]
    assert said == [
        "Node 'arrive': choice 2 (“Grab the chain.”) feedback changed",
        "Node 'arrive': choice 2 (“Grab the chain.”) is no longer a critical-safety error",
        "Node 'talk': choice 2 (“Tell the officer their names.”) is now always offered "
        "(was offered only when policy share_names_with_police on)",
        "Node 'grab': choice 1 (“Back off.”) is now a critical-safety error",
        "Node 'grab': choice 2 (“Call your partner.”) is now offered only when tension at most 7 "
        "(was offered only when tension at most 9)",
    ]
    feedback = changes[0]
    assert feedback.before_text == "Grabbing escalates."
    assert feedback.after_text == "Grabbing the chain escalates it."
    assert [t for t, changed in feedback.after if changed] == [" the chain escalates it."]
    assert changes[3].after_text == "Left a partner alone."


def test_node_text_change_has_a_word_level_excerpt() -> None:
    long = " ".join(f"w{i}" for i in range(40))
    old = _edit(("text: He steps aside with you.", f"text: {long}"))
    new = _edit(("text: He steps aside with you.", f"text: {long.replace('w20', 'CHANGED')}"))
    [change] = diff_scenarios(old, new).changes
    assert change.description == "Node 'talk': text changed"
    assert change.before_text == "… w14 w15 w16 w17 w18 w19 w20 w21 w22 w23 w24 w25 w26 …"
    assert change.after_text == "… w14 w15 w16 w17 w18 w19 CHANGED w21 w22 w23 w24 w25 w26 …"
    assert [t for t, changed in change.after if changed] == [" CHANGED"]


def test_choices_added_removed_and_reordered() -> None:
    new = _edit(
        (
            "      - text: Walk away.\n        target: partial\n"
            "        feedback: Leaving early leaves it unresolved.\n",
            "",
        ),
        (
            "      - text: Call your partner.",
            "      - text: Shout for everyone to calm down.\n        target: bad\n"
            "        feedback: Shouting adds to it.\n      - text: Call your partner.",
        ),
    )
    assert _descriptions(new) == [
        "Node 'talk': choice 3 removed (it led to 'partial')",
        "Node 'grab': choice 2 added, leading to 'bad'",
    ]
    swapped = _edit(
        (
            "      - text: Back off.\n        target: bad\n        effects: {trust: -3}\n"
            "        feedback: Too late.\n",
            "",
        ),
        (
            "        feedback: Asking for help is right.\n",
            "        feedback: Asking for help is right.\n      - text: Back off.\n"
            "        target: bad\n        effects: {trust: -3}\n        feedback: Too late.\n",
        ),
    )
    assert _descriptions(swapped) == ["Node 'grab': choices are in a new order"]


def test_a_choice_reworded_is_one_change_not_a_removal_and_an_addition() -> None:
    new = _edit(
        ("Suggest the chain goes back through you.", "Suggest the chain goes back via you.")
    )
    changes = diff_scenarios(SCENARIO, new).changes
    assert [c.description for c in changes] == ["Node 'talk': choice 1 text changed"]
    assert [t for t, changed in changes[0].after if changed] == [" via"]


def test_nodes_added_and_removed() -> None:
    new = _edit(
        (
            "target: talk\n        effects: {tension: -2",
            "target: listen\n        effects: {tension: -2",
        ),
        (
            "  - id: grab\n",
            "  - id: listen\n    text: You listen first.\n    choices:\n"
            "      - text: Ask what happened.\n        target: talk\n"
            "        feedback: Listening helps.\n  - id: grab\n",
        ),
    )
    said = _descriptions(new)
    assert said == [
        "Node 'arrive': choice 1 (“Stand at an angle and greet …”) now leads to 'listen' "
        "(was 'talk')",
        "Node 'listen': added, with 1 choice",
    ]
    gone = _edit(("target: grab\n", "target: bad\n"))
    gone = gone[: gone.index("  - id: grab")] + gone[gone.index("endings:") :]
    assert _descriptions(gone) == [
        "Node 'arrive': choice 2 (“Grab the chain.”) now leads to 'bad' (was 'grab')",
        "Node 'grab': removed",
    ]


def test_a_renamed_node_is_a_rename_and_choices_into_it_are_not_changes() -> None:
    new = _edit(
        ("  - id: talk\n", "  - id: step-aside\n"),
        (
            "        target: talk\n        effects: {tension: -2",
            "        target: step-aside\n        effects: {tension: -2",
        ),
        (
            "        target: talk\n        condition",
            "        target: step-aside\n        condition",
        ),
    )
    assert _descriptions(new) == ["Node 'step-aside': renamed from 'talk'"]
    # A rename with an edit of one of its choices is still a rename, and the edit is under it.
    edited = _edit(
        ("He steps aside with you.", "He steps aside with you, away from the crowd."),
        ("Walk away.", "Walk away slowly."),
        text=new,
    )
    old = _edit(("He steps aside with you.", "He steps aside with you, away from the crowd."))
    assert _descriptions(edited, old) == [
        "Node 'step-aside': renamed from 'talk'",
        "Node 'step-aside': choice 3 text changed",
    ]


def test_endings_added_removed_renamed_and_changed() -> None:
    new = _edit(
        ("outcome: partial\n    title: It simmers", "outcome: failure\n    title: It boils over"),
        ("debrief: Grabbing the chain made you", "debrief: Grabbing the chain made you, at once,"),
        ("  - id: calm\n", "  - id: cooled\n"),
        ("target: calm\n", "target: cooled\n"),
    )
    assert _descriptions(new) == [
        "Ending 'cooled': renamed from 'calm'",
        "Ending 'partial': outcome partial → failure",
        "Ending 'partial': title is now “It boils over” (was “It simmers”)",
        "Ending 'bad': debrief changed",
    ]
    added = SCENARIO + (
        "  - id: walked\n    outcome: partial\n    title: You walked\n    debrief: Come back.\n"
    )
    assert _descriptions(added) == ["Ending 'walked': added: partial, “You walked”"]
    assert _descriptions(SCENARIO, added) == ["Ending 'walked': removed (“You walked”)"]


def test_scenario_level_changes() -> None:
    new = _edit(
        ("title: A dispute on the corner", "title: A dispute at the corner store"),
        ("summary: Two young men argue over a chain.", "summary: Two men argue over a chain."),
        ("objectives: [Separate the parties]", "objectives: [Separate the parties, Follow up]"),
        ("initial: 6, higher_is_better: false", "initial: 5, higher_is_better: false"),
        ("{key: safety, label: Safety}", "{key: safety, label: Staying safe}"),
        ("pass: {min_score: 0.8, no_critical: true}", "pass: {min_score: 0.7, no_critical: false}"),
        ("default: false}", "default: true}"),
    )
    assert _descriptions(new) == [
        "Scenario: title changed",
        "Scenario: summary changed",
        "Scenario: objective added: “Follow up”",
        "Meters, competencies and pass rule: pass mark 80% → 70%",
        "Meters, competencies and pass rule: a critical-safety error no longer fails the "
        "scenario by itself",
        "Meters, competencies and pass rule: meter tension is now “Tension”, 0..10, starting at "
        "5, lower is better (was “Tension”, 0..10, starting at 6, lower is better)",
        "Meters, competencies and pass rule: competency safety is now called “Staying safe” "
        "(was “Safety”)",
        "Meters, competencies and pass rule: policy share_names_with_police default off → on",
    ]


def test_changes_are_grouped_by_node_in_order() -> None:
    new = _edit(
        ("Two men shout over a chain", "Two men yell over a chain"),
        ("feedback: Grabbing escalates.", "feedback: Grabbing makes it worse."),
        ("feedback: Too late.", "feedback: Far too late."),
    )
    groups = diff_scenarios(SCENARIO, new).groups()
    assert [(where, len(changes)) for where, changes in groups] == [
        ("Node 'arrive'", 2),
        ("Node 'grab'", 1),
    ]


@pytest.mark.parametrize("broken_side", ["older", "newer"])
def test_an_unreadable_version_falls_back_to_a_line_diff_and_says_so(broken_side: str) -> None:
    broken = _edit(("start: arrive\n", "start: [arrive\n"))
    old, new = (broken, SCENARIO) if broken_side == "older" else (SCENARIO, broken)
    diff = diff_scenarios(old, new)
    assert diff.note is not None
    assert diff.note.startswith(f"The {broken_side} version cannot be read as a scenario (line ")
    assert diff.note.endswith("Showing the lines that changed instead.")
    [change] = diff.changes
    assert change.group == "Section “start”"
    assert change.description == "Section “start”: line 16 changed"
    assert (change.before_text, change.after_text) == (
        ("start: [arrive", "start: arrive")
        if broken_side == "older"
        else ("start: arrive", "start: [arrive")
    )


def test_a_module_is_compared_by_lines_under_its_headings_without_the_version_line() -> None:
    old = "---\nid: m\nversion: 1\n---\n# Intro\n\nHello.\n\n## Safety\n\nStay back.\nCall.\n"
    new = "---\nid: m\nversion: 2\n---\n# Intro\n\nHello.\n\n## Safety\n\nStay well back.\nCall.\n"
    diff = diff_documents("module", old, new)
    assert diff.note is None
    assert [c.description for c in diff.changes] == ["Section “Safety”: line 11 changed"]
    assert diff.changes[0].before_text == "Stay back."
    assert diff.changes[0].after_text == "Stay well back."
    assert diff_documents("module", old, old.replace("version: 1", "version: 5")).summary == (
        "No changes"
    )


def test_a_track_lists_lines_added_and_removed_under_their_key() -> None:
    old = "id: t\ntitle: T\nmodules:\n  - a\n  - b\ndescription: x\n"
    new = "id: t\ntitle: T\nmodules:\n  - a\n  - c\ndescription: x\nextra: 1\n"
    said = [c.description for c in diff_documents("track", old, new).changes]
    assert said == ["Section “modules”: line 5 changed", "Section “extra”: 1 line added at line 7"]
    assert [c.description for c in diff_documents("track", new, old).changes] == [
        "Section “modules”: line 5 changed",
        "Section “extra”: 1 line removed (old line 7)",
    ]


def test_word_excerpt_marks_only_changed_words() -> None:
    before, after = word_excerpt("call the partner now", "call your partner now")
    assert before == (("call", False), (" the", True), (" partner now", False))
    assert after == (("call", False), (" your", True), (" partner now", False))


# --- through the library ------------------------------------------------------------------------


def _two_versions_and_a_draft(team: Team, db: Database, clock: FakeClock) -> tuple[int, int, int]:
    changed = _edit(
        ("target: partial\n        feedback: Leaving", "target: bad\n        feedback: Leaving")
    )
    with db.begin() as session:
        doc = library.create_document(
            session, team.trainer, "scenario", "t-corner", SCENARIO, now=clock.now()
        )
        v1 = library.publish(session, team.trainer, doc.id, now=clock.now())
        library.save_draft(session, team.trainer, doc.id, changed, now=clock.now())
        v2 = library.publish(session, team.trainer, doc.id, now=clock.now())
        draft = library.save_draft(session, team.trainer, doc.id, SCENARIO, now=clock.now())
        return v1.id, v2.id, draft.id


def test_anyone_may_compare_published_versions_of_a_scenario(
    sqlite_team: Team, sqlite_db: Database, clock: FakeClock
) -> None:
    v1, v2, _ = _two_versions_and_a_draft(sqlite_team, sqlite_db, clock)
    with sqlite_db.begin() as session:
        diff = library.compare_versions(session, sqlite_team.trainee, v1, v2)
    assert [c.description for c in diff.changes] == [
        "Node 'talk': choice 3 (“Walk away.”) now leads to 'bad' (was 'partial')"
    ]


def test_only_editors_may_compare_a_draft(
    sqlite_team: Team, sqlite_db: Database, clock: FakeClock
) -> None:
    _, v2, draft = _two_versions_and_a_draft(sqlite_team, sqlite_db, clock)
    with sqlite_db.begin() as session:
        diff = library.compare_versions(session, sqlite_team.trainer, v2, draft)
        assert [c.description for c in diff.changes] == [
            "Node 'talk': choice 3 (“Walk away.”) now leads to 'partial' (was 'bad')"
        ]
        for person in (sqlite_team.trainee, sqlite_team.manager):
            with pytest.raises(NotFoundError):  # as get_version: a draft is not there for them
                library.compare_versions(session, person, v2, draft)


def test_versions_of_two_documents_are_not_compared(
    sqlite_team: Team, sqlite_db: Database, clock: FakeClock
) -> None:
    v1, _, _ = _two_versions_and_a_draft(sqlite_team, sqlite_db, clock)
    with sqlite_db.begin() as session:
        doc = library.create_document(
            session,
            sqlite_team.trainer,
            "track",
            "t",
            "id: t\ntitle: T\ndescription: d\nmodules: []\n",
            now=clock.now(),
        )
        other = library.publish(session, sqlite_team.trainer, doc.id, now=clock.now())
        with pytest.raises(ValidationError, match="same document"):
            library.compare_versions(session, sqlite_team.trainer, v1, other.id)
