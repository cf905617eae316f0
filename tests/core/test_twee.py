"""Twee 3 import and export: real Twine files in, bundled scenarios out and back, hostile input
reported line by line and never raised."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trainer.core.library import MAX_CONTENT_CHARS
from trainer.core.paths import bundled_content_root
from trainer.core.scenario import Engine, parse_scenario, scenario_data, scenario_yaml
from trainer.core.twee import (
    NO_FEEDBACK,
    export_twee,
    ifid,
    import_twee,
    import_twee_file,
    parse_links,
    read_passages,
)

DATA = Path(__file__).parent.parent / "data" / "twee"
BUNDLED = sorted((bundled_content_root() / "scenarios").glob("*.yaml"))
IMPORTABLE = [
    "extwee-example.twee",
    "extwee-roundtrip-example2.twee",
    "cookbook-sugarcube-lockandkey.twee",
    "cookbook-harlowe-lockandkey.twee",
]


def _lines(report) -> str:
    return "\n".join(report.lines())


# --- the bundled scenarios -------------------------------------------------------------------


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_scenario_exports_and_imports_back_equal(path: Path) -> None:
    scenario, problems = parse_scenario(path.read_text(encoding="utf-8"))
    assert scenario is not None and not problems
    text = export_twee(scenario)
    back, report = import_twee(text)
    assert back is not None, _lines(report)
    assert scenario_data(back) == scenario_data(scenario)
    assert not report.broken_links and not report.unreachable and not report.problems
    assert export_twee(back) == text  # a second export is the same file, IFID included


def test_export_is_twee_that_twine_reads(tmp_path: Path) -> None:
    scenario, _ = parse_scenario(BUNDLED[0].read_text(encoding="utf-8"))
    assert scenario is not None
    text = export_twee(scenario)
    passages, problems = read_passages(text)
    assert not problems
    names = [p.name for p in passages]
    assert names[:2] == ["StoryTitle", "StoryData"]
    assert set(names[2:]) == set(scenario.nodes) | set(scenario.endings)
    data = next(p for p in passages if p.name == "StoryData")
    assert f'"ifid": "{ifid(scenario.id)}"' in data.text
    assert f'"start": "{scenario.start}"' in data.text
    start = next(p for p in passages if p.name == scenario.start)
    for choice in scenario.nodes[scenario.start].choices:
        assert f"[[{choice.text}->{choice.target}]]" in start.text
    endings = [p for p in passages if p.name in scenario.endings]
    assert all(p.tags == ("ending",) for p in endings)


def test_ifid_is_stable_uppercase_version_4() -> None:
    value = ifid("s01-ed-waiting-room")
    assert value == ifid("s01-ed-waiting-room") != ifid("s02-bedside-engagement")
    assert value == value.upper() and value[14] == "4" and value[19] in "89AB"


# --- real Twine files ------------------------------------------------------------------------


@pytest.mark.parametrize("name", IMPORTABLE)
def test_real_twine_files_import_export_import_equal(name: str) -> None:
    first, report = import_twee_file(DATA / name)
    assert first is not None, _lines(report)
    again, report2 = import_twee(export_twee(first))
    assert again is not None, _lines(report2)
    assert scenario_data(again) == scenario_data(first)
    # and what it made is a scenario file that passes the checks
    assert parse_scenario(scenario_yaml(first))[1] == []


def test_a_twine_story_becomes_nodes_choices_and_endings() -> None:
    scenario, report = import_twee_file(DATA / "extwee-example.twee")
    assert scenario is not None
    assert scenario.title == "twineExample"
    assert scenario.start == "Start"
    assert set(scenario.nodes) == {
        "Start",
        "Another-passage",
        "A-third-passage",
        "A-fourth-passage",
    }
    assert set(scenario.endings) == {"A-fifth-passage"}  # no links: an ending
    assert [(c.text, c.target) for c in scenario.nodes["Start"].choices] == [
        ("Another passage", "Another-passage"),
        ("A third passage", "A-third-passage"),
    ]
    assert report.passages == 5 and report.choices == 6
    assert ("Another passage", "Another-passage") in report.renamed
    assert any("StoryAuthor" in line and "set aside" in line for line in report.lines())
    assert all(c.feedback == NO_FEEDBACK for n in scenario.nodes.values() for c in n.choices)
    # a scenario that plays: from the start to the one ending
    engine = Engine(scenario)
    state = engine.replay([1, 0, 0, 0])  # Start -> third -> Start -> Another -> fourth
    assert state.node == "A-fourth-passage"
    assert engine.is_ending(engine.choose(state, 0))


def test_macros_are_kept_as_text_and_reported() -> None:
    scenario, report = import_twee_file(DATA / "cookbook-sugarcube-lockandkey.twee")
    assert scenario is not None
    assert '<<linkreplace "Pick up the key">>' in scenario.nodes["Back-Room"].text
    macros = {name: names for _, name, names in report.macros}
    assert set(macros) == {"Start", "Back Room", "Front Room"}
    assert "<<linkreplace>>" in macros["Back Room"] and "<<set>>" in macros["Back Room"]
    # a link inside a macro is still a link (Twine's rule), and its line is gone from the text
    assert [c.target for c in scenario.nodes["Front-Room"].choices] == ["Exit", "Back-Room"]
    assert "[[" not in scenario.nodes["Front-Room"].text
    assert "no StoryData passage" in _lines(report)


def test_harlowe_macros_are_reported_by_name() -> None:
    _, report = import_twee_file(DATA / "cookbook-harlowe-lockandkey.twee")
    macros = {name: names for _, name, names in report.macros}
    assert {"(if:)", "(link:)", "(set:)", "(else:)"} <= set(macros["Back Room"])


def test_escaped_names_follow_the_spec() -> None:
    passages, problems = read_passages((DATA / "extwee-escape.twee").read_text(encoding="utf-8"))
    assert not problems
    story = passages[-1]
    assert story.name == "[Hello] {world} \\\\"
    assert story.text == ":: Extra header"  # `\::` at a line's start is a literal '::'
    scenario, report = import_twee_file(DATA / "extwee-escape.twee")
    assert scenario is None  # one passage, no links: nothing to choose
    assert report.start is None
    assert (
        "extwee-escape.twee:15: error: the start passage '[Hello] {world} \\\\' has no links"
        in (_lines(report))
    )


def test_escaped_names_and_tags_import_into_valid_ids() -> None:
    text = (
        ":: StoryTitle\nEscapes\n\n"
        ':: StoryData\n{"ifid": "D674C58C-DEFA-4F70-B7A2-27742230C0FC", "start": "a[1]"}\n\n'
        ":: a\\[1\\] [tag\\]x other]\nGo on: [[Next->b\\c]] or [[the end|end]].\n\n"
        ":: b\\\\c\n[[a[1]]]\n[[end]]\n\n"
        ":: end\nDone.\n"
    )
    passages, problems = read_passages(text)
    assert not problems
    assert [p.name for p in passages[2:]] == ["a[1]", "b\\c", "end"]
    assert passages[2].tags == ("tag]x", "other")
    scenario, report = import_twee(text)
    assert scenario is not None, _lines(report)
    assert scenario.start == "a-1"
    assert [c.target for c in scenario.nodes["a-1"].choices] == ["b-c", "end"]
    assert scenario.nodes["a-1"].text == "Go on: Next or the end.\n"
    # Twine's link pattern ends at the first ']]': `[[a[1]]]` links to 'a[1', which is broken
    assert [c.target for c in scenario.nodes["b-c"].choices] == ["a-1-2", "end"]
    assert [target for _, _, target in report.broken_links] == ["a[1"]


def test_colliding_names_get_numbered_ids_and_valid_names_keep_theirs() -> None:
    text = (
        ":: StoryData\n{}\n:: Start\n[[A B]] [[A-B]] [[A_B]] [[A  B]]\n"
        ":: A B\nx\n:: A-B\ny\n:: A_B\nz\n:: A  B\nw\n"
    )
    scenario, report = import_twee(text)
    assert scenario is not None, _lines(report)
    assert [c.target for c in scenario.nodes["Start"].choices] == ["A-B-2", "A-B", "A_B", "A-B-3"]


@pytest.mark.parametrize(
    ("link", "text", "target"),
    [
        ("[[Go]]", "Go", "Go"),
        ("[[the door->Hall]]", "the door", "Hall"),
        ("[[Hall<-the door]]", "the door", "Hall"),
        ("[[the door|Hall]]", "the door", "Hall"),
        ("[[a->b->Hall]]", "a->b", "Hall"),  # the rightmost arrow
        ("[[Hall<-a<-b]]", "a<-b", "Hall"),  # the leftmost arrow
        ("[[a|b|Hall]]", "a|b", "Hall"),  # the rightmost bar
        ("[[the door|Hall][$x to 1]]", "the door", "Hall"),  # the setter is dropped
    ],
)
def test_links_follow_twines_rules(link: str, text: str, target: str) -> None:
    [found] = parse_links(f"Before {link} after")
    assert (found.text, found.target) == (text, target)


def test_external_links_are_not_choices() -> None:
    assert parse_links("[[Twine->https://twinery.org]] [[Go]]")[0].target == "Go"


# --- problems, each a report line ------------------------------------------------------------


def test_a_broken_link_leads_to_a_new_ending_and_is_reported() -> None:
    text = ":: StoryData\n{}\n:: Start\nHello.\n\n[[Left]]\n[[Nowhere]]\n:: Left [ending]\nBye.\n"
    scenario, report = import_twee(text, source="s.twee")
    assert scenario is not None, _lines(report)
    assert report.broken_links == [(7, "Start", "Nowhere")]
    assert "s.twee:7: passage 'Start' links to 'Nowhere', which does not exist" in _lines(report)
    assert scenario.endings["Nowhere"].title == "Nowhere"


def test_unreachable_passages_are_left_out_and_reported() -> None:
    text = ":: Start\n[[End]]\n:: Lost\n[[End]]\n:: End\nThe end.\n"
    scenario, report = import_twee(text, source="s.twee")
    assert scenario is not None
    assert "Lost" not in scenario.nodes
    assert report.unreachable == [(3, "Lost")]
    assert "s.twee:3: passage 'Lost' cannot be reached from the start" in _lines(report)


def test_duplicate_names_keep_the_first_and_name_both_lines() -> None:
    text = ":: Start\n[[End]]\n:: End\nFirst.\n:: End\nSecond.\n"
    scenario, report = import_twee(text, source="s.twee")
    assert scenario is not None
    assert scenario.endings["End"].debrief == "First.\n"
    assert "s.twee:5: passage 'End' has the same name as the one on line 3" in _lines(report)


def test_bad_storydata_json_names_its_line_and_the_import_goes_on() -> None:
    _, report = import_twee_file(DATA / "extwee-storydataerror.twee")
    assert "extwee-storydataerror.twee:9: StoryData is not valid JSON" in _lines(report)
    assert sum(1 for _, _, why in report.set_aside if why == "a script passage") == 2


def test_bad_passage_metadata_json_is_reported_and_ignored() -> None:
    _, report = import_twee_file(DATA / "extwee-passagemetadataerror.twee")
    assert (
        "extwee-passagemetadataerror.twee:1: passage 'Start': its metadata is not valid JSON"
        in (_lines(report))
    )
    text = ':: Start {"position": 1,}\n[[End]]\n:: End\nx\n'
    scenario, report = import_twee(text)
    assert scenario is not None and "not valid JSON" in _lines(report)


def test_a_story_with_no_ending_is_refused_with_a_reason() -> None:
    scenario, report = import_twee_file(DATA / "cookbook-sugarcube-turncounter.twee")
    assert scenario is None and not report.accepted
    assert "no ending can be reached from the start" in _lines(report)
    assert any(name == "PassageHeader" for _, name, _ in report.set_aside)


def test_missing_storydata_and_start_are_reported() -> None:
    scenario, report = import_twee(":: Begin\n[[End]]\n:: End\nx\n", source="s.twee")
    assert scenario is not None and scenario.start == "Begin"
    lines = _lines(report)
    assert "s.twee:1: no StoryData passage" in lines
    assert "s.twee:1: no start passage" in lines


def test_a_file_over_the_content_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.twee"
    path.write_text(":: Start\n" + "x" * MAX_CONTENT_CHARS, encoding="utf-8")
    scenario, report = import_twee_file(path)
    assert scenario is None
    assert "big.twee:1: error:" in _lines(report) and "more than a content file" in _lines(report)
    scenario, report = import_twee(":: Start\n" + "x" * MAX_CONTENT_CHARS)
    assert scenario is None and "more than a content file" in _lines(report)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "no passages"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "cannot be read as UTF-8"),
        (b":: Start\x00\x01\x02\n[[x]]", "binary data"),
        (b"just some words\nand more", "no passages"),
    ],
)
def test_garbage_is_one_fatal_report_line(tmp_path: Path, content: bytes, says: str) -> None:
    path = tmp_path / "story.twee"
    path.write_bytes(content)
    scenario, report = import_twee_file(path)
    assert scenario is None
    assert says in _lines(report)


def test_text_that_cannot_be_saved_is_refused() -> None:
    scenario, report = import_twee(":: Start\n[[End]]\n:: End\n\ud800\n")
    assert scenario is None and "not valid text" in _lines(report)


def test_unknown_macros_do_not_stop_an_import() -> None:
    text = ":: Start\n<<frobnicate $x>> (zap: $y) <% s.go() %>\n[[End]]\n:: End\nx\n"
    scenario, report = import_twee(text)
    assert scenario is not None
    assert report.macros == [(1, "Start", ("<<frobnicate>>", "(zap:)", "<% %>", "$x", "$y"))]
    assert "<<frobnicate $x>>" in scenario.nodes["Start"].text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(":[]{}\\|<->\n $ab\"'(")), max_size=200))
def test_any_text_gives_a_report_never_an_exception(text: str) -> None:
    scenario, report = import_twee(text)
    assert report.lines()
    if scenario is not None:
        assert parse_scenario(scenario_yaml(scenario))[1] == []
