"""Data-plane api-versions: only the published ones, per URL style and per spec (authoring for
files and jobs, inference for chat), refused as Azure OpenAI refuses the others."""

from __future__ import annotations

import openai
import pytest

from .dataplane_support import DataPlane

NOT_SUPPORTED = {"error": {"code": "BadRequest", "message": "API version not supported"}}


@pytest.mark.parametrize(
    "version",
    ["2024-10-21", "2024-06-01", "2023-05-15", "2025-04-01-preview", "2024-12-01-preview"],
)
def test_published_authoring_versions_are_served(dp: DataPlane, version: str) -> None:
    with dp.raw() as raw:
        answer = raw.get("/openai/files", params={"api-version": version})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    "version", ["2025-09-01", "2024-10-01", "2025-05-01-preview", "2023-11-01-preview", "v1"]
)
def test_unpublished_authoring_versions_are_400_as_azure_answers(
    dp: DataPlane, version: str
) -> None:
    # 2023-11-01-preview was published for inference only; 2025-09-01 and 2024-10-01 are ARM's.
    with dp.raw() as raw:
        answer = raw.get("/openai/files", params={"api-version": version})
    assert answer.status_code == 400
    assert answer.json() == NOT_SUPPORTED


def test_the_azure_sdk_with_an_unpublished_version_gets_the_refusal(dp: DataPlane) -> None:
    client = openai.AzureOpenAI(
        azure_endpoint=dp.endpoint(),
        api_key=dp.connection.api_key("aoai-swc"),
        api_version="2025-09-01",
        http_client=openai.DefaultHttpxClient(verify=dp.ssl),
        max_retries=0,
    )
    with pytest.raises(openai.BadRequestError) as refused:
        client.files.list()
    assert refused.value.status_code == 400
    assert refused.value.body == NOT_SUPPORTED["error"]


def test_chat_takes_the_inference_versions(dp: DataPlane) -> None:
    path = "/openai/deployments/nowhere/chat/completions"
    body = {"messages": [{"role": "user", "content": "hi"}]}
    with dp.raw() as raw:
        for version in ("2025-01-01-preview", "2024-10-21", "2023-11-01-preview"):
            # Past the api-version check: the deployment does not exist.
            answer = raw.post(path, params={"api-version": version}, json=body)
            assert answer.status_code == 404, (version, answer.text)
            assert answer.json()["error"]["code"] == "DeploymentNotFound"
        refused = raw.post(path, params={"api-version": "2025-05-01-preview"}, json=body)
        assert refused.status_code == 400
        assert refused.json() == NOT_SUPPORTED
        # 2023-04-15-preview was published for authoring (images) only.
        assert raw.post(path, params={"api-version": "2023-04-15-preview"}, json=body).json() == (
            NOT_SUPPORTED
        )


def test_v1_takes_no_version_v1_or_preview_only(dp: DataPlane) -> None:
    with dp.raw() as raw:
        for params in ({}, {"api-version": "v1"}, {"api-version": "preview"}):
            assert raw.get("/openai/v1/files", params=params).status_code == 200, params
        refused = raw.get("/openai/v1/files", params={"api-version": "2025-04-01-preview"})
    assert refused.status_code == 400
    assert refused.json() == {
        "error": {
            "message": "API version not supported",
            "type": "invalid_request_error",
            "param": "api-version",
            "code": "BadRequest",
        }
    }
    client = openai.OpenAI(
        base_url=f"{dp.endpoint()}/openai/v1",
        api_key=dp.connection.api_key("aoai-swc"),
        default_query={"api-version": "2024-10-21"},
        http_client=openai.DefaultHttpxClient(verify=dp.ssl),
        max_retries=0,
    )
    with pytest.raises(openai.BadRequestError):
        client.models.list()


def test_no_api_version_on_the_azure_style_is_404(dp: DataPlane) -> None:
    with dp.raw() as raw:
        answer = raw.get("/openai/files")
    assert answer.status_code == 404
    assert answer.json() == {"error": {"code": "404", "message": "Resource not found"}}
