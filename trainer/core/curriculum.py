"""Curriculum modules and track manifests: parsing, checking (with file lines), and whole-curriculum
rules (unique ids, prerequisites that exist and form no cycle, links and images that resolve)."""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import yaml

from trainer.core.errors import ContentError
from trainer.core.library import FRONT_MATTER_RE, Problem, parse_yaml, read_text_file

DEFAULT_PASS_MARK = 0.8
QUESTION_TYPES = ("single", "multiple", "true_false", "ordering")


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool
    explanation: str | None


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    prompt: str
    explanation: str | None
    options: tuple[Option, ...] = ()
    answer: bool | None = None  # true_false
    items: tuple[str, ...] = ()  # ordering, in the correct order


@dataclass(frozen=True)
class Source:
    key: str
    citation: str
    url: str | None


@dataclass(frozen=True)
class Module:
    id: str
    title: str
    track: str
    version: int
    estimated_minutes: int
    objectives: tuple[str, ...]
    prerequisites: tuple[str, ...]
    sources: tuple[Source, ...]
    pass_mark: float
    questions: tuple[Question, ...]
    body: str
    body_first_line: int  # line number of the body's first line in the file
    draw: int = 0  # questions drawn per attempt from the pool (all of them when not set)
    credit_hours: float = 0.0  # training hours a pass counts (self-paced study)
    questions_line: int = 1  # line of `knowledge_check:` in the file


@dataclass(frozen=True)
class Track:
    id: str
    title: str
    description: str
    audience: str | None
    modules: tuple[str, ...]


@cache
def schema(name: str) -> dict[str, Any]:
    text = resources.files("trainer.core").joinpath(f"schemas/{name}.schema.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def node_line(root: yaml.Node | None, path: Sequence[str | int]) -> int | None:
    """1-based line of the YAML node at `path` (or of its closest existing parent)."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        node = child_node(node, part)
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def child_node(node: yaml.Node | None, part: str | int) -> yaml.Node | None:
    """The node at field `part` of a mapping (the first, if written twice) or at index `part`
    of a list; None if there is none."""
    if isinstance(node, yaml.MappingNode):
        return _fields(node).get(str(part))
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]  # type: ignore[no-any-return]
    return None


# JSON-safe integers: every one converts to a float exactly, and fits a database column.
LARGEST_INTEGER = 2**53 - 1


def _is_integer(_checker: Any, value: object) -> bool:
    """A whole number written as one: `12`, not `12.0` (which would then break a date sum or
    an int() of its text), not `true`, and not astronomically large."""
    return type(value) is int and abs(value) <= LARGEST_INTEGER


def _is_number(_checker: Any, value: object) -> bool:
    """A finite number; `.nan` and `.inf` compare false with every limit, so they are no
    number at all, and `true` is not 1."""
    if type(value) is float:
        return math.isfinite(value)
    return _is_integer(_checker, value)


@cache
def _validator_class() -> Any:
    from jsonschema import Draft202012Validator, validators

    checker = Draft202012Validator.TYPE_CHECKER.redefine_many(
        {"integer": _is_integer, "number": _is_number}
    )
    return validators.extend(Draft202012Validator, type_checker=checker)  # type: ignore[no-untyped-call]


def _not_of_type(value: object, wanted: object) -> str | None:
    """Why a value is not of the numeric type a field wants, in words an author acts on (None
    when the field wants no number or the value is no kind of number)."""
    types = wanted if isinstance(wanted, list) else [wanted]
    numeric = [t for t in types if t in ("integer", "number")]
    if not numeric or type(value) not in (bool, int, float):
        return None
    written = _written(value)
    if type(value) is bool:
        return f"{written} is a yes/no value, not a number"
    if type(value) is float and not math.isfinite(value):
        return f"{written} is not a number"
    if abs(value) > LARGEST_INTEGER:  # type: ignore[arg-type]
        return f"{written} is too large"
    if numeric == ["integer"] and type(value) is float:
        if value.is_integer():
            return f"{written} must be a whole number, written without a decimal point"
        return f"{written} is not a whole number"
    return None


def _written(value: object) -> str:
    if type(value) is bool:
        return "true" if value else "false"
    if type(value) is float and not math.isfinite(value):
        return ".nan" if value != value else ("-.inf" if value < 0 else ".inf")
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_FIELDS: WeakKeyDictionary[yaml.MappingNode, dict[str, yaml.Node]] = WeakKeyDictionary()


def _fields(node: yaml.MappingNode) -> dict[str, yaml.Node]:
    """A mapping node's values by field name (the first if written twice), built once: a
    problem list as long as a hostile mapping then costs linear, not quadratic, time."""
    found = _FIELDS.get(node)
    if found is None:
        found = {}
        for key, value in node.value:
            found.setdefault(str(key.value), value)
        _FIELDS[node] = found
    return found


def _describe(error: Any) -> str:
    where = ".".join(str(p) for p in error.absolute_path)
    message = str(error.message)
    if error.validator == "additionalProperties":
        message = message.replace("Additional properties are not allowed", "unknown field")
    elif error.validator == "required":
        message = message.replace("is a required property", "is missing")
    elif error.validator == "type":
        message = _not_of_type(error.instance, error.validator_value) or message
    if len(message) > 300:  # a huge value is named, not printed
        message = message[:297] + "..."
    return f"{where}: {message}" if where else message


# Keywords that describe a schema but check nothing.
_ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "title", "description", "default", "$comment"})
_KNOWN = _ANNOTATIONS | {
    "type", "required", "properties", "additionalProperties", "items", "minItems", "maxItems",
    "minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum", "enum", "$ref",
}  # fmt: skip
_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: _is_integer(None, v),
    "number": lambda v: _is_number(None, v),
}
Check = Callable[[Any], bool]


class _UnsupportedError(Exception):
    """A schema uses a keyword _quick_check does not know."""


@cache
def _quick_check(name: str) -> Check | None:
    """Schema `name` as a yes/no test, True exactly when jsonschema (with this module's number
    types) finds no error: about twenty times faster, so that a valid 10,000-node scenario is
    not walked by jsonschema at all. Only a document that fails it is walked, for the messages.
    None for a schema with a keyword it does not know (`if`, `allOf`, `uniqueItems` ...)."""
    root = schema(name)
    defs: dict[str, Check] = {}
    try:
        for key, sub in root.get("$defs", {}).items():
            defs[key] = _compile(sub, defs, root["$defs"])
        return _compile(root, defs, root.get("$defs", {}))
    except _UnsupportedError:
        return None


def _compile(s: Any, defs: dict[str, Check], names: dict[str, Any]) -> Check:
    """One subschema as a yes/no test; a `$ref` to `#/$defs/<name>` (one of `names`) looks
    its test up in `defs` when run, so definitions may refer to each other."""
    if isinstance(s, bool):
        return lambda v: s
    if not isinstance(s, dict) or not _KNOWN.issuperset(s):
        raise _UnsupportedError
    types = s.get("type")
    type_tests = [_TYPES[t] for t in ([types] if isinstance(types, str) else types or [])]
    required = tuple(s.get("required", ()))
    props = {k: _compile(v, defs, names) for k, v in s.get("properties", {}).items()}
    extra = s.get("additionalProperties", True)
    more = None if extra is False else _compile(extra, defs, names)
    objects = bool(required or props or "additionalProperties" in s)
    items = _compile(s["items"], defs, names) if "items" in s else None
    min_items, max_items = s.get("minItems", 0), s.get("maxItems")
    min_len, max_len = s.get("minLength", 0), s.get("maxLength")
    pattern = re.compile(s["pattern"]) if "pattern" in s else None
    low, high, above = s.get("minimum"), s.get("maximum"), s.get("exclusiveMinimum")
    enum = s.get("enum")
    if enum is not None and not all(isinstance(e, str) for e in enum):
        raise _UnsupportedError  # jsonschema compares numbers and booleans its own way
    choices = frozenset(enum) if enum is not None else None
    ref = s.get("$ref")
    if ref is not None and not (ref.startswith("#/$defs/") and ref[8:] in names):
        raise _UnsupportedError
    target = ref[8:] if ref is not None else None

    def check(v: Any) -> bool:
        if type_tests and not any(t(v) for t in type_tests):
            return False
        if isinstance(v, dict):
            if objects:
                if any(k not in v for k in required):
                    return False
                for k, x in v.items():
                    test = props.get(k, more)
                    if test is None or not test(x):
                        return False
        elif isinstance(v, list):
            if len(v) < min_items or (max_items is not None and len(v) > max_items):
                return False
            if items is not None and not all(items(x) for x in v):
                return False
        elif isinstance(v, str):
            if len(v) < min_len or (max_len is not None and len(v) > max_len):
                return False
            if pattern is not None and not pattern.search(v):
                return False
        if (low is not None or high is not None or above is not None) and _is_number(None, v):
            if (low is not None and v < low) or (high is not None and v > high):
                return False
            if above is not None and v <= above:
                return False
        if choices is not None and not (isinstance(v, str) and v in choices):
            return False
        return target is None or defs[target](v)

    return check


def schema_problems(
    data: Any, root: yaml.Node | None, schema_name: str, offset: int = 0
) -> list[Problem]:
    quick = _quick_check(schema_name)
    if quick is not None and quick(data):
        return []  # jsonschema would find nothing, and took seconds to say so on a big file
    validator = _validator_class()(schema(schema_name))
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        path = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            path += extra[:1]  # point at the unknown key itself
        line = node_line(root, path)
        problems.append(Problem((line or 1) + offset, _describe(error)))
    return problems


def load_yaml(source: str, offset: int) -> tuple[Any, yaml.Node | None, list[Problem]]:
    try:
        data, root = parse_yaml(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        lines = max(1, len(source.splitlines()))
        line = min(mark.line + 1, lines) + offset if mark is not None else 1 + offset
        reason = getattr(exc, "problem", None) or str(exc)
        return None, None, [Problem(line, f"YAML cannot be read: {reason}")]
    return data, root, []


def _question_problems(
    questions: list[dict[str, Any]], root: yaml.Node | None, offset: int
) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for index, q in enumerate(questions):

        def at(*path: str | int, _i: int = index) -> int:
            return (node_line(root, ["knowledge_check", "questions", _i, *path]) or 1) + offset

        qid = str(q.get("id"))
        if qid in seen:
            problems.append(Problem(at("id"), f"question id {qid!r} is used twice"))
        seen.add(qid)
        kind = q.get("type")
        correct = sum(1 for o in q.get("options") or [] if o.get("correct"))
        if kind == "single" and correct != 1:
            problems.append(
                Problem(
                    at("options"),
                    f"question {qid}: a single-choice question "
                    f"needs exactly one option with correct: true (has {correct})",
                )
            )
        if kind == "multiple" and correct == 0:
            problems.append(
                Problem(at("options"), f"question {qid}: mark at least one option correct: true")
            )
        if kind == "ordering" and len(set(q.get("items") or [])) != len(q.get("items") or []):
            problems.append(Problem(at("items"), f"question {qid}: ordering items must differ"))
        if kind in ("true_false", "ordering") and q.get("options"):
            problems.append(
                Problem(at("options"), f"question {qid}: {kind} questions take no options")
            )
    return problems


def parse_module(text: str) -> tuple[Module | None, list[Problem]]:
    """The module in `text`, or None with the problems (lines are file lines)."""
    match = FRONT_MATTER_RE.match(text)
    if not match:
        return None, [Problem(1, "a module starts with YAML front matter between '---' lines")]
    data, root, problems = load_yaml(match.group(1), offset=1)
    if problems:
        return None, problems
    if not isinstance(data, dict):
        return None, [Problem(2, "the front matter must be a mapping of fields (id: ..., ...)")]
    problems = schema_problems(data, root, "module", offset=1)
    if problems:
        return None, problems
    check = data["knowledge_check"]
    problems = _question_problems(check["questions"], root, offset=1)
    if check.get("draw", 0) > len(check["questions"]):
        problems.append(
            Problem(
                (node_line(root, ["knowledge_check", "draw"]) or 1) + 1,
                f"draw is {check['draw']} but the pool has only {len(check['questions'])} "
                "questions",
            )
        )
    if problems:
        return None, problems
    body = text[match.end() :]
    body_first_line = text[: match.end()].count("\n") + 1
    questions = tuple(
        Question(
            id=str(q["id"]),
            type=q["type"],
            prompt=q["prompt"],
            explanation=q.get("explanation"),
            options=tuple(
                Option(o["text"], bool(o.get("correct")), o.get("explanation"))
                for o in q.get("options") or []
            ),
            answer=q.get("answer"),
            items=tuple(q.get("items") or ()),
        )
        for q in check["questions"]
    )
    module = Module(
        id=data["id"],
        title=data["title"].strip(),
        track=data["track"],
        version=data["version"],
        estimated_minutes=data["estimated_minutes"],
        objectives=tuple(data["objectives"]),
        prerequisites=tuple(data.get("prerequisites") or ()),
        sources=tuple(Source(s["key"], s["citation"], s.get("url")) for s in data["sources"]),
        pass_mark=float(check.get("pass_mark", DEFAULT_PASS_MARK)),
        questions=questions,
        body=body,
        body_first_line=body_first_line,
        draw=min(int(check.get("draw") or len(questions)), len(questions)),
        credit_hours=float(data.get("credit_hours") or 0),
        questions_line=(node_line(root, ["knowledge_check"]) or 1) + 1,
    )
    return module, _body_problems(module)


FOOTNOTE_USE_RE = re.compile(r"\[\^([^\[\]]+)\](?!:)")
FOOTNOTE_DEF_RE = re.compile(r"^\[\^([^\[\]\n]+)\]:", re.M)
LINK_RE = re.compile(r"(!?)\[[^\[\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def _body_lines(module: Module) -> Callable[[int], int]:
    """The file line of a position in the body, found by bisection over the body's line starts
    (counting newlines before each of 200,000 problems took a minute)."""
    starts = [0, *(m.end() for m in re.finditer("\n", module.body))]
    return lambda index: module.body_first_line + bisect_right(starts, index) - 1


def _body_problems(module: Module) -> list[Problem]:
    problems = []
    line = _body_lines(module)
    defined = set(FOOTNOTE_DEF_RE.findall(module.body))
    for m in FOOTNOTE_USE_RE.finditer(module.body):
        if m.group(1) not in defined:
            problems.append(
                Problem(line(m.start()), f"footnote [^{m.group(1)}] is used but never defined")
            )
    return problems


def link_problems(module: Module, folder: Path | None) -> list[Problem]:
    """Relative links and images must exist next to the module; images may not be remote."""
    problems = []
    body_line = _body_lines(module)
    for m in LINK_RE.finditer(module.body):
        is_image, target = m.group(1) == "!", m.group(2)
        line = body_line(m.start())
        if target.startswith(("http://", "https://", "mailto:")):
            if is_image:
                problems.append(
                    Problem(
                        line,
                        f"image {target} is on the internet; put the file "
                        "next to the module so it shows offline",
                    )
                )
            continue
        if target.startswith("#"):
            continue
        if folder is not None and not (folder / target.split("#", 1)[0]).exists():
            kind = "image" if is_image else "link"
            problems.append(
                Problem(line, f"{kind} target {target!r} does not exist next to this module")
            )
    return problems


def parse_track(text: str) -> tuple[Track | None, list[Problem]]:
    data, root, problems = load_yaml(text, offset=0)
    if problems:
        return None, problems
    problems = schema_problems(data, root, "track")
    if problems:
        return None, problems
    return Track(
        data["id"],
        data["title"].strip(),
        " ".join(data["description"].split()),
        data.get("audience"),
        tuple(data["modules"]),
    ), []


def module_checker(text: str, key: str | None) -> list[Problem]:
    """Library checker: a module that cannot be parsed cannot be published."""
    _, problems = parse_module(text)
    return problems


def track_checker(text: str, key: str | None) -> list[Problem]:
    _, problems = parse_track(text)
    return problems


# --- whole-curriculum rules ------------------------------------------------------------------


@dataclass(frozen=True)
class Located:
    """A problem in a named file."""

    path: str
    problem: Problem

    def format(self) -> str:
        return self.problem.format(self.path)


def cycle_in(prerequisites: dict[str, tuple[str, ...]]) -> list[str] | None:
    """One prerequisite cycle as a list of ids (first == last), or None. Iterative DFS."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    for start in prerequisites:
        if state.get(start):
            continue
        stack: list[tuple[str, Iterable[str]]] = [(start, iter(prerequisites.get(start, ())))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(iter(children), None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            if child not in prerequisites:
                continue
            if state.get(child) == 1:
                return [*path[path.index(child) :], child]
            if not state.get(child):
                state[child] = 1
                stack.append((child, iter(prerequisites[child])))
                path.append(child)
    return None


def check_curricula(folders: dict[Path, list[Path]]) -> list[Located]:
    """Every problem in a curriculum: each track folder's manifest (its track.yaml) and the
    modules found in it, then the rules across files. Files are named as the person named
    them (relative in, relative out)."""
    found: list[Located] = []
    modules: dict[str, tuple[str, Module]] = {}
    broken: set[str] = set()  # ids of modules that failed to parse: no knock-on errors
    tracks: dict[str, tuple[str, Track]] = {}
    for folder, module_paths in sorted(folders.items()):
        manifest = folder / "track.yaml"
        rel_manifest = manifest.as_posix()
        if not manifest.is_file():
            if module_paths:
                found.append(
                    Located(
                        folder.as_posix(),
                        Problem(
                            1,
                            "track folder has no "
                            "track.yaml manifest (id, title, description, modules)",
                        ),
                    )
                )
        else:
            track, problems = parse_track(_read(manifest, found, rel_manifest))
            found.extend(Located(rel_manifest, p) for p in problems)
            if track is not None:
                if track.id != folder.name:
                    found.append(
                        Located(
                            rel_manifest,
                            Problem(
                                _line_of(manifest, "id"),
                                f"track id {track.id!r} must equal its folder name {folder.name!r}",
                            ),
                        )
                    )
                tracks[track.id] = (rel_manifest, track)
        for path in sorted(module_paths):
            rel = path.as_posix()
            module, problems = parse_module(_read(path, found, rel))
            found.extend(Located(rel, p) for p in problems)
            if module is None:
                broken.add(path.stem)
                continue
            found.extend(Located(rel, p) for p in link_problems(module, path.parent))
            if module.id != path.stem:
                found.append(
                    Located(
                        rel,
                        Problem(
                            _line_of(path, "id"),
                            f"id {module.id!r} must equal the file name {path.stem!r}",
                        ),
                    )
                )
            if module.track != folder.name:
                found.append(
                    Located(
                        rel,
                        Problem(
                            _line_of(path, "track"),
                            f"track {module.track!r} must equal the folder name {folder.name!r}",
                        ),
                    )
                )
            if module.id in modules:
                found.append(
                    Located(
                        rel,
                        Problem(
                            _line_of(path, "id"),
                            f"id {module.id!r} is already used by {modules[module.id][0]}",
                        ),
                    )
                )
                continue
            modules[module.id] = (rel, module)
    for rel, module in modules.values():
        for pre in module.prerequisites:
            if pre not in modules and pre not in broken:
                found.append(
                    Located(
                        rel,
                        Problem(
                            _line_of(Path(rel), "prerequisites"),
                            f"prerequisite {pre!r} is not a module in this curriculum",
                        ),
                    )
                )
    cycle = cycle_in({mid: m.prerequisites for mid, (_, m) in modules.items()})
    if cycle:
        rel = modules[cycle[0]][0]
        found.append(
            Located(
                rel,
                Problem(
                    _line_of(Path(rel), "prerequisites"),
                    "prerequisites form a cycle: " + " -> ".join(cycle),
                ),
            )
        )
    for rel, track in tracks.values():
        for mid in track.modules:
            if mid in broken:
                continue
            if mid not in modules:
                found.append(
                    Located(
                        rel,
                        Problem(
                            _line_of(Path(rel), "modules"),
                            f"module {mid!r} is listed but there is no {mid}.md",
                        ),
                    )
                )
            elif modules[mid][1].track != track.id:
                found.append(
                    Located(
                        rel,
                        Problem(
                            _line_of(Path(rel), "modules"),
                            f"module {mid!r} belongs to track {modules[mid][1].track!r}",
                        ),
                    )
                )
    return found


def _read(path: Path, found: list[Located], rel: str) -> str:
    try:
        return read_text_file(path)
    except ContentError as exc:
        found.append(Located(rel, Problem(1, str(exc).removeprefix("line 1: "))))
        return ""


@lru_cache(maxsize=64)
def _field_lines(path: Path, _stamp: tuple[int, int]) -> dict[str, int]:
    """The first line of each top-level `field:` in a file, read once (not once per problem)."""
    lines: dict[str, int] = {}
    try:
        text = read_text_file(path)
    except ContentError:
        return lines
    for number, line in enumerate(text.splitlines(), 1):
        field, colon, _ = line.partition(":")
        if colon and field and not field[0].isspace():
            lines.setdefault(field, number)
    return lines


def _line_of(path: Path, field: str) -> int:
    try:
        info = path.stat()
    except OSError:
        return 1
    return _field_lines(path, (info.st_mtime_ns, info.st_size)).get(field, 1)
