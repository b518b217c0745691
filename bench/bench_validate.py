"""Benchmark: dataset validation with token counting, against the plain loop most people write.

Generates a chat dataset of about ``--mb`` MB in a temporary directory, then runs, each in its
own child process (so that peak RSS is that of one job only):

1. baseline -- ``json.loads`` per line and ``tiktoken`` ``encode`` per message value, with the
   same counting formula (OpenAI's cookbook ``num_tokens_from_messages``);
2. ours -- ``inspect_dataset`` with an empty cache: every check, sha256, duplicate digests and
   token counts in one pass; then, in the same process, a second call (cached);
3. ours, cached, in a fresh process: what a second ``reconciler validate`` pays.

Prints MB/s, peak RSS and both token totals, which must be identical.

    .venv/bin/python bench/bench_validate.py            # 100 MB
    .venv/bin/python bench/bench_validate.py --mb 10    # quick
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SYSTEM_PROMPTS = [
    "You are Clippy, a factual chatbot that is also sarcastic.",
    "You are an Xbox customer support agent whose primary goal is to help users with issues "
    "they are experiencing with their Xbox devices. You are friendly and concise. You only "
    "provide factual answers to queries, and do not provide answers that are not related to Xbox.",
    "あなたは丁寧な日本語で答えるアシスタントです。文末に「~ござる」と絵文字🤗をつけてください。",
    "你是一个乐于助人的助手，请用简体中文简洁地回答问题。",
    "You are a code reviewer. Answer with a short diagnosis, then a corrected snippet.",
]
WORDS = (  # noqa: SIM905 (one long string reads better than 80 quoted words)
    "the of and to in is that for it as was with be by on not he this are or his from at "
    "which but have an they you were her she there been one all we their has would when if "
    "so no will can more about what up said out into them some could time only new than "
    "Azure OpenAI fine-tuning deployment region quota capacity checkpoint epoch token model "
    "dataset validation training inference latency throughput gpt-4.1-mini JSONL Seattle "
    "Antarctica Jupiter Shakespeare Paris 1969 3.14159 42 2025-04-14 https://example.com/a?b=c"
).split()
JAPANESE = [
    "東京は日本の首都でござる🤗",
    "データセットを検証してから学習を始めるでござる。",
    "ファインチューニングは少ないデータでも効果がある場合があります。",
    "富士山の高さは3776メートルです。",
]
CHINESE = ["微调可以提高模型在特定任务上的表现。", "请把训练数据保存为 UTF-8 编码的 JSONL 文件。"]
CODE = [
    "def mean(xs: list[float]) -> float:\n    return sum(xs) / len(xs)\n",
    "for (let i = 0; i < n; i++) { console.log(`item ${i}`); }",
    "SELECT name, COUNT(*) FROM jobs WHERE status = 'succeeded' GROUP BY name;",
    '{"role": "assistant", "content": "nested JSON inside text"}',
]


def _text(rng: random.Random, low: int, high: int) -> str:
    target = rng.randint(low, high)
    pieces: list[str] = []
    size = 0
    while size < target:
        roll = rng.random()
        if roll < 0.75:
            piece = " ".join(rng.choices(WORDS, k=rng.randint(4, 18))).capitalize() + "."
        elif roll < 0.85:
            piece = rng.choice(JAPANESE)
        elif roll < 0.90:
            piece = rng.choice(CHINESE)
        else:
            piece = "\n" + rng.choice(CODE)
        pieces.append(piece)
        size += len(piece)
    return " ".join(pieces)


def _example(rng: random.Random) -> dict[str, Any]:
    system = SYSTEM_PROMPTS[0] if rng.random() < 0.6 else rng.choice(SYSTEM_PROMPTS)
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
    turns = rng.choice((1, 1, 1, 2, 2, 3))
    for turn in range(turns):
        user: dict[str, Any] = {"role": "user", "content": _text(rng, 20, 700)}
        if rng.random() < 0.05:
            user["content"] = [
                {"type": "text", "text": _text(rng, 10, 200)},
                {"type": "text", "text": _text(rng, 10, 200)},
            ]
        if rng.random() < 0.05:
            user["name"] = rng.choice(("alice", "bob", "carol_92"))
        messages.append(user)
        assistant: dict[str, Any] = {"role": "assistant", "content": _text(rng, 20, 1500)}
        if turn < turns - 1 and rng.random() < 0.3:
            assistant["weight"] = 0
        messages.append(assistant)
    return {"messages": messages}


def generate(path: Path, megabytes: float, seed: int = 7) -> int:
    rng = random.Random(seed)
    target = int(megabytes * 1024 * 1024)
    written = 0
    lines = 0
    with open(path, "w", encoding="utf-8") as out:
        while written < target:
            line = json.dumps(_example(rng), ensure_ascii=rng.random() < 0.3) + "\n"
            out.write(line)
            written += len(line.encode())
            lines += 1
    return lines


# ---- child jobs -------------------------------------------------------------------------------


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_baseline(path: Path, cache: Path) -> dict[str, Any]:
    from reconciler.datasets.tokens import load_encoding

    enc = load_encoding("o200k_base", cache / "tiktoken")
    cpu = _cpu_seconds()
    start = time.perf_counter()
    total = trained = examples = 0
    with open(path, encoding="utf-8-sig") as lines:
        for line in lines:
            if not line.strip():
                continue
            example = json.loads(line)
            tokens = 3  # reply priming
            for message in example["messages"]:
                tokens += 3 + len(enc.encode(message["role"]))
                content = message.get("content")
                if isinstance(content, str):
                    text_tokens = len(enc.encode(content))
                else:
                    text_tokens = sum(
                        len(enc.encode(part["text"])) for part in content if part["type"] == "text"
                    )
                tokens += text_tokens
                if "name" in message:
                    tokens += 1 + len(enc.encode(message["name"]))
                if message["role"] == "assistant" and message.get("weight", 1) != 0:
                    trained += text_tokens
            total += tokens
            examples += 1
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "cpu_seconds": _cpu_seconds() - cpu,
        "examples": examples,
        "total_tokens": total,
        "trained_tokens": trained,
        "rss_mb": _peak_rss_mb(),
    }


def child_ours(path: Path, cache: Path, workers: int | None, twice: bool) -> dict[str, Any]:
    from reconciler.datasets import inspect_dataset
    from reconciler.datasets.tokens import load_encoding

    load_encoding("o200k_base", cache / "tiktoken")  # loaded before timing, as in the baseline
    cpu = _cpu_seconds()
    start = time.perf_counter()
    report = inspect_dataset(path, cache_dir=cache, workers=workers)
    seconds = time.perf_counter() - start
    result: dict[str, Any] = {
        "seconds": seconds,
        "cpu_seconds": _cpu_seconds() - cpu,
        "examples": report.stats.examples,
        "total_tokens": report.stats.total_tokens,
        "trained_tokens": report.stats.trained_tokens,
        "problems": [str(d) for d in report.diagnostics],
        "from_cache": report.from_cache,
        "rss_mb": _peak_rss_mb(),
    }
    if twice:
        start = time.perf_counter()
        again = inspect_dataset(path, cache_dir=cache, workers=workers)
        result["second_seconds"] = time.perf_counter() - start
        result["second_from_cache"] = again.from_cache
    return result


def child_cached(path: Path, cache: Path) -> dict[str, Any]:
    start = time.perf_counter()
    from reconciler.datasets import inspect_dataset

    report = inspect_dataset(path, cache_dir=cache)
    return {
        "seconds_with_import": time.perf_counter() - start,
        "from_cache": report.from_cache,
        "total_tokens": report.stats.total_tokens,
    }


def _run_child(args: list[str]) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    )
    result: dict[str, Any] = json.loads(done.stdout)
    result["process_seconds"] = time.perf_counter() - started
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100.0, help="dataset size in MB")
    parser.add_argument("--workers", type=int, default=None, help="token-counting threads")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each (alternating); the best is compared, as other load only slows runs",
    )
    parser.add_argument("--child", choices=("baseline", "ours", "cached"), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        if args.child == "baseline":
            out = child_baseline(args.file, args.cache)
        elif args.child == "ours":
            out = child_ours(args.file, args.cache, args.workers, twice=True)
        else:
            out = child_cached(args.file, args.cache)
        print(json.dumps(out))
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-validate-") as tmp:
        tmp_path = Path(tmp)
        data = tmp_path / "chat.jsonl"
        started = time.perf_counter()
        lines = generate(data, args.mb)
        size_mb = data.stat().st_size / (1024 * 1024)
        print(
            f"dataset: {size_mb:.1f} MB, {lines:,} examples "
            f"(generated in {time.perf_counter() - started:.1f} s)",
            flush=True,
        )
        common = ["--file", str(data)]
        workers = ["--workers", str(args.workers)] if args.workers else []
        bases: list[dict[str, Any]] = []
        ours_runs: list[dict[str, Any]] = []
        for run in range(max(1, args.repeat)):
            cache = tmp_path / f"cache-{run}"  # empty: every run of ours does the full work
            bases.append(_run_child(["--child", "baseline", *common, "--cache", str(cache)]))
            ours_runs.append(
                _run_child(["--child", "ours", *common, "--cache", str(cache), *workers])
            )
            print(
                f"  run {run + 1}: baseline {bases[-1]['seconds']:.2f} s, "
                f"ours {ours_runs[-1]['seconds']:.2f} s",
                flush=True,
            )
        cached = _run_child(["--child", "cached", *common, "--cache", str(tmp_path / "cache-0")])

    load = os.getloadavg()[0]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"load average {load:.2f} on {cpus} CPUs", end="")
    print(" (other processes compete: wall times are noisy, CPU times less so)" if load > 1 else "")
    base = min(bases, key=lambda r: r["seconds"])
    ours = min(ours_runs, key=lambda r: r["seconds"])

    def rate(seconds: float) -> float:
        return size_mb / seconds

    def median(runs: list[dict[str, Any]], key: str) -> float:
        return float(sorted(r[key] for r in runs)[len(runs) // 2])

    print(
        f"baseline (json.loads + tiktoken.encode per message): best {base['seconds']:.2f} s "
        f"= {rate(base['seconds']):.1f} MB/s (median {median(bases, 'seconds'):.2f} s), "
        f"CPU {median(bases, 'cpu_seconds'):.2f} s (median), "
        f"peak RSS {max(r['rss_mb'] for r in bases):.0f} MB"
    )
    print(
        f"ours (inspect_dataset: all checks, sha256, digests, cold cache): best "
        f"{ours['seconds']:.2f} s = {rate(ours['seconds']):.1f} MB/s "
        f"(median {median(ours_runs, 'seconds'):.2f} s), "
        f"CPU {median(ours_runs, 'cpu_seconds'):.2f} s (median), "
        f"peak RSS {max(r['rss_mb'] for r in ours_runs):.0f} MB"
    )
    print(
        f"speed-up over baseline: best {base['seconds'] / ours['seconds']:.2f}x, "
        f"median {median(bases, 'seconds') / median(ours_runs, 'seconds'):.2f}x"
    )
    print(
        f"ours, second call in the same process: {ours['second_seconds'] * 1000:.1f} ms "
        f"(from cache: {ours['second_from_cache']})"
    )
    print(
        f"ours, cached, fresh process: {cached['seconds_with_import'] * 1000:.0f} ms including "
        f"imports, {cached['process_seconds']:.2f} s including interpreter start "
        f"(from cache: {cached['from_cache']})"
    )
    print(
        f"total tokens: baseline {base['total_tokens']:,}, ours {ours['total_tokens']:,}; "
        f"trained tokens: baseline {base['trained_tokens']:,}, ours {ours['trained_tokens']:,}"
    )
    counts = {(r["total_tokens"], r["trained_tokens"], r["examples"]) for r in bases + ours_runs}
    same = len(counts) == 1
    print("token counts identical:", same)
    for problem in ours["problems"]:
        print("  ", problem)
    checks = {
        "identical token counts": same,
        "at least as fast as the baseline": ours["seconds"] <= base["seconds"],
        "peak RSS under 300 MB": max(r["rss_mb"] for r in ours_runs) < 300,
        "cached second run under 0.5 s": (
            ours["second_seconds"] < 0.5
            and cached["from_cache"]
            and cached["seconds_with_import"] < 0.5
        ),
    }
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}: {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
