"""Benchmark: dataset validation against the two-core floor and a fair two-process baseline.

Generates a chat dataset of ``--mb`` MB (several sizes: ``--mb 100,1024``) in a temporary
directory, then runs side by side, interleaved, each in its own child process (the tokenizer
loaded before timing in all three):

1. floor -- tiktoken alone on two processes: each takes half the file (split at a line
   boundary), extracts its texts untimed, and times only ``encode_ordinary`` of every text (the
   shared system prompt encoded once): no parsing, no checks, no hashing;
2. baseline -- what a competent engineer writes: two processes, each ``json.loads`` + the
   cookbook's counting formula with ``encode_ordinary`` over its half (system prompts and role
   names encoded once), results summed;
3. ours -- ``inspect_dataset`` with an empty cache: every check, sha256, duplicate digests,
   system prompts and token counts, on every CPU; then in the same process a second call
   (cached) and a call with another per-model token limit (no re-tokenizing).

Prints MB/s, the ratios ours / floor and ours / baseline by the median of the runs, in wall
time and in CPU time (every process of each, summed: what two idle cores would give, and steadier
than wall time on a machine other jobs share), peak RSS (this process and its largest worker),
and the token counts, which must be identical.

    .venv/bin/python bench/bench_validate.py                 # 100 MB
    .venv/bin/python bench/bench_validate.py --mb 100,1024   # the issue's two sizes
    .venv/bin/python bench/bench_validate.py --mb 10         # quick
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FLOOR_GOAL = 0.8  # issue #15, goal 3: at least 0.8x the tiktoken-only two-process floor
BASELINE_GOAL = 1.0  # and at least as fast as the fair two-process baseline
PROCESSES = 2
CHUNK_BYTES = 8 << 20

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
    """CPU time of this process and of its children that ended (the workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _children_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _halves(path: Path, parts: int) -> list[tuple[int, int]]:
    """``parts`` byte ranges of about equal size, each ending after a newline."""
    size = path.stat().st_size
    bounds = [0]
    with open(path, "rb") as stream:
        for part in range(1, parts):
            stream.seek(size * part // parts)
            stream.readline()
            bounds.append(stream.tell())
    bounds.append(size)
    return list(itertools.pairwise(bounds))


def _lines(path: Path, span: tuple[int, int]) -> Any:
    """The lines of ``span``, in blocks of about ``CHUNK_BYTES`` (a list per block)."""
    start, end = span
    with open(path, "rb") as stream:
        stream.seek(start)
        left = end - start
        while left > 0:
            block = stream.readlines(min(CHUNK_BYTES, left))
            if not block:
                return
            kept = []
            for line in block:  # readlines may read past the hint: stop at the span's end
                if left <= 0:
                    break
                kept.append(line)
                left -= len(line)
            yield kept


_ENCODING: Any = None


def _encoding(cache: Path) -> Any:
    global _ENCODING
    if _ENCODING is None:
        from reconciler.datasets.tokens import load_encoding

        _ENCODING = load_encoding("o200k_base", cache / "tiktoken")
    return _ENCODING


def _texts(example: dict[str, Any]) -> list[tuple[str, bool, bool]]:
    """(text, is the system prompt, trained) of each counted text of a chat example."""
    out: list[tuple[str, bool, bool]] = []
    for message in example["messages"]:
        role = message["role"]
        trained = role == "assistant" and message.get("weight", 1) != 0
        content = message.get("content")
        parts = [content] if isinstance(content, str) else [p["text"] for p in content]
        out.extend((text, role == "system", trained) for text in parts)
        if "name" in message:
            out.append((message["name"], False, False))
    return out


def _count(example: dict[str, Any], n: Any, memo: dict[str, int]) -> tuple[int, int]:
    """(tokens, trained tokens) by the cookbook formula (``num_tokens_from_messages``)."""
    tokens = 3  # reply priming
    trained = 0
    for message in example["messages"]:
        role = message["role"]
        known = memo.get(role)
        if known is None:
            known = memo[role] = len(n(role))
        tokens += 3 + known
        content = message.get("content")
        parts = [content] if isinstance(content, str) else [p["text"] for p in content]
        text_tokens = 0
        for text in parts:
            if role == "system":
                count = memo.get(text)
                if count is None:
                    count = memo[text] = len(n(text))
            else:
                count = len(n(text))
            text_tokens += count
        tokens += text_tokens
        if "name" in message:
            tokens += 1 + len(n(message["name"]))
        if role == "assistant" and message.get("weight", 1) != 0:
            trained += text_tokens
    return tokens, trained


def _floor_part(args: tuple[Path, tuple[int, int], Path]) -> dict[str, Any]:
    path, span, cache = args
    encode = _encoding(cache).encode_ordinary
    memo: dict[str, int] = {}
    roles: dict[str, int] = {}
    seconds = cpu = 0.0
    total = trained = examples = 0
    for block in _lines(path, span):
        batch = []
        for line in block:  # untimed: the floor is the tokenizer alone
            if line.strip():
                example = json.loads(line)
                examples += 1
                batch.append(_texts(example))
                for message in example["messages"]:
                    role = message["role"]
                    if role not in roles:
                        roles[role] = len(encode(role))
                    total += 3 + roles[role] + (1 if "name" in message else 0)
                total += 3
        started = time.perf_counter()
        cpu_started = time.process_time()
        for texts in batch:
            for text, system, is_trained in texts:
                if system:
                    count = memo.get(text)
                    if count is None:
                        count = memo[text] = len(encode(text))
                else:
                    count = len(encode(text))
                total += count
                if is_trained:
                    trained += count
        seconds += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
    return {
        "seconds": seconds,
        "cpu": cpu,
        "total": total,
        "trained": trained,
        "examples": examples,
    }


def _baseline_part(args: tuple[Path, tuple[int, int], Path]) -> dict[str, Any]:
    path, span, cache = args
    encode = _encoding(cache).encode_ordinary
    memo: dict[str, int] = {}
    total = trained = examples = 0
    for block in _lines(path, span):
        for line in block:
            if not line.strip():
                continue
            tokens, trained_tokens = _count(json.loads(line), encode, memo)
            total += tokens
            trained += trained_tokens
            examples += 1
    return {"total": total, "trained": trained, "examples": examples}


def _two_processes(function: Any, path: Path, cache: Path) -> tuple[float, list[dict[str, Any]]]:
    _encoding(cache)  # loaded before the fork and the timing, as for ours
    jobs = [(path, span, cache) for span in _halves(path, PROCESSES)]
    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    with context.Pool(PROCESSES) as pool:
        parts = pool.map(function, jobs)
    return time.perf_counter() - started, parts


def child_floor(path: Path, cache: Path) -> dict[str, Any]:
    _, parts = _two_processes(_floor_part, path, cache)
    return {
        # both encode at once, one per CPU: the slower one is the floor's wall time
        "seconds": max(part["seconds"] for part in parts),
        "cpu_seconds": sum(part["cpu"] for part in parts),
        "examples": sum(part["examples"] for part in parts),
        "total_tokens": sum(part["total"] for part in parts),
        "trained_tokens": sum(part["trained"] for part in parts),
    }


def child_baseline(path: Path, cache: Path) -> dict[str, Any]:
    _encoding(cache)  # loaded before the CPU count starts, as for ours
    cpu = _cpu_seconds()
    seconds, parts = _two_processes(_baseline_part, path, cache)
    return {
        "seconds": seconds,
        "cpu_seconds": _cpu_seconds() - cpu,
        "examples": sum(part["examples"] for part in parts),
        "total_tokens": sum(part["total"] for part in parts),
        "trained_tokens": sum(part["trained"] for part in parts),
        "rss_mb": max(_peak_rss_mb(), _children_peak_rss_mb()),
    }


def child_ours(path: Path, cache: Path, workers: int | None) -> dict[str, Any]:
    from reconciler.datasets import inspect_dataset

    _encoding(cache)  # loaded before timing, as in the baselines
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
        "rss_mb": _peak_rss_mb(),
        "workers_rss_mb": _children_peak_rss_mb(),
    }
    start = time.perf_counter()
    again = inspect_dataset(path, cache_dir=cache, workers=workers)
    result["second_seconds"] = time.perf_counter() - start
    result["second_from_cache"] = again.from_cache
    start = time.perf_counter()
    limited = inspect_dataset(path, cache_dir=cache, workers=workers, max_example_tokens=8192)
    result["other_limit_seconds"] = time.perf_counter() - start
    result["other_limit_from_cache"] = limited.from_cache
    return result


def _run_child(args: list[str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _median(runs: list[dict[str, Any]], key: str) -> float:
    values = sorted(float(r[key]) for r in runs)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def _ratio(other: dict[str, Any], ours: dict[str, Any], key: str) -> float:
    """How fast ours is against ``other`` in one run (above 1: faster)."""
    return float(other[key]) / float(ours[key])


def _spread(others: list[dict[str, Any]], ours: list[dict[str, Any]], key: str) -> str:
    """The lowest and highest of the runs' ratios: the noise the medians hide."""
    ratios = [_ratio(other, mine, key) for other, mine in zip(others, ours, strict=True)]
    return f"{min(ratios):.2f}-{max(ratios):.2f}x"


def bench_size(megabytes: float, repeat: int, workers: int | None, tmp_path: Path) -> bool:
    data = tmp_path / f"chat-{megabytes:g}.jsonl"
    started = time.perf_counter()
    lines = generate(data, megabytes)
    size_mb = data.stat().st_size / (1024 * 1024)
    print(
        f"dataset: {size_mb:.1f} MB, {lines:,} examples "
        f"(generated in {time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    common = ["--file", str(data)]
    extra = ["--workers", str(workers)] if workers else []
    runs: dict[str, list[dict[str, Any]]] = {"floor": [], "baseline": [], "ours": []}
    for run in range(max(1, repeat)):
        cache = tmp_path / f"cache-{megabytes:g}-{run}"  # empty: ours does the full work
        for kind in ("floor", "baseline", "ours"):  # interleaved: load hits all alike
            args = ["--child", kind, *common, "--cache", str(cache)]
            runs[kind].append(_run_child(args + (extra if kind == "ours" else [])))
        f, b, o = (runs[kind][-1] for kind in ("floor", "baseline", "ours"))
        print(
            f"  run {run + 1}: floor {f['seconds']:.2f} s, baseline {b['seconds']:.2f} s, "
            f"ours {o['seconds']:.2f} s; ours / floor {_ratio(f, o, 'seconds'):.2f}x wall, "
            f"{_ratio(f, o, 'cpu_seconds'):.2f}x CPU; ours / baseline "
            f"{_ratio(b, o, 'seconds'):.2f}x wall, {_ratio(b, o, 'cpu_seconds'):.2f}x CPU",
            flush=True,
        )
    data.unlink()
    floor, base, ours = (_median(runs[kind], "seconds") for kind in ("floor", "baseline", "ours"))
    load = os.getloadavg()[0]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"load average {load:.2f} on {cpus} CPUs (medians of {repeat} interleaved runs)")
    print(
        f"floor (tiktoken encode_ordinary only, {PROCESSES} processes): {floor:.2f} s "
        f"= {size_mb / floor:.1f} MB/s"
    )
    print(
        f"baseline (json.loads + encode_ordinary, {PROCESSES} processes): {base:.2f} s "
        f"= {size_mb / base:.1f} MB/s, peak RSS "
        f"{max(r['rss_mb'] for r in runs['baseline']):.0f} MB"
    )
    last = runs["ours"][-1]
    print(
        f"ours (inspect_dataset: every check, sha256, digests; cold cache): {ours:.2f} s "
        f"= {size_mb / ours:.1f} MB/s, peak RSS {max(r['rss_mb'] for r in runs['ours']):.0f} MB "
        f"(largest worker {max(r['workers_rss_mb'] for r in runs['ours']):.0f} MB)"
    )
    floor_cpu, base_cpu, ours_cpu = (
        _median(runs[kind], "cpu_seconds") for kind in ("floor", "baseline", "ours")
    )
    print(
        f"CPU seconds (medians; all processes): floor {floor_cpu:.2f} s (encoding only), "
        f"baseline {base_cpu:.2f} s, ours {ours_cpu:.2f} s"
    )
    print(
        f"wall-time ratios: ours / floor {floor / ours:.2f}x (goal >= {FLOOR_GOAL}x), "
        f"ours / baseline {base / ours:.2f}x (goal >= {BASELINE_GOAL}x)"
    )
    print(
        f"CPU-time ratios (what two idle cores would give; steadier on a shared machine): "
        f"ours / floor {floor_cpu / ours_cpu:.2f}x, ours / baseline {base_cpu / ours_cpu:.2f}x"
    )
    print(
        "spread of the runs' own ratios (min-max): ours / floor {} wall, {} CPU; "
        "ours / baseline {} wall, {} CPU".format(
            _spread(runs["floor"], runs["ours"], "seconds"),
            _spread(runs["floor"], runs["ours"], "cpu_seconds"),
            _spread(runs["baseline"], runs["ours"], "seconds"),
            _spread(runs["baseline"], runs["ours"], "cpu_seconds"),
        )
    )
    print(
        f"ours, cached: {last['second_seconds'] * 1000:.1f} ms (from cache: "
        f"{last['second_from_cache']}); another token limit: "
        f"{last['other_limit_seconds'] * 1000:.1f} ms (from cache: "
        f"{last['other_limit_from_cache']})"
    )
    every = [r for kind in runs.values() for r in kind]
    counts = {(r["total_tokens"], r["trained_tokens"], r["examples"]) for r in every}
    same = len(counts) == 1
    total, trained, examples = sorted(counts)[0]
    print(
        f"token counts identical in every run: {same} ({examples:,} examples, "
        f"{total:,} tokens, {trained:,} trained)"
    )
    for problem in last["problems"]:
        print("  ", problem)
    checks = {
        "identical token counts": same,
        f"ours >= {FLOOR_GOAL}x the floor (wall)": floor / ours >= FLOOR_GOAL,
        f"ours >= {BASELINE_GOAL}x the baseline (wall)": base / ours >= BASELINE_GOAL,
        f"ours >= {FLOOR_GOAL}x the floor (CPU)": floor_cpu / ours_cpu >= FLOOR_GOAL,
        f"ours >= {BASELINE_GOAL}x the baseline (CPU)": base_cpu / ours_cpu >= BASELINE_GOAL,
        "cached and other-limit runs from cache": bool(
            last["second_from_cache"] and last["other_limit_from_cache"]
        ),
    }
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}: {name}")
    return all(checks.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", default="100", help="dataset sizes in MB, comma-separated")
    parser.add_argument("--workers", type=int, default=None, help="our worker processes")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs of each")
    parser.add_argument("--child", choices=("floor", "baseline", "ours"), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        if args.child == "floor":
            out = child_floor(args.file, args.cache)
        elif args.child == "baseline":
            out = child_baseline(args.file, args.cache)
        else:
            out = child_ours(args.file, args.cache, args.workers)
        print(json.dumps(out))
        return 0

    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-validate-") as tmp:
        for megabytes in (float(mb) for mb in args.mb.split(",")):
            ok &= bench_size(megabytes, args.repeat, args.workers, Path(tmp))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
