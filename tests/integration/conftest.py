"""Fixtures for integration tests: a real emulator over HTTPS, the real SDK clients, and
Azure's published shapes (tests/contract/examples) to check answers against.

``emulator`` is one server for the whole session (seed: tests/fixtures/emulator-seed.yaml);
tests that move the clock far, restart the server or need slow provisioning start their own
with ``start_private_emulator``.
"""

from __future__ import annotations

import json
import os
import ssl
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx2
import pytest
from azure.core.credentials import AccessToken
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices import models as arm_models

from reconciler.emulator.process import RunningEmulator, start_emulator
from reconciler.emulator_connection import EmulatorConnection
from tests.contract.checker import check_request

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "emulator-seed.yaml"
SUB1 = "00000000-0000-0000-0000-000000000001"
SUB2 = "00000000-0000-0000-0000-000000000002"
# The seed puts SUB1 in the emulator's default tenant and SUB2 in this one.
TENANT2 = "22222222-2222-2222-2222-222222222222"
TENANT_OF = {SUB1: None, SUB2: TENANT2}
RG1 = "rg-ft"
RG2 = "rg-other"
# Short simulated provisioning keeps every LRO of the session well under a second.
PROVISION_SECONDS = 0.05


class StaticTokenCredential:
    """One token as an azure-core credential (all a TokenCredential needs)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self.token, int(time.time()) + 3600)

    def __repr__(self) -> str:
        return "StaticTokenCredential(***)"


def arm_client_for(
    connection: EmulatorConnection,
    subscription_id: str = SUB1,
    *,
    token: str | None = None,
    **options: Any,
) -> CognitiveServicesManagementClient:
    """The management client of a subscription, with the management token of its tenant (or
    ``token``, to present another one); ``options`` go to the client (api_version, ...)."""
    if token is None:
        token = connection.management_token(TENANT_OF.get(subscription_id))
    settings: dict[str, Any] = {
        "base_url": connection.endpoint,
        "connection_verify": connection.ca_file,
        "polling_interval": 0.05,
        "retry_total": 0,  # a refusal or injected fault must surface, not be retried away
        **options,
    }
    return CognitiveServicesManagementClient(
        StaticTokenCredential(token), subscription_id, **settings
    )


def http_client_for(connection: EmulatorConnection, *, token: bool = True) -> httpx2.Client:
    """A raw HTTPS client trusting the emulator's CA (for admin calls and raw ARM checks), with
    the default tenant's management token unless ``token`` is false."""
    headers = {"Authorization": f"Bearer {connection.management_token()}"} if token else {}
    return httpx2.Client(
        base_url=connection.endpoint,
        verify=ssl.create_default_context(cafile=connection.ca_file),
        headers=headers,
        timeout=10,
    )


def start_private_emulator(data_dir: Path, **options: Any) -> RunningEmulator:
    options.setdefault("provision_seconds", PROVISION_SECONDS)
    return start_emulator(data_dir, SEED, **options)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    running = start_private_emulator(tmp_path_factory.mktemp("emulator"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def emulator_connection(emulator: RunningEmulator) -> EmulatorConnection:
    return emulator.connection


@pytest.fixture(scope="session")
def arm_client(emulator: RunningEmulator) -> CognitiveServicesManagementClient:
    """CognitiveServicesManagementClient for subscription SUB1 over HTTPS with the emulator CA."""
    return arm_client_for(emulator.connection, SUB1)


@pytest.fixture(scope="session")
def arm_client_sub2(emulator: RunningEmulator) -> CognitiveServicesManagementClient:
    return arm_client_for(emulator.connection, SUB2)


@pytest.fixture(scope="session")
def http(emulator: RunningEmulator) -> Iterator[httpx2.Client]:
    with http_client_for(emulator.connection) as client:
        yield client


@pytest.fixture(scope="session")
def make_arm_client() -> Any:
    """``make_arm_client(connection, subscription_id=SUB1, token=None)`` for a private emulator
    or another token."""
    return arm_client_for


@pytest.fixture(scope="session")
def make_http_client() -> Any:
    """``make_http_client(connection, token=True)``: a raw HTTPS client trusting the CA."""
    return http_client_for


@pytest.fixture(scope="session")
def private_emulator() -> Any:
    """``private_emulator(data_dir, **options)``: a server of one's own (stop it yourself)."""
    return start_private_emulator


# --- every request the tool sends is checked against Azure's published contract -------------

_CONTRACT: dict[str, int] = {"requests": 0, "tests": 0}


@pytest.fixture(autouse=True)
def published_contract(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """The tool's wire log (``RECONCILER_LOG_HTTP``) for this test, read back afterwards: any
    request outside the published schema of its operation and api-version fails the test.
    (Tests that talk to the emulator through the SDKs directly are not the tool: no log.)"""
    log = tmp_path_factory.mktemp("wire") / "wire.jsonl"
    monkeypatch.setenv("RECONCILER_LOG_HTTP", str(log))
    yield
    if not log.exists():
        return
    problems: list[str] = []
    checked = 0
    for line in log.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("kind") != "request":
            continue
        checked += 1
        problems += [f"{record['method']} {record['url']}: {p}" for p in check_request(record)]
    _CONTRACT["requests"] += checked
    _CONTRACT["tests"] += 1
    assert not problems, "requests outside Azure's published contract:\n" + "\n".join(problems)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _CONTRACT["tests"]:
        terminalreporter.write_line(
            f"contract: {_CONTRACT['requests']} requests the tool sent in {_CONTRACT['tests']} "
            "tests, each checked against Azure's published schemas"
        )


# --- Azure's published shapes ---------------------------------------------------------------

PUBLISHED = Path(__file__).resolve().parent.parent / "contract" / "examples"

# A key tree: key -> the tree below it (None: a value whose keys are not checked).
Tree = dict[str, "Tree | None"]
FREE: None = None


def example(name: str, status: str = "200") -> Any:
    """The response body of a published example, by its path under tests/contract/examples
    (e.g. "arm/2025-09-01.ListLocationModels.json")."""
    doc = json.loads((PUBLISHED / name).read_text(encoding="utf-8"))
    return doc["responses"][status]["body"]


@cache
def schema_properties() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (PUBLISHED / "answer-properties.json").read_text(encoding="utf-8")
    )
    return loaded


def keys_of(sample: Any) -> Tree:
    """Every key the sample uses, by path; the items of a list are merged."""
    tree: Tree = {}
    _merge(tree, sample)
    return tree


def _merge(tree: Tree, sample: Any) -> None:
    if isinstance(sample, list):
        for item in sample:
            _merge(tree, item)
        return
    if not isinstance(sample, dict):
        return
    for key, value in sample.items():
        nested = isinstance(value, dict) or (
            isinstance(value, list) and any(isinstance(v, dict) for v in value)
        )
        if not nested:
            tree.setdefault(key, FREE)
            continue
        below = tree.get(key)
        if below is None:
            below = {}
            tree[key] = below
        _merge(below, value)


def sdk_keys(model: str) -> Tree:
    """The wire keys of an azure-mgmt-cognitiveservices model, recursively; string maps and
    plain values are FREE."""
    cls = getattr(arm_models, model)
    tree: Tree = {}
    for attribute in cls._attribute_map.values():
        kind = str(attribute["type"]).strip("[]")
        nested = getattr(arm_models, kind, None)
        has_map = hasattr(nested, "_attribute_map") and not kind.startswith("{")
        tree[str(attribute["key"])] = sdk_keys(kind) if has_map else FREE
    return tree


def unpublished(answer: Any, tree: Tree, path: str = "") -> list[str]:
    """Paths of keys in ``answer`` that ``tree`` does not have."""
    found: list[str] = []
    if isinstance(answer, list):
        for item in answer:
            found += unpublished(item, tree, f"{path}[]")
        return found
    if not isinstance(answer, dict):
        return found
    for key, value in answer.items():
        where = f"{path}.{key}" if path else key
        if key not in tree:
            found.append(where)
            continue
        below = tree[key]
        if below is not None:
            found += unpublished(value, below, where)
    return found


@pytest.fixture(scope="session")
def published() -> SimpleNamespace:
    """``published.example(file)``, ``keys_of(sample)``, ``sdk_keys(model)``,
    ``schema_properties()`` and ``unpublished(answer, tree)`` (the keys a tree lacks)."""
    return SimpleNamespace(
        example=example,
        keys_of=keys_of,
        sdk_keys=sdk_keys,
        schema_properties=schema_properties,
        unpublished=unpublished,
    )
