"""Where the tool sends its calls: Azure itself, or a local emulator named by RECONCILER_EMULATOR.

The emulator's ``connection.json`` is read through ``reconciler.emulator_connection`` (the
format's one home, standard library only), so the CLI reaches an emulator without the
emulator's server dependencies installed.
"""

from __future__ import annotations

import errno
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from reconciler.emulator_connection import CONNECTION_FILE, EmulatorConnection, load_connection
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
        connection = load_connection(data_dir)
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


def check_emulator_answers(target: Target, timeout: float = 5.0) -> None:
    """For an emulator target, a TCP connect to its endpoint: a stopped emulator leaves its
    connection file behind, and the SDKs would report a bare "Connection refused" from deep
    inside the first list call, naming neither the endpoint nor the variable to fix."""
    if target.emulator is None:
        return
    endpoint = target.arm_endpoint
    parts = urlsplit(endpoint)
    try:
        with socket.create_connection((parts.hostname or "", parts.port or 443), timeout=timeout):
            return
    except OSError as exc:
        refused = exc.errno == errno.ECONNREFUSED or isinstance(exc, ConnectionRefusedError)
        reason = "connection refused" if refused else (exc.strerror or type(exc).__name__)
        data_dir = target.emulator.data_dir
        raise ReconcilerError(
            f"error: cannot reach the emulator at {endpoint} ({reason}): {ENV_EMULATOR}="
            f"{data_dir} points at {'a stopped' if refused else 'an unreachable'} emulator. "
            f"Start it with `reconciler emulator serve --data-dir {data_dir}`, or unset "
            f"{ENV_EMULATOR} to talk to Azure."
        ) from None
