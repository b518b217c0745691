"""Benchmark: a plan after a training-data change against a no-op plan (#15 goal 5).

A plan that trains a job anew on changed data says how many examples the change adds and
removes against the data of the job now serving. It finds that data's example digests in the
local cache (stored when that data was validated here); without them it reads the old file
from Azure. Measured as the CLI in a subprocess (medians of interleaved runs, emulator latency
``--latency-ms``) on a stack of 2 accounts / 2 jobs / 4 deployments whose training file is
``--mb`` MB:

- no-op: the applied stack, unchanged;
- changed, cached: one example removed and two added; the old data's digests in the cache;
- changed, in git history: the same with the old data's cached digests deleted before each
  run, the old data committed in the spec's repository (a CI runner's fresh clone): it is read
  from git, not from Azure;
- changed, not cached: the same without git history (a shallow clone): the old file is
  streamed from Azure.

The changed file itself is validated once before the timed runs (a user's first plan after the
edit pays that in any case; it is not the old data's cost). Prints the ratios to the no-op plan
(goal: cached <= 1.3x) and the file contents read from Azure by each (goal: none but without
history).

    .venv/bin/python bench/bench_data_change.py [--mb 20] [--latency-ms 20] [--repeat 5]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
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

import bench_plan  # noqa: E402
from bench_plan import (  # noqa: E402
    SUBSCRIPTION,
    Admin,
    Sizes,
    apply_until_no_op,
    environment,
    write_seed,
    write_spec,
)

from reconciler.emulator.process import start_emulator  # noqa: E402

GOAL_RATIO = 1.3
SIZES = Sizes(2, 2, 4)


def big_dataset(megabytes: float) -> str:
    lines: list[str] = []
    size, n = 0, 0
    system = "You are the benchmark's assistant; answer in one sentence, politely and exactly."
    while size < megabytes * 1_000_000:
        line = json.dumps(
            {
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": f"Question {n}: what is {n} + {n % 97}?"},
                    {"role": "assistant", "content": f"{n} + {n % 97} is {n + n % 97}."},
                ]
            }
        )
        lines.append(line)
        size += len(line) + 1
        n += 1
    return "\n".join(lines) + "\n"


def plan(spec: Path, expect: str | None) -> None:
    """`reconciler plan`: a no-op (exit 0) when ``expect`` is None, else changes (exit 2)
    whose text holds ``expect``."""
    command = [sys.executable, "-m", "reconciler", "plan", str(spec), "--detailed-exitcode"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    code = 0 if expect is None else 2
    if done.returncode != code or (expect is not None and expect not in done.stdout):
        raise SystemExit(
            f"`reconciler plan` exited {done.returncode}, expected {expect!r}:\n"
            f"{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )


def content_reads(admin: Admin) -> int:
    return sum(1 for _, path in admin.requests() if path.endswith("/content"))


def timed(admin: Admin, run: Callable[[], None]) -> tuple[float, int]:
    admin.clear_requests()
    started = time.perf_counter()
    run()
    return time.perf_counter() - started, content_reads(admin)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args, _ = parser.parse_known_args()
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-change-")))
        spec = work / "spec"
        write_seed(work / "seed.yaml", SIZES)
        write_spec(spec, SIZES)
        data = spec / "data" / "ds0.jsonl"
        original = big_dataset(args.mb)
        data.write_text(original, encoding="utf-8")
        old_sha = hashlib.sha256(original.encode("utf-8")).hexdigest()
        emulator = stack.enter_context(
            start_emulator(work / "emulator", work / "seed.yaml", provision_seconds=0.01)
        )
        admin = Admin(emulator.connection)
        stack.callback(admin.close)
        cache = work / "cache"
        stack.enter_context(
            environment(
                {
                    "RECONCILER_EMULATOR": str(work / "emulator"),
                    "RECONCILER_CACHE_DIR": str(cache),
                    "AZURE_SUBSCRIPTION_ID": SUBSCRIPTION,
                    "NO_PROXY": "127.0.0.1,localhost",
                    "NO_COLOR": "1",
                },
                work,
            )
        )
        print(f"setup: 2 accounts, 2 jobs, 4 deployments, training file {args.mb:g} MB")
        # a large file trains for simulated hours: let each round pass a day
        bench_plan.ROUND_ADVANCE_SECONDS = 86_400.0
        apply_until_no_op(spec, admin)
        admin.configure(latency_ms=args.latency_ms)
        lines = original.splitlines()
        added = [
            json.dumps({"messages": [*json.loads(lines[0])["messages"][:1], *extra]})
            for extra in (
                [
                    {"role": "user", "content": "A brand new question?"},
                    {"role": "assistant", "content": "A brand new answer."},
                ],
                [
                    {"role": "user", "content": "Another new question?"},
                    {"role": "assistant", "content": "Another new answer."},
                ],
            )
        ]
        changed = "\n".join(lines[1:] + added) + "\n"

        def no_op() -> None:
            data.write_text(original, encoding="utf-8")
            plan(spec, None)

        # the stack's repository, the old data committed (what a clone of it holds)
        for command in (
            ["init", "-q"],
            ["add", "-A"],
            ["-c", "user.name=bench", "-c", "user.email=b@example.com", "commit", "-q", "-m", "v1"],
        ):
            subprocess.run(["git", "-C", str(spec), *command], check=True, capture_output=True)

        def with_change(keep_cache: bool, history: bool = False) -> Callable[[], None]:
            def run() -> None:
                data.write_text(changed, encoding="utf-8")
                if not keep_cache:
                    for entry in (cache / "digests").glob(f"{old_sha}-*.bin"):
                        entry.unlink()
                if not history:
                    (spec / ".git").rename(spec / ".git-hidden")
                try:
                    plan(spec, "2 examples added, 1 removed")
                finally:
                    if not history:
                        (spec / ".git-hidden").rename(spec / ".git")

            return run

        no_op()  # the original's validation cached
        data.write_text(changed, encoding="utf-8")
        plan(spec, "2 examples added, 1 removed")  # the changed file's validation cached
        runs: dict[str, list[float]] = {
            "no-op": [],
            "cached": [],
            "git history": [],
            "not cached": [],
        }
        reads: dict[str, set[int]] = {k: set() for k in runs}
        for _ in range(args.repeat):
            for label, run in (
                ("no-op", no_op),
                ("cached", with_change(True)),
                ("git history", with_change(False, history=True)),
                ("not cached", with_change(False)),
            ):
                took, count = timed(admin, run)
                runs[label].append(took)
                reads[label].add(count)
            # the old data's digests back in the cache (as a validation of it leaves them)
            no_op_validate = [sys.executable, "-m", "reconciler", "validate", str(spec)]
            data.write_text(original, encoding="utf-8")
            subprocess.run(no_op_validate, capture_output=True, check=False)
        base = statistics.median(runs["no-op"])
        print(f"latency {args.latency_ms} ms; medians of {args.repeat} interleaved runs")
        for label, walls in runs.items():
            wall = statistics.median(walls)
            print(
                f"  {label:<11} {wall:.2f} s  ratio {wall / base:.2f}  "
                f"file contents read from Azure per run: {sorted(reads[label])}"
            )
        ratio = statistics.median(runs["cached"]) / base
        print(f"cached / no-op {ratio:.2f} (goal <= {GOAL_RATIO})")
    return 0 if ratio <= GOAL_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
