"""A deployment's smoke test as the plan carries it (SPEC §5.8), and how the plan shows it.

The spec's ``smoke_test`` entries become ``SmokePrompt`` values of the desired deployment. A
change that creates, updates or replaces the deployment (or waits to, for a job's model) says in
its ``details`` that the test runs after apply (``{"smoke_test": {"prompts": N}}``), and the
text and markdown plans show one line for it. No smoke test runs for a deployment that apply
leaves as it is, nor before a delete.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from reconciler.plan.model import Action, Change, ResourceType
from reconciler.quoting import environment_reference, environment_values

#: the changes after which apply runs the smoke test (a wait ends in a create or a replace)
TESTED_ACTIONS = frozenset({Action.CREATE, Action.UPDATE, Action.REPLACE, Action.WAIT})
DETAILS_KEY = "smoke_test"


@dataclass(frozen=True)
class SmokePrompt:
    """One prompt and the pattern its answer must contain.

    ``from_env``: the ``${env:NAME}`` whose value the prompt, pattern or system message holds,
    if any; messages then name it instead of quoting them (SPEC §5.1).
    """

    prompt: str
    expect: str
    max_tokens: int
    system: str | None = None
    from_env: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "prompt": self.prompt,
            "expect": self.expect,
            "max_tokens": self.max_tokens,
        }
        if self.system is not None:
            data["system"] = self.system
        if self.from_env is not None:
            data["from_env"] = self.from_env
        return data

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> SmokePrompt:
        system = data.get("system")
        from_env = data.get("from_env")
        return SmokePrompt(
            prompt=str(data["prompt"]),
            expect=str(data["expect"]),
            max_tokens=int(data["max_tokens"]),
            system=str(system) if system is not None else None,
            from_env=str(from_env) if from_env is not None else None,
        )


class _Entry(Protocol):
    """What the spec model's entry offers (``reconciler.spec.smoke_test.SmokePrompt``)."""

    @property
    def prompt(self) -> str: ...
    @property
    def expect(self) -> str: ...
    @property
    def max_tokens(self) -> int: ...
    @property
    def system(self) -> str | None: ...


def smoke_prompts(
    entries: Iterable[_Entry] | None, env_values: Mapping[str, str]
) -> tuple[SmokePrompt, ...]:
    """The spec's smoke test entries; ``env_values`` (value -> ``${env:NAME}``) tell which
    texts came from the environment."""
    prompts = []
    with environment_values(env_values):
        for entry in entries or ():
            texts = (entry.prompt, entry.expect, entry.system or "")
            from_env = next((r for t in texts if (r := environment_reference(t))), None)
            prompts.append(
                SmokePrompt(entry.prompt, entry.expect, entry.max_tokens, entry.system, from_env)
            )
    return tuple(prompts)


def smoke_details(prompts: tuple[SmokePrompt, ...], action: Action) -> dict[str, Any]:
    """What a deployment change's ``details`` carry about its smoke test (nothing when none
    runs)."""
    if not prompts or action not in TESTED_ACTIONS:
        return {}
    return {DETAILS_KEY: {"prompts": len(prompts)}}


def smoke_line(change: Change) -> str | None:
    """``smoke test after apply: 2 prompts`` for a deployment change that runs one."""
    if change.type is not ResourceType.DEPLOYMENT:
        return None
    found = change.details.get(DETAILS_KEY)
    if not isinstance(found, Mapping):
        return None
    count = found.get("prompts")
    noun = "prompt" if count == 1 else "prompts"
    return f"smoke test after apply: {count} {noun}, each answer matched against its expect"
