"""Routes of fine-tuning jobs: create, list, get, delete, cancel, pause, resume, events,
checkpoints.

Create first refuses any field the published request schema of the URL style and api-version
lacks, at any depth (``job_schemas``), then checks what Azure checks before accepting a job:
the files exist in this account, are
``fine-tune`` files, processed without error and in the format the method needs; the model can be
fine-tuned in the account's region with that method and training type (the catalog), or is a
fine-tuned model / checkpoint this account holds (continued training); suffix, seed, metadata
and hyperparameters are well formed.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute

from reconciler.catalog import TRAINING_TYPES, api_training_type, spec_training_type
from reconciler.emulator.dataplane import (
    file_records,
    graders,
    job_records,
    job_schemas,
    queries,
)
from reconciler.emulator.dataplane.chat_style import example_pair
from reconciler.emulator.dataplane.curve_key import curve_key
from reconciler.emulator.dataplane.errors import bad_request, conflict, not_found, wrong_state
from reconciler.emulator.dataplane.holdings import STYLE_KIND
from reconciler.emulator.dataplane.http import (
    Call,
    Created,
    Deleted,
    Reply,
    both,
    list_body,
    opt_int,
    opt_str,
    page,
    req_str,
)
from reconciler.emulator.dataplane.hyperparams import method_json, parse_method, resolve
from reconciler.emulator.dataplane.ids import new_hex, new_id
from reconciler.emulator.dataplane.jsonl_check import iter_examples
from reconciler.emulator.dataplane.screening import failure_message
from reconciler.emulator.state import EmulatorState
from reconciler.model_ids import fine_tuned_model_id, is_fine_tuned, is_valid_suffix

if TYPE_CHECKING:
    from reconciler.catalog import ModelInfo

STYLE_EXAMPLES = 200
STYLE_TEXT_CHARS = 1_000
MAX_SEED = 2_147_483_647
FORMATS = {  # method -> file formats it trains on
    "supervised": ("chat",),
    "dpo": ("preference",),
    "reinforcement": ("chat", "prompts"),
}


def region_of(call: Call) -> str:
    return call.account.location.replace(" ", "").lower()


def get_doc(call: Call, job_id: str) -> dict[str, Any]:
    doc = call.state.store.get(job_records.KIND, job_records.key(call.name, job_id))
    if doc is None:
        raise not_found(
            f"Fine-tuning job with id '{job_id}' not found.", param="fine_tuning_job_id"
        )
    return doc


def _training_type(body: dict[str, Any]) -> tuple[str, str]:
    """(catalog training type, the api value as the job reports it); any case is accepted."""
    raw = body.get("trainingType")
    if raw is None:
        raw = "standard"
    catalog_type = spec_training_type(raw) if isinstance(raw, str) else ""
    if catalog_type not in TRAINING_TYPES:
        raise bad_request(
            "'trainingType' must be one of "
            + ", ".join(api_training_type(t) for t in TRAINING_TYPES),
            param="trainingType",
        )
    return catalog_type, api_training_type(catalog_type)


def _metadata(body: dict[str, Any]) -> dict[str, str] | None:
    raw = body.get("metadata")
    if raw is None:
        return None
    if not isinstance(raw, dict) or len(raw) > 16:
        raise bad_request("'metadata' must be an object of at most 16 keys", param="metadata")
    for k, v in raw.items():
        if len(k) > 64 or not isinstance(v, str) or len(v) > 512:
            raise bad_request(
                "'metadata' keys must be at most 64 characters and values strings of at most 512",
                param="metadata",
            )
    return dict(raw)


def _integrations(body: dict[str, Any]) -> list[dict[str, Any]] | None:
    raw = body.get("integrations")
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(i, dict) for i in raw):
        raise bad_request("'integrations' must be a list of objects", param="integrations")
    return list(raw)


def _usable_file(call: Call, file_id: str, param: str, method: str) -> dict[str, Any]:
    doc = call.state.store.get(file_records.KIND, file_records.key(call.name, file_id))
    if doc is None:
        raise bad_request(f"The {param} '{file_id}' was not found in this resource.", param=param)
    if doc["purpose"] != file_records.FINE_TUNE:
        raise bad_request(
            f"The {param} '{file_id}' does not have purpose 'fine-tune'.", param=param
        )
    status = file_records.status(doc, call.now())
    if status == "pending":
        raise bad_request(
            f"The {param} '{file_id}' has not been processed yet (status pending); "
            "wait until its status is processed.",
            param=param,
        )
    check = doc["check"] or {}
    if check.get("error"):
        raise bad_request(
            f"The {param} '{file_id}' failed validation: {check['error']}",
            param=param,
            code="jsonlValidationFailed",
        )
    if check.get("format") not in FORMATS[method]:
        raise bad_request(
            f"The {param} '{file_id}' holds {check.get('format')} examples; the {method} method "
            f"needs {' or '.join(FORMATS[method])} examples.",
            param=param,
        )
    return doc


def _resolve_model(call: Call, model: str) -> ModelInfo:
    catalog = call.state.catalog
    info = catalog.model(model)
    if info is not None:
        return info
    held = queries.account_models(call.state, call.name)
    if model in held:
        base = catalog.model(held[model])
        if base is not None:
            return base
    elif is_fine_tuned(model):
        raise bad_request(
            f"The fine-tuned model '{model}' was not found in this resource.", param="model"
        )
    named = sorted(
        (m for m in catalog.models.values() if m.name == model),
        key=lambda m: (m.fine_tunable_in(region_of(call)), m.version),
    )
    if named:
        return named[-1]
    raise bad_request(f"The model '{model}' is not supported for fine-tuning.", param="model")


def _validation_failure(
    info: ModelInfo, train: dict[str, Any], valid: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Why the job will fail when its file validation ends (Azure checks these in the job):
    content screening (see ``screening``), then the model's per-example token limit (on the
    emulator's token estimate, see ``jsonl_check``)."""
    train_harms = set(train["harm_types"])
    valid_harms = set(valid["harm_types"]) if valid is not None else set()
    if train_harms or valid_harms:
        return {
            "code": "invalid_training_file",
            "message": failure_message(train_harms | valid_harms),
            "param": "training_file" if train_harms else "validation_file",
        }
    for param, check in (("training_file", train), ("validation_file", valid)):
        if check is not None and int(check["max_example_tokens"]) > info.max_example_tokens:
            return {
                "code": "invalid_training_file",
                "message": (
                    f"The {param.replace('_', ' ')} has an example of about "
                    f"{check['max_example_tokens']} tokens; {info.id} accepts at most "
                    f"{info.max_example_tokens} tokens per example."
                ),
                "param": param,
            }
    return None


def _reinforcement_data(
    call: Call,
    grader: dict[str, Any],
    train_doc: dict[str, Any],
    valid_doc: dict[str, Any] | None,
    resolved: dict[str, Any],
) -> tuple[dict[str, Any] | None, int]:
    """Why the job fails on its data (None: it trains), and the key of its reward curve: the
    same data, hyperparameters and grader train the same rewards."""
    fields = graders.item_fields(grader)
    failure: dict[str, Any] | None = None
    digests = []
    for param, doc in (("training_file", train_doc), ("validation_file", valid_doc)):
        if doc is None:
            continue
        found, digest = graders.check_data(
            file_records.segment_paths(call.state, doc), fields, param
        )
        failure = failure or found
        digests.append(digest)
    material = json.dumps([digests, resolved, grader], sort_keys=True).encode()
    key = int.from_bytes(hashlib.blake2b(material, digest_size=8).digest(), "big")
    return failure, key


def _style_pairs(paths: list[Any]) -> list[list[str]]:
    pairs = []
    for example in iter_examples(paths, STYLE_EXAMPLES):
        pair = example_pair(example)
        if pair is not None:
            pairs.append([pair[0][:STYLE_TEXT_CHARS], pair[1][:STYLE_TEXT_CHARS]])
    return pairs


def schema_of(call: Call) -> job_schemas.JobSchema:
    return job_schemas.V1 if call.v1 else job_schemas.for_api_version(call.api_version or "")


async def create(call: Call) -> Reply:
    body = await call.json()
    schema = schema_of(call)
    job_schemas.check(body, schema.create)
    job_schemas.check_method_type(body, schema)
    model = req_str(body, "model")
    training_file = req_str(body, "training_file")
    validation_file = opt_str(body, "validation_file")
    suffix = opt_str(body, "suffix")
    if suffix is not None and not is_valid_suffix(suffix):
        raise bad_request(
            "'suffix' must be 1 to 40 characters from a-z, A-Z, 0-9, '-' and '_'", param="suffix"
        )
    seed = opt_int(body, "seed", 0, MAX_SEED)
    metadata = _metadata(body)
    integrations = _integrations(body)
    catalog_type, api_type = _training_type(body)
    method = parse_method(body)
    if method.type == "reinforcement":
        graders.check_grader(method.extra.get("grader"))
        if body.get("validation_file") is None:
            # The RFT how-to: "Both a training and a validation dataset must be provided."
            raise bad_request(
                "A reinforcement fine-tuning job needs a validation_file.",
                param="validation_file",
            )

    train_doc = _usable_file(call, training_file, "training_file", method.type)
    valid_doc = (
        _usable_file(call, validation_file, "validation_file", method.type)
        if validation_file is not None
        else None
    )
    info = _resolve_model(call, model)
    problem = call.state.catalog.finetune_problem(
        info.id, region_of(call), method.type, catalog_type
    )
    if problem is not None:
        raise bad_request(f"Fine-tuning is not available: {problem}.", param="model")

    train_check = train_doc["check"]
    resolved = resolve(method, int(train_check["examples"]))
    failure = _validation_failure(info, train_check, valid_doc["check"] if valid_doc else None)
    reward_key: int | None = None
    if method.type == "reinforcement":
        data_failure, reward_key = await run_in_threadpool(
            _reinforcement_data, call, method.extra["grader"], train_doc, valid_doc, resolved
        )
        failure = failure or data_failure
    key = await run_in_threadpool(
        lambda: curve_key(
            base_model=info.id,
            training=file_records.segment_paths(call.state, train_doc),
            validation=file_records.segment_paths(call.state, valid_doc) if valid_doc else None,
            method=method.type,
            hyperparameters=resolved,
            seed=seed,
        )
    )
    job_id = new_id("ftjob-")
    fine_tuned = fine_tuned_model_id(info.id, new_hex(), suffix)
    now = call.now()
    doc: dict[str, Any] = {
        "id": job_id,
        "created_at": now,
        "model": model,
        "base_model": info.id,
        "organization_id": f"org-{call.name}",
        "training_file": training_file,
        "validation_file": validation_file,
        "suffix": suffix,
        "seed": seed if seed is not None else secrets.randbelow(MAX_SEED),
        "metadata": metadata,
        "integrations": integrations,
        "training_type": api_type,
        "method": method_json(method, resolved),
        "hyperparameters": resolved,
        "schedule": {
            "examples": train_check["examples"],
            "tokens_per_epoch": train_check["tokens"],
            "n_epochs": resolved["n_epochs"],
            "batch_size": resolved["batch_size"],
        },
        "failure": failure,
        "fine_tuned_model": fine_tuned,
        "result_file": new_id("file-"),
        "controls": {"pauses": [], "cancelled_at": None},
        "deleted_models": [],
        "results_written": False,
        "reward_key": reward_key,
        "curve_key": key,
    }
    pairs = await run_in_threadpool(_style_pairs, file_records.segment_paths(call.state, train_doc))
    with call.state.store.transaction():
        call.state.store.put(STYLE_KIND, job_records.key(call.name, job_id), {"pairs": pairs})
        call.state.store.put(job_records.KIND, job_records.key(call.name, job_id), doc)
    job = job_records.JobView(doc, now)
    return Created(job.render(schema), f"fine_tuning/jobs/{job_id}")


def _metadata_filter(call: Call) -> dict[str, str]:
    wanted = {}
    for name, value in call.request.query_params.multi_items():
        if name.startswith("metadata[") and name.endswith("]"):
            wanted[name[len("metadata[") : -1]] = value
    return wanted


async def list_jobs(call: Call) -> Reply:
    now = call.now()
    wanted = _metadata_filter(call)
    docs = call.state.store.list(job_records.KIND, f"{call.name}/")
    docs.reverse()  # newest first
    if wanted:
        docs = [
            d for d in docs if all((d["metadata"] or {}).get(k) == v for k, v in wanted.items())
        ]
    items = [job_records.JobView(d, now).render(schema_of(call)) for d in docs]
    chosen, more = page(items, call.query_str("after"), call.query_int("limit", 20, 1, 100))
    return list_body(chosen, more, ids=False)


async def get_job(call: Call) -> Reply:
    doc = get_doc(call, call.param("fine_tuning_job_id"))
    return job_records.JobView(doc, call.now()).render(schema_of(call))


def _change(call: Call, action: str) -> dict[str, Any]:
    """Apply cancel / pause / resume under the store's lock; the job as it is afterwards."""
    job_id = call.param("fine_tuning_job_id")
    with call.state.store.transaction():
        doc = get_doc(call, job_id)
        now = call.now()
        job = job_records.JobView(doc, now)
        controls = doc["controls"]
        if action == "cancel":
            if job.terminal:
                raise wrong_state(f"Job {job_id} has already {job.status}; it cannot be cancelled.")
            controls["cancelled_at"] = now
        elif action == "pause":
            if job.status != "running":
                raise wrong_state(
                    f"Job {job_id} is {job.status}; only a running job can be paused."
                )
            if job.snap.steps_done < 1:
                raise wrong_state(
                    f"Job {job_id} has not trained a step yet; a job can be paused only after "
                    "it has trained at least one step."
                )
            controls["pauses"].append([now, None])
        else:
            if job.status != "paused":
                raise wrong_state(
                    f"Job {job_id} is {job.status}; only a paused job can be resumed."
                )
            controls["pauses"][-1][1] = now
        call.state.store.put(job_records.KIND, job_records.key(call.name, job_id), doc)
    return job_records.JobView(doc, now).render(schema_of(call))


async def cancel(call: Call) -> Reply:
    return _change(call, "cancel")


async def pause(call: Call) -> Reply:
    return _change(call, "pause")


async def resume(call: Call) -> Reply:
    return _change(call, "resume")


async def delete_job(call: Call) -> Reply:
    from reconciler.emulator.arm_queries import deployments_of_model

    job_id = call.param("fine_tuning_job_id")
    doc = get_doc(call, job_id)
    job = job_records.JobView(doc, call.now())
    if not job.terminal:
        raise wrong_state(f"Job {job_id} is {job.status}; cancel it before deleting it.")
    deployed = sorted({d for m in job.held_models() for d in deployments_of_model(call.state, m)})
    if deployed:
        raise conflict(
            f"Job {job_id} cannot be deleted: its model is deployed ({', '.join(deployed)}). "
            "Delete the deployments first."
        )
    with call.state.store.transaction():
        call.state.store.delete(job_records.KIND, job_records.key(call.name, job_id))
        call.state.store.delete(STYLE_KIND, job_records.key(call.name, job_id))
    return Deleted({"id": job_id, "object": "fine_tuning.job", "deleted": True})


async def events(call: Call) -> Reply:
    job = job_records.JobView(get_doc(call, call.param("fine_tuning_job_id")), call.now())
    items = [e.to_json(job.id) for e in job.events()]
    chosen, more = page(items, call.query_str("after"), call.query_int("limit", 20, 1, 1000))
    return list_body(chosen, more, ids=False)


async def checkpoints(call: Call) -> Reply:
    job = job_records.JobView(get_doc(call, call.param("fine_tuning_job_id")), call.now())
    items = [job.checkpoint_json(c) for c in job.checkpoints()]
    chosen, more = page(items, call.query_str("after"), call.query_int("limit", 10, 1, 100))
    return list_body(chosen, more, ids=True)


def routes(state: EmulatorState) -> list[BaseRoute]:
    job = "/fine_tuning/jobs/{fine_tuning_job_id}"
    return [
        *both(state, "/fine_tuning/jobs", create, ["POST"]),
        *both(state, "/fine_tuning/jobs", list_jobs, ["GET"]),
        *both(state, job, get_job, ["GET"]),
        *both(state, job, delete_job, ["DELETE"]),
        *both(state, f"{job}/cancel", cancel, ["POST"]),
        *both(state, f"{job}/pause", pause, ["POST"]),
        *both(state, f"{job}/resume", resume, ["POST"]),
        *both(state, f"{job}/events", events, ["GET"]),
        *both(state, f"{job}/checkpoints", checkpoints, ["GET"]),
    ]
