"""The tool's credentials against the emulator: a token per tenant and audience, as
azure-identity gives them on Azure; the key api_key_env names; never a secret in a message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.azure.credentials import (
    EmulatorCredential,
    auxiliary_token,
    credential,
    data_plane_key,
)
from reconciler.azure.target import (
    ARM_SCOPE,
    DATA_PLANE_SCOPE,
    ENV_EMULATOR,
    Target,
    resolve_target,
)
from reconciler.errors import AuthError, ReconcilerError

DEFAULT = "11111111-1111-1111-1111-111111111111"
OTHER = "22222222-2222-2222-2222-222222222222"
SECRETS = {
    "mgmt-default",
    "cog-default",
    "mgmt-other",
    "cog-other",
    "key-swc",
    "key-ncus-b",
}


def document() -> dict[str, Any]:
    return {
        "endpoint": "https://127.0.0.1:9/",
        "ca": "/somewhere/ca.pem",
        "default_tenant": DEFAULT,
        "tenants": {
            DEFAULT: {"management_token": "mgmt-default", "cognitive_token": "cog-default"},
            OTHER: {"management_token": "mgmt-other", "cognitive_token": "cog-other"},
        },
        "api_keys": {"aoai-swc": "key-swc", "aoai-ncus-b": "key-ncus-b"},
        "pid": 1,
    }


@pytest.fixture
def target(tmp_path: Path) -> Target:
    (tmp_path / "connection.json").write_text(json.dumps(document()), encoding="utf-8")
    return resolve_target({ENV_EMULATOR: str(tmp_path)})


def test_the_connection_file_gives_endpoint_ca_and_tenants(target: Target) -> None:
    assert target.is_emulator
    assert target.arm_endpoint == "https://127.0.0.1:9"
    assert target.ca_file == "/somewhere/ca.pem"
    connection = target.emulator
    assert connection is not None
    assert connection.default_tenant == DEFAULT
    assert connection.management_token(OTHER.upper()) == "mgmt-other"  # GUIDs: any case
    assert connection.api_key("AOAI-SWC") == "key-swc"
    for shown in (repr(target), repr(connection), str(connection)):
        assert not [s for s in SECRETS if s in shown]


def test_tokens_per_scope_and_tenant(target: Target) -> None:
    default = credential(target)
    assert default.get_token(ARM_SCOPE).token == "mgmt-default"
    assert default.get_token(DATA_PLANE_SCOPE).token == "cog-default"
    assert default.get_token(ARM_SCOPE, tenant_id=OTHER).token == "mgmt-other"
    other = credential(target, OTHER)  # an ARM client of a subscription in OTHER
    assert other.get_token(ARM_SCOPE).token == "mgmt-other"
    assert other.get_token(DATA_PLANE_SCOPE).token == "cog-other"
    assert other.get_token(DATA_PLANE_SCOPE, tenant_id=DEFAULT).token == "cog-default"
    assert isinstance(other, EmulatorCredential)
    assert "mgmt" not in repr(other)


def test_an_unknown_tenant_or_scope_is_an_auth_error_without_secrets(target: Target) -> None:
    with pytest.raises(AuthError) as unknown:
        credential(target).get_token(ARM_SCOPE, tenant_id="33333333-3333-3333-3333-333333333333")
    message = str(unknown.value)
    assert "33333333-3333-3333-3333-333333333333" in message
    assert DEFAULT in message and OTHER in message  # which tenants it does know
    assert not [s for s in SECRETS if s in message]
    with pytest.raises(AuthError, match="issues tokens for"):
        credential(target).get_token("https://storage.azure.com/.default")


def test_the_data_plane_uses_the_accounts_tenant(target: Target) -> None:
    provider = data_plane_key(target, None, "other (aoai-ncus-b)", OTHER)
    assert callable(provider)
    assert provider() == "cog-other"
    default = data_plane_key(target, None, "swc (aoai-swc)", None)
    assert callable(default)
    assert default() == "cog-default"


def test_api_key_env_is_sent_as_it_is(target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_KEY_B", "key-ncus-b")
    assert data_plane_key(target, "AZURE_OPENAI_KEY_B", "other", OTHER) == "key-ncus-b"
    monkeypatch.delenv("AZURE_OPENAI_KEY_B")
    with pytest.raises(AuthError, match=r"AZURE_OPENAI_KEY_B .* is not set"):
        data_plane_key(target, "AZURE_OPENAI_KEY_B", "other", OTHER)


def test_the_auxiliary_token_is_the_source_tenants_management_token(target: Target) -> None:
    assert auxiliary_token(target, OTHER) == "mgmt-other"
    assert auxiliary_token(target, None) == "mgmt-default"


def test_an_old_or_broken_connection_file_is_refused_by_name(tmp_path: Path) -> None:
    old = {"endpoint": "https://127.0.0.1:9", "ca_file": "/x", "token": "t0k", "api_key": "k3y"}
    (tmp_path / "connection.json").write_text(json.dumps(old), encoding="utf-8")
    with pytest.raises(ReconcilerError) as refused:
        resolve_target({ENV_EMULATOR: str(tmp_path)})
    message = str(refused.value)
    assert "not a readable emulator connection file" in message
    assert "missing ca, default_tenant" in message
    assert "t0k" not in message and "k3y" not in message

    broken = document()
    del broken["tenants"][DEFAULT]
    (tmp_path / "connection.json").write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(ReconcilerError, match="no tokens for the default tenant"):
        resolve_target({ENV_EMULATOR: str(tmp_path)})
