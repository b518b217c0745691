"""Benchmark: reading a spec (YAML parsed, merged, validated, references and catalog checked)
as it grows from 250 to 4,000 deployments.

Generates a stack of 8 accounts, 60 fine-tuning jobs, 6 datasets and N deployments (most serving
the jobs' models, the rest base models; ``${env:...}`` in every account) in a temporary
directory, then times ``read_spec`` on it -- every step between the YAML files and the validated
spec, the same call ``validate``, ``plan`` and ``apply`` make -- the best of ``--repeat`` runs per
size, sizes interleaved. Prints each time, the growth ratio from one size to the next (4x the
deployments: a linear reader takes about 4x the time, a quadratic one 16x), and which YAML
loader ran (libyaml's C loader when PyYAML has it).

    .venv/bin/python bench/bench_spec_scaling.py [--sizes 250,1000,4000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reconciler.catalog import load_catalog  # noqa: E402
from reconciler.spec.load import read_spec  # noqa: E402
from reconciler.spec.yaml_loader import C_LOADER  # noqa: E402

ACCOUNTS = 8
JOBS = 60
DATASETS = 6
BASE_MODEL = "gpt-4.1-mini-2025-04-14"
GOAL_SECONDS = 1.0  # issue #15, goal 2: 4,000 deployments read in under a second
ENVIRON = {"AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-0000000000bf"}


def write_stack(root: Path, deployments: int) -> None:
    (root / "data").mkdir(parents=True)
    example = {
        "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]
    }
    line = json.dumps(example) + "\n"
    datasets: dict[str, Any] = {}
    for d in range(DATASETS):
        (root / "data" / f"ds{d}.jsonl").write_text(line * 12, encoding="utf-8")
        datasets[f"ds{d}"] = {"path": f"data/ds{d}.jsonl"}
    accounts = {
        f"a{i}": {
            "subscription_id": "${env:AZURE_SUBSCRIPTION_ID}",
            "resource_group": "rg-bench",
            "name": f"aoai-bench-{i}",
        }
        for i in range(ACCOUNTS)
    }
    jobs = {
        f"j{j:03d}": {
            "account": f"a{j % ACCOUNTS}",
            "model": BASE_MODEL,
            "training_data": f"ds{j % DATASETS}",
            "method": "supervised",
            "hyperparameters": {"n_epochs": 1, "batch_size": 4, "learning_rate_multiplier": 1.0},
            "seed": 1000 + j,
            "suffix": f"j{j:03d}",
            "training_type": "standard",
        }
        for j in range(JOBS)
    }
    entries: dict[str, Any] = {}
    for k in range(deployments):
        model: Any = {"job": f"j{k % JOBS:03d}"} if k % 4 else BASE_MODEL
        entries[f"d{k:05d}"] = {
            "account": f"a{k % JOBS % ACCOUNTS}",
            "model": model,
            "sku": {"name": "Standard", "capacity": 1},
        }
    files = {
        "stack.yaml": {"stack": "bench-spec", "accounts": accounts},
        "datasets.yaml": {"datasets": datasets},
        "jobs.yaml": {"jobs": jobs},
        "deployments.yaml": {"deployments": entries},
    }
    for name, doc in files.items():
        (root / name).write_text(yaml.safe_dump(doc, sort_keys=True), encoding="utf-8")


def time_read(root: Path, catalog: Any) -> float:
    started = time.perf_counter()
    spec, diagnostics = read_spec(root, environ=ENVIRON, catalog=catalog)
    seconds = time.perf_counter() - started
    if diagnostics.has_errors:
        raise SystemExit(f"the generated spec has errors: {diagnostics.items[:3]}")
    if not spec.deployments:
        raise SystemExit("the generated spec has no deployments")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250,1000,4000", help="deployment counts")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size (best kept)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    catalog = load_catalog()
    best: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-spec-") as tmp:
        roots = {}
        for size in sizes:
            roots[size] = Path(tmp) / f"stack-{size}"
            write_stack(roots[size], size)
            (roots[size] / ".git").mkdir()  # the project root: the stack's own folder
        for _ in range(max(1, args.repeat)):
            for size in sizes:  # interleaved: a burst of load hits every size alike
                seconds = time_read(roots[size], catalog)
                best[size] = min(best.get(size, seconds), seconds)
    print(f"YAML loader: {'C (libyaml)' if C_LOADER else 'pure Python (libyaml missing)'}")
    previous: int | None = None
    for size in sizes:
        line = f"{size:>6,} deployments: {best[size]:.3f} s"
        if previous is not None:
            growth = best[size] / best[previous]
            line += f"  (x{growth:.1f} for x{size / previous:.0f} the deployments)"
        print(line)
        previous = size
    load = os.getloadavg()[0]
    print(f"load average {load:.2f} (best of {args.repeat} interleaved runs)")
    largest = max(sizes)
    ok = best[largest] < GOAL_SECONDS if largest >= 4000 else True
    if largest >= 4000:
        verdict = "PASS" if ok else "FAIL"
        print(f"{verdict}: {largest:,} deployments in under {GOAL_SECONDS:g} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
