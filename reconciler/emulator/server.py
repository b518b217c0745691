"""``reconciler emulator serve``: HTTPS on 127.0.0.1 with a private CA, state in a data dir.

Files in the data dir D: ``ca.pem`` (the CA clients trust), ``ca-key.pem`` (kept so a restart
reuses the same CA), ``server.pem``/``server-key.pem`` (issued at each start), ``state.sqlite``
(+ ``blobs/``), ``connection.json`` (endpoint, CA, the tokens of every tenant and the key of
every account; mode 0600; made once and kept across restarts, see ``identities``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import trustme
import uvicorn

from reconciler.catalog import load_catalog
from reconciler.emulator.app import build_app
from reconciler.emulator.clock import Clock
from reconciler.emulator.faults import FaultTable, quiet_dropped_connections
from reconciler.emulator.identities import Identities, issue
from reconciler.emulator.seed import Seed, load_seed, save_seed, stored_seed
from reconciler.emulator.state import (
    DEFAULT_TENANT,
    MAX_LATENCY_MS,
    MAX_PROVISION_SECONDS,
    MAX_SPEED,
    EmulatorConfig,
    EmulatorState,
)
from reconciler.emulator.store import Store
from reconciler.emulator_connection import EmulatorConnection, load_connection, write_connection
from reconciler.errors import ReconcilerError
from reconciler.state_dir import write_atomic


class EmulatorSetupError(ReconcilerError):
    pass


def _write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read (keys, token), never through a symlink."""
    write_atomic(path.parent, path, data, mode=0o600)


def _certificates(data_dir: Path) -> tuple[Path, Path, Path]:
    """(ca.pem, server cert chain, server key); the CA is made once and reused."""
    ca_cert, ca_key = data_dir / "ca.pem", data_dir / "ca-key.pem"
    if ca_cert.exists() and ca_key.exists():
        ca = trustme.CA.from_pem(ca_cert.read_bytes(), ca_key.read_bytes())
    else:
        ca = trustme.CA(organization_name="reconciler emulator")
        _write_private(ca_key, ca.private_key_pem.bytes())
        write_atomic(data_dir, ca_cert, ca.cert_pem.bytes())
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    cert, key = data_dir / "server.pem", data_dir / "server-key.pem"
    write_atomic(data_dir, cert, b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    _write_private(key, leaf.private_key_pem.bytes())
    return ca_cert, cert, key


def _identities(data_dir: Path, seed: Seed) -> Identities:
    """Tokens per tenant and keys per account: those of the last start where they still apply."""
    try:
        previous: EmulatorConnection | None = load_connection(data_dir)
    except (OSError, ValueError):  # none yet, or unusable: every token and key is new
        previous = None
    return issue(
        DEFAULT_TENANT,
        (a.tenant_id for a in seed.accounts),
        (a.name for a in seed.accounts),
        previous,
    )


def _seed(store: Store, seed_path: Path | None) -> Seed:
    if seed_path is not None:
        seed = load_seed(seed_path)  # raises SeedError with every problem located
        save_seed(store, seed)
        return seed
    stored = stored_seed(store)
    if stored is None:
        raise EmulatorSetupError(
            "no seed: pass --seed SEED.yaml (the data dir holds no seed from an earlier start)"
        )
    return stored


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted sockets only when the proto says
    # TCP; with proto 0, Nagle plus delayed ACKs add ~40 ms to every answer.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise EmulatorSetupError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def prepare(
    *,
    data_dir: Path,
    seed: Path | None,
    speed: float,
    latency_ms: int,
    provision_seconds: float,
    port: int,
    store: Store,
) -> tuple[EmulatorState, EmulatorConnection]:
    """The shared state and the connection file's content for a server on ``port``."""
    # The admin API's bounds hold for the command line too (NaN fails every comparison).
    if not 0 < speed <= MAX_SPEED:
        raise EmulatorSetupError(f"--speed must be a positive number up to {MAX_SPEED:g}")
    if not 0 <= latency_ms <= MAX_LATENCY_MS:
        raise EmulatorSetupError(f"--latency-ms must be from 0 to {MAX_LATENCY_MS}")
    if not 0 <= provision_seconds <= MAX_PROVISION_SECONDS:
        raise EmulatorSetupError(f"--provision-seconds must be from 0 to {MAX_PROVISION_SECONDS:g}")
    loaded = _seed(store, seed)
    identities = _identities(data_dir, loaded)
    base_url = f"https://127.0.0.1:{port}"
    state = EmulatorState(
        store=store,
        clock=Clock(store, speed),
        catalog=load_catalog(),
        config=EmulatorConfig(
            speed=speed, latency_ms=latency_ms, provision_seconds=provision_seconds
        ),
        accounts={a.name: a for a in loaded.accounts},
        quotas=loaded.quota_table(),
        identities=identities,
        base_url=base_url,
    )
    connection = identities.connection(
        endpoint=base_url,
        ca_file=str((data_dir / "ca.pem").resolve()),
        data_dir=str(data_dir.resolve()),
        pid=os.getpid(),
    )
    return state, connection


def serve(
    *,
    host: str,
    port: int,
    data_dir: Path,
    seed: Path | None,
    speed: float,
    latency_ms: int,
    provision_seconds: float,
) -> None:
    """Run until SIGTERM/SIGINT; prints ``ready https://127.0.0.1:PORT`` once it answers."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(data_dir / "state.sqlite")
    sock: socket.socket | None = None
    try:
        sock = _bind(host, port)
        bound_port = int(sock.getsockname()[1])
        state, connection = prepare(
            data_dir=data_dir,
            seed=seed,
            speed=speed,
            latency_ms=latency_ms,
            provision_seconds=provision_seconds,
            port=bound_port,
            store=store,
        )
        _, cert, key = _certificates(data_dir)
        write_connection(data_dir, connection)
        app = build_app(state, FaultTable())
        quiet_dropped_connections()
        config = uvicorn.Config(
            app,
            ssl_certfile=str(cert),
            ssl_keyfile=str(key),
            log_level="warning",
            lifespan="off",
            access_log=False,
            timeout_graceful_shutdown=2,
        )
        server = _Server(config)
        _run(server, sock, connection.endpoint)
    finally:
        if sock is not None:
            sock.close()
        store.close()


class _Server(uvicorn.Server):
    """uvicorn, minus the wait for idle keep-alive TLS connections at shutdown: closing one
    politely waits for the client's close_notify, which an idle pooled client never sends."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for connection in list(self.server_state.connections):
            cycle = getattr(connection, "cycle", None)
            transport = getattr(connection, "transport", None)
            idle = cycle is None or getattr(cycle, "response_complete", False)
            if idle and transport is not None:
                transport.abort()
        await super().shutdown(sockets=sockets)


def _run(server: uvicorn.Server, sock: socket.socket, endpoint: str) -> None:
    # uvicorn re-raises the signal that stopped it once it has shut down; with these handlers
    # that re-raise is a no-op and serve() returns normally (exit status 0).
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)

    async def announce() -> None:
        while not server.started:
            if server.should_exit:
                return
            await asyncio.sleep(0.01)
        sys.stdout.write(f"ready {endpoint}\n")
        sys.stdout.flush()

    async def main() -> None:
        task = asyncio.create_task(announce())
        await server.serve(sockets=[sock])
        task.cancel()

    asyncio.run(main())
