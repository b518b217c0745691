"""What apply refuses to do: a stale saved plan, a plan with errors (prevent_destroy), an
unconfirmed apply, a second apply of a stack while one holds its lock."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from azure.mgmt.cognitiveservices.models import PatchResourceTagsAndSku, Sku

from reconciler.apply.lock import LocalFileLock, lock_path
from reconciler.azure.clients import Clients
from reconciler.azure.target import resolve_target
from reconciler.commands.pipeline import prepare
from reconciler.plan.saved import save_plan

from .apply_support import (
    BASE,
    SUB1,
    Admin,
    apply,
    chat_lines,
    deployment,
    fresh_plan,
    make_stack,
    no_duplicates,
)
from .conftest import NewStack, TrainedStack


def _capacity(admin: Admin, key: str) -> int:
    return int(admin.state()["deployment"][key]["sku"]["capacity"])


def test_a_saved_plan_is_refused_when_azure_changed_since(
    env: dict[str, str], admin: Admin, tmp_path: Path, new_stack: NewStack
) -> None:
    spec = new_stack("stale", deployments={"stale-a": deployment("swc", BASE)}).root
    assert apply(spec).code == 0
    (spec / "stack.yaml").write_text(
        (spec / "stack.yaml").read_text().replace("capacity: 1", "capacity: 2"), encoding="utf-8"
    )
    planned = fresh_plan(spec)
    assert [c.action.value for c in planned.changes if c.is_change] == ["update"]
    plan_file = tmp_path / "stale.plan.json"
    save_plan(plan_file, planned, spec, frozenset(), prepare(spec).desired)

    # someone scales it in the portal meanwhile (here: through the Azure SDK)
    clients = Clients(resolve_target())
    try:
        clients.arm(SUB1).deployments.begin_update(
            "rg-ft",
            "aoai-swc",
            "stale-a",
            PatchResourceTagsAndSku(sku=Sku(name="Standard", capacity=3)),
        ).result()
    finally:
        clients.close()
    admin.clear_requests()

    result = apply(plan_file)

    assert result.code == 1
    assert "plan is stale: Azure has changed since the plan was made" in result.err
    assert "the spec has not" in result.err  # the plan file says what the spec asked for
    assert admin.mutations() == []
    assert _capacity(admin, "aoai-swc/stale-a") == 3

    # a current saved plan is carried out, without asking
    save_plan(plan_file, fresh_plan(spec), spec, frozenset())
    result = apply(plan_file, auto_approve=False)
    assert result.code == 0, result.text
    assert _capacity(admin, "aoai-swc/stale-a") == 2


def test_prevent_destroy_makes_the_plan_an_error_and_nothing_is_done(
    env: dict[str, str], admin: Admin, new_stack: NewStack
) -> None:
    spec = new_stack(
        "guarded", deployments={"guarded-a": deployment("swc", BASE, prevent_destroy=True)}
    ).root
    assert apply(spec).code == 0
    stack_file = spec / "stack.yaml"
    original = stack_file.read_text()

    # a new sku name means a replace, which prevent_destroy forbids
    stack_file.write_text(
        original.replace("name: Standard", "name: GlobalStandard"), encoding="utf-8"
    )
    admin.clear_requests()
    replaced = apply(spec)
    assert replaced.code == 1
    assert "prevent_destroy" in replaced.out
    assert "stack.yaml:" in replaced.out  # the place in the spec
    assert admin.mutations() == []

    # leaving the spec does not delete it either: the tag keeps guarding it
    stack_file.write_text(original.replace("guarded-a:", "guarded-b:"), encoding="utf-8")
    removed = apply(spec)
    assert removed.code == 1
    assert "reconciler-prevent-destroy" in removed.out
    assert admin.mutations() == []
    assert "aoai-swc/guarded-a" in admin.deployments("guarded")
    assert "aoai-swc/guarded-b" not in admin.deployments("guarded")


def test_apply_asks_first_and_refuses_without_a_terminal(
    env: dict[str, str], admin: Admin, new_stack: NewStack
) -> None:
    spec = new_stack("ask", deployments={"ask-a": deployment("swc", BASE)}).root
    admin.clear_requests()

    no_terminal = apply(spec, auto_approve=False, tty=False)
    assert no_terminal.code == 1
    assert "--auto-approve" in no_terminal.err
    assert "+ deployment.ask-a" in no_terminal.out  # the plan was shown
    asked: list[str] = []

    def say_no(prompt: str) -> bool:
        asked.append(prompt)
        return False

    declined = apply(spec, auto_approve=False, tty=True, confirm=say_no)
    assert declined.code == 1
    assert asked and "cancelled" in declined.err
    assert admin.mutations() == []
    assert admin.deployments("ask") == {}

    accepted = apply(spec, auto_approve=False, tty=True, confirm=lambda _p: True)
    assert accepted.code == 0, accepted.text
    assert set(admin.deployments("ask")) == {"aoai-swc/ask-a"}


def test_applies_from_two_working_directories_of_one_checkout_share_one_lock(
    env: dict[str, str], admin: Admin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()  # the checkout: its root holds .reconciler/locks
    spec = make_stack(
        tmp_path / "specs" / "prod",
        "twodirs",
        datasets={"twodirs-train": chat_lines("two doors")},
        deployments={"twodirs-a": deployment("ncus", BASE)},
    ).root
    monkeypatch.chdir(tmp_path)  # the first apply, run from the checkout's top
    held = LocalFileLock(lock_path(tmp_path, "twodirs"), "alice@ci-runner-3").acquire(0)
    try:
        for elsewhere in (spec, tmp_path / "specs"):  # the second, from other folders
            monkeypatch.chdir(elsewhere)
            refused = apply(spec, lock_timeout=0)
            assert refused.code == 1, refused.text
            assert "held by alice@ci-runner-3" in refused.err
            assert not (elsewhere / ".reconciler").exists()
    finally:
        held.release()
    assert admin.deployments("twodirs") == {}


def test_one_apply_per_stack_at_a_time(
    env: dict[str, str], admin: Admin, trained_stack: TrainedStack
) -> None:
    spec = trained_stack(
        "locked",
        "doors",
        deployments={
            "locked-a": deployment("swc", {"job": "locked"}),
            "locked-b": deployment("ncus", BASE),
        },
    ).root
    # No .git above: the spec directory is the project root, where apply looks for the lock.
    held = LocalFileLock(lock_path(spec, "locked"), "alice@ci-runner-3").acquire(0)
    try:
        refused = apply(spec, lock_timeout=0)
    finally:
        held.release()
    assert refused.code == 1
    assert "alice@ci-runner-3" in refused.err and "--lock-timeout" in refused.err
    assert admin.deployments("locked") == {}

    # two applies at once: one waits for the other, then finds nothing (or little) to do
    results = {}

    def run(which: str) -> None:
        results[which] = apply(spec, lock_timeout=60)

    threads = [threading.Thread(target=run, args=(w,)) for w in ("first", "second")]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join(60)
    assert results["first"].code == 0 and results["second"].code == 0, results
    assert "waiting for the lock on stack locked" in results["first"].err + results["second"].err
    assert len(admin.jobs("locked")) == 1
    assert set(admin.deployments("locked")) == {"aoai-swc/locked-a", "aoai-ncus/locked-b"}
    no_duplicates(admin, "locked")
