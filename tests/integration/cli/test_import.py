"""`reconciler import`, end to end: the CLI against the emulator, with deployments and files
made by hand through the real azure-mgmt-cognitiveservices and openai clients, as a user would.

In order on one emulator: an untagged deployment the spec claims collides in plan, import
refuses without a terminal, then adds the stack's tags with one PATCH and nothing else; another
stack's deployment is refused; a mistyped address gets a suggestion; a file uploaded by hand
with the dataset's content is recognised (plan no longer uploads it, apply trains on it), one
with other content of the same size is not.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import select
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import (
    Deployment,
    DeploymentModel,
    DeploymentProperties,
    Sku,
)

from reconciler.apply.lock import LocalFileLock, lock_path
from reconciler.azure.credentials import EmulatorCredential
from reconciler.commands.import_ import ImportPlan, import_resources
from reconciler.errors import Diagnostic, ReconcilerError

from .conftest import SUBSCRIPTION, Cli

RG = "rg-ft"
SWC = "aoai-clippy-swc"
DEPLOYMENTS = "deployments.yaml"
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


def arm(cli: Cli) -> CognitiveServicesManagementClient:
    conn = cli.emulator.connection
    return CognitiveServicesManagementClient(
        EmulatorCredential(conn),
        SUBSCRIPTION,
        base_url=conn.endpoint,
        connection_verify=conn.ca_file,
        polling_interval=0.05,
    )


def data_plane(cli: Cli) -> openai.OpenAI:
    conn = cli.emulator.connection
    return openai.OpenAI(
        base_url=conn.account_endpoint(SWC) + "openai/v1",
        api_key=conn.api_key(SWC),
        http_client=openai.DefaultHttpxClient(
            verify=ssl.create_default_context(cafile=conn.ca_file)
        ),
        max_retries=0,
    )


def deploy_by_hand(cli: Cli, name: str, tags: dict[str, str]) -> None:
    body = Deployment(
        sku=Sku(name="Standard", capacity=1),
        tags=tags,
        properties=DeploymentProperties(
            model=DeploymentModel(format="OpenAI", name="gpt-4.1-mini", version="2025-04-14")
        ),
    )
    arm(cli).deployments.begin_create_or_update(RG, SWC, name, body).result()


def entry(name: str) -> str:
    return (
        f"  {name}:\n    account: swc\n    model: gpt-4.1-mini-2025-04-14\n"
        "    sku: {name: Standard, capacity: 1}\n"
    )


def plan_json(cli: Cli) -> dict[str, Any]:
    run = cli.run("plan", str(cli.stack), "--format", "json")
    assert run.code == 0, run.out + run.err
    doc: dict[str, Any] = json.loads(run.out)
    return doc


def actions(doc: dict[str, Any]) -> dict[str, list[str]]:
    return {c["address"]: c["actions"] for c in doc["changes"]}


def mutations(cli: Cli) -> list[tuple[str, str]]:
    return [r for r in cli.requests() if r[0] in MUTATING and not r[1].startswith("/_emulator")]


@pytest.fixture(scope="module")
def chat(cli: Cli) -> Iterator[None]:
    """chat-swc: made by hand (with a tag of its own), and claimed by the spec."""
    deploy_by_hand(cli, "chat-swc", {"team": "search"})
    spec = cli.stack / DEPLOYMENTS
    spec.write_text(spec.read_text(encoding="utf-8") + entry("chat-swc"), encoding="utf-8")
    yield


def test_plan_reports_the_untagged_deployment_as_a_collision(cli: Cli, chat: None) -> None:
    run = cli.run("plan", str(cli.stack))
    assert run.code == 1
    assert "chat-swc already exists in aoai-clippy-swc" in run.out + run.err


def test_import_without_a_terminal_shows_the_tags_and_refuses(cli: Cli, chat: None) -> None:
    cli.clear_requests()
    run = cli.run("import", str(cli.stack), "deployment.chat-swc")
    assert run.code == 1
    assert "+ tag managed-by = 'reconciler'" in run.out
    assert "+ tag reconciler-stack = 'clippy'" in run.out
    assert "nothing else changes" in run.out and "(team)" in run.out
    assert "no terminal to ask on" in run.err and "Traceback" not in run.err
    assert mutations(cli) == []
    assert arm(cli).deployments.get(RG, SWC, "chat-swc").tags == {"team": "search"}


def test_import_adds_only_the_stacks_tags_with_one_patch(cli: Cli, chat: None) -> None:
    before = arm(cli).deployments.get(RG, SWC, "chat-swc")
    cli.clear_requests()
    run = cli.run("import", str(cli.stack), "deployment.chat-swc", "--auto-approve")
    assert run.code == 0, run.out + run.err
    assert "Imported: 1 deployment tagged." in run.out
    assert mutations(cli) == [
        (
            "PATCH",
            f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RG}/providers/"
            f"Microsoft.CognitiveServices/accounts/{SWC}/deployments/chat-swc",
        )
    ]
    after = arm(cli).deployments.get(RG, SWC, "chat-swc")
    assert after.tags == {
        "team": "search",
        "managed-by": "reconciler",
        "reconciler-stack": "clippy",
    }
    assert after.sku.as_dict() == before.sku.as_dict()
    assert after.properties.model.as_dict() == before.properties.model.as_dict()
    assert after.properties.provisioning_state == "Succeeded"  # it kept serving
    assert actions(plan_json(cli))["deployment.chat-swc"] == ["no-op"]


def test_importing_it_again_needs_nothing(cli: Cli, chat: None) -> None:
    cli.clear_requests()
    run = cli.run("import", str(cli.stack), "deployment.chat-swc")
    assert run.code == 0, run.out + run.err
    assert "already this stack's" in run.out and "Nothing to import." in run.out
    assert mutations(cli) == []


def test_another_stacks_deployment_is_refused(cli: Cli, chat: None) -> None:
    deploy_by_hand(cli, "other-swc", {"reconciler-stack": "other", "managed-by": "reconciler"})
    spec = cli.stack / DEPLOYMENTS
    original = spec.read_text(encoding="utf-8")
    spec.write_text(original + entry("other-swc"), encoding="utf-8")
    try:
        cli.clear_requests()
        run = cli.run("import", str(cli.stack), "deployment.other-swc", "--auto-approve")
        assert run.code == 1
        assert "belongs to stack other" in run.err and "Nothing was done." in run.err
        # located at the spec entry's name, as plan's collision is
        assert f"{DEPLOYMENTS}:" in run.err
        assert mutations(cli) == []
        assert arm(cli).deployments.get(RG, SWC, "other-swc").tags == {
            "reconciler-stack": "other",
            "managed-by": "reconciler",
        }
    finally:
        spec.write_text(original, encoding="utf-8")


def test_import_waits_for_no_one_while_an_apply_holds_the_stacks_lock(cli: Cli, chat: None) -> None:
    # no .git above the copy: the spec directory is the project root, where apply locks
    held = LocalFileLock(lock_path(cli.stack, "clippy"), "alice@ci-runner-3").acquire(0)
    try:
        cli.clear_requests()
        run = cli.run("import", str(cli.stack), "deployment.chat-swc", "--auto-approve")
    finally:
        held.release()
    assert run.code == 1
    assert "alice@ci-runner-3" in run.err and "--lock-timeout" in run.err
    assert mutations(cli) == []


def test_an_address_not_in_the_spec_gets_a_suggestion(cli: Cli, chat: None) -> None:
    cli.clear_requests()
    run = cli.run("import", str(cli.stack), "deployment.chat-scw")
    assert run.code == 1
    assert "deployment.chat-scw is not in the spec; did you mean 'deployment.chat-swc'?" in run.err
    assert cli.requests() == []  # refused before Azure is read
    usage = cli.run("import")
    assert usage.code == 1  # a usage error is 1, never 2


def upload_by_hand(cli: Cli, name: str, data: bytes) -> str:
    client = data_plane(cli)
    uploaded = client.files.create(file=(name, data), purpose="fine-tune")
    cli.http.post("/_emulator/clock", json={"advance": 30}).raise_for_status()
    assert client.files.retrieve(uploaded.id).status == "processed"
    return uploaded.id


def test_a_file_uploaded_by_hand_is_recognised_and_not_uploaded_again(cli: Cli) -> None:
    data = (cli.stack / "data" / "clippy-train.jsonl").read_bytes()
    file_id = upload_by_hand(cli, "clippy training set.jsonl", data)
    assert actions(plan_json(cli))["file.clippy-train@swc"] == ["create"]
    cli.clear_requests()
    run = cli.run("import", str(cli.stack), "file.clippy-train@swc", "--auto-approve")
    assert run.code == 0, run.out + run.err
    assert f"{file_id} ('clippy training set.jsonl'" in run.out
    assert "Imported: 1 file recorded." in run.out
    assert [p for _, p in cli.requests() if p.endswith("/content")] == [
        f"/dp/{SWC}/openai/v1/files/{file_id}/content"
    ]
    assert mutations(cli) == []  # nothing changes in Azure
    doc = plan_json(cli)
    assert actions(doc)["file.clippy-train@swc"] == ["no-op"]
    (change,) = [c for c in doc["changes"] if c["address"] == "file.clippy-train@swc"]
    assert change["before"]["id"] == file_id
    # hashed once: importing again downloads nothing
    cli.clear_requests()
    again = cli.run("import", str(cli.stack), "file.clippy-train@swc")
    assert again.code == 0 and "already holds this content" in again.out
    assert [p for _, p in cli.requests() if p.endswith("/content")] == []


def test_a_file_with_other_content_of_the_same_size_is_not_adopted(cli: Cli) -> None:
    data = (cli.stack / "data" / "clippy-valid.jsonl").read_bytes()
    other = data.replace(b"Clippy", b"Clippo", 1)
    assert len(other) == len(data) and other != data
    upload_by_hand(cli, "validation.jsonl", other)
    run = cli.run("import", str(cli.stack), "file.clippy-valid@swc", "--auto-approve")
    assert run.code == 1
    assert "no file in aoai-clippy-swc holds the content" in run.err
    assert "1 file(s) uploaded by hand of a size it could have were hashed" in run.err
    assert actions(plan_json(cli))["file.clippy-valid@swc"] == ["create"]


def test_apply_trains_on_the_recognised_file(cli: Cli) -> None:
    recognised = [
        f.id for f in data_plane(cli).files.list() if f.filename == "clippy training set.jsonl"
    ]
    cli.clear_requests()
    run = cli.run("apply", str(cli.stack), "--auto-approve")
    assert run.code == 0, run.out + run.err
    uploads = [p for m, p in cli.requests() if m == "POST" and p.endswith("/files")]
    assert len(uploads) == 1  # the validation data only
    (job,) = list(data_plane(cli).fine_tuning.jobs.list())
    assert [job.training_file] == recognised


class Answers:
    """An ImportListener for the library call: records what was shown, answers ``reply``."""

    def __init__(self, reply: bool) -> None:
        self.reply = reply
        self.asked: list[str] = []
        self.shown: list[tuple[ImportPlan, bool]] = []

    def warning(self, diagnostic: Diagnostic) -> None:
        pass

    def waiting(self, message: str) -> None:
        pass

    def planned(self, plan: ImportPlan, *, asks: bool) -> None:
        self.shown.append((plan, asks))

    def confirm(self, prompt: str) -> bool:
        self.asked.append(prompt)
        return self.reply

    def progress(self, message: str) -> None:
        pass


def test_at_a_terminal_it_asks_and_a_no_changes_nothing(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy_by_hand(cli, "hand-swc", {})
    spec = cli.stack / DEPLOYMENTS
    original = spec.read_text(encoding="utf-8")
    spec.write_text(original + entry("hand-swc"), encoding="utf-8")
    for name, value in cli.env.items():
        if name.startswith(("RECONCILER_", "AZURE_")):
            monkeypatch.setenv(name, value)
    try:
        answers = Answers(reply=False)
        with pytest.raises(ReconcilerError, match=r"Import cancelled; nothing was done\."):
            import_resources(
                cli.stack,
                ["deployment.hand-swc"],
                answers,
                auto_approve=False,
                interactive=True,
            )
        ((shown, asks),) = answers.shown
        assert asks and answers.asked == ["Import these?"]
        assert [a.added for a in shown.deployments] == [
            {"managed-by": "reconciler", "reconciler-stack": "clippy"}
        ]
        assert not arm(cli).deployments.get(RG, SWC, "hand-swc").tags
        yes = Answers(reply=True)
        outcome = import_resources(
            cli.stack, ["deployment.hand-swc"], yes, auto_approve=False, interactive=True
        )
        assert outcome.done and yes.asked == ["Import these?"]
        assert arm(cli).deployments.get(RG, SWC, "hand-swc").tags == {
            "managed-by": "reconciler",
            "reconciler-stack": "clippy",
        }
    finally:
        spec.write_text(original, encoding="utf-8")


def _at_a_terminal_answer_ctrl_c(cli: Cli, *args: str) -> tuple[int, str]:
    """Runs the CLI with a pseudo-terminal as stdin, stdout and stderr and, at its [y/N]
    prompt, sends the SIGINT a Ctrl-C sends. Never waits more than 200 s (the child is killed)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=cli.stack.parent,
        env={**cli.env, "NO_COLOR": "1"},
    )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 200
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(leader, 4096)
                except OSError:  # the child closed the terminal
                    break
            if b"[y/N]" in seen and proc.returncode is None:
                proc.send_signal(signal.SIGINT)
                proc.wait(timeout=max(1.0, deadline - time.monotonic()))
                break
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        with contextlib.suppress(OSError):
            while select.select([leader], [], [], 0.2)[0]:
                chunk = os.read(leader, 4096)
                if not chunk:
                    break
                seen += chunk
        os.close(leader)
    return proc.returncode, seen.decode(errors="replace")


def test_ctrl_c_at_the_prompt_is_an_interruption_not_a_failure(cli: Cli) -> None:
    deploy_by_hand(cli, "hand-ctrl-c", {})
    spec = cli.stack / DEPLOYMENTS
    original = spec.read_text(encoding="utf-8")
    spec.write_text(original + entry("hand-ctrl-c"), encoding="utf-8")
    try:
        code, seen = _at_a_terminal_answer_ctrl_c(
            cli, "import", str(cli.stack), "deployment.hand-ctrl-c"
        )
    finally:
        spec.write_text(original, encoding="utf-8")
    assert "Import these? [y/N]" in seen
    assert code == 130, seen  # click's own handling said "Aborted!" and exited 1
    assert "interrupted" in seen and "Aborted!" not in seen
    assert not arm(cli).deployments.get(RG, SWC, "hand-ctrl-c").tags
