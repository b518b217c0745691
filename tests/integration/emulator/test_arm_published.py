"""ARM answers and refusals in Azure's published shapes: api-versions, request fields of a
deployment PUT / PATCH, and the key sets of every listing (tests/fixtures/azure-examples)."""

from __future__ import annotations

from collections.abc import Iterator
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

from reconciler.emulator_connection import EmulatorConnection

SUB1 = "00000000-0000-0000-0000-000000000001"
PROVIDER = "/providers/Microsoft.CognitiveServices"
SWC = f"/subscriptions/{SUB1}/resourceGroups/rg-ft{PROVIDER}/accounts/aoai-swc"
LOCATIONS = f"/subscriptions/{SUB1}{PROVIDER}/locations"
API = {"api-version": "2025-09-01"}
BODY: dict[str, Any] = {
    "sku": {"name": "Standard", "capacity": 1},
    "properties": {"model": {"format": "OpenAI", "name": "gpt-4.1-nano", "version": "2025-04-14"}},
}


@pytest.fixture(scope="module")
def shaped(arm_client: CognitiveServicesManagementClient) -> Iterator[str]:
    """A deployment to read back; removed afterwards (the session emulator is shared)."""
    arm_client.deployments.begin_create_or_update(
        "rg-ft",
        "aoai-swc",
        "shape-check",
        Deployment(
            sku=Sku(name="Standard", capacity=1),
            tags={"owner": "tests"},
            properties=DeploymentProperties(
                model=DeploymentModel(format="OpenAI", name="gpt-4.1-nano", version="2025-04-14"),
                rai_policy_name="Microsoft.DefaultV2",
            ),
        ),
    ).result()
    yield "shape-check"
    arm_client.deployments.begin_delete("rg-ft", "aoai-swc", "shape-check").result()


# --- api-versions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "version",
    ["2023-05-01", "2024-10-01", "2025-06-01", "2025-09-01", "2026-03-01", "2025-10-01-preview"],
)
def test_published_arm_api_versions_are_served(http: httpx2.Client, version: str) -> None:
    answer = http.get(SWC, params={"api-version": version})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("version", ["2030-01-01", "2025-09-02", "2024-10-21", "2025-04-14"])
def test_unpublished_arm_api_versions_are_refused_naming_the_supported_ones(
    http: httpx2.Client, version: str
) -> None:
    answer = http.get(SWC, params={"api-version": version})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "InvalidApiVersionParameter"
    assert error["message"].startswith(f"The api-version '{version}' is invalid.")
    supported = error["message"].split("The supported versions are '")[1].rstrip("'.").split(",")
    assert "2025-09-01" in supported and "2024-10-01" in supported
    assert "2025-04-01-preview" in supported
    assert version not in supported
    assert supported.index("2026-03-01") < supported.index("2025-09-01")  # newest first


def test_the_management_sdk_with_an_unpublished_api_version_gets_the_refusal(
    emulator_connection: EmulatorConnection, make_arm_client: Any
) -> None:
    client = make_arm_client(emulator_connection, SUB1, api_version="2025-02-30")
    with pytest.raises(HttpResponseError) as refused:
        client.accounts.get("rg-ft", "aoai-swc")
    assert refused.value.status_code == 400
    assert refused.value.error is not None
    assert refused.value.error.code == "InvalidApiVersionParameter"


# --- request fields -----------------------------------------------------------------------

PUT_REFUSALS: dict[str, tuple[dict[str, Any], str]] = {
    "unknown top-level field": ({**BODY, "location": "swedencentral"}, "location"),
    "unknown property": (
        {**BODY, "properties": {**BODY["properties"], "serviceTier": "Priority"}},
        "properties.serviceTier",
    ),
    "unknown model field": (
        {
            **BODY,
            "properties": {"model": {**BODY["properties"]["model"], "sourceTenant": "x"}},
        },
        "properties.model.sourceTenant",
    ),
    "unknown sku field": (
        {**BODY, "sku": {"name": "Standard", "size": "1", "tiers": 2}},
        "sku.tiers",
    ),
    "read-only provisioningState": (
        {**BODY, "properties": {**BODY["properties"], "provisioningState": "Succeeded"}},
        "properties.provisioningState",
    ),
    "read-only etag": ({**BODY, "etag": '"abc"'}, "etag"),
    "read-only rateLimits": (
        {**BODY, "properties": {**BODY["properties"], "rateLimits": []}},
        "properties.rateLimits",
    ),
}


@pytest.mark.parametrize("case", sorted(PUT_REFUSALS))
def test_deployment_put_refuses_unpublished_and_read_only_fields(
    http: httpx2.Client, case: str
) -> None:
    body, path = PUT_REFUSALS[case]
    answer = http.put(f"{SWC}/deployments/strict-put", params=API, json=body)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "InvalidRequestContent"
    assert error["target"] == path
    assert error["message"].startswith(
        "The request content was invalid and could not be deserialized:"
    )
    assert f"Path '{path}'" in error["message"]
    assert http.get(f"{SWC}/deployments/strict-put", params=API).status_code == 404


def test_deployment_patch_takes_only_tags_and_sku(http: httpx2.Client, shaped: str) -> None:
    url = f"{SWC}/deployments/{shaped}"
    for body, path in (
        ({"tags": {"a": "b"}, "properties": {"raiPolicyName": "x"}}, "properties"),
        ({"sku": {"name": "Standard", "capacity": 1, "scale": 2}}, "sku.scale"),
    ):
        answer = http.patch(url, params=API, json=body)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["code"] == "InvalidRequestContent"
        assert answer.json()["error"]["target"] == path
    assert http.get(url, params=API).json()["tags"] == {"owner": "tests"}


def test_the_sdk_bodies_pass(arm_client: CognitiveServicesManagementClient, shaped: str) -> None:
    # What the SDK serializes (never a read-only field) is accepted, PUT and PATCH.
    scaled = arm_client.deployments.begin_update(
        "rg-ft", "aoai-swc", shaped, {"sku": {"name": "Standard", "capacity": 2}, "tags": {}}
    ).result()
    assert scaled.sku.capacity == 2


# --- answers ------------------------------------------------------------------------------


def test_location_models_have_exactly_the_published_keys(
    http: httpx2.Client, published: SimpleNamespace
) -> None:
    keys = published.keys_of(published.example("arm/2025-09-01.ListLocationModels.json"))
    for region in ("swedencentral", "northcentralus", "southeastasia", "westus"):
        body = http.get(f"{LOCATIONS}/{region}/models", params=API).json()
        assert body["value"], region
        assert published.unpublished(body, keys) == [], region
        for entry in body["value"]:
            model = entry["model"]
            for field in ("capabilities", "finetuneCapabilities"):
                assert all(isinstance(v, str) for v in model.get(field, {}).values())
            tunable = model.get("finetuneCapabilities", {}).get("fineTune") == "true"
            # Read finetuneCapabilities first: capabilities describes the base deployment.
            assert model["capabilities"]["fineTune"] == "false"
            if region == "southeastasia":  # global deployments only, no training there
                assert not tunable, model["name"]
            if region == "swedencentral":
                assert tunable, model["name"]


def test_account_models_have_the_published_keys(
    http: httpx2.Client, published: SimpleNamespace
) -> None:
    body = http.get(f"{SWC}/models", params=API).json()
    assert body["value"]
    keys = published.keys_of(published.example("arm/2025-09-01.ListAccountModels.json"))
    assert published.unpublished(body, keys) == []
    assert all("kind" not in m and "skus" not in m for m in body["value"])


def test_deployment_account_usages_and_skus_have_published_keys(
    http: httpx2.Client, shaped: str, published: SimpleNamespace
) -> None:
    deployment_keys = published.sdk_keys("Deployment")
    deployment = http.get(f"{SWC}/deployments/{shaped}", params=API).json()
    assert published.unpublished(deployment, deployment_keys) == []
    states = published.schema_properties()["2025-09-01"]["DeploymentProvisioningState"]
    assert deployment["properties"]["provisioningState"] in states
    listed = http.get(f"{SWC}/deployments", params=API).json()
    assert published.unpublished(listed["value"], deployment_keys) == []

    account = http.get(SWC, params=API).json()
    assert published.unpublished(account, published.sdk_keys("Account")) == []
    top = published.keys_of(published.example("arm/2025-09-01.GetAccount.json"))
    assert set(account) <= set(top)

    for answer, name in (
        (
            http.get(f"{LOCATIONS}/swedencentral/usages", params=API).json(),
            "arm/2025-09-01.ListUsages.json",
        ),
        (http.get(f"{SWC}/usages", params=API).json(), "arm/2025-09-01.ListUsages.json"),
        (
            http.get(f"{SWC}/deployments/{shaped}/skus", params=API).json(),
            "arm/2025-09-01.ListDeploymentSkus.json",
        ),
    ):
        assert answer["value"], name
        assert published.unpublished(answer, published.keys_of(published.example(name))) == []
