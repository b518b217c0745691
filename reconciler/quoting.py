"""The one way a message quotes a value from a spec, a dataset line or the environment.

A spec may come from an untrusted pull request and its messages are posted where anyone can
read them (SPEC.md §5.1): a quoted value is cut at ``MAX_QUOTED`` characters, and a value that
came from an environment variable is never shown at all, only the variable's reference.
Which values came from the environment is known only while a spec is read, so the reader
declares them with ``environment_values`` around the checks that may quote them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

MAX_QUOTED = 80
ELLIPSIS = "…"

# value substituted from the environment -> the reference that put it there ("${env:NAME}")
_FROM_ENVIRONMENT: ContextVar[Mapping[str, str]] = ContextVar(
    "from_environment", default=MappingProxyType({})
)


@contextmanager
def environment_values(values: Mapping[str, str]) -> Iterator[None]:
    """While inside, ``quote`` names the variable instead of showing any of ``values``."""
    merged = {**_FROM_ENVIRONMENT.get(), **{v: ref for v, ref in values.items() if v}}
    token = _FROM_ENVIRONMENT.set(merged)
    try:
        yield
    finally:
        _FROM_ENVIRONMENT.reset(token)


def cut(text: str, limit: int = MAX_QUOTED) -> str:
    """``text`` shortened to at most ``limit`` characters, ending in ``…`` when cut."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def environment_reference(text: str) -> str | None:
    """The ``${env:NAME}`` whose value ``text`` holds (in whole or part), if any."""
    for value, reference in _FROM_ENVIRONMENT.get().items():
        if value in text:
            return reference
    return None


def quote(value: object, limit: int = MAX_QUOTED, *, plain: bool = False) -> str:
    """``value`` quoted for a message: ``'text'`` (``text`` when ``plain``, e.g. a file path)
    cut to ``limit`` characters, or ``the value of ${env:NAME}`` when it holds a value from the
    environment."""
    text = value if isinstance(value, str) else str(value)
    reference = environment_reference(text)
    if reference is not None:
        return f"the value of {reference}"
    return cut(repr(value) if isinstance(value, str) and not plain else text, limit)
