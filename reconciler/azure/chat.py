"""One chat completion on a deployment, through the account's v1 data plane (a smoke test's call).

``POST {endpoint}/openai/v1/chat/completions`` with the deployment's name as ``model``, as
Azure's v1 data plane publishes it (``createChatCompletion``, ``AzureCreateChatCompletionRequest``
of specification/ai/data-plane/OpenAI.v1/azure-v1-v1-generated.json). The token bound is sent as
``max_completion_tokens``: the same spec marks ``max_tokens`` deprecated and "not compatible with
o1 series models", and a reasoning model may be what a job fine-tuned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reconciler.azure.errors import mapped

if TYPE_CHECKING:
    import openai


@dataclass(frozen=True)
class ChatAnswer:
    text: str  # the first choice's message content ("" when the model sent none)
    finish_reason: str | None


def chat_messages(prompt: str, system: str | None) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": system}] if system is not None else []
    return [*messages, {"role": "user", "content": prompt}]


def complete(
    client: openai.OpenAI,
    account: str,
    deployment: str,
    messages: list[dict[str, str]],
    max_tokens: int,
) -> ChatAnswer:
    """The deployment's answer; the SDK's errors leave as the project's (404, 429, 5xx, …)."""
    with mapped(f"POST chat completion on deployment {deployment} in {account}"):
        response = client.chat.completions.create(
            model=deployment,
            messages=messages,  # type: ignore[arg-type]  # plain dicts are what goes on the wire
            max_completion_tokens=max_tokens,
        )
    choices: list[Any] = list(response.choices or [])
    if not choices:
        return ChatAnswer("", None)
    first = choices[0]
    content = first.message.content if first.message is not None else None
    return ChatAnswer(content or "", first.finish_reason)
