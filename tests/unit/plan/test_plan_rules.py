"""Planner rules checked directly on small data (the golden cases cover whole scenarios)."""

from __future__ import annotations

import dataclasses
import hashlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.plan import (
    Action,
    DesiredDeployment,
    DesiredJob,
    JobRef,
    JobStatus,
    Observed,
    ObservedCheckpoint,
    plan,
)
from reconciler.plan.resolve import hyperparameters_match

from .plan_builders import (
    BASE,
    FT,
    STACK_TAGS,
    TRAIN,
    VALID,
    account,
    catalog,
    deployment,
    desired,
    job,
    observed,
    observed_job,
    processed_file,
    tagged,
    trained,
)


def actions(result: object) -> dict[str, str]:
    return {c.address: "/".join(c.action.actions) for c in result.changes}  # type: ignore[attr-defined]


def test_trained_job_and_matching_deployment_are_no_ops() -> None:
    spec = desired()
    state = observed(swc=trained(spec.fingerprint("clippy"), deployments=(tagged("clippy-swc"),)))
    result = plan(spec, state)
    assert not result.has_changes and not result.errors
    assert actions(result)["job.clippy"] == "no-op"


def test_succeeded_run_wins_over_a_later_failed_one() -> None:
    spec = desired(deployments={})
    fingerprint = spec.fingerprint("clippy")
    meta = {"reconciler-fingerprint": fingerprint}
    state = observed(
        swc={
            "jobs": (
                observed_job(
                    "ftjob-old",
                    JobStatus.SUCCEEDED,
                    fine_tuned_model=FT,
                    metadata=meta,
                    created_at=1,
                ),
                observed_job(
                    "ftjob-new", JobStatus.FAILED, metadata=meta, created_at=2, error_message="x"
                ),
            )
        }
    )
    job_change = plan(spec, state).change("job.clippy")
    assert job_change is not None and job_change.action is Action.NO_OP
    assert job_change.before is not None and job_change.before.to_json()["id"] == "ftjob-old"


def test_a_job_with_another_fingerprint_is_not_matched_by_fields() -> None:
    spec = desired(deployments={})
    state = observed(
        swc=trained("0" * 64)  # same fields, but the metadata names another input
    )
    assert actions(plan(spec, state))["job.clippy"] == "create"


def test_a_job_without_metadata_is_found_by_its_fields() -> None:
    spec = desired(deployments={})
    found = trained("x")
    found["jobs"] = (dataclasses.replace(found["jobs"][0], metadata={}),)
    assert actions(plan(spec, observed(swc=found)))["job.clippy"] == "no-op"
    # any explicit difference breaks the match: here the seed
    found["jobs"] = (dataclasses.replace(found["jobs"][0], metadata={}, seed=8),)
    assert actions(plan(spec, observed(swc=found)))["job.clippy"] == "create"


def test_unwritten_seed_matches_whatever_the_service_chose() -> None:
    spec = desired(jobs={"clippy": job(seed=None)}, deployments={})
    found = trained("x")
    found["jobs"] = (dataclasses.replace(found["jobs"][0], metadata={}, seed=123456),)
    assert actions(plan(spec, observed(swc=found)))["job.clippy"] == "no-op"


def test_hyperparameters_match() -> None:
    assert hyperparameters_match({"n_epochs": "auto"}, {"n_epochs": -1})
    assert not hyperparameters_match({"n_epochs": 3}, {"n_epochs": -1})
    assert hyperparameters_match(
        {"n_epochs": 3, "batch_size": "auto"}, {"n_epochs": 3, "batch_size": 16}
    )
    assert not hyperparameters_match(
        {"learning_rate_multiplier": 0.5}, {"learning_rate_multiplier": 1.0}
    )
    assert hyperparameters_match(
        {"learning_rate_multiplier": 2}, {"learning_rate_multiplier": "2.0"}
    )
    # not reported by the service: not held against the job
    assert hyperparameters_match({"prompt_loss_weight": 0.1}, {"n_epochs": 3})


def test_file_matches_on_sha_size_and_purpose_only() -> None:
    spec = desired(deployments={})
    wrong = {
        "files": (
            processed_file("file-a", "train", TRAIN, 999),  # same sha in the name, other size
            processed_file("file-b", "train", TRAIN, 1000, purpose="fine-tune-results"),
            processed_file("file-v", "valid", VALID, 200, status="deleted"),
        )
    }
    result = plan(spec, observed(swc=wrong))
    assert actions(result)["file.train@swc"] == "create"
    assert actions(result)["file.valid@swc"] == "create"


def test_no_upload_for_a_job_that_is_already_trained() -> None:
    spec = desired(deployments={})
    state = trained(spec.fingerprint("clippy"))
    state["files"] = ()  # the data was deleted after training: nothing needs it any more
    result = plan(spec, observed(swc=state))
    assert not result.has_changes
    change = result.change("file.train@swc")
    assert change is not None and "no job to be created needs it" in change.reason


def test_a_job_removed_from_the_spec_is_left_alone() -> None:
    spec = desired(jobs={}, deployments={})
    state = observed(swc=trained("f" * 64))
    result = plan(spec, state)
    assert result.changes == ()


def test_failed_parent_blocks_continuous_training() -> None:
    spec = desired(
        jobs={"base": job("base"), "more": job("more", model=JobRef("base"), suffix="more")},
        deployments={},
    )
    meta = {"reconciler-fingerprint": spec.fingerprint("base")}
    state = observed(
        swc={
            "jobs": (
                observed_job("ftjob-1", JobStatus.FAILED, metadata=meta, error_message="bad data."),
            )
        }
    )
    result = plan(spec, state)
    more = result.change("job.more")
    assert more is not None and more.action is Action.NO_OP and more.status == "blocked"
    assert [e.address for e in result.errors] == ["job.more"]
    assert "bad data" in result.errors[0].message
    assert result.errors[0].location == spec.jobs["more"].where("model")


def test_continuous_training_from_a_trained_parent_uses_its_model() -> None:
    spec = desired(
        jobs={"clippy": job(), "more": job("more", model=JobRef("clippy"), suffix="more")},
        deployments={},
    )
    state = observed(swc=trained(spec.fingerprint("clippy")))
    more = plan(spec, state).change("job.more")
    assert more is not None and more.action is Action.CREATE
    assert more.after is not None and more.after.to_json()["model"] == FT
    assert more.depends_on == ()


def test_checkpoint_by_reported_epoch() -> None:
    spec = desired(deployments={"e1": deployment("e1", model=JobRef("clippy", 1))})
    state = trained(spec.fingerprint("clippy"))
    job_with_checkpoints = dataclasses.replace(
        state["jobs"][0],
        checkpoints=(
            ObservedCheckpoint("ftchkpt-b", None, step=20, epoch=2),
            ObservedCheckpoint("ftchkpt-a", None, step=10, epoch=1),
        ),
    )
    state["jobs"] = (job_with_checkpoints,)
    change = plan(spec, observed(swc=state)).change("deployment.e1")
    assert change is not None and change.after is not None
    assert change.after.to_json()["model"] == {
        "format": "OpenAI",
        "name": "ftchkpt-a",
        "version": "1",
    }


def test_model_version_changes_in_place_but_model_name_replaces() -> None:
    version = desired(
        jobs={}, deployments={"chat": deployment("chat", model="gpt-4.1-mini-2025-05-30")}
    )
    old = tagged("chat", model_name="gpt-4.1-mini", model_version="2025-04-14")
    result = plan(version, observed(swc={"deployments": (old,)}))
    assert actions(result) == {"deployment.chat": "update"}
    other = desired(jobs={}, deployments={"chat": deployment("chat", model="gpt-4o-2024-11-20")})
    assert actions(plan(other, observed(swc={"deployments": (old,)}))) == {
        "deployment.chat": "delete/create"
    }


def test_tags_restored_and_user_tags_kept() -> None:
    spec = desired(
        jobs={}, deployments={"chat": deployment("chat", model=BASE, prevent_destroy=True)}
    )
    existing = tagged(
        "chat",
        model_name="gpt-4.1-mini",
        model_version="2025-04-14",
        tags={"owner": "me", **STACK_TAGS},
    )
    change = plan(spec, observed(swc={"deployments": (existing,)})).change("deployment.chat")
    assert change is not None and change.action is Action.UPDATE
    assert change.after is not None and change.after.to_json()["tags"] == {
        "managed-by": "reconciler",
        "owner": "me",
        "reconciler-prevent-destroy": "true",
        "reconciler-stack": "clippy",
    }
    assert [c.field for c in change.changed] == ["tags.reconciler-prevent-destroy"]


def test_replace_option_forces_a_deployment_replacement() -> None:
    spec = desired()
    state = observed(swc=trained(spec.fingerprint("clippy"), deployments=(tagged("clippy-swc"),)))
    result = plan(spec, state, replace=frozenset({"deployment.clippy-swc"}))
    assert actions(result)["deployment.clippy-swc"] == "delete/create"


def test_replace_does_not_start_a_second_run_while_one_runs() -> None:
    spec = desired(deployments={})
    meta = {"reconciler-fingerprint": spec.fingerprint("clippy")}
    state = observed(swc={"jobs": (observed_job("ftjob-1", JobStatus.RUNNING, metadata=meta),)})
    assert actions(plan(spec, state, replace=frozenset({"job.clippy"})))["job.clippy"] == "wait"


def test_prevent_destroy_while_the_new_model_trains_is_an_error_now() -> None:
    spec = desired(deployments={"clippy-swc": deployment(prevent_destroy=True)})
    meta = {"reconciler-fingerprint": spec.fingerprint("clippy")}
    state = observed(
        swc={
            "jobs": (observed_job("ftjob-2", JobStatus.RUNNING, metadata=meta),),
            "deployments": (tagged("clippy-swc", model_name="old-model.ft-1"),),
        }
    )
    result = plan(spec, state)
    assert actions(result)["deployment.clippy-swc"] == "wait"
    assert len(result.errors) == 1 and "prevent_destroy" in result.errors[0].message


def test_quota_counts_capacity_released_by_the_same_plan() -> None:
    spec = desired(deployments={"new": deployment("new", capacity=30)})
    state = trained(
        spec.fingerprint("clippy"),
        deployments=(tagged("old", capacity=30),),  # left the spec: deleted by this plan
        **catalog(limit=50, current=30),
    )
    result = plan(spec, observed(swc=state))
    assert actions(result)["deployment.old"] == "delete"
    assert actions(result)["deployment.new"] == "create"
    assert not result.errors
    tight = trained(spec.fingerprint("clippy"), **catalog(limit=50, current=30))
    errors = plan(spec, observed(swc=tight)).errors
    assert len(errors) == 1
    assert "limit 50, 30 in use, this plan needs 30 more" in errors[0].message
    assert errors[0].location == spec.deployments["new"].where("sku.capacity")


def test_capacity_above_the_maximum_is_an_error() -> None:
    spec = desired(deployments={"big": deployment("big", capacity=51)})
    state = trained(spec.fingerprint("clippy"), **catalog(limit=1000))
    errors = plan(spec, observed(swc=state)).errors
    assert [e.message.split(" for sku")[0] for e in errors] == [
        "capacity 51 is above the maximum 50"
    ]


def test_no_catalog_no_checks() -> None:
    spec = desired(deployments={"big": deployment("big", capacity=10_000)})
    assert not plan(spec, observed(swc=trained(spec.fingerprint("clippy")))).errors


def test_an_account_not_read_is_an_error() -> None:
    spec = desired()
    state = Observed({"swc": account("swc", "aoai-swc", "swedencentral")})
    errors = plan(spec, state).errors
    assert [e.message for e in errors] == ["account ncus (aoai-ncus) was not read from Azure"]


def test_orphan_address_does_not_collide_with_a_spec_entry() -> None:
    spec = desired(deployments={"clippy-swc": deployment()})
    state = observed(
        swc=trained(spec.fingerprint("clippy"), deployments=(tagged("clippy-swc"),)),
        ncus={"deployments": (tagged("clippy-swc"),)},  # same Azure name, other account
    )
    result = plan(spec, state)
    assert actions(result)["deployment.clippy-swc@ncus"] == "delete"
    assert actions(result)["deployment.clippy-swc"] == "no-op"


def test_two_spec_entries_with_one_azure_name_is_an_error() -> None:
    spec = desired(
        deployments={
            "a": deployment("a", azure_name="same"),
            "b": deployment("b", azure_name="same"),
        }
    )
    errors = plan(spec, observed(swc=trained(spec.fingerprint("clippy")))).errors
    assert [e.address for e in errors] == ["deployment.b"]


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_order_azure_lists_things_in_does_not_matter(rng: object) -> None:
    spec = desired(
        deployments={
            "clippy-swc": deployment(),
            "gone-too": DesiredDeployment("gone-too", "ncus", "x", JobRef("clippy"), "Standard", 2),
        }
    )
    state = trained(
        spec.fingerprint("clippy"),
        deployments=(tagged("clippy-swc", capacity=4), tagged("orphan-1"), tagged("orphan-2")),
    )
    state["jobs"] = (
        *state["jobs"],
        observed_job("ftjob-0", JobStatus.FAILED, metadata=state["jobs"][0].metadata, created_at=0),
    )
    baseline = json.dumps(plan(spec, observed(swc=state)).to_json(), sort_keys=True)
    shuffled = {
        key: list(value) if isinstance(value, tuple) else value for key, value in state.items()
    }
    for key in ("files", "jobs", "deployments"):
        rng.shuffle(shuffled[key])  # type: ignore[attr-defined]
        shuffled[key] = tuple(shuffled[key])
    again = json.dumps(plan(spec, observed(swc=shuffled)).to_json(), sort_keys=True)
    assert again == baseline


def _chain(names: tuple[str, str, str]) -> dict[str, DesiredJob]:
    """names[0] continues from names[1], which continues from names[2] (the root)."""
    leaf, mid, top = names
    return {
        top: job(top, suffix="root"),
        mid: job(mid, model=JobRef(top), suffix="mid"),
        leaf: job(leaf, model=JobRef(mid, 2), suffix="leaf"),
    }


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.from_regex(r"[a-z][a-z0-9-]{0,6}", fullmatch=True), min_size=3, max_size=3, unique=True
    )
)
def test_a_child_depends_on_the_parent_this_plan_creates_whatever_the_names_order(
    drawn: list[str],
) -> None:
    leaf, mid, top = drawn
    spec = desired(
        jobs=_chain((leaf, mid, top)), deployments={"d": deployment("d", model=JobRef(leaf))}
    )
    result = plan(spec, observed())
    changes = {c.address: c for c in result.changes}
    assert changes[f"job.{mid}"].depends_on[-1] == f"job.{top}"
    assert changes[f"job.{leaf}"].depends_on[-1] == f"job.{mid}"
    assert changes["deployment.d"].depends_on == (f"job.{leaf}",)
    assert f"it starts from the model of job.{top}" in changes[f"job.{mid}"].reason
    assert f"the checkpoint of epoch 2 of job.{mid}" in changes[f"job.{leaf}"].reason


@settings(max_examples=30, deadline=None)
@given(st.permutations(["a-leaf", "m-mid", "z-root"]))
def test_a_child_waits_for_its_training_parent_whatever_the_names_order(
    names: list[str],
) -> None:
    leaf, mid, top = names
    spec = desired(jobs=_chain((leaf, mid, top)), deployments={})
    meta = {"reconciler-fingerprint": spec.fingerprint(top)}
    uploaded = trained(meta["reconciler-fingerprint"])["files"]
    running = observed_job("ftjob-r", JobStatus.RUNNING, metadata=meta)
    changes = {
        c.address: c
        for c in plan(spec, observed(swc={"files": uploaded, "jobs": (running,)})).changes
    }
    assert changes[f"job.{top}"].action is Action.WAIT
    assert changes[f"job.{mid}"].action is Action.WAIT
    assert changes[f"job.{mid}"].depends_on == (f"job.{top}",)
    assert changes[f"job.{leaf}"].action is Action.WAIT
    assert changes[f"job.{leaf}"].depends_on == (f"job.{mid}",)
    assert changes[f"job.{leaf}"].reason.endswith(
        f"it starts from the checkpoint of epoch 2 of job.{mid}"
    )


def test_new_root_data_changes_the_fingerprint_of_every_descendant() -> None:
    names = ("a-leaf", "m-mid", "z-root")
    before = desired(jobs=_chain(names), deployments={})
    edited = dataclasses.replace(before.datasets["train"], sha256=hashlib.sha256(b"v2").hexdigest())
    # only the root trains on "train"; the others on "other"
    datasets = {**before.datasets, "other": dataclasses.replace(edited, name="other", sha256=VALID)}
    jobs = {
        name: j if name == "z-root" else dataclasses.replace(j, training_data="other")
        for name, j in _chain(names).items()
    }
    old = desired(jobs=jobs, deployments={}, datasets=datasets)
    new = desired(jobs=jobs, deployments={}, datasets={**datasets, "train": edited})
    for name in names:
        assert new.fingerprint(name) != old.fingerprint(name), name
    assert old.ancestors("a-leaf") == ("m-mid", "z-root")
    assert old.base_model("a-leaf") == BASE
