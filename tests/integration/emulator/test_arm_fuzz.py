"""Malformed requests to every ARM route get an ARM error (4xx), never a 500."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.emulator.process import RunningEmulator
from tests.integration.emulator.poison_support import TEXT, assert_still_serves, encode

SUB1 = "00000000-0000-0000-0000-000000000001"
PROV = "/providers/Microsoft.CognitiveServices"
ACCOUNT = f"/subscriptions/{SUB1}/resourceGroups/rg-ft{PROV}/accounts/aoai-swc"
LOCATION = f"/subscriptions/{SUB1}{PROV}/locations/swedencentral"
API = "api-version=2025-09-01"

ROUTES = [
    ("GET", f"/subscriptions/{SUB1}{PROV}/accounts"),
    ("GET", f"/subscriptions/{SUB1}/resourceGroups/rg-ft{PROV}/accounts"),
    ("GET", ACCOUNT),
    ("GET", f"{ACCOUNT}/usages"),
    ("GET", f"{ACCOUNT}/models"),
    ("GET", f"{ACCOUNT}/deployments"),
    ("GET", f"{ACCOUNT}/deployments/fuzz"),
    ("PUT", f"{ACCOUNT}/deployments/fuzz"),
    ("PATCH", f"{ACCOUNT}/deployments/fuzz"),
    ("DELETE", f"{ACCOUNT}/deployments/fuzz-absent"),
    ("GET", f"{ACCOUNT}/deployments/fuzz/skus"),
    ("GET", f"{LOCATION}/models"),
    ("GET", f"{LOCATION}/usages"),
    ("GET", f"{LOCATION}/operationStatuses/not-an-operation"),
    ("GET", f"{LOCATION}/operationResults/not-an-operation"),
]
WRITES = [(m, p) for m, p in ROUTES if m in ("PUT", "PATCH")]

MODEL = {"format": "OpenAI", "name": "gpt-4.1-mini", "version": "2025-04-14"}
BAD_BODIES: list[bytes] = [
    b"",
    b"not json",
    b"{",
    b"[]",
    b'"a string"',
    b"42",
    b"null",
    b"[" * 100_000 + b"]" * 100_000,  # deep nesting
    b'{"sku": {"name": "Standard", "capacity": ' + b"9" * 5000 + b"}}",  # a huge number
    json.dumps({"sku": {"name": "Standard", "capacity": 1e308}}).encode(),
    json.dumps({"sku": "Standard", "properties": {"model": MODEL}}).encode(),
    json.dumps({"sku": {"name": 5}, "properties": {"model": MODEL}}).encode(),
    json.dumps(
        {"sku": {"name": "Standard", "capacity": -1}, "properties": {"model": MODEL}}
    ).encode(),
    json.dumps(
        {"sku": {"name": "Standard", "capacity": 1.5}, "properties": {"model": MODEL}}
    ).encode(),
    json.dumps(
        {"sku": {"name": "Standard", "capacity": True}, "properties": {"model": MODEL}}
    ).encode(),
    json.dumps(
        {"sku": {"name": "Standard", "capacity": 2**40}, "properties": {"model": MODEL}}
    ).encode(),
    json.dumps({"sku": {"name": "Standard", "capacity": 1}}).encode(),
    json.dumps({"sku": {"name": "Standard"}, "properties": {}}).encode(),
    json.dumps({"sku": {"name": "Standard"}, "properties": {"model": []}}).encode(),
    json.dumps({"sku": {"name": "Standard"}, "properties": {"model": {"name": None}}}).encode(),
    json.dumps(
        {"sku": {"name": "Standard"}, "properties": {"model": {**MODEL, "name": ""}}}
    ).encode(),
    json.dumps(
        {"sku": {"name": "Standard"}, "properties": {"model": {**MODEL, "name": "x" * 10_000}}}
    ).encode(),
    json.dumps(
        {"sku": {"name": "Standard"}, "properties": {"model": {**MODEL, "version": 3}}}
    ).encode(),
    json.dumps(
        {"sku": {"name": "Standard"}, "properties": {"model": {**MODEL, "source": ["a"]}}}
    ).encode(),
    json.dumps(
        {"sku": {"name": "Standard"}, "properties": {"model": {**MODEL, "source": "garbage"}}}
    ).encode(),
    json.dumps(
        {"sku": {"name": "Standard"}, "properties": {"model": MODEL, "raiPolicyName": {}}}
    ).encode(),
    json.dumps(
        {
            "sku": {"name": "Standard"},
            "properties": {"model": MODEL, "versionUpgradeOption": "Sometimes"},
        }
    ).encode(),
    json.dumps(
        {"sku": {"name": "Standard", "capacity": 1}, "tags": ["a"], "properties": {"model": MODEL}}
    ).encode(),
    json.dumps(
        {
            "sku": {"name": "Standard", "capacity": 1},
            "tags": {"a": 1},
            "properties": {"model": MODEL},
        }
    ).encode(),
    json.dumps(
        {
            "sku": {"name": "Standard", "capacity": 1},
            "tags": {f"k{i}": "v" for i in range(60)},
            "properties": {"model": MODEL},
        }
    ).encode(),
    # Lone surrogates: not valid UTF-8.
    '{"sku": {"name": "\u00e9\u2603"}, "properties": {"model": {"name": "\ud83d"}}}'.encode(
        "utf-8", "surrogatepass"
    ),
    b"\xff\xfe\x00garbage",
]


def _assert_arm_4xx(answer: httpx2.Response, what: str) -> None:
    assert 400 <= answer.status_code < 500, f"{what}: {answer.status_code} {answer.text[:300]}"
    error = answer.json()["error"]
    assert isinstance(error["code"], str) and error["code"], what
    assert isinstance(error["message"], str) and error["message"], what


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_malformed_bodies_are_refused_with_arm_errors(
    http: httpx2.Client, emulator: RunningEmulator, method: str, path: str
) -> None:
    for index, body in enumerate(BAD_BODIES):
        if method == "PATCH" and index >= 16:
            continue  # PATCH takes only tags and sku: these bodies are PUT-shaped
        answer = http.request(
            method, f"{path}?{API}", content=body, headers={"Content-Type": "application/json"}
        )
        _assert_arm_4xx(answer, f"{method} body #{index}")
        assert_still_serves(http, emulator.connection)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_without_api_version_or_with_bad_query_is_4xx(
    http: httpx2.Client, method: str, path: str
) -> None:
    _assert_arm_4xx(http.request(method, path), f"{method} {path} without api-version")
    _assert_arm_4xx(
        http.request(method, f"{path}?api-version=bogus"), f"{method} {path} bad api-version"
    )
    if method == "GET":
        answer = http.request(method, f"{path}?{API}&$skipToken=abc")
        assert answer.status_code < 500, answer.text


@pytest.mark.parametrize(
    "name", ["a", "-leading", "x" * 65, "spaces here", "semi;colon", "uni\u00e9code"]
)
def test_invalid_deployment_names_are_refused(http: httpx2.Client, name: str) -> None:
    body = {"sku": {"name": "Standard", "capacity": 1}, "properties": {"model": MODEL}}
    answer = http.put(f"{ACCOUNT}/deployments/{name}?{API}", json=body)
    _assert_arm_4xx(answer, name)
    assert answer.json()["error"]["code"] == "InvalidResourceName"


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and the infinities too
    | TEXT,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "sku",
                    "properties",
                    "model",
                    "name",
                    "capacity",
                    "tags",
                    "format",
                    "version",
                    "source",
                    "raiPolicyName",
                    "x",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=JSON)
def test_random_json_bodies_never_cause_a_500(
    http: httpx2.Client, emulator: RunningEmulator, body: Any
) -> None:
    for method, path in WRITES:
        answer = http.request(
            method,
            f"{path}?{API}",
            content=encode(body),
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code < 500, f"{method} {encode(body)[:200]!r}: {answer.text[:300]}"
    assert_still_serves(http, emulator.connection)
