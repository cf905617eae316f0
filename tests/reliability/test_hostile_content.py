"""Hostile content files: each gets `path:line: message` and exit 1 from `check`, is refused by
publishing with nothing written, and no input makes a parser raise anything but a problem."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

import trainer
from tests.conftest import Team
from tests.core.curriculum_fixtures import TRACK, module_text
from tests.core.scenario_fixtures import SCENARIO
from tests.reliability.fuzzing import fuzz
from trainer.cli import main
from trainer.core import library as library_module
from trainer.core.assessment_quality import quiz_quality, scenario_quality
from trainer.core.curriculum import Module, parse_module, parse_track
from trainer.core.errors import TrainerError, ValidationError
from trainer.core.formats import check_paths
from trainer.core.library import MAX_CONTENT_CHARS, check_document, parse_yaml
from trainer.core.models import AuditEntry
from trainer.core.paths import bundled_content_root
from trainer.core.program import parse_program
from trainer.core.rubric import parse_rubric
from trainer.core.scenario import Scenario, parse_scenario
from trainer.core.services import library

ROOT = bundled_content_root()
PROGRAM = (ROOT / "certificates" / "foundations.yaml").read_text(encoding="utf-8")
RUBRIC = (ROOT / "certificates" / "rubrics" / "field-competencies.yaml").read_text(encoding="utf-8")
MODULE = module_text("basics-1", "First steps")
# The testers' 1 KB "billion laughs": nine levels of nine aliases expand to 9**9 strings.
BOMB = "objectives:\n  - &a0 lol\n" + "".join(
    f"  - &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)
)
BOMB_MODULE = MODULE.replace("objectives: [Explain the basics]\n", BOMB)
ALIAS_MESSAGE = "anchors (&name) and aliases (*name) are not allowed in content"


def _line(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _curriculum(root: Path, module: str = MODULE, *, track: bool = True) -> Path:
    folder = root / "basics"
    folder.mkdir(parents=True, exist_ok=True)
    if track:
        (folder / "track.yaml").write_text(TRACK.replace(", basics-2", ""), encoding="utf-8")
    (folder / "basics-1.md").write_text(module, encoding="utf-8")
    return folder / "basics-1.md"


def _check(capsys: pytest.CaptureFixture[str], *paths: Path) -> tuple[int, list[str], str]:
    code = main(["check", *map(str, paths)])
    out, err = capsys.readouterr()
    lines = [line for line in out.splitlines() if ": figures: " not in line]
    return code, [line for line in lines if ": warning: " not in line], err


def _check_in_a_process(*paths: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`cvi-trainer check` in its own process, killed after a minute: a regression to a hang
    or to eating all memory fails the test instead of stopping the run."""
    env = {**os.environ, "PYTHONPATH": str(Path(trainer.__file__).parent.parent)}
    return subprocess.run(
        [sys.executable, "-m", "trainer", "check", *map(str, paths)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


# --- check: each case the testers found ----------------------------------------------------


def test_an_alias_bomb_is_refused_at_its_line_not_expanded(tmp_path: Path) -> None:
    module = _curriculum(tmp_path / "curricula", BOMB_MODULE)
    assert len(BOMB_MODULE) - len(MODULE) < 1024
    run = _check_in_a_process(Path("curricula"), cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    line = _line(BOMB_MODULE, "&a0")
    assert run.stdout.splitlines()[0] == (
        f"{module.relative_to(tmp_path).as_posix()}:{line}: YAML cannot be read: {ALIAS_MESSAGE}: "
        "write each value out in full"
    )
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    "yaml_text, message",
    [
        ("a: &x 1\nb: 2\n", ALIAS_MESSAGE),
        ("a: 1\nb: *x\n", ALIAS_MESSAGE),  # an alias to nothing
        ("a: 1\n<<: {b: 2}\n", None),  # a merge key is just the text "<<"
        ("? [a, b]\n: 1\n", "a field name must be plain text"),
        ("a: " + "[" * 60 + "]" * 60 + "\n", "nested more than 50 levels deep"),
    ],
)
def test_yaml_content_may_not_use_aliases_complex_keys_or_deep_nesting(
    yaml_text: str, message: str | None
) -> None:
    if message is None:
        data, _ = parse_yaml(yaml_text)
        assert data == {"a": 1, "<<": {"b": 2}}
        return
    with pytest.raises(yaml.YAMLError, match=re.escape(message)):
        parse_yaml(yaml_text)


def _flow_list(items: int) -> str:  # the mapping, `a` and the list are three more values
    return "a: [" + "1, " * items + "]\n"


def _fields(pairs: int) -> str:  # the mapping is one more value
    return "".join(f"k{i}: {i}\n" for i in range(pairs))


@pytest.mark.parametrize(
    "refused, accepted",
    [(_flow_list(19_998), _flow_list(19_997)), (_fields(10_000), _fields(9_999))],
)
def test_a_document_with_more_values_than_the_limit_is_refused(
    refused: str, accepted: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The limit itself (a million) takes seconds to reach; the rule is the same at any size.
    monkeypatch.setattr(library_module, "MAX_VALUES", 20_000)
    with pytest.raises(yaml.YAMLError, match="more than 20,000 values in one document: split it"):
        parse_yaml(refused)
    assert parse_yaml(accepted)[0]


def test_field_names_of_mixed_types_are_unknown_fields_not_a_crash(tmp_path: Path, capsys) -> None:
    text = MODULE.replace("track: basics\n", "track: basics\n1: x\nzzz: y\ntrue: z\n")
    module = _curriculum(tmp_path, text)
    code, out, _ = _check(capsys, tmp_path)
    assert code == 1
    assert out == [
        f"{module.as_posix()}:{_line(text, '1: x')}: unknown field ('1', 'true', 'zzz' were "
        "unexpected)"
    ]
    assert parse_yaml("1: a\nzzz: b\n")[0] == {"1": "a", "zzz": "b"}  # names are text


def _program(root: Path, text: str) -> Path:
    path = root / "certificates" / "foundations.yaml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            "min_score: 80}",
            "min_score: 80.0}",
            "requirements.scenarios.0.min_score: 80.0 must be a whole number, written without "
            "a decimal point",
        ),
        (
            "validity_months: 24",
            "validity_months: 12.0",
            "validity_months: 12.0 must be a whole number, written without a decimal point",
        ),
        (
            "validity_months: 24",
            "validity_months: true",
            "validity_months: true is a yes/no value, not a number",
        ),
        (
            "min_score: 80}",
            "min_score: .nan}",
            "requirements.scenarios.0.min_score: .nan is not a number",
        ),
        (
            "training_hours: {total: 35, in_person: 16}",
            "training_hours: {total: .nan, in_person: 16}",
            "requirements.training_hours.total: .nan is not a number",
        ),
        (
            "training_hours: {total: 35, in_person: 16}",
            "training_hours: {total: .inf, in_person: 16}",
            "requirements.training_hours.total: .inf is not a number",
        ),
        (
            "min_score: 80}",
            "min_score: 99999999999999999999999}",
            "requirements.scenarios.0.min_score: 99999999999999999999999 is too large",
        ),
    ],
)
def test_program_numbers_are_validated_as_the_schema_says(
    tmp_path: Path, capsys, old: str, new: str, message: str
) -> None:
    text = PROGRAM.replace(old, new, 1)
    program = _program(tmp_path, text)
    code, out, _ = _check(capsys, program)
    assert (code, out) == (1, [f"{program.as_posix()}:{_line(text, new)}: {message}"])


@pytest.mark.parametrize(
    "text, needle, message",
    [
        (
            MODULE.replace("pass_mark: 0.75", "pass_mark: .nan"),
            "pass_mark",
            "knowledge_check.pass_mark: .nan is not a number",
        ),
        (
            MODULE.replace("estimated_minutes: 20", "estimated_minutes: 20.0\ncredit_hours: .nan"),
            "estimated_minutes",
            "credit_hours: .nan is not a number",
        ),
        (
            MODULE.replace("version: 1", "version: yes"),
            "version",
            "version: true is a yes/no value, not a number",
        ),
    ],
)
def test_module_numbers_are_finite_and_whole_where_whole(
    tmp_path: Path, capsys, text: str, needle: str, message: str
) -> None:
    module = _curriculum(tmp_path, text)
    code, out, _ = _check(capsys, tmp_path)
    assert code == 1 and out[0].startswith(f"{module.as_posix()}:")
    assert any(line.endswith(message) for line in out), out


def test_a_scenario_min_score_of_nan_is_not_a_number(tmp_path: Path, capsys) -> None:
    path = tmp_path / "practice" / "t-corner.yaml"  # not in a folder called scenarios
    path.parent.mkdir()
    text = SCENARIO.replace("min_score: 0.8", "min_score: .nan")
    path.write_text(text, encoding="utf-8")
    code, out, _ = _check(capsys, tmp_path / "practice")
    assert (code, out) == (
        1,
        [f"{path.as_posix()}:{_line(text, 'pass:')}: pass.min_score: .nan is not a number"],
    )


def test_200000_undefined_footnotes_are_each_reported_at_their_line(tmp_path: Path, capsys) -> None:
    text = MODULE + "".join(f"[^u{i}] " + ("\n" if i % 7 == 0 else "") for i in range(200_000))
    module = _curriculum(tmp_path, text)
    code, out, err = _check(capsys, tmp_path)
    assert code == 1 and len(out) == 200_000
    assert (
        out[0]
        == f"{module.as_posix()}:{_line(text, '[^u0]')}: footnote [^u0] is used but never defined"
    )
    assert out[-1].startswith(f"{module.as_posix()}:{text.count(chr(10)) + 1}: footnote [^u199999]")
    assert "200000 problems" in err


def test_a_module_starting_with_a_byte_order_mark_is_read(tmp_path: Path, capsys) -> None:
    module = _curriculum(tmp_path, "\ufeff" + MODULE)
    code, out, err = _check(capsys, tmp_path)
    assert (code, out) == (0, []), err
    broken = "\ufeff" + MODULE.replace("estimated_minutes: 20", "estimated_minutes: soon")
    module.write_text(broken, encoding="utf-8")
    code, out, _ = _check(capsys, module)
    line = _line(broken, "estimated_minutes")
    assert (code, out) == (
        1,
        [f"{module.as_posix()}:{line}: estimated_minutes: 'soon' is not of type 'integer'"],
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_check_on_a_fifo_says_so_instead_of_waiting(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "module.md")
    folder = tmp_path / "curricula"
    _curriculum(folder)
    os.mkfifo(folder / "basics" / "extra.md")  # inside a folder: not content, not read
    run = _check_in_a_process(Path("module.md"), Path("curricula"), cwd=tmp_path)
    assert run.returncode == 1
    assert run.stdout.splitlines()[0] == (
        "module.md:1: not a regular file (a folder, FIFO, device or socket); check reads "
        "content files only"
    )
    assert "extra.md" not in run.stdout
    assert run.stderr.startswith("1 problem") and run.stderr.strip().endswith("in 3 files.")


def test_a_broken_module_without_a_track_manifest_is_still_checked(tmp_path: Path, capsys) -> None:
    text = MODULE.replace("version: 1", "version: lots")
    module = _curriculum(tmp_path / "loose", text, track=False)
    code, out, _ = _check(capsys, tmp_path / "loose")
    assert code == 1
    assert (
        f"{module.as_posix()}:{_line(text, 'version')}: version: 'lots' is not of type 'integer'"
        in out
    )
    assert (
        f"{module.parent.as_posix()}:1: track folder has no track.yaml manifest (id, title, description, modules)"
        in out
    )


def test_content_is_found_by_its_fields_not_its_folder_name(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "drafts"
    folder.mkdir()
    (folder / "t-corner.yaml").write_text(SCENARIO.replace("target: calm", "target: nowhere"))
    (folder / "field-competencies.yaml").write_text(RUBRIC.replace("version: 1", "version: 0"))
    (folder / "demo.yaml").write_text(PROGRAM.replace("tier: foundations", "tier: gold"))
    (folder / "notes.yaml").write_text("shopping: [milk]\n")
    (folder / "README.md").write_text("# Not content\n")
    code, out, _ = _check(capsys, folder)
    assert code == 1
    assert [line.split(": ", 1)[0] for line in out] == [
        f"{folder.as_posix()}/demo.yaml:3",
        f"{folder.as_posix()}/field-competencies.yaml:{_line(RUBRIC, 'version')}",
        f"{folder.as_posix()}/notes.yaml:1",
        f"{folder.as_posix()}/t-corner.yaml:{_line(SCENARIO, 'target: calm')}",
    ]
    assert "not a content file CVI Trainer knows" in out[2]


@pytest.mark.parametrize("contents", [{}, {"README.md": "# Notes\n", "a.txt": "x"}])
def test_a_folder_with_no_content_fails_the_check(tmp_path: Path, capsys, contents) -> None:
    for name, text in contents.items():
        (tmp_path / name).write_text(text)
    code, out, _ = _check(capsys, tmp_path)
    assert code == 1
    assert out == [
        f"{tmp_path.as_posix()}:1: no content files found here (a module is a .md file with "
        "YAML front matter between '---' lines; a track is a track.yaml; a scenario, program "
        "or rubric is a .yaml file with its fields)"
    ]


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path, capsys) -> None:
    module = _curriculum(tmp_path, MODULE + "x" * MAX_CONTENT_CHARS)
    code, out, _ = _check(capsys, module)
    assert code == 1 and out[0].startswith(f"{module.as_posix()}:1: ")
    assert "is more than a content file may hold" in out[0]


# --- publishing through the library service -------------------------------------------------


@pytest.mark.parametrize(
    "kind, key, text, message",
    [
        ("module", "basics-1", BOMB_MODULE, ALIAS_MESSAGE),
        (
            "module",
            "basics-1",
            MODULE.replace("track: basics\n", "track: basics\n1: x\nzzz: y\n"),
            "unknown field ('1', 'zzz' were unexpected)",
        ),
        (
            "module",
            "basics-1",
            MODULE.replace("pass_mark: 0.75", "pass_mark: .nan"),
            ".nan is not a number",
        ),
        (
            "program",
            "foundations",
            PROGRAM.replace("validity_months: 24", "validity_months: 12.0"),
            "12.0 must be a whole number",
        ),
        (
            "program",
            "foundations",
            PROGRAM.replace("min_score: 80}", "min_score: 80.0}", 1),
            "80.0 must be a whole number",
        ),
        (
            "scenario",
            "t-corner",
            SCENARIO.replace("min_score: 0.8", "min_score: .nan"),
            ".nan is not a number",
        ),
    ],
)
def test_publishing_hostile_content_is_refused_and_writes_nothing(
    sqlite_team: Team, sqlite_db, clock, kind: str, key: str, text: str, message: str
) -> None:
    with sqlite_db.begin() as session:
        doc = library.create_document(
            session, sqlite_team.trainer, kind, key, text, now=clock.now()
        )
        entries = session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(ValidationError, match="cannot be published") as refused:
        with sqlite_db.begin() as session:
            library.publish(session, sqlite_team.trainer, doc.id, now=clock.now())
    assert message in str(refused.value)
    with sqlite_db.begin() as session:
        assert library.live_version(session, sqlite_team.trainer, doc.id) is None
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == entries
        assert library.versions(session, sqlite_team.trainer, doc.id)[0].body == text  # kept


# --- fuzzing: the only outcomes are a result or a list of problems --------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**53 - 2, max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["", "-", "1", "[^x]", "*a", "&a", "core-01-cvi-field", "single"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=10) | st.integers(-3, 5), inner, max_size=4)
    ),
    max_leaves=12,
)


def _mutate(data: Any, choose: st.DataObject) -> Any:
    """Replace, drop or add one node somewhere in the document."""
    if isinstance(data, dict) and data and choose.draw(st.integers(0, 3)):
        key = choose.draw(st.sampled_from(sorted(data, key=str)))
        action = choose.draw(st.sampled_from(["descend", "replace", "drop", "add"]))
        copy = dict(data)
        if action == "descend":
            copy[key] = _mutate(copy[key], choose)
        elif action == "replace":
            copy[key] = choose.draw(VALUES)
        elif action == "drop":
            del copy[key]
        else:
            copy[choose.draw(st.text(max_size=10) | st.integers())] = choose.draw(VALUES)
        return copy
    if isinstance(data, list) and data and choose.draw(st.integers(0, 3)):
        index = choose.draw(st.integers(0, len(data) - 1))
        copy_list = list(data)
        copy_list[index] = _mutate(copy_list[index], choose)
        return copy_list
    return choose.draw(VALUES)


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _edit_text(text: str, choose: st.DataObject) -> str:
    """A few character-level edits: what a slipping hand or a hostile file does."""
    for _ in range(choose.draw(st.integers(1, 4))):
        at = choose.draw(st.integers(0, len(text)))
        cut = choose.draw(st.integers(0, 20))
        insert = choose.draw(
            st.text(max_size=12)
            | st.sampled_from(
                ["&a ", "*a", "\n- ", ": ", "---\n", "\ufeff", "[^", "](", "\t", "!!binary ", "? "]
            )
        )
        text = text[:at] + insert + text[at + cut :]
    return text


def _only_problems(parse: Any, text: str) -> None:
    """Parsing returns (result, problems) or raises a TrainerError; nothing else. What parses
    is measured too (check and the editors do), in a few plays."""
    try:
        result, problems = parse(text)
    except TrainerError:
        return
    assert result is not None or problems
    assert all(isinstance(p.line, int | None) and p.message for p in problems)
    if isinstance(result, Scenario) and not problems:
        scenario_quality(result, plays=20).problems()
    if isinstance(result, Module):
        quiz_quality(result, papers=20).problems()


def _module(front: Any, body: str) -> str:
    return "---\n" + _dump(front) + "---\n" + body


MODULE_FRONT = parse_yaml(MODULE.split("---\n")[1])[0]
MODULE_BODY = MODULE.split("---\n", 2)[2]


@fuzz
@given(st.data())
def test_fuzz_module_front_matter(choose: st.DataObject) -> None:
    text = _module(_mutate(MODULE_FRONT, choose), MODULE_BODY)
    _only_problems(parse_module, text)
    check_document("module", text)


@fuzz
@given(st.data())
def test_fuzz_module_text_edits(choose: st.DataObject) -> None:
    text = _edit_text(MODULE, choose)
    _only_problems(parse_module, text)
    check_document("module", text)


@fuzz
@given(
    st.text(alphabet=st.sampled_from('[]^():!#x \n"<>*_`'), max_size=300) | st.text(max_size=200)
)
def test_fuzz_markdown_bodies(body: str) -> None:
    module, problems = parse_module(MODULE.replace(MODULE_BODY, body))
    assert module is not None or problems


@pytest.mark.parametrize(
    "parse, text",
    [
        (parse_scenario, SCENARIO),
        (parse_program, PROGRAM),
        (parse_rubric, RUBRIC),
        (parse_track, TRACK),
    ],
    ids=["scenario", "program", "rubric", "track"],
)
@fuzz
@given(choose=st.data())
def test_fuzz_content_yaml(parse: Any, text: str, choose: st.DataObject) -> None:
    data = parse_yaml(text)[0]
    _only_problems(parse, _dump(_mutate(data, choose)))
    _only_problems(parse, _edit_text(text, choose))


@fuzz
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a.md", "b.yaml", "track.yaml", "c.yml"]),
            st.binary(max_size=200) | st.text(max_size=300),
        ),
        max_size=4,
    )
)
def test_fuzz_check_paths_on_arbitrary_files(
    tmp_path_factory: pytest.TempPathFactory, files
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    for name, content in files:
        target = folder / "t" / name
        target.parent.mkdir(exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8", errors="surrogatepass")
    messages, _ = check_paths([folder])
    assert all(isinstance(m, str) for m in messages)


def test_half_of_a_character_pair_is_refused_at_its_line() -> None:
    """A lone surrogate (left by a broken decoder or paste) cannot be UTF-8: libyaml raised
    UnicodeEncodeError on it and `check` crashed. Now it is a problem at its line."""
    lines = SCENARIO.splitlines()
    lines[3] = lines[3] + " \ud800"
    scenario, problems = parse_scenario("\n".join(lines) + "\n")
    assert scenario is None
    [problem] = problems
    assert problem.line == 4 and "broken character" in problem.message
