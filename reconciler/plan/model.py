"""The plan as plain data: changes (action + display-only reason) and located errors.

Modelled on Terraform's internal/plans: the action is an enum that apply decides from; the
reason is for people. A change is typed: `before` and `after` are the payloads of its kind
(`reconciler.kinds`), its reason a closed code of that kind with the facts its text needs
(`Because`), rendered to text in one place (`render_reason`). The JSON form is SPEC.md §3:
`format_version`, changes sorted by address, replace written `["delete","create"]`, a summary
in which `no-op` never counts as a change, `reason` as text. Two keys extend §3: each change's
`details` (display data for renderers: changed fields, job status, dataset stats; its `reason`
holds the code and facts, so that a saved plan reads back typed; `cost`, a change's part of the
plan's cost) and the plan's `errors` (each `{address, location, message}`). The plan's `cost`
is SPEC.md §5.5 (`reconciler.cost`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from reconciler.cost.total import PlanCost
from reconciler.errors import Location
from reconciler.plan.naming import location_from_json, location_to_json

FORMAT_VERSION = "1"

JsonObject = dict[str, Any]


class Action(StrEnum):
    NO_OP = "no-op"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE = "replace"  # delete, then create under the same name
    WAIT = "wait"  # depends on work still under way (a job training, a file processing)
    # a deployment's promotion gate failed on its new job's metrics (SPEC §5.8): nothing is
    # written, it keeps serving what it serves; counted (not "no changes"), never an error
    BLOCKED = "blocked"

    @property
    def actions(self) -> list[str]:
        """As SPEC.md §3 writes it."""
        return ["delete", "create"] if self is Action.REPLACE else [self.value]

    @staticmethod
    def from_actions(actions: Iterable[str]) -> Action:
        listed = list(actions)
        if listed == ["delete", "create"]:
            return Action.REPLACE
        if len(listed) == 1 and listed[0] != "replace":
            return Action(listed[0])
        raise ValueError(f"not a plan action: {listed!r}")


SUMMARY_ORDER = (
    Action.CREATE,
    Action.UPDATE,
    Action.REPLACE,
    Action.DELETE,
    Action.WAIT,
    Action.BLOCKED,
    Action.NO_OP,
)


class ResourceType(StrEnum):
    FILE = "file"
    JOB = "job"
    DEPLOYMENT = "deployment"
    CHECKPOINT_COPY = "checkpoint_copy"  # a job's checkpoint copied into another account


@dataclass(frozen=True)
class FieldChange:
    field: str  # dotted path, e.g. "sku.capacity"
    before: Any
    after: Any

    def to_json(self) -> JsonObject:
        return {"field": self.field, "before": self.before, "after": self.after}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> FieldChange:
        return FieldChange(str(data["field"]), data.get("before"), data.get("after"))


#: what a reason's text is made of: JSON values only, so that a saved plan reads them back
Facts = Mapping[str, Any]


@dataclass(frozen=True)
class Because:
    """A reason code of one kind (a closed StrEnum) and its facts: a change's reason before
    it is text. Display-only, as Terraform's ActionReason: nothing decides from it."""

    code: StrEnum
    facts: Facts = field(default_factory=dict)

    def fact(self, name: str) -> Any:
        return self.facts.get(name)

    def to_json(self) -> JsonObject:
        return {"code": self.code.value, "facts": dict(sorted(self.facts.items()))}


class Payload(Protocol):
    """A change's `before` or `after`: a frozen dataclass of its kind (reconciler.kinds)."""

    def to_json(self) -> JsonObject: ...


@dataclass(frozen=True)
class Change:
    address: str
    type: ResourceType
    action: Action
    because: Because
    before: Payload | None
    after: Payload | None
    depends_on: tuple[str, ...] = ()
    # display-only: "changed" (list of FieldChange JSON), "status", "stats", "previous", …
    details: JsonObject = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """The reason as people read it (the JSON `reason`)."""
        # imported here: the renderer knows every kind, and the kinds import this module
        from reconciler.plan.render_reason import render_reason

        return render_reason(self)

    @property
    def is_change(self) -> bool:
        return self.action is not Action.NO_OP

    @property
    def destructive(self) -> bool:
        return self.action in (Action.DELETE, Action.REPLACE)

    @property
    def changed(self) -> list[FieldChange]:
        return [FieldChange.from_json(c) for c in self.details.get("changed", ())]

    @property
    def status(self) -> str | None:
        """A state worth showing on an unchanged resource: "failed", "cancelled", "blocked"."""
        status = self.details.get("status")
        return status if isinstance(status, str) else None

    def to_json(self) -> JsonObject:
        return {
            "address": self.address,
            "type": self.type.value,
            "actions": self.action.actions,
            "reason": self.reason,
            "before": self.before.to_json() if self.before is not None else None,
            "after": self.after.to_json() if self.after is not None else None,
            "depends_on": sorted(self.depends_on),
            "details": {**self.details, "reason": self.because.to_json()},
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Change:
        # imported here: the kinds import this module
        from reconciler.kinds import kind_of

        kind = kind_of(ResourceType(data["type"]))
        details = dict(data.get("details") or {})
        because = details.pop("reason", None)
        if not isinstance(because, dict):
            raise ValueError(f"{data.get('address')}: no reason code in details.reason")
        before, after = data.get("before"), data.get("after")
        return Change(
            address=str(data["address"]),
            type=kind.resource,
            action=Action.from_actions(data["actions"]),
            because=Because(kind.reason(str(because["code"])), dict(because.get("facts") or {})),
            before=kind.before_from_json(before) if before is not None else None,
            after=kind.after_from_json(after) if after is not None else None,
            depends_on=tuple(data.get("depends_on") or ()),
            details=details,
        )


@dataclass(frozen=True)
class PlanIssue:
    """An error that makes the plan impossible to apply, at the spec line that causes it."""

    message: str
    address: str | None = None
    location: Location | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location is not None else ""
        what = f"{self.address}: " if self.address else ""
        return f"{where}error: {what}{self.message}"

    def sort_key(self) -> tuple[int, Location, str, str]:
        return (
            0 if self.location is not None else 1,
            self.location or Location(""),
            self.address or "",
            self.message,
        )

    def to_json(self) -> JsonObject:
        return {
            "address": self.address,
            "location": location_to_json(self.location),
            "message": self.message,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> PlanIssue:
        return PlanIssue(
            message=str(data["message"]),
            address=data.get("address"),
            location=location_from_json(data.get("location")),
        )


@dataclass(frozen=True)
class Plan:
    stack: str
    changes: tuple[Change, ...]
    errors: tuple[PlanIssue, ...] = ()
    observed_digest: str = ""
    cost: PlanCost | None = None  # SPEC.md §5.5; counted by reconciler.cost.estimate

    def __post_init__(self) -> None:
        object.__setattr__(self, "changes", tuple(sorted(self.changes, key=lambda c: c.address)))
        object.__setattr__(self, "errors", tuple(sorted(self.errors, key=PlanIssue.sort_key)))
        addresses = [c.address for c in self.changes]
        if len(set(addresses)) != len(addresses):
            raise ValueError(f"duplicate addresses in a plan: {addresses}")

    @property
    def has_changes(self) -> bool:
        return any(c.is_change for c in self.changes)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def summary(self) -> dict[str, int]:
        counts = {action.value: 0 for action in SUMMARY_ORDER}
        for change in self.changes:
            counts[change.action.value] += 1
        return counts

    def change(self, address: str) -> Change | None:
        for change in self.changes:
            if change.address == address:
                return change
        return None

    def to_json(self) -> JsonObject:
        data: JsonObject = {
            "format_version": FORMAT_VERSION,
            "stack": self.stack,
            "changes": [c.to_json() for c in self.changes],
            "errors": [e.to_json() for e in self.errors],
            "summary": self.summary,
            "observed_digest": self.observed_digest,
        }
        if self.cost is not None:
            data["cost"] = self.cost.to_json()
        return data

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Plan:
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise ValueError(f"plan format_version {version!r} is not {FORMAT_VERSION!r}")
        return Plan(
            stack=str(data["stack"]),
            changes=tuple(Change.from_json(c) for c in data.get("changes") or ()),
            errors=tuple(PlanIssue.from_json(e) for e in data.get("errors") or ()),
            observed_digest=str(data.get("observed_digest") or ""),
            cost=PlanCost.from_json(data["cost"]) if data.get("cost") else None,
        )
