"""Looking again: the reads apply makes right before (and after a doubtful) write.

Level-triggered apply (DESIGN.md principle 3) never trusts that what it observed is still so:
before uploading it lists the account's files once (for one with the same content), before
creating a job it lists the jobs once (``read.list_jobs``) for one with the same fingerprint,
and before writing a deployment it reads that deployment. Each function is one logical read
(pages followed), with the SDK's errors mapped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reconciler.azure import read
from reconciler.azure.clients import Clients
from reconciler.azure.errors import mapped
from reconciler.azure.job_request import JobRequest
from reconciler.azure.observe import AccountAccess, observed_file
from reconciler.azure.path_segments import path_segments
from reconciler.errors import NotFoundError
from reconciler.plan.observed import ObservedFile

if TYPE_CHECKING:
    import openai
    from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

JSON = dict[str, Any]


def arm_for(clients: Clients, access: AccountAccess) -> CognitiveServicesManagementClient:
    """The management client for an observed account (cached by ``clients``)."""
    return clients.arm(access.subscription_id, access.tenant_id)


def data_plane_for(clients: Clients, access: AccountAccess) -> openai.OpenAI:
    """The data-plane client for an observed account (cached by ``clients``)."""
    where = f"{access.key} ({access.name})"
    return clients.data_plane(
        access.endpoint, api_key_env=access.api_key_env, where=where, tenant_id=access.tenant_id
    )


def job_client_for(
    clients: Clients, access: AccountAccess, request: JobRequest
) -> openai.OpenAI | openai.AzureOpenAI:
    """The data-plane client for the surface a job request goes to."""
    if request.api_version is None:
        return data_plane_for(clients, access)
    where = f"{access.key} ({access.name})"
    return clients.data_plane_versioned(
        access.endpoint,
        request.api_version,
        api_key_env=access.api_key_env,
        where=where,
        tenant_id=access.tenant_id,
    )


def list_files(client: openai.OpenAI, account: str) -> list[ObservedFile]:
    """Every file of the account, in any status (one list call); which hold a content is the
    file kind's to say (`reconciler.kinds.file.identify`)."""
    return [observed_file(f) for f in read.list_files(client, account)]


def get_deployment(
    arm: CognitiveServicesManagementClient, resource_group: str, account: str, name: str
) -> JSON | None:
    """The deployment as Azure holds it now, or None when there is none."""
    path_segments(resource_group=resource_group, account=account, deployment_name=name)
    try:
        with mapped(f"GET deployment {name} in {account}"):
            return read._dump(arm.deployments.get(resource_group, account, name))
    except NotFoundError:
        return None


def list_checkpoints(client: openai.OpenAI, account: str, job_id: str) -> list[JSON]:
    return read.list_checkpoints(client, account, job_id)


def latest_events(client: openai.OpenAI, account: str, job_id: str) -> list[JSON]:
    """Enough of a job's events to find its latest metrics, whichever order the service lists."""
    return read.list_events(client, account, job_id, limit=100)


__all__ = [
    "arm_for",
    "data_plane_for",
    "get_deployment",
    "job_client_for",
    "latest_events",
    "list_checkpoints",
    "list_files",
]
