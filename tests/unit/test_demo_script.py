"""demo/run.sh writes escape codes only to a terminal, and none under NO_COLOR.

The script runs with stand-ins for `.venv/bin/reconciler` and `.venv/bin/python` that answer
each step with the exit code the demo expects, so this checks the script's own output fast.
"""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

STUB = """#!{python}
import sys, time
from pathlib import Path
args = sys.argv[1:]
if args[:2] == ["emulator", "serve"]:
    print("ready https://127.0.0.1:1", flush=True)
    time.sleep(60)
    sys.exit(0)
command = args[0].replace("/", "_") if args else "python"
seen = Path(__file__).with_name("seen-" + command)
count = int(seen.read_text()) if seen.exists() else 0
seen.write_text(str(count + 1))
codes = {{"plan": [2, 0], "drift": [2, 0]}}.get(command, [0])
sys.exit(codes[min(count, len(codes) - 1)])
"""


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    (tmp_path / "demo").mkdir()
    shutil.copy(ROOT / "demo" / "run.sh", tmp_path / "demo" / "run.sh")
    shutil.copy(ROOT / "demo" / "emulator-seed.yaml", tmp_path / "demo" / "emulator-seed.yaml")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("reconciler", "python"):
        (bin_dir / name).write_text(STUB.format(python=sys.executable), encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    return tmp_path / "demo" / "run.sh"


def _on_a_terminal(script: Path, env: dict[str, str]) -> bytes:
    """The script's output written to a pseudo-terminal."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        ["bash", str(script)], stdout=terminal, stderr=terminal, stdin=subprocess.DEVNULL, env=env
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # EIO: the script ended and closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    assert process.wait(timeout=60) == 0, b"".join(chunks)
    return b"".join(chunks)


def _env(**more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(more)
    return env


def test_a_log_gets_no_escape_codes(demo: Path) -> None:
    result = subprocess.run(
        ["bash", str(demo)], capture_output=True, env=_env(), timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert b"== reconciler validate" in result.stdout
    assert b"\x1b" not in result.stdout + result.stderr


def test_a_terminal_gets_bold_headings(demo: Path) -> None:
    assert b"\x1b[1m== reconciler validate" in _on_a_terminal(demo, _env())


def test_no_color_turns_them_off_on_a_terminal_too(demo: Path) -> None:
    output = _on_a_terminal(demo, _env(NO_COLOR="1"))
    assert b"== reconciler validate" in output
    assert b"\x1b" not in output
