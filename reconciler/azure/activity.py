"""The ARM Activity Log of the accounts where drift found a deployment missing: who deleted it
and when, or that the service removed it, or that it was never created (then it is pending
apply, not drift).

One query per subscription and resource group (Microsoft.Insights ``ActivityLogs_List``,
api-version 2015-04-01, through azure-mgmt-monitor), filtered by resource group and a start
time ``ACTIVITY_WINDOW`` back, pages followed; never one query per deployment, and none at all
when nothing is missing. Reading it needs ``Microsoft.Insights/eventtypes/values/read`` on the
subscription or resource group (the built-in roles Monitoring Reader or Reader have it); without
it the log is marked unreadable and drift says so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from reconciler.azure.clients import Clients
from reconciler.azure.errors import mapped
from reconciler.azure.observe import AccountAccess, Observation
from reconciler.azure.path_segments import path_segments
from reconciler.azure.read import _dump
from reconciler.errors import AuthError, AzureError
from reconciler.plan.activity import ActivityEvent, ActivityLog, Operation
from reconciler.plan.observed import Observed

# Long enough to see the creation of a deployment the service removed after 15 days without
# inference, and the deletions of the last weeks of scheduled drift runs; well inside the
# 90 days Azure keeps (and accepts as a start time). A deployment gone without a trace for
# longer reads as never applied: apply makes it again either way.
ACTIVITY_WINDOW = timedelta(days=30)
PROVIDER = "microsoft.cognitiveservices"
_OPERATIONS = {
    f"{PROVIDER}/accounts/deployments/write": Operation.WRITE,
    f"{PROVIDER}/accounts/deployments/delete": Operation.DELETE,
}
_DONE = frozenset({"succeeded", "accepted"})
ROLE_HINT = (
    "give the identity the Monitoring Reader role (or Reader) on the subscription or the "
    "resource group (it needs Microsoft.Insights/eventtypes/values/read)"
)


def _value(field: object) -> str:
    """A LocalizableString's invariant value (or a plain string)."""
    if isinstance(field, Mapping):
        return str(field.get("value") or "")
    return str(field or "")


def activity_events(raw: Iterable[Mapping[str, Any]]) -> list[ActivityEvent]:
    """Azure's EventData records (the REST shape) as the finished deployment writes and
    deletes they hold; every other event is left out. One event per operation (correlation
    id): ARM may log ``Accepted`` and later ``Succeeded`` for the same request."""
    found: dict[tuple[str, str, str], ActivityEvent] = {}
    for event in raw:
        operation = _OPERATIONS.get(_value(event.get("operationName")).lower())
        if operation is None or _value(event.get("status")).lower() not in _DONE:
            continue
        resource_id = str(event.get("resourceId") or "")
        at = str(event.get("eventTimestamp") or "")
        if not resource_id or not at:
            continue
        caller = str(event.get("caller") or "")
        # The service's own removals carry no caller's token (docs/azure.md: an assumption).
        by_service = caller.lower() == PROVIDER or (
            not event.get("claims") and not event.get("httpRequest")
        )
        correlation = str(event.get("correlationId") or event.get("eventDataId") or at)
        key = (resource_id.lower(), operation.value, correlation)
        current = found.get(key)
        candidate = ActivityEvent(resource_id, operation, caller, at, by_service)
        if current is None or candidate.moment < current.moment:
            found[key] = candidate
    return sorted(found.values(), key=lambda e: (e.moment, e.resource_id))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_activity(
    clients: Clients, subscription_id: str, tenant_id: str | None, resource_group: str
) -> list[dict[str, Any]]:
    """The raw events of a resource group since ``ACTIVITY_WINDOW`` ago (pages followed)."""
    path_segments(resource_group=resource_group)
    since = datetime.now(UTC) - ACTIVITY_WINDOW
    query = f"eventTimestamp ge '{_stamp(since)}' and resourceGroupName eq '{resource_group}'"
    monitor = clients.monitor(subscription_id, tenant_id)
    with mapped(f"read the Activity Log of resource group {resource_group}"):
        return [_dump(e) for e in monitor.activity_logs.list(filter=query)]


def _unreadable(error: AzureError, resource_group: str) -> str:
    if isinstance(error, AuthError) and error.status == 403:
        return (
            f"cannot read the Activity Log of resource group {resource_group} (403: no "
            f"permission): {ROLE_HINT}"
        )
    return f"cannot read the Activity Log of resource group {resource_group}: {error}"


def add_activity(
    observation: Observation, clients: Clients, accounts: frozenset[str]
) -> Observation:
    """The observation with the Activity Log of these accounts read: one query per
    subscription and resource group. A refusal (no role) or failure is recorded in the
    account's log as ``unreadable``, never raised: drift then says what it cannot know."""
    now = datetime.now(UTC)
    since, until = _stamp(now - ACTIVITY_WINDOW), _stamp(now)
    groups: dict[tuple[str, str | None, str], list[AccountAccess]] = {}
    for key in sorted(accounts):
        access = observation.access.get(key)
        if access is None or key not in observation.observed.accounts:
            continue
        group = (access.subscription_id, access.tenant_id, access.resource_group.lower())
        groups.setdefault(group, []).append(access)
    current = dict(observation.observed.accounts)
    for (subscription_id, tenant_id, _), members in groups.items():
        resource_group = members[0].resource_group
        try:
            raw = read_activity(clients, subscription_id, tenant_id, resource_group)
            events, problem = activity_events(raw), None
        except AzureError as error:
            events, problem = [], _unreadable(error, resource_group)
        for access in members:
            seen = current[access.key]
            prefix = seen.arm_id.rstrip("/").lower() + "/deployments/"
            mine = tuple(e for e in events if e.resource_id.lower().startswith(prefix))
            log = ActivityLog(since, until, mine, problem)
            current[access.key] = dataclasses.replace(seen, activity=log)
    return Observation(Observed(current), dict(observation.access))


__all__ = ["ACTIVITY_WINDOW", "ROLE_HINT", "activity_events", "add_activity", "read_activity"]
