"""The smoke test after apply writes a deployment (SPEC §5.8).

After a PUT that creates, updates or replaces a deployment whose spec has ``smoke_test``, each
prompt goes to the deployment as one chat completion through the account's data plane (the
client apply already holds for the account: its key or Entra token), and its answer must
contain a match of ``expect`` (``re.search``). Every prompt is asked, so the report names each
one that failed.

Right after ARM reports the deployment ready, the data plane may still answer 404
(DeploymentNotFound: "If you created the deployment within the last 5 minutes, please wait a
moment and try again", the service's own message). A 404 is therefore asked again at the
deployment poll interval for ``smoke_ready_seconds`` (and never past ``--timeout``), with the
wait shown in the progress; 429, 5xx and dropped connections are retried as every call of apply.

A failure fails the deployment's task: apply exits 1 and whatever depends on that deployment in
this apply (a deployment spilling over to it, and this apply's deletes in its account, see
``executor.build_tasks``) is blocked, so nothing moves traffic toward, or removes what serves
instead of, a deployment that answered wrongly. With ``--rollback-on-smoke-failure`` the
deployment is first put back as it was (``smoke_rollback``).

Messages quote prompts, patterns and answers cut to 80 characters (SPEC §5.1), and name the
variable instead when a prompt came from the environment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reconciler.apply.context import ApplyContext
from reconciler.apply.progress import clean
from reconciler.apply.retry import describe
from reconciler.apply.scheduler import Outcome, TaskContext, TaskStatus
from reconciler.azure import chat, lookup
from reconciler.azure.observe import AccountAccess
from reconciler.errors import AzureError, NotFoundError
from reconciler.kinds import accounts_of
from reconciler.kinds.deployment import DeploymentAfter
from reconciler.plan.model import Action, Change, ResourceType
from reconciler.plan.observed import ObservedDeployment
from reconciler.plan.smoke_test import DETAILS_KEY, SmokePrompt
from reconciler.quoting import quote


@dataclass(frozen=True)
class PromptResult:
    index: int  # 1-based
    prompt: SmokePrompt
    answer: str | None  # None: the call failed
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and self.answer is not None and matches(self.prompt, self.answer)


def matches(prompt: SmokePrompt, answer: str) -> bool:
    """Whether the answer contains a match of the prompt's pattern (``re.search``)."""
    return re.search(prompt.expect, answer) is not None


def shown(text: str) -> str:
    """A text for a one-line message: whitespace folded, quoted, cut to 80 characters with …"""
    return quote(" ".join(text.split()))


def _prompt_text(prompt: SmokePrompt) -> str:
    if prompt.from_env is not None:
        return f"(the value of {prompt.from_env})"
    return shown(prompt.prompt)


def failure_text(result: PromptResult, count: int) -> str:
    """``prompt 2/3 'Who…' answered 'It…', which does not match '(?i)antarctica'``."""
    head = f"prompt {result.index}/{count} {_prompt_text(result.prompt)}"
    if result.error is not None:
        return f"{head} got an error instead of an answer: {clean(result.error)}"
    expect = "its pattern" if result.prompt.from_env else shown(result.prompt.expect)
    return f"{head} answered {shown(result.answer or '')}, which does not match {expect}"


def _ask(
    app: ApplyContext,
    ctx: TaskContext,
    access: AccountAccess,
    name: str,
    prompt: SmokePrompt,
    where: str,
) -> chat.ChatAnswer:
    client = lookup.data_plane_for(app.clients, access)
    operation = f"POST chat completion on deployment {name} in {access.name}"
    messages = chat.chat_messages(prompt.prompt, prompt.system)
    started = app.clock()
    told = False
    while True:
        try:
            return app.call(
                ctx,
                operation,
                lambda: chat.complete(client, access.name, name, messages, prompt.max_tokens),
            )
        except NotFoundError as exc:
            waited = app.clock() - started
            if not told:  # the status line is overwritten; this wait stays in the log
                told = True
                ctx.log(
                    f"{where}: the data plane answers {exc.code or exc.status} for {name} right "
                    f"after ARM reported it ready; asking again for up to "
                    f"{app.options.smoke_ready_seconds:g} s"
                )
            if waited >= app.options.smoke_ready_seconds or app.out_of_time():
                raise NotFoundError(
                    f"still not served after {waited:.0f} s: {describe(exc)}",
                    operation=operation,
                    status=exc.status,
                    code=exc.code,
                ) from exc
            ctx.update(
                f"{where}: waiting for the data plane to serve {name} "
                f"({exc.code or exc.status}, {waited:.0f} s)"
            )
            app.pause(ctx, app.options.deployment_poll_seconds)


def run_smoke_test(
    app: ApplyContext,
    ctx: TaskContext,
    access: AccountAccess,
    name: str,
    prompts: tuple[SmokePrompt, ...],
) -> list[PromptResult]:
    """Each prompt's result, in order."""
    results = []
    for index, prompt in enumerate(prompts, 1):
        where = f"smoke test {index}/{len(prompts)} on {name}"
        ctx.update(where)
        try:
            answer = _ask(app, ctx, access, name, prompt, where)
        except AzureError as exc:
            results.append(PromptResult(index, prompt, None, describe(exc)))
            continue
        results.append(PromptResult(index, prompt, answer.text))
    return results


def after_put(
    app: ApplyContext,
    ctx: TaskContext,
    change: Change,
    before: ObservedDeployment | None,
    outcome: Outcome,
) -> Outcome:
    """The step's outcome once the deployment's smoke test ran (as it was when no PUT was
    made, or the spec has no smoke test). ``before``: the deployment as read right before the
    PUT (None: there was none), which a rollback puts back."""
    if outcome.status is not TaskStatus.DONE or outcome.value is None:
        return outcome
    after = change.after
    desired = app.desired.deployments.get(change.address.removeprefix("deployment."))
    if not isinstance(after, DeploymentAfter) or desired is None or not desired.smoke_test:
        return outcome
    access = app.account(after.account)
    prompts = desired.smoke_test
    results = run_smoke_test(app, ctx, access, after.name, prompts)
    failed = [r for r in results if not r.passed]
    count = len(prompts)
    if not failed:
        ctx.log(f"{change.address}: smoke test passed: {count}/{count} prompts")
        return Outcome.done(
            f"{outcome.message}; smoke test passed: {count}/{count} prompts", value=outcome.value
        )
    message = (
        f"smoke test failed on {change.address} ({after.name} in {access.name}): "
        f"{count - len(failed)}/{count} prompts passed; "
        + "; ".join(failure_text(r, count) for r in failed)
    )
    if app.options.rollback_on_smoke_failure:
        from reconciler.apply.smoke_rollback import roll_back

        try:
            message += f"; {roll_back(app, ctx, change, access, before)}"
        except AzureError as exc:
            message += f"; the rollback failed: {describe(exc)}"
    else:
        message += (
            "; it keeps what this apply wrote (apply --rollback-on-smoke-failure puts back what "
            "it was before)"
        )
    return Outcome.failed(message)


def deletes_wait_for(change: Change, changes: list[Change]) -> tuple[str, ...]:
    """For a deployment delete: the smoke-tested deployment writes of its account in this apply,
    which it runs after. A failed smoke test then blocks the delete: what serves now keeps
    serving while its replacement answers wrongly (the spec moved a deployment to a new name,
    say); a write still waiting for training makes the delete wait too."""
    if change.type is not ResourceType.DEPLOYMENT or change.action is not Action.DELETE:
        return ()
    accounts = accounts_of(change)
    return tuple(
        other.address
        for other in changes
        if other.type is ResourceType.DEPLOYMENT
        and other.action is not Action.DELETE
        and DETAILS_KEY in other.details
        and accounts_of(other) & accounts
    )
