"""One module per resource kind: identity, decision and typed payloads, shared by plan and apply.

Each kind module (`file`, `job`, `deployment`, `checkpoint_copy`) holds:

- the desired and observed types it works on (re-exported from `reconciler.plan`),
- its payloads: `<Kind>After` and `<Kind>Before`, frozen dataclasses with `to_json`/`from_json`
  (a change's `after` and `before`),
- a closed `<Kind>Reason` StrEnum (why, for people; texts in `plan/render_reason.py`),
- `identify(...)`: which observed objects are the desired one,
- `decide(...)`: a `Decision` (action, reason code and facts, changed fields).

The planner calls them over the whole observation; apply calls the same functions on what it
reads again right before a write that is not idempotent (DESIGN.md principle 9). `KINDS` below
is how a saved plan's changes are read back.

Adding a kind (evaluations, …; `checkpoint_copy` followed these steps):

1. `plan/model.py`: a `ResourceType` member; its address form (`KIND.NAME[@ACCOUNT]`).
2. `plan/desired.py`, `plan/observed.py`: the desired and observed types, with JSON (golden
   cases store them); `azure/observe.py` reads the collection (one list call per account).
3. `kinds/KIND.py`: payloads, `<Kind>Reason`, `identify`, `decide`; register it in `KINDS`.
4. `plan/render_reason.py`: one function giving each reason's text, in `_BY_TYPE`.
5. `plan/KINDs.py`: plan over the observation with `identify`/`decide`; call it from
   `plan/planner.py` (order, `depends_on`); `TYPE_ORDER` in `plan/render_text.py`.
6. `apply/steps_KINDs.py`: re-read, a pure `<verb>_decision(change, fresh read, …)` calling the
   same `decide`, then the write; wire label and run into `apply/executor.py` (type order,
   serial key per account for management-plane writes).
7. Tests: `tests/unit/kinds/test_kind_KIND.py` (every reason reached), a strategy in
   `tests/unit/kinds/test_plan_apply_agree.py`, golden cases in `tests/cases/`, an integration
   test in `tests/integration/apply/` against the emulator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import reconciler.plan  # noqa: F401  (loaded first: the kinds use its modules, it uses the kinds)
from reconciler.kinds import checkpoint_copy, deployment, file, job
from reconciler.kinds.decision import Decision
from reconciler.plan.model import Change, Payload, ResourceType


@dataclass(frozen=True)
class Kind:
    resource: ResourceType
    reasons: type[StrEnum]
    after_from_json: Callable[[Mapping[str, Any]], Payload]
    before_from_json: Callable[[Mapping[str, Any]], Payload]

    def reason(self, code: str) -> StrEnum:
        """The reason of this kind with that code (ValueError: no such reason)."""
        return self.reasons(code)


KINDS: Mapping[ResourceType, Kind] = {
    ResourceType.FILE: Kind(
        ResourceType.FILE, file.FileReason, file.FileAfter.from_json, file.FileBefore.from_json
    ),
    ResourceType.JOB: Kind(
        ResourceType.JOB, job.JobReason, job.JobAfter.from_json, job.JobBefore.from_json
    ),
    ResourceType.DEPLOYMENT: Kind(
        ResourceType.DEPLOYMENT,
        deployment.DeploymentReason,
        deployment.DeploymentAfter.from_json,
        deployment.DeploymentBefore.from_json,
    ),
    ResourceType.CHECKPOINT_COPY: Kind(
        ResourceType.CHECKPOINT_COPY,
        checkpoint_copy.CopyReason,
        checkpoint_copy.CopyAfter.from_json,
        checkpoint_copy.CopyBefore.from_json,
    ),
}


def kind_of(resource: ResourceType) -> Kind:
    return KINDS[resource]


def accounts_of(change: Change) -> set[str]:
    """The spec accounts a change is in (its payloads that name one)."""
    found = set()
    for side in (change.after, change.before):
        if isinstance(
            side,
            file.FileAfter
            | job.JobAfter
            | deployment.DeploymentAfter
            | deployment.DeploymentBefore,
        ):
            found.add(side.account)
        if isinstance(side, checkpoint_copy.CopyAfter):
            found.update((side.source, side.destination))
    return found


__all__ = [
    "KINDS",
    "Decision",
    "Kind",
    "accounts_of",
    "checkpoint_copy",
    "deployment",
    "file",
    "job",
    "kind_of",
]
