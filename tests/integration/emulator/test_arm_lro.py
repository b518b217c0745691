"""Long-running operations as ARM runs them: operation status, provisioning states, and 409
RequestConflict while a write on the same account is in progress."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.cognitiveservices.models import (
    Deployment,
    DeploymentModel,
    DeploymentProperties,
    Sku,
)

from reconciler.emulator.process import RunningEmulator

SUB1 = "00000000-0000-0000-0000-000000000001"
ACCOUNTS = (
    f"/subscriptions/{SUB1}/resourceGroups/rg-ft/providers/Microsoft.CognitiveServices/accounts"
)
API = {"api-version": "2025-09-01"}
BODY = {
    "sku": {"name": "Standard", "capacity": 1},
    "properties": {"model": {"format": "OpenAI", "name": "gpt-4.1-mini", "version": "2025-04-14"}},
}
SLOW = 600.0  # simulated seconds a write takes here: it stays in progress until the clock moves


@pytest.fixture(scope="module")
def slow(
    tmp_path_factory: pytest.TempPathFactory, private_emulator: Any
) -> Iterator[RunningEmulator]:
    running = private_emulator(tmp_path_factory.mktemp("slow"), provision_seconds=SLOW)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture()
def http_slow(slow: RunningEmulator, make_http_client: Any) -> Iterator[httpx2.Client]:
    with make_http_client(slow.connection) as client:
        yield client


def advance(client: httpx2.Client, seconds: float) -> None:
    answer = client.post("/_emulator/clock", json={"advance": seconds})
    assert answer.status_code == 200, answer.text


def test_put_runs_as_an_operation_then_succeeds(http_slow: httpx2.Client) -> None:
    url = f"{ACCOUNTS}/aoai-swc/deployments/lro-one"
    created = http_slow.put(url, params=API, json=BODY)
    assert created.status_code == 201
    assert created.json()["properties"]["provisioningState"] == "Accepted"
    status_url = created.headers["Azure-AsyncOperation"]
    assert status_url.startswith(http_slow.base_url.scheme + "://")
    # Poll hints are whole seconds, as Azure sends them, capped so a slow simulated clock
    # never stalls a client for long.
    assert created.headers["Retry-After"] == "10"

    polled = http_slow.get(status_url)
    assert polled.headers["Retry-After"] == "10"
    running = polled.json()
    assert running["status"] == "InProgress"
    assert "startTime" in running and "endTime" not in running
    assert http_slow.get(url, params=API).json()["properties"]["provisioningState"] == "Creating"

    advance(http_slow, SLOW)
    done = http_slow.get(status_url).json()
    assert done["status"] == "Succeeded"
    assert "endTime" in done
    final = http_slow.get(url, params=API).json()
    assert final["properties"]["provisioningState"] == "Succeeded"

    # The same PUT again is an update of an existing deployment: 200. While it runs the
    # deployment reads Accepted: the published DeploymentProvisioningState has no "Updating".
    again = http_slow.put(url, params=API, json=BODY)
    assert again.status_code == 200
    assert again.json()["properties"]["provisioningState"] == "Accepted"
    assert http_slow.get(url, params=API).json()["properties"]["provisioningState"] == "Accepted"
    scaled = http_slow.patch(url, params=API, json={"sku": {"name": "Standard", "capacity": 2}})
    assert scaled.status_code == 409  # the update still runs
    advance(http_slow, SLOW)
    scaled = http_slow.patch(url, params=API, json={"sku": {"name": "Standard", "capacity": 2}})
    assert scaled.status_code == 202
    assert http_slow.get(url, params=API).json()["properties"]["provisioningState"] == "Accepted"
    advance(http_slow, SLOW)


def test_second_write_on_a_busy_account_is_409_request_conflict(
    slow: RunningEmulator, http_slow: httpx2.Client, make_arm_client: Any
) -> None:
    client = make_arm_client(slow.connection)
    first = http_slow.put(f"{ACCOUNTS}/aoai-swc/deployments/busy-one", params=API, json=BODY)
    assert first.status_code == 201

    second = Deployment(
        sku=Sku(name="Standard", capacity=1),
        properties=DeploymentProperties(
            model=DeploymentModel(format="OpenAI", name="gpt-4.1-nano")
        ),
    )
    with pytest.raises(HttpResponseError) as conflict:
        client.deployments.begin_create_or_update("rg-ft", "aoai-swc", "busy-two", second)
    assert conflict.value.status_code == 409
    assert conflict.value.error is not None
    assert conflict.value.error.code == "RequestConflict"
    assert "Another operation is being performed on the parent resource" in (
        conflict.value.error.message
    )
    assert f"{ACCOUNTS}/aoai-swc" in conflict.value.error.message

    for method in ("DELETE", "PATCH"):
        answer = http_slow.request(
            method,
            f"{ACCOUNTS}/aoai-swc/deployments/busy-one",
            params=API,
            json={"tags": {"a": "b"}} if method == "PATCH" else None,
        )
        assert answer.status_code == 409, method
    # Reads are fine while the write runs, and other accounts take writes.
    assert http_slow.get(f"{ACCOUNTS}/aoai-swc/deployments", params=API).status_code == 200
    other = http_slow.put(f"{ACCOUNTS}/aoai-ncus/deployments/elsewhere", params=API, json=BODY)
    assert other.status_code == 201

    advance(http_slow, SLOW)
    # With the account free the write is accepted (raw here: the SDK poller would sleep on
    # Retry-After while the simulated clock stands still).
    again = http_slow.put(f"{ACCOUNTS}/aoai-swc/deployments/busy-two", params=API, json=BODY)
    assert again.status_code == 201
    advance(http_slow, SLOW)
    made = client.deployments.get("rg-ft", "aoai-swc", "busy-two")
    assert made.properties.provisioning_state == "Succeeded"


def test_delete_and_patch_results_through_location(http_slow: httpx2.Client) -> None:
    url = f"{ACCOUNTS}/aoai-ncus/deployments/loc-one"
    advance(http_slow, SLOW)
    assert http_slow.put(url, params=API, json=BODY).status_code == 201
    advance(http_slow, SLOW)

    scaled = http_slow.patch(url, params=API, json={"sku": {"name": "Standard", "capacity": 4}})
    assert scaled.status_code == 202
    location = scaled.headers["Location"]
    assert http_slow.get(location).status_code == 202
    advance(http_slow, SLOW)
    result = http_slow.get(location)
    assert result.status_code == 200
    assert result.json()["sku"]["capacity"] == 4
    assert result.json()["properties"]["currentCapacity"] == 4

    deleted = http_slow.delete(url, params=API)
    assert deleted.status_code == 202
    assert http_slow.get(url, params=API).json()["properties"]["provisioningState"] == "Deleting"
    assert http_slow.get(deleted.headers["Location"]).status_code == 202
    advance(http_slow, SLOW)
    assert http_slow.get(deleted.headers["Location"]).status_code == 204
    assert http_slow.get(url, params=API).status_code == 404

    unknown = http_slow.get(
        f"/subscriptions/{SUB1}/providers/Microsoft.CognitiveServices/locations/northcentralus"
        "/operationStatuses/00000000-dead-beef-0000-000000000000",
        params=API,
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "OperationNotFound"
