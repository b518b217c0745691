"""Saved plans through the CLI: `show PLANFILE`, a stale plan that says which side moved, and
a file that is no plan at all; `plan --format json` on a broken spec; `show --format json`'s
endpoints and model ids. One emulator, the example stack, tests in order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .conftest import Cli


def _plan_out(cli: Cli, name: str) -> Path:
    saved = cli.stack.parent / name
    run = cli.run("plan", str(cli.stack), "--out", str(saved))
    assert run.code == 0, run.err
    return saved


def test_show_renders_a_saved_plan_as_text_json_and_markdown(cli: Cli) -> None:
    saved = _plan_out(cli, "show.plan")
    planned = json.loads(cli.run("plan", str(cli.stack), "--format", "json").out)

    text = cli.run("show", str(saved))
    assert text.code == 0, text.err
    assert "+ job.clippy" in text.out and "Plan: 5 to create" in text.out

    as_json = cli.run("show", str(saved), "--format", "json")
    assert as_json.code == 0, as_json.err
    doc = json.loads(as_json.out)  # only JSON on stdout
    assert doc["changes"] == planned["changes"]
    assert doc["observed_digest"] == planned["observed_digest"]

    markdown = cli.run("show", str(saved), "--format", "markdown")
    assert markdown.code == 0, markdown.err
    assert "| create | update | replace | delete | wait |" in markdown.out
    assert "`job.clippy`" in markdown.out


def test_a_file_that_is_no_plan_says_what_a_plan_file_is(cli: Cli) -> None:
    junk = cli.stack.parent / "junk.plan"
    junk.write_text("not a plan\n", encoding="utf-8")
    for command in ("apply", "show"):
        run = cli.run(command, str(junk))
        assert run.code == 1
        assert "junk.plan: error: not a plan file: it is not JSON" in run.err
        assert "`reconciler plan --out FILE`" in run.err
        assert "top level" not in run.err  # it was not read as a spec
    other = cli.stack.parent / "other.json"
    other.write_text('{"stack": "x"}\n', encoding="utf-8")
    run = cli.run("apply", str(other))
    assert run.code == 1
    assert "not a plan file: it is JSON, but not a saved plan" in run.err


def test_a_plan_made_stale_by_the_spec_alone_says_the_spec_changed(cli: Cli) -> None:
    saved = _plan_out(cli, "stale.plan")
    # Without its job and deployments the stack checks no region's catalog, so what plan
    # reads from Azure differs too, though nothing changed there.
    moved = cli.stack.parent / "moved"
    moved.mkdir()
    for name in ("jobs.yaml", "deployments.yaml"):
        shutil.move(cli.stack / name, moved / name)
    try:
        run = cli.run("apply", str(saved), "--auto-approve")
    finally:
        for name in ("jobs.yaml", "deployments.yaml"):
            shutil.move(moved / name, cli.stack / name)
    assert run.code == 1
    assert "plan is stale: the spec or its data changed since the plan was made" in run.err
    assert "Azure has changed" not in run.err


def test_plan_json_on_a_broken_spec_is_still_json_with_the_errors(cli: Cli) -> None:
    jobs = cli.stack / "jobs.yaml"
    original = jobs.read_text(encoding="utf-8")
    jobs.write_text(original.replace("n_epochs: 3", "n_epochs: 0"), encoding="utf-8")
    try:
        run = cli.run("plan", str(cli.stack), "--format", "json")
    finally:
        jobs.write_text(original, encoding="utf-8")
    assert run.code == 1
    doc = json.loads(run.out)
    assert doc["changes"] == []
    assert [e["location"] for e in doc["errors"]] == ["clippy/jobs.yaml:9:33"]
    assert "n_epochs" in doc["errors"][0]["message"]
    assert "clippy/jobs.yaml:9:33: error:" in run.err  # and for people, on stderr


def test_show_json_gives_each_deployment_its_endpoint_and_model_id(cli: Cli) -> None:
    run = cli.run("apply", str(cli.stack), "--auto-approve", "--wait", "--timeout", "120")
    assert run.code == 0, run.out + run.err
    shown = cli.run("show", str(cli.stack), "--format", "json")
    assert shown.code == 0, shown.err
    doc = json.loads(shown.out)
    tuned = doc["jobs"][0]["fine_tuned_model"]
    assert tuned
    deployments = {d["name"]: d for d in doc["deployments"]}
    connection = cli.emulator.connection
    for name, account in (("clippy-swc", "aoai-clippy-swc"), ("clippy-ncus", "aoai-clippy-ncus")):
        assert deployments[name]["endpoint"] == connection.account_endpoint(account)
        assert deployments[name]["model_id"] == tuned
