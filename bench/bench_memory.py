"""Benchmark: peak memory of `validate`, `plan` and `apply` as a dataset grows (100 MB, 1 GB).

For each size, generates a chat dataset (``bench_validate``'s generator) in a temporary stack of
one account, one dataset and one fine-tuning job, starts the emulator in its own process (its
memory is not counted), and runs the CLI as a child process, one command after another:

- ``validate`` with an empty cache (reads, checks and tokenizes the file on every CPU);
- ``plan`` (cached validation; the upload and the job to create);
- ``apply --auto-approve`` (uploads the file -- through the uploads API in 64 MB parts above
  512 MB -- then creates the job).

Prints each command's peak RSS (``VmHWM`` of the CLI process, read as it exits) and that of
its largest child process (for validate: a range worker, which holds the tokenizer), and the
growth from the smallest size to the largest. Goal (issue #15, goal 4): at most 150 MB for each
command at 1 GB, and flat from 100 MB to 1 GB.

    .venv/bin/python bench/bench_memory.py [--mb 100,1024]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_validate import generate  # noqa: E402

from reconciler.emulator.process import start_emulator  # noqa: E402

GOAL_MB = 150.0
SUBSCRIPTION = "00000000-0000-0000-0000-0000000000bd"
ACCOUNT = "aoai-bench-mem"
BASE_MODEL = "gpt-4.1-mini-2025-04-14"
COMMANDS = (
    ("validate", ["validate"]),
    ("plan", ["plan"]),
    ("apply", ["apply", "--auto-approve"]),
)

# Runs the CLI in this child and, as it exits, writes its own peak RSS and that of the largest
# child it waited for (the validation workers) to $BENCH_RSS_FILE.
_WRAPPER = """
import atexit, json, os, resource, sys

def _report():
    status = open("/proc/self/status").read()
    peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    with open(os.environ["BENCH_RSS_FILE"], "w") as out:
        json.dump({"rss_mb": peak, "workers_rss_mb": workers}, out)

atexit.register(_report)
from reconciler.cli import main
sys.argv = ["reconciler", *sys.argv[1:]]
sys.exit(main())
"""


def _seed(path: Path) -> None:
    account = {
        "subscription_id": SUBSCRIPTION,
        "resource_group": "rg-bench",
        "name": ACCOUNT,
        "location": "swedencentral",
    }
    path.write_text(yaml.safe_dump({"accounts": [account]}), encoding="utf-8")


def _spec(root: Path) -> Path:
    (root / "data").mkdir(parents=True)
    doc = {
        "stack": "bench-memory",
        "accounts": {
            "a": {"subscription_id": SUBSCRIPTION, "resource_group": "rg-bench", "name": ACCOUNT}
        },
        "datasets": {"train": {"path": "data/train.jsonl"}},
        "jobs": {
            "big": {
                "account": "a",
                "model": BASE_MODEL,
                "training_data": "train",
                "method": "supervised",
                "hyperparameters": {"n_epochs": 1},
                "seed": 1,
                "suffix": "big",
                "training_type": "standard",
            }
        },
    }
    (root / "stack.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    (root / ".git").mkdir()  # the project root: the stack's own folder
    return root / "data" / "train.jsonl"


def _run(args: list[str], env: dict[str, str], cwd: Path) -> dict[str, float | int | str]:
    rss_file = cwd / "rss.json"
    rss_file.unlink(missing_ok=True)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *args],
        cwd=cwd,
        env={**env, "BENCH_RSS_FILE": str(rss_file)},
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    figures = json.loads(rss_file.read_text()) if rss_file.exists() else {}
    return {
        "code": done.returncode,
        "seconds": seconds,
        "rss_mb": figures.get("rss_mb", float("nan")),
        "workers_rss_mb": figures.get("workers_rss_mb", float("nan")),
        "output": (done.stdout + done.stderr)[-1500:],
    }


def bench_size(megabytes: float, tmp: Path) -> dict[str, dict[str, float | int | str]]:
    work = tmp / f"size-{megabytes:g}"
    work.mkdir()
    data = _spec(work / "stack")
    lines = generate(data, megabytes)
    size_mb = data.stat().st_size / 2**20
    print(f"dataset: {size_mb:.0f} MB, {lines:,} examples", flush=True)
    _seed(work / "seed.yaml")
    emulator = start_emulator(work / "emulator", work / "seed.yaml")
    env = {
        **os.environ,
        "RECONCILER_EMULATOR": str(work / "emulator"),
        "RECONCILER_CACHE_DIR": str(work / "cache"),
        "NO_PROXY": "127.0.0.1,localhost",
    }
    results: dict[str, dict[str, float | int | str]] = {}
    try:
        for name, args in COMMANDS:
            result = _run([*args, str(work / "stack")], env, work)
            results[name] = result
            print(
                f"  {name:9s} peak RSS {result['rss_mb']:6.1f} MB (largest child "
                f"{result['workers_rss_mb']:6.1f} MB), {result['seconds']:6.1f} s, "
                f"exit {result['code']}",
                flush=True,
            )
            if result["code"] not in (0, 2):  # plan exits 2 when there are changes
                print(result["output"])
    finally:
        emulator.stop()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", default="100,1024", help="dataset sizes in MB, comma-separated")
    args = parser.parse_args()
    sizes = [float(mb) for mb in args.mb.split(",")]
    figures: dict[float, dict[str, dict[str, float | int | str]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        for megabytes in sizes:
            figures[megabytes] = bench_size(megabytes, Path(tmp))
    ok = True
    smallest, largest = min(sizes), max(sizes)
    for name, _ in COMMANDS:
        low = float(figures[smallest][name]["rss_mb"])
        high = float(figures[largest][name]["rss_mb"])
        fine = high <= GOAL_MB and figures[largest][name]["code"] in (0, 2)
        ok &= fine
        print(
            f"{'PASS' if fine else 'FAIL'}: {name} peak RSS {high:.0f} MB at {largest:g} MB "
            f"(goal <= {GOAL_MB:.0f} MB); {low:.0f} MB at {smallest:g} MB: "
            f"x{high / low:.2f} for x{largest / smallest:.0f} the data"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
