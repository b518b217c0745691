"""Helpers of the apply tests: a spec stack written into a temporary directory, apply run
in-process (``run_apply``) or as a separate process (for SIGKILL), and the emulator's admin API
(faults, request log, state) to check what reached "Azure"."""

from __future__ import annotations

import io
import json
import os
import ssl
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import openai
import yaml

from reconciler.azure.clients import Clients
from reconciler.azure.target import resolve_target
from reconciler.cli import run_apply
from reconciler.commands.pipeline import Session, compute_plan, prepare
from reconciler.emulator.process import RunningEmulator
from reconciler.plan import Plan

ROOT = Path(__file__).resolve().parents[3]
SUB1 = "00000000-0000-0000-0000-000000000001"
SUB2 = "00000000-0000-0000-0000-000000000002"
BASE = "gpt-4.1-mini-2025-04-14"
PROVIDER = "providers/Microsoft.CognitiveServices/accounts"
SWC_ID = f"/subscriptions/{SUB1}/resourceGroups/rg-ft/{PROVIDER}/aoai-swc"
MUTATING = ("POST", "PUT", "PATCH", "DELETE")

ACCOUNTS: dict[str, dict[str, Any]] = {
    "swc": {"subscription_id": SUB1, "resource_group": "rg-ft", "name": "aoai-swc"},
    "ncus": {"subscription_id": SUB1, "resource_group": "rg-ft", "name": "aoai-ncus"},
    # another subscription, and (for the spec) another Entra tenant: cross-tenant deployments
    "other": {
        "subscription_id": SUB2,
        "resource_group": "rg-other",
        "name": "aoai-ncus-b",
        "tenant_id": "22222222-2222-2222-2222-222222222222",
    },
}


def chat_lines(topic: str, count: int = 12, *, marker: str = "") -> list[str]:
    """``count`` chat examples about ``topic`` (distinct topics give distinct contents)."""
    return [
        json.dumps(
            {
                "messages": [
                    {"role": "system", "content": "You answer like a pirate."},
                    {"role": "user", "content": f"Tell me about {topic}, item {i}."},
                    {"role": "assistant", "content": f"Arr, {topic} {i} be fine. {marker}"},
                ]
            }
        )
        for i in range(count)
    ]


def job(
    training: str,
    *,
    account: str = "swc",
    model: Any = BASE,
    validation: str | None = None,
    **more: Any,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "account": account,
        "model": model,
        "training_data": training,
        "hyperparameters": {"n_epochs": 3},
        "seed": 7,
    }
    if validation:
        doc["validation_data"] = validation
    doc.update(more)
    return doc


def deployment(
    account: str, model: Any, sku: str = "Standard", capacity: int = 1, **more: Any
) -> dict[str, Any]:
    return {"account": account, "model": model, "sku": {"name": sku, "capacity": capacity}, **more}


@dataclass
class Stack:
    """A spec directory: ``write()`` (re)writes stack.yaml from the fields and the datasets."""

    root: Path
    name: str
    datasets: dict[str, list[str]]
    jobs: dict[str, dict[str, Any]]
    deployments: dict[str, dict[str, Any]]
    accounts: dict[str, dict[str, Any]]

    def write(self) -> Path:
        data = self.root / "data"
        data.mkdir(parents=True, exist_ok=True)
        for name, lines in self.datasets.items():
            (data / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        doc: dict[str, Any] = {
            "stack": self.name,
            "accounts": self.accounts,
            "datasets": {n: {"path": f"data/{n}.jsonl"} for n in self.datasets},
        }
        if self.jobs:
            doc["jobs"] = self.jobs
        if self.deployments:
            doc["deployments"] = self.deployments
        (self.root / "stack.yaml").write_text(yaml.safe_dump(doc, sort_keys=True), encoding="utf-8")
        return self.root


def make_stack(
    root: Path,
    name: str,
    *,
    datasets: Mapping[str, list[str]] | None = None,
    jobs: Mapping[str, dict[str, Any]] | None = None,
    deployments: Mapping[str, dict[str, Any]] | None = None,
    accounts: Iterable[str] = ("swc", "ncus"),
) -> Stack:
    stack = Stack(
        root,
        name,
        dict(datasets or {}),
        dict(jobs or {}),
        dict(deployments or {}),
        {k: ACCOUNTS[k] for k in accounts},
    )
    stack.write()
    return stack


@contextmanager
def data_plane(emulator: RunningEmulator, account: str) -> Iterator[openai.OpenAI]:
    """The tool's own v1 client for an emulator account (its default tenant), for out-of-band
    data-plane calls a test makes as a person would."""
    clients = Clients(resolve_target())
    try:
        yield clients.data_plane(
            emulator.connection.account_endpoint(account),
            api_key_env=None,
            where=account,
            tenant_id=None,
        )
    finally:
        clients.close()


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def apply(
    target: Path,
    *,
    wait: bool = True,
    auto_approve: bool = True,
    timeout: float | None = 60.0,
    lock_timeout: float = 30.0,
    replace: frozenset[str] = frozenset(),
    tty: bool = False,
    confirm: Callable[[str], bool] = lambda _p: False,
) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = run_apply(
        target,
        auto_approve=auto_approve,
        wait=wait,
        timeout=timeout,
        lock_timeout=lock_timeout,
        replace=replace,
        out=out,
        err=err,
        stdin_isatty=tty,
        confirm=confirm,
    )
    return Result(code, out.getvalue(), err.getvalue())


def start_apply_process(target: Path, env: Mapping[str, str], cwd: Path) -> subprocess.Popen[str]:
    """``reconciler apply DIR --auto-approve --wait`` in a process of its own (to be killed)."""
    command = [sys.executable, "-m", "reconciler", "apply", str(target), "--auto-approve"]
    command += ["--wait", "--timeout", "120", "--lock-timeout", "30"]
    return subprocess.Popen(
        command,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


class Admin:
    """The emulator's admin API."""

    def __init__(self, emulator: RunningEmulator) -> None:
        connection = emulator.connection
        self.emulator = emulator
        self.http = httpx2.Client(
            base_url=connection.endpoint,
            verify=ssl.create_default_context(cafile=connection.ca_file),
            timeout=30,
        )

    def faults(self, faults: list[dict[str, Any]]) -> None:
        self.http.post("/_emulator/faults", json=faults).raise_for_status()

    def unspent_faults(self) -> list[dict[str, Any]]:
        """Faults that have not fired yet (each fires ``count`` times)."""
        answer = self.http.get("/_emulator/faults")
        answer.raise_for_status()
        return [f for f in answer.json()["faults"] if f["count"] > 0]

    def clear_faults(self) -> None:
        self.http.delete("/_emulator/faults").raise_for_status()

    def requests(self) -> list[tuple[str, str]]:
        answer = self.http.get("/_emulator/requests")
        answer.raise_for_status()
        return [(r["method"], r["path"]) for r in answer.json()["requests"]]

    def clear_requests(self) -> None:
        self.http.delete("/_emulator/requests").raise_for_status()

    def mutations(self) -> list[tuple[str, str]]:
        return [r for r in self.requests() if r[0] in MUTATING]

    def advance(self, seconds: float) -> None:
        self.http.post("/_emulator/clock", json={"advance": seconds}).raise_for_status()

    def state(self) -> dict[str, Any]:
        answer = self.http.get("/_emulator/state")
        answer.raise_for_status()
        kinds: dict[str, Any] = answer.json()["kinds"]
        return kinds

    def files(self, needle: str) -> list[dict[str, Any]]:
        """Fine-tune files whose name contains ``needle``."""
        return [
            f
            for f in self.state().get("file", {}).values()
            if f["purpose"] == "fine-tune" and needle in f["filename"]
        ]

    def jobs(self, stack: str) -> list[dict[str, Any]]:
        return [
            j
            for j in self.state().get("job", {}).values()
            if (j.get("metadata") or {}).get("reconciler-stack") == stack
        ]

    def jobs_in(self, account: str) -> list[dict[str, Any]]:
        """Every job the emulator holds for an account, as stored (with or without metadata)."""
        jobs = self.state().get("job", {})
        return [j for k, j in jobs.items() if k.startswith(f"{account}/")]

    def deployments(self, stack: str) -> dict[str, dict[str, Any]]:
        """This stack's deployments by ``account/name``."""
        return {
            key: d
            for key, d in self.state().get("deployment", {}).items()
            if (d.get("tags") or {}).get("reconciler-stack") == stack
        }

    def wait_for_request(
        self, method: str, pattern: str, *, timeout: float = 30.0, alive: Callable[[], bool]
    ) -> bool:
        """Poll the request log until ``method`` on a path containing ``pattern`` shows up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and alive():
            if any(m == method and pattern in p for m, p in self.requests()):
                return True
            time.sleep(0.005)
        return False


def no_duplicates(admin: Admin, stack: str) -> None:
    """One file per content and account, one job per fingerprint: what apply promises."""
    state = admin.state()
    per_account: Counter[tuple[str, str]] = Counter(
        (key.split("/")[0], f["filename"])
        for key, f in state.get("file", {}).items()
        if f["purpose"] == "fine-tune"
    )
    assert all(n == 1 for n in per_account.values()), per_account
    fingerprints: Counter[str] = Counter(
        j["metadata"]["reconciler-fingerprint"]
        for j in state.get("job", {}).values()
        if (j.get("metadata") or {}).get("reconciler-stack") == stack
    )
    assert all(n == 1 for n in fingerprints.values()), fingerprints


def fresh_plan(spec_dir: Path, replace: frozenset[str] = frozenset()) -> Plan:
    """What `plan` would say now."""
    prepared = prepare(spec_dir)
    with Session.open() as session:
        return compute_plan(prepared, session.observe(prepared), replace)
