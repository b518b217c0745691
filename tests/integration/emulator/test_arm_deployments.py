"""ARM deployments through the real CognitiveServicesManagementClient: LROs, paging, updates,
deletes, Azure's refusals and the usages they count against."""

from __future__ import annotations

import time
from typing import Any

import httpx2
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import (
    Deployment,
    DeploymentModel,
    DeploymentProperties,
    Sku,
)

from reconciler.emulator_connection import EmulatorConnection

SUB1 = "00000000-0000-0000-0000-000000000001"
RG1 = "rg-ft"
RG2 = "rg-other"
TENANT2 = "22222222-2222-2222-2222-222222222222"  # subscription 2's, in the seed
API = {"api-version": "2025-09-01"}
P_SWC = (
    f"/subscriptions/{SUB1}/resourceGroups/{RG1}/providers/Microsoft.CognitiveServices"
    "/accounts/aoai-swc"
)


def deployment(
    model: str = "gpt-4.1-mini",
    version: str | None = "2025-04-14",
    sku: str = "Standard",
    capacity: int | None = 1,
    **model_extra: Any,
) -> Deployment:
    return Deployment(
        sku=Sku(name=sku, capacity=capacity),
        properties=DeploymentProperties(
            model=DeploymentModel(format="OpenAI", name=model, version=version, **model_extra)
        ),
    )


def wait_operation(http: httpx2.Client, status_url: str) -> None:
    for _ in range(200):
        if http.get(status_url).json()["status"] == "Succeeded":
            return
        time.sleep(0.02)
    raise AssertionError(f"{status_url} never finished")


def refusal(client: CognitiveServicesManagementClient, *args: Any) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as failure:
        client.deployments.begin_create_or_update(*args).result()
    return failure.value


def test_standard_deployment_of_a_base_model(
    arm_client: CognitiveServicesManagementClient,
) -> None:
    made = arm_client.deployments.begin_create_or_update(
        RG1, "aoai-swc", "mini-std", deployment(capacity=5)
    ).result()
    assert made.id == f"{P_SWC}/deployments/mini-std"
    assert made.name == "mini-std"
    assert made.type == "Microsoft.CognitiveServices/accounts/deployments"
    assert (made.sku.name, made.sku.capacity) == ("Standard", 5)
    props = made.properties
    assert props.provisioning_state == "Succeeded"
    assert (props.model.format, props.model.name, props.model.version) == (
        "OpenAI",
        "gpt-4.1-mini",
        "2025-04-14",
    )
    # Server-filled defaults the tool must learn to ignore.
    assert props.rai_policy_name == "Microsoft.DefaultV2"
    assert props.version_upgrade_option == "OnceNewDefaultVersionAvailable"
    assert props.current_capacity == 5
    assert props.capabilities["chatCompletion"] == "true"
    assert props.rate_limits
    assert made.etag

    fetched = arm_client.deployments.get(RG1, "aoai-swc", "mini-std")
    assert fetched.as_dict() == made.as_dict()


def test_ptu_deployment_within_minimum_and_step(
    arm_client: CognitiveServicesManagementClient,
) -> None:
    made = arm_client.deployments.begin_create_or_update(
        RG1, "aoai-ncus", "mini-ptu", deployment(sku="ProvisionedManaged", capacity=50)
    ).result()
    assert (made.sku.name, made.sku.capacity) == ("ProvisionedManaged", 50)
    assert made.properties.provisioning_state == "Succeeded"
    assert made.properties.rate_limits == []

    off_step = refusal(
        arm_client,
        RG1,
        "aoai-ncus",
        "mini-ptu-bad",
        deployment(sku="ProvisionedManaged", capacity=30),
    )
    assert off_step.status_code == 400
    assert off_step.error is not None
    assert off_step.error.code == "InvalidCapacity"
    assert "at least 25" in off_step.error.message


def test_version_defaults_to_the_offered_version(
    arm_client: CognitiveServicesManagementClient,
) -> None:
    made = arm_client.deployments.begin_create_or_update(
        RG1, "aoai-swc", "nano-noversion", deployment(model="gpt-4.1-nano", version=None)
    ).result()
    assert made.properties.model.version == "2025-04-14"


def test_update_capacity_and_tags_in_place(
    arm_client: CognitiveServicesManagementClient, http: httpx2.Client
) -> None:
    first = arm_client.deployments.begin_create_or_update(
        RG1, "aoai-swc", "mini-scale", deployment(capacity=2)
    ).result()

    scaled = arm_client.deployments.begin_update(
        RG1, "aoai-swc", "mini-scale", {"sku": {"name": "Standard", "capacity": 7}}
    ).result()
    assert scaled.sku.capacity == 7
    assert scaled.properties.current_capacity == 7
    assert scaled.properties.provisioning_state == "Succeeded"
    assert scaled.etag != first.etag

    # Tags alone: answered at once (200), no long-running operation.
    tagged = http.patch(
        f"{P_SWC}/deployments/mini-scale", params=API, json={"tags": {"managed-by": "reconciler"}}
    )
    assert tagged.status_code == 200
    assert tagged.json()["tags"] == {"managed-by": "reconciler"}
    assert tagged.json()["sku"]["capacity"] == 7
    assert tagged.json()["etag"] != scaled.etag

    # A PUT with a new capacity is an update of the same deployment (200, not 201).
    put = arm_client.deployments.begin_create_or_update(
        RG1, "aoai-swc", "mini-scale", deployment(capacity=3)
    ).result()
    assert put.sku.capacity == 3
    assert put.properties.model.name == "gpt-4.1-mini"
    assert put.system_data.created_at == first.system_data.created_at


def test_delete_is_a_long_running_operation(
    arm_client: CognitiveServicesManagementClient, http: httpx2.Client
) -> None:
    arm_client.deployments.begin_create_or_update(
        RG1, "aoai-swc", "to-delete", deployment()
    ).result()
    raw = http.delete(f"{P_SWC}/deployments/to-delete", params=API)
    assert raw.status_code == 202
    assert "/operationResults/" in raw.headers["Location"]
    assert "/operationStatuses/" in raw.headers["Azure-AsyncOperation"]
    # Whole seconds, as Azure sends them: this emulator provisions in under a second.
    assert raw.headers["Retry-After"] == "0"
    # Another write while the delete runs is refused (the account is busy) or, once it has
    # finished, finds nothing to delete.
    again = http.delete(f"{P_SWC}/deployments/to-delete", params=API)
    assert again.status_code in (204, 409)
    wait_operation(http, raw.headers["Azure-AsyncOperation"])

    arm_client.deployments.begin_create_or_update(
        RG1, "aoai-swc", "to-delete-2", deployment()
    ).result()
    poller = arm_client.deployments.begin_delete(RG1, "aoai-swc", "to-delete-2")
    assert poller.result() is None
    with pytest.raises(ResourceNotFoundError):
        arm_client.deployments.get(RG1, "aoai-swc", "to-delete-2")
    names = {d.name for d in arm_client.deployments.list(RG1, "aoai-swc")}
    assert "to-delete" not in names and "to-delete-2" not in names
    # Deleting what is not there: 204, the poller finishes at once.
    assert arm_client.deployments.begin_delete(RG1, "aoai-swc", "never-there").result() is None


def test_list_follows_next_link_pages(
    arm_client_sub2: CognitiveServicesManagementClient,
    http: httpx2.Client,
    emulator_connection: EmulatorConnection,
) -> None:
    assert http.post("/_emulator/config", json={"arm_page_size": 10}).status_code == 200
    names = [f"page-{i:02d}" for i in range(12)]
    for name in names:
        arm_client_sub2.deployments.begin_create_or_update(
            RG2, "aoai-ncus-b", name, deployment(capacity=1)
        ).result()
    listed = [d.name for d in arm_client_sub2.deployments.list(RG2, "aoai-ncus-b")]
    assert [n for n in listed if n.startswith("page-")] == names

    account = (
        "/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg-other"
        "/providers/Microsoft.CognitiveServices/accounts/aoai-ncus-b"
    )
    # Subscription 2 is in tenant 2222...: its management token, not the default tenant's.
    tenant2 = {"Authorization": f"Bearer {emulator_connection.management_token(TENANT2)}"}
    first = http.get(f"{account}/deployments", params=API, headers=tenant2).json()
    assert len(first["value"]) == 10
    second = http.get(first["nextLink"], headers=tenant2).json()
    assert len(second["value"]) == len(listed) - 10
    assert "nextLink" not in second
    assert http.post("/_emulator/config", json={"arm_page_size": 100}).status_code == 200


@pytest.mark.parametrize(
    ("name", "body", "code"),
    [
        # gpt-4o exists, but version 2024-05-13 is not offered in swedencentral.
        ("old-4o", deployment(model="gpt-4o", version="2024-05-13"), "DeploymentModelNotSupported"),
        ("no-such-model", deployment(model="gpt-99", version="1"), "DeploymentModelNotSupported"),
        ("bad-sku", deployment(sku="DeveloperTier"), "InvalidResourceProperties"),
        ("zero", deployment(capacity=0), "InvalidCapacity"),
        ("too-big", deployment(capacity=1_000_000), "InvalidCapacity"),
        ("wrong-format", deployment(model="gpt-4.1-mini"), None),
    ],
)
def test_refusals_of_model_sku_and_capacity(
    arm_client: CognitiveServicesManagementClient, name: str, body: Deployment, code: str | None
) -> None:
    if code is None:
        body.properties.model.format = "Meta"
        code = "DeploymentModelNotSupported"
    failure = refusal(arm_client, RG1, "aoai-swc", name, body)
    assert failure.status_code == 400
    assert failure.error is not None
    assert failure.error.code == code
    with pytest.raises(ResourceNotFoundError):
        arm_client.deployments.get(RG1, "aoai-swc", name)


def test_model_of_an_existing_deployment_cannot_change(
    arm_client: CognitiveServicesManagementClient,
) -> None:
    arm_client.deployments.begin_create_or_update(
        RG1, "aoai-swc", "fixed-model", deployment()
    ).result()
    failure = refusal(arm_client, RG1, "aoai-swc", "fixed-model", deployment(model="gpt-4.1-nano"))
    assert failure.error is not None
    assert failure.error.code == "CannotChangeDeploymentModel"
    kept = arm_client.deployments.get(RG1, "aoai-swc", "fixed-model")
    assert kept.properties.model.name == "gpt-4.1-mini"


def test_cross_region_source_must_exist_and_hold_the_model(
    arm_client: CognitiveServicesManagementClient,
) -> None:
    tuned = "gpt-4.1-mini-2025-04-14.ft-0123456789abcdef0123456789abcdef"
    missing_source = refusal(
        arm_client,
        RG1,
        "aoai-ncus",
        "ft-from-nowhere",
        deployment(
            model=tuned,
            version="1",
            source=f"/subscriptions/{SUB1}/resourceGroups/{RG1}/providers/"
            "Microsoft.CognitiveServices/accounts/aoai-nowhere",
        ),
    )
    assert missing_source.error is not None
    assert missing_source.error.code == "InvalidResourceProperties"

    not_held = refusal(
        arm_client,
        RG1,
        "aoai-ncus",
        "ft-not-held",
        deployment(model=tuned, version="1", source=P_SWC),
    )
    assert not_held.error is not None
    assert not_held.error.code == "ModelNotFound"

    no_source = refusal(
        arm_client, RG1, "aoai-ncus", "ft-no-source", deployment(model=tuned, version="1")
    )
    assert no_source.error is not None
    assert no_source.error.code == "ModelNotFound"


def _usage(client: CognitiveServicesManagementClient, region: str, name: str) -> tuple[int, int]:
    for usage in client.usages.list(region):
        if usage.name.value == name:
            return int(usage.current_value), int(usage.limit)
    raise AssertionError(f"no usage {name}")


def test_usages_count_deployed_capacity_and_quota_is_enforced(
    arm_client_sub2: CognitiveServicesManagementClient,
) -> None:
    usage = "OpenAI.Standard.gpt-4.1-nano"
    before, limit = _usage(arm_client_sub2, "northcentralus", usage)
    assert limit == 30
    arm_client_sub2.deployments.begin_create_or_update(
        RG2, "aoai-ncus-b", "nano-quota", deployment(model="gpt-4.1-nano", capacity=20)
    ).result()
    assert _usage(arm_client_sub2, "northcentralus", usage)[0] == before + 20

    over = refusal(
        arm_client_sub2,
        RG2,
        "aoai-ncus-b",
        "nano-over",
        deployment(model="gpt-4.1-nano", capacity=limit - before - 20 + 1),
    )
    assert over.error is not None
    assert over.error.code == "InsufficientQuota"
    assert "quota limit is 30" in over.error.message

    # Re-sending the same capacity needs no new quota (a classic false InsufficientQuota).
    arm_client_sub2.deployments.begin_create_or_update(
        RG2, "aoai-ncus-b", "nano-quota", deployment(model="gpt-4.1-nano", capacity=20)
    ).result()
    with pytest.raises(HttpResponseError) as failure:
        arm_client_sub2.deployments.begin_update(
            RG2, "aoai-ncus-b", "nano-quota", {"sku": {"name": "Standard", "capacity": 31}}
        )
    assert failure.value.error is not None
    assert failure.value.error.code == "InsufficientQuota"

    arm_client_sub2.deployments.begin_delete(RG2, "aoai-ncus-b", "nano-quota").result()
    assert _usage(arm_client_sub2, "northcentralus", usage)[0] == before


def test_deployment_skus_for_the_deployed_model(
    arm_client: CognitiveServicesManagementClient,
) -> None:
    arm_client.deployments.begin_create_or_update(RG1, "aoai-swc", "skus-of", deployment()).result()
    skus = {s.sku.name: s for s in arm_client.deployments.list_skus(RG1, "aoai-swc", "skus-of")}
    assert skus["Standard"].resource_type == "Microsoft.CognitiveServices/accounts/deployments"
    ptu = skus["ProvisionedManaged"].capacity
    assert (ptu.minimum, ptu.step, ptu.maximum) == (25, 25, 1000)
    with pytest.raises(ResourceNotFoundError):
        list(arm_client.deployments.list_skus(RG1, "aoai-swc", "not-deployed"))
