"""The checkpoint copy kind: found by the source account's copy status for that destination,
copied when absent or failed, waited for while under way, and what apply decides on a fresh
read is what the planner decided on the same status."""

from __future__ import annotations

import pytest

from reconciler.apply.steps_checkpoint_copies import copy_decision, failed_text
from reconciler.kinds import KINDS, checkpoint_copy
from reconciler.kinds.checkpoint_copy import (
    CopyAfter,
    CopyBefore,
    CopyReason,
    ObservedCopy,
    Readiness,
)
from reconciler.plan.model import Action, Because, ResourceType
from reconciler.plan.render_reason import reason_text

NCUS = (
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ft"
    "/providers/Microsoft.CognitiveServices/accounts/aoai-ncus"
)
OTHER = NCUS.replace("aoai-ncus", "aoai-other")
AFTER = CopyAfter(
    job="gull",
    checkpoint=2,
    source="swc",
    source_name="aoai-swc",
    destination="ncus",
    destination_name="aoai-ncus",
    destination_resource_id=NCUS,
    region="northcentralus",
    job_id="ftjob-1",
    checkpoint_id="ftchkpt-2",
)


def _copy(status: str, destination: str = NCUS) -> ObservedCopy:
    return ObservedCopy(destination, "northcentralus", status)


def test_identity_is_the_destination_resource_id_without_case() -> None:
    copies = (_copy("Completed", OTHER), _copy("InProgress", NCUS.upper()))
    assert checkpoint_copy.identify(NCUS, copies) == copies[1]
    assert checkpoint_copy.identify(NCUS, (_copy("Completed", OTHER),)) is None


@pytest.mark.parametrize(
    ("readiness", "current", "action", "reason"),
    [
        (Readiness.KNOWN, None, Action.CREATE, CopyReason.ABSENT),
        (Readiness.KNOWN, _copy("Failed"), Action.CREATE, CopyReason.COPY_FAILED),
        (Readiness.KNOWN, _copy("InProgress"), Action.WAIT, CopyReason.COPYING),
        (Readiness.KNOWN, _copy("Completed"), Action.NO_OP, CopyReason.COPIED),
        (Readiness.PENDING, None, Action.CREATE, CopyReason.ABSENT),
        (Readiness.WAIT, None, Action.WAIT, CopyReason.WAITS_FOR_JOB),
        (Readiness.BLOCKED, _copy("Completed"), Action.NO_OP, CopyReason.BLOCKED),
    ],
)
def test_every_reason_is_reached(
    readiness: Readiness, current: ObservedCopy | None, action: Action, reason: CopyReason
) -> None:
    decision = checkpoint_copy.decide(
        readiness, current, note="job.gull, which is running", destination_name="aoai-ncus"
    )
    assert (decision.action, decision.reason) == (action, reason)
    assert reason_text(ResourceType.CHECKPOINT_COPY, decision.because)


@pytest.mark.parametrize("status", [None, "InProgress", "Completed", "Failed"])
def test_apply_decides_as_the_planner_on_the_same_status(status: str | None) -> None:
    current = _copy(status) if status else None
    planned = checkpoint_copy.decide(Readiness.KNOWN, current, destination_name="aoai-ncus")
    assert copy_decision(AFTER, current) == planned


def test_the_reason_texts() -> None:
    def text(code: CopyReason, **facts: str) -> str:
        return reason_text(ResourceType.CHECKPOINT_COPY, Because(code, facts))

    assert text(CopyReason.ABSENT, destination_name="aoai-ncus") == (
        "not in aoai-ncus: copy it there (Azure's checkpoint copy, preview)"
    )
    assert text(CopyReason.COPIED, destination_name="aoai-ncus") == "copied to aoai-ncus"
    assert text(CopyReason.COPYING, status="InProgress") == (
        "a copy is under way (InProgress): apply waits for it"
    )
    assert text(CopyReason.BLOCKED, note="job.gull failed") == "cannot be copied: job.gull failed"


def test_a_failed_copy_names_the_documented_prerequisites() -> None:
    text = failed_text(AFTER, "ftchkpt-2")
    assert text.startswith("Azure reports the copy of ftchkpt-2 from aoai-swc to aoai-ncus failed")
    for needed in checkpoint_copy.PREREQUISITES:
        assert needed in text
    assert "Azure AI User role" in text


def test_payloads_round_trip_through_the_kinds_registry() -> None:
    kind = KINDS[ResourceType.CHECKPOINT_COPY]
    assert kind.after_from_json(AFTER.to_json()) == AFTER
    before = CopyBefore("ftchkpt-2", _copy("InProgress"))
    assert kind.before_from_json(before.to_json()) == before
    assert kind.reason("copy-failed") is CopyReason.COPY_FAILED
    assert checkpoint_copy.address("gull-boat", 12, "ncus") == "checkpoint_copy.gull-boat-12@ncus"
