"""`show PLANFILE`'s cost: the one the plan was saved with, or counted again with `--prices`."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.commands.show import saved_plan
from reconciler.plan import Desired, Observed, plan
from reconciler.plan.saved import save_plan

CASE = Path(__file__).resolve().parents[2] / "cases" / "fresh-stack"


def _saved(tmp_path: Path) -> Path:
    desired = Desired.from_json(json.loads((CASE / "desired.json").read_text()))
    observed = Observed.from_json(json.loads((CASE / "observed.json").read_text()))
    out = tmp_path / "saved.plan"
    save_plan(out, plan(desired, observed), tmp_path, frozenset())
    return out


def test_a_saved_plan_keeps_its_cost_and_prices_count_it_again(tmp_path: Path) -> None:
    saved = _saved(tmp_path)
    shown = saved_plan(saved)
    assert shown is not None and shown.cost is not None
    assert shown.cost.monthly_delta == 1241.0
    prices = tmp_path / "prices.yaml"
    prices.write_text(
        "hosting:\n"
        "  - {sku: Standard, model: '*', per_hour: 2.0, as_of: 2026-11-01, source: ours}\n",
        encoding="utf-8",
    )
    again = saved_plan(saved, prices)
    assert again is not None and again.cost is not None
    assert again.cost.monthly_delta == 1460.0
    swc = again.change("deployment.clippy-swc")
    assert swc is not None and swc.details["cost"]["monthly_delta"] == 1460.0
