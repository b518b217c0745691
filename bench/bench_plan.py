"""Benchmark: HTTP requests and wall time of a no-op `plan`, against one GET per resource.

Builds a stack (default: 8 accounts in 3 regions, 60 fine-tuning jobs, 200 deployments, most
serving the jobs' models, some cross-region, some base models), applies it to an emulator until
a plan is a no-op, then adds ``--latency-ms`` to every request and measures side by side:

- ours: what `reconciler plan` does (validate + resolve the spec, observe, plan), in-process and
  as the CLI in a subprocess; per account a GET of the account and one list per collection
  (deployments, files, jobs; pages followed), plus the model catalog and usages once per
  subscription and region;
- naive: one GET per resource (each account, deployment, file and job, by name or id) with the
  same SDK clients, first sequentially, then with one thread per account as ours.

The naive figures flatter the naive strategy: it gets the ids for free (a real script keeps
them in a state file) and reads no catalog or quota, so it could check nothing that plan checks.

Prints figures; exits 1 when the stack cannot be brought to a no-op plan, or when ours is not
at least 10x fewer requests than the naive strategy.

    .venv/bin/python bench/bench_plan.py [--accounts 8] [--jobs 60] [--deployments 200]
        [--latency-ms 20] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reconciler.azure.observe import Observation  # noqa: E402
from reconciler.cli import run_apply  # noqa: E402
from reconciler.commands.pipeline import Prepared, Session, compute_plan, prepare  # noqa: E402
from reconciler.emulator.process import start_emulator  # noqa: E402
from reconciler.emulator_connection import EmulatorConnection  # noqa: E402
from reconciler.plan import Plan  # noqa: E402
from reconciler.plan.naming import FINE_TUNE_PURPOSE  # noqa: E402

SUBSCRIPTION = "00000000-0000-0000-0000-0000000000bf"
RESOURCE_GROUP = "rg-bench-plan"
STACK = "bench-plan"
BASE_MODEL = "gpt-4.1-mini-2025-04-14"
# Regional Standard training and fine-tuned Standard deployments of gpt-4.1-mini are offered in
# these two; eastus2 serves the fine-tuned models as GlobalStandard (cross-region).
TRAINING_REGIONS = ("swedencentral", "northcentralus")
GLOBAL_REGION = "eastus2"
REGION_CYCLE = ("swedencentral", "northcentralus", GLOBAL_REGION)
DATASETS = 6
EXAMPLES_PER_DATASET = 12
TARGET_RATIO = 10.0
SETUP_ROUNDS = 6
# Enough simulated time for a small job to validate, queue and train (about 2 minutes), far
# below the 15 idle days after which the service removes a fine-tuned deployment.
ROUND_ADVANCE_SECONDS = 1800.0

JSON = dict[str, Any]


# --- the stack ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    accounts: int
    jobs: int
    deployments: int
    checkpoints: int = 0  # deployments of a job's epoch-1 checkpoint (taken from the base ones)


def account_region(index: int) -> str:
    return REGION_CYCLE[index % len(REGION_CYCLE)]


def account_name(index: int) -> str:
    return f"aoai-bp-{index}-{account_region(index)[:6]}"


def write_seed(path: Path, sizes: Sizes) -> None:
    accounts = [
        {
            "subscription_id": SUBSCRIPTION,
            "resource_group": RESOURCE_GROUP,
            "name": account_name(i),
            "location": account_region(i),
        }
        for i in range(sizes.accounts)
    ]
    # Generous quotas so no deployment is refused for capacity, whatever the sizes.
    usages = (
        "OpenAI.Standard.gpt-4.1-mini",
        "OpenAI.GlobalStandard.gpt-4.1-mini",
        "OpenAI.Standard.gpt-4.1-mini-finetune",
        "OpenAI.GlobalStandard.gpt-4.1-mini-finetune",
    )
    quotas = [
        {"subscription_id": SUBSCRIPTION, "location": region, "name": usage, "limit": 100_000}
        for region in REGION_CYCLE
        for usage in usages
    ]
    path.write_text(yaml.safe_dump({"accounts": accounts, "quotas": quotas}), encoding="utf-8")


def _dataset_lines(index: int) -> str:
    system = f"You are assistant number {index} of the benchmark; answer in one sentence."
    examples = (
        {
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": f"Dataset {index}, question {n}: {n} + {index}?"},
                {"role": "assistant", "content": f"{n} + {index} is {n + index}."},
            ]
        }
        for n in range(EXAMPLES_PER_DATASET)
    )
    return "".join(json.dumps(example) + "\n" for example in examples)


def write_spec(root: Path, sizes: Sizes) -> dict[str, int]:
    """The stack's YAML and data; returns the number of deployments per account key."""
    (root / "data").mkdir(parents=True)
    training = [i for i in range(sizes.accounts) if account_region(i) in TRAINING_REGIONS]
    serving_global = [i for i in range(sizes.accounts) if account_region(i) == GLOBAL_REGION]
    if not training:
        raise SystemExit("--accounts must be at least 1")
    accounts = {
        f"a{i}": {
            "subscription_id": "${env:AZURE_SUBSCRIPTION_ID}",
            "resource_group": RESOURCE_GROUP,
            "name": account_name(i),
        }
        for i in range(sizes.accounts)
    }
    datasets: JSON = {}
    for d in range(DATASETS):
        (root / "data" / f"ds{d}.jsonl").write_text(_dataset_lines(d), encoding="utf-8")
        datasets[f"ds{d}"] = {"path": f"data/ds{d}.jsonl"}
    jobs: JSON = {}
    home: dict[str, int] = {}
    for j in range(sizes.jobs):
        name = f"j{j:03d}"
        home[name] = training[j % len(training)]
        jobs[name] = {
            "account": f"a{home[name]}",
            "model": BASE_MODEL,
            # Several datasets per account, each shared by several jobs (seeds differ).
            "training_data": f"ds{(j // len(training)) % DATASETS}",
            "method": "supervised",
            "hyperparameters": {"n_epochs": 1, "batch_size": 4, "learning_rate_multiplier": 1.0},
            "seed": 1000 + j,
            "suffix": name,
            "training_type": "standard",
        }
    deployments: JSON = {}
    per_account: Counter[str] = Counter()
    job_names = sorted(jobs)
    for k in range(sizes.deployments):
        spec: JSON
        round_, slot = divmod(k, max(1, len(job_names)))
        if job_names and round_ < 3:
            job = job_names[slot]
            own = home[job]
            if round_ == 0:
                where, sku = own, "Standard"
            elif round_ == 1 and serving_global:
                where, sku = serving_global[slot % len(serving_global)], "GlobalStandard"
            else:
                others = [t for t in training if t != own] or [own]
                where, sku = others[slot % len(others)], "Standard"
            spec = {"model": {"job": job}, "sku": {"name": sku, "capacity": 1}}
        elif job_names and k - 3 * len(job_names) < sizes.checkpoints:
            job = job_names[slot]
            where = home[job]
            spec = {
                "model": {"job": job, "checkpoint": 1},
                "sku": {"name": "Standard", "capacity": 1},
            }
        else:
            where = k % sizes.accounts
            sku = "GlobalStandard" if account_region(where) == GLOBAL_REGION else "Standard"
            spec = {"model": BASE_MODEL, "sku": {"name": sku, "capacity": 1}}
        deployments[f"d{k:03d}"] = {"account": f"a{where}", **spec}
        per_account[f"a{where}"] += 1
    files = {
        "stack.yaml": {"stack": STACK, "accounts": accounts},
        "datasets.yaml": {"datasets": datasets},
        "jobs.yaml": {"jobs": jobs},
        "deployments.yaml": {"deployments": deployments},
    }
    for filename, doc in files.items():
        (root / filename).write_text(yaml.safe_dump(doc, sort_keys=True), encoding="utf-8")
    return dict(per_account)


# --- the emulator's admin API and request log -------------------------------------------------


class Admin:
    def __init__(self, connection: EmulatorConnection) -> None:
        self.http = httpx2.Client(
            base_url=connection.endpoint,
            verify=ssl.create_default_context(cafile=connection.ca_file),
            timeout=60,
        )

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, body: JSON | None = None) -> JSON:
        answer = self.http.request(method, f"/_emulator/{path}", json=body)
        answer.raise_for_status()
        result: JSON = answer.json()
        return result

    def advance(self, seconds: float) -> None:
        self._call("POST", "clock", {"advance": seconds})

    def configure(self, **settings: float) -> None:
        self._call("POST", "config", dict(settings))

    def clear_requests(self) -> None:
        self._call("DELETE", "requests")

    def requests(self) -> list[tuple[str, str]]:
        return [(r["method"], r["path"]) for r in self._call("GET", "requests")["requests"]]


# --- what a request was ------------------------------------------------------------------------

_ARM_ACCOUNT = re.compile(r"/accounts/(?P<account>[^/]+)(?P<rest>(/[^/]+)*)$", re.IGNORECASE)
_ARM_LOCATION = re.compile(r"/locations/(?P<location>[^/]+)/(?P<what>[^/]+)$", re.IGNORECASE)
_DATA_PLANE = re.compile(r"^/dp/(?P<account>[^/]+)/openai(/v1)?(?P<rest>/.*)$")


def classify(method: str, path: str) -> tuple[str, str]:
    """(account name or "region <loc>", kind of request) of a logged request."""
    if match := _DATA_PLANE.match(path):
        parts = match["rest"].strip("/").split("/")
        if parts[:2] == ["fine_tuning", "jobs"]:
            kind = {2: "list jobs", 3: "GET job"}.get(len(parts), f"job {parts[-1]}")
        elif parts[0] == "files":
            kind = "list files" if len(parts) == 1 else "GET file"
        else:
            kind = "/".join(parts)
        return match["account"], f"{method} {kind}" if method != "GET" else kind
    if match := _ARM_ACCOUNT.search(path):
        rest = match["rest"].strip("/").split("/") if match["rest"] else []
        if not rest:
            kind = "GET account"
        elif rest == ["deployments"]:
            kind = "list deployments (page)"
        elif rest[0] == "deployments" and len(rest) == 2:
            kind = "GET deployment"
        else:
            kind = "/".join(rest)
        return match["account"], f"{method} {kind}" if method != "GET" else kind
    if match := _ARM_LOCATION.search(path):
        return f"region {match['location']}", f"list {match['what']}"
    return "?", f"{method} {path}"


@dataclass
class Measure:
    label: str
    walls: list[float]
    requests: list[tuple[str, str]]
    counts: set[int]
    by_account: dict[str, Counter[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        grouped: dict[str, Counter[str]] = defaultdict(Counter)
        for method, path in self.requests:
            where, kind = classify(method, path)
            grouped[where][kind] += 1
        self.by_account = dict(grouped)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def count(self) -> int:
        return len(self.requests)

    def kinds(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for counts in self.by_account.values():
            total.update(counts)
        return total


def measured(admin: Admin, label: str, run: Callable[[], object], repeat: int) -> Measure:
    """Median wall time of ``repeat`` runs; the requests of the last (all runs are counted)."""
    walls: list[float] = []
    counts: set[int] = set()
    requests: list[tuple[str, str]] = []
    for _ in range(repeat):
        admin.clear_requests()
        started = time.perf_counter()
        run()
        walls.append(time.perf_counter() - started)
        requests = admin.requests()
        counts.add(len(requests))
    return Measure(label, walls, requests, counts)


# --- bringing Azure (the emulator) to the spec --------------------------------------------------


def plan_in_process(spec: Path) -> tuple[Prepared, Observation, Plan]:
    prepared = prepare(spec)
    with Session.open() as session:
        observation = session.observe(prepared)
    return prepared, observation, compute_plan(prepared, observation)


def apply_until_no_op(spec: Path, admin: Admin) -> Plan:
    """apply (without --wait), let simulated time pass, again, until a plan is a no-op."""
    for round_ in range(1, SETUP_ROUNDS + 1):
        out, err = io.StringIO(), io.StringIO()
        started = time.perf_counter()
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
        took = time.perf_counter() - started
        summary = out.getvalue().strip().splitlines()[-1:] or ["(no output)"]
        print(f"  setup: apply round {round_} exit {code} in {took:.1f} s: {summary[0]}")
        if code != 0:
            print(out.getvalue()[-4000:])
            print(err.getvalue()[-4000:])
            raise SystemExit(f"apply failed in setup round {round_}")
        admin.advance(ROUND_ADVANCE_SECONDS)
        _, _, plan = plan_in_process(spec)
        if plan.has_errors:
            raise SystemExit(f"the plan has errors: {[str(e) for e in plan.errors]}")
        if not plan.has_changes:
            return plan
    raise SystemExit(f"the stack is not applied after {SETUP_ROUNDS} apply rounds")


# --- the two strategies -------------------------------------------------------------------------


class InProcessPlan:
    """prepare + observe + plan as `reconciler plan` runs them, timing each phase."""

    def __init__(self, spec: Path) -> None:
        self.spec = spec
        self.phases: dict[str, list[float]] = defaultdict(list)

    def __call__(self) -> None:
        t0 = time.perf_counter()
        prepared = prepare(self.spec)
        t1 = time.perf_counter()
        with Session.open() as session:
            observation = session.observe(prepared)
        t2 = time.perf_counter()
        plan = compute_plan(prepared, observation)
        t3 = time.perf_counter()
        for phase, took in (("prepare", t1 - t0), ("observe", t2 - t1), ("plan", t3 - t2)):
            self.phases[phase].append(took)
        if plan.has_changes or plan.has_errors:
            raise SystemExit(f"the plan is no longer a no-op: {plan.summary}")

    def medians(self) -> str:
        return ", ".join(f"{k} {statistics.median(v):.2f} s" for k, v in self.phases.items())


def ours_cli(spec: Path) -> Callable[[], object]:
    def run() -> None:
        command = [sys.executable, "-m", "reconciler", "plan", str(spec), "--detailed-exitcode"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(
                f"`reconciler plan` exited {done.returncode}:\n{done.stdout[-2000:]}"
                f"{done.stderr[-2000:]}"
            )

    return run


@dataclass(frozen=True)
class Inventory:
    """What the naive strategy GETs one by one (ids taken from an observation, uncounted)."""

    key: str
    name: str
    endpoint: str
    deployments: tuple[str, ...]
    files: tuple[str, ...]
    jobs: tuple[str, ...]


def inventory(prepared: Prepared, observation: Observation) -> list[Inventory]:
    out = []
    for key, account in sorted(observation.observed.accounts.items()):
        out.append(
            Inventory(
                key=key,
                name=account.name,
                endpoint=account.endpoint,
                deployments=tuple(d.name for d in account.deployments),
                files=tuple(f.id for f in account.files if f.purpose == FINE_TUNE_PURPOSE),
                jobs=tuple(j.id for j in account.jobs),
            )
        )
    return out


def naive(accounts: list[Inventory], *, parallel: bool) -> Callable[[], object]:
    def one(session: Session, item: Inventory) -> None:
        arm = session.clients.arm(SUBSCRIPTION)
        arm.accounts.get(RESOURCE_GROUP, item.name)
        for name in item.deployments:
            arm.deployments.get(RESOURCE_GROUP, item.name, name)
        data = session.clients.data_plane(
            item.endpoint, api_key_env=None, where=item.key, tenant_id=None
        )
        for file_id in item.files:
            data.files.retrieve(file_id)
        for job_id in item.jobs:
            data.fine_tuning.jobs.retrieve(job_id)

    def run() -> None:
        with Session.open() as session:
            if parallel:
                with ThreadPoolExecutor(max_workers=max(1, min(8, len(accounts)))) as pool:
                    list(pool.map(lambda item: one(session, item), accounts))
            else:
                for item in accounts:
                    one(session, item)

    return run


# --- report ------------------------------------------------------------------------------------


def continuation_pages(measure: Measure) -> int:
    """Requests for the second and later pages of a list (the same list path, asked again)."""
    paths = Counter(measure.requests)
    return sum(n - 1 for (method, path), n in paths.items() if method == "GET" and n > 1)


def print_report(
    sizes: Sizes,
    latency_ms: int,
    accounts: list[Inventory],
    ours: list[Measure],
    naives: list[Measure],
    phases: str,
) -> bool:
    resources = sum(1 + len(a.deployments) + len(a.files) + len(a.jobs) for a in accounts)
    print(
        f"\nno-op plan of {sizes.accounts} accounts, {sizes.jobs} jobs, {sizes.deployments} "
        f"deployments ({sizes.checkpoints} of checkpoints); {resources} resources to read "
        f"one by one (accounts, deployments, uploaded files, jobs); "
        f"latency {latency_ms} ms per request; wall = median of {len(ours[0].walls)} runs"
    )
    print(f"\n  {'strategy':<50} {'requests':>8} {'wall s':>8}")
    for m in (*ours, *naives):
        varied = "  (request count varied between runs!)" if len(m.counts) > 1 else ""
        print(f"  {m.label:<50} {m.count:>8} {m.wall:>8.2f}{varied}")
    print(f"  ({ours[0].label.split(':')[0]} in-process phases: {phases})")
    reference, sequential, parallel = ours[0], naives[0], naives[-1]
    ratio = sequential.count / max(1, reference.count)
    met = ratio >= TARGET_RATIO
    print(
        f"\n  requests: naive {sequential.count} / ours {reference.count} = {ratio:.1f}x fewer "
        f"(target >= {TARGET_RATIO:g}x: {'met' if met else 'NOT MET'})"
    )
    extra = continuation_pages(reference)
    first_pages = reference.count - extra
    print(
        f"  of ours, {extra} are continuation pages (ARM lists page at the emulator's "
        f"arm_page_size, 100 by default); without them {first_pages}"
    )
    groups = 1  # the generated stack's accounts share one subscription and resource group
    floor = groups + 3 * len(accounts)
    print(
        f"  floor of this read design for a no-op plan: one account list per resource group "
        f"+ 3 lists per account (deployments, files, jobs) = {floor}; the catalog and usages "
        f"are read only when a change needs checking"
    )
    kinds = reference.kinds()
    print(
        f"  wall: ours {reference.wall:.2f} s; naive sequential {sequential.wall:.2f} s "
        f"({sequential.wall / reference.wall:.1f}x ours); naive with per-account threads "
        f"{parallel.wall:.2f} s ({parallel.wall / reference.wall:.1f}x ours)"
    )
    print("\n  ours, by kind of request:")
    for kind, n in sorted(kinds.items()):
        print(f"    {kind:<32} {n:>5}")
    print("\n  per account (ours: account GET + one list per collection, pages followed):")
    print(
        f"    {'account':<22} {'deps':>4} {'files':>5} {'jobs':>4} {'ours':>5} {'naive':>5}"
        "  ours by kind"
    )
    naive_by = sequential.by_account
    for item in accounts:
        counts = reference.by_account.get(item.name, Counter())
        detail = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
        naive_n = sum(naive_by.get(item.name, Counter()).values())
        print(
            f"    {item.name:<22} {len(item.deployments):>4} {len(item.files):>5} "
            f"{len(item.jobs):>4} {sum(counts.values()):>5} {naive_n:>5}  {detail}"
        )
    for where, counts in sorted(reference.by_account.items()):
        if where.startswith("region ") or where == "?":
            detail = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
            print(f"    {where:<22} {'':>16} {sum(counts.values()):>5} {'':>5}  {detail}")
    return met


# --- main --------------------------------------------------------------------------------------


@contextlib.contextmanager
def environment(values: dict[str, str], cwd: Path) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    before = Path.cwd()
    os.environ.update(values)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(before)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def parse_args() -> tuple[Sizes, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--accounts", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=60)
    parser.add_argument("--deployments", type=int, default=200)
    parser.add_argument(
        "--checkpoint-deployments",
        type=int,
        default=0,
        help="how many deployments serve a job's checkpoint instead of a base model",
    )
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="runs per strategy (median wall)")
    parser.add_argument("--quick", action="store_true", help="3 accounts, 6 jobs, 24 deployments")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI subprocess run")
    # parse_known_args: bench/run_all.py passes its own arguments to every benchmark.
    args, _ = parser.parse_known_args()
    if args.quick:
        sizes = Sizes(3, 6, 24, min(args.checkpoint_deployments, 6))
        args.repeat = 1
    else:
        sizes = Sizes(args.accounts, args.jobs, args.deployments, args.checkpoint_deployments)
    if sizes.accounts < 1 or sizes.jobs < 0 or sizes.deployments < 0 or args.repeat < 1:
        parser.error("sizes must be positive")
    return sizes, args


def main() -> int:
    sizes, args = parse_args()
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-plan-")))
        spec = work / "spec"
        write_seed(work / "seed.yaml", sizes)
        write_spec(spec, sizes)
        # Registered after the temp dir, so it stops before the directory is removed.
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
        print(
            f"setup: {sizes.accounts} accounts, {sizes.jobs} jobs, {sizes.deployments} "
            "deployments, by `apply --auto-approve` rounds (provision-seconds 0.01, no latency)"
        )
        started = time.perf_counter()
        plan = apply_until_no_op(spec, admin)
        print(f"  setup done in {time.perf_counter() - started:.1f} s; no-op plan: {plan.summary}")
        prepared, observation, _ = plan_in_process(spec)
        accounts = inventory(prepared, observation)
        admin.configure(latency_ms=args.latency_ms)
        in_process = InProcessPlan(spec)
        ours = [
            measured(admin, "ours: plan in-process (prepare+observe+plan)", in_process, args.repeat)
        ]
        if not args.no_cli:
            label = "ours: `reconciler plan` CLI (subprocess)"
            ours.append(measured(admin, label, ours_cli(spec), args.repeat))
        naives = [
            measured(
                admin,
                "naive: GET each resource, sequential",
                naive(accounts, parallel=False),
                args.repeat,
            ),
            measured(
                admin,
                "naive: GET each resource, a thread per account",
                naive(accounts, parallel=True),
                args.repeat,
            ),
        ]
        met = print_report(sizes, args.latency_ms, accounts, ours, naives, in_process.medians())
    # --quick is too small for the ratio to mean anything: it checks that the bench runs.
    return 0 if met or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
