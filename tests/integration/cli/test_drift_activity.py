"""drift reads the Activity Log, end to end: the CLI against the emulator, changes made
outside the tool with the real azure-mgmt-cognitiveservices client as a user would.

In order on one emulator: apply; a clean drift reads no Activity Log; a deletion names its
caller and time (exit 2); a spec entry never applied is pending (exit 0); an Activity Log that
cannot be read gives a warning and the conservative result; a DeveloperTier deployment past
24 hours is removed by the service.
"""

from __future__ import annotations

import json
import re
from typing import Any

from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

from reconciler.azure.credentials import EmulatorCredential
from reconciler.emulator.activity_log import caller_of
from reconciler.emulator.state import DEFAULT_TENANT

from .conftest import SUBSCRIPTION, Cli

ACTIVITY = "/providers/Microsoft.Insights/eventtypes/management/values"
DEPLOYMENTS = "deployments.yaml"


def arm(cli: Cli) -> CognitiveServicesManagementClient:
    conn = cli.emulator.connection
    return CognitiveServicesManagementClient(
        EmulatorCredential(conn),
        SUBSCRIPTION,
        base_url=conn.endpoint,
        connection_verify=conn.ca_file,
        polling_interval=0.05,
    )


def drift_json(cli: Cli, expect: int) -> dict[str, Any]:
    run = cli.run("drift", str(cli.stack), "--format", "json")
    assert run.code == expect, run.out + run.err
    doc: dict[str, Any] = json.loads(run.out)
    return doc


def activity_reads(cli: Cli) -> list[str]:
    return [p for _, p in cli.requests() if p.endswith(ACTIVITY)]


def add_entry(cli: Cli, text: str) -> str:
    spec = cli.stack / DEPLOYMENTS
    original = spec.read_text(encoding="utf-8")
    spec.write_text(original + text, encoding="utf-8")
    return original


def test_apply_then_a_clean_drift_reads_no_activity_log(cli: Cli) -> None:
    run = cli.run("apply", str(cli.stack), "--auto-approve", "--wait", "--timeout", "120")
    assert run.code == 0, run.out + run.err
    cli.clear_requests()
    doc = drift_json(cli, 0)
    assert doc["has_drift"] is False and doc["drift"] == [] and doc["pending"] == []
    assert activity_reads(cli) == []  # nothing missing: not one request more


def test_a_deployment_deleted_outside_names_who_and_when(cli: Cli) -> None:
    cli.clear_requests()
    cli.run("drift", str(cli.stack))
    clean = len(cli.requests())
    arm(cli).deployments.begin_delete("rg-ft", "aoai-clippy-swc", "clippy-swc").result()
    cli.clear_requests()
    run = cli.run("drift", str(cli.stack))
    assert run.code == 2, run.out + run.err
    caller = caller_of(DEFAULT_TENANT).app_id
    assert re.search(
        rf"clippy-swc in aoai-clippy-swc was deleted by '{caller}' at "
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC",
        run.out,
    ), run.out
    # one Activity Log query for the resource group both accounts live in; the rest is the
    # observation (plus, as before, the region's catalog and quota the plan's create reads)
    assert len(activity_reads(cli)) == 1
    others = [p for _, p in cli.requests() if not p.endswith(ACTIVITY)]
    assert len(others) == clean + 2 and {p.rsplit("/", 1)[-1] for p in others[clean:]} <= {
        "models",
        "usages",
    }
    doc = drift_json(cli, 2)
    (item,) = doc["drift"]
    assert (item["address"], item["kind"], item["cause"]) == (
        "deployment.clippy-swc",
        "missing",
        "deleted-by-user",
    )
    assert doc["counts"]["by_cause"] == {"deleted-by-user": 1}
    markdown = cli.run("drift", str(cli.stack), "--format", "markdown")
    assert markdown.code == 2
    assert markdown.out.splitlines()[0] == "## Drift in stack `clippy`"
    assert "| `deployment.clippy-swc` | missing | deleted-by-user |" in markdown.out


def test_apply_restores_it_and_drift_is_clean_again(cli: Cli) -> None:
    run = cli.run("apply", str(cli.stack), "--auto-approve")
    assert run.code == 0, run.out + run.err
    assert drift_json(cli, 0)["has_drift"] is False


def test_a_spec_entry_never_applied_is_pending_not_drift(cli: Cli) -> None:
    original = add_entry(
        cli,
        "  chat-swc:\n    account: swc\n    model: gpt-4.1-mini-2025-04-14\n"
        "    sku: {name: Standard, capacity: 1}\n",
    )
    try:
        run = cli.run("drift", str(cli.stack))
        assert run.code == 0, run.out + run.err
        assert "Pending apply" in run.out and "deployment.chat-swc" in run.out
        assert "No drift" in run.out
        doc = drift_json(cli, 0)
        assert doc["has_drift"] is False and doc["drift"] == []
        (pending,) = doc["pending"]
        assert (pending["address"], pending["cause"]) == ("deployment.chat-swc", "never-applied")
        markdown = cli.run("drift", str(cli.stack), "--format", "markdown").out
        assert markdown.splitlines()[0] == "## No drift in stack `clippy`"
    finally:
        (cli.stack / DEPLOYMENTS).write_text(original, encoding="utf-8")


def test_an_activity_log_denied_warns_and_reports_conservatively(cli: Cli) -> None:
    arm(cli).deployments.begin_delete("rg-ft", "aoai-clippy-swc", "clippy-swc").result()
    denied = (
        "The client does not have authorization to perform action "
        "'microsoft.insights/eventtypes/values/read' over scope "
        f"'/subscriptions/{SUBSCRIPTION}/providers/microsoft.insights/eventtypes/management'."
    )
    fault = {"method": "GET", "path": "eventtypes", "status": 403, "count": 10, "message": denied}
    assert cli.http.post("/_emulator/faults", json=[fault]).status_code == 200
    try:
        run = cli.run("drift", str(cli.stack))
    finally:
        cli.http.delete("/_emulator/faults")
    assert run.code == 2, run.out + run.err
    assert "warning: cannot read the Activity Log of resource group rg-ft (403" in run.err
    assert "Monitoring Reader" in run.err
    assert "Traceback" not in run.err
    assert "deployment.clippy-swc [missing: unknown]" in run.out
    assert cli.run("apply", str(cli.stack), "--auto-approve").code == 0


def test_a_developer_tier_deployment_past_24_hours_was_removed_by_the_service(cli: Cli) -> None:
    add_entry(
        cli,
        "  clippy-dev:\n    account: swc\n    model: {job: clippy}\n"
        "    sku: {name: DeveloperTier, capacity: 10}\n",
    )
    run = cli.run("apply", str(cli.stack), "--auto-approve")
    assert run.code == 0, run.out + run.err
    assert drift_json(cli, 0)["has_drift"] is False
    assert cli.http.post("/_emulator/clock", json={"advance": 25 * 3600}).status_code == 200
    run = cli.run("drift", str(cli.stack))
    assert run.code == 2, run.out + run.err
    assert "deployment.clippy-dev [missing: removed-by-service]" in run.out
    assert "Azure removes DeveloperTier deployments 24 hours after they are created" in run.out
    assert "apply deploys it again" in run.out
    doc = drift_json(cli, 2)
    assert [i["cause"] for i in doc["drift"]] == ["removed-by-service"]


def test_quota_refused_to_plan_names_the_role_to_grant(cli: Cli) -> None:
    # a new deployment makes plan read the region's quota, which the account roles do not allow
    original = (cli.stack / DEPLOYMENTS).read_text(encoding="utf-8")
    add_entry(
        cli,
        "  quota-probe:\n    account: swc\n    model: gpt-4.1-mini-2025-04-14\n"
        "    sku: {name: GlobalStandard, capacity: 1}\n",
    )
    fault = {"method": "GET", "path": "usages", "status": 403, "count": 10}
    assert cli.http.post("/_emulator/faults", json=[fault]).status_code == 200
    try:
        run = cli.run("plan", str(cli.stack))
    finally:
        cli.http.delete("/_emulator/faults")
        (cli.stack / DEPLOYMENTS).write_text(original, encoding="utf-8")
    assert run.code == 1, run.out + run.err
    assert "list quota usages in swedencentral" in run.err
    assert '"Cognitive Services Usages Reader" (or Reader) on the subscription' in run.err
    assert "Traceback" not in run.err
