"""Deployments of a fine-tuned model trained by the emulator's data plane: same-account and
cross-region (``properties.model.source``), PTU (ProvisionedManaged and the deploy doc's
ProvisionedStandard), sku refusals, the account's model list, and the service's removals:
after 15 days without inference, and DeveloperTier 24 hours after creation."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import httpx2
import openai
import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
)
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import (
    Deployment,
    DeploymentModel,
    DeploymentProperties,
    Sku,
)

from reconciler.emulator.process import RunningEmulator

SUB1 = "00000000-0000-0000-0000-000000000001"
SUB2 = "00000000-0000-0000-0000-000000000002"
TENANT2 = "22222222-2222-2222-2222-222222222222"
AUXILIARY = "x-ms-authorization-auxiliary"
SWC_ID = (
    f"/subscriptions/{SUB1}/resourceGroups/rg-ft/providers/Microsoft.CognitiveServices"
    "/accounts/aoai-swc"
)
DAY = 86400.0
API = {"api-version": "2025-09-01"}


@pytest.fixture(scope="module")
def emulator_ft(
    tmp_path_factory: pytest.TempPathFactory, private_emulator: Any
) -> Iterator[RunningEmulator]:
    running = private_emulator(tmp_path_factory.mktemp("finetuned"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def admin(emulator_ft: RunningEmulator, make_http_client: Any) -> Iterator[httpx2.Client]:
    with make_http_client(emulator_ft.connection) as client:
        yield client


@pytest.fixture(scope="module")
def arm(emulator_ft: RunningEmulator, make_arm_client: Any) -> CognitiveServicesManagementClient:
    client: CognitiveServicesManagementClient = make_arm_client(emulator_ft.connection)
    return client


def openai_client(emulator: RunningEmulator, account: str) -> openai.OpenAI:
    connection = emulator.connection
    return openai.OpenAI(
        base_url=f"{connection.account_endpoint(account)}openai/v1",
        api_key=connection.api_key(account),
        http_client=openai.DefaultHttpxClient(
            verify=ssl.create_default_context(cafile=connection.ca_file)
        ),
        max_retries=0,
    )


def advance(admin: httpx2.Client, seconds: float) -> None:
    assert admin.post("/_emulator/clock", json={"advance": seconds}).status_code == 200


@pytest.fixture(scope="module")
def tuned_model(emulator_ft: RunningEmulator, admin: httpx2.Client) -> str:
    """Train a small job in aoai-swc by moving the clock; the fine-tuned model id."""
    client = openai_client(emulator_ft, "aoai-swc")
    lines = [
        json.dumps(
            {
                "messages": [
                    {"role": "user", "content": f"Question {i}?"},
                    {"role": "assistant", "content": f"Arr, answer {i}."},
                ]
            }
        )
        for i in range(12)
    ]
    uploaded = client.files.create(
        file=("train.jsonl", ("\n".join(lines) + "\n").encode()), purpose="fine-tune"
    )
    advance(admin, 60)
    job = client.fine_tuning.jobs.create(
        model="gpt-4.1-mini-2025-04-14", training_file=uploaded.id, suffix="idle"
    )
    for _ in range(20):
        advance(admin, 3600)
        job = client.fine_tuning.jobs.retrieve(job.id)
        if job.status == "succeeded":
            break
    assert job.status == "succeeded", job
    assert job.fine_tuned_model
    return job.fine_tuned_model


def ft_deployment(model: str, sku: str, capacity: int, source: str | None = None) -> Deployment:
    return Deployment(
        sku=Sku(name=sku, capacity=capacity),
        properties=DeploymentProperties(
            model=DeploymentModel(format="OpenAI", name=model, version="1", source=source)
        ),
    )


def names(arm: CognitiveServicesManagementClient, account: str) -> set[str]:
    return {d.name for d in arm.deployments.list("rg-ft", account)}


def test_finetuned_deployments_here_and_cross_region(
    arm: CognitiveServicesManagementClient, tuned_model: str
) -> None:
    here = arm.deployments.begin_create_or_update(
        "rg-ft", "aoai-swc", "ft-here", ft_deployment(tuned_model, "Standard", 2)
    ).result()
    assert here.properties.model.name == tuned_model
    assert here.properties.model.version == "1"
    assert here.properties.version_upgrade_option == "NoAutoUpgrade"

    # Trained in swedencentral, served from northcentralus as PTU (minimum 25, step 25).
    there = arm.deployments.begin_create_or_update(
        "rg-ft",
        "aoai-ncus",
        "ft-there",
        ft_deployment(tuned_model, "ProvisionedManaged", 25, source=SWC_ID),
    ).result()
    assert there.properties.model.source == SWC_ID
    assert (there.sku.name, there.sku.capacity) == ("ProvisionedManaged", 25)
    skus = {s.sku.name for s in arm.deployments.list_skus("rg-ft", "aoai-ncus", "ft-there")}
    assert "ProvisionedManaged" in skus and "DataZoneProvisionedManaged" not in skus

    # Fine-tuned PTU is not offered in swedencentral.
    with pytest.raises(HttpResponseError) as refused:
        arm.deployments.begin_create_or_update(
            "rg-ft", "aoai-swc", "ft-ptu", ft_deployment(tuned_model, "ProvisionedManaged", 25)
        )
    assert refused.value.error is not None
    assert refused.value.error.code == "InvalidResourceProperties"

    usages = {u.name.value: u for u in arm.usages.list("swedencentral")}
    assert usages["OpenAI.Standard.gpt-4.1-mini-finetune"].current_value == 2


def cross_tenant(model: str, source_account: str) -> Deployment:
    return Deployment(
        sku=Sku(name="Standard", capacity=1),
        properties=DeploymentProperties(
            model=DeploymentModel(
                format="OpenAI", name=model, version="1", source_account=source_account
            )
        ),
    )


def test_cross_tenant_deployment_needs_the_source_tenants_management_token(
    emulator_ft: RunningEmulator, make_arm_client: Any, tuned_model: str
) -> None:
    connection = emulator_ft.connection
    # aoai-ncus-b lives in subscription 2, tenant 2222...; the model was trained in aoai-swc,
    # default tenant. The primary token is tenant 2222's; the source tenant's goes auxiliary.
    arm2 = make_arm_client(connection, SUB2)
    body = cross_tenant(tuned_model, SWC_ID)

    def put(name: str, auxiliary: str | None) -> Any:
        headers = {AUXILIARY: auxiliary} if auxiliary is not None else {}
        return arm2.deployments.begin_create_or_update(
            "rg-other", "aoai-ncus-b", name, body, headers=headers
        )

    refusals = {
        None: "LinkedAuthorizationFailed",  # no auxiliary header at all
        f"Bearer {connection.management_token(TENANT2)}": "LinkedAuthorizationFailed",
        f"Bearer {connection.cognitive_token()}": "InvalidAuthenticationTokenAudience",
        "Bearer not-a-token": "InvalidAuthenticationToken",
        connection.management_token(): "InvalidAuthenticationToken",  # no "Bearer "
    }
    for auxiliary, code in refusals.items():
        with pytest.raises(ClientAuthenticationError) as refused:
            put("ft-tenant", auxiliary)
        assert refused.value.status_code == 401, auxiliary
        assert refused.value.error is not None
        assert refused.value.error.code == code, auxiliary
    with pytest.raises(ResourceNotFoundError):
        arm2.deployments.get("rg-other", "aoai-ncus-b", "ft-tenant")

    done = put("ft-tenant", f"Bearer {connection.management_token()}").result()
    assert done.properties.model.source_account == SWC_ID
    assert done.properties.provisioning_state == "Succeeded"

    # `source` naming an account of another tenant is as cross-tenant as `sourceAccount`.
    with pytest.raises(ClientAuthenticationError) as via_source:
        arm2.deployments.begin_create_or_update(
            "rg-other",
            "aoai-ncus-b",
            "ft-source",
            ft_deployment(tuned_model, "Standard", 1, SWC_ID),
        )
    assert via_source.value.error is not None
    assert via_source.value.error.code == "LinkedAuthorizationFailed"


def test_finetuned_deployment_idle_15_days_is_removed(
    emulator_ft: RunningEmulator,
    arm: CognitiveServicesManagementClient,
    admin: httpx2.Client,
    tuned_model: str,
) -> None:
    for name in ("idle-a", "idle-b"):
        arm.deployments.begin_create_or_update(
            "rg-ft", "aoai-swc", name, ft_deployment(tuned_model, "Standard", 1)
        ).result()
    arm.deployments.begin_create_or_update(
        "rg-ft",
        "aoai-swc",
        "idle-base",
        Deployment(
            sku=Sku(name="Standard", capacity=1),
            properties=DeploymentProperties(
                model=DeploymentModel(format="OpenAI", name="gpt-4.1-mini", version="2025-04-14")
            ),
        ),
    ).result()

    advance(admin, 10 * DAY)
    chat = openai_client(emulator_ft, "aoai-swc").chat.completions.create(
        model="idle-b", messages=[{"role": "user", "content": "Question 3?"}]
    )
    assert chat.choices[0].message.content

    advance(admin, 6 * DAY)  # idle-a: 16 days without inference; idle-b: 6 days
    present = names(arm, "aoai-swc")
    assert "idle-a" not in present
    assert {"idle-b", "idle-base"} <= present
    with pytest.raises(ResourceNotFoundError):
        arm.deployments.get("rg-ft", "aoai-swc", "idle-a")

    advance(admin, 15 * DAY)
    present = names(arm, "aoai-swc")
    assert "idle-b" not in present
    assert "idle-base" in present  # base-model deployments are never removed for idleness

    # The Activity Log holds each removal as the service's own delete, at the time it was due.
    now = float(admin.get("/_emulator/clock").json()["now"])
    start = datetime.fromtimestamp(now - 60 * DAY, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    removals = {}
    for name in ("idle-a", "idle-b", "idle-base"):
        query = f"eventTimestamp ge '{start}' and resourceUri eq '{SWC_ID}/deployments/{name}'"
        answer = admin.get(
            f"/subscriptions/{SUB1}/providers/Microsoft.Insights/eventtypes/management/values",
            params={"api-version": "2015-04-01", "$filter": query},
        )
        assert answer.status_code == 200, answer.text
        removals[name] = [
            e
            for e in answer.json()["value"]
            if e["caller"] == "Microsoft.CognitiveServices"
            and e["operationName"]["value"].endswith("/deployments/delete")
        ]
    assert removals["idle-base"] == []
    for name in ("idle-a", "idle-b"):
        (event,) = removals[name]
        assert event["claims"] == {} and "httpRequest" not in event
        assert event["status"]["value"] == "Succeeded"
    # idle-a went 15 days after its creation; idle-b 15 days after its last chat, later
    a_at, b_at = (removals[n][0]["eventTimestamp"] for n in ("idle-a", "idle-b"))
    assert a_at < b_at


def test_account_models_list_the_fine_tuned_model_with_its_base(
    admin: httpx2.Client, tuned_model: str, published: SimpleNamespace
) -> None:
    url = f"{SWC_ID}/models"
    body = admin.get(url, params=API).json()
    keys = published.keys_of(published.example("arm/2025-09-01.ListAccountModels.json"))
    assert published.unpublished(body, keys) == []
    tuned = [m for m in body["value"] if m["name"] == tuned_model]
    assert len(tuned) == 1
    assert tuned[0]["baseModel"] == {
        "format": "OpenAI",
        "name": "gpt-4.1-mini",
        "version": "2025-04-14",
    }
    assert tuned[0]["version"] == "1"
    assert tuned[0]["capabilities"]["inference"] == "true"
    # The other account holds no fine-tuned model.
    ncus = admin.get(SWC_ID.replace("aoai-swc", "aoai-ncus") + "/models", params=API).json()
    assert all("baseModel" not in m for m in ncus["value"])


def test_developer_tier_deployment_is_removed_24_hours_after_creation(
    emulator_ft: RunningEmulator,
    arm: CognitiveServicesManagementClient,
    admin: httpx2.Client,
    tuned_model: str,
) -> None:
    for name, sku, capacity in (("dev-tier", "DeveloperTier", 50), ("dev-std", "Standard", 1)):
        arm.deployments.begin_create_or_update(
            "rg-ft", "aoai-swc", name, ft_deployment(tuned_model, sku, capacity)
        ).result()
    advance(admin, 23 * 3600)
    # Inference does not extend a developer deployment's fixed lifetime.
    chat = openai_client(emulator_ft, "aoai-swc").chat.completions.create(
        model="dev-tier", messages=[{"role": "user", "content": "Question 1?"}]
    )
    assert chat.choices[0].message.content
    assert {"dev-tier", "dev-std"} <= names(arm, "aoai-swc")
    advance(admin, 3600)
    present = names(arm, "aoai-swc")
    assert "dev-tier" not in present
    assert "dev-std" in present  # other fine-tuned deployments follow the 15-day rule
    with pytest.raises(ResourceNotFoundError):
        arm.deployments.get("rg-ft", "aoai-swc", "dev-tier")
    usages = {u.name.value: u for u in arm.usages.list("swedencentral")}
    assert usages["OpenAI.DeveloperTier.gpt-4.1-mini-finetune"].current_value == 0


def test_provisioned_standard_as_the_deploy_doc_writes_it(
    arm: CognitiveServicesManagementClient, tuned_model: str
) -> None:
    # The doc deploys a fine-tuned mini model with sku ProvisionedStandard, capacity 25, from
    # the account that trained it (properties.model.source), then scales it from 25 to 40 PTU
    # with another PUT.
    made = arm.deployments.begin_create_or_update(
        "rg-ft",
        "aoai-ncus",
        "ft-ptu-std",
        ft_deployment(tuned_model, "ProvisionedStandard", 25, source=SWC_ID),
    ).result()
    assert (made.sku.name, made.sku.capacity) == ("ProvisionedStandard", 25)
    scaled = arm.deployments.begin_create_or_update(
        "rg-ft",
        "aoai-ncus",
        "ft-ptu-std",
        ft_deployment(tuned_model, "ProvisionedStandard", 40, source=SWC_ID),
    ).result()
    assert (scaled.sku.capacity, scaled.properties.provisioning_state) == (40, "Succeeded")
    usages = {u.name.value: u for u in arm.usages.list("northcentralus")}
    assert usages["OpenAI.ProvisionedManaged"].current_value >= 40

    with pytest.raises(HttpResponseError) as off_grid:
        arm.deployments.begin_create_or_update(
            "rg-ft",
            "aoai-ncus",
            "ft-ptu-std",
            ft_deployment(tuned_model, "ProvisionedStandard", 42, source=SWC_ID),
        )
    assert off_grid.value.error is not None
    assert off_grid.value.error.code == "InvalidCapacity"
    # Base models are provisioned as ProvisionedManaged; ProvisionedStandard is the fine-tuned
    # deployments' name.
    with pytest.raises(HttpResponseError) as base:
        arm.deployments.begin_create_or_update(
            "rg-ft",
            "aoai-ncus",
            "base-ptu-std",
            Deployment(
                sku=Sku(name="ProvisionedStandard", capacity=25),
                properties=DeploymentProperties(
                    model=DeploymentModel(
                        format="OpenAI", name="gpt-4.1-mini", version="2025-04-14"
                    )
                ),
            ),
        )
    assert base.value.error is not None
    assert base.value.error.code == "InvalidResourceProperties"
    arm.deployments.begin_delete("rg-ft", "aoai-ncus", "ft-ptu-std").result()
