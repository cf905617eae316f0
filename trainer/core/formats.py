"""Which checker each content kind uses, and `check` over files and folders (the CLI command)."""

from __future__ import annotations

from pathlib import Path

from trainer.core import curriculum, program, scenario
from trainer.core.library import Checker, Problem
from trainer.core.models import ContentKind

CHECKERS: dict[str, Checker] = {
    ContentKind.MODULE: curriculum.module_checker,
    ContentKind.TRACK: curriculum.track_checker,
    ContentKind.SCENARIO: scenario.scenario_checker,
    ContentKind.PROGRAM: program.program_checker,
}


def check_paths(paths: list[Path]) -> tuple[list[str], int]:
    """Problems as 'path:line: message', and how many files were checked."""
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
        for folder in flat_folders:
            for file in sorted(folder.glob("*.yaml")):
                checked += 1
                messages.extend(_check_file(file))
        if path.name in ("scenarios", "certificates"):
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
    return messages, checked


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
        return [p.format(rel) for p in problems]
    if path.name == "track.yaml":
        return [p.format(rel) for p in curriculum.parse_track(text)[1]]
    parsers = {"scenarios": scenario.parse_scenario, "certificates": program.parse_program}
    if path.suffix == ".yaml" and path.parent.name in parsers:
        found, problems = parsers[path.parent.name](text)
        if found is not None and found.id != path.stem:
            problems = [
                *problems,
                Problem(1, f"id {found.id!r} must equal the file name {path.stem!r}"),
            ]
        return [p.format(rel) for p in problems]
    return [
        f"{rel}:1: not a content file CVI Trainer knows (a module .md, a track.yaml, or a "
        "scenario .yaml in scenarios/, a program .yaml in certificates/)"
    ]
