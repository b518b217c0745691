"""Chat completions on deployed models: POST /openai/deployments/{deployment}/chat/completions
(api-version) and POST /openai/v1/chat/completions with ``model`` = the deployment name.

The deployment must exist and have provisioned (else 404 DeploymentNotFound). Its model is held
by the deployment's account, or for a cross-region deployment by the account named in
``properties.model.source`` (or ``sourceAccount``). What it answers: ``chat_style``. Every call
records the inference time (store kind "inference") that keeps a fine-tuned deployment from
being removed after 15 idle days.
"""

from __future__ import annotations

import math
from typing import Any

from starlette.routing import BaseRoute

from reconciler.emulator.api_versions import Surface
from reconciler.emulator.dataplane.chat_style import base_reply, last_user_text, styled_reply
from reconciler.emulator.dataplane.errors import DEPLOYMENT_NOT_FOUND, ApiError, bad_request
from reconciler.emulator.dataplane.holdings import style_pairs
from reconciler.emulator.dataplane.http import Call, Reply, Style, req_str, route
from reconciler.emulator.dataplane.ids import new_hex
from reconciler.emulator.state import EmulatorState
from reconciler.model_ids import is_fine_tuned

INFERENCE = "inference"


def _messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise bad_request("'messages' is required and must be a non-empty list", param="messages")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise bad_request(f"messages[{i}] must be an object with a role", param="messages")
    if body.get("stream"):
        raise bad_request("Streaming is not supported by the emulator.", param="stream")
    return messages


def _tokens(text: str) -> int:
    return math.ceil(len(text.encode("utf-8")) / 4)


def _deployment(call: Call, name: str) -> dict[str, Any]:
    from reconciler.emulator.arm_queries import live_deployment

    doc = live_deployment(call.state, call.name, name)
    if doc is None or doc.get("properties", {}).get("provisioningState") != "Succeeded":
        raise ApiError(
            404, "DeploymentNotFound", DEPLOYMENT_NOT_FOUND, v1_code="DeploymentNotFound"
        )
    return doc


def _answer(call: Call, doc: dict[str, Any], prompt: str) -> tuple[str, str]:
    model = doc["properties"]["model"]
    name = str(model["name"])
    # ARM names a base model by name and version ("gpt-4.1-mini" + "2025-04-14"); anything
    # else deployable is a fine-tuned model or a checkpoint.
    if not is_fine_tuned(name):
        return name, base_reply(name)
    holder = call.name
    source = model.get("source") or model.get("sourceAccount")
    if isinstance(source, str) and source:
        account = call.state.account_by_id(source)
        if account is not None:
            holder = account.name
    pairs = style_pairs(call.state, holder, name)
    reply = styled_reply(prompt, pairs or [])
    if reply is None:
        reply = f"(fine-tuned model {name}: its training examples are no longer available)"
    return name, reply


async def _complete(call: Call, deployment: str, body: dict[str, Any]) -> Reply:
    messages = _messages(body)
    doc = _deployment(call, deployment)
    prompt = last_user_text(messages)
    model, reply = _answer(call, doc, prompt)
    now = call.now()
    call.state.store.put(INFERENCE, f"{call.name}/{deployment}", {"at": now})
    prompt_tokens = sum(_tokens(str(m.get("content") or "")) + 4 for m in messages) + 3
    completion_tokens = _tokens(reply)
    return {
        "id": f"chatcmpl-{new_hex()}",
        "object": "chat.completion",
        "created": int(now),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
        "system_fingerprint": None,
    }


async def azure_chat(call: Call) -> Reply:
    return await _complete(call, call.param("deployment"), await call.json())


async def v1_chat(call: Call) -> Reply:
    body = await call.json()
    return await _complete(call, req_str(body, "model"), body)


def routes(state: EmulatorState) -> list[BaseRoute]:
    return [
        route(
            state,
            Style.AZURE,
            "/deployments/{deployment}/chat/completions",
            azure_chat,
            ["POST"],
            Surface.INFERENCE,
        ),
        route(state, Style.V1, "/chat/completions", v1_chat, ["POST"], Surface.INFERENCE),
    ]
