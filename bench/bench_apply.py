"""Benchmark: `apply --auto-approve` of 40 deployments over 8 accounts against the emulator.

The emulator provisions every deployment write in ``--provision-seconds`` (2 s) of simulated
time at ``--speed`` 1, and refuses a second write to an account while one runs (409, as ARM
does): apply must serialize writes per account and run the accounts in parallel. The floor is
the longest per-account chain of serialized writes: 5 writes x 2 s = 10 s. Target: apply's
wall time within 1.3x of it. The deployments serve a base model (gpt-4.1-mini, Standard 1), so
no training is involved.

Prints figures; exits 1 if apply failed, a deployment is missing, or a write had to be retried
(two writes overlapped on one account).

    .venv/bin/python bench/bench_apply.py [--provision-seconds 2] [--speed 1]
"""

from __future__ import annotations

import argparse
import io
import os
import re
import ssl
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reconciler.cli import run_apply
from reconciler.emulator.process import start_emulator

ACCOUNTS = 8
PER_ACCOUNT = 5
TARGET = 1.3
SUBSCRIPTION = "00000000-0000-0000-0000-0000000000be"
LOCATIONS = ("swedencentral", "northcentralus")


def _seed(path: Path) -> None:
    accounts = [
        {
            "subscription_id": SUBSCRIPTION,
            "resource_group": "rg-bench",
            "name": f"aoai-bench-{i}",
            "location": LOCATIONS[i % len(LOCATIONS)],
        }
        for i in range(ACCOUNTS)
    ]
    path.write_text(yaml.safe_dump({"accounts": accounts}), encoding="utf-8")


def _spec(root: Path) -> None:
    root.mkdir(parents=True)
    accounts = {
        f"a{i}": {
            "subscription_id": SUBSCRIPTION,
            "resource_group": "rg-bench",
            "name": f"aoai-bench-{i}",
        }
        for i in range(ACCOUNTS)
    }
    deployments = {
        f"d{n}-a{i}": {
            "account": f"a{i}",
            "model": "gpt-4.1-mini-2025-04-14",
            "sku": {"name": "Standard", "capacity": 1},
        }
        for i in range(ACCOUNTS)
        for n in range(PER_ACCOUNT)
    }
    doc = {"stack": "bench", "accounts": accounts, "deployments": deployments}
    (root / "stack.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")


def _apply(spec: Path) -> tuple[int, float, str]:
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    code = run_apply(
        spec,
        auto_approve=True,
        wait=False,
        timeout=None,
        lock_timeout=0,
        out=out,
        err=err,
        stdin_isatty=False,
    )
    return code, time.monotonic() - started, out.getvalue() + err.getvalue()


def _requests(client: httpx2.Client) -> list[dict[str, Any]]:
    answer = client.get("/_emulator/requests")
    answer.raise_for_status()
    requests: list[dict[str, Any]] = answer.json()["requests"]
    return requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provision-seconds", type=float, default=2.0)
    parser.add_argument("--speed", type=float, default=1.0)
    args, _ = parser.parse_known_args()
    write = args.provision_seconds / args.speed
    floor = PER_ACCOUNT * write
    with tempfile.TemporaryDirectory(prefix="bench-apply-") as tmp:
        work = Path(tmp)
        _seed(work / "seed.yaml")
        _spec(work / "spec")
        emulator = start_emulator(
            work / "emulator",
            work / "seed.yaml",
            speed=args.speed,
            provision_seconds=args.provision_seconds,
        )
        os.environ.update(
            {
                "RECONCILER_EMULATOR": str(work / "emulator"),
                "RECONCILER_CACHE_DIR": str(work / "cache"),
                "NO_PROXY": "127.0.0.1,localhost",
            }
        )
        os.chdir(work)
        connection = emulator.connection
        admin = httpx2.Client(
            base_url=connection.endpoint,
            verify=ssl.create_default_context(cafile=connection.ca_file),
            timeout=30,
        )
        try:
            code, wall, text = _apply(work / "spec")
            requests = _requests(admin)
            again_code, again_wall, again_text = _apply(work / "spec")
            after = _requests(admin)[len(requests) :]
        finally:
            admin.close()
            emulator.stop()
    executed = re.search(r"Apply finished in ([0-9.]+) s", text)
    execution = float(executed.group(1)) if executed else float("nan")
    puts = sum(1 for r in requests if r["method"] == "PUT")
    mutating_again = sum(1 for r in after if r["method"] in ("POST", "PUT", "PATCH", "DELETE"))
    deployments = ACCOUNTS * PER_ACCOUNT
    ratio = wall / floor
    print(
        f"apply: {deployments} deployments over {ACCOUNTS} accounts ({PER_ACCOUNT} each), "
        f"{write:.2f} s per ARM write (provision-seconds {args.provision_seconds:g}, "
        f"speed {args.speed:g})"
    )
    print(f"  wall      {wall:7.2f} s  (validate, observe, plan, execute, summary)")
    print(f"  execute   {execution:7.2f} s  (the scheduled writes alone)")
    print(f"  floor     {floor:7.2f} s  (busiest account: {PER_ACCOUNT} serialized writes)")
    verdict = "within target" if ratio <= TARGET else "ABOVE TARGET"
    print(f"  ratio     {ratio:7.3f}    (wall / floor; target <= {TARGET}: {verdict})")
    print(f"  serial    {deployments * write:7.2f} s  (every write one after another, for scale)")
    print(f"  PUTs      {puts:7d}    (one per deployment when no write had to be retried)")
    print(
        f"  re-apply  {again_wall:7.2f} s, {mutating_again} mutating requests (exit {again_code})"
    )
    ok = code == 0 and puts == deployments and again_code == 0 and mutating_again == 0
    if not ok:
        print(text[-3000:])
        print(again_text[-2000:])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
