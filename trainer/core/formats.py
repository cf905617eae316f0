"""Which checker each content kind uses, and `check` over files and folders (the CLI command)."""

from __future__ import annotations

from pathlib import Path

from trainer.core import curriculum, program, rubric, scenario
from trainer.core.assessment_quality import QuizQuality, ScenarioQuality, measure, why_refused
from trainer.core.library import Checker, Problem
from trainer.core.models import ContentKind
from trainer.core.rubric import rubric_competencies

CHECKERS: dict[str, Checker] = {
    ContentKind.MODULE: curriculum.module_checker,
    ContentKind.TRACK: curriculum.track_checker,
    ContentKind.SCENARIO: scenario.scenario_checker,
    ContentKind.PROGRAM: program.program_checker,
    ContentKind.RUBRIC: rubric.rubric_checker,
}


def check_paths(paths: list[Path]) -> tuple[list[str], int]:
    """Problems as 'path:line: message', and how many files were checked. Assessments also
    give 'path: figures: ...' lines and 'path:line: warning: ...' lines (which do not fail a
    check by themselves: a program that requires a failing assessment does)."""
    messages: list[str] = []
    checked = 0
    for path in paths:
        if not path.exists():
            messages.append(f"{path.as_posix()}:1: no such file or folder")
            continue
        if path.is_file():
            checked += 1
            messages.extend(_check_file(path))
            continue
        flat_folders = [
            folder
            for name in ("scenarios", "certificates")
            for folder in ([path] if path.name == name else [path / name])
            if folder.is_dir()
        ]
        # Rubrics live beside the programs that require them, in certificates/rubrics/.
        flat_folders += [f / "rubrics" for f in flat_folders if f.name == "certificates"]
        flat_folders += [path] if path.name == "rubrics" else []
        flat_folders = [f for f in flat_folders if f.is_dir()]
        for folder in flat_folders:
            for file in sorted(folder.glob("*.yaml")):
                checked += 1
                messages.extend(_check_file(file))
        if path.name in ("scenarios", "certificates", "rubrics"):
            continue
        curricula = path / "curricula" if (path / "curricula").is_dir() else path
        if (
            curricula.name == "curricula"
            or (curricula / "track.yaml").exists()
            or any((p / "track.yaml").exists() for p in curricula.iterdir() if p.is_dir())
        ):
            checked += sum(1 for _ in curricula.rglob("*.md")) + sum(
                1 for _ in curricula.rglob("track.yaml")
            )
            messages.extend(loc.format() for loc in curriculum.check_curricula(curricula))
            for module_path in sorted(curricula.rglob("*.md")):
                messages.extend(_quality_lines(module_path))
    return messages, checked


def is_failure(message: str) -> bool:
    """A `check_paths` line that fails the check (not figures, not a warning)."""
    return ": figures: " not in message and ": warning: " not in message


def quality_of(path: Path) -> ScenarioQuality | QuizQuality | None:
    """The assessment figures of a scenario or module file (None if it does not parse)."""
    kind = "module" if path.suffix == ".md" else "scenario"
    return measure(kind, path.read_text(encoding="utf-8"))


def _quality_lines(path: Path) -> list[str]:
    rel = path.as_posix()
    try:
        quality = quality_of(path)
    except (OSError, UnicodeDecodeError):
        return []
    if quality is None:
        return []
    return [f"{rel}: figures: {line}" for line in quality.figures()] + [
        f"{rel}:{p.line or 1}: warning: {p.message}" for p in quality.problems()
    ]


def _line_with(text: str, needle: str) -> int:
    return next((i for i, line in enumerate(text.splitlines(), 1) if needle in line), 1)


def _refused(what: str, key: str, quality: ScenarioQuality | QuizQuality) -> str:
    why = why_refused(quality)
    return f"requires the {what} {key!r} in assessment mode, but {why}: fix the {what} first"


def _program_references(path: Path, text: str, found: program.Program) -> list[Problem]:
    """What a program requires must exist next to it, and every assessment it requires must
    pass the quality checks: a credential is not earned by a test-taking trick."""
    root = path.parent.parent
    problems: list[Problem] = []
    req, renewal = found.requirements, found.renewal
    scenario_ids = [r.id for r in req.scenarios] + [
        r.id for r in (renewal.scenarios if renewal else ())
    ]
    module_ids = list(req.modules) + list(renewal.modules if renewal else ())
    if (root / "scenarios").is_dir():
        for key in dict.fromkeys(scenario_ids):
            target = root / "scenarios" / f"{key}.yaml"
            line = _line_with(text, key)
            if not target.is_file():
                problems.append(Problem(line, f"requires scenario {key!r}, which does not exist"))
                continue
            quality = quality_of(target)
            if quality is not None and quality.problems():
                problems.append(Problem(line, _refused("scenario", key, quality)))
    if (root / "curricula").is_dir():
        modules = {p.stem: p for p in (root / "curricula").rglob("*.md")}
        for key in dict.fromkeys(module_ids):
            line = _line_with(text, key)
            if key not in modules:
                problems.append(Problem(line, f"requires module {key!r}, which does not exist"))
                continue
            quality = quality_of(modules[key])
            if quality is not None and quality.problems():
                problems.append(Problem(line, _refused("knowledge check", key, quality)))
    rubrics_folder = path.parent / "rubrics"
    for o in found.requirements.observed:
        line = _line_with(text, f"competency: {o.competency}")
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
        competencies = rubric_competencies(target.read_text(encoding="utf-8")) or {}
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
                Problem(_line_with(text, key), f"requires credential {key!r}, which does not exist")
            )
    return problems


def _check_file(path: Path) -> list[str]:
    rel = path.as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [f"{rel}:1: cannot be read as UTF-8 text: {exc}"]
    if path.suffix == ".md":
        module, problems = curriculum.parse_module(text)
        if module is not None:
            problems = problems + curriculum.link_problems(module, path.parent)
        return [p.format(rel) for p in problems] + _quality_lines(path)
    if path.name == "track.yaml":
        return [p.format(rel) for p in curriculum.parse_track(text)[1]]
    parsers = {
        "scenarios": scenario.parse_scenario,
        "certificates": program.parse_program,
        "rubrics": rubric.parse_rubric,
    }
    if path.suffix == ".yaml" and path.parent.name in parsers:
        found, problems = parsers[path.parent.name](text)
        if found is not None and found.id != path.stem:
            problems = [
                *problems,
                Problem(1, f"id {found.id!r} must equal the file name {path.stem!r}"),
            ]
        if isinstance(found, program.Program) and not problems:
            problems = _program_references(path, text, found)
        messages = [p.format(rel) for p in problems]
        if isinstance(found, scenario.Scenario) and not problems:
            messages += _quality_lines(path)
        return messages
    return [
        f"{rel}:1: not a content file CVI Trainer knows (a module .md, a track.yaml, or a "
        "scenario .yaml in scenarios/, a program .yaml in certificates/, a rubric .yaml in "
        "certificates/rubrics/)"
    ]
