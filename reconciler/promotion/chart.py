"""Loss curves drawn: a terminal sparkline, and a Mermaid `xychart-beta` chart that GitHub
renders in comments and job summaries.

The chart's syntax is Mermaid's published one (mermaid.js.org/syntax/xyChart): a header
`xychart-beta`, an optional `title "…"`, `x-axis "title" MIN --> MAX` (numeric) or
`x-axis "title" [a, b]` (categories), `y-axis "title" MIN --> MAX`, then one `line [n, …]`
per series, drawn in the order written. There is no legend, so whoever shows a chart says under
it which line is which (`legend`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

SPARK = "▁▂▃▄▅▆▇█"
#: points per chart series: every 5 % of training
CHART_POINTS = 20
X_TITLE = "training progress, percent"

Point = tuple[int, float]


def sparkline(values: Sequence[float], width: int = 40) -> str:
    """The values, resampled to at most `width` points, as block characters (low to high)."""
    if not values:
        return ""
    if len(values) > width:
        step = len(values) / width
        values = [values[int(i * step)] for i in range(width)]
    low, high = min(values), max(values)
    span = high - low or 1.0
    return "".join(
        SPARK[min(len(SPARK) - 1, int((v - low) / span * (len(SPARK) - 1)))] for v in values
    )


def at_fractions(
    points: Sequence[Point], total_steps: int | None, count: int = CHART_POINTS
) -> list[float]:
    """The curve's value at each 1/count of training (the last point at or before it, else the
    first): two jobs of different lengths drawn over the same x positions."""
    if not points:
        return []
    total = total_steps or points[-1][0] or 1
    out: list[float] = []
    index = 0
    for i in range(1, count + 1):
        step = total * i / count
        while index + 1 < len(points) and points[index + 1][0] <= step:
            index += 1
        out.append(points[index][1])
    return out


def _number(value: float) -> str:
    """Plain decimal (Mermaid's lexer reads no exponent), four places, zeros trimmed."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _label(text: str) -> str:
    # a quoted Mermaid text may hold no double quote; "%%" would start a comment
    return '"' + text.replace('"', "'").replace("%", " percent") + '"'


def xychart(title: str, y_title: str, series: Sequence[Sequence[float]]) -> list[str]:
    """A Mermaid block (fenced) drawing each series as a line over "% of training" 0..100."""
    values = [v for line in series for v in line]
    if not values:
        return []
    low, high = min(values), max(values)
    pad = (high - low) * 0.05 or abs(high) * 0.05 or 0.05
    lines = [
        "```mermaid",
        "xychart-beta",
        f"    title {_label(title)}",
        f"    x-axis {_label(X_TITLE)} 0 --> 100",
        f"    y-axis {_label(y_title)} {_number(max(0.0, low - pad))} --> {_number(high + pad)}",
    ]
    lines += [f"    line [{', '.join(_number(v) for v in line)}]" for line in series if line]
    lines.append("```")
    return lines


_NUM = r"-?\d+(?:\.\d+)?"
_XYCHART_LINE = re.compile(
    rf'^(?:xychart-beta|    title "[^"%]*"|    [xy]-axis "[^"%]*" {_NUM} --> {_NUM}'
    rf"|    line \[{_NUM}(?:, {_NUM})*\])$"
)


def xychart_problems(block: Sequence[str]) -> list[str]:
    """The lines of a fenced chart that are outside the subset of Mermaid's xychart syntax
    this module writes (a strict check for tests and for what we emit)."""
    problems = []
    if not block or block[0] != "```mermaid" or block[-1] != "```":
        return ["not a fenced mermaid block"]
    body = block[1:-1]
    if not body or body[0] != "xychart-beta":
        problems.append("the first line is not xychart-beta")
    problems += [f"not xychart syntax: {line!r}" for line in body if not _XYCHART_LINE.match(line)]
    if not any(line.startswith("    line [") for line in body):
        problems.append("no line series")
    return problems
