"""What the ARM Activity Log says happened to an account's deployments: plain data, read by the
pure drift function to tell why a deployment is missing (reconciler/azure/activity.py reads it).

Only finished writes and deletes of deployments are kept: an event whose status is
``Succeeded`` or ``Accepted`` and whose operation is ``…/accounts/deployments/write`` or
``…/delete``. ``by_service`` marks what the service did by itself (no caller's token behind it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class Operation(StrEnum):
    WRITE = "write"
    DELETE = "delete"


@dataclass(frozen=True)
class ActivityEvent:
    resource_id: str
    operation: Operation
    caller: str  # as Azure gives it: a UPN, an app id, or the service's name
    at: str  # eventTimestamp, ISO 8601 UTC
    by_service: bool = False

    @property
    def moment(self) -> datetime:
        return parse_time(self.at)

    def to_json(self) -> dict[str, Any]:
        return {
            "resource_id": self.resource_id,
            "operation": self.operation.value,
            "caller": self.caller,
            "at": self.at,
            "by_service": self.by_service,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> ActivityEvent:
        return ActivityEvent(
            resource_id=str(data["resource_id"]),
            operation=Operation(data["operation"]),
            caller=str(data.get("caller") or ""),
            at=str(data["at"]),
            by_service=bool(data.get("by_service", False)),
        )


@dataclass(frozen=True)
class ActivityLog:
    """One account's deployment events in a window [since, until] (until: when it was read).

    ``unreadable``: why the log could not be read (e.g. no role to read it); then ``events``
    is empty and drift falls back to what it can say without it."""

    since: str
    until: str
    events: tuple[ActivityEvent, ...] = ()
    unreadable: str | None = None

    def of(self, resource_id: str) -> list[ActivityEvent]:
        """The events of one resource, oldest first (ARM ids compare case-insensitively)."""
        wanted = resource_id.rstrip("/").lower()
        found = [e for e in self.events if e.resource_id.rstrip("/").lower() == wanted]
        return sorted(found, key=lambda e: e.moment)

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "until": self.until,
            "events": [e.to_json() for e in self.events],
            "unreadable": self.unreadable,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> ActivityLog:
        return ActivityLog(
            since=str(data["since"]),
            until=str(data["until"]),
            events=tuple(ActivityEvent.from_json(e) for e in data.get("events") or ()),
            unreadable=data.get("unreadable"),
        )


def parse_time(stamp: str) -> datetime:
    """An ISO 8601 timestamp as Azure writes it (``Z``, up to 7 fractional digits)."""
    text = stamp.strip().replace("Z", "+00:00")
    if "." in text:
        head, _, tail = text.partition(".")
        digits = "".join(c for c in tail if c.isdigit())
        zone = tail[len(digits) :]
        text = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
