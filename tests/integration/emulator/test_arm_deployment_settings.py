"""The emulator's content filters (raiPolicies) and a deployment's raiPolicyName,
versionUpgradeOption and spilloverDeploymentName, through the real
CognitiveServicesManagementClient: stored and answered as sent, refused when Azure would."""

from __future__ import annotations

from types import SimpleNamespace

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

SUB1 = "00000000-0000-0000-0000-000000000001"
RG = "rg-ft"
P_SWC = (
    f"/subscriptions/{SUB1}/resourceGroups/{RG}/providers/Microsoft.CognitiveServices"
    "/accounts/aoai-swc"
)


def mini(sku: str = "GlobalStandard", capacity: int = 1, **properties: str) -> Deployment:
    return Deployment(
        sku=Sku(name=sku, capacity=capacity),
        properties=DeploymentProperties(
            model=DeploymentModel(format="OpenAI", name="gpt-4.1-mini", version="2025-04-14"),
            **properties,
        ),
    )


def refused(client: CognitiveServicesManagementClient, name: str, body: Deployment) -> Exception:
    with pytest.raises(HttpResponseError) as failure:
        client.deployments.begin_create_or_update(RG, "aoai-swc", name, body).result()
    return failure.value


def test_content_filters_are_the_built_in_ones_and_the_seeds(
    arm_client: CognitiveServicesManagementClient,
    http: httpx2.Client,
    published: SimpleNamespace,
) -> None:
    names = [p.name for p in arm_client.rai_policies.list(RG, "aoai-swc")]
    assert names == ["Microsoft.Default", "Microsoft.DefaultV2", "strict-filter"]
    assert [p.name for p in arm_client.rai_policies.list(RG, "aoai-ncus")] == [
        "Microsoft.Default",
        "Microsoft.DefaultV2",
    ]
    answer = http.get(f"{P_SWC}/raiPolicies", params={"api-version": "2025-09-01"}).json()
    shape = published.keys_of(published.example("arm/2025-06-01.ListRaiPolicies.json"))
    assert published.unpublished(answer, shape) == []
    custom = answer["value"][2]
    assert custom["id"] == f"{P_SWC}/raiPolicies/strict-filter"
    assert custom["properties"]["basePolicyName"] == "Microsoft.DefaultV2"


def test_the_fields_are_stored_and_answered_as_sent(
    arm_client: CognitiveServicesManagementClient,
) -> None:
    arm_client.deployments.begin_create_or_update(RG, "aoai-swc", "set-std", mini()).result()
    made = arm_client.deployments.begin_create_or_update(
        RG,
        "aoai-swc",
        "set-ptu",
        mini(
            "GlobalProvisionedManaged",
            15,
            rai_policy_name="strict-filter",
            version_upgrade_option="NoAutoUpgrade",
            spillover_deployment_name="set-std",
        ),
    ).result()
    props = arm_client.deployments.get(RG, "aoai-swc", "set-ptu").properties
    for seen in (made.properties, props):
        assert seen.rai_policy_name == "strict-filter"
        assert seen.version_upgrade_option == "NoAutoUpgrade"
        assert seen.spillover_deployment_name == "set-std"
    # left out: Azure's defaults, and no spillover
    plain = arm_client.deployments.get(RG, "aoai-swc", "set-std").properties
    assert plain.rai_policy_name == "Microsoft.DefaultV2"
    assert plain.spillover_deployment_name is None


def test_an_unknown_content_filter_is_refused(
    arm_client: CognitiveServicesManagementClient,
) -> None:
    error = refused(arm_client, "bad-rai", mini(rai_policy_name="strict-filtre"))
    assert isinstance(error, HttpResponseError)
    assert error.status_code == 400
    assert error.error is not None and error.error.code == "InvalidResourceProperties"
    assert "strict-filtre" in str(error.message)
    names = {d.name for d in arm_client.deployments.list(RG, "aoai-swc")}
    assert "bad-rai" not in names


@pytest.mark.parametrize("target", ["nowhere", "self-spill"])
def test_spillover_to_an_unknown_deployment_or_itself_is_refused(
    arm_client: CognitiveServicesManagementClient, target: str
) -> None:
    body = mini("GlobalProvisionedManaged", 15, spillover_deployment_name=target)
    error = refused(arm_client, "self-spill", body)
    assert isinstance(error, HttpResponseError) and error.status_code == 400
    assert error.error is not None and error.error.target == "properties.spilloverDeploymentName"
