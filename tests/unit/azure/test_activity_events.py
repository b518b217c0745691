"""Azure's EventData (the published Activity Log example, and variations of it) as the events
drift reads: finished deployment writes and deletes only, by whom and when."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from reconciler.azure.activity import activity_events
from reconciler.plan.activity import ActivityEvent, Operation

EXAMPLE = (
    Path(__file__).resolve().parents[2]
    / "contract"
    / "examples"
    / "monitor"
    / "2015-04-01.GetActivityLogsFiltered.json"
)
ACCOUNT = (
    "/subscriptions/089bd33f-d4ec-47fe-8ba5-0753aa5c5b33/resourceGroups/MSSupportGroup"
    "/providers/Microsoft.CognitiveServices/accounts/aoai-swc"
)


def published() -> dict[str, Any]:
    body: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))["responses"]["200"][
        "body"
    ]
    event: dict[str, Any] = body["value"][0]
    return event


def as_deployment(event: dict[str, Any], operation: str, name: str = "chat") -> dict[str, Any]:
    changed = copy.deepcopy(event)
    value = f"Microsoft.CognitiveServices/accounts/deployments/{operation}"
    changed["operationName"] = {"value": value, "localizedValue": value}
    changed["resourceId"] = f"{ACCOUNT}/deployments/{name}"
    return changed


def test_the_published_example_holds_no_deployment_event() -> None:
    # a support ticket written: not a deployment, so nothing drift reads
    assert activity_events([published()]) == []


def test_a_published_event_about_a_deployment_delete_names_its_caller_and_time() -> None:
    events = activity_events([as_deployment(published(), "delete")])
    assert events == [
        ActivityEvent(
            resource_id=f"{ACCOUNT}/deployments/chat",
            operation=Operation.DELETE,
            caller="admin@contoso.com",
            at="2015-01-21T22:14:26.9792776Z",
            by_service=False,
        )
    ]
    assert events[0].moment.isoformat() == "2015-01-21T22:14:26.979277+00:00"


def test_operation_names_compare_case_insensitively_and_unfinished_events_are_left_out() -> None:
    write = as_deployment(published(), "write")
    write["operationName"]["value"] = write["operationName"]["value"].lower()
    started = as_deployment(published(), "delete")
    started["status"] = {"value": "Started", "localizedValue": "Started"}
    started["correlationId"] = "another"
    failed = as_deployment(published(), "delete")
    failed["status"] = {"value": "Failed", "localizedValue": "Failed"}
    failed["correlationId"] = "a third"
    events = activity_events([write, started, failed])
    assert [(e.operation, e.caller) for e in events] == [(Operation.WRITE, "admin@contoso.com")]


def test_accepted_then_succeeded_of_one_request_is_one_event() -> None:
    accepted = as_deployment(published(), "delete")
    accepted["status"] = {"value": "Accepted", "localizedValue": "Accepted"}
    succeeded = as_deployment(published(), "delete")
    succeeded["eventTimestamp"] = "2015-01-21T22:15:00Z"
    events = activity_events([succeeded, accepted])
    assert [e.at for e in events] == ["2015-01-21T22:14:26.9792776Z"]


def test_a_delete_without_a_callers_token_is_the_services_own() -> None:
    removal = as_deployment(published(), "delete")
    for key in ("claims", "httpRequest", "authorization"):
        removal.pop(key)
    removal["caller"] = "Microsoft.CognitiveServices"
    (event,) = activity_events([removal])
    assert event.by_service and event.caller == "Microsoft.CognitiveServices"
