"""Plan and apply agree: for the same desired state and the same observed objects, the planner
and the apply step (on what it reads right before its write) find the same object and decide
the same action (DESIGN.md principle 9). The apply side is each step's pure decision function,
fed as the step feeds it: from the planned change and a fresh read."""

from __future__ import annotations

import hashlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.apply.steps_deployments import put_decision, wanted_of
from reconciler.apply.steps_files import upload_decision
from reconciler.apply.steps_jobs import create_decision
from reconciler.kinds.file import FileBefore
from reconciler.kinds.job import JobAfter, JobBefore
from reconciler.plan import (
    Action,
    Desired,
    DesiredAccount,
    DesiredDataset,
    DesiredDeployment,
    DesiredJob,
    JobStatus,
    Observed,
    ObservedAccount,
    ObservedDeployment,
    ObservedFile,
    ObservedJob,
    plan,
)
from reconciler.plan.model import Change

SUB = "00000000-0000-0000-0000-000000000001"
BASE = "gpt-4.1-mini-2025-04-14"
TRAIN = hashlib.sha256(b"train").hexdigest()
OTHER = hashlib.sha256(b"other").hexdigest()
STACK = {"managed-by": "reconciler", "reconciler-stack": "clippy"}
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _desired(
    jobs: dict[str, DesiredJob], deployments: dict[str, DesiredDeployment] | None = None
) -> Desired:
    return Desired(
        stack="clippy",
        accounts={"swc": DesiredAccount("swc", SUB, "rg", "aoai-swc")},
        datasets={"train": DesiredDataset("train", TRAIN, 1000, "data/train.jsonl")},
        jobs=jobs,
        deployments=deployments or {},
    )


def _observed(**fields: Any) -> Observed:
    arm = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.CognitiveServices"
    account = ObservedAccount("swc", f"{arm}/accounts/aoai-swc", "aoai-swc", "swc", **fields)
    return Observed({"swc": account})


def _job(**fields: Any) -> DesiredJob:
    values: dict[str, Any] = {"account": "swc", "model": BASE, "training_data": "train", "seed": 7}
    values.update(fields)
    return DesiredJob(name="clippy", **values)


# -- files ---------------------------------------------------------------------------------

FILE_STATUSES = ["processed", "pending", "uploaded", "running", "error", "deleted", "deleting"]


@st.composite
def observed_files(draw: st.DrawFn) -> list[ObservedFile]:
    count = draw(st.integers(0, 5))
    return [
        ObservedFile(
            f"file-{i}",
            f"train.{draw(st.sampled_from([TRAIN, TRAIN, OTHER]))}.jsonl",
            draw(st.sampled_from([1000, 1000, None, 999])),
            purpose=draw(st.sampled_from(["fine-tune", "fine-tune", "assistants"])),
            status=draw(st.sampled_from(FILE_STATUSES)),
            status_details=draw(st.sampled_from([None, "invalid line 3"])),
            created_at=draw(st.integers(0, 3)),
        )
        for i in range(count)
    ]


@SETTINGS
@given(files=observed_files(), replace=st.booleans())
def test_files(files: list[ObservedFile], replace: bool) -> None:
    address = "file.train@swc"
    asked = frozenset({address}) if replace else frozenset()
    change = plan(
        _desired({"clippy": _job()}), _observed(files=tuple(files)), replace=asked
    ).change(address)
    assert change is not None
    decision = upload_decision(change, files, asked)
    assert decision.action is change.action
    assert decision.reason is change.because.code
    if decision.action is not Action.CREATE:
        # the file the plan shows is the one apply uses, and never a rejected one
        assert isinstance(change.before, FileBefore) and decision.use is not None
        assert decision.use.id == change.before.id and decision.use.status != "error"


# -- jobs ----------------------------------------------------------------------------------


@st.composite
def observed_jobs(draw: st.DrawFn, fingerprint: str) -> list[ObservedJob]:
    count = draw(st.integers(0, 4))
    jobs = []
    for i in range(count):
        metadata = draw(
            st.sampled_from(
                [{}, {"reconciler-fingerprint": fingerprint}, {"reconciler-fingerprint": "x"}]
            )
        )
        jobs.append(
            ObservedJob(
                f"ftjob-{i}",
                draw(st.sampled_from(list(JobStatus))),
                draw(st.sampled_from([BASE, BASE, "gpt-4o-2024-08-06"])),
                fine_tuned_model=f"{BASE}.ft-{i:032x}",
                # file-t and file-t2 hold the training content, file-x other content,
                # file-u is not known
                training_file=draw(st.sampled_from(["file-t", "file-t2", "file-x", "file-u"])),
                validation_file=draw(st.sampled_from([None, None, "file-x"])),
                hyperparameters=draw(st.sampled_from([{}, {"n_epochs": 3}, {"n_epochs": -1}])),
                seed=draw(st.sampled_from([7, 8, None])),
                training_type=draw(st.sampled_from([None, "standard", "developerTier"])),
                metadata=metadata,
                error_message=draw(st.sampled_from([None, "RAI checks failed."])),
                created_at=draw(st.integers(0, 3)),
            )
        )
    return jobs


def _training_files(draw: st.DrawFn) -> tuple[ObservedFile, ...]:
    status = draw(st.sampled_from(["processed", "pending", "error"]))
    return (
        ObservedFile("file-t", f"train.{TRAIN}.jsonl", 1000, status=status),
        ObservedFile("file-t2", f"train.{TRAIN}.jsonl", 1000, status="processed", created_at=0),
        ObservedFile("file-x", f"other.{OTHER}.jsonl", 10),
    )


@SETTINGS
@given(data=st.data(), replace=st.booleans(), epochs=st.sampled_from([None, 3, "auto"]))
def test_jobs(data: st.DataObject, replace: bool, epochs: int | str | None) -> None:
    desired_job = _job(hyperparameters={"n_epochs": epochs} if epochs is not None else {})
    desired = _desired({"clippy": desired_job})
    jobs = data.draw(observed_jobs(desired.fingerprint("clippy")))
    observed_files = _training_files(data.draw)
    asked = frozenset({"job.clippy"}) if replace else frozenset()
    observed = _observed(files=observed_files, jobs=tuple(jobs))
    change = plan(desired, observed, replace=asked).change("job.clippy")
    assert change is not None and isinstance(change.after, JobAfter)
    after = change.after
    assert after.model is not None
    # what the job would be created with: the processed file, or the one the upload makes
    training_file = after.training_data.file_id or "file-uploaded"
    decision, resolution = create_decision(
        change,
        desired_job,
        (after.model, training_file, None),
        observed_files,
        jobs,
        retry=replace,
    )
    assert decision.action is change.action
    assert decision.reason is change.because.code
    match = resolution.match
    before = change.before
    assert (match.id if match else None) == (before.id if isinstance(before, JobBefore) else None)


# -- deployments ---------------------------------------------------------------------------

TAGS = [
    STACK,
    {**STACK, "owner": "team-x"},
    {"reconciler-stack": "clippy"},
    {**STACK, "reconciler-prevent-destroy": "true"},
    {**STACK, "reconciler-prevent-destroy": "false"},
]
PROVISIONING = ["Succeeded", "Failed", "Updating", "Creating", "Accepted", "Deleting"]


@st.composite
def existing_deployments(draw: st.DrawFn) -> ObservedDeployment | None:
    if draw(st.integers(0, 4)) == 0:
        return None
    return ObservedDeployment(
        "chat",
        draw(st.sampled_from(["Standard", "standard", "GlobalStandard"])),
        draw(st.sampled_from([1, 2])),
        draw(st.sampled_from(["gpt-4.1-mini", "gpt-4.1-mini", "gpt-4o"])),
        draw(st.sampled_from(["2025-04-14", "2025-04-14", "1"])),
        tags=draw(st.sampled_from(TAGS)),
        provisioning_state=draw(st.sampled_from(PROVISIONING)),
        rai_policy=draw(st.sampled_from([None, "Microsoft.DefaultV2", "custom"])),
        version_upgrade=draw(st.sampled_from([None, "NoAutoUpgrade", "noautoupgrade"])),
        extra=draw(st.sampled_from([{}, {"currentCapacity": 1}])),
    )


@SETTINGS
@given(
    current=existing_deployments(),
    prevent=st.booleans(),
    replace=st.booleans(),
    capacity=st.sampled_from([1, 2]),
    rai=st.sampled_from([None, "custom"]),
    upgrade=st.sampled_from([None, "NoAutoUpgrade", "OnceCurrentVersionExpired"]),
)
def test_deployments(
    current: ObservedDeployment | None,
    prevent: bool,
    replace: bool,
    capacity: int,
    rai: str | None,
    upgrade: str | None,
) -> None:
    wanted = DesiredDeployment(
        "chat",
        "swc",
        "chat",
        BASE,
        "Standard",
        capacity,
        prevent_destroy=prevent,
        rai_policy=rai,
        version_upgrade=upgrade,
    )
    desired = _desired({}, {"chat": wanted})
    asked = frozenset({"deployment.chat"}) if replace else frozenset()
    result = plan(desired, _observed(deployments=(current,) if current else ()), replace=asked)
    change = result.change("deployment.chat")
    assert change is not None
    if current is not None and current.provisioning_in_progress:
        return  # apply decides once Azure's operation has ended: on another state

    assert change.after is not None and hasattr(change.after, "model")
    decision = put_decision(
        change, wanted_of(change, wanted, change.after.model), current, "clippy", asked
    )
    assert decision.action is change.action
    assert decision.reason is change.because.code
    assert list(decision.changed) == change.changed
    refused = any(
        e.address == "deployment.chat" and ("not replaced" in e.message or "forbids" in e.message)
        for e in result.errors
    )
    assert decision.refused is refused


def test_a_deployment_of_another_stack_is_an_error_in_the_plan_and_refused_by_apply() -> None:
    current = ObservedDeployment("chat", "Standard", 1, "gpt-4.1-mini", "2025-04-14")
    wanted = DesiredDeployment("chat", "swc", "chat", BASE, "Standard", 1)
    result = plan(_desired({}, {"chat": wanted}), _observed(deployments=(current,)))
    assert result.change("deployment.chat") is None
    assert any("never changes or deletes" in e.message for e in result.errors)
    change = Change.from_json(
        {
            "address": "deployment.chat",
            "type": "deployment",
            "actions": ["create"],
            "after": {
                "account": "swc",
                "account_name": "aoai-swc",
                "name": "chat",
                "model": {"format": "OpenAI", "name": "gpt-4.1-mini", "version": "2025-04-14"},
                "sku": {"name": "Standard", "capacity": 1},
                "tags": STACK,
            },
            "details": {"reason": {"code": "absent", "facts": {}}},
        }
    )
    assert change.after is not None and hasattr(change.after, "model")
    decision = put_decision(
        change, wanted_of(change, wanted, change.after.model), current, "clippy", frozenset()
    )
    assert (decision.action, decision.reason.value) == (Action.NO_OP, "foreign")
