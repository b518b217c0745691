"""ARM accounts, models, usages, auth and api-version through the real management SDK."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
)
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

from reconciler.emulator_connection import EmulatorConnection

SUB1 = "00000000-0000-0000-0000-000000000001"
SUB2 = "00000000-0000-0000-0000-000000000002"
TENANT2 = "22222222-2222-2222-2222-222222222222"
DEFAULT_TENANT = "11111111-1111-1111-1111-111111111111"
RG1 = "rg-ft"
RG2 = "rg-other"
PROVIDER = "/providers/Microsoft.CognitiveServices"
SWC = f"/subscriptions/{SUB1}/resourceGroups/{RG1}{PROVIDER}/accounts/aoai-swc"


def test_get_account_has_endpoint_location_and_kind(
    arm_client: CognitiveServicesManagementClient, emulator_connection: EmulatorConnection
) -> None:
    account = arm_client.accounts.get(RG1, "aoai-swc")
    assert account.id == SWC
    assert account.name == "aoai-swc"
    assert account.type == "Microsoft.CognitiveServices/accounts"
    assert account.location == "swedencentral"
    assert account.kind == "OpenAI"
    assert account.sku.name == "S0"
    assert account.etag
    assert account.properties.provisioning_state == "Succeeded"
    assert account.properties.endpoint == f"{emulator_connection.endpoint}/dp/aoai-swc/"


def test_list_accounts_per_subscription_and_resource_group(
    arm_client: CognitiveServicesManagementClient,
    arm_client_sub2: CognitiveServicesManagementClient,
) -> None:
    assert sorted(a.name for a in arm_client.accounts.list()) == ["aoai-ncus", "aoai-swc"]
    assert sorted(a.name for a in arm_client.accounts.list_by_resource_group(RG1)) == [
        "aoai-ncus",
        "aoai-swc",
    ]
    other = list(arm_client_sub2.accounts.list_by_resource_group(RG2))
    assert [(a.name, a.location, a.kind) for a in other] == [
        ("aoai-ncus-b", "northcentralus", "AIServices")
    ]


def test_missing_account_resource_group_and_subscription_are_404(
    arm_client: CognitiveServicesManagementClient, http: httpx2.Client
) -> None:
    with pytest.raises(ResourceNotFoundError) as missing:
        arm_client.accounts.get(RG1, "aoai-nowhere")
    assert missing.value.error is not None
    assert missing.value.error.code == "ResourceNotFound"
    assert "aoai-nowhere" in missing.value.error.message

    with pytest.raises(ResourceNotFoundError) as group:
        arm_client.accounts.get("rg-nowhere", "aoai-swc")
    assert group.value.error is not None
    assert group.value.error.code == "ResourceGroupNotFound"

    # An account of SUB2 is not reachable through SUB1's resource group.
    with pytest.raises(ResourceNotFoundError):
        arm_client.accounts.get(RG1, "aoai-ncus-b")

    answer = http.get(
        f"/subscriptions/ffffffff-0000-0000-0000-000000000000{PROVIDER}/accounts",
        params={"api-version": "2025-09-01"},
    )
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "SubscriptionNotFound"


def test_arm_without_token_is_401_in_azure_shape(
    emulator_connection: EmulatorConnection, make_http_client: Any
) -> None:
    with make_http_client(emulator_connection, token=False) as client:
        missing = client.get(SWC, params={"api-version": "2025-09-01"})
        assert missing.status_code == 401
        assert missing.json()["error"]["code"] == "AuthenticationFailed"
        assert "WWW-Authenticate" in missing.headers

        wrong = client.get(
            SWC, params={"api-version": "2025-09-01"}, headers={"Authorization": "Bearer nope"}
        )
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "InvalidAuthenticationToken"

        # The api key of the data plane is not an ARM credential.
        key = client.get(
            SWC,
            params={"api-version": "2025-09-01"},
            headers={"Authorization": f"Bearer {emulator_connection.api_key('aoai-swc')}"},
        )
        assert key.status_code == 401
        assert key.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_sdk_with_wrong_token_raises_authentication_error(
    emulator_connection: EmulatorConnection, make_arm_client: Any
) -> None:
    bad = make_arm_client(emulator_connection, SUB1, token="not-the-token")
    with pytest.raises(ClientAuthenticationError) as failure:
        bad.accounts.get(RG1, "aoai-swc")
    assert failure.value.status_code == 401


def test_arm_refuses_a_cognitive_services_token_as_the_wrong_audience(
    emulator_connection: EmulatorConnection, make_arm_client: Any
) -> None:
    data_plane_token = emulator_connection.cognitive_token()  # right tenant, wrong audience
    client = make_arm_client(emulator_connection, SUB1, token=data_plane_token)
    with pytest.raises(ClientAuthenticationError) as failure:
        client.accounts.get(RG1, "aoai-swc")
    assert failure.value.status_code == 401
    assert failure.value.error is not None
    assert failure.value.error.code == "InvalidAuthenticationTokenAudience"
    assert "https://cognitiveservices.azure.com" in failure.value.error.message
    assert data_plane_token not in str(failure.value)


def test_arm_refuses_a_management_token_of_another_tenant(
    emulator_connection: EmulatorConnection, make_http_client: Any
) -> None:
    other_tenant = emulator_connection.management_token(TENANT2)
    with make_http_client(emulator_connection, token=False) as client:
        wrong = client.get(
            SWC,
            params={"api-version": "2025-09-01"},
            headers={"Authorization": f"Bearer {other_tenant}"},
        )
        right = client.get(
            f"/subscriptions/{SUB2}/resourceGroups/{RG2}{PROVIDER}/accounts/aoai-ncus-b",
            params={"api-version": "2025-09-01"},
            headers={"Authorization": f"Bearer {other_tenant}"},
        )
    assert wrong.status_code == 401
    error = wrong.json()["error"]
    assert error["code"] == "InvalidAuthenticationTokenTenant"
    assert f"sts.windows.net/{TENANT2}/" in error["message"]  # the token's issuer
    assert DEFAULT_TENANT in wrong.headers["WWW-Authenticate"]  # where to get the right one
    assert right.status_code == 200


def test_api_version_is_required_and_checked(http: httpx2.Client) -> None:
    missing = http.get(SWC)
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "MissingApiVersionParameter"
    bad = http.get(SWC, params={"api-version": "latest"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "InvalidApiVersionParameter"


def test_location_models_list_offered_models_with_skus_and_finetune_capabilities(
    arm_client: CognitiveServicesManagementClient,
) -> None:
    models = {(m.model.name, m.model.version): m for m in arm_client.models.list("swedencentral")}
    mini = models[("gpt-4.1-mini", "2025-04-14")]
    assert mini.kind == "OpenAI"
    assert mini.sku_name == "S0"
    skus = {s.name: s for s in mini.model.skus}
    assert skus["Standard"].usage_name == "OpenAI.Standard.gpt-4.1-mini"
    ptu = skus["ProvisionedManaged"].capacity
    assert (ptu.minimum, ptu.step) == (25, 25)
    # As Azure publishes gpt-4o 2024-08-06: the base deployment cannot be fine-tuned, the
    # model's fine-tuned variant can.
    assert mini.model.capabilities["fineTune"] == "false"
    assert mini.model.finetune_capabilities["fineTune"] == "true"
    assert int(mini.model.capabilities["FineTuneTokensMaxValuePerExample"]) > 0
    assert mini.model.lifecycle_status
    # gpt-35-turbo is offered in swedencentral but not in every region of the catalog.
    assert ("gpt-35-turbo", "0125") in models
    assert list(arm_client.models.list("antarctica")) == []


def test_usages_list_limits_from_seed_and_catalog(
    arm_client: CognitiveServicesManagementClient,
    arm_client_sub2: CognitiveServicesManagementClient,
) -> None:
    seeded = {u.name.value: u for u in arm_client_sub2.usages.list("northcentralus")}
    nano = seeded["OpenAI.Standard.gpt-4.1-nano"]
    assert nano.limit == 30  # from the seed
    assert nano.unit == "Count"
    assert nano.name.localized_value.startswith("Tokens Per Minute (thousands)")
    default = {u.name.value: u for u in arm_client.usages.list("northcentralus")}
    assert default["OpenAI.Standard.gpt-4.1-nano"].limit == 1000  # the catalog's default
    per_account = {u.name.value for u in arm_client.accounts.list_usages(RG1, "aoai-ncus").value}
    assert "OpenAI.Standard.gpt-4.1-nano" in per_account


def test_unknown_arm_path_is_404_in_arm_shape(http: httpx2.Client) -> None:
    answer = http.get(f"{SWC}/nothing-here", params={"api-version": "2025-09-01"})
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "NotFound"
    method = http.post(SWC, params={"api-version": "2025-09-01"}, json={})
    assert method.status_code == 405
    assert method.json()["error"]["code"] == "MethodNotAllowed"


def test_unknown_account_under_data_plane_is_404(http: httpx2.Client) -> None:
    answer = http.get("/dp/aoai-nowhere/openai/v1/files")
    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == "Resource not found"


def test_http_response_error_names_code(arm_client: CognitiveServicesManagementClient) -> None:
    with pytest.raises(HttpResponseError) as failure:
        arm_client.deployments.get(RG1, "aoai-swc", "never-made")
    assert failure.value.status_code == 404
    assert failure.value.error is not None
    assert failure.value.error.code == "DeploymentNotFound"
