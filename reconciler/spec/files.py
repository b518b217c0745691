"""A spec directory: its YAML files found, read and merged into one namespace (SPEC.md §1)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.errors import Diagnostic, Location, relpath
from reconciler.project import is_inside, project_root
from reconciler.quoting import environment_values, quote
from reconciler.spec.env import EnvPolicy, EnvResult, substitute_env
from reconciler.spec.errors import describe, did_you_mean
from reconciler.spec.lock_section import LOCK_KEY, LockEntry, merge_lock
from reconciler.spec.models import (
    ENTRY_KINDS,
    NAME_PATTERN,
    NAME_RULE,
    SECTIONS,
    STACK_PATTERN,
    STACK_RULE,
    TOP_LEVEL_KEYS,
)
from reconciler.spec.places import KeyPath, NodePlace, lookup
from reconciler.spec.yaml_loader import MAX_EXPANDED_CHARS, YamlDocument, read_yaml_file

SPEC_SUFFIXES = (".yaml", ".yml")


def find_spec_files(root: Path) -> list[Path]:
    """Every ``*.yaml`` / ``*.yml`` below ``root``, sorted by path.

    Hidden files and folders (``.git``, ``.reconciler``) are not part of a spec. Symlinked
    folders are not entered; a symlinked file is listed (reading it checks where it leads).
    """
    if root.is_file():
        return [root]
    found: list[Path] = []
    for folder, subfolders, names in os.walk(root, followlinks=False):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        for name in names:
            path = Path(folder) / name
            if name.startswith(".") or path.suffix.lower() not in SPEC_SUFFIXES:
                continue
            if path.is_symlink() or path.is_file():  # a link is checked when read, not here
                found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).parts)


@dataclass
class Entry:
    """One named entry (an account, dataset, job or deployment) as written in one file."""

    section: str
    name: str
    data: object
    doc: YamlDocument
    env: dict[KeyPath, str]
    env_failed: set[KeyPath]

    @property
    def path(self) -> KeyPath:
        return (self.section, self.name)

    def locate(self, path: KeyPath) -> Location:
        return locate_in(self.doc, path)

    def locate_key(self, path: KeyPath) -> Location:
        return locate_key_in(self.doc, path)


def locate_in(doc: YamlDocument, path: KeyPath) -> Location:
    """Where ``path`` (or its nearest written ancestor) is in ``doc`` (a mapping: its key)."""
    place = lookup(doc.places, path)
    return place.preferred if place is not None else Location(doc.display)


def locate_key_in(doc: YamlDocument, path: KeyPath) -> Location:
    """Where the key of ``path`` (or of its nearest written ancestor) is in ``doc``."""
    place = lookup(doc.places, path)
    return place.key_or_value if place is not None else Location(doc.display)


@dataclass
class MergedSpec:
    root: Path
    project_root: Path
    files: list[Path] = field(default_factory=list)
    stack: str | None = None
    entries: dict[str, dict[str, Entry]] = field(
        default_factory=lambda: {section: {} for section in SECTIONS}
    )
    places: dict[KeyPath, NodePlace] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # False when a file could not be read as YAML: what it held (maybe `stack`) is unknown.
    complete: bool = True
    # The spec files (as displayed) that could not be read as YAML: their problems come first,
    # and a reference to a name they may have defined is not reported (``references``).
    unreadable: set[str] = field(default_factory=set)
    # each value read from the environment -> its reference (messages name it, never show it)
    env_values: dict[str, str] = field(default_factory=dict)
    lock: LockEntry | None = None


def merge_spec_files(
    root: Path, environ: Mapping[str, str], policy: EnvPolicy | None = None
) -> MergedSpec:
    """Every spec file below ``root`` read and merged; ``policy`` says which ``${env:}``
    variables the files may read (default: only the fixed rule's)."""
    policy = policy if policy is not None else EnvPolicy()
    project = project_root(root)
    merged = MergedSpec(root=root, project_root=project)
    root_place = Location(relpath(root))
    if not root.exists():
        merged.diagnostics.append(Diagnostic.error("spec directory not found", root_place))
        merged.complete = False
        return merged
    if not is_inside(root.resolve(), project):
        merged.diagnostics.append(
            Diagnostic.error(
                f"the spec directory resolves outside its project root {project}; "
                "nothing in it is read",
                Location(str(root)),
            )
        )
        merged.complete = False
        return merged
    merged.files = find_spec_files(root)
    if not merged.files:
        merged.diagnostics.append(
            Diagnostic.error("no *.yaml or *.yml files in the spec directory", root_place)
        )
        merged.complete = False
        return merged
    stack_place: Location | None = None
    # The whole stack shares one budget of expanded characters (yaml_loader.MAX_EXPANDED_CHARS).
    budget = MAX_EXPANDED_CHARS
    for path in merged.files:
        doc = read_yaml_file(path, project, budget=budget)
        budget -= doc.expanded_chars
        merged.diagnostics.extend(doc.diagnostics)
        if doc.data is None:
            if doc.diagnostics:
                merged.complete = False
                merged.unreadable.add(doc.display)
            continue  # an empty file contributes nothing
        stack_place = _merge_document(merged, doc, environ, policy, stack_place)
    if merged.stack is None and stack_place is None and merged.complete:
        merged.diagnostics.append(
            Diagnostic.error(
                "no file sets `stack`: exactly one file must (e.g. `stack: my-stack`)",
                root_place,
            )
        )
    return merged


def _merge_document(
    merged: MergedSpec,
    doc: YamlDocument,
    environ: Mapping[str, str],
    policy: EnvPolicy,
    stack_place: Location | None,
) -> Location | None:
    if not isinstance(doc.data, dict):
        merged.diagnostics.append(
            Diagnostic.error(
                "the top level must be a mapping with some of the keys "
                f"{', '.join(TOP_LEVEL_KEYS)}, not {describe(doc.data)}",
                locate_in(doc, ()),
            )
        )
        merged.complete = False  # whatever it meant to hold (maybe `stack`) is unknown
        merged.unreadable.add(doc.display)
        return stack_place
    env = substitute_env(doc.data, environ, lambda path: locate_in(doc, path), policy=policy)
    merged.diagnostics.extend(env.problems)
    merged.env_values.update(env.values)
    data = env.data
    assert isinstance(data, dict)
    with environment_values(merged.env_values):
        return _merge_keys(merged, doc, data, _EntryIndex(doc, env), stack_place)


class _EntryIndex:
    """A document's places and ``${env:}`` results grouped by entry (``(section, name)``), once:
    looking them up per entry instead of scanning them all made reading a spec quadratic."""

    def __init__(self, doc: YamlDocument, env: EnvResult) -> None:
        self.result = env  # whole, for the sections that are not named entries (`lock`)
        self.places: dict[KeyPath, list[tuple[KeyPath, NodePlace]]] = {}
        for path, place in doc.places.items():
            if len(path) >= 2:
                self.places.setdefault(path[:2], []).append((path, place))
        self.env: dict[KeyPath, dict[KeyPath, str]] = {}
        for path, reference in env.substituted.items():
            self.env.setdefault(path[:2], {})[path] = reference
        self.env_failed: dict[KeyPath, set[KeyPath]] = {}
        for path in env.failed:
            self.env_failed.setdefault(path[:2], set()).add(path)


def _merge_keys(
    merged: MergedSpec,
    doc: YamlDocument,
    data: dict[str, object],
    index: _EntryIndex,
    stack_place: Location | None,
) -> Location | None:
    for key, value in data.items():
        if key not in TOP_LEVEL_KEYS:
            hint = did_you_mean(key, TOP_LEVEL_KEYS)
            if not hint:
                hint = f"; expected one of: {', '.join(TOP_LEVEL_KEYS)}"
            merged.diagnostics.append(
                Diagnostic.error(
                    f"unknown top-level key {quote(key)}{hint}", locate_key_in(doc, (key,))
                )
            )
            continue
        if key == "stack":
            stack_place = _merge_stack(merged, doc, value, stack_place)
            continue
        if key == LOCK_KEY:
            merged.lock, problems = merge_lock(
                merged.lock,
                doc,
                value,
                index.result.substituted,
                index.result.failed,
                merged.places,
            )
            merged.diagnostics.extend(problems)
            continue
        _merge_section(merged, doc, key, value, index)
    return stack_place


def _merge_stack(
    merged: MergedSpec,
    doc: YamlDocument,
    value: object,
    stack_place: Location | None,
) -> Location:
    place = doc.places[("stack",)]
    here = place.value
    if stack_place is not None:
        merged.diagnostics.append(
            Diagnostic.error(
                f"`stack` is set twice: here and at {stack_place} (exactly one file sets it)",
                place.key_or_value,
            )
        )
        return stack_place
    merged.places[("stack",)] = place
    if not isinstance(value, str):
        merged.diagnostics.append(
            Diagnostic.error(f"stack must be a string, not {describe(value)}", here)
        )
        return here
    if not re.fullmatch(STACK_PATTERN, value):
        merged.diagnostics.append(
            Diagnostic.error(f"stack {quote(value)} is not a valid stack name: {STACK_RULE}", here)
        )
        return here
    merged.stack = value
    return here


def _merge_section(
    merged: MergedSpec,
    doc: YamlDocument,
    section: str,
    value: object,
    index: _EntryIndex,
) -> None:
    kind = ENTRY_KINDS[section]
    section_place = doc.places[(section,)]
    merged.places.setdefault((section,), section_place)
    if value is None:
        return  # `jobs:` with every entry commented out
    if not isinstance(value, dict):
        merged.diagnostics.append(
            Diagnostic.error(
                f"{section} must be a mapping of names to {kind}s, not {describe(value)}",
                section_place.preferred,
            )
        )
        return
    name_rule = re.compile(NAME_PATTERN)
    for name, entry_data in value.items():
        place = doc.places[(section, name)]
        name_place = place.key_or_value
        if not name_rule.fullmatch(name):
            merged.diagnostics.append(
                Diagnostic.error(
                    f"{quote(name)} is not a valid {kind} name: {NAME_RULE}", name_place
                )
            )
            continue
        first = merged.entries[section].get(name)
        if first is not None:
            first_place = first.doc.places[(section, name)].key_or_value
            merged.diagnostics.append(
                Diagnostic.error(
                    f"{kind} '{name}' is defined twice: here and at {first_place}", name_place
                )
            )
            continue
        prefix = (section, name)
        merged.entries[section][name] = Entry(
            section,
            name,
            entry_data,
            doc,
            env=index.env.get(prefix, {}),
            env_failed=index.env_failed.get(prefix, set()),
        )
        merged.places.update(index.places.get(prefix, ()))
