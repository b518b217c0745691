"""Writes: uploads, job creation, deployment PUT / PATCH / DELETE.

Each function performs exactly one logical operation and maps SDK errors; retrying, looking
again after an ambiguous failure, and ordering are the caller's (reconciler/apply).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, cast

import openai
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import (
    Deployment,
    DeploymentModel,
    DeploymentProperties,
    PatchResourceTagsAndSku,
    Sku,
)

from reconciler.azure.errors import mapped
from reconciler.azure.job_request import JobRequest
from reconciler.azure.path_segments import path_segment, path_segments
from reconciler.azure.read import JSON, _dump
from reconciler.azure_limits import FILES_API_MAX_BYTES, UPLOAD_PART_MAX_BYTES
from reconciler.confined import RootedPath
from reconciler.datasets.upload_source import VerifiedSource

# above FILES_API_MAX_BYTES the files API refuses an upload and the uploads API (parts) is used
PART_BYTES = UPLOAD_PART_MAX_BYTES

Progress = Callable[[int, int], None]  # (bytes sent so far, total)


def upload_file(
    client: openai.OpenAI,
    account: str,
    source: RootedPath,
    filename: str,
    *,
    sha256: str,
    size: int,
    on_progress: Progress | None = None,
    part_bytes: int = PART_BYTES,
    files_api_max: int = FILES_API_MAX_BYTES,
) -> JSON:
    """Upload a dataset's canonical bytes (LF line endings: ``datasets.canonical``), streamed
    and read once; memory stays bounded by one read block whatever the file's or a part's size.

    ``sha256`` and ``size`` are what was validated: the bytes are hashed as they are sent, and
    an upload whose content differs never completes (``datasets.upload_source``): raises
    ``ChangedSinceValidation``. ``source`` is opened only if it still resolves to a regular
    file inside its root.
    """
    path = source.path
    operation = f"upload {path.name} to {account} as {filename}"
    with mapped(operation):
        body = VerifiedSource(source.open, size, sha256)
    try:
        if size > files_api_max:
            return _upload_in_parts(client, account, body, path, filename, on_progress, part_bytes)
        on_read = (lambda sent: on_progress(sent, size)) if on_progress is not None else None
        window = body.window(0, size, on_read)
        with mapped(operation):
            # A file object, not IO[bytes] by its type: httpx needs only read, seek and tell.
            created = client.files.create(
                file=(filename, cast("IO[bytes]", window)), purpose="fine-tune"
            )
        if not body.verified:  # the client sent less than the whole: never a file to use
            raise RuntimeError(f"{operation}: the body was not sent whole")
        return _dump(created)
    except BaseException:
        if body.changed is not None:  # whatever the client made of it, this is the reason
            raise body.changed from None
        raise
    finally:
        body.close()


def _upload_in_parts(
    client: openai.OpenAI,
    account: str,
    body: VerifiedSource,
    path: Path,
    filename: str,
    on_progress: Progress | None,
    part_bytes: int,
) -> JSON:
    operation = f"upload {path.name} to {account} as {filename} (uploads API)"
    size = body.size
    with mapped(operation):
        upload = client.uploads.create(
            bytes=size, filename=filename, mime_type="text/jsonl", purpose="fine-tune"
        )
    upload_id = path_segment(upload.id, "upload id")
    part_ids: list[str] = []
    try:
        for start in range(0, size, part_bytes):
            length = min(part_bytes, size - start)
            part_body = cast("IO[bytes]", body.window(start, length))
            with mapped(f"{operation}: part {len(part_ids) + 1}"):
                part = client.uploads.parts.create(upload_id, data=part_body)
            part_ids.append(part.id)
            if on_progress is not None:
                on_progress(start + length, size)
        # Completing makes the parts a file a job can use: only with the validated content.
        if not body.verified:
            raise RuntimeError(f"{operation}: not every part was sent")
        with mapped(f"{operation}: complete"):
            done = client.uploads.complete(upload_id, part_ids=part_ids)
    except BaseException:
        # Leave nothing half-done behind: an abandoned upload is cancelled (it expires anyway).
        with contextlib.suppress(openai.OpenAIError):
            client.uploads.cancel(upload_id)
        raise
    if done.file is None:
        raise RuntimeError(f"{operation}: the service completed the upload without a file")
    return _dump(done.file)


def get_file(client: openai.OpenAI, account: str, file_id: str) -> JSON:
    path_segments(file_id=file_id)
    with mapped(f"GET file {file_id} in {account}"):
        return _dump(client.files.retrieve(file_id))


def create_job(
    client: openai.OpenAI | openai.AzureOpenAI, account: str, name: str, request: JobRequest
) -> JSON:
    """POST a fine-tuning job on ``request``'s surface: ``client`` is the account's v1 client,
    or its api-version client when ``request.api_version`` is set (``Clients.for_job``)."""
    known = {"model", "training_file", "validation_file", "suffix", "seed", "method", "metadata"}
    body = request.body
    kwargs: dict[str, Any] = {k: v for k, v in body.items() if k in known}
    extra = {k: v for k, v in body.items() if k not in known}
    with mapped(f"create fine-tuning job {name} in {account} ({request.surface})"):
        job = client.fine_tuning.jobs.create(**kwargs, extra_body=extra or None)
    return _dump(job)


def get_job(client: openai.OpenAI, account: str, job_id: str) -> JSON:
    path_segments(job_id=job_id)
    with mapped(f"GET fine-tuning job {job_id} in {account}"):
        return _dump(client.fine_tuning.jobs.retrieve(job_id))


# SPEC §5.3's fields -> the SDK's DeploymentProperties attribute: how apply's PUTs (and a smoke
# test's rollback) write them.
DEPLOYMENT_SETTING_ATTRIBUTES = {
    "rai_policy": "rai_policy_name",
    "version_upgrade": "version_upgrade_option",
    "spillover_to": "spillover_deployment_name",
}


def deployment_body(
    *,
    model_name: str,
    model_version: str,
    sku_name: str,
    capacity: int,
    tags: dict[str, str],
    model_format: str = "OpenAI",
    source: str | None = None,
    source_account: str | None = None,
) -> Deployment:
    return Deployment(
        sku=Sku(name=sku_name, capacity=capacity),
        tags=tags,
        properties=DeploymentProperties(
            model=DeploymentModel(
                format=model_format,
                name=model_name,
                version=model_version,
                source=source,
                source_account=source_account,
            )
        ),
    )


def put_deployment(
    arm: CognitiveServicesManagementClient,
    resource_group: str,
    account: str,
    name: str,
    body: Deployment,
    *,
    auxiliary_token: str | None = None,
) -> JSON:
    """PUT and wait for the long-running operation; Azure's failure message is kept."""
    kwargs: dict[str, Any] = {}
    if auxiliary_token is not None:
        kwargs["headers"] = {"x-ms-authorization-auxiliary": f"Bearer {auxiliary_token}"}
    path_segments(resource_group=resource_group, account=account, deployment_name=name)
    with mapped(f"PUT deployment {name} in {account}"):
        poller = arm.deployments.begin_create_or_update(
            resource_group, account, name, body, **kwargs
        )
        return _dump(poller.result())


def patch_deployment(
    arm: CognitiveServicesManagementClient,
    resource_group: str,
    account: str,
    name: str,
    *,
    sku_name: str,
    capacity: int,
    tags: dict[str, str],
) -> JSON:
    path_segments(resource_group=resource_group, account=account, deployment_name=name)
    patch = PatchResourceTagsAndSku(sku=Sku(name=sku_name, capacity=capacity), tags=tags)
    with mapped(f"PATCH deployment {name} in {account}"):
        return _dump(arm.deployments.begin_update(resource_group, account, name, patch).result())


def delete_deployment(
    arm: CognitiveServicesManagementClient, resource_group: str, account: str, name: str
) -> None:
    path_segments(resource_group=resource_group, account=account, deployment_name=name)
    with mapped(f"DELETE deployment {name} in {account}"):
        arm.deployments.begin_delete(resource_group, account, name).result()


def patch_deployment_tags(
    arm: CognitiveServicesManagementClient,
    resource_group: str,
    account: str,
    name: str,
    tags: dict[str, str],
) -> JSON:
    """PATCH only ``tags`` (``PatchResourceTagsAndSku`` without ``sku``): the deployment's model,
    sku and every other property stay as Azure holds them, and it keeps serving. ARM replaces
    the whole tag set with the one sent, so ``tags`` must carry the tags to keep too."""
    path_segments(resource_group=resource_group, account=account, deployment_name=name)
    patch = PatchResourceTagsAndSku(tags=tags)
    with mapped(f"PATCH the tags of deployment {name} in {account}"):
        return _dump(arm.deployments.begin_update(resource_group, account, name, patch).result())
