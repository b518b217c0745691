"""Cost in the plan through the CLI, against the emulator (real SDKs over HTTPS): the packaged
prices, `--prices FILE` inside the project (and refused outside it, or with located errors),
and `show PLANFILE --prices`. One emulator, the example stack (a gpt-4.1-mini job trained with
standard training, a fine-tuned Standard deployment and a 25-PTU ProvisionedManaged one) in a
project whose root (it holds `.git`) also holds the prices file, beside the spec directory:
every YAML file below the spec directory is read as spec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .conftest import Cli

OVERRIDE = """\
as_of: "2026-11-01"
training:
  - {model: gpt-4.1-mini, training_type: standard, per_million_tokens: 5.00, as_of: "2026-11-01",
     source: "our agreement"}
provisioned:
  - {sku: ProvisionedManaged, model: "*", per_ptu_hour: 1.00, as_of: "2026-11-01",
     source: "our reservation"}
"""


def _project(cli: Cli) -> Path:
    root = cli.stack.parent
    (root / ".git").mkdir(exist_ok=True)
    return root


def _plan_json(cli: Cli, *extra: str) -> dict[str, Any]:
    run = cli.run("plan", str(cli.stack), "--format", "json", *extra)
    assert run.code == 0, run.err
    doc: dict[str, Any] = json.loads(run.out)
    return doc


def _change(doc: dict[str, Any], address: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in doc["changes"] if c["address"] == address)
    return found


def test_plan_json_carries_the_cost_of_the_packaged_prices(cli: Cli) -> None:
    doc = _plan_json(cli)
    # SPEC §5.5: these four keys, nothing else
    assert doc["cost"] == {
        "currency": "USD",
        "training": 0.0,  # no published price for gpt-4.1-mini standard training
        "monthly_delta": 1241.0,  # the fine-tuned Standard deployment: $1.70 x 730 h
        "prices_as_of": "2026-02-11",
    }
    job = _change(doc, "job.clippy")["details"]["cost"]
    assert job["training"] is None and "no published price" in job["basis"]
    ptu = _change(doc, "deployment.clippy-ncus")["details"]["cost"]
    assert ptu["monthly_delta"] is None and "PTU" in ptu["basis"]

    text = cli.run("plan", str(cli.stack))
    assert text.code == 0, text.err
    assert (
        "Training cost: $0.00 once (USD, prices as of 2026-02-11; unknown, not counted: "
        "job.clippy)\n" in text.out
    )
    assert "Monthly cost change: +$1,241.00 (unknown, not counted: deployment.clippy-ncus)\n" in (
        text.out
    )


def test_prices_file_overrides_entries_and_every_line_shows_it(cli: Cli) -> None:
    prices = _project(cli) / "prices.yaml"
    prices.write_text(OVERRIDE, encoding="utf-8")
    doc = _plan_json(cli, "--prices", str(prices))
    job = _change(doc, "job.clippy")
    billed = job["details"]["stats"]["billed_tokens_estimate"]
    assert isinstance(billed, int) and billed > 0
    assert doc["cost"] == {
        "currency": "USD",
        "training": round(billed * 5.0 / 1e6, 4),
        "monthly_delta": 1241.0 + 25 * 1.0 * 730,
        "prices_as_of": "2026-02-11",  # the hosting price it also rests on is that old
    }
    assert job["details"]["cost"]["training"] == round(billed * 5.0 / 1e6, 4)

    text = cli.run("plan", str(cli.stack), "--prices", str(prices))
    assert text.code == 0, text.err
    assert "Monthly cost change: +$19,491.00\n" in text.out
    assert "cost: +$18,250.00 a month: ProvisionedManaged: 25 PTU × $1.00 per PTU hour" in text.out

    markdown = cli.run("plan", str(cli.stack), "--prices", str(prices), "--format", "markdown")
    assert markdown.code == 0, markdown.err
    assert "Monthly cost change: +$19,491.00" in markdown.out
    assert "Training cost: $" in markdown.out


def test_show_planfile_counts_again_with_prices(cli: Cli) -> None:
    saved = cli.stack.parent / "cost.plan"
    run = cli.run("plan", str(cli.stack), "--out", str(saved))
    assert run.code == 0, run.err
    assert json.loads(saved.read_text())["cost"]["monthly_delta"] == 1241.0

    shown = cli.run("show", str(saved))
    assert "Monthly cost change: +$1,241.00" in shown.out
    again = cli.run("show", str(saved), "--prices", str(_project(cli) / "prices.yaml"))
    assert again.code == 0, again.err
    assert "Monthly cost change: +$19,491.00\n" in again.out
    prices = str(_project(cli) / "prices.yaml")
    as_json = json.loads(cli.run("show", str(saved), "--prices", prices, "--format", "json").out)
    assert as_json["cost"]["monthly_delta"] == 19491.0


def test_prices_outside_the_project_or_wrong_are_refused_at_their_place(
    cli: Cli, tmp_path: Path
) -> None:
    outside = tmp_path / "prices-outside.yaml"
    outside.write_text(OVERRIDE, encoding="utf-8")
    run = cli.run("plan", str(cli.stack), "--prices", str(outside))
    assert run.code == 1
    assert "resolves outside the project root" in run.err
    assert "Traceback" not in run.err

    wrong = _project(cli) / "wrong-prices.yaml"
    wrong.write_text(
        "currency: EUR\n"
        "hosting:\n"
        "  - {sku: Standard, model: '*', per_hour: -1, as_of: '2026-11-01', source: x}\n"
        "  - {sku: Standard, model: '*', per_hour: 2, as_of: 'soon', source: x, extra: 1}\n",
        encoding="utf-8",
    )
    run = cli.run("plan", str(cli.stack), "--prices", str(wrong))
    assert run.code == 1
    assert "wrong-prices.yaml:1:11: error: prices: currency: only USD prices" in run.err
    assert "wrong-prices.yaml:3:43: error: prices: hosting[0].per_hour: must be a number" in (
        run.err
    )
    assert "unknown key 'extra'" in run.err
    assert "hosting[1].as_of: must be a date YYYY-MM-DD" in run.err
    assert "Traceback" not in run.err

    show = cli.run("show", str(cli.stack), "--prices", str(_project(cli) / "prices.yaml"))
    assert show.code == 1
    assert "--prices counts the cost of a saved plan" in show.err


def test_cost_is_never_a_secret_leak(cli: Cli, tmp_path: Path) -> None:
    """The prices file is read as a spec is: a symlink out of the project is refused before
    anything of its target is read."""
    secret = tmp_path / "secret.txt"
    secret.write_text("hunter2-secret-value\n", encoding="utf-8")
    link = _project(cli) / "prices-link.yaml"
    link.symlink_to(secret)
    run = cli.run("plan", str(cli.stack), "--prices", str(link))
    assert run.code == 1
    assert "hunter2" not in run.err + run.out
