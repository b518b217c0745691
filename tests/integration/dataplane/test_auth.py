"""Authentication as Azure does it, in each URL style's error shape."""

from __future__ import annotations

import openai
import pytest

from .dataplane_support import API_VERSION, BASE, NCUS, SWC, DataPlane

OTHER = "aoai-ncus-b"  # subscription 2, tenant 2222...
TENANT2 = "22222222-2222-2222-2222-222222222222"
TOKEN_REFUSED = (
    "Unauthorized. Access token is missing, invalid, audience is incorrect "
    "(https://cognitiveservices.azure.com), or have expired."
)

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


def entra(dp: DataPlane, token: str, account: str = SWC) -> openai.AzureOpenAI:
    """The api-version client with an Entra token (``Authorization: Bearer <token>``)."""
    return openai.AzureOpenAI(
        azure_endpoint=dp.endpoint(account),
        azure_ad_token=token,
        api_version=API_VERSION,
        http_client=openai.DefaultHttpxClient(verify=dp.ssl),
        max_retries=0,
    )


def test_bearer_token_and_bearer_key_are_accepted(dp: DataPlane) -> None:
    token = dp.connection.cognitive_token()  # aoai-swc is in the default tenant
    assert isinstance(entra(dp, token).files.list().data, list)
    assert BASE in {m.id for m in dp.v1(key=token).models.list()}
    assert BASE in {m.id for m in dp.v1().models.list()}  # the key as "Authorization: Bearer KEY"
    with dp.raw() as raw:  # the key as "api-key: KEY", in both styles
        assert raw.get("/openai/files", params={"api-version": API_VERSION}).status_code == 200
        assert raw.get("/openai/v1/files").status_code == 200


def test_another_accounts_key_is_401_in_both_shapes(dp: DataPlane) -> None:
    other_key = dp.connection.api_key(NCUS)
    with dp.raw(auth=False) as raw:
        header = {"api-key": other_key}
        azure = raw.get("/openai/files", params={"api-version": API_VERSION}, headers=header)
        v1 = raw.get("/openai/v1/files", headers=header)
    assert azure.status_code == v1.status_code == 401
    assert azure.json()["error"]["code"] == "401"
    assert azure.json()["error"]["message"] == ACCESS_DENIED
    assert v1.json()["error"]["code"] == "invalid_api_key"
    with pytest.raises(openai.AuthenticationError):
        dp.v1(key=other_key).files.list()  # as "Authorization: Bearer KEY"


def test_the_key_as_a_bearer_token_is_for_the_v1_style_only(dp: DataPlane) -> None:
    key = dp.connection.api_key(SWC)
    with pytest.raises(openai.AuthenticationError) as refused:
        entra(dp, key).files.list()
    assert refused.value.status_code == 401
    assert isinstance(dp.v1(key=key).files.list().data, list)


def test_a_management_token_is_not_a_data_plane_credential(dp: DataPlane) -> None:
    arm_token = dp.connection.management_token()  # right tenant, wrong audience
    with pytest.raises(openai.AuthenticationError) as v1:
        dp.v1(key=arm_token).files.list()
    with pytest.raises(openai.AuthenticationError) as azure:
        entra(dp, arm_token).files.list()
    assert v1.value.status_code == azure.value.status_code == 401
    assert azure.value.body["message"] == TOKEN_REFUSED  # type: ignore[index]
    assert arm_token not in str(azure.value.body)


def test_a_token_works_only_for_the_accounts_of_its_tenant(dp: DataPlane) -> None:
    other_tenant = dp.connection.cognitive_token(TENANT2)  # aoai-ncus-b's tenant
    with pytest.raises(openai.AuthenticationError) as refused:
        entra(dp, other_tenant, SWC).files.list()
    assert refused.value.body["code"] == "401"  # type: ignore[index]
    assert isinstance(entra(dp, other_tenant, OTHER).files.list().data, list)
    with pytest.raises(openai.AuthenticationError):
        entra(dp, dp.connection.cognitive_token(), OTHER).files.list()


def test_unknown_account_and_missing_api_version_are_404(dp: DataPlane) -> None:
    with dp.raw() as raw:
        assert raw.get("/openai/files").status_code == 404  # no api-version
        assert raw.get("/openai/v1/no-such-route").status_code == 404
    url = dp.endpoint().replace("/dp/aoai-swc", "/dp/aoai-nowhere")
    with (
        openai.OpenAI(
            base_url=f"{url}/openai/v1",
            api_key=dp.connection.api_key(SWC),
            http_client=openai.DefaultHttpxClient(verify=dp.ssl),
            max_retries=0,
        ) as client,
        pytest.raises(openai.NotFoundError),
    ):
        client.files.list()
