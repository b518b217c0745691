"""Reads: one list call per collection per account (pages followed), never one GET per resource.

Each function returns plain JSON-like dicts in the service's field names, so that what was
observed can be saved, digested and replayed in golden tests without the SDK's classes. Lists
are read as raw JSON (raw_read: the SDK's requests, no model object per item); the SDKs are
imported where a call needs them, not when this module is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from reconciler.azure.errors import mapped
from reconciler.azure.path_segments import path_segment, path_segments
from reconciler.azure.raw_read import PROVIDER, ArmReader, DataPlaneReader, arm_list
from reconciler.errors import AuthError

if TYPE_CHECKING:
    import openai
    from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient


JSON = dict[str, Any]
PAGE_LIMIT = 100


def _dump(obj: Any) -> JSON:
    """An SDK model as a dict with the REST field names (camelCase), dropping unset fields."""
    if hasattr(obj, "model_dump"):  # openai (pydantic)
        return dict(obj.model_dump(mode="json", exclude_none=True))
    if hasattr(obj, "serialize"):  # azure-mgmt (msrest-style models)
        return dict(obj.serialize(keep_readonly=True))
    raise TypeError(f"cannot dump {type(obj).__name__}")


def list_accounts(
    arm: ArmReader | CognitiveServicesManagementClient, resource_group: str
) -> list[JSON]:
    """Every account of a resource group: one call for all the spec's accounts there."""
    path_segments(resource_group=resource_group)
    operation = f"list accounts in resource group {resource_group}"
    if isinstance(arm, ArmReader):
        url = arm.url(("resourceGroups", resource_group), ("providers", PROVIDER))
        return arm.list(url + "/accounts", operation)
    with mapped(operation):
        from azure.mgmt.cognitiveservices.operations._accounts_operations import (
            build_list_by_resource_group_request,
        )

        return arm_list(arm, build_list_by_resource_group_request, resource_group)


def _account_url(arm: ArmReader, resource_group: str, name: str) -> str:
    return arm.url(("resourceGroups", resource_group), ("providers", PROVIDER), ("accounts", name))


def list_deployments(
    arm: ArmReader | CognitiveServicesManagementClient, resource_group: str, name: str
) -> list[JSON]:
    path_segments(resource_group=resource_group, account=name)
    operation = f"list deployments of {name}"
    if isinstance(arm, ArmReader):
        return arm.list(_account_url(arm, resource_group, name) + "/deployments", operation)
    with mapped(operation):
        from azure.mgmt.cognitiveservices.operations._deployments_operations import (
            build_list_request,
        )

        return arm_list(arm, build_list_request, resource_group, name)


def list_rai_policies(
    arm: ArmReader | CognitiveServicesManagementClient, resource_group: str, name: str
) -> list[JSON]:
    """The account's content filters (`GET …/accounts/{a}/raiPolicies`)."""
    path_segments(resource_group=resource_group, account=name)
    operation = f"list content filters (raiPolicies) of {name}"
    if isinstance(arm, ArmReader):
        return arm.list(_account_url(arm, resource_group, name) + "/raiPolicies", operation)
    with mapped(operation):
        from azure.mgmt.cognitiveservices.operations._rai_policies_operations import (
            build_list_request,
        )

        return arm_list(arm, build_list_request, resource_group, name)


def _location_url(arm: ArmReader, location: str) -> str:
    return arm.url(("providers", PROVIDER), ("locations", location))


def list_location_models(
    arm: ArmReader | CognitiveServicesManagementClient, location: str
) -> list[JSON]:
    path_segments(location=location)
    operation = f"list models offered in {location}"
    if isinstance(arm, ArmReader):
        return arm.list(_location_url(arm, location) + "/models", operation)
    with mapped(operation):
        from azure.mgmt.cognitiveservices.operations._models_operations import (
            build_list_request,
        )

        return arm_list(arm, build_list_request, location)


# The account roles (Cognitive Services OpenAI User / Contributor) do not read quota: this one,
# assignable only at subscription scope, does (docs/gitops.md, "The roles each command needs").
USAGES_ROLE_HINT = (
    'the identity needs the role "Cognitive Services Usages Reader" (or Reader) on the '
    "subscription to read quota"
)


def list_usages(arm: ArmReader | CognitiveServicesManagementClient, location: str) -> list[JSON]:
    path_segments(location=location)
    operation = f"list quota usages in {location}"
    try:
        if isinstance(arm, ArmReader):
            return arm.list(_location_url(arm, location) + "/usages", operation)
        with mapped(operation):
            from azure.mgmt.cognitiveservices.operations._usages_operations import (
                build_list_request,
            )

            return arm_list(arm, build_list_request, location)
    except AuthError as exc:
        if exc.status != 403:
            raise
        said = str(exc).removeprefix(f"{operation}: ")
        raise AuthError(
            f"{said} ({USAGES_ROLE_HINT})", operation=operation, status=exc.status, code=exc.code
        ) from None


def list_files(client: DataPlaneReader | openai.OpenAI, account: str) -> list[JSON]:
    operation = f"list files in {account}"
    if isinstance(client, DataPlaneReader):
        return client.list_all("/files", operation)
    with mapped(operation):
        return [_dump(f) for f in client.files.list()]


def list_jobs(client: DataPlaneReader | openai.OpenAI, account: str) -> list[JSON]:
    operation = f"list fine-tuning jobs in {account}"
    if isinstance(client, DataPlaneReader):
        return client.list_all("/fine_tuning/jobs", operation, {"limit": PAGE_LIMIT})
    with mapped(operation):
        return [_dump(j) for j in client.fine_tuning.jobs.list(limit=PAGE_LIMIT)]


def list_checkpoints(
    client: DataPlaneReader | openai.OpenAI, account: str, job_id: str
) -> list[JSON]:
    path_segments(job_id=job_id)
    operation = f"list checkpoints of {job_id} in {account}"
    if isinstance(client, DataPlaneReader):
        path = f"/fine_tuning/jobs/{job_id}/checkpoints"
        return client.list_all(path, operation, {"limit": PAGE_LIMIT})
    with mapped(operation):
        pages = client.fine_tuning.jobs.checkpoints.list(job_id, limit=PAGE_LIMIT)
        return [_dump(c) for c in pages]


def list_events(
    client: DataPlaneReader | openai.OpenAI, account: str, job_id: str, limit: int = 20
) -> list[JSON]:
    """The newest events first (one page: used for progress, not history)."""
    path_segments(job_id=job_id)
    operation = f"list events of {job_id} in {account}"
    if isinstance(client, DataPlaneReader):
        raw = client.get(f"/fine_tuning/jobs/{job_id}/events", operation, {"limit": limit})
        return [e for e in raw.get("data") or () if isinstance(e, dict)]
    with mapped(operation):
        page = client.fine_tuning.jobs.list_events(job_id, limit=limit)
        return [_dump(e) for e in page.data]


def job_results_csv(client: openai.OpenAI, account: str, job_id: str) -> str | None:
    """The job's results.csv (its first result file), or None while it has none."""
    path_segments(job_id=job_id)
    with mapped(f"read the results of {job_id} in {account}"):
        job = client.fine_tuning.jobs.retrieve(job_id)
        if not job.result_files:
            return None
        result_file = path_segment(job.result_files[0], "result file id")
        return client.files.content(result_file).text


def file_text(client: openai.OpenAI, account: str, file_id: str) -> str:
    """A (small) file's content as text: a job's results.csv."""
    path_segments(file_id=file_id)
    with mapped(f"read file {file_id} in {account}"):
        return client.files.content(file_id).text


def iter_file_lines(client: openai.OpenAI, account: str, file_id: str) -> Iterator[str]:
    """A file's content line by line, streamed (memory independent of the file's size)."""
    path_segments(file_id=file_id)
    with (
        mapped(f"read file {file_id} in {account}"),
        client.files.with_streaming_response.content(file_id) as response,
    ):
        for line in response.iter_lines():
            yield str(line)
