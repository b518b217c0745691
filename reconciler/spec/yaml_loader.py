"""YAML files read into plain data, with the line and column of every key and value.

PyYAML's composer gives a node graph with start marks; this module turns it into dicts, lists
and scalars itself so that it can record where each node was written, report duplicate keys
(PyYAML silently keeps the last one), honour merge keys (``<<: *defaults``), and refuse what a
spec never needs (custom tags, recursive aliases, alias bombs) with a located message instead
of an exception.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.confined import RefusedFile, open_confined
from reconciler.errors import Diagnostic, Location, relpath
from reconciler.project import project_root
from reconciler.quoting import cut, quote
from reconciler.spec.places import KeyPath, NodePlace

# A spec has hundreds of nodes; this bounds the work an alias bomb ("billion laughs") can cause.
MAX_NODES = 200_000
# A spec is a few kilobytes. Its text as expanded (every alias counted as often as it is used,
# keys and values) is capped per stack, so a small file whose aliases repeat a long value stops
# here, with an error, before substitution and validation copy each use.
MAX_EXPANDED_CHARS = 10 * 1024 * 1024

# libyaml's parser (PyYAML's C loader) gives the same nodes and marks, about 13 times faster; a
# document it refuses is parsed again by the pure-Python loader, whose messages we report.
try:
    from yaml import CSafeLoader as _CLoader

    C_LOADER = True
except ImportError:  # PyYAML built without libyaml
    _CLoader = yaml.SafeLoader  # type: ignore[misc,assignment,unused-ignore]
    C_LOADER = False

if TYPE_CHECKING:
    _Loader = yaml.SafeLoader | yaml.CSafeLoader

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(
    _TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp", "binary")
)
_MAP_TAG = _TAG + "map"
_SEQ_TAG = _TAG + "seq"
_MERGE_TAG = _TAG + "merge"


@dataclass
class YamlDocument:
    """One file's content (``None`` when it holds no document) and where each node came from."""

    path: Path
    display: str
    data: object = None
    places: dict[KeyPath, NodePlace] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # characters of text this document expands to (what it used of the stack's budget)
    expanded_chars: int = 0

    @property
    def ok(self) -> bool:
        return not self.diagnostics


class _TooManyNodes(Exception):
    pass


class _TooLarge(Exception):
    def __init__(self, node: Node) -> None:
        self.node = node


TOO_LARGE = (
    f"the stack's spec files expand to more than {MAX_EXPANDED_CHARS >> 20} MB of text "
    "(every alias counted as often as it is used); nothing past this point was read"
)


def read_yaml_file(
    path: Path, root: Path | None = None, *, budget: int = MAX_EXPANDED_CHARS
) -> YamlDocument:
    """``path`` read and parsed, if it resolves to a regular file inside ``root`` (default: the
    project root of its folder); otherwise one located error, and nothing of it read.
    ``budget``: the characters of text it may expand to (what the files read before it left of
    the stack's ``MAX_EXPANDED_CHARS``)."""
    display = relpath(path)
    doc = YamlDocument(path=path, display=display)
    budget = max(budget, 0)
    try:
        with open_confined(path, root or project_root(path.parent), "spec file") as stream:
            raw = stream.read(budget + 1)  # never more than could be used
    except RefusedFile as exc:
        doc.display = _as_written(path)
        doc.diagnostics.append(Diagnostic.error(str(exc), Location(doc.display)))
        return doc
    except OSError as exc:
        doc.diagnostics.append(
            Diagnostic.error(f"cannot read file: {exc.strerror or exc}", Location(display))
        )
        return doc
    if len(raw) > budget:
        doc.expanded_chars = len(raw)
        doc.diagnostics.append(Diagnostic.error(TOO_LARGE, Location(display)))
        return doc
    text = _decode(raw, doc)
    if text is not None:
        parse_into(text, doc, budget=budget)
    return doc


def _as_written(path: Path) -> str:
    """The path of a refused file as written (``relpath`` resolves, which would name the
    target of a symlink instead of the link)."""
    relative = os.path.relpath(os.path.abspath(path))
    return os.path.abspath(path) if relative.startswith("..") else relative


def parse_yaml(
    text: str, display: str, path: Path | None = None, *, budget: int = MAX_EXPANDED_CHARS
) -> YamlDocument:
    doc = YamlDocument(path=path or Path(display), display=display)
    parse_into(text, doc, budget=budget)
    return doc


def _decode(raw: bytes, doc: YamlDocument) -> str | None:
    encoding = "utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        doc.diagnostics.append(
            Diagnostic.error(
                f"the file is not valid {'UTF-16' if encoding == 'utf-16' else 'UTF-8'} "
                f"(byte 0x{raw[exc.start]:02x})",
                Location(doc.display, line, col),
            )
        )
        return None


def _mark(display: str, mark: yaml.Mark | None) -> Location:
    if mark is None:
        return Location(display)
    return Location(display, mark.line + 1, mark.column + 1)


def _position(display: str, text: str, position: int) -> Location:
    position = max(0, min(position, len(text)))
    line = text.count("\n", 0, position) + 1
    col = position - (text.rfind("\n", 0, position) + 1) + 1
    return Location(display, line, col)


def parse_into(text: str, doc: YamlDocument, *, budget: int = MAX_EXPANDED_CHARS) -> None:
    if C_LOADER and not _NON_PRINTABLE.search(text) and _parse_fast(text, doc, budget):
        return
    _parse_pure(text, doc, budget)


# The characters PyYAML's own reader refuses: libyaml's differ a little, and a file with any of
# them goes to the pure loader, so that what is refused and how it is said stay the same.
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE


def _parse_fast(text: str, doc: YamlDocument, budget: int) -> bool:
    """``text`` parsed with the C loader into ``doc``; False (``doc`` untouched) when libyaml
    refuses it (a syntax error, nesting deeper than libyaml's limit): the pure loader then
    finds the problem and words it."""
    loader = _CLoader(text)
    try:
        try:
            root = loader.get_single_node()
        except (yaml.YAMLError, RecursionError):
            return False
        if root is not None:
            _build_into(loader, root, doc, budget)
        return True
    finally:
        loader.dispose()


def _parse_pure(text: str, doc: YamlDocument, budget: int) -> None:
    try:
        # The reader checks the characters of a whole string as it is created.
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        doc.diagnostics.append(_reader_error(doc.display, text, exc))
        return
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            doc.diagnostics.append(_syntax_error(doc.display, exc, text))
            return
        except yaml.reader.ReaderError as exc:
            doc.diagnostics.append(_reader_error(doc.display, text, exc))
            return
        except yaml.YAMLError as exc:
            message = f"invalid YAML: {cut(str(exc), 100)}"
            doc.diagnostics.append(Diagnostic.error(message, Location(doc.display)))
            return
        except RecursionError:
            doc.diagnostics.append(
                Diagnostic.error("invalid YAML: nesting too deep", Location(doc.display))
            )
            return
        if root is None:
            return
        _build_into(loader, root, doc, budget)
    finally:
        loader.dispose()


def _build_into(loader: _Loader, root: Node, doc: YamlDocument, budget: int) -> None:
    """The node graph under ``root`` turned into ``doc.data`` within the caps (``_Builder``)."""
    builder = _Builder(loader, doc, budget)
    try:
        doc.data = builder.build(root, (), None)
    except _TooLarge as exc:
        doc.data = None
        doc.diagnostics.append(Diagnostic.error(TOO_LARGE, _mark(doc.display, exc.node.start_mark)))
    except _TooManyNodes:
        doc.data = None
        doc.diagnostics.append(
            Diagnostic.error(
                f"the document expands to more than {MAX_NODES} nodes (aliases repeating aliases?)",
                _mark(doc.display, root.start_mark),
            )
        )
    except RecursionError:
        doc.data = None
        doc.diagnostics.append(
            Diagnostic.error("nesting too deep", _mark(doc.display, root.start_mark))
        )
    finally:
        doc.expanded_chars = builder.chars


def _reader_error(display: str, text: str, exc: yaml.reader.ReaderError) -> Diagnostic:
    character = chr(exc.character) if isinstance(exc.character, int) else exc.character
    return Diagnostic.error(
        f"invalid YAML: character {character!r} is not allowed",
        _position(display, text, exc.position),
    )


def _syntax_error(display: str, exc: yaml.MarkedYAMLError, text: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    hint = ""
    if mark is not None and "${" in _line(text, mark.line):
        # `{a: ${env:X}}`: in a flow mapping or list, `{` and `}` are YAML's own.
        hint = '; inside {...} or [...] quote a value holding ${env:...}: "${env:NAME}"'
    if exc.context and "expected a single document" in exc.context:
        return Diagnostic.error(
            "invalid YAML: a spec file holds one document; a second one starts here",
            _mark(display, mark),
        )
    # PyYAML's own words may hold text of the file (an undefined alias's name): cut them.
    problem = cut(exc.problem or "syntax error", 100)
    message = f"invalid YAML: {problem}"
    if exc.context:
        context = cut(exc.context, 100)
        begun, found = exc.context_mark, exc.problem_mark
        if begun is not None and found is not None and begun.line != found.line:
            context = f"{context} at line {begun.line + 1}"
        message = f"{message} ({context})"
    return Diagnostic.error(message + hint, _mark(display, mark))


def _line(text: str, index: int) -> str:
    lines = text.splitlines()
    return lines[index] if 0 <= index < len(lines) else ""


class _Builder:
    def __init__(self, loader: _Loader, doc: YamlDocument, budget: int) -> None:
        self.loader = loader
        self.doc = doc
        self.count = 0
        self.chars = 0
        self.budget = budget
        self.active: set[int] = set()

    def spend(self, node: ScalarNode) -> None:
        self.chars += len(node.value)
        if self.chars > self.budget:
            raise _TooLarge(node)

    def error(self, message: str, node: Node) -> None:
        self.doc.diagnostics.append(Diagnostic.error(message, self.loc(node)))

    def loc(self, node: Node) -> Location:
        return _mark(self.doc.display, node.start_mark)

    def build(self, node: Node, path: KeyPath, key: Location | None) -> object:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooManyNodes
        collection = isinstance(node, MappingNode | SequenceNode)
        self.doc.places[path] = NodePlace(key, self.loc(node), collection)
        if isinstance(node, ScalarNode):
            self.spend(node)
            return self.scalar(node)
        if id(node) in self.active:
            self.error("an alias refers to a node that contains it", node)
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                if node.tag != _SEQ_TAG:
                    self.error(f"unsupported YAML tag {cut(node.tag)} on a list", node)
                    return None
                return [self.build(item, (*path, i), None) for i, item in enumerate(node.value)]
            if isinstance(node, MappingNode):
                if node.tag != _MAP_TAG:
                    self.error(f"unsupported YAML tag {cut(node.tag)} on a mapping", node)
                    return None
                return self.mapping(node, path)
        finally:
            self.active.discard(id(node))
        self.error("unsupported YAML node", node)
        return None

    def scalar(self, node: ScalarNode) -> object:
        if node.tag not in _SCALAR_TAGS:
            self.error(f"unsupported YAML tag {cut(node.tag)}", node)
            return None
        try:
            return self.loader.construct_object(node)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError):
            kind = node.tag.removeprefix(_TAG)
            self.error(f"invalid {kind} value {quote(node.value)}", node)
            return None

    def mapping(self, node: MappingNode, path: KeyPath) -> dict[str, object]:
        result: dict[str, object] = {}
        merges: list[Node] = []
        entries: list[tuple[str, Node, Node]] = []
        seen: dict[str, Location] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
                continue
            if not isinstance(key_node, ScalarNode):
                self.error("a key must be a plain string, not a list or mapping", key_node)
                continue
            self.spend(key_node)
            # The key as written: `yes:` or `2024:` name things, they are not booleans or numbers.
            key = str(key_node.value)
            first = seen.get(key)
            if first is not None:
                self.error(f"duplicate key {quote(key)} (first at {first})", key_node)
                continue
            seen[key] = self.loc(key_node)
            entries.append((key, key_node, value_node))
        own_place = self.doc.places[path]
        for merged in merges:
            result.update(self.merge_source(merged, path))
        # Merging recorded the source's place under this path; it is this mapping's again.
        self.doc.places[path] = own_place
        for key, key_node, value_node in entries:
            result[key] = self.build(value_node, (*path, key), self.loc(key_node))
        return result

    def merge_source(self, node: Node, path: KeyPath) -> dict[str, object]:
        if isinstance(node, MappingNode):
            built = self.build(node, path, None)
            return built if isinstance(built, dict) else {}
        if isinstance(node, SequenceNode) and all(isinstance(n, MappingNode) for n in node.value):
            combined: dict[str, object] = {}
            # Earlier mappings in a merge list win over later ones.
            for item in reversed(node.value):
                built = self.build(item, path, None)
                if isinstance(built, dict):
                    combined.update(built)
            return combined
        self.error("a merge key (<<) needs a mapping or a list of mappings", node)
        return {}
