"""Authentication as Azure does it, in each URL style's error shape."""

from __future__ import annotations

import openai
import pytest

from .dataplane_support import API_VERSION, BASE, DataPlane

ACCESS_DENIED = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a "
    "valid key for an active subscription and use a correct regional API endpoint for your "
    "resource."
)


def test_no_key_is_401_in_both_shapes(dp: DataPlane) -> None:
    with dp.raw(auth=False) as raw:
        v1 = raw.get("/openai/v1/files")
        azure = raw.get("/openai/files", params={"api-version": API_VERSION})
    assert v1.status_code == azure.status_code == 401
    assert set(v1.json()["error"]) == {"message", "type", "param", "code"}
    assert v1.json()["error"]["message"] == ACCESS_DENIED
    assert azure.json()["error"]["code"] == "401"
    assert azure.json()["error"]["message"] == ACCESS_DENIED
    assert set(azure.json()["error"]) == {"code", "message", "target", "details", "innererror"}


def test_wrong_key_is_refused_by_the_sdks(dp: DataPlane) -> None:
    with pytest.raises(openai.AuthenticationError):
        dp.v1(key="wrong").files.list()
    with pytest.raises(openai.AuthenticationError) as error:
        dp.azure(key="wrong").fine_tuning.jobs.list()
    assert error.value.body["code"] == "401"  # type: ignore[index]


def test_bearer_token_and_bearer_key_are_accepted(dp: DataPlane) -> None:
    token = dp.connection.token
    entra = openai.AzureOpenAI(
        azure_endpoint=dp.endpoint(),
        azure_ad_token=token,
        api_version=API_VERSION,
        http_client=openai.DefaultHttpxClient(verify=dp.ssl),
        max_retries=0,
    )
    assert isinstance(entra.files.list().data, list)
    assert BASE in {m.id for m in dp.v1(key=token).models.list()}
    assert BASE in {m.id for m in dp.v1().models.list()}  # the key as "Authorization: Bearer KEY"


def test_unknown_account_and_missing_api_version_are_404(dp: DataPlane) -> None:
    with dp.raw() as raw:
        assert raw.get("/openai/files").status_code == 404  # no api-version
        assert raw.get("/openai/v1/no-such-route").status_code == 404
    url = dp.endpoint().replace("/dp/aoai-swc", "/dp/aoai-nowhere")
    with (
        openai.OpenAI(
            base_url=f"{url}/openai/v1",
            api_key=dp.connection.api_key,
            http_client=openai.DefaultHttpxClient(verify=dp.ssl),
            max_retries=0,
        ) as client,
        pytest.raises(openai.NotFoundError),
    ):
        client.files.list()
