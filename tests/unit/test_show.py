"""`reconciler show` rendering: loss curves from results.csv and the sparkline."""

from __future__ import annotations

from reconciler.commands.show import loss_curve
from reconciler.render.show import SPARK, sparkline

COLUMNS = (
    "step,train_loss,train_mean_token_accuracy,valid_loss,validation_mean_token_accuracy,"
    "full_valid_loss,full_valid_mean_token_accuracy\n"
)
RESULTS = (
    COLUMNS
    + """1,2.5,0.40,2.6,0.39,,
2,1.9,0.55,2.0,0.52,,
3,1.1,0.71,1.3,0.68,1.25,0.69
"""
)


def test_loss_curve_reads_train_loss_by_step() -> None:
    assert loss_curve(RESULTS) == [2.5, 1.9, 1.1]


def test_loss_curve_skips_rows_without_a_number() -> None:
    assert loss_curve("step,train_loss\n1,\n2,abc\n3,0.5\n") == [0.5]


def test_sparkline_maps_low_to_high_blocks() -> None:
    line = sparkline([3.0, 2.0, 1.0])
    assert line[0] == SPARK[-1] and line[-1] == SPARK[0]
    assert len(line) == 3


def test_sparkline_resamples_to_width_and_handles_flat_and_empty() -> None:
    assert len(sparkline([float(i) for i in range(500)], width=40)) == 40
    assert sparkline([1.0, 1.0]) == SPARK[0] * 2
    assert sparkline([]) == ""
