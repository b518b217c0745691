"""The wire log's file: whole lines under concurrency, UTF-8, and failures that never break."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from reconciler.azure.wire_log import WireLog

# Well above PIPE_BUF (4096): interleaving would show if records were not one write each.
PAYLOAD = "é" * 30_000
THREADS = 8
PER_THREAD = 40
PROCESSES = 3
PER_PROCESS = 60

WRITER = """
import sys
from pathlib import Path
from reconciler.azure.wire_log import WireLog
log = WireLog(Path(sys.argv[1]))
for i in range(int(sys.argv[2])):
    log.write({"writer": "process", "i": i, "payload": sys.argv[3]})
log.close()
"""


def test_concurrent_threads_and_processes_write_only_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "wire.jsonl"
    processes = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(PER_PROCESS), PAYLOAD])
        for _ in range(PROCESSES)
    ]
    log = WireLog(path)

    def write(thread: int) -> None:
        for i in range(PER_THREAD):
            log.write({"writer": f"thread-{thread}", "i": i, "payload": PAYLOAD})

    threads = [threading.Thread(target=write, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log.close()
    for process in processes:
        assert process.wait(60) == 0

    raw = path.read_bytes()
    assert raw.endswith(b"\n")
    records = [json.loads(line) for line in raw.decode("utf-8").splitlines()]
    assert len(records) == THREADS * PER_THREAD + PROCESSES * PER_PROCESS
    assert all(r["payload"] == PAYLOAD for r in records)
    by_thread = [r for r in records if r["writer"].startswith("thread-")]
    assert len({(r["writer"], r["i"]) for r in by_thread}) == THREADS * PER_THREAD


def test_records_are_utf8_lines_appended_to_an_owner_only_file(tmp_path: Path) -> None:
    path = tmp_path / "wire.jsonl"
    path.write_text('{"earlier": true}\n', encoding="utf-8")
    log = WireLog(path)
    log.write({"text": "Grüße, 日本"})
    log.close()
    lines = path.read_bytes().splitlines()
    assert lines[0] == b'{"earlier": true}'
    assert "Grüße, 日本".encode() in lines[1]  # UTF-8 as is, not \\u escapes
    assert json.loads(lines[1]) == {"text": "Grüße, 日本"}

    fresh = tmp_path / "fresh.jsonl"
    WireLog(fresh).close()
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600


def test_an_unopenable_path_warns_once_and_never_raises(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    warnings: list[str] = []
    log = WireLog(blocker / "wire.jsonl", warn=warnings.append)  # a file is not a directory
    for i in range(5):
        log.write({"i": i})
    log.close()
    assert len(warnings) == 1
    assert "cannot write the HTTP log" in warnings[0] and "wire.jsonl" in warnings[0]
    assert not log.ok


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (disk full)")
def test_a_full_disk_warns_once_and_never_raises() -> None:
    warnings: list[str] = []
    log = WireLog(Path("/dev/full"), warn=warnings.append)
    assert log.ok  # opening works; writing fails
    for i in range(5):
        log.write({"i": i})
    log.close()
    assert len(warnings) == 1
    assert "No space left on device" in warnings[0]
