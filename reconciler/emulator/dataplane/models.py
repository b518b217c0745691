"""Routes: GET /models, GET /models/{id}, DELETE /models/{id}.

The list holds the catalog's base models that can be fine-tuned in the account's region, the
fine-tuned models the account holds and the checkpoints copied into it (a job's own checkpoints
are listed under the job, but GET /models/{checkpoint} answers for them too). Each model is
shown with Azure's ``created_at``/``status``/``capabilities``/``lifecycle_status``/``deprecation``
and, in the v1 style only, OpenAI's ``created``/``owned_by`` (the api-version style answers the
keys of Azure's get_model_base / get_model_finetune examples, 2025-04-01-preview).
A model served by a deployment (any account) cannot be deleted: 409 naming the deployments.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.routing import BaseRoute

from reconciler.emulator.dataplane import copy_records, job_records
from reconciler.emulator.dataplane.errors import ApiError, conflict, not_found
from reconciler.emulator.dataplane.holdings import Held, holdings
from reconciler.emulator.dataplane.http import Call, Deleted, Reply, both
from reconciler.emulator.state import EmulatorState

if TYPE_CHECKING:
    from reconciler.catalog import ModelInfo

YEAR = 365 * 86400


def _released(version: str) -> int:
    try:
        return int(datetime.strptime(version, "%Y-%m-%d").replace(tzinfo=UTC).timestamp())
    except ValueError:
        return 0


def _lifecycle(status: str) -> str:
    return "preview" if "preview" in status.lower() else "generally-available"


def base_json(info: ModelInfo) -> dict[str, Any]:
    created = _released(info.version)
    return {
        "id": info.id,
        "object": "model",
        "created": created,
        "created_at": created,
        "owned_by": "system",
        "status": "succeeded",
        "capabilities": {
            "fine_tune": True,
            "inference": True,
            "completion": False,
            "chat_completion": True,
            "embeddings": False,
        },
        "lifecycle_status": _lifecycle(info.lifecycle_status),
        "deprecation": {"fine_tune": created + YEAR, "inference": created + 2 * YEAR},
    }


def held_json(held: Held) -> dict[str, Any]:
    created = int(held.created_at)
    return {
        "id": held.id,
        "object": "model",
        "created": created,
        "created_at": created,
        "owned_by": "organization-owner",
        "status": "succeeded",
        "model": held.base,
        "fine_tune": held.job_id,
        "capabilities": {
            "fine_tune": True,
            "inference": True,
            "completion": False,
            "chat_completion": True,
            "embeddings": False,
        },
        "lifecycle_status": "generally-available",
        "deprecation": {"inference": created + YEAR},
    }


def _region(call: Call) -> str:
    return call.account.location.replace(" ", "").lower()


def _base(call: Call, model: str) -> ModelInfo | None:
    info = call.state.catalog.model(model)
    return info if info is not None and info.fine_tunable_in(_region(call)) else None


_OPENAI_ONLY = ("created", "owned_by")


def _styled(call: Call, model: dict[str, Any]) -> dict[str, Any]:
    if call.v1:
        return model
    return {k: v for k, v in model.items() if k not in _OPENAI_ONLY}


async def list_models(call: Call) -> Reply:
    region = _region(call)
    data = [base_json(m) for m in call.state.catalog.models.values() if m.fine_tunable_in(region)]
    data += [held_json(h) for h in holdings(call.state, call.name).values() if h.listed]
    return {"object": "list", "data": [_styled(call, m) for m in data]}


async def get_model(call: Call) -> Reply:
    model = call.param("model")
    info = _base(call, model)
    if info is not None:
        return _styled(call, base_json(info))
    held = holdings(call.state, call.name).get(model)
    if held is None:
        raise not_found(f"The model '{model}' does not exist.", param="model")
    return _styled(call, held_json(held))


async def delete_model(call: Call) -> Reply:
    from reconciler.emulator.arm_queries import deployments_of_model

    model = call.param("model")
    if _base(call, model) is not None:
        raise ApiError(403, "forbidden", f"The base model '{model}' cannot be deleted.")
    held = holdings(call.state, call.name).get(model)
    if held is None:
        raise not_found(f"The model '{model}' does not exist.", param="model")
    # A checkpoint answers to its id and its name: both go, and either being deployed blocks.
    names = {model}
    if not held.copied:
        job_doc = call.state.store.get(job_records.KIND, job_records.key(call.name, held.job_id))
        if job_doc is not None:
            job = job_records.JobView(job_doc, call.now())
            for ckpt in job.checkpoints():
                if model in (ckpt.id, ckpt.name):
                    names = {ckpt.id, ckpt.name}
    deployed = sorted({d for name in names for d in deployments_of_model(call.state, name)})
    if deployed:
        raise conflict(
            f"The model '{model}' cannot be deleted while it is deployed "
            f"({', '.join(deployed)}). Delete the deployments first."
        )
    with call.state.store.transaction():
        if held.copied:
            for doc_key, doc in call.state.store.items(copy_records.KIND, f"{call.name}/"):
                if model in (doc["model"], doc["checkpoint_name"]):
                    call.state.store.delete(copy_records.KIND, doc_key)
        else:
            job_key = job_records.key(call.name, held.job_id)
            job_doc = call.state.store.get(job_records.KIND, job_key)
            if job_doc is not None:
                job_doc["deleted_models"] = sorted(set(job_doc["deleted_models"]) | names)
                call.state.store.put(job_records.KIND, job_key, job_doc)
    return Deleted({"id": model, "object": "model", "deleted": True})


def routes(state: EmulatorState) -> list[BaseRoute]:
    return [
        *both(state, "/models", list_models, ["GET"]),
        *both(state, "/models/{model}", get_model, ["GET"]),
        *both(state, "/models/{model}", delete_model, ["DELETE"]),
    ]
