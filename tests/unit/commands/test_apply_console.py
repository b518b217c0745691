"""What apply prints at a terminal before and after it acts (``render.apply``), per verbosity:
the plan or the "still current" line, warnings, and the end of a run that had nothing to do."""

from __future__ import annotations

import io
from pathlib import Path

from reconciler.commands.apply import ApplyOutcome
from reconciler.errors import Diagnostic
from reconciler.kinds.deployment import DeploymentAfter, DeploymentBefore, DeploymentReason
from reconciler.plan import render_text
from reconciler.plan.attention import NO_CHANGES
from reconciler.plan.model import Action, Because, Change, Plan, ResourceType
from reconciler.render.apply import ConsoleApply, render_apply_end
from reconciler.verbosity import Verbosity

SAVED = Path("p.plan")
MODEL = {"format": "OpenAI", "name": "gpt-4o-mini", "version": "2024-07-18"}


def _plan(action: Action) -> Plan:
    change = Change(
        address="deployment.d",
        type=ResourceType.DEPLOYMENT,
        action=action,
        because=Because(DeploymentReason.DIFFERS),
        before=DeploymentBefore("a", "aoai-a", "d", MODEL, "Standard", 1, {}, "Succeeded"),
        after=DeploymentAfter("a", "aoai-a", "d", MODEL, "Standard", 2, {}),
    )
    return Plan(stack="s", changes=(change,), observed_digest="abc")


def _console(verbosity: Verbosity) -> tuple[ConsoleApply, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return ConsoleApply(out, err, verbosity=verbosity, confirm=lambda _p: True), out, err


def test_a_plan_from_a_spec_is_shown_unless_quiet_and_not_asking() -> None:
    plan = _plan(Action.UPDATE)
    console, out, _ = _console(Verbosity.NORMAL)
    console.planned(plan, saved_from=None, asks=False)
    assert out.getvalue() == render_text(plan)
    quiet, out, _ = _console(Verbosity.QUIET)
    quiet.planned(plan, saved_from=None, asks=False)
    assert out.getvalue() == ""
    quiet.planned(plan, saved_from=None, asks=True)  # the plan confirmed must be seen
    assert out.getvalue() == render_text(plan)


def test_a_saved_plan_still_current_is_named_not_shown_again() -> None:
    console, out, _ = _console(Verbosity.NORMAL)
    console.planned(_plan(Action.UPDATE), saved_from=SAVED, asks=False)
    assert out.getvalue() == "The saved plan p.plan is still current; carrying it out.\n"


def test_warnings_go_to_stderr_and_not_when_quiet() -> None:
    warning = Diagnostic.warning("only 12 examples")
    console, out, err = _console(Verbosity.NORMAL)
    console.warning(warning)
    assert (out.getvalue(), err.getvalue()) == ("", "warning: only 12 examples\n")
    quiet, _, err = _console(Verbosity.QUIET)
    quiet.warning(warning)
    assert err.getvalue() == ""


def test_the_end_of_a_run_that_did_nothing() -> None:
    no_op = _plan(Action.NO_OP)
    assert render_apply_end(ApplyOutcome(no_op, SAVED, None, None)) == NO_CHANGES + "\n"
    # from a spec directory the plan shown already said so
    assert render_apply_end(ApplyOutcome(no_op, None, None, None)) == ""
