"""The contract checker on chat completions (a smoke test's request, SPEC §5.8): the request
reconciler sends is inside Azure's published v1 ``createChatCompletion``; what the published
``AzureCreateChatCompletionRequest`` and its message schemas do not allow is refused, at its
place."""

from __future__ import annotations

from typing import Any

import pytest

from .checker import check_request, operation_of
from .test_checker import AZURE_DP, EMULATOR_DP, request

OPERATION = "v1 createChatCompletion"


def chat(body: Any, base: str = AZURE_DP, query: str = "") -> dict[str, Any]:
    return request("POST", f"{base}/openai/v1/chat/completions{query}", body)


SENT = {
    "model": "clippy-swc",
    "messages": [
        {"role": "system", "content": "You are Clippy."},
        {"role": "user", "content": "How do I make a table in my document?"},
    ],
    "max_completion_tokens": 256,
}


@pytest.mark.parametrize("base", [AZURE_DP, EMULATOR_DP])
def test_the_smoke_test_request_is_a_published_chat_completion(base: str) -> None:
    record = chat(SENT, base)
    assert operation_of(record) == OPERATION
    assert check_request(record) == []


def test_a_user_message_alone_and_the_v1_api_version_are_accepted() -> None:
    body = {"model": "d", "messages": [{"role": "user", "content": "hi"}]}
    assert check_request(chat(body, query="?api-version=v1")) == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            {"model": "d", "messages": [{"role": "user", "content": "hi", "temperature": 0}]},
            "body.messages[0].temperature: unknown property",
        ),
        ({"model": "d", "messages": [{"role": "user"}]}, "body.messages[0].content: required"),
        ({"model": "d", "messages": [{"role": "bot", "content": "x"}]}, "body.messages[0].role"),
        ({"model": "d", "messages": []}, "body.messages: [] should be non-empty"),
        ({"messages": [{"role": "user", "content": "x"}]}, "body.model: required property"),
        (
            {"model": "d", "messages": [{"role": "user", "content": "x"}], "max_output": 5},
            "body.max_output: unknown property",
        ),
        (
            {"model": "d", "messages": [{"role": "user", "content": "x"}], "temperature": 3},
            "body.temperature",
        ),
    ],
)
def test_what_the_published_schema_does_not_allow_is_refused_at_its_place(
    body: dict[str, Any], problem: str
) -> None:
    found = check_request(chat(body))
    assert len(found) == 1, found
    assert found[0].startswith(f"{OPERATION}: {problem}")
