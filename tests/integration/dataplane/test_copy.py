"""Checkpoint copy (preview) between accounts; the SDK has no method for it, so it goes through
``client.post`` / ``client.get`` with the preview header, as Azure's docs show."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from .dataplane_support import NCUS, SWC, DataPlane

HEADERS = {"aoai-copy-ft-checkpoints": "preview"}


def copy_path(job_id: str, checkpoint: str) -> str:
    return f"/fine_tuning/jobs/{job_id}/checkpoints/{checkpoint}/copy"


def test_copy_a_checkpoint_to_another_region(dp: DataPlane) -> None:
    job = dp.train()
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
