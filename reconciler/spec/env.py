"""``${env:NAME}`` references in string values, and which variables a spec may name at all.

A spec may come from an untrusted pull request while CI secrets sit in the environment
(SPEC.md §5.1), so a spec reads only the variables the person running the tool allowed:
``AZURE_SUBSCRIPTION_ID``, ``AZURE_TENANT_ID``, every ``RECONCILER_VAR_*``, and the names given
with ``--allow-env NAME`` or ``RECONCILER_ALLOW_ENV=NAME,NAME``. Any other name is an error, and
its value is never read (not even to see whether it is set). ``api_key_env`` may name those, or
any ``AZURE_OPENAI_*`` variable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from reconciler.errors import Diagnostic, Location
from reconciler.quoting import cut
from reconciler.spec.places import KeyPath

ALLOW_ENV_VARIABLE = "RECONCILER_ALLOW_ENV"
ALWAYS_ALLOWED = frozenset({"AZURE_SUBSCRIPTION_ID", "AZURE_TENANT_ID"})
ALLOWED_PREFIX = "RECONCILER_VAR_"
API_KEY_PREFIX = "AZURE_OPENAI_"


@dataclass(frozen=True)
class EnvPolicy:
    """The variables a spec may read: the fixed rule plus the names allowed for this run."""

    extra: frozenset[str] = frozenset()
    # `validate` checks what it can without variable values (as `terraform validate` does): an
    # allowed but unset variable is then a note, and its value is left unknown. Plan and apply
    # need every value, so for them it stays an error.
    unset_is_note: bool = False

    @staticmethod
    def of(environ: Mapping[str, str], allow_env: Iterable[str] = ()) -> EnvPolicy:
        """The policy of ``--allow-env`` names and ``RECONCILER_ALLOW_ENV`` in ``environ``."""
        listed = environ.get(ALLOW_ENV_VARIABLE, "").split(",")
        names = {name.strip() for name in (*listed, *allow_env)}
        return EnvPolicy(frozenset(name for name in names if name))

    def allows(self, name: str) -> bool:
        return name in ALWAYS_ALLOWED or name.startswith(ALLOWED_PREFIX) or name in self.extra

    def allows_api_key(self, name: str) -> bool:
        return name.startswith(API_KEY_PREFIX) or self.allows(name)

    def refusal(self, name: str) -> str:
        """Why a spec may not read ``name``, and how the person running the tool can allow it."""
        return (
            f"environment variable {cut(name)} is not allowed: a spec may read only "
            f"{', '.join(sorted(ALWAYS_ALLOWED))}, {ALLOWED_PREFIX}* and the names given with "
            f"--allow-env NAME or {ALLOW_ENV_VARIABLE}"
        )


@dataclass
class EnvResult:
    data: object
    problems: list[Diagnostic]
    substituted: dict[KeyPath, str]
    failed: set[KeyPath]
    # each value read from the environment -> its reference, so messages can name it instead
    values: dict[str, str] = field(default_factory=dict)


_REFERENCE = re.compile(r"\$\{env:([^}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# What people write meaning ${env:NAME}: the shell's ${NAME}, or env in another case (${ENV:X}).
_LOOKALIKE = re.compile(r"\$\{(?:([A-Za-z]+):)?([A-Za-z_][A-Za-z0-9_]*)\}")


def substitute_env(
    data: object,
    environ: Mapping[str, str],
    locate: Callable[[KeyPath], Location],
    *,
    policy: EnvPolicy | None = None,
    base: KeyPath = (),
) -> EnvResult:
    """Replace every ``${env:VAR}`` in the string values of ``data``.

    Returns the new data, the problems (a variable not allowed, unset or malformed, located at
    its value), for each value that held a reference the first reference as written (so that a
    later type error there can say the value came from the environment), and the values that
    could not be filled in (any other error there would only repeat the first).
    """
    policy = policy if policy is not None else EnvPolicy()
    problems: list[Diagnostic] = []
    substituted: dict[KeyPath, str] = {}
    failed: set[KeyPath] = set()
    values: dict[str, str] = {}

    def walk(value: object, path: KeyPath) -> object:
        if isinstance(value, str):
            return replace(value, path)
        if isinstance(value, dict):
            return {k: walk(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, (*path, i)) for i, v in enumerate(value)]
        return value

    def replace(text: str, path: KeyPath) -> str:
        for match in _LOOKALIKE.finditer(text):
            scheme = match.group(1)
            if scheme is None or (scheme != "env" and scheme.casefold() == "env"):
                failed.add(path)
                problems.append(
                    Diagnostic.error(
                        f"{cut(match.group(0))} is not read from the environment: a spec reads "
                        f"a variable only as ${{env:NAME}}, here ${{env:{match.group(2)}}}",
                        locate(path),
                    )
                )
        if "${env:" not in text:
            return text
        pieces: list[str] = []
        last = 0
        for match in _REFERENCE.finditer(text):
            pieces.append(text[last : match.start()])
            last = match.end()
            name = match.group(1)
            written = cut(match.group(0))
            substituted.setdefault(path, written)
            if not _NAME.fullmatch(name):
                failed.add(path)
                problems.append(
                    Diagnostic.error(
                        f"malformed reference {written}: the variable name must be "
                        "letters, digits and _ (not starting with a digit)",
                        locate(path),
                    )
                )
                continue
            if not policy.allows(name):
                failed.add(path)
                problems.append(Diagnostic.error(policy.refusal(name), locate(path)))
                continue
            found = environ.get(name)
            if found is None:
                failed.add(path)
                problems.append(_unset(name, written, locate(path), policy.unset_is_note))
                continue
            values.setdefault(found, written)
            pieces.append(found)
        rest = text[last:]
        if "${env:" in rest:
            failed.add(path)
            problems.append(
                Diagnostic.error("unterminated ${env: reference: write ${env:NAME}", locate(path))
            )
        pieces.append(rest)
        return "".join(pieces)

    return EnvResult(walk(data, base), problems, substituted, failed, values)


def _unset(name: str, written: str, where: Location, as_note: bool) -> Diagnostic:
    if as_note:
        return Diagnostic.note(
            f"environment variable {name} is not set (referenced as {written}): its value is "
            "not checked here; plan and apply need it",
            where,
        )
    return Diagnostic.error(
        f"environment variable {name} is not set (referenced as {written})", where
    )
