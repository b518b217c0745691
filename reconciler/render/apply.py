"""What ``reconciler apply`` prints at a terminal: warnings, lock waits and progress on stderr;
the plan (or that a saved plan is still current), the summary and a --timeout that ran out on
stdout. ``--quiet`` keeps errors, the summary, and the plan when it asks for confirmation."""

from __future__ import annotations

from pathlib import Path

from reconciler.apply.progress import Progress, make_progress
from reconciler.apply.summary import done_symbols, render_summary
from reconciler.commands.apply import ApplyOutcome
from reconciler.console import use_color
from reconciler.plan import Plan, render_text
from reconciler.plan.attention import nothing_to_do_line
from reconciler.render.console_listener import ConsoleListener

INTERRUPTED = (
    "Interrupted. What was already started goes on without reconciler: a fine-tuning job keeps "
    "running in Azure (stopping apply does not cancel it). Run apply again to continue; it "
    "finds the running job and starts nothing twice.\n"
)


class ConsoleApply(ConsoleListener):
    """An ``ApplyListener`` writing to ``out`` and ``err``; ``confirm(prompt)`` asks the person
    at the terminal."""

    def planned(self, plan: Plan, *, saved_from: Path | None, asks: bool) -> None:
        if plan.has_errors or (saved_from is None and (asks or not self.quiet)):
            self.out.write(render_text(plan, color=use_color(self.out)))
        elif plan.has_changes and not self.quiet:
            self.out.write(f"The saved plan {saved_from} is still current; carrying it out.\n")
        self.out.flush()

    def progress(self) -> Progress:
        return Progress() if self.quiet else make_progress(self.err)


def render_apply_end(outcome: ApplyOutcome) -> str:
    """After the plan: that a saved plan had nothing to do, or the summary of what was done
    (and what the --timeout left pending)."""
    execution = outcome.execution
    if execution is None:
        if outcome.saved_from is not None and not outcome.plan.has_errors:
            return nothing_to_do_line(outcome.plan) + "\n"
        return ""
    text = "\n" + render_summary(execution.report, done_symbols(outcome.plan))
    if execution.timed_out and outcome.timeout is not None:
        text += (
            f"--timeout {outcome.timeout:g} s ran out while waiting for: "
            f"{', '.join(execution.timed_out)}; run apply again to continue.\n"
        )
    return text
