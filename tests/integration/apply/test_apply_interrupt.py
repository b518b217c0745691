"""Ctrl-C during `apply --wait`: the job keeps training in Azure, apply says so, exits 130,
and a later apply continues with that job."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from .apply_support import Admin, apply, start_apply_process
from .conftest import TrainedStack, module_emulator

# Real time: the job trains far longer than the test waits, so Ctrl-C lands mid-training.
emulator = module_emulator("slow-emulator", speed=1.0)


def test_ctrl_c_during_wait_says_the_job_keeps_running_and_exits_130(
    env: dict[str, str], admin: Admin, tmp_path: Path, trained_stack: TrainedStack
) -> None:
    spec = trained_stack("ctrl-c", "anchors", accounts=("swc",))
    process = start_apply_process(spec.root, env, tmp_path)
    deadline = time.monotonic() + 60
    while not admin.jobs("ctrl-c") and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert admin.jobs("ctrl-c"), "the job was never created"
    time.sleep(0.5)  # into the wait for training
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert "Apply interrupted" in output
    assert "keeps running in Azure" in output and "Run apply again to continue" in output
    assert "Traceback" not in output
    assert len(admin.jobs("ctrl-c")) == 1

    again = apply(spec.root, wait=False)
    assert again.code == 0, again.text
    assert len(admin.jobs("ctrl-c")) == 1  # continued, not started twice
