"""Azure's checkpoint copy (preview): POST and GET
`/openai/v1/fine_tuning/jobs/{job}/checkpoints/{checkpoint}/copy` on the source account, with
the header `aoai-copy-ft-checkpoints: preview` and the body `{destinationResourceId, region}`
(Azure's v1 spec: FineTuning_CopyCheckpoint / FineTuning_GetCheckpoint; the docs' "Copy a model
(preview)"). The openai SDK has no method for it: the client's generic `post`/`get` carry the
header. Both answer a CopyModelResponse, whose `copiedAccountDetails` lists each destination.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reconciler.azure.errors import mapped
from reconciler.azure.path_segments import path_segments
from reconciler.errors import NotFoundError
from reconciler.kinds.checkpoint_copy import PREVIEW_HEADER
from reconciler.plan.observed import ObservedCopy

if TYPE_CHECKING:
    import openai

_OPTIONS: Any = {"headers": {PREVIEW_HEADER: "preview"}}


def _path(job_id: str, checkpoint_id: str) -> str:
    path_segments(job_id=job_id, checkpoint_id=checkpoint_id)
    return f"/fine_tuning/jobs/{job_id}/checkpoints/{checkpoint_id}/copy"


def _details(answer: object) -> tuple[ObservedCopy, ...]:
    details = answer.get("copiedAccountDetails") if isinstance(answer, dict) else None
    return tuple(ObservedCopy.from_azure(d) for d in details or () if isinstance(d, dict))


def copy_status(
    client: openai.OpenAI, account: str, job_id: str, checkpoint_id: str
) -> tuple[ObservedCopy, ...]:
    """Where the checkpoint was copied from `account` (empty: never copied, which the
    service may also answer with 404)."""
    path = _path(job_id, checkpoint_id)
    try:
        with mapped(f"read the copies of {checkpoint_id} in {account}"):
            answer = client.get(path, cast_to=object, options=_OPTIONS)
    except NotFoundError:
        return ()
    return _details(answer)


def start_copy(
    client: openai.OpenAI,
    account: str,
    job_id: str,
    checkpoint_id: str,
    *,
    destination_resource_id: str,
    region: str,
) -> tuple[ObservedCopy, ...]:
    body = {"destinationResourceId": destination_resource_id, "region": region}
    path = _path(job_id, checkpoint_id)
    with mapped(f"copy {checkpoint_id} from {account}"):
        answer = client.post(path, body=body, cast_to=object, options=_OPTIONS)
    return _details(answer)
