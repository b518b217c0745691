"""docs/emulator.md's out-of-band example works when pasted: run as written, from a checkout
whose emulator holds the demo's accounts, it changes the deployment through the real SDK."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from azure.mgmt.cognitiveservices import models as arm_models

from reconciler.emulator.process import start_emulator
from tests.integration.conftest import PROVISION_SECONDS, SUB1, arm_client_for

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "emulator.md"
DEMO_SEED = ROOT / "demo" / "emulator-seed.yaml"


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


def test_the_out_of_band_example_scales_the_deployment(tmp_path: Path) -> None:
    (block,) = [b for b in _python_blocks(DOC.read_text(encoding="utf-8")) if "begin_update" in b]
    running = start_emulator(
        tmp_path / ".reconciler" / "emulator", DEMO_SEED, provision_seconds=PROVISION_SECONDS
    )
    try:
        arm = arm_client_for(running.connection, SUB1)
        deployment = arm_models.Deployment(
            sku=arm_models.Sku(name="Standard", capacity=1),
            properties=arm_models.DeploymentProperties(
                model=arm_models.DeploymentModel(
                    format="OpenAI", name="gpt-4.1-mini", version="2025-04-14"
                )
            ),
        )
        arm.deployments.begin_create_or_update(
            "rg-ft", "aoai-clippy-swc", "clippy-swc", deployment
        ).result()
        script = tmp_path / "out_of_band.py"
        script.write_text(block, encoding="utf-8")
        env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost"}
        proc = subprocess.run(
            [sys.executable, str(script)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert proc.stdout.strip() == "2"
        after = arm.deployments.get("rg-ft", "aoai-clippy-swc", "clippy-swc")
        assert after.sku is not None and after.sku.capacity == 2
    finally:
        running.stop()
