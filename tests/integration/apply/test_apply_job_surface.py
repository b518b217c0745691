"""Azure-only job fields go to the surface that documents them: a job with a non-standard
training type or a prompt_loss_weight is created with `POST /openai/fine_tuning/jobs?api-version=
2025-04-01-preview` (the fine-tuning how-to's request), a standard one through v1 with the
stack's metadata; both are recognised again afterwards, so a second plan has nothing to do."""

from __future__ import annotations

from .apply_support import Admin, apply, chat_lines, fresh_plan, job
from .conftest import NewStack

JOBS_V1 = "/dp/aoai-swc/openai/v1/fine_tuning/jobs"
JOBS_VERSIONED = "/dp/aoai-swc/openai/fine_tuning/jobs"


def _creates(admin: Admin) -> list[str]:
    return [path for method, path in admin.requests() if method == "POST" and "jobs" in path]


def test_azure_only_fields_use_the_api_version_surface_and_converge(
    env: dict[str, str], admin: Admin, new_stack: NewStack
) -> None:
    stack = new_stack(
        "surface",
        datasets={"surface-train": chat_lines("surface gulls")},
        jobs={
            "global": job(
                "surface-train",
                training_type="globalstandard",
                hyperparameters={"n_epochs": 2, "prompt_loss_weight": 0.1},
                suffix="global",
            ),
            "plain": job("surface-train", suffix="plain"),
        },
        accounts=("swc",),
    )
    admin.clear_requests()

    first = apply(stack.root, wait=True)

    assert first.code == 0, first.text
    creates = _creates(admin)
    assert sorted(p.split("?")[0] for p in creates) == [JOBS_VERSIONED, JOBS_V1], creates
    trained = {j["suffix"]: j for j in admin.jobs_in("aoai-swc") if j.get("suffix")}
    assert trained["global"]["training_type"] == "globalstandard"
    assert trained["global"]["hyperparameters"]["prompt_loss_weight"] == 0.1
    assert trained["plain"]["metadata"]["reconciler-job"] == "plain"
    again = fresh_plan(stack.root)
    assert not [c.address for c in again.changes if c.is_change]
