"""A fresh stack applied with --wait: uploads, training, deployments in three accounts (same
region Standard, cross-region PTU, cross-tenant); then nothing left to do, and a second apply
sends not one mutating request."""

from __future__ import annotations

from .apply_support import (
    SWC_ID,
    Admin,
    apply,
    chat_lines,
    deployment,
    job,
)
from .conftest import Converged, NewStack


def test_fresh_apply_creates_everything_and_converges(
    env: dict[str, str], admin: Admin, new_stack: NewStack, converged: Converged
) -> None:
    stack = new_stack(
        "fresh",
        datasets={
            "fresh-train": chat_lines("fresh parrots"),
            "fresh-valid": chat_lines("fresh masts", 10),
        },
        jobs={"parrot": job("fresh-train", validation="fresh-valid", suffix="parrot")},
        deployments={
            "parrot-swc": deployment("swc", {"job": "parrot"}),
            "parrot-ncus": deployment("ncus", {"job": "parrot"}, "ProvisionedManaged", 25),
            "parrot-other": deployment("other", {"job": "parrot"}, "Standard", 1),
        },
        accounts=("swc", "ncus", "other"),
    )

    first = apply(stack.root, wait=True)

    assert first.code == 0, first.text
    assert "6 done" in first.out  # 2 files, 1 job, 3 deployments
    jobs = admin.jobs("fresh")
    assert len(jobs) == 1
    trained = jobs[0]
    assert trained["metadata"]["reconciler-job"] == "parrot"
    assert trained["suffix"] == "parrot"
    deployments = admin.deployments("fresh")
    assert set(deployments) == {
        "aoai-swc/parrot-swc",
        "aoai-ncus/parrot-ncus",
        "aoai-ncus-b/parrot-other",
    }
    model = trained["fine_tuned_model"]
    for found in deployments.values():
        assert found["properties"]["model"]["name"] == model
        assert found["properties"]["model"]["version"] == "1"
        assert found["tags"] == {"managed-by": "reconciler", "reconciler-stack": "fresh"}
    ncus = deployments["aoai-ncus/parrot-ncus"]
    assert ncus["sku"] == {"name": "ProvisionedManaged", "capacity": 25}
    assert ncus["properties"]["model"]["source"] == SWC_ID  # cross-region
    other = deployments["aoai-ncus-b/parrot-other"]
    assert other["properties"]["model"]["sourceAccount"] == SWC_ID  # cross-tenant
    assert "source" not in deployments["aoai-swc/parrot-swc"]["properties"]["model"]
    # and afterwards `plan --detailed-exitcode` would exit 0
    converged("fresh", stack.root)

    admin.clear_requests()
    second = apply(stack.root, wait=True)
    assert second.code == 0, second.text
    assert "No changes" in second.out
    assert admin.mutations() == []
    assert admin.requests(), "the second apply read Azure"
