"""The emulator's api-version lists are the ones recorded with the contract schemas
(tests/contract/schemas/*/api-versions.json, each with its source): two records of one fact."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.emulator import api_versions
from reconciler.emulator.arm_errors import ArmError
from reconciler.emulator.dataplane.errors import ApiError

SCHEMAS = Path(__file__).resolve().parents[2] / "contract" / "schemas"


def _recorded(surface: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (SCHEMAS / surface / "api-versions.json").read_text(encoding="utf-8")
    )
    return loaded


def test_arm_versions_match_the_recorded_folders() -> None:
    recorded = _recorded("arm")
    assert list(api_versions.ARM_STABLE) == recorded["stable"]
    assert list(api_versions.ARM_PREVIEW) == recorded["preview"]


def test_authoring_and_v1_versions_match_the_recorded_folders() -> None:
    recorded = _recorded("openai")
    assert list(api_versions.DATA_PLANE_STABLE) == recorded["api_version_style"]["stable"]
    assert list(api_versions.AUTHORING_PREVIEW) == recorded["api_version_style"]["preview"]
    assert list(api_versions.V1_VERSIONS) == recorded["v1"]["allowed"]


def test_inference_differs_from_authoring_only_where_the_folders_do() -> None:
    inference = set(api_versions.INFERENCE_PREVIEW)
    authoring = set(api_versions.AUTHORING_PREVIEW)
    assert inference - authoring == {"2023-11-01-preview"}
    assert authoring - inference == {"2023-04-01-preview", "2023-04-15-preview"}


def test_arm_refusal_lists_the_supported_versions_newest_first() -> None:
    with pytest.raises(ArmError) as refused:
        api_versions.check_arm("2099-01-01")
    supported = refused.value.message.split("are '")[1].rstrip("'.").split(",")
    assert supported[0] == "2026-09-15-preview"
    assert supported.index("2025-04-01-preview") > supported.index("2025-06-01")
    assert len(supported) == len(api_versions.ARM_VERSIONS)
    with pytest.raises(ArmError) as missing:
        api_versions.check_arm(None)
    assert missing.value.code == "MissingApiVersionParameter"


@pytest.mark.parametrize(
    ("version", "v1", "surface", "status"),
    [
        (None, False, api_versions.Surface.AUTHORING, 404),
        ("2025-01-01", False, api_versions.Surface.AUTHORING, 400),
        ("2023-11-01-preview", False, api_versions.Surface.AUTHORING, 400),
        ("2023-04-15-preview", False, api_versions.Surface.INFERENCE, 400),
        ("2024-10-21", True, api_versions.Surface.AUTHORING, 400),
    ],
)
def test_data_plane_refusals(
    version: str | None, v1: bool, surface: api_versions.Surface, status: int
) -> None:
    with pytest.raises(ApiError) as refused:
        api_versions.check_data_plane(version, v1=v1, surface=surface)
    assert refused.value.status == status


def test_data_plane_accepts_published_versions() -> None:
    for version in (None, "v1", "preview"):
        api_versions.check_data_plane(version, v1=True, surface=api_versions.Surface.AUTHORING)
    api_versions.check_data_plane(
        "2023-11-01-preview", v1=False, surface=api_versions.Surface.INFERENCE
    )
    api_versions.check_data_plane(
        "2025-01-01-preview", v1=False, surface=api_versions.Surface.AUTHORING
    )
