"""`reconciler emulator serve`: a local Azure (ARM + Azure OpenAI data plane) over HTTPS."""

from __future__ import annotations

from pathlib import Path

from reconciler.errors import NotBuiltError


def serve(
    *,
    host: str,
    port: int,
    data_dir: Path | None,
    seed: Path | None,
    speed: float,
    latency_ms: int,
    provision_seconds: float,
) -> None:
    """Serve until stopped; the server prints `ready https://HOST:PORT` once it answers.
    ``data_dir`` None: ``default_data_dir()``."""
    try:
        from reconciler.emulator.server import serve as run_server
    except ImportError as exc:
        raise NotBuiltError(
            f"error: the emulator is not available: {exc} (install the `emulator` extra)"
        ) from exc
    if data_dir is None:
        data_dir = default_data_dir()
    run_server(
        host=host,
        port=port,
        data_dir=data_dir,
        seed=seed,
        speed=speed,
        latency_ms=latency_ms,
        provision_seconds=provision_seconds,
    )


def default_data_dir() -> Path:
    """``.reconciler/emulator`` in the project root of the working directory, made without
    following a symlink (UnsafePathError naming it otherwise)."""
    from reconciler.project import STATE_DIR, project_root
    from reconciler.state_dir import ensure_dir

    project = project_root(Path.cwd())
    return ensure_dir(project, project / STATE_DIR / "emulator")
