"""The project's exceptions and located diagnostics.

Exception tree (every error a user can cause derives from ``ReconcilerError``; the CLI
prints its message and exits 1, never a traceback)::

    ReconcilerError
    ├── SpecError            problems in the spec directory or datasets (carries Diagnostics)
    ├── NotBuiltError        a command or feature that does not exist yet
    ├── AzureError           a call to Azure (or the emulator) failed, mapped in reconciler/azure
    │   ├── NotFoundError
    │   ├── ConflictError    409, e.g. RequestConflict while another write runs on the account
    │   ├── ThrottledError   429
    │   ├── AuthError        401 / 403 / no credential
    │   └── TransientError   5xx, timeouts, dropped connections (possibly ambiguous)
    ├── StalePlanError       a saved plan whose observed state has changed
    └── LockError            another apply holds the stack's lock, or the lock cannot be had
        └── LockLostError    the lock was lost while held: no further change is sent
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    # Not a problem: something the check could not know (`validate` without variable values).
    NOTE = "note"


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file; line and column are 1-based, 0 when unknown."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.path
        if self.col <= 0:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a spec or dataset, printed as ``path:line:col: error: message``."""

    severity: Severity
    message: str
    location: Location | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location is not None else ""
        return f"{where}{self.severity.value}: {self.message}"

    @staticmethod
    def error(message: str, location: Location | None = None) -> Diagnostic:
        return Diagnostic(Severity.ERROR, message, location)

    @staticmethod
    def warning(message: str, location: Location | None = None) -> Diagnostic:
        return Diagnostic(Severity.WARNING, message, location)

    @staticmethod
    def note(message: str, location: Location | None = None) -> Diagnostic:
        return Diagnostic(Severity.NOTE, message, location)


@dataclass
class Diagnostics:
    """An ordered collection of problems; spec checks add to it instead of raising."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.items.append(diagnostic)

    def error(self, message: str, location: Location | None = None) -> None:
        self.items.append(Diagnostic.error(message, location))

    def warning(self, message: str, location: Location | None = None) -> None:
        self.items.append(Diagnostic.warning(message, location))

    def extend(self, other: Iterable[Diagnostic]) -> None:
        self.items.extend(other)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.WARNING]

    @property
    def notes(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.NOTE]

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


# A spec with thousands of broken entries is one mistake repeated: the first ones say it.
MAX_SHOWN_PER_FILE = 50


def capped(diagnostics: Iterable[Diagnostic], limit: int = MAX_SHOWN_PER_FILE) -> list[Diagnostic]:
    """``diagnostics`` with at most ``limit`` per file, each file's rest counted in one line
    (``… and N more errors in FILE``) right after its last one shown."""
    shown: list[Diagnostic] = []
    kept: dict[str, int] = {}
    hidden: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        path = _path_of(diagnostic)
        if kept.get(path, 0) < limit:
            kept[path] = kept.get(path, 0) + 1
            shown.append(diagnostic)
        else:
            hidden.setdefault(path, []).append(diagnostic)
    for path, rest in hidden.items():
        errors = sum(1 for d in rest if d.severity is Severity.ERROR)
        noun = "errors" if errors == len(rest) else "warnings" if not errors else "problems"
        severity = Severity.ERROR if errors else Severity.WARNING
        where = f" in {path}" if path else ""
        last = max(i for i, d in enumerate(shown) if _path_of(d) == path)
        summary = Diagnostic(severity, f"… and {len(rest)} more {noun}{where}", None)
        shown.insert(last + 1, summary)
    return shown


def _path_of(diagnostic: Diagnostic) -> str:
    return diagnostic.location.path if diagnostic.location is not None else ""


class ReconcilerError(Exception):
    """Root of every error the CLI reports as a message (exit 1) instead of a traceback."""


class SpecError(ReconcilerError):
    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(str(d) for d in capped(self.diagnostics)))


class NotBuiltError(ReconcilerError):
    pass


class AzureError(ReconcilerError):
    """A failed call; ``operation`` names it (e.g. ``PUT deployment clippy-swc in aoai-swc``)."""

    def __init__(
        self,
        message: str,
        *,
        operation: str = "",
        status: int | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.operation = operation
        self.status = status
        self.code = code
        self.retry_after = retry_after
        #: the spec's account key the call was about, when known (set by the reader of Azure)
        self.account: str | None = None
        prefix = f"{operation}: " if operation else ""
        super().__init__(f"{prefix}{message}")

    def locate(self, location: Location) -> None:
        """Point the message at the spec place it concerns: ``path:line:col: error: …``."""
        self.args = (f"{location}: error: {self}",)


class NotFoundError(AzureError):
    pass


class ConflictError(AzureError):
    pass


class ThrottledError(AzureError):
    pass


class AuthError(AzureError):
    pass


class TransientError(AzureError):
    """5xx, timeout or dropped connection.

    ``ambiguous`` is True when the request was sent and may have taken effect (a 5xx answer, a
    timeout or a dropped connection after sending): a create must look again before retrying.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str = "",
        status: int | None = None,
        code: str | None = None,
        retry_after: float | None = None,
        ambiguous: bool = True,
    ) -> None:
        super().__init__(
            message, operation=operation, status=status, code=code, retry_after=retry_after
        )
        self.ambiguous = ambiguous


class StalePlanError(ReconcilerError):
    pass


class LockError(ReconcilerError):
    pass


class LockLostError(LockError):
    """Raised in place of a write to Azure once the stack's lock is no longer held."""


def relpath(path: Path) -> str:
    """A path as users see it in messages: relative to the working directory when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
