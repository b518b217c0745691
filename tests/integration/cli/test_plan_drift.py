"""plan, apply, drift and show on the example stack, through the CLI, against the emulator.

The tests of this module run in order on one emulator: fresh plan, apply, no-op plan, then
changes made outside the tool through the real Azure SDK, which drift must find.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import PatchResourceTagsAndSku, Sku

from reconciler.azure.credentials import EmulatorCredential

from .conftest import SUBSCRIPTION, Cli

ANSI = re.compile(r"\x1b\[")
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


def arm(cli: Cli) -> CognitiveServicesManagementClient:
    conn = cli.emulator.connection
    return CognitiveServicesManagementClient(
        EmulatorCredential(conn),  # the default tenant's management token
        SUBSCRIPTION,
        base_url=conn.endpoint,
        connection_verify=conn.ca_file,
        polling_interval=0.05,
    )


def plan_json(cli: Cli, *extra: str) -> dict[str, Any]:
    run = cli.run("plan", str(cli.stack), "--format", "json", *extra)
    assert run.code == 0, run.err
    doc: dict[str, Any] = json.loads(run.out)  # --format json writes only JSON to stdout
    return doc


def actions(doc: dict[str, Any]) -> dict[str, list[str]]:
    return {c["address"]: c["actions"] for c in doc["changes"]}


def test_fresh_plan_creates_everything_and_only_reads(cli: Cli) -> None:
    cli.clear_requests()
    doc = plan_json(cli)
    assert doc["format_version"] == "1"
    assert doc["summary"]["create"] == 5
    assert actions(doc) == {
        "deployment.clippy-ncus": ["create"],
        "deployment.clippy-swc": ["create"],
        "file.clippy-train@swc": ["create"],
        "file.clippy-valid@swc": ["create"],
        "job.clippy": ["create"],
    }
    assert [c["address"] for c in doc["changes"]] == sorted(c["address"] for c in doc["changes"])
    sent = cli.requests()
    assert sent and not [r for r in sent if r[0] in MUTATING]
    # one list per collection per account, plus the catalog and usages once per region:
    # a small constant per account, whatever the number of resources
    assert len(sent) <= 2 * 6, sent


def test_detailed_exitcode_and_text_without_a_terminal(cli: Cli) -> None:
    run = cli.run("plan", str(cli.stack), "--detailed-exitcode")
    assert run.code == 2
    assert "+ job.clippy" in run.out
    assert "Plan: 5 to create" in run.out
    assert not ANSI.search(run.out)  # no colour when stdout is not a terminal


def test_markdown_for_a_pull_request(cli: Cli) -> None:
    run = cli.run("plan", str(cli.stack), "--format", "markdown")
    assert run.code == 0
    assert "| create | update | replace | delete | wait |" in run.out
    assert "`job.clippy`" in run.out and "22 examples" in run.out
    # the dataset warnings printed on stderr reach the pull request too
    warnings = [
        line.split(": warning: ", 1) for line in run.err.splitlines() if ": warning: " in line
    ]
    assert warnings, run.err
    for where, message in warnings:
        assert f"- `{where}` {message}" in run.out, run.out


def test_out_saves_a_plan_with_the_observed_digest(cli: Cli) -> None:
    saved = cli.stack.parent / "clippy.plan.json"
    run = cli.run("plan", str(cli.stack), "--out", str(saved))
    assert run.code == 0, run.err
    doc = json.loads(saved.read_text(encoding="utf-8"))
    assert len(doc["observed_digest"]) == 64
    assert doc["saved"]["spec_dir"] == str(cli.stack.resolve())


def test_drift_before_anything_was_applied_is_clean(cli: Cli) -> None:
    run = cli.run("drift", str(cli.stack))
    assert run.code == 0, run.out + run.err


def test_apply_then_plan_has_no_changes(cli: Cli) -> None:
    run = cli.run("apply", str(cli.stack), "--auto-approve", "--wait", "--timeout", "120")
    assert run.code == 0, run.out + run.err
    cli.clear_requests()
    again = cli.run("plan", str(cli.stack), "--detailed-exitcode")
    assert again.code == 0, again.out + again.err
    sent = cli.requests()
    assert not [r for r in sent if r[0] in MUTATING]
    # nothing to check: neither the region's catalog nor its quota is read
    assert not [p for _, p in sent if p.endswith(("/models", "/usages"))], sent
    # accounts listed once per resource group, then one list per collection per account
    assert len(sent) == 1 + 2 * 3, sent
    assert cli.run("drift", str(cli.stack)).code == 0


def test_show_lists_the_job_with_its_loss_curve_and_the_deployments(cli: Cli) -> None:
    run = cli.run("show", str(cli.stack))
    assert run.code == 0, run.err
    assert "succeeded" in run.out
    assert "train loss" in run.out
    assert "clippy-ncus (ncus/clippy-ncus): ProvisionedManaged x25, Succeeded" in run.out
    doc = json.loads(cli.run("show", str(cli.stack), "--format", "json").out)
    losses = doc["jobs"][0]["train_loss"]
    assert losses and losses[-1] < losses[0]


def test_capacity_changed_in_the_portal_is_drift_and_an_update_in_place(cli: Cli) -> None:
    client = arm(cli)
    patch = PatchResourceTagsAndSku(sku=Sku(name="Standard", capacity=4))
    client.deployments.begin_update("rg-ft", "aoai-clippy-swc", "clippy-swc", patch).result()

    run = cli.run("drift", str(cli.stack), "--format", "json")
    assert run.code == 2
    items = json.loads(run.out)
    text = json.dumps(items)
    assert "deployment.clippy-swc" in text and "capacity" in text

    doc = plan_json(cli)
    assert actions(doc)["deployment.clippy-swc"] == ["update"]
    assert doc["summary"] == {
        "blocked": 0,
        "create": 0,
        "delete": 0,
        "no-op": 4,
        "replace": 0,
        "update": 1,
        "wait": 0,
    }


def test_deployment_deleted_outside_is_drift_with_a_cause(cli: Cli) -> None:
    client = arm(cli)
    client.deployments.begin_delete("rg-ft", "aoai-clippy-swc", "clippy-swc").result()
    run = cli.run("drift", str(cli.stack))
    assert run.code == 2
    assert "clippy-swc" in run.out
    assert "15 days" in run.out or "deleted" in run.out
    assert actions(plan_json(cli))["deployment.clippy-swc"] == ["create"]


def test_apply_puts_it_back_and_drift_is_clean_again(cli: Cli) -> None:
    run = cli.run("apply", str(cli.stack), "--auto-approve")
    assert run.code == 0, run.out + run.err
    assert cli.run("drift", str(cli.stack)).code == 0
    assert cli.run("plan", str(cli.stack), "--detailed-exitcode").code == 0


def test_tags_removed_outside_are_drift(cli: Cli) -> None:
    client = arm(cli)
    current = client.deployments.get("rg-ft", "aoai-clippy-ncus", "clippy-ncus")
    assert current.sku is not None
    tags = dict(current.tags or {})
    patch = PatchResourceTagsAndSku(sku=current.sku, tags={})
    client.deployments.begin_update("rg-ft", "aoai-clippy-ncus", "clippy-ncus", patch).result()
    run = cli.run("drift", str(cli.stack))
    assert run.code == 2
    assert "clippy-ncus" in run.out and "tag" in run.out.lower()
    # untagged, it is no longer the stack's: plan refuses to touch it until the tags are back
    assert cli.run("plan", str(cli.stack)).code == 1
    restore = PatchResourceTagsAndSku(sku=current.sku, tags=tags)
    client.deployments.begin_update("rg-ft", "aoai-clippy-ncus", "clippy-ncus", restore).result()
    assert cli.run("drift", str(cli.stack)).code == 0


def test_a_spec_error_is_located_exit_1_and_no_traceback(cli: Cli) -> None:
    broken = cli.stack.parent / "broken"
    broken.mkdir()
    (broken / "stack.yaml").write_text("stack: x\naccounts:\n  a: {subscriptin_id: 1}\n")
    run = cli.run("plan", str(broken))
    assert run.code == 1
    assert "Traceback" not in run.err
    assert re.search(r"broken/stack\.yaml:3:\d+: error: .*subscription_id", run.err), run.err


def test_capacity_beyond_the_quota_is_a_located_plan_error(cli: Cli) -> None:
    spec = cli.stack / "deployments.yaml"
    original = spec.read_text(encoding="utf-8")
    spec.write_text(original.replace("capacity: 25}", "capacity: 1000}"), encoding="utf-8")
    try:
        cli.clear_requests()
        run = cli.run("plan", str(cli.stack))
        assert run.code == 1
        assert "Traceback" not in run.err
        assert re.search(r"deployments\.yaml:\d+:\d+: error: .*quota", run.out + run.err), (
            run.out + run.err
        )
        sent = cli.requests()
        assert not [r for r in sent if r[0] in MUTATING]
        assert [p for _, p in sent if p.endswith("/usages")]  # a change to check: quota read
    finally:
        spec.write_text(original, encoding="utf-8")


def test_edited_training_data_plans_a_new_job_and_says_what_changed(cli: Cli) -> None:
    data = cli.stack / "data" / "clippy-train.jsonl"
    original = data.read_text(encoding="utf-8")
    lines = original.splitlines()
    first = json.loads(lines[0])
    added = []
    for i in range(2):
        example = json.loads(json.dumps(first))
        example["messages"][1]["content"] = f"A brand new question number {i}?"
        added.append(json.dumps(example))
    data.write_text("\n".join(lines[1:] + added) + "\n", encoding="utf-8")
    try:
        cli.clear_requests()
        run = cli.run("plan", str(cli.stack))
        # clippy-ncus has prevent_destroy: serving the new model would replace it
        assert run.code == 1
        assert re.search(r"deployments\.yaml:\d+:\d+: error: .*prevent_destroy", run.out)
        assert "+ job.clippy" in run.out
        assert "2 examples added, 1 removed" in run.out, run.out
        assert "-/+ deployment.clippy-swc" in run.out
        # the old data was validated here: its example digests come from the local cache
        assert not [p for m, p in cli.requests() if p.endswith("/content")], cli.requests()
        # without the cache, the old file is read from Azure (once) and counted the same
        digests = Path(cli.env["RECONCILER_CACHE_DIR"]) / "digests"
        shutil.rmtree(digests)
        cli.clear_requests()
        markdown = cli.run("plan", str(cli.stack), "--format", "markdown").out
        assert "2 examples added, 1 removed" in markdown, markdown
        assert len([p for m, p in cli.requests() if p.endswith("/content")]) == 1
        # without the cache but with the old data in git history (a CI clone): read from git
        shutil.rmtree(digests)
        changed = data.read_text(encoding="utf-8")
        data.write_text(original, encoding="utf-8")
        git = ["git", "-C", str(cli.stack), "-c", "user.name=t", "-c", "user.email=t@example.com"]
        for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "v1"]):
            subprocess.run([*git, *command], check=True, capture_output=True)
        data.write_text(changed, encoding="utf-8")
        cli.clear_requests()
        run = cli.run("plan", str(cli.stack))
        assert "2 examples added, 1 removed" in run.out, run.out
        assert not [p for m, p in cli.requests() if p.endswith("/content")], cli.requests()
    finally:
        data.write_text(original, encoding="utf-8")
        shutil.rmtree(cli.stack / ".git", ignore_errors=True)
