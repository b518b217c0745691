"""How apply shows what it is doing: progress bars on a terminal, timestamped lines in CI logs.

``Progress`` is the interface the scheduler and the tasks talk to; its methods do nothing, so it
doubles as the silent implementation. ``RichProgress`` draws bars on a terminal (stderr);
``PlainProgress`` writes one timestamped line per event with no escape codes, throttled so that a
long wait does not print a line per poll. ``make_progress`` picks one for a stream.

Every method may be called from several worker threads at once.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    ProgressColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as RichBars
from rich.progress import Task as RichTask
from rich.table import Column
from rich.text import Text


class Progress:
    """What apply reports while it runs. This base class ignores everything."""

    def task_started(self, task_id: str, label: str) -> None:
        pass

    def task_update(self, task_id: str, message: str, fraction: float | None = None) -> None:
        pass

    def upload_progress(self, task_id: str, sent: int, total: int) -> None:
        pass

    def task_finished(self, task_id: str, status: str, message: str) -> None:
        pass

    def log(self, message: str) -> None:
        pass

    def close(self) -> None:
        pass


# Service messages are printed verbatim, so they must not be able to move the cursor or colour a
# CI log: escape sequences (CSI, OSC, any other ESC pair) go, other control characters (newlines
# included: one event, one line) become spaces. Tab stays.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?")
_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """``text`` on one line, without escape sequences or control characters."""
    return _CONTROLS.sub(" ", _ESCAPES.sub("", text)).strip()


def utc_stamp(epoch: float) -> str:
    """``2026-11-23T09:12:00Z``: the timestamp format of plain lines and lock files."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def human_bytes(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(count) < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


class PlainProgress(Progress):
    """Timestamped lines for logs: ``2026-11-23T09:12:00Z job.clippy running epoch 2/3 ...``.

    Starts and finishes are always printed. Updates and upload progress of one task are printed
    when they change, but at most once per ``min_interval`` seconds; an unchanged state is
    repeated every ``heartbeat`` seconds so a long wait still shows the run is alive. A change
    held back by ``min_interval`` comes out with the next line of that task.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        min_interval: float = 10.0,
        heartbeat: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._stream = stream
        self._min_interval = min_interval
        self._heartbeat = heartbeat
        self._clock = clock
        self._lock = threading.Lock()
        self._last_text: dict[str, str] = {}
        self._last_at: dict[str, float] = {}

    def _write(self, text: str, now: float) -> None:
        self._stream.write(f"{utc_stamp(now)} {clean(text)}\n")
        self._stream.flush()

    def _throttled(self, task_id: str, text: str) -> None:
        with self._lock:
            now = self._clock()
            last_text = self._last_text.get(task_id)
            since = now - self._last_at.get(task_id, float("-inf"))
            changed = text != last_text
            if (changed and since >= self._min_interval) or since >= self._heartbeat:
                self._last_text[task_id] = text
                self._last_at[task_id] = now
                self._write(f"{task_id} {text}", now)

    def task_started(self, task_id: str, label: str) -> None:
        with self._lock:
            now = self._clock()
            self._last_text.pop(task_id, None)
            self._last_at.pop(task_id, None)
            self._write(f"{task_id} started: {label}" if label else f"{task_id} started", now)

    def task_update(self, task_id: str, message: str, fraction: float | None = None) -> None:
        text = message if fraction is None else f"{message} ({fraction:.0%})"
        self._throttled(task_id, text)

    def upload_progress(self, task_id: str, sent: int, total: int) -> None:
        share = f" ({sent / total:.0%})" if total > 0 else ""
        text = f"uploaded {human_bytes(sent)} of {human_bytes(total)}{share}"
        if total > 0 and sent >= total:
            with self._lock:  # the last chunk is always worth a line
                now = self._clock()
                self._last_text[task_id] = text
                self._last_at[task_id] = now
                self._write(f"{task_id} {text}", now)
            return
        self._throttled(task_id, text)

    def task_finished(self, task_id: str, status: str, message: str) -> None:
        with self._lock:
            self._write(
                f"{task_id} {status}: {message}" if message else f"{task_id} {status}",
                self._clock(),
            )

    def log(self, message: str) -> None:
        with self._lock:
            self._write(message, self._clock())


_STATUS_MARK = {
    "done": ("✓", "green"),
    "pending": ("…", "yellow"),
    "failed": ("✗", "red"),
    "blocked": ("-", "red"),
    "not-started": ("-", "dim"),
    "blocked by its gate": ("⊘", "magenta"),
}


class _BytesColumn(ProgressColumn):
    """Bytes sent, total and speed, on upload rows only (waits have no byte count)."""

    def render(self, task: RichTask) -> Text:
        if not task.fields.get("upload") or task.total is None:
            return Text("")
        speed = task.speed
        rate = f" {human_bytes(speed)}/s" if speed else ""
        return Text(f"{human_bytes(task.completed)}/{human_bytes(task.total)}{rate}")


class RichProgress(Progress):
    """Bars on a terminal: bytes and speed for uploads, a bar or spinner for waits.

    A finished task leaves the bars and is printed as one line above them, so forty deployments
    do not fill the screen.
    """

    def __init__(self, stream: TextIO, *, no_color: bool = False) -> None:
        self._console = Console(file=stream, no_color=no_color, highlight=False)
        # On a narrow terminal (80 columns) the free text gives way first: the detail column
        # takes what is left and ends in "…", so the bar, bytes and elapsed time are never cut.
        self._bars = RichBars(
            SpinnerColumn(table_column=Column(no_wrap=True, width=1)),
            TextColumn(
                "{task.fields[name]}",
                style="bold",
                markup=False,
                table_column=Column(no_wrap=True, overflow="ellipsis", max_width=24),
            ),
            BarColumn(bar_width=12, table_column=Column(no_wrap=True, width=12)),
            TextColumn(
                "{task.fields[detail]}",
                markup=False,
                table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis", min_width=8),
            ),
            _BytesColumn(table_column=Column(no_wrap=True)),
            TimeElapsedColumn(table_column=Column(no_wrap=True, min_width=7)),
            console=self._console,
            transient=True,
            expand=True,  # the ratio of the detail column needs the full width
        )
        self._rows: dict[str, TaskID] = {}
        self._lock = threading.Lock()
        self._bars.start()

    def _row(self, task_id: str) -> TaskID:
        row = self._rows.get(task_id)
        if row is None:  # total None: a pulsing bar until a fraction or a byte count is known
            row = self._bars.add_task("", total=None, name=task_id, detail="", upload=False)
            self._rows[task_id] = row
        return row

    def task_started(self, task_id: str, label: str) -> None:
        with self._lock:
            self._bars.update(self._row(task_id), detail=clean(label))

    def task_update(self, task_id: str, message: str, fraction: float | None = None) -> None:
        with self._lock:
            row = self._row(task_id)
            if fraction is None:
                self._bars.update(row, detail=clean(message))
            else:
                self._bars.update(row, detail=clean(message), total=1.0, completed=fraction)

    def upload_progress(self, task_id: str, sent: int, total: int) -> None:
        with self._lock:
            self._bars.update(self._row(task_id), total=total, completed=sent, upload=True)

    def task_finished(self, task_id: str, status: str, message: str) -> None:
        with self._lock:
            row = self._rows.pop(task_id, None)
            if row is not None:
                self._bars.remove_task(row)
            mark, style = _STATUS_MARK.get(status, ("-", ""))
            line = Text(f"{mark} ", style=style)
            line.append(f"{task_id} {status}" + (f": {clean(message)}" if message else ""))
            self._console.print(line)

    def log(self, message: str) -> None:
        with self._lock:
            self._console.print(Text(clean(message)))

    def close(self) -> None:
        with self._lock:
            self._bars.stop()


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() not in ("", "0", "false", "no")


def make_progress(
    stream: TextIO,
    force_plain: bool = False,
    *,
    environ: Mapping[str, str] | None = None,
) -> Progress:
    """Bars on an interactive terminal; plain lines when asked, in CI, with NO_COLOR or no tty."""
    env = os.environ if environ is None else environ
    isatty = getattr(stream, "isatty", None)
    interactive = bool(isatty()) if callable(isatty) else False
    if (
        force_plain
        or not interactive
        or _truthy(env.get("CI"))
        or env.get("NO_COLOR", "") != ""
        or env.get("TERM") == "dumb"
    ):
        return PlainProgress(stream)
    return RichProgress(stream)
