"""connection.json: what the emulator writes is what a client reads, and a broken file is
refused by field, never by value."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from reconciler.emulator.identities import issue
from reconciler.emulator_connection import (
    CONNECTION_FILE,
    ConnectionFileError,
    EmulatorConnection,
    TenantTokens,
    UnknownIdentity,
    load_connection,
    write_connection,
)

TENANT = "00000000-0000-0000-0000-0000000000aa"
OTHER = "00000000-0000-0000-0000-0000000000bb"
SECRETS = ("mgmt-secret", "cog-secret", "mgmt-other", "cog-other", "key-swc")


def connection(data_dir: Path) -> EmulatorConnection:
    return EmulatorConnection(
        endpoint="https://127.0.0.1:4443",
        ca_file=str(data_dir / "ca.pem"),
        default_tenant=TENANT,
        tenants={
            TENANT: TenantTokens("mgmt-secret", "cog-secret"),
            OTHER: TenantTokens("mgmt-other", "cog-other"),
        },
        api_keys={"aoai-swc": "key-swc"},
        data_dir=str(data_dir),
        pid=4321,
    )


def test_written_then_read_is_the_same_connection(tmp_path: Path) -> None:
    written = connection(tmp_path)
    path = write_connection(tmp_path, written)
    assert path == tmp_path / CONNECTION_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # it holds every token and key
    read = load_connection(tmp_path)
    assert read == written
    assert read.management_token(OTHER.upper()) == "mgmt-other"
    assert read.cognitive_token() == "cog-secret"
    assert read.api_key("AOAI-SWC") == "key-swc"
    assert read.account_endpoint("aoai-swc") == "https://127.0.0.1:4443/dp/aoai-swc/"
    # SPEC.md §5.7's keys
    assert set(json.loads(path.read_text())) >= {
        "endpoint",
        "ca",
        "default_tenant",
        "tenants",
        "api_keys",
    }


def test_no_secret_in_repr_or_unknown_identity(tmp_path: Path) -> None:
    read = connection(tmp_path)
    shown = repr(read)
    assert not any(secret in shown for secret in SECRETS)
    with pytest.raises(UnknownIdentity) as unknown:
        read.management_token("someone-else")
    assert "someone-else" in str(unknown.value)
    with pytest.raises(UnknownIdentity, match="no account nope"):
        read.api_key("nope")


def test_the_emulator_keeps_its_tokens_across_restarts(tmp_path: Path) -> None:
    first = issue(TENANT, [OTHER], ["aoai-swc"])
    write_connection(tmp_path, first.connection("https://127.0.0.1:1", "/ca.pem", "/d", 1))
    second = issue(TENANT, [OTHER.upper()], ["AOAI-SWC", "aoai-new"], load_connection(tmp_path))
    assert second.tenants[TENANT] == first.tenants[TENANT]
    assert second.tenants[OTHER.upper()] == first.tenants[OTHER]
    assert second.api_keys["AOAI-SWC"] == first.api_keys["aoai-swc"]
    assert second.api_keys["aoai-new"] not in first.api_keys.values()


def _write(tmp_path: Path, text: str) -> None:
    (tmp_path / CONNECTION_FILE).write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("ca"), "missing ca"),
        (lambda d: d.update(tenants=[]), "tenants and api_keys must be objects"),
        (lambda d: d["tenants"][OTHER].pop("cognitive_token"), f"tenant {OTHER} needs"),
        (lambda d: d["tenants"].pop(TENANT), f"no tokens for the default tenant {TENANT}"),
        (lambda d: d["api_keys"].update({"aoai-swc": 7}), "api key of account aoai-swc"),
        (lambda d: d.update(pid="key-swc"), "pid must be a positive integer"),
    ],
)
def test_a_broken_file_is_refused_by_field(tmp_path: Path, change: object, expected: str) -> None:
    document = connection(tmp_path).to_json()
    change(document)  # type: ignore[operator]
    _write(tmp_path, json.dumps(document))
    with pytest.raises(ConnectionFileError) as refused:
        load_connection(tmp_path)
    message = str(refused.value)
    assert message.startswith(str(tmp_path / CONNECTION_FILE))
    assert expected in message
    assert not any(secret in message for secret in SECRETS)


def test_not_json_names_the_place(tmp_path: Path) -> None:
    _write(tmp_path, '{"endpoint": "x",\n "ca": mgmt-secret}')
    with pytest.raises(ConnectionFileError) as refused:
        load_connection(tmp_path)
    message = str(refused.value)
    assert f"{tmp_path / CONNECTION_FILE}:2:8: not JSON" in message
    assert "mgmt-secret" not in message
    _write(tmp_path, "[]")
    with pytest.raises(ConnectionFileError, match="expected a JSON object"):
        load_connection(tmp_path)


def test_never_written_through_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    target.write_text("untouched", encoding="utf-8")
    (tmp_path / CONNECTION_FILE).symlink_to(target)
    write_connection(tmp_path, connection(tmp_path))
    assert target.read_text(encoding="utf-8") == "untouched"
    assert not (tmp_path / CONNECTION_FILE).is_symlink()
    assert load_connection(tmp_path) == connection(tmp_path)
