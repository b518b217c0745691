"""Where the tool sends its calls: Azure itself, or a local emulator named by RECONCILER_EMULATOR.

The emulator's ``connection.json`` is read with the standard library only (through
``reconciler.emulator.connection``, which imports nothing else), so the CLI reaches an emulator
without the emulator's server dependencies installed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from reconciler.emulator.connection import (
    CONNECTION_FILE,
    EmulatorConnection,
    parse_connection,
    read_connection_document,
)
from reconciler.errors import ReconcilerError

ARM_ENDPOINT = "https://management.azure.com"
ARM_SCOPE = "https://management.azure.com/.default"
DATA_PLANE_SCOPE = "https://cognitiveservices.azure.com/.default"
ENV_EMULATOR = "RECONCILER_EMULATOR"
#: the wire log's file (for CI); `--log-http` wins over it
ENV_LOG_HTTP = "RECONCILER_LOG_HTTP"


@dataclass(frozen=True)
class Target:
    """How to reach the management plane; the data plane is per account (ARM says where)."""

    arm_endpoint: str
    ca_file: str | None = None
    #: the emulator's tenants and tokens (its Entra ID); None when talking to Azure
    emulator: EmulatorConnection | None = None

    @property
    def is_emulator(self) -> bool:
        return self.emulator is not None

    def __repr__(self) -> str:  # never show a token or key
        kind = "emulator" if self.is_emulator else "azure"
        return f"Target({kind}, {self.arm_endpoint})"


def resolve_target(environ: dict[str, str] | None = None) -> Target:
    env = os.environ if environ is None else environ
    data_dir = env.get(ENV_EMULATOR)
    if not data_dir:
        return Target(arm_endpoint=ARM_ENDPOINT)
    return emulator_target(Path(data_dir))


def emulator_target(data_dir: Path) -> Target:
    path = data_dir / CONNECTION_FILE
    try:
        connection = parse_connection(read_connection_document(data_dir), data_dir, where=str(path))
    except FileNotFoundError:
        raise ReconcilerError(
            f"error: {ENV_EMULATOR}={data_dir}: no {path.name} there; "
            "is `reconciler emulator serve --data-dir` running with that directory?"
        ) from None
    except (OSError, ValueError) as exc:
        raise ReconcilerError(
            f"error: {path}: not a readable emulator connection file ({exc})"
        ) from None
    return Target(arm_endpoint=connection.endpoint, ca_file=connection.ca_file, emulator=connection)
