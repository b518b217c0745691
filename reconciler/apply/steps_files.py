"""Uploading a dataset's content to an account, once, and waiting until the service processed it.

Before uploading, one list call looks for a file with the same sha256 in its name and the same
size that is processed or still being processed: that one is used instead (another apply, or
one that was killed, uploaded it). An upload that fails in a way that may have taken effect
looks again before it is retried, so one content never becomes two files. A file the service
rejects fails the step with the service's reason and the dataset's path.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reconciler.apply.context import ApplyContext
from reconciler.apply.progress import human_bytes
from reconciler.apply.scheduler import Outcome, TaskContext
from reconciler.azure import lookup, write
from reconciler.confined import RefusedFile
from reconciler.datasets.upload_source import ChangedSinceValidation
from reconciler.plan.model import Action, Change
from reconciler.plan.observed import FileState, file_state

JSON = dict[str, Any]
_RANK = {FileState.READY: 2, FileState.PENDING: 1}


def pick_file(files: Iterable[JSON], exclude: frozenset[str] = frozenset()) -> JSON | None:
    """The file to use among those holding the content: processed before pending, then the
    newest; rejected and deleted ones never; ``exclude`` lists ids not to reuse."""
    usable = [
        f
        for f in files
        if str(f.get("id")) not in exclude and file_state(str(f.get("status") or "")) in _RANK
    ]
    if not usable:
        return None
    return max(
        usable,
        key=lambda f: (
            _RANK[file_state(str(f.get("status") or ""))],
            int(f.get("created_at") or 0),
            str(f.get("id")),
        ),
    )


def file_label(change: Change) -> str:
    after = change.after or {}
    size = human_bytes(int(after.get("bytes") or 0))
    if change.action is Action.WAIT:
        return f"wait for {after.get('dataset')} to be processed in {after.get('account_name')}"
    return f"upload {after.get('dataset')} ({size}) to {after.get('account_name')}"


def run_file(app: ApplyContext, change: Change, ctx: TaskContext) -> Outcome:
    after = change.after or {}
    access = app.account(str(after["account"]))
    client = lookup.data_plane_for(app.clients, access)
    name = access.name
    sha256, size = str(after["sha256"]), int(after["bytes"])
    dataset = str(after["dataset"])
    shown = str(after.get("path") or dataset)

    def holding(exclude: frozenset[str] = frozenset()) -> tuple[JSON | None, list[JSON]]:
        files = app.call(
            ctx,
            f"list files in {name}",
            lambda: lookup.files_with_content(client, name, sha256, size),
        )
        return pick_file(files, exclude), files

    # --replace asks for a new upload: what exists now is not reused, but is not counted
    # as ours after a doubtful upload either.
    replacing = change.address in app.replace and change.action is not Action.WAIT
    found, present = holding()
    existing = frozenset(str(f.get("id")) for f in present) if replacing else frozenset()
    if replacing:
        found = None

    if found is not None:
        file_id = str(found["id"])
        ctx.update(f"{file_id} already holds this content in {name}")
    else:
        source = app.dataset_paths.get(dataset)
        if source is None:  # only validated files are uploaded
            return Outcome.failed(f"dataset {dataset} was not validated in this run; not uploaded")

        def look_again() -> JSON | None:
            return holding(existing)[0]

        try:  # read once, while sent; completed only as validated (datasets.upload_source)
            uploaded = app.call(
                ctx,
                f"upload {shown} to {name}",
                lambda: write.upload_file(
                    client,
                    name,
                    source,
                    str(after["filename"]),
                    sha256=sha256,
                    size=size,
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
                f"{shown} changed since it was validated ({now}expected {sha256[:12]}…); "
                "nothing was uploaded; run apply again"
            )
        file_id = str(uploaded["id"])
    return _wait_processed(app, ctx, client, name, file_id, dataset, shown)


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
