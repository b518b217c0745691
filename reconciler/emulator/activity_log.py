"""The ARM Activity Log of the emulated subscriptions, for deployments only (what the tool reads
to tell who deleted a deployment, or that the service removed it).

Served at ``GET /subscriptions/{sub}/providers/Microsoft.Insights/eventtypes/management/values``
(Azure/azure-rest-api-specs ``specification/monitor/resource-manager/Microsoft.Insights/stable/
2015-04-01/activityLogs_API.json``, operation ``ActivityLogs_List``), in the shape of its
published example ``GetActivityLogsFiltered.json`` (``EventData``). Rules, as Azure has them:

- ``api-version`` 2015-04-01 only (the one version that publishes this operation);
- ``$filter`` is required and must bound ``eventTimestamp`` from below (``ge``); only the
  published patterns: ``eventTimestamp ge/le``, and at most one of ``resourceGroupName eq``,
  ``resourceUri eq``, ``resourceProvider eq``, ``correlationId eq``; anything else is 400
  ``BadRequest`` ("$filter searching parameters invalid", the answer quoted in
  MicrosoftDocs/feedback#319 and Azure/azure-rest-api-specs#2467);
- events are kept 90 days: a start older than that is 400 (the Azure CLI's "Bad Request" past
  three months, Azure/azure-cli#4885);
- newest first, paged with ``nextLink`` (``$skipToken``).

Who: a request's caller is the identity behind its token. The emulator issues one management
token per tenant and stands it for one service principal of that tenant (an app id derived
from the tenant, ``caller_of``); Azure shows a service principal's app id as ``caller`` and its
token's claims (``appid``, ``idtyp: app``, tenant and object ids) under ``claims``.

What the service removes by itself (a DeveloperTier deployment after 24 hours, an idle
fine-tuned one after 15 days) is recorded too, at the time it happened. Azure's docs do not
show such an event; the emulator's is an assumption (docs/azure.md): caller
``Microsoft.CognitiveServices``, no claims, no ``httpRequest``, no ``authorization``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reconciler.emulator.arm_errors import ArmError
from reconciler.emulator.lro import iso
from reconciler.emulator.state import PROVIDER, EmulatorState, SeedAccount

KIND = "activity"
API_VERSION = "2015-04-01"
RETENTION_SECONDS = 90 * 86400.0
SERVICE_CALLER = PROVIDER  # assumption: see the module docstring
WRITE = f"{PROVIDER}/accounts/deployments/write"
DELETE = f"{PROVIDER}/accounts/deployments/delete"
DEPLOYMENT_TYPE = f"{PROVIDER}/accounts/deployments"
_NAMESPACE = uuid.UUID("7d3c3b8e-5f0a-4a57-9b8e-2f1f0c6a9e41")
_SUBMISSION_DELAY = 12.0  # seconds between an event and its availability, as in the example

_STATUS_TEXT = {
    200: ("OK", "OK (HTTP Status Code: 200)"),
    201: ("Created", "Created (HTTP Status Code: 201)"),
    202: ("Accepted", "Accepted (HTTP Status Code: 202)"),
    204: ("NoContent", "No Content (HTTP Status Code: 204)"),
}


@dataclass(frozen=True)
class Caller:
    """The identity the Activity Log names for a tenant's management token."""

    tenant: str
    app_id: str
    object_id: str


def caller_of(tenant: str) -> Caller:
    """The emulated service principal behind a tenant's management token (stable per tenant)."""
    tenant = tenant.lower()
    return Caller(
        tenant=tenant,
        app_id=str(uuid.uuid5(_NAMESPACE, f"app/{tenant}")),
        object_id=str(uuid.uuid5(_NAMESPACE, f"object/{tenant}")),
    )


def _localized(value: str, localized: str | None = None) -> dict[str, str]:
    return {"value": value, "localizedValue": localized or value}


def _claims(caller: Caller, at: float) -> dict[str, str]:
    issued = str(int(at) - 300)
    return {
        "aud": "https://management.azure.com/",
        "iss": f"https://sts.windows.net/{caller.tenant}/",
        "iat": issued,
        "nbf": issued,
        "exp": str(int(at) + 3300),
        "ver": "1.0",
        "http://schemas.microsoft.com/identity/claims/tenantid": caller.tenant,
        "http://schemas.microsoft.com/identity/claims/objectidentifier": caller.object_id,
        "appid": caller.app_id,
        "appidacr": "2",
        "idtyp": "app",
    }


def _event(
    account: SeedAccount,
    deployment: str,
    operation: str,
    *,
    caller: Caller | None,
    at: float,
    event_name: tuple[str, str],
    status: str,
    sub_status: int | None,
    correlation: str,
    method: str | None,
) -> dict[str, Any]:
    resource_id = f"{account.arm_id}/deployments/{deployment}"
    data_id = str(uuid.uuid4())
    ticks = int(at * 10_000_000) + 621_355_968_000_000_000  # .NET ticks, as ARM's ids carry
    event: dict[str, Any] = {
        "caller": caller.app_id if caller is not None else SERVICE_CALLER,
        "claims": _claims(caller, at) if caller is not None else {},
        "correlationId": correlation,
        "description": "",
        "eventDataId": data_id,
        "eventName": _localized(*event_name),
        "category": _localized("Administrative"),
        "id": f"{resource_id}/events/{data_id}/ticks/{ticks}",
        "level": "Informational",
        "resourceGroupName": account.resource_group,
        "resourceProviderName": _localized(PROVIDER),
        "resourceId": resource_id,
        "resourceType": _localized(DEPLOYMENT_TYPE),
        "operationId": correlation,
        "operationName": _localized(operation),
        "properties": {},
        "status": _localized(status),
        "eventTimestamp": iso(at),
        "submissionTimestamp": iso(at + _SUBMISSION_DELAY),
        "subscriptionId": account.subscription_id,
        "tenantId": account.tenant_id,
    }
    if sub_status is not None:
        code, text = _STATUS_TEXT.get(sub_status, (str(sub_status), str(sub_status)))
        event["subStatus"] = _localized(code, text)
        event["properties"] = {"statusCode": code}
    if caller is not None:
        event["authorization"] = {"action": operation, "scope": resource_id}
        event["httpRequest"] = {
            "clientRequestId": str(uuid.uuid4()),
            "clientIpAddress": "127.0.0.1",
            "method": method or "",
        }
    return event


def _store(state: EmulatorState, event: dict[str, Any]) -> None:
    key = f"{event['subscriptionId'].lower()}/{event['eventDataId']}"
    state.store.put(KIND, key, {**event, "_at": float(_parse(event["eventTimestamp"]))})


def record_request(
    state: EmulatorState,
    account: SeedAccount,
    deployment: str,
    operation: str,
    *,
    tenant: str,
    method: str,
    status_code: int,
) -> None:
    """A write or delete a caller made: its BeginRequest and EndRequest events, as ARM logs
    them (EndRequest ``Accepted`` for a 202, ``Succeeded`` otherwise)."""
    caller = caller_of(tenant)
    at = state.clock.now()
    correlation = str(uuid.uuid4())
    common: dict[str, Any] = {"caller": caller, "correlation": correlation, "method": method}
    _store(
        state,
        _event(
            account,
            deployment,
            operation,
            at=at,
            event_name=("BeginRequest", "Begin request"),
            status="Started",
            sub_status=None,
            **common,
        ),
    )
    _store(
        state,
        _event(
            account,
            deployment,
            operation,
            at=at,
            event_name=("EndRequest", "End request"),
            status="Accepted" if status_code == 202 else "Succeeded",
            sub_status=status_code,
            **common,
        ),
    )


def record_removal(state: EmulatorState, account: SeedAccount, deployment: str, at: float) -> None:
    """The service removed a deployment by itself at ``at`` (DeveloperTier lifetime, idle)."""
    _store(
        state,
        _event(
            account,
            deployment,
            DELETE,
            caller=None,
            at=at,
            event_name=("EndRequest", "End request"),
            status="Succeeded",
            sub_status=200,
            correlation=str(uuid.uuid4()),
            method=None,
        ),
    )


# --- the query ----------------------------------------------------------------------------

_CLAUSE = re.compile(r"^\s*(\w+)\s+(eq|ge|le)\s+'([^']*)'\s*$", re.IGNORECASE)
_EQ_FIELDS = {
    "resourcegroupname": "resourceGroupName",
    "resourceuri": "resourceUri",
    "resourceprovider": "resourceProvider",
    "correlationid": "correlationId",
}
_FILTER_HELP = (
    "$filter searching parameters invalid: use eventTimestamp ge '<start>' [and eventTimestamp "
    "le '<end>'] and at most one of resourceGroupName, resourceUri, resourceProvider or "
    "correlationId eq '<value>'."
)


@dataclass(frozen=True)
class Query:
    start: float
    end: float | None
    field: str | None  # one of _EQ_FIELDS' values
    value: str | None


def _invalid(message: str = _FILTER_HELP) -> ArmError:
    return ArmError(400, "BadRequest", message)


def _parse(stamp: str) -> float:
    text = stamp.strip().replace("Z", "+00:00")
    # .NET writes 7 fractional digits; Python reads at most 6.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def parse_filter(text: str | None) -> Query:
    if not text or not text.strip():
        raise _invalid()
    start: float | None = None
    end: float | None = None
    field: str | None = None
    value: str | None = None
    for clause in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        match = _CLAUSE.match(clause)
        if match is None:
            raise _invalid()
        name, op, raw = match[1].lower(), match[2].lower(), match[3]
        if name == "eventtimestamp" and op in ("ge", "le"):
            try:
                moment = _parse(raw)
            except ValueError:
                raise _invalid(f"The eventTimestamp '{raw[:40]}' is not a valid time.") from None
            if op == "ge":
                if start is not None:
                    raise _invalid()
                start = moment
            else:
                if end is not None:
                    raise _invalid()
                end = moment
        elif name in _EQ_FIELDS and op == "eq" and field is None:
            field, value = _EQ_FIELDS[name], raw
        else:
            raise _invalid()
    if start is None:
        raise _invalid("$filter must contain at least a start time: eventTimestamp ge '<start>'.")
    return Query(start, end, field, value)


def _matches(event: dict[str, Any], query: Query) -> bool:
    at = float(event["_at"])
    if at < query.start or (query.end is not None and at > query.end):
        return False
    if query.field is None or query.value is None:
        return True
    wanted = query.value.lower()
    if query.field == "resourceGroupName":
        return str(event["resourceGroupName"]).lower() == wanted
    if query.field == "resourceUri":
        return str(event["resourceId"]).lower() == wanted.rstrip("/")
    if query.field == "resourceProvider":
        return str(event["resourceProviderName"]["value"]).lower() == wanted
    return str(event["correlationId"]).lower() == wanted


def events(state: EmulatorState, subscription_id: str, query: Query) -> list[dict[str, Any]]:
    """The events of a subscription the query selects, newest first (as ARM answers)."""
    now = state.clock.now()
    if query.start < now - RETENTION_SECONDS:
        raise _invalid(
            "The start time of the query (eventTimestamp ge) must be within the last 90 days: "
            "the Activity Log keeps events for 90 days."
        )
    if query.end is not None and query.end < query.start:
        raise _invalid("The end time of the query is before its start time.")
    found = [
        e
        for e in state.store.list(KIND, f"{subscription_id.lower()}/")
        if _matches(e, query) and float(e["_at"]) <= now
    ]
    found.sort(key=lambda e: float(e["_at"]), reverse=True)
    return [{k: v for k, v in e.items() if not k.startswith("_")} for e in found]
