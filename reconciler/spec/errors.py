"""pydantic's validation errors as located, readable diagnostics.

pydantic reports a ``loc`` inside the validated value, mixed with union tags; the spec's user
wants ``main.yaml:12:7: error: unknown key 'capacty' in deployments.x.sku; did you mean
'capacity'?``. This module maps each error back to a key path of the YAML data, finds where
that was written, and rewrites the message.
"""

from __future__ import annotations

import datetime
import difflib
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Set
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from reconciler.errors import Diagnostic, Location
from reconciler.quoting import quote
from reconciler.spec.models import RULE_ERROR
from reconciler.spec.places import KeyPath, dotted

# Where a key path was written: its value (or key, for mappings), and its key.
Locate = Callable[[KeyPath], Location]
# Words longer than this get no "did you mean"; every name a spec refers to is shorter.
MAX_SUGGESTED = 200


def suggest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``word`` was most likely meant to be, if one is close enough."""
    if len(word) > MAX_SUGGESTED:
        return None  # nothing is a typo of a page of text; comparing it would only cost time
    options = list(dict.fromkeys(candidates))
    for option in options:
        if option.casefold() == word.casefold():
            return option
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return close[0]
    lowered = {o.casefold(): o for o in options}
    close = difflib.get_close_matches(word.casefold(), list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    found = suggest(word, candidates)
    return f"; did you mean {quote(found)}?" if found else ""


def describe(value: object) -> str:
    """A value as the user wrote it in YAML, with its kind when that is the problem."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing (null)"
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return f"the date {value.isoformat()} (quote it to make it a string)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bytes):
        return "binary data"
    return type(value).__name__


_TYPE_WORDS = {
    "string_type": "a string",
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "path_type": "a file path (a string)",
}
_NUMBER_LIMITS = {
    "greater_than": ("gt", "greater than"),
    "greater_than_equal": ("ge", "at least"),
    "less_than": ("lt", "less than"),
    "less_than_equal": ("le", "at most"),
}


def _data_path(data: object, loc: tuple[int | str, ...]) -> tuple[KeyPath, bool]:
    """The part of ``loc`` that names nodes of ``data``; union tags and the like are skipped.

    The flag says whether the last element of ``loc`` named an existing node.
    """
    path: list[str | int] = []
    current = data
    found_last = False
    for part in loc:
        in_dict = isinstance(current, dict) and part in current
        in_list = (
            isinstance(current, list)
            and isinstance(part, int)
            and not isinstance(part, bool)
            and 0 <= part < len(current)
        )
        found_last = in_dict or in_list
        if found_last:
            path.append(part)
            current = current[part]  # type: ignore[index]
    return tuple(path), found_last


def _model_classes(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _model_classes(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        for arg in typing.get_args(annotation):
            found.extend(_model_classes(arg))
    if origin is dict:  # a mapping of names to models (a multigrader's graders)
        return _model_classes(typing.get_args(annotation)[-1])
    return found


def _tag_of(model: type[BaseModel]) -> object:
    """The literal ``type`` a model of a tagged union carries (graders), if any."""
    field = model.model_fields.get("type")
    if field is None or typing.get_origin(field.annotation) is not typing.Literal:
        return None
    values = typing.get_args(field.annotation)
    return values[0] if len(values) == 1 else None


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class that validated the mapping at ``loc`` (a union tag picks its member)."""
    candidates: list[type[BaseModel]] = [model]
    for part in loc:
        if not candidates:
            return None
        current = candidates[0]
        field = current.model_fields.get(part) if isinstance(part, str) else None
        if field is not None:
            candidates = _model_classes(field.annotation)
            continue
        tagged = [c for c in candidates if _tag_of(c) == part]
        if tagged:
            candidates = tagged
    return candidates[0] if candidates else None


def _expected_literals(details: ErrorDetails) -> list[str]:
    expected = str((details.get("ctx") or {}).get("expected", ""))
    return re.findall(r"'([^']*)'", expected)


def translate(
    error: ValidationError,
    *,
    model: type[BaseModel],
    data: object,
    base: KeyPath,
    locate: Locate,
    locate_key: Locate,
    from_env: Mapping[KeyPath, str] | None = None,
    notes: Mapping[KeyPath, str] | None = None,
    silence: Set[KeyPath] = frozenset(),
) -> list[Diagnostic]:
    """One located diagnostic per pydantic error in validating ``data`` (found at ``base``).

    ``from_env`` names the values that came from ``${env:}`` (a type error there says so);
    ``notes`` adds a sentence to any error at its path; errors at paths in ``silence`` (values
    already reported, e.g. an unset variable) are dropped.
    """
    found: list[tuple[KeyPath, str, Diagnostic]] = []
    for details in error.errors(include_url=False):
        path, diagnostic = _one(details, model, data, base, locate, locate_key, from_env or {})
        if path in silence:
            continue
        note = (notes or {}).get(path)
        if note:
            diagnostic = Diagnostic(
                diagnostic.severity, f"{diagnostic.message} {note}", diagnostic.location
            )
        found.append((path, details["type"], diagnostic))
    # `capacty: 1` gives "unknown key 'capacty' ...; did you mean 'capacity'?" and "missing
    # required key 'capacity'"; the first says it all.
    suggested = {
        (*path[:-1], _suggested_key(diagnostic.message))
        for path, kind, diagnostic in found
        if kind == "extra_forbidden"
    }
    return [
        diagnostic
        for path, kind, diagnostic in found
        if not (kind == "missing" and path in suggested)
    ]


def _suggested_key(message: str) -> str:
    found = re.search(r"did you mean '([^']*)'\?$", message)
    return found.group(1) if found else ""


def _one(
    details: ErrorDetails,
    model: type[BaseModel],
    data: object,
    base: KeyPath,
    locate: Locate,
    locate_key: Locate,
    from_env: Mapping[KeyPath, str],
) -> tuple[KeyPath, Diagnostic]:
    loc = tuple(details["loc"])
    kind = details["type"]
    value: Any = details.get("input")
    relative, found_last = _data_path(data, loc)
    path = (*base, *relative)
    where = dotted(path)

    if kind == "extra_forbidden" and relative:
        key = str(relative[-1])
        owner = _model_at(model, loc[:-1])
        allowed = list(owner.model_fields) if owner is not None else []
        hint = did_you_mean(key, allowed)
        if not hint and allowed:
            hint = f"; expected one of: {', '.join(allowed)}"
        return path, Diagnostic.error(
            f"unknown key {quote(key)} in {dotted(path[:-1])}{hint}", locate_key(path)
        )
    if kind == "missing":
        field = str(loc[-1]) if loc else "?"
        parent = path[:-1] if found_last else path
        message = f"{dotted(parent)} is missing required key {quote(field)}"
        return (*parent, field), Diagnostic.error(message, locate_key(parent))

    location = locate(path)
    if kind == RULE_ERROR:
        return path, Diagnostic.error(f"{where} {details['msg']}", location)
    if kind == "literal_error":
        options = _expected_literals(details)
        hint = did_you_mean(value, options) if isinstance(value, str) else ""
        listed = ", ".join(f"'{o}'" for o in options)
        return path, Diagnostic.error(
            f"{where} must be one of {listed}, not {describe(value)}{hint}", location
        )
    if kind in _TYPE_WORDS:
        reference = from_env.get(path)
        if reference is not None:  # its value is never shown (SPEC.md §5.1)
            message = (
                f"{where} must be {_TYPE_WORDS[kind]}, not {reference} ({reference} gives a "
                "string; ${env:} may only stand in a string value)"
            )
        else:
            message = f"{where} must be {_TYPE_WORDS[kind]}, not {describe(value)}"
        return path, Diagnostic.error(message, location)
    if kind in _NUMBER_LIMITS:
        key, words = _NUMBER_LIMITS[kind]
        limit = (details.get("ctx") or {}).get(key)
        return path, Diagnostic.error(
            f"{where} must be {words} {limit}, not {describe(value)}", location
        )
    if kind == "string_too_short":
        return path, Diagnostic.error(f"{where} must not be empty", location)
    if kind == "finite_number":
        return path, Diagnostic.error(f"{where} must be a finite number", location)
    message = details["msg"]
    return path, Diagnostic.error(f"{where}: {message[:1].lower()}{message[1:]}", location)
