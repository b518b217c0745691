"""The arithmetic of a plan's cost, on data: training (billed tokens x price per 1M, per model
and training type; reinforcement per hour, never totalled), monthly hosting and PTU deltas
(x 730 h), unknown prices left out of the totals and named, the date the figures rest on."""

from __future__ import annotations

import pytest

from reconciler.cost.estimate import items, priced
from reconciler.cost.money import money, signed
from reconciler.cost.prices import PriceTable, parse_prices
from reconciler.kinds.deployment import DeploymentAfter, DeploymentBefore, DeploymentReason
from reconciler.kinds.job import DataRef, JobAfter, JobReason
from reconciler.plan.desired import JobRef
from reconciler.plan.model import Action, Because, Change, Plan, ResourceType
from reconciler.spec.yaml_loader import parse_yaml

TABLE = """\
as_of: "2026-01-01"
hours_per_month: 730
training:
  - {model: gpt-4.1, training_type: globalstandard, per_million_tokens: 2.0, as_of: "2026-02-11", source: docs}
  - {model: gpt-4.1-2025-04-14, training_type: developer, per_million_tokens: 1.0, as_of: "2026-03-01", source: docs}
  - {model: "*", training_type: "*", per_million_tokens: null, as_of: "2026-02-11", source: unknown}
reinforcement:
  - {model: o4-mini, per_hour: 100, billing_cap: 5000, as_of: "2026-02-11", source: docs}
hosting:
  - {sku: Standard, model: "*", per_hour: 1.70, as_of: "2026-02-11", source: docs}
  - {sku: GlobalStandard, model: "*", per_hour: 1.70, as_of: "2026-02-11", source: docs}
  - {sku: DeveloperTier, model: "*", per_hour: 0, as_of: "2026-02-11", source: docs}
provisioned:
  - {sku: ProvisionedManaged, model: "*", per_ptu_hour: 2.0, as_of: "2025-12-01", source: ours}
  - {sku: GlobalProvisionedManaged, model: "*", per_ptu_hour: null, as_of: "2026-02-11", source: unknown}
"""  # noqa: E501
FT = "gpt-4.1-2025-04-14.ft-0123456789abcdef0123456789abcdef"


def table(text: str = TABLE) -> PriceTable:
    return parse_prices(parse_yaml(text, "prices.yaml"), "prices.yaml")


def job(
    name: str = "j",
    *,
    model: str | None = "gpt-4.1-2025-04-14",
    training_type: str = "globalstandard",
    method: str = "supervised",
    billed: int | None = 1_000_000,
    action: Action = Action.CREATE,
    from_job: JobRef | None = None,
) -> Change:
    after = JobAfter(
        account="swc",
        account_name="aoai-swc",
        name=name,
        fingerprint="f" * 64,
        model=model,
        training_data=DataRef("train", "a" * 64, None),
        validation_data=None,
        method=method,
        hyperparameters={"n_epochs": 2},
        seed=None,
        suffix=None,
        training_type=training_type,
        metadata={},
        from_job=from_job,
    )
    stats = {"n_epochs": 2, "billed_tokens_estimate": billed}
    reason = Because(JobReason.ABSENT, {"account_name": "aoai-swc"})
    return Change(
        f"job.{name}", ResourceType.JOB, action, reason, None, after, (), {"stats": stats}
    )


def deployment_after(
    sku: str, capacity: int, model: str | None = FT, job: str | None = None
) -> DeploymentAfter:
    model_json = None if model is None else {"format": "OpenAI", "name": model, "version": "1"}
    return DeploymentAfter("swc", "aoai-swc", "d", model_json, sku, capacity, {}, job)


def deployment_before(sku: str, capacity: int, model: str = FT) -> DeploymentBefore:
    return DeploymentBefore(
        "swc", "aoai-swc", "d", {"format": "OpenAI", "name": model, "version": "1"}, sku,
        capacity, {}, "Succeeded",
    )  # fmt: skip


def deployment(
    action: Action, before: DeploymentBefore | None, after: DeploymentAfter | None, name: str = "d"
) -> Change:
    reason = Because(DeploymentReason.DIFFERS, {})
    return Change(f"deployment.{name}", ResourceType.DEPLOYMENT, action, reason, before, after)


def cost_of(*changes: Change, prices: PriceTable | None = None) -> Plan:
    return priced(Plan("s", changes), prices or table())


def test_training_is_billed_tokens_times_the_price_per_million_of_model_and_type() -> None:
    result = cost_of(
        job("a", billed=1_500_000), job("b", training_type="developer", billed=400_000)
    )
    assert result.cost is not None
    assert result.cost.training == pytest.approx(1.5 * 2.0 + 0.4 * 1.0)
    assert result.cost.monthly_delta == 0
    a = result.change("job.a")
    assert a is not None
    assert a.details["cost"] == {
        "training": 3.0,
        "basis": "1,500,000 billed tokens × $2.00 per 1M (gpt-4.1-2025-04-14, globalstandard "
        "training)",
    }
    # the oldest date among the prices used: 2026-02-11 (global) and 2026-03-01 (developer)
    assert result.cost.prices_as_of == "2026-02-11"


def test_unknown_price_or_epochs_is_left_out_and_named_never_zero() -> None:
    result = cost_of(
        job("known"),
        job("standard", training_type="standard"),  # only "*": null
        job("auto", billed=None),  # n_epochs auto: the service chooses
    )
    assert result.cost is not None and result.cost.training == 2.0
    standard = result.change("job.standard")
    auto = result.change("job.auto")
    assert standard is not None and auto is not None
    assert standard.details["cost"]["training"] is None
    assert (
        "no published price for standard training of gpt-4.1-2025-04-14"
        in (standard.details["cost"]["basis"])
    )
    assert auto.details["cost"]["training"] is None


def test_a_job_that_continues_another_is_priced_by_the_chain_s_base_model() -> None:
    parent = job("parent")
    child = job("child", model=None, from_job=JobRef("parent"), billed=500_000)
    grandchild = job("grand", model=FT, billed=250_000)  # continues a trained fine-tuned model
    result = cost_of(parent, child, grandchild)
    assert result.cost is not None
    assert result.cost.training == pytest.approx(2.0 + 1.0 + 0.5)


def test_reinforcement_shows_its_hourly_rate_and_cap_but_adds_nothing() -> None:
    result = cost_of(job("rft", model="o4-mini-2025-04-16", method="reinforcement"))
    assert result.cost is not None and result.cost.training == 0
    change = result.change("job.rft")
    assert change is not None
    cost = change.details["cost"]
    assert cost["training"] is None
    assert "$100.00 per training hour" in cost["basis"]
    assert "$5,000.00 a job" in cost["basis"]


def test_a_job_waited_for_or_trained_is_not_billed_again() -> None:
    from reconciler.kinds.job import JobBefore
    from reconciler.plan.observed import JobStatus

    running = JobBefore("ftjob-1", JobStatus.RUNNING, "gpt-4.1-2025-04-14", None, None, None,
                        {}, None, None, None, None)  # fmt: skip
    change = job("w", action=Action.WAIT)
    waiting = Change(change.address, change.type, Action.WAIT, change.because, running,
                     change.after, (), change.details)  # fmt: skip
    trained = job("t", action=Action.NO_OP)
    result = cost_of(waiting, trained)
    assert result.cost is not None and result.cost.training == 0
    assert all("cost" not in c.details for c in result.changes)


def test_monthly_hosting_create_delete_and_replace() -> None:
    create = deployment(Action.CREATE, None, deployment_after("Standard", 1), "new")
    delete = deployment(Action.DELETE, deployment_before("GlobalStandard", 5), None, "old")
    result = cost_of(create, delete)
    assert result.cost is not None and result.cost.monthly_delta == 0  # +1241 - 1241
    new = result.change("deployment.new")
    assert new is not None and new.details["cost"]["monthly_delta"] == 1241.0
    old = result.change("deployment.old")
    assert old is not None and old.details["cost"]["monthly_delta"] == -1241.0


def test_ptu_counts_capacity_and_its_change() -> None:
    update = deployment(
        Action.UPDATE,
        deployment_before("ProvisionedManaged", 25),
        deployment_after("ProvisionedManaged", 50),
    )
    result = cost_of(update)
    assert result.cost is not None
    assert result.cost.monthly_delta == pytest.approx(25 * 2.0 * 730)
    assert result.cost.prices_as_of == "2025-12-01"
    to_ptu = deployment(
        Action.REPLACE, deployment_before("Standard", 1), deployment_after("ProvisionedManaged", 25)
    )
    replaced = cost_of(to_ptu)
    assert replaced.cost is not None
    assert replaced.cost.monthly_delta == pytest.approx(25 * 2.0 * 730 - 1.70 * 730)


def test_base_models_on_token_skus_have_no_hourly_fee_and_developer_tier_none() -> None:
    base = deployment(Action.CREATE, None, deployment_after("GlobalStandard", 10, "gpt-4.1"), "b")
    dev = deployment(Action.CREATE, None, deployment_after("DeveloperTier", 1), "dev")
    pending = deployment(Action.WAIT, None, deployment_after("Standard", 1, None, job="j"), "p")
    result = cost_of(base, dev, pending)
    assert result.cost is not None
    assert result.cost.monthly_delta == 1241.0  # only the deployment its job will feed
    b = result.change("deployment.b")
    assert b is not None and b.details["cost"]["monthly_delta"] == 0
    assert "billed per token" in b.details["cost"]["basis"]


def test_unknown_ptu_price_is_named_and_not_counted() -> None:
    glob = deployment(
        Action.CREATE, None, deployment_after("GlobalProvisionedManaged", 15), "global"
    )
    hosted = deployment(Action.CREATE, None, deployment_after("Standard", 1), "hosted")
    result = cost_of(glob, hosted)
    assert result.cost is not None and result.cost.monthly_delta == 1241.0
    change = result.change("deployment.global")
    assert change is not None and change.details["cost"]["monthly_delta"] is None


def test_same_sku_and_capacity_change_nothing() -> None:
    update = deployment(
        Action.UPDATE, deployment_before("Standard", 1), deployment_after("Standard", 5)
    )
    result = cost_of(update)
    assert result.cost is not None and result.cost.monthly_delta == 0
    assert items(result, table()) == []


def test_pricing_again_replaces_the_old_cost_and_survives_json() -> None:
    once = cost_of(job("a"), deployment(Action.CREATE, None, deployment_after("Standard", 1)))
    cheaper = table(TABLE.replace("per_hour: 1.70, as_of", "per_hour: 1.00, as_of", 1))
    again = priced(once, cheaper)
    assert again.cost is not None and again.cost.monthly_delta == 730.0
    assert Plan.from_json(again.to_json()).to_json() == again.to_json()
    assert set(again.to_json()["cost"]) == {
        "currency",
        "training",
        "monthly_delta",
        "prices_as_of",
    }


def test_no_prices_used_dates_the_cost_by_the_table() -> None:
    result = cost_of()
    assert result.cost is not None
    assert (result.cost.training, result.cost.monthly_delta) == (0, 0)
    assert result.cost.prices_as_of == "2026-01-01"


def test_money_formats() -> None:
    assert money(1241.0) == "$1,241.00"
    assert money(0.0012) == "$0.0012"
    assert money(0) == "$0.00"
    assert signed(-36500) == "-$36,500.00"
    assert signed(0.5) == "+$0.50"
