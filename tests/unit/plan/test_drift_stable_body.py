"""The scheduled drift workflow rewrites its issue only when the markdown changed: two reads of
the same Azure a day apart (the Activity Log's window moved, nothing else) render the same."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.plan import Desired, Observed, drift_report, render_drift_markdown

CASE = Path(__file__).resolve().parents[2] / "cases" / "drift-never-applied-pending"


def _markdown(later: int) -> str:
    desired = Desired.from_json(json.loads((CASE / "desired.json").read_text(encoding="utf-8")))
    text = (CASE / "observed.json").read_text(encoding="utf-8")
    # the next morning's run: the same events, the window one day later
    text = text.replace("2025-12-02T12:00:00Z", f"2025-12-{2 + later:02d}T12:00:00Z")
    text = text.replace("2026-01-01T12:00:00Z", f"2026-01-{1 + later:02d}T12:00:00Z")
    return render_drift_markdown(drift_report(desired, Observed.from_json(json.loads(text))))


def test_a_pending_entry_reads_the_same_the_next_day() -> None:
    today, tomorrow = _markdown(0), _markdown(1)
    assert "Pending apply" in today and "last 30 days" in today
    assert today == tomorrow
