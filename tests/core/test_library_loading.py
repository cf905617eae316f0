"""Loading content fast: libyaml composes in C and one walk checks the content rules, yet every
document gets the same data, the same line numbers and the same refusals as the reference parse
(PyYAML's composer with the rules built in), and a big scenario's messages name the right line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.reliability.fuzzing import fuzz
from trainer.core import library
from trainer.core.curriculum import _quick_check, _validator_class, schema
from trainer.core.formats import check_paths
from trainer.core.library import MAX_NESTING, parse_yaml
from trainer.core.scenario import parse_scenario

ALIAS_MESSAGE = "anchors (&name) and aliases (*name) are not allowed in content"


def _reference(text: str) -> tuple[Any, yaml.Node | None]:
    """What the Python composer with the content rules makes of `text` (the path every
    document took before the C one)."""
    loader = library._ContentLoader(text)
    try:
        root = loader.get_single_node()
        return (loader.construct_document(root) if root is not None else None), root
    finally:
        loader.dispose()


def _lines(root: yaml.Node | None) -> list[tuple[str, str, int, int]]:
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        found.append((type(node).__name__, node.tag, node.start_mark.line, node.start_mark.column))
        if isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return found


def _outcome(parse: Any, text: str) -> tuple[str, str, object]:
    try:
        data, root = parse(text)
    except yaml.YAMLError as exc:
        return "refused", str(exc), None
    return "read", repr(data), _lines(root)


def _same_as_reference(text: str) -> None:
    outcome = _outcome(parse_yaml, text)
    assert outcome == _outcome(_reference, text)
    if outcome[0] == "read":  # the cheap count that keeps huge documents off the C path holds
        assert len(outcome[2]) <= library._most_values(text)  # type: ignore[arg-type]


def _fast_accepts(text: str) -> bool:
    try:
        library._fast_parse(text)
    except (yaml.YAMLError, library._RefusedError, LookupError, ValueError, TypeError):
        return False
    return True


# --- the same result as the reference -------------------------------------------------------

SHIPPED = sorted(Path(library.__file__).parents[2].glob("scenarios/*.yaml"))


@pytest.mark.parametrize("path", SHIPPED[:3], ids=lambda p: p.stem)
def test_shipped_scenarios_read_the_same_through_the_fast_path(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert _fast_accepts(text)
    _same_as_reference(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: 2\n",  # an anchor nothing refers to
        "\ufeffa: 1\nb: &x 2\n",  # after a byte-order mark
        "é: ü\nb: &x 1\n",  # after text that is not ASCII
        "a: 1\r\nb: &x 2\r\n",  # Windows line ends
        "a: &m\n  b: 1\n",  # on a mapping
        "- &q x\n- *q\n",  # on a text, then an alias
        "a: 1\nb: *x\n",  # an alias to nothing
        "a: !!str 1\nb: !!int '2'\n",  # tags
        "a: !!set {x, y}\n",
        "a: 2026-02-30\n",  # a date that does not exist
        "a: =\n",
        "a: <<\n",
        "? [a]\n: 1\n",
        "1: a\ntrue: b\n~: c\n'q': d\n",  # field names are text
        "a: 1\na: 2\n",  # the last of two wins
        "a: " + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1) + "\n",
        "a: " + "[" * MAX_NESTING + "]" * MAX_NESTING + "\n",
        "a: " + "[" * (MAX_NESTING - 1) + "]" * (MAX_NESTING - 1) + "\n",
        "".join(f"{' ' * 2 * i}k{i}:\n" for i in range(MAX_NESTING + 1)) + " " * 120 + "v: 1\n",
        "--- a\n--- b\n",
        "x: |\n  &not an anchor\n  !nor a tag\n",
        "a:\n&k b: 1\n",
        "a:",
        "",
        "# only a comment\n",
        "a: 'unterminated\n",
        "a: [1, 2\n",
        "a: b: c\n",
        "a: \x00\n",
    ],
)
def test_hard_cases_read_or_are_refused_as_the_reference_does(text: str) -> None:
    _same_as_reference(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\n",
        "\ufeffa: 1\nb: &x 2\n",
        "é: ü\nb: &x 1\n",
        "a: 1\r\nb: &x 2\r\n",
        "- &q x\n- *q\n",
        "&k a: 1\n",
        "a: !!str x\n",
        "a: " + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1) + "\n",
        "? [a]\n: 1\n",
    ],
)
def test_the_fast_walk_never_accepts_what_the_rules_refuse(text: str) -> None:
    """It hands anything unusual to the reference parse, which then names the problem."""
    assert not _fast_accepts(text)


YAML_CHARS = "ab1 :-[]{},&*!\n#'\"?|>.~\ufeffé\r\t<=%@`\\"


@fuzz
@given(st.text(alphabet=YAML_CHARS, max_size=80))
def test_fuzz_any_text_reads_as_the_reference_reads_it(text: str) -> None:
    _same_as_reference(text)


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.dates(),
)
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


@fuzz
@given(_DATA, st.sampled_from([None, True, False]), st.booleans(), st.integers(0, 400))
def test_fuzz_written_yaml_reads_as_the_reference_reads_it(
    data: object, flow: bool | None, windows: bool, cut: int
) -> None:
    text = yaml.safe_dump(
        data, default_flow_style=flow, allow_unicode=True, line_break="\r\n" if windows else None
    )
    _same_as_reference(text)
    _same_as_reference(text[:cut] + "&a " + text[cut:])
    _same_as_reference(text[:cut] + "*a" + text[cut:])


# --- a big scenario's messages name their lines ----------------------------------------------


def _big_scenario(nodes: int) -> str:
    parts = [
        "id: big\ntitle: Big\nversion: 1\nsummary: A big one.\nrole: street-outreach\n"
        "estimated_minutes: 60\nobjectives: [Keep it calm]\n"
        "meters:\n  - {key: tension, label: Tension, min: 0, max: 10, initial: 5}\n"
        "competencies:\n  - {key: safety, label: Safety}\n"
        "start: n0\npass: {min_score: 0.5}\nnodes:\n"
    ]
    for i in range(nodes):
        following = f"n{i + 1}" if i + 1 < nodes else "done"
        parts.append(f"  - id: n{i}\n    text: Node {i} & its story.\n    choices:\n")
        for target, points in ((following, 1), ("done", 0)):
            parts.append(
                f"      - text: Go to {target}.\n        target: {target}\n"
                f"        effects: {{tension: -1}}\n        points: {{safety: {points}}}\n"
                f"        feedback: Fine.\n"
            )
    parts.append("endings:\n  - {id: done, outcome: success, title: Done, debrief: Over.}\n")
    return "".join(parts)


BIG = _big_scenario(800)  # about 10,400 lines


def _line(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_a_big_scenario_reads_through_the_fast_path_as_the_reference_reads_it() -> None:
    assert BIG.count("\n") > 9_500
    assert _fast_accepts(BIG)
    _same_as_reference(BIG)
    scenario, problems = parse_scenario(BIG)
    assert scenario is not None and problems == []
    node = scenario.nodes["n700"]
    assert node.line == _line(BIG, "  - id: n700\n")
    assert node.choices[1].target_line == _line(BIG, "- id: n700\n") + 9


@pytest.mark.parametrize(
    "old, new, needle, message",
    [
        (
            "        target: n701\n",
            "        target: nowhere\n",
            "target: nowhere",
            "node n700: choice leads to 'nowhere', which does not exist",
        ),
        (
            "  - id: n701\n",
            "  - id: n701\n    speaker: [Tre]\n",
            "    speaker: [Tre]",
            "nodes.701.speaker: ['Tre'] is not of type 'string'",
        ),
        ("    text: Node 700 ", "    text: &a Node 700 ", "&a Node 700", ALIAS_MESSAGE),
        (
            "    text: Node 700 & its story.\n",
            "    text: Node 700: its story.\n",
            "Node 700: its story",
            "YAML cannot be read: mapping values are not allowed",
        ),
    ],
)
def test_a_problem_deep_in_a_big_scenario_names_its_line(
    tmp_path: Path, old: str, new: str, needle: str, message: str
) -> None:
    text = BIG.replace(old, new, 1)
    assert text != BIG
    line = _line(text, needle)
    assert line > 9_000
    path = tmp_path / "big.yaml"
    path.write_text(text, encoding="utf-8")
    messages, checked = check_paths([path])
    assert checked == 1
    assert [m for m in messages if message in m] == [
        m for m in messages if m.startswith(f"{path.as_posix()}:{line}: ")
    ]
    assert len([m for m in messages if message in m]) == 1


# --- the schema's yes/no check agrees with jsonschema ----------------------------------------


def _jsonschema_finds_nothing(name: str, data: object) -> bool:
    return not any(_validator_class()(schema(name)).iter_errors(data))


ODD = [None, True, False, 0, -1, 1, 2.5, 12.0, float("nan"), float("inf"), 2**60, 601, "", "x"]
ODD += [" ", "success", "wellbeing", "ok-key", "Bad Key", "a\n", "n0", "!", "é", [], {}, ["x"]]
ODD += [{"unknown": 1}, {"min": 1}, {"x": True}, [{"key": "k", "label": "L"}]]
_ODD_VALUES = st.sampled_from(ODD)


def _paths(data: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += _paths(value, (*prefix, i))
    return found


SMALL = parse_yaml(_big_scenario(2))[0]
SMALL_PATHS = _paths(SMALL)[1:]


def _changed(data: Any, path: tuple[Any, ...], value: object, drop: bool) -> Any:
    import copy

    data = copy.deepcopy(data)
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    if drop:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return data


@fuzz
@given(
    st.lists(
        st.tuples(st.sampled_from(SMALL_PATHS), _ODD_VALUES, st.booleans()),
        min_size=1,
        max_size=3,
    )
)
def test_fuzz_the_quick_schema_check_agrees_with_jsonschema(
    changes: list[tuple[tuple[object, ...], object, bool]],
) -> None:
    quick = _quick_check("scenario")
    assert quick is not None
    data = SMALL
    for path, value, drop in changes:
        try:
            data = _changed(data, path, value, drop)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed or replaced what this path named
    assert quick(data) is _jsonschema_finds_nothing("scenario", data)


def test_the_quick_schema_check_agrees_with_jsonschema_on_every_single_change() -> None:
    quick = _quick_check("scenario")
    assert quick is not None
    disagree = []
    for path in SMALL_PATHS:
        for value, drop in [(None, True), *((v, False) for v in ODD)]:
            data = _changed(SMALL, path, value, drop)
            if quick(data) is not _jsonschema_finds_nothing("scenario", data):
                disagree.append((path, value, drop))
    assert disagree == []


def test_the_quick_schema_check_passes_what_jsonschema_passes() -> None:
    quick = _quick_check("scenario")
    assert quick is not None and quick(SMALL) and _jsonschema_finds_nothing("scenario", SMALL)
    assert not quick({**SMALL, "version": True})  # a yes/no value is not a number


def test_schemas_with_keywords_the_quick_check_does_not_know_go_to_jsonschema() -> None:
    assert _quick_check("module") is None  # uses if/then
    assert re.search(r"if|allOf", str(schema("module")))
