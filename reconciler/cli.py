"""The command line: parse arguments, call the library, render, choose the exit code.

Exit codes (SPEC.md §2): 0 success or nothing to change, 1 an error, 2 changes present
(``plan --detailed-exitcode``) or drift found (``drift``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TextIO

import click

from reconciler import __version__
from reconciler.azure.target import ENV_LOG_HTTP
from reconciler.console import use_color
from reconciler.errors import ReconcilerError, SpecError
from reconciler.startup import loading
from reconciler.verbosity import Verbosity, current, set_verbosity

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C

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
# plan, show PLANFILE: the cost counted with other prices than the packaged ones
PRICES = click.option(
    "--prices",
    "prices",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="FILE",
    help="Count the plan's cost with these prices (YAML inside the project, entries as in "
    "reconciler/cost/prices.yaml) in place of the packaged ones.",
)

ALLOW_ENV = click.option(
    "--allow-env",
    "allow_env",
    multiple=True,
    metavar="NAME",
    help="Let the spec read ${env:NAME} (repeatable; also RECONCILER_ALLOW_ENV=NAME,NAME). "
    "Always allowed: AZURE_SUBSCRIPTION_ID, AZURE_TENANT_ID, RECONCILER_VAR_*.",
)


def _ask(prompt: str) -> bool:
    """A yes/no at the terminal. click turns a Ctrl-C (or Ctrl-D) at its prompt into "Aborted!"
    and exit 1; here it is the interruption it is (exit 130), as anywhere else."""
    try:
        return click.confirm(prompt, default=False, err=True)
    except click.Abort:
        raise KeyboardInterrupt from None


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(EXIT_ERROR)


class _UsageError(click.UsageError):
    exit_code = EXIT_ERROR

    @staticmethod
    def of(error: click.UsageError) -> click.UsageError:
        if isinstance(error, _UsageError):
            return error
        if isinstance(error, _NoArgsHelp):
            return error
        if isinstance(error, click.exceptions.NoArgsIsHelpError):
            return _NoArgsHelp(error.ctx)
        return _UsageError(error.format_message(), error.ctx)


class _NoArgsHelp(click.exceptions.NoArgsIsHelpError):
    """`reconciler` (or a group) alone: its help as click shows it, not wrapped in "Error:
    Usage…"; exit 1 as for any usage error."""

    exit_code = EXIT_ERROR


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
            sys.exit(EXIT_INTERRUPTED)
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

    Exit codes: 0 success; 1 an error (usage errors too); 2 changes (plan
    --detailed-exitcode) or drift found (drift); 130 interrupted (Ctrl-C).
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
    with loading():
        from reconciler.commands.validate import validate as run_validation
        from reconciler.render.validation import (
            render_dataset_lines,
            render_problems,
            render_validation_json,
            render_verdict,
        )

    result = run_validation(spec_dir, allow_env=allow_env)
    if fmt == "json":
        click.echo(render_validation_json(result), nl=False)
        if not result.ok:
            click.echo(render_problems(result, errors_only=True), err=True, nl=False)
            sys.exit(EXIT_ERROR)
        return
    quiet = current() == Verbosity.QUIET
    click.echo(render_problems(result, errors_only=quiet), err=True, nl=False)
    if result.spec is not None and not quiet:
        click.echo(render_dataset_lines(result), nl=False)
    click.echo(render_verdict(spec_dir, result), err=not result.ok, nl=False)
    if not result.ok:
        sys.exit(EXIT_ERROR)


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
@PRICES
@LOG_HTTP
@ALLOW_ENV
def plan(
    spec_dir: Path,
    out: Path | None,
    fmt: str,
    detailed_exitcode: bool,
    replace: tuple[str, ...],
    prices: Path | None,
    log_http: Path | None,
    allow_env: tuple[str, ...],
) -> None:
    """Show the uploads, jobs and deployment changes that would make Azure match the spec.

    Reads Azure (one list per collection per account, accounts in parallel), compares
    only the fields the spec declares, and checks the region's catalog and quota, so a
    plan that would fail at apply fails here, at the spec line. Ends with what it costs:
    training once, and the monthly change in hosting and PTU (docs/cost.md).

    Exit codes: 0 a plan without errors; 1 an error; with --detailed-exitcode 0 no
    changes, 2 changes.
    """
    with loading():
        from reconciler.commands.plan import make_plan, save
        from reconciler.plan import render_json, render_markdown, render_text
        from reconciler.plan.render_json import render_spec_errors_json

    try:
        outcome = make_plan(
            spec_dir,
            replace=frozenset(replace),
            log_http=log_http,
            allow_env=allow_env,
            on_warning=_warn,
            prices=prices,
        )
    except SpecError as exc:
        if fmt != "json":
            raise
        click.echo(render_spec_errors_json(exc.diagnostics), nl=False)
        _fail(str(exc))
    result = outcome.plan
    if fmt == "json":
        click.echo(render_json(result), nl=False)
    elif fmt == "markdown":
        click.echo(render_markdown(result, outcome.warnings), nl=False)
    else:
        click.echo(render_text(result, color=use_color(sys.stdout)), nl=False)
    if result.errors:
        if fmt != "text":
            for issue in result.errors:
                click.echo(str(issue), err=True)
        sys.exit(EXIT_ERROR)
    if out is not None:
        save(outcome, out)
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
@click.option(
    "--rollback-on-smoke-failure",
    is_flag=True,
    help="When a deployment's smoke_test fails after apply created or changed it, put it "
    "back as it was before this apply (model, sku, capacity, settings, tags; one this apply "
    "created is deleted). Apply still exits 1. Works with a saved plan too.",
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
    rollback_on_smoke_failure: bool,
    log_http: Path | None,
    allow_env: tuple[str, ...],
) -> None:
    """Carry out a plan: upload, train, deploy, in order, safely and resumably.

    With DIR it plans first, shows the plan and asks for confirmation (on a terminal;
    --auto-approve for CI). With PLANFILE (from `plan --out`) it checks that Azure has
    not changed since, then carries out exactly that plan. Without --wait it starts the
    trainings and exits; a later apply continues.

    A deployment with smoke_test is asked each prompt after apply creates or changes
    it; an answer that does not match fails the apply (see --rollback-on-smoke-failure).

    Exit codes: 0 done, or what is left waits on training; 1 an error, a refusal, a failed
    change or smoke test, or a --wait that timed out; 130 Ctrl-C (started jobs keep running
    in Azure).
    """
    code = run_apply(
        target,
        auto_approve=auto_approve,
        wait=wait,
        timeout=timeout,
        lock_timeout=lock_timeout,
        replace=frozenset(replace),
        rollback_on_smoke_failure=rollback_on_smoke_failure,
        out=sys.stdout,
        err=sys.stderr,
        stdin_isatty=sys.stdin.isatty(),
        confirm=_ask,
        log_http=log_http,
        allow_env=allow_env,
        verbosity=current(),
    )
    sys.exit(code)


def run_apply(
    target: Path,
    *,
    auto_approve: bool,
    wait: bool,
    timeout: float | None,
    lock_timeout: float,
    replace: frozenset[str] = frozenset(),
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin_isatty: bool = False,
    confirm: Callable[[str], bool] = lambda _prompt: False,
    log_http: Path | None = None,
    allow_env: tuple[str, ...] = (),
    verbosity: Verbosity = Verbosity.NORMAL,
    rollback_on_smoke_failure: bool = False,
) -> int:
    """``apply`` as the CLI runs it, printing to ``out`` (default: stdout: the plan and the
    summary) and ``err`` (default: stderr: progress, warnings, errors); returns the exit code.

    0 when everything was done, or what remains is pending on training that a later apply (or
    `apply --wait`) continues; 1 on any error, failed or blocked change, a refusal, or when
    `--wait` ran out of `--timeout` with work still pending (the user asked to wait for it);
    130 after Ctrl-C (the summary of what was done, and that started jobs keep running in
    Azure). ``confirm(prompt)`` asks the person at the terminal, only when ``stdin_isatty``
    and not ``auto_approve``. ``verbosity``: ``QUIET`` prints only errors and the summary (the
    plan too when asking for confirmation), ``VERBOSE`` adds a line for every retry.
    """
    with loading():
        from reconciler.commands.apply import apply as carry_out
        from reconciler.render.apply import INTERRUPTED, ConsoleApply, render_apply_end

    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    console = ConsoleApply(out, err, verbosity=verbosity, confirm=confirm)
    try:
        outcome = carry_out(
            target,
            console,
            auto_approve=auto_approve,
            wait=wait,
            timeout=timeout,
            lock_timeout=lock_timeout,
            replace=replace,
            interactive=stdin_isatty,
            log_http=log_http,
            allow_env=allow_env,
            show_retries=verbosity >= Verbosity.VERBOSE,
            rollback_on_smoke_failure=rollback_on_smoke_failure,
        )
    except ReconcilerError as exc:
        err.write(f"{exc}\n")
        err.flush()
        return EXIT_ERROR
    except KeyboardInterrupt:  # a second Ctrl-C, or one before the run began
        err.write("\n" + INTERRUPTED)
        err.flush()
        return EXIT_INTERRUPTED
    out.write(render_apply_end(outcome))
    execution = outcome.execution
    if execution is None:
        return EXIT_ERROR if outcome.plan.has_errors else EXIT_OK
    out.flush()
    if outcome.lock_lost is not None:  # said on stderr when it happened
        return EXIT_ERROR
    if execution.report.cancelled:
        err.write(INTERRUPTED)
        err.flush()
        return EXIT_INTERRUPTED
    return EXIT_OK if execution.ok else EXIT_ERROR


ADDRESS_KINDS = ("deployment.", "file.")


@cli.command("import")
@click.argument("spec_dir", metavar="[DIR]", type=click.Path(path_type=Path), required=False)
@click.argument("addresses", metavar="ADDRESS...", nargs=-1)
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation (for CI).")
@click.option(
    "--lock-timeout",
    type=float,
    default=0.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for an apply of the same stack to finish.",
)
@LOG_HTTP
@ALLOW_ENV
def import_(
    spec_dir: Path | None,
    addresses: tuple[str, ...],
    auto_approve: bool,
    lock_timeout: float,
    log_http: Path | None,
    allow_env: tuple[str, ...],
) -> None:
    """Adopt what already exists in Azure into the stack; changes nothing but tags.

    deployment.NAME: a deployment of that name made outside reconciler (plan reports it as
    not carrying the stack's tag) gets the stack's tags, nothing else; one of another stack
    is refused. file.DATASET@ACCOUNT: a file uploaded by hand whose content is the
    dataset's (downloaded and hashed once) is recorded so plan does not upload it again.
    Shows what it will do and asks (--auto-approve for CI). DIR may be left out
    (default: specs) when the first argument is an address.

    Exit codes: 0 imported or nothing to import; 1 an error, a refusal or a "no" (nothing
    done); 130 Ctrl-C.
    """
    with loading():
        from reconciler.commands.import_ import import_resources
        from reconciler.render.importing import ConsoleImport, render_import_end

    # A first argument that is no directory is an address when it reads as one, or is the only
    # one (`import job.x` must be told jobs are not importable, not that no address was given).
    as_address = not addresses or (spec_dir is not None and spec_dir.name.startswith(ADDRESS_KINDS))
    if spec_dir is not None and not spec_dir.is_dir() and as_address:
        addresses = (str(spec_dir), *addresses)
        spec_dir = None
    console = ConsoleImport(
        sys.stdout,
        sys.stderr,
        verbosity=current(),
        confirm=_ask,
    )
    outcome = import_resources(
        spec_dir or Path("specs"),
        addresses,
        console,
        auto_approve=auto_approve,
        interactive=sys.stdin.isatty(),
        lock_timeout=lock_timeout,
        log_http=log_http,
        allow_env=allow_env,
    )
    click.echo(render_import_end(outcome), nl=False)


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
    training) is not drift, nor is a spec entry never applied (listed as pending). For a
    missing deployment the Activity Log says who deleted it and when.
    """
    with loading():
        from reconciler.commands.drift import find
        from reconciler.plan import render_drift_json, render_drift_markdown, render_drift_text

    run = find(spec_dir, log_http=log_http, allow_env=allow_env, on_warning=_warn)
    report = run.report
    for warning in report.warnings:
        _warn(f"warning: {warning}")
    if fmt == "json":
        click.echo(render_drift_json(report, run.observed_digest), nl=False)
    elif fmt == "markdown":
        click.echo(render_drift_markdown(report), nl=False)
    else:
        click.echo(render_drift_text(report, color=use_color(sys.stdout)), nl=False)
    if report.has_drift:
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
    help="markdown: a saved plan as a pull-request comment, or a spec directory's state with "
    "each job's loss curve charted.",
)
@PRICES
@LOG_HTTP
@ALLOW_ENV
def show(
    spec_dir: Path,
    fmt: str,
    prices: Path | None,
    log_http: Path | None,
    allow_env: tuple[str, ...],
) -> None:
    """Show each resource's state: jobs with progress and loss, deployments with capacity
    and endpoint. With PLANFILE (from `plan --out`), show that saved plan instead."""
    with loading():
        from reconciler.commands.show import saved_plan, show_state
        from reconciler.render.show import (
            render_saved_plan,
            render_show_json,
            render_show_markdown,
            render_show_text,
        )

    saved = saved_plan(spec_dir, prices)
    if saved is not None:
        click.echo(render_saved_plan(saved, fmt, color=use_color(sys.stdout)), nl=False)
        return
    if prices is not None:
        _fail(f"error: --prices counts the cost of a saved plan; {spec_dir} is a spec directory")
    state = show_state(spec_dir, log_http=log_http, allow_env=allow_env, on_warning=_warn)
    if fmt == "json":
        click.echo(render_show_json(state.stack, state.jobs, state.deployments), nl=False)
    elif fmt == "markdown":
        click.echo(render_show_markdown(state.stack, state.jobs, state.deployments), nl=False)
    else:
        click.echo(render_show_text(state.jobs, state.deployments), nl=False)


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
    from reconciler.commands.schema import schema as make_schema

    text = make_schema(out)
    if text is not None:
        click.echo(text, nl=False)
    else:
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
    from reconciler.commands.emulator import serve as run_server

    run_server(
        host=host,
        port=port,
        data_dir=data_dir,
        seed=seed,
        speed=speed,
        latency_ms=latency_ms,
        provision_seconds=provision_seconds,
    )


@cli.command("catalog")
@click.option("--region", default=None, metavar="REGION", help="Only what is offered there.")
@click.option("--model", default=None, metavar="MODEL", help="Only this base model id.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
def catalog(region: str | None, model: str | None, fmt: str) -> None:
    """List base models with their fine-tuning methods, training types and regions, and the
    deployment skus (with allowed capacities) per region: the values a spec may use.

    Offline: read from the bundled model catalog (RECONCILER_CATALOG=FILE overrides it), the
    same one `validate` and `plan` check specs against.
    """
    # Imported here: every CLI start loads this module, and the listing pulls in the spec models.
    from reconciler.catalog.listing import render_json, render_text
    from reconciler.commands.catalog import catalog as listing

    data = listing(region, model)
    click.echo(render_json(data) if fmt == "json" else render_text(data), nl=False)


def main() -> None:
    cli(prog_name="reconciler")
