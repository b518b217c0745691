"""``${env:VAR}`` references in string values, replaced by the variable's value."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from reconciler.errors import Diagnostic, Location
from reconciler.spec.places import KeyPath


@dataclass
class EnvResult:
    data: object
    problems: list[Diagnostic]
    substituted: dict[KeyPath, str]
    failed: set[KeyPath]


_REFERENCE = re.compile(r"\$\{env:([^}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def substitute_env(
    data: object,
    environ: Mapping[str, str],
    locate: Callable[[KeyPath], Location],
    *,
    base: KeyPath = (),
) -> EnvResult:
    """Replace every ``${env:VAR}`` in the string values of ``data``.

    Returns the new data, the problems (an unset or malformed variable, located at its value),
    for each value that held a reference the first reference as written (so that a later type
    error there can say the value came from the environment), and the values that could not be
    filled in (any other error there would only repeat the first).
    """
    problems: list[Diagnostic] = []
    substituted: dict[KeyPath, str] = {}
    failed: set[KeyPath] = set()

    def walk(value: object, path: KeyPath) -> object:
        if isinstance(value, str):
            return replace(value, path)
        if isinstance(value, dict):
            return {k: walk(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, (*path, i)) for i, v in enumerate(value)]
        return value

    def replace(text: str, path: KeyPath) -> str:
        if "${env:" not in text:
            return text
        pieces: list[str] = []
        last = 0
        for match in _REFERENCE.finditer(text):
            pieces.append(text[last : match.start()])
            last = match.end()
            name = match.group(1)
            substituted.setdefault(path, match.group(0))
            if not _NAME.fullmatch(name):
                failed.add(path)
                problems.append(
                    Diagnostic.error(
                        f"malformed reference {match.group(0)}: the variable name must be "
                        "letters, digits and _ (not starting with a digit)",
                        locate(path),
                    )
                )
                continue
            found = environ.get(name)
            if found is None:
                failed.add(path)
                problems.append(
                    Diagnostic.error(
                        f"environment variable {name} is not set (referenced as {match.group(0)})",
                        locate(path),
                    )
                )
                continue
            pieces.append(found)
        rest = text[last:]
        if "${env:" in rest:
            failed.add(path)
            problems.append(
                Diagnostic.error("unterminated ${env: reference: write ${env:NAME}", locate(path))
            )
        pieces.append(rest)
        return "".join(pieces)

    return EnvResult(walk(data, base), problems, substituted, failed)
