"""Where each node of a spec was written: key paths mapped to file locations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reconciler.errors import Location

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class NodePlace:
    """The place of one node: its key (when it has one) and its value."""

    key: Location | None
    value: Location
    is_collection: bool

    @property
    def preferred(self) -> Location:
        # A mapping or list is best named by the key that introduces it (its value starts on the
        # next line); a scalar by the value itself.
        if self.is_collection and self.key is not None:
            return self.key
        return self.value

    @property
    def key_or_value(self) -> Location:
        return self.key if self.key is not None else self.value


def dotted(path: KeyPath) -> str:
    """A key path as users write it: ``deployments.clippy-swc.sku.capacity``, ``a.b[2]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(top level)"


def lookup(places: Mapping[KeyPath, NodePlace], path: KeyPath) -> NodePlace | None:
    """The place of ``path``, or of its nearest known ancestor."""
    for end in range(len(path), -1, -1):
        found = places.get(path[:end])
        if found is not None:
            return found
    return None
