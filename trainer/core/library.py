"""Reading bundled content files into documents for the versioned library, and checking them."""

from __future__ import annotations

import gc
import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from trainer.core.errors import ContentError
from trainer.core.models import ContentKind

# A byte-order mark some editors write first is not part of the text.
FRONT_MATTER_RE = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?\r?\n)---[ \t]*(?:\r?\n|\Z)", re.S)
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")
# Content is text a person writes; a bigger file is a mistake or an attack, refused unread.
# A 10,000-node scenario written like the shipped ones (about 2 KB a node) fits.
MAX_CONTENT_CHARS = 25_000_000
# Content nests a few levels; deeper is refused before anything recursive walks it.
MAX_NESTING = 50
# A shipped scenario holds about 70 values a node, so 10,000 nodes are about 700,000 values;
# a document of many more is refused before its values are built.
MAX_VALUES = 1_000_000
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_KIND_WORDS = {"timestamp": "date", "int": "number", "float": "number", "binary": "base64 value"}

try:  # libyaml's C parser when PyYAML was built with it (the PyPI wheels are): the events
    # come about ten times faster than from the pure-Python one, which made first-run import
    # take seconds.
    from yaml._yaml import CParser as _Parser

    class _Base(_Parser, Composer, SafeConstructor, Resolver):
        def __init__(self, source: str) -> None:
            _Parser.__init__(self, source)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

        # CParser composes in C; the Python composer below is the one that refuses aliases.
        get_single_node = Composer.get_single_node
        compose_document = Composer.compose_document

    class _CLoader(_Parser, SafeConstructor, Resolver):
        """libyaml composing the node tree in C (start marks included), for _fast_parse."""

        def __init__(self, source: str) -> None:
            _Parser.__init__(self, source)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self._plain_tags: dict[str, str] = {}

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            # The type of an unquoted value (a number, a date, text ...) depends on its text
            # alone, and field names repeat thousands of times: each is matched once.
            if kind is yaml.ScalarNode and implicit[0]:
                tag = self._plain_tags.get(value)
                if tag is None:
                    tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
                    self._plain_tags[value] = tag
                return tag
            return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]

    _HAS_LIBYAML = True

except ImportError:  # pragma: no cover - a PyYAML without libyaml

    class _Base(yaml.SafeLoader):  # type: ignore[no-redef]
        pass

    _HAS_LIBYAML = False


class ContentYamlError(yaml.MarkedYAMLError):
    """YAML that parses but that content may not use (aliases, deep nesting, complex keys)."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem=problem, problem_mark=mark)


class _ContentLoader(_Base):
    """Safe YAML with more refusals, so that a small file cannot become a huge or surprising
    document: no anchors or aliases (a 1 KB "billion laughs" file expands to gigabytes), no
    nesting deeper than MAX_NESTING, no more than MAX_VALUES values, and field names that are
    plain text (`1:` is the text "1", so names of mixed types never meet in a comparison).
    The reference for what content may be: _fast_parse accepts the same documents, faster."""

    depth = 0
    values = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event: Any = self.peek_event()
        self.values += 1
        if self.values > MAX_VALUES:
            raise ContentYamlError(
                f"more than {MAX_VALUES:,} values in one document: split it", event.start_mark
            )
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise ContentYamlError(
                "anchors (&name) and aliases (*name) are not allowed in content: "
                "write each value out in full",
                event.start_mark,
            )
        if isinstance(event, yaml.CollectionStartEvent):
            if self.depth >= MAX_NESTING:
                raise ContentYamlError(
                    f"nested more than {MAX_NESTING} levels deep", event.start_mark
                )
            self.depth += 1
            try:
                node = super().compose_node(parent, index)
            finally:
                self.depth -= 1
            return node
        return super().compose_node(parent, index)

    def compose_mapping_node(self, anchor: Any) -> yaml.MappingNode:
        node = super().compose_mapping_node(anchor)
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode):
                raise ContentYamlError(
                    "a field name must be plain text, not a list or mapping", key.start_mark
                )
            key.tag = _STR  # also turns a merge key `<<` into the plain field name "<<"
        return node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # PyYAML's value constructors raise plain Python errors for a value that looks like its
        # type but is not one: `2026-02-30` (a date), `!!float x`, `!!timestamp x`.
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:
            kind = node.tag.rpartition(":")[2]
            raise ContentYamlError(
                f"{str(node.value)[:40]!r} is not a valid {_KIND_WORDS.get(kind, kind)} ({exc}); "
                "correct it, or quote it to keep it as text",
                node.start_mark,
            ) from None


def parse_yaml(source: str) -> tuple[Any, yaml.Node | None]:
    """The data and its node tree (for line numbers), from one parse. Raises yaml.YAMLError,
    also for what content may not use (see _ContentLoader). Every YAML the app reads from
    content comes through here."""
    _refuse_lone_surrogates(source)
    with collector_paused():
        if _HAS_LIBYAML and _most_values(source) <= 2 * MAX_VALUES:
            try:
                return _fast_parse(source)
            except (
                yaml.YAMLError,
                _RefusedError,
                LookupError,
                ValueError,
                TypeError,
                OverflowError,
            ):
                pass  # the reference parse below says what is wrong, with its line
        loader = _ContentLoader(source)
        try:
            root = loader.get_single_node()
            return (loader.construct_document(root) if root is not None else None), root
        finally:
            loader.dispose()


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _refuse_lone_surrogates(source: str) -> None:
    """Text that cannot be UTF-8 (half of a character pair, left by a broken decoder or paste)
    is refused at its line; libyaml and the database could not take it."""
    found = _LONE_SURROGATE.search(source)
    if found is not None:
        line = source.count("\n", 0, found.start())
        column = found.start() - (source.rfind("\n", 0, found.start()) + 1)
        raise ContentYamlError(
            f"a broken character (U+{ord(found.group()):04X}, half of a pair) that cannot be "
            "saved: retype that text",
            yaml.Mark("<content>", found.start(), line, column, None, 0),
        )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a document is built: a big scenario is a million
    new objects, and the collector rescanned them again and again as they were made (finding
    no garbage: a node tree has no cycles), which doubled the time a parse took."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _RefusedError(Exception):
    """_fast_parse met something content may not use: the reference parse names it."""


# Every node but the first starts after one of these (a line break, `-`, `:` or `?`) or after
# `,`, `[` or `{`, which can start two (a key and its empty value, or a one-pair mapping and
# its key): their count bounds the values of a document without parsing it.
_ONE_EACH = ("\n", "\r", "\x85", "\u2028", "\u2029", "-", ":", "?")
_TWO_EACH = (",", "[", "{")


def _most_values(source: str) -> int:
    """At least the number of values in `source`, counted in milliseconds: the node tree is
    only built whole in C (before any value is counted) for a document that cannot hold more
    than twice MAX_VALUES, so a dense hostile file cannot make it take gigabytes."""
    return 2 + sum(source.count(c) for c in _ONE_EACH) + 2 * sum(source.count(c) for c in _TWO_EACH)


def _fast_parse(source: str) -> tuple[Any, yaml.Node | None]:
    """What _ContentLoader makes of `source`, with the node tree composed by libyaml in C and
    the rules checked and the values built in one walk over it (several times faster).
    Raises _RefusedError (or a YAML or value error) for anything the rules refuse; the caller then
    parses with _ContentLoader, which says what and where."""
    loader = _CLoader(source)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    if root is None:
        return None, None
    # An anchor or a tag comes first in its node, so the node's start mark points at `&` or
    # `!` (an alias is the anchored node met again). libyaml counts marks in characters but
    # skips a byte-order mark; an empty value at the very end starts just past the text.
    text = source[1:] + " " if source.startswith("\ufeff") else source + " "
    values = 0
    scalars = SafeConstructor.yaml_constructors

    def build(node: yaml.Node, depth: int) -> Any:
        nonlocal values
        values += 1
        if values > MAX_VALUES or text[node.start_mark.index] in "&!":
            raise _RefusedError
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR:
                return node.value
            return scalars[node.tag](loader, node)
        if depth >= MAX_NESTING:
            raise _RefusedError
        if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
            return [build(item, depth + 1) for item in node.value]
        if not isinstance(node, yaml.MappingNode) or node.tag != _MAP:
            raise _RefusedError
        mapping = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                raise _RefusedError
            values += 1
            if values > MAX_VALUES or text[key.start_mark.index] in "&!":
                raise _RefusedError
            key.tag = _STR
            mapping[key.value] = build(value, depth + 1)
        return mapping

    return build(root, 0), root


def read_text_file(path: Path) -> str:
    """The UTF-8 text of a regular file. Anything else (a folder, FIFO, device or socket) is
    refused without waiting on it, and so is a file too big to be content. Raises
    ContentError("line 1: ...")."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)  # non-blocking: opening a FIFO must not wait for a writer
    except OSError as exc:
        raise ContentError(f"line 1: cannot be opened: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ContentError(
                "line 1: not a regular file (a folder, FIFO, device or socket); "
                "check reads content files only"
            )
        if info.st_size > MAX_CONTENT_CHARS:
            raise ContentError(f"line 1: {_too_big(info.st_size)}")
        data = file.read(MAX_CONTENT_CHARS + 1)
    if len(data) > MAX_CONTENT_CHARS:
        raise ContentError(f"line 1: {_too_big(len(data))}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(f"line 1: cannot be read as UTF-8 text: {exc}") from exc


def _too_big(size: int) -> str:
    return (
        f"{size:,} bytes is more than a content file may hold "
        f"({MAX_CONTENT_CHARS:,}); split it or remove what does not belong"
    )


def content_hash(text: str) -> str:
    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document, located by line (1-based) when known."""

    line: int | None
    message: str

    def format(self, path: str) -> str:
        return f"{path}:{self.line or 1}: {self.message}"


def _yaml_line(exc: yaml.YAMLError, source: str, offset: int = 0) -> int | None:
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return None
    # At the end of the text YAML points past the last line; name the last real line instead.
    line: int = mark.line + 1
    return min(line, max(1, len(source.splitlines()))) + offset


VERSION_LINE_RE = re.compile(r"^version:[^\r\n]*", re.M)


def with_module_version(text: str, number: int) -> str:
    """The module text with its front matter's top-level `version:` set to `number`, so the text
    a trainee reads names the version the library published it as. Text without front matter or
    without a version line is returned unchanged."""
    match = FRONT_MATTER_RE.match(text)
    if not match:
        return text
    header = VERSION_LINE_RE.sub(f"version: {number}", match.group(1), count=1)
    return text[: match.start(1)] + header + text[match.end(1) :]


def read_header(kind: str, text: str) -> dict[str, Any]:
    """The metadata of a document: front matter for Markdown modules, the whole YAML otherwise."""
    if kind == ContentKind.MODULE:
        match = FRONT_MATTER_RE.match(text)
        if not match:
            raise ContentError("line 1: a module starts with YAML front matter between '---' lines")
        source, offset = match.group(1), 1
    else:
        source, offset = text, 0
    try:
        data, _ = parse_yaml(source)
    except yaml.YAMLError as exc:
        line = _yaml_line(exc, source, offset)
        reason = getattr(exc, "problem", None) or str(exc)
        raise ContentError(f"line {line or 1}: YAML cannot be read: {reason}") from exc
    if not isinstance(data, dict):
        raise ContentError("line 1: expected a mapping of fields (id: ..., title: ...)")
    return data


def basic_problems(kind: str, text: str, key: str | None = None) -> list[Problem]:
    """Checks every document kind shares: readable header, an id (matching its key), a title."""
    if len(text) > MAX_CONTENT_CHARS:
        return [Problem(1, _too_big(len(text.encode("utf-8"))))]
    try:
        header = read_header(kind, text)
    except ContentError as exc:
        m = re.match(r"line (\d+): (.*)", str(exc), re.S)
        return [Problem(int(m.group(1)), m.group(2)) if m else Problem(None, str(exc))]
    problems = []
    doc_id = header.get("id")
    if not isinstance(doc_id, str) or not KEY_RE.match(doc_id):
        problems.append(
            Problem(
                _field_line(text, "id"),
                "'id' must be lowercase letters, digits and hyphens, e.g. core-01-cvi-field",
            )
        )
    elif key is not None and doc_id != key:
        problems.append(
            Problem(
                _field_line(text, "id"),
                f"'id' is {doc_id!r} but this document is {key!r}; ids cannot "
                "change after publishing",
            )
        )
    title = header.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(Problem(_field_line(text, "title"), "'title' is missing or empty"))
    return problems


def _field_line(text: str, field: str) -> int | None:
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(f"{field}:"):
            return number
    return None


Checker = Callable[[str, str | None], list[Problem]]


def check_document(kind: str, text: str, key: str | None = None) -> list[Problem]:
    """Everything wrong with one document; a document with problems cannot be published."""
    from trainer.core.formats import CHECKERS  # each content format brings its own checker

    problems = basic_problems(kind, text, key)
    if not problems and kind in CHECKERS:
        problems = CHECKERS[kind](text, key)
    return problems


@dataclass(frozen=True)
class BundledDocument:
    kind: str
    key: str
    title: str
    text: str
    path: str  # relative to the content root, with forward slashes

    @property
    def hash(self) -> str:
        return content_hash(self.text)


def _bundled_files(root: Path) -> Iterator[tuple[str, Path]]:
    curricula = root / "curricula"
    if curricula.is_dir():
        for track in sorted(p for p in curricula.iterdir() if p.is_dir()):
            if (track / "track.yaml").is_file():
                yield ContentKind.TRACK, track / "track.yaml"
            for module in sorted(track.glob("*.md")):
                yield ContentKind.MODULE, module
    # Rubrics before programs: a program may require an observed rubric competency.
    for folder, kind in (
        ("scenarios", ContentKind.SCENARIO),
        ("certificates/rubrics", ContentKind.RUBRIC),
        ("certificates", ContentKind.PROGRAM),
    ):
        if (root / folder).is_dir():
            for path in sorted((root / folder).glob("*.yaml")):
                yield kind, path


def bundled_hashes(root: Path) -> list[tuple[str, str, str]] | None:
    """(kind, path relative to root, content hash) of every bundled file, read but not parsed:
    enough to tell that nothing changed since the last import. None if a file cannot be read."""
    found = []
    for kind, path in _bundled_files(root):
        try:
            text = read_text_file(path)
        except ContentError:
            return None
        found.append((kind, path.relative_to(root).as_posix(), content_hash(text)))
    return found


@dataclass(frozen=True)
class BundledScan:
    documents: list[BundledDocument]
    errors: list[str]  # "path:line: message", for documents that were skipped


def scan_bundled(root: Path) -> BundledScan:
    """Every bundled document under root; unreadable ones are reported, not imported."""
    documents: list[BundledDocument] = []
    errors: list[str] = []
    seen: dict[tuple[str, str], str] = {}
    for kind, path in _bundled_files(root):
        rel = path.relative_to(root).as_posix()
        try:
            text = read_text_file(path)
        except ContentError as exc:
            errors.append(f"{rel}:{str(exc).removeprefix('line ')}")
            continue
        problems = basic_problems(kind, text)
        if problems:
            errors.extend(p.format(rel) for p in problems)
            continue
        header = read_header(kind, text)
        key = header["id"]
        if (kind, key) in seen:
            errors.append(
                f"{rel}:{_field_line(text, 'id') or 1}: id {key!r} is already used by "
                f"{seen[(kind, key)]}"
            )
            continue
        seen[(kind, key)] = rel
        documents.append(BundledDocument(kind, key, str(header["title"]).strip(), text, rel))
    return BundledScan(documents, errors)
