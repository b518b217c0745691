"""One line to one JSON object: the direct scan gives what ``json`` gives, problems alike."""

from __future__ import annotations

import json
import math

import pytest

from reconciler.datasets.jsonline import decode_line
from reconciler.datasets.problems import ProblemCollector

LINES = [
    b'{"messages": [{"role": "user", "content": "hi"}]}',
    b'{"a":1}',
    b'{"a": "\\ud800 and \\u00e9 and \xc3\xa9"}',
    b'  {"a": 1}',  # leading and trailing whitespace: the general decode takes it
    b'{"a": 1}  ',
    b'{"a": 1}\r',
    b'{"a": 1} {"b": 2}',  # extra data
    b'{"a": NaN}',
    b'{"a": -Infinity}',
    b'{"a": 1e999}',
    b'{"a": 1',
    b'{"a": [1, 2,]}',
    b"{" * 100_000,
    b'{"a":[' * 100_000,
    b"[1, 2]",
    b'"text"',
    b"",
    b"\xff\xfe",
    b'{"a": "\x00"}',
    b'{"a": ' + b"1" * 5000 + b"}",
]


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # beyond a 64-bit float: refused, as NaN is
        raise ValueError(text)
    return value


def _reference(raw: bytes) -> tuple[object, list[str]]:
    """What ``json.JSONDecoder.decode`` alone gives: the value, or why there is none."""
    problems = ProblemCollector()
    try:
        value = json.loads(
            raw.decode("utf-8"), parse_constant=lambda name: 1 / 0, parse_float=_finite
        )
    except Exception as exc:  # any failure: decode_line must report one
        return None, [type(exc).__name__]
    return (value if isinstance(value, dict) else None), [str(p) for p in problems.kept_errors()]


@pytest.mark.parametrize("raw", LINES, ids=range(len(LINES)))
def test_the_direct_scan_gives_what_the_decoder_gives(raw: bytes) -> None:
    problems = ProblemCollector()
    value = decode_line(raw, 3, problems)
    expected, failed = _reference(raw)
    assert value == expected
    assert (problems.error_count > 0) == (expected is None)
    if expected is None:
        assert failed or problems.error_count == 1
        assert all(p.line == 3 for p in problems.kept_errors())


def test_problems_keep_their_messages_and_columns() -> None:
    found: dict[bytes, str] = {}
    for raw in (
        b'{"a": 1} {"b": 2}',
        b'{"a": NaN}',
        b'{"a": 1',
        b'{"a":[' * 100_000,
        b'{"a": -1e999}',
    ):
        problems = ProblemCollector()
        assert decode_line(raw, 1, problems) is None
        (problem,) = problems.kept_errors()
        found[raw[:12]] = f"{problem.col}: {problem.message}"
    assert found == {
        b'{"a": 1} {"b': "10: not valid JSON: Extra data",
        b'{"a": NaN}': "0: not valid JSON: NaN is not valid JSON (numbers must be finite)",
        b'{"a": 1': "8: not valid JSON: Expecting ',' delimiter",
        b'{"a":[{"a":[': "0: not valid JSON: nested too deeply",
        b'{"a": -1e999': "0: not valid JSON: -1e999 is too large for a number (beyond a 64-bit "
        "float)",
    }
