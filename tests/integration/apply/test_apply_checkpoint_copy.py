"""A checkpoint deployed in another account than its job's, end to end through the real SDKs:
the plan shows the copy as its own change, apply copies the checkpoint with Azure's preview
copy API (the openai client's generic post/get with the preview header), polls it to
Completed, then deploys it in the destination under its own name (no `source`), and a second
plan has nothing to do. The documented prerequisites that a plan can see are located errors.

Its own emulator: the first test needs an account that holds no fine-tuning job yet.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import openai
import pytest
import yaml

from reconciler.apply.context import ExecOptions
from reconciler.apply.executor import execute
from reconciler.apply.progress import PlainProgress
from reconciler.apply.scheduler import TaskStatus
from reconciler.commands.pipeline import Session, prepare
from reconciler.emulator.process import RunningEmulator, start_emulator
from reconciler.kinds.checkpoint_copy import CopyAfter, CopyReason
from reconciler.plan.model import Action, Because, Change, Plan, ResourceType

from .apply_support import (
    ACCOUNTS,
    SUB1,
    Admin,
    apply,
    chat_lines,
    data_plane,
    deployment,
    fresh_plan,
    job,
)
from .conftest import FAST, SEED, Converged, NewStack

CLOSED = "aoai-ncus-closed"  # disables public network access


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    """The shared seed plus an account that disables public network access."""
    seed = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    seed["accounts"].append(
        {
            "subscription_id": SUB1,
            "resource_group": "rg-ft",
            "name": CLOSED,
            "location": "northcentralus",
            "public_network_access": "Disabled",
        }
    )
    folder = tmp_path_factory.mktemp("apply-checkpoint-copy")
    (folder / "seed.yaml").write_text(yaml.safe_dump(seed), encoding="utf-8")
    running = start_emulator(folder / "data", folder / "seed.yaml", speed=FAST)
    try:
        yield running
    finally:
        running.stop()


COPY = "checkpoint_copy.gull-2@ncus"


def test_a_checkpoint_deployed_in_another_account_is_copied_there_then_deployed(
    env: dict[str, str], admin: Admin, new_stack: NewStack, converged: Converged
) -> None:
    stack = new_stack(
        "copies",
        datasets={"gull-train": chat_lines("gull harbours")},
        jobs={"gull": job("gull-train", suffix="gull")},
        deployments={"gull-ncus": deployment("ncus", {"job": "gull", "checkpoint": 2})},
    )

    # aoai-ncus holds no fine-tuning job, and Azure copies only into an account with one
    blocked = apply(stack.root)
    assert blocked.code == 1
    assert f"stack.yaml:16:5: error: {COPY}: aoai-ncus has no fine-tuning job" in blocked.out
    assert "Traceback" not in blocked.text

    # a job of the spec in aoai-ncus meets it: the copy waits for that job too
    stack.jobs["helper"] = job("gull-train", account="ncus", suffix="helper")
    stack.write()
    planned = fresh_plan(stack.root)
    assert planned.errors == ()
    copy = planned.change(COPY)
    assert copy is not None
    assert copy.type is ResourceType.CHECKPOINT_COPY
    assert copy.action is Action.CREATE
    assert set(copy.depends_on) == {"job.gull", "job.helper"}
    deployed = planned.change("deployment.gull-ncus")
    assert deployed is not None and COPY in deployed.depends_on

    admin.clear_requests()
    first = apply(stack.root, wait=True)

    assert first.code == 0, first.text
    assert "copied to aoai-ncus" in first.out
    (trained,) = admin.jobs_in("aoai-swc")
    posts = [p for m, p in admin.requests() if m == "POST" and p.endswith("/copy")]
    assert len(posts) == 1
    assert f"/fine_tuning/jobs/{trained['id']}/checkpoints/ftchkpt-" in posts[0]
    copied_id = posts[0].split("/checkpoints/")[1].split("/")[0]
    model = admin.deployments("copies")["aoai-ncus/gull-ncus"]["properties"]["model"]
    # the same checkpoint name in the destination, deployed from there: no source account
    assert model["name"] == copied_id
    assert "source" not in model and "sourceAccount" not in model
    converged("copies", stack.root)
    again = fresh_plan(stack.root).change(COPY)
    assert again is not None and again.action is Action.NO_OP
    assert again.reason == "copied to aoai-ncus"


def test_a_checkpoint_deployed_in_another_tenant_is_a_located_error(
    env: dict[str, str], new_stack: NewStack
) -> None:
    stack = new_stack(
        "copies-tenant",
        datasets={"tern-train": chat_lines("tern islands")},
        jobs={"tern": job("tern-train", suffix="tern")},
        deployments={"tern-other": deployment("other", {"job": "tern", "checkpoint": 2})},
        accounts=("swc", "other"),
    )
    planned = fresh_plan(stack.root)
    issues = [e for e in planned.errors if e.address == "checkpoint_copy.tern-2@other"]
    # aoai-ncus-b also holds no fine-tuning job: both prerequisites are named, at the model
    assert sorted(str(i).split(": error: ")[1] for i in issues) == [
        "checkpoint_copy.tern-2@other: aoai-ncus-b has no fine-tuning job, and Azure copies a "
        "checkpoint only into an account with at least one: run a fine-tuning job there first "
        "(a job of this spec in that account will do)",
        "checkpoint_copy.tern-2@other: the checkpoint of epoch 2 of job.tern would have to be "
        "copied from tenant (default) to 22222222-2222-2222-2222-222222222222; Azure copies "
        "checkpoints only within one tenant: deploy the job's final model (model: {job: tern}), "
        "or train the job in this tenant",
    ]
    assert {str(i.location) for i in issues} == {"spec/stack.yaml:17:5"}  # the deployment's model


def test_a_destination_without_public_network_access_is_a_located_error(
    env: dict[str, str], admin: Admin, new_stack: NewStack, emulator: RunningEmulator
) -> None:
    stack = new_stack(
        "copies-closed",
        datasets={"auk-train": chat_lines("auk cliffs")},
        jobs={"auk": job("auk-train", suffix="auk")},
        accounts=("swc",),
    )
    assert apply(stack.root, wait=True).code == 0  # auk trains in aoai-swc
    stack.accounts["closed"] = {**ACCOUNTS["ncus"], "name": CLOSED}
    stack.deployments["auk-closed"] = deployment("closed", {"job": "auk", "checkpoint": 2})
    stack.write()
    refused_plan = apply(stack.root, wait=True)
    assert refused_plan.code == 1
    assert (
        "error: checkpoint_copy.auk-2@closed: aoai-ncus-closed disables public network access"
        in refused_plan.out
    )
    # the emulator refuses such a copy too, as the docs' prerequisite says
    (trained,) = admin.jobs("copies-closed")
    with data_plane(emulator, "aoai-swc") as client:
        checkpoint = client.fine_tuning.jobs.checkpoints.list(trained["id"]).data[0]
        with pytest.raises(openai.BadRequestError) as refused:
            client.post(
                f"/fine_tuning/jobs/{trained['id']}/checkpoints/{checkpoint.id}/copy",
                body={
                    "destinationResourceId": (
                        f"/subscriptions/{SUB1}/resourceGroups/rg-ft/providers/"
                        f"Microsoft.CognitiveServices/accounts/{CLOSED}"
                    ),
                    "region": "northcentralus",
                },
                cast_to=object,
                options={"headers": {"aoai-copy-ft-checkpoints": "preview"}},
            )
    assert "disables public network access" in refused.value.message


def test_a_copy_azure_reports_failed_fails_its_change_naming_the_prerequisites(
    env: dict[str, str], new_stack: NewStack, emulator: RunningEmulator
) -> None:
    """The plan refuses a copy across tenants, so this drives apply's copy step directly with
    such a change (as a plan made before the accounts moved would hold): the emulator's copy
    into another tenant ends Failed, and the step fails naming the documented prerequisites."""
    stack = new_stack(
        "copies-failed",
        datasets={"puffin-train": chat_lines("puffin burrows")},
        jobs={
            "puffin": job("puffin-train", suffix="puffin"),
            "helper": job("puffin-train", account="other", suffix="helper"),
        },
        accounts=("swc", "other"),
    )
    assert apply(stack.root, wait=True).code == 0
    prepared = prepare(stack.root)
    with Session.open() as session:
        observation = session.observe(prepared)
        swc = observation.observed.accounts["swc"]
        (trained,) = [j for j in swc.jobs if j.metadata.get("reconciler-job") == "puffin"]
        other = observation.observed.accounts["other"]
        with data_plane(emulator, "aoai-swc") as client:
            checkpoint = client.fine_tuning.jobs.checkpoints.list(trained.id).data[0]
        after = CopyAfter(
            job="puffin",
            checkpoint=2,
            source="swc",
            source_name="aoai-swc",
            destination="other",
            destination_name=other.name,
            destination_resource_id=other.arm_id,
            region=other.location,
            job_id=trained.id,
            checkpoint_id=checkpoint.id,
        )
        address = "checkpoint_copy.puffin-2@other"
        because = Because(CopyReason.ABSENT, {"destination_name": other.name})
        change = Change(address, ResourceType.CHECKPOINT_COPY, Action.CREATE, because, None, after)
        out = io.StringIO()
        execution = execute(
            Plan("copies-failed", (change,)),
            desired=prepared.desired,
            observed=observation.observed,
            access=observation.access,
            clients=session.clients,
            target=session.target,
            dataset_paths={},
            replace=frozenset(),
            options=ExecOptions.for_target(session.target, wait=True, timeout=60.0),
            progress=PlainProgress(out),
        )
    (failed,) = execution.report.with_status(TaskStatus.FAILED)
    assert failed.id == address
    assert failed.message.startswith(
        f"Azure reports the copy of {after.checkpoint_id} from aoai-swc to aoai-ncus-b failed"
    )
    assert "Azure AI User role" in failed.message
    assert "one tenant" in failed.message
