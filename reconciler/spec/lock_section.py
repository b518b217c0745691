"""The spec's top-level ``lock`` (SPEC.md §5.6): where apply takes the stack's lock.

Like ``stack``, exactly one file may set it. ``lock.azure_blob.connection_string_env`` names the
variable that holds a storage connection string; like ``api_key_env`` it may name only a
variable meant for it (``AZURE_STORAGE_*``) or one allowed with ``--allow-env``: a spec from a
pull request must not be able to point the tool at any other secret of the environment. Its
value is read by apply alone, never here, and never shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field

from pydantic import ValidationError

from reconciler.errors import Diagnostic, Location
from reconciler.quoting import quote
from reconciler.spec.env import EnvPolicy
from reconciler.spec.errors import translate
from reconciler.spec.models import LockSettings
from reconciler.spec.places import KeyPath, NodePlace, lookup
from reconciler.spec.yaml_loader import YamlDocument

LOCK_KEY = "lock"
STORAGE_PREFIX = "AZURE_STORAGE_"


@dataclass
class LockEntry:
    """The ``lock`` mapping as written in its file, before validation."""

    data: object
    doc: YamlDocument
    env: dict[KeyPath, str] = field(default_factory=dict)
    env_failed: set[KeyPath] = field(default_factory=set)

    def locate(self, path: KeyPath) -> Location:
        place = lookup(self.doc.places, path)
        return place.preferred if place is not None else Location(self.doc.display)

    def locate_key(self, path: KeyPath) -> Location:
        place = lookup(self.doc.places, path)
        return place.key_or_value if place is not None else Location(self.doc.display)


def merge_lock(
    first: LockEntry | None,
    doc: YamlDocument,
    value: object,
    substituted: Mapping[KeyPath, str],
    failed: Set[KeyPath],
    places: dict[KeyPath, NodePlace],
) -> tuple[LockEntry | None, list[Diagnostic]]:
    """The lock entry once this file's ``lock`` is merged in (a second one is an error)."""
    here = doc.places[(LOCK_KEY,)].key_or_value
    if first is not None:
        where = first.locate_key((LOCK_KEY,))
        message = f"`lock` is set twice: here and at {where} (exactly one file sets it)"
        return first, [Diagnostic.error(message, here)]
    for path, place in doc.places.items():
        if path[:1] == (LOCK_KEY,):
            places[path] = place
    entry = LockEntry(
        value,
        doc,
        env={p: ref for p, ref in substituted.items() if p[:1] == (LOCK_KEY,)},
        env_failed={p for p in failed if p[:1] == (LOCK_KEY,)},
    )
    return entry, []


def check_lock(
    entry: LockEntry | None, policy: EnvPolicy
) -> tuple[LockSettings | None, list[Diagnostic]]:
    """The validated ``lock`` (None when the spec has none or it is invalid), and its problems."""
    if entry is None:
        return None, []
    try:
        settings = LockSettings.model_validate(entry.data)
    except ValidationError as exc:
        problems = translate(
            exc,
            model=LockSettings,
            data=entry.data,
            base=(LOCK_KEY,),
            locate=entry.locate,
            locate_key=entry.locate_key,
            from_env=entry.env,
            silence=entry.env_failed,
        )
        return None, problems
    variable = settings.azure_blob.connection_string_env
    if variable is not None and not allows_connection_string(policy, variable):
        path: KeyPath = (LOCK_KEY, "azure_blob", "connection_string_env")
        message = (
            f"lock.azure_blob.connection_string_env: {quote(variable)} may not hold the "
            f"connection string: name a variable starting {STORAGE_PREFIX}, or allow this one "
            "with --allow-env NAME"
        )
        return None, [Diagnostic.error(message, entry.locate(path))]
    return settings, []


def allows_connection_string(policy: EnvPolicy, name: str) -> bool:
    return name.startswith(STORAGE_PREFIX) or policy.allows(name)
