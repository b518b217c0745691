"""Benchmark: a no-op `reconciler plan` as a whole process against a fair thread-per-account
SDK script (#15 goal 1), and how both scale with accounts and deployments.

The stack (bench_plan's generator: accounts in 3 regions, jobs, deployments serving the jobs'
models or base models) is applied to an emulator until a plan is a no-op. Then, with the
emulator's latency (``--latency-ms``, every request), interleaved runs of:

- ours: ``python -m reconciler plan SPEC --detailed-exitcode`` in a subprocess (imports,
  spec validation, observe, plan, render: everything a user waits for);
- script: what a competent engineer would write to read the same state, in a subprocess: the
  SDKs imported, one thread per account, the SDKs' list calls (account GET, deployments,
  files, jobs) turned into dicts. It reads less than ours (no spec, no plan), so it flatters
  the script.

Prints medians, the ratio ours/script (goal: <= 0.5) and the request counts of each (goal:
ours <= script). ``--scaling`` adds runs at 1, 8, 32 accounts and 50 to 4,000 deployments.

Both run as a user's install runs them: the package's modules compiled to bytecode once
(``compileall``, as ``pip install`` does). An editable checkout under PYTHONDONTWRITEBYTECODE=1
(as in some sandboxes and CI images) compiles every module of the package from source at each
start instead, a tenth of a second more for the CLI, which imports a hundred of them, than for
the script, which imports three; ``--from-source`` measures that case.

    .venv/bin/python bench/bench_noop_plan.py [--accounts 8] [--jobs 60] [--deployments 200]
        [--latency-ms 20] [--repeat 5] [--scaling] [--quick] [--from-source]
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_plan import (  # noqa: E402
    RESOURCE_GROUP,
    SUBSCRIPTION,
    Admin,
    Sizes,
    account_name,
    apply_until_no_op,
    environment,
    write_seed,
    write_spec,
)

from reconciler.emulator.process import start_emulator  # noqa: E402

GOAL_RATIO = 0.5

# The fair baseline: the SDKs' own list calls, a thread per account. Authentication is the
# emulator's (the same credential object ours uses), so both pay the same for tokens.
SDK_SCRIPT = """
import json, os, ssl, sys
from concurrent.futures import ThreadPoolExecutor

import openai
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

from reconciler.azure.credentials import credential
from reconciler.azure.target import DATA_PLANE_SCOPE, resolve_target

subscription, group, names = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
target = resolve_target()
cred = credential(target)
arm = CognitiveServicesManagementClient(
    cred, subscription, base_url=target.arm_endpoint, connection_verify=target.ca_file,
    retry_total=0,
)
verify = ssl.create_default_context(cafile=target.ca_file)
token = cred.get_token(DATA_PLANE_SCOPE).token


def one(name):
    account = arm.accounts.get(group, name)
    deployments = [d.as_dict() for d in arm.deployments.list(group, name)]
    data = openai.OpenAI(
        base_url=account.properties.endpoint.rstrip("/") + "/openai/v1", api_key=token,
        max_retries=0, http_client=openai.DefaultHttpxClient(verify=verify),
    )
    files = [f.model_dump() for f in data.files.list()]
    jobs = [j.model_dump() for j in data.fine_tuning.jobs.list(limit=100)]
    return len(deployments), len(files), len(jobs)


with ThreadPoolExecutor(max_workers=len(names)) as pool:
    counts = list(pool.map(one, names))
print(json.dumps(counts))
"""


def compile_package() -> None:
    """The package's bytecode, written next to its modules as an install writes it."""
    command = [sys.executable, "-m", "compileall", "-q", str(ROOT / "reconciler")]
    subprocess.run(command, check=True, capture_output=True)


def drop_package_bytecode() -> None:
    """No bytecode of the package: under PYTHONDONTWRITEBYTECODE every start compiles it."""
    for cache in (ROOT / "reconciler").rglob("__pycache__"):
        shutil.rmtree(cache)


def run_cli(spec: Path) -> None:
    command = [sys.executable, "-m", "reconciler", "plan", str(spec), "--detailed-exitcode"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(
            f"`reconciler plan` exited {done.returncode} (not a no-op?):\n"
            f"{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )


def run_script(script: Path, sizes: Sizes) -> None:
    names = ",".join(account_name(i) for i in range(sizes.accounts))
    command = [sys.executable, str(script), SUBSCRIPTION, RESOURCE_GROUP, names]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the SDK script failed:\n{done.stderr[-3000:]}")


def timed(admin: Admin, run: Callable[[], None]) -> tuple[float, int]:
    admin.clear_requests()
    started = time.perf_counter()
    run()
    took = time.perf_counter() - started
    return took, len(admin.requests())


def measure(sizes: Sizes, latency_ms: int, repeat: int, work: Path) -> tuple[float, float]:
    """(ours median, script median) in seconds; prints one line with the request counts."""
    work.mkdir(parents=True)
    with contextlib.ExitStack() as stack:
        spec = work / "spec"
        write_seed(work / "seed.yaml", sizes)
        write_spec(spec, sizes)
        script = work / "sdk_script.py"
        script.write_text(SDK_SCRIPT, encoding="utf-8")
        emulator = stack.enter_context(
            start_emulator(work / "emulator", work / "seed.yaml", provision_seconds=0.01)
        )
        admin = Admin(emulator.connection)
        stack.callback(admin.close)
        stack.enter_context(
            environment(
                {
                    "RECONCILER_EMULATOR": str(work / "emulator"),
                    "RECONCILER_CACHE_DIR": str(work / "cache"),
                    "AZURE_SUBSCRIPTION_ID": SUBSCRIPTION,
                    "NO_PROXY": "127.0.0.1,localhost",
                    "NO_COLOR": "1",
                },
                work,
            )
        )
        started = time.perf_counter()
        apply_until_no_op(spec, admin)
        print(f"  setup (apply to a no-op) {time.perf_counter() - started:.1f} s")
        admin.configure(latency_ms=latency_ms)
        ours: list[float] = []
        theirs: list[float] = []
        ours_requests: set[int] = set()
        their_requests: set[int] = set()
        run_cli(spec)  # warm the caches a user's second plan would have (digests, tokens)
        for _ in range(repeat):  # interleaved, so load on the machine hits both alike
            took, count = timed(admin, lambda: run_cli(spec))
            ours.append(took)
            ours_requests.add(count)
            took, count = timed(admin, lambda: run_script(script, sizes))
            theirs.append(took)
            their_requests.add(count)
        mine, base = statistics.median(ours), statistics.median(theirs)
        print(
            f"  {sizes.accounts:>3} accounts {sizes.jobs:>4} jobs {sizes.deployments:>5} "
            f"deployments, latency {latency_ms} ms: CLI {mine:.2f} s, SDK script {base:.2f} s, "
            f"ratio {mine / base:.2f}; requests CLI {sorted(ours_requests)}, "
            f"script {sorted(their_requests)}"
        )
        return mine, base


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--accounts", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=60)
    parser.add_argument("--deployments", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scaling", action="store_true", help="also 1/8/32 accounts, 50-4000")
    parser.add_argument("--quick", action="store_true", help="3 accounts, 6 jobs, 24 deployments")
    parser.add_argument(
        "--from-source",
        action="store_true",
        help="do not compile the package to bytecode first (see the module's docstring)",
    )
    args, _ = parser.parse_known_args()
    if args.from_source:
        drop_package_bytecode()
    else:
        compile_package()
    sizes = Sizes(3, 6, 24) if args.quick else Sizes(args.accounts, args.jobs, args.deployments)
    repeat = 1 if args.quick else args.repeat
    print(
        f"no-op plan, CLI as a whole process vs a thread-per-account SDK script; {repeat} runs; "
        + ("modules compiled at each start" if args.from_source else "package bytecode compiled")
    )
    with tempfile.TemporaryDirectory(prefix="bench-noop-") as tmp:
        mine, base = measure(sizes, args.latency_ms, repeat, Path(tmp) / "main")
        ratio = mine / base
        print(f"ratio CLI/script {ratio:.2f} (goal <= {GOAL_RATIO})")
        if args.scaling:
            print("scaling (latency 100 ms; accounts):")
            for accounts in (1, 8, 32):
                measure(
                    Sizes(accounts, 2 * accounts, 4 * accounts), 100, 3, Path(tmp) / f"a{accounts}"
                )
            print(f"scaling ({args.latency_ms} ms; deployments over 8 accounts):")
            for deployments in (50, 1000, 4000):
                measure(
                    Sizes(8, 16, deployments), args.latency_ms, 3, Path(tmp) / f"d{deployments}"
                )
    return 0 if ratio <= GOAL_RATIO or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
