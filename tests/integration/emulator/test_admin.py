"""The admin API: faults (before / after / dropped connection), latency, clock and state dump."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx2
import pytest
from azure.core.exceptions import (
    HttpResponseError,
    IncompleteReadError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import (
    Deployment,
    DeploymentModel,
    DeploymentProperties,
    Sku,
)

from reconciler.emulator_connection import EmulatorConnection

SUB1 = "00000000-0000-0000-0000-000000000001"
ACCOUNT = (
    f"/subscriptions/{SUB1}/resourceGroups/rg-ft/providers/Microsoft.CognitiveServices"
    "/accounts/aoai-ncus"
)
API = {"api-version": "2025-09-01"}


def body() -> Deployment:
    return Deployment(
        sku=Sku(name="Standard", capacity=1),
        properties=DeploymentProperties(
            model=DeploymentModel(format="OpenAI", name="gpt-4.1-mini", version="2025-04-14")
        ),
    )


@pytest.fixture()
def faults(http: httpx2.Client) -> Iterator[httpx2.Client]:
    yield http
    assert http.delete("/_emulator/faults").status_code == 200


def add_fault(http: httpx2.Client, **fault: object) -> None:
    answer = http.post("/_emulator/faults", json=[fault])
    assert answer.status_code == 200, answer.text


def wait_settled(client: CognitiveServicesManagementClient, name: str) -> str:
    for _ in range(200):
        state = client.deployments.get("rg-ft", "aoai-ncus", name).properties.provisioning_state
        if state == "Succeeded":
            return state
        time.sleep(0.02)
    raise AssertionError(f"{name} never finished provisioning")


def test_fault_before_answers_without_performing(
    faults: httpx2.Client, arm_client: CognitiveServicesManagementClient
) -> None:
    add_fault(faults, method="PUT", path="/deployments/fault-before$", status=500, when="before")
    with pytest.raises(HttpResponseError) as failure:
        arm_client.deployments.begin_create_or_update("rg-ft", "aoai-ncus", "fault-before", body())
    assert failure.value.status_code == 500
    with pytest.raises(ResourceNotFoundError):
        arm_client.deployments.get("rg-ft", "aoai-ncus", "fault-before")
    # count: 1 is used up: the retry goes through.
    made = arm_client.deployments.begin_create_or_update(
        "rg-ft", "aoai-ncus", "fault-before", body()
    ).result()
    assert made.properties.provisioning_state == "Succeeded"


def test_fault_after_performs_then_fails(
    faults: httpx2.Client, arm_client: CognitiveServicesManagementClient
) -> None:
    add_fault(faults, method="PUT", path="/deployments/fault-after$", status=503, when="after")
    with pytest.raises(HttpResponseError) as failure:
        arm_client.deployments.begin_create_or_update("rg-ft", "aoai-ncus", "fault-after", body())
    assert failure.value.status_code == 503
    # The ambiguous failure: the write happened although the client saw an error.
    assert wait_settled(arm_client, "fault-after") == "Succeeded"


def test_dropped_connection_after_performing(
    faults: httpx2.Client, arm_client: CognitiveServicesManagementClient
) -> None:
    add_fault(faults, method="PUT", path="/deployments/fault-drop$", when="after", drop=True)
    # Headers arrive, the promised body never does: azure-core sees a broken connection.
    with pytest.raises((IncompleteReadError, ServiceResponseError, ServiceRequestError)):
        arm_client.deployments.begin_create_or_update("rg-ft", "aoai-ncus", "fault-drop", body())
    assert wait_settled(arm_client, "fault-drop") == "Succeeded"


def test_fault_count_retry_after_and_data_plane_paths(faults: httpx2.Client) -> None:
    add_fault(faults, method="GET", path="/openai/v1/models", status=429, count=2, retry_after=3)
    for _ in range(2):
        answer = faults.get("/dp/aoai-swc/openai/v1/models")
        assert answer.status_code == 429
        assert answer.headers["Retry-After"] == "3"
        assert answer.json()["error"]["code"] == "TooManyRequests"
    assert faults.get("/dp/aoai-swc/openai/v1/models").status_code != 429
    listed = faults.get("/_emulator/faults").json()["faults"]
    assert listed == []


@pytest.mark.parametrize(("asked", "sent"), [(0.1, "0"), (0.999, "0"), (1, "1"), (2.5, "3")])
def test_fault_retry_after_is_sent_in_whole_seconds(
    faults: httpx2.Client, asked: float, sent: str
) -> None:
    add_fault(faults, method="GET", path="/accounts/aoai-ncus$", status=503, retry_after=asked)
    answer = faults.get(ACCOUNT, params=API)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == sent


def test_faults_are_cleared_and_validated(faults: httpx2.Client) -> None:
    add_fault(faults, method="GET", path="/accounts/aoai-ncus$", status=500, count=5)
    assert faults.get(ACCOUNT, params=API).status_code == 500
    assert faults.delete("/_emulator/faults").status_code == 200
    assert faults.get(ACCOUNT, params=API).status_code == 200
    for bad in (
        [{"path": "("}],
        [{"status": 200}],
        [{"when": "during"}],
        [{"count": 0}],
        ["nope"],
        [{"unknown": 1}],
    ):
        answer = faults.post("/_emulator/faults", json=bad)
        assert answer.status_code == 400, bad
    assert faults.post("/_emulator/faults", content=b"{not json").status_code == 400


def test_latency_delays_every_answer_but_admin(http: httpx2.Client) -> None:
    assert http.post("/_emulator/config", json={"latency_ms": 300}).status_code == 200
    try:
        started = time.monotonic()
        assert http.get(ACCOUNT, params=API).status_code == 200
        assert time.monotonic() - started >= 0.3
        started = time.monotonic()
        http.get("/_emulator/config")
        assert time.monotonic() - started < 0.3
    finally:
        http.post("/_emulator/config", json={"latency_ms": 0})
    started = time.monotonic()
    http.get(ACCOUNT, params=API)
    assert time.monotonic() - started < 0.3


def test_clock_moves_forward_only(http: httpx2.Client) -> None:
    before = http.get("/_emulator/clock").json()["now"]
    moved = http.post("/_emulator/clock", json={"advance": 5}).json()
    assert moved["now"] >= before + 5
    assert http.post("/_emulator/clock", json={"advance": -1}).status_code == 400
    assert http.post("/_emulator/clock", json={"advance": "soon"}).status_code == 400


def test_state_dump_holds_everything_but_secrets(
    http: httpx2.Client,
    arm_client: CognitiveServicesManagementClient,
    emulator_connection: EmulatorConnection,
) -> None:
    arm_client.deployments.begin_create_or_update("rg-ft", "aoai-ncus", "dumped", body()).result()
    answer = http.get("/_emulator/state")
    assert answer.status_code == 200
    dump = answer.json()
    assert "aoai-ncus/dumped" in dump["kinds"]["deployment"]
    assert {a["name"] for a in dump["accounts"]} == {"aoai-swc", "aoai-ncus", "aoai-ncus-b"}
    assert dump["quotas"][0]["limit"] == 30
    secrets = [
        *(t.management_token for t in emulator_connection.tenants.values()),
        *(t.cognitive_token for t in emulator_connection.tenants.values()),
        *emulator_connection.api_keys.values(),
    ]
    assert len(secrets) == 2 * 2 + 3  # two tenants, three accounts
    assert not [s for s in secrets if s in answer.text]


def test_request_log_counts_what_was_sent_and_can_be_cleared(
    http: httpx2.Client, arm_client: CognitiveServicesManagementClient
) -> None:
    assert http.delete("/_emulator/requests").status_code == 200
    list(arm_client.accounts.list())
    log = http.get("/_emulator/requests").json()["requests"]
    assert [r["method"] for r in log] == ["GET"]
    assert log[0]["path"].endswith("/providers/Microsoft.CognitiveServices/accounts")
    http.delete("/_emulator/requests")
    assert http.get("/_emulator/requests").json()["requests"] == []
