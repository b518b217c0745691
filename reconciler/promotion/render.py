"""A deployment change's gate and promotion as a plan shows them (display data from the
change's `details`, so a saved plan shows the same): the gate's verdict per metric, or when it
is checked; the serving model's metrics beside the new one's, and both train-loss curves (a
sparkline in the terminal, a Mermaid chart in markdown)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.plan.model import Change
from reconciler.promotion.chart import at_fractions, sparkline, xychart
from reconciler.promotion.gate import MetricVerdict
from reconciler.promotion.metrics import CURVES
from reconciler.promotion.names import GATE_METRICS, canonical


def _bounds_text(bounds: Mapping[str, Any]) -> str:
    parts = []
    for name, bound in sorted(bounds.items()):
        verdict = MetricVerdict(name, None, bound.get("min"), bound.get("max"))
        parts.append(f"{name} {verdict.bound}")
    return ", ".join(parts)


def gate_lines(change: Change) -> list[str]:
    gate = change.details.get("gate")
    if not isinstance(gate, dict):
        return []
    if gate.get("pending"):
        return [f"gate: checked when {gate['pending']} finishes ({_bounds_text(gate['bounds'])})"]
    if gate.get("unread"):
        return [
            f"gate: checked by apply on {gate['unread']}'s final metrics "
            f"({_bounds_text(gate['bounds'])})"
        ]
    verdicts = [MetricVerdict.from_json(m) for m in gate.get("metrics") or ()]
    holds = all(v.holds for v in verdicts)
    head = f"gate on {gate.get('job_id')}: " + ("holds" if holds else "fails")
    return [head, *(f"  {v.line()}" for v in verdicts)]


def _sides(change: Change) -> tuple[dict[str, Any], dict[str, Any]] | None:
    promotion = change.details.get("promotion")
    if not isinstance(promotion, dict):
        return None
    serving, new = promotion.get("serving"), promotion.get("new")
    if not isinstance(serving, dict) or not isinstance(new, dict):
        return None
    return serving, new


def _metric_names(sides: Sequence[Mapping[str, Any]]) -> list[str]:
    found = {str(k) for side in sides for k in side.get("metrics") or {}}
    order = [canonical(n) for n in GATE_METRICS]
    known = [n for n in dict.fromkeys(order) if n in found]
    return known + sorted(found - set(known))


def _value(side: Mapping[str, Any], name: str) -> str:
    value = (side.get("metrics") or {}).get(name)
    return "–" if value is None else f"{float(value):.4g}"


def _who(side: Mapping[str, Any]) -> str:
    return f"job.{side.get('job')} ({side.get('job_id')})"


def _short_who(side: Mapping[str, Any]) -> str:
    """ "job.x (ftjob-0f3c1e2d…)": two runs of one spec job differ by their id."""
    job_id = str(side.get("job_id") or "")
    cut = job_id[:14] + "…" if len(job_id) > 15 else job_id
    return f"job.{side.get('job')} ({cut})"


def _curve(side: Mapping[str, Any], name: str) -> list[tuple[int, float]]:
    points = (side.get("curves") or {}).get(name) or []
    return [(int(s), float(v)) for s, v in points]


def promotion_lines(change: Change) -> list[str]:
    """The terminal's lines: the gate, then the metrics in two columns and a sparkline each."""
    lines = gate_lines(change)
    sides = _sides(change)
    if sides is None:
        return lines
    serving, new = sides
    names = _metric_names(sides)
    width = max([len(n) for n in names] + [len("metric")])
    heads = (f"serving {_short_who(serving)}", f"new {_short_who(new)}")
    left = max(len(heads[0]), 8)
    lines.append(f"{'metric':<{width}}  {heads[0]:<{left}}  {heads[1]}")
    for name in names:
        lines.append(f"{name:<{width}}  {_value(serving, name):<{left}}  {_value(new, name)}")
    for curve in CURVES:
        for label, side in (("serving", serving), ("new", new)):
            values = [v for _, v in _curve(side, curve)]
            if values:
                title = f"{curve.replace('_', ' ')} ({label})"
                lines.append(
                    f"{title:<{width}}  {values[0]:.3f} {sparkline(values)} {values[-1]:.3f}"
                )
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def promotion_markdown(change: Change) -> list[str]:
    """Markdown: the gate's verdicts, a table of both jobs' metrics, and both train-loss
    curves as one Mermaid chart with a line saying which line is which."""
    lines: list[str] = []
    gate = gate_lines(change)
    if gate:
        lines += [f"- {_cell(gate[0])}", *(f"  - {_cell(g.strip())}" for g in gate[1:]), ""]
    sides = _sides(change)
    if sides is None:
        return lines
    serving, new = sides
    lines += [
        f"| metric | serving `job.{serving.get('job')}` ({serving.get('job_id')}) "
        f"| new `job.{new.get('job')}` ({new.get('job_id')}) |",
        "|---|---:|---:|",
    ]
    for name in _metric_names(sides):
        lines.append(f"| `{name}` | {_value(serving, name)} | {_value(new, name)} |")
    lines.append("")
    series = [at_fractions(_curve(side, "train_loss"), side.get("total_steps")) for side in sides]
    if all(series):
        lines += xychart(f"train_loss: {change.address}", "train loss", series)
        lines += [
            "",
            f"First line: serving {_who(serving)}; second line: new {_who(new)} "
            "(x: percent of each job's training steps).",
            "",
        ]
    return lines
