"""One JSONL line to one JSON object, or the reason it is not one."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, cast

from reconciler.datasets.problems import ProblemCollector


class _NotJson(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON (and the service) do not.
    raise _NotJson(f"{name} is not valid JSON (numbers must be finite)")


def _finite_float(text: str) -> float:
    # 1e400 is JSON, but no 64-bit float: Python makes it infinity, which nothing downstream
    # can write back as JSON (the canonical form of an example would turn it into null).
    value = float(text)
    if math.isinf(value):
        raise _NotJson(f"{text} is too large for a number (beyond a 64-bit float)")
    return value


_decoder = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)
# The C scanner the decoder runs: called directly for a line that is one object and nothing
# else, it spares ``decode``'s two whitespace matches and its Python frames (a tenth of the
# parsing); anything else takes ``decode``, which says what is wrong.
_scan_once: Callable[[str, int], tuple[Any, int]] = _decoder.scan_once  # type: ignore[attr-defined]

_JSON_TYPES = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true/false",
    type(None): "null",
}


def json_type(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def decode_line(raw: bytes, line: int, problems: ProblemCollector) -> dict[str, Any] | None:
    """The JSON object on this line, or ``None`` after reporting why there is none."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        col = len(raw[: exc.start].decode("utf-8", "replace")) + 1
        bad = raw[exc.start : exc.start + 1].hex()
        problems.error(
            f"invalid UTF-8 (byte 0x{bad}); save the file as UTF-8"
            + (" (NUL bytes suggest UTF-16 or UTF-32)" if b"\x00" in raw else ""),
            line,
            col,
        )
        return None
    if text[:1] == "{":
        try:
            found, end = _scan_once(text, 0)
        except Exception:  # ``decode`` below meets it again and reports it
            pass
        else:
            if end == len(text):
                return cast(dict[str, Any], found)
    try:
        value = _decoder.decode(text)
    except json.JSONDecodeError as exc:
        hint = ""
        if "\x00" in text:
            hint = " (NUL bytes suggest a UTF-16 or UTF-32 file; save it as UTF-8)"
        elif text.startswith("\ufeff"):
            hint = " (a byte-order mark is only allowed at the start of the file)"
        problems.error(f"not valid JSON: {exc.msg}{hint}", line, exc.colno)
        return None
    except RecursionError:
        problems.error("not valid JSON: nested too deeply", line)
        return None
    except ValueError as exc:  # _NotJson, or an integer with too many digits
        problems.error(f"not valid JSON: {exc}", line)
        return None
    if not isinstance(value, dict):
        problems.error(f"each line must be a JSON object, not {json_type(value)}", line)
        return None
    return value
