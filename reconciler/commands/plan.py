"""`reconciler plan`: the changes that would make Azure match the spec, and saving them for
`apply PLANFILE`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from reconciler.commands.pipeline import Prepared, Session, plan_with_history, prepare
from reconciler.cost.estimate import priced
from reconciler.cost.prices import prices_with_override
from reconciler.errors import Diagnostic
from reconciler.plan import Plan
from reconciler.project import project_root


@dataclass(frozen=True)
class PlanOutcome:
    spec_dir: Path
    replace: frozenset[str]
    prepared: Prepared
    plan: Plan

    @property
    def warnings(self) -> list[Diagnostic]:
        return self.prepared.warnings


def make_plan(
    spec_dir: Path,
    *,
    replace: frozenset[str] = frozenset(),
    log_http: Path | None = None,
    allow_env: Iterable[str] = (),
    on_warning: Callable[[Diagnostic], None] | None = None,
    prices: Path | None = None,
) -> PlanOutcome:
    """Validate and resolve the spec (SpecError with every located problem), read Azure and
    plan; where a job is trained anew on changed data, the plan says what changed in it.
    ``prices``: a file of prices (inside the project) in place of the packaged ones."""
    prepared = prepare(spec_dir, on_warning=on_warning, allow_env=allow_env)
    table = prices_with_override(prices, project_root(spec_dir))  # before Azure is read
    with Session.open(log_http) as session:
        observation = session.observe(prepared, replace)
        planned = session.plan(prepared, observation, replace)
        result = plan_with_history(prepared, observation, replace, session.clients, planned)
    return PlanOutcome(spec_dir, replace, prepared, priced(result, table))


def save(outcome: PlanOutcome, out: Path) -> None:
    """Write the plan to ``out`` for `apply PLANFILE` (with its spec's place and digest)."""
    from reconciler.plan.saved import save_plan  # only with --out

    save_plan(out, outcome.plan, outcome.spec_dir, outcome.replace, outcome.prepared.desired)
