"""Progress output (plain lines for logs, bars for terminals) and the final summary."""

from __future__ import annotations

import io
import re

from reconciler.apply.progress import (
    PlainProgress,
    RichProgress,
    clean,
    make_progress,
)
from reconciler.apply.scheduler import Outcome, Task, TaskContext, run_tasks
from reconciler.apply.summary import done_symbols, render_summary
from reconciler.kinds.deployment import DeploymentAfter, DeploymentBefore, DeploymentReason
from reconciler.kinds.job import DataRef, JobAfter, JobReason
from reconciler.plan.model import Action, Because, Change, Plan, ResourceType

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ")
EPOCH = 1795425120.0  # 2026-11-23T09:12:00Z


class Clock:
    def __init__(self) -> None:
        self.now = EPOCH

    def __call__(self) -> float:
        return self.now


def plain() -> tuple[PlainProgress, io.StringIO, Clock]:
    out = io.StringIO()
    clock = Clock()
    return PlainProgress(out, clock=clock), out, clock


def test_plain_lines_are_timestamped_and_free_of_escape_codes() -> None:
    progress, out, _ = plain()
    progress.task_started("job.clippy", "POST fine_tuning job clippy in aoai-swc")
    progress.task_update("job.clippy", "running epoch 2/3 step 40 train_loss 0.81")
    progress.task_update("deployment.x", "\x1b[31mred\x1b[0m text\nsecond line")
    progress.task_finished("job.clippy", "done", "succeeded")
    progress.log("\x1b]0;title\x07all done")
    lines = out.getvalue().splitlines()
    assert lines == [
        "2026-11-23T09:12:00Z job.clippy started: POST fine_tuning job clippy in aoai-swc",
        "2026-11-23T09:12:00Z job.clippy running epoch 2/3 step 40 train_loss 0.81",
        "2026-11-23T09:12:00Z deployment.x red text second line",
        "2026-11-23T09:12:00Z job.clippy done: succeeded",
        "2026-11-23T09:12:00Z all done",
    ]
    assert all(STAMP.match(line) for line in lines)
    assert "\x1b" not in out.getvalue()


def test_plain_updates_are_throttled_on_a_long_wait() -> None:
    progress, out, clock = plain()
    for second in range(30):  # one poll a second, nothing new
        clock.now = EPOCH + second
        progress.task_update("job.clippy", "running")
    assert len(out.getvalue().splitlines()) == 1
    clock.now = EPOCH + 30  # heartbeat: still alive
    progress.task_update("job.clippy", "running")
    clock.now = EPOCH + 31  # a change too soon after the last line waits
    progress.task_update("job.clippy", "running epoch 1/3 step 10")
    clock.now = EPOCH + 41
    progress.task_update("job.clippy", "running epoch 1/3 step 20")
    lines = out.getvalue().splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == [
        "job.clippy running",
        "job.clippy running",
        "job.clippy running epoch 1/3 step 20",
    ]
    assert lines[1].startswith("2026-11-23T09:12:30Z")


def test_plain_throttling_is_per_task_and_finishes_always_print() -> None:
    progress, out, _ = plain()
    progress.task_update("a", "one")
    progress.task_update("b", "one")
    progress.task_update("a", "two")  # same instant: held back
    progress.task_finished("a", "failed", "boom")
    assert [line.split(" ", 1)[1] for line in out.getvalue().splitlines()] == [
        "a one",
        "b one",
        "a failed: boom",
    ]


def test_plain_upload_progress_throttled_but_completion_shown() -> None:
    progress, out, clock = plain()
    total = 600 * 1024 * 1024
    for step in range(1, 10):
        clock.now = EPOCH + step
        progress.upload_progress("file.big@swc", step * total // 10, total)
    progress.upload_progress("file.big@swc", total, total)
    lines = [line.split(" ", 1)[1] for line in out.getvalue().splitlines()]
    assert lines == [
        "file.big@swc uploaded 60.0 MiB of 600.0 MiB (10%)",
        "file.big@swc uploaded 600.0 MiB of 600.0 MiB (100%)",
    ]


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_make_progress_chooses_by_terminal_and_environment() -> None:
    assert isinstance(make_progress(io.StringIO(), environ={}), PlainProgress)
    assert isinstance(make_progress(Tty(), environ={"CI": "true"}), PlainProgress)
    assert isinstance(make_progress(Tty(), environ={"NO_COLOR": "1"}), PlainProgress)
    assert isinstance(make_progress(Tty(), force_plain=True, environ={}), PlainProgress)
    rich = make_progress(Tty(), environ={"CI": "false"})
    assert isinstance(rich, RichProgress)
    rich.close()


def test_rich_progress_prints_finished_tasks() -> None:
    out = io.StringIO()
    progress = RichProgress(out, no_color=True)
    progress.task_started("file.train@swc", "upload train.jsonl")
    progress.upload_progress("file.train@swc", 512, 1024)
    progress.task_update("job.clippy", "running [epoch 1/3]", 0.3)
    progress.task_finished("file.train@swc", "done", "processed [file-abc]")
    progress.task_finished("job.clippy", "pending", "still training")
    progress.close()
    text = out.getvalue()
    assert "file.train@swc done: processed [file-abc]" in text  # brackets are not markup
    assert "job.clippy pending: still training" in text


def test_clean_keeps_ordinary_text() -> None:
    assert clean("épochs 2/3 — loss 0.81\t[ok]") == "épochs 2/3 — loss 0.81\t[ok]"


def test_summary_names_the_failure_what_it_blocked_and_what_is_pending() -> None:
    def reject(ctx: TaskContext) -> Outcome:
        raise RuntimeError("POST files: invalidPayload: line 3 is not JSON (data/train.jsonl)")

    tasks = [
        Task("file.train@swc", reject, label="upload train"),
        Task("job.clippy", lambda ctx: Outcome.done(), ("file.train@swc",)),
        Task("deployment.clippy-swc", lambda ctx: Outcome.done(), ("job.clippy",), "aoai-swc"),
        Task("job.other", lambda ctx: Outcome.pending("training: running, epoch 1/3")),
        Task("deployment.other", lambda ctx: Outcome.done(), ("job.other",), "aoai-swc"),
        Task("deployment.base", lambda ctx: Outcome.done("created"), (), "aoai-ncus"),
    ]
    text = render_summary(run_tasks(tasks))
    assert "\x1b" not in text
    assert text.startswith("Apply finished in ")
    assert "1 done, 2 pending, 1 failed, 2 blocked." in text
    assert "  + deployment.base: created (" in text
    failed = text.split("Failed:\n", 1)[1]
    assert failed.startswith(
        "  ! file.train@swc: POST files: invalidPayload: line 3 is not JSON (data/train.jsonl)\n"
        "      which blocked: job.clippy, deployment.clippy-swc\n"
    )
    assert "  ! job.clippy: blocked by file.train@swc: POST files: invalidPayload" in text
    assert "  ! deployment.clippy-swc: blocked by file.train@swc:" in text
    assert "  ⏳ job.other: training: running, epoch 1/3" in text
    assert "  ⏳ deployment.other: waiting for job.other: training: running, epoch 1/3" in text
    sections = [line for line in text.splitlines() if line and not line.startswith(" ")]
    assert [s.split(" (")[0].rstrip(":") for s in sections[1:]] == [
        "Done",
        "Pending",
        "Failed",
        "Blocked",
    ]


def test_summary_of_nothing() -> None:
    assert render_summary(run_tasks([])).startswith("Apply finished in 0.0 s: nothing to do.")


def test_at_80_columns_long_rows_keep_their_bar_bytes_and_elapsed_time() -> None:
    from rich.console import Console

    progress = RichProgress(io.StringIO(), no_color=True)
    long_id = "deployment.clippy-swc-with-a-rather-long-name"
    progress.task_started(long_id, "create deployment (GlobalStandard, capacity 50)")
    progress.task_update(long_id, "provisioning: waiting for Azure to finish the deployment")
    progress.task_started("file.train@swc", "upload train.jsonl")
    progress.upload_progress("file.train@swc", 1_000_000, 5_000_000)
    screen = Console(file=io.StringIO(), width=80, color_system=None)
    screen.print(progress._bars.make_tasks_table(progress._bars.tasks))
    progress.close()
    rows = [row for row in screen.file.getvalue().splitlines() if row.strip()]  # type: ignore[attr-defined]
    assert len(rows) == 2, rows  # one line per task, nothing wrapped
    for row in rows:
        assert len(row) <= 80
        assert re.search(r" \d+:\d\d:\d\d$", row), row  # the whole elapsed time, at the end
        assert "━" in row  # the bar is shown
    assert "976.6 KiB/4.8 MiB" in rows[1]
    assert "…" in rows[0]  # the free text gave way


def test_done_carries_the_symbol_the_plan_showed() -> None:
    model = {"format": "OpenAI", "name": "m", "version": "1"}
    after = DeploymentAfter("a", "aoai-a", "d", model, "Standard", 1, {})
    before = DeploymentBefore("a", "aoai-a", "d", model, "Standard", 1, {}, "Succeeded")
    job = JobAfter(
        "a", "aoai-a", "later", "fp", None, DataRef("t", "0" * 64, None), None,
        "supervised", {}, None, None, "standard", {},
    )  # fmt: skip
    why = Because(DeploymentReason.MATCHES)
    plan = Plan(
        "clippy",
        (
            Change("deployment.new", ResourceType.DEPLOYMENT, Action.CREATE, why, None, after),
            Change("deployment.up", ResourceType.DEPLOYMENT, Action.UPDATE, why, before, after),
            Change("deployment.swap", ResourceType.DEPLOYMENT, Action.REPLACE, why, before, after),
            Change("deployment.gone", ResourceType.DEPLOYMENT, Action.DELETE, why, before, None),
            Change(
                "job.later", ResourceType.JOB, Action.WAIT, Because(JobReason.ABSENT), None, job
            ),
        ),
    )
    tasks = [
        Task(address, lambda ctx: Outcome.done("ok"))
        for address in ("deployment.new", "deployment.up", "deployment.swap", "deployment.gone")
    ] + [Task("job.later", lambda ctx: Outcome.done("created"))]
    text = render_summary(run_tasks(tasks), done_symbols(plan))
    done = text.split("Done:\n", 1)[1].splitlines()
    assert [line.split(": ")[0] for line in done] == [
        "  + deployment.new",
        "  ~ deployment.up",
        "  -/+ deployment.swap",
        "  - deployment.gone",
        "  + job.later",
    ]
