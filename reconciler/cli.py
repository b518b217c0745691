"""The command line: parse arguments, call the library, render, choose the exit code.

Exit codes (SPEC.md §2): 0 success or nothing to change, 1 an error, 2 changes present
(``plan --detailed-exitcode``) or drift found (``drift``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from reconciler import __version__
from reconciler.azure.target import ENV_LOG_HTTP
from reconciler.catalog.command import catalog as catalog_command
from reconciler.console import use_color
from reconciler.errors import NotBuiltError, ReconcilerError, SpecError, capped
from reconciler.verbosity import Verbosity, current, set_verbosity

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2

SPEC_DIR = click.argument(
    "spec_dir",
    metavar="[DIR]",
    required=False,
    default="specs",
    type=click.Path(path_type=Path, file_okay=False),
)

# On every command that talks to Azure. The variable is for CI; the option wins over it.
LOG_HTTP = click.option(
    "--log-http",
    "log_http",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    envvar=ENV_LOG_HTTP,
    show_envvar=True,
    metavar="FILE",
    help="Append every HTTP request and response to FILE as JSON Lines (secrets redacted).",
)


# On every command that reads a spec (SPEC.md §5.1): ${env:NAME} reads only allowed names.
ALLOW_ENV = click.option(
    "--allow-env",
    "allow_env",
    multiple=True,
    metavar="NAME",
    help="Let the spec read ${env:NAME} (repeatable; also RECONCILER_ALLOW_ENV=NAME,NAME). "
    "Always allowed: AZURE_SUBSCRIPTION_ID, AZURE_TENANT_ID, RECONCILER_VAR_*.",
)


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(EXIT_ERROR)


def _not_built(command: str, issue: str) -> NoReturn:
    raise NotBuiltError(f"error: `reconciler {command}` is not built yet ({issue}).")


class _UsageError(click.UsageError):
    exit_code = EXIT_ERROR

    @staticmethod
    def of(error: click.UsageError) -> click.UsageError:
        if isinstance(error, _UsageError):
            return error
        return _UsageError(error.format_message(), error.ctx)


def _verbosity_options(*, on_group: bool) -> list[click.Option]:
    """``-v`` and ``--quiet``, accepted before the command and after it. The group's own pair
    always sets the level (the default resets it); a command's pair only raises or lowers it."""

    def chosen(ctx: click.Context, param: click.Parameter, value: object) -> None:
        seen = ctx.meta.setdefault(f"reconciler.verbosity.{id(ctx)}", {})  # meta is shared
        seen[param.name] = bool(value)
        verbose, quiet = seen.get("_verbose"), seen.get("_quiet")
        if verbose is None or quiet is None:
            return  # the other one of the pair is not parsed yet
        if verbose and quiet:
            raise click.UsageError("-v/--verbose and --quiet exclude each other", ctx)
        if verbose or quiet or on_group:
            level = Verbosity.VERBOSE if verbose else Verbosity.QUIET if quiet else None
            set_verbosity(level if level is not None else Verbosity.NORMAL)

    return [
        click.Option(
            ["-v", "--verbose", "_verbose"],
            is_flag=True,
            expose_value=False,
            callback=chosen,
            help="Say more: retries, the Azure SDK's authentication details.",
        ),
        click.Option(
            ["-q", "--quiet", "_quiet"],
            is_flag=True,
            expose_value=False,
            callback=chosen,
            help="Print only errors and the final result.",
        ),
    ]


class _Group(click.Group):
    """Turns every ReconcilerError into its message and exit 1: users never see a traceback.
    A usage error (unknown option, missing argument) exits 1 too: click's 2 is this tool's
    "changes present" / "drift found", and a typo in CI must not read as drift (SPEC §5.2).
    Every command (and sub-group) gets ``-v`` and ``--quiet``."""

    group_class = type  # sub-groups are _Group too

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        cmd.params.extend(_verbosity_options(on_group=False))
        super().add_command(cmd, name)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _UsageError.of(exc) from None

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _UsageError.of(exc) from None
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


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"]},
    params=_verbosity_options(on_group=True),
)
@click.version_option(__version__, prog_name="reconciler")
def cli() -> None:
    """Azure OpenAI fine-tuning as code.

    Keep datasets, fine-tuning jobs and deployments in YAML specs (default directory:
    ./specs). `plan` shows what would change in Azure, `apply` does it, `drift` reports
    what changed in Azure behind the repository's back.

    Set RECONCILER_EMULATOR=DIR to talk to a local emulator (`reconciler emulator serve`)
    instead of Azure. Other environment variables (RECONCILER_CACHE_DIR, ...) and shell
    completion: docs/spec.md, "The CLI".
    """


def _warn(diagnostic: object) -> None:
    if current() > Verbosity.QUIET:
        click.echo(str(diagnostic), err=True)


@cli.command()
@SPEC_DIR
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: {errors, warnings, notes, datasets} on stdout, each problem with its place.",
)
@ALLOW_ENV
def validate(spec_dir: Path, fmt: str, allow_env: tuple[str, ...]) -> None:
    """Check the spec and its datasets offline; exit 0 when valid (warnings allowed).

    Reads every *.yaml below DIR, checks names, references and values against the
    bundled model catalog, and streams each dataset: format, encoding, token counts
    with the official tokenizer. Every problem is printed as path:line:col. Needs no
    credentials and no variable values: an unset ${env:NAME} is a note (plan needs it).
    """
    from reconciler.validate import render_validation_json
    from reconciler.validate import validate as run_validation

    result = run_validation(spec_dir, allow_env=allow_env)
    if fmt == "json":
        click.echo(render_validation_json(result), nl=False)
        if result.diagnostics.has_errors:
            _fail("\n".join(str(d) for d in capped(result.diagnostics.errors)))
        return
    quiet = current() == Verbosity.QUIET
    for diagnostic in capped(result.diagnostics.errors if quiet else result.diagnostics):
        click.echo(str(diagnostic), err=True)
    errors, warnings = len(result.diagnostics.errors), len(result.diagnostics.warnings)
    notes = len(result.diagnostics.notes)
    if result.spec is not None and not quiet:
        for name, report in sorted(result.datasets.items()):
            s = report.stats
            click.echo(
                f"dataset {name}: {s.examples} examples, {s.total_tokens} tokens "
                f"({s.trained_tokens} trained; per example {s.min_tokens}/{s.mean_tokens:.0f}/"
                f"{s.max_tokens} min/mean/max), sha256 {report.sha256[:12]}"
            )
    if errors:
        click.echo(f"{spec_dir}: {errors} error(s), {warnings} warning(s)", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(
        f"{spec_dir}: valid ({warnings} warning(s)"
        + (f", {notes} note(s): values not known offline)" if notes else ")")
    )


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
@LOG_HTTP
@ALLOW_ENV
def plan(
    spec_dir: Path,
    out: Path | None,
    fmt: str,
    detailed_exitcode: bool,
    replace: tuple[str, ...],
    log_http: Path | None,
    allow_env: tuple[str, ...],
) -> None:
    """Show the uploads, jobs and deployment changes that would make Azure match the spec.

    Reads Azure (one list per collection per account, accounts in parallel), compares
    only the fields the spec declares, and checks the region's catalog and quota, so a
    plan that would fail at apply fails here, at the spec line.
    """
    from reconciler.plan import render_json, render_markdown, render_text
    from reconciler.plan.render_json import render_spec_errors_json
    from reconciler.plan.saved import save_plan
    from reconciler.workflow import Session, plan_with_history, prepare

    try:
        prepared = prepare(spec_dir, on_warning=_warn, allow_env=allow_env)
    except SpecError as exc:
        if fmt != "json":
            raise
        click.echo(render_spec_errors_json(exc.diagnostics), nl=False)
        _fail(str(exc))
    with Session.open(log_http) as session:
        observation = session.observe(prepared, frozenset(replace))
        result = plan_with_history(prepared, observation, frozenset(replace), session.clients)
    if fmt == "json":
        click.echo(render_json(result), nl=False)
    elif fmt == "markdown":
        click.echo(render_markdown(result, prepared.warnings), nl=False)
    else:
        click.echo(render_text(result, color=use_color(sys.stdout)), nl=False)
    if result.errors:
        if fmt != "text":
            for issue in result.errors:
                click.echo(str(issue), err=True)
        sys.exit(EXIT_ERROR)
    if out is not None:
        save_plan(out, result, spec_dir, frozenset(replace), prepared.desired)
        if current() > Verbosity.QUIET:
            saved = f"Saved the plan to {out}; apply it with: reconciler apply {out}"
            click.echo(saved, err=True)
    if detailed_exitcode and result.has_changes:
        sys.exit(EXIT_CHANGES)


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
@click.option(
    "--lock-timeout",
    type=float,
    default=0.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for another apply of the same stack to finish.",
)
@click.option(
    "--replace",
    "replace",
    multiple=True,
    metavar="ADDRESS",
    help="Create a new job even where one with the same inputs failed (e.g. job.clippy).",
)
@LOG_HTTP
@ALLOW_ENV
def apply(
    target: Path,
    auto_approve: bool,
    wait: bool,
    timeout: float | None,
    lock_timeout: float,
    replace: tuple[str, ...],
    log_http: Path | None,
    allow_env: tuple[str, ...],
) -> None:
    """Carry out a plan: upload, train, deploy, in order, safely and resumably.

    With DIR it plans first, shows the plan and asks for confirmation (on a terminal;
    --auto-approve for CI). With PLANFILE (from `plan --out`) it checks that Azure has
    not changed since, then carries out exactly that plan. Without --wait it starts the
    trainings and exits; a later apply continues.
    """
    try:
        from reconciler.apply.command import run_apply
    except ImportError:
        _not_built("apply", "issue 6")
    code = run_apply(
        target,
        auto_approve=auto_approve,
        wait=wait,
        timeout=timeout,
        lock_timeout=lock_timeout,
        replace=frozenset(replace),
        out=sys.stdout,
        err=sys.stderr,
        stdin_isatty=sys.stdin.isatty(),
        confirm=lambda prompt: click.confirm(prompt, default=False, err=True),
        log_http=log_http,
        allow_env=allow_env,
        verbosity=current(),
    )
    sys.exit(code)


@cli.command()
@SPEC_DIR
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
)
@LOG_HTTP
@ALLOW_ENV
def drift(spec_dir: Path, fmt: str, log_http: Path | None, allow_env: tuple[str, ...]) -> None:
    """Report what in Azure moved away from the spec; exit 2 when there is drift.

    Drift is what changed outside reconciler: a deployment deleted or edited in the
    portal, capacity changed, tags removed, an idle fine-tuned deployment removed by
    Azure after 15 days, a file deleted, a job cancelled. Work still under way (a job
    training) is not drift.
    """
    from reconciler.plan import drift as find_drift
    from reconciler.plan import render_drift_json, render_drift_markdown, render_drift_text
    from reconciler.workflow import Session, prepare

    prepared = prepare(spec_dir, on_warning=_warn, allow_env=allow_env)
    with Session.open(log_http) as session:
        observation = session.observe(prepared)
    items = find_drift(prepared.desired, observation.observed)
    if fmt == "json":
        digest = observation.observed.digest()
        click.echo(render_drift_json(prepared.desired.stack, items, digest), nl=False)
    elif fmt == "markdown":
        click.echo(render_drift_markdown(prepared.desired.stack, items), nl=False)
    else:
        click.echo(render_drift_text(items, color=use_color(sys.stdout)), nl=False)
    if items:
        sys.exit(EXIT_CHANGES)


@cli.command()
@click.argument(
    "spec_dir",
    metavar="[DIR | PLANFILE]",
    required=False,
    default="specs",
    type=click.Path(path_type=Path),
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="markdown: only for a PLANFILE.",
)
@LOG_HTTP
@ALLOW_ENV
def show(spec_dir: Path, fmt: str, log_http: Path | None, allow_env: tuple[str, ...]) -> None:
    """Show each resource's state: jobs with progress and loss, deployments with capacity
    and endpoint. With PLANFILE (from `plan --out`), show that saved plan instead."""
    from reconciler.azure import read
    from reconciler.azure.lookup import data_plane_for
    from reconciler.plan.saved import saved_plan_of
    from reconciler.show import (
        deployment_views,
        job_views,
        loss_curve,
        render_saved_plan,
        render_show_json,
        render_show_text,
    )
    from reconciler.workflow import Session, compute_plan, prepare

    saved = saved_plan_of(spec_dir)
    if saved is not None:
        click.echo(render_saved_plan(saved.plan, fmt, color=use_color(sys.stdout)), nl=False)
        return
    if fmt == "markdown":
        _fail(f"error: --format markdown shows a saved plan; {spec_dir} is a spec directory")
    prepared = prepare(spec_dir, on_warning=_warn, allow_env=allow_env)
    with Session.open(log_http) as session:
        observation = session.observe(prepared)
        result = compute_plan(prepared, observation)
        owners = {name: job.account for name, job in prepared.desired.jobs.items()}
        jobs = job_views(result, observation.observed, owners)
        for view in jobs:
            if view.job is None or view.job.status.value != "succeeded":
                continue
            access = observation.access[view.account]
            client = data_plane_for(session.clients, access)
            text = read.job_results_csv(client, access.name, view.job.id)
            view.losses = loss_curve(text) if text else []
    endpoints = {key: access.endpoint for key, access in observation.access.items()}
    deployments = deployment_views(result, endpoints)
    if fmt == "json":
        click.echo(render_show_json(prepared.desired.stack, jobs, deployments), nl=False)
    else:
        click.echo(render_show_text(jobs, deployments), nl=False)


@cli.command()
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Where to write it (default: print to stdout).",
)
def schema(out: Path | None) -> None:
    """Write the JSON Schema of the spec format (for editors and CI).

    Editors with the YAML language server check specs against it through the
    `# yaml-language-server: $schema=...` line at the top of each file.
    """
    from reconciler.spec.schema import schema_text, write_schema

    if out is None:
        click.echo(schema_text(), nl=False)
    else:
        write_schema(out)
        click.echo(f"wrote {out}", err=True)


@cli.group()
def emulator() -> None:
    """A local Azure (ARM + Azure OpenAI data plane) for trying plans without spending money."""


@emulator.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8443, show_default=True, help="0 picks a free port.")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where the emulator keeps its state (default: .reconciler/emulator in the project "
    "root, the nearest folder above holding .git, else the working directory).",
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
    data_dir: Path | None,
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
    if data_dir is None:
        data_dir = _default_emulator_dir()
    run_server(
        host=host,
        port=port,
        data_dir=data_dir,
        seed=seed,
        speed=speed,
        latency_ms=latency_ms,
        provision_seconds=provision_seconds,
    )


def _default_emulator_dir() -> Path:
    """``.reconciler/emulator`` in the project root of the working directory, made without
    following a symlink (UnsafePathError naming it otherwise)."""
    from reconciler.project import STATE_DIR, project_root
    from reconciler.state_dir import ensure_dir

    project = project_root(Path.cwd())
    return ensure_dir(project, project / STATE_DIR / "emulator")


cli.add_command(catalog_command)


def main() -> None:
    cli(prog_name="reconciler")
