"""Where the tool sends its calls: Azure itself, or a local emulator named by RECONCILER_EMULATOR.

The emulator's ``connection.json`` is read here with the standard library only, so the CLI
reaches an emulator without the emulator's server dependencies installed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from reconciler.errors import ReconcilerError

ARM_ENDPOINT = "https://management.azure.com"
ARM_SCOPE = "https://management.azure.com/.default"
DATA_PLANE_SCOPE = "https://cognitiveservices.azure.com/.default"
ENV_EMULATOR = "RECONCILER_EMULATOR"


@dataclass(frozen=True)
class Target:
    """How to reach the management plane; the data plane is per account (ARM says where)."""

    arm_endpoint: str
    ca_file: str | None = None
    #: the emulator's static token and key; None when talking to Azure
    emulator_token: str | None = None
    emulator_api_key: str | None = None

    @property
    def is_emulator(self) -> bool:
        return self.emulator_token is not None

    def __repr__(self) -> str:  # never show the token or key
        kind = "emulator" if self.is_emulator else "azure"
        return f"Target({kind}, {self.arm_endpoint})"


def resolve_target(environ: dict[str, str] | None = None) -> Target:
    env = os.environ if environ is None else environ
    data_dir = env.get(ENV_EMULATOR)
    if not data_dir:
        return Target(arm_endpoint=ARM_ENDPOINT)
    return emulator_target(Path(data_dir))


def emulator_target(data_dir: Path) -> Target:
    path = data_dir / "connection.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Target(
            arm_endpoint=str(raw["endpoint"]).rstrip("/"),
            ca_file=str(raw["ca_file"]),
            emulator_token=str(raw["token"]),
            emulator_api_key=str(raw["api_key"]),
        )
    except FileNotFoundError:
        raise ReconcilerError(
            f"error: {ENV_EMULATOR}={data_dir}: no {path.name} there; "
            "is `reconciler emulator serve --data-dir` running with that directory?"
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReconcilerError(
            f"error: {path}: not a readable emulator connection file ({exc})"
        ) from None
