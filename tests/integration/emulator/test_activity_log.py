"""The emulator's Activity Log through the real azure-mgmt-monitor client: deployment writes
and deletes by the token's identity, in the published EventData shape, with Azure's $filter
rules, the 90-day window and paging."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx2
import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import (
    Deployment,
    DeploymentModel,
    DeploymentProperties,
    Sku,
)
from azure.mgmt.monitor import MonitorManagementClient

from reconciler.emulator.activity_log import caller_of
from reconciler.emulator.process import RunningEmulator
from reconciler.emulator.state import DEFAULT_TENANT

from ..conftest import SUB1, StaticTokenCredential

ACTIVITY = f"/subscriptions/{SUB1}/providers/Microsoft.Insights/eventtypes/management/values"
SWC = (
    f"/subscriptions/{SUB1}/resourceGroups/rg-ft/providers/Microsoft.CognitiveServices"
    "/accounts/aoai-swc"
)
WRITE = "Microsoft.CognitiveServices/accounts/deployments/write"
DELETE = "Microsoft.CognitiveServices/accounts/deployments/delete"


@pytest.fixture(scope="module")
def logged(
    tmp_path_factory: pytest.TempPathFactory, private_emulator: Any
) -> Iterator[RunningEmulator]:
    running: RunningEmulator = private_emulator(tmp_path_factory.mktemp("activity"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def admin(logged: RunningEmulator, make_http_client: Any) -> Iterator[httpx2.Client]:
    with make_http_client(logged.connection) as client:
        yield client


def monitor(emulator: RunningEmulator, token: str | None = None) -> MonitorManagementClient:
    connection = emulator.connection
    return MonitorManagementClient(
        StaticTokenCredential(token or connection.management_token()),
        SUB1,
        base_url=connection.endpoint,
        connection_verify=connection.ca_file,
        retry_total=0,
    )


def since(days: float = 1) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def history(logged: RunningEmulator, make_arm_client: Any) -> list[dict[str, Any]]:
    """Create, scale and delete a deployment; the resource group's events, as the SDK reads."""
    arm: CognitiveServicesManagementClient = make_arm_client(logged.connection)
    body = Deployment(
        sku=Sku(name="Standard", capacity=1),
        properties=DeploymentProperties(
            model=DeploymentModel(format="OpenAI", name="gpt-4.1-mini", version="2025-04-14")
        ),
    )
    arm.deployments.begin_create_or_update("rg-ft", "aoai-swc", "logged", body).result()
    arm.deployments.begin_delete("rg-ft", "aoai-swc", "logged").result()
    query = f"eventTimestamp ge '{since()}' and resourceGroupName eq 'rg-ft'"
    events = monitor(logged).activity_logs.list(filter=query)
    return [e.serialize(keep_readonly=True) for e in events]


def test_writes_and_deletes_are_logged_by_the_tokens_identity(
    history: list[dict[str, Any]],
) -> None:
    ends = [e for e in history if e["eventName"]["value"] == "EndRequest"]
    assert [(e["operationName"]["value"], e["status"]["value"]) for e in ends] == [
        (DELETE, "Accepted"),  # newest first; a 202 ends Accepted
        (WRITE, "Succeeded"),
    ]
    caller = caller_of(DEFAULT_TENANT)
    for event in history:
        assert event["resourceId"] == f"{SWC}/deployments/logged"
        assert event["caller"] == caller.app_id
        assert event["claims"]["appid"] == caller.app_id
        assert event["claims"]["http://schemas.microsoft.com/identity/claims/tenantid"] == (
            DEFAULT_TENANT
        )
        assert event["resourceGroupName"] == "rg-ft"
        assert event["subscriptionId"] == SUB1
    starts = [e for e in history if e["eventName"]["value"] == "BeginRequest"]
    assert {e["status"]["value"] for e in starts} == {"Started"}
    assert {e["correlationId"] for e in starts} == {e["correlationId"] for e in ends}


def test_events_carry_the_published_event_data_shape(
    history: list[dict[str, Any]], published: SimpleNamespace
) -> None:
    example = published.keys_of(
        published.example("monitor/2015-04-01.GetActivityLogsFiltered.json")
    )
    names = published.schema_properties()["monitor-2015-04-01"]
    for event in history:
        assert set(event) <= set(names["EventData"]), set(event) - set(names["EventData"])
        for key in ("eventName", "category", "operationName", "status", "resourceProviderName"):
            assert set(event[key]) == set(names["LocalizableString"])
        # the example (2015) predates these members of the schema's EventData
        newer = {"category", "resourceId", "resourceType", "tenantId"}
        assert set(event) - newer <= set(example["value"])


def test_the_filter_selects_by_time_resource_and_group(logged: RunningEmulator) -> None:
    client = monitor(logged)
    resource = f"{SWC}/deployments/logged"
    by_resource = list(
        client.activity_logs.list(
            filter=f"eventTimestamp ge '{since()}' and resourceUri eq '{resource}'"
        )
    )
    assert len(by_resource) == 4
    other_group = list(
        client.activity_logs.list(
            filter=f"eventTimestamp ge '{since()}' and resourceGroupName eq 'rg-other'"
        )
    )
    assert other_group == []
    later = (datetime.now(UTC) + timedelta(days=3650)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert list(client.activity_logs.list(filter=f"eventTimestamp ge '{later}'")) == []


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("resourceGroupName eq 'rg-ft'", "at least a start time"),
        ("eventTimestamp le '2026-01-01T00:00:00Z'", "at least a start time"),
        ("eventTimestamp ge '{since}' or resourceGroupName eq 'rg-ft'", "searching parameters"),
        ("eventTimestamp ge '{since}' and caller eq 'x'", "searching parameters"),
        ("eventTimestamp ge '{old}'", "90 days"),
        ("eventTimestamp ge 'yesterday'", "not a valid time"),
    ],
)
def test_filters_azure_refuses_are_400(logged: RunningEmulator, query: str, says: str) -> None:
    text = query.format(since=since(), old=since(91))
    with pytest.raises(HttpResponseError) as refused:
        list(monitor(logged).activity_logs.list(filter=text))
    assert refused.value.status_code == 400
    assert refused.value.error is not None and refused.value.error.code == "BadRequest"
    assert says in str(refused.value.error.message)


def test_no_filter_and_unpublished_api_versions_are_refused(admin: httpx2.Client) -> None:
    bare = admin.get(ACTIVITY, params={"api-version": "2015-04-01"})
    assert bare.status_code == 400 and bare.json()["error"]["code"] == "BadRequest"
    query = {"$filter": f"eventTimestamp ge '{since()}'"}
    wrong = admin.get(ACTIVITY, params={"api-version": "2025-09-01", **query})
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "InvalidApiVersionParameter"
    lower = admin.get(
        ACTIVITY.replace("Microsoft.Insights", "microsoft.insights"),
        params={"api-version": "2015-04-01", **query},
    )
    assert lower.status_code == 200 and lower.json()["value"]


def test_a_data_plane_token_is_refused(logged: RunningEmulator) -> None:
    token = logged.connection.cognitive_token()
    with pytest.raises(HttpResponseError) as refused:
        list(monitor(logged, token).activity_logs.list(filter=f"eventTimestamp ge '{since()}'"))
    assert refused.value.status_code == 401


def test_pages_follow_next_link(logged: RunningEmulator, admin: httpx2.Client) -> None:
    assert admin.post("/_emulator/config", json={"arm_page_size": 1}).status_code == 200
    try:
        admin_page = admin.get(
            ACTIVITY,
            params={"api-version": "2015-04-01", "$filter": f"eventTimestamp ge '{since()}'"},
        ).json()
        assert len(admin_page["value"]) == 1 and "$skipToken=1" in admin_page["nextLink"]
        every = list(monitor(logged).activity_logs.list(filter=f"eventTimestamp ge '{since()}'"))
        assert len(every) == 4
    finally:
        admin.post("/_emulator/config", json={"arm_page_size": 100})
