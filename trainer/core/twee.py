"""Twee 3 import and export: Twine stories in as scenarios, scenarios out as Twee that Twine opens.

Import follows the Twee 3 specification for the file (passage headers `:: Name [tags] {json}`,
backslash escapes, StoryTitle, StoryData, the start passage) and Twine's link rules for choices
(klembot/twinejs src/util/parse-links.ts): `[[T]]`, `[[text->T]]`, `[[T<-text]]`, `[[text|T]]`,
with a setter component `][...` dropped. Story-format macros stay in the text as they are and
are reported; nothing of them is run or translated.

What becomes what:
- a passage tagged `ending`, or one with no links, is an ending; every other passage is a node,
  and each of its links a choice;
- `script` / `stylesheet` passages and the story formats' special passages are set aside;
- a link to a passage that does not exist leads to a new ending of that name (Twine creates the
  passage the same way), to be written; the report lists it;
- a node no link reaches from the start is left out (it may be reached by a macro), and listed;
- node ids are passage names where those are valid ids; other names become ids by keeping
  letters, digits, `_`, `.` and `-` (other runs become `-`), and a name whose id is taken gets
  `-2`, `-3`, ... in file order. Valid names claim their ids first, so they never change.

Export writes StoryTitle, StoryData (an IFID derived from the scenario id, so the same scenario
always gets the same one) and one passage per node and ending, choices as `[[text->Target]]`
lines, and a card's position on the story map as Twee 3's `"position": "x,y"` passage metadata
(which Twine's own map uses). What Twine has no place for (meters, effects, points, feedback, critical-safety flags,
conditions, the pass rule, ...) goes under a "cvi-trainer" key in StoryData and in each
passage's metadata, so that importing the export gives back an equal scenario. Twine itself
keeps only the passages, links and tags of such a file: what it drops is reported by nothing,
because Twine is then the one reading it.

The imported scenario is written as YAML and read back by `parse_scenario`, so what the import
accepts is exactly what `cvi-trainer check` accepts.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trainer.core.errors import ContentError
from trainer.core.library import MAX_CONTENT_CHARS, Problem, read_text_file
from trainer.core.scenario import (
    Scenario,
    in_file_order,
    parse_scenario,
    scenario_data,
    scenario_yaml,
)

OUR_KEY = "cvi-trainer"  # our data in StoryData and passage metadata
ENDING_TAG = "ending"
NO_FEEDBACK = "(No feedback written yet.)"
_SET_ASIDE_TAGS = {
    "script": "a script passage",
    "stylesheet": "a stylesheet passage",
    "widget": "a SugarCube widget passage",
    "startup": "a startup passage",
    "header": "a header passage",
    "footer": "a footer passage",
    "Twine.private": "a private passage",
    "annotation": "an annotation",
}
# Passages that story formats and compilers give a meaning of their own; never a scene.
_SPECIAL_NAMES = frozenset(
    [
        "StoryAuthor",
        "StorySubtitle",
        "StoryMenu",
        "StoryInit",
        "StoryCaption",
        "StoryBanner",
        "StoryShare",
        "StorySettings",
        "StoryIncludes",
        "StoryInterface",
        "PassageReady",
        "PassageDone",
        "PassageHeader",
        "PassageFooter",
        "StoryScript",
        "StoryStylesheet",
    ]
)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,119}$")
_LINK = re.compile(r"\[\[(.*?)\]\]")
_EXTERNAL = re.compile(r"^\w+://?/?\w")
_HARLOWE_NAMES = frozenset(
    [
        "set",
        "put",
        "move",
        "if",
        "unless",
        "else-if",
        "elseif",
        "else",
        "either",
        "link",
        "link-goto",
        "link-reveal",
        "link-repeat",
        "link-reveal-goto",
        "link-show",
        "link-rerun",
        "link-undo",
        "link-fullscreen",
        "click-goto",
        "goto",
        "go-to",
        "print",
        "display",
        "show",
        "hide",
        "replace",
        "append",
        "prepend",
        "click",
        "click-replace",
        "mouseover",
        "live",
        "stop",
        "history",
        "visited",
        "passage",
        "datamap",
        "dm",
        "array",
        "a",
        "dataset",
        "ds",
        "text",
        "str",
        "num",
        "number",
        "random",
        "cond",
        "nth",
        "count",
        "range",
        "sorted",
        "save-game",
        "load-game",
        "undo",
        "alert",
        "prompt",
        "confirm",
        "enchant",
        "transition",
        "t8n",
        "font",
        "align",
        "colour",
        "color",
        "text-colour",
        "text-color",
        "text-style",
        "background",
        "hook",
        "css",
        "after",
        "hidden",
        "cycling-link",
        "seq-link",
        "dropdown",
        "input-box",
        "force-input",
        "checkbox",
        "meter",
        "verbatim",
        "for",
        "loop",
        "each",
        "redirect",
        "restart",
        "reload",
        "icon-undo",
        "icon-redo",
        "dialog",
        "debug-mode",
    ]
)
_MACROS = (
    re.compile(r"<<\s*(/?[A-Za-z][\w-]*)"),  # SugarCube (and Harlowe 1)
    re.compile(r"\(([a-z][a-z0-9-]*):"),  # Harlowe; kept when a known name or a variable follows
    re.compile(r"(<%)"),  # Snowman
    re.compile(
        r"\{(back link|restart link|link to|reveal link|cycling link|dropdown menu|embed "
        r"[a-z ]+|text input|undo link|redo link|restart|back|if|unless|else)\b"
    ),  # Chapbook inserts and modifiers
    re.compile(r"(<script)\b", re.I),
    re.compile(r"(?<![\w$])(\$[A-Za-z_]\w*)"),  # a story variable printed into the text
)


# --- reading Twee ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    name: str
    tags: tuple[str, ...]
    metadata: dict[str, Any]
    text: str
    line: int  # of the header
    text_line: int  # of the text's first line


def read_passages(text: str) -> tuple[list[Passage], list[Problem]]:
    """Every passage of a Twee 3 file in order (duplicates too), and what could not be read."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    passages: list[Passage] = []
    problems: list[Problem] = []
    starts = [i for i, line in enumerate(lines) if line.startswith("::")]
    if starts and any(line.strip() for line in lines[: starts[0]]):
        problems.append(
            Problem(
                1, "text before the first passage header (a line starting with '::') was ignored"
            )
        )
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        name, tags, metadata, header_problems = _header(lines[start][2:], start + 1)
        problems.extend(header_problems)
        body = [line[1:] if line.startswith("\\:") else line for line in lines[start + 1 : end]]
        first = next((i for i, line in enumerate(body) if line.strip()), 0)
        if not name:
            problems.append(
                Problem(start + 1, "a passage header with no name: the passage was left out")
            )
            continue
        passages.append(
            Passage(name, tags, metadata, "\n".join(body).strip(), start + 1, start + 2 + first)
        )
    return passages, problems


def _header(rest: str, line: int) -> tuple[str, tuple[str, ...], dict[str, Any], list[Problem]]:
    """Name, tags and metadata of a header (the text after '::'). Any `\\x` is `x`."""
    problems: list[Problem] = []
    i, n = 0, len(rest)
    while i < n and rest[i] in " \t":
        i += 1
    chars: list[tuple[str, bool]] = []  # (character, escaped)
    while i < n and rest[i] not in "[{":
        if rest[i] == "\\" and i + 1 < n:
            chars.append((rest[i + 1], True))
            i += 2
        else:
            chars.append((rest[i], False))
            i += 1
    while chars and not chars[-1][1] and chars[-1][0].isspace():
        chars.pop()
    name = "".join(c for c, _ in chars)
    tags: list[str] = []
    if i < n and rest[i] == "[":
        i += 1
        tag: list[str] = []
        closed = False
        while i < n:
            ch = rest[i]
            if ch == "\\" and i + 1 < n:
                tag.append(rest[i + 1])
                i += 2
                continue
            i += 1
            if ch == "]":
                closed = True
                break
            if ch.isspace():
                if tag:
                    tags.append("".join(tag))
                tag = []
            else:
                tag.append(ch)
        if tag:
            tags.append("".join(tag))
        if not closed:
            problems.append(
                Problem(line, f"passage {_q(name)}: the tag list has no closing ']'; add one")
            )
        while i < n and rest[i] in " \t":
            i += 1
    metadata: dict[str, Any] = {}
    if i < n and rest[i] == "{":
        raw = rest[i:].rstrip()
        try:
            found = json.loads(raw)
        except ValueError as exc:
            found = None
            reason = getattr(exc, "msg", str(exc))
            problems.append(
                Problem(
                    line,
                    f"passage {_q(name)}: its metadata is not valid JSON ({reason}; column "
                    f"{i + 3 + getattr(exc, 'pos', 0)}); it was ignored",
                )
            )
        if isinstance(found, dict):
            metadata = found
        elif found is not None:
            problems.append(
                Problem(
                    line, f"passage {_q(name)}: its metadata is not a JSON object; it was ignored"
                )
            )
    elif rest[i:].strip():
        problems.append(
            Problem(
                line,
                f"passage {_q(name)}: unexpected text {rest[i:].strip()[:40]!r} after the name",
            )
        )
    return name, tuple(tags), metadata, problems


@dataclass(frozen=True)
class Link:
    text: str
    target: str
    setter: bool  # a setter component was dropped
    start: int  # offsets of the whole `[[...]]` in the passage text
    end: int


def parse_links(text: str) -> list[Link]:
    """Twine's links, in order (src/util/parse-links.ts): the target after the rightmost `->`,
    else before the leftmost `<-`, else after the rightmost `|`, else the whole; a setter
    component `][...` dropped; external links (`https://...`) and empty targets left out."""
    links = []
    for match in _LINK.finditer(text):
        inner = match.group(1)
        setter = "][" in inner
        inner = inner.split("][", 1)[0]
        if "->" in inner:
            label, _, target = inner.rpartition("->")
        elif "<-" in inner:
            target, _, label = inner.partition("<-")
        elif "|" in inner:
            label, _, target = inner.rpartition("|")
        else:
            label = target = inner
        if not target or _EXTERNAL.match(target):
            continue
        links.append(Link(label or target, target, setter, match.start(), match.end()))
    return links


def _body_text(text: str, links: list[Link]) -> str:
    """The passage text as a node's text: lines holding only links go (they are the choices),
    other links become their label, and runs of blank lines become one."""
    out: list[str] = []
    pos = 0
    pieces: list[str] = []
    for link in links:
        pieces.append(text[pos : link.start])
        pieces.append("\0" + link.text + "\0")
        pos = link.end
    pieces.append(text[pos:])
    for line in "".join(pieces).split("\n"):
        if "\0" in line and not re.sub(r"\0[^\0]*\0", "", line).strip():
            continue
        line = line.replace("\0", "")
        if not line.strip() and (not out or not out[-1].strip()):
            continue
        out.append(line)
    return "\n".join(out).strip()


def _macros(text: str) -> list[str]:
    found: dict[str, None] = {}
    for pattern in _MACROS:
        for match in pattern.finditer(text):
            name = match.group(1)
            if pattern is _MACROS[1]:
                after = text[match.end() : match.end() + 40]
                if name not in _HARLOWE_NAMES and not re.search(r"[$_][A-Za-z]", after):
                    continue
                name = f"({name}:)"
            elif pattern is _MACROS[0]:
                name = f"<<{name.lstrip('/')}>>"
            elif pattern is _MACROS[3]:
                name = "{" + name + "}"
            elif name == "<%":
                name = "<% %>"
            found[name] = None
    return list(found)


# --- the report ------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import found. `fatal` problems mean nothing may be saved."""

    source: str
    title: str = ""
    passages: int = 0  # story passages (not StoryTitle, StoryData or set-aside ones)
    nodes: int = 0
    endings: int = 0
    choices: int = 0
    start: str | None = None
    set_aside: list[tuple[int, str, str]] = field(default_factory=list)  # line, name, why
    broken_links: list[tuple[int, str, str]] = field(default_factory=list)  # line, passage, target
    unreachable: list[tuple[int, str]] = field(default_factory=list)  # line, passage
    macros: list[tuple[int, str, tuple[str, ...]]] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)  # passage name, node id
    problems: list[Problem] = field(default_factory=list)  # the import goes on
    fatal: list[Problem] = field(default_factory=list)  # the import is refused
    filled: list[str] = field(default_factory=list)  # what was made up, to be replaced

    @property
    def accepted(self) -> bool:
        return not self.fatal

    def lines(self) -> list[str]:
        """The report as `file:line: message` lines after a one-line summary."""
        src = self.source
        out = [
            f"{src}: {self.passages} passage{_s(self.passages)}: {self.nodes} node{_s(self.nodes)}"
            f" with {self.choices} choice{_s(self.choices)}, {self.endings} "
            f"ending{_s(self.endings)}; {len(self.broken_links)} broken "
            f"link{_s(len(self.broken_links))}, {len(self.unreachable)} unreachable, "
            f"{len(self.macros)} with macros" + (f"; start: {_q(self.start)}" if self.start else "")
        ]
        out += [f"{src}:{p.line or 1}: error: {p.message}" for p in self.fatal]
        out += [f"{src}:{p.line or 1}: {p.message}" for p in self.problems]
        for line, passage, target in self.broken_links:
            out.append(
                f"{src}:{line}: passage {_q(passage)} links to {_q(target)}, which does not exist: "
                "it leads to a new ending of that name, to be written"
            )
        for line, passage in self.unreachable:
            out.append(
                f"{src}:{line}: passage {_q(passage)} cannot be reached from the start by a link"
            )
        for line, passage, names in self.macros:
            out.append(
                f"{src}:{line}: passage {_q(passage)} has story-format code kept as text, not run: "
                + ", ".join(names[:8])
                + (f" and {len(names) - 8} more" if len(names) > 8 else "")
            )
        for line, name, why in self.set_aside:
            out.append(f"{src}:{line}: passage {_q(name)} set aside ({why})")
        for name, node_id in self.renamed:
            out.append(f"{src}: passage {_q(name)} became node {node_id!r}")
        out += [f"{src}: {note}" for note in self.filled]
        return out


def _q(name: str) -> str:
    """A passage name in quotes as written (repr would double its backslashes)."""
    return f"'{name}'"


def _s(count: int) -> str:
    return "" if count == 1 else "s"


# --- import ----------------------------------------------------------------------------------


def import_twee_file(
    path: Path, scenario_id: str | None = None
) -> tuple[Scenario | None, ImportReport]:
    """Import a Twee file: (the scenario, or None when the report has fatal problems; the
    report). Never raises for what the file holds; reads at most the content size limit."""
    try:
        text = read_text_file(path)
    except ContentError as exc:
        report = ImportReport(path.name)
        report.fatal.append(Problem(1, str(exc).removeprefix("line 1: ")))
        return None, report
    return import_twee(text, source=path.name, scenario_id=scenario_id, fallback_title=path.stem)


def import_twee(
    text: str,
    *,
    source: str = "story.twee",
    scenario_id: str | None = None,
    fallback_title: str = "Imported story",
) -> tuple[Scenario | None, ImportReport]:
    """Import Twee 3 text: (the scenario, or None when the report has fatal problems; the
    report). `scenario_id` overrides the id (a scenario file's id is its file name)."""
    report = ImportReport(source)
    if len(text) > MAX_CONTENT_CHARS:
        report.fatal.append(
            Problem(
                1,
                f"{len(text):,} characters is more than a content file may hold "
                f"({MAX_CONTENT_CHARS:,}); split the story",
            )
        )
        return None, report
    try:
        text.encode("utf-8")  # a lone surrogate (text from elsewhere than a file) cannot be saved
    except UnicodeEncodeError as exc:
        report.fatal.append(Problem(1, f"this is not valid text: {exc.reason} at {exc.start}"))
        return None, report
    if "\0" in text:
        report.fatal.append(Problem(1, "this is not a Twee text file (it holds binary data)"))
        return None, report
    passages, problems = read_passages(text)
    report.problems.extend(problems)
    if not passages:
        report.fatal.append(
            Problem(1, "no passages: a Twee file has passage headers, lines starting with '::'")
        )
        return None, report
    story, title, data = _story_passages(passages, report)
    report.title = title or fallback_title
    ours = data.get(OUR_KEY) if isinstance(data.get(OUR_KEY), dict) else None
    if not story:
        report.fatal.append(Problem(1, "no story passages, only special ones: nothing to import"))
        return None, report
    start = _start(story, data, report)
    built = _build(story, start, ours, report, scenario_id)
    if built is None:
        return None, report
    scenario, found = parse_scenario(scenario_yaml(built))
    for problem in found:  # the YAML's lines mean nothing to the person: the message names it
        report.fatal.append(
            Problem(1, f"the scenario would not pass the checks: {problem.message}")
        )
    return (scenario if not report.fatal else None), report


def _story_passages(
    passages: list[Passage], report: ImportReport
) -> tuple[list[Passage], str, dict[str, Any]]:
    """The story's passages (duplicates and special ones out), its title and its StoryData."""
    seen: dict[str, int] = {}
    story: list[Passage] = []
    title = ""
    data: dict[str, Any] = {}
    has_data = False
    for p in passages:
        if p.name in seen:
            report.problems.append(
                Problem(
                    p.line,
                    f"passage {_q(p.name)} has the same name as the one on line {seen[p.name]}: "
                    "this one was left out; rename one of them",
                )
            )
            continue
        seen[p.name] = p.line
        if p.name == "StoryTitle":
            title = " ".join(p.text.split())
        elif p.name == "StoryData":
            has_data = True
            data = _story_data(p, report)
        elif why := next((w for t, w in _SET_ASIDE_TAGS.items() if t in p.tags), None):
            report.set_aside.append((p.line, p.name, why))
        elif p.name in _SPECIAL_NAMES:
            report.set_aside.append((p.line, p.name, "a special passage of story formats"))
        else:
            story.append(p)
    if not title:
        report.problems.append(Problem(1, "no StoryTitle passage: the title is the file's name"))
    if not has_data:
        report.problems.append(
            Problem(1, "no StoryData passage (a Twee 3 story has one, with its IFID)")
        )
    report.passages = len(story)
    return story, title, data


def _story_data(p: Passage, report: ImportReport) -> dict[str, Any]:
    try:
        data = json.loads(p.text)
    except ValueError as exc:
        line = p.text_line + getattr(exc, "lineno", 1) - 1
        report.problems.append(
            Problem(
                line,
                f"StoryData is not valid JSON ({getattr(exc, 'msg', exc)}); it was ignored",
            )
        )
        return {}
    if not isinstance(data, dict):
        report.problems.append(Problem(p.line, "StoryData is not a JSON object; it was ignored"))
        return {}
    if not isinstance(data.get("ifid"), str):
        report.problems.append(Problem(p.line, "StoryData has no ifid (the story's IFID)"))
    return data


def _start(story: list[Passage], data: dict[str, Any], report: ImportReport) -> Passage:
    by_name = {p.name: p for p in story}
    wanted = data.get("start")
    if isinstance(wanted, str):
        if wanted in by_name:
            return by_name[wanted]
        report.problems.append(
            Problem(1, f"StoryData names the start passage {_q(wanted)}, which does not exist")
        )
    if "Start" in by_name:
        return by_name["Start"]
    report.problems.append(
        Problem(
            story[0].line,
            f"no start passage (StoryData 'start', or a passage named Start): the first "
            f"passage, {_q(story[0].name)}, is the start",
        )
    )
    return story[0]


def _ids(names: list[str]) -> dict[str, str]:
    """A valid, distinct node id for each name (see the module docstring)."""
    ids: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        if _ID.match(name) and name not in used:
            ids[name] = name
            used.add(name)
    for name in names:
        if name in ids:
            continue
        plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        base = re.sub(r"[^A-Za-z0-9_.-]+", "-", plain).strip("-_.")[:110].strip("-_.")
        base = base or "passage"
        candidate, n = base, 1
        while candidate in used:
            n += 1
            candidate = f"{base}-{n}"
        ids[name] = candidate
        used.add(candidate)
    return ids


def _position(p: Passage) -> dict[str, int] | None:
    """The card position from Twee 3's standard `"position": "x,y"` metadata. Twine's passages
    are 100 wide where our cards are about twice that, so a Twine story's x is doubled (its
    passages never overlap, so neither do our cards); our own export is read as written."""
    found = p.metadata.get("position")
    if not isinstance(found, str):
        return None
    try:
        x, y = (float(v) for v in found.split(","))
    except ValueError:
        return None
    if not (math.isfinite(x) and math.isfinite(y)):
        return None
    return {"x": round(x if OUR_KEY in p.metadata else 2 * x), "y": round(y)}


def _ours(p: Passage) -> dict[str, Any]:
    found = p.metadata.get(OUR_KEY)
    return found if isinstance(found, dict) else {}


def _build(
    story: list[Passage],
    start: Passage,
    ours: dict[str, Any] | None,
    report: ImportReport,
    scenario_id: str | None,
) -> dict[str, Any] | None:
    """The scenario's data (its YAML shape), or None when it cannot be one."""
    links = {p.name: parse_links(p.text) for p in story}
    is_ending = {p.name: ENDING_TAG in p.tags or not links[p.name] for p in story}
    if is_ending[start.name]:
        report.fatal.append(
            Problem(
                start.line,
                f"the start passage {_q(start.name)} has no links, so there is nothing to choose; "
                "link it to the passages that follow",
            )
        )
        return None
    names = [p.name for p in story]
    missing = list(
        dict.fromkeys(
            link.target
            for p in story
            if not is_ending[p.name]
            for link in links[p.name]
            if link.target not in links
        )
    )
    ids = _ids(names + missing)
    report.start = start.name
    # What a link reaches from the start (endings end a path).
    reached = {start.name}
    queue = [start.name]
    while queue:
        name = queue.pop()
        if is_ending.get(name, True):
            continue
        for link in links[name]:
            if link.target not in reached:
                reached.add(link.target)
                queue.append(link.target)
    if not any(name not in is_ending or is_ending[name] for name in reached):
        report.fatal.append(
            Problem(
                start.line,
                "no ending can be reached from the start: tag the passages where the story "
                f"ends {ENDING_TAG!r} (or give them no links)",
            )
        )
        return None
    nodes: list[dict[str, Any]] = []
    endings: list[dict[str, Any]] = []
    words = 0
    for p in story:
        words += len(p.text.split())
        if p.name not in reached:
            report.unreachable.append((p.line, p.name))
            if not is_ending[p.name]:
                continue  # a node no one reaches fails the checks; an ending does no harm
        names_found = _macros(p.text)
        if any(link.setter for link in links[p.name]):
            names_found.append("link setters [[...][...]] (dropped)")
        if names_found:
            report.macros.append((p.line, p.name, tuple(names_found)))
        meta = _ours(p)
        text = meta.get("text") if isinstance(meta.get("text"), str) else None
        body = _body_text(p.text, links[p.name])
        if is_ending[p.name]:
            if links[p.name]:
                report.problems.append(
                    Problem(
                        p.line, f"passage {_q(p.name)} is tagged ending: its links were dropped"
                    )
                )
            ending: dict[str, Any] = {
                "id": ids[p.name],
                "outcome": meta.get("outcome", "partial"),
                "title": meta.get("title", p.name),
            }
            debrief = text if text is not None else (body + "\n" if body else "")
            if debrief:
                ending["debrief"] = debrief
            if (position := _position(p)) is not None:
                ending["position"] = position
            endings.append(ending)
        else:
            node: dict[str, Any] = {"id": ids[p.name]}
            if "speaker" in meta:
                node["speaker"] = meta["speaker"]
            node["text"] = text if text is not None else (body or p.name) + "\n"
            node["choices"] = _choices(p, links[p.name], meta, ids, set(links), report)
            if (position := _position(p)) is not None:
                node["position"] = position
            nodes.append(node)
    for target in missing:
        if target in reached:
            endings.append(
                {
                    "id": ids[target],
                    "outcome": "partial",
                    "title": target,
                    "debrief": f"(The Twine story has no passage {_q(target)}: write this ending.)\n",
                }
            )
    report.renamed = [(n, i) for n, i in ids.items() if n != i]
    report.nodes, report.endings = len(nodes), len(endings)
    report.choices = sum(len(n["choices"]) for n in nodes)
    data = _scenario_fields(ours, report, words, nodes, scenario_id)
    data["start"] = ids[start.name]
    data["nodes"], data["endings"] = nodes, endings
    return in_file_order(data)


def _choices(
    p: Passage,
    links: list[Link],
    meta: dict[str, Any],
    ids: dict[str, str],
    story: set[str],
    report: ImportReport,
) -> list[dict[str, Any]]:
    """A node's choices: its links, each with our data from the passage metadata when there
    is some for its target (matched in order, so links edited in Twine still find theirs)."""
    extras = [c for c in meta.get("choices") or [] if isinstance(c, dict)]
    used: set[int] = set()
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for index, link in enumerate(links):
        if (link.text, link.target) in seen:
            continue  # the same link twice is one choice (Twine draws one arrow)
        seen.add((link.text, link.target))
        if link.target not in story:
            line = p.text_line + p.text[: link.start].count("\n")
            report.broken_links.append((line, p.name, link.target))
        extra: dict[str, Any] = {}
        for i in [index, *range(len(extras))]:
            if i < len(extras) and i not in used and extras[i].get("target") == link.target:
                extra = extras[i]
                used.add(i)
                break
        choice: dict[str, Any] = {"text": extra.get("text", link.text), "target": ids[link.target]}
        for key in ("effects", "points", "set_flags"):
            if key in extra:
                choice[key] = extra[key]
        choice["feedback"] = extra.get("feedback", NO_FEEDBACK)
        for key in ("critical", "condition"):
            if key in extra:
                choice[key] = extra[key]
        out.append(choice)
    return out


def _scenario_fields(
    ours: dict[str, Any] | None,
    report: ImportReport,
    words: int,
    nodes: list[dict[str, Any]],
    scenario_id: str | None,
) -> dict[str, Any]:
    """The scenario's own fields: ours from StoryData when the story came from us, else the
    least an author must then replace, each listed in the report."""
    title = report.title
    slug = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", title).lower()).strip("-")
    if ours is not None:
        data = {k: v for k, v in ours.items() if k not in ("start", "nodes", "endings")}
        data["title"] = title
    else:
        data = {
            "id": slug[:100].strip("-") or "imported-story",
            "title": title,
            "version": 1,
            "summary": f"Imported from the Twine story {title!r}.",
            "role": "street-outreach",
            "estimated_minutes": min(600, max(1, math.ceil(words / 150))),
            "objectives": ["Write the objectives of this scenario (imported from Twine)."],
            "meters": [
                {
                    "key": "steps",
                    "label": "Steps taken",
                    "min": 0,
                    "max": max(1, len(nodes)),
                    "initial": 0,
                    "higher_is_better": False,
                }
            ],
            "competencies": [{"key": "judgment", "label": "Judgment"}],
            "policies": [],
            "pass": {"min_score": 0.8, "no_critical": True},
        }
        for node in nodes:
            for choice in node["choices"]:
                choice["effects"] = {"steps": 1}
        report.filled += [
            "the story has no scenario data (it was not exported by CVI Trainer): its summary, "
            "role (street-outreach), objectives, time and pass rule are placeholders; replace them",
            "meter 'steps' (each choice adds 1) and competency 'judgment' (no points yet) were "
            "added, because a scenario needs one of each: replace them with your own",
        ]
    missing = sum(1 for n in nodes for c in n["choices"] if c["feedback"] == NO_FEEDBACK)
    if missing:
        report.filled.append(
            f"{missing} choice{_s(missing)} {'has' if missing == 1 else 'have'} the placeholder "
            f"feedback {NO_FEEDBACK!r}: write what a trainee should learn from each"
        )
    if scenario_id is not None:
        data["id"] = scenario_id
    return data


# --- export ----------------------------------------------------------------------------------


def ifid(scenario_id: str) -> str:
    """A stable IFID for a scenario: a version-4-shaped UUID (as Twee 3 asks, in upper case)
    made from the scenario's id, so every export of one scenario carries the same IFID."""
    digest = uuid.uuid5(uuid.NAMESPACE_URL, f"https://cvi-trainer.example/scenario/{scenario_id}")
    return str(uuid.UUID(bytes=digest.bytes, version=4)).upper()


def _escape_text(text: str) -> str:
    return re.sub(r"^:", r"\\:", text, flags=re.M) if "\n:" in "\n" + text else text


def _read_back(body: str, links: list[Link] | None = None) -> str:
    """What import makes of a passage text written by export (escaped and trimmed like a file)."""
    text = "\n".join(
        line[1:] if line.startswith("\\:") else line for line in _escape_text(body).split("\n")
    ).strip()
    return _body_text(text, parse_links(text) if links is None else links)


def export_twee(scenario: Scenario) -> str:
    """Twee 3 text of the scenario that Twine imports and `import_twee` reads back equal."""
    data = scenario_data(scenario)
    ours = {k: v for k, v in data.items() if k not in ("title", "start", "nodes", "endings")}
    story_data = {"ifid": ifid(scenario.id), "start": scenario.start, OUR_KEY: ours}
    parts = [
        f":: StoryTitle\n{_escape_text(scenario.title)}\n",
        ":: StoryData\n" + json.dumps(story_data, indent=2, ensure_ascii=False) + "\n",
    ]
    for node in data["nodes"]:
        meta: dict[str, Any] = {}
        if "speaker" in node:
            meta["speaker"] = node["speaker"]
        lines = []
        extras = []
        for choice in node.get("choices", []):
            link = f"[[{choice['text']}->{choice['target']}]]"
            extra = {k: v for k, v in choice.items() if k != "text"}
            found = parse_links(link)
            if [(x.text, x.target) for x in found] != [(choice["text"], choice["target"])]:
                link = f"[[{choice['target']}]]"
                extra["text"] = choice["text"]
            lines.append(link)
            extras.append(extra)
        meta["choices"] = extras
        text = node["text"].rstrip("\n")
        body = text + ("\n\n" if text else "") + "\n".join(lines)
        if (_read_back(body) or node["id"]) + "\n" != node["text"]:
            meta["text"] = node["text"]
        parts.append(_passage(node["id"], (), meta, body, node.get("position")))
    for ending in data["endings"]:
        meta = {"outcome": ending["outcome"], "title": ending["title"]}
        debrief = ending.get("debrief", "")
        text = debrief.rstrip("\n")
        read = _read_back(text, [])
        if (read + "\n" if read else "") != debrief or parse_links(text):
            meta["text"] = debrief
        parts.append(_passage(ending["id"], (ENDING_TAG,), meta, text, ending.get("position")))
    return "\n".join(parts)


def _passage(
    name: str,
    tags: tuple[str, ...],
    meta: dict[str, Any],
    body: str,
    position: dict[str, int] | None = None,
) -> str:
    header = f":: {_escape_name(name)}"
    if tags:
        header += " [" + " ".join(_escape_name(t) for t in tags) + "]"
    where = {"position": f"{position['x']},{position['y']}"} if position else {}
    header += " " + json.dumps(where | {OUR_KEY: meta}, ensure_ascii=False, separators=(",", ":"))
    return f"{header}\n{_escape_text(body)}\n"


def _escape_name(name: str) -> str:
    return re.sub(r"([\\\[\]{}])", r"\\\1", name)
