"""Shared by the poison and admin-fuzz tests: the probe that the emulator still serves, and the
shape checks of the three APIs' refusals."""

from __future__ import annotations

import json
from typing import Any

import httpx2
from hypothesis import strategies as st

from reconciler.emulator_connection import EmulatorConnection

SUB1 = "00000000-0000-0000-0000-000000000001"
ACCOUNT = (
    f"/subscriptions/{SUB1}/resourceGroups/rg-ft/providers/Microsoft.CognitiveServices"
    "/accounts/aoai-swc"
)
ARM_API = "api-version=2025-09-01"
DP_API = "api-version=2025-04-01-preview"


def assert_still_serves(http: httpx2.Client, connection: EmulatorConnection) -> None:
    """A normal ARM list and a data-plane list (both URL styles) answer 200, promptly."""
    answer = http.get(f"{ACCOUNT}/deployments?{ARM_API}", timeout=5)
    assert answer.status_code == 200, answer.text[:300]
    key = {"api-key": connection.api_key("aoai-swc")}
    for path in ("/dp/aoai-swc/openai/v1/files", f"/dp/aoai-swc/openai/files?{DP_API}"):
        answer = http.get(path, headers=key, timeout=5)
        assert answer.status_code == 200, (path, answer.text[:300])


def assert_admin_refusal(answer: httpx2.Response, status: int = 400) -> None:
    assert answer.status_code == status, answer.text[:300]
    assert answer.json() == {
        "error": {"code": "InvalidAdminRequest", "message": answer.json()["error"]["message"]}
    }


def assert_arm_refusal(answer: httpx2.Response) -> None:
    assert 400 <= answer.status_code < 500, answer.text[:300]
    error = answer.json()["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert set(error) <= {"code", "message", "target", "details"}


V1_KEYS = {"message", "type", "param", "code"}
AZURE_KEYS = {"code", "message", "target", "details", "innererror"}


def assert_dp_refusal(answer: httpx2.Response, v1: bool) -> None:
    assert 400 <= answer.status_code < 500, answer.text[:300]
    assert set(answer.json()["error"]) == (V1_KEYS if v1 else AZURE_KEYS), answer.text[:300]


# Text as fuzzers send it: sometimes holding a lone surrogate.
TEXT = st.text(max_size=20) | st.builds(
    lambda a, s, b: a + s + b,
    st.text(max_size=5),
    st.sampled_from(["\ud800", "\udfff", "\udc00\ud83d"]),
    st.text(max_size=5),
)


def encode(body: Any) -> bytes:
    """JSON as a careless client writes it: NaN and Infinity bare, surrogates as \\u escapes."""
    return json.dumps(body, allow_nan=True, ensure_ascii=True).encode()
