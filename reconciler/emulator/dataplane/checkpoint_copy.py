"""Checkpoint copy (preview): POST/GET ``/fine_tuning/jobs/{id}/checkpoints/{checkpoint}/copy``
with header ``aoai-copy-ft-checkpoints: preview`` and body ``{destinationResourceId, region}``.

The copy is a long-running operation: it reads ``InProgress`` for COPY_SECONDS of simulated
time, then ``Completed``, after which the destination account holds the checkpoint under the
same name (store kind "copied_checkpoint", key "<destination>/<checkpoint id>"): it can be
deployed there, or fine-tuned further. Deleting it in one account leaves the other's copy.
A copy into another tenant reads ``Failed`` instead (the docs copy "across different
subscriptions but within the same tenant"); copying it again starts anew. A destination
without any fine-tuning job, or one that disables public network access, is refused with 400
(the docs' prerequisites; how Azure answers them is not published). ``{checkpoint}`` is the
checkpoint id (``ftchkpt-…``) or its ``fine_tuned_model_checkpoint`` name.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from reconciler.emulator.dataplane import job_records, jobs
from reconciler.emulator.dataplane.copy_records import COPY_SECONDS, KIND, completed
from reconciler.emulator.dataplane.errors import bad_request, not_found
from reconciler.emulator.dataplane.holdings import STYLE_KIND
from reconciler.emulator.dataplane.http import Call, Reply, both
from reconciler.emulator.dataplane.job_records import Checkpoint, JobView
from reconciler.emulator.state import EmulatorState

HEADER = "aoai-copy-ft-checkpoints"


def _require_header(call: Call) -> None:
    if call.request.headers.get(HEADER, "").lower() != "preview":
        raise bad_request(f"The header '{HEADER}: preview' is required for checkpoint copy.")


def _checkpoint(call: Call) -> tuple[JobView, Checkpoint]:
    job = JobView(jobs.get_doc(call, call.param("fine_tuning_job_id")), call.now())
    wanted = call.param("checkpoint")
    deleted = set(job.doc.get("deleted_models", []))
    for ckpt in job.checkpoints():
        if wanted in (ckpt.id, ckpt.name) and ckpt.id not in deleted:
            return job, ckpt
    raise not_found(f"Checkpoint '{wanted}' not found for job {job.id}.", param="checkpoint")


def _response(
    ckpt: Checkpoint, job_id: str, copies: list[dict[str, Any]], now: float
) -> dict[str, Any]:
    return {
        "checkpointedModelName": ckpt.id,
        "fineTuningJobId": job_id,
        "copiedAccountDetails": [
            {
                "destinationResourceId": c["destination_resource_id"],
                "region": c["region"],
                "status": _status(c, now),
            }
            for c in copies
        ],
    }


def _status(doc: dict[str, Any], now: float) -> str:
    if not completed(doc, now):
        return "InProgress"
    return "Failed" if doc.get("failed") else "Completed"


def _copies_of(call: Call, job_id: str, ckpt_id: str) -> list[dict[str, Any]]:
    found = []
    for account in call.state.accounts:
        doc = call.state.store.get(KIND, f"{account}/{ckpt_id}")
        if doc is not None and doc["source_account"] == call.name and doc["source_job"] == job_id:
            found.append(doc)
    return found


async def copy(call: Call) -> Reply:
    _require_header(call)
    body = await call.json()
    destination_id = body.get("destinationResourceId")
    region = body.get("region")
    if not isinstance(destination_id, str) or not destination_id:
        raise bad_request("'destinationResourceId' is required", param="destinationResourceId")
    if not isinstance(region, str) or not region:
        raise bad_request("'region' is required", param="region")
    job, ckpt = _checkpoint(call)
    destination = call.state.account_by_id(destination_id)
    if destination is None:
        raise bad_request(
            f"The destination resource '{destination_id}' was not found.",
            param="destinationResourceId",
        )
    if destination.name == call.name:
        raise bad_request(
            "The destination resource is the source resource.", param="destinationResourceId"
        )
    if region.replace(" ", "").lower() != destination.location.replace(" ", "").lower():
        raise bad_request(
            f"The destination resource is in {destination.location}, not {region}.", param="region"
        )
    if destination.public_network_access.lower() == "disabled":
        # the docs' second prerequisite ("at least while you're sending the copy request")
        raise bad_request(
            f"The destination resource {destination.name} disables public network access; "
            "a checkpoint can be copied only to an account that allows it.",
            param="destinationResourceId",
        )
    if not call.state.store.list(job_records.KIND, job_records.key(destination.name, "")):
        # the docs' first prerequisite; how Azure answers is not published: a 400 here
        raise bad_request(
            f"The destination resource {destination.name} has no fine-tuning job; a checkpoint "
            "can be copied only to an account with at least one.",
            param="destinationResourceId",
        )
    source = call.state.accounts[call.name]
    # the docs: "across different subscriptions but within the same tenant"; the copy is
    # accepted and then fails, as a permission the source's identity lacks would make it
    failed = destination.tenant_id.lower() != source.tenant_id.lower()
    now = call.now()
    style = call.state.store.get(STYLE_KIND, job_records.key(call.name, job.id)) or {}
    with call.state.store.transaction():
        key = f"{destination.name}/{ckpt.id}"
        existing = call.state.store.get(KIND, key)
        # a copy under way or done stays as it is; a failed one is started again
        if existing is None or (completed(existing, now) and existing.get("failed")):
            call.state.store.put(
                KIND,
                key,
                {
                    "model": ckpt.id,
                    "checkpoint_name": ckpt.name,
                    "base_model": job.doc["base_model"],
                    "source_account": call.name,
                    "source_job": job.id,
                    "destination_resource_id": destination.arm_id,
                    "region": destination.location,
                    "created_at": now,
                    "completes_at": now + COPY_SECONDS,
                    "failed": failed,
                    "pairs": style.get("pairs", []),
                },
            )
    return _response(ckpt, job.id, _copies_of(call, job.id, ckpt.id), now)


async def copy_status(call: Call) -> Reply:
    _require_header(call)
    job, ckpt = _checkpoint(call)
    found = _copies_of(call, job.id, ckpt.id)
    if not found:
        raise not_found(f"Checkpoint '{ckpt.id}' has not been copied.", param="checkpoint")
    return _response(ckpt, job.id, found, call.now())


def routes(state: EmulatorState) -> list[BaseRoute]:
    path = "/fine_tuning/jobs/{fine_tuning_job_id}/checkpoints/{checkpoint}/copy"
    return [*both(state, path, copy, ["POST"]), *both(state, path, copy_status, ["GET"])]
