"""``deployments.X.smoke_test``: prompts whose answers must match, checked after apply (SPEC §5.8).

Each entry is ``{prompt, expect}`` with optional ``max_tokens`` and ``system``. ``expect`` is a
Python regular expression searched in the answer (``re.search``), compiled here so that a bad
pattern is an error at its place, with re's own message.

The limits keep a smoke test what it is for, a quick check that the deployment serves the model
it should, not an evaluation: every prompt is a billed chat completion that runs on each apply
that changes the deployment, and its prompt, expectation and answer appear in apply's output.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

RULE_ERROR = "reconciler_rule"  # the same type as spec.models.RULE_ERROR (no import cycle)

#: a handful: each one is a billed completion on every apply that changes the deployment
MAX_PROMPTS = 10
#: a smoke prompt is a sentence or two; a long text belongs in an evaluation
MAX_PROMPT_CHARS = 2000
MAX_SYSTEM_CHARS = 2000
MAX_PATTERN_CHARS = 500
#: enough for a reply of a few sentences, and for a reasoning model's hidden tokens before it
DEFAULT_MAX_TOKENS = 256
MAX_MAX_TOKENS = 4096


def _compiles(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise PydanticCustomError(
            RULE_ERROR, "is not a valid regular expression: {reason}", {"reason": str(exc)}
        ) from None
    return value


Pattern = Annotated[
    str,
    Field(min_length=1, max_length=MAX_PATTERN_CHARS),
    AfterValidator(_compiles),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_PATTERN_CHARS,
            "format": "regex",
            "description": "a Python regular expression searched in the answer (re.search); "
            "(?i) makes it ignore case",
        }
    ),
]


class SmokePrompt(BaseModel):
    """One prompt of a smoke test and what its answer must contain."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    prompt: str = Field(
        min_length=1, max_length=MAX_PROMPT_CHARS, description="the user message sent"
    )
    expect: Pattern
    max_tokens: int = Field(
        default=DEFAULT_MAX_TOKENS,
        ge=1,
        le=MAX_MAX_TOKENS,
        description="the completion's token limit (max_completion_tokens)",
    )
    system: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_SYSTEM_CHARS,
        description="a system message sent before the prompt",
    )


def _few(value: list[SmokePrompt]) -> list[SmokePrompt]:
    if not value:
        raise PydanticCustomError(
            RULE_ERROR, "must list at least one prompt (leave smoke_test out for none)", {}
        )
    if len(value) > MAX_PROMPTS:
        raise PydanticCustomError(
            RULE_ERROR,
            "lists {count} prompts, at most {limit}: each is a billed chat completion on "
            "every apply that changes the deployment; a longer check belongs in an evaluation",
            {"count": len(value), "limit": MAX_PROMPTS},
        )
    return value


SmokeTest = Annotated[
    list[SmokePrompt],
    AfterValidator(_few),
    Field(
        json_schema_extra={"minItems": 1, "maxItems": MAX_PROMPTS},
        description="prompts sent to the deployment after apply creates or changes it; each "
        "answer must match its `expect` (SPEC §5.8)",
    ),
]
