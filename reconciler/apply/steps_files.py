"""Uploading a dataset's content to an account, once, and waiting until the service processed it.

Before uploading, one list call reads the account's files and the file kind decides
(`reconciler.kinds.file.decide`, as the planner does): a file with the same sha256 in its name
and the same size that is processed or still being processed is used instead (another apply, or
one that was killed, uploaded it). An upload that fails in a way that may have taken effect
looks again before it is retried, so one content never becomes two files. A file the service
rejects fails the step with the service's reason and the dataset's path.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reconciler.adopted_files import mark_files
from reconciler.apply.context import ApplyContext
from reconciler.apply.progress import human_bytes
from reconciler.apply.scheduler import Outcome, TaskContext
from reconciler.azure import lookup, write
from reconciler.confined import RefusedFile
from reconciler.datasets.upload_source import ChangedSinceValidation
from reconciler.kinds import file
from reconciler.kinds.file import FileAfter, FileBefore, FileDecision
from reconciler.plan.desired import DesiredFile
from reconciler.plan.model import Action, Change
from reconciler.plan.observed import FileState, ObservedFile, file_state

JSON = dict[str, Any]


def _after(change: Change) -> FileAfter:
    after = change.after
    if not isinstance(after, FileAfter):
        raise TypeError(f"{change.address}: not a file change")
    return after


def file_label(change: Change) -> str:
    after = _after(change)
    size = human_bytes(after.bytes)
    if change.action is Action.WAIT:
        return f"wait for {after.dataset} to be processed in {after.account_name}"
    return f"upload {after.dataset} ({size}) to {after.account_name}"


def upload_decision(
    change: Change, files: Iterable[ObservedFile], replace: frozenset[str]
) -> FileDecision:
    """The file kind's decision on the files read right before an upload: the same `decide`
    as the planner's, for content that a job to be created needs."""
    after = _after(change)
    desired = DesiredFile(
        after.dataset, after.account, after.sha256, after.bytes, after.path, after.filename
    )
    replacing = _replacing(change, replace)
    if isinstance(change.before, FileBefore):  # what the plan saw holding the content still does
        files = mark_files(list(files), change.before.id, after.sha256)
    return file.decide(desired, after.account_name, files, needed=True, replace=replacing)


def _replacing(change: Change, replace: frozenset[str]) -> bool:
    """--replace asks for a new upload (unless the plan waits for one still processing)."""
    return change.address in replace and change.action is not Action.WAIT


def run_file(app: ApplyContext, change: Change, ctx: TaskContext) -> Outcome:
    after = _after(change)
    access = app.account(after.account)
    client = lookup.data_plane_for(app.clients, access)
    name = access.name
    shown = after.path or after.dataset

    def files() -> list[ObservedFile]:
        return app.call(ctx, f"list files in {name}", lambda: lookup.list_files(client, name))

    # --replace asks for a new upload: what exists now is not reused, but is not counted
    # as ours after a doubtful upload either.
    present = files()
    decision = upload_decision(change, present, app.replace)
    replacing = _replacing(change, app.replace)
    existing = frozenset(f.id for f in present) if replacing else frozenset()

    if decision.action is not Action.CREATE and decision.use is not None:
        file_id = decision.use.id
        ctx.update(f"{file_id} already holds this content in {name}")
    else:
        source = app.dataset_paths.get(after.dataset)
        if source is None:  # only validated files are uploaded
            return Outcome.failed(
                f"dataset {after.dataset} was not validated in this run; not uploaded"
            )

        def look_again() -> JSON | None:
            """The file a doubtful upload made, if it did (none of those seen before it)."""
            fresh = [f for f in files() if f.id not in existing]
            again = upload_decision(change, fresh, frozenset())
            if again.action is Action.CREATE or again.use is None:
                return None
            return again.use.to_json()

        try:  # read once, while sent; completed only as validated (datasets.upload_source)
            uploaded = app.call(
                ctx,
                f"upload {shown} to {name}",
                lambda: write.upload_file(
                    client,
                    name,
                    source,
                    after.filename,
                    sha256=after.sha256,
                    size=after.bytes,
                    on_progress=ctx.upload,
                ),
                before_retry=look_again,
                idempotent=False,
            )
        except RefusedFile as exc:
            return Outcome.failed(str(exc))
        except ChangedSinceValidation as exc:
            now = f"sha256 {exc.sha256[:12]}…, " if exc.sha256 else ""
            return Outcome.failed(
                f"{shown} changed since it was validated ({now}expected {after.sha256[:12]}…); "
                "nothing was uploaded; run apply again"
            )
        file_id = str(uploaded["id"])
    return _wait_processed(app, ctx, client, name, file_id, after.dataset, shown)


def _wait_processed(
    app: ApplyContext,
    ctx: TaskContext,
    client: Any,
    name: str,
    file_id: str,
    dataset: str,
    shown: str,
) -> Outcome:
    limit = app.options.file_wait_seconds
    started = app.clock()
    while True:
        current = app.call(
            ctx, f"GET file {file_id} in {name}", lambda: write.get_file(client, name, file_id)
        )
        status = str(current.get("status") or "")
        state = file_state(status)
        if state is FileState.READY:
            return Outcome.done(f"{file_id} processed in {name}", value=file_id)
        if state is FileState.ERROR:
            reason = str(current.get("status_details") or "no reason given")
            return Outcome.failed(
                f"{name} rejected {shown} (dataset {dataset}, {file_id}): {reason}"
            )
        if state is FileState.GONE:
            return Outcome.failed(f"{file_id} ({shown}) was deleted in {name} while processed")
        if app.out_of_time():
            app.mark_timed_out(ctx.task_id)
            return Outcome.pending(f"{file_id} is still {status} in {name} at --timeout")
        if app.clock() - started >= limit:
            return Outcome.pending(f"{file_id} is still {status} in {name} after {limit:g} s")
        ctx.update(f"{file_id} {status}")
        app.pause(ctx, app.options.file_poll_seconds)
