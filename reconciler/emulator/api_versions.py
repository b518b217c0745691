"""The api-versions Azure publishes, per surface, and the refusal of any other.

Sources (Azure/azure-rest-api-specs, folder names; each list is every folder found, checked
with the repository's readme tags where it has them):

- ARM ``Microsoft.CognitiveServices``: ``specification/cognitiveservices/resource-manager/
  Microsoft.CognitiveServices/{stable,preview}/<version>/cognitiveservices.json``, the same set
  ``Microsoft.CognitiveServices/CognitiveServices/readme.md`` tags, plus
  ``preview/2023-06-01-preview`` (a folder with a spec and examples but no readme tag).
  ``preview/2020-03-01`` is left out: not a preview api-version name.
- Azure OpenAI data plane, api-version style (``/openai/...?api-version=``): the authoring
  folders ``specification/cognitiveservices/data-plane/AzureOpenAI/authoring/{stable,preview}``
  for files, uploads, fine-tuning and models (a folder counts when it holds azureopenai.json /
  .yaml or examples: 2025-01-01-preview has only the .yaml); the inference folders
  ``.../AzureOpenAI/inference/{stable,preview}`` for chat completions.
- v1 style (``/openai/v1/...``): ``api-version`` absent, ``v1`` or ``preview``
  (``specification/ai/data-plane/OpenAI.v1``: "api-version optional (default 'v1'; 'preview'
  for preview features)").

Azure retires old previews (the preview-lifecycle page names several retired in 2024); the
emulator still accepts every published folder, so it never refuses what the service may take.

Refusals, as the services answer them:
- ARM: 400 ``MissingApiVersionParameter``, or 400 ``InvalidApiVersionParameter`` "The
  api-version '…' is invalid. The supported versions are '…'." (newest first, comma-separated,
  the message ARM's front door gives in public issue threads).
- data plane, api-version style: no api-version is 404 "Resource not found"; an unpublished one
  is 400 ``{"error": {"code": "BadRequest", "message": "API version not supported"}}`` (the body
  Azure OpenAI answers, as quoted in public issue threads).
- v1 style: the same 400, in OpenAI's error shape.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from reconciler.emulator.arm_errors import ArmError

if TYPE_CHECKING:
    from reconciler.emulator.dataplane.errors import ApiError

ARM_STABLE = (
    "2017-04-18",
    "2021-04-30",
    "2021-10-01",
    "2022-03-01",
    "2022-10-01",
    "2022-12-01",
    "2023-05-01",
    "2024-10-01",
    "2025-06-01",
    "2025-09-01",
    "2025-12-01",
    "2026-03-01",
    "2026-05-01",
    "2026-07-01",
    "2026-09-01",
)
ARM_PREVIEW = (
    "2016-02-01-preview",
    "2023-06-01-preview",
    "2023-10-01-preview",
    "2024-04-01-preview",
    "2024-06-01-preview",
    "2025-04-01-preview",
    "2025-07-01-preview",
    "2025-10-01-preview",
    "2026-01-15-preview",
    "2026-03-15-preview",
    "2026-05-15-preview",
    "2026-07-15-preview",
    "2026-09-15-preview",
)

DATA_PLANE_STABLE = ("2022-12-01", "2023-05-15", "2024-02-01", "2024-06-01", "2024-10-21")
AUTHORING_PREVIEW = (
    "2022-03-01-preview",
    "2022-06-01-preview",
    "2023-03-15-preview",
    "2023-04-01-preview",
    "2023-04-15-preview",
    "2023-06-01-preview",
    "2023-07-01-preview",
    "2023-08-01-preview",
    "2023-09-01-preview",
    "2023-10-01-preview",
    "2023-12-01-preview",
    "2024-02-15-preview",
    "2024-03-01-preview",
    "2024-04-01-preview",
    "2024-05-01-preview",
    "2024-07-01-preview",
    "2024-08-01-preview",
    "2024-09-01-preview",
    "2024-10-01-preview",
    "2024-12-01-preview",
    "2025-01-01-preview",
    "2025-02-01-preview",
    "2025-03-01-preview",
    "2025-04-01-preview",
)
INFERENCE_PREVIEW = (
    "2022-03-01-preview",
    "2022-06-01-preview",
    "2023-03-15-preview",
    "2023-06-01-preview",
    "2023-07-01-preview",
    "2023-08-01-preview",
    "2023-09-01-preview",
    "2023-10-01-preview",
    "2023-11-01-preview",
    "2023-12-01-preview",
    "2024-02-15-preview",
    "2024-03-01-preview",
    "2024-04-01-preview",
    "2024-05-01-preview",
    "2024-07-01-preview",
    "2024-08-01-preview",
    "2024-09-01-preview",
    "2024-10-01-preview",
    "2024-12-01-preview",
    "2025-01-01-preview",
    "2025-02-01-preview",
    "2025-03-01-preview",
    "2025-04-01-preview",
)
V1_VERSIONS = ("v1", "preview")

ARM_VERSIONS = frozenset(ARM_STABLE + ARM_PREVIEW)


class Surface(Enum):
    """Which published spec a data-plane route belongs to."""

    AUTHORING = "authoring"
    INFERENCE = "inference"

    @property
    def versions(self) -> frozenset[str]:
        preview = AUTHORING_PREVIEW if self is Surface.AUTHORING else INFERENCE_PREVIEW
        return frozenset(DATA_PLANE_STABLE + preview)


def _newest_first(versions: frozenset[str]) -> list[str]:
    # A date sorts a stable release after its own preview ("2025-04-01" > "2025-04-01-preview").
    return sorted(versions, key=lambda v: (v[:10], not v.endswith("-preview")), reverse=True)


def check_arm(version: str | None) -> None:
    """Refuse a missing or unpublished ARM api-version as ARM does."""
    if not version:
        raise ArmError(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    if version not in ARM_VERSIONS:
        raise ArmError(
            400,
            "InvalidApiVersionParameter",
            f"The api-version '{version[:40]}' is invalid. The supported versions are "
            f"'{','.join(_newest_first(ARM_VERSIONS))}'.",
        )


def unsupported() -> ApiError:
    # Imported here: the data-plane package imports this module while it loads its routes.
    from reconciler.emulator.dataplane.errors import ApiError

    return ApiError(400, "BadRequest", "API version not supported", param="api-version", bare=True)


def check_data_plane(version: str | None, *, v1: bool, surface: Surface) -> None:
    """Refuse an api-version the data plane does not publish for this URL style and route."""
    if v1:
        if version is not None and version not in V1_VERSIONS:
            raise unsupported()
        return
    if not version:
        from reconciler.emulator.dataplane.errors import ApiError

        raise ApiError(404, "404", "Resource not found", v1_code="not_found", bare=True)
    if version not in surface.versions:
        raise unsupported()
