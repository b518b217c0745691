"""A realistic walk, every request of which the contract fixture checks against Azure's published
schemas: three accounts (one in a second tenant), chat and DPO data, a standard job, a DPO job, a
globally trained job with prompt_loss_weight, a job continuing another, a checkpoint deployment,
cross-region PTU, cross-tenant and developer deployments; then a scale, a removal, and drift."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from reconciler.cli import cli

from .apply_support import Admin, apply, chat_lines, deployment, job, no_duplicates
from .conftest import NewStack


def _preference_lines(topic: str, count: int = 12) -> list[str]:
    return [
        json.dumps(
            {
                "input": {
                    "messages": [{"role": "user", "content": f"Greet me about {topic} {i}."}]
                },
                "preferred_output": [{"role": "assistant", "content": f"Ahoy, {topic} {i}!"}],
                "non_preferred_output": [{"role": "assistant", "content": f"Hello {topic}."}],
            }
        )
        for i in range(count)
    ]


def _plan_exit(root: Path) -> int:
    return CliRunner().invoke(cli, ["plan", str(root), "--detailed-exitcode"]).exit_code


def test_a_realistic_walk_stays_inside_the_published_contract(
    env: dict[str, str], admin: Admin, new_stack: NewStack
) -> None:
    stack = new_stack(
        "walk",
        datasets={
            "walk-train": chat_lines("walk parrots"),
            "walk-valid": chat_lines("walk masts", 10),
            "walk-prefs": _preference_lines("walk"),
            "walk-more": chat_lines("walk anchors"),
        },
        jobs={
            "base": job("walk-train", validation="walk-valid", suffix="base"),
            "prefs": job("walk-prefs", method="dpo", hyperparameters={"beta": 0.2}, suffix="dpo"),
            "global": job(
                "walk-train",
                training_type="globalstandard",
                hyperparameters={"n_epochs": 2, "prompt_loss_weight": 0.2},
                suffix="global",
            ),
            "more": job("walk-more", model={"job": "base"}, suffix="more"),
        },
        deployments={
            "base-swc": deployment("swc", {"job": "base"}),
            "base-ckpt": deployment("swc", {"job": "base", "checkpoint": 2}),
            # the fine-tuning deploy doc's own example: ProvisionedStandard 25, then 40
            "base-ptu": deployment("ncus", {"job": "base"}, "ProvisionedStandard", 25),
            "base-other": deployment("other", {"job": "base"}, "Standard", 1),
            "prefs-global": deployment("swc", {"job": "prefs"}, "GlobalStandard", 1),
            "more-dev": deployment("swc", {"job": "more"}, "DeveloperTier", 1),
        },
        accounts=("swc", "ncus", "other"),
    )

    first = apply(stack.root, wait=True)

    assert first.code == 0, first.text
    assert _plan_exit(stack.root) == 0
    no_duplicates(admin, "walk")

    stack.deployments["base-ptu"] = deployment("ncus", {"job": "base"}, "ProvisionedStandard", 40)
    del stack.deployments["prefs-global"]
    stack.write()
    second = apply(stack.root, wait=True)
    assert second.code == 0, second.text
    assert _plan_exit(stack.root) == 0
    ptu = admin.deployments("walk")["aoai-ncus/base-ptu"]
    assert ptu["sku"] == {"name": "ProvisionedStandard", "capacity": 40}
    assert set(admin.deployments("walk")) == {
        "aoai-swc/base-swc",
        "aoai-swc/base-ckpt",
        "aoai-ncus/base-ptu",
        "aoai-ncus-b/base-other",
        "aoai-swc/more-dev",
    }
    drift = CliRunner().invoke(cli, ["drift", str(stack.root)])
    assert drift.exit_code == 0, drift.output


def test_drift_says_azure_removed_a_developer_tier_deployment_after_24_hours(
    env: dict[str, str], admin: Admin, new_stack: NewStack
) -> None:
    stack = new_stack(
        "devtier",
        datasets={"devtier-train": chat_lines("devtier gulls")},
        jobs={"gull": job("devtier-train", suffix="gull")},
        deployments={"gull-dev": deployment("swc", {"job": "gull"}, "DeveloperTier", 1)},
        accounts=("swc",),
    )
    assert apply(stack.root, wait=True).code == 0
    assert CliRunner().invoke(cli, ["drift", str(stack.root)]).exit_code == 0

    admin.advance(24 * 3600 + 60)

    drift = CliRunner().invoke(cli, ["drift", str(stack.root)])
    assert drift.exit_code == 2, drift.output
    assert "gull-dev" in drift.output
    assert "DeveloperTier deployments 24 hours after they are created" in drift.output
    assert apply(stack.root, wait=True).code == 0  # deployed again
    assert set(admin.deployments("devtier")) == {"aoai-swc/gull-dev"}
    assert CliRunner().invoke(cli, ["drift", str(stack.root)]).exit_code == 0
