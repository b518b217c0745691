"""The command line: parse arguments, call the library, render, choose the exit code.

Exit codes (SPEC.md §2): 0 success or nothing to change, 1 an error, 2 changes present
(``plan --detailed-exitcode``) or drift found (``drift``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

import click

from reconciler import __version__
from reconciler.errors import NotBuiltError, ReconcilerError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2

F = TypeVar("F", bound=Callable[..., object])

SPEC_DIR = click.argument(
    "spec_dir",
    metavar="[DIR]",
    required=False,
    default="specs",
    type=click.Path(path_type=Path, file_okay=False),
)


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(EXIT_ERROR)


def _not_built(command: str, issue: str) -> NoReturn:
    raise NotBuiltError(f"error: `reconciler {command}` is not built yet ({issue}).")


class _Group(click.Group):
    """Turns every ReconcilerError into its message and exit 1: users never see a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ReconcilerError as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Exception as exc:  # a bug of ours: say so plainly, trace only when asked
            if os.environ.get("RECONCILER_DEBUG"):
                raise
            _fail(
                f"internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in reconciler; set RECONCILER_DEBUG=1 to see the traceback."
            )


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reconciler")
def cli() -> None:
    """Azure OpenAI fine-tuning as code.

    Keep datasets, fine-tuning jobs and deployments in YAML specs (default directory:
    ./specs). `plan` shows what would change in Azure, `apply` does it, `drift` reports
    what changed in Azure behind the repository's back.

    Set RECONCILER_EMULATOR=DIR to talk to a local emulator (`reconciler emulator serve`)
    instead of Azure.
    """


@cli.command()
@SPEC_DIR
def validate(spec_dir: Path) -> None:
    """Check the spec and its datasets offline; exit 0 when valid (warnings allowed)."""
    _not_built("validate", "issue 4")


@cli.command()
@SPEC_DIR
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Save the plan for `apply FILE`.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
)
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 0 with no changes, 2 with changes, 1 on error."
)
@click.option(
    "--replace",
    "replace",
    multiple=True,
    metavar="ADDRESS",
    help="Plan a new job even where one with the same inputs failed (e.g. job.clippy).",
)
def plan(
    spec_dir: Path, out: Path | None, fmt: str, detailed_exitcode: bool, replace: tuple[str, ...]
) -> None:
    """Show the uploads, jobs and deployment changes that would make Azure match the spec."""
    _not_built("plan", "issue 5")


@cli.command()
@click.argument(
    "target",
    metavar="[DIR | PLANFILE]",
    required=False,
    default="specs",
    type=click.Path(path_type=Path),
)
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation (for CI).")
@click.option(
    "--wait", is_flag=True, help="Wait for fine-tuning jobs, then carry out what depends on them."
)
@click.option("--timeout", type=float, default=None, metavar="SECONDS", help="Bound the --wait.")
def apply(target: Path, auto_approve: bool, wait: bool, timeout: float | None) -> None:
    """Carry out a plan: upload, train, deploy, in order, safely and resumably."""
    _not_built("apply", "issue 6")


@cli.command()
@SPEC_DIR
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
)
def drift(spec_dir: Path, fmt: str) -> None:
    """Report what in Azure moved away from the spec; exit 2 when there is drift."""
    _not_built("drift", "issue 5")


@cli.command()
@SPEC_DIR
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def show(spec_dir: Path, fmt: str) -> None:
    """Show each resource's state: jobs with progress and loss, deployments with capacity."""
    _not_built("show", "issue 5")


@cli.command()
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Where to write it (default: schemas/reconciler.schema.json).",
)
def schema(out: Path | None) -> None:
    """Write the JSON Schema of the spec format (for editors and CI)."""
    _not_built("schema", "issue 4")


@cli.group()
def emulator() -> None:
    """A local Azure (ARM + Azure OpenAI data plane) for trying plans without spending money."""


@emulator.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8443, show_default=True, help="0 picks a free port.")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path(".reconciler/emulator"),
    show_default=True,
)
@click.option(
    "--seed",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="YAML listing subscriptions, resource groups, accounts and quotas.",
)
@click.option(
    "--speed", type=float, default=1.0, show_default=True, help="Simulated seconds per real second."
)
@click.option(
    "--latency-ms",
    type=int,
    default=0,
    show_default=True,
    help="Delay every answer (for benchmarks).",
)
@click.option(
    "--provision-seconds",
    type=float,
    default=10.0,
    show_default=True,
    help="Simulated time a deployment write takes.",
)
def serve(
    host: str,
    port: int,
    data_dir: Path,
    seed: Path | None,
    speed: float,
    latency_ms: int,
    provision_seconds: float,
) -> None:
    """Serve the emulator over HTTPS; prints `ready https://HOST:PORT` once it answers."""
    try:
        from reconciler.emulator.server import serve as run_server
    except ImportError as exc:
        raise NotBuiltError(
            f"error: the emulator is not available: {exc} (install the `emulator` extra)"
        ) from exc
    run_server(
        host=host,
        port=port,
        data_dir=data_dir,
        seed=seed,
        speed=speed,
        latency_ms=latency_ms,
        provision_seconds=provision_seconds,
    )


def main() -> None:
    cli(prog_name="reconciler")
