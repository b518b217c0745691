"""Every JSON body the emulator accepts (ARM, data plane, admin API) is read here, so that no
request can smuggle in a value the emulator cannot store or answer again.

Refused at parse time, before any route looks at the body:
- text that is not UTF-8, and strings (keys or values) holding a lone surrogate (``"\\ud800"``):
  stored, they make every later answer that renders them fail to encode;
- ``NaN``, ``Infinity`` and numbers that overflow to them (``1e400``): not JSON (RFC 8259 §6),
  and one non-finite clock offset breaks every timestamp afterwards;
- integers outside 64 bits (Python parses 4,000 digits happily; nothing the services take is
  wider than int64);
- nesting deeper than ``MAX_DEPTH`` (deeper than any body of the services, and far below the
  interpreter's recursion limit that the parser itself would otherwise hit).

``-0.0`` is read as ``0.0``: a negative zero passes ``< 0`` checks and then prints as ``-0``.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 64
_INT64 = 2**63


class JsonInputError(ValueError):
    """The body is not JSON the emulator accepts; the message says why (never the value)."""


def _constant(name: str) -> Any:
    raise JsonInputError(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonInputError("a number is too large")
    return value + 0.0  # -0.0 + 0.0 is 0.0


def _int(text: str) -> int:
    # Length first: int() of thousands of digits is slow and then refused by the interpreter.
    if len(text) > 20 or not -_INT64 <= (value := int(text)) < _INT64:
        raise JsonInputError("an integer is outside the 64-bit range")
    return value


def parse(raw: bytes | str) -> Any:
    """The JSON value of ``raw``, or JsonInputError."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise JsonInputError("the body is not UTF-8 text") from None
    else:
        text = raw
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except JsonInputError:
        raise
    except RecursionError:
        raise JsonInputError(f"the body is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError included
        raise JsonInputError(f"the body is not valid JSON ({_reason(exc)})") from None
    check(value)
    return value


def check(value: Any) -> None:
    """Refuse too deep nesting and strings that are not Unicode text, without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _text(item)
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise JsonInputError(f"the body is nested deeper than {MAX_DEPTH} levels")
            if isinstance(item, dict):
                for name, child in item.items():
                    _text(name)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def _text(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise JsonInputError("a string holds a lone surrogate (not Unicode text)") from None


def _reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return "malformed value"
