"""A hostile name or id cannot change which resource a request addresses.

The tool's Azure calls (reconciler/azure) run here with the real SDKs against an emulator of
this module's own (a request that escaped onto the account must not hurt other tests); the
emulator's request log shows the paths it received.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.azure import lookup, read, write
from reconciler.emulator.process import RunningEmulator
from reconciler.errors import AzureError

from .dataplane_support import RG, SWC, DataPlane

HOSTILE = ["..", ".", "../x", "a/b", "%2e%2e", "%2E.", "a?b", "a#b", "a\\b", ""]
SUB = "00000000-0000-0000-0000-000000000001"
ACCOUNT_PATH = (
    f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.CognitiveServices/accounts/{SWC}"
)


@pytest.fixture(scope="module")
def hp(
    tmp_path_factory: pytest.TempPathFactory, private_emulator: Any, make_arm_client: Any
) -> Iterator[DataPlane]:
    running: RunningEmulator = private_emulator(Path(tmp_path_factory.mktemp("hostile")))
    try:
        yield DataPlane(running, make_arm_client)
    finally:
        running.stop()


def _requests(hp: DataPlane) -> list[tuple[str, str]]:
    log = hp.admin.get("/_emulator/requests").json()["requests"]
    return [(r["method"], r["path"]) for r in log]


def _clear(hp: DataPlane) -> None:
    hp.admin.delete("/_emulator/requests").raise_for_status()


def _arm_calls(hp: DataPlane) -> dict[str, Callable[[str], object]]:
    arm = hp.arm()
    body = write.deployment_body(
        model_name="gpt-4.1-mini", model_version="2025-04-14", sku_name="Standard", capacity=1,
        tags={},
    )  # fmt: skip
    return {
        "GET": lambda name: lookup.get_deployment(arm, RG, SWC, name),
        "PUT": lambda name: write.put_deployment(arm, RG, SWC, name, body),
        "PATCH": lambda name: write.patch_deployment(
            arm, RG, SWC, name, sku_name="Standard", capacity=2, tags={}
        ),
        "DELETE": lambda name: write.delete_deployment(arm, RG, SWC, name),
    }


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_deployment_name_sends_nothing(hp: DataPlane, name: str) -> None:
    for verb, call in _arm_calls(hp).items():
        _clear(hp)
        with pytest.raises(AzureError, match="refused to send a request: deployment name"):
            call(name)
        assert _requests(hp) == [], verb
    # The account is untouched: a folded DELETE .../deployments/.. would have removed it.
    assert [a["name"] for a in read.list_accounts(hp.arm(), RG)].count(SWC) == 1


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_account_or_resource_group_sends_nothing(hp: DataPlane, name: str) -> None:
    arm = hp.arm()
    _clear(hp)
    with pytest.raises(AzureError, match="refused to send a request: account"):
        write.delete_deployment(arm, RG, name, "dep")
    with pytest.raises(AzureError, match="refused to send a request: resource group"):
        read.list_accounts(arm, name)
    with pytest.raises(AzureError, match="refused to send a request: resource group"):
        read.list_deployments(arm, name, SWC)
    assert _requests(hp) == []


@pytest.mark.parametrize("bad", HOSTILE)
def test_a_hostile_job_or_file_id_sends_nothing(hp: DataPlane, bad: str) -> None:
    client = hp.v1()
    _clear(hp)
    calls: list[Callable[[], object]] = [
        lambda: read.list_checkpoints(client, SWC, bad),
        lambda: read.list_events(client, SWC, bad),
        lambda: read.job_results_csv(client, SWC, bad),
        lambda: list(read.iter_file_lines(client, SWC, bad)),
        lambda: write.get_file(client, SWC, bad),
        lambda: write.get_job(client, SWC, bad),
    ]
    for call in calls:
        with pytest.raises(AzureError, match=r"refused to send a request: (job|file) id"):
            call()
    assert _requests(hp) == []


def test_an_unusual_but_valid_name_addresses_exactly_its_own_path(hp: DataPlane) -> None:
    arm = hp.arm()
    _clear(hp)
    assert lookup.get_deployment(arm, RG, SWC, "a.b_c-1..x") is None
    assert lookup.get_deployment(arm, RG, SWC, "x" * 64) is None
    paths = [path for _, path in _requests(hp)]
    assert paths == [
        f"{ACCOUNT_PATH}/deployments/a.b_c-1..x",
        f"{ACCOUNT_PATH}/deployments/{'x' * 64}",
    ]


def test_a_long_hostile_value_is_cut_in_the_message(hp: DataPlane) -> None:
    with pytest.raises(AzureError) as caught:
        lookup.get_deployment(hp.arm(), RG, SWC, "../" + "s" * 500)
    assert "../" + "s" * 76 + "…" + chr(39) in str(caught.value)
    assert "s" * 80 not in str(caught.value)
