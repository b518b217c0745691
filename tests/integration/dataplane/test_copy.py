"""Checkpoint copy (preview) between accounts; the SDK has no method for it, so it goes through
``client.post`` / ``client.get`` with the preview header, as Azure's docs show."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import openai
import pytest

from .dataplane_support import NCUS, SWC, DataPlane

HEADERS = {"aoai-copy-ft-checkpoints": "preview"}


def copy_path(job_id: str, checkpoint: str) -> str:
    return f"/fine_tuning/jobs/{job_id}/checkpoints/{checkpoint}/copy"


OTHER = "aoai-ncus-b"  # subscription 2, tenant 2222… (tests/fixtures/emulator-seed.yaml)
OTHER_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg-other"
    "/providers/Microsoft.CognitiveServices/accounts/aoai-ncus-b"
)


def test_copy_a_checkpoint_to_another_region(dp: DataPlane) -> None:
    job = dp.train()
    dp.train(account=NCUS, finish=False)  # the docs: the destination has a fine-tuning job
    checkpoint = dp.v1().fine_tuning.jobs.checkpoints.list(job.id).data[-1]
    client = dp.v1(SWC)
    body = {"destinationResourceId": dp.arm_id(NCUS), "region": "northcentralus"}
    started: Any = client.post(
        copy_path(job.id, checkpoint.id), body=body, cast_to=object, options={"headers": HEADERS}
    )
    assert started == {
        "checkpointedModelName": checkpoint.id,
        "fineTuningJobId": job.id,
        "copiedAccountDetails": [
            {
                "destinationResourceId": dp.arm_id(NCUS),
                "region": "northcentralus",
                "status": "InProgress",
            }
        ],
    }
    assert checkpoint.id not in {m.id for m in dp.v1(NCUS).models.list()}
    dp.advance(61)
    status: Any = dp.azure(SWC).get(
        copy_path(job.id, checkpoint.id), cast_to=object, options={"headers": HEADERS}
    )
    assert status["copiedAccountDetails"][0]["status"] == "Completed"
    # the destination holds it now: listed, and deployable there through ARM
    assert checkpoint.id in {m.id for m in dp.v1(NCUS).models.list()}
    dp.deploy(NCUS, "copied", checkpoint.id)
    reply = dp.v1(NCUS).chat.completions.create(
        model="copied", messages=[{"role": "user", "content": "Tell me about ship number 3"}]
    )
    assert reply.choices[0].message.content == "Arr! ship 3 be a fine thing."
    dp.undeploy(NCUS, "copied")


def test_copy_needs_the_preview_header_and_a_real_destination(dp: DataPlane) -> None:
    job = dp.train()
    checkpoint = dp.v1().fine_tuning.jobs.checkpoints.list(job.id).data[-1]
    client = dp.v1(SWC)
    good = {"destinationResourceId": dp.arm_id(NCUS), "region": "northcentralus"}
    with pytest.raises(openai.BadRequestError) as error:
        client.post(copy_path(job.id, checkpoint.id), body=good, cast_to=object)
    assert "aoai-copy-ft-checkpoints" in error.value.message
    missing = {"destinationResourceId": dp.arm_id("aoai-nowhere"), "region": "northcentralus"}
    wrong_region = {"destinationResourceId": dp.arm_id(NCUS), "region": "swedencentral"}
    for body in (missing, wrong_region, {}):
        with pytest.raises(openai.BadRequestError):
            client.post(
                copy_path(job.id, checkpoint.id),
                body=body,
                cast_to=object,
                options={"headers": HEADERS},
            )
    with pytest.raises(openai.NotFoundError):
        client.post(
            copy_path(job.id, "ftchkpt-unknown"),
            body=good,
            cast_to=object,
            options={"headers": HEADERS},
        )
    with pytest.raises(openai.NotFoundError):  # never copied
        client.get(copy_path(job.id, checkpoint.id), cast_to=object, options={"headers": HEADERS})


def test_copy_into_an_account_without_a_job_or_into_another_tenant_fails(
    dp: DataPlane, published: SimpleNamespace
) -> None:
    """The docs' prerequisites: the destination holds at least one fine-tuning job; source and
    destination are in one tenant ("across different subscriptions but within the same
    tenant"). Azure's status enum has Failed for a copy that cannot be made."""
    job = dp.train()
    checkpoint = dp.v1().fine_tuning.jobs.checkpoints.list(job.id).data[-1]
    client = dp.v1(SWC)
    body = {"destinationResourceId": OTHER_ID, "region": "northcentralus"}
    path = copy_path(job.id, checkpoint.id)
    with pytest.raises(openai.BadRequestError) as error:
        client.post(path, body=body, cast_to=object, options={"headers": HEADERS})
    assert "has no fine-tuning job" in error.value.message
    dp.train(account=OTHER, finish=False)
    started: Any = client.post(path, body=body, cast_to=object, options={"headers": HEADERS})
    assert started["copiedAccountDetails"] == [
        {"destinationResourceId": OTHER_ID, "region": "northcentralus", "status": "InProgress"}
    ]
    dp.advance(61)
    status: Any = client.get(path, cast_to=object, options={"headers": HEADERS})
    assert status["copiedAccountDetails"] == [
        {"destinationResourceId": OTHER_ID, "region": "northcentralus", "status": "Failed"}
    ]
    # the answer in the published shape (CopyModelResponse, CopiedAccountDetails)
    v1 = published.schema_properties()["v1"]
    assert set(status) == set(v1["CopyModelResponse"])
    assert set(status["copiedAccountDetails"][0]) == set(v1["CopiedAccountDetails"])
    assert status["copiedAccountDetails"][0]["status"] in v1["CopiedAccountDetails.status"]
    assert checkpoint.id not in {m.id for m in dp.v1(OTHER).models.list()}
