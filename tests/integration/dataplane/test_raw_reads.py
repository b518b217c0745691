"""The raw readers (``raw_read.ArmReader``, ``DataPlaneReader`` over ``https_json``) against the
SDK clients they stand in for: the same requests (paths, api-version, pages), the same items,
the same errors, and a wire log as the SDKs' hooks write it.

A private emulator: the tests change its ARM page size.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from reconciler.azure import read
from reconciler.azure.clients import Clients
from reconciler.azure.https_json import HttpsJson, tls_context
from reconciler.azure.raw_read import ARM_API_VERSION, ArmReader, DataPlaneReader
from reconciler.azure.target import emulator_target
from reconciler.azure.wire_log import WireLog
from reconciler.emulator.process import RunningEmulator
from reconciler.errors import AuthError, NotFoundError

from .dataplane_support import NCUS, RG, SWC, DataPlane, chat_lines, jsonl

SUB = "00000000-0000-0000-0000-000000000001"
SUB2 = "00000000-0000-0000-0000-000000000002"
TENANT2 = "22222222-2222-2222-2222-222222222222"


@pytest.fixture(scope="module")
def dp(
    tmp_path_factory: pytest.TempPathFactory, private_emulator: Any, make_arm_client: Any
) -> Iterator[DataPlane]:
    running: RunningEmulator = private_emulator(Path(tmp_path_factory.mktemp("raw-reads")))
    plane = DataPlane(running, make_arm_client)
    plane.v1().files.create(file=("a.jsonl", jsonl(chat_lines(3))), purpose="fine-tune")
    plane.v1().files.create(file=("b.jsonl", jsonl(chat_lines(4))), purpose="fine-tune")
    try:
        yield plane
    finally:
        running.stop()


@pytest.fixture
def clients(dp: DataPlane, tmp_path: Path) -> Iterator[Clients]:
    made = Clients(
        emulator_target(Path(dp.connection.data_dir)), wire_log=WireLog(tmp_path / "wire.jsonl")
    )
    try:
        yield made
    finally:
        made.close()
        assert made.wire_log is not None
        made.wire_log.close()


@pytest.fixture
def small_pages(dp: DataPlane) -> Iterator[None]:
    dp.admin.post("/_emulator/config", json={"arm_page_size": 1}).raise_for_status()
    try:
        yield
    finally:
        dp.admin.post("/_emulator/config", json={"arm_page_size": 100}).raise_for_status()


def _https(dp: DataPlane) -> HttpsJson:
    return HttpsJson(tls_context(dp.connection.ca_file), timeout=30, plane="arm")


def _sent(dp: DataPlane) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(method, path, sorted query) of each request the emulator received, then forgets them."""
    log = dp.admin.get("/_emulator/requests").json()["requests"]
    dp.admin.delete("/_emulator/requests").raise_for_status()
    out = []
    for r in log:
        parts = urlsplit(r["path"])
        out.append((r["method"], parts.path, sorted(parse_qsl(parts.query))))
    return out


ARM_LISTS = {
    "accounts": lambda arm: read.list_accounts(arm, RG),
    "deployments": lambda arm: read.list_deployments(arm, RG, SWC),
    "content filters": lambda arm: read.list_rai_policies(arm, RG, SWC),
    "location models": lambda arm: read.list_location_models(arm, "swedencentral"),
    "usages": lambda arm: read.list_usages(arm, "swedencentral"),
}


def _logged_urls(clients: Clients) -> list[str]:
    """The URLs of the requests in the wire log so far (query included), then forgets them."""
    assert clients.wire_log is not None
    path = clients.wire_log.path
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    path.write_text("", encoding="utf-8")
    return [r["url"] for r in records if r["kind"] == "request"]


@pytest.mark.usefixtures("small_pages")
@pytest.mark.parametrize("what", sorted(ARM_LISTS))
def test_arm_reader_sends_the_sdks_requests_and_reads_the_same_items(
    dp: DataPlane, clients: Clients, what: str
) -> None:
    listing = ARM_LISTS[what]
    _sent(dp)
    by_sdk = listing(clients.arm(SUB))
    sdk_requests, sdk_urls = _sent(dp), _logged_urls(clients)
    raw = listing(clients.arm_reader(SUB))
    raw_requests, raw_urls = _sent(dp), _logged_urls(clients)
    assert raw == by_sdk
    assert raw_requests == sdk_requests
    assert raw_urls == sdk_urls
    assert all(f"api-version={ARM_API_VERSION}" in url for url in raw_urls)
    if what == "accounts":  # two accounts, one a page: the nextLink was followed
        assert len(raw) == 2 and len(raw_requests) >= 2


def test_arm_api_version_is_the_management_sdks() -> None:
    """The contract is vendored for this api-version; the SDK's writes use its default."""
    from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

    client = CognitiveServicesManagementClient(object(), SUB)  # type: ignore[arg-type]
    assert client._config.api_version == ARM_API_VERSION


def test_arm_errors_read_as_the_sdks(dp: DataPlane, clients: Clients) -> None:
    said = []
    for arm in (clients.arm(SUB), clients.arm_reader(SUB)):
        with pytest.raises(NotFoundError) as missing:
            read.list_deployments(arm, RG, "aoai-nowhere")
        with pytest.raises(NotFoundError) as no_group:
            read.list_accounts(arm, "rg-nowhere")
        assert missing.value.status == 404
        assert missing.value.code
        said.append((str(missing.value), str(no_group.value), missing.value.code))
    assert said[0] == said[1]


def test_a_rejected_arm_token_is_an_auth_error_as_with_the_sdk(
    dp: DataPlane, clients: Clients, make_arm_client: Any
) -> None:
    by_sdk_client = make_arm_client(dp.connection, token="not-a-token")
    with pytest.raises(AuthError) as by_sdk:
        read.list_accounts(by_sdk_client, RG)
    reader = ArmReader(dp.connection.endpoint, SUB, lambda: ("not-a-token", 4e9), _https(dp))
    with pytest.raises(AuthError) as raw:
        read.list_accounts(reader, RG)
    assert str(raw.value) == str(by_sdk.value)
    assert raw.value.status == by_sdk.value.status == 401


def test_the_arm_token_is_asked_for_once_while_valid(dp: DataPlane, clients: Clients) -> None:
    asked: list[int] = []

    def token() -> tuple[str, float]:
        asked.append(1)
        return dp.connection.management_token(), 4e9

    reader = ArmReader(dp.connection.endpoint, SUB, token, _https(dp))
    for _ in range(3):
        read.list_accounts(reader, RG)
    assert len(asked) == 1


def test_each_subscription_reads_with_a_token_of_its_tenant(
    dp: DataPlane, clients: Clients
) -> None:
    other = read.list_accounts(clients.arm_reader(SUB2, TENANT2), "rg-other")
    with pytest.raises(AuthError, match="InvalidAuthenticationTokenTenant"):
        read.list_accounts(clients.arm_reader(SUB2), "rg-other")  # the default tenant's
    assert [a["name"] for a in other] == ["aoai-ncus-b"]


def test_data_plane_reader_lists_what_openai_lists(dp: DataPlane, clients: Clients) -> None:
    reader = clients.data_plane_reader(
        dp.endpoint(SWC), api_key_env=None, where=SWC, tenant_id=None
    )
    assert isinstance(reader, DataPlaneReader)
    raw_files = read.list_files(reader, SWC)
    sdk_files = read.list_files(dp.v1(), SWC)
    assert [f["id"] for f in raw_files] == [f["id"] for f in sdk_files]
    assert len(raw_files) >= 2
    assert read.list_jobs(reader, SWC) == read.list_jobs(dp.v1(), SWC)
    assert read.list_files(clients.data_plane_reader(
        dp.endpoint(NCUS), api_key_env=None, where=NCUS, tenant_id=None
    ), NCUS) == []  # fmt: skip


def test_the_wire_log_holds_each_raw_read_as_the_sdks_hooks_write_them(
    dp: DataPlane, clients: Clients
) -> None:
    read.list_accounts(clients.arm_reader(SUB), RG)
    reader = clients.data_plane_reader(
        dp.endpoint(SWC), api_key_env=None, where=SWC, tenant_id=None
    )
    read.list_files(reader, SWC)
    assert clients.wire_log is not None
    lines = clients.wire_log.path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    requests = [r for r in records if r["kind"] == "request"]
    responses = {r["seq"]: r for r in records if r["kind"] == "response"}
    assert [(r["plane"], r["method"]) for r in requests] == [("arm", "GET"), ("data", "GET")]
    for request in requests:
        assert request["headers"]["authorization"] == "Bearer [REDACTED]"
        answer = responses[request["seq"]]
        assert answer["status"] == 200 and answer["plane"] == request["plane"]
        assert isinstance(answer["body"], dict) and answer["body_bytes"] > 0
    assert requests[0]["url"].endswith(f"/accounts?api-version={ARM_API_VERSION}")
    token = dp.connection.management_token()
    assert token not in "\n".join(lines)
