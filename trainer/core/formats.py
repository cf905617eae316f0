"""Which checker each content kind uses, and `check` over files and folders (the CLI command):
content found by what it is, every problem a `path:line: message`."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import yaml

from trainer.core import curriculum, program, rubric, scenario
from trainer.core.assessment_quality import (
    QuizQuality,
    ScenarioQuality,
    measure,
    scenario_quality,
    why_refused,
)
from trainer.core.errors import ContentError
from trainer.core.library import Checker, Problem, collector_paused, parse_yaml, read_text_file
from trainer.core.models import ContentKind
from trainer.core.rubric import rubric_competencies

CHECKERS: dict[str, Checker] = {
    ContentKind.MODULE: curriculum.module_checker,
    ContentKind.TRACK: curriculum.track_checker,
    ContentKind.SCENARIO: scenario.scenario_checker,
    ContentKind.PROGRAM: program.program_checker,
    ContentKind.RUBRIC: rubric.rubric_checker,
}


# What each kind of YAML document has that the others do not: content is known by its shape,
# not by the name of the folder it sits in.
_SHAPES = (
    (ContentKind.SCENARIO, {"nodes", "endings", "start", "meters"}),
    (ContentKind.PROGRAM, {"tier", "requirements", "validity_months", "renewal", "disclaimer"}),
    (ContentKind.RUBRIC, {"settings", "competencies"}),
    (ContentKind.TRACK, {"modules"}),
)
_FOLDER_HINTS = {"scenarios": ContentKind.SCENARIO, "certificates": ContentKind.PROGRAM}
_YAML = (".yaml", ".yml")
WHAT_CONTENT_IS = (
    "a module is a .md file with YAML front matter between '---' lines; a track is a "
    "track.yaml; a scenario, program or rubric is a .yaml file with its fields"
)


def check_paths(paths: list[Path]) -> tuple[list[str], int]:
    """Problems as 'path:line: message', and how many content files were checked. Files are
    found by what they are (front matter, a YAML document's fields), wherever they sit; a
    folder with no content in it is a problem. Assessments also give 'path: figures: ...'
    lines and 'path:line: warning: ...' lines (which do not fail a check by themselves: a
    program that requires a failing assessment does)."""
    messages: list[str] = []
    checked = 0
    seen: set[Path] = set()
    for path in paths:
        if not path.exists() and not path.is_symlink():
            messages.append(f"{path.as_posix()}:1: no such file or folder")
            continue
        if not path.is_dir():
            if _first_visit(path, seen):
                checked += 1
                messages.extend(_check_file(path))
            continue
        found = _content_in(path)
        if not found:
            messages.append(f"{path.as_posix()}:1: no content files found here ({WHAT_CONTENT_IS})")
            continue
        found = [(f, kind) for f, kind in found if _first_visit(f, seen)]
        checked += len(found)
        curriculum_folders: dict[Path, list[Path]] = {}
        for file, kind in found:
            if kind == ContentKind.MODULE:
                curriculum_folders.setdefault(file.parent, []).append(file)
            elif kind == ContentKind.TRACK and file.name == "track.yaml":
                curriculum_folders.setdefault(file.parent, [])
            else:
                messages.extend(_check_file(file, kind))
        messages.extend(loc.format() for loc in curriculum.check_curricula(curriculum_folders))
        for folder in sorted(curriculum_folders):
            for module_path in sorted(curriculum_folders[folder]):
                messages.extend(_quality_lines(module_path))
    return messages, checked


def _first_visit(path: Path, seen: set[Path]) -> bool:
    real = path.resolve()
    if real in seen:
        return False
    seen.add(real)
    return True


def _content_in(folder: Path) -> list[tuple[Path, str | None]]:
    """The content files under a folder, each with its kind (None: YAML, whose kind
    `_check_file` finds from the same parse it checks). Hidden folders, READMEs, Markdown without front matter beside
    no track.yaml, and anything that is not a regular file (a FIFO would hang a read) are not
    content; symbolic links to folders are not followed (no loops)."""
    found: list[tuple[Path, str | None]] = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        here = Path(top)
        has_manifest = "track.yaml" in files
        for name in sorted(files):
            file = here / name
            suffix = file.suffix.lower()
            if suffix not in (".md", *_YAML) or not file.is_file():
                continue
            if suffix == ".md":
                if name.lower() != "readme.md" and (has_manifest or _has_front_matter(file)):
                    found.append((file, ContentKind.MODULE))
            else:
                found.append((file, ContentKind.TRACK if name == "track.yaml" else None))
    return found


def _has_front_matter(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            start = file.read(8)
    except OSError:
        return False
    return start.removeprefix(b"\xef\xbb\xbf").startswith(b"---")


def _yaml_kind(path: Path, data: object) -> str | None:
    """A YAML file's content kind by its fields (`data`, None if it does not parse; track.yaml
    by name); None if unclear."""
    if path.name == "track.yaml":
        return ContentKind.TRACK
    if isinstance(data, dict):
        for kind, fields in _SHAPES:
            if fields & data.keys():
                return kind
    if path.parent.name == "rubrics":  # unreadable: the folder is the best guess left
        return ContentKind.RUBRIC
    return _FOLDER_HINTS.get(path.parent.name)


def is_failure(message: str) -> bool:
    """A `check_paths` line that fails the check (not figures, not a warning)."""
    return ": figures: " not in message and ": warning: " not in message


def quality_of(path: Path) -> ScenarioQuality | QuizQuality | None:
    """The assessment figures of a scenario or module file (None if it does not parse).
    Raises ContentError if the file cannot be read."""
    kind = "module" if path.suffix == ".md" else "scenario"
    return measure(kind, read_text_file(path))


def _quality_lines(path: Path, found: scenario.Scenario | None = None) -> list[str]:
    """The figures and warnings of a module or scenario file (of `found`, the scenario in it,
    when the caller has it already: a big one takes seconds to parse again)."""
    rel = path.as_posix()
    try:
        quality = quality_of(path) if found is None else scenario_quality(found)
    except ContentError:
        return []
    if quality is None:
        return []
    return [f"{rel}: figures: {line}" for line in quality.figures()] + [
        f"{rel}:{p.line or 1}: warning: {p.message}" for p in quality.problems()
    ]


def _value_lines(text: str) -> dict[str, int]:
    """The first line of each text value in a YAML document, from one walk of its node tree:
    where a program names what it requires (searching the text per requirement was quadratic)."""
    try:
        _, root = parse_yaml(text)
    except yaml.YAMLError:
        return {}
    lines: dict[str, int] = {}
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            lines.setdefault(str(node.value), node.start_mark.line + 1)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            stack.extend(v for pair in reversed(node.value) for v in reversed(pair))
    return lines


def _refused(what: str, key: str, quality: ScenarioQuality | QuizQuality) -> str:
    why = why_refused(quality)
    return f"requires the {what} {key!r} in assessment mode, but {why}: fix the {what} first"


def _program_references(path: Path, text: str, found: program.Program) -> list[Problem]:
    """What a program requires must exist next to it, and every assessment it requires must
    pass the quality checks: a credential is not earned by a test-taking trick."""
    root = path.parent.parent
    lines = _value_lines(text)
    problems: list[Problem] = []
    req, renewal = found.requirements, found.renewal
    scenario_ids = [r.id for r in req.scenarios] + [
        r.id for r in (renewal.scenarios if renewal else ())
    ]
    module_ids = list(req.modules) + list(renewal.modules if renewal else ())
    if (root / "scenarios").is_dir():
        for key in dict.fromkeys(scenario_ids):
            target = root / "scenarios" / f"{key}.yaml"
            line = lines.get(key, 1)
            if not target.is_file():
                problems.append(Problem(line, f"requires scenario {key!r}, which does not exist"))
                continue
            quality = _quality(target)
            if quality is not None and quality.problems():
                problems.append(Problem(line, _refused("scenario", key, quality)))
    if (root / "curricula").is_dir():
        modules = {p.stem: p for p in (root / "curricula").rglob("*.md") if p.is_file()}
        for key in dict.fromkeys(module_ids):
            line = lines.get(key, 1)
            if key not in modules:
                problems.append(Problem(line, f"requires module {key!r}, which does not exist"))
                continue
            quality = _quality(modules[key])
            if quality is not None and quality.problems():
                problems.append(Problem(line, _refused("knowledge check", key, quality)))
    rubrics_folder = path.parent / "rubrics"
    competencies_of: dict[str, dict[str, str] | None] = {}
    for o in found.requirements.observed:
        line = lines.get(o.competency, 1)
        target = rubrics_folder / f"{o.rubric}.yaml"
        if not target.is_file():
            problems.append(
                Problem(
                    line,
                    f"requires an observation against rubric {o.rubric!r}, which does not exist "
                    f"(no {target.as_posix()})",
                )
            )
            continue
        if o.rubric not in competencies_of:
            try:
                competencies_of[o.rubric] = rubric_competencies(read_text_file(target))
            except ContentError:
                competencies_of[o.rubric] = None
        competencies = competencies_of[o.rubric] or {}
        if o.competency not in competencies:
            known = ", ".join(competencies) or "none"
            problems.append(
                Problem(
                    line,
                    f"rubric {o.rubric!r} has no competency {o.competency!r} (it has: {known})",
                )
            )
    others = {p.stem for p in path.parent.glob("*.yaml")}
    for key in found.requirements.credentials:
        if key not in others:
            problems.append(
                Problem(lines.get(key, 1), f"requires credential {key!r}, which does not exist")
            )
    return problems


def _quality(path: Path) -> ScenarioQuality | QuizQuality | None:
    try:
        return quality_of(path)
    except ContentError:
        return None


_PARSERS: dict[str, Callable[[str], tuple[object, list[Problem]]]] = {
    ContentKind.SCENARIO: scenario.parse_scenario,
    ContentKind.PROGRAM: program.parse_program,
    ContentKind.RUBRIC: rubric.parse_rubric,
}


_DOCUMENTS = (scenario.Scenario, program.Program, rubric.Rubric)


def _check_file(path: Path, kind: str | None = None) -> list[str]:
    """The problems of one file; its kind from its fields when not given."""
    rel = path.as_posix()
    try:
        text = read_text_file(path)
    except ContentError as exc:
        return [f"{rel}:{str(exc).removeprefix('line ')}"]
    if path.suffix.lower() == ".md":
        module, problems = curriculum.parse_module(text)
        if module is not None:
            problems = problems + curriculum.link_problems(module, path.parent)
        return [p.format(rel) for p in problems] + _quality_lines(path)
    if path.suffix.lower() not in _YAML:
        return [f"{rel}:1: not a content file CVI Trainer knows ({WHAT_CONTENT_IS})"]
    parsed: tuple[object, yaml.Node | None] | None = None
    if kind is None:
        try:
            parsed = parse_yaml(text)
        except yaml.YAMLError:
            parsed = None
        kind = _yaml_kind(path, parsed[0] if parsed else None)
    if kind == ContentKind.TRACK:
        return [p.format(rel) for p in curriculum.parse_track(text)[1]]
    if kind not in _PARSERS:
        try:
            if parsed is None:
                parse_yaml(text)
        except yaml.YAMLError as exc:  # unreadable YAML: say why, whatever it was meant to be
            problems = curriculum.load_yaml(text, 0)[2]
            return [p.format(rel) for p in problems] or [f"{rel}:1: YAML cannot be read: {exc}"]
        return [f"{rel}:1: not a content file CVI Trainer knows ({WHAT_CONTENT_IS})"]
    found: object
    if kind == ContentKind.SCENARIO and parsed is not None:
        with collector_paused():  # see parse_scenario
            found, problems = scenario.scenario_from(*parsed)
            del parsed
    else:
        found, problems = _PARSERS[kind](text)
    if isinstance(found, _DOCUMENTS) and found.id != path.stem:
        problems = [
            *problems,
            Problem(1, f"id {found.id!r} must equal the file name {path.stem!r}"),
        ]
    if isinstance(found, program.Program) and not problems:
        problems = _program_references(path, text, found)
    messages = [p.format(rel) for p in problems]
    if isinstance(found, scenario.Scenario) and not problems:
        messages += _quality_lines(path, found)
    return messages
