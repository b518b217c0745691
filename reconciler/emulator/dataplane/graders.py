"""The grader of a reinforcement job, checked as the service does, and the data it reads.

Shapes: the ``OpenAI.Grader*`` schemas of Azure's v1 spec (Azure/azure-rest-api-specs
``specification/ai/data-plane/OpenAI.v1/azure-v1-v1-generated.json`` @0723d852): required and
known fields of each type, the string-check operations and text-similarity metrics. Types: the
spec's ``AzureFineTuneReinforcementMethod.grader`` (string_check, text_similarity, score_model,
multi) plus python and label_model, which Azure's reinforcement fine-tuning how-to documents for
the API (MicrosoftDocs/azure-ai-docs ``articles/ai-foundry/openai/how-to/reinforcement-fine-tuning
.md``); a multigrader's ``graders`` is a map of name -> grader (not multi).

Data: each line's ``messages`` end with a user or developer message, and every ``{{item.X}}``
the grader reads is a field of every line; a job whose data breaks either fails when its files
are validated, naming the first lines.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from reconciler.emulator import json_input
from reconciler.emulator.dataplane.errors import ApiError, bad_request
from reconciler.emulator.dataplane.jsonl_check import LineTooLong, iter_lines

_EVAL_ITEM = {"role", "content", "type"}
_EVAL_ROLES = ("user", "assistant", "system", "developer")
_SAMPLING = {"seed", "top_p", "temperature", "max_completions_tokens", "reasoning_effort"}
# type -> (required fields, other known fields)
_FIELDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "string_check": (frozenset({"type", "name", "input", "reference", "operation"}), frozenset()),
    "text_similarity": (
        frozenset({"type", "name", "input", "reference", "evaluation_metric"}),
        frozenset(),
    ),
    "score_model": (
        frozenset({"type", "name", "model", "input"}),
        frozenset({"sampling_params", "range"}),
    ),
    "label_model": (
        frozenset({"type", "name", "model", "input", "labels", "passing_labels"}),
        frozenset(),
    ),
    "python": (frozenset({"type", "name", "source"}), frozenset({"image_tag"})),
    "multi": (frozenset({"type", "name", "graders", "calculate_output"}), frozenset()),
}
_ENUMS = {
    "operation": ("eq", "ne", "like", "ilike"),
    "evaluation_metric": (
        "fuzzy_match",
        "bleu",
        "gleu",
        "meteor",
        "rouge_1",
        "rouge_2",
        "rouge_3",
        "rouge_4",
        "rouge_5",
        "rouge_l",
    ),
}
_STRINGS = ("name", "input", "reference", "model", "source", "image_tag", "calculate_output")
_TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
MISSING_LINES_SHOWN = 5


def _refuse(message: str, where: str) -> ApiError:
    return bad_request(f"{where}: {message}", param=where)


def check_grader(
    grader: Any, where: str = "method.reinforcement.grader", *, top: bool = True
) -> None:
    if not isinstance(grader, dict):
        raise _refuse("must be an object", where)
    kind = grader.get("type")
    allowed = tuple(_FIELDS) if top else tuple(t for t in _FIELDS if t != "multi")
    if kind not in allowed:
        raise _refuse(f"type must be one of {', '.join(allowed)}", where)
    required, optional = _FIELDS[kind]
    for name in sorted(required - grader.keys()):
        raise _refuse(f"'{name}' is required for a {kind} grader", where)
    for name in grader:
        if name not in required | optional:
            raise bad_request(
                f"Unrecognized request argument supplied: {where}.{name}", param=f"{where}.{name}"
            )
    for name in _STRINGS:
        if name not in grader or (kind in ("score_model", "label_model") and name == "input"):
            continue
        if not isinstance(grader[name], str) or not grader[name]:
            raise _refuse(f"'{name}' must be a non-empty string", where)
    for name, values in _ENUMS.items():
        if name in grader and grader[name] not in values:
            raise _refuse(f"'{name}' must be one of {', '.join(values)}", where)
    if kind in ("score_model", "label_model"):
        _check_messages(grader["input"], f"{where}.input")
    if kind == "score_model":
        _check_score_model(grader, where)
    if kind == "label_model":
        labels, passing = grader["labels"], grader["passing_labels"]
        for name, value in (("labels", labels), ("passing_labels", passing)):
            if (
                not isinstance(value, list)
                or not value
                or not all(isinstance(v, str) for v in value)
            ):
                raise _refuse(f"'{name}' must be a non-empty list of strings", where)
        if not set(passing) <= set(labels):
            raise _refuse("'passing_labels' must be a subset of 'labels'", where)
    if kind == "multi":
        graders = grader["graders"]
        if not isinstance(graders, dict) or not graders:
            raise _refuse("'graders' must be a non-empty object of name -> grader", where)
        for name, sub in graders.items():
            check_grader(sub, f"{where}.graders.{name}", top=False)
    for text in _texts(grader):
        for namespace, _path in _references(text):
            if namespace not in ("sample", "item"):
                raise _refuse(
                    f"the template namespace '{namespace}' is unknown; use sample or item", where
                )


def _check_messages(messages: Any, where: str) -> None:
    if not isinstance(messages, list) or not messages:
        raise _refuse("must be a non-empty list of messages", where)
    for index, item in enumerate(messages):
        place = f"{where}[{index}]"
        if not isinstance(item, dict) or "role" not in item or "content" not in item:
            raise _refuse("a message needs 'role' and 'content'", place)
        for name in item:
            if name not in _EVAL_ITEM:
                raise bad_request(
                    f"Unrecognized request argument supplied: {place}.{name}",
                    param=f"{place}.{name}",
                )
        if item["role"] not in _EVAL_ROLES:
            raise _refuse(f"role must be one of {', '.join(_EVAL_ROLES)}", place)


def _check_score_model(grader: Mapping[str, Any], where: str) -> None:
    params = grader.get("sampling_params")
    if params is not None:
        if not isinstance(params, dict):
            raise _refuse("'sampling_params' must be an object", where)
        for name in params:
            if name not in _SAMPLING:
                raise bad_request(
                    f"Unrecognized request argument supplied: {where}.sampling_params.{name}",
                    param=f"{where}.sampling_params.{name}",
                )
    bounds = grader.get("range")
    if bounds is not None and (
        not isinstance(bounds, list)
        or len(bounds) != 2
        or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
        or bounds[0] >= bounds[1]
    ):
        raise _refuse("'range' must be [low, high] with low < high", where)


def _texts(value: Any, key: str = "") -> Iterator[str]:
    if isinstance(value, str):
        if key not in ("source", "name", "type", "model", "calculate_output"):
            yield value
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from _texts(item, str(name))
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item, key)


def _references(text: str) -> Iterator[tuple[str, str]]:
    for found in _TEMPLATE.finditer(text):
        namespace, _, path = found.group(1).strip().partition(".")
        yield namespace, path


def item_fields(grader: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """The data-line fields the grader reads, as key paths (``{{item.a.b}}`` -> ("a", "b"))."""
    found: dict[tuple[str, ...], None] = {}
    for text in _texts(grader):
        for namespace, path in _references(text):
            if namespace != "item":
                continue
            parts: list[str] = []
            for part in path.split("."):
                match = _NAME.match(part.strip())
                if match is None:
                    break
                parts.append(match.group(0))
                if match.end() != len(part.strip()):
                    break
            if parts:
                found.setdefault(tuple(parts), None)
    return list(found)


def _has(example: Mapping[str, Any], path: tuple[str, ...]) -> bool:
    node: Any = example
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def check_data(
    paths: Sequence[Path], fields: Sequence[tuple[str, ...]], param: str
) -> tuple[dict[str, Any] | None, str]:
    """(why the job fails on this file, or None; a digest of the file's lines, for metrics)."""
    digest = hashlib.blake2b(digest_size=16)
    missing: dict[tuple[str, ...], list[int]] = {f: [] for f in fields}
    wrong_end: list[int] = []
    try:
        for number, raw in iter_lines(paths):
            digest.update(raw)
            digest.update(b"\n")
            if not raw.strip():
                continue
            try:
                example = json_input.parse(raw)
            except json_input.JsonInputError:
                continue  # the upload's own check reported it
            if not isinstance(example, dict):
                continue
            messages = example.get("messages")
            last = messages[-1] if isinstance(messages, list) and messages else None
            if not isinstance(last, dict) or last.get("role") not in ("user", "developer"):
                wrong_end.append(number)
            for field, lines in missing.items():
                if not _has(example, field):
                    lines.append(number)
    except (LineTooLong, OSError):
        pass
    what = param.replace("_", " ")
    if wrong_end:
        return _failure(
            f"The {what} has lines whose last message is not from the user or developer "
            f"(lines {_lines(wrong_end)}); reinforcement data ends with the prompt.",
            param,
        ), digest.hexdigest()
    for field, lines in missing.items():
        if lines:
            name = ".".join(field)
            return _failure(
                f"The grader reads {{{{item.{name}}}}}, but {len(lines)} lines of the {what} "
                f"have no '{name}' (lines {_lines(lines)}).",
                param,
            ), digest.hexdigest()
    return None, digest.hexdigest()


def _lines(lines: Sequence[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:MISSING_LINES_SHOWN])
    return shown + (", …" if len(lines) > MISSING_LINES_SHOWN else "")


def _failure(message: str, param: str) -> dict[str, Any]:
    return {"code": "invalid_training_file", "message": message, "param": param}
